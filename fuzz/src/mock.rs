//! `mock_request`: the simulator's request handling, through [`MockServer::answer`] (exactly what
//! it answers on its port, without HTTP), on a simulator built once and shared by the inputs
//! (with the demo content and a manual clock; built anew now and then, see below).
//!
//! Input: one or more raw HTTP requests, separated by a line `#next` (at most [`MAX_REQUESTS`]):
//!
//! ```text
//! POST /api/3.24/sites/$SITE/flows/d00700fe-28a0-4ece-a7af-5543ddf38a82/run HTTP/1.1
//! X-Tableau-Auth: $TOKEN
//! Content-Type: application/xml
//!
//! <tsRequest><flowRunSpec/></tsRequest>
//! ```
//!
//! The request line gives the method and the target (path and query, split at the first `?`);
//! `X-Tableau-Auth` and `Content-Type` are the headers the simulator reads, and
//! `X-Fuzz-Advance: N` moves the simulator's clock N seconds forward before the request (runs
//! progress, tokens expire); other headers are ignored. The body follows the first empty line.
//! In the target, the header values and the body, `$TOKEN` stands for a valid session token of
//! the demo administrator, `$ANALYST` for one of the demo analyst (a creator without
//! administrator rights), `$SITE` for the demo site's id, `$ID` for the first `id="..."` of the
//! previous XML answer of the same input, and `$element.attribute` (`$flow.id`, `$job.id`,
//! `$runFlowJobType.flowRunId`, `$fileUpload.uploadSessionId`) for that attribute of the first
//! such element of the latest answer of the same input that had one (so that one input can
//! publish a flow, then run it, then poll the run), and `$FLOW_FILE` for the bytes of a real flow
//! file (`demo::flow_file_bytes`; Publish Flow refuses others). Unknown placeholders stay as
//! they are.
//!
//! What must hold, for every answer: no panic; an HTTP status from 100 to 599; every header name
//! is a token and every value visible ASCII, spaces and tabs (no CR, LF or NUL, and nothing a
//! client reading it with `http::HeaderValue::to_str` would lose); an XML body is a well-formed,
//! namespace-well-formed document (roxmltree) whose root is `<tsResponse>` in the Tableau
//! namespace; a success (2xx) is the status the endpoint documents and its document decodes with
//! the client's decoder for that endpoint ([`endpoint_for`] finds it by method and path
//! template); an error answer (4xx, 5xx) with an XML body decodes as an error document
//! other than 500000 (the simulator's "cannot encode the answer", a fault of its own). The
//! public helpers `interface::Query::parse` and `interface::multipart` are run on every request
//! as well.
//!
//! `TABLEAU_FUZZ_DEBUG=1` prints every request and its answer to stderr.
//!
//! The simulator is shared by the inputs of a process, so an input that fails may depend on the
//! inputs before it (libFuzzer reproduces a crash file in a fresh process). Its state grows
//! (flows published, runs started, sessions): it is built anew after [`RESET_EVERY`] inputs or
//! when it holds more than [`RESET_FLOWS`] flows. The tokens are signed in again after an input
//! that signs out, moves the clock or is refused with 401 with one of them.

use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tableau_flows_mock::interface::{self, Answer, AnswerBody, Request};
use tableau_flows_mock::{Clock, MockServer, demo};

/// The most requests one input sends.
pub const MAX_REQUESTS: usize = 8;
/// The separator of requests in an input.
pub const SEPARATOR: &[u8] = b"\n#next\n";
/// The most one `X-Fuzz-Advance` moves the clock, in seconds (more than a token's lifetime).
pub const MAX_ADVANCE_SECS: u64 = 6 * 60 * 60;

/// After this many inputs the simulator is dropped and built anew (its state grows).
pub const RESET_EVERY: u64 = 1000;
/// Or when it holds more flows than this.
pub const RESET_FLOWS: usize = 64;

struct Sim {
    server: MockServer,
    clock: Clock,
    tokens: Tokens,
    inputs: u64,
}

#[derive(Clone)]
struct Tokens {
    admin: String,
    analyst: String,
}

fn start() -> Sim {
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .threads(1)
        .start()
        .expect("the simulator starts on loopback");
    let tokens = sign_in_both(&server);
    Sim {
        server,
        clock,
        tokens,
        inputs: 0,
    }
}

fn sign_in(server: &MockServer, name: &str, secret: &str) -> String {
    let body = format!(
        "<tsRequest><credentials personalAccessTokenName=\"{name}\" personalAccessTokenSecret=\"{secret}\"><site contentUrl=\"{}\"/></credentials></tsRequest>",
        demo::SITE
    );
    let path = format!("/api/{}/auth/signin", server.api_version());
    let answer = server.answer(&Request {
        method: "POST",
        path: &path,
        query: "",
        token: None,
        content_type: Some("application/xml"),
        accept: None,
        body: body.as_bytes(),
    });
    let AnswerBody::Xml(xml) = &answer.body else {
        panic!("sign-in answered {} without a document", answer.status);
    };
    let response = tableau_flows::auth::SignInResponse::decode(xml.as_bytes())
        .unwrap_or_else(|e| panic!("sign-in answered {}: {e}\n{xml}", answer.status));
    response.credentials.token.expose().to_owned()
}

fn sign_in_both(server: &MockServer) -> Tokens {
    Tokens {
        admin: sign_in(server, demo::PAT_NAME, demo::PAT_SECRET),
        analyst: sign_in(server, demo::ANALYST_PAT_NAME, demo::ANALYST_PAT_SECRET),
    }
}

/// One request of an input, before its placeholders are replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRequest {
    /// The method.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// `X-Tableau-Auth`.
    pub token: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Accept`.
    pub accept: Option<String>,
    /// `X-Fuzz-Advance`, in seconds.
    pub advance: Option<u64>,
    /// The body.
    pub body: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits an input into its requests.
pub fn parse_input(data: &[u8]) -> Vec<RawRequest> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < MAX_REQUESTS {
        let (one, next) = match find(rest, SEPARATOR) {
            Some(at) => (&rest[..at], Some(&rest[at + SEPARATOR.len()..])),
            None => (rest, None),
        };
        out.push(parse_request(one));
        match next {
            Some(next) => rest = next,
            None => break,
        }
    }
    out
}

/// Reads one raw request.
pub fn parse_request(raw: &[u8]) -> RawRequest {
    let (head, body) = match (find(raw, b"\r\n\r\n"), find(raw, b"\n\n")) {
        (Some(a), Some(b)) if b < a => (&raw[..b], &raw[b + 2..]),
        (Some(a), _) => (&raw[..a], &raw[a + 4..]),
        (None, Some(b)) => (&raw[..b], &raw[b + 2..]),
        (None, None) => (raw, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let mut request = RawRequest {
        body: body.to_vec(),
        ..RawRequest::default()
    };
    let mut first = lines.next().unwrap_or_default().split(' ');
    request.method = first.next().unwrap_or_default().to_owned();
    request.target = first.next().unwrap_or_default().to_owned();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim_start_matches([' ', '\t']).to_owned();
        match name.trim().to_ascii_lowercase().as_str() {
            "x-tableau-auth" => request.token = Some(value),
            "content-type" => request.content_type = Some(value),
            "accept" => request.accept = Some(value),
            "x-fuzz-advance" => {
                request.advance = value
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .map(|s| s.min(MAX_ADVANCE_SECS));
            }
            _ => {}
        }
    }
    request
}

struct Values<'a> {
    tokens: &'a Tokens,
    /// `$element.attribute` → the value in the latest answer that had it.
    seen: &'a std::collections::HashMap<String, String>,
    id: &'a str,
}

impl Values<'_> {
    fn fixed(&self) -> [(&'static str, &str); 4] {
        [
            ("$TOKEN", &self.tokens.admin),
            ("$ANALYST", &self.tokens.analyst),
            ("$SITE", demo::SITE_ID),
            ("$ID", self.id),
        ]
    }

    /// Replaces the placeholders of `b`.
    fn bytes(&self, b: &[u8]) -> Vec<u8> {
        if !b.contains(&b'$') {
            return b.to_vec();
        }
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        'outer: while i < b.len() {
            if b[i] == b'$' {
                if b[i..].starts_with(b"$FLOW_FILE") {
                    static FLOW_FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
                    out.extend_from_slice(FLOW_FILE.get_or_init(demo::flow_file_bytes));
                    i += "$FLOW_FILE".len();
                    continue;
                }
                for (k, v) in self.fixed() {
                    if b[i..].starts_with(k.as_bytes()) {
                        out.extend_from_slice(v.as_bytes());
                        i += k.len();
                        continue 'outer;
                    }
                }
                // `$element.attribute`
                let name_end = b[i + 1..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'.' || *c == b'_'))
                    .map_or(b.len(), |p| p + i + 1);
                if let Ok(name) = std::str::from_utf8(&b[i + 1..name_end])
                    && let Some(v) = self.seen.get(name.trim_end_matches('.'))
                {
                    out.extend_from_slice(v.as_bytes());
                    i = name_end;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        out
    }

    fn text(&self, s: &str) -> String {
        String::from_utf8_lossy(&self.bytes(s.as_bytes())).into_owned()
    }
}

/// Records `element.attribute` → value for every attribute of `xml` (the first of each name).
fn remember(xml: &str, seen: &mut std::collections::HashMap<String, String>) {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return;
    };
    let mut this: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for node in doc.descendants().filter(roxmltree::Node::is_element) {
        for attr in node.attributes() {
            this.entry(format!("{}.{}", node.tag_name().name(), attr.name()))
                .or_insert_with(|| attr.value().to_owned());
        }
    }
    seen.extend(this);
}

/// Whether to print every request and answer (`TABLEAU_FUZZ_DEBUG=1`).
fn debug() -> bool {
    static DEBUG: OnceLock<bool> = OnceLock::new();
    *DEBUG.get_or_init(|| {
        std::env::var("TABLEAU_FUZZ_DEBUG").is_ok_and(|v| !v.is_empty() && v != "0")
    })
}

fn show_body(body: &AnswerBody) -> String {
    match body {
        AnswerBody::Empty => String::new(),
        AnswerBody::Xml(xml) | AnswerBody::Json(xml) => xml.clone(),
        AnswerBody::File(bytes, content_type) => {
            format!("({} bytes of {content_type})", bytes.len())
        }
    }
}

/// The first `id="..."` of a document.
fn first_id(xml: &str) -> Option<&str> {
    let at = xml.find(" id=\"")? + 5;
    let len = xml[at..].find('"')?;
    Some(&xml[at..at + len])
}

/// The target.
pub fn run(data: &[u8]) {
    static SIM: Mutex<Option<Sim>> = Mutex::new(None);
    let mut guard = SIM.lock().unwrap_or_else(|p| p.into_inner());
    let sim = guard.get_or_insert_with(start);
    run_on(sim, data);
    sim.inputs += 1;
    if sim.inputs >= RESET_EVERY || sim.server.flow_ids().len() > RESET_FLOWS {
        *guard = None;
    }
}

fn run_on(sim: &mut Sim, data: &[u8]) {
    let tokens = sim.tokens.clone();
    let mut last_id = String::new();
    let mut seen = std::collections::HashMap::new();
    let mut refresh = false;
    for raw in parse_input(data) {
        let values = Values {
            tokens: &tokens,
            seen: &seen,
            id: &last_id,
        };
        let target = values.text(&raw.target);
        let token = raw.token.as_deref().map(|t| values.text(t));
        let body = values.bytes(&raw.body);
        if let Some(secs) = raw.advance {
            sim.clock.advance(Duration::from_secs(secs));
            refresh |= secs > 0;
        }
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let request = Request {
            method: &raw.method,
            path,
            query,
            token: token.as_deref(),
            content_type: raw.content_type.as_deref(),
            accept: raw.accept.as_deref(),
            body: &body,
        };
        let _ = interface::Query::parse(query).get("filter");
        let _ = interface::multipart(request.content_type, request.body);
        let answer = sim.server.answer(&request);
        if debug() {
            eprintln!(
                "{request:?}\n=> {} {:?}\n{}\n",
                answer.status,
                answer.headers,
                show_body(&answer.body)
            );
        }
        check_answer(&request, &answer);
        refresh |= path.contains("/auth/signout")
            || (answer.status == 401
                && token.is_some_and(|t| t == tokens.admin || t == tokens.analyst));
        if let AnswerBody::Xml(xml) = &answer.body {
            if let Some(id) = first_id(xml) {
                last_id = id.to_owned();
            }
            remember(xml, &mut seen);
        }
    }
    if refresh {
        sim.tokens = sign_in_both(&sim.server);
    }
}

/// The endpoint a request reaches, by method and path template (the most specific match: the
/// most literal segments), `None` when no endpoint has that path.
pub fn endpoint_for(
    method: &str,
    path: &str,
) -> Option<&'static tableau_flows::meta::EndpointMeta> {
    let rest = path.strip_prefix("/api/")?.split_once('/')?.1;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let segments: Vec<&str> = rest.split('/').collect();
    tableau_flows::endpoints::ALL
        .iter()
        .copied()
        .filter(|e| e.method == method)
        .filter_map(|e| {
            let template: Vec<&str> = e.path.trim_start_matches('/').split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut literal = 0;
            for (t, s) in template.iter().zip(&segments) {
                if t.starts_with('{') {
                    if s.is_empty() {
                        return None;
                    }
                } else if t == s {
                    literal += 1;
                } else {
                    return None;
                }
            }
            Some((literal, e))
        })
        .max_by_key(|(literal, _)| *literal)
        .map(|(_, e)| e)
}

/// The checks every answer must pass.
pub fn check_answer(request: &Request<'_>, answer: &Answer) {
    assert!(
        (100..=599).contains(&answer.status),
        "status {} for {request:?}",
        answer.status
    );
    for (name, value) in &answer.headers {
        assert!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':'),
            "header name {name:?} for {request:?}"
        );
        assert!(
            !value.contains(['\r', '\n', '\0']),
            "the {name} header {value:?} holds a line break or NUL, for {request:?}"
        );
        // A header value a client can read: visible ASCII, spaces and tabs (what
        // `http::HeaderValue::to_str`, through which the client reads `Content-Disposition`,
        // accepts; RFC 9110 leaves other bytes to obsolete use, and RFC 6266 gives non-ASCII file
        // names as `filename*=UTF-8''...`).
        if !value
            .bytes()
            .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
        {
            panic!(
                "the {name} header {value:?} is not visible ASCII (a client cannot read it), for {request:?}"
            );
        }
    }
    // A success is the endpoint's documented one.
    if (200..300).contains(&answer.status)
        && let Some(e) = endpoint_for(request.method, request.path)
    {
        assert_eq!(
            answer.status, e.success_status,
            "{} answered a success other than its documented one, for {request:?}",
            e.id
        );
    }
    if let AnswerBody::Xml(xml) = &answer.body {
        if let Some(c) = crate::first_xml_forbidden(xml) {
            panic!("the answer holds {c:?}, which XML 1.0 cannot hold, for {request:?}:\n{xml}");
        }
        let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| {
            panic!("the answer is not well-formed XML ({e}) for {request:?}:\n{xml}")
        });
        let root = doc.root_element();
        assert_eq!(
            (root.tag_name().name(), root.tag_name().namespace()),
            ("tsResponse", Some(tableau_flows::XML_NAMESPACE)),
            "the answer's root for {request:?}:\n{xml}"
        );
        // The client reads a success's document.
        if (200..300).contains(&answer.status)
            && let Some(e) = endpoint_for(request.method, request.path)
            && let Some(Err(err)) = tableau_flows::AnyResponse::decode(e.id, xml.as_bytes())
        {
            panic!(
                "the client cannot decode the answer of {} ({err}), for {request:?}:\n{xml}",
                e.id
            );
        }
        if answer.status >= 400 {
            let error = tableau_flows::ErrorDocument::decode(xml.as_bytes()).unwrap_or_else(|e| {
                panic!("the error answer does not decode ({e}) for {request:?}:\n{xml}")
            });
            assert!(
                error.error.code.parse::<u32>().is_ok(),
                "the error code {:?} for {request:?}",
                error.error.code
            );
            // 500000 is what the simulator answers when it cannot encode its own answer
            // (`Answer::document`): a fault of the simulator, whose strict request decoding is
            // meant to keep every value it stores writable.
            assert!(
                error.error.code != "500000",
                "the simulator could not encode its answer ({:?}) for {request:?}",
                error.error.detail
            );
        }
    }
    if let AnswerBody::Json(json) = &answer.body {
        // A JSON answer only to a request whose Accept prefers JSON (S29).
        assert_eq!(
            tableau_flows_mock::interface::answer_format(request.accept),
            Some(tableau_flows_mock::interface::Format::Json),
            "a JSON answer to {request:?}"
        );
        serde_json::from_str::<serde_json::Value>(json)
            .unwrap_or_else(|e| panic!("the answer is not JSON ({e}) for {request:?}:\n{json}"));
        // The client reads a success's document, and an error's.
        if (200..300).contains(&answer.status)
            && let Some(e) = endpoint_for(request.method, request.path)
            && let Some(Err(err)) = tableau_flows::AnyResponse::decode_json(e.id, json.as_bytes())
        {
            panic!(
                "the client cannot decode the JSON answer of {} ({err}), for {request:?}:\n{json}",
                e.id
            );
        }
        if answer.status >= 400 {
            let error =
                tableau_flows::ErrorDocument::decode_json(json.as_bytes()).unwrap_or_else(|e| {
                    panic!("the JSON error answer does not decode ({e}) for {request:?}:\n{json}")
                });
            assert!(
                error.error.code != "500000",
                "the simulator could not encode its answer ({:?}) for {request:?}",
                error.error.detail
            );
        }
    }
}
