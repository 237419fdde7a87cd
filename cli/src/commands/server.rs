//! `server-info`.

use crate::error::CliError;
use crate::output::{Details, Output, text};
use tableau_flows::Client;

/// Shows the server's versions (Server Info needs no sign-in).
pub fn info(client: &Client, out: &mut Output) -> Result<(), CliError> {
    let answer = client.server_info().send()?;
    if out.is_json() {
        return out.json(&answer);
    }
    let Some(info) = &answer.server_info else {
        return out.line("the server sent no serverInfo");
    };
    let product = info.product_version.as_ref();
    let mut d = Details::new();
    d.field("Server", client.base_url())
        .field(
            "Product version",
            product
                .map(|p| text(&p.value).to_owned())
                .unwrap_or_default(),
        )
        .field(
            "Build",
            product
                .map(|p| text(&p.build).to_owned())
                .unwrap_or_default(),
        )
        .field("REST API version", text(&info.rest_api_version))
        .field("Prep Conductor version", text(&info.prep_conductor_version))
        .field("Platform", text(&info.platform));
    out.details(&d)
}
