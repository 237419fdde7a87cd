//! What the sections measure, gathered for the summary at the end of a run.

use std::fmt::Write as _;

/// What a figure must reach.
#[derive(Clone, Copy)]
pub enum Target {
    /// The figure must be at most this (a ratio to its anchor).
    AtMost(f64),
    /// The figure must be at least this.
    AtLeast(f64),
}

impl Target {
    fn met(self, value: f64) -> bool {
        match self {
            Target::AtMost(t) => value <= t,
            Target::AtLeast(t) => value >= t,
        }
    }

    fn text(self) -> String {
        match self {
            Target::AtMost(t) => format!("<= {t}"),
            Target::AtLeast(t) => format!(">= {t}"),
        }
    }
}

/// One figure against its anchor.
struct Check {
    section: &'static str,
    what: String,
    value: f64,
    anchor: String,
    target: Target,
}

/// The figures of a run, printed together at the end.
#[derive(Default)]
pub struct Report {
    checks: Vec<Check>,
    skipped: Vec<String>,
}

impl Report {
    /// Records `value` (a ratio against `anchor`) for the summary, and prints it at once.
    pub fn check(
        &mut self,
        section: &'static str,
        what: impl Into<String>,
        value: f64,
        anchor: impl Into<String>,
        target: Target,
    ) {
        let check = Check {
            section,
            what: what.into(),
            value,
            anchor: anchor.into(),
            target,
        };
        println!(
            "  -> {}: {:.2} against {} (target {}: {})",
            check.what,
            check.value,
            check.anchor,
            target.text(),
            verdict(target.met(value))
        );
        self.checks.push(check);
    }

    /// Records that a figure could not be taken on this machine, and why.
    pub fn skip(&mut self, section: &'static str, why: impl Into<String>) {
        let why = why.into();
        println!("  -> skipped: {why}");
        self.skipped.push(format!("{section}: {why}"));
    }

    /// The summary table; the number of targets not met.
    pub fn summary(&self) -> (String, usize) {
        let mut out = String::new();
        let width = self.checks.iter().map(|c| c.what.len()).max().unwrap_or(0);
        let anchor_width = self
            .checks
            .iter()
            .map(|c| c.anchor.len())
            .max()
            .unwrap_or(0);
        let mut missed = 0;
        for c in &self.checks {
            let met = c.target.met(c.value);
            missed += usize::from(!met);
            let _ = writeln!(
                out,
                "{:<9} {:<width$}  {:>8.2}  vs {:<anchor_width$}  target {:<8} {}",
                c.section,
                c.what,
                c.value,
                c.anchor,
                c.target.text(),
                verdict(met),
            );
        }
        for s in &self.skipped {
            let _ = writeln!(out, "skipped   {s}");
        }
        (out, missed)
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT MET" }
}

/// The process's peak resident memory so far (VmHWM), in KiB; 0 where /proc is not available.
pub fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// An environment variable parsed as a number, or `default`.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
