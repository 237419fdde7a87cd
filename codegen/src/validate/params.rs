//! Path and query parameters, and error tables.

use super::*;

pub(super) fn params(
    cx: &mut Cx,
    names: &Names,
    fields: &[ast::FieldDecl],
    path: bool,
    what: &str,
    codes: &[u32],
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
                "as", "since", "range", "default", "fields", "note", "required", "doc", "invalid",
                "above",
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
        let is_filter = ty == TypeRef::Primitive(Prim::Filter);
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
        let fields = f
            .mods
            .fields
            .as_ref()
            .map(|(_, decls)| expr_fields(cx, names, decls, is_filter, &pwhat))
            .unwrap_or_default();
        let code = |cx: &mut Cx, key: &str, lit: &Option<syn::LitInt>| {
            lit.as_ref().and_then(|l| match l.base10_parse::<u32>() {
                Ok(c) if codes.contains(&c) => Some(c),
                Ok(c) => {
                    cx.err(
                        l.span(),
                        format!("{pwhat} answers `{key} {c}`, which the endpoint's error table does not list"),
                    );
                    None
                }
                Err(_) => {
                    cx.err(l.span(), "an error code is a six-digit number");
                    None
                }
            })
        };
        let invalid = code(cx, "invalid", &f.mods.invalid);
        if f.mods.range.is_some() && f.mods.invalid.is_none() {
            cx.err(
                f.name.span(),
                format!("{pwhat}: a parameter with a range names the code that refuses a value outside it (`invalid CODE`)"),
            );
        }
        if is_expr && f.mods.invalid.is_none() {
            // A server that ignored a bad expression would answer every item: a filter that
            // does not hold is refused with a code of the endpoint's table.
            cx.err(
                f.name.span(),
                format!("{pwhat}: a Filter or Sort parameter names the code that refuses a bad expression (`invalid CODE`)"),
            );
        }
        let above = code(cx, "above", &f.mods.above);
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
            fields,
            invalid,
            above,
            page_name: f.mods.page_name.as_ref().map(LitStr::value),
            notes: notes(cx, names, &f.mods.notes),
            doc: f.mods.doc.as_ref().map(LitStr::value).unwrap_or_default(),
        });
    }
    out
}

/// The fields of a filter (each with its operators) or a sort (no operators).
fn expr_fields(
    cx: &mut Cx,
    names: &Names,
    decls: &[ast::ExprFieldDecl],
    filter: bool,
    pwhat: &str,
) -> Vec<ExprField> {
    let mut out: Vec<ExprField> = Vec::new();
    for d in decls {
        let name = d.name.to_string();
        check_mods(
            cx,
            &d.mods,
            &["note", "doc"],
            &format!("field `{name}` of {pwhat}"),
        );
        if out.iter().any(|x| x.name == name) {
            cx.err(
                d.name.span(),
                format!("{pwhat}: field `{name}` listed twice"),
            );
            continue;
        }
        let Some(ty) = resolve_type(cx, names, &d.ty) else {
            continue;
        };
        let scalar = match &ty {
            TypeRef::Primitive(p) => !matches!(p, Prim::Filter | Prim::Sort | Prim::Secret),
            TypeRef::Id(_) | TypeRef::Enum(_) => true,
            TypeRef::Struct(_) => false,
        };
        if !scalar {
            cx.err(
                d.ty.span(),
                format!("{pwhat}: field `{name}` needs a value type, not `{}`", d.ty),
            );
        }
        if filter && d.operators.is_empty() {
            cx.err(
                d.name.span(),
                format!("{pwhat}: filter field `{name}` lists its operators, e.g. `[eq, in]`"),
            );
        }
        if !filter && !d.operators.is_empty() {
            cx.err(
                d.operators[0].span(),
                format!("{pwhat}: a sort field takes no operators"),
            );
        }
        let mut operators: Vec<String> = Vec::new();
        for op in &d.operators {
            let o = op.to_string();
            if !OPERATORS.contains(&o.as_str()) {
                cx.err(
                    op.span(),
                    format!(
                        "unknown filter operator `{o}` (known: {})",
                        OPERATORS.join(", ")
                    ),
                );
            } else if operators.contains(&o) {
                cx.err(op.span(), format!("operator `{o}` listed twice"));
            } else {
                operators.push(o);
            }
        }
        out.push(ExprField {
            name,
            ty,
            operators,
            notes: notes(cx, names, &d.mods.notes),
            doc: d.mods.doc.as_ref().map(LitStr::value).unwrap_or_default(),
        });
    }
    out
}

pub(super) fn error_rows(cx: &mut Cx, names: &Names, rows: &[ast::ErrorRow]) -> Vec<ErrorRow> {
    let mut out = Vec::new();
    for r in rows {
        check_mods(
            cx,
            &r.mods,
            &["since", "dropped", "was", "note", "deviation", "http"],
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
        let deviation = r.mods.deviation.as_ref().map(|d| {
            let id = d.to_string();
            if !id.starts_with('S') {
                cx.err(
                    d.span(),
                    format!("`deviation` names a real-server deviation (S..), not `{id}`"),
                );
            }
            notes(cx, names, std::slice::from_ref(d));
            id
        });
        let http = r.mods.http.as_ref().and_then(|h| {
            let v = h
                .base10_parse::<u16>()
                .ok()
                .filter(|v| (200..600).contains(v));
            if v.is_none() {
                cx.err(h.span(), "`http` takes an HTTP status such as 200");
            }
            v
        });
        out.push(ErrorRow {
            status,
            code,
            deviation,
            http,
            notes: notes(cx, names, &r.mods.notes),
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
