//! `flowspec export json`: the whole spec as one JSON document for other languages.
//!
//! The format is described by `spec/export.schema.json` (JSON Schema 2020-12). Keys are camelCase;
//! `name` is always the name on the wire (query parameter, attribute, element) and `rustName` the
//! name in the Rust client. Versions are strings `"MAJOR.MINOR"`.

use crate::ir::Spec;
use serde::Serialize;

/// The identifier of the export format, in the document's `format` key.
pub const FORMAT: &str = "tableau-flows-spec";
/// The version of the export format, in the document's `formatVersion` key.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Export<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    format: &'static str,
    format_version: u32,
    #[serde(flatten)]
    spec: &'a Spec,
}

/// Serialises the spec as pretty-printed JSON (deterministic: spec order throughout).
pub fn export_json(spec: &Spec) -> String {
    let doc = Export {
        schema: "https://github.com/tableau-flows/tableau-flows/spec/export.schema.json",
        format: FORMAT,
        format_version: FORMAT_VERSION,
        spec,
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("the spec always serialises");
    out.push('\n');
    out
}
