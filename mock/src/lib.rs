//! An embedded Tableau flows simulator: every endpoint of the tableau-flows spec, served from
//! memory on a loopback port, for trying the client and testing tools without a Tableau server.
//!
//! The server side is generated from the spec like the client: [`interface`] routes each request
//! (method, path, API version), decodes and checks it (strict XML, required fields, ranges,
//! filter and sort fields, authentication) and encodes the answer; the simulator only implements
//! the behaviour, one method per endpoint, and can answer only the codes an endpoint's table lists
//! or the spec records as a deviation. Every answer is namespace-well-formed XML, with timestamps
//! in whole seconds. What is simulated:
//!
//! - sign-in with configured personal access tokens, users and JWTs; tokens expire after a
//!   configurable lifetime (401002); a missing or unknown token answers 401;
//! - flows (their bytes, output steps, parameters with domains, connections), projects, users,
//!   groups, per-flow permissions (a user without the needed capability gets the 403 code that
//!   endpoint's error table lists) and project permissions: administrators, a project's owner and
//!   its leaders, and users granted `Write` (Publish) on it publish into it (others get 403007),
//!   and owners and leaders hold every capability on its flows;
//! - flow runs that move Pending → InProgress → Success (or Failed, for a flow set up to fail) on a
//!   configurable clock, with progress; cancellation while in progress; a run whose flow is
//!   deleted ends failed, its job saying why, and leaves the run history; linked tasks that run
//!   their steps in order and honour `stopDownstreamTasksOnFailure`, run only by whoever may run
//!   all their flows, and show each user only the flows they may see;
//! - publishing in one request and in chunks, downloading the bytes published, pagination, filters
//!   and sorts on the documented fields, and the documented error codes.
//!
//! Upload sessions (Initiate File Upload, Append to File Upload) keep their bytes on disk, in a
//! folder of the server's own ([`MockServer::upload_dir`], under [`MockBuilder::temp_dir`], made
//! when first needed), not in memory: an appended chunk goes from the request to the session's
//! file without being held in memory whole, and a flow published in one request goes to a file
//! as it arrives (its bytes are read into memory once, as the flow's, when it is published). A session ends, and its file is removed, when it is
//! published, or when it has been idle for [`MockBuilder::upload_session_lifetime`] (default 1
//! hour; checked whenever an upload endpoint is called); the folder is removed when the server is
//! dropped. (A published flow's bytes are in memory, as every flow's are.)
//!
//! A body that an endpoint taking none would ignore must still be well-formed,
//! namespace-well-formed XML without a DOCTYPE (or empty), or the request is answered 400
//! (400000); endpoints that read a body refuse a malformed one with their table's code.
//!
//! The simulator serves HTTP/1.1 itself (std only), made to stay up under slow, idle and hostile
//! clients:
//!
//! - each connection is served on a thread of its own, up to [`MockBuilder::max_connections`]
//!   (default 256), so a client that sends its body slowly, or holds an idle keep-alive
//!   connection, keeps nobody else waiting; [`MockBuilder::threads`] only bounds how many requests
//!   are decided at once. When the cap is reached, a new connection closes the one idle the
//!   longest (waiting for a request of which no byte has arrived) to take its place; only when
//!   none is idle is it answered 503 with `Retry-After`. So silent connections, however many,
//!   cannot lock real clients out;
//! - a new connection's first request head must arrive whole within
//!   [`MockBuilder::first_request_timeout`] (default 5 s) of accept; a request's head must arrive
//!   within [`MockBuilder::read_timeout`] (default 5 s) of its first byte, and each read of its
//!   body make progress within it, or it is answered 408 and the connection closed; a keep-alive
//!   connection idle after an answer is closed after [`MockBuilder::idle_timeout`] (default
//!   2 min);
//! - a request is routed and its caller authenticated on its head, with the interface's own router
//!   ([`interface::route`], [`interface::authenticate`]), before a byte of its body is read: a
//!   request that reaches no endpoint (404, 405), or whose caller the endpoint refuses (401002,
//!   404000), gets the answer the whole request would get, and its body is never read (a short one
//!   sent at once is dropped as it arrives, to keep the connection; otherwise the connection is
//!   closed after the answer);
//! - a body is read only for a caller the endpoint takes, up to a limit: for Publish Flow and
//!   Append to File Upload, [`MockBuilder::max_request_bytes`] (default [`MAX_REQUEST_BYTES`]),
//!   written to a file of the upload folder as it arrives, never held in memory whole; for every
//!   other endpoint, [`MockBuilder::max_body_bytes`] (default [`MAX_BODY_BYTES`], 1 MiB; at most
//!   [`MAX_ANONYMOUS_BODY_BYTES`], 64 KiB, for Sign In and Server Info, which take anyone), held
//!   in memory. A body whose `Content-Length` is over its limit is answered 413 before a byte of
//!   it is read; a chunked body is read up to the limit, then answered 413. So connections that
//!   have not signed in cost the simulator 64 KiB of memory at most each, whatever they send;
//! - dropping the [`MockServer`] closes its listener and every connection it accepted: a client's
//!   pooled keep-alive connection fails at once (reset, then connection refused) rather than
//!   waiting for an answer that never comes.
//!
//! ```no_run
//! let server = tableau_flows_mock::MockServer::builder().start()?;
//! let client = tableau_flows::Client::builder(server.url()).build()?;
//! client.sign_in_with(
//!     tableau_flows::Credentials::personal_access_token(tableau_flows_mock::demo::PAT_NAME, tableau_flows_mock::demo::PAT_SECRET),
//!     tableau_flows_mock::demo::SITE,
//! )?;
//! let flows = client.query_flows_for_site().send()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

/// A response model from a value (its constructor, `tf::Flow::new(id)`) and the fields to set on
/// it: the client's response models are `#[non_exhaustive]`, so no struct literal builds one
/// outside the client crate.
macro_rules! model {
    ($value:expr $(, $field:ident = $set:expr)* $(,)?) => {{
        let mut model = $value;
        $(model.$field = $set;)*
        model
    }};
}

mod http;
pub mod interface;
mod sim;

/// Every model of the client, whatever its resource group, for the simulator's behaviour.
mod tf {
    pub use tableau_flows::*;
    pub use tableau_flows::{
        auth::*, connections::*, flow_runs::*, flow_tasks::*, flows::*, groups::*, jobs::*,
        linked_tasks::*, permissions::*, projects::*, schedules::*, server::*, tags::*, uploads::*,
        users::*,
    };
}

pub use sim::flowfile::{MAX_ENTRIES, MAX_FLOW_DOCUMENT, check_flow_file};
pub use sim::state::{Clock, Domain, Parameter, Role, Timing, demo};

use sim::Simulator;
use sim::state::State;
use sim::uploads::{Staged, UploadStore, with_staged};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tableau_flows::ApiVersion;
use tableau_flows::meta::RequestKind;

/// The largest request body the simulator reads by default for the endpoints that take a file
/// (Publish Flow, Append to File Upload), spooled to disk as it arrives;
/// [`MockBuilder::max_request_bytes`] changes it.
pub const MAX_REQUEST_BYTES: u64 = 128 * 1024 * 1024;

/// The largest body, held in memory, the simulator reads by default for every other endpoint (an
/// XML request, a malformed body on an endpoint that takes none); [`MockBuilder::max_body_bytes`]
/// changes it.
pub const MAX_BODY_BYTES: u64 = 1024 * 1024;

/// The largest body read for the endpoints that take a caller without sign-in (Sign In, Server
/// Info), whatever [`MockBuilder::max_body_bytes`] allows: a sign-in request is a few hundred
/// bytes, and anyone may send one.
pub const MAX_ANONYMOUS_BODY_BYTES: u64 = 64 * 1024;

/// Builds a [`MockServer`].
#[derive(Debug)]
pub struct MockBuilder {
    port: u16,
    api_version: ApiVersion,
    token_lifetime: Duration,
    timing: Timing,
    clock: Clock,
    demo: bool,
    threads: usize,
    max_connections: usize,
    max_request_bytes: u64,
    max_body_bytes: u64,
    read_timeout: Duration,
    first_request_timeout: Duration,
    idle_timeout: Duration,
    upload_lifetime: Duration,
    temp_dir: Option<PathBuf>,
    users: Vec<(String, String, Role)>,
    pats: Vec<(String, String, String)>,
    jwts: Vec<(String, String)>,
    request_log: bool,
    flow_document_api: FlowDocumentApi,
}

/// What the simulator does with the experimental Get Flow Document
/// (`GET /api/exp/sites/{site}/flows/{flow}/document`, deviation S38), as real servers differ:
/// [`MockBuilder::flow_document_api`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FlowDocumentApi {
    /// A Tableau Server 2026.3 or later with `features.getFlowDocumentRestApi` on: the flow's
    /// document, as JSON.
    On,
    /// A server that has the endpoint with its feature flag off, as it is unless an
    /// administrator turns it on: 403 with code 403200, as tableau-mcp's describe-flow found
    /// ("verified live"). The default.
    #[default]
    FlagOff,
    /// A server without the endpoint (older than 2026.3): 404 with code 404003, as for any path
    /// no endpoint has (what real servers answer there is not confirmed).
    Absent,
}

impl std::str::FromStr for FlowDocumentApi {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "on" => Ok(FlowDocumentApi::On),
            "off" | "flag-off" => Ok(FlowDocumentApi::FlagOff),
            "absent" => Ok(FlowDocumentApi::Absent),
            other => Err(format!(
                "unknown flow-document API mode `{other}`: expected on, off or absent"
            )),
        }
    }
}

/// A request the simulator answered on its port, as its request log keeps it
/// ([`MockBuilder::request_log`], [`MockServer::requests`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path, without the query: `/api/3.24/sites/{site-id}/flows`.
    pub path: String,
    /// The query, without `?` (empty when there is none).
    pub query: String,
    /// The endpoint the request reached, by its id in the spec (`sign_in`, `query_flows_for_site`,
    /// ...); `None` for a request that reached none (answered 404 or 405).
    pub endpoint: Option<&'static str>,
    /// The status of the answer.
    pub status: u16,
}

/// The request log of a server built with [`MockBuilder::request_log`].
type RequestLog = Arc<Mutex<Vec<LoggedRequest>>>;

impl MockBuilder {
    /// The loopback port (default 0: a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The API version the simulator speaks (default: the newest in the spec). Endpoints newer
    /// than it answer 404, as a server of that version would.
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// How long a session token stays valid (default 240 minutes, as on Tableau Server).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// How long runs stay Pending and then InProgress (default 200 ms and 1 s).
    pub fn run_timing(mut self, pending: Duration, running: Duration) -> Self {
        self.timing = Timing { pending, running };
        self
    }

    /// The clock runs, tokens and upload sessions follow (default: real time; [`Clock::manual`]
    /// for tests).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Whether to seed the demo content ([`demo`]; default true).
    pub fn demo_content(mut self, seed: bool) -> Self {
        self.demo = seed;
        self
    }

    /// How many requests are decided at once (default 4). Reading a request and writing its
    /// answer do not hold one of them: a slow client never keeps another waiting.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// How many connections are served at once, each on a thread of its own (default 256). When
    /// they are all open, a new connection closes the one that has been idle the longest (waiting
    /// for a request of which no byte has arrived, since it was accepted or since its last
    /// answer) to take its place; only when none is idle is it answered 503 with `Retry-After`
    /// and closed.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// The largest request body read for the endpoints that take a file, Publish Flow and Append
    /// to File Upload (default [`MAX_REQUEST_BYTES`]): a `multipart/mixed` body to them goes to a
    /// file of [`MockServer::upload_dir`] as it arrives, never into memory whole. A body whose
    /// `Content-Length` is larger is answered 413 before a byte of it is read; a chunked body is
    /// read up to the limit, then answered 413.
    pub fn max_request_bytes(mut self, limit: u64) -> Self {
        self.max_request_bytes = limit;
        self
    }

    /// The largest request body read for every other endpoint, held in memory (default
    /// [`MAX_BODY_BYTES`], 1 MiB; at most [`MAX_ANONYMOUS_BODY_BYTES`] for the endpoints without
    /// sign-in). A body whose `Content-Length` is larger is answered 413 before a byte of it is
    /// read; a chunked body is read up to the limit, then answered 413.
    pub fn max_body_bytes(mut self, limit: u64) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// How long a request's head may take to arrive, and how long each read of its body may
    /// wait for more of it (default 5 s): past it the request is answered 408 and its connection
    /// closed. Writing an answer may wait as long (at least 1 s) for the client to take more of
    /// it before the connection is closed.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a new connection may take, from accept, to send its first request head whole
    /// (default 5 s, as nginx's `client_header_timeout`): one that has sent nothing by then is
    /// closed, one that has sent part of a head is answered 408. The read timeout bounds the head
    /// from its first byte too. A client that connects and sends nothing so holds a connection
    /// for this long, not for the idle timeout.
    pub fn first_request_timeout(mut self, timeout: Duration) -> Self {
        self.first_request_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long a keep-alive connection may wait for its next request, after an answer, before
    /// the simulator closes it (default 2 minutes).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long an upload session (Initiate File Upload) may stay idle, neither appended to nor
    /// published, before it expires and its bytes are removed (default 1 hour, on the
    /// simulator's [`clock`](MockBuilder::clock)). Expiry is checked whenever an upload endpoint
    /// is called.
    pub fn upload_session_lifetime(mut self, lifetime: Duration) -> Self {
        self.upload_lifetime = lifetime;
        self
    }

    /// The folder in which the simulator makes a folder of its own for the bytes of upload
    /// sessions and of the Append to File Upload requests it is reading (default: the system's
    /// temporary folder). Its folder ([`MockServer::upload_dir`]) is made when first needed and
    /// removed when the server is dropped.
    pub fn temp_dir(mut self, parent: impl Into<PathBuf>) -> Self {
        self.temp_dir = Some(parent.into());
        self
    }

    /// Adds a user of the default site with a password.
    pub fn user(mut self, name: &str, password: &str, role: Role) -> Self {
        self.users.push((name.into(), password.into(), role));
        self
    }

    /// Adds a personal access token of a user (added with [`MockBuilder::user`] or of the demo).
    pub fn personal_access_token(mut self, name: &str, secret: &str, user: &str) -> Self {
        self.pats.push((name.into(), secret.into(), user.into()));
        self
    }

    /// Accepts a connected-app JWT as signing in the named user.
    pub fn jwt(mut self, jwt: &str, user: &str) -> Self {
        self.jwts.push((jwt.into(), user.into()));
        self
    }

    /// What the experimental Get Flow Document does (deviation S38): [`FlowDocumentApi::FlagOff`]
    /// by default (403200, as a real server until an administrator turns the feature flag on),
    /// [`FlowDocumentApi::On`] to answer each flow's document, [`FlowDocumentApi::Absent`] for a
    /// server without the endpoint (404).
    pub fn flow_document_api(mut self, mode: FlowDocumentApi) -> Self {
        self.flow_document_api = mode;
        self
    }

    /// Keeps a log of the requests answered on the port (default off), for tests and benchmarks
    /// that count requests: [`MockServer::requests`] reads it, [`MockServer::clear_requests`]
    /// empties it. It holds every request whose head was read and answered by the router
    /// (an endpoint's answer, a refusal at sign-in (401), a path or method no endpoint has (404,
    /// 405)); a request refused while its head or body was being read (400, 408, 413, 431) is
    /// not in it. It grows with every request: leave it off for a long-running simulator.
    pub fn request_log(mut self, keep: bool) -> Self {
        self.request_log = keep;
        self
    }

    /// Starts serving on loopback.
    pub fn start(self) -> std::io::Result<MockServer> {
        let listener = http::listen_on_loopback(self.port)?;
        let port = listener.local_addr()?.port();
        let mut state = State::new(self.clock.clone(), self.timing, self.token_lifetime);
        state.base_url = format!("http://127.0.0.1:{port}");
        state.upload_lifetime = self.upload_lifetime;
        if self.demo {
            state.seed_demo();
        } else {
            state.seed_site();
        }
        let site_id = state.sites[0].id.clone();
        for (name, password, role) in &self.users {
            state.add_user(name, Some(password), *role, &site_id);
        }
        for (name, secret, user) in &self.pats {
            state.add_pat(name, secret, user);
        }
        for (jwt, user) in &self.jwts {
            if let Some(u) = state.users.iter().find(|u| &u.name == user) {
                state.jwts.push((jwt.clone(), u.id.clone()));
            }
        }
        let parent = self.temp_dir.unwrap_or_else(std::env::temp_dir);
        let shared = Arc::new(Simulator {
            state: Mutex::new(state),
            version: self.api_version,
            uploads: UploadStore::new(&parent),
            flow_document_api: self.flow_document_api,
        });
        let log: Option<RequestLog> = self.request_log.then(Default::default);
        let handler = Arc::new(HttpHandler {
            simulator: shared.clone(),
            log: log.clone(),
            max_request_bytes: self.max_request_bytes,
            max_body_bytes: self.max_body_bytes,
            gate: Gate {
                free: Mutex::new(self.threads),
                freed: Condvar::new(),
            },
        });
        let limits = http::Limits {
            read_timeout: self.read_timeout,
            first_request_timeout: self.first_request_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections,
        };
        let http = http::Server::start(listener, handler, limits)?;
        Ok(MockServer {
            url: format!("http://127.0.0.1:{port}"),
            http,
            shared,
            log,
        })
    }
}

/// A running simulator. Dropping it (or [`MockServer::stop`]) shuts it down: it stops
/// listening, closes every connection (a client's pooled connection fails at once rather than
/// waiting for an answer) and removes its upload folder.
pub struct MockServer {
    url: String,
    http: http::Server,
    shared: Arc<Simulator>,
    log: Option<RequestLog>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// A builder with the defaults: a free port, the newest API version, demo content.
    pub fn builder() -> MockBuilder {
        MockBuilder {
            port: 0,
            api_version: tableau_flows::NEWEST_API_VERSION,
            token_lifetime: Duration::from_secs(240 * 60),
            timing: Timing {
                pending: Duration::from_millis(200),
                running: Duration::from_secs(1),
            },
            clock: Clock::system(),
            demo: true,
            threads: 4,
            max_connections: 256,
            max_request_bytes: MAX_REQUEST_BYTES,
            max_body_bytes: MAX_BODY_BYTES,
            read_timeout: Duration::from_secs(5),
            first_request_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(120),
            upload_lifetime: Duration::from_secs(60 * 60),
            temp_dir: None,
            users: Vec::new(),
            pats: Vec::new(),
            jwts: Vec::new(),
            request_log: false,
            flow_document_api: FlowDocumentApi::default(),
        }
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The API version it speaks.
    pub fn api_version(&self) -> ApiVersion {
        self.shared.version
    }

    /// The requests answered on the port so far, oldest first, when the server keeps a log
    /// ([`MockBuilder::request_log`]); `None` when it does not.
    pub fn requests(&self) -> Option<Vec<LoggedRequest>> {
        self.log
            .as_ref()
            .map(|log| log.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    /// Empties the request log (to count the requests of what follows).
    pub fn clear_requests(&self) {
        if let Some(log) = &self.log {
            log.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
    }

    /// Answers a request in-process, without HTTP: exactly what the simulator answers on its port
    /// (for tests and fuzzing of the request handling).
    pub fn answer(&self, request: &interface::Request<'_>) -> interface::Answer {
        decide(self.shared.as_ref(), request)
    }

    /// The ids of every flow, for tests that check the state.
    pub fn flow_ids(&self) -> Vec<String> {
        self.lock().flows.keys().map(str::to_owned).collect()
    }

    /// The number of flow runs started, for tests that check the state (the runs of a deleted
    /// flow count, though they are gone from the run history).
    pub fn run_count(&self) -> usize {
        self.lock().runs.len()
    }

    /// The bytes of a flow as published.
    pub fn flow_bytes(&self, flow_id: &str) -> Option<Vec<u8>> {
        self.lock()
            .flows
            .get(flow_id)
            .map(|f| f.bytes.as_ref().clone())
    }

    /// The folder the bytes of upload sessions (one file each) and of the Append to File Upload
    /// requests being read are kept in: made when first needed, removed when the server is
    /// dropped.
    pub fn upload_dir(&self) -> &Path {
        self.shared.uploads.dir()
    }

    /// The number of open upload sessions (initiated, neither published nor expired), for
    /// tests that check the state. It does not check for expiry.
    pub fn upload_session_count(&self) -> usize {
        self.lock().uploads.len()
    }

    /// Adds `count` flows to the default site's Default project at once, owned by the
    /// administrator, created now, without publishing each (for benchmarks and load tests that
    /// need many flows). Their names are `{prefix}{n:08x}` for a scrambled `n`, so name order is
    /// neither id nor creation order; the same prefix twice makes names that repeat. Returns their
    /// ids.
    #[doc(hidden)]
    pub fn seed_flows(&self, count: usize, prefix: &str) -> Vec<String> {
        let mut state = self.lock();
        let now = state.now();
        let mut ids = Vec::with_capacity(count);
        // One real flow file, shared by all of them, and its output steps.
        let bytes = Arc::new(demo::flow_file_bytes());
        let output_steps = sim::flowfile::read(&bytes)
            .map(|d| d.output_steps)
            .unwrap_or_default();
        for i in 0..count {
            // A bijection of u32 (odd multiplier), so the names of one call are distinct.
            let n = (i as u32).wrapping_mul(0x9E37_79B1) ^ 0x5A5A_5A5A;
            let f = sim::state::Flow {
                id: sim::state::new_id(),
                name: format!("{prefix}{n:08x}"),
                description: String::new(),
                project_id: demo::PROJECT_ID.into(),
                owner_id: demo::ADMIN_ID.into(),
                file_type: "tflx".into(),
                bytes: Arc::clone(&bytes),
                created_at: now,
                updated_at: now,
                tags: Vec::new(),
                output_steps: output_steps.clone(),
                parameters: Vec::new(),
                connections: Vec::new(),
                fails: false,
                site_id: demo::SITE_ID.into(),
            };
            ids.push(f.id.clone());
            state.flows.insert(f);
        }
        ids
    }

    /// Adds a project to the default site, owned by the administrator, inside the project
    /// `parent_id` (`None`: at the top), and returns its id. For tests that need projects the
    /// demo does not have (two projects holding flows of the same name, nested projects):
    /// Create Project is not among the endpoints the simulator answers. Like real servers, it
    /// refuses a second project of the same name under the same parent; that, an unknown parent
    /// or a blank name is `None`.
    pub fn add_project(&self, name: &str, parent_id: Option<&str>) -> Option<String> {
        let mut state = self.lock();
        let taken = state.projects.iter().any(|p| {
            p.site_id == demo::SITE_ID && p.name == name && p.parent_id.as_deref() == parent_id
        });
        let parent_known = parent_id.is_none_or(|id| state.projects.iter().any(|p| p.id == id));
        if taken || !parent_known || name.trim().is_empty() {
            return None;
        }
        let id = sim::state::new_id();
        let now = state.now();
        state.projects.push(sim::state::Project {
            id: id.clone(),
            name: name.to_owned(),
            description: String::new(),
            parent_id: parent_id.map(str::to_owned),
            owner_id: demo::ADMIN_ID.into(),
            site_id: demo::SITE_ID.into(),
            created_at: now,
        });
        Some(id)
    }

    /// Makes runs of a flow end Failed (or succeed again).
    pub fn set_flow_fails(&self, flow_id: &str, fails: bool) {
        self.lock().flows.update(flow_id, |f| f.fails = fails);
    }

    /// Adds a flow parameter (for tests of parameter handling).
    pub fn add_parameter(&self, flow_id: &str, parameter: Parameter) {
        self.lock()
            .flows
            .update(flow_id, |f| f.parameters.push(parameter));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Blocks until the process ends (for `tabflow mock`).
    pub fn wait(mut self) {
        self.http.wait();
    }

    /// Stops serving: closes the listener and every connection, and waits for their threads.
    pub fn stop(self) {}
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.http.stop();
        self.shared.uploads.remove();
    }
}

/// Decides a request: what [`MockServer::answer`] answers, and what is answered on the port.
///
/// Content negotiation happens here and in [`HttpHandler::admit`], never in a behaviour: an
/// `Accept` that takes neither XML nor JSON is answered 406, and every refusal (written as XML)
/// is written again in JSON when the request prefers JSON.
fn decide(simulator: &Simulator, request: &interface::Request<'_>) -> interface::Answer {
    let Some(format) = interface::answer_format(request.accept) else {
        return interface::not_acceptable(request.accept.unwrap_or_default());
    };
    let answer = match ignored_body(simulator, request) {
        Some(refusal) => refusal,
        None => match route(simulator, request.method, request.path) {
            Err(answer) => answer,
            Ok(_) => interface::handle(simulator, simulator.version, request),
        },
    };
    answer.in_format(format)
}

/// Routes a request as this simulator has its routes: a server without the experimental
/// endpoints ([`FlowDocumentApi::Absent`]) answers their paths as paths no endpoint has (404
/// with 404003).
fn route<'r>(
    simulator: &Simulator,
    method: &str,
    path: &'r str,
) -> Result<interface::Route<'r>, interface::Answer> {
    let route = interface::route(simulator.version, method, path)?;
    if route.meta.experimental && simulator.flow_document_api == FlowDocumentApi::Absent {
        return Err(interface::not_found(path));
    }
    Ok(route)
}

/// The refusal of a body that an endpoint taking no body (or an empty `<tsRequest/>`) would
/// ignore but that is not well-formed, namespace-well-formed XML without a DOCTYPE, as the
/// shared request decoder checks it: 400 with code 400000. An empty body is fine, and so is any
/// well-formed one. A request that reaches no endpoint, or fails sign-in, gets the answer it
/// gets anyway; endpoints that read a body refuse a malformed one themselves.
fn ignored_body(
    simulator: &Simulator,
    request: &interface::Request<'_>,
) -> Option<interface::Answer> {
    use tableau_flows::DecodeError;
    if request.body.trim_ascii().is_empty() {
        return None;
    }
    let route = route(simulator, request.method, request.path).ok()?;
    if matches!(
        route.meta.request,
        RequestKind::Xml | RequestKind::Multipart
    ) {
        return None;
    }
    interface::authenticate(simulator, &route, request.token).ok()?;
    // The body is read in the format its Content-Type names, as a body an endpoint reads is.
    let decoded = match interface::body_format(request.content_type) {
        Ok(interface::Format::Xml) => tableau_flows::ErrorDocument::decode_request(request.body),
        Ok(interface::Format::Json) => {
            tableau_flows::ErrorDocument::decode_json_request(request.body)
        }
        Err(media) => return Some(interface::unsupported_media_type(&media)),
    };
    match decoded {
        // Well-formed, whatever it holds: ignored.
        Ok(_)
        | Err(
            DecodeError::UnexpectedRoot { .. }
            | DecodeError::Missing(_)
            | DecodeError::InvalidValue(_)
            | DecodeError::Service(_)
            | DecodeError::Empty,
        ) => None,
        Err(e) => {
            let code = tableau_flows::ErrorCode::BadRequest;
            Some(interface::Answer::error(
                400,
                code.code(),
                code.summary(),
                &format!("the request body: {e}"),
            ))
        }
    }
}

/// A counting semaphore: how many requests are decided at once.
struct Gate {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Gate {
    fn pass<T>(&self, decide: impl FnOnce() -> T) -> T {
        {
            let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
            while *free == 0 {
                free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
            }
            *free -= 1;
        }
        struct Release<'g>(&'g Gate);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                *self.0.free.lock().unwrap_or_else(|p| p.into_inner()) += 1;
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        decide()
    }
}

/// Answers the HTTP server's requests.
struct HttpHandler {
    simulator: Arc<Simulator>,
    /// The request log, when the server keeps one.
    log: Option<RequestLog>,
    /// The body limit of the endpoints that take a file.
    max_request_bytes: u64,
    /// The body limit of every other endpoint.
    max_body_bytes: u64,
    gate: Gate,
}

/// Removes a file when dropped.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether a `Content-Type` is multipart.
fn is_multipart(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| {
        c.trim_start()
            .get(..10)
            .is_some_and(|t| t.eq_ignore_ascii_case("multipart/"))
    })
}

/// A request target's path and query (without `?`).
fn split_target(target: &str) -> (&str, &str) {
    target.split_once('?').unwrap_or((target, ""))
}

impl HttpHandler {
    /// Adds a request and the status of its answer to the log, if there is one.
    fn record(&self, head: &http::Head, endpoint: Option<&'static str>, status: u16) {
        if let Some(log) = &self.log {
            let (path, query) = split_target(&head.target);
            log.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(LoggedRequest {
                    method: head.method.clone(),
                    path: path.to_owned(),
                    query: query.to_owned(),
                    endpoint,
                    status,
                });
        }
    }

    fn decide(&self, request: &interface::Request<'_>) -> interface::Answer {
        self.gate.pass(|| decide(&self.simulator, request))
    }

    /// A request to an endpoint that takes a file (Publish Flow, Append to File Upload), with a
    /// multipart body: the body is spooled to a file as it arrives, and the content of the file
    /// part (`part`) is left there for the behaviour to take (the request the interface decodes
    /// carries the part empty), never held in memory whole. A body without the part, or not
    /// multipart as the interface reads it, is read back into memory and decided as any other.
    fn spooled(
        &self,
        request: interface::Request<'_>,
        part: &str,
        body: &mut http::Body<'_>,
    ) -> Result<interface::Answer, http::BodyError> {
        use http::BodyError;
        let (path, mut file) = self
            .simulator
            .uploads
            .new_file("request")
            .map_err(BodyError::Storage)?;
        let _remove = RemoveOnDrop(path);
        body.copy_to(&mut file)?;
        if let Ok(layout) = interface::layout_file(request.content_type, &mut file)
            && let Some(i) = layout.parts.iter().position(|p| p.name == part)
        {
            let without = layout.without(&mut file, i).map_err(BodyError::Storage)?;
            let staged = Staged {
                file,
                range: layout.parts[i].content.clone(),
            };
            let request = interface::Request {
                body: &without,
                ..request
            };
            return Ok(with_staged(staged, || self.decide(&request)));
        }
        let mut bytes = Vec::new();
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.read_to_end(&mut bytes))
            .map_err(BodyError::Storage)?;
        Ok(self.decide(&interface::Request {
            body: &bytes,
            ..request
        }))
    }
}

impl http::Handler for HttpHandler {
    /// Routes and authenticates a request from its head, with the interface's own router: a
    /// request that reaches no endpoint, or whose caller the endpoint refuses, is answered as
    /// [`interface::handle`] would answer it, without reading its body. Otherwise its body is
    /// read: spooled to disk for an endpoint that takes a file (with a multipart body), into
    /// memory up to the small limit for any other.
    fn admit(&self, head: &http::Head) -> http::Admission {
        let accept = head.header("accept");
        let Some(format) = interface::answer_format(accept) else {
            let answer = interface::not_acceptable(accept.unwrap_or_default());
            self.record(head, None, answer.status);
            return http::Admission::Answer(reply(answer));
        };
        let (path, _) = split_target(&head.target);
        let route = match route(&self.simulator, &head.method, path) {
            Ok(route) => route,
            Err(answer) => {
                self.record(head, None, answer.status);
                return http::Admission::Answer(reply(answer.in_format(format)));
            }
        };
        let token = head.header("x-tableau-auth");
        if let Err(answer) = interface::authenticate(self.simulator.as_ref(), &route, token) {
            self.record(head, Some(route.meta.id), answer.status);
            return http::Admission::Answer(reply(answer.in_format(format)));
        }
        let admitted = match route.file_part() {
            Some(part) if is_multipart(head.header("content-type")) => http::Admitted {
                limit: self.max_request_bytes,
                file_part: Some(part),
            },
            _ if !route.meta.auth => http::Admitted {
                limit: self.max_body_bytes.min(MAX_ANONYMOUS_BODY_BYTES),
                file_part: None,
            },
            _ => http::Admitted {
                limit: self.max_body_bytes,
                file_part: None,
            },
        };
        http::Admission::Read(admitted)
    }

    fn handle(
        &self,
        head: &http::Head,
        admitted: &http::Admitted,
        body: &mut http::Body<'_>,
    ) -> Result<http::Reply, http::BodyError> {
        let (path, query) = split_target(&head.target);
        let request = interface::Request {
            method: &head.method,
            path,
            query,
            token: head.header("x-tableau-auth"),
            content_type: head.header("content-type"),
            accept: head.header("accept"),
            body: &[],
        };
        let answer = match admitted.file_part {
            Some(part) => self.spooled(request, part, body)?,
            None => {
                let bytes = body.read_to_vec()?;
                self.decide(&interface::Request {
                    body: &bytes,
                    ..request
                })
            }
        };
        if self.log.is_some() {
            let endpoint = route(&self.simulator, &head.method, path)
                .ok()
                .map(|r| r.meta.id);
            self.record(head, endpoint, answer.status);
        }
        Ok(reply(answer))
    }

    fn refusal(&self, status: u16, detail: &str) -> http::Reply {
        let summary = match status {
            400 => "Bad Request",
            408 => "Request Timeout",
            413 => "Request too large",
            417 => "Expectation Failed",
            431 => "Request Header Fields Too Large",
            501 => "Not Implemented",
            503 => "Service Unavailable",
            505 => "HTTP Version Not Supported",
            _ => "Internal Server Error",
        };
        reply(interface::Answer::error(
            status,
            u32::from(status) * 1000,
            summary,
            detail,
        ))
    }
}

/// An answer as the HTTP server writes it.
fn reply(answer: interface::Answer) -> http::Reply {
    let mut headers = Vec::new();
    let body = match answer.body {
        interface::AnswerBody::Empty => http::ReplyBody::Owned(Vec::new()),
        interface::AnswerBody::Json(json) => {
            headers.push((
                "Content-Type".to_owned(),
                interface::Format::Json.media_type().to_owned(),
            ));
            http::ReplyBody::Owned(json.into_bytes())
        }
        interface::AnswerBody::Xml(xml) => {
            headers.push((
                "Content-Type".to_owned(),
                "application/xml;charset=utf-8".to_owned(),
            ));
            http::ReplyBody::Owned(xml.into_bytes())
        }
        interface::AnswerBody::File(bytes, content_type) => {
            headers.push(("Content-Type".to_owned(), content_type.to_owned()));
            http::ReplyBody::Shared(bytes)
        }
    };
    headers.extend(
        answer
            .headers
            .into_iter()
            .filter(|(_, v)| !v.contains(['\r', '\n']))
            .map(|(k, v)| (k.to_owned(), v)),
    );
    http::Reply {
        status: answer.status,
        headers,
        body,
    }
}

/// The generated server interface this crate compiles (the snapshot tests compare it with the
/// golden copy).
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/server.rs"));

/// The README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

/// The everyday programs of `docs/everyday.md`, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/everyday.md")]
struct EverydayDoctests;

/// The simulator's example in `docs/simulator.md`, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../docs/simulator.md")]
struct SimulatorDocDoctests;

/// This crate's README example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeDoctests;
