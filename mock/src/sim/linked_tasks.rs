//! Get, list and run linked tasks (`spec/linked_tasks.tfspec`). Every user sees every linked
//! task, but only the flows they may see; a linked task runs for its owner, administrators, and
//! whoever may run every flow in it (a project leader of them all among them).

use super::state::{self, new_id};
use super::{Session, Simulator, given_values, page};
use crate::interface::*;
use crate::tf;
use tableau_flows::RunStatus;

impl LinkedTasksService for Simulator {
    /// Answered as `<linkedTasks id="..">`, the page's form (deviation S19).
    fn get_linked_task(
        &self,
        cx: &Context<Session>,
        input: GetLinkedTaskInput,
    ) -> Result<tf::GetLinkedTaskResponse, Reject<GetLinkedTaskError>> {
        let state = self.lock();
        let id = input.linked_task_id.as_str();
        let l = state
            .linked
            .iter()
            .find(|l| l.id == id && l.site_id == cx.session.site_id)
            .ok_or_else(|| {
                Reject::new(
                    GetLinkedTaskError::LinkedTaskNotFound,
                    format!("no linked task with id {id}"),
                )
            })?;
        Ok(tf::GetLinkedTaskResponse::new(
            state.linked_model(l, &cx.session.user_id),
        ))
    }

    fn get_linked_tasks(
        &self,
        cx: &Context<Session>,
        input: GetLinkedTasksInput,
    ) -> Result<tf::GetLinkedTasksResponse, Reject<GetLinkedTasksError>> {
        let state = self.lock();
        let all: Vec<&state::LinkedTask> = state
            .linked
            .iter()
            .filter(|l| l.site_id == cx.session.site_id)
            .collect();
        // The table has no code for a page past the end: it is empty, and a client stops there.
        let items = page(&all, input.page_size, input.page_number).unwrap_or(&[]);
        Ok(model!(
            tf::GetLinkedTasksResponse::new(),
            linked_tasks = items
                .iter()
                .map(|l| state.linked_model(l, &cx.session.user_id))
                .collect(),
        ))
    }

    /// Runs the steps one after another; a step that stops downstream tasks on failure cancels
    /// the later steps when it fails. Every step is checked before any runs: one the caller may
    /// not run (deviation S25) or cannot start refuses the whole task, and no run starts.
    fn run_linked_task_now(
        &self,
        cx: &Context<Session>,
        input: RunLinkedTaskNowInput,
    ) -> Result<tf::RunLinkedTaskNowResponse, Reject<RunLinkedTaskNowError>> {
        use RunLinkedTaskNowError as E;
        let mut state = self.lock();
        let id = input.linked_task_id.to_string();
        let l = state
            .linked
            .iter()
            .find(|l| l.id == id && l.site_id == cx.session.site_id)
            .cloned()
            .ok_or_else(|| {
                Reject::new(
                    E::LinkedTaskNotFound,
                    format!("no linked task with id {id}"),
                )
            })?;
        let user = &cx.session.user_id;
        let may_run_any = state.is_admin(user) || &l.owner_id == user;
        let mut steps = Vec::with_capacity(l.steps.len());
        for (i, step) in l.steps.iter().enumerate() {
            let task = state
                .tasks
                .iter()
                .find(|t| t.id == step.task_id)
                .ok_or_else(|| {
                    Reject::new(E::LinkedTaskRunError, format!("step {} has no task", i + 1))
                })?;
            let flow = state.flows.get(&task.flow_id).ok_or_else(|| {
                Reject::new(
                    E::LinkedTaskRunError,
                    format!("the flow of step {} no longer exists", i + 1),
                )
            })?;
            if !may_run_any && !state.may_run(user, flow, cx.version) {
                return Err(Reject::new(
                    E::Forbidden,
                    format!(
                        "{} may not run every flow of linked task {id}: not the flow of step {} \
                         (it needs Execute, Read before 3.24)",
                        state.user_name(user),
                        i + 1
                    ),
                ));
            }
            let params = state
                .run_parameters(flow, &given_values(&task.parameters), cx.version)
                .map_err(|p| {
                    Reject::new(E::LinkedTaskRunError, format!("step {}: {p:?}", i + 1))
                })?;
            steps.push((
                task.flow_id.clone(),
                params,
                step.stop_downstream_on_failure,
            ));
        }
        let step_time = state.timing.pending + state.timing.running;
        let mut previous: Option<(String, bool)> = None;
        let mut run_ids = Vec::new();
        for (i, (flow_id, params, stop)) in steps.into_iter().enumerate() {
            let blocked_by = previous
                .as_ref()
                .filter(|(_, stop)| *stop)
                .map(|(id, _)| id.clone());
            let job = state.start_run(
                &cx.session,
                &flow_id,
                params,
                step_time * i as u32,
                blocked_by,
            );
            previous = Some((job.flow_run_id.clone(), stop));
            run_ids.push(job.flow_run_id);
        }
        let now = state.now();
        let job = state::Job {
            id: new_id(),
            flow_run_id: run_ids.last().cloned().unwrap_or_default(),
            created_at: now,
            site_id: cx.session.site_id.clone(),
        };
        state.jobs.push(job.clone());
        Ok(tf::RunLinkedTaskNowResponse::new(model!(
            tf::LinkedTaskJob::new(job.id),
            linked_task_id = Some(id.into()),
            status = Some(RunStatus::InProgress),
            created_at = Some(state.at(now)),
            started_at = Some(state.at(now)),
        )))
    }
}
