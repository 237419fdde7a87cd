//! `multipart/mixed` bodies (Publish Flow, Append to File Upload).

/// One part of a `multipart/mixed` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The `name` of its `Content-Disposition`.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, if any.
    pub filename: Option<String>,
    /// Its content.
    pub body: &'a [u8],
}

/// A parameter of a `Content-Disposition` header (`name="x"` or `name=x`), wherever it stands.
fn disposition_param(headers: &str, key: &str) -> Option<String> {
    let disposition = headers.lines().find(|l| {
        l.split_once(':')
            .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("content-disposition"))
    })?;
    let (_, value) = disposition.split_once(':')?;
    // `form-data; name=..`, or the parameters alone (`name=..`, as Tableau's clients send).
    value.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case(key)).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// Splits a `multipart/mixed` body into its parts; the error says what is malformed.
pub fn multipart<'a>(content_type: Option<&str>, body: &'a [u8]) -> Result<Vec<Part<'a>>, String> {
    let content_type = content_type.unwrap_or_default();
    let boundary = content_type
        .split(';')
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("boundary")
                .then(|| v.trim().trim_matches('"'))
        })
        .filter(|b| !b.is_empty())
        .ok_or("the body is not multipart/mixed with a boundary")?;
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let find = |from: usize| {
        body.get(from..)?
            .windows(d.len())
            .position(|w| w == d)
            .map(|p| p + from)
    };
    let mut parts = Vec::new();
    let mut at = find(0).ok_or("no multipart boundary in the body")?;
    loop {
        let after = at + d.len();
        if body[after..].starts_with(b"--") {
            break;
        }
        let header_start = after
            + if body[after..].starts_with(b"\r\n") {
                2
            } else {
                0
            };
        let header_end = body[header_start..]
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| p + header_start)
            .ok_or("a multipart part has no blank line after its headers")?;
        let headers = String::from_utf8_lossy(&body[header_start..header_end]);
        let content_start = header_end + 4;
        let next = find(content_start).ok_or("the multipart body is not closed")?;
        let content_end = if next >= 2 && &body[next - 2..next] == b"\r\n" {
            next - 2
        } else {
            next
        };
        parts.push(Part {
            name: disposition_param(&headers, "name").unwrap_or_default(),
            filename: disposition_param(&headers, "filename"),
            body: &body[content_start..content_end.max(content_start)],
        });
        at = next;
    }
    Ok(parts)
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
    fn refuses_what_is_not_multipart() {
        assert!(multipart(None, b"x").is_err());
        assert!(multipart(Some("multipart/mixed; boundary=B"), b"no boundary").is_err());
        assert!(multipart(Some("multipart/mixed; boundary=B"), b"--B\r\nunfinished").is_err());
    }
}
