//! The command line's errors: what went wrong, the line printed on stderr, and the exit status.
//!
//! | status | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | an error: the service's answer (`error CODE (SUMMARY): DETAIL`), the transport, a file, a name that matches nothing or several things |
//! | 2 | a usage error: the command line is wrong (clap's errors, missing server or credentials) |
//! | 3 | a flow run that was waited for failed, was cancelled, or had not finished in time |
//! | 130 | interrupted (Ctrl-C) during a wait or a transfer |

use std::fmt;
use tableau_flows::error::EndpointError;
use tableau_flows::{CallError, Error, ErrorCode};

/// The exit status of a successful command.
pub const EXIT_OK: u8 = 0;
/// The exit status of a failed command.
pub const EXIT_ERROR: u8 = 1;
/// The exit status of a command line that cannot be carried out as written.
pub const EXIT_USAGE: u8 = 2;
/// The exit status when a flow run that was waited for failed, was cancelled or timed out.
pub const EXIT_RUN_UNSUCCESSFUL: u8 = 3;
/// The exit status of a command interrupted with Ctrl-C (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

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
        /// The API call that answered, by its title in Tableau's reference ("Query Flow").
        endpoint: Option<String>,
    },
    /// A flow run failed, was cancelled, or had not finished when the wait ended (exit status 3).
    RunUnsuccessful(String),
    /// The server could not be reached, or the connection to it failed or timed out (exit
    /// status 1).
    Unreachable {
        /// The server's URL, once known.
        server: Option<String>,
        /// What the transport said.
        message: String,
        /// Whether a connection was made (the failure came after it): only when none was is the
        /// server said to be unreachable.
        connected: bool,
    },
    /// Ctrl-C stopped a wait or a transfer; the message says how to resume (exit status 130).
    Interrupted(String),
    /// The file given to `flows publish` is not a flow file, checked before anything is sent
    /// (exit status 1).
    NotAFlowFile {
        /// The file, as given.
        path: String,
        /// What is wrong with it.
        error: tableau_flows::document::DocumentError,
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
            CliError::Interrupted(_) => EXIT_INTERRUPTED,
            CliError::BrokenPipe => EXIT_OK,
            CliError::Api { .. }
            | CliError::Unreachable { .. }
            | CliError::NotAFlowFile { .. }
            | CliError::Other(_) => EXIT_ERROR,
        }
    }

    /// Names the server in an error reaching it.
    pub fn at_server(self, url: &str) -> Self {
        match self {
            CliError::Unreachable {
                message, connected, ..
            } => CliError::Unreachable {
                server: Some(url.to_owned()),
                message,
                connected,
            },
            other => other,
        }
    }
}

/// Collapses a message to one line: runs of whitespace (newlines included) become one space,
/// and terminal controls (escape sequences a server may have put in its message) go.
pub fn one_line(text: &str) -> String {
    crate::output::clean(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m)
            | CliError::RunUnsuccessful(m)
            | CliError::Interrupted(m)
            | CliError::Other(m) => f.write_str(&one_line(m)),
            CliError::Api {
                code,
                summary,
                detail,
                endpoint,
            } => {
                write!(f, "error {} ({})", code.code(), one_line(summary))?;
                if let Some(e) = endpoint.as_deref().filter(|e| !e.is_empty()) {
                    write!(f, " from {e}")?;
                }
                if !detail.trim().is_empty() {
                    write!(f, ": {}", one_line(detail))?;
                }
                Ok(())
            }
            CliError::Unreachable {
                server,
                message,
                connected,
            } => {
                let server = server.as_deref().unwrap_or("the server");
                if *connected {
                    write!(
                        f,
                        "the connection to {server} failed: {}",
                        one_line(message)
                    )
                } else {
                    write!(f, "cannot reach {server}: {}", one_line(message))
                }
            }
            CliError::NotAFlowFile { path, error } => write!(
                f,
                "{} is not a flow file (.tfl or .tflx), nothing was published: {}",
                one_line(path),
                one_line(&error.to_string())
            ),
            CliError::BrokenPipe => f.write_str("standard output was closed"),
        }
    }
}

impl std::error::Error for CliError {}

/// What a sign-in tried, to say so when it fails: the kind of credentials and their name (never
/// the secret), the site and the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInAttempt {
    /// The credentials, as a message names them: `the personal access token "ci"`, `the user
    /// "admin" and a password`, `a JWT`.
    pub with: String,
    /// The likely causes of these credentials being refused (401001).
    pub refused_because: &'static str,
    /// What kind of sign-in a server may have turned off: `personal access tokens`, `passwords`,
    /// `connected apps`.
    pub kind: &'static str,
    /// The site's content URL (`""`: the default site).
    pub site: String,
    /// The server's URL.
    pub server: String,
    /// The API version asked for, when known.
    pub version: Option<tableau_flows::ApiVersion>,
}

impl SignInAttempt {
    /// The attempt of signing in with `credentials` to the site `site` of `server`.
    pub fn new(
        credentials: &tableau_flows::Credentials,
        site: &str,
        server: &str,
        version: Option<tableau_flows::ApiVersion>,
    ) -> Self {
        use tableau_flows::Credentials;
        let (with, refused_because, kind) = match credentials {
            Credentials::PersonalAccessToken { name, .. } => (
                format!("the personal access token {name:?}"),
                "the token's secret is wrong, or the token expired, was revoked or was made on \
                 another site",
                "personal access tokens",
            ),
            Credentials::Password { username, .. } => (
                format!("the user {username:?} and a password"),
                "the user name or the password is wrong, or the user is not a user of that site",
                "passwords",
            ),
            _ => (
                "a JWT".to_owned(),
                "the JWT expired, is not signed by a connected app the site trusts, or names a \
                 user who is not on the site",
                "connected apps",
            ),
        };
        SignInAttempt {
            with,
            refused_because,
            kind,
            site: site.to_owned(),
            server: server.to_owned(),
            version,
        }
    }

    /// The site, as a message names it.
    fn site_named(&self) -> String {
        if self.site.is_empty() {
            "the default site (content URL \"\")".to_owned()
        } else {
            format!("the site with content URL {:?}", self.site)
        }
    }

    /// The likely cause of a sign-in failing with this code (a service error), by code.
    pub fn likely_cause(&self, code: u32) -> Option<String> {
        let server = &self.server;
        Some(match code {
            401001 => format!(
                "{}; or no site has that content URL (--site, TABLEAU_SITE)",
                self.refused_because
            ),
            401000..=401999 => format!(
                "the server refused the credentials: {}",
                self.refused_because
            ),
            400000..=400999 => "the server could not read the sign-in request: a proxy between \
                                tabflow and the server may have changed it, or --server is not \
                                the address of Tableau's REST API"
                .to_owned(),
            403000..=403999 => format!(
                "the server forbids this sign-in: the user may be unlicensed, locked or without a \
                 role on that site, or signing in with {} is turned off there",
                self.kind
            ),
            404000 => "no site has that content URL (--site, TABLEAU_SITE: what follows /site/ in \
                       the site's web address; empty for the default site)"
                .to_owned(),
            404001 => format!(
                "the server does not speak API {} (--api-version, TABLEAU_API_VERSION): give its \
                 version or an older one (`tabflow server-info` shows it), or leave it out",
                self.version
                    .map_or_else(|| "asked for".to_owned(), |v| v.to_string())
            ),
            404002..=404999 => format!(
                "--server {server} is not the address of Tableau's REST API (the server's address \
                 without a path, e.g. https://tableau.example.com)"
            ),
            405000..=405999 => format!(
                "the request reached the server with another method than POST: a proxy or \
                 gateway in front of {server} redirects or rewrites it (give the server's own \
                 address)"
            ),
            500000..=599999 => "the server (or a proxy in front of it) failed: try again later; \
                                if it goes on, its administrator can look in its logs"
                .to_owned(),
            _ => return None,
        })
    }

    /// The likely cause of a sign-in answered with this status but no error document (a proxy's
    /// or another program's answer).
    fn likely_cause_of_status(&self, status: u16) -> Option<String> {
        let server = &self.server;
        Some(match status {
            401 | 403 | 407 => format!(
                "a proxy or firewall in front of {server} refused the request (the answer is not \
                 Tableau's)"
            ),
            404 | 405 => format!(
                "--server {server} is not the address of Tableau's REST API (the server's address \
                 without a path, e.g. https://tableau.example.com)"
            ),
            500..=599 => {
                "the server (or a proxy in front of it) failed: try again later".to_owned()
            }
            _ => return None,
        })
    }

    /// `Signing in to SITE of SERVER with CREDENTIALS was refused|failed.`
    fn tried(&self, refused: bool) -> String {
        format!(
            "Signing in to {} of {} with {} {}",
            self.site_named(),
            self.server,
            self.with,
            if refused { "was refused" } else { "failed" }
        )
    }

    /// The error of a failed sign-in, saying what was tried and, by the code (or the status of
    /// an answer that is not Tableau's), the likely cause; other errors (the transport, a
    /// deadline) are left as they are.
    pub fn explain(&self, e: Error) -> CliError {
        let status = match &e {
            Error::UnexpectedStatus { status, .. } | Error::Redirected { status, .. } => {
                Some(*status)
            }
            _ => None,
        };
        match (CliError::from(e), status) {
            (
                CliError::Api {
                    code,
                    summary,
                    detail,
                    endpoint,
                },
                _,
            ) => {
                let number = code.code();
                let refused = (401000..404000).contains(&number);
                let mut said = self.tried(refused);
                if let Some(cause) = self.likely_cause(number) {
                    said = format!("{said}. Likely: {cause}");
                }
                let detail = if detail.trim().is_empty() {
                    said
                } else {
                    format!("{}. {said}", detail.trim().trim_end_matches('.'))
                };
                CliError::Api {
                    code,
                    summary,
                    detail,
                    endpoint,
                }
            }
            (CliError::Other(message), Some(status)) => {
                let mut said = format!(
                    "{}. {}",
                    message.trim_end_matches('.'),
                    self.tried(matches!(status, 401 | 403 | 407))
                );
                if let Some(cause) = self.likely_cause_of_status(status) {
                    said = format!("{said}. Likely: {cause}");
                }
                CliError::Other(said)
            }
            (other, _) => other,
        }
    }
}

/// The command that lists what a "no such name" error looked for.
fn list_command(what: &str) -> Option<&'static str> {
    Some(match what {
        "flow" => "tabflow flows list",
        "project" => "tabflow projects list",
        "user" => "tabflow users list",
        "group" => "tabflow groups list",
        "schedule" => "tabflow schedules list",
        "parameter" => "tabflow flows get FLOW",
        "endpoint" => "tabflow api --list",
        _ => return None,
    })
}

/// A name that matches nothing: the closest names when there are some, else the command that
/// lists what there is.
fn not_found(e: &Error) -> CliError {
    let Error::NotFound { what, name, .. } = e else {
        return CliError::Other(e.to_string());
    };
    if !e.suggestions().is_empty() {
        return CliError::Other(e.to_string());
    }
    CliError::Other(match list_command(what) {
        Some(command) => format!("no {what} named {name:?} (`{command}` shows them)"),
        None => format!("no {what} named {name:?}"),
    })
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        let connected = !e.is_unreachable();
        match e {
            Error::Service(api) => {
                let summary = if api.summary.trim().is_empty() {
                    api.code.summary().to_owned()
                } else {
                    api.summary.clone()
                };
                CliError::Api {
                    code: api.code,
                    summary,
                    detail: api.detail.clone(),
                    endpoint: (!api.endpoint.is_empty()).then(|| api.endpoint.to_owned()),
                }
            }
            Error::Transport(e) => CliError::Unreachable {
                server: None,
                message: e.to_string(),
                connected,
            },
            Error::Timeout(t) => CliError::Unreachable {
                server: None,
                message: format!("timed out ({t})"),
                connected,
            },
            e @ Error::DeadlineExceeded { .. } => {
                CliError::Other(format!("{e} (--call-timeout sets it)"))
            }
            e @ Error::Stalled { .. } => CliError::Other(format!("{e} (--stall-timeout sets it)")),
            Error::InvalidArgument(message) => CliError::Other(message),
            Error::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => CliError::BrokenPipe,
            Error::Io(e) => CliError::Other(e.to_string()),
            e @ Error::NotFound { .. } => not_found(&e),
            Error::Ambiguous {
                what,
                name,
                candidates,
            } => {
                let listed: Vec<String> = candidates
                    .iter()
                    .map(|c| format!("{} ({})", c.id, c.description))
                    .collect();
                let hint = match what {
                    "project" => "give one of the ids, or a path of names (Parent/Name)",
                    "flow" => {
                        "give one of the ids, or a path (Project/Flow; nested: Parent/Child/Flow)"
                    }
                    _ => "give one of the ids",
                };
                CliError::Other(format!(
                    "{} {what}s are named {name:?}: {}; {hint}",
                    candidates.len(),
                    listed.join(", ")
                ))
            }
            e @ (Error::RunFailed { .. } | Error::RunCancelled(_) | Error::WaitTimedOut { .. }) => {
                CliError::RunUnsuccessful(e.to_string())
            }
            Error::Cancelled(what) => {
                CliError::Interrupted(format!("interrupted: the {what} stopped"))
            }
            other => CliError::Other(other.to_string()),
        }
    }
}

impl<E: EndpointError> From<CallError<E>> for CliError {
    fn from(e: CallError<E>) -> Self {
        CliError::from(Error::from(e))
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
    use tableau_flows::{Candidate, VersionError};

    #[test]
    fn service_errors_carry_code_summary_and_the_api_call_on_one_line() {
        let e = CliError::Api {
            code: ErrorCode::FlowNotFound,
            summary: "Flow not found".into(),
            detail: "No flow with id\nabc".into(),
            endpoint: Some("Query Flow".into()),
        };
        assert_eq!(
            e.to_string(),
            "error 404027 (Flow not found) from Query Flow: No flow with id abc"
        );
        assert_eq!(e.exit_status(), EXIT_ERROR);
        let e = CliError::Api {
            code: ErrorCode::FlowNotFound,
            summary: "Flow not found".into(),
            detail: String::new(),
            endpoint: None,
        };
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
        assert_eq!(
            CliError::Interrupted("x".into()).exit_status(),
            EXIT_INTERRUPTED
        );
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(CliError::from(pipe).exit_status(), EXIT_OK);
        let pipe = Error::Io(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(CliError::from(pipe).exit_status(), EXIT_OK);
        assert_eq!(
            CliError::from(Error::Cancelled("wait")).exit_status(),
            EXIT_INTERRUPTED
        );
    }

    #[test]
    fn transport_errors_name_the_server() {
        // A timeout after connecting: the server was reached.
        let e = CliError::from(Error::Timeout("per read".into()));
        assert_eq!(
            e.to_string(),
            "the connection to the server failed: timed out (per read)"
        );
        let e = e.at_server("https://tableau.example.com");
        assert_eq!(
            e.to_string(),
            "the connection to https://tableau.example.com failed: timed out (per read)"
        );
        assert_eq!(e.exit_status(), EXIT_ERROR);
        // Connecting timed out: it was not.
        let e = CliError::from(Error::Timeout("connect".into()));
        assert_eq!(
            e.to_string(),
            "cannot reach the server: timed out (connect)"
        );
    }

    #[test]
    fn limits_name_the_option_that_sets_them() {
        let e = CliError::from(Error::DeadlineExceeded {
            limit: std::time::Duration::from_secs(120),
        });
        assert_eq!(
            e.to_string(),
            "the call did not finish within its deadline of 120 s (--call-timeout sets it)"
        );
        let e = CliError::from(Error::Stalled {
            limit: std::time::Duration::from_secs(60),
            transferred: 7,
        });
        assert_eq!(
            e.to_string(),
            "the transfer stalled: no byte moved for 60 s (after 7 bytes) (--stall-timeout sets it)"
        );
    }

    #[test]
    fn names_that_match_nothing_or_several_things() {
        let e = CliError::from(Error::NotFound {
            what: "flow",
            name: "Nope".into(),
            suggestions: Vec::new(),
        });
        assert_eq!(
            e.to_string(),
            "no flow named \"Nope\" (`tabflow flows list` shows them)"
        );
        assert_eq!(e.exit_status(), EXIT_ERROR);
        let e = CliError::from(Error::NotFound {
            what: "flow",
            name: "Sales Cleanpu".into(),
            suggestions: vec!["Sales Cleanup".into(), "Sales Cleanup 2".into()],
        });
        assert_eq!(
            e.to_string(),
            "no flow named \"Sales Cleanpu\"; did you mean \"Sales Cleanup\" or \"Sales Cleanup 2\"?"
        );
        let e = CliError::from(Error::Ambiguous {
            what: "flow",
            name: "Nightly Load".into(),
            candidates: vec![
                Candidate {
                    id: "d1".into(),
                    description: "Dev/Nightly Load".into(),
                },
                Candidate {
                    id: "p2".into(),
                    description: "Prod/Nightly Load".into(),
                },
            ],
        });
        assert_eq!(
            e.to_string(),
            "2 flows are named \"Nightly Load\": d1 (Dev/Nightly Load), p2 (Prod/Nightly Load); \
             give one of the ids, or a path (Project/Flow; nested: Parent/Child/Flow)"
        );
        let e = CliError::from(Error::Ambiguous {
            what: "project",
            name: "Archive".into(),
            candidates: vec![
                Candidate {
                    id: "a1".into(),
                    description: "Archive".into(),
                },
                Candidate {
                    id: "b2".into(),
                    description: "Sales/Archive".into(),
                },
            ],
        });
        let text = e.to_string();
        assert!(text.contains("a1 (Archive)"), "{text}");
        assert!(text.contains("b2 (Sales/Archive)"), "{text}");
        assert!(
            text.ends_with("; give one of the ids, or a path of names (Parent/Name)"),
            "{text}"
        );
    }

    #[test]
    fn version_errors_name_api_titles() {
        let e = CliError::from(Error::Unsupported(VersionError {
            feature: "Get Flow Runs".into(),
            required: tableau_flows::ApiVersion::new(3, 10),
            client: tableau_flows::ApiVersion::new(3, 9),
        }));
        assert_eq!(
            e.to_string(),
            "Get Flow Runs needs API 3.10, but the client speaks API 3.9"
        );
    }
}
