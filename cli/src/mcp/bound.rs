//! `--project`: every tool bounded to the flows of chosen projects (and of the projects inside
//! them). A tool naming a flow, a flow run, a flow task, a linked task, a job or a project is
//! checked by looking up the flow's project first, and refused outside; a request body naming a
//! flow or a project (moving a flow, scheduling one) is checked the same way; list answers keep
//! only what lies inside, saying how many items were withheld. Whatever cannot be placed is
//! withheld (the bound fails closed).

use super::ToolError;
use crate::error::CliError;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use tableau_flows::Client;

/// The most items of one answer whose flow is looked up one request each (jobs): beyond, they
/// are withheld, saying so.
pub const MAX_LOOKUPS: usize = 200;

/// The projects the tools are bounded to.
#[derive(Debug)]
pub struct Bound {
    /// The projects as given, for messages.
    named: Vec<String>,
    /// Their ids and those of the projects inside them.
    allowed: HashSet<String>,
    /// Each flow's project (`None`: the answer named none), as looked up during the current
    /// tool call ([`Bound::forget`] clears it when a call starts: a flow moved meanwhile is seen
    /// where it is now).
    flows: Mutex<HashMap<String, Option<String>>>,
}

/// The arguments or answers' fields naming what a bound applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// A flow.
    Flow,
    /// A flow run.
    FlowRun,
    /// A scheduled flow task.
    FlowTask,
    /// A linked task (each of its steps' flows).
    LinkedTask,
    /// A background job.
    Job,
    /// A project.
    Project,
}

impl Named {
    /// What a path parameter of this name names, when a bound applies to it.
    pub fn of_path_param(name: &str) -> Option<Named> {
        Some(match name {
            "flow_id" => Named::Flow,
            "flow_run_id" => Named::FlowRun,
            "task_id" => Named::FlowTask,
            "linked_task_id" => Named::LinkedTask,
            "job_id" => Named::Job,
            "project_id" => Named::Project,
            _ => return None,
        })
    }
}

/// The flow an item of an answer belongs to: a run's `flowId`, a task's `flowRun.flow.id`, a
/// job's `runFlowJobType.flow.id`, or its own `flow.id`.
fn flow_of(item: &Value) -> Option<&str> {
    item.get("flowId")
        .or_else(|| item.pointer("/flow/id"))
        .or_else(|| item.pointer("/flowRun/flow/id"))
        .or_else(|| item.pointer("/runFlowJobType/flow/id"))
        .and_then(Value::as_str)
}

/// The items of a list answer's container (`{"flows": {"flow": [...]}}`), whatever the inner
/// key.
fn items_of<'a>(answer: &'a mut Value, container: &str) -> Option<&'a mut Vec<Value>> {
    let inner = answer.get_mut(container)?.as_object_mut()?;
    inner.values_mut().find_map(Value::as_array_mut)
}

impl Bound {
    /// The bound to `projects` (names, paths or ids, as the CLI takes them), resolved now with
    /// the projects inside them; `None` when no project is given.
    pub fn new(client: &Client, projects: &[String]) -> Result<Option<Bound>, CliError> {
        if projects.is_empty() {
            return Ok(None);
        }
        let all: Vec<tableau_flows::Project> = client
            .query_projects()
            .page_size(1000)
            .all()
            .collect::<Result<_, _>>()?;
        let mut allowed = HashSet::new();
        for given in projects {
            let id = crate::resolve::project_id(client, given)
                .map_err(|e| CliError::usage(format!("--project {given}: {e}")))?;
            if !all.iter().any(|p| p.id.as_str() == id) {
                return Err(CliError::usage(format!(
                    "--project {given}: the site has no project with the id {id}"
                )));
            }
            allowed.insert(id);
        }
        // The projects inside them, to any depth.
        loop {
            let before = allowed.len();
            for p in &all {
                if p.parent_project_id
                    .as_ref()
                    .is_some_and(|parent| allowed.contains(parent.as_str()))
                {
                    allowed.insert(p.id.to_string());
                }
            }
            if allowed.len() == before {
                break;
            }
        }
        Ok(Some(Bound {
            named: projects.to_vec(),
            allowed,
            flows: Mutex::new(HashMap::new()),
        }))
    }

    /// The projects as given, comma-separated.
    pub fn names(&self) -> String {
        self.named.join(", ")
    }

    fn outside(&self, what: &str) -> ToolError {
        ToolError::Refused(format!(
            "{what} is outside the projects this server is bounded to ({}: --project)",
            self.names()
        ))
    }

    /// Whether the project is inside the bound.
    pub fn allows_project(&self, project_id: &str) -> bool {
        self.allowed.contains(project_id)
    }

    /// Forgets the flows' projects looked up so far: called as each tool call starts, so that
    /// a flow moved out of the bound since an earlier call is refused, while a list answer
    /// naming a flow many times still asks for it once.
    pub fn forget(&self) {
        self.lock().clear();
    }

    /// The project of a flow (Query Flow, asked once per flow and tool call).
    fn project_of(&self, client: &Client, flow_id: &str) -> Result<Option<String>, ToolError> {
        if let Some(known) = self.lock().get(flow_id) {
            return Ok(known.clone());
        }
        let flow = client
            .query_flow(flow_id)
            .send()
            .map_err(ToolError::from_error)?;
        let project = flow.flow.project.map(|p| p.id.to_string());
        self.lock().insert(flow_id.to_owned(), project.clone());
        Ok(project)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<String>>> {
        self.flows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the flow is inside the bound (a flow the server places nowhere is not).
    fn allows_flow(&self, client: &Client, flow_id: &str) -> Result<bool, ToolError> {
        Ok(self
            .project_of(client, flow_id)?
            .is_some_and(|p| self.allows_project(&p)))
    }

    /// Refuses the flow unless it is inside the bound.
    pub fn check_flow(&self, client: &Client, flow_id: &str) -> Result<(), ToolError> {
        if self.allows_flow(client, flow_id)? {
            Ok(())
        } else {
            Err(self.outside(&format!("the flow {flow_id}")))
        }
    }

    /// Refuses what `value` names (of kind `named`) unless its flows are inside the bound.
    pub fn check(&self, client: &Client, named: Named, value: &str) -> Result<(), ToolError> {
        let flows: Vec<String> = match named {
            Named::Flow => return self.check_flow(client, value),
            Named::Project => {
                return if self.allows_project(value) {
                    Ok(())
                } else {
                    Err(self.outside(&format!("the project {value}")))
                };
            }
            Named::FlowRun => {
                let run = client
                    .get_flow_run(value)
                    .send()
                    .map_err(ToolError::from_error)?;
                run.flow_run.flow_id.iter().map(|f| f.to_string()).collect()
            }
            Named::FlowTask => {
                self.flows_in_answer(client, "get_flow_run_task", "task_id", value)?
            }
            Named::Job => self.flows_in_answer(client, "query_job", "job_id", value)?,
            Named::LinkedTask => {
                self.flows_in_answer(client, "get_linked_task", "linked_task_id", value)?
            }
        };
        let what = match named {
            Named::FlowRun => "the flow run",
            Named::FlowTask => "the flow task",
            Named::LinkedTask => "the linked task",
            Named::Job => "the job",
            Named::Flow | Named::Project => "it",
        };
        if flows.is_empty() {
            return Err(self.outside(&format!("{what} {value} (it names no flow)")));
        }
        for flow in &flows {
            if !self.allows_flow(client, flow)? {
                return Err(self.outside(&format!("{what} {value} (flow {flow})")));
            }
        }
        Ok(())
    }

    /// The flows an answer of `endpoint` for `param` = `value` names (asked as JSON).
    fn flows_in_answer(
        &self,
        client: &Client,
        endpoint: &str,
        param: &str,
        value: &str,
    ) -> Result<Vec<String>, ToolError> {
        let answer = client
            .raw(endpoint)
            .map_err(ToolError::from_error)?
            .path(param, value)
            .accept(tableau_flows::WireFormat::Json)
            .send()
            .map_err(ToolError::from_error)?;
        let answer: Value = serde_json::from_slice(&answer.body)
            .map_err(|e| ToolError::Failed(format!("{endpoint}: the answer is not JSON: {e}")))?;
        let mut flows = Vec::new();
        collect_flow_ids(&answer, &mut flows);
        Ok(flows)
    }

    /// Refuses a request body that names a flow or a project outside the bound (`flow.id`,
    /// `flowId`, `project.id`, at any depth).
    pub fn check_body(&self, client: &Client, body: &Value) -> Result<(), ToolError> {
        let mut flows = Vec::new();
        let mut projects = Vec::new();
        let mut stack = vec![body];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(map) => {
                    for (key, field) in map {
                        let id = field.get("id").and_then(Value::as_str);
                        match (key.as_str(), id) {
                            ("flow", Some(id)) => flows.push(id.to_owned()),
                            ("project", Some(id)) => projects.push(id.to_owned()),
                            ("flowId", _) => flows.extend(field.as_str().map(str::to_owned)),
                            _ => {}
                        }
                        stack.push(field);
                    }
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
        for p in projects {
            if !self.allows_project(&p) {
                return Err(self.outside(&format!("the project {p} named in the body")));
            }
        }
        for f in flows {
            self.check_flow(client, &f)?;
        }
        Ok(())
    }

    /// Keeps only the items of a list answer (flows, flow runs, flow tasks, linked tasks, jobs)
    /// that lie inside the bound; returns how many were withheld, and notes it in the answer
    /// (`withheld`).
    pub fn filter(&self, client: &Client, answer: &mut Value) -> Result<usize, ToolError> {
        let mut withheld = 0;
        if let Some(flows) = items_of(answer, "flows") {
            let before = flows.len();
            flows.retain(|f| {
                f.pointer("/project/id")
                    .and_then(Value::as_str)
                    .is_some_and(|p| self.allows_project(p))
            });
            withheld += before - flows.len();
        }
        for container in ["flowRuns", "tasks", "linkedTasks"] {
            if let Some(items) = items_of(answer, container) {
                let taken = std::mem::take(items);
                for item in taken {
                    let mut ids = Vec::new();
                    if container == "linkedTasks" {
                        collect_flow_ids(&item, &mut ids);
                    } else {
                        ids.extend(flow_of(&item).map(str::to_owned));
                    }
                    let mut inside = !ids.is_empty();
                    for id in &ids {
                        inside = inside && self.allows_flow(client, id)?;
                    }
                    if inside {
                        items.push(item);
                    } else {
                        withheld += 1;
                    }
                }
            }
        }
        if let Some(jobs) = items_of(answer, "backgroundJobs") {
            let taken = std::mem::take(jobs);
            for (i, job) in taken.into_iter().enumerate() {
                let id = job.get("id").and_then(Value::as_str).unwrap_or_default();
                let inside =
                    i < MAX_LOOKUPS && !id.is_empty() && self.check(client, Named::Job, id).is_ok();
                if inside {
                    jobs.push(job);
                } else {
                    withheld += 1;
                }
            }
        }
        if withheld > 0
            && let Some(map) = answer.as_object_mut()
        {
            map.insert(
                "withheld".to_owned(),
                json!({
                    "count": withheld,
                    "why": format!(
                        "outside the projects this server is bounded to ({}: --project); \
                         pagination counts the server's items, these included",
                        self.names()
                    ),
                }),
            );
        }
        Ok(withheld)
    }
}

/// Every flow id an answer names (`flow.id`, `flowId`), at any depth.
fn collect_flow_ids(value: &Value, out: &mut Vec<String>) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (key, field) in map {
                    match key.as_str() {
                        "flow" => {
                            out.extend(field.get("id").and_then(Value::as_str).map(str::to_owned))
                        }
                        "flowId" => out.extend(field.as_str().map(str::to_owned)),
                        _ => {}
                    }
                    stack.push(field);
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out.sort();
    out.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flows_are_found_where_answers_put_them() {
        let run = json!({"id": "r", "flowId": "f1"});
        let task = json!({"flowRun": {"id": "t", "flow": {"id": "f2"}}});
        let job = json!({"runFlowJobType": {"flow": {"id": "f3"}}});
        assert_eq!(flow_of(&run), Some("f1"));
        assert_eq!(flow_of(&task), Some("f2"));
        assert_eq!(flow_of(&job), Some("f3"));
        let mut ids = Vec::new();
        collect_flow_ids(
            &json!({"steps": [{"task": {"flowRun": {"flow": {"id": "b"}}}}, {"flowId": "a"}]}),
            &mut ids,
        );
        assert_eq!(ids, ["a", "b"]);
    }

    #[test]
    fn path_parameters_name_what_is_bounded() {
        assert_eq!(Named::of_path_param("flow_id"), Some(Named::Flow));
        assert_eq!(Named::of_path_param("job_id"), Some(Named::Job));
        assert_eq!(Named::of_path_param("user_id"), None);
    }
}
