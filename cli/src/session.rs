//! Building the client from the global options, and signing in.

use crate::args::GlobalArgs;
use crate::error::CliError;
use tableau_flows::{Client, Credentials};

/// An option's value, treating an empty one (e.g. `TABLEAU_PAT_NAME=`) as absent.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

/// A client of `--server` (speaking `--api-version` when given; plain http only to loopback).
pub fn client(global: &GlobalArgs) -> Result<Client, CliError> {
    let server = given(&global.server)
        .ok_or_else(|| CliError::usage("no server: give --server URL or set TABLEAU_SERVER"))?;
    let mut builder = Client::builder(server);
    if let Some(version) = global.api_version {
        builder = builder.api_version(version);
    }
    builder
        .build()
        .map_err(|e| CliError::usage(format!("--server {server}: {e}")))
}

/// The credentials of the global options: a personal access token when given, else a user name
/// and password.
pub fn credentials(global: &GlobalArgs) -> Result<Credentials, CliError> {
    let pat = (given(&global.token_name), given(&global.token_secret));
    let password = (given(&global.username), given(&global.password));
    match (pat, password) {
        ((Some(name), Some(secret)), _) => Ok(Credentials::personal_access_token(name, secret)),
        ((Some(_), None), _) => Err(CliError::usage(
            "--token-name needs --token-secret (or TABLEAU_PAT_SECRET)",
        )),
        ((None, Some(_)), _) => Err(CliError::usage(
            "--token-secret needs --token-name (or TABLEAU_PAT_NAME)",
        )),
        (_, (Some(user), Some(password))) => Ok(Credentials::password(user, password)),
        (_, (Some(_), None)) => Err(CliError::usage(
            "--username needs --password (or TABLEAU_PASSWORD)",
        )),
        (_, (None, Some(_))) => Err(CliError::usage(
            "--password needs --username (or TABLEAU_USERNAME)",
        )),
        (_, (None, None)) => Err(CliError::usage(
            "no credentials: give --token-name and --token-secret (TABLEAU_PAT_NAME, \
             TABLEAU_PAT_SECRET), or --username and --password (TABLEAU_USERNAME, TABLEAU_PASSWORD)",
        )),
    }
}

/// Signs `client` in to `--site` with the global options' credentials.
pub fn sign_in(client: &Client, global: &GlobalArgs) -> Result<(), CliError> {
    let credentials = credentials(global)?;
    client.sign_in_with(credentials, &global.site)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global() -> GlobalArgs {
        GlobalArgs {
            server: Some("https://tableau.example.com".into()),
            site: String::new(),
            api_version: None,
            token_name: None,
            token_secret: None,
            username: None,
            password: None,
            json: false,
        }
    }

    #[test]
    fn a_token_is_preferred_to_a_password() {
        let mut g = global();
        g.username = Some("admin".into());
        g.password = Some("pw".into());
        assert!(matches!(
            credentials(&g).unwrap(),
            Credentials::Password { .. }
        ));
        g.token_name = Some("ci".into());
        g.token_secret = Some("s".into());
        assert!(matches!(
            credentials(&g).unwrap(),
            Credentials::PersonalAccessToken { .. }
        ));
    }

    #[test]
    fn half_or_no_credentials_are_usage_errors() {
        let mut g = global();
        let err = credentials(&g).unwrap_err();
        assert_eq!(err.exit_status(), 2);
        assert!(err.to_string().starts_with("no credentials"));
        g.token_name = Some("ci".into());
        assert!(
            credentials(&g)
                .unwrap_err()
                .to_string()
                .contains("--token-secret")
        );
        g.token_name = None;
        g.username = Some("admin".into());
        g.password = Some(String::new());
        assert!(
            credentials(&g)
                .unwrap_err()
                .to_string()
                .contains("--password")
        );
    }

    #[test]
    fn servers_are_checked() {
        let mut g = global();
        g.server = None;
        assert_eq!(client(&g).unwrap_err().exit_status(), 2);
        g.server = Some("http://tableau.example.com".into());
        let err = client(&g).unwrap_err().to_string();
        assert!(err.contains("plain http"), "{err}");
        g.server = Some("http://127.0.0.1:1".into());
        assert!(client(&g).is_ok());
    }
}
