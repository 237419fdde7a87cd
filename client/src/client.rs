//! The client and the request pipeline shared by every generated endpoint method: version
//! negotiation, the session, retries, signing in again when the token expired, and limits.

use crate::body::FilePart;
use crate::error::{CallError, Error, Failure};
use crate::meta::EndpointMeta;
use crate::retry::{RetryPolicy, parse_retry_after, retryable_status};
use crate::version::{ApiVersion, Feature, VersionError, Versioned};
use crate::xml::{Document, XmlValue};
use crate::{Secret, SiteId, UserId};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

/// Characters kept as they are in a path segment: RFC 3986 unreserved.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// In a query value, `:` and `,` (legal there) also stay, so filters read `name:eq:x,projectName:eq:y`.
const ENCODE_QUERY: &AsciiSet = &ENCODE.remove(b':').remove(b',');

/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout for each read from the server (and for the answer to start).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The default limit on a response body decoded in memory (16 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
/// The default overall deadline of a call, retries included (2 minutes); transfers have none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// The default stall time of a transfer: how long an upload or a download may move no byte
/// (60 s).
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);
/// The default bound on a download the server content-encoded although asked not to, once
/// inflated (256 MiB).
pub const DEFAULT_MAX_INFLATED_DOWNLOAD_BYTES: u64 = 256 * 1024 * 1024;

/// A signed-in session: the token for `X-Tableau-Auth` and the site id used in paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session token (never shown by `Debug`).
    pub token: Secret,
    /// The site's LUID.
    pub site_id: SiteId,
    /// The signed-in user, when the server said.
    pub user_id: Option<UserId>,
}

/// How to sign in (see [`Client::sign_in_with`]). `Debug` never shows the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// A personal access token: its name and secret.
    PersonalAccessToken {
        /// The token's name.
        name: String,
        /// The token's secret.
        secret: Secret,
    },
    /// A user name and password.
    Password {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// A JSON Web Token of a connected app.
    Jwt(Secret),
}

impl Credentials {
    /// A personal access token.
    pub fn personal_access_token(name: impl Into<String>, secret: impl Into<Secret>) -> Self {
        Credentials::PersonalAccessToken {
            name: name.into(),
            secret: secret.into(),
        }
    }

    /// A user name and password.
    pub fn password(username: impl Into<String>, password: impl Into<Secret>) -> Self {
        Credentials::Password {
            username: username.into(),
            password: password.into(),
        }
    }

    /// A connected app's JWT.
    pub fn jwt(jwt: impl Into<Secret>) -> Self {
        Credentials::Jwt(jwt.into())
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    api_version: Option<ApiVersion>,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    stall_timeout: Duration,
    max_response_bytes: u64,
    max_inflated_download_bytes: u64,
    allow_plain_http: bool,
    retry: RetryPolicy,
    ca_certificates: Vec<Vec<u8>>,
}

impl ClientBuilder {
    /// Pins the API version to speak. Without it the client asks the server (Server Info, no
    /// sign-in needed) on its first call and speaks the lower of the server's `restApiVersion`
    /// and [`crate::NEWEST_API_VERSION`].
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long to wait for the answer to start, and for each later read (default 60 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The overall deadline of a call (default 2 minutes): connecting, sending, waiting and
    /// reading the whole answer, retries and their waits included. A call still going when it
    /// expires fails with [`Error::DeadlineExceeded`] naming it, however steadily a slow server
    /// trickles its answer. Transfers (publishing a file, appending a chunk, downloading) have
    /// no overall deadline, so long healthy transfers go on: the
    /// [`stall_timeout`](Self::stall_timeout) bounds them instead.
    pub fn timeout(mut self, deadline: Duration) -> Self {
        self.timeout = deadline;
        self
    }

    /// How long a transfer (publishing a file, appending a chunk, downloading) may move no byte
    /// before it fails with [`Error::Stalled`] (default 60 s); it also bounds the wait for the
    /// answer to a transfer.
    pub fn stall_timeout(mut self, stall: Duration) -> Self {
        self.stall_timeout = stall;
        self
    }

    /// The bound on a download that the server content-encoded (gzip) although the client asks
    /// for none, once inflated (default 256 MiB): a larger file fails with
    /// [`Error::ResponseTooLarge`] rather than filling the disk. Downloads sent as they are
    /// have no bound.
    pub fn max_inflated_download_bytes(mut self, limit: u64) -> Self {
        self.max_inflated_download_bytes = limit;
        self
    }

    /// The largest response body decoded in memory (default 16 MiB); a larger answer is refused
    /// with [`Error::ResponseTooLarge`]. Downloads are streamed and not limited.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Allows `http://` to hosts other than loopback (never do this with real credentials).
    pub fn allow_plain_http(mut self, allow: bool) -> Self {
        self.allow_plain_http = allow;
        self
    }

    /// Trusts the certificate authorities in this PEM text (a private authority's certificate,
    /// one or more `-----BEGIN CERTIFICATE-----` blocks) instead of the public ones Mozilla's
    /// list holds. Repeatable; a text without a certificate fails [`build`](Self::build).
    pub fn ca_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.ca_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// How transient failures are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Builds the client (no request is made). Fails on a base URL that is not
    /// `http(s)://host[:port]`, or on plain http to a host that is not loopback unless allowed.
    pub fn build(self) -> Result<Client, Error> {
        let base = self.base_url.trim_end_matches('/').to_owned();
        let rest = if let Some(r) = base.strip_prefix("https://") {
            r
        } else if let Some(r) = base.strip_prefix("http://") {
            let host = r.split(['/', ':']).next().unwrap_or("");
            let loopback =
                host == "localhost" || host.starts_with("127.") || r.starts_with("[::1]");
            if !loopback && !self.allow_plain_http {
                return Err(Error::InvalidArgument(format!(
                    "plain http to {host} is refused: use https, or allow_plain_http(true)"
                )));
            }
            r
        } else {
            return Err(Error::InvalidArgument(format!(
                "base URL {:?} must start with https:// or http://",
                self.base_url
            )));
        };
        if rest.is_empty() || rest.contains(['?', '#', ' ']) {
            return Err(Error::InvalidArgument(format!(
                "invalid base URL {:?}",
                self.base_url
            )));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::InvalidArgument(
                "a retry policy needs at least one attempt".into(),
            ));
        }
        let mut roots = Vec::new();
        for (i, pem) in self.ca_certificates.iter().enumerate() {
            let before = roots.len();
            for item in ureq::tls::parse_pem(pem) {
                match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => roots.push(c),
                    Ok(_) => {}
                    Err(e) => {
                        return Err(Error::InvalidArgument(format!(
                            "certificate authority {}: {e}",
                            i + 1
                        )));
                    }
                }
            }
            if roots.len() == before {
                return Err(Error::InvalidArgument(format!(
                    "certificate authority {}: no PEM certificate in it",
                    i + 1
                )));
            }
        }
        let mut config = ureq::Agent::config_builder();
        if !roots.is_empty() {
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&roots))
                    .build(),
            );
        }
        let agent: ureq::Agent = config
            .http_status_as_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_per_read(Some(self.read_timeout))
            .timeout_recv_response(Some(self.read_timeout))
            .max_redirects(0)
            .user_agent(concat!("tableau-flows/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client {
            inner: Arc::new(ClientInner {
                agent,
                base,
                pinned: self.api_version.is_some(),
                version: Mutex::new(self.api_version),
                max_response_bytes: self.max_response_bytes,
                max_inflated_download_bytes: self.max_inflated_download_bytes,
                timeout: self.timeout,
                stall_timeout: self.stall_timeout,
                retry: self.retry,
                session: RwLock::new(None),
                sign_in: Mutex::new(None),
                owns_session: AtomicBool::new(false),
            }),
        })
    }
}

/// A blocking client for the Tableau REST API flow methods.
///
/// One method per endpoint (generated from the spec) returns a request builder; optional
/// parameters are set on it and `send()` performs the call.
///
/// ```no_run
/// use tableau_flows::{Client, Credentials};
/// # fn main() -> Result<(), tableau_flows::Error> {
/// let client = Client::builder("https://tableau.example.com").build()?;
/// client.sign_in_with(Credentials::personal_access_token("ci", "secret"), "marketing")?;
/// let flows = client.query_flows_for_site().page_size(100).send()?;
/// for flow in &flows.flows {
///     println!("{} {}", flow.id, flow.name.as_deref().unwrap_or(""));
/// }
/// client.end_session()?; // or let the client drop: it signs out
/// # Ok(()) }
/// ```
///
/// A client signs out of the session [`sign_in_with`](Self::sign_in_with) opened when it is
/// dropped. It is `Send + Sync`: share it between threads behind an `Arc`.
#[derive(Debug)]
pub struct Client {
    inner: Arc<ClientInner>,
}

/// What a [`Client`] and its internal handles (a list fetching its next page on another thread)
/// share.
#[derive(Debug)]
pub(crate) struct ClientInner {
    agent: ureq::Agent,
    base: String,
    pinned: bool,
    version: Mutex<Option<ApiVersion>>,
    max_response_bytes: u64,
    max_inflated_download_bytes: u64,
    timeout: Duration,
    stall_timeout: Duration,
    retry: RetryPolicy,
    session: RwLock<Option<Session>>,
    /// What to sign in again with when the token expires.
    sign_in: Mutex<Option<(Credentials, String)>>,
    /// Whether the session came from [`Client::sign_in_with`] (signed out on drop).
    owns_session: AtomicBool,
}

impl Drop for ClientInner {
    /// Signs out of a session the client signed in to ([`Client::sign_in_with`]), so that no
    /// token outlives the program, once the client and every handle of it are gone; best effort,
    /// within the client's timeouts, errors ignored. A session given with
    /// [`Client::set_session`], or kept with [`Client::keep_session`], is left alone.
    fn drop(&mut self) {
        let session = self
            .session
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if !self.owns_session.load(Ordering::SeqCst) || session.is_none() {
            return;
        }
        let version = *self.version.get_mut().unwrap_or_else(|p| p.into_inner());
        // A client of its own for the one call, owning no session (so it signs nothing out).
        let last = Client {
            inner: Arc::new(ClientInner {
                agent: self.agent.clone(),
                base: std::mem::take(&mut self.base),
                pinned: self.pinned,
                version: Mutex::new(version),
                max_response_bytes: self.max_response_bytes,
                max_inflated_download_bytes: self.max_inflated_download_bytes,
                timeout: self.timeout,
                stall_timeout: self.stall_timeout,
                retry: self.retry.clone(),
                session: RwLock::new(session),
                sign_in: Mutex::new(None),
                owns_session: AtomicBool::new(false),
            }),
        };
        let _ = last.sign_out().send();
    }
}

/// The client a request builder calls: borrowed from the caller, or a handle of it that a
/// builder owns to be sent from another thread (see [`Paged::detach`](crate::pagination::Paged::detach)).
#[derive(Debug)]
pub(crate) enum ClientRef<'c> {
    Borrowed(&'c Client),
    Owned(Client),
}

impl ClientRef<'_> {
    /// A handle of the same client that does not borrow.
    pub(crate) fn detach(&self) -> ClientRef<'static> {
        ClientRef::Owned(Client {
            inner: Arc::clone(&self.inner),
        })
    }
}

impl Clone for ClientRef<'_> {
    fn clone(&self) -> Self {
        match self {
            ClientRef::Borrowed(c) => ClientRef::Borrowed(c),
            ClientRef::Owned(c) => ClientRef::Owned(Client {
                inner: Arc::clone(&c.inner),
            }),
        }
    }
}

impl std::ops::Deref for ClientRef<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        match self {
            ClientRef::Borrowed(c) => c,
            ClientRef::Owned(c) => c,
        }
    }
}

impl Client {
    /// A builder for a client of the server at `base_url` (e.g. `https://tableau.example.com`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            api_version: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_inflated_download_bytes: DEFAULT_MAX_INFLATED_DOWNLOAD_BYTES,
            allow_plain_http: false,
            retry: RetryPolicy::default(),
            ca_certificates: Vec::new(),
        }
    }

    /// A client signed in as the environment says, the way `tabflow` reads it: the server from
    /// `TABLEAU_SERVER`, the site's content URL from `TABLEAU_SITE` (default: the default site),
    /// and the first credentials given of `TABLEAU_PAT_NAME` with `TABLEAU_PAT_SECRET` (a personal
    /// access token), `TABLEAU_JWT` (a connected app), `TABLEAU_USERNAME` with
    /// `TABLEAU_PASSWORD`; `TABLEAU_API_VERSION` pins the version. For scripts: a missing or empty
    /// variable is an [`Error::InvalidArgument`] naming it.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), tableau_flows::Error> {
    /// let client = tableau_flows::Client::from_env()?;
    /// println!("signed in to {}", client.base_url());
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        Client::from_vars(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// [`Client::from_env`] with the variables looked up by `var`.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Client, Error> {
        let missing = |what: &str| Error::InvalidArgument(format!("set {what}"));
        let server = var("TABLEAU_SERVER").ok_or_else(|| missing("TABLEAU_SERVER"))?;
        let mut builder = Client::builder(server);
        if let Some(v) = var("TABLEAU_API_VERSION") {
            let version = v
                .parse()
                .map_err(|e| Error::InvalidArgument(format!("TABLEAU_API_VERSION: {e}")))?;
            builder = builder.api_version(version);
        }
        let credentials = match (
            var("TABLEAU_PAT_NAME"),
            var("TABLEAU_JWT"),
            var("TABLEAU_USERNAME"),
        ) {
            (Some(name), _, _) => Credentials::personal_access_token(
                name,
                var("TABLEAU_PAT_SECRET").ok_or_else(|| missing("TABLEAU_PAT_SECRET"))?,
            ),
            (None, Some(jwt), _) => Credentials::jwt(jwt),
            (None, None, Some(user)) => Credentials::password(
                user,
                var("TABLEAU_PASSWORD").ok_or_else(|| missing("TABLEAU_PASSWORD"))?,
            ),
            (None, None, None) => {
                return Err(missing(
                    "TABLEAU_PAT_NAME and TABLEAU_PAT_SECRET (or TABLEAU_JWT, or TABLEAU_USERNAME and TABLEAU_PASSWORD)",
                ));
            }
        };
        let client = builder.build()?;
        client.sign_in_with(credentials, &var("TABLEAU_SITE").unwrap_or_default())?;
        Ok(client)
    }

    /// The API version the client speaks: the pinned one, or the negotiated one once known.
    pub fn api_version(&self) -> Option<ApiVersion> {
        *self.inner.version.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The API version the client speaks, asking the server first if it is not yet known.
    pub fn negotiate_version(&self) -> Result<ApiVersion, Error> {
        self.resolve_version().map_err(|f| f.0.into())
    }

    fn resolve_version(&self) -> Result<ApiVersion, Failure> {
        if let Some(v) = self.api_version() {
            return Ok(v);
        }
        let info = self
            .server_info()
            .send()
            .map_err(|e| Failure(e.into_generic()))?;
        let text = info
            .server_info
            .and_then(|s| s.rest_api_version)
            .ok_or_else(|| {
                CallError::InvalidArgument("the server's serverinfo has no restApiVersion".into())
            })?;
        let server: ApiVersion = text
            .parse()
            .map_err(|e| CallError::InvalidArgument(format!("the server's restApiVersion: {e}")))?;
        let chosen = server.min(crate::NEWEST_API_VERSION);
        *self.inner.version.lock().unwrap_or_else(|p| p.into_inner()) = Some(chosen);
        Ok(chosen)
    }

    /// The client's retry policy (for the workflows that repeat a whole transfer).
    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Whether the version was pinned by the builder.
    pub fn is_version_pinned(&self) -> bool {
        self.inner.pinned
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// Uses a session (from Sign In, perhaps saved by another program) for later calls; the
    /// client does not sign it out when dropped.
    pub fn set_session(&self, session: Session) {
        self.inner.owns_session.store(false, Ordering::SeqCst);
        self.store_session(session);
    }

    fn store_session(&self, session: Session) {
        *self
            .inner
            .session
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(session);
    }

    /// Keeps the session alive after the client is dropped (it is not signed out), and returns
    /// it, to save its token for another program.
    pub fn keep_session(&self) -> Option<Session> {
        self.inner.owns_session.store(false, Ordering::SeqCst);
        self.session()
    }

    /// Forgets the session and the credentials kept for signing in again (without signing out).
    pub fn clear_session(&self) {
        self.inner.owns_session.store(false, Ordering::SeqCst);
        *self
            .inner
            .session
            .write()
            .unwrap_or_else(|p| p.into_inner()) = None;
        *self.inner.sign_in.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The current session.
    pub fn session(&self) -> Option<Session> {
        self.inner
            .session
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Signs in to the site whose URL namespace is `site` (`""` for the default site), keeps the
    /// session for later calls, and keeps the credentials to sign in again, once per call, when
    /// the token has expired (an answer 401 with code 401002). The session is signed out when the
    /// client is dropped, unless [`keep_session`](Self::keep_session) is called.
    pub fn sign_in_with(
        &self,
        credentials: Credentials,
        site: &str,
    ) -> Result<Session, CallError<crate::auth::SignInError>> {
        let session = self.sign_in_once(&credentials, site)?;
        *self.inner.sign_in.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((credentials, site.to_owned()));
        self.inner.owns_session.store(true, Ordering::SeqCst);
        Ok(session)
    }

    fn sign_in_once(
        &self,
        credentials: &Credentials,
        site: &str,
    ) -> Result<Session, CallError<crate::auth::SignInError>> {
        let mut creds = crate::auth::SignInCredentials {
            site: crate::auth::SignInSite {
                content_url: site.to_owned(),
            },
            ..Default::default()
        };
        match credentials {
            Credentials::PersonalAccessToken { name, secret } => {
                creds.personal_access_token_name = Some(name.clone());
                creds.personal_access_token_secret = Some(secret.clone());
            }
            Credentials::Password { username, password } => {
                creds.name = Some(username.clone());
                creds.password = Some(password.clone());
            }
            Credentials::Jwt(jwt) => creds.jwt = Some(jwt.clone()),
        }
        let answer = self
            .sign_in(crate::auth::SignInRequest { credentials: creds })
            .send()?;
        let c = answer.credentials;
        let site_id = c.site.id.ok_or_else(|| {
            CallError::InvalidArgument("the sign-in answer has no site id".into())
        })?;
        let session = Session {
            token: c.token,
            site_id,
            user_id: Some(c.user.id),
        };
        self.store_session(session.clone());
        Ok(session)
    }

    /// Signs out (when signed in) and forgets the session and credentials.
    pub fn end_session(&self) -> Result<(), CallError<crate::auth::SignOutError>> {
        let result = if self.session().is_some() {
            self.sign_out().send()
        } else {
            Ok(())
        };
        self.clear_session();
        result
    }

    /// Signs in again with the kept credentials; `false` when there are none.
    fn reauthenticate(&self) -> Result<bool, Failure> {
        let kept = self
            .inner
            .sign_in
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match kept {
            Some((credentials, site)) => {
                self.sign_in_once(&credentials, &site)
                    .map_err(|e| Failure(e.into_generic()))?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Starts a call of an endpoint: settles the API version and checks the endpoint's.
    pub(crate) fn call(&self, meta: &'static EndpointMeta) -> Result<Call<'_>, Failure> {
        ClientRef::Borrowed(self).call(meta)
    }
}

impl<'c> ClientRef<'c> {
    /// Starts a call of an endpoint: settles the API version and checks the endpoint's.
    pub(crate) fn call(&self, meta: &'static EndpointMeta) -> Result<Call<'c>, Failure> {
        let version = if meta.id == crate::endpoints::SERVER_INFO.id && self.api_version().is_none()
        {
            // Server Info is how the version is learnt: ask it at the oldest version.
            crate::OLDEST_API_VERSION
        } else {
            self.resolve_version()?
        };
        let call = Call {
            client: self.clone(),
            meta,
            version,
            path: Vec::new(),
            query: Vec::new(),
            body: Body::None,
            download: false,
            sent: Default::default(),
        };
        call.gate(Feature::new(meta.title, meta.since))?;
        if meta.auth && self.session().is_none() {
            return Err(CallError::NotSignedIn.into());
        }
        Ok(call)
    }
}

enum PathPart {
    Literal(String),
    Site,
    Segment(String),
}

enum Body {
    None,
    Xml(String),
    Multipart {
        boundary: String,
        head: Vec<u8>,
        file: Option<FilePart>,
        tail: Vec<u8>,
    },
}

/// One prepared call: method, path, query, headers and body. Created by the generated builders'
/// `prepare`, sent by their `send`. It can be sent again (a retry, or after signing in again)
/// unless its body is a one-shot stream.
pub(crate) struct Call<'c> {
    client: ClientRef<'c>,
    meta: &'static EndpointMeta,
    version: ApiVersion,
    path: Vec<PathPart>,
    query: Vec<(&'static str, String)>,
    body: Body,
    /// The answer is a file (no content encoding; bounded by the stall time).
    download: bool,
    /// The bytes of the request body handed to the transport in the current attempt.
    sent: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("method", &self.meta.method)
            .field("path_and_query", &self.path_and_query())
            .finish_non_exhaustive()
    }
}

/// Refuses a path parameter that would not name one resource: empty, `.` or `..`.
pub(crate) fn check_segment(name: &str, value: &str) -> Result<(), CallError> {
    let why = match value.trim() {
        "" => "is empty",
        _ if value == "." || value == ".." => {
            "is a dot segment, which servers and proxies remove from paths"
        }
        _ => return Ok(()),
    };
    Err(CallError::InvalidArgument(format!(
        "the path parameter {name} {why} ({value:?}); nothing was sent"
    )))
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, ENCODE).to_string()
}

/// How a failed attempt may be repeated.
enum Next {
    Retry(Option<Duration>),
    SignInAgain,
    Stop,
}

impl<'c> Call<'c> {
    /// `/api/{version}/...?query`, as it will be sent (the site id from the current session).
    pub(crate) fn path_and_query(&self) -> String {
        let site = self.client.session().map(|s| s.site_id);
        let mut s = format!("/api/{}", self.version);
        for p in &self.path {
            match p {
                PathPart::Literal(l) => s.push_str(l),
                PathPart::Segment(v) => s.push_str(&encode(v)),
                PathPart::Site => {
                    s.push_str(&encode(site.as_ref().map(SiteId::as_str).unwrap_or("")))
                }
            }
        }
        for (i, (k, v)) in self.query.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            s.push_str(&utf8_percent_encode(v, ENCODE_QUERY).to_string());
        }
        s
    }

    fn content_type(&self) -> Option<String> {
        match &self.body {
            Body::None => None,
            Body::Xml(_) => Some("application/xml".to_owned()),
            Body::Multipart { boundary, .. } => {
                Some(format!("multipart/mixed; boundary={boundary}"))
            }
        }
    }

    fn replayable(&self) -> bool {
        match &self.body {
            Body::Multipart { file: Some(f), .. } => f.is_replayable(),
            _ => true,
        }
    }

    pub(crate) fn push_path(&mut self, literal: &str) {
        self.path.push(PathPart::Literal(literal.to_owned()));
    }

    /// Adds the path parameter `name`; an empty value, `.` or `..` is refused (a server or
    /// proxy removes dot segments, so `flows/..` would reach another resource, and an empty id
    /// the list route).
    pub(crate) fn push_segment(&mut self, name: &str, value: &str) -> Result<(), Failure> {
        check_segment(name, value)?;
        self.path.push(PathPart::Segment(value.to_owned()));
        Ok(())
    }

    pub(crate) fn push_site(&mut self) -> Result<(), Failure> {
        if self.client.session().is_none() {
            return Err(CallError::NotSignedIn.into());
        }
        self.path.push(PathPart::Site);
        Ok(())
    }

    pub(crate) fn push_query(&mut self, wire: &'static str, value: String) {
        self.query.push((wire, value));
    }

    pub(crate) fn raw_xml_body(&mut self, xml: String) {
        self.body = Body::Xml(xml);
    }

    pub(crate) fn query<T: XmlValue>(&mut self, wire: &'static str, value: &T) {
        self.query.push((wire, value.to_xml_value().into_owned()));
    }

    pub(crate) fn query_list<T: XmlValue>(&mut self, wire: &'static str, values: &[T]) {
        let joined: Vec<String> = values
            .iter()
            .map(|v| v.to_xml_value().into_owned())
            .collect();
        self.query.push((wire, joined.join(",")));
    }

    pub(crate) fn check_range(
        &self,
        wire: &str,
        value: i64,
        lo: i64,
        hi: i64,
    ) -> Result<(), Failure> {
        if value < lo || value > hi {
            return Err(CallError::InvalidArgument(format!(
                "{wire} must be between {lo} and {hi}, not {value}"
            ))
            .into());
        }
        Ok(())
    }

    pub(crate) fn check_expression<X: crate::filter::Expression>(
        &self,
        wire: &str,
        expression: &X,
    ) -> Result<(), Failure> {
        let fields = self.meta.param(wire).map(|p| p.fields).unwrap_or(&[]);
        expression.check_against(fields).map_err(|e| {
            CallError::InvalidArgument(format!("{wire} of {}: {e}", self.meta.title)).into()
        })
    }

    pub(crate) fn gate(&self, feature: Feature) -> Result<(), Failure> {
        if feature.since > self.version {
            return Err(VersionError {
                feature: feature.name.into_owned(),
                required: feature.since,
                client: self.version,
            }
            .into());
        }
        Ok(())
    }

    pub(crate) fn gate_value<T: Versioned>(&self, value: &T) -> Result<(), Failure> {
        match value.required_version() {
            Some(f) => self.gate(f),
            None => Ok(()),
        }
    }

    pub(crate) fn empty_body(&mut self) {
        self.body = Body::Xml("<tsRequest/>".to_owned());
    }

    pub(crate) fn xml_body<T: Document>(&mut self, doc: &T) -> Result<(), Failure> {
        self.body = Body::Xml(crate::xml::encode_document(doc, "tsRequest")?);
        Ok(())
    }

    pub(crate) fn multipart_body<T: Document>(
        &mut self,
        doc: &T,
        file_part: &str,
        file: Option<FilePart>,
    ) -> Result<(), Failure> {
        let boundary = boundary();
        let xml = crate::xml::encode_document(doc, "tsRequest")?;
        let mut head = format!(
            "--{boundary}\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n{xml}\r\n"
        );
        if let Some(f) = &file {
            if f.filename().contains(['"', '\r', '\n']) {
                return Err(CallError::InvalidArgument(format!(
                    "file name {:?} cannot be sent",
                    f.filename()
                ))
                .into());
            }
            head.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: name=\"{file_part}\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                f.filename()
            ));
        }
        let tail = if file.is_some() {
            format!("\r\n--{boundary}--\r\n")
        } else {
            format!("--{boundary}--\r\n")
        };
        self.body = Body::Multipart {
            boundary,
            head: head.into_bytes(),
            file,
            tail: tail.into_bytes(),
        };
        Ok(())
    }

    /// One attempt: a local failure (the body's file cannot be read) is the outer error; what
    /// the transport says is the inner result, classified by the caller. A call gets what is left
    /// of its deadline; a transfer gets the stall time for each read and write instead.
    #[allow(clippy::type_complexity)]
    fn attempt(
        &mut self,
        remaining: Option<Duration>,
    ) -> Result<Result<ureq::http::Response<ureq::Body>, ureq::Error>, Failure> {
        let url = format!("{}{}", self.client.inner.base, self.path_and_query());
        let content_type = self.content_type();
        let mut builder = ureq::http::Request::builder()
            .method(self.meta.method)
            .uri(&url)
            .header("Accept", "application/xml");
        // A file is saved as it is (no content encoding to inflate without bound); any other
        // answer may come compressed, and is inflated within the client's limit.
        builder = builder.header(
            "Accept-Encoding",
            if self.download { "identity" } else { "gzip" },
        );
        if self.meta.auth {
            let session = self.client.session().ok_or(CallError::NotSignedIn)?;
            builder = builder.header("X-Tableau-Auth", session.token.expose());
        }
        if let Some(ct) = &content_type {
            builder = builder.header("Content-Type", ct);
        }
        let stall = Some(self.client.inner.stall_timeout);
        let transfer = self.is_transfer();
        let agent = &self.client.inner.agent;
        let invalid = |e: ureq::http::Error| Failure(CallError::InvalidArgument(e.to_string()));
        let result = match &mut self.body {
            Body::None => run_limited(
                builder.body(()).map_err(invalid)?,
                agent,
                transfer,
                stall,
                remaining,
            ),
            Body::Xml(xml) => run_limited(
                builder.body(xml.as_str()).map_err(invalid)?,
                agent,
                transfer,
                stall,
                remaining,
            ),
            Body::Multipart {
                head, file, tail, ..
            } => {
                let len =
                    head.len() as u64 + file.as_ref().map_or(0, FilePart::len) + tail.len() as u64;
                builder = builder.header("Content-Length", len.to_string());
                let reader: Box<dyn Read + Send> = match file {
                    Some(f) => Box::new(
                        Cursor::new(head.clone())
                            .chain(f.open()?)
                            .chain(Cursor::new(tail.clone())),
                    ),
                    None => Box::new(Cursor::new(head.clone()).chain(Cursor::new(tail.clone()))),
                };
                self.sent.store(0, Ordering::Relaxed);
                let reader = Counted {
                    inner: reader,
                    count: self.sent.clone(),
                };
                let req = builder
                    .body(ureq::SendBody::from_owned_reader(reader))
                    .map_err(invalid)?;
                run_limited(req, agent, transfer, stall, remaining)
            }
        };
        Ok(result)
    }

    /// Whether the call moves a file (a download, or a request with a file part): it is bounded
    /// by the stall time instead of the overall deadline.
    fn is_transfer(&self) -> bool {
        self.download || matches!(self.body, Body::Multipart { file: Some(_), .. })
    }

    /// What is left of the call's deadline (`None`: no deadline, for a transfer), or the
    /// deadline's error when nothing is.
    fn remaining(&self, started: Instant) -> Result<Option<Duration>, Failure> {
        if self.is_transfer() {
            return Ok(None);
        }
        let limit = self.client.inner.timeout;
        match limit.checked_sub(started.elapsed()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(CallError::DeadlineExceeded { limit }.into()),
        }
    }

    /// The typed error of a transport failure: the deadline, a stalled transfer, another
    /// timeout, a too large answer, or the transport's own error.
    fn transport(&self, e: ureq::Error) -> Failure {
        let stalled = || {
            CallError::Stalled {
                limit: self.client.inner.stall_timeout,
                transferred: self.sent.load(Ordering::Relaxed),
            }
            .into()
        };
        match e {
            ureq::Error::Timeout(ureq::Timeout::Global) => CallError::DeadlineExceeded {
                limit: self.client.inner.timeout,
            }
            .into(),
            ureq::Error::Timeout(
                ureq::Timeout::PerRead
                | ureq::Timeout::PerWrite
                | ureq::Timeout::RecvResponse
                | ureq::Timeout::SendBody
                | ureq::Timeout::RecvBody,
            ) if self.is_transfer() => stalled(),
            ureq::Error::Io(io)
                if io.kind() == std::io::ErrorKind::TimedOut && self.is_transfer() =>
            {
                stalled()
            }
            other => transport(other),
        }
    }

    /// Sends the call, retrying transient failures and signing in again on an expired token as
    /// the client's policy allows; returns the answer once its status is settled, with its body
    /// read in memory (at most the client's limit) unless `stream`. An idempotent call whose
    /// answer breaks off mid-body is sent again, within the policy.
    fn send(mut self, stream: bool) -> Result<(u16, Answer), Failure> {
        let policy = self.client.inner.retry.clone();
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut signed_in_again = false;
        loop {
            attempt += 1;
            let sent = Instant::now();
            let remaining = self.remaining(started)?;
            let outcome = self.attempt(remaining)?;
            // Method, path and query (never a header: the token is in one), status, time.
            match &outcome {
                Ok(resp) => log::debug!(
                    "{} {} -> {} in {} ms",
                    self.meta.method,
                    self.path_and_query(),
                    resp.status().as_u16(),
                    sent.elapsed().as_millis()
                ),
                Err(e) => log::debug!(
                    "{} {} -> {e} after {} ms",
                    self.meta.method,
                    self.path_and_query(),
                    sent.elapsed().as_millis()
                ),
            }
            let next = match &outcome {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if status == 401 && self.meta.auth && !signed_in_again && self.replayable() {
                        Next::SignInAgain
                    } else if retryable_status(status) && self.meta.idempotent {
                        let after = resp
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| parse_retry_after(v, SystemTime::now()));
                        Next::Retry(after)
                    } else {
                        Next::Stop
                    }
                }
                Err(e) if self.meta.idempotent && transient(e) => Next::Retry(None),
                Err(e) if never_connected(e) => Next::Retry(None),
                Err(_) => Next::Stop,
            };
            // Whether another attempt may start after `delay`.
            let may_retry = |this: &Self, delay: Duration| {
                let elapsed = started.elapsed() + delay;
                attempt < policy.max_attempts
                    && elapsed <= policy.max_elapsed
                    && (this.is_transfer() || elapsed < this.client.inner.timeout)
                    && this.replayable()
            };
            match next {
                Next::Stop => {
                    let resp = outcome.map_err(|e| self.transport(e))?;
                    let status = resp.status().as_u16();
                    let (parts, body) = resp.into_parts();
                    let ok = (200..300).contains(&status);
                    if stream && ok {
                        return Ok((status, Answer::Stream(parts, body)));
                    }
                    match self.read_body(&parts, body) {
                        Ok(bytes) => return Ok((status, Answer::Read(parts, bytes))),
                        Err(Broken::Failed(f)) => return Err(f),
                        Err(Broken::After { received, source }) => {
                            let delay = policy.delay(attempt, None);
                            log::debug!(
                                "{} {} -> the answer broke off after {received} bytes: {source}",
                                self.meta.method,
                                self.path_and_query()
                            );
                            if !self.meta.idempotent || !may_retry(&self, delay) {
                                return Err(CallError::Interrupted { received, source }.into());
                            }
                            std::thread::sleep(delay);
                        }
                    }
                }
                Next::SignInAgain => {
                    let resp = outcome.map_err(|e| self.transport(e))?;
                    let (parts, body) = resp.into_parts();
                    let body = match self.read_body(&parts, body) {
                        Ok(body) => body,
                        Err(Broken::Failed(f)) => return Err(f),
                        Err(Broken::After { received, source }) => {
                            return Err(CallError::Interrupted { received, source }.into());
                        }
                    };
                    let expired = matches!(
                        crate::xml::find_service_error(&body),
                        Ok(Some(d)) if d.code.trim() == "401002"
                    );
                    if !expired || !self.client.reauthenticate()? {
                        return Err(error_answer(401, &body));
                    }
                    signed_in_again = true;
                }
                Next::Retry(after) => {
                    let delay = policy.delay(attempt, after);
                    if !may_retry(&self, delay) {
                        let resp = outcome.map_err(|e| self.transport(e))?;
                        let status = resp.status().as_u16();
                        let (parts, body) = resp.into_parts();
                        return match self.read_body(&parts, body) {
                            Ok(bytes) => Ok((status, Answer::Read(parts, bytes))),
                            Err(Broken::Failed(f)) => Err(f),
                            Err(Broken::After { received, source }) => {
                                Err(CallError::Interrupted { received, source }.into())
                            }
                        };
                    }
                    drop(outcome);
                    std::thread::sleep(delay);
                }
            }
        }
    }

    /// Reads a body in memory, at most the client's limit, counting what arrived so that a
    /// connection breaking off mid-answer says after how many bytes.
    fn read_body(
        &self,
        parts: &ureq::http::response::Parts,
        body: ureq::Body,
    ) -> Result<Vec<u8>, Broken> {
        let limit = self.client.inner.max_response_bytes;
        let mut reader = decoded(parts, body, limit).map_err(Broken::Failed)?;
        let mut out = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(out),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if TooLarge::is(&e) => {
                    return Err(Broken::Failed(CallError::ResponseTooLarge { limit }.into()));
                }
                Err(e) => {
                    let e = ureq::Error::from(e);
                    return Err(match e {
                        ureq::Error::Io(source) if broken(&source) => Broken::After {
                            received: out.len() as u64,
                            source,
                        },
                        ureq::Error::Protocol(p) => Broken::After {
                            received: out.len() as u64,
                            source: std::io::Error::new(
                                std::io::ErrorKind::InvalidData,
                                p.to_string(),
                            ),
                        },
                        other => Broken::Failed(self.transport(other)),
                    });
                }
            }
        }
    }

    /// Sends the call and checks the status; a non-2xx answer becomes the service error it carries.
    pub(crate) fn execute(self) -> Result<Response, Failure> {
        let (status, answer) = self.send(false)?;
        let body = match answer {
            Answer::Read(_, body) => body,
            Answer::Stream(..) => unreachable!("send(false) reads the body"),
        };
        if !(200..300).contains(&status) {
            return Err(error_answer(status, &body));
        }
        Ok(Response { status, body })
    }

    /// Sends the call and returns the body as a stream (for downloads).
    pub(crate) fn execute_download(mut self) -> Result<Download, Failure> {
        self.download = true;
        let stall = self.client.inner.stall_timeout;
        let inflated_limit = self.client.inner.max_inflated_download_bytes;
        let limit = self.client.inner.max_response_bytes;
        let (status, answer) = self.send(true)?;
        let (parts, body) = match answer {
            Answer::Read(parts, body) => {
                if !(200..300).contains(&status) {
                    return Err(error_answer(status, &body));
                }
                (parts, Err(body))
            }
            Answer::Stream(parts, body) => (parts, Ok(body)),
        };
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        // Servers send a name that is not ASCII as raw UTF-8 (which `to_str` refuses) or as
        // RFC 6266's `filename*`.
        let disposition = parts
            .headers
            .get("content-disposition")
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let encoded = header("content-encoding").is_some_and(|e| {
            let e = e.trim();
            !e.is_empty() && !e.eq_ignore_ascii_case("identity")
        });
        // Once inflated, the length on the wire says nothing of the file's.
        let content_length = header("content-length")
            .and_then(|v| v.parse().ok())
            .filter(|_| !encoded);
        let filename = disposition.as_deref().and_then(filename_from_disposition);
        let download = |reader: Box<dyn Read + Send>| Download {
            reader,
            status,
            filename: filename.clone(),
            content_type: content_type.clone(),
            content_length,
            stall,
        };
        let body = match body {
            Ok(body) => body,
            Err(bytes) => return Ok(download(Box::new(Cursor::new(bytes)))),
        };
        if content_type.as_deref().is_some_and(|c| c.contains("xml")) {
            // A download answered with XML may be an error document (deviation S6).
            let bytes = read_limited(&parts, body, limit)?;
            if let Ok(Some(detail)) = crate::xml::find_service_error(&bytes) {
                return Err(Failure::service(status, &detail));
            }
            return Ok(download(Box::new(Cursor::new(bytes))));
        }
        // The server encoded the file though asked not to: it is inflated, but never beyond
        // the client's bound (a small answer may inflate to gigabytes). A file sent as it is
        // has no bound (as `max_inflated_download_bytes` says): its size is the server's.
        let bound = if encoded { inflated_limit } else { u64::MAX };
        Ok(download(decoded(&parts, body, bound)?))
    }
}

/// The body of an answer as its `Content-Encoding` says to read it (gzip and deflate inflated),
/// failing with [`TooLarge`] beyond `limit` bytes once inflated. An encoding the client cannot
/// read is refused.
fn decoded(
    parts: &ureq::http::response::Parts,
    body: ureq::Body,
    limit: u64,
) -> Result<Box<dyn Read + Send>, Failure> {
    let raw = body.into_with_config().limit(u64::MAX).reader();
    let encoding = parts
        .headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let inner: Box<dyn Read + Send> = match encoding.as_str() {
        "" | "identity" => Box::new(raw),
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(raw)),
        "deflate" => Box::new(flate2::read::ZlibDecoder::new(raw)),
        other => {
            return Err(CallError::Transport(
                format!("the answer's content encoding {other:?} is not one the client reads")
                    .into(),
            )
            .into());
        }
    };
    Ok(Box::new(Bounded {
        inner,
        left: limit,
        limit,
    }))
}

/// A reader failing with [`TooLarge`] once more than `limit` bytes came through.
struct Bounded<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(TooLarge(self.limit)));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The error of a [`Bounded`] reader: the limit it reached.
#[derive(Debug)]
struct TooLarge(u64);

impl TooLarge {
    fn is(e: &std::io::Error) -> bool {
        Self::limit(e).is_some()
    }

    fn limit(e: &std::io::Error) -> Option<u64> {
        e.get_ref()?.downcast_ref::<TooLarge>().map(|t| t.0)
    }
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the answer is larger than the limit of {} bytes", self.0)
    }
}

impl std::error::Error for TooLarge {}

/// Runs a request with its limits: the stall time on each read and write of a transfer, what is
/// left of the deadline for any other call.
fn run_limited<S: ureq::AsSendBody>(
    req: ureq::http::Request<S>,
    agent: &ureq::Agent,
    transfer: bool,
    stall: Option<Duration>,
    remaining: Option<Duration>,
) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    use ureq::RequestExt;
    let req = req.with_agent(agent).configure();
    if transfer {
        req.timeout_per_read(stall)
            .timeout_per_write(stall)
            .timeout_recv_response(stall)
            .run()
    } else {
        req.timeout_global(remaining).run()
    }
}

/// An answer whose status is settled: its body read, or (a download's success) to stream.
enum Answer {
    Read(ureq::http::response::Parts, Vec<u8>),
    Stream(ureq::http::response::Parts, ureq::Body),
}

/// Why reading an answer's body failed.
enum Broken {
    /// The connection broke off after `received` bytes (worth another attempt when idempotent).
    After {
        received: u64,
        source: std::io::Error,
    },
    /// Anything else (a timeout, a too large answer).
    Failed(Failure),
}

/// Whether an I/O error while reading an answer means the connection broke (reset, closed
/// early), as opposed to a timeout.
fn broken(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof | NotConnected
    )
}

/// A reader counting the bytes read from it (the bytes of a request body handed to the
/// transport), for saying how far a stalled upload got.
struct Counted<R> {
    inner: R,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Whether a transport error happened before any byte of the request could reach the server
/// (so even a non-idempotent call may be sent again).
fn never_connected(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => true,
        ureq::Error::Timeout(t) => matches!(t, ureq::Timeout::Connect | ureq::Timeout::Resolve),
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable
        ),
        _ => false,
    }
}

/// Whether a transport error is worth retrying for an idempotent call.
fn transient(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
            | ureq::Error::Protocol(_)
    )
}

fn boundary() -> String {
    format!(
        "tableau-flows-{:016x}{:016x}",
        fastrand::u64(..),
        fastrand::u64(..)
    )
}

fn transport(e: ureq::Error) -> Failure {
    match e {
        ureq::Error::Timeout(t) => CallError::Timeout(t.to_string()).into(),
        ureq::Error::BodyExceedsLimit(limit) => CallError::ResponseTooLarge { limit }.into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            CallError::Timeout(io.to_string()).into()
        }
        other => CallError::Transport(Box::new(other)).into(),
    }
}

fn read_limited(
    parts: &ureq::http::response::Parts,
    body: ureq::Body,
    limit: u64,
) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    decoded(parts, body, limit)?
        .read_to_end(&mut out)
        .map_err(|e| match TooLarge::limit(&e) {
            Some(limit) => CallError::ResponseTooLarge { limit }.into(),
            None => transport(ureq::Error::from(e)),
        })?;
    Ok(out)
}

fn error_answer(status: u16, body: &[u8]) -> Failure {
    match crate::xml::find_service_error(body) {
        Ok(Some(detail)) => Failure::service(status, &detail),
        _ => CallError::UnexpectedStatus {
            status,
            body: String::from_utf8_lossy(body).chars().take(200).collect(),
        }
        .into(),
    }
}

/// The file name of a `Content-Disposition` header (RFC 6266's `filename*=UTF-8''...` when
/// present, else `filename="..."`), without any directory, control characters or leading dots
/// (so never `.`, `..` or a hidden file): safe to join to a folder.
pub fn filename_from_disposition(value: &str) -> Option<String> {
    let extended = disposition_param(value, "filename*").and_then(|v| {
        let (charset, rest) = v.split_once('\'')?;
        let (_language, encoded) = rest.split_once('\'')?;
        let bytes: Vec<u8> = percent_encoding::percent_decode_str(encoded).collect();
        if charset.eq_ignore_ascii_case("utf-8") {
            String::from_utf8(bytes).ok()
        } else {
            // ISO-8859-1, the only other charset RFC 8187 names.
            Some(bytes.iter().map(|&b| char::from(b)).collect())
        }
    });
    let name = extended.or_else(|| disposition_param(value, "filename"))?;
    let base: String = name
        .rsplit(['/', '\\'])
        .next()?
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    // No hidden file (nor `.` or `..`): leading dots go.
    let base = base.trim().trim_start_matches('.').trim();
    if base.is_empty() {
        None
    } else {
        Some(base.to_owned())
    }
}

/// The value of the parameter `key` of a `Content-Disposition` value (quoted or not; `\"` in
/// quotes is a quote).
fn disposition_param(value: &str, key: &str) -> Option<String> {
    let mut rest = value.split_once(';').map_or(value, |(_, r)| r);
    loop {
        let (name, after) = rest.split_once('=')?;
        let name = name.trim();
        let after = after.trim_start();
        let (param, next) = if let Some(quoted) = after.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            out.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => out.push(c),
                }
            }
            let next = quoted[end..].split_once(';').map_or("", |(_, n)| n);
            (out, next)
        } else {
            match after.split_once(';') {
                Some((v, n)) => (v.trim().to_owned(), n),
                None => (after.trim().to_owned(), ""),
            }
        };
        if name.eq_ignore_ascii_case(key) {
            return Some(param);
        }
        if next.is_empty() {
            return None;
        }
        rest = next;
    }
}

/// A success answer, read in memory (at most the client's limit).
#[derive(Debug)]
pub(crate) struct Response {
    status: u16,
    body: Vec<u8>,
}

impl Response {
    /// Decodes the body as `T`; an `<error>` in it is the service error it reports.
    pub(crate) fn xml<T: Document>(self) -> Result<T, Failure> {
        crate::xml::decode_document(&self.body).map_err(|e| Failure::decode(self.status, e))
    }

    /// Checks an answer documented without a body: an `<error>` in it is still an error (S6).
    pub(crate) fn none(self) -> Result<(), Failure> {
        match crate::xml::find_service_error(&self.body) {
            Ok(Some(detail)) => Err(Failure::service(self.status, &detail)),
            _ => Ok(()),
        }
    }
}

/// A downloaded file, streamed: read it, or copy it into a writer.
pub struct Download {
    reader: Box<dyn Read + Send>,
    status: u16,
    /// The file name from `Content-Disposition`, without directories.
    pub filename: Option<String>,
    /// The `Content-Type`.
    pub content_type: Option<String>,
    /// The `Content-Length`, when sent.
    pub content_length: Option<u64>,
    /// The client's stall time, named when the download stalls.
    stall: Duration,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl Read for Download {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reader.read(buf)
    }
}

impl Download {
    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Copies the whole file into `writer` with a 64 KiB buffer, returning the number of bytes.
    pub fn copy_to(self, writer: &mut (impl std::io::Write + ?Sized)) -> Result<u64, Error> {
        self.copy_into(writer, None, None)
    }

    /// Copies the whole file into `writer`, reporting progress, until cancelled.
    pub(crate) fn copy_into(
        mut self,
        writer: &mut (impl std::io::Write + ?Sized),
        progress: Option<&crate::body::Progress>,
        cancel: Option<&crate::cancel::CancelToken>,
    ) -> Result<u64, Error> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut done = 0u64;
        loop {
            crate::cancel::check(cancel, "download")?;
            let n = match self.reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.failure(e, done)),
            };
            writer.write_all(&buf[..n])?;
            done += n as u64;
            if let Some(p) = progress {
                p(done, self.content_length);
            }
        }
        if let Some(expected) = self.content_length
            && expected != done
        {
            return Err(Error::Interrupted {
                received: done,
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("the download ended after {done} of {expected} bytes"),
                ),
            });
        }
        writer.flush()?;
        Ok(done)
    }

    /// The typed error of a read of the file failing after `done` bytes.
    fn failure(&self, e: std::io::Error, done: u64) -> Error {
        if let Some(limit) = TooLarge::limit(&e) {
            return Error::ResponseTooLarge { limit };
        }
        let stalled = Error::Stalled {
            limit: self.stall,
            transferred: done,
        };
        match ureq::Error::from(e) {
            ureq::Error::Timeout(_) => stalled,
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => stalled,
            ureq::Error::Io(io) if broken(&io) => Error::Interrupted {
                received: done,
                source: io,
            },
            ureq::Error::Protocol(p) => Error::Interrupted {
                received: done,
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, p.to_string()),
            },
            ureq::Error::BodyExceedsLimit(limit) => Error::ResponseTooLarge { limit },
            other => Error::Transport(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_content_disposition() {
        let name = |v: &str| filename_from_disposition(v);
        assert_eq!(
            name("attachment; filename=\"a.tflx\"").as_deref(),
            Some("a.tflx")
        );
        assert_eq!(name("attachment; filename=a.tfl").as_deref(), Some("a.tfl"));
        assert_eq!(
            name("attachment;filename=\"a;b.tfl\"; size=3").as_deref(),
            Some("a;b.tfl")
        );
        assert_eq!(
            name("attachment; filename=\"Caf\u{e9}.tfl\"").as_deref(),
            Some("Caf\u{e9}.tfl")
        );
        assert_eq!(
            name("attachment; filename=\"Cafe.tfl\"; filename*=UTF-8''Caf%C3%A9%20Cleanup.tfl")
                .as_deref(),
            Some("Caf\u{e9} Cleanup.tfl")
        );
        assert_eq!(
            name("attachment; filename*=iso-8859-1'en'Caf%E9.tfl").as_deref(),
            Some("Caf\u{e9}.tfl")
        );
        assert_eq!(
            name("attachment; filename=\"a\\\"b.tfl\"").as_deref(),
            Some("a\"b.tfl")
        );
        // Folders, hidden names, dot segments and controls never make a path.
        assert_eq!(
            name("attachment; filename=\"../../etc/.profile\"").as_deref(),
            Some("profile")
        );
        assert_eq!(name("attachment; filename=\"..\""), None);
        assert_eq!(
            name("attachment; filename=\"a\u{1b}[31m.tfl\"").as_deref(),
            Some("a[31m.tfl")
        );
        assert_eq!(name("attachment"), None);
        assert_eq!(name("inline; size=3"), None);
    }

    #[test]
    fn from_env_names_what_is_missing_and_prefers_a_token() {
        let err = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Client::from_vars(|name| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
            })
            .unwrap_err()
            .to_string()
        };
        assert_eq!(err(&[]), "invalid argument: set TABLEAU_SERVER");
        let server = ("TABLEAU_SERVER", "http://127.0.0.1:9");
        assert!(
            err(&[server])
                .starts_with("invalid argument: set TABLEAU_PAT_NAME and TABLEAU_PAT_SECRET")
        );
        assert_eq!(
            err(&[server, ("TABLEAU_PAT_NAME", "ci")]),
            "invalid argument: set TABLEAU_PAT_SECRET"
        );
        assert_eq!(
            err(&[server, ("TABLEAU_USERNAME", "admin")]),
            "invalid argument: set TABLEAU_PASSWORD"
        );
        assert!(
            err(&[
                server,
                ("TABLEAU_API_VERSION", "three"),
                ("TABLEAU_JWT", "x")
            ])
            .starts_with("invalid argument: TABLEAU_API_VERSION:")
        );
        // Complete: the client signs in, here to a port nobody listens on.
        let dead = err(&[
            server,
            ("TABLEAU_JWT", "x"),
            ("TABLEAU_API_VERSION", "3.24"),
        ]);
        assert!(dead.starts_with("transport error"), "{dead}");
    }
}
