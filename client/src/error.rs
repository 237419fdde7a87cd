//! Errors. [`Error`] separates what went wrong: the service answered with an error ([`Error::Api`],
//! typed per endpoint), the transport failed or timed out, the answer could not be decoded, or the
//! call was refused before sending (version gating, a bad argument, no session).

use crate::version::VersionError;
use crate::{ErrorCode, ErrorDetail};
use std::fmt;

/// An endpoint's error enum (generated: exactly the codes of its error table, plus `Unhandled`).
pub trait EndpointError: Copy + fmt::Debug + fmt::Display {
    /// The variant for a code (`Unhandled` when the table does not list it).
    fn from_code(code: ErrorCode) -> Self;
    /// The code of the variant.
    fn code(&self) -> ErrorCode;
}

impl EndpointError for ErrorCode {
    fn from_code(code: ErrorCode) -> Self {
        code
    }
    fn code(&self) -> ErrorCode {
        *self
    }
}

/// An error answer of the service: a non-2xx status, or a 2xx whose body holds `<error>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError<E> {
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
        write!(
            f,
            "HTTP {}, error {}: {}",
            self.status,
            self.code.code(),
            self.message()
        )
    }
}

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
    /// The document nests deeper than the decoder accepts.
    #[error("the document nests deeper than {limit} elements")]
    TooDeep {
        /// The limit.
        limit: usize,
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

impl DecodeError {
    /// A required `what` is missing from the element `start` opened.
    pub fn missing(start: &crate::xml::BytesStart<'_>, what: &str) -> DecodeError {
        DecodeError::Missing(Box::new(Missing {
            element: start.local_name().as_ref().to_owned(),
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

/// Everything that can go wrong with a call, `E` being the endpoint's error enum.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<E = ErrorCode> {
    /// The service answered with an error.
    #[error("{0}")]
    Api(ApiError<E>),
    /// A non-2xx answer without an error document (e.g. an HTML page from a proxy).
    #[error("HTTP {status} without an error document: {body}")]
    UnexpectedStatus {
        /// The status.
        status: u16,
        /// The start of the body (at most 200 characters).
        body: String,
    },
    /// The connection failed (refused, reset, DNS, TLS...).
    #[error("transport error: {0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A timeout expired.
    #[error("timed out: {0}")]
    Timeout(String),
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

impl<E: EndpointError> Error<E> {
    /// The endpoint's error kind, for a service error.
    pub fn kind(&self) -> Option<E> {
        match self {
            Error::Api(a) => Some(a.kind),
            _ => None,
        }
    }

    /// The registry code, for a service error.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api(a) => Some(a.code),
            _ => None,
        }
    }

    /// The same error with the endpoint-independent [`ErrorCode`] as its kind.
    pub fn into_generic(self) -> Error<ErrorCode> {
        self.map_kind(|kind| kind.code())
    }
}

impl<E> Error<E> {
    /// The same error with its service error's kind mapped by `f`.
    pub fn map_kind<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::Api(a) => Error::Api(ApiError {
                status: a.status,
                code: a.code,
                summary: a.summary,
                detail: a.detail,
                kind: f(a.kind),
            }),
            Error::UnexpectedStatus { status, body } => Error::UnexpectedStatus { status, body },
            Error::Transport(e) => Error::Transport(e),
            Error::Timeout(t) => Error::Timeout(t),
            Error::Decode(d) => Error::Decode(d),
            Error::ResponseTooLarge { limit } => Error::ResponseTooLarge { limit },
            Error::Unsupported(v) => Error::Unsupported(v),
            Error::InvalidArgument(s) => Error::InvalidArgument(s),
            Error::NotSignedIn => Error::NotSignedIn,
            Error::Io(e) => Error::Io(e),
        }
    }
}

impl<E: EndpointError> From<Failure> for Error<E> {
    fn from(f: Failure) -> Self {
        f.0.map_kind(E::from_code)
    }
}

/// The runtime's endpoint-independent error, converted into `Error<E>` by the generated code
/// (a service error's kind is the endpoint's meaning of its code).
#[derive(Debug)]
#[doc(hidden)]
pub struct Failure(pub Error<ErrorCode>);

impl From<Error<ErrorCode>> for Failure {
    fn from(e: Error<ErrorCode>) -> Self {
        Failure(e)
    }
}

impl From<DecodeError> for Failure {
    fn from(e: DecodeError) -> Self {
        Failure(Error::Decode(e))
    }
}

impl From<VersionError> for Failure {
    fn from(e: VersionError) -> Self {
        Failure(Error::Unsupported(e))
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure(Error::Io(e))
    }
}

impl Failure {
    pub(crate) fn service(status: u16, detail: &ErrorDetail) -> Failure {
        let code = ErrorCode::from_code(detail.code.trim().parse().unwrap_or(0));
        Failure(Error::Api(ApiError {
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
            other => Failure(Error::Decode(other)),
        }
    }
}
