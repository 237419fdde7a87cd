//! Request counts of the everyday tasks: `tabflow` without a saved session (every command signs
//! in and out), `tabflow` with one (`tabflow login` first), and the official Python client
//! (tableauserverclient, TSC) doing the same in a script, each against a simulator started here
//! with its request log on ([`MockBuilder::request_log`]). Prints one table.
//!
//!     cargo bench -p tableau-flows-cli --bench requests
//!
//! TSC is run with `$TSC_PYTHON` if set, else the virtualenv tests/conformance/peers.py makes
//! (`target/peers/tsc`), else `python3`; when none of them can import tableauserverclient the
//! table says so and shows no figure for it. Runs finish at once in this simulator, so "run a
//! flow and wait" polls once for every client.
//!
//! [`MockBuilder::request_log`]: tableau_flows_mock::MockBuilder::request_log

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tableau_flows_mock::{MockServer, demo};

/// An everyday task: its name, `tabflow`'s arguments, and the TSC script's task.
struct Task {
    name: &'static str,
    args: Vec<String>,
    tsc: &'static str,
}

/// What one run made: requests in all, sign-ins, sign-outs.
#[derive(Clone, Copy)]
struct Count {
    requests: usize,
    sign_ins: usize,
    sign_outs: usize,
}

fn count(server: &MockServer) -> Count {
    let log = server.requests().expect("the request log is kept");
    server.clear_requests();
    let of = |id: &str| log.iter().filter(|r| r.endpoint == Some(id)).count();
    Count {
        requests: log.len(),
        sign_ins: of("sign_in"),
        sign_outs: of("sign_out"),
    }
}

fn tasks(out: &Path) -> Vec<Task> {
    let s = |v: &[&str]| v.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
    let file = out.join("sales.tflx").display().to_string();
    vec![
        Task {
            name: "server info",
            args: s(&["server-info"]),
            tsc: "server-info",
        },
        Task {
            name: "list flows (one page)",
            args: s(&["flows", "list"]),
            tsc: "flows-list",
        },
        Task {
            name: "get a flow (by id)",
            args: s(&["flows", "get", demo::SALES_FLOW_ID]),
            tsc: "flows-get",
        },
        Task {
            name: "run a flow and wait",
            args: s(&["flows", "run", demo::SALES_FLOW_ID, "--wait"]),
            tsc: "flows-run-wait",
        },
        Task {
            name: "list runs (one page)",
            args: s(&["runs", "list"]),
            tsc: "runs-list",
        },
        Task {
            name: "download a flow",
            args: vec![
                "flows".into(),
                "download".into(),
                demo::SALES_FLOW_ID.into(),
                "-o".into(),
                file,
                "--force".into(),
            ],
            tsc: "flows-download",
        },
        Task {
            name: "list flow tasks",
            args: s(&["tasks", "list"]),
            tsc: "tasks-list",
        },
    ]
}

/// `tabflow` with only what the bench gives it in its environment.
fn tabflow(server: &MockServer, state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tabflow"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TABLEAU_") {
            c.env_remove(name);
        }
    }
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::PAT_SECRET)
        .env("TABFLOW_STATE_DIR", state)
        .env("TABFLOW_CONFIG_DIR", state.join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    c
}

fn run_tabflow(server: &MockServer, state: &Path, args: &[String]) -> Count {
    let output = tabflow(server, state)
        .args(args)
        .output()
        .expect("tabflow runs");
    assert!(
        output.status.success(),
        "tabflow {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    count(server)
}

/// A Python that imports tableauserverclient, and its version; or why there is none.
fn tsc_python(root: &Path) -> Result<(String, String), String> {
    let mut candidates = Vec::new();
    if let Ok(p) = std::env::var("TSC_PYTHON") {
        candidates.push(p);
    }
    let venv = root.join("target/peers/tsc/bin/python");
    if venv.exists() {
        candidates.push(venv.display().to_string());
    }
    candidates.push("python3".into());
    for python in &candidates {
        let probe = Command::new(python)
            .args([
                "-c",
                "import importlib.metadata as m, tableauserverclient; print(m.version('tableauserverclient'))",
            ])
            .output();
        if let Ok(out) = probe
            && out.status.success()
        {
            let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            return Ok((python.clone(), version));
        }
    }
    Err(format!(
        "not installed: none of {} imports tableauserverclient (`python3 \
         tests/conformance/peers.py target/debug/tabflow tsc` makes target/peers/tsc; \
         TSC_PYTHON names another); no TSC figures are shown",
        candidates.join(", ")
    ))
}

fn run_tsc(server: &MockServer, python: &str, script: &Path, task: &str, out: &Path) -> Count {
    let output = Command::new(python)
        .arg(script)
        .arg(task)
        .env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_SITE", demo::SITE)
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::PAT_SECRET)
        .env("FLOW_ID", demo::SALES_FLOW_ID)
        .env("OUT_DIR", out)
        .stdin(Stdio::null())
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "TSC {task}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    count(server)
}

fn cell(c: Option<Count>) -> String {
    match c {
        Some(c) => format!("{:>3}  {}/{}", c.requests, c.sign_ins, c.sign_outs),
        None => "  -".to_owned(),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; a filter or `--list` is not for this table.
    if std::env::args().any(|a| a == "--list") {
        println!("requests: bench");
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-requests");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let server = MockServer::builder()
        .run_timing(Duration::ZERO, Duration::ZERO)
        .request_log(true)
        .start()
        .expect("the simulator starts");
    let tasks = tasks(&scratch);

    // Without a saved session.
    let state = scratch.join("state");
    let plain: Vec<Count> = tasks
        .iter()
        .map(|t| run_tabflow(&server, &state, &t.args))
        .collect();
    // With one: `tabflow login`, then the same commands.
    let login = run_tabflow(&server, &state, &["login".to_owned()]);
    let saved: Vec<Count> = tasks
        .iter()
        .map(|t| run_tabflow(&server, &state, &t.args))
        .collect();
    let logout = run_tabflow(&server, &state, &["logout".to_owned()]);

    let script = root.join("tests/conformance/request_counts_tsc.py");
    let tsc = tsc_python(&root);
    let tsc_counts: Vec<Option<Count>> = match &tsc {
        Ok((python, _)) => tasks
            .iter()
            .map(|t| Some(run_tsc(&server, python, &script, t.tsc, &scratch)))
            .collect(),
        Err(_) => tasks.iter().map(|_| None).collect(),
    };

    let tsc_title = match &tsc {
        Ok((_, version)) => format!("TSC {version}"),
        Err(_) => "TSC".to_owned(),
    };
    println!(
        "Requests per everyday task against the simulator (requests in all, sign-ins/sign-outs)"
    );
    println!();
    println!(
        "{:<24} {:<14} {:<14} {:<14}",
        "task", "tabflow", "tabflow+login", tsc_title
    );
    for ((t, (p, s)), c) in tasks.iter().zip(plain.iter().zip(&saved)).zip(&tsc_counts) {
        println!(
            "{:<24} {:<14} {:<14} {:<14}",
            t.name,
            cell(Some(*p)),
            cell(Some(*s)),
            cell(*c)
        );
    }
    let total = |v: &mut dyn Iterator<Item = Count>| v.map(|c| c.requests).sum::<usize>();
    println!(
        "{:<24} {:<14} {:<14} {:<14}",
        "all seven",
        format!("{:>3}", total(&mut plain.iter().copied())),
        format!("{:>3}", total(&mut saved.iter().copied())),
        if tsc.is_ok() {
            format!("{:>3}", total(&mut tsc_counts.iter().flatten().copied()))
        } else {
            "  -".to_owned()
        }
    );
    println!();
    println!(
        "tabflow+login: after `tabflow login` ({} requests: {}/{}); `tabflow logout` made {} \
         ({} sign-out).",
        login.requests, login.sign_ins, login.sign_outs, logout.requests, logout.sign_outs
    );
    if let Err(why) = &tsc {
        println!("TSC: {why}.");
    } else {
        println!(
            "TSC: one script per task (tests/conformance/request_counts_tsc.py): \
             Server(use_server_version=True), sign in, the task, sign out."
        );
    }
    let regressions: Vec<&str> = tasks
        .iter()
        .zip(&saved)
        .filter(|(_, c)| c.sign_ins + c.sign_outs > 0)
        .map(|(t, _)| t.name)
        .collect();
    assert!(
        regressions.is_empty(),
        "with a saved session these signed in or out: {regressions:?}"
    );
    assert_eq!(saved[1].requests, 1, "flows list with a saved session");
}
