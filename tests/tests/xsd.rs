//! Every request body the client produces validates against Tableau's official schema
//! (`spec/reference/ts-api_3_29.xsd`, with the namespace added to the body) using `xmllint`.
//!
//! Where the schema is wrong about what the reference pages (and servers) accept, only that part is
//! relaxed; each relaxation is listed in `RELAXATIONS` with its reason. `xmllint` must be installed
//! (`.ci/run` installs libxml2-utils); set `TABLEAU_FLOWS_SKIP_XMLLINT=1` to skip deliberately.

use std::path::PathBuf;
use std::process::Command;
use tableau_flows_tests::cases::{self, *};
use tableau_flows_tests::model;
use tableau_flows_tests::tf::*;
use tableau_flows_tests::{Recorded, TestServer};

/// (what is replaced, by what, why).
const RELAXATIONS: &[(&str, &str, &str)] = &[
    (
        "<xs:element name=\"tsRequest\">\n      <xs:complexType>\n         <xs:choice>",
        "<xs:element name=\"tsRequest\">\n      <xs:complexType>\n         <xs:choice maxOccurs=\"unbounded\">",
        "The schema allows one child of <tsRequest>; Publish Flow's payload is <flow> and <connections> \
         (deviation S12, the page's request body) and Create Cloud Flow Task's is <task> and <schedule> \
         (erratum E6: the page's XML block is the shape to follow).",
    ),
    (
        "<xs:element name=\"flowOutputSteps\">\n            <xs:complexType>\n               <xs:sequence>\n                  <xs:element name=\"flowOutputStep\"",
        "<xs:element name=\"flowOutputSteps\" minOccurs=\"0\">\n            <xs:complexType>\n               <xs:sequence>\n                  <xs:element name=\"flowOutputStep\"",
        "flowRunSpecType requires <flowOutputSteps>; the 3.24 page's Run Flow Now shows a body \"not \
         specifying output step (effectively running all output steps)\".",
    ),
    (
        "<xs:element name=\"flowParameterSpecs\">",
        "<xs:element name=\"flowParameterSpecs\" minOccurs=\"0\">",
        "flowRunSpecType requires <flowParameterSpecs>; the 3.24 page's Run Flow Now shows \"a request \
         body for running a flow with no parameters\".",
    ),
    (
        "<xs:element name=\"flowRunSpec\" type=\"flowRunSpecType\"/>\n      </xs:sequence>\n      <xs:attribute name=\"consecutiveFailedCount\"",
        "<xs:element name=\"flowRunSpec\" type=\"flowRunSpecType\" minOccurs=\"0\"/>\n      </xs:sequence>\n      <xs:attribute name=\"consecutiveFailedCount\"",
        "taskRunFlowType requires <flowRunSpec>; both pages' Add Flow Task to (Server) Schedule bodies \
         omit it (\"The <flowRunSpec> in the request body is optional\").",
    ),
    (
        "<xs:enumeration value=\"8\"/>\n            </xs:restriction>",
        "<xs:enumeration value=\"8\"/>\n               <xs:enumeration value=\"24\"/>\n            </xs:restriction>",
        "intervalType's hours omit 24; the Create Cloud Flow Task page lists 2, 4, 6, 8, 12 or 24 for Daily.",
    ),
    (
        "<xs:enumeration value=\"30\"/>\n            </xs:restriction>",
        "<xs:enumeration value=\"30\"/>\n               <xs:enumeration value=\"60\"/>\n            </xs:restriction>",
        "intervalType's minutes omit 60; the Create Cloud Flow Task page says minutes=\"60\" is the only \
         valid value for Hourly.",
    ),
    (
        "<xs:restriction base=\"xs:string\">\n                     <xs:enumeration value=\"LastDay\"/>\n                  </xs:restriction>\n               </xs:simpleType>\n            </xs:union>\n         </xs:simpleType>\n      </xs:attribute>\n      <xs:attribute name=\"weekDay\">",
        "<xs:restriction base=\"xs:string\">\n                     <xs:enumeration value=\"LastDay\"/>\n                     <xs:enumeration value=\"First\"/>\n                     <xs:enumeration value=\"Second\"/>\n                     <xs:enumeration value=\"Third\"/>\n                     <xs:enumeration value=\"Fourth\"/>\n                     <xs:enumeration value=\"Fifth\"/>\n                  </xs:restriction>\n               </xs:simpleType>\n            </xs:union>\n         </xs:simpleType>\n      </xs:attribute>\n      <xs:attribute name=\"weekDay\">",
        "intervalType's monthDay allows 1 to 31 and LastDay; the Create Cloud Flow Task page also \
         documents the occurrence of a weekday: monthDay=\"First\" ... \"Fifth\" with weekDay.",
    ),
];

fn relaxed_schema() -> PathBuf {
    let original =
        std::fs::read_to_string(tableau_flows_tests::spec_dir().join("reference/ts-api_3_29.xsd"))
            .unwrap();
    let mut xsd = original.clone();
    for (from, to, why) in RELAXATIONS {
        assert_eq!(
            xsd.matches(from).count(),
            1,
            "relaxation no longer applies exactly once: {why}"
        );
        xsd = xsd.replacen(from, to, 1);
    }
    let dir = std::env::temp_dir().join(format!("tableau-flows-xsd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ts-api_3_29-relaxed.xsd");
    std::fs::write(&path, xsd).unwrap();
    path
}

fn xmllint_available() -> bool {
    if std::env::var_os("TABLEAU_FLOWS_SKIP_XMLLINT").is_some() {
        eprintln!("TABLEAU_FLOWS_SKIP_XMLLINT is set: schema validation skipped");
        return false;
    }
    match Command::new("xmllint").arg("--version").output() {
        Ok(_) => true,
        Err(e) => panic!("xmllint is needed (apt-get install libxml2-utils): {e}"),
    }
}

/// The XML of a request: the body, or the request_payload part of a multipart body.
fn payload(req: &Recorded) -> Option<String> {
    let ct = req.header("content-type")?;
    let body = req.body_text();
    if ct.starts_with("multipart/mixed") {
        let start = body.find("<tsRequest")?;
        let end = body[start..].find("\r\n--BOUNDARY")? + start;
        Some(body[start..end].to_owned())
    } else {
        Some(body)
    }
}

fn with_namespace(xml: &str) -> String {
    assert!(xml.starts_with("<tsRequest"), "{xml}");
    xml.replacen(
        "<tsRequest",
        "<tsRequest xmlns=\"http://tableau.com/api\"",
        1,
    )
}

fn validate(schema: &PathBuf, name: &str, xml: &str) -> Result<(), String> {
    let dir = schema.parent().unwrap();
    let file = dir.join(format!("{name}.xml"));
    std::fs::write(&file, with_namespace(xml)).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(schema)
        .arg(&file)
        .output()
        .expect("run xmllint");
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{name}: {}\n{xml}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Bodies beyond the endpoint cases: the other sign-in forms, empty and minimal bodies.
fn extra_bodies() -> Vec<(&'static str, String)> {
    let pw = SignInRequest {
        credentials: SignInCredentials {
            name: Some("admin".into()),
            password: Some(Secret::new("p\"w<&>")),
            site: SignInSite {
                content_url: Some(String::new()),
            },
            ..Default::default()
        },
    };
    let jwt = SignInRequest {
        credentials: SignInCredentials {
            jwt: Some(Secret::new("eyJhbGciOi.x.y")),
            site: SignInSite {
                content_url: Some("marketing".into()),
            },
            ..Default::default()
        },
    };
    let run_empty = RunFlowNowRequest::default();
    let run_params_only = RunFlowNowRequest {
        flow_run_spec: Some(model!(cases::flow_run_spec(), output_steps = Vec::new())),
    };
    let hourly = CreateCloudFlowTaskRequest {
        task: NewFlowTask {
            flow_run: NewFlowRun {
                flow: FlowRef { id: FLOW.into() },
                flow_run_spec: None,
            },
        },
        schedule: CloudFlowTaskSchedule {
            frequency: ScheduleFrequency::Monthly,
            frequency_details: model!(
                FrequencyDetails::new(Time::from_hms(1, 0, 0).unwrap()),
                intervals = vec![
                    model!(
                        Interval::new(),
                        month_day = Some("Third".into()),
                        week_day = Some(WeekDay::Thursday),
                    ),
                    model!(Interval::new(), hours = Some(24)),
                    model!(Interval::new(), minutes = Some(60)),
                ],
            ),
        },
    };
    vec![
        ("sign_in_password", pw.encode().unwrap()),
        ("sign_in_jwt", jwt.encode().unwrap()),
        ("run_flow_now_empty", run_empty.encode().unwrap()),
        (
            "run_flow_now_parameters_only",
            run_params_only.encode().unwrap(),
        ),
        ("create_cloud_flow_task_monthly", hourly.encode().unwrap()),
        (
            "update_flow_empty",
            UpdateFlowRequest::default().encode().unwrap(),
        ),
    ]
}

#[test]
fn every_request_body_validates_against_the_schema() {
    if !xmllint_available() {
        return;
    }
    let schema = relaxed_schema();
    let server = TestServer::start();
    let client = server.client();
    let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).expect("spec");
    let mut bodies: Vec<(String, String)> = Vec::new();
    for e in &spec.endpoints {
        server.push(cases::answer(&e.id));
        cases::call(&client, &e.id).unwrap_or_else(|err| panic!("{}: {err}", e.id));
        let req = server.take_requests().remove(0);
        if let Some(xml) = payload(&req) {
            bodies.push((e.id.clone(), xml));
        }
    }
    // Every endpoint that sends a body was seen.
    let with_body = spec
        .endpoints
        .iter()
        .filter(|e| !matches!(e.request, tableau_flows_codegen::ir::Request::None))
        .count();
    assert_eq!(bodies.len(), with_body);
    for (name, xml) in extra_bodies() {
        bodies.push((name.to_owned(), xml));
    }
    let failures: Vec<String> = bodies
        .iter()
        .filter_map(|(n, x)| validate(&schema, n, x).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_relaxations_are_needed() {
    // Each relaxation must be load-bearing: without it, some body of the client fails.
    if !xmllint_available() {
        return;
    }
    let strict = tableau_flows_tests::spec_dir().join("reference/ts-api_3_29.xsd");
    let strict = strict.canonicalize().unwrap();
    let (_, publish) = {
        let server = TestServer::start();
        let client = server.client();
        server.push(cases::answer("publish_flow"));
        cases::call(&client, "publish_flow").unwrap();
        ("publish_flow", payload(&server.take_requests()[0]).unwrap())
    };
    assert!(
        validate(&strict, "strict_publish", &publish).is_err(),
        "the strict schema rejects Publish Flow's payload"
    );
    let run = RunFlowNowRequest {
        flow_run_spec: Some(model!(cases::flow_run_spec(), output_steps = Vec::new())),
    };
    assert!(validate(&strict, "strict_run", &run.encode().unwrap()).is_err());
}

/// The simulator's answers of the support endpoints (written for this project, from sources other
/// than Tableau's pages) validate against the official schema as they are, unrelaxed.
#[test]
fn the_support_endpoints_answers_validate_against_the_official_schema() {
    if !xmllint_available() {
        return;
    }
    let schema = tableau_flows_tests::spec_dir().join("reference/ts-api_3_29.xsd");
    let server = tableau_flows_mock::MockServer::builder().start().unwrap();
    let client = Client::builder(server.url()).build().unwrap();
    client
        .sign_in_with(
            Credentials::personal_access_token(
                tableau_flows_mock::demo::PAT_NAME,
                tableau_flows_mock::demo::PAT_SECRET,
            ),
            tableau_flows_mock::demo::SITE,
        )
        .unwrap();
    let dir = std::env::temp_dir().join(format!("tableau-flows-answers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    use tableau_flows_mock::demo;
    for (id, query, path) in [
        ("query_projects", None, None),
        ("get_users_on_site", Some(("fields", "_all_")), None),
        ("get_users_on_site", None, None),
        (
            "query_user_on_site",
            None,
            Some(("user_id", demo::ANALYST_ID)),
        ),
        ("query_groups", None, None),
        ("list_server_schedules", None, None),
        (
            "query_project_permissions",
            None,
            Some(("project_id", demo::PROJECT_ID)),
        ),
        (
            "query_default_workbook_permissions",
            None,
            Some(("project_id", demo::PROJECT_ID)),
        ),
        (
            "query_default_datasource_permissions",
            None,
            Some(("project_id", demo::PROJECT_ID)),
        ),
        (
            "query_default_flow_permissions",
            None,
            Some(("project_id", demo::PROJECT_ID)),
        ),
        // No default permissions: an empty answer is well formed too.
        (
            "query_default_flow_permissions",
            None,
            Some(("project_id", demo::SALES_PROJECT_ID)),
        ),
    ] {
        let mut call = client.raw(id).unwrap();
        if let Some((k, v)) = query {
            call = call.query(k, v);
        }
        if let Some((k, v)) = path {
            call = call.path(k, v);
        }
        let body = call.send().unwrap().body;
        let file = dir.join(format!("{id}.xml"));
        std::fs::write(&file, &body).unwrap();
        let out = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&schema)
            .arg(&file)
            .output()
            .expect("run xmllint");
        if !out.status.success() {
            failures.push(format!(
                "{id}: {}\n{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&body)
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
