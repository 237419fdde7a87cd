//! `filter_sort`: the client's filter and sort expressions ([`tableau_flows::filter`]), which the
//! simulator also uses to read `filter=` and `sort=` (it parses them with [`Filter`]'s and
//! [`Sort`]'s `FromStr` and checks them against the endpoint's fields with
//! [`Expression::check_against`]; its evaluation is private and is reached through
//! `mock_request`).
//!
//! Input: one mode byte, then the rest. Modes (byte modulo 3):
//!
//! - 0: the rest is a filter expression (UTF-8, lossy);
//! - 1: the rest is a sort expression;
//! - 2: the rest is an `arbitrary` list of terms, built into a [`Filter`] and a [`Sort`] with the
//!   builder methods.
//!
//! What must hold: parsing returns the expression or an [`ExpressionError`] and never panics; an
//! expression that parses passes [`Filter::check`], prints back to a text that parses to the same
//! expression, and is checked against the fields of every endpoint's `filter`/`sort` parameter
//! without panicking. A built expression that passes `check` (the builder's promise that it can
//! be sent) prints to a text that parses back to the same terms.

use arbitrary::{Arbitrary, Unstructured};
use tableau_flows::filter::{Expression, ExpressionError, Operator};
use tableau_flows::{Filter, Sort};

/// The first byte's modes.
pub const MODE_FILTER: u8 = 0;
/// See [`MODE_FILTER`].
pub const MODE_SORT: u8 = 1;
/// See [`MODE_FILTER`].
pub const MODE_BUILT: u8 = 2;

/// The target.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        MODE_FILTER => parsed_filter(&String::from_utf8_lossy(rest)),
        MODE_SORT => parsed_sort(&String::from_utf8_lossy(rest)),
        _ => {
            if let Ok(terms) = Unstructured::new(rest).arbitrary::<Vec<BuiltTerm>>() {
                built(&terms);
            }
        }
    }
}

/// Every filter and sort parameter's fields, of every endpoint.
fn every_field_list()
-> impl Iterator<Item = (&'static str, &'static [tableau_flows::meta::FieldMeta])> {
    tableau_flows::endpoints::ALL
        .iter()
        .flat_map(|e| e.query.iter())
        .filter(|p| !p.fields.is_empty())
        .map(|p| (p.wire, p.fields))
}

fn parsed_filter(text: &str) {
    let _ = Filter::from(text).check();
    let filter = match text.parse::<Filter>() {
        Err(ExpressionError(e)) => {
            let _ = e.len();
            return;
        }
        Ok(filter) => filter,
    };
    filter.check().expect("a parsed filter passes check");
    let printed = filter.to_string();
    match printed.parse::<Filter>() {
        Ok(again) if again == filter => {}
        Ok(again) => {
            panic!("{text:?} printed as {printed:?} parses differently: {filter:?} then {again:?}")
        }
        Err(e) => panic!("{text:?} printed as {printed:?}, which does not parse: {e}"),
    }
    for (wire, fields) in every_field_list() {
        if wire == "filter" {
            let _ = filter.check_against(fields);
        }
    }
}

fn parsed_sort(text: &str) {
    let _ = Sort::from(text).check();
    let sort = match text.parse::<Sort>() {
        Err(_) => return,
        Ok(sort) => sort,
    };
    sort.check().expect("a parsed sort passes check");
    let printed = sort.to_string();
    match printed.parse::<Sort>() {
        Ok(again) => assert_eq!(
            again, sort,
            "{text:?} printed as {printed:?} parses differently"
        ),
        Err(e) => panic!("{text:?} printed as {printed:?}, which does not parse: {e}"),
    }
    for (wire, fields) in every_field_list() {
        if wire == "sort" {
            let _ = sort.check_against(fields);
        }
    }
}

/// An operator, for `arbitrary`.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Op {
    /// `eq`
    Eq,
    /// `gt`
    Gt,
    /// `gte`
    Gte,
    /// `lt`
    Lt,
    /// `lte`
    Lte,
    /// `in`
    In,
    /// `has`
    Has,
    /// `cieq`
    Cieq,
}

impl From<Op> for Operator {
    fn from(op: Op) -> Operator {
        match op {
            Op::Eq => Operator::Eq,
            Op::Gt => Operator::Gt,
            Op::Gte => Operator::Gte,
            Op::Lt => Operator::Lt,
            Op::Lte => Operator::Lte,
            Op::In => Operator::In,
            Op::Has => Operator::Has,
            Op::Cieq => Operator::Cieq,
        }
    }
}

/// One term given to the builders.
#[derive(Debug, Clone, Arbitrary)]
pub struct BuiltTerm {
    /// The field.
    pub field: String,
    /// The operator (`in` takes every value; the others the first, or an empty one).
    pub op: Op,
    /// The values.
    pub values: Vec<String>,
    /// Ascending, for the sort.
    pub ascending: bool,
    /// Built with `unchecked`.
    pub unchecked: bool,
}

fn built(terms: &[BuiltTerm]) {
    let mut filter = Filter::new();
    let mut sort = Sort::new();
    let mut any_unchecked = false;
    for t in terms {
        any_unchecked |= t.unchecked;
        let op = Operator::from(t.op);
        filter = match (op, t.unchecked) {
            (Operator::In, false) => filter.is_in(&t.field, &t.values),
            (Operator::In, true) => filter.unchecked_in(&t.field, &t.values),
            (op, false) => filter.term(&t.field, op, t.values.first().map_or("", String::as_str)),
            (op, true) => {
                filter.unchecked(&t.field, op, t.values.first().map_or("", String::as_str))
            }
        };
        sort = match (t.ascending, t.unchecked) {
            (true, false) => sort.asc(&t.field),
            (false, false) => sort.desc(&t.field),
            (asc, true) => sort.unchecked(&t.field, asc),
        };
    }
    for (wire, fields) in every_field_list() {
        if wire == "filter" {
            let _ = filter.check_against(fields);
        } else {
            let _ = sort.check_against(fields);
        }
    }
    // Parsing gives checked terms: compare the terms, not the `unchecked` marks.
    let _ = any_unchecked;
    if filter.check().is_ok() {
        let printed = filter.to_string();
        let terms = |f: &Filter| -> Vec<(String, Operator, Vec<String>)> {
            f.terms()
                .map(|(n, o, v)| (n.to_owned(), o, v.to_vec()))
                .collect()
        };
        let again = printed.parse::<Filter>();
        if again
            .as_ref()
            .is_ok_and(|again| terms(again) == terms(&filter))
        {
            // Round trip.
        } else {
            match again {
                Ok(again) => panic!(
                    "the filter {filter:?}, which passes check, prints as {printed:?}, which parses as {again:?}"
                ),
                Err(e) => panic!(
                    "the filter {filter:?}, which passes check, prints as {printed:?}, which does not parse: {e}"
                ),
            }
        }
    }
    if sort.check().is_ok() {
        let printed = sort.to_string();
        let terms = |s: &Sort| -> Vec<(String, bool)> {
            s.terms().map(|(n, a)| (n.to_owned(), a)).collect()
        };
        match printed.parse::<Sort>() {
            Ok(again) => assert_eq!(
                terms(&again),
                terms(&sort),
                "the sort {sort:?} prints as {printed:?}"
            ),
            Err(e) => panic!(
                "the sort {sort:?}, which passes check, prints as {printed:?}, which does not parse: {e}"
            ),
        }
    }
}
