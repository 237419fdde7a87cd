//! `login`, `logout`, `status` and `profiles list`: saved sessions (see [`crate::store`]) and
//! profiles (see [`crate::profiles`]).

use crate::args::{GlobalArgs, StatusArgs};
use crate::error::CliError;
use crate::output::{Details, Output, Table};
use crate::session::{self, SecretSource};
use crate::store::{self, ExpirySource, SavedCredentials, SavedSession};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::SystemTime;
use tableau_flows::{Client, Error, Secret, Session};

/// A client of the options' server (no request is made), and the file of its session.
fn session_file(global: &GlobalArgs) -> Result<(Client, PathBuf), CliError> {
    if global.server.as_deref().is_none_or(str::is_empty) {
        return Err(CliError::usage(
            "no server: give --server URL, set TABLEAU_SERVER, or choose a --profile",
        ));
    }
    let client = session::client(global)?;
    let path = store::session_file(client.base_url(), session::site(global))?;
    Ok((client, path))
}

/// The site as people read it.
fn site_words(site: &str) -> String {
    if site.is_empty() {
        "the default site".to_owned()
    } else {
        format!("site {site:?}")
    }
}

/// A session given to `client` to use (and sign out), as `saved` holds it.
fn session_of(saved: &SavedSession) -> Session {
    Session {
        token: Secret::new(saved.token.clone()),
        site_id: saved.site_id.as_str().into(),
        user_id: saved.user_id.as_deref().map(Into::into),
    }
}

/// `tabflow login`: signs in with the options' credentials and saves the session (replacing, and
/// signing out, one saved before for the same server and site).
pub fn login(
    global: &GlobalArgs,
    source: &mut dyn SecretSource,
    out: &mut Output,
) -> Result<(), CliError> {
    let (client, path) = session_file(global)?;
    let url = client.base_url().to_owned();
    let site = session::site(global).to_owned();
    let credentials = session::credentials(global, source)?;
    let kind = SavedCredentials::of(&credentials);
    // A session saved before: signed out (best effort) once the new one is open.
    let old = store::load(&path).ok().flatten();
    let signed_in_at = SystemTime::now();
    session::sign_in_with(&client, global, credentials).map_err(|e| e.at_server(&url))?;
    let Some(session) = client.keep_session() else {
        return Err(CliError::other("the sign-in gave no session"));
    };
    // The user's name, for `status` and for tables naming owners without asking: known for a
    // password, asked for (one request, once) otherwise.
    let user_name = match (&kind.kind, &session.user_id) {
        (store::CredentialsKind::Password, _) => kind.name.clone(),
        (_, Some(user)) => client
            .query_user_on_site(user.as_str())
            .send()
            .ok()
            .and_then(|answer| answer.user.name),
        (_, None) => None,
    };
    let saved = session::saved_session(&client, &session, &site, signed_in_at, kind, user_name);
    store::save(&path, &saved)?;
    let replaced = match old {
        Some(old) if old.token != saved.token => {
            let mut pinned = global.clone();
            pinned.api_version = client.api_version().or(global.api_version);
            let other = session::client(&pinned)?;
            other.set_session(session_of(&old));
            Some(other.end_session().is_ok())
        }
        _ => None,
    };
    if out.is_json() {
        return out.json(&Status::of(&saved, &path, SystemTime::now(), None));
    }
    let expiry = match saved.expiry {
        ExpirySource::Server => "as the server estimates",
        ExpirySource::Default => {
            "estimated: the server gave no expiry, so the default session lifetime of 240 minutes"
        }
    };
    out.line(format!(
        "Logged in to {} of {} with {}; the session is saved in {} (until {}, {expiry}).",
        site_words(&site),
        saved.server,
        describe(&saved.credentials),
        path.display(),
        saved.expires_at
    ))?;
    match replaced {
        Some(true) => out.line("The session saved before was signed out."),
        Some(false) => out.line("The session saved before was replaced (it had already ended)."),
        None => Ok(()),
    }
}

/// The credentials' kind and name, as people read them.
fn describe(credentials: &SavedCredentials) -> String {
    match &credentials.name {
        Some(name) => format!("the {} {name:?}", credentials.kind.describe()),
        None => format!("a {}", credentials.kind.describe()),
    }
}

/// `tabflow logout`: signs out of the saved session (Sign Out) and deletes its file, even when the
/// server says the session had already ended or cannot be reached.
pub fn logout(global: &GlobalArgs, out: &mut Output) -> Result<(), CliError> {
    let (client, path) = session_file(global)?;
    let url = client.base_url().to_owned();
    let site = session::site(global).to_owned();
    let saved = match store::load(&path) {
        Ok(Some(saved)) => saved,
        Ok(None) => {
            return out.line(format!(
                "Not logged in to {} of {url}: there is no session file {}; nothing to do.",
                site_words(&site),
                path.display()
            ));
        }
        Err(e) => {
            store::remove(&path)?;
            return out.line(format!(
                "Removed the session file {}, which could not be used ({e}).",
                path.display()
            ));
        }
    };
    let client = match saved.api_version.parse() {
        Ok(version) if global.api_version.is_none() => {
            let mut pinned = global.clone();
            pinned.api_version = Some(version);
            session::client(&pinned)?
        }
        _ => client,
    };
    client.set_session(session_of(&saved));
    let signed_out = client.end_session();
    store::remove(&path)?;
    let what = format!(
        "{} of {} ({})",
        site_words(&saved.site),
        saved.server,
        describe(&saved.credentials)
    );
    match signed_out {
        Ok(()) => out.line(format!(
            "Signed out of {what} and removed {}.",
            path.display()
        )),
        Err(e) => match Error::from(e) {
            Error::Service(api) if api.code.code() == 401002 => out.line(format!(
                "The session of {what} had already ended (the server answered 401002); removed {}.",
                path.display()
            )),
            other => {
                out.line(format!("Removed {} (session of {what}).", path.display()))?;
                let warning = format!(
                    "tabflow: warning: signing out failed: {}; the token stays valid on the server \
                     until it expires",
                    CliError::from(other).at_server(&url)
                );
                crate::verbose::to_stderr(&warning);
                Ok(())
            }
        },
    }
}

/// What `status` shows of a saved session (never its token).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The server's URL.
    pub server: String,
    /// The site's content URL.
    pub site: String,
    /// The site's id.
    pub site_id: String,
    /// The user's id.
    pub user_id: Option<String>,
    /// The user's name, when known.
    pub user_name: Option<String>,
    /// The REST API version.
    pub api_version: String,
    /// The credentials' kind.
    pub credentials: String,
    /// The token's name or user name they carry.
    pub credentials_name: Option<String>,
    /// When the session was opened.
    pub signed_in_at: String,
    /// When it is expected to expire.
    pub expires_at: String,
    /// Whether that expiry is the server's estimate (else the default 240 minutes).
    pub expiry_from_server: bool,
    /// Whether the expected expiry has passed.
    pub expired: bool,
    /// The session file.
    pub file: String,
    /// With `--check`: whether the server still takes the session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid: Option<bool>,
}

impl Status {
    /// The status of `saved`, saved in `file`, at `now`.
    pub fn of(saved: &SavedSession, file: &Path, now: SystemTime, valid: Option<bool>) -> Self {
        Status {
            server: saved.server.clone(),
            site: saved.site.clone(),
            site_id: saved.site_id.clone(),
            user_id: saved.user_id.clone(),
            user_name: saved.user_name.clone(),
            api_version: saved.api_version.clone(),
            credentials: saved.credentials.kind.describe().to_owned(),
            credentials_name: saved.credentials.name.clone(),
            signed_in_at: saved.signed_in_at.clone(),
            expires_at: saved.expires_at.clone(),
            expiry_from_server: saved.expiry == ExpirySource::Server,
            expired: saved.is_expired(now),
            file: file.display().to_string(),
            valid,
        }
    }
}

/// How long until (or since) `then`, in hours and minutes.
fn span(now: u64, then: u64) -> String {
    let (secs, future) = if then >= now {
        (then - now, true)
    } else {
        (now - then, false)
    };
    let text = if secs >= 3600 {
        format!("{} h {} min", secs / 3600, secs % 3600 / 60)
    } else {
        format!("{} min", secs.div_ceil(60))
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

/// `tabflow status`: the saved session of the options' server and site, or with no server every
/// saved session; `--check` asks the server (Query User On Site) whether each is valid. Exit
/// status 1 when there is none, or when `--check` finds one the server no longer takes.
pub fn status(global: &GlobalArgs, args: &StatusArgs, out: &mut Output) -> Result<(), CliError> {
    let given_server = global.server.as_deref().is_some_and(|s| !s.is_empty());
    let files = if given_server {
        let (_, path) = session_file(global)?;
        if !path.exists() {
            return Err(CliError::other(format!(
                "not logged in to {} of {}: no session file {} (`tabflow login` signs in and saves one)",
                site_words(session::site(global)),
                global.server.as_deref().unwrap_or_default(),
                path.display()
            )));
        }
        vec![path]
    } else {
        let dir = store::sessions_dir()?;
        let files = store::all_files(&dir)?;
        if files.is_empty() {
            return Err(CliError::other(format!(
                "not logged in: no saved session in {} (`tabflow login` signs in and saves one)",
                dir.display()
            )));
        }
        files
    };
    let now = SystemTime::now();
    let mut shown = Vec::new();
    let mut invalid = 0;
    for path in &files {
        let Some(mut saved) = store::load(path)? else {
            continue;
        };
        let valid = if args.check {
            let (valid, name) = check(global, &saved)?;
            if name.is_some() {
                saved.user_name = name;
            }
            invalid += usize::from(!valid);
            Some(valid)
        } else {
            None
        };
        shown.push(Status::of(&saved, path, now, valid));
    }
    if out.is_json() {
        out.json(&shown)?;
    } else {
        let now = store::unix(now);
        for (i, s) in shown.iter().enumerate() {
            if i > 0 {
                out.line("")?;
            }
            let user = match (&s.user_name, &s.user_id) {
                (Some(name), Some(id)) => format!("{name} ({id})"),
                (None, Some(id)) => id.clone(),
                (Some(name), None) => name.clone(),
                (None, None) => "-".to_owned(),
            };
            let credentials = match &s.credentials_name {
                Some(name) => format!("{} {name}", s.credentials),
                None => s.credentials.clone(),
            };
            let until = store::parse_rfc3339(&s.expires_at).unwrap_or_default();
            let expires = format!(
                "{} ({}{}; {})",
                s.expires_at,
                if s.expired { "expired " } else { "" },
                span(now, until),
                if s.expiry_from_server {
                    "the server's estimate"
                } else {
                    "estimated: sign-in time + 240 min, the server gave no expiry"
                }
            );
            let mut d = Details::new();
            d.field("Server", &s.server)
                .field(
                    "Site",
                    if s.site.is_empty() {
                        "(default)"
                    } else {
                        s.site.as_str()
                    },
                )
                .field("Site id", &s.site_id)
                .field("User", user)
                .field("Signed in with", credentials)
                .field("API version", &s.api_version)
                .field("Signed in", &s.signed_in_at)
                .field("Expires", expires);
            if let Some(valid) = s.valid {
                d.field(
                    "Check",
                    if valid {
                        "valid: the server accepts the session"
                    } else {
                        "not valid: the server answered 401002 (expired or signed out)"
                    },
                );
            }
            d.field("Session file", &s.file);
            out.details(&d)?;
        }
    }
    if invalid > 0 {
        return Err(CliError::other(format!(
            "{invalid} saved session{} no longer valid: `tabflow login` signs in again",
            if invalid == 1 { " is" } else { "s are" }
        )));
    }
    Ok(())
}

/// Asks the server whether `saved` is still valid (Query User On Site, one request): whether it
/// is, and the user's name.
fn check(global: &GlobalArgs, saved: &SavedSession) -> Result<(bool, Option<String>), CliError> {
    let mut options = global.clone();
    options.server = Some(saved.server.clone());
    options.api_version = saved.api_version.parse().ok().or(global.api_version);
    let client = session::client(&options)?;
    client.set_session(session_of(saved));
    let Some(user) = saved.user_id.as_deref() else {
        // No user id to ask about: server info does not check a token, so ask for the site's
        // first user instead.
        return match client.get_users_on_site().page_size(1).send() {
            Ok(_) => Ok((true, None)),
            Err(e) => expired_or(e.into()),
        };
    };
    match client.query_user_on_site(user).send() {
        Ok(answer) => Ok((true, answer.user.name)),
        Err(e) => expired_or(e.into()),
    }
}

/// `(false, None)` for an answer 401002, else the error.
fn expired_or(e: Error) -> Result<(bool, Option<String>), CliError> {
    match e {
        Error::Service(api) if api.code.code() == 401002 => Ok((false, None)),
        other => Err(other.into()),
    }
}

/// `tabflow profiles list`.
pub fn profiles_list(out: &mut Output) -> Result<(), CliError> {
    let path = crate::profiles::config_file()?;
    let config = crate::profiles::read(&path)?.unwrap_or_default();
    if out.is_json() {
        #[derive(Serialize)]
        struct Row<'a> {
            name: &'a str,
            server: Option<&'a str>,
            site: Option<&'a str>,
            #[serde(rename = "tokenName")]
            token_name: Option<&'a str>,
            username: Option<&'a str>,
            #[serde(rename = "apiVersion")]
            api_version: Option<&'a str>,
        }
        let rows: Vec<Row> = config
            .profiles
            .iter()
            .map(|(name, p)| Row {
                name,
                server: p.server.as_deref(),
                site: p.site.as_deref(),
                token_name: p.token_name.as_deref(),
                username: p.username.as_deref(),
                api_version: p.api_version.as_ref().map(|v| v.get_ref().as_str()),
            })
            .collect();
        return out.json(&rows);
    }
    if config.profiles.is_empty() {
        return out.line(format!("No profiles in {}.", path.display()));
    }
    let mut t = Table::new(&["NAME", "SERVER", "SITE", "CREDENTIALS", "API VERSION"]);
    for (name, p) in &config.profiles {
        let credentials = match (&p.token_name, &p.username) {
            (Some(token), _) => format!("token {token}"),
            (None, Some(user)) => format!("user {user}"),
            (None, None) => String::new(),
        };
        t.row([
            name.clone(),
            p.server.clone().unwrap_or_default(),
            p.site.clone().unwrap_or_default(),
            credentials,
            p.api_version
                .as_ref()
                .map(|v| v.get_ref().clone())
                .unwrap_or_default(),
        ]);
    }
    out.table(&t)?;
    out.line(format!("(from {})", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_in_hours_and_minutes() {
        assert_eq!(span(0, 4 * 3600), "in 4 h 0 min");
        assert_eq!(span(0, 90), "in 2 min");
        assert_eq!(span(7200 + 61, 0), "2 h 1 min ago");
    }
}
