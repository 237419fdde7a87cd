//! The state as the API's models: what the simulator answers.

use super::state::{self, Domain, State};
use crate::tf;
use std::time::Duration;
use tableau_flows::{ApiVersion, RunStatus};

const V3_10: ApiVersion = ApiVersion::new(3, 10);
const V3_24: ApiVersion = ApiVersion::new(3, 24);

impl State {
    /// A wall-clock time for a simulator time (written in whole seconds, deviation S18).
    pub(crate) fn at(&self, at: Duration) -> tf::DateTime {
        self.time(at)
    }

    /// A flow as Query Flows and Query Flow answer it; `full` adds its parameters (from 3.24).
    pub(crate) fn flow_model(&self, f: &state::Flow, version: ApiVersion, full: bool) -> tf::Flow {
        let project = self.projects.iter().find(|p| p.id == f.project_id);
        model!(
            tf::Flow::new(f.id.clone()),
            name = Some(f.name.clone()),
            description = Some(f.description.clone()),
            webpage_url = Some(format!("{}/#/flows/{}", self.base_url, f.id)),
            file_type = Some(tf::FlowFileType::from(f.file_type.as_str())),
            created_at = Some(self.at(f.created_at)),
            updated_at = Some(self.at(f.updated_at)),
            project = Some(model!(
                tf::ProjectRef::new(f.project_id.clone()),
                name = project.map(|p| p.name.clone()),
            )),
            // Real answers name the owner by id only (deviation S24).
            owner = Some(tf::UserRef::new(f.owner_id.clone())),
            tags = f.tags.iter().map(|t| tf::Tag::new(t.clone())).collect(),
            parameters = if full && version >= V3_24 {
                f.parameters.iter().map(parameter_model).collect()
            } else {
                Vec::new()
            },
        )
    }

    /// A flow by id and name (inside jobs, tasks and permissions).
    pub(crate) fn flow_ref(&self, flow_id: &str) -> tf::Flow {
        model!(
            tf::Flow::new(flow_id),
            name = self.flows.get(flow_id).map(|f| f.name.clone()),
        )
    }

    pub(crate) fn run_model(&self, run: &state::FlowRun) -> tf::FlowRun {
        let (status, progress, ended) = self.run_status(run);
        model!(
            tf::FlowRun::new(run.id.clone()),
            flow_id = Some(run.flow_id.clone().into()),
            status = Some(status),
            started_at = Some(self.at(run.starts_at)),
            completed_at = ended.map(|e| self.at(e)),
            progress = Some(progress),
            background_job_id = Some(run.job_id.clone().into()),
            parameter_runs = run
                .parameters
                .iter()
                .map(|(id, name, value)| model!(
                    tf::FlowParameterRun::new(),
                    parameter_id = Some(id.clone().into()),
                    name = Some(name.clone()),
                    override_value = Some(value.clone()),
                ))
                .collect(),
        )
    }

    /// A background job: a flow run's, with the notes of a failure (deviation S17), such as the
    /// deletion of its flow while it ran (deviation S27).
    pub(crate) fn job_model(&self, job: &state::Job, version: ApiVersion) -> tf::Job {
        let run = self.runs.iter().find(|r| r.id == job.flow_run_id);
        let (status, progress, ended) = match run {
            Some(r) => self.run_status(r),
            None => (RunStatus::Success, 100, None),
        };
        let flow_id = run.map(|r| r.flow_id.clone()).unwrap_or_default();
        let failure = match run.and_then(|r| self.stopped_by_deletion(r)) {
            Some(name) => Some(format!(
                "The flow {name} ({flow_id}) was deleted while this job ran: the flow run was \
                 stopped and its run history deleted."
            )),
            None => (status == RunStatus::Failed).then(|| state::demo::FAILURE_REASON.to_owned()),
        };
        let mut flow = self.flow_ref(&flow_id);
        if flow.name.is_none() {
            flow.name = run
                .and_then(|r| r.flow_deleted.as_ref())
                .map(|(_, n)| n.clone());
        }
        let updated = ended.or(run.map(|r| r.starts_at)).unwrap_or(job.created_at);
        model!(
            tf::Job::new(job.id.clone()),
            mode = Some(tf::JobMode::Asynchronous),
            job_type = Some(tf::JobType::RunFlow),
            created_at = Some(self.at(job.created_at)),
            started_at = run.map(|r| self.at(r.starts_at)),
            completed_at = ended.map(|e| self.at(e)),
            updated_at = Some(self.at(updated)),
            progress = Some(progress),
            finish_code = match status {
                RunStatus::Success => Some(0),
                RunStatus::Failed => Some(1),
                RunStatus::Cancelled => Some(2),
                _ => None,
            },
            status_notes = failure
                .iter()
                .map(|text| model!(tf::StatusNote::new("Error"), text = Some(text.clone())))
                .collect(),
            run_flow_job = Some(model!(
                tf::RunFlowJob::new(),
                flow_run_id = (version >= V3_10).then(|| job.flow_run_id.clone().into()),
                notes = failure,
                flow = Some(flow),
            )),
        )
    }

    pub(crate) fn schedule_model(&self, id: &str) -> Option<tf::Schedule> {
        let s = self.schedules.iter().find(|s| s.id == id)?;
        Some(model!(
            tf::Schedule::new(),
            id = Some(s.id.clone().into()),
            name = Some(s.name.clone()),
            state = Some(tf::ScheduleState::Active),
            priority = Some(50),
            created_at = Some(self.at(s.created_at)),
            updated_at = Some(self.at(s.created_at)),
            schedule_type = Some(s.schedule_type.clone()),
            frequency = Some(tf::ScheduleFrequency::from(s.frequency.as_str())),
            next_run_at = Some(self.at(s.created_at + Duration::from_secs(86_400))),
            execution_order = Some(tf::ExecutionOrder::Parallel),
            frequency_details = s.frequency_details.clone(),
        ))
    }

    pub(crate) fn task_model(&self, t: &state::FlowTask) -> tf::Task {
        let failed = self
            .runs
            .iter()
            .filter(|r| r.flow_id == t.flow_id)
            .rev()
            .take_while(|r| self.run_status(r).0 == RunStatus::Failed)
            .count();
        model!(
            tf::Task::new(),
            flow_run = Some(model!(
                tf::TaskFlowRun::new(),
                id = Some(t.id.clone().into()),
                priority = Some(50),
                consecutive_failed_count = Some(failed as u32),
                task_type = Some("RunFlowTask".into()),
                schedule = self.schedule_model(&t.schedule_id),
                flow = Some(self.flow_ref(&t.flow_id)),
                flow_run_spec = (!t.parameters.is_empty()).then(|| model!(
                    tf::FlowRunSpec::new(),
                    flow_id = Some(t.flow_id.clone().into()),
                    parameter_specs = t
                        .parameters
                        .iter()
                        .map(|(id, v)| model!(
                            tf::FlowParameterSpec::new(id.clone()),
                            override_value = Some(v.clone()),
                        ))
                        .collect(),
                )),
            )),
        )
    }

    /// A flow task as `viewer` may see it inside a linked task: without its flow (the `<flow>`
    /// and the run spec that names it) unless they may see the flow.
    fn task_model_for(&self, t: &state::FlowTask, viewer: &str) -> tf::Task {
        let mut task = self.task_model(t);
        let sees = self
            .flows
            .get(&t.flow_id)
            .is_some_and(|f| self.can(viewer, f, &tableau_flows::Capability::Read));
        if !sees && let Some(run) = task.flow_run.as_mut() {
            run.flow = None;
            run.flow_run_spec = None;
        }
        task
    }

    /// A linked task as `viewer` may see it: the flows they may not see (Read) are left out of its
    /// steps' tasks, as the page's Permissions have it.
    pub(crate) fn linked_model(&self, l: &state::LinkedTask, viewer: &str) -> tf::LinkedTask {
        model!(
            tf::LinkedTask::new(l.id.clone()),
            num_steps = Some(l.steps.len() as u32),
            schedule = self.schedule_model(&l.schedule_id),
            steps = l
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| model!(
                    tf::LinkedTaskStep::new(),
                    id = Some(s.id.clone().into()),
                    step_number = Some(i as u32 + 1),
                    stop_downstream_tasks_on_failure = Some(s.stop_downstream_on_failure),
                    task = self
                        .tasks
                        .iter()
                        .find(|t| t.id == s.task_id)
                        .map(|t| self.task_model_for(t, viewer)),
                ))
                .collect(),
        )
    }

    pub(crate) fn permissions_model(&self, flow: &state::Flow) -> tf::Permissions {
        let mut grantees: Vec<tf::GranteeCapabilities> = Vec::new();
        for g in self.grants.iter().filter(|g| g.flow_id == flow.id) {
            let cap = tf::CapabilityRule::new(g.capability.clone(), g.mode.clone());
            let same = |x: &&mut tf::GranteeCapabilities| {
                if g.group {
                    x.group.as_ref().is_some_and(|r| r.id.as_str() == g.grantee)
                } else {
                    x.user.as_ref().is_some_and(|r| r.id.as_str() == g.grantee)
                }
            };
            match grantees.iter_mut().find(same) {
                Some(x) => x.capabilities.push(cap),
                None => grantees.push(model!(
                    tf::GranteeCapabilities::new(),
                    user = (!g.group).then(|| model!(
                        tf::UserRef::new(g.grantee.clone()),
                        name = self.user(&g.grantee).map(|u| u.name.clone()),
                    )),
                    group = g.group.then(|| model!(
                        tf::GroupRef::new(g.grantee.clone()),
                        name = self
                            .groups
                            .iter()
                            .find(|x| x.id == g.grantee)
                            .map(|x| x.name.clone()),
                    )),
                    capabilities = vec![cap],
                )),
            }
        }
        model!(
            tf::Permissions::new(),
            flow = Some(model!(
                self.flow_ref(&flow.id),
                owner = Some(tf::UserRef::new(flow.owner_id.clone())),
            )),
            grantees = grantees,
        )
    }
}

pub(crate) fn parameter_model(p: &state::Parameter) -> tf::FlowParameter {
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
    model!(
        tf::FlowParameter::new(p.id.clone()),
        data_type = Some(p.data_type.clone()),
        name = Some(p.name.clone()),
        description = Some(format!("The {} parameter", p.name)),
        value = Some(p.value.clone()),
        is_required = Some(p.required),
        domain = Some(model!(
            tf::FlowParameterDomain::new(),
            kind = Some(p.domain.kind()),
            domain_type = Some(match &p.domain {
                Domain::Any => tf::ParameterDomainType::Any,
                Domain::List(_) => tf::ParameterDomainType::List,
                Domain::Range { .. } => tf::ParameterDomainType::Range,
            }),
            min_value = min,
            max_value = max,
            step_size = step,
            values = values,
        )),
    )
}

pub(crate) fn output_steps(f: &state::Flow) -> Vec<tf::FlowOutputStep> {
    f.output_steps
        .iter()
        .map(|(id, name)| {
            model!(
                tf::FlowOutputStep::new(id.clone()),
                name = Some(name.clone()),
            )
        })
        .collect()
}

pub(crate) fn connection_model(c: &state::Connection) -> tf::Connection {
    model!(
        tf::Connection::new(),
        id = Some(c.id.clone().into()),
        connection_type = Some(c.kind.clone()),
        server_address = Some(c.server_address.clone()),
        server_port = c.server_port,
        user_name = Some(c.user_name.clone()),
        embed_password = Some(c.embed_password),
    )
}
