//! The operations that the official Python client cannot perform because of its own defects
//! (`KNOWN_TSC_DEFECTS` in `tests/conformance/tsc_conformance.py`), done with this project's
//! client against the simulator: each test is named in that table.

use std::time::Duration;
use tableau_flows_mock::{MockServer, demo};
use tableau_flows_tests::model;
use tableau_flows_tests::tf::*;

fn signed_in() -> (MockServer, Client) {
    let server = MockServer::builder()
        .run_timing(Duration::from_millis(20), Duration::from_millis(60))
        .start()
        .unwrap();
    let client = tableau_flows_tests::demo_admin(&server);
    (server, client)
}

/// TSC's `tasks.get_by_id` asks the extract-refresh path.
#[test]
fn get_flow_run_task_by_id() {
    let (_server, client) = signed_in();
    let task = client.get_flow_run_task(demo::TASK_ID).send().unwrap().task;
    let run = task.flow_run.expect("a flow task");
    assert_eq!(run.id.as_ref().map(TaskId::as_str), Some(demo::TASK_ID));
    assert_eq!(
        run.flow.map(|f| f.id.into_string()).as_deref(),
        Some(demo::COFFEE_FLOW_ID)
    );
    assert_eq!(
        run.schedule
            .and_then(|s| s.id)
            .map(ScheduleId::into_string)
            .as_deref(),
        Some(demo::SCHEDULE_ID)
    );
}

/// TSC's `tasks.run` posts to the extract-refresh path.
#[test]
fn run_flow_task_now() {
    let (_server, client) = signed_in();
    let job = client.run_flow_task(demo::TASK_ID).send().unwrap().job;
    assert_eq!(job.job_type, Some(JobType::RunFlow));
    let run_id = job
        .run_flow_job
        .and_then(|j| j.flow_run_id)
        .expect("the flow run of the job");
    let run = client
        .wait_for_flow_run(
            run_id,
            WaitOptions::new().interval(Duration::from_millis(20), Duration::from_secs(15)),
        )
        .unwrap();
    assert_eq!(run.status, Some(RunStatus::Success));
}

/// TSC's `tasks.get(task_type=RunFlow)` looks for `<task><runFlow>`; the answer has `<flowRun>`.
#[test]
fn list_flow_run_tasks() {
    let (_server, client) = signed_in();
    let tasks = client.get_flow_run_tasks().send().unwrap().tasks;
    let mut ids: Vec<String> = tasks
        .into_iter()
        .filter_map(|t| t.flow_run.and_then(|r| r.id))
        .map(TaskId::into_string)
        .collect();
    ids.sort();
    let mut expected = vec![demo::TASK_ID.to_owned(), demo::FAILING_TASK_ID.to_owned()];
    expected.sort();
    assert_eq!(ids, expected);
}

/// TSC's `flow_tasks.create` sends no `<task>` wrapper.
#[test]
fn create_cloud_flow_task() {
    let (_server, client) = signed_in();
    let body = CreateCloudFlowTaskRequest {
        task: NewFlowTask {
            flow_run: NewFlowRun {
                flow: FlowRef {
                    id: demo::COFFEE_FLOW_ID.into(),
                },
                flow_run_spec: None,
            },
        },
        schedule: CloudFlowTaskSchedule {
            frequency: ScheduleFrequency::Weekly,
            frequency_details: model!(
                FrequencyDetails::new(Time::from_hms(12, 30, 0).unwrap()),
                intervals = vec![model!(Interval::new(), week_day = Some(WeekDay::Monday))],
            ),
        },
    };
    let task = client.create_cloud_flow_task(body).send().unwrap().task;
    let run = task.flow_run.expect("a flow task");
    let task_id = run.id.clone().expect("its id");
    assert_eq!(
        run.schedule.and_then(|s| s.frequency),
        Some(ScheduleFrequency::Weekly)
    );
    // It is listed and can be read back.
    let again = client.get_flow_run_task(task_id).send().unwrap().task;
    assert_eq!(again.flow_run.and_then(|r| r.id), run.id);
}

/// TSC's `list(flow_runs.filter(..))` raises MemoryError (no pagination in the answer).
#[test]
fn list_flow_runs_filtered_all_pages() {
    let (_server, client) = signed_in();
    for _ in 0..3 {
        client
            .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
            .unwrap();
    }
    client
        .run_flow(demo::FAILING_FLOW_ID, RunOptions::new())
        .unwrap();
    let runs: Vec<FlowRun> = client
        .get_flow_runs()
        .filter(Filter::new().eq("flowId", demo::COFFEE_FLOW_ID))
        .page_size(2)
        .all()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(runs.len(), 3);
    assert!(
        runs.iter()
            .all(|r| r.flow_id.as_ref().map(FlowId::as_str) == Some(demo::COFFEE_FLOW_ID))
    );
}

/// TSC's `flow_runs.cancel` reports success for HTTP 200 with `<error code="403135">`.
#[test]
fn cancel_finished_flow_run_is_an_error() {
    let (_server, client) = signed_in();
    let run_id = client
        .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap()
        .flow_run_id()
        .unwrap();
    client
        .wait_for_flow_run(
            run_id.clone(),
            WaitOptions::new().interval(Duration::from_millis(20), Duration::from_secs(15)),
        )
        .unwrap();
    match client.cancel_flow_run(run_id).send() {
        Err(CallError::Service(e)) => {
            assert_eq!(e.status, 200, "the error comes with HTTP 200 (S6)");
            assert_eq!(e.kind, CancelFlowRunError::FlowRunAlreadyComplete);
        }
        other => panic!("expected 403135, got {other:?}"),
    }
}

/// Every test the conformance suite's table names exists here.
#[test]
fn the_suite_names_only_tests_that_exist() {
    let suite = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/conformance/tsc_conformance.py"
    ))
    .unwrap();
    let this = include_str!("conformance.rs");
    let mut named = 0;
    for part in suite.split("tests/tests/conformance.rs::").skip(1) {
        let name: String = part
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        assert!(
            this.contains(&format!("fn {name}()")),
            "the suite names tests/tests/conformance.rs::{name}, which does not exist"
        );
        named += 1;
    }
    assert!(named >= 6, "the suite names {named} tests");
}
