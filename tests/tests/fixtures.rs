//! Real response shapes (`tests/fixtures/real/`, deviations S7, S16, S17 and erratum E5): decoding
//! keeps every value. Each fixture is decoded, checked field by field where it matters, and
//! encoded again: the re-encoded document must hold every attribute and text of the original.

use tableau_flows_tests::tf::*;
use tableau_flows_tests::xml_inventory;

fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/real/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Decodes a fixture as the answer of `endpoint` and checks that encoding it again loses nothing.
fn decode_whole(endpoint: &str, name: &str) -> AnyResponse {
    let text = fixture(name);
    let answer = AnyResponse::decode(endpoint, text.as_bytes())
        .expect("an endpoint with an XML answer")
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let again = answer.encode_response().unwrap();
    let (before, after) = (
        xml_inventory(&text).unwrap(),
        xml_inventory(&again).unwrap_or_else(|e| panic!("{name} re-encoded: {e}\n{again}")),
    );
    let lost: Vec<&String> = before.iter().filter(|x| !after.contains(x)).collect();
    assert!(lost.is_empty(), "{name}: decoding dropped {lost:#?}");
    assert_eq!(before, after, "{name}: the re-encoded document differs");
    answer
}

#[test]
fn a_group_set_grantee_keeps_its_group_set() {
    let AnyResponse::ListFlowPermissions(answer) = decode_whole(
        "list_flow_permissions",
        "list_flow_permissions_group_set.xml",
    ) else {
        panic!("the answer of List Flow Permissions")
    };
    let grantees = &answer.permissions.grantees;
    assert_eq!(grantees.len(), 3);
    let set = grantees[1]
        .group_set
        .as_ref()
        .expect("the groupSet grantee");
    assert_eq!(set.id, "e3f4a5b6-2222-4c3d-9e4f-6a7b8c9d0e1f");
    assert_eq!(set.name.as_deref(), Some("Regional Analysts"));
    assert_eq!(set.group_count, Some(3));
    assert!(grantees[1].user.is_none() && grantees[1].group.is_none());
    assert_eq!(grantees[1].capabilities.len(), 3);
    assert_eq!(grantees[1].capabilities[2].name, Capability::ExportXml);
    assert_eq!(grantees[1].capabilities[2].mode, CapabilityMode::Deny);
    assert_eq!(
        grantees[0].group.as_ref().map(|g| g.id.as_str()),
        Some("b7d1c7a4-1111-4b2c-8d3e-5f6a7b8c9d0e")
    );
    assert_eq!(
        grantees[2].user.as_ref().map(|u| u.id.as_str()),
        Some("a1b2c3d4-3333-4d4e-8f5a-7b8c9d0e1f2a")
    );
}

#[test]
fn a_failed_job_keeps_its_notes_status_notes_and_update_time() {
    let AnyResponse::QueryJob(answer) = decode_whole("query_job", "query_job_failed_run_flow.xml")
    else {
        panic!("the answer of Query Job")
    };
    let job = &answer.job;
    assert_eq!(job.finish_code, Some(1));
    assert_eq!(
        job.updated_at.map(|t| t.unix_timestamp()),
        Some(1_796_025_792)
    );
    assert_eq!(job.status_notes.len(), 1);
    assert_eq!(job.status_notes[0].note_type, "CountOfUsersProcessed");
    assert_eq!(
        job.status_notes[0].text.as_deref(),
        Some("Output step Orders.hyper did not write any rows")
    );
    let run = job.run_flow_job.as_ref().expect("runFlowJobType");
    assert_eq!(
        run.notes.as_deref(),
        Some(
            "Flow run failed: the input connection to warehouse.example.com:5432 was refused (ErrorCode: 0x80004005)."
        )
    );
    assert_eq!(
        run.flow_run_id.as_ref().map(FlowRunId::as_str),
        Some("9d8c7b6a-5555-4f6e-8d7c-6b5a4f3e2d1c")
    );
    assert_eq!(job.failure_reason().as_deref(), run.notes.as_deref());

    let AnyResponse::QueryJob(answer) =
        decode_whole("query_job", "query_job_failed_extract_refresh.xml")
    else {
        panic!("the answer of Query Job")
    };
    let refresh = answer
        .job
        .extract_refresh_job
        .as_ref()
        .expect("extractRefreshJob");
    assert_eq!(
        refresh.workbook.as_ref().and_then(|w| w.name.as_deref()),
        Some("Orders Dashboard")
    );
    assert!(
        answer
            .job
            .failure_reason()
            .is_some_and(|r| r.contains("Login failed for user 'etl'"))
    );
}

#[test]
fn a_flow_task_keeps_its_parameter_overrides_and_parameters() {
    let AnyResponse::GetFlowRunTask(answer) = decode_whole(
        "get_flow_run_task",
        "get_flow_run_task_parameter_overrides.xml",
    ) else {
        panic!("the answer of Get Flow Run Task")
    };
    let task = answer.task.flow_run.as_ref().expect("flowRun");
    let spec = task.flow_run_spec.as_ref().expect("flowRunSpec");
    let overrides: Vec<(&str, &str)> = spec
        .parameter_specs
        .iter()
        .map(|p| {
            (
                p.parameter_id.as_str(),
                p.override_value.as_deref().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        overrides,
        [
            ("5b4a3f2e-aaaa-4e1d-9c8b-7a6f5e4d3c2b", "EMEA"),
            ("6c5b4a3f-bbbb-4f2e-8d9c-8b7a6f5e4d3c", "25")
        ]
    );
    assert_eq!(task.parameters.len(), 2);
    let region = &task.parameters[0];
    assert_eq!(region.name.as_deref(), Some("Region"));
    let domain = region.domain.as_ref().expect("domain");
    assert_eq!(domain.kind, Some(ParameterDomainKind::List));
    assert_eq!(domain.values, ["AMER", "EMEA", "APAC"]);
    let top = task.parameters[1].domain.as_ref().expect("domain");
    assert_eq!(
        (top.min_value.as_deref(), top.max_value.as_deref()),
        (Some("1"), Some("100"))
    );
    assert_eq!(
        task.schedule
            .as_ref()
            .and_then(|s| s.execution_order.clone()),
        Some(ExecutionOrder::Parallel)
    );
}

#[test]
fn a_failed_run_keeps_its_failure_reason() {
    let AnyResponse::GetFlowRun(answer) =
        decode_whole("get_flow_run", "get_flow_run_failed_reason.xml")
    else {
        panic!("the answer of Get Flow Run")
    };
    assert_eq!(answer.flow_run.status, Some(RunStatus::Failed));
    assert_eq!(
        answer.flow_run.failure_reason.as_deref(),
        Some("The input connection to warehouse.example.com:5432 was refused.")
    );
}

#[test]
fn every_page_example_decodes_without_loss() {
    // The page examples (spec/examples/) go through the same check: a field the spec lacks
    // would show up as lost data.
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).unwrap();
    for e in &spec.endpoints {
        let Some(example) = &e.example else { continue };
        let answer = AnyResponse::decode(&e.id, example.text.as_bytes())
            .expect("an XML answer")
            .unwrap_or_else(|err| panic!("{}: {err}", example.path));
        // Alternate element names (`flowParametersRuns`, deviation aliases) are written under
        // their spec name: compare each value under its own element's name only.
        let leaf = |doc: &str| -> Vec<String> {
            xml_inventory(doc)
                .unwrap()
                .iter()
                .map(|x| {
                    let (path, value) = x.split_once('=').unwrap_or((x, ""));
                    let mut parts = path.rsplit('/');
                    let last = parts.next().unwrap_or_default();
                    let key = if last.starts_with('@') {
                        format!("{}/{last}", parts.next().unwrap_or_default())
                    } else {
                        last.to_owned()
                    };
                    format!("{key}={value}")
                })
                .collect()
        };
        let before = leaf(&example.text);
        let after = leaf(&answer.encode_response().unwrap());
        // An empty date reads as absent (deviation S5): only those may go.
        let lost: Vec<&String> = before
            .iter()
            .filter(|x| !after.contains(x) && !x.ends_with('='))
            .collect();
        assert!(
            lost.is_empty(),
            "{}: decoding dropped {lost:#?}",
            example.path
        );
    }
}
