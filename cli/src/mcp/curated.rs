//! The curated tools, where an agent needs more than one call, written on top of the client
//! and of what the CLI's commands already do:
//!
//! - `list-flows`: flows by name, project, owner and tags, with a completeness signal
//!   (`returnedCount`, `totalAvailable`, `truncated` and why);
//! - `run-flow-and-wait` (a write tool): runs a flow named by id, name or path, parameters by
//!   name checked against their domains, and waits; the failure reason when it fails;
//! - `flow-run-history`: runs newest first, with their status, duration and failure reasons;
//! - `describe-flow`: what a flow of the server reads, does and writes (its
//!   [`FlowDocument`](tableau_flows::document::FlowDocument), as JSON).

use super::table::Kind;
use super::{Answer, State, ToolError, schema};
use crate::args::RunsListArgs;
use crate::commands::{describe, runs};
use crate::resolve;
use rmcp::model::{Tool, ToolAnnotations};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Duration;
use tableau_flows::pagination::Pages;
use tableau_flows::{Error, Filter, Flow, FlowRun, RunOptions, WaitOptions};

/// The most flows `list-flows` reads to find the ones that match.
pub const MAX_SCAN: u64 = 10_000;
/// The most failed runs whose reasons `flow-run-history` asks for (one request each).
pub const MAX_REASONS: usize = 50;
/// The longest wait of `run-flow-and-wait` (a day) and its default (an hour).
pub const MAX_WAIT_SECS: u64 = 86_400;
/// The default wait of `run-flow-and-wait`.
pub const DEFAULT_WAIT_SECS: u64 = 3600;

/// The curated tools' names and kinds.
const CURATED: [(&str, Kind); 4] = [
    ("list-flows", Kind::Read),
    ("run-flow-and-wait", Kind::Write),
    ("flow-run-history", Kind::Read),
    ("describe-flow", Kind::Read),
];

/// The kind of the curated tool of this name, if it is one.
pub fn kind(name: &str) -> Option<Kind> {
    CURATED.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

fn tool(name: &'static str, title: &str, description: &str, schema: Value) -> Tool {
    let kind = kind(name).unwrap_or(Kind::Read);
    let schema = match schema {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    Tool::new(name, description.to_owned(), Arc::new(schema))
        .with_title(title)
        .with_annotations(
            ToolAnnotations::with_title(title)
                .read_only(kind == Kind::Read)
                .destructive(kind == Kind::Destructive)
                .idempotent(kind == Kind::Read)
                .open_world(true),
        )
}

/// A flow argument's schema: its id, name or path.
fn flow_property(what: &str) -> Value {
    json!({"type": "string", "minLength": 1,
        "description": format!("{what}: its id, its name, or its path (Project/Flow)")})
}

fn project_property() -> Value {
    json!({"type": "string", "minLength": 1,
        "description": "A project: its name, path (Sales/Archive) or id"})
}

/// The curated tools, as listed.
pub fn tools() -> Vec<Tool> {
    vec![
        tool(
            "list-flows",
            "List flows",
            "The site's flows, filtered by name, project, owner and tags. Reports returnedCount, \
             totalAvailable (how many flows match), and truncated with truncationReason when \
             not every match is returned: never mistake it for all when truncated is true.",
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "minLength": 1, "description": "The flow's exact name"},
                    "project": project_property(),
                    "owner": {"type": "string", "minLength": 1, "description": "The owner: a user name or id"},
                    "tags": {"type": "array", "items": {"type": "string"},
                        "description": "Tags the flows all carry"},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100,
                        "description": "At most this many flows (default 100)"}
                },
                "additionalProperties": false
            }),
        ),
        tool(
            "run-flow-and-wait",
            "Run a flow and wait",
            "Runs a flow now and waits for the run to end; its status, duration and, when it \
             failed, the server's reason. Parameters by name, each checked against the \
             parameter's type and domain before the run starts. Needs --allow-writes.",
            json!({
                "type": "object",
                "properties": {
                    "flow": flow_property("The flow"),
                    "project": project_property(),
                    "parameters": {"type": "object",
                        "additionalProperties": {"type": ["string", "number", "boolean"]},
                        "description": "Parameter values by the parameter's name (or id)"},
                    "timeoutSeconds": {"type": "integer", "minimum": 1, "maximum": MAX_WAIT_SECS,
                        "default": DEFAULT_WAIT_SECS,
                        "description": "How long to wait for the run (default 3600); it goes on after"}
                },
                "required": ["flow"],
                "additionalProperties": false
            }),
        ),
        tool(
            "flow-run-history",
            "Flow run history",
            "Flow runs, newest first: status, start, duration, parameters, and why failed runs \
             failed. Filter by flow, status and start time. Reports returnedCount, \
             totalAvailable and truncated.",
            json!({
                "type": "object",
                "properties": {
                    "flow": flow_property("Only the runs of this flow"),
                    "project": {"type": "string", "minLength": 1,
                        "description": "With flow: the project to look the flow's name up in (its name, path or id)"},
                    "status": {"type": "array", "items": {"type": "string",
                        "enum": ["Pending", "InProgress", "Success", "Failed", "Cancelled"]},
                        "description": "Only runs in one of these states"},
                    "since": {"type": "string", "minLength": 1,
                        "description": "Only runs started since: a duration back from now (30m, 2h, 7d) or a date (2024-05-01, 2024-05-01T08:00:00Z)"},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 20,
                        "description": "At most this many runs, the newest (default 20)"}
                },
                "additionalProperties": false
            }),
        ),
        tool(
            "describe-flow",
            "Describe a flow",
            "What a flow reads, does and writes, from its file on the server: its inputs \
             (connection class and location, table, file or query; never a credential), its \
             steps in order, its outputs, its parameters and the lineage from each input to \
             each output, as JSON.",
            json!({
                "type": "object",
                "properties": {
                    "flow": flow_property("The flow"),
                    "project": project_property()
                },
                "required": ["flow"],
                "additionalProperties": false
            }),
        ),
    ]
}

/// Calls the curated tool `name` with `arguments`.
pub fn call(state: &State, name: &str, arguments: Map<String, Value>) -> Result<Answer, ToolError> {
    let kind =
        kind(name).ok_or_else(|| ToolError::BadArguments(format!("no tool named {name:?}")))?;
    state.permissions.check(name, kind)?;
    let arguments = Value::Object(arguments);
    let tool = tools().into_iter().find(|t| t.name == name);
    if let Some(tool) = &tool {
        schema::check(&tool.input_schema, &arguments).map_err(ToolError::BadArguments)?;
    }
    match name {
        "list-flows" => list_flows(state, &arguments),
        "run-flow-and-wait" => run_flow_and_wait(state, &arguments),
        "flow-run-history" => flow_run_history(state, &arguments),
        _ => describe_flow(state, &arguments),
    }
}

fn text<'a>(arguments: &'a Value, key: &str) -> Option<&'a str> {
    arguments.get(key).and_then(Value::as_str)
}

/// The id of the flow the arguments name (`flow`, looked up in `project` when given), checked
/// against the bound.
fn flow_id(state: &State, arguments: &Value) -> Result<(String, Option<String>), ToolError> {
    let flow = text(arguments, "flow").unwrap_or_default();
    let (id, name) = resolve::flow_in(&state.client, flow, text(arguments, "project"))?;
    if let Some(bound) = &state.bound {
        bound.check_flow(&state.client, &id)?;
    }
    Ok((id, name))
}

/// A flow as listed: the client's model as JSON.
fn flow_json(flow: &Flow) -> Value {
    serde_json::to_value(flow).unwrap_or(Value::Null)
}

fn list_flows(state: &State, arguments: &Value) -> Result<Answer, ToolError> {
    let client = &state.client;
    let limit = arguments
        .get("limit")
        .and_then(Value::as_u64)
        .unwrap_or(100);
    let project = match text(arguments, "project") {
        Some(p) => {
            let id = resolve::project_id(client, p)?;
            if let Some(bound) = &state.bound
                && !bound.allows_project(&id)
            {
                return Err(ToolError::Refused(format!(
                    "the project {p} is outside the projects this server is bounded to ({}: --project)",
                    bound.names()
                )));
            }
            Some(id)
        }
        None => None,
    };
    let owner = text(arguments, "owner")
        .map(|o| resolve::user_id(client, o))
        .transpose()?;
    let tags: Vec<String> = arguments
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut call = client.query_flows_for_site().page_size(1000);
    if let Some(name) = text(arguments, "name") {
        call = call.filter(Filter::default().eq("name", name));
    }
    let mut pages = Pages::new(call).limit(MAX_SCAN + 1);
    let (mut matched, mut scanned, mut withheld) = (Vec::new(), 0u64, 0usize);
    for flow in pages.by_ref() {
        let flow = flow.map_err(ToolError::from_error)?;
        scanned += 1;
        if scanned > MAX_SCAN {
            break;
        }
        let project_id = flow.project.as_ref().map(|p| p.id.to_string());
        if let Some(bound) = &state.bound
            && !project_id
                .as_deref()
                .is_some_and(|p| bound.allows_project(p))
        {
            withheld += 1;
            continue;
        }
        let keep = project
            .as_ref()
            .is_none_or(|p| project_id.as_ref() == Some(p))
            && owner
                .as_ref()
                .is_none_or(|o| flow.owner.as_ref().is_some_and(|w| w.id.as_str() == o))
            && tags.iter().all(|t| flow.tags.iter().any(|l| l.label == *t));
        if keep {
            matched.push(flow);
        }
    }
    let scan_complete = scanned <= MAX_SCAN;
    let total = matched.len();
    let returned: Vec<Value> = matched
        .iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(flow_json)
        .collect();
    let reason = if !scan_complete {
        Some(format!(
            "the site has more than {MAX_SCAN} flows: only the first {MAX_SCAN} were read; give a name, project, owner or tags to narrow the list"
        ))
    } else if returned.len() < total {
        Some(format!(
            "limit: {} of the {total} matching flows returned; raise limit (at most 1000) or narrow the list",
            returned.len()
        ))
    } else {
        None
    };
    let mut answer = json!({
        "flows": returned,
        "returnedCount": returned.len(),
        "totalAvailable": total,
        "truncated": reason.is_some(),
    });
    if let Some(reason) = reason {
        answer["truncationReason"] = json!(reason);
    }
    if let Some(bound) = &state.bound {
        answer["withheld"] = json!({
            "count": withheld,
            "why": format!("flows outside the projects this server is bounded to ({}: --project)", bound.names()),
        });
    }
    Ok(Answer::Json(answer))
}

/// A value given for a parameter, as text.
fn parameter_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A run as the tools report it: its fields, the flow's name, its duration in seconds.
fn run_json(run: &FlowRun, flow_name: Option<&str>, reason: Option<&str>) -> Value {
    let mut value = serde_json::to_value(run).unwrap_or_else(|_| json!({}));
    if let Some(map) = value.as_object_mut() {
        if let Some(name) = flow_name {
            map.insert("flowName".into(), json!(name));
        }
        let seconds = match (&run.started_at, &run.completed_at) {
            (Some(s), Some(c)) => Some(c.unix_timestamp().saturating_sub(s.unix_timestamp())),
            _ => None,
        };
        if let Some(s) = seconds {
            map.insert("durationSeconds".into(), json!(s));
            map.insert(
                "duration".into(),
                json!(crate::commands::human_duration(
                    u64::try_from(s).unwrap_or(0)
                )),
            );
        }
        if let Some(reason) = reason {
            map.insert("reason".into(), json!(reason));
        }
    }
    value
}

fn run_flow_and_wait(state: &State, arguments: &Value) -> Result<Answer, ToolError> {
    let client = &state.client;
    let (id, name) = flow_id(state, arguments)?;
    let mut options = RunOptions::new();
    if let Some(params) = arguments.get("parameters").and_then(Value::as_object) {
        for (key, value) in params {
            options = options.parameter(key.as_str(), parameter_text(value));
        }
    }
    let started = client
        .run_flow(id.as_str(), options)
        .map_err(ToolError::from_error)?;
    let run_id = started.flow_run_id().map_err(ToolError::from_error)?;
    let timeout = arguments
        .get("timeoutSeconds")
        .and_then(Value::as_u64)
        .unwrap_or(DEFAULT_WAIT_SECS);
    let options = WaitOptions::new()
        .interval(Duration::from_millis(500), Duration::from_secs(15))
        .timeout(Duration::from_secs(timeout))
        .cancel(state.cancel.clone());
    let shown = name.clone().unwrap_or_else(|| id.clone());
    match client.wait_for_flow_run(run_id.as_str(), options) {
        Ok(run) => Ok(Answer::Json(json!({
            "flowRun": run_json(&run, name.as_deref(), None),
            "jobId": started.job.id.to_string(),
        }))),
        Err(Error::RunFailed { run, reason }) => Err(ToolError::Failed(format!(
            "flow run {} of flow {shown} failed: {}",
            run.id.as_str(),
            reason.unwrap_or_else(|| "the server gave no reason".to_owned())
        ))),
        Err(Error::RunCancelled(run)) => Err(ToolError::Failed(format!(
            "flow run {} of flow {shown} was cancelled",
            run.id.as_str()
        ))),
        Err(Error::WaitTimedOut { waited, last, .. }) => Err(ToolError::Failed(format!(
            "flow run {} of flow {shown} had not finished after {} s (last status: {}); it goes on: \
             follow it with flow-run-history or get_flow_run",
            run_id.as_str(),
            waited.as_secs(),
            last.as_ref().map_or("unknown", |s| s.as_str())
        ))),
        Err(e) => Err(ToolError::from_error(e)),
    }
}

fn flow_run_history(state: &State, arguments: &Value) -> Result<Answer, ToolError> {
    let client = &state.client;
    let limit = arguments.get("limit").and_then(Value::as_u64).unwrap_or(20);
    let flow = match (text(arguments, "flow"), text(arguments, "project")) {
        (Some(_), _) => Some(flow_id(state, arguments)?.0),
        (None, Some(_)) => {
            return Err(ToolError::BadArguments(
                "project: it says where to look the flow's name up; give flow too".to_owned(),
            ));
        }
        (None, None) => None,
    };
    let since = text(arguments, "since")
        .map(crate::args::since)
        .transpose()
        .map_err(|e| ToolError::BadArguments(format!("since: {e}")))?;
    let status = arguments
        .get("status")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(crate::args::run_status)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ToolError::BadArguments(format!("status: {e}")))?;
    let args = RunsListArgs {
        flow,
        project: None,
        status,
        since,
        filter: None,
        limit: None,
    };
    let found = runs::find_runs(client, args, &state.cancel)?;
    let mut runs = found.runs;
    let mut withheld = 0;
    if let Some(bound) = &state.bound {
        let before = runs.len();
        let mut kept = Vec::new();
        for run in runs {
            let inside = match &run.flow_id {
                Some(f) => bound.check_flow(client, f.as_str()).is_ok(),
                None => false,
            };
            if inside {
                kept.push(run);
            }
        }
        withheld = before - kept.len();
        runs = kept;
    }
    let total = runs.len();
    runs.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let names = crate::commands::flow_names(client);
    let mut failed = 0;
    let listed: Vec<Value> = runs
        .iter()
        .map(|run| {
            let reason = if run.status == Some(tableau_flows::RunStatus::Failed) {
                failed += 1;
                if failed <= MAX_REASONS {
                    runs::failure_reason(client, run)
                } else {
                    None
                }
            } else {
                None
            };
            let name = run.flow_id.as_ref().and_then(|f| {
                names
                    .get(f.as_str())
                    .or_else(|| found.names.get(f.as_str()))
            });
            run_json(run, name.map(String::as_str), reason.as_deref())
        })
        .collect();
    let truncated = listed.len() < total;
    let mut answer = json!({
        "runs": listed,
        "returnedCount": listed.len(),
        "totalAvailable": total,
        "truncated": truncated,
    });
    if truncated {
        answer["truncationReason"] = json!(format!(
            "limit: the {} newest of the {total} matching runs; raise limit (at most 1000) or narrow with flow, status or since",
            listed.len()
        ));
    }
    if let Some(bound) = &state.bound {
        answer["withheld"] = json!({
            "count": withheld,
            "why": format!("runs of flows outside the projects this server is bounded to ({}: --project)", bound.names()),
        });
    }
    Ok(Answer::Json(answer))
}

fn describe_flow(state: &State, arguments: &Value) -> Result<Answer, ToolError> {
    let (id, _) = flow_id(state, arguments)?;
    let (doc, source) = describe::document_of(&state.client, &id, &state.cancel)?;
    let mut value = serde_json::to_value(&doc)
        .map_err(|e| ToolError::Failed(format!("the document of flow {id}: {e}")))?;
    if let Some(map) = value.as_object_mut() {
        map.insert("flowId".into(), json!(id));
        map.insert("source".into(), json!(source.as_str()));
    }
    Ok(Answer::Json(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curated_tools_have_their_kinds_and_closed_schemas() {
        let tools = tools();
        assert_eq!(tools.len(), CURATED.len());
        for t in &tools {
            assert_eq!(
                t.input_schema["additionalProperties"],
                json!(false),
                "{}",
                t.name
            );
            let read_only = t.annotations.as_ref().and_then(|a| a.read_only_hint);
            assert_eq!(
                read_only,
                Some(kind(&t.name) == Some(Kind::Read)),
                "{}",
                t.name
            );
        }
        assert_eq!(kind("run-flow-and-wait"), Some(Kind::Write));
        assert_eq!(kind("query_flow"), None);
    }
}
