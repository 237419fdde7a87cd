//! `runs list|get|cancel|wait`.

use super::{FlowNames, every, flow_name, flow_names, run_rows, wait_for_run};
use crate::args::RunsCommand;
use crate::error::CliError;
use crate::output::{Details, Output, Table, date, named, text, value};
use serde_json::json;
use std::time::Duration;
use tableau_flows::flow_runs::{GetFlowRunResponse, GetFlowRunsResponse};
use tableau_flows::{CancelToken, Client, FlowRun};

/// Runs a `runs` command; `cancel` stops a wait or the listing of pages (Ctrl-C).
pub fn run(
    client: &Client,
    command: RunsCommand,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    match command {
        RunsCommand::List { filter, limit } => {
            let mut call = client.get_flow_runs();
            if let Some(f) = filter {
                call = call.filter(f);
            }
            let runs = every(call, limit.limit, "flow runs", cancel)?;
            if out.is_json() {
                return out.json(&model!(GetFlowRunsResponse::new(), runs = runs));
            }
            let names = if runs.is_empty() {
                FlowNames::new()
            } else {
                flow_names(client)
            };
            out.table(&run_rows(&runs, &names))
        }
        RunsCommand::Get { run_id } => {
            let answer = client.get_flow_run(run_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            let names = flow_name(client, answer.flow_run.flow_id.as_ref().map(|f| f.as_str()));
            show_run(&answer.flow_run, &names, out)
        }
        RunsCommand::Cancel { run_id } => {
            client.cancel_flow_run(run_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&json!({ "flowRunId": run_id, "cancelled": true }));
            }
            out.line(format!("cancelled flow run {run_id}"))
        }
        RunsCommand::Wait { run_id, timeout } => {
            let (run, outcome) =
                wait_for_run(client, &run_id, timeout.map(Duration::from_secs), cancel);
            if let Some(run) = run {
                if out.is_json() {
                    out.json(&GetFlowRunResponse::new(run))?;
                } else {
                    let names = flow_name(client, run.flow_id.as_ref().map(|f| f.as_str()));
                    out.table(&run_rows(std::slice::from_ref(&run), &names))?;
                }
            }
            outcome
        }
    }
}

/// The fields of a flow run (its flow's name beside its id when known) and its parameter values.
pub fn show_run(run: &FlowRun, names: &FlowNames, out: &mut Output) -> Result<(), CliError> {
    let mut d = Details::new();
    d.field("ID", run.id.as_str())
        .field(
            "Flow",
            run.flow_id
                .as_ref()
                .map(|f| named(names.get(f.as_str()).map(String::as_str), f.as_str()))
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
