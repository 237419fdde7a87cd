//! The text of an id, kept without an allocation when it is short.
//!
//! Every element of a page carries ids (a flow, its project and owner, each parameter): as
//! `String`s they were a fifth of a page's allocations. Ids are LUIDs, 36 bytes, so an id up to
//! [`INLINE`] bytes is kept inline and a longer one (servers and examples use ids that are not
//! UUIDs) on the heap. The generated id types (`FlowId`, …) wrap it; nothing of it is public.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// The longest id kept inline (a LUID is 36 bytes).
const INLINE: usize = 38;

/// An immutable string, inline up to [`INLINE`] bytes.
#[derive(Clone)]
pub(crate) struct IdText(Repr);

#[derive(Clone)]
enum Repr {
    /// The first `len` bytes of `bytes` are the text (valid UTF-8, copied from a `&str`).
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Heap(Box<str>),
}

impl IdText {
    /// The text `text`, copied.
    pub(crate) fn from_str(text: &str) -> Self {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                IdText(Repr::Inline { len, bytes })
            }
            _ => IdText(Repr::Heap(text.into())),
        }
    }

    /// The text `text`, kept in its own allocation when it is too long to be inline.
    pub(crate) fn from_string(text: String) -> Self {
        if text.len() <= INLINE {
            Self::from_str(&text)
        } else {
            IdText(Repr::Heap(text.into_boxed_str()))
        }
    }

    /// The text `text`, borrowed or owned.
    pub(crate) fn from_cow(text: std::borrow::Cow<'_, str>) -> Self {
        match text {
            std::borrow::Cow::Borrowed(text) => Self::from_str(text),
            std::borrow::Cow::Owned(text) => Self::from_string(text),
        }
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        match &self.0 {
            // Cannot fail: the bytes were copied from a `&str` whole.
            Repr::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            Repr::Heap(text) => text,
        }
    }

    /// The text as a `String`.
    pub(crate) fn into_string(self) -> String {
        match self.0 {
            Repr::Heap(text) => text.into_string(),
            Repr::Inline { .. } => self.as_str().to_owned(),
        }
    }
}

impl Default for IdText {
    fn default() -> Self {
        IdText::from_str("")
    }
}

impl PartialEq for IdText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for IdText {}

impl PartialOrd for IdText {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for IdText {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for IdText {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for IdText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for IdText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash_of(value: &impl Hash) -> u64 {
        let mut h = DefaultHasher::new();
        value.hash(&mut h);
        h.finish()
    }

    #[test]
    fn short_and_long_ids_keep_their_text() {
        let luid = "d00700fe-28a0-4ece-a7af-000000000001";
        let long = "x".repeat(INLINE + 1);
        let edge = "é".repeat(INLINE / 2); // exactly INLINE bytes, not ASCII
        for text in ["", "f-1", luid, long.as_str(), edge.as_str()] {
            let a = IdText::from_str(text);
            let b = IdText::from_string(text.to_owned());
            assert_eq!(a.as_str(), text);
            assert_eq!(b.as_str(), text);
            assert_eq!(a, b);
            assert_eq!(hash_of(&a), hash_of(&text), "hashes as the text does");
            assert_eq!(format!("{a:?}"), format!("{text:?}"));
            assert_eq!(a.clone().into_string(), text);
        }
        assert!(matches!(IdText::from_str(luid).0, Repr::Inline { .. }));
        assert!(matches!(IdText::from_str(&long).0, Repr::Heap(_)));
    }

    #[test]
    fn ids_order_as_their_text() {
        let mut ids: Vec<IdText> = ["b", "a", &"c".repeat(50), "ab"]
            .into_iter()
            .map(IdText::from_str)
            .collect();
        ids.sort();
        let texts: Vec<&str> = ids.iter().map(IdText::as_str).collect();
        assert_eq!(texts, ["a", "ab", "b", &"c".repeat(50)]);
        assert_eq!(IdText::default().as_str(), "");
    }
}
