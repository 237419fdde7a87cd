//! Every endpoint against a local HTTP server: the exact request built from fixed inputs (a
//! snapshot per endpoint), the decoding of the answer, and the error mapping.

use tableau_flows_tests::cases::*;
use tableau_flows_tests::tf::*;
use tableau_flows_tests::{Answer, TestServer};

#[test]
fn every_endpoint_request_and_answer() {
    let server = TestServer::start();
    let client = server.client();
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    for e in &spec.endpoints {
        server.push(answer(&e.id));
        let result = call(&client, &e.id).unwrap_or_else(|err| panic!("{}: {err}", e.id));
        let requests = server.take_requests();
        assert_eq!(requests.len(), 1, "{}", e.id);
        let req = &requests[0];
        assert_eq!(req.method, e.method, "{}", e.id);
        // An experimental endpoint follows /api/exp, with no version.
        let base = if e.is_experimental() {
            "/api/exp".to_owned()
        } else {
            "/api/3.24".to_owned()
        };
        let expected_prefix = format!("{base}{}", e.path.split('{').next().unwrap());
        assert!(
            req.url.starts_with(&expected_prefix),
            "{}: {}",
            e.id,
            req.url
        );
        assert_eq!(
            req.header("x-tableau-auth").is_some(),
            e.auth,
            "{}: auth header",
            e.id
        );
        insta::assert_snapshot!(format!("request_{}", e.id), req.render());
        assert!(!result.is_empty(), "{}", e.id);
    }
}

#[test]
fn secrets_are_sent_but_never_shown() {
    let server = TestServer::start();
    let client = server.client();
    server.push(answer("sign_in"));
    let out = call(&client, "sign_in").unwrap();
    let req = &server.take_requests()[0];
    assert!(
        req.body_text()
            .contains(r#"personalAccessTokenSecret="s3cr3t""#)
    );
    assert!(
        !out.contains("session-token"),
        "Debug shows the token: {out}"
    );
    assert!(out.contains("<redacted>") || out.contains("Secret(<redacted>)"));
    assert!(!format!("{:?}", client.session()).contains("token-1"));
}

#[test]
fn decoded_answers() {
    let server = TestServer::start();
    let client = server.client();
    server.push(answer("query_flow"));
    let q = client.query_flow("flow-1").send().unwrap();
    assert_eq!(q.output_steps.len(), 3);
    assert_eq!(
        q.flow.name.as_deref(),
        Some("SQLServerUserNamePassword Good")
    );
    server.push(answer("get_flow_runs"));
    let runs = client.get_flow_runs().send().unwrap();
    assert!(
        runs.pagination.is_none(),
        "real servers send no pagination (S1)"
    );
    assert!(
        runs.runs
            .iter()
            .any(|r| r.status == Some(RunStatus::InProgress) && r.completed_at.is_none())
    );
    server.push(answer("download_flow"));
    let d = client.download_flow("flow-1").send().unwrap();
    assert_eq!(
        d.filename.as_deref(),
        Some("Coffee Chain.tflx"),
        "directories are stripped from the file name"
    );
    server.push(answer("server_info"));
    let info = client.server_info().send().unwrap();
    assert_eq!(
        info.server_info.unwrap().rest_api_version.as_deref(),
        Some("3.23")
    );
}

#[test]
fn path_segments_are_percent_encoded() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::empty(204));
    client.delete_flow("a/b c?d").send().unwrap();
    assert_eq!(
        server.take_requests()[0].url,
        "/api/3.24/sites/site-1/flows/a%2Fb%20c%3Fd"
    );
}

#[test]
fn service_errors_are_typed_per_endpoint() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::error(
        404,
        404027,
        "Flow not found",
        "No flow with id flow-9.",
    ));
    let err = client.query_flow("flow-9").send().unwrap_err();
    let CallError::Service(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 404);
    assert_eq!(api.code, ErrorCode::FlowNotFound);
    assert_eq!(api.code.code(), 404027);
    assert_eq!(api.kind, QueryFlowError::FlowNotFound);
    assert_eq!(api.summary, "Flow not found");
    assert_eq!(api.detail, "No flow with id flow-9.");
    assert_eq!(
        err.to_string(),
        "Query Flow: HTTP 404, error 404027: Flow not found: No flow with id flow-9."
    );

    // A code the endpoint's table does not list.
    server.push(Answer::error(404, 404036, "Flow run not found", "x"));
    let err = client.query_flow("flow-9").send().unwrap_err();
    assert_eq!(
        err.kind(),
        Some(QueryFlowError::Unhandled(ErrorCode::FlowRunNotFound))
    );

    // A code nobody knows.
    server.push(Answer::error(400, 400999, "New", "x"));
    let err = client.query_flow("flow-9").send().unwrap_err();
    assert_eq!(
        err.kind(),
        Some(QueryFlowError::Unhandled(ErrorCode::Other(400999)))
    );
    assert_eq!(ErrorCode::Other(400999).http_status(), 400);
}

#[test]
fn a_2xx_answer_holding_an_error_is_an_error() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::error(
        200,
        403135,
        "Flow run already complete",
        "Run run-1 finished.",
    ));
    let err = client.cancel_flow_run("run-1").send().unwrap_err();
    let CallError::Service(api) = err else {
        panic!()
    };
    assert_eq!(api.status, 200);
    assert_eq!(api.kind, CancelFlowRunError::FlowRunAlreadyComplete);
    // Also when the success answer is a document.
    server.push(Answer::error(200, 404027, "Flow not found", "gone"));
    assert_eq!(
        client.query_flow("f").send().unwrap_err().kind(),
        Some(QueryFlowError::FlowNotFound)
    );
}

#[test]
fn answers_that_are_not_error_documents() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::xml(502, "<html><body>Bad gateway</body></html>"));
    match client.query_flow("f").send().unwrap_err() {
        CallError::UnexpectedStatus { status, body } => {
            assert_eq!(status, 502);
            assert!(body.contains("Bad gateway"));
        }
        other => panic!("{other:?}"),
    }
    server.push(Answer::xml(200, "<tsResponse><flow id=\"f\"><project"));
    assert!(matches!(
        client.query_flow("f").send().unwrap_err(),
        CallError::Decode(_)
    ));
    server.push(Answer::xml(
        200,
        doc(r#"<flow id="f" createdAt="yesterday"/>"#),
    ));
    let err = client.query_flow("f").send().unwrap_err();
    assert!(err.to_string().contains("createdAt"), "{err}");
}

#[test]
fn calls_newer_than_the_client_fail_before_sending() {
    let server = TestServer::start();
    let client = server.client_with(|b| b.api_version(ApiVersion::new(3, 6)));
    // An endpoint newer than 3.6.
    let err = client.get_flow_runs().send().unwrap_err();
    assert_eq!(
        err.to_string(),
        "Get Flow Runs needs API 3.10, but the client speaks API 3.6"
    );
    // A query parameter newer than 3.6.
    let err = client
        .run_flow_now("f", RunFlowNowRequest::default())
        .flow_run_mode(FlowRunMode::Full)
        .send()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the query parameter `flowRunMode` of Run Flow Now needs API 3.24, but the client speaks API 3.6"
    );
    // A body field newer than 3.6.
    let err = client
        .run_flow_now(
            "f",
            RunFlowNowRequest {
                flow_run_spec: Some(flow_run_spec()),
            },
        )
        .send()
        .unwrap_err();
    assert!(
        matches!(&err, CallError::Unsupported(v) if v.required == ApiVersion::new(3, 24)),
        "{err}"
    );
    // An enum value newer than 3.6, in a body and in a path.
    let err = call(&client, "add_flow_permissions").unwrap_err();
    assert_eq!(
        err,
        "Capability::Execute needs API 3.24, but the client speaks API 3.6"
    );
    let err = client
        .delete_flow_permission_for_user(
            "f",
            "u",
            Capability::WebAuthoringForFlows,
            CapabilityMode::Allow,
        )
        .send()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Capability::WebAuthoringForFlows needs API 3.24"),
        "{err}"
    );
    assert!(server.take_requests().is_empty(), "nothing may be sent");
    // What 3.6 had still works.
    server.push(Answer::empty(204));
    client
        .delete_flow_permission_for_user("f", "u", Capability::Read, CapabilityMode::Allow)
        .send()
        .unwrap();
    assert_eq!(
        server.take_requests()[0].url,
        "/api/3.6/sites/site-1/flows/f/permissions/users/u/Read/Allow"
    );
}

#[test]
fn bad_arguments_and_missing_sessions_fail_before_sending() {
    let server = TestServer::start();
    let client = server.client();
    let err = client
        .query_flows_for_site()
        .page_size(0)
        .send()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid argument: pageSize must be between 1 and 1000, not 0"
    );
    let err = client
        .query_flows_for_site()
        .page_size(1001)
        .send()
        .unwrap_err();
    assert!(matches!(err, CallError::InvalidArgument(_)));
    client.clear_session();
    assert!(matches!(
        client.query_flow("f").send().unwrap_err(),
        CallError::NotSignedIn
    ));
    assert!(server.take_requests().is_empty());
    // Endpoints without auth need no session.
    server.push(answer("server_info"));
    client.server_info().send().unwrap();
    assert!(server.take_requests()[0].header("x-tableau-auth").is_none());
}

#[test]
fn plain_http_only_to_loopback() {
    assert!(
        Client::builder("http://tableau.example.com")
            .build()
            .is_err()
    );
    assert!(
        Client::builder("http://tableau.example.com")
            .allow_plain_http(true)
            .build()
            .is_ok()
    );
    assert!(Client::builder("http://127.0.0.1:8080").build().is_ok());
    assert!(Client::builder("ftp://x").build().is_err());
}

#[test]
fn hostile_answers_are_typed_errors() {
    let server = TestServer::start();
    // Nesting deeper than the decoder accepts.
    let deep = format!(
        "<tsResponse>{}{}</tsResponse>",
        "<a>".repeat(200),
        "</a>".repeat(200)
    );
    let client = server.client();
    server.push(Answer::xml(200, deep));
    let err = client.query_flow("f").send().unwrap_err();
    assert!(
        matches!(err, CallError::Decode(DecodeError::TooDeep { .. })),
        "{err:?}"
    );
    // An answer larger than the cap is refused, not read into memory.
    let client = server.client_with(|b| b.max_response_bytes(1024));
    server.push(Answer::xml(
        200,
        doc(&format!(
            "<flow id=\"f\" description=\"{}\"/>",
            "x".repeat(4096)
        )),
    ));
    let err = client.query_flow("f").send().unwrap_err();
    assert!(
        matches!(err, CallError::ResponseTooLarge { limit: 1024 }),
        "{err:?}"
    );
    // Not XML at all.
    server.push(Answer::xml(200, "this is not xml"));
    assert!(matches!(
        client.query_flow("f").send().unwrap_err(),
        CallError::Decode(DecodeError::NotXml)
    ));
    // The wrong root.
    server.push(Answer::xml(200, "<html><body/></html>"));
    assert!(matches!(
        client.query_flow("f").send().unwrap_err(),
        CallError::Decode(DecodeError::UnexpectedRoot { .. })
    ));
    // A required attribute missing.
    server.push(Answer::xml(200, doc("<flow name=\"no id\"/>")));
    let err = client.query_flow("f").send().unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot decode the answer: <flow> has no attribute `id`"
    );
}

#[test]
fn an_attribute_given_twice_is_a_syntax_error() {
    use tableau_flows::flows::QueryFlowResponse;
    // A known attribute twice: told by the decoder's own bookkeeping, not quick-xml's.
    let err =
        QueryFlowResponse::decode(doc(r#"<flow id="a" name="x" id="b"/>"#).as_bytes()).unwrap_err();
    assert!(matches!(err, DecodeError::Syntax { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("in <flow>: the attribute `id` is given twice"),
        "{err}"
    );
    // An attribute the model does not know, twice: the element is checked whole.
    let err = QueryFlowResponse::decode(
        doc(r#"<flow id="a" colour="1" name="x" colour="2"/>"#).as_bytes(),
    )
    .unwrap_err();
    assert!(matches!(err, DecodeError::Syntax { .. }), "{err:?}");
    // Unknown attributes once each are skipped.
    let ok = QueryFlowResponse::decode(
        doc(r#"<flow id="a" colour="1" shade="2" name="x"/>"#).as_bytes(),
    )
    .unwrap();
    assert_eq!(ok.flow.name.as_deref(), Some("x"));
}

#[test]
fn a_text_reads_back_as_written_whitespace_included() {
    // As the official client reads `.text` (fuzzing found the decoder trimmed it: K5).
    let xml = r#"<tsResponse xmlns="http://tableau.com/api"><error code="400000"><summary>	Bad request </summary><detail>
two lines
</detail></error></tsResponse>"#;
    let error = tableau_flows::ErrorDocument::decode(xml.as_bytes())
        .unwrap()
        .error;
    assert_eq!(error.summary.as_deref(), Some("\tBad request "));
    assert_eq!(error.detail.as_deref(), Some("\ntwo lines\n"));
    let xml = doc(
        r#"<flow id="f"><parameters><parameter id="p" type="string"><domain domainType="list"><values><value> North</value><value>South </value></values></domain></parameter></parameters></flow>"#,
    );
    let flow = tableau_flows::flows::QueryFlowResponse::decode(xml.as_bytes())
        .unwrap()
        .flow;
    let values = &flow.parameters[0].domain.as_ref().unwrap().values;
    assert_eq!(values, &[" North", "South "]);
}
