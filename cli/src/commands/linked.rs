//! `linked list|get|run`.

use super::every;
use super::tasks::{describe_schedule, schedule_name};
use crate::args::LinkedCommand;
use crate::error::CliError;
use crate::output::{Details, Output, Table, date, named};
use tableau_flows::linked_tasks::GetLinkedTasksResponse;
use tableau_flows::{CancelToken, Client, LinkedTask};

/// Runs a `linked` command; `cancel` stops listing pages (Ctrl-C).
pub fn run(
    client: &Client,
    command: LinkedCommand,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    match command {
        LinkedCommand::List { limit } => {
            let linked_tasks = every(
                client.get_linked_tasks(),
                limit.limit,
                "linked tasks",
                cancel,
            )?;
            if out.is_json() {
                return out.json(&model!(
                    GetLinkedTasksResponse::new(),
                    linked_tasks = linked_tasks,
                ));
            }
            let mut t = Table::new(&["ID", "STEPS", "SCHEDULE", "FREQUENCY", "NEXT RUN"]);
            for l in &linked_tasks {
                let schedule = l.schedule.as_ref();
                t.row([
                    l.id.to_string(),
                    l.num_steps
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| l.steps.len().to_string()),
                    schedule
                        .map(|s| {
                            s.name
                                .clone()
                                .or_else(|| s.id.as_ref().map(|i| i.to_string()))
                                .unwrap_or_default()
                        })
                        .unwrap_or_default(),
                    schedule.map(describe_schedule).unwrap_or_default(),
                    date(schedule.and_then(|s| s.next_run_at.as_ref())),
                ]);
            }
            out.table(&t)
        }
        LinkedCommand::Get { id } => {
            let answer = client.get_linked_task(id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            show(&answer.linked_task, out)
        }
        LinkedCommand::Run { id } => {
            let answer = client.run_linked_task_now(id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            let job = &answer.linked_task_job;
            out.line(format!(
                "started linked task {id}: job {}{}",
                job.id.as_str(),
                job.status
                    .as_ref()
                    .map(|s| format!(" ({})", s.as_str()))
                    .unwrap_or_default()
            ))
        }
    }
}

fn show(l: &LinkedTask, out: &mut Output) -> Result<(), CliError> {
    let schedule = l.schedule.as_ref();
    let mut d = Details::new();
    d.field("ID", l.id.as_str())
        .field(
            "Steps",
            l.num_steps
                .map(|n| n.to_string())
                .unwrap_or_else(|| l.steps.len().to_string()),
        )
        .field("Schedule", schedule_name(schedule))
        .field(
            "Frequency",
            schedule.map(describe_schedule).unwrap_or_default(),
        )
        .field(
            "Next run",
            date(schedule.and_then(|s| s.next_run_at.as_ref())),
        );
    out.details(&d)?;
    if !l.steps.is_empty() {
        out.line("")?;
        let mut t = Table::new(&["STEP", "ID", "TASK", "FLOW", "STOP ON FAILURE"]);
        let mut steps: Vec<_> = l.steps.iter().collect();
        steps.sort_by_key(|s| s.step_number.unwrap_or(u32::MAX));
        for s in steps {
            let run = s.task.as_ref().and_then(|t| t.flow_run.as_ref());
            t.row([
                s.step_number.map(|n| n.to_string()).unwrap_or_default(),
                s.id.as_ref().map(|i| i.to_string()).unwrap_or_default(),
                run.and_then(|r| r.id.as_ref())
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
                run.and_then(|r| r.flow.as_ref())
                    .map(|f| named(f.name.as_deref(), f.id.as_str()))
                    .unwrap_or_default(),
                s.stop_downstream_tasks_on_failure
                    .map(|b| if b { "yes" } else { "no" })
                    .unwrap_or("")
                    .to_owned(),
            ]);
        }
        out.table(&t)?;
    }
    Ok(())
}
