//! Turns the syntax trees of all spec files into the validated [`Spec`], reporting every mistake
//! at its span.

use crate::ast::{self, Entry, FieldKind as AstKind, Item, Modifiers, Value};
use crate::diag::{Diagnostics, Loc};
use crate::ir::*;
use heck::ToLowerCamelCase;
use proc_macro2::Span;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use syn::LitStr;

/// One parsed file.
pub(crate) struct ParsedFile {
    pub name: String,
    pub file: ast::File,
}

struct Cx<'a> {
    file: &'a str,
    diags: &'a mut Diagnostics,
}

impl Cx<'_> {
    fn loc(&self, span: Span) -> Loc {
        Loc::from_span(self.file, span)
    }
    fn err(&mut self, span: Span, msg: impl Into<String>) {
        let loc = self.loc(span);
        self.diags.push(&loc, msg);
    }
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

fn version(cx: &mut Cx, v: &ast::Version) -> Option<Version> {
    let parsed = Version::parse(&v.text);
    if parsed.is_none() {
        cx.err(
            v.span,
            format!(
                "malformed version `{}`: expected MAJOR.MINOR such as `3.24`",
                v.text
            ),
        );
    }
    parsed
}

fn opt_version(cx: &mut Cx, v: &Option<ast::Version>) -> Option<Version> {
    v.as_ref().and_then(|v| version(cx, v))
}

fn is_snake(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

fn is_pascal(s: &str) -> bool {
    s.bytes().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// Checks modifiers against those allowed in a place.
fn check_mods(cx: &mut Cx, m: &Modifiers, allowed: &[&str], what: &str) {
    for (name, span) in &m.duplicates {
        cx.err(*span, format!("`{name}` given twice in {what}"));
    }
    let present: [(&str, Option<Span>); 15] = [
        ("as", m.wire.as_ref().map(|l| l.span())),
        ("required", m.required),
        ("since", m.since.as_ref().map(|v| v.span)),
        ("dropped", m.dropped.as_ref().map(|v| v.span)),
        ("alias", m.aliases.first().map(|l| l.span())),
        ("note", m.notes.first().map(|i| i.span())),
        ("wrap", m.wrap.as_ref().map(|l| l.span())),
        ("item", m.item.as_ref().map(|l| l.span())),
        ("range", m.range.as_ref().map(|r| r.0.span())),
        ("default", m.default.as_ref().map(|l| l.span())),
        (
            "fields",
            m.fields.as_ref().and_then(|f| f.first()).map(|l| l.span()),
        ),
        ("session", m.session),
        ("page_name", m.page_name.as_ref().map(|l| l.span())),
        ("was", m.was.as_ref().map(|w| w.0.span())),
        ("repaired", m.repaired.as_ref().map(|r| r.0.span())),
    ];
    for (name, span) in present {
        if let Some(span) = span
            && !allowed.contains(&name)
        {
            cx.err(span, format!("`{name}` is not allowed in {what}"));
        }
    }
    if let Some(doc) = &m.doc
        && !allowed.contains(&"doc")
    {
        cx.err(doc.span(), format!("a doc string is not allowed in {what}"));
    }
}

struct Names {
    notes: HashMap<String, Loc>,
    codes: BTreeMap<u32, ErrorCodeDef>,
    types: HashMap<String, (TypeKindTag, Loc)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TypeKindTag {
    Id,
    Enum,
    Struct { root: bool },
}

fn notes(cx: &mut Cx, names: &Names, ids: &[syn::Ident]) -> Vec<String> {
    let mut out = Vec::new();
    for id in ids {
        let s = id.to_string();
        if !names.notes.contains_key(&s) {
            cx.err(
                id.span(),
                format!("unknown erratum or deviation `{s}` (declare it in errata.tfspec)"),
            );
        }
        out.push(s);
    }
    out
}

fn resolve_type(cx: &mut Cx, names: &Names, ty: &syn::Ident) -> Option<TypeRef> {
    let s = ty.to_string();
    if let Some(p) = Prim::from_name(&s) {
        return Some(TypeRef::Primitive(p));
    }
    match names.types.get(&s) {
        Some((TypeKindTag::Id, _)) => Some(TypeRef::Id(s)),
        Some((TypeKindTag::Enum, _)) => Some(TypeRef::Enum(s)),
        Some((TypeKindTag::Struct { .. }, _)) => Some(TypeRef::Struct(s)),
        None => {
            cx.err(ty.span(), format!("unknown type `{s}`"));
            None
        }
    }
}

/// Validates all files into a spec. `spec_dir` is used to read example files.
pub(crate) fn validate(files: &[ParsedFile], spec_dir: &Path) -> Result<Spec, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut names = Names {
        notes: HashMap::new(),
        codes: BTreeMap::new(),
        types: HashMap::new(),
    };
    let mut api: Option<(Api, Loc)> = None;
    let mut note_list = Vec::new();
    let mut code_locs: HashMap<u32, Loc> = HashMap::new();
    let mut code_names: HashMap<String, Loc> = HashMap::new();

    // Pass 1: declarations.
    for pf in files {
        let mut cx = Cx {
            file: &pf.name,
            diags: &mut diags,
        };
        for item in &pf.file.items {
            match item {
                Item::Api(a) => {
                    let loc = cx.loc(a.span);
                    if let Some((_, first)) = &api {
                        let msg = format!("`api` declared twice (first at {first})");
                        cx.err(a.span, msg);
                        continue;
                    }
                    if let Some(parsed) = api_decl(&mut cx, a) {
                        api = Some((parsed, loc));
                    }
                }
                Item::Note(n) => {
                    let id = n.name.to_string();
                    let prefix = if n.server { 'S' } else { 'E' };
                    if !id.starts_with(prefix) || id[1..].parse::<u32>().is_err() {
                        cx.err(
                            n.name.span(),
                            format!(
                                "{} ids are `{prefix}` followed by a number, as in KNOWN-DEVIATIONS.md",
                                if n.server { "deviation" } else { "erratum" }
                            ),
                        );
                    }
                    if let Some(first) = names.notes.get(&id) {
                        let msg =
                            format!("duplicate erratum or deviation `{id}` (first at {first})");
                        cx.err(n.name.span(), msg);
                        continue;
                    }
                    names.notes.insert(id.clone(), cx.loc(n.name.span()));
                    note_list.push(Note {
                        id,
                        kind: if n.server { "deviation" } else { "erratum" },
                        text: n.text.value(),
                    });
                }
                Item::ErrorCodes(codes) => {
                    for c in codes {
                        let Ok(code) = c.code.base10_parse::<u32>() else {
                            cx.err(c.code.span(), "an error code is a six-digit number");
                            continue;
                        };
                        if !(100_000..=599_999).contains(&code) {
                            cx.err(
                                c.code.span(),
                                format!("error code {code} is not six digits starting with an HTTP status"),
                            );
                            continue;
                        }
                        if let Some(first) = code_locs.get(&code) {
                            let msg = format!("duplicate error code {code} (first at {first})");
                            cx.err(c.code.span(), msg);
                            continue;
                        }
                        let name = c.name.to_string();
                        if !is_pascal(&name) {
                            cx.err(
                                c.name.span(),
                                format!("error code names are PascalCase, not `{name}`"),
                            );
                        }
                        if let Some(first) = code_names.get(&name) {
                            let msg =
                                format!("error code name `{name}` is already used (at {first})");
                            cx.err(c.name.span(), msg);
                        }
                        code_names.insert(name.clone(), cx.loc(c.name.span()));
                        code_locs.insert(code, cx.loc(c.code.span()));
                        names.codes.insert(
                            code,
                            ErrorCodeDef {
                                code,
                                status: (code / 1000) as u16,
                                name,
                                summary: c.summary.value(),
                            },
                        );
                    }
                }
                Item::Id(d) => declare_type(&mut cx, &mut names, &d.name, TypeKindTag::Id),
                Item::Enum(d) => declare_type(&mut cx, &mut names, &d.name, TypeKindTag::Enum),
                Item::Struct(d) => declare_type(
                    &mut cx,
                    &mut names,
                    &d.name,
                    TypeKindTag::Struct { root: d.root },
                ),
                Item::Endpoint(_) => {}
            }
        }
    }

    // Pass 2: types and endpoints.
    let mut types = Vec::new();
    let mut endpoints: Vec<Endpoint> = Vec::new();
    let mut endpoint_locs: HashMap<String, Loc> = HashMap::new();
    for pf in files {
        let mut cx = Cx {
            file: &pf.name,
            diags: &mut diags,
        };
        let group = pf
            .name
            .rsplit('/')
            .next()
            .unwrap_or(&pf.name)
            .trim_end_matches(".tfspec")
            .to_owned();
        for item in &pf.file.items {
            match item {
                Item::Id(d) => {
                    check_type_name(&mut cx, &d.name);
                    types.push(TypeDef::Id(IdType {
                        name: d.name.to_string(),
                        doc: d.doc.value(),
                    }))
                }
                Item::Enum(d) => {
                    if let Some(e) = enum_decl(&mut cx, &names, d) {
                        types.push(TypeDef::Enum(e));
                    }
                }
                Item::Struct(d) => {
                    if let Some(s) = struct_decl(&mut cx, &names, d) {
                        types.push(TypeDef::Struct(s));
                    }
                }
                Item::Endpoint(d) => {
                    let id = d.name.to_string();
                    if let Some(first) = endpoint_locs.get(&id) {
                        let msg = format!("duplicate endpoint `{id}` (first at {first})");
                        cx.err(d.name.span(), msg);
                        continue;
                    }
                    endpoint_locs.insert(id, cx.loc(d.name.span()));
                    if let Some(e) = endpoint_decl(&mut cx, &names, d, &group, spec_dir) {
                        endpoints.push(e);
                    }
                }
                _ => {}
            }
        }
    }

    let api = match api {
        Some((a, _)) => Some(a),
        None => {
            let loc = Loc {
                file: files
                    .first()
                    .map(|f| f.name.clone())
                    .unwrap_or_else(|| "spec".into()),
                line: 1,
                col: 1,
            };
            diags.push(&loc, "the spec has no `api { ... }` declaration");
            None
        }
    };

    // Every version must be within the api's range.
    if let Some(api) = &api {
        for e in &endpoints {
            if e.since > api.newest {
                let loc = endpoint_locs[&e.id].clone();
                diags.push(
                    &loc,
                    format!(
                        "endpoint `{}` appears in {} but the spec's newest version is {}",
                        e.id, e.since, api.newest
                    ),
                );
            }
        }
    }

    if !diags.is_empty() {
        diags.sort();
        return Err(diags);
    }
    Ok(Spec {
        api: api.expect("checked above"),
        notes: note_list,
        error_codes: names.codes.into_values().collect(),
        types,
        endpoints,
    })
}

fn check_type_name(cx: &mut Cx, name: &syn::Ident) {
    let s = name.to_string();
    if !is_pascal(&s) {
        cx.err(name.span(), format!("type names are PascalCase, not `{s}`"));
    }
}

fn declare_type(cx: &mut Cx, names: &mut Names, name: &syn::Ident, tag: TypeKindTag) {
    let s = name.to_string();
    if Prim::from_name(&s).is_some() {
        cx.err(
            name.span(),
            format!("`{s}` is a primitive type and cannot be redeclared"),
        );
        return;
    }
    if let Some((_, first)) = names.types.get(&s) {
        let msg = format!("duplicate type `{s}` (first at {first})");
        cx.err(name.span(), msg);
        return;
    }
    names.types.insert(s, (tag, cx.loc(name.span())));
}

fn api_decl(cx: &mut Cx, a: &ast::ApiDecl) -> Option<Api> {
    let mut e = Entries::new(cx, &a.entries, "`api`");
    let oldest = e.version(cx, "oldest");
    let newest = e.version(cx, "newest");
    let namespace = e.string(cx, "namespace");
    let legacy = e.string(cx, "legacy_namespace");
    e.finish(
        cx,
        a.span,
        "`api`",
        &["oldest", "newest", "namespace", "legacy_namespace"],
    );
    let (oldest, newest, namespace, legacy_namespace) = (oldest?, newest?, namespace?, legacy?);
    if oldest > newest {
        cx.err(
            a.span,
            format!("`oldest` ({oldest}) is newer than `newest` ({newest})"),
        );
    }
    Some(Api {
        oldest,
        newest,
        namespace,
        legacy_namespace,
    })
}

fn enum_decl(cx: &mut Cx, names: &Names, d: &ast::EnumDecl) -> Option<EnumType> {
    check_type_name(cx, &d.name);
    let mut variants: Vec<Variant> = Vec::new();
    let mut seen: HashMap<String, Span> = HashMap::new();
    let mut wires: HashMap<String, Span> = HashMap::new();
    if d.variants.is_empty() {
        cx.err(d.name.span(), format!("enum `{}` has no values", d.name));
    }
    for v in &d.variants {
        let name = v.name.to_string();
        check_mods(cx, &v.mods, &["since", "note", "doc"], "an enum value");
        if !is_pascal(&name) || name == "Unknown" {
            cx.err(
                v.name.span(),
                format!(
                    "enum values are PascalCase and not `Unknown` (the fallback), not `{name}`"
                ),
            );
        }
        if seen.insert(name.clone(), v.name.span()).is_some() {
            cx.err(
                v.name.span(),
                format!("duplicate value `{name}` in enum `{}`", d.name),
            );
            continue;
        }
        let wire = v
            .wire
            .as_ref()
            .map(LitStr::value)
            .unwrap_or_else(|| name.clone());
        if wires.insert(wire.clone(), v.name.span()).is_some() {
            cx.err(
                v.name.span(),
                format!("duplicate wire value \"{wire}\" in enum `{}`", d.name),
            );
        }
        variants.push(Variant {
            name,
            wire,
            since: opt_version(cx, &v.mods.since),
            notes: notes(cx, names, &v.mods.notes),
            doc: v.mods.doc.as_ref().map(LitStr::value).unwrap_or_default(),
        });
    }
    Some(EnumType {
        name: d.name.to_string(),
        doc: d.doc.value(),
        variants,
    })
}

fn struct_decl(cx: &mut Cx, names: &Names, d: &ast::StructDecl) -> Option<StructType> {
    check_type_name(cx, &d.name);
    let mut fields: Vec<Field> = Vec::new();
    let mut seen: HashMap<String, Span> = HashMap::new();
    let mut wires: HashMap<(bool, String), Span> = HashMap::new();
    let mut text_fields = 0;
    for f in &d.fields {
        let name = f.name.to_string();
        let what = format!("field `{name}` of `{}`", d.name);
        if !is_snake(&name) {
            cx.err(
                f.name.span(),
                format!("field names are snake_case, not `{name}`"),
            );
        }
        if RUST_KEYWORDS.contains(&name.as_str()) {
            cx.err(
                f.name.span(),
                format!("`{name}` is a Rust keyword; name the field otherwise and give its wire name with `as \"{name}\"`"),
            );
        }
        if seen.insert(name.clone(), f.name.span()).is_some() {
            cx.err(
                f.name.span(),
                format!("duplicate field `{name}` in `{}`", d.name),
            );
            continue;
        }
        let kind = match f.kind {
            AstKind::Attr => FieldKind::Attr,
            AstKind::Elem => FieldKind::Elem,
            AstKind::List => FieldKind::List,
            AstKind::Many => FieldKind::Many,
            AstKind::Text => FieldKind::Text,
            AstKind::Param => unreachable!("struct fields always have a kind"),
        };
        let allowed: &[&str] = match kind {
            FieldKind::List => &["as", "wrap", "item", "since", "alias", "note", "doc"],
            FieldKind::Text => &["since", "note", "doc"],
            _ => &["as", "required", "since", "alias", "note", "doc"],
        };
        check_mods(cx, &f.mods, allowed, &what);
        let Some(ty) = resolve_type(cx, names, &f.ty) else {
            continue;
        };
        let is_struct = matches!(ty, TypeRef::Struct(_));
        match kind {
            FieldKind::Attr | FieldKind::Text if is_struct => {
                cx.err(
                    f.ty.span(),
                    format!(
                        "{what}: an attribute or text holds a value, not the element type `{}`",
                        f.ty
                    ),
                );
            }
            _ => {}
        }
        if let TypeRef::Struct(s) = &ty
            && matches!(
                names.types.get(s),
                Some((TypeKindTag::Struct { root: true }, _))
            )
        {
            cx.err(
                f.ty.span(),
                format!("{what}: `{s}` is a root document and cannot be nested"),
            );
        }
        if let TypeRef::Primitive(p @ (Prim::Filter | Prim::Sort)) = ty {
            cx.err(
                f.ty.span(),
                format!("{what}: `{p:?}` is only for query parameters"),
            );
        }
        if kind == FieldKind::Text {
            text_fields += 1;
            if text_fields > 1 {
                cx.err(
                    f.kind_span,
                    format!("`{}` has more than one `text` field", d.name),
                );
            }
        }
        let wire = match (&f.mods.wire, &f.mods.wrap) {
            (Some(w), _) | (None, Some(w)) => w.value(),
            _ => name.to_lower_camel_case(),
        };
        if kind == FieldKind::List && f.mods.item.is_none() {
            cx.err(
                f.name.span(),
                format!("{what}: a `list` needs `item \"elementName\"`"),
            );
        }
        if f.mods.wire.is_some() && f.mods.wrap.is_some() {
            cx.err(
                f.name.span(),
                format!("{what}: give the wrapper's name with `wrap` or `as`, not both"),
            );
        }
        if kind != FieldKind::Text {
            let key = (kind == FieldKind::Attr, wire.clone());
            if wires.insert(key, f.name.span()).is_some() {
                cx.err(
                    f.name.span(),
                    format!("{what}: the wire name \"{wire}\" is used twice"),
                );
            }
        }
        fields.push(Field {
            name,
            kind,
            ty,
            wire,
            item: f.mods.item.as_ref().map(LitStr::value),
            required: f.mods.required.is_some(),
            since: opt_version(cx, &f.mods.since),
            aliases: f.mods.aliases.iter().map(LitStr::value).collect(),
            notes: notes(cx, names, &f.mods.notes),
            doc: f.mods.doc.as_ref().map(LitStr::value).unwrap_or_default(),
        });
    }
    if text_fields > 0
        && let Some(f) = fields
            .iter()
            .find(|f| matches!(f.kind, FieldKind::Elem | FieldKind::List | FieldKind::Many))
    {
        let span = d
            .fields
            .iter()
            .find(|x| x.name == f.name)
            .map(|x| x.name.span())
            .unwrap_or(d.name.span());
        cx.err(
            span,
            format!(
                "`{}` has a `text` field, so it cannot also have child elements (`{}`)",
                d.name, f.name
            ),
        );
    }
    if d.root && text_fields > 0 {
        cx.err(
            d.name.span(),
            format!("the root document `{}` cannot have a `text` field", d.name),
        );
    }
    Some(StructType {
        name: d.name.to_string(),
        doc: d.doc.value(),
        root: d.root,
        fields,
    })
}

/// Key/value entries with duplicate, missing and unknown-key checks.
struct Entries<'a> {
    map: HashMap<String, &'a Entry>,
}

impl<'a> Entries<'a> {
    fn new(cx: &mut Cx, entries: &'a [Entry], what: &str) -> Self {
        let mut map: HashMap<String, &Entry> = HashMap::new();
        for e in entries {
            let k = e.key.to_string();
            if let Some(first) = map.get(&k) {
                let first = cx.loc(first.key.span());
                cx.err(
                    e.key.span(),
                    format!("duplicate `{k}` in {what} (first at {first})"),
                );
                continue;
            }
            map.insert(k, e);
        }
        Entries { map }
    }

    fn take(&mut self, key: &str) -> Option<&'a Entry> {
        self.map.remove(key)
    }

    fn string(&mut self, cx: &mut Cx, key: &str) -> Option<String> {
        self.str_mods(cx, key, &[]).map(|(s, _)| s)
    }

    fn str_mods(
        &mut self,
        cx: &mut Cx,
        key: &str,
        allowed: &[&str],
    ) -> Option<(String, &'a Modifiers)> {
        let e = self.take(key)?;
        match &e.value {
            Value::Str(s, m) => {
                check_mods(cx, m, allowed, &format!("`{key}`"));
                Some((s.value(), m))
            }
            _ => {
                cx.err(e.key.span(), format!("`{key}` takes a string"));
                None
            }
        }
    }

    fn version(&mut self, cx: &mut Cx, key: &str) -> Option<Version> {
        let e = self.take(key)?;
        match &e.value {
            Value::Version(v) => version(cx, v),
            _ => {
                cx.err(
                    e.key.span(),
                    format!("`{key}` takes a version such as `3.24`"),
                );
                None
            }
        }
    }

    fn ident(&mut self, cx: &mut Cx, key: &str) -> Option<syn::Ident> {
        let e = self.take(key)?;
        match &e.value {
            Value::Ident(i) => Some(i.clone()),
            _ => {
                cx.err(e.key.span(), format!("`{key}` takes a name"));
                None
            }
        }
    }

    fn finish(self, cx: &mut Cx, span: Span, what: &str, required: &[&str]) {
        let mut left: Vec<_> = self.map.into_values().collect();
        left.sort_by_key(|e| e.key.span().start());
        for e in left {
            cx.err(e.key.span(), format!("unknown key `{}` in {what}", e.key));
        }
        let _ = (span, required);
    }
}

fn missing(cx: &mut Cx, span: Span, what: &str, key: &str) {
    cx.err(span, format!("{what} is missing `{key}`"));
}

fn endpoint_decl(
    cx: &mut Cx,
    names: &Names,
    d: &ast::EndpointDecl,
    group: &str,
    spec_dir: &Path,
) -> Option<Endpoint> {
    let id = d.name.to_string();
    let what = format!("endpoint `{id}`");
    let span = d.name.span();
    if !is_snake(&id) {
        cx.err(span, format!("endpoint ids are snake_case, not `{id}`"));
    }
    let mut e = Entries::new(cx, &d.entries, &what);

    let title = e.string(cx, "title");
    let old_title = e.str_mods(cx, "old_title", &["since"]).and_then(|(t, m)| {
        let before = opt_version(cx, &m.since);
        if before.is_none() && m.since.is_none() {
            cx.err(span, format!("{what}: `old_title` needs `before VERSION`"));
        }
        before.map(|before| OldTitle { title: t, before })
    });
    let page = e
        .ident(cx, "page")
        .and_then(|p| match p.to_string().as_str() {
            "flow_methods" => Some(Page::FlowMethods),
            "support" => Some(Page::Support),
            other => {
                cx.err(
                    p.span(),
                    format!("unknown page `{other}`: expected `flow_methods` or `support`"),
                );
                None
            }
        });
    let group_decl = e.ident(cx, "group").map(|g| g.to_string());
    let method = e.ident(cx, "method").and_then(|m| {
        let s = m.to_string();
        if ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&s.as_str()) {
            Some(s)
        } else {
            cx.err(m.span(), format!("unknown HTTP method `{s}`"));
            None
        }
    });
    let path_entry = e.take("path");
    let path = match path_entry.map(|p| &p.value) {
        Some(Value::Str(s, _)) => Some((s.value(), s.span())),
        Some(_) => {
            cx.err(path_entry.unwrap().key.span(), "`path` takes a string");
            None
        }
        None => None,
    };
    let doc_path = e.str_mods(cx, "doc_path", &["note"]).map(|(p, m)| DocPath {
        path: p,
        notes: notes(cx, names, &m.notes),
    });
    let since = e.version(cx, "since");
    let description = e.string(cx, "description");
    let permissions = e.string(cx, "permissions");
    let license = e.string(cx, "license");
    let platform = e
        .str_mods(cx, "platform", &["since"])
        .map(|(t, m)| Platform {
            text: t,
            since: opt_version(cx, &m.since),
        });
    let jwt_scope = e.string(cx, "jwt_scope");
    let auth = match e.ident(cx, "auth") {
        None => true,
        Some(i) if i == "none" => false,
        Some(i) if i == "token" => true,
        Some(i) => {
            cx.err(
                i.span(),
                format!("unknown auth `{i}`: expected `none` or `token`"),
            );
            true
        }
    };
    let idempotent_entry = e.take("idempotent");
    let idempotent = match idempotent_entry.map(|x| &x.value) {
        Some(Value::Bool(b)) => Some(b.value),
        Some(_) => {
            cx.err(
                idempotent_entry.unwrap().key.span(),
                "`idempotent` takes `true` or `false`",
            );
            None
        }
        None => None,
    };
    let notes_v = match e.take("notes") {
        Some(Entry {
            value: Value::Idents(ids),
            ..
        }) => notes(cx, names, ids),
        Some(other) => {
            cx.err(other.key.span(), "`notes` takes a list such as `[E1, S4]`");
            Vec::new()
        }
        None => Vec::new(),
    };
    let path_params = match e.take("path_params") {
        Some(Entry {
            value: Value::Fields(f),
            ..
        }) => params(cx, names, f, true, &what),
        _ => Vec::new(),
    };
    let query = match e.take("query") {
        Some(Entry {
            value: Value::Fields(f),
            ..
        }) => params(cx, names, f, false, &what),
        _ => Vec::new(),
    };
    let uri_forms = match e.take("uri_forms") {
        Some(Entry {
            value: Value::Forms(forms),
            ..
        }) => forms
            .iter()
            .map(|(s, m)| {
                check_mods(cx, m, &["since", "dropped"], "a URI form");
                let text = s.value();
                let keys: Vec<String> = if text.is_empty() {
                    Vec::new()
                } else if let Some(rest) = text.strip_prefix('?') {
                    rest.split('&').map(str::to_owned).collect()
                } else {
                    cx.err(s.span(), "a URI form is \"\" or \"?key&key...\"");
                    Vec::new()
                };
                for k in &keys {
                    if !query.iter().any(|q| &q.wire == k) {
                        cx.err(
                            s.span(),
                            format!(
                                "URI form names `{k}`, which is not a query parameter of {what}"
                            ),
                        );
                    }
                }
                UriForm {
                    keys,
                    since: opt_version(cx, &m.since),
                    dropped: opt_version(cx, &m.dropped),
                }
            })
            .collect(),
        Some(other) => {
            cx.err(other.key.span(), "`uri_forms` takes a list of strings");
            Vec::new()
        }
        None => vec![UriForm {
            keys: Vec::new(),
            since: None,
            dropped: None,
        }],
    };
    let request = match e.take("request") {
        None => Some(Request::None),
        Some(Entry {
            value: Value::Request(r),
            ..
        }) => match r {
            ast::RequestDecl::None => Some(Request::None),
            ast::RequestDecl::Empty => Some(Request::Empty),
            ast::RequestDecl::Xml(t) => {
                root_type(cx, names, t, "request").map(|ty| Request::Xml { ty })
            }
            ast::RequestDecl::Multipart(t, part) => {
                root_type(cx, names, t, "request").map(|ty| Request::Multipart {
                    ty,
                    file_part: part.value(),
                })
            }
        },
        Some(other) => {
            cx.err(
                other.key.span(),
                "`request` takes none, empty, xml TYPE or multipart TYPE file \"part\"",
            );
            None
        }
    };
    let response = match e.take("response") {
        Some(Entry {
            value: Value::Response(r),
            ..
        }) => {
            let status = r
                .status
                .base10_parse::<u16>()
                .ok()
                .filter(|s| (200..300).contains(s));
            if status.is_none() {
                cx.err(r.status.span(), "a success response has a 2xx status");
            }
            let body = match &r.body {
                ast::ResponseBody::None => Some(ResponseBody::None),
                ast::ResponseBody::Binary => Some(ResponseBody::Binary),
                ast::ResponseBody::Xml(t) => {
                    root_type(cx, names, t, "response").map(ResponseBody::Xml)
                }
            };
            match (status, body) {
                (Some(status), Some(body)) => Some(Response { status, body }),
                _ => None,
            }
        }
        Some(other) => {
            cx.err(
                other.key.span(),
                "`response` takes STATUS followed by none, binary or xml TYPE",
            );
            None
        }
        None => None,
    };
    let errors_entry = e.take("errors");
    let errors = match errors_entry {
        Some(Entry {
            value: Value::Errors(rows),
            ..
        }) => error_rows(cx, names, rows),
        _ => Vec::new(),
    };
    let example = e.str_mods(cx, "example", &["repaired"]).and_then(|(p, m)| {
        let repaired = m.repaired.as_ref().map(|(n, t)| Repair {
            note: notes(cx, names, std::slice::from_ref(n)).remove(0),
            text: t.value(),
        });
        match std::fs::read_to_string(spec_dir.join(&p)) {
            Ok(text) => Some(Example {
                path: p,
                repaired,
                text,
            }),
            Err(err) => {
                let s = d
                    .entries
                    .iter()
                    .find(|x| x.key == "example")
                    .map(|x| x.key.span())
                    .unwrap_or(span);
                cx.err(s, format!("cannot read example `{p}`: {err}"));
                None
            }
        }
    });
    e.finish(cx, span, &what, &[]);

    for key in [
        "title",
        "page",
        "group",
        "method",
        "path",
        "since",
        "description",
        "response",
    ] {
        if !d.entries.iter().any(|x| x.key == key) {
            missing(cx, span, &what, key);
        }
    }
    if errors_entry.is_none() {
        missing(cx, span, &what, "errors");
    }

    if let Some(g) = &group_decl
        && g != group
    {
        cx.err(
            span,
            format!("{what} declares group `{g}` but lives in `{group}.tfspec`"),
        );
    }

    // Path placeholders and path parameters must match one to one.
    if let Some((p, pspan)) = &path {
        if !p.starts_with('/') {
            cx.err(*pspan, "a path starts with `/` (it follows /api/{version})");
        }
        let holes = placeholders(p);
        match &holes {
            Err(msg) => cx.err(*pspan, msg.clone()),
            Ok(holes) => {
                let declared: Vec<String> = d
                    .entries
                    .iter()
                    .filter(|x| x.key == "path_params")
                    .flat_map(|x| match &x.value {
                        Value::Fields(f) => f.iter().map(|f| f.name.to_string()).collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                for h in holes {
                    if !declared.contains(h) {
                        cx.err(
                            *pspan,
                            format!("path placeholder `{{{h}}}` has no path parameter in {what}"),
                        );
                    }
                }
                for pp in &path_params {
                    if !holes.contains(&pp.name) {
                        let s = d
                            .entries
                            .iter()
                            .find(|x| x.key == "path_params")
                            .map(|x| x.key.span())
                            .unwrap_or(*pspan);
                        cx.err(
                            s,
                            format!(
                                "path parameter `{}` does not appear in the path of {what}",
                                pp.name
                            ),
                        );
                    }
                }
            }
        }
    }
    let paged = query.iter().any(|q| q.wire == "pageNumber");
    if let Some(size) = query.iter().find(|q| q.wire == "pageSize")
        && paged
        && size
            .default
            .as_deref()
            .and_then(|d| d.parse::<u32>().ok())
            .is_none()
    {
        cx.err(span, format!("{what}: a paginated endpoint's pageSize states the server's default, e.g. `default \"100\"`"));
    }
    let since = since?;
    for q in path_params.iter().chain(&query) {
        if let Some(v) = q.since
            && v < since
        {
            cx.err(
                span,
                format!(
                    "{what}: parameter `{}` appears in {v}, before the endpoint ({since})",
                    q.name
                ),
            );
        }
    }
    let method = method?;
    let idempotent = idempotent.unwrap_or(method != "POST");
    Some(Endpoint {
        id,
        title: title?,
        old_title,
        page: page?,
        group: group.to_owned(),
        method,
        path: path?.0,
        doc_path,
        since,
        description: description?,
        permissions,
        license,
        platform,
        jwt_scope,
        auth,
        idempotent,
        notes: notes_v,
        path_params,
        query,
        uri_forms,
        request: request?,
        response: response?,
        errors,
        example,
    })
}

fn placeholders(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err("unclosed `{` in path".into());
        };
        let name = &after[..close];
        if !is_snake(name) {
            return Err(format!(
                "path placeholder `{{{name}}}` is not a snake_case name"
            ));
        }
        out.push(name.to_owned());
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("stray `}` in path".into());
    }
    Ok(out)
}

fn root_type(cx: &mut Cx, names: &Names, t: &syn::Ident, what: &str) -> Option<String> {
    let s = t.to_string();
    match names.types.get(&s) {
        Some((TypeKindTag::Struct { root: true }, _)) => Some(s),
        Some(_) => {
            cx.err(
                t.span(),
                format!("the {what} type `{s}` must be a `root` struct"),
            );
            None
        }
        None => {
            cx.err(t.span(), format!("unknown type `{s}`"));
            None
        }
    }
}

fn params(
    cx: &mut Cx,
    names: &Names,
    fields: &[ast::FieldDecl],
    path: bool,
    what: &str,
) -> Vec<Param> {
    let mut out: Vec<Param> = Vec::new();
    for f in fields {
        let name = f.name.to_string();
        let pwhat = format!("parameter `{name}` of {what}");
        if !is_snake(&name) || RUST_KEYWORDS.contains(&name.as_str()) {
            cx.err(
                f.name.span(),
                format!("parameter names are snake_case and not Rust keywords, not `{name}`"),
            );
        }
        if out.iter().any(|p| p.name == name) {
            cx.err(
                f.name.span(),
                format!("duplicate parameter `{name}` in {what}"),
            );
            continue;
        }
        let allowed: &[&str] = if path {
            &["session", "page_name", "note", "doc"]
        } else {
            &[
                "as", "since", "range", "default", "fields", "note", "required", "doc",
            ]
        };
        check_mods(cx, &f.mods, allowed, &pwhat);
        let Some(ty) = resolve_type(cx, names, &f.ty) else {
            continue;
        };
        if matches!(ty, TypeRef::Struct(_)) {
            cx.err(
                f.ty.span(),
                format!(
                    "{pwhat}: a parameter cannot have the element type `{}`",
                    f.ty
                ),
            );
        }
        if f.mods.session.is_some() && ty != TypeRef::Id("SiteId".into()) {
            cx.err(
                f.name.span(),
                format!("{pwhat}: only a `SiteId` comes from the session"),
            );
        }
        let range = f.mods.range.as_ref().and_then(|(lo, hi)| {
            let (Ok(l), Ok(h)) = (lo.base10_parse::<i64>(), hi.base10_parse::<i64>()) else {
                cx.err(lo.span(), "a range is `LOW..=HIGH` with integers");
                return None;
            };
            if !matches!(ty, TypeRef::Primitive(p) if p.is_integer()) {
                cx.err(
                    lo.span(),
                    format!("{pwhat}: only integer parameters take a range"),
                );
            }
            if l > h {
                cx.err(lo.span(), format!("{pwhat}: empty range {l}..={h}"));
            }
            Some((l, h))
        });
        let is_expr = matches!(ty, TypeRef::Primitive(Prim::Filter | Prim::Sort));
        if f.mods.fields.is_some() && !is_expr {
            cx.err(
                f.name.span(),
                format!("{pwhat}: only Filter and Sort parameters offer `fields`"),
            );
        }
        if is_expr && f.mods.fields.is_none() {
            cx.err(
                f.name.span(),
                format!("{pwhat}: a Filter or Sort parameter lists its `fields`"),
            );
        }
        out.push(Param {
            wire: f.mods.wire.as_ref().map(LitStr::value).unwrap_or_else(|| {
                if path {
                    name.clone()
                } else {
                    name.to_lower_camel_case()
                }
            }),
            name,
            ty,
            list: f.list,
            session: f.mods.session.is_some(),
            default: f.mods.default.as_ref().map(LitStr::value),
            range,
            since: opt_version(cx, &f.mods.since),
            fields: f.mods.fields.iter().flatten().map(LitStr::value).collect(),
            page_name: f.mods.page_name.as_ref().map(LitStr::value),
            notes: notes(cx, names, &f.mods.notes),
            doc: f.mods.doc.as_ref().map(LitStr::value).unwrap_or_default(),
        });
    }
    out
}

fn error_rows(cx: &mut Cx, names: &Names, rows: &[ast::ErrorRow]) -> Vec<ErrorRow> {
    let mut out = Vec::new();
    for r in rows {
        check_mods(
            cx,
            &r.mods,
            &["since", "dropped", "was", "note"],
            "an error row",
        );
        let (Ok(status), Ok(code)) = (r.status.base10_parse::<u16>(), r.code.base10_parse::<u32>())
        else {
            cx.err(
                r.status.span(),
                "an error row is STATUS CODE \"summary\" \"condition\"",
            );
            continue;
        };
        if code / 1000 != u32::from(status) {
            cx.err(
                r.code.span(),
                format!("error code {code} does not start with its HTTP status {status}"),
            );
            continue;
        }
        let Some(def) = names.codes.get(&code) else {
            cx.err(
                r.code.span(),
                format!("unknown error code {code} (add it to errors.tfspec)"),
            );
            continue;
        };
        let was = r.mods.was.as_ref().and_then(|(s, c, v)| {
            version(cx, v).map(|before| OldRow {
                summary: s.value(),
                condition: c.value(),
                before,
            })
        });
        out.push(ErrorRow {
            status,
            code,
            name: def.name.clone(),
            summary: r.summary.value(),
            condition: r.condition.value(),
            since: opt_version(cx, &r.mods.since),
            dropped: opt_version(cx, &r.mods.dropped),
            was,
        });
    }
    out
}
