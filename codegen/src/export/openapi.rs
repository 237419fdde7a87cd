//! `flowspec export openapi`: an OpenAPI 3.1 document of every endpoint.
//!
//! XML bodies are described with OpenAPI's `xml` object (attributes, wrapped arrays, element
//! names, the namespace); what OpenAPI cannot say is carried by extensions: `x-tableau-since`
//! (on operations, parameters, properties and enum values), `x-tableau-errors` (the error table
//! with codes), `x-tableau-page`, `x-tableau-notes` (errata and deviations) and
//! `x-tableau-idempotent`.
//!
//! Every body is offered as `application/json` too, with the JSON schema of the spec's JSON rule
//! (`spec/README.md`; [`super::json_shape`]): `Flow` is the XML schema of a flow, `FlowJson` its
//! JSON one as servers write it; a request body's JSON schema (`UpdateFlowRequestInputJson`) is
//! what servers read.

use super::json_shape::{self, Form};
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
            Prim::U32 => json!({"type": "integer", "minimum": 0, "maximum": u32::MAX}),
            Prim::U64 => json!({"type": "integer", "minimum": 0, "maximum": u64::MAX}),
            Prim::I64 => json!({"type": "integer", "format": "int64"}),
            Prim::DateTime => json!({"type": "string", "format": "date-time"}),
            Prim::Time => {
                json!({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"})
            }
        },
        TypeRef::Id(n) | TypeRef::Enum(n) | TypeRef::Struct(n) => {
            let _ = spec;
            json!({"$ref": format!("#/components/schemas/{n}")})
        }
    }
}

fn type_schema(spec: &Spec, t: &TypeDef) -> Value {
    match t {
        TypeDef::Id(id) => json!({"type": "string", "minLength": 1, "description": id.doc}),
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
                if f.nonempty {
                    p["minLength"] = json!(1);
                    if !f.required {
                        // A present value must not be empty; absence is another matter.
                    }
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
            let rules = constraint_rules(s, |f| f.wire.clone());
            match rules.len() {
                0 => {}
                1 => {
                    let rule = rules.into_iter().next().expect("one");
                    for (k, v) in rule.as_object().expect("object") {
                        o[k] = v.clone();
                    }
                }
                _ => o["allOf"] = json!(rules),
            }
            if s.root {
                // A request document is a `<tsRequest>` (no namespace needed); an answer a
                // `<tsResponse>` in the Tableau namespace.
                let request = spec.endpoints.iter().any(|e| {
                    matches!(&e.request, Request::Xml { ty, .. } | Request::Multipart { ty, .. } if ty == &s.name)
                });
                o["xml"] = if request {
                    json!({"name": "tsRequest"})
                } else {
                    json!({"name": "tsResponse", "namespace": spec.api.namespace})
                };
            }
            o
        }
    }
}

/// The `one_of`/`any_of` rules of a struct as JSON Schema (`oneOf`/`anyOf` of `required`), each
/// field named by `key`.
pub(crate) fn constraint_rules(s: &StructType, key: impl Fn(&Field) -> String) -> Vec<Value> {
    let key_of = |name: &String| {
        s.fields
            .iter()
            .find(|f| &f.name == name)
            .map(&key)
            .unwrap_or_default()
    };
    s.constraints
        .iter()
        .map(|c| {
            let each: Vec<Value> = c
                .fields
                .iter()
                .map(|f| json!({"required": [key_of(f)]}))
                .collect();
            if c.exactly_one {
                json!({"oneOf": each})
            } else {
                json!({"anyOf": each})
            }
        })
        .collect()
}

/// Adds an `xml` object to a schema, beside a `$ref` where there is one (OpenAPI 3.1 allows
/// siblings of `$ref`; XML body generators such as schemathesis read them, not an `allOf`).
fn with_xml(schema: &mut Value, xml: Value) {
    schema["xml"] = xml;
}

/// The regular expression of a filter or sort expression the parameter takes: its terms,
/// comma-joined, each naming one of its fields with an operator the field takes and a value of
/// the field's type (deviation S14).
fn expression_pattern(spec: &Spec, p: &Param) -> String {
    // Text: no comma or bracket (the syntax's), no space at either end (expressions are trimmed).
    const TEXT: &str = "[^,\\[\\]\\s]([^,\\[\\]]*[^,\\[\\]\\s])?";
    let value = |t: &TypeRef| -> String {
        match t {
            TypeRef::Primitive(Prim::DateTime) => "(19[7-9][0-9]|20[0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z".to_owned(),
            TypeRef::Primitive(Prim::U32 | Prim::U64) => "[0-9]{1,9}".to_owned(),
            TypeRef::Primitive(Prim::I64) => "-?[0-9]{1,9}".to_owned(),
            TypeRef::Primitive(Prim::Bool) => "(true|false)".to_owned(),
            TypeRef::Enum(n) => match spec.ty(n) {
                Some(TypeDef::Enum(e)) => {
                    let v: Vec<&str> = e.variants.iter().map(|v| v.wire.as_str()).collect();
                    format!("({})", v.join("|"))
                }
                _ => TEXT.to_owned(),
            },
            _ => TEXT.to_owned(),
        }
    };
    let terms: Vec<String> = p
        .fields
        .iter()
        .flat_map(|f| {
            if f.operators.is_empty() {
                return vec![format!("{}:(asc|desc)", f.name)];
            }
            let v = value(&f.ty);
            let mut out = Vec::new();
            let single: Vec<&str> = f
                .operators
                .iter()
                .map(String::as_str)
                .filter(|o| *o != "in")
                .collect();
            if !single.is_empty() {
                out.push(format!("{}:({}):{v}", f.name, single.join("|")));
            }
            if f.operators.iter().any(|o| o == "in") {
                out.push(format!("{}:in:\\[{v}(,{v})*\\]", f.name));
            }
            out
        })
        .collect();
    let term = format!("({})", terms.join("|"));
    format!("^{term}(,{term})*$")
}

/// An OpenAPI parameter object of a path or query parameter.
pub(crate) fn param(spec: &Spec, p: &Param, location: &str) -> Value {
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
        o["schema"]["minLength"] = json!(1);
        o["schema"]["pattern"] = json!(expression_pattern(spec, p));
    }
    version_ext(o.as_object_mut().expect("object"), p.since);
    o
}

/// A body of the struct `name`, as XML and as JSON.
fn both(name: &str) -> Value {
    json!({
        "application/xml": {"schema": {"$ref": format!("#/components/schemas/{name}")}},
        "application/json": {"schema": {"$ref": format!("#/components/schemas/{}", json_shape::schema_name(name, Form::Output))}},
    })
}

/// The schemas of `components/schemas`: every type of the spec as XML, each struct's JSON forms
/// ([`json_shape`]) and the error answers.
pub(crate) fn component_schemas(spec: &Spec) -> Map<String, Value> {
    let mut schemas = Map::new();
    let inputs = json_shape::input_structs(spec);
    for t in &spec.types {
        schemas.insert(t.name().to_owned(), type_schema(spec, t));
        if let TypeDef::Struct(s) = t {
            for form in [Form::Output, Form::Input] {
                if form == Form::Input && !inputs.contains(&s.name) {
                    continue;
                }
                schemas.insert(
                    json_shape::schema_name(&s.name, form),
                    json_shape::struct_schema(s, form),
                );
            }
        }
    }
    schemas.insert(
        json_shape::schema_name("ErrorResponse", Form::Output),
        json_shape::error_schema(),
    );
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
    schemas
}

/// The OpenAPI 3.1 document (pretty JSON, deterministic).
pub fn export_openapi(spec: &Spec) -> String {
    let schemas = component_schemas(spec);
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
            ResponseBody::Binary(types) => {
                let mut content = Map::new();
                for t in types {
                    content.insert(
                        t.media_type.clone(),
                        json!({"schema": {"type": "string", "format": "binary"}}),
                    );
                }
                let by_type: Vec<String> = types
                    .iter()
                    .map(|t| format!("`.{}` as `{}`", t.extension, t.media_type))
                    .collect();
                json!({
                    "description": format!(
                        "The file; Content-Disposition names it. Content-Type by file type: {}.",
                        by_type.join(", ")
                    ),
                    "content": content,
                })
            }
            ResponseBody::Xml(t) => json!({
                "description": "Success.",
                "content": both(t),
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
            let error_body = both("ErrorResponse");
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
        // Content negotiation on every endpoint (deviation S29): 406 for an Accept that takes
        // neither format, 415 for a body of another type where there is a body.
        responses.insert(
            "406".into(),
            json!({"description": "406000 Not acceptable: the Accept header takes neither application/xml nor application/json (S29).", "content": both("ErrorResponse")}),
        );
        if !matches!(e.request, Request::None) {
            responses.insert(
                "415".into(),
                json!({"description": "415000 Unsupported media type: the body is neither XML nor JSON (S29).", "content": both("ErrorResponse")}),
            );
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
            // No body, or an empty `<tsRequest/>` that servers do not read: none is described.
            Request::None | Request::Empty => {}
            Request::Xml { ty, optional } => {
                op["requestBody"] = json!({
                    "required": !optional,
                    "content": {
                        "application/xml": {"schema": {"$ref": format!("#/components/schemas/{ty}"), "xml": {"name": "tsRequest"}}},
                        "application/json": {"schema": {"$ref": format!("#/components/schemas/{}", json_shape::schema_name(ty, Form::Input))}},
                    },
                });
            }
            Request::Multipart {
                ty,
                file_part,
                file_required,
            } => {
                let mut required = vec![json!("request_payload")];
                if *file_required {
                    required.push(json!(file_part));
                }
                op["requestBody"] = json!({
                    "required": true,
                    "content": {"multipart/mixed": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                // `allOf` here: schemathesis resolves a part's `$ref` without its sibling `xml`.
                                "request_payload": {"allOf": [{"$ref": format!("#/components/schemas/{ty}")}], "xml": {"name": "tsRequest"}},
                                file_part.clone(): {"type": "string", "format": "binary"},
                            },
                            "required": required,
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
                "Every method of Tableau's Flow Methods reference (API {} to {}) and the endpoints a client needs around them, generated from the tableau-flows spec. Bodies are XML in the namespace {}, or JSON (`Accept`/`Content-Type: application/json`) by the rule of the spec's README: the root dropped, every value a string, lists as arrays under their item name.",
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
