//! What a flow reads, does and writes, from its file.
//!
//! A `.tfl` or `.tflx` flow file is a zip archive whose `flow` entry is the flow document, JSON:
//! `nodes` keyed by id (each with a `nodeType` such as `.v1.LoadSql`, a `baseType` `input`,
//! `transform`, `container`, `superNode` or `output`, and `nextNodes`), the `connections` the
//! inputs name by `connectionId`, `parameters` and `initialNodes`. [`FlowDocument`] reads one,
//! within bounds ([`MAX_ENTRIES`] entries, a `flow` entry of at most [`MAX_FLOW_DOCUMENT`] bytes
//! once inflated: a zip bomb is refused unread), and summarises it: its [inputs](Input), its
//! [steps](Step) in order, its [outputs](Output), its [parameters](Parameter) and the
//! [lineage](Lineage) from inputs to outputs.
//!
//! A summary never holds a credential: of a connection it keeps the class, server, database and
//! file name only (no user name, password or other `connectionAttributes`).
//!
//! ```no_run
//! use tableau_flows::document::FlowDocument;
//!
//! let flow = FlowDocument::from_file("Sales Cleanup.tflx")?;
//! for input in &flow.inputs {
//!     println!("reads {} ({:?})", input.name, input.connection.as_ref().map(|c| &c.class));
//! }
//! for lineage in &flow.lineage {
//!     let from: Vec<&str> = lineage.inputs.iter().map(|i| i.name.as_str()).collect();
//!     println!("{} <- {}", lineage.output.name, from.join(", "));
//! }
//! println!("{}", serde_json::to_string_pretty(&flow)?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::io::{Read, Seek};
use std::path::Path;

/// The most entries a flow file's archive may have (a flow packages a handful of files): the
/// bound the simulator's Publish Flow applies too.
pub const MAX_ENTRIES: usize = 10_000;

/// The most bytes the `flow` entry may inflate to (16 MiB; real flow documents are kilobytes to
/// a few megabytes): the bound the simulator's Publish Flow applies too.
pub const MAX_FLOW_DOCUMENT: u64 = 16 * 1024 * 1024;

/// The most steps the walks that find the [lineage](Lineage) may take together (each input's
/// walk along `nextNodes` costs the links it follows): real flows take thousands (inputs times the links after them); a hostile
/// document that would take more gets no lineage, and a warning says so.
pub const MAX_LINEAGE_WORK: usize = 2_000_000;

/// Why a flow file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// The file cannot be read (it does not exist, or an I/O error).
    #[error("the file {}cannot be read: {reason}", named(path))]
    Unreadable {
        /// The file (empty when read from a reader that names none).
        path: String,
        /// Why.
        reason: String,
    },
    /// Not a zip archive.
    #[error("not a zip archive (a .tfl or .tflx flow file is one): {0}")]
    NotZip(String),
    /// More entries than [`MAX_ENTRIES`].
    #[error("the archive has {0} entries, more than the {MAX_ENTRIES} a flow file may have")]
    TooManyEntries(usize),
    /// No `flow` entry.
    #[error("the archive has no `flow` entry (the flow document of a .tfl or .tflx)")]
    NoFlowEntry,
    /// The `flow` entry inflates to more than [`MAX_FLOW_DOCUMENT`] bytes.
    #[error("the `flow` entry inflates to more than {MAX_FLOW_DOCUMENT} bytes")]
    FlowTooLarge,
    /// The `flow` entry cannot be inflated (an unsupported method, encryption, corrupt data).
    #[error("the `flow` entry cannot be read: {0}")]
    FlowUnreadable(String),
    /// The `flow` entry is not JSON, or not a JSON object.
    #[error("the `flow` entry is not a flow document (JSON object): {0}")]
    NotJson(String),
    /// The flow document has no `nodes` object.
    #[error("the flow document lacks `nodes` (the flow's steps, keyed by id)")]
    NoNodes,
    /// A member of the document does not have the shape a flow document gives it.
    #[error("the flow document's {at} is not {expected}")]
    BadShape {
        /// Where (`nodes.<id>`, `initialNodes`, ...).
        at: String,
        /// What it should be.
        expected: &'static str,
    },
}

/// `path ` for a message, or nothing when there is no path.
fn named(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path} ")
    }
}

/// A step of the flow, as other parts of the summary name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NodeRef {
    /// The node's id.
    pub id: String,
    /// Its name (the id when it has none).
    pub name: String,
}

/// What a flow document says about a flow: see the [module](self).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FlowDocument {
    /// The flow's name as the document records it (`name`), if it does.
    pub name: Option<String>,
    /// The input steps, in step order.
    pub inputs: Vec<Input>,
    /// Every step, in order: breadth-first from `initialNodes` along `nextNodes` (each node's
    /// next nodes in the order the document lists them), then the steps no path reaches, by id.
    pub steps: Vec<Step>,
    /// The output steps, in step order.
    pub outputs: Vec<Output>,
    /// The parameters, by name.
    pub parameters: Vec<Parameter>,
    /// For each output (in step order), the inputs that reach it.
    pub lineage: Vec<Lineage>,
    /// What is odd in the document but does not stop the summary: a `nextNodeId` or an
    /// initial node that names no node, an input's `connectionId` that names no connection.
    pub warnings: Vec<String>,
}

/// An input step: what the flow reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Input {
    /// The step's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its `nodeType` (`.v1.LoadSql`, `.v1.LoadCsv`, ...).
    pub node_type: String,
    /// The connection it reads through, if it names one that the document has.
    pub connection: Option<Connection>,
    /// The table it reads (`relation.table`, as written: `[schema].[table]`).
    pub table: Option<String>,
    /// The custom SQL query it runs (`relation.query`), if it runs one.
    pub query: Option<String>,
}

/// Where a connection points: never its credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Connection {
    /// The connection's id.
    pub id: String,
    /// Its class (`postgres`, `sqlserver`, `textscan`, `excel-direct`, ...).
    pub class: Option<String>,
    /// The server (database connections).
    pub server: Option<String>,
    /// The database (`dbname`, the input's own where it has one).
    pub database: Option<String>,
    /// The file (`filename`, file connections).
    pub file: Option<String>,
    /// Whether the file packages the data (`isPackaged`, a `.tflx`'s data files).
    pub packaged: bool,
}

/// A step of the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Step {
    /// The node's id.
    pub id: String,
    /// Its name (the id when it has none).
    pub name: String,
    /// Its `nodeType` (`.v1.LoadSql`, `.v2018_2_3.SuperJoin`, ...).
    pub node_type: String,
    /// Its `baseType` (`input`, `transform`, `container`, `superNode`, `output`), if any.
    pub base_type: Option<String>,
    /// What it does, in short: `input`, `join`, `union`, `clean`, `aggregate`, `pivot`,
    /// `script`, `prediction`, `new-rows`, `output`, or else its node type as written (a type
    /// this crate does not know is reported, never dropped).
    pub kind: String,
    /// The ids of the steps it leads to (`nextNodes`), in the document's order; ids that name
    /// no node are left out (and reported in [`FlowDocument::warnings`]).
    pub next: Vec<String>,
    /// The names of the actions of a clean step (its `loomContainer`'s nodes, in order).
    pub actions: Vec<String>,
}

/// An output step: what the flow writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Output {
    /// The step's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its `nodeType` (`.v1.PublishExtract`, `.v1.WriteToHyper`, ...).
    pub node_type: String,
    /// What it writes: `published-data-source`, `hyper-file`, `csv-file`, `excel-file`,
    /// `database-table`, or else its node type as written.
    pub kind: String,
    /// The published data source's name (`datasourceName`).
    pub data_source: Option<String>,
    /// The project it is published to (`projectName`).
    pub project: Option<String>,
    /// The file it writes (`hyperOutputFile` of `.v1.WriteToHyper`, `csvOutputFile` of
    /// `.v1.WriteToCsv`, `excelOutputFile` of `.v2021_1_1.WriteToExcel`).
    pub file: Option<String>,
    /// The database table it writes (`tableName`).
    pub table: Option<String>,
    /// The database connection it writes through (`connectionId`), if the document has it.
    pub connection: Option<Connection>,
}

/// A parameter of the flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Parameter {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its type (`string`, `integer`, ...).
    #[serde(rename = "type")]
    pub value_type: Option<String>,
    /// Its current value.
    pub value: Option<String>,
    /// Whether a run must be given a value.
    pub required: bool,
    /// The values it may take.
    pub domain: Domain,
}

/// The values a parameter may take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Domain {
    /// Any value (no domain, or `any`).
    Any,
    /// One of a list.
    List {
        /// The values.
        values: Vec<String>,
    },
    /// A range.
    Range {
        /// The least value.
        min: Option<String>,
        /// The greatest value.
        max: Option<String>,
        /// The step between values.
        step: Option<String>,
    },
    /// A domain type this crate does not know, by its name.
    Other {
        /// The domain's `type`.
        name: String,
    },
}

/// The inputs one output comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Lineage {
    /// The output step.
    pub output: NodeRef,
    /// The input steps a path along `nextNodes` leads from to the output, in step order.
    pub inputs: Vec<NodeRef>,
}

impl FlowDocument {
    /// Reads the flow file at `path` (`.tfl` or `.tflx`).
    ///
    /// # Errors
    ///
    /// [`DocumentError::Unreadable`] when the file cannot be opened or read, and otherwise what
    /// [`from_reader`](Self::from_reader) returns.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, DocumentError> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| DocumentError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_reader(std::io::BufReader::new(file)).map_err(|e| match e {
            DocumentError::Unreadable { reason, .. } => DocumentError::Unreadable {
                path: path.display().to_string(),
                reason,
            },
            other => other,
        })
    }

    /// Reads a flow file's bytes (a `.tfl` or `.tflx`, as Download Flow answers them).
    ///
    /// # Errors
    ///
    /// As [`from_reader`](Self::from_reader).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DocumentError> {
        Self::from_reader(std::io::Cursor::new(bytes))
    }

    /// Reads a flow file from `file`: only its zip directory and its `flow` entry, within
    /// [`MAX_ENTRIES`] and [`MAX_FLOW_DOCUMENT`].
    ///
    /// # Errors
    ///
    /// A [`DocumentError`] naming what is wrong: not a zip archive, too many entries, no `flow`
    /// entry, one too large or unreadable, not JSON, no `nodes`, or a member of the wrong
    /// shape.
    pub fn from_reader<R: Read + Seek>(file: R) -> Result<Self, DocumentError> {
        let json = read_flow_entry(file)?;
        Self::from_json(&json)
    }

    /// Summarises a flow document: the `flow` entry's JSON, already out of its archive.
    ///
    /// # Errors
    ///
    /// [`DocumentError::NotJson`], [`DocumentError::NoNodes`] or [`DocumentError::BadShape`].
    pub fn from_json(json: &[u8]) -> Result<Self, DocumentError> {
        let doc: Value =
            serde_json::from_slice(json).map_err(|e| DocumentError::NotJson(e.to_string()))?;
        let Value::Object(doc) = doc else {
            return Err(DocumentError::NotJson(
                "the document is not an object".into(),
            ));
        };
        summarise(&doc)
    }
}

/// The bytes of a flow file's `flow` entry (the flow document, JSON, not yet read), reading only
/// the archive's directory and that entry, within [`MAX_ENTRIES`] and [`MAX_FLOW_DOCUMENT`]
/// whatever sizes the archive declares: a zip bomb is refused without being inflated. The
/// simulator checks published files with it.
pub fn read_flow_entry<R: Read + Seek>(file: R) -> Result<Vec<u8>, DocumentError> {
    let mut archive = zip::ZipArchive::new(file).map_err(|e| match e {
        zip::result::ZipError::Io(e) => DocumentError::Unreadable {
            path: String::new(),
            reason: e.to_string(),
        },
        other => DocumentError::NotZip(other.to_string()),
    })?;
    if archive.len() > MAX_ENTRIES {
        return Err(DocumentError::TooManyEntries(archive.len()));
    }
    let entry = archive.by_name("flow").map_err(|e| match e {
        zip::result::ZipError::FileNotFound => DocumentError::NoFlowEntry,
        other => DocumentError::FlowUnreadable(other.to_string()),
    })?;
    if entry.is_dir() {
        return Err(DocumentError::NoFlowEntry);
    }
    // The declared size may lie: the read stops one byte past the bound whatever it says.
    if entry.size() > MAX_FLOW_DOCUMENT {
        return Err(DocumentError::FlowTooLarge);
    }
    let mut json = Vec::with_capacity(entry.size().min(64 * 1024) as usize);
    entry
        .take(MAX_FLOW_DOCUMENT + 1)
        .read_to_end(&mut json)
        .map_err(|e| DocumentError::FlowUnreadable(e.to_string()))?;
    if json.len() as u64 > MAX_FLOW_DOCUMENT {
        return Err(DocumentError::FlowTooLarge);
    }
    Ok(json)
}

/// A string member, or a number written as text; empty strings are none.
fn text(object: &Map<String, Value>, key: &str) -> Option<String> {
    match object.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::Bool(b)) => Some(b.to_string()),
        _ => None,
    }
}

fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn objects<'a>(
    doc: &'a Map<String, Value>,
    key: &str,
) -> Result<BTreeMap<&'a str, &'a Map<String, Value>>, DocumentError> {
    let bad = |at: String| DocumentError::BadShape {
        at,
        expected: "an object of objects keyed by id",
    };
    match doc.get(key) {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(id, v)| match v {
                Value::Object(o) => Ok((id.as_str(), o)),
                _ => Err(bad(format!("{key}.{id}"))),
            })
            .collect(),
        Some(_) => Err(bad(key.to_owned())),
    }
}

/// The ids of a node's `nextNodes`, in order.
fn next_ids(node: &Map<String, Value>) -> Vec<&str> {
    match node.get("nextNodes") {
        Some(Value::Array(next)) => next
            .iter()
            .filter_map(|n| n.get("nextNodeId").and_then(Value::as_str))
            .collect(),
        _ => Vec::new(),
    }
}

/// The order of a graph's nodes: breadth-first from `initial` along `nextNodes`, then the
/// nodes not reached, by id. Each node once, so a cycle ends the walk.
fn walk<'a>(
    nodes: &BTreeMap<&'a str, &'a Map<String, Value>>,
    initial: &[&'a str],
    warnings: &mut Vec<String>,
) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::with_capacity(nodes.len());
    let mut queue = VecDeque::new();
    for &id in initial {
        match nodes.get_key_value(id) {
            Some((&id, _)) => {
                if seen.insert(id) {
                    queue.push_back(id);
                }
            }
            None => warnings.push(format!("the initial node {id} is not a node of the flow")),
        }
    }
    // The ids in order, each looked at once for a walk of its own when nothing reached it.
    let mut unreached = nodes.keys();
    loop {
        while let Some(id) = queue.pop_front() {
            order.push(id);
            for next in next_ids(nodes[id]) {
                match nodes.get_key_value(next) {
                    Some((&next, _)) => {
                        if seen.insert(next) {
                            queue.push_back(next);
                        }
                    }
                    None => warnings.push(format!(
                        "the step {id} leads to {next}, which is not a node of the flow"
                    )),
                }
            }
        }
        // The nodes no path reaches: each starts a walk of its own, so nothing is dropped.
        match unreached.find(|id| !seen.contains(*id)) {
            Some(&id) => {
                seen.insert(id);
                queue.push_back(id);
            }
            None => break,
        }
    }
    order
}

fn initial_nodes<'a>(doc: &'a Map<String, Value>, at: &str) -> Result<Vec<&'a str>, DocumentError> {
    let bad = || DocumentError::BadShape {
        at: at.to_owned(),
        expected: "a list of node ids",
    };
    match doc.get("initialNodes") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(ids)) => ids.iter().map(|v| v.as_str().ok_or_else(bad)).collect(),
        Some(_) => Err(bad()),
    }
}

/// The last part of a node type (`.v2018_2_3.SuperJoin` → `SuperJoin`).
fn type_name(node_type: &str) -> &str {
    node_type.rsplit('.').next().unwrap_or(node_type)
}

fn step_kind(node_type: &str, base_type: Option<&str>) -> String {
    let name = type_name(node_type).to_ascii_lowercase();
    let kind = match base_type {
        Some("input") => "input",
        Some("output") => "output",
        _ if name.contains("join") => "join",
        _ if name.contains("union") => "union",
        _ if name.contains("aggregate") => "aggregate",
        _ if name.contains("pivot") => "pivot",
        _ if name.contains("script") => "script",
        _ if name.contains("prediction") => "prediction",
        _ if name.contains("newrows") => "new-rows",
        _ if name == "container" || base_type == Some("container") => "clean",
        _ => return node_type.to_owned(),
    };
    kind.to_owned()
}

fn output_kind(node_type: &str) -> String {
    let name = type_name(node_type).to_ascii_lowercase();
    let kind = if name.contains("publish") {
        "published-data-source"
    } else if name.contains("hyper") {
        "hyper-file"
    } else if name.contains("csv") {
        "csv-file"
    } else if name.contains("excel") {
        "excel-file"
    } else if name.contains("database") || name.contains("sql") {
        "database-table"
    } else {
        return node_type.to_owned();
    };
    kind.to_owned()
}

fn connection(id: &str, c: &Map<String, Value>, node: &Map<String, Value>) -> Connection {
    let empty = Map::new();
    let attrs = match c.get("connectionAttributes") {
        Some(Value::Object(a)) => a,
        _ => &empty,
    };
    let own = match node.get("connectionAttributes") {
        Some(Value::Object(a)) => a,
        _ => &empty,
    };
    Connection {
        id: id.to_owned(),
        class: text(attrs, "class"),
        server: text(attrs, "server"),
        database: text(own, "dbname").or_else(|| text(attrs, "dbname")),
        file: text(attrs, "filename"),
        packaged: truthy(c.get("isPackaged")),
    }
}

fn summarise(doc: &Map<String, Value>) -> Result<FlowDocument, DocumentError> {
    let nodes = match doc.get("nodes") {
        None | Some(Value::Null) => return Err(DocumentError::NoNodes),
        Some(_) => objects(doc, "nodes")?,
    };
    let connections = objects(doc, "connections")?;
    let initial = initial_nodes(doc, "initialNodes")?;
    let mut warnings = Vec::new();
    let order = walk(&nodes, &initial, &mut warnings);
    let name_of = |id: &str| -> String {
        nodes
            .get(id)
            .and_then(|n| text(n, "name"))
            .unwrap_or_else(|| id.to_owned())
    };
    let node_ref = |id: &str| NodeRef {
        id: id.to_owned(),
        name: name_of(id),
    };
    let connection_of = |id: &str, node: &Map<String, Value>, warnings: &mut Vec<String>| {
        let cid = text(node, "connectionId")?;
        match connections.get(cid.as_str()) {
            Some(c) => Some(connection(&cid, c, node)),
            None => {
                warnings.push(format!(
                    "the step {id} names the connection {cid}, which the document does not have"
                ));
                None
            }
        }
    };

    let mut steps = Vec::with_capacity(order.len());
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    for &id in &order {
        let node = nodes[id];
        let node_type = text(node, "nodeType").unwrap_or_default();
        let base_type = text(node, "baseType");
        let kind = step_kind(&node_type, base_type.as_deref());
        let next = next_ids(node)
            .into_iter()
            .filter(|n| nodes.contains_key(n))
            .map(str::to_owned)
            .collect();
        let actions = match node.get("loomContainer") {
            Some(Value::Object(inner)) => {
                let inner_nodes = objects(inner, "nodes").map_err(|_| DocumentError::BadShape {
                    at: format!("nodes.{id}.loomContainer.nodes"),
                    expected: "an object of objects keyed by id",
                })?;
                let inner_initial =
                    initial_nodes(inner, &format!("nodes.{id}.loomContainer.initialNodes"))?;
                walk(&inner_nodes, &inner_initial, &mut Vec::new())
                    .into_iter()
                    .map(|a| text(inner_nodes[a], "name").unwrap_or_else(|| a.to_owned()))
                    .collect()
            }
            _ => Vec::new(),
        };
        if base_type.as_deref() == Some("input") {
            let relation = match node.get("relation") {
                Some(Value::Object(r)) => Some(r),
                _ => None,
            };
            inputs.push(Input {
                id: id.to_owned(),
                name: name_of(id),
                node_type: node_type.clone(),
                connection: connection_of(id, node, &mut warnings),
                table: relation.and_then(|r| text(r, "table")),
                query: relation.and_then(|r| text(r, "query")),
            });
        }
        if base_type.as_deref() == Some("output") {
            outputs.push(Output {
                id: id.to_owned(),
                name: name_of(id),
                node_type: node_type.clone(),
                kind: output_kind(&node_type),
                data_source: text(node, "datasourceName"),
                project: text(node, "projectName"),
                file: text(node, "hyperOutputFile")
                    .or_else(|| text(node, "csvOutputFile"))
                    .or_else(|| text(node, "excelOutputFile")),
                table: text(node, "tableName"),
                connection: connection_of(id, node, &mut warnings),
            });
        }
        steps.push(Step {
            id: id.to_owned(),
            name: name_of(id),
            node_type,
            base_type,
            kind,
            next,
            actions,
        });
    }

    let input_ids: Vec<&str> = inputs.iter().map(|i| i.id.as_str()).collect();
    let output_ids: Vec<&str> = outputs.iter().map(|o| o.id.as_str()).collect();
    let lineage = match lineage(&nodes, &input_ids, &output_ids, MAX_LINEAGE_WORK) {
        Some(reached) => reached
            .into_iter()
            .zip(&output_ids)
            .map(|(from, &o)| Lineage {
                output: node_ref(o),
                inputs: from.into_iter().map(|i| node_ref(input_ids[i])).collect(),
            })
            .collect(),
        None => {
            warnings.push(format!(
                "the lineage is not given: finding it would take more than {MAX_LINEAGE_WORK} steps of the walk"
            ));
            Vec::new()
        }
    };

    let parameters = parameters(doc)?;
    Ok(FlowDocument {
        name: text(doc, "name"),
        inputs,
        steps,
        outputs,
        parameters,
        lineage,
        warnings,
    })
}

/// For each of `outputs`, the indexes in `inputs` of the inputs a path along `nextNodes` leads
/// from (ascending); `None` when the walks would follow more than `budget` links.
fn lineage(
    nodes: &BTreeMap<&str, &Map<String, Value>>,
    inputs: &[&str],
    outputs: &[&str],
    mut budget: usize,
) -> Option<Vec<Vec<usize>>> {
    let slot: HashMap<&str, usize> = outputs.iter().enumerate().map(|(i, &o)| (o, i)).collect();
    let mut from = vec![Vec::new(); outputs.len()];
    for (n, &input) in inputs.iter().enumerate() {
        let mut seen = BTreeSet::from([input]);
        let mut queue = VecDeque::from([input]);
        while let Some(id) = queue.pop_front() {
            if let Some(&o) = slot.get(id) {
                from[o].push(n);
            }
            for next in next_ids(nodes[id]) {
                budget = budget.checked_sub(1)?;
                if let Some((&next, _)) = nodes.get_key_value(next)
                    && seen.insert(next)
                {
                    queue.push_back(next);
                }
            }
        }
    }
    Some(from)
}

fn parameters(doc: &Map<String, Value>) -> Result<Vec<Parameter>, DocumentError> {
    let holder = match doc.get("parameters") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(p)) => p,
        Some(_) => {
            return Err(DocumentError::BadShape {
                at: "parameters".into(),
                expected: "an object",
            });
        }
    };
    let by_id = objects(holder, "parameters").map_err(|_| DocumentError::BadShape {
        at: "parameters.parameters".into(),
        expected: "an object of objects keyed by id",
    })?;
    let mut parameters: Vec<Parameter> = by_id
        .into_iter()
        .map(|(id, p)| {
            let domain = match p.get("domain") {
                Some(Value::Object(d)) => match text(d, "type").as_deref() {
                    None | Some("any") => Domain::Any,
                    Some("list") => Domain::List {
                        values: match d.get("values") {
                            Some(Value::Array(v)) => v
                                .iter()
                                .map(|v| match v {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                })
                                .collect(),
                            _ => Vec::new(),
                        },
                    },
                    Some("range") => Domain::Range {
                        min: text(d, "min"),
                        max: text(d, "max"),
                        step: text(d, "step"),
                    },
                    Some(other) => Domain::Other {
                        name: other.to_owned(),
                    },
                },
                _ => Domain::Any,
            };
            Parameter {
                id: id.to_owned(),
                name: text(p, "name").unwrap_or_else(|| id.to_owned()),
                value_type: text(p, "type"),
                value: text(p, "value"),
                required: truthy(p.get("isRequired")),
                domain,
            }
        })
        .collect();
    parameters.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok(parameters)
}

/// A JSON document an endpoint answers that the spec's structs do not describe (the experimental
/// [Get Flow Document](crate::Client::get_flow_document)'s flow document), as the server sent
/// it: a JSON object, not yet read further.
#[derive(Clone, PartialEq, Eq)]
pub struct JsonDocument {
    bytes: Vec<u8>,
}

impl JsonDocument {
    /// Checks that `bytes` are one JSON object (within serde_json's nesting limit).
    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Result<Self, crate::DecodeError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(crate::DecodeError::Empty);
        }
        let json_error = |e: serde_json::Error| crate::DecodeError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        };
        match serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
            Err(e) => Err(json_error(e)),
            Ok(_) if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') => {
                Err(crate::DecodeError::Json {
                    line: 1,
                    column: 1,
                    message: "expected a JSON object".to_owned(),
                })
            }
            Ok(_) => Ok(JsonDocument { bytes }),
        }
    }

    /// The document's bytes (UTF-8 JSON).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The document's bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl std::fmt::Debug for JsonDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonDocument")
            .field("len", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// What [`Client::flow_document`](crate::Client::flow_document) got: the flow's document, or
/// the server's answer that it has no document endpoint to offer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlowDocumentAnswer {
    /// The server's flow document, summarised.
    Document(FlowDocument),
    /// The server does not offer the experimental endpoint: read the flow's file instead
    /// (Download Flow, then [`FlowDocument::from_bytes`]).
    NotAvailable(NotAvailable),
}

/// Why a server does not offer the experimental flow-document endpoint (deviation S38).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotAvailable {
    /// Which refusal it was.
    pub reason: NotAvailableReason,
    /// The HTTP status (403 or 404).
    pub status: u16,
    /// The Tableau error code, when the answer carried one.
    pub code: Option<u32>,
    /// The server's message, or what the answer was.
    pub message: String,
}

/// The refusals that mean the endpoint is not there to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotAvailableReason {
    /// The server has the endpoint with its feature flag off (`features.getFlowDocumentRestApi`):
    /// 403 with code 403200 (or 403201, which one version of tableau-mcp's page names).
    FeatureOff,
    /// The server has no such endpoint (a server older than 2026.3): 404 with no flow- or
    /// site-not-found code.
    NoEndpoint,
}

impl std::fmt::Display for NotAvailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.reason {
            NotAvailableReason::FeatureOff => "its experimental flow-document API is turned off",
            NotAvailableReason::NoEndpoint => "it has no flow-document endpoint",
        };
        match self.code {
            Some(code) => write!(f, "the server answers HTTP {} {code}: {what}", self.status),
            None => write!(f, "the server answers HTTP {}: {what}", self.status),
        }
    }
}

/// Why [`Client::flow_document`](crate::Client::flow_document) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FlowDocumentError {
    /// The call failed (sign-in, permissions, a flow that does not exist, the transport).
    #[error(transparent)]
    Call(#[from] crate::CallError<crate::flows::GetFlowDocumentError>),
    /// The server's document is not a flow document.
    #[error("the server's flow document cannot be read: {0}")]
    Document(#[from] DocumentError),
}

/// The codes a server with the flow-document endpoint's feature flag off answers: 403200 (what
/// tableau-mcp's describe-flow checks, "verified live") and 403201 (what one version of its
/// page says).
const FEATURE_OFF_CODES: [u32; 2] = [403200, 403201];

/// Whether a refused call of Get Flow Document means the endpoint is not there to call.
fn not_available(e: &crate::CallError<crate::flows::GetFlowDocumentError>) -> Option<NotAvailable> {
    use crate::CallError;
    match e {
        CallError::Service(api) => {
            let code = api.code.code();
            let reason = match api.status {
                403 if FEATURE_OFF_CODES.contains(&code) => NotAvailableReason::FeatureOff,
                // A site or flow the server does not know is the caller's mistake, not a
                // missing endpoint.
                404 if code != 404000 && code != 404027 => NotAvailableReason::NoEndpoint,
                _ => return None,
            };
            Some(NotAvailable {
                reason,
                status: api.status,
                code: Some(code),
                message: api.message(),
            })
        }
        CallError::UnexpectedStatus { status: 404, body } => Some(NotAvailable {
            reason: NotAvailableReason::NoEndpoint,
            status: 404,
            code: None,
            message: body.clone(),
        }),
        _ => None,
    }
}

impl crate::Client {
    /// The flow's document from the server's experimental flow-document endpoint
    /// ([`get_flow_document`](crate::Client::get_flow_document), `GET
    /// /api/exp/sites/{site}/flows/{flow}/document`), summarised as
    /// [`FlowDocument::from_json`] does a file's; or, where the server does not offer the
    /// endpoint (its feature flag off: 403200; a server without it: 404), a
    /// [`FlowDocumentAnswer::NotAvailable`] saying so, so that the caller can download the flow
    /// instead. No API version gates the endpoint: Tableau Server 2026.3 and later have it,
    /// behind the server feature flag `features.getFlowDocumentRestApi` (deviation S38).
    ///
    /// # Errors
    ///
    /// [`FlowDocumentError::Call`] for any other refusal (no sign-in, a caller who may not
    /// download the flow, a flow that does not exist) or failure; [`FlowDocumentError::Document`]
    /// when the answer is JSON but not a flow document.
    ///
    /// ```no_run
    /// use tableau_flows::document::FlowDocumentAnswer;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = tableau_flows::Client::from_env()?;
    /// match client.flow_document("9c0ad1f3-6c1b-4e6a-9c0e-0d0c8d0b1a2e")? {
    ///     FlowDocumentAnswer::Document(flow) => println!("{} inputs", flow.inputs.len()),
    ///     FlowDocumentAnswer::NotAvailable(why) => println!("download the flow instead: {why}"),
    ///     _ => {}
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn flow_document(
        &self,
        flow_id: impl Into<crate::FlowId>,
    ) -> Result<FlowDocumentAnswer, FlowDocumentError> {
        match self.get_flow_document(flow_id).send() {
            Ok(json) => Ok(FlowDocumentAnswer::Document(FlowDocument::from_json(
                json.as_bytes(),
            )?)),
            Err(e) => match not_available(&e) {
                Some(why) => Ok(FlowDocumentAnswer::NotAvailable(why)),
                None => Err(e.into()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, content) in entries {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn flow(json: &str) -> Result<FlowDocument, DocumentError> {
        FlowDocument::from_bytes(&zip(&[("flow", json.as_bytes())]))
    }

    fn node(id: &str, node_type: &str, base: &str, next: &[&str]) -> String {
        let next: Vec<String> = next
            .iter()
            .map(|n| {
                format!(r#"{{"namespace":"Default","nextNodeId":"{n}","nextNamespace":"Default"}}"#)
            })
            .collect();
        format!(
            r#""{id}":{{"id":"{id}","name":"{id} step","nodeType":"{node_type}","baseType":"{base}","nextNodes":[{}]}}"#,
            next.join(",")
        )
    }

    #[test]
    fn what_is_not_a_flow_file_is_refused_by_name() {
        let err = |bytes: &[u8]| FlowDocument::from_bytes(bytes).unwrap_err();
        assert!(matches!(err(b"not a zip"), DocumentError::NotZip(_)));
        assert!(matches!(err(b""), DocumentError::NotZip(_)));
        assert_eq!(err(&zip(&[("other", b"{}")])), DocumentError::NoFlowEntry);
        assert!(matches!(
            flow("{nope").unwrap_err(),
            DocumentError::NotJson(_)
        ));
        assert!(matches!(
            flow("[1]").unwrap_err(),
            DocumentError::NotJson(_)
        ));
        assert_eq!(
            flow(r#"{"initialNodes":[]}"#).unwrap_err(),
            DocumentError::NoNodes
        );
        assert_eq!(
            flow(r#"{"nodes":[]}"#).unwrap_err(),
            DocumentError::BadShape {
                at: "nodes".into(),
                expected: "an object of objects keyed by id"
            }
        );
        assert_eq!(
            flow(r#"{"nodes":{"a":1}}"#).unwrap_err(),
            DocumentError::BadShape {
                at: "nodes.a".into(),
                expected: "an object of objects keyed by id"
            }
        );
        assert!(matches!(
            flow(r#"{"nodes":{},"initialNodes":[1]}"#).unwrap_err(),
            DocumentError::BadShape { at, .. } if at == "initialNodes"
        ));
        let missing = FlowDocument::from_file("/nonexistent/x.tfl").unwrap_err();
        assert!(
            matches!(&missing, DocumentError::Unreadable { path, .. } if path == "/nonexistent/x.tfl"),
            "{missing:?}"
        );
        // Deeply nested JSON is refused, never a stack overflow.
        let deep = format!(
            "{{\"nodes\":{{}},\"x\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(matches!(
            flow(&deep).unwrap_err(),
            DocumentError::NotJson(_)
        ));
        // The least a real file has passes.
        assert_eq!(flow(r#"{"nodes":{}}"#).unwrap().steps, []);
    }

    #[test]
    fn a_zip_bomb_is_refused_without_inflating_it() {
        let spaces = vec![b' '; MAX_FLOW_DOCUMENT as usize + 4096];
        let bomb = zip(&[("flow", &spaces)]);
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        assert_eq!(
            FlowDocument::from_bytes(&bomb).unwrap_err(),
            DocumentError::FlowTooLarge
        );
    }

    #[test]
    fn an_unreadable_file_is_named_when_it_has_a_name() {
        let named = DocumentError::Unreadable {
            path: "x.tfl".into(),
            reason: "gone".into(),
        };
        assert_eq!(named.to_string(), "the file x.tfl cannot be read: gone");
        let unnamed = DocumentError::Unreadable {
            path: String::new(),
            reason: "gone".into(),
        };
        assert_eq!(unnamed.to_string(), "the file cannot be read: gone");
    }

    #[test]
    fn too_many_entries_are_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("e{i}")).collect();
        let mut entries: Vec<(&str, &[u8])> =
            names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        entries.push(("flow", br#"{"nodes":{}}"#));
        assert_eq!(
            FlowDocument::from_bytes(&zip(&entries)).unwrap_err(),
            DocumentError::TooManyEntries(MAX_ENTRIES + 2)
        );
    }

    #[test]
    fn a_cycle_ends_the_walk_and_each_step_comes_once() {
        let doc = flow(&format!(
            r#"{{"initialNodes":["a"],"nodes":{{{},{},{}}}}}"#,
            node("a", ".v1.LoadSql", "input", &["b"]),
            node("b", ".v1.Container", "container", &["c", "a"]),
            node("c", ".v1.PublishExtract", "output", &["b"]),
        ))
        .unwrap();
        let ids: Vec<&str> = doc.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(doc.lineage.len(), 1);
        assert_eq!(doc.lineage[0].inputs[0].id, "a");
        assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    }

    #[test]
    fn a_dangling_next_node_is_a_warning_and_an_unknown_type_is_kept() {
        let doc = flow(&format!(
            r#"{{"initialNodes":["a","ghost"],"nodes":{{{},{},{},{}}}}}"#,
            node("a", ".v1.LoadSql", "input", &["m", "nowhere"]),
            node("m", ".v2099_1_1.Mystery", "transform", &["o"]),
            node("o", ".v1.WriteToHyper", "output", &[]),
            node("lonely", ".v1.Container", "container", &[]),
        ))
        .unwrap();
        let steps: Vec<(&str, &str)> = doc
            .steps
            .iter()
            .map(|s| (s.id.as_str(), s.kind.as_str()))
            .collect();
        // Breadth-first from the initial nodes, then what nothing reaches.
        assert_eq!(
            steps,
            [
                ("a", "input"),
                ("m", ".v2099_1_1.Mystery"),
                ("o", "output"),
                ("lonely", "clean")
            ]
        );
        assert_eq!(doc.steps[0].next, ["m"]);
        assert_eq!(
            doc.warnings,
            [
                "the initial node ghost is not a node of the flow",
                "the step a leads to nowhere, which is not a node of the flow"
            ]
        );
        assert_eq!(doc.outputs[0].kind, "hyper-file");
        assert_eq!(doc.lineage[0].inputs[0].name, "a step");
    }

    /// Each file output's kind and file, by the keys Prep writes (as flow files written by other
    /// tools show them: `hyperOutputFile` with `tdsOutput`, `csvOutputFile` with `separator`,
    /// `excelOutputFile`).
    #[test]
    fn file_outputs_name_their_files() {
        let out = |id: &str, node_type: &str, key: &str, file: &str| {
            format!(
                r#""{id}":{{"id":"{id}","name":"{id}","nodeType":"{node_type}","baseType":"output","nextNodes":[],"{key}":"{file}"}}"#
            )
        };
        let doc = flow(&format!(
            r#"{{"initialNodes":["a"],"nodes":{{{},{},{},{}}}}}"#,
            node("a", ".v1.LoadCsv", "input", &["h", "c", "x"]),
            out(
                "h",
                ".v1.WriteToHyper",
                "hyperOutputFile",
                "~/Out/sales.hyper"
            ),
            out("c", ".v1.WriteToCsv", "csvOutputFile", "/data/sales.csv"),
            out(
                "x",
                ".v2021_1_1.WriteToExcel",
                "excelOutputFile",
                "C:\\\\out\\\\sales.xlsx"
            ),
        ))
        .unwrap();
        let files: Vec<(&str, Option<&str>)> = doc
            .outputs
            .iter()
            .map(|o| (o.kind.as_str(), o.file.as_deref()))
            .collect();
        assert_eq!(
            files,
            [
                ("hyper-file", Some("~/Out/sales.hyper")),
                ("csv-file", Some("/data/sales.csv")),
                ("excel-file", Some("C:\\out\\sales.xlsx")),
            ]
        );
    }

    #[test]
    fn a_lineage_too_costly_to_find_is_not_given_and_a_warning_says_so() {
        // Three inputs into a chain of four steps to an output.
        let json = format!(
            r#"{{"initialNodes":["i1","i2","i3"],"nodes":{{{},{},{},{},{},{},{},{}}}}}"#,
            node("i1", ".v1.LoadSql", "input", &["c1"]),
            node("i2", ".v1.LoadSql", "input", &["c1"]),
            node("i3", ".v1.LoadSql", "input", &["c2"]),
            node("c1", ".v1.Container", "container", &["c2"]),
            node("c2", ".v1.Container", "container", &["c3"]),
            node("c3", ".v1.Container", "container", &["c4"]),
            node("c4", ".v1.Container", "container", &["o"]),
            node("o", ".v1.PublishExtract", "output", &[]),
        );
        let doc = flow(&json).unwrap();
        let from: Vec<&str> = doc.lineage[0]
            .inputs
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert_eq!(from, ["i1", "i2", "i3"]);
        // The walks follow 5 + 5 + 4 links: a budget of 13 is too small, 14 enough.
        let value: Value = serde_json::from_str(&json).unwrap();
        let nodes = objects(value.as_object().unwrap(), "nodes").unwrap();
        let (inputs, outputs) = (["i1", "i2", "i3"], ["o"]);
        assert_eq!(lineage(&nodes, &inputs, &outputs, 13), None);
        assert_eq!(
            lineage(&nodes, &inputs, &outputs, 14),
            Some(vec![vec![0, 1, 2]])
        );
    }

    #[test]
    fn no_credential_reaches_the_summary() {
        let doc = flow(
            r#"{"initialNodes":["a"],
            "nodes":{"a":{"name":"In","nodeType":".v1.LoadSql","baseType":"input","connectionId":"c",
                "connectionAttributes":{"dbname":"sales","password":"hunter2"},
                "relation":{"type":"query","query":"select 1"}}},
            "connections":{"c":{"connectionType":".v1.SqlConnection","isPackaged":false,
                "connectionAttributes":{"class":"postgres","server":"db","username":"admin",
                "password":"hunter2","dbname":"other"}}}}"#,
        )
        .unwrap();
        let json = serde_json::to_string(&doc).unwrap();
        assert!(
            !json.contains("hunter2") && !json.contains("admin"),
            "{json}"
        );
        let c = doc.inputs[0].connection.as_ref().unwrap();
        assert_eq!(c.class.as_deref(), Some("postgres"));
        assert_eq!(c.server.as_deref(), Some("db"));
        assert_eq!(c.database.as_deref(), Some("sales"));
        assert_eq!(doc.inputs[0].query.as_deref(), Some("select 1"));
        assert_eq!(doc.inputs[0].table, None);
    }
}
