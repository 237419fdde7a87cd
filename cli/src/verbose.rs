//! `-v`/`--verbose`: the requests the library logs through the `log` facade (at debug level:
//! method, path and query, status, time; never a header, so never a token or a secret), printed on
//! stderr as `tabflow: GET /api/3.24/sites/.../flows -> 200 in 12 ms`; a stderr that cannot be
//! written (closed by its reader) is ignored ([`to_stderr`]).

use log::{Level, LevelFilter, Log, Metadata, Record};
use std::io::Write;

/// Writes `line` and a newline on stderr, ignoring a stderr that cannot be written (closed by
/// its reader, as `2>&1 | head` does, or full): what is printed there is commentary, and a command
/// goes on, or ends quietly, without it. (`eprintln!` would panic instead.)
pub fn to_stderr(line: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
    let _ = stderr.flush();
}

/// Prints the library's request log on stderr.
#[derive(Debug)]
struct RequestLog;

/// Whether a record comes from the client library, or from `tabflow` itself (a `tabflow::`
/// target, such as `describe` saying where a description comes from), not the simulator nor
/// anything else.
fn from_the_library(target: &str) -> bool {
    target == "tableau_flows"
        || target.starts_with("tableau_flows::")
        || target.starts_with("tabflow::")
}

/// The line printed for a record.
pub fn line(record: &Record<'_>) -> String {
    format!("tabflow: {}", record.args())
}

impl Log for RequestLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= Level::Debug && from_the_library(metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = line(record);
            crate::progress::suspend(|| to_stderr(&line));
        }
    }

    fn flush(&self) {}
}

/// Installs the request log (once per process; later calls do nothing).
pub fn install() {
    static LOGGER: RequestLog = RequestLog;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(LevelFilter::Debug);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_library_s_debug_lines() {
        let l = RequestLog;
        let meta =
            |target: &'static str, level| Metadata::builder().target(target).level(level).build();
        assert!(l.enabled(&meta("tableau_flows::call", Level::Debug)));
        assert!(l.enabled(&meta("tableau_flows", Level::Info)));
        assert!(!l.enabled(&meta("tableau_flows::call", Level::Trace)));
        assert!(!l.enabled(&meta("tableau_flows_mock::sim", Level::Debug)));
        assert!(!l.enabled(&meta("ureq::unit", Level::Debug)));
        let args = format_args!("GET /api/3.24/sites/s/flows -> 200 in 12 ms");
        let record = Record::builder()
            .target("tableau_flows::call")
            .level(Level::Debug)
            .args(args)
            .build();
        assert_eq!(
            line(&record),
            "tabflow: GET /api/3.24/sites/s/flows -> 200 in 12 ms"
        );
    }
}
