//! Copying one flow's permissions to another: [`Client::copy_flow_permissions`].

use crate::permissions::{AddFlowPermissionsRequest, NewPermissions};
use crate::{
    Capability, CapabilityMode, CapabilityRule, Client, Error, FlowId, GranteeCapabilities,
    GroupId, GroupRef, GroupSetRef, Permissions, UserId, UserRef,
};
use std::fmt;

/// What [`Client::copy_flow_permissions`] does with the target's own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CopyPermissions {
    /// Adds the source's rules to the target's; the target keeps every rule it has, and a
    /// source rule the target holds in the other mode (`Read:Deny` against the source's
    /// `Read:Allow`) is skipped, as a grantee holds one mode per capability.
    #[default]
    Add,
    /// Makes the target's rules the source's: also deletes the target's rules the source does
    /// not have, and the target's rules in the other mode than the source's.
    Replace,
}

/// Who a rule of a flow's permissions is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Grantee {
    /// A user, by id.
    User(UserId),
    /// A group, by id.
    Group(GroupId),
    /// A group set, by id (deviation S16: real answers list group sets' rules; Delete Flow
    /// Permission has no URI for them).
    GroupSet(String),
}

impl fmt::Display for Grantee {
    /// `user ID`, `group ID` or `group set ID`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grantee::User(id) => write!(f, "user {id}"),
            Grantee::Group(id) => write!(f, "group {id}"),
            Grantee::GroupSet(id) => write!(f, "group set {id}"),
        }
    }
}

/// One rule of a flow's permissions: a capability a grantee is allowed or denied.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PermissionRule {
    /// Who.
    pub grantee: Grantee,
    /// The capability.
    pub capability: Capability,
    /// Allowed or denied.
    pub mode: CapabilityMode,
}

impl PermissionRule {
    /// A rule: `grantee` is allowed or denied `capability`.
    pub fn new(grantee: Grantee, capability: Capability, mode: CapabilityMode) -> Self {
        PermissionRule {
            grantee,
            capability,
            mode,
        }
    }

    /// Every rule of a flow's permissions (List Flow Permissions' answer), in the answer's order,
    /// each once. A grantee entry naming no user, group or group set is refused: it cannot be
    /// copied, and leaving it out would be a silent loss.
    pub fn of(permissions: &Permissions) -> Result<Vec<PermissionRule>, Error> {
        let mut out: Vec<PermissionRule> = Vec::new();
        for g in &permissions.grantees {
            let grantee = match (&g.user, &g.group, &g.group_set) {
                (Some(u), None, None) => Grantee::User(u.id.clone()),
                (None, Some(gr), None) => Grantee::Group(gr.id.clone()),
                (None, None, Some(set)) => Grantee::GroupSet(set.id.clone()),
                _ => {
                    return Err(Error::InvalidArgument(
                        "a grantee of the flow's permissions names not exactly one user, group \
                         or group set"
                            .to_owned(),
                    ));
                }
            };
            for c in &g.capabilities {
                let rule = PermissionRule::new(grantee.clone(), c.name.clone(), c.mode.clone());
                if !out.contains(&rule) {
                    out.push(rule);
                }
            }
        }
        Ok(out)
    }

    /// Whether both rules are about the same grantee and capability (whatever their modes).
    fn same_capability(&self, other: &PermissionRule) -> bool {
        self.grantee == other.grantee && self.capability == other.capability
    }
}

impl fmt::Display for PermissionRule {
    /// `user ID Read:Allow`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}:{}", self.grantee, self.capability, self.mode)
    }
}

/// What [`Client::copy_flow_permissions`] did (or, in
/// [`Error::PermissionsCopyIncomplete`], did before a call failed).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct PermissionsCopied {
    /// The flow the rules were read from.
    pub from: FlowId,
    /// The flow they were written to.
    pub to: FlowId,
    /// Add or replace.
    pub mode: CopyPermissions,
    /// The source's rules written to the target (in one Add Flow Permissions call).
    pub added: Vec<PermissionRule>,
    /// The source's rules the target had already.
    pub unchanged: Vec<PermissionRule>,
    /// The target's rules deleted (replace mode), one Delete Flow Permission call each.
    pub deleted: Vec<PermissionRule>,
    /// The source's rules not written because the target holds the same capability for the same
    /// grantee in the other mode and keeps it: in add mode, and in replace mode for a group
    /// set's rule, which cannot be deleted.
    pub skipped: Vec<PermissionRule>,
    /// The target's rules replace mode should have deleted but could not: group sets' rules,
    /// which Delete Flow Permission has no URI for.
    pub not_deleted: Vec<PermissionRule>,
    /// The requests sent (the two reads included; in an incomplete copy, the failed one too).
    pub calls: u32,
}

impl PermissionsCopied {
    /// Whether the target was changed (a rule added or deleted).
    pub fn changed(&self) -> bool {
        !self.added.is_empty() || !self.deleted.is_empty()
    }
}

/// `N rule(s) (rule, rule)`.
fn rules_text(rules: &[PermissionRule]) -> String {
    let list: Vec<String> = rules.iter().map(ToString::to_string).collect();
    let s = if rules.len() == 1 { "" } else { "s" };
    format!("{} rule{s} ({})", rules.len(), list.join(", "))
}

impl fmt::Display for PermissionsCopied {
    /// What changed on the target, and what was left as it was: `added 2 rules (user ID
    /// Read:Allow, group ID Execute:Allow), deleted 1 rule (...)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if !self.added.is_empty() {
            parts.push(format!("added {}", rules_text(&self.added)));
        }
        if !self.deleted.is_empty() {
            parts.push(format!("deleted {}", rules_text(&self.deleted)));
        }
        if parts.is_empty() {
            parts.push("changed nothing".to_owned());
        }
        if !self.skipped.is_empty() {
            parts.push(format!(
                "skipped {} the target holds in the other mode",
                rules_text(&self.skipped)
            ));
        }
        if !self.not_deleted.is_empty() {
            parts.push(format!(
                "could not delete {} (group sets' rules have no Delete Flow Permission URI)",
                rules_text(&self.not_deleted)
            ));
        }
        f.write_str(&parts.join("; "))
    }
}

/// The body of Add Flow Permissions for these rules: one grantee entry per grantee, in order.
fn add_request(rules: &[PermissionRule]) -> AddFlowPermissionsRequest {
    let mut grantees: Vec<(Grantee, Vec<CapabilityRule>)> = Vec::new();
    for r in rules {
        let rule = CapabilityRule::new(r.capability.clone(), r.mode.clone());
        match grantees.iter_mut().find(|(g, _)| *g == r.grantee) {
            Some((_, list)) => list.push(rule),
            None => grantees.push((r.grantee.clone(), vec![rule])),
        }
    }
    AddFlowPermissionsRequest {
        permissions: NewPermissions {
            flow: None,
            grantees: grantees
                .into_iter()
                .map(|(grantee, capabilities)| {
                    let mut g = GranteeCapabilities::new();
                    match grantee {
                        Grantee::User(id) => g.user = Some(UserRef::new(id)),
                        Grantee::Group(id) => g.group = Some(GroupRef::new(id)),
                        Grantee::GroupSet(id) => g.group_set = Some(GroupSetRef::new(id)),
                    }
                    g.capabilities = capabilities;
                    g
                })
                .collect(),
        },
    }
}

impl Client {
    /// Copies the explicit permissions of flow `from` (the rules List Flow Permissions answers
    /// for it) to flow `to`, adding them to the target's or replacing the target's
    /// ([`CopyPermissions`]), in as few calls as the API allows: one List Flow Permissions for
    /// each flow, one Add Flow Permissions holding every rule to add (several grantees in one
    /// request), and, in replace mode, one Delete Flow Permission per target rule to delete
    /// (the API deletes one rule per call). Rules the target already has are left alone.
    ///
    /// In replace mode the target's rules in the other mode than the source's are deleted before
    /// the add, and the target's rules the source does not have after it, so that a failed add
    /// leaves the target's other rules in place. Group sets' rules are copied, but cannot be
    /// deleted (no URI): they are reported in [`PermissionsCopied::not_deleted`].
    ///
    /// A call that fails before anything was changed (a read, or the first write) is returned
    /// as it is; one that fails after a rule was added or deleted is
    /// [`Error::PermissionsCopyIncomplete`], which holds what was done (nothing is undone).
    ///
    /// ```no_run
    /// use tableau_flows::{Client, CopyPermissions};
    ///
    /// # fn main() -> Result<(), tableau_flows::Error> {
    /// let client = Client::from_env()?;
    /// let dev = client.find_flow("Sales Cleanup (dev)")?;
    /// let prod = client.find_flow("Sales Cleanup")?;
    /// let copied = client.copy_flow_permissions(&dev.id, &prod.id, CopyPermissions::Replace)?;
    /// println!("{copied}"); // added 1 rule (user 5a39de9c-... Read:Allow); deleted 1 rule (...)
    /// for rule in &copied.not_deleted {
    ///     eprintln!("left on the target: {rule}");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn copy_flow_permissions(
        &self,
        from: impl Into<FlowId>,
        to: impl Into<FlowId>,
        mode: CopyPermissions,
    ) -> Result<PermissionsCopied, Error> {
        let mut done = PermissionsCopied {
            from: from.into(),
            to: to.into(),
            mode,
            ..PermissionsCopied::default()
        };
        done.calls += 1;
        let source = self.list_flow_permissions(&done.from).send()?;
        let source = PermissionRule::of(&source.permissions)?;
        done.calls += 1;
        let target = self.list_flow_permissions(&done.to).send()?;
        let target = PermissionRule::of(&target.permissions)?;

        let replace = mode == CopyPermissions::Replace;
        let mut to_add = Vec::new();
        let mut conflicts = Vec::new();
        for rule in &source {
            if target.contains(rule) {
                done.unchanged.push(rule.clone());
                continue;
            }
            match target.iter().find(|t| t.same_capability(rule)) {
                Some(other) if replace && !matches!(other.grantee, Grantee::GroupSet(_)) => {
                    conflicts.push(other.clone());
                    to_add.push(rule.clone());
                }
                Some(other) => {
                    done.skipped.push(rule.clone());
                    if replace {
                        done.not_deleted.push(other.clone());
                    }
                }
                None => to_add.push(rule.clone()),
            }
        }
        let mut extras = Vec::new();
        if replace {
            for rule in &target {
                if source.iter().any(|s| s.same_capability(rule)) {
                    continue;
                }
                if matches!(rule.grantee, Grantee::GroupSet(_)) {
                    done.not_deleted.push(rule.clone());
                } else {
                    extras.push(rule.clone());
                }
            }
        }

        for rule in conflicts {
            self.delete_rule(&mut done, rule)?;
        }
        if !to_add.is_empty() {
            done.calls += 1;
            let sent = self
                .add_flow_permissions(&done.to, add_request(&to_add))
                .send();
            if let Err(e) = sent {
                return Err(incomplete(done, e.into()));
            }
            done.added = to_add;
        }
        for rule in extras {
            self.delete_rule(&mut done, rule)?;
        }
        Ok(done)
    }

    /// Deletes one rule of the copy's target, noting it in `done`.
    fn delete_rule(&self, done: &mut PermissionsCopied, rule: PermissionRule) -> Result<(), Error> {
        done.calls += 1;
        let (name, mode) = (rule.capability.clone(), rule.mode.clone());
        let sent: Result<(), Error> = match &rule.grantee {
            Grantee::User(id) => self
                .delete_flow_permission_for_user(&done.to, id, name, mode)
                .send()
                .map_err(Into::into),
            Grantee::Group(id) => self
                .delete_flow_permission_for_group(&done.to, id, name, mode)
                .send()
                .map_err(Into::into),
            Grantee::GroupSet(_) => unreachable!("group sets' rules are never deleted"),
        };
        match sent {
            Ok(()) => {
                done.deleted.push(rule);
                Ok(())
            }
            Err(e) => Err(incomplete(std::mem::take(done), e)),
        }
    }
}

/// The error of a call of the copy: as it is when nothing was changed yet, else
/// [`Error::PermissionsCopyIncomplete`] with what was done.
fn incomplete(done: PermissionsCopied, error: Error) -> Error {
    if done.changed() {
        Error::PermissionsCopyIncomplete {
            done: Box::new(done),
            source: Box::new(error),
        }
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(grantee: Grantee, capability: Capability, mode: CapabilityMode) -> PermissionRule {
        PermissionRule::new(grantee, capability, mode)
    }

    #[test]
    fn rules_are_read_once_each_and_grouped_by_grantee_for_the_add() {
        let user = Grantee::User("u1".into());
        let group = Grantee::Group("g1".into());
        let mut p = Permissions::new();
        for (g, caps) in [
            (&user, vec![Capability::Read, Capability::Execute]),
            (&group, vec![Capability::Read]),
            (&user, vec![Capability::Read]),
        ] {
            let mut entry = GranteeCapabilities::new();
            match g {
                Grantee::User(id) => entry.user = Some(UserRef::new(id)),
                Grantee::Group(id) => entry.group = Some(GroupRef::new(id)),
                Grantee::GroupSet(_) => unreachable!(),
            }
            entry.capabilities = caps
                .into_iter()
                .map(|c| CapabilityRule::new(c, CapabilityMode::Allow))
                .collect();
            p.grantees.push(entry);
        }
        let rules = PermissionRule::of(&p).unwrap();
        assert_eq!(
            rules,
            vec![
                rule(user.clone(), Capability::Read, CapabilityMode::Allow),
                rule(user.clone(), Capability::Execute, CapabilityMode::Allow),
                rule(group.clone(), Capability::Read, CapabilityMode::Allow),
            ]
        );
        let body = add_request(&rules);
        assert_eq!(body.permissions.grantees.len(), 2);
        assert_eq!(body.permissions.grantees[0].capabilities.len(), 2);
        assert_eq!(
            body.permissions.grantees[1]
                .group
                .as_ref()
                .map(|g| g.id.as_str()),
            Some("g1")
        );
        p.grantees.push(GranteeCapabilities::new());
        let err = PermissionRule::of(&p).unwrap_err();
        assert!(
            err.to_string()
                .contains("not exactly one user, group or group set"),
            "{err}"
        );
    }

    #[test]
    fn a_copy_says_what_it_changed_and_what_it_left() {
        let mut done = PermissionsCopied::default();
        assert_eq!(done.to_string(), "changed nothing");
        assert!(!done.changed());
        done.added.push(rule(
            Grantee::User("u1".into()),
            Capability::Read,
            CapabilityMode::Allow,
        ));
        done.skipped.push(rule(
            Grantee::Group("g1".into()),
            Capability::Write,
            CapabilityMode::Deny,
        ));
        done.not_deleted.push(rule(
            Grantee::GroupSet("s1".into()),
            Capability::Read,
            CapabilityMode::Allow,
        ));
        assert!(done.changed());
        assert_eq!(
            done.to_string(),
            "added 1 rule (user u1 Read:Allow); skipped 1 rule (group g1 Write:Deny) the target \
             holds in the other mode; could not delete 1 rule (group set s1 Read:Allow) (group \
             sets' rules have no Delete Flow Permission URI)"
        );
    }
}
