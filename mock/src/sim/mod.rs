//! The simulator's behaviour: one method per endpoint, in one file per resource group as in
//! `spec/` (`flows.rs` implements `FlowsService`, ...). Routing, decoding, checks and encoding are
//! the generated interface's ([`crate::interface`]); what is here only decides what happens.

mod auth;
mod connections;
mod filter;
mod flow_runs;
mod flow_tasks;
pub(crate) mod flowfile;
mod flows;
mod groups;
mod index;
mod jobs;
mod linked_tasks;
mod models;
mod permissions;
mod projects;
mod schedules;
mod server;
pub(crate) mod state;
mod tags;
pub(crate) mod uploads;
mod users;

use crate::interface::{AuthFailure, Authority};
use state::{Grant, ProjectCapability, ProjectGrant, Role, State};
use std::sync::{Mutex, MutexGuard};
use tableau_flows::{ApiVersion, Capability, CapabilityMode, SiteId};

/// The simulator: its state behind one lock, the API version it speaks, and the folder upload
/// sessions keep their bytes in.
pub(crate) struct Simulator {
    pub state: Mutex<State>,
    pub version: ApiVersion,
    pub uploads: uploads::UploadStore,
    /// Whether the experimental Get Flow Document answers (deviation S38).
    pub flow_document_api: crate::FlowDocumentApi,
}

/// The caller of an endpoint that needs sign-in.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub token: String,
    pub user_id: String,
    pub site_id: String,
}

impl Simulator {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Authority for Simulator {
    type Session = Session;

    fn authenticate(
        &self,
        token: Option<&str>,
        site: Option<&SiteId>,
    ) -> Result<Session, AuthFailure> {
        let state = self.lock();
        let token = token.ok_or_else(|| {
            AuthFailure::Token(
                "No authentication credentials were provided (no X-Tableau-Auth header).".into(),
            )
        })?;
        let t = state.tokens.get(token).ok_or_else(|| {
            AuthFailure::Token("Invalid authentication credentials were provided.".into())
        })?;
        if state.now() >= t.expires_at {
            return Err(AuthFailure::Token(
                "The authentication token has expired.".into(),
            ));
        }
        if let Some(site) = site
            && site.as_str() != t.site_id
        {
            return Err(AuthFailure::Site(format!(
                "the site {site} is not the site this session signed in to"
            )));
        }
        Ok(Session {
            token: token.to_owned(),
            user_id: t.user_id.clone(),
            site_id: t.site_id.clone(),
        })
    }
}

impl State {
    pub(crate) fn user(&self, id: &str) -> Option<&state::User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub(crate) fn is_admin(&self, user_id: &str) -> bool {
        self.user(user_id).is_some_and(|u| u.role == Role::Admin)
    }

    pub(crate) fn user_name(&self, user_id: &str) -> String {
        self.user(user_id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| user_id.to_owned())
    }

    /// A flow of the session's site.
    pub(crate) fn site_flow(&self, session: &Session, id: &str) -> Option<&state::Flow> {
        self.flows.get(id).filter(|f| f.site_id == session.site_id)
    }

    /// A flow of the session's site on which the user holds `capability`: the endpoint's
    /// `not_found` when there is none, `forbidden` when the user lacks the capability.
    pub(crate) fn flow_for<E>(
        &self,
        session: &Session,
        id: &str,
        capability: &Capability,
        not_found: E,
        forbidden: E,
    ) -> Result<&state::Flow, crate::interface::Reject<E>> {
        use crate::interface::Reject;
        let flow = self
            .site_flow(session, id)
            .ok_or_else(|| Reject::new(not_found, format!("no flow with id {id}")))?;
        if !self.can(&session.user_id, flow, capability) {
            return Err(Reject::new(
                forbidden,
                format!(
                    "{} may not {capability} flow {id}",
                    self.user_name(&session.user_id)
                ),
            ));
        }
        Ok(flow)
    }

    /// Whether the user holds `capability` on the flow: administrators, its owner and the
    /// leaders of its project hold all (deviation S26); others need an Allow (for them or a group
    /// of theirs) and no Deny.
    pub(crate) fn can(&self, user_id: &str, flow: &state::Flow, capability: &Capability) -> bool {
        if flow.owner_id == user_id || self.leads(user_id, &flow.project_id) {
            return true;
        }
        let groups = self.groups_of(user_id);
        let mine = |g: &&Grant| {
            g.flow_id == flow.id
                && &g.capability == capability
                && if g.group {
                    groups.contains(&g.grantee.as_str())
                } else {
                    g.grantee == user_id
                }
        };
        let grants: Vec<&Grant> = self.grants.iter().filter(mine).collect();
        grants.iter().any(|g| g.mode == CapabilityMode::Allow)
            && !grants.iter().any(|g| g.mode == CapabilityMode::Deny)
    }

    /// Whether the user may run the flow (Run Flow Now, and every flow of a linked task): Execute
    /// from 3.24, when the capability appeared (erratum E11), Read before.
    pub(crate) fn may_run(&self, user_id: &str, flow: &state::Flow, version: ApiVersion) -> bool {
        let capability = if version >= V3_24 {
            Capability::Execute
        } else {
            Capability::Read
        };
        self.can(user_id, flow, &capability)
    }

    /// The ids of the groups the user is a member of.
    fn groups_of(&self, user_id: &str) -> Vec<&str> {
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m == user_id))
            .map(|g| g.id.as_str())
            .collect()
    }

    /// The project and the projects above it, nearest first (at most as many as there are, should
    /// parents ever form a loop).
    fn project_and_parents<'a>(&'a self, project_id: &'a str) -> Vec<&'a state::Project> {
        let mut chain: Vec<&state::Project> = Vec::new();
        let mut next = Some(project_id);
        while let Some(id) = next
            && chain.len() < self.projects.len()
        {
            let Some(p) = self.projects.iter().find(|p| p.id == id) else {
                break;
            };
            chain.push(p);
            next = p.parent_id.as_deref();
        }
        chain
    }

    /// Whether a rule of this very project allows the user `capability`: an Allow for them or a
    /// group of theirs, and no Deny.
    fn project_allows(
        &self,
        user_id: &str,
        groups: &[&str],
        project_id: &str,
        capability: ProjectCapability,
    ) -> bool {
        let mine = |g: &&ProjectGrant| {
            g.project_id == project_id
                && g.capability == capability
                && if g.group {
                    groups.contains(&g.grantee.as_str())
                } else {
                    g.grantee == user_id
                }
        };
        let rules: Vec<&ProjectGrant> = self.project_grants.iter().filter(mine).collect();
        rules.iter().any(|g| g.mode == CapabilityMode::Allow)
            && !rules.iter().any(|g| g.mode == CapabilityMode::Deny)
    }

    /// Whether the user leads the project (deviation S26): an administrator, the owner of it or
    /// of a project above it, or a project leader (`ProjectLeader`) of it or of a project above it.
    pub(crate) fn leads(&self, user_id: &str, project_id: &str) -> bool {
        if self.is_admin(user_id) {
            return true;
        }
        let groups = self.groups_of(user_id);
        self.project_and_parents(project_id).iter().any(|p| {
            p.owner_id == user_id
                || self.project_allows(user_id, &groups, &p.id, ProjectCapability::ProjectLeader)
        })
    }

    /// Whether the user may publish into the project, or move a flow into it (deviation S26): a
    /// leader of it ([`State::leads`]), or holding `Write` (the web UI's Publish) on it.
    pub(crate) fn may_publish(&self, user_id: &str, project_id: &str) -> bool {
        self.leads(user_id, project_id)
            || self.project_allows(
                user_id,
                &self.groups_of(user_id),
                project_id,
                ProjectCapability::Write,
            )
    }
}

impl State {
    /// Whether the user may read the project's permissions and default permissions (deviation
    /// S37): one who may publish into it ([`State::may_publish`]), or who holds `Read` on it.
    pub(crate) fn may_read_permissions(&self, user_id: &str, project_id: &str) -> bool {
        self.may_publish(user_id, project_id)
            || self.project_allows(
                user_id,
                &self.groups_of(user_id),
                project_id,
                ProjectCapability::Read,
            )
    }
}

/// The `<pagination>` of a page of `total` items.
pub(crate) fn pagination(size: u32, number: u32, total: usize) -> tableau_flows::Pagination {
    model!(
        tableau_flows::Pagination::new(),
        page_number = Some(number),
        page_size = Some(size),
        total_available = Some(total as u64),
    )
}

/// The page `number` of `size` items, or the endpoint's `past_end` error (its 400006, "greater
/// than the final page number") for a page past the last of the `what` listed.
pub(crate) fn page_or<'a, T, E>(
    items: &'a [T],
    size: u32,
    number: u32,
    what: &str,
    past_end: E,
) -> Result<&'a [T], crate::interface::Reject<E>> {
    page(items, size, number).ok_or_else(|| {
        crate::interface::Reject::new(
            past_end,
            format!(
                "page {number} is past the last page of {} {what}",
                items.len()
            ),
        )
    })
}

/// The page `number` of `size` items; `None` for a page past the last (page 1 always exists).
pub(crate) fn page<T>(items: &[T], size: u32, number: u32) -> Option<&[T]> {
    page_range(items.len(), size, number).map(|r| &items[r])
}

/// The ranks of the items on page `number` of `size` items of `total`; `None` for a page past the
/// last (page 1 always exists).
pub(crate) fn page_range(total: usize, size: u32, number: u32) -> Option<std::ops::Range<usize>> {
    let (size, number) = (size as usize, number as usize);
    let start = number.saturating_sub(1).saturating_mul(size);
    if start >= total && number > 1 {
        return None;
    }
    let start = start.min(total);
    Some(start..start.saturating_add(size).min(total))
}

/// Why run-time parameter values were refused (each endpoint answers it with its own codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParameterProblem {
    /// No parameter of the flow has this id (404043).
    NotFound(String),
    /// The value does not fit the parameter's type or domain (400148).
    Invalid(String),
    /// A required parameter has no value (400149).
    Missing(String),
}

/// The values a task stored (each checked when the task was made), as `run_parameters` takes
/// them.
pub(crate) fn given_values(stored: &[(String, String)]) -> Vec<(String, Option<String>)> {
    stored
        .iter()
        .map(|(id, value)| (id.clone(), Some(value.clone())))
        .collect()
}

const V3_24: ApiVersion = ApiVersion::new(3, 24);

impl State {
    /// Checks run-time parameter values (from API 3.24) and returns (id, name, value) triples.
    pub(crate) fn run_parameters(
        &self,
        flow: &state::Flow,
        given: &[(String, Option<String>)],
        version: ApiVersion,
    ) -> Result<Vec<(String, String, String)>, ParameterProblem> {
        if version < V3_24 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for (id, value) in given {
            let p = flow
                .parameters
                .iter()
                .find(|p| &p.id == id)
                .ok_or_else(|| {
                    ParameterProblem::NotFound(format!("flow {} has no parameter {id}", flow.id))
                })?;
            // Without an override value the parameter keeps its own (deviation S31).
            let Some(value) = value else { continue };
            models::parameter_model(p)
                .check_value(value)
                .map_err(|reason| ParameterProblem::Invalid(format!("{}: {reason}", p.name)))?;
            out.push((p.id.clone(), p.name.clone(), value.clone()));
        }
        for p in &flow.parameters {
            if p.required
                && p.value.is_empty()
                && !given.iter().any(|(id, v)| id == &p.id && v.is_some())
            {
                return Err(ParameterProblem::Missing(format!(
                    "the required parameter {} has no value",
                    p.name
                )));
            }
        }
        Ok(out)
    }

    /// Queues a run of a flow for a user; `after` delays its start (linked task steps).
    pub(crate) fn start_run(
        &mut self,
        session: &Session,
        flow_id: &str,
        parameters: Vec<(String, String, String)>,
        after: std::time::Duration,
        blocked_by: Option<String>,
    ) -> state::Job {
        let now = self.now();
        let job_id = state::new_id();
        let run = state::FlowRun {
            id: state::new_id(),
            flow_id: flow_id.to_owned(),
            user_id: session.user_id.clone(),
            job_id: job_id.clone(),
            starts_at: now + after,
            cancelled_at: None,
            parameters,
            blocked_by,
            flow_deleted: None,
            site_id: session.site_id.clone(),
        };
        let job = state::Job {
            id: job_id,
            flow_run_id: run.id.clone(),
            created_at: now,
            site_id: session.site_id.clone(),
        };
        self.runs.push(run);
        self.jobs.push(job.clone());
        job
    }
}
