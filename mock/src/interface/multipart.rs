//! `multipart/mixed` bodies (Publish Flow, Append to File Upload).
//!
//! One reading serves two stores of the body: a slice in memory ([`multipart`]) and a file the
//! simulator spooled a large body to ([`layout_file`], so that an appended chunk never has to be
//! in memory). Both find the same parts.

use std::borrow::Cow;
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Range;

/// One part of a `multipart/mixed` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, if any.
    pub filename: Option<String>,
    /// Its `Content-Type`, if it has one.
    pub content_type: Option<String>,
    /// Its content.
    pub body: &'a [u8],
}

/// Where a part lies in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PartLayout {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, if any.
    pub filename: Option<String>,
    /// Its `Content-Type`, if it has one.
    pub content_type: Option<String>,
    /// Its header lines (without the blank line that ends them).
    pub headers: Range<u64>,
    /// Its content.
    pub content: Range<u64>,
}

/// The parameters of a `Content-Disposition` value, in order, names lower-cased: the
/// disposition type first (`form-data`), when it has one, is not a parameter. Values are tokens
/// or quoted strings (which may hold `;`, `=` and `\"`); `filename*` (RFC 8187) is decoded.
fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut rest = value.trim_start();
    while !rest.is_empty() {
        // A name, up to `=`, `;` or the end.
        let end = rest.find(['=', ';']).unwrap_or(rest.len());
        let name = rest[..end].trim().to_ascii_lowercase();
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
                let mut value = String::new();
                let mut chars = quoted.char_indices();
                let mut close = quoted.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => {
                            close = i + 1;
                            break;
                        }
                        c => value.push(c),
                    }
                }
                (value, &quoted[close..])
            } else {
                let end = after.find(';').unwrap_or(after.len());
                (after[..end].trim().to_owned(), &after[end..])
            };
            if !name.is_empty() {
                params.push((name, value));
            }
            rest = tail;
        }
        // Whatever follows a value up to the next `;` is not part of it.
        rest = match rest.find(';') {
            Some(i) => rest[i + 1..].trim_start(),
            None => "",
        };
    }
    params
}

/// The value of a part's header `name` (any case), trimmed.
fn header(headers: &str, name: &str) -> Option<String> {
    headers.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_owned())
    })
}

/// The `name` and `filename` of a part's `Content-Disposition` header, parameters in any order.
fn disposition(headers: &str) -> (Option<String>, Option<String>) {
    let Some(value) = header(headers, "content-disposition") else {
        return (None, None);
    };
    let params = disposition_params(&value);
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let extended = get("filename*").and_then(|v| {
        // charset'language'percent-encoded
        let mut pieces = v.splitn(3, '\'');
        let (charset, _, encoded) = (pieces.next()?, pieces.next()?, pieces.next()?);
        charset
            .eq_ignore_ascii_case("utf-8")
            .then(|| {
                percent_encoding::percent_decode_str(encoded)
                    .decode_utf8()
                    .ok()
                    .map(Cow::into_owned)
            })
            .flatten()
    });
    (get("name"), extended.or_else(|| get("filename")))
}

/// The boundary of a multipart `Content-Type`.
fn boundary(content_type: Option<&str>) -> Result<String, String> {
    let content_type = content_type.unwrap_or_default();
    let (_, params) = content_type.split_once(';').unwrap_or(("", ""));
    disposition_params(params)
        .into_iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty() && b.len() <= 200)
        .ok_or_else(|| "the body is not multipart/mixed with a boundary".to_owned())
}

/// A body to look through: in memory or in a file.
trait Haystack {
    /// Its length.
    fn len(&self) -> u64;
    /// The first `needle` at or after `from`.
    fn find(&mut self, needle: &[u8], from: u64) -> io::Result<Option<u64>>;
    /// The bytes of `range` (clipped to the body).
    fn bytes(&mut self, range: Range<u64>) -> io::Result<Cow<'_, [u8]>>;
}

/// The first `needle` in `hay`. Looking for the needle's first byte with `contains` (which std
/// does fast even in a debug build) skips most of a body at once.
fn find_in(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut base = 0;
    for block in hay.chunks(4096) {
        if block.contains(&first) {
            let mut i = 0;
            while let Some(p) = block[i..].iter().position(|&b| b == first) {
                let at = base + i + p;
                if hay[at..].starts_with(needle) {
                    return Some(at);
                }
                i += p + 1;
            }
        }
        base += block.len();
    }
    None
}

impl Haystack for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }

    fn find(&mut self, needle: &[u8], from: u64) -> io::Result<Option<u64>> {
        let from = usize::try_from(from).unwrap_or(usize::MAX);
        Ok(self
            .get(from..)
            .and_then(|rest| find_in(rest, needle))
            .map(|p| (p + from) as u64))
    }

    fn bytes(&mut self, range: Range<u64>) -> io::Result<Cow<'_, [u8]>> {
        let end = usize::try_from(range.end)
            .unwrap_or(usize::MAX)
            .min(<[u8]>::len(self));
        let start = usize::try_from(range.start).unwrap_or(usize::MAX).min(end);
        Ok(Cow::Borrowed(&self[start..end]))
    }
}

/// A file, read a window at a time.
struct FileHaystack<'f> {
    file: &'f mut std::fs::File,
    len: u64,
    window: Vec<u8>,
}

impl Haystack for FileHaystack<'_> {
    fn len(&self) -> u64 {
        self.len
    }

    fn find(&mut self, needle: &[u8], mut from: u64) -> io::Result<Option<u64>> {
        let n = needle.len() as u64;
        if n == 0 || n * 2 > self.window.len() as u64 {
            return Ok(None);
        }
        while from + n <= self.len {
            let take = (self.len - from).min(self.window.len() as u64) as usize;
            self.file.seek(SeekFrom::Start(from))?;
            self.file.read_exact(&mut self.window[..take])?;
            if let Some(p) = find_in(&self.window[..take], needle) {
                return Ok(Some(from + p as u64));
            }
            if from + take as u64 >= self.len {
                break;
            }
            // The next window overlaps this one by the needle's length less one.
            from += take as u64 - (n - 1);
        }
        Ok(None)
    }

    fn bytes(&mut self, range: Range<u64>) -> io::Result<Cow<'_, [u8]>> {
        let end = range.end.min(self.len);
        let start = range.start.min(end);
        let mut bytes = vec![0; (end - start) as usize];
        self.file.seek(SeekFrom::Start(start))?;
        self.file.read_exact(&mut bytes)?;
        Ok(Cow::Owned(bytes))
    }
}

/// Where the parts of a body lie; `max_headers` bounds a part's header lines (for a body in a
/// file, whose headers are read into memory).
fn layout(
    hay: &mut dyn Haystack,
    boundary: &str,
    max_headers: Option<u64>,
) -> Result<Vec<PartLayout>, String> {
    let io = |e: io::Error| format!("the multipart body could not be read: {e}");
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let n = d.len() as u64;
    let len = hay.len();
    let mut parts = Vec::new();
    let mut at = hay
        .find(d, 0)
        .map_err(io)?
        .ok_or("no multipart boundary in the body")?;
    loop {
        let after = at + n;
        if hay.bytes(after..after + 2).map_err(io)?.as_ref() == b"--" {
            break;
        }
        let header_start = after
            + if hay.bytes(after..after + 2).map_err(io)?.as_ref() == b"\r\n" {
                2
            } else {
                0
            };
        let header_end = hay
            .find(b"\r\n\r\n", header_start)
            .map_err(io)?
            .ok_or("a multipart part has no blank line after its headers")?;
        if max_headers.is_some_and(|max| header_end - header_start > max) {
            return Err("a multipart part's headers are too long".into());
        }
        let headers = hay.bytes(header_start..header_end).map_err(io)?;
        let text = String::from_utf8_lossy(&headers);
        let (name, filename) = disposition(&text);
        let content_type = header(&text, "content-type");
        let content_start = header_end + 4;
        let next = hay
            .find(d, content_start)
            .map_err(io)?
            .ok_or("the multipart body is not closed")?;
        let content_end = if next >= 2 && hay.bytes(next - 2..next).map_err(io)?.as_ref() == b"\r\n"
        {
            next - 2
        } else {
            next
        };
        parts.push(PartLayout {
            name: name.unwrap_or_default(),
            filename,
            content_type,
            headers: header_start..header_end,
            content: content_start..content_end.max(content_start).min(len),
        });
        at = next;
    }
    Ok(parts)
}

/// Splits a `multipart/mixed` body into its parts; the error says what is malformed.
pub fn multipart<'a>(content_type: Option<&str>, body: &'a [u8]) -> Result<Vec<Part<'a>>, String> {
    let boundary = boundary(content_type)?;
    let parts = layout(&mut { body }, &boundary, None)?;
    Ok(parts
        .into_iter()
        .map(|p| Part {
            name: p.name,
            filename: p.filename,
            content_type: p.content_type,
            body: &body[p.content.start as usize..p.content.end as usize],
        })
        .collect())
}

/// A multipart body spooled to a file: where its parts lie.
#[derive(Debug)]
pub(crate) struct FileLayout {
    /// The boundary.
    pub boundary: String,
    /// The parts.
    pub parts: Vec<PartLayout>,
}

/// Where the parts of a multipart body in `file` lie, as [`multipart`] reads them; an error for
/// a body it would refuse, or a part whose headers are over 64 KiB.
pub(crate) fn layout_file(
    content_type: Option<&str>,
    file: &mut std::fs::File,
) -> Result<FileLayout, String> {
    let boundary = boundary(content_type)?;
    let len = file
        .metadata()
        .map_err(|e| format!("the multipart body could not be read: {e}"))?
        .len();
    let mut hay = FileHaystack {
        file,
        len,
        window: vec![0; 256 * 1024],
    };
    let parts = layout(&mut hay, &boundary, Some(64 * 1024))?;
    Ok(FileLayout { boundary, parts })
}

impl FileLayout {
    /// The body again, in memory, with the content of part `left_out` left out (empty): what
    /// [`multipart`] reads from it is what it reads from the file, but for that part's content.
    pub fn without(&self, file: &mut std::fs::File, left_out: usize) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        let mut read = |range: &Range<u64>, body: &mut Vec<u8>| -> io::Result<()> {
            let start = body.len();
            body.resize(start + (range.end - range.start) as usize, 0);
            file.seek(SeekFrom::Start(range.start))?;
            file.read_exact(&mut body[start..])
        };
        for (i, part) in self.parts.iter().enumerate() {
            body.extend_from_slice(format!("--{}\r\n", self.boundary).as_bytes());
            read(&part.headers, &mut body)?;
            body.extend_from_slice(b"\r\n\r\n");
            if i != left_out {
                read(&part.content, &mut body)?;
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_parts_with_headers_in_any_order() {
        let body = b"--B\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n<tsRequest/>\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; filename=\"a.tflx\"; name=tableau_flow\r\n\r\nBYTES\r\n--B--\r\n";
        let parts = multipart(Some("multipart/mixed; boundary=B"), body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "request_payload");
        assert_eq!(parts[0].body, b"<tsRequest/>");
        assert_eq!(parts[1].name, "tableau_flow");
        assert_eq!(parts[1].filename.as_deref(), Some("a.tflx"));
        assert_eq!(parts[1].body, b"BYTES");
    }

    #[test]
    fn reads_disposition_parameters_in_any_order_and_quoted() {
        let d = |v: &str| disposition(&format!("Content-Type: x\r\nContent-Disposition: {v}"));
        let both = |name: &str, filename: &str| (Some(name.to_owned()), Some(filename.to_owned()));
        assert_eq!(
            d(r#"form-data; filename="a.tflx"; name="tableau_flow""#),
            both("tableau_flow", "a.tflx")
        );
        assert_eq!(
            d(r#"form-data; name="tableau_flow"; filename="a.tflx""#),
            both("tableau_flow", "a.tflx")
        );
        // Parameters alone, as Tableau's clients send them; names in any case; spaces.
        assert_eq!(
            d(r#"FILENAME = "a.tflx" ;NAME=tableau_flow"#),
            both("tableau_flow", "a.tflx")
        );
        // A quoted value may hold `;`, `=`, a parameter's name and an escaped quote.
        assert_eq!(
            d(r#"form-data; filename="x; name=evil.tflx"; name="tableau_flow""#),
            both("tableau_flow", "x; name=evil.tflx")
        );
        assert_eq!(
            d(r#"form-data; filename="say \"hi\".tflx"; name=tableau_flow"#),
            both("tableau_flow", r#"say "hi".tflx"#)
        );
        // `filename*` (RFC 8187) wins over `filename`.
        assert_eq!(
            d(r#"form-data; name=f; filename="plain.tfl"; filename*=UTF-8''caf%C3%A9.tfl"#),
            both("f", "café.tfl")
        );
        // A `name` inside another parameter's name or value is not the name.
        assert_eq!(
            d(r#"form-data; filename="a.tfl"; myname=x"#),
            (None, Some("a.tfl".to_owned()))
        );
        assert_eq!(d("form-data"), (None, None));
        assert_eq!(disposition("Content-Type: x"), (None, None));
    }

    #[test]
    fn a_filename_first_is_read_end_to_end() {
        let body = b"--B\r\nContent-Disposition: form-data; name=\"request_payload\"\r\n\r\n<tsRequest/>\r\n--B\r\nContent-Disposition: form-data; filename=\"a;b.tflx\"; name=\"tableau_flow\"\r\n\r\nBYTES\r\n--B--\r\n";
        let parts = multipart(Some("multipart/mixed; boundary=\"B\""), body).unwrap();
        assert_eq!(parts[1].name, "tableau_flow");
        assert_eq!(parts[1].filename.as_deref(), Some("a;b.tflx"));
        assert_eq!(parts[1].body, b"BYTES");
    }

    #[test]
    fn refuses_what_is_not_multipart() {
        assert!(multipart(None, b"x").is_err());
        assert!(multipart(Some("multipart/mixed"), b"--B\r\n").is_err());
        assert!(multipart(Some("multipart/mixed; boundary=B"), b"no boundary").is_err());
        assert!(multipart(Some("multipart/mixed; boundary=B"), b"--B\r\nunfinished").is_err());
    }

    #[test]
    fn finds_needles_across_blocks() {
        let mut hay = vec![b'-'; 10_000];
        hay.extend_from_slice(b"--XyZ");
        assert_eq!(find_in(&hay, b"--XyZ"), Some(9_998 + 2));
        assert_eq!(find_in(b"abc", b"abcd"), None);
        assert_eq!(find_in(b"", b"a"), None);
    }

    /// A file holding `bytes`, removed when dropped.
    struct TempFile(std::path::PathBuf, std::fs::File);

    impl TempFile {
        fn new(bytes: &[u8]) -> TempFile {
            use std::io::Write;
            static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let path = std::env::temp_dir().join(format!(
                "tableau-flows-mock-multipart-{}-{}",
                std::process::id(),
                N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            let mut file = std::fs::File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
                .unwrap();
            file.write_all(bytes).unwrap();
            TempFile(path, file)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    #[test]
    fn a_body_in_a_file_has_the_parts_it_has_in_memory() {
        let mut big = b"preamble\r\n--XyZ\r\nContent-Disposition: name=\"request_payload\"\r\n\r\n<tsRequest/>\r\n--XyZ\r\nContent-Disposition: name=\"tableau_file\"; filename=\"f\"\r\n\r\n".to_vec();
        // Content longer than the file window, full of near-boundaries.
        for i in 0..100_000u32 {
            big.extend_from_slice(if i % 7 == 0 { b"--Xy\r\n" } else { b"0123456" });
        }
        big.extend_from_slice(
            b"\r\n--XyZ\r\nContent-Disposition: name=\"other\"\r\n\r\nlast--XyZ--\r\nepilogue",
        );
        let bodies: [&[u8]; 3] = [
            &big,
            b"--XyZ\r\nContent-Disposition: name=\"tableau_file\"\r\n\r\n\r\n--XyZ--",
            b"--XyZ\r\nContent-Disposition: name=a\r\n\r\nx--XyZ\r\nContent-Disposition: name=\"tableau_file\"\r\n\r\nab\r\n\r\n--XyZ--",
        ];
        let ct = Some("multipart/mixed; boundary=XyZ");
        for body in bodies {
            let in_memory = multipart(ct, body).unwrap();
            let mut file = TempFile::new(body);
            let layout = layout_file(ct, &mut file.1).unwrap();
            assert_eq!(layout.parts.len(), in_memory.len());
            for (l, p) in layout.parts.iter().zip(&in_memory) {
                assert_eq!((&l.name, &l.filename), (&p.name, &p.filename));
                assert_eq!(
                    &body[l.content.start as usize..l.content.end as usize],
                    p.body
                );
            }
            // Rebuilt without the file part's content: the same parts, that one empty.
            let i = layout
                .parts
                .iter()
                .position(|p| p.name == "tableau_file")
                .unwrap();
            let rebuilt = layout.without(&mut file.1, i).unwrap();
            let again = multipart(ct, &rebuilt).unwrap();
            assert_eq!(again.len(), in_memory.len());
            for (j, (a, p)) in again.iter().zip(&in_memory).enumerate() {
                assert_eq!((&a.name, &a.filename), (&p.name, &p.filename));
                assert_eq!(a.body, if j == i { &b""[..] } else { p.body });
            }
        }
        let mut file = TempFile::new(b"--XyZ\r\nunfinished");
        assert!(layout_file(ct, &mut file.1).is_err());
    }
}
