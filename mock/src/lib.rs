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
//!   groups and per-flow permissions (a user without the needed capability gets the 403 code that
//!   endpoint's error table lists);
//! - flow runs that move Pending → InProgress → Success (or Failed, for a flow set up to fail) on a
//!   configurable clock, with progress; cancellation while in progress; linked tasks that run their
//!   steps in order and honour `stopDownstreamTasksOnFailure`;
//! - publishing in one request and in chunks, downloading the bytes published, pagination, filters
//!   and sorts on the documented fields, and the documented error codes.
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

pub mod interface;
mod sim;

/// Every model of the client, whatever its resource group, for the simulator's behaviour.
mod tf {
    pub use tableau_flows::*;
    pub use tableau_flows::{
        auth::*, connections::*, flow_runs::*, flow_tasks::*, flows::*, groups::*, jobs::*,
        linked_tasks::*, permissions::*, projects::*, schedules::*, server::*, uploads::*,
        users::*,
    };
}

pub use sim::state::{Clock, Domain, Parameter, Role, Timing, demo};

use sim::Simulator;
use sim::state::State;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use tableau_flows::ApiVersion;

/// The largest request body the simulator reads (a chunk or a single-request publish).
pub const MAX_REQUEST_BYTES: u64 = 128 * 1024 * 1024;

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
    users: Vec<(String, String, Role)>,
    pats: Vec<(String, String, String)>,
    jwts: Vec<(String, String)>,
}

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

    /// The clock runs and tokens follow (default: real time; [`Clock::manual`] for tests).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Whether to seed the demo content ([`demo`]; default true).
    pub fn demo_content(mut self, seed: bool) -> Self {
        self.demo = seed;
        self
    }

    /// How many requests are served at once (default 4).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
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

    /// Starts serving on loopback.
    pub fn start(self) -> std::io::Result<MockServer> {
        // Accepted sockets inherit TCP_NODELAY from the listener (Linux): without it, an answer
        // larger than tiny_http's write buffer waits for the client's delayed ACK (~40 ms).
        let listener = std::net::TcpListener::bind(("127.0.0.1", self.port))?;
        socket2::SockRef::from(&listener).set_tcp_nodelay(true)?;
        let server =
            tiny_http::Server::from_listener(listener, None).map_err(std::io::Error::other)?;
        let server = Arc::new(server);
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .unwrap_or(self.port);
        let mut state = State::new(self.clock.clone(), self.timing, self.token_lifetime);
        state.base_url = format!("http://127.0.0.1:{port}");
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
        let shared = Arc::new(Simulator {
            state: Mutex::new(state),
            version: self.api_version,
        });
        let threads = (0..self.threads)
            .map(|_| {
                let (server, shared) = (server.clone(), shared.clone());
                std::thread::spawn(move || {
                    for request in server.incoming_requests() {
                        serve(&shared, request);
                    }
                })
            })
            .collect();
        Ok(MockServer {
            url: format!("http://127.0.0.1:{port}"),
            server,
            threads,
            shared,
        })
    }
}

/// A running simulator. Dropping it (or [`MockServer::stop`]) shuts it down.
pub struct MockServer {
    url: String,
    server: Arc<tiny_http::Server>,
    threads: Vec<JoinHandle<()>>,
    shared: Arc<Simulator>,
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
            users: Vec::new(),
            pats: Vec::new(),
            jwts: Vec::new(),
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

    /// Answers a request in-process, without HTTP: exactly what the simulator answers on its port
    /// (for tests and fuzzing of the request handling).
    pub fn answer(&self, request: &interface::Request<'_>) -> interface::Answer {
        interface::handle(self.shared.as_ref(), self.shared.version, request)
    }

    /// The ids of every flow, for tests that check the state.
    pub fn flow_ids(&self) -> Vec<String> {
        self.lock().flows.keys().cloned().collect()
    }

    /// The number of flow runs, for tests that check the state.
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

    /// Makes runs of a flow end Failed (or succeed again).
    pub fn set_flow_fails(&self, flow_id: &str, fails: bool) {
        if let Some(f) = self.lock().flows.get_mut(flow_id) {
            f.fails = fails;
        }
    }

    /// Adds a flow parameter (for tests of parameter handling).
    pub fn add_parameter(&self, flow_id: &str, parameter: Parameter) {
        if let Some(f) = self.lock().flows.get_mut(flow_id) {
            f.parameters.push(parameter);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Blocks until the process ends (for `tabflow mock`).
    pub fn wait(mut self) {
        // The workers run until the server is unblocked, which only dropping it does.
        for t in std::mem::take(&mut self.threads) {
            let _ = t.join();
        }
    }

    /// Stops serving and waits for the workers.
    pub fn stop(self) {}
}

impl Drop for MockServer {
    fn drop(&mut self) {
        for _ in 0..self.threads.len() {
            self.server.unblock();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn header(request: &tiny_http::Request, name: &'static str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str().to_owned())
}

/// Serves one request: reads it (refusing a body over [`MAX_REQUEST_BYTES`]), lets the generated
/// interface answer it, and writes the answer.
fn serve(simulator: &Simulator, mut request: tiny_http::Request) {
    let method = request.method().as_str().to_owned();
    let url = request.url().to_owned();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let token = header(&request, "x-tableau-auth");
    let content_type = header(&request, "content-type");
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_REQUEST_BYTES + 1)
        .read_to_end(&mut body);
    let answer = if read.is_err() {
        interface::Answer::error(
            400,
            400000,
            "Bad request",
            "the request body could not be read",
        )
    } else if body.len() as u64 > MAX_REQUEST_BYTES {
        interface::Answer::error(
            413,
            413000,
            "Request too large",
            &format!("bodies over {MAX_REQUEST_BYTES} bytes are refused"),
        )
    } else {
        let req = interface::Request {
            method: &method,
            path,
            query,
            token: token.as_deref(),
            content_type: content_type.as_deref(),
            body: &body,
        };
        interface::handle(simulator, simulator.version, &req)
    };
    let header = |k: &str, v: &str| tiny_http::Header::from_bytes(k, v).expect("valid header");
    let mut response = match answer.body {
        interface::AnswerBody::Empty => tiny_http::Response::from_data(Vec::new()),
        interface::AnswerBody::Xml(xml) => tiny_http::Response::from_data(xml.into_bytes())
            .with_header(header("Content-Type", "application/xml;charset=utf-8")),
        interface::AnswerBody::File(bytes) => {
            tiny_http::Response::from_data(bytes.as_ref().clone())
                .with_header(header("Content-Type", "application/octet-stream"))
        }
    }
    .with_status_code(answer.status);
    for (k, v) in &answer.headers {
        response.add_header(header(k, v));
    }
    let _ = request.respond(response);
}

/// The generated server interface this crate compiles (the snapshot tests compare it with the
/// golden copy).
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/server.rs"));

/// The README's examples (client and simulator), compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
