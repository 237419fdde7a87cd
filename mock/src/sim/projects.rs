//! Query Projects (`spec/projects.tfspec`). Every project of the session's site is listed (the
//! project permissions the simulator keeps, deviation S26, decide who may publish, not who sees).

use super::filter::{Value, order, passes};
use super::{Session, Simulator, page_or, state};
use crate::interface::{Context, ProjectsService, QueryProjectsError, QueryProjectsInput, Reject};
use crate::tf;

impl super::State {
    /// A project's value of a filter or sort field of Query Projects.
    fn project_field(&self, p: &state::Project, field: &str) -> Value {
        let owner = self.user(&p.owner_id);
        match field {
            "name" => Value::Text(p.name.clone()),
            "createdAt" | "updatedAt" => Value::date(self.at(p.created_at)),
            "parentProjectId" => p.parent_id.clone().map_or(Value::None, Value::Text),
            "topLevelProject" => Value::Text(p.parent_id.is_none().to_string()),
            "ownerName" => owner.map_or(Value::None, |u| Value::Text(u.full_name.clone())),
            "ownerEmail" => owner.map_or(Value::None, |u| {
                Value::Text(format!("{}@example.com", u.name))
            }),
            "ownerDomain" => Value::Text("local".into()),
            _ => Value::None,
        }
    }

    fn project_model(&self, p: &state::Project) -> tf::Project {
        tf::Project {
            id: p.id.clone().into(),
            name: Some(p.name.clone()),
            description: Some(p.description.clone()),
            content_permissions: Some(tf::ContentPermissions::ManagedByOwner),
            parent_project_id: p.parent_id.clone().map(Into::into),
            created_at: Some(self.at(p.created_at)),
            updated_at: Some(self.at(p.created_at)),
            owner: Some(tf::UserRef {
                id: p.owner_id.clone().into(),
                name: None,
            }),
            ..tf::Project::default()
        }
    }
}

impl ProjectsService for Simulator {
    fn query_projects(
        &self,
        cx: &Context<Session>,
        input: QueryProjectsInput,
    ) -> Result<tf::QueryProjectsResponse, Reject<QueryProjectsError>> {
        let state = self.lock();
        let mut projects: Vec<&state::Project> = state
            .projects
            .iter()
            .filter(|p| p.site_id == cx.session.site_id)
            .filter(|p| passes(input.filter.as_ref(), |f| state.project_field(p, f)))
            .collect();
        order(&mut projects, input.sort.as_ref(), |p, f| {
            state.project_field(p, f)
        });
        let items = page_or(
            &projects,
            input.page_size,
            input.page_number,
            "projects",
            QueryProjectsError::InvalidPageNumber,
        )?;
        Ok(tf::QueryProjectsResponse {
            pagination: Some(super::pagination(
                input.page_size,
                input.page_number,
                projects.len(),
            )),
            projects: items.iter().map(|p| state.project_model(p)).collect(),
        })
    }
}
