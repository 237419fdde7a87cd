//! The server interface's router: every route of the spec (paths and `also_path` spellings)
//! grouped by path shape, most literal first; in a shape, the method picks the endpoint.

use super::Gen;
use crate::ir::*;
use heck::{ToPascalCase, ToShoutySnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// A segment of a path template: `Ok(literal)` or `Err(placeholder)`.
type Segment<'a> = Result<&'a str, &'a str>;

/// A route: method, segments, endpoint.
type Route<'a> = (&'a str, Vec<Segment<'a>>, &'a Endpoint);

/// Routes sharing a path shape: the shape, and each method with its endpoint.
type Shape<'a> = (Vec<Segment<'a>>, Vec<(&'a str, &'a Endpoint)>);

/// The segments of a path template.
pub(super) fn segments(path: &str) -> Vec<Segment<'_>> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Err(name),
                None => Ok(s),
            },
        )
        .collect()
}

impl Gen<'_> {
    /// Every route under `/api/{version}` (`experimental: false`) or under `/api/exp`
    /// (`true`), most literal first: (method, segments, endpoint).
    fn routes(&self, experimental: bool) -> Vec<Route<'_>> {
        let mut routes = Vec::new();
        for e in self
            .spec
            .endpoints
            .iter()
            .filter(|e| e.is_experimental() == experimental)
        {
            routes.push((e.method.as_str(), segments(&e.path), e));
            if let Some(also) = &e.also_path {
                routes.push((e.method.as_str(), segments(&also.path), e));
            }
        }
        routes.sort_by_key(|(_, s, _)| std::cmp::Reverse(s.iter().filter(|x| x.is_ok()).count()));
        routes
    }

    /// The match arms of the routes under one base: each path shape, then its methods.
    fn route_arms(&self, experimental: bool) -> Vec<TokenStream> {
        // Routes grouped by path shape (literals and placeholders), most literal first: a path
        // goes to its most specific shape, then the method picks the endpoint; another method
        // answers 405 with the shape's methods in `Allow`. HEAD goes wherever GET goes (RFC 9110,
        // 9.3.2), and is allowed wherever GET is.
        let mut shapes: Vec<Shape<'_>> = Vec::new();
        for (method, segs, e) in self.routes(experimental) {
            let same = |other: &Vec<Segment<'_>>| {
                other.len() == segs.len()
                    && other.iter().zip(&segs).all(|(a, b)| match (a, b) {
                        (Ok(x), Ok(y)) => x == y,
                        (Err(_), Err(_)) => true,
                        _ => false,
                    })
            };
            match shapes.iter_mut().find(|(s, _)| same(s)) {
                Some((_, methods)) => methods.push((method, e)),
                None => shapes.push((segs, vec![(method, e)])),
            }
        }
        let arms = shapes.iter().map(|(segs, methods)| {
            // Placeholders are bound by position: `p0`, `p1`, ... in path order.
            let mut i = 0usize;
            let parts = segs.iter().map(|s| match s {
                Ok(lit) => quote! { #lit },
                Err(_) => {
                    let n = format_ident!("p{}", i);
                    i += 1;
                    quote! { #n }
                }
            });
            let params: Vec<proc_macro2::Ident> = (0..segs.iter().filter(|s| s.is_err()).count())
                .map(|i| format_ident!("p{}", i))
                .collect();
            let explicit_head = methods.iter().any(|(m, _)| *m == "HEAD");
            let calls = methods.iter().map(|(method, e)| {
                let variant = format_ident!("{}", e.id.to_pascal_case());
                let meta = format_ident!("{}", e.id.to_shouty_snake_case());
                let pattern = if *method == "GET" && !explicit_head {
                    quote! { "GET" | "HEAD" }
                } else {
                    quote! { #method }
                };
                quote! {
                    #pattern if version < tableau_flows::endpoints::#meta.since => {
                        return Err(super::unavailable(&tableau_flows::endpoints::#meta, version));
                    }
                    #pattern => (&tableau_flows::endpoints::#meta, Target::#variant([#(#params),*])),
                }
            });
            let mut allow: Vec<&str> = Vec::new();
            for (m, _) in methods {
                allow.push(m);
                if *m == "GET" && !explicit_head {
                    allow.push("HEAD");
                }
            }
            quote! {
                [#(#parts),*] => match method {
                    #(#calls)*
                    other => return Err(super::method_not_allowed(other, &[#(#allow),*])),
                },
            }
        });
        arms.collect()
    }

    pub(super) fn server_router(&self) -> TokenStream {
        let arms = self.route_arms(false);
        // Experimental endpoints answer under /api/exp, with no API version in the path: the
        // route's version is the server's.
        let experimental_arms = self.route_arms(true);
        let experimental = if experimental_arms.is_empty() {
            TokenStream::new()
        } else {
            quote! {
                if let Some(rest) = super::split_experimental_path(path) {
                    let version = server_version;
                    let segments: Vec<&'r str> = rest.split('/').collect();
                    let (meta, target) = match *segments.as_slice() {
                        #(#experimental_arms)*
                        _ => return Err(super::not_found(path)),
                    };
                    return Ok(Route { meta, version, target });
                }
            }
        };
        let endpoints = &self.spec.endpoints;
        let variants = endpoints.iter().map(|e| {
            let variant = format_ident!("{}", e.id.to_pascal_case());
            let count = segments(&e.path).iter().filter(|s| s.is_err()).count();
            quote! { #variant([&'r str; #count]) }
        });
        let calls = endpoints.iter().map(|e| {
            let variant = format_ident!("{}", e.id.to_pascal_case());
            let f = format_ident!("endpoint_{}", e.id);
            quote! { Target::#variant(path) => #f(service, route.version, request, path), }
        });
        let checks = endpoints.iter().filter(|e| e.auth).map(|e| {
            let variant = format_ident!("{}", e.id.to_pascal_case());
            let f = format_ident!("auth_{}", e.id);
            quote! { Target::#variant(path) => #f(service, token, path).map(drop), }
        });
        let files = endpoints.iter().filter_map(|e| match &e.request {
            Request::Multipart { file_part, .. } => {
                let variant = format_ident!("{}", e.id.to_pascal_case());
                Some(quote! { Target::#variant(_) => Some(#file_part), })
            }
            _ => None,
        });
        let anonymous = if endpoints.iter().any(|e| !e.auth) {
            quote! { _ => Ok(()), }
        } else {
            quote! {}
        };
        quote! {
            /// A request routed by its method and path alone, before anything else of it is read:
            /// its endpoint and the API version its path names ([`route`]).
            #[derive(Debug, Clone, Copy)]
            pub struct Route<'r> {
                /// The endpoint.
                pub meta: &'static tableau_flows::meta::EndpointMeta,
                /// The API version in the path (never newer than the server's, nor older than
                /// the endpoint).
                pub version: tableau_flows::ApiVersion,
                target: Target<'r>,
            }

            impl Route<'_> {
                /// The name of the multipart part that carries the endpoint's file (Publish
                /// Flow's `tableau_flow`), for endpoints that take one.
                pub fn file_part(&self) -> Option<&'static str> {
                    match self.target {
                        #(#files)*
                        _ => None,
                    }
                }
            }

            /// The endpoint a request goes to, with its raw path parameters in path order.
            #[derive(Debug, Clone, Copy)]
            enum Target<'r> {
                #(#variants,)*
            }

            /// Routes a request by its method and path (still percent-encoded, without the query):
            /// its endpoint, or the answer of a request that reaches none, which [`handle`] gives
            /// it too (404003 for a path no endpoint has, 404001 for an endpoint or API version
            /// newer than the request's or the server's, 405 with `Allow` for a method the path's
            /// endpoints do not take). HEAD goes wherever GET goes.
            pub fn route<'r>(server_version: tableau_flows::ApiVersion, method: &str, path: &'r str) -> Result<Route<'r>, super::Answer> {
                #experimental
                let Some((version, rest)) = super::split_api_path(path) else {
                    return Err(super::not_found(path));
                };
                if version > server_version {
                    return Err(super::too_new(version, server_version));
                }
                let segments: Vec<&'r str> = rest.split('/').collect();
                let (meta, target) = match *segments.as_slice() {
                    #(#arms)*
                    _ => return Err(super::not_found(path)),
                };
                Ok(Route { meta, version, target })
            }

            /// Checks the caller of a routed request, from its `X-Tableau-Auth` token alone, as
            /// its endpoint does before it decodes anything else: the answer [`handle`] gives a
            /// caller the endpoint refuses (401002, or the endpoint's 404000 for a token of
            /// another site). Endpoints without sign-in take every caller.
            pub fn authenticate<S: Authority>(service: &S, route: &Route<'_>, token: Option<&str>) -> Result<(), super::Answer> {
                match route.target {
                    #(#checks)*
                    #anonymous
                }
            }

            /// Answers one request: routes it by path and method to its endpoint ([`route`]),
            /// checks the API version in the path against the endpoint's and the server's, decodes
            /// and checks its inputs, calls the behaviour and encodes what it returns. Never
            /// panics on input.
            pub fn handle<S: Service>(service: &S, server_version: tableau_flows::ApiVersion, request: &super::Request<'_>) -> super::Answer {
                let route = match route(server_version, request.method, request.path) {
                    Ok(route) => route,
                    Err(answer) => return answer,
                };
                let result = match route.target {
                    #(#calls)*
                };
                match result {
                    Ok(answer) | Err(answer) => answer,
                }
            }
        }
    }
}
