//! The models' XML: a decoder (`FromXml`) and an encoder (`ToXml`) per element type, and the
//! version each value requires (`Versioned`).

use super::{Gen, ver};
use crate::ir::*;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

impl Gen<'_> {
    pub(super) fn struct_decode(&self, t: &StructType) -> TokenStream {
        let name = format_ident!("{}", t.name);
        let lets = t
            .fields
            .iter()
            .filter(|f| f.kind != FieldKind::Text)
            .map(|f| {
                let v = format_ident!("f_{}", f.name);
                match f.kind {
                    FieldKind::List | FieldKind::Many => quote! { let mut #v = Vec::new(); },
                    _ => quote! { let mut #v = None; },
                }
            });
        // Each known attribute has a bit in `seen`, so that one given twice is an error without
        // quick-xml's per-element list of names (see `Decoder::attributes`).
        let attr_arms = t
            .fields
            .iter()
            .filter(|f| f.kind == FieldKind::Attr)
            .enumerate()
            .map(|(bit, f)| {
                let v = format_ident!("f_{}", f.name);
                let keys = std::iter::once(&f.wire)
                    .chain(&f.aliases)
                    .map(|k| Literal::string(k));
                let bit = Literal::usize_unsuffixed(bit);
                quote! { #(#keys)|* => #v = d.known_attr(&mut seen, #bit, start, &attr)?, }
            });
        let child_arms: Vec<TokenStream> = t
            .fields
            .iter()
            .filter(|f| !matches!(f.kind, FieldKind::Attr | FieldKind::Text))
            .map(|f| {
                let v = format_ident!("f_{}", f.name);
                let keys = std::iter::once(&f.wire)
                    .chain(&f.aliases)
                    .map(|k| Literal::string(k));
                let is_struct = matches!(f.ty, TypeRef::Struct(_));
                let ty = self.rust_ty(&f.ty);
                let body = match f.kind {
                    FieldKind::Elem if is_struct => {
                        quote! { #v = Some(<#ty as crate::xml::FromXml>::from_xml(d, &child)?) }
                    }
                    FieldKind::Elem => quote! { #v = d.text_value(&child)? },
                    FieldKind::List => {
                        let item = f.item.as_deref().unwrap_or_default();
                        if is_struct {
                            quote! { #v = d.list(&child, #item)? }
                        } else {
                            quote! { #v = d.text_list(&child, #item)? }
                        }
                    }
                    FieldKind::Many if is_struct => {
                        quote! { #v.push(<#ty as crate::xml::FromXml>::from_xml(d, &child)?) }
                    }
                    FieldKind::Many => {
                        quote! { if let Some(x) = d.text_value(&child)? { #v.push(x) } }
                    }
                    _ => unreachable!(),
                };
                quote! { #(#keys)|* => #body, }
            })
            .collect();
        let text_field = t.fields.iter().find(|f| f.kind == FieldKind::Text);
        let error_arm = if t.root && !t.fields.iter().any(|f| f.wire == "error") {
            quote! { "error" => return Err(d.service_error(&child)), }
        } else {
            TokenStream::new()
        };
        let children = if let Some(tf) = text_field {
            let v = format_ident!("f_{}", tf.name);
            quote! { let #v = d.text_value(start)?; }
        } else if child_arms.is_empty() && !t.root {
            quote! { d.skip(start)?; }
        } else {
            quote! {
                while let Some(child) = d.next_child(start)? {
                    match child.local_name().as_ref() {
                        #error_arm
                        #(#child_arms)*
                        _ => d.skip(&child)?,
                    }
                }
            }
        };
        let attr_fields: Vec<&Field> = t
            .fields
            .iter()
            .filter(|f| f.kind == FieldKind::Attr)
            .collect();
        let attrs = if attr_fields.is_empty() {
            TokenStream::new()
        } else {
            quote! {
                let (mut seen, mut checked) = (0u64, false);
                for attr in d.attributes(start) {
                    let attr = d.attribute(start, attr)?;
                    match attr.key.as_ref() {
                        #(#attr_arms)*
                        _ => d.unknown_attr(&mut checked, start)?,
                    }
                }
            }
        };
        let inits = t.fields.iter().map(|f| {
            let n = format_ident!("{}", f.name);
            let v = format_ident!("f_{}", f.name);
            if f.required && !matches!(f.kind, FieldKind::List | FieldKind::Many) {
                let w = match f.kind {
                    FieldKind::Attr => format!("attribute `{}`", f.wire),
                    FieldKind::Text => "text".to_owned(),
                    _ => format!("element `<{}>`", f.wire),
                };
                quote! { #n: #v.ok_or_else(|| crate::DecodeError::missing(start, #w))? }
            } else {
                quote! { #n: #v }
            }
        });
        // Rules a server checks in a request (a strict decoder): `one_of` and `any_of`. (A
        // `nonempty` text is left to the behaviour, which may have a code of its own for it.)
        let strict = super::constraint_checks(
            t,
            |f| f.wire.clone(),
            |present, test, what| {
                quote! {
                    if d.is_strict() && #(#present)+* #test {
                        return Err(crate::DecodeError::missing(start, #what));
                    }
                }
            },
        );
        quote! {
            impl crate::xml::FromXml for #name {
                fn from_xml<'x>(d: &mut crate::xml::Decoder<'x>, start: &crate::xml::BytesStart<'x>) -> Result<Self, crate::DecodeError> {
                    #(#lets)*
                    #attrs
                    #children
                    #(#strict)*
                    Ok(#name { #(#inits,)* })
                }
            }
        }
    }

    pub(super) fn struct_encode(&self, t: &StructType) -> TokenStream {
        let name = format_ident!("{}", t.name);
        let mut attrs = Vec::new();
        let mut children = Vec::new();
        for f in &t.fields {
            let v = format_ident!("{}", f.name);
            let wire = &f.wire;
            let is_struct = matches!(f.ty, TypeRef::Struct(_));
            match f.kind {
                FieldKind::Attr => attrs.push(if f.required {
                    quote! { w.attr(#wire, &self.#v); }
                } else {
                    quote! { if let Some(v) = &self.#v { w.attr(#wire, v); } }
                }),
                FieldKind::Text => children.push(if f.required {
                    quote! { w.text(&self.#v); }
                } else {
                    quote! { if let Some(v) = &self.#v { w.text(v); } }
                }),
                FieldKind::Elem => {
                    let one = if is_struct {
                        quote! { crate::xml::ToXml::to_xml(v, w, #wire); }
                    } else {
                        quote! { w.text_element(#wire, v); }
                    };
                    children.push(if f.required {
                        quote! { { let v = &self.#v; #one } }
                    } else {
                        quote! { if let Some(v) = &self.#v { #one } }
                    });
                }
                FieldKind::List => {
                    let item = f.item.as_deref().unwrap_or_default();
                    let one = if is_struct {
                        quote! { crate::xml::ToXml::to_xml(v, w, #item); }
                    } else {
                        quote! { w.text_element(#item, v); }
                    };
                    children.push(quote! {
                        if !self.#v.is_empty() {
                            w.start(#wire);
                            for v in &self.#v { #one }
                            w.end(#wire);
                        }
                    });
                }
                FieldKind::Many => {
                    let one = if is_struct {
                        quote! { crate::xml::ToXml::to_xml(v, w, #wire); }
                    } else {
                        quote! { w.text_element(#wire, v); }
                    };
                    children.push(quote! { for v in &self.#v { #one } });
                }
            }
        }
        quote! {
            impl crate::xml::ToXml for #name {
                fn to_xml(&self, w: &mut crate::xml::XmlWriter, name: &str) {
                    w.start(name);
                    #(#attrs)*
                    #(#children)*
                    w.end(name);
                }
            }
        }
    }

    pub(super) fn struct_versioned(&self, t: &StructType) -> TokenStream {
        if !self.versioned[&t.name] {
            return TokenStream::new();
        }
        let name = format_ident!("{}", t.name);
        let checks = t.fields.iter().filter_map(|f| {
            let v = format_ident!("{}", f.name);
            let is_vec = matches!(f.kind, FieldKind::List | FieldKind::Many);
            let mut out = TokenStream::new();
            if let Some(s) = f.since {
                let label = format!("{}.{}", t.name, f.wire);
                let sv = ver(s);
                let present = if is_vec {
                    quote! { !self.#v.is_empty() }
                } else if f.required {
                    quote! { true }
                } else {
                    quote! { self.#v.is_some() }
                };
                out.extend(quote! {
                    if #present {
                        best = crate::version::Feature::newest(best, Some(crate::version::Feature::new(#label, #sv)));
                    }
                });
            }
            if self.type_versioned(&f.ty) {
                let each = quote! { best = crate::version::Feature::newest(best, crate::version::Versioned::required_version(v)); };
                out.extend(if is_vec {
                    quote! { for v in &self.#v { #each } }
                } else if f.required {
                    quote! { { let v = &self.#v; #each } }
                } else {
                    quote! { if let Some(v) = &self.#v { #each } }
                });
            }
            if out.is_empty() { None } else { Some(out) }
        });
        quote! {
            impl crate::version::Versioned for #name {
                fn required_version(&self) -> Option<crate::version::Feature> {
                    let mut best = None;
                    #(#checks)*
                    best
                }
            }
        }
    }
}
