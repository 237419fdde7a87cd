//! README.md's command-line session, run as it is written against the simulator: each `$ `
//! line of the session's `console` block runs in `sh` (with the `export` lines before it, and
//! `TABLEAU_SERVER` pointed at a simulator of the test's own), must succeed, and must print the
//! lines README shows under it, but for what changes from run to run (ids, times, durations, the
//! server's port, the session file's path).

use std::path::Path;
use std::process::Command;
use tableau_flows_mock::MockServer;

/// The `console` block under `## The command line`: its commands, each with the lines shown
/// under it.
fn session() -> Vec<(String, Vec<String>)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let section = readme
        .split("\n## The command line\n")
        .nth(1)
        .expect("README.md has a section `## The command line`");
    let block = section
        .split("```console\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("the section has a console block");
    let mut steps: Vec<(String, Vec<String>)> = Vec::new();
    for line in block.lines() {
        match line.strip_prefix("$ ") {
            Some(command) => steps.push((command.to_owned(), Vec::new())),
            None => steps
                .last_mut()
                .expect("the block starts with a command")
                .1
                .push(line.to_owned()),
        }
    }
    steps
}

fn is_uuid(word: &str) -> bool {
    word.len() == 36
        && word.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// A line's words with what changes from run to run replaced by what it is.
fn normalised(line: &str) -> Vec<String> {
    line.split_whitespace()
        .map(|word| {
            let bare = word.trim_matches(|c: char| "()\",.;".contains(c));
            if is_uuid(bare) {
                "<id>".to_owned()
            } else if bare.len() == 20 && bare.ends_with('Z') && bare.as_bytes()[10] == b'T' {
                "<time>".to_owned()
            } else if word.contains("127.0.0.1:") {
                "<server>".to_owned()
            } else if bare.ends_with(".json") {
                "<file>".to_owned()
            } else if bare
                .strip_suffix('s')
                .is_some_and(|n| n.parse::<u32>().is_ok())
            {
                "<duration>".to_owned()
            } else {
                word.to_owned()
            }
        })
        .collect()
}

#[test]
fn readme_session_runs_as_written() {
    let steps = session();
    assert!(steps.len() >= 5, "{steps:?}");
    let server = MockServer::builder().start().expect("the simulator starts");
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme-session");
    let _ = std::fs::remove_dir_all(&home);
    let bin = Path::new(env!("CARGO_BIN_EXE_tabflow"))
        .parent()
        .expect("the binary's directory");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut exports = String::new();
    for (command, shown) in &steps {
        if command.starts_with("export ") {
            exports.push_str(command);
            exports.push('\n');
            continue;
        }
        let script = format!("{exports}export TABLEAU_SERVER={}\n{command}", server.url());
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(&script).env("PATH", &path);
        for (key, _) in std::env::vars() {
            if key.starts_with("TABLEAU_") {
                sh.env_remove(key);
            }
        }
        sh.env("TABFLOW_STATE_DIR", home.join("state"))
            .env("TABFLOW_CONFIG_DIR", home.join("config"));
        let output = sh.output().expect("sh runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "`{command}` failed: {stdout}{stderr}"
        );
        let printed: Vec<Vec<String>> = stdout.lines().map(normalised).collect();
        for line in shown {
            assert!(
                printed.contains(&normalised(line)),
                "`{command}` did not print, as README shows:\n{line}\nbut:\n{stdout}{stderr}"
            );
        }
    }
}

#[test]
fn what_changes_from_run_to_run_is_named_and_nothing_else() {
    assert_eq!(
        normalised(
            "2ea6bc83-e8e3-41c2-b0a0-9281580e63a5  Sales Cleanup (d00700fe-28a0-4ece-a7af-5543ddf38a82)  Success  2026-12-07T12:47:48Z  1s  100%"
        ),
        [
            "<id>",
            "Sales",
            "Cleanup",
            "<id>",
            "Success",
            "<time>",
            "<duration>",
            "100%"
        ]
    );
    assert_ne!(normalised("Success"), normalised("Failed"));
}
