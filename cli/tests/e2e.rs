//! End-to-end tests of `tabflow`: the binary run as a process against the simulator
//! (`tableau_flows_mock`) started in the test process, credentials passed in environment variables.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tableau_flows_mock::{MockServer, demo};

/// Every environment variable tabflow reads: removed so that the caller's environment cannot leak
/// into a test.
const VARIABLES: [&str; 7] = [
    "TABLEAU_SERVER",
    "TABLEAU_SITE",
    "TABLEAU_API_VERSION",
    "TABLEAU_PAT_NAME",
    "TABLEAU_PAT_SECRET",
    "TABLEAU_USERNAME",
    "TABLEAU_PASSWORD",
];

fn simulator() -> MockServer {
    MockServer::builder().start().expect("the simulator starts")
}

/// A simulator whose runs stay in progress for a minute (to cancel them, or time out waiting).
fn slow_simulator() -> MockServer {
    MockServer::builder()
        .run_timing(Duration::from_millis(100), Duration::from_secs(60))
        .start()
        .expect("the simulator starts")
}

/// `tabflow` with a clean environment (no TABLEAU_* variables).
fn bare() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tabflow"));
    for v in VARIABLES {
        c.env_remove(v);
    }
    c.stdin(Stdio::null());
    c
}

/// `tabflow` pointed at `server` with the demo administrator's token, all in the environment.
fn tabflow(server: &MockServer) -> Command {
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
    c
}

/// What a run of tabflow did.
#[derive(Debug)]
struct Outcome {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// Asserts success (status 0, nothing on stderr) and returns stdout.
    #[track_caller]
    fn ok(&self) -> &str {
        assert_eq!(self.status, 0, "{self:#?}");
        assert_eq!(self.stderr, "", "{self:#?}");
        &self.stdout
    }

    /// Asserts success and parses stdout as one JSON document.
    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:#?}"))
    }

    /// Asserts failure with `status` and exactly one line on stderr, and returns that line.
    #[track_caller]
    fn fails(&self, status: i32) -> &str {
        assert_eq!(self.status, status, "{self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:#?}");
        assert!(self.stderr.starts_with("tabflow: "), "{self:#?}");
        self.stderr.trim_end()
    }
}

fn run(mut command: Command, args: &[&str]) -> Outcome {
    let output = command.args(args).output().expect("tabflow runs");
    Outcome {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A fresh directory under the target directory's temporary area, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("e2e-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn strings<'v>(value: &'v Value, pointer: &str, field: &str) -> Vec<&'v str> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no array at {pointer} in {value:#}"))
        .iter()
        .map(|v| {
            v[field]
                .as_str()
                .unwrap_or_else(|| panic!("no {field} in {v:#}"))
        })
        .collect()
}

#[test]
fn server_info_needs_no_sign_in() {
    let server = simulator();
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    let out = run(c, &["server-info"]);
    let text = out.ok();
    assert!(text.contains("REST API version:"), "{text}");
    assert!(text.contains("3.24"), "{text}");

    let json = run(bare(), &["--server", server.url(), "server-info", "--json"]).json();
    assert_eq!(json["serverInfo"]["restApiVersion"], "3.24");
    assert!(json["serverInfo"]["productVersion"].is_object(), "{json:#}");
}

#[test]
fn flows_list_tables_pages_filters_and_json() {
    let server = simulator();
    let table = run(tabflow(&server), &["flows", "list"]);
    let text = table.ok();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("ID") && header.contains("NAME") && header.contains("PROJECT"),
        "{text}"
    );
    assert!(
        header.contains("TYPE") && header.contains("UPDATED"),
        "{text}"
    );
    for name in ["Sales Cleanup", "Coffee Chain", "Broken Loom"] {
        assert!(text.contains(name), "{text}");
    }
    // Aligned: every row's second column starts where the header's NAME does.
    let column = header.find("NAME").unwrap();
    for line in text.lines().skip(1) {
        assert_eq!(&line[column - 2..column], "  ", "{text}");
        assert_ne!(&line[column..column + 1], " ", "{text}");
    }

    let json = run(tabflow(&server), &["flows", "list", "--json"]).json();
    assert_eq!(json["pagination"]["totalAvailable"], 3);
    let flows = json["flows"].as_array().unwrap();
    assert_eq!(flows.len(), 3);
    for flow in flows {
        for attribute in [
            "id",
            "name",
            "webpageUrl",
            "fileType",
            "createdAt",
            "project",
        ] {
            assert!(flow.get(attribute).is_some(), "no {attribute} in {flow:#}");
        }
    }

    // One page of one, with a note on stderr; --all walks every page.
    let page = run(tabflow(&server), &["flows", "list", "--page-size", "1"]);
    assert_eq!(page.status, 0, "{page:#?}");
    assert_eq!(page.stdout.lines().count(), 2, "{page:#?}");
    assert!(page.stderr.contains("1 of 3 flows"), "{page:#?}");
    let all = run(
        tabflow(&server),
        &["flows", "list", "--page-size", "1", "--all", "--json"],
    )
    .json();
    assert_eq!(all["flows"].as_array().unwrap().len(), 3);
    assert!(all.get("pagination").is_none(), "{all:#}");

    let filtered = run(
        tabflow(&server),
        &[
            "flows",
            "list",
            "--filter",
            "name:eq:Coffee Chain",
            "--json",
        ],
    )
    .json();
    assert_eq!(strings(&filtered, "/flows", "name"), ["Coffee Chain"]);
    let sorted = run(
        tabflow(&server),
        &["flows", "list", "--sort", "name:desc", "--all", "--json"],
    )
    .json();
    assert_eq!(
        strings(&sorted, "/flows", "name"),
        ["Sales Cleanup", "Coffee Chain", "Broken Loom"]
    );

    let owned = run(
        tabflow(&server),
        &[
            "flows",
            "list",
            "--user",
            demo::ADMIN_ID,
            "--owned",
            "--all",
            "--json",
        ],
    )
    .json();
    assert_eq!(owned["flows"].as_array().unwrap().len(), 3, "{owned:#}");

    // A field the endpoint does not offer is refused before sending; bad syntax by the parser.
    let err = run(
        tabflow(&server),
        &["flows", "list", "--filter", "owner:eq:x"],
    );
    assert!(err.fails(1).contains("owner"), "{err:#?}");
    let err = run(
        tabflow(&server),
        &["flows", "list", "--filter", "name:like:x"],
    );
    assert!(err.fails(2).contains("unknown filter operator"), "{err:#?}");
}

#[test]
fn flows_get_shows_steps_and_parameters() {
    let server = simulator();
    let text = run(tabflow(&server), &["flows", "get", demo::SALES_FLOW_ID])
        .ok()
        .to_owned();
    assert!(
        text.contains("Name:") && text.contains("Sales Cleanup"),
        "{text}"
    );
    assert!(text.contains("OUTPUT STEP"), "{text}");
    assert!(
        text.contains("Region") && text.contains("one of North, South, East, West"),
        "{text}"
    );

    let json = run(
        tabflow(&server),
        &["flows", "get", demo::SALES_FLOW_ID, "--json"],
    )
    .json();
    assert_eq!(json["flow"]["id"], demo::SALES_FLOW_ID);
    assert!(json["flow"]["webpageUrl"].is_string(), "{json:#}");
    assert!(
        strings(&json, "/flow/parameters", "name").contains(&demo::REGION_PARAMETER),
        "{json:#}"
    );
    assert!(!json["flowOutputSteps"].as_array().unwrap().is_empty());
}

#[test]
fn service_errors_are_one_line_with_code_and_summary() {
    let server = simulator();
    let out = run(tabflow(&server), &["flows", "get", "no-such-flow"]);
    let line = out.fails(1);
    assert!(
        line.starts_with("tabflow: error 404027 (Flow not found)"),
        "{line}"
    );
    assert_eq!(out.stdout, "");
    let out = run(tabflow(&server), &["--json", "runs", "get", "no-such-run"]);
    assert!(
        out.fails(1).starts_with("tabflow: error 404036 "),
        "{out:#?}"
    );
    assert_eq!(out.stdout, "");
    let out = run(tabflow(&server), &["tasks", "get", "no-such-task"]);
    assert!(
        out.fails(1).starts_with("tabflow: error 404026 "),
        "{out:#?}"
    );
    let out = run(tabflow(&server), &["linked", "get", "no-such-linked-task"]);
    assert!(
        out.fails(1).starts_with("tabflow: error 404045 "),
        "{out:#?}"
    );

    let mut wrong = tabflow(&server);
    wrong.env("TABLEAU_PAT_SECRET", "wrong");
    let out = run(wrong, &["flows", "list"]);
    assert!(
        out.fails(1).starts_with("tabflow: error 401001 "),
        "{out:#?}"
    );

    // Nothing listening: a transport error, still one line.
    let url = server.url().to_owned();
    server.stop();
    let mut gone = bare();
    gone.env("TABLEAU_SERVER", &url);
    let out = run(gone, &["server-info"]);
    let line = out.fails(1);
    assert!(
        line.starts_with(&format!("tabflow: cannot reach {url}: ")),
        "{line}"
    );
}

#[test]
fn usage_errors_exit_2_on_one_line() {
    let server = simulator();
    for args in [
        &["flows", "lst"][..],
        &["flows", "get"],
        &["flows", "update", demo::SALES_FLOW_ID],
        &["flows", "list", "--page-size", "0"],
        &["flows", "list", "--owned"],
        &[
            "flows",
            "list",
            "--user",
            demo::ADMIN_ID,
            "--sort",
            "name:asc",
        ],
        &["flows", "run", demo::SALES_FLOW_ID, "--timeout", "5"],
        &["flows", "run", demo::SALES_FLOW_ID, "--param", "Region"],
        &["flows", "run", demo::SALES_FLOW_ID, "--mode", "sometimes"],
        &["permissions", "add", demo::COFFEE_FLOW_ID, "Read:Allow"],
        &[
            "permissions",
            "add",
            demo::COFFEE_FLOW_ID,
            "--user",
            "u",
            "--group",
            "g",
            "Read:Allow",
        ],
        &[
            "permissions",
            "add",
            demo::COFFEE_FLOW_ID,
            "--user",
            "u",
            "Fly:Allow",
        ],
        &[
            "permissions",
            "delete",
            demo::COFFEE_FLOW_ID,
            "--user",
            "u",
            "Read",
            "Maybe",
        ],
        &[
            "tasks",
            "create-cloud",
            "F",
            "--frequency",
            "Daily",
            "--start",
            "8am",
        ],
        &[
            "tasks",
            "create-cloud",
            "F",
            "--frequency",
            "Often",
            "--start",
            "08:00:00",
        ],
        &[
            "tasks",
            "create-cloud",
            "F",
            "--frequency",
            "Daily",
            "--start",
            "08:00:00",
            "--interval",
            "days=2",
        ],
        &["connections", "update", "F", "C"],
        &[
            "connections",
            "update",
            "F",
            "C",
            "--embed-password",
            "maybe",
        ],
        &["--api-version", "three", "server-info"],
    ] {
        let out = run(tabflow(&server), args);
        let line = out.fails(2);
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(line.len() > "tabflow: ".len() + 10, "{args:?}: {line}");
    }
    // No command at all: the help, on stderr.
    let out = run(tabflow(&server), &[]);
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("Usage: tabflow"), "{out:#?}");
    // Help and version are not errors.
    assert!(
        run(bare(), &["flows", "run", "--help"])
            .ok()
            .contains("--output-step")
    );
    assert!(run(bare(), &["--version"]).ok().starts_with("tabflow "));

    // Missing server or credentials are usage errors too, named with their variables.
    let out = run(bare(), &["flows", "list"]);
    assert!(out.fails(2).contains("TABLEAU_SERVER"), "{out:#?}");
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    let out = run(c, &["flows", "list"]);
    assert!(out.fails(2).contains("TABLEAU_PAT_NAME"), "{out:#?}");
    let mut c = bare();
    c.env("TABLEAU_SERVER", "http://tableau.example.com")
        .env("TABLEAU_PAT_NAME", "n")
        .env("TABLEAU_PAT_SECRET", "s");
    let out = run(c, &["flows", "list"]);
    assert!(out.fails(2).contains("plain http"), "{out:#?}");
}

#[test]
fn options_as_flags_or_environment_variables() {
    let server = simulator();
    // Flags instead of variables.
    let out = run(
        bare(),
        &[
            "--server",
            server.url(),
            "--token-name",
            demo::PAT_NAME,
            "--token-secret",
            demo::PAT_SECRET,
            "--site",
            "",
            "flows",
            "list",
        ],
    );
    assert!(out.ok().contains("Coffee Chain"));
    // Global options after the command too.
    let out = run(
        bare(),
        &[
            "flows",
            "list",
            "--server",
            server.url(),
            "--token-name",
            demo::PAT_NAME,
            "--token-secret",
            demo::PAT_SECRET,
            "--json",
        ],
    );
    assert_eq!(out.json()["flows"].as_array().unwrap().len(), 3);

    // A user name and password, from the environment, then as flags before the command.
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_USERNAME", demo::ADMIN_USER)
        .env("TABLEAU_PASSWORD", demo::ADMIN_PASSWORD);
    assert!(run(c, &["flows", "list"]).ok().contains("Coffee Chain"));
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    let out = run(
        c,
        &[
            "--username",
            demo::ADMIN_USER,
            "--password",
            demo::ADMIN_PASSWORD,
            "flows",
            "list",
        ],
    );
    assert!(out.ok().contains("Coffee Chain"));
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_USERNAME", demo::ADMIN_USER)
        .env("TABLEAU_PASSWORD", "wrong");
    assert!(run(c, &["flows", "list"]).fails(1).contains("401001"));

    // TABLEAU_SITE: the marketing site has no users, so the token does not sign in there.
    let mut c = tabflow(&server);
    c.env("TABLEAU_SITE", demo::MARKETING_SITE);
    assert!(run(c, &["flows", "list"]).fails(1).contains("error 401"));

    // TABLEAU_API_VERSION pins the version: Get Flow Runs (3.10) is refused at 3.9 before sending.
    let mut c = tabflow(&server);
    c.env("TABLEAU_API_VERSION", "3.9");
    let out = run(c, &["runs", "list"]);
    let line = out.fails(1);
    assert!(line.contains("3.10") && line.contains("3.9"), "{line}");
    let mut c = tabflow(&server);
    c.env("TABLEAU_API_VERSION", "3.9");
    assert!(run(c, &["flows", "list"]).ok().contains("Coffee Chain"));
}

#[test]
fn publish_download_update_delete() {
    let server = simulator();
    let dir = scratch("publish");
    let file = dir.join("Quarterly.tflx");
    let bytes = demo::flow_file_bytes();
    std::fs::write(&file, &bytes).unwrap();
    let file = file.to_str().unwrap();

    let published = run(
        tabflow(&server),
        &[
            "flows",
            "publish",
            file,
            "--project",
            demo::PROJECT_ID,
            "--json",
        ],
    )
    .json();
    let id = published["flow"]["id"].as_str().unwrap().to_owned();
    assert_eq!(published["flow"]["name"], "Quarterly");
    assert_eq!(published["flow"]["project"]["id"], demo::PROJECT_ID);
    assert_eq!(server.flow_bytes(&id).as_deref(), Some(&bytes[..]));

    // The same name again: 409041, unless overwriting; --name names it otherwise.
    let again = run(
        tabflow(&server),
        &["flows", "publish", file, "--project", demo::PROJECT_ID],
    );
    assert!(
        again.fails(1).starts_with("tabflow: error 409041 "),
        "{again:#?}"
    );
    let text = run(
        tabflow(&server),
        &[
            "flows",
            "publish",
            file,
            "--project",
            demo::PROJECT_ID,
            "--overwrite",
        ],
    );
    assert!(text.ok().contains(&format!("as flow {id}")), "{text:#?}");
    let renamed = run(
        tabflow(&server),
        &[
            "flows",
            "publish",
            file,
            "--project",
            demo::PROJECT_ID,
            "--name",
            "Renamed",
            "--json",
        ],
    )
    .json();
    assert_eq!(renamed["flow"]["name"], "Renamed");
    // Not a flow file: refused before sending.
    let other = dir.join("notes.txt");
    std::fs::write(&other, b"x").unwrap();
    let out = run(
        tabflow(&server),
        &[
            "flows",
            "publish",
            other.to_str().unwrap(),
            "--project",
            demo::PROJECT_ID,
        ],
    );
    assert!(out.fails(1).contains(".tfl or .tflx"), "{out:#?}");

    // Download: into the current directory by default, into a directory with the server's
    // name, or into a file; no progress bar when stderr is not a terminal.
    let mut here = tabflow(&server);
    here.current_dir(&dir);
    let out = run(here, &["flows", "download", &id]);
    assert!(out.ok().contains("Quarterly.tflx"), "{out:#?}");
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let json = run(
        tabflow(&server),
        &[
            "flows",
            "download",
            &id,
            "-o",
            sub.to_str().unwrap(),
            "--json",
        ],
    )
    .json();
    assert_eq!(json["bytes"], bytes.len());
    assert_eq!(std::fs::read(sub.join("Quarterly.tflx")).unwrap(), bytes);
    let target = dir.join("copy.tflx");
    run(
        tabflow(&server),
        &[
            "flows",
            "download",
            &id,
            "--output",
            target.to_str().unwrap(),
        ],
    )
    .ok();
    assert_eq!(std::fs::read(&target).unwrap(), bytes);
    assert!(!dir.join("copy.tflx.part").exists());

    // Update: move it and give it another owner.
    let updated = run(
        tabflow(&server),
        &[
            "flows",
            "update",
            &id,
            "--project",
            demo::SALES_PROJECT_ID,
            "--owner",
            demo::ANALYST_ID,
            "--json",
        ],
    )
    .json();
    assert_eq!(updated["flow"]["project"]["id"], demo::SALES_PROJECT_ID);
    assert_eq!(updated["flow"]["owner"]["id"], demo::ANALYST_ID);

    // Delete, then it is gone.
    let out = run(tabflow(&server), &["flows", "delete", &id]);
    assert!(out.ok().contains("deleted flow"), "{out:#?}");
    run(tabflow(&server), &["flows", "get", &id]).fails(1);
    let out = run(
        tabflow(&server),
        &["flows", "download", &id, "-o", target.to_str().unwrap()],
    );
    assert!(out.fails(1).contains("404027"), "{out:#?}");
    assert_eq!(
        std::fs::read(&target).unwrap(),
        bytes,
        "a failed download keeps the old file"
    );
}

#[test]
fn publish_above_64_mb_goes_in_chunks() {
    use std::io::{Seek, SeekFrom, Write};
    let server = simulator();
    let dir = scratch("chunked");
    let path = dir.join("Big.tflx");
    // One byte over the single-request limit: Initiate File Upload, Append (8 MiB chunks), Publish.
    let size = 64 * 1024 * 1024 + 1;
    let mut file = std::fs::File::create(&path).unwrap();
    file.set_len(size).unwrap();
    for (at, mark) in [
        (0, &b"first"[..]),
        (33 << 20, b"middle"),
        (size - 4, b"last"),
    ] {
        file.seek(SeekFrom::Start(at)).unwrap();
        file.write_all(mark).unwrap();
    }
    drop(file);
    let json = run(
        tabflow(&server),
        &[
            "flows",
            "publish",
            path.to_str().unwrap(),
            "--project",
            demo::PROJECT_ID,
            "--json",
        ],
    )
    .json();
    let id = json["flow"]["id"].as_str().unwrap();
    let sent = std::fs::read(&path).unwrap();
    assert!(
        server.flow_bytes(id).unwrap() == sent,
        "the bytes arrive whole and in order"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_with_parameters_and_wait() {
    let server = simulator();
    let json = run(
        tabflow(&server),
        &[
            "flows",
            "run",
            demo::SALES_FLOW_ID,
            "--param",
            "Region=South",
            "--param",
            "Top N=5",
            "--mode",
            "full",
            "--wait",
            "--timeout",
            "60",
            "--json",
        ],
    )
    .json();
    assert_eq!(json["flowRun"]["status"], "Success", "{json:#}");
    assert_eq!(json["job"]["type"], "RunFlow", "{json:#}");
    let values = strings(&json, "/flowRun/flowParameterRuns", "overrideValue");
    assert!(values.contains(&"South"), "{json:#}");

    // Human output: the start, then the finished run's row.
    let out = run(
        tabflow(&server),
        &["flows", "run", demo::COFFEE_FLOW_ID, "--wait"],
    );
    let text = out.ok();
    assert!(text.starts_with("started flow run "), "{text}");
    assert!(text.contains("Success"), "{text}");

    // Parameters are checked before running.
    let out = run(
        tabflow(&server),
        &[
            "flows",
            "run",
            demo::SALES_FLOW_ID,
            "--param",
            "Region=Middle",
        ],
    );
    assert!(
        out.fails(1)
            .contains("is not one of North, South, East, West"),
        "{out:#?}"
    );
    let out = run(
        tabflow(&server),
        &["flows", "run", demo::SALES_FLOW_ID, "--param", "Colour=Red"],
    );
    assert!(out.fails(1).contains("\"Colour\""), "{out:#?}");

    // A run that fails: exit status 3 with the reason the server gives (the job's notes, S17).
    let out = run(
        tabflow(&server),
        &["flows", "run", demo::FAILING_FLOW_ID, "--wait"],
    );
    assert!(
        out.fails(3)
            .ends_with(&format!("failed: {}", demo::FAILURE_REASON)),
        "{out:#?}"
    );
    assert!(out.stdout.contains("Failed"), "{out:#?}");
}

#[test]
fn runs_list_get_and_wait() {
    let server = simulator();
    // Run one output step of the flow.
    let flow = run(
        tabflow(&server),
        &["flows", "get", demo::SALES_FLOW_ID, "--json"],
    )
    .json();
    let step = strings(&flow, "/flowOutputSteps", "id")[0].to_owned();
    let started = run(
        tabflow(&server),
        &[
            "flows",
            "run",
            demo::SALES_FLOW_ID,
            "--output-step",
            &step,
            "--json",
        ],
    )
    .json();
    let run_id = started["job"]["runFlowJobType"]["flowRunId"]
        .as_str()
        .unwrap_or_else(|| panic!("no flow run id in {started:#}"))
        .to_owned();

    let got = run(tabflow(&server), &["runs", "get", &run_id, "--json"]).json();
    assert_eq!(got["flowRun"]["id"], run_id.as_str());
    assert_eq!(got["flowRun"]["flowId"], demo::SALES_FLOW_ID);
    let text = run(tabflow(&server), &["runs", "get", &run_id])
        .ok()
        .to_owned();
    assert!(text.contains("Status:"), "{text}");

    let waited = run(tabflow(&server), &["runs", "wait", &run_id, "--json"]).json();
    assert_eq!(waited["flowRun"]["status"], "Success");

    let listed = run(
        tabflow(&server),
        &[
            "runs",
            "list",
            "--filter",
            &format!("flowId:eq:{}", demo::SALES_FLOW_ID),
            "--json",
        ],
    )
    .json();
    assert_eq!(strings(&listed, "/flowRuns", "id"), [run_id.as_str()]);
    let table = run(tabflow(&server), &["runs", "list"]).ok().to_owned();
    assert!(
        table.starts_with("ID") && table.contains(&run_id),
        "{table}"
    );
    assert!(
        table.contains("STATUS") && table.contains("Success"),
        "{table}"
    );
}

#[test]
fn cancel_and_timeouts_exit_3() {
    let server = slow_simulator();
    let started = run(
        tabflow(&server),
        &["flows", "run", demo::COFFEE_FLOW_ID, "--json"],
    )
    .json();
    let run_id = started["job"]["runFlowJobType"]["flowRunId"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = run(
        tabflow(&server),
        &["runs", "wait", &run_id, "--timeout", "1"],
    );
    let line = out.fails(3);
    assert!(line.contains("had not finished"), "{line}");

    let out = run(tabflow(&server), &["runs", "cancel", &run_id]);
    assert!(out.ok().contains("cancelled flow run"), "{out:#?}");
    let out = run(tabflow(&server), &["runs", "wait", &run_id, "--json"]);
    assert!(out.fails(3).ends_with("was cancelled"), "{out:#?}");
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["flowRun"]["status"], "Cancelled");
    // Cancelling a finished run is the service's error.
    let out = run(tabflow(&server), &["runs", "cancel", &run_id]);
    assert!(out.fails(1).starts_with("tabflow: error "), "{out:#?}");

    let out = run(
        tabflow(&server),
        &[
            "flows",
            "run",
            demo::COFFEE_FLOW_ID,
            "--wait",
            "--timeout",
            "1",
        ],
    );
    assert!(out.fails(3).contains("had not finished"), "{out:#?}");
}

#[test]
fn tasks_list_get_run_schedule_and_cloud() {
    let server = simulator();
    let listed = run(tabflow(&server), &["tasks", "list", "--json"]).json();
    let task_ids: Vec<&str> = listed["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["flowRun"]["id"].as_str())
        .collect();
    assert!(task_ids.contains(&demo::TASK_ID), "{listed:#}");
    let table = run(tabflow(&server), &["tasks", "list"]).ok().to_owned();
    assert!(
        table.contains("Nightly") && table.contains("Coffee Chain"),
        "{table}"
    );

    let got = run(tabflow(&server), &["tasks", "get", demo::TASK_ID, "--json"]).json();
    assert_eq!(got["task"]["flowRun"]["id"], demo::TASK_ID);
    assert!(
        run(tabflow(&server), &["tasks", "get", demo::TASK_ID])
            .ok()
            .contains("Schedule:")
    );

    // Run it: the answer names the flow run, which can be waited for.
    let ran = run(tabflow(&server), &["tasks", "run", demo::TASK_ID, "--json"]).json();
    let run_id = ran["job"]["runFlowJobType"]["flowRunId"]
        .as_str()
        .unwrap_or_else(|| panic!("{ran:#}"))
        .to_owned();
    run(tabflow(&server), &["runs", "wait", &run_id]).ok();
    let text = run(tabflow(&server), &["tasks", "run", demo::FAILING_TASK_ID])
        .ok()
        .to_owned();
    let failing_run = text
        .split("flow run ")
        .nth(1)
        .and_then(|t| t.split([' ', ',']).next())
        .unwrap_or_else(|| panic!("{text}"))
        .to_owned();
    assert!(
        run(tabflow(&server), &["runs", "wait", &failing_run])
            .fails(3)
            .contains("failed")
    );

    // Before API 3.10 neither Run Flow Task's answer nor Query Job's names the flow run.
    let mut old = tabflow(&server);
    old.env("TABLEAU_API_VERSION", "3.9");
    let text = run(old, &["tasks", "run", demo::TASK_ID]).ok().to_owned();
    assert!(text.contains("the server named no flow run"), "{text}");

    let added = run(
        tabflow(&server),
        &[
            "tasks",
            "add-to-schedule",
            demo::SCHEDULE_ID,
            demo::SALES_FLOW_ID,
            "--param",
            &format!("{}=East", demo::REGION_PARAMETER_ID),
            "--json",
        ],
    )
    .json();
    assert_eq!(added["task"]["flowRun"]["flow"]["id"], demo::SALES_FLOW_ID);
    assert_eq!(
        added["task"]["flowRun"]["schedule"]["id"],
        demo::SCHEDULE_ID
    );
    let text = serde_json::to_string(&added).unwrap();
    assert!(text.contains("East"), "{added:#}");

    let created = run(
        tabflow(&server),
        &[
            "tasks",
            "create-cloud",
            demo::COFFEE_FLOW_ID,
            "--frequency",
            "Hourly",
            "--start",
            "08:00:00",
            "--end",
            "20:00:00",
            "--interval",
            "hours=2",
            "--interval",
            "weekDay=Monday",
            "--json",
        ],
    )
    .json();
    let schedule = &created["task"]["flowRun"]["schedule"];
    assert_eq!(schedule["frequency"], "Hourly", "{created:#}");
    assert_eq!(
        schedule["frequencyDetails"]["start"], "08:00:00",
        "{created:#}"
    );
    let text = run(
        tabflow(&server),
        &[
            "tasks",
            "create-cloud",
            demo::COFFEE_FLOW_ID,
            "--frequency",
            "monthly",
            "--start",
            "06:30:00",
            "--interval",
            "monthDay=LastDay",
        ],
    )
    .ok()
    .to_owned();
    assert!(
        text.contains("created task") && text.contains("Monthly"),
        "{text}"
    );
}

#[test]
fn linked_tasks_list_get_run() {
    let server = simulator();
    let listed = run(tabflow(&server), &["linked", "list", "--json"]).json();
    assert_eq!(
        strings(&listed, "/linkedTasks", "id"),
        [demo::LINKED_TASK_ID]
    );
    let table = run(tabflow(&server), &["linked", "list"]).ok().to_owned();
    assert!(
        table.starts_with("ID") && table.contains(demo::LINKED_TASK_ID),
        "{table}"
    );

    let got = run(
        tabflow(&server),
        &["linked", "get", demo::LINKED_TASK_ID, "--json"],
    )
    .json();
    assert_eq!(
        got["linkedTasks"]["linkedTaskSteps"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let text = run(tabflow(&server), &["linked", "get", demo::LINKED_TASK_ID])
        .ok()
        .to_owned();
    assert!(
        text.contains("Coffee Chain") && text.contains("Broken Loom"),
        "{text}"
    );

    let ran = run(
        tabflow(&server),
        &["linked", "run", demo::LINKED_TASK_ID, "--json"],
    )
    .json();
    assert_eq!(ran["linkedTaskJob"]["linkedTaskId"], demo::LINKED_TASK_ID);
    let text = run(tabflow(&server), &["linked", "run", demo::LINKED_TASK_ID])
        .ok()
        .to_owned();
    assert!(text.starts_with("started linked task"), "{text}");
}

#[test]
fn connections_list_and_update() {
    let server = simulator();
    let listed = run(
        tabflow(&server),
        &["connections", "list", demo::COFFEE_FLOW_ID, "--json"],
    )
    .json();
    assert_eq!(
        strings(&listed, "/connections", "id"),
        [demo::CONNECTION_ID]
    );
    assert!(listed["connections"][0]["serverAddress"].is_string());

    let updated = run(
        tabflow(&server),
        &[
            "connections",
            "update",
            demo::COFFEE_FLOW_ID,
            demo::CONNECTION_ID,
            "--server-address",
            "db2.example.com",
            "--port",
            "5432",
            "--username",
            "loader",
            "--password",
            "hunter2",
            "--embed-password",
            "true",
            "--json",
        ],
    );
    let json = updated.json();
    assert_eq!(json["connection"]["serverAddress"], "db2.example.com");
    assert_eq!(json["connection"]["serverPort"], 5432);
    assert!(
        !updated.stdout.contains("hunter2"),
        "a password is never printed"
    );

    let table = run(
        tabflow(&server),
        &["connections", "list", demo::COFFEE_FLOW_ID],
    )
    .ok()
    .to_owned();
    assert!(
        table.contains("db2.example.com") && table.contains("5432"),
        "{table}"
    );
    assert!(table.contains("loader"), "{table}");
}

#[test]
fn permissions_list_add_delete() {
    let server = simulator();
    let listed = run(
        tabflow(&server),
        &["permissions", "list", demo::COFFEE_FLOW_ID, "--json"],
    )
    .json();
    assert_eq!(listed["permissions"]["flow"]["id"], demo::COFFEE_FLOW_ID);
    assert!(
        listed["permissions"]["granteeCapabilities"].is_array(),
        "{listed:#}"
    );

    let added = run(
        tabflow(&server),
        &[
            "permissions",
            "add",
            demo::COFFEE_FLOW_ID,
            "--user",
            demo::ANALYST_ID,
            "Write:Allow",
            "delete:deny",
        ],
    )
    .ok()
    .to_owned();
    assert!(
        added.contains("Write") && added.contains("Delete"),
        "{added}"
    );
    let table = run(
        tabflow(&server),
        &["permissions", "list", demo::COFFEE_FLOW_ID],
    )
    .ok()
    .to_owned();
    let analyst: Vec<&str> = table
        .lines()
        .filter(|l| l.contains(demo::ANALYST_ID))
        .collect();
    assert_eq!(analyst.len(), 2, "{table}");

    let out = run(
        tabflow(&server),
        &[
            "permissions",
            "delete",
            demo::COFFEE_FLOW_ID,
            "--user",
            demo::ANALYST_ID,
            "Write",
            "Allow",
        ],
    );
    assert!(out.ok().contains("removed Write:Allow"), "{out:#?}");
    let out = run(
        tabflow(&server),
        &[
            "permissions",
            "delete",
            demo::COFFEE_FLOW_ID,
            "--group",
            demo::ANALYSTS_GROUP_ID,
            "Read",
            "Allow",
            "--json",
        ],
    );
    assert_eq!(out.json()["deleted"], true);
    let table = run(
        tabflow(&server),
        &["permissions", "list", demo::COFFEE_FLOW_ID],
    )
    .ok()
    .to_owned();
    assert!(!table.contains("Write"), "{table}");
    assert!(
        !table
            .lines()
            .any(|l| l.contains(demo::ANALYSTS_GROUP_ID) && l.contains("Read")),
        "{table}"
    );
    // Deleting it again: the service's error.
    let out = run(
        tabflow(&server),
        &[
            "permissions",
            "delete",
            demo::COFFEE_FLOW_ID,
            "--user",
            demo::ANALYST_ID,
            "Write",
            "Allow",
        ],
    );
    assert!(out.fails(1).starts_with("tabflow: error 4"), "{out:#?}");
}

/// Starts `tabflow mock` with `args`, returns the process and the URL it printed.
fn start_mock(args: &[&str]) -> (std::process::Child, String) {
    let mut child = bare()
        .arg("mock")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tabflow mock starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("UTF-8");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_owned();
    let rest: Vec<String> = lines.by_ref().take(6).map(Result::unwrap).collect();
    // The reader is dropped here, closing the pipe: the simulator must go on serving all the same.
    assert!(
        rest.iter()
            .any(|l| l.contains(&format!("TABLEAU_PAT_NAME={}", demo::PAT_NAME))),
        "{rest:?}"
    );
    assert!(
        rest.iter()
            .any(|l| l.contains(&format!("TABLEAU_PAT_SECRET={}", demo::PAT_SECRET))),
        "{rest:?}"
    );
    (child, url)
}

#[test]
fn mock_serves_until_killed() {
    let (mut child, url) = start_mock(&[]);
    let mut c = bare();
    c.env("TABLEAU_SERVER", &url)
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
    let out = run(c, &["flows", "list"]);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(out.ok().contains("Sales Cleanup"), "{out:#?}");

    let (mut child, url) = start_mock(&["--api-version", "3.10"]);
    let out = run(bare(), &["--server", &url, "server-info", "--json"]);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(out.json()["serverInfo"]["restApiVersion"], "3.10");

    let out = run(bare(), &["mock", "--api-version", "9.0"]);
    assert!(out.fails(2).contains("3.24"), "{out:#?}");
}

#[test]
fn demo_runs_the_whole_lifecycle() {
    let out = run(bare(), &["demo"]);
    let text = out.ok();
    let expected = [
        "[1/8] started the simulator at http://127.0.0.1:",
        "[2/8] signed in",
        "[3/8] published",
        "[4/8] ran the flow with Region=South",
        "[5/8] waited",
        "ended Success with Region=South",
        "[6/8] runs of the flow: 1",
        "[7/8] downloaded",
        "identical to the",
        "[8/8] signed out and stopped the simulator",
    ];
    let mut at = 0;
    for e in expected {
        let found = text[at..]
            .find(e)
            .unwrap_or_else(|| panic!("{e:?} missing (in order) from:\n{text}"));
        at += found + e.len();
    }
}
