//! Shared by the examples: a signed-in client from environment variables.
//!
//! TABLEAU_SERVER (e.g. https://tableau.example.com), TABLEAU_SITE (content URL, default ""),
//! TABLEAU_PAT_NAME and TABLEAU_PAT_SECRET.

use tableau_flows::{Client, Credentials};

/// A client signed in with the personal access token from the environment.
pub fn signed_in_client() -> Result<Client, Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("set {name}"));
    let server = var("TABLEAU_SERVER")?;
    let site = std::env::var("TABLEAU_SITE").unwrap_or_default();
    let client = Client::builder(server).build()?;
    client.sign_in_with(
        Credentials::personal_access_token(var("TABLEAU_PAT_NAME")?, var("TABLEAU_PAT_SECRET")?),
        &site,
    )?;
    Ok(client)
}
