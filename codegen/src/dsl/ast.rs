//! The syntax tree of a spec file, as written, with spans. See `spec/README.md` for the grammar.

use super::entries::parse_entries;
use super::modifiers::{optional_comma, parse_fields, parse_modifiers};
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
    syn::custom_keyword!(json);
    syn::custom_keyword!(http);
    syn::custom_keyword!(invalid);
    syn::custom_keyword!(above);
    syn::custom_keyword!(schema);
    syn::custom_keyword!(left_out);
    syn::custom_keyword!(types);
    syn::custom_keyword!(optional);
    syn::custom_keyword!(nonempty);
    syn::custom_keyword!(one_of);
    syn::custom_keyword!(any_of);
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
    Schema(SchemaDecl),
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
    /// `schema "flowType"` or `schema ["a", "b"]`: the official schema's types it covers.
    pub schema: Vec<LitStr>,
    /// `one_of [a, b]` / `any_of [a, b]`: exactly one, or at least one, of these fields.
    pub constraints: Vec<ConstraintDecl>,
    pub fields: Vec<FieldDecl>,
}

/// `one_of [a, b]` or `any_of [a, b]` after a struct's name and doc.
pub struct ConstraintDecl {
    /// `true` for `one_of` (exactly one), `false` for `any_of` (at least one).
    pub exactly_one: bool,
    pub span: Span,
    pub fields: Vec<Ident>,
}

/// `schema { types: [...], left_out { type.member "reason", ... } }`.
pub struct SchemaDecl {
    pub span: Span,
    pub types: Vec<LitStr>,
    pub left_out: Vec<LeftOutDecl>,
}

/// A member of a schema type the spec leaves out, and why.
pub struct LeftOutDecl {
    pub ty: Ident,
    pub member: Ident,
    pub reason: LitStr,
}

/// A field a filter or sort expression may name: `name: Type [ops] modifiers`.
pub struct ExprFieldDecl {
    pub name: Ident,
    pub ty: Ident,
    pub operators: Vec<Ident>,
    pub mods: Modifiers,
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
    pub fields: Option<(Span, Vec<ExprFieldDecl>)>,
    pub deviation: Option<Ident>,
    pub http: Option<LitInt>,
    pub invalid: Option<LitInt>,
    pub above: Option<LitInt>,
    pub nonempty: Option<Span>,
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
    /// `xml TYPE [optional]`: optional when the body may be left out.
    Xml(Ident, bool),
    /// `multipart TYPE file "part" [required]`.
    Multipart(Ident, LitStr, bool),
}

pub struct ResponseDecl {
    pub status: LitInt,
    pub body: ResponseBody,
}

pub enum ResponseBody {
    None,
    /// A file, with the `Content-Type` of each file type: `binary ["tfl" "application/xml", ..]`.
    Binary(Vec<(LitStr, LitStr)>),
    Xml(Ident),
    /// `json "what it is"`: a JSON document the spec's structs do not describe (the flow
    /// document of the experimental Get Flow Document), passed on as it is.
    Json(LitStr),
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
            let mut schema = Vec::new();
            let mut constraints = Vec::new();
            while input.peek(kw::one_of) || input.peek(kw::any_of) {
                let span = input.span();
                let exactly_one = input.peek(kw::one_of);
                if exactly_one {
                    input.parse::<kw::one_of>()?;
                } else {
                    input.parse::<kw::any_of>()?;
                }
                let list;
                bracketed!(list in input);
                let mut fields = Vec::new();
                while !list.is_empty() {
                    fields.push(list.call(syn::ext::IdentExt::parse_any)?);
                    optional_comma(&list)?;
                }
                constraints.push(ConstraintDecl {
                    exactly_one,
                    span,
                    fields,
                });
            }
            if input.peek(kw::schema) {
                input.parse::<kw::schema>()?;
                if input.peek(LitStr) {
                    schema.push(input.parse()?);
                } else {
                    let content;
                    bracketed!(content in input);
                    while !content.is_empty() {
                        schema.push(content.parse()?);
                        optional_comma(&content)?;
                    }
                }
            }
            let content;
            braced!(content in input);
            let fields = parse_fields(&content, false)?;
            end_item(input)?;
            Ok(Item::Struct(StructDecl {
                name,
                doc,
                root,
                schema,
                constraints,
                fields,
            }))
        } else if la.peek(kw::schema) {
            let k: kw::schema = input.parse()?;
            let content;
            braced!(content in input);
            let mut types = Vec::new();
            let mut left_out = Vec::new();
            while !content.is_empty() {
                let la = content.lookahead1();
                if la.peek(kw::types) {
                    content.parse::<kw::types>()?;
                    content.parse::<Token![:]>()?;
                    let list;
                    bracketed!(list in content);
                    while !list.is_empty() {
                        types.push(list.parse()?);
                        optional_comma(&list)?;
                    }
                } else if la.peek(kw::left_out) {
                    content.parse::<kw::left_out>()?;
                    let block;
                    braced!(block in content);
                    while !block.is_empty() {
                        let ty = block.parse()?;
                        block.parse::<Token![.]>()?;
                        let member = block.call(syn::ext::IdentExt::parse_any)?;
                        let reason = block.parse()?;
                        left_out.push(LeftOutDecl { ty, member, reason });
                        optional_comma(&block)?;
                    }
                } else {
                    return Err(la.error());
                }
                optional_comma(&content)?;
            }
            end_item(input)?;
            Ok(Item::Schema(SchemaDecl {
                span: k.span,
                types,
                left_out,
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
