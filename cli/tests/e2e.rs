//! End-to-end tests of `tabflow`: the binary run as a process against the simulator
//! (`tableau_flows_mock`) started in the test process, credentials passed in environment variables.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tableau_flows_mock::{MockServer, demo};

mod common;

/// A flow id no flow has.
const NO_SUCH_FLOW: &str = "00000000-0000-4000-8000-000000000000";

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

/// `tabflow` with a clean environment (no TABLEAU_* variables), its saved sessions and config
/// file in an empty directory of the target directory, never the user's.
fn bare() -> Command {
    let mut c = common::clean(&common::home("e2e-no-home"));
    c.stdin(Stdio::null());
    c
}

/// `tabflow` pointed at `server` with the demo administrator's token, all in the environment.
fn tabflow(server: &MockServer) -> Command {
    let mut c = common::admin(server, &common::home("e2e-no-home"));
    c.stdin(Stdio::null());
    c
}

/// What a run of tabflow did.
use common::{Outcome, outcome};

fn run(mut command: Command, args: &[&str]) -> Outcome {
    let output = command.args(args).output().expect("tabflow runs");
    outcome(output)
}

/// Runs `command` with `input` on its standard input.
fn run_with_input(mut command: Command, args: &[&str], input: &[u8]) -> Outcome {
    use std::io::Write;
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tabflow starts");
    child.stdin.take().unwrap().write_all(input).unwrap();
    outcome(child.wait_with_output().expect("tabflow runs"))
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
    // Numbers are strings, as the API writes them in JSON.
    assert_eq!(json["pagination"]["totalAvailable"], "3");
    let flows = json["flows"]["flow"].as_array().unwrap();
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
    assert_eq!(all["flows"]["flow"].as_array().unwrap().len(), 3);
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
    assert_eq!(strings(&filtered, "/flows/flow", "name"), ["Coffee Chain"]);
    let sorted = run(
        tabflow(&server),
        &["flows", "list", "--sort", "name:desc", "--all", "--json"],
    )
    .json();
    assert_eq!(
        strings(&sorted, "/flows/flow", "name"),
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
    assert_eq!(
        owned["flows"]["flow"].as_array().unwrap().len(),
        3,
        "{owned:#}"
    );

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
    assert!(err.usage().contains("unknown filter operator"), "{err:#?}");
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
        strings(&json, "/flow/parameters/parameter", "name").contains(&demo::REGION_PARAMETER),
        "{json:#}"
    );
    assert!(
        !json["flowOutputSteps"]["flowOutputStep"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// `--json` prints the API's own JSON mapping (spec/README.md, "JSON: one rule from the XML
/// shapes"): what the client's `encode_json` writes for the same answer, which `api` prints as
/// the server's XML.
#[test]
fn json_output_is_the_apis_json_mapping() {
    let server = simulator();
    let xml = run(
        tabflow(&server),
        &[
            "api",
            "query_flow",
            "--path",
            &format!("flow_id={}", demo::SALES_FLOW_ID),
        ],
    )
    .ok()
    .to_owned();
    let answer = tableau_flows::flows::QueryFlowResponse::decode(xml.as_bytes()).unwrap();
    let expected: Value = serde_json::from_str(&answer.encode_json()).unwrap();
    let printed = run(
        tabflow(&server),
        &["flows", "get", demo::SALES_FLOW_ID, "--json"],
    )
    .json();
    assert_eq!(printed, expected);
    // The rule's shapes: a list holds its items under the item name, values are strings.
    assert!(
        printed["flow"]["parameters"]["parameter"].is_array(),
        "{printed:#}"
    );
    assert!(
        printed["flowOutputSteps"]["flowOutputStep"].is_array(),
        "{printed:#}"
    );
}

#[test]
fn service_errors_are_one_line_with_code_and_summary() {
    let server = simulator();
    let out = run(tabflow(&server), &["flows", "get", NO_SUCH_FLOW]);
    let line = out.fails(1);
    assert!(
        line.starts_with("tabflow: error 404027 (Flow not found) from Query Flow"),
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
    wrong.env("TABLEAU_PAT_SECRET", "not-the-secret");
    let out = run(wrong, &["flows", "list"]);
    assert!(
        out.fails(1).starts_with("tabflow: error 401001 "),
        "{out:#?}"
    );
    // Sign In answers one code whatever was wrong: the message says what was tried, where, and
    // the likely causes for that kind of credentials.
    for wanted in [
        "the default site (content URL \"\")",
        server.url(),
        &format!("the personal access token \"{}\"", demo::PAT_NAME),
        "the token's secret is wrong",
    ] {
        assert!(out.stderr.contains(wanted), "{wanted}: {out:#?}");
    }
    assert!(
        !out.stderr.contains("not-the-secret"),
        "the secret is never shown: {out:#?}"
    );
    let mut wrong = bare();
    wrong
        .env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_SITE", "nowhere")
        .env("TABLEAU_USERNAME", demo::ADMIN_USER)
        .env("TABLEAU_PASSWORD", demo::ADMIN_PASSWORD);
    let out = run(wrong, &["flows", "list"]);
    assert!(out.fails(1).contains("401001"), "{out:#?}");
    for wanted in [
        "the site with content URL \"nowhere\"",
        "the user \"admin\" and a password",
        "no site has that content URL",
    ] {
        assert!(out.stderr.contains(wanted), "{wanted}: {out:#?}");
    }

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
fn usage_errors_exit_2_with_clap_s_whole_message() {
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
            "Read:Maybe",
        ],
        &[
            "permissions",
            "delete",
            demo::COFFEE_FLOW_ID,
            "--user",
            "u",
            "Read",
            "Allow",
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
        let text = out.usage();
        assert!(text.len() > "error: ".len() + 10, "{args:?}: {text}");
    }
    // The whole message: what is missing, not only clap's first line.
    let out = run(tabflow(&server), &["flows", "publish", "my.tflx"]);
    let text = out.usage();
    assert!(
        text.contains("required arguments were not provided:\n  --project <PROJECT>\n"),
        "{text}"
    );
    let out = run(tabflow(&server), &["flows", "update", "Sales Cleanup"]);
    assert!(out.usage().contains("--project"), "{out:#?}");
    // A group without its subcommand: its help, listing the subcommands, as a usage error.
    let out = run(bare(), &["flows"]);
    assert_eq!(out.status, 2, "{out:#?}");
    assert_eq!(out.stdout, "", "{out:#?}");
    for sub in [
        "list", "get", "delete", "download", "publish", "update", "run",
    ] {
        assert!(
            out.stderr.contains(&format!("\n  {sub} ")),
            "{sub}: {out:#?}"
        );
    }
    let out = run(bare(), &["permissions"]);
    assert_eq!(out.status, 2, "{out:#?}");
    assert!(out.stderr.contains("  delete "), "{out:#?}");
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
    assert_eq!(out.json()["flows"]["flow"].as_array().unwrap().len(), 3);

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
    assert!(
        line.contains("Get Flow Runs") && !line.contains("get_flow_runs"),
        "{line}"
    );
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
    // The published file is there already: never replaced without --force.
    let mut here = tabflow(&server);
    here.current_dir(&dir);
    std::fs::write(dir.join("Quarterly.tflx"), b"mine").unwrap();
    let out = run(here, &["flows", "download", &id]);
    let line = out.fails(1);
    assert!(
        line.contains("Quarterly.tflx exists") && line.contains("--force"),
        "{line}"
    );
    assert_eq!(std::fs::read(dir.join("Quarterly.tflx")).unwrap(), b"mine");
    assert!(!dir.join("Quarterly.tflx.part").exists());
    let mut here = tabflow(&server);
    here.current_dir(&dir);
    let out = run(here, &["flows", "download", &id, "--force"]);
    assert!(out.ok().contains("to Quarterly.tflx ("), "{out:#?}");
    assert_eq!(std::fs::read(dir.join("Quarterly.tflx")).unwrap(), bytes);
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
    // The same file again: refused, the file untouched; replaced with --force.
    std::fs::write(&target, b"older").unwrap();
    let out = run(
        tabflow(&server),
        &["flows", "download", &id, "-o", target.to_str().unwrap()],
    );
    assert!(out.fails(1).contains("--force"), "{out:#?}");
    assert_eq!(std::fs::read(&target).unwrap(), b"older");
    run(
        tabflow(&server),
        &[
            "flows",
            "download",
            &id,
            "-o",
            target.to_str().unwrap(),
            "--force",
        ],
    )
    .ok();
    assert_eq!(std::fs::read(&target).unwrap(), bytes);
    // -o -: the file itself on standard output, nothing else.
    let output = tabflow(&server)
        .args(["flows", "download", "Quarterly", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    assert!(output.stdout == bytes, "the flow's bytes on stdout");
    let out = run(
        tabflow(&server),
        &["flows", "download", &id, "-o", "-", "--json"],
    );
    out.usage();

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
        &[
            "flows",
            "download",
            &id,
            "-o",
            target.to_str().unwrap(),
            "--force",
        ],
    );
    assert!(out.fails(1).contains("404027"), "{out:#?}");
    assert_eq!(
        std::fs::read(&target).unwrap(),
        bytes,
        "a failed download keeps the old file"
    );
}

#[test]
fn a_file_that_is_not_a_flow_is_refused_before_it_is_sent() {
    let server = simulator();
    let dir = scratch("not-a-flow");
    let before = server.flow_ids().len();
    let zip_without_flow = {
        // An empty zip archive: only the end of its central directory.
        let mut z = vec![0x50, 0x4b, 0x05, 0x06];
        z.extend_from_slice(&[0; 18]);
        z
    };
    for (name, content, problem) in [
        ("fake.tflx", b"not a zip".to_vec(), "not a zip archive"),
        ("empty.tfl", zip_without_flow, "no `flow` entry"),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, &content).unwrap();
        // The project is not looked up either: the file is checked first.
        let out = run(
            tabflow(&server),
            &[
                "flows",
                "publish",
                path.to_str().unwrap(),
                "--project",
                "No Such Project",
            ],
        );
        let line = out.fails(1);
        assert!(
            line.contains("is not a flow file") && line.contains(problem),
            "{line}"
        );
        assert!(line.contains("nothing was published"), "{line}");
    }
    assert_eq!(server.flow_ids().len(), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn publish_above_64_mb_goes_in_chunks() {
    let server = simulator();
    let dir = scratch("chunked");
    let path = dir.join("Big.tflx");
    // Over the single-request limit: Initiate File Upload, Append (8 MiB chunks), Publish. A
    // real flow file packaging 64 MiB of data.
    std::fs::write(&path, demo::flow_file_of_size(64 * 1024 * 1024 + 1)).unwrap();
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
    let values = strings(
        &json,
        "/flowRun/flowParameterRuns/parameterRuns",
        "overrideValue",
    );
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
    let step = strings(&flow, "/flowOutputSteps/flowOutputStep", "id")[0].to_owned();
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
    assert_eq!(
        strings(&listed, "/flowRuns/flowRuns", "id"),
        [run_id.as_str()]
    );
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
    let task_ids: Vec<&str> = listed["tasks"]["task"]
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
        strings(&listed, "/linkedTasks/linkedTasks", "id"),
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
        got["linkedTasks"]["linkedTaskSteps"]["linkedTaskSteps"]
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
        strings(&listed, "/connections/connection", "id"),
        [demo::CONNECTION_ID]
    );
    assert!(listed["connections"]["connection"][0]["serverAddress"].is_string());

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
            "--connection-username",
            "loader",
            "--connection-password",
            "hunter2",
            "--embed-password",
            "true",
            "--json",
        ],
    );
    let json = updated.json();
    assert_eq!(json["connection"]["serverAddress"], "db2.example.com");
    assert_eq!(json["connection"]["serverPort"], "5432");
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
            "write:allow",
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
            "Read:Allow",
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
            "Write:Allow",
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

/// The upload folders of simulators of process `pid` in `dir`.
fn upload_folders(dir: &Path, pid: u32) -> Vec<PathBuf> {
    let prefix = format!("tableau-flows-mock-{pid}-");
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(unix)]
#[test]
fn mock_removes_its_upload_folder_when_stopped() {
    for signal in ["INT", "TERM"] {
        let temp = scratch(&format!("mock-stop-{signal}"));
        let mut child = bare()
            .arg("mock")
            .env("TMPDIR", &temp)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tabflow mock starts");
        let stdout = child.stdout.take().unwrap();
        let first = BufReader::new(stdout).lines().next().unwrap().unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_owned();
        // An upload session keeps its bytes in a file of the simulator's upload folder.
        let client = tableau_flows::Client::builder(&url).build().unwrap();
        client
            .sign_in_with(
                tableau_flows::Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
                demo::SITE,
            )
            .unwrap();
        client.initiate_file_upload().send().unwrap();
        // The folder is this process's own.
        let folders = upload_folders(&temp, child.id());
        assert_eq!(folders.len(), 1, "{folders:?}");
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "SIG{signal}: {stderr}");
        assert!(stderr.contains("the simulator stopped"), "{stderr}");
        assert!(!folders[0].exists(), "SIG{signal}: {folders:?} left behind");
        let _ = std::fs::remove_dir_all(temp);
    }
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

#[test]
fn names_are_taken_wherever_ids_are() {
    let server = simulator();
    // A flow by name, for every flows command.
    let got = run(
        tabflow(&server),
        &["flows", "get", "Sales Cleanup", "--json"],
    )
    .json();
    assert_eq!(got["flow"]["id"], demo::SALES_FLOW_ID);
    let listed = run(
        tabflow(&server),
        &["connections", "list", "Coffee Chain", "--json"],
    )
    .json();
    assert_eq!(
        strings(&listed, "/connections/connection", "id"),
        [demo::CONNECTION_ID]
    );
    let owned = run(
        tabflow(&server),
        &["flows", "list", "--user", "admin", "--owned", "--json"],
    )
    .json();
    assert_eq!(
        owned["flows"]["flow"].as_array().unwrap().len(),
        3,
        "{owned:#}"
    );

    // A name that matches nothing is named; an id-shaped argument is used as an id.
    let out = run(tabflow(&server), &["flows", "get", "Nowhere Flow"]);
    assert_eq!(
        out.fails(1),
        "tabflow: no flow named \"Nowhere Flow\" (`tabflow flows list` shows them)"
    );
    let out = run(tabflow(&server), &["flows", "get", NO_SUCH_FLOW]);
    assert!(out.fails(1).contains("404027"), "{out:#?}");

    // Projects: an ambiguous name lists both, with their ids and paths; a path picks one.
    let dir = scratch("names");
    let file = dir.join("Ledger.tflx");
    std::fs::write(&file, demo::flow_file_bytes()).unwrap();
    let file = file.to_str().unwrap();
    let out = run(
        tabflow(&server),
        &["flows", "publish", file, "--project", "Archive"],
    );
    let line = out.fails(1);
    assert!(line.contains("2 projects are named \"Archive\""), "{line}");
    assert!(
        line.contains(&format!("{} (Archive)", demo::ARCHIVE_PROJECT_ID)),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "{} (Sales/Archive)",
            demo::SALES_ARCHIVE_PROJECT_ID
        )),
        "{line}"
    );
    let published = run(
        tabflow(&server),
        &[
            "flows",
            "publish",
            file,
            "--project",
            "Sales/Archive",
            "--json",
        ],
    )
    .json();
    assert_eq!(
        published["flow"]["project"]["id"],
        demo::SALES_ARCHIVE_PROJECT_ID
    );
    let out = run(
        tabflow(&server),
        &["flows", "publish", file, "--project", "Finance"],
    );
    assert!(
        out.fails(1).contains("no project named \"Finance\""),
        "{out:#?}"
    );

    // Update by names: the flow, its new project and its new owner.
    let updated = run(
        tabflow(&server),
        &[
            "flows",
            "update",
            "Ledger",
            "--project",
            "Default",
            "--owner",
            "analyst",
            "--json",
        ],
    )
    .json();
    assert_eq!(updated["flow"]["project"]["id"], demo::PROJECT_ID);
    assert_eq!(updated["flow"]["owner"]["id"], demo::ANALYST_ID);

    // A user and a group by name for permissions.
    let text = run(
        tabflow(&server),
        &[
            "permissions",
            "add",
            "Sales Cleanup",
            "--user",
            "analyst",
            "Read:Allow",
        ],
    )
    .ok()
    .to_owned();
    assert!(
        text.lines()
            .any(|l| l.contains(demo::ANALYST_ID) && l.contains("Read") && l.contains("Allow")),
        "{text}"
    );
    let text = run(
        tabflow(&server),
        &[
            "permissions",
            "add",
            "Sales Cleanup",
            "--group",
            "Analysts",
            "Execute:Allow",
        ],
    )
    .ok()
    .to_owned();
    assert!(
        text.lines()
            .any(|l| l.contains(demo::ANALYSTS_GROUP_ID) && l.contains("Execute")),
        "{text}"
    );
    let out = run(
        tabflow(&server),
        &[
            "permissions",
            "add",
            "Sales Cleanup",
            "--user",
            "nobody",
            "Read:Allow",
        ],
    );
    assert!(
        out.fails(1).contains("no user named \"nobody\""),
        "{out:#?}"
    );

    // A schedule, a flow and a parameter by name for a task.
    let added = run(
        tabflow(&server),
        &[
            "tasks",
            "add-to-schedule",
            "Nightly",
            "Sales Cleanup",
            "--param",
            "Region=West",
            "--json",
        ],
    )
    .json();
    assert_eq!(
        added["task"]["flowRun"]["schedule"]["id"],
        demo::SCHEDULE_ID
    );
    assert_eq!(added["task"]["flowRun"]["flow"]["id"], demo::SALES_FLOW_ID);
    let text = serde_json::to_string(&added).unwrap();
    assert!(
        text.contains(demo::REGION_PARAMETER_ID) && text.contains("West"),
        "{added:#}"
    );
    let out = run(
        tabflow(&server),
        &[
            "tasks",
            "add-to-schedule",
            "Nightly",
            "Sales Cleanup",
            "--param",
            "Region=Middle",
        ],
    );
    assert!(out.fails(1).contains("is not one of"), "{out:#?}");
    let out = run(
        tabflow(&server),
        &["tasks", "add-to-schedule", "Hourly", "Sales Cleanup"],
    );
    assert!(
        out.fails(1).contains("no schedule named \"Hourly\""),
        "{out:#?}"
    );
    // Delete by name: then the name matches nothing.
    let out = run(tabflow(&server), &["flows", "delete", "Ledger"]);
    assert!(out.ok().starts_with("deleted flow Ledger ("), "{out:#?}");
    let out = run(tabflow(&server), &["flows", "delete", "Ledger"]);
    assert!(
        out.fails(1).contains("no flow named \"Ledger\""),
        "{out:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_new_user_s_three_commands() {
    let server = simulator();
    let dir = scratch("new-user");
    std::fs::write(dir.join("sales.tflx"), demo::flow_file_bytes()).unwrap();
    // Publish into a project by name.
    let mut c = tabflow(&server);
    c.current_dir(&dir);
    let text = run(c, &["flows", "publish", "sales.tflx", "--project", "Sales"])
        .ok()
        .to_owned();
    assert!(
        text.contains(&format!("in project Sales ({})", demo::SALES_PROJECT_ID)),
        "{text}"
    );
    // Run a flow by name with a parameter by name, and wait.
    let out = run(
        tabflow(&server),
        &[
            "flows",
            "run",
            "Sales Cleanup",
            "--param",
            "Region=North",
            "--wait",
        ],
    );
    let text = out.ok();
    assert!(
        text.starts_with("started flow run ") && text.contains("of flow Sales Cleanup ("),
        "{text}"
    );
    let row = text.lines().last().unwrap();
    assert!(
        row.contains(&format!("Sales Cleanup ({})", demo::SALES_FLOW_ID))
            && row.contains("Success"),
        "{text}"
    );
    // Grant a permission to a user by name.
    let text = run(
        tabflow(&server),
        &[
            "permissions",
            "add",
            "Sales Cleanup",
            "--user",
            "analyst",
            "Read:Allow",
        ],
    )
    .ok()
    .to_owned();
    assert!(text.contains("analyst") && text.contains("Read"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn projects_users_groups_and_schedules_are_listed() {
    let server = simulator();
    let text = run(tabflow(&server), &["projects", "list"]).ok().to_owned();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("ID") && header.contains("PATH"),
        "{text}"
    );
    let archive = text
        .lines()
        .find(|l| l.starts_with(demo::SALES_ARCHIVE_PROJECT_ID))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(archive.contains("Sales/Archive"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with(demo::ARCHIVE_PROJECT_ID) && l.contains("Archive")),
        "{text}"
    );
    let json = run(tabflow(&server), &["projects", "list", "--json"]).json();
    assert_eq!(
        json["projects"]["project"].as_array().unwrap().len(),
        4,
        "{json:#}"
    );
    let json = run(
        tabflow(&server),
        &["projects", "list", "--filter", "name:eq:Archive", "--json"],
    )
    .json();
    let mut ids = strings(&json, "/projects/project", "id");
    ids.sort_unstable();
    let mut expected = [demo::ARCHIVE_PROJECT_ID, demo::SALES_ARCHIVE_PROJECT_ID];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    let json = run(
        tabflow(&server),
        &["projects", "list", "--sort", "name:desc", "--json"],
    )
    .json();
    assert_eq!(strings(&json, "/projects/project", "name")[0], "Sales");
    let page = run(tabflow(&server), &["projects", "list", "--page-size", "1"]);
    assert_eq!(page.status, 0, "{page:#?}");
    assert_eq!(page.stdout.lines().count(), 2, "{page:#?}");
    assert!(page.stderr.contains("1 of 4 projects"), "{page:#?}");
    let all = run(
        tabflow(&server),
        &["projects", "list", "--page-size", "1", "--all", "--json"],
    )
    .json();
    assert_eq!(all["projects"]["project"].as_array().unwrap().len(), 4);
    let out = run(
        tabflow(&server),
        &["projects", "list", "--filter", "color:eq:red"],
    );
    assert!(out.fails(1).contains("color"), "{out:#?}");

    // Users: full names beside user names and ids.
    let text = run(tabflow(&server), &["users", "list"]).ok().to_owned();
    let admin = text
        .lines()
        .find(|l| l.starts_with(demo::ADMIN_ID))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        admin.contains(demo::ADMIN_USER) && admin.contains(demo::ADMIN_FULL_NAME),
        "{text}"
    );
    assert!(text.contains(demo::ANALYST_FULL_NAME), "{text}");
    let json = run(
        tabflow(&server),
        &["users", "list", "--filter", "name:eq:analyst", "--json"],
    )
    .json();
    assert_eq!(strings(&json, "/users/user", "id"), [demo::ANALYST_ID]);
    assert_eq!(
        json["users"]["user"][0]["fullName"],
        demo::ANALYST_FULL_NAME,
        "{json:#}"
    );

    // Groups.
    let text = run(tabflow(&server), &["groups", "list"]).ok().to_owned();
    assert!(
        text.lines()
            .any(|l| l.starts_with(demo::ANALYSTS_GROUP_ID) && l.contains("Analysts")),
        "{text}"
    );
    assert!(text.contains("All Users"), "{text}");
    let json = run(
        tabflow(&server),
        &["groups", "list", "--sort", "name:desc", "--all", "--json"],
    )
    .json();
    assert_eq!(
        strings(&json, "/groups/group", "name"),
        ["Analysts", "All Users"]
    );

    // Schedules: flow and extract ones, with their types.
    let text = run(tabflow(&server), &["schedules", "list"])
        .ok()
        .to_owned();
    let nightly = text
        .lines()
        .find(|l| l.starts_with(demo::SCHEDULE_ID))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        nightly.contains("Nightly") && nightly.contains("Flow"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with(demo::EXTRACT_SCHEDULE_ID) && l.contains("Extract")),
        "{text}"
    );
    let json = run(tabflow(&server), &["schedules", "list", "--all", "--json"]).json();
    assert_eq!(
        json["schedules"]["schedule"].as_array().unwrap().len(),
        2,
        "{json:#}"
    );
    // Schedules take no filter (List Server Schedules has none).
    run(
        tabflow(&server),
        &["schedules", "list", "--filter", "name:eq:Nightly"],
    )
    .usage();
}

#[test]
fn flow_names_appear_beside_ids_in_run_tables() {
    let server = simulator();
    let started = run(
        tabflow(&server),
        &["flows", "run", demo::COFFEE_FLOW_ID, "--wait", "--json"],
    )
    .json();
    let run_id = started["flowRun"]["id"].as_str().unwrap().to_owned();
    let expected = format!("Coffee Chain ({})", demo::COFFEE_FLOW_ID);
    let table = run(tabflow(&server), &["runs", "list"]).ok().to_owned();
    let row = table
        .lines()
        .find(|l| l.starts_with(&run_id))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(row.contains(&expected), "{table}");
    let text = run(tabflow(&server), &["runs", "get", &run_id])
        .ok()
        .to_owned();
    assert!(text.contains(&expected), "{text}");
    let text = run(tabflow(&server), &["runs", "wait", &run_id])
        .ok()
        .to_owned();
    assert!(text.contains(&expected), "{text}");
}

#[test]
fn secrets_from_standard_input() {
    let server = simulator();
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME);
    let out = run_with_input(
        c,
        &["--token-secret-stdin", "flows", "list"],
        format!("{}\n", demo::PAT_SECRET).as_bytes(),
    );
    assert!(out.ok().contains("Coffee Chain"), "{out:#?}");
    // Only the first line counts, its line ending removed (CRLF too).
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    let out = run_with_input(
        c,
        &[
            "--token-name",
            demo::PAT_NAME,
            "flows",
            "list",
            "--token-secret-stdin",
        ],
        format!("{}\r\nmore\n", demo::PAT_SECRET).as_bytes(),
    );
    assert!(out.ok().contains("Coffee Chain"), "{out:#?}");
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME);
    let out = run_with_input(c, &["--token-secret-stdin", "flows", "list"], b"wrong\n");
    assert!(out.fails(1).contains("401001"), "{out:#?}");
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME);
    let out = run_with_input(c, &["--token-secret-stdin", "flows", "list"], b"");
    assert!(out.fails(2).contains("standard input"), "{out:#?}");

    // A password.
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    let out = run_with_input(
        c,
        &[
            "--username",
            demo::ADMIN_USER,
            "--password-stdin",
            "flows",
            "list",
        ],
        format!("{}\n", demo::ADMIN_PASSWORD).as_bytes(),
    );
    assert!(out.ok().contains("Coffee Chain"), "{out:#?}");

    // No secret and no terminal to ask on: a usage error saying how to give it.
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME);
    let out = run(c, &["flows", "list"]);
    let line = out.fails(2);
    assert!(
        line.contains("TABLEAU_PAT_SECRET") && line.contains("--token-secret-stdin"),
        "{line}"
    );

    // The variables of older releases still work.
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_TOKEN_NAME", demo::PAT_NAME)
        .env("TABLEAU_TOKEN_SECRET", demo::PAT_SECRET);
    assert!(run(c, &["flows", "list"]).ok().contains("Coffee Chain"));

    // The help discourages the secret on the command line.
    let help = run(bare(), &["--help"]).ok().to_owned();
    assert!(help.contains("Avoid giving it here"), "{help}");
}

#[test]
fn a_connected_app_s_jwt_signs_in() {
    let server = MockServer::builder()
        .jwt("header.payload.signature", demo::ANALYST_USER)
        .start()
        .expect("the simulator starts");
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    let out = run(
        c,
        &[
            "--jwt",
            "header.payload.signature",
            "users",
            "list",
            "--json",
        ],
    );
    assert!(out.json()["users"]["user"].is_array(), "{out:#?}");
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_JWT", "header.payload.signature");
    assert!(run(c, &["flows", "list"]).ok().contains("Coffee Chain"));
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_JWT", "forged.payload.signature");
    let out = run(c, &["flows", "list"]);
    assert!(out.fails(1).contains("error 401"), "{out:#?}");
}

#[test]
fn plain_http_and_private_certificate_authorities() {
    let server = simulator();
    // 0.0.0.0 reaches the simulator but is not loopback by name: plain http needs --allow-http.
    let port = server.url().rsplit(':').next().unwrap().to_owned();
    let url = format!("http://0.0.0.0:{port}");
    let mut c = tabflow(&server);
    c.env("TABLEAU_SERVER", &url);
    let out = run(c, &["flows", "list"]);
    let line = out.fails(2);
    assert!(
        line.contains("plain http") && line.contains("--allow-http"),
        "{line}"
    );
    let mut c = tabflow(&server);
    c.env("TABLEAU_SERVER", &url);
    let out = run(c, &["--allow-http", "flows", "list"]);
    assert!(out.ok().contains("Coffee Chain"), "{out:#?}");

    // A certificate file that is missing or holds no certificate: an error naming it.
    let dir = scratch("ca");
    let missing = dir.join("missing-ca.pem");
    let mut c = tabflow(&server);
    c.env("TABLEAU_SERVER", "https://tableau.example.com");
    let out = run(
        c,
        &["--ca-cert", missing.to_str().unwrap(), "flows", "list"],
    );
    assert!(out.fails(2).contains("missing-ca.pem"), "{out:#?}");
    let bad = dir.join("not-a-ca.pem");
    std::fs::write(&bad, "this is not a certificate\n").unwrap();
    let mut c = tabflow(&server);
    c.env("TABLEAU_SERVER", "https://tableau.example.com");
    let out = run(c, &["flows", "list", "--ca-cert", bad.to_str().unwrap()]);
    let line = out.fails(2);
    assert!(
        line.contains("not-a-ca.pem") && line.contains("no PEM certificate"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn verbose_prints_each_request_without_secrets() {
    let server = simulator();
    let out = run(
        tabflow(&server),
        &["-v", "flows", "list", "--page-size", "2"],
    );
    assert_eq!(out.status, 0, "{out:#?}");
    assert!(out.stdout.contains("Coffee Chain"), "{out:#?}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(
        lines.iter().any(
            |l| l.starts_with("tabflow: POST /api/3.24/auth/signin -> 200 in ")
                && l.ends_with(" ms")
        ),
        "{out:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tabflow: GET /api/3.24/sites/")
                && l.contains("/flows?pageSize=2")
                && l.contains(" -> 200 in ")),
        "{out:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tabflow: POST /api/3.24/auth/signout -> 204 in ")),
        "{out:#?}"
    );
    assert!(
        lines
            .iter()
            .filter(|l| l.contains(" -> "))
            .all(|l| l.starts_with("tabflow: ")),
        "{out:#?}"
    );
    assert!(!out.stderr.contains(demo::PAT_SECRET), "{out:#?}");
    assert!(!out.stderr.contains(demo::PAT_NAME), "{out:#?}");
    // Without -v, nothing.
    assert_eq!(run(tabflow(&server), &["flows", "list"]).stderr, "");
}

#[test]
fn enum_values_in_any_case() {
    let server = simulator();
    let json = run(
        tabflow(&server),
        &[
            "flows",
            "run",
            demo::COFFEE_FLOW_ID,
            "--mode",
            "FULL",
            "--json",
        ],
    )
    .json();
    assert!(json["job"]["id"].is_string(), "{json:#}");
    let created = run(
        tabflow(&server),
        &[
            "tasks",
            "create-cloud",
            "Coffee Chain",
            "--frequency",
            "weekly",
            "--start",
            "06:30:00",
            "--interval",
            "weekday=MONDAY",
            "--interval",
            "WeekDay=friday",
            "--json",
        ],
    )
    .json();
    let schedule = &created["task"]["flowRun"]["schedule"];
    assert_eq!(schedule["frequency"], "Weekly", "{created:#}");
    let text = serde_json::to_string(schedule).unwrap();
    assert!(text.contains("Monday") && text.contains("Friday"), "{text}");
    let text = run(
        tabflow(&server),
        &[
            "permissions",
            "add",
            "Coffee Chain",
            "--user",
            "analyst",
            "EXECUTE:allow",
        ],
    )
    .ok()
    .to_owned();
    assert!(
        text.lines()
            .any(|l| l.contains(demo::ANALYST_ID) && l.contains("Execute") && l.contains("Allow")),
        "{text}"
    );
    let out = run(
        tabflow(&server),
        &[
            "permissions",
            "delete",
            "Coffee Chain",
            "--user",
            "analyst",
            "execute:ALLOW",
            "Write:Deny",
        ],
    );
    // Write:Deny was never granted: the first removal happened, the second is the service's error.
    assert!(
        out.fails(1).contains("from Delete Flow Permission"),
        "{out:#?}"
    );
    let table = run(tabflow(&server), &["permissions", "list", "Coffee Chain"])
        .ok()
        .to_owned();
    assert!(
        !table
            .lines()
            .any(|l| l.contains(demo::ANALYST_ID) && l.contains("Execute")),
        "{table}"
    );
}

#[test]
fn api_reaches_any_endpoint_with_the_spec_s_checks() {
    let server = simulator();
    // The list: ids, methods, paths, titles, with or without --list.
    let listed = run(bare(), &["api", "--list"]).ok().to_owned();
    let row = listed
        .lines()
        .find(|l| l.starts_with("query_flow "))
        .unwrap_or_else(|| panic!("{listed}"));
    assert!(
        row.contains("GET")
            && row.contains("/sites/{site_id}/flows/{flow_id}")
            && row.ends_with("Query Flow"),
        "{row}"
    );
    assert_eq!(run(bare(), &["api"]).ok(), listed);
    let json = run(bare(), &["api", "--list", "--json"]).json();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == "run_flow_now"),
        "{json:#}"
    );

    // A call: the answer's XML as the server sent it.
    let xml = run(
        tabflow(&server),
        &[
            "api",
            "query_flow",
            "--path",
            &format!("flow_id={}", demo::SALES_FLOW_ID),
        ],
    )
    .ok()
    .to_owned();
    assert!(
        xml.starts_with("<?xml") || xml.starts_with("<tsResponse"),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<flow id=\"{}\"", demo::SALES_FLOW_ID)),
        "{xml}"
    );
    let xml = run(
        tabflow(&server),
        &["api", "query_projects", "--query", "filter=name:eq:Sales"],
    )
    .ok()
    .to_owned();
    assert!(xml.contains(demo::SALES_PROJECT_ID), "{xml}");
    assert!(!xml.contains(demo::PROJECT_ID), "{xml}");
    // Server Info needs no sign-in.
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    assert!(
        run(c, &["api", "server_info"])
            .ok()
            .contains("<restApiVersion>3.24")
    );

    // A body from standard input.
    let body = format!(
        "<tsRequest><flow><project id=\"{}\"/></flow></tsRequest>",
        demo::SALES_PROJECT_ID
    );
    let out = run_with_input(
        tabflow(&server),
        &[
            "api",
            "update_flow",
            "--path",
            &format!("flow_id={}", demo::COFFEE_FLOW_ID),
            "--body",
            "-",
        ],
        body.as_bytes(),
    );
    assert!(out.ok().contains(demo::SALES_PROJECT_ID), "{out:#?}");
    let moved = run(
        tabflow(&server),
        &["flows", "get", demo::COFFEE_FLOW_ID, "--json"],
    )
    .json();
    assert_eq!(moved["flow"]["project"]["id"], demo::SALES_PROJECT_ID);

    // The spec's checks, before anything is sent.
    let out = run(
        tabflow(&server),
        &["api", "query_flows_for_site", "--query", "colour=red"],
    );
    let line = out.fails(1);
    assert!(
        line.contains("Query Flows for a Site") && line.contains("no query parameter \"colour\""),
        "{line}"
    );
    let out = run(tabflow(&server), &["api", "query_flow"]);
    assert!(out.fails(1).contains("\"flow_id\" is required"), "{out:#?}");
    let out = run(tabflow(&server), &["api", "no_such_endpoint"]);
    assert!(out.fails(1).contains("tabflow api --list"), "{out:#?}");
    // The service's errors, as for every command.
    let out = run(
        tabflow(&server),
        &[
            "api",
            "query_flow",
            "--path",
            &format!("flow_id={NO_SUCH_FLOW}"),
        ],
    );
    assert!(out.fails(1).contains("404027"), "{out:#?}");
}

#[test]
fn completions_for_bash() {
    let out = run(bare(), &["completions", "bash"]);
    let script = out.ok();
    assert!(script.contains("_tabflow()"), "{script}");
    assert!(script.contains("complete -F _tabflow"), "{script}");
    assert!(script.contains("permissions"), "{script}");
    run(bare(), &["completions", "tcsh"]).usage();
}

#[test]
fn a_failed_run_prints_its_reason_and_exits_3() {
    let server = simulator();
    let out = run(tabflow(&server), &["flows", "run", "Broken Loom", "--wait"]);
    let line = out.fails(3);
    assert!(
        line.starts_with("tabflow: flow run ")
            && line.ends_with(&format!("failed: {}", demo::FAILURE_REASON)),
        "{line}"
    );
    let json = run(tabflow(&server), &["flows", "run", "Broken Loom", "--json"]).json();
    let run_id = json["job"]["runFlowJobType"]["flowRunId"].as_str().unwrap();
    let out = run(tabflow(&server), &["runs", "wait", run_id]);
    assert!(out.fails(3).ends_with(demo::FAILURE_REASON), "{out:#?}");
}

/// Ctrl-C (SIGINT) while waiting: the wait stops, the session is signed out, the message says how
/// to go on waiting, and the status is 130.
#[cfg(unix)]
#[test]
fn ctrl_c_while_waiting_signs_out_and_says_how_to_resume() {
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
    let mut child = tabflow(&server)
        .args(["-v", "runs", "wait", &run_id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tabflow starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            let _ = tx.send(line.clone());
            lines.push(line);
        }
        lines
    });
    // Once the first poll of the run is logged, the wait is under way.
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the wait polls the run");
        if line.contains(&run_id) {
            break;
        }
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let began = std::time::Instant::now();
    let status = child.wait().unwrap();
    assert!(began.elapsed() < Duration::from_secs(5), "stopped promptly");
    let lines = reader.join().unwrap();
    let text = lines.join("\n");
    assert_eq!(status.code(), Some(130), "{text}");
    assert!(
        text.contains(&format!(
            "tabflow: interrupted; the run goes on: tabflow runs wait {run_id}"
        )),
        "{text}"
    );
    assert!(
        text.contains("tabflow: POST /api/3.24/auth/signout -> 204"),
        "signed out: {text}"
    );
    // The run itself goes on.
    let got = run(tabflow(&server), &["runs", "get", &run_id, "--json"]).json();
    assert_eq!(got["flowRun"]["status"], "InProgress", "{got:#}");
}

#[test]
fn quiet_on_a_closed_standard_output() {
    use std::io::Read;
    // The bash script is larger than a pipe holds: closing the pipe early makes writing fail.
    let mut child = bare()
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tabflow starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut start = [0u8; 10];
    stdout.read_exact(&mut start).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
}

/// A server that signs anyone in and then never answers: a command stuck in a wait.
#[cfg(unix)]
fn stuck_server() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                request.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&request).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            let mut body = vec![0u8; length];
            let _ = stream.read_exact(&mut body);
            let line = head.lines().next().unwrap_or("").to_owned();
            let _ = tx.send(line.clone());
            if line.contains("/auth/signin") {
                let xml = format!(
                    "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"http://tableau.com/api\"><credentials token=\"t0k3n\"><site id=\"{}\" contentUrl=\"\"/><user id=\"{}\"/></credentials></tsResponse>",
                    demo::SITE_ID,
                    demo::ADMIN_ID
                );
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{xml}",
                    xml.len()
                );
            } else {
                // Never answered: the connection is held open.
                held.push(stream);
            }
        }
    });
    (url, rx)
}

/// Ctrl-C while the command cannot stop by itself (the server does not answer): the handler
/// exits with 130 after its grace period, saying so.
#[cfg(unix)]
#[test]
fn ctrl_c_exits_130_when_the_command_does_not_stop_in_time() {
    let (url, requests) = stuck_server();
    let run_id = "0e7d5dd7-61b7-4f6a-8d51-1c2e3f4a5b6c";
    let child = bare()
        .env("TABLEAU_SERVER", &url)
        .env("TABLEAU_API_VERSION", "3.24")
        .env("TABLEAU_PAT_NAME", "n")
        .env("TABLEAU_PAT_SECRET", "s")
        .args(["runs", "wait", run_id])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tabflow starts");
    loop {
        let line = requests
            .recv_timeout(Duration::from_secs(30))
            .expect("the wait polls the run");
        if line.contains(run_id) {
            break;
        }
    }
    let sent = std::time::Instant::now();
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let waited = sent.elapsed();
    let out = outcome(output);
    assert_eq!(out.status, 130, "{out:#?}");
    assert!(
        waited >= Duration::from_millis(1500) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    assert!(
        out.fails(130)
            .contains("interrupted (the command did not stop in time"),
        "{out:#?}"
    );
}

/// A server that answers every request with `status` and `body`, however hostile.
fn hostile_server(status: u16, body: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                match stream.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn terminal_controls_the_server_wrote_are_never_printed() {
    let controls = |text: &str| text.chars().any(|c| c.is_control() && c != '\n');
    // In a detail listing, as raw characters and as character references.
    let url = hostile_server(
        200,
        "<tsResponse xmlns=\"http://tableau.com/api\"><serverInfo><productVersion build=\"b\u{1b}]0;pwned\u{7}\">2024.2\u{1b}[2J&#27;[31m\u{9b}1m\u{202e}</productVersion><restApiVersion>3.24</restApiVersion></serverInfo></tsResponse>",
    );
    let mut c = bare();
    c.env("TABLEAU_SERVER", &url);
    let out = run(c, &["--api-version", "3.24", "server-info"]);
    assert_eq!(out.status, 0, "{out:#?}");
    assert!(!controls(&out.stdout), "{:?}", out.stdout);
    assert!(out.stdout.contains("2024.2[2J[31m1m"), "{:?}", out.stdout);
    assert!(out.stdout.contains("b]0;pwned"), "{:?}", out.stdout);
    // The raw answer of `tabflow api`.
    let mut c = bare();
    c.env("TABLEAU_SERVER", &url);
    let out = run(c, &["--api-version", "3.24", "api", "server_info"]);
    assert_eq!(out.status, 0, "{out:#?}");
    assert!(!controls(&out.stdout), "{:?}", out.stdout);
    assert!(out.stdout.contains("<productVersion"), "{:?}", out.stdout);

    // In an error's summary and detail, which could also forge a second line.
    let url = hostile_server(
        500,
        "<tsResponse xmlns=\"http://tableau.com/api\"><error code=\"500000\"><summary>Bad\u{1b}[31m</summary><detail>x&#27;]0;title&#7;y&#10;tabflow: all good</detail></error></tsResponse>",
    );
    let mut c = bare();
    c.env("TABLEAU_SERVER", &url);
    let out = run(c, &["--api-version", "3.24", "server-info"]);
    let line = out.fails(1);
    assert!(!controls(&out.stderr), "{:?}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
    assert!(
        line.starts_with("tabflow: error 500000 (Bad[31m)"),
        "{line}"
    );
    assert!(line.ends_with("x]0;titley tabflow: all good"), "{line}");
}

#[test]
fn empty_or_blank_names_and_ids_are_refused_before_any_request() {
    let server = simulator();
    let f = demo::COFFEE_FLOW_ID;
    for blank in ["", "  ", "\t"] {
        let commands: Vec<Vec<&str>> = vec![
            vec!["flows", "get", blank],
            vec!["flows", "delete", blank],
            vec!["flows", "download", blank, "-o", "-"],
            vec!["flows", "run", blank],
            vec!["flows", "run", f, "--output-step", blank],
            vec!["flows", "update", blank, "--project", "Default"],
            vec!["flows", "update", f, "--project", blank],
            vec!["flows", "update", f, "--owner", blank],
            vec!["flows", "publish", "x.tflx", "--project", blank],
            vec!["flows", "list", "--user", blank],
            vec!["runs", "get", blank],
            vec!["runs", "cancel", blank],
            vec!["runs", "wait", blank],
            vec!["tasks", "get", blank],
            vec!["tasks", "run", blank],
            vec!["tasks", "add-to-schedule", blank, f],
            vec!["tasks", "add-to-schedule", "Daily", blank],
            vec![
                "tasks",
                "create-cloud",
                blank,
                "--frequency",
                "daily",
                "--start",
                "08:00:00",
            ],
            vec!["linked", "get", blank],
            vec!["linked", "run", blank],
            vec!["connections", "list", blank],
            vec!["connections", "update", f, blank, "--server-address", "db"],
            vec![
                "connections",
                "update",
                blank,
                "c",
                "--server-address",
                "db",
            ],
            vec!["permissions", "list", blank],
            vec!["permissions", "add", blank, "--user", "admin", "Read:Allow"],
            vec!["permissions", "add", f, "--user", blank, "Read:Allow"],
            vec!["permissions", "delete", f, "--group", blank, "Read:Allow"],
        ];
        for args in commands {
            let mut argv = vec!["-v"];
            argv.extend(&args);
            let out = run(tabflow(&server), &argv);
            assert_eq!(out.status, 2, "{args:?}: {out:#?}");
            assert!(out.stderr.contains("names nothing"), "{args:?}: {out:#?}");
            assert!(
                !out.stderr.contains(" -> "),
                "no request: {args:?}: {out:#?}"
            );
        }
    }
}

/// Runs `command` with `input` on its standard input, written on another thread that stops,
/// quietly, once tabflow stops reading.
fn run_with_unread_input(mut command: Command, args: &[&str], input: Vec<u8>) -> Outcome {
    use std::io::Write;
    let mut child = command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tabflow starts");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = outcome(child.wait_with_output().expect("tabflow runs"));
    writer.join().unwrap();
    out
}

#[test]
fn secrets_from_standard_input_are_one_line_of_at_most_64_kib() {
    let server = simulator();
    for (option, env) in [
        ("--token-secret-stdin", ("TABLEAU_PAT_NAME", demo::PAT_NAME)),
        ("--password-stdin", ("TABLEAU_USERNAME", demo::ADMIN_USER)),
    ] {
        for input in [vec![b's'; 64 * 1024], vec![b's'; 4 << 20]] {
            let mut c = bare();
            c.env("TABLEAU_SERVER", server.url()).env(env.0, env.1);
            let out = run_with_unread_input(c, &[option, "flows", "list"], input);
            assert_eq!(
                out.fails(2),
                "tabflow: reading standard input: its first line is longer than 64 KiB",
                "{option}"
            );
        }
    }
}

/// Runs `command` with its stderr (and, with `both`, its stdout too) on a pipe whose reader is
/// gone, as `2>&1 | head` leaves them once head has exited: every write there fails.
fn run_with_closed_stderr(mut command: Command, args: &[&str], both: bool) -> Outcome {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    command.args(args).stderr(writer.try_clone().unwrap());
    if both {
        command.stdout(writer);
    } else {
        drop(writer);
        command.stdout(Stdio::piped());
    }
    let output = command.output().expect("tabflow runs");
    Outcome {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::new(),
    }
}

#[test]
fn a_closed_standard_error_ends_nothing_and_panics_nothing() {
    let server = simulator();
    for args in [
        &["-v", "flows", "list", "--all"][..],
        &["-v", "flows", "list", "--all", "--page-size", "1"],
        &["-v", "flows", "list", "--page-size", "1"],
        &["flows", "list", "--page-size", "1"],
        &["-v", "runs", "list"],
    ] {
        // stderr alone closed: the command does its work all the same.
        let out = run_with_closed_stderr(tabflow(&server), args, false);
        assert_eq!(out.status, 0, "{args:?}: {out:#?}");
        assert!(out.stdout.starts_with("ID "), "{args:?}: {out:#?}");
        if args.contains(&"--all") {
            assert!(out.stdout.contains("Coffee Chain"), "{args:?}: {out:#?}");
        }
        // stdout and stderr closed (`2>&1 | head -1`): it ends quietly.
        let out = run_with_closed_stderr(tabflow(&server), args, true);
        assert_eq!(out.status, 0, "{args:?}: {out:#?}");
    }
    // An error on a closed stderr: its status all the same, no panic.
    let out = run_with_closed_stderr(tabflow(&server), &["-v", "flows", "get", "Nowhere"], true);
    assert_eq!(out.status, 1, "{out:#?}");
}

#[test]
fn durations_as_long_as_a_u64_holds_panic_nowhere() {
    let server = MockServer::builder()
        .run_timing(Duration::from_millis(10), Duration::from_millis(50))
        .start()
        .expect("the simulator starts");
    let dir = scratch("huge-durations");
    for huge in ["9223372036854775807", "18446744073709551615"] {
        let out = run(tabflow(&server), &["--call-timeout", huge, "flows", "list"]);
        assert!(out.ok().contains("Coffee Chain"), "{out:#?}");
        let mut c = tabflow(&server);
        c.env("TABLEAU_CALL_TIMEOUT", huge)
            .env("TABLEAU_STALL_TIMEOUT", huge);
        let out = run(c, &["flows", "list"]);
        assert!(out.ok().contains("Coffee Chain"), "{out:#?}");
        let target = dir.join("coffee.tflx");
        let out = run(
            tabflow(&server),
            &[
                "--stall-timeout",
                huge,
                "--call-timeout",
                huge,
                "flows",
                "download",
                "Coffee Chain",
                "-o",
                target.to_str().unwrap(),
                "--force",
            ],
        );
        out.ok();
        let out = run(
            tabflow(&server),
            &["flows", "run", "Coffee Chain", "--wait", "--timeout", huge],
        );
        assert!(out.ok().contains("Success"), "{out:#?}");
        let started = run(
            tabflow(&server),
            &["flows", "run", "Coffee Chain", "--json"],
        )
        .json();
        let run_id = started["job"]["runFlowJobType"]["flowRunId"]
            .as_str()
            .unwrap()
            .to_owned();
        let out = run(
            tabflow(&server),
            &["runs", "wait", &run_id, "--timeout", huge],
        );
        assert!(out.ok().contains("Success"), "{out:#?}");
    }
}

/// A server that signs anyone in (token `t0k3n`, site `demo::SITE_ID`) and answers every other
/// request with what `answer` makes of its request line (`GET /api/3.24/... HTTP/1.1`): the
/// whole HTTP answer. It records each request line.
fn routed_server(
    answer: impl Fn(&str) -> Vec<u8> + Send + Sync + 'static,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = seen.clone();
    let answer = std::sync::Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (answer, recorded) = (answer.clone(), recorded.clone());
            std::thread::spawn(move || {
                loop {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match stream.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let text = String::from_utf8_lossy(&head).into_owned();
                    let length: usize = text
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    let mut body = vec![0u8; length];
                    if stream.read_exact(&mut body).is_err() {
                        return;
                    }
                    let line = text.lines().next().unwrap_or("").to_owned();
                    recorded.lock().unwrap().push(line.clone());
                    let reply = if line.contains("/auth/signin") {
                        let xml = format!(
                            "<tsResponse xmlns=\"http://tableau.com/api\"><credentials token=\"t0k3n\"><site id=\"{}\" contentUrl=\"\"/><user id=\"{}\"/></credentials></tsResponse>",
                            demo::SITE_ID,
                            demo::ADMIN_ID
                        );
                        http_answer("200 OK", "application/xml", &[], xml.as_bytes())
                    } else if line.contains("/auth/signout") {
                        http_answer("204 No Content", "application/xml", &[], b"")
                    } else {
                        answer(&line)
                    };
                    if stream.write_all(&reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

/// A whole HTTP answer.
fn http_answer(status: &str, content_type: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// `tabflow` speaking 3.24 to a [`routed_server`].
fn tabflow_at(url: &str) -> Command {
    let mut c = bare();
    c.env("TABLEAU_SERVER", url)
        .env("TABLEAU_API_VERSION", "3.24")
        .env("TABLEAU_PAT_NAME", "n")
        .env("TABLEAU_PAT_SECRET", "s");
    c
}

#[test]
fn a_downloaded_file_s_name_is_printed_exactly_as_written() {
    // A bidi override (shown as "evilxlft.jpg"), a zero-width space and a byte order mark.
    let (url, _) = routed_server(|line| {
        assert!(line.contains("/content"), "{line}");
        http_answer(
            "200 OK",
            "application/octet-stream",
            &[(
                "Content-Disposition",
                "attachment; filename*=UTF-8''%EF%BB%BFevil%E2%80%AEgpj%E2%80%8B.tflx",
            )],
            b"PK flow",
        )
    });
    let dir = scratch("format-characters");
    let out = run(
        tabflow_at(&url),
        &[
            "flows",
            "download",
            demo::COFFEE_FLOW_ID,
            "-o",
            dir.to_str().unwrap(),
        ],
    );
    let written = dir.join("evilgpj.tflx");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["evilgpj.tflx"], "{out:#?}");
    assert_eq!(
        out.ok(),
        format!(
            "downloaded flow {} to {} (7 B)\n",
            demo::COFFEE_FLOW_ID,
            written.display()
        )
    );
    let out = run(
        tabflow_at(&url),
        &[
            "flows",
            "download",
            demo::COFFEE_FLOW_ID,
            "-o",
            dir.to_str().unwrap(),
            "--force",
            "--json",
        ],
    );
    assert_eq!(out.json()["path"], written.to_str().unwrap());
}

/// Whether `path` is a character device (not following a link).
#[cfg(unix)]
fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

#[cfg(unix)]
#[test]
fn downloads_write_into_devices_and_fifos_and_follow_links_only_with_force() {
    use std::os::unix::fs::FileTypeExt;
    let server = simulator();
    let flow = demo::COFFEE_FLOW_ID;
    let reference = scratch("download-reference").join("coffee.tflx");
    run(
        tabflow(&server),
        &["flows", "download", flow, "-o", reference.to_str().unwrap()],
    )
    .ok();
    let bytes = std::fs::read(&reference).unwrap();
    let size = bytes.len();
    assert!(
        (1024..1024 * 1024).contains(&size),
        "a real flow file: {size} B"
    );
    assert!(is_char_device(Path::new("/dev/null")));
    // /dev/null without --force: it is no file anyone would lose. (First: had this failed,
    // nothing below would go near /dev/null with --force.)
    let out = run(
        tabflow(&server),
        &["flows", "download", flow, "-o", "/dev/null"],
    );
    assert_eq!(
        out.ok(),
        format!(
            "downloaded flow {flow} to /dev/null ({:.1} KiB)\n",
            size as f64 / 1024.0
        )
    );
    assert!(is_char_device(Path::new("/dev/null")), "still a device");
    let out = run(
        tabflow(&server),
        &["flows", "download", flow, "-o", "/dev/null", "--force"],
    );
    out.ok();
    assert!(is_char_device(Path::new("/dev/null")), "still a device");

    // A FIFO, read by another thread.
    let dir = scratch("download-targets");
    let fifo = dir.join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reading = fifo.clone();
    let reader = std::thread::spawn(move || std::fs::read(&reading).unwrap());
    let out = run(
        tabflow(&server),
        &["flows", "download", flow, "-o", fifo.to_str().unwrap()],
    );
    out.ok();
    assert_eq!(reader.join().unwrap(), bytes);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );

    // A link to a file: refused without --force, written through with it.
    std::fs::write(dir.join("real.tflx"), "mine").unwrap();
    let link = dir.join("link.tflx");
    std::os::unix::fs::symlink("real.tflx", &link).unwrap();
    let out = run(
        tabflow(&server),
        &["flows", "download", flow, "-o", link.to_str().unwrap()],
    );
    assert_eq!(
        out.fails(1),
        format!(
            "tabflow: {} exists: give --force to replace it",
            link.display()
        )
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("real.tflx")).unwrap(),
        "mine"
    );
    let out = run(
        tabflow(&server),
        &[
            "flows",
            "download",
            flow,
            "-o",
            link.to_str().unwrap(),
            "--force",
        ],
    );
    out.ok();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(dir.join("real.tflx")).unwrap(), bytes);

    // A dangling link and a link to a directory: refused, named.
    let dangling = dir.join("dangling.tflx");
    std::os::unix::fs::symlink("nowhere", &dangling).unwrap();
    std::fs::create_dir(dir.join("folder")).unwrap();
    let to_folder = dir.join("to-folder");
    std::os::unix::fs::symlink("folder", &to_folder).unwrap();
    for path in [&dangling, &to_folder] {
        for force in [false, true] {
            let mut args = vec!["flows", "download", flow, "-o", path.to_str().unwrap()];
            if force {
                args.push("--force");
            }
            let out = run(tabflow(&server), &args);
            let line = out.fails(1);
            assert!(line.contains(&path.display().to_string()), "{line}");
        }
    }
    assert!(!dir.join("nowhere").exists());
    assert_eq!(std::fs::read_dir(dir.join("folder")).unwrap().count(), 0);
    // Written `link/`, a link to a directory is that directory.
    let into = format!("{}/", to_folder.display());
    run(tabflow(&server), &["flows", "download", flow, "-o", &into]).ok();
    assert_eq!(std::fs::read_dir(dir.join("folder")).unwrap().count(), 1);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "dangling.tflx",
            "folder",
            "link.tflx",
            "pipe",
            "real.tflx",
            "to-folder"
        ],
        "no partial file"
    );
}

#[test]
fn long_file_names_download_and_file_errors_name_their_path() {
    let server = simulator();
    let dir = scratch("long-names");
    let long = dir.join(format!("{}.tflx", "b".repeat(250)));
    let out = run(
        tabflow(&server),
        &[
            "flows",
            "download",
            demo::COFFEE_FLOW_ID,
            "-o",
            long.to_str().unwrap(),
        ],
    );
    out.ok();
    let short = dir.join("short.tflx");
    run(
        tabflow(&server),
        &[
            "flows",
            "download",
            demo::COFFEE_FLOW_ID,
            "-o",
            short.to_str().unwrap(),
        ],
    )
    .ok();
    assert_eq!(
        std::fs::read(&long).unwrap(),
        std::fs::read(&short).unwrap()
    );
    // A file to publish that is not there.
    let missing = dir.join("absent.tflx");
    let out = run(
        tabflow(&server),
        &[
            "flows",
            "publish",
            missing.to_str().unwrap(),
            "--project",
            "Default",
        ],
    );
    let line = out.fails(1);
    assert!(line.contains(&missing.display().to_string()), "{line}");
    // A file to publish that is a directory.
    let folder = dir.join("folder.tflx");
    std::fs::create_dir(&folder).unwrap();
    let out = run(
        tabflow(&server),
        &[
            "flows",
            "publish",
            folder.to_str().unwrap(),
            "--project",
            "Default",
        ],
    );
    let line = out.fails(1);
    assert!(line.contains(&folder.display().to_string()), "{line}");
}

/// A server whose flows list claims a billion flows, one per page, however far it is paged.
fn endless_flows() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    routed_server(|line| {
        let page: u64 = line
            .split(['?', '&', ' '])
            .find_map(|p| p.strip_prefix("pageNumber="))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        let xml = format!(
            "<tsResponse xmlns=\"http://tableau.com/api\"><pagination pageNumber=\"{page}\" pageSize=\"1\" totalAvailable=\"1000000000\"/><flows><flow id=\"00000000-0000-4000-8000-{page:012}\" name=\"Flow {page}\"/></flows></tsResponse>"
        );
        http_answer("200 OK", "application/xml", &[], xml.as_bytes())
    })
}

fn flow_pages(requests: &std::sync::Mutex<Vec<String>>) -> usize {
    requests
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("/flows"))
        .count()
}

#[test]
fn a_limit_bounds_a_list_the_server_claims_is_endless() {
    let (url, requests) = endless_flows();
    let out = run(
        tabflow_at(&url),
        &["flows", "list", "--all", "--limit", "5", "--json"],
    );
    let flows = out.json();
    let names = strings(&flows, "/flows/flow", "name");
    assert_eq!(names, ["Flow 1", "Flow 2", "Flow 3", "Flow 4", "Flow 5"]);
    // No page beyond the fifth was asked for.
    assert_eq!(flow_pages(&requests), 5, "{:?}", requests.lock().unwrap());
    // --limit alone pages as far as it needs.
    let out = run(tabflow_at(&url), &["flows", "list", "--limit", "3"]);
    assert_eq!(out.ok().lines().count(), 4, "{out:#?}");

    // Every list command takes --limit.
    let server = simulator();
    for (args, pointer) in [
        (&["flows", "list"][..], "/flows"),
        (&["projects", "list"], "/projects"),
        (&["users", "list"], "/users"),
        (&["groups", "list"], "/groups"),
        (&["schedules", "list"], "/schedules"),
        (&["runs", "list"], "/runs"),
        (&["tasks", "list"], "/tasks"),
        (&["linked", "list"], "/linkedTasks"),
    ] {
        let mut argv = args.to_vec();
        argv.extend(["--limit", "1", "--json"]);
        let got = run(tabflow(&server), &argv).json();
        let items = got
            .pointer(pointer)
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        assert!(items <= 1, "{args:?}: {got:#}");
    }
    let out = run(tabflow(&server), &["flows", "list", "--limit", "0"]);
    out.usage();
}

#[cfg(unix)]
#[test]
fn ctrl_c_while_listing_says_how_many_pages_and_items_were_fetched() {
    let (url, requests) = endless_flows();
    let child = tabflow_at(&url)
        .args(["flows", "list", "--all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tabflow starts");
    let began = std::time::Instant::now();
    while flow_pages(&requests) < 20 {
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "no pages asked for"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let out = outcome(child.wait_with_output().unwrap());
    let line = out.fails(130);
    let pages: usize = line
        .strip_prefix("tabflow: interrupted after fetching ")
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(pages >= 20, "{line}");
    assert!(
        line.ends_with(&format!(
            " pages and {pages} flows; --limit N lists at most N"
        )),
        "{line}"
    );
    assert_eq!(out.stdout, "");
    let seen = requests.lock().unwrap().clone();
    assert!(
        seen.iter().any(|l| l.contains("/auth/signout")),
        "signed out: {seen:?}"
    );
}

#[test]
fn flows_tag_untag_and_list_by_tag() {
    let server = simulator();
    // Tags shown in the table and the JSON of flows list (Sales Cleanup is seeded with two).
    let table = run(tabflow(&server), &["flows", "list"]).ok().to_owned();
    assert!(table.lines().next().unwrap().contains("TAGS"), "{table}");
    assert!(table.contains("sales, daily"), "{table}");

    // A tag with a space and a comma stays one tag; tags it has are kept.
    let tagged = run(
        tabflow(&server),
        &[
            "flows",
            "tag",
            "Coffee Chain",
            "Yearly Sales",
            "a,b",
            "daily",
        ],
    )
    .ok()
    .to_owned();
    assert!(
        tagged.contains("Coffee Chain") && tagged.contains("Yearly Sales, a,b, daily"),
        "{tagged}"
    );
    let json = run(
        tabflow(&server),
        &["flows", "tag", "Coffee Chain", "daily", "--json"],
    )
    .json();
    assert_eq!(
        strings(&json, "/tags/tag", "label"),
        ["Yearly Sales", "a,b", "daily"]
    );

    // --tag filters on the client: every tag given must be carried; it combines with --filter
    // and with --all/--limit over pages.
    let listed = |args: &[&str]| {
        let mut all = vec!["flows", "list", "--json"];
        all.extend_from_slice(args);
        let json = run(tabflow(&server), &all).json();
        json.pointer("/flows/flow")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|f| f["name"].as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let mut daily = listed(&["--tag", "daily"]);
    daily.sort();
    assert_eq!(daily, ["Coffee Chain", "Sales Cleanup"]);
    assert_eq!(
        listed(&["--tag", "daily", "--tag", "sales"]),
        ["Sales Cleanup"]
    );
    assert_eq!(listed(&["--tag", "Yearly Sales"]), ["Coffee Chain"]);
    assert_eq!(
        listed(&["--tag", "daily", "--filter", "name:eq:Coffee Chain"]),
        ["Coffee Chain"]
    );
    let mut paged = listed(&["--tag", "daily", "--page-size", "1", "--all"]);
    paged.sort();
    assert_eq!(paged, ["Coffee Chain", "Sales Cleanup"]);
    assert_eq!(
        listed(&["--tag", "daily", "--page-size", "1", "--limit", "1"]).len(),
        1
    );
    assert_eq!(
        listed(&["--tag", "daily", "--user", "admin"]).len(),
        2,
        "--tag with --user"
    );
    // One page only without --all: its matches, with a note saying so.
    let page = run(
        tabflow(&server),
        &[
            "flows",
            "list",
            "--tag",
            "nothing-has-this",
            "--page-size",
            "1",
        ],
    );
    assert_eq!(page.status, 0, "{page:#?}");
    assert!(page.stderr.contains("0 of the 1 flows"), "{page:#?}");
    assert!(page.stderr.contains("1 of 3 flows"), "{page:#?}");

    // Untag removes each tag; an unknown tag is the server's 404007.
    let untagged = run(
        tabflow(&server),
        &["flows", "untag", "Coffee Chain", "Yearly Sales", "a,b"],
    )
    .ok()
    .to_owned();
    assert!(untagged.contains("removed Yearly Sales, a,b"), "{untagged}");
    assert_eq!(listed(&["--tag", "Yearly Sales"]), Vec::<String>::new());
    let missing = run(
        tabflow(&server),
        &["flows", "untag", "Coffee Chain", "nope"],
    );
    assert_ne!(missing.status, 0, "{missing:#?}");
    assert!(missing.stderr.contains("404007"), "{missing:#?}");
    // A tag argument is required and not empty.
    run(tabflow(&server), &["flows", "tag", "Coffee Chain"]).usage();
    run(tabflow(&server), &["flows", "tag", "Coffee Chain", " "]).usage();
}

#[test]
fn jobs_list_get_and_cancel() {
    let server = slow_simulator();
    let started = run(
        tabflow(&server),
        &["flows", "run", demo::COFFEE_FLOW_ID, "--json"],
    )
    .json();
    let job_id = started["job"]["id"].as_str().unwrap().to_owned();
    let run_id = started["job"]["runFlowJobType"]["flowRunId"]
        .as_str()
        .unwrap()
        .to_owned();

    // Listed as a table and as the answer's JSON, filtered by state and type.
    let table = run(tabflow(&server), &["jobs", "list"]).ok().to_owned();
    assert!(table.starts_with("ID"), "{table}");
    assert!(
        table.contains(&job_id) && table.contains("run_flow"),
        "{table}"
    );
    let json = run(tabflow(&server), &["jobs", "list", "--all", "--json"]).json();
    assert!(strings(&json, "/backgroundJobs/backgroundJob", "id").contains(&job_id.as_str()));
    let json = run(
        tabflow(&server),
        &["jobs", "list", "--status", "Success", "--json"],
    )
    .json();
    assert!(!json.to_string().contains(&job_id), "{json:#}");

    // Shown with its flow run; cancelling it cancels the run.
    let shown = run(tabflow(&server), &["jobs", "get", &job_id])
        .ok()
        .to_owned();
    assert!(shown.contains(&run_id), "{shown}");
    let out = run(tabflow(&server), &["jobs", "cancel", &job_id]);
    assert!(out.ok().contains("cancelled job"), "{out:#?}");
    let run_json = run(tabflow(&server), &["runs", "get", &run_id, "--json"]).json();
    assert_eq!(run_json["flowRun"]["status"], "Cancelled");
    let job = run(tabflow(&server), &["jobs", "get", &job_id, "--json"]).json();
    assert_eq!(job["job"]["finishCode"], "2");
    let json = run(
        tabflow(&server),
        &[
            "jobs",
            "list",
            "--status",
            "Cancelled",
            "--type",
            "run_flow",
            "--json",
        ],
    )
    .json();
    assert_eq!(
        strings(&json, "/backgroundJobs/backgroundJob", "id"),
        [job_id.as_str()]
    );
    // A finished job cannot be cancelled: the service's error.
    let out = run(tabflow(&server), &["jobs", "cancel", &job_id]);
    assert!(out.fails(1).contains("403091"), "{out:#?}");

    // A state that is not one, and a field Query Jobs does not filter on, are usage errors.
    run(tabflow(&server), &["jobs", "list", "--status", "Done"]).usage();
    let out = run(tabflow(&server), &["jobs", "list", "--filter", "name:eq:x"]);
    assert_ne!(out.status, 0, "{out:#?}");
    assert!(out.stderr.contains("name"), "{out:#?}");
}

#[test]
fn users_get_shows_one_user_and_projects_permissions_shows_a_projects_rules() {
    let server = simulator();
    // Without USER: the signed-in user (Query User On Site with the session's user id).
    let me = run(tabflow(&server), &["users", "get", "--json"]).json();
    assert_eq!(me["user"]["id"], demo::ADMIN_ID, "{me}");
    assert_eq!(me["user"]["fullName"], demo::ADMIN_FULL_NAME, "{me}");
    // By name (resolved through Get Users on Site) or by id.
    let text = run(tabflow(&server), &["users", "get", "analyst"])
        .ok()
        .to_owned();
    assert!(
        text.lines()
            .nth(1)
            .unwrap_or("")
            .starts_with(demo::ANALYST_ID)
            && text.contains("Creator"),
        "{text}"
    );
    // Someone who is not an administrator may show only themselves.
    let mut analyst = bare();
    analyst
        .env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_PAT_NAME", demo::ANALYST_PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::ANALYST_PAT_SECRET);
    let err = run(analyst, &["users", "get", demo::ADMIN_ID]);
    assert!(
        err.fails(1).starts_with("tabflow: error 403133 "),
        "{err:#?}"
    );

    // A project's permissions, by path; its default permissions for one kind of content.
    let text = run(tabflow(&server), &["projects", "permissions", "Archive"]);
    assert!(text.fails(1).contains("Archive"), "ambiguous: {text:#?}");
    let text = run(tabflow(&server), &["projects", "permissions", "Default"])
        .ok()
        .to_owned();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("GRANTEE") && header.contains("CAPABILITY"),
        "{text}"
    );
    assert!(
        text.contains(demo::ANALYSTS_GROUP_ID) && text.contains("Write") && text.contains("Allow"),
        "{text}"
    );
    let flows = run(
        tabflow(&server),
        &[
            "projects",
            "permissions",
            "Default",
            "--default",
            "flows",
            "--json",
        ],
    )
    .json();
    let caps = &flows["permissions"]["granteeCapabilities"][0]["capabilities"]["capability"];
    assert_eq!(caps[0]["name"], "Read", "{flows}");
    assert_eq!(caps[1]["name"], "ExportXml", "{flows}");
    let none = run(
        tabflow(&server),
        &["projects", "permissions", "Sales", "--default", "workbooks"],
    )
    .ok()
    .to_owned();
    assert_eq!(none.lines().count(), 1, "the header alone: {none}");
    let usage = run(
        tabflow(&server),
        &["projects", "permissions", "Default", "--default", "views"],
    );
    assert!(usage.usage().contains("workbooks"), "{usage:#?}");
}

/// Answers name a flow's owner by id only, as real servers do (deviation S24): tables show the
/// owner's user name where Query User On Site gives it (an administrator may query anyone), and
/// the id where it refuses (anyone else may query only themselves). JSON stays the answer.
#[test]
fn flow_tables_name_owners_the_answers_give_by_id() {
    let server = simulator();
    let table = run(tabflow(&server), &["flows", "list"]).ok().to_owned();
    let coffee = table
        .lines()
        .find(|l| l.contains("Coffee Chain"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        coffee.contains(&format!(" {} ", demo::ADMIN_USER)),
        "{table}"
    );
    assert!(!coffee.contains(demo::ADMIN_ID), "{table}");
    let details = run(tabflow(&server), &["flows", "get", "Coffee Chain"])
        .ok()
        .to_owned();
    assert!(
        details.contains(&format!("{} ({})", demo::ADMIN_USER, demo::ADMIN_ID)),
        "{details}"
    );
    let json = run(
        tabflow(&server),
        &["flows", "get", "Coffee Chain", "--json"],
    )
    .json();
    assert_eq!(json["flow"]["owner"]["id"], demo::ADMIN_ID, "{json}");
    assert!(json["flow"]["owner"].get("name").is_none(), "{json}");

    let mut analyst = bare();
    analyst
        .env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_PAT_NAME", demo::ANALYST_PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::ANALYST_PAT_SECRET);
    let table = run(analyst, &["flows", "list"]).ok().to_owned();
    let coffee = table
        .lines()
        .find(|l| l.contains("Coffee Chain"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(coffee.contains(demo::ADMIN_ID), "{table}");
}

/// A listener that records every connection made to it (none is expected): where a refused path
/// would have sent the token.
fn elsewhere() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    (address, count)
}

#[test]
fn api_reaches_any_path_of_the_server_with_the_session() {
    let server = simulator();
    // GET with the session's site and user put in: Query User On Site, which no ENDPOINT_ID
    // form reaches without giving both ids.
    let xml = run(
        tabflow(&server),
        &["api", "GET", "/sites/{site}/users/{user_id}"],
    )
    .ok()
    .to_owned();
    assert!(
        xml.starts_with("<?xml") || xml.starts_with("<tsResponse"),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("<user id=\"{}\" name=\"admin\"", demo::ADMIN_ID)),
        "{xml}"
    );
    // The method in any case, {site_id} and {user} as well; --json asks for JSON.
    let json = run(
        tabflow(&server),
        &["api", "get", "/sites/{site_id}/users/{user}", "--json"],
    )
    .json();
    assert_eq!(json["user"]["id"], demo::ADMIN_ID, "{json:#}");
    // Query parameters, and a path that already names its version.
    let jobs = run(
        tabflow(&server),
        &[
            "api",
            "GET",
            "/api/3.24/sites/{site}/jobs",
            "--query",
            "pageSize=1",
            "--json",
        ],
    )
    .json();
    assert_eq!(jobs["pagination"]["pageSize"], "1", "{jobs:#}");
    // Server Info needs no sign-in (no credentials at all), in any spelling.
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    assert!(
        run(c, &["api", "GET", "/serverInfo"])
            .ok()
            .contains("<restApiVersion>3.24")
    );
    // -i: the status and headers on stderr, the body on stdout.
    let out = run(tabflow(&server), &["api", "HEAD", "/serverinfo", "-i"]);
    assert_eq!(out.status, 0, "{out:#?}");
    assert_eq!(out.stdout, "", "{out:#?}");
    assert!(out.stderr.starts_with("HTTP 200\n"), "{out:#?}");
    assert!(
        out.stderr.contains("content-type: application/xml"),
        "{out:#?}"
    );
    // The ENDPOINT_ID form takes -i and --json too.
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    let out = run(c, &["api", "server_info", "-i", "--json"]);
    assert!(out.stderr.starts_with("HTTP 200\n"), "{out:#?}");
    let info: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(info["serverInfo"]["restApiVersion"], "3.24", "{info:#}");

    // POST with a body from a file: Run Flow Now.
    let dir = scratch("api-path");
    let file = dir.join("run.xml");
    std::fs::write(&file, "<tsRequest/>").unwrap();
    let runs = server.run_count();
    let out = run(
        tabflow(&server),
        &[
            "api",
            "POST",
            &format!("/sites/{{site}}/flows/{}/run", demo::COFFEE_FLOW_ID),
            "--body",
            file.to_str().unwrap(),
        ],
    );
    assert!(out.ok().contains("<job "), "{out:#?}");
    assert_eq!(server.run_count(), runs + 1);
    // PUT with a JSON body from standard input (its content type told from its first
    // character), answered in XML.
    let body = format!(
        "{{\"flow\": {{\"project\": {{\"id\": \"{}\"}}}}}}",
        demo::SALES_PROJECT_ID
    );
    let out = run_with_input(
        tabflow(&server),
        &[
            "api",
            "PUT",
            &format!("sites/{{site}}/flows/{}", demo::COFFEE_FLOW_ID),
            "--body",
            "-",
        ],
        body.as_bytes(),
    );
    assert!(out.ok().contains(demo::SALES_PROJECT_ID), "{out:#?}");
    assert!(out.stdout.contains("<flow "), "{out:#?}");
    let moved = run(
        tabflow(&server),
        &["flows", "get", demo::COFFEE_FLOW_ID, "--json"],
    )
    .json();
    assert_eq!(moved["flow"]["project"]["id"], demo::SALES_PROJECT_ID);
    // --content-type says otherwise: the simulator reads the body as XML, and refuses it.
    let out = run_with_input(
        tabflow(&server),
        &[
            "api",
            "PUT",
            &format!("/sites/{{site}}/flows/{}", demo::COFFEE_FLOW_ID),
            "--body",
            "-",
            "--content-type",
            "application/xml",
        ],
        body.as_bytes(),
    );
    assert!(out.fails(1).contains("error 400"), "{out:#?}");

    // An error answer: its body printed, its code on stderr, status 1.
    let out = run(tabflow(&server), &["api", "GET", "/sites/{site}/nothing"]);
    let line = out.fails(1);
    assert!(
        line.starts_with(&format!(
            "tabflow: error 404003 (Resource not found) from GET /api/3.24/sites/{}/nothing",
            demo::SITE_ID
        )),
        "{line}"
    );
    assert!(out.stdout.contains("<error code=\"404003\">"), "{out:#?}");
    let out = run(
        tabflow(&server),
        &[
            "api",
            "DELETE",
            &format!("/sites/{{site}}/flows/{NO_SUCH_FLOW}"),
            "--json",
        ],
    );
    assert!(out.fails(1).contains("error 404027"), "{out:#?}");
    let error: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(error["error"]["code"], "404027", "{error:#}");

    // The two forms do not mix.
    for (args, said) in [
        (&["api", "GET"][..], "needs a PATH"),
        (&["api", "query_flow", "/x"], "is not a method"),
        (
            &["api", "GET", "/x", "--path", "flow_id=1"],
            "--path NAME=VALUE is for an ENDPOINT_ID",
        ),
        (
            &[
                "api",
                "query_flow",
                "--body",
                "-",
                "--content-type",
                "text/xml",
            ],
            "--content-type is for METHOD PATH",
        ),
        (
            &["api", "GET", "/x", "--body", "-"],
            "a GET request takes no body",
        ),
    ] {
        let out = run(tabflow(&server), args);
        assert!(out.usage().contains(said), "{args:?}: {out:#?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn api_reaches_a_path_the_spec_does_not_have() {
    let (url, seen) = routed_server(|_| {
        http_answer(
            "200 OK",
            "application/xml",
            &[],
            b"<tsResponse xmlns=\"http://tableau.com/api\"><workbooks/></tsResponse>",
        )
    });
    let out = run(
        tabflow_at(&url),
        &[
            "api",
            "GET",
            "/sites/{site}/workbooks",
            "--query",
            "filter=name:eq:Sales Report",
        ],
    );
    assert!(out.ok().contains("<workbooks/>"), "{out:#?}");
    let lines = seen.lock().unwrap().clone();
    assert!(
        lines.contains(&format!(
            "GET /api/3.24/sites/{}/workbooks?filter=name:eq:Sales%20Report HTTP/1.1",
            demo::SITE_ID
        )),
        "{lines:#?}"
    );
}

#[test]
fn api_paths_that_could_reach_another_server_are_refused_before_anything_is_sent() {
    let (url, seen) = routed_server(|_| http_answer("200 OK", "application/xml", &[], b""));
    let (other, connections) = elsewhere();
    for path in [
        format!("http://{other}/api/3.24/serverinfo"),
        format!("//{other}/x"),
        format!("\\\\{other}\\x"),
        format!("/\\{other}/x"),
        format!("{other}/x"),
        "/sites/{site}/x\r\nHost: evil.example".to_owned(),
        "/sites/{site}/%0d%0aX-Evil: 1".to_owned(),
        "/sites/{site}/%2e%2e/%2e%2e/x".to_owned(),
        "/sites/{site}/x%2F..%2F..".to_owned(),
        "/api/../../x".to_owned(),
        "/sites/{site}/../../../../x".to_owned(),
        "/sites/{site}//x".to_owned(),
        "/sites/{site}/x#y".to_owned(),
        "/sites/{flow_id}/x".to_owned(),
    ] {
        let out = run(tabflow_at(&url), &["api", "GET", &path]);
        let text = out.usage();
        assert!(text.contains("nothing was sent"), "{path:?}: {out:#?}");
    }
    // Refused before signing in: the configured server saw nothing, the other nothing at all.
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0);
    // `@host` after the first slash is a path of the configured server, sent there.
    let out = run(tabflow_at(&url), &["api", "GET", &format!("/@{other}")]);
    out.ok();
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with(&format!("GET /api/3.24/@{other} "))),
        "{:?}",
        seen.lock().unwrap()
    );
}

#[test]
fn api_bodies_name_their_file_and_are_bounded() {
    let server = simulator();
    let dir = scratch("api-bodies");
    let missing = dir.join("missing.xml");
    for form in [
        &["api", "POST", "/sites/{site}/flows/x/run"][..],
        &["api", "update_flow", "--path", "flow_id=x"],
    ] {
        let mut args = form.to_vec();
        args.extend(["--body", missing.to_str().unwrap()]);
        let out = run(tabflow(&server), &args);
        let line = out.fails(1);
        assert!(
            line.contains(&format!("--body {}: cannot read it: ", missing.display())),
            "{line}"
        );
        let mut args = form.to_vec();
        args.extend(["--body", dir.to_str().unwrap()]);
        let line = run(tabflow(&server), &args).fails(1).to_owned();
        assert!(
            line.contains(&format!("--body {}: ", dir.display())),
            "{line}"
        );
    }
    // The spec's checks of an endpoint's body name the file too.
    let broken = dir.join("broken.xml");
    std::fs::write(&broken, "not XML").unwrap();
    let out = run(
        tabflow(&server),
        &[
            "api",
            "update_flow",
            "--path",
            &format!("flow_id={}", demo::COFFEE_FLOW_ID),
            "--body",
            broken.to_str().unwrap(),
        ],
    );
    let line = out.fails(1);
    assert!(
        line.starts_with(&format!("tabflow: --body {}: ", broken.display()))
            && line.contains("the body"),
        "{line}"
    );
    // Standard input: at most 64 MiB, named as such.
    let out = run_with_unread_input(
        tabflow(&server),
        &["api", "POST", "/sites/{site}/flows/x/run", "--body", "-"],
        vec![b' '; 64 * 1024 * 1024 + 1],
    );
    let line = out.fails(1);
    assert!(
        line.contains("--body - (standard input): holds more than the 64 MiB"),
        "{line}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn global_options_are_taken_after_the_command() {
    let server = simulator();
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    let out = run(
        c,
        &[
            "flows",
            "list",
            "--username",
            demo::ADMIN_USER,
            "--password",
            demo::ADMIN_PASSWORD,
        ],
    );
    assert!(out.ok().contains("Coffee Chain"), "{out:#?}");
    // Between the group and its command too, mixed with the command's own options.
    let mut c = bare();
    c.env("TABLEAU_SERVER", server.url());
    let json = run(
        c,
        &[
            "flows",
            "--username",
            demo::ADMIN_USER,
            "get",
            demo::SALES_FLOW_ID,
            "--password",
            demo::ADMIN_PASSWORD,
            "--json",
        ],
    )
    .json();
    assert_eq!(json["flow"]["id"], demo::SALES_FLOW_ID);
    // A misspelling is offered --username, never --user (which names a flow's user).
    let out = run(tabflow(&server), &["flows", "list", "--usernam", "admin"]);
    let text = out.usage();
    assert!(text.contains("--username"), "{text}");
    assert!(!text.contains("'--user'"), "{text}");
    // The connection's credentials have names of their own.
    let out = run(
        tabflow(&server),
        &[
            "connections",
            "update",
            demo::COFFEE_FLOW_ID,
            demo::CONNECTION_ID,
            "--connection-username",
            "etl",
        ],
    );
    out.ok();
    let table = run(
        tabflow(&server),
        &["connections", "list", demo::COFFEE_FLOW_ID],
    )
    .ok()
    .to_owned();
    assert!(table.contains("etl"), "{table}");
}

/// `tabflow` pointed at `url` (speaking 3.24) with the demo administrator's token.
fn signing_in_at(url: &str) -> Command {
    let mut c = bare();
    c.env("TABLEAU_SERVER", url)
        .env("TABLEAU_API_VERSION", "3.24")
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
    c
}

#[test]
fn sign_in_failures_say_what_was_tried_and_the_likely_cause_by_code() {
    let server = simulator();
    let tried = format!(
        "Signing in to the default site (content URL \"\") of {} with the personal access token \"{}\"",
        server.url(),
        demo::PAT_NAME
    );
    // 404001: a version the server does not speak.
    let mut c = tabflow(&server);
    c.env("TABLEAU_API_VERSION", "3.25");
    let out = run(c, &["flows", "list"]);
    let line = out.fails(1);
    assert!(line.starts_with("tabflow: error 404001 "), "{line}");
    assert!(line.contains(&format!("{tried} failed")), "{line}");
    assert!(
        line.contains("Likely: the server does not speak API 3.25 (--api-version"),
        "{line}"
    );
    // 404003: a server URL with a path the REST API is not under (from Server Info, asked
    // first, or from Sign In when the version is pinned).
    for pinned in [false, true] {
        let wrong = format!("{}/tableau", server.url());
        let mut c = tabflow(&server);
        c.env("TABLEAU_SERVER", &wrong);
        if pinned {
            c.env("TABLEAU_API_VERSION", "3.24");
        }
        let out = run(c, &["flows", "list"]);
        let line = out.fails(1);
        assert!(line.starts_with("tabflow: error 404003 "), "{line}");
        assert!(
            line.contains(&format!(
                "Likely: --server {wrong} is not the address of Tableau's REST API"
            )),
            "{line}"
        );
    }
    // 401001 (a wrong secret or site) keeps its causes; the secret is never printed.
    let mut c = tabflow(&server);
    c.env("TABLEAU_PAT_SECRET", "wrong-secret");
    let out = run(c, &["flows", "list"]);
    let line = out.fails(1);
    assert!(line.contains(&format!("{tried} was refused")), "{line}");
    assert!(!line.contains("wrong-secret"), "{line}");

    // What a server or a proxy in front of it answers, which the simulator does not.
    let error = |code: u32| -> &'static str {
        Box::leak(
            format!(
                "<tsResponse xmlns=\"http://tableau.com/api\"><error code=\"{code}\"><summary>S</summary><detail>D</detail></error></tsResponse>"
            )
            .into_boxed_str(),
        )
    };
    for (status, body, wanted) in [
        (
            400,
            error(400000),
            "the server could not read the sign-in request",
        ),
        (403, error(403001), "the server forbids this sign-in"),
        (404, error(404000), "no site has that content URL"),
        (
            405,
            error(405000),
            "the request reached the server with another method than POST",
        ),
        (
            500,
            error(500000),
            "the server (or a proxy in front of it) failed",
        ),
        (
            404,
            "<html>Not Found</html>",
            "is not the address of Tableau's REST API",
        ),
        (
            403,
            "<html>Forbidden</html>",
            "a proxy or firewall in front of",
        ),
    ] {
        let url = hostile_server(status, body);
        let out = run(signing_in_at(&url), &["flows", "list"]);
        let line = out.fails(1);
        assert!(
            line.contains(&format!(
                "Signing in to the default site (content URL \"\") of {url} with the personal access token \"{}\"",
                demo::PAT_NAME
            )),
            "{line}"
        );
        let likely = line.split_once(". Likely: ").map(|(_, l)| l).unwrap_or("");
        assert!(likely.contains(wanted), "{status}: {line}");
        assert!(!line.contains(demo::PAT_SECRET), "{line}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn file_errors_name_the_file_or_standard_output() {
    let server = simulator();
    // Standard output that cannot be written.
    let full = || {
        let mut c = tabflow(&server);
        c.stdout(std::fs::File::create("/dev/full").unwrap());
        c
    };
    for args in [
        &["flows", "list"][..],
        &["flows", "list", "--json"],
        &["api", "query_flows_for_site"],
        &["flows", "download", demo::COFFEE_FLOW_ID, "-o", "-"],
    ] {
        let output = full().args(args).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("tabflow: writing standard output: "),
            "{args:?}: {stderr}"
        );
    }
    // A download whose partial file cannot be made beside its target names both.
    let out = run(
        tabflow(&server),
        &[
            "flows",
            "download",
            demo::COFFEE_FLOW_ID,
            "-o",
            "/proc/coffee.tfl",
        ],
    );
    let line = out.fails(1);
    assert!(
        line.contains("/proc/coffee.tfl: cannot create the partial file /proc/.tabflow-"),
        "{line}"
    );
}

/// A binary answer (a flow's file) through `tabflow api METHOD PATH` reaches a pipe byte for
/// byte: not cleaned of "control characters", not given a newline.
#[test]
fn api_writes_a_binary_answer_to_a_pipe_byte_for_byte() {
    let server = simulator();
    let path = format!("/sites/{{site}}/flows/{}/content", demo::SALES_FLOW_ID);
    let output = tabflow(&server)
        .args(["api", "GET", &path])
        .output()
        .expect("tabflow runs");
    assert!(output.status.success(), "{output:?}");
    let client = tableau_flows::Client::builder(server.url())
        .build()
        .unwrap();
    client
        .sign_in_with(
            tableau_flows::Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
            demo::SITE,
        )
        .unwrap();
    let mut expected = Vec::new();
    client
        .download_flow_to(
            demo::SALES_FLOW_ID,
            &mut expected,
            tableau_flows::DownloadOptions::new(),
        )
        .unwrap();
    assert!(expected.starts_with(b"PK\x03\x04"));
    assert!(
        output.stdout == expected,
        "{} bytes written, {} expected",
        output.stdout.len(),
        expected.len()
    );
}

#[test]
fn permissions_copy_adds_or_replaces_and_says_what_it_did() {
    let server = simulator();
    // The target (Sales Cleanup) gets a rule the source (Coffee) does not have.
    run(
        tabflow(&server),
        &[
            "permissions",
            "add",
            demo::SALES_FLOW_ID,
            "--user",
            demo::ANALYST_ID,
            "Write:Allow",
        ],
    )
    .ok();
    let added = run(
        tabflow(&server),
        &[
            "permissions",
            "copy",
            demo::COFFEE_FLOW_ID,
            demo::SALES_FLOW_ID,
        ],
    )
    .ok()
    .to_owned();
    assert!(
        added.starts_with(&format!(
            "copied the permissions of flow {} to flow {}: added 2 rules (group {} Read:Allow, group {} ExportXml:Allow)",
            demo::COFFEE_FLOW_ID,
            demo::SALES_FLOW_ID,
            demo::ANALYSTS_GROUP_ID,
            demo::ANALYSTS_GROUP_ID
        )),
        "{added}"
    );
    let replaced = run(
        tabflow(&server),
        &[
            "permissions",
            "copy",
            demo::COFFEE_FLOW_ID,
            demo::SALES_FLOW_ID,
            "--replace",
            "--json",
        ],
    )
    .json();
    assert_eq!(replaced["mode"], "replace");
    assert_eq!(replaced["added"], serde_json::json!([]));
    assert_eq!(
        replaced["deleted"],
        serde_json::json!([{
            "grantee": "user",
            "id": demo::ANALYST_ID,
            "capability": "Write",
            "mode": "Allow",
        }])
    );
    assert_eq!(replaced["unchanged"].as_array().map(Vec::len), Some(2));
    assert_eq!(replaced["requests"], 3);
    let table = run(
        tabflow(&server),
        &["permissions", "list", demo::SALES_FLOW_ID],
    )
    .ok()
    .to_owned();
    assert!(!table.contains(demo::ANALYST_ID), "{table}");
    // A flow that does not exist: the service's error, nothing copied.
    let out = run(
        tabflow(&server),
        &["permissions", "copy", "no-such-flow", demo::SALES_FLOW_ID],
    );
    assert!(out.fails(1).starts_with("tabflow: "), "{out:#?}");
}
