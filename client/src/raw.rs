//! Any endpoint of the spec by its id, with its parameters given as text: for tools that reach
//! what the typed methods do not cover (`tabflow api`). The spec's checks still apply before
//! anything is sent: the endpoint's API version, its path parameters (each one given, no other),
//! its query parameters (known names, their versions, ranges, filter and sort fields), and a body
//! only where the endpoint takes an XML one (well-formed, no DOCTYPE).
//!
//! ```no_run
//! # fn main() -> Result<(), tableau_flows::Error> {
//! # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
//! let answer = client
//!     .raw("query_flow_connections")?
//!     .path("flow_id", "d00700fe-28a0-4ece-a7af-5543ddf38a82")
//!     .send()?;
//! println!("{}", String::from_utf8_lossy(&answer.body));
//! # Ok(()) }
//! ```

use crate::Client;
use crate::call::Call;
use crate::error::Error;
use crate::filter::{Filter, Sort};
use crate::meta::{EndpointMeta, RequestKind};
use crate::version::Feature;
use std::io::Read;

/// A call of an endpoint by its id ([`Client::raw`]).
#[derive(Debug)]
#[must_use = "a request does nothing until `send` is called"]
pub struct RawRequest<'c> {
    client: &'c Client,
    meta: &'static EndpointMeta,
    path: Vec<(String, String)>,
    query: Vec<(String, String)>,
    body: Option<(crate::WireFormat, Vec<u8>)>,
    accept: Option<crate::WireFormat>,
}

/// The answer of a [`RawRequest`]: a success status and its body as sent (an error answer is the
/// [`Error`] it carries).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`, when sent.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Client {
    /// A call of the endpoint with this id (`"query_flow"`, as `flowspec export` and
    /// [`crate::endpoints::ALL`] list them); [`Error::NotFound`] for an id the spec does not have (suggesting the closest ids).
    pub fn raw(&self, endpoint_id: &str) -> Result<RawRequest<'_>, Error> {
        let meta = EndpointMeta::by_id(endpoint_id).ok_or_else(|| Error::NotFound {
            what: "endpoint",
            name: endpoint_id.to_owned(),
            suggestions: crate::resolve::suggest(
                endpoint_id,
                crate::endpoints::ALL.iter().map(|e| e.id),
            ),
        })?;
        Ok(RawRequest {
            client: self,
            meta,
            path: Vec::new(),
            query: Vec::new(),
            body: None,
            accept: None,
        })
    }
}

impl<'c> RawRequest<'c> {
    /// The endpoint.
    pub fn endpoint(&self) -> &'static EndpointMeta {
        self.meta
    }

    /// A path parameter, by its name in the spec's path (`flow_id`).
    pub fn path(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.path.push((name.into(), value.into()));
        self
    }

    /// A query parameter, by its wire name (`pageSize`, `filter`).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// The XML body (`<tsRequest>...`).
    pub fn body(mut self, xml: impl Into<Vec<u8>>) -> Self {
        self.body = Some((crate::WireFormat::Xml, xml.into()));
        self
    }

    /// The body in its JSON form (`{"flow": {...}}`: the `tsRequest` root left out, as the 3.24
    /// reference page writes it), sent as `application/json`. It must be one JSON object, checked
    /// before anything is sent.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), tableau_flows::Error> {
    /// # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
    /// let answer = client
    ///     .raw("update_flow")?
    ///     .path("flow_id", "d00700fe-28a0-4ece-a7af-5543ddf38a82")
    ///     .json_body(r#"{"flow": {"project": {"id": "1f2f3e4e-5d6d-7c8c-9b0b-a1a2b3b4c5c6"}}}"#)
    ///     .accept(tableau_flows::WireFormat::Json)
    ///     .send()?;
    /// # let _ = answer;
    /// # Ok(()) }
    /// ```
    pub fn json_body(mut self, json: impl Into<Vec<u8>>) -> Self {
        self.body = Some((crate::WireFormat::Json, json.into()));
        self
    }

    /// Asks for the answer in this format (the `Accept` header; default: the client's
    /// [wire format](crate::ClientBuilder::wire_format)); the request body stays XML.
    pub fn accept(mut self, format: crate::WireFormat) -> Self {
        self.accept = Some(format);
        self
    }

    fn invalid(&self, what: String) -> Error {
        Error::InvalidArgument(format!("{}: {what}", self.meta.title))
    }

    fn prepare(&self) -> Result<Call<'c>, Error> {
        let meta = self.meta;
        let mut call = self.client.call(meta).map_err(Error::from)?;
        if let Some(format) = self.accept {
            call.accept(format);
        }
        // Path: each placeholder given once, nothing else.
        let wanted: Vec<&str> = meta.path_params().filter(|p| *p != "site_id").collect();
        for (name, _) in &self.path {
            if !wanted.contains(&name.as_str()) {
                return Err(self.invalid(format!(
                    "no path parameter {name:?} (it has: {})",
                    list(&wanted)
                )));
            }
        }
        for segment in meta.path.split_inclusive('/') {
            match segment.trim_end_matches('/') {
                "{site_id}" => {
                    call.push_site().map_err(Error::from)?;
                    if segment.ends_with('/') {
                        call.push_path("/");
                    }
                }
                s if s.starts_with('{') => {
                    let name = &s[1..s.len() - 1];
                    let value = self
                        .path
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.as_str())
                        .ok_or_else(|| {
                            self.invalid(format!("the path parameter {name:?} is required"))
                        })?;
                    call.push_segment(name, value).map_err(Error::from)?;
                    if segment.ends_with('/') {
                        call.push_path("/");
                    }
                }
                _ => call.push_path(segment),
            }
        }
        // Query: known parameters only, each checked as the typed builder checks it.
        for (wire, value) in &self.query {
            let param = meta.param(wire).ok_or_else(|| {
                let known: Vec<&str> = meta.query.iter().map(|p| p.wire).collect();
                self.invalid(format!(
                    "no query parameter {wire:?} (it has: {})",
                    list(&known)
                ))
            })?;
            if let Some(since) = param.since {
                call.gate(Feature::new(
                    format!("the query parameter `{wire}` of {}", meta.title),
                    since,
                ))
                .map_err(Error::from)?;
            }
            if let Some((lo, hi)) = param.range {
                let n: i64 = value.parse().map_err(|_| {
                    self.invalid(format!("{wire} must be a whole number, not {value:?}"))
                })?;
                call.check_range(wire, n, lo, hi).map_err(Error::from)?;
            }
            if !param.fields.is_empty() && param.fields.iter().all(|f| f.operators.is_empty()) {
                let sort: Sort = value
                    .parse()
                    .map_err(|e| self.invalid(format!("{wire}: {e}")))?;
                call.check_expression(wire, &sort).map_err(Error::from)?;
            } else if !param.fields.is_empty() {
                let filter: Filter = value
                    .parse()
                    .map_err(|e| self.invalid(format!("{wire}: {e}")))?;
                call.check_expression(wire, &filter).map_err(Error::from)?;
            }
            call.push_query(param.wire, value.clone());
        }
        // Body.
        match (meta.request, &self.body) {
            (RequestKind::Xml, Some((crate::WireFormat::Json, json))) => {
                match serde_json::from_slice::<serde_json::Value>(json) {
                    Ok(serde_json::Value::Object(_)) => {}
                    Ok(_) => {
                        return Err(self.invalid("the JSON body must be one object".to_owned()));
                    }
                    Err(e) => return Err(self.invalid(format!("the JSON body: {e}"))),
                }
                call.raw_body("application/json".to_owned(), json.clone());
            }
            (RequestKind::Xml, Some((_, xml))) => {
                crate::xml::check_request(xml)
                    .map_err(|e| self.invalid(format!("the body: {e}")))?;
                let text = std::str::from_utf8(xml)
                    .map_err(|_| self.invalid("the body is not UTF-8".to_owned()))?;
                call.raw_xml_body(text.to_owned());
            }
            (RequestKind::Xml, None) => {
                return Err(self.invalid("it takes an XML or JSON body".to_owned()));
            }
            (RequestKind::Empty, None) => call.empty_body(),
            (RequestKind::Multipart, _) => {
                return Err(self.invalid(
                    "it takes a file in a multipart body: use the typed method (tabflow flows publish)"
                        .to_owned(),
                ));
            }
            (RequestKind::None | RequestKind::Empty, Some(_)) => {
                return Err(self.invalid("it takes no body".to_owned()));
            }
            (RequestKind::None, None) => {}
        }
        Ok(call)
    }

    /// Sends the call; the answer's body is read in memory.
    pub fn send(self) -> Result<RawResponse, Error> {
        let mut download = self.download()?;
        let content_type = download.content_type.clone();
        let status = download.status();
        let mut body = Vec::new();
        download.read_to_end(&mut body)?;
        Ok(RawResponse {
            status,
            content_type,
            body,
        })
    }

    /// Sends the call and returns the answer unread, as a stream with its file name, type and
    /// length: for a file (Download Flow's) that is to be read within a bound or copied
    /// somewhere rather than held whole.
    pub fn download(self) -> Result<crate::Download, Error> {
        let call = self.prepare()?;
        call.execute_download().map_err(Error::from)
    }
}

fn list(items: &[&str]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
