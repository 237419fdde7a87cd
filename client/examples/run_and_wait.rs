//! Runs a flow with parameter overrides (by name or id) and waits for the run to finish.
//!
//! `cargo run -p tableau-flows --example run_and_wait -- FLOW_ID Region=North Count=3`

use std::sync::Arc;
use std::time::Duration;
use tableau_flows::run::{RunOptions, WaitError, WaitOptions};

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let flow_id = args
        .next()
        .ok_or("usage: run_and_wait FLOW_ID [NAME=VALUE]...")?;
    let mut options = RunOptions::new();
    for param in args {
        let (name, value) = param.split_once('=').ok_or("parameters are NAME=VALUE")?;
        options = options.parameter(name, value);
    }
    let client = common::signed_in_client()?;
    let started = client.run_flow(flow_id, options)?;
    let wait = WaitOptions {
        timeout: Duration::from_secs(30 * 60),
        on_poll: Some(Arc::new(|run| {
            eprintln!("{:?} {}%", run.status, run.progress.unwrap_or(0))
        })),
        ..WaitOptions::default()
    };
    match client.wait_for_flow_run(started.flow_run_id()?, wait) {
        Ok(run) => println!("run {} succeeded", run.id),
        Err(WaitError::Failed(run)) => println!("run {} failed", run.id),
        Err(e) => return Err(e.into()),
    }
    client.end_session()?;
    Ok(())
}
