//! Fields (of structs, and path and query parameters) and the modifiers that follow a type, an
//! enum value or an error row.

use super::ast::*;
use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{Ident, LitInt, LitStr, Token, braced, bracketed};

pub(crate) fn optional_comma(input: ParseStream) -> syn::Result<()> {
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !input.is_empty() {
        return Err(input.error("expected `,` between entries"));
    }
    Ok(())
}

pub(crate) fn parse_fields(input: ParseStream, params: bool) -> syn::Result<Vec<FieldDecl>> {
    let mut fields = Vec::new();
    while !input.is_empty() {
        let kind_span = input.span();
        let kind = if params {
            FieldKind::Param
        } else {
            let la = input.lookahead1();
            if la.peek(kw::attr) {
                input.parse::<kw::attr>()?;
                FieldKind::Attr
            } else if la.peek(kw::elem) {
                input.parse::<kw::elem>()?;
                FieldKind::Elem
            } else if la.peek(kw::list) {
                input.parse::<kw::list>()?;
                FieldKind::List
            } else if la.peek(kw::many) {
                input.parse::<kw::many>()?;
                FieldKind::Many
            } else if la.peek(kw::text) {
                input.parse::<kw::text>()?;
                FieldKind::Text
            } else {
                return Err(la.error());
            }
        };
        let name: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        input.parse::<Token![:]>()?;
        let list = if params && input.peek(kw::list) {
            input.parse::<kw::list>()?;
            true
        } else {
            false
        };
        let ty = input.parse()?;
        let mods = parse_modifiers(input)?;
        fields.push(FieldDecl {
            kind,
            kind_span,
            name,
            list,
            ty,
            mods,
        });
        optional_comma(input)?;
    }
    Ok(fields)
}

fn set<T>(
    slot: &mut Option<T>,
    value: T,
    name: &'static str,
    span: Span,
    dups: &mut Vec<(&'static str, Span)>,
) {
    if slot.is_some() {
        dups.push((name, span));
    } else {
        *slot = Some(value);
    }
}

pub(crate) fn parse_modifiers(input: ParseStream) -> syn::Result<Modifiers> {
    let mut m = Modifiers::default();
    loop {
        let span = input.span();
        if input.peek(Token![as]) {
            input.parse::<Token![as]>()?;
            let v = input.parse()?;
            set(&mut m.wire, v, "as", span, &mut m.duplicates);
        } else if input.peek(kw::required) {
            input.parse::<kw::required>()?;
            set(&mut m.required, span, "required", span, &mut m.duplicates);
        } else if input.peek(kw::since) {
            input.parse::<kw::since>()?;
            let v = input.parse()?;
            set(&mut m.since, v, "since", span, &mut m.duplicates);
        } else if input.peek(kw::dropped) {
            input.parse::<kw::dropped>()?;
            let v = input.parse()?;
            set(&mut m.dropped, v, "dropped", span, &mut m.duplicates);
        } else if input.peek(kw::alias) {
            input.parse::<kw::alias>()?;
            m.aliases.push(input.parse()?);
        } else if input.peek(kw::note) {
            input.parse::<kw::note>()?;
            m.notes.push(input.parse()?);
        } else if input.peek(kw::wrap) {
            input.parse::<kw::wrap>()?;
            let v = input.parse()?;
            set(&mut m.wrap, v, "wrap", span, &mut m.duplicates);
        } else if input.peek(kw::item) {
            input.parse::<kw::item>()?;
            let v = input.parse()?;
            set(&mut m.item, v, "item", span, &mut m.duplicates);
        } else if input.peek(kw::range) {
            input.parse::<kw::range>()?;
            let lo: LitInt = input.parse()?;
            input.parse::<Token![..=]>()?;
            let hi: LitInt = input.parse()?;
            set(&mut m.range, (lo, hi), "range", span, &mut m.duplicates);
        } else if input.peek(kw::default) {
            input.parse::<kw::default>()?;
            let v = input.parse()?;
            set(&mut m.default, v, "default", span, &mut m.duplicates);
        } else if input.peek(kw::fields) {
            input.parse::<kw::fields>()?;
            let content;
            braced!(content in input);
            let mut fields = Vec::new();
            while !content.is_empty() {
                let name = content.call(syn::ext::IdentExt::parse_any)?;
                content.parse::<Token![:]>()?;
                let ty = content.parse()?;
                let mut operators = Vec::new();
                if content.peek(syn::token::Bracket) {
                    let ops;
                    bracketed!(ops in content);
                    while !ops.is_empty() {
                        operators.push(ops.call(syn::ext::IdentExt::parse_any)?);
                        optional_comma(&ops)?;
                    }
                }
                let mods = parse_modifiers(&content)?;
                fields.push(ExprFieldDecl {
                    name,
                    ty,
                    operators,
                    mods,
                });
                optional_comma(&content)?;
            }
            set(
                &mut m.fields,
                (span, fields),
                "fields",
                span,
                &mut m.duplicates,
            );
        } else if input.peek(kw::nonempty) {
            input.parse::<kw::nonempty>()?;
            set(&mut m.nonempty, span, "nonempty", span, &mut m.duplicates);
        } else if input.peek(kw::deviation) {
            input.parse::<kw::deviation>()?;
            let v = input.parse()?;
            set(&mut m.deviation, v, "deviation", span, &mut m.duplicates);
        } else if input.peek(kw::http) {
            input.parse::<kw::http>()?;
            let v = input.parse()?;
            set(&mut m.http, v, "http", span, &mut m.duplicates);
        } else if input.peek(kw::invalid) {
            input.parse::<kw::invalid>()?;
            let v = input.parse()?;
            set(&mut m.invalid, v, "invalid", span, &mut m.duplicates);
        } else if input.peek(kw::above) {
            input.parse::<kw::above>()?;
            let v = input.parse()?;
            set(&mut m.above, v, "above", span, &mut m.duplicates);
        } else if input.peek(kw::session) {
            input.parse::<kw::session>()?;
            set(&mut m.session, span, "session", span, &mut m.duplicates);
        } else if input.peek(kw::page_name) {
            input.parse::<kw::page_name>()?;
            let v = input.parse()?;
            set(&mut m.page_name, v, "page_name", span, &mut m.duplicates);
        } else if input.peek(kw::was) {
            input.parse::<kw::was>()?;
            let summary = input.parse()?;
            let condition = input.parse()?;
            input.parse::<kw::before>()?;
            let v = input.parse()?;
            set(
                &mut m.was,
                (summary, condition, v),
                "was",
                span,
                &mut m.duplicates,
            );
        } else if input.peek(kw::before) {
            input.parse::<kw::before>()?;
            let v = input.parse()?;
            // `before` alone (after an old title) is stored as `since`: the new state starts there.
            set(&mut m.since, v, "before", span, &mut m.duplicates);
        } else if input.peek(kw::repaired) {
            input.parse::<kw::repaired>()?;
            let note = input.parse()?;
            let text = input.parse()?;
            set(
                &mut m.repaired,
                (note, text),
                "repaired",
                span,
                &mut m.duplicates,
            );
        } else if input.peek(LitStr) {
            let doc: LitStr = input.parse()?;
            set(&mut m.doc, doc, "doc string", span, &mut m.duplicates);
        } else {
            break;
        }
    }
    Ok(m)
}
