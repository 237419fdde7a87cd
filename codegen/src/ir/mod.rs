//! The validated spec. Every reference is resolved and every rule of `spec/README.md` holds.
//!
//! This is also the data model of `flowspec export json` (serialised with camelCase keys); its JSON
//! Schema is `spec/export.schema.json`.

use serde::Serialize;
use std::fmt;

mod endpoint;

pub use endpoint::*;

/// An API version, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major part.
    pub major: u16,
    /// Minor part.
    pub minor: u16,
}

impl Version {
    /// Parses `3.24`; `None` when malformed.
    pub fn parse(text: &str) -> Option<Version> {
        let (a, b) = text.split_once('.')?;
        let ok = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|c| c.is_ascii_digit());
        if !ok(a) || !ok(b) || (b.len() > 1 && b.starts_with('0')) {
            return None;
        }
        Some(Version {
            major: a.parse().ok()?,
            minor: b.parse().ok()?,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The whole spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    /// Versions and namespaces.
    pub api: Api,
    /// Errata and deviations, by id.
    pub notes: Vec<Note>,
    /// The error-code registry, by code.
    pub error_codes: Vec<ErrorCodeDef>,
    /// Id, enum and struct types, in spec order.
    pub types: Vec<TypeDef>,
    /// Endpoints, in spec order.
    pub endpoints: Vec<Endpoint>,
    /// Which types of the official schema the spec covers, and what it leaves out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaCoverage>,
    /// The resource group (spec file) of each type declared in a group's file, by type name;
    /// types of `types.tfspec` are shared and have none. Generated code puts a group's types in
    /// the group's module.
    #[serde(skip)]
    pub type_groups: std::collections::BTreeMap<String, String>,
}

/// The official schema's types a flow client meets (`flowspec check-xsd` checks that the spec's
/// structs cover each of their attributes and elements), and the members left out, with why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaCoverage {
    /// Complex type names of the schema.
    pub types: Vec<String>,
    /// Members the spec leaves out.
    pub left_out: Vec<LeftOut>,
}

/// A member of a schema type that the spec leaves out.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftOut {
    /// The schema type.
    #[serde(rename = "type")]
    pub ty: String,
    /// The attribute or element.
    pub member: String,
    /// Why it is left out.
    pub reason: String,
}

/// What the spec covers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Api {
    /// The oldest version described.
    pub oldest: Version,
    /// The newest version described (the client's default).
    pub newest: Version,
    /// The XML namespace of requests and responses.
    pub namespace: String,
    /// The namespace older servers use.
    pub legacy_namespace: String,
    /// Error rows every endpoint that needs sign-in answers, whether its table lists them or not
    /// (added to each such endpoint's table when validated).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub auth_errors: Vec<ErrorRow>,
}

/// An erratum of the doc pages or a deviation of real servers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    /// `E1`.., `S1`..
    pub id: String,
    /// `erratum` or `deviation`.
    pub kind: &'static str,
    /// What it says.
    pub text: String,
}

/// One code of the registry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorCodeDef {
    /// The numeric code, e.g. 404027.
    pub code: u32,
    /// Its HTTP status (the first three digits).
    pub status: u16,
    /// The canonical name, e.g. `FlowNotFound`.
    pub name: String,
    /// The default summary.
    pub summary: String,
}

/// A primitive type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Prim {
    /// Text.
    String,
    /// A secret text, never shown.
    Secret,
    /// `true` or `false`.
    Bool,
    /// Unsigned 32-bit.
    U32,
    /// Unsigned 64-bit.
    U64,
    /// Signed 64-bit.
    I64,
    /// RFC 3339 date and time.
    DateTime,
    /// `HH:MM:SS`.
    Time,
    /// A filter expression.
    Filter,
    /// A sort expression.
    Sort,
}

impl Prim {
    pub(crate) fn from_name(name: &str) -> Option<Prim> {
        Some(match name {
            "String" => Prim::String,
            "Secret" => Prim::Secret,
            "bool" => Prim::Bool,
            "u32" => Prim::U32,
            "u64" => Prim::U64,
            "i64" => Prim::I64,
            "DateTime" => Prim::DateTime,
            "Time" => Prim::Time,
            "Filter" => Prim::Filter,
            "Sort" => Prim::Sort,
            _ => return None,
        })
    }

    pub(crate) fn is_integer(self) -> bool {
        matches!(self, Prim::U32 | Prim::U64 | Prim::I64)
    }
}

/// A reference to a type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "camelCase")]
pub enum TypeRef {
    /// A primitive.
    Primitive(Prim),
    /// An id type.
    Id(String),
    /// An enum type.
    Enum(String),
    /// A struct type.
    Struct(String),
}

/// A named type.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TypeDef {
    /// A typed id (a string on the wire).
    Id(IdType),
    /// A closed set of values, with a fallback for unknown ones.
    Enum(EnumType),
    /// An XML element.
    Struct(StructType),
}

impl TypeDef {
    /// The type's name.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Id(t) => &t.name,
            TypeDef::Enum(t) => &t.name,
            TypeDef::Struct(t) => &t.name,
        }
    }
}

/// A typed id.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdType {
    /// `FlowId`.
    pub name: String,
    /// What it identifies.
    pub doc: String,
}

/// An enum.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnumType {
    /// `RunStatus`.
    pub name: String,
    /// What it is.
    pub doc: String,
    /// Its values.
    pub variants: Vec<Variant>,
}

/// A value of an enum.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    /// The Rust variant.
    pub name: String,
    /// The value on the wire.
    pub wire: String,
    /// The version it appeared in, when later than its enum's first use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Version>,
    /// Errata and deviations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What it means.
    pub doc: String,
}

/// An XML element type.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StructType {
    /// `Flow`.
    pub name: String,
    /// What it is.
    pub doc: String,
    /// A `<tsRequest>`/`<tsResponse>` document.
    pub root: bool,
    /// The official schema's complex types it covers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub schema_types: Vec<String>,
    /// Which of its fields must be present together (checked when a server reads a request).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// Its attributes and children, in wire order.
    pub fields: Vec<Field>,
}

/// A rule about which fields of a struct are present.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Constraint {
    /// `true`: exactly one of the fields; `false`: at least one.
    pub exactly_one: bool,
    /// The fields (Rust names).
    pub fields: Vec<String>,
}

/// How a field sits in the XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FieldKind {
    /// An attribute.
    Attr,
    /// A child element.
    Elem,
    /// A wrapper element holding repeated items.
    List,
    /// Repeated child elements without a wrapper.
    Many,
    /// The element's own text.
    Text,
}

/// The key of a field in the JSON form of the bodies (`spec/README.md`, "JSON: one rule from the
/// XML shapes"): its XML name, a prefixed name `p:n` as `p_n` (`xsi:type` is `xsi_type`), and an
/// element's own text as `value`.
pub fn json_key(kind: FieldKind, wire: &str) -> String {
    match kind {
        FieldKind::Text => "value".to_owned(),
        _ => wire.replace(':', "_"),
    }
}

/// A field of a struct.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// The Rust field (snake_case).
    #[serde(rename = "rustName")]
    pub name: String,
    /// Attribute, element, list...
    pub kind: FieldKind,
    /// The type (of one item, for lists).
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// The attribute or element name (the wrapper, for lists).
    #[serde(rename = "name")]
    pub wire: String,
    /// For lists: the item element name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Its key in the JSON form of the bodies ([`json_key`]).
    pub json_key: String,
    /// Whether it must be present.
    pub required: bool,
    /// Whether an empty text is refused.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nonempty: bool,
    /// The version it appeared in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Version>,
    /// Other names accepted when decoding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Errata and deviations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What it is.
    pub doc: String,
}

impl Spec {
    /// A type by name.
    pub fn ty(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name() == name)
    }

    /// A struct by name.
    pub fn struct_ty(&self, name: &str) -> Option<&StructType> {
        match self.ty(name) {
            Some(TypeDef::Struct(s)) => Some(s),
            _ => None,
        }
    }

    /// A registry entry by code.
    pub fn code(&self, code: u32) -> Option<&ErrorCodeDef> {
        self.error_codes.iter().find(|c| c.code == code)
    }

    /// An endpoint by id.
    pub fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }
}
