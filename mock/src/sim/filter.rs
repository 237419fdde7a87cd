//! Evaluating filter and sort expressions. The generated interface has checked every field,
//! operator and value against the spec (Tableau's Filtering and Sorting reference, deviation
//! S14); here each field gives its value and every operator is implemented.

use std::cmp::Ordering;
use tableau_flows::filter::{Operator, Sort};
use tableau_flows::{DateTime, Filter};

/// A field's value on one item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Value {
    /// Absent (a run not finished has no completedAt): matches nothing.
    None,
    Text(String),
    Int(i64),
    /// Whole seconds since the epoch, as answers write them.
    Date(i64),
}

impl Value {
    pub fn date(t: DateTime) -> Value {
        Value::Date(t.unix_timestamp())
    }

    fn compare(&self, wanted: &str) -> Option<Ordering> {
        match self {
            Value::None => None,
            Value::Text(v) => Some(v.as_str().cmp(wanted)),
            Value::Int(v) => wanted.parse::<i64>().ok().map(|w| v.cmp(&w)),
            Value::Date(v) => wanted
                .parse::<DateTime>()
                .ok()
                .map(|w| v.cmp(&w.unix_timestamp())),
        }
    }

    fn matches(&self, op: Operator, wanted: &[String]) -> bool {
        let first = wanted.first().map(String::as_str).unwrap_or_default();
        let ord = || self.compare(first);
        match op {
            Operator::Eq => ord() == Some(Ordering::Equal),
            // `has`: the text contains the value (Query Jobs' title, subtitle, notes and args).
            Operator::Has => match self {
                Value::Text(v) => v.contains(first),
                _ => ord() == Some(Ordering::Equal),
            },
            Operator::Cieq => match self {
                Value::Text(v) => v.eq_ignore_ascii_case(first),
                _ => ord() == Some(Ordering::Equal),
            },
            Operator::In => wanted
                .iter()
                .any(|w| self.compare(w) == Some(Ordering::Equal)),
            Operator::Gt => ord() == Some(Ordering::Greater),
            Operator::Gte => matches!(ord(), Some(Ordering::Greater | Ordering::Equal)),
            Operator::Lt => ord() == Some(Ordering::Less),
            Operator::Lte => matches!(ord(), Some(Ordering::Less | Ordering::Equal)),
        }
    }
}

/// Whether an item passes every term of the filter; `field` gives the item's value of a field.
pub(crate) fn passes(filter: Option<&Filter>, field: impl Fn(&str) -> Value) -> bool {
    filter.is_none_or(|f| {
        f.terms()
            .all(|(name, op, wanted)| field(name).matches(op, wanted))
    })
}

/// Orders items by the sort's terms, most significant first; text compares without case.
pub(crate) fn order<T>(items: &mut [T], sort: Option<&Sort>, field: impl Fn(&T, &str) -> Value) {
    let Some(sort) = sort else { return };
    let key = |v: Value| match v {
        Value::Text(t) => Value::Text(t.to_lowercase()),
        other => other,
    };
    items.sort_by(|a, b| {
        for (name, ascending) in sort.terms() {
            let o = key(field(a, name)).cmp(&key(field(b, name)));
            let o = if ascending { o } else { o.reverse() };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}
