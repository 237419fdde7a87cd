//! Generates the server interface (`OUT_DIR/server.rs`) from `spec/`. A mistake in the spec fails
//! the build with `spec/FILE:LINE:COL: message`.

fn main() {
    let manifest =
        std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"))
        .join("server.rs");
    tableau_flows_codegen::build_server(manifest.join("../spec"), out);
}
