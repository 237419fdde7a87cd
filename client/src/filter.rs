//! Tableau's filter and sort expressions, built with types.
//!
//! A filter is `field:operator:value` terms joined by commas (`name:eq:Sales,createdAt:gt:2024-01-01T00:00:00Z`),
//! with `in` taking a bracketed list (`projectName:in:[Sales,Finance]`); a sort is
//! `field:asc|desc` terms joined by commas.
//!
//! Which fields an endpoint offers, of what type and with which operators, comes from the spec
//! (Tableau's Filtering and Sorting reference, KNOWN-DEVIATIONS S14): a request builder checks
//! every term before sending, so a field the endpoint does not offer, an operator the field does
//! not take (`name:gt:..`) or a value of the wrong type (a date not written
//! `YYYY-MM-DDTHH:MM:SSZ`) fails with [`Error::InvalidArgument`](crate::Error::InvalidArgument)
//! without a request. A field the spec does not know (a newer server's) can still be sent, on
//! purpose, with [`Filter::unchecked`] or [`Sort::unchecked`]: only the syntax of those terms is
//! checked.
//!
//! ```
//! use tableau_flows::filter::{Filter, Operator, Sort};
//! let f = Filter::new().eq("name", "Coffee Chain").is_in("projectName", ["Sales", "Finance"]);
//! assert_eq!(f.to_string(), "name:eq:Coffee Chain,projectName:in:[Sales,Finance]");
//! assert_eq!(Sort::new().desc("createdAt").asc("name").to_string(), "createdAt:desc,name:asc");
//! // Values the syntax cannot hold are refused:
//! assert!(Filter::new().eq("name", "a,b").check().is_err());
//! // A field this client's spec does not know, sent on purpose:
//! let f = Filter::new().unchecked("connectionType", Operator::Eq, "postgres");
//! assert_eq!(f.to_string(), "connectionType:eq:postgres");
//! ```

use crate::meta::FieldMeta;
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A filter operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `eq`: equals.
    Eq,
    /// `gt`: greater than.
    Gt,
    /// `gte`: greater than or equal.
    Gte,
    /// `lt`: less than.
    Lt,
    /// `lte`: less than or equal.
    Lte,
    /// `in`: one of a list.
    In,
    /// `has`: contains.
    Has,
    /// `cieq`: equals, ignoring case.
    Cieq,
}

impl Operator {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Eq => "eq",
            Operator::Gt => "gt",
            Operator::Gte => "gte",
            Operator::Lt => "lt",
            Operator::Lte => "lte",
            Operator::In => "in",
            Operator::Has => "has",
            Operator::Cieq => "cieq",
        }
    }

    fn parse(s: &str) -> Option<Operator> {
        Some(match s {
            "eq" => Operator::Eq,
            "gt" => Operator::Gt,
            "gte" => Operator::Gte,
            "lt" => Operator::Lt,
            "lte" => Operator::Lte,
            "in" => Operator::In,
            "has" => Operator::Has,
            "cieq" => Operator::Cieq,
            _ => return None,
        })
    }
}

/// An expression that cannot be sent, with why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ExpressionError(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: String,
    op: Operator,
    values: Vec<String>,
    /// Sent without checking the field against the endpoint's (only the syntax is checked).
    unchecked: bool,
}

/// A filter expression. Terms are ANDed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    terms: Vec<Term>,
    /// The first problem found while building; reported by [`Filter::check`] and before sending.
    problem: Option<String>,
}

fn field_problem(field: &str) -> Option<String> {
    if field.is_empty() || !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Some(format!("field name {field:?} must be letters, digits or _"))
    } else {
        None
    }
}

impl Filter {
    /// An empty filter.
    pub fn new() -> Self {
        Filter::default()
    }

    fn push(self, field: &str, op: Operator, values: Vec<String>) -> Self {
        self.push_term(field, op, values, false)
    }

    fn push_term(
        mut self,
        field: &str,
        op: Operator,
        values: Vec<String>,
        unchecked: bool,
    ) -> Self {
        if self.problem.is_none() {
            self.problem = field_problem(field).or_else(|| {
                values.iter().find_map(|v| {
                    if v.contains(',') {
                        Some(format!("the value {v:?} for {field} holds a comma, which separates filter terms"))
                    } else if op == Operator::In && v.contains(['[', ']']) {
                        Some(format!("the value {v:?} for {field} holds a bracket, which delimits an `in` list"))
                    } else if v.is_empty() {
                        Some(format!("the value for {field} is empty"))
                    } else {
                        None
                    }
                })
            });
            if op == Operator::In && values.is_empty() && self.problem.is_none() {
                self.problem = Some(format!("the `in` list for {field} is empty"));
            }
        }
        self.terms.push(Term {
            field: field.to_owned(),
            op,
            values,
            unchecked,
        });
        self
    }

    /// `field:op:value` for a field the spec does not know (one a newer server offers): sent
    /// without checking the field, its operator or its value against the endpoint's fields. Only
    /// the syntax is checked. For an `in` list use [`Filter::unchecked_in`].
    pub fn unchecked(self, field: &str, op: Operator, value: impl fmt::Display) -> Self {
        self.push_term(field, op, vec![value.to_string()], true)
    }

    /// `field:in:[a,b,...]` for a field the spec does not know; see [`Filter::unchecked`].
    pub fn unchecked_in<I, V>(self, field: &str, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: fmt::Display,
    {
        let values = values.into_iter().map(|v| v.to_string()).collect();
        self.push_term(field, Operator::In, values, true)
    }

    /// `field:op:value`.
    pub fn term(self, field: &str, op: Operator, value: impl fmt::Display) -> Self {
        self.push(field, op, vec![value.to_string()])
    }

    /// `field:eq:value`.
    pub fn eq(self, field: &str, value: impl fmt::Display) -> Self {
        self.term(field, Operator::Eq, value)
    }

    /// `field:cieq:value`: equal, ignoring case.
    pub fn cieq(self, field: &str, value: impl fmt::Display) -> Self {
        self.term(field, Operator::Cieq, value)
    }

    /// `field:gt:value`.
    pub fn gt(self, field: &str, value: impl fmt::Display) -> Self {
        self.term(field, Operator::Gt, value)
    }

    /// `field:gte:value`.
    pub fn gte(self, field: &str, value: impl fmt::Display) -> Self {
        self.term(field, Operator::Gte, value)
    }

    /// `field:lt:value`.
    pub fn lt(self, field: &str, value: impl fmt::Display) -> Self {
        self.term(field, Operator::Lt, value)
    }

    /// `field:lte:value`.
    pub fn lte(self, field: &str, value: impl fmt::Display) -> Self {
        self.term(field, Operator::Lte, value)
    }

    /// `field:has:value`.
    pub fn has(self, field: &str, value: impl fmt::Display) -> Self {
        self.term(field, Operator::Has, value)
    }

    /// `field:in:[a,b,...]`.
    pub fn is_in<I, V>(self, field: &str, values: I) -> Self
    where
        I: IntoIterator<Item = V>,
        V: fmt::Display,
    {
        self.push(
            field,
            Operator::In,
            values.into_iter().map(|v| v.to_string()).collect(),
        )
    }

    /// The terms: field, operator, values (one, or the list of an `in`).
    pub fn terms(&self) -> impl Iterator<Item = (&str, Operator, &[String])> {
        self.terms
            .iter()
            .map(|t| (t.field.as_str(), t.op, t.values.as_slice()))
    }

    /// Whether the filter has no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Checks that the filter can be sent.
    pub fn check(&self) -> Result<(), ExpressionError> {
        match &self.problem {
            Some(p) => Err(ExpressionError(p.clone())),
            None if self.terms.is_empty() => Err(ExpressionError("the filter has no terms".into())),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if t.op == Operator::In {
                write!(f, "{}:in:[{}]", t.field, t.values.join(","))?;
            } else {
                write!(
                    f,
                    "{}:{}:{}",
                    t.field,
                    t.op.as_str(),
                    t.values.first().map_or("", String::as_str)
                )?;
            }
        }
        Ok(())
    }
}

impl FromStr for Filter {
    type Err = ExpressionError;
    /// Parses `field:op:value,...` (values may hold `:`; `in` takes `[a,b]`). Whitespace around
    /// a field name is skipped (a field name holds none); a value is taken as written, whitespace
    /// at either end included, as [`Filter::term`] takes it and `Display` prints it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut filter = Filter::new();
        let mut rest = s.trim_start();
        while !rest.is_empty() {
            let (field, after) = rest
                .split_once(':')
                .ok_or_else(|| ExpressionError(format!("{rest:?} is not field:operator:value")))?;
            let field = field.trim_end();
            let (op, after) = after
                .split_once(':')
                .ok_or_else(|| ExpressionError(format!("{rest:?} is not field:operator:value")))?;
            let op = Operator::parse(op)
                .ok_or_else(|| ExpressionError(format!("unknown filter operator {op:?}")))?;
            if op == Operator::In {
                let inner = after
                    .strip_prefix('[')
                    .and_then(|a| a.split_once(']'))
                    .ok_or_else(|| {
                        ExpressionError(format!("the `in` list for {field} must be [a,b,...]"))
                    })?;
                filter = filter.is_in(field, inner.0.split(',').map(str::to_owned));
                let after = inner.1.trim_start();
                rest = after.strip_prefix(',').unwrap_or(after);
            } else {
                let (value, after) = after.split_once(',').unwrap_or((after, ""));
                filter = filter.term(field, op, value);
                rest = after;
            }
            rest = rest.trim_start();
        }
        filter.check()?;
        Ok(filter)
    }
}

impl From<&str> for Filter {
    /// Parses an expression; a malformed one is refused before sending.
    fn from(s: &str) -> Self {
        s.parse().unwrap_or_else(|e: ExpressionError| Filter {
            terms: Vec::new(),
            problem: Some(e.0),
        })
    }
}

/// A sort expression: `field:asc|desc` terms, most significant first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sort {
    /// (field, ascending, unchecked)
    terms: Vec<(String, bool, bool)>,
    problem: Option<String>,
}

impl Sort {
    /// An empty sort.
    pub fn new() -> Self {
        Sort::default()
    }

    fn push(mut self, field: &str, ascending: bool, unchecked: bool) -> Self {
        if self.problem.is_none() {
            self.problem = field_problem(field);
        }
        self.terms.push((field.to_owned(), ascending, unchecked));
        self
    }

    /// By a field the spec does not know (one a newer server offers), sent without checking it
    /// against the endpoint's sort fields.
    pub fn unchecked(self, field: &str, ascending: bool) -> Self {
        self.push(field, ascending, true)
    }

    /// Ascending by `field`.
    pub fn asc(self, field: &str) -> Self {
        self.push(field, true, false)
    }

    /// Descending by `field`.
    pub fn desc(self, field: &str) -> Self {
        self.push(field, false, false)
    }

    /// The terms: field and whether ascending, most significant first.
    pub fn terms(&self) -> impl Iterator<Item = (&str, bool)> {
        self.terms.iter().map(|(f, a, _)| (f.as_str(), *a))
    }

    /// Checks that the sort can be sent.
    pub fn check(&self) -> Result<(), ExpressionError> {
        match &self.problem {
            Some(p) => Err(ExpressionError(p.clone())),
            None if self.terms.is_empty() => Err(ExpressionError("the sort has no terms".into())),
            None => Ok(()),
        }
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (field, asc, _)) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{field}:{}", if *asc { "asc" } else { "desc" })?;
        }
        Ok(())
    }
}

impl FromStr for Sort {
    type Err = ExpressionError;
    /// Parses `field:asc,field:desc`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut sort = Sort::new();
        for term in s.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            sort = match term.split_once(':') {
                Some((f, "asc")) => sort.asc(f),
                Some((f, "desc")) => sort.desc(f),
                _ => {
                    return Err(ExpressionError(format!(
                        "{term:?} is not field:asc or field:desc"
                    )));
                }
            };
        }
        sort.check()?;
        Ok(sort)
    }
}

impl From<&str> for Sort {
    /// Parses an expression; a malformed one is refused before sending.
    fn from(s: &str) -> Self {
        s.parse().unwrap_or_else(|e: ExpressionError| Sort {
            terms: Vec::new(),
            problem: Some(e.0),
        })
    }
}

/// What the request pipeline needs of a filter or sort: checking it against the fields an
/// endpoint offers (from the spec's metadata).
pub trait Expression: fmt::Display {
    /// Checks the syntax, then every term but the unchecked ones: the field is one of `fields`,
    /// takes the operator, and each value is of the field's kind.
    fn check_against(&self, fields: &[FieldMeta]) -> Result<(), ExpressionError>;
}

fn offered(fields: &[FieldMeta]) -> String {
    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
    names.join(", ")
}

impl Expression for Filter {
    fn check_against(&self, fields: &[FieldMeta]) -> Result<(), ExpressionError> {
        self.check()?;
        for t in self.terms.iter().filter(|t| !t.unchecked) {
            let Some(f) = fields.iter().find(|f| f.name == t.field) else {
                return Err(ExpressionError(format!(
                    "the field {:?} cannot be filtered on here (fields: {})",
                    t.field,
                    offered(fields)
                )));
            };
            if !f.operators.contains(&t.op) {
                let ops: Vec<&str> = f.operators.iter().map(|o| o.as_str()).collect();
                return Err(ExpressionError(format!(
                    "the field {} does not take the operator {} (it takes: {})",
                    f.name,
                    t.op.as_str(),
                    ops.join(", ")
                )));
            }
            for v in &t.values {
                f.kind.check(v).map_err(|expected| {
                    ExpressionError(format!("the value {v:?} for {} is not {expected}", f.name))
                })?;
            }
        }
        Ok(())
    }
}

impl Expression for Sort {
    fn check_against(&self, fields: &[FieldMeta]) -> Result<(), ExpressionError> {
        self.check()?;
        for (field, _, unchecked) in &self.terms {
            if !unchecked && !fields.iter().any(|f| f.name == field) {
                return Err(ExpressionError(format!(
                    "the field {field:?} cannot be sorted on here (fields: {})",
                    offered(fields)
                )));
            }
        }
        Ok(())
    }
}

macro_rules! xml_value {
    ($t:ty) => {
        impl crate::xml::XmlValue for $t {
            const EMPTY_IS_ABSENT: bool = true;
            fn parse_xml(text: &str) -> Result<Self, String> {
                text.parse().map_err(|e: ExpressionError| e.0)
            }
            fn to_xml_value(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    };
}
xml_value!(Filter);
xml_value!(Sort);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parsed_value_keeps_its_whitespace_and_round_trips() {
        // Before: the whole expression was trimmed, so the last value lost its trailing space
        // while one before a comma kept it.
        let f: Filter = "  name:eq:x , ownerName :eq: y ".parse().unwrap();
        let terms: Vec<_> = f.terms().map(|(n, _, v)| (n, v[0].as_str())).collect();
        assert_eq!(terms, [("name", "x "), ("ownerName", " y ")]);
        assert_eq!(f.to_string(), "name:eq:x ,ownerName:eq: y ");
        assert_eq!(f.to_string().parse::<Filter>().unwrap(), f);
        let built = Filter::new().eq("name", "Sales ");
        assert_eq!(built.to_string().parse::<Filter>().unwrap(), built);
        // Whitespace after an `in` list, before the next term or at the end, is skipped.
        let f: Filter = "name:in:[a ,b] , ownerName:eq:c".parse().unwrap();
        assert_eq!(
            f,
            Filter::new()
                .is_in("name", ["a ", "b"])
                .eq("ownerName", "c")
        );
        assert_eq!(
            "name:in:[a] ".parse::<Filter>().unwrap(),
            Filter::new().is_in("name", ["a"])
        );
        let e = "   ".parse::<Filter>().unwrap_err();
        assert!(e.to_string().contains("no terms"), "{e}");
    }

    #[test]
    fn builds_and_parses() {
        let f = Filter::new()
            .eq("name", "Coffee")
            .gt("createdAt", "2024-01-01T00:00:00Z")
            .is_in("tags", ["a", "b"])
            .cieq("ownerName", "ADMIN")
            .has("tags", "x")
            .gte("progress", 10)
            .lt("progress", 90)
            .lte("progress", 80);
        let text = f.to_string();
        assert_eq!(
            text,
            "name:eq:Coffee,createdAt:gt:2024-01-01T00:00:00Z,tags:in:[a,b],ownerName:cieq:ADMIN,tags:has:x,progress:gte:10,progress:lt:90,progress:lte:80"
        );
        assert_eq!(text.parse::<Filter>().unwrap(), f);
        assert_eq!(
            "name:asc,createdAt:desc".parse::<Sort>().unwrap(),
            Sort::new().asc("name").desc("createdAt")
        );
    }

    const FIELDS: &[FieldMeta] = &[
        FieldMeta {
            name: "name",
            kind: crate::meta::ValueKind::Text,
            operators: &[Operator::Eq, Operator::In],
        },
        FieldMeta {
            name: "createdAt",
            kind: crate::meta::ValueKind::DateTime,
            operators: &[Operator::Eq, Operator::Gt],
        },
        FieldMeta {
            name: "progress",
            kind: crate::meta::ValueKind::Integer,
            operators: &[Operator::Gte],
        },
    ];

    #[test]
    fn checks_fields_operators_and_values_against_the_spec() {
        let good = Filter::new()
            .eq("name", "x")
            .is_in("name", ["a", "b"])
            .gt("createdAt", "2024-01-01T00:00:00Z")
            .gte("progress", 50);
        assert_eq!(good.check_against(FIELDS), Ok(()));
        let refused = [
            (Filter::new().eq("tags", "x"), "cannot be filtered on here"),
            (
                Filter::new().gt("name", "x"),
                "does not take the operator gt",
            ),
            (
                Filter::new().gt("createdAt", "2024-01-01"),
                "is not a date and time",
            ),
            (
                Filter::new().gte("progress", "half"),
                "is not a whole number",
            ),
        ];
        for (f, why) in refused {
            let e = f.check_against(FIELDS).unwrap_err().to_string();
            assert!(e.contains(why), "{f}: {e}");
        }
        // Unchecked terms pass the field checks, not the syntax ones.
        let f = Filter::new()
            .unchecked("tags", Operator::Has, "x")
            .eq("name", "y");
        assert_eq!(f.check_against(FIELDS), Ok(()));
        assert!(
            Filter::new()
                .unchecked("tags", Operator::Eq, "a,b")
                .check_against(FIELDS)
                .is_err()
        );
        assert!(Sort::new().asc("name").check_against(FIELDS).is_ok());
        assert!(Sort::new().asc("tags").check_against(FIELDS).is_err());
        assert!(
            Sort::new()
                .unchecked("tags", false)
                .check_against(FIELDS)
                .is_ok()
        );
        assert_eq!(
            Sort::new().unchecked("tags", false).to_string(),
            "tags:desc"
        );
    }

    #[test]
    fn refuses_what_the_syntax_cannot_hold() {
        let bad = [
            Filter::new().eq("name", "a,b"),
            Filter::new().is_in("tags", ["a]"]),
            Filter::new().is_in("tags", Vec::<String>::new()),
            Filter::new().eq("na me", "x"),
            Filter::new().eq("name", ""),
            Filter::new(),
            Filter::from("name:equals:x"),
            Filter::from("name"),
            Filter::from("tags:in:a,b"),
        ];
        for f in bad {
            assert!(f.check().is_err(), "{f:?}");
        }
        assert!(Sort::from("name:up").check().is_err());
        assert!(Sort::new().asc("a:b").check().is_err());
        assert_eq!(
            Filter::new()
                .eq("name", "a,b")
                .check()
                .unwrap_err()
                .to_string(),
            "the value \"a,b\" for name holds a comma, which separates filter terms"
        );
    }
}
