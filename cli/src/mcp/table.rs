//! The generated tools: one per endpoint of the spec, read as data from the table the build
//! script writes (`tableau_flows_codegen::export_mcp_tools`, the same table as `flowspec export
//! mcp`). Each entry is an MCP `Tool` whose `_meta["tableau/endpoint"]` says how to call it; a
//! new endpoint in the spec becomes a tool with no code here.

use rmcp::model::Tool;
use serde::Deserialize;
use serde_json::Value;

/// The tool table generated from the spec at build time (a JSON array of MCP tools).
pub const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/mcp-tools.json"));

/// The `_meta` key holding how to call a generated tool.
pub const META_KEY: &str = "tableau/endpoint";

/// What a tool does, as the spec classes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Reads only (`GET`).
    Read,
    /// Changes something (needs `--allow-writes`).
    Write,
    /// Deletes something (needs `--allow-writes` and `--allow-destructive`).
    Destructive,
}

/// What a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Request {
    /// Nothing.
    None,
    /// An empty `<tsRequest/>`.
    Empty,
    /// A document: the tool's `body` argument, sent as JSON.
    Xml,
    /// A file and a document in a multipart body.
    Multipart,
}

/// What a successful answer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Response {
    /// Nothing.
    None,
    /// A document (asked for as JSON).
    #[default]
    Document,
    /// A file (Download Flow's), returned as an embedded resource.
    File,
}

/// The type of a query parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamType {
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// Text.
    String,
    /// A list, sent comma-separated.
    Array,
}

/// A query parameter of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct QueryParam {
    /// Its name on the wire (and in the tool's arguments).
    pub name: String,
    /// Its value's type.
    #[serde(rename = "type")]
    pub kind: ParamType,
}

/// How to call the endpoint behind a generated tool (`_meta["tableau/endpoint"]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// The HTTP method.
    pub method: String,
    /// The path, with `{placeholders}`.
    pub path: String,
    /// What the request carries.
    pub request: Request,
    /// What a successful answer carries.
    #[serde(default)]
    pub response: Response,
    /// What the tool does.
    pub kind: Kind,
    /// Whether it opens or closes a session (not offered: the server holds its own).
    #[serde(default)]
    pub session: bool,
    /// Its path parameters, `site_id` aside.
    #[serde(default)]
    pub path_params: Vec<String>,
    /// Its query parameters.
    #[serde(default)]
    pub query_params: Vec<QueryParam>,
}

/// A generated tool and its endpoint.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The tool as listed (its name is the endpoint's id).
    pub tool: Tool,
    /// How to call it.
    pub endpoint: Endpoint,
}

/// Why an endpoint of the table is not offered as a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    /// The endpoint's id.
    pub id: String,
    /// Why.
    pub why: &'static str,
}

/// The tools of a table (`json`, as [`GENERATED`]), and the endpoints left out with why: those
/// that sign in or out (the server holds its own session), and those that send a file in a
/// multipart body (the call layer behind the tools sends JSON documents only; `tabflow flows
/// publish` publishes). A malformed table is an error naming the entry.
pub fn load(json: &str) -> Result<(Vec<Generated>, Vec<Left>), String> {
    let tools: Vec<Tool> =
        serde_json::from_str(json).map_err(|e| format!("the tool table is not valid: {e}"))?;
    let mut offered = Vec::new();
    let mut left = Vec::new();
    for tool in tools {
        let meta = tool
            .meta
            .as_ref()
            .and_then(|m| m.get(META_KEY))
            .cloned()
            .unwrap_or(Value::Null);
        let endpoint: Endpoint = serde_json::from_value(meta).map_err(|e| {
            format!(
                "the tool {} has no valid _meta[{META_KEY:?}]: {e}",
                tool.name
            )
        })?;
        if endpoint.session {
            left.push(Left {
                id: tool.name.to_string(),
                why: "it signs in or out: the server holds its own session",
            });
        } else if endpoint.request == Request::Multipart {
            left.push(Left {
                id: tool.name.to_string(),
                why: "it sends a file in a multipart body: use `tabflow flows publish`",
            });
        } else {
            offered.push(Generated { tool, endpoint });
        }
    }
    Ok((offered, left))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_table_loads_and_leaves_out_sessions_and_files() {
        let (offered, left) = load(GENERATED).unwrap();
        let ids: Vec<&str> = left.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "sign_in",
                "sign_out",
                "publish_flow",
                "append_to_file_upload"
            ]
        );
        assert_eq!(
            offered.len() + left.len(),
            tableau_flows::endpoints::ALL.len()
        );
        let query_flow = offered
            .iter()
            .find(|g| g.tool.name == "query_flow")
            .unwrap();
        assert_eq!(query_flow.endpoint.kind, Kind::Read);
        assert_eq!(query_flow.endpoint.path_params, ["flow_id"]);
        let delete = offered
            .iter()
            .find(|g| g.tool.name == "delete_flow")
            .unwrap();
        assert_eq!(delete.endpoint.kind, Kind::Destructive);
    }

    #[test]
    fn a_new_endpoint_in_the_table_becomes_a_tool() {
        let table = r#"[{"name": "query_flow_widgets", "inputSchema": {"type": "object"},
            "_meta": {"tableau/endpoint": {"method": "GET", "path": "/sites/{site_id}/widgets",
            "request": "none", "kind": "read"}}}]"#;
        let (offered, left) = load(table).unwrap();
        assert!(left.is_empty());
        assert_eq!(offered[0].tool.name, "query_flow_widgets");
        assert_eq!(offered[0].endpoint.kind, Kind::Read);
    }

    #[test]
    fn a_malformed_table_names_the_entry() {
        let table = r#"[{"name": "x", "inputSchema": {"type": "object"}}]"#;
        let err = load(table).unwrap_err();
        assert!(err.contains("the tool x has no valid _meta"), "{err}");
        assert!(load("{").is_err());
    }
}
