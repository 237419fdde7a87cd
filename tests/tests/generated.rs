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

/// The rule of the generated models (client crate docs, "Models"): a struct no answer holds and
/// some request holds stays exhaustive; every other struct (one an answer holds, shared with
/// requests or not, and the error documents) is `#[non_exhaustive]` with a `new` constructor.
/// Computed here independently of the generator, from the spec's endpoints.
#[test]
fn response_models_are_non_exhaustive_and_request_only_models_are_not() {
    use std::collections::BTreeSet;
    use tableau_flows_codegen::ir::{Request, ResponseBody, TypeDef, TypeRef};
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    let reach = |roots: Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut todo = roots;
        while let Some(name) = todo.pop() {
            if let Some(s) = spec.struct_ty(&name)
                && seen.insert(name)
            {
                todo.extend(s.fields.iter().filter_map(|f| match &f.ty {
                    TypeRef::Struct(n) => Some(n.clone()),
                    _ => None,
                }));
            }
        }
        seen
    };
    let requests = reach(
        spec.endpoints
            .iter()
            .filter_map(|e| match &e.request {
                Request::Xml { ty, .. } | Request::Multipart { ty, .. } => Some(ty.clone()),
                _ => None,
            })
            .collect(),
    );
    let answers = reach(
        spec.endpoints
            .iter()
            .filter_map(|e| match &e.response.body {
                ResponseBody::Xml(ty) => Some(ty.clone()),
                _ => None,
            })
            .collect(),
    );
    let source = tableau_flows::GENERATED_SOURCE;
    let (mut open, mut closed) = (0, 0);
    for t in &spec.types {
        let TypeDef::Struct(s) = t else { continue };
        let lines: Vec<&str> = source.lines().map(str::trim).collect();
        let decl = format!("pub struct {} {{", s.name);
        let at = lines
            .iter()
            .position(|l| {
                l.strip_prefix(decl.as_str())
                    .is_some_and(|r| r.is_empty() || r == "}")
            })
            .expect("declared");
        let derive = lines[..at]
            .iter()
            .rposition(|l| l.starts_with("#[derive("))
            .expect("derived");
        let marked = lines[derive..at].contains(&"#[non_exhaustive]");
        let (imp, doc) = (
            format!("impl {} {{", s.name),
            format!("/// A `{}` ", s.name),
        );
        let constructor = lines
            .windows(2)
            .any(|w| w[0] == imp && w[1].starts_with(&doc));
        let request_only = requests.contains(&s.name) && !answers.contains(&s.name);
        assert_eq!(marked, !request_only, "{}: #[non_exhaustive]", s.name);
        assert_eq!(constructor, !request_only, "{}: generated `new`", s.name);
        if request_only {
            closed += 1;
        } else {
            open += 1;
        }
    }
    // Most structs are answers' (or shared); the bodies written for requests stay literals.
    assert!(
        open > 80 && closed >= 15,
        "{open} response models, {closed} request-only"
    );
    for shared in [
        "Tag",
        "Connection",
        "GranteeCapabilities",
        "CapabilityRule",
        "ProjectRef",
    ] {
        assert!(
            requests.contains(shared) && answers.contains(shared),
            "{shared} is shared"
        );
    }
}

/// A response model is built outside the crate with its constructor: the required fields as
/// arguments, every optional field absent and every list empty; its fields stay public.
#[test]
fn response_models_are_built_with_their_constructor() {
    use tableau_flows::{CapabilityMode, CapabilityRule, Flow, Job, Tag};
    let mut flow = Flow::new("f-1");
    assert_eq!(flow.id.as_str(), "f-1");
    assert!(flow.name.is_none() && flow.project.is_none() && flow.created_at.is_none());
    assert!(flow.tags.is_empty() && flow.parameters.is_empty());
    flow.name = Some("Sales".into());
    flow.tags.push(Tag::new("daily"));
    assert_eq!(flow.tags[0].label, "daily");
    assert_eq!(flow.name.as_deref(), Some("Sales"));
    let rule = CapabilityRule::new(tableau_flows::Capability::Read, CapabilityMode::Allow);
    assert_eq!(rule.mode, CapabilityMode::Allow);
    assert!(Job::new("j").status_notes.is_empty());
    // A paged answer's document too, for a test double answering a list.
    let mut page = tableau_flows::flows::QueryFlowsResponse::new();
    page.flows.push(flow.clone());
    assert_eq!(page.flows, vec![flow]);
    assert!(page.pagination.is_none());
}
