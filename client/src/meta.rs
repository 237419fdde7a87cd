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
    /// Path after `/api/{version}`, with `{placeholders}`.
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
    /// The fields a filter or sort expression may name.
    pub fields: &'static [&'static str],
    /// The server's default, as the spec states it.
    pub default: Option<&'static str>,
}

impl EndpointMeta {
    /// The query parameter with this wire name.
    pub fn param(&self, wire: &str) -> Option<&'static ParamMeta> {
        self.query.iter().find(|p| p.wire == wire)
    }
}
