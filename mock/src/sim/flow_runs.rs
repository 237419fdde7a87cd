//! Get, list and cancel flow runs (`spec/flow_runs.tfspec`).

use super::filter::{Value, passes};
use super::state::{self, State};
use super::{Session, Simulator, page_or};
use crate::interface::*;
use crate::tf;
use tableau_flows::{Capability, RunStatus};

impl State {
    /// Whether the user may see a run: administrators, the user who started it, and readers of
    /// its flow.
    fn sees_run(&self, session: &Session, run: &state::FlowRun) -> bool {
        self.is_admin(&session.user_id)
            || run.user_id == session.user_id
            || self
                .flows
                .get(&run.flow_id)
                .is_some_and(|f| self.can(&session.user_id, f, &Capability::Read))
    }

    /// A run of the session's site still in the run history: a deleted flow's runs are not
    /// (deviation S27).
    fn run_of_site(&self, session: &Session, id: &str) -> Option<usize> {
        self.runs
            .iter()
            .position(|r| r.id == id && r.site_id == session.site_id && r.flow_deleted.is_none())
    }

    /// A run's value of a filter field (deviation S14).
    fn run_field(&self, run: &state::FlowRun, field: &str) -> Value {
        let (_, progress, ended) = self.run_status(run);
        match field {
            "userId" => Value::Text(run.user_id.clone()),
            "flowId" => Value::Text(run.flow_id.clone()),
            "progress" => Value::Int(i64::from(progress)),
            "startedAt" => Value::date(self.at(run.starts_at)),
            "completedAt" => ended.map_or(Value::None, |e| Value::date(self.at(e))),
            _ => Value::None,
        }
    }
}

impl FlowRunsService for Simulator {
    fn get_flow_run(
        &self,
        cx: &Context<Session>,
        input: GetFlowRunInput,
    ) -> Result<tf::GetFlowRunResponse, Reject<GetFlowRunError>> {
        let state = self.lock();
        let id = input.flow_run_id.as_str();
        let run = state
            .run_of_site(&cx.session, id)
            .map(|i| &state.runs[i])
            .ok_or_else(|| {
                Reject::new(
                    GetFlowRunError::FlowRunNotFound,
                    format!("no flow run with id {id}"),
                )
            })?;
        if !state.sees_run(&cx.session, run) {
            return Err(Reject::new(
                GetFlowRunError::Forbidden,
                "no permission to view the flow",
            ));
        }
        Ok(tf::GetFlowRunResponse::new(state.run_model(run)))
    }

    /// Like real servers, without a `<pagination>` element (deviation S1).
    fn get_flow_runs(
        &self,
        cx: &Context<Session>,
        input: GetFlowRunsInput,
    ) -> Result<tf::GetFlowRunsResponse, Reject<GetFlowRunsError>> {
        let state = self.lock();
        if let Some(filter) = &input.filter {
            for (field, _, values) in filter.terms() {
                if field == "userId"
                    && let Some(unknown) = values.iter().find(|v| state.user(v).is_none())
                {
                    return Err(Reject::new(
                        GetFlowRunsError::UserNotFound,
                        format!("no user with id {unknown}"),
                    ));
                }
            }
        }
        let runs: Vec<&state::FlowRun> = state
            .runs
            .iter()
            .filter(|r| r.site_id == cx.session.site_id && r.flow_deleted.is_none())
            .filter(|r| state.sees_run(&cx.session, r))
            .filter(|r| passes(input.filter.as_ref(), |field| state.run_field(r, field)))
            .collect();
        let items = page_or(
            &runs,
            input.page_size,
            input.page_number,
            "runs",
            GetFlowRunsError::InvalidPageNumber,
        )?;
        Ok(model!(
            tf::GetFlowRunsResponse::new(),
            runs = items.iter().map(|r| state.run_model(r)).collect(),
        ))
    }

    /// A finished run answers 403135 with HTTP 200 (deviation S6; the spec's `http 200`).
    fn cancel_flow_run(
        &self,
        cx: &Context<Session>,
        input: CancelFlowRunInput,
    ) -> Result<(), Reject<CancelFlowRunError>> {
        use CancelFlowRunError as E;
        let mut state = self.lock();
        let id = input.flow_run_id.as_str();
        let idx = state
            .run_of_site(&cx.session, id)
            .ok_or_else(|| Reject::new(E::FlowRunNotFound, format!("no flow run with id {id}")))?;
        let run = state.runs[idx].clone();
        if !state.is_admin(&cx.session.user_id) && run.user_id != cx.session.user_id {
            return Err(Reject::new(
                E::FlowRunCancelForbidden,
                "only administrators and the user who started a run cancel it",
            ));
        }
        let (status, _, _) = state.run_status(&run);
        if !matches!(status, RunStatus::Pending | RunStatus::InProgress) {
            return Err(Reject::new(
                E::FlowRunAlreadyComplete,
                format!("flow run {id} is {status}"),
            ));
        }
        state.runs[idx].cancelled_at = Some(state.now());
        Ok(())
    }
}
