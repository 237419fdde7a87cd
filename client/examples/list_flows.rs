//! Lists the flows whose name starts with a prefix, newest first, across every page.
//!
//! `cargo run -p tableau-flows --example list_flows -- "Sales"` (see `common/mod.rs` for the environment).

use tableau_flows::{Filter, Sort};

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = common::signed_in_client()?;
    let name = std::env::args().nth(1).unwrap_or_else(|| "Sales".into());
    let flows = client
        .query_flows_for_site()
        .filter(Filter::new().eq("name", &name))
        .sort(Sort::new().desc("createdAt"))
        .page_size(200)
        .all();
    for flow in flows {
        let flow = flow?;
        println!(
            "{}  {}  {}",
            flow.id,
            flow.name.as_deref().unwrap_or("-"),
            flow.project.and_then(|p| p.name).unwrap_or_default()
        );
    }
    client.end_session()?;
    Ok(())
}
