//! Endpoints: path, parameters, bodies, error tables, examples.

use super::{TypeRef, Version};
use serde::Serialize;

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
    /// Path after the base ([`Endpoint::base`]: `/api/{version}`, or `/api/exp` for an
    /// experimental endpoint), placeholders as `{name}`.
    pub path: String,
    /// Set for an experimental endpoint: served under `/api/exp` rather than `/api/{version}`,
    /// behind a server feature flag rather than an API version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experimental: Option<Experimental>,
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

/// The base path of experimental endpoints (instead of `/api/{version}`).
pub const EXPERIMENTAL_BASE: &str = "/api/exp";

/// What makes an endpoint experimental: where it is available, and the deviation recording it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Experimental {
    /// The base path its `path` follows: always [`EXPERIMENTAL_BASE`].
    pub base: String,
    /// Which servers answer it, and the switch that turns it on.
    pub availability: String,
    /// The deviations recording it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Endpoint {
    /// The base path the endpoint's `path` follows: `/api/{version}`, or `/api/exp` for an
    /// experimental endpoint.
    pub fn base(&self) -> &str {
        match &self.experimental {
            Some(x) => &x.base,
            None => "/api/{version}",
        }
    }

    /// Whether it is experimental (under `/api/exp`, no API version).
    pub fn is_experimental(&self) -> bool {
        self.experimental.is_some()
    }

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
    /// A file, with the `Content-Type` servers send for each file type.
    Binary(Vec<FileType>),
    /// An XML document of this root type.
    Xml(String),
    /// A JSON document the spec's structs do not describe, passed on as it is: what it is.
    Json(String),
}

/// A file type a file response can carry, and the `Content-Type` servers send it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileType {
    /// The file name's extension, without the dot (`tflx`).
    pub extension: String,
    /// The media type of the answer's `Content-Type` (`application/octet-stream`).
    pub media_type: String,
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
