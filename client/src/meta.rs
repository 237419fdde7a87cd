//! Endpoint metadata, generated from the spec (see [`crate::endpoints`]).

use crate::version::ApiVersion;

/// What the spec says about one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointMeta {
    /// Stable snake_case id, e.g. `run_flow_now`.
    pub id: &'static str,
    /// The reference page's title.
    pub title: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path after `/api/{version}` (after `/api/exp` for an experimental endpoint), with
    /// `{placeholders}`.
    pub path: &'static str,
    /// The API version the endpoint appeared in.
    pub since: ApiVersion,
    /// Whether it needs the `X-Tableau-Auth` header.
    pub auth: bool,
    /// Whether it is safe to repeat.
    pub idempotent: bool,
    /// Whether it is on the Flow Methods reference page.
    pub on_flow_methods_page: bool,
    /// The documented success status.
    pub success_status: u16,
    /// The distinct error codes of the endpoint's error table, in table order.
    pub errors: &'static [u32],
    /// Query parameters.
    pub query: &'static [ParamMeta],
    /// What the request carries.
    pub request: RequestKind,
    /// An experimental endpoint: its path follows `/api/exp` instead of `/api/{version}`, no
    /// API version gates it, and a server without it (or with its feature flag off) refuses it.
    pub experimental: bool,
}

/// What a request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestKind {
    /// No body.
    None,
    /// An empty `<tsRequest/>`.
    Empty,
    /// An XML `<tsRequest>` document.
    Xml,
    /// A `multipart/mixed` body: an XML document and a file.
    Multipart,
}

/// What the spec says about one query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamMeta {
    /// The Rust (builder method) name.
    pub name: &'static str,
    /// The name on the wire.
    pub wire: &'static str,
    /// The API version it appeared in, when later than its endpoint.
    pub since: Option<ApiVersion>,
    /// The allowed range of an integer parameter.
    pub range: Option<(i64, i64)>,
    /// The fields a filter or sort expression may name, with their value kinds and operators
    /// (from Tableau's Filtering and Sorting reference, KNOWN-DEVIATIONS S14).
    pub fields: &'static [FieldMeta],
    /// The server's default, as the spec states it.
    pub default: Option<&'static str>,
}

/// A field a filter or sort expression may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldMeta {
    /// The field's name in expressions, e.g. `createdAt`.
    pub name: &'static str,
    /// What its values look like.
    pub kind: ValueKind,
    /// The filter operators it takes (empty for a sort field).
    pub operators: &'static [crate::filter::Operator],
}

/// The kind of value a filter field compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueKind {
    /// Any text.
    Text,
    /// An id (LUID).
    Id,
    /// A date and time, `YYYY-MM-DDTHH:MM:SSZ`.
    DateTime,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Bool,
    /// One of these values.
    Enum(&'static [&'static str]),
}

impl ValueKind {
    /// Checks a value written in an expression; the error says what was expected.
    pub fn check(self, value: &str) -> Result<(), String> {
        let ok = match self {
            ValueKind::Text | ValueKind::Id => true,
            ValueKind::DateTime => crate::DateTime::parse_wire(value).is_some(),
            ValueKind::Integer => value.parse::<i64>().is_ok(),
            ValueKind::Bool => matches!(value, "true" | "false"),
            ValueKind::Enum(values) => values.contains(&value),
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            ValueKind::DateTime => "a date and time YYYY-MM-DDTHH:MM:SSZ".to_owned(),
            ValueKind::Integer => "a whole number".to_owned(),
            ValueKind::Bool => "true or false".to_owned(),
            ValueKind::Enum(values) => format!("one of {}", values.join(", ")),
            ValueKind::Text | ValueKind::Id => unreachable!("always accepted"),
        })
    }
}

impl EndpointMeta {
    /// The endpoint with this id (`"query_flow"`).
    pub fn by_id(id: &str) -> Option<&'static EndpointMeta> {
        crate::endpoints::ALL.iter().copied().find(|e| e.id == id)
    }

    /// The path parameters (`{flow_id}`), in order; `site_id` is the session's.
    pub fn path_params(&self) -> impl Iterator<Item = &'static str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    }

    /// The query parameter with this wire name.
    pub fn param(&self, wire: &str) -> Option<&'static ParamMeta> {
        self.query.iter().find(|p| p.wire == wire)
    }
}
