//! `Client::copy_flow_permissions` against the simulator, in process, behind a small HTTP front
//! that logs every request and can fail a chosen one (a failure in the middle of a copy).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tableau_flows::{
    Capability, CapabilityMode, Client, CopyPermissions, Credentials, Error, Grant, Grantee,
    PermissionRule,
};
use tableau_flows_mock::interface::{AnswerBody, Request};
use tableau_flows_mock::{MockServer, demo};

/// The flow copied from: the demo's Coffee flow (the Analysts group may Read and ExportXml).
const SOURCE: &str = demo::COFFEE_FLOW_ID;
/// The flow copied to: the demo's Sales flow.
const TARGET: &str = demo::SALES_FLOW_ID;

/// An HTTP front of an in-process simulator: every request is logged as `METHOD path`, and one
/// chosen request can be answered 500 instead ([`Front::fail`]).
struct Front {
    url: String,
    log: Arc<Mutex<Vec<String>>>,
    fail: Arc<Mutex<Option<(&'static str, usize)>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Front {
    fn start(sim: Arc<MockServer>) -> Front {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let fail: Arc<Mutex<Option<(&'static str, usize)>>> = Arc::default();
        let (s, l, f) = (server.clone(), log.clone(), fail.clone());
        let thread = std::thread::spawn(move || {
            for mut req in s.incoming_requests() {
                let header = |name: &str| {
                    req.headers()
                        .iter()
                        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
                        .map(|h| h.value.as_str().to_owned())
                };
                let (token, content_type, accept) = (
                    header("x-tableau-auth"),
                    header("content-type"),
                    header("accept"),
                );
                let mut body = Vec::new();
                std::io::Read::read_to_end(req.as_reader(), &mut body).unwrap();
                let method = req.method().as_str().to_owned();
                let url = req.url().to_owned();
                let (path, query) = url.split_once('?').unwrap_or((&url, ""));
                l.lock().unwrap().push(format!("{method} {path}"));
                let failed = {
                    let mut rule = f.lock().unwrap();
                    match *rule {
                        Some((m, 1)) if m == method => {
                            *rule = None;
                            true
                        }
                        Some((m, n)) if m == method => {
                            *rule = Some((m, n - 1));
                            false
                        }
                        _ => false,
                    }
                };
                let answer = if failed {
                    tableau_flows_mock::interface::Answer::error(
                        500,
                        500000,
                        "Internal Server Error",
                        "failed on purpose by the test",
                    )
                } else {
                    sim.answer(&Request {
                        method: &method,
                        path,
                        query,
                        token: token.as_deref(),
                        content_type: content_type.as_deref(),
                        accept: accept.as_deref(),
                        body: &body,
                    })
                };
                let (bytes, media) = match answer.body {
                    AnswerBody::Empty => (Vec::new(), None),
                    AnswerBody::Xml(x) => (x.into_bytes(), Some("application/xml")),
                    AnswerBody::Json(j) => (j.into_bytes(), Some("application/json")),
                    AnswerBody::File(b, t) => (b.to_vec(), Some(t)),
                };
                let mut resp =
                    tiny_http::Response::from_data(bytes).with_status_code(answer.status);
                if let Some(m) = media {
                    resp.add_header(
                        tiny_http::Header::from_bytes("Content-Type", m.as_bytes()).unwrap(),
                    );
                }
                for (k, v) in answer.headers {
                    resp.add_header(tiny_http::Header::from_bytes(k, v.as_bytes()).unwrap());
                }
                let _ = req.respond(resp);
            }
        });
        Front {
            url: format!("http://127.0.0.1:{port}"),
            log,
            fail,
            server,
            thread: Some(thread),
        }
    }

    /// Answers 500 to the `n`th request with this method from now on (counting from 1).
    fn fail(&self, method: &'static str, n: usize) {
        *self.fail.lock().unwrap() = Some((method, n));
    }

    /// The requests logged since the last call, as `METHOD path` without the API prefix.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
            .into_iter()
            .map(|line| {
                let (method, path) = line.split_once(' ').unwrap();
                let path = path.split_once("/flows/").map_or(path, |(_, p)| p);
                format!("{method} {path}")
            })
            .collect()
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A simulator, its front, and a client of the front signed in as the demo administrator; the
/// log starts empty.
fn setup() -> (Arc<MockServer>, Front, Client) {
    let sim = Arc::new(MockServer::builder().start().unwrap());
    let front = Front::start(sim.clone());
    let client = Client::builder(front.url.clone()).build().unwrap();
    client
        .sign_in_with(
            Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
            demo::SITE,
        )
        .unwrap();
    (sim, front, client)
}

fn user() -> Grantee {
    Grantee::User(demo::ANALYST_ID.into())
}
fn analysts() -> Grantee {
    Grantee::Group(demo::ANALYSTS_GROUP_ID.into())
}
fn all_users() -> Grantee {
    Grantee::Group(demo::ALL_USERS_GROUP_ID.into())
}

fn rule(grantee: Grantee, capability: Capability, mode: CapabilityMode) -> PermissionRule {
    PermissionRule::new(grantee, capability, mode)
}

/// The rules of a flow, as a set of texts (`user ID Read:Allow`).
fn rules(client: &Client, flow: &str) -> BTreeSet<String> {
    let answer = client.list_flow_permissions(flow).send().unwrap();
    PermissionRule::of(&answer.permissions)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn texts(rules: &[PermissionRule]) -> BTreeSet<String> {
    rules.iter().map(ToString::to_string).collect()
}

/// The source: the demo's two rules of the Analysts group, and the analyst may Read and
/// Execute. The target: the analyst is denied Read (the other mode than the source's), All
/// Users may Write (a rule the source does not have), and the Analysts group may ExportXml (as
/// on the source).
fn arrange(client: &Client, front: &Front) {
    let user_grant = Grant::user(demo::ANALYST_ID)
        .allow(Capability::Execute)
        .allow(Capability::Read);
    client
        .add_flow_permissions(SOURCE, user_grant)
        .send()
        .unwrap();
    let target = vec![
        Grant::user(demo::ANALYST_ID).deny(Capability::Read),
        Grant::group(demo::ALL_USERS_GROUP_ID).allow(Capability::Write),
        Grant::group(demo::ANALYSTS_GROUP_ID).allow(Capability::ExportXml),
    ];
    client.add_flow_permissions(TARGET, target).send().unwrap();
    front.take();
}

#[test]
fn adding_writes_the_sources_missing_rules_in_one_call_and_deletes_nothing() {
    let (_sim, front, client) = setup();
    arrange(&client, &front);
    let before = rules(&client, TARGET);
    front.take();

    let copied = client
        .copy_flow_permissions(SOURCE, TARGET, CopyPermissions::Add)
        .unwrap();

    assert_eq!(
        copied.added,
        vec![
            rule(analysts(), Capability::Read, CapabilityMode::Allow),
            rule(user(), Capability::Execute, CapabilityMode::Allow),
        ]
    );
    assert_eq!(
        copied.unchanged,
        vec![rule(
            analysts(),
            Capability::ExportXml,
            CapabilityMode::Allow
        )]
    );
    // The target denies the analyst Read: adding never removes a rule, so the source's Allow is
    // skipped, and said so.
    assert_eq!(
        copied.skipped,
        vec![rule(user(), Capability::Read, CapabilityMode::Allow)]
    );
    assert!(copied.deleted.is_empty() && copied.not_deleted.is_empty());
    assert_eq!(copied.calls, 3);
    let path = format!("{TARGET}/permissions");
    assert_eq!(
        front.take(),
        vec![
            format!("GET {SOURCE}/permissions"),
            format!("GET {path}"),
            format!("PUT {path}"),
        ]
    );
    let mut expected = before;
    expected.extend(texts(&copied.added));
    assert_eq!(rules(&client, TARGET), expected);
    assert!(
        copied.to_string().starts_with("added 2 rules ("),
        "{copied}"
    );
}

#[test]
fn replacing_makes_the_targets_rules_the_sources() {
    let (_sim, front, client) = setup();
    arrange(&client, &front);

    let copied = client
        .copy_flow_permissions(SOURCE, TARGET, CopyPermissions::Replace)
        .unwrap();

    assert_eq!(rules(&client, TARGET), rules(&client, SOURCE));
    assert_eq!(
        copied.deleted,
        vec![
            // The rule in the other mode goes before the add, ...
            rule(user(), Capability::Read, CapabilityMode::Deny),
            // ... the rule the source does not have after it.
            rule(all_users(), Capability::Write, CapabilityMode::Allow),
        ]
    );
    assert_eq!(
        texts(&copied.added),
        texts(&[
            rule(analysts(), Capability::Read, CapabilityMode::Allow),
            rule(user(), Capability::Execute, CapabilityMode::Allow),
            rule(user(), Capability::Read, CapabilityMode::Allow),
        ])
    );
    assert_eq!(copied.unchanged.len(), 1);
    assert!(copied.skipped.is_empty() && copied.not_deleted.is_empty());
    let log = front.take();
    let path = format!("{TARGET}/permissions");
    assert_eq!(log.len(), 7, "{log:#?}");
    assert_eq!(copied.calls, 5);
    assert_eq!(
        &log[..5],
        [
            format!("GET {SOURCE}/permissions"),
            format!("GET {path}"),
            format!("DELETE {path}/users/{}/Read/Deny", demo::ANALYST_ID),
            format!("PUT {path}"),
            format!(
                "DELETE {path}/groups/{}/Write/Allow",
                demo::ALL_USERS_GROUP_ID
            ),
        ]
    );
    // A second copy finds nothing to do: the two reads only.
    let again = client
        .copy_flow_permissions(SOURCE, TARGET, CopyPermissions::Replace)
        .unwrap();
    assert!(!again.changed());
    assert_eq!(again.calls, 2);
    assert_eq!(again.to_string(), "changed nothing");
}

#[test]
fn a_failure_after_a_change_says_what_was_done() {
    let (_sim, front, client) = setup();
    arrange(&client, &front);
    // The second delete (of the rule the source does not have, after the add) fails.
    front.fail("DELETE", 2);

    let err = client
        .copy_flow_permissions(SOURCE, TARGET, CopyPermissions::Replace)
        .unwrap_err();

    let Error::PermissionsCopyIncomplete { done, source } = &err else {
        panic!("not an incomplete copy: {err:?}");
    };
    assert_eq!(
        done.deleted,
        vec![rule(user(), Capability::Read, CapabilityMode::Deny)]
    );
    assert_eq!(done.added.len(), 3);
    assert_eq!(done.calls, 5);
    assert_eq!(source.code().map(|c| c.code()), Some(500000));
    assert_eq!(err.code().map(|c| c.code()), Some(500000));
    let message = err.to_string();
    for part in [
        format!("copying the permissions of flow {SOURCE} to flow {TARGET} stopped"),
        "failed on purpose by the test".to_owned(),
        format!(
            "before that it added 3 rules (group {} Read:Allow, ",
            demo::ANALYSTS_GROUP_ID
        ),
        format!("deleted 1 rule (user {} Read:Deny)", demo::ANALYST_ID),
    ] {
        assert!(message.contains(&part), "{part:?} not in {message}");
    }
    // The target is as the error says: the source's rules, and the one rule left to delete.
    let mut expected = rules(&client, SOURCE);
    expected.insert(rule(all_users(), Capability::Write, CapabilityMode::Allow).to_string());
    assert_eq!(rules(&client, TARGET), expected);
}

#[test]
fn a_failed_add_after_a_delete_is_reported_and_a_first_failure_is_returned_as_it_is() {
    let (_sim, front, client) = setup();
    arrange(&client, &front);
    let before = rules(&client, TARGET);
    // Adding mode: the add is the first change; its failure changed nothing.
    front.fail("PUT", 1);
    let err = client
        .copy_flow_permissions(SOURCE, TARGET, CopyPermissions::Add)
        .unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    assert_eq!(rules(&client, TARGET), before);

    // Replacing: the rule in the other mode is deleted, then the add fails.
    front.fail("PUT", 1);
    let err = client
        .copy_flow_permissions(SOURCE, TARGET, CopyPermissions::Replace)
        .unwrap_err();
    let Error::PermissionsCopyIncomplete { done, .. } = &err else {
        panic!("not an incomplete copy: {err:?}");
    };
    assert_eq!(
        done.deleted,
        vec![rule(user(), Capability::Read, CapabilityMode::Deny)]
    );
    assert!(done.added.is_empty());
    let mut expected = before;
    expected.remove(&rule(user(), Capability::Read, CapabilityMode::Deny).to_string());
    assert_eq!(rules(&client, TARGET), expected);
}

#[test]
fn a_flow_that_does_not_exist_changes_nothing() {
    let (_sim, front, client) = setup();
    let before = rules(&client, TARGET);
    front.take();
    let err = client
        .copy_flow_permissions("no-such-flow", TARGET, CopyPermissions::Replace)
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some(404027));
    assert_eq!(
        front.take(),
        vec!["GET no-such-flow/permissions".to_owned()]
    );
    assert_eq!(rules(&client, TARGET), before);
}
