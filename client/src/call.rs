//! The request pipeline shared by every generated endpoint method: building the path, query and
//! body, sending with retries and signing in again when the token expired, the deadline, and
//! reading the answer within the client's limits.

use crate::SiteId;
use crate::body::FilePart;
use crate::client::ClientRef;
use crate::client::WireFormat;
use crate::error::{CallError, Failure};
use crate::json::{FromJson, ToJson};
use crate::meta::EndpointMeta;
use crate::retry::{parse_retry_after, retryable_status};
use crate::transfer::{Download, TooLarge, decoded, filename_from_disposition};
use crate::version::{ApiVersion, Feature, VersionError, Versioned};
use crate::xml::{Document, XmlValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::io::{Cursor, Read};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

/// The base path of experimental endpoints ([`EndpointMeta::experimental`]), instead of
/// `/api/{version}`.
pub const EXPERIMENTAL_BASE: &str = "/api/exp";

/// Characters kept as they are in a path segment: RFC 3986 unreserved.
pub(crate) const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// In a query value, `:` and `,` (legal there) also stay, so filters read `name:eq:x,projectName:eq:y`.
pub(crate) const ENCODE_QUERY: &AsciiSet = &ENCODE.remove(b':').remove(b',');

impl<'c> ClientRef<'c> {
    /// Starts a call of an endpoint: settles the API version and checks the endpoint's.
    pub(crate) fn call(&self, meta: &'static EndpointMeta) -> Result<Call<'c>, Failure> {
        let version = if meta.experimental {
            // An experimental endpoint's path names no version (it follows /api/exp), and no
            // version gates it: nothing is asked of the server to settle one.
            self.api_version().unwrap_or(crate::OLDEST_API_VERSION)
        } else if meta.id == crate::endpoints::SERVER_INFO.id && self.api_version().is_none() {
            // Server Info is how the version is learnt: ask it at the oldest version.
            crate::OLDEST_API_VERSION
        } else {
            self.resolve_version()?
        };
        let call = Call {
            client: self.clone(),
            meta,
            version,
            path: Vec::new(),
            query: Vec::new(),
            body: Body::None,
            download: false,
            sent: Default::default(),
            auth: meta.auth,
            accept: None,
            fixed_path: None,
        };
        if !meta.experimental {
            call.gate(Feature::new(meta.title, meta.since))?;
        }
        if meta.auth && self.session().is_none() {
            return Err(CallError::NotSignedIn.into());
        }
        Ok(call)
    }

    /// A call of a path the caller wrote ([`Client::request`](crate::Client::request)):
    /// `path_and_query` is sent as it is (already checked and encoded); `meta` gives the method
    /// and whether it may be repeated; the session's token goes along when `auth`.
    pub(crate) fn fixed_call(
        &self,
        meta: &'static EndpointMeta,
        path_and_query: String,
        auth: bool,
    ) -> Call<'c> {
        Call {
            client: self.clone(),
            meta,
            version: self.api_version().unwrap_or(crate::OLDEST_API_VERSION),
            path: Vec::new(),
            query: Vec::new(),
            body: Body::None,
            download: false,
            sent: Default::default(),
            auth,
            accept: None,
            fixed_path: Some(path_and_query),
        }
    }
}

enum PathPart {
    Literal(String),
    Site,
    Segment(String),
}

enum Body {
    None,
    Xml(String),
    Json(String),
    /// Bytes with their content type, as the caller gave them.
    Raw {
        content_type: String,
        bytes: Vec<u8>,
    },
    Multipart {
        boundary: String,
        head: Vec<u8>,
        file: Option<FilePart>,
        tail: Vec<u8>,
    },
}

/// One prepared call: method, path, query, headers and body. Created by the generated builders'
/// `prepare`, sent by their `send`. It can be sent again (a retry, or after signing in again)
/// unless its body is a one-shot stream.
pub(crate) struct Call<'c> {
    client: ClientRef<'c>,
    meta: &'static EndpointMeta,
    version: ApiVersion,
    path: Vec<PathPart>,
    query: Vec<(&'static str, String)>,
    body: Body,
    /// The answer is a file (no content encoding; bounded by the stall time).
    download: bool,
    /// The bytes of the request body handed to the transport in the current attempt.
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Whether the session's token goes along (and an expired one is renewed).
    auth: bool,
    /// The `Accept` header, when not the client's wire format's.
    accept: Option<&'static str>,
    /// The whole path and query, when the caller wrote it (instead of `path` and `query`).
    fixed_path: Option<String>,
}

impl std::fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.meta.method)
            .field("path_and_query", &self.path_and_query())
            .finish_non_exhaustive()
    }
}

/// Refuses a path parameter that would not name one resource: empty, `.` or `..`.
pub(crate) fn check_segment(name: &str, value: &str) -> Result<(), CallError> {
    let why = match value.trim() {
        "" => "is empty",
        _ if value == "." || value == ".." => {
            "is a dot segment, which servers and proxies remove from paths"
        }
        _ => return Ok(()),
    };
    Err(CallError::InvalidArgument(format!(
        "the path parameter {name} {why} ({value:?}); nothing was sent"
    )))
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, ENCODE).to_string()
}

/// How a failed attempt may be repeated.
enum Next {
    Retry(Option<Duration>),
    SignInAgain,
    Stop,
}

impl<'c> Call<'c> {
    /// `/api/{version}/...?query` (`/api/exp/...?query` for an experimental endpoint), as it
    /// will be sent (the site id from the current session).
    pub(crate) fn path_and_query(&self) -> String {
        if let Some(fixed) = &self.fixed_path {
            return fixed.clone();
        }
        let site = self.client.session().map(|s| s.site_id);
        let mut s = if self.meta.experimental {
            EXPERIMENTAL_BASE.to_owned()
        } else {
            format!("/api/{}", self.version)
        };
        for p in &self.path {
            match p {
                PathPart::Literal(l) => s.push_str(l),
                PathPart::Segment(v) => s.push_str(&encode(v)),
                PathPart::Site => {
                    s.push_str(&encode(site.as_ref().map(SiteId::as_str).unwrap_or("")))
                }
            }
        }
        for (i, (k, v)) in self.query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.push_str(&utf8_percent_encode(v, ENCODE_QUERY).to_string());
        }
        s
    }

    fn content_type(&self) -> Option<String> {
        match &self.body {
            Body::None => None,
            Body::Xml(_) => Some("application/xml".to_owned()),
            Body::Json(_) => Some("application/json".to_owned()),
            Body::Raw { content_type, .. } => Some(content_type.clone()),
            Body::Multipart { boundary, .. } => {
                Some(format!("multipart/mixed; boundary={boundary}"))
            }
        }
    }

    fn replayable(&self) -> bool {
        match &self.body {
            Body::Multipart { file: Some(f), .. } => f.is_replayable(),
            _ => true,
        }
    }

    pub(crate) fn push_path(&mut self, literal: &str) {
        self.path.push(PathPart::Literal(literal.to_owned()));
    }

    /// Adds the path parameter `name`; an empty value, `.` or `..` is refused (a server or
    /// proxy removes dot segments, so `flows/..` would reach another resource, and an empty id
    /// the list route).
    pub(crate) fn push_segment(&mut self, name: &str, value: &str) -> Result<(), Failure> {
        check_segment(name, value)?;
        self.path.push(PathPart::Segment(value.to_owned()));
        Ok(())
    }

    pub(crate) fn push_site(&mut self) -> Result<(), Failure> {
        if self.client.session().is_none() {
            return Err(CallError::NotSignedIn.into());
        }
        self.path.push(PathPart::Site);
        Ok(())
    }

    pub(crate) fn push_query(&mut self, wire: &'static str, value: String) {
        self.query.push((wire, value));
    }

    pub(crate) fn raw_xml_body(&mut self, xml: String) {
        self.body = Body::Xml(xml);
    }

    /// A body as the caller gave it, with its content type.
    pub(crate) fn raw_body(&mut self, content_type: String, bytes: Vec<u8>) {
        self.body = Body::Raw {
            content_type,
            bytes,
        };
    }

    /// Asks for answers in `format` rather than the client's wire format.
    pub(crate) fn accept(&mut self, format: WireFormat) {
        self.accept = Some(accept_header(format));
    }

    pub(crate) fn query<T: XmlValue>(&mut self, wire: &'static str, value: &T) {
        self.query.push((wire, value.to_xml_value().into_owned()));
    }

    pub(crate) fn query_list<T: XmlValue>(&mut self, wire: &'static str, values: &[T]) {
        let joined: Vec<String> = values
            .iter()
            .map(|v| v.to_xml_value().into_owned())
            .collect();
        self.query.push((wire, joined.join(",")));
    }

    pub(crate) fn check_range(
        &self,
        wire: &str,
        value: i64,
        lo: i64,
        hi: i64,
    ) -> Result<(), Failure> {
        if value < lo || value > hi {
            return Err(CallError::InvalidArgument(format!(
                "{wire} must be between {lo} and {hi}, not {value}"
            ))
            .into());
        }
        Ok(())
    }

    pub(crate) fn check_expression<X: crate::filter::Expression>(
        &self,
        wire: &str,
        expression: &X,
    ) -> Result<(), Failure> {
        let fields = self.meta.param(wire).map(|p| p.fields).unwrap_or(&[]);
        expression.check_against(fields).map_err(|e| {
            CallError::InvalidArgument(format!("{wire} of {}: {e}", self.meta.title)).into()
        })
    }

    pub(crate) fn gate(&self, feature: Feature) -> Result<(), Failure> {
        if feature.since > self.version {
            return Err(VersionError {
                feature: feature.name.into_owned(),
                required: feature.since,
                client: self.version,
            }
            .into());
        }
        Ok(())
    }

    pub(crate) fn gate_value<T: Versioned>(&self, value: &T) -> Result<(), Failure> {
        match value.required_version() {
            Some(f) => self.gate(f),
            None => Ok(()),
        }
    }

    /// The format the client speaks.
    fn wire(&self) -> WireFormat {
        self.client.inner.wire_format
    }

    pub(crate) fn empty_body(&mut self) {
        self.body = match self.wire() {
            WireFormat::Xml => Body::Xml("<tsRequest/>".to_owned()),
            WireFormat::Json => Body::Json("{}".to_owned()),
        };
    }

    /// The request document, in the client's wire format.
    pub(crate) fn xml_body<T: Document + ToJson>(&mut self, doc: &T) -> Result<(), Failure> {
        self.body = match self.wire() {
            WireFormat::Xml => Body::Xml(crate::xml::encode_document(doc, "tsRequest")?),
            WireFormat::Json => Body::Json(crate::json::encode_json(doc)),
        };
        Ok(())
    }

    pub(crate) fn multipart_body<T: Document + ToJson>(
        &mut self,
        doc: &T,
        file_part: &str,
        file: Option<FilePart>,
    ) -> Result<(), Failure> {
        let boundary = boundary();
        // The request_payload part in the client's wire format, its own Content-Type saying so.
        let (payload_type, payload) = match self.wire() {
            WireFormat::Xml => ("text/xml", crate::xml::encode_document(doc, "tsRequest")?),
            WireFormat::Json => ("application/json", crate::json::encode_json(doc)),
        };
        let mut head = format!(
            "--{boundary}\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: {payload_type}\r\n\r\n{payload}\r\n"
        );
        if let Some(f) = &file {
            if f.filename().contains(['"', '\r', '\n']) {
                return Err(CallError::InvalidArgument(format!(
                    "file name {:?} cannot be sent",
                    f.filename()
                ))
                .into());
            }
            head.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: name=\"{file_part}\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                f.filename()
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

    /// One attempt: a local failure (the body's file cannot be read) is the outer error; what
    /// the transport says is the inner result, classified by the caller. A call gets what is left
    /// of its deadline; a transfer gets the stall time for each read and write instead.
    #[allow(clippy::type_complexity)]
    fn attempt(
        &mut self,
        remaining: Option<Duration>,
    ) -> Result<Result<ureq::http::Response<ureq::Body>, ureq::Error>, Failure> {
        let url = format!("{}{}", self.client.inner.base, self.path_and_query());
        let content_type = self.content_type();
        let mut builder = ureq::http::Request::builder()
            .method(self.meta.method)
            .uri(&url)
            .header(
                "Accept",
                self.accept
                    .unwrap_or_else(|| accept_header(self.client.inner.wire_format)),
            );
        // A file is saved as it is (no content encoding to inflate without bound); any other
        // answer may come compressed, and is inflated within the client's limit.
        builder = builder.header(
            "Accept-Encoding",
            if self.download { "identity" } else { "gzip" },
        );
        if self.auth {
            let session = self.client.session().ok_or(CallError::NotSignedIn)?;
            builder = builder.header("X-Tableau-Auth", session.token.expose());
        }
        if let Some(ct) = &content_type {
            builder = builder.header("Content-Type", ct);
        }
        let stall = Some(self.client.inner.stall_timeout);
        let transfer = self.is_transfer();
        let agent = &self.client.inner.agent;
        let invalid = |e: ureq::http::Error| Failure(CallError::InvalidArgument(e.to_string()));
        let result = match &mut self.body {
            Body::None => run_limited(
                builder.body(()).map_err(invalid)?,
                agent,
                transfer,
                stall,
                remaining,
            ),
            Body::Xml(text) | Body::Json(text) => run_limited(
                builder.body(text.as_str()).map_err(invalid)?,
                agent,
                transfer,
                stall,
                remaining,
            ),
            Body::Raw { bytes, .. } => run_limited(
                builder.body(bytes.as_slice()).map_err(invalid)?,
                agent,
                transfer,
                stall,
                remaining,
            ),
            Body::Multipart {
                head, file, tail, ..
            } => {
                let len =
                    head.len() as u64 + file.as_ref().map_or(0, FilePart::len) + tail.len() as u64;
                builder = builder.header("Content-Length", len.to_string());
                let reader: Box<dyn Read + Send> = match file {
                    Some(f) => Box::new(
                        Cursor::new(head.clone())
                            .chain(f.open()?)
                            .chain(Cursor::new(tail.clone())),
                    ),
                    None => Box::new(Cursor::new(head.clone()).chain(Cursor::new(tail.clone()))),
                };
                self.sent.store(0, Ordering::Relaxed);
                let reader = Counted {
                    inner: reader,
                    count: self.sent.clone(),
                };
                let req = builder
                    .body(ureq::SendBody::from_owned_reader(reader))
                    .map_err(invalid)?;
                run_limited(req, agent, transfer, stall, remaining)
            }
        };
        Ok(result)
    }

    /// Whether the call moves a file (a download, or a request with a file part): it is bounded
    /// by the stall time instead of the overall deadline.
    fn is_transfer(&self) -> bool {
        self.download || matches!(self.body, Body::Multipart { file: Some(_), .. })
    }

    /// What is left of the call's deadline (`None`: no deadline, for a transfer), or the
    /// deadline's error when nothing is.
    fn remaining(&self, started: Instant) -> Result<Option<Duration>, Failure> {
        if self.is_transfer() {
            return Ok(None);
        }
        let limit = self.client.inner.timeout;
        match limit.checked_sub(started.elapsed()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(CallError::DeadlineExceeded { limit }.into()),
        }
    }

    /// The typed error of a transport failure: the deadline, a stalled transfer, another
    /// timeout, a too large answer, or the transport's own error.
    fn transport(&self, e: ureq::Error) -> Failure {
        let stalled = || {
            CallError::Stalled {
                limit: self.client.inner.stall_timeout,
                transferred: self.sent.load(Ordering::Relaxed),
            }
            .into()
        };
        match e {
            ureq::Error::Timeout(ureq::Timeout::Global) => CallError::DeadlineExceeded {
                limit: self.client.inner.timeout,
            }
            .into(),
            ureq::Error::Timeout(
                ureq::Timeout::PerRead
                | ureq::Timeout::PerWrite
                | ureq::Timeout::RecvResponse
                | ureq::Timeout::SendBody
                | ureq::Timeout::RecvBody,
            ) if self.is_transfer() => stalled(),
            ureq::Error::Io(io)
                if io.kind() == std::io::ErrorKind::TimedOut && self.is_transfer() =>
            {
                stalled()
            }
            other => transport(other),
        }
    }

    /// Sends the call, retrying transient failures and signing in again on an expired token as
    /// the client's policy allows; returns the answer once its status is settled, with its body
    /// read in memory (at most the client's limit) unless `stream`. An idempotent call whose
    /// answer breaks off mid-body is sent again, within the policy.
    fn send(mut self, stream: bool) -> Result<(u16, Answer), Failure> {
        let policy = self.client.inner.retry.clone();
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut signed_in_again = false;
        loop {
            attempt += 1;
            let sent = Instant::now();
            let remaining = self.remaining(started)?;
            let outcome = self.attempt(remaining)?;
            // Method, path and query (never a header: the token is in one), status, time.
            match &outcome {
                Ok(resp) => log::debug!(
                    "{} {} -> {} in {} ms",
                    self.meta.method,
                    self.path_and_query(),
                    resp.status().as_u16(),
                    sent.elapsed().as_millis()
                ),
                Err(e) => log::debug!(
                    "{} {} -> {e} after {} ms",
                    self.meta.method,
                    self.path_and_query(),
                    sent.elapsed().as_millis()
                ),
            }
            let next = match &outcome {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if status == 401 && self.auth && !signed_in_again && self.replayable() {
                        Next::SignInAgain
                    } else if retryable_status(status) && self.meta.idempotent {
                        let after = resp
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, SystemTime::now()));
                        Next::Retry(after)
                    } else {
                        Next::Stop
                    }
                }
                Err(e) if self.meta.idempotent && transient(e) => Next::Retry(None),
                Err(e) if never_connected(e) => Next::Retry(None),
                Err(_) => Next::Stop,
            };
            // Whether another attempt may start after `delay`.
            let may_retry = |this: &Self, delay: Duration| {
                let elapsed = started.elapsed() + delay;
                attempt < policy.max_attempts
                    && elapsed <= policy.max_elapsed
                    && (this.is_transfer() || elapsed < this.client.inner.timeout)
                    && this.replayable()
            };
            match next {
                Next::Stop => {
                    let resp = outcome.map_err(|e| self.transport(e))?;
                    let status = resp.status().as_u16();
                    let (parts, body) = resp.into_parts();
                    let ok = (200..300).contains(&status);
                    if stream && ok {
                        return Ok((status, Answer::Stream(parts, body)));
                    }
                    match self.read_body(&parts, body) {
                        Ok(bytes) => return Ok((status, Answer::Read(parts, bytes))),
                        Err(Broken::Failed(f)) => return Err(f),
                        Err(Broken::After { received, source }) => {
                            let delay = policy.delay(attempt, None);
                            log::debug!(
                                "{} {} -> the answer broke off after {received} bytes: {source}",
                                self.meta.method,
                                self.path_and_query()
                            );
                            if !self.meta.idempotent || !may_retry(&self, delay) {
                                return Err(CallError::Interrupted { received, source }.into());
                            }
                            std::thread::sleep(delay);
                        }
                    }
                }
                Next::SignInAgain => {
                    let resp = outcome.map_err(|e| self.transport(e))?;
                    let (parts, body) = resp.into_parts();
                    let body = match self.read_body(&parts, body) {
                        Ok(body) => body,
                        Err(Broken::Failed(f)) => return Err(f),
                        Err(Broken::After { received, source }) => {
                            return Err(CallError::Interrupted { received, source }.into());
                        }
                    };
                    let expired = matches!(
                        service_error_in(&body),
                        Ok(Some(d)) if d.code.trim() == "401002"
                    );
                    if !expired || !self.client.reauthenticate()? {
                        return Err(error_answer(401, &parts, &body));
                    }
                    signed_in_again = true;
                }
                Next::Retry(after) => {
                    let delay = policy.delay(attempt, after);
                    if !may_retry(&self, delay) {
                        let resp = outcome.map_err(|e| self.transport(e))?;
                        let status = resp.status().as_u16();
                        let (parts, body) = resp.into_parts();
                        return match self.read_body(&parts, body) {
                            Ok(bytes) => Ok((status, Answer::Read(parts, bytes))),
                            Err(Broken::Failed(f)) => Err(f),
                            Err(Broken::After { received, source }) => {
                                Err(CallError::Interrupted { received, source }.into())
                            }
                        };
                    }
                    drop(outcome);
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// Reads a body in memory, at most the client's limit, counting what arrived so that a
    /// connection breaking off mid-answer says after how many bytes.
    fn read_body(
        &self,
        parts: &ureq::http::response::Parts,
        body: ureq::Body,
    ) -> Result<Vec<u8>, Broken> {
        let limit = self.client.inner.max_response_bytes;
        let mut reader = decoded(parts, body, limit).map_err(Broken::Failed)?;
        let mut out = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(out),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if TooLarge::is(&e) => {
                    return Err(Broken::Failed(CallError::ResponseTooLarge { limit }.into()));
                }
                Err(e) => {
                    let e = ureq::Error::from(e);
                    return Err(match e {
                        ureq::Error::Io(source) if broken(&source) => Broken::After {
                            received: out.len() as u64,
                            source,
                        },
                        ureq::Error::Protocol(p) => Broken::After {
                            received: out.len() as u64,
                            source: std::io::Error::new(
                                std::io::ErrorKind::InvalidData,
                                p.to_string(),
                            ),
                        },
                        other => Broken::Failed(self.transport(other)),
                    });
                }
            }
        }
    }

    /// Sends the call and checks the status; a non-2xx answer becomes the service error it carries.
    pub(crate) fn execute(self) -> Result<Response, Failure> {
        let (status, answer) = self.send(false)?;
        let (parts, body) = match answer {
            Answer::Read(parts, body) => (parts, body),
            Answer::Stream(..) => unreachable!("send(false) reads the body"),
        };
        if !(200..300).contains(&status) {
            return Err(error_answer(status, &parts, &body));
        }
        Ok(Response { status, body })
    }

    /// Sends the call and returns the answer whatever its status: the status, the headers (names
    /// in lower case, values as text) and the body, read in memory within the client's limit.
    pub(crate) fn execute_any(self) -> Result<AnyAnswer, Failure> {
        let (status, answer) = self.send(false)?;
        let (parts, body) = match answer {
            Answer::Read(parts, body) => (parts, body),
            Answer::Stream(..) => unreachable!("send(false) reads the body"),
        };
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        Ok((status, headers, body))
    }

    /// Sends the call and returns the body as a stream (for downloads).
    pub(crate) fn execute_download(mut self) -> Result<Download, Failure> {
        self.download = true;
        let stall = self.client.inner.stall_timeout;
        let inflated_limit = self.client.inner.max_inflated_download_bytes;
        let limit = self.client.inner.max_response_bytes;
        let (status, answer) = self.send(true)?;
        let (parts, body) = match answer {
            Answer::Read(parts, body) => {
                if !(200..300).contains(&status) {
                    return Err(error_answer(status, &parts, &body));
                }
                (parts, Err(body))
            }
            Answer::Stream(parts, body) => (parts, Ok(body)),
        };
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        // Servers send a name that is not ASCII as raw UTF-8 (which `to_str` refuses) or as
        // RFC 6266's `filename*`.
        let disposition = parts
            .headers
            .get("content-disposition")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let encoded = header("content-encoding").is_some_and(|e| {
            let e = e.trim();
            !e.is_empty() && !e.eq_ignore_ascii_case("identity")
        });
        // Once inflated, the length on the wire says nothing of the file's.
        let content_length = header("content-length")
            .and_then(|v| v.parse().ok())
            .filter(|_| !encoded);
        let filename = disposition.as_deref().and_then(filename_from_disposition);
        let download = |reader: Box<dyn Read + Send>| Download {
            reader,
            status,
            filename: filename.clone(),
            content_type: content_type.clone(),
            content_length,
            stall,
        };
        let body = match body {
            Ok(body) => body,
            Err(bytes) => return Ok(download(Box::new(Cursor::new(bytes)))),
        };
        if content_type.as_deref().is_some_and(|c| c.contains("xml")) {
            // A download answered with XML may be an error document (deviation S6).
            let bytes = read_limited(&parts, body, limit)?;
            if let Ok(Some(detail)) = service_error_in(&bytes) {
                return Err(Failure::service(status, &detail));
            }
            return Ok(download(Box::new(Cursor::new(bytes))));
        }
        // The server encoded the file though asked not to: it is inflated, but never beyond
        // the client's bound (a small answer may inflate to gigabytes). A file sent as it is
        // has no bound (as `max_inflated_download_bytes` says): its size is the server's.
        let bound = if encoded { inflated_limit } else { u64::MAX };
        Ok(download(decoded(&parts, body, bound)?))
    }
}

/// Runs a request with its limits: the stall time on each read and write of a transfer, what is
/// left of the deadline for any other call.
fn run_limited<S: ureq::AsSendBody>(
    req: ureq::http::Request<S>,
    agent: &ureq::Agent,
    transfer: bool,
    stall: Option<Duration>,
    remaining: Option<Duration>,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    use ureq::RequestExt;
    let req = req.with_agent(agent).configure();
    if transfer {
        req.timeout_per_read(stall)
            .timeout_per_write(stall)
            .timeout_recv_response(stall)
            .run()
    } else {
        req.timeout_global(remaining).run()
    }
}

/// An answer of any status: the status, the headers (lower-case names, values as text) and the
/// body.
pub(crate) type AnyAnswer = (u16, Vec<(String, String)>, Vec<u8>);

/// An answer whose status is settled: its body read, or (a download's success) to stream.
enum Answer {
    Read(ureq::http::response::Parts, Vec<u8>),
    Stream(ureq::http::response::Parts, ureq::Body),
}

/// Why reading an answer's body failed.
enum Broken {
    /// The connection broke off after `received` bytes (worth another attempt when idempotent).
    After {
        received: u64,
        source: std::io::Error,
    },
    /// Anything else (a timeout, a too large answer).
    Failed(Failure),
}

/// Whether an I/O error while reading an answer means the connection broke (reset, closed
/// early), as opposed to a timeout.
pub(crate) fn broken(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | NotConnected
    )
}

/// A reader counting the bytes read from it (the bytes of a request body handed to the
/// transport), for saying how far a stalled upload got.
struct Counted<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Whether a transport error happened before any byte of the request could reach the server
/// (so even a non-idempotent call may be sent again).
pub(crate) fn never_connected(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => true,
        ureq::Error::Timeout(t) => matches!(t, ureq::Timeout::Connect | ureq::Timeout::Resolve),
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable
        ),
        _ => false,
    }
}

/// Whether the text of a [`CallError::Timeout`] names a timeout before any connection was made
/// (resolving the name or connecting), as [`transport`] writes it.
pub(crate) fn is_connect_timeout(what: &str) -> bool {
    what == ureq::Timeout::Connect.to_string() || what == ureq::Timeout::Resolve.to_string()
}

/// Whether a transport error is worth retrying for an idempotent call.
fn transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
    )
}

fn boundary() -> String {
    format!(
        "tableau-flows-{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

fn transport(e: ureq::Error) -> Failure {
    match e {
        ureq::Error::Timeout(t) => CallError::Timeout(t.to_string()).into(),
        ureq::Error::BodyExceedsLimit(limit) => CallError::ResponseTooLarge { limit }.into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            CallError::Timeout(io.to_string()).into()
        }
        other => CallError::Transport(Box::new(other)).into(),
    }
}

fn read_limited(
    parts: &ureq::http::response::Parts,
    body: ureq::Body,
    limit: u64,
) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    decoded(parts, body, limit)?
        .read_to_end(&mut out)
        .map_err(|e| match TooLarge::limit(&e) {
            Some(limit) => CallError::ResponseTooLarge { limit }.into(),
            None => transport(ureq::Error::from(e)),
        })?;
    Ok(out)
}

/// The error of a non-2xx answer: the service error its document carries; for a redirect without
/// one, where it points; else its status and the start of its body.
fn error_answer(status: u16, parts: &ureq::http::response::Parts, body: &[u8]) -> Failure {
    let location = parts
        .headers
        .get("location")
        .map(|v| String::from_utf8_lossy(v.as_bytes()));
    error_of(status, location.as_deref(), body)
}

/// The error of a non-2xx answer of this status, `Location` header and body (see
/// [`error_answer`]).
pub(crate) fn error_of(status: u16, location: Option<&str>, body: &[u8]) -> Failure {
    if let Ok(Some(detail)) = service_error_in(body) {
        return Failure::service(status, &detail);
    }
    if (300..400).contains(&status) {
        let location = location.map(|v| v.chars().take(200).collect());
        return CallError::Redirected { status, location }.into();
    }
    CallError::UnexpectedStatus {
        status,
        body: String::from_utf8_lossy(body).chars().take(200).collect(),
    }
    .into()
}
/// The `Accept` header asking for `format`.
fn accept_header(format: WireFormat) -> &'static str {
    match format {
        WireFormat::Xml => "application/xml",
        WireFormat::Json => "application/json",
    }
}

/// Whether an answer's body is JSON (its first character other than white space is `{`): a
/// server may answer XML although JSON was asked for, and the other way round.
fn is_json(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// The service error an answer's body reports, in JSON (`{"error": {..}}`) or XML (`<error>`).
pub(crate) fn service_error_in(
    body: &[u8],
) -> Result<Option<crate::ErrorDetail>, crate::DecodeError> {
    if is_json(body) {
        return Ok(crate::ErrorDocument::decode_json(body)
            .ok()
            .map(|document| document.error));
    }
    crate::xml::find_service_error(body)
}

/// A success answer, read in memory (at most the client's limit).
#[derive(Debug)]
pub(crate) struct Response {
    status: u16,
    body: Vec<u8>,
}

impl Response {
    /// Decodes the body as `T`, in the format it is written in (JSON, or XML); an error document
    /// in it is the service error it reports.
    pub(crate) fn xml<T: Document + FromJson>(self) -> Result<T, Failure> {
        let decoded = if is_json(&self.body) {
            crate::json::decode_document(&self.body, "tsResponse", Default::default())
        } else {
            crate::xml::decode_document(&self.body)
        };
        decoded.map_err(|e| Failure::decode(self.status, e))
    }

    /// Decodes the body as a page `T` of at most `page_size` items (see
    /// [`decode_page`](crate::xml::decode_page)).
    pub(crate) fn page<T: Document + FromJson>(self, page_size: u32) -> Result<T, Failure> {
        let decoded = if is_json(&self.body) {
            crate::json::decode_page(&self.body, page_size)
        } else {
            crate::xml::decode_page(&self.body, page_size)
        };
        decoded.map_err(|e| Failure::decode(self.status, e))
    }

    /// The body of an answer that is a JSON document the spec does not describe (the
    /// experimental Get Flow Document's): an error document in it is the service error it
    /// reports; anything but a JSON object is a decode error.
    pub(crate) fn json_document(self) -> Result<crate::JsonDocument, Failure> {
        if let Ok(Some(detail)) = service_error_in(&self.body) {
            return Err(Failure::service(self.status, &detail));
        }
        crate::JsonDocument::from_bytes(self.body).map_err(|e| Failure::decode(self.status, e))
    }

    /// Checks an answer documented without a body: an error document in it is still an error
    /// (S6). A body that is XML but malformed (a second root after the first, even one holding
    /// an `<error>`) is a decode error; one that is not XML or JSON at all is left alone.
    pub(crate) fn none(self) -> Result<(), Failure> {
        match service_error_in(&self.body) {
            Ok(Some(detail)) => Err(Failure::service(self.status, &detail)),
            Err(e @ crate::DecodeError::Syntax { .. }) => Err(Failure::decode(self.status, e)),
            _ => Ok(()),
        }
    }
}
