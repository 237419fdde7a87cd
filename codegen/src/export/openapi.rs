//! `flowspec export openapi`: an OpenAPI 3.1 document of every endpoint.
//!
//! XML bodies are described with OpenAPI's `xml` object (attributes, wrapped arrays, element
//! names, the namespace); what OpenAPI cannot say is carried by extensions: `x-tableau-since`
//! (on operations, parameters, properties and enum values), `x-tableau-errors` (the error table
//! with codes), `x-tableau-page`, `x-tableau-notes` (errata and deviations) and
//! `x-tableau-idempotent`.

use crate::ir::*;
use serde_json::{Map, Value, json};

fn version_ext(obj: &mut Map<String, Value>, since: Option<Version>) {
    if let Some(v) = since {
        obj.insert("x-tableau-since".into(), json!(v.to_string()));
    }
}

fn schema_of(spec: &Spec, t: &TypeRef) -> Value {
    match t {
        TypeRef::Primitive(p) => match p {
            Prim::String | Prim::Filter | Prim::Sort => json!({"type": "string"}),
            Prim::Secret => json!({"type": "string", "format": "password"}),
            Prim::Bool => json!({"type": "boolean"}),
            Prim::U32 => json!({"type": "integer", "format": "int32", "minimum": 0}),
            Prim::U64 => json!({"type": "integer", "format": "int64", "minimum": 0}),
            Prim::I64 => json!({"type": "integer", "format": "int64"}),
            Prim::DateTime => json!({"type": "string", "format": "date-time"}),
            Prim::Time => json!({"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}:[0-9]{2}$"}),
        },
        TypeRef::Id(n) | TypeRef::Enum(n) | TypeRef::Struct(n) => {
            let _ = spec;
            json!({"$ref": format!("#/components/schemas/{n}")})
        }
    }
}

fn type_schema(spec: &Spec, t: &TypeDef) -> Value {
    match t {
        TypeDef::Id(id) => json!({"type": "string", "description": id.doc}),
        TypeDef::Enum(e) => {
            let values: Vec<&str> = e.variants.iter().map(|v| v.wire.as_str()).collect();
            let since: Map<String, Value> = e
                .variants
                .iter()
                .filter_map(|v| v.since.map(|s| (v.wire.clone(), json!(s.to_string()))))
                .collect();
            let mut o = json!({
                "type": "string",
                "description": format!("{} Values unknown to a client must be accepted.", e.doc),
                "enum": values,
            });
            if !since.is_empty() {
                o["x-tableau-since"] = Value::Object(since);
            }
            o
        }
        TypeDef::Struct(s) => {
            let mut props = Map::new();
            let mut required = Vec::new();
            let mut text: Option<&Field> = None;
            for f in &s.fields {
                let mut p = match f.kind {
                    FieldKind::Attr => {
                        let mut p = schema_of(spec, &f.ty);
                        let xml = json!({"name": f.wire, "attribute": true});
                        with_xml(&mut p, xml);
                        p
                    }
                    FieldKind::Elem => {
                        let mut p = schema_of(spec, &f.ty);
                        with_xml(&mut p, json!({"name": f.wire}));
                        p
                    }
                    FieldKind::List => {
                        let mut items = schema_of(spec, &f.ty);
                        with_xml(
                            &mut items,
                            json!({"name": f.item.clone().unwrap_or_default()}),
                        );
                        json!({"type": "array", "items": items, "xml": {"name": f.wire, "wrapped": true}})
                    }
                    FieldKind::Many => {
                        let mut items = schema_of(spec, &f.ty);
                        with_xml(&mut items, json!({"name": f.wire}));
                        json!({"type": "array", "items": items})
                    }
                    FieldKind::Text => {
                        text = Some(f);
                        continue;
                    }
                };
                let obj = p.as_object_mut().expect("a schema is an object");
                if !f.doc.is_empty() {
                    obj.insert("description".into(), json!(f.doc));
                }
                version_ext(obj, f.since);
                if !f.aliases.is_empty() {
                    obj.insert("x-tableau-aliases".into(), json!(f.aliases));
                }
                if !f.notes.is_empty() {
                    obj.insert("x-tableau-notes".into(), json!(f.notes));
                }
                let key = match f.kind {
                    FieldKind::Many | FieldKind::List | FieldKind::Elem | FieldKind::Attr => {
                        f.wire.clone()
                    }
                    FieldKind::Text => unreachable!(),
                };
                if f.required {
                    required.push(key.clone());
                }
                props.insert(key, p);
            }
            let mut o = json!({"type": "object", "description": s.doc, "properties": props});
            if !required.is_empty() {
                o["required"] = json!(required);
            }
            if let Some(t) = text {
                o["x-tableau-text"] = json!({"name": t.name, "description": t.doc});
            }
            if s.root {
                o["xml"] = json!({"name": "tsResponse", "namespace": spec.api.namespace});
            }
            o
        }
    }
}

/// Adds an `xml` object to a schema; a `$ref` is wrapped in `allOf` (siblings of `$ref` are
/// allowed in 3.1, but tools read `allOf` more reliably).
fn with_xml(schema: &mut Value, xml: Value) {
    if schema.get("$ref").is_some() {
        let r = schema.take();
        *schema = json!({"allOf": [r], "xml": xml});
    } else {
        schema["xml"] = xml;
    }
}

fn param(spec: &Spec, p: &Param, location: &str) -> Value {
    let mut schema = schema_of(spec, &p.ty);
    if p.list {
        schema = json!({"type": "array", "items": schema});
    }
    if let Some((lo, hi)) = p.range {
        schema["minimum"] = json!(lo);
        schema["maximum"] = json!(hi);
    }
    if let Some(d) = &p.default {
        schema["default"] = match &p.ty {
            TypeRef::Primitive(Prim::U32 | Prim::U64 | Prim::I64) => {
                d.parse::<i64>().map(|n| json!(n)).unwrap_or(json!(d))
            }
            TypeRef::Primitive(Prim::Bool) => json!(d == "true"),
            _ => json!(d),
        };
    }
    let mut o = json!({
        "name": p.wire,
        "in": location,
        "required": location == "path",
        "description": p.doc,
        "schema": schema,
    });
    if p.list {
        o["style"] = json!("form");
        o["explode"] = json!(false);
    }
    if !p.fields.is_empty() {
        o["x-tableau-fields"] = json!(p.fields);
    }
    version_ext(o.as_object_mut().expect("object"), p.since);
    o
}

/// The OpenAPI 3.1 document (pretty JSON, deterministic).
pub fn export_openapi(spec: &Spec) -> String {
    let mut schemas = Map::new();
    for t in &spec.types {
        schemas.insert(t.name().to_owned(), type_schema(spec, t));
    }
    schemas.insert(
        "ErrorResponse".into(),
        json!({
            "type": "object",
            "description": "An error answer: `<tsResponse><error code=..><summary/><detail/></error></tsResponse>` (deviation S10). A 2xx answer holding one is an error too (S6).",
            "xml": {"name": "tsResponse", "namespace": spec.api.namespace},
            "properties": {"error": {"allOf": [{"$ref": "#/components/schemas/ErrorDetail"}], "xml": {"name": "error"}}},
            "required": ["error"],
        }),
    );
    let mut paths: Map<String, Value> = Map::new();
    for e in &spec.endpoints {
        let path = format!("/api/{{api-version}}{}", e.path);
        let mut parameters = vec![json!({
            "name": "api-version",
            "in": "path",
            "required": true,
            "description": "The REST API version, such as 3.24.",
            "schema": {"type": "string", "pattern": "^[0-9]+\\.[0-9]+$"},
        })];
        parameters.extend(e.path_params.iter().map(|p| param(spec, p, "path")));
        parameters.extend(e.query.iter().map(|p| param(spec, p, "query")));
        let mut responses = Map::new();
        let ok = match &e.response.body {
            ResponseBody::None => json!({"description": "Success, no body."}),
            ResponseBody::Binary => json!({
                "description": "The file; Content-Disposition names it.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }),
            ResponseBody::Xml(t) => json!({
                "description": "Success.",
                "content": {"application/xml": {"schema": {"$ref": format!("#/components/schemas/{t}")}}},
            }),
        };
        responses.insert(e.response.status.to_string(), ok);
        let mut statuses: Vec<u16> = e.errors.iter().map(ErrorRow::http_status).collect();
        statuses.sort_unstable();
        statuses.dedup();
        for s in statuses {
            let rows: Vec<String> = e
                .errors
                .iter()
                .filter(|r| r.http_status() == s)
                .map(|r| format!("{} {}: {}", r.code, r.summary, r.condition))
                .collect();
            let error_body = json!({"application/xml": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}});
            match responses.get_mut(&s.to_string()) {
                // An error sent with the success status (deviation S6): the success answer may
                // carry an error document.
                Some(success) => {
                    let text = format!(
                        "{} It may instead carry an error document: {}",
                        success["description"].as_str().unwrap_or_default(),
                        rows.join("; ")
                    );
                    success["description"] = json!(text);
                    if success.get("content").is_none() {
                        success["content"] = error_body;
                    }
                }
                None => {
                    responses.insert(
                        s.to_string(),
                        json!({"description": rows.join("\n"), "content": error_body}),
                    );
                }
            }
        }
        let errors: Vec<Value> = e
            .errors
            .iter()
            .map(|r| {
                let mut o = json!({"status": r.status, "code": r.code, "name": r.name, "summary": r.summary, "condition": r.condition});
                version_ext(o.as_object_mut().expect("object"), r.since);
                if let Some(d) = r.dropped {
                    o["x-tableau-dropped"] = json!(d.to_string());
                }
                if let Some(d) = &r.deviation {
                    o["x-tableau-deviation"] = json!(d);
                }
                if let Some(h) = r.http {
                    o["x-tableau-http-status"] = json!(h);
                }
                o
            })
            .collect();
        let mut op = json!({
            "operationId": e.id,
            "summary": e.title,
            "description": e.description,
            "tags": [e.group],
            "parameters": parameters,
            "responses": responses,
            "x-tableau-since": e.since.to_string(),
            "x-tableau-page": match e.page { Page::FlowMethods => "flow-methods", Page::Support => "support" },
            "x-tableau-idempotent": e.idempotent,
            "x-tableau-errors": errors,
        });
        if !e.auth {
            op["security"] = json!([]);
        }
        if !e.notes.is_empty() {
            op["x-tableau-notes"] = json!(e.notes);
        }
        if let Some(p) = &e.permissions {
            op["x-tableau-permissions"] = json!(p);
        }
        match &e.request {
            Request::None => {}
            Request::Empty => {
                op["requestBody"] = json!({"required": true, "content": {"application/xml": {"schema": {"type": "object", "xml": {"name": "tsRequest"}}}}});
            }
            Request::Xml { ty } => {
                op["requestBody"] = json!({
                    "required": true,
                    "content": {"application/xml": {"schema": {"allOf": [{"$ref": format!("#/components/schemas/{ty}")}], "xml": {"name": "tsRequest"}}}},
                });
            }
            Request::Multipart { ty, file_part } => {
                op["requestBody"] = json!({
                    "required": true,
                    "content": {"multipart/mixed": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "request_payload": {"allOf": [{"$ref": format!("#/components/schemas/{ty}")}], "xml": {"name": "tsRequest"}},
                                file_part.clone(): {"type": "string", "format": "binary"},
                            },
                            "required": ["request_payload"],
                        },
                        "encoding": {"request_payload": {"contentType": "text/xml"}, file_part.clone(): {"contentType": "application/octet-stream"}},
                    }},
                });
            }
        }
        if let Some(also) = &e.also_path {
            // The other spelling servers answer (e.g. /serverInfo, deviation S15): the same
            // operation under its own operationId.
            let mut alias = op.clone();
            alias["operationId"] = json!(format!("{}_also", e.id));
            alias["x-tableau-also-path-of"] = json!(e.id);
            alias["x-tableau-notes"] = json!(also.notes);
            let entry = paths
                .entry(format!("/api/{{api-version}}{}", also.path))
                .or_insert_with(|| json!({}));
            entry[e.method.to_lowercase()] = alias;
        }
        let entry = paths.entry(path).or_insert_with(|| json!({}));
        entry[e.method.to_lowercase()] = op;
    }
    let doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Tableau REST API: Flow Methods",
            "version": spec.api.newest.to_string(),
            "description": format!(
                "Every method of Tableau's Flow Methods reference (API {} to {}) and the endpoints a client needs around them, generated from the tableau-flows spec. Bodies are XML in the namespace {}.",
                spec.api.oldest, spec.api.newest, spec.api.namespace
            ),
        },
        "servers": [{"url": "https://{server}", "variables": {"server": {"default": "tableau.example.com"}}}],
        "security": [{"tableauAuth": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"tableauAuth": {"type": "apiKey", "in": "header", "name": "X-Tableau-Auth", "description": "The credentials token Sign In answers."}},
        },
        "x-tableau-notes": spec.notes.iter().map(|n| json!({"id": n.id, "kind": n.kind, "text": n.text})).collect::<Vec<_>>(),
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("serialises");
    out.push('\n');
    out
}
