//! `permissions list|add|delete|copy`: capabilities given the same way to add and delete,
//! `CAPABILITY:MODE`.

use crate::args::{Grantee, PermissionArgs, PermissionsCommand};
use crate::error::CliError;
use crate::output::{Output, Table, named};
use crate::resolve;
use serde_json::json;
use tableau_flows::{
    Client, CopyPermissions, Grant, Grantee as RuleGrantee, PermissionRule, Permissions,
    PermissionsCopied,
};

/// A grantee resolved to its id: `("user" | "group", id, as the command line named it)`.
struct Who {
    kind: &'static str,
    id: String,
    shown: String,
}

fn who(client: &Client, grantee: &Grantee) -> Result<Who, CliError> {
    let (kind, arg, id) = match (&grantee.user, &grantee.group) {
        (Some(user), _) => ("user", user, resolve::user_id(client, user)?),
        (None, Some(group)) => ("group", group, resolve::group_id(client, group)?),
        (None, None) => return Err(CliError::usage("give --user or --group")),
    };
    let shown = if *arg == id {
        id.clone()
    } else {
        named(Some(arg), &id)
    };
    Ok(Who { kind, id, shown })
}

/// Runs a `permissions` command.
pub fn run(client: &Client, command: PermissionsCommand, out: &mut Output) -> Result<(), CliError> {
    match command {
        PermissionsCommand::List { flow } => {
            let flow_id = resolve::flow_id(client, &flow)?;
            let answer = client.list_flow_permissions(flow_id.as_str()).send()?;
            if out.is_json() {
                return out.json(&answer);
            }
            out.table(&permission_table(&answer.permissions))
        }
        PermissionsCommand::Add(args) => add(client, args, out),
        PermissionsCommand::Delete(args) => delete(client, args, out),
        PermissionsCommand::Copy { from, to, replace } => copy(client, &from, &to, replace, out),
    }
}

fn copy(
    client: &Client,
    from: &str,
    to: &str,
    replace: bool,
    out: &mut Output,
) -> Result<(), CliError> {
    let from_id = resolve::flow_id_in(client, from, None)?;
    let to_id = resolve::flow_id_in(client, to, None)?;
    let mode = if replace {
        CopyPermissions::Replace
    } else {
        CopyPermissions::Add
    };
    let copied = client.copy_flow_permissions(from_id.as_str(), to_id.as_str(), mode)?;
    if out.is_json() {
        return out.json(&copy_json(&copied));
    }
    let shown = |arg: &str, id: &str| {
        if arg == id {
            id.to_owned()
        } else {
            named(Some(arg), id)
        }
    };
    out.line(format!(
        "copied the permissions of flow {} to flow {}: {copied}",
        shown(from, from_id.as_str()),
        shown(to, to_id.as_str()),
    ))
}

/// What a copy did, as JSON: `added`, `deleted`, `unchanged`, `skipped`, `notDeleted` (each a
/// list of `{grantee, id, capability, mode}`), and the number of requests.
fn copy_json(c: &PermissionsCopied) -> serde_json::Value {
    let rules = |rules: &[PermissionRule]| -> Vec<serde_json::Value> {
        rules
            .iter()
            .map(|r| {
                let (kind, id) = match &r.grantee {
                    RuleGrantee::User(id) => ("user", id.to_string()),
                    RuleGrantee::Group(id) => ("group", id.to_string()),
                    RuleGrantee::GroupSet(id) => ("groupSet", id.clone()),
                    other => ("other", other.to_string()),
                };
                json!({ "grantee": kind, "id": id, "capability": r.capability, "mode": r.mode })
            })
            .collect()
    };
    json!({
        "from": c.from,
        "to": c.to,
        "mode": if c.mode == CopyPermissions::Replace { "replace" } else { "add" },
        "added": rules(&c.added),
        "deleted": rules(&c.deleted),
        "unchanged": rules(&c.unchanged),
        "skipped": rules(&c.skipped),
        "notDeleted": rules(&c.not_deleted),
        "requests": c.calls,
    })
}

fn add(client: &Client, args: PermissionArgs, out: &mut Output) -> Result<(), CliError> {
    let flow_id = resolve::flow_id(client, &args.flow)?;
    let who = who(client, &args.grantee)?;
    let mut grant = match who.kind {
        "user" => Grant::user(who.id.as_str()),
        _ => Grant::group(who.id.as_str()),
    };
    for (capability, mode) in args.capabilities {
        grant = grant.capability(capability, mode);
    }
    let answer = client
        .add_flow_permissions(flow_id.as_str(), grant)
        .send()?;
    if out.is_json() {
        return out.json(&answer);
    }
    out.table(&permission_table(&answer.permissions))
}

fn delete(client: &Client, args: PermissionArgs, out: &mut Output) -> Result<(), CliError> {
    let flow_id = resolve::flow_id(client, &args.flow)?;
    let who = who(client, &args.grantee)?;
    let mut removed = Vec::new();
    for (capability, mode) in &args.capabilities {
        if who.kind == "user" {
            client
                .delete_flow_permission_for_user(
                    flow_id.as_str(),
                    who.id.as_str(),
                    capability.clone(),
                    mode.clone(),
                )
                .send()?;
        } else {
            client
                .delete_flow_permission_for_group(
                    flow_id.as_str(),
                    who.id.as_str(),
                    capability.clone(),
                    mode.clone(),
                )
                .send()?;
        }
        removed.push(format!("{capability}:{mode}"));
    }
    if out.is_json() {
        return out.json(&json!({
            "flowId": flow_id,
            who.kind: who.id,
            "capabilities": args
                .capabilities
                .iter()
                .map(|(c, m)| json!({ "name": c, "mode": m }))
                .collect::<Vec<_>>(),
            "deleted": true,
        }));
    }
    out.line(format!(
        "removed {} from {} {} on flow {}",
        removed.join(" "),
        who.kind,
        who.shown,
        args.flow.flow
    ))
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
