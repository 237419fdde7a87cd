//! `connections list|update`.

use crate::args::{ConnectionChanges, ConnectionsCommand};
use crate::error::CliError;
use crate::output::{Output, Table, text};
use crate::resolve;
use tableau_flows::connections::{ConnectionUpdate, UpdateFlowConnectionRequest};
use tableau_flows::{Client, Connection, Secret};

/// Runs a `connections` command.
pub fn run(client: &Client, command: ConnectionsCommand, out: &mut Output) -> Result<(), CliError> {
    match command {
        ConnectionsCommand::List { flow } => {
            let flow_id = resolve::flow_id(client, &flow)?;
            let answer = client.query_flow_connections(flow_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            out.table(&connection_table(&answer.connections))
        }
        ConnectionsCommand::Update {
            flow,
            connection_id,
            changes,
        } => {
            let flow_id = resolve::flow_id(client, &flow)?;
            let body = UpdateFlowConnectionRequest {
                connection: connection(changes),
            };
            let answer = client
                .update_flow_connection(flow_id.as_str(), connection_id.as_str(), body)
                .send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            out.line(format!(
                "updated connection {connection_id} of flow {}",
                flow.flow
            ))?;
            out.table(&connection_table(std::slice::from_ref(&answer.connection)))
        }
    }
}

/// The connection fields to send: only those given.
fn connection(changes: ConnectionChanges) -> ConnectionUpdate {
    ConnectionUpdate {
        server_address: changes.server_address,
        server_port: changes.port,
        user_name: changes.connection_username,
        password: changes.connection_password.map(Secret::new),
        embed_password: changes.embed_password,
        ..ConnectionUpdate::default()
    }
}

/// The table of connections: ID, TYPE, SERVER, PORT, USERNAME, EMBEDDED.
pub fn connection_table(connections: &[Connection]) -> Table {
    let mut t = Table::new(&["ID", "TYPE", "SERVER", "PORT", "USERNAME", "EMBEDDED"]);
    for c in connections {
        let user = c
            .user_name
            .clone()
            .or_else(|| c.credentials.as_ref().and_then(|k| k.name.clone()));
        let embedded = c
            .embed_password
            .or_else(|| c.credentials.as_ref().and_then(|k| k.embed));
        t.row([
            c.id.as_ref().map(|i| i.to_string()).unwrap_or_default(),
            text(&c.connection_type).to_owned(),
            text(&c.server_address).to_owned(),
            c.server_port.map(|p| p.to_string()).unwrap_or_default(),
            user.unwrap_or_default(),
            embedded
                .map(|b| if b { "yes" } else { "no" })
                .unwrap_or("")
                .to_owned(),
        ]);
    }
    t
}
