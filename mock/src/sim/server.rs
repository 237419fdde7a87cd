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
        Ok(tf::ServerInfoResponse {
            server_info: Some(tf::ServerInfo {
                product_version: Some(tf::ProductVersion {
                    value: Some("2024.2.0".into()),
                    build: Some("20242.24.0612.0334".into()),
                }),
                prep_conductor_version: Some("20242.24.0612.0334".into()),
                rest_api_version: Some(self.version.to_string()),
                platform: Some("linux".into()),
                server_settings: None,
            }),
        })
    }
}
