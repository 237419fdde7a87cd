//! The client logs each request through the `log` facade: method, path and query, status and
//! time, at `debug` level, and never a secret.

use std::sync::Mutex;
use tableau_flows::{Client, Credentials, Filter};
use tableau_flows_mock::{MockServer, demo};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target().starts_with("tableau_flows")
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!("{} {} {}", record.level(), record.target(), record.args());
            LINES.lock().unwrap().push(line);
        }
    }
    fn flush(&self) {}
}

#[test]
fn each_request_is_logged_without_secrets() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Debug);
    let server = MockServer::builder().start().unwrap();
    let client = Client::builder(server.url()).build().unwrap();
    let session = client
        .sign_in_with(
            Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
            demo::SITE,
        )
        .unwrap();
    client
        .query_flows_for_site()
        .filter(Filter::new().eq("name", "Sales Cleanup"))
        .send()
        .unwrap();
    let _ = client
        .query_flow("3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9")
        .send();
    drop(client);
    let lines = LINES.lock().unwrap().clone();
    let text = lines.join("\n");
    for expected in [
        "DEBUG tableau_flows::call GET /api/2.4/serverinfo -> 200 in ",
        "DEBUG tableau_flows::call POST /api/3.24/auth/signin -> 200 in ",
        &format!(
            "DEBUG tableau_flows::call GET /api/3.24/sites/{}/flows?filter=name:eq:Sales%20Cleanup -> 200 in ",
            demo::SITE_ID
        ),
        "/flows/3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9 -> 404 in ",
        "DEBUG tableau_flows::call POST /api/3.24/auth/signout -> 204 in ",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
    assert!(!text.contains(demo::PAT_SECRET), "{text}");
    assert!(!text.contains(session.token.expose()), "{text}");
}
