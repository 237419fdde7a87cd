//! Query Job, Query Jobs and Cancel Job (`spec/jobs.tfspec`). The simulator's jobs are those of
//! flow runs (Run Flow Now, Run Flow Task, Run Linked Task Now): a job's state is its run's, and
//! cancelling the job cancels the run as Cancel Flow Run does (deviation S33).

use super::filter::{Value, order, passes};
use super::{Session, Simulator, page_or, state};
use crate::interface::{
    CancelJobError, CancelJobInput, Context, JobsService, QueryJobError, QueryJobInput,
    QueryJobsError, QueryJobsInput, Reject,
};
use crate::tf;
use tableau_flows::{ApiVersion, RunStatus};

/// The `jobType` of a flow run's job in Query Jobs (deviation S32).
const RUN_FLOW: &str = "run_flow";
/// The subtitle the simulator gives a flow run's job (deviation S32: not confirmed).
const FLOW_SUBTITLE: &str = "Flow";
/// The priority of every job: the default of real servers ([tsc] job_get.xml).
const PRIORITY: i64 = 50;

impl super::State {
    /// The job of the session's site with this id.
    fn site_job(&self, session: &Session, id: &str) -> Option<usize> {
        self.jobs
            .iter()
            .position(|j| j.id == id && j.site_id == session.site_id)
    }

    /// A job's run and that run's state now; a job whose run is gone counts as succeeded.
    fn job_status(&self, job: &state::Job) -> (RunStatus, u32) {
        self.runs
            .iter()
            .find(|r| r.id == job.flow_run_id)
            .map_or((RunStatus::Success, 100), |r| {
                let (status, progress, _) = self.run_status(r);
                (status, progress)
            })
    }

    /// A job as Query Jobs lists it: the dates of Query Job's answer, the run's state.
    fn background_job(&self, job: &state::Job, version: ApiVersion) -> tf::BackgroundJob {
        let full = self.job_model(job, version);
        let (status, _) = self.job_status(job);
        model!(
            tf::BackgroundJob::new(full.id),
            status = Some(status),
            created_at = full.created_at,
            started_at = full.started_at,
            ended_at = full.completed_at,
            priority = Some(PRIORITY),
            job_type = Some(RUN_FLOW.to_owned()),
            title = full.run_flow_job.and_then(|r| r.flow).and_then(|f| f.name),
            subtitle = Some(FLOW_SUBTITLE.to_owned()),
        )
    }

    /// A job's value of a filter or sort field of Query Jobs.
    fn job_field(&self, job: &state::Job, field: &str, version: ApiVersion) -> Value {
        let listed = self.background_job(job, version);
        let text = |t: Option<String>| t.map_or(Value::None, Value::Text);
        let date = |d: Option<tf::DateTime>| d.map_or(Value::None, Value::date);
        match field {
            "createdAt" => date(listed.created_at),
            "startedAt" => date(listed.started_at),
            "completedAt" => date(listed.ended_at),
            "jobType" => text(listed.job_type),
            "status" => text(listed.status.map(|s| s.to_string())),
            "title" => text(listed.title),
            "subtitle" => text(listed.subtitle),
            "priority" => listed.priority.map_or(Value::None, Value::Int),
            "progress" => Value::Int(i64::from(self.job_status(job).1)),
            "notes" => text(
                self.job_model(job, version)
                    .run_flow_job
                    .and_then(|r| r.notes),
            ),
            // A flow run's job has no arguments the simulator could match.
            _ => Value::None,
        }
    }
}

impl JobsService for Simulator {
    fn query_job(
        &self,
        cx: &Context<Session>,
        input: QueryJobInput,
    ) -> Result<tf::QueryJobResponse, Reject<QueryJobError>> {
        let state = self.lock();
        let job = state
            .site_job(&cx.session, input.job_id.as_str())
            .map(|i| &state.jobs[i])
            .ok_or_else(|| {
                Reject::new(
                    QueryJobError::JobNotFound,
                    format!("no job with id {}", input.job_id),
                )
            })?;
        Ok(tf::QueryJobResponse::new(state.job_model(job, cx.version)))
    }

    /// Every job of the site, finished ones included, for administrators only (deviation S32).
    fn query_jobs(
        &self,
        cx: &Context<Session>,
        input: QueryJobsInput,
    ) -> Result<tf::QueryJobsResponse, Reject<QueryJobsError>> {
        let state = self.lock();
        if !state.is_admin(&cx.session.user_id) {
            return Err(Reject::new(
                QueryJobsError::Forbidden,
                "only server and site administrators query the jobs of a site",
            ));
        }
        let mut jobs: Vec<&state::Job> = state
            .jobs
            .iter()
            .filter(|j| j.site_id == cx.session.site_id)
            .filter(|j| passes(input.filter.as_ref(), |f| state.job_field(j, f, cx.version)))
            .collect();
        order(&mut jobs, input.sort.as_ref(), |j, f| {
            state.job_field(j, f, cx.version)
        });
        let items = page_or(
            &jobs,
            input.page_size,
            input.page_number,
            "jobs",
            QueryJobsError::InvalidPageNumber,
        )?;
        Ok(model!(
            tf::QueryJobsResponse::new(),
            pagination = Some(super::pagination(
                input.page_size,
                input.page_number,
                jobs.len(),
            )),
            jobs = items
                .iter()
                .map(|j| state.background_job(j, cx.version))
                .collect(),
        ))
    }

    /// Cancels the job's flow run as Cancel Flow Run does, at every version (deviation S33).
    fn cancel_job(
        &self,
        cx: &Context<Session>,
        input: CancelJobInput,
    ) -> Result<(), Reject<CancelJobError>> {
        use CancelJobError as E;
        let mut state = self.lock();
        let id = input.job_id.as_str();
        let idx = state
            .site_job(&cx.session, id)
            .ok_or_else(|| Reject::new(E::JobNotFound, format!("no job with id {id}")))?;
        if !state.is_admin(&cx.session.user_id) {
            return Err(Reject::new(
                E::JobCancelForbidden,
                "only server and site administrators cancel jobs",
            ));
        }
        let job = state.jobs[idx].clone();
        let (status, _) = state.job_status(&job);
        let run = state.runs.iter().position(|r| r.id == job.flow_run_id);
        match run {
            Some(r) if matches!(status, RunStatus::Pending | RunStatus::InProgress) => {
                state.runs[r].cancelled_at = Some(state.now());
                Ok(())
            }
            _ => Err(Reject::new(
                E::JobAlreadyComplete,
                format!("job {id} is {status}"),
            )),
        }
    }
}
