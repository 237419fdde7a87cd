//! Building the client from the global options, and signing in.
//!
//! Credentials, in order of preference: a personal access token (`--token-name`, its secret from
//! `--token-secret`, TABLEAU_PAT_SECRET or TABLEAU_TOKEN_SECRET, `--token-secret-stdin`, or a
//! prompt), a connected app's JWT (`--jwt`, TABLEAU_JWT), a user name and password (`--password`,
//! TABLEAU_PASSWORD, `--password-stdin`, or a prompt). The prompt is only offered when standard
//! input is a terminal, and never echoes what is typed.

use crate::args::GlobalArgs;
use crate::error::CliError;
use crate::store::{self, CredentialsKind, ExpirySource, SavedCredentials, SavedSession};
use std::io::{BufRead, IsTerminal, Read};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tableau_flows::{Client, Credentials, Secret, Session};

/// The other environment variable read for the token's name (the one of older releases).
pub const TOKEN_NAME_ALIAS: &str = "TABLEAU_TOKEN_NAME";
/// The other environment variable read for the token's secret (the one of older releases).
pub const TOKEN_SECRET_ALIAS: &str = "TABLEAU_TOKEN_SECRET";

/// An option's value, treating an empty one (e.g. `TABLEAU_PAT_NAME=`) as absent.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// A client of `--server` (speaking `--api-version` when given; plain http only to loopback
/// unless `--allow-http`; trusting `--ca-cert` when given).
pub fn client(global: &GlobalArgs) -> Result<Client, CliError> {
    let server = given(&global.server)
        .ok_or_else(|| CliError::usage("no server: give --server URL or set TABLEAU_SERVER"))?;
    let mut builder = Client::builder(server).allow_plain_http(global.allow_http);
    if let Some(version) = global.api_version {
        builder = builder.api_version(version);
    }
    if let Some(secs) = global.call_timeout {
        builder = builder.timeout(std::time::Duration::from_secs(secs));
    }
    if let Some(secs) = global.stall_timeout {
        builder = builder.stall_timeout(std::time::Duration::from_secs(secs));
    }
    if let Some(file) = &global.ca_cert {
        let name = file.display();
        let pem = std::fs::read(file)
            .map_err(|e| CliError::usage(format!("--ca-cert {name}: cannot read it: {e}")))?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            return Err(CliError::usage(format!(
                "--ca-cert {name}: no PEM certificate in it (expected -----BEGIN CERTIFICATE----- blocks)"
            )));
        }
        builder = builder.ca_certificates_pem(pem);
        return builder.build().map_err(|e| {
            let message = e.to_string();
            if message.contains("certificate authority") {
                CliError::usage(format!("--ca-cert {name}: {message}"))
            } else {
                server_error(server, e)
            }
        });
    }
    builder.build().map_err(|e| server_error(server, e))
}

fn server_error(server: &str, e: tableau_flows::Error) -> CliError {
    let message = match e {
        tableau_flows::Error::InvalidArgument(m) => m
            .replace(
                "or allow_plain_http(true)",
                "or give --allow-http (the token then travels unencrypted)",
            )
            .replace(
                "give credentials to sign_in_with",
                "give credentials with --token-name, --username or --jwt",
            ),
        other => other.to_string(),
    };
    // A URL with user information may hold a password: it is never shown.
    if server.contains('@') {
        return CliError::usage(format!("--server: {message}"));
    }
    CliError::usage(format!("--server {server}: {message}"))
}

/// Where secrets come from besides the options: standard input, the environment's aliases, and
/// a prompt on the terminal. [`Terminal`] is the real one; tests use their own.
pub trait SecretSource {
    /// The first line of standard input, its line ending removed.
    fn stdin_line(&mut self) -> std::io::Result<String>;
    /// Whether a prompt can be shown (standard input is a terminal).
    fn can_prompt(&self) -> bool;
    /// Asks for a secret without echoing it.
    fn prompt(&mut self, prompt: &str) -> std::io::Result<String>;
    /// An environment variable, empty ones treated as absent.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process's standard input, terminal and environment.
#[derive(Debug, Default)]
pub struct Terminal;

/// The longest first line [`first_line`] reads (64 KiB, line ending included): far more than any
/// secret, and a bound on what a mistaken `< big-file` or `yes |` makes it read.
pub const MAX_LINE_BYTES: u64 = 64 * 1024;

/// The first line of `reader`, without its line ending; a line longer than [`MAX_LINE_BYTES`]
/// (or not UTF-8) is an error saying so, read no further.
pub fn first_line(reader: &mut dyn BufRead) -> std::io::Result<String> {
    let mut line = Vec::new();
    reader
        .take(MAX_LINE_BYTES + 1)
        .read_until(b'\n', &mut line)?;
    if line.len() as u64 > MAX_LINE_BYTES
        || (line.len() as u64 == MAX_LINE_BYTES && !line.ends_with(b"\n"))
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "its first line is longer than {} KiB",
                MAX_LINE_BYTES / 1024
            ),
        ));
    }
    let line = String::from_utf8(line).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "its first line is not UTF-8 text",
        )
    })?;
    let trimmed = line.strip_suffix('\n').unwrap_or(&line);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    Ok(trimmed.to_owned())
}

impl SecretSource for Terminal {
    fn stdin_line(&mut self) -> std::io::Result<String> {
        first_line(&mut std::io::stdin().lock())
    }

    fn can_prompt(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn prompt(&mut self, prompt: &str) -> std::io::Result<String> {
        rpassword::prompt_password(prompt)
    }

    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

/// A secret from standard input (`from_stdin`), else the prompt; `missing` says what to give
/// when neither is possible.
fn secret(
    source: &mut dyn SecretSource,
    from_stdin: bool,
    prompt: &str,
    missing: &str,
) -> Result<String, CliError> {
    let value = if from_stdin {
        source
            .stdin_line()
            .map_err(|e| CliError::usage(format!("reading standard input: {e}")))?
    } else if source.can_prompt() {
        source
            .prompt(prompt)
            .map_err(|e| CliError::usage(format!("reading the terminal: {e}")))?
    } else {
        return Err(CliError::usage(missing.to_owned()));
    };
    if value.is_empty() {
        return Err(CliError::usage(if from_stdin {
            "standard input held no secret on its first line".to_owned()
        } else {
            "no secret was typed".to_owned()
        }));
    }
    Ok(value)
}

/// The credentials of the global options (see the module's documentation).
pub fn credentials(
    global: &GlobalArgs,
    source: &mut dyn SecretSource,
) -> Result<Credentials, CliError> {
    let token_name = given(&global.token_name)
        .map(str::to_owned)
        .or_else(|| source.var(TOKEN_NAME_ALIAS));
    let token_secret = given(&global.token_secret)
        .map(str::to_owned)
        .or_else(|| source.var(TOKEN_SECRET_ALIAS));
    if let Some(name) = token_name {
        let secret = match token_secret {
            Some(s) if !global.token_secret_stdin => s,
            _ => secret(
                source,
                global.token_secret_stdin,
                &format!("Secret of the personal access token {name}: "),
                "--token-name needs its secret: set TABLEAU_PAT_SECRET, or give \
                 --token-secret-stdin (or --token-secret)",
            )?,
        };
        return Ok(Credentials::personal_access_token(name, secret));
    }
    if token_secret.is_some() || global.token_secret_stdin {
        return Err(CliError::usage(
            "a token secret needs --token-name (or TABLEAU_PAT_NAME)",
        ));
    }
    if let Some(jwt) = given(&global.jwt) {
        return Ok(Credentials::jwt(jwt));
    }
    match (given(&global.username), given(&global.password)) {
        (Some(user), Some(password)) if !global.password_stdin => {
            Ok(Credentials::password(user, password))
        }
        (Some(user), _) => {
            let password = secret(
                source,
                global.password_stdin,
                &format!("Password of {user}: "),
                "--username needs a password: set TABLEAU_PASSWORD, or give --password-stdin \
                 (or --password)",
            )?;
            Ok(Credentials::password(user, password))
        }
        (None, _) if given(&global.password).is_some() || global.password_stdin => Err(
            CliError::usage("a password needs --username (or TABLEAU_USERNAME)"),
        ),
        (None, _) => Err(CliError::usage(
            "no credentials: give --token-name (TABLEAU_PAT_NAME) with its secret \
             (TABLEAU_PAT_SECRET or --token-secret-stdin), --jwt (TABLEAU_JWT), or --username \
             (TABLEAU_USERNAME) with its password (TABLEAU_PASSWORD or --password-stdin)",
        )),
    }
}

/// The site's content URL the options give (`""`, the default site, when none).
pub fn site(global: &GlobalArgs) -> &str {
    global.site.as_deref().unwrap_or_default()
}

/// Signs `client` in to `--site` with the global options' credentials.
pub fn sign_in(
    client: &Client,
    global: &GlobalArgs,
    source: &mut dyn SecretSource,
) -> Result<(), CliError> {
    let credentials = credentials(global, source)?;
    sign_in_with(client, global, credentials)
}

/// Signs `client` in to `--site` with `credentials`; a refusal says what was tried and the
/// likely cause by its code, never the secret ([`crate::error::SignInAttempt`]).
pub fn sign_in_with(
    client: &Client,
    global: &GlobalArgs,
    credentials: Credentials,
) -> Result<(), CliError> {
    let attempt = crate::error::SignInAttempt::new(
        &credentials,
        site(global),
        client.base_url(),
        client.api_version(),
    );
    client
        .sign_in_with(credentials, site(global))
        .map_err(|e| attempt.explain(e.into()))?;
    Ok(())
}

/// The kind and name of the credentials the options name (token name, `--jwt`, user name, in
/// that order of preference, as [`credentials`] reads them), without reading a secret.
pub fn named_credentials(
    global: &GlobalArgs,
    source: &dyn SecretSource,
) -> Option<SavedCredentials> {
    if let Some(name) = given(&global.token_name)
        .map(str::to_owned)
        .or_else(|| source.var(TOKEN_NAME_ALIAS))
    {
        return Some(SavedCredentials {
            kind: CredentialsKind::PersonalAccessToken,
            name: Some(name),
        });
    }
    if given(&global.jwt).is_some() {
        return Some(SavedCredentials {
            kind: CredentialsKind::Jwt,
            name: None,
        });
    }
    given(&global.username).map(|user| SavedCredentials {
        kind: CredentialsKind::Password,
        name: Some(user.to_owned()),
    })
}

/// A saved session as `client` holds it now: its token, site and user, the API version, when it
/// was opened and is expected to expire (the server's estimate, or the default lifetime).
pub fn saved_session(
    client: &Client,
    session: &Session,
    site: &str,
    signed_in_at: SystemTime,
    credentials: SavedCredentials,
    user_name: Option<String>,
) -> SavedSession {
    let (expires_at, expiry) = match client.session_expires_at() {
        Some(t) => (t, ExpirySource::Server),
        None => (
            signed_in_at + store::DEFAULT_SESSION_LIFETIME,
            ExpirySource::Default,
        ),
    };
    SavedSession {
        format: store::FORMAT,
        server: client.base_url().to_owned(),
        site: site.to_owned(),
        site_id: session.site_id.as_str().to_owned(),
        user_id: session.user_id.as_ref().map(|u| u.as_str().to_owned()),
        user_name,
        api_version: client
            .api_version()
            .map(|v| v.to_string())
            .unwrap_or_default(),
        token: session.token.expose().to_owned(),
        signed_in_at: store::rfc3339(store::unix(signed_in_at)),
        expires_at: store::rfc3339(store::unix(expires_at)),
        expiry,
        credentials,
    }
}

/// The command that logs in again to a saved session's server and site.
pub fn login_hint(global: &GlobalArgs, saved: &SavedSession) -> String {
    if let Some(profile) = given(&global.profile) {
        return format!("tabflow --profile {} login", quote(profile));
    }
    let mut hint = format!("tabflow --server {}", quote(&saved.server));
    if !saved.site.is_empty() {
        hint.push_str(&format!(" --site {}", quote(&saved.site)));
    }
    match (&saved.credentials.kind, &saved.credentials.name) {
        (CredentialsKind::PersonalAccessToken, Some(name)) => {
            hint.push_str(&format!(" --token-name {}", quote(name)));
        }
        (CredentialsKind::Password, Some(name)) => {
            hint.push_str(&format!(" --username {}", quote(name)));
        }
        _ => hint.push_str(" --jwt JWT"),
    }
    hint.push_str(" login");
    hint
}

/// A word as a shell reads it: quoted when it holds anything but plain characters.
fn quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

thread_local! {
    /// The signed-in user's id and name, when a saved session knows them.
    static SIGNED_IN_USER: std::cell::RefCell<Option<(String, String)>> =
        const { std::cell::RefCell::new(None) };
}

/// The name of the user `id`, when it is the user of the saved session in use (whose name was
/// saved at login): tables name that owner without asking the server.
pub fn known_user_name(id: &str) -> Option<String> {
    SIGNED_IN_USER.with(|known| {
        known
            .borrow()
            .as_ref()
            .filter(|(known, _)| known == id)
            .map(|(_, name)| name.clone())
    })
}

/// A saved session a command is using.
struct InUse {
    path: PathBuf,
    saved: SavedSession,
    hint: String,
    /// Why no credentials could be had to sign in again, when that was tried and failed.
    refused: Arc<Mutex<Option<String>>>,
    /// The credentials that signed in again, if that happened.
    renewed: Arc<Mutex<Option<SavedCredentials>>>,
}

/// A client ready for a command: signed in for this command only, or using the saved session
/// of its server and site.
pub struct Connection {
    /// The client (shared: `tabflow mcp` calls it from its worker threads).
    pub client: Arc<Client>,
    in_use: Option<InUse>,
}

impl Connection {
    /// Whether the command uses a saved session.
    pub fn uses_saved_session(&self) -> bool {
        self.in_use.is_some()
    }

    /// Ends what [`connect`] began, given the command's outcome: signs out a session opened for
    /// this command (a failure to sign out is a warning), or saves the session again when it was
    /// renewed; a saved session that expired with no secret at hand to sign in again is an error
    /// saying how to log in again.
    pub fn finish(self, result: Result<(), CliError>) -> Result<(), CliError> {
        let url = self.client.base_url().to_owned();
        let Some(in_use) = self.in_use else {
            let signed_out = self.client.end_session();
            return match (result, signed_out) {
                (Ok(()), Err(e)) => {
                    // The command did what it was asked; the session will expire by itself.
                    let warning = format!(
                        "tabflow: warning: signing out failed: {}",
                        CliError::from(e).at_server(&url)
                    );
                    crate::progress::suspend(|| crate::verbose::to_stderr(&warning));
                    Ok(())
                }
                (result, _) => result.map_err(|e| e.at_server(&url)),
            };
        };
        let renewed = in_use
            .renewed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let mut saved_again = Ok(());
        if let (Some(credentials), Some(session)) = (renewed, self.client.session())
            && session.token.expose() != in_use.saved.token
        {
            let user_name = match credentials.kind {
                CredentialsKind::Password => credentials.name.clone(),
                _ if session.user_id.as_ref().map(|u| u.as_str())
                    == in_use.saved.user_id.as_deref() =>
                {
                    in_use.saved.user_name.clone()
                }
                _ => None,
            };
            let fresh = saved_session(
                &self.client,
                &session,
                &in_use.saved.site,
                SystemTime::now(),
                credentials,
                user_name,
            );
            saved_again = store::save(&in_use.path, &fresh);
        }
        let result = result.map_err(|e| match e {
            CliError::Api { code, .. } if code.code() == 401002 => {
                let why = in_use
                    .refused
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take()
                    .map(|w| format!(" and no credentials to sign in again ({w})"))
                    .unwrap_or_default();
                let site = if in_use.saved.site.is_empty() {
                    "the default site".to_owned()
                } else {
                    format!("site {:?}", in_use.saved.site)
                };
                CliError::other(format!(
                    "the saved session of {site} of {} has expired or was signed out                      (error 401002){why}; log in again: {} (or give the secret, e.g. in                      TABLEAU_PAT_SECRET or TABLEAU_PASSWORD, and tabflow signs in again by itself)",
                    in_use.saved.server, in_use.hint
                ))
            }
            other => other.at_server(&url),
        });
        result.and(saved_again)
    }
}

/// A client for a command that needs a session: with the saved session of its server and site
/// when there is one (and the options name no other credentials), making no sign-in and no
/// sign-out request; otherwise signed in for this command, as [`sign_in`] does. With a saved
/// session, credentials are read only if it has expired, then from the options, the environment,
/// standard input or a prompt (on a terminal only), by the name saved with it unless the options
/// give one.
pub fn connect(global: &GlobalArgs, source: &mut dyn SecretSource) -> Result<Connection, CliError> {
    let client = client(global)?;
    let site = site(global).to_owned();
    let path = store::session_file(client.base_url(), &site)?;
    let saved = store::load(&path)?.filter(|saved| {
        saved.server == client.base_url()
            && saved.site == site
            && named_credentials(global, source).is_none_or(|named| named == saved.credentials)
    });
    let Some(saved) = saved else {
        let url = client.base_url().to_owned();
        sign_in(&client, global, source).map_err(|e| e.at_server(&url))?;
        return Ok(Connection {
            client: Arc::new(client),
            in_use: None,
        });
    };
    // The saved session's API version, unless the options pin another: no server info request.
    let client = match (global.api_version, saved.api_version.parse()) {
        (None, Ok(version)) => {
            let mut pinned = global.clone();
            pinned.api_version = Some(version);
            self::client(&pinned)?
        }
        _ => client,
    };
    let mut renewal = global.clone();
    if named_credentials(global, source).is_none() {
        match saved.credentials.kind {
            CredentialsKind::PersonalAccessToken => {
                renewal.token_name = saved.credentials.name.clone()
            }
            CredentialsKind::Password => renewal.username = saved.credentials.name.clone(),
            CredentialsKind::Jwt => {}
        }
    }
    let refused = Arc::new(Mutex::new(None));
    let renewed = Arc::new(Mutex::new(None));
    let (refused_by, renewed_with) = (Arc::clone(&refused), Arc::clone(&renewed));
    let session = Session {
        token: Secret::new(saved.token.clone()),
        site_id: saved.site_id.as_str().into(),
        user_id: saved.user_id.as_deref().map(Into::into),
    };
    client.resume_session(session, &site, move || {
        // Secrets come from the process's own standard input, environment and terminal.
        match crate::progress::suspend(|| credentials(&renewal, &mut Terminal)) {
            Ok(c) => {
                *renewed_with.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(SavedCredentials::of(&c));
                Some(c)
            }
            Err(e) => {
                *refused_by.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                None
            }
        }
    });
    let hint = login_hint(global, &saved);
    let user = saved.user_id.clone().zip(saved.user_name.clone());
    SIGNED_IN_USER.with(|known| *known.borrow_mut() = user);
    Ok(Connection {
        client: Arc::new(client),
        in_use: Some(InUse {
            path,
            saved,
            hint,
            refused,
            renewed,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A source with a given standard input, terminal and environment.
    #[derive(Default)]
    struct Fake {
        stdin: Option<String>,
        terminal: Option<String>,
        vars: HashMap<&'static str, &'static str>,
        prompts: Vec<String>,
    }

    impl SecretSource for Fake {
        fn stdin_line(&mut self) -> std::io::Result<String> {
            let text = self.stdin.take().unwrap_or_default();
            first_line(&mut text.as_bytes())
        }
        fn can_prompt(&self) -> bool {
            self.terminal.is_some()
        }
        fn prompt(&mut self, prompt: &str) -> std::io::Result<String> {
            self.prompts.push(prompt.to_owned());
            Ok(self.terminal.clone().unwrap_or_default())
        }
        fn var(&self, name: &str) -> Option<String> {
            self.vars.get(name).map(|v| (*v).to_owned())
        }
    }

    fn global() -> GlobalArgs {
        GlobalArgs {
            server: Some("https://tableau.example.com".into()),
            ..GlobalArgs::default()
        }
    }

    fn pat(c: &Credentials) -> (String, String) {
        match c {
            Credentials::PersonalAccessToken { name, secret } => {
                (name.clone(), secret.expose().to_owned())
            }
            other => panic!("not a token: {other:?}"),
        }
    }

    #[test]
    fn a_token_is_preferred_to_a_jwt_and_a_password() {
        let mut g = global();
        g.username = Some("admin".into());
        g.password = Some("pw".into());
        let mut f = Fake::default();
        assert!(matches!(
            credentials(&g, &mut f).unwrap(),
            Credentials::Password { .. }
        ));
        g.jwt = Some("header.payload.signature".into());
        match credentials(&g, &mut f).unwrap() {
            Credentials::Jwt(jwt) => assert_eq!(jwt.expose(), "header.payload.signature"),
            other => panic!("not a JWT: {other:?}"),
        }
        g.token_name = Some("ci".into());
        g.token_secret = Some("s".into());
        assert_eq!(
            pat(&credentials(&g, &mut f).unwrap()),
            ("ci".into(), "s".into())
        );
        assert!(f.prompts.is_empty());
    }

    #[test]
    fn secrets_from_standard_input_lose_their_line_ending() {
        let mut g = global();
        g.token_name = Some("ci".into());
        g.token_secret_stdin = true;
        let mut f = Fake {
            stdin: Some("s3cret\r\nsecond line\n".into()),
            ..Fake::default()
        };
        assert_eq!(pat(&credentials(&g, &mut f).unwrap()).1, "s3cret");
        // An empty first line is no secret.
        let mut f = Fake {
            stdin: Some("\n".into()),
            ..Fake::default()
        };
        assert_eq!(credentials(&g, &mut f).unwrap_err().exit_status(), 2);

        let mut g = global();
        g.username = Some("admin".into());
        g.password_stdin = true;
        let mut f = Fake {
            stdin: Some("pw".into()),
            ..Fake::default()
        };
        match credentials(&g, &mut f).unwrap() {
            Credentials::Password { username, password } => {
                assert_eq!((username.as_str(), password.expose()), ("admin", "pw"));
            }
            other => panic!("not a password: {other:?}"),
        }
    }

    #[test]
    fn a_first_line_longer_than_64_kib_is_refused_unread() {
        let limit = MAX_LINE_BYTES as usize;
        // Up to the bound, with or without its line ending, a line is read.
        let fits = "a".repeat(limit - 1);
        assert_eq!(
            first_line(&mut format!("{fits}\n").as_bytes()).unwrap(),
            fits
        );
        assert_eq!(first_line(&mut fits.as_bytes()).unwrap(), fits);
        // Beyond it, an error, whether a line ending follows or not.
        for long in [
            "a".repeat(limit),
            "a".repeat(limit) + "\n",
            "a".repeat(10 * limit),
        ] {
            let err = first_line(&mut long.as_bytes()).unwrap_err();
            assert_eq!(err.to_string(), "its first line is longer than 64 KiB");
        }
        let mut g = global();
        g.token_name = Some("ci".into());
        g.token_secret_stdin = true;
        let mut f = Fake {
            stdin: Some("s".repeat(limit + 1)),
            ..Fake::default()
        };
        let err = credentials(&g, &mut f).unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert_eq!(
            err.to_string(),
            "reading standard input: its first line is longer than 64 KiB"
        );
    }

    #[test]
    fn a_missing_secret_is_prompted_for_on_a_terminal_only() {
        let mut g = global();
        g.token_name = Some("ci".into());
        let mut f = Fake {
            terminal: Some("typed".into()),
            ..Fake::default()
        };
        assert_eq!(pat(&credentials(&g, &mut f).unwrap()).1, "typed");
        assert_eq!(f.prompts, ["Secret of the personal access token ci: "]);

        let mut f = Fake::default();
        let err = credentials(&g, &mut f).unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert!(err.to_string().contains("--token-secret-stdin"), "{err}");

        let mut g = global();
        g.username = Some("admin".into());
        let mut f = Fake {
            terminal: Some("pw".into()),
            ..Fake::default()
        };
        assert!(matches!(
            credentials(&g, &mut f).unwrap(),
            Credentials::Password { .. }
        ));
        assert_eq!(f.prompts, ["Password of admin: "]);
    }

    #[test]
    fn the_older_variables_still_work() {
        let g = global();
        let mut f = Fake {
            vars: HashMap::from([(TOKEN_NAME_ALIAS, "ci"), (TOKEN_SECRET_ALIAS, "old")]),
            ..Fake::default()
        };
        assert_eq!(
            pat(&credentials(&g, &mut f).unwrap()),
            ("ci".into(), "old".into())
        );
    }

    #[test]
    fn half_or_no_credentials_are_usage_errors() {
        let mut g = global();
        let mut f = Fake::default();
        let err = credentials(&g, &mut f).unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert!(err.to_string().starts_with("no credentials"));
        g.token_secret = Some("s".into());
        assert!(
            credentials(&g, &mut f)
                .unwrap_err()
                .to_string()
                .contains("--token-name")
        );
        g.token_secret = None;
        g.password = Some("pw".into());
        assert!(
            credentials(&g, &mut f)
                .unwrap_err()
                .to_string()
                .contains("--username")
        );
    }

    #[test]
    fn servers_and_certificates_are_checked() {
        let mut g = global();
        g.server = None;
        assert_eq!(client(&g).unwrap_err().exit_status(), 2);
        g.server = Some("http://tableau.example.com".into());
        let err = client(&g).unwrap_err().to_string();
        assert!(
            err.contains("plain http") && err.contains("--allow-http"),
            "{err}"
        );
        g.allow_http = true;
        assert!(client(&g).is_ok());
        // User information is refused even with --allow-http, and its password never shown.
        g.server = Some("http://admin:hunter2@127.0.0.1:9".into());
        let err = client(&g).unwrap_err().to_string();
        assert!(
            err.contains("user information") && !err.contains("hunter2"),
            "{err}"
        );
        assert!(err.contains("--token-name, --username or --jwt"), "{err}");
        g.allow_http = false;
        g.server = Some("http://127.0.0.1:1".into());
        assert!(client(&g).is_ok());

        let dir = std::env::temp_dir().join(format!("tabflow-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("not-a-cert.pem");
        std::fs::write(&bad, "hello").unwrap();
        g.ca_cert = Some(bad.clone());
        let err = client(&g).unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert!(err.to_string().contains("not-a-cert.pem"), "{err}");
        let garbled = dir.join("garbled.pem");
        std::fs::write(
            &garbled,
            "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        g.ca_cert = Some(garbled);
        let err = client(&g).unwrap_err();
        assert!(err.to_string().contains("garbled.pem"), "{err}");
        g.ca_cert = Some(dir.join("missing.pem"));
        let err = client(&g).unwrap_err();
        assert!(err.to_string().contains("missing.pem"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
