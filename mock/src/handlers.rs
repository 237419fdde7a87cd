//! What each endpoint does to the state. Routing, versions and query checks are done before
//! (`router.rs`, from the spec); bodies are decoded and answers encoded with the client's models.

use crate::router::Routed;
use crate::state::{self, Domain, Grant, Role, State, new_id};
use crate::{ApiFailure, Reply};
use std::sync::Arc;
use std::time::Duration;
use tableau_flows as tf;
use tableau_flows::xml::Document;
use tableau_flows::{ApiVersion, CapabilityMode, CapabilityName, RunStatus};

type Result<T> = std::result::Result<T, ApiFailure>;

const V3_10: ApiVersion = ApiVersion::new(3, 10);
const V3_24: ApiVersion = ApiVersion::new(3, 24);

/// The 403 codes that mean "no permission" (others mean a disabled setting, a finished run...).
const PERMISSION_CODES: &[u32] = &[
    403004, 403007, 403030, 403092, 403097, 403098, 403101, 403103, 403137,
];

fn bad(detail: impl Into<String>) -> ApiFailure {
    ApiFailure::new(400, 400000, "Bad request", detail)
}

fn not_found(code: u32, summary: &str, what: &str, id: &str) -> ApiFailure {
    ApiFailure::new(404, code, summary, format!("no {what} with id {id}"))
}

fn decode<T: Document>(body: &[u8]) -> Result<T> {
    tf::xml::decode_document(body).map_err(|e| bad(format!("the request body: {e}")))
}

fn xml<T: Document>(status: u16, doc: T) -> Result<Reply> {
    Ok(Reply::Xml(status, tf::xml::encode_response(&doc)))
}

struct Cx<'a> {
    state: &'a mut State,
    version: ApiVersion,
    r: &'a Routed,
    user_id: String,
    site_id: String,
}

impl Cx<'_> {
    fn path(&self, name: &str) -> &str {
        self.r.path.get(name).map(String::as_str).unwrap_or("")
    }

    fn query(&self, name: &str) -> Option<&str> {
        self.r.query.get(name).map(String::as_str)
    }

    fn user(&self) -> &state::User {
        self.state
            .users
            .iter()
            .find(|u| u.id == self.user_id)
            .expect("a session's user exists")
    }

    fn admin(&self) -> bool {
        self.user().role == Role::Admin
    }

    /// The 403 this endpoint's error table lists for a missing permission.
    fn forbidden(&self, detail: impl Into<String>) -> ApiFailure {
        let code = self
            .r
            .meta
            .errors
            .iter()
            .copied()
            .find(|c| PERMISSION_CODES.contains(c))
            .unwrap_or(403004);
        ApiFailure::new(403, code, tf::ErrorCode::from_code(code).summary(), detail)
    }

    fn flow(&self, id: &str) -> Result<&state::Flow> {
        self.state
            .flows
            .get(id)
            .filter(|f| f.site_id == self.site_id)
            .ok_or_else(|| not_found(404027, "Flow not found", "flow", id))
    }

    /// Whether the user holds `capability` on the flow: administrators and owners hold all; others
    /// need an Allow (for them or a group of theirs) and no Deny.
    fn can(&self, flow: &state::Flow, capability: CapabilityName) -> bool {
        if self.admin() || flow.owner_id == self.user_id {
            return true;
        }
        let groups: Vec<&str> = self
            .state
            .groups
            .iter()
            .filter(|g| g.members.contains(&self.user_id))
            .map(|g| g.id.as_str())
            .collect();
        let mine = |g: &&Grant| {
            g.flow_id == flow.id
                && g.capability == capability
                && if g.group {
                    groups.contains(&g.grantee.as_str())
                } else {
                    g.grantee == self.user_id
                }
        };
        let grants: Vec<&Grant> = self.state.grants.iter().filter(mine).collect();
        grants.iter().any(|g| g.mode == CapabilityMode::Allow)
            && !grants.iter().any(|g| g.mode == CapabilityMode::Deny)
    }

    fn flow_with(&self, id: &str, capability: CapabilityName) -> Result<state::Flow> {
        let flow = self.flow(id)?;
        if !self.can(flow, capability.clone()) {
            return Err(self.forbidden(format!(
                "{} may not {capability} flow {id}",
                self.user().name
            )));
        }
        Ok(flow.clone())
    }

    fn time(&self, at: Duration) -> tf::DateTime {
        self.state.time(at)
    }

    fn flow_model(&self, f: &state::Flow, full: bool) -> tf::Flow {
        let project = self.state.projects.iter().find(|p| p.id == f.project_id);
        tf::Flow {
            id: f.id.clone().into(),
            name: Some(f.name.clone()),
            description: Some(f.description.clone()),
            webpage_url: Some(format!("{}/#/flows/{}", self.state.base_url, f.id)),
            file_type: Some(tf::FlowFileType::from(f.file_type.as_str())),
            created_at: Some(self.time(f.created_at)),
            updated_at: Some(self.time(f.updated_at)),
            project: Some(tf::Project {
                id: f.project_id.clone().into(),
                name: project.map(|p| p.name.clone()),
            }),
            owner: Some(tf::UserRef {
                id: f.owner_id.clone().into(),
                name: self
                    .state
                    .users
                    .iter()
                    .find(|u| u.id == f.owner_id)
                    .map(|u| u.name.clone()),
            }),
            tags: f
                .tags
                .iter()
                .map(|t| tf::Tag { label: t.clone() })
                .collect(),
            parameters: if full && self.version >= V3_24 {
                f.parameters.iter().map(parameter_model).collect()
            } else {
                Vec::new()
            },
            ..Default::default()
        }
    }

    fn flow_ref(&self, flow_id: &str) -> tf::Flow {
        let name = self.state.flows.get(flow_id).map(|f| f.name.clone());
        tf::Flow {
            id: flow_id.into(),
            name,
            ..Default::default()
        }
    }

    fn run_model(&self, run: &state::FlowRun) -> tf::FlowRun {
        let (status, progress, ended) = self.state.run_status(run);
        tf::FlowRun {
            id: run.id.clone().into(),
            flow_id: Some(run.flow_id.clone().into()),
            status: Some(status),
            started_at: Some(self.time(run.starts_at)),
            completed_at: ended.map(|e| self.time(e)),
            progress: Some(progress),
            background_job_id: Some(run.job_id.clone().into()),
            parameter_runs: run
                .parameters
                .iter()
                .map(|(id, name, value)| tf::FlowParameterRun {
                    parameter_id: Some(id.clone().into()),
                    name: Some(name.clone()),
                    description: None,
                    override_value: Some(value.clone()),
                })
                .collect(),
            ..Default::default()
        }
    }

    fn job_model(&self, job: &state::Job) -> tf::Job {
        let run = self.state.runs.iter().find(|r| r.id == job.flow_run_id);
        let (status, progress, ended) = match run {
            Some(r) => self.state.run_status(r),
            None => (RunStatus::Success, 100, None),
        };
        let flow_id = run.map(|r| r.flow_id.clone()).unwrap_or_default();
        tf::Job {
            id: job.id.clone().into(),
            mode: Some(tf::JobMode::Asynchronous),
            job_type: Some(tf::JobType::RunFlow),
            created_at: Some(self.time(job.created_at)),
            started_at: run.map(|r| self.time(r.starts_at)),
            completed_at: ended.map(|e| self.time(e)),
            progress: Some(progress),
            finish_code: match status {
                RunStatus::Success => Some(0),
                RunStatus::Failed => Some(1),
                RunStatus::Cancelled => Some(2),
                _ => None,
            },
            run_flow_job: Some(tf::RunFlowJob {
                flow_run_id: (self.version >= V3_10).then(|| job.flow_run_id.clone().into()),
                flow: Some(self.flow_ref(&flow_id)),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn schedule_model(&self, id: &str) -> Option<tf::Schedule> {
        let s = self.state.schedules.iter().find(|s| s.id == id)?;
        Some(tf::Schedule {
            id: Some(s.id.clone().into()),
            name: Some(s.name.clone()),
            state: Some(tf::ScheduleState::Active),
            priority: Some(50),
            created_at: Some(self.time(s.created_at)),
            updated_at: Some(self.time(s.created_at)),
            schedule_type: Some(tf::ScheduleType::Flow),
            frequency: Some(tf::ScheduleFrequency::from(s.frequency.as_str())),
            next_run_at: Some(self.time(s.created_at + Duration::from_secs(86_400))),
            frequency_details: s.frequency_details.clone(),
            ..Default::default()
        })
    }

    fn task_model(&self, t: &state::FlowTask) -> tf::Task {
        let failed = self
            .state
            .runs
            .iter()
            .filter(|r| r.flow_id == t.flow_id)
            .rev()
            .take_while(|r| self.state.run_status(r).0 == RunStatus::Failed)
            .count();
        tf::Task {
            flow_run: Some(tf::TaskFlowRun {
                id: Some(t.id.clone().into()),
                priority: Some(50),
                consecutive_failed_count: Some(failed as u32),
                task_type: Some("RunFlowTask".into()),
                schedule: self.schedule_model(&t.schedule_id),
                flow: Some(self.flow_ref(&t.flow_id)),
                flow_run_spec: (!t.parameters.is_empty()).then(|| tf::FlowRunSpec {
                    flow_id: Some(t.flow_id.clone().into()),
                    parameter_specs: t
                        .parameters
                        .iter()
                        .map(|(id, v)| tf::FlowParameterSpec {
                            parameter_id: id.clone().into(),
                            override_value: v.clone(),
                        })
                        .collect(),
                    ..Default::default()
                }),
                parameter_runs: Vec::new(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn linked_model(&self, l: &state::LinkedTask) -> tf::LinkedTask {
        tf::LinkedTask {
            id: l.id.clone().into(),
            num_steps: Some(l.steps.len() as u32),
            schedule: self.schedule_model(&l.schedule_id),
            steps: l
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| tf::LinkedTaskStep {
                    id: Some(s.id.clone().into()),
                    step_number: Some(i as u32 + 1),
                    stop_downstream_tasks_on_failure: Some(s.stop_downstream_on_failure),
                    task: self
                        .state
                        .tasks
                        .iter()
                        .find(|t| t.id == s.task_id)
                        .map(|t| self.task_model(t)),
                })
                .collect(),
        }
    }

    fn permissions_model(&self, flow: &state::Flow) -> tf::Permissions {
        let mut grantees: Vec<tf::GranteeCapabilities> = Vec::new();
        for g in self.state.grants.iter().filter(|g| g.flow_id == flow.id) {
            let cap = tf::Capability {
                name: g.capability.clone(),
                mode: g.mode.clone(),
            };
            let same = |x: &&mut tf::GranteeCapabilities| {
                if g.group {
                    x.group.as_ref().is_some_and(|r| r.id.as_str() == g.grantee)
                } else {
                    x.user.as_ref().is_some_and(|r| r.id.as_str() == g.grantee)
                }
            };
            match grantees.iter_mut().find(same) {
                Some(x) => x.capabilities.push(cap),
                None => grantees.push(tf::GranteeCapabilities {
                    user: (!g.group).then(|| tf::UserRef {
                        id: g.grantee.clone().into(),
                        name: None,
                    }),
                    group: g.group.then(|| tf::GroupRef {
                        id: g.grantee.clone().into(),
                        name: self
                            .state
                            .groups
                            .iter()
                            .find(|x| x.id == g.grantee)
                            .map(|x| x.name.clone()),
                    }),
                    capabilities: vec![cap],
                    ..Default::default()
                }),
            }
        }
        tf::Permissions {
            flow: Some(tf::Flow {
                owner: Some(tf::UserRef {
                    id: flow.owner_id.clone().into(),
                    name: None,
                }),
                ..self.flow_ref(&flow.id)
            }),
            grantees,
            ..Default::default()
        }
    }

    /// Checks run-time parameter values (from API 3.24) and returns (id, name, value) triples.
    fn run_parameters(
        &self,
        flow: &state::Flow,
        given: &[(String, String)],
    ) -> Result<Vec<(String, String, String)>> {
        if self.version < V3_24 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for (id, value) in given {
            let p = flow
                .parameters
                .iter()
                .find(|p| &p.id == id)
                .ok_or_else(|| not_found(404043, "Flow parameter not found", "parameter", id))?;
            if let Err(reason) = check_value(p, value) {
                return Err(ApiFailure::new(
                    400,
                    400148,
                    "Invalid parameter override value",
                    format!("{}: {reason}", p.name),
                ));
            }
            out.push((p.id.clone(), p.name.clone(), value.clone()));
        }
        for p in &flow.parameters {
            if p.required && p.value.is_empty() && !given.iter().any(|(id, _)| id == &p.id) {
                return Err(ApiFailure::new(
                    400,
                    400149,
                    "Missing run-time parameter value",
                    format!("the required parameter {} has no value", p.name),
                ));
            }
        }
        Ok(out)
    }

    /// Queues a run of a flow; `after` delays its start (linked task steps).
    fn start_run(
        &mut self,
        flow_id: &str,
        parameters: Vec<(String, String, String)>,
        after: Duration,
        blocked_by: Option<String>,
    ) -> state::Job {
        let now = self.state.now();
        let job_id = new_id();
        let run = state::FlowRun {
            id: new_id(),
            flow_id: flow_id.to_owned(),
            user_id: self.user_id.clone(),
            job_id: job_id.clone(),
            starts_at: now + after,
            cancelled_at: None,
            parameters,
            blocked_by,
            site_id: self.site_id.clone(),
        };
        let job = state::Job {
            id: job_id,
            flow_run_id: run.id.clone(),
            created_at: now,
        };
        self.state.runs.push(run);
        self.state.jobs.push(job.clone());
        job
    }
}

fn parameter_model(p: &state::Parameter) -> tf::FlowParameter {
    let (values, min, max, step) = match &p.domain {
        Domain::List(v) => (v.clone(), None, None, None),
        Domain::Range { min, max, step } => (
            Vec::new(),
            Some(min.to_string()),
            Some(max.to_string()),
            Some(step.to_string()),
        ),
        Domain::Any => (Vec::new(), None, None, None),
    };
    tf::FlowParameter {
        id: p.id.clone().into(),
        data_type: Some(p.data_type.clone()),
        name: Some(p.name.clone()),
        description: Some(format!("The {} parameter", p.name)),
        value: Some(p.value.clone()),
        is_required: Some(p.required),
        domain: Some(tf::FlowParameterDomain {
            kind: Some(p.domain.kind()),
            domain_type: Some(match &p.domain {
                Domain::Any => tf::ParameterDomainType::Any,
                Domain::List(_) => tf::ParameterDomainType::List,
                Domain::Range { .. } => tf::ParameterDomainType::Range,
            }),
            min_value: min,
            max_value: max,
            step_size: step,
            date_value_increment: None,
            values,
        }),
    }
}

/// The server-side check of a parameter value: the client's own check, on the model it serves.
fn check_value(p: &state::Parameter, value: &str) -> std::result::Result<(), String> {
    tf::run::check_parameter_value(&parameter_model(p), value)
}

fn session(state: &State, token: Option<&str>) -> Result<state::Token> {
    let unauthorized = |d: &str| ApiFailure::new(401, 401002, "Unauthorized Access", d);
    let token = token.ok_or_else(|| unauthorized("no X-Tableau-Auth header"))?;
    let t = state
        .tokens
        .get(token)
        .ok_or_else(|| unauthorized("Invalid authentication credentials were provided."))?;
    if state.now() >= t.expires_at {
        return Err(unauthorized("The authentication token has expired."));
    }
    Ok(t.clone())
}

/// Handles one routed request.
pub(crate) fn handle(
    state: &mut State,
    server_version: ApiVersion,
    r: &Routed,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Result<Reply> {
    match r.meta.id {
        "server_info" => return server_info(server_version),
        "sign_in" => return sign_in(state, body),
        _ => {}
    }
    let t = session(state, token)?;
    if let Some(site) = r.path.get("site_id")
        && site != &t.site_id
    {
        return Err(not_found(
            404000,
            "Site not found",
            "site for this session",
            site,
        ));
    }
    // Behaviour follows the version the request names (at most the server's).
    let mut cx = Cx {
        state,
        version: r.version,
        r,
        user_id: t.user_id,
        site_id: t.site_id,
    };
    match r.meta.id {
        "sign_out" => {
            if let Some(token) = token {
                cx.state.tokens.remove(token);
            }
            Ok(Reply::Empty(204))
        }
        "query_job" => {
            let id = cx.path("job_id");
            let job = cx
                .state
                .jobs
                .iter()
                .find(|j| j.id == id)
                .cloned()
                .ok_or_else(|| not_found(404031, "Job not found", "job", id))?;
            xml(
                200,
                tf::QueryJobResponse {
                    job: cx.job_model(&job),
                },
            )
        }
        "initiate_file_upload" => {
            cx.state.upload_counter += 1;
            // The schema's form: `N:HEX-N:N`.
            let hex = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
            let id = format!("{}:{hex}-1:0", cx.state.upload_counter);
            cx.state
                .uploads
                .insert(id.clone(), state::Upload::default());
            xml(
                201,
                tf::FileUploadResponse {
                    file_upload: tf::FileUpload {
                        upload_session_id: id.into(),
                        file_size: Some("0".into()),
                        ..Default::default()
                    },
                },
            )
        }
        "append_to_file_upload" => {
            let id = cx.path("upload_session_id").to_owned();
            let parts = multipart(content_type, body)?;
            let file = parts
                .iter()
                .find(|p| p.name == "tableau_file")
                .ok_or_else(|| bad("no tableau_file part"))?;
            let upload = cx
                .state
                .uploads
                .get_mut(&id)
                .ok_or_else(|| bad(format!("no upload session {id}")))?;
            upload.bytes.extend_from_slice(file.body);
            let size = upload.bytes.len() / (1024 * 1024);
            xml(
                200,
                tf::FileUploadResponse {
                    file_upload: tf::FileUpload {
                        upload_session_id: id.into(),
                        file_size: Some(size.to_string()),
                        ..Default::default()
                    },
                },
            )
        }
        "query_flows_for_site" => query_flows(&cx, None),
        "query_flows_for_user" => {
            let user = cx.path("user_id").to_owned();
            if !cx.state.users.iter().any(|u| u.id == user) {
                return Err(not_found(404002, "User not found", "user", &user));
            }
            if user != cx.user_id && !cx.admin() {
                return Err(cx.forbidden("only administrators may list another user's flows"));
            }
            query_flows(&cx, Some(user))
        }
        "query_flow" => {
            let flow = cx.flow_with(cx.path("flow_id"), CapabilityName::Read)?;
            xml(
                200,
                tf::QueryFlowResponse {
                    output_steps: output_steps(&flow),
                    flow: cx.flow_model(&flow, true),
                },
            )
        }
        "publish_flow" => publish(&mut cx, content_type, body),
        "update_flow" => {
            let id = cx.path("flow_id").to_owned();
            let req: tf::UpdateFlowRequest = decode(body)?;
            let flow = cx.flow(&id)?.clone();
            if let Some(owner) = &req.flow.owner {
                if !cx.admin() {
                    return Err(ApiFailure::new(
                        403,
                        403098,
                        "Owner update forbidden",
                        "only administrators change owners",
                    ));
                }
                if !cx.state.users.iter().any(|u| u.id == owner.id.as_str()) {
                    return Err(not_found(
                        404002,
                        "Owner not found",
                        "user",
                        owner.id.as_str(),
                    ));
                }
            }
            if let Some(project) = &req.flow.project {
                if !cx
                    .state
                    .projects
                    .iter()
                    .any(|p| p.id == project.id.as_str())
                {
                    return Err(not_found(
                        404005,
                        "Project not found",
                        "project",
                        project.id.as_str(),
                    ));
                }
                if !cx.can(&flow, CapabilityName::Write) {
                    return Err(ApiFailure::new(
                        403,
                        403030,
                        "Project update forbidden",
                        "no Write permission",
                    ));
                }
            }
            let now = cx.state.now();
            let f = cx.state.flows.get_mut(&id).expect("checked above");
            if let Some(owner) = req.flow.owner {
                f.owner_id = owner.id.into_string();
            }
            if let Some(project) = req.flow.project {
                f.project_id = project.id.into_string();
            }
            f.updated_at = now;
            let f = f.clone();
            xml(
                200,
                tf::UpdateFlowResponse {
                    flow: cx.flow_model(&f, false),
                },
            )
        }
        "delete_flow" => {
            let id = cx.flow_with(cx.path("flow_id"), CapabilityName::Delete)?.id;
            cx.state.flows.remove(&id);
            cx.state.grants.retain(|g| g.flow_id != id);
            cx.state.tasks.retain(|t| t.flow_id != id);
            cx.state.runs.retain(|r| r.flow_id != id);
            Ok(Reply::Empty(204))
        }
        "download_flow" => {
            let flow = cx.flow_with(cx.path("flow_id"), CapabilityName::ExportXml)?;
            Ok(Reply::File {
                name: format!("{}.{}", flow.name, flow.file_type),
                bytes: flow.bytes.clone(),
            })
        }
        "run_flow_now" => {
            let id = cx.path("flow_id").to_owned();
            let run_cap = if cx.version >= V3_24 {
                CapabilityName::Execute
            } else {
                CapabilityName::Read
            };
            let flow = cx.flow(&id)?.clone();
            if !cx.can(&flow, run_cap) {
                return Err(cx.forbidden(format!("{} may not run flow {id}", cx.user().name)));
            }
            let req: tf::RunFlowNowRequest = if body.iter().all(u8::is_ascii_whitespace) {
                tf::RunFlowNowRequest::default()
            } else {
                decode(body)?
            };
            let spec = req.flow_run_spec.unwrap_or_default();
            if let Some(fid) = &spec.flow_id
                && fid.as_str() != id
            {
                return Err(bad(
                    "the run spec's flowId differs from the flow in the URI",
                ));
            }
            let mode = cx
                .query("flowRunMode")
                .map(str::to_owned)
                .or_else(|| spec.run_mode.map(|m| m.to_string()));
            if cx.version >= V3_24
                && let Some(m) = mode
                && !matches!(m.as_str(), "full" | "incremental")
            {
                return Err(ApiFailure::new(
                    400,
                    400132,
                    "Invalid flow run mode",
                    format!("{m:?} is not full or incremental"),
                ));
            }
            let given: Vec<(String, String)> = spec
                .parameter_specs
                .iter()
                .map(|p| (p.parameter_id.to_string(), p.override_value.clone()))
                .collect();
            let params = cx.run_parameters(&flow, &given)?;
            let job = cx.start_run(&id, params, Duration::ZERO, None);
            xml(
                200,
                tf::RunFlowNowResponse {
                    job: cx.job_model(&job),
                },
            )
        }
        "get_flow_run" => {
            let id = cx.path("flow_run_id");
            let run = cx
                .state
                .runs
                .iter()
                .find(|r| r.id == id && r.site_id == cx.site_id)
                .ok_or_else(|| not_found(404036, "Flow run not found", "flow run", id))?;
            let flow_ok = cx
                .state
                .flows
                .get(&run.flow_id)
                .is_none_or(|f| cx.can(f, CapabilityName::Read));
            if !flow_ok && run.user_id != cx.user_id {
                return Err(cx.forbidden("no permission to view the flow"));
            }
            xml(
                200,
                tf::GetFlowRunResponse {
                    flow_run: cx.run_model(run),
                },
            )
        }
        "get_flow_runs" => get_flow_runs(&cx),
        "cancel_flow_run" => {
            let id = cx.path("flow_run_id").to_owned();
            let idx = cx
                .state
                .runs
                .iter()
                .position(|r| r.id == id && r.site_id == cx.site_id)
                .ok_or_else(|| not_found(404036, "Flow run not found", "flow run", &id))?;
            let run = cx.state.runs[idx].clone();
            if !cx.admin() && run.user_id != cx.user_id {
                return Err(ApiFailure::new(
                    403,
                    403137,
                    "User does not have permissions to cancel flow run",
                    "not your run",
                ));
            }
            let (status, _, _) = cx.state.run_status(&run);
            if !matches!(status, RunStatus::Pending | RunStatus::InProgress) {
                return Err(ApiFailure::new(
                    403,
                    403135,
                    "Flow run already complete",
                    format!("flow run {id} is {status}"),
                ));
            }
            cx.state.runs[idx].cancelled_at = Some(cx.state.now());
            Ok(Reply::Empty(200))
        }
        "add_flow_task_to_schedule" => {
            let schedule = cx.path("schedule_id").to_owned();
            if !cx.state.schedules.iter().any(|s| s.id == schedule) {
                return Err(bad(format!("no schedule with id {schedule}")));
            }
            let req: tf::AddFlowTaskToScheduleRequest = decode(body)?;
            let flow_id = req.task.flow_run.flow.id.to_string();
            let flow = cx.flow(&flow_id)?.clone();
            if !cx.admin() && flow.owner_id != cx.user_id {
                return Err(ApiFailure::new(
                    403,
                    403098,
                    "Update Forbidden",
                    "only the owner or an administrator",
                ));
            }
            let given: Vec<(String, String)> = req
                .task
                .flow_run
                .flow_run_spec
                .map(|s| {
                    s.parameter_specs
                        .into_iter()
                        .map(|p| (p.parameter_id.into_string(), p.override_value))
                        .collect()
                })
                .unwrap_or_default();
            let params = cx.run_parameters(&flow, &given)?;
            let task = state::FlowTask {
                id: new_id(),
                flow_id,
                schedule_id: schedule,
                parameters: params.into_iter().map(|(id, _, v)| (id, v)).collect(),
                site_id: cx.site_id.clone(),
            };
            cx.state.tasks.push(task.clone());
            xml(
                200,
                tf::AddFlowTaskToScheduleResponse {
                    task: cx.task_model(&task),
                },
            )
        }
        "create_cloud_flow_task" => {
            let req: tf::CreateCloudFlowTaskRequest = decode(body)?;
            let flow_id = req.task.flow_run.flow.id.to_string();
            cx.flow(&flow_id)
                .map_err(|_| bad(format!("no flow with id {flow_id}")))?;
            let details = req.schedule.frequency_details;
            if matches!(req.schedule.frequency, tf::ScheduleFrequency::Unknown(_)) {
                return Err(bad(
                    "the frequency must be Hourly, Daily, Weekly or Monthly",
                ));
            }
            let schedule = state::Schedule {
                id: new_id(),
                name: format!("SSS_{}", new_id()),
                frequency: req.schedule.frequency.to_string(),
                created_at: cx.state.now(),
                frequency_details: Some(details),
            };
            let task = state::FlowTask {
                id: new_id(),
                flow_id,
                schedule_id: schedule.id.clone(),
                parameters: Vec::new(),
                site_id: cx.site_id.clone(),
            };
            cx.state.schedules.push(schedule);
            cx.state.tasks.push(task.clone());
            xml(
                201,
                tf::CreateCloudFlowTaskResponse {
                    task: cx.task_model(&task),
                },
            )
        }
        "get_flow_run_task" => {
            let task = find_task(&cx, cx.path("task_id"))?;
            xml(
                200,
                tf::GetFlowRunTaskResponse {
                    task: cx.task_model(&task),
                },
            )
        }
        "get_flow_run_tasks" => {
            let tasks: Vec<tf::Task> = cx
                .state
                .tasks
                .iter()
                .filter(|t| t.site_id == cx.site_id)
                .filter(|t| {
                    cx.admin()
                        || cx
                            .state
                            .flows
                            .get(&t.flow_id)
                            .is_some_and(|f| f.owner_id == cx.user_id)
                })
                .map(|t| cx.task_model(t))
                .collect();
            xml(200, tf::GetFlowRunTasksResponse { tasks })
        }
        "run_flow_task" => {
            let task = find_task(&cx, cx.path("task_id"))?;
            let flow = cx.flow(&task.flow_id)?.clone();
            let params = cx.run_parameters(&flow, &task.parameters)?;
            let job = cx.start_run(&task.flow_id, params, Duration::ZERO, None);
            xml(
                200,
                tf::RunFlowTaskResponse {
                    job: cx.job_model(&job),
                },
            )
        }
        "get_linked_task" => {
            let id = cx.path("linked_task_id");
            let l = cx
                .state
                .linked
                .iter()
                .find(|l| l.id == id && l.site_id == cx.site_id)
                .ok_or_else(|| not_found(404045, "Linked task not found", "linked task", id))?;
            xml(
                200,
                tf::GetLinkedTaskResponse {
                    linked_task: cx.linked_model(l),
                },
            )
        }
        "get_linked_tasks" => {
            let all: Vec<&state::LinkedTask> = cx
                .state
                .linked
                .iter()
                .filter(|l| l.site_id == cx.site_id)
                .collect();
            let items = page(&cx, &all)?;
            let linked_tasks = items.iter().map(|l| cx.linked_model(l)).collect();
            xml(
                200,
                tf::GetLinkedTasksResponse {
                    pagination: None,
                    linked_tasks,
                },
            )
        }
        "run_linked_task_now" => {
            let id = cx.path("linked_task_id").to_owned();
            let l = cx
                .state
                .linked
                .iter()
                .find(|l| l.id == id && l.site_id == cx.site_id)
                .cloned()
                .ok_or_else(|| not_found(404045, "Linked task not found", "linked task", &id))?;
            let step_time = cx.state.timing.pending + cx.state.timing.running;
            let mut previous: Option<(String, bool)> = None;
            let mut run_ids = Vec::new();
            for (i, step) in l.steps.iter().enumerate() {
                let task = find_task(&cx, &step.task_id)?;
                let flow = cx.flow(&task.flow_id)?.clone();
                let params = cx.run_parameters(&flow, &task.parameters)?;
                let blocked_by = previous
                    .as_ref()
                    .filter(|(_, stop)| *stop)
                    .map(|(id, _)| id.clone());
                let job = cx.start_run(&task.flow_id, params, step_time * i as u32, blocked_by);
                previous = Some((job.flow_run_id.clone(), step.stop_downstream_on_failure));
                run_ids.push(job.flow_run_id);
            }
            let now = cx.state.now();
            let job = state::Job {
                id: new_id(),
                flow_run_id: run_ids.last().cloned().unwrap_or_default(),
                created_at: now,
            };
            cx.state.jobs.push(job.clone());
            xml(
                200,
                tf::RunLinkedTaskNowResponse {
                    linked_task_job: tf::LinkedTaskJob {
                        id: job.id.into(),
                        linked_task_id: Some(id.into()),
                        status: Some(RunStatus::InProgress),
                        created_at: Some(cx.time(now)),
                        started_at: Some(cx.time(now)),
                        ended_at: None,
                    },
                },
            )
        }
        "query_flow_connections" => {
            let flow = cx.flow_with(cx.path("flow_id"), CapabilityName::Read)?;
            xml(
                200,
                tf::QueryFlowConnectionsResponse {
                    connections: flow.connections.iter().map(connection_model).collect(),
                },
            )
        }
        "update_flow_connection" => {
            let flow = cx.flow_with(cx.path("flow_id"), CapabilityName::Write)?;
            let conn_id = cx.path("connection_id").to_owned();
            let req: tf::UpdateFlowConnectionRequest = decode(body)?;
            let c = req.connection;
            if c.server_address.is_none()
                && c.server_port.is_none()
                && c.user_name.is_none()
                && c.password.is_none()
                && c.embed_password.is_none()
            {
                return Err(bad(
                    "give at least one of serverAddress, serverPort, userName, password, embedPassword",
                ));
            }
            let f = cx.state.flows.get_mut(&flow.id).expect("checked above");
            let conn = f
                .connections
                .iter_mut()
                .find(|x| x.id == conn_id)
                .ok_or_else(|| not_found(404020, "Connection not found", "connection", &conn_id))?;
            if let Some(a) = c.server_address {
                conn.server_address = a;
            }
            if let Some(p) = c.server_port {
                conn.server_port = Some(p);
            }
            if let Some(u) = c.user_name {
                conn.user_name = u;
            }
            if let Some(e) = c.embed_password {
                conn.embed_password = e;
            }
            let conn = connection_model(conn);
            xml(200, tf::UpdateFlowConnectionResponse { connection: conn })
        }
        "list_flow_permissions" => {
            let flow = cx.flow(cx.path("flow_id"))?.clone();
            if !cx.admin() {
                return Err(cx.forbidden("only administrators list permissions"));
            }
            xml(
                200,
                tf::FlowPermissionsResponse {
                    permissions: cx.permissions_model(&flow),
                },
            )
        }
        "add_flow_permissions" => {
            let flow = cx.flow_with(cx.path("flow_id"), CapabilityName::ChangePermissions)?;
            let req: tf::AddFlowPermissionsRequest = decode(body)?;
            let mut new = Vec::new();
            for g in &req.permissions.grantees {
                let (group, grantee) = match (&g.user, &g.group) {
                    (Some(u), None) => {
                        if !cx.state.users.iter().any(|x| x.id == u.id.as_str()) {
                            return Err(not_found(404002, "User not found", "user", u.id.as_str()));
                        }
                        (false, u.id.to_string())
                    }
                    (None, Some(gr)) => {
                        if !cx.state.groups.iter().any(|x| x.id == gr.id.as_str()) {
                            return Err(not_found(
                                404012,
                                "Group not found",
                                "group",
                                gr.id.as_str(),
                            ));
                        }
                        (true, gr.id.to_string())
                    }
                    _ => return Err(bad("each granteeCapabilities names one user or one group")),
                };
                for c in &g.capabilities {
                    check_capability(&cx, &c.name, &c.mode)?;
                    let exists = |x: &Grant| {
                        x.flow_id == flow.id
                            && x.group == group
                            && x.grantee == grantee
                            && x.capability == c.name
                    };
                    if !cx.state.grants.iter().any(exists) && !new.iter().any(exists) {
                        new.push(Grant {
                            flow_id: flow.id.clone(),
                            group,
                            grantee: grantee.clone(),
                            capability: c.name.clone(),
                            mode: c.mode.clone(),
                        });
                    }
                }
            }
            cx.state.grants.extend(new);
            xml(
                200,
                tf::FlowPermissionsResponse {
                    permissions: cx.permissions_model(&flow),
                },
            )
        }
        "delete_flow_permission_for_user" | "delete_flow_permission_for_group" => {
            let flow = cx.flow_with(cx.path("flow_id"), CapabilityName::ChangePermissions)?;
            let group = r.meta.id.ends_with("group");
            let grantee = if group {
                cx.path("group_id")
            } else {
                cx.path("user_id")
            }
            .to_owned();
            if group && !cx.state.groups.iter().any(|g| g.id == grantee) {
                return Err(not_found(404012, "Group not found", "group", &grantee));
            }
            if !group && !cx.state.users.iter().any(|u| u.id == grantee) {
                return Err(not_found(404002, "User not found", "user", &grantee));
            }
            let name = CapabilityName::from(cx.path("capability_name"));
            let mode = CapabilityMode::from(cx.path("capability_mode"));
            check_capability(&cx, &name, &mode)?;
            let before = cx.state.grants.len();
            cx.state.grants.retain(|g| {
                !(g.flow_id == flow.id
                    && g.group == group
                    && g.grantee == grantee
                    && g.capability == name
                    && g.mode == mode)
            });
            if cx.state.grants.len() == before {
                return Err(ApiFailure::new(
                    404,
                    404013,
                    "Capability not assigned",
                    format!("{name}:{mode} is not assigned"),
                ));
            }
            Ok(Reply::Empty(204))
        }
        other => Err(ApiFailure::new(
            501,
            501000,
            "Not implemented",
            format!("the simulator has no behaviour for {other}"),
        )),
    }
}

fn check_capability(cx: &Cx, name: &CapabilityName, mode: &CapabilityMode) -> Result<()> {
    let invalid =
        matches!(name, CapabilityName::Unknown(_)) || name.since().is_some_and(|v| v > cx.version);
    if invalid {
        return Err(ApiFailure::new(
            400,
            400009,
            "Invalid capability",
            format!("{name} is not a capability of a flow"),
        ));
    }
    if matches!(mode, CapabilityMode::Unknown(_)) {
        return Err(ApiFailure::new(
            404,
            404013,
            "Capability not found",
            format!("{mode} is not Allow or Deny"),
        ));
    }
    Ok(())
}

fn find_task(cx: &Cx, id: &str) -> Result<state::FlowTask> {
    cx.state
        .tasks
        .iter()
        .find(|t| t.id == id && t.site_id == cx.site_id)
        .cloned()
        .ok_or_else(|| not_found(404026, "Task not found", "task", id))
}

fn output_steps(f: &state::Flow) -> Vec<tf::FlowOutputStep> {
    f.output_steps
        .iter()
        .map(|(id, name)| tf::FlowOutputStep {
            id: id.clone().into(),
            name: Some(name.clone()),
        })
        .collect()
}

fn connection_model(c: &state::Connection) -> tf::Connection {
    tf::Connection {
        id: Some(c.id.clone().into()),
        connection_type: Some(c.kind.clone()),
        server_address: Some(c.server_address.clone()),
        server_port: c.server_port,
        user_name: Some(c.user_name.clone()),
        password: None,
        embed_password: Some(c.embed_password),
        credentials: None,
        ..Default::default()
    }
}

fn server_info(version: ApiVersion) -> Result<Reply> {
    xml(
        200,
        tf::ServerInfoResponse {
            server_info: Some(tf::ServerInfo {
                product_version: Some(tf::ProductVersion {
                    value: Some("2024.2.0".into()),
                    build: Some("20242.24.0612.0334".into()),
                }),
                prep_conductor_version: Some("20242.24.0612.0334".into()),
                rest_api_version: Some(version.to_string()),
                platform: Some("linux".into()),
                ..Default::default()
            }),
        },
    )
}

fn sign_in(state: &mut State, body: &[u8]) -> Result<Reply> {
    let req: tf::SignInRequest = decode(body)?;
    let c = req.credentials;
    let refused = || {
        ApiFailure::new(
            401,
            401001,
            "Signin error",
            "Error signing in to Tableau Server",
        )
    };
    let user_id = if let (Some(name), Some(secret)) = (
        &c.personal_access_token_name,
        &c.personal_access_token_secret,
    ) {
        state
            .pats
            .iter()
            .find(|p| &p.name == name && p.secret == secret.expose())
            .map(|p| p.user_id.clone())
    } else if let (Some(name), Some(password)) = (&c.name, &c.password) {
        state
            .users
            .iter()
            .find(|u| &u.name == name && u.password.as_deref() == Some(password.expose()))
            .map(|u| u.id.clone())
    } else if let Some(jwt) = &c.jwt {
        state
            .jwts
            .iter()
            .find(|(j, _)| j == jwt.expose())
            .map(|(_, u)| u.clone())
    } else {
        None
    }
    .ok_or_else(refused)?;
    let site = state
        .sites
        .iter()
        .find(|s| s.content_url == c.site.content_url)
        .cloned()
        .ok_or_else(refused)?;
    if !state
        .users
        .iter()
        .any(|u| u.id == user_id && u.site_id == site.id)
    {
        return Err(refused());
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let lifetime = state.token_lifetime;
    state.tokens.insert(
        token.clone(),
        state::Token {
            user_id: user_id.clone(),
            site_id: site.id.clone(),
            expires_at: state.now() + lifetime,
        },
    );
    let minutes = lifetime.as_secs() / 60;
    xml(
        200,
        tf::SignInResponse {
            credentials: tf::SessionCredentials {
                token: tf::Secret::new(token),
                estimated_time_to_expiration: Some(format!(
                    "{}:{:02}:00",
                    minutes / 60,
                    minutes % 60
                )),
                site: tf::SiteRef {
                    id: Some(site.id.into()),
                    name: Some(site.name),
                    content_url: Some(site.content_url),
                },
                user: tf::UserRef {
                    id: user_id.into(),
                    name: None,
                },
            },
        },
    )
}

/// The requested page size and number, with the server's defaults from the spec.
fn page_request(cx: &Cx) -> (u32, u32) {
    let get = |wire: &str| {
        cx.query(wire)
            .or_else(|| cx.r.meta.param(wire).and_then(|p| p.default))
            .and_then(|v| v.parse().ok())
            .unwrap_or(1)
    };
    (get("pageSize"), get("pageNumber"))
}

/// The items of the requested page (`pageSize`, `pageNumber`); a page past the end answers 400006.
fn page<'a, T>(cx: &Cx, items: &'a [T]) -> Result<&'a [T]> {
    let (size, number) = page_request(cx);
    let (size, number) = (size as usize, number as usize);
    let start = (number - 1).saturating_mul(size);
    if start >= items.len() && number > 1 {
        return Err(ApiFailure::new(
            400,
            400006,
            "Invalid page number",
            format!(
                "page {number} is past the last page of {} items",
                items.len()
            ),
        ));
    }
    Ok(&items[start.min(items.len())..(start.saturating_add(size)).min(items.len())])
}

fn parse_expression<
    T: std::str::FromStr<Err = tf::filter::ExpressionError> + tf::filter::Expression,
>(
    cx: &Cx,
    wire: &str,
) -> Result<Option<T>> {
    let Some(text) = cx.query(wire) else {
        return Ok(None);
    };
    let expr: T = text
        .parse()
        .map_err(|e: tf::filter::ExpressionError| bad(format!("{wire}: {e}")))?;
    let offered =
        cx.r.meta
            .query
            .iter()
            .find(|p| p.wire == wire)
            .map(|p| p.fields)
            .unwrap_or(&[]);
    expr.check_against(offered)
        .map_err(|e| ApiFailure::new(400, 400065, "Bad Request", format!("{wire}: {e}")))?;
    Ok(Some(expr))
}

/// Compares one value with a filter term.
fn matches(values: &[String], op: tf::filter::Operator, wanted: &[String], numeric: bool) -> bool {
    use tf::filter::Operator::*;
    let cmp = |a: &String, b: &String| {
        if numeric {
            a.parse::<f64>()
                .unwrap_or(f64::NAN)
                .partial_cmp(&b.parse::<f64>().unwrap_or(f64::NAN))
        } else {
            Some(a.cmp(b))
        }
    };
    let w = wanted.first();
    values.iter().any(|v| match op {
        Eq | Has => w.is_some_and(|w| v == w),
        Cieq => w.is_some_and(|w| v.eq_ignore_ascii_case(w)),
        In => wanted.contains(v),
        Gt => w.is_some_and(|w| cmp(v, w) == Some(std::cmp::Ordering::Greater)),
        Gte => w.is_some_and(|w| {
            matches!(
                cmp(v, w),
                Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
            )
        }),
        Lt => w.is_some_and(|w| cmp(v, w) == Some(std::cmp::Ordering::Less)),
        Lte => w.is_some_and(|w| {
            matches!(
                cmp(v, w),
                Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)
            )
        }),
    })
}

fn rfc3339(t: tf::DateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn query_flows(cx: &Cx, for_user: Option<String>) -> Result<Reply> {
    let filter: Option<tf::Filter> = parse_expression(cx, "filter")?;
    let sort: Option<tf::Sort> = parse_expression(cx, "sort")?;
    let owned_only = cx
        .query("ownedBy")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut flows: Vec<&state::Flow> = cx
        .state
        .flows
        .values()
        .filter(|f| f.site_id == cx.site_id)
        .filter(|f| match &for_user {
            Some(u) if owned_only => &f.owner_id == u,
            _ => cx.can(f, CapabilityName::Read),
        })
        .filter(|f| {
            filter.as_ref().is_none_or(|flt| {
                flt.terms().all(|(field, op, wanted)| {
                    let values: Vec<String> = match field {
                        "name" => vec![f.name.clone()],
                        "createdAt" => vec![rfc3339(cx.time(f.created_at))],
                        "updatedAt" => vec![rfc3339(cx.time(f.updated_at))],
                        "projectId" => vec![f.project_id.clone()],
                        "projectName" => cx
                            .state
                            .projects
                            .iter()
                            .filter(|p| p.id == f.project_id)
                            .map(|p| p.name.clone())
                            .collect(),
                        "ownerName" => cx
                            .state
                            .users
                            .iter()
                            .filter(|u| u.id == f.owner_id)
                            .map(|u| u.name.clone())
                            .collect(),
                        _ => Vec::new(),
                    };
                    matches(&values, op, wanted, false)
                })
            })
        })
        .collect();
    if let Some(sort) = &sort {
        flows.sort_by(|a, b| {
            for (field, asc) in sort.terms() {
                let o = match field {
                    "name" => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                    "createdAt" => a.created_at.cmp(&b.created_at),
                    "tags" => a.tags.cmp(&b.tags),
                    _ => std::cmp::Ordering::Equal,
                };
                let o = if asc { o } else { o.reverse() };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
            std::cmp::Ordering::Equal
        });
    }
    let total = flows.len();
    let items = page(cx, &flows)?;
    let (size, number) = page_request(cx);
    xml(
        200,
        tf::QueryFlowsResponse {
            pagination: Some(tf::Pagination {
                page_number: Some(number),
                page_size: Some(size),
                total_available: Some(total as u64),
            }),
            flows: items.iter().map(|f| cx.flow_model(f, true)).collect(),
        },
    )
}

/// Flow runs of the site; like real servers, without a `<pagination>` element (deviation S1).
fn get_flow_runs(cx: &Cx) -> Result<Reply> {
    let filter: Option<tf::Filter> = parse_expression(cx, "filter")?;
    let runs: Vec<&state::FlowRun> = cx
        .state
        .runs
        .iter()
        .filter(|r| r.site_id == cx.site_id)
        .filter(|r| {
            cx.admin()
                || r.user_id == cx.user_id
                || cx
                    .state
                    .flows
                    .get(&r.flow_id)
                    .is_some_and(|f| cx.can(f, CapabilityName::Read))
        })
        .filter(|r| {
            filter.as_ref().is_none_or(|flt| {
                let (_, progress, ended) = cx.state.run_status(r);
                flt.terms().all(|(field, op, wanted)| {
                    let (values, numeric) = match field {
                        "userId" => (vec![r.user_id.clone()], false),
                        "flowId" => (vec![r.flow_id.clone()], false),
                        "progress" => (vec![progress.to_string()], true),
                        "startedAt" => (vec![rfc3339(cx.time(r.starts_at))], false),
                        "completedAt" => (
                            ended.map(|e| rfc3339(cx.time(e))).into_iter().collect(),
                            false,
                        ),
                        _ => (Vec::new(), false),
                    };
                    matches(&values, op, wanted, numeric)
                })
            })
        })
        .collect();
    let items = page(cx, &runs)?;
    xml(
        200,
        tf::GetFlowRunsResponse {
            pagination: None,
            runs: items.iter().map(|r| cx.run_model(r)).collect(),
        },
    )
}

/// One part of a `multipart/mixed` body.
struct Part<'a> {
    name: String,
    filename: Option<String>,
    body: &'a [u8],
}

fn disposition_value(headers: &str, key: &str) -> Option<String> {
    let needle = format!("{key}=\"");
    let start = headers.find(&needle)? + needle.len();
    let end = headers[start..].find('"')? + start;
    Some(headers[start..end].to_owned())
}

/// Splits a `multipart/mixed` body into its parts.
fn multipart<'a>(content_type: &str, body: &'a [u8]) -> Result<Vec<Part<'a>>> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .ok_or_else(|| bad("the body is not multipart/mixed with a boundary"))?;
    let delimiter = format!("--{boundary}");
    let d = delimiter.as_bytes();
    let find = |from: usize| {
        body[from..]
            .windows(d.len())
            .position(|w| w == d)
            .map(|p| p + from)
    };
    let mut parts = Vec::new();
    let mut at = find(0).ok_or_else(|| bad("no multipart boundary in the body"))?;
    loop {
        let after = at + d.len();
        if body[after..].starts_with(b"--") {
            break;
        }
        let header_start = after
            + if body[after..].starts_with(b"\r\n") {
                2
            } else {
                0
            };
        let header_end = body[header_start..]
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|p| p + header_start)
            .ok_or_else(|| bad("a multipart part has no blank line after its headers"))?;
        let headers = String::from_utf8_lossy(&body[header_start..header_end]).into_owned();
        let content_start = header_end + 4;
        let next = find(content_start).ok_or_else(|| bad("the multipart body is not closed"))?;
        let content_end = if next >= 2 && &body[next - 2..next] == b"\r\n" {
            next - 2
        } else {
            next
        };
        parts.push(Part {
            name: disposition_value(&headers, "name").unwrap_or_default(),
            filename: disposition_value(&headers, "filename"),
            body: &body[content_start..content_end.max(content_start)],
        });
        at = next;
    }
    Ok(parts)
}

fn publish(cx: &mut Cx, content_type: &str, body: &[u8]) -> Result<Reply> {
    let parts = multipart(content_type, body)?;
    let payload = parts
        .iter()
        .find(|p| p.name == "request_payload")
        .ok_or_else(|| {
            ApiFailure::new(
                400,
                400090,
                "Missing flow payload",
                "no request_payload part",
            )
        })?;
    let text = String::from_utf8_lossy(payload.body);
    if !text.contains("<flow") {
        return Err(ApiFailure::new(
            400,
            400090,
            "Missing flow payload",
            "the payload has no <flow>",
        ));
    }
    let req: tf::PublishFlowRequest = match tf::xml::decode_document(payload.body) {
        Ok(r) => r,
        Err(tf::DecodeError::Missing(m)) if m.element == "flow" && m.what.contains("name") => {
            return Err(ApiFailure::new(
                400,
                400089,
                "Missing flow name",
                "the flow has no name",
            ));
        }
        Err(e) => return Err(bad(format!("the request payload: {e}"))),
    };
    if req.flow.name.trim().is_empty() {
        return Err(ApiFailure::new(
            400,
            400089,
            "Missing flow name",
            "the flow's name is empty",
        ));
    }
    let project = req.flow.project.id.to_string();
    if !cx.state.projects.iter().any(|p| p.id == project) {
        return Err(not_found(404005, "Project not found", "project", &project));
    }
    let (bytes, file_type) = if let Some(session) = cx.query("uploadSessionId").map(str::to_owned) {
        let file_type = match cx.query("flowType") {
            Some(t @ ("tfl" | "tflx")) => t.to_owned(),
            other => {
                return Err(bad(format!(
                    "flowType must be tfl or tflx with uploadSessionId, not {other:?}"
                )));
            }
        };
        let upload = cx
            .state
            .uploads
            .remove(&session)
            .ok_or_else(|| bad(format!("no upload session {session}")))?;
        (upload.bytes, file_type)
    } else {
        let file = parts
            .iter()
            .find(|p| p.name == "tableau_flow")
            .ok_or_else(|| {
                ApiFailure::new(
                    400,
                    400000,
                    "Malformed request body",
                    "no tableau_flow part and no uploadSessionId",
                )
            })?;
        let filename = file.filename.clone().unwrap_or_default();
        let ext = filename
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        if ext != "tfl" && ext != "tflx" {
            return Err(ApiFailure::new(
                400,
                400086,
                "Invalid flow attachment",
                format!("{filename:?} does not end in .tfl or .tflx"),
            ));
        }
        (file.body.to_vec(), ext)
    };
    let overwrite = cx
        .query("overwrite")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let now = cx.state.now();
    let existing = cx
        .state
        .flows
        .values()
        .find(|f| {
            f.site_id == cx.site_id
                && f.project_id == project
                && f.name.eq_ignore_ascii_case(&req.flow.name)
        })
        .cloned();
    let flow = match existing {
        Some(f) if !overwrite => {
            return Err(ApiFailure::new(
                409,
                409041,
                "Flow already found in destination",
                format!(
                    "a flow named {:?} exists; publish with overwrite=true to replace it",
                    f.name
                ),
            ));
        }
        Some(f) => {
            if !cx.can(&f, CapabilityName::Write) {
                return Err(ApiFailure::new(
                    403,
                    403007,
                    "Invalid permissions",
                    "overwriting needs Write on the flow",
                ));
            }
            let entry = cx.state.flows.get_mut(&f.id).expect("found above");
            entry.bytes = Arc::new(bytes);
            entry.file_type = file_type;
            entry.updated_at = now;
            if let Some(d) = req.flow.description {
                entry.description = d;
            }
            entry.clone()
        }
        None => {
            let f = state::Flow {
                id: new_id(),
                name: req.flow.name.clone(),
                description: req.flow.description.unwrap_or_default(),
                project_id: project,
                owner_id: cx.user_id.clone(),
                file_type,
                bytes: Arc::new(bytes),
                created_at: now,
                updated_at: now,
                tags: Vec::new(),
                output_steps: vec![(new_id(), "Output".into())],
                parameters: Vec::new(),
                connections: req
                    .connections
                    .iter()
                    .map(|c| state::Connection {
                        id: c.id.as_ref().map(|i| i.to_string()).unwrap_or_else(new_id),
                        kind: c
                            .connection_type
                            .clone()
                            .unwrap_or_else(|| "postgres".into()),
                        server_address: c.server_address.clone().unwrap_or_default(),
                        server_port: c.server_port,
                        user_name: c
                            .credentials
                            .as_ref()
                            .and_then(|k| k.name.clone())
                            .unwrap_or_default(),
                        embed_password: c
                            .credentials
                            .as_ref()
                            .and_then(|k| k.embed)
                            .unwrap_or(false),
                    })
                    .collect(),
                fails: false,
                site_id: cx.site_id.clone(),
            };
            cx.state.flows.insert(f.id.clone(), f.clone());
            f
        }
    };
    xml(
        201,
        tf::PublishFlowResponse {
            output_steps: output_steps(&flow),
            flow: cx.flow_model(&flow, false),
        },
    )
}
