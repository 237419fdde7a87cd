//! `jobs list|get|cancel`: the site's background jobs (Query Jobs, Query Job, Cancel Job).

use super::directory::show;
use super::list;
use crate::args::{JobsCommand, JobsListArgs};
use crate::error::CliError;
use crate::output::{Details, Output, Table, date, named, text, value};
use serde_json::json;
use tableau_flows::endpoints;
use tableau_flows::jobs::QueryJobsResponse;
use tableau_flows::{BackgroundJob, CancelToken, Client, Job};

/// Runs a `jobs` command; `cancel` stops listing pages (Ctrl-C).
pub fn run(
    client: &Client,
    command: JobsCommand,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    match command {
        JobsCommand::List(args) => list_jobs(client, args, out, cancel),
        JobsCommand::Get { job_id } => {
            let answer = client.query_job(job_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            show_job(&answer.job, out)
        }
        JobsCommand::Cancel { job_id } => {
            client.cancel_job(job_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&json!({ "jobId": job_id, "cancelled": true }));
            }
            out.line(format!("cancelled job {job_id}"))
        }
    }
}

/// `jobs list`: `--status` and `--type` add `status:eq:` and `jobType:eq:` terms to `--filter`.
fn list_jobs(
    client: &Client,
    args: JobsListArgs,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let JobsListArgs {
        filter,
        status,
        job_type,
        sort,
        pages,
    } = args;
    let mut terms = filter.unwrap_or_default();
    if let Some(s) = status {
        terms = terms.eq("status", s);
    }
    if let Some(t) = job_type {
        terms = terms.eq("jobType", t);
    }
    let mut call = client.query_jobs();
    if !terms.is_empty() {
        call = call.filter(terms);
    }
    if let Some(s) = sort {
        call = call.sort(s);
    }
    if let Some(n) = pages.page_size {
        call = call.page_size(n);
    }
    let listing = list(call, pages, "jobs", cancel, |c| {
        let a = c.send()?;
        Ok((a.jobs, a.pagination))
    })?;
    show(
        out,
        listing,
        |pagination, jobs| {
            model!(
                QueryJobsResponse::new(),
                pagination = pagination,
                jobs = jobs,
            )
        },
        job_table,
        ("jobs", &endpoints::QUERY_JOBS),
    )
}

/// The table of jobs: ID, TYPE, STATUS, TITLE, CREATED, STARTED, ENDED.
pub fn job_table(jobs: &[BackgroundJob]) -> Table {
    let mut t = Table::new(&[
        "ID", "TYPE", "STATUS", "TITLE", "CREATED", "STARTED", "ENDED",
    ]);
    for j in jobs {
        t.row([
            j.id.to_string(),
            text(&j.job_type).to_owned(),
            value(j.status.as_ref()),
            text(&j.title).to_owned(),
            date(j.created_at.as_ref()),
            date(j.started_at.as_ref()),
            date(j.ended_at.as_ref()),
        ]);
    }
    t
}

/// What a finish code means (Query Job: 0 success, 1 failed, 2 cancelled).
fn finish(code: i64) -> String {
    match code {
        0 => "0 (success)".to_owned(),
        1 => "1 (failed)".to_owned(),
        2 => "2 (cancelled)".to_owned(),
        other => other.to_string(),
    }
}

/// The fields of a job, its flow run and flow for a flow run's job, and its notes.
pub fn show_job(job: &Job, out: &mut Output) -> Result<(), CliError> {
    let run = job.run_flow_job.as_ref();
    let mut d = Details::new();
    d.field("ID", job.id.as_str())
        .field("Type", value(job.job_type.as_ref()))
        .field("Created", date(job.created_at.as_ref()))
        .field("Started", date(job.started_at.as_ref()))
        .field("Completed", date(job.completed_at.as_ref()))
        .field(
            "Progress",
            job.progress.map(|p| format!("{p}%")).unwrap_or_default(),
        )
        .field(
            "Finish code",
            job.finish_code.map(finish).unwrap_or_default(),
        );
    if let Some(r) = run {
        d.field(
            "Flow",
            r.flow
                .as_ref()
                .map(|f| named(f.name.as_deref(), f.id.as_str()))
                .unwrap_or_default(),
        )
        .field("Flow run", value(r.flow_run_id.as_ref()));
    }
    out.details(&d)?;
    let notes = run
        .and_then(|r| r.notes.clone())
        .into_iter()
        .chain(job.status_notes.iter().filter_map(|n| n.text.clone()));
    let mut seen: Vec<String> = Vec::new();
    for note in notes {
        if !seen.contains(&note) {
            out.line(format!("Note: {note}"))?;
            seen.push(note);
        }
    }
    Ok(())
}
