//! Query Groups (`spec/groups.tfspec`): the local groups of the session's site.

use super::filter::{Value, order, passes};
use super::{Session, Simulator, page_or, state};
use crate::interface::{Context, GroupsService, QueryGroupsError, QueryGroupsInput, Reject};
use crate::tf;

impl super::State {
    /// A group's value of a filter or sort field of Query Groups.
    fn group_field(&self, g: &state::Group, field: &str) -> Value {
        match field {
            "name" => Value::Text(g.name.clone()),
            "domainName" | "domainNickname" => Value::Text("local".into()),
            "isLocal" => Value::Text("true".into()),
            "userCount" => Value::Int(g.members.len() as i64),
            // Local groups of the simulator grant no site role on sign-in.
            _ => Value::None,
        }
    }

    fn group_model(&self, g: &state::Group) -> tf::Group {
        model!(
            tf::Group::new(g.id.clone()),
            name = Some(g.name.clone()),
            user_count = Some(u32::try_from(g.members.len()).unwrap_or(u32::MAX)),
            domain = Some(tf::Domain::new("local")),
        )
    }
}

impl GroupsService for Simulator {
    fn query_groups(
        &self,
        cx: &Context<Session>,
        input: QueryGroupsInput,
    ) -> Result<tf::QueryGroupsResponse, Reject<QueryGroupsError>> {
        let state = self.lock();
        let mut groups: Vec<&state::Group> = state
            .groups
            .iter()
            .filter(|g| g.site_id == cx.session.site_id)
            .filter(|g| passes(input.filter.as_ref(), |f| state.group_field(g, f)))
            .collect();
        order(&mut groups, input.sort.as_ref(), |g, f| {
            state.group_field(g, f)
        });
        let items = page_or(
            &groups,
            input.page_size,
            input.page_number,
            "groups",
            QueryGroupsError::InvalidPageNumber,
        )?;
        Ok(model!(
            tf::QueryGroupsResponse::new(),
            pagination = Some(super::pagination(
                input.page_size,
                input.page_number,
                groups.len(),
            )),
            groups = items.iter().map(|g| state.group_model(g)).collect(),
        ))
    }
}
