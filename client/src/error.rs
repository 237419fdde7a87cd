//! Errors.
//!
//! A call's `send()` fails with a [`CallError<E>`], `E` being the endpoint's own error enum
//! (`QueryFlowError`, ...: exactly the codes of its error table, plus a fallback for codes it does
//! not list), so a match on the service's answer is checked by the compiler. Every `CallError<E>`,
//! and every workflow of the crate (publishing, running and waiting, downloading, finding things
//! by name), converts into the one crate-wide [`Error`] with `?`; the endpoint's enum stays
//! reachable from it with [`Error::kind`].
//!
//! Both separate what went wrong: the service answered with an error (`Service`), the transport
//! failed or timed out (`Transport`, `Timeout`; `DeadlineExceeded` when the call's overall deadline
//! passed, `Stalled` when a transfer moved no byte for the stall time, `Interrupted` when the
//! connection broke off mid-answer, saying after how many bytes), the answer could not be decoded
//! or was too large, or the call was refused before sending (an endpoint, parameter or value newer
//! than the API version, a bad argument such as an empty or dot-segment path parameter, a value XML
//! 1.0 cannot hold (`Encode`), no session).
//!
//! ```no_run
//! use tableau_flows::{Client, Error};
//! use tableau_flows::flows::QueryFlowError;
//!
//! fn flow_name(client: &Client, id: &str) -> Result<Option<String>, Error> {
//!     match client.query_flow(id).send() {
//!         Ok(answer) => Ok(answer.flow.name),
//!         Err(e) if e.kind() == Some(QueryFlowError::FlowNotFound) => Ok(None),
//!         Err(e) => Err(e.into()),
//!     }
//! }
//! ```

use crate::version::VersionError;
use crate::{ErrorCode, ErrorDetail, FlowRun, FlowRunId, RunStatus};
use std::fmt;
use std::time::Duration;

/// An endpoint's error enum (generated: exactly the codes of its error table, plus `Unhandled`).
pub trait EndpointError: Copy + fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// The endpoint's title as Tableau's reference names it ("Query Flow").
    const ENDPOINT: &'static str;
    /// The variant for a code (`Unhandled` when the table does not list it).
    fn from_code(code: ErrorCode) -> Self;
    /// The code of the variant.
    fn code(&self) -> ErrorCode;
}

impl EndpointError for ErrorCode {
    const ENDPOINT: &'static str = "";
    fn from_code(code: ErrorCode) -> Self {
        code
    }
    fn code(&self) -> ErrorCode {
        *self
    }
}

/// An error answer of the service: a non-2xx status, or a 2xx whose body holds `<error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError<E> {
    /// The endpoint's title ("Query Flow"); empty where the call is not one of the spec's.
    pub endpoint: &'static str,
    /// The HTTP status of the answer (a 2xx for an error body in a success answer, deviation S6).
    pub status: u16,
    /// The code, from the registry.
    pub code: ErrorCode,
    /// The server's summary.
    pub summary: String,
    /// The server's detail.
    pub detail: String,
    /// The endpoint's own meaning of the code.
    pub kind: E,
}

impl<E> ApiError<E> {
    /// The numeric code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The server's message: summary and detail.
    pub fn message(&self) -> String {
        if self.detail.is_empty() {
            self.summary.clone()
        } else {
            format!("{}: {}", self.summary, self.detail)
        }
    }
}

impl<E> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.endpoint.is_empty() {
            write!(f, "{}: ", self.endpoint)?;
        }
        write!(
            f,
            "HTTP {}, error {}: {}",
            self.status,
            self.code.code(),
            self.message()
        )
    }
}

impl<E: fmt::Debug> std::error::Error for ApiError<E> {}

/// Why a response could not be decoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The XML is malformed.
    #[error("malformed XML near byte {position}: {message}")]
    Syntax {
        /// Byte offset in the document.
        position: u64,
        /// What the parser found.
        message: String,
    },
    /// The document stops inside an element (a truncated answer).
    #[error("the document ends inside <{element}> (truncated?)")]
    UnexpectedEof {
        /// The element left open.
        element: String,
    },
    /// The root element is not `<tsResponse>`/`<tsRequest>`.
    #[error("expected a <tsResponse> document, found <{found}>")]
    UnexpectedRoot {
        /// The root found.
        found: String,
    },
    /// The body is empty where a document was expected.
    #[error("the body is empty; a <tsResponse> document was expected")]
    Empty,
    /// The body is not XML (e.g. an HTML error page).
    #[error("the body is not an XML document")]
    NotXml,
    /// The JSON is malformed (a JSON document's counterpart of [`DecodeError::Syntax`]).
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    Json {
        /// The line (from 1).
        line: usize,
        /// The column (from 1).
        column: usize,
        /// What the parser found.
        message: String,
    },
    /// The document nests deeper than the decoder accepts.
    #[error("the document nests deeper than {limit} elements")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The document's lists would decode into more memory than its size allows
    /// ([`MAX_DECODE_EXPANSION`](crate::MAX_DECODE_EXPANSION) bytes of items per byte, at least
    /// [`MIN_DECODE_ITEM_BUDGET`](crate::MIN_DECODE_ITEM_BUDGET)): a hostile answer of many tiny elements.
    #[error(
        "the answer's <{element}> items would take more than {limit} bytes decoded: refused as hostile"
    )]
    TooManyItems {
        /// The item element that went over.
        element: String,
        /// The budget, in bytes.
        limit: u64,
    },
    /// A page of a list holds more items than the page size asked for (decoding stops at the
    /// first item too many).
    #[error("the page holds more items than the {page_size} asked for")]
    PageTooLong {
        /// The page size asked for (the server's default when none was).
        page_size: u32,
    },
    /// A value does not parse as its type.
    #[error("{0}")]
    InvalidValue(Box<InvalidValue>),
    /// A required attribute or element is missing.
    #[error("<{}> has no {}", .0.element, .0.what)]
    Missing(Box<Missing>),
    /// The document is an error answer (`<error code=..>`).
    #[error("the document reports error {}: {}", .0.code, .0.summary.as_deref().unwrap_or(""))]
    Service(Box<ErrorDetail>),
}

/// A value that does not parse as its type (boxed in [`DecodeError`] to keep it small).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value {value:?} in <{element}>{}: expected {expected}", attribute.as_ref().map(|a| format!(" attribute {a}")).unwrap_or_default())]
pub struct InvalidValue {
    /// The element.
    pub element: String,
    /// The attribute (`None` for the element's text).
    pub attribute: Option<String>,
    /// The value (at most 100 characters of it).
    pub value: String,
    /// What was expected.
    pub expected: String,
}

/// A required attribute or element that is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The element.
    pub element: String,
    /// What is missing.
    pub what: String,
}

/// A request value that XML 1.0 cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The value holds a character outside XML 1.0's `Char` production (a control character
    /// other than tab, newline and carriage return, or U+FFFE, U+FFFF): no parser would read it.
    #[error("{field} holds the character U+{:04X}, which XML 1.0 cannot hold", u32::from(*character))]
    NotXmlChar {
        /// The element and attribute (`flow/@name`) or element (`description`) holding it.
        field: String,
        /// The character.
        character: char,
    },
}

impl EncodeError {
    /// The field that holds the offending value.
    pub fn field(&self) -> &str {
        match self {
            EncodeError::NotXmlChar { field, .. } => field,
        }
    }
}

/// A duration as people write it: `90 s`, `250 ms`.
fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 && d.as_secs() > 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}

impl DecodeError {
    /// A required `what` is missing from the element `start` opened.
    pub(crate) fn missing(start: &crate::xml::BytesStart<'_>, what: &str) -> DecodeError {
        DecodeError::missing_in(start.local_name().as_ref(), what)
    }

    /// A required `what` missing from `element`.
    pub(crate) fn missing_in(element: &str, what: &str) -> DecodeError {
        DecodeError::Missing(Box::new(Missing {
            element: element.to_owned(),
            what: what.to_owned(),
        }))
    }

    pub(crate) fn invalid(
        element: String,
        attribute: Option<String>,
        value: &str,
        expected: String,
    ) -> DecodeError {
        DecodeError::InvalidValue(Box::new(InvalidValue {
            element,
            attribute,
            value: value.chars().take(100).collect(),
            expected,
        }))
    }
}

/// Everything that can go wrong with one call, `E` being the endpoint's error enum. Converts into
/// the crate-wide [`Error`] with `?`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError<E = ErrorCode> {
    /// The service answered with an error.
    #[error("{0}")]
    Service(ApiError<E>),
    /// A non-2xx answer without an error document (e.g. an HTML page from a proxy).
    #[error("HTTP {status} without an error document{}", shown_body(body))]
    UnexpectedStatus {
        /// The status.
        status: u16,
        /// The start of the body (at most 200 characters).
        body: String,
    },
    /// A redirect (3xx): the client follows none, so that no token or password is sent to
    /// another place than the one given.
    #[error("HTTP {status}: the server redirects {} (the client follows no redirect: give the server's final URL)", shown_location(location.as_deref()))]
    Redirected {
        /// The status.
        status: u16,
        /// The `Location` header, when the answer has one.
        location: Option<String>,
    },
    /// The connection failed (refused, reset, DNS, TLS...).
    #[error("transport error: {0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A timeout expired.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The call did not finish within the client's overall deadline
    /// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)), retries included.
    #[error("the call did not finish within its deadline of {}", fmt_duration(*limit))]
    DeadlineExceeded {
        /// The deadline.
        limit: Duration,
    },
    /// A transfer (an upload or a download) moved no byte for the client's stall time
    /// ([`ClientBuilder::stall_timeout`](crate::ClientBuilder::stall_timeout)).
    #[error("the transfer stalled: no byte moved for {} (after {transferred} bytes)", fmt_duration(*limit))]
    Stalled {
        /// The stall time.
        limit: Duration,
        /// The bytes moved before it stalled.
        transferred: u64,
    },
    /// The connection broke in the middle of the answer (after the last try, for a call that is
    /// retried).
    #[error("the connection broke after {received} bytes of the answer: {source}")]
    Interrupted {
        /// The bytes of the body received before it broke.
        received: u64,
        /// What broke it (a reset, an early end).
        #[source]
        source: std::io::Error,
    },
    /// A value of the request cannot be written as XML 1.0 (nothing was sent).
    #[error("cannot encode the request: {0}")]
    Encode(#[from] EncodeError),
    /// The answer could not be decoded.
    #[error("cannot decode the answer: {0}")]
    Decode(#[from] DecodeError),
    /// The answer is larger than the client's limit.
    #[error("the answer is larger than the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The limit.
        limit: u64,
    },
    /// The call needs a newer API version (nothing was sent).
    #[error(transparent)]
    Unsupported(#[from] VersionError),
    /// An argument is invalid (nothing was sent).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The endpoint needs a session; sign in first (nothing was sent).
    #[error("not signed in: this call needs a session")]
    NotSignedIn,
    /// Reading a file to send or writing a download failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl<E: EndpointError> CallError<E> {
    /// The endpoint's error kind, for a service error.
    pub fn kind(&self) -> Option<E> {
        match self {
            CallError::Service(a) => Some(a.kind),
            _ => None,
        }
    }

    /// The registry code, for a service error.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            CallError::Service(a) => Some(a.code),
            _ => None,
        }
    }

    /// The server's message (summary and detail), for a service error.
    pub fn message(&self) -> Option<String> {
        match self {
            CallError::Service(a) => Some(a.message()),
            _ => None,
        }
    }

    /// The same error with the endpoint-independent [`ErrorCode`] as its kind.
    pub(crate) fn into_generic(self) -> CallError<ErrorCode> {
        self.map_kind(|kind| kind.code())
    }
}

impl<E> CallError<E> {
    /// The same error with its service error's kind mapped by `f`.
    fn map_kind<F>(self, f: impl FnOnce(E) -> F) -> CallError<F> {
        match self {
            CallError::Service(a) => CallError::Service(ApiError {
                endpoint: a.endpoint,
                status: a.status,
                code: a.code,
                summary: a.summary,
                detail: a.detail,
                kind: f(a.kind),
            }),
            CallError::UnexpectedStatus { status, body } => {
                CallError::UnexpectedStatus { status, body }
            }
            CallError::Redirected { status, location } => {
                CallError::Redirected { status, location }
            }
            CallError::Transport(e) => CallError::Transport(e),
            CallError::Timeout(t) => CallError::Timeout(t),
            CallError::DeadlineExceeded { limit } => CallError::DeadlineExceeded { limit },
            CallError::Stalled { limit, transferred } => CallError::Stalled { limit, transferred },
            CallError::Interrupted { received, source } => {
                CallError::Interrupted { received, source }
            }
            CallError::Encode(e) => CallError::Encode(e),
            CallError::Decode(d) => CallError::Decode(d),
            CallError::ResponseTooLarge { limit } => CallError::ResponseTooLarge { limit },
            CallError::Unsupported(v) => CallError::Unsupported(v),
            CallError::InvalidArgument(s) => CallError::InvalidArgument(s),
            CallError::NotSignedIn => CallError::NotSignedIn,
            CallError::Io(e) => CallError::Io(e),
        }
    }
}

/// A thing found by name, listed in [`Error::Ambiguous`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Its id.
    pub id: String,
    /// What tells it apart (a project's path, a user's display name...).
    pub description: String,
}

/// The one error type of the crate: every call's [`CallError`] and every workflow's failure
/// converts into it with `?`. `Send + Sync + 'static`, so it also boxes into
/// `Box<dyn std::error::Error + Send + Sync>` and `anyhow::Error`. Its `Debug` is its message
/// (and its causes), so that `fn main() -> Result<(), tableau_flows::Error>` ends with a sentence.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error; [`Error::kind`] gives the endpoint's own meaning.
    #[error("{0}")]
    Service(ApiError<ErrorCode>),
    /// A non-2xx answer without an error document (e.g. an HTML page from a proxy).
    #[error("HTTP {status} without an error document{}", shown_body(body))]
    UnexpectedStatus {
        /// The status.
        status: u16,
        /// The start of the body (at most 200 characters).
        body: String,
    },
    /// A redirect (3xx): the client follows none, so that no token or password is sent to
    /// another place than the one given.
    #[error("HTTP {status}: the server redirects {} (the client follows no redirect: give the server's final URL)", shown_location(location.as_deref()))]
    Redirected {
        /// The status.
        status: u16,
        /// The `Location` header, when the answer has one.
        location: Option<String>,
    },
    /// The connection failed (refused, reset, DNS, TLS...).
    #[error("transport error: {0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A timeout expired.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The call did not finish within the client's overall deadline
    /// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)), retries included.
    #[error("the call did not finish within its deadline of {}", fmt_duration(*limit))]
    DeadlineExceeded {
        /// The deadline.
        limit: Duration,
    },
    /// A transfer (an upload or a download) moved no byte for the client's stall time
    /// ([`ClientBuilder::stall_timeout`](crate::ClientBuilder::stall_timeout)).
    #[error("the transfer stalled: no byte moved for {} (after {transferred} bytes)", fmt_duration(*limit))]
    Stalled {
        /// The stall time.
        limit: Duration,
        /// The bytes moved before it stalled.
        transferred: u64,
    },
    /// The connection broke in the middle of the answer (after the last try, for a call that is
    /// retried).
    #[error("the connection broke after {received} bytes of the answer: {source}")]
    Interrupted {
        /// The bytes of the body received before it broke.
        received: u64,
        /// What broke it (a reset, an early end).
        #[source]
        source: std::io::Error,
    },
    /// A value of the request cannot be written as XML 1.0 (nothing was sent).
    #[error("cannot encode the request: {0}")]
    Encode(#[from] EncodeError),
    /// The answer could not be decoded.
    #[error("cannot decode the answer: {0}")]
    Decode(#[from] DecodeError),
    /// The answer is larger than the client's limit.
    #[error("the answer is larger than the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The limit.
        limit: u64,
    },
    /// The call needs a newer API version (nothing was sent).
    #[error(transparent)]
    Unsupported(#[from] VersionError),
    /// An argument is invalid (nothing was sent).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The endpoint needs a session; sign in first (nothing was sent).
    #[error("not signed in: this call needs a session")]
    NotSignedIn,
    /// Reading a file to send or writing a download failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Nothing has this name (or id). Its message ends with `did you mean "..."?` when there
    /// are suggestions.
    #[error("no {what} named {name:?}{}", did_you_mean(suggestions))]
    NotFound {
        /// What was looked for: "flow", "project", "user", "group", "schedule", "parameter".
        what: &'static str,
        /// The name (or path) given.
        name: String,
        /// The closest names of the same kind (for a path given, the closest paths), the
        /// fewest edits first, at most three: within an edit distance (optimal string
        /// alignment) of 40% of the longer name's length, compared ignoring case. Searched:
        /// for [`find_flow`](crate::Client::find_flow), the site's flows (listed once more,
        /// only when nothing matched); for [`find_flow_in`](crate::Client::find_flow_in), the
        /// project's flows, then flows of that very name in other projects (by path); for
        /// [`find_project`](crate::Client::find_project), every project; for
        /// [`find_schedule`](crate::Client::find_schedule), every server schedule; for
        /// [`Flow::find_parameter`](crate::Flow::find_parameter), the flow's parameters; for
        /// [`raw`](crate::Client::raw), the spec's endpoint ids. `find_user` and `find_group`
        /// suggest nothing: the server filters them by name, and listing every user of a site
        /// to suggest one would cost more than the lookup. Also [`Error::suggestions`].
        suggestions: Vec<String>,
    },
    /// Several things have this name: each candidate is listed with its id and what tells it
    /// apart (for flows and projects, their paths, `Dev/Sales Cleanup`), and the message says
    /// how to name one (its path, or its id).
    #[error("{} {what}s are named {name:?}: {}; {}", candidates.len(), candidates.iter().map(|c| format!("{} ({})", c.id, c.description)).collect::<Vec<_>>().join(", "), pick_one(what))]
    Ambiguous {
        /// What was looked for.
        what: &'static str,
        /// The name given.
        name: String,
        /// Everything with that name.
        candidates: Vec<Candidate>,
    },
    /// A flow run ended with status Failed; `reason` is the server's, where it gives one.
    #[error("flow run {} failed{}", run.id, reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    RunFailed {
        /// The run as it ended.
        run: Box<FlowRun>,
        /// Why, from the run or its job (see [`Client::flow_run_failure_reason`](crate::Client::flow_run_failure_reason)).
        reason: Option<String>,
    },
    /// A flow run was cancelled.
    #[error("flow run {} was cancelled", .0.id)]
    RunCancelled(Box<FlowRun>),
    /// A download would replace this file, and replacing was not allowed
    /// ([`DownloadOptions::overwrite`](crate::DownloadOptions::overwrite)); nothing was written.
    #[error("{} exists", .0.display())]
    FileExists(std::path::PathBuf),
    /// A [`CancelToken`](crate::CancelToken) stopped a workflow (a wait, a publish, a download)
    /// before it finished; what it had started is cleaned up.
    #[error("the {0} was cancelled")]
    Cancelled(&'static str),
    /// [`Client::copy_flow_permissions`](crate::Client::copy_flow_permissions) stopped at a call
    /// that failed after earlier calls had changed the target flow's permissions: `done` says
    /// what they changed (nothing is undone), `source` why it stopped. [`Error::code`] and
    /// [`Error::kind`] give the failed call's.
    #[error("copying the permissions of flow {} to flow {} stopped: {source}; before that it {done}", done.from, done.to)]
    PermissionsCopyIncomplete {
        /// What the copy did before the failed call.
        done: Box<crate::PermissionsCopied>,
        /// The failed call's error.
        #[source]
        source: Box<Error>,
    },
    /// A flow run had not finished when the wait's timeout expired.
    #[error("flow run {run_id} had not finished after {} s (last status: {})", waited.as_secs(), last.as_ref().map_or("unknown".to_owned(), |s| s.as_str().to_owned()))]
    WaitTimedOut {
        /// The run.
        run_id: FlowRunId,
        /// How long it was waited for.
        waited: Duration,
        /// Its last status.
        last: Option<RunStatus>,
    },
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let more = cause.to_string();
            // Most messages already quote their cause.
            if !text.contains(&more) {
                text.push_str(": ");
                text.push_str(&more);
            }
            source = cause.source();
        }
        f.write_str(&text)
    }
}

/// `; did you mean "a", "b" or "c"?`, or nothing without suggestions.
fn did_you_mean(suggestions: &[String]) -> String {
    let quoted: Vec<String> = suggestions.iter().map(|s| format!("{s:?}")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [rest @ .., last] => format!("; did you mean {} or {last}?", rest.join(", ")),
    }
}

/// How to name one of several things of the same name.
fn pick_one(what: &str) -> &'static str {
    match what {
        "flow" => "name one by its path (Project/Flow) or its id",
        "project" => "name one by its path (Parent/Name) or its id",
        _ => "name one by its id",
    }
}

/// `: body` after "without an error document", or nothing for an empty body.
fn shown_body(body: &str) -> String {
    if body.trim().is_empty() {
        String::new()
    } else {
        format!(": {body}")
    }
}

/// Where a redirect points, for its message.
fn shown_location(location: Option<&str>) -> String {
    match location {
        Some(l) => format!("to {l}"),
        None => "without saying where (no Location header)".to_owned(),
    }
}

impl Error {
    /// The endpoint's own error for a service error: `Some(QueryFlowError::FlowNotFound)` for a
    /// 404027 of any call, `E` being the enum of the endpoint that answered.
    pub fn kind<E: EndpointError>(&self) -> Option<E> {
        self.code().map(E::from_code)
    }

    /// The registry code, for a service error.
    pub fn code(&self) -> Option<ErrorCode> {
        self.service().map(|a| a.code)
    }

    /// The closest names to the one given, closest first, for an [`Error::NotFound`] (empty
    /// for any other error, or when nothing was close).
    ///
    /// ```
    /// let e = tableau_flows::Error::NotFound {
    ///     what: "flow",
    ///     name: "Sales Cleanpu".into(),
    ///     suggestions: vec!["Sales Cleanup".into()],
    /// };
    /// assert_eq!(e.suggestions(), ["Sales Cleanup"]);
    /// assert_eq!(e.to_string(), r#"no flow named "Sales Cleanpu"; did you mean "Sales Cleanup"?"#);
    /// ```
    pub fn suggestions(&self) -> &[String] {
        match self {
            Error::NotFound { suggestions, .. } => suggestions,
            _ => &[],
        }
    }

    /// The service's answer, for a service error (also when it stopped a copy of permissions
    /// partway).
    pub fn service(&self) -> Option<&ApiError<ErrorCode>> {
        match self {
            Error::Service(a) => Some(a),
            Error::PermissionsCopyIncomplete { source, .. } => source.service(),
            _ => None,
        }
    }

    /// Whether no connection to the server could be made: its name did not resolve, the
    /// connection was refused, or connecting timed out. A failure after connecting (a reset, a
    /// TLS or protocol error, a read timeout) is not: the server was reached.
    ///
    /// ```
    /// # fn main() -> Result<(), tableau_flows::Error> {
    /// // Nothing listens on port 9 of loopback.
    /// let client = tableau_flows::Client::builder("http://127.0.0.1:9").build()?;
    /// let err = client.negotiate_version().unwrap_err();
    /// assert!(err.is_unreachable());
    /// # Ok(()) }
    /// ```
    pub fn is_unreachable(&self) -> bool {
        match self {
            Error::Transport(e) => e
                .downcast_ref::<ureq::Error>()
                .is_some_and(crate::call::never_connected),
            Error::Timeout(what) => crate::call::is_connect_timeout(what),
            _ => false,
        }
    }
}

impl<E: EndpointError> From<CallError<E>> for Error {
    fn from(e: CallError<E>) -> Self {
        match e.map_kind(|kind| kind.code()) {
            CallError::Service(a) => Error::Service(a),
            CallError::UnexpectedStatus { status, body } => {
                Error::UnexpectedStatus { status, body }
            }
            CallError::Redirected { status, location } => Error::Redirected { status, location },
            CallError::Transport(e) => Error::Transport(e),
            CallError::Timeout(t) => Error::Timeout(t),
            CallError::DeadlineExceeded { limit } => Error::DeadlineExceeded { limit },
            CallError::Stalled { limit, transferred } => Error::Stalled { limit, transferred },
            CallError::Interrupted { received, source } => Error::Interrupted { received, source },
            CallError::Encode(e) => Error::Encode(e),
            CallError::Decode(d) => Error::Decode(d),
            CallError::ResponseTooLarge { limit } => Error::ResponseTooLarge { limit },
            CallError::Unsupported(v) => Error::Unsupported(v),
            CallError::InvalidArgument(s) => Error::InvalidArgument(s),
            CallError::NotSignedIn => Error::NotSignedIn,
            CallError::Io(e) => Error::Io(e),
        }
    }
}

impl<E: EndpointError> From<Failure> for CallError<E> {
    fn from(f: Failure) -> Self {
        f.0.map_kind(E::from_code).with_endpoint(E::ENDPOINT)
    }
}

impl<E> CallError<E> {
    fn with_endpoint(mut self, endpoint: &'static str) -> Self {
        if let CallError::Service(a) = &mut self
            && a.endpoint.is_empty()
        {
            a.endpoint = endpoint;
        }
        self
    }
}

impl From<Failure> for Error {
    fn from(f: Failure) -> Self {
        f.0.into()
    }
}

/// The runtime's endpoint-independent error, converted into `CallError<E>` by the generated code
/// (a service error's kind is the endpoint's meaning of its code).
#[derive(Debug)]
pub(crate) struct Failure(pub(crate) CallError<ErrorCode>);

impl From<CallError<ErrorCode>> for Failure {
    fn from(e: CallError<ErrorCode>) -> Self {
        Failure(e)
    }
}

impl From<EncodeError> for Failure {
    fn from(e: EncodeError) -> Self {
        Failure(CallError::Encode(e))
    }
}

impl From<DecodeError> for Failure {
    fn from(e: DecodeError) -> Self {
        Failure(CallError::Decode(e))
    }
}

impl From<VersionError> for Failure {
    fn from(e: VersionError) -> Self {
        Failure(CallError::Unsupported(e))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure(CallError::Io(e))
    }
}

impl Failure {
    pub(crate) fn service(status: u16, detail: &ErrorDetail) -> Failure {
        let code = ErrorCode::from_code(detail.code.trim().parse().unwrap_or(0));
        Failure(CallError::Service(ApiError {
            endpoint: "",
            status,
            code,
            summary: detail.summary.clone().unwrap_or_default(),
            detail: detail.detail.clone().unwrap_or_default(),
            kind: code,
        }))
    }

    pub(crate) fn decode(status: u16, e: DecodeError) -> Failure {
        match e {
            DecodeError::Service(detail) => Failure::service(status, &detail),
            other => Failure(CallError::Decode(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync_static<T: Send + Sync + 'static>() {}

    #[test]
    fn error_is_send_sync_static_and_a_std_error() {
        assert_send_sync_static::<Error>();
        assert_send_sync_static::<CallError<crate::flows::QueryFlowError>>();
        let boxed: Box<dyn std::error::Error + Send + Sync> =
            Box::new(Error::InvalidArgument("x".into()));
        assert_eq!(boxed.to_string(), "invalid argument: x");
    }

    #[test]
    fn a_call_error_converts_and_keeps_the_endpoint_meaning() {
        let detail = ErrorDetail {
            code: "404027".into(),
            summary: Some("Flow not found".into()),
            detail: Some("no flow".into()),
            ..Default::default()
        };
        let call: CallError<crate::flows::QueryFlowError> = Failure::service(404, &detail).into();
        assert_eq!(
            call.kind(),
            Some(crate::flows::QueryFlowError::FlowNotFound)
        );
        assert_eq!(
            call.to_string(),
            "Query Flow: HTTP 404, error 404027: Flow not found: no flow"
        );
        fn helper(c: CallError<crate::flows::QueryFlowError>) -> Result<(), Error> {
            Err(c)?
        }
        let err = helper(call).unwrap_err();
        assert_eq!(err.kind(), Some(crate::flows::QueryFlowError::FlowNotFound));
        assert_eq!(err.code(), Some(crate::ErrorCode::FlowNotFound));
        assert!(err.to_string().starts_with("Query Flow: HTTP 404"));
    }
}
