//! A blocking client for the Tableau Server REST API "Flow Methods", generated from a spec.
//!
//! Every method of Tableau's Flow Methods reference (API 3.6 and 3.24 editions), plus Sign In,
//! Sign Out, Server Info, Query Job and the file-upload endpoints, is a method of [`Client`]
//! returning a request builder: required parameters are arguments, optional ones are builder
//! methods, and `send()` performs the call.
//!
//! The models, the methods, their documentation, [`ErrorCode`] and each endpoint's error enum are
//! generated at build time from `spec/*.tfspec` by `tableau-flows-codegen`; this crate's
//! hand-written part is the runtime: transport, sessions and retries ([`client`], [`retry`]),
//! errors ([`error`]), XML ([`xml`]), versions ([`version`]), and the workflows built on the
//! endpoints: lazy pagination ([`pagination`]), filter and sort expressions ([`filter`]),
//! publishing in one request or in chunks ([`upload`], [`body`]), streamed downloads
//! ([`download`]), and running flows and waiting for their runs ([`run`]). With the `serde`
//! feature every model serialises with the API's attribute and element names.
//!
//! ```no_run
//! use tableau_flows::{Client, Session, Secret, QueryFlowError};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder("https://tableau.example.com").build()?;
//! # client.set_session(Session { token: Secret::new("t"), site_id: "s".into(), user_id: None });
//! match client.query_flow("d00700fe-28a0-4ece-a7af-5543ddf38a82").send() {
//!     Ok(answer) => println!("{:?}", answer.flow.name),
//!     Err(tableau_flows::Error::Api(e)) if e.kind == QueryFlowError::FlowNotFound => println!("no such flow"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(()) }
//! ```
//!
//! Errors separate the service's answer ([`Error::Api`], typed by endpoint) from transport
//! failures, timeouts, undecodable answers and calls refused before sending (an endpoint, parameter
//! or value newer than the client's API version: [`Error::Unsupported`]).
//!
//! Every response model decodes from bytes on its own (`QueryFlowsForSiteResponse::decode(bytes)`),
//! for tools that process saved responses.

#![warn(missing_docs)]

pub mod body;
pub mod client;
pub mod download;
pub mod error;
pub mod filter;
pub mod meta;
pub mod pagination;
pub mod retry;
pub mod run;
mod secret;
#[cfg(feature = "serde")]
pub mod serde_support;
pub mod upload;
pub mod version;
pub mod xml;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

pub use body::{FilePart, Progress};
pub use client::{Call, Client, ClientBuilder, Credentials, Download, Session};
pub use error::{ApiError, DecodeError, EndpointError, Error};
pub use filter::{Filter, Sort};
pub use generated::*;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use version::{ApiVersion, VersionError};

/// A date and time (UTC on the wire, RFC 3339).
pub type DateTime = time::OffsetDateTime;
/// A time of day (`HH:MM:SS`).
pub type Time = time::Time;

/// The generated source this crate compiles (the snapshot tests compare it with the golden copy).
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/generated.rs"));
