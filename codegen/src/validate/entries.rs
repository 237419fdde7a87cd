//! The `key: value` entries of `api { }` and `endpoint { }` blocks.

use super::*;

/// Key/value entries with duplicate, missing and unknown-key checks.
pub(super) struct Entries<'a> {
    map: HashMap<String, &'a Entry>,
}

impl<'a> Entries<'a> {
    pub(super) fn new(cx: &mut Cx, entries: &'a [Entry], what: &str) -> Self {
        let mut map: HashMap<String, &Entry> = HashMap::new();
        for e in entries {
            let k = e.key.to_string();
            if let Some(first) = map.get(&k) {
                let first = cx.loc(first.key.span());
                cx.err(
                    e.key.span(),
                    format!("duplicate `{k}` in {what} (first at {first})"),
                );
                continue;
            }
            map.insert(k, e);
        }
        Entries { map }
    }

    pub(super) fn take(&mut self, key: &str) -> Option<&'a Entry> {
        self.map.remove(key)
    }

    pub(super) fn string(&mut self, cx: &mut Cx, key: &str) -> Option<String> {
        self.str_mods(cx, key, &[]).map(|(s, _)| s)
    }

    pub(super) fn str_mods(
        &mut self,
        cx: &mut Cx,
        key: &str,
        allowed: &[&str],
    ) -> Option<(String, &'a Modifiers)> {
        let e = self.take(key)?;
        match &e.value {
            Value::Str(s, m) => {
                check_mods(cx, m, allowed, &format!("`{key}`"));
                Some((s.value(), m))
            }
            _ => {
                cx.err(e.key.span(), format!("`{key}` takes a string"));
                None
            }
        }
    }

    pub(super) fn version(&mut self, cx: &mut Cx, key: &str) -> Option<Version> {
        let e = self.take(key)?;
        match &e.value {
            Value::Version(v) => version(cx, v),
            _ => {
                cx.err(
                    e.key.span(),
                    format!("`{key}` takes a version such as `3.24`"),
                );
                None
            }
        }
    }

    pub(super) fn ident(&mut self, cx: &mut Cx, key: &str) -> Option<syn::Ident> {
        let e = self.take(key)?;
        match &e.value {
            Value::Ident(i) => Some(i.clone()),
            _ => {
                cx.err(e.key.span(), format!("`{key}` takes a name"));
                None
            }
        }
    }

    pub(super) fn finish(self, cx: &mut Cx, span: Span, what: &str, required: &[&str]) {
        let mut left: Vec<_> = self.map.into_values().collect();
        left.sort_by_key(|e| e.key.span().start());
        for e in left {
            cx.err(e.key.span(), format!("unknown key `{}` in {what}", e.key));
        }
        let _ = (span, required);
    }
}

pub(super) fn missing(cx: &mut Cx, span: Span, what: &str, key: &str) {
    cx.err(span, format!("{what} is missing `{key}`"));
}
