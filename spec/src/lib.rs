//! The tableau-flows spec: every endpoint of Tableau's REST API "Flow Methods" (API 3.6 and 3.24
//! editions) and the endpoints a client needs around them, in the tableau-flows DSL (grammar in
//! this crate's `README.md`), with the reference pages' example answers.
//!
//! This crate only carries the files; `tableau-flows-codegen` reads them (`load_embedded`),
//! validates them and generates the client (`tableau-flows`) and the simulator's server interface
//! (`tableau-flows-mock`) from them, and exports them for other languages (`flowspec export`).
//!
//! ```
//! let flows = tableau_flows_spec::FILES
//!     .iter()
//!     .find(|(path, _)| *path == "flows.tfspec")
//!     .expect("the flows group");
//! assert!(flows.1.contains("endpoint query_flows_for_site"));
//! ```

#![warn(missing_docs)]

/// Every file of the spec as `(path, text)`, sorted by path: the `*.tfspec` sources (`api.tfspec`,
/// `flows.tfspec`, ...) and the example answers they refer to (`examples/query_flow.xml`, ...).
pub const FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/files.rs"));

/// The text of a file of the spec by its path (`"flows.tfspec"`, `"examples/query_flow.xml"`).
pub fn file(path: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_file_is_embedded() {
        let dir = env!("CARGO_MANIFEST_DIR");
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tfspec") {
                assert_eq!(
                    super::file(&name),
                    Some(std::fs::read_to_string(entry.path()).unwrap().as_str())
                );
            }
        }
        assert!(super::file("examples/query_flow.xml").is_some());
        assert!(super::FILES.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
    }
}
