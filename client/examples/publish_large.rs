//! Publishes a (large) flow file: chunked above 64 MB, memory bounded by one chunk, with progress.
//!
//! `cargo run -p tableau-flows --example publish_large -- FILE.tflx PROJECT_ID`

use std::sync::Arc;
use tableau_flows::upload::PublishOptions;

mod common;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(file), Some(project)) = (args.next(), args.next()) else {
        return Err("usage: publish_large FILE.tflx PROJECT_ID".into());
    };
    let client = common::signed_in_client()?;
    let options = PublishOptions::new(project)
        .overwrite(true)
        .chunk_size(16 * 1024 * 1024)
        .progress(Arc::new(|sent, total| {
            eprint!("\r{sent} / {} bytes", total.unwrap_or(0));
        }));
    let published = client.publish_flow_file(&file, options)?;
    eprintln!();
    println!("published {} as {}", file, published.flow.id);
    client.end_session()?;
    Ok(())
}
