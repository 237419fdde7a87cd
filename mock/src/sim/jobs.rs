//! Query Job (`spec/jobs.tfspec`).

use super::{Session, Simulator};
use crate::interface::{Context, JobsService, QueryJobError, QueryJobInput, Reject};
use crate::tf;

impl JobsService for Simulator {
    fn query_job(
        &self,
        cx: &Context<Session>,
        input: QueryJobInput,
    ) -> Result<tf::QueryJobResponse, Reject<QueryJobError>> {
        let state = self.lock();
        let job = state
            .jobs
            .iter()
            .find(|j| j.id == input.job_id.as_str() && j.site_id == cx.session.site_id)
            .ok_or_else(|| {
                Reject::new(
                    QueryJobError::JobNotFound,
                    format!("no job with id {}", input.job_id),
                )
            })?;
        Ok(tf::QueryJobResponse {
            job: state.job_model(job, cx.version),
        })
    }
}
