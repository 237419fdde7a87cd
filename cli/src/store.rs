//! Saved sessions: one file per server and site under the user's state directory, written by
//! `tabflow login`, read by later commands, removed by `tabflow logout`.
//!
//! The directory is `$TABFLOW_STATE_DIR/sessions` when that variable is set, else
//! `<state>/tabflow/sessions`, `<state>` being the user's state directory (`$XDG_STATE_HOME`, by
//! default `~/.local/state`; on Windows the roaming application data folder). It is made with
//! mode 0700, and each file is created with mode 0600 (written to a temporary file of the same
//! directory, then renamed over the old one), so that no other user of the machine can read a
//! token. A file holds the session's token and what `tabflow status` shows (server, site, user,
//! API version, expiry, the kind and name of the credentials), never a secret.
//!
//! A file that cannot be read or parsed is an error naming it (`tabflow logout` removes it), not
//! silently ignored: a command then does not sign in as someone else by surprise.

use crate::error::CliError;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tableau_flows::{Credentials, DateTime};

/// The variable naming the directory of saved sessions' parent (`$TABFLOW_STATE_DIR/sessions`).
pub const STATE_DIR_VAR: &str = "TABFLOW_STATE_DIR";

/// How long a Tableau Server session lasts by default (240 minutes): the expiry saved when the
/// sign-in answer gives none.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(240 * 60);

/// The version of the file's layout.
pub const FORMAT: u32 = 1;

/// The directory of the saved sessions.
pub fn sessions_dir() -> Result<PathBuf, CliError> {
    if let Some(dir) = std::env::var_os(STATE_DIR_VAR).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("sessions"));
    }
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().map_err(|e| {
        CliError::other(format!(
            "no state directory to save sessions in ({e}): set {STATE_DIR_VAR}"
        ))
    })?;
    let state = base.state_dir().unwrap_or_else(|| base.data_dir());
    Ok(state.join("tabflow").join("sessions"))
}

/// The file of the session of `server` (a base URL as the client normalised it) and `site` (a
/// content URL) in `dir`: a readable part (host, port, site) and a hash of both, so that two
/// servers or sites never share a file.
pub fn file_name(server: &str, site: &str) -> String {
    let host = server
        .split_once("://")
        .map_or(server, |(_, rest)| rest)
        .trim_end_matches('/');
    let slug = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect()
    };
    let mut name = slug(host);
    if !site.is_empty() {
        name.push('@');
        name.push_str(&slug(site));
    }
    // FNV-1a, 64 bits: stable across releases (std's hasher is not promised to be).
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in server.bytes().chain([0]).chain(site.bytes()) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{name}-{hash:016x}.json")
}

/// The file of the session of `server` and `site`.
pub fn session_file(server: &str, site: &str) -> Result<PathBuf, CliError> {
    Ok(sessions_dir()?.join(file_name(server, site)))
}

/// Where a session's expiry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExpirySource {
    /// The sign-in answer's `estimatedTimeToExpiration`.
    Server,
    /// The sign-in time plus Tableau Server's default session lifetime (240 minutes): the answer
    /// gave none.
    Default,
}

/// What kind of credentials signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialsKind {
    /// A personal access token (its name is saved).
    PersonalAccessToken,
    /// A user name and password (the user name is saved).
    Password,
    /// A connected app's JWT (nothing of it is saved).
    Jwt,
}

impl CredentialsKind {
    /// How `status` names it.
    pub fn describe(self) -> &'static str {
        match self {
            CredentialsKind::PersonalAccessToken => "personal access token",
            CredentialsKind::Password => "user name and password",
            CredentialsKind::Jwt => "connected app JWT",
        }
    }
}

/// The kind of credentials and the name they carry (token name, user name), never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedCredentials {
    /// The kind.
    pub kind: CredentialsKind,
    /// The token's name or the user name (none for a JWT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl SavedCredentials {
    /// The kind and name of `credentials`.
    pub fn of(credentials: &Credentials) -> Self {
        match credentials {
            Credentials::PersonalAccessToken { name, .. } => SavedCredentials {
                kind: CredentialsKind::PersonalAccessToken,
                name: Some(name.clone()),
            },
            Credentials::Password { username, .. } => SavedCredentials {
                kind: CredentialsKind::Password,
                name: Some(username.clone()),
            },
            _ => SavedCredentials {
                kind: CredentialsKind::Jwt,
                name: None,
            },
        }
    }
}

/// A saved session, as its file holds it (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    /// The layout's version ([`FORMAT`]).
    pub format: u32,
    /// The server's base URL.
    pub server: String,
    /// The site's content URL (empty for the default site).
    pub site: String,
    /// The site's id.
    pub site_id: String,
    /// The signed-in user's id, when the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The signed-in user's name, when known (signed in with a password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The REST API version spoken.
    pub api_version: String,
    /// The session token (the `X-Tableau-Auth` header).
    pub token: String,
    /// When the session was opened (RFC 3339, UTC).
    pub signed_in_at: String,
    /// When it is expected to expire (RFC 3339, UTC).
    pub expires_at: String,
    /// Where that expiry came from.
    pub expiry: ExpirySource,
    /// The credentials that signed in: kind and name.
    pub credentials: SavedCredentials,
}

impl SavedSession {
    /// When the session is expected to expire, in seconds since the Unix epoch (`None` if the
    /// file's date is not one this program writes).
    pub fn expires_unix(&self) -> Option<u64> {
        parse_rfc3339(&self.expires_at)
    }

    /// Whether the expected expiry has passed.
    pub fn is_expired(&self, now: SystemTime) -> bool {
        self.expires_unix().is_some_and(|t| unix(now) >= t)
    }
}

/// Seconds since the Unix epoch (0 before it).
pub fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A time as RFC 3339 in UTC, to the second: `2026-05-01T12:00:00Z` ([`DateTime`]'s form).
pub fn rfc3339(unix_seconds: u64) -> String {
    i64::try_from(unix_seconds)
        .ok()
        .and_then(|seconds| DateTime::from_unix_timestamp(seconds).ok())
        .map_or_else(|| "9999-12-31T23:59:59Z".to_owned(), |at| at.to_string())
}

/// The seconds since the Unix epoch of exactly `YYYY-MM-DDTHH:MM:SSZ` (as [`rfc3339`] writes it:
/// a session file holds nothing else), from 1970 on.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let at: DateTime = text.parse().ok()?;
    if at.to_string() != text {
        return None;
    }
    u64::try_from(at.unix_timestamp()).ok()
}

/// The session saved in `path`: `None` when there is no such file; an error naming the file
/// when it cannot be read or is not a session file of this program.
pub fn load(path: &Path) -> Result<Option<SavedSession>, CliError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::other(format!(
                "the session file {} cannot be read: {e}",
                path.display()
            )));
        }
    };
    let unreadable = |why: String| {
        CliError::other(format!(
            "the session file {} is not a session of this tabflow ({why}); `tabflow logout` \
             removes it, `tabflow login` replaces it",
            path.display()
        ))
    };
    let saved: SavedSession =
        serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string()))?;
    if saved.format != FORMAT {
        return Err(unreadable(format!(
            "its format is {}, this tabflow reads {FORMAT}",
            saved.format
        )));
    }
    if saved.expires_unix().is_none() || parse_rfc3339(&saved.signed_in_at).is_none() {
        return Err(unreadable(
            "its dates are not YYYY-MM-DDTHH:MM:SSZ".to_owned(),
        ));
    }
    if saved
        .api_version
        .parse::<tableau_flows::ApiVersion>()
        .is_err()
    {
        return Err(unreadable(format!(
            "its API version {:?} is not MAJOR.MINOR",
            saved.api_version
        )));
    }
    Ok(Some(saved))
}

/// Saves `session` in `path`: the directory is made with mode 0700 if missing, the file written
/// to a temporary file created with mode 0600 in the same directory, then renamed over `path`.
pub fn save(path: &Path, session: &SavedSession) -> Result<(), CliError> {
    let failed = |e: std::io::Error| {
        CliError::other(format!(
            "cannot save the session in {}: {e}",
            path.display()
        ))
    };
    let dir = path
        .parent()
        .ok_or_else(|| failed(std::io::Error::other("no directory")))?;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(failed)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    // A file of an earlier run of this process id that died before renaming it.
    let _ = std::fs::remove_file(&temp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = (|| {
        let mut file = options.open(&temp)?;
        let mut text = serde_json::to_vec_pretty(session).map_err(std::io::Error::other)?;
        text.push(b'\n');
        file.write_all(&text)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(failed(e));
    }
    Ok(())
}

/// Removes the session file `path`; `false` when there was none.
pub fn remove(path: &Path) -> Result<bool, CliError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(CliError::other(format!(
            "cannot remove the session file {}: {e}",
            path.display()
        ))),
    }
}

/// Every session file of the directory (`*.json`), sorted by name.
pub fn all_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(CliError::other(format!(
                "cannot read the sessions directory {}: {e}",
                dir.display()
            )));
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_as_rfc_3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
        for t in [
            0,
            951_782_400,
            1_767_225_599,
            4_102_444_800,
            1_709_164_800 + 86_399,
        ] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t), "{t}");
        }
        for bad in [
            "",
            "2025-12-31 23:59:59Z",
            "2025-02-29T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-12-31T24:00:00Z",
            "2025-12-31T23:59:59+00:00",
            "1969-12-31T23:59:59Z",
            "2025-1a-31T23:59:59Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn each_server_and_site_has_a_file_of_its_own() {
        let a = file_name("https://tableau.example.com", "");
        let b = file_name("https://tableau.example.com", "marketing");
        let c = file_name("http://tableau.example.com", "");
        let d = file_name("https://tableau.example.com/", "");
        assert!(a.starts_with("tableau.example.com-"), "{a}");
        assert!(b.starts_with("tableau.example.com@marketing-"), "{b}");
        assert!(a.ends_with(".json"));
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        // Stable: the same name in every release.
        assert_eq!(a, file_name("https://tableau.example.com", ""));
        let odd = file_name("https://h:8443/tableau", "a/../b");
        assert!(!odd.contains('/') && !odd.contains(':'), "{odd}");
    }
}
