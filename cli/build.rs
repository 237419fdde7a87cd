//! Writes the MCP tool table of `tabflow mcp` (one tool per endpoint of the spec, from
//! `tableau_flows_codegen::export_mcp_tools`) into `OUT_DIR/mcp-tools.json`; the server reads it
//! as data. A mistake in the spec fails the build with `spec/FILE:LINE:COL: message`.

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"))
        .join("mcp-tools.json");
    let spec = match tableau_flows_codegen::load_embedded(tableau_flows_spec::FILES) {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let table = tableau_flows_codegen::export_mcp_tools(&spec);
    if let Err(e) = std::fs::write(&out, table) {
        eprintln!("cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}
