//! `tasks list|get|run|add-to-schedule|create-cloud`.

use crate::args::{CreateCloudArgs, TasksCommand};
use crate::error::CliError;
use crate::output::{Details, Output, Table, date, named, text, time, value};
use crate::resolve;
use tableau_flows::flow_tasks::{
    AddFlowTaskToScheduleRequest, CloudFlowTaskSchedule, CreateCloudFlowTaskRequest,
    RunFlowTaskResponse,
};
use tableau_flows::{Client, FlowParameterId, FrequencyDetails, Interval, Job, Schedule, Task};

/// Runs a `tasks` command.
pub fn run(client: &Client, command: TasksCommand, out: &mut Output) -> Result<(), CliError> {
    match command {
        TasksCommand::List {
            flow,
            project,
            limit,
        } => {
            let mut answer = client.get_flow_run_tasks().send()?;
            // Get Flow Run Tasks has no filter: --flow keeps the flow's tasks here.
            if let Some(flow) = flow {
                let flow_id = resolve::flow_id_in(client, &flow, project.as_deref())?;
                answer.tasks.retain(|t| {
                    t.flow_run
                        .as_ref()
                        .and_then(|r| r.flow.as_ref())
                        .is_some_and(|f| f.id.as_str() == flow_id)
                });
            }
            // One answer holds every task: --limit shows the first N of it.
            if let Some(n) = limit.limit {
                answer
                    .tasks
                    .truncate(usize::try_from(n).unwrap_or(usize::MAX));
            }
            if out.is_json() {
                return out.json(&answer);
            }
            out.table(&task_table(&answer.tasks))
        }
        TasksCommand::Get { task_id } => {
            let answer = client.get_flow_run_task(task_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            show_task(&answer.task, out)
        }
        TasksCommand::Run { task_id } => run_task(client, &task_id, out),
        TasksCommand::AddToSchedule {
            schedule,
            flow,
            params,
        } => {
            let schedule_id = resolve::schedule_id(client, &schedule)?;
            let flow_id = resolve::flow_id(client, &flow)?;
            let mut body = AddFlowTaskToScheduleRequest::new(flow_id.as_str());
            for (id, v) in task_parameters(client, &flow_id, &params)? {
                body = body.parameter(id, v);
            }
            let answer = client
                .add_flow_task_to_schedule(schedule_id.as_str(), body)
                .send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            out.line(format!(
                "added flow {} to schedule {} as task {}",
                shown(&flow.flow, &flow_id),
                shown(&schedule, &schedule_id),
                task_id(&answer.task)
            ))?;
            show_task(&answer.task, out)
        }
        TasksCommand::CreateCloud(args) => create_cloud(client, args, out),
    }
}

/// `name (id)` when the argument was a name, the id otherwise.
fn shown(arg: &str, id: &str) -> String {
    if arg == id {
        id.to_owned()
    } else {
        named(Some(arg), id)
    }
}

/// Parameter values for a task's runs, given by name or id: resolved and checked against the
/// flow's parameters (Query Flow; nothing is asked without parameters).
fn task_parameters(
    client: &Client,
    flow_id: &str,
    params: &[(String, String)],
) -> Result<Vec<(FlowParameterId, String)>, CliError> {
    if params.is_empty() {
        return Ok(Vec::new());
    }
    let flow = client.query_flow(flow_id).send()?.flow;
    resolve::parameters(&flow, params)
}

fn task_id(task: &Task) -> String {
    task.flow_run
        .as_ref()
        .and_then(|r| r.id.as_ref())
        .map(|i| i.to_string())
        .unwrap_or_else(|| "(no id)".to_owned())
}

/// An interval as `key=value`.
fn describe_interval(i: &Interval) -> String {
    let mut parts = Vec::new();
    if let Some(h) = i.hours {
        parts.push(format!("hours={h}"));
    }
    if let Some(m) = i.minutes {
        parts.push(format!("minutes={m}"));
    }
    if let Some(d) = &i.week_day {
        parts.push(format!("weekDay={}", d.as_str()));
    }
    if let Some(d) = &i.month_day {
        parts.push(format!("monthDay={d}"));
    }
    parts.join(" ")
}

/// A schedule as `name (id)`, or nothing without one.
pub fn schedule_name(s: Option<&Schedule>) -> String {
    s.map(|s| {
        named(
            s.name.as_deref(),
            s.id.as_ref().map(|i| i.as_str()).unwrap_or(""),
        )
    })
    .unwrap_or_default()
}

/// A schedule's frequency and details: `Daily 08:00:00-20:00:00 hours=2`.
pub fn describe_schedule(s: &Schedule) -> String {
    let mut parts = vec![value(s.frequency.as_ref())];
    if let Some(d) = &s.frequency_details {
        parts.push(details_text(d));
    }
    parts.retain(|p| !p.is_empty());
    parts.join(" ")
}

fn details_text(d: &FrequencyDetails) -> String {
    let mut text = time(&d.start);
    if let Some(end) = &d.end {
        text.push('-');
        text.push_str(&time(end));
    }
    for i in &d.intervals {
        text.push(' ');
        text.push_str(&describe_interval(i));
    }
    text
}

/// The table of tasks: ID, FLOW, SCHEDULE, FREQUENCY, NEXT RUN, PRIORITY.
pub fn task_table(tasks: &[Task]) -> Table {
    let mut t = Table::new(&[
        "ID",
        "FLOW",
        "SCHEDULE",
        "FREQUENCY",
        "NEXT RUN",
        "PRIORITY",
    ]);
    for task in tasks {
        let Some(r) = &task.flow_run else {
            t.row(["(not a flow task)"]);
            continue;
        };
        let schedule = r.schedule.as_ref();
        t.row([
            r.id.as_ref().map(|i| i.to_string()).unwrap_or_default(),
            r.flow
                .as_ref()
                .map(|f| f.name.clone().unwrap_or_else(|| f.id.to_string()))
                .unwrap_or_default(),
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
            r.priority.map(|p| p.to_string()).unwrap_or_default(),
        ]);
    }
    t
}

/// The fields of a flow task and its parameter values.
pub fn show_task(task: &Task, out: &mut Output) -> Result<(), CliError> {
    let Some(r) = &task.flow_run else {
        return out.line("(the task is not a flow task)");
    };
    let schedule = r.schedule.as_ref();
    let mut d = Details::new();
    d.field(
        "ID",
        r.id.as_ref().map(|i| i.to_string()).unwrap_or_default(),
    )
    .field(
        "Flow",
        r.flow
            .as_ref()
            .map(|f| named(f.name.as_deref(), f.id.as_str()))
            .unwrap_or_default(),
    )
    .field("Schedule", schedule_name(schedule))
    .field(
        "Frequency",
        schedule.map(describe_schedule).unwrap_or_default(),
    )
    .field("State", value(schedule.and_then(|s| s.state.as_ref())))
    .field(
        "Next run",
        date(schedule.and_then(|s| s.next_run_at.as_ref())),
    )
    .field(
        "Priority",
        r.priority.map(|p| p.to_string()).unwrap_or_default(),
    )
    .field(
        "Failures in a row",
        r.consecutive_failed_count
            .map(|p| p.to_string())
            .unwrap_or_default(),
    );
    out.details(&d)?;
    let values: Vec<(String, String, String)> = if !r.parameter_runs.is_empty() {
        r.parameter_runs
            .iter()
            .map(|p| {
                (
                    p.parameter_id
                        .as_ref()
                        .map(|i| i.to_string())
                        .unwrap_or_default(),
                    text(&p.name).to_owned(),
                    text(&p.override_value).to_owned(),
                )
            })
            .collect()
    } else {
        r.flow_run_spec
            .iter()
            .flat_map(|s| &s.parameter_specs)
            .map(|p| {
                (
                    p.parameter_id.to_string(),
                    String::new(),
                    text(&p.override_value).to_owned(),
                )
            })
            .collect()
    };
    if !values.is_empty() {
        out.line("")?;
        let mut t = Table::new(&["PARAMETER", "NAME", "VALUE"]);
        for (id, name, v) in values {
            t.row([id, name, v]);
        }
        out.table(&t)?;
    }
    Ok(())
}

/// The flow run a job runs, asking Query Job when the answer that started it did not say (servers
/// before API 3.24 leave it out of Run Flow Task's answer).
fn with_flow_run_id(client: &Client, job: Job) -> Job {
    let known = job
        .run_flow_job
        .as_ref()
        .is_some_and(|r| r.flow_run_id.is_some());
    if known {
        return job;
    }
    match client.query_job(job.id.clone()).send() {
        Ok(answer)
            if answer
                .job
                .run_flow_job
                .as_ref()
                .is_some_and(|r| r.flow_run_id.is_some()) =>
        {
            answer.job
        }
        // The job id is all there is to tell, which is no error.
        _ => job,
    }
}

fn run_task(client: &Client, task_id: &str, out: &mut Output) -> Result<(), CliError> {
    let answer = client.run_flow_task(task_id).send()?;
    let job = with_flow_run_id(client, answer.job);
    let run_id = job
        .run_flow_job
        .as_ref()
        .and_then(|r| r.flow_run_id.as_ref())
        .map(|i| i.to_string());
    if out.is_json() {
        return out.json(&RunFlowTaskResponse::new(job));
    }
    out.line(match run_id {
        Some(run) => format!(
            "started task {task_id}: job {}, flow run {run} (tabflow runs wait {run})",
            job.id.as_str()
        ),
        None => format!(
            "started task {task_id}: job {} (the server named no flow run)",
            job.id.as_str()
        ),
    })
}

fn create_cloud(client: &Client, args: CreateCloudArgs, out: &mut Output) -> Result<(), CliError> {
    let flow_id = resolve::flow_id(client, &args.flow)?;
    let schedule = CloudFlowTaskSchedule {
        frequency: args.frequency.into(),
        frequency_details: model!(
            FrequencyDetails::new(args.start),
            end = args.end,
            intervals = args.intervals,
        ),
    };
    let mut body = CreateCloudFlowTaskRequest::new(flow_id.as_str(), schedule);
    for (id, v) in task_parameters(client, &flow_id, &args.params)? {
        body = body.parameter(id, v);
    }
    let answer = client.create_cloud_flow_task(body).send()?;
    if out.is_json() {
        return out.json(&answer);
    }
    out.line(format!(
        "created task {} for flow {}",
        task_id(&answer.task),
        shown(&args.flow.flow, &flow_id)
    ))?;
    show_task(&answer.task, out)
}
