//! `flowspec check-xsd`: the spec against Tableau's official XML schema (`spec/reference/`).

use std::path::Path;
use tableau_flows_codegen::check_xsd::{Coverage, MemberKind, check_xsd};
use tableau_flows_tests::{flowspec, spec_dir};

/// The end of flowType in the schema, where a new attribute goes.
const FLOW_TYPE_END: &str =
    "</xs:complexType>\n   <xs:complexType name=\"flowWarningsListContainerType\">";
const CERTIFIED: &str = r#"<xs:attribute name="certified" type="xs:boolean"/>"#;

fn xsd() -> String {
    std::fs::read_to_string(spec_dir().join("reference/ts-api_3_29.xsd")).unwrap()
}

/// The spec's sources, with `schema.tfspec` replaced by `schema`.
fn spec_with_schema_block(schema: &str) -> tableau_flows_codegen::ir::Spec {
    let dir = spec_dir();
    let mut sources = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "tfspec") {
            let name = format!("spec/{}", path.file_name().unwrap().to_string_lossy());
            let text = if name == "spec/schema.tfspec" {
                schema.to_owned()
            } else {
                std::fs::read_to_string(&path).unwrap()
            };
            sources.push((name, text));
        }
    }
    sources.sort();
    tableau_flows_codegen::load_sources(&sources, &dir).unwrap()
}

fn schema_block(left_out: &str) -> String {
    let text = std::fs::read_to_string(spec_dir().join("schema.tfspec")).unwrap();
    text.replacen("left_out {", &format!("left_out {{ {left_out}"), 1)
}

#[test]
fn the_spec_covers_the_official_schema() {
    let spec = tableau_flows_codegen::load(spec_dir()).unwrap();
    let report = check_xsd(&spec, &xsd()).unwrap();
    assert!(report.is_clean(), "{report}");
    // Every member is covered or left out with a reason; the few left out are request-only or
    // legacy members of userType.
    assert!(report.coverage() >= 0.97, "{report}");
    assert!(report.members.len() > 200, "{report}");
    insta::assert_snapshot!("check_xsd", report.to_string());
}

#[test]
fn a_member_the_spec_lacks_is_named_and_fails_the_check() {
    // A new schema version adds an attribute to flowType and an element to jobType.
    let newer = xsd()
        .replacen(FLOW_TYPE_END, &format!("{CERTIFIED}{FLOW_TYPE_END}"), 1)
        .replacen(
            r#"<xs:element name="statusNotes" type="statusNoteListType" minOccurs="0"/>"#,
            r#"<xs:element name="statusNotes" type="statusNoteListType" minOccurs="0"/><xs:element name="retryPolicy" type="xs:string" minOccurs="0"/>"#,
            1,
        );
    assert_ne!(newer, xsd());
    let spec = tableau_flows_codegen::load(spec_dir()).unwrap();
    let report = check_xsd(&spec, &newer).unwrap();
    assert!(!report.is_clean());
    let missing: Vec<(String, String, MemberKind)> = report
        .missing()
        .map(|m| (m.ty.clone(), m.name.clone(), m.kind))
        .collect();
    assert_eq!(
        missing,
        [
            ("flowType".into(), "certified".into(), MemberKind::Attribute),
            ("jobType".into(), "retryPolicy".into(), MemberKind::Element)
        ]
    );
    let text = report.to_string();
    assert!(text.contains("MISSING: attribute certified"), "{text}");

    // The binary names it and exits 1.
    let dir = std::env::temp_dir().join(format!("tf-xsd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("newer.xsd");
    std::fs::write(&file, &newer).unwrap();
    let out = flowspec([Path::new("check-xsd"), &file]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("MISSING: element retryPolicy"), "{stdout}");
    let out = flowspec([
        Path::new("check-xsd"),
        &spec_dir().join("reference/ts-api_3_29.xsd"),
    ]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_recorded_reason_accepts_a_member_and_stale_records_are_errors() {
    let newer = xsd().replacen(FLOW_TYPE_END, &format!("{CERTIFIED}{FLOW_TYPE_END}"), 1);
    let spec = spec_with_schema_block(&schema_block(
        r#"flowType.certified "Certification is shown in the web UI only; flow tools do not use it.","#,
    ));
    let report = check_xsd(&spec, &newer).unwrap();
    assert!(report.is_clean(), "{report}");
    let m = report
        .members
        .iter()
        .find(|m| m.name == "certified")
        .unwrap();
    assert!(matches!(&m.status, Coverage::LeftOut(why) if why.starts_with("Certification")));
    assert!(report.coverage() < 1.0);

    // Against the schema without that member, and for a member a struct covers, the record is stale.
    let spec = spec_with_schema_block(&schema_block(
        r#"flowType.certified "gone", flowType.name "covered by Flow","#,
    ));
    let report = check_xsd(&spec, &xsd()).unwrap();
    assert!(!report.is_clean());
    assert_eq!(report.stale_records.len(), 2, "{report}");
    assert!(
        report
            .to_string()
            .contains("flowType.name, which a struct covers")
    );
}

#[test]
fn schema_mistakes_are_reported() {
    // An unknown listed type, and a struct naming a type the block does not list.
    let spec = spec_with_schema_block(
        &schema_block("").replace(r#""errorType","#, r#""errorType", "noSuchType","#),
    );
    let report = check_xsd(&spec, &xsd()).unwrap();
    assert_eq!(report.unknown_types, ["noSuchType"]);
    let err = tableau_flows_codegen::load_sources(
        &[(
            "spec/x.tfspec".to_owned(),
            r#"schema { types: ["a"], left_out { b.c "why" } }
               struct S "s" schema "z" { attr a: String }"#
                .to_owned(),
        )],
        &spec_dir(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("`b` is not one of the schema types listed in `types`"),
        "{err}"
    );
    assert!(
        err.contains(
            "covers the schema type \"z\", which the `schema { types }` block does not list"
        ),
        "{err}"
    );
    assert!(check_xsd(&spec, "<notxml").is_err());
    assert!(check_xsd(&spec, "<root/>").is_err());
}
