//! `tableau_flows::document::FlowDocument` on the simulator's demo flow files: the exact inputs,
//! steps, outputs, parameters and lineage they hold (mock/src/sim/flowfile.rs builds them).

use tableau_flows::document::{Domain, FlowDocument};
use tableau_flows_mock::demo;

#[test]
fn sales_cleanup_two_inputs_joined_cleaned_two_outputs_two_parameters() {
    let doc = FlowDocument::from_bytes(&demo::sales_cleanup_file()).unwrap();
    assert_eq!(doc.name.as_deref(), Some("Sales Cleanup"));
    assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);

    let inputs: Vec<_> = doc
        .inputs
        .iter()
        .map(|i| {
            let c = i.connection.as_ref().unwrap();
            (
                i.name.as_str(),
                i.node_type.as_str(),
                c.class.as_deref(),
                c.server.as_deref(),
                c.file.as_deref(),
                c.packaged,
                i.table.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        inputs,
        [
            (
                "Orders",
                ".v1.LoadCsv",
                Some("textscan"),
                None,
                Some("orders.csv"),
                true,
                Some("[orders.csv]")
            ),
            (
                "Regions",
                ".v1.LoadSql",
                Some("postgres"),
                Some("sales-db.example.com"),
                None,
                false,
                Some("[regions]")
            ),
        ]
    );
    assert_eq!(
        doc.inputs[1].connection.as_ref().unwrap().id,
        demo::SALES_CONNECTION_ID
    );

    let steps: Vec<_> = doc
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.kind.as_str(), s.node_type.as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            ("Orders", "input", ".v1.LoadCsv"),
            ("Regions", "input", ".v1.LoadSql"),
            ("Join", "join", ".v2018_2_3.SuperJoin"),
            ("Clean", "clean", ".v1.Container"),
            ("Sales CSV", "output", ".v1.WriteToCsv"),
            ("Sales Hyper", "output", ".v1.WriteToHyper"),
        ]
    );
    assert_eq!(doc.steps[3].actions, ["Rename amt to Amount"]);

    let outputs: Vec<_> = doc
        .outputs
        .iter()
        .map(|o| (o.name.as_str(), o.kind.as_str(), o.project.as_deref()))
        .collect();
    assert_eq!(
        outputs,
        [
            ("Sales CSV", "csv-file", Some("Default")),
            ("Sales Hyper", "hyper-file", Some("Default"))
        ]
    );
    assert_eq!(doc.outputs[0].id, "5e4c9a74-d29a-4f62-baa5-97c443440dfc");

    let lineage: Vec<_> = doc
        .lineage
        .iter()
        .map(|l| {
            (
                l.output.name.clone(),
                l.inputs
                    .iter()
                    .map(|i| (i.id.clone(), i.name.clone()))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let both = vec![
        (
            "c8d9e0f1-2a3b-4c5d-8e6f-0a1b2c3d4e5f".to_owned(),
            "Orders".to_owned(),
        ),
        (
            "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a".to_owned(),
            "Regions".to_owned(),
        ),
    ];
    assert_eq!(
        lineage,
        [
            ("Sales CSV".to_owned(), both.clone()),
            ("Sales Hyper".to_owned(), both)
        ]
    );

    let parameters: Vec<_> = doc
        .parameters
        .iter()
        .map(|p| {
            (
                p.id.as_str(),
                p.name.as_str(),
                p.value_type.as_deref(),
                p.value.as_deref(),
                p.required,
                p.domain.clone(),
            )
        })
        .collect();
    let Domain::List { values } = &parameters[0].5 else {
        panic!("{parameters:?}")
    };
    assert_eq!(values, &["North", "South", "East", "West"]);
    assert_eq!(
        (
            parameters[0].0,
            parameters[0].1,
            parameters[0].2,
            parameters[0].3,
            parameters[0].4
        ),
        (
            demo::REGION_PARAMETER_ID,
            demo::REGION_PARAMETER,
            Some("string"),
            Some("North"),
            false
        )
    );
    assert_eq!(
        (
            parameters[1].0,
            parameters[1].1,
            parameters[1].2,
            parameters[1].3,
            parameters[1].4
        ),
        (
            demo::TOP_N_PARAMETER_ID,
            demo::TOP_N_PARAMETER,
            Some("integer"),
            Some("10"),
            true
        )
    );
    assert!(matches!(
        &parameters[1].5,
        Domain::Range { min: Some(min), max: Some(max), step: Some(step) }
            if min == "1" && max == "100" && step == "1"
    ));

    // Never a credential: the connection's user name is nowhere in the JSON.
    let json = serde_json::to_string(&doc).unwrap();
    assert!(!json.contains("\"sales\""), "{json}");
    assert!(!json.contains("username"), "{json}");
}

#[test]
fn coffee_chain_broken_loom_and_the_demo_flow_one_input_one_output() {
    for (bytes, input, class, server, table, output) in [
        (
            demo::coffee_chain_file(),
            "Coffee Sales",
            "sqlserver",
            "sql.example.com",
            "[coffee_sales]",
            "Coffee Chain output",
        ),
        (
            demo::broken_loom_file(),
            "Loom Orders",
            "postgres",
            "loom-db.example.com",
            "[orders]",
            "Broken Loom output",
        ),
        (
            demo::flow_file_bytes(),
            "Orders",
            "postgres",
            "db.example.com",
            "[orders]",
            "Output",
        ),
    ] {
        let doc = FlowDocument::from_bytes(&bytes).unwrap();
        assert_eq!(doc.inputs.len(), 1);
        let i = &doc.inputs[0];
        let c = i.connection.as_ref().unwrap();
        assert_eq!(
            (
                i.name.as_str(),
                c.class.as_deref(),
                c.server.as_deref(),
                i.table.as_deref()
            ),
            (input, Some(class), Some(server), Some(table))
        );
        let steps: Vec<_> = doc
            .steps
            .iter()
            .map(|s| (s.name.as_str(), s.kind.as_str()))
            .collect();
        assert_eq!(
            steps,
            [(input, "input"), ("Clean", "clean"), (output, "output")]
        );
        assert_eq!(doc.outputs.len(), 1);
        assert_eq!(doc.outputs[0].kind, "published-data-source");
        assert_eq!(doc.outputs[0].data_source.as_deref(), Some(output));
        assert_eq!(doc.lineage.len(), 1);
        assert_eq!(doc.lineage[0].output.name, output);
        let from: Vec<&str> = doc.lineage[0]
            .inputs
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(from, [input]);
        assert!(doc.parameters.is_empty());
    }
}

#[test]
fn the_client_and_the_simulator_share_their_bounds() {
    assert_eq!(
        tableau_flows::document::MAX_ENTRIES,
        tableau_flows_mock::MAX_ENTRIES
    );
    assert_eq!(
        tableau_flows::document::MAX_FLOW_DOCUMENT,
        tableau_flows_mock::MAX_FLOW_DOCUMENT
    );
}

/// A client of `server` signed in with this personal access token.
fn signed_in(
    server: &tableau_flows_mock::MockServer,
    name: &str,
    secret: &str,
) -> tableau_flows::Client {
    let client = tableau_flows::Client::builder(server.url())
        .build()
        .unwrap();
    client
        .sign_in_with(
            tableau_flows::Credentials::personal_access_token(name, secret),
            demo::SITE,
        )
        .unwrap();
    client
}

#[test]
fn the_experimental_document_endpoint_answers_what_the_file_holds() {
    use tableau_flows::document::{FlowDocumentAnswer, FlowDocumentError};
    use tableau_flows_mock::{FlowDocumentApi, MockServer};
    let server = MockServer::builder()
        .flow_document_api(FlowDocumentApi::On)
        .request_log(true)
        .start()
        .unwrap();
    let admin = signed_in(&server, demo::PAT_NAME, demo::PAT_SECRET);
    for id in server.flow_ids() {
        let from_file = FlowDocument::from_bytes(&server.flow_bytes(&id).unwrap()).unwrap();
        match admin.flow_document(id.as_str()).unwrap() {
            FlowDocumentAnswer::Document(doc) => assert_eq!(doc, from_file, "flow {id}"),
            other => panic!("flow {id}: {other:?}"),
        }
    }
    // Under /api/exp, no API version in the path, JSON whatever the client speaks.
    let logged = server.requests().unwrap();
    let last = logged.last().unwrap();
    assert_eq!(
        (last.path.as_str(), last.endpoint, last.status),
        (
            format!(
                "/api/exp/sites/{}/flows/{}/document",
                demo::SITE_ID,
                server.flow_ids().last().unwrap()
            )
            .as_str(),
            Some("get_flow_document"),
            200
        )
    );
    let raw = admin.get_flow_document(demo::SALES_FLOW_ID).send().unwrap();
    let value: serde_json::Value = serde_json::from_slice(raw.as_bytes()).unwrap();
    assert!(
        value["nodes"].is_object(),
        "the flow document itself, unwrapped"
    );

    // Download Flow's permission: the analyst may download Coffee Chain, not Sales Cleanup, and
    // is refused the document with Download Flow's code.
    let analyst = signed_in(&server, demo::ANALYST_PAT_NAME, demo::ANALYST_PAT_SECRET);
    assert!(matches!(
        analyst.flow_document(demo::COFFEE_FLOW_ID).unwrap(),
        FlowDocumentAnswer::Document(_)
    ));
    let download_code = match analyst.download_flow(demo::SALES_FLOW_ID).send() {
        Err(tableau_flows::CallError::Service(e)) => e.code,
        other => panic!("{other:?}"),
    };
    match analyst.flow_document(demo::SALES_FLOW_ID) {
        Err(FlowDocumentError::Call(tableau_flows::CallError::Service(e))) => {
            assert_eq!(e.code, download_code)
        }
        other => panic!("{other:?}"),
    }
    // A flow that does not exist is an error, not a missing endpoint.
    match admin.flow_document("00000000-0000-4000-8000-000000000000") {
        Err(FlowDocumentError::Call(tableau_flows::CallError::Service(e))) => {
            assert_eq!(e.code, tableau_flows::ErrorCode::FlowNotFound)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_server_without_the_document_endpoint_says_so_as_a_typed_outcome() {
    use tableau_flows::document::{FlowDocumentAnswer, NotAvailableReason};
    use tableau_flows_mock::{FlowDocumentApi, MockServer};
    // The default: the feature flag off, 403 with 403200; a server without the endpoint: 404.
    for (builder, reason, status, code) in [
        (
            MockServer::builder(),
            NotAvailableReason::FeatureOff,
            403,
            403200,
        ),
        (
            MockServer::builder().flow_document_api(FlowDocumentApi::Absent),
            NotAvailableReason::NoEndpoint,
            404,
            404003,
        ),
    ] {
        let server = builder.start().unwrap();
        let admin = signed_in(&server, demo::PAT_NAME, demo::PAT_SECRET);
        match admin.flow_document(demo::SALES_FLOW_ID).unwrap() {
            FlowDocumentAnswer::NotAvailable(why) => {
                assert_eq!(
                    (why.reason, why.status, why.code),
                    (reason, status, Some(code))
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
