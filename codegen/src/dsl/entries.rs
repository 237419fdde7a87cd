//! The `key: value` entries of `api { }` and `endpoint { }` blocks.

use super::ast::*;
use super::modifiers::{optional_comma, parse_fields, parse_modifiers};
use syn::parse::ParseStream;
use syn::{Ident, LitBool, LitFloat, LitInt, LitStr, Token, braced, bracketed};

pub(crate) fn parse_entries(input: ParseStream) -> syn::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    while !input.is_empty() {
        let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        let name = key.to_string();
        let braced_block = matches!(
            name.as_str(),
            "path_params" | "query" | "errors" | "auth_errors"
        );
        if !braced_block || input.peek(Token![:]) {
            input.parse::<Token![:]>()?;
        }
        let value = match name.as_str() {
            "path_params" | "query" => {
                let content;
                braced!(content in input);
                Value::Fields(parse_fields(&content, true)?)
            }
            "errors" | "auth_errors" => {
                let content;
                braced!(content in input);
                let mut rows = Vec::new();
                while !content.is_empty() {
                    let status = content.parse()?;
                    let code = content.parse()?;
                    let summary = content.parse()?;
                    let condition = content.parse()?;
                    let mods = parse_modifiers(&content)?;
                    rows.push(ErrorRow {
                        status,
                        code,
                        summary,
                        condition,
                        mods,
                    });
                    optional_comma(&content)?;
                }
                Value::Errors(rows)
            }
            "notes" => {
                let content;
                bracketed!(content in input);
                let mut ids = Vec::new();
                while !content.is_empty() {
                    ids.push(content.parse()?);
                    optional_comma(&content)?;
                }
                Value::Idents(ids)
            }
            "uri_forms" => {
                let content;
                bracketed!(content in input);
                let mut forms = Vec::new();
                while !content.is_empty() {
                    let s = content.parse()?;
                    let m = parse_modifiers(&content)?;
                    forms.push((s, m));
                    optional_comma(&content)?;
                }
                Value::Forms(forms)
            }
            "request" => {
                let la = input.lookahead1();
                Value::Request(if la.peek(kw::none) {
                    input.parse::<kw::none>()?;
                    RequestDecl::None
                } else if la.peek(kw::empty) {
                    input.parse::<kw::empty>()?;
                    RequestDecl::Empty
                } else if la.peek(kw::xml) {
                    input.parse::<kw::xml>()?;
                    let ty = input.parse()?;
                    let optional = input.peek(kw::optional);
                    if optional {
                        input.parse::<kw::optional>()?;
                    }
                    RequestDecl::Xml(ty, optional)
                } else if la.peek(kw::multipart) {
                    input.parse::<kw::multipart>()?;
                    let ty = input.parse()?;
                    input.parse::<kw::file>()?;
                    let part = input.parse()?;
                    let required = input.peek(kw::required);
                    if required {
                        input.parse::<kw::required>()?;
                    }
                    RequestDecl::Multipart(ty, part, required)
                } else {
                    return Err(la.error());
                })
            }
            "response" => {
                let status = input.parse()?;
                let la = input.lookahead1();
                let body = if la.peek(kw::none) {
                    input.parse::<kw::none>()?;
                    ResponseBody::None
                } else if la.peek(kw::binary) {
                    input.parse::<kw::binary>()?;
                    let mut types = Vec::new();
                    if input.peek(syn::token::Bracket) {
                        let content;
                        bracketed!(content in input);
                        while !content.is_empty() {
                            types.push((content.parse()?, content.parse()?));
                            optional_comma(&content)?;
                        }
                    }
                    ResponseBody::Binary(types)
                } else if la.peek(kw::xml) {
                    input.parse::<kw::xml>()?;
                    ResponseBody::Xml(input.parse()?)
                } else if la.peek(kw::json) {
                    input.parse::<kw::json>()?;
                    ResponseBody::Json(input.parse()?)
                } else {
                    return Err(la.error());
                };
                Value::Response(ResponseDecl { status, body })
            }
            _ => {
                if input.peek(LitStr) {
                    let s = input.parse()?;
                    Value::Str(s, Box::new(parse_modifiers(input)?))
                } else if input.peek(LitFloat) || input.peek(LitInt) {
                    Value::Version(input.parse()?)
                } else if input.peek(LitBool) {
                    Value::Bool(input.parse()?)
                } else if input.peek(Ident) {
                    Value::Ident(input.call(syn::ext::IdentExt::parse_any)?)
                } else {
                    return Err(
                        input.error("expected a string, a version, `true`/`false` or a name")
                    );
                }
            }
        };
        entries.push(Entry { key, value });
        optional_comma(input)?;
    }
    Ok(entries)
}
