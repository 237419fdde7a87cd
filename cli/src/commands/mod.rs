//! The commands that talk to a server, one module per group, and what they share.

pub mod connections;
pub mod flows;
pub mod linked;
pub mod permissions;
pub mod runs;
pub mod server;
pub mod tasks;

use crate::args::Command;
use crate::error::CliError;
use crate::output::{Output, Table, date, value};
use crate::progress;
use std::time::Duration;
use tableau_flows::run::{WaitError, WaitOptions};
use tableau_flows::{Client, FlowRun};

/// Runs a command that needs a signed-in client (`server-info`, `mock` and `demo` do not).
pub fn run(client: &Client, command: Command, out: &mut Output) -> Result<(), CliError> {
    match command {
        Command::Flows(c) => flows::run(client, c, out),
        Command::Runs(c) => runs::run(client, c, out),
        Command::Tasks(c) => tasks::run(client, c, out),
        Command::Linked(c) => linked::run(client, c, out),
        Command::Connections(c) => connections::run(client, c, out),
        Command::Permissions(c) => permissions::run(client, c, out),
        Command::ServerInfo => server::info(client, out),
        Command::Mock(_) | Command::Demo => Err(CliError::other(
            "mock and demo start their own simulator and take no server",
        )),
    }
}

/// The table of flow runs: ID, FLOW, STATUS, PROGRESS, STARTED, COMPLETED.
pub fn run_rows(runs: &[FlowRun]) -> Table {
    let mut t = Table::new(&["ID", "FLOW", "STATUS", "PROGRESS", "STARTED", "COMPLETED"]);
    for r in runs {
        t.row([
            r.id.as_str().to_owned(),
            r.flow_id
                .as_ref()
                .map(|f| f.to_string())
                .unwrap_or_default(),
            value(r.status.as_ref()),
            r.progress.map(|p| format!("{p}%")).unwrap_or_default(),
            date(r.started_at.as_ref()),
            date(r.completed_at.as_ref()),
        ]);
    }
    t
}

/// The default wait for a flow run: one hour.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(3600);

/// Waits for a flow run with a progress bar (on a terminal). Returns the run as last seen when it
/// finished (`None` when the wait timed out or polling failed) and the outcome: success, or
/// [`CliError::RunUnsuccessful`] for a run that failed, was cancelled or did not finish in time.
pub fn wait_for_run(
    client: &Client,
    run_id: &str,
    timeout: Option<Duration>,
) -> (Option<FlowRun>, Result<(), CliError>) {
    let bar = progress::waiting(run_id);
    let options = WaitOptions {
        // Simulated and short runs end within a second or two: start polling briskly.
        initial_interval: Duration::from_millis(500),
        timeout: timeout.unwrap_or(DEFAULT_WAIT),
        on_poll: Some(progress::poll_callback(&bar)),
        ..WaitOptions::default()
    };
    let result = client.wait_for_flow_run(run_id, options);
    bar.finish_and_clear();
    match result {
        Ok(run) => (Some(run), Ok(())),
        Err(WaitError::Failed(run)) => {
            // The reason is a courtesy: a server that cannot say why still reports the failure.
            let reason = client.flow_run_failure_reason(&run).ok().flatten();
            let text = match reason {
                Some(r) => format!("flow run {} failed: {r}", run.id.as_str()),
                None => format!("flow run {} failed", run.id.as_str()),
            };
            (Some(*run), Err(CliError::RunUnsuccessful(text)))
        }
        Err(WaitError::Cancelled(run)) => {
            let e =
                CliError::RunUnsuccessful(format!("flow run {} was cancelled", run.id.as_str()));
            (Some(*run), Err(e))
        }
        Err(other) => (None, Err(CliError::from(other))),
    }
}
