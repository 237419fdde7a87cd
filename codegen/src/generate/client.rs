//! The client: per endpoint, its error enum, its metadata and its request builder, documented from
//! the spec (description, version, permissions, error table, errata, a compiled example).

use super::{Gen, doc, md, opt_ver, ver};
use crate::ir::*;
use heck::{ToPascalCase, ToShoutySnakeCase};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeMap;

/// Generates the client source (formatted with prettyplease) from a validated spec.
/// The output is deterministic: the same spec always gives the same text.
pub fn generate_client(spec: &Spec) -> String {
    let g = Gen::new(spec);
    let mut items = Vec::new();
    let (newest, oldest) = (ver(spec.api.newest), ver(spec.api.oldest));
    let (ns, legacy) = (&spec.api.namespace, &spec.api.legacy_namespace);
    items.push(quote! {
        /// The newest API version this client's spec describes; the default version of a client.
        pub const NEWEST_API_VERSION: crate::version::ApiVersion = #newest;
        /// The oldest API version this client's spec describes.
        pub const OLDEST_API_VERSION: crate::version::ApiVersion = #oldest;
        /// The XML namespace of Tableau REST API documents.
        pub const XML_NAMESPACE: &str = #ns;
        /// The namespace older servers use.
        pub const LEGACY_XML_NAMESPACE: &str = #legacy;
    });
    // Shared types (`types.tfspec`) at the root; a group's own types, error enums and request
    // builders in the group's module.
    let mut groups: BTreeMap<&str, Vec<TokenStream>> = BTreeMap::new();
    for e in &spec.endpoints {
        groups.entry(e.group.as_str()).or_default();
    }
    for t in &spec.types {
        let item = match t {
            TypeDef::Id(t) => g.id_type(t),
            TypeDef::Enum(t) => g.enum_type(t),
            TypeDef::Struct(t) => g.struct_type(t),
        };
        match spec.type_groups.get(t.name()) {
            Some(group) => groups.entry(group.as_str()).or_default().push(item),
            None => items.push(item),
        }
    }
    items.push(g.error_code());
    for e in &spec.endpoints {
        let group = groups.entry(e.group.as_str()).or_default();
        group.push(g.endpoint_error(e));
        group.push(g.endpoint(e));
    }
    items.push(g.metadata());
    items.push(g.any_response());
    let names: Vec<proc_macro2::Ident> = groups.keys().map(|k| format_ident!("{}", k)).collect();
    items.push(quote! {
        #[allow(unused_imports)]
        use self::{#(#names::*),*};
    });
    for (group, body) in &groups {
        let module = format_ident!("{}", group);
        let others = names.iter().filter(|n| *n != group);
        let titles: Vec<String> = spec
            .endpoints
            .iter()
            .filter(|e| e.group == *group)
            .map(|e| format!("[{}](crate::Client::{})", e.title, e.id))
            .collect();
        let d = doc(&format!(
            "The `{group}` resource group (`spec/{group}.tfspec`): {}.\n\nIts request and response documents, the types only they use, each endpoint's error enum and request builder.",
            titles.join(", ")
        ));
        items.push(quote! {
            #d
            pub mod #module {
                #[allow(unused_imports)]
                use super::*;
                #[allow(unused_imports)]
                use super::{#(#others::*),*};
                #(#body)*
            }
        });
    }
    // The everyday models of a group (what its lists hold: Project, User, Group) at the root too.
    let mut everyday = Vec::new();
    for t in &spec.types {
        let TypeDef::Struct(s) = t else { continue };
        if !s.root {
            continue;
        }
        for f in &s.fields {
            if let (FieldKind::List | FieldKind::Many, TypeRef::Struct(item)) = (f.kind, &f.ty)
                && let Some(group) = spec.type_groups.get(item)
                && !everyday.contains(&(group.clone(), item.clone()))
            {
                everyday.push((group.clone(), item.clone()));
            }
        }
    }
    for (group, item) in everyday {
        let (group, item) = (format_ident!("{}", group), format_ident!("{}", item));
        items.push(quote! { pub use self::#group::#item; });
    }
    super::render(items)
}

impl Gen<'_> {
    pub(super) fn endpoint_error(&self, e: &Endpoint) -> TokenStream {
        let name = format_ident!("{}Error", e.id.to_pascal_case());
        let title = &e.title;
        let codes = e.distinct_codes();
        let variants = codes.iter().map(|code| {
            let def = self.spec.code(*code).expect("validated");
            let v = format_ident!("{}", def.name);
            let rows: Vec<&ErrorRow> = e.errors.iter().filter(|r| r.code == *code).collect();
            let mut text = String::new();
            for (i, r) in rows.iter().enumerate() {
                if i > 0 {
                    text.push_str("\n\nOr: ");
                }
                text.push_str(&format!(
                    "{} {}: {}",
                    r.code,
                    md(&r.summary),
                    md(&r.condition)
                ));
                if let Some(s) = r.since {
                    text.push_str(&format!(" (documented since API {s})"));
                }
                if let Some(s) = r.dropped {
                    text.push_str(&format!(
                        " (no longer on the {s} page; servers may still send it, erratum E9)"
                    ));
                }
                if let Some(d) = &r.deviation {
                    text.push_str(&format!(
                        " (not on the page: servers send it, deviation {d})"
                    ));
                }
                if let Some(h) = r.http {
                    text.push_str(&format!(" (sent with HTTP status {h})"));
                }
            }
            let d = doc(&text);
            quote! { #d #v }
        });
        let from = codes.iter().map(|code| {
            let def = self.spec.code(*code).expect("validated");
            let v = format_ident!("{}", def.name);
            quote! { crate::ErrorCode::#v => #name::#v }
        });
        let to = codes.iter().map(|code| {
            let def = self.spec.code(*code).expect("validated");
            let v = format_ident!("{}", def.name);
            quote! { #name::#v => crate::ErrorCode::#v }
        });
        let summaries = codes.iter().map(|code| {
            let def = self.spec.code(*code).expect("validated");
            let v = format_ident!("{}", def.name);
            let row = e
                .errors
                .iter()
                .find(|r| r.code == *code)
                .expect("code from rows");
            let s = &row.summary;
            quote! { #name::#v => #s }
        });
        let d = doc(&format!(
            "The errors [`Client::{}`](crate::Client::{}) can answer: exactly the codes of its error table.\n\nA code the table does not list arrives as `Unhandled`.",
            e.id, e.id
        ));
        let empty = codes.is_empty();
        let from_match = if empty {
            quote! { #name::Unhandled(code) }
        } else {
            quote! {
                match code {
                    #(#from,)*
                    other => #name::Unhandled(other),
                }
            }
        };
        quote! {
            #d
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            #[non_exhaustive]
            pub enum #name {
                #(#variants,)*
                /// A code this endpoint's error table does not list.
                Unhandled(crate::ErrorCode),
            }

            impl #name {
                /// This endpoint's summary of the error (the registry's for `Unhandled`).
                pub fn summary(&self) -> &'static str {
                    match self {
                        #(#summaries,)*
                        #name::Unhandled(code) => code.summary(),
                    }
                }
            }

            impl crate::error::EndpointError for #name {
                const ENDPOINT: &'static str = #title;

                fn from_code(code: crate::ErrorCode) -> Self {
                    #from_match
                }

                fn code(&self) -> crate::ErrorCode {
                    match self {
                        #(#to,)*
                        #name::Unhandled(code) => *code,
                    }
                }
            }

            impl std::fmt::Display for #name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    write!(f, "{} {}", crate::error::EndpointError::code(self).code(), self.summary())
                }
            }
        }
    }

    pub(super) fn metadata(&self) -> TokenStream {
        let consts = self.spec.endpoints.iter().map(|e| {
            let c = format_ident!("{}", e.id.to_shouty_snake_case());
            let id = &e.id;
            let title = &e.title;
            let method = &e.method;
            let path = &e.path;
            let since = ver(e.since);
            let auth = e.auth;
            let idem = e.idempotent;
            let page = e.page == Page::FlowMethods;
            let status = e.response.status;
            let codes = e.distinct_codes();
            let params = e.query.iter().map(|p| {
                let n = &p.name;
                let w = &p.wire;
                let s = opt_ver(p.since);
                let fields = p.fields.iter().map(|f| expr_field_meta(self, f));
                let default = match &p.default {
                    Some(d) => quote! { Some(#d) },
                    None => quote! { None },
                };
                let range = match p.range {
                    Some((lo, hi)) => quote! { Some((#lo, #hi)) },
                    None => quote! { None },
                };
                quote! { crate::meta::ParamMeta { name: #n, wire: #w, since: #s, range: #range, fields: &[#(#fields),*], default: #default } }
            });
            let d = doc(&format!("{}: `{} {}{}`.", e.title, e.method, e.base(), e.path));
            let experimental = e.is_experimental();
            let request = match &e.request {
                Request::None => quote! { None },
                Request::Empty => quote! { Empty },
                Request::Xml { .. } => quote! { Xml },
                Request::Multipart { .. } => quote! { Multipart },
            };
            quote! {
                #d
                pub const #c: crate::meta::EndpointMeta = crate::meta::EndpointMeta {
                    id: #id,
                    title: #title,
                    method: #method,
                    path: #path,
                    since: #since,
                    auth: #auth,
                    idempotent: #idem,
                    on_flow_methods_page: #page,
                    success_status: #status,
                    errors: &[#(#codes),*],
                    query: &[#(#params),*],
                    request: crate::meta::RequestKind::#request,
                    experimental: #experimental,
                };
            }
        });
        let all = self.spec.endpoints.iter().map(|e| {
            let c = format_ident!("{}", e.id.to_shouty_snake_case());
            quote! { &#c }
        });
        quote! {
            /// Metadata of every endpoint: method, path, minimum API version, query parameters.
            pub mod endpoints {
                #(#consts)*

                /// Every endpoint, in spec order.
                pub const ALL: &[&crate::meta::EndpointMeta] = &[#(#all),*];
            }
        }
    }

    pub(super) fn endpoint(&self, e: &Endpoint) -> TokenStream {
        let pascal = e.id.to_pascal_case();
        let builder = format_ident!("{}Builder", pascal);
        let err = format_ident!("{}Error", pascal);
        let method = format_ident!("{}", e.id);
        let meta = format_ident!("{}", e.id.to_shouty_snake_case());
        let mut fields = Vec::new();
        let mut field_names = Vec::new();
        let mut args = Vec::new();
        let mut inits = Vec::new();
        for p in e.path_params.iter().filter(|p| !p.session) {
            let n = format_ident!("{}", p.name);
            let ty = self.rust_ty(&p.ty);
            field_names.push(n.clone());
            fields.push(quote! { #n: #ty });
            args.push(quote! { #n: impl Into<#ty> });
            inits.push(quote! { #n: #n.into() });
        }
        let body_ty = match &e.request {
            Request::Xml { ty, .. } | Request::Multipart { ty, .. } => {
                Some(format_ident!("{}", ty))
            }
            _ => None,
        };
        if let Some(bt) = &body_ty {
            field_names.push(format_ident!("body"));
            fields.push(quote! { body: #bt });
            args.push(quote! { body: impl Into<#bt> });
            inits.push(quote! { body: body.into() });
        }
        let multipart = matches!(e.request, Request::Multipart { .. });
        if multipart {
            fields.push(quote! { file: Option<crate::FilePart> });
            inits.push(quote! { file: None });
        }
        let mut setters = Vec::new();
        for q in &e.query {
            let n = format_ident!("{}", q.name);
            let ty = self.rust_ty(&q.ty);
            let fty = if q.list {
                quote! { Vec<#ty> }
            } else {
                ty.clone()
            };
            field_names.push(n.clone());
            fields.push(quote! { #n: Option<#fty> });
            inits.push(quote! { #n: None });
            let mut text = md(&q.doc);
            text.push_str(&format!("\n\nSent as `{}`", q.wire));
            if let Some((lo, hi)) = q.range {
                text.push_str(&format!("; allowed: {lo} to {hi}"));
            }
            if let Some(dflt) = &q.default {
                text.push_str(&format!("; server default: `{dflt}`"));
            }
            if !q.fields.is_empty() {
                let f: Vec<String> = q
                    .fields
                    .iter()
                    .map(|f| {
                        if f.operators.is_empty() {
                            format!("`{}`", f.name)
                        } else {
                            format!("`{}` ({})", f.name, f.operators.join(", "))
                        }
                    })
                    .collect();
                text.push_str(&format!("; fields: {}", f.join(", ")));
            }
            text.push('.');
            if let Some(v) = q.since {
                text.push_str(&format!(
                    " Since API {v}: setting it on an older client version fails before sending."
                ));
            }
            let d = doc(&text);
            if q.list {
                setters.push(quote! {
                    #d
                    pub fn #n<I, T>(mut self, values: I) -> Self
                    where
                        I: IntoIterator<Item = T>,
                        T: Into<#ty>,
                    {
                        self.#n = Some(values.into_iter().map(Into::into).collect());
                        self
                    }
                });
            } else if matches!(q.ty, TypeRef::Primitive(p) if !matches!(p, Prim::String | Prim::Filter | Prim::Sort | Prim::Secret))
            {
                setters.push(quote! {
                    #d
                    pub fn #n(mut self, value: #ty) -> Self {
                        self.#n = Some(value);
                        self
                    }
                });
            } else {
                setters.push(quote! {
                    #d
                    pub fn #n(mut self, value: impl Into<#ty>) -> Self {
                        self.#n = Some(value.into());
                        self
                    }
                });
            }
        }
        if multipart {
            setters.push(quote! {
                /// The file part of the `multipart/mixed` request. Without it only the
                /// `request_payload` part is sent (as when committing a chunked upload).
                pub fn file(mut self, file: crate::FilePart) -> Self {
                    self.file = Some(file);
                    self
                }
            });
        }

        // send()
        let mut steps = Vec::new();
        // path
        let mut rest = e.path.as_str();
        while let Some(open) = rest.find('{') {
            let lit = &rest[..open];
            if !lit.is_empty() {
                steps.push(quote! { call.push_path(#lit); });
            }
            let close = rest[open..].find('}').expect("validated") + open;
            let name = &rest[open + 1..close];
            let p = e
                .path_params
                .iter()
                .find(|p| p.name == name)
                .expect("validated");
            if p.session {
                steps.push(quote! { call.push_site()?; });
            } else {
                let n = format_ident!("{}", name);
                if self.type_versioned(&p.ty) {
                    steps.push(quote! { call.gate_value(&self.#n)?; });
                }
                let wire = name;
                steps.push(quote! { call.push_segment(#wire, self.#n.as_str())?; });
            }
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            steps.push(quote! { call.push_path(#rest); });
        }
        for q in &e.query {
            let n = format_ident!("{}", q.name);
            let wire = &q.wire;
            let mut inner = Vec::new();
            if let Some(v) = q.since {
                let label = format!("the query parameter `{}` of {}", q.wire, e.title);
                let sv = ver(v);
                inner.push(quote! { call.gate(crate::version::Feature::new(#label, #sv))?; });
            }
            if self.type_versioned(&q.ty) {
                inner.push(if q.list {
                    quote! { for v in value { call.gate_value(v)?; } }
                } else {
                    quote! { call.gate_value(value)?; }
                });
            }
            if matches!(q.ty, TypeRef::Primitive(Prim::Filter | Prim::Sort)) {
                inner.push(quote! { call.check_expression(#wire, value)?; });
            }
            if let Some((lo, hi)) = q.range {
                inner.push(quote! { call.check_range(#wire, i64::from(*value), #lo, #hi)?; });
            }
            inner.push(if q.list {
                quote! { call.query_list(#wire, value); }
            } else {
                quote! { call.query(#wire, value); }
            });
            steps.push(quote! {
                if let Some(value) = &self.#n {
                    #(#inner)*
                }
            });
        }
        if matches!(e.response.body, ResponseBody::Json(_)) {
            // The answer has no XML form: ask for JSON whatever the client speaks.
            steps.push(quote! { call.accept(crate::client::WireFormat::Json); });
        }
        match &e.request {
            Request::None => {}
            Request::Empty => steps.push(quote! { call.empty_body(); }),
            Request::Xml { ty, .. } => {
                if self.versioned[ty] {
                    steps.push(quote! { call.gate_value(&self.body)?; });
                }
                steps.push(quote! { call.xml_body(&self.body)?; });
            }
            Request::Multipart { ty, file_part, .. } => {
                if self.versioned[ty] {
                    steps.push(quote! { call.gate_value(&self.body)?; });
                }
                steps.push(quote! { call.multipart_body(&self.body, #file_part, self.file)?; });
            }
        }
        // What `send` reads from the builder before `prepare` consumes it.
        let mut prelude = TokenStream::new();
        let (ret, finish) = match &e.response.body {
            ResponseBody::None => (quote! { () }, quote! { Ok(call.execute()?.none()?) }),
            ResponseBody::Binary(_) => (
                quote! { crate::transfer::Download },
                quote! { Ok(call.execute_download()?) },
            ),
            ResponseBody::Json(_) => (
                quote! { crate::JsonDocument },
                quote! { Ok(call.execute()?.json_document()?) },
            ),
            ResponseBody::Xml(t) => {
                let t = format_ident!("{}", t);
                match self.paged_list(e) {
                    // A page never holds more items than its page size.
                    Some((size_field, _, default_size)) => {
                        let default = Literal::u32_unsuffixed(default_size);
                        prelude = quote! { let page_size = self.#size_field.unwrap_or(#default); };
                        (
                            quote! { #t },
                            quote! { Ok(call.execute()?.page::<#t>(page_size)?) },
                        )
                    }
                    None => (quote! { #t }, quote! { Ok(call.execute()?.xml::<#t>()?) }),
                }
            }
        };
        let method_doc = doc(&self.endpoint_doc(e));
        let builder_doc = doc(&format!(
            "A request to {} ([`Client::{}`](crate::Client::{})): set optional parameters, then call [`send`](Self::send).",
            e.title, e.id, e.id
        ));
        let page_rule = if self.paged_list(e).is_some() {
            "\nA page holding more items than the page size asked for (the server's default when none\nwas) is refused with [`DecodeError::PageTooLong`](crate::DecodeError::PageTooLong)."
        } else {
            ""
        };
        let send_doc = doc(&format!(
            "Sends the request. Fails before sending when the client's API version is older than\nthe endpoint ({}) or than an optional parameter or value that is set.{page_rule}",
            e.since
        ));
        let prepare_doc =
            doc("Builds the HTTP request without sending it (for inspection and tests).");
        let derives = if multipart {
            quote! { #[derive(Debug)] }
        } else {
            quote! { #[derive(Debug, Clone)] }
        };
        let paged = self.paged_impl(e, &builder, &err, &field_names);
        let mutable = if steps.is_empty() {
            TokenStream::new()
        } else {
            quote! { mut }
        };
        quote! {
            #builder_doc
            #derives
            #[must_use = "a request does nothing until `send` is called"]
            pub struct #builder<'c> {
                client: crate::client::ClientRef<'c>,
                #(#fields,)*
            }

            impl crate::Client {
                #method_doc
                pub fn #method(&self, #(#args),*) -> #builder<'_> {
                    #builder { client: crate::client::ClientRef::Borrowed(self), #(#inits,)* }
                }
            }

            impl<'c> #builder<'c> {
                #(#setters)*

                #prepare_doc
                pub(crate) fn prepare(self) -> Result<crate::call::Call<'c>, crate::CallError<#err>> {
                    let #mutable call = self.client.call(&endpoints::#meta)?;
                    #(#steps)*
                    Ok(call)
                }

                #send_doc
                pub fn send(self) -> Result<#ret, crate::CallError<#err>> {
                    #prelude
                    let call = self.prepare()?;
                    #finish
                }
            }

            #paged
        }
    }

    /// For an endpoint with `pageSize` and `pageNumber` and a list in its answer: the page-size
    /// field of its builder, the list field of its answer, and the page size servers use when
    /// none is asked for.
    fn paged_list(&self, e: &Endpoint) -> Option<(proc_macro2::Ident, proc_macro2::Ident, u32)> {
        let size = e.query.iter().find(|q| q.wire == "pageSize")?;
        e.query.iter().find(|q| q.wire == "pageNumber")?;
        let ResponseBody::Xml(root) = &e.response.body else {
            return None;
        };
        let root_ty = self.spec.struct_ty(root).expect("validated");
        let list = root_ty
            .fields
            .iter()
            .find(|f| matches!(f.kind, FieldKind::List | FieldKind::Many))?;
        // The validator makes a paginated endpoint's pageSize declare its default.
        let default_size: u32 = size
            .default
            .as_deref()
            .and_then(|d| d.parse().ok())
            .unwrap_or(1);
        Some((
            format_ident!("{}", size.name),
            format_ident!("{}", list.name),
            default_size,
        ))
    }

    /// For an endpoint with `pageSize` and `pageNumber` and a list in its answer: the `Paged`
    /// impl and `all()`.
    pub(super) fn paged_impl(
        &self,
        e: &Endpoint,
        builder: &proc_macro2::Ident,
        err: &proc_macro2::Ident,
        field_names: &[proc_macro2::Ident],
    ) -> TokenStream {
        let Some((size_field, list_field, default_size)) = self.paged_list(e) else {
            return TokenStream::new();
        };
        let ResponseBody::Xml(root) = &e.response.body else {
            return TokenStream::new();
        };
        let root_ty = self.spec.struct_ty(root).expect("validated");
        let list = root_ty
            .fields
            .iter()
            .find(|f| list_field == f.name)
            .expect("paged_list found it");
        let number = e
            .query
            .iter()
            .find(|q| q.wire == "pageNumber")
            .expect("paged_list found it");
        let pagination = root_ty
            .fields
            .iter()
            .find(|f| f.ty == TypeRef::Struct("Pagination".into()));
        let item = self.rust_ty(&list.ty);
        let number_field = format_ident!("{}", number.name);
        let pagination_expr = match pagination {
            Some(p) if p.required => {
                let f = format_ident!("{}", p.name);
                quote! { Some(answer.#f) }
            }
            Some(p) => {
                let f = format_ident!("{}", p.name);
                quote! { answer.#f }
            }
            None => quote! { None },
        };
        let default_literal = Literal::u32_unsuffixed(default_size);
        let all_doc = doc(&format!(
            "Every item of every page, fetched lazily, the next page while the current one is consumed (see [`Pages`](crate::pagination::Pages)).\nPages have the builder's page size (default {default_size}, the server's), starting from its page number (default 1).",
        ));
        quote! {
            impl<'c> crate::pagination::Paged for #builder<'c> {
                type Item = #item;
                type Error = #err;
                type Detached = #builder<'static>;

                fn detach(&self) -> #builder<'static> {
                    let this = self.clone();
                    #builder { client: this.client.detach(), #(#field_names: this.#field_names,)* }
                }

                fn fetch_page(self, number: u32, size: u32) -> Result<crate::pagination::Page<#item>, crate::CallError<#err>> {
                    let answer = self.#number_field(number).#size_field(size).send()?;
                    Ok(crate::pagination::Page { items: answer.#list_field, pagination: #pagination_expr })
                }

                fn requested_page_size(&self) -> Option<u32> {
                    self.#size_field
                }

                fn default_page_size(&self) -> u32 {
                    #default_literal
                }

                fn requested_page_number(&self) -> Option<u32> {
                    self.#number_field
                }
            }

            impl<'c> #builder<'c> {
                #all_doc
                pub fn all(self) -> crate::pagination::Pages<Self> {
                    crate::pagination::Pages::new(self)
                }
            }
        }
    }
}

/// The metadata of a filter or sort field: its name, value kind and operators.
fn expr_field_meta(g: &Gen, f: &ExprField) -> TokenStream {
    let name = &f.name;
    let kind = match &f.ty {
        TypeRef::Primitive(Prim::DateTime) => quote! { DateTime },
        TypeRef::Primitive(Prim::U32 | Prim::U64 | Prim::I64) => quote! { Integer },
        TypeRef::Primitive(Prim::Bool) => quote! { Bool },
        TypeRef::Id(_) => quote! { Id },
        TypeRef::Enum(n) => {
            let values = match g.spec.ty(n) {
                Some(TypeDef::Enum(e)) => e.variants.iter().map(|v| v.wire.clone()).collect(),
                _ => Vec::new(),
            };
            quote! { Enum(&[#(#values),*]) }
        }
        _ => quote! { Text },
    };
    let ops = f.operators.iter().map(|o| {
        let v = format_ident!("{}", o.to_pascal_case());
        quote! { crate::filter::Operator::#v }
    });
    quote! { crate::meta::FieldMeta { name: #name, kind: crate::meta::ValueKind::#kind, operators: &[#(#ops),*] } }
}
