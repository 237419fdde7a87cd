//! The rustdoc of each endpoint's method: description, request, version, permissions, license,
//! the error table, errata and a compiled example.

use super::{Gen, md};
use crate::ir::*;
use heck::ToSnakeCase;

impl Gen<'_> {
    pub(super) fn endpoint_doc(&self, e: &Endpoint) -> String {
        let mut s = String::new();
        s.push_str(&format!("{}\n\n{}\n\n", e.title, md(&e.description)));
        s.push_str(&format!(
            "- **Request:** `{} /api/{{version}}{}`\n",
            e.method, e.path
        ));
        s.push_str(&format!("- **Since:** API {}\n", e.since));
        if let Some(o) = &e.old_title {
            s.push_str(&format!(
                "- **Title before API {}:** {}\n",
                o.before, o.title
            ));
        }
        if e.page == Page::Support {
            s.push_str("- Not on the Flow Methods page: part of the client's support endpoints.\n");
        }
        if let Some(l) = &e.license {
            s.push_str(&format!("- **License:** {}\n", md(l)));
        }
        if let Some(p) = &e.platform {
            match p.since {
                Some(v) => s.push_str(&format!(
                    "- **Platform (since API {v}):** {}\n",
                    md(&p.text)
                )),
                None => s.push_str(&format!("- **Platform:** {}\n", md(&p.text))),
            }
        }
        if let Some(j) = &e.jwt_scope {
            s.push_str(&format!("- **JWT scope:** `{j}`\n"));
        }
        if !e.auth {
            s.push_str("- Needs no sign-in.\n");
        }
        if !e.idempotent {
            s.push_str("- Not idempotent: never repeated automatically.\n");
        }
        if let Some(p) = &e.permissions {
            s.push_str(&format!("\n# Permissions\n\n{}\n", md(p)));
        }
        if !e.query.is_empty() {
            s.push_str("\n# Query parameters\n\n");
            for q in &e.query {
                s.push_str(&format!("- `{}` ([`{}`](Self::{}))", q.wire, q.name, e.id));
                if let Some(v) = q.since {
                    s.push_str(&format!(", since API {v}"));
                }
                s.push_str(&format!(": {}\n", md(&q.doc)));
            }
        }
        s.push_str("\n# Errors\n\n| HTTP | Code | Summary | Condition |\n|---|---|---|---|\n");
        for r in &e.errors {
            let mut cond = md(&r.condition);
            if let Some(v) = r.since {
                cond.push_str(&format!(" (since API {v})"));
            }
            if let Some(v) = r.dropped {
                cond.push_str(&format!(" (not on the {v} page)"));
            }
            if let Some(dev) = &r.deviation {
                cond.push_str(&format!(" (not on the page: deviation {dev})"));
            }
            if let Some(h) = r.http {
                cond.push_str(&format!(" (sent with HTTP {h})"));
            }
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                r.status,
                r.code,
                md(&r.summary),
                cond
            ));
        }
        if !e.notes.is_empty() {
            s.push_str("\n# Errata and deviations\n\n");
            for n in &e.notes {
                s.push_str(&format!("- {}\n", self.note_ref(n)));
            }
        }
        s.push_str(
            "\n# Example\n\n```no_run\n# fn main() -> Result<(), Box<dyn std::error::Error>> {\n",
        );
        s.push_str("# let client = tableau_flows::Client::builder(\"https://tableau.example.com\").build()?;\n");
        let mut args = Vec::new();
        for p in e.path_params.iter().filter(|p| !p.session) {
            args.push(format!("\"{}\"", example_id(&p.name)));
        }
        match &e.request {
            Request::Xml { ty, .. } | Request::Multipart { ty, .. } => {
                args.push(self.example_value(&TypeRef::Struct(ty.clone()), 0));
            }
            _ => {}
        }
        let result = match &e.response.body {
            ResponseBody::None => "client",
            _ => "let response = client",
        };
        s.push_str(&format!(
            "{result}.{}({}).send()?;\n",
            e.id,
            args.join(", ")
        ));
        if let ResponseBody::Xml(t) = &e.response.body {
            s.push_str(&format!("let _: tableau_flows::{t} = response;\n"));
        }
        s.push_str("# Ok(())\n# }\n```\n");
        s
    }

    /// A Rust expression building an example value of a type, for the generated docs.
    pub(super) fn example_value(&self, t: &TypeRef, indent: usize) -> String {
        match t {
            TypeRef::Primitive(p) => match p {
                Prim::String | Prim::Filter | Prim::Sort => "String::new()".into(),
                Prim::Secret => "tableau_flows::Secret::default()".into(),
                Prim::Bool => "false".into(),
                Prim::U32 | Prim::U64 | Prim::I64 => "0".into(),
                Prim::DateTime => "tableau_flows::DateTime::UNIX_EPOCH".into(),
                Prim::Time => "tableau_flows::Time::MIDNIGHT".into(),
            },
            TypeRef::Id(n) => format!(
                "tableau_flows::{n}::new(\"{}\")",
                example_id(&n.to_snake_case())
            ),
            TypeRef::Enum(n) => match self.spec.ty(n) {
                Some(TypeDef::Enum(e)) => format!("tableau_flows::{n}::{}", e.variants[0].name),
                _ => unreachable!("validated"),
            },
            TypeRef::Struct(n) => {
                if self.defaultable[n] {
                    return format!("tableau_flows::{n}::default()");
                }
                let s = self.spec.struct_ty(n).expect("validated");
                let pad = "    ".repeat(indent + 1);
                let mut out = format!("tableau_flows::{n} {{\n");
                for f in &s.fields {
                    let v = match f.kind {
                        FieldKind::List | FieldKind::Many => "Vec::new()".to_owned(),
                        _ if f.required => self.example_value(&f.ty, indent + 1),
                        _ => "None".to_owned(),
                    };
                    out.push_str(&format!("{pad}{}: {v},\n", f.name));
                }
                out.push_str(&format!("{}}}", "    ".repeat(indent)));
                out
            }
        }
    }
}

fn example_id(name: &str) -> String {
    match name {
        "flow_id" => "d00700fe-28a0-4ece-a7af-5543ddf38a82".into(),
        _ => format!("{}-1", name.trim_end_matches("_id").replace('_', "-")),
    }
}
