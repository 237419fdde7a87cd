//! Test support: a scripted local HTTP server that records every request it receives.

/// A response model from a value (its constructor, `Flow::new(id)`) and the fields to set on it:
/// the client's response models are `#[non_exhaustive]`, so no struct literal builds one outside
/// the client crate. `model!(Flow::new("id"), name = Some("Sales".into()))`.
#[macro_export]
macro_rules! model {
    ($value:expr $(, $field:ident = $set:expr)* $(,)?) => {{
        let mut model = $value;
        $(model.$field = $set;)*
        model
    }};
}

pub mod cases;

/// Every model of the client, whatever its resource group (the tests reach them all).
pub mod tf {
    pub use tableau_flows::*;
    pub use tableau_flows::{
        auth::*, connections::*, flow_runs::*, flow_tasks::*, flows::*, groups::*, jobs::*,
        linked_tasks::*, permissions::*, projects::*, schedules::*, server::*, tags::*, uploads::*,
        users::*,
    };
}

/// A client of `server` signed in as the demo administrator (a personal access token).
pub fn demo_admin(server: &tableau_flows_mock::MockServer) -> tableau_flows::Client {
    use tableau_flows_mock::demo;
    let client = tableau_flows::Client::builder(server.url())
        .build()
        .expect("client");
    client
        .sign_in_with(
            tableau_flows::Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
            demo::SITE,
        )
        .expect("sign in as the demo administrator");
    client
}

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The workspace's `spec/` folder.
pub fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

/// Runs the `flowspec` binary (through cargo, so it is built first) with these arguments.
pub fn flowspec<I, S>(args: I) -> std::process::Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    std::process::Command::new(env!("CARGO"))
        .args([
            "run",
            "-q",
            "-p",
            "tableau-flows-codegen",
            "--bin",
            "flowspec",
            "--",
        ])
        .args(args)
        .output()
        .expect("cargo runs")
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Method.
    pub method: String,
    /// Path and query.
    pub url: String,
    /// Headers, lower-cased names, sorted; `x-tableau-auth` and volatile ones are masked.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The `X-Tableau-Auth` token sent, if any (masked in `headers`).
    pub token: Option<String>,
}

impl Recorded {
    /// The body as text, with a multipart boundary replaced by `BOUNDARY`.
    pub fn body_text(&self) -> String {
        let text = String::from_utf8_lossy(&self.body).into_owned();
        match self.boundary() {
            Some(b) => text.replace(&b, "BOUNDARY"),
            None => text,
        }
    }

    /// The multipart boundary, if any.
    pub fn boundary(&self) -> Option<String> {
        self.raw_header("content-type")
            .and_then(|ct| ct.split("boundary=").nth(1).map(str::to_owned))
    }

    fn raw_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.raw_header(name)
    }

    /// A stable rendering for snapshots: method, URL, headers but the token, body.
    pub fn render(&self) -> String {
        let mut s = format!("{} {}\n", self.method, self.url);
        for (k, v) in &self.headers {
            let v = match self.boundary() {
                Some(b) => v.replace(&b, "BOUNDARY"),
                None => v.clone(),
            };
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push('\n');
        s.push_str(&self.body_text());
        s
    }
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Option<std::time::Duration>,
}

impl Answer {
    /// An XML answer.
    pub fn xml(status: u16, body: impl Into<String>) -> Answer {
        Answer {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/xml;charset=utf-8".into(),
            )],
            body: body.into().into_bytes(),
            delay: None,
        }
    }

    /// An answer with no body.
    pub fn empty(status: u16) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: None,
        }
    }

    /// An error document answer.
    pub fn error(status: u16, code: u32, summary: &str, detail: &str) -> Answer {
        Answer::xml(
            status,
            format!(
                "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"http://tableau.com/api\"><error code=\"{code}\"><summary>{summary}</summary><detail>{detail}</detail></error></tsResponse>"
            ),
        )
    }

    /// Adds a header.
    pub fn header(mut self, k: &str, v: &str) -> Answer {
        self.headers.push((k.into(), v.into()));
        self
    }
}

/// A local HTTP server that answers from a script and records requests.
pub struct TestServer {
    url: String,
    answers: Arc<Mutex<VecDeque<Answer>>>,
    requests: Arc<Mutex<Vec<Recorded>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on a free loopback port.
    pub fn start() -> TestServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let answers: Arc<Mutex<VecDeque<Answer>>> = Arc::default();
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let (s, a, r) = (server.clone(), answers.clone(), requests.clone());
        let thread = std::thread::spawn(move || {
            for mut req in s.incoming_requests() {
                let token = req
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv("x-tableau-auth"))
                    .map(|h| h.value.as_str().to_owned());
                let mut body = Vec::new();
                let _ = std::io::Read::read_to_end(req.as_reader(), &mut body);
                let mut headers: Vec<(String, String)> = req
                    .headers()
                    .iter()
                    .map(|h| {
                        (
                            h.field.as_str().as_str().to_ascii_lowercase(),
                            h.value.as_str().to_owned(),
                        )
                    })
                    .filter(|(k, _)| {
                        !matches!(
                            k.as_str(),
                            "host" | "user-agent" | "accept-encoding" | "connection"
                        )
                    })
                    .map(|(k, v)| {
                        if k == "x-tableau-auth" {
                            (k, "<token>".to_owned())
                        } else {
                            (k, v)
                        }
                    })
                    .collect();
                headers.sort();
                r.lock().unwrap().push(Recorded {
                    method: req.method().as_str().to_owned(),
                    url: req.url().to_owned(),
                    headers,
                    body,
                    token,
                });
                let answer = a.lock().unwrap().pop_front().unwrap_or_else(|| {
                    Answer::error(
                        500,
                        500000,
                        "No scripted answer",
                        "The test scripted no answer for this request.",
                    )
                });
                if let Some(d) = answer.delay {
                    std::thread::sleep(d);
                }
                let mut resp =
                    tiny_http::Response::from_data(answer.body).with_status_code(answer.status);
                for (k, v) in answer.headers {
                    resp.add_header(
                        tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes())
                            .expect("valid header"),
                    );
                }
                let _ = req.respond(resp);
            }
        });
        TestServer {
            url: format!("http://127.0.0.1:{port}"),
            answers,
            requests,
            server,
            thread: Some(thread),
        }
    }

    /// The server's base URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Queues an answer.
    pub fn push(&self, answer: Answer) {
        self.answers.lock().unwrap().push_back(answer);
    }

    /// The requests received so far (and forgets them).
    pub fn take_requests(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }

    /// A client of this server, signed in to site `site-1` with token `token-1`.
    pub fn client(&self) -> tableau_flows::Client {
        self.client_with(|b| b)
    }

    /// A client of this server speaking API 3.24 (unless `f` pins another), without retries
    /// (unless `f` sets a policy), configured further by `f`, signed in.
    pub fn client_with(
        &self,
        f: impl FnOnce(tableau_flows::ClientBuilder) -> tableau_flows::ClientBuilder,
    ) -> tableau_flows::Client {
        let builder = tableau_flows::Client::builder(self.url.clone())
            .api_version(tableau_flows::ApiVersion::new(3, 24))
            .retry_policy(tableau_flows::RetryPolicy::none());
        let client = f(builder).build().expect("client");
        client.set_session(tableau_flows::Session {
            token: tableau_flows::Secret::new("token-1"),
            site_id: "site-1".into(),
            user_id: None,
        });
        client
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Every attribute and text of an XML document, as `path/@name=value` and `path=text` lines,
/// sorted: two documents with the same inventory hold the same data, whatever their order,
/// indentation, prefixes or namespace declarations. The document must be namespace-well-formed
/// (roxmltree is a namespace-aware parser: an undeclared prefix is an error).
pub fn xml_inventory(text: &str) -> Result<Vec<String>, String> {
    let doc = roxmltree::Document::parse(text).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    fn walk(node: roxmltree::Node<'_, '_>, path: &str, out: &mut Vec<String>) {
        let path = format!("{path}/{}", node.tag_name().name());
        for a in node.attributes() {
            let schema_location = a.namespace()
                == Some("http://www.w3.org/2001/XMLSchema-instance")
                && a.name() == "schemaLocation";
            if !schema_location {
                out.push(format!("{path}/@{}={}", a.name(), a.value()));
            }
        }
        let text: String = node
            .children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect();
        if !text.trim().is_empty() {
            out.push(format!("{path}={}", text.trim()));
        }
        for c in node.children().filter(|c| c.is_element()) {
            walk(c, &path, out);
        }
    }
    walk(doc.root_element(), "", &mut out);
    out.sort();
    Ok(out)
}
