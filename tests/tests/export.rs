//! `flowspec export json`: the documented format, as a snapshot, with the keys the format promises.

fn export() -> serde_json::Value {
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    serde_json::from_str(&tableau_flows_codegen::export_json(&spec)).expect("valid JSON")
}

#[test]
fn export_snapshot() {
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    insta::assert_snapshot!("export_json", tableau_flows_codegen::export_json(&spec));
}

#[test]
fn export_has_the_documented_keys() {
    let doc = export();
    assert_eq!(doc["format"], "tableau-flows-spec");
    let endpoints = doc["endpoints"].as_array().expect("endpoints[]");
    assert_eq!(endpoints.len(), 45);
    // Experimental endpoints say so, with their base path and where they are available.
    let experimental: Vec<&str> = endpoints
        .iter()
        .filter(|e| e.get("experimental").is_some())
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(experimental, ["get_flow_document"]);
    let document = endpoints
        .iter()
        .find(|e| e["id"] == "get_flow_document")
        .unwrap();
    assert_eq!(document["experimental"]["base"], "/api/exp");
    assert_eq!(document["response"]["body"]["kind"], "json");
    for e in endpoints {
        for key in ["id", "title", "method", "path", "since", "query", "errors"] {
            assert!(e.get(key).is_some(), "endpoint without {key}: {e}");
        }
        for q in e["query"].as_array().unwrap() {
            assert!(q["name"].is_string(), "query without name");
            assert!(q.get("since").is_none() || q["since"].is_string());
        }
        for r in e["errors"].as_array().unwrap() {
            assert!(r["status"].is_u64() && r["code"].is_u64() && r["summary"].is_string());
        }
    }
    let run = endpoints
        .iter()
        .find(|e| e["id"] == "run_flow_now")
        .unwrap();
    assert_eq!(run["path"], "/sites/{site_id}/flows/{flow_id}/run");
    let mode = run["query"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "flowRunMode")
        .unwrap();
    assert_eq!(mode["since"], "3.24");
    assert!(
        doc["errorCodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == 404027)
    );
    assert!(
        doc["types"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "Flow")
    );
}

#[test]
fn flow_methods_pages_are_covered() {
    let doc = export();
    let endpoints = doc["endpoints"].as_array().unwrap();
    let on_page: Vec<_> = endpoints
        .iter()
        .filter(|e| e["page"] == "flowMethods")
        .collect();
    let mut titles: Vec<&str> = on_page
        .iter()
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    titles.dedup();
    // 24 methods on the 3.24 page (Delete Flow Permission has two URIs, so 25 endpoints).
    assert_eq!(on_page.len(), 25);
    assert_eq!(titles.len(), 24);
    // 17 methods existed as of 3.6.
    let in_36: std::collections::BTreeSet<&str> = on_page
        .iter()
        .filter(|e| {
            e["since"]
                .as_str()
                .unwrap()
                .parse::<tableau_flows::ApiVersion>()
                .unwrap()
                <= tableau_flows::ApiVersion::new(3, 6)
        })
        .map(|e| e["title"].as_str().unwrap())
        .collect();
    assert_eq!(in_36.len(), 17);
    let mut support: Vec<&str> = endpoints
        .iter()
        .filter(|e| e["page"] == "support")
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    support.sort_unstable();
    assert_eq!(
        support,
        [
            "add_tags_to_flow",
            "append_to_file_upload",
            "cancel_job",
            "delete_tag_from_flow",
            "get_flow_document",
            "get_users_on_site",
            "initiate_file_upload",
            "list_server_schedules",
            "query_default_datasource_permissions",
            "query_default_flow_permissions",
            "query_default_workbook_permissions",
            "query_groups",
            "query_job",
            "query_jobs",
            "query_project_permissions",
            "query_projects",
            "query_user_on_site",
            "server_info",
            "sign_in",
            "sign_out"
        ]
    );
}
