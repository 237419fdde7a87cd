//! The client and the request pipeline shared by every generated endpoint method.

use crate::error::{Error, Failure};
use crate::meta::EndpointMeta;
use crate::version::{ApiVersion, Feature, VersionError, Versioned};
use crate::xml::{Document, XmlValue};
use crate::{ErrorCode, Secret, SiteId, UserId};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::io::{Cursor, Read};
use std::sync::RwLock;
use std::time::Duration;

/// Characters kept as they are in a path segment: RFC 3986 unreserved.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// In a query value, `:` and `,` (legal there) also stay, so filters read `name:eq:x,tags:has:y`.
const ENCODE_QUERY: &AsciiSet = &ENCODE.remove(b':').remove(b',');

/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout for each read from the server.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The default limit on a response body decoded in memory (16 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// A signed-in session: the token for `X-Tableau-Auth` and the site id used in paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session token (never shown by `Debug`).
    pub token: Secret,
    /// The site's LUID.
    pub site_id: SiteId,
    /// The signed-in user, when the server said.
    pub user_id: Option<UserId>,
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    api_version: ApiVersion,
    connect_timeout: Duration,
    read_timeout: Duration,
    max_response_bytes: u64,
    allow_plain_http: bool,
}

impl ClientBuilder {
    /// The API version to speak (default: the newest in the spec, [`crate::NEWEST_API_VERSION`]).
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long to wait for each read from the server (default 60 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The largest response body decoded in memory (default 16 MiB); downloads are streamed and
    /// not limited.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Allows `http://` to hosts other than loopback (never do this with real credentials).
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.allow_plain_http = allow;
        self
    }

    /// Builds the client. Fails on a base URL that is not `http(s)://host[:port]`, or on plain
    /// http to a host that is not loopback unless allowed.
    pub fn build(self) -> Result<Client, Error> {
        let base = self.base_url.trim_end_matches('/').to_owned();
        let rest = if let Some(r) = base.strip_prefix("https://") {
            r
        } else if let Some(r) = base.strip_prefix("http://") {
            let host = r.split(['/', ':']).next().unwrap_or("");
            let loopback = host == "localhost" || host.starts_with("127.") || host == "[::1]";
            if !loopback && !self.allow_plain_http {
                return Err(Error::InvalidArgument(format!(
                    "plain http to {host} is refused: use https, or allow_plain_http(true)"
                )));
            }
            r
        } else {
            return Err(Error::InvalidArgument(format!(
                "base URL {:?} must start with https:// or http://",
                self.base_url
            )));
        };
        if rest.is_empty() || rest.contains(['?', '#', ' ']) {
            return Err(Error::InvalidArgument(format!(
                "invalid base URL {:?}",
                self.base_url
            )));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_per_read(Some(self.read_timeout))
            .timeout_recv_response(Some(self.read_timeout))
            .max_redirects(0)
            .user_agent(concat!("tableau-flows/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client {
            agent,
            base,
            api_version: self.api_version,
            max_response_bytes: self.max_response_bytes,
            session: RwLock::new(None),
        })
    }
}

/// A blocking client for the Tableau REST API flow methods.
///
/// One method per endpoint (generated from the spec) returns a request builder; optional
/// parameters are set on it and [`send`](crate::QueryFlowBuilder::send) performs the call.
///
/// ```no_run
/// use tableau_flows::{Client, Session, Secret};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::builder("https://tableau.example.com").build()?;
/// client.set_session(Session {
///     token: Secret::new("token-from-sign-in"),
///     site_id: "9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d".into(),
///     user_id: None,
/// });
/// let flows = client.query_flows_for_site().page_size(100).send()?;
/// for flow in &flows.flows {
///     println!("{}", flow.name.as_deref().unwrap_or(""));
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
    api_version: ApiVersion,
    max_response_bytes: u64,
    session: RwLock<Option<Session>>,
}

impl Client {
    /// A builder for a client of the server at `base_url` (e.g. `https://tableau.example.com`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            api_version: crate::NEWEST_API_VERSION,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_plain_http: false,
        }
    }

    /// The API version the client speaks.
    pub fn api_version(&self) -> ApiVersion {
        self.api_version
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Uses a session (from Sign In) for later calls.
    pub fn set_session(&self, session: Session) {
        *self.session.write().unwrap_or_else(|p| p.into_inner()) = Some(session);
    }

    /// Forgets the session.
    pub fn clear_session(&self) {
        *self.session.write().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The current session.
    pub fn session(&self) -> Option<Session> {
        self.session
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Starts a call of an endpoint: checks its version against the client's.
    pub fn call(&self, meta: &'static EndpointMeta) -> Result<Call<'_>, Failure> {
        let mut call = Call {
            client: self,
            meta,
            path: String::new(),
            query: Vec::new(),
            body: Body::None,
            session: None,
        };
        call.gate(Feature::new(format!("endpoint {}", meta.id), meta.since))?;
        if meta.auth {
            call.session = Some(self.session().ok_or(Error::NotSignedIn)?);
        }
        Ok(call)
    }
}

/// A file sent as the file part of a `multipart/mixed` request.
pub struct FilePart {
    filename: String,
    reader: Box<dyn Read + Send>,
    length: Option<u64>,
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("filename", &self.filename)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

impl FilePart {
    /// A file held in memory.
    pub fn from_bytes(filename: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        let bytes = bytes.into();
        FilePart {
            filename: filename.into(),
            length: Some(bytes.len() as u64),
            reader: Box::new(Cursor::new(bytes)),
        }
    }

    /// A file streamed from a reader of `length` bytes.
    pub fn from_reader(
        filename: impl Into<String>,
        reader: impl Read + Send + 'static,
        length: u64,
    ) -> Self {
        FilePart {
            filename: filename.into(),
            reader: Box::new(reader.take(length)),
            length: Some(length),
        }
    }

    /// The file's name as sent.
    pub fn filename(&self) -> &str {
        &self.filename
    }
}

enum Body {
    None,
    Xml(String),
    Multipart {
        boundary: String,
        head: Vec<u8>,
        file: Option<FilePart>,
        tail: Vec<u8>,
    },
}

/// One prepared call: method, path, query, headers and body. Created by the generated builders'
/// `prepare`, sent by their `send`.
pub struct Call<'c> {
    client: &'c Client,
    meta: &'static EndpointMeta,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Body,
    session: Option<Session>,
}

impl std::fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.meta.method)
            .field("path_and_query", &self.path_and_query())
            .finish_non_exhaustive()
    }
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, ENCODE).to_string()
}

impl<'c> Call<'c> {
    /// The endpoint.
    pub fn endpoint(&self) -> &'static EndpointMeta {
        self.meta
    }

    /// The HTTP method.
    pub fn method(&self) -> &'static str {
        self.meta.method
    }

    /// `/api/{version}/...?query`, as sent.
    pub fn path_and_query(&self) -> String {
        let mut s = format!("/api/{}{}", self.client.api_version, self.path);
        for (i, (k, v)) in self.query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.push_str(&utf8_percent_encode(v, ENCODE_QUERY).to_string());
        }
        s
    }

    /// The headers that will be sent, with the session token shown as `<redacted>`.
    pub fn headers(&self) -> Vec<(String, String)> {
        let mut h = vec![("Accept".to_owned(), "application/xml".to_owned())];
        if self.session.is_some() {
            h.push(("X-Tableau-Auth".to_owned(), "<redacted>".to_owned()));
        }
        if let Some(ct) = self.content_type() {
            h.push(("Content-Type".to_owned(), ct));
        }
        h
    }

    /// The XML body, for calls that send one.
    pub fn xml_body_text(&self) -> Option<&str> {
        match &self.body {
            Body::Xml(s) => Some(s),
            _ => None,
        }
    }

    fn content_type(&self) -> Option<String> {
        match &self.body {
            Body::None => None,
            Body::Xml(_) => Some("application/xml".to_owned()),
            Body::Multipart { boundary, .. } => {
                Some(format!("multipart/mixed; boundary={boundary}"))
            }
        }
    }

    #[doc(hidden)]
    pub fn push_path(&mut self, literal: &str) {
        self.path.push_str(literal);
    }

    #[doc(hidden)]
    pub fn push_segment(&mut self, value: &str) {
        self.path.push_str(&encode(value));
    }

    #[doc(hidden)]
    pub fn push_site(&mut self) -> Result<(), Failure> {
        let session = self.session.as_ref().ok_or(Error::NotSignedIn)?;
        self.path.push_str(&encode(session.site_id.as_str()));
        Ok(())
    }

    #[doc(hidden)]
    pub fn query<T: XmlValue>(&mut self, wire: &'static str, value: &T) {
        self.query.push((wire, value.to_xml_value().into_owned()));
    }

    #[doc(hidden)]
    pub fn query_list<T: XmlValue>(&mut self, wire: &'static str, values: &[T]) {
        let joined: Vec<String> = values
            .iter()
            .map(|v| v.to_xml_value().into_owned())
            .collect();
        self.query.push((wire, joined.join(",")));
    }

    #[doc(hidden)]
    pub fn check_range(&self, wire: &str, value: i64, lo: i64, hi: i64) -> Result<(), Failure> {
        if value < lo || value > hi {
            return Err(Error::InvalidArgument(format!(
                "{wire} must be between {lo} and {hi}, not {value}"
            ))
            .into());
        }
        Ok(())
    }

    #[doc(hidden)]
    pub fn gate(&self, feature: Feature) -> Result<(), Failure> {
        let client = self.client.api_version;
        if feature.since > client {
            return Err(VersionError {
                feature: feature.name.into_owned(),
                required: feature.since,
                client,
            }
            .into());
        }
        Ok(())
    }

    #[doc(hidden)]
    pub fn gate_value<T: Versioned>(&self, value: &T) -> Result<(), Failure> {
        match value.required_version() {
            Some(f) => self.gate(f),
            None => Ok(()),
        }
    }

    #[doc(hidden)]
    pub fn empty_body(&mut self) {
        self.body = Body::Xml("<tsRequest/>".to_owned());
    }

    #[doc(hidden)]
    pub fn xml_body<T: Document>(&mut self, doc: &T) {
        self.body = Body::Xml(crate::xml::encode_document(doc, "tsRequest"));
    }

    #[doc(hidden)]
    pub fn multipart_body<T: Document>(
        &mut self,
        doc: &T,
        file_part: &str,
        file: Option<FilePart>,
    ) -> Result<(), Failure> {
        let boundary = boundary();
        let xml = crate::xml::encode_document(doc, "tsRequest");
        let mut head = format!(
            "--{boundary}\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n{xml}\r\n"
        );
        if let Some(f) = &file {
            if f.filename.contains(['"', '\r', '\n']) {
                return Err(Error::InvalidArgument(format!(
                    "file name {:?} cannot be sent",
                    f.filename
                ))
                .into());
            }
            head.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: name=\"{file_part}\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                f.filename
            ));
        }
        let tail = if file.is_some() {
            format!("\r\n--{boundary}--\r\n")
        } else {
            format!("--{boundary}--\r\n")
        };
        self.body = Body::Multipart {
            boundary,
            head: head.into_bytes(),
            file,
            tail: tail.into_bytes(),
        };
        Ok(())
    }

    fn send_raw(self) -> Result<ureq::http::Response<ureq::Body>, Failure> {
        let url = format!("{}{}", self.client.base, self.path_and_query());
        let content_type = self.content_type();
        let mut builder = ureq::http::Request::builder()
            .method(self.meta.method)
            .uri(&url)
            .header("Accept", "application/xml");
        if let Some(s) = &self.session {
            builder = builder.header("X-Tableau-Auth", s.token.expose());
        }
        if let Some(ct) = &content_type {
            builder = builder.header("Content-Type", ct);
        }
        let result = match self.body {
            Body::None => {
                let req = builder
                    .body(())
                    .map_err(|e| Error::InvalidArgument(e.to_string()))?;
                self.client.agent.run(req)
            }
            Body::Xml(xml) => {
                let req = builder
                    .body(xml)
                    .map_err(|e| Error::InvalidArgument(e.to_string()))?;
                self.client.agent.run(req)
            }
            Body::Multipart {
                head, file, tail, ..
            } => {
                let file_len = match &file {
                    Some(f) => f.length,
                    None => Some(0),
                };
                if let Some(len) = file_len {
                    builder = builder.header(
                        "Content-Length",
                        (head.len() as u64 + len + tail.len() as u64).to_string(),
                    );
                }
                let reader: Box<dyn Read + Send> = match file {
                    Some(f) => Box::new(Cursor::new(head).chain(f.reader).chain(Cursor::new(tail))),
                    None => Box::new(Cursor::new(head).chain(Cursor::new(tail))),
                };
                let req = builder
                    .body(ureq::SendBody::from_owned_reader(reader))
                    .map_err(|e| Error::InvalidArgument(e.to_string()))?;
                self.client.agent.run(req)
            }
        };
        result.map_err(transport)
    }

    /// Sends the call and checks the status; a non-2xx answer becomes the service error it carries.
    pub fn execute(self) -> Result<Response, Failure> {
        let limit = self.client.max_response_bytes;
        let resp = self.send_raw()?;
        let status = resp.status().as_u16();
        let body = read_limited(resp.into_body(), limit)?;
        if !(200..300).contains(&status) {
            return Err(error_answer(status, &body));
        }
        Ok(Response { status, body })
    }

    /// Sends the call and returns the body as a stream (for downloads).
    pub fn execute_download(self) -> Result<Download, Failure> {
        let limit = self.client.max_response_bytes;
        let resp = self.send_raw()?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let disposition = header("content-disposition");
        let content_length = header("content-length").and_then(|v| v.parse().ok());
        if !(200..300).contains(&status) {
            let body = read_limited(resp.into_body(), limit)?;
            return Err(error_answer(status, &body));
        }
        if content_type.as_deref().is_some_and(|c| c.contains("xml")) {
            // A download answered with XML is an error document (deviation S6).
            let body = read_limited(resp.into_body(), limit)?;
            if let Some(detail) = crate::xml::find_service_error(&body).ok().flatten() {
                return Err(Failure::service(status, &detail));
            }
            return Ok(Download {
                reader: Box::new(Cursor::new(body)),
                filename: disposition.as_deref().and_then(filename_from_disposition),
                content_type,
                content_length,
            });
        }
        Ok(Download {
            reader: Box::new(resp.into_body().into_reader()),
            filename: disposition.as_deref().and_then(filename_from_disposition),
            content_type,
            content_length,
        })
    }
}

fn boundary() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("tableau-flows-{:016x}", h.finish())
}

fn transport(e: ureq::Error) -> Failure {
    match e {
        ureq::Error::Timeout(t) => Error::Timeout(t.to_string()).into(),
        ureq::Error::BodyExceedsLimit(limit) => Error::ResponseTooLarge { limit }.into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            Error::Timeout(io.to_string()).into()
        }
        other => Error::Transport(Box::new(other)).into(),
    }
}

fn read_limited(body: ureq::Body, limit: u64) -> Result<Vec<u8>, Failure> {
    body.into_with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(transport)
}

fn error_answer(status: u16, body: &[u8]) -> Failure {
    match crate::xml::find_service_error(body) {
        Ok(Some(detail)) => Failure::service(status, &detail),
        _ => Error::UnexpectedStatus {
            status,
            body: String::from_utf8_lossy(body).chars().take(200).collect(),
        }
        .into(),
    }
}

/// The file name of a `Content-Disposition` header (`filename="..."`), without any directory.
pub fn filename_from_disposition(value: &str) -> Option<String> {
    let idx = value.find("filename=")?;
    let rest = &value[idx + "filename=".len()..];
    let name = if let Some(r) = rest.strip_prefix('"') {
        r.split('"').next()?
    } else {
        rest.split(';').next()?.trim()
    };
    let base = name.rsplit(['/', '\\']).next()?.trim();
    if base.is_empty() || base == "." || base == ".." {
        None
    } else {
        Some(base.to_owned())
    }
}

/// A success answer, read in memory (at most the client's limit).
#[derive(Debug)]
pub struct Response {
    status: u16,
    body: Vec<u8>,
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Decodes the body as `T`; an `<error>` in it is the service error it reports.
    pub fn xml<T: Document>(self) -> Result<T, Failure> {
        crate::xml::decode_document(&self.body).map_err(|e| Failure::decode(self.status, e))
    }

    /// Checks an answer documented without a body: an `<error>` in it is still an error (S6).
    pub fn none(self) -> Result<(), Failure> {
        match crate::xml::find_service_error(&self.body) {
            Ok(Some(detail)) => Err(Failure::service(self.status, &detail)),
            _ => Ok(()),
        }
    }
}

/// A downloaded file, streamed: read it, or copy it into a writer.
pub struct Download {
    reader: Box<dyn Read + Send>,
    /// The file name from `Content-Disposition`, without directories.
    pub filename: Option<String>,
    /// The `Content-Type`.
    pub content_type: Option<String>,
    /// The `Content-Length`, when sent.
    pub content_length: Option<u64>,
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
    /// Copies the whole file into `writer`, returning the number of bytes.
    pub fn copy_to(mut self, writer: &mut impl std::io::Write) -> Result<u64, Error<ErrorCode>> {
        Ok(std::io::copy(&mut self.reader, writer)?)
    }
}
