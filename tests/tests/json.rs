//! The generated JSON codec (issue 19): the rule of `spec/README.md` ("JSON: one rule from the
//! XML shapes") on the 3.24 page's JSON, on every example answer, and the decoder's leniency,
//! errors and bounds.

use serde_json::{Value, json};
use tableau_flows::error::{InvalidValue, Missing};
use tableau_flows::{AnyResponse, DecodeError, Secret};
use tableau_flows_tests::tf::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/json")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(tableau_flows_tests::spec_dir().join("examples").join(name)).unwrap()
}

fn missing(err: DecodeError) -> Missing {
    match err {
        DecodeError::Missing(m) => *m,
        other => panic!("not a Missing: {other:?}"),
    }
}

fn invalid(err: DecodeError) -> InvalidValue {
    match err {
        DecodeError::InvalidValue(v) => *v,
        other => panic!("not an InvalidValue: {other:?}"),
    }
}

/// The page's JSON answer of Create Cloud Flow Task decodes to exactly what its XML answer
/// decodes to: the two show the same data, field by field (the JSON writes one-item lists as
/// objects and an empty list as `[]`, deviation S28, which the decoder reads).
#[test]
fn the_pages_json_answer_equals_its_xml_answer() {
    let from_json =
        CreateCloudFlowTaskResponse::decode_json(&fixture("create_cloud_flow_task.json"))
            .expect("the page's JSON decodes");
    let from_xml = CreateCloudFlowTaskResponse::decode(&example("create_cloud_flow_task.xml"))
        .expect("the page's XML decodes");
    let run = from_json.task.flow_run.as_ref().expect("a flowRun");
    assert_eq!(
        run.id.as_ref().unwrap().as_str(),
        "4d49655a-0f3a-45cc-ba61-b108a763e83a"
    );
    assert_eq!(run.priority, Some(50));
    assert_eq!(run.consecutive_failed_count, Some(0));
    let schedule = run.schedule.as_ref().unwrap();
    assert_eq!(schedule.frequency, Some(ScheduleFrequency::Daily));
    assert_eq!(
        schedule.next_run_at.unwrap().unix_timestamp(),
        1_712_777_400,
        "2024-04-10T19:30:00Z"
    );
    let flow = run.flow.as_ref().unwrap();
    assert_eq!(
        flow.parameters.len(),
        1,
        "a one-item list written as its object"
    );
    let p = &flow.parameters[0];
    assert_eq!(p.is_required, Some(true));
    assert_eq!(p.value.as_deref(), Some("2"));
    assert_eq!(
        p.domain.as_ref().unwrap().kind,
        Some(ParameterDomainKind::from("flowParameterAnyDomainType")),
        "xsi:type is xsi_type"
    );
    let spec = run.flow_run_spec.as_ref().unwrap();
    assert_eq!(spec.output_steps.len(), 1);
    assert!(spec.parameter_specs.is_empty(), "`[]` is an empty list");
    assert_eq!(from_json, from_xml);
}

/// The page's JSON request of Create Cloud Flow Task decodes to what its XML request decodes to
/// (its `intervals` is a bare array of the items, S28), also as a server reads it.
#[test]
fn the_pages_json_request_equals_its_xml_request() {
    let json = fixture("create_cloud_flow_task.request.json");
    let from_json = CreateCloudFlowTaskRequest::decode_json(&json).expect("the page's JSON");
    let from_xml =
        CreateCloudFlowTaskRequest::decode(&fixture("create_cloud_flow_task.request.xml")).unwrap();
    let details = &from_json.schedule.frequency_details;
    assert_eq!(details.intervals.len(), 3);
    assert_eq!(details.intervals[0].hours, Some(4));
    assert_eq!(details.intervals[2].week_day, Some(WeekDay::Wednesday));
    assert_eq!(from_json, from_xml);
    assert_eq!(
        CreateCloudFlowTaskRequest::decode_json_request(&json).unwrap(),
        from_xml
    );
    // Written by the rule, the list has its item key.
    let written: Value = serde_json::from_str(&from_xml.encode_json()).unwrap();
    assert_eq!(
        written["schedule"]["frequencyDetails"]["intervals"]["interval"][0],
        json!({"hours": "4"})
    );
    assert_eq!(
        written["schedule"]["frequencyDetails"]["start"],
        json!("12:30:00")
    );
}

/// Every example answer of the spec: XML to model, model to JSON, JSON to the same model.
#[test]
fn every_example_round_trips_through_json() {
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    let mut seen = 0;
    for e in &spec.endpoints {
        let Some(ex) = &e.example else { continue };
        let model = AnyResponse::decode(&e.id, ex.text.as_bytes())
            .unwrap()
            .unwrap_or_else(|err| panic!("{}: {err}", e.id));
        let json = model.encode_json();
        let value: Value = serde_json::from_str(&json).expect("valid JSON");
        assert!(value.is_object(), "{}: the root is dropped", e.id);
        let again = AnyResponse::decode_json(&e.id, json.as_bytes())
            .unwrap()
            .unwrap_or_else(|err| panic!("{}: {err}\n{json}", e.id));
        assert_eq!(again, model, "{}: {json}", e.id);
        // And back to XML, unchanged.
        assert_eq!(
            again.encode_response().unwrap(),
            model.encode_response().unwrap(),
            "{}",
            e.id
        );
        seen += 1;
    }
    assert!(seen >= 19, "only {seen} examples");
}

/// The shapes of the rule, on examples: lists `{"item": [..]}` (an array even for one item),
/// values as strings, `xsi_type`, an element's text as `value` beside its attributes, absent
/// values left out.
#[test]
fn encoded_json_has_the_rules_shapes() {
    let flows = QueryFlowsResponse::decode(&example("query_flows_for_site.xml")).unwrap();
    let v: Value = serde_json::from_str(&flows.encode_json()).unwrap();
    let page = &v["pagination"];
    assert!(page["pageNumber"].is_string(), "{page}");
    assert_eq!(page["pageNumber"], json!("1"));
    assert!(page["totalAvailable"].is_string());
    let items = v["flows"]["flow"]
        .as_array()
        .expect("{\"flows\": {\"flow\": [..]}}");
    assert_eq!(items.len(), flows.flows.len());
    let first = &items[0];
    assert!(first["id"].is_string());
    assert!(first.get("description").is_none() || first["description"].is_string());
    for (key, value) in first.as_object().unwrap() {
        assert!(
            !value.is_null(),
            "{key} is null: absent values are left out"
        );
    }

    // A one-item list is an array, numbers and booleans are strings, `xsi:type` is `xsi_type`.
    let task = CreateCloudFlowTaskResponse::decode(&example("create_cloud_flow_task.xml")).unwrap();
    let v: Value = serde_json::from_str(&task.encode_json()).unwrap();
    let run = &v["task"]["flowRun"];
    assert_eq!(run["priority"], json!("50"));
    let params = &run["flow"]["parameters"]["parameter"];
    assert_eq!(params.as_array().map(Vec::len), Some(1), "{params}");
    assert_eq!(params[0]["isRequired"], json!("true"));
    assert_eq!(
        params[0]["domain"]["xsi_type"],
        json!("flowParameterAnyDomainType")
    );
    assert_eq!(
        run["flowRunSpec"]["flowOutputSteps"]["flowOutputStep"][0]["name"],
        json!("Output")
    );
    assert_eq!(
        run["flowRunSpec"].get("flowParameterSpecs"),
        Some(&json!({}))
    );
    assert_eq!(run["schedule"]["createdAt"], json!("2024-04-09T18:54:12Z"));

    // Text beside attributes is `value`; a text-only element is its string.
    let info = ServerInfoResponse::decode(
        br#"<tsResponse><serverInfo><productVersion build="20242.24.0">2024.2.0</productVersion><restApiVersion>3.24</restApiVersion><serverSettings><oAuthEnabled>true</oAuthEnabled></serverSettings></serverInfo></tsResponse>"#,
    )
    .unwrap();
    let v: Value = serde_json::from_str(&info.encode_json()).unwrap();
    assert_eq!(
        v,
        json!({"serverInfo": {
            "productVersion": {"value": "2024.2.0", "build": "20242.24.0"},
            "restApiVersion": "3.24",
            "serverSettings": {"oAuthEnabled": "true"}
        }})
    );
    assert_eq!(
        ServerInfoResponse::decode_json(info.encode_json().as_bytes()).unwrap(),
        info
    );
}

/// What real clients and the page write is read: a one-item list as its object, an empty list
/// as `{}`, `[]`, `""`, `null` or nothing, numbers and booleans for strings, `null` for absent,
/// unknown keys skipped.
#[test]
fn the_decoder_is_lenient_as_the_rule_says() {
    let one = QueryFlowsResponse::decode_json(
        br#"{"flows": {"flow": {"id": "f-1", "name": "One"}}, "unknown": {"deep": [1, {"x": null}]}}"#,
    )
    .unwrap();
    assert_eq!(one.flows.len(), 1);
    assert_eq!(one.flows[0].name.as_deref(), Some("One"));
    for empty in [
        r#"{"flows": {}}"#,
        r#"{"flows": []}"#,
        r#"{"flows": ""}"#,
        r#"{"flows": null}"#,
        r#"{"flows": {"flow": []}}"#,
        r#"{}"#,
    ] {
        let page = QueryFlowsResponse::decode_json(empty.as_bytes())
            .unwrap_or_else(|e| panic!("{empty}: {e}"));
        assert!(page.flows.is_empty(), "{empty}");
        assert_eq!(page.pagination, None, "{empty}");
    }
    let typed = QueryFlowsResponse::decode_json(
        br#"{"pagination": {"pageNumber": 2, "pageSize": "100", "totalAvailable": 250},
             "flows": {"flow": [{"id": "f-1", "createdAt": null, "description": null}]}}"#,
    )
    .unwrap();
    let page = typed.pagination.unwrap();
    assert_eq!(
        (page.page_number, page.page_size, page.total_available),
        (Some(2), Some(100), Some(250))
    );
    assert_eq!(typed.flows[0].created_at, None);
    assert_eq!(typed.flows[0].description, None);

    let param = CreateCloudFlowTaskResponse::decode_json(
        br#"{"task": {"flowRun": {"id": "r", "priority": 50, "flow": {"id": "f",
            "parameters": {"parameter": {"id": "p", "isRequired": true, "value": 2}}}}}}"#,
    )
    .unwrap();
    let p = &param.task.flow_run.unwrap().flow.unwrap().parameters[0];
    assert_eq!(p.is_required, Some(true), "a JSON boolean for a flag");
    assert_eq!(p.value.as_deref(), Some("2"), "a JSON number for a text");

    // A list of values: one value, or an array; a text-only element as its string.
    let domain: FlowParameterDomain = decode_domain(r#"{"values": {"value": "North"}}"#);
    assert_eq!(domain.values, ["North"]);
    let domain = decode_domain(r#"{"values": {"value": ["North", "South"]}}"#);
    assert_eq!(domain.values, ["North", "South"]);
    let info = ServerInfoResponse::decode_json(
        br#"{"serverInfo": {"productVersion": "2024.2.0", "restApiVersion": 3.24}}"#,
    )
    .unwrap();
    let info = info.server_info.unwrap();
    assert_eq!(info.rest_api_version.as_deref(), Some("3.24"));
    assert_eq!(
        info.product_version.unwrap().value.as_deref(),
        Some("2024.2.0")
    );
}

fn decode_domain(domain: &str) -> FlowParameterDomain {
    let doc = format!(
        r#"{{"task": {{"flowRun": {{"id": "r", "flow": {{"id": "f", "parameters": {{"parameter": [{{"id": "p", "domain": {domain}}}]}}}}}}}}}}"#
    );
    let answer = CreateCloudFlowTaskResponse::decode_json(doc.as_bytes())
        .unwrap_or_else(|e| panic!("{doc}: {e}"));
    let mut flow = answer.task.flow_run.unwrap().flow.unwrap();
    flow.parameters.remove(0).domain.unwrap()
}

/// A missing required value and a value that does not parse are the errors the XML decoder
/// gives, naming the element and the key.
#[test]
fn missing_and_invalid_values_are_named() {
    let m = missing(
        QueryFlowsResponse::decode_json(br#"{"flows": {"flow": [{"name": "x"}]}}"#).unwrap_err(),
    );
    assert_eq!((m.element.as_str(), m.what.as_str()), ("flow", "key `id`"));
    let m = missing(CreateCloudFlowTaskResponse::decode_json(b"{}").unwrap_err());
    assert_eq!(
        (m.element.as_str(), m.what.as_str()),
        ("tsResponse", "key `task`")
    );

    let v = invalid(
        QueryFlowsResponse::decode_json(br#"{"pagination": {"pageNumber": "one"}}"#).unwrap_err(),
    );
    assert_eq!(v.element, "pagination");
    assert_eq!(v.attribute.as_deref(), Some("pageNumber"));
    assert_eq!(v.value, "one");
    // The same value in XML gives the same error.
    let x = invalid(
        QueryFlowsResponse::decode(br#"<tsResponse><pagination pageNumber="one"/></tsResponse>"#)
            .unwrap_err(),
    );
    assert_eq!(v, x);
    let v = invalid(
        QueryFlowsResponse::decode_json(
            br#"{"flows": {"flow": [{"id": "f", "createdAt": true}]}}"#,
        )
        .unwrap_err(),
    );
    assert_eq!((v.element.as_str(), v.value.as_str()), ("flow", "true"));
    let v = invalid(
        QueryFlowsResponse::decode_json(br#"{"pagination": {"pageNumber": {}}}"#).unwrap_err(),
    );
    assert_eq!(v.attribute.as_deref(), Some("pageNumber"));

    // A request read as a server reads it: an empty number is refused, not absent.
    let lenient = CreateCloudFlowTaskRequest::decode_json(
        br#"{"task": {"flowRun": {"flow": {"id": "f"}}}, "schedule": {"frequency": "Daily", "frequencyDetails": {"start": "12:00:00", "intervals": {"interval": {"hours": ""}}}}}"#,
    )
    .unwrap();
    assert_eq!(lenient.schedule.frequency_details.intervals[0].hours, None);
    let strict = CreateCloudFlowTaskRequest::decode_json_request(
        br#"{"task": {"flowRun": {"flow": {"id": "f"}}}, "schedule": {"frequency": "Daily", "frequencyDetails": {"start": "12:00:00", "intervals": {"interval": {"hours": ""}}}}}"#,
    )
    .unwrap_err();
    assert_eq!(invalid(strict).attribute.as_deref(), Some("hours"));

    // Malformed JSON, and nothing at all.
    assert!(matches!(
        QueryFlowsResponse::decode_json(b"{\"flows\": "),
        Err(DecodeError::Json { .. })
    ));
    assert!(matches!(
        QueryFlowsResponse::decode_json(b"<tsResponse/>"),
        Err(DecodeError::Json {
            line: 1,
            column: 1,
            ..
        })
    ));
    assert_eq!(
        QueryFlowsResponse::decode_json(b" \n"),
        Err(DecodeError::Empty)
    );
    assert!(matches!(
        QueryFlowsResponse::decode_json(b"{} {}"),
        Err(DecodeError::Json { .. })
    ));
}

/// `{"error": {..}}` is the error document, and any other document holding one reports the
/// service's error as the XML decoder does.
#[test]
fn error_documents_decode_as_xmls_do() {
    let body =
        br#"{"error": {"code": "404027", "summary": "Flow not found", "detail": "No flow f-9."}}"#;
    let doc = ErrorDocument::decode_json(body).unwrap();
    assert_eq!(doc.error.code, "404027");
    assert_eq!(doc.error.summary.as_deref(), Some("Flow not found"));
    assert_eq!(doc.error.detail.as_deref(), Some("No flow f-9."));
    let xml = ErrorDocument::decode(doc.encode_response().unwrap().as_bytes()).unwrap();
    assert_eq!(xml, doc);
    assert_eq!(
        serde_json::from_str::<Value>(&doc.encode_json()).unwrap(),
        serde_json::from_slice::<Value>(body).unwrap()
    );

    let from_json = QueryFlowResponse::decode_json(body).unwrap_err();
    let from_xml =
        QueryFlowResponse::decode(doc.encode_response().unwrap().as_bytes()).unwrap_err();
    assert!(matches!(&from_json, DecodeError::Service(d) if d.code == "404027"));
    assert_eq!(from_json, from_xml);
    // A number for the code, as some clients write it.
    let numeric = QueryFlowResponse::decode_json(br#"{"error": {"code": 403135}}"#).unwrap_err();
    assert!(matches!(&numeric, DecodeError::Service(d) if d.code == "403135"));
    // An error without its code is a missing key of `error`.
    let m = missing(QueryFlowResponse::decode_json(br#"{"error": {"summary": "x"}}"#).unwrap_err());
    assert_eq!(
        (m.element.as_str(), m.what.as_str()),
        ("error", "key `code`")
    );
}

/// Secrets go to the wire as they are, and are redacted when a model is shown.
#[test]
fn secrets_are_real_on_the_wire_and_redacted_for_display() {
    let request = SignInRequest {
        credentials: SignInCredentials {
            personal_access_token_name: Some("ci".into()),
            personal_access_token_secret: Some(Secret::new("s3cret")),
            site: SignInSite {
                content_url: Some("marketing".into()),
            },
            ..Default::default()
        },
    };
    let wire: Value = serde_json::from_str(&request.encode_json()).unwrap();
    assert_eq!(
        wire,
        json!({"credentials": {"personalAccessTokenName": "ci", "personalAccessTokenSecret": "s3cret", "site": {"contentUrl": "marketing"}}})
    );
    let shown = serde_json::to_value(&request).unwrap();
    assert_eq!(
        shown["credentials"]["personalAccessTokenSecret"],
        json!("<redacted>")
    );
    assert!(!serde_json::to_string(&request).unwrap().contains("s3cret"));
    let back = SignInRequest::decode_json(request.encode_json().as_bytes()).unwrap();
    assert_eq!(back, request);
    assert_eq!(
        back.credentials
            .personal_access_token_secret
            .unwrap()
            .expose(),
        "s3cret"
    );

    let answer = SignInResponse::decode_json(
        br#"{"credentials": {"token": "tok-123", "site": {"id": "s", "contentUrl": ""}, "user": {"id": "u"}}}"#,
    )
    .unwrap();
    assert_eq!(answer.credentials.token.expose(), "tok-123");
    assert!(answer.encode_json().contains("\"token\":\"tok-123\""));
    assert!(!serde_json::to_string(&answer).unwrap().contains("tok-123"));
}

/// The XML decoder's bounds hold in JSON: a hostile answer of many tiny items is refused by the
/// item budget, a page holding more than its page size is refused at the item after the last,
/// and a deep document is refused.
#[test]
fn the_decoders_bounds_hold_in_json() {
    // `{}` items: 3 bytes of JSON each, each a `Flow` of hundreds of bytes (its `id` missing is
    // never reached: the budget runs out first).
    let mut hostile = String::from(r#"{"flows": {"flow": ["#);
    let n = 2 * 1024 * 1024 / 3;
    for i in 0..n {
        if i > 0 {
            hostile.push(',');
        }
        hostile.push_str(r#"{"id":"a"}"#);
    }
    hostile.push_str("]}}");
    match QueryFlowsResponse::decode_json(hostile.as_bytes()) {
        Err(DecodeError::TooManyItems { element, .. }) => assert_eq!(element, "flow"),
        other => panic!("not refused: {:?}", other.map(|r| r.flows.len())),
    }

    let three = br#"{"pagination": {"pageSize": "2"}, "flows": {"flow": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}}"#;
    assert_eq!(
        QueryFlowsResponse::decode_json_page(three, 2),
        Err(DecodeError::PageTooLong { page_size: 2 })
    );
    assert_eq!(
        QueryFlowsResponse::decode_json_page(three, 3)
            .unwrap()
            .flows
            .len(),
        3
    );

    let deep = format!("{}{}", r#"{"x":"#.repeat(200), "}".repeat(201));
    assert!(QueryFlowsResponse::decode_json(deep.as_bytes()).is_err());
}

/// `tabflow --json` prints what `serde::Serialize` writes: the rule's mapping, as `encode_json`
/// writes it, secrets aside.
#[test]
fn serialize_is_the_wire_mapping() {
    let flows = QueryFlowsResponse::decode(&example("query_flows_for_site.xml")).unwrap();
    assert_eq!(serde_json::to_string(&flows).unwrap(), flows.encode_json());
}

/// Broken JSON never panics a decoder: every example's JSON cut at every byte, and with bytes
/// replaced by JSON's structural characters, decodes to a model or to an error that formats.
#[test]
fn broken_json_is_an_error_never_a_panic() {
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    let mut tried = 0usize;
    for e in &spec.endpoints {
        let Some(ex) = &e.example else { continue };
        let model = AnyResponse::decode(&e.id, ex.text.as_bytes())
            .unwrap()
            .unwrap();
        let json = model.encode_json().into_bytes();
        let mut check = |bytes: &[u8]| {
            match AnyResponse::decode_json(&e.id, bytes).unwrap() {
                Ok(answer) => {
                    // What decodes encodes, and decodes again to the same.
                    let again = AnyResponse::decode_json(&e.id, answer.encode_json().as_bytes())
                        .unwrap()
                        .unwrap();
                    assert_eq!(again, answer, "{}", e.id);
                }
                Err(err) => assert!(!err.to_string().is_empty()),
            }
            tried += 1;
        };
        for cut in 0..json.len() {
            check(&json[..cut]);
        }
        for at in (0..json.len()).step_by(3) {
            for b in [b'"', b'{', b'}', b'[', b']', b'1', b'n', b',', b':', b't'] {
                let mut broken = json.clone();
                broken[at] = b;
                check(&broken);
            }
        }
    }
    assert!(tried > 10_000, "only {tried} inputs");
}

#[test]
fn an_empty_object_for_an_element_that_requires_more_is_absent() {
    // tableau-api-lib's Update Flow: `"owner": {}` beside the project leaves the owner as it is
    // (deviation S30), in a request read strictly as a server reads it.
    let body = br#"{"flow": {"project": {"id": "p1"}, "owner": {}}}"#;
    let request = UpdateFlowRequest::decode_json_request(body).unwrap();
    assert!(request.flow.owner.is_none(), "{request:?}");
    assert_eq!(
        request.flow.project.as_ref().map(|p| p.id.as_str()),
        Some("p1")
    );
    // An owner with entries but without its id is still an error naming it.
    let err = UpdateFlowRequest::decode_json_request(br#"{"flow": {"owner": {"name": "x"}}}"#)
        .unwrap_err();
    assert_eq!(missing(err).element, "owner");
    // A list item `{}` is no absent element: the item lacks its id.
    let err = QueryFlowsResponse::decode_json(br#"{"flows": {"flow": [{}]}}"#).unwrap_err();
    assert_eq!(missing(err).element, "flow");
    // A document `{}` lacking what it requires is not absent either.
    let err = CreateCloudFlowTaskResponse::decode_json(b"{}").unwrap_err();
    assert_eq!(missing(err).element, "tsResponse");
}

#[test]
fn a_request_read_strictly_holds_only_what_xml_can_hold() {
    // JSON escapes the control character; XML could not hold it at all.
    let body = r#"{"flow": {"project": {"id": "p\u001c1"}}}"#;
    let err = UpdateFlowRequest::decode_json_request(body.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("U+001C"), "{err}");
    // An answer is read as a client reads it: kept.
    assert!(UpdateFlowRequest::decode_json(body.as_bytes()).is_ok());
}

/// A client of `server` speaking `format`, signed in as the demo's administrator.
fn client_in(server: &tableau_flows_mock::MockServer, format: WireFormat) -> Client {
    let client = Client::builder(server.url())
        .wire_format(format)
        .build()
        .unwrap();
    client
        .sign_in_with(
            Credentials::personal_access_token(
                tableau_flows_mock::demo::PAT_NAME,
                tableau_flows_mock::demo::PAT_SECRET,
            ),
            tableau_flows_mock::demo::SITE,
        )
        .unwrap();
    client
}

#[test]
fn the_simulator_answers_the_same_models_in_json_as_in_xml() {
    use tableau_flows_mock::demo;
    let server = tableau_flows_mock::MockServer::builder().start().unwrap();
    let x = client_in(&server, WireFormat::Xml);
    let j = client_in(&server, WireFormat::Json);
    assert_eq!(j.wire_format(), WireFormat::Json);
    assert_eq!(
        x.server_info().send().unwrap(),
        j.server_info().send().unwrap()
    );
    assert_eq!(
        x.query_flows_for_site().send().unwrap(),
        j.query_flows_for_site().send().unwrap()
    );
    for flow in [demo::SALES_FLOW_ID, demo::COFFEE_FLOW_ID] {
        assert_eq!(
            x.query_flow(flow).send().unwrap(),
            j.query_flow(flow).send().unwrap()
        );
        assert_eq!(
            x.query_flow_connections(flow).send().unwrap(),
            j.query_flow_connections(flow).send().unwrap()
        );
        assert_eq!(
            x.list_flow_permissions(flow).send().unwrap(),
            j.list_flow_permissions(flow).send().unwrap()
        );
    }
    assert_eq!(
        x.query_projects().send().unwrap(),
        j.query_projects().send().unwrap()
    );
    assert_eq!(
        x.get_users_on_site().send().unwrap(),
        j.get_users_on_site().send().unwrap()
    );
    assert_eq!(
        x.query_groups().send().unwrap(),
        j.query_groups().send().unwrap()
    );
    assert_eq!(
        x.list_server_schedules().send().unwrap(),
        j.list_server_schedules().send().unwrap()
    );
    assert_eq!(
        x.get_flow_run_tasks().send().unwrap(),
        j.get_flow_run_tasks().send().unwrap()
    );
    assert_eq!(
        x.get_linked_tasks().send().unwrap(),
        j.get_linked_tasks().send().unwrap()
    );
    // A run started in JSON with a parameter by name, read back in both.
    let started = j
        .run_flow(
            demo::SALES_FLOW_ID,
            RunOptions::new()
                .parameter("Region", "North")
                .parameter("Top N", "5"),
        )
        .unwrap();
    let run = started.flow_run_id().unwrap();
    assert_eq!(
        x.get_flow_run(run.clone()).send().unwrap(),
        j.get_flow_run(run).send().unwrap()
    );
    assert_eq!(
        x.query_job(started.job.id.clone()).send().unwrap(),
        j.query_job(started.job.id).send().unwrap()
    );
    // A service error in JSON is the same typed error.
    let missing = "00000000-0000-0000-0000-000000000000";
    let (ex, ej) = (
        x.query_flow(missing).send().unwrap_err(),
        j.query_flow(missing).send().unwrap_err(),
    );
    assert_eq!((ex.code(), ex.message()), (ej.code(), ej.message()));
}
