//! The JSON form of the spec's structs, as JSON Schema (2020-12, the dialect of OpenAPI 3.1), by
//! the one rule of `spec/README.md` ("JSON: one rule from the XML shapes"): the root dropped,
//! attributes and child elements as keys (`p:n` as `p_n`), every value a string as XML writes it,
//! an element's text beside attributes as `value`, a list as an object holding an array under its
//! item name, absent values left out.
//!
//! Each struct `Name` gets the schema `NameJson`: what servers write (every list an object holding
//! an array). The structs of request bodies also get `NameInputJson`: what servers read, where a
//! list may also be its one item as an object, or a bare array of items, as the 3.24 page writes
//! them (deviation S28). Ids and enums are strings in both forms, so their schemas are shared.

use crate::ir::*;
use serde_json::{Map, Value, json};

/// Text as the API holds it: JSON can escape any character, but what servers keep (and write
/// back as XML) holds none that XML 1.0 cannot hold (U+0000 to U+001F but tab, newline and
/// carriage return; U+FFFE, U+FFFF), and a server refuses a request holding one.
const XML_TEXT: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]*$";

/// Which of a struct's JSON schemas: as servers write it, or as they read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// What servers write: every list an object holding an array.
    Output,
    /// What servers read: a list may also be one item or a bare array (deviation S28).
    Input,
}

/// The name of a struct's JSON schema in `components/schemas`.
pub(crate) fn schema_name(name: &str, form: Form) -> String {
    match form {
        Form::Output => format!("{name}Json"),
        Form::Input => format!("{name}InputJson"),
    }
}

/// The structs a request body may hold, by name: the request documents and every struct they
/// reach.
pub(crate) fn input_structs(spec: &Spec) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    let mut todo: Vec<String> = spec
        .endpoints
        .iter()
        .filter_map(|e| match &e.request {
            Request::Xml { ty, .. } | Request::Multipart { ty, .. } => Some(ty.clone()),
            _ => None,
        })
        .collect();
    while let Some(name) = todo.pop() {
        if !found.insert(name.clone()) {
            continue;
        }
        if let Some(s) = spec.struct_ty(&name) {
            for f in &s.fields {
                if let TypeRef::Struct(n) = &f.ty {
                    todo.push(n.clone());
                }
            }
        }
    }
    found
}

/// The schema of a value of type `t` in the JSON form: primitives as the strings XML writes,
/// structs by reference to their JSON schema, ids and enums by reference to their (string)
/// schema.
fn value_schema(t: &TypeRef, form: Form) -> Value {
    match t {
        TypeRef::Primitive(p) => match p {
            Prim::String | Prim::Filter | Prim::Sort => {
                json!({"type": "string", "pattern": XML_TEXT})
            }
            Prim::Secret => json!({"type": "string", "format": "password", "pattern": XML_TEXT}),
            Prim::Bool => json!({"type": "string", "enum": ["true", "false"]}),
            // Decimal digits within the type's range (patterns a little narrower than the range
            // near its top, never wider: a value they allow always fits).
            Prim::U32 => {
                json!({"type": "string", "pattern": "^(0|[1-9][0-9]{0,8}|[1-3][0-9]{9}|4[01][0-9]{8})$"})
            }
            Prim::U64 => {
                json!({"type": "string", "pattern": "^(0|[1-9][0-9]{0,18}|1[0-7][0-9]{18})$"})
            }
            Prim::I64 => json!({"type": "string", "pattern": "^-?(0|[1-9][0-9]{0,17})$"}),
            Prim::DateTime => json!({"type": "string", "format": "date-time"}),
            Prim::Time => {
                json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"})
            }
        },
        TypeRef::Id(n) => json!({"$ref": format!("#/components/schemas/{n}"), "pattern": XML_TEXT}),
        TypeRef::Enum(n) => json!({"$ref": format!("#/components/schemas/{n}")}),
        TypeRef::Struct(n) => {
            json!({"$ref": format!("#/components/schemas/{}", schema_name(n, form))})
        }
    }
}

/// The JSON schema of a struct, as servers write it or read it.
pub(crate) fn struct_schema(s: &StructType, form: Form) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in &s.fields {
        let mut p = match f.kind {
            FieldKind::Attr | FieldKind::Elem | FieldKind::Text => value_schema(&f.ty, form),
            FieldKind::List => {
                let item = f.item.clone().unwrap_or_default();
                let one = value_schema(&f.ty, form);
                let array = json!({"type": "array", "items": one});
                match form {
                    Form::Output => json!({"type": "object", "properties": {item: array}}),
                    Form::Input => json!({"anyOf": [
                        {"type": "object", "properties": {item: {"anyOf": [array, one]}}},
                        array,
                    ]}),
                }
            }
            FieldKind::Many => {
                let one = value_schema(&f.ty, form);
                let array = json!({"type": "array", "items": one});
                match form {
                    Form::Output => array,
                    Form::Input => json!({"anyOf": [array, one]}),
                }
            }
        };
        if f.nonempty {
            p["minLength"] = json!(1);
        }
        if !f.doc.is_empty() && p.get("$ref").is_none() {
            p["description"] = json!(f.doc);
        }
        let key = f.json_key.clone();
        if f.required && !matches!(f.kind, FieldKind::List | FieldKind::Many) {
            required.push(json!(key));
        }
        props.insert(key, p);
    }
    let mut o = json!({"type": "object", "description": s.doc, "properties": props});
    if !required.is_empty() {
        o["required"] = json!(required);
    }
    let rules = super::openapi::constraint_rules(s, |f| f.json_key.clone());
    if !rules.is_empty() {
        o["allOf"] = json!(rules);
    }
    o
}

/// The JSON schema of an error answer: `{"error": {"code", "summary", "detail"}}`.
pub(crate) fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "An error answer in JSON: `{\"error\": {\"code\": .., \"summary\": .., \"detail\": ..}}`, with the status the XML error would have (deviation S10); a 2xx answer holding one is an error too (S6).",
        "properties": {"error": {"$ref": format!("#/components/schemas/{}", schema_name("ErrorDetail", Form::Output))}},
        "required": ["error"],
    })
}
