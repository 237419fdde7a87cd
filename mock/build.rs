//! Generates the server interface (`OUT_DIR/server.rs`) from the spec (the `tableau-flows-spec`
//! crate). A mistake in the spec fails the build with `spec/FILE:LINE:COL: message`.

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"))
        .join("server.rs");
    tableau_flows_codegen::build_server(tableau_flows_spec::FILES, out);
}
