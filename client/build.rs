//! Generates the client from `spec/` into `OUT_DIR/generated.rs`. A mistake in the spec fails the
//! build with `spec/FILE:LINE:COL: message`.

fn main() {
    let manifest =
        std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"))
        .join("generated.rs");
    tableau_flows_codegen::build(manifest.join("../spec"), out);
}
