//! What the server allows a client: the sizes and deadlines of its requests and connections.

use std::time::Duration;

/// The longest request head (request line and headers) read.
pub(super) const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How many blank lines may come before a request line (RFC 9112, 2.2).
pub(super) const BLANK_LINES_BEFORE: usize = 2;
/// The longest chunk-size line or trailer line of a chunked body.
pub(super) const MAX_CHUNK_LINE: u64 = 4 * 1024;
/// How long, and how much, a refused request's remaining body is read and discarded before its
/// connection is closed, so that the client reads the refusal rather than a reset.
pub(super) const LINGER: Duration = Duration::from_secs(1);
pub(super) const LINGER_BYTES: u64 = 16 * 1024 * 1024;
/// The longest body of a request answered without reading it that is still read (and dropped)
/// to keep its connection open; a longer one, or a chunked one, closes the connection after the
/// answer.
pub(super) const DISCARD_BYTES: u64 = 64 * 1024;
/// The buffers of a connection.
pub(super) const BUFFER: usize = 64 * 1024;

/// What the server allows a client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// How long a request's head may take, and a read of its body may wait for data.
    pub read_timeout: Duration,
    /// How long a new connection may take to send its first request head whole, from accept.
    pub first_request_timeout: Duration,
    /// How long a connection may wait, idle, for its next request.
    pub idle_timeout: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
}
