//! The workflows users perform, each against a local HTTP server scripted per test: sessions,
//! version negotiation, retries, timeouts, pagination, filters, publishing, downloading, running
//! and waiting.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tableau_flows::filter::Operator;
use tableau_flows_tests::cases::{FLOW, doc, example};
use tableau_flows_tests::tf::*;
use tableau_flows_tests::{Answer, Recorded, TestServer};

fn sign_in_answer(token: &str) -> Answer {
    Answer::xml(
        200,
        doc(&format!(
            r#"<credentials token="{token}" estimatedTimeToExpiration="364:48:01"><site id="site-9" contentUrl="marketing"/><user id="user-9"/></credentials>"#
        )),
    )
}

fn unsigned(server: &TestServer) -> Client {
    let client = server.client();
    client.clear_session();
    client
}

fn run_answer(id: &str, status: &str, progress: u32) -> Answer {
    Answer::xml(
        200,
        doc(&format!(
            r#"<flowRun id="{id}" flowId="{FLOW}" status="{status}" startedAt="2024-03-12T18:09:02Z" completedAt="" progress="{progress}"/>"#
        )),
    )
}

// ---- Sessions -------------------------------------------------------------------------------

#[test]
fn sign_in_with_each_kind_of_credentials_and_sign_out() {
    let server = TestServer::start();
    let client = unsigned(&server);
    for (creds, expected) in [
        (
            Credentials::personal_access_token("ci-token", "pat-secret"),
            r#"<credentials personalAccessTokenName="ci-token" personalAccessTokenSecret="pat-secret"><site contentUrl="marketing"/></credentials>"#,
        ),
        (
            Credentials::password("admin", "pa<ss"),
            r#"<credentials name="admin" password="pa&lt;ss"><site contentUrl="marketing"/></credentials>"#,
        ),
        (
            Credentials::jwt("eyJ.x.y"),
            r#"<credentials jwt="eyJ.x.y"><site contentUrl="marketing"/></credentials>"#,
        ),
    ] {
        server.push(sign_in_answer("tok-1"));
        let session = client.sign_in_with(creds.clone(), "marketing").unwrap();
        assert_eq!(session.site_id.as_str(), "site-9");
        let req = server.take_requests().remove(0);
        assert_eq!(req.url, "/api/3.24/auth/signin");
        assert!(req.body_text().contains(expected), "{}", req.body_text());
        assert!(req.token.is_none());
        // Secrets never show.
        for text in [
            format!("{creds:?}"),
            format!("{session:?}"),
            format!("{:?}", client.session()),
        ] {
            assert!(
                !text.contains("pat-secret")
                    && !text.contains("pa<ss")
                    && !text.contains("eyJ")
                    && !text.contains("tok-1"),
                "{text}"
            );
        }
    }
    // The default site is the empty content URL.
    server.push(sign_in_answer("tok-2"));
    client
        .sign_in_with(Credentials::password("a", "b"), "")
        .unwrap();
    assert!(
        server.take_requests()[0]
            .body_text()
            .contains(r#"<site contentUrl=""/>"#)
    );
    // Later calls carry the token and the site id.
    server.push(Answer::xml(200, example("query_flow")));
    client.query_flow(FLOW).send().unwrap();
    let req = server.take_requests().remove(0);
    assert_eq!(req.token.as_deref(), Some("tok-2"));
    assert!(req.url.starts_with("/api/3.24/sites/site-9/flows/"));
    // Sign out ends the session.
    server.push(Answer::empty(204));
    client.end_session().unwrap();
    assert_eq!(server.take_requests()[0].url, "/api/3.24/auth/signout");
    assert!(client.session().is_none());
    assert!(matches!(
        client.query_flow(FLOW).send().unwrap_err(),
        CallError::NotSignedIn
    ));
    let err = Error::InvalidArgument("x".into());
    assert!(!format!("{err}").contains("tok"));
}

#[test]
fn an_expired_token_signs_in_again_once_and_repeats_the_call() {
    let server = TestServer::start();
    let client = unsigned(&server);
    server.push(sign_in_answer("old-token"));
    client
        .sign_in_with(Credentials::personal_access_token("ci", "s"), "marketing")
        .unwrap();
    server.push(Answer::error(
        401,
        401002,
        "Unauthorized Access",
        "Invalid authentication credentials were provided.",
    ));
    server.push(sign_in_answer("new-token"));
    server.push(Answer::xml(200, example("query_flow")));
    let flow = client.query_flow(FLOW).send().unwrap();
    assert_eq!(
        flow.flow.id.as_str(),
        "d00700fe-28a0-4ece-a7af-5543ddf38a82"
    );
    let reqs: Vec<Recorded> = server.take_requests();
    let seen: Vec<(String, Option<String>)> = reqs
        .iter()
        .map(|r| (r.url.clone(), r.token.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("/api/3.24/auth/signin".to_owned(), None),
            (
                format!("/api/3.24/sites/site-9/flows/{FLOW}"),
                Some("old-token".to_owned())
            ),
            ("/api/3.24/auth/signin".to_owned(), None),
            (
                format!("/api/3.24/sites/site-9/flows/{FLOW}"),
                Some("new-token".to_owned())
            ),
        ]
    );
    // Only once per call: a second 401002 is the answer.
    server.push(Answer::error(401, 401002, "Unauthorized Access", "expired"));
    server.push(sign_in_answer("newer-token"));
    server.push(Answer::error(
        401,
        401002,
        "Unauthorized Access",
        "expired again",
    ));
    let err = client.query_flow(FLOW).send().unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::InvalidAuthenticationToken));
    assert_eq!(server.take_requests().len(), 3);
    // Other 401 codes are not expiry.
    server.push(Answer::error(401, 401001, "Signin error", "no"));
    assert!(client.query_flow(FLOW).send().is_err());
    assert_eq!(server.take_requests().len(), 1);
    // Without kept credentials the 401002 is the answer.
    let plain = server.client();
    server.push(Answer::error(401, 401002, "Unauthorized Access", "expired"));
    assert_eq!(
        plain.query_flow(FLOW).send().unwrap_err().code(),
        Some(ErrorCode::InvalidAuthenticationToken)
    );
    assert_eq!(server.take_requests().len(), 1);
}

// ---- Versions -------------------------------------------------------------------------------

#[test]
fn the_version_is_read_from_serverinfo_unless_pinned() {
    let server = TestServer::start();
    let info = |v: &str| {
        Answer::xml(
            200,
            doc(&format!(
                "<serverInfo><productVersion build=\"1\">2024.2</productVersion><restApiVersion>{v}</restApiVersion></serverInfo>"
            )),
        )
    };
    // An older server: its version.
    let client = Client::builder(server.url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    client.set_session(Session {
        token: Secret::new("t"),
        site_id: "s".into(),
        user_id: None,
    });
    assert_eq!(client.api_version(), None);
    server.push(info("3.15"));
    server.push(Answer::xml(200, example("query_flow")));
    client.query_flow(FLOW).send().unwrap();
    let urls: Vec<String> = server.take_requests().into_iter().map(|r| r.url).collect();
    assert_eq!(
        urls,
        [
            "/api/2.4/serverinfo".to_owned(),
            format!("/api/3.15/sites/s/flows/{FLOW}")
        ]
    );
    assert_eq!(client.api_version(), Some(ApiVersion::new(3, 15)));
    // Gating follows the negotiated version: Get Flow Runs (3.10) works, flowRunMode (3.24) does not.
    let err = client
        .run_flow_now(FLOW, RunFlowNowRequest::default())
        .flow_run_mode(FlowRunMode::Full)
        .send()
        .unwrap_err();
    assert!(matches!(err, CallError::Unsupported(_)), "{err}");
    // A newer server: the newest version of the spec.
    let client = Client::builder(server.url()).build().unwrap();
    server.push(info("3.30"));
    assert_eq!(client.negotiate_version().unwrap(), NEWEST_API_VERSION);
    // A malformed answer is a clear error.
    let client = Client::builder(server.url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    server.push(info("latest"));
    assert!(
        client
            .negotiate_version()
            .unwrap_err()
            .to_string()
            .contains("restApiVersion")
    );
    // Pinned: no serverinfo.
    server.take_requests();
    let client = server.client_with(|b| b.api_version(ApiVersion::new(3, 6)));
    server.push(Answer::empty(204));
    client.delete_flow(FLOW).send().unwrap();
    assert_eq!(
        server.take_requests()[0].url,
        format!("/api/3.6/sites/site-1/flows/{FLOW}")
    );
}

// ---- Retries and timeouts -------------------------------------------------------------------

fn retrying(server: &TestServer) -> Client {
    server.client_with(|b| {
        b.retry_policy(RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(10),
        })
    })
}

#[test]
fn an_idempotent_call_is_retried_on_503_honouring_retry_after() {
    let server = TestServer::start();
    let client = retrying(&server);
    server
        .push(Answer::error(503, 503000, "Service unavailable", "busy").header("Retry-After", "1"));
    server.push(Answer::xml(502, "<html>bad gateway</html>"));
    server.push(Answer::xml(200, example("query_flow")));
    let started = Instant::now();
    client.query_flow(FLOW).send().unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After was not honoured: {:?}",
        started.elapsed()
    );
    assert_eq!(server.take_requests().len(), 3);
    // Bounded in attempts: the last answer is returned.
    for _ in 0..4 {
        server.push(Answer::error(429, 429000, "Too many requests", "slow down"));
    }
    let err = client.query_flow(FLOW).send().unwrap_err();
    assert!(
        matches!(&err, CallError::Service(a) if a.status == 429),
        "{err}"
    );
    assert_eq!(server.take_requests().len(), 4);
}

#[test]
fn a_post_is_never_retried_once_it_may_have_reached_the_server() {
    let server = TestServer::start();
    let client = retrying(&server);
    server.push(Answer::error(503, 503000, "Service unavailable", "busy"));
    server.push(Answer::xml(200, example("run_flow_now")));
    let err = client
        .run_flow_now(FLOW, RunFlowNowRequest::default())
        .send()
        .unwrap_err();
    assert!(
        matches!(&err, CallError::Service(a) if a.status == 503),
        "{err}"
    );
    assert_eq!(server.take_requests().len(), 1, "a POST was repeated");
}

#[test]
fn a_request_of_any_path_carries_the_session_and_follows_the_client_s_rules() {
    let server = TestServer::start();
    let client = retrying(&server);
    // The session's token and site, the version before the path, any status returned.
    server.push(Answer::xml(200, doc("<workbooks/>")));
    let answer = client
        .request("get", "/sites/{site}/workbooks")
        .unwrap()
        .query("pageSize", "5")
        .send()
        .unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer.is_success());
    assert!(String::from_utf8_lossy(&answer.body).contains("<workbooks/>"));
    let seen = server.take_requests();
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].url, "/api/3.24/sites/site-1/workbooks?pageSize=5");
    assert_eq!(seen[0].token.as_deref(), Some("token-1"));
    assert_eq!(seen[0].header("accept"), Some("application/xml"));
    // A GET is retried on 503; the error answer of the last attempt is returned, not an Err.
    server.push(Answer::error(503, 503000, "Service unavailable", "busy"));
    server.push(Answer::error(
        404,
        404003,
        "Resource not found",
        "nothing here",
    ));
    let answer = client
        .request("GET", "/sites/{site}/nothing")
        .unwrap()
        .accept(WireFormat::Json)
        .send()
        .unwrap();
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.error().and_then(|e| e.code()),
        Some(ErrorCode::ResourceNotFound)
    );
    let seen = server.take_requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].header("accept"), Some("application/json"));
    // A POST is not retried, and carries its body with its content type.
    server.push(Answer::error(503, 503000, "Service unavailable", "busy"));
    let answer = client
        .request("POST", "/sites/{site}/flows/f-1/run")
        .unwrap()
        .body("application/json", "{}")
        .send()
        .unwrap();
    assert_eq!(answer.status, 503);
    let seen = server.take_requests();
    assert_eq!(seen.len(), 1, "a POST was repeated");
    assert_eq!(seen[0].header("content-type"), Some("application/json"));
    assert_eq!(seen[0].body, b"{}");
    // An expired token: signed in again with the kept credentials, the request repeated.
    let client = unsigned(&server);
    server.push(sign_in_answer("old-token"));
    client
        .sign_in_with(Credentials::personal_access_token("ci", "s"), "marketing")
        .unwrap();
    server.push(Answer::error(401, 401002, "Unauthorized Access", "expired"));
    server.push(sign_in_answer("new-token"));
    server.push(Answer::empty(204));
    let answer = client
        .request("DELETE", "/sites/{site_id}/flows/f-1")
        .unwrap()
        .send()
        .unwrap();
    assert_eq!(answer.status, 204);
    let seen: Vec<(String, Option<String>)> = server
        .take_requests()
        .into_iter()
        .map(|r| (r.url, r.token))
        .collect();
    assert_eq!(
        seen,
        [
            ("/api/3.24/auth/signin".to_owned(), None),
            (
                "/api/3.24/sites/site-9/flows/f-1".to_owned(),
                Some("old-token".to_owned())
            ),
            ("/api/3.24/auth/signin".to_owned(), None),
            (
                "/api/3.24/sites/site-9/flows/f-1".to_owned(),
                Some("new-token".to_owned())
            ),
        ]
    );
    // Without a session, nothing needing one is sent; Server Info goes without a token.
    client.clear_session();
    let err = client
        .request("GET", "/sites/{site}/flows")
        .unwrap()
        .send()
        .unwrap_err();
    assert!(matches!(err, Error::NotSignedIn), "{err}");
    server.push(Answer::xml(200, doc("<serverInfo/>")));
    client
        .request("GET", "/serverinfo")
        .unwrap()
        .send()
        .unwrap();
    assert_eq!(server.take_requests()[0].token, None);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h = held.clone();
    std::thread::spawn(move || {
        for s in listener.incoming().take(8).flatten() {
            h.lock().unwrap().push(s); // accept, never answer
        }
    });
    let client = Client::builder(format!("http://{addr}"))
        .api_version(ApiVersion::new(3, 24))
        .read_timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(10),
            max_elapsed: Duration::from_secs(5),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client.server_info().send().unwrap_err();
    assert!(matches!(err, CallError::Timeout(_)), "{err:?}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(550) && took < Duration::from_secs(5),
        "two bounded attempts: {took:?}"
    );
    assert_eq!(held.lock().unwrap().len(), 2, "retried once");
}

#[test]
fn a_dead_server_is_a_transport_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .api_version(ApiVersion::new(3, 24))
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(2),
        })
        .build()
        .unwrap();
    let err = client.server_info().send().unwrap_err();
    assert!(matches!(err, CallError::Transport(_)), "{err:?}");
}

#[test]
fn an_answer_larger_than_the_cap_is_refused() {
    let server = TestServer::start();
    let client = server.client_with(|b| b.max_response_bytes(4096));
    let runs: String = (0..200)
        .map(|i| format!(r#"<flowRuns id="run-{i}" status="Success"/>"#))
        .collect();
    server.push(Answer::xml(
        200,
        doc(&format!("<flowRuns>{runs}</flowRuns>")),
    ));
    assert!(matches!(
        client.get_flow_runs().send().unwrap_err(),
        CallError::ResponseTooLarge { limit: 4096 }
    ));
}

#[test]
fn gzip_answers_are_decoded() {
    use std::io::Write;
    let server = TestServer::start();
    let client = server.client();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(example("query_flow").as_bytes()).unwrap();
    let mut answer = Answer::xml(200, String::new()).header("Content-Encoding", "gzip");
    answer.body = gz.finish().unwrap();
    server.push(answer);
    let flow = client.query_flow(FLOW).send().unwrap();
    assert_eq!(flow.output_steps.len(), 3);
}

// ---- Pagination, filters and sorts ----------------------------------------------------------

fn runs_page(ids: &[u32]) -> Answer {
    let runs: String = ids
        .iter()
        .map(|i| format!(r#"<flowRuns id="run-{i}" flowId="{FLOW}" status="Success"/>"#))
        .collect();
    Answer::xml(200, doc(&format!("<flowRuns>{runs}</flowRuns>")))
}

#[test]
fn flow_runs_without_a_pagination_element_end_on_400006_or_an_empty_page() {
    let server = TestServer::start();
    let client = server.client();
    server.push(runs_page(&[1, 2]));
    server.push(runs_page(&[3]));
    server.push(Answer::error(
        400,
        400006,
        "Invalid page number",
        "past the end",
    ));
    let ids: Vec<String> = client
        .get_flow_runs()
        .page_size(2)
        .all()
        .map(|r| r.unwrap().id.to_string())
        .collect();
    assert_eq!(ids, ["run-1", "run-2", "run-3"]);
    let urls: Vec<String> = server.take_requests().into_iter().map(|r| r.url).collect();
    assert_eq!(
        urls,
        [
            "/api/3.24/sites/site-1/flows/runs?pageSize=2&pageNumber=1",
            "/api/3.24/sites/site-1/flows/runs?pageSize=2&pageNumber=2",
            "/api/3.24/sites/site-1/flows/runs?pageSize=2&pageNumber=3",
        ]
    );
    server.push(runs_page(&[1]));
    server.push(runs_page(&[]));
    assert_eq!(client.get_flow_runs().page_size(1).all().count(), 1);
    // Without a page size, pages have the server's default size, from the spec.
    server.take_requests();
    server.push(runs_page(&[]));
    assert_eq!(client.get_flow_runs().all().count(), 0);
    assert_eq!(
        server.take_requests()[0].url,
        "/api/3.24/sites/site-1/flows/runs?pageSize=100&pageNumber=1"
    );
    // Other errors are yielded once and end the iteration.
    server.take_requests();
    server.push(runs_page(&[1]));
    server.push(Answer::error(403, 403004, "Get forbidden", "no"));
    let items: Vec<_> = client.get_flow_runs().page_size(1).all().collect();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[1].as_ref().unwrap_err().kind(),
        Some(GetFlowRunsError::Forbidden)
    );
}

fn flows_page(number: u32, size: u32, total: u32, ids: &[u32]) -> Answer {
    let flows: String = ids
        .iter()
        .map(|i| format!(r#"<flow id="flow-{i}" name="Flow {i}"/>"#))
        .collect();
    Answer::xml(
        200,
        doc(&format!(
            r#"<pagination pageNumber="{number}" pageSize="{size}" totalAvailable="{total}"/><flows>{flows}</flows>"#
        )),
    )
}

#[test]
fn pagination_follows_the_total_and_holds_one_page() {
    let server = TestServer::start();
    let client = server.client();
    server.push(flows_page(1, 2, 5, &[1, 2]));
    server.push(flows_page(2, 2, 3, &[3, 4])); // the total shrank mid-way: this is the last page
    let mut pages = client.query_flows_for_site().page_size(2).all();
    let first = pages.next().unwrap().unwrap();
    assert_eq!(first.id.as_str(), "flow-1");
    assert_eq!(server.take_requests().len(), 1, "lazy: one page fetched");
    let rest: Vec<String> = pages.map(|f| f.unwrap().id.to_string()).collect();
    assert_eq!(rest, ["flow-2", "flow-3", "flow-4"]);
    assert_eq!(server.take_requests().len(), 1, "no request past the total");
    // The page size is checked (1..=1000) before sending.
    assert!(matches!(
        client.query_flows_for_site().page_size(1001).all().next(),
        Some(Err(CallError::InvalidArgument(_)))
    ));
}

#[test]
fn filters_and_sorts_use_the_endpoint_fields() {
    let server = TestServer::start();
    let client = server.client();
    server.push(flows_page(1, 100, 0, &[]));
    client
        .query_flows_for_site()
        .filter(
            Filter::new()
                .eq("name", "Coffee Chain")
                .is_in("projectName", ["Sales", "Finance"])
                .gt("createdAt", "2024-01-01T00:00:00Z"),
        )
        .sort(Sort::new().desc("updatedAt").asc("name"))
        .send()
        .unwrap();
    assert_eq!(
        server.take_requests()[0].url,
        "/api/3.24/sites/site-1/flows?filter=name:eq:Coffee%20Chain,projectName:in:%5BSales,Finance%5D,createdAt:gt:2024-01-01T00:00:00Z&sort=updatedAt:desc,name:asc"
    );
    // Per the Filtering and Sorting reference (S14): servers reject tags and ownerEmail on flows,
    // name takes no gt, dates are YYYY-MM-DDTHH:MM:SSZ, and tags are no sort field.
    let refused = [
        (
            Filter::new().eq("ownerEmail", "x"),
            "filter of Query Flows for a Site: the field \"ownerEmail\" cannot be filtered on here (fields: createdAt, name, ownerName, projectId, projectName, updatedAt)",
        ),
        (
            Filter::new().has("tags", "sales"),
            "filter of Query Flows for a Site: the field \"tags\" cannot be filtered on here (fields: createdAt, name, ownerName, projectId, projectName, updatedAt)",
        ),
        (
            Filter::new().gt("name", "M"),
            "filter of Query Flows for a Site: the field name does not take the operator gt (it takes: eq, in)",
        ),
        (
            Filter::new().gte("updatedAt", "2024-01-01"),
            "filter of Query Flows for a Site: the value \"2024-01-01\" for updatedAt is not a date and time YYYY-MM-DDTHH:MM:SSZ",
        ),
    ];
    for (filter, message) in refused {
        let err = client
            .query_flows_for_site()
            .filter(filter)
            .send()
            .unwrap_err();
        assert_eq!(err.to_string(), format!("invalid argument: {message}"));
    }
    let err = client
        .query_flows_for_site()
        .sort(Sort::new().asc("tags"))
        .send()
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot be sorted on here"),
        "{err}"
    );
    let err = client
        .query_flows_for_site()
        .filter(Filter::new().eq("name", "a,b"))
        .send()
        .unwrap_err();
    assert!(err.to_string().contains("holds a comma"), "{err}");
    let err = client
        .get_flow_runs()
        .filter("flowId:like:x")
        .send()
        .unwrap_err();
    assert!(err.to_string().contains("unknown filter operator"), "{err}");
    assert!(server.take_requests().is_empty());
    // A field the spec does not know goes out only when asked for explicitly.
    server.push(flows_page(1, 100, 0, &[]));
    client
        .query_flows_for_site()
        .filter(Filter::new().unchecked("tags", Operator::Eq, "sales"))
        .send()
        .unwrap();
    assert_eq!(
        server.take_requests()[0].url,
        "/api/3.24/sites/site-1/flows?filter=tags:eq:sales"
    );
}

// ---- Publishing -----------------------------------------------------------------------------

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tableau-flows-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The bytes of the file part of a multipart request.
fn file_part(req: &Recorded) -> Vec<u8> {
    let boundary = req.boundary().expect("multipart");
    let body = &req.body;
    let marker = b"filename=\"";
    let start = body
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("a file part");
    let header_end = body[start..]
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap()
        + start
        + 4;
    let end_marker = format!("\r\n--{boundary}--");
    let end = body
        .windows(end_marker.len())
        .rposition(|w| w == end_marker.as_bytes())
        .unwrap();
    body[header_end..end].to_vec()
}

#[test]
fn a_chunked_publish_reassembles_byte_for_byte() {
    let server = TestServer::start();
    let client = server.client();
    let dir = temp_dir("chunked");
    let content: Vec<u8> = (0..1000u32).flat_map(|i| i.to_le_bytes()).collect(); // 4000 bytes, all byte values
    let path = dir.join("Big Flow.tflx");
    std::fs::write(&path, &content).unwrap();
    server.push(Answer::xml(
        201,
        doc(r#"<fileUpload uploadSessionId="7:ABC-1:0" fileSize="0"/>"#),
    ));
    for _ in 0..4 {
        server.push(Answer::xml(
            200,
            doc(r#"<fileUpload uploadSessionId="7:ABC-1:0" fileSize="1"/>"#),
        ));
    }
    server.push(Answer::xml(201, example("publish_flow")));
    let seen = Arc::new(AtomicU64::new(0));
    let s2 = seen.clone();
    let published = client
        .publish_flow_file(
            &path,
            PublishOptions::new("project-1")
                .chunk_threshold(1024)
                .chunk_size(1024)
                .overwrite(true)
                .progress(Arc::new(move |done, total| {
                    assert_eq!(total, Some(4000));
                    s2.fetch_max(done, Ordering::SeqCst);
                })),
        )
        .unwrap();
    assert_eq!(
        published.flow.name.as_deref(),
        Some("ShortTermRentalNola222")
    );
    assert_eq!(seen.load(Ordering::SeqCst), 4000);
    let reqs = server.take_requests();
    let shape: Vec<String> = reqs
        .iter()
        .map(|r| format!("{} {}", r.method, r.url))
        .collect();
    assert_eq!(
        shape,
        [
            "POST /api/3.24/sites/site-1/fileUploads",
            "PUT /api/3.24/sites/site-1/fileUploads/7%3AABC-1%3A0",
            "PUT /api/3.24/sites/site-1/fileUploads/7%3AABC-1%3A0",
            "PUT /api/3.24/sites/site-1/fileUploads/7%3AABC-1%3A0",
            "PUT /api/3.24/sites/site-1/fileUploads/7%3AABC-1%3A0",
            "POST /api/3.24/sites/site-1/flows?overwrite=true&uploadSessionId=7:ABC-1:0&flowType=tflx",
        ]
    );
    let reassembled: Vec<u8> = reqs[1..5].iter().flat_map(file_part).collect();
    assert!(
        reassembled == content,
        "the chunks do not reassemble into the file"
    );
    for r in &reqs[1..5] {
        assert!(
            r.body_text()
                .contains("name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n<tsRequest/>")
        );
        assert!(
            r.body_text()
                .contains("name=\"tableau_file\"; filename=\"Big Flow.tflx\"")
        );
    }
    let commit = reqs[5].body_text();
    assert!(
        commit.contains(r#"<flow name="Big Flow"><project id="project-1"/></flow>"#),
        "{commit}"
    );
    assert!(
        !commit.contains("tableau_flow"),
        "the commit carries only the payload part"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_small_publish_is_one_request_streamed_from_a_reader() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::xml(201, example("publish_flow")));
    let content = b"PK\x03\x04 a small packaged flow".to_vec();
    client
        .publish_flow_reader(
            "small.tfl",
            std::io::Cursor::new(content.clone()),
            content.len() as u64,
            PublishOptions::new("project-1")
                .name("Small")
                .description("tiny"),
        )
        .unwrap();
    let req = server.take_requests().remove(0);
    assert_eq!(req.url, "/api/3.24/sites/site-1/flows?overwrite=false");
    assert_eq!(file_part(&req), content);
    assert!(
        req.body_text()
            .contains("name=\"tableau_flow\"; filename=\"small.tfl\"")
    );
}

#[test]
fn publish_refuses_bad_files_before_sending() {
    let server = TestServer::start();
    let client = server.client();
    let err = client
        .publish_flow_reader("report.twbx", std::io::empty(), 0, PublishOptions::new("p"))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let err = client
        .publish_flow_file("/no/such/dir/x.tflx", PublishOptions::new("p"))
        .unwrap_err();
    assert!(matches!(err, Error::Io(_)), "{err}");
    assert!(server.take_requests().is_empty());
    // A name that exists, without overwrite: the server's 409041, typed.
    server.push(Answer::error(
        409,
        409041,
        "Flow already found in destination",
        "exists",
    ));
    let err = client
        .publish_flow_reader(
            "a.tfl",
            std::io::Cursor::new(b"x".to_vec()),
            1,
            PublishOptions::new("p"),
        )
        .unwrap_err();
    assert_eq!(
        err.kind::<PublishFlowError>(),
        Some(PublishFlowError::FlowNameConflict)
    );
}

// ---- Downloading ----------------------------------------------------------------------------

#[test]
fn downloads_stream_into_a_writer_or_a_named_file() {
    let server = TestServer::start();
    let client = server.client();
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let answer = || Answer {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "application/octet-stream".into()),
            (
                "Content-Disposition".into(),
                r#"attachment; filename="..\..\Coffee Chain.tflx""#.into(),
            ),
        ],
        body: content.clone(),
        delay: None,
    };
    server.push(answer());
    let mut out = Vec::new();
    let last = Arc::new(AtomicU64::new(0));
    let l2 = last.clone();
    let (n, name) = client
        .download_flow_to(
            FLOW,
            &mut out,
            DownloadOptions::new()
                .progress(Arc::new(move |done, _| l2.store(done, Ordering::SeqCst))),
        )
        .unwrap();
    assert_eq!((n, name.as_deref()), (200_000, Some("Coffee Chain.tflx")));
    assert_eq!(out, content);
    assert_eq!(last.load(Ordering::SeqCst), 200_000);
    let dir = temp_dir("download");
    server.push(answer());
    let path = client
        .download_flow_into(FLOW, &dir, DownloadOptions::new())
        .unwrap();
    assert_eq!(
        path,
        dir.join("Coffee Chain.tflx"),
        "directories in the server's name are stripped"
    );
    assert_eq!(std::fs::read(&path).unwrap(), content);
    assert!(!dir.join("Coffee Chain.tflx.part").exists());
    // An error answer leaves no file.
    server.push(Answer::error(404, 404027, "Flow not found", "gone"));
    let err = client
        .download_flow_into("gone", &dir, DownloadOptions::new())
        .unwrap_err();
    assert_eq!(err.kind(), Some(DownloadFlowError::FlowNotFound));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

// ---- Running and waiting --------------------------------------------------------------------

const FLOW_WITH_PARAMETERS: &str = r#"<flow id="d00700fe-28a0-4ece-a7af-5543ddf38a82" name="Sales">
  <parameters>
    <parameter id="p-region" type="string" name="Region" value="North" isRequired="false">
      <domain xsi:type="flowParameterListDomainType" domainType="list" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><values><value>North</value><value>South</value></values></domain>
    </parameter>
    <parameter id="p-count" type="integer" name="Count" value="" isRequired="true">
      <domain xsi:type="flowParameterRangeDomainType" domainType="range" minValue="1" maxValue="10" stepSize="1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>
    </parameter>
  </parameters>
</flow>"#;

#[test]
fn run_with_parameters_by_name_and_wait_for_success() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::xml(200, doc(FLOW_WITH_PARAMETERS)));
    server.push(Answer::xml(200, example("run_flow_now")));
    let started = client
        .run_flow(
            FLOW,
            RunOptions::new()
                .parameter("Region", "South")
                .parameter("p-count", "3")
                .output_step("step-1")
                .mode(FlowRunMode::Incremental),
        )
        .unwrap();
    let run_id = started.flow_run_id().unwrap();
    let reqs = server.take_requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[1].url,
        format!(
            "/api/3.24/sites/site-1/flows/{FLOW}/run?flowOutputStepIds=step-1&flowRunMode=incremental"
        )
    );
    assert_eq!(
        reqs[1].body_text(),
        format!(
            r#"<tsRequest><flowRunSpec flowId="{FLOW}" runMode="incremental"><flowParameterSpecs><flowParameterSpec parameterId="p-region" overrideValue="South"/><flowParameterSpec parameterId="p-count" overrideValue="3"/></flowParameterSpecs></flowRunSpec></tsRequest>"#
        )
    );
    server.push(run_answer(run_id.as_str(), "Pending", 0));
    server.push(run_answer(run_id.as_str(), "InProgress", 50));
    server.push(run_answer(run_id.as_str(), "Success", 100));
    let polls = Arc::new(AtomicU64::new(0));
    let p2 = polls.clone();
    let run = client
        .wait_for_flow_run(
            run_id.clone(),
            WaitOptions::new()
                .interval(Duration::from_millis(10), Duration::from_millis(20))
                .timeout(Duration::from_secs(10))
                .on_poll(move |_| {
                    p2.fetch_add(1, Ordering::SeqCst);
                }),
        )
        .unwrap();
    assert_eq!(run.status, Some(RunStatus::Success));
    assert_eq!(polls.load(Ordering::SeqCst), 3);
    assert!(
        server
            .take_requests()
            .iter()
            .all(|r| r.url == format!("/api/3.24/sites/site-1/flows/runs/{run_id}"))
    );
}

#[test]
fn parameter_values_are_checked_before_running() {
    let server = TestServer::start();
    let client = server.client();
    for (options, expected) in [
        (
            RunOptions::new()
                .parameter("Region", "West")
                .parameter("Count", "1"),
            "invalid argument: parameter \"Region\": \"West\" is not one of North, South",
        ),
        (
            RunOptions::new().parameter("Count", "11"),
            "invalid argument: parameter \"Count\": 11 is above the maximum 10",
        ),
        (
            RunOptions::new().parameter("Region", "North"),
            "invalid argument: parameter \"Count\" is required and has no value",
        ),
        (
            RunOptions::new().parameter("Colour", "red"),
            "no parameter named \"Colour\"",
        ),
    ] {
        server.push(Answer::xml(200, doc(FLOW_WITH_PARAMETERS)));
        let err = client.run_flow(FLOW, options).unwrap_err();
        assert_eq!(err.to_string(), expected);
        assert_eq!(server.take_requests().len(), 1, "only the flow was read");
    }
    // An unknown flow is the Query Flow error.
    server.push(Answer::error(404, 404027, "Flow not found", "x"));
    assert!(matches!(
        client
            .run_flow("nope", RunOptions::new().parameter("a", "b"))
            .unwrap_err(),
        Error::Service(a) if a.endpoint == "Query Flow" && a.code == ErrorCode::FlowNotFound
    ));
}

#[test]
fn waiting_tells_failed_cancelled_and_timeout_apart() {
    let server = TestServer::start();
    let client = server.client();
    let quick = || {
        WaitOptions::new()
            .interval(Duration::from_millis(5), Duration::from_millis(10))
            .timeout(Duration::from_secs(5))
    };
    server.push(run_answer("r1", "Failed", 100));
    assert!(
        matches!(client.wait_for_flow_run("r1", quick()).unwrap_err(), Error::RunFailed { run, reason: None } if run.id.as_str() == "r1")
    );
    server.push(run_answer("r2", "InProgress", 10));
    server.push(run_answer("r2", "Cancelled", 10));
    assert!(matches!(
        client.wait_for_flow_run("r2", quick()).unwrap_err(),
        Error::RunCancelled(_)
    ));
    for _ in 0..50 {
        server.push(run_answer("r3", "InProgress", 10));
    }
    let err = client
        .wait_for_flow_run("r3", quick().timeout(Duration::from_millis(60)))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::WaitTimedOut {
                last: Some(RunStatus::InProgress),
                ..
            }
        ),
        "{err}"
    );
    server.push(Answer::error(404, 404036, "Flow run not found", "x"));
    let err = client.wait_for_flow_run("r4", quick()).unwrap_err();
    assert!(
        err.kind::<GetFlowRunError>() == Some(GetFlowRunError::FlowRunNotFound),
        "{err}"
    );
}

#[test]
fn flow_tasks_and_linked_tasks_run() {
    let server = TestServer::start();
    let client = server.client();
    server.push(Answer::xml(200, example("run_flow_task")));
    let job = client.run_flow_task("task-1").send().unwrap().job;
    assert!(job.run_flow_job.unwrap().flow_run_id.is_some());
    server.push(Answer::xml(200, example("run_linked_task_now")));
    let job = client
        .run_linked_task_now("linked-1")
        .send()
        .unwrap()
        .linked_task_job;
    assert_eq!(job.status, Some(RunStatus::InProgress));
}

#[test]
fn a_session_the_client_opened_is_signed_out_when_it_is_dropped() {
    let server = TestServer::start();
    let signed_in = |server: &TestServer| {
        let client = tableau_flows::Client::builder(server.url())
            .api_version(ApiVersion::new(3, 24))
            .build()
            .unwrap();
        server.push(sign_in_answer("tok-7"));
        client
            .sign_in_with(Credentials::personal_access_token("n", "s"), "")
            .unwrap();
        server.take_requests();
        client
    };
    // Dropped: signed out, with its token.
    drop(signed_in(&server));
    let requests = server.take_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].url, "/api/3.24/auth/signout");
    assert_eq!(requests[0].token.as_deref(), Some("tok-7"));
    // Kept: the session outlives the client.
    let client = signed_in(&server);
    let kept = client.keep_session().unwrap();
    drop(client);
    assert!(server.take_requests().is_empty());
    // A session given to a client is not the client's to end.
    let other = server.client();
    server.take_requests();
    other.set_session(kept);
    drop(other);
    assert!(server.take_requests().is_empty());
    // Signed out already: nothing more to do.
    let client = signed_in(&server);
    server.push(Answer::empty(204));
    client.end_session().unwrap();
    drop(client);
    assert_eq!(server.take_requests().len(), 1);
}

#[test]
fn a_private_certificate_authority_is_read_from_pem() {
    let pem = std::fs::read(format!(
        "{}/fixtures/tls/ca.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(
        tableau_flows::Client::builder("https://tableau.example.com")
            .ca_certificates_pem(&pem)
            .build()
            .is_ok()
    );
    for (bad, why) in [
        (&b"not a certificate"[..], "no PEM certificate"),
        (
            &b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"
                [..],
            "no PEM certificate",
        ),
    ] {
        let err = tableau_flows::Client::builder("https://tableau.example.com")
            .ca_certificates_pem(&pem)
            .ca_certificates_pem(bad)
            .build()
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("certificate authority 2") && text.contains(why),
            "{text}"
        );
    }
}

#[test]
fn the_next_page_is_asked_for_while_the_current_one_is_consumed() {
    let server = TestServer::start();
    let client = server.client();
    server.push(flows_page(1, 2, 6, &[1, 2]));
    server.push(flows_page(2, 2, 6, &[3, 4]));
    server.push(flows_page(3, 2, 6, &[5, 6]));
    let mut pages = client.query_flows_for_site().page_size(2).all();
    assert_eq!(pages.next().unwrap().unwrap().id.as_str(), "flow-1");
    // The caller holds the first item of page 1: page 2 is asked for all the same.
    let mut urls = Vec::new();
    let until = Instant::now() + Duration::from_secs(10);
    while urls.len() < 2 && Instant::now() < until {
        urls.extend(server.take_requests().into_iter().map(|r| r.url));
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        urls,
        [
            "/api/3.24/sites/site-1/flows?pageSize=2&pageNumber=1",
            "/api/3.24/sites/site-1/flows?pageSize=2&pageNumber=2",
        ]
    );
    let rest: Vec<String> = pages.map(|f| f.unwrap().id.to_string()).collect();
    assert_eq!(rest, ["flow-2", "flow-3", "flow-4", "flow-5", "flow-6"]);
    // Page 3 was the last by the total: nothing was asked past it.
    let urls: Vec<String> = server.take_requests().into_iter().map(|r| r.url).collect();
    assert_eq!(
        urls,
        ["/api/3.24/sites/site-1/flows?pageSize=2&pageNumber=3"]
    );
}

#[test]
fn strictly_sequential_pages_wait_for_the_caller() {
    let server = TestServer::start();
    let client = server.client();
    server.push(flows_page(1, 2, 4, &[1, 2]));
    server.push(flows_page(2, 2, 4, &[3, 4]));
    let mut pages = client
        .query_flows_for_site()
        .page_size(2)
        .all()
        .in_flight(0);
    assert_eq!(pages.next().unwrap().unwrap().id.as_str(), "flow-1");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        server.take_requests().len(),
        1,
        "page 2 waits for the caller"
    );
    assert_eq!(pages.count(), 3);
}

#[test]
fn several_pages_in_flight_give_the_same_list_from_the_simulator() {
    let server = tableau_flows_mock::MockServer::builder().start().unwrap();
    let client = tableau_flows_tests::demo_admin(&server);
    let ids = |in_flight: u32| -> Vec<String> {
        client
            .query_flows_for_site()
            .page_size(1)
            .sort(Sort::new().asc("name"))
            .all()
            .in_flight(in_flight)
            .map(|f| f.unwrap().id.to_string())
            .collect()
    };
    let sequential = ids(0);
    assert!(sequential.len() >= 3, "{sequential:?}");
    assert_eq!(ids(1), sequential);
    assert_eq!(ids(4), sequential);
    assert_eq!(ids(100), sequential);
}
