//! Downloads a flow into a folder, in the file the server names, streaming it to disk.
//!
//! `cargo run -p tableau-flows --example download -- FLOW_ID [DIR]`

use std::path::PathBuf;
use std::sync::Arc;

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let flow_id = args.next().ok_or("usage: download FLOW_ID [DIR]")?;
    let dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let client = common::signed_in_client()?;
    let path = client.download_flow_into(
        flow_id,
        &dir,
        Some(Arc::new(|done, total| {
            eprint!("\r{done} / {} bytes", total.unwrap_or(0))
        })),
    )?;
    eprintln!();
    println!("saved {}", path.display());
    client.end_session()?;
    Ok(())
}
