//! Named profiles: `--profile NAME` (or `TABLEAU_PROFILE`) takes the server, site, credentials'
//! name and API version from a table of the config file, `<config>/tabflow/config.toml`
//! (`$TABFLOW_CONFIG_DIR/config.toml` when that variable is set; `<config>` is `$XDG_CONFIG_HOME`,
//! by default `~/.config`, or the roaming application data folder on Windows):
//!
//! ```toml
//! [profiles.work]
//! server = "https://tableau.example.com"
//! site = "marketing"          # the content URL; "" or absent for the default site
//! token_name = "ci"           # or: username = "ada"
//! api_version = "3.24"        # optional
//! ```
//!
//! Options and environment variables given explicitly win over the profile's values; the
//! profile's token name or user name is used only when no credentials are named otherwise
//! (`--token-name`, `--jwt`, `--username` or their variables). Secrets never go in the file.

use crate::args::GlobalArgs;
use crate::error::CliError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tableau_flows::ApiVersion;

/// The variable naming the directory of `config.toml`.
pub const CONFIG_DIR_VAR: &str = "TABFLOW_CONFIG_DIR";

/// The config file.
pub fn config_file() -> Result<PathBuf, CliError> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_VAR).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("config.toml"));
    }
    use etcetera::BaseStrategy;
    let base = etcetera::choose_base_strategy().map_err(|e| {
        CliError::other(format!(
            "no config directory to read profiles from ({e}): set {CONFIG_DIR_VAR}"
        ))
    })?;
    Ok(base.config_dir().join("tabflow").join("config.toml"))
}

/// A profile of the config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The server's URL.
    pub server: Option<String>,
    /// The site's content URL.
    pub site: Option<String>,
    /// A personal access token's name.
    pub token_name: Option<String>,
    /// A user name (signing in with a password).
    pub username: Option<String>,
    /// The REST API version to speak.
    pub api_version: Option<toml::Spanned<String>>,
}

/// The config file's content.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// The line and column (from 1) of byte `offset` of `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Parses a config file's text; errors name `path`, the line and the column.
pub fn parse(path: &Path, text: &str) -> Result<Config, CliError> {
    let at = |offset: Option<usize>| match offset {
        Some(o) => {
            let (line, column) = line_column(text, o);
            format!("{}:{line}:{column}", path.display())
        }
        None => path.display().to_string(),
    };
    let config: Config = toml::from_str(text).map_err(|e| {
        CliError::other(format!(
            "{}: {}",
            at(e.span().map(|s| s.start)),
            e.message().trim()
        ))
    })?;
    for (name, profile) in &config.profiles {
        if let Some(v) = &profile.api_version
            && let Err(e) = v.get_ref().parse::<ApiVersion>()
        {
            return Err(CliError::other(format!(
                "{}: profile {name:?}: api_version: {e}",
                at(Some(v.span().start))
            )));
        }
    }
    Ok(config)
}

/// Reads the config file `path`: `None` when it does not exist.
pub fn read(path: &Path) -> Result<Option<Config>, CliError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|e| {
                let (line, column) = line_column(
                    &String::from_utf8_lossy(e.as_bytes()),
                    e.utf8_error().valid_up_to(),
                );
                CliError::other(format!(
                    "{}:{line}:{column}: not UTF-8 text",
                    path.display()
                ))
            })?;
            parse(path, &text).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::other(format!(
            "the config file {} cannot be read: {e}",
            path.display()
        ))),
    }
}

/// The profile `name` of the config file `path`.
pub fn find(path: &Path, name: &str) -> Result<Profile, CliError> {
    let Some(config) = read(path)? else {
        return Err(CliError::usage(format!(
            "no profile {name:?}: the config file {} does not exist (its [profiles.{name}] table \
             would hold server, site and token_name)",
            path.display()
        )));
    };
    config.profiles.get(name).cloned().ok_or_else(|| {
        let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
        let known = if known.is_empty() {
            "it has none".to_owned()
        } else {
            format!("it has {}", known.join(", "))
        };
        CliError::usage(format!(
            "no profile {name:?} in the config file {} ({known})",
            path.display()
        ))
    })
}

/// Whether `global` (or the older token-name variable, read through `var`) names credentials.
pub fn names_credentials(global: &GlobalArgs, var: &dyn Fn(&str) -> Option<String>) -> bool {
    let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.is_empty());
    given(&global.token_name)
        || given(&global.jwt)
        || given(&global.username)
        || var(crate::session::TOKEN_NAME_ALIAS).is_some()
}

/// Fills what `global` does not give from `profile`.
pub fn apply_profile(
    global: &mut GlobalArgs,
    profile: &Profile,
    var: &dyn Fn(&str) -> Option<String>,
) {
    let absent = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
    if absent(&global.server) {
        global.server.clone_from(&profile.server);
    }
    if global.site.is_none() {
        global.site.clone_from(&profile.site);
    }
    if global.api_version.is_none() {
        global.api_version = profile
            .api_version
            .as_ref()
            .and_then(|v| v.get_ref().parse().ok());
    }
    if !names_credentials(global, var) {
        global.token_name.clone_from(&profile.token_name);
        if global.token_name.is_none() {
            global.username.clone_from(&profile.username);
        }
    }
}

/// Applies the profile `--profile` (or `TABLEAU_PROFILE`) names, if any, to `global`.
pub fn apply(global: &mut GlobalArgs) -> Result<(), CliError> {
    let Some(name) = global.profile.clone().filter(|n| !n.is_empty()) else {
        return Ok(());
    };
    let profile = find(&config_file()?, &name)?;
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    apply_profile(global, &profile, &var);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> PathBuf {
        PathBuf::from("/home/ada/.config/tabflow/config.toml")
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        let err = parse(
            &path(),
            "[profiles.work]\nserver = \"https://a\"\nsite = marketing\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("/home/ada/.config/tabflow/config.toml:3:8: "),
            "{err}"
        );
        let err = parse(&path(), "[profiles.work]\nservr = \"https://a\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("/home/ada/.config/tabflow/config.toml:2:1: "),
            "{err}"
        );
        assert!(err.contains("servr"), "{err}");
        let err = parse(&path(), "[profiles.work]\n\napi_version = \"three\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(
                "/home/ada/.config/tabflow/config.toml:3:15: profile \"work\": api_version"
            ),
            "{err}"
        );
    }

    #[test]
    fn unknown_profiles_name_the_file_and_the_profiles_it_has() {
        let dir = std::env::temp_dir().join(format!("tabflow-profiles-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config.toml");
        let err = find(&file, "work").unwrap_err().to_string();
        assert!(
            err.contains("does not exist") && err.contains("config.toml"),
            "{err}"
        );
        std::fs::write(&file, "[profiles.home]\nserver = \"https://h\"\n").unwrap();
        let err = find(&file, "work").unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert!(err.to_string().contains("(it has home)"), "{err}");
        assert_eq!(
            find(&file, "home").unwrap().server.as_deref(),
            Some("https://h")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn options_win_over_the_profile() {
        let config = parse(
            &path(),
            "[profiles.work]\nserver = \"https://w\"\nsite = \"m\"\ntoken_name = \"ci\"\napi_version = \"3.20\"\n",
        )
        .unwrap();
        let profile = &config.profiles["work"];
        let none = |_: &str| None;
        let mut g = GlobalArgs::default();
        apply_profile(&mut g, profile, &none);
        assert_eq!(g.server.as_deref(), Some("https://w"));
        assert_eq!(g.site.as_deref(), Some("m"));
        assert_eq!(g.token_name.as_deref(), Some("ci"));
        assert_eq!(g.api_version, Some(ApiVersion::new(3, 20)));

        let mut g = GlobalArgs {
            server: Some("https://other".into()),
            site: Some(String::new()),
            username: Some("ada".into()),
            ..GlobalArgs::default()
        };
        apply_profile(&mut g, profile, &none);
        assert_eq!(g.server.as_deref(), Some("https://other"));
        assert_eq!(g.site.as_deref(), Some(""));
        // Credentials named otherwise: the profile's token name is not used.
        assert_eq!(g.token_name, None);
        assert_eq!(g.username.as_deref(), Some("ada"));
        let mut g = GlobalArgs::default();
        let alias = |n: &str| (n == crate::session::TOKEN_NAME_ALIAS).then(|| "old".to_owned());
        apply_profile(&mut g, profile, &alias);
        assert_eq!(g.token_name, None);
    }
}
