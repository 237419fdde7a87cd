//! Server Info (`spec/server.tfspec`).

use super::Simulator;
use crate::interface::{Context, Reject, ServerInfoError, ServerInfoInput, ServerService};
use crate::tf;

impl ServerService for Simulator {
    fn server_info(
        &self,
        _cx: &Context<()>,
        _input: ServerInfoInput,
    ) -> Result<tf::ServerInfoResponse, Reject<ServerInfoError>> {
        Ok(model!(
            tf::ServerInfoResponse::new(),
            server_info = Some(model!(
                tf::ServerInfo::new(),
                product_version = Some(model!(
                    tf::ProductVersion::new(),
                    value = Some("2024.2.0".into()),
                    build = Some("20242.24.0612.0334".into()),
                )),
                prep_conductor_version = Some("20242.24.0612.0334".into()),
                rest_api_version = Some(self.version.to_string()),
                platform = Some("linux".into()),
            )),
        ))
    }
}
