//! The command line's errors: what went wrong, the one line printed on stderr, and the exit status.
//!
//! | status | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | an error: the service's answer (`error CODE (SUMMARY): DETAIL`), the transport, a file |
//! | 2 | a usage error: the command line is wrong (clap's errors, missing server or credentials) |
//! | 3 | a flow run that was waited for failed, was cancelled, or had not finished in time |

use std::fmt;
use tableau_flows::error::EndpointError;
use tableau_flows::run::{RunError, WaitError};
use tableau_flows::upload::PublishError;
use tableau_flows::{Error, ErrorCode};

/// The exit status of a successful command.
pub const EXIT_OK: u8 = 0;
/// The exit status of a failed command.
pub const EXIT_ERROR: u8 = 1;
/// The exit status of a command line that cannot be carried out as written.
pub const EXIT_USAGE: u8 = 2;
/// The exit status when a flow run that was waited for failed, was cancelled or timed out.
pub const EXIT_RUN_UNSUCCESSFUL: u8 = 3;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// The command line is wrong (exit status 2).
    Usage(String),
    /// The service answered with an error (exit status 1).
    Api {
        /// The error code, from the registry.
        code: ErrorCode,
        /// The server's summary (the registry's when the server sent none).
        summary: String,
        /// The server's detail.
        detail: String,
        /// Where it happened, when the code alone does not say (e.g. a chunk of an upload).
        context: Option<String>,
    },
    /// A flow run failed, was cancelled, or had not finished when the wait ended (exit status 3).
    RunUnsuccessful(String),
    /// The server could not be reached, or did not answer in time (exit status 1).
    Unreachable {
        /// The server's URL, once known.
        server: Option<String>,
        /// What the transport said.
        message: String,
    },
    /// Anything else (exit status 1).
    Other(String),
    /// Standard output was closed by its reader (e.g. `| head`): stop quietly.
    BrokenPipe,
}

impl CliError {
    /// A usage error.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    /// Any other error.
    pub fn other(message: impl Into<String>) -> Self {
        CliError::Other(message.into())
    }

    /// The exit status for this error.
    pub fn exit_status(&self) -> u8 {
        match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::RunUnsuccessful(_) => EXIT_RUN_UNSUCCESSFUL,
            CliError::BrokenPipe => EXIT_OK,
            CliError::Api { .. } | CliError::Unreachable { .. } | CliError::Other(_) => EXIT_ERROR,
        }
    }

    /// Names the server in an error reaching it.
    pub fn at_server(self, url: &str) -> Self {
        match self {
            CliError::Unreachable { message, .. } => CliError::Unreachable {
                server: Some(url.to_owned()),
                message,
            },
            other => other,
        }
    }

    /// Adds where the error happened to a service error (other errors are returned as they are).
    fn with_context(self, where_: String) -> Self {
        match self {
            CliError::Api {
                code,
                summary,
                detail,
                ..
            } => CliError::Api {
                code,
                summary,
                detail,
                context: Some(where_),
            },
            CliError::Other(message) => CliError::Other(format!("{where_}: {message}")),
            other => other,
        }
    }
}

/// Collapses a message to one line: runs of whitespace (newlines included) become one space.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::RunUnsuccessful(m) | CliError::Other(m) => {
                f.write_str(&one_line(m))
            }
            CliError::Api {
                code,
                summary,
                detail,
                context,
            } => {
                write!(f, "error {} ({})", code.code(), one_line(summary))?;
                if !detail.trim().is_empty() {
                    write!(f, ": {}", one_line(detail))?;
                }
                if let Some(c) = context {
                    write!(f, " ({})", one_line(c))?;
                }
                Ok(())
            }
            CliError::Unreachable { server, message } => write!(
                f,
                "cannot reach {}: {}",
                server.as_deref().unwrap_or("the server"),
                one_line(message)
            ),
            CliError::BrokenPipe => f.write_str("standard output was closed"),
        }
    }
}

impl std::error::Error for CliError {}

impl<E: EndpointError> From<Error<E>> for CliError {
    fn from(e: Error<E>) -> Self {
        match e.into_generic() {
            Error::Api(api) => {
                let summary = if api.summary.trim().is_empty() {
                    api.code.summary().to_owned()
                } else {
                    api.summary
                };
                CliError::Api {
                    code: api.code,
                    summary,
                    detail: api.detail,
                    context: None,
                }
            }
            Error::Transport(e) => CliError::Unreachable {
                server: None,
                message: e.to_string(),
            },
            Error::Timeout(t) => CliError::Unreachable {
                server: None,
                message: format!("timed out ({t})"),
            },
            other => CliError::Other(other.to_string()),
        }
    }
}

impl From<RunError> for CliError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::QueryFlow(e) => CliError::from(e),
            RunError::Run(e) => CliError::from(e),
            other => CliError::Other(other.to_string()),
        }
    }
}

impl From<WaitError> for CliError {
    fn from(e: WaitError) -> Self {
        match e {
            WaitError::Poll(e) => CliError::from(e),
            other => CliError::RunUnsuccessful(other.to_string()),
        }
    }
}

impl From<PublishError> for CliError {
    fn from(e: PublishError) -> Self {
        match e {
            PublishError::Initiate(e) => {
                CliError::from(e).with_context("initiating the upload".into())
            }
            PublishError::Append { chunk, error } => {
                CliError::from(error).with_context(format!("appending chunk {chunk}"))
            }
            PublishError::Publish(e) => CliError::from(e),
            other => CliError::Other(other.to_string()),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Other(e.to_string())
        }
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        if e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe) {
            CliError::BrokenPipe
        } else {
            CliError::Other(format!("writing JSON: {e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tableau_flows::ApiError;

    fn api(code: ErrorCode, summary: &str, detail: &str) -> Error<ErrorCode> {
        Error::Api(ApiError {
            status: code.http_status(),
            code,
            summary: summary.into(),
            detail: detail.into(),
            kind: code,
        })
    }

    #[test]
    fn service_errors_carry_code_and_summary_on_one_line() {
        let e = CliError::from(api(
            ErrorCode::FlowNotFound,
            "Flow not found",
            "No flow with id\nabc",
        ));
        assert_eq!(
            e.to_string(),
            "error 404027 (Flow not found): No flow with id abc"
        );
        assert_eq!(e.exit_status(), EXIT_ERROR);
        let e = CliError::from(api(ErrorCode::FlowNotFound, "", ""));
        assert_eq!(e.to_string(), "error 404027 (Flow not found)");
    }

    #[test]
    fn exit_statuses() {
        assert_eq!(CliError::usage("x").exit_status(), EXIT_USAGE);
        assert_eq!(
            CliError::RunUnsuccessful("x".into()).exit_status(),
            EXIT_RUN_UNSUCCESSFUL
        );
        assert_eq!(CliError::other("x").exit_status(), EXIT_ERROR);
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(CliError::from(pipe).exit_status(), EXIT_OK);
    }

    #[test]
    fn transport_errors_name_the_server() {
        let e = CliError::from(Error::<ErrorCode>::Timeout("read".into()));
        assert_eq!(e.to_string(), "cannot reach the server: timed out (read)");
        let e = e.at_server("https://tableau.example.com");
        assert_eq!(
            e.to_string(),
            "cannot reach https://tableau.example.com: timed out (read)"
        );
        assert_eq!(e.exit_status(), EXIT_ERROR);
    }

    #[test]
    fn chunk_context_is_kept() {
        let e = CliError::from(PublishError::Append {
            chunk: 3,
            error: api(ErrorCode::BadRequest, "Bad request", "short chunk")
                .map_kind(tableau_flows::AppendToFileUploadError::from_code),
        });
        assert_eq!(
            e.to_string(),
            "error 400000 (Bad request): short chunk (appending chunk 3)"
        );
    }
}
