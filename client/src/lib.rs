//! A blocking client for Tableau Server and Tableau Cloud's REST API "Flow Methods", generated
//! from a spec.
//!
//! Sign in, then call: every method of Tableau's Flow Methods reference (API 3.6 and 3.24
//! editions), and the endpoints a flow tool needs around them (Sign In, Server Info, Query Job,
//! Query Jobs and Cancel Job, file uploads, and Query Projects, Get Users on Site, Query Groups
//! and List Server Schedules to find things by name), is a method of [`Client`] returning a request builder: required
//! parameters are arguments, optional ones are builder methods, and `send()` performs the call.
//! Workflows built on them publish a flow file, run a flow and wait for it, download a flow, copy
//! a flow's permissions to another ([`Client::copy_flow_permissions`]), and find a flow, project,
//! user, group or schedule by its name.
//!
//! ```no_run
//! use tableau_flows::{Client, Credentials, Filter, RunOptions, WaitOptions};
//!
//! fn main() -> Result<(), tableau_flows::Error> {
//!     let client = Client::builder("https://tableau.example.com").build()?;
//!     client.sign_in_with(Credentials::personal_access_token("ci", "secret"), "marketing")?;
//!
//!     // The flows of a project, every page of them.
//!     for flow in client.query_flows_for_site().filter(Filter::new().eq("projectName", "Sales")).all() {
//!         let flow = flow?;
//!         println!("{} {}", flow.id, flow.name.unwrap_or_default());
//!     }
//!
//!     // Run a flow found by name, with a parameter given by name, and wait for the run.
//!     let flow = client.find_flow("Sales Cleanup")?;
//!     let started = client.run_flow(&flow.id, RunOptions::new().parameter("Region", "EMEA"))?;
//!     let run = client.wait_for_flow_run(started.flow_run_id()?, WaitOptions::default())?;
//!     println!("{} finished: {}", run.id, run.status.map(|s| s.to_string()).unwrap_or_default());
//!     Ok(())
//! } // the session is signed out when the client is dropped
//! ```
//!
//! # Errors
//!
//! A call's `send()` fails with a [`CallError<E>`], `E` being the endpoint's own error enum
//! (`QueryFlowError`, ...), so a match on the service's answer is checked by the compiler. Every
//! call error and every workflow error converts into the one crate-wide [`Error`] with `?`
//! (`Send + Sync + 'static`); [`Error::kind`] still gives the endpoint's meaning. Both separate the
//! service's answer from transport failures, timeouts, undecodable answers and calls refused before
//! sending (an endpoint, parameter or value newer than the client's API version).
//!
//! # Threads and async code
//!
//! [`Client`] is `Send + Sync` (a test keeps it so): share one behind an [`Arc`](std::sync::Arc)
//! and call it from several threads at once; they share its session and its connection pool.
//! Its calls block the calling thread until the answer is read (a publish, a download or
//! [`Client::wait_for_flow_run`] for as long as they take), so async code must not call it on
//! the runtime's own threads: move each call, or a whole workflow, to a blocking thread, with
//! Tokio's `spawn_blocking` (or the `unblock` of async-std and smol). The crate has no async
//! runtime as a dependency; the errors are `Send + Sync + 'static`, so they cross back with `?`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use tableau_flows::{Client, Credentials, Error};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     let client = Arc::new(Client::builder("https://tableau.example.com").build()?);
//!     let c = Arc::clone(&client);
//!     tokio::task::spawn_blocking(move || {
//!         c.sign_in_with(Credentials::personal_access_token("ci", "secret"), "marketing")
//!     })
//!     .await??;
//!
//!     // Two calls at once, each on a blocking thread.
//!     let (c1, c2) = (Arc::clone(&client), Arc::clone(&client));
//!     let flows = tokio::task::spawn_blocking(move || -> Result<usize, Error> {
//!         Ok(c1.query_flows_for_site().send()?.flows.len())
//!     });
//!     let sales = tokio::task::spawn_blocking(move || c2.find_flow("Sales Cleanup"));
//!     let (count, sales) = (flows.await??, sales.await??);
//!     println!("{count} flows on the first page; Sales Cleanup is {}", sales.id);
//!     Ok(())
//! }
//! ```
//!
//! # Layout
//!
//! The everyday types are at the crate root: the client and its options, the errors, the ids
//! (`FlowId`, ...), the models most calls answer (`Flow`, `FlowRun`, `Job`, `Project`, ...), the
//! builders ([`Filter`], [`Sort`], [`Grant`], [`CloudSchedule`], [`RunOptions`],
//! [`PublishOptions`]). Each endpoint's request and response documents and its error enum are in
//! the module of its resource group, as `spec/` groups them ([`flows`], [`flow_runs`],
//! [`flow_tasks`], [`linked_tasks`], [`connections`], [`permissions`], [`projects`], [`users`],
//! [`groups`], [`schedules`], [`tags`], [`jobs`], [`auth`], [`server`], [`uploads`]), with the types only
//! they use: `tableau_flows::flows::QueryFlowError`,
//! `tableau_flows::permissions::AddFlowPermissionsRequest`. The items the support groups' lists
//! hold ([`Project`], [`User`], [`Group`]) are at the root too.
//!
//! # Models
//!
//! The models are generated from the spec by one rule, decided from the endpoints' bodies:
//!
//! - a **response model**, any struct an answer holds (a response document, an error document,
//!   a part of one, including the parts requests share such as [`Tag`], [`Connection`],
//!   [`GranteeCapabilities`] or [`ProjectRef`]), is `#[non_exhaustive]`, so a field the API adds
//!   is not a breaking change. Its fields stay public for reading and changing; outside this
//!   crate (a simulator, a test double) build one with its generated `new`, which takes the
//!   required fields, leaves every optional field `None` and every list empty, then set the
//!   other fields on the value;
//! - a **request-only model**, a struct only requests hold (the request documents such as
//!   [`permissions::AddFlowPermissionsRequest`] and their own parts such as
//!   [`flows::FlowUpdate`]), stays exhaustive: build it with a struct literal, or with the
//!   constructors and builders written for it ([`Grant`], [`CloudSchedule`],
//!   [`flow_tasks::CreateCloudFlowTaskRequest::new`], ...).
//!
//! ```
//! use tableau_flows::{Flow, Tag, flows::QueryFlowsResponse};
//!
//! let mut flow = Flow::new("d00700fe-28a0-4ece-a7af-5543ddf38a82");
//! flow.name = Some("Sales Cleanup".into());
//! flow.tags.push(Tag::new("daily"));
//! let mut page = QueryFlowsResponse::new();
//! page.flows.push(flow);
//! assert!(page.encode_response()?.contains(r#"name="Sales Cleanup""#));
//! # Ok::<(), tableau_flows::EncodeError>(())
//! ```
//!
//! A struct literal of a response model does not compile outside the crate:
//!
//! ```compile_fail,E0639
//! let flow = tableau_flows::Flow { id: "d00700fe".into(), ..Default::default() };
//! ```
//!
//! # Dates and times
//!
//! Dates are the crate's own [`DateTime`], an instant in UTC that displays and parses as RFC
//! 3339 (`2026-12-07T01:02:22Z`, as servers send it), and times of day its own [`Time`]
//! (`HH:MM:SS`); a text that does not parse is a [`DateTimeError`] naming the part that is
//! wrong. The public API holds no type of another date crate unless a feature asks for it:
//!
//! | feature | conversions |
//! | --- | --- |
//! | `time` | [`DateTime`] to and from `time::OffsetDateTime`, [`Time`] to and from `time::Time` |
//! | `jiff` | [`DateTime`] to and from `jiff::Timestamp`, [`Time`] to and from `jiff::civil::Time` |
//!
//! ```
//! use tableau_flows::DateTime;
//!
//! let started: DateTime = "2026-12-07T01:02:22Z".parse()?;
//! let ended = DateTime::from_unix_timestamp(started.unix_timestamp() + 95)?;
//! println!("ran from {started} for {} s", ended.seconds_since(started));
//! assert!(DateTime::now() > started.checked_sub(std::time::Duration::from_secs(1)).unwrap());
//! # Ok::<(), tableau_flows::DateTimeError>(())
//! ```
//!
//! Every response document decodes from bytes on its own
//! ([`flows::QueryFlowResponse::decode`]), and [`AnyResponse::decode`] decodes a saved answer of
//! any endpoint by the endpoint's id, for tools that process saved answers.
//!
//! # JSON
//!
//! Tableau's servers speak JSON beside XML, by one rule derived from the XML shapes (the spec's
//! README, "JSON: one rule from the XML shapes"): the root dropped, attributes and elements by
//! their names (`xsi:type` as `xsi_type`), every value a string written as XML writes it, a
//! list `{"flow": [..]}`. Every document decodes from JSON
//! ([`flows::QueryFlowResponse::decode_json`]; [`AnyResponse::decode_json`] by endpoint id),
//! leniently as servers and clients write it (numbers and booleans for strings, a one-item list
//! as its item, `null` as absent), within the XML decoder's bounds, and encodes to it
//! (`encode_json`, secrets as they are, for the wire). Every model also implements
//! `serde::Serialize` with the same mapping but secrets written as `"<redacted>"`, for showing
//! a model (`tabflow --json`). The codec is generated from the spec like the XML one, on serde
//! and serde_json, which are therefore always dependencies: the `serde` feature is kept for
//! compatibility and no longer changes anything.
//!
//! A client speaks XML unless built with [`ClientBuilder::wire_format`]`(`[`WireFormat::Json`]`)`
//! (or `TABLEAU_WIRE_FORMAT=json` for [`Client::from_env`]): its requests are then JSON
//! (`Content-Type: application/json`, a publish's `request_payload` part too) and it asks for
//! JSON answers; the models are the same either way, and an answer in the other format (a server
//! that ignores `Accept`) is read all the same.
//!
//! The library logs each request (method, path, status, time;
//! never a secret) through the [`log`](https://docs.rs/log) facade at `debug` level.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod base_url;
mod body;
mod builders;
mod call;
mod cancel;
mod client;
mod copy_permissions;
mod datetime;
pub mod document;
mod download;
pub mod error;
pub mod filter;
mod id;
mod json;
mod limits;
pub mod meta;
pub mod pagination;
mod raw;
pub mod request;
mod resolve;
mod retry;
mod run;
mod secret;
mod session;
mod transfer;
mod upload;
mod version;
mod xml;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

pub use body::{FilePart, Progress};
pub use builders::{CloudSchedule, Grant};
pub use cancel::CancelToken;
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_READ_TIMEOUT, DEFAULT_SIGN_OUT_TIMEOUT, WireFormat,
};
pub use copy_permissions::{CopyPermissions, Grantee, PermissionRule, PermissionsCopied};
pub use datetime::{DateTime, DateTimeError, Time};
pub use document::JsonDocument;
pub use download::DownloadOptions;
pub use error::{ApiError, CallError, Candidate, DecodeError, EncodeError, EndpointError, Error};
pub use filter::{Filter, Sort};
pub use generated::*;
pub use limits::MAX_DURATION;
pub use raw::{RawRequest, RawResponse};
pub use request::{PathRequest, PathResponse};
pub use resolve::{is_luid, join_path, split_path};
pub use retry::RetryPolicy;
pub use run::{PollCallback, RunOptions, StartedRun, WaitOptions};
pub use secret::Secret;
pub use session::{Credentials, Session};
pub use transfer::{Download, is_hidden_in_names};
pub use upload::PublishOptions;
pub use version::{ApiVersion, VersionError};
pub use xml::{MAX_DECODE_EXPANSION, MIN_DECODE_ITEM_BUDGET, is_xml_char};

/// The generated source this crate compiles (the snapshot tests compare it with the golden copy).
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/generated.rs"));

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
