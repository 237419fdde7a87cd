//! Ctrl-C: during a wait, a transfer or the listing of pages (`--all`, `--limit`, the lists that
//! show every page) it raises the command's [`CancelToken`], so that the library stops at its
//! next step (the next poll, chunk or block of bytes; a listing before its next item) and cleans
//! up (a download's partial file is removed); the command then clears its progress bar, signs
//! out, says how to resume (a listing: how many pages and items it had fetched), and exits with
//! status 130.
//!
//! The handler is installed by the binary ([`enable`]) and only once a wait or a transfer begins
//! ([`cancellable`]): before that (e.g. at a password prompt) Ctrl-C ends the process as usual.
//! SIGTERM and SIGHUP are handled as Ctrl-C is (so `tabflow mock`, whose serving is such a wait,
//! stops cleanly on them too).
//! Outside a wait or a transfer, and at a second Ctrl-C, the handler exits with 130 at once; if
//! the command has not stopped within [`GRACE`] of the first one, it exits with 130 all the same.

use crate::error::EXIT_INTERRUPTED;
use crate::progress;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};
use std::time::Duration;
use tableau_flows::CancelToken;

/// How long the command has, after Ctrl-C, to stop by itself before the handler exits.
pub const GRACE: Duration = Duration::from_secs(2);

/// The token Ctrl-C raises, once [`enable`]d.
static TOKEN: OnceLock<CancelToken> = OnceLock::new();
/// Installs the handler once.
static INSTALL: Once = Once::new();
/// How many waits and transfers are under way.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// How many times Ctrl-C was pressed.
static PRESSES: AtomicUsize = AtomicUsize::new(0);

/// Lets Ctrl-C cancel waits and transfers (the binary calls this; tests pass their own tokens):
/// returns the token it will raise.
pub fn enable() -> CancelToken {
    TOKEN.get_or_init(CancelToken::new).clone()
}

/// A wait or a transfer under way: while one lives, Ctrl-C cancels instead of exiting.
#[derive(Debug)]
pub struct Cancellable(());

impl Drop for Cancellable {
    fn drop(&mut self) {
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Marks a wait or a transfer as under way, installing the Ctrl-C handler first if [`enable`]d.
pub fn cancellable() -> Cancellable {
    if let Some(token) = TOKEN.get() {
        INSTALL.call_once(|| {
            let token = token.clone();
            // Without a handler (another one is set), Ctrl-C ends the process as it would anyway.
            let _ = ctrlc::set_handler(move || on_interrupt(&token));
        });
    }
    ACTIVE.fetch_add(1, Ordering::SeqCst);
    Cancellable(())
}

/// What Ctrl-C does (on the handler's thread).
fn on_interrupt(token: &CancelToken) {
    let first = PRESSES.fetch_add(1, Ordering::SeqCst) == 0;
    token.cancel();
    progress::clear_active();
    if !first || ACTIVE.load(Ordering::SeqCst) == 0 {
        exit_now("interrupted");
    }
    std::thread::spawn(|| {
        std::thread::sleep(GRACE);
        exit_now("interrupted (the command did not stop in time; the session was not signed out)");
    });
}

fn exit_now(message: &str) -> ! {
    progress::clear_active();
    crate::verbose::to_stderr(&format!("tabflow: {message}"));
    std::process::exit(i32::from(EXIT_INTERRUPTED));
}
