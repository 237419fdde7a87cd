//! Turns the syntax trees of all spec files into the validated [`Spec`], reporting every mistake
//! at its span.

use crate::dsl::ast::{self, Entry, FieldKind as AstKind, Item, Modifiers, Value};
use crate::dsl::diag::{Diagnostics, Loc};
use crate::ir::*;
use heck::ToLowerCamelCase;
use proc_macro2::Span;
use std::collections::{BTreeMap, HashMap};
use syn::LitStr;

mod endpoint;
mod entries;
mod params;
mod types;

use endpoint::*;
use entries::*;
use params::*;
use types::*;

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
    let present: [(&str, Option<Span>); 20] = [
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
        ("fields", m.fields.as_ref().map(|f| f.0)),
        ("deviation", m.deviation.as_ref().map(|i| i.span())),
        ("http", m.http.as_ref().map(|l| l.span())),
        ("invalid", m.invalid.as_ref().map(|l| l.span())),
        ("above", m.above.as_ref().map(|l| l.span())),
        ("nonempty", m.nonempty),
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
    /// The schema types the `schema { }` block lists.
    schema_types: Vec<String>,
    /// The `api` block's error rows for every endpoint that needs sign-in.
    auth_errors: Vec<ErrorRow>,
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

/// Validates all files into a spec. `read` gives the text of a file the spec refers to (an
/// example), by its path relative to the spec.
pub(crate) fn validate(
    files: &[ParsedFile],
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Spec, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut names = Names {
        notes: HashMap::new(),
        codes: BTreeMap::new(),
        types: HashMap::new(),
        schema_types: Vec::new(),
        auth_errors: Vec::new(),
    };
    let mut api: Option<(Api, Loc)> = None;
    let mut api_decls: Vec<(&str, &ast::ApiDecl)> = Vec::new();
    let mut schema: Option<(SchemaCoverage, Loc)> = None;
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
                Item::Api(a) => api_decls.push((&pf.name, a)),
                Item::Schema(d) => {
                    if let Some((_, first)) = &schema {
                        let msg = format!("`schema` declared twice (first at {first})");
                        cx.err(d.span, msg);
                        continue;
                    }
                    let loc = cx.loc(d.span);
                    schema = Some((schema_decl(&mut cx, d), loc));
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

    // The api block, once the notes and codes it refers to are known.
    for (file, a) in api_decls {
        let mut cx = Cx {
            file,
            diags: &mut diags,
        };
        let loc = cx.loc(a.span);
        if let Some((_, first)) = &api {
            let msg = format!("`api` declared twice (first at {first})");
            cx.err(a.span, msg);
            continue;
        }
        if let Some(parsed) = api_decl(&mut cx, &names, a) {
            api = Some((parsed, loc));
        }
    }
    if let Some((a, _)) = &api {
        names.auth_errors = a.auth_errors.clone();
    }
    if let Some((s, _)) = &schema {
        names.schema_types = s.types.clone();
    }

    // Pass 2: types and endpoints.
    let mut types = Vec::new();
    let mut type_groups = std::collections::BTreeMap::new();
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
            if group != "types"
                && let Item::Id(ast::IdDecl { name, .. })
                | Item::Enum(ast::EnumDecl { name, .. })
                | Item::Struct(ast::StructDecl { name, .. }) = item
            {
                type_groups.insert(name.to_string(), group.clone());
            }
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
                    if let Some(e) = endpoint_decl(&mut cx, &names, d, &group, read) {
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

    // Every version must be within the api's range. An experimental endpoint has none: it is
    // there at every version the spec covers, behind its server's feature flag instead.
    if let Some(api) = &api {
        for e in endpoints.iter_mut().filter(|e| e.is_experimental()) {
            e.since = api.oldest;
        }
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

    // Two endpoints must not answer the same method and path shape (the router could not tell
    // them apart); a literal segment beats a placeholder, so those may overlap.
    let shape = |path: &str| -> Vec<String> {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.starts_with('{') {
                    "{}".to_owned()
                } else {
                    s.to_owned()
                }
            })
            .collect()
    };
    let mut routes: HashMap<(String, Vec<String>), String> = HashMap::new();
    for e in &endpoints {
        let paths = std::iter::once(&e.path).chain(e.also_path.as_ref().map(|a| &a.path));
        for p in paths {
            let mut key = (e.method.clone(), shape(p));
            // `/api/exp/...` and `/api/{version}/...` are different routes.
            key.1.insert(0, e.base().to_owned());
            if let Some(other) = routes.get(&key) {
                let loc = endpoint_locs[&e.id].clone();
                diags.push(
                    &loc,
                    format!(
                        "endpoint `{}` has the route `{} {}{p}` of endpoint `{other}`",
                        e.id,
                        e.method,
                        e.base()
                    ),
                );
            } else {
                routes.insert(key, e.id.clone());
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
        schema: schema.map(|(s, _)| s),
        type_groups,
    })
}

fn schema_decl(cx: &mut Cx, d: &ast::SchemaDecl) -> SchemaCoverage {
    let mut types: Vec<String> = Vec::new();
    for t in &d.types {
        let name = t.value();
        if types.contains(&name) {
            cx.err(t.span(), format!("schema type \"{name}\" listed twice"));
        }
        types.push(name);
    }
    let mut left_out: Vec<LeftOut> = Vec::new();
    for l in &d.left_out {
        let (ty, member) = (l.ty.to_string(), l.member.to_string());
        if !types.contains(&ty) {
            cx.err(
                l.ty.span(),
                format!("`{ty}` is not one of the schema types listed in `types`"),
            );
        }
        if left_out.iter().any(|x| x.ty == ty && x.member == member) {
            cx.err(
                l.member.span(),
                format!("`{ty}.{member}` is left out twice"),
            );
        }
        if l.reason.value().trim().is_empty() {
            cx.err(l.reason.span(), "say why the member is left out");
        }
        left_out.push(LeftOut {
            ty,
            member,
            reason: l.reason.value(),
        });
    }
    SchemaCoverage { types, left_out }
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

fn api_decl(cx: &mut Cx, names: &Names, a: &ast::ApiDecl) -> Option<Api> {
    let mut e = Entries::new(cx, &a.entries, "`api`");
    let oldest = e.version(cx, "oldest");
    let newest = e.version(cx, "newest");
    let namespace = e.string(cx, "namespace");
    let legacy = e.string(cx, "legacy_namespace");
    let auth_errors = match e.take("auth_errors") {
        Some(Entry {
            value: Value::Errors(rows),
            ..
        }) => error_rows(cx, names, rows),
        Some(other) => {
            cx.err(
                other.key.span(),
                "`auth_errors` takes a block of error rows",
            );
            Vec::new()
        }
        None => Vec::new(),
    };
    for r in &auth_errors {
        if r.deviation.is_none() {
            cx.err(
                a.span,
                format!(
                    "`auth_errors` row {} must name the `deviation` it records",
                    r.code
                ),
            );
        }
    }
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
        auth_errors,
    })
}
