//! The performance figures of issue 11, each against its anchor, in one run:
//!
//! - `decode`: decoding a 1000-flow page against a bare quick-xml walk of the same bytes (wall
//!   time, and instructions under callgrind when valgrind is installed), against the official
//!   Python client's `FlowItem.from_response` (when `tableauserverclient` is importable), and
//!   the allocations per flow; quick-xml's floor (the page read, nothing built) is timed too, to
//!   tell the models' share of the time from quick-xml's;
//! - `pages`: `all()` over 100 pages from a server with 50 ms of latency, against fetching
//!   strictly one page after another;
//! - `transfer`: publishing and downloading a real file against curl on the same loopback server,
//!   with the peak memory;
//! - `scale`: the simulator paging through 100,000 flows against 10,000, and publishing into a
//!   site of 50,000 against an empty one.
//!
//! Run: `cargo bench -p tableau-flows-tests --bench perf`. `PERF_ONLY=decode,pages` runs some
//! sections; each section's own settings are in its module. Figures are printed, never asserted:
//! the exit status is 0 whether or not a target is met.

mod alloc_count;
mod decode;
mod pages;
mod report;
mod scale;
mod transfer;

use report::Report;
use std::time::Instant;

/// A section: it prints its figures as it takes them and records them in the report.
type Section = fn(&mut Report);

/// The sections, in the order they run.
const SECTIONS: [(&str, Section); 4] = [
    ("decode", decode::run),
    ("pages", pages::run),
    ("transfer", transfer::run),
    ("scale", scale::run),
];

fn main() {
    // `cargo bench` passes `--bench`; a name given after `--` selects sections as PERF_ONLY does.
    let from_args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let only: Vec<String> = if from_args.is_empty() {
        std::env::var("PERF_ONLY")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    } else {
        from_args
    };
    if let Some(unknown) = only
        .iter()
        .find(|o| !SECTIONS.iter().any(|(name, _)| name == o))
    {
        let names: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
        eprintln!(
            "no section {unknown:?}; the sections are {}",
            names.join(", ")
        );
        std::process::exit(2);
    }
    let started = Instant::now();
    let mut report = Report::default();
    for (name, run) in SECTIONS {
        if only.is_empty() || only.iter().any(|o| o == name) {
            println!("\n== {name}");
            let t = Instant::now();
            run(&mut report);
            println!("   ({name}: {:.1} s)", t.elapsed().as_secs_f64());
        }
    }
    let (summary, missed) = report.summary();
    println!(
        "\n== summary ({:.0} s)\n{summary}{}",
        started.elapsed().as_secs_f64(),
        if missed == 0 {
            "every target met".to_owned()
        } else {
            format!("{missed} target(s) not met")
        }
    );
}
