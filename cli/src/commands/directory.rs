//! `projects list`, `users list`, `groups list`, `schedules list`: the names other commands take,
//! with their ids; `projects permissions` (a project's permissions and default permissions) and
//! `users get` (one user, the signed-in one by default).

use super::tasks::describe_schedule;
use super::{Listing, list, note_more_pages};
use crate::args::{DefaultsKind, GroupsCommand, ProjectsCommand, SchedulesCommand, UsersCommand};
use crate::error::CliError;
use crate::output::{Output, Table, date, text, value};
use crate::resolve;
use tableau_flows::endpoints;
use tableau_flows::groups::QueryGroupsResponse;
use tableau_flows::meta::EndpointMeta;
use tableau_flows::projects::{ProjectPermissions, QueryProjectsResponse};
use tableau_flows::schedules::ListServerSchedulesResponse;
use tableau_flows::users::GetUsersOnSiteResponse;
use tableau_flows::{CancelToken, Client, Group, Pagination, Project, Schedule, User};

/// Runs a `projects` command; `cancel` stops listing pages (Ctrl-C).
pub fn projects(
    client: &Client,
    command: ProjectsCommand,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let (filter, sort, pages) = match command {
        ProjectsCommand::List {
            filter,
            sort,
            pages,
        } => (filter, sort, pages),
        ProjectsCommand::Permissions { project, defaults } => {
            return project_permissions(client, &project, defaults, out);
        }
    };
    let mut call = client.query_projects();
    if let Some(f) = filter {
        call = call.filter(f);
    }
    if let Some(s) = sort {
        call = call.sort(s);
    }
    if let Some(n) = pages.page_size {
        call = call.page_size(n);
    }
    let listing = list(call, pages, "projects", cancel, |c| {
        let a = c.send()?;
        Ok((a.projects, a.pagination))
    })?;
    show(
        out,
        listing,
        |pagination, projects| {
            model!(
                QueryProjectsResponse::new(),
                pagination = pagination,
                projects = projects,
            )
        },
        project_table,
        ("projects", &endpoints::QUERY_PROJECTS),
    )
}

/// `projects permissions PROJECT [--default KIND]`: Query Project Permissions, or Query Default
/// Permissions for one kind of content; as the answer's JSON document or as a table.
fn project_permissions(
    client: &Client,
    project: &str,
    defaults: Option<DefaultsKind>,
    out: &mut Output,
) -> Result<(), CliError> {
    let id = resolve::project_id(client, project)?;
    let answer = match defaults {
        None => client.query_project_permissions(id.as_str()).send()?,
        Some(DefaultsKind::Workbooks) => client
            .query_default_workbook_permissions(id.as_str())
            .send()?,
        Some(DefaultsKind::Datasources) => client
            .query_default_datasource_permissions(id.as_str())
            .send()?,
        Some(DefaultsKind::Flows) => client.query_default_flow_permissions(id.as_str()).send()?,
    };
    if out.is_json() {
        return out.json(&answer);
    }
    out.table(&project_permission_table(&answer.permissions))
}

/// The table of a project's (default) permissions, one row per capability: GRANTEE, ID,
/// CAPABILITY, MODE (a project with no rule shows the header alone).
pub fn project_permission_table(p: &ProjectPermissions) -> Table {
    let mut t = Table::new(&["GRANTEE", "ID", "CAPABILITY", "MODE"]);
    for g in &p.grantees {
        let (kind, id) = match (&g.user, &g.group, &g.group_set) {
            (Some(u), _, _) => ("user", u.id.to_string()),
            (None, Some(gr), _) => ("group", gr.id.to_string()),
            (None, None, Some(s)) => ("groupSet", s.id.clone()),
            (None, None, None) => ("?", String::new()),
        };
        if g.capabilities.is_empty() {
            t.row([kind, &id, "", ""]);
        }
        for c in &g.capabilities {
            t.row([kind, &id, c.name.as_str(), c.mode.as_str()]);
        }
    }
    t
}

/// `users get [USER]`: Query User On Site for the user named (or identified), or the signed-in
/// user; as the answer's JSON document or as the users table's one row.
fn user_get(client: &Client, user: Option<&str>, out: &mut Output) -> Result<(), CliError> {
    let id = match user {
        Some(arg) => resolve::user_id(client, arg)?,
        None => client
            .session()
            .and_then(|s| s.user_id)
            .map(|id| id.to_string())
            .ok_or_else(|| {
                CliError::other("the server did not say who is signed in: give USER".to_owned())
            })?,
    };
    let answer = client.query_user_on_site(id.as_str()).send()?;
    if out.is_json() {
        return out.json(&answer);
    }
    out.table(&user_table(std::slice::from_ref(&answer.user)))
}

/// Prints a listing: as the answer's JSON document (`json` rebuilds it), or as a table followed,
/// on stderr, by a note when the page does not hold every item of the `what` listed.
pub(super) fn show<T, J: serde::Serialize>(
    out: &mut Output,
    listing: Listing<T>,
    json: impl FnOnce(Option<Pagination>, Vec<T>) -> J,
    table: fn(&[T]) -> Table,
    (what, endpoint): (&str, &EndpointMeta),
) -> Result<(), CliError> {
    if out.is_json() {
        return out.json(&json(listing.pagination, listing.items));
    }
    out.table(&table(&listing.items))?;
    note_more_pages(
        out,
        listing.pagination.as_ref(),
        listing.items.len(),
        what,
        endpoint,
    )
}

/// A project's path of names from the top (`Sales/Archive`, a `/` inside a name written `\/`, as
/// `--project` and flow paths take it), as far as `all` holds its parents; an ancestor not in
/// `all` is shown by its id.
pub fn project_path(project: &Project, all: &[Project]) -> String {
    let mut names = vec![project.name.clone().unwrap_or_default()];
    let mut parent = project.parent_project_id.clone();
    // Bounded by the number of projects, so that a cycle in an answer cannot loop forever.
    for _ in 0..=all.len() {
        let Some(id) = parent else { break };
        match all.iter().find(|p| p.id == id) {
            Some(p) => {
                names.push(p.name.clone().unwrap_or_default());
                parent = p.parent_project_id.clone();
            }
            None => {
                names.push(id.to_string());
                break;
            }
        }
    }
    names.reverse();
    tableau_flows::join_path(names)
}

/// The table of projects: ID, NAME, PATH (what `--project` takes for a nested one), OWNER,
/// DESCRIPTION.
pub fn project_table(projects: &[Project]) -> Table {
    let mut t = Table::new(&["ID", "NAME", "PATH", "OWNER", "DESCRIPTION"]);
    for p in projects {
        t.row([
            p.id.to_string(),
            text(&p.name).to_owned(),
            project_path(p, projects),
            p.owner
                .as_ref()
                .map(|o| o.name.clone().unwrap_or_else(|| o.id.to_string()))
                .unwrap_or_default(),
            text(&p.description).to_owned(),
        ]);
    }
    t
}

/// Runs a `users` command; `cancel` stops listing pages (Ctrl-C).
pub fn users(
    client: &Client,
    command: UsersCommand,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let (filter, sort, pages) = match command {
        UsersCommand::List {
            filter,
            sort,
            pages,
        } => (filter, sort, pages),
        UsersCommand::Get { user } => return user_get(client, user.as_deref(), out),
    };
    // Every field: full names and emails come only with `_all_`.
    let mut call = client.get_users_on_site().field_expression("_all_");
    if let Some(f) = filter {
        call = call.filter(f);
    }
    if let Some(s) = sort {
        call = call.sort(s);
    }
    if let Some(n) = pages.page_size {
        call = call.page_size(n);
    }
    let listing = list(call, pages, "users", cancel, |c| {
        let a = c.send()?;
        Ok((a.users, a.pagination))
    })?;
    show(
        out,
        listing,
        |pagination, users| {
            model!(
                GetUsersOnSiteResponse::new(),
                pagination = pagination,
                users = users,
            )
        },
        user_table,
        ("users", &endpoints::GET_USERS_ON_SITE),
    )
}

/// The table of users: ID, NAME (the user name `--user` takes), FULL NAME, EMAIL, SITE ROLE,
/// LAST LOGIN.
pub fn user_table(users: &[User]) -> Table {
    let mut t = Table::new(&[
        "ID",
        "NAME",
        "FULL NAME",
        "EMAIL",
        "SITE ROLE",
        "LAST LOGIN",
    ]);
    for u in users {
        t.row([
            u.id.to_string(),
            text(&u.name).to_owned(),
            text(&u.full_name).to_owned(),
            text(&u.email).to_owned(),
            text(&u.site_role).to_owned(),
            date(u.last_login.as_ref()),
        ]);
    }
    t
}

/// Runs a `groups` command; `cancel` stops listing pages (Ctrl-C).
pub fn groups(
    client: &Client,
    command: GroupsCommand,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let GroupsCommand::List {
        filter,
        sort,
        pages,
    } = command;
    let mut call = client.query_groups();
    if let Some(f) = filter {
        call = call.filter(f);
    }
    if let Some(s) = sort {
        call = call.sort(s);
    }
    if let Some(n) = pages.page_size {
        call = call.page_size(n);
    }
    let listing = list(call, pages, "groups", cancel, |c| {
        let a = c.send()?;
        Ok((a.groups, a.pagination))
    })?;
    show(
        out,
        listing,
        |pagination, groups| {
            model!(
                QueryGroupsResponse::new(),
                pagination = pagination,
                groups = groups,
            )
        },
        group_table,
        ("groups", &endpoints::QUERY_GROUPS),
    )
}

/// The table of groups: ID, NAME, DOMAIN, USERS, MINIMUM SITE ROLE.
pub fn group_table(groups: &[Group]) -> Table {
    let mut t = Table::new(&["ID", "NAME", "DOMAIN", "USERS", "MINIMUM SITE ROLE"]);
    for g in groups {
        t.row([
            g.id.to_string(),
            text(&g.name).to_owned(),
            g.domain
                .as_ref()
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            g.user_count.map(|n| n.to_string()).unwrap_or_default(),
            text(&g.minimum_site_role).to_owned(),
        ]);
    }
    t
}

/// Runs a `schedules` command; `cancel` stops listing pages (Ctrl-C).
pub fn schedules(
    client: &Client,
    command: SchedulesCommand,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let SchedulesCommand::List { pages } = command;
    let mut call = client.list_server_schedules();
    if let Some(n) = pages.page_size {
        call = call.page_size(n);
    }
    let listing = list(call, pages, "schedules", cancel, |c| {
        let a = c.send()?;
        Ok((a.schedules, a.pagination))
    })?;
    show(
        out,
        listing,
        |pagination, schedules| {
            model!(
                ListServerSchedulesResponse::new(),
                pagination = pagination,
                schedules = schedules,
            )
        },
        schedule_table,
        ("schedules", &endpoints::LIST_SERVER_SCHEDULES),
    )
}

/// The table of schedules: ID, NAME, TYPE (only Flow schedules take flow tasks), FREQUENCY,
/// STATE, NEXT RUN.
pub fn schedule_table(schedules: &[Schedule]) -> Table {
    let mut t = Table::new(&["ID", "NAME", "TYPE", "FREQUENCY", "STATE", "NEXT RUN"]);
    for s in schedules {
        t.row([
            s.id.as_ref().map(|i| i.to_string()).unwrap_or_default(),
            text(&s.name).to_owned(),
            value(s.schedule_type.as_ref()),
            describe_schedule(s),
            value(s.state.as_ref()),
            date(s.next_run_at.as_ref()),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_paths_follow_parents() {
        let p = |id: &str, name: &str, parent: Option<&str>| {
            model!(
                Project::new(id),
                name = Some(name.into()),
                parent_project_id = parent.map(Into::into),
            )
        };
        let all = vec![
            p("a", "Sales", None),
            p("b", "Archive", Some("a")),
            p("c", "Old", Some("b")),
            p("d", "Orphan", Some("zz")),
        ];
        assert_eq!(project_path(&all[0], &all), "Sales");
        assert_eq!(project_path(&all[2], &all), "Sales/Archive/Old");
        assert_eq!(project_path(&all[3], &all), "zz/Orphan");
        let cycle = vec![p("x", "X", Some("y")), p("y", "Y", Some("x"))];
        assert!(project_path(&cycle[0], &cycle).ends_with("Y/X"));
        let text = project_table(&all).render();
        assert!(text.contains("Sales/Archive/Old"), "{text}");
        let slash = vec![p("a", "A/B", None), p("b", "C", Some("a"))];
        assert_eq!(project_path(&slash[1], &slash), r"A\/B/C");
    }
}
