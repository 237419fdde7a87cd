//! List Server Schedules (`spec/schedules.tfspec`): the server's schedules of every type, not the
//! schedules that belong to single cloud flow tasks.

use super::{Session, Simulator, page_or};
use crate::interface::{
    Context, ListServerSchedulesError, ListServerSchedulesInput, Reject, SchedulesService,
};
use crate::tf;

impl SchedulesService for Simulator {
    fn list_server_schedules(
        &self,
        _cx: &Context<Session>,
        input: ListServerSchedulesInput,
    ) -> Result<tf::ListServerSchedulesResponse, Reject<ListServerSchedulesError>> {
        let state = self.lock();
        let ids: Vec<&str> = state
            .schedules
            .iter()
            .filter(|s| s.server)
            .map(|s| s.id.as_str())
            .collect();
        let items = page_or(
            &ids,
            input.page_size,
            input.page_number,
            "schedules",
            ListServerSchedulesError::InvalidPageNumber,
        )?;
        Ok(model!(
            tf::ListServerSchedulesResponse::new(),
            pagination = Some(super::pagination(
                input.page_size,
                input.page_number,
                ids.len(),
            )),
            schedules = items
                .iter()
                .filter_map(|id| state.schedule_model(id))
                .collect(),
        ))
    }
}
