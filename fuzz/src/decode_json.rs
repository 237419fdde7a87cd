//! `decode_response_json`: every response decoder's JSON side, through
//! [`AnyResponse::decode_json`].
//!
//! Input: one selector byte (the endpoint, as [`crate::decode`] picks it), then the JSON
//! document. The decoder must return `Ok` or a [`DecodeError`](tableau_flows::DecodeError) (whose
//! message must format), never panic. What decodes encodes again
//! ([`AnyResponse::encode_json`]) into JSON that decodes, as the same endpoint's answer, to what
//! encodes the same: the second encoding equals the first. (The first decoding may differ from
//! the second where the writer normalises on purpose, e.g. a fraction of a second dropped,
//! KNOWN-DEVIATIONS S18; the second round is exact.)

use tableau_flows::AnyResponse;

/// The target.
pub fn run(data: &[u8]) {
    let Some((&selector, json)) = data.split_first() else {
        return;
    };
    let ids = &*crate::decode::ENDPOINT_IDS;
    let id = ids[usize::from(selector) % ids.len()];
    let decoded = AnyResponse::decode_json(id, json).expect("every listed id answers a document");
    let answer = match decoded {
        Err(e) => {
            let _ = e.to_string();
            let _ = format!("{e:?}");
            return;
        }
        Ok(answer) => answer,
    };
    let first = answer.encode_json();
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&first) {
        panic!("{id}: the encoding is not JSON: {e}\n{first}");
    }
    let again = match AnyResponse::decode_json(id, first.as_bytes()).expect("listed id") {
        Ok(again) => again,
        Err(e) => panic!("{id}: the re-encoded answer does not decode: {e}\n{first}"),
    };
    let second = again.encode_json();
    assert!(
        first == second,
        "{id}: decoding the re-encoded answer lost something\nfirst:  {first}\nsecond: {second}\ndecoded: {answer:?}\nagain:   {again:?}"
    );
}
