//! The server interface: what a simulator (or any server) of the spec implements.
//!
//! For each endpoint: an input struct (its decoded path, query, body and file parts), an error
//! enum of exactly the codes its table lists (and the deviations the spec records for it), and a
//! method of its resource group's trait returning the endpoint's response model or that enum.
//! Routing (method and path, `also_path` spellings, version gating), request decoding and
//! validation (strict XML, required fields, ranges, filter and sort fields, authentication) and
//! answer encoding are generated here; an implementation only supplies behaviour. A new endpoint
//! in the spec adds a trait method, so an implementation fails to build until it has it.
//!
//! The generated code is `include!`d by the simulator's `interface` module and calls its runtime
//! (`Request`, `Answer`, `Reject`, `Context`, `Query`, `multipart`) through `super::`.

use super::router::segments;
use super::{Gen, doc};
use crate::ir::*;
use heck::{ToPascalCase, ToShoutySnakeCase};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// Generates the server interface source (formatted with prettyplease). Deterministic.
pub fn generate_server(spec: &Spec) -> String {
    let g = Gen::new(spec);
    let mut items = Vec::new();
    for e in &spec.endpoints {
        items.push(g.server_error(e));
        items.push(g.server_input(e));
    }
    items.push(g.server_traits());
    items.push(g.server_router());
    for e in &spec.endpoints {
        items.push(g.server_endpoint(e));
    }
    super::render(items)
}

fn group_trait(group: &str) -> proc_macro2::Ident {
    format_ident!("{}Service", group.to_pascal_case())
}

impl Gen<'_> {
    /// `tableau_flows::T` for a type of the spec.
    fn server_ty(&self, t: &TypeRef) -> TokenStream {
        match t {
            TypeRef::Primitive(p) => match p {
                Prim::String => quote! { String },
                Prim::Filter => quote! { tableau_flows::Filter },
                Prim::Sort => quote! { tableau_flows::Sort },
                Prim::Secret => quote! { tableau_flows::Secret },
                Prim::Bool => quote! { bool },
                Prim::U32 => quote! { u32 },
                Prim::U64 => quote! { u64 },
                Prim::I64 => quote! { i64 },
                Prim::DateTime => quote! { tableau_flows::DateTime },
                Prim::Time => quote! { tableau_flows::Time },
            },
            TypeRef::Id(n) | TypeRef::Enum(n) | TypeRef::Struct(n) => self.tf_path(n),
        }
    }

    /// `tableau_flows::T`, or `tableau_flows::group::T` for a type of a group's own file.
    fn tf_path(&self, name: &str) -> TokenStream {
        let i = format_ident!("{}", name);
        match self.spec.type_groups.get(name) {
            Some(group) => {
                let g = format_ident!("{}", group);
                quote! { tableau_flows::#g::#i }
            }
            None => quote! { tableau_flows::#i },
        }
    }

    fn code_variant(&self, code: u32) -> proc_macro2::Ident {
        let def = self.spec.code(code).expect("validated");
        format_ident!("{}", def.name)
    }

    fn server_error(&self, e: &Endpoint) -> TokenStream {
        let name = format_ident!("{}Error", e.id.to_pascal_case());
        let codes = e.distinct_codes();
        let variants = codes.iter().map(|code| {
            let v = self.code_variant(*code);
            let row = e.errors.iter().find(|r| r.code == *code).expect("listed");
            let mut text = format!("{code} {}: {}", row.summary, row.condition);
            if let Some(d) = &row.deviation {
                text.push_str(&format!(" (not on the page: deviation {d})"));
            }
            let d = doc(&text);
            quote! { #d #v }
        });
        let arms = |f: &dyn Fn(&ErrorRow) -> TokenStream| -> Vec<TokenStream> {
            codes
                .iter()
                .map(|code| {
                    let v = self.code_variant(*code);
                    let row = e.errors.iter().find(|r| r.code == *code).expect("listed");
                    let value = f(row);
                    quote! { #name::#v => #value }
                })
                .collect()
        };
        let code_arms = arms(&|r| {
            let c = r.code;
            quote! { #c }
        });
        let status_arms = arms(&|r| {
            let s = r.http_status();
            quote! { #s }
        });
        let summary_arms = arms(&|r| {
            let s = &r.summary;
            quote! { #s }
        });
        let d = doc(&format!(
            "The errors {} answers: the codes of its error table and the deviations the spec records for it.",
            e.title
        ));
        quote! {
            #d
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum #name {
                #(#variants,)*
            }

            impl super::ServiceError for #name {
                fn code(&self) -> u32 {
                    match self { #(#code_arms,)* }
                }
                fn http_status(&self) -> u16 {
                    match self { #(#status_arms,)* }
                }
                fn summary(&self) -> &'static str {
                    match self { #(#summary_arms,)* }
                }
            }
        }
    }

    /// The Rust type of a query parameter in an input: the value (with the spec's default), a
    /// list, or an option.
    fn query_field_ty(&self, q: &Param) -> TokenStream {
        let t = self.server_ty(&q.ty);
        if q.list {
            quote! { Vec<#t> }
        } else if q.default.is_some() {
            t
        } else {
            quote! { Option<#t> }
        }
    }

    fn server_input(&self, e: &Endpoint) -> TokenStream {
        let name = format_ident!("{}Input", e.id.to_pascal_case());
        let mut fields = Vec::new();
        for p in &e.path_params {
            let n = format_ident!("{}", p.name);
            let t = self.server_ty(&p.ty);
            let d = doc(&format!("Path `{{{}}}`: {}", p.wire, p.doc));
            fields.push(quote! { #d pub #n: #t });
        }
        for q in &e.query {
            let n = format_ident!("{}", q.name);
            let t = self.query_field_ty(q);
            let mut text = format!("Query `{}`: {}", q.wire, q.doc);
            if let Some(dflt) = &q.default {
                text.push_str(&format!(" (absent: `{dflt}`)"));
            }
            if let Some(v) = q.since {
                text.push_str(&format!(" (since API {v}; ignored in older requests)"));
            }
            let d = doc(&text);
            fields.push(quote! { #d pub #n: #t });
        }
        match &e.request {
            Request::Xml { ty, .. } => {
                let t = self.tf_path(ty);
                fields.push(quote! {
                    /// The request body, decoded strictly.
                    pub body: #t
                });
            }
            Request::Multipart {
                ty,
                file_part,
                file_required,
            } => {
                let t = self.tf_path(ty);
                fields.push(quote! {
                    /// The `request_payload` part of the `multipart/mixed` body, decoded strictly.
                    pub payload: #t
                });
                if *file_required {
                    let d = doc(&format!(
                        "The `{file_part}` part of the `multipart/mixed` body."
                    ));
                    fields.push(quote! { #d pub file: super::UploadedFile });
                } else {
                    let d = doc(&format!(
                        "The `{file_part}` part of the `multipart/mixed` body, when it has one."
                    ));
                    fields.push(quote! { #d pub file: Option<super::UploadedFile> });
                }
            }
            Request::None | Request::Empty => {}
        }
        let d = doc(&format!(
            "What {} receives: `{} {}{}`, decoded and checked.",
            e.title,
            e.method,
            e.base(),
            e.path
        ));
        quote! {
            #d
            #[derive(Debug)]
            #[non_exhaustive]
            pub struct #name {
                #(#fields,)*
            }
        }
    }

    fn server_output(&self, e: &Endpoint) -> TokenStream {
        match &e.response.body {
            ResponseBody::None => quote! { () },
            ResponseBody::Binary(_) => quote! { super::FileAnswer },
            // The JSON text, sent as it is.
            ResponseBody::Json(_) => quote! { String },
            ResponseBody::Xml(t) => {
                let t = self.tf_path(t);
                quote! { #t }
            }
        }
    }

    fn server_traits(&self) -> TokenStream {
        let mut groups: Vec<&str> = Vec::new();
        for e in &self.spec.endpoints {
            if !groups.contains(&e.group.as_str()) {
                groups.push(&e.group);
            }
        }
        let traits = groups.iter().map(|g| {
            let t = group_trait(g);
            let methods = self.spec.endpoints.iter().filter(|e| e.group == *g).map(|e| {
                let m = format_ident!("{}", e.id);
                let input = format_ident!("{}Input", e.id.to_pascal_case());
                let err = format_ident!("{}Error", e.id.to_pascal_case());
                let out = self.server_output(e);
                let session = if e.auth {
                    quote! { Self::Session }
                } else {
                    quote! { () }
                };
                let d = doc(&format!(
                    "{} (`{} {}{}`, {}). Answers {} {} or one of [`{err}`].",
                    e.title,
                    e.method,
                    e.base(),
                    e.path,
                    match &e.experimental {
                        Some(_) => "experimental: no API version".to_owned(),
                        None => format!("since API {}", e.since),
                    },
                    e.response.status,
                    match &e.response.body {
                        ResponseBody::None => "with no body".to_owned(),
                        ResponseBody::Binary(types) => format!(
                            "with a file ({})",
                            types
                                .iter()
                                .map(|t| format!("`.{}` as `{}`", t.extension, t.media_type))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        ResponseBody::Xml(t) => format!("with `{t}`"),
                        ResponseBody::Json(what) => format!("with a JSON document ({what})"),
                    }
                ));
                quote! {
                    #d
                    fn #m(&self, cx: &super::Context<#session>, input: #input) -> Result<#out, super::Reject<#err>>;
                }
            });
            let d = doc(&format!(
                "The `{g}` endpoints (`spec/{g}.tfspec`): one method each, behaviour only."
            ));
            quote! {
                #d
                pub trait #t: Authority {
                    #(#methods)*
                }
            }
        });
        let bounds = groups.iter().map(|g| group_trait(g));
        let bounds2 = bounds.clone();
        quote! {
            #(#traits)*

            /// Who is calling: a server checks the `X-Tableau-Auth` token of every endpoint that
            /// needs sign-in, and the site in its path.
            pub trait Authority: Send + Sync {
                /// What a behaviour knows of the caller.
                type Session;

                /// Checks the token (absent when the request has no `X-Tableau-Auth` header) and,
                /// for endpoints under `/sites/{site_id}`, that the token is for that site.
                /// [`AuthFailure::Token`](super::AuthFailure::Token) answers 401002 (deviation S20); [`AuthFailure::Site`](super::AuthFailure::Site)
                /// answers the endpoint's 404000 where its table lists it, 401002 otherwise.
                fn authenticate(&self, token: Option<&str>, site: Option<&tableau_flows::SiteId>) -> Result<Self::Session, super::AuthFailure>;
            }

            /// Every endpoint of the spec: implemented by implementing each group's trait.
            pub trait Service: Authority #(+ #bounds)* {}

            impl<T: Authority #(+ #bounds2)*> Service for T {}
        }
    }

    fn server_endpoint(&self, e: &Endpoint) -> TokenStream {
        let f = format_ident!("endpoint_{}", e.id);
        let m = format_ident!("{}", e.id);
        let err = format_ident!("{}Error", e.id.to_pascal_case());
        let input_ty = format_ident!("{}Input", e.id.to_pascal_case());
        let group = group_trait(&e.group);
        let lists = |code: u32| e.errors.iter().any(|r| r.code == code);
        let path_args: Vec<proc_macro2::Ident> = segments(&e.path)
            .iter()
            .filter_map(|s| s.err())
            .map(|n| format_ident!("{}", n))
            .collect();
        let count = path_args.len();
        let mut steps = Vec::new();
        // Path parameters, percent-decoded and typed.
        for p in &e.path_params {
            let n = format_ident!("{}", p.name);
            let t = self.server_ty(&p.ty);
            steps.push(quote! { let #n: #t = super::path_segment(#n).as_str().into(); });
        }
        // Authentication (a function of its own, which routing on the head calls too).
        let auth = if e.auth {
            let af = format_ident!("auth_{}", e.id);
            let site = e
                .path_params
                .iter()
                .find(|p| p.session)
                .map(|p| {
                    let n = format_ident!("{}", p.name);
                    let t = self.server_ty(&p.ty);
                    quote! {
                        let #n: #t = super::path_segment(#n).as_str().into();
                        let site = Some(&#n);
                    }
                })
                .unwrap_or(quote! { let site = None; });
            let site_error = if lists(404000) {
                quote! { #err::SiteNotFound }
            } else {
                quote! { #err::InvalidAuthenticationToken }
            };
            steps.insert(
                0,
                quote! { let session = #af(service, request.token, path)?; },
            );
            let d = doc(&format!(
                "{}: checks the caller's token (and the site in the path), as the endpoint does before anything else.",
                e.title
            ));
            quote! {
                #d
                #[allow(unused_variables)]
                fn #af<S: Authority>(service: &S, token: Option<&str>, path: [&str; #count]) -> Result<S::Session, super::Answer> {
                    let [#(#path_args),*] = path;
                    #site
                    match service.authenticate(token, site) {
                        Ok(session) => Ok(session),
                        Err(super::AuthFailure::Token(detail)) => Err(super::reject(#err::InvalidAuthenticationToken, detail)),
                        Err(super::AuthFailure::Site(detail)) => Err(super::reject(#site_error, detail)),
                    }
                }
            }
        } else {
            quote! {}
        };
        let session = if e.auth {
            quote! { super::Context { version, session } }
        } else {
            quote! { super::Context { version, session: () } }
        };
        // Query parameters.
        if !e.query.is_empty() {
            steps.push(quote! { let query = super::Query::parse(request.query); });
        }
        for q in &e.query {
            steps.push(self.query_step(e, q, &err));
        }
        // Body.
        match &e.request {
            Request::Xml { ty, optional } => {
                let t = self.tf_path(ty);
                // The body is read in the format its Content-Type names (S29): 415 for another.
                let decode = quote! {
                    match super::body_format(request.content_type) {
                        Ok(super::Format::Xml) => #t::decode_request(request.body),
                        Ok(super::Format::Json) => #t::decode_json_request(request.body),
                        Err(media) => return Err(super::unsupported_media_type(&media)),
                    }
                    .map_err(|e| super::reject(#err::BadRequest, format!("the request body: {e}")))?
                };
                steps.push(if *optional {
                    // The body may be left out: then it is the type's default.
                    quote! {
                        let body = if request.body.trim_ascii().is_empty() {
                            #t::default()
                        } else {
                            #decode
                        };
                    }
                } else {
                    quote! { let body = #decode; }
                });
            }
            Request::Multipart {
                ty,
                file_part,
                file_required,
            } => {
                let t = self.tf_path(ty);
                // A payload type without required content may come as an empty part (S12).
                // The payload part is read in the format its own Content-Type names (S29).
                let read = quote! {
                    match super::body_format(payload.content_type.as_deref()) {
                        Ok(super::Format::Xml) => #t::decode_request(payload.body),
                        Ok(super::Format::Json) => #t::decode_json_request(payload.body),
                        Err(media) => return Err(super::unsupported_media_type(&media)),
                    }
                    .map_err(|e| super::reject(#err::BadRequest, format!("the request_payload part: {e}")))?
                };
                let decode = if self.defaultable[ty] {
                    quote! {
                        if payload.body.trim_ascii().is_empty() {
                            #t::default()
                        } else {
                            #read
                        }
                    }
                } else {
                    read
                };
                steps.push(quote! {
                    let parts = super::multipart(request.content_type, request.body)
                        .map_err(|e| super::reject(#err::BadRequest, e))?;
                    let payload = parts
                        .iter()
                        .find(|p| p.name == "request_payload")
                        .ok_or_else(|| super::reject(#err::BadRequest, "the multipart body has no request_payload part"))?;
                    let payload = #decode;
                    let file = parts
                        .into_iter()
                        .find(|p| p.name == #file_part)
                        .map(|p| super::UploadedFile { filename: p.filename, bytes: p.body.to_vec() });
                });
                if *file_required {
                    let missing = format!("the multipart body has no {file_part} part");
                    steps.push(quote! {
                        let file = file.ok_or_else(|| super::reject(#err::BadRequest, #missing))?;
                    });
                }
            }
            Request::None | Request::Empty => {}
        }
        let mut inits: Vec<TokenStream> = e
            .path_params
            .iter()
            .map(|p| {
                let n = format_ident!("{}", p.name);
                quote! { #n }
            })
            .collect();
        inits.extend(e.query.iter().map(|q| {
            let n = format_ident!("{}", q.name);
            quote! { #n }
        }));
        match &e.request {
            Request::Xml { .. } => inits.push(quote! { body }),
            Request::Multipart { .. } => {
                inits.push(quote! { payload });
                inits.push(quote! { file });
            }
            _ => {}
        }
        let status = e.response.status;
        let answer = match &e.response.body {
            ResponseBody::None => quote! { super::Answer::empty(#status) },
            // Each file type with the Content-Type the spec gives it.
            ResponseBody::Binary(types) => {
                let pairs = types.iter().map(|t| {
                    let (ext, media) = (&t.extension, &t.media_type);
                    quote! { (#ext, #media) }
                });
                quote! { super::Answer::file(output, &[#(#pairs),*]) }
            }
            // JSON whatever the request's Accept prefers: the endpoint has no XML form.
            ResponseBody::Json(_) => quote! { super::Answer::json(#status, output) },
            // Written in the format the request's Accept prefers (S29).
            ResponseBody::Xml(_) => quote! {
                match super::answer_format(request.accept) {
                    Some(super::Format::Json) => super::Answer::json(#status, output.encode_json()),
                    _ => super::Answer::document(#status, output.encode_response()),
                }
            },
        };
        let unused_output = matches!(e.response.body, ResponseBody::None);
        let bind = if unused_output {
            quote! { () }
        } else {
            quote! { output }
        };
        let d = doc(&format!(
            "{}: decode, check, call, encode. `path` holds the raw path parameters, in path order.",
            e.title
        ));
        quote! {
            #auth
            #d
            #[allow(unused_variables)]
            fn #f<S: Service>(service: &S, version: tableau_flows::ApiVersion, request: &super::Request<'_>, path: [&str; #count]) -> Result<super::Answer, super::Answer> {
                let [#(#path_args),*] = path;
                #(#steps)*
                let input = #input_ty { #(#inits,)* };
                let cx = #session;
                match #group::#m(service, &cx, input) {
                    Ok(#bind) => Ok(#answer),
                    Err(reject) => Err(super::Answer::reject(&reject)),
                }
            }
        }
    }

    /// Decodes and checks one query parameter into a local of its name: absent, its default (or
    /// `None`, or an empty list); a value that does not parse, the parameter's `invalid` code
    /// (`above` for one above its range), or as if absent when the spec gives none.
    fn query_step(&self, e: &Endpoint, q: &Param, err: &proc_macro2::Ident) -> TokenStream {
        let n = format_ident!("{}", q.name);
        let wire = &q.wire;
        let raw = match q.since {
            Some(since) => {
                let (a, b) = (
                    Literal::u16_unsuffixed(since.major),
                    Literal::u16_unsuffixed(since.minor),
                );
                // Newer than the request's version: a server of that version does not know it.
                quote! { query.get(#wire).filter(|_| version >= tableau_flows::ApiVersion::new(#a, #b)) }
            }
            None => quote! { query.get(#wire) },
        };
        let parse = match &q.ty {
            TypeRef::Primitive(Prim::String) => {
                quote! { Ok::<String, super::Invalid>(raw.to_owned()) }
            }
            TypeRef::Primitive(Prim::Bool) => quote! { super::boolean(raw) },
            TypeRef::Primitive(p @ (Prim::U32 | Prim::U64 | Prim::I64)) => {
                let t = match p {
                    Prim::U32 => quote! { u32 },
                    Prim::U64 => quote! { u64 },
                    _ => quote! { i64 },
                };
                let range = match q.range {
                    Some((lo, hi)) => {
                        let (lo, hi) = (Literal::i64_unsuffixed(lo), Literal::i64_unsuffixed(hi));
                        quote! { Some((#lo, #hi)) }
                    }
                    None => quote! { None },
                };
                quote! { super::integer::<#t>(raw, #range) }
            }
            TypeRef::Primitive(Prim::Filter | Prim::Sort) => {
                let t = if q.ty == TypeRef::Primitive(Prim::Filter) {
                    quote! { tableau_flows::Filter }
                } else {
                    quote! { tableau_flows::Sort }
                };
                let meta = format_ident!("{}", e.id.to_shouty_snake_case());
                quote! { super::expression::<#t>(raw, &tableau_flows::endpoints::#meta, #wire) }
            }
            TypeRef::Id(_) => quote! { Ok::<_, super::Invalid>(raw.into()) },
            TypeRef::Enum(name) => {
                let t = self.tf_path(name);
                quote! {
                    match #t::from(raw) {
                        #t::Unknown(_) => Err(super::Invalid::Unknown),
                        v => Ok(v),
                    }
                }
            }
            other => {
                let t = self.server_ty(other);
                quote! { raw.parse::<#t>().map_err(|_| super::Invalid::Unknown) }
            }
        };
        if q.list {
            return quote! {
                let #n = super::list(#raw, |raw| #parse);
            };
        }
        let absent = match (&q.default, &q.ty) {
            (None, _) => quote! { None },
            (Some(d), TypeRef::Primitive(Prim::Bool)) => {
                let b = d == "true";
                quote! { #b }
            }
            (Some(d), TypeRef::Primitive(Prim::U32 | Prim::U64 | Prim::I64)) => {
                let lit = Literal::i64_unsuffixed(d.parse().expect("validated default"));
                quote! { #lit }
            }
            (Some(d), _) => quote! { #d.into() },
        };
        let value = if q.default.is_some() {
            quote! { v }
        } else {
            quote! { Some(v) }
        };
        let above = q.above.map(|c| {
            let v = self.code_variant(c);
            quote! {
                Some((raw, Err(why @ super::Invalid::Above(_)))) => {
                    return Err(super::reject(#err::#v, super::invalid(#wire, raw, &why)));
                }
            }
        });
        let invalid = match q.invalid {
            Some(c) => {
                let v = self.code_variant(c);
                quote! { Some((raw, Err(why))) => return Err(super::reject(#err::#v, super::invalid(#wire, raw, &why))), }
            }
            None => quote! { Some((_, Err(_))) => #absent, },
        };
        quote! {
            let #n = match #raw.map(|raw| (raw, #parse)) {
                None => #absent,
                Some((_, Ok(v))) => #value,
                #above
                #invalid
            };
        }
    }
}
