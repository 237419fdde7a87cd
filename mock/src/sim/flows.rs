//! Query, publish, update, delete, download and run flows (`spec/flows.tfspec`).

use super::filter::{Value, order, passes};
use super::index::{Ordered, SiteFlows, SortField};
use super::models::output_steps;
use super::state::{self, State, new_id};
use super::{ParameterProblem, Session, Simulator, page_range};
use crate::interface::*;
use crate::tf;
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;
use tableau_flows::filter::Operator;
use tableau_flows::{ApiVersion, Capability, CapabilityMode};

const V3_24: ApiVersion = ApiVersion::new(3, 24);

impl State {
    /// A flow's value of a filter or sort field (deviation S14).
    fn flow_field(&self, f: &state::Flow, field: &str) -> Value {
        match field {
            "name" => Value::Text(f.name.clone()),
            "createdAt" => Value::date(self.at(f.created_at)),
            "updatedAt" => Value::date(self.at(f.updated_at)),
            "projectId" => Value::Text(f.project_id.clone()),
            "projectName" => self
                .projects
                .iter()
                .find(|p| p.id == f.project_id)
                .map_or(Value::None, |p| Value::Text(p.name.clone())),
            "ownerName" => self
                .user(&f.owner_id)
                .map_or(Value::None, |u| Value::Text(u.full_name.clone())),
            _ => Value::None,
        }
    }

    /// A page of the flows a list shows: the site's, readable by the user (or owned by `owner`),
    /// filtered, sorted (by id when no sort is given: a stable sort of the id order by the sort's
    /// terms), with the total before paging.
    ///
    /// An unfiltered listing by id, by one sort field, or of an owner's flows is a range of an
    /// index: it costs the page, not the number of flows. Otherwise the flows a filter term
    /// names by an index (`name`, `projectId`, `projectName`, `ownerName` with `eq` or `in`), or
    /// those a user other than an administrator may read (owned, or granted Read), are checked
    /// and sorted; with none of those, every flow of the site is (in the sort's order when an
    /// index serves it).
    fn listed_flows<'a>(
        &'a self,
        session: &Session,
        owner: Option<&str>,
        filter: Option<&tf::Filter>,
        sort: Option<&tf::Sort>,
        (size, number): (u32, u32),
    ) -> Listing<'a> {
        let filter = filter.filter(|f| !f.is_empty());
        let plan = SortPlan::of(sort);
        let Some(site) = self.flows.site(&session.site_id) else {
            return Listing::of(Vec::new(), size, number);
        };
        let admin = owner.is_none() && self.is_admin(&session.user_id);
        if filter.is_none() {
            let ordered = match (owner, plan) {
                (Some(owner), SortPlan::Unsorted) => Some(site.owned_by(owner)),
                (None, SortPlan::Unsorted) if admin => Some(site.ids()),
                (None, SortPlan::Indexed(field, ascending)) if admin => {
                    Some(site.ordered(field, ascending))
                }
                _ => None,
            };
            if let Some(ordered) = ordered {
                let total = ordered.len();
                let page = page_range(total, size, number).map(|r| {
                    ordered
                        .from(r.start)
                        .take(r.len())
                        .map(|(_, slot)| self.flows.at(slot))
                        .collect()
                });
                return Listing { total, page };
            }
        }
        let listed = |f: &&state::Flow| {
            f.site_id == session.site_id
                && match owner {
                    Some(owner) => f.owner_id == owner,
                    None => admin || self.can(&session.user_id, f, &Capability::Read),
                }
                && passes(filter, |field| self.flow_field(f, field))
        };
        let candidates = match filter.and_then(|f| self.filter_candidates(site, f)) {
            Some(ids) => Some(ids),
            None => match owner {
                Some(owner) => Some(all_ids(site.owned_by(owner))),
                None if !admin => Some(self.readable_candidates(site, &session.user_id)),
                None => None,
            },
        };
        let flows = match candidates {
            Some(mut ids) => {
                ids.sort_unstable();
                ids.dedup();
                let mut flows: Vec<&state::Flow> = ids
                    .into_iter()
                    .filter_map(|id| self.flows.get(id))
                    .filter(listed)
                    .collect();
                order(&mut flows, sort, |f, field| self.flow_field(f, field));
                flows
            }
            None => {
                let ordered = match plan {
                    SortPlan::Indexed(field, ascending) => site.ordered(field, ascending),
                    SortPlan::Unsorted | SortPlan::General => site.ids(),
                };
                let mut flows: Vec<&state::Flow> = ordered
                    .from(0)
                    .map(|(_, slot)| self.flows.at(slot))
                    .filter(listed)
                    .collect();
                if plan == SortPlan::General {
                    order(&mut flows, sort, |f, field| self.flow_field(f, field));
                }
                flows
            }
        };
        Listing::of(flows, size, number)
    }

    /// The ids of the flows that the filter term naming the fewest flows by an index names
    /// (a superset of the flows the term passes); `None` when no term is served by an index.
    fn filter_candidates<'a>(
        &'a self,
        site: &'a SiteFlows,
        filter: &tf::Filter,
    ) -> Option<Vec<&'a str>> {
        let whole = |o: Ordered<'a>| (o, 0..o.len());
        let mut best: Option<(usize, Vec<Part<'a>>)> = None;
        for (field, op, wanted) in filter.terms() {
            let values: Vec<&str> = match op {
                Operator::Eq | Operator::Has => vec![wanted.first().map_or("", String::as_str)],
                Operator::In => wanted.iter().map(String::as_str).collect(),
                _ => continue,
            };
            let parts: Vec<Part<'a>> = match field {
                "name" => values
                    .iter()
                    .map(|v| (site.ordered(SortField::Name, true), site.named(v)))
                    .collect(),
                "projectId" => values.iter().map(|v| whole(site.in_project(v))).collect(),
                "projectName" => self
                    .projects
                    .iter()
                    .filter(|p| values.contains(&p.name.as_str()))
                    .map(|p| whole(site.in_project(&p.id)))
                    .collect(),
                "ownerName" => self
                    .users
                    .iter()
                    .filter(|u| values.contains(&u.full_name.as_str()))
                    .map(|u| whole(site.owned_by(&u.id)))
                    .collect(),
                _ => continue,
            };
            let count = parts.iter().map(|(_, r)| r.len()).sum();
            if best.as_ref().is_none_or(|(fewest, _)| count < *fewest) {
                best = Some((count, parts));
            }
        }
        let (count, parts) = best?;
        let mut ids = Vec::with_capacity(count);
        for (ordered, range) in parts {
            ids.extend(
                ordered
                    .from(range.start)
                    .take(range.len())
                    .map(|(id, _)| &**id),
            );
        }
        Some(ids)
    }

    /// The ids of the flows of a site that a user other than an administrator may read: a
    /// superset, those they own, those of the projects they lead and those a grant allows someone
    /// Read on.
    fn readable_candidates<'a>(&'a self, site: &'a SiteFlows, user_id: &str) -> Vec<&'a str> {
        let mut ids = all_ids(site.owned_by(user_id));
        for p in &self.projects {
            if self.leads(user_id, &p.id) {
                ids.extend(all_ids(site.in_project(&p.id)));
            }
        }
        ids.extend(
            self.grants
                .iter()
                .filter(|g| g.capability == Capability::Read && g.mode == CapabilityMode::Allow)
                .map(|g| g.flow_id.as_str()),
        );
        ids
    }
}

/// A range of ranks of an index: some of the flows a filter term names.
type Part<'a> = (Ordered<'a>, Range<usize>);

/// Every id of an index, in its order.
fn all_ids(ordered: Ordered<'_>) -> Vec<&str> {
    ordered.from(0).map(|(id, _)| &**id).collect()
}

/// How a listing is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortPlan {
    /// By id: no sort, or one without terms.
    Unsorted,
    /// By one field an index serves (terms repeating a field change nothing).
    Indexed(SortField, bool),
    /// Any other sort: by [`order`].
    General,
}

impl SortPlan {
    fn of(sort: Option<&tf::Sort>) -> SortPlan {
        let mut terms: Vec<(&str, bool)> = Vec::new();
        for (field, ascending) in sort.into_iter().flat_map(|s| s.terms()) {
            if !terms.iter().any(|(f, _)| *f == field) {
                terms.push((field, ascending));
            }
        }
        match terms.as_slice() {
            [] => SortPlan::Unsorted,
            [(field, ascending)] => {
                SortField::of(field).map_or(SortPlan::General, |f| SortPlan::Indexed(f, *ascending))
            }
            _ => SortPlan::General,
        }
    }
}

/// A page of a listing: the number of flows listed, and the page's (`None` past the last page).
struct Listing<'a> {
    total: usize,
    page: Option<Vec<&'a state::Flow>>,
}

impl<'a> Listing<'a> {
    fn of(flows: Vec<&'a state::Flow>, size: u32, number: u32) -> Listing<'a> {
        Listing {
            total: flows.len(),
            page: page_range(flows.len(), size, number).map(|r| flows[r].to_vec()),
        }
    }
}

fn flows_page<E>(
    state: &State,
    listing: Listing<'_>,
    (size, number): (u32, u32),
    version: ApiVersion,
    past_end: E,
) -> Result<tf::QueryFlowsResponse, Reject<E>> {
    let Some(items) = listing.page else {
        return Err(Reject::new(
            past_end,
            format!(
                "page {number} is past the last page of {} flows",
                listing.total
            ),
        ));
    };
    Ok(model!(
        tf::QueryFlowsResponse::new(),
        pagination = Some(model!(
            tf::Pagination::new(),
            page_number = Some(number),
            page_size = Some(size),
            total_available = Some(listing.total as u64),
        )),
        flows = items
            .iter()
            .map(|f| state.flow_model(f, version, true))
            .collect(),
    ))
}

impl FlowsService for Simulator {
    fn query_flows_for_site(
        &self,
        cx: &Context<Session>,
        input: QueryFlowsForSiteInput,
    ) -> Result<tf::QueryFlowsResponse, Reject<QueryFlowsForSiteError>> {
        let state = self.lock();
        let page = (input.page_size, input.page_number);
        let listing = state.listed_flows(
            &cx.session,
            None,
            input.filter.as_ref(),
            input.sort.as_ref(),
            page,
        );
        flows_page(
            &state,
            listing,
            page,
            cx.version,
            QueryFlowsForSiteError::InvalidPageNumber,
        )
    }

    fn query_flows_for_user(
        &self,
        cx: &Context<Session>,
        input: QueryFlowsForUserInput,
    ) -> Result<tf::QueryFlowsResponse, Reject<QueryFlowsForUserError>> {
        let state = self.lock();
        let user = input.user_id.as_str();
        if !state
            .users
            .iter()
            .any(|u| u.id == user && u.site_id == cx.session.site_id)
        {
            return Err(Reject::new(
                QueryFlowsForUserError::UserNotFound,
                format!("no user with id {user}"),
            ));
        }
        if user != cx.session.user_id && !state.is_admin(&cx.session.user_id) {
            return Err(Reject::new(
                QueryFlowsForUserError::FlowsReadForbidden,
                "only administrators may list another user's flows",
            ));
        }
        let owner = input.owned_by.then_some(user);
        let page = (input.page_size, input.page_number);
        let listing = state.listed_flows(&cx.session, owner, None, None, page);
        flows_page(
            &state,
            listing,
            page,
            cx.version,
            QueryFlowsForUserError::InvalidPageNumber,
        )
    }

    fn query_flow(
        &self,
        cx: &Context<Session>,
        input: QueryFlowInput,
    ) -> Result<tf::QueryFlowResponse, Reject<QueryFlowError>> {
        let state = self.lock();
        let flow = state.flow_for(
            &cx.session,
            input.flow_id.as_str(),
            &Capability::Read,
            QueryFlowError::FlowNotFound,
            QueryFlowError::Forbidden,
        )?;
        Ok(model!(
            tf::QueryFlowResponse::new(state.flow_model(flow, cx.version, true)),
            output_steps = output_steps(flow),
        ))
    }

    fn publish_flow(
        &self,
        cx: &Context<Session>,
        input: PublishFlowInput,
    ) -> Result<tf::PublishFlowResponse, Reject<PublishFlowError>> {
        use PublishFlowError as E;
        let mut state = self.lock();
        let name = input.payload.flow.name.trim().to_owned();
        if name.is_empty() {
            return Err(Reject::new(E::MissingFlowName, "the flow's name is empty"));
        }
        let project = input.payload.flow.project.id.to_string();
        if !state
            .projects
            .iter()
            .any(|p| p.id == project && p.site_id == cx.session.site_id)
        {
            return Err(Reject::new(
                E::ProjectNotFound,
                format!("no project with id {project}"),
            ));
        }
        // Before the upload session is read: a refused publish leaves it to be published again.
        if !state.may_publish(&cx.session.user_id, &project) {
            return Err(Reject::new(
                E::PublishForbidden,
                format!(
                    "{} may not publish into project {project}: not an administrator, its owner \
                     or a project leader, and without Write (Publish) on it",
                    state.user_name(&cx.session.user_id)
                ),
            ));
        }
        let (bytes, file_type) = match &input.upload_session_id {
            Some(session) => {
                let file_type = match &input.flow_type {
                    Some(t @ (tf::FlowFileType::Tfl | tf::FlowFileType::Tflx)) => t.to_string(),
                    other => {
                        return Err(Reject::new(
                            E::BadRequest,
                            format!(
                                "flowType must be tfl or tflx with uploadSessionId, not {:?}",
                                other.as_ref().map(|t| t.as_str())
                            ),
                        ));
                    }
                };
                state.expire_uploads();
                if state
                    .uploads
                    .get(session.as_str())
                    .is_none_or(|u| u.site_id != cx.session.site_id)
                {
                    return Err(Reject::new(
                        E::BadRequest,
                        format!("no upload session {session}"),
                    ));
                }
                // Publishing commits the session: it ends, and its file is removed.
                let upload = state.uploads.remove(session.as_str()).expect("found above");
                let bytes = upload.take_bytes().map_err(|e| {
                    Reject::new(
                        E::BadRequest,
                        format!("the upload session {session} cannot be read: {e}"),
                    )
                })?;
                (bytes, file_type)
            }
            None => {
                let file = input.file.ok_or_else(|| {
                    Reject::new(E::BadRequest, "no tableau_flow part and no uploadSessionId")
                })?;
                let filename = file.filename.clone().unwrap_or_default();
                let ext = filename
                    .rsplit_once('.')
                    .map(|(_, e)| e.to_ascii_lowercase())
                    .unwrap_or_default();
                if ext != "tfl" && ext != "tflx" {
                    return Err(Reject::new(
                        E::InvalidFlowAttachment,
                        format!("{filename:?} does not end in .tfl or .tflx"),
                    ));
                }
                // Spooled by the HTTP server, the part's content is in its file.
                let bytes = match super::uploads::take_staged() {
                    Some(staged) => staged.read().map_err(|e| {
                        Reject::new(
                            E::BadRequest,
                            format!("the published file cannot be read: {e}"),
                        )
                    })?,
                    None => file.bytes,
                };
                (bytes, ext)
            }
        };
        // The file must be a flow file, however it came (deviation S23).
        let document = super::flowfile::read(&bytes).map_err(|e| {
            Reject::new(
                E::GenericFlowPublishingError,
                format!("the published file is not a flow file: {e}"),
            )
        })?;
        let now = state.now();
        // The flow of the project with the name, ignoring ASCII case (the lowest id, should a
        // move have made several).
        let existing = state
            .flows
            .named_in_project(&cx.session.site_id, &project, &name)
            .cloned();
        let flow = match existing {
            Some(f) if !input.overwrite => {
                return Err(Reject::new(
                    E::FlowNameConflict,
                    format!(
                        "a flow named {:?} exists; publish with overwrite=true to replace it",
                        f.name
                    ),
                ));
            }
            Some(f) => {
                if !state.can(&cx.session.user_id, &f, &Capability::Write) {
                    return Err(Reject::new(
                        E::PublishForbidden,
                        "overwriting needs Write on the flow",
                    ));
                }
                let description = input.payload.flow.description;
                state
                    .flows
                    .update(&f.id, |entry| {
                        entry.bytes = Arc::new(bytes);
                        entry.file_type = file_type;
                        entry.output_steps = document.output_steps;
                        entry.updated_at = now;
                        if let Some(d) = description {
                            entry.description = d;
                        }
                        entry.clone()
                    })
                    .expect("found above")
            }
            None => {
                let f = state::Flow {
                    id: new_id(),
                    name,
                    description: input.payload.flow.description.unwrap_or_default(),
                    project_id: project,
                    owner_id: cx.session.user_id.clone(),
                    file_type,
                    bytes: Arc::new(bytes),
                    created_at: now,
                    updated_at: now,
                    tags: Vec::new(),
                    output_steps: document.output_steps,
                    parameters: Vec::new(),
                    // The connections the request gives (with their credentials), else the
                    // database connections of the file.
                    connections: if input.payload.connections.is_empty() {
                        document
                            .connections
                            .into_iter()
                            .map(state::Connection::from)
                            .collect()
                    } else {
                        input
                            .payload
                            .connections
                            .iter()
                            .map(|c| state::Connection {
                                id: c.id.as_ref().map(|i| i.to_string()).unwrap_or_else(new_id),
                                kind: c
                                    .connection_type
                                    .clone()
                                    .unwrap_or_else(|| "postgres".into()),
                                server_address: c.server_address.clone().unwrap_or_default(),
                                server_port: c.server_port,
                                user_name: c
                                    .credentials
                                    .as_ref()
                                    .and_then(|k| k.name.clone())
                                    .unwrap_or_default(),
                                embed_password: c
                                    .credentials
                                    .as_ref()
                                    .and_then(|k| k.embed)
                                    .unwrap_or(false),
                            })
                            .collect()
                    },
                    fails: false,
                    site_id: cx.session.site_id.clone(),
                };
                state.flows.insert(f.clone());
                // A new flow takes its project's default permissions for flows (deviation S37).
                let inherited: Vec<state::Grant> = state
                    .default_grants
                    .iter()
                    .filter(|d| d.project_id == f.project_id && d.kind == state::DefaultsFor::Flows)
                    .map(|d| state::Grant {
                        flow_id: f.id.clone(),
                        group: d.group,
                        grantee: d.grantee.clone(),
                        capability: Capability::from(d.capability.to_string().as_str()),
                        mode: d.mode.clone(),
                    })
                    .collect();
                state.grants.extend(inherited);
                f
            }
        };
        Ok(model!(
            tf::PublishFlowResponse::new(state.flow_model(&flow, cx.version, false)),
            output_steps = output_steps(&flow),
        ))
    }

    fn update_flow(
        &self,
        cx: &Context<Session>,
        input: UpdateFlowInput,
    ) -> Result<tf::UpdateFlowResponse, Reject<UpdateFlowError>> {
        use UpdateFlowError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        let flow = state
            .site_flow(&cx.session, &id)
            .cloned()
            .ok_or_else(|| Reject::new(E::FlowNotFound, format!("no flow with id {id}")))?;
        let change = input.body.flow;
        if let Some(owner) = &change.owner {
            if !state.is_admin(&cx.session.user_id) {
                return Err(Reject::new(
                    E::UpdateForbidden,
                    "only administrators change owners",
                ));
            }
            if !state.users.iter().any(|u| u.id == owner.id.as_str()) {
                return Err(Reject::new(
                    E::UserNotFound,
                    format!("no user with id {}", owner.id),
                ));
            }
        }
        if let Some(project) = &change.project {
            let to = project.id.as_str();
            if !state
                .projects
                .iter()
                .any(|p| p.id == to && p.site_id == cx.session.site_id)
            {
                return Err(Reject::new(
                    E::ProjectNotFound,
                    format!("no project with id {to}"),
                ));
            }
            // The page: the flow's owner, or the owner or a leader of its project (with
            // administrators, all of whom hold ChangeHierarchy, Move), who may publish into the
            // destination (deviation S26).
            let user = &cx.session.user_id;
            if !state.can(user, &flow, &Capability::ChangeHierarchy) {
                return Err(Reject::new(
                    E::ProjectUpdateForbidden,
                    format!(
                        "{} may not move flow {id}: not its owner, nor an owner or leader of its project",
                        state.user_name(user)
                    ),
                ));
            }
            if !state.may_publish(user, to) {
                return Err(Reject::new(
                    E::ProjectUpdateForbidden,
                    format!(
                        "{} may not move flow {id} into project {to}: no Write (Publish) on it",
                        state.user_name(user)
                    ),
                ));
            }
        }
        let now = state.now();
        let f = state
            .flows
            .update(&id, |f| {
                if let Some(owner) = change.owner {
                    f.owner_id = owner.id.into_string();
                }
                if let Some(project) = change.project {
                    f.project_id = project.id.into_string();
                }
                f.updated_at = now;
                f.clone()
            })
            .expect("checked above");
        Ok(tf::UpdateFlowResponse::new(
            state.flow_model(&f, cx.version, false),
        ))
    }

    fn delete_flow(
        &self,
        cx: &Context<Session>,
        input: DeleteFlowInput,
    ) -> Result<(), Reject<DeleteFlowError>> {
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        let name = state
            .flow_for(
                &cx.session,
                &id,
                &Capability::Delete,
                DeleteFlowError::FlowNotFound,
                DeleteFlowError::Forbidden,
            )?
            .name
            .clone();
        state.flows.remove(&id);
        state.grants.retain(|g| g.flow_id != id);
        state.tasks.retain(|t| t.flow_id != id);
        // Its run history is deleted (the page), but not its jobs: a run still going ends failed
        // now, and its job says why (deviation S27).
        let now = state.now();
        for run in state.runs.iter_mut().filter(|r| r.flow_id == id) {
            run.flow_deleted.get_or_insert((now, name.clone()));
        }
        Ok(())
    }

    fn download_flow(
        &self,
        cx: &Context<Session>,
        input: DownloadFlowInput,
    ) -> Result<FileAnswer, Reject<DownloadFlowError>> {
        let state = self.lock();
        let flow = state.flow_for(
            &cx.session,
            input.flow_id.as_str(),
            &Capability::ExportXml,
            DownloadFlowError::FlowNotFound,
            DownloadFlowError::DownloadForbidden,
        )?;
        // Named in `Content-Disposition` as the part `tableau_flow`, as real servers do; its
        // Content-Type is the spec's for its file type (deviation S23).
        Ok(FileAnswer {
            filename: format!("{}.{}", flow.name, flow.file_type),
            name: "tableau_flow",
            bytes: flow.bytes.clone(),
        })
    }

    /// Experimental (deviation S38): the JSON of the flow file's `flow` entry, read through the
    /// client's reader (its bounds), with Download Flow's permission. With the server's feature
    /// flag off, 403200 (tableau-mcp's describe-flow reads that code); a server without the
    /// endpoint never routes here (404003, see `FlowDocumentApi::Absent`).
    fn get_flow_document(
        &self,
        cx: &Context<Session>,
        input: GetFlowDocumentInput,
    ) -> Result<String, Reject<GetFlowDocumentError>> {
        use GetFlowDocumentError as E;
        if self.flow_document_api != crate::FlowDocumentApi::On {
            return Err(Reject::new(
                E::FeatureDisabled,
                "the experimental flow-document API is turned off (features.getFlowDocumentRestApi)",
            ));
        }
        let bytes = {
            let state = self.lock();
            let flow = state.flow_for(
                &cx.session,
                input.flow_id.as_str(),
                &Capability::ExportXml,
                E::FlowNotFound,
                E::DownloadForbidden,
            )?;
            flow.bytes.clone()
        };
        // Every flow the simulator holds was checked as a flow file when it was published or
        // seeded; one whose document cannot be read has none to give (tableau-mcp: "no stored
        // document" is a 404).
        let json = tableau_flows::document::read_flow_entry(std::io::Cursor::new(&bytes[..]))
            .map_err(|e| {
                Reject::new(
                    E::FlowNotFound,
                    format!("the flow has no readable document: {e}"),
                )
            })?;
        let text = String::from_utf8(json)
            .map_err(|_| Reject::new(E::FlowNotFound, "the flow's document is not UTF-8"))?;
        Ok(text)
    }

    fn run_flow_now(
        &self,
        cx: &Context<Session>,
        input: RunFlowNowInput,
    ) -> Result<tf::RunFlowNowResponse, Reject<RunFlowNowError>> {
        use RunFlowNowError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        let flow = state
            .site_flow(&cx.session, &id)
            .cloned()
            .ok_or_else(|| Reject::new(E::FlowNotFound, format!("no flow with id {id}")))?;
        // Running needs Execute from 3.24 (the capability appeared then), Read before. The table
        // has no permission code: a caller who may not run the flow gets the one that fits.
        if !state.may_run(&cx.session.user_id, &flow, cx.version) {
            return Err(Reject::new(
                E::FlowNotFound,
                format!(
                    "{} may not run flow {id} (needs Execute, Read before 3.24)",
                    state.user_name(&cx.session.user_id)
                ),
            ));
        }
        let spec = input.body.flow_run_spec.unwrap_or_default();
        if let Some(fid) = &spec.flow_id
            && fid.as_str() != id
        {
            return Err(Reject::new(
                E::BadRequest,
                "the run spec's flowId differs from the flow in the URI",
            ));
        }
        if let Some(mode @ tf::FlowRunMode::Unknown(_)) = &spec.run_mode
            && cx.version >= V3_24
        {
            return Err(Reject::new(
                E::InvalidFlowRunMode,
                format!("{mode} is not full or incremental"),
            ));
        }
        let given: Vec<(String, Option<String>)> = spec
            .parameter_specs
            .iter()
            .map(|p| (p.parameter_id.to_string(), p.override_value.clone()))
            .collect();
        let params = state
            .run_parameters(&flow, &given, cx.version)
            .map_err(|p| match p {
                ParameterProblem::NotFound(d) => Reject::new(E::FlowParameterNotFound, d),
                ParameterProblem::Invalid(d) => Reject::new(E::InvalidParameterOverrideValue, d),
                ParameterProblem::Missing(d) => Reject::new(E::MissingParameterValue, d),
            })?;
        let job = state.start_run(&cx.session, &id, params, Duration::ZERO, None);
        Ok(tf::RunFlowNowResponse::new(
            state.job_model(&job, cx.version),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::super::index::tests::Lcg;
    use super::super::state::{Clock, Grant, Timing, demo};
    use super::*;
    use tableau_flows::{Filter, Sort};

    /// What a listing showed before the indexes: every flow checked, then sorted and paged.
    fn brute_force<'a>(
        state: &'a State,
        session: &Session,
        owner: Option<&str>,
        filter: Option<&tf::Filter>,
        sort: Option<&tf::Sort>,
    ) -> Vec<&'a state::Flow> {
        let mut flows: Vec<&state::Flow> = state
            .flows
            .values()
            .filter(|f| f.site_id == session.site_id)
            .filter(|f| match owner {
                Some(owner) => f.owner_id == owner,
                None => state.can(&session.user_id, f, &Capability::Read),
            })
            .filter(|f| passes(filter, |field| state.flow_field(f, field)))
            .collect();
        order(&mut flows, sort, |f, field| state.flow_field(f, field));
        flows
    }

    const NAMES: [&str; 8] = [
        "Coffee", "coffee", "COFFEE", "Sales", "Ärger", "ärger", "Zed", "zeta",
    ];
    const OWNERS: [&str; 3] = [demo::ADMIN_ID, demo::ANALYST_ID, "no-such-user"];
    const PROJECTS: [&str; 5] = [
        demo::PROJECT_ID,
        demo::SALES_PROJECT_ID,
        demo::ARCHIVE_PROJECT_ID,
        demo::SALES_ARCHIVE_PROJECT_ID,
        "no-such-project",
    ];

    fn pick<'a>(rng: &mut Lcg, from: &[&'a str]) -> &'a str {
        from[rng.below(from.len() as u64) as usize]
    }

    fn random_flow(rng: &mut Lcg, sites: &[String]) -> state::Flow {
        let mut f = state::Flow {
            id: new_id(),
            name: format!(
                "{}{}",
                pick(rng, &NAMES),
                ["", " 1", " 2"][rng.below(3) as usize]
            ),
            description: String::new(),
            project_id: pick(rng, &PROJECTS).into(),
            owner_id: pick(rng, &OWNERS).into(),
            file_type: "tfl".into(),
            bytes: Arc::new(Vec::new()),
            created_at: Duration::from_millis(rng.below(20_000)),
            updated_at: Duration::ZERO,
            tags: Vec::new(),
            output_steps: Vec::new(),
            parameters: Vec::new(),
            connections: Vec::new(),
            fails: false,
            site_id: sites[(rng.below(5) == 0) as usize].clone(),
        };
        f.updated_at = f.created_at + Duration::from_millis(rng.below(20_000));
        f
    }

    fn random_filter(rng: &mut Lcg, state: &State) -> Option<tf::Filter> {
        let date = |rng: &mut Lcg| state.at(Duration::from_secs(rng.below(42))).to_string();
        let mut filter = Filter::new();
        for _ in 0..=rng.below(2) {
            filter = match rng.below(11) {
                0 => filter.eq("name", format!("{}{}", pick(rng, &NAMES), " 1")),
                1 => filter.eq("name", pick(rng, &NAMES)),
                2 => filter.is_in("name", [pick(rng, &NAMES), pick(rng, &NAMES), "Nothing"]),
                3 => filter.eq("projectId", pick(rng, &PROJECTS)),
                4 => filter.eq("projectName", pick(rng, &["Archive", "Sales", "Nope"])),
                5 => filter.is_in("projectName", ["Default", pick(rng, &["Archive", "Sales"])]),
                6 => filter.eq(
                    "ownerName",
                    pick(rng, &[demo::ADMIN_FULL_NAME, demo::ANALYST_FULL_NAME, "x"]),
                ),
                7 => filter.gt("createdAt", date(rng)),
                8 => filter.lte("updatedAt", date(rng)),
                9 => filter.eq("createdAt", date(rng)),
                _ => return None,
            };
        }
        Some(filter)
    }

    fn random_sort(rng: &mut Lcg) -> Option<tf::Sort> {
        let fields = ["name", "createdAt", "updatedAt"];
        let mut sort = Sort::new();
        for _ in 0..=rng.below(3) / 2 {
            let field = pick(rng, &fields);
            sort = if rng.below(2) == 0 {
                sort.asc(field)
            } else {
                sort.desc(field)
            };
        }
        (rng.below(4) != 0).then_some(sort)
    }

    /// Listings served by the indexes show what checking every flow showed: the same flows, in
    /// the same order, pages and totals, across publishing, overwriting, moving, changing owners,
    /// deleting and granting.
    #[test]
    fn listings_match_a_brute_force_scan_across_mutations() {
        let mut rng = Lcg::new(2024);
        let mut state = State::new(
            Clock::manual(),
            Timing {
                pending: Duration::ZERO,
                running: Duration::ZERO,
            },
            Duration::from_secs(3600),
        );
        state.seed_demo();
        let sites: Vec<String> = state.sites.iter().map(|s| s.id.clone()).collect();
        let sessions: Vec<Session> = [
            (demo::ADMIN_ID, 0),
            (demo::ANALYST_ID, 0),
            (demo::ADMIN_ID, 1),
            (demo::ANALYST_ID, 1),
        ]
        .into_iter()
        .map(|(user, site)| Session {
            token: String::new(),
            user_id: user.into(),
            site_id: sites[site].clone(),
        })
        .collect();
        let mut compared = 0;
        for step in 0..1_500 {
            let ids: Vec<String> = state.flows.keys().map(str::to_owned).collect();
            let any = |rng: &mut Lcg| ids[rng.below(ids.len() as u64) as usize].clone();
            match rng.below(12) {
                0..=3 => state.flows.insert(random_flow(&mut rng, &sites)),
                4 => {
                    state.flows.remove(&any(&mut rng));
                }
                5 => {
                    let at = Duration::from_millis(rng.below(40_000));
                    state.flows.update(&any(&mut rng), |f| f.updated_at = at);
                }
                6 => {
                    let (project, owner) = (pick(&mut rng, &PROJECTS), pick(&mut rng, &OWNERS));
                    state.flows.update(&any(&mut rng), |f| {
                        f.project_id = project.into();
                        f.owner_id = owner.into();
                    });
                }
                7 => {
                    let name = pick(&mut rng, &NAMES);
                    state.flows.update(&any(&mut rng), |f| f.name = name.into());
                }
                8 => state.grants.push(Grant {
                    flow_id: any(&mut rng),
                    group: rng.below(2) == 0,
                    grantee: pick(&mut rng, &[demo::ANALYST_ID, demo::ANALYSTS_GROUP_ID]).into(),
                    capability: if rng.below(4) == 0 {
                        Capability::Write
                    } else {
                        Capability::Read
                    },
                    mode: if rng.below(4) == 0 {
                        CapabilityMode::Deny
                    } else {
                        CapabilityMode::Allow
                    },
                }),
                _ => {}
            }
            if step % 5 != 0 {
                continue;
            }
            for _ in 0..8 {
                let session = &sessions[rng.below(sessions.len() as u64) as usize];
                let owner = (rng.below(4) == 0).then(|| pick(&mut rng, &OWNERS));
                let (filter, sort) = if owner.is_some() {
                    (None, None)
                } else {
                    (random_filter(&mut rng, &state), random_sort(&mut rng))
                };
                let want = brute_force(&state, session, owner, filter.as_ref(), sort.as_ref());
                let size = [1, 3, 7, 100][rng.below(4) as usize];
                let pages = want.len().div_ceil(size as usize) as u32;
                for number in [
                    1,
                    2,
                    pages,
                    pages + 1,
                    rng.below(u64::from(pages) + 2) as u32 + 1,
                ] {
                    let number = number.max(1);
                    let listing = state.listed_flows(
                        session,
                        owner,
                        filter.as_ref(),
                        sort.as_ref(),
                        (size, number),
                    );
                    let case = format!(
                        "step {step}: user {} site {} owner {owner:?} filter {filter:?} sort \
                         {sort:?} page {number} of {size}",
                        session.user_id, session.site_id
                    );
                    assert_eq!(listing.total, want.len(), "{case}");
                    let ids = |flows: &[&state::Flow]| -> Vec<String> {
                        flows.iter().map(|f| f.id.clone()).collect()
                    };
                    assert_eq!(
                        listing.page.as_deref().map(ids),
                        super::super::page(&want, size, number).map(ids),
                        "{case}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(state.flows.len() > 200, "the state grew");
        assert!(compared > 5_000);
    }
}
