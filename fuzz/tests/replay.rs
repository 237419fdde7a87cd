//! Replays the seeds (from memory, as `seed.sh` would write them) and every file of
//! `corpus/<target>/` through each target's function, on any toolchain: what `cargo fuzz` found
//! interesting once stays checked on stable.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use tableau_flows_fuzz::{TARGETS, known, seeds};

fn target(name: &str) -> tableau_flows_fuzz::Target {
    TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("no target {name}"))
}

/// The files of `corpus/<name>/`, sorted (none when the folder does not exist).
fn corpus(name: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.display().to_string(), bytes)
        })
        .collect()
}

fn replay(name: &str) {
    let run = target(name);
    let seeds = seeds::seeds(name);
    assert!(!seeds.is_empty(), "{name} has no seeds");
    let files = corpus(name);
    for (input, data) in seeds.iter().chain(files.iter()) {
        if catch_unwind(AssertUnwindSafe(|| run(data))).is_err() {
            panic!(
                "{name}: the input {input} fails (reproduce: cargo run --manifest-path fuzz/Cargo.toml --bin {name} -- <file with its bytes>)"
            );
        }
    }
    println!(
        "{name}: {} seeds and {} corpus files replayed",
        seeds.len(),
        files.len()
    );
}

#[test]
fn decode_response() {
    replay("decode_response");
}

#[test]
fn decode_response_json() {
    replay("decode_response_json");
}

#[test]
fn roundtrip_models() {
    replay("roundtrip_models");
}

#[test]
fn spec_dsl() {
    replay("spec_dsl");
}

#[test]
fn doc_page() {
    replay("doc_page");
}

#[test]
fn filter_sort() {
    replay("filter_sort");
}

#[test]
fn mock_request() {
    replay("mock_request");
}

#[test]
fn every_target_is_replayed_and_seeded() {
    let tested = [
        "decode_response",
        "decode_response_json",
        "roundtrip_models",
        "spec_dsl",
        "doc_page",
        "filter_sort",
        "mock_request",
        "base_url",
    ];
    for (name, _) in TARGETS {
        assert!(tested.contains(name), "{name} has no replay test");
        let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz_targets")
            .join(format!("{name}.rs"));
        assert!(bin.exists(), "{} is missing", bin.display());
    }
}

/// The reproducers of the known issues (`seed-known-*`), with every tolerance off: lists which
/// still fail. Run it with `cargo test --manifest-path fuzz/Cargo.toml -- --ignored` after a fix,
/// then drop the issue's tolerance from `src/known.rs`'s callers.
#[test]
#[ignore = "reports the known issues; fails while any is still present"]
fn known_issues_are_fixed() {
    let mut still = Vec::new();
    for (name, run) in TARGETS {
        for (input, data) in seeds::seeds(name)
            .iter()
            .filter(|(n, _)| n.starts_with("seed-known-"))
        {
            let failed =
                known::with_strict(|| catch_unwind(AssertUnwindSafe(|| run(data))).is_err());
            println!(
                "{name}/{input}: {}",
                if failed { "still fails" } else { "fixed" }
            );
            if failed {
                still.push(format!("{name}/{input}"));
            }
        }
    }
    assert!(still.is_empty(), "known issues still present: {still:?}");
}

#[test]
fn base_url() {
    replay("base_url");
}
