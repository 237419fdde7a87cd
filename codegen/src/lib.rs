//! Parser, validator and code generator for the tableau-flows spec DSL.
//!
//! The spec (`spec/*.tfspec`, grammar in `spec/README.md`) describes every endpoint of Tableau's
//! Flow Methods and the endpoints around them. The crate works in stages, one module each:
//!
//! 1. `dsl`: parse each file with syn, keeping spans; mistakes are [`Diagnostic`]s rendered as
//!    `spec/FILE:LINE:COL: message`;
//! 2. `validate`: resolve and check everything into the validated [`ir::Spec`] ([`load`]);
//! 3. `generate`: Rust code: the shared models and the client ([`generate_client`], used by
//!    `client/build.rs` through [`build`]), and the server interface the simulator implements
//!    ([`generate_server`], used by `mock/build.rs` through [`build_server`]);
//! 4. `export`: the spec for other languages: JSON ([`export_json`]), OpenAPI 3.1
//!    ([`export_openapi`]) and Markdown ([`export_markdown`]);
//!
//! and [`check_doc`] compares the spec with a reference page (`flowspec check-doc`),
//! [`check_xsd`] with the official XML schema (`flowspec check-xsd`).
//!
//! ```no_run
//! // In a build script:
//! tableau_flows_codegen::build("../spec", std::env::var("OUT_DIR").unwrap() + "/generated.rs");
//! ```

#![warn(missing_docs)]

mod check;
mod dsl;
mod export;
mod generate;
pub mod ir;
mod validate;
pub mod versions;

use std::path::{Path, PathBuf};

pub use check::{doc as check_doc, docpage, xsd as check_xsd};
pub use dsl::diag::{self, Diagnostic, Diagnostics, Error, Loc};
pub use export::json::export_json;
pub use export::markdown::export_markdown;
pub use export::openapi::export_openapi;
pub use generate::client::generate_client;
pub use generate::server::generate_server;

/// The file extension of spec files.
pub const SPEC_EXTENSION: &str = "tfspec";

/// Reads and validates every `*.tfspec` file in `dir` (sorted by name). File names in diagnostics
/// are shown as `<dir name>/<file>`, e.g. `spec/flows.tfspec`.
pub fn load(dir: impl AsRef<Path>) -> Result<ir::Spec, Error> {
    let dir = dir.as_ref();
    let shown = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "spec".to_owned());
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == SPEC_EXTENSION))
        .collect();
    paths.sort();
    let mut sources = Vec::new();
    for p in &paths {
        let text = std::fs::read_to_string(p).map_err(|source| Error::Io {
            path: p.display().to_string(),
            source,
        })?;
        let name = format!(
            "{shown}/{}",
            p.file_name().unwrap_or_default().to_string_lossy()
        );
        sources.push((name, text));
    }
    load_sources(&sources, dir)
}

/// Validates spec sources given as `(shown file name, text)` pairs; examples are read relative to
/// `spec_dir`. Used by [`load`] and by tests that feed deliberately broken specs.
pub fn load_sources(sources: &[(String, String)], spec_dir: &Path) -> Result<ir::Spec, Error> {
    let mut diags = Diagnostics::default();
    let mut parsed = Vec::new();
    for (name, text) in sources {
        match syn::parse_str::<dsl::ast::File>(text) {
            Ok(file) => parsed.push(validate::ParsedFile {
                name: name.clone(),
                file,
            }),
            Err(err) => {
                for e in err {
                    let loc = Loc::from_span(name, e.span());
                    diags.push(&loc, e.to_string());
                }
            }
        }
    }
    if !diags.is_empty() {
        diags.sort();
        return Err(Error::Spec(diags));
    }
    validate::validate(&parsed, spec_dir).map_err(Error::Spec)
}

/// For build scripts: loads the spec in `spec_dir`, generates the server interface into
/// `out_file`, and tells Cargo to rerun when the spec changes; exits 1 on a mistake in the spec.
pub fn build_server(spec_dir: impl AsRef<Path>, out_file: impl AsRef<Path>) {
    build_with(spec_dir.as_ref(), out_file.as_ref(), generate_server);
}

/// For build scripts: loads the spec in `spec_dir`, generates the client into `out_file`, and
/// tells Cargo to rerun only when the spec changes. On a mistake it prints every diagnostic as
/// `spec/FILE:LINE:COL: message` and exits the build script with status 1.
pub fn build(spec_dir: impl AsRef<Path>, out_file: impl AsRef<Path>) {
    build_with(spec_dir.as_ref(), out_file.as_ref(), generate_client);
}

fn build_with(spec_dir: &Path, out_file: &Path, generate: fn(&ir::Spec) -> String) {
    println!("cargo:rerun-if-changed={}", spec_dir.display());
    if let Ok(entries) = std::fs::read_dir(spec_dir) {
        for e in entries.flatten() {
            println!("cargo:rerun-if-changed={}", e.path().display());
        }
    }
    if let Ok(entries) = std::fs::read_dir(spec_dir.join("examples")) {
        for e in entries.flatten() {
            println!("cargo:rerun-if-changed={}", e.path().display());
        }
    }
    let spec = match load(spec_dir) {
        Ok(spec) => spec,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    };
    let code = generate(&spec);
    if let Err(err) = std::fs::write(out_file, code) {
        eprintln!("{}: {err}", out_file.display());
        std::process::exit(1);
    }
}
