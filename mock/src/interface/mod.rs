//! The server interface of the spec, generated from it (`mock/build.rs`), and the small runtime it
//! runs on.
//!
//! For every endpoint the generated part has an input struct (`QueryFlowInput`: its path, query,
//! body and file parts, decoded and checked), an error enum of exactly the codes its table lists
//! and the deviations the spec records (`QueryFlowError`), and a method of its resource group's
//! trait (`FlowsService::query_flow`) that returns the endpoint's response model or a
//! [`Reject`] of that enum. [`handle`] routes a request by method and path (and the `also_path`
//! spellings), gates it by API version, authenticates it through [`Authority`], decodes and checks
//! it, calls the behaviour and encodes the answer: a behaviour cannot answer a code its endpoint
//! does not document, and a new endpoint in the spec fails the build of every [`Service`] until it
//! is implemented.
//!
//! ```compile_fail
//! // A server that implements only some groups' traits does not compile: `handle` needs a
//! // `Service`, which is every group's trait.
//! use tableau_flows_mock::interface::*;
//! struct Partial;
//! impl Authority for Partial {
//!     type Session = ();
//!     fn authenticate(&self, _: Option<&str>, _: Option<&tableau_flows::SiteId>) -> Result<(), AuthFailure> {
//!         Ok(())
//!     }
//! }
//! fn serve(server: &Partial, request: &Request<'_>) -> Answer {
//!     handle(server, tableau_flows::NEWEST_API_VERSION, request)
//! }
//! ```
//!
//! What a request reaching no endpoint gets is decided here, once: 404003 for a path no endpoint
//! has, 404001 for an endpoint newer than the API version in the path (or than the server's), and
//! 405 with an `Allow` header for a method the path's endpoints do not take. HEAD is routed
//! wherever GET is, and answered as GET (an HTTP server leaves the body out); `Allow` lists it
//! wherever it lists GET.
//!
//! [`route`] and [`authenticate`] are the first steps of [`handle`] on their own: from a request's
//! method, path and token alone, before its body is read, they find its endpoint (and so whether it
//! takes a body, and a file: [`Route::file_part`]) or the answer [`handle`] would give a request
//! that reaches none, or a caller the endpoint refuses.

mod multipart;
mod negotiate;
mod query;

pub(crate) use multipart::layout_file;
pub use multipart::{Part, multipart};
pub use negotiate::{Format, answer_format, body_format};
pub use query::Query;

use std::sync::Arc;
use tableau_flows::ApiVersion;
use tableau_flows::meta::EndpointMeta;

#[allow(missing_docs)] // the generated items are documented from the spec
mod generated {
    include!(concat!(env!("OUT_DIR"), "/server.rs"));
}

pub use generated::*;

/// A request as the server received it: what [`handle`] needs, independent of the HTTP library.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path, without the query (`/api/3.24/sites/...`), still percent-encoded.
    pub path: &'a str,
    /// The query string, without `?`.
    pub query: &'a str,
    /// The `X-Tableau-Auth` header.
    pub token: Option<&'a str>,
    /// The `Content-Type` header: the format of the body ([`body_format`]).
    pub content_type: Option<&'a str>,
    /// The `Accept` header: the format of the answer ([`answer_format`]).
    pub accept: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

/// What a behaviour knows when it runs: the API version the request names and the caller.
#[derive(Debug, Clone)]
pub struct Context<S> {
    /// The API version in the request's path (never newer than the server's).
    pub version: ApiVersion,
    /// The caller, as [`Authority::authenticate`] found it (`()` for endpoints without sign-in).
    pub session: S,
}

/// Why [`Authority::authenticate`] refuses a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// The token is missing, unknown or expired: 401002 (deviation S20).
    Token(String),
    /// The token is not for the site in the path: the endpoint's 404000 where its table lists it,
    /// 401002 otherwise.
    Site(String),
}

/// An error of an endpoint's table: its code, status and the endpoint's summary.
pub trait ServiceError: Copy + std::fmt::Debug {
    /// The numeric code, e.g. 404027.
    fn code(&self) -> u32;
    /// The HTTP status of the answer (the code's, or the one a deviation records).
    fn http_status(&self) -> u16;
    /// The endpoint's summary of the error.
    fn summary(&self) -> &'static str;
}

/// A behaviour's refusal: one of its endpoint's errors, with a detail for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject<E> {
    /// The error.
    pub error: E,
    /// What went wrong, for `<detail>`.
    pub detail: String,
}

impl<E> Reject<E> {
    /// A refusal with its detail.
    pub fn new(error: E, detail: impl Into<String>) -> Self {
        Reject {
            error,
            detail: detail.into(),
        }
    }
}

/// A refusal of the generated checks, as an answer.
pub(crate) fn reject<E: ServiceError>(error: E, detail: impl Into<String>) -> Answer {
    Answer::reject(&Reject::new(error, detail))
}

/// A file a behaviour answers with (Download Flow).
#[derive(Debug, Clone)]
pub struct FileAnswer {
    /// The file name for `Content-Disposition`.
    pub filename: String,
    /// The `name` parameter of `Content-Disposition` (`tableau_flow`).
    pub name: &'static str,
    /// The bytes.
    pub bytes: Arc<Vec<u8>>,
}

/// The file part of a `multipart/mixed` request.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    /// The part's `filename`, if it has one.
    pub filename: Option<String>,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// An answer, independent of the HTTP library.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Headers besides `Content-Type` and `Content-Length`.
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: AnswerBody,
}

/// The body of an [`Answer`].
#[derive(Debug, Clone)]
pub enum AnswerBody {
    /// No body.
    Empty,
    /// An XML document (`application/xml`).
    Xml(String),
    /// A JSON document (`application/json`), by the spec's JSON rule.
    Json(String),
    /// A file, with its `Content-Type`.
    File(Arc<Vec<u8>>, &'static str),
}

impl Answer {
    /// A success without a body.
    pub fn empty(status: u16) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: AnswerBody::Empty,
        }
    }

    /// An XML document.
    pub fn xml(status: u16, xml: String) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: AnswerBody::Xml(xml),
        }
    }

    /// A JSON document.
    pub fn json(status: u16, json: String) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: AnswerBody::Json(json),
        }
    }

    /// The answer in `format`: an error document written in XML (every refusal is made as XML)
    /// is written again in JSON when the request prefers JSON; anything else is as it is.
    pub fn in_format(self, format: Format) -> Answer {
        let AnswerBody::Xml(xml) = &self.body else {
            return self;
        };
        if format != Format::Json {
            return self;
        }
        match tableau_flows::ErrorDocument::decode(xml.as_bytes()) {
            Ok(document) => Answer {
                body: AnswerBody::Json(document.encode_json()),
                ..self
            },
            Err(_) => self,
        }
    }

    /// An encoded document, or 500 when it holds a value XML 1.0 cannot hold (the simulator's
    /// strict request decoding keeps such values out, so this is a fault of the simulator).
    pub fn document(status: u16, xml: Result<String, tableau_flows::EncodeError>) -> Answer {
        match xml {
            Ok(xml) => Answer::xml(status, xml),
            Err(e) => Answer::error(
                500,
                500000,
                "Internal Server Error",
                &format!("cannot encode the answer: {e}"),
            ),
        }
    }

    /// A file, named in `Content-Disposition`, with the `Content-Type` the spec gives its file
    /// type: `types` pairs extensions with media types, and a name with none of them is sent
    /// as the first.
    pub fn file(file: FileAnswer, types: &[(&str, &'static str)]) -> Answer {
        let extension = file.filename.rsplit_once('.').map(|(_, e)| e);
        let content_type = types
            .iter()
            .find(|(ext, _)| extension.is_some_and(|e| e.eq_ignore_ascii_case(ext)))
            .or(types.first())
            .map_or("application/octet-stream", |(_, media)| *media);
        let name: String = file
            .filename
            .chars()
            .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
            .collect();
        // A name that is not ASCII goes in RFC 6266's `filename*` (UTF-8, percent-encoded),
        // with an ASCII stand-in in `filename` for clients that read only that.
        // Real servers write `name="tableau_flow"; filename="..."` (deviation S23).
        let part = file.name;
        let disposition = if name.is_ascii() {
            format!("name=\"{part}\"; filename=\"{name}\"")
        } else {
            let ascii: String = name
                .chars()
                .map(|c| if c.is_ascii() { c } else { '_' })
                .collect();
            let encoded =
                percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC);
            format!("name=\"{part}\"; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
        };
        Answer {
            status: 200,
            headers: vec![("Content-Disposition", disposition)],
            body: AnswerBody::File(file.bytes, content_type),
        }
    }

    /// An error document, `<tsResponse><error code=..><summary/><detail/></error></tsResponse>`
    /// (deviation S10), with the status of the error.
    /// Characters XML 1.0 cannot hold (from a request echoed in `detail`) become U+FFFD.
    pub fn error(status: u16, code: u32, summary: &str, detail: &str) -> Answer {
        let clean = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if tableau_flows::is_xml_char(c) {
                        c
                    } else {
                        char::REPLACEMENT_CHARACTER
                    }
                })
                .collect()
        };
        let document = tableau_flows::ErrorDocument::new(model!(
            tableau_flows::ErrorDetail::new(code.to_string()),
            summary = Some(clean(summary)),
            detail = Some(clean(detail)),
        ));
        match document.encode_response() {
            Ok(xml) => Answer::xml(status, xml),
            // Unreachable: every character was checked above.
            Err(_) => Answer::empty(status),
        }
    }

    /// The answer of a behaviour's refusal.
    pub fn reject<E: ServiceError>(reject: &Reject<E>) -> Answer {
        let e = reject.error;
        Answer::error(e.http_status(), e.code(), e.summary(), &reject.detail)
    }

    /// The header's value, if the answer has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `/api/{version}/rest` → the version and `rest` (without a trailing slash).
pub(crate) fn split_api_path(path: &str) -> Option<(ApiVersion, &str)> {
    let rest = path.strip_prefix("/api/")?;
    let (version, rest) = rest.split_once('/')?;
    let version = version.parse().ok()?;
    Some((version, rest.strip_suffix('/').unwrap_or(rest)))
}

/// The rest of a path under `/api/exp/` (experimental endpoints, which name no API version).
pub(crate) fn split_experimental_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/api/exp/")?;
    Some(rest.strip_suffix('/').unwrap_or(rest))
}

/// A percent-decoded path segment.
pub(crate) fn path_segment(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// A request whose `Accept` takes neither XML nor JSON: 406 (written in XML, which RFC 9110
/// allows when nothing acceptable can be sent).
pub(crate) fn not_acceptable(accept: &str) -> Answer {
    let code = tableau_flows::ErrorCode::NotAcceptable;
    Answer::error(
        406,
        code.code(),
        code.summary(),
        &format!("Accept: {accept}: this server answers application/xml or application/json"),
    )
}

/// A body of a media type the server cannot read: 415.
pub(crate) fn unsupported_media_type(media: &str) -> Answer {
    let code = tableau_flows::ErrorCode::UnsupportedMediaType;
    Answer::error(
        415,
        code.code(),
        code.summary(),
        &format!("Content-Type: {media}: this server reads application/xml or application/json"),
    )
}

/// A path no endpoint has.
pub(crate) fn not_found(path: &str) -> Answer {
    let code = tableau_flows::ErrorCode::ResourceNotFound;
    Answer::error(
        404,
        code.code(),
        code.summary(),
        &format!("no endpoint at {path}"),
    )
}

/// A request naming an API version newer than the server's.
pub(crate) fn too_new(requested: ApiVersion, server: ApiVersion) -> Answer {
    let code = tableau_flows::ErrorCode::EndpointUnavailable;
    Answer::error(
        404,
        code.code(),
        code.summary(),
        &format!("this server speaks API {server}, not {requested}"),
    )
}

/// An endpoint newer than the API version the request names.
pub(crate) fn unavailable(meta: &EndpointMeta, requested: ApiVersion) -> Answer {
    let code = tableau_flows::ErrorCode::EndpointUnavailable;
    Answer::error(
        404,
        code.code(),
        code.summary(),
        &format!(
            "{} appeared in API {}; the request names {requested}",
            meta.title, meta.since
        ),
    )
}

/// A method the path's endpoints do not take: 405 with `Allow`.
pub(crate) fn method_not_allowed(method: &str, allow: &[&'static str]) -> Answer {
    let code = tableau_flows::ErrorCode::InvalidRequestMethod;
    let mut answer = Answer::error(
        405,
        code.code(),
        code.summary(),
        &format!(
            "{method} is not allowed here; allowed: {}",
            allow.join(", ")
        ),
    );
    answer.headers.push(("Allow", allow.join(", ")));
    answer
}

/// Why a query parameter's value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Invalid {
    /// Not a value of the parameter's type.
    Unknown,
    /// An integer below its range.
    Below(i64),
    /// An integer above its range.
    Above(i64),
    /// A filter or sort expression the endpoint does not take.
    Expression(String),
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Invalid::Unknown => f.write_str("not a value this parameter takes"),
            Invalid::Below(lo) => write!(f, "below the smallest allowed, {lo}"),
            Invalid::Above(hi) => write!(f, "above the largest allowed, {hi}"),
            Invalid::Expression(e) => f.write_str(e),
        }
    }
}

/// The detail of a refused query parameter.
pub(crate) fn invalid(wire: &str, raw: &str, why: &Invalid) -> String {
    format!("{wire}={raw:?}: {why}")
}

/// `true` or `false` (any case).
pub(crate) fn boolean(raw: &str) -> Result<bool, Invalid> {
    if raw.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if raw.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(Invalid::Unknown)
    }
}

/// An integer within `range` (inclusive) that fits `T`.
pub(crate) fn integer<T: TryFrom<i64>>(raw: &str, range: Option<(i64, i64)>) -> Result<T, Invalid> {
    let n: i64 = raw.trim().parse().map_err(|_| Invalid::Unknown)?;
    if let Some((lo, hi)) = range {
        if n < lo {
            return Err(Invalid::Below(lo));
        }
        if n > hi {
            return Err(Invalid::Above(hi));
        }
    }
    T::try_from(n).map_err(|_| Invalid::Unknown)
}

/// A filter or sort expression, checked against the fields the endpoint's parameter offers.
pub(crate) fn expression<X>(raw: &str, meta: &EndpointMeta, wire: &str) -> Result<X, Invalid>
where
    X: std::str::FromStr<Err = tableau_flows::filter::ExpressionError>
        + tableau_flows::filter::Expression,
{
    let fields = meta.param(wire).map(|p| p.fields).unwrap_or(&[]);
    raw.parse::<X>()
        .and_then(|x| x.check_against(fields).map(|()| x))
        .map_err(|e| Invalid::Expression(e.to_string()))
}

/// A comma-joined list; items that do not parse are left out.
pub(crate) fn list<T>(raw: Option<&str>, parse: impl Fn(&str) -> Result<T, Invalid>) -> Vec<T> {
    raw.map(|all| {
        all.split(',')
            .filter(|s| !s.is_empty())
            .filter_map(|s| parse(s).ok())
            .collect()
    })
    .unwrap_or_default()
}
