//! The simulator's HTTP/1.1 server, on std alone.
//!
//! Each connection is served on a thread of its own, up to a cap, so a client that sends its body
//! slowly, or holds an idle connection, never keeps others waiting. At the cap, a new connection
//! evicts the one idle the longest (waiting for a request head of which no byte has arrived);
//! only when none is idle is it answered 503 and closed. A new connection's first request head
//! must arrive within the first-request timeout of accept; reading a request's head must end
//! within the read timeout of its first byte, and reading its body must make progress within it (408 otherwise). The handler
//! admits a request from its head alone ([`Handler::admit`]): it answers it at once, without
//! reading its body, or sets the limit its body is read up to. A body whose `Content-Length` is
//! over that limit is refused with 413 before a byte of it is read; a chunked body is read only
//! up to the limit. Stopping the server closes the listener and every
//! connection it accepted, so a client's pooled connection fails at once rather than waiting for
//! an answer that never comes.
//!
//! Request heads are parsed with httparse, and `Date` written with httpdate; reading (its
//! limits and deadlines) and the body's framing are the server's own. One concern a module:
//! [`limits`] (what a client is allowed), [`head`] (reading a request head), [`framing`] (a
//! body's framing, and reading it), [`conn`] (accepting connections and serving each), and here
//! what the server and its handler share (the handler, the answer and its writing).

mod conn;
mod framing;
mod head;
mod limits;

pub(crate) use conn::{Server, listen_on_loopback};
pub(crate) use framing::{Body, BodyError};
pub(crate) use head::Head;
pub(crate) use limits::Limits;

use std::io::{self, Write};
use std::sync::Arc;

/// An answer to write.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The status.
    pub status: u16,
    /// The headers, besides `Content-Length`, `Date` and `Connection`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: ReplyBody,
}

/// The body of a [`Reply`].
#[derive(Debug)]
pub(crate) enum ReplyBody {
    /// Bytes of its own.
    Owned(Vec<u8>),
    /// Bytes shared with the simulator's state (a flow's file).
    Shared(Arc<Vec<u8>>),
}

impl ReplyBody {
    fn bytes(&self) -> &[u8] {
        match self {
            ReplyBody::Owned(b) => b,
            ReplyBody::Shared(b) => b,
        }
    }
}

/// What the handler decides about a request from its head, before a byte of its body is read.
#[derive(Debug)]
pub(crate) enum Admission {
    /// Answer at once. The body is never read: a short one (of a `Content-Length`, sent at once)
    /// is dropped as it arrives so that the connection stays open; otherwise the connection is
    /// closed after the answer.
    Answer(Reply),
    /// Read the body and pass it to [`Handler::handle`].
    Read(Admitted),
}

/// How an admitted request's body is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Admitted {
    /// The longest body read: one whose `Content-Length` is longer is answered 413 before a byte
    /// of it is read, a chunked one when it grows past it.
    pub limit: u64,
    /// The multipart part that carries the endpoint's file, when the body is to go to disk as it
    /// arrives rather than into memory (the server only passes it on to the handler).
    pub file_part: Option<&'static str>,
}

/// What answers requests.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Decides about a request from its head alone: an answer given without reading the body
    /// (no endpoint, a method it does not take, a caller it refuses), or how to read the body.
    fn admit(&self, head: &Head) -> Admission;

    /// Answers an admitted request; it reads the body (all of it, or the connection is closed
    /// after the answer).
    fn handle(
        &self,
        head: &Head,
        admitted: &Admitted,
        body: &mut Body<'_>,
    ) -> Result<Reply, BodyError>;

    /// The answer to a request the server refuses itself (its status, a short reason): 400,
    /// 408, 413, 417, 431, 500, 501, 503, 505.
    fn refusal(&self, status: u16, detail: &str) -> Reply;
}

/// The reason phrase of a status.
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        417 => "Expectation Failed",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// `Date`'s value now (RFC 9110's IMF-fixdate).
fn http_date() -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now())
}

/// Writes an answer; `head_only` leaves the body out (HEAD), `close` announces the close.
fn write_reply(out: &mut dyn Write, head_only: bool, reply: &Reply, close: bool) -> io::Result<()> {
    let body = reply.body.bytes();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nDate: {}\r\n",
        reply.status,
        reason(reply.status),
        http_date()
    );
    for (k, v) in &reply.headers {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    let bodiless = matches!(reply.status, 100..=199 | 204 | 304);
    if !bodiless {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    if !head_only && !bodiless {
        out.write_all(body)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_imf_fixdates() {
        let d = http_date();
        assert_eq!(d.len(), 29, "{d}");
        assert!(d.ends_with(" GMT"), "{d}");
        assert!(httpdate::parse_http_date(&d).is_ok(), "{d}");
    }
}
