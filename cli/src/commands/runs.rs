//! `runs list|get|cancel|wait`.

use super::{run_rows, wait_for_run};
use crate::args::RunsCommand;
use crate::error::CliError;
use crate::output::{Details, Output, Table, date, text, value};
use serde_json::json;
use std::time::Duration;
use tableau_flows::{Client, FlowRun, GetFlowRunResponse, GetFlowRunsResponse};

/// Runs a `runs` command.
pub fn run(client: &Client, command: RunsCommand, out: &mut Output) -> Result<(), CliError> {
    match command {
        RunsCommand::List { filter } => {
            let mut call = client.get_flow_runs();
            if let Some(f) = filter {
                call = call.filter(f);
            }
            let runs = call.all().collect::<Result<Vec<_>, _>>()?;
            if out.is_json() {
                return out.json(&GetFlowRunsResponse {
                    pagination: None,
                    runs,
                });
            }
            out.table(&run_rows(&runs))
        }
        RunsCommand::Get { run_id } => {
            let answer = client.get_flow_run(run_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            show_run(&answer.flow_run, out)
        }
        RunsCommand::Cancel { run_id } => {
            client.cancel_flow_run(run_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&json!({ "flowRunId": run_id, "cancelled": true }));
            }
            out.line(format!("cancelled flow run {run_id}"))
        }
        RunsCommand::Wait { run_id, timeout } => {
            let (run, outcome) = wait_for_run(client, &run_id, timeout.map(Duration::from_secs));
            if let Some(run) = run {
                if out.is_json() {
                    out.json(&GetFlowRunResponse { flow_run: run })?;
                } else {
                    out.table(&run_rows(std::slice::from_ref(&run)))?;
                }
            }
            outcome
        }
    }
}

/// The fields of a flow run and its parameter values.
pub fn show_run(run: &FlowRun, out: &mut Output) -> Result<(), CliError> {
    let mut d = Details::new();
    d.field("ID", run.id.as_str())
        .field(
            "Flow",
            run.flow_id
                .as_ref()
                .map(|f| f.to_string())
                .unwrap_or_default(),
        )
        .field("Status", value(run.status.as_ref()))
        .field(
            "Progress",
            run.progress.map(|p| format!("{p}%")).unwrap_or_default(),
        )
        .field("Started", date(run.started_at.as_ref()))
        .field("Completed", date(run.completed_at.as_ref()))
        .field(
            "Job",
            run.background_job_id
                .as_ref()
                .map(|j| j.to_string())
                .unwrap_or_default(),
        );
    out.details(&d)?;
    if !run.parameter_runs.is_empty() {
        out.line("")?;
        let mut t = Table::new(&["PARAMETER", "NAME", "VALUE"]);
        for p in &run.parameter_runs {
            t.row([
                p.parameter_id
                    .as_ref()
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
                text(&p.name).to_owned(),
                text(&p.override_value).to_owned(),
            ]);
        }
        out.table(&t)?;
    }
    Ok(())
}
