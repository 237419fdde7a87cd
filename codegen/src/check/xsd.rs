//! `flowspec check-xsd`: does the spec cover the official schema's flow-relevant types?
//!
//! The spec's `schema { types: [...] }` block lists the complex types of Tableau's XML schema that
//! a flow client meets; a struct names the types it covers with `schema "typeName"`. For every
//! listed type, each attribute and element of the schema (its own, those of a base type it extends,
//! and those of attribute groups it uses) must be a field (or an alias) of a struct covering the
//! type, or be recorded in `left_out` with why. A new schema version then enters the same workflow
//! as a new doc page: the check names what the spec lacks.

use crate::ir::{FieldKind, Spec, TypeDef};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

const XS: &str = "http://www.w3.org/2001/XMLSchema";

/// Whether a schema member is an attribute or a child element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MemberKind {
    /// An attribute.
    Attribute,
    /// A child element.
    Element,
}

impl fmt::Display for MemberKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MemberKind::Attribute => "attribute",
            MemberKind::Element => "element",
        })
    }
}

/// One attribute or element of a schema type, and how the spec treats it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The complex type.
    pub ty: String,
    /// The attribute or element name.
    pub name: String,
    /// Attribute or element.
    pub kind: MemberKind,
    /// How the spec treats it.
    pub status: Coverage,
}

/// How the spec treats a schema member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// A field of these structs.
    Covered(Vec<String>),
    /// Recorded as left out, with this reason.
    LeftOut(String),
    /// Neither: the spec lacks it.
    Missing,
}

/// What `check-xsd` found.
#[derive(Debug, Clone, Default)]
pub struct XsdReport {
    /// Every member of every listed type, in type then schema order.
    pub members: Vec<Member>,
    /// Listed types the schema does not define.
    pub unknown_types: Vec<String>,
    /// Listed types no struct covers.
    pub uncovered_types: Vec<String>,
    /// `left_out` records that name no member of their type, or a member a struct covers.
    pub stale_records: Vec<String>,
}

impl XsdReport {
    /// The members the spec lacks without a recorded reason.
    pub fn missing(&self) -> impl Iterator<Item = &Member> {
        self.members
            .iter()
            .filter(|m| m.status == Coverage::Missing)
    }

    /// How many members are fields of the spec's structs.
    pub fn covered(&self) -> usize {
        self.members
            .iter()
            .filter(|m| matches!(m.status, Coverage::Covered(_)))
            .count()
    }

    /// The share of members that are fields of the spec's structs (0 to 1).
    pub fn coverage(&self) -> f64 {
        if self.members.is_empty() {
            return 1.0;
        }
        self.covered() as f64 / self.members.len() as f64
    }

    /// Whether everything is covered or recorded, and every listed type and record makes sense.
    pub fn is_clean(&self) -> bool {
        self.missing().next().is_none()
            && self.unknown_types.is_empty()
            && self.uncovered_types.is_empty()
            && self.stale_records.is_empty()
    }
}

impl fmt::Display for XsdReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut by_type: BTreeMap<&str, Vec<&Member>> = BTreeMap::new();
        for m in &self.members {
            by_type.entry(&m.ty).or_default().push(m);
        }
        for (ty, members) in &by_type {
            let covered = members
                .iter()
                .filter(|m| matches!(m.status, Coverage::Covered(_)))
                .count();
            writeln!(f, "{ty}: {covered} of {} covered", members.len())?;
            for m in members {
                match &m.status {
                    Coverage::Covered(_) => {}
                    Coverage::LeftOut(why) => {
                        writeln!(f, "  left out: {} {}: {why}", m.kind, m.name)?
                    }
                    Coverage::Missing => writeln!(
                        f,
                        "  MISSING: {} {} (add it to a struct with `schema \"{ty}\"`, or record why in `left_out`)",
                        m.kind, m.name
                    )?,
                }
            }
        }
        for t in &self.unknown_types {
            writeln!(f, "ERROR: the schema defines no complex type \"{t}\"")?;
        }
        for t in &self.uncovered_types {
            writeln!(
                f,
                "ERROR: no struct covers \"{t}\" (mark one with `schema \"{t}\"`)"
            )?;
        }
        for r in &self.stale_records {
            writeln!(f, "ERROR: {r}")?;
        }
        let left_out = self
            .members
            .iter()
            .filter(|m| matches!(m.status, Coverage::LeftOut(_)))
            .count();
        write!(
            f,
            "{} members of {} types: {} covered ({:.1} %), {left_out} left out with a reason, {} missing",
            self.members.len(),
            by_type.len(),
            self.covered(),
            self.coverage() * 100.0,
            self.missing().count()
        )
    }
}

/// Why a schema could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XsdError(pub String);

impl fmt::Display for XsdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for XsdError {}

/// Compares the spec with a schema document (the text of an `.xsd`).
pub fn check_xsd(spec: &Spec, xsd: &str) -> Result<XsdReport, XsdError> {
    let doc = roxmltree::Document::parse(xsd)
        .map_err(|e| XsdError(format!("the schema is not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if !root.has_tag_name((XS, "schema")) {
        return Err(XsdError(
            "the document is not an XML schema (xs:schema)".into(),
        ));
    }
    let named = |tag: &str| -> BTreeMap<&str, roxmltree::Node<'_, '_>> {
        root.children()
            .filter(|n| n.has_tag_name((XS, tag)))
            .filter_map(|n| n.attribute("name").map(|name| (name, n)))
            .collect()
    };
    let complex = named("complexType");
    let groups = named("attributeGroup");
    let coverage = spec.schema.clone().unwrap_or(crate::ir::SchemaCoverage {
        types: Vec::new(),
        left_out: Vec::new(),
    });
    // Which struct fields cover each schema type: (kind, name) -> struct names.
    let mut fields: BTreeMap<&str, BTreeMap<(MemberKind, String), Vec<String>>> = BTreeMap::new();
    for t in &spec.types {
        let TypeDef::Struct(s) = t else { continue };
        for ty in &s.schema_types {
            let map = fields.entry(ty.as_str()).or_default();
            for f in &s.fields {
                let kind = match f.kind {
                    FieldKind::Attr => MemberKind::Attribute,
                    FieldKind::Text => continue,
                    _ => MemberKind::Element,
                };
                for name in std::iter::once(&f.wire).chain(&f.aliases) {
                    let structs = map.entry((kind, name.clone())).or_default();
                    if !structs.contains(&s.name) {
                        structs.push(s.name.clone());
                    }
                }
            }
        }
    }
    let mut report = XsdReport::default();
    let mut records: BTreeSet<(String, String)> = BTreeSet::new();
    for ty in &coverage.types {
        let Some(node) = complex.get(ty.as_str()) else {
            report.unknown_types.push(ty.clone());
            continue;
        };
        if !fields.contains_key(ty.as_str()) {
            report.uncovered_types.push(ty.clone());
        }
        let mut members = Vec::new();
        collect(*node, &complex, &groups, &mut members, 0);
        let mut seen = BTreeSet::new();
        for (kind, name) in members {
            if !seen.insert((kind, name.clone())) {
                continue;
            }
            let status = match fields
                .get(ty.as_str())
                .and_then(|m| m.get(&(kind, name.clone())))
            {
                Some(structs) => Coverage::Covered(structs.clone()),
                None => match coverage
                    .left_out
                    .iter()
                    .find(|l| &l.ty == ty && l.member == name)
                {
                    Some(l) => {
                        records.insert((l.ty.clone(), l.member.clone()));
                        Coverage::LeftOut(l.reason.clone())
                    }
                    None => Coverage::Missing,
                },
            };
            report.members.push(Member {
                ty: ty.clone(),
                name,
                kind,
                status,
            });
        }
    }
    for l in &coverage.left_out {
        if !records.contains(&(l.ty.clone(), l.member.clone())) {
            let covered = report
                .members
                .iter()
                .any(|m| m.ty == l.ty && m.name == l.member);
            report.stale_records.push(if covered {
                format!(
                    "`left_out` records {}.{}, which a struct covers: drop the record",
                    l.ty, l.member
                )
            } else {
                format!(
                    "`left_out` records {}.{}, which is no member of that schema type",
                    l.ty, l.member
                )
            });
        }
    }
    Ok(report)
}

/// The attributes and elements of a complex type, its base types' and its attribute groups'.
/// Elements are not descended into: an element's own children belong to its type.
fn collect(
    node: roxmltree::Node<'_, '_>,
    complex: &BTreeMap<&str, roxmltree::Node<'_, '_>>,
    groups: &BTreeMap<&str, roxmltree::Node<'_, '_>>,
    out: &mut Vec<(MemberKind, String)>,
    depth: usize,
) {
    if depth > 32 {
        return; // a cycle of base types or groups; the schema is broken, stop quietly
    }
    for child in node.children().filter(|c| c.is_element()) {
        if child.tag_name().namespace() != Some(XS) {
            continue;
        }
        match child.tag_name().name() {
            "attribute" => {
                if let Some(name) = child.attribute("name").or(child.attribute("ref")) {
                    out.push((MemberKind::Attribute, local(name).to_owned()));
                }
            }
            "element" => {
                if let Some(name) = child.attribute("name").or(child.attribute("ref")) {
                    out.push((MemberKind::Element, local(name).to_owned()));
                }
            }
            "attributeGroup" => {
                if let Some(g) = child.attribute("ref").and_then(|r| groups.get(local(r))) {
                    collect(*g, complex, groups, out, depth + 1);
                }
            }
            "extension" | "restriction" => {
                if let Some(base) = child.attribute("base").and_then(|b| complex.get(local(b))) {
                    collect(*base, complex, groups, out, depth + 1);
                }
                collect(child, complex, groups, out, depth + 1);
            }
            "sequence" | "choice" | "all" | "complexContent" | "simpleContent" => {
                collect(child, complex, groups, out, depth + 1);
            }
            _ => {}
        }
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}
