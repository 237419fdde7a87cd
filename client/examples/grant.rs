//! Lets the user analyst, by name, read the flow Sales Cleanup, by name.
use tableau_flows::{Capability, Client, Grant};

fn main() -> Result<(), tableau_flows::Error> {
    let client = Client::from_env()?;
    let flow = client.find_flow("Sales Cleanup")?;
    let analyst = client.find_user("analyst")?;
    let read = Grant::user(analyst.id).allow(Capability::Read);
    client.add_flow_permissions(&flow.id, read).send()?;
    println!("granted Read on {}", flow.id);
    Ok(())
}
