//! The server interface's router: every route of the spec (paths and `also_path` spellings)
//! grouped by path shape, most literal first; in a shape, the method picks the endpoint.

use super::Gen;
use crate::ir::*;
use heck::ToShoutySnakeCase;
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
    /// Every route, most literal first: (method, segments, endpoint).
    fn routes(&self) -> Vec<Route<'_>> {
        let mut routes = Vec::new();
        for e in &self.spec.endpoints {
            routes.push((e.method.as_str(), segments(&e.path), e));
            if let Some(also) = &e.also_path {
                routes.push((e.method.as_str(), segments(&also.path), e));
            }
        }
        routes.sort_by_key(|(_, s, _)| std::cmp::Reverse(s.iter().filter(|x| x.is_ok()).count()));
        routes
    }

    pub(super) fn server_router(&self) -> TokenStream {
        // Routes grouped by path shape (literals and placeholders), most literal first: a path
        // goes to its most specific shape, then the method picks the endpoint; another method
        // answers 405 with the shape's methods in `Allow`.
        let mut shapes: Vec<Shape<'_>> = Vec::new();
        for (method, segs, e) in self.routes() {
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
            let calls = methods.iter().map(|(method, e)| {
                let f = format_ident!("endpoint_{}", e.id);
                let meta = format_ident!("{}", e.id.to_shouty_snake_case());
                quote! {
                    #method if version < tableau_flows::endpoints::#meta.since => {
                        super::unavailable(&tableau_flows::endpoints::#meta, version)
                    }
                    #method => #f(service, version, request, [#(#params),*]),
                }
            });
            let allow: Vec<&str> = methods.iter().map(|(m, _)| *m).collect();
            quote! {
                [#(#parts),*] => match request.method {
                    #(#calls)*
                    other => return super::method_not_allowed(other, &[#(#allow),*]),
                },
            }
        });
        quote! {
            /// Answers one request: routes it by path and method to its endpoint, checks the API
            /// version in the path against the endpoint's and the server's, decodes and checks its
            /// inputs, calls the behaviour and encodes what it returns. Never panics on input.
            pub fn handle<S: Service>(service: &S, server_version: tableau_flows::ApiVersion, request: &super::Request<'_>) -> super::Answer {
                let Some((version, rest)) = super::split_api_path(request.path) else {
                    return super::not_found(request.path);
                };
                if version > server_version {
                    return super::too_new(version, server_version);
                }
                let segments: Vec<&str> = rest.split('/').collect();
                let result = match segments.as_slice() {
                    #(#arms)*
                    _ => return super::not_found(request.path),
                };
                match result {
                    Ok(answer) | Err(answer) => answer,
                }
            }
        }
    }
}
