//! Add, list and delete the permissions of a flow (`spec/permissions.tfspec`).

use super::state::Grant;
use super::{Session, Simulator};
use crate::interface::*;
use crate::tf;
use tableau_flows::{ApiVersion, Capability, CapabilityMode};

/// Whether a capability and mode exist (as of the request's version): `Err(true)` for an unknown
/// capability (400009), `Err(false)` for a mode other than Allow or Deny (404013).
fn known(name: &Capability, mode: &CapabilityMode, version: ApiVersion) -> Result<(), bool> {
    if matches!(name, Capability::Unknown(_)) || name.since().is_some_and(|v| v > version) {
        return Err(true);
    }
    if matches!(mode, CapabilityMode::Unknown(_)) {
        return Err(false);
    }
    Ok(())
}

impl PermissionsService for Simulator {
    fn add_flow_permissions(
        &self,
        cx: &Context<Session>,
        input: AddFlowPermissionsInput,
    ) -> Result<tf::FlowPermissionsResponse, Reject<AddFlowPermissionsError>> {
        use AddFlowPermissionsError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        let flow = state
            .flow_for(
                &cx.session,
                &id,
                &Capability::ChangePermissions,
                E::FlowNotFound,
                E::Forbidden,
            )?
            .clone();
        let mut new: Vec<Grant> = Vec::new();
        for g in &input.body.permissions.grantees {
            let (group, grantee) = match (&g.user, &g.group, &g.group_set) {
                (Some(u), None, None) => {
                    if state.user(u.id.as_str()).is_none() {
                        return Err(Reject::new(
                            E::UserNotFound,
                            format!("no user with id {}", u.id),
                        ));
                    }
                    (false, u.id.to_string())
                }
                (None, Some(gr), None) => {
                    if !state.groups.iter().any(|x| x.id == gr.id.as_str()) {
                        return Err(Reject::new(
                            E::GroupNotFound,
                            format!("no group with id {}", gr.id),
                        ));
                    }
                    (true, gr.id.to_string())
                }
                (None, None, Some(set)) => {
                    return Err(Reject::new(
                        E::GroupNotFound,
                        format!("no group set with id {} (the simulator has none)", set.id),
                    ));
                }
                _ => {
                    return Err(Reject::new(
                        E::BadRequest,
                        "each granteeCapabilities names one user, group or group set",
                    ));
                }
            };
            for c in &g.capabilities {
                match known(&c.name, &c.mode, cx.version) {
                    Err(true) => {
                        return Err(Reject::new(
                            E::InvalidCapability,
                            format!("{} is not a capability of a flow", c.name),
                        ));
                    }
                    Err(false) => {
                        return Err(Reject::new(
                            E::CapabilityNotFound,
                            format!("{} is not Allow or Deny", c.mode),
                        ));
                    }
                    Ok(()) => {}
                }
                let same = |x: &Grant| {
                    x.flow_id == flow.id
                        && x.group == group
                        && x.grantee == grantee
                        && x.capability == c.name
                };
                if !state.grants.iter().any(same) && !new.iter().any(same) {
                    new.push(Grant {
                        flow_id: flow.id.clone(),
                        group,
                        grantee: grantee.clone(),
                        capability: c.name.clone(),
                        mode: c.mode.clone(),
                    });
                }
            }
        }
        state.grants.extend(new);
        Ok(tf::FlowPermissionsResponse::new(
            state.permissions_model(&flow),
        ))
    }

    fn list_flow_permissions(
        &self,
        cx: &Context<Session>,
        input: ListFlowPermissionsInput,
    ) -> Result<tf::FlowPermissionsResponse, Reject<ListFlowPermissionsError>> {
        let state = self.lock();
        let id = input.flow_id.as_str();
        let flow = state
            .site_flow(&cx.session, id)
            .filter(|_| state.is_admin(&cx.session.user_id))
            // Only administrators list permissions; the table has no permission code, so a
            // non-administrator is answered as for a flow it cannot see.
            .ok_or_else(|| {
                Reject::new(
                    ListFlowPermissionsError::FlowNotFound,
                    format!("no flow with id {id} whose permissions this user may list"),
                )
            })?;
        Ok(tf::FlowPermissionsResponse::new(
            state.permissions_model(flow),
        ))
    }

    fn delete_flow_permission_for_group(
        &self,
        cx: &Context<Session>,
        input: DeleteFlowPermissionForGroupInput,
    ) -> Result<(), Reject<DeleteFlowPermissionForGroupError>> {
        use DeleteFlowPermissionForGroupError as E;
        let revoke = Revoke {
            flow_id: input.flow_id.as_str(),
            group: true,
            grantee: input.group_id.as_str(),
            name: &input.capability_name,
            mode: &input.capability_mode,
        };
        self.revoke(
            cx,
            revoke,
            [
                E::FlowNotFound,
                E::Forbidden,
                E::GroupNotFound,
                E::InvalidCapability,
                E::CapabilityNotFound,
            ],
        )
    }

    fn delete_flow_permission_for_user(
        &self,
        cx: &Context<Session>,
        input: DeleteFlowPermissionForUserInput,
    ) -> Result<(), Reject<DeleteFlowPermissionForUserError>> {
        use DeleteFlowPermissionForUserError as E;
        let revoke = Revoke {
            flow_id: input.flow_id.as_str(),
            group: false,
            grantee: input.user_id.as_str(),
            name: &input.capability_name,
            mode: &input.capability_mode,
        };
        self.revoke(
            cx,
            revoke,
            [
                E::FlowNotFound,
                E::Forbidden,
                E::UserNotFound,
                E::InvalidCapability,
                E::CapabilityNotFound,
            ],
        )
    }
}

/// A grant to remove (Delete Flow Permission, for a user or a group).
struct Revoke<'a> {
    flow_id: &'a str,
    group: bool,
    grantee: &'a str,
    name: &'a Capability,
    mode: &'a CapabilityMode,
}

impl Simulator {
    /// Removes a grant; `errors` are the endpoint's flow not found, forbidden, grantee not found,
    /// invalid capability and capability not found (or not assigned).
    fn revoke<E: Copy>(
        &self,
        cx: &Context<Session>,
        r: Revoke<'_>,
        errors: [E; 5],
    ) -> Result<(), Reject<E>> {
        let [no_flow, forbidden, no_grantee, invalid, not_found] = errors;
        let mut state = self.lock();
        let flow = state
            .flow_for(
                &cx.session,
                r.flow_id,
                &Capability::ChangePermissions,
                no_flow,
                forbidden,
            )?
            .id
            .clone();
        let exists = if r.group {
            state.groups.iter().any(|g| g.id == r.grantee)
        } else {
            state.user(r.grantee).is_some()
        };
        if !exists {
            let what = if r.group { "group" } else { "user" };
            return Err(Reject::new(
                no_grantee,
                format!("no {what} with id {}", r.grantee),
            ));
        }
        match known(r.name, r.mode, cx.version) {
            Err(true) => {
                return Err(Reject::new(
                    invalid,
                    format!("{} is not a capability of a flow", r.name),
                ));
            }
            Err(false) => {
                return Err(Reject::new(
                    not_found,
                    format!("{} is not Allow or Deny", r.mode),
                ));
            }
            Ok(()) => {}
        }
        let before = state.grants.len();
        state.grants.retain(|g| {
            !(g.flow_id == flow
                && g.group == r.group
                && g.grantee == r.grantee
                && &g.capability == r.name
                && &g.mode == r.mode)
        });
        if state.grants.len() == before {
            return Err(Reject::new(
                not_found,
                format!("{}:{} is not assigned", r.name, r.mode),
            ));
        }
        Ok(())
    }
}
