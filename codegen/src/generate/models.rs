//! The shared models: id, enum and element types with their XML decoding, encoding and version
//! requirements, the error-code registry (`ErrorCode`) and `AnyResponse`.
//!
//! A struct only requests hold stays exhaustive; every other struct is a response model,
//! `#[non_exhaustive]` with a generated `new` (the rule of [`super::request_only_models`]).

use super::{Gen, doc, md, ver};
use crate::ir::*;
use heck::ToPascalCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

impl Gen<'_> {
    pub(super) fn id_type(&self, t: &IdType) -> TokenStream {
        let name = format_ident!("{}", t.name);
        let d = doc(&t.doc);
        let new_doc = " Wraps an id as the server sends it (ids are not validated: servers and examples use ids that are not UUIDs).";
        quote! {
            #d
            #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
            pub struct #name(crate::id::IdText);

            impl serde::Serialize for #name {
                /// Writes the id as its text.
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl #name {
                #[doc = #new_doc]
                pub fn new(id: impl Into<String>) -> Self {
                    Self(crate::id::IdText::from_string(id.into()))
                }
                /// The id as text.
                pub fn as_str(&self) -> &str {
                    self.0.as_str()
                }
                /// The id as an owned string.
                pub fn into_string(self) -> String {
                    self.0.into_string()
                }
            }

            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl From<&str> for #name {
                fn from(id: &str) -> Self {
                    Self(crate::id::IdText::from_str(id))
                }
            }

            impl From<String> for #name {
                fn from(id: String) -> Self {
                    Self(crate::id::IdText::from_string(id))
                }
            }

            impl From<&String> for #name {
                fn from(id: &String) -> Self {
                    Self(crate::id::IdText::from_str(id))
                }
            }

            impl From<&#name> for #name {
                fn from(id: &#name) -> Self {
                    id.clone()
                }
            }

            impl AsRef<str> for #name {
                fn as_ref(&self) -> &str {
                    self.as_str()
                }
            }

            impl crate::xml::XmlValue for #name {
                const EMPTY_IS_ABSENT: bool = false;
                fn parse_xml(text: &str) -> Result<Self, String> {
                    Ok(Self(crate::id::IdText::from_str(text)))
                }
                fn from_text(text: std::borrow::Cow<'_, str>) -> Result<Self, std::borrow::Cow<'_, str>> {
                    Ok(Self(crate::id::IdText::from_cow(text)))
                }
                fn to_xml_value(&self) -> std::borrow::Cow<'_, str> {
                    std::borrow::Cow::Borrowed(self.as_str())
                }
            }
        }
    }

    pub(super) fn enum_type(&self, t: &EnumType) -> TokenStream {
        let name = format_ident!("{}", t.name);
        let mut d = t.doc.clone();
        d.push_str("\n\nValues the client does not know arrive as `Unknown`, never as an error.");
        let d = doc(&d);
        let variants = t.variants.iter().map(|v| {
            let vn = format_ident!("{}", v.name);
            let mut text = if v.doc.is_empty() {
                format!("`{}`.", v.wire)
            } else {
                format!("`{}`: {}", v.wire, v.doc)
            };
            if let Some(s) = v.since {
                text.push_str(&format!("\n\nSince API {s}."));
            }
            for n in &v.notes {
                text.push_str(&format!(" See {}.", self.note_ref(n)));
            }
            let d = doc(&text);
            quote! { #d #vn }
        });
        let as_str = t.variants.iter().map(|v| {
            let vn = format_ident!("{}", v.name);
            let w = &v.wire;
            quote! { #name::#vn => #w }
        });
        let parse = t.variants.iter().map(|v| {
            let vn = format_ident!("{}", v.name);
            let w = &v.wire;
            quote! { #w => #name::#vn }
        });
        let known = t.variants.iter().map(|v| {
            let vn = format_ident!("{}", v.name);
            quote! { #name::#vn }
        });
        let since_arms = t.variants.iter().filter(|v| v.since.is_some()).map(|v| {
            let vn = format_ident!("{}", v.name);
            let sv = ver(v.since.expect("filtered"));
            quote! { #name::#vn => Some(#sv) }
        });
        let enum_name = &t.name;
        let versioned_impl = if self.versioned[&t.name] {
            quote! {
                impl crate::version::Versioned for #name {
                    fn required_version(&self) -> Option<crate::version::Feature> {
                        self.since().map(|since| crate::version::Feature::new(format!("{}::{}", #enum_name, self.as_str()), since))
                    }
                }
            }
        } else {
            TokenStream::new()
        };
        quote! {
            #d
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#variants,)*
                /// A value this client does not know (a newer server's), kept as sent.
                Unknown(String),
            }

            impl #name {
                /// Every value the spec knows, in spec order.
                pub const KNOWN: &'static [#name] = &[#(#known),*];

                /// The value as it is written on the wire.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(#as_str,)*
                        #name::Unknown(other) => other,
                    }
                }

                /// The API version the value appeared in, when later than the type itself.
                pub fn since(&self) -> Option<crate::version::ApiVersion> {
                    #[allow(clippy::match_single_binding)]
                    match self {
                        #(#since_arms,)*
                        _ => None,
                    }
                }
            }

            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl std::str::FromStr for #name {
                type Err = std::convert::Infallible;
                fn from_str(text: &str) -> Result<Self, Self::Err> {
                    Ok(match text {
                        #(#parse,)*
                        other => #name::Unknown(other.to_owned()),
                    })
                }
            }

            impl From<&str> for #name {
                fn from(text: &str) -> Self {
                    match text.parse() {
                        Ok(v) => v,
                        Err(never) => match never {},
                    }
                }
            }

            impl serde::Serialize for #name {
                /// Writes the value as it is written on the wire.
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl crate::xml::XmlValue for #name {
                const EMPTY_IS_ABSENT: bool = true;
                fn parse_xml(text: &str) -> Result<Self, String> {
                    Ok(Self::from(text))
                }
                fn to_xml_value(&self) -> std::borrow::Cow<'_, str> {
                    std::borrow::Cow::Borrowed(self.as_str())
                }
            }

            #versioned_impl
        }
    }

    pub(super) fn struct_type(&self, t: &StructType) -> TokenStream {
        let name = format_ident!("{}", t.name);
        let mut dtext = t.doc.clone();
        if t.root {
            dtext.push_str(&format!(
                "\n\nA whole document: decode one from bytes with [`{}::decode`], write one with [`{}::encode`].",
                t.name, t.name
            ));
        }
        let response_model = !self.request_only.contains(&t.name);
        if response_model {
            let shared = if self.request_models.contains(&t.name) {
                " (requests hold it too)"
            } else {
                ""
            };
            dtext.push_str(&format!(
                "\n\nA response model{shared}: `#[non_exhaustive]`, as answers gain fields. Outside this crate, build one with [`{}::new`] and set its other fields on the value.",
                t.name
            ));
        }
        let d = doc(&dtext);
        let fields = t.fields.iter().map(|f| {
            let fname = format_ident!("{}", f.name);
            let ty = self.field_ty(f);
            let mut text = if f.doc.is_empty() {
                String::new()
            } else {
                md(&f.doc)
            };
            let wire = match f.kind {
                FieldKind::Attr => format!("attribute `{}`", f.wire),
                FieldKind::Elem => format!("element `<{}>`", f.wire),
                FieldKind::List => format!(
                    "`<{}>` holding `<{}>` items",
                    f.wire,
                    f.item.as_deref().unwrap_or("?")
                ),
                FieldKind::Many => format!("repeated `<{}>` elements", f.wire),
                FieldKind::Text => "the element's text".to_owned(),
            };
            text.push_str(&format!("\n\nXML: {wire}"));
            if !f.aliases.is_empty() {
                let a: Vec<String> = f.aliases.iter().map(|a| format!("`{a}`")).collect();
                text.push_str(&format!(" (also accepted: {})", a.join(", ")));
            }
            text.push('.');
            if let Some(s) = f.since {
                text.push_str(&format!(" Since API {s}."));
            }
            for n in &f.notes {
                text.push_str(&format!(" See {}.", self.note_ref(n)));
            }
            let d = doc(&text);
            quote! { #d pub #fname: #ty }
        });
        let derive_default = if self.defaultable[&t.name] {
            quote! { , Default }
        } else {
            TokenStream::new()
        };
        let decode = self.struct_decode(t);
        let encode = self.struct_encode(t);
        let versioned = self.struct_versioned(t);
        let json = self.struct_json(t);
        let page = if t.root && t.fields.iter().any(|f| f.wire == "pagination") {
            quote! {
                impl #name {
                    /// Decodes a JSON page of a paginated list: as
                    /// [`decode_json`](Self::decode_json), but a list holding more than
                    /// `page_size` items is refused with
                    /// [`DecodeError::PageTooLong`](crate::DecodeError::PageTooLong) at its item
                    /// after the last, as the XML decoder refuses it.
                    pub fn decode_json_page(bytes: &[u8], page_size: u32) -> Result<Self, crate::DecodeError> {
                        crate::json::decode_page(bytes, page_size)
                    }
                }
            }
        } else {
            TokenStream::new()
        };
        let root = if t.root {
            quote! {
                impl crate::xml::Document for #name {}

                impl #name {
                    /// Decodes a whole `<tsResponse>` (or `<tsRequest>`) document. Unknown elements and
                    /// attributes are ignored; an `<error>` element is returned as
                    /// [`DecodeError::Service`](crate::DecodeError::Service).
                    pub fn decode(bytes: &[u8]) -> Result<Self, crate::DecodeError> {
                        crate::xml::decode_document(bytes)
                    }

                    /// Decodes a request document as a server must read it: strictly
                    /// well-formed, every prefix declared, no duplicate attribute, no DOCTYPE (no
                    /// entity tricks), an empty number, date, flag or enum refused rather than
                    /// read as absent; unknown elements skipped, as servers skip them.
                    pub fn decode_request(bytes: &[u8]) -> Result<Self, crate::DecodeError> {
                        crate::xml::decode_request(bytes)
                    }

                    /// Encodes the document as a `<tsRequest>`; a value holding a character
                    /// XML 1.0 cannot hold is refused, naming its field.
                    pub fn encode(&self) -> Result<String, crate::EncodeError> {
                        crate::xml::encode_document(self, "tsRequest")
                    }

                    /// Encodes the document as a `<tsResponse>` in the Tableau namespace, as a
                    /// server answers it (for simulators and tests); a value holding a character
                    /// XML 1.0 cannot hold is refused, naming its field.
                    pub fn encode_response(&self) -> Result<String, crate::EncodeError> {
                        crate::xml::encode_response(self)
                    }

                    /// Decodes a whole JSON document (the object of the root's children, by the
                    /// rule of `spec/README.md`), leniently as real servers and clients write it:
                    /// a number or boolean where a string belongs, `null` as absent, a one-item
                    /// list as its item, an empty list as `{}`, `[]` or `""`; unknown keys are
                    /// ignored; an `"error"` object is returned as
                    /// [`DecodeError::Service`](crate::DecodeError::Service).
                    pub fn decode_json(bytes: &[u8]) -> Result<Self, crate::DecodeError> {
                        crate::json::decode_document(bytes, "tsResponse", crate::json::Mode::default())
                    }

                    /// Decodes a JSON request document as a server must read it: as
                    /// [`decode_json`](Self::decode_json), but an empty number, date, flag or
                    /// enum is refused rather than read as absent, and the struct's
                    /// one-of/any-of rules are checked.
                    pub fn decode_json_request(bytes: &[u8]) -> Result<Self, crate::DecodeError> {
                        crate::json::decode_document(bytes, "tsRequest", crate::json::Mode { strict: true, page_size: None })
                    }

                    /// Encodes the document as JSON for the wire (a request, or a server's
                    /// answer), by the rule of `spec/README.md`: secrets are written as they are
                    /// (the `serde::Serialize` of the models redacts them, for display).
                    pub fn encode_json(&self) -> String {
                        crate::json::encode_json(self)
                    }
                }
            }
        } else {
            TokenStream::new()
        };
        let (non_exhaustive, constructor) = if response_model {
            (quote! { #[non_exhaustive] }, self.struct_new(t))
        } else {
            (TokenStream::new(), TokenStream::new())
        };
        quote! {
            #d
            #[derive(Debug, Clone, PartialEq #derive_default)]
            #non_exhaustive
            pub struct #name {
                #(#fields,)*
            }
            #constructor
            #decode
            #encode
            #json
            #versioned
            #root
            #page
        }
    }

    /// The constructor of a response model: its required fields (lists aside) as arguments, in
    /// wire order; every optional field `None` and every list empty.
    fn struct_new(&self, t: &StructType) -> TokenStream {
        let name = format_ident!("{}", t.name);
        let takes = |f: &Field| f.required && !matches!(f.kind, FieldKind::List | FieldKind::Many);
        let args = t.fields.iter().filter(|f| takes(f)).map(|f| {
            let n = format_ident!("{}", f.name);
            let ty = self.rust_ty(&f.ty);
            match &f.ty {
                TypeRef::Id(_) | TypeRef::Primitive(Prim::String | Prim::Secret) => {
                    quote! { #n: impl Into<#ty> }
                }
                _ => quote! { #n: #ty },
            }
        });
        let inits = t.fields.iter().map(|f| {
            let n = format_ident!("{}", f.name);
            if takes(f) {
                match &f.ty {
                    TypeRef::Id(_) | TypeRef::Primitive(Prim::String | Prim::Secret) => {
                        quote! { #n: #n.into() }
                    }
                    _ => quote! { #n },
                }
            } else if matches!(f.kind, FieldKind::List | FieldKind::Many) {
                quote! { #n: Vec::new() }
            } else {
                quote! { #n: None }
            }
        });
        let required: Vec<String> = t
            .fields
            .iter()
            .filter(|f| takes(f))
            .map(|f| format!("`{}`", f.name))
            .collect();
        let text = if required.is_empty() {
            format!(
                "A `{}` with every field absent (`None`, lists empty): set the fields it holds on the value.",
                t.name
            )
        } else if required.len() == t.fields.len() {
            format!("A `{}` of its fields ({}).", t.name, required.join(", "))
        } else {
            format!(
                "A `{}` with its required fields ({}); every optional field is `None` and every list empty: set the others on the value.",
                t.name,
                required.join(", ")
            )
        };
        let d = doc(&text);
        let many = if required.len() > 7 {
            quote! { #[allow(clippy::too_many_arguments)] }
        } else {
            TokenStream::new()
        };
        quote! {
            impl #name {
                #d
                #many
                pub fn new(#(#args),*) -> Self {
                    Self { #(#inits),* }
                }
            }
        }
    }

    pub(super) fn error_code(&self) -> TokenStream {
        let codes = &self.spec.error_codes;
        let variants = codes.iter().map(|c| {
            let v = format_ident!("{}", c.name);
            let d = doc(&format!("{} (HTTP {}): {}.", c.code, c.status, c.summary));
            quote! { #d #v }
        });
        let from = codes.iter().map(|c| {
            let v = format_ident!("{}", c.name);
            let n = c.code;
            quote! { #n => ErrorCode::#v }
        });
        let to = codes.iter().map(|c| {
            let v = format_ident!("{}", c.name);
            let n = c.code;
            quote! { ErrorCode::#v => #n }
        });
        let summary = codes.iter().map(|c| {
            let v = format_ident!("{}", c.name);
            let s = &c.summary;
            quote! { ErrorCode::#v => #s }
        });
        let name = codes.iter().map(|c| {
            let v = format_ident!("{}", c.name);
            let s = &c.name;
            quote! { ErrorCode::#v => #s }
        });
        let all = codes.iter().map(|c| {
            let v = format_ident!("{}", c.name);
            quote! { ErrorCode::#v }
        });
        quote! {
            /// Every numeric error code of the spec's registry, by its canonical name.
            ///
            /// The first three digits of a code are its HTTP status. The same code can mean different
            /// things on different endpoints (erratum E10): each endpoint's error enum documents its own
            /// meaning. Codes this client does not know arrive as [`ErrorCode::Other`].
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum ErrorCode {
                #(#variants,)*
                /// A code the registry does not know.
                Other(u32),
            }

            impl ErrorCode {
                /// Every code the registry knows, in numeric order.
                pub const KNOWN: &'static [ErrorCode] = &[#(#all),*];

                /// The code for a number (`Other` when unknown).
                pub fn from_code(code: u32) -> ErrorCode {
                    match code {
                        #(#from,)*
                        other => ErrorCode::Other(other),
                    }
                }

                /// The numeric code, e.g. 404027.
                pub fn code(&self) -> u32 {
                    match self {
                        #(#to,)*
                        ErrorCode::Other(code) => *code,
                    }
                }

                /// The HTTP status the code belongs to: its first three digits.
                pub fn http_status(&self) -> u16 {
                    (self.code() / 1000) as u16
                }

                /// The registry's default summary (`"Unknown error code"` for `Other`).
                pub fn summary(&self) -> &'static str {
                    match self {
                        #(#summary,)*
                        ErrorCode::Other(_) => "Unknown error code",
                    }
                }

                /// The canonical name (`"Other"` for unknown codes).
                pub fn name(&self) -> &'static str {
                    match self {
                        #(#name,)*
                        ErrorCode::Other(_) => "Other",
                    }
                }
            }

            impl std::fmt::Display for ErrorCode {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, "{} {}", self.code(), self.summary())
                }
            }
        }
    }

    pub(super) fn any_response(&self) -> TokenStream {
        let xml: Vec<(&Endpoint, &String)> = self
            .spec
            .endpoints
            .iter()
            .filter_map(|e| match &e.response.body {
                ResponseBody::Xml(t) => Some((e, t)),
                _ => None,
            })
            .collect();
        let variants = xml.iter().map(|(e, t)| {
            let v = format_ident!("{}", e.id.to_pascal_case());
            let t = format_ident!("{}", t);
            let d = doc(&format!("The answer of {} (`{}`).", e.title, e.id));
            quote! { #d #v(#t) }
        });
        let arms = xml.iter().map(|(e, t)| {
            let v = format_ident!("{}", e.id.to_pascal_case());
            let t = format_ident!("{}", t);
            let id = &e.id;
            quote! { #id => #t::decode(bytes).map(AnyResponse::#v) }
        });
        let json_arms = xml.iter().map(|(e, t)| {
            let v = format_ident!("{}", e.id.to_pascal_case());
            let t = format_ident!("{}", t);
            let id = &e.id;
            quote! { #id => #t::decode_json(bytes).map(AnyResponse::#v) }
        });
        let json_encode_arms = xml.iter().map(|(e, _)| {
            let v = format_ident!("{}", e.id.to_pascal_case());
            quote! { AnyResponse::#v(answer) => answer.encode_json() }
        });
        let encode_arms = xml.iter().map(|(e, _)| {
            let v = format_ident!("{}", e.id.to_pascal_case());
            quote! { AnyResponse::#v(answer) => answer.encode_response() }
        });
        quote! {
            /// The decoded answer of any endpoint that answers with XML, for tools that process
            /// saved responses: see [`AnyResponse::decode`].
            #[derive(Debug, Clone, PartialEq)]
            #[non_exhaustive]
            pub enum AnyResponse {
                #(#variants,)*
            }

            impl AnyResponse {
                /// Decodes `bytes` as the answer of the endpoint with this id (e.g. `"query_flow"`).
                /// `None` when no endpoint with that id answers with XML.
                pub fn decode(endpoint_id: &str, bytes: &[u8]) -> Option<Result<AnyResponse, crate::DecodeError>> {
                    Some(match endpoint_id {
                        #(#arms,)*
                        _ => return None,
                    })
                }

                /// Encodes the answer again as a server writes it (a `<tsResponse>` in the
                /// Tableau namespace): nothing decoded is lost. A value holding a character XML
                /// 1.0 cannot hold (which a lenient decode may have read) is refused.
                pub fn encode_response(&self) -> Result<String, crate::EncodeError> {
                    match self {
                        #(#encode_arms,)*
                    }
                }

                /// Decodes `bytes` as the JSON answer of the endpoint with this id (see each
                /// document's `decode_json`). `None` when no endpoint with that id answers with
                /// a document.
                pub fn decode_json(endpoint_id: &str, bytes: &[u8]) -> Option<Result<AnyResponse, crate::DecodeError>> {
                    Some(match endpoint_id {
                        #(#json_arms,)*
                        _ => return None,
                    })
                }

                /// Encodes the answer as a server writes it in JSON (secrets as they are).
                pub fn encode_json(&self) -> String {
                    match self {
                        #(#json_encode_arms,)*
                    }
                }
            }
        }
    }
}
