//! The client: its builder and limits, the API version it speaks, and the handles its request
//! builders and background pages hold. Signing in lives in `session`, the request pipeline in
//! `call`, bounded readers and downloads in `transfer`.

use crate::call::Call;
use crate::error::{CallError, Error, Failure};
use crate::meta::EndpointMeta;
use crate::retry::RetryPolicy;
use crate::session::{Credentials, Session};
use crate::version::ApiVersion;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout for each read from the server (and for the answer to start).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The default limit on a response body decoded in memory (16 MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
/// The default overall deadline of a call, retries included (2 minutes); transfers have none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// The default overall deadline of signing out, on drop and in [`Client::end_session`] (2 s).
pub const DEFAULT_SIGN_OUT_TIMEOUT: Duration = Duration::from_secs(2);
/// The default stall time of a transfer: how long an upload or a download may move no byte
/// (60 s).
pub const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(60);
/// The default bound on a download the server content-encoded although asked not to, once
/// inflated (256 MiB).
pub const DEFAULT_MAX_INFLATED_DOWNLOAD_BYTES: u64 = 256 * 1024 * 1024;

/// The wire format a [`Client`] speaks ([`ClientBuilder::wire_format`]): Tableau's servers
/// speak both, by the request's `Accept` and `Content-Type` headers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WireFormat {
    /// XML (`application/xml`), the API's first format (the default).
    #[default]
    Xml,
    /// JSON (`application/json`), by the spec's rule: the root dropped, every value a string,
    /// a list an array under its item name (`spec/README.md`).
    Json,
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    api_version: Option<ApiVersion>,
    connect_timeout: Duration,
    read_timeout: Duration,
    timeout: Duration,
    sign_out_timeout: Duration,
    stall_timeout: Duration,
    max_response_bytes: u64,
    max_inflated_download_bytes: u64,
    allow_plain_http: bool,
    retry: RetryPolicy,
    ca_certificates: Vec<Vec<u8>>,
    wire_format: WireFormat,
}

impl ClientBuilder {
    /// Pins the API version to speak. Without it the client asks the server (Server Info, no
    /// sign-in needed) on its first call and speaks the lower of the server's `restApiVersion`
    /// and [`crate::NEWEST_API_VERSION`].
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = Some(version);
        self
    }

    /// How long to wait for a connection (default 10 s). Here and in every duration the client
    /// takes, a duration beyond [`MAX_DURATION`](crate::MAX_DURATION) (a year) is taken as it.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = crate::limits::clamp(timeout);
        self
    }

    /// How long to wait for the answer to start, and for each later read (default 60 s).
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = crate::limits::clamp(timeout);
        self
    }

    /// The overall deadline of a call (default 2 minutes): connecting, sending, waiting and
    /// reading the whole answer, retries and their waits included. A call still going when it
    /// expires fails with [`Error::DeadlineExceeded`] naming it, however steadily a slow server
    /// trickles its answer. Transfers (publishing a file, appending a chunk, downloading) have
    /// no overall deadline, so long healthy transfers go on: the
    /// [`stall_timeout`](Self::stall_timeout) bounds them instead.
    pub fn timeout(mut self, deadline: Duration) -> Self {
        self.timeout = crate::limits::clamp(deadline);
        self
    }

    /// The overall deadline of signing out (default 2 s): when the client is dropped and in
    /// [`Client::end_session`]. Signing out is a courtesy to the server (a session expires by
    /// itself), so a server that does not answer it holds the program this long at most, however
    /// long the other deadlines are. Signing out is not retried.
    pub fn sign_out_timeout(mut self, deadline: Duration) -> Self {
        self.sign_out_timeout = crate::limits::clamp(deadline);
        self
    }

    /// How long a transfer (publishing a file, appending a chunk, downloading) may move no byte
    /// before it fails with [`Error::Stalled`] (default 60 s); it also bounds the wait for the
    /// answer to a transfer.
    pub fn stall_timeout(mut self, stall: Duration) -> Self {
        self.stall_timeout = crate::limits::clamp(stall);
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

    /// The format requests are written in and answers asked for (default [`WireFormat::Xml`]).
    /// The models are the same in both: an answer decodes to the same values whichever
    /// format carried it, and an answer in the other format (a server that ignores `Accept`) is
    /// read too.
    ///
    /// ```
    /// use tableau_flows::{Client, WireFormat};
    /// # fn main() -> Result<(), tableau_flows::Error> {
    /// let client = Client::builder("https://tableau.example.com")
    ///     .wire_format(WireFormat::Json)
    ///     .build()?;
    /// assert_eq!(client.wire_format(), WireFormat::Json);
    /// # Ok(()) }
    /// ```
    pub fn wire_format(mut self, format: WireFormat) -> Self {
        self.wire_format = format;
        self
    }

    /// Allows `http://` to hosts other than loopback (never do this with real credentials).
    /// Without it, plain http is allowed only to `localhost` (any case, trailing dot or not) and
    /// to loopback IP literals (`127.0.0.0/8`, `[::1]`).
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
        self.retry = policy.clamped();
        self
    }

    /// Builds the client (no request is made). Fails on a base URL that is not
    /// `http(s)://host[:port][/path]`, that holds user information (`user:password@`: credentials
    /// go to [`Client::sign_in_with`], and the URL is never echoed), or that is plain http to a
    /// host other than loopback (`localhost` or a loopback IP literal) unless
    /// [`allow_plain_http`](Self::allow_plain_http) says so.
    pub fn build(self) -> Result<Client, Error> {
        let base = crate::base_url::parse(&self.base_url, self.allow_plain_http)?;
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
                sign_out_timeout: self.sign_out_timeout,
                wire_format: self.wire_format,
                stall_timeout: self.stall_timeout,
                retry: self.retry,
                session: RwLock::new(None),
                sign_in: Mutex::new(None),
                renewal: Mutex::new(None),
                expires_at: Mutex::new(None),
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
    pub(crate) inner: Arc<ClientInner>,
}

/// What a [`Client`] and its internal handles (a list fetching its next page on another thread)
/// share.
#[derive(Debug)]
pub(crate) struct ClientInner {
    pub(crate) agent: ureq::Agent,
    pub(crate) base: String,
    pub(crate) pinned: bool,
    pub(crate) version: Mutex<Option<ApiVersion>>,
    pub(crate) max_response_bytes: u64,
    pub(crate) max_inflated_download_bytes: u64,
    pub(crate) timeout: Duration,
    /// The overall deadline of signing out (on drop and in [`Client::end_session`]).
    pub(crate) sign_out_timeout: Duration,
    /// The format requests are written in and answers asked for.
    pub(crate) wire_format: WireFormat,
    pub(crate) stall_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) session: RwLock<Option<Session>>,
    /// What to sign in again with when the token expires.
    pub(crate) sign_in: Mutex<Option<(Credentials, String)>>,
    /// Where to ask for credentials when the token expires and none are kept
    /// ([`Client::resume_session`]).
    pub(crate) renewal: Mutex<Option<crate::session::Renewal>>,
    /// When the server expects the session to expire, from its Sign In answer.
    pub(crate) expires_at: Mutex<Option<std::time::SystemTime>>,
    /// Whether the session came from [`Client::sign_in_with`] (signed out on drop).
    pub(crate) owns_session: AtomicBool,
}

impl Drop for ClientInner {
    /// Signs out of a session the client signed in to ([`Client::sign_in_with`]), so that no
    /// token outlives the program, once the client and every handle of it are gone; best effort,
    /// within the sign-out deadline ([`ClientBuilder::sign_out_timeout`], 2 s by default), errors
    /// ignored. A session given with
    /// [`Client::set_session`], or kept with [`Client::keep_session`], is left alone.
    fn drop(&mut self) {
        let session = self
            .session
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if !self.owns_session.load(Ordering::SeqCst) {
            return;
        }
        if let Some(session) = session {
            let _ = self.signing_out(session).sign_out().send();
        }
    }
}

impl ClientInner {
    /// A client of its own for signing `session` out: the same agent, server and version, no
    /// retry, and the sign-out deadline as its overall deadline (so a frozen server holds a
    /// program for that long at most). It owns no session, so it signs nothing out when dropped.
    pub(crate) fn signing_out(&self, session: Session) -> Client {
        let version = *self.version.lock().unwrap_or_else(|p| p.into_inner());
        Client {
            inner: Arc::new(ClientInner {
                agent: self.agent.clone(),
                base: self.base.clone(),
                pinned: self.pinned,
                version: Mutex::new(version),
                max_response_bytes: self.max_response_bytes,
                max_inflated_download_bytes: self.max_inflated_download_bytes,
                timeout: self.sign_out_timeout,
                sign_out_timeout: self.sign_out_timeout,
                wire_format: self.wire_format,
                stall_timeout: self.stall_timeout,
                retry: RetryPolicy::none(),
                session: RwLock::new(Some(session)),
                sign_in: Mutex::new(None),
                renewal: Mutex::new(None),
                expires_at: Mutex::new(None),
                owns_session: AtomicBool::new(false),
            }),
        }
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
            sign_out_timeout: DEFAULT_SIGN_OUT_TIMEOUT,
            stall_timeout: DEFAULT_STALL_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_inflated_download_bytes: DEFAULT_MAX_INFLATED_DOWNLOAD_BYTES,
            allow_plain_http: false,
            retry: RetryPolicy::default(),
            ca_certificates: Vec::new(),
            wire_format: WireFormat::Xml,
        }
    }

    /// A client signed in as the environment says, the way `tabflow` reads it: the server from
    /// `TABLEAU_SERVER`, the site's content URL from `TABLEAU_SITE` (default: the default site),
    /// and the first credentials given of `TABLEAU_PAT_NAME` with `TABLEAU_PAT_SECRET` (a personal
    /// access token), `TABLEAU_JWT` (a connected app), `TABLEAU_USERNAME` with
    /// `TABLEAU_PASSWORD`; `TABLEAU_API_VERSION` pins the version and `TABLEAU_WIRE_FORMAT`
    /// (`xml` or `json`) sets the [wire format](ClientBuilder::wire_format). For scripts: a missing or empty
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
        if let Some(v) = var("TABLEAU_WIRE_FORMAT") {
            builder = builder.wire_format(match v.to_ascii_lowercase().as_str() {
                "xml" => WireFormat::Xml,
                "json" => WireFormat::Json,
                _ => {
                    return Err(Error::InvalidArgument(format!(
                        "TABLEAU_WIRE_FORMAT: {v:?} is neither xml nor json"
                    )));
                }
            });
        }
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

    pub(crate) fn resolve_version(&self) -> Result<ApiVersion, Failure> {
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

    /// The wire format the client speaks ([`ClientBuilder::wire_format`]).
    pub fn wire_format(&self) -> WireFormat {
        self.inner.wire_format
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// Starts a call of an endpoint: settles the API version and checks the endpoint's.
    pub(crate) fn call(&self, meta: &'static EndpointMeta) -> Result<Call<'_>, Failure> {
        ClientRef::Borrowed(self).call(meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented promise: a client (and its builder) can be shared between threads.
    #[test]
    fn a_client_is_send_and_sync() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<Client>();
        shareable::<ClientBuilder>();
        shareable::<Arc<Client>>();
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
