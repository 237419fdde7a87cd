//! Answers' bodies: content decoding within a bound, downloads streamed to a writer, and the file
//! name a `Content-Disposition` header gives.

use crate::call::broken;
use crate::error::{CallError, Error, Failure};
use std::io::Read;
use std::time::Duration;

/// The body of an answer as its `Content-Encoding` says to read it (gzip and deflate inflated),
/// failing with [`TooLarge`] beyond `limit` bytes once inflated. An encoding the client cannot
/// read is refused.
pub(crate) fn decoded(
    parts: &ureq::http::response::Parts,
    body: ureq::Body,
    limit: u64,
) -> Result<Box<dyn Read + Send>, Failure> {
    let raw = body.into_with_config().limit(u64::MAX).reader();
    let encoding = parts
        .headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let inner: Box<dyn Read + Send> = match encoding.as_str() {
        "" | "identity" => Box::new(raw),
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(raw)),
        "deflate" => Box::new(flate2::read::ZlibDecoder::new(raw)),
        other => {
            return Err(CallError::Transport(
                format!("the answer's content encoding {other:?} is not one the client reads")
                    .into(),
            )
            .into());
        }
    };
    Ok(Box::new(Bounded {
        inner,
        left: limit,
        limit,
    }))
}

/// A reader failing with [`TooLarge`] once more than `limit` bytes came through.
struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(TooLarge(self.limit)));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The error of a [`Bounded`] reader: the limit it reached.
#[derive(Debug)]
pub(crate) struct TooLarge(u64);

impl TooLarge {
    pub(crate) fn is(e: &std::io::Error) -> bool {
        Self::limit(e).is_some()
    }

    pub(crate) fn limit(e: &std::io::Error) -> Option<u64> {
        e.get_ref()?.downcast_ref::<TooLarge>().map(|t| t.0)
    }
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the answer is larger than the limit of {} bytes", self.0)
    }
}

impl std::error::Error for TooLarge {}

/// Whether `c` is left out of a file name the server gives: a control character (Unicode
/// general category Cc), a format character (Cf: bidi embeddings, overrides and isolates such as
/// U+202E, zero-width characters, the byte order mark, ...) or a line or paragraph separator
/// (Zl, Zp). None of them is visible, and each could make a name show other than it is (a
/// `evil\u{202E}gpj.tflx` shows as `evilxlft.jpg`).
///
/// ```
/// assert!(tableau_flows::is_hidden_in_names('\u{202E}'));
/// assert!(tableau_flows::is_hidden_in_names('\u{200B}'));
/// assert!(!tableau_flows::is_hidden_in_names('é'));
/// ```
pub fn is_hidden_in_names(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    c.is_control()
        || matches!(
            c.general_category(),
            GeneralCategory::Format
                | GeneralCategory::LineSeparator
                | GeneralCategory::ParagraphSeparator
        )
}

/// The file name of a `Content-Disposition` header (RFC 6266's `filename*=UTF-8''...` when
/// present, else `filename="..."`), without any directory, leading dots (so never `.`, `..` or a
/// hidden file), or character [hidden in names](is_hidden_in_names) (controls and format
/// characters such as bidi overrides): safe to join to a folder, and shown as it is written.
pub fn filename_from_disposition(value: &str) -> Option<String> {
    let extended = disposition_param(value, "filename*").and_then(|v| {
        let (charset, rest) = v.split_once('\'')?;
        let (_language, encoded) = rest.split_once('\'')?;
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(encoded).collect();
        if charset.eq_ignore_ascii_case("utf-8") {
            String::from_utf8(bytes).ok()
        } else {
            // ISO-8859-1, the only other charset RFC 8187 names.
            Some(bytes.iter().map(|&b| char::from(b)).collect())
        }
    });
    let name = extended.or_else(|| disposition_param(value, "filename"))?;
    let base: String = name
        .rsplit(['/', '\\'])
        .next()?
        .chars()
        .filter(|&c| !is_hidden_in_names(c))
        .collect();
    // No hidden file (nor `.` or `..`): leading dots go.
    let base = base.trim().trim_start_matches('.').trim();
    if base.is_empty() {
        None
    } else {
        Some(base.to_owned())
    }
}

/// The value of the parameter `key` of a `Content-Disposition` value (quoted or not; `\"` in
/// quotes is a quote).
fn disposition_param(value: &str, key: &str) -> Option<String> {
    let mut rest = value.split_once(';').map_or(value, |(_, r)| r);
    loop {
        let (name, after) = rest.split_once('=')?;
        let name = name.trim();
        let after = after.trim_start();
        let (param, next) = if let Some(quoted) = after.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            out.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => out.push(c),
                }
            }
            let next = quoted[end..].split_once(';').map_or("", |(_, n)| n);
            (out, next)
        } else {
            match after.split_once(';') {
                Some((v, n)) => (v.trim().to_owned(), n),
                None => (after.trim().to_owned(), ""),
            }
        };
        if name.eq_ignore_ascii_case(key) {
            return Some(param);
        }
        if next.is_empty() {
            return None;
        }
        rest = next;
    }
}

/// A downloaded file, streamed: read it, or copy it into a writer.
pub struct Download {
    pub(crate) reader: Box<dyn Read + Send>,
    pub(crate) status: u16,
    /// The file name from `Content-Disposition`, without directories.
    pub filename: Option<String>,
    /// The `Content-Type`.
    pub content_type: Option<String>,
    /// The `Content-Length`, when sent.
    pub content_length: Option<u64>,
    /// The client's stall time, named when the download stalls.
    pub(crate) stall: Duration,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl Read for Download {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reader.read(buf)
    }
}

impl Download {
    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Copies the whole file into `writer` with a 64 KiB buffer, returning the number of bytes.
    pub fn copy_to(self, writer: &mut (impl std::io::Write + ?Sized)) -> Result<u64, Error> {
        self.copy_into(writer, None, None)
    }

    /// Copies the whole file into `writer`, reporting progress, until cancelled.
    pub(crate) fn copy_into(
        mut self,
        writer: &mut (impl std::io::Write + ?Sized),
        progress: Option<&crate::body::Progress>,
        cancel: Option<&crate::cancel::CancelToken>,
    ) -> Result<u64, Error> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut done = 0u64;
        loop {
            crate::cancel::check(cancel, "download")?;
            let n = match self.reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.failure(e, done)),
            };
            writer.write_all(&buf[..n])?;
            done += n as u64;
            if let Some(p) = progress {
                p(done, self.content_length);
            }
        }
        if let Some(expected) = self.content_length
            && expected != done
        {
            return Err(Error::Interrupted {
                received: done,
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("the download ended after {done} of {expected} bytes"),
                ),
            });
        }
        writer.flush()?;
        Ok(done)
    }

    /// The typed error of a read of the file failing after `done` bytes.
    fn failure(&self, e: std::io::Error, done: u64) -> Error {
        if let Some(limit) = TooLarge::limit(&e) {
            return Error::ResponseTooLarge { limit };
        }
        let stalled = Error::Stalled {
            limit: self.stall,
            transferred: done,
        };
        match ureq::Error::from(e) {
            ureq::Error::Timeout(_) => stalled,
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => stalled,
            ureq::Error::Io(io) if broken(&io) => Error::Interrupted {
                received: done,
                source: io,
            },
            ureq::Error::Protocol(p) => Error::Interrupted {
                received: done,
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, p.to_string()),
            },
            ureq::Error::BodyExceedsLimit(limit) => Error::ResponseTooLarge { limit },
            other => Error::Transport(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_content_disposition() {
        let name = |v: &str| filename_from_disposition(v);
        assert_eq!(
            name("attachment; filename=\"a.tflx\"").as_deref(),
            Some("a.tflx")
        );
        assert_eq!(name("attachment; filename=a.tfl").as_deref(), Some("a.tfl"));
        assert_eq!(
            name("attachment;filename=\"a;b.tfl\"; size=3").as_deref(),
            Some("a;b.tfl")
        );
        assert_eq!(
            name("attachment; filename=\"Caf\u{e9}.tfl\"").as_deref(),
            Some("Caf\u{e9}.tfl")
        );
        assert_eq!(
            name("attachment; filename=\"Cafe.tfl\"; filename*=UTF-8''Caf%C3%A9%20Cleanup.tfl")
                .as_deref(),
            Some("Caf\u{e9} Cleanup.tfl")
        );
        assert_eq!(
            name("attachment; filename*=iso-8859-1'en'Caf%E9.tfl").as_deref(),
            Some("Caf\u{e9}.tfl")
        );
        assert_eq!(
            name("attachment; filename=\"a\\\"b.tfl\"").as_deref(),
            Some("a\"b.tfl")
        );
        // Folders, hidden names, dot segments and controls never make a path.
        assert_eq!(
            name("attachment; filename=\"../../etc/.profile\"").as_deref(),
            Some("profile")
        );
        assert_eq!(name("attachment; filename=\"..\""), None);
        assert_eq!(
            name("attachment; filename=\"a\u{1b}[31m.tfl\"").as_deref(),
            Some("a[31m.tfl")
        );
        // Format characters too: what is written is what is shown.
        assert_eq!(
            name("attachment; filename*=UTF-8''evil%E2%80%AEgpj.tflx").as_deref(),
            Some("evilgpj.tflx")
        );
        assert_eq!(
            name("attachment; filename*=UTF-8''%EF%BB%BFa%E2%80%8Bb%E2%81%A6c%E2%80%A8d.tfl")
                .as_deref(),
            Some("abcd.tfl")
        );
        assert_eq!(name("attachment; filename=\"\u{200f}\u{2066}\""), None);
        assert_eq!(name("attachment"), None);
        assert_eq!(name("inline; size=3"), None);
    }
}
