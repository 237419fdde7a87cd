//! The API as of a version, and what it gained between two versions, from the spec's version
//! annotations (`since`, `dropped`, `was ... before`, `old_title ... before`).

use crate::ir::*;

/// Whether something that appeared in `since` exists at `v`.
fn present(since: Option<Version>, v: Version) -> bool {
    since.is_none_or(|s| s <= v)
}

impl Spec {
    /// The spec as the API was at version `v`: endpoints, parameters, body fields, enum values,
    /// URI forms and error rows that existed then, with the titles and wording of then. Error rows
    /// the pages dropped later stay (servers may still send them, erratum E9) but are marked.
    pub fn as_of(&self, v: Version) -> Spec {
        let mut spec = self.clone();
        spec.endpoints.retain(|e| e.since <= v);
        for e in &mut spec.endpoints {
            if let Some(old) = &e.old_title
                && v < old.before
            {
                e.title = old.title.clone();
            }
            e.old_title = e.old_title.take().filter(|o| o.before <= v);
            e.query.retain(|q| present(q.since, v));
            e.uri_forms
                .retain(|f| present(f.since, v) && f.dropped.is_none_or(|d| d > v));
            e.errors.retain(|r| present(r.since, v));
            for r in &mut e.errors {
                if let Some(was) = &r.was
                    && v < was.before
                {
                    r.summary = was.summary.clone();
                    r.condition = was.condition.clone();
                }
                r.was = r.was.take().filter(|w| w.before <= v);
                r.dropped = r.dropped.filter(|d| *d <= v);
            }
            e.platform = e.platform.take().filter(|p| present(p.since, v));
        }
        for t in &mut spec.types {
            match t {
                TypeDef::Enum(en) => en.variants.retain(|x| present(x.since, v)),
                TypeDef::Struct(s) => s.fields.retain(|f| present(f.since, v)),
                TypeDef::Id(_) => {}
            }
        }
        spec
    }

    /// What the API gained after `from` up to and including `to`.
    pub fn gained(&self, from: Version, to: Version) -> Vec<Gain> {
        let new = |s: Option<Version>| s.is_some_and(|s| s > from && s <= to);
        let mut out = Vec::new();
        for e in &self.endpoints {
            if new(Some(e.since)) {
                out.push(Gain::Endpoint {
                    id: e.id.clone(),
                    title: e.title.clone(),
                    since: e.since,
                });
                continue;
            }
            if e.since > to {
                continue;
            }
            for q in &e.query {
                if new(q.since) {
                    out.push(Gain::Parameter {
                        endpoint: e.id.clone(),
                        name: q.wire.clone(),
                        since: q.since.expect("new"),
                    });
                }
            }
            for r in &e.errors {
                if new(r.since) {
                    out.push(Gain::ErrorRow {
                        endpoint: e.id.clone(),
                        code: r.code,
                        summary: r.summary.clone(),
                        since: r.since.expect("new"),
                    });
                }
            }
        }
        for t in &self.types {
            match t {
                TypeDef::Enum(en) => {
                    for x in &en.variants {
                        if new(x.since) {
                            out.push(Gain::EnumValue {
                                ty: en.name.clone(),
                                value: x.wire.clone(),
                                since: x.since.expect("new"),
                            });
                        }
                    }
                }
                TypeDef::Struct(s) => {
                    for f in &s.fields {
                        if new(f.since) {
                            out.push(Gain::Field {
                                ty: s.name.clone(),
                                name: f.wire.clone(),
                                since: f.since.expect("new"),
                            });
                        }
                    }
                }
                TypeDef::Id(_) => {}
            }
        }
        // Codes no endpoint of `from` could answer.
        let old = self.as_of(from);
        let codes_then: Vec<u32> = old
            .endpoints
            .iter()
            .flat_map(|e| e.errors.iter().map(|r| r.code))
            .collect();
        let now = self.as_of(to);
        let mut seen = Vec::new();
        for r in now.endpoints.iter().flat_map(|e| &e.errors) {
            if !codes_then.contains(&r.code) && !seen.contains(&r.code) {
                seen.push(r.code);
                out.push(Gain::ErrorCode {
                    code: r.code,
                    name: r.name.clone(),
                });
            }
        }
        out
    }
}

/// One thing the API gained between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gain {
    /// A new endpoint.
    Endpoint {
        /// Its id.
        id: String,
        /// Its title.
        title: String,
        /// Its version.
        since: Version,
    },
    /// A new query parameter of an older endpoint.
    Parameter {
        /// The endpoint.
        endpoint: String,
        /// The wire name.
        name: String,
        /// Its version.
        since: Version,
    },
    /// A new field of a body type.
    Field {
        /// The type.
        ty: String,
        /// The wire name.
        name: String,
        /// Its version.
        since: Version,
    },
    /// A new value of an enum.
    EnumValue {
        /// The enum.
        ty: String,
        /// The wire value.
        value: String,
        /// Its version.
        since: Version,
    },
    /// A new row in an older endpoint's error table.
    ErrorRow {
        /// The endpoint.
        endpoint: String,
        /// The code.
        code: u32,
        /// The row's summary.
        summary: String,
        /// Its version.
        since: Version,
    },
    /// A code no endpoint answered before.
    ErrorCode {
        /// The code.
        code: u32,
        /// Its canonical name.
        name: String,
    },
}

impl std::fmt::Display for Gain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Gain::Endpoint { id, title, since } => {
                write!(f, "endpoint {id} ({title}), since {since}")
            }
            Gain::Parameter {
                endpoint,
                name,
                since,
            } => write!(f, "query parameter {name} of {endpoint}, since {since}"),
            Gain::Field { ty, name, since } => write!(f, "field {name} of {ty}, since {since}"),
            Gain::EnumValue { ty, value, since } => {
                write!(f, "value {value} of {ty}, since {since}")
            }
            Gain::ErrorRow {
                endpoint,
                code,
                summary,
                since,
            } => {
                write!(
                    f,
                    "error row {code} ({summary}) of {endpoint}, since {since}"
                )
            }
            Gain::ErrorCode { code, name } => write!(f, "error code {code} ({name})"),
        }
    }
}
