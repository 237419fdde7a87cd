//! The models' JSON, by the rule of `spec/README.md` ("JSON: one rule from the XML shapes"): a
//! writer (`ToJson`, and `serde::Serialize` for display) and a streaming reader (`FromJson`) per
//! element type, from the same fields as the XML stage (`xml.rs`). The runtime they call is the
//! client's `crate::json`.

use super::Gen;
use crate::ir::*;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// Whether the struct is written as its text alone (its only field is its text).
fn text_only(t: &StructType) -> bool {
    t.fields.len() == 1 && t.fields[0].kind == FieldKind::Text
}

impl Gen<'_> {
    pub(super) fn struct_json(&self, t: &StructType) -> TokenStream {
        let keys: Vec<String> = t.fields.iter().map(|f| f.json_key.clone()).collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(
                !keys[..i].contains(k),
                "struct {}: two fields have the JSON key `{k}` (a spec the JSON rule cannot map)",
                t.name
            );
        }
        let write = self.struct_to_json(t);
        let read = self.struct_from_json(t);
        let name = format_ident!("{}", t.name);
        quote! {
            #write

            impl serde::Serialize for #name {
                /// Writes the model as JSON by the API's rule, secrets as `"<redacted>"` (for
                /// display; `encode_json` writes a document for the wire).
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    crate::json::ToJson::write_json(self, serializer, crate::json::Secrets::Redacted)
                }
            }

            #read
        }
    }

    fn struct_to_json(&self, t: &StructType) -> TokenStream {
        let name = format_ident!("{}", t.name);
        if text_only(t) {
            let f = &t.fields[0];
            let v = format_ident!("{}", f.name);
            let body = if f.required {
                quote! { serde::Serialize::serialize(&crate::json::Val(&self.#v, secrets), s) }
            } else {
                quote! {
                    match &self.#v {
                        Some(v) => serde::Serialize::serialize(&crate::json::Val(v, secrets), s),
                        None => s.serialize_str(""),
                    }
                }
            };
            return quote! {
                impl crate::json::ToJson for #name {
                    fn write_json<S: serde::Serializer>(&self, s: S, secrets: crate::json::Secrets) -> Result<S::Ok, S::Error> {
                        #body
                    }
                }
            };
        }
        let entries = t.fields.iter().map(|f| {
            let v = format_ident!("{}", f.name);
            let key = f.json_key.clone();
            let is_struct = matches!(f.ty, TypeRef::Struct(_));
            match f.kind {
                FieldKind::Attr | FieldKind::Text | FieldKind::Elem => {
                    let one = if is_struct {
                        quote! { m.serialize_entry(#key, &crate::json::Obj(v, secrets))?; }
                    } else {
                        quote! { m.serialize_entry(#key, &crate::json::Val(v, secrets))?; }
                    };
                    if f.required {
                        quote! { { let v = &self.#v; #one } }
                    } else {
                        quote! { if let Some(v) = &self.#v { #one } }
                    }
                }
                FieldKind::List => {
                    let item = f.item.as_deref().unwrap_or_default();
                    let seq = if is_struct {
                        quote! { crate::json::ObjSeq(&self.#v, secrets) }
                    } else {
                        quote! { crate::json::ValSeq(&self.#v, secrets) }
                    };
                    quote! {
                        m.serialize_entry(#key, &crate::json::Wrapper { item: #item, empty: self.#v.is_empty(), items: #seq })?;
                    }
                }
                FieldKind::Many => {
                    let seq = if is_struct {
                        quote! { crate::json::ObjSeq(&self.#v, secrets) }
                    } else {
                        quote! { crate::json::ValSeq(&self.#v, secrets) }
                    };
                    quote! {
                        if !self.#v.is_empty() {
                            m.serialize_entry(#key, &#seq)?;
                        }
                    }
                }
            }
        });
        let (m, secrets) = if t.fields.is_empty() {
            (quote! { m }, quote! { _secrets })
        } else {
            (quote! { mut m }, quote! { secrets })
        };
        quote! {
            impl crate::json::ToJson for #name {
                fn write_json<S: serde::Serializer>(&self, s: S, #secrets: crate::json::Secrets) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeMap;
                    let #m = s.serialize_map(None)?;
                    #(#entries)*
                    m.end()
                }
            }
        }
    }

    fn struct_from_json(&self, t: &StructType) -> TokenStream {
        let name = format_ident!("{}", t.name);
        let lets = t.fields.iter().map(|f| {
            let v = format_ident!("f_{}", f.name);
            let ty = self.rust_ty(&f.ty);
            match f.kind {
                FieldKind::List | FieldKind::Many => quote! { let mut #v: Vec<#ty> = Vec::new(); },
                _ => quote! { let mut #v: Option<#ty> = None; },
            }
        });
        let arms: Vec<TokenStream> = t
            .fields
            .iter()
            .map(|f| {
                let v = format_ident!("f_{}", f.name);
                let keys = std::iter::once(f.json_key.clone())
                    .chain(f.aliases.iter().map(|a| a.replace(':', "_")));
                let is_struct = matches!(f.ty, TypeRef::Struct(_));
                let ty = self.rust_ty(&f.ty);
                let kind = if is_struct {
                    quote! { crate::json::Model<#ty> }
                } else {
                    quote! { crate::json::Value<#ty> }
                };
                let key = f.json_key.clone();
                let body = match f.kind {
                    FieldKind::Attr => quote! {
                        #v = map.next_value_seed(crate::json::ValueSeed::<#ty>::new(cx, element, Some(#key)))?
                    },
                    FieldKind::Text => quote! {
                        #v = map.next_value_seed(crate::json::ValueSeed::<#ty>::new(cx, element, None))?
                    },
                    FieldKind::Elem if is_struct => quote! {
                        #v = map.next_value_seed(crate::json::ModelSeed::<#ty>::element(cx, #key))?
                    },
                    FieldKind::Elem => quote! {
                        #v = map.next_value_seed(crate::json::ValueSeed::<#ty>::new(cx, #key, None))?
                    },
                    FieldKind::List => {
                        let item = f.item.as_deref().unwrap_or_default();
                        let page = t.root;
                        quote! {
                            map.next_value_seed(crate::json::ListSeed::<#kind>::new(cx, #key, #item, #page, &mut #v))?
                        }
                    }
                    FieldKind::Many => quote! {
                        map.next_value_seed(crate::json::ItemsSeed::<#kind>::new(cx, #key, false, &mut #v))?
                    },
                };
                quote! { #(#keys)|* => #body, }
            })
            .collect();
        let error_arm = if t.root && !t.fields.iter().any(|f| f.wire == "error") {
            quote! { "error" => crate::json::service_error(cx, &mut map)?, }
        } else {
            TokenStream::new()
        };
        let inits = t.fields.iter().map(|f| {
            let n = format_ident!("{}", f.name);
            let v = format_ident!("f_{}", f.name);
            if f.required && !matches!(f.kind, FieldKind::List | FieldKind::Many) {
                let w = match f.kind {
                    FieldKind::Text => "key `value`".to_owned(),
                    _ => format!("key `{}`", f.json_key.clone()),
                };
                quote! {
                    #n: match #v {
                        Some(v) => v,
                        None => return Err(cx.missing(element, #w)),
                    }
                }
            } else {
                quote! { #n: #v }
            }
        });
        let inits: Vec<TokenStream> = inits.collect();
        let strict = super::constraint_checks(
            t,
            |f| f.json_key.clone(),
            |present, test, what| {
                quote! {
                    if cx.is_strict() && #(#present)+* #test {
                        return Err(cx.missing(element, #what));
                    }
                }
            },
        );
        // A string is read as the element's text when the struct has one and needs nothing else
        // (an element with text alone is written so; one whose attributes are all absent may be).
        let text_field = t.fields.iter().find(|f| f.kind == FieldKind::Text);
        let others_optional = t.fields.iter().all(|f| {
            f.kind == FieldKind::Text
                || !f.required
                || matches!(f.kind, FieldKind::List | FieldKind::Many)
        });
        let text_fn = match text_field {
            Some(f) if others_optional => {
                let n = format_ident!("{}", f.name);
                let ty = self.rust_ty(&f.ty);
                let value = if f.required {
                    quote! {
                        match v {
                            Some(v) => v,
                            None => return Err(crate::DecodeError::missing_in(element, "key `value`")),
                        }
                    }
                } else {
                    quote! { v }
                };
                let rest = t
                    .fields
                    .iter()
                    .filter(|g| g.kind != FieldKind::Text)
                    .map(|g| {
                        let n = format_ident!("{}", g.name);
                        if matches!(g.kind, FieldKind::List | FieldKind::Many) {
                            quote! { #n: Vec::new() }
                        } else {
                            quote! { #n: None }
                        }
                    });
                quote! {
                    fn from_json_text(cx: &mut crate::json::JsonCx, element: &str, text: &str) -> Result<Self, crate::DecodeError> {
                        let v = cx.parse::<#ty>(element, None, std::borrow::Cow::Borrowed(text))?;
                        Ok(#name { #n: #value, #(#rest,)* })
                    }
                }
            }
            _ => TokenStream::new(),
        };
        // `element` names the struct in errors: of an attribute's or its text's value, of a
        // missing required field, of a broken one-of rule.
        let uses_element = !t.constraints.is_empty()
            || t.fields.iter().any(|f| {
                matches!(f.kind, FieldKind::Attr | FieldKind::Text)
                    || (f.required && !matches!(f.kind, FieldKind::List | FieldKind::Many))
            });
        let uses_cx = !t.fields.is_empty() || !error_arm.is_empty();
        let cx = if uses_cx {
            quote! { cx }
        } else {
            quote! { _cx }
        };
        let element = if uses_element {
            quote! { element }
        } else {
            quote! { _element }
        };
        let map = quote! { mut map };
        quote! {
            impl crate::json::FromJson for #name {
                fn from_json_map<'de, A: serde::de::MapAccess<'de>>(#cx: &mut crate::json::JsonCx, #element: &str, #map: A) -> Result<Self, A::Error> {
                    #(#lets)*
                    while let Some(key) = map.next_key::<crate::json::Key<'de>>()? {
                        match key.as_str() {
                            #error_arm
                            #(#arms)*
                            _ => {
                                map.next_value::<serde::de::IgnoredAny>()?;
                            }
                        }
                    }
                    #(#strict)*
                    Ok(#name { #(#inits,)* })
                }
                #text_fn
            }
        }
    }
}
