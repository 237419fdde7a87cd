//! `flowspec export mcp`: one tool per endpoint for Model Context Protocol servers, and the tool
//! list as Markdown (`flowspec export mcp-markdown`, kept in `docs/mcp-tools.md`).
//!
//! Each tool is an MCP `Tool` object (the shape of `tools/list`): the endpoint's id as its name,
//! its title and description, an input JSON Schema and annotations. The input schema holds the
//! endpoint's path parameters by their name in the path (`flow_id`; never `site_id`, which is the
//! session's), its query parameters by their wire name with the schemas of the OpenAPI export, and
//! `body`, the request's JSON form as servers read it ([`super::json_shape`]); a multipart endpoint
//! also takes `file`, the path of a local file. Every schema it refers to is in its `$defs`, so each
//! tool's schema stands alone.
//!
//! Annotations come from the method: `GET` is `readOnlyHint`, `DELETE` `destructiveHint`, and
//! `idempotentHint` is the spec's. `_meta["tableau/endpoint"]` carries what a server needs to
//! dispatch a call and to decide whether it may: method, path, version, request kind, response
//! kind (`none`, `document` or `file`), `kind`
//! (`read`, `write` or `destructive`) and `session` (the endpoints that sign in and out).

use super::json_shape::{self, Form};
use super::openapi;
use crate::ir::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

/// What a tool does to the server, from its method: a `GET` reads, a `DELETE` destroys, anything
/// else writes.
fn kind(e: &Endpoint) -> &'static str {
    match e.method.as_str() {
        "GET" | "HEAD" => "read",
        "DELETE" => "destructive",
        _ => "write",
    }
}

/// Whether the endpoint manages the session (signing in and out): a server offering tools holds
/// its own session, so these are marked for it to leave out.
fn is_session(e: &Endpoint) -> bool {
    e.group == "auth"
}

/// The JSON type a query value is given as: what a server turns into the parameter's text.
fn value_type(p: &Param) -> &'static str {
    if p.list {
        return "array";
    }
    match &p.ty {
        TypeRef::Primitive(Prim::U32 | Prim::U64 | Prim::I64) => "integer",
        TypeRef::Primitive(Prim::Bool) => "boolean",
        _ => "string",
    }
}

/// A filter or sort parameter's fields, for its description: `name (eq, in)`, or the names alone
/// for a sort.
fn fields_text(p: &Param) -> String {
    let sort = p.fields.iter().all(|f| f.operators.is_empty());
    let fields: Vec<String> = p
        .fields
        .iter()
        .map(|f| {
            if f.operators.is_empty() {
                f.name.clone()
            } else {
                format!("{} ({})", f.name, f.operators.join(", "))
            }
        })
        .collect();
    if sort {
        format!(
            "Sort expression `field:asc` or `field:desc`, comma-joined. Fields: {}.",
            fields.join(", ")
        )
    } else {
        format!(
            "Filter expression `field:operator:value` (`field:in:[a,b]` for `in`), comma-joined. Fields and operators: {}.",
            fields.join(", ")
        )
    }
}

/// Rewrites `#/components/schemas/NAME` references to `#/$defs/NAME`, collecting the names.
fn relocate(value: &mut Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/components/schemas/")
            {
                found.insert(name.to_owned());
                *r = format!("#/$defs/{name}");
            }
            for v in map.values_mut() {
                relocate(v, found);
            }
        }
        Value::Array(items) => {
            for v in items {
                relocate(v, found);
            }
        }
        _ => {}
    }
}

/// The input schema of an endpoint's tool, its references resolved into `$defs`.
fn input_schema(spec: &Spec, e: &Endpoint, components: &Map<String, Value>) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for p in e.path_params.iter().filter(|p| !p.session) {
        let mut schema = openapi::param(spec, p, "path")["schema"].clone();
        if schema.get("$ref").is_some() {
            schema = json!({"allOf": [schema]});
        }
        schema["description"] = json!(p.doc);
        props.insert(p.wire.clone(), schema);
        required.push(json!(p.wire));
    }
    for p in &e.query {
        let param = openapi::param(spec, p, "query");
        let mut schema = param["schema"].clone();
        if schema.get("$ref").is_some() {
            schema = json!({"allOf": [schema]});
        }
        let mut doc = p.doc.clone();
        if !p.fields.is_empty() {
            doc = format!("{doc} {}", fields_text(p)).trim().to_owned();
            // The OpenAPI export's pattern is made for generating values (narrower than what
            // servers take: days 01 to 28); the expression is checked field by field when it
            // is sent, with a message naming the field.
            if let Some(o) = schema.as_object_mut() {
                o.remove("pattern");
            }
        }
        if let Some(since) = p.since {
            doc = format!("{doc} (API {since} and later.)").trim().to_owned();
        }
        schema["description"] = json!(doc);
        props.insert(p.wire.clone(), schema);
    }
    match &e.request {
        Request::None | Request::Empty => {}
        Request::Xml { ty, optional } => {
            props.insert(
                "body".into(),
                json!({
                    "allOf": [{"$ref": format!("#/components/schemas/{}", json_shape::schema_name(ty, Form::Input))}],
                    "description": "The request body, in its JSON form (as the 3.24 reference page writes it): the `tsRequest` root left out.",
                }),
            );
            if !optional {
                required.push(json!("body"));
            }
        }
        Request::Multipart {
            ty, file_required, ..
        } => {
            props.insert(
                "body".into(),
                json!({
                    "allOf": [{"$ref": format!("#/components/schemas/{}", json_shape::schema_name(ty, Form::Input))}],
                    "description": "The request part of the multipart body, in its JSON form: the `tsRequest` root left out.",
                }),
            );
            props.insert(
                "file".into(),
                json!({"type": "string", "minLength": 1, "description": "The path of the local file to send as the file part."}),
            );
            required.push(json!("body"));
            if *file_required {
                required.push(json!("file"));
            }
        }
    }
    let mut schema = json!({
        "type": "object",
        "properties": props,
        "additionalProperties": false,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    // Every schema referred to, and every one those refer to, under `$defs`.
    let mut todo = BTreeSet::new();
    relocate(&mut schema, &mut todo);
    let mut defs = Map::new();
    while let Some(name) = todo.pop_first() {
        if defs.contains_key(&name) {
            continue;
        }
        let mut def = components.get(&name).cloned().unwrap_or_else(|| {
            unreachable!("the OpenAPI export defines every schema it refers to: {name}")
        });
        let mut more = BTreeSet::new();
        relocate(&mut def, &mut more);
        // XML hints mean nothing in the JSON form.
        strip_xml(&mut def);
        defs.insert(name, def);
        todo.extend(more.into_iter().filter(|n| !defs.contains_key(n)));
    }
    if !defs.is_empty() {
        schema["$defs"] = Value::Object(defs);
    }
    schema
}

/// Removes OpenAPI's `xml` objects from a schema and the schemas inside it (a property that
/// happens to be named `xml` is kept).
fn strip_xml(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    map.remove("xml");
    for (key, v) in map.iter_mut() {
        match (key.as_str(), v) {
            ("properties" | "$defs", Value::Object(named)) => {
                named.values_mut().for_each(strip_xml);
            }
            (_, Value::Array(items)) => items.iter_mut().for_each(strip_xml),
            (_, v @ Value::Object(_)) => strip_xml(v),
            _ => {}
        }
    }
}

/// The tool's description: the page's description, then where it goes and what it may answer.
fn description(e: &Endpoint) -> String {
    let mut codes = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &e.errors {
        if seen.insert(r.code) {
            codes.push(format!("{} {}", r.code, r.summary));
        }
    }
    let mut text = match &e.experimental {
        // No API version: where it is available instead.
        Some(x) => format!(
            "{}\n\n`{} {}{}`, experimental: {}",
            e.description.trim(),
            e.method,
            x.base,
            e.path,
            x.availability.trim()
        ),
        None => format!(
            "{}\n\n`{} /api/{{version}}{}`, API {} and later.",
            e.description.trim(),
            e.method,
            e.path,
            e.since
        ),
    };
    if !codes.is_empty() {
        text.push_str(&format!(" Errors: {}.", codes.join("; ")));
    }
    text
}

fn tool(spec: &Spec, e: &Endpoint, components: &Map<String, Value>) -> Value {
    let query: Vec<Value> = e
        .query
        .iter()
        .map(|p| json!({"name": p.wire, "type": value_type(p)}))
        .collect();
    let path_params: Vec<&str> = e
        .path_params
        .iter()
        .filter(|p| !p.session)
        .map(|p| p.wire.as_str())
        .collect();
    let response = match &e.response.body {
        ResponseBody::None => "none",
        ResponseBody::Binary(_) => "file",
        ResponseBody::Xml(_) | ResponseBody::Json(_) => "document",
    };
    let request = match &e.request {
        Request::None => "none",
        Request::Empty => "empty",
        Request::Xml { .. } => "xml",
        Request::Multipart { .. } => "multipart",
    };
    json!({
        "name": e.id,
        "title": e.title,
        "description": description(e),
        "inputSchema": input_schema(spec, e, components),
        "annotations": {
            "title": e.title,
            "readOnlyHint": kind(e) == "read",
            "destructiveHint": kind(e) == "destructive",
            "idempotentHint": e.idempotent,
            "openWorldHint": true,
        },
        "_meta": {"tableau/endpoint": {
            "method": e.method,
            "base": e.base(),
            "path": e.path,
            "since": e.since.to_string(),
            "experimental": e.is_experimental(),
            "request": request,
            "response": response,
            "kind": kind(e),
            "session": is_session(e),
            "pathParams": path_params,
            "queryParams": query,
        }},
    })
}

/// The path as the table shows it: an experimental endpoint's with its base (`/api/exp/...`).
fn full_path(e: &Endpoint) -> String {
    match &e.experimental {
        Some(x) => format!("{}{}", x.base, e.path),
        None => e.path.clone(),
    }
}

/// The MCP tools of every endpoint (a JSON array of `Tool` objects, pretty and deterministic).
pub fn export_mcp_tools(spec: &Spec) -> String {
    let components = openapi::component_schemas(spec);
    let tools: Vec<Value> = spec
        .endpoints
        .iter()
        .map(|e| tool(spec, e, &components))
        .collect();
    let mut out = serde_json::to_string_pretty(&tools).expect("serialises");
    out.push('\n');
    out
}

/// The tool list as a Markdown page: one row per endpoint with its kind, method and path, and
/// version (the page `docs/mcp-tools.md`).
pub fn export_mcp_markdown(spec: &Spec) -> String {
    let mut out = String::from(
        "# MCP tools generated from the spec\n\n\
         <!-- Generated by `flowspec export mcp-markdown`; do not edit (a test compares it). -->\n\n\
         `tabflow mcp` offers one tool per endpoint of the spec, named after the endpoint's id, with \
         an input schema built from its path and query parameters and its request's JSON form \
         (`flowspec export mcp` prints them all). Read tools work by default; write tools need \
         `--allow-writes`, destructive ones `--allow-destructive` too. Not offered: the endpoints \
         that sign in and out (the server holds its own session) and those that send a file in a \
         multipart body (a tool reading any local path an agent names would open the machine's \
         files to it; use `tabflow flows publish`). How to run it: [mcp.md](mcp.md).\n\n\
         | Tool | Kind | Request | Since | What it does |\n\
         |---|---|---|---|---|\n",
    );
    for e in &spec.endpoints {
        let offered = if is_session(e) {
            " (not offered: session)"
        } else if matches!(e.request, Request::Multipart { .. }) {
            " (not offered: sends a file)"
        } else {
            ""
        };
        out.push_str(&format!(
            "| `{}` | {}{} | `{} {}` | {} | {} |\n",
            e.id,
            kind(e),
            offered,
            e.method,
            full_path(e),
            match e.experimental {
                Some(_) => "experimental".to_owned(),
                None => e.since.to_string(),
            },
            e.title
        ));
    }
    out
}
