//! Finding things by name: a flow, project, user, group or schedule given by its name (or id), and
//! a flow's parameter given by its name (or id). A name that matches nothing is
//! [`Error::NotFound`], with the closest names where the lookup had them at hand; one that matches
//! several things is [`Error::Ambiguous`], listing each with its id and what tells it apart (a
//! flow's or project's path). An empty or blank name names nothing: it is
//! [`Error::InvalidArgument`], before any request.
//!
//! # Paths
//!
//! Names are unique only among siblings: two projects may each hold a flow of the same name, or
//! a project of the same name. A *path* of names tells them apart: `Sales/Archive` is the
//! project Archive inside the top-level project Sales, `Dev/Sales Cleanup` the flow Sales Cleanup
//! in the top-level project Dev, `Parent/Child/Flow` a flow in a nested project. A `/` inside a
//! name is written `\/` and a backslash `\\` (any other backslash stands for itself):
//! `Dev/In\/Out` is the flow `In/Out` in Dev. [`split_path`] and [`join_path`] read and write
//! paths (their docs are the public ones of this module's).
//!
//! # Suggestions
//!
//! A flow, project, schedule or parameter that matches nothing comes with up to three close names
//! ([`Error::suggestions`]), closest (fewest edits) first: names (or, for a path given, paths) within an edit
//! distance of about 40% of their length (optimal string alignment, `strsim`), compared ignoring
//! case, so `sales cleanup` and `Sales Cleanpu` both suggest `Sales Cleanup`. What is searched:
//! for a flow, every flow of the site (one more listing, made only when nothing matched; in a
//! project, the flows of that project); for a project, every project (already listed to follow
//! paths); for a schedule, every server schedule (already listed); for a parameter, the flow's
//! parameters. Users and groups get none: the server filters them by name, and listing every user
//! of a site to suggest one would cost more than the lookup.
//!
//! ```no_run
//! # fn main() -> Result<(), tableau_flows::Error> {
//! # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
//! let project = client.find_project("Sales/Archive")?; // a nested project by its path
//! let flow = client.find_flow("Sales Cleanup")?;
//! let prod = client.find_flow("Prod/Sales Cleanup")?; // the one in the project Prod
//! let same = client.find_flow_in("Prod", "Sales Cleanup")?; // the same, narrowed by project
//! assert_eq!(prod.id, same.id);
//! let region = flow.find_parameter("Region")?;
//! println!("{} in {}, parameter {}", flow.id, project.id, region.id);
//! match client.find_flow("Sales Cleanpu") {
//!     Err(e) => assert_eq!(e.suggestions(), ["Sales Cleanup"]),
//!     Ok(_) => unreachable!(),
//! }
//! # Ok(()) }
//! ```

use crate::error::{Candidate, Error};
use crate::filter::Filter;
use crate::{Client, Flow, FlowParameter, Group, Project, Schedule, User};

/// Whether `s` has the shape of a LUID, Tableau's ids (`d00700fe-28a0-4ece-a7af-5543ddf38a82`,
/// any case): the `find_*` methods take such a text as an id, anything else as a name.
///
/// ```
/// assert!(tableau_flows::is_luid("d00700fe-28a0-4ece-a7af-5543ddf38a82"));
/// assert!(!tableau_flows::is_luid("Sales Cleanup"));
/// ```
pub fn is_luid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The names of a path, split at each `/`: `\/` is a `/` inside a name and `\\` a backslash,
/// any other backslash stands for itself; a text without `/` is one name.
///
/// Names are unique only among siblings: two projects may each hold a flow of the same name, or
/// a project of the same name. A path of names tells them apart, from the top:
/// `Sales/Archive` is the project Archive inside the top-level project Sales, `Dev/Sales Cleanup`
/// the flow Sales Cleanup in the top-level project Dev, `Parent/Child/Flow` a flow in a nested
/// project, `Dev/In\/Out` the flow `In/Out` in Dev. [`Client::find_flow`] and
/// [`Client::find_project`] take paths, and describe the candidates of an ambiguous name by
/// theirs ([`join_path`] writes them).
///
/// ```
/// use tableau_flows::split_path;
/// assert_eq!(split_path("Parent/Child/Flow"), ["Parent", "Child", "Flow"]);
/// assert_eq!(split_path(r"Dev/In\/Out"), ["Dev", "In/Out"]);
/// assert_eq!(split_path(r"C:\data\\x"), [r"C:\data\x"]);
/// ```
pub fn split_path(path: &str) -> Vec<String> {
    let mut names = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        let current = names.last_mut().expect("never empty");
        match c {
            '\\' if matches!(chars.peek(), Some('/' | '\\')) => {
                current.push(chars.next().expect("peeked"));
            }
            '/' => names.push(String::new()),
            c => current.push(c),
        }
    }
    names
}

/// A path of `names`, each `/` inside a name written `\/` and each backslash before a `/`, a
/// backslash or the end written `\\`: what [`split_path`] reads back into the same names.
///
/// ```
/// use tableau_flows::{join_path, split_path};
/// assert_eq!(join_path(["Dev", "In/Out"]), r"Dev/In\/Out");
/// let names = ["a\\", "/b", "c\\d"];
/// assert_eq!(split_path(&join_path(names)), names);
/// ```
pub fn join_path<I, S>(names: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut path = String::new();
    for (i, name) in names.into_iter().enumerate() {
        if i > 0 {
            path.push('/');
        }
        let name = name.as_ref();
        let mut chars = name.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '/' => path.push_str("\\/"),
                // A backslash is doubled only where it would escape what follows (or the `/`
                // after the name): elsewhere it stands for itself.
                '\\' if matches!(chars.peek(), Some('/' | '\\') | None) => path.push_str("\\\\"),
                c => path.push(c),
            }
        }
    }
    path
}

/// The one match, or why there is none (`suggestions` are for none).
fn one<T>(
    what: &'static str,
    name: &str,
    mut found: Vec<T>,
    describe: impl Fn(&T) -> Candidate,
    suggestions: impl FnOnce() -> Vec<String>,
) -> Result<T, Error> {
    match found.len() {
        0 => Err(Error::NotFound {
            what,
            name: name.to_owned(),
            suggestions: suggestions(),
        }),
        1 => Ok(found.remove(0)),
        _ => Err(Error::Ambiguous {
            what,
            name: name.to_owned(),
            candidates: found.iter().map(describe).collect(),
        }),
    }
}

/// Refuses an empty or blank name before any request: it names nothing (and looking it up would
/// list every item of the site to find none).
fn named(what: &str, name: &str) -> Result<(), Error> {
    if name.trim().is_empty() {
        return Err(Error::InvalidArgument(format!(
            "an empty {what} name or id names nothing"
        )));
    }
    Ok(())
}

/// A name filter the server can take (no `,` or `&`, which the filter syntax cannot hold).
fn name_filter(name: &str) -> Option<Filter> {
    let f = Filter::new().eq("name", name);
    f.check().is_ok().then_some(f)
}

/// The most suggestions a [`Error::NotFound`] carries.
const MAX_SUGGESTIONS: usize = 3;

/// The least similarity (1 - distance / length of the longer, ignoring case) of a suggestion.
const MIN_SIMILARITY: f64 = 0.6;

/// The names among `candidates` closest to `given` (at most three, each once): those within an
/// optimal-string-alignment distance of 40% of the longer one's length, compared in lower case;
/// the fewest edits first, ties in name order.
pub(crate) fn suggest<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let given = given.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let longer = given.chars().count().max(lower.chars().count());
            let distance = strsim::osa_distance(&given, &lower);
            let similarity = 1.0 - distance as f64 / longer.max(1) as f64;
            (similarity >= MIN_SIMILARITY).then_some((distance, name))
        })
        .collect();
    scored.sort_unstable();
    let mut names: Vec<String> = Vec::new();
    for (_, name) in scored {
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
        if names.len() == MAX_SUGGESTIONS {
            break;
        }
    }
    names
}

/// A path given for a flow: its project's names and the flow's name. An empty name in it is an
/// invalid argument.
fn flow_path(text: &str) -> Result<(Vec<String>, String), Error> {
    let mut names = split_path(text);
    if names.iter().any(|n| n.trim().is_empty()) {
        return Err(Error::InvalidArgument(format!(
            "the flow path {text:?} holds an empty name (Project/Flow; a `/` inside a name is \
             written `\\/`)"
        )));
    }
    let flow = names.pop().expect("split_path yields at least one name");
    Ok((names, flow))
}

impl Client {
    /// The flow with this id, name or path (`Dev/Sales Cleanup`: the flow Sales Cleanup in the
    /// top-level project Dev; `Parent/Child/Flow` in a nested project; see
    /// [paths](crate::split_path)). A flow's name is unique within its project only, so a name
    /// that flows of several projects have is [`Error::Ambiguous`], each candidate described by
    /// its path; give the path, narrow the name with [`find_flow_in`](Self::find_flow_in), or
    /// give the id. A path that leads nowhere is tried as a whole name (a flow may be named
    /// `a/b`). A name that matches nothing is [`Error::NotFound`] with the closest names (for a
    /// path, the closest paths) among the site's flows.
    ///
    /// Requests: an id is one (Query Flow); a name that one flow has, one (Query Flows for Site
    /// filtered by name); a path, or a name several flows have, one more (Query Projects, for
    /// the paths); a name nothing has, one listing of the site's flows more, for suggestions.
    pub fn find_flow(&self, name_path_or_id: &str) -> Result<Flow, Error> {
        let text = name_path_or_id;
        named("flow", text)?;
        if is_luid(text) {
            match self.query_flow(text).send() {
                Ok(answer) => return Ok(answer.flow),
                Err(e) if e.kind() == Some(crate::flows::QueryFlowError::FlowNotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let (project, name) = flow_path(text)?;
        let mut projects = Projects::new(self);
        let mut found = self.flows_named(&name)?;
        if !project.is_empty() {
            let all = projects.get()?;
            found.retain(|f| flow_project_names(f, all) == project);
        }
        if found.is_empty() && name != text {
            // A path (or an escaped name) that leads nowhere: a flow may be named so as a whole.
            found = self.flows_named(text)?;
        }
        match found.len() {
            0 => {}
            1 => return Ok(found.remove(0)),
            _ => {
                let all = projects.get()?;
                return one("flow", text, found, |f| describe_flow(f, all), Vec::new);
            }
        }
        // Nothing: suggest the closest names, or for a path the closest paths.
        let is_path = !project.is_empty();
        let mut names = Vec::new();
        for flow in self.query_flows_for_site().page_size(1000).all() {
            let flow = flow?;
            if is_path {
                names.push(join_path(flow_names(&flow, projects.get()?)));
            } else if let Some(n) = flow.name {
                names.push(n);
            }
        }
        Err(Error::NotFound {
            what: "flow",
            name: text.to_owned(),
            suggestions: suggest(text, names.iter().map(String::as_str)),
        })
    }

    /// The flow with this name (or id) in this project (a name, path or id, as
    /// [`find_project`](Self::find_project) takes it): what `Project/Flow` finds, with the
    /// project given apart. The flow's name is taken as it is, a `/` in it included. An id is
    /// checked to be a flow of the project. A name the project holds no flow of is
    /// [`Error::NotFound`] (named by its path, `Project/Flow`), suggesting the project's flows of
    /// close names, then the paths of flows of that very name in other projects.
    ///
    /// Requests: those of `find_project` and one more (Query Flows for Site filtered by name);
    /// when nothing matched, a listing of the project's flows and of the projects, for the
    /// suggestions.
    pub fn find_flow_in(&self, project: &str, name_or_id: &str) -> Result<Flow, Error> {
        named("flow", name_or_id)?;
        let project = self.find_project(project)?;
        let in_project = |f: &Flow| f.project.as_ref().is_some_and(|p| p.id == project.id);
        if is_luid(name_or_id) {
            match self.query_flow(name_or_id).send() {
                Ok(answer) if in_project(&answer.flow) => return Ok(answer.flow),
                Ok(_) => {}
                Err(e) if e.kind() == Some(crate::flows::QueryFlowError::FlowNotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let (mut found, elsewhere): (Vec<Flow>, Vec<Flow>) = self
            .flows_named(name_or_id)?
            .into_iter()
            .partition(in_project);
        if found.len() == 1 {
            return Ok(found.remove(0));
        }
        let all = self.all_projects()?;
        let mut shown = project_names(&project, &all);
        shown.push(name_or_id.to_owned());
        let shown = join_path(&shown);
        if !found.is_empty() {
            return one("flow", &shown, found, |f| describe_flow(f, &all), Vec::new);
        }
        // Suggestions: close names among the project's flows, then the same name elsewhere.
        let mut list = self.query_flows_for_site().page_size(1000);
        if let Some(f) = project
            .name
            .as_ref()
            .map(|name| Filter::new().eq("projectName", name))
            .filter(|f| f.check().is_ok())
        {
            list = list.filter(f);
        }
        let mut names = Vec::new();
        for flow in list.all() {
            let flow = flow?;
            if in_project(&flow)
                && let Some(n) = flow.name
            {
                names.push(n);
            }
        }
        let mut suggestions = suggest(name_or_id, names.iter().map(String::as_str));
        for path in elsewhere.iter().map(|f| join_path(flow_names(f, &all))) {
            if suggestions.len() < MAX_SUGGESTIONS && !suggestions.contains(&path) {
                suggestions.push(path);
            }
        }
        Err(Error::NotFound {
            what: "flow",
            name: shown,
            suggestions,
        })
    }

    /// The site's flows of this exact name: filtered by the server where the filter syntax can
    /// hold the name, by listing otherwise.
    fn flows_named(&self, name: &str) -> Result<Vec<Flow>, Error> {
        let mut list = self.query_flows_for_site();
        match name_filter(name) {
            Some(f) => list = list.filter(f),
            None => list = list.page_size(1000),
        }
        let mut found = Vec::new();
        for flow in list.all() {
            let flow = flow?;
            if flow.name.as_deref() == Some(name) {
                found.push(flow);
            }
        }
        Ok(found)
    }

    /// Every project of the site (pages of 1000).
    fn all_projects(&self) -> Result<Vec<Project>, Error> {
        Ok(self
            .query_projects()
            .page_size(1000)
            .all()
            .collect::<Result<_, _>>()?)
    }

    /// The project with this name, path of names (`Sales/Archive` for the project Archive inside
    /// the top-level project Sales; see [paths](crate::split_path)), or id. Names are unique only
    /// among siblings, so a name shared by projects at different places is
    /// [`Error::Ambiguous`], each listed with its path. A project whose whole name is the text
    /// (`a/b`) is found before a path is followed. A name or path nothing has is
    /// [`Error::NotFound`] with the closest names or paths among the site's projects.
    pub fn find_project(&self, name_path_or_id: &str) -> Result<Project, Error> {
        let text = name_path_or_id;
        named("project", text)?;
        if is_luid(text) {
            let projects = self.all_projects()?;
            if let Some(p) = projects.iter().find(|p| p.id.as_str() == text) {
                return Ok(p.clone());
            }
        }
        let mut list = self.query_projects();
        if let Some(f) = name_filter(text) {
            list = list.filter(f);
        }
        let found: Vec<Project> = list
            .all()
            .filter(|p| p.as_ref().map_or(true, |p| p.name.as_deref() == Some(text)))
            .collect::<Result<_, _>>()?;
        match found.len() {
            1 => return Ok(found.into_iter().next().expect("one")),
            0 => {}
            _ => {
                let all = self.all_projects()?;
                return one(
                    "project",
                    text,
                    found,
                    |p| describe_project(p, &all),
                    Vec::new,
                );
            }
        }
        let path = split_path(text);
        let all = self.all_projects()?;
        let found: Vec<&Project> = if path.len() == 1 {
            // One name, escaped (`a\/b`): any project of that name.
            all.iter()
                .filter(|p| p.name.as_deref() == Some(path[0].as_str()))
                .collect()
        } else {
            all.iter()
                .filter(|p| project_names(p, &all) == path)
                .collect()
        };
        let suggestions = || {
            let names: Vec<String> = if path.len() == 1 {
                all.iter().filter_map(|p| p.name.clone()).collect()
            } else {
                all.iter()
                    .map(|p| join_path(project_names(p, &all)))
                    .collect()
            };
            suggest(text, names.iter().map(String::as_str))
        };
        one(
            "project",
            text,
            found,
            |p| describe_project(p, &all),
            suggestions,
        )
        .cloned()
    }

    /// The user with this user name (or id). A name nothing has is [`Error::NotFound`] without
    /// suggestions (the server filters users by name; listing them all to suggest would cost
    /// more than the lookup).
    pub fn find_user(&self, name_or_id: &str) -> Result<User, Error> {
        named("user", name_or_id)?;
        let mut list = self.get_users_on_site().field_expression("_all_");
        let by_id = is_luid(name_or_id);
        if !by_id && let Some(f) = name_filter(name_or_id) {
            list = list.filter(f);
        }
        let found: Vec<User> = list
            .all()
            .filter(|u| {
                u.as_ref().map_or(true, |u| {
                    u.name.as_deref() == Some(name_or_id) || (by_id && u.id.as_str() == name_or_id)
                })
            })
            .collect::<Result<_, _>>()?;
        let describe = |u: &User| Candidate {
            id: u.id.to_string(),
            description: u
                .full_name
                .clone()
                .or_else(|| u.email.clone())
                .unwrap_or_else(|| u.site_role.clone().unwrap_or_default()),
        };
        one("user", name_or_id, found, describe, Vec::new)
    }

    /// The group with this name (or id). A name nothing has is [`Error::NotFound`] without
    /// suggestions, as for users.
    pub fn find_group(&self, name_or_id: &str) -> Result<Group, Error> {
        named("group", name_or_id)?;
        let mut list = self.query_groups();
        let by_id = is_luid(name_or_id);
        if !by_id && let Some(f) = name_filter(name_or_id) {
            list = list.filter(f);
        }
        let found: Vec<Group> = list
            .all()
            .filter(|g| {
                g.as_ref().map_or(true, |g| {
                    g.name.as_deref() == Some(name_or_id) || (by_id && g.id.as_str() == name_or_id)
                })
            })
            .collect::<Result<_, _>>()?;
        let describe = |g: &Group| Candidate {
            id: g.id.to_string(),
            description: g
                .domain
                .as_ref()
                .map_or_else(|| "local".to_owned(), |d| format!("domain {}", d.name)),
        };
        one("group", name_or_id, found, describe, Vec::new)
    }

    /// The server schedule with this name (or id) (List Server Schedules; Tableau Server only).
    /// A name nothing has is [`Error::NotFound`] with the closest names among the server's
    /// schedules.
    pub fn find_schedule(&self, name_or_id: &str) -> Result<Schedule, Error> {
        named("schedule", name_or_id)?;
        let all: Vec<Schedule> = self
            .list_server_schedules()
            .all()
            .collect::<Result<_, _>>()?;
        let found: Vec<&Schedule> = all
            .iter()
            .filter(|s| {
                s.name.as_deref() == Some(name_or_id)
                    || s.id.as_ref().is_some_and(|id| id.as_str() == name_or_id)
            })
            .collect();
        let describe = |s: &&Schedule| Candidate {
            id: s.id.as_ref().map(ToString::to_string).unwrap_or_default(),
            description: format!(
                "{} {}",
                s.frequency
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                s.schedule_type
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )
            .trim()
            .to_owned(),
        };
        let suggestions = || suggest(name_or_id, all.iter().filter_map(|s| s.name.as_deref()));
        one("schedule", name_or_id, found, describe, suggestions).cloned()
    }
}

impl Flow {
    /// The flow's parameter with this name (or id), from a flow as Query Flow answers it (with
    /// its parameters, API 3.24). A name it has no parameter of is [`Error::NotFound`] with the
    /// closest of its parameters' names.
    pub fn find_parameter(&self, name_or_id: &str) -> Result<&FlowParameter, Error> {
        named("parameter", name_or_id)?;
        if let Some(p) = self.parameters.iter().find(|p| p.id.as_str() == name_or_id) {
            return Ok(p);
        }
        let found: Vec<&FlowParameter> = self
            .parameters
            .iter()
            .filter(|p| p.name.as_deref() == Some(name_or_id))
            .collect();
        let describe = |p: &&FlowParameter| Candidate {
            id: p.id.to_string(),
            description: p.description.clone().unwrap_or_default(),
        };
        let suggestions = || {
            suggest(
                name_or_id,
                self.parameters.iter().filter_map(|p| p.name.as_deref()),
            )
        };
        one("parameter", name_or_id, found, describe, suggestions)
    }
}

/// The site's projects, listed when first needed and once.
struct Projects<'c> {
    client: &'c Client,
    all: Option<Vec<Project>>,
}

impl<'c> Projects<'c> {
    fn new(client: &'c Client) -> Self {
        Projects { client, all: None }
    }

    fn get(&mut self) -> Result<&[Project], Error> {
        if self.all.is_none() {
            self.all = Some(self.client.all_projects()?);
        }
        Ok(self.all.as_deref().unwrap_or_default())
    }
}

/// A flow as a candidate: its id and its path (`Dev/Sales Cleanup`).
fn describe_flow(f: &Flow, projects: &[Project]) -> Candidate {
    Candidate {
        id: f.id.to_string(),
        description: join_path(flow_names(f, projects)),
    }
}

/// A project as a candidate: its id and its path.
fn describe_project(p: &Project, projects: &[Project]) -> Candidate {
    Candidate {
        id: p.id.to_string(),
        description: join_path(project_names(p, projects)),
    }
}

/// The names of a flow's project's path (the project's name alone, or its id, where `projects`
/// does not hold it).
fn flow_project_names(f: &Flow, projects: &[Project]) -> Vec<String> {
    let Some(project) = &f.project else {
        return Vec::new();
    };
    match projects.iter().find(|p| p.id == project.id) {
        Some(p) => project_names(p, projects),
        None => vec![
            project
                .name
                .clone()
                .unwrap_or_else(|| project.id.to_string()),
        ],
    }
}

/// The names of a flow's path: its project's, then its own.
fn flow_names(f: &Flow, projects: &[Project]) -> Vec<String> {
    let mut names = flow_project_names(f, projects);
    names.push(f.name.clone().unwrap_or_else(|| f.id.to_string()));
    names
}

/// A project's path of names from the top (`["Sales", "Archive"]`).
fn project_names(p: &Project, all: &[Project]) -> Vec<String> {
    let mut names = vec![p.name.clone().unwrap_or_default()];
    let mut parent = p.parent_project_id.clone();
    // Bounded by the number of projects, so a cycle in a hostile answer cannot loop forever.
    for _ in 0..all.len() {
        let Some(id) = parent else { break };
        match all.iter().find(|q| q.id == id) {
            Some(q) => {
                names.push(q.name.clone().unwrap_or_default());
                parent = q.parent_project_id.clone();
            }
            None => break,
        }
    }
    names.reverse();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_told_from_names() {
        assert!(is_luid("d00700fe-28a0-4ece-a7af-5543ddf38a82"));
        assert!(!is_luid("Sales Cleanup"));
        assert!(!is_luid("d00700fe-28a0-4ece-a7af-5543ddf38a8z"));
    }

    #[test]
    fn a_project_path_follows_parents_and_survives_cycles() {
        let p = |id: &str, name: &str, parent: Option<&str>| Project {
            id: id.into(),
            name: Some(name.into()),
            parent_project_id: parent.map(Into::into),
            ..Project::default()
        };
        let all = vec![p("a", "Sales", None), p("b", "Archive", Some("a"))];
        assert_eq!(project_names(&all[1], &all), ["Sales", "Archive"]);
        let cycle = vec![p("x", "X", Some("y")), p("y", "Y", Some("x"))];
        assert_eq!(project_names(&cycle[0], &cycle), ["X", "Y", "X"]);
    }

    #[test]
    fn paths_split_and_join_with_escapes() {
        assert_eq!(split_path("Sales"), ["Sales"]);
        assert_eq!(split_path("Parent/Child/Flow"), ["Parent", "Child", "Flow"]);
        assert_eq!(split_path(r"Dev/In\/Out"), ["Dev", "In/Out"]);
        assert_eq!(split_path(r"a\\/b"), [r"a\", "b"]);
        // Any other backslash stands for itself, a trailing one too.
        assert_eq!(split_path(r"C:\data\x\"), [r"C:\data\x\"]);
        assert_eq!(split_path("/x/"), ["", "x", ""]);
        for names in [
            vec!["Dev", "In/Out"],
            vec!["a\\", "/", "\\/"],
            vec![r"C:\data", "x"],
            vec!["", "x"],
        ] {
            let path = join_path(&names);
            assert_eq!(split_path(&path), names, "{path}");
        }
        assert_eq!(join_path(["Dev", "Sales Cleanup"]), "Dev/Sales Cleanup");
        assert_eq!(join_path(["A/B"]), r"A\/B");
    }

    #[test]
    fn flow_paths_refuse_empty_names() {
        assert_eq!(flow_path("Flow").unwrap(), (vec![], "Flow".to_owned()));
        assert_eq!(
            flow_path("Parent/Child/Flow").unwrap(),
            (
                vec!["Parent".to_owned(), "Child".to_owned()],
                "Flow".to_owned()
            )
        );
        for bad in ["Dev/", "/Flow", "Dev//Flow", "Dev/ /Flow"] {
            let err = flow_path(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidArgument(m) if m.contains("empty name")),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn suggestions_are_close_names_closest_first_ignoring_case() {
        let names = [
            "Sales Cleanup",
            "Coffee Chain",
            "Broken Loom",
            "Sales Cleanup",
        ];
        // A transposition is one edit; each name once.
        assert_eq!(suggest("Sales Cleanpu", names), ["Sales Cleanup"]);
        assert_eq!(suggest("sales cleanup", names), ["Sales Cleanup"]);
        assert_eq!(suggest("Cofee Chain", names), ["Coffee Chain"]);
        assert!(suggest("Nowhere Flow", names).is_empty());
        assert!(suggest("x", names).is_empty());
        // At most three, the closest first, ties in name order.
        let many = ["Load 4", "Load 1", "Loads 22", "Load 3", "Unload"];
        assert_eq!(suggest("Load 2", many), ["Load 1", "Load 3", "Load 4"]);
        let many = ["Unload", "Loads 22", "Load 1"];
        assert_eq!(suggest("Load 2", many), ["Load 1", "Loads 22"]);
        assert_eq!(suggest("Load", []), Vec::<String>::new());
        // Paths are compared whole.
        let paths = ["Dev/Sales Cleanup", "Prod/Sales Cleanup"];
        assert_eq!(
            suggest("Dve/Sales Cleanup", paths),
            ["Dev/Sales Cleanup", "Prod/Sales Cleanup"]
        );
    }

    #[test]
    fn a_parameter_name_that_matches_nothing_suggests_the_flows_parameters() {
        let flow = Flow {
            parameters: vec![
                FlowParameter {
                    id: "p1".into(),
                    name: Some("Region".into()),
                    ..FlowParameter::default()
                },
                FlowParameter {
                    id: "p2".into(),
                    name: Some("Top N".into()),
                    ..FlowParameter::default()
                },
            ],
            ..Flow::default()
        };
        let err = flow.find_parameter("region ").unwrap_err();
        assert_eq!(err.suggestions(), ["Region"]);
        assert_eq!(
            err.to_string(),
            "no parameter named \"region \"; did you mean \"Region\"?"
        );
        assert!(
            flow.find_parameter("Colour")
                .unwrap_err()
                .suggestions()
                .is_empty()
        );
    }
}
