//! The syntax tree of a spec file, as written, with spans. See `spec/README.md` for the grammar.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitFloat, LitInt, LitStr, Token, braced, bracketed};

pub(crate) mod kw {
    syn::custom_keyword!(api);
    syn::custom_keyword!(erratum);
    syn::custom_keyword!(deviation);
    syn::custom_keyword!(error_codes);
    syn::custom_keyword!(id);
    syn::custom_keyword!(endpoint);
    syn::custom_keyword!(root);
    syn::custom_keyword!(attr);
    syn::custom_keyword!(elem);
    syn::custom_keyword!(list);
    syn::custom_keyword!(many);
    syn::custom_keyword!(text);
    syn::custom_keyword!(wrap);
    syn::custom_keyword!(item);
    syn::custom_keyword!(alias);
    syn::custom_keyword!(note);
    syn::custom_keyword!(since);
    syn::custom_keyword!(required);
    syn::custom_keyword!(was);
    syn::custom_keyword!(before);
    syn::custom_keyword!(dropped);
    syn::custom_keyword!(repaired);
    syn::custom_keyword!(range);
    syn::custom_keyword!(default);
    syn::custom_keyword!(fields);
    syn::custom_keyword!(session);
    syn::custom_keyword!(page_name);
    syn::custom_keyword!(xml);
    syn::custom_keyword!(multipart);
    syn::custom_keyword!(file);
    syn::custom_keyword!(none);
    syn::custom_keyword!(empty);
    syn::custom_keyword!(binary);
}

/// A version literal such as `3.24`.
#[derive(Debug, Clone)]
pub struct Version {
    pub text: String,
    pub span: Span,
}

impl Parse for Version {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let (mut text, span) = if input.peek(LitFloat) {
            let lit: LitFloat = input.parse()?;
            (lit.token().to_string(), lit.span())
        } else if input.peek(LitInt) {
            let lit: LitInt = input.parse()?;
            (lit.token().to_string(), lit.span())
        } else {
            return Err(input.error("expected a version such as `3.24`"));
        };
        // `3.3.1` tokenizes as `3.3` `.` `1`: keep it whole so validation reports it as malformed.
        while input.peek(Token![.]) && !input.peek(Token![..]) {
            input.parse::<Token![.]>()?;
            text.push('.');
            if input.peek(LitInt) {
                text.push_str(&input.parse::<LitInt>()?.token().to_string());
            }
        }
        Ok(Version { text, span })
    }
}

/// A whole spec file.
pub struct File {
    pub items: Vec<Item>,
}

pub enum Item {
    Api(ApiDecl),
    Note(NoteDecl),
    ErrorCodes(Vec<CodeDecl>),
    Id(IdDecl),
    Enum(EnumDecl),
    Struct(StructDecl),
    Endpoint(EndpointDecl),
}

pub struct ApiDecl {
    pub span: Span,
    pub entries: Vec<Entry>,
}

pub struct NoteDecl {
    pub server: bool,
    pub name: Ident,
    pub text: LitStr,
}

pub struct CodeDecl {
    pub code: LitInt,
    pub name: Ident,
    pub summary: LitStr,
}

pub struct IdDecl {
    pub name: Ident,
    pub doc: LitStr,
}

pub struct EnumDecl {
    pub name: Ident,
    pub doc: LitStr,
    pub variants: Vec<VariantDecl>,
}

pub struct VariantDecl {
    pub name: Ident,
    pub wire: Option<LitStr>,
    pub mods: Modifiers,
}

pub struct StructDecl {
    pub name: Ident,
    pub doc: LitStr,
    pub root: bool,
    pub fields: Vec<FieldDecl>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Attr,
    Elem,
    List,
    Many,
    Text,
    /// A path or query parameter (no keyword).
    Param,
}

pub struct FieldDecl {
    pub kind: FieldKind,
    pub kind_span: Span,
    pub name: Ident,
    /// `list T` in a query parameter.
    pub list: bool,
    pub ty: Ident,
    pub mods: Modifiers,
}

/// Modifiers after a field's type, an enum variant or an error row.
#[derive(Default)]
pub struct Modifiers {
    pub wire: Option<LitStr>,
    pub required: Option<Span>,
    pub since: Option<Version>,
    pub dropped: Option<Version>,
    pub aliases: Vec<LitStr>,
    pub notes: Vec<Ident>,
    pub wrap: Option<LitStr>,
    pub item: Option<LitStr>,
    pub range: Option<(LitInt, LitInt)>,
    pub default: Option<LitStr>,
    pub fields: Option<Vec<LitStr>>,
    pub session: Option<Span>,
    pub page_name: Option<LitStr>,
    pub was: Option<(LitStr, LitStr, Version)>,
    pub repaired: Option<(Ident, LitStr)>,
    pub doc: Option<LitStr>,
    /// Modifiers given twice: (name, span of the second).
    pub duplicates: Vec<(&'static str, Span)>,
}

pub struct EndpointDecl {
    pub name: Ident,
    pub entries: Vec<Entry>,
}

/// `key: value` inside `api { }` or `endpoint { }`.
pub struct Entry {
    pub key: Ident,
    pub value: Value,
}

pub enum Value {
    Str(LitStr, Box<Modifiers>),
    Version(Version),
    Ident(Ident),
    Bool(LitBool),
    Idents(Vec<Ident>),
    Forms(Vec<(LitStr, Modifiers)>),
    Fields(Vec<FieldDecl>),
    Errors(Vec<ErrorRow>),
    Request(RequestDecl),
    Response(ResponseDecl),
}

pub enum RequestDecl {
    None,
    Empty,
    Xml(Ident),
    Multipart(Ident, LitStr),
}

pub struct ResponseDecl {
    pub status: LitInt,
    pub body: ResponseBody,
}

pub enum ResponseBody {
    None,
    Binary,
    Xml(Ident),
}

pub struct ErrorRow {
    pub status: LitInt,
    pub code: LitInt,
    pub summary: LitStr,
    pub condition: LitStr,
    pub mods: Modifiers,
}

impl Parse for File {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut items = Vec::new();
        while !input.is_empty() {
            items.push(input.parse()?);
        }
        Ok(File { items })
    }
}

fn end_item(input: ParseStream) -> syn::Result<()> {
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
    }
    Ok(())
}

fn optional_comma(input: ParseStream) -> syn::Result<()> {
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    } else if !input.is_empty() {
        return Err(input.error("expected `,` between entries"));
    }
    Ok(())
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let la = input.lookahead1();
        if la.peek(kw::api) {
            let k: kw::api = input.parse()?;
            let content;
            braced!(content in input);
            let entries = parse_entries(&content)?;
            end_item(input)?;
            Ok(Item::Api(ApiDecl {
                span: k.span,
                entries,
            }))
        } else if la.peek(kw::erratum) || la.peek(kw::deviation) {
            let server = input.peek(kw::deviation);
            if server {
                input.parse::<kw::deviation>()?;
            } else {
                input.parse::<kw::erratum>()?;
            }
            let name = input.parse()?;
            let text = input.parse()?;
            input.parse::<Token![;]>()?;
            Ok(Item::Note(NoteDecl { server, name, text }))
        } else if la.peek(kw::error_codes) {
            input.parse::<kw::error_codes>()?;
            let content;
            braced!(content in input);
            let mut codes = Vec::new();
            while !content.is_empty() {
                codes.push(CodeDecl {
                    code: content.parse()?,
                    name: content.parse()?,
                    summary: content.parse()?,
                });
                optional_comma(&content)?;
            }
            end_item(input)?;
            Ok(Item::ErrorCodes(codes))
        } else if la.peek(kw::id) {
            input.parse::<kw::id>()?;
            let name = input.parse()?;
            let doc = input.parse()?;
            input.parse::<Token![;]>()?;
            Ok(Item::Id(IdDecl { name, doc }))
        } else if la.peek(Token![enum]) {
            input.parse::<Token![enum]>()?;
            let name = input.parse()?;
            let doc = input.parse()?;
            let content;
            braced!(content in input);
            let mut variants = Vec::new();
            while !content.is_empty() {
                let name = content.parse()?;
                let wire = if content.peek(Token![=]) {
                    content.parse::<Token![=]>()?;
                    Some(content.parse()?)
                } else {
                    None
                };
                let mods = parse_modifiers(&content)?;
                variants.push(VariantDecl { name, wire, mods });
                optional_comma(&content)?;
            }
            end_item(input)?;
            Ok(Item::Enum(EnumDecl {
                name,
                doc,
                variants,
            }))
        } else if la.peek(Token![struct]) {
            input.parse::<Token![struct]>()?;
            let name = input.parse()?;
            let doc = input.parse()?;
            let root = if input.peek(kw::root) {
                input.parse::<kw::root>()?;
                true
            } else {
                false
            };
            let content;
            braced!(content in input);
            let fields = parse_fields(&content, false)?;
            end_item(input)?;
            Ok(Item::Struct(StructDecl {
                name,
                doc,
                root,
                fields,
            }))
        } else if la.peek(kw::endpoint) {
            input.parse::<kw::endpoint>()?;
            let name = input.parse()?;
            let content;
            braced!(content in input);
            let entries = parse_entries(&content)?;
            end_item(input)?;
            Ok(Item::Endpoint(EndpointDecl { name, entries }))
        } else {
            Err(la.error())
        }
    }
}

fn parse_fields(input: ParseStream, params: bool) -> syn::Result<Vec<FieldDecl>> {
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

fn parse_modifiers(input: ParseStream) -> syn::Result<Modifiers> {
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
            bracketed!(content in input);
            let mut names = Vec::new();
            while !content.is_empty() {
                names.push(content.parse()?);
                optional_comma(&content)?;
            }
            set(&mut m.fields, names, "fields", span, &mut m.duplicates);
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

fn parse_entries(input: ParseStream) -> syn::Result<Vec<Entry>> {
    let mut entries = Vec::new();
    while !input.is_empty() {
        let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        let name = key.to_string();
        let braced_block = matches!(name.as_str(), "path_params" | "query" | "errors");
        if !braced_block || input.peek(Token![:]) {
            input.parse::<Token![:]>()?;
        }
        let value = match name.as_str() {
            "path_params" | "query" => {
                let content;
                braced!(content in input);
                Value::Fields(parse_fields(&content, true)?)
            }
            "errors" => {
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
                    RequestDecl::Xml(input.parse()?)
                } else if la.peek(kw::multipart) {
                    input.parse::<kw::multipart>()?;
                    let ty = input.parse()?;
                    input.parse::<kw::file>()?;
                    RequestDecl::Multipart(ty, input.parse()?)
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
                    ResponseBody::Binary
                } else if la.peek(kw::xml) {
                    input.parse::<kw::xml>()?;
                    ResponseBody::Xml(input.parse()?)
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
