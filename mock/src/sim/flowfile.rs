//! Flow files (deviation S23): what Publish Flow checks in the file it is given, what the
//! simulator reads from it, and the real, small flow files of the demo content.
//!
//! A `.tfl` and a `.tflx` are zip archives. Their `flow` entry is the flow document, JSON:
//! `nodes` keyed by id (each with `nodeType` such as `.v1.LoadCsv`, `baseType` `input`,
//! `transform`, `container`, `superNode` or `output`, `nextNodes`, and for inputs a
//! `connectionId`), `connections`, `parameters` and `initialNodes`; beside it `displaySettings`
//! and `maestroMetadata`, and in a `.tflx` the input data files it packages.
//!
//! The check reads only what it needs, within bounds: the archive's directory (at most
//! [`MAX_ENTRIES`] entries) and the `flow` entry (at most [`MAX_FLOW_DOCUMENT`] bytes once
//! inflated, however small it is compressed), so a zip bomb or a hostile archive is refused
//! rather than exhausting memory. It asks of the document only what every file Tableau Prep
//! writes has (a JSON object whose `nodes` is an object of objects, and `initialNodes`, where
//! present, a list of ids), so it refuses no real file.

use serde::Deserialize;
// Why a file is not a flow file (the detail of Publish Flow's 400087): the client's reasons, so
// that the simulator and the client refuse a file in the same words.
use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use tableau_flows::document::DocumentError;

/// The most entries an archive may have (a flow packages a handful of files): the client's
/// bound ([`tableau_flows::document::MAX_ENTRIES`]), so that what one reads the other accepts.
pub const MAX_ENTRIES: usize = tableau_flows::document::MAX_ENTRIES;

/// The most bytes the `flow` entry may inflate to (16 MiB; real flow documents are kilobytes to
/// a few megabytes): the client's bound ([`tableau_flows::document::MAX_FLOW_DOCUMENT`]).
pub const MAX_FLOW_DOCUMENT: u64 = tableau_flows::document::MAX_FLOW_DOCUMENT;

/// What the simulator reads from a flow document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FlowDocument {
    /// The output steps: (node id, name), in id order.
    pub output_steps: Vec<(String, String)>,
    /// The database connections (not the packaged files), in id order.
    pub connections: Vec<DocConnection>,
}

/// A database connection of a flow document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DocConnection {
    pub id: String,
    /// Its `class` (`sqlserver`, `postgres`, ...).
    pub class: String,
    pub server: String,
    pub port: Option<u32>,
    pub username: String,
}

#[derive(Deserialize)]
struct Document {
    nodes: Option<BTreeMap<String, Node>>,
    #[serde(rename = "initialNodes", default)]
    _initial_nodes: Option<Vec<String>>,
    #[serde(default)]
    connections: Option<BTreeMap<String, Connection>>,
}

#[derive(Deserialize)]
struct Node {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "baseType", default)]
    base_type: Option<String>,
}

#[derive(Deserialize)]
struct Connection {
    #[serde(rename = "connectionType", default)]
    connection_type: Option<String>,
    #[serde(rename = "isPackaged", default)]
    is_packaged: Option<serde_json::Value>,
    #[serde(rename = "connectionAttributes", default)]
    attributes: Option<BTreeMap<String, serde_json::Value>>,
}

/// Checks that `bytes` are a flow file, and reads its flow document.
pub(crate) fn read(bytes: &[u8]) -> Result<FlowDocument, DocumentError> {
    let json = flow_entry(std::io::Cursor::new(bytes))?;
    parse(&json)
}

/// Checks that `file` is a flow file (a zip archive with a `flow` entry holding a flow document),
/// reading only its directory and its `flow` entry, within [`MAX_ENTRIES`] and
/// [`MAX_FLOW_DOCUMENT`]: what the simulator's Publish Flow checks (deviation S23), for a client
/// that would check a file before uploading it.
pub fn check_flow_file<R: Read + Seek>(file: R) -> Result<(), DocumentError> {
    parse(&flow_entry(file)?).map(|_| ())
}

/// The bytes of the `flow` entry, bounded: the client's reader
/// ([`tableau_flows::document::read_flow_entry`]), so that the simulator and the client read
/// flow files within the same bounds.
fn flow_entry<R: Read + Seek>(file: R) -> Result<Vec<u8>, DocumentError> {
    tableau_flows::document::read_flow_entry(file)
}

fn parse(json: &[u8]) -> Result<FlowDocument, DocumentError> {
    let doc: Document =
        serde_json::from_slice(json).map_err(|e| DocumentError::NotJson(e.to_string()))?;
    let nodes = doc.nodes.ok_or(DocumentError::NoNodes)?;
    let output_steps = nodes
        .iter()
        .filter(|(_, n)| n.base_type.as_deref() == Some("output"))
        .map(|(id, n)| (id.clone(), n.name.clone().unwrap_or_else(|| id.clone())))
        .collect();
    let text = |attrs: &BTreeMap<String, serde_json::Value>, key: &str| match attrs.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let connections = doc
        .connections
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, c)| {
            let packaged = match &c.is_packaged {
                Some(serde_json::Value::Bool(b)) => *b,
                Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
                _ => false,
            };
            !packaged && c.connection_type.as_deref() == Some(".v1.SqlConnection")
        })
        .map(|(id, c)| {
            let attrs = c.attributes.unwrap_or_default();
            DocConnection {
                id,
                class: text(&attrs, "class"),
                server: text(&attrs, "server"),
                port: text(&attrs, "port").parse().ok(),
                username: text(&attrs, "username"),
            }
        })
        .collect();
    Ok(FlowDocument {
        output_steps,
        connections,
    })
}

// ---------------------------------------------------------------------------------------------
// Building flow files
// ---------------------------------------------------------------------------------------------

/// An input step of a flow being built.
pub(crate) enum Input<'a> {
    /// A CSV file (`.v1.LoadCsv` on a `.v1.FileConnection`), packaged in a `.tflx` with its
    /// content.
    Csv {
        id: &'a str,
        name: &'a str,
        connection_id: &'a str,
        file: &'a str,
        content: &'a [u8],
    },
    /// A database table (`.v1.LoadSql` on a `.v1.SqlConnection`).
    Sql {
        id: &'a str,
        name: &'a str,
        connection_id: &'a str,
        class: &'a str,
        server: &'a str,
        port: u32,
        username: &'a str,
        table: &'a str,
    },
}

/// A flow to build: inputs joined (two) or not (one), a cleaning step, outputs.
pub(crate) struct Spec<'a> {
    pub name: &'a str,
    pub inputs: Vec<Input<'a>>,
    /// The outputs: (node id, name, `nodeType`).
    pub outputs: Vec<(&'a str, &'a str, &'a str)>,
    /// The parameters, each a JSON object with an `id`: `parameters.parameters` keyed by id.
    pub parameters: Vec<serde_json::Value>,
    /// Bytes of a packaged file `Data/padding.bin` (stored, not compressed): a bigger file.
    pub padding: usize,
}

/// A node's id derived from the flow's name and a role: stable across builds.
fn node_id(flow: &str, role: &str) -> String {
    let a = crc32fast::hash(format!("{flow}/{role}").as_bytes());
    let b = crc32fast::hash(format!("{role}/{flow}").as_bytes());
    let c = crc32fast::hash(format!("{flow}#{role}#").as_bytes());
    let d = crc32fast::hash(format!("#{role}#{flow}").as_bytes());
    format!(
        "{a:08x}-{:04x}-4{:03x}-8{:03x}-{:04x}{d:08x}",
        b >> 16,
        b & 0xfff,
        c >> 20,
        c & 0xffff
    )
}

fn next(id: &str, namespace: &str) -> serde_json::Value {
    serde_json::json!([{ "namespace": "Default", "nextNodeId": id, "nextNamespace": namespace }])
}

/// The flow file of `spec`: deterministic (fixed timestamps, ids derived from names).
pub(crate) fn build(spec: &Spec<'_>) -> Vec<u8> {
    use serde_json::{Map, Value, json};
    let join_id = node_id(spec.name, "join");
    let clean_id = node_id(spec.name, "clean");
    let mut nodes = Map::new();
    let mut connections = Map::new();
    let mut initial = Vec::new();
    let mut packaged: Vec<(String, &[u8])> = Vec::new();
    let joined = spec.inputs.len() > 1;
    for (i, input) in spec.inputs.iter().enumerate() {
        let (to, namespace) = if joined {
            (join_id.as_str(), if i == 0 { "Left" } else { "Right" })
        } else {
            (clean_id.as_str(), "Default")
        };
        let (id, node) = match input {
            Input::Csv {
                id,
                name,
                connection_id,
                file,
                content,
            } => {
                connections.insert(
                    (*connection_id).into(),
                    json!({
                        "connectionType": ".v1.FileConnection",
                        "id": connection_id,
                        "name": file,
                        "isPackaged": true,
                        "connectionAttributes": { "class": "textscan", "filename": file },
                    }),
                );
                packaged.push((format!("Data/{file}"), content));
                (
                    *id,
                    json!({
                        "nodeType": ".v1.LoadCsv", "name": name, "id": id, "baseType": "input",
                        "nextNodes": next(to, namespace), "serialize": false,
                        "description": null, "connectionId": connection_id,
                        "connectionAttributes": {},
                        "fields": [], "actions": [], "filters": [],
                        "relation": { "type": "table", "table": format!("[{file}]") },
                    }),
                )
            }
            Input::Sql {
                id,
                name,
                connection_id,
                class,
                server,
                port,
                username,
                table,
            } => {
                connections.insert(
                    (*connection_id).into(),
                    json!({
                        "connectionType": ".v1.SqlConnection",
                        "id": connection_id,
                        "name": server,
                        "isPackaged": false,
                        "connectionAttributes": {
                            "class": class, "server": server, "port": port.to_string(),
                            "username": username, "dbname": "",
                        },
                    }),
                );
                (
                    *id,
                    json!({
                        "nodeType": ".v1.LoadSql", "name": name, "id": id, "baseType": "input",
                        "nextNodes": next(to, namespace), "serialize": false,
                        "description": null, "connectionId": connection_id,
                        "connectionAttributes": { "dbname": "" },
                        "fields": [], "actions": [], "filters": [],
                        "relation": { "type": "table", "table": format!("[{table}]") },
                    }),
                )
            }
        };
        initial.push(Value::String(id.into()));
        nodes.insert(id.into(), node);
    }
    if joined {
        nodes.insert(
            join_id.clone(),
            json!({
                "nodeType": ".v2018_2_3.SuperJoin", "name": "Join", "id": join_id,
                "baseType": "superNode", "nextNodes": next(&clean_id, "Default"),
                "serialize": false, "description": null,
                "beforeActionAnnotations": [], "afterActionAnnotations": [],
                "actionNode": {
                    "nodeType": ".v1.SimpleJoin", "name": "Join", "id": node_id(spec.name, "join action"),
                    "baseType": "transform", "nextNodes": [], "serialize": false,
                    "description": null, "joinType": "inner",
                    "conditions": [{ "leftExpression": "[id]", "rightExpression": "[id]", "comparator": "==" }],
                },
            }),
        );
    }
    // The cleaning step: a container of one rename, leading to every output.
    let rename_id = node_id(spec.name, "rename");
    let outputs: Vec<Value> = spec
        .outputs
        .iter()
        .map(|(id, _, _)| json!({ "namespace": "Default", "nextNodeId": id, "nextNamespace": "Default" }))
        .collect();
    nodes.insert(
        clean_id.clone(),
        json!({
            "nodeType": ".v1.Container", "name": "Clean", "id": clean_id, "baseType": "container",
            "nextNodes": outputs, "serialize": false, "description": null,
            "loomContainer": {
                "parameters": { "parameters": {} },
                "initialNodes": [rename_id],
                "nodes": { rename_id.clone(): {
                    "nodeType": ".v1.RenameColumn", "columnName": "amt", "rename": "Amount",
                    "name": "Rename amt to Amount", "id": rename_id, "baseType": "transform",
                    "nextNodes": [], "serialize": false, "description": null,
                } },
                "connections": {}, "dataConnections": {}, "connectionIds": [],
                "dataConnectionIds": [], "nodeProperties": {}, "extensibility": null,
            },
            "namespacesToInput": { "Default": { "nodeId": rename_id, "namespace": "Default" } },
            "namespacesToOutput": { "Default": { "nodeId": rename_id, "namespace": "Default" } },
            "providedParameters": null,
        }),
    );
    for (id, name, node_type) in &spec.outputs {
        nodes.insert(
            (*id).into(),
            json!({
                "nodeType": node_type, "name": name, "id": id, "baseType": "output",
                "nextNodes": [], "serialize": false, "description": null,
                "projectName": "Default", "datasourceName": name, "datasourceDescription": "",
            }),
        );
    }
    let mut parameters = Map::new();
    for p in &spec.parameters {
        let id = p["id"].as_str().unwrap_or_default().to_owned();
        parameters.insert(id, p.clone());
    }
    let connection_ids: Vec<Value> = connections.keys().cloned().map(Value::String).collect();
    let flow = json!({
        "parameters": { "parameters": parameters },
        "initialNodes": initial,
        "nodes": nodes,
        "connections": connections,
        "dataConnections": {},
        "connectionIds": connection_ids,
        "dataConnectionIds": [],
        "nodeProperties": {},
        "extensibility": {},
        "selection": [],
        "majorVersion": 1,
        "minorVersion": 4,
        "documentId": node_id(spec.name, "document"),
        "name": spec.name,
    });
    let positions: Map<String, Value> = flow["nodes"]
        .as_object()
        .map(|n| {
            n.keys()
                .enumerate()
                .map(|(i, id)| (id.clone(), json!({ "x": i, "y": 0 })))
                .collect()
        })
        .unwrap_or_default();
    let display = json!({ "flowDisplaySettings": positions });
    let metadata = json!({
        "majorVersion": 1,
        "documentFeaturesUsedInDocument": [],
    });
    let mut entries: Vec<(String, Vec<u8>, bool)> = vec![
        ("flow".into(), to_json(&flow), true),
        ("displaySettings".into(), to_json(&display), true),
        ("maestroMetadata".into(), to_json(&metadata), true),
    ];
    for (name, content) in packaged {
        entries.push((name, content.to_vec(), true));
    }
    if spec.padding > 0 {
        entries.push(("Data/padding.bin".into(), noise(spec.padding), false));
    }
    zip_of(&entries)
}

fn to_json(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

/// `len` bytes that do not compress (an LCG's high bytes).
fn noise(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect()
}

/// A zip archive of `entries` (name, content, deflated or stored), every entry dated
/// 2024-01-01 00:00:00.
pub(crate) fn zip_of(entries: &[(String, Vec<u8>, bool)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let when = zip::DateTime::from_date_and_time(2024, 1, 1, 0, 0, 0).unwrap_or_default();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content, deflate) in entries {
        let options = SimpleFileOptions::default()
            .last_modified_time(when)
            .unix_permissions(0o644)
            .compression_method(if *deflate {
                zip::CompressionMethod::Deflated
            } else {
                zip::CompressionMethod::Stored
            });
        // Writing to memory fails only on a bug of the writer: an empty file then, refused
        // by the check as any broken file is.
        if writer.start_file(name.as_str(), options).is_err() || writer.write_all(content).is_err()
        {
            return Vec::new();
        }
    }
    writer
        .finish()
        .map(std::io::Cursor::into_inner)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Vec<u8> {
        build(&Spec {
            name: "t",
            inputs: vec![Input::Sql {
                id: "in",
                name: "Orders",
                connection_id: "c",
                class: "postgres",
                server: "db",
                port: 5432,
                username: "u",
                table: "orders",
            }],
            outputs: vec![("out", "Out", ".v1.PublishExtract")],
            parameters: Vec::new(),
            padding: 0,
        })
    }

    #[test]
    fn a_built_file_is_a_flow_file_and_reads_back() {
        let bytes = minimal();
        assert_eq!(bytes, minimal(), "deterministic");
        let doc = read(&bytes).unwrap();
        assert_eq!(doc.output_steps, [("out".to_owned(), "Out".to_owned())]);
        assert_eq!(
            doc.connections,
            [DocConnection {
                id: "c".into(),
                class: "postgres".into(),
                server: "db".into(),
                port: Some(5432),
                username: "u".into(),
            }]
        );
    }

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        zip_of(
            &entries
                .iter()
                .map(|(n, c)| ((*n).to_owned(), c.to_vec(), true))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn what_is_not_a_flow_file_is_refused_by_name() {
        let err = |bytes: &[u8]| read(bytes).unwrap_err();
        assert!(matches!(err(b"not a zip"), DocumentError::NotZip(_)));
        assert!(matches!(err(b""), DocumentError::NotZip(_)));
        assert_eq!(err(&zip(&[("other", b"{}")])), DocumentError::NoFlowEntry);
        assert_eq!(
            err(&zip(&[("dir/flow", b"{}")])),
            DocumentError::NoFlowEntry
        );
        assert!(matches!(
            err(&zip(&[("flow", b"{nope")])),
            DocumentError::NotJson(_)
        ));
        assert!(matches!(
            err(&zip(&[("flow", b"[1]")])),
            DocumentError::NotJson(_)
        ));
        assert_eq!(
            err(&zip(&[("flow", br#"{"initialNodes":[]}"#)])),
            DocumentError::NoNodes
        );
        assert!(matches!(
            err(&zip(&[("flow", br#"{"nodes":[]}"#)])),
            DocumentError::NotJson(_)
        ));
        assert!(matches!(
            err(&zip(&[("flow", br#"{"nodes":{"a":1}}"#)])),
            DocumentError::NotJson(_)
        ));
        // The least a real file has passes.
        read(&zip(&[("flow", br#"{"nodes":{}}"#)])).unwrap();
        // Deeply nested JSON is skipped or refused, never a stack overflow.
        for at in ["x", "connections\":{\"c\":{\"connectionAttributes\":{\"a"] {
            let deep = format!(
                "{{\"nodes\":{{}},\"{at}\":{}{}}}",
                "[".repeat(100_000),
                "]".repeat(100_000)
            );
            let _ = read(&zip(&[("flow", deep.as_bytes())]));
        }
    }

    #[test]
    fn a_zip_bomb_is_refused_without_inflating_it() {
        // 16 MiB of spaces deflate to about 16 KiB: the check stops at the bound.
        let zeros = vec![b' '; MAX_FLOW_DOCUMENT as usize + 4096];
        let bomb = zip(&[("flow", &zeros)]);
        assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
        assert_eq!(read(&bomb).unwrap_err(), DocumentError::FlowTooLarge);
        // The same with a central directory that lies about the size: patch the declared
        // uncompressed sizes (local header and central directory) to 10 bytes.
        let mut lying = bomb.clone();
        let declared = (zeros.len() as u32).to_le_bytes();
        let mut at = 0;
        while let Some(i) = lying[at..].windows(4).position(|w| w == declared) {
            lying[at + i..at + i + 4].copy_from_slice(&10u32.to_le_bytes());
            at += i + 4;
        }
        assert!(matches!(
            read(&lying).unwrap_err(),
            DocumentError::FlowTooLarge | DocumentError::FlowUnreadable(_)
        ));
    }

    #[test]
    fn an_archive_of_too_many_entries_is_refused() {
        let entries: Vec<(String, Vec<u8>, bool)> = (0..=MAX_ENTRIES)
            .map(|i| (format!("e{i}"), Vec::new(), false))
            .collect();
        let mut with_flow = entries;
        with_flow.push(("flow".into(), br#"{"nodes":{}}"#.to_vec(), true));
        assert_eq!(
            read(&zip_of(&with_flow)).unwrap_err(),
            DocumentError::TooManyEntries(MAX_ENTRIES + 2)
        );
    }

    #[test]
    fn a_hostile_end_of_directory_is_refused_without_allocating_what_it_claims() {
        // An end-of-central-directory record claiming 65535 entries at a huge offset, and a
        // zip64 one claiming 2^40 entries: errors, quickly.
        let mut eocd = vec![0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        eocd.extend_from_slice(&u32::MAX.to_le_bytes());
        eocd.extend_from_slice(&u32::MAX.to_le_bytes());
        eocd.extend_from_slice(&[0, 0]);
        assert!(matches!(read(&eocd).unwrap_err(), DocumentError::NotZip(_)));
        let mut zip64 = Vec::new();
        // Zip64 end of central directory record.
        zip64.extend_from_slice(&[0x50, 0x4b, 0x06, 0x06]);
        zip64.extend_from_slice(&44u64.to_le_bytes());
        zip64.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        zip64.extend_from_slice(&(1u64 << 40).to_le_bytes());
        zip64.extend_from_slice(&(1u64 << 40).to_le_bytes());
        zip64.extend_from_slice(&(1u64 << 50).to_le_bytes());
        zip64.extend_from_slice(&(1u64 << 52).to_le_bytes());
        // Zip64 locator.
        zip64.extend_from_slice(&[0x50, 0x4b, 0x06, 0x07, 0, 0, 0, 0]);
        zip64.extend_from_slice(&0u64.to_le_bytes());
        zip64.extend_from_slice(&1u32.to_le_bytes());
        zip64.extend_from_slice(&eocd);
        assert!(matches!(
            read(&zip64).unwrap_err(),
            DocumentError::NotZip(_)
        ));
    }
}
