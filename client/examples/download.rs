//! Downloads the flow Sales Cleanup, by its name, into the current folder under the server's
//! file name (streamed to disk; an existing file is never replaced).
use tableau_flows::{Client, DownloadOptions};

fn main() -> Result<(), tableau_flows::Error> {
    let client = Client::from_env()?;
    let flow = client.find_flow("Sales Cleanup")?;
    let path = client.download_flow_into(&flow.id, ".", DownloadOptions::new())?;
    println!("saved {}", path.display());
    Ok(())
}
