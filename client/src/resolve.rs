//! Finding things by name: a flow, project, user, group or schedule given by its name (or id), and
//! a flow's parameter given by its name (or id). A name that matches nothing is
//! [`Error::NotFound`]; one that matches several things is [`Error::Ambiguous`], listing each
//! with its id and what tells it apart. An empty or blank name names nothing: it is
//! [`Error::InvalidArgument`], before any request.
//!
//! ```no_run
//! # fn main() -> Result<(), tableau_flows::Error> {
//! # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
//! let project = client.find_project("Sales/Archive")?; // a nested project by its path
//! let flow = client.find_flow("Sales Cleanup")?;
//! let region = flow.find_parameter("Region")?;
//! println!("{} in {}, parameter {}", flow.id, project.id, region.id);
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

/// The one match, or why there is none.
fn one<T>(
    what: &'static str,
    name: &str,
    mut found: Vec<T>,
    describe: impl Fn(&T) -> Candidate,
) -> Result<T, Error> {
    match found.len() {
        0 => Err(Error::NotFound {
            what,
            name: name.to_owned(),
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

impl Client {
    /// The flow with this name (or id). A flow's name is unique within its project only, so two
    /// projects' flows of the same name are [`Error::Ambiguous`], each listed with its project.
    pub fn find_flow(&self, name_or_id: &str) -> Result<Flow, Error> {
        named("flow", name_or_id)?;
        if is_luid(name_or_id) {
            match self.query_flow(name_or_id).send() {
                Ok(answer) => return Ok(answer.flow),
                Err(e) if e.kind() == Some(crate::flows::QueryFlowError::FlowNotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut list = self.query_flows_for_site();
        if let Some(f) = name_filter(name_or_id) {
            list = list.filter(f);
        }
        let mut found = Vec::new();
        for flow in list.all() {
            let flow = flow?;
            if flow.name.as_deref() == Some(name_or_id) {
                found.push(flow);
            }
        }
        one("flow", name_or_id, found, |f| Candidate {
            id: f.id.to_string(),
            description: match f.project.as_ref().and_then(|p| p.name.as_deref()) {
                Some(p) => format!("in project {p}"),
                None => "in another project".to_owned(),
            },
        })
    }

    /// The project with this name, path of names (`Sales/Archive` for the project Archive inside
    /// Sales), or id. Names are unique only among siblings, so a name shared by nested projects is
    /// [`Error::Ambiguous`], each listed with its path.
    pub fn find_project(&self, name_path_or_id: &str) -> Result<Project, Error> {
        named("project", name_path_or_id)?;
        let all = || -> Result<Vec<Project>, Error> {
            Ok(self
                .query_projects()
                .page_size(1000)
                .all()
                .collect::<Result<_, _>>()?)
        };
        if is_luid(name_path_or_id) {
            let projects = all()?;
            if let Some(p) = projects.iter().find(|p| p.id.as_str() == name_path_or_id) {
                return Ok(p.clone());
            }
        }
        let mut list = self.query_projects();
        if let Some(f) = name_filter(name_path_or_id) {
            list = list.filter(f);
        }
        let found: Vec<Project> = list
            .all()
            .filter(|p| {
                p.as_ref()
                    .map_or(true, |p| p.name.as_deref() == Some(name_path_or_id))
            })
            .collect::<Result<_, _>>()?;
        if found.is_empty() && name_path_or_id.contains('/') {
            return self.find_project_path(name_path_or_id, &all()?);
        }
        if found.len() > 1 {
            let projects = all()?;
            return one("project", name_path_or_id, found, |p| Candidate {
                id: p.id.to_string(),
                description: project_path(p, &projects),
            });
        }
        one("project", name_path_or_id, found, |p| Candidate {
            id: p.id.to_string(),
            description: p.name.clone().unwrap_or_default(),
        })
    }

    fn find_project_path(&self, path: &str, projects: &[Project]) -> Result<Project, Error> {
        let mut parent: Option<&Project> = None;
        for (depth, name) in path.split('/').enumerate() {
            let level: Vec<&Project> = projects
                .iter()
                .filter(|p| p.name.as_deref() == Some(name))
                .filter(|p| match parent {
                    None => p.parent_project_id.is_none(),
                    Some(parent) => p.parent_project_id.as_ref() == Some(&parent.id),
                })
                .collect();
            let shown = path
                .split('/')
                .take(depth + 1)
                .collect::<Vec<_>>()
                .join("/");
            parent = Some(one("project", &shown, level, |p| Candidate {
                id: p.id.to_string(),
                description: project_path(p, projects),
            })?);
        }
        parent.cloned().ok_or_else(|| Error::NotFound {
            what: "project",
            name: path.to_owned(),
        })
    }

    /// The user with this user name (or id).
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
        one("user", name_or_id, found, |u| Candidate {
            id: u.id.to_string(),
            description: u
                .full_name
                .clone()
                .or_else(|| u.email.clone())
                .unwrap_or_else(|| u.site_role.clone().unwrap_or_default()),
        })
    }

    /// The group with this name (or id).
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
        one("group", name_or_id, found, |g| Candidate {
            id: g.id.to_string(),
            description: g
                .domain
                .as_ref()
                .map_or_else(|| "local".to_owned(), |d| format!("domain {}", d.name)),
        })
    }

    /// The server schedule with this name (or id) (List Server Schedules; Tableau Server only).
    pub fn find_schedule(&self, name_or_id: &str) -> Result<Schedule, Error> {
        named("schedule", name_or_id)?;
        let found: Vec<Schedule> = self
            .list_server_schedules()
            .all()
            .filter(|s| {
                s.as_ref().map_or(true, |s| {
                    s.name.as_deref() == Some(name_or_id)
                        || s.id.as_ref().is_some_and(|id| id.as_str() == name_or_id)
                })
            })
            .collect::<Result<_, _>>()?;
        one("schedule", name_or_id, found, |s| Candidate {
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
        })
    }
}

impl Flow {
    /// The flow's parameter with this name (or id), from a flow as Query Flow answers it (with
    /// its parameters, API 3.24).
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
        one("parameter", name_or_id, found, |p| Candidate {
            id: p.id.to_string(),
            description: p.description.clone().unwrap_or_default(),
        })
    }
}

/// A project's path of names from the top (`Sales/Archive`).
fn project_path(p: &Project, all: &[Project]) -> String {
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
    names.join("/")
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
        assert_eq!(project_path(&all[1], &all), "Sales/Archive");
        let cycle = vec![p("x", "X", Some("y")), p("y", "Y", Some("x"))];
        assert_eq!(project_path(&cycle[0], &cycle), "X/Y/X");
    }
}
