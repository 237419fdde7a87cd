//! Any path of the server's REST API, with the session: for what neither the typed methods nor
//! the spec's endpoints ([`Client::raw`]) cover (`tabflow api GET /sites/{site}/...`).
//!
//! The path is one of the configured server's, always: it is refused, before anything is sent,
//! when it has a scheme (`https://...`), starts with `//`, holds a backslash, a control character,
//! an empty segment or a fragment, hides a `/`, `\`, control character or dot segment behind
//! percent-encoding, or climbs with `..` above `/api`; and the URL it makes is checked to name the
//! configured server's scheme, host and port. So the session's token never goes anywhere else.
//!
//! `{site}` or `{site_id}` in the path stands for the signed-in site's id, `{user}` or
//! `{user_id}` for the signed-in user's; `/api/<version>` is put before a path that does not
//! start with `/api/`. The answer comes back whatever its status, read in memory within the
//! client's limit ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes));
//! the client's deadline, retries (of the idempotent methods: GET, HEAD, PUT, DELETE) and signing
//! in again on an expired token apply as to every call.
//!
//! ```no_run
//! use tableau_flows::{Client, Credentials, WireFormat};
//! # fn main() -> Result<(), tableau_flows::Error> {
//! let client = Client::builder("https://tableau.example.com").build()?;
//! client.sign_in_with(Credentials::personal_access_token("ci", "secret"), "marketing")?;
//! let answer = client
//!     .request("GET", "/sites/{site}/users/{user}")?
//!     .query("fields", "_all_")
//!     .accept(WireFormat::Json)
//!     .send()?;
//! if let Some(error) = answer.error() {
//!     eprintln!("{error}");
//! }
//! println!("{}", String::from_utf8_lossy(&answer.body));
//! # Ok(()) }
//! ```

use crate::call::{ENCODE, ENCODE_QUERY, error_of, service_error_in};
use crate::client::{ClientRef, WireFormat};
use crate::error::Error;
use crate::meta::{EndpointMeta, RequestKind};
use crate::{ApiVersion, Client};
use percent_encoding::{percent_decode_str, utf8_percent_encode};

/// The methods [`Client::request`] sends.
pub const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

/// The placeholders a path may hold, each a whole segment: the session's site id and user id.
pub const PLACEHOLDERS: [&str; 4] = ["{site}", "{site_id}", "{user}", "{user_id}"];

/// What the request pipeline needs to know of a method: whether it may be repeated.
const fn method_meta(method: &'static str, idempotent: bool) -> EndpointMeta {
    EndpointMeta {
        id: "request",
        title: "",
        method,
        path: "",
        since: ApiVersion::new(2, 0),
        auth: false,
        idempotent,
        on_flow_methods_page: false,
        success_status: 200,
        errors: &[],
        query: &[],
        request: RequestKind::None,
        experimental: false,
    }
}

static GET: EndpointMeta = method_meta("GET", true);
static POST: EndpointMeta = method_meta("POST", false);
static PUT: EndpointMeta = method_meta("PUT", true);
static PATCH: EndpointMeta = method_meta("PATCH", false);
static DELETE: EndpointMeta = method_meta("DELETE", true);
static HEAD: EndpointMeta = method_meta("HEAD", true);

/// A request of any path of the server ([`Client::request`]).
#[derive(Debug)]
#[must_use = "a request does nothing until `send` is called"]
pub struct PathRequest<'c> {
    client: &'c Client,
    meta: &'static EndpointMeta,
    path: CheckedPath,
    query: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
    accept: Option<WireFormat>,
}

/// The answer of a [`PathRequest`], whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PathResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers, names in lower case, values as text (bytes that are not UTF-8 replaced).
    pub headers: Vec<(String, String)>,
    /// The body (empty for HEAD).
    pub body: Vec<u8>,
}

impl PathResponse {
    /// The first value of the header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the status is 2xx and the body no error document.
    pub fn is_success(&self) -> bool {
        self.error().is_none()
    }

    /// The error the answer reports, as a typed call would report it: for a non-2xx status the
    /// service error its document carries ([`Error::Service`], with its code, summary and
    /// detail), a redirect ([`Error::Redirected`]) or the bare status
    /// ([`Error::UnexpectedStatus`]); for a 2xx, the error document some servers answer with
    /// (`<error>` in XML, `{"error": ...}` in JSON); `None` for a success.
    pub fn error(&self) -> Option<Error> {
        if !(200..300).contains(&self.status) {
            return Some(error_of(self.status, self.header("location"), &self.body).into());
        }
        match service_error_in(&self.body) {
            Ok(Some(detail)) => Some(crate::error::Failure::service(self.status, &detail).into()),
            _ => None,
        }
    }
}

/// Checks a path as [`Client::request`] does, without a client: `Ok` when it is one of the
/// server's; otherwise the [`Error::InvalidArgument`] saying why (for refusing a command line
/// before signing in).
///
/// ```
/// assert!(tableau_flows::request::check_path("/sites/{site}/users").is_ok());
/// assert!(tableau_flows::request::check_path("//evil.example/x").is_err());
/// ```
pub fn check_path(path: &str) -> Result<(), Error> {
    CheckedPath::parse(path).map(|_| ())
}

impl Client {
    /// A request of any path of the server's REST API (see the [module](crate::request) for the
    /// rules): `method` one of [`METHODS`] in any case, `path` such as `/sites/{site}/users` or
    /// `/serverinfo`. A method or path that breaks the rules is an [`Error::InvalidArgument`]
    /// saying why; nothing is sent until [`PathRequest::send`].
    pub fn request(&self, method: &str, path: &str) -> Result<PathRequest<'_>, Error> {
        let meta = match method.trim().to_ascii_uppercase().as_str() {
            "GET" => &GET,
            "POST" => &POST,
            "PUT" => &PUT,
            "PATCH" => &PATCH,
            "DELETE" => &DELETE,
            "HEAD" => &HEAD,
            _ => {
                return Err(Error::InvalidArgument(format!(
                    "{:?} is not a method: one of {}",
                    method.chars().take(20).collect::<String>(),
                    METHODS.join(", ")
                )));
            }
        };
        Ok(PathRequest {
            client: self,
            meta,
            path: CheckedPath::parse(path)?,
            query: Vec::new(),
            body: None,
            accept: None,
        })
    }
}

impl PathRequest<'_> {
    /// The method, in upper case.
    pub fn method(&self) -> &'static str {
        self.meta.method
    }

    /// A query parameter (repeatable), percent-encoded as it is sent (`:` and `,` stay, so
    /// filters read `name:eq:Sales`).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// The body, with its `Content-Type` (e.g. `application/xml`). GET, HEAD and DELETE take
    /// none: [`send`](Self::send) refuses one.
    pub fn body(mut self, content_type: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.into(), bytes.into()));
        self
    }

    /// Asks for the answer in this format (the `Accept` header; default: the client's
    /// [wire format](crate::ClientBuilder::wire_format)).
    pub fn accept(mut self, format: WireFormat) -> Self {
        self.accept = Some(format);
        self
    }

    /// The path and query as they will be sent, after `/api/<version>` (learnt from the server
    /// first if the client does not know it yet) and the session's ids are put in.
    pub fn path_and_query(&self) -> Result<String, Error> {
        let needs_version = !self.path.text.starts_with("/api/");
        let version = if needs_version {
            Some(self.client.negotiate_version()?)
        } else {
            None
        };
        let session = self.client.session();
        let mut path = String::new();
        if let Some(v) = version {
            path.push_str(&format!("/api/{v}"));
        }
        for segment in self.path.text.split('/').skip(1) {
            path.push('/');
            match segment {
                "{site}" | "{site_id}" => {
                    let s = session.as_ref().ok_or(Error::NotSignedIn)?;
                    path.push_str(&utf8_percent_encode(s.site_id.as_str(), ENCODE).to_string());
                }
                "{user}" | "{user_id}" => {
                    let s = session.as_ref().ok_or(Error::NotSignedIn)?;
                    let user = s.user_id.as_ref().ok_or_else(|| {
                        Error::InvalidArgument(format!(
                            "{segment}: the session does not say who signed in"
                        ))
                    })?;
                    path.push_str(&utf8_percent_encode(user.as_str(), ENCODE).to_string());
                }
                other => path.push_str(other),
            }
        }
        let path = remove_dot_segments(&path);
        if !path.starts_with("/api/") {
            return Err(refused(
                &self.path.raw,
                "climbs with `..` above /api, out of the REST API",
            ));
        }
        let mut text = path;
        let mut first = true;
        let mut separator = |text: &mut String| {
            text.push(if first { '?' } else { '&' });
            first = false;
        };
        if let Some(q) = &self.path.query {
            separator(&mut text);
            text.push_str(q);
        }
        for (name, value) in &self.query {
            if name.is_empty() {
                return Err(Error::InvalidArgument(
                    "a query parameter has an empty name".to_owned(),
                ));
            }
            separator(&mut text);
            text.push_str(&utf8_percent_encode(name, ENCODE_QUERY).to_string());
            text.push('=');
            text.push_str(&utf8_percent_encode(value, ENCODE_QUERY).to_string());
        }
        Ok(text)
    }

    /// Sends the request (with the session's token when signed in) and returns the answer
    /// whatever its status: see [`PathResponse::error`] for the error it reports. An `Err` is a
    /// request refused before sending (a body GET, HEAD or DELETE does not take, a content type
    /// that is not a header value, `{site}` without a session), or a call that got no complete
    /// answer (transport, deadline, an answer above the client's limit).
    pub fn send(self) -> Result<PathResponse, Error> {
        let path_and_query = self.path_and_query()?;
        let url = format!("{}{path_and_query}", self.client.base_url());
        same_server(self.client.base_url(), &url, &self.path.raw)?;
        let signed_in = self.client.session().is_some();
        let mut call =
            ClientRef::Borrowed(self.client).fixed_call(self.meta, path_and_query, signed_in);
        if let Some(format) = self.accept {
            call.accept(format);
        }
        if let Some((content_type, bytes)) = self.body {
            if matches!(self.meta.method, "GET" | "HEAD" | "DELETE") {
                return Err(Error::InvalidArgument(format!(
                    "a {} request takes no body here",
                    self.meta.method
                )));
            }
            let content_type = content_type.trim();
            if content_type.is_empty() || !content_type.bytes().all(|b| (b' '..=b'~').contains(&b))
            {
                return Err(Error::InvalidArgument(format!(
                    "the content type {:?} is not a header value (printable ASCII, e.g. application/xml)",
                    content_type.chars().take(60).collect::<String>()
                )));
            }
            call.raw_body(content_type.to_owned(), bytes);
        }
        let (status, headers, body) = call.execute_any().map_err(Error::from)?;
        Ok(PathResponse {
            status,
            headers,
            body,
        })
    }
}

/// A path that passed the checks [`CheckedPath::parse`] makes: its segments, `/` first and
/// percent-encoded where needed, and its query string as written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CheckedPath {
    /// The path as given, for messages.
    raw: String,
    /// The path, encoded, starting with `/`.
    text: String,
    /// The query string after `?`, encoded.
    query: Option<String>,
}

fn refused(path: &str, why: &str) -> Error {
    let shown: String = path
        .chars()
        .take(120)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    Error::InvalidArgument(format!(
        "the path {shown:?} {why}; nothing was sent (a path is one of the configured server's, \
         such as /sites/{{site}}/users)"
    ))
}

/// Whether `c` may stand as it is in a path segment (RFC 3986 `pchar` without `%`).
fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@".contains(c)
}

/// Percent-encodes what a segment or query may not hold as it is (spaces, non-ASCII), keeping
/// the characters of `extra` too; a `%` must already start an escape (`%2F`).
fn encode_part(part: &str, raw: &str, extra: &str) -> Result<String, Error> {
    let mut out = String::new();
    let bytes = part.as_bytes();
    for (i, c) in part.char_indices() {
        if c == '%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return Err(refused(
                    raw,
                    "has a % that does not start an escape (write a % itself as %25)",
                ));
            }
            out.push('%');
        } else if path_char(c) || extra.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    Ok(out)
}

impl CheckedPath {
    fn parse(raw: &str) -> Result<CheckedPath, Error> {
        let refuse = |why: &str| Err(refused(raw, why));
        if raw.trim().is_empty() {
            return refuse("is empty");
        }
        if raw.chars().any(char::is_control) {
            return refuse("holds a control character");
        }
        if raw.contains('\\') {
            return refuse("holds a backslash, which some servers read as /");
        }
        if raw.contains('#') {
            return refuse("holds a fragment (#)");
        }
        let (path, query) = match raw.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (raw, None),
        };
        if path.starts_with("//") {
            return refuse("starts with //, which names another host");
        }
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if path.contains("://") || (!path.starts_with('/') && first.contains(':')) {
            return refuse("has a scheme: give a path of the server (--server sets the server)");
        }
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        let mut text = String::new();
        for (i, segment) in segments.iter().enumerate() {
            if segment.is_empty() && i + 1 < segments.len() {
                return refuse("has an empty segment (//)");
            }
            if (segment.contains('{') || segment.contains('}')) && !PLACEHOLDERS.contains(segment) {
                return refuse(&format!(
                    "has an unknown placeholder in {segment:?}: a segment may be one of {}",
                    PLACEHOLDERS.join(", ")
                ));
            }
            let decoded = percent_decode_str(segment).decode_utf8_lossy();
            if decoded != *segment {
                if decoded.contains(['/', '\\']) {
                    return refuse("hides a / or \\ in an escape (%2F, %5C)");
                }
                if decoded.chars().any(char::is_control) {
                    return refuse("hides a control character in an escape");
                }
                if decoded == "." || decoded == ".." {
                    return refuse("hides a dot segment in an escape (%2E)");
                }
            }
            text.push('/');
            text.push_str(&encode_part(segment, raw, "{}")?);
        }
        // `..` may not climb above /api (the version is put before a path without it).
        let probe = if text.starts_with("/api/") {
            text.clone()
        } else {
            format!("/api/v{text}")
        };
        if !remove_dot_segments(&probe).starts_with("/api/") {
            return refuse("climbs with `..` above /api, out of the REST API");
        }
        let query = match query {
            None => None,
            Some(q) => {
                if percent_decode_str(q)
                    .decode_utf8_lossy()
                    .chars()
                    .any(char::is_control)
                {
                    return refuse("hides a control character in an escape");
                }
                Some(encode_part(q, raw, "/?")?)
            }
        };
        Ok(CheckedPath {
            raw: raw.to_owned(),
            text,
            query,
        })
    }
}

/// RFC 3986's `remove_dot_segments` on an absolute path: `.` goes, `..` removes the segment
/// before it (none above the root).
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

/// Refuses a URL that does not name the base URL's scheme, host and port (the last guard: the
/// checks of the path already make this so).
fn same_server(base: &str, url: &str, raw: &str) -> Result<(), Error> {
    let parse = |u: &str| u.parse::<ureq::http::Uri>().ok();
    let (Some(base), Some(url)) = (parse(base), parse(url)) else {
        return Err(refused(raw, "does not make a URL"));
    };
    if base.scheme() != url.scheme() || base.authority() != url.authority() {
        return Err(refused(raw, "would change the server"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(path: &str) -> Result<CheckedPath, String> {
        CheckedPath::parse(path).map_err(|e| e.to_string())
    }

    #[test]
    fn paths_of_the_server_pass_and_are_encoded() {
        let p = checked("/sites/{site}/users").unwrap();
        assert_eq!(p.text, "/sites/{site}/users");
        assert_eq!(p.query, None);
        assert_eq!(checked("serverinfo").unwrap().text, "/serverinfo");
        let p = checked("/sites/{site_id}/flows?filter=name:eq:Sales Cleanup&pageSize=5").unwrap();
        assert_eq!(
            p.query.as_deref(),
            Some("filter=name:eq:Sales%20Cleanup&pageSize=5")
        );
        assert_eq!(checked("/a/b c/é").unwrap().text, "/a/b%20c/%C3%A9");
        assert_eq!(checked("/a/%2d/").unwrap().text, "/a/%2d/");
        assert_eq!(checked("/a/@evil.com").unwrap().text, "/a/@evil.com");
        assert_eq!(checked("/@evil.com:80/x").unwrap().text, "/@evil.com:80/x");
    }

    #[test]
    fn paths_that_could_leave_the_server_are_refused() {
        for (path, why) in [
            ("https://evil.example/x", "has a scheme"),
            ("http:/x", "has a scheme"),
            ("evil.example:443/x", "has a scheme"),
            ("/x/https://evil.example", "has a scheme"),
            ("//evil.example/x", "starts with //"),
            ("\\\\evil.example\\x", "backslash"),
            ("/sites\\x", "backslash"),
            ("/x\r\nHost: evil", "control character"),
            ("/x\u{0}", "control character"),
            ("/x\u{85}", "control character"),
            ("/x/%0d%0a", "hides a control character"),
            ("/x?a=%0a", "hides a control character"),
            ("/x/%2f/y", "hides a /"),
            ("/x/%5C", "hides a /"),
            ("/x/%2e%2e/y", "hides a dot segment"),
            ("/x/%2E", "hides a dot segment"),
            ("/x//y", "empty segment"),
            ("/x#frag", "fragment"),
            ("/api/../x", "climbs"),
            ("/api/3.24/../../x", "climbs"),
            ("/sites/{flow}/x", "unknown placeholder"),
            ("/sites/{site}x", "unknown placeholder"),
            ("/x/100%", "does not start an escape"),
            ("", "is empty"),
        ] {
            let err = checked(path).expect_err(path);
            assert!(err.contains(why), "{path:?}: {err}");
            assert!(err.contains("nothing was sent"), "{path:?}: {err}");
        }
    }

    #[test]
    fn dot_segments_are_removed() {
        assert_eq!(remove_dot_segments("/api/3.24/a/../b"), "/api/3.24/b");
        assert_eq!(remove_dot_segments("/api/3.24/./a/."), "/api/3.24/a/");
        assert_eq!(remove_dot_segments("/api/3.24/../../../x"), "/x");
        assert_eq!(remove_dot_segments("/api/3.24/a/.."), "/api/3.24/");
    }

    #[test]
    fn a_url_naming_another_server_is_refused() {
        assert!(same_server("http://127.0.0.1:1", "http://127.0.0.1:1/api/3.24/x", "x").is_ok());
        assert!(same_server("http://127.0.0.1:1", "http://127.0.0.1:2/x", "x").is_err());
        assert!(same_server("https://a.example", "http://a.example/x", "x").is_err());
        assert!(same_server("https://a.example", "https://a.example@b.example/x", "x").is_err());
    }

    #[test]
    fn methods_in_any_case_and_nothing_else() {
        let client = Client::builder("http://127.0.0.1:9")
            .api_version(ApiVersion::new(3, 24))
            .build()
            .unwrap();
        for m in ["get", "Post", "PUT", "patch", "delete", "HEAD"] {
            let r = client.request(m, "/serverinfo").unwrap();
            assert_eq!(r.method(), m.to_ascii_uppercase());
        }
        let err = client.request("TRACE", "/x").unwrap_err().to_string();
        assert!(err.contains("\"TRACE\" is not a method"), "{err}");
        // The version goes before a path that does not start with /api/, and not before one
        // that does; the session's ids need a session.
        let r = client
            .request("GET", "/serverinfo")
            .unwrap()
            .query("a b", "c,d:e");
        assert_eq!(
            r.path_and_query().unwrap(),
            "/api/3.24/serverinfo?a%20b=c,d:e"
        );
        let r = client.request("GET", "/api/3.1/serverinfo?x=1").unwrap();
        assert_eq!(r.path_and_query().unwrap(), "/api/3.1/serverinfo?x=1");
        let err = client
            .request("GET", "/sites/{site}/../../../../x")
            .unwrap_err();
        assert!(err.to_string().contains("climbs"), "{err}");
        let r = client.request("GET", "/sites/../serverinfo").unwrap();
        assert_eq!(r.path_and_query().unwrap(), "/api/3.24/serverinfo");
        let r = client.request("GET", "/sites/{site}/users").unwrap();
        assert!(matches!(r.path_and_query(), Err(Error::NotSignedIn)));
        client.set_session(crate::Session {
            token: "t".into(),
            site_id: "s 1".into(),
            user_id: Some("u1".into()),
        });
        let r = client
            .request("GET", "/sites/{site}/users/{user_id}")
            .unwrap();
        assert_eq!(
            r.path_and_query().unwrap(),
            "/api/3.24/sites/s%201/users/u1"
        );
        // Bodies: not on GET, HEAD or DELETE; a content type must be a header value.
        let err = client
            .request("GET", "/x")
            .unwrap()
            .body("application/xml", "<tsRequest/>")
            .send()
            .unwrap_err();
        assert!(
            err.to_string().contains("a GET request takes no body"),
            "{err}"
        );
        let err = client
            .request("POST", "/x")
            .unwrap()
            .body("application/xml\r\nX-Evil: 1", "<tsRequest/>")
            .send()
            .unwrap_err();
        assert!(err.to_string().contains("not a header value"), "{err}");
    }

    #[test]
    fn an_answer_reports_its_error() {
        let answer = |status, body: &str| PathResponse {
            status,
            headers: vec![("location".into(), "https://elsewhere.example/".into())],
            body: body.as_bytes().to_vec(),
        };
        assert!(answer(200, "<tsResponse/>").is_success());
        let e = answer(
            404,
            "<tsResponse xmlns=\"http://tableau.com/api\"><error code=\"404003\"><summary>Resource not found</summary><detail>no</detail></error></tsResponse>",
        )
        .error()
        .unwrap();
        assert_eq!(e.code(), Some(crate::ErrorCode::ResourceNotFound));
        let e = answer(
            200,
            "{\"error\": {\"code\": \"400000\", \"summary\": \"Bad\"}}",
        )
        .error()
        .unwrap();
        assert_eq!(e.code(), Some(crate::ErrorCode::BadRequest));
        let e = answer(302, "").error().unwrap();
        assert!(e.to_string().contains("elsewhere.example"), "{e}");
        let e = answer(502, "<html>bad gateway</html>").error().unwrap();
        assert!(e.to_string().contains("HTTP 502"), "{e}");
        assert_eq!(
            answer(200, "").header("LOCATION"),
            Some("https://elsewhere.example/")
        );
    }
}
