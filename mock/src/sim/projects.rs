//! Query Projects, Query Project Permissions and Query Default Permissions
//! (`spec/projects.tfspec`). Every project of the session's site is listed (the project
//! permissions the simulator keeps, deviation S26, decide who may publish, not who sees); its
//! permissions and default permissions are answered to those deviation S37 lets read them.

use super::filter::{Value, order, passes};
use super::state::DefaultsFor;
use super::{Session, Simulator, page_or, state};
use crate::interface::{
    Context, ProjectsService, QueryDefaultDatasourcePermissionsError,
    QueryDefaultDatasourcePermissionsInput, QueryDefaultFlowPermissionsError,
    QueryDefaultFlowPermissionsInput, QueryDefaultWorkbookPermissionsError,
    QueryDefaultWorkbookPermissionsInput, QueryProjectPermissionsError,
    QueryProjectPermissionsInput, QueryProjectsError, QueryProjectsInput, Reject,
};
use crate::tf;
use crate::tf::ContentCapability;
use tableau_flows::CapabilityMode;

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
        model!(
            tf::Project::new(p.id.clone()),
            name = Some(p.name.clone()),
            description = Some(p.description.clone()),
            content_permissions = Some(tf::ContentPermissions::ManagedByOwner),
            parent_project_id = p.parent_id.clone().map(Into::into),
            created_at = Some(self.at(p.created_at)),
            updated_at = Some(self.at(p.created_at)),
            owner = Some(tf::UserRef::new(p.owner_id.clone())),
        )
    }
}

/// One rule of a project's permissions or default permissions: (grantee is a group, grantee id,
/// capability, mode).
type Rule<'a> = (bool, &'a str, ContentCapability, &'a CapabilityMode);

impl super::State {
    /// A project of the session's site whose permissions the user may read: the endpoint's
    /// `not_found` when there is none, `forbidden` when they may not read them (deviation S37).
    fn project_for_permissions<E>(
        &self,
        session: &Session,
        project_id: &str,
        not_found: E,
        forbidden: E,
    ) -> Result<&state::Project, Reject<E>> {
        let project = self
            .projects
            .iter()
            .find(|p| p.id == project_id && p.site_id == session.site_id)
            .ok_or_else(|| Reject::new(not_found, format!("no project with id {project_id}")))?;
        if !self.may_read_permissions(&session.user_id, &project.id) {
            return Err(Reject::new(
                forbidden,
                format!(
                    "this user may not read the permissions of project {} (an administrator, its owner, a project leader or a holder of Read or Write on it may)",
                    project.name
                ),
            ));
        }
        Ok(project)
    }

    /// The `<permissions>` of a project holding `rules`, grouped by grantee in the order the
    /// rules were made; no `<granteeCapabilities>` at all when there is none.
    fn project_permissions_model<'a>(
        &self,
        project: &state::Project,
        rules: impl Iterator<Item = Rule<'a>>,
    ) -> tf::ProjectPermissions {
        let mut grantees: Vec<tf::ContentGranteeCapabilities> = Vec::new();
        for (group, grantee, name, mode) in rules {
            let cap = tf::ContentCapabilityRule::new(name, mode.clone());
            let same = |x: &&mut tf::ContentGranteeCapabilities| {
                if group {
                    x.group.as_ref().is_some_and(|r| r.id.as_str() == grantee)
                } else {
                    x.user.as_ref().is_some_and(|r| r.id.as_str() == grantee)
                }
            };
            match grantees.iter_mut().find(same) {
                Some(x) => x.capabilities.push(cap),
                None => grantees.push(model!(
                    tf::ContentGranteeCapabilities::new(),
                    user = (!group).then(|| tf::UserRef::new(grantee.to_owned())),
                    group = group.then(|| tf::GroupRef::new(grantee.to_owned())),
                    capabilities = vec![cap],
                )),
            }
        }
        model!(
            tf::ProjectPermissions::new(),
            // As real answers write it: the project's id and name, and its owner by id.
            project = Some(model!(
                tf::Project::new(project.id.clone()),
                name = Some(project.name.clone()),
                owner = Some(tf::UserRef::new(project.owner_id.clone())),
            )),
            grantees = grantees,
        )
    }

    /// The answer of Query Default Permissions for one kind of content.
    fn default_permissions<E>(
        &self,
        session: &Session,
        project_id: &str,
        kind: DefaultsFor,
        [not_found, forbidden]: [E; 2],
    ) -> Result<tf::ProjectPermissionsResponse, Reject<E>> {
        let project = self.project_for_permissions(session, project_id, not_found, forbidden)?;
        let rules = self
            .default_grants
            .iter()
            .filter(|g| g.project_id == project.id && g.kind == kind)
            .map(|g| (g.group, g.grantee.as_str(), g.capability.clone(), &g.mode));
        Ok(tf::ProjectPermissionsResponse::new(
            self.project_permissions_model(project, rules),
        ))
    }
}

impl ProjectsService for Simulator {
    fn query_project_permissions(
        &self,
        cx: &Context<Session>,
        input: QueryProjectPermissionsInput,
    ) -> Result<tf::ProjectPermissionsResponse, Reject<QueryProjectPermissionsError>> {
        let state = self.lock();
        // The table has no code to refuse a caller with: one who may not read the project's
        // permissions is answered as for a project they cannot see (deviation S37).
        let project = state.project_for_permissions(
            &cx.session,
            input.project_id.as_str(),
            QueryProjectPermissionsError::ProjectNotFound,
            QueryProjectPermissionsError::ProjectNotFound,
        )?;
        let rules = state
            .project_grants
            .iter()
            .filter(|g| g.project_id == project.id)
            .map(|g| {
                (
                    g.group,
                    g.grantee.as_str(),
                    g.capability.content_capability(),
                    &g.mode,
                )
            });
        Ok(tf::ProjectPermissionsResponse::new(
            state.project_permissions_model(project, rules),
        ))
    }

    fn query_default_workbook_permissions(
        &self,
        cx: &Context<Session>,
        input: QueryDefaultWorkbookPermissionsInput,
    ) -> Result<tf::ProjectPermissionsResponse, Reject<QueryDefaultWorkbookPermissionsError>> {
        use QueryDefaultWorkbookPermissionsError as E;
        self.lock().default_permissions(
            &cx.session,
            input.project_id.as_str(),
            DefaultsFor::Workbooks,
            [
                E::ProjectNotFound,
                E::DefaultWorkbookPermissionsReadForbidden,
            ],
        )
    }

    fn query_default_datasource_permissions(
        &self,
        cx: &Context<Session>,
        input: QueryDefaultDatasourcePermissionsInput,
    ) -> Result<tf::ProjectPermissionsResponse, Reject<QueryDefaultDatasourcePermissionsError>>
    {
        use QueryDefaultDatasourcePermissionsError as E;
        self.lock().default_permissions(
            &cx.session,
            input.project_id.as_str(),
            DefaultsFor::Datasources,
            [E::ProjectNotFound, E::DefaultPermissionsReadForbidden],
        )
    }

    fn query_default_flow_permissions(
        &self,
        cx: &Context<Session>,
        input: QueryDefaultFlowPermissionsInput,
    ) -> Result<tf::ProjectPermissionsResponse, Reject<QueryDefaultFlowPermissionsError>> {
        use QueryDefaultFlowPermissionsError as E;
        self.lock().default_permissions(
            &cx.session,
            input.project_id.as_str(),
            DefaultsFor::Flows,
            [E::ProjectNotFound, E::DefaultPermissionsReadForbidden],
        )
    }

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
        Ok(model!(
            tf::QueryProjectsResponse::new(),
            pagination = Some(super::pagination(
                input.page_size,
                input.page_number,
                projects.len(),
            )),
            projects = items.iter().map(|p| state.project_model(p)).collect(),
        ))
    }
}
