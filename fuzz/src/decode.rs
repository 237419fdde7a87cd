//! `decode_response`: every response decoder, through [`AnyResponse::decode`].
//!
//! Input: one selector byte, then the document. The byte picks the endpoint (modulo the number of
//! endpoints that answer with XML, in [`ENDPOINT_IDS`] order, the spec's order). The decoder must
//! return `Ok` or a [`DecodeError`](tableau_flows::DecodeError) (whose message must format), never
//! panic. What decodes must encode again ([`AnyResponse::encode_response`]: "nothing decoded is
//! lost") into a document that decodes, as the same endpoint's answer, to what encodes the same:
//! the second encoding equals the first. (The first decoding may differ from the second where the
//! writer normalises on purpose, e.g. a fraction of a second dropped, KNOWN-DEVIATIONS S18; the
//! second round is exact.)

use std::sync::LazyLock;
use tableau_flows::AnyResponse;

/// The ids of the endpoints whose answer is an XML document, in the spec's order: the selector
/// byte indexes this list (modulo its length).
pub static ENDPOINT_IDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    tableau_flows::endpoints::ALL
        .iter()
        .map(|e| e.id)
        .filter(|id| AnyResponse::decode(id, b"").is_some())
        .collect()
});

/// The selector byte of an endpoint id (for seeds).
pub fn selector(id: &str) -> Option<u8> {
    ENDPOINT_IDS
        .iter()
        .position(|e| *e == id)
        .and_then(|i| u8::try_from(i).ok())
}

/// The target.
pub fn run(data: &[u8]) {
    let Some((&selector, xml)) = data.split_first() else {
        return;
    };
    let ids = &*ENDPOINT_IDS;
    let id = ids[usize::from(selector) % ids.len()];
    let decoded = AnyResponse::decode(id, xml).expect("every listed id answers with XML");
    match decoded {
        Err(e) => {
            let _ = e.to_string();
            let _ = format!("{e:?}");
        }
        Ok(answer) => check_reencoding(id, &answer, xml),
    }
}

/// Encode, decode, encode: the two encodings are equal, or the encoding is refused because the
/// decoded answer holds a character XML 1.0 cannot hold (the tolerant decoder reads `&#1;`).
fn check_reencoding(id: &str, answer: &AnyResponse, input: &[u8]) {
    let debug = format!("{answer:?}");
    let held = crate::debug_forbidden_chars(&debug);
    let first = match answer.encode_response() {
        Ok(first) => first,
        Err(e) => {
            // A secret's `Debug` is redacted: what it may hold is what the input holds, raw or
            // as a character reference.
            let mut could_hold = held.clone();
            could_hold.extend(input_forbidden_chars(input));
            crate::check_refusal(&e, &could_hold, &debug);
            return;
        }
    };
    assert!(
        held.is_empty(),
        "{id}: the answer holds {held:?}, which XML 1.0 cannot hold, yet it encodes:\n{first}"
    );
    crate::check_well_formed(&first);
    let again = match AnyResponse::decode(id, first.as_bytes()).expect("listed id") {
        Ok(again) => again,
        Err(e) => panic!("{id}: the re-encoded answer does not decode: {e}\n{first}"),
    };
    let second = again
        .encode_response()
        .unwrap_or_else(|e| panic!("{id}: the decoded re-encoding does not encode: {e}\n{first}"));
    assert!(
        first == second,
        "{id}: decoding the re-encoded answer lost something\nfirst:  {first}\nsecond: {second}\ndecoded: {answer:?}\nagain:   {again:?}"
    );
}

/// The characters XML 1.0 cannot hold that a document holds, raw or as `&#N;`/`&#xN;`.
pub fn input_forbidden_chars(input: &[u8]) -> Vec<char> {
    let text = String::from_utf8_lossy(input);
    let mut out: Vec<char> = text.chars().filter(|&c| crate::xml_forbidden(c)).collect();
    for reference in text.split("&#").skip(1) {
        let Some((number, _)) = reference.split_once(';') else {
            continue;
        };
        let code = match number.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => number.parse(),
        };
        if let Some(c) = code
            .ok()
            .and_then(char::from_u32)
            .filter(|&c| crate::xml_forbidden(c))
        {
            out.push(c);
        }
    }
    out
}
