//! `tabflow mcp`: a Model Context Protocol server over standard input and output, built on the
//! official Rust SDK (`rmcp`), signed in as every other command is (the saved session, a
//! profile, or the environment).
//!
//! - **Generated tools** ([`table`]): one per endpoint of the spec, named after its id, with the
//!   input JSON Schema, annotations and calling data the build script generates from the spec;
//!   each is called with [`tableau_flows::Client::raw`], its answer asked for and returned as
//!   JSON ([`generated`]). The endpoints that sign in or out and those that send a file in a
//!   multipart body are not offered.
//! - **Curated tools** ([`curated`]): `list-flows`, `run-flow-and-wait`, `flow-run-history` and
//!   `describe-flow`, where an agent needs more than one call.
//! - **Safety**: read tools work by default; a tool that changes anything is refused unless
//!   `--allow-writes`, one that deletes unless `--allow-destructive` too ([`Permissions`]);
//!   `--project` bounds every tool to the flows of those projects ([`bound`]); secrets are
//!   removed from every answer ([`redact`]); arguments are checked against the tool's schema
//!   before anything is sent ([`schema`]).
//!
//! The async runtime (tokio, one thread) lives here only: each tool call runs the blocking
//! client on tokio's blocking pool.

pub mod bound;
pub mod curated;
pub mod generated;
pub mod redact;
pub mod schema;
pub mod table;

use crate::args::McpArgs;
use crate::error::CliError;
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    InitializeResult, ListToolsResult, PaginatedRequestParams, ResourceContents,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use table::Kind;
use tableau_flows::{CancelToken, Client};

/// What the agent may do: the opt-ins of `tabflow mcp`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions {
    /// `--allow-writes` (`TABFLOW_MCP_WRITES=1`).
    pub writes: bool,
    /// `--allow-destructive` (`TABFLOW_MCP_DESTRUCTIVE=1`).
    pub destructive: bool,
}

impl Permissions {
    /// Refuses a tool of this kind unless its opt-ins are given, naming them.
    pub fn check(self, tool: &str, kind: Kind) -> Result<(), ToolError> {
        let writes = "--allow-writes (or TABFLOW_MCP_WRITES=1)";
        let destructive = "--allow-destructive (or TABFLOW_MCP_DESTRUCTIVE=1)";
        match kind {
            Kind::Read => Ok(()),
            Kind::Write if self.writes => Ok(()),
            Kind::Write => Err(ToolError::Refused(format!(
                "{tool} changes something on the server: start tabflow mcp with {writes} to allow it"
            ))),
            Kind::Destructive if self.writes && self.destructive => Ok(()),
            Kind::Destructive => {
                let missing = match (self.writes, self.destructive) {
                    (false, false) => format!("{writes} and {destructive}"),
                    (true, _) => destructive.to_owned(),
                    (false, true) => writes.to_owned(),
                };
                Err(ToolError::Refused(format!(
                    "{tool} deletes something on the server: start tabflow mcp with {missing} to allow it"
                )))
            }
        }
    }
}

/// Why a tool call failed: returned to the agent as a tool error (`isError`), with a message
/// and the same facts as JSON (`structuredContent.error`).
#[derive(Debug, Clone, PartialEq)]
pub enum ToolError {
    /// Refused by the server's safety options (an opt-in missing, outside `--project`).
    Refused(String),
    /// The arguments do not fit the tool's input schema, or name nothing (nothing was sent).
    BadArguments(String),
    /// The service answered with an error.
    Service {
        /// The error code.
        code: u32,
        /// The server's summary.
        summary: String,
        /// The server's detail.
        detail: String,
        /// The endpoint that answered ("Query Flow").
        endpoint: String,
    },
    /// Anything else (the server unreachable, a run that failed...).
    Failed(String),
}

impl ToolError {
    /// The tool error of a client error.
    pub fn from_error(e: impl Into<tableau_flows::Error>) -> ToolError {
        let e: tableau_flows::Error = e.into();
        match e {
            tableau_flows::Error::InvalidArgument(m) => ToolError::BadArguments(m),
            tableau_flows::Error::NotFound { .. } | tableau_flows::Error::Ambiguous { .. } => {
                ToolError::BadArguments(e.to_string())
            }
            other => ToolError::from(CliError::from(other)),
        }
    }

    /// The tool's result: `isError`, the message as text, and the facts as structured content.
    pub fn into_result(self) -> CallToolResult {
        let (kind, message, extra) = match &self {
            ToolError::Refused(m) => ("refused", m.clone(), json!({})),
            ToolError::BadArguments(m) => {
                ("badArguments", format!("bad arguments: {m}"), json!({}))
            }
            ToolError::Failed(m) => ("failed", m.clone(), json!({})),
            ToolError::Service {
                code,
                summary,
                detail,
                endpoint,
            } => (
                "service",
                format!("error {code} ({summary}) from {endpoint}: {detail}"),
                json!({"code": code, "summary": summary, "detail": detail, "endpoint": endpoint}),
            ),
        };
        let mut error = json!({"kind": kind, "message": message});
        if let (Some(map), Value::Object(more)) = (error.as_object_mut(), extra) {
            map.extend(more);
        }
        let mut structured = json!({ "error": error });
        redact::redact(&mut structured);
        let text = structured["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
        result.structured_content = Some(structured);
        result
    }
}

impl From<CliError> for ToolError {
    fn from(e: CliError) -> ToolError {
        match e {
            CliError::Api {
                code,
                summary,
                detail,
                endpoint,
            } => ToolError::Service {
                code: code.code(),
                summary,
                detail,
                endpoint: endpoint.unwrap_or_default(),
            },
            CliError::Usage(m) => ToolError::BadArguments(m),
            other => ToolError::Failed(other.to_string()),
        }
    }
}

/// A tool's successful answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// A JSON document (returned as text and as structured content).
    Json(Value),
    /// A file: what it is (JSON) and its bytes (an embedded resource, base64).
    File {
        /// Type, size, file name.
        about: Value,
        /// The bytes.
        bytes: Vec<u8>,
        /// Its MIME type.
        mime: String,
        /// The resource's URI (`tabflow:///download_flow/{flow_id}`).
        uri: String,
    },
}

impl Answer {
    /// The tool's result, secrets removed.
    pub fn into_result(self) -> CallToolResult {
        match self {
            Answer::Json(mut value) => {
                redact::redact(&mut value);
                let structured = match value {
                    Value::Object(_) => value,
                    other => json!({ "result": other }),
                };
                let mut result =
                    CallToolResult::success(vec![ContentBlock::text(structured.to_string())]);
                result.structured_content = Some(structured);
                result
            }
            Answer::File {
                about,
                bytes,
                mime,
                uri,
            } => {
                use base64::Engine;
                let blob = base64::engine::general_purpose::STANDARD.encode(&bytes);
                let resource = ResourceContents::blob(blob, uri).with_mime_type(mime);
                let mut result = CallToolResult::success(vec![
                    ContentBlock::text(about.to_string()),
                    ContentBlock::resource(resource),
                ]);
                result.structured_content = Some(about);
                result
            }
        }
    }
}

/// Everything a tool call needs: the signed-in client, the tools, the opt-ins and the bound.
pub struct State {
    /// The signed-in client.
    pub client: Arc<Client>,
    /// What the agent may do.
    pub permissions: Permissions,
    /// `--project`, when given.
    pub bound: Option<bound::Bound>,
    /// The generated tools.
    pub generated: Vec<table::Generated>,
    /// Raised when the server stops: waits end.
    pub cancel: CancelToken,
}

impl State {
    /// Every tool offered: the generated ones, then the curated ones.
    pub fn tools(&self) -> Vec<Tool> {
        let mut tools: Vec<Tool> = self.generated.iter().map(|g| g.tool.clone()).collect();
        tools.extend(curated::tools());
        tools
    }

    /// Whether a tool of this name is offered.
    pub fn knows(&self, name: &str) -> bool {
        self.generated.iter().any(|g| g.tool.name == name) || curated::kind(name).is_some()
    }

    /// Calls a tool (blocking): its result, an error result when it failed.
    pub fn call(&self, name: &str, arguments: Map<String, Value>) -> CallToolResult {
        if let Some(bound) = &self.bound {
            bound.forget();
        }
        let outcome = match self.generated.iter().find(|g| g.tool.name == name) {
            Some(tool) => generated::call(self, tool, arguments),
            None => curated::call(self, name, arguments),
        };
        match outcome {
            Ok(answer) => answer.into_result(),
            Err(e) => e.into_result(),
        }
    }
}

/// The `rmcp` handler: lists the tools, and runs each call on the blocking pool.
#[derive(Clone)]
struct Handler {
    state: Arc<State>,
}

impl rmcp::ServerHandler for Handler {
    fn get_info(&self) -> ServerConfig {
        InitializeResult::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("tabflow", env!("CARGO_PKG_VERSION"))
                    .with_title("tabflow: Tableau flows"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, rmcp::ErrorData>> + Send + '_ {
        std::future::ready(Ok(ListToolsResult::with_all_items(self.state.tools())))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.state.tools().into_iter().find(|t| t.name == name)
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, rmcp::ErrorData>> + Send + '_ {
        let state = Arc::clone(&self.state);
        async move {
            let name = request.name.to_string();
            if !state.knows(&name) {
                return Err(rmcp::ErrorData::invalid_params(
                    format!("no tool named {name:?} (tools/list lists them)"),
                    None,
                ));
            }
            let arguments = request.arguments.unwrap_or_default();
            let result = tokio::task::spawn_blocking(move || state.call(&name, arguments))
                .await
                .unwrap_or_else(|e| {
                    ToolError::Failed(format!("the tool stopped unexpectedly: {e}")).into_result()
                });
            Ok(result.into())
        }
    }
}

/// What the server tells the agent about itself.
const INSTRUCTIONS: &str = "Tableau Prep flows on a Tableau Server or Cloud site: one tool per \
REST API flow method (named after the endpoint, e.g. query_flow), and list-flows, \
run-flow-and-wait, flow-run-history and describe-flow. Tools that change anything are refused \
unless the server was started with --allow-writes; tools that delete also need \
--allow-destructive.";

/// Serves the tools on standard input and output until the agent closes standard input.
pub fn serve(client: Arc<Client>, args: &McpArgs) -> Result<(), CliError> {
    let permissions = Permissions {
        writes: args.allow_writes,
        destructive: args.allow_destructive,
    };
    let (generated, _left) = table::load(table::GENERATED).map_err(CliError::other)?;
    let bound = bound::Bound::new(&client, &args.projects)?;
    let cancel = CancelToken::new();
    let state = Arc::new(State {
        client,
        permissions,
        bound,
        generated,
        cancel: cancel.clone(),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::other(format!("cannot start the MCP server: {e}")))?;
    let handler = Handler {
        state: Arc::clone(&state),
    };
    let outcome = runtime.block_on(async move {
        let service = handler
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| CliError::other(format!("the MCP session did not start: {e}")))?;
        service
            .waiting()
            .await
            .map_err(|e| CliError::other(format!("the MCP server stopped: {e}")))?;
        Ok::<(), CliError>(())
    });
    // Waits in progress end; tool calls still running get a few seconds to finish.
    cancel.cancel();
    runtime.shutdown_timeout(Duration::from_secs(5));
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_lose_their_secrets_in_text_and_structure() {
        let answer = Answer::Json(json!({
            "credentials": {"token": "tok-123", "site": {"id": "s"}},
            "connection": {"password": "pw-456", "userName": "etl"},
        }));
        let result = serde_json::to_string(&answer.into_result()).unwrap();
        assert!(!result.contains("tok-123"), "{result}");
        assert!(!result.contains("pw-456"), "{result}");
        assert!(result.contains("etl"), "{result}");
        assert!(result.contains(redact::REDACTED), "{result}");
    }

    #[test]
    fn opt_ins_are_named_by_what_is_missing() {
        let none = Permissions::default();
        assert_eq!(none.check("query_flow", Kind::Read), Ok(()));
        let ToolError::Refused(m) = none.check("run_flow_now", Kind::Write).unwrap_err() else {
            panic!("not a refusal")
        };
        assert!(
            m.contains("--allow-writes (or TABFLOW_MCP_WRITES=1)"),
            "{m}"
        );
        let ToolError::Refused(m) = none.check("delete_flow", Kind::Destructive).unwrap_err()
        else {
            panic!("not a refusal")
        };
        assert!(
            m.contains("--allow-writes") && m.contains("--allow-destructive"),
            "{m}"
        );
        let writes = Permissions {
            writes: true,
            destructive: false,
        };
        assert_eq!(writes.check("run_flow_now", Kind::Write), Ok(()));
        assert!(writes.check("delete_flow", Kind::Destructive).is_err());
        let both = Permissions {
            writes: true,
            destructive: true,
        };
        assert_eq!(both.check("delete_flow", Kind::Destructive), Ok(()));
    }

    #[test]
    fn service_errors_keep_code_summary_detail_and_endpoint() {
        let result = ToolError::Service {
            code: 404027,
            summary: "Flow not found".into(),
            detail: "no flow".into(),
            endpoint: "Query Flow".into(),
        }
        .into_result();
        assert_eq!(result.is_error, Some(true));
        let error = &result.structured_content.unwrap()["error"];
        assert_eq!(error["code"], 404027);
        assert_eq!(error["endpoint"], "Query Flow");
        assert_eq!(
            error["message"],
            "error 404027 (Flow not found) from Query Flow: no flow"
        );
    }
}
