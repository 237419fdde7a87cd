//! `tabflow flows describe`: a local flow file (no server), a flow by name or id on the
//! simulator (downloaded), as text, JSON and a Mermaid graph.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tableau_flows_mock::{MockServer, demo};

mod common;

/// `tabflow` with none of the caller's TABLEAU_*/TABFLOW_* variables, its saved sessions and config
/// in an empty directory.
fn bare() -> Command {
    let mut c = common::clean(&common::home("describe-no-home"));
    c.stdin(Stdio::null());
    c
}

fn tabflow(server: &MockServer) -> Command {
    let mut c = common::admin(server, &common::home("describe-no-home"));
    c.stdin(Stdio::null());
    c
}

/// Runs `command` with `args`: (status, stdout, stderr).
fn run(mut command: Command, args: &[&str]) -> (i32, String, String) {
    let o = command.args(args).output().expect("tabflow runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).expect("UTF-8"),
        String::from_utf8(o.stderr).expect("UTF-8"),
    )
}

#[track_caller]
fn ok(command: Command, args: &[&str]) -> String {
    let (status, out, err) = run(command, args);
    assert_eq!((status, err.as_str()), (0, ""), "{args:?}: {out}");
    out
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("describe-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn names<'v>(value: &'v Value, pointer: &str) -> Vec<&'v str> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no array at {pointer}"))
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect()
}

const SALES_TEXT: &str = "\
Flow: Sales Cleanup

Inputs
  Orders  [.v1.LoadCsv]  textscan, file orders.csv (packaged), table [orders.csv]
  Regions  [.v1.LoadSql]  postgres, server sales-db.example.com, table [regions]

Steps
  1. Orders (input) -> Join
  2. Regions (input) -> Join
  3. Join (join) -> Clean
  4. Clean (clean): Rename amt to Amount -> Sales CSV, Sales Hyper
  5. Sales CSV (output)
  6. Sales Hyper (output)

Outputs
  Sales CSV  csv-file, data source Sales CSV, project Default
  Sales Hyper  hyper-file, data source Sales Hyper, project Default

Parameters
  Region (string) = North, one of North, South, East, West
  Top N (integer) = 10, required, from 1 to 100 by 1

Lineage
  Sales CSV <- Orders, Regions
  Sales Hyper <- Orders, Regions
";

#[test]
fn a_local_file_is_described_without_a_server() {
    let dir = scratch("local");
    let file = dir.join("Sales Cleanup.tflx");
    std::fs::write(&file, demo::sales_cleanup_file()).unwrap();
    let path = file.to_str().unwrap();
    // No server, no credentials: the file is read as it is.
    assert_eq!(ok(bare(), &["flows", "describe", path]), SALES_TEXT);
    let json: Value = serde_json::from_str(&ok(
        bare(),
        &["flows", "describe", path, "--format", "json"],
    ))
    .unwrap();
    assert_eq!(names(&json, "/inputs"), ["Orders", "Regions"]);
    assert_eq!(names(&json, "/outputs"), ["Sales CSV", "Sales Hyper"]);
    assert_eq!(
        json["inputs"][1]["connection"]["server"],
        "sales-db.example.com"
    );
    // --json is --format json.
    assert_eq!(
        serde_json::from_str::<Value>(&ok(bare(), &["--json", "flows", "describe", path])).unwrap(),
        json
    );
    // No credential: the user name of the connection never appears.
    assert!(!json.to_string().contains("\"sales\""), "{json}");

    let mermaid = ok(bare(), &["flows", "describe", path, "--format", "mermaid"]);
    assert_eq!(
        mermaid,
        "flowchart LR
    s1([\"Orders #40;input#41;\"])
    s2([\"Regions #40;input#41;\"])
    s3[\"Join #40;join#41;\"]
    s4[\"Clean #40;clean#41;\"]
    s5[[\"Sales CSV #40;output#41;\"]]
    s6[[\"Sales Hyper #40;output#41;\"]]
    s1 --> s3
    s2 --> s3
    s3 --> s4
    s4 --> s5
    s4 --> s6
"
    );

    // A file that is not a flow file: one line naming what is wrong, status 1.
    let bad = dir.join("bad.tfl");
    std::fs::write(&bad, b"not a zip").unwrap();
    let (status, out, err) = run(bare(), &["flows", "describe", bad.to_str().unwrap()]);
    assert_eq!((status, out.as_str()), (1, ""), "{err}");
    assert!(err.contains("not a zip archive"), "{err}");
}

#[test]
fn a_flow_on_the_server_is_downloaded_and_described() {
    let server = MockServer::builder().start().expect("the simulator starts");
    // By name, by id, and by name in a project: the same description as the file's.
    assert_eq!(
        ok(tabflow(&server), &["flows", "describe", "Sales Cleanup"]),
        SALES_TEXT
    );
    assert_eq!(
        ok(
            tabflow(&server),
            &["flows", "describe", demo::SALES_FLOW_ID]
        ),
        SALES_TEXT
    );
    assert_eq!(
        ok(
            tabflow(&server),
            &["flows", "describe", "Sales Cleanup", "--project", "Sales"]
        ),
        SALES_TEXT
    );
    let json: Value = serde_json::from_str(&ok(
        tabflow(&server),
        &["flows", "describe", "Coffee Chain", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(names(&json, "/inputs"), ["Coffee Sales"]);
    assert_eq!(json["inputs"][0]["connection"]["class"], "sqlserver");
    assert_eq!(json["inputs"][0]["table"], "[coffee_sales]");
    assert_eq!(names(&json, "/outputs"), ["Coffee Chain output"]);
    assert_eq!(json["lineage"][0]["inputs"][0]["name"], "Coffee Sales");
    assert!(!json.to_string().contains("etl"), "no user name: {json}");
    let mermaid = ok(
        tabflow(&server),
        &["flows", "describe", "Coffee Chain", "--format", "mermaid"],
    );
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(mermaid.contains("s1 --> s2"), "{mermaid}");
    // A name that is not a flow: tabflow's error, status 1.
    let (status, _, err) = run(tabflow(&server), &["flows", "describe", "No Such Flow"]);
    assert_eq!(status, 1, "{err}");
    // A .tflx name that is no file is looked up on the server, and named in the error.
    let (status, _, err) = run(tabflow(&server), &["flows", "describe", "missing.tflx"]);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("missing.tflx"), "{err}");
}

#[test]
fn the_manual_shows_what_describe_prints() {
    let manual =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = manual
        .split("## Describing a flow")
        .nth(1)
        .expect("cli/README.md has a section Describing a flow");
    let shown = section
        .split("```text\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("the section shows the text output");
    assert_eq!(shown, SALES_TEXT);
}

#[test]
fn the_document_endpoint_is_used_where_the_server_has_it_and_the_file_downloaded_otherwise() {
    use tableau_flows_mock::FlowDocumentApi;
    let mut described: Vec<Value> = Vec::new();
    for (mode, source, said) in [
        (
            FlowDocumentApi::On,
            "document",
            "described from the server's flow document",
        ),
        (
            FlowDocumentApi::FlagOff,
            "download",
            "flow-document endpoint is not available (the server answers HTTP 403 403200",
        ),
        (
            FlowDocumentApi::Absent,
            "download",
            "flow-document endpoint is not available (the server answers HTTP 404 404003",
        ),
    ] {
        let server = MockServer::builder()
            .flow_document_api(mode)
            .request_log(true)
            .start()
            .expect("the simulator starts");
        // The text is the same whichever way the document came.
        assert_eq!(
            ok(tabflow(&server), &["flows", "describe", "Sales Cleanup"]),
            SALES_TEXT,
            "{mode:?}"
        );
        let downloads = |server: &MockServer| {
            let log = server.requests().unwrap();
            let count = |id: &str| log.iter().filter(|r| r.endpoint == Some(id)).count();
            (count("get_flow_document"), count("download_flow"))
        };
        match mode {
            FlowDocumentApi::On => assert_eq!(downloads(&server), (1, 0)),
            FlowDocumentApi::FlagOff => assert_eq!(downloads(&server), (1, 1)),
            _ => {
                // A server without the endpoint: the path reaches none (404), then the download.
                assert_eq!(downloads(&server), (0, 1));
                assert!(server.requests().unwrap().iter().any(|r| r.status == 404
                    && r.endpoint.is_none()
                    && r.path.starts_with("/api/exp/")));
            }
        }
        // JSON says where it came from; --verbose says it on stderr.
        let mut json: Value = serde_json::from_str(&ok(
            tabflow(&server),
            &["flows", "describe", "Sales Cleanup", "--format", "json"],
        ))
        .unwrap();
        assert_eq!(json["source"], source, "{mode:?}");
        json.as_object_mut().unwrap().remove("source");
        described.push(json);
        let (status, _, err) = run(
            tabflow(&server),
            &["--verbose", "flows", "describe", "Sales Cleanup"],
        );
        assert_eq!(status, 0, "{err}");
        assert!(err.contains(said), "{mode:?}: {err}");
    }
    // The same description from the endpoint as from the file.
    assert_eq!(described[0], described[1]);
    assert_eq!(described[0], described[2]);
}

#[test]
fn the_simulator_command_takes_the_document_endpoint_switch() {
    let (status, _, err) = run(bare(), &["mock", "--flow-document-api", "maybe"]);
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("expected on, off or absent"), "{err}");
}
