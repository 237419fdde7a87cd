//! Lists the flows of a project, every page. `TABLEAU_SERVER=... TABLEAU_PAT_NAME=...
//! TABLEAU_PAT_SECRET=... cargo run -p tableau-flows --example list_flows`
use tableau_flows::{Client, Filter};

fn main() -> Result<(), tableau_flows::Error> {
    let client = Client::from_env()?;
    let sales = Filter::new().eq("projectName", "Sales");
    for flow in client.query_flows_for_site().filter(sales).all() {
        let flow = flow?;
        println!("{} {}", flow.id, flow.name.unwrap_or_default());
    }
    Ok(())
}
