//! What the CLI's end-to-end tests share: `tabflow` run with none of the caller's environment.
// Each test binary uses the part it needs.
#![allow(dead_code)]

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
