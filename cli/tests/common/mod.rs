//! What the CLI's end-to-end tests share: `tabflow` run with none of the caller's environment.
// Each test binary uses the part it needs.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use tableau_flows_mock::{MockServer, demo};

/// `tabflow` with none of the variables it reads taken from the caller's environment (every
/// `TABLEAU_*` and `TABFLOW_*` one is removed, so a new one cannot be forgotten here), its saved
/// sessions and config file under `home` (`state/`, `config/`), never the user's.
pub fn clean(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tabflow"));
    for (name, _) in std::env::vars_os() {
        let ours = name
            .to_str()
            .is_some_and(|n| n.starts_with("TABLEAU_") || n.starts_with("TABFLOW_"));
        if ours {
            c.env_remove(&name);
        }
    }
    c.env("TABFLOW_STATE_DIR", home.join("state"))
        .env("TABFLOW_CONFIG_DIR", home.join("config"));
    c
}

/// As [`clean`], pointed at `server` with the demo administrator's token in the environment.
pub fn admin(server: &MockServer, home: &Path) -> Command {
    let mut c = clean(home);
    c.env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
    c
}

/// A directory of the target directory for one test file's sessions and config.
pub fn home(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// What a run of tabflow did.
#[derive(Debug)]
pub struct Outcome {
    /// The exit status (-1: killed by a signal).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Outcome {
    /// Asserts success (status 0, nothing on stderr) and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.status, 0, "{self:#?}");
        assert_eq!(self.stderr, "", "{self:#?}");
        &self.stdout
    }

    /// Asserts success and parses stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:#?}"))
    }

    /// Asserts failure with `status` and exactly one line on stderr, and returns that line.
    #[track_caller]
    pub fn fails(&self, status: i32) -> &str {
        assert_eq!(self.status, status, "{self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:#?}");
        assert!(self.stderr.starts_with("tabflow: "), "{self:#?}");
        self.stderr.trim_end()
    }

    /// Asserts a usage error (status 2, nothing on stdout) and returns stderr: clap's whole
    /// message (`error: ...` and the usage), or tabflow's one line.
    #[track_caller]
    pub fn usage(&self) -> &str {
        assert_eq!(self.status, 2, "{self:#?}");
        assert_eq!(self.stdout, "", "{self:#?}");
        if self.stderr.starts_with("error: ") {
            assert!(self.stderr.contains("try '--help'"), "{self:#?}");
        } else {
            self.fails(2);
        }
        &self.stderr
    }
}

/// The outcome of a finished tabflow.
pub fn outcome(output: std::process::Output) -> Outcome {
    Outcome {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}
