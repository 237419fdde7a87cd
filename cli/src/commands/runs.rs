//! `runs list|get|cancel|wait`.

use super::{
    FlowNames, Reasons, every, flow_name, flow_names, now_unix, run_duration, run_rows, run_table,
    wait_for_run,
};
use crate::args::{RunsCommand, RunsListArgs};
use crate::error::{CliError, one_line};
use crate::output::{Details, Output, Table, date, named, text, value};
use crate::resolve;
use serde_json::json;
use std::time::Duration;
use tableau_flows::flow_runs::{GetFlowRunResponse, GetFlowRunsResponse};
use tableau_flows::{CancelToken, Client, FlowRun, RunStatus};

/// The most failed runs whose reasons `runs list` asks for (one Query Job each, where the run
/// does not carry its reason): beyond, the cell says where to look.
const MAX_REASONS: usize = 100;

/// Runs a `runs` command; `cancel` stops a wait or the listing of pages (Ctrl-C).
pub fn run(
    client: &Client,
    command: RunsCommand,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    match command {
        RunsCommand::List(args) => list_runs(client, args, out, cancel),
        RunsCommand::Get { run_id } => {
            let answer = client.get_flow_run(run_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            let names = flow_name(client, answer.flow_run.flow_id.as_ref().map(|f| f.as_str()));
            let reason = failure_reason(client, &answer.flow_run);
            show_run(&answer.flow_run, &names, reason.as_deref(), out)
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

/// `runs list`: the runs the server's filters keep (--flow as flowId, --since as startedAt,
/// --filter), every page of them, then --status here, newest first, the first --limit; with the
/// reasons of the failed ones shown.
fn list_runs(
    client: &Client,
    args: RunsListArgs,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let Found {
        runs,
        flow_id,
        mut names,
    } = find_runs(client, args, cancel)?;
    if out.is_json() {
        return out.json(&model!(GetFlowRunsResponse::new(), runs = runs));
    }
    // The flow's name, when --flow looked it up; else the site's flows' (one request).
    if names.is_empty() && !runs.is_empty() {
        names = match &flow_id {
            Some(id) => flow_name(client, Some(id)),
            None => flow_names(client),
        };
    }
    let mut reasons = Reasons::new();
    for (i, run) in runs
        .iter()
        .filter(|r| r.status == Some(RunStatus::Failed))
        .enumerate()
    {
        let reason = if i < MAX_REASONS {
            failure_reason(client, run)
        } else {
            Some(format!("(tabflow runs get {})", run.id.as_str()))
        };
        if let Some(reason) = reason {
            reasons.insert(run.id.to_string(), reason);
        }
    }
    out.table(&run_table(&runs, &names, &reasons, now_unix()))
}

/// The runs [`find_runs`] found.
#[derive(Debug)]
pub struct Found {
    /// The runs, newest first.
    pub runs: Vec<FlowRun>,
    /// The id of the flow `--flow` named.
    pub flow_id: Option<String>,
    /// The name of that flow, when it was looked up by name.
    pub names: FlowNames,
}

/// The runs `args` asks for (as `runs list` and the MCP tool `flow-run-history` list them): the
/// runs the server's filters keep (the flow as flowId, since as startedAt, the filter), every
/// page of them, then the states here, newest first, the first `limit`.
pub fn find_runs(
    client: &Client,
    args: RunsListArgs,
    cancel: &CancelToken,
) -> Result<Found, CliError> {
    let mut filter = args.filter;
    let mut flow_id = None;
    let mut names = FlowNames::new();
    if let Some(flow) = &args.flow {
        let (id, name) = resolve::flow_in(client, flow, args.project.as_deref())?;
        if let Some(name) = name {
            names.insert(id.clone(), name);
        }
        filter = Some(filter.unwrap_or_default().eq("flowId", &id));
        flow_id = Some(id);
    }
    if let Some(since) = &args.since {
        let at = api_date(since.unix).ok_or_else(|| {
            CliError::usage(format!(
                "--since {}: out of the range of dates",
                since.given
            ))
        })?;
        filter = Some(filter.unwrap_or_default().gte("startedAt", at));
    }
    let mut call = client.get_flow_runs().page_size(1000);
    if let Some(f) = filter {
        call = call.filter(f);
    }
    // Get Flow Runs has no sort: the newest are known once every page is read.
    let mut runs = every(call, None, "flow runs", cancel)?;
    if !args.status.is_empty() {
        runs.retain(|r| r.status.as_ref().is_some_and(|s| args.status.contains(s)));
    }
    newest_first(&mut runs);
    if let Some(n) = args.limit {
        runs.truncate(usize::try_from(n).unwrap_or(usize::MAX));
    }
    Ok(Found {
        runs,
        flow_id,
        names,
    })
}

/// Newest first: by start time, the latest first; a run without one (not started) before all.
/// Runs that started at the same second keep the server's order.
fn newest_first(runs: &mut [FlowRun]) {
    runs.sort_by_key(|r| {
        let start = r.started_at.as_ref().map(|d| d.unix_timestamp());
        (start.is_some(), std::cmp::Reverse(start))
    });
}

/// A time as the API's filters write it, `YYYY-MM-DDTHH:MM:SSZ`; `None` out of the range of
/// dates.
fn api_date(unix: i64) -> Option<String> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix).ok()?;
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// Why a failed run failed, on one line, when the server says (the run's `failureReason`, or
/// its job's notes: see `Client::flow_run_failure_reason`); nothing for a run that did not fail,
/// or when asking fails (the reason is a courtesy).
pub fn failure_reason(client: &Client, run: &FlowRun) -> Option<String> {
    if run.status != Some(RunStatus::Failed) {
        return None;
    }
    client
        .flow_run_failure_reason(run)
        .ok()
        .flatten()
        .map(|r| one_line(&r))
}

/// The fields of a flow run (its flow's name beside its id when known; its duration; the
/// `reason` it failed, when given) and its parameter values.
pub fn show_run(
    run: &FlowRun,
    names: &FlowNames,
    reason: Option<&str>,
    out: &mut Output,
) -> Result<(), CliError> {
    let mut d = Details::new();
    d.field("ID", run.id.as_str())
        .field(
            "Flow",
            run.flow_id
                .as_ref()
                .map(|f| named(names.get(f.as_str()).map(String::as_str), f.as_str()))
                .unwrap_or_default(),
        )
        .field("Status", value(run.status.as_ref()));
    if let Some(reason) = reason {
        d.field("Reason", reason);
    }
    d.field(
        "Progress",
        run.progress.map(|p| format!("{p}%")).unwrap_or_default(),
    )
    .field("Started", date(run.started_at.as_ref()))
    .field("Completed", date(run.completed_at.as_ref()))
    .field("Duration", run_duration(run, now_unix()))
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
