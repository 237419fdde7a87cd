//! End-to-end tests of `tabflow` (the binary, against the simulator started in the test process)
//! for flows named by path or narrowed by `--project`, ambiguous names and suggestions (issue 21,
//! item 3), and `runs list` / `runs get` with their filters, order, durations and reasons (item 4).

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;
use tableau_flows_mock::{Clock, MockServer, demo};

mod common;

/// `tabflow` pointed at `server` with the demo administrator's token, nothing else of the
/// caller's environment that tabflow reads.
fn tabflow(server: &MockServer) -> Command {
    let mut c = common::admin(server, &common::home("names-no-home"));
    c.stdin(Stdio::null());
    c
}

use common::{Outcome, outcome};

fn run(server: &MockServer, args: &[&str]) -> Outcome {
    outcome(tabflow(server).args(args).output().expect("tabflow runs"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("names-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Publishes the demo flow file as `name` into `project` with `tabflow flows publish`; its id.
fn publish(server: &MockServer, dir: &std::path::Path, name: &str, project: &str) -> String {
    let file = dir.join("flow.tflx");
    std::fs::write(&file, demo::flow_file_bytes()).unwrap();
    let args = [
        "flows",
        "publish",
        file.to_str().unwrap(),
        "--project",
        project,
        "--name",
        name,
        "--json",
    ];
    run(server, &args).json()["flow"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn flow_id(server: &MockServer, args: &[&str]) -> String {
    let mut argv = args.to_vec();
    argv.push("--json");
    run(server, &argv).json()["flow"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The simulator with projects Dev and Prod, each holding a flow "Sales Cleanup" (as Sales
/// does), Parent/Child holding "Deep Flow", and "In/Out" in Dev; the ids of Dev's and Prod's
/// Sales Cleanup.
fn two_projects() -> (MockServer, String, String) {
    let server = MockServer::builder().start().unwrap();
    let dir = scratch(server.url().rsplit(':').next().unwrap());
    server.add_project("Dev", None).unwrap();
    server.add_project("Prod", None).unwrap();
    let parent = server.add_project("Parent", None).unwrap();
    server.add_project("Child", Some(&parent)).unwrap();
    let dev = publish(&server, &dir, "Sales Cleanup", "Dev");
    let prod = publish(&server, &dir, "Sales Cleanup", "Prod");
    publish(&server, &dir, "Deep Flow", "Parent/Child");
    publish(&server, &dir, "In/Out", "Dev");
    (server, dev, prod)
}

#[test]
fn a_path_or_project_picks_one_of_same_named_flows() {
    let (server, dev, prod) = two_projects();
    assert_eq!(
        flow_id(&server, &["flows", "get", "Dev/Sales Cleanup"]),
        dev
    );
    assert_eq!(
        flow_id(&server, &["flows", "get", "Prod/Sales Cleanup"]),
        prod
    );
    assert_eq!(
        flow_id(
            &server,
            &["flows", "get", "--project", "Prod", "Sales Cleanup"]
        ),
        prod
    );
    assert_eq!(
        flow_id(
            &server,
            &["flows", "get", "Sales Cleanup", "--project", "Dev"]
        ),
        dev
    );
    // Nested projects, and a `/` inside a name.
    let deep = flow_id(&server, &["flows", "get", "Parent/Child/Deep Flow"]);
    assert_eq!(
        flow_id(
            &server,
            &["flows", "get", "Deep Flow", "--project", "Parent/Child"]
        ),
        deep
    );
    let in_out = flow_id(&server, &["flows", "get", r"Dev/In\/Out"]);
    assert_eq!(flow_id(&server, &["flows", "get", "In/Out"]), in_out);
    assert_eq!(
        flow_id(&server, &["flows", "get", "In/Out", "--project", "Dev"]),
        in_out
    );

    // The name alone: every candidate with its path, and how to pick one.
    let out = run(&server, &["flows", "get", "Sales Cleanup"]);
    let line = out.fails(1);
    assert!(
        line.starts_with("tabflow: 3 flows are named \"Sales Cleanup\": "),
        "{line}"
    );
    for candidate in [
        format!("{dev} (Dev/Sales Cleanup)"),
        format!("{prod} (Prod/Sales Cleanup)"),
        format!("{} (Sales/Sales Cleanup)", demo::SALES_FLOW_ID),
    ] {
        assert!(line.contains(&candidate), "{candidate}: {line}");
    }
    assert!(line.contains("or a path (Project/Flow"), "{line}");

    // A typo: the closest name; in a project without it, where it is.
    let out = run(&server, &["flows", "get", "Sales Cleanpu"]);
    assert_eq!(
        out.fails(1),
        "tabflow: no flow named \"Sales Cleanpu\"; did you mean \"Sales Cleanup\"?"
    );
    let out = run(&server, &["flows", "run", "Dev/Sales Cleanpu"]);
    assert!(
        out.fails(1).ends_with(
            "did you mean \"Dev/Sales Cleanup\", \"Prod/Sales Cleanup\" or \"Sales/Sales Cleanup\"?"
        ),
        "{out:#?}"
    );
    let out = run(&server, &["flows", "get", "Deep Flow", "--project", "Dev"]);
    assert_eq!(
        out.fails(1),
        "tabflow: no flow named \"Dev/Deep Flow\"; did you mean \"Parent/Child/Deep Flow\"?"
    );
    // A project that does not exist is named, with the closest.
    let out = run(
        &server,
        &["flows", "get", "Sales Cleanup", "--project", "Prd"],
    );
    assert!(
        out.fails(1)
            .contains("no project named \"Prd\"; did you mean \"Prod\"?"),
        "{out:#?}"
    );
}

#[test]
fn every_command_taking_a_flow_takes_a_path_and_project() {
    let (server, dev, prod) = two_projects();
    let dir = scratch("every-command");
    let download = dir.join("prod.tflx");
    let download = download.to_str().unwrap();
    // Each is refused as ambiguous without --project (or a path), and works with it; those that
    // can be done twice are done again with the path.
    let commands: Vec<(Vec<&str>, bool)> = vec![
        (vec!["flows", "get", "Sales Cleanup"], true),
        (vec!["flows", "tag", "Sales Cleanup", "prod-only"], true),
        (vec!["flows", "untag", "Sales Cleanup", "prod-only"], false),
        (
            vec!["flows", "download", "Sales Cleanup", "-o", download],
            false,
        ),
        (vec!["flows", "run", "Sales Cleanup"], true),
        (vec!["connections", "list", "Sales Cleanup"], true),
        (vec!["permissions", "list", "Sales Cleanup"], true),
        (
            vec![
                "permissions",
                "add",
                "Sales Cleanup",
                "--user",
                "analyst",
                "Read:Allow",
            ],
            true,
        ),
        (
            vec![
                "permissions",
                "delete",
                "Sales Cleanup",
                "--user",
                "analyst",
                "Read:Allow",
            ],
            false,
        ),
        (
            vec!["tasks", "add-to-schedule", "Nightly", "Sales Cleanup"],
            true,
        ),
        (vec!["tasks", "list", "--flow", "Sales Cleanup"], true),
        (vec!["runs", "list", "--flow", "Sales Cleanup"], true),
    ];
    for (args, twice) in &commands {
        let out = run(&server, args);
        assert!(
            out.fails(1).contains("3 flows are named \"Sales Cleanup\""),
            "{args:?}: {out:#?}"
        );
        let mut narrowed = args.clone();
        narrowed.extend(["--project", "Prod"]);
        run(&server, &narrowed).ok();
        if *twice {
            let path: Vec<&str> = args
                .iter()
                .map(|a| {
                    if *a == "Sales Cleanup" {
                        "Prod/Sales Cleanup"
                    } else {
                        a
                    }
                })
                .collect();
            run(&server, &path).ok();
        }
    }
    // connections update, with a connection of Prod's flow.
    let connections = run(
        &server,
        &["connections", "list", "Prod/Sales Cleanup", "--json"],
    )
    .json();
    let connection = connections["connections"]["connection"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no connection in {connections:#}"));
    let update = [
        "connections",
        "update",
        "Sales Cleanup",
        connection,
        "--port",
        "5433",
    ];
    assert!(run(&server, &update).fails(1).contains("3 flows are named"));
    let mut narrowed = update.to_vec();
    narrowed.extend(["--project", "Prod"]);
    run(&server, &narrowed).ok();

    // They acted on Prod's flow: it was downloaded, run and scheduled, not Dev's.
    assert_eq!(
        std::fs::read(download).unwrap(),
        server.flow_bytes(&prod).unwrap()
    );
    let runs = run(&server, &["runs", "list", "--json"]).json();
    let flows: Vec<&str> = runs["flowRuns"]["flowRuns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["flowId"].as_str().unwrap())
        .collect();
    assert_eq!(flows, [prod.as_str(), prod.as_str()], "{runs:#}");
    let tasks = run(
        &server,
        &["tasks", "list", "--flow", "Prod/Sales Cleanup", "--json"],
    )
    .json();
    assert_eq!(
        tasks["tasks"]["task"].as_array().unwrap().len(),
        2,
        "{tasks:#}"
    );
    let tasks = run(
        &server,
        &[
            "tasks",
            "list",
            "--flow",
            "Sales Cleanup",
            "--project",
            "Dev",
            "--json",
        ],
    )
    .json();
    assert!(
        tasks["tasks"]["task"].as_array().is_none_or(Vec::is_empty),
        "{tasks:#}"
    );

    // flows update: --project is where the flow moves; the flow is picked by its path.
    let moved = run(
        &server,
        &[
            "flows",
            "update",
            "Dev/Sales Cleanup",
            "--project",
            "Parent",
            "--json",
        ],
    )
    .json();
    assert_eq!(moved["flow"]["id"], dev.as_str());
    assert_eq!(
        flow_id(&server, &["flows", "get", "Parent/Sales Cleanup"]),
        dev
    );
    // And deleting by path deletes that one.
    run(&server, &["flows", "delete", "Prod/Sales Cleanup"]).ok();
    assert!(!server.flow_ids().contains(&prod));
    assert!(server.flow_ids().contains(&dev));
}

/// A simulator whose clock moves only when the test says, runs Pending for no time and then
/// InProgress for 72 s.
fn stopped_clock() -> (MockServer, Clock) {
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .run_timing(Duration::ZERO, Duration::from_secs(72))
        .start()
        .unwrap();
    (server, clock)
}

fn start_run(server: &MockServer, flow: &str) -> String {
    let started = run(server, &["flows", "run", flow, "--json"]).json();
    started["job"]["runFlowJobType"]["flowRunId"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn run_ids(listed: &Value) -> Vec<String> {
    listed["flowRuns"]["flowRuns"]
        .as_array()
        .map(|runs| {
            runs.iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The row of `run_id` in a table, split into its columns (two spaces or more apart).
fn row<'t>(table: &'t str, run_id: &str) -> Vec<&'t str> {
    let line = table
        .lines()
        .find(|l| l.starts_with(run_id))
        .unwrap_or_else(|| panic!("no row {run_id} in {table}"));
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

#[test]
fn runs_list_newest_first_with_status_flow_since_limit_and_reasons() {
    let (server, clock) = stopped_clock();
    // Three runs, ten seconds apart, in the order the server lists them: oldest first.
    let coffee = start_run(&server, "Coffee Chain");
    clock.advance(Duration::from_secs(10));
    let sales = start_run(&server, "Sales Cleanup");
    clock.advance(Duration::from_secs(10));
    let broken = start_run(&server, "Broken Loom");
    // The first two have finished; Broken Loom has run for 60 of its 72 seconds.
    clock.advance(Duration::from_secs(60));

    let all = run(&server, &["runs", "list", "--json"]).json();
    assert_eq!(
        run_ids(&all),
        [broken.clone(), sales.clone(), coffee.clone()]
    );
    let table = run(&server, &["runs", "list"]).ok().to_owned();
    let header = table.lines().next().unwrap();
    for column in ["ID", "FLOW", "STATUS", "STARTED", "DURATION", "PROGRESS"] {
        assert!(header.contains(column), "{table}");
    }
    let ids: Vec<&str> = table
        .lines()
        .skip(1)
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(ids, [&broken, &sales, &coffee], "{table}");
    let done = row(&table, &coffee);
    assert_eq!(done[2], "Success", "{table}");
    assert_eq!(done[4], "1m 12s", "{table}");
    assert!(done[1].starts_with("Coffee Chain ("), "{table}");
    // A run in progress: its running time so far (counted to this machine's clock).
    let going = row(&table, &broken);
    assert_eq!(going[2], "InProgress", "{table}");
    assert!(going[4].ends_with('s'), "{table}");

    // --limit: the newest N, in JSON too.
    let two = run(&server, &["runs", "list", "--limit", "2", "--json"]).json();
    assert_eq!(run_ids(&two), [broken.clone(), sales.clone()]);
    let one = run(&server, &["runs", "list", "--limit", "1"])
        .ok()
        .to_owned();
    assert_eq!(one.lines().count(), 2, "{one}");

    // --status, here; Broken Loom fails once it ends, with the reason in the table.
    clock.advance(Duration::from_secs(20));
    let failed = run(&server, &["runs", "list", "--status", "failed"])
        .ok()
        .to_owned();
    assert_eq!(failed.lines().count(), 2, "{failed}");
    assert!(
        failed.lines().next().unwrap().ends_with("REASON"),
        "{failed}"
    );
    let cells = row(&failed, &broken);
    assert_eq!(cells[2], "Failed", "{failed}");
    assert_eq!(
        cells.last().copied(),
        Some(demo::FAILURE_REASON),
        "{failed}"
    );
    let succeeded = run(
        &server,
        &[
            "runs",
            "list",
            "--status",
            "Succeeded",
            "--status",
            "Cancelled",
            "--json",
        ],
    )
    .json();
    assert_eq!(run_ids(&succeeded), [sales.clone(), coffee.clone()]);

    // --flow and --since go to the server (the request says so).
    let out = run(
        &server,
        &[
            "runs",
            "list",
            "--flow",
            "Coffee Chain",
            "--since",
            "1h",
            "--json",
            "-v",
        ],
    );
    assert_eq!(out.status, 0, "{out:#?}");
    let listed: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(run_ids(&listed), [coffee]);
    let request = out
        .stderr
        .lines()
        .find(|l| l.contains("/flows/runs?"))
        .unwrap_or_else(|| panic!("{out:#?}"));
    assert!(
        request.contains(&format!("flowId:eq:{}", demo::COFFEE_FLOW_ID))
            && request.contains(",startedAt:gte:"),
        "{request}"
    );
    let later = run(
        &server,
        &["runs", "list", "--since", "2999-01-01", "--json"],
    )
    .json();
    assert!(run_ids(&later).is_empty(), "{later:#}");
    let earlier = run(
        &server,
        &[
            "runs",
            "list",
            "--since",
            "2000-01-01T00:00:00+01:00",
            "--json",
        ],
    )
    .json();
    assert_eq!(run_ids(&earlier).len(), 3);
    let none = run(&server, &["runs", "list", "--flow", "Nowhere Flow"]);
    assert!(
        none.fails(1).contains("no flow named \"Nowhere Flow\""),
        "{none:#?}"
    );
    let days = run(&server, &["runs", "list", "--since", "3 days", "--json"]).json();
    assert_eq!(run_ids(&days).len(), 3);
    let bad = run(&server, &["runs", "list", "--since", "3 fortnights"]);
    assert_eq!(bad.status, 2, "{bad:#?}");
    assert!(bad.stderr.contains("is not a duration"), "{bad:#?}");
}

#[test]
fn runs_get_shows_a_failed_run_s_reason_and_its_parameter_values() {
    let (server, clock) = stopped_clock();
    server.set_flow_fails(demo::SALES_FLOW_ID, true);
    let started = run(
        &server,
        &[
            "flows",
            "run",
            "Sales Cleanup",
            "--param",
            "Region=North",
            "--param",
            "Top N=5",
            "--json",
        ],
    )
    .json();
    let run_id = started["job"]["runFlowJobType"]["flowRunId"]
        .as_str()
        .unwrap();
    clock.advance(Duration::from_secs(100));
    let text = run(&server, &["runs", "get", run_id]).ok().to_owned();
    assert!(text.contains("Status:     Failed"), "{text}");
    assert!(
        text.contains(&format!("Reason:     {}", demo::FAILURE_REASON)),
        "{text}"
    );
    assert!(text.contains("Duration:   1m 12s"), "{text}");
    let values: Vec<Vec<&str>> = text
        .lines()
        .skip_while(|l| !l.starts_with("PARAMETER"))
        .skip(1)
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .collect();
    assert_eq!(
        values,
        [
            vec![demo::REGION_PARAMETER_ID, "Region", "North"],
            vec![demo::TOP_N_PARAMETER_ID, "Top N", "5"],
        ],
        "{text}"
    );
    // The JSON is the server's answer, the parameter values in it.
    let json = run(&server, &["runs", "get", run_id, "--json"]).json();
    assert_eq!(json["flowRun"]["status"], "Failed");
    assert_eq!(
        json["flowRun"]["flowParameterRuns"]["parameterRuns"][0]["overrideValue"], "North",
        "{json:#}"
    );
    // A run that succeeded has no reason.
    server.set_flow_fails(demo::SALES_FLOW_ID, false);
    let ok_run = start_run(&server, "Coffee Chain");
    clock.advance(Duration::from_secs(100));
    let text = run(&server, &["runs", "get", &ok_run]).ok().to_owned();
    assert!(
        text.contains("Status:     Success") && !text.contains("Reason:"),
        "{text}"
    );
}
