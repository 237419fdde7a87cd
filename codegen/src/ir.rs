//! The validated spec. Every reference is resolved and every rule of `spec/README.md` holds.
//!
//! This is also the data model of `flowspec export json` (serialised with camelCase keys); its JSON
//! Schema is `spec/export.schema.json`.

use serde::Serialize;
use std::fmt;

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

/// Whether an endpoint is on the Flow Methods page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Page {
    /// On the Flow Methods reference page.
    FlowMethods,
    /// Outside it (sign-in, server info, jobs, uploads).
    Support,
}

/// An endpoint.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// Stable snake_case id, e.g. `run_flow_now`.
    pub id: String,
    /// The page's title.
    pub title: String,
    /// The title older pages used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_title: Option<OldTitle>,
    /// Which page it is on.
    pub page: Page,
    /// Resource group (the spec file).
    pub group: String,
    /// HTTP method.
    pub method: String,
    /// Path after `/api/{version}`, placeholders as `{name}`.
    pub path: String,
    /// The path as the page prints it, where that is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_path: Option<DocPath>,
    /// Another spelling of the path that servers also answer (not on the page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also_path: Option<DocPath>,
    /// First version.
    pub since: Version,
    /// The page's description.
    pub description: String,
    /// The page's permissions text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<String>,
    /// License requirement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Platform availability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    /// The connected-app scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt_scope: Option<String>,
    /// Whether it needs the `X-Tableau-Auth` header.
    pub auth: bool,
    /// Whether repeating it is safe.
    pub idempotent: bool,
    /// Errata and deviations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Path parameters, in path order.
    pub path_params: Vec<Param>,
    /// Query parameters.
    pub query: Vec<Param>,
    /// The page's URI lines, as sets of query keys.
    pub uri_forms: Vec<UriForm>,
    /// The request body.
    pub request: Request,
    /// The success response.
    pub response: Response,
    /// The error table.
    pub errors: Vec<ErrorRow>,
    /// The example response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Example>,
}

impl Endpoint {
    /// The distinct codes of the error table, in table order.
    pub fn distinct_codes(&self) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for row in &self.errors {
            if !out.contains(&row.code) {
                out.push(row.code);
            }
        }
        out
    }
}

/// A renamed title.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OldTitle {
    /// The old title.
    pub title: String,
    /// The first version with the new title.
    pub before: Version,
}

/// A path the page prints wrongly.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocPath {
    /// The page's path.
    pub path: String,
    /// The erratum.
    pub notes: Vec<String>,
}

/// Platform availability.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Platform {
    /// What the page says.
    pub text: String,
    /// Since when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Version>,
}

/// A path or query parameter.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Param {
    /// The Rust name.
    #[serde(rename = "rustName")]
    pub name: String,
    /// The name on the wire.
    #[serde(rename = "name")]
    pub wire: String,
    /// The type (of one item, for lists).
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// A comma-joined list.
    pub list: bool,
    /// Filled from the session (the site id).
    pub session: bool,
    /// The server's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Allowed range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<(i64, i64)>,
    /// First version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Version>,
    /// Fields offered by a filter or sort, with their types and operators.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<ExprField>,
    /// The error code a value that does not parse, or lies outside the range, is answered with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid: Option<u32>,
    /// The error code a value above the range is answered with, when not `invalid`'s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub above: Option<u32>,
    /// The name the page's table uses, where it is wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_name: Option<String>,
    /// Errata and deviations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What it is.
    pub doc: String,
}

/// A field a filter or sort expression may name.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExprField {
    /// The field's name in expressions, e.g. `createdAt`.
    pub name: String,
    /// Its value type.
    #[serde(rename = "type")]
    pub ty: TypeRef,
    /// The filter operators it takes (`eq`, `gt`, `gte`, `lt`, `lte`, `in`, `has`, `cieq`); empty
    /// for a sort field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operators: Vec<String>,
    /// Errata and deviations (where the field comes from).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What it is.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub doc: String,
}

/// The filter operators the spec knows, as written in expressions.
pub const OPERATORS: &[&str] = &["eq", "gt", "gte", "lt", "lte", "in", "has", "cieq"];

/// A URI line of the page.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UriForm {
    /// Query keys.
    pub keys: Vec<String>,
    /// First edition showing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Version>,
    /// First edition no longer showing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<Version>,
}

/// A request body.
#[derive(Debug, Clone, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Request {
    /// No body.
    None,
    /// An empty `<tsRequest/>`.
    Empty,
    /// An XML document.
    Xml {
        /// The root type.
        #[serde(rename = "type")]
        ty: String,
        /// Whether the body may be left out (read as the type's default).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        optional: bool,
    },
    /// `multipart/mixed`: a `request_payload` part and a file part.
    Multipart {
        /// The payload's root type.
        #[serde(rename = "type")]
        ty: String,
        /// The file part's name.
        file_part: String,
        /// Whether the file part must be there.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        file_required: bool,
    },
}

/// A success response.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: ResponseBody,
}

/// A success response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "type", rename_all = "camelCase")]
pub enum ResponseBody {
    /// No body.
    None,
    /// A file.
    Binary,
    /// An XML document of this root type.
    Xml(String),
}

/// A row of an error table.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorRow {
    /// HTTP status.
    pub status: u16,
    /// Numeric code.
    pub code: u32,
    /// The registry's canonical name of the code.
    pub name: String,
    /// This endpoint's summary.
    pub summary: String,
    /// This endpoint's condition.
    pub condition: String,
    /// First edition listing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Version>,
    /// First edition no longer listing it (the server may still send it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped: Option<Version>,
    /// Older wording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<OldRow>,
    /// The deviation this row records, when it is not on the page (real servers send it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deviation: Option<String>,
    /// The HTTP status the answer is sent with, when not the code's (deviation S6: 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<u16>,
    /// Errata and deviations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ErrorRow {
    /// Whether the row is on the reference page (not recorded from a deviation).
    pub fn on_page(&self) -> bool {
        self.deviation.is_none()
    }

    /// The HTTP status line of the answer.
    pub fn http_status(&self) -> u16 {
        self.http.unwrap_or(self.status)
    }
}

/// The older wording of an error row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OldRow {
    /// Old summary.
    pub summary: String,
    /// Old condition.
    pub condition: String,
    /// The first version with the new wording.
    pub before: Version,
}

/// An example response kept with the spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Example {
    /// Path relative to `spec/`.
    pub path: String,
    /// The erratum and the repairs made, when the page's example was malformed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired: Option<Repair>,
    /// The example's text.
    #[serde(skip)]
    pub text: String,
}

/// How an example was repaired.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Repair {
    /// The erratum.
    pub note: String,
    /// What was changed.
    pub text: String,
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
