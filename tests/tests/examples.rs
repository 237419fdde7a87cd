//! Every repaired example response kept with the spec decodes into its endpoint's model; the
//! decoded models are snapshots.

use tableau_flows::AnyResponse;

#[test]
fn every_example_decodes() {
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    let mut seen = 0;
    for e in &spec.endpoints {
        let Some(ex) = &e.example else { continue };
        let decoded = AnyResponse::decode(&e.id, ex.text.as_bytes())
            .unwrap_or_else(|| panic!("{} has an example but no XML answer", e.id))
            .unwrap_or_else(|err| panic!("{}: {err}", e.id));
        insta::assert_snapshot!(format!("example_{}", e.id), format!("{decoded:#?}"));
        seen += 1;
    }
    assert!(seen >= 19, "only {seen} examples");
}

#[test]
fn unknown_endpoint_ids_decode_to_none() {
    assert!(AnyResponse::decode("no_such_endpoint", b"<tsResponse/>").is_none());
    assert!(AnyResponse::decode("download_flow", b"<tsResponse/>").is_none());
}
