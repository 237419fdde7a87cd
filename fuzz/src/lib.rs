//! The logic of the tableau-flows fuzz targets, one function per target, so that the libFuzzer
//! binaries (`fuzz_targets/*.rs`, built by `cargo +nightly fuzz`) and the stable replay test
//! (`tests/replay.rs`, which runs every file of `corpus/<target>/` and the generated seeds through
//! the same function) check exactly the same properties.
//!
//! | target | input | what must hold |
//! | --- | --- | --- |
//! | [`decode_response`] | selector byte + XML | every response decoder of [`tableau_flows::AnyResponse`] returns `Ok` or `Err`, never panics; what it decodes encodes again into well-formed XML that decodes to what encodes the same, or is refused for a character XML 1.0 cannot hold |
//! | [`decode_response_json`] | selector byte + JSON | every response decoder's JSON side, [`tableau_flows::AnyResponse::decode_json`], returns `Ok` or `Err`, never panics; what it decodes encodes again (`encode_json`) into JSON that decodes to what encodes the same |
//! | [`roundtrip_models`] | `arbitrary` | request and response models built from arbitrary values encode into well-formed XML that decodes to exactly the model (requests also strictly), or are refused with `EncodeError::NotXmlChar` when they hold a character XML 1.0 cannot hold |
//! | [`spec_dsl`] | selector byte + `.tfspec` text | loading the spec with the text in place of one of its files (or alone) returns a spec or diagnostics, never panics; a spec that loads also exports (selector bit `0x80`) and generates (`TABLEAU_FUZZ_GENERATE=1`) |
//! | [`doc_page`] | doc-page text | the reference-page parser returns a page or an error; a page that parses is compared with the spec and drafted |
//! | [`filter_sort`] | mode byte + expression | filter and sort expressions parse or are refused; what parses prints back to itself; checking against every endpoint's fields never panics; built expressions that pass `check` print to what parses back |
//! | [`base_url`] | URL text | the client accepts plain http only where the `url` crate also reads a loopback host and no user information (in the input and in the client's base URL); a refusal never shows a password |
//! | [`mock_request`] | raw HTTP request(s) | the simulator answers every request without panicking, with a valid status (a success the endpoint's documented one), visible-ASCII headers, and a well-formed XML body that the client decodes |
//!
//! Set `TABLEAU_FUZZ_STRICT=1` to make the known, reported issues tolerated in [`known`] fail as
//! well (to check whether they are fixed).

#![forbid(unsafe_code)]

/// A response model from a value (its constructor) and the fields to set on it: the client's
/// response models are `#[non_exhaustive]`, so no struct literal builds one outside the client.
macro_rules! model {
    ($value:expr $(, $field:ident = $set:expr)* $(,)?) => {{
        let mut model = $value;
        $(model.$field = $set;)*
        model
    }};
}

pub mod base_url;
pub mod decode;
pub mod decode_json;
pub mod docpage;
pub mod filter;
pub mod known;
pub mod mock;
pub mod roundtrip;
pub mod seeds;
pub mod spec;

/// `decode_response`: a response document decoded as the answer of one endpoint (the first byte
/// selects it among [`decode::ENDPOINT_IDS`]); see [`decode`].
pub fn decode_response(data: &[u8]) {
    decode::run(data);
}

/// `decode_response_json`: a JSON response document decoded as the answer of one endpoint (the
/// first byte selects it, as for [`decode_response`]); see [`decode_json`].
pub fn decode_response_json(data: &[u8]) {
    decode_json::run(data);
}

/// `roundtrip_models`: request and response models built from `arbitrary` input, encoded and
/// decoded: exact round trip, or refused for a character XML 1.0 cannot hold; see [`roundtrip`].
pub fn roundtrip_models(data: &[u8]) {
    roundtrip::run(data);
}

/// `spec_dsl`: the spec loaded with the input (UTF-8 `.tfspec` text) in place of one of its files
/// (the first byte selects which, or none: the text alone); see [`spec`].
pub fn spec_dsl(data: &[u8]) {
    spec::run(data);
}

/// `doc_page`: the input read as a Flow Methods reference page, and compared with the spec; see
/// [`docpage`].
pub fn doc_page(data: &[u8]) {
    docpage::run(data);
}

/// `filter_sort`: filter and sort expressions; see [`filter`].
pub fn filter_sort(data: &[u8]) {
    filter::run(data);
}

/// `mock_request`: raw HTTP requests answered by the simulator in process; see [`mock`].
pub fn mock_request(data: &[u8]) {
    mock::run(data);
}

/// `base_url`: the client's base-URL check against the `url` crate's reading of the same text;
/// see [`base_url`].
pub fn base_url(data: &[u8]) {
    base_url::run(data);
}

/// A target's function: any bytes in, a panic for a failure.
pub type Target = fn(&[u8]);

/// Every target: its name (the `fuzz_targets/<name>.rs` binary and the `corpus/<name>/` folder)
/// and its function.
pub const TARGETS: &[(&str, Target)] = &[
    ("decode_response", decode_response),
    ("decode_response_json", decode_response_json),
    ("roundtrip_models", roundtrip_models),
    ("spec_dsl", spec_dsl),
    ("doc_page", doc_page),
    ("filter_sort", filter_sort),
    ("mock_request", mock_request),
    ("base_url", base_url),
];

/// Whether `c` is a character an XML 1.0 document cannot hold, raw or as a character reference
/// (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE, U+FFFF; lone surrogates cannot be in a
/// Rust string).
pub fn xml_forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// The first character of `s` that XML 1.0 cannot hold.
pub fn first_xml_forbidden(s: &str) -> Option<char> {
    s.chars().find(|&c| xml_forbidden(c))
}

/// For the target binaries on a stable toolchain (no libFuzzer): runs every file named on the
/// command line (or every file of the folders named) through `target`, printing each name first,
/// so a crash found by `cargo fuzz` reproduces with `cargo run --bin <target> -- <file>`.
pub fn replay_main(target: Target) {
    let mut count = 0usize;
    for arg in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(arg);
        let files: Vec<std::path::PathBuf> = if path.is_dir() {
            let mut v: Vec<_> = std::fs::read_dir(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            v.sort();
            v
        } else {
            vec![path]
        };
        for file in files {
            let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            eprintln!("{}", file.display());
            target(&bytes);
            count += 1;
        }
    }
    eprintln!("{count} inputs ran without a failure");
}

/// The characters XML 1.0 cannot hold found in a `Debug` rendering of a model (where strings
/// show them escaped: `\u{1}`, `\0`), in order of appearance. An escape counts only after an
/// odd number of backslashes (`\\u{1}` is a backslash followed by `u{1}`).
pub fn debug_forbidden_chars(debug: &str) -> Vec<char> {
    let bytes = debug.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i] == b'\\' {
            i += 1;
        }
        if (i - start) % 2 == 0 {
            continue;
        }
        let rest = &debug[i..];
        let c = if rest.starts_with('0') {
            Some('\0')
        } else if let Some(hex) = rest.strip_prefix("u{").and_then(|r| r.split_once('}')) {
            u32::from_str_radix(hex.0, 16).ok().and_then(char::from_u32)
        } else {
            None
        };
        if let Some(c) = c.filter(|&c| xml_forbidden(c)) {
            out.push(c);
        }
    }
    out
}

/// What a refused encoding must be: a character XML 1.0 cannot hold, which the model holds
/// (`held`, from [`debug_forbidden_chars`] of its `Debug` text `debug`), in a named field.
pub fn check_refusal(e: &tableau_flows::EncodeError, held: &[char], debug: &str) {
    let message = e.to_string();
    match e {
        tableau_flows::EncodeError::NotXmlChar { field, character } => {
            assert!(
                xml_forbidden(*character) && !tableau_flows::is_xml_char(*character),
                "refused {character:?}, which XML 1.0 can hold: {message}"
            );
            assert!(!field.is_empty(), "the refusal names no field: {message}");
            assert!(
                held.contains(character),
                "refused {character:?}, which the model does not hold ({held:?}): {message}\n{debug}"
            );
        }
        other => panic!("an encoding refused for another reason than a character: {other:?}"),
    }
}

/// An encoded document must hold only characters XML 1.0 can hold and be well-formed and
/// namespace-well-formed (roxmltree), with every `&#N;` giving back a character XML can hold.
pub fn check_well_formed(xml: &str) {
    if let Some(c) = first_xml_forbidden(xml) {
        panic!("the document holds {c:?}, which XML 1.0 cannot hold:\n{xml}");
    }
    if let Err(e) = roxmltree::Document::parse(xml) {
        panic!("the document is not well-formed XML ({e}):\n{xml}");
    }
}
