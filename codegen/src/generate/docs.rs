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
            "- **Request:** `{} {}{}`\n",
            e.method,
            e.base(),
            e.path
        ));
        match &e.experimental {
            Some(x) => s.push_str(&format!(
                "- **Experimental** ({}): {} No API version gates it; a server without it answers [`FeatureDisabled`](crate::ErrorCode::FeatureDisabled) (403200) or 404.\n",
                x.notes.join(", "),
                md(&x.availability)
            )),
            None => s.push_str(&format!("- **Since:** API {}\n", e.since)),
        }
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
        s.push_str(&self.endpoint_example(e));
        s
    }

    /// `tableau_flows::T`, or `tableau_flows::group::T` for a type of a group's own file: the
    /// path users write.
    fn user_path(&self, name: &str) -> String {
        match self.spec.type_groups.get(name) {
            Some(group) => format!("tableau_flows::{group}::{name}"),
            None => format!("tableau_flows::{name}"),
        }
    }

    /// A compiled example of the endpoint's use: its required arguments, one optional parameter
    /// (a filter, a sort, a flag... where it has one), and what to do with the answer.
    fn endpoint_example(&self, e: &Endpoint) -> String {
        let mut args = Vec::new();
        for p in e.path_params.iter().filter(|p| !p.session) {
            args.push(self.arg_value(&p.ty, &p.name));
        }
        let mut setup = Vec::new();
        if let Request::Xml { ty, .. } | Request::Multipart { ty, .. } = &e.request {
            let flow = args.first().cloned();
            args.push(self.body_value(ty, flow.as_deref()));
            if ty == "CreateCloudFlowTaskRequest" {
                setup.push("use tableau_flows::{CloudSchedule, Time, WeekDay};".to_owned());
            }
        }
        let mut chain = vec![format!(".{}({})", e.id, args.join(", "))];
        if let Some(optional) = e.query.iter().find_map(|q| self.optional_call(q)) {
            chain.push(optional);
        }
        if let Request::Multipart { file_part, .. } = &e.request {
            let file = if file_part == "tableau_flow" {
                "Sales Cleanup.tflx"
            } else {
                "chunk-1.bin"
            };
            chain.push(format!(
                ".file(tableau_flows::FilePart::from_path({file:?})?)"
            ));
        }
        chain.push(".send()?;".to_owned());
        let (binding, after) = match &e.response.body {
            ResponseBody::None => (String::new(), Vec::new()),
            ResponseBody::Binary(_) => (
                "let download = ".to_owned(),
                vec![
                    "let name = download.filename.clone().unwrap_or_else(|| \"flow.tflx\".into());"
                        .to_owned(),
                    "let mut file = std::fs::File::create(&name)?;".to_owned(),
                    "let bytes = download.copy_to(&mut file)?;".to_owned(),
                    "println!(\"saved {bytes} bytes in {name}\");".to_owned(),
                ],
            ),
            ResponseBody::Xml(root) => ("let answer = ".to_owned(), self.use_answer(root)),
            ResponseBody::Json(_) => (
                "let document = ".to_owned(),
                vec!["println!(\"{} bytes of JSON\", document.as_bytes().len());".to_owned()],
            ),
        };
        let mut out = String::from("\n# Example\n\n```no_run\n");
        for line in &setup {
            out.push_str(&format!("{line}\n"));
        }
        out.push_str("# fn main() -> Result<(), tableau_flows::Error> {\n");
        out.push_str("# let client = tableau_flows::Client::from_env()?;\n");
        out.push_str(&format!("{binding}client\n"));
        for c in &chain {
            out.push_str(&format!("    {c}\n"));
        }
        for line in after {
            out.push_str(&format!("{line}\n"));
        }
        out.push_str("# Ok(())\n# }\n```\n");
        out
    }

    /// An argument of a path parameter: an id as text, an enum value.
    fn arg_value(&self, ty: &TypeRef, name: &str) -> String {
        match ty {
            TypeRef::Enum(n) => match self.spec.ty(n) {
                Some(TypeDef::Enum(en)) => {
                    let v = en
                        .variants
                        .iter()
                        .find(|v| v.name == "Read" || v.name == "Allow")
                        .unwrap_or(&en.variants[0]);
                    format!("{}::{}", self.user_path(n), v.name)
                }
                _ => unreachable!("validated"),
            },
            _ => format!("{:?}", example_id(name)),
        }
    }

    /// The builder call of one optional query parameter, with a value it takes.
    fn optional_call(&self, q: &Param) -> Option<String> {
        if matches!(q.wire.as_str(), "pageNumber") {
            return None;
        }
        let n = &q.name;
        Some(match &q.ty {
            TypeRef::Primitive(Prim::Filter) => {
                let f = q.fields.first()?;
                let op = f.operators.first()?;
                let value = expression_value(f);
                let method = match op.as_str() {
                    "in" => {
                        return Some(format!(
                            ".{n}(tableau_flows::Filter::new().is_in({:?}, [{value:?}]))",
                            f.name
                        ));
                    }
                    other => other.to_owned(),
                };
                format!(
                    ".{n}(tableau_flows::Filter::new().{method}({:?}, {value:?}))",
                    f.name
                )
            }
            TypeRef::Primitive(Prim::Sort) => {
                let f = q.fields.first()?;
                format!(".{n}(tableau_flows::Sort::new().desc({:?}))", f.name)
            }
            TypeRef::Primitive(Prim::Bool) => format!(".{n}(true)"),
            TypeRef::Primitive(Prim::U32 | Prim::U64 | Prim::I64) => {
                let v = match q.range {
                    Some((lo, hi)) => 100.clamp(lo, hi),
                    None => 100,
                };
                format!(".{n}({v})")
            }
            TypeRef::Primitive(Prim::String) if q.wire == "fields" => format!(".{n}(\"_all_\")"),
            TypeRef::Primitive(_) => return None,
            TypeRef::Id(t) if q.list => format!(".{n}([{:?}])", example_id(&t.to_snake_case())),
            TypeRef::Id(t) => format!(".{n}({:?})", example_id(&t.to_snake_case())),
            TypeRef::Enum(e) => {
                let Some(TypeDef::Enum(en)) = self.spec.ty(e) else {
                    return None;
                };
                let path = format!("{}::{}", self.user_path(e), en.variants[0].name);
                if q.list {
                    format!(".{n}([{path}])")
                } else {
                    format!(".{n}({path})")
                }
            }
            TypeRef::Struct(_) => return None,
        })
    }

    /// A request body: the builders for the bodies people write most, else the document with
    /// its required fields (and, where nothing is required, its first field) filled.
    fn body_value(&self, ty: &str, flow: Option<&str>) -> String {
        let flow = flow.unwrap_or("\"d00700fe-28a0-4ece-a7af-5543ddf38a82\"");
        match ty {
            "AddFlowPermissionsRequest" => {
                "tableau_flows::Grant::user(\"5a39de9c-4eb0-47a7-88f7-2e78ddd58c6b\").allow(tableau_flows::Capability::Read)".to_owned()
            }
            "CreateCloudFlowTaskRequest" => format!(
                "{}::new({flow}, CloudSchedule::daily(Time::from_hms(6, 30, 0).expect(\"a time of day\")).on([WeekDay::Monday]))",
                self.user_path(ty)
            ),
            "SignInRequest" => format!(
                "{} {{\n        credentials: {} {{\n            personal_access_token_name: Some(\"ci\".into()),\n            personal_access_token_secret: Some(tableau_flows::Secret::new(\"secret\")),\n            site: {} {{ content_url: Some(\"marketing\".into()) }},\n            ..Default::default()\n        }},\n    }}",
                self.user_path(ty),
                self.user_path("SignInCredentials"),
                self.user_path("SignInSite")
            ),
            "AddFlowTaskToScheduleRequest" => format!(
                "{}::new(\"d00700fe-28a0-4ece-a7af-5543ddf38a82\")",
                self.user_path(ty)
            ),
            _ => self.example_value(&TypeRef::Struct(ty.to_owned()), 1),
        }
    }

    /// Statements that use the answer `answer` of type `root`: print what it holds.
    fn use_answer(&self, root: &str) -> Vec<String> {
        let Some(s) = self.spec.struct_ty(root) else {
            return Vec::new();
        };
        if let Some(list) = s
            .fields
            .iter()
            .find(|f| matches!(f.kind, FieldKind::List | FieldKind::Many))
            && let TypeRef::Struct(item) = &list.ty
        {
            let shown = self.shown(item, "item");
            return vec![
                format!("for item in &answer.{} {{", list.name),
                format!("    {shown}"),
                "}".to_owned(),
            ];
        }
        match s.fields.iter().find(|f| f.kind == FieldKind::Elem) {
            Some(f) => {
                let TypeRef::Struct(inner) = &f.ty else {
                    return vec![format!("println!(\"{{:?}}\", answer.{});", f.name)];
                };
                if f.required {
                    vec![
                        format!("let {} = &answer.{};", f.name, f.name),
                        self.shown(inner, &f.name),
                    ]
                } else {
                    vec![
                        format!("if let Some({}) = &answer.{} {{", f.name, f.name),
                        format!("    {}", self.shown(inner, &f.name)),
                        "}".to_owned(),
                    ]
                }
            }
            None => vec!["println!(\"{answer:?}\");".to_owned()],
        }
    }

    /// A `println!` of a struct value's id, name and status where it has them.
    fn shown(&self, ty: &str, var: &str) -> String {
        let Some(s) = self.spec.struct_ty(ty) else {
            return format!("println!(\"{{{var}:?}}\");");
        };
        let mut fmt = Vec::new();
        let mut values = Vec::new();
        for key in ["id", "name", "status", "token"] {
            let Some(f) = s
                .fields
                .iter()
                .find(|f| f.name == key && f.kind == FieldKind::Attr)
            else {
                continue;
            };
            if key == "token" {
                // A secret is never shown: say that there is one.
                continue;
            }
            match (&f.ty, f.required) {
                (TypeRef::Id(_), true) => {
                    fmt.push("{}");
                    values.push(format!("{var}.{key}"));
                }
                (TypeRef::Primitive(Prim::String), false) => {
                    fmt.push("{}");
                    values.push(format!("{var}.{key}.as_deref().unwrap_or(\"\")"));
                }
                _ => {
                    fmt.push("{:?}");
                    values.push(format!("{var}.{key}"));
                }
            }
        }
        if fmt.is_empty() {
            return format!("println!(\"{{{var}:?}}\");");
        }
        format!("println!(\"{}\", {});", fmt.join(" "), values.join(", "))
    }

    /// A Rust expression building an example value of a type, for the generated docs.
    pub(super) fn example_value(&self, t: &TypeRef, indent: usize) -> String {
        match t {
            TypeRef::Primitive(p) => match p {
                Prim::String | Prim::Filter | Prim::Sort => "\"Sales\".into()".into(),
                Prim::Secret => "tableau_flows::Secret::new(\"secret\")".into(),
                Prim::Bool => "true".into(),
                Prim::U32 | Prim::U64 | Prim::I64 => "1".into(),
                Prim::DateTime => "tableau_flows::DateTime::UNIX_EPOCH".into(),
                Prim::Time => "tableau_flows::Time::MIDNIGHT".into(),
            },
            TypeRef::Id(n) => format!("{:?}.into()", example_id(&n.to_snake_case())),
            TypeRef::Enum(n) => match self.spec.ty(n) {
                Some(TypeDef::Enum(e)) => format!("{}::{}", self.user_path(n), e.variants[0].name),
                _ => unreachable!("validated"),
            },
            TypeRef::Struct(n) if !self.request_only.contains(n) => {
                // A response model (`#[non_exhaustive]`): its constructor, required fields only.
                let s = self.spec.struct_ty(n).expect("validated");
                let args: Vec<String> = s
                    .fields
                    .iter()
                    .filter(|f| f.required && !matches!(f.kind, FieldKind::List | FieldKind::Many))
                    .map(|f| match &f.ty {
                        TypeRef::Primitive(Prim::String) => format!("{:?}", example_text(&f.name)),
                        TypeRef::Id(id) => format!("{:?}", example_id(&id.to_snake_case())),
                        _ => self.example_value(&f.ty, indent + 1),
                    })
                    .collect();
                format!("{}::new({})", self.user_path(n), args.join(", "))
            }
            TypeRef::Struct(n) => {
                let s = self.spec.struct_ty(n).expect("validated");
                let pad = "    ".repeat(indent + 1);
                let required: Vec<&Field> = s
                    .fields
                    .iter()
                    .filter(|f| f.required && !matches!(f.kind, FieldKind::List | FieldKind::Many))
                    .collect();
                // With nothing required, show the first thing it can say.
                let first_optional = s
                    .fields
                    .iter()
                    .find(|f| !f.required && !matches!(f.kind, FieldKind::List | FieldKind::Many));
                let shown: Vec<&Field> = if required.is_empty() {
                    first_optional.into_iter().collect()
                } else {
                    required
                };
                let mut out = format!("{} {{\n", self.user_path(n));
                for f in &shown {
                    let v = match &f.ty {
                        TypeRef::Primitive(Prim::String) => {
                            format!("{:?}.into()", example_text(&f.name))
                        }
                        _ => self.example_value(&f.ty, indent + 1),
                    };
                    let v = if f.required { v } else { format!("Some({v})") };
                    out.push_str(&format!("{pad}{}: {v},\n", f.name));
                }
                if shown.len() < s.fields.len() {
                    if self.defaultable[n] {
                        out.push_str(&format!("{pad}..Default::default()\n"));
                    } else {
                        for f in s
                            .fields
                            .iter()
                            .filter(|f| !shown.iter().any(|x| x.name == f.name))
                        {
                            let v = match f.kind {
                                FieldKind::List | FieldKind::Many => "Vec::new()",
                                _ => "None",
                            };
                            out.push_str(&format!("{pad}{}: {v},\n", f.name));
                        }
                    }
                }
                out.push_str(&format!("{}}}", "    ".repeat(indent)));
                out
            }
        }
    }
}

/// A text for a field named `name`, for examples.
fn example_text(name: &str) -> &'static str {
    match name {
        "server_address" => "db.example.com",
        "server_port" => "5432",
        "user_name" | "username" => "etl",
        "content_url" => "marketing",
        "description" => "Cleans the daily sales extract",
        "name" => "Sales Cleanup",
        _ => "example",
    }
}

/// A value a filter field takes, for examples.
fn expression_value(f: &ExprField) -> String {
    match &f.ty {
        TypeRef::Primitive(Prim::DateTime) => "2024-01-01T00:00:00Z".into(),
        TypeRef::Primitive(Prim::U32 | Prim::U64 | Prim::I64) => "1".into(),
        TypeRef::Primitive(Prim::Bool) => "true".into(),
        TypeRef::Id(_) => example_id(&f.name.to_snake_case()),
        TypeRef::Enum(_) if f.name.to_lowercase().contains("siterole") => "Creator".into(),
        _ if f.name == "name" => "Sales".into(),
        _ if f.name.ends_with("Name") => "Sales".into(),
        _ => "Sales".into(),
    }
}

/// A realistic id for a parameter or field named `name` (`flow_id`, `userId`).
fn example_id(name: &str) -> String {
    let id = match name.to_snake_case().as_str() {
        "flow_id" => "d00700fe-28a0-4ece-a7af-5543ddf38a82",
        "flow_run_id" | "run_id" => "5ab7c4e0-3f1d-4b2a-9c8e-1d0f2e3a4b5c",
        "user_id" | "owner_id" => "5a39de9c-4eb0-47a7-88f7-2e78ddd58c6b",
        "group_id" => "9de5cc1a-5bb8-4c8e-b2cd-b54e736a7b9f",
        "project_id" | "parent_project_id" => "9077e04c-ece4-11e8-aa58-df538c72f42f",
        "schedule_id" => "9a4ebbab-9ec8-487a-9b48-47fa81d6077a",
        "task_id" => "1bff10bb-57ae-43df-8774-a86d14aef432",
        "linked_task_id" => "18d267af-4c40-4d06-8234-6a08c3dea67f",
        "job_id" => "c2b4f1a7-6e3d-4f8b-a9c0-5d7e2f1b3a4c",
        "connection_id" => "5fd1c1db-572f-4ebd-94e7-a09e212bc147",
        "upload_session_id" => "12345:9f8e7d6c5b4a4f3e2d1c0b9a8f7e6d5c-0:0",
        "flow_output_step_id" | "output_step_id" => "5e4c9a74-d29a-4f62-baa5-97c443440dfc",
        _ => "3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9",
    };
    id.to_owned()
}
