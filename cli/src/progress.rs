//! Progress bars (indicatif) for uploads, downloads and waiting for a flow run: drawn on stderr,
//! and only when stderr is a terminal, so that pipes, files and tests see none of it.
//!
//! The bar being drawn is remembered, so that Ctrl-C can clear it from the signal handler's
//! thread ([`clear_active`]) and the request log can print above it ([`suspend`]).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;
use tableau_flows::FlowRun;

/// The bar being drawn, if any.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Whether progress bars are drawn: stderr is a terminal.
pub fn enabled() -> bool {
    std::io::stderr().is_terminal()
}

fn style(template: &str) -> ProgressStyle {
    // The templates are constants of this module: a mistake in one is a bug, shown as the default style.
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

const SIZED: &str = "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}";
const UNSIZED: &str = "{spinner} {msg} {bytes} {bytes_per_sec}";
const WAITING: &str = "{spinner} {msg} [{bar:30}] {pos}% {elapsed}";

/// A bar on stderr when it is a terminal (remembered as the active one), a hidden one otherwise.
fn bar(length: Option<u64>) -> ProgressBar {
    if enabled() {
        let bar = ProgressBar::with_draw_target(length, ProgressDrawTarget::stderr());
        if let Ok(mut active) = ACTIVE.lock() {
            *active = Some(bar.clone());
        }
        bar
    } else {
        ProgressBar::hidden()
    }
}

/// Clears the bar being drawn, if any (Ctrl-C, from any thread).
pub fn clear_active() {
    let bar = ACTIVE.lock().ok().and_then(|mut a| a.take());
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

/// Runs `f` (which prints on stderr) with the active bar, if any, hidden meanwhile.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let bar = ACTIVE
        .lock()
        .ok()
        .and_then(|a| a.clone())
        .filter(|b| !b.is_finished());
    match bar {
        Some(bar) => bar.suspend(f),
        None => f(),
    }
}

/// A bar for moving a file: `message`, bytes moved, rate.
pub fn transfer(message: &str) -> ProgressBar {
    let bar = bar(None);
    bar.set_style(style(UNSIZED));
    bar.set_message(crate::output::clean(message).into_owned());
    bar
}

/// The client's progress callback, moving `bar`; the first report with a total turns it into a
/// bar with a length.
pub fn transfer_callback(bar: &ProgressBar) -> tableau_flows::Progress {
    let bar = bar.clone();
    std::sync::Arc::new(move |done, total| {
        if let Some(total) = total
            && bar.length() != Some(total)
        {
            bar.set_style(style(SIZED));
            bar.set_length(total);
        }
        bar.set_position(done);
    })
}

/// A bar for waiting for a flow run: its status and progress (0–100).
pub fn waiting(run_id: &str) -> ProgressBar {
    let bar = bar(Some(100));
    bar.set_style(style(WAITING));
    bar.set_message(crate::output::clean(&format!("flow run {run_id}")).into_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The wait's poll callback, moving `bar` to the run's progress and status.
pub fn poll_callback(bar: &ProgressBar) -> impl Fn(&FlowRun) + Send + Sync + 'static {
    let bar = bar.clone();
    move |run: &FlowRun| {
        let status = run.status.as_ref().map_or("unknown", |s| s.as_str());
        bar.set_message(
            crate::output::clean(&format!("flow run {} {status}", run.id.as_str())).into_owned(),
        );
        if run.status == Some(tableau_flows::RunStatus::Success) {
            bar.set_position(100);
        } else if let Some(p) = run.progress {
            bar.set_position(u64::from(p.min(100)));
        }
    }
}
