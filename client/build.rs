//! Generates the client from the spec (the `tableau-flows-spec` crate) into
//! `OUT_DIR/generated.rs`. A mistake in the spec fails the build with `spec/FILE:LINE:COL: message`.

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"))
        .join("generated.rs");
    tableau_flows_codegen::build(tableau_flows_spec::FILES, out);
}
