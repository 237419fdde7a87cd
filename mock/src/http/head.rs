//! Reading a request head: the request line and headers, parsed with httparse, within the
//! head's size limit and deadline.

use super::framing::is_timeout;
use super::limits::{BLANK_LINES_BEFORE, MAX_HEAD_BYTES};
use std::io::{self, BufRead};
use std::time::{Duration, Instant};

/// A request's method, target and headers.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    /// The method, as sent.
    pub method: String,
    /// The request target (path and query), as sent.
    pub target: String,
    /// `HTTP/1.x`'s x.
    pub minor: u8,
    /// The headers, in order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of a header (the name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client keeps the connection open after this request.
    pub(super) fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or_default();
        let has = |token: &str| {
            connection
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.minor == 0 {
            has("keep-alive")
        } else {
            !has("close")
        }
    }
}

/// Why a request head could not be read.
#[derive(Debug)]
pub(super) enum HeadError {
    /// The connection ended or failed.
    Gone,
    /// The head took longer than the read timeout (408).
    Timeout,
    /// Longer than [`MAX_HEAD_BYTES`] (431).
    TooLarge,
    /// Not HTTP/1.x (505).
    Version,
    /// Not a request head (400).
    Malformed(&'static str),
}

/// Reads a request head, which must arrive within `deadline`; `set_timeout` bounds each read of
/// `reader` (the connection's read timeout). Exactly the head is consumed from `reader`: what
/// follows it (a body, the next request) is left there.
pub(super) fn read_head<R: BufRead + ?Sized>(
    reader: &mut R,
    set_timeout: &mut dyn FnMut(Duration),
    deadline: Instant,
) -> Result<Head, HeadError> {
    // The head so far, consumed from `reader`.
    let mut buf = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HeadError::Timeout);
        }
        set_timeout(left);
        let available = match reader.fill_buf() {
            Ok([]) => return Err(HeadError::Gone),
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => return Err(HeadError::Timeout),
            Err(_) => return Err(HeadError::Gone),
        };
        let before = buf.len();
        let take = available.len().min(MAX_HEAD_BYTES - before);
        // A head ends, and a line of it is judged, only at a line feed: parsing only when one
        // arrives keeps a head sent a few bytes at a time from being parsed at every read.
        let judge = available[..take].contains(&b'\n');
        buf.extend_from_slice(&available[..take]);
        match if judge { parse_head(&buf)? } else { None } {
            Some((length, head)) => {
                // The head ends in what was just read (it had not before it): the rest stays.
                reader.consume(length - before);
                return Ok(head);
            }
            None => {
                reader.consume(take);
                if buf.len() >= MAX_HEAD_BYTES {
                    return Err(HeadError::TooLarge);
                }
            }
        }
    }
}

/// Parses the request head at the start of `buf` (with httparse): its length and the head, or
/// `None` while more of it is needed.
fn parse_head(buf: &[u8]) -> Result<Option<(usize, Head)>, HeadError> {
    // A blank line or two before a request is allowed (RFC 9112, 2.2); httparse skips any number.
    let mut rest = buf;
    let mut blank = 0;
    while let [b'\r', b'\n', after @ ..] | [b'\n', after @ ..] = rest {
        blank += 1;
        if blank > BLANK_LINES_BEFORE {
            return Err(HeadError::Malformed("not a request line"));
        }
        rest = after;
    }
    // Room for the headers of a usual request, made larger for a request with more (a header
    // line is at least 3 bytes, so a head of MAX_HEAD_BYTES never needs more than a third of it).
    let mut room = 32;
    let error = loop {
        let mut headers = vec![httparse::EMPTY_HEADER; room];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(buf) {
            Ok(httparse::Status::Partial) => return Ok(None),
            Ok(httparse::Status::Complete(length)) => {
                return head_of(&request).map(|head| Some((length, head)));
            }
            Err(httparse::Error::TooManyHeaders) if room < MAX_HEAD_BYTES => room *= 2,
            Err(e) => break e,
        }
    };
    match error {
        httparse::Error::Token => Err(HeadError::Malformed("not a request line")),
        httparse::Error::HeaderName => Err(HeadError::Malformed(
            "a header line without a colon, folded, or with a malformed name",
        )),
        httparse::Error::HeaderValue => Err(HeadError::Malformed("a malformed header value")),
        httparse::Error::TooManyHeaders => Err(HeadError::TooLarge),
        httparse::Error::Version | httparse::Error::NewLine | httparse::Error::Status => {
            // A request line is judged whole: one of another HTTP version is refused with 505.
            let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                return Ok(None);
            };
            let line = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
            let mut words = line.split(|&b| b == b' ');
            match (words.next(), words.next(), words.next(), words.next()) {
                (Some(_), Some(_), Some(version), None)
                    if version.starts_with(b"HTTP/")
                        && version != b"HTTP/1.1"
                        && version != b"HTTP/1.0" =>
                {
                    Err(HeadError::Version)
                }
                _ if request_line_parses(&rest[..=end]) => {
                    Err(HeadError::Malformed("a CR without an LF"))
                }
                _ => Err(HeadError::Malformed("not a request line")),
            }
        }
    }
}

/// Whether a request line (ending in its line feed) parses alone.
fn request_line_parses(line: &[u8]) -> bool {
    let mut alone = line.to_vec();
    alone.extend_from_slice(b"\r\n");
    let mut no_headers: [httparse::Header<'_>; 0] = [];
    let mut request = httparse::Request::new(&mut no_headers);
    matches!(request.parse(&alone), Ok(httparse::Status::Complete(_)))
}

/// The head httparse parsed.
fn head_of(request: &httparse::Request<'_, '_>) -> Result<Head, HeadError> {
    let (Some(method), Some(target), Some(minor)) = (request.method, request.path, request.version)
    else {
        return Err(HeadError::Malformed("not a request line"));
    };
    if !target.is_ascii() {
        return Err(HeadError::Malformed("a non-ASCII request line"));
    }
    let headers = request
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value);
            (h.name.to_owned(), value.trim().to_owned())
        })
        .collect();
    // An absolute target (`http://host/path`) is served as its path.
    let target = match target.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => match rest.find('/') {
            Some(i) => rest[i..].to_owned(),
            None => "/".to_owned(),
        },
        _ => target.to_owned(),
    };
    Ok(Head {
        method: method.to_owned(),
        target,
        minor,
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::limits::BUFFER;
    use std::io::{BufReader, Read};

    /// Reads a head from `wire` through a buffer of `capacity` bytes (so `capacity` bytes a
    /// read at most); the head and what is left after it.
    fn read_wire(wire: &[u8], capacity: usize) -> (Result<Head, HeadError>, Vec<u8>) {
        let mut reader = BufReader::with_capacity(capacity, wire);
        let deadline = Instant::now() + Duration::from_secs(60);
        let head = read_head(&mut reader, &mut |_| {}, deadline);
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        (head, rest)
    }

    fn parsed(wire: &[u8]) -> Result<Head, HeadError> {
        read_wire(wire, BUFFER).0
    }

    #[test]
    fn reads_a_head_and_leaves_what_follows() {
        let wire = b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Pad: \t v w \t\r\n\
            Content-Length: 4\r\n\r\nbodyGET";
        for capacity in [1, 2, 3, 7, 64, BUFFER] {
            let (head, rest) = read_wire(wire, capacity);
            let head = head.unwrap();
            assert_eq!(
                (head.method.as_str(), head.target.as_str()),
                ("POST", "/a?b=c")
            );
            assert_eq!(head.minor, 1);
            assert_eq!(head.header("host"), Some("x"));
            assert_eq!(head.header("x-empty"), Some(""));
            assert_eq!(head.header("X-PAD"), Some("v w"));
            assert_eq!(head.header("content-length"), Some("4"));
            assert_eq!(rest, b"bodyGET", "read {capacity} bytes at a time");
        }
    }

    #[test]
    fn reads_heads_of_every_allowed_shape() {
        // Bare LFs, HTTP/1.0, an absolute target.
        let head = parsed(b"GET http://host:80/p?q HTTP/1.0\nA: 1\n\n").unwrap();
        assert_eq!((head.target.as_str(), head.minor), ("/p?q", 0));
        assert!(!head.keep_alive());
        assert_eq!(
            parsed(b"GET http://host HTTP/1.1\r\n\r\n").unwrap().target,
            "/"
        );
        // Up to two blank lines before the request line.
        assert_eq!(
            parsed(b"\r\n\nGET / HTTP/1.1\r\n\r\n").unwrap().method,
            "GET"
        );
        assert!(matches!(
            parsed(b"\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
            Err(HeadError::Malformed(_))
        ));
        // More headers than httparse is first given room for.
        let mut wire = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..1000 {
            wire.extend_from_slice(format!("X-{i}: {i}\r\n").as_bytes());
        }
        wire.extend_from_slice(b"\r\n");
        let head = parsed(&wire).unwrap();
        assert_eq!(head.headers.len(), 1000);
        assert_eq!(head.header("x-999"), Some("999"));
    }

    #[test]
    fn refuses_malformed_heads() {
        for wire in [
            &b"GET / HTTP/1.1\r\nHost x\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\n: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: \x01\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\rX\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 more\r\n\r\n",
            b"GET /\r\n\r\n",
            b"GET / FTP/1.1\r\n\r\n",
            b"G@T / HTTP/1.1\r\n\r\n",
            b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n",
            b"\r\rGET / HTTP/1.1\r\n\r\n",
        ] {
            let head = parsed(wire);
            assert!(
                matches!(head, Err(HeadError::Malformed(_))),
                "{:?}: {head:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }

    #[test]
    fn refuses_other_http_versions_once_their_line_is_whole() {
        for wire in [
            &b"GET / HTTP/2.0\r\n\r\n"[..],
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            b"GET / HTTP/1.10\r\n\r\n",
            b"GET / HTTP/0.9\r\n",
            b"\r\nGET / HTTP/3\n",
        ] {
            for capacity in [1, BUFFER] {
                let (head, _) = read_wire(wire, capacity);
                assert!(
                    matches!(head, Err(HeadError::Version)),
                    "{:?}: {head:?}",
                    String::from_utf8_lossy(wire)
                );
            }
        }
        // Not yet whole: the rest of the line may still make it a malformed one.
        assert!(matches!(parse_head(b"GET / HTTP/2"), Ok(None)));
        assert!(matches!(
            parsed(b"GET / HTTP/2 more\r\n\r\n"),
            Err(HeadError::Malformed(_))
        ));
    }

    #[test]
    fn refuses_oversized_heads() {
        let mut wire = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        wire.resize(MAX_HEAD_BYTES, b'a');
        wire.extend_from_slice(b"\r\n\r\n");
        for capacity in [1000, BUFFER] {
            let (head, _) = read_wire(&wire, capacity);
            assert!(matches!(head, Err(HeadError::TooLarge)), "{head:?}");
        }
        // Many short lines as well as one long one.
        let mut wire = b"GET / HTTP/1.1\r\n".to_vec();
        while wire.len() <= MAX_HEAD_BYTES {
            wire.extend_from_slice(b"A: b\r\n");
        }
        assert!(matches!(parsed(&wire), Err(HeadError::TooLarge)));
        // Just under the limit is read.
        let mut wire = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        wire.resize(MAX_HEAD_BYTES - 4, b'a');
        wire.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            parsed(&wire).unwrap().header("x-big").unwrap().len(),
            MAX_HEAD_BYTES - 4 - 23
        );
    }

    /// Gives its bytes, then times out.
    struct Stalls<'a>(&'a [u8]);

    impl Read for Stalls<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.0.read(buf)
        }
    }

    #[test]
    fn a_head_that_stalls_or_ends_early_is_not_read() {
        let mut reader = BufReader::new(Stalls(b"GET / HTTP/1.1\r\nHost: x\r\n"));
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut timeouts = Vec::new();
        let head = read_head(&mut reader, &mut |t| timeouts.push(t), deadline);
        assert!(matches!(head, Err(HeadError::Timeout)), "{head:?}");
        assert!(!timeouts.is_empty() && timeouts.iter().all(|t| *t <= Duration::from_secs(60)));
        // A deadline already past.
        let mut reader = BufReader::new(&b"GET / HTTP/1.1\r\n\r\n"[..]);
        let head = read_head(&mut reader, &mut |_| {}, Instant::now());
        assert!(matches!(head, Err(HeadError::Timeout)), "{head:?}");
        // The connection ends within the head.
        assert!(matches!(
            parsed(b"GET / HTTP/1.1\r\nHost: x\r\n"),
            Err(HeadError::Gone)
        ));
        assert!(matches!(parsed(b""), Err(HeadError::Gone)));
    }
}
