//! `flowspec`: tools over the tableau-flows spec.
//!
//! ```text
//! flowspec export json [--spec DIR]   print the whole spec as JSON (format: spec/export.schema.json)
//! flowspec check [--spec DIR]         validate the spec; print diagnostics as FILE:LINE:COL: message
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: flowspec export json [--spec DIR]\n       flowspec check [--spec DIR]";

fn default_spec_dir() -> PathBuf {
    // The workspace's spec folder, found from the codegen crate's manifest.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("spec")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut spec_dir = default_spec_dir();
    let mut words = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--spec" => match it.next() {
                Some(d) => spec_dir = PathBuf::from(d),
                None => {
                    eprintln!("flowspec: --spec needs a folder\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => words.push(a.as_str()),
        }
    }
    let spec = match tableau_flows_codegen::load(&spec_dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match words.as_slice() {
        ["export", "json"] => {
            print!("{}", tableau_flows_codegen::export_json(&spec));
            ExitCode::SUCCESS
        }
        ["check"] => {
            println!(
                "spec OK: {} endpoints, {} types, {} error codes",
                spec.endpoints.len(),
                spec.types.len(),
                spec.error_codes.len()
            );
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("flowspec: unknown command\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
