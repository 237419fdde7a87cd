//! `permissions list|add|delete`.

use crate::args::{Grantee, PermissionsCommand};
use crate::error::CliError;
use crate::output::{Output, Table};
use serde_json::json;
use tableau_flows::{
    AddFlowPermissionsRequest, Capability, Client, FlowRef, GranteeCapabilities, GroupRef,
    NewPermissions, Permissions, UserRef,
};

/// Runs a `permissions` command.
pub fn run(client: &Client, command: PermissionsCommand, out: &mut Output) -> Result<(), CliError> {
    match command {
        PermissionsCommand::List { flow_id } => {
            let answer = client.list_flow_permissions(flow_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            out.table(&permission_table(&answer.permissions))
        }
        PermissionsCommand::Add {
            flow_id,
            grantee,
            capabilities,
        } => {
            let (user, group) = grantee_refs(&grantee);
            let body = AddFlowPermissionsRequest {
                permissions: NewPermissions {
                    flow: Some(FlowRef {
                        id: flow_id.as_str().into(),
                    }),
                    grantees: vec![GranteeCapabilities {
                        user,
                        group,
                        group_set: None,
                        capabilities: capabilities
                            .into_iter()
                            .map(|(name, mode)| Capability { name, mode })
                            .collect(),
                    }],
                },
            };
            let answer = client.add_flow_permissions(flow_id.as_str(), body).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            out.table(&permission_table(&answer.permissions))
        }
        PermissionsCommand::Delete {
            flow_id,
            grantee,
            capability,
            mode,
        } => {
            let who = match (&grantee.user, &grantee.group) {
                (Some(user), _) => {
                    client
                        .delete_flow_permission_for_user(
                            flow_id.as_str(),
                            user.as_str(),
                            capability.clone(),
                            mode.clone(),
                        )
                        .send()?;
                    ("user", user)
                }
                (None, Some(group)) => {
                    client
                        .delete_flow_permission_for_group(
                            flow_id.as_str(),
                            group.as_str(),
                            capability.clone(),
                            mode.clone(),
                        )
                        .send()?;
                    ("group", group)
                }
                (None, None) => return Err(CliError::usage("give --user or --group")),
            };
            if out.is_json() {
                return out.json(&json!({
                    "flowId": flow_id,
                    who.0: who.1,
                    "capability": capability,
                    "mode": mode,
                    "deleted": true,
                }));
            }
            out.line(format!(
                "removed {}:{} from {} {} on flow {flow_id}",
                capability.as_str(),
                mode.as_str(),
                who.0,
                who.1
            ))
        }
    }
}

fn grantee_refs(grantee: &Grantee) -> (Option<UserRef>, Option<GroupRef>) {
    (
        grantee.user.as_ref().map(|id| UserRef {
            id: id.as_str().into(),
            name: None,
        }),
        grantee.group.as_ref().map(|id| GroupRef {
            id: id.as_str().into(),
            name: None,
        }),
    )
}

/// The table of permissions, one row per capability: GRANTEE, ID, NAME, CAPABILITY, MODE.
pub fn permission_table(p: &Permissions) -> Table {
    let mut t = Table::new(&["GRANTEE", "ID", "NAME", "CAPABILITY", "MODE"]);
    for g in &p.grantees {
        let (kind, id, name) = match (&g.user, &g.group) {
            (Some(u), _) => ("user", u.id.to_string(), u.name.clone()),
            (None, Some(gr)) => ("group", gr.id.to_string(), gr.name.clone()),
            (None, None) => ("?", String::new(), None),
        };
        if g.capabilities.is_empty() {
            t.row([kind, &id, name.as_deref().unwrap_or(""), "", ""]);
        }
        for c in &g.capabilities {
            t.row([
                kind,
                &id,
                name.as_deref().unwrap_or(""),
                c.name.as_str(),
                c.mode.as_str(),
            ]);
        }
    }
    t
}
