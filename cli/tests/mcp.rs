//! `tabflow mcp` driven as an agent drives it: JSON-RPC lines on its standard input and output,
//! against the simulator started in the test process.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use tableau_flows::endpoints;
use tableau_flows::meta::RequestKind;
use tableau_flows_mock::{MockServer, demo};

mod common;

/// The curated tools.
const CURATED: [&str; 4] = [
    "list-flows",
    "run-flow-and-wait",
    "flow-run-history",
    "describe-flow",
];

/// A running `tabflow mcp`, initialized.
struct Agent {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    next: u64,
}

/// `tabflow` for `server`, with a clean environment and its own state directories.
fn tabflow(server: &MockServer) -> Command {
    common::admin(server, &common::home("mcp-no-home"))
}

impl Agent {
    /// Starts `tabflow [global] mcp [args]` and initializes the session.
    fn start(server: &MockServer, args: &[&str]) -> Agent {
        Agent::start_with(tabflow(server), args)
    }

    fn start_with(mut command: Command, args: &[&str]) -> Agent {
        let mut child = command
            .arg("mcp")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tabflow mcp starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut agent = Agent {
            child,
            stdin,
            stdout,
            next: 0,
        };
        let init = agent.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "tabflow-tests", "version": "1"}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "tabflow", "{init:#}");
        assert!(
            init["result"]["capabilities"]["tools"].is_object(),
            "{init:#}"
        );
        agent.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        agent
    }

    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().expect("open");
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    /// Sends a request and returns its answer (skipping notifications).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            let n = self.stdout.read_line(&mut line).unwrap();
            assert!(n > 0, "tabflow mcp closed its output");
            let message: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not one JSON-RPC message a line ({e}): {line}"));
            if message["id"] == json!(id) {
                return message;
            }
        }
    }

    fn tools(&mut self) -> Vec<Value> {
        let answer = self.request("tools/list", json!({}));
        answer["result"]["tools"].as_array().unwrap().clone()
    }

    /// Calls a tool; its result (`isError` or not).
    fn call(&mut self, name: &str, arguments: Value) -> Value {
        let answer = self.request("tools/call", json!({"name": name, "arguments": arguments}));
        assert!(answer.get("error").is_none(), "{answer:#}");
        answer["result"].clone()
    }

    /// Calls a tool that must succeed; its structured content.
    #[track_caller]
    fn ok(&mut self, name: &str, arguments: Value) -> Value {
        let result = self.call(name, arguments);
        assert_eq!(result["isError"], json!(false), "{result:#}");
        let text: Value = serde_json::from_str(result["content"][0]["text"].as_str().unwrap())
            .expect("the text is the JSON answer");
        assert_eq!(text, result["structuredContent"], "{result:#}");
        result["structuredContent"].clone()
    }

    /// Calls a tool that must fail; its error (`structuredContent.error`), whose message is also
    /// the text.
    #[track_caller]
    fn fails(&mut self, name: &str, arguments: Value) -> Value {
        let result = self.call(name, arguments);
        assert_eq!(result["isError"], json!(true), "{result:#}");
        let error = result["structuredContent"]["error"].clone();
        assert_eq!(result["content"][0]["text"], error["message"], "{result:#}");
        error
    }

    /// Closes standard input and returns the exit status and standard error.
    fn finish(mut self) -> (i32, String) {
        drop(self.stdin.take());
        let output = self.child.wait_with_output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8(output.stderr).unwrap(),
        )
    }
}

fn simulator() -> MockServer {
    MockServer::builder().start().expect("the simulator starts")
}

#[test]
fn lists_one_tool_per_endpoint_but_sessions_and_files_plus_the_curated_ones() {
    let server = simulator();
    let mut agent = Agent::start(&server, &[]);
    let tools = agent.tools();
    let offered: Vec<&str> = endpoints::ALL
        .iter()
        .filter(|e| !e.path.starts_with("/auth/") && e.request != RequestKind::Multipart)
        .map(|e| e.id)
        .collect();
    assert_eq!(tools.len(), offered.len() + CURATED.len());
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for id in offered.iter().chain(CURATED.iter()) {
        assert!(names.contains(id), "{id} is not offered: {names:?}");
    }
    for left_out in [
        "sign_in",
        "sign_out",
        "publish_flow",
        "append_to_file_upload",
    ] {
        assert!(!names.contains(&left_out), "{left_out}");
    }
    for tool in &tools {
        let schema = &tool["inputSchema"];
        assert_eq!(schema["type"], "object", "{tool:#}");
        assert_eq!(schema["additionalProperties"], json!(false), "{tool:#}");
        assert!(
            tool["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{tool:#}"
        );
        let name = tool["name"].as_str().unwrap();
        if let Some(e) = endpoints::ALL.iter().find(|e| e.id == name) {
            assert_eq!(
                tool["annotations"]["readOnlyHint"],
                json!(e.method == "GET"),
                "{name}"
            );
            assert_eq!(
                tool["annotations"]["destructiveHint"],
                json!(e.method == "DELETE"),
                "{name}"
            );
        }
    }
    let (status, stderr) = agent.finish();
    assert_eq!((status, stderr.as_str()), (0, ""));
}

#[test]
fn a_read_tool_answers_json_and_a_service_error_is_a_tool_error() {
    let server = simulator();
    let mut agent = Agent::start(&server, &[]);
    let answer = agent.ok("query_flow", json!({"flow_id": demo::SALES_FLOW_ID}));
    assert_eq!(answer["flow"]["name"], "Sales Cleanup", "{answer:#}");
    let listed = agent.ok(
        "query_flows_for_site",
        json!({"pageSize": 2, "sort": "name:asc"}),
    );
    assert_eq!(
        listed["flows"]["flow"].as_array().unwrap().len(),
        2,
        "{listed:#}"
    );
    assert_eq!(listed["pagination"]["totalAvailable"], "3", "{listed:#}");
    // A filter any server takes passes the tool's checks (a 31st included), and one naming a
    // field the endpoint lacks is refused naming the field.
    let runs = agent.ok(
        "get_flow_runs",
        json!({"filter": "startedAt:gte:2020-12-31T00:00:00Z"}),
    );
    assert!(runs["flowRuns"].is_object(), "{runs:#}");
    let error = agent.fails("get_flow_runs", json!({"filter": "colour:eq:red"}));
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("colour"),
        "{error:#}"
    );

    let error = agent.fails(
        "query_flow",
        json!({"flow_id": "00000000-0000-4000-8000-000000000000"}),
    );
    assert_eq!(error["kind"], "service", "{error:#}");
    assert_eq!(error["code"], 404027, "{error:#}");
    assert_eq!(error["endpoint"], "Query Flow", "{error:#}");
    assert!(
        error["summary"].as_str().unwrap().contains("not found"),
        "{error:#}"
    );
    // An unknown tool is the protocol's error, not a tool's.
    let answer = agent.request(
        "tools/call",
        json!({"name": "query_flowz", "arguments": {}}),
    );
    assert_eq!(answer["error"]["code"], -32602, "{answer:#}");
}

#[test]
fn bad_arguments_are_tool_errors_naming_what_is_wrong_and_nothing_is_sent() {
    let server = simulator();
    let mut agent = Agent::start(&server, &["--allow-writes"]);
    let error = agent.fails(
        "query_flow",
        json!({"flow_id": demo::SALES_FLOW_ID, "colour": "red"}),
    );
    assert_eq!(error["kind"], "badArguments", "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("unknown property \"colour\" (it takes: flow_id)"),
        "{error:#}"
    );
    let error = agent.fails("query_flow", json!({"flow_id": 42}));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("flow_id: expected string, got integer 42"),
        "{error:#}"
    );
    let error = agent.fails("query_flow", json!({}));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("\"flow_id\" is required"),
        "{error:#}"
    );
    let error = agent.fails("query_flows_for_site", json!({"pageSize": 5000}));
    assert!(
        error["message"].as_str().unwrap().contains("pageSize"),
        "{error:#}"
    );
    // A body of the wrong shape is refused before it is sent: the flow keeps its name.
    let error = agent.fails(
        "update_flow",
        json!({"flow_id": demo::SALES_FLOW_ID, "body": {"flow": {"project": {"id": 7}}}}),
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("body.flow.project.id: expected string"),
        "{error:#}"
    );
    let flow = agent.ok("query_flow", json!({"flow_id": demo::SALES_FLOW_ID}));
    assert_eq!(flow["flow"]["project"]["name"], "Sales");
    let error = agent.fails(
        "run-flow-and-wait",
        json!({"flow": "Sales Cleanup", "timeout": 5}),
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("unknown property \"timeout\""),
        "{error:#}"
    );
}

#[test]
fn a_write_tool_is_refused_until_allowed() {
    let server = simulator();
    let mut agent = Agent::start(&server, &[]);
    let error = agent.fails("run_flow_now", json!({"flow_id": demo::SALES_FLOW_ID}));
    assert_eq!(error["kind"], "refused", "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("--allow-writes"),
        "{error:#}"
    );
    let error = agent.fails("run-flow-and-wait", json!({"flow": "Sales Cleanup"}));
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("--allow-writes"),
        "{error:#}"
    );
    let runs = agent.ok("get_flow_runs", json!({}));
    assert!(
        runs["flowRuns"]["flowRuns"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{runs:#}"
    );
    agent.finish();

    // The option, or its environment variable.
    for (args, env) in [(&["--allow-writes"][..], None), (&[][..], Some("1"))] {
        let mut command = tabflow(&server);
        if let Some(v) = env {
            command.env("TABFLOW_MCP_WRITES", v);
        }
        let mut agent = Agent::start_with(command, args);
        let started = agent.ok("run_flow_now", json!({"flow_id": demo::SALES_FLOW_ID}));
        assert!(started["job"]["id"].is_string(), "{started:#}");
    }
}

#[test]
fn a_destructive_tool_needs_both_opt_ins() {
    let server = simulator();
    let tag = json!({"flow_id": demo::SALES_FLOW_ID, "tag_name": "daily"});
    let mut agent = Agent::start(&server, &["--allow-writes"]);
    let error = agent.fails("delete_tag_from_flow", tag.clone());
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("--allow-destructive (or TABFLOW_MCP_DESTRUCTIVE=1)"),
        "{error:#}"
    );
    agent.finish();
    let mut agent = Agent::start(&server, &["--allow-destructive"]);
    let error = agent.fails("delete_tag_from_flow", tag.clone());
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("--allow-writes"),
        "{error:#}"
    );
    agent.finish();
    let mut agent = Agent::start(&server, &["--allow-writes", "--allow-destructive"]);
    agent.ok("delete_tag_from_flow", tag);
    let flow = agent.ok("query_flow", json!({"flow_id": demo::SALES_FLOW_ID}));
    let tags: Vec<&str> = flow["flow"]["tags"]["tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["sales"]);
}

#[test]
fn project_bounds_refuse_outside_and_filter_lists() {
    let server = simulator();
    let mut agent = Agent::start(&server, &["--project", "Sales", "--allow-writes"]);
    // A flow, a run, a task outside: refused, naming the bound.
    let error = agent.fails("query_flow", json!({"flow_id": demo::COFFEE_FLOW_ID}));
    assert_eq!(error["kind"], "refused", "{error:#}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("(Sales: --project)"),
        "{error:#}"
    );
    let error = agent.fails("run-flow-and-wait", json!({"flow": "Coffee Chain"}));
    assert_eq!(error["kind"], "refused", "{error:#}");
    let error = agent.fails("describe-flow", json!({"flow": demo::COFFEE_FLOW_ID}));
    assert_eq!(error["kind"], "refused", "{error:#}");
    // Moving a flow out of the bound is refused too.
    let error = agent.fails(
        "update_flow",
        json!({"flow_id": demo::SALES_FLOW_ID,
               "body": {"flow": {"project": {"id": demo::PROJECT_ID}}}}),
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("named in the body"),
        "{error:#}"
    );
    // Inside: allowed.
    agent.ok("query_flow", json!({"flow_id": demo::SALES_FLOW_ID}));
    // A flow moved out of the bound by someone else is refused from then on (what an earlier
    // call looked up is not trusted later), and allowed again once moved back.
    let moved = |to: &str| {
        let output = tabflow(&server)
            .args(["flows", "update", demo::SALES_FLOW_ID, "--project", to])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    };
    moved("Default");
    let error = agent.fails("query_flow", json!({"flow_id": demo::SALES_FLOW_ID}));
    assert_eq!(error["kind"], "refused", "{error:#}");
    moved("Sales");
    agent.ok("query_flow", json!({"flow_id": demo::SALES_FLOW_ID}));
    // Lists keep what is inside and say how many were withheld.
    let listed = agent.ok("query_flows_for_site", json!({}));
    let names: Vec<&str> = listed["flows"]["flow"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Sales Cleanup"], "{listed:#}");
    assert_eq!(listed["withheld"]["count"], 2, "{listed:#}");
    let tasks = agent.ok("get_flow_run_tasks", json!({}));
    assert_eq!(tasks["withheld"]["count"], 2, "{tasks:#}");
    let curated = agent.ok("list-flows", json!({}));
    assert_eq!(curated["returnedCount"], 1, "{curated:#}");
    assert_eq!(curated["withheld"]["count"], 2, "{curated:#}");
    agent.finish();

    // A project that does not exist stops the server before it starts.
    let output = tabflow(&server)
        .args(["mcp", "--project", "Nowhere"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--project Nowhere"), "{stderr}");
}

#[test]
fn secrets_appear_neither_in_answers_nor_in_logs() {
    let server = simulator();
    let mut command = tabflow(&server);
    command.arg("-v");
    let mut agent = Agent::start_with(command, &["--allow-writes"]);
    let connections = agent.ok(
        "query_flow_connections",
        json!({"flow_id": demo::SALES_FLOW_ID}),
    );
    let connection_id = connections["connections"]["connection"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let updated = agent.ok(
        "update_flow_connection",
        json!({"flow_id": demo::SALES_FLOW_ID, "connection_id": connection_id,
               "body": {"connection": {"userName": "etl", "password": "hunter2-secret",
                                       "embedPassword": "true"}}}),
    );
    assert_eq!(updated["connection"]["userName"], "etl", "{updated:#}");
    assert!(
        !updated.to_string().contains("hunter2-secret"),
        "{updated:#}"
    );
    let (status, stderr) = agent.finish();
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("PUT "), "the request log: {stderr}");
    for secret in ["hunter2-secret", demo::PAT_SECRET] {
        assert!(!stderr.contains(secret), "{secret} in the log: {stderr}");
    }
}

#[test]
fn curated_tools_run_with_parameters_report_history_and_describe() {
    let server = simulator();
    let mut agent = Agent::start(&server, &["--allow-writes"]);
    let error = agent.fails(
        "run-flow-and-wait",
        json!({"flow": "Sales/Sales Cleanup", "parameters": {"Region": "Middle"}}),
    );
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("is not one of North, South, East, West"),
        "{error:#}"
    );
    let ran = agent.ok(
        "run-flow-and-wait",
        json!({"flow": "Sales/Sales Cleanup", "parameters": {"Region": "South", "Top N": 5}}),
    );
    assert_eq!(ran["flowRun"]["status"], "Success", "{ran:#}");
    assert_eq!(ran["flowRun"]["flowName"], "Sales Cleanup", "{ran:#}");
    let failed = agent.fails("run-flow-and-wait", json!({"flow": "Broken Loom"}));
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("could not connect"),
        "{failed:#}"
    );

    let history = agent.ok("flow-run-history", json!({"limit": 1}));
    assert_eq!(history["returnedCount"], 1, "{history:#}");
    assert_eq!(history["totalAvailable"], 2, "{history:#}");
    assert_eq!(history["truncated"], true, "{history:#}");
    // Newest first: the failed run, with its reason.
    assert_eq!(history["runs"][0]["status"], "Failed", "{history:#}");
    assert!(
        history["runs"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("could not connect")
    );
    let sales = agent.ok(
        "flow-run-history",
        json!({"flow": "Sales Cleanup", "status": ["Success"]}),
    );
    assert_eq!(sales["runs"][0]["flowName"], "Sales Cleanup", "{sales:#}");
    assert!(sales["runs"][0]["durationSeconds"].is_i64(), "{sales:#}");

    let listed = agent.ok("list-flows", json!({"tags": ["sales"], "project": "Sales"}));
    assert_eq!(listed["returnedCount"], 1, "{listed:#}");
    assert_eq!(listed["truncated"], false, "{listed:#}");
    let limited = agent.ok("list-flows", json!({"limit": 2}));
    assert_eq!(
        (
            limited["returnedCount"].clone(),
            limited["totalAvailable"].clone(),
            limited["truncated"].clone()
        ),
        (json!(2), json!(3), json!(true)),
        "{limited:#}"
    );
    assert!(
        limited["truncationReason"]
            .as_str()
            .unwrap()
            .starts_with("limit")
    );

    let described = agent.ok("describe-flow", json!({"flow": "Sales Cleanup"}));
    assert!(
        !described["inputs"].as_array().unwrap().is_empty(),
        "{described:#}"
    );
    assert!(
        !described["outputs"].as_array().unwrap().is_empty(),
        "{described:#}"
    );

    let file = agent.call("download_flow", json!({"flow_id": demo::SALES_FLOW_ID}));
    assert_eq!(file["isError"], json!(false), "{file:#}");
    assert_eq!(file["content"][1]["type"], "resource", "{file:#}");
    assert!(
        file["content"][1]["resource"]["blob"]
            .as_str()
            .unwrap()
            .starts_with("UEsDB")
    );
    // What the file is, from the answer's headers (the spec's type for a .tflx), and of what.
    let about = &file["structuredContent"];
    assert_eq!(about["fileName"], "Sales Cleanup.tflx", "{file:#}");
    assert_eq!(about["contentType"], "application/octet-stream", "{file:#}");
    assert_eq!(about["flow_id"], demo::SALES_FLOW_ID, "{file:#}");
    assert_eq!(
        file["content"][1]["resource"]["uri"],
        format!("tabflow:///download_flow/{}", demo::SALES_FLOW_ID),
        "{file:#}"
    );
}

/// The experimental endpoint (under /api/exp, no API version) is a tool like any other: where
/// the server has it, it answers the flow's document; where its flag is off, the server's
/// refusal comes back as the service error it is.
#[test]
fn the_experimental_document_endpoint_is_a_tool_too() {
    let on = MockServer::builder()
        .flow_document_api(tableau_flows_mock::FlowDocumentApi::On)
        .start()
        .unwrap();
    let mut agent = Agent::start(&on, &[]);
    let document = agent.ok("get_flow_document", json!({"flow_id": demo::SALES_FLOW_ID}));
    assert!(document["nodes"].is_object(), "{document:#}");
    assert!(document["initialNodes"].is_array(), "{document:#}");
    drop(agent);
    let off = simulator();
    let mut agent = Agent::start(&off, &[]);
    let error = agent.fails("get_flow_document", json!({"flow_id": demo::SALES_FLOW_ID}));
    assert_eq!(error["kind"], "service", "{error:#}");
    assert_eq!(error["code"], 403200, "{error:#}");
}

#[test]
fn secrets_on_standard_input_are_refused() {
    let server = simulator();
    let output = tabflow(&server)
        .args(["--token-secret-stdin", "mcp"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("tabflow mcp speaks on standard input"),
        "{stderr}"
    );
}
