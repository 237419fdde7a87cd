//! Mistakes in the spec are reported as `spec/FILE:LINE:COL: message`. Each case below is a small
//! spec with one mistake; the diagnostics are a snapshot, and each names what is wrong.

use std::path::Path;

const BASE: &str = r#"
api { oldest: 3.3, newest: 3.24, namespace: "http://tableau.com/api", legacy_namespace: "x" }
erratum E1 "An erratum.";
error_codes {
    404027 FlowNotFound "Flow not found",
    405000 InvalidRequestMethod "Invalid request method",
}
id SiteId "A site.";
id FlowId "A flow.";
struct Flow "A flow." { attr id: FlowId required "The id." }
struct QueryFlowResponse "An answer." root { elem flow: Flow required "The flow." }
"#;

const GOOD_ENDPOINT: &str = r#"
endpoint query_flow {
    title: "Query Flow",
    page: flow_methods,
    group: flows,
    method: GET,
    path: "/sites/{site_id}/flows/{flow_id}",
    since: 3.3,
    description: "Returns a flow.",
    path_params {
        site_id: SiteId session "The site.",
        flow_id: FlowId "The flow.",
    },
    response: 200 xml QueryFlowResponse,
    errors {
        404 404027 "Flow not found" "No such flow.",
    },
}
"#;

/// An experimental endpoint: under /api/exp, no `since`, a JSON answer.
const GOOD_EXPERIMENTAL: &str = r#"
endpoint get_flow_document {
    title: "Get Flow Document",
    page: support,
    group: flows,
    method: GET,
    experimental: "Servers with the feature flag on." note E1,
    path: "/sites/{site_id}/flows/{flow_id}/document",
    description: "Returns a flow's document.",
    path_params {
        site_id: SiteId session "The site.",
        flow_id: FlowId "The flow.",
    },
    response: 200 json "The flow document.",
    errors {
        404 404027 "Flow not found" "No such flow.",
    },
}
"#;

fn experimental(from: &str, to: &str) -> String {
    assert!(
        GOOD_EXPERIMENTAL.contains(from),
        "case does not apply: {from}"
    );
    check(&GOOD_EXPERIMENTAL.replacen(from, to, 1))
}

fn check(flows: &str) -> String {
    let sources = vec![
        ("spec/base.tfspec".to_owned(), BASE.to_owned()),
        ("spec/flows.tfspec".to_owned(), flows.to_owned()),
    ];
    match tableau_flows_codegen::load_sources(&sources, Path::new(".")) {
        Ok(_) => "OK".to_owned(),
        Err(e) => e.to_string(),
    }
}

fn broken(from: &str, to: &str) -> String {
    assert!(GOOD_ENDPOINT.contains(from), "case does not apply: {from}");
    check(&GOOD_ENDPOINT.replacen(from, to, 1))
}

#[test]
fn the_good_spec_is_accepted() {
    assert_eq!(check(GOOD_ENDPOINT), "OK");
}

#[test]
fn an_experimental_endpoint_beside_a_versioned_one_is_accepted() {
    // The same shape under /api/exp and /api/{version} are two routes.
    assert_eq!(check(GOOD_EXPERIMENTAL), "OK");
    let beside = GOOD_ENDPOINT.replace(
        "/sites/{site_id}/flows/{flow_id}\"",
        "/sites/{site_id}/flows/{flow_id}/document\"",
    );
    assert_eq!(check(&format!("{GOOD_EXPERIMENTAL}{beside}")), "OK");
}

#[test]
fn diagnostics() {
    let cases: Vec<(&str, String)> = vec![
        (
            "unknown type",
            broken("flow_id: FlowId", "flow_id: FlowIdent"),
        ),
        ("unknown error code", broken("404 404027", "404 404099")),
        (
            "code does not start with its status",
            broken("404 404027", "403 404027"),
        ),
        (
            "duplicate endpoint",
            check(&format!("{GOOD_ENDPOINT}{GOOD_ENDPOINT}")),
        ),
        (
            "duplicate key",
            broken("since: 3.3,", "since: 3.3,\n    since: 3.4,"),
        ),
        ("missing required key", broken("    method: GET,\n", "")),
        (
            "placeholder without parameter",
            broken("/flows/{flow_id}", "/flows/{flow_id}/{step_id}"),
        ),
        (
            "parameter not in path",
            broken("/flows/{flow_id}\"", "/flows\""),
        ),
        ("malformed version", broken("since: 3.3", "since: 3.3.1")),
        (
            "malformed version literal",
            broken("since: 3.3", "since: 3"),
        ),
        ("unknown key", broken("title:", "titel:")),
        ("unknown method", broken("method: GET", "method: FETCH")),
        (
            "syntax error",
            broken(
                "description: \"Returns a flow.\",",
                "description \"Returns a flow.\",",
            ),
        ),
        (
            "unknown erratum",
            broken("since: 3.3,", "since: 3.3,\n    notes: [E99],"),
        ),
        (
            "response type is not a root",
            broken("xml QueryFlowResponse", "xml Flow"),
        ),
        (
            "duplicate field",
            check(&format!(
                "{GOOD_ENDPOINT}\nstruct Two \"x\" {{ attr a: String, attr a: String }}"
            )),
        ),
        (
            "keyword field",
            check(&format!(
                "{GOOD_ENDPOINT}\nstruct Two \"x\" {{ attr type: String }}"
            )),
        ),
        (
            "list without item",
            check(&format!(
                "{GOOD_ENDPOINT}\nstruct Two \"x\" {{ list flows: Flow }}"
            )),
        ),
        (
            "duplicate error code in registry",
            check(&format!(
                "{GOOD_ENDPOINT}\nerror_codes {{ 404027 Again \"Again\", }}"
            )),
        ),
        (
            "range on a string",
            broken(
                "    response:",
                "    query { name: String range 1..=3 \"x\" },\n    response:",
            ),
        ),
        ("non-2xx success", broken("200 xml", "404 xml")),
        (
            "a file response without its file types",
            broken("200 xml QueryFlowResponse", "200 binary"),
        ),
        (
            "a file type twice, a dotted extension, a bad media type",
            broken(
                "200 xml QueryFlowResponse",
                "200 binary [\"tfl\" \"application/xml\", \"TFL\" \"text/xml\", \".tflx\" \"octet-stream\"]",
            ),
        ),
        (
            "paginated without a default page size",
            broken(
                "    response:",
                "    query { page_size: u32 as \"pageSize\" range 1..=1000 \"x\", page_number: u32 as \"pageNumber\" \"y\" },\n    response:",
            ),
        ),
        (
            "unknown filter operator",
            broken(
                "    response:",
                "    query { filter: Filter fields { name: String [eq, like] } \"x\" },\n    response:",
            ),
        ),
        (
            "filter field without operators",
            broken(
                "    response:",
                "    query { filter: Filter fields { name: String } \"x\" },\n    response:",
            ),
        ),
        (
            "range that names no code to refuse a value outside it",
            broken(
                "    response:",
                "    query { page_size: u32 as \"pageSize\" range 1..=1000 default \"100\" \"x\" },\n    response:",
            ),
        ),
        (
            "filter that names no code to refuse a bad expression",
            broken(
                "    response:",
                "    query { filter: Filter fields { name: String [eq] } \"x\" },\n    response:",
            ),
        ),
        (
            "sort field with operators",
            broken(
                "    response:",
                "    query { sort: Sort fields { name: String [eq] } \"x\" },\n    response:",
            ),
        ),
        (
            "invalid code not in the table",
            broken(
                "    response:",
                "    query { page_size: u32 as \"pageSize\" range 1..=1000 invalid 404027 above 405000 \"x\" },\n    response:",
            ),
        ),
        (
            "deviation naming an erratum",
            broken("\"No such flow.\",", "\"No such flow.\" deviation E1,"),
        ),
        (
            "body without a malformed-body row",
            broken(
                "    response:",
                "    request: xml QueryFlowResponse,\n    response:",
            ),
        ),
        (
            "text and children",
            check(&format!(
                "{GOOD_ENDPOINT}\nstruct Two \"x\" {{ text value: String, elem flow: Flow }}"
            )),
        ),
        (
            "more attributes than the decoder tracks",
            check(&format!(
                "{GOOD_ENDPOINT}\nstruct Wide \"x\" {{ {} }}",
                (0..65)
                    .map(|i| format!("attr a{i}: String \"x\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ),
        (
            "experimental with a since",
            experimental("    path:", "    since: 3.3,\n    path:"),
        ),
        (
            "experimental on the Flow Methods page",
            experimental("page: support", "page: flow_methods"),
        ),
        (
            "experimental without its deviation",
            experimental(" note E1,", ","),
        ),
        (
            "experimental without where it is available",
            experimental("\"Servers with the feature flag on.\"", "\" \""),
        ),
        (
            "experimental with an also_path",
            experimental(
                "    path:",
                "    also_path: \"/flows/{site_id}/{flow_id}\" note E1,\n    path:",
            ),
        ),
        (
            "json answer saying nothing",
            experimental("json \"The flow document.\"", "json \"\""),
        ),
        (
            "versioned endpoint missing since",
            broken("    since: 3.3,\n", ""),
        ),
    ];
    let mut out = String::new();
    for (name, diags) in &cases {
        assert_ne!(diags, "OK", "case `{name}` was accepted");
        for line in diags.lines() {
            assert!(line.starts_with("spec/"), "case `{name}`: {line}");
            let mut parts = line.splitn(4, ':');
            let (_, l, c) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
            assert!(
                l.parse::<usize>().is_ok() && c.parse::<usize>().is_ok(),
                "case `{name}`: no LINE:COL in {line}"
            );
        }
        out.push_str(&format!("## {name}\n{diags}\n\n"));
    }
    insta::assert_snapshot!("diagnostics", out);
}

#[test]
fn build_failure_prints_file_line_col() {
    // The flowspec binary (and client/build.rs through the same library) exits non-zero with the
    // diagnostics on stderr.
    let dir = std::env::temp_dir().join(format!("tableau-flows-diag-{}", std::process::id()));
    let spec = dir.join("spec");
    std::fs::create_dir_all(&spec).unwrap();
    std::fs::write(spec.join("base.tfspec"), BASE).unwrap();
    std::fs::write(
        spec.join("flows.tfspec"),
        GOOD_ENDPOINT.replace("404 404027", "403 404027"),
    )
    .unwrap();
    let out = tableau_flows_tests::flowspec([
        std::ffi::OsStr::new("check"),
        std::ffi::OsStr::new("--spec"),
        spec.as_os_str(),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "spec/flows.tfspec:16:13: error code 404027 does not start with its HTTP status 403"
        ),
        "{stderr}"
    );
}
