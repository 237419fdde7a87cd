//! `flowspec export mcp`: one MCP tool per endpoint, generated from the spec (no hand-written
//! tool), and `docs/mcp-tools.md`, the tool list, kept equal to the spec.

use serde_json::Value;
use tableau_flows_tests::spec_dir;

fn spec_sources() -> Vec<(String, String)> {
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(spec_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "tfspec") {
            let name = format!("spec/{}", path.file_name().unwrap().to_string_lossy());
            sources.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    sources.sort();
    sources
}

fn tools_of(spec: &tableau_flows_codegen::ir::Spec) -> Vec<Value> {
    serde_json::from_str(&tableau_flows_codegen::export_mcp_tools(spec)).expect("valid JSON")
}

fn spec() -> tableau_flows_codegen::ir::Spec {
    tableau_flows_codegen::load(spec_dir()).expect("spec")
}

fn tool<'a>(tools: &'a [Value], name: &str) -> &'a Value {
    tools
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no tool {name}"))
}

#[test]
fn mcp_tools_snapshot() {
    insta::assert_snapshot!(
        "mcp_tools",
        tableau_flows_codegen::export_mcp_tools(&spec())
    );
}

#[test]
fn one_tool_per_endpoint_with_annotations_from_the_method() {
    let spec = spec();
    let tools = tools_of(&spec);
    assert_eq!(tools.len(), spec.endpoints.len());
    for (t, e) in tools.iter().zip(&spec.endpoints) {
        assert_eq!(t["name"], e.id.as_str());
        assert_eq!(t["title"], e.title.as_str());
        let a = &t["annotations"];
        assert_eq!(a["readOnlyHint"], e.method == "GET", "{}", e.id);
        assert_eq!(a["destructiveHint"], e.method == "DELETE", "{}", e.id);
        assert_eq!(a["idempotentHint"], e.idempotent, "{}", e.id);
        let meta = &t["_meta"]["tableau/endpoint"];
        assert_eq!(meta["method"], e.method.as_str());
        assert_eq!(meta["path"], e.path.as_str());
        assert_eq!(meta["session"], e.group == "auth", "{}", e.id);
        let schema = &t["inputSchema"];
        assert_eq!(schema["type"], "object");
        assert_eq!(schema["additionalProperties"], false);
        // Every reference resolves inside the tool's own schema.
        let text = schema.to_string();
        for piece in text.split("\"$ref\":\"").skip(1) {
            let target = &piece[..piece.find('"').unwrap()];
            let name = target
                .strip_prefix("#/$defs/")
                .unwrap_or_else(|| panic!("{}: a reference outside $defs: {target}", e.id));
            assert!(schema["$defs"].get(name).is_some(), "{}: {target}", e.id);
        }
        assert!(!text.contains("#/components/"), "{}", e.id);
        // The session's site is never asked for.
        assert!(schema["properties"].get("site_id").is_none(), "{}", e.id);
    }
    // Permission removals and deletions are destructive; reads are read-only.
    for name in [
        "delete_flow",
        "delete_flow_permission_for_user",
        "delete_flow_permission_for_group",
        "delete_tag_from_flow",
    ] {
        let t = tool(&tools, name);
        assert_eq!(t["annotations"]["destructiveHint"], true, "{name}");
        assert_eq!(t["_meta"]["tableau/endpoint"]["kind"], "destructive");
    }
    assert_eq!(
        tool(&tools, "run_flow_now")["_meta"]["tableau/endpoint"]["kind"],
        "write"
    );
    assert_eq!(
        tool(&tools, "query_flow")["_meta"]["tableau/endpoint"]["kind"],
        "read"
    );
    // What an answer carries, for a server to return it as a document or a file.
    let response = |name: &str| tool(&tools, name)["_meta"]["tableau/endpoint"]["response"].clone();
    assert_eq!(response("download_flow"), "file");
    assert_eq!(response("query_flow"), "document");
    assert_eq!(response("delete_flow"), "none");
}

#[test]
fn input_schemas_hold_path_query_and_body() {
    let tools = tools_of(&spec());
    let q = &tool(&tools, "query_flow")["inputSchema"];
    assert_eq!(q["required"], serde_json::json!(["flow_id"]));
    let runs = &tool(&tools, "get_flow_runs")["inputSchema"]["properties"];
    assert_eq!(runs["pageSize"]["type"], "integer");
    assert_eq!(runs["pageSize"]["maximum"], 1000);
    let filter = runs["filter"]["description"].as_str().unwrap();
    assert!(
        filter.contains("startedAt (eq, gt, gte, lt, lte)"),
        "{filter}"
    );
    let publish = &tool(&tools, "publish_flow")["inputSchema"];
    assert_eq!(publish["properties"]["overwrite"]["type"], "boolean");
    assert!(publish["properties"]["file"].is_object());
    let update = &tool(&tools, "update_flow")["inputSchema"];
    assert_eq!(update["required"], serde_json::json!(["flow_id", "body"]));
    assert_eq!(
        update["properties"]["body"]["allOf"][0]["$ref"],
        "#/$defs/UpdateFlowRequestInputJson"
    );
    // The JSON form: the root dropped, `flow` at the top.
    assert!(
        update["$defs"]["UpdateFlowRequestInputJson"]["properties"]["flow"].is_object(),
        "{update}"
    );
}

/// A new endpoint in the spec becomes a tool: nothing but the spec is written for it.
#[test]
fn a_new_endpoint_in_the_spec_becomes_a_tool() {
    let mut sources = spec_sources();
    let tags = sources
        .iter_mut()
        .find(|(name, _)| name == "spec/tags.tfspec")
        .expect("spec/tags.tfspec");
    tags.1.push_str(
        r#"
endpoint rename_flow_tag {
    title: "Rename Flow Tag",
    page: support,
    group: tags,
    method: PUT,
    path: "/sites/{site_id}/flows/{flow_id}/tags/{tag_name}",
    since: 3.20,
    description: "Renames a tag of the specified flow.",
    path_params {
        site_id: SiteId session "The ID of the site that contains the flow.",
        flow_id: FlowId "The ID of the flow.",
        tag_name: String "The tag to rename.",
    },
    query {
        page_size: u32 as "pageSize" range 1..=1000 default "100" invalid 400007 "(Optional) How many.",
    },
    uri_forms: ["", "?pageSize"],
    request: xml AddTagsToFlowRequest,
    response: 200 xml AddTagsToFlowResponse,
    errors {
        400 400000 "Bad request" "The body is malformed.",
        400 400007 "Invalid page size" "The page size is outside 1 to 1000.",
        404 404027 "Flow not found" "The flow ID in the URI doesn't correspond to an existing flow.",
    },
}
"#,
    );
    let spec = tableau_flows_codegen::load_sources(&sources, &spec_dir()).unwrap_or_else(|e| {
        panic!("{e}");
    });
    let tools = tools_of(&spec);
    let t = tool(&tools, "rename_flow_tag");
    assert_eq!(t["title"], "Rename Flow Tag");
    let schema = &t["inputSchema"];
    assert_eq!(
        schema["required"],
        serde_json::json!(["flow_id", "tag_name", "body"])
    );
    assert_eq!(schema["properties"]["pageSize"]["type"], "integer");
    assert!(schema["$defs"]["AddTagsToFlowRequestInputJson"].is_object());
    assert_eq!(t["annotations"]["readOnlyHint"], false);
    assert_eq!(t["annotations"]["idempotentHint"], true);
    let meta = &t["_meta"]["tableau/endpoint"];
    assert_eq!(meta["kind"], "write");
    assert_eq!(meta["since"], "3.20");
    assert_eq!(
        meta["pathParams"],
        serde_json::json!(["flow_id", "tag_name"])
    );
    assert!(
        tableau_flows_codegen::export_mcp_markdown(&spec).contains("| `rename_flow_tag` | write |")
    );
    // And only that one was added.
    assert_eq!(tools.len(), tools_of(&self::spec()).len() + 1);
}

#[test]
fn docs_tool_list_is_generated_from_the_spec() {
    let docs = tableau_flows_tests::spec_dir()
        .parent()
        .unwrap()
        .join("docs/mcp-tools.md");
    let committed = std::fs::read_to_string(&docs).unwrap_or_default();
    let generated = tableau_flows_codegen::export_mcp_markdown(&spec());
    assert!(
        committed == generated,
        "{} is not the spec's tool list: run `cargo run -p tableau-flows-codegen --bin flowspec -- export mcp-markdown > docs/mcp-tools.md`",
        docs.display()
    );
}
