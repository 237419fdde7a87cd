//! Embeds the spec's files (`*.tfspec` and `examples/*`) into the crate: `OUT_DIR/files.rs` is a
//! table of `(relative path, include_str!(...))`, sorted by path, so the spec travels inside the
//! package (and inside `flowspec`) wherever it is built or installed.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir =
        std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    collect(&dir, "", |name| name.ends_with(".tfspec"), &mut files);
    collect(
        &dir.join("examples"),
        "examples/",
        |name| name.ends_with(".xml"),
        &mut files,
    );
    files.sort();
    let mut out = String::from("&[\n");
    for (name, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("]\n");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed={}", dir.join("examples").display());
    let target = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"))
        .join("files.rs");
    std::fs::write(&target, out).expect("OUT_DIR is writable");
}

fn collect(
    dir: &Path,
    prefix: &str,
    keep: impl Fn(&str) -> bool,
    out: &mut Vec<(String, std::path::PathBuf)>,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_file() && keep(&name) {
            out.push((format!("{prefix}{name}"), entry.path()));
        }
    }
}
