//! Names or ids: every argument naming a flow, project, user, group, schedule or flow parameter
//! takes either; flows and projects also take a path (`Dev/Sales Cleanup`, `Sales/Archive`,
//! `Parent/Child/Flow`, a `/` inside a name written `\/`), and `--project` narrows a flow's name
//! to one project. An argument shaped like a LUID (`d00700fe-28a0-4ece-a7af-5543ddf38a82`) is
//! used as the id without asking the server (but with `--project`, which is checked); anything
//! else is looked up with the library's `find_*` methods, which fail with a name that matches
//! nothing (naming it, with the closest names) or several things (listing each with its id and
//! path).

use crate::args::FlowArg;
use crate::error::CliError;
use tableau_flows::{Client, Flow, FlowParameterId};

/// Whether `s` has the shape of a LUID (the library's [`tableau_flows::is_luid`]).
pub use tableau_flows::is_luid as looks_like_id;

/// The id of the flow a flow argument names: its id, name or path, looked up in `--project`
/// when given.
pub fn flow_id(client: &Client, flow: &FlowArg) -> Result<String, CliError> {
    flow_id_in(client, &flow.flow, flow.project.as_deref())
}

/// The id of the flow `arg` names (an id, a name or a path), in `project` (a name, path or id)
/// when given: there an id is checked to be a flow of the project, elsewhere it is taken as it
/// is.
pub fn flow_id_in(client: &Client, arg: &str, project: Option<&str>) -> Result<String, CliError> {
    Ok(flow_in(client, arg, project)?.0)
}

/// [`flow_id_in`], with the flow's name when it was looked up (an id taken as it is has none).
pub fn flow_in(
    client: &Client,
    arg: &str,
    project: Option<&str>,
) -> Result<(String, Option<String>), CliError> {
    let flow = match project {
        Some(project) => client.find_flow_in(project, arg)?,
        None if looks_like_id(arg) => return Ok((arg.to_owned(), None)),
        None => client.find_flow(arg)?,
    };
    Ok((flow.id.to_string(), flow.name))
}

/// The id of the project with this name, path (`Sales/Archive`) or id.
pub fn project_id(client: &Client, arg: &str) -> Result<String, CliError> {
    if looks_like_id(arg) {
        return Ok(arg.to_owned());
    }
    Ok(client.find_project(arg)?.id.to_string())
}

/// The id of the user with this user name or id.
pub fn user_id(client: &Client, arg: &str) -> Result<String, CliError> {
    if looks_like_id(arg) {
        return Ok(arg.to_owned());
    }
    Ok(client.find_user(arg)?.id.to_string())
}

/// The id of the group with this name or id.
pub fn group_id(client: &Client, arg: &str) -> Result<String, CliError> {
    if looks_like_id(arg) {
        return Ok(arg.to_owned());
    }
    Ok(client.find_group(arg)?.id.to_string())
}

/// The id of the server schedule with this name or id.
pub fn schedule_id(client: &Client, arg: &str) -> Result<String, CliError> {
    if looks_like_id(arg) {
        return Ok(arg.to_owned());
    }
    let schedule = client.find_schedule(arg)?;
    schedule
        .id
        .map(|id| id.to_string())
        .ok_or_else(|| CliError::other(format!("the schedule {arg:?} has no id in the answer")))
}

/// Parameter values given by name or id, as `(parameter id, value)`: each value is checked
/// against the parameter's type and domain. `flow` is the flow as Query Flow answers it; a flow
/// answered without parameters (servers before API 3.24) takes ids only, unchecked.
pub fn parameters(
    flow: &Flow,
    given: &[(String, String)],
) -> Result<Vec<(FlowParameterId, String)>, CliError> {
    let mut resolved = Vec::new();
    for (key, value) in given {
        if flow.parameters.is_empty() && looks_like_id(key) {
            resolved.push((FlowParameterId::from(key.as_str()), value.clone()));
            continue;
        }
        let parameter = flow.find_parameter(key)?;
        let name = parameter
            .name
            .clone()
            .unwrap_or_else(|| parameter.id.to_string());
        parameter
            .check_value(value)
            .map_err(|reason| CliError::other(format!("parameter {name:?}: {reason}")))?;
        resolved.push((parameter.id.clone(), value.clone()));
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tableau_flows::{
        FlowParameter, FlowParameterDomain, ParameterDataType, ParameterDomainKind,
    };

    #[test]
    fn ids_are_told_from_names() {
        assert!(looks_like_id("d00700fe-28a0-4ece-a7af-5543ddf38a82"));
        assert!(looks_like_id("6F8A2966-E173-11E8-AE74-FFD84C19D7F3"));
        assert!(!looks_like_id("Sales Cleanup"));
        assert!(!looks_like_id("d00700fe-28a0-4ece-a7af-5543ddf38a8z"));
        assert!(!looks_like_id("d00700fe28a04ecea7af5543ddf38a82"));
        assert!(!looks_like_id(""));
    }

    #[test]
    fn parameters_by_name_or_id_are_checked() {
        let flow = model!(
            Flow::new(""),
            parameters = vec![model!(
                FlowParameter::new("p-region"),
                data_type = Some(ParameterDataType::String),
                name = Some("Region".into()),
                is_required = Some(false),
                domain = Some(model!(
                    FlowParameterDomain::new(),
                    kind = Some(ParameterDomainKind::List),
                    values = vec!["North".into(), "South".into()],
                )),
            )],
        );
        let given = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        let ok = parameters(&flow, &given("Region", "North")).unwrap();
        assert_eq!(ok[0].0.as_str(), "p-region");
        let ok = parameters(&flow, &given("p-region", "South")).unwrap();
        assert_eq!(ok[0].1, "South");
        let err = parameters(&flow, &given("Region", "Middle")).unwrap_err();
        assert!(
            err.to_string().contains("is not one of North, South"),
            "{err}"
        );
        let err = parameters(&flow, &given("Colour", "Red")).unwrap_err();
        assert!(err.to_string().contains("\"Colour\""), "{err}");
        // Without parameters in the answer, an id is taken as it is.
        let bare = Flow::default();
        let id = "ebfad780-c19f-42a2-822a-406468269a02";
        assert_eq!(
            parameters(&bare, &given(id, "x")).unwrap()[0].0.as_str(),
            id
        );
        assert!(parameters(&bare, &given("Region", "x")).is_err());
    }
}
