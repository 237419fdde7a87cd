//! `spec_dsl`: the spec DSL's parser and validator, through
//! [`tableau_flows_codegen::load_embedded`].
//!
//! Input: one selector byte, then the text of a `.tfspec` file (read as UTF-8; invalid bytes
//! become U+FFFD). With `n` spec files and `k = (selector & 0x3f) % (n + 1)`:
//!
//! - `k < n` loads the spec with the text in place of the `k`-th `.tfspec` file (in
//!   [`SPEC_FILES`] order), so that a mutation of a real file reaches the validator with what it
//!   refers to: with every other file when the selector's bit `0x40` is set, otherwise with the
//!   shared files only ([`SHARED`]: each group's file validates with them alone, and loading 6
//!   files instead of 19 makes the target about three times faster);
//! - `k == n` loads the text alone (as `fuzz.tfspec`).
//!
//! The example answers (`examples/*.xml`) are always there. Loading must return a spec or
//! diagnostics (whose message must format), never panic. When the selector's bit `0x80` is set, a
//! spec that loads must also export (JSON and OpenAPI that parse as JSON, Markdown) and take
//! version cuts without panicking (that costs more than loading, so only the inputs that ask for
//! it pay it); with `TABLEAU_FUZZ_GENERATE=1` it must also generate the client and the server
//! interface (slower still: off by default).

use std::sync::LazyLock;
use tableau_flows_codegen::{ir, load_embedded};

/// The spec's `.tfspec` files, in `FILES` order: the selector byte indexes this list.
pub static SPEC_FILES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    tableau_flows_spec::FILES
        .iter()
        .map(|(path, _)| *path)
        .filter(|path| path.ends_with(".tfspec") && !path.contains('/'))
        .collect()
});

/// The files every group's file needs (loaded with it when the selector's bit `0x40` is clear).
pub const SHARED: &[&str] = &[
    "api.tfspec",
    "types.tfspec",
    "errors.tfspec",
    "errata.tfspec",
    "schema.tfspec",
];

/// Selector bit: load every other file too (not only [`SHARED`]).
pub const WHOLE: u8 = 0x40;
/// Selector bit: export a spec that loads.
pub const EXPORT: u8 = 0x80;

/// The name the text is loaded under when it stands alone.
pub const ALONE: &str = "fuzz.tfspec";

/// The selector byte that puts the text in place of `file` (`None`: the text alone), with the
/// flags [`WHOLE`] and [`EXPORT`] given.
pub fn selector(file: Option<&str>, flags: u8) -> u8 {
    let n = SPEC_FILES.len();
    let i = file
        .and_then(|f| SPEC_FILES.iter().position(|p| *p == f))
        .unwrap_or(n);
    u8::try_from(i)
        .ok()
        .filter(|i| *i < 0x40)
        .expect("fewer than 64 spec files")
        | flags
}

/// The target.
pub fn run(data: &[u8]) {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(text);
    let n = SPEC_FILES.len();
    let k = usize::from(selector & 0x3f) % (n + 1);
    let (whole, export) = (selector & WHOLE != 0, selector & EXPORT != 0);
    let files: Vec<(&str, &str)> = if k < n {
        tableau_flows_spec::FILES
            .iter()
            .filter(|(path, _)| {
                whole || path.contains('/') || SHARED.contains(path) || *path == SPEC_FILES[k]
            })
            .map(|&(path, original)| {
                if path == SPEC_FILES[k] {
                    (path, text.as_ref())
                } else {
                    (path, original)
                }
            })
            .collect()
    } else {
        tableau_flows_spec::FILES
            .iter()
            .copied()
            .filter(|(path, _)| path.contains('/'))
            .chain(std::iter::once((ALONE, text.as_ref())))
            .collect()
    };
    match load_embedded(&files) {
        Err(e) => {
            let _ = e.to_string();
        }
        Ok(spec) if export => exercise(&spec),
        Ok(_) => {}
    }
}

fn generate() -> bool {
    static GENERATE: LazyLock<bool> = LazyLock::new(|| {
        std::env::var("TABLEAU_FUZZ_GENERATE").is_ok_and(|v| !v.is_empty() && v != "0")
    });
    *GENERATE
}

/// What every validated spec must survive.
pub fn exercise(spec: &ir::Spec) {
    let json = tableau_flows_codegen::export_json(spec);
    serde_json::from_str::<serde_json::Value>(&json).expect("export_json writes JSON");
    let openapi = tableau_flows_codegen::export_openapi(spec);
    serde_json::from_str::<serde_json::Value>(&openapi).expect("export_openapi writes JSON");
    let _ = tableau_flows_codegen::export_markdown(spec);
    let _ = spec.as_of(spec.api.oldest);
    let _ = spec.gained(spec.api.oldest, spec.api.newest);
    if generate() {
        let _ = tableau_flows_codegen::generate_client(spec);
        let _ = tableau_flows_codegen::generate_server(spec);
    }
}
