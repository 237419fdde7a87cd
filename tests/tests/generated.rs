//! The generated client and server interface are golden snapshots, and each snapshot is exactly
//! the code its crate compiles (so a snapshot can never hold code that does not build).

#[test]
fn generated_code_is_the_compiled_code() {
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    let fresh = tableau_flows_codegen::generate_client(&spec);
    assert!(
        fresh == tableau_flows::GENERATED_SOURCE,
        "the client was compiled from a different spec than the one on disk: rebuild"
    );
    insta::assert_snapshot!("generated_client", tableau_flows::GENERATED_SOURCE);
}

#[test]
fn generated_server_is_the_compiled_code() {
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    let fresh = tableau_flows_codegen::generate_server(&spec);
    assert!(
        fresh == tableau_flows_mock::GENERATED_SOURCE,
        "the simulator was compiled from a different spec than the one on disk: rebuild"
    );
    insta::assert_snapshot!("generated_server", tableau_flows_mock::GENERATED_SOURCE);
}

#[test]
fn generation_is_deterministic() {
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    let spec2 = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    assert_eq!(
        tableau_flows_codegen::generate_client(&spec),
        tableau_flows_codegen::generate_client(&spec2)
    );
    assert_eq!(
        tableau_flows_codegen::generate_server(&spec),
        tableau_flows_codegen::generate_server(&spec2)
    );
}

#[test]
fn every_endpoint_has_metadata_and_versions() {
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    assert_eq!(tableau_flows::endpoints::ALL.len(), spec.endpoints.len());
    for (meta, e) in tableau_flows::endpoints::ALL.iter().zip(&spec.endpoints) {
        assert_eq!(meta.id, e.id);
        assert_eq!(meta.since.to_string(), e.since.to_string());
        assert_eq!(meta.query.len(), e.query.len());
    }
}
