//! Every endpoint against a local HTTP server: the exact request built from fixed inputs (a
//! snapshot per endpoint), the decoding of the answer, and the error mapping.

use tableau_flows::*;
use tableau_flows_tests::{Answer, TestServer};

fn example(id: &str) -> String {
    let path = tableau_flows_tests::spec_dir().join("examples").join(format!("{id}.xml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const NS: &str = r#"xmlns="http://tableau.com/api""#;

fn doc(inner: &str) -> String {
    format!("<?xml version='1.0' encoding='UTF-8'?><tsResponse {NS}>{inner}</tsResponse>")
}

fn flow_run_spec() -> FlowRunSpec {
    FlowRunSpec {
        flow_id: Some("flow-1".into()),
        run_mode: Some(FlowRunMode::Incremental),
        parameter_specs: vec![FlowParameterSpec {
            parameter_id: "param-1".into(),
            override_value: "North & <South>".into(),
        }],
        output_steps: vec![FlowOutputStep {
            id: "step-1".into(),
            name: None,
        }],
    }
}

fn capability(name: CapabilityName, mode: CapabilityMode) -> Capability {
    Capability { name, mode }
}

/// Runs one endpoint with fixed inputs; returns the decoded answer's Debug text.
fn call(client: &Client, id: &str) -> Result<String, String> {
    fn show<T: std::fmt::Debug, E: std::fmt::Display>(r: Result<T, Error<E>>) -> Result<String, String> {
        r.map(|v| format!("{v:?}")).map_err(|e| e.to_string())
    }
    match id {
        "sign_in" => show(
            client
                .sign_in(SignInRequest {
                    credentials: SignInCredentials {
                        personal_access_token_name: Some("my-token".into()),
                        personal_access_token_secret: Some(Secret::new("s3cr3t")),
                        site: SignInSite {
                            content_url: "marketing".into(),
                        },
                        ..Default::default()
                    },
                })
                .send(),
        ),
        "sign_out" => show(client.sign_out().send()),
        "server_info" => show(client.server_info().send()),
        "query_job" => show(client.query_job("job-1").send()),
        "initiate_file_upload" => show(client.initiate_file_upload().send()),
        "append_to_file_upload" => show(
            client
                .append_to_file_upload("upload-1", AppendFileUploadRequest::default())
                .file(FilePart::from_bytes("chunk.bin", b"CHUNK-BYTES".to_vec()))
                .send(),
        ),
        "query_flows_for_site" => show(
            client
                .query_flows_for_site()
                .filter("name:eq:Coffee Chain")
                .sort("createdAt:desc")
                .page_size(50)
                .page_number(2)
                .send(),
        ),
        "query_flows_for_user" => show(client.query_flows_for_user("user-1").owned_by(true).page_size(10).send()),
        "query_flow" => show(client.query_flow("flow-1").send()),
        "publish_flow" => show(
            client
                .publish_flow(PublishFlowRequest {
                    flow: PublishFlow {
                        name: "Coffee Chain".into(),
                        description: Some("Cleans sales data".into()),
                        project: Project {
                            id: "project-1".into(),
                            name: None,
                        },
                    },
                    connections: vec![Connection {
                        id: Some("conn-1".into()),
                        server_address: Some("db.example.com".into()),
                        server_port: Some(5432),
                        credentials: Some(ConnectionCredentials {
                            name: Some("analyst".into()),
                            password: Some(Secret::new("pw")),
                            embed: Some(true),
                            o_auth: None,
                        }),
                        ..Default::default()
                    }],
                })
                .overwrite(true)
                .file(FilePart::from_bytes("coffee.tflx", b"PK\x03\x04flow-bytes".to_vec()))
                .send(),
        ),
        "update_flow" => show(
            client
                .update_flow(
                    "flow-1",
                    UpdateFlowRequest {
                        flow: FlowUpdate {
                            project: Some(Project {
                                id: "project-2".into(),
                                name: None,
                            }),
                            owner: Some(UserRef {
                                id: "user-2".into(),
                                name: None,
                            }),
                        },
                    },
                )
                .send(),
        ),
        "delete_flow" => show(client.delete_flow("flow-1").send()),
        "download_flow" => {
            let mut d = client.download_flow("flow-1").send().map_err(|e| e.to_string())?;
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut d, &mut bytes).map_err(|e| e.to_string())?;
            Ok(format!("{:?} {:?}", d.filename, String::from_utf8_lossy(&bytes)))
        }
        "run_flow_now" => show(
            client
                .run_flow_now(
                    "flow-1",
                    RunFlowNowRequest {
                        flow_run_spec: Some(flow_run_spec()),
                    },
                )
                .flow_output_step_ids(["step-1", "step-2"])
                .flow_run_mode(FlowRunMode::Incremental)
                .send(),
        ),
        "get_flow_run" => show(client.get_flow_run("run-1").send()),
        "get_flow_runs" => show(client.get_flow_runs().filter("flowId:eq:flow-1").send()),
        "cancel_flow_run" => show(client.cancel_flow_run("run-1").send()),
        "add_flow_task_to_schedule" => show(
            client
                .add_flow_task_to_schedule(
                    "schedule-1",
                    AddFlowTaskToScheduleRequest {
                        task: NewFlowTask {
                            flow_run: NewFlowRun {
                                flow: FlowRef { id: "flow-1".into() },
                                flow_run_spec: Some(FlowRunSpec {
                                    run_mode: None,
                                    output_steps: Vec::new(),
                                    ..flow_run_spec()
                                }),
                            },
                        },
                    },
                )
                .send(),
        ),
        "create_cloud_flow_task" => show(
            client
                .create_cloud_flow_task(CreateCloudFlowTaskRequest {
                    task: NewFlowTask {
                        flow_run: NewFlowRun {
                            flow: FlowRef { id: "flow-1".into() },
                            flow_run_spec: None,
                        },
                    },
                    schedule: CloudFlowTaskSchedule {
                        frequency: ScheduleFrequency::Daily,
                        frequency_details: FrequencyDetails {
                            start: Time::from_hms(12, 30, 0).unwrap(),
                            end: Some(Time::from_hms(23, 30, 0).unwrap()),
                            intervals: vec![
                                Interval {
                                    hours: Some(4),
                                    ..Default::default()
                                },
                                Interval {
                                    week_day: Some(WeekDay::Monday),
                                    ..Default::default()
                                },
                            ],
                        },
                    },
                })
                .send(),
        ),
        "get_flow_run_task" => show(client.get_flow_run_task("task-1").send()),
        "get_flow_run_tasks" => show(client.get_flow_run_tasks().send()),
        "run_flow_task" => show(client.run_flow_task("task-1").send()),
        "get_linked_task" => show(client.get_linked_task("linked-1").send()),
        "get_linked_tasks" => show(client.get_linked_tasks().page_size(5).send()),
        "run_linked_task_now" => show(client.run_linked_task_now("linked-1").send()),
        "query_flow_connections" => show(client.query_flow_connections("flow-1").send()),
        "update_flow_connection" => show(
            client
                .update_flow_connection(
                    "flow-1",
                    "conn-1",
                    UpdateFlowConnectionRequest {
                        connection: Connection {
                            server_address: Some("db2.example.com".into()),
                            server_port: Some(1433),
                            user_name: Some("svc".into()),
                            password: Some(Secret::new("new-pw")),
                            embed_password: Some(true),
                            ..Default::default()
                        },
                    },
                )
                .send(),
        ),
        "add_flow_permissions" => show(
            client
                .add_flow_permissions(
                    "flow-1",
                    AddFlowPermissionsRequest {
                        permissions: Permissions {
                            flow: Some(Flow {
                                id: Some("flow-1".into()),
                                ..Default::default()
                            }),
                            grantees: vec![
                                GranteeCapabilities {
                                    user: Some(UserRef {
                                        id: "user-1".into(),
                                        name: None,
                                    }),
                                    group: None,
                                    capabilities: vec![
                                        capability(CapabilityName::Read, CapabilityMode::Allow),
                                        capability(CapabilityName::Execute, CapabilityMode::Allow),
                                    ],
                                },
                                GranteeCapabilities {
                                    user: None,
                                    group: Some(GroupRef {
                                        id: "group-1".into(),
                                        name: None,
                                    }),
                                    capabilities: vec![capability(CapabilityName::Delete, CapabilityMode::Deny)],
                                },
                            ],
                        },
                    },
                )
                .send(),
        ),
        "list_flow_permissions" => show(client.list_flow_permissions("flow-1").send()),
        "delete_flow_permission_for_group" => show(
            client
                .delete_flow_permission_for_group("flow-1", "group-1", CapabilityName::Write, CapabilityMode::Deny)
                .send(),
        ),
        "delete_flow_permission_for_user" => show(
            client
                .delete_flow_permission_for_user("flow-1", "user/1", CapabilityName::ExportXml, CapabilityMode::Allow)
                .send(),
        ),
        other => panic!("endpoint {other} has no case in this test"),
    }
}

/// The scripted success answer of each endpoint: its example where the spec keeps one.
fn answer(id: &str) -> Answer {
    let has_example = tableau_flows_tests::spec_dir().join("examples").join(format!("{id}.xml")).exists();
    if has_example {
        let status = if id == "publish_flow" { 201 } else { 200 };
        return Answer::xml(status, example(id));
    }
    match id {
        "sign_in" => Answer::xml(200, doc(r#"<credentials token="session-token" estimatedTimeToExpiration="364:48:01"><site id="site-9" contentUrl="marketing"/><user id="user-9"/></credentials>"#)),
        "sign_out" | "delete_flow" | "delete_flow_permission_for_group" | "delete_flow_permission_for_user" => Answer::empty(204),
        "cancel_flow_run" => Answer::empty(200),
        "server_info" => Answer::xml(200, doc(r#"<serverInfo><productVersion build="20242.24.0612.0334">2024.2.0</productVersion><prepConductorVersion>20242.24.0612.0334</prepConductorVersion><restApiVersion>3.23</restApiVersion><platform>linux</platform></serverInfo>"#)),
        "query_job" => Answer::xml(200, doc(r#"<job id="job-1" mode="Asynchronous" type="RunFlow" progress="100" createdAt="2024-04-09T18:54:12Z" completedAt="" finishCode="0"><runFlowJobType flowRunId="run-1"><flow id="flow-1" name="Coffee"/></runFlowJobType></job>"#)),
        "initiate_file_upload" | "append_to_file_upload" => Answer::xml(201, doc(r#"<fileUpload uploadSessionId="6:B3D4-0" fileSize="0"/>"#)),
        "download_flow" => Answer {
            status: 200,
            headers: vec![
                ("Content-Type".into(), "application/octet-stream".into()),
                ("Content-Disposition".into(), r#"attachment; filename="../Coffee Chain.tflx""#.into()),
            ],
            body: b"PK\x03\x04flow".to_vec(),
            delay: None,
        },
        "update_flow_connection" => Answer::xml(200, doc(r#"<connection id="conn-1" serverAddress="db2.example.com" serverPort="1433" userName="svc"/>"#)),
        other => panic!("no answer scripted for {other}"),
    }
}

#[test]
fn every_endpoint_request_and_answer() {
    let server = TestServer::start();
    let client = server.client();
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    for e in &spec.endpoints {
        server.push(answer(&e.id));
        let result = call(&client, &e.id).unwrap_or_else(|err| panic!("{}: {err}", e.id));
        let requests = server.take_requests();
        assert_eq!(requests.len(), 1, "{}", e.id);
        let req = &requests[0];
        assert_eq!(req.method, e.method, "{}", e.id);
        let expected_prefix = format!("/api/3.24{}", e.path.split('{').next().unwrap());
        assert!(req.url.starts_with(&expected_prefix), "{}: {}", e.id, req.url);
        assert_eq!(req.header("x-tableau-auth").is_some(), e.auth, "{}: auth header", e.id);
        insta::assert_snapshot!(format!("request_{}", e.id), req.render());
        assert!(!result.is_empty(), "{}", e.id);
    }
}

#[test]
fn secrets_are_sent_but_never_shown() {
    let server = TestServer::start();
    let client = server.client();
    server.push(answer("sign_in"));
    let out = call(&client, "sign_in").unwrap();
    let req = &server.take_requests()[0];
    assert!(req.body_text().contains(r#"personalAccessTokenSecret="s3cr3t""#));
    assert!(!out.contains("session-token"), "Debug shows the token: {out}");
    assert!(out.contains("<redacted>") || out.contains("Secret(<redacted>)"));
    assert!(!format!("{:?}", client.session()).contains("token-1"));
}

#[test]
fn decoded_answers() {
    let server = TestServer::start();
    let client = server.client();
    server.push(answer("query_flow"));
    let q = client.query_flow("flow-1").send().unwrap();
    assert_eq!(q.output_steps.len(), 3);
    assert_eq!(q.flow.name.as_deref(), Some("SQLServerUserNamePassword Good"));
    server.push(answer("get_flow_runs"));
    let runs = client.get_flow_runs().send().unwrap();
    assert!(runs.pagination.is_none(), "real servers send no pagination (S1)");
    assert!(runs.runs.iter().any(|r| r.status == Some(RunStatus::InProgress) && r.completed_at.is_none()));
    server.push(answer("download_flow"));
    let d = client.download_flow("flow-1").send().unwrap();
    assert_eq!(d.filename.as_deref(), Some("Coffee Chain.tflx"), "directories are stripped from the file name");
    server.push(answer("server_info"));
    let info = client.server_info().send().unwrap();
    assert_eq!(info.server_info.unwrap().rest_api_version.as_deref(), Some("3.23"));
}

#[test]
fn path_segments_are_percent_encoded() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::empty(204));
    client.delete_flow("a/b c?d").send().unwrap();
    assert_eq!(server.take_requests()[0].url, "/api/3.24/sites/site-1/flows/a%2Fb%20c%3Fd");
}

#[test]
fn service_errors_are_typed_per_endpoint() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::error(404, 404027, "Flow not found", "No flow with id flow-9."));
    let err = client.query_flow("flow-9").send().unwrap_err();
    let Error::Api(api) = &err else { panic!("{err:?}") };
    assert_eq!(api.status, 404);
    assert_eq!(api.code, ErrorCode::FlowNotFound);
    assert_eq!(api.code.code(), 404027);
    assert_eq!(api.kind, QueryFlowError::FlowNotFound);
    assert_eq!(api.summary, "Flow not found");
    assert_eq!(api.detail, "No flow with id flow-9.");
    assert_eq!(err.to_string(), "HTTP 404, error 404027: Flow not found: No flow with id flow-9.");

    // A code the endpoint's table does not list.
    server.push(Answer::error(404, 404036, "Flow run not found", "x"));
    let err = client.query_flow("flow-9").send().unwrap_err();
    assert_eq!(err.kind(), Some(QueryFlowError::Unhandled(ErrorCode::FlowRunNotFound)));

    // A code nobody knows.
    server.push(Answer::error(400, 400999, "New", "x"));
    let err = client.query_flow("flow-9").send().unwrap_err();
    assert_eq!(err.kind(), Some(QueryFlowError::Unhandled(ErrorCode::Other(400999))));
    assert_eq!(ErrorCode::Other(400999).http_status(), 400);
}

#[test]
fn a_2xx_answer_holding_an_error_is_an_error() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::error(200, 403135, "Flow run already complete", "Run run-1 finished."));
    let err = client.cancel_flow_run("run-1").send().unwrap_err();
    let Error::Api(api) = err else { panic!() };
    assert_eq!(api.status, 200);
    assert_eq!(api.kind, CancelFlowRunError::FlowRunAlreadyComplete);
    // Also when the success answer is a document.
    server.push(Answer::error(200, 404027, "Flow not found", "gone"));
    assert_eq!(client.query_flow("f").send().unwrap_err().kind(), Some(QueryFlowError::FlowNotFound));
}

#[test]
fn answers_that_are_not_error_documents() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::xml(502, "<html><body>Bad gateway</body></html>"));
    match client.query_flow("f").send().unwrap_err() {
        Error::UnexpectedStatus { status, body } => {
            assert_eq!(status, 502);
            assert!(body.contains("Bad gateway"));
        }
        other => panic!("{other:?}"),
    }
    server.push(Answer::xml(200, "<tsResponse><flow id=\"f\"><project"));
    assert!(matches!(client.query_flow("f").send().unwrap_err(), Error::Decode(_)));
    server.push(Answer::xml(200, doc(r#"<flow id="f" createdAt="yesterday"/>"#)));
    let err = client.query_flow("f").send().unwrap_err();
    assert!(err.to_string().contains("createdAt"), "{err}");
}

#[test]
fn calls_newer_than_the_client_fail_before_sending() {
    let server = TestServer::start();
    let client = server.client_with(|b| b.api_version(ApiVersion::new(3, 6)));
    // An endpoint newer than 3.6.
    let err = client.get_flow_runs().send().unwrap_err();
    assert_eq!(err.to_string(), "endpoint get_flow_runs needs API 3.10, but the client speaks API 3.6");
    // A query parameter newer than 3.6.
    let err = client.run_flow_now("f", RunFlowNowRequest::default()).flow_run_mode(FlowRunMode::Full).send().unwrap_err();
    assert_eq!(err.to_string(), "query parameter `flowRunMode` of run_flow_now needs API 3.24, but the client speaks API 3.6");
    // A body field newer than 3.6.
    let err = client
        .run_flow_now("f", RunFlowNowRequest { flow_run_spec: Some(flow_run_spec()) })
        .send()
        .unwrap_err();
    assert!(matches!(&err, Error::Unsupported(v) if v.required == ApiVersion::new(3, 24)), "{err}");
    // An enum value newer than 3.6, in a body and in a path.
    let err = call(&client, "add_flow_permissions").unwrap_err();
    assert_eq!(err, "CapabilityName::Execute needs API 3.24, but the client speaks API 3.6");
    let err = client
        .delete_flow_permission_for_user("f", "u", CapabilityName::WebAuthoringForFlows, CapabilityMode::Allow)
        .send()
        .unwrap_err();
    assert!(err.to_string().starts_with("CapabilityName::WebAuthoringForFlows needs API 3.24"), "{err}");
    assert!(server.take_requests().is_empty(), "nothing may be sent");
    // What 3.6 had still works.
    server.push(Answer::empty(204));
    client.delete_flow_permission_for_user("f", "u", CapabilityName::Read, CapabilityMode::Allow).send().unwrap();
    assert_eq!(server.take_requests()[0].url, "/api/3.6/sites/site-1/flows/f/permissions/users/u/Read/Allow");
}

#[test]
fn bad_arguments_and_missing_sessions_fail_before_sending() {
    let server = TestServer::start();
    let client = server.client();
    let err = client.query_flows_for_site().page_size(0).send().unwrap_err();
    assert_eq!(err.to_string(), "invalid argument: pageSize must be between 1 and 1000, not 0");
    let err = client.query_flows_for_site().page_size(1001).send().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
    client.clear_session();
    assert!(matches!(client.query_flow("f").send().unwrap_err(), Error::NotSignedIn));
    assert!(server.take_requests().is_empty());
    // Endpoints without auth need no session.
    server.push(answer("server_info"));
    client.server_info().send().unwrap();
    assert!(server.take_requests()[0].header("x-tableau-auth").is_none());
}

#[test]
fn plain_http_only_to_loopback() {
    assert!(Client::builder("http://tableau.example.com").build().is_err());
    assert!(Client::builder("http://tableau.example.com").allow_plain_http(true).build().is_ok());
    assert!(Client::builder("http://127.0.0.1:8080").build().is_ok());
    assert!(Client::builder("ftp://x").build().is_err());
}
