//! Add, list and delete the permissions of a flow (`spec/permissions.tfspec`).

use super::state::Grant;
use super::{Session, Simulator};
use crate::interface::*;
use tableau_flows as tf;
use tableau_flows::{ApiVersion, CapabilityMode, CapabilityName};

/// Whether a capability and mode exist (as of the request's version): `Err(true)` for an unknown
/// capability (400009), `Err(false)` for a mode other than Allow or Deny (404013).
fn known(name: &CapabilityName, mode: &CapabilityMode, version: ApiVersion) -> Result<(), bool> {
    if matches!(name, CapabilityName::Unknown(_)) || name.since().is_some_and(|v| v > version) {
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
            .site_flow(&cx.session, &id)
            .cloned()
            .ok_or_else(|| Reject::new(E::FlowNotFound, format!("no flow with id {id}")))?;
        if !state.can(
            &cx.session.user_id,
            &flow,
            &CapabilityName::ChangePermissions,
        ) {
            return Err(Reject::new(
                E::Forbidden,
                format!("no ChangePermissions on flow {id}"),
            ));
        }
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
        Ok(tf::FlowPermissionsResponse {
            permissions: state.permissions_model(&flow),
        })
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
        Ok(tf::FlowPermissionsResponse {
            permissions: state.permissions_model(flow),
        })
    }

    fn delete_flow_permission_for_group(
        &self,
        cx: &Context<Session>,
        input: DeleteFlowPermissionForGroupInput,
    ) -> Result<(), Reject<DeleteFlowPermissionForGroupError>> {
        use DeleteFlowPermissionForGroupError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        let flow = state
            .site_flow(&cx.session, &id)
            .cloned()
            .ok_or_else(|| Reject::new(E::FlowNotFound, format!("no flow with id {id}")))?;
        if !state.can(
            &cx.session.user_id,
            &flow,
            &CapabilityName::ChangePermissions,
        ) {
            return Err(Reject::new(
                E::Forbidden,
                format!("no ChangePermissions on flow {id}"),
            ));
        }
        let grantee = input.group_id.to_string();
        if !state.groups.iter().any(|g| g.id == grantee) {
            return Err(Reject::new(
                E::GroupNotFound,
                format!("no group with id {grantee}"),
            ));
        }
        match known(&input.capability_name, &input.capability_mode, cx.version) {
            Err(true) => {
                return Err(Reject::new(
                    E::InvalidCapability,
                    format!("{} is not a capability of a flow", input.capability_name),
                ));
            }
            Err(false) => {
                return Err(Reject::new(
                    E::CapabilityNotFound,
                    format!("{} is not Allow or Deny", input.capability_mode),
                ));
            }
            Ok(()) => {}
        }
        if !state.revoke(
            &flow.id,
            true,
            &grantee,
            &input.capability_name,
            &input.capability_mode,
        ) {
            return Err(Reject::new(
                E::CapabilityNotFound,
                format!(
                    "{}:{} is not assigned",
                    input.capability_name, input.capability_mode
                ),
            ));
        }
        Ok(())
    }

    fn delete_flow_permission_for_user(
        &self,
        cx: &Context<Session>,
        input: DeleteFlowPermissionForUserInput,
    ) -> Result<(), Reject<DeleteFlowPermissionForUserError>> {
        use DeleteFlowPermissionForUserError as E;
        let mut state = self.lock();
        let id = input.flow_id.to_string();
        let flow = state
            .site_flow(&cx.session, &id)
            .cloned()
            .ok_or_else(|| Reject::new(E::FlowNotFound, format!("no flow with id {id}")))?;
        if !state.can(
            &cx.session.user_id,
            &flow,
            &CapabilityName::ChangePermissions,
        ) {
            return Err(Reject::new(
                E::Forbidden,
                format!("no ChangePermissions on flow {id}"),
            ));
        }
        let grantee = input.user_id.to_string();
        if state.user(&grantee).is_none() {
            return Err(Reject::new(
                E::UserNotFound,
                format!("no user with id {grantee}"),
            ));
        }
        match known(&input.capability_name, &input.capability_mode, cx.version) {
            Err(true) => {
                return Err(Reject::new(
                    E::InvalidCapability,
                    format!("{} is not a capability of a flow", input.capability_name),
                ));
            }
            Err(false) => {
                return Err(Reject::new(
                    E::CapabilityNotFound,
                    format!("{} is not Allow or Deny", input.capability_mode),
                ));
            }
            Ok(()) => {}
        }
        if !state.revoke(
            &flow.id,
            false,
            &grantee,
            &input.capability_name,
            &input.capability_mode,
        ) {
            return Err(Reject::new(
                E::CapabilityNotFound,
                format!(
                    "{}:{} is not assigned",
                    input.capability_name, input.capability_mode
                ),
            ));
        }
        Ok(())
    }
}

impl super::state::State {
    /// Removes a grant; whether there was one.
    fn revoke(
        &mut self,
        flow: &str,
        group: bool,
        grantee: &str,
        name: &CapabilityName,
        mode: &CapabilityMode,
    ) -> bool {
        let before = self.grants.len();
        self.grants.retain(|g| {
            !(g.flow_id == flow
                && g.group == group
                && g.grantee == grantee
                && &g.capability == name
                && &g.mode == mode)
        });
        self.grants.len() != before
    }
}
