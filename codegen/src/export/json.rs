//! `flowspec export json`: the whole spec as one JSON document for other languages.
//!
//! The format is described by `spec/export.schema.json` (JSON Schema 2020-12). Keys are camelCase;
//! `name` is always the name on the wire (query parameter, attribute, element) and `rustName` the
//! name in the Rust client. Versions are strings `"MAJOR.MINOR"`. The document's `json` key states
//! the JSON form of the bodies (the rule of `spec/README.md`), and each field's `jsonKey` its key
//! in that form.

use crate::ir::Spec;
use serde::Serialize;

/// The identifier of the export format, in the document's `format` key.
pub const FORMAT: &str = "tableau-flows-spec";
/// The version of the export format, in the document's `formatVersion` key.
pub const FORMAT_VERSION: u32 = 3;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Export<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    format: &'static str,
    format_version: u32,
    #[serde(flatten)]
    spec: &'a Spec,
    json: JsonForm,
}

/// The JSON form of the bodies, as the export states it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonForm {
    media_type: &'static str,
    rule: &'static [&'static str],
}

/// The rule of `spec/README.md` ("JSON: one rule from the XML shapes"), point by point.
const JSON_RULE: &[&str] = &[
    "The root (tsRequest/tsResponse) is dropped: the document is the object of its children; an empty document is {}.",
    "An element is an object: each attribute a key (a prefixed name p:n as p_n, so xsi:type is xsi_type), each child element a key holding its object.",
    "Every value is a JSON string written as XML writes it (\"priority\": \"50\", \"isRequired\": \"true\"); on input a number or boolean is accepted where a string is.",
    "The text of an element that also has attributes is the key value; an element with text alone is that string.",
    "A list (kind list) is an object holding its item name, whose value is an array even for one item; kind many is an array under the item name. An empty list is {}; on input a one-item list may be the item object, and an empty list {}, [], \"\" or absent (deviation S28).",
    "Absent optional values are left out, never null; on input null is absent, and so is an element written {} that lacks what it requires (deviation S30).",
    "Errors are {\"error\": {\"code\", \"summary\", \"detail\"}} with the status the XML error would have.",
];

/// Serialises the spec as pretty-printed JSON (deterministic: spec order throughout).
pub fn export_json(spec: &Spec) -> String {
    let doc = Export {
        schema: "https://github.com/tableau-flows/tableau-flows/spec/export.schema.json",
        format: FORMAT,
        format_version: FORMAT_VERSION,
        spec,
        json: JsonForm {
            media_type: "application/json",
            rule: JSON_RULE,
        },
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("the spec always serialises");
    out.push('\n');
    out
}
