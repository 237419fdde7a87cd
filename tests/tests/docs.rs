//! The spec as a reference: the OpenAPI, Markdown and versioned exports (snapshots), the
//! doc-check on both reference pages and on altered copies, drafts, and version diffs.

use tableau_flows_codegen::check_doc::{self, Difference};
use tableau_flows_codegen::docpage;
use tableau_flows_codegen::ir::{Spec, Version};

fn spec() -> Spec {
    tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec")
}

fn page(name: &str) -> String {
    std::fs::read_to_string(tableau_flows_tests::spec_dir().join("reference").join(name)).unwrap()
}

const P324: &str = "flow-methods-api-3.24.txt";
const P36: &str = "flow-methods-api-3.6.txt";

fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

fn check(text: &str) -> Vec<Difference> {
    check_doc::check(&spec(), &docpage::parse(text).expect("page"))
}

fn unknown(diffs: &[Difference]) -> Vec<String> {
    diffs
        .iter()
        .filter(|d| d.known.is_none())
        .map(ToString::to_string)
        .collect()
}

#[test]
fn export_snapshots() {
    let spec = spec();
    insta::assert_snapshot!("openapi", tableau_flows_codegen::export_openapi(&spec));
    let md: String = tableau_flows_codegen::export_markdown(&spec)
        .into_iter()
        .map(|(g, t)| format!("<!-- {g}.md -->\n{t}"))
        .collect();
    insta::assert_snapshot!("markdown", md);
    insta::assert_snapshot!(
        "json_as_of_3_6",
        tableau_flows_codegen::export_json(&spec.as_of(v("3.6")))
    );
    insta::assert_snapshot!(
        "openapi_as_of_3_6",
        tableau_flows_codegen::export_openapi(&spec.as_of(v("3.6")))
    );
}

#[test]
fn the_api_as_of_a_version() {
    let spec = spec();
    let old = spec.as_of(v("3.6"));
    let ids: Vec<&str> = old.endpoints.iter().map(|e| e.id.as_str()).collect();
    assert!(!ids.contains(&"get_flow_runs") && ids.contains(&"run_flow_now"));
    let run = old.endpoint("run_flow_now").unwrap();
    assert!(run.query.iter().all(|q| q.wire != "flowRunMode"));
    assert!(run.errors.iter().all(|r| r.code != 400132));
    let perms = old.endpoint("list_flow_permissions").unwrap();
    assert_eq!(perms.title, "Query Flow Permissions");
    assert!(
        perms.errors.iter().any(|r| r.code == 405000),
        "a row the 3.24 page dropped is there in 3.6"
    );
    let cap = old.types.iter().find(|t| t.name() == "Capability").unwrap();
    let json = serde_json::to_value(cap).unwrap();
    assert!(!json.to_string().contains("Execute"));
    let new = spec.as_of(v("3.24"));
    assert_eq!(
        new.endpoint("list_flow_permissions").unwrap().title,
        "List Flow Permissions"
    );
    assert!(
        new.endpoint("add_flow_permissions")
            .unwrap()
            .errors
            .iter()
            .any(|r| r.code == 405000 && r.dropped.is_some())
    );
}

#[test]
fn both_reference_pages_agree_with_the_spec() {
    for p in [P36, P324] {
        let diffs = check(&page(p));
        assert_eq!(unknown(&diffs), Vec::<String>::new(), "{p}");
    }
    let known = check(&page(P324));
    assert_eq!(
        known.len(),
        1,
        "the 3.24 page's Run Linked Task Now URI (E3)"
    );
    assert_eq!(known[0].known.as_deref(), Some("E3"));
    let parsed = docpage::parse(&page(P324)).unwrap();
    assert_eq!((parsed.version, parsed.methods.len()), (v("3.24"), 24));
    let parsed = docpage::parse(&page(P36)).unwrap();
    assert_eq!((parsed.version, parsed.methods.len()), (v("3.6"), 17));
}

/// Applies one change to the 3.24 page (the `from` text must occur).
fn altered(from: &str, to: &str) -> String {
    let text = page(P324);
    assert!(text.contains(from), "the alteration does not apply: {from}");
    text.replacen(from, to, 1)
}

const NEW_METHOD: &str = "Get Flow Lineage

Returns the lineage of a flow.

URI

GET /api/api-version/sites/site-id/flows/flow-id/lineage

Parameter Values

api-version The version of the API to use, such as 3.24.
site-id The ID of the site.
flow-id The ID of the flow.

Request Body

None

Version

Version 3.24 and later. For more information, see REST API and Resource Versions.

Errors

HTTP status error Code Condition Details
404 404027 Flow not found The flow ID in the URI doesn't correspond to an existing flow.

For more information, see Handling Errors.

";

#[test]
fn altered_pages_report_each_change_by_name() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "an error row added",
            altered(
                "404 404036 Flow run not found The flow run ID in the URI doesn't correspond to an existing flow run.\n405 405000 Invalid request method Request type was not PUT.",
                "404 404036 Flow run not found The flow run ID in the URI doesn't correspond to an existing flow run.\n409 409099 Run locked The run is locked.\n405 405000 Invalid request method Request type was not PUT.",
            ),
            "DIFF: Cancel Flow Run: error row 409 409099 is on the page, not in the spec",
        ),
        (
            "a method added",
            altered(
                "Get Flow Run\n\nGets a flow run.",
                &format!("{NEW_METHOD}Get Flow Run\n\nGets a flow run."),
            ),
            "DIFF: Get Flow Lineage: a method the spec lacks",
        ),
        (
            "a method removed",
            {
                let text = page(P324);
                let start = text.find("Delete Flow\n\nDeletes a flow.").unwrap();
                let end = text.find("Delete Flow Permission\n\n").unwrap();
                format!("{}{}", &text[..start], &text[end..])
            },
            "DIFF: Delete Flow: a method the page lacks (delete_flow",
        ),
        (
            "a version changed",
            altered("Version 3.15 and later", "Version 3.16 and later"),
            "DIFF: Get Linked Task: version differs: the page says 3.16, the spec says 3.15",
        ),
        (
            "a query parameter added",
            altered(
                "GET /api/api-version/sites/site-id/flows/runs?filter=filter-expression",
                "GET /api/api-version/sites/site-id/flows/runs?filter=filter-expression&fields=field-list",
            ),
            "DIFF: Get Flow Runs: query parameter fields is on the page, not in the spec",
        ),
        (
            "an error code changed",
            altered(
                "403 403135 Flow run already complete",
                "403 403136 Flow run already complete",
            ),
            "DIFF: Cancel Flow Run: error row 403 403136 is on the page, not in the spec",
        ),
        (
            "an error row reworded",
            altered(
                "400 400084 Flow run task error The task specified is not a flow run task.",
                "400 400084 Flow run task error The task is not a flow task.",
            ),
            "DIFF: Run Flow Task: error row 400 400084 changed",
        ),
        (
            "a title changed",
            altered(
                "Get Flow Run Task\n\nReturns information",
                "Get Flow Task\n\nReturns information",
            ),
            "DIFF: Get Flow Task: title differs: the spec says \"Get Flow Run Task\"",
        ),
    ];
    let dir = std::env::temp_dir().join(format!("tf-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text, expected) in &cases {
        let lines = unknown(&check(text));
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "{name}: expected {expected:?} in {lines:#?}"
        );
        // The command exits non-zero and prints the line.
        let file = dir.join(format!("{}.txt", name.replace(' ', "-")));
        std::fs::write(&file, text).unwrap();
        let out =
            tableau_flows_tests::flowspec([std::ffi::OsStr::new("check-doc"), file.as_os_str()]);
        assert!(!out.status.success(), "{name}: exit status 0");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(expected),
            "{name}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn drafts_cover_the_methods_the_spec_lacks() {
    let spec = spec();
    assert_eq!(
        check_doc::draft(&spec, &docpage::parse(&page(P324)).unwrap()),
        ""
    );
    let text = altered(
        "Get Flow Run\n\nGets a flow run.",
        &format!("{NEW_METHOD}Get Flow Run\n\nGets a flow run."),
    );
    let draft = check_doc::draft(&spec, &docpage::parse(&text).unwrap());
    insta::assert_snapshot!("draft", draft);
    // The skeleton is DSL that parses and validates next to the spec (its TODO strings aside).
    let mut sources: Vec<(String, String)> = std::fs::read_dir(tableau_flows_tests::spec_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "tfspec"))
        .map(|e| {
            (
                format!("spec/{}", e.file_name().to_string_lossy()),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    sources.push((
        "spec/draft.tfspec".into(),
        draft.replace("group: flows", "group: draft"),
    ));
    let loaded = tableau_flows_codegen::load_sources(&sources, &tableau_flows_tests::spec_dir());
    assert!(loaded.is_ok(), "{}", loaded.unwrap_err());
}

#[test]
fn what_the_api_gained_from_3_6_to_3_24() {
    let gains: Vec<String> = spec()
        .gained(v("3.6"), v("3.24"))
        .iter()
        .map(ToString::to_string)
        .collect();
    for expected in [
        "endpoint get_flow_runs (Get Flow Runs), since 3.10",
        "endpoint create_cloud_flow_task (Create Cloud Flow Task), since 3.22",
        "query parameter flowRunMode of run_flow_now, since 3.24",
        "value Execute of Capability, since 3.24",
        "error code 403135 (FlowRunAlreadyComplete)",
    ] {
        assert!(
            gains.iter().any(|g| g == expected),
            "{expected}: {gains:#?}"
        );
    }
    assert!(spec().gained(v("3.24"), v("3.24")).is_empty());
    insta::assert_snapshot!("diff_3_6_3_24", gains.join("\n"));
}
