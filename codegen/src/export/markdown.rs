//! `flowspec export markdown`: a reference page per resource group, with parameters, error tables
//! and version notes.

use crate::ir::*;
use heck::ToTitleCase;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn since_note(v: Option<Version>) -> String {
    v.map(|v| format!(" (since {v})")).unwrap_or_default()
}

fn ty_name(t: &TypeRef) -> String {
    match t {
        TypeRef::Primitive(p) => format!("{p:?}").to_lowercase(),
        TypeRef::Id(n) | TypeRef::Enum(n) | TypeRef::Struct(n) => n.clone(),
    }
}

/// A filter or sort field: `name` and, for a filter, its operators.
fn expr_field(f: &ExprField) -> String {
    if f.operators.is_empty() {
        format!("`{}`", f.name)
    } else {
        format!("`{}` ({})", f.name, f.operators.join(", "))
    }
}

/// The reference pages, as `(group, markdown)` in spec order.
pub fn export_markdown(spec: &Spec) -> Vec<(String, String)> {
    let mut groups: Vec<String> = Vec::new();
    for e in &spec.endpoints {
        if !groups.contains(&e.group) {
            groups.push(e.group.clone());
        }
    }
    groups
        .into_iter()
        .map(|g| {
            let mut s = format!("# {}\n\n", g.to_title_case());
            s.push_str(&format!(
                "Generated from `spec/{g}.tfspec` (API {} to {}). Versions are the first API version documented with each item.\n\n",
                spec.api.oldest, spec.api.newest
            ));
            for e in spec.endpoints.iter().filter(|e| e.group == g) {
                s.push_str(&format!("## {}\n\n", e.title));
                match &e.experimental {
                    Some(x) => s.push_str(&format!("`{} {}{}` · id `{}` · **experimental**", e.method, x.base, e.path, e.id)),
                    None => s.push_str(&format!("`{} /api/{{api-version}}{}` · id `{}` · since API {}", e.method, e.path, e.id, e.since)),
                }
                if e.page == Page::Support {
                    s.push_str(" · not on the Flow Methods page");
                }
                s.push_str("\n\n");
                if let Some(x) = &e.experimental {
                    s.push_str(&format!(
                        "**Experimental** (under `{}`, no API version; {}): {}\n\n",
                        x.base,
                        x.notes.join(", "),
                        x.availability
                    ));
                }
                if let Some(o) = &e.old_title {
                    s.push_str(&format!("Titled \"{}\" before API {}.\n\n", o.title, o.before));
                }
                s.push_str(&format!("{}\n\n", e.description));
                for (label, text) in [("License", &e.license), ("Permissions", &e.permissions), ("JWT scope", &e.jwt_scope)] {
                    if let Some(t) = text {
                        s.push_str(&format!("**{label}:** {t}\n\n"));
                    }
                }
                if let Some(p) = &e.platform {
                    s.push_str(&format!("**Platform{}:** {}\n\n", since_note(p.since), p.text));
                }
                if !e.path_params.is_empty() || !e.query.is_empty() {
                    s.push_str("| Parameter | In | Type | Notes |\n|---|---|---|---|\n");
                    for p in &e.path_params {
                        s.push_str(&format!("| `{}` | path | {} | {} |\n", p.wire, ty_name(&p.ty), cell(&p.doc)));
                    }
                    for q in &e.query {
                        let mut notes = cell(&q.doc);
                        if let Some((lo, hi)) = q.range {
                            notes.push_str(&format!(" Range {lo}..={hi}."));
                        }
                        if !q.fields.is_empty() {
                            let fields: Vec<String> = q.fields.iter().map(expr_field).collect();
                            notes.push_str(&format!(" Fields: {}.", fields.join("; ")));
                        }
                        s.push_str(&format!(
                            "| `{}` | query{} | {} | {} |\n",
                            q.wire,
                            since_note(q.since),
                            ty_name(&q.ty),
                            notes
                        ));
                    }
                    s.push('\n');
                }
                let req = match &e.request {
                    Request::None => "none".to_owned(),
                    Request::Empty => "an empty `<tsRequest/>`".to_owned(),
                    Request::Xml { ty, .. } => format!("`{ty}`"),
                    Request::Multipart { ty, file_part, .. } => format!("`multipart/mixed`: `{ty}` and a `{file_part}` file part"),
                };
                let resp = match &e.response.body {
                    ResponseBody::None => "no body".to_owned(),
                    ResponseBody::Binary(types) => format!(
                        "the file ({})",
                        types
                            .iter()
                            .map(|t| format!("`.{}` as `{}`", t.extension, t.media_type))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    ResponseBody::Xml(t) => format!("`{t}`"),
                    ResponseBody::Json(what_it_is) => format!("a JSON document (`application/json`): {}", what_it_is.trim_end_matches('.')),
                };
                s.push_str(&format!("Request: {req}. Response: {} with {resp}.\n\n", e.response.status));
                if !e.errors.is_empty() {
                    s.push_str("| HTTP | Code | Summary | Condition |\n|---|---|---|---|\n");
                    for r in &e.errors {
                        let mut cond = cell(&r.condition);
                        if let Some(v) = r.since {
                            cond.push_str(&format!(" *(since {v})*"));
                        }
                        if let Some(v) = r.dropped {
                            cond.push_str(&format!(" *(not on the {v} page; may still be sent)*"));
                        }
                        if let Some(w) = &r.was {
                            cond.push_str(&format!(" *(before {}: \"{} {}\")*", w.before, cell(&w.summary), cell(&w.condition)));
                        }
                        s.push_str(&format!("| {} | {} | {} | {} |\n", r.status, r.code, cell(&r.summary), cond));
                    }
                    s.push('\n');
                }
                if !e.notes.is_empty() {
                    s.push_str("Errata and deviations:\n\n");
                    for n in &e.notes {
                        if let Some(note) = spec.notes.iter().find(|x| &x.id == n) {
                            s.push_str(&format!("- {} ({}): {}\n", note.id, note.kind, note.text));
                        }
                    }
                    s.push('\n');
                }
            }
            (g, s)
        })
        .collect()
}
