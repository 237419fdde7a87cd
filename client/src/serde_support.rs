//! Serialisation of the models (feature `serde`): the API's attribute and element names, absent
//! values left out, dates and times as the API writes them, secrets as `"<redacted>"`.

use crate::xml::XmlValue;
use serde::Serializer;

/// A value as its XML text.
pub fn value<T: XmlValue, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_xml_value())
}

/// An optional value as its XML text (absent ones are skipped by the field's attributes).
pub fn optional<T: XmlValue, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&v.to_xml_value()),
        None => s.serialize_none(),
    }
}
