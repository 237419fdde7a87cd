//! The fixed inputs of every endpoint, shared by the request snapshots and the schema check.

use crate::Answer;
use crate::tf::*;

/// A fixed id.
pub const FLOW: &str = "d00700fe-28a0-4ece-a7af-5543ddf38a82";
/// A fixed id.
pub const PROJECT: &str = "6f8a2966-e173-11e8-ae74-ffd84c19d7f3";
/// A fixed id.
pub const PROJECT2: &str = "9077e04c-ece4-11e8-aa58-df538c72f42f";
/// A fixed id.
pub const USER: &str = "711e59cf-d1c0-446e-be48-3673ae067f7b";
/// A fixed id.
pub const USER2: &str = "5a39de9c-4eb0-47a7-88f7-2e78ddd58c6b";
/// A fixed id.
pub const GROUP: &str = "9de5cc1a-5bb8-4c8e-b2cd-b54e736a7b9f";
/// A fixed id.
pub const PARAM: &str = "ebfad780-c19f-42a2-822a-406468269a02";
/// A fixed id.
pub const STEP: &str = "5e4c9a74-d29a-4f62-baa5-97c443440dfc";
/// A fixed id.
pub const STEP2: &str = "baa85bce-6aab-434a-8070-72625ded8cb6";
/// A fixed id.
pub const CONN: &str = "5fd1c1db-572f-4ebd-94e7-a09e212bc147";
/// A fixed id.
pub const JOB: &str = "57a8d2f6-899c-4c0f-9b25-fe0d007c5ad0";
/// A fixed id.
pub const RUN: &str = "34b9f6d3-222a-4f2f-8a22-dd2f228a6ff2";
/// A fixed id.
pub const TASK: &str = "1bff10bb-57ae-43df-8774-a86d14aef432";
/// A fixed id.
pub const LINKED: &str = "18d267af-4c40-4d06-8234-6a08c3dea67f";
/// A fixed id.
pub const SCHEDULE: &str = "9a4ebbab-9ec8-487a-9b48-47fa81d6077a";

pub fn example(id: &str) -> String {
    let path = crate::spec_dir().join("examples").join(format!("{id}.xml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub const NS: &str = r#"xmlns="http://tableau.com/api""#;

pub fn doc(inner: &str) -> String {
    format!("<?xml version='1.0' encoding='UTF-8'?><tsResponse {NS}>{inner}</tsResponse>")
}

pub fn flow_run_spec() -> FlowRunSpec {
    model!(
        FlowRunSpec::new(),
        flow_id = Some(FLOW.into()),
        run_mode = Some(FlowRunMode::Incremental),
        parameter_specs = vec![model!(
            FlowParameterSpec::new(PARAM),
            override_value = Some("North & <South>".into()),
        )],
        output_steps = vec![FlowOutputStep::new(STEP)],
    )
}

pub fn capability(name: Capability, mode: CapabilityMode) -> CapabilityRule {
    CapabilityRule::new(name, mode)
}

/// Runs one endpoint with fixed inputs; returns the decoded answer's Debug text.
pub fn call(client: &Client, id: &str) -> Result<String, String> {
    fn show<T: std::fmt::Debug, E: std::fmt::Display>(
        r: Result<T, CallError<E>>,
    ) -> Result<String, String> {
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
                            content_url: Some("marketing".into()),
                        },
                        ..Default::default()
                    },
                })
                .send(),
        ),
        "sign_out" => show(client.sign_out().send()),
        "server_info" => show(client.server_info().send()),
        "query_job" => show(client.query_job(JOB).send()),
        "query_jobs" => show(
            client
                .query_jobs()
                .filter(
                    Filter::new()
                        .eq("status", "InProgress")
                        .is_in("jobType", ["run_flow", "refresh_extracts"]),
                )
                .sort(Sort::new().desc("createdAt"))
                .page_size(50)
                .send(),
        ),
        "cancel_job" => show(client.cancel_job(JOB).send()),
        "query_projects" => show(
            client
                .query_projects()
                .filter(Filter::new().eq("name", "Sales"))
                .send(),
        ),
        "get_users_on_site" => show(
            client
                .get_users_on_site()
                .filter(Filter::new().is_in("siteRole", ["Creator", "Viewer"]))
                .field_expression("_all_")
                .send(),
        ),
        "query_user_on_site" => show(client.query_user_on_site(USER2).send()),
        "query_project_permissions" => show(client.query_project_permissions(PROJECT).send()),
        "query_default_workbook_permissions" => {
            show(client.query_default_workbook_permissions(PROJECT).send())
        }
        "query_default_datasource_permissions" => {
            show(client.query_default_datasource_permissions(PROJECT).send())
        }
        "query_default_flow_permissions" => {
            show(client.query_default_flow_permissions(PROJECT2).send())
        }
        "query_groups" => show(client.query_groups().sort(Sort::new().asc("name")).send()),
        "list_server_schedules" => show(client.list_server_schedules().page_size(50).send()),
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
        "query_flows_for_user" => show(
            client
                .query_flows_for_user(USER)
                .owned_by(true)
                .page_size(10)
                .send(),
        ),
        "query_flow" => show(client.query_flow(FLOW).send()),
        "publish_flow" => show(
            client
                .publish_flow(PublishFlowRequest {
                    flow: PublishFlow {
                        name: "Coffee Chain".into(),
                        description: Some("Cleans sales data".into()),
                        project: ProjectRef::new(PROJECT),
                    },
                    connections: vec![model!(
                        Connection::new(),
                        id = Some(CONN.into()),
                        server_address = Some("db.example.com".into()),
                        server_port = Some(5432),
                        credentials = Some(model!(
                            ConnectionCredentials::new(),
                            name = Some("analyst".into()),
                            password = Some(Secret::new("pw")),
                            embed = Some(true),
                        )),
                    )],
                })
                .overwrite(true)
                .file(FilePart::from_bytes(
                    "coffee.tflx",
                    b"PK\x03\x04flow-bytes".to_vec(),
                ))
                .send(),
        ),
        "update_flow" => show(
            client
                .update_flow(
                    FLOW,
                    UpdateFlowRequest {
                        flow: FlowUpdate {
                            project: Some(ProjectRef::new(PROJECT2)),
                            owner: Some(UserRef::new(USER2)),
                        },
                    },
                )
                .send(),
        ),
        "delete_flow" => show(client.delete_flow(FLOW).send()),
        "add_tags_to_flow" => show(
            client
                .add_tags_to_flow(FLOW, AddTagsToFlowRequest::new(["daily", "Yearly Sales"]))
                .send(),
        ),
        "delete_tag_from_flow" => show(client.delete_tag_from_flow(FLOW, "Sales #1/2").send()),
        "get_flow_document" => {
            let d = client
                .get_flow_document(FLOW)
                .send()
                .map_err(|e| e.to_string())?;
            Ok(String::from_utf8_lossy(d.as_bytes()).into_owned())
        }
        "download_flow" => {
            let mut d = client
                .download_flow(FLOW)
                .send()
                .map_err(|e| e.to_string())?;
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut d, &mut bytes).map_err(|e| e.to_string())?;
            Ok(format!(
                "{:?} {:?}",
                d.filename,
                String::from_utf8_lossy(&bytes)
            ))
        }
        "run_flow_now" => show(
            client
                .run_flow_now(
                    FLOW,
                    RunFlowNowRequest {
                        flow_run_spec: Some(flow_run_spec()),
                    },
                )
                .flow_output_step_ids([STEP, STEP2])
                .flow_run_mode(FlowRunMode::Incremental)
                .send(),
        ),
        "get_flow_run" => show(client.get_flow_run(RUN).send()),
        "get_flow_runs" => show(client.get_flow_runs().filter("flowId:eq:flow-1").send()),
        "cancel_flow_run" => show(client.cancel_flow_run(RUN).send()),
        "add_flow_task_to_schedule" => show(
            client
                .add_flow_task_to_schedule(
                    SCHEDULE,
                    AddFlowTaskToScheduleRequest {
                        task: NewFlowTask {
                            flow_run: NewFlowRun {
                                flow: FlowRef { id: FLOW.into() },
                                flow_run_spec: Some(model!(
                                    flow_run_spec(),
                                    run_mode = None,
                                    output_steps = Vec::new(),
                                )),
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
                            flow: FlowRef { id: FLOW.into() },
                            flow_run_spec: None,
                        },
                    },
                    schedule: CloudFlowTaskSchedule {
                        frequency: ScheduleFrequency::Daily,
                        frequency_details: model!(
                            FrequencyDetails::new(Time::from_hms(12, 30, 0).unwrap()),
                            end = Some(Time::from_hms(23, 30, 0).unwrap()),
                            intervals = vec![
                                model!(Interval::new(), hours = Some(4)),
                                model!(Interval::new(), week_day = Some(WeekDay::Monday)),
                            ],
                        ),
                    },
                })
                .send(),
        ),
        "get_flow_run_task" => show(client.get_flow_run_task(TASK).send()),
        "get_flow_run_tasks" => show(client.get_flow_run_tasks().send()),
        "run_flow_task" => show(client.run_flow_task(TASK).send()),
        "get_linked_task" => show(client.get_linked_task(LINKED).send()),
        "get_linked_tasks" => show(client.get_linked_tasks().page_size(5).send()),
        "run_linked_task_now" => show(client.run_linked_task_now(LINKED).send()),
        "query_flow_connections" => show(client.query_flow_connections(FLOW).send()),
        "update_flow_connection" => show(
            client
                .update_flow_connection(
                    FLOW,
                    CONN,
                    UpdateFlowConnectionRequest {
                        connection: ConnectionUpdate {
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
                    FLOW,
                    AddFlowPermissionsRequest {
                        permissions: NewPermissions {
                            flow: Some(FlowRef { id: FLOW.into() }),
                            grantees: vec![
                                model!(
                                    GranteeCapabilities::new(),
                                    user = Some(UserRef::new(USER)),
                                    capabilities = vec![
                                        capability(Capability::Read, CapabilityMode::Allow),
                                        capability(Capability::Execute, CapabilityMode::Allow),
                                    ],
                                ),
                                model!(
                                    GranteeCapabilities::new(),
                                    group = Some(GroupRef::new(GROUP)),
                                    capabilities =
                                        vec![capability(Capability::Delete, CapabilityMode::Deny,)],
                                ),
                            ],
                        },
                    },
                )
                .send(),
        ),
        "list_flow_permissions" => show(client.list_flow_permissions(FLOW).send()),
        "delete_flow_permission_for_group" => show(
            client
                .delete_flow_permission_for_group(
                    FLOW,
                    GROUP,
                    Capability::Write,
                    CapabilityMode::Deny,
                )
                .send(),
        ),
        "delete_flow_permission_for_user" => show(
            client
                .delete_flow_permission_for_user(
                    FLOW,
                    USER,
                    Capability::ExportXml,
                    CapabilityMode::Allow,
                )
                .send(),
        ),
        other => panic!("endpoint {other} has no case in this test"),
    }
}

/// The scripted success answer of each endpoint: its example where the spec keeps one.
pub fn answer(id: &str) -> Answer {
    let has_example = crate::spec_dir()
        .join("examples")
        .join(format!("{id}.xml"))
        .exists();
    if has_example {
        let status = if id == "publish_flow" { 201 } else { 200 };
        return Answer::xml(status, example(id));
    }
    match id {
        "sign_in" => Answer::xml(
            200,
            doc(
                r#"<credentials token="session-token" estimatedTimeToExpiration="364:48:01"><site id="site-9" contentUrl="marketing"/><user id="user-9"/></credentials>"#,
            ),
        ),
        "sign_out"
        | "delete_flow"
        | "delete_tag_from_flow"
        | "delete_flow_permission_for_group"
        | "delete_flow_permission_for_user" => Answer::empty(204),
        "cancel_flow_run" | "cancel_job" => Answer::empty(200),
        "server_info" => Answer::xml(
            200,
            doc(
                r#"<serverInfo><productVersion build="20242.24.0612.0334">2024.2.0</productVersion><prepConductorVersion>20242.24.0612.0334</prepConductorVersion><restApiVersion>3.23</restApiVersion><platform>linux</platform></serverInfo>"#,
            ),
        ),
        "query_job" => Answer::xml(
            200,
            doc(
                r#"<job id="57a8d2f6-899c-4c0f-9b25-fe0d007c5ad0" mode="Asynchronous" type="RunFlow" progress="100" createdAt="2024-04-09T18:54:12Z" completedAt="" finishCode="0"><runFlowJobType flowRunId="34b9f6d3-222a-4f2f-8a22-dd2f228a6ff2"><flow id="d00700fe-28a0-4ece-a7af-5543ddf38a82" name="Coffee"/></runFlowJobType></job>"#,
            ),
        ),
        "initiate_file_upload" | "append_to_file_upload" => Answer::xml(
            201,
            doc(r#"<fileUpload uploadSessionId="6:B3D4-0" fileSize="0"/>"#),
        ),
        "get_flow_document" => Answer {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: br#"{"nodes": {}, "initialNodes": []}"#.to_vec(),
            delay: None,
        },
        "download_flow" => Answer {
            status: 200,
            headers: vec![
                ("Content-Type".into(), "application/octet-stream".into()),
                (
                    "Content-Disposition".into(),
                    r#"attachment; filename="../Coffee Chain.tflx""#.into(),
                ),
            ],
            body: b"PK\x03\x04flow".to_vec(),
            delay: None,
        },
        "update_flow_connection" => Answer::xml(
            200,
            doc(
                r#"<connection id="5fd1c1db-572f-4ebd-94e7-a09e212bc147" serverAddress="db2.example.com" serverPort="1433" userName="svc"/>"#,
            ),
        ),
        other => panic!("no answer scripted for {other}"),
    }
}
