//! JSON support for the generated models: the runtime of the JSON codec the generator emits
//! beside the XML one (`codegen/src/generate/json.rs`), following the rule of `spec/README.md`
//! ("JSON: one rule from the XML shapes").
//!
//! - **Writing** goes through serde: each model implements [`ToJson`], which writes its
//!   attributes and elements as map entries by their wire names, every value as the text the XML
//!   writer writes ([`XmlValue::to_xml_value`]), lists as `{"item": [..]}`. [`Secrets`] says
//!   whether a secret is written as it is (the wire: `encode_json`) or as `"<redacted>"` (the
//!   models' `serde::Serialize`, for display such as `tabflow --json`).
//! - **Reading** streams through serde_json with seeds that carry a [`JsonCx`]: no
//!   `serde_json::Value` of the document is built, unknown keys are skipped without being kept,
//!   and the list items decoded are charged to the same budget as XML's
//!   ([`MAX_DECODE_EXPANSION`] bytes of items per byte, at least [`MIN_DECODE_ITEM_BUDGET`]); a
//!   page's list is held to its page size. Values parse with [`XmlValue::parse_xml`], so a type's
//!   rules are XML's; a JSON number or boolean is read as its text, `null` as absent, a one-item
//!   list as its item, an empty list as `{}`, `[]`, `""` or nothing, and a list as a bare array
//!   of its items (the 3.24 page's request). A semantic error (a missing required value, a value
//!   that does not parse, a service error) is kept in the context as the [`DecodeError`] the XML
//!   decoder would give, and serde only carries a placeholder up to the entry point.

use crate::error::DecodeError;
use crate::xml::{MAX_DECODE_EXPANSION, MAX_DEPTH, MIN_DECODE_ITEM_BUDGET, XmlValue};
use serde::de::{
    self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess, SeqAccess,
    Visitor,
};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// How a [`Secret`](crate::Secret) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// As it is: the document goes to a server.
    Wire,
    /// As `"<redacted>"`: the document is shown (the models' `serde::Serialize`).
    Redacted,
}

/// A model written as JSON by the rule of `spec/README.md`.
pub trait ToJson {
    /// Writes the model: an object of its attributes and elements (or, for an element holding
    /// only its text, that text).
    fn write_json<S: Serializer>(&self, s: S, secrets: Secrets) -> Result<S::Ok, S::Error>;
}

/// A model read from JSON by the rule of `spec/README.md`.
pub trait FromJson: Sized {
    /// Reads the model from the entries of its object; `element` is its element name (the key
    /// it is under), for errors.
    fn from_json_map<'de, A: MapAccess<'de>>(
        cx: &mut JsonCx,
        element: &str,
        map: A,
    ) -> Result<Self, A::Error>;

    /// Reads the model from a string: only an element holding nothing but its text is written so;
    /// any other refuses it.
    fn from_json_text(cx: &mut JsonCx, element: &str, text: &str) -> Result<Self, DecodeError> {
        let _ = cx;
        Err(DecodeError::invalid(
            element.to_owned(),
            None,
            text,
            "an object".to_owned(),
        ))
    }
}

/// The state of one JSON decode: its bounds, its mode and the error that stopped it.
#[derive(Debug)]
pub struct JsonCx {
    strict: bool,
    budget: u64,
    limit: u64,
    page_limit: Option<u32>,
    depth: usize,
    error: Option<DecodeError>,
}

impl JsonCx {
    /// A context for a document of `len` bytes.
    fn new(len: usize) -> Self {
        let limit = (len as u64)
            .saturating_mul(MAX_DECODE_EXPANSION)
            .max(MIN_DECODE_ITEM_BUDGET);
        JsonCx {
            strict: false,
            budget: limit,
            limit,
            page_limit: None,
            depth: 0,
            error: None,
        }
    }

    /// Whether the document is read as a server reads a request (an empty number, date, flag or
    /// enum refused rather than absent; `one_of`/`any_of` rules checked).
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// Keeps `error` as the decode's result and gives serde an error to carry it up.
    pub fn fail<E: de::Error>(&mut self, error: DecodeError) -> E {
        let message = error.to_string();
        if self.error.is_none() {
            self.error = Some(error);
        }
        E::custom(message)
    }

    /// A required `what` missing from `element`.
    pub fn missing<E: de::Error>(&mut self, element: &str, what: &str) -> E {
        self.fail(DecodeError::missing_in(element, what))
    }

    fn charge<T, E: de::Error>(&mut self, item: &str) -> Result<(), E> {
        let size = std::mem::size_of::<T>() as u64;
        match self.budget.checked_sub(size) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(self.fail(DecodeError::TooManyItems {
                element: item.to_owned(),
                limit: self.limit,
            })),
        }
    }

    /// Parses a value's text as `T`, as the XML decoder parses an element's text: kept as it is
    /// for text types, trimmed for any other; empty is absent for a non-text type (unless
    /// strict).
    pub fn parse<T: XmlValue>(
        &mut self,
        element: &str,
        attribute: Option<&str>,
        text: Cow<'_, str>,
    ) -> Result<Option<T>, DecodeError> {
        let text = if T::EMPTY_IS_ABSENT {
            match text {
                Cow::Borrowed(t) => Cow::Borrowed(t.trim()),
                Cow::Owned(t) if t.trim().len() == t.len() => Cow::Owned(t),
                Cow::Owned(t) => Cow::Owned(t.trim().to_owned()),
            }
        } else {
            text
        };
        if text.is_empty() && T::EMPTY_IS_ABSENT && !self.strict {
            return Ok(None);
        }
        // A request read as a server reads it holds only what XML 1.0 can hold, as its XML
        // form would (a server keeps what it is sent, and writes it back in either format).
        if self.strict
            && let Some(c) = text.chars().find(|&c| !crate::xml::is_xml_char(c))
        {
            return Err(DecodeError::invalid(
                element.to_owned(),
                attribute.map(str::to_owned),
                &text,
                format!(
                    "text without U+{:04X}, which XML 1.0 cannot hold",
                    u32::from(c)
                ),
            ));
        }
        let text = match T::from_text(text) {
            Ok(value) => return Ok(Some(value)),
            Err(text) => text,
        };
        T::parse_xml(&text).map(Some).map_err(|expected| {
            DecodeError::invalid(
                element.to_owned(),
                attribute.map(str::to_owned),
                &text,
                expected,
            )
        })
    }
}

/// A JSON value that is the wrong kind (an object or array where a value belongs).
fn wrong_kind(element: &str, attribute: Option<&str>, found: &str, expected: &str) -> DecodeError {
    DecodeError::invalid(
        element.to_owned(),
        attribute.map(str::to_owned),
        found,
        expected.to_owned(),
    )
}

// ------------------------------------------------------------------------------------------
// Writing
// ------------------------------------------------------------------------------------------

/// A value written as its XML text (a secret as `"<redacted>"` unless written for the wire).
pub struct Val<'a, T>(pub &'a T, pub Secrets);

impl<T: XmlValue> Serialize for Val<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if T::SECRET && self.1 == Secrets::Redacted {
            return s.serialize_str("<redacted>");
        }
        s.serialize_str(&self.0.to_xml_value())
    }
}

/// A model written as its object.
pub struct Obj<'a, T>(pub &'a T, pub Secrets);

impl<T: ToJson> Serialize for Obj<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.write_json(s, self.1)
    }
}

/// Repeated values written as an array.
pub struct ValSeq<'a, T>(pub &'a [T], pub Secrets);

impl<T: XmlValue> Serialize for ValSeq<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(&Val(v, self.1))?;
        }
        seq.end()
    }
}

/// Repeated models written as an array.
pub struct ObjSeq<'a, T>(pub &'a [T], pub Secrets);

impl<T: ToJson> Serialize for ObjSeq<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for v in self.0 {
            seq.serialize_element(&Obj(v, self.1))?;
        }
        seq.end()
    }
}

/// A list's wrapper: `{"item": [..]}`, an empty list `{}`.
pub struct Wrapper<'a, Q> {
    /// The item name.
    pub item: &'a str,
    /// Whether the list is empty.
    pub empty: bool,
    /// The items, as an array.
    pub items: Q,
}

impl<Q: Serialize> Serialize for Wrapper<'_, Q> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(usize::from(!self.empty)))?;
        if !self.empty {
            map.serialize_entry(self.item, &self.items)?;
        }
        map.end()
    }
}

/// Writes a document for the wire (secrets as they are).
pub fn encode_json<T: ToJson>(doc: &T) -> String {
    let mut out = Vec::new();
    let result = doc.write_json(&mut serde_json::Serializer::new(&mut out), Secrets::Wire);
    // The models write strings, maps and arrays only, which a serializer into memory never
    // refuses.
    debug_assert!(result.is_ok());
    String::from_utf8(out).unwrap_or_default()
}

// ------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------

/// A key of an object, borrowed from the document when it holds no escape.
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// How one item (or one value) of a kind is read: a model ([`Model`]) or a value ([`Value`]).
pub trait Kind {
    /// What is read.
    type Out;
    /// Reads one, `None` for `null` (or an empty value of a non-text type).
    fn read<'de, D: Deserializer<'de>>(
        cx: &mut JsonCx,
        name: &str,
        d: D,
    ) -> Result<Option<Self::Out>, D::Error>;
}

/// Reads a model ([`FromJson`]).
pub struct Model<T>(PhantomData<T>);

/// Reads a value ([`XmlValue`]) held by an element (`name` is the element).
pub struct Value<T>(PhantomData<T>);

impl<T: FromJson> Kind for Model<T> {
    type Out = T;
    fn read<'de, D: Deserializer<'de>>(
        cx: &mut JsonCx,
        name: &str,
        d: D,
    ) -> Result<Option<T>, D::Error> {
        ModelSeed::<T>::new(cx, name).deserialize(d)
    }
}

impl<T: XmlValue> Kind for Value<T> {
    type Out = T;
    fn read<'de, D: Deserializer<'de>>(
        cx: &mut JsonCx,
        name: &str,
        d: D,
    ) -> Result<Option<T>, D::Error> {
        ValueSeed::<T>::new(cx, name, None).deserialize(d)
    }
}

/// Reads a model: an object (or, for an element holding only its text, a string); `null` is
/// `None`.
pub struct ModelSeed<'c, T> {
    cx: &'c mut JsonCx,
    element: &'c str,
    /// `{}` lacking what the model requires is absent (a child element: deviation S30).
    absent_if_empty: bool,
    ty: PhantomData<T>,
}

impl<'c, T> ModelSeed<'c, T> {
    /// Reads the child element `element` of a model: as [`ModelSeed::new`], but an empty object
    /// `{}` lacking what the element requires is the element absent (deviation S30:
    /// `"owner": {}`, which tableau-api-lib sends to leave the owner as it is).
    pub fn element(cx: &'c mut JsonCx, element: &'c str) -> Self {
        ModelSeed {
            cx,
            element,
            absent_if_empty: true,
            ty: PhantomData,
        }
    }

    /// Reads the element `element`.
    pub fn new(cx: &'c mut JsonCx, element: &'c str) -> Self {
        ModelSeed {
            cx,
            element,
            absent_if_empty: false,
            ty: PhantomData,
        }
    }

    fn text<E: de::Error>(self, text: &str) -> Result<Option<T>, E>
    where
        T: FromJson,
    {
        match T::from_json_text(self.cx, self.element, text) {
            Ok(v) => Ok(Some(v)),
            Err(e) => Err(self.cx.fail(e)),
        }
    }
}

impl<'de, T: FromJson> DeserializeSeed<'de> for ModelSeed<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: FromJson> Visitor<'de> for ModelSeed<'_, T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object for <{}>", self.element)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T>, A::Error> {
        self.cx.depth += 1;
        if self.cx.depth > MAX_DEPTH {
            return Err(self.cx.fail(DecodeError::TooDeep { limit: MAX_DEPTH }));
        }
        let mut counted = Counted {
            inner: map,
            entries: 0,
        };
        let value = match T::from_json_map(self.cx, self.element, &mut counted) {
            Ok(value) => Some(value),
            // An element written `{}` that lacks what it requires is absent (deviation S30:
            // `"owner": {}` beside a project, meaning no change of owner).
            Err(_)
                if self.absent_if_empty
                    && counted.entries == 0
                    && matches!(self.cx.error, Some(DecodeError::Missing(_))) =>
            {
                self.cx.error = None;
                None
            }
            Err(e) => return Err(e),
        };
        self.cx.depth -= 1;
        Ok(value)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        self.text(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<T>, E> {
        self.text(if v { "true" } else { "false" })
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        self.text(&v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        self.text(&v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        self.text(&v.to_string())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Option<T>, A::Error> {
        let e = wrong_kind(self.element, None, "an array", "an object");
        Err(self.cx.fail(e))
    }
}

/// A map that counts its entries, to tell an empty object `{}` from one with entries.
struct Counted<A> {
    inner: A,
    entries: usize,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for &mut Counted<A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let key = self.inner.next_key_seed(seed)?;
        if key.is_some() {
            self.entries += 1;
        }
        Ok(key)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// Reads a value: a string, number or boolean parsed by its type's XML rules; `null` is `None`.
pub struct ValueSeed<'c, T> {
    cx: &'c mut JsonCx,
    element: &'c str,
    attribute: Option<&'c str>,
    ty: PhantomData<T>,
}

impl<'c, T> ValueSeed<'c, T> {
    /// Reads the value of the attribute `attribute` of `element`, or with `None` the text of the
    /// element `element`.
    pub fn new(cx: &'c mut JsonCx, element: &'c str, attribute: Option<&'c str>) -> Self {
        ValueSeed {
            cx,
            element,
            attribute,
            ty: PhantomData,
        }
    }

    fn text<E: de::Error>(self, text: Cow<'_, str>) -> Result<Option<T>, E>
    where
        T: XmlValue,
    {
        self.cx
            .parse(self.element, self.attribute, text)
            .map_err(|e| self.cx.fail(e))
    }
}

impl<'de, T: XmlValue> DeserializeSeed<'de> for ValueSeed<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: XmlValue> Visitor<'de> for ValueSeed<'_, T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        self.text(Cow::Borrowed(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Option<T>, E> {
        self.text(Cow::Owned(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<T>, E> {
        self.text(Cow::Borrowed(if v { "true" } else { "false" }))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        self.text(Cow::Owned(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        self.text(Cow::Owned(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        self.text(Cow::Owned(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Option<T>, A::Error> {
        let e = wrong_kind(self.element, self.attribute, "an object", "a value");
        Err(self.cx.fail(e))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Option<T>, A::Error> {
        let e = wrong_kind(self.element, self.attribute, "an array", "a value");
        Err(self.cx.fail(e))
    }
}

/// Reads one item or an array of items (named `item`) into `out`, each charged to the budget;
/// `page` holds the list to the page size of a page being decoded.
pub struct ItemsSeed<'c, K: Kind> {
    cx: &'c mut JsonCx,
    item: &'c str,
    page: bool,
    out: &'c mut Vec<K::Out>,
}

impl<'c, K: Kind> ItemsSeed<'c, K> {
    /// Reads items named `item` into `out`; `page`: the list is the page of a paged answer.
    pub fn new(cx: &'c mut JsonCx, item: &'c str, page: bool, out: &'c mut Vec<K::Out>) -> Self {
        ItemsSeed {
            cx,
            item,
            page,
            out,
        }
    }

    fn one<'de, D: Deserializer<'de>>(&mut self, d: D) -> Result<(), D::Error> {
        if self.page
            && let Some(page_size) = self.cx.page_limit
            && self.out.len() >= page_size as usize
        {
            return Err(self.cx.fail(DecodeError::PageTooLong { page_size }));
        }
        self.cx.charge::<K::Out, D::Error>(self.item)?;
        if let Some(v) = K::read(self.cx, self.item, d)? {
            self.out.push(v);
        }
        Ok(())
    }
}

impl<'de, K: Kind> DeserializeSeed<'de> for ItemsSeed<'_, K> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// One item of an array, read by [`ItemsSeed::one`].
struct ItemSeed<'s, 'c, K: Kind>(&'s mut ItemsSeed<'c, K>);

impl<'de, K: Kind> DeserializeSeed<'de> for ItemSeed<'_, '_, K> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.0.one(d)
    }
}

impl<'de, K: Kind> Visitor<'de> for ItemsSeed<'_, K> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one <{}> or an array of them", self.item)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(ItemSeed(&mut self))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(mut self, map: A) -> Result<(), A::Error> {
        self.one(de::value::MapAccessDeserializer::new(map))
    }
    fn visit_borrowed_str<E: de::Error>(mut self, v: &'de str) -> Result<(), E> {
        self.one(de::value::BorrowedStrDeserializer::new(v))
    }
    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<(), E> {
        self.one(v.to_owned().into_deserializer())
    }
    fn visit_string<E: de::Error>(mut self, v: String) -> Result<(), E> {
        self.one(v.into_deserializer())
    }
    fn visit_bool<E: de::Error>(mut self, v: bool) -> Result<(), E> {
        self.one(v.into_deserializer())
    }
    fn visit_u64<E: de::Error>(mut self, v: u64) -> Result<(), E> {
        self.one(v.into_deserializer())
    }
    fn visit_i64<E: de::Error>(mut self, v: i64) -> Result<(), E> {
        self.one(v.into_deserializer())
    }
    fn visit_f64<E: de::Error>(mut self, v: f64) -> Result<(), E> {
        self.one(v.into_deserializer())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Reads a list's wrapper `wrapper` holding items named `item`: `{"item": one or [..]}`, or a
/// bare array of the items; an empty list may be `{}`, `[]`, `""` or `null`.
pub struct ListSeed<'c, K: Kind> {
    items: ItemsSeed<'c, K>,
    wrapper: &'c str,
}

impl<'c, K: Kind> ListSeed<'c, K> {
    /// Reads the list `wrapper` of items named `item` into `out` (see [`ItemsSeed::new`]).
    pub fn new(
        cx: &'c mut JsonCx,
        wrapper: &'c str,
        item: &'c str,
        page: bool,
        out: &'c mut Vec<K::Out>,
    ) -> Self {
        ListSeed {
            items: ItemsSeed::new(cx, item, page, out),
            wrapper,
        }
    }
}

impl<'de, K: Kind> DeserializeSeed<'de> for ListSeed<'_, K> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, K: Kind> Visitor<'de> for ListSeed<'_, K> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the list <{}>", self.wrapper)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.as_str() == self.items.item {
                map.next_value_seed(ItemsSeed::<K> {
                    cx: &mut *self.items.cx,
                    item: self.items.item,
                    page: self.items.page,
                    out: &mut *self.items.out,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        self.items.visit_seq(seq)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if v.trim().is_empty() {
            return Ok(());
        }
        let e = wrong_kind(self.wrapper, None, v, "a list (an object or an array)");
        Err(self.items.cx.fail(e))
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        let e = wrong_kind(self.wrapper, None, &v.to_string(), "a list");
        Err(self.items.cx.fail(e))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let e = wrong_kind(self.wrapper, None, &v.to_string(), "a list");
        Err(self.items.cx.fail(e))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let e = wrong_kind(self.wrapper, None, &v.to_string(), "a list");
        Err(self.items.cx.fail(e))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let e = wrong_kind(self.wrapper, None, &v.to_string(), "a list");
        Err(self.items.cx.fail(e))
    }
}

/// Reads the value of an `error` key of a document that has no such field: the service error
/// it reports stops the decode as [`DecodeError::Service`] (`null` is absent).
pub fn service_error<'de, A: MapAccess<'de>>(cx: &mut JsonCx, map: &mut A) -> Result<(), A::Error> {
    match map.next_value_seed(ModelSeed::<crate::ErrorDetail>::new(cx, "error"))? {
        Some(detail) => Err(cx.fail(DecodeError::Service(Box::new(detail)))),
        None => Ok(()),
    }
}

/// How a document is read.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Mode {
    /// As a server reads a request.
    pub(crate) strict: bool,
    /// The page size of a page of a paginated list.
    pub(crate) page_size: Option<u32>,
}

/// Decodes a whole JSON document (the object of the root's children) as `T`, named `root` in
/// errors.
pub(crate) fn decode_document<T: FromJson>(
    bytes: &[u8],
    root: &str,
    mode: Mode,
) -> Result<T, DecodeError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError::Empty);
    }
    let mut cx = JsonCx::new(bytes.len());
    cx.strict = mode.strict;
    cx.page_limit = mode.page_size;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = ModelSeed::<T>::new(&mut cx, root)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match result {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(DecodeError::Json {
            line: 1,
            column: 1,
            message: "the document is null; an object was expected".to_owned(),
        }),
        Err(e) => Err(cx.error.take().unwrap_or_else(|| DecodeError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })),
    }
}

/// Decodes a JSON document that is a page of a paginated list: a list directly under the root
/// holding more than `page_size` items is refused with [`DecodeError::PageTooLong`] as XML's
/// `decode_page` refuses it.
pub fn decode_page<T: FromJson>(bytes: &[u8], page_size: u32) -> Result<T, DecodeError> {
    decode_document(
        bytes,
        "tsResponse",
        Mode {
            strict: false,
            page_size: Some(page_size),
        },
    )
}
