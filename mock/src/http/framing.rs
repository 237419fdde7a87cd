//! A request body's framing (`Content-Length` or chunked, RFC 9112, 6 and 7) and reading it
//! within its limit.

use super::head::Head;
use super::limits::{BUFFER, MAX_CHUNK_LINE, MAX_HEAD_BYTES};
use std::io::{self, BufRead, Read, Write};

/// Why a request's body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// It is longer than the limit (413).
    TooLarge,
    /// The client sent nothing for the read timeout (408).
    Timeout,
    /// Its chunked framing is malformed (400).
    Malformed(String),
    /// The connection failed or ended before the body did (nothing can be answered).
    Broken,
    /// The server could not store it (500).
    Storage(io::Error),
}

pub(super) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl From<io::Error> for BodyError {
    fn from(e: io::Error) -> Self {
        if is_timeout(&e) {
            BodyError::Timeout
        } else {
            BodyError::Broken
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// `Content-Length`: this many bytes remain.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked(ChunkState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ChunkState {
    /// Before a chunk-size line.
    Size,
    /// Inside a chunk: this many bytes of it remain.
    Data(u64),
    /// After the last chunk and its trailers.
    Done,
}

/// A request's body, read as its framing says, never past the limit.
///
/// The chunked framing is decoded here rather than with `chunked_transfer` (tiny_http's
/// decoder), which does not fit the server's limits: it reads a chunk-size line and its
/// extensions byte by byte with no bound on their length; it takes no trailers (RFC 9112, 7.1.2),
/// refusing a body that has any; it turns every failure to read the CRLF after a chunk — a read
/// timeout, a closed connection — into one opaque `InvalidInput` error, so that 408 could not be
/// told from 400; and a connection closed inside a chunk reads as the end of the body, so that a
/// truncated body would be taken whole. The chunk-size line's syntax is httparse's
/// (`parse_chunk_size`); its length, the trailers, the limit and the deadline are kept here.
pub(crate) struct Body<'a> {
    reader: &'a mut dyn BufRead,
    framing: Framing,
    /// The bytes read so far.
    read: u64,
    limit: u64,
}

impl<'a> Body<'a> {
    pub(super) fn new(reader: &'a mut dyn BufRead, framing: Framing, limit: u64) -> Self {
        Body {
            reader,
            framing,
            read: 0,
            limit,
        }
    }

    /// The body's length, when its `Content-Length` gave it.
    pub fn length(&self) -> Option<u64> {
        match self.framing {
            Framing::Length(n) => Some(self.read + n),
            Framing::Chunked(_) => None,
        }
    }

    /// Whether the whole body has been read.
    pub(super) fn finished(&self) -> bool {
        matches!(
            self.framing,
            Framing::Length(0) | Framing::Chunked(ChunkState::Done)
        )
    }

    /// Reads some of the body into `buf`; 0 at its end.
    pub fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, BodyError> {
        loop {
            match self.framing {
                Framing::Length(0) | Framing::Chunked(ChunkState::Done) => return Ok(0),
                Framing::Length(left) => {
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = self.reader.read(&mut buf[..want])?;
                    if n == 0 {
                        return Err(BodyError::Broken);
                    }
                    self.framing = Framing::Length(left - n as u64);
                    self.read += n as u64;
                    return Ok(n);
                }
                Framing::Chunked(ChunkState::Size) => {
                    let mut line =
                        chunk_line(self.reader, MAX_CHUNK_LINE, "a chunk-size line is too long")?;
                    // The size and its extensions, as httparse reads them (the line, bounded
                    // here, given back its CRLF, so that a bare LF ending it is taken too).
                    // httparse reads a line without a digit (empty, or only an extension) as
                    // size 0, the last chunk: a size must have a digit (RFC 9112, 7.1).
                    let digit = line.first().is_some_and(u8::is_ascii_hexdigit);
                    line.extend_from_slice(b"\r\n");
                    let size = match httparse::parse_chunk_size(&line) {
                        Ok(httparse::Status::Complete((_, size))) if digit => size,
                        Ok(_) | Err(httparse::InvalidChunkSize) => {
                            line.truncate(line.len() - 2);
                            return Err(BodyError::Malformed(format!(
                                "the chunk size {:?} is not a hexadecimal number",
                                String::from_utf8_lossy(&line)
                            )));
                        }
                    };
                    if size == 0 {
                        // The trailers, up to the blank line that ends the body.
                        let mut trailers = 0usize;
                        loop {
                            let line = chunk_line(
                                self.reader,
                                MAX_CHUNK_LINE,
                                "a trailer line is too long",
                            )?;
                            trailers += line.len() + 2;
                            if line.is_empty() {
                                break;
                            }
                            if trailers > MAX_HEAD_BYTES {
                                return Err(BodyError::Malformed(
                                    "the chunked body's trailers are too long".into(),
                                ));
                            }
                        }
                        self.framing = Framing::Chunked(ChunkState::Done);
                        return Ok(0);
                    }
                    if self.read.saturating_add(size) > self.limit {
                        return Err(BodyError::TooLarge);
                    }
                    self.framing = Framing::Chunked(ChunkState::Data(size));
                }
                Framing::Chunked(ChunkState::Data(left)) => {
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = self.reader.read(&mut buf[..want])?;
                    if n == 0 {
                        return Err(BodyError::Broken);
                    }
                    self.read += n as u64;
                    let left = left - n as u64;
                    self.framing = Framing::Chunked(ChunkState::Data(left));
                    if left == 0 {
                        let end = chunk_line(self.reader, 0, "a chunk is longer than its size")?;
                        if !end.is_empty() {
                            return Err(BodyError::Malformed(
                                "a chunk is longer than its size".into(),
                            ));
                        }
                        self.framing = Framing::Chunked(ChunkState::Size);
                    }
                    return Ok(n);
                }
            }
        }
    }

    /// The whole body, in memory.
    pub fn read_to_vec(&mut self) -> Result<Vec<u8>, BodyError> {
        let first = self.length().unwrap_or(0).min(1024 * 1024);
        let mut body = Vec::with_capacity(usize::try_from(first).unwrap_or(0));
        let mut buf = vec![0; BUFFER];
        loop {
            let n = self.read_some(&mut buf)?;
            if n == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&buf[..n]);
        }
    }

    /// Reads the rest of the body and drops it, holding none of it: for a request answered
    /// without its body.
    pub(super) fn discard(&mut self) -> Result<(), BodyError> {
        let mut buf = [0; 8192];
        while self.read_some(&mut buf)? > 0 {}
        Ok(())
    }

    /// Copies the whole body to `out`, a buffer at a time; the bytes copied.
    pub fn copy_to(&mut self, out: &mut dyn Write) -> Result<u64, BodyError> {
        let mut buf = vec![0; BUFFER];
        let mut total = 0;
        loop {
            let n = self.read_some(&mut buf)?;
            if n == 0 {
                return Ok(total);
            }
            out.write_all(&buf[..n]).map_err(BodyError::Storage)?;
            total += n as u64;
        }
    }
}

/// A line of a chunked body's framing: `what` names it for the error of one too long.
fn chunk_line(reader: &mut dyn BufRead, max: u64, what: &str) -> Result<Vec<u8>, BodyError> {
    match read_line(reader, max) {
        Ok(Some(line)) => Ok(line),
        Ok(None) => Err(BodyError::Broken),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(BodyError::Malformed(format!(
            "the chunked body's framing is malformed: {what}"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// A line ending in LF (its CR, if any, removed), at most `max` bytes before it; `None` at the
/// end of the stream before any byte.
fn read_line(reader: &mut dyn BufRead, max: u64) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = reader.take(max + 2).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if n as u64 >= max + 2 {
            io::Error::new(io::ErrorKind::InvalidData, "the line is too long")
        } else {
            io::ErrorKind::UnexpectedEof.into()
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// How a request's body is framed, or the status and reason it is refused with.
pub(super) fn framing(head: &Head) -> Result<(Framing, bool), (u16, String)> {
    let lengths: Vec<&str> = head
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    let encodings: Vec<String> = head
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    if !encodings.is_empty() {
        if head.minor == 0 || encodings.iter().map(String::as_str).ne(["chunked"]) {
            return Err((
                501,
                format!(
                    "Transfer-Encoding {} is not supported",
                    encodings.join(", ")
                ),
            ));
        }
        // A Content-Length beside it is ignored, and the connection closed after the answer
        // (RFC 9112, 6.3).
        return Ok((Framing::Chunked(ChunkState::Size), !lengths.is_empty()));
    }
    let Some(first) = lengths.first() else {
        return Ok((Framing::Length(0), false));
    };
    if lengths.iter().any(|l| l != first) {
        return Err((400, "conflicting Content-Length headers".into()));
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err((400, format!("Content-Length {first:?} is not a number")));
    }
    // More digits than u64 holds: over any limit.
    let length: u64 = first.parse().unwrap_or(u64::MAX);
    Ok((Framing::Length(length), false))
}

/// The 413 refusal of a body whose `Content-Length` is over `limit`, before a byte of it is read.
pub(super) fn within_limit(framing: Framing, limit: u64) -> Result<(), (u16, String)> {
    match framing {
        Framing::Length(length) if length > limit => Err((
            413,
            format!("a body of {length} bytes is over the limit of {limit} bytes"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(wire: &[u8], framing: Framing, limit: u64) -> Result<Vec<u8>, BodyError> {
        let mut reader = io::BufReader::new(wire);
        Body::new(&mut reader, framing, limit).read_to_vec()
    }

    #[test]
    fn reads_chunked_bodies_with_extensions_and_trailers() {
        let wire = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: y\r\n\r\n";
        let chunked = Framing::Chunked(ChunkState::Size);
        assert_eq!(body_of(wire, chunked, 100).unwrap(), b"Wikipedia");
        assert!(matches!(
            body_of(wire, chunked, 8),
            Err(BodyError::TooLarge)
        ));
        assert!(matches!(
            body_of(b"zz\r\n", chunked, 100),
            Err(BodyError::Malformed(_))
        ));
        assert!(matches!(
            body_of(b"4\r\nWikipedia\r\n", chunked, 100),
            Err(BodyError::Malformed(_))
        ));
        assert!(matches!(
            body_of(b"4\r\nWi", chunked, 100),
            Err(BodyError::Broken)
        ));
    }

    #[test]
    fn reads_bodies_of_a_length() {
        assert_eq!(body_of(b"abcdef", Framing::Length(3), 10).unwrap(), b"abc");
        assert!(matches!(
            body_of(b"ab", Framing::Length(3), 10),
            Err(BodyError::Broken)
        ));
    }

    fn head(headers: &[(&str, &str)]) -> Head {
        Head {
            method: "POST".into(),
            target: "/".into(),
            minor: 1,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn frames_bodies_from_their_headers() {
        let f = |h: &[(&str, &str)]| framing(&head(h)).map_err(|(s, _)| s);
        let limited = |h: &[(&str, &str)]| {
            f(h).and_then(|(framing, close)| {
                within_limit(framing, 100)
                    .map(|()| (framing, close))
                    .map_err(|(s, _)| s)
            })
        };
        assert_eq!(f(&[]), Ok((Framing::Length(0), false)));
        assert_eq!(
            limited(&[("Content-Length", "100")]),
            Ok((Framing::Length(100), false))
        );
        assert_eq!(limited(&[("content-length", "101")]), Err(413));
        assert_eq!(
            limited(&[("Content-Length", "99999999999999999999999")]),
            Err(413)
        );
        assert_eq!(f(&[("Content-Length", "-1")]), Err(400));
        assert_eq!(
            f(&[("Content-Length", "1"), ("Content-Length", "2")]),
            Err(400)
        );
        assert_eq!(
            limited(&[("Transfer-Encoding", "chunked")]),
            Ok((Framing::Chunked(ChunkState::Size), false))
        );
        assert_eq!(
            f(&[("Transfer-Encoding", "Chunked"), ("Content-Length", "5")]),
            Ok((Framing::Chunked(ChunkState::Size), true))
        );
        assert_eq!(f(&[("Transfer-Encoding", "gzip, chunked")]), Err(501));
    }

    #[test]
    fn reads_chunk_size_lines_as_httparse_does() {
        let chunked = Framing::Chunked(ChunkState::Size);
        assert_eq!(body_of(b"3\nabc\n0\n\n", chunked, 100).unwrap(), b"abc");
        assert_eq!(
            body_of(b"03 \r\nabc\r\n0\r\n\r\n", chunked, 100).unwrap(),
            b"abc"
        );
        assert_eq!(
            body_of(b"A;a=\"b\";c\r\n0123456789\r\n0\r\n\r\n", chunked, 100).unwrap(),
            b"0123456789"
        );
        for wire in [
            &b"\r\n"[..],
            b";ext\r\n",
            b" 3\r\n",
            b"-1\r\n",
            b"3 3\r\n",
            b"11111111111111111\r\n",
            b"x3\r\n",
        ] {
            let body = body_of(wire, chunked, 100);
            assert!(
                matches!(body, Err(BodyError::Malformed(_))),
                "{wire:?}: {body:?}"
            );
        }
        // A size line longer than the bound is refused before it ends.
        let mut long = b"1;".to_vec();
        long.resize(usize::try_from(MAX_CHUNK_LINE).unwrap() + 10, b'x');
        assert!(matches!(
            body_of(&long, chunked, 100),
            Err(BodyError::Malformed(_))
        ));
    }
}
