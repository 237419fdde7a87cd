//! `doc_page`: the reference-page parser ([`tableau_flows_codegen::docpage::parse`]) and the
//! comparison of a page with the spec ([`tableau_flows_codegen::check_doc`]).
//!
//! Input: the text of a page (as UTF-8; invalid bytes become U+FFFD). Parsing must return a page
//! or an error (whose message must format), never panic; a page that parses is compared with the
//! spec (`check-doc`) and drafted (`draft`), which must not panic either.

use std::sync::LazyLock;
use tableau_flows_codegen::{check_doc, docpage, ir};

/// The real spec, loaded once.
pub static SPEC: LazyLock<ir::Spec> = LazyLock::new(|| {
    tableau_flows_codegen::load_embedded(tableau_flows_spec::FILES).expect("the spec loads")
});

/// The target.
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match docpage::parse(&text) {
        Err(e) => {
            let _ = e.to_string();
        }
        Ok(page) => {
            for difference in check_doc::check(&SPEC, &page) {
                let _ = difference.to_string();
            }
            let _ = check_doc::draft(&SPEC, &page);
        }
    }
}
