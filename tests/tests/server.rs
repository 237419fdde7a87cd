//! The simulator's generated server interface, checked from outside: raw requests as any client
//! sends them (not through this project's client), and a namespace-aware XML parser (roxmltree)
//! on every answer of every endpoint.

use tableau_flows_mock::interface::{Answer, AnswerBody, Request};
use tableau_flows_mock::{MockServer, demo};

const NS: &str = "http://tableau.com/api";
const SITE: &str = demo::SITE_ID;

fn server() -> MockServer {
    MockServer::builder()
        .run_timing(
            std::time::Duration::from_millis(20),
            std::time::Duration::from_millis(50),
        )
        .start()
        .unwrap()
}

struct Call<'a> {
    method: &'a str,
    path: String,
    query: &'a str,
    token: Option<&'a str>,
    content_type: Option<&'a str>,
    accept: Option<&'a str>,
    body: Vec<u8>,
}

fn call<'a>(method: &'a str, path: impl Into<String>) -> Call<'a> {
    Call {
        method,
        path: path.into(),
        query: "",
        token: None,
        content_type: None,
        accept: None,
        body: Vec::new(),
    }
}

impl<'a> Call<'a> {
    fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }
    fn query(mut self, query: &'a str) -> Self {
        self.query = query;
        self
    }
    fn accept(mut self, accept: &'a str) -> Self {
        self.accept = Some(accept);
        self
    }
    fn json(mut self, body: &str) -> Self {
        self.content_type = Some("application/json");
        self.body = body.as_bytes().to_vec();
        self
    }
    fn xml(mut self, body: &str) -> Self {
        self.content_type = Some("application/xml");
        self.body = body.as_bytes().to_vec();
        self
    }
    fn multipart(self, payload: &str, file_part: Option<(&str, &str, &[u8])>) -> Self {
        self.multipart_as("text/xml", payload, file_part)
    }
    fn multipart_as(
        mut self,
        payload_type: &str,
        payload: &str,
        file_part: Option<(&str, &str, &[u8])>,
    ) -> Self {
        self.content_type = Some("multipart/mixed; boundary=XyZ");
        let mut body = format!(
            "--XyZ\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: {payload_type}\r\n\r\n{payload}\r\n"
        )
        .into_bytes();
        if let Some((name, filename, bytes)) = file_part {
            body.extend_from_slice(
                format!("--XyZ\r\nContent-Disposition: name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--XyZ--\r\n");
        self.body = body;
        self
    }
    fn send_with(&self, server: &MockServer, content_type: Option<&str>, body: &[u8]) -> Answer {
        server.answer(&Request {
            method: self.method,
            path: &self.path,
            query: self.query,
            token: self.token,
            content_type,
            accept: self.accept,
            body,
        })
    }
    fn send(&self, server: &MockServer) -> Answer {
        server.answer(&Request {
            method: self.method,
            path: &self.path,
            query: self.query,
            token: self.token,
            content_type: self.content_type,
            accept: self.accept,
            body: &self.body,
        })
    }
}

fn sites(rest: &str) -> String {
    format!("/api/3.24/sites/{SITE}{rest}")
}

/// The XML of an answer, checked: parsed by a namespace-aware parser, a `<tsResponse>` in the
/// Tableau namespace, every date in whole seconds with `Z` (deviation S18).
fn checked_xml(answer: &Answer, what: &str) -> String {
    let AnswerBody::Xml(xml) = &answer.body else {
        panic!("{what}: not an XML answer: {answer:?}")
    };
    let doc = roxmltree::Document::parse(xml)
        .unwrap_or_else(|e| panic!("{what}: not namespace-well-formed XML: {e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "tsResponse", "{what}");
    assert_eq!(root.tag_name().namespace(), Some(NS), "{what}");
    for node in doc.descendants().filter(|n| n.is_element()) {
        for a in node.attributes() {
            if a.name().ends_with("At") && !a.value().is_empty() {
                let v = a.value().as_bytes();
                let shape = v.len() == 20
                    && v[4] == b'-'
                    && v[10] == b'T'
                    && v[19] == b'Z'
                    && v.iter().filter(|c| c.is_ascii_digit()).count() == 14;
                assert!(
                    shape,
                    "{what}: {}={} is not YYYY-MM-DDTHH:MM:SSZ",
                    a.name(),
                    a.value()
                );
            }
        }
    }
    xml.clone()
}

/// The first `attribute` of an element named `element` in an XML answer.
fn attr(xml: &str, element: &str, attribute: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap();
    doc.descendants()
        .find(|n| n.tag_name().name() == element && n.has_attribute(attribute))
        .and_then(|n| n.attribute(attribute))
        .unwrap_or_else(|| panic!("no <{element} {attribute}> in {xml}"))
        .to_owned()
}

fn code(answer: &Answer) -> u32 {
    let xml = checked_xml(answer, "error answer");
    attr(&xml, "error", "code").parse().unwrap()
}

fn sign_in(server: &MockServer) -> String {
    let answer = call("POST", "/api/3.24/auth/signin")
        .xml(&format!(
            r#"<tsRequest><credentials personalAccessTokenName="{}" personalAccessTokenSecret="{}"><site contentUrl=""/></credentials></tsRequest>"#,
            demo::PAT_NAME,
            demo::PAT_SECRET
        ))
        .send(server);
    assert_eq!(answer.status, 200);
    attr(&checked_xml(&answer, "sign_in"), "credentials", "token")
}

#[test]
fn every_endpoint_answers_namespace_well_formed_xml() {
    let server = server();
    let token = sign_in(&server);
    let t = token.as_str();
    let flow = demo::SALES_FLOW_ID;
    let mut covered: Vec<&str> = vec!["sign_in"];
    let mut check = |id: &'static str, c: Call<'_>, status: u16| -> Answer {
        let answer = c.send(&server);
        assert_eq!(answer.status, status, "{id}: {answer:?}");
        if matches!(answer.body, AnswerBody::Xml(_)) {
            checked_xml(&answer, id);
        }
        if !covered.contains(&id) {
            covered.push(id);
        }
        answer
    };
    for path in [
        "/api/3.24/serverinfo",
        "/api/3.24/serverInfo",
        "/api/2.4/serverInfo",
    ] {
        check("server_info", call("GET", path), 200);
    }
    check(
        "query_flows_for_site",
        call("GET", sites("/flows")).token(t),
        200,
    );
    check(
        "query_projects",
        call("GET", sites("/projects"))
            .query("filter=name:eq:Archive")
            .token(t),
        200,
    );
    check(
        "get_users_on_site",
        call("GET", sites("/users"))
            .query("fields=_all_&sort=name:asc")
            .token(t),
        200,
    );
    check(
        "query_user_on_site",
        call("GET", sites(&format!("/users/{}", demo::ANALYST_ID))).token(t),
        200,
    );
    check(
        "query_project_permissions",
        call(
            "GET",
            sites(&format!("/projects/{}/permissions", demo::PROJECT_ID)),
        )
        .token(t),
        200,
    );
    for (id, kind) in [
        ("query_default_workbook_permissions", "workbooks"),
        ("query_default_datasource_permissions", "datasources"),
        ("query_default_flow_permissions", "flows"),
    ] {
        check(
            id,
            call(
                "GET",
                sites(&format!(
                    "/projects/{}/default-permissions/{kind}",
                    demo::SALES_PROJECT_ID
                )),
            )
            .token(t),
            200,
        );
    }
    check(
        "query_groups",
        call("GET", sites("/groups"))
            .query("filter=userCount:gte:1")
            .token(t),
        200,
    );
    check(
        "list_server_schedules",
        call("GET", "/api/3.24/schedules").token(t),
        200,
    );
    check(
        "query_flows_for_user",
        call("GET", sites(&format!("/users/{}/flows", demo::ADMIN_ID))).token(t),
        200,
    );
    let got = check(
        "query_flow",
        call("GET", sites(&format!("/flows/{flow}"))).token(t),
        200,
    );
    let AnswerBody::Xml(xml) = &got.body else {
        unreachable!()
    };
    assert!(
        xml.contains("xsi:type=\"flowParameterListDomainType\""),
        "{xml}"
    );
    check(
        "download_flow",
        call("GET", sites(&format!("/flows/{flow}/content"))).token(t),
        200,
    );
    let ran = check(
        "run_flow_now",
        call("POST", sites(&format!("/flows/{flow}/run")))
            .token(t)
            .xml(r#"<tsRequest><flowRunSpec><flowParameterSpecs><flowParameterSpec parameterId="4f22c514-5b56-4400-a48a-f69d9be217a9" overrideValue="5"/></flowParameterSpecs></flowRunSpec></tsRequest>"#),
        200,
    );
    let AnswerBody::Xml(xml) = &ran.body else {
        unreachable!()
    };
    let (job, run) = (
        attr(xml, "job", "id"),
        attr(xml, "runFlowJobType", "flowRunId"),
    );
    check(
        "query_job",
        call("GET", sites(&format!("/jobs/{job}"))).token(t),
        200,
    );
    let jobs = check(
        "query_jobs",
        call("GET", sites("/jobs"))
            .query("filter=jobType:in:[run_flow,refresh_extracts],progress:lt:100&sort=createdAt:desc&pageSize=10")
            .token(t),
        200,
    );
    assert_eq!(
        attr(&checked_xml(&jobs, "query_jobs"), "backgroundJob", "id"),
        job
    );
    let refused = check(
        "query_jobs",
        call("GET", sites("/jobs"))
            .query("filter=name:eq:x")
            .token(t),
        400,
    );
    assert_eq!(code(&refused), 400065);
    let coffee = check(
        "run_flow_now",
        call(
            "POST",
            sites(&format!("/flows/{}/run", demo::COFFEE_FLOW_ID)),
        )
        .token(t)
        .xml("<tsRequest/>"),
        200,
    );
    let coffee_job = attr(&checked_xml(&coffee, "run_flow_now"), "job", "id");
    check(
        "cancel_job",
        call("PUT", sites(&format!("/jobs/{coffee_job}"))).token(t),
        200,
    );
    // A second cancel: the job is finished (cancelled).
    let again = check(
        "cancel_job",
        call("PUT", sites(&format!("/jobs/{coffee_job}"))).token(t),
        403,
    );
    assert_eq!(code(&again), 403091);
    check(
        "get_flow_run",
        call("GET", sites(&format!("/flows/runs/{run}"))).token(t),
        200,
    );
    check(
        "get_flow_runs",
        call("GET", sites("/flows/runs")).token(t),
        200,
    );
    check(
        "cancel_flow_run",
        call("PUT", sites(&format!("/flows/runs/{run}"))).token(t),
        200,
    );
    // A second cancel: the run is finished; 403135 with HTTP 200 (deviation S6).
    let again = check(
        "cancel_flow_run",
        call("PUT", sites(&format!("/flows/runs/{run}"))).token(t),
        200,
    );
    assert_eq!(code(&again), 403135);
    let added = check(
        "add_flow_task_to_schedule",
        call(
            "PUT",
            sites(&format!("/schedules/{}/flows", demo::SCHEDULE_ID)),
        )
        .token(t)
        // The official Python client's form: <runFlow> (deviation S20).
        .xml(&format!(
            r#"<tsRequest><task><runFlow><flow id="{}"/></runFlow></task></tsRequest>"#,
            demo::COFFEE_FLOW_ID
        )),
        200,
    );
    let AnswerBody::Xml(xml) = &added.body else {
        unreachable!()
    };
    let task = attr(xml, "flowRun", "id");
    check(
        "create_cloud_flow_task",
        call("POST", sites("/tasks/flows")).token(t).xml(&format!(
            r#"<tsRequest><task><flowRun><flow id="{}"/></flowRun></task><schedule frequency="Daily"><frequencyDetails start="08:00:00"><intervals><interval weekDay="Monday"/></intervals></frequencyDetails></schedule></tsRequest>"#,
            demo::COFFEE_FLOW_ID
        )),
        200,
    );
    check(
        "get_flow_run_task",
        call("GET", sites(&format!("/tasks/runFlow/{task}"))).token(t),
        200,
    );
    check(
        "get_flow_run_tasks",
        call("GET", sites("/tasks/runFlow")).token(t),
        200,
    );
    check(
        "run_flow_task",
        call("POST", sites(&format!("/tasks/runFlow/{task}/runNow"))).token(t),
        200,
    );
    let linked = check(
        "get_linked_task",
        call(
            "GET",
            sites(&format!("/tasks/linked/{}", demo::LINKED_TASK_ID)),
        )
        .token(t),
        200,
    );
    // The page's form, `<linkedTasks id="..">` (deviation S19).
    let AnswerBody::Xml(xml) = &linked.body else {
        unreachable!()
    };
    let doc = roxmltree::Document::parse(xml).unwrap();
    let first = doc.root_element().first_element_child().unwrap();
    assert_eq!(first.tag_name().name(), "linkedTasks");
    assert_eq!(first.attribute("id"), Some(demo::LINKED_TASK_ID));
    check(
        "get_linked_tasks",
        call("GET", sites("/tasks/linked")).token(t),
        200,
    );
    check(
        "run_linked_task_now",
        call(
            "POST",
            sites(&format!("/tasks/linked/{}/runNow", demo::LINKED_TASK_ID)),
        )
        .token(t),
        200,
    );
    let coffee = demo::COFFEE_FLOW_ID;
    check(
        "query_flow_connections",
        call("GET", sites(&format!("/flows/{coffee}/connections"))).token(t),
        200,
    );
    check(
        "update_flow_connection",
        call("PUT", sites(&format!("/flows/{coffee}/connections/{}", demo::CONNECTION_ID)))
            .token(t)
            .xml(r#"<tsRequest><connection serverAddress="db.example.com" serverPort="5432"/></tsRequest>"#),
        200,
    );
    check(
        "list_flow_permissions",
        call("GET", sites(&format!("/flows/{coffee}/permissions"))).token(t),
        200,
    );
    check(
        "add_flow_permissions",
        call("PUT", sites(&format!("/flows/{coffee}/permissions"))).token(t).xml(&format!(
            r#"<tsRequest><permissions><granteeCapabilities><user id="{}"/><capabilities><capability name="Write" mode="Allow"/></capabilities></granteeCapabilities></permissions></tsRequest>"#,
            demo::ANALYST_ID
        )),
        200,
    );
    check(
        "delete_flow_permission_for_user",
        call(
            "DELETE",
            sites(&format!(
                "/flows/{coffee}/permissions/users/{}/Write/Allow",
                demo::ANALYST_ID
            )),
        )
        .token(t),
        204,
    );
    check(
        "delete_flow_permission_for_group",
        call(
            "DELETE",
            sites(&format!(
                "/flows/{coffee}/permissions/groups/{}/Read/Allow",
                demo::ANALYSTS_GROUP_ID
            )),
        )
        .token(t),
        204,
    );
    let bytes = demo::flow_file_bytes();
    let published = check(
        "publish_flow",
        call("POST", sites("/flows"))
            .query("overwrite=false")
            .token(t)
            .multipart(
                &format!(
                    r#"<tsRequest><flow name="Raw Publish"><project id="{}"/></flow></tsRequest>"#,
                    demo::PROJECT_ID
                ),
                Some(("tableau_flow", "raw.tflx", &bytes)),
            ),
        201,
    );
    let AnswerBody::Xml(xml) = &published.body else {
        unreachable!()
    };
    let new_flow = attr(xml, "flow", "id");
    let started = check(
        "initiate_file_upload",
        call("POST", sites("/fileUploads")).token(t),
        201,
    );
    let AnswerBody::Xml(xml) = &started.body else {
        unreachable!()
    };
    let upload = attr(xml, "fileUpload", "uploadSessionId");
    check(
        "append_to_file_upload",
        call("PUT", sites(&format!("/fileUploads/{upload}")))
            .token(t)
            .multipart("", Some(("tableau_file", "file", &bytes))),
        200,
    );
    check(
        "add_tags_to_flow",
        call("PUT", sites(&format!("/flows/{new_flow}/tags")))
            .token(t)
            .xml(r#"<tsRequest><tags><tag label="daily"/><tag label="&quot;Yearly Sales&quot;"/></tags></tsRequest>"#),
        200,
    );
    check(
        "delete_tag_from_flow",
        call(
            "DELETE",
            sites(&format!("/flows/{new_flow}/tags/Yearly%20Sales")),
        )
        .token(t),
        204,
    );
    check(
        "update_flow",
        call("PUT", sites(&format!("/flows/{new_flow}")))
            .token(t)
            .xml(&format!(
                r#"<tsRequest><flow><project id="{}"/></flow></tsRequest>"#,
                demo::SALES_PROJECT_ID
            )),
        200,
    );
    check(
        "delete_flow",
        call("DELETE", sites(&format!("/flows/{new_flow}"))).token(t),
        204,
    );
    // Experimental, under /api/exp: off by default, as on real servers (403200, S38).
    let off = check(
        "get_flow_document",
        call(
            "GET",
            format!(
                "/api/exp/sites/{SITE}/flows/{}/document",
                demo::SALES_FLOW_ID
            ),
        )
        .token(t),
        403,
    );
    assert_eq!(code(&off), 403200);
    check(
        "sign_out",
        call("POST", "/api/3.24/auth/signout").token(t),
        204,
    );
    // The session has ended: 401002 (deviation S20).
    let after = check(
        "sign_out",
        call("POST", "/api/3.24/auth/signout").token(t),
        401,
    );
    assert_eq!(code(&after), 401002);

    let all: Vec<&str> = tableau_flows::endpoints::ALL.iter().map(|m| m.id).collect();
    let missing: Vec<&&str> = all.iter().filter(|id| !covered.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "endpoints without a case here: {missing:?}"
    );
}

#[test]
fn head_is_answered_wherever_get_is_as_get_is() {
    let server = server();
    let token = sign_in(&server);
    let mut gets = 0;
    for meta in tableau_flows::endpoints::ALL
        .iter()
        .filter(|m| m.method == "GET")
    {
        let base = if meta.experimental {
            "/api/exp"
        } else {
            "/api/3.24"
        };
        let path = format!("{base}{}", meta.path)
            .replace("{site_id}", SITE)
            .replace("{flow_id}", demo::SALES_FLOW_ID);
        let path = path
            .split('/')
            .map(|s| if s.starts_with('{') { "some-id" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for token in [Some(token.as_str()), None] {
            let answer = |method| {
                let mut c = call(method, path.clone());
                c.token = token;
                c.send(&server)
            };
            let (get, head) = (answer("GET"), answer("HEAD"));
            assert_eq!(get.status, head.status, "{} {path}", meta.id);
            assert_eq!(get.headers, head.headers, "{} {path}", meta.id);
            assert_ne!(head.status, 405, "{} {path}: {head:?}", meta.id);
        }
        gets += 1;
    }
    assert!(gets > 10, "only {gets} GET endpoints");
}

#[test]
fn every_authenticated_endpoint_answers_401002_without_a_token() {
    let server = server();
    for meta in tableau_flows::endpoints::ALL.iter().filter(|m| m.auth) {
        let base = if meta.experimental {
            "/api/exp"
        } else {
            "/api/3.24"
        };
        let path = format!("{base}{}", meta.path)
            .replace("{site_id}", SITE)
            .replace("{capability_name}", "Read")
            .replace("{capability_mode}", "Allow");
        let path = path
            .split('/')
            .map(|s| if s.starts_with('{') { "some-id" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let answer = call(meta.method, path.clone()).send(&server);
        assert_eq!(answer.status, 401, "{} {path}: {answer:?}", meta.id);
        assert_eq!(code(&answer), 401002, "{}", meta.id);
        // The code is one the endpoint documents.
        assert!(meta.errors.contains(&401002), "{}", meta.id);
    }
}

#[test]
fn requests_that_reach_no_endpoint() {
    let server = server();
    let token = sign_in(&server);
    // A method the path's endpoints do not take: 405 with Allow.
    let answer = call("PATCH", sites(&format!("/flows/{}", demo::SALES_FLOW_ID)))
        .token(&token)
        .send(&server);
    assert_eq!((answer.status, code(&answer)), (405, 405000));
    assert_eq!(answer.header("Allow"), Some("GET, HEAD, PUT, DELETE"));
    let answer = call("TRACE", "/api/3.24/serverinfo").send(&server);
    assert_eq!(answer.header("Allow"), Some("GET, HEAD"));
    // HEAD is allowed only where GET is.
    let answer = call("HEAD", "/api/3.24/auth/signin").send(&server);
    assert_eq!((answer.status, answer.header("Allow")), (405, Some("POST")));
    // The most specific path decides: /flows/runs is Get Flow Runs' (GET), not a flow id.
    let answer = call("PUT", sites("/flows/runs"))
        .token(&token)
        .send(&server);
    assert_eq!(
        (answer.status, answer.header("Allow")),
        (405, Some("GET, HEAD"))
    );
    // No endpoint at the path: 404003; an endpoint newer than the version named: 404001.
    let answer = call("GET", "/api/3.24/nothing/here").send(&server);
    assert_eq!((answer.status, code(&answer)), (404, 404003));
    assert_eq!(code(&call("GET", "/elsewhere").send(&server)), 404003);
    let answer = call("GET", "/api/3.6/sites/x/flows/runs")
        .token(&token)
        .send(&server);
    assert_eq!((answer.status, code(&answer)), (404, 404001));
    let answer = call("GET", "/api/3.30/serverinfo").send(&server);
    assert_eq!((answer.status, code(&answer)), (404, 404001));
    // The site in the path must be the session's: 404000 where the table lists it, else 401002.
    let other = "/api/3.24/sites/6fd1dea0-e173-11e8-ae75-832f6a4756f0";
    let answer = call("GET", format!("{other}/flows"))
        .token(&token)
        .send(&server);
    assert_eq!(code(&answer), 404000);
    let answer = call("GET", format!("{other}/tasks/runFlow"))
        .token(&token)
        .send(&server);
    assert_eq!(code(&answer), 401002);
}

#[test]
fn malformed_bodies_are_refused_on_every_endpoint_with_one() {
    let server = server();
    let token = sign_in(&server);
    let runs = server.run_count();
    let run = sites(&format!("/flows/{}/run", demo::SALES_FLOW_ID));
    let bad = [
        (
            "a DOCTYPE",
            r#"<!DOCTYPE tsRequest [<!ENTITY x "y">]><tsRequest/>"#,
        ),
        (
            "a duplicate attribute",
            r#"<tsRequest><flowRunSpec flowId="a" flowId="b"/></tsRequest>"#,
        ),
        (
            "an undeclared prefix",
            r#"<tsRequest><flowRunSpec x:mode="full"/></tsRequest>"#,
        ),
        ("unclosed elements", r#"<tsRequest><flowRunSpec>"#),
        (
            "an empty number",
            r#"<tsRequest><connection serverPort=""/></tsRequest>"#,
        ),
    ];
    for (what, body) in bad {
        if what == "an empty number" {
            continue; // checked on Update Flow Connection below
        }
        let answer = call("POST", run.clone())
            .token(&token)
            .xml(body)
            .send(&server);
        assert_eq!(
            (answer.status, code(&answer)),
            (400, 400000),
            "{what}: {answer:?}"
        );
    }
    assert_eq!(server.run_count(), runs, "no run was started");
    // Run Flow Now's body may be left out (`optional`); Update Flow's may not.
    let answer = call("POST", run.clone()).token(&token).send(&server);
    assert_eq!(answer.status, 200);
    let update = sites(&format!("/flows/{}", demo::COFFEE_FLOW_ID));
    let answer = call("PUT", update).token(&token).send(&server);
    assert_eq!((answer.status, code(&answer)), (400, 400000));
    // One user, group or group set per grantee (`one_of`), checked when a server reads a request.
    let permissions = sites(&format!("/flows/{}/permissions", demo::COFFEE_FLOW_ID));
    let both = format!(
        r#"<tsRequest><permissions><granteeCapabilities><user id="{}"/><group id="{}"/><capabilities><capability name="Read" mode="Allow"/></capabilities></granteeCapabilities></permissions></tsRequest>"#,
        demo::ANALYST_ID,
        demo::ANALYSTS_GROUP_ID
    );
    let answer = call("PUT", permissions)
        .token(&token)
        .xml(&both)
        .send(&server);
    assert_eq!(code(&answer), 400000, "{answer:?}");
    // At least one change (`any_of`) for Update Flow Connection.
    let conn = sites(&format!(
        "/flows/{}/connections/{}",
        demo::COFFEE_FLOW_ID,
        demo::CONNECTION_ID
    ));
    let answer = call("PUT", conn)
        .token(&token)
        .xml("<tsRequest><connection/></tsRequest>")
        .send(&server);
    assert_eq!(code(&answer), 400000, "{answer:?}");
    let conn = sites(&format!(
        "/flows/{}/connections/{}",
        demo::COFFEE_FLOW_ID,
        demo::CONNECTION_ID
    ));
    let answer = call("PUT", conn)
        .token(&token)
        .xml(r#"<tsRequest><connection serverAddress="a" serverPort=""/></tsRequest>"#)
        .send(&server);
    assert_eq!(
        code(&answer),
        400000,
        "an empty number is malformed in a request"
    );
    // Every endpoint with a body refuses a DOCTYPE with its table's 400000.
    for meta in tableau_flows::endpoints::ALL {
        let spec = tableau_flows_codegen::load(tableau_flows_tests::spec_dir()).unwrap();
        let e = spec.endpoint(meta.id).unwrap();
        if !matches!(e.request, tableau_flows_codegen::ir::Request::Xml { .. }) {
            continue;
        }
        let path = format!("/api/3.24{}", meta.path)
            .replace("{site_id}", SITE)
            .replace("{flow_id}", demo::COFFEE_FLOW_ID)
            .replace("{schedule_id}", demo::SCHEDULE_ID)
            .replace("{connection_id}", demo::CONNECTION_ID);
        let answer = call(meta.method, path)
            .token(&token)
            .xml(r#"<!DOCTYPE tsRequest><tsRequest/>"#)
            .send(&server);
        assert_eq!(code(&answer), 400000, "{}", meta.id);
    }
}

/// The JSON of an answer, parsed (serde_json, not this project's decoder).
fn checked_json(answer: &Answer, what: &str) -> serde_json::Value {
    let AnswerBody::Json(json) = &answer.body else {
        panic!("{what}: not a JSON answer: {answer:?}")
    };
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{what}: not JSON: {e}\n{json}"))
}

/// Signs in with a JSON body asking for a JSON answer; the token.
fn sign_in_json(server: &MockServer) -> String {
    let body = format!(
        r#"{{"credentials": {{"personalAccessTokenName": "{}", "personalAccessTokenSecret": "{}", "site": {{"contentUrl": ""}}}}}}"#,
        demo::PAT_NAME,
        demo::PAT_SECRET
    );
    let answer = call("POST", "/api/3.24/auth/signin")
        .accept("application/json")
        .json(&body)
        .send(server);
    assert_eq!(answer.status, 200, "{answer:?}");
    let json = checked_json(&answer, "sign in");
    assert_eq!(json["credentials"]["site"]["id"], SITE, "{json}");
    json["credentials"]["token"].as_str().unwrap().to_owned()
}

#[test]
fn json_requests_and_answers_follow_the_spec_s_rule() {
    let server = server();
    // Server Info: a text-only element is a string, an element with text and attributes an
    // object with `value`.
    let info = call("GET", "/api/3.24/serverinfo")
        .accept("application/json")
        .send(&server);
    let json = checked_json(&info, "server info");
    assert_eq!(json["serverInfo"]["restApiVersion"], "3.24", "{json}");
    assert!(
        json["serverInfo"]["productVersion"]["value"].is_string(),
        "{json}"
    );
    let token = sign_in_json(&server);

    // A page of flows: lists under their item name, every value a string.
    let flows = call("GET", sites("/flows"))
        .token(&token)
        .query("pageSize=2")
        .accept("application/json")
        .send(&server);
    let json = checked_json(&flows, "flows");
    assert_eq!(json["pagination"]["pageSize"], "2", "{json}");
    assert!(json["pagination"]["totalAvailable"].is_string(), "{json}");
    let page = json["flows"]["flow"].as_array().expect("an array of flows");
    assert_eq!(page.len(), 2, "{json}");
    assert!(
        page[0]["id"].is_string() && page[0]["project"]["id"].is_string(),
        "{json}"
    );

    // Run Flow Now with `{}` (tableau-api-lib sends it), answered with its job in JSON.
    let ran = call(
        "POST",
        sites(&format!("/flows/{}/run", demo::COFFEE_FLOW_ID)),
    )
    .token(&token)
    .accept("application/json")
    .json("{}")
    .send(&server);
    assert_eq!(ran.status, 200, "{ran:?}");
    let json = checked_json(&ran, "run flow now");
    assert!(json["job"]["id"].is_string(), "{json}");

    // An error of a behaviour, in JSON with the error's status.
    let missing = call("GET", sites("/flows/00000000-0000-0000-0000-000000000000"))
        .token(&token)
        .accept("application/json")
        .send(&server);
    assert_eq!(missing.status, 404);
    let json = checked_json(&missing, "missing flow");
    assert_eq!(json["error"]["code"], "404027", "{json}");
    assert!(json["error"]["summary"].is_string(), "{json}");

    // A malformed JSON body: 400000, in JSON.
    let malformed = call("PUT", sites(&format!("/flows/{}", demo::COFFEE_FLOW_ID)))
        .token(&token)
        .accept("application/json")
        .json("{\"flow\": ")
        .send(&server);
    assert_eq!(malformed.status, 400, "{malformed:?}");
    assert_eq!(
        checked_json(&malformed, "malformed")["error"]["code"],
        "400000"
    );

    // A publish whose request_payload part is JSON (its own Content-Type says so).
    let bytes = demo::flow_file_bytes();
    let published = call("POST", sites("/flows"))
        .token(&token)
        .accept("application/json")
        .multipart_as(
            "application/json",
            &format!(
                r#"{{"flow": {{"name": "JSON Publish", "project": {{"id": "{}"}}}}}}"#,
                demo::PROJECT_ID
            ),
            Some(("tableau_flow", "json.tflx", &bytes)),
        )
        .send(&server);
    assert_eq!(published.status, 201, "{published:?}");
    assert_eq!(
        checked_json(&published, "publish")["flow"]["name"],
        "JSON Publish"
    );

    // A JSON body with an XML answer (no Accept): each side as its header says.
    let updated = call("PUT", sites(&format!("/flows/{}", demo::COFFEE_FLOW_ID)))
        .token(&token)
        .json(&format!(
            r#"{{"flow": {{"project": {{"id": "{}"}}, "owner": {{}}}}}}"#,
            demo::PROJECT_ID
        ))
        .send(&server);
    // `"owner": {}` is no owner at all (S30), as tableau-api-lib sends it.
    assert_eq!(updated.status, 200, "{updated:?}");
    let xml = checked_xml(&updated, "update flow from JSON");
    assert!(xml.contains(demo::PROJECT_ID), "{xml}");
}

#[test]
fn accept_is_negotiated_with_q_values_and_406_and_415_are_answered() {
    let server = server();
    let info = |accept: &'static str| {
        call("GET", "/api/3.24/serverinfo")
            .accept(accept)
            .send(&server)
    };
    for accept in [
        "*/*",
        "application/xml",
        "application/json;q=0.5, application/xml",
        "text/xml",
    ] {
        assert!(matches!(info(accept).body, AnswerBody::Xml(_)), "{accept}");
    }
    for accept in [
        "application/json",
        "application/xml;q=0.5, application/json",
        "application/json, */*;q=0.1",
    ] {
        assert!(matches!(info(accept).body, AnswerBody::Json(_)), "{accept}");
    }
    // Nothing acceptable: 406 with code 406000.
    let refused = info("text/html");
    assert_eq!(refused.status, 406, "{refused:?}");
    assert!(checked_xml(&refused, "406").contains("code=\"406000\""));
    // A body of a type the server cannot read: 415 with code 415000, in the negotiated format.
    let unreadable = call("POST", "/api/3.24/auth/signin")
        .accept("application/json")
        .send_with(&server, Some("text/plain"), b"name=admin");
    assert_eq!(unreadable.status, 415, "{unreadable:?}");
    assert_eq!(checked_json(&unreadable, "415")["error"]["code"], "415000");
    // A refusal before any endpoint is reached (no such path) is negotiated too.
    let nowhere = call("GET", "/api/3.24/nowhere")
        .accept("application/json")
        .send(&server);
    assert_eq!(nowhere.status, 404);
    assert_eq!(checked_json(&nowhere, "404")["error"]["code"], "404003");
}

/// Sign In takes a `<site>` without `contentUrl` as the default site (deviation S22: the official
/// schema makes it optional; tableau_tools 6.0.0 sends `<site/>`), in XML and in JSON.
#[test]
fn sign_in_takes_a_site_without_content_url_as_the_default_site() {
    let server = server();
    let xml = call("POST", "/api/3.6/auth/signin")
        .xml(&format!(
            r#"<tsRequest><credentials name="{}" password="{}"><site/></credentials></tsRequest>"#,
            demo::ADMIN_USER,
            demo::ADMIN_PASSWORD
        ))
        .send(&server);
    assert_eq!(xml.status, 200, "{xml:?}");
    assert_eq!(attr(&checked_xml(&xml, "sign_in"), "site", "id"), SITE);
    let json = call("POST", "/api/3.24/auth/signin")
        .accept("application/json")
        .json(&format!(
            r#"{{"credentials": {{"personalAccessTokenName": "{}", "personalAccessTokenSecret": "{}", "site": {{}}}}}}"#,
            demo::PAT_NAME,
            demo::PAT_SECRET
        ))
        .send(&server);
    assert_eq!(json.status, 200, "{json:?}");
    let answer = checked_json(&json, "sign_in (JSON)");
    assert_eq!(answer["credentials"]["site"]["id"], SITE);
    // A site that does not exist is still refused.
    let unknown = call("POST", "/api/3.24/auth/signin")
        .xml(&format!(
            r#"<tsRequest><credentials name="{}" password="{}"><site contentUrl="nowhere"/></credentials></tsRequest>"#,
            demo::ADMIN_USER,
            demo::ADMIN_PASSWORD
        ))
        .send(&server);
    assert_eq!(code(&unknown), 401001);
}

/// Flow answers name the owner by id only, as real answers do (deviation S24), and the
/// `ownerName` filter compares the owner's display name: the login name matches nothing.
#[test]
fn flow_answers_carry_the_owner_s_id_only() {
    let server = server();
    let token = sign_in(&server);
    let one = call("GET", sites(&format!("/flows/{}", demo::SALES_FLOW_ID)))
        .token(&token)
        .send(&server);
    let xml = checked_xml(&one, "query_flow");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let owners: Vec<_> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "owner")
        .collect();
    assert_eq!(owners.len(), 1, "{xml}");
    let names: Vec<_> = owners[0].attributes().map(|a| a.name()).collect();
    assert_eq!(names, ["id"], "{xml}");
    let listed = |filter: &str| {
        let q = format!("filter=ownerName:eq:{filter}");
        let answer = call("GET", sites("/flows"))
            .token(&token)
            .query(&q)
            .send(&server);
        let xml = checked_xml(&answer, "query_flows_for_site");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let flows = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "flow")
            .count();
        let named_owners = doc
            .descendants()
            .filter(|n| n.tag_name().name() == "owner" && n.has_attribute("name"))
            .count();
        assert_eq!(named_owners, 0, "{xml}");
        flows
    };
    assert!(listed(&demo::ADMIN_FULL_NAME.replace(' ', "%20")) > 0);
    assert_eq!(listed(demo::ADMIN_USER), 0);
}
