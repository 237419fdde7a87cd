//! The longest duration the client takes: every duration given to it (timeouts, backoffs,
//! waits) is clamped to [`MAX_DURATION`], so that adding one to the clock can never overflow
//! (`Duration::MAX` would panic there).

use std::time::Duration;

/// The longest duration the client takes anywhere (a year, 365 days): a longer timeout,
/// backoff or wait given to [`ClientBuilder`](crate::ClientBuilder),
/// [`RetryPolicy`](crate::RetryPolicy) or [`WaitOptions`](crate::WaitOptions) is taken as this
/// one, so that `Duration::MAX` means "as long as can be" rather than a panic.
///
/// ```
/// use std::time::Duration;
/// use tableau_flows::{Client, MAX_DURATION};
/// // Neither builds nor calls panic: the deadline is a year.
/// let client = Client::builder("https://tableau.example.com")
///     .timeout(Duration::MAX)
///     .build()
///     .unwrap();
/// assert_eq!(MAX_DURATION, Duration::from_secs(365 * 24 * 60 * 60));
/// ```
pub const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// `duration`, at most [`MAX_DURATION`].
pub(crate) fn clamp(duration: Duration) -> Duration {
    duration.min(MAX_DURATION)
}
