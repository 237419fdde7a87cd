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
//!    ([`export_openapi`]), Markdown ([`export_markdown`]) and MCP tools ([`export_mcp_tools`],
//!    [`export_mcp_markdown`]);
//!
//! and [`check_doc`] compares the spec with a reference page (`flowspec check-doc`),
//! [`check_xsd`] with the official XML schema (`flowspec check-xsd`).
//!
//! ```no_run
//! // In a build script (with `tableau-flows-spec` as a build dependency):
//! tableau_flows_codegen::build(
//!     tableau_flows_spec::FILES,
//!     std::env::var("OUT_DIR").unwrap() + "/generated.rs",
//! );
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
pub use export::mcp::{export_mcp_markdown, export_mcp_tools};
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
    let read = |path: &str| std::fs::read_to_string(spec_dir.join(path)).map_err(|e| e.to_string());
    load_with(sources, &read)
}

/// Validates a spec given as files: `(path, text)` pairs such as `tableau_flows_spec::FILES`,
/// the `*.tfspec` sources (shown in diagnostics as `spec/<path>`) and the files they refer to
/// (`examples/query_flow.xml`).
pub fn load_embedded(files: &[(&str, &str)]) -> Result<ir::Spec, Error> {
    let sources: Vec<(String, String)> = files
        .iter()
        .filter(|(path, _)| path.ends_with(&format!(".{SPEC_EXTENSION}")) && !path.contains('/'))
        .map(|(path, text)| (format!("spec/{path}"), (*text).to_owned()))
        .collect();
    let read = |path: &str| {
        files
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, text)| (*text).to_owned())
            .ok_or_else(|| "not among the spec's files".to_owned())
    };
    load_with(&sources, &read)
}

fn load_with(
    sources: &[(String, String)],
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Result<ir::Spec, Error> {
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
    validate::validate(&parsed, read).map_err(Error::Spec)
}

/// For build scripts: validates the spec given as files (`tableau_flows_spec::FILES`) and
/// generates the client into `out_file`. On a mistake it prints every diagnostic as
/// `spec/FILE:LINE:COL: message` and exits the build script with status 1. Cargo reruns the build
/// script when the spec crate changes.
pub fn build(files: &[(&str, &str)], out_file: impl AsRef<Path>) {
    build_with(files, out_file.as_ref(), generate_client);
}

/// For build scripts: as [`build`], for the server interface a simulator implements.
pub fn build_server(files: &[(&str, &str)], out_file: impl AsRef<Path>) {
    build_with(files, out_file.as_ref(), generate_server);
}

fn build_with(files: &[(&str, &str)], out_file: &Path, generate: fn(&ir::Spec) -> String) {
    let spec = match load_embedded(files) {
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

/// The crate README's example, compiled as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
