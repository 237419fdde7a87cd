//! Enum and struct declarations.

use super::*;

pub(super) fn enum_decl(cx: &mut Cx, names: &Names, d: &ast::EnumDecl) -> Option<EnumType> {
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

/// The most attributes a struct may have (the generated decoder keeps one bit for each).
const MAX_ATTRIBUTES: usize = 64;

pub(super) fn struct_decl(cx: &mut Cx, names: &Names, d: &ast::StructDecl) -> Option<StructType> {
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
            _ => &[
                "as", "required", "since", "alias", "note", "doc", "nonempty",
            ],
        };
        check_mods(cx, &f.mods, allowed, &what);
        let Some(ty) = resolve_type(cx, names, &f.ty) else {
            continue;
        };
        let is_struct = matches!(ty, TypeRef::Struct(_));
        if f.mods.nonempty.is_some() && ty != TypeRef::Primitive(Prim::String) {
            cx.err(
                f.name.span(),
                format!("{what}: only a String field is `nonempty`"),
            );
        }
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
            json_key: json_key(kind, &wire),
            wire,
            item: f.mods.item.as_ref().map(LitStr::value),
            required: f.mods.required.is_some(),
            since: opt_version(cx, &f.mods.since),
            nonempty: f.mods.nonempty.is_some(),
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
    // The decoder tells a repeated attribute by a bit of a `u64` per known attribute.
    if let Some(f) = d
        .fields
        .iter()
        .filter(|f| f.kind == AstKind::Attr)
        .nth(MAX_ATTRIBUTES)
    {
        cx.err(
            f.name.span(),
            format!(
                "`{}` has more than {MAX_ATTRIBUTES} attributes, more than its decoder can track",
                d.name
            ),
        );
    }
    if d.root && text_fields > 0 {
        cx.err(
            d.name.span(),
            format!("the root document `{}` cannot have a `text` field", d.name),
        );
    }
    let mut constraints = Vec::new();
    for c in &d.constraints {
        let mut names = Vec::new();
        for f in &c.fields {
            let name = f.to_string();
            match fields.iter().find(|x| x.name == name) {
                None => cx.err(f.span(), format!("`{}` has no field `{name}`", d.name)),
                Some(x) if x.required => cx.err(
                    f.span(),
                    format!("`{name}` is required, so a constraint on it says nothing"),
                ),
                Some(_) => names.push(name),
            }
        }
        if c.fields.len() < 2 {
            cx.err(c.span, "a `one_of` or `any_of` names two fields or more");
        }
        constraints.push(Constraint {
            exactly_one: c.exactly_one,
            fields: names,
        });
    }
    let mut schema_types = Vec::new();
    for t in &d.schema {
        let name = t.value();
        if !names.schema_types.contains(&name) {
            cx.err(
                t.span(),
                format!(
                    "`{}` covers the schema type \"{name}\", which the `schema {{ types }}` block does not list",
                    d.name
                ),
            );
        }
        schema_types.push(name);
    }
    Some(StructType {
        name: d.name.to_string(),
        doc: d.doc.value(),
        root: d.root,
        schema_types,
        constraints,
        fields,
    })
}
