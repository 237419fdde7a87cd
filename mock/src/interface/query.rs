//! The query string of a request.

use std::borrow::Cow;

/// A parsed query string: `key=value` pairs, percent-decoded (`+` is a space).
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

fn decode(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '+']) {
        return Cow::Borrowed(s);
    }
    let spaced = s.replace('+', " ");
    Cow::Owned(
        percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

impl<'a> Query<'a> {
    /// Parses `a=1&b=2` (without `?`).
    pub fn parse(raw: &'a str) -> Query<'a> {
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        Query { pairs }
    }

    /// The value of the first `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_pairs() {
        let q = Query::parse("filter=name%3Aeq%3AA+B&pageSize=5&flag&pageSize=9");
        assert_eq!(q.get("filter"), Some("name:eq:A B"));
        assert_eq!(q.get("pageSize"), Some("5"));
        assert_eq!(q.get("flag"), Some(""));
        assert_eq!(q.get("nothing"), None);
    }
}
