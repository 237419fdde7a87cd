//! Flow tasks: add to a server schedule, create on Tableau Cloud, get, list and run
//! (`spec/flow_tasks.tfspec`).

use super::state::{self, new_id};
use super::{ParameterProblem, Session, Simulator, given_values};
use crate::interface::*;
use crate::tf;
use std::time::Duration;

impl Simulator {
    /// A flow task of the session's site.
    fn site_task(&self, session: &Session, id: &str) -> Option<state::FlowTask> {
        self.lock()
            .tasks
            .iter()
            .find(|t| t.id == id && t.site_id == session.site_id)
            .cloned()
    }
}

impl FlowTasksService for Simulator {
    fn add_flow_task_to_schedule(
        &self,
        cx: &Context<Session>,
        input: AddFlowTaskToScheduleInput,
    ) -> Result<tf::AddFlowTaskToScheduleResponse, Reject<AddFlowTaskToScheduleError>> {
        use AddFlowTaskToScheduleError as E;
        let mut state = self.lock();
        let schedule = input.schedule_id.to_string();
        if !state.schedules.iter().any(|s| s.id == schedule) {
            return Err(Reject::new(
                E::BadRequest,
                format!("no schedule with id {schedule}"),
            ));
        }
        let run = input.body.task.flow_run;
        let flow_id = run.flow.id.to_string();
        let flow = state
            .site_flow(&cx.session, &flow_id)
            .cloned()
            .ok_or_else(|| Reject::new(E::FlowNotFound, format!("no flow with id {flow_id}")))?;
        if !state.is_admin(&cx.session.user_id) && flow.owner_id != cx.session.user_id {
            return Err(Reject::new(
                E::UpdateForbidden,
                "only the owner or an administrator adds a flow to a schedule",
            ));
        }
        let given: Vec<(String, Option<String>)> = run
            .flow_run_spec
            .map(|s| {
                s.parameter_specs
                    .into_iter()
                    .map(|p| (p.parameter_id.into_string(), p.override_value))
                    .collect()
            })
            .unwrap_or_default();
        let params = state
            .run_parameters(&flow, &given, cx.version)
            .map_err(|p| match p {
                ParameterProblem::NotFound(d) => Reject::new(E::FlowParameterNotFound, d),
                ParameterProblem::Invalid(d) => Reject::new(E::InvalidParameterOverrideValue, d),
                ParameterProblem::Missing(d) => Reject::new(E::MissingParameterValue, d),
            })?;
        let task = state::FlowTask {
            id: new_id(),
            flow_id,
            schedule_id: schedule,
            parameters: params.into_iter().map(|(id, _, v)| (id, v)).collect(),
            site_id: cx.session.site_id.clone(),
        };
        state.tasks.push(task.clone());
        Ok(tf::AddFlowTaskToScheduleResponse::new(
            state.task_model(&task),
        ))
    }

    fn create_cloud_flow_task(
        &self,
        cx: &Context<Session>,
        input: CreateCloudFlowTaskInput,
    ) -> Result<tf::CreateCloudFlowTaskResponse, Reject<CreateCloudFlowTaskError>> {
        use CreateCloudFlowTaskError as E;
        let mut state = self.lock();
        let flow_id = input.body.task.flow_run.flow.id.to_string();
        let flow = state
            .site_flow(&cx.session, &flow_id)
            .cloned()
            .ok_or_else(|| Reject::new(E::BadRequest, format!("no flow with id {flow_id}")))?;
        if !state.is_admin(&cx.session.user_id) && flow.owner_id != cx.session.user_id {
            return Err(Reject::new(
                E::BadRequest,
                "only the owner or an administrator creates a task for a flow",
            ));
        }
        let schedule = input.body.schedule;
        if matches!(schedule.frequency, tf::ScheduleFrequency::Unknown(_)) {
            return Err(Reject::new(
                E::BadRequest,
                "the frequency must be Hourly, Daily, Weekly or Monthly",
            ));
        }
        let given: Vec<(String, Option<String>)> = input
            .body
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
        let params = state
            .run_parameters(&flow, &given, cx.version)
            .map_err(|p| match p {
                ParameterProblem::NotFound(d)
                | ParameterProblem::Invalid(d)
                | ParameterProblem::Missing(d) => Reject::new(E::BadRequest, d),
            })?;
        let now = state.now();
        let schedule = state::Schedule {
            id: new_id(),
            name: format!("SSS_{}", new_id()),
            schedule_type: tf::ScheduleType::Flow,
            server: false,
            frequency: schedule.frequency.to_string(),
            created_at: now,
            frequency_details: Some(schedule.frequency_details),
        };
        let task = state::FlowTask {
            id: new_id(),
            flow_id,
            schedule_id: schedule.id.clone(),
            parameters: params.into_iter().map(|(id, _, v)| (id, v)).collect(),
            site_id: cx.session.site_id.clone(),
        };
        state.schedules.push(schedule);
        state.tasks.push(task.clone());
        Ok(tf::CreateCloudFlowTaskResponse::new(
            state.task_model(&task),
        ))
    }

    fn get_flow_run_task(
        &self,
        cx: &Context<Session>,
        input: GetFlowRunTaskInput,
    ) -> Result<tf::GetFlowRunTaskResponse, Reject<GetFlowRunTaskError>> {
        let task = self
            .site_task(&cx.session, input.task_id.as_str())
            .ok_or_else(|| {
                Reject::new(
                    GetFlowRunTaskError::TaskNotFound,
                    format!("no task with id {}", input.task_id),
                )
            })?;
        let state = self.lock();
        let owner = state
            .flows
            .get(&task.flow_id)
            .is_some_and(|f| f.owner_id == cx.session.user_id);
        if !state.is_admin(&cx.session.user_id) && !owner {
            return Err(Reject::new(
                GetFlowRunTaskError::Forbidden,
                "only the owner of the flow or an administrator sees its tasks",
            ));
        }
        Ok(tf::GetFlowRunTaskResponse::new(state.task_model(&task)))
    }

    fn get_flow_run_tasks(
        &self,
        cx: &Context<Session>,
        _input: GetFlowRunTasksInput,
    ) -> Result<tf::GetFlowRunTasksResponse, Reject<GetFlowRunTasksError>> {
        let state = self.lock();
        let admin = state.is_admin(&cx.session.user_id);
        let tasks = state
            .tasks
            .iter()
            .filter(|t| t.site_id == cx.session.site_id)
            .filter(|t| {
                admin
                    || state
                        .flows
                        .get(&t.flow_id)
                        .is_some_and(|f| f.owner_id == cx.session.user_id)
            })
            .map(|t| state.task_model(t))
            .collect();
        Ok(model!(tf::GetFlowRunTasksResponse::new(), tasks = tasks))
    }

    /// An unknown task answers 404026 (deviation S20).
    fn run_flow_task(
        &self,
        cx: &Context<Session>,
        input: RunFlowTaskInput,
    ) -> Result<tf::RunFlowTaskResponse, Reject<RunFlowTaskError>> {
        use RunFlowTaskError as E;
        let task = self
            .site_task(&cx.session, input.task_id.as_str())
            .ok_or_else(|| {
                Reject::new(
                    E::TaskNotFound,
                    format!("no task with id {}", input.task_id),
                )
            })?;
        let mut state = self.lock();
        let flow =
            state.flows.get(&task.flow_id).cloned().ok_or_else(|| {
                Reject::new(E::FlowRunTaskError, "the task's flow no longer exists")
            })?;
        if !state.is_admin(&cx.session.user_id) && flow.owner_id != cx.session.user_id {
            return Err(Reject::new(
                E::TaskNotFound,
                format!("no task with id {} that this user owns", task.id),
            ));
        }
        let params = state
            .run_parameters(&flow, &given_values(&task.parameters), cx.version)
            .map_err(|p| match p {
                ParameterProblem::NotFound(d)
                | ParameterProblem::Invalid(d)
                | ParameterProblem::Missing(d) => Reject::new(E::FlowRunTaskError, d),
            })?;
        let job = state.start_run(&cx.session, &task.flow_id, params, Duration::ZERO, None);
        Ok(tf::RunFlowTaskResponse::new(
            state.job_model(&job, cx.version),
        ))
    }
}
