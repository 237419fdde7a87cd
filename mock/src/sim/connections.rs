//! Query and update the connections of a flow (`spec/connections.tfspec`).

use super::models::connection_model;
use super::{Session, Simulator};
use crate::interface::*;
use crate::tf;
use tableau_flows::Capability;

impl ConnectionsService for Simulator {
    fn query_flow_connections(
        &self,
        cx: &Context<Session>,
        input: QueryFlowConnectionsInput,
    ) -> Result<tf::QueryFlowConnectionsResponse, Reject<QueryFlowConnectionsError>> {
        let state = self.lock();
        let id = input.flow_id.as_str();
        let flow = state.flow_for(
            &cx.session,
            id,
            &Capability::Read,
            QueryFlowConnectionsError::FlowNotFound,
            QueryFlowConnectionsError::ConnectionReadForbidden,
        )?;
        Ok(model!(
            tf::QueryFlowConnectionsResponse::new(),
            connections = flow.connections.iter().map(connection_model).collect(),
        ))
    }

    fn update_flow_connection(
        &self,
        cx: &Context<Session>,
        input: UpdateFlowConnectionInput,
    ) -> Result<tf::UpdateFlowConnectionResponse, Reject<UpdateFlowConnectionError>> {
        use UpdateFlowConnectionError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        state.flow_for(
            &cx.session,
            &id,
            &Capability::Write,
            E::FlowNotFound,
            E::FlowUpdateForbidden,
        )?;
        // At least one change: the spec's `any_of`, checked when the body was decoded.
        let c = input.body.connection;
        let conn_id = input.connection_id.to_string();
        state
            .flows
            .update(&id, |f| {
                // The table has no code for an unknown connection: it is a malformed request for
                // this flow.
                let conn = f
                    .connections
                    .iter_mut()
                    .find(|x| x.id == conn_id)
                    .ok_or_else(|| {
                        Reject::new(
                            E::BadRequest,
                            format!("flow {id} has no connection {conn_id}"),
                        )
                    })?;
                if let Some(a) = c.server_address {
                    conn.server_address = a;
                }
                if let Some(p) = c.server_port {
                    conn.server_port = Some(p);
                }
                if let Some(u) = c.user_name {
                    conn.user_name = u;
                }
                if let Some(e) = c.embed_password {
                    conn.embed_password = e;
                }
                Ok(tf::UpdateFlowConnectionResponse::new(connection_model(
                    conn,
                )))
            })
            .expect("checked above")
    }
}
