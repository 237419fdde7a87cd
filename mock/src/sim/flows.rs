//! Query, publish, update, delete, download and run flows (`spec/flows.tfspec`).

use super::filter::{Value, order, passes};
use super::models::output_steps;
use super::state::{self, State, new_id};
use super::{ParameterProblem, Session, Simulator, page_or};
use crate::interface::*;
use crate::tf;
use std::sync::Arc;
use std::time::Duration;
use tableau_flows::{ApiVersion, Capability};

const V3_24: ApiVersion = ApiVersion::new(3, 24);

impl State {
    /// A flow's value of a filter or sort field (deviation S14).
    fn flow_field(&self, f: &state::Flow, field: &str) -> Value {
        match field {
            "name" => Value::Text(f.name.clone()),
            "createdAt" => Value::date(self.at(f.created_at)),
            "updatedAt" => Value::date(self.at(f.updated_at)),
            "projectId" => Value::Text(f.project_id.clone()),
            "projectName" => self
                .projects
                .iter()
                .find(|p| p.id == f.project_id)
                .map_or(Value::None, |p| Value::Text(p.name.clone())),
            "ownerName" => self
                .user(&f.owner_id)
                .map_or(Value::None, |u| Value::Text(u.full_name.clone())),
            _ => Value::None,
        }
    }

    /// The flows a list shows: the site's, readable by the user (or owned by `owner`), filtered,
    /// sorted, with the total before paging.
    fn listed_flows(
        &self,
        session: &Session,
        owner: Option<&str>,
        filter: Option<&tf::Filter>,
        sort: Option<&tf::Sort>,
    ) -> Vec<&state::Flow> {
        let mut flows: Vec<&state::Flow> = self
            .flows
            .values()
            .filter(|f| f.site_id == session.site_id)
            .filter(|f| match owner {
                Some(owner) => f.owner_id == owner,
                None => self.can(&session.user_id, f, &Capability::Read),
            })
            .filter(|f| passes(filter, |field| self.flow_field(f, field)))
            .collect();
        order(&mut flows, sort, |f, field| self.flow_field(f, field));
        flows
    }
}

fn flows_page<E>(
    state: &State,
    flows: &[&state::Flow],
    (size, number): (u32, u32),
    version: ApiVersion,
    past_end: E,
) -> Result<tf::QueryFlowsResponse, Reject<E>> {
    let items = page_or(flows, size, number, "flows", past_end)?;
    Ok(tf::QueryFlowsResponse {
        pagination: Some(tf::Pagination {
            page_number: Some(number),
            page_size: Some(size),
            total_available: Some(flows.len() as u64),
        }),
        flows: items
            .iter()
            .map(|f| state.flow_model(f, version, true))
            .collect(),
    })
}

impl FlowsService for Simulator {
    fn query_flows_for_site(
        &self,
        cx: &Context<Session>,
        input: QueryFlowsForSiteInput,
    ) -> Result<tf::QueryFlowsResponse, Reject<QueryFlowsForSiteError>> {
        let state = self.lock();
        let flows = state.listed_flows(
            &cx.session,
            None,
            input.filter.as_ref(),
            input.sort.as_ref(),
        );
        flows_page(
            &state,
            &flows,
            (input.page_size, input.page_number),
            cx.version,
            QueryFlowsForSiteError::InvalidPageNumber,
        )
    }

    fn query_flows_for_user(
        &self,
        cx: &Context<Session>,
        input: QueryFlowsForUserInput,
    ) -> Result<tf::QueryFlowsResponse, Reject<QueryFlowsForUserError>> {
        let state = self.lock();
        let user = input.user_id.as_str();
        if !state
            .users
            .iter()
            .any(|u| u.id == user && u.site_id == cx.session.site_id)
        {
            return Err(Reject::new(
                QueryFlowsForUserError::UserNotFound,
                format!("no user with id {user}"),
            ));
        }
        if user != cx.session.user_id && !state.is_admin(&cx.session.user_id) {
            return Err(Reject::new(
                QueryFlowsForUserError::FlowsReadForbidden,
                "only administrators may list another user's flows",
            ));
        }
        let owner = input.owned_by.then_some(user);
        let flows = state.listed_flows(&cx.session, owner, None, None);
        flows_page(
            &state,
            &flows,
            (input.page_size, input.page_number),
            cx.version,
            QueryFlowsForUserError::InvalidPageNumber,
        )
    }

    fn query_flow(
        &self,
        cx: &Context<Session>,
        input: QueryFlowInput,
    ) -> Result<tf::QueryFlowResponse, Reject<QueryFlowError>> {
        let state = self.lock();
        let flow = state.flow_for(
            &cx.session,
            input.flow_id.as_str(),
            &Capability::Read,
            QueryFlowError::FlowNotFound,
            QueryFlowError::Forbidden,
        )?;
        Ok(tf::QueryFlowResponse {
            output_steps: output_steps(flow),
            flow: state.flow_model(flow, cx.version, true),
        })
    }

    fn publish_flow(
        &self,
        cx: &Context<Session>,
        input: PublishFlowInput,
    ) -> Result<tf::PublishFlowResponse, Reject<PublishFlowError>> {
        use PublishFlowError as E;
        let mut state = self.lock();
        let name = input.payload.flow.name.trim().to_owned();
        if name.is_empty() {
            return Err(Reject::new(E::MissingFlowName, "the flow's name is empty"));
        }
        let project = input.payload.flow.project.id.to_string();
        if !state.projects.iter().any(|p| p.id == project) {
            return Err(Reject::new(
                E::ProjectNotFound,
                format!("no project with id {project}"),
            ));
        }
        let (bytes, file_type) = match &input.upload_session_id {
            Some(session) => {
                let file_type = match &input.flow_type {
                    Some(t @ (tf::FlowFileType::Tfl | tf::FlowFileType::Tflx)) => t.to_string(),
                    other => {
                        return Err(Reject::new(
                            E::BadRequest,
                            format!(
                                "flowType must be tfl or tflx with uploadSessionId, not {:?}",
                                other.as_ref().map(|t| t.as_str())
                            ),
                        ));
                    }
                };
                state.expire_uploads();
                if state
                    .uploads
                    .get(session.as_str())
                    .is_none_or(|u| u.site_id != cx.session.site_id)
                {
                    return Err(Reject::new(
                        E::BadRequest,
                        format!("no upload session {session}"),
                    ));
                }
                // Publishing commits the session: it ends, and its file is removed.
                let upload = state.uploads.remove(session.as_str()).expect("found above");
                let bytes = upload.take_bytes().map_err(|e| {
                    Reject::new(
                        E::BadRequest,
                        format!("the upload session {session} cannot be read: {e}"),
                    )
                })?;
                (bytes, file_type)
            }
            None => {
                let file = input.file.ok_or_else(|| {
                    Reject::new(E::BadRequest, "no tableau_flow part and no uploadSessionId")
                })?;
                let filename = file.filename.clone().unwrap_or_default();
                let ext = filename
                    .rsplit_once('.')
                    .map(|(_, e)| e.to_ascii_lowercase())
                    .unwrap_or_default();
                if ext != "tfl" && ext != "tflx" {
                    return Err(Reject::new(
                        E::InvalidFlowAttachment,
                        format!("{filename:?} does not end in .tfl or .tflx"),
                    ));
                }
                (file.bytes, ext)
            }
        };
        let now = state.now();
        let existing = state
            .flows
            .values()
            .find(|f| {
                f.site_id == cx.session.site_id
                    && f.project_id == project
                    && f.name.eq_ignore_ascii_case(&name)
            })
            .cloned();
        let flow = match existing {
            Some(f) if !input.overwrite => {
                return Err(Reject::new(
                    E::FlowNameConflict,
                    format!(
                        "a flow named {:?} exists; publish with overwrite=true to replace it",
                        f.name
                    ),
                ));
            }
            Some(f) => {
                if !state.can(&cx.session.user_id, &f, &Capability::Write) {
                    return Err(Reject::new(
                        E::PublishForbidden,
                        "overwriting needs Write on the flow",
                    ));
                }
                let entry = state.flows.get_mut(&f.id).expect("found above");
                entry.bytes = Arc::new(bytes);
                entry.file_type = file_type;
                entry.updated_at = now;
                if let Some(d) = input.payload.flow.description {
                    entry.description = d;
                }
                entry.clone()
            }
            None => {
                let f = state::Flow {
                    id: new_id(),
                    name,
                    description: input.payload.flow.description.unwrap_or_default(),
                    project_id: project,
                    owner_id: cx.session.user_id.clone(),
                    file_type,
                    bytes: Arc::new(bytes),
                    created_at: now,
                    updated_at: now,
                    tags: Vec::new(),
                    output_steps: vec![(new_id(), "Output".into())],
                    parameters: Vec::new(),
                    connections: input
                        .payload
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
                    site_id: cx.session.site_id.clone(),
                };
                state.flows.insert(f.id.clone(), f.clone());
                f
            }
        };
        Ok(tf::PublishFlowResponse {
            output_steps: output_steps(&flow),
            flow: state.flow_model(&flow, cx.version, false),
        })
    }

    fn update_flow(
        &self,
        cx: &Context<Session>,
        input: UpdateFlowInput,
    ) -> Result<tf::UpdateFlowResponse, Reject<UpdateFlowError>> {
        use UpdateFlowError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        let flow = state
            .site_flow(&cx.session, &id)
            .cloned()
            .ok_or_else(|| Reject::new(E::FlowNotFound, format!("no flow with id {id}")))?;
        let change = input.body.flow;
        if let Some(owner) = &change.owner {
            if !state.is_admin(&cx.session.user_id) {
                return Err(Reject::new(
                    E::UpdateForbidden,
                    "only administrators change owners",
                ));
            }
            if !state.users.iter().any(|u| u.id == owner.id.as_str()) {
                return Err(Reject::new(
                    E::UserNotFound,
                    format!("no user with id {}", owner.id),
                ));
            }
        }
        if let Some(project) = &change.project {
            if !state.projects.iter().any(|p| p.id == project.id.as_str()) {
                return Err(Reject::new(
                    E::ProjectNotFound,
                    format!("no project with id {}", project.id),
                ));
            }
            if !state.can(&cx.session.user_id, &flow, &Capability::Write) {
                return Err(Reject::new(
                    E::ProjectUpdateForbidden,
                    "no Write permission on the flow",
                ));
            }
        }
        let now = state.now();
        let f = state.flows.get_mut(&id).expect("checked above");
        if let Some(owner) = change.owner {
            f.owner_id = owner.id.into_string();
        }
        if let Some(project) = change.project {
            f.project_id = project.id.into_string();
        }
        f.updated_at = now;
        let f = f.clone();
        Ok(tf::UpdateFlowResponse {
            flow: state.flow_model(&f, cx.version, false),
        })
    }

    fn delete_flow(
        &self,
        cx: &Context<Session>,
        input: DeleteFlowInput,
    ) -> Result<(), Reject<DeleteFlowError>> {
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        state.flow_for(
            &cx.session,
            &id,
            &Capability::Delete,
            DeleteFlowError::FlowNotFound,
            DeleteFlowError::Forbidden,
        )?;
        state.flows.remove(&id);
        state.grants.retain(|g| g.flow_id != id);
        state.tasks.retain(|t| t.flow_id != id);
        state.runs.retain(|r| r.flow_id != id);
        Ok(())
    }

    fn download_flow(
        &self,
        cx: &Context<Session>,
        input: DownloadFlowInput,
    ) -> Result<FileAnswer, Reject<DownloadFlowError>> {
        let state = self.lock();
        let flow = state.flow_for(
            &cx.session,
            input.flow_id.as_str(),
            &Capability::ExportXml,
            DownloadFlowError::FlowNotFound,
            DownloadFlowError::DownloadForbidden,
        )?;
        Ok(FileAnswer {
            filename: format!("{}.{}", flow.name, flow.file_type),
            bytes: flow.bytes.clone(),
        })
    }

    fn run_flow_now(
        &self,
        cx: &Context<Session>,
        input: RunFlowNowInput,
    ) -> Result<tf::RunFlowNowResponse, Reject<RunFlowNowError>> {
        use RunFlowNowError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        let flow = state
            .site_flow(&cx.session, &id)
            .cloned()
            .ok_or_else(|| Reject::new(E::FlowNotFound, format!("no flow with id {id}")))?;
        // Running needs Execute from 3.24 (the capability appeared then), Read before. The table
        // has no permission code: a caller who may not run the flow gets the one that fits.
        let capability = if cx.version >= V3_24 {
            Capability::Execute
        } else {
            Capability::Read
        };
        if !state.can(&cx.session.user_id, &flow, &capability) {
            return Err(Reject::new(
                E::FlowNotFound,
                format!(
                    "{} may not run flow {id} (needs {capability})",
                    state.user_name(&cx.session.user_id)
                ),
            ));
        }
        let spec = input.body.flow_run_spec.unwrap_or_default();
        if let Some(fid) = &spec.flow_id
            && fid.as_str() != id
        {
            return Err(Reject::new(
                E::BadRequest,
                "the run spec's flowId differs from the flow in the URI",
            ));
        }
        if let Some(mode @ tf::FlowRunMode::Unknown(_)) = &spec.run_mode
            && cx.version >= V3_24
        {
            return Err(Reject::new(
                E::InvalidFlowRunMode,
                format!("{mode} is not full or incremental"),
            ));
        }
        let given: Vec<(String, String)> = spec
            .parameter_specs
            .iter()
            .map(|p| (p.parameter_id.to_string(), p.override_value.clone()))
            .collect();
        let params = state
            .run_parameters(&flow, &given, cx.version)
            .map_err(|p| match p {
                ParameterProblem::NotFound(d) => Reject::new(E::FlowParameterNotFound, d),
                ParameterProblem::Invalid(d) => Reject::new(E::InvalidParameterOverrideValue, d),
                ParameterProblem::Missing(d) => Reject::new(E::MissingParameterValue, d),
            })?;
        let job = state.start_run(&cx.session, &id, params, Duration::ZERO, None);
        Ok(tf::RunFlowNowResponse {
            job: state.job_model(&job, cx.version),
        })
    }
}
