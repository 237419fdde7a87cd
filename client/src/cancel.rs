//! Cooperative cancellation of the long workflows: waiting for a run, publishing, downloading.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag that stops a wait, a publish or a download at its next step (the next poll, chunk or
/// block of bytes), which then fails with [`Error::Cancelled`](crate::Error::Cancelled) after
/// cleaning up (a download's partial file is removed). Clones share the flag, so a Ctrl-C handler
/// can hold one while the workflow runs with another.
///
/// ```
/// let token = tableau_flows::CancelToken::new();
/// let handler_copy = token.clone();
/// handler_copy.cancel();
/// assert!(token.is_cancelled());
/// ```
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A flag not yet raised.
    pub fn new() -> Self {
        CancelToken::default()
    }

    /// Raises the flag.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the flag was raised.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// `Err(Cancelled)` once the token (if any) is raised.
pub(crate) fn check(token: Option<&CancelToken>, what: &'static str) -> Result<(), crate::Error> {
    match token {
        Some(t) if t.is_cancelled() => Err(crate::Error::Cancelled(what)),
        _ => Ok(()),
    }
}
