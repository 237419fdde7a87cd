//! The simulator, through the public client: the lifecycle of a flow, every documented error it
//! emits, run timing, linked tasks, token expiry, and 16 concurrent clients.

use std::sync::Arc;
use std::time::Duration;
use tableau_flows_mock::{Clock, Domain, MockServer, Parameter, demo};
use tableau_flows_tests::model;
use tableau_flows_tests::tf::*;

fn fast() -> tableau_flows_mock::MockBuilder {
    MockServer::builder().run_timing(Duration::from_millis(20), Duration::from_millis(80))
}

fn client_of(server: &MockServer, name: &str, secret: &str) -> Client {
    let client = Client::builder(server.url()).build().unwrap();
    client
        .sign_in_with(Credentials::personal_access_token(name, secret), demo::SITE)
        .unwrap();
    client
}

fn admin(server: &MockServer) -> Client {
    client_of(server, demo::PAT_NAME, demo::PAT_SECRET)
}

fn analyst(server: &MockServer) -> Client {
    client_of(server, demo::ANALYST_PAT_NAME, demo::ANALYST_PAT_SECRET)
}

fn quick_wait() -> WaitOptions {
    WaitOptions::new()
        .interval(Duration::from_millis(20), Duration::from_millis(50))
        .timeout(Duration::from_secs(10))
}

/// The service error code of a result, for asserting documented errors.
fn code<T: std::fmt::Debug, E: Into<Error>>(r: Result<T, E>) -> u32 {
    match r.map_err(Into::into) {
        Err(Error::Service(a)) => a.code.code(),
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[test]
fn a_flow_lifecycle() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    assert_eq!(
        client.api_version(),
        Some(ApiVersion::new(3, 24)),
        "negotiated from serverinfo"
    );
    // Demo content, with pagination, filters and sorts.
    let all: Vec<Flow> = client
        .query_flows_for_site()
        .page_size(1)
        .all()
        .map(Result::unwrap)
        .collect();
    assert_eq!(all.len(), 3);
    let sorted = client
        .query_flows_for_site()
        .sort(Sort::new().asc("name"))
        .send()
        .unwrap();
    let names: Vec<&str> = sorted
        .flows
        .iter()
        .filter_map(|f| f.name.as_deref())
        .collect();
    assert_eq!(names, ["Broken Loom", "Coffee Chain", "Sales Cleanup"]);
    let tagged = client
        .query_flows_for_site()
        .filter(Filter::new().eq("projectName", "Sales"))
        .send()
        .unwrap();
    assert_eq!(tagged.flows.len(), 1);
    assert_eq!(tagged.pagination.unwrap().total_available, Some(1));
    // Publish in one request, then in chunks, and download what was published.
    let dir = std::env::temp_dir().join(format!("tf-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let small = dir.join("Small.tflx");
    std::fs::write(&small, demo::flow_file_bytes()).unwrap();
    let one = client
        .publish_flow_file(&small, PublishOptions::new(demo::PROJECT_ID))
        .unwrap();
    let big = demo::flow_file_of_size(200_000);
    let chunked = client
        .publish_flow_reader(
            "Big.tfl",
            std::io::Cursor::new(big.clone()),
            big.len() as u64,
            PublishOptions::new(demo::PROJECT_ID)
                .chunk_threshold(50_000)
                .chunk_size(30_000),
        )
        .unwrap();
    assert_eq!(server.flow_bytes(chunked.flow.id.as_str()).unwrap(), big);
    let mut downloaded = Vec::new();
    let (n, name) = client
        .download_flow_to(
            chunked.flow.id.clone(),
            &mut downloaded,
            DownloadOptions::new(),
        )
        .unwrap();
    assert_eq!(
        (n, downloaded == big, name.as_deref()),
        (big.len() as u64, true, Some("Big.tfl"))
    );
    // Into a folder of its own: the published file, of the same name, is in `dir`.
    let dir = dir.join("downloads");
    std::fs::create_dir_all(&dir).unwrap();
    let path = client
        .download_flow_into(&one.flow.id, &dir, DownloadOptions::new())
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), demo::flow_file_bytes());
    // The file is there: a second download refuses to replace it, unless asked, and leaves no
    // partial file behind.
    let refused = client
        .download_flow_into(&one.flow.id, &dir, DownloadOptions::new())
        .unwrap_err();
    assert!(
        matches!(&refused, Error::FileExists(p) if *p == path),
        "{refused}"
    );
    client
        .download_flow_into(&one.flow.id, &dir, DownloadOptions::new().overwrite(true))
        .unwrap();
    let named = client
        .download_flow_into(
            &one.flow.id,
            &dir,
            DownloadOptions::new().file_name("copy.tfl"),
        )
        .unwrap();
    assert_eq!(named, dir.join("copy.tfl"));
    // A raised cancel token stops the download and removes the partial file.
    let token = CancelToken::new();
    token.cancel();
    let cancelled = client
        .download_flow_into(
            &one.flow.id,
            &dir,
            DownloadOptions::new()
                .file_name("stopped.tfl")
                .cancel(token),
        )
        .unwrap_err();
    assert!(
        matches!(cancelled, Error::Cancelled("download")),
        "{cancelled}"
    );
    assert!(!dir.join("stopped.tfl").exists() && !dir.join("stopped.tfl.part").exists());
    // Publishing the same name again needs overwrite.
    let again = client.publish_flow_file(&small, PublishOptions::new(demo::PROJECT_ID));
    assert_eq!(
        again.unwrap_err().kind::<PublishFlowError>(),
        Some(PublishFlowError::FlowNameConflict)
    );
    let replaced = client
        .publish_flow_file(
            &small,
            PublishOptions::new(demo::PROJECT_ID).overwrite(true),
        )
        .unwrap();
    assert_eq!(replaced.flow.id, one.flow.id);
    // Run with a parameter override and wait: Pending, InProgress, Success.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let started = client
        .run_flow(
            demo::SALES_FLOW_ID,
            RunOptions::new().parameter(demo::REGION_PARAMETER, "South"),
        )
        .unwrap();
    let run = client
        .wait_for_flow_run(
            started.flow_run_id().unwrap(),
            quick_wait()
                .interval(Duration::from_millis(10), Duration::from_millis(50))
                .on_poll(move |r| s2.lock().unwrap().push(r.status.clone())),
        )
        .unwrap();
    assert_eq!(run.status, Some(RunStatus::Success));
    assert_eq!(
        run.parameter_runs[0].override_value.as_deref(),
        Some("South")
    );
    assert!(seen.lock().unwrap().contains(&Some(RunStatus::InProgress)));
    let runs = client
        .get_flow_runs()
        .filter(Filter::new().eq("flowId", demo::SALES_FLOW_ID))
        .send()
        .unwrap();
    assert!(runs.pagination.is_none(), "like real servers (S1)");
    assert_eq!(runs.runs.len(), 1);
    // The job of the run.
    let job = client.query_job(started.job.id.clone()).send().unwrap().job;
    assert_eq!(job.finish_code, Some(0));
    // Delete.
    client.delete_flow(one.flow.id.clone()).send().unwrap();
    assert_eq!(code(client.query_flow(one.flow.id.clone()).send()), 404027);
    client.end_session().unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn runs_fail_and_cancel() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    let started = client
        .run_flow(demo::FAILING_FLOW_ID, RunOptions::new())
        .unwrap();
    let err = client
        .wait_for_flow_run(started.flow_run_id().unwrap(), quick_wait())
        .unwrap_err();
    match &err {
        Error::RunFailed { run, reason } => {
            assert_eq!(run.status, Some(RunStatus::Failed));
            assert_eq!(reason.as_deref(), Some(demo::FAILURE_REASON));
        }
        other => panic!("expected a failed run, got {other}"),
    }
    assert!(err.to_string().ends_with(demo::FAILURE_REASON), "{err}");
    // Cancel while in progress; a finished run answers 403135.
    let slow = MockServer::builder()
        .run_timing(Duration::ZERO, Duration::from_secs(30))
        .start()
        .unwrap();
    let client = admin(&slow);
    let id = client
        .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap()
        .flow_run_id()
        .unwrap();
    client.cancel_flow_run(id.clone()).send().unwrap();
    assert!(matches!(
        client
            .wait_for_flow_run(id.clone(), quick_wait())
            .unwrap_err(),
        Error::RunCancelled(_)
    ));
    // Waiting stops when its token is raised (the run goes on).
    let token = CancelToken::new();
    let raiser = token.clone();
    let waiting = std::thread::spawn({
        let slow_url = slow.url().to_owned();
        move || {
            let client = Client::builder(slow_url).build().unwrap();
            client
                .sign_in_with(
                    Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
                    demo::SITE,
                )
                .unwrap();
            let id = client
                .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
                .unwrap()
                .flow_run_id()
                .unwrap();
            client.wait_for_flow_run(id, quick_wait().cancel(token))
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    raiser.cancel();
    let stopped = waiting.join().unwrap().unwrap_err();
    assert!(matches!(stopped, Error::Cancelled("wait")), "{stopped}");
    let err = client.cancel_flow_run(id).send().unwrap_err();
    assert_eq!(err.kind(), Some(CancelFlowRunError::FlowRunAlreadyComplete));
    assert!(
        matches!(&err, CallError::Service(a) if a.status == 200),
        "answered as real servers do (S6)"
    );
}

#[test]
fn a_manual_clock_drives_runs_and_token_expiry() {
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .run_timing(Duration::from_secs(10), Duration::from_secs(100))
        .token_lifetime(Duration::from_secs(3600))
        .start()
        .unwrap();
    let client = admin(&server);
    let id = client
        .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap()
        .flow_run_id()
        .unwrap();
    let status = |c: &Client| c.get_flow_run(id.clone()).send().unwrap().flow_run;
    assert_eq!(status(&client).status, Some(RunStatus::Pending));
    clock.advance(Duration::from_secs(60));
    let r = status(&client);
    assert_eq!(
        (r.status, r.progress),
        (Some(RunStatus::InProgress), Some(50))
    );
    assert!(r.completed_at.is_none());
    clock.advance(Duration::from_secs(60));
    assert_eq!(status(&client).status, Some(RunStatus::Success));
    // The token expires; the client signs in again by itself.
    clock.advance(Duration::from_secs(3600));
    assert_eq!(status(&client).status, Some(RunStatus::Success));
    // A client without kept credentials sees 401002.
    let plain = Client::builder(server.url()).build().unwrap();
    plain.set_session(client.session().unwrap());
    clock.advance(Duration::from_secs(3601));
    assert_eq!(code(plain.get_flow_run(id.clone()).send()), 401002);
    // An unknown token is 401 too.
    plain.set_session(Session {
        token: Secret::new("nope"),
        site_id: demo::SITE_ID.into(),
        user_id: None,
    });
    assert_eq!(code(plain.get_flow_runs().send()), 401002);
}

#[test]
fn a_linked_task_runs_its_steps_in_order_and_stops_downstream() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    let linked = client
        .get_linked_task(demo::LINKED_TASK_ID)
        .send()
        .unwrap()
        .linked_task;
    assert_eq!(linked.steps.len(), 3);
    let job = client
        .run_linked_task_now(demo::LINKED_TASK_ID)
        .send()
        .unwrap()
        .linked_task_job;
    assert_eq!(job.status, Some(RunStatus::InProgress));
    std::thread::sleep(Duration::from_millis(500));
    let runs = client.get_flow_runs().send().unwrap().runs;
    assert_eq!(runs.len(), 3);
    let statuses: Vec<_> = runs.iter().map(|r| r.status.clone().unwrap()).collect();
    assert_eq!(
        statuses,
        [RunStatus::Success, RunStatus::Failed, RunStatus::Cancelled]
    );
    let starts: Vec<_> = runs.iter().map(|r| r.started_at.unwrap()).collect();
    // Timestamps are whole seconds (S18): the steps' starts never go backwards.
    assert!(
        starts[0] <= starts[1] && starts[1] <= starts[2],
        "steps run one after another"
    );
    assert_eq!(code(client.run_linked_task_now("nope").send()), 404045);
    assert_eq!(code(client.get_linked_task("nope").send()), 404045);
}

/// The flows of a linked task's steps as a user sees them (`None` where it is hidden).
fn step_flows(task: &LinkedTask) -> Vec<Option<String>> {
    task.steps
        .iter()
        .map(|s| {
            let run = s.task.as_ref()?.flow_run.as_ref()?;
            run.flow.as_ref().map(|f| f.id.to_string())
        })
        .collect()
}

/// Grants a user one capability on a flow (as the administrator).
fn grant(admin: &Client, flow: &str, user: &str, capability: Capability) {
    admin
        .add_flow_permissions(
            flow,
            AddFlowPermissionsRequest {
                permissions: NewPermissions {
                    flow: None,
                    grantees: vec![model!(
                        GranteeCapabilities::new(),
                        user = Some(UserRef::new(user)),
                        capabilities = vec![CapabilityRule::new(capability, CapabilityMode::Allow)],
                    )],
                },
            },
        )
        .send()
        .unwrap();
}

#[test]
fn a_linked_task_runs_for_whoever_may_run_all_its_flows_and_shows_only_flows_one_may_see() {
    let server = fast().start().unwrap();
    let (admin, analyst) = (admin(&server), analyst(&server));
    // The analyst may see Coffee Chain (the Analysts group reads it), not Broken Loom.
    let coffee = Some(demo::COFFEE_FLOW_ID.to_owned());
    let seen = analyst
        .get_linked_task(demo::LINKED_TASK_ID)
        .send()
        .unwrap()
        .linked_task;
    assert_eq!(step_flows(&seen), [coffee.clone(), None, coffee.clone()]);
    let listed = analyst.get_linked_tasks().send().unwrap().linked_tasks;
    assert_eq!(listed.len(), 1, "every user sees the linked task itself");
    assert_eq!(
        step_flows(&listed[0]),
        [coffee.clone(), None, coffee.clone()]
    );
    // Nothing of Broken Loom is in the answer, by id or by name.
    for endpoint in ["get_linked_tasks", "get_linked_task"] {
        let mut call = analyst.raw(endpoint).unwrap();
        if endpoint == "get_linked_task" {
            call = call.path("linked_task_id", demo::LINKED_TASK_ID);
        }
        let body = String::from_utf8(call.send().unwrap().body).unwrap();
        assert!(body.contains(demo::COFFEE_FLOW_ID), "{body}");
        assert!(
            !body.contains(demo::FAILING_FLOW_ID) && !body.contains("Broken Loom"),
            "{endpoint} shows the analyst a flow they may not see: {body}"
        );
    }
    // The administrator sees every flow.
    let all = admin
        .get_linked_task(demo::LINKED_TASK_ID)
        .send()
        .unwrap()
        .linked_task;
    let failing = Some(demo::FAILING_FLOW_ID.to_owned());
    assert_eq!(step_flows(&all), [coffee.clone(), failing, coffee]);

    // Running it needs the right to run every flow in it (Execute): refused, and no run starts.
    assert_eq!(
        code(analyst.run_linked_task_now(demo::LINKED_TASK_ID).send()),
        403004
    );
    grant(
        &admin,
        demo::COFFEE_FLOW_ID,
        demo::ANALYST_ID,
        Capability::Execute,
    );
    let refused = analyst
        .run_linked_task_now(demo::LINKED_TASK_ID)
        .send()
        .unwrap_err();
    assert_eq!(
        refused.kind(),
        Some(RunLinkedTaskNowError::Forbidden),
        "one flow of the three is not enough: {refused}"
    );
    assert_eq!(server.run_count(), 0, "a refused linked task starts no run");
    // With Execute on Broken Loom too, it runs (though the analyst still may not see Broken Loom).
    grant(
        &admin,
        demo::FAILING_FLOW_ID,
        demo::ANALYST_ID,
        Capability::Execute,
    );
    let job = analyst
        .run_linked_task_now(demo::LINKED_TASK_ID)
        .send()
        .unwrap()
        .linked_task_job;
    assert_eq!(job.status, Some(RunStatus::InProgress));
    assert_eq!(server.run_count(), 3);
    let seen = analyst
        .get_linked_task(demo::LINKED_TASK_ID)
        .send()
        .unwrap()
        .linked_task;
    assert_eq!(step_flows(&seen)[1], None, "Execute does not show the flow");
}

#[test]
fn deleting_a_flow_while_it_runs_fails_its_job_and_deletes_its_runs() {
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .run_timing(Duration::from_secs(10), Duration::from_secs(100))
        .start()
        .unwrap();
    let client = admin(&server);
    // One run finishes before the deletion; the next is in progress when the flow is deleted.
    let done = client
        .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap();
    clock.advance(Duration::from_secs(200));
    let going = client
        .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap();
    let going_run = going.flow_run_id().unwrap();
    clock.advance(Duration::from_secs(60));
    let run = client
        .get_flow_run(going_run.clone())
        .send()
        .unwrap()
        .flow_run;
    assert_eq!(
        (run.status, run.progress),
        (Some(RunStatus::InProgress), Some(50))
    );
    client.delete_flow(demo::COFFEE_FLOW_ID).send().unwrap();
    clock.advance(Duration::from_secs(5));

    // Its runs are gone with its run history.
    assert_eq!(code(client.get_flow_run(going_run.clone()).send()), 404036);
    assert_eq!(
        code(client.cancel_flow_run(going_run.clone()).send()),
        404036
    );
    assert_eq!(
        code(client.get_flow_run(done.flow_run_id().unwrap()).send()),
        404036
    );
    assert!(client.get_flow_runs().send().unwrap().runs.is_empty());
    let waited = client
        .wait_for_flow_run(going_run, quick_wait())
        .unwrap_err();
    assert!(
        matches!(&waited, Error::Service(a) if a.code.code() == 404036),
        "{waited}"
    );

    // The job of the run in progress ended failed at the deletion, and says why.
    let job = client.query_job(going.job.id.clone()).send().unwrap().job;
    assert_eq!(job.finish_code, Some(1), "{job:?}");
    assert!(job.completed_at.is_some(), "a finished job has completedAt");
    assert_eq!(
        job.progress,
        Some(50),
        "where the run stood when its flow was deleted"
    );
    let flow = job
        .run_flow_job
        .as_ref()
        .and_then(|j| j.flow.as_ref())
        .unwrap();
    assert_eq!(flow.id.as_str(), demo::COFFEE_FLOW_ID);
    assert_eq!(flow.name.as_deref(), Some("Coffee Chain"));
    let reason = job.failure_reason().unwrap();
    assert!(
        reason.contains("Coffee Chain") && reason.contains("was deleted"),
        "{reason}"
    );
    assert_eq!(job.status_notes.len(), 1);
    assert_eq!(job.status_notes[0].text.as_deref(), Some(reason.as_str()));
    // The job of the run that had finished keeps its success.
    let job = client.query_job(done.job.id.clone()).send().unwrap().job;
    assert_eq!(job.finish_code, Some(0));
    assert!(job.failure_reason().is_none());
}

#[test]
fn a_linked_task_step_whose_flow_is_deleted_fails_and_stops_the_steps_after_it() {
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .run_timing(Duration::from_secs(10), Duration::from_secs(100))
        .start()
        .unwrap();
    let client = admin(&server);
    // Coffee Chain, Broken Loom, Coffee Chain, each step stopping the ones after it on failure:
    // Coffee Chain is deleted while its first step runs.
    client
        .run_linked_task_now(demo::LINKED_TASK_ID)
        .send()
        .unwrap();
    clock.advance(Duration::from_secs(60));
    client.delete_flow(demo::COFFEE_FLOW_ID).send().unwrap();
    clock.advance(Duration::from_secs(1000));
    // Coffee Chain's runs left the history; its first step failed, so Broken Loom's step after it
    // never ran.
    let runs = client.get_flow_runs().send().unwrap().runs;
    let left: Vec<(String, RunStatus)> = runs
        .into_iter()
        .map(|r| (r.flow_id.unwrap().to_string(), r.status.unwrap()))
        .collect();
    assert_eq!(
        left,
        [(demo::FAILING_FLOW_ID.to_owned(), RunStatus::Cancelled)]
    );
}

#[test]
fn publishing_into_a_project_needs_the_right_to_publish_there() {
    let server = fast().start().unwrap();
    let (admin, analyst) = (admin(&server), analyst(&server));
    let publish = |client: &Client, name: &str, project: &str| {
        client.publish_flow_reader(
            name,
            std::io::Cursor::new(demo::flow_file_bytes()),
            demo::flow_file_bytes().len() as u64,
            PublishOptions::new(project),
        )
    };
    // Sales is the administrator's: a Creator without rights there is refused, nothing published.
    let before = server.flow_ids().len();
    let refused = publish(&analyst, "Mine.tflx", demo::SALES_PROJECT_ID).unwrap_err();
    assert!(
        matches!(&refused, Error::Service(a) if a.code.code() == 403007),
        "{refused}"
    );
    assert_eq!(server.flow_ids().len(), before);
    // In chunks too, and the upload session survives the refusal.
    let chunked = analyst.publish_flow_reader(
        "Chunked.tflx",
        std::io::Cursor::new(demo::flow_file_bytes()),
        demo::flow_file_bytes().len() as u64,
        PublishOptions::new(demo::SALES_PROJECT_ID)
            .chunk_threshold(10)
            .chunk_size(100),
    );
    assert_eq!(code(chunked), 403007);
    assert_eq!(server.upload_session_count(), 1);
    // Where the analyst may publish: Default (the Analysts group holds Write, Publish), the
    // top-level Archive (they are its project leader), Sales' Archive (they own it).
    for project in [
        demo::PROJECT_ID,
        demo::ARCHIVE_PROJECT_ID,
        demo::SALES_ARCHIVE_PROJECT_ID,
    ] {
        let published = publish(&analyst, "Mine.tflx", project).unwrap().flow;
        assert_eq!(published.project.unwrap().id.as_str(), project);
        assert_eq!(published.owner.unwrap().id.as_str(), demo::ANALYST_ID);
    }
    // Owning Sales' Archive gives nothing on Sales above it; an administrator publishes anywhere.
    assert_eq!(
        code(publish(&analyst, "Mine.tflx", demo::SALES_PROJECT_ID)),
        403007
    );
    publish(&admin, "Theirs.tflx", demo::SALES_PROJECT_ID).unwrap();

    // A project leader holds every capability on the flows of the project they lead.
    let archived = publish(&admin, "Archived.tflx", demo::ARCHIVE_PROJECT_ID)
        .unwrap()
        .flow;
    analyst.query_flow(archived.id.clone()).send().unwrap();
    analyst
        .download_flow_to(
            archived.id.clone(),
            &mut std::io::sink(),
            DownloadOptions::new(),
        )
        .unwrap();
    analyst
        .run_flow(archived.id.clone(), RunOptions::new())
        .unwrap();
    let listed: Vec<String> = analyst
        .query_flows_for_site()
        .send()
        .unwrap()
        .flows
        .into_iter()
        .map(|f| f.id.to_string())
        .collect();
    assert!(listed.contains(&archived.id.to_string()), "{listed:?}");
    analyst.delete_flow(archived.id).send().unwrap();

    // Moving a flow: its owner may move it only into a project they may publish into.
    let mine = publish(&analyst, "Movable.tflx", demo::PROJECT_ID)
        .unwrap()
        .flow;
    let move_to = |project: &str| {
        analyst
            .update_flow(
                mine.id.clone(),
                UpdateFlowRequest {
                    flow: FlowUpdate {
                        project: Some(ProjectRef::new(project)),
                        owner: None,
                    },
                },
            )
            .send()
    };
    assert_eq!(code(move_to(demo::SALES_PROJECT_ID)), 403030);
    let moved = move_to(demo::SALES_ARCHIVE_PROJECT_ID).unwrap().flow;
    assert_eq!(
        moved.project.unwrap().id.as_str(),
        demo::SALES_ARCHIVE_PROJECT_ID
    );
    // A flow the analyst neither owns nor leads the project of stays where it is.
    let theirs = publish(&admin, "Fixed.tflx", demo::PROJECT_ID)
        .unwrap()
        .flow;
    let refused = analyst
        .update_flow(
            theirs.id,
            UpdateFlowRequest {
                flow: FlowUpdate {
                    project: Some(ProjectRef::new(demo::ARCHIVE_PROJECT_ID)),
                    owner: None,
                },
            },
        )
        .send();
    assert_eq!(code(refused), 403030);
}

#[test]
fn documented_errors() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    server.add_parameter(
        demo::COFFEE_FLOW_ID,
        Parameter {
            id: "p-must".into(),
            name: "Must".into(),
            data_type: ParameterDataType::Integer,
            value: String::new(),
            required: true,
            domain: Domain::Range {
                min: 1,
                max: 5,
                step: 1,
            },
        },
    );
    let spec = |params: &[(&str, &str)]| RunFlowNowRequest {
        flow_run_spec: Some(model!(
            FlowRunSpec::new(),
            parameter_specs = params
                .iter()
                .map(|(id, v)| model!(
                    FlowParameterSpec::new(*id),
                    override_value = Some((*v).into()),
                ))
                .collect(),
        )),
    };
    let delete_user = |user: &str, name: Capability, mode: CapabilityMode| {
        code(
            client
                .delete_flow_permission_for_user(demo::COFFEE_FLOW_ID, user, name, mode)
                .send(),
        )
    };
    let cases: Vec<(u32, u32)> = vec![
        (404027, code(client.query_flow("no-such-flow").send())),
        (404036, code(client.get_flow_run("no-such-run").send())),
        (
            404026,
            code(client.get_flow_run_task("no-such-task").send()),
        ),
        (404031, code(client.query_job("no-such-job").send())),
        (
            400149,
            code(client.run_flow_now(demo::COFFEE_FLOW_ID, spec(&[])).send()),
        ),
        (
            400148,
            code(
                client
                    .run_flow_now(demo::COFFEE_FLOW_ID, spec(&[("p-must", "9")]))
                    .send(),
            ),
        ),
        (
            404043,
            code(
                client
                    .run_flow_now(
                        demo::COFFEE_FLOW_ID,
                        spec(&[("p-must", "2"), ("p-none", "1")]),
                    )
                    .send(),
            ),
        ),
        (
            400132,
            code(
                client
                    .run_flow_now(demo::SALES_FLOW_ID, RunFlowNowRequest::default())
                    .flow_run_mode(FlowRunMode::Unknown("turbo".into()))
                    .send(),
            ),
        ),
        (
            400009,
            delete_user(
                demo::ANALYST_ID,
                Capability::Unknown("Fly".into()),
                CapabilityMode::Allow,
            ),
        ),
        (
            404013,
            delete_user(demo::ANALYST_ID, Capability::Write, CapabilityMode::Allow),
        ),
        (
            404013,
            delete_user(
                demo::ANALYST_ID,
                Capability::Write,
                CapabilityMode::Unknown("Maybe".into()),
            ),
        ),
        (
            404002,
            delete_user("no-user", Capability::Write, CapabilityMode::Allow),
        ),
        (
            404012,
            code(
                client
                    .delete_flow_permission_for_group(
                        demo::COFFEE_FLOW_ID,
                        "no-group",
                        Capability::Write,
                        CapabilityMode::Allow,
                    )
                    .send(),
            ),
        ),
        (404002, code(client.query_flows_for_user("no-user").send())),
        (
            400006,
            code(client.query_flows_for_site().page_number(9).send()),
        ),
        (
            404005,
            code(
                client
                    .update_flow(
                        demo::COFFEE_FLOW_ID,
                        UpdateFlowRequest {
                            flow: FlowUpdate {
                                project: Some(ProjectRef::new("no-project")),
                                owner: None,
                            },
                        },
                    )
                    .send(),
            ),
        ),
        (404045, code(client.get_linked_task("no-linked").send())),
    ];
    for (expected, got) in &cases {
        assert_eq!(expected, got);
    }
    // Publishing errors.
    let publish = |name: &str, bytes: &[u8], project: &str| {
        client
            .publish_flow(PublishFlowRequest {
                flow: PublishFlow {
                    name: name.into(),
                    description: None,
                    project: ProjectRef::new(project),
                },
                connections: Vec::new(),
            })
            .file(FilePart::from_bytes("x.tfl", bytes.to_vec()))
            .send()
    };
    let flow = demo::flow_file_bytes();
    assert_eq!(
        code(publish("Coffee Chain", &flow, demo::PROJECT_ID)),
        409041
    );
    assert_eq!(code(publish("New", &flow, "no-project")), 404005);
    assert_eq!(code(publish(" ", &flow, demo::PROJECT_ID)), 400089);
    let bad_name = client
        .publish_flow(PublishFlowRequest {
            flow: PublishFlow {
                name: "N".into(),
                description: None,
                project: ProjectRef::new(demo::PROJECT_ID),
            },
            connections: Vec::new(),
        })
        .file(FilePart::from_bytes("report.twbx", demo::flow_file_bytes()))
        .send();
    assert_eq!(code(bad_name), 400086);
    // Capabilities the simulator's version does not know are invalid (3.6 has no Execute).
    let old = MockServer::builder()
        .api_version(ApiVersion::new(3, 6))
        .start()
        .unwrap();
    let old_client = Client::builder(old.url())
        .api_version(ApiVersion::new(3, 24))
        .build()
        .unwrap();
    old_client
        .sign_in_with(
            Credentials::password(demo::ADMIN_USER, demo::ADMIN_PASSWORD),
            "",
        )
        .unwrap_err();
    let old_client = Client::builder(old.url()).build().unwrap();
    old_client
        .sign_in_with(
            Credentials::password(demo::ADMIN_USER, demo::ADMIN_PASSWORD),
            "",
        )
        .unwrap();
    assert_eq!(old_client.api_version(), Some(ApiVersion::new(3, 6)));
    // Sign-in errors.
    let c = Client::builder(server.url()).build().unwrap();
    assert_eq!(
        code(c.sign_in_with(Credentials::personal_access_token("x", "y"), "")),
        401001
    );
    assert_eq!(
        code(c.sign_in_with(Credentials::password(demo::ADMIN_USER, "wrong"), "")),
        401001
    );
    assert_eq!(
        code(c.sign_in_with(Credentials::jwt("eyJ.unknown"), "")),
        401001
    );
    assert_eq!(
        code(c.sign_in_with(
            Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
            "nosuchsite"
        )),
        401001
    );
}

#[test]
fn users_without_a_capability_get_the_endpoints_403() {
    let server = fast().start().unwrap();
    let analyst = analyst(&server);
    // The analysts group may read and download Coffee Chain, nothing else.
    analyst.query_flow(demo::COFFEE_FLOW_ID).send().unwrap();
    analyst
        .download_flow_to(
            demo::COFFEE_FLOW_ID,
            &mut std::io::sink(),
            DownloadOptions::new(),
        )
        .unwrap();
    let listed = analyst.query_flows_for_site().send().unwrap().flows;
    assert_eq!(listed.len(), 1, "only readable flows are listed");
    let cases: Vec<(u32, u32)> = vec![
        (403004, code(analyst.query_flow(demo::SALES_FLOW_ID).send())),
        (
            403097,
            code(analyst.download_flow(demo::SALES_FLOW_ID).send()),
        ),
        (
            403004,
            code(analyst.delete_flow(demo::COFFEE_FLOW_ID).send()),
        ),
        (
            403092,
            code(analyst.query_flow_connections(demo::SALES_FLOW_ID).send()),
        ),
        // Only administrators list permissions, and the table has no permission code: the
        // simulator answers as for a flow the caller cannot see.
        (
            404027,
            code(analyst.list_flow_permissions(demo::COFFEE_FLOW_ID).send()),
        ),
        (
            403004,
            code(
                analyst
                    .add_flow_permissions(
                        demo::COFFEE_FLOW_ID,
                        AddFlowPermissionsRequest::default(),
                    )
                    .send(),
            ),
        ),
        (
            403103,
            code(
                analyst
                    .update_flow_connection(
                        demo::COFFEE_FLOW_ID,
                        demo::CONNECTION_ID,
                        UpdateFlowConnectionRequest {
                            connection: ConnectionUpdate {
                                server_port: Some(1),
                                ..Default::default()
                            },
                        },
                    )
                    .send(),
            ),
        ),
        (
            403098,
            code(
                analyst
                    .update_flow(
                        demo::COFFEE_FLOW_ID,
                        UpdateFlowRequest {
                            flow: FlowUpdate {
                                project: None,
                                owner: Some(UserRef::new(demo::ANALYST_ID)),
                            },
                        },
                    )
                    .send(),
            ),
        ),
        (
            403101,
            code(analyst.query_flows_for_user(demo::ADMIN_ID).send()),
        ),
    ];
    for (expected, got) in &cases {
        assert_eq!(expected, got);
    }
    // An administrator grants Execute; then the analyst may run the flow.
    let admin = admin(&server);
    admin
        .add_flow_permissions(
            demo::COFFEE_FLOW_ID,
            AddFlowPermissionsRequest {
                permissions: NewPermissions {
                    flow: None,
                    grantees: vec![model!(
                        GranteeCapabilities::new(),
                        user = Some(UserRef::new(demo::ANALYST_ID)),
                        capabilities = vec![CapabilityRule::new(
                            Capability::Execute,
                            CapabilityMode::Allow
                        )],
                    )],
                },
            },
        )
        .send()
        .unwrap();
    let perms = admin
        .list_flow_permissions(demo::COFFEE_FLOW_ID)
        .send()
        .unwrap()
        .permissions;
    assert_eq!(perms.grantees.len(), 2);
    analyst
        .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap();
}

#[test]
fn endpoints_newer_than_the_simulator_answer_404() {
    let server = MockServer::builder()
        .api_version(ApiVersion::new(3, 6))
        .start()
        .unwrap();
    let client = Client::builder(server.url())
        .api_version(ApiVersion::new(3, 24))
        .build()
        .unwrap();
    // The URL names 3.24, which a 3.6 server does not speak.
    assert!(matches!(client.server_info().send(), Err(CallError::Service(a)) if a.status == 404));
    // A 3.24 client talking to it at 3.6 is refused by the client itself before sending.
    let client = Client::builder(server.url()).build().unwrap();
    client
        .sign_in_with(
            Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
            "",
        )
        .unwrap();
    assert!(matches!(
        client.get_flow_runs().send(),
        Err(CallError::Unsupported(_))
    ));
    // Bypassing the client's gate, the simulator answers as a 3.6 server.
    let raw = std::net::TcpStream::connect(server.url().trim_start_matches("http://")).unwrap();
    use std::io::{Read, Write};
    let mut raw = raw;
    write!(raw, "GET /api/3.6/sites/{}/flows/runs HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Tableau-Auth: {}\r\n\r\n", demo::SITE_ID, client.session().unwrap().token.expose()).unwrap();
    let mut answer = String::new();
    raw.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.contains("appeared in API 3.10"), "{answer}");
}

#[test]
fn sixteen_clients_five_hundred_calls_each() {
    let server = Arc::new(
        MockServer::builder()
            .threads(8)
            .run_timing(Duration::from_millis(5), Duration::from_millis(10))
            .start()
            .unwrap(),
    );
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let server = server.clone();
            std::thread::spawn(move || {
                let client = admin(&server);
                let mut published = Vec::new();
                let mut runs = 0usize;
                for i in 0..500 {
                    match i % 10 {
                        0 => {
                            let name = format!("t{t}-flow-{i}.tfl");
                            let flow = demo::flow_file_bytes();
                            let len = flow.len() as u64;
                            let r = client
                                .publish_flow_reader(
                                    &name,
                                    std::io::Cursor::new(flow),
                                    len,
                                    PublishOptions::new(demo::PROJECT_ID),
                                )
                                .unwrap();
                            published.push(r.flow.id);
                        }
                        1 => {
                            client
                                .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
                                .unwrap();
                            runs += 1;
                        }
                        2 if published.len() > 2 => {
                            let id = published.remove(0);
                            client.delete_flow(id).send().unwrap();
                        }
                        3 => {
                            client.get_flow_runs().send().unwrap();
                        }
                        4 => {
                            client.query_flows_for_site().page_size(5).send().unwrap();
                        }
                        5 => {
                            client.get_flow_run_tasks().send().unwrap();
                        }
                        6 => {
                            client
                                .list_flow_permissions(demo::COFFEE_FLOW_ID)
                                .send()
                                .unwrap();
                        }
                        _ => {
                            client.query_flow(demo::SALES_FLOW_ID).send().unwrap();
                        }
                    }
                }
                (published, runs)
            })
        })
        .collect();
    let mut kept = Vec::new();
    let mut runs = 0;
    for t in threads {
        let (p, r) = t.join().unwrap();
        kept.extend(p);
        runs += r;
    }
    let flows = server.flow_ids();
    assert_eq!(
        flows.len(),
        3 + kept.len(),
        "every publish and delete was applied exactly once"
    );
    for id in &kept {
        assert!(flows.contains(&id.to_string()));
    }
    assert_eq!(server.run_count(), runs);
    assert_eq!(runs, 16 * 50);
}

#[test]
fn every_endpoint_of_the_spec_is_simulated() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    for meta in tableau_flows::endpoints::ALL {
        // The fixed inputs name ids the simulator does not have: documented errors are fine,
        // "no behaviour" (501) or a route miss (404001) is not.
        let outcome = tableau_flows_tests::cases::call(&client, meta.id);
        if let Err(e) = &outcome {
            assert!(
                !e.contains("501") && !e.contains("404001"),
                "{}: {e}",
                meta.id
            );
        }
        if meta.id == "sign_out" {
            client
                .sign_in_with(
                    Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
                    demo::SITE,
                )
                .unwrap();
        }
    }
}

/// The names of the flows a filter and sort select, in order.
fn names(client: &Client, filter: Option<Filter>, sort: Option<Sort>) -> Vec<String> {
    let mut call = client.query_flows_for_site();
    if let Some(f) = filter {
        call = call.filter(f);
    }
    if let Some(s) = sort {
        call = call.sort(s);
    }
    call.send()
        .unwrap()
        .flows
        .into_iter()
        .filter_map(|f| f.name)
        .collect()
}

#[test]
fn every_documented_filter_field_and_operator_works() {
    let clock = Clock::manual();
    let server = fast().clock(clock.clone()).start().unwrap();
    let client = admin(&server);
    let seeded = client.query_flow(demo::COFFEE_FLOW_ID).send().unwrap().flow;
    let t0 = seeded.created_at.unwrap();
    clock.advance(Duration::from_secs(3600));
    let dir = std::env::temp_dir().join(format!("tf-filter-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("Late Flow.tflx");
    std::fs::write(&file, demo::flow_file_bytes()).unwrap();
    let late = client
        .publish_flow_file(&file, PublishOptions::new(demo::PROJECT_ID))
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let t1 = late.flow.created_at.unwrap();
    assert_eq!(t1.seconds_since(t0), 3600);
    let (t0, t1) = (format_date(t0), format_date(t1));
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let all = ["Broken Loom", "Coffee Chain", "Late Flow", "Sales Cleanup"];
    let cases: Vec<(Filter, Vec<&str>)> = vec![
        (
            Filter::new().eq("name", "Coffee Chain"),
            vec!["Coffee Chain"],
        ),
        (
            Filter::new().is_in("name", ["Coffee Chain", "Broken Loom"]),
            vec!["Broken Loom", "Coffee Chain"],
        ),
        (
            Filter::new().eq("projectName", "Sales"),
            vec!["Sales Cleanup"],
        ),
        (
            Filter::new().is_in("projectName", ["Sales", "Default"]),
            all.to_vec(),
        ),
        (
            Filter::new().eq("projectId", demo::SALES_PROJECT_ID),
            vec!["Sales Cleanup"],
        ),
        // The owner's display name, not the login (deviation S14).
        (
            Filter::new().eq("ownerName", demo::ADMIN_FULL_NAME),
            all.to_vec(),
        ),
        (Filter::new().eq("ownerName", demo::ADMIN_USER), vec![]),
        (Filter::new().eq("createdAt", &t1), vec!["Late Flow"]),
        (Filter::new().gt("createdAt", &t0), vec!["Late Flow"]),
        (Filter::new().gte("createdAt", &t0), all.to_vec()),
        (
            Filter::new().lt("createdAt", &t1),
            vec!["Broken Loom", "Coffee Chain", "Sales Cleanup"],
        ),
        (Filter::new().lte("createdAt", &t1), all.to_vec()),
        (
            Filter::new().eq("updatedAt", &t0).eq("name", "Late Flow"),
            vec![],
        ),
        (Filter::new().gt("updatedAt", &t0), vec!["Late Flow"]),
        (Filter::new().gte("updatedAt", &t1), vec!["Late Flow"]),
        (
            Filter::new().lt("updatedAt", &t1),
            vec!["Broken Loom", "Coffee Chain", "Sales Cleanup"],
        ),
        (
            Filter::new()
                .lte("updatedAt", &t0)
                .eq("projectName", "Sales"),
            vec!["Sales Cleanup"],
        ),
    ];
    for (filter, expected) in cases {
        let text = filter.to_string();
        assert_eq!(
            sorted(names(&client, Some(filter), None)),
            expected,
            "{text}"
        );
    }
    assert_eq!(names(&client, None, Some(Sort::new().asc("name"))), all);
    assert_eq!(
        names(&client, None, Some(Sort::new().desc("name"))),
        all.iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(
        names(
            &client,
            None,
            Some(Sort::new().desc("createdAt").asc("name"))
        ),
        ["Late Flow", "Broken Loom", "Coffee Chain", "Sales Cleanup"]
    );
    assert_eq!(
        names(
            &client,
            None,
            Some(Sort::new().asc("updatedAt").desc("name"))
        )[3],
        "Late Flow"
    );
    // A field servers reject on flows (tags, S14), sent on purpose: 400065, as servers answer.
    let err = client
        .query_flows_for_site()
        .filter(Filter::new().unchecked("tags", filter::Operator::Eq, "sales"))
        .send()
        .unwrap_err();
    assert_eq!(code::<QueryFlowsResponse, _>(Err(err)), 400065);
    let err = client
        .query_flows_for_site()
        .sort(Sort::new().unchecked("tags", true))
        .send()
        .unwrap_err();
    assert_eq!(code::<QueryFlowsResponse, _>(Err(err)), 400065);

    // Flow runs: userId and flowId (eq), progress, startedAt and completedAt (eq, gt, gte, lt, lte).
    let started = client
        .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap();
    let run_id = started.flow_run_id().unwrap();
    clock.advance(Duration::from_secs(60));
    let pending = client
        .run_flow(demo::FAILING_FLOW_ID, RunOptions::new())
        .unwrap()
        .flow_run_id()
        .unwrap();
    let finished = client.get_flow_run(run_id.clone()).send().unwrap().flow_run;
    let (s, c) = (
        format_date(finished.started_at.unwrap()),
        format_date(finished.completed_at.unwrap()),
    );
    let runs = |f: Filter| -> Vec<String> {
        let mut ids: Vec<String> = client
            .get_flow_runs()
            .filter(f)
            .send()
            .unwrap()
            .runs
            .into_iter()
            .map(|r| r.id.into_string())
            .collect();
        ids.sort();
        ids
    };
    let both = {
        let mut v = vec![run_id.to_string(), pending.to_string()];
        v.sort();
        v
    };
    let one = vec![run_id.to_string()];
    let other = vec![pending.to_string()];
    assert_eq!(runs(Filter::new().eq("userId", demo::ADMIN_ID)), both);
    assert_eq!(runs(Filter::new().eq("flowId", demo::COFFEE_FLOW_ID)), one);
    assert_eq!(runs(Filter::new().eq("progress", 100)), one);
    assert_eq!(runs(Filter::new().gte("progress", 100)), one);
    assert_eq!(runs(Filter::new().gt("progress", 50)), one);
    assert_eq!(runs(Filter::new().lt("progress", 100)), other);
    assert_eq!(runs(Filter::new().lte("progress", 0)), other);
    assert_eq!(runs(Filter::new().eq("startedAt", &s)), one);
    assert_eq!(runs(Filter::new().gt("startedAt", &s)), other);
    assert_eq!(runs(Filter::new().gte("startedAt", &s)), both);
    assert_eq!(
        runs(Filter::new().lt("startedAt", &s)),
        Vec::<String>::new()
    );
    assert_eq!(runs(Filter::new().lte("startedAt", &s)), one);
    assert_eq!(runs(Filter::new().eq("completedAt", &c)), one);
    assert_eq!(runs(Filter::new().gt("completedAt", &t0)), one);
    assert_eq!(runs(Filter::new().gte("completedAt", &c)), one);
    assert_eq!(
        runs(Filter::new().lt("completedAt", &c)),
        Vec::<String>::new()
    );
    assert_eq!(runs(Filter::new().lte("completedAt", &c)), one);
    // A user that does not exist: 404002, as the table says.
    let err = client
        .get_flow_runs()
        .filter(Filter::new().eq("userId", "no-such-user"))
        .send()
        .unwrap_err();
    assert_eq!(code::<GetFlowRunsResponse, _>(Err(err)), 404002);
}

/// A date as filters write it, `YYYY-MM-DDTHH:MM:SSZ` (answers' dates are whole seconds, which
/// is how a `DateTime` displays them).
fn format_date(t: DateTime) -> String {
    assert_eq!(t.nanosecond(), 0, "{t}");
    t.to_string()
}

#[test]
fn the_support_endpoints_list_projects_users_groups_and_schedules() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    // Projects: filters on the documented fields, sorts, pages.
    let archives: Vec<tableau_flows::Project> = client
        .query_projects()
        .filter(Filter::new().eq("name", "Archive"))
        .all()
        .collect::<Result<_, _>>()
        .unwrap();
    let ids: Vec<&str> = archives.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [demo::ARCHIVE_PROJECT_ID, demo::SALES_ARCHIVE_PROJECT_ID]
    );
    let top: Vec<String> = client
        .query_projects()
        .filter(Filter::new().eq("topLevelProject", "true"))
        .sort(Sort::new().desc("name"))
        .all()
        .map(|p| p.unwrap().name.unwrap())
        .collect();
    assert_eq!(top, ["Sales", "Default", "Archive"]);
    let nested = client
        .query_projects()
        .filter(Filter::new().eq("parentProjectId", demo::SALES_PROJECT_ID))
        .send()
        .unwrap();
    assert_eq!(nested.projects.len(), 1);
    assert_eq!(
        nested.projects[0]
            .parent_project_id
            .as_ref()
            .unwrap()
            .as_str(),
        demo::SALES_PROJECT_ID
    );
    let page = client
        .query_projects()
        .page_size(3)
        .page_number(2)
        .send()
        .unwrap();
    assert_eq!(page.projects.len(), 1);
    assert_eq!(page.pagination.unwrap().total_available, Some(4));
    assert_eq!(
        code(client.query_projects().page_size(3).page_number(3).send()),
        400006
    );

    // Users: the administrator sees everyone; lastLogin is set by signing in; `fields=_all_`
    // adds the display name.
    let users = client
        .get_users_on_site()
        .sort(Sort::new().asc("name"))
        .field_expression("_all_")
        .send()
        .unwrap();
    let names: Vec<(&str, &str, &str)> = users
        .users
        .iter()
        .map(|u| {
            (
                u.name.as_deref().unwrap(),
                u.full_name.as_deref().unwrap(),
                u.site_role.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("admin", demo::ADMIN_FULL_NAME, "ServerAdministrator"),
            ("analyst", demo::ANALYST_FULL_NAME, "Creator")
        ]
    );
    assert!(users.users[0].last_login.is_some(), "signed in above");
    assert!(users.users[1].last_login.is_none(), "never signed in");
    let plain = client.get_users_on_site().send().unwrap();
    assert!(plain.users.iter().all(|u| u.full_name.is_none()));
    let creators = client
        .get_users_on_site()
        .filter(Filter::new().is_in("siteRole", ["Creator", "Explorer"]))
        .send()
        .unwrap();
    assert_eq!(creators.users.len(), 1);
    // A user who is not an administrator sees only themselves.
    let analyst = analyst(&server);
    let me = analyst.get_users_on_site().send().unwrap();
    assert_eq!(me.users.len(), 1);
    assert_eq!(me.users[0].id.as_str(), demo::ANALYST_ID);

    // Groups.
    let groups = client
        .query_groups()
        .filter(Filter::new().gte("userCount", "2"))
        .send()
        .unwrap();
    let names: Vec<&str> = groups
        .groups
        .iter()
        .filter_map(|g| g.name.as_deref())
        .collect();
    assert_eq!(names, ["All Users"]);
    let analysts = client
        .query_groups()
        .filter(Filter::new().eq("name", "Analysts"))
        .send()
        .unwrap();
    assert_eq!(analysts.groups[0].id.as_str(), demo::ANALYSTS_GROUP_ID);
    assert_eq!(analysts.groups[0].domain.as_ref().unwrap().name, "local");

    // Schedules: the server's, of every type, without the own schedules of cloud tasks.
    let before = client.list_server_schedules().send().unwrap();
    let listed: Vec<(&str, Option<&ScheduleType>)> = before
        .schedules
        .iter()
        .map(|s| (s.name.as_deref().unwrap(), s.schedule_type.as_ref()))
        .collect();
    assert_eq!(
        listed,
        [
            ("Nightly", Some(&ScheduleType::Flow)),
            ("Weekend extracts", Some(&ScheduleType::Extract))
        ]
    );
    // A page past the end, or a page size out of range, is refused as the other lists refuse it.
    assert_eq!(
        code(client.list_server_schedules().page_number(9).send()),
        400006
    );
    let raw = client
        .raw("list_server_schedules")
        .unwrap()
        .query("pageSize", "1001")
        .send();
    assert!(
        matches!(raw, Err(Error::InvalidArgument(_))),
        "checked before sending"
    );
}

#[test]
fn things_are_found_by_name_and_an_ambiguous_name_lists_its_matches() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    let flow = client.find_flow("Sales Cleanup").unwrap();
    assert_eq!(flow.id.as_str(), demo::SALES_FLOW_ID);
    assert_eq!(
        client
            .find_flow(demo::COFFEE_FLOW_ID)
            .unwrap()
            .name
            .as_deref(),
        Some("Coffee Chain"),
        "an id is an id"
    );
    let region = flow.find_parameter("Region").unwrap();
    assert_eq!(region.id.as_str(), demo::REGION_PARAMETER_ID);
    assert!(matches!(
        flow.find_parameter("Colour"),
        Err(Error::NotFound {
            what: "parameter",
            ..
        })
    ));
    // Two projects are named Archive: the error lists both, with their paths.
    let err = client.find_project("Archive").unwrap_err();
    match &err {
        Error::Ambiguous {
            what: "project",
            candidates,
            ..
        } => {
            let found: Vec<(&str, &str)> = candidates
                .iter()
                .map(|c| (c.id.as_str(), c.description.as_str()))
                .collect();
            assert_eq!(
                found,
                [
                    (demo::ARCHIVE_PROJECT_ID, "Archive"),
                    (demo::SALES_ARCHIVE_PROJECT_ID, "Sales/Archive")
                ]
            );
        }
        other => panic!("expected an ambiguous name, got {other}"),
    }
    assert!(
        err.to_string().contains(demo::SALES_ARCHIVE_PROJECT_ID),
        "{err}"
    );
    // A path picks one.
    assert_eq!(
        client.find_project("Sales/Archive").unwrap().id.as_str(),
        demo::SALES_ARCHIVE_PROJECT_ID
    );
    assert_eq!(
        client.find_project("Sales").unwrap().id.as_str(),
        demo::SALES_PROJECT_ID
    );
    assert!(matches!(
        client.find_project("Sales/Nope"),
        Err(Error::NotFound {
            what: "project",
            ..
        })
    ));
    assert_eq!(
        client.find_user("analyst").unwrap().id.as_str(),
        demo::ANALYST_ID
    );
    assert_eq!(
        client.find_user(demo::ADMIN_ID).unwrap().name.as_deref(),
        Some(demo::ADMIN_USER)
    );
    assert_eq!(
        client.find_group("Analysts").unwrap().id.as_str(),
        demo::ANALYSTS_GROUP_ID
    );
    assert_eq!(
        client
            .find_schedule("Nightly")
            .unwrap()
            .id
            .unwrap()
            .as_str(),
        demo::SCHEDULE_ID
    );
    match client.find_user("nobody") {
        Err(Error::NotFound {
            what: "user", name, ..
        }) => assert_eq!(name, "nobody"),
        other => panic!("expected not found, got {other:?}"),
    }
    // A name the filter syntax cannot hold is still found, by listing.
    assert!(matches!(
        client.find_flow("a,b"),
        Err(Error::NotFound { what: "flow", .. })
    ));
}

#[test]
fn any_endpoint_by_its_id_with_the_specs_checks() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    let answer = client
        .raw("query_flow_connections")
        .unwrap()
        .path("flow_id", demo::COFFEE_FLOW_ID)
        .send()
        .unwrap();
    assert_eq!(answer.status, 200);
    let text = String::from_utf8(answer.body).unwrap();
    assert!(text.contains(demo::CONNECTION_ID), "{text}");
    let listed = client
        .raw("query_projects")
        .unwrap()
        .query("filter", "name:eq:Sales")
        .query("pageSize", "10")
        .send()
        .unwrap();
    assert!(String::from_utf8_lossy(&listed.body).contains(demo::SALES_PROJECT_ID));
    let refused = |r: Result<RawResponse, Error>| match r {
        Err(Error::InvalidArgument(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let m = refused(client.raw("query_flow").unwrap().send());
    assert!(
        m.contains("the path parameter \"flow_id\" is required"),
        "{m}"
    );
    let m = refused(
        client
            .raw("query_projects")
            .unwrap()
            .query("tags", "x")
            .send(),
    );
    assert!(
        m.starts_with("Query Projects: no query parameter \"tags\""),
        "{m}"
    );
    let m = refused(
        client
            .raw("query_projects")
            .unwrap()
            .query("filter", "tags:eq:x")
            .send(),
    );
    assert!(m.contains("tags"), "{m}");
    let m = refused(
        client
            .raw("query_projects")
            .unwrap()
            .query("pageSize", "0")
            .send(),
    );
    assert!(m.contains("pageSize must be between 1 and 1000"), "{m}");
    let m = refused(
        client
            .raw("update_flow")
            .unwrap()
            .path("flow_id", demo::SALES_FLOW_ID)
            .body("<!DOCTYPE x><tsRequest/>")
            .send(),
    );
    assert!(m.contains("the body"), "{m}");
    // A body in its JSON form goes as JSON, and the answer comes back as asked.
    let moved = client
        .raw("update_flow")
        .unwrap()
        .path("flow_id", demo::SALES_FLOW_ID)
        .json_body(format!(
            r#"{{"flow": {{"project": {{"id": "{}"}}}}}}"#,
            demo::ARCHIVE_PROJECT_ID
        ))
        .accept(tableau_flows::WireFormat::Json)
        .send()
        .unwrap();
    assert!(
        moved
            .content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        moved.content_type
    );
    let answer: serde_json::Value = serde_json::from_slice(&moved.body).unwrap();
    assert_eq!(answer["flow"]["project"]["id"], demo::ARCHIVE_PROJECT_ID);
    for (body, expected) in [
        ("[1]", "the JSON body must be one object"),
        ("{\"flow\": ", "the JSON body: EOF"),
    ] {
        let m = refused(
            client
                .raw("update_flow")
                .unwrap()
                .path("flow_id", demo::SALES_FLOW_ID)
                .json_body(body)
                .send(),
        );
        assert!(m.contains(expected), "{m}");
    }
    let m = refused(
        client
            .raw("query_flow")
            .unwrap()
            .path("flow_id", "x")
            .json_body("{}")
            .send(),
    );
    assert!(m.contains("it takes no body"), "{m}");
    assert!(matches!(
        client.raw("no_such_endpoint"),
        Err(Error::NotFound {
            what: "endpoint",
            ..
        })
    ));
    // The service's own answer is the service error, typed by its code.
    let err = client
        .raw("query_flow")
        .unwrap()
        .path("flow_id", "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9")
        .send()
        .unwrap_err();
    assert_eq!(
        err.kind::<QueryFlowError>(),
        Some(QueryFlowError::FlowNotFound)
    );
}

#[test]
fn a_raised_token_stops_a_publish() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    let token = CancelToken::new();
    let raise = token.clone();
    // The token is raised by the progress callback, half way through the single request.
    let options = PublishOptions::new(demo::PROJECT_ID)
        .progress(std::sync::Arc::new(move |sent, total| {
            if sent * 2 >= total.unwrap_or(0) {
                raise.cancel();
            }
        }))
        .cancel(token);
    let big = demo::flow_file_of_size(2 * 1024 * 1024);
    let err = client
        .publish_flow_reader(
            "Stopped.tfl",
            std::io::Cursor::new(big.clone()),
            big.len() as u64,
            options,
        )
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled("publish")), "{err}");
    assert!(
        client.find_flow("Stopped").is_err(),
        "nothing was published"
    );
    // Chunked: no chunk after the token.
    let token = CancelToken::new();
    token.cancel();
    let err = client
        .publish_flow_reader(
            "Stopped.tfl",
            std::io::Cursor::new(big.clone()),
            big.len() as u64,
            PublishOptions::new(demo::PROJECT_ID)
                .chunk_threshold(1024)
                .cancel(token),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled("publish")), "{err}");
}

#[test]
fn parameter_values_before_api_3_24_are_refused_before_anything_is_read() {
    let server = fast().api_version(ApiVersion::new(3, 20)).start().unwrap();
    let client = admin(&server);
    let err = client
        .run_flow(
            demo::SALES_FLOW_ID,
            RunOptions::new().parameter(demo::REGION_PARAMETER, "North"),
        )
        .unwrap_err();
    match &err {
        Error::Unsupported(v) => {
            assert_eq!(
                (v.required, v.client),
                (ApiVersion::new(3, 24), ApiVersion::new(3, 20))
            );
        }
        other => panic!("expected a version refusal, got {other}"),
    }
    // Without parameters the run goes.
    client
        .run_flow(demo::SALES_FLOW_ID, RunOptions::new())
        .unwrap();
}

/// A parameter value without `overrideValue` (schema-optional; the Run Flow Now page requires it
/// only for required parameters, deviation S31): the parameter keeps its value, its id is still
/// checked, and a required parameter with no value is refused.
#[test]
fn a_parameter_value_without_an_override_keeps_the_parameter_s_value() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    let parameter = |id: &str, value: &str, required: bool| Parameter {
        id: id.into(),
        name: id.into(),
        data_type: ParameterDataType::Integer,
        value: value.into(),
        required,
        domain: Domain::Any,
    };
    server.add_parameter(demo::COFFEE_FLOW_ID, parameter("p-must", "", true));
    server.add_parameter(demo::COFFEE_FLOW_ID, parameter("p-kept", "10", false));
    let run = |given: &[(&str, Option<&str>)]| {
        client
            .run_flow_now(
                demo::COFFEE_FLOW_ID,
                RunFlowNowRequest {
                    flow_run_spec: Some(model!(
                        FlowRunSpec::new(),
                        parameter_specs = given
                            .iter()
                            .map(|(id, value)| model!(
                                FlowParameterSpec::new(*id),
                                override_value = value.map(Into::into),
                            ))
                            .collect(),
                    )),
                },
            )
            .send()
    };
    let started = run(&[("p-must", Some("2")), ("p-kept", None)]).unwrap();
    let run_id = started.job.run_flow_job.unwrap().flow_run_id.unwrap();
    let given: Vec<_> = client
        .get_flow_run(run_id)
        .send()
        .unwrap()
        .flow_run
        .parameter_runs
        .into_iter()
        .map(|p| (p.name.unwrap_or_default(), p.override_value))
        .collect();
    assert_eq!(given, [("p-must".to_owned(), Some("2".to_owned()))]);
    assert_eq!(code(run(&[("p-must", None)])), 400149);
    assert_eq!(
        code(run(&[("p-must", Some("2")), ("p-none", None)])),
        404043
    );
}

/// The labels of a flow's tags, as Query Flow answers them.
fn tags_of(client: &Client, flow: &str) -> Vec<String> {
    let flow = client.query_flow(flow).send().unwrap().flow;
    flow.tags.into_iter().map(|t| t.label).collect()
}

#[test]
fn tags_are_added_once_shown_in_flow_answers_and_deleted_by_name() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    let flow = demo::COFFEE_FLOW_ID;
    assert_eq!(tags_of(&client, flow), Vec::<String>::new());
    // A tag with a space, a comma, `#`, `/` and a non-ASCII letter stays one tag (deviation S34).
    let odd = "Sales, Q1 #2/3 ä";
    let answer = client
        .add_tags_to_flow(
            flow,
            AddTagsToFlowRequest::new(["daily", "Yearly Sales", odd]),
        )
        .send()
        .unwrap();
    let labels: Vec<String> = answer.tags.into_iter().map(|t| t.label).collect();
    assert_eq!(labels, ["daily", "Yearly Sales", odd]);
    // Adding again is no error and adds nothing; the answer holds every tag of the flow.
    let again = client
        .add_tags_to_flow(flow, AddTagsToFlowRequest::new(["daily", "Weekly"]))
        .send()
        .unwrap();
    let labels: Vec<String> = again.tags.into_iter().map(|t| t.label).collect();
    assert_eq!(labels, ["daily", "Yearly Sales", odd, "Weekly"]);
    // An unquoted label is split on whitespace and commas, as servers do.
    let raw = AddTagsToFlowRequest {
        tags: vec![Tag::new("north south,east")],
    };
    client.add_tags_to_flow(flow, raw).send().unwrap();
    // Every flow answer shows the tags.
    let expected = [
        "daily",
        "Yearly Sales",
        odd,
        "Weekly",
        "north",
        "south",
        "east",
    ];
    assert_eq!(tags_of(&client, flow), expected);
    let listed = client
        .query_flows_for_site()
        .filter(Filter::new().eq("name", "Coffee Chain"))
        .send()
        .unwrap();
    let listed: Vec<Vec<String>> = listed
        .flows
        .into_iter()
        .map(|f| f.tags.into_iter().map(|t| t.label).collect())
        .collect();
    assert_eq!(listed, [expected.map(String::from).to_vec()]);
    // Deleting by name, the name percent-encoded in the path.
    client.delete_tag_from_flow(flow, odd).send().unwrap();
    client
        .delete_tag_from_flow(flow, "Yearly Sales")
        .send()
        .unwrap();
    assert_eq!(
        tags_of(&client, flow),
        ["daily", "Weekly", "north", "south", "east"]
    );
    // A tag the flow does not carry (labels compare exactly), or an unknown flow.
    assert_eq!(
        code(client.delete_tag_from_flow(flow, "odd").send()),
        404007
    );
    assert_eq!(
        code(client.delete_tag_from_flow(flow, "DAILY").send()),
        404007
    );
    let nowhere = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        code(client.delete_tag_from_flow(nowhere, "daily").send()),
        404027
    );
    assert_eq!(
        code(
            client
                .add_tags_to_flow(nowhere, AddTagsToFlowRequest::new(["x"]))
                .send()
        ),
        404027
    );
    // Tagging needs Write on the flow (deviation S35).
    let analyst = analyst(&server);
    let add = |c: &Client| {
        c.add_tags_to_flow(flow, AddTagsToFlowRequest::new(["mine"]))
            .send()
    };
    assert_eq!(code(add(&analyst)), 403004);
    assert_eq!(
        code(analyst.delete_tag_from_flow(flow, "daily").send()),
        403004
    );
    grant(&client, flow, demo::ANALYST_ID, Capability::Write);
    add(&analyst).unwrap();
    analyst.delete_tag_from_flow(flow, "mine").send().unwrap();
    assert!(!tags_of(&client, flow).contains(&"mine".to_string()));
}

#[test]
fn tags_are_no_flow_filter_field() {
    // Servers refuse `tags` as a flow filter field (deviation S14): 400065 from the simulator;
    // the client refuses it before sending unless asked not to check.
    let server = fast().start().unwrap();
    let client = admin(&server);
    let refused = client
        .query_flows_for_site()
        .filter(Filter::new().eq("tags", "sales"))
        .send();
    assert!(
        matches!(refused.map_err(Error::from), Err(Error::InvalidArgument(_))),
        "the client sent a tags filter"
    );
    let sent = client
        .query_flows_for_site()
        .filter(Filter::new().unchecked("tags", tableau_flows::filter::Operator::Eq, "sales"))
        .send();
    assert_eq!(code(sent), 400065);
}

/// Query Jobs lists every job of the site, finished ones too, to administrators, with the Jobs
/// filter and sort fields and pagination (deviation S32); Cancel Job cancels a flow run's job as
/// Cancel Flow Run cancels the run, at every version (deviation S33).
#[test]
fn jobs_are_listed_and_cancelled() {
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .run_timing(Duration::from_secs(10), Duration::from_secs(100))
        .start()
        .unwrap();
    let client = admin(&server);
    let done = client
        .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap();
    clock.advance(Duration::from_secs(200));
    let failed = client
        .run_flow(demo::FAILING_FLOW_ID, RunOptions::new())
        .unwrap();
    clock.advance(Duration::from_secs(200));
    let going = client
        .run_flow(demo::SALES_FLOW_ID, RunOptions::new())
        .unwrap();
    let ids = |a: &QueryJobsResponse| -> Vec<String> {
        a.jobs.iter().map(|j| j.id.to_string()).collect()
    };
    let all = client.query_jobs().send().unwrap();
    assert_eq!(all.pagination.as_ref().unwrap().total_available, Some(3));
    let done_job = all.jobs.iter().find(|j| j.id == done.job.id).unwrap();
    assert_eq!(
        done_job.status,
        Some(RunStatus::Success),
        "finished jobs are listed"
    );
    assert_eq!(done_job.job_type.as_deref(), Some("run_flow"));
    assert_eq!(done_job.title.as_deref(), Some("Coffee Chain"));
    assert!(done_job.ended_at.is_some());
    assert_eq!(done_job.priority, Some(50));
    let only = |f: Filter| ids(&client.query_jobs().filter(f).send().unwrap());
    assert_eq!(
        only(Filter::new().eq("status", "Failed")),
        [failed.job.id.to_string()]
    );
    assert_eq!(
        only(Filter::new().eq("status", "Pending")),
        [going.job.id.to_string()]
    );
    assert_eq!(
        only(Filter::new().has("title", "Loom")),
        [failed.job.id.to_string()]
    );
    assert_eq!(
        only(Filter::new().has("notes", "connection refused")),
        [failed.job.id.to_string()],
        "only the failed job has notes"
    );
    assert_eq!(
        only(Filter::new().is_in("jobType", ["run_flow", "refresh_extracts"])).len(),
        3
    );
    assert_eq!(
        only(Filter::new().lt("progress", 100)),
        [going.job.id.to_string()]
    );
    let sorted = client
        .query_jobs()
        .sort(Sort::new().desc("createdAt"))
        .send()
        .unwrap();
    assert_eq!(
        ids(&sorted),
        [&going.job.id, &failed.job.id, &done.job.id].map(|i| i.to_string())
    );
    let paged: Vec<BackgroundJob> = client
        .query_jobs()
        .page_size(2)
        .all()
        .map(Result::unwrap)
        .collect();
    assert_eq!(paged.len(), 3);
    assert_eq!(
        code(client.query_jobs().page_size(2).page_number(3).send()),
        400006
    );
    // A field Query Jobs does not filter on is refused before sending (400065 on the wire:
    // tests/tests/server.rs).
    assert!(
        client
            .query_jobs()
            .filter(Filter::new().eq("name", "x"))
            .send()
            .is_err()
    );

    // Only administrators list and cancel jobs.
    let other = analyst(&server);
    assert_eq!(code(other.query_jobs().send()), 403004);
    assert_eq!(code(other.cancel_job(going.job.id.clone()).send()), 403032);

    // Cancelling the job cancels its run; a finished job, or one of no job, cannot be.
    client.cancel_job(going.job.id.clone()).send().unwrap();
    let run = client
        .get_flow_run(going.flow_run_id().unwrap())
        .send()
        .unwrap()
        .flow_run;
    assert_eq!(run.status, Some(RunStatus::Cancelled));
    let job = client.query_job(going.job.id.clone()).send().unwrap().job;
    assert_eq!(job.finish_code, Some(2));
    assert!(job.completed_at.is_some());
    assert_eq!(code(client.cancel_job(going.job.id.clone()).send()), 403091);
    assert_eq!(code(client.cancel_job(done.job.id.clone()).send()), 403091);
    assert_eq!(
        code(
            client
                .cancel_job("00000000-0000-4000-8000-000000000000")
                .send()
        ),
        404031
    );

    // At 3.6 a job carries no flowRunId, and cancelling the job is how a run is cancelled.
    let old = MockServer::builder()
        .api_version(ApiVersion::new(3, 6))
        .run_timing(Duration::ZERO, Duration::from_secs(60))
        .start()
        .unwrap();
    let old_client = admin(&old);
    assert_eq!(old_client.api_version(), Some(ApiVersion::new(3, 6)));
    let started = old_client
        .run_flow(demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap();
    assert!(started.flow_run_id().is_err());
    old_client
        .cancel_job(started.job.id.clone())
        .send()
        .unwrap();
    let job = old_client
        .query_job(started.job.id.clone())
        .send()
        .unwrap()
        .job;
    assert_eq!(job.finish_code, Some(2));
    let listed = old_client.query_jobs().send().unwrap();
    assert_eq!(listed.jobs[0].status, Some(RunStatus::Cancelled));
}

/// The user and project endpoints clients call around flows (tabcmd checks its session with
/// Query User On Site; tableau_tools reads a project's permissions and default permissions before
/// publishing into it): who may call them (deviations S36, S37) and what they answer.
#[test]
fn users_query_themselves_and_project_permissions_are_read_by_those_who_may() {
    let server = fast().start().unwrap();
    let admin = admin(&server);
    let analyst = analyst(&server);

    // Query User On Site: anyone may query themselves, with every attribute real servers send.
    let me = analyst
        .query_user_on_site(demo::ANALYST_ID)
        .send()
        .unwrap()
        .user;
    assert_eq!(me.id.as_str(), demo::ANALYST_ID);
    assert_eq!(me.name.as_deref(), Some(demo::ANALYST_USER));
    assert_eq!(me.full_name.as_deref(), Some(demo::ANALYST_FULL_NAME));
    assert_eq!(me.site_role.as_deref(), Some("Creator"));
    assert_eq!(me.auth_setting.as_deref(), Some("ServerDefault"));
    assert!(me.last_login.is_some(), "signed in above");
    assert_eq!(me.domain.as_ref().map(|d| d.name.as_str()), Some("local"));
    // Only administrators may query someone else.
    assert_eq!(
        code(analyst.query_user_on_site(demo::ADMIN_ID).send()),
        403133
    );
    let other = admin
        .query_user_on_site(demo::ANALYST_ID)
        .send()
        .unwrap()
        .user;
    assert_eq!(other.name.as_deref(), Some(demo::ANALYST_USER));
    assert_eq!(
        code(
            admin
                .query_user_on_site("00000000-0000-4000-8000-000000000000")
                .send()
        ),
        404002
    );

    // Query Project Permissions: the project (with its owner) and its rules by grantee.
    let default = admin
        .query_project_permissions(demo::PROJECT_ID)
        .send()
        .unwrap()
        .permissions;
    let project = default.project.as_ref().unwrap();
    assert_eq!(project.id.as_str(), demo::PROJECT_ID);
    assert_eq!(project.name.as_deref(), Some("Default"));
    assert_eq!(
        project.owner.as_ref().map(|o| o.id.as_str()),
        Some(demo::ADMIN_ID)
    );
    let rules = |p: &ProjectPermissions| -> Vec<(String, Vec<String>)> {
        p.grantees
            .iter()
            .map(|g| {
                let who = match (&g.user, &g.group) {
                    (Some(u), _) => format!("user {}", u.id),
                    (_, Some(gr)) => format!("group {}", gr.id),
                    _ => panic!("a grantee without user or group: {g:?}"),
                };
                let caps = g
                    .capabilities
                    .iter()
                    .map(|c| format!("{}:{}", c.name, c.mode))
                    .collect();
                (who, caps)
            })
            .collect()
    };
    assert_eq!(
        rules(&default),
        [(
            format!("group {}", demo::ANALYSTS_GROUP_ID),
            vec!["Write:Allow".to_owned()]
        )]
    );
    let archive = admin
        .query_project_permissions(demo::ARCHIVE_PROJECT_ID)
        .send()
        .unwrap()
        .permissions;
    assert_eq!(
        rules(&archive),
        [(
            format!("user {}", demo::ANALYST_ID),
            vec!["ProjectLeader:Allow".to_owned()]
        )]
    );
    // Who may read them: Write on Default (through the Analysts), leader of Archive, owner of
    // Sales/Archive; Sales is the administrator's alone (404005: the table has no 403).
    for project in [
        demo::PROJECT_ID,
        demo::ARCHIVE_PROJECT_ID,
        demo::SALES_ARCHIVE_PROJECT_ID,
    ] {
        analyst.query_project_permissions(project).send().unwrap();
    }
    assert_eq!(
        code(
            analyst
                .query_project_permissions(demo::SALES_PROJECT_ID)
                .send()
        ),
        404005
    );
    assert_eq!(
        code(
            admin
                .query_project_permissions("00000000-0000-4000-8000-000000000000")
                .send()
        ),
        404005
    );

    // Query Default Permissions: the demo's rules on Default, none on Sales (still a well-formed
    // answer naming the project).
    let workbooks = analyst
        .query_default_workbook_permissions(demo::PROJECT_ID)
        .send()
        .unwrap()
        .permissions;
    let viewer: Vec<String> = [
        "Read",
        "Filter",
        "ViewComments",
        "AddComment",
        "ExportImage",
        "ExportData",
        "ShareView",
    ]
    .iter()
    .map(|c| format!("{c}:Allow"))
    .collect();
    assert_eq!(
        rules(&workbooks),
        [(format!("group {}", demo::ALL_USERS_GROUP_ID), viewer)]
    );
    let datasources = analyst
        .query_default_datasource_permissions(demo::PROJECT_ID)
        .send()
        .unwrap()
        .permissions;
    assert_eq!(
        rules(&datasources),
        [(
            format!("group {}", demo::ALL_USERS_GROUP_ID),
            vec!["Read:Allow".to_owned(), "Connect:Allow".to_owned()]
        )]
    );
    let flows = analyst
        .query_default_flow_permissions(demo::PROJECT_ID)
        .send()
        .unwrap()
        .permissions;
    assert_eq!(
        rules(&flows),
        [(
            format!("group {}", demo::ANALYSTS_GROUP_ID),
            vec!["Read:Allow".to_owned(), "ExportXml:Allow".to_owned()]
        )]
    );
    let sales = admin
        .query_default_flow_permissions(demo::SALES_PROJECT_ID)
        .send()
        .unwrap()
        .permissions;
    assert!(sales.grantees.is_empty());
    assert_eq!(
        sales.project.as_ref().map(|p| p.id.as_str()),
        Some(demo::SALES_PROJECT_ID)
    );
    // A caller who may not read them gets the page's code of each kind.
    assert_eq!(
        code(
            analyst
                .query_default_workbook_permissions(demo::SALES_PROJECT_ID)
                .send()
        ),
        403036
    );
    assert_eq!(
        code(
            analyst
                .query_default_datasource_permissions(demo::SALES_PROJECT_ID)
                .send()
        ),
        403035
    );
    assert_eq!(
        code(
            analyst
                .query_default_flow_permissions(demo::SALES_PROJECT_ID)
                .send()
        ),
        403035
    );
    assert_eq!(
        code(
            admin
                .query_default_workbook_permissions("00000000-0000-4000-8000-000000000000")
                .send()
        ),
        404005
    );

    // Flows' default permissions came with API 3.4, workbooks' with 2.1.
    let old = Client::builder(server.url())
        .api_version(ApiVersion::new(3, 3))
        .build()
        .unwrap();
    old.sign_in_with(
        Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
        demo::SITE,
    )
    .unwrap();
    assert!(matches!(
        old.query_default_flow_permissions(demo::PROJECT_ID).send(),
        Err(CallError::Unsupported(_))
    ));
    old.query_default_workbook_permissions(demo::PROJECT_ID)
        .send()
        .unwrap();
}

/// The flow document and entry names of a flow file, opened with the zip crate.
fn open_flow_file(bytes: &[u8]) -> (Vec<String>, serde_json::Value) {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.expect("a name").into_owned())
        .collect();
    let mut json = String::new();
    archive
        .by_name("flow")
        .expect("a flow entry")
        .read_to_string(&mut json)
        .unwrap();
    (names, serde_json::from_str(&json).expect("JSON"))
}

#[test]
fn the_demo_flows_are_real_flow_files_that_agree_with_what_the_simulator_reports() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    for (id, file_type, data) in [
        (demo::COFFEE_FLOW_ID, FlowFileType::Tfl, None),
        (
            demo::SALES_FLOW_ID,
            FlowFileType::Tflx,
            Some("Data/orders.csv"),
        ),
        (demo::FAILING_FLOW_ID, FlowFileType::Tflx, None),
    ] {
        let mut bytes = Vec::new();
        client
            .download_flow_to(id, &mut bytes, DownloadOptions::new())
            .unwrap();
        let (names, doc) = open_flow_file(&bytes);
        for entry in ["flow", "displaySettings", "maestroMetadata"] {
            assert!(names.iter().any(|n| n == entry), "{id}: {names:?}");
        }
        assert_eq!(
            data.is_some_and(|d| names.iter().any(|n| n == d)),
            data.is_some()
        );
        // The shape: inputs (from initialNodes), a cleaning step, outputs, all linked.
        let nodes = doc["nodes"].as_object().expect("nodes");
        let of = |base: &str| -> Vec<(&String, &serde_json::Value)> {
            nodes
                .iter()
                .filter(|(_, n)| n["baseType"] == base)
                .collect()
        };
        let inputs = of("input");
        assert!(!inputs.is_empty(), "{id}");
        let initial: Vec<&str> = doc["initialNodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        for (node_id, node) in &inputs {
            assert!(initial.contains(&node_id.as_str()), "{id}: {node_id}");
            let t = node["nodeType"].as_str().unwrap();
            assert!(t == ".v1.LoadCsv" || t == ".v1.LoadSql", "{t}");
            assert!(doc["connections"][node["connectionId"].as_str().unwrap()].is_object());
        }
        assert_eq!(of("container").len(), 1, "{id}: a cleaning step");
        for node in nodes.values() {
            for next in node["nextNodes"].as_array().unwrap() {
                assert!(
                    nodes.contains_key(next["nextNodeId"].as_str().unwrap()),
                    "{id}"
                );
            }
        }
        // What the simulator reports is what the file holds.
        let answer = client.query_flow(id).send().unwrap();
        assert_eq!(answer.flow.file_type.as_ref(), Some(&file_type));
        let mut outputs: Vec<(String, String)> = of("output")
            .into_iter()
            .map(|(k, n)| (k.clone(), n["name"].as_str().unwrap().to_owned()))
            .collect();
        outputs.sort();
        let mut reported: Vec<(String, String)> = answer
            .output_steps
            .iter()
            .map(|s| (s.id.to_string(), s.name.clone().unwrap()))
            .collect();
        reported.sort();
        assert_eq!(reported, outputs, "{id}: output steps");
        let mut in_file: Vec<(String, String, String, Option<u32>)> = doc["connections"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, c)| c["connectionType"] == ".v1.SqlConnection")
            .map(|(k, c)| {
                let a = &c["connectionAttributes"];
                (
                    k.clone(),
                    a["class"].as_str().unwrap().to_owned(),
                    a["server"].as_str().unwrap().to_owned(),
                    a["port"].as_str().unwrap().parse().ok(),
                )
            })
            .collect();
        in_file.sort();
        let mut connections: Vec<(String, String, String, Option<u32>)> = client
            .query_flow_connections(id)
            .send()
            .unwrap()
            .connections
            .into_iter()
            .map(|c| {
                (
                    c.id.unwrap().to_string(),
                    c.connection_type.unwrap(),
                    c.server_address.unwrap(),
                    c.server_port,
                )
            })
            .collect();
        connections.sort();
        assert_eq!(connections, in_file, "{id}: connections");
        let parameters: Vec<String> = answer
            .flow
            .parameters
            .iter()
            .map(|p| p.id.to_string())
            .collect();
        let mut in_file: Vec<String> = doc["parameters"]["parameters"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        in_file.sort();
        let mut parameters = parameters;
        parameters.sort();
        assert_eq!(parameters, in_file, "{id}: parameters");
        // Downloaded, it publishes again (as a new flow), with the same output steps.
        let copy = client
            .publish_flow_reader(
                &format!("Copy {id}.{file_type}"),
                std::io::Cursor::new(bytes.clone()),
                bytes.len() as u64,
                PublishOptions::new(demo::PROJECT_ID),
            )
            .unwrap();
        let mut again: Vec<(String, String)> = copy
            .output_steps
            .iter()
            .map(|s| (s.id.to_string(), s.name.clone().unwrap()))
            .collect();
        again.sort();
        assert_eq!(again, outputs, "{id}: republished");
    }
}

#[test]
fn publishing_in_chunks_checks_the_assembled_file_too() {
    let server = fast().start().unwrap();
    let client = admin(&server);
    let before = server.flow_ids().len();
    // Not a zip, big enough to go in chunks: refused once assembled, the session gone.
    let noise: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let err = client
        .publish_flow_reader(
            "Noise.tflx",
            std::io::Cursor::new(noise.clone()),
            noise.len() as u64,
            PublishOptions::new(demo::PROJECT_ID)
                .chunk_threshold(100_000)
                .chunk_size(64_000),
        )
        .unwrap_err();
    match &err {
        Error::Service(a) => {
            assert_eq!(a.code.code(), 400087, "{err}");
            assert!(a.detail.contains("not a zip archive"), "{}", a.detail);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.flow_ids().len(), before);
    assert_eq!(
        server.upload_session_count(),
        0,
        "publishing ended the session"
    );
    // A real flow file in chunks is published, and reads back whole.
    let flow = demo::flow_file_of_size(300_000);
    let published = client
        .publish_flow_reader(
            "Real.tflx",
            std::io::Cursor::new(flow.clone()),
            flow.len() as u64,
            PublishOptions::new(demo::PROJECT_ID)
                .chunk_threshold(100_000)
                .chunk_size(64_000),
        )
        .unwrap();
    assert_eq!(server.flow_bytes(published.flow.id.as_str()).unwrap(), flow);
    assert_eq!(published.output_steps.len(), 1);
}

/// A new flow takes its project's default permissions for flows, as content published into a
/// project does on real servers (deviation S37): the demo's Default project gives the Analysts
/// group Read and ExportXml, so the analyst sees and downloads a flow the administrator publishes
/// there; Sales has no defaults, so a flow published there is the owner's alone.
#[test]
fn a_published_flow_takes_its_project_s_default_flow_permissions() {
    let server = fast().start().unwrap();
    let (admin, analyst) = (admin(&server), analyst(&server));
    let publish = |name: &str, project: &str| {
        let bytes = demo::flow_file_bytes();
        let len = bytes.len() as u64;
        admin
            .publish_flow_reader(
                name,
                std::io::Cursor::new(bytes),
                len,
                PublishOptions::new(project),
            )
            .unwrap()
            .flow
            .id
    };
    let in_default = publish("Inherits.tflx", demo::PROJECT_ID);
    let rules: Vec<(String, String, String)> = admin
        .list_flow_permissions(in_default.as_str())
        .send()
        .unwrap()
        .permissions
        .grantees
        .into_iter()
        .flat_map(|g| {
            let who = g.group.map(|x| x.id.to_string()).unwrap_or_default();
            g.capabilities
                .into_iter()
                .map(move |c| (who.clone(), c.name.to_string(), c.mode.to_string()))
        })
        .collect();
    let expected = |cap: &str| {
        (
            demo::ANALYSTS_GROUP_ID.to_owned(),
            cap.to_owned(),
            "Allow".to_owned(),
        )
    };
    assert_eq!(rules, [expected("Read"), expected("ExportXml")]);
    analyst.query_flow(in_default.as_str()).send().unwrap();
    analyst.download_flow(in_default.as_str()).send().unwrap();

    let in_sales = publish("Private.tflx", demo::SALES_PROJECT_ID);
    let grantees = admin
        .list_flow_permissions(in_sales.as_str())
        .send()
        .unwrap()
        .permissions
        .grantees;
    assert!(grantees.is_empty(), "{grantees:?}");
    assert_eq!(code(analyst.query_flow(in_sales.as_str()).send()), 403004);
}

/// `Client::resume_session`: a saved session is used as it is, and only when the server says it
/// expired is the callback asked for credentials, once; what it gives signs in again and is
/// kept, and the new session is not signed out when the client drops.
#[test]
fn a_resumed_session_asks_for_credentials_only_when_it_expires() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .request_log(true)
        .start()
        .unwrap();
    let first = admin(&server);
    let saved = first.keep_session().unwrap();
    // Sign In's estimatedTimeToExpiration (240 minutes in the simulator) gives the expiry.
    let expires = first
        .session_expires_at()
        .expect("the answer gives an expiry");
    let left = expires
        .duration_since(std::time::SystemTime::now())
        .unwrap_or_default();
    assert!(left > Duration::from_secs(239 * 60) && left <= Duration::from_secs(240 * 60));
    drop(first);

    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    let client = Client::builder(server.url())
        .api_version(server.api_version())
        .build()
        .unwrap();
    client.resume_session(saved.clone(), demo::SITE, move || {
        counter.fetch_add(1, Ordering::SeqCst);
        Some(Credentials::personal_access_token(
            demo::PAT_NAME,
            demo::PAT_SECRET,
        ))
    });
    assert_eq!(client.session_expires_at(), None);
    server.clear_requests();
    client.query_flows_for_site().send().unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 0);
    let endpoints = |server: &MockServer| -> Vec<&'static str> {
        let log = server.requests().unwrap();
        server.clear_requests();
        log.iter().map(|r| r.endpoint.unwrap_or("-")).collect()
    };
    assert_eq!(endpoints(&server), ["query_flows_for_site"]);

    clock.advance(Duration::from_secs(241 * 60));
    client.query_flows_for_site().send().unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert_eq!(
        endpoints(&server),
        ["query_flows_for_site", "sign_in", "query_flows_for_site"]
    );
    let renewed = client.session().unwrap();
    assert_ne!(renewed.token, saved.token);
    assert!(client.session_expires_at().is_some());
    // Kept: a second expiry signs in again without asking.
    clock.advance(Duration::from_secs(241 * 60));
    client.query_flows_for_site().send().unwrap();
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    endpoints(&server);
    // Not signed out when dropped: the renewed session is the caller's to save.
    let renewed = client.session().unwrap();
    drop(client);
    assert!(endpoints(&server).is_empty());
    let other = Client::builder(server.url())
        .api_version(server.api_version())
        .build()
        .unwrap();
    other.set_session(renewed);
    other.query_flows_for_site().send().unwrap();

    // A callback with no credentials: the call fails with 401002, once asked.
    let refusing = Client::builder(server.url())
        .api_version(server.api_version())
        .build()
        .unwrap();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&asked);
    refusing.resume_session(saved, demo::SITE, move || {
        counter.fetch_add(1, Ordering::SeqCst);
        None
    });
    assert_eq!(code(refusing.query_flows_for_site().send()), 401002);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
}

/// The request log of `MockBuilder::request_log`: method, path, query, endpoint and status of
/// each request answered, refusals at sign-in and unknown paths included; off by default.
#[test]
fn the_request_log_records_each_request_answered() {
    let plain = MockServer::builder().start().unwrap();
    assert!(plain.requests().is_none());
    let server = MockServer::builder().request_log(true).start().unwrap();
    let client = admin(&server);
    client.query_flows_for_site().page_size(2).send().unwrap();
    let log = server.requests().unwrap();
    let seen: Vec<(&str, Option<&str>, u16)> = log
        .iter()
        .map(|r| (r.method.as_str(), r.endpoint, r.status))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET", Some("server_info"), 200),
            ("POST", Some("sign_in"), 200),
            ("GET", Some("query_flows_for_site"), 200),
        ]
    );
    assert_eq!(log[2].query, "pageSize=2");
    assert!(
        log[2]
            .path
            .ends_with(&format!("/sites/{}/flows", demo::SITE_ID))
    );
    server.clear_requests();
    let unsigned = Client::builder(server.url())
        .api_version(server.api_version())
        .build()
        .unwrap();
    unsigned.set_session(Session {
        token: Secret::new("nope"),
        site_id: demo::SITE_ID.into(),
        user_id: None,
    });
    assert_eq!(code(unsigned.query_flows_for_site().send()), 401002);
    // A path no endpoint has, sent by hand.
    let mut stream =
        std::net::TcpStream::connect(server.url().trim_start_matches("http://")).unwrap();
    use std::io::{Read, Write};
    stream
        .write_all(b"GET /api/3.24/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let log = server.requests().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].endpoint, log[0].status),
        (Some("query_flows_for_site"), 401)
    );
    assert_eq!((log[1].endpoint, log[1].status), (None, 404));
}
