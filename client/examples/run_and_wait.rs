//! Runs the flow Sales Cleanup, by its name, with its parameter Region, by name, and waits for
//! the run (a failed run is an error with the server's reason).
use tableau_flows::{Client, RunOptions, WaitOptions};

fn main() -> Result<(), tableau_flows::Error> {
    let client = Client::from_env()?;
    let flow = client.find_flow("Sales Cleanup")?;
    let started = client.run_flow(&flow.id, RunOptions::new().parameter("Region", "North"))?;
    let run = client.wait_for_flow_run(started.flow_run_id()?, WaitOptions::new())?;
    println!("run {} succeeded", run.id);
    Ok(())
}
