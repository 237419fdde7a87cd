//! The simulator under faulty and hostile clients: slow and idle connections, bodies over the
//! limit, large chunked uploads (its memory measured in a child process), malformed bodies on
//! endpoints that take none, multipart parameters in any order, a server dropped under a client's
//! pooled connection, and characters XML 1.0 cannot hold.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};
use tableau_flows_mock::interface::{Answer, AnswerBody, Request};
use tableau_flows_mock::{Clock, MockServer, demo};
use tableau_flows_tests::tf::*;

const SITE: &str = demo::SITE_ID;
const BOUNDARY: &str = "faults-7b1d0c";
const MIB: usize = 1024 * 1024;

/// Runs `f` on a thread of its own: its result, or `None` if it takes longer than `limit` (the
/// thread is left behind).
fn try_within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).ok()
}

/// Runs `f` on a thread of its own and fails the test if it takes longer than `limit` (the thread
/// is left behind): a server that hangs fails the test instead of hanging it.
fn within<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(_) => panic!("{what}: no result within {limit:?}"),
    }
}

fn addr(url: &str) -> String {
    url.trim_start_matches("http://").to_owned()
}

fn connect(url: &str) -> TcpStream {
    let stream = TcpStream::connect(addr(url)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

/// An answer read off the wire.
#[derive(Debug)]
struct Wire {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Wire {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `code` of an error answer.
    fn code(&self) -> String {
        attribute(&self.body, "code")
    }
}

/// The first value of an attribute in an XML text.
fn attribute(xml: &str, name: &str) -> String {
    let key = format!(" {name}=\"");
    let start = xml
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {xml}"))
        + key.len();
    xml[start..].split('"').next().unwrap().to_owned()
}

/// Reads one answer (head, and a body of its Content-Length).
fn read_answer(stream: &mut BufReader<TcpStream>) -> Wire {
    let mut wire = read_head_answer(stream);
    let length: usize = wire
        .header("content-length")
        .map_or(0, |v| v.parse().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    wire.body = String::from_utf8_lossy(&body).into_owned();
    wire
}

/// Reads the head of an answer: its status and headers (an answer to HEAD has no body, whatever
/// its `Content-Length`).
fn read_head_answer(stream: &mut BufReader<TcpStream>) -> Wire {
    let mut line = String::new();
    stream.read_line(&mut line).unwrap();
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a status line: {line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').unwrap();
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    Wire {
        status,
        headers,
        body: String::new(),
    }
}

/// Sends a request on a new connection and reads its answer.
fn exchange(
    url: &str,
    method: &str,
    target: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Wire {
    let mut stream = connect(url);
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        head.push_str(&format!("X-Tableau-Auth: {t}\r\n"));
    }
    if let Some(ct) = content_type {
        head.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_answer(&mut BufReader::new(stream))
}

/// Signs in over HTTP with the demo's personal access token.
fn sign_in(url: &str) -> String {
    let body = format!(
        r#"<tsRequest><credentials personalAccessTokenName="{}" personalAccessTokenSecret="{}"><site contentUrl="{}"/></credentials></tsRequest>"#,
        demo::PAT_NAME,
        demo::PAT_SECRET,
        demo::SITE
    );
    let answer = exchange(
        url,
        "POST",
        "/api/3.24/auth/signin",
        None,
        Some("application/xml"),
        body.as_bytes(),
    );
    assert_eq!(answer.status, 200, "{answer:?}");
    attribute(&answer.body, "token")
}

fn initiate(url: &str, token: &str) -> String {
    let answer = exchange(
        url,
        "POST",
        &format!("/api/3.24/sites/{SITE}/fileUploads"),
        Some(token),
        None,
        b"",
    );
    assert_eq!(answer.status, 201, "{answer:?}");
    attribute(&answer.body, "uploadSessionId")
}

/// Appends `chunk` to an upload session over HTTP, a multipart body written as it goes.
fn append(url: &str, token: &str, session: &str, chunk: &[u8]) -> Wire {
    let prefix = format!(
        "--{BOUNDARY}\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n\r\n--{BOUNDARY}\r\nContent-Disposition: name=\"tableau_file\"; filename=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    );
    let suffix = format!("\r\n--{BOUNDARY}--\r\n");
    let mut stream = connect(url);
    let head = format!(
        "PUT /api/3.24/sites/{SITE}/fileUploads/{session} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Tableau-Auth: {token}\r\nContent-Type: multipart/mixed; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        prefix.len() + chunk.len() + suffix.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(prefix.as_bytes()).unwrap();
    stream.write_all(chunk).unwrap();
    stream.write_all(suffix.as_bytes()).unwrap();
    read_answer(&mut BufReader::new(stream))
}

/// Publishes an upload session as a `.tflx` named `name`.
fn publish_session(url: &str, token: &str, session: &str, name: &str) -> Wire {
    let body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n<tsRequest><flow name=\"{name}\"><project id=\"{}\"/></flow></tsRequest>\r\n--{BOUNDARY}--\r\n",
        demo::PROJECT_ID
    );
    exchange(
        url,
        "POST",
        &format!("/api/3.24/sites/{SITE}/flows?uploadSessionId={session}&flowType=tflx"),
        Some(token),
        Some(&format!("multipart/mixed; boundary={BOUNDARY}")),
        body.as_bytes(),
    )
}

/// The files in a folder (none if it does not exist), with their sizes.
fn files_in(dir: &Path) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| {
                    let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                    (e.file_name().to_string_lossy().into_owned(), len)
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// A folder for this test's temporary files, under the target folder.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("simulator-faults-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn admin(server: &MockServer) -> Client {
    let client = Client::builder(server.url())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    client
        .sign_in_with(
            Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
            demo::SITE,
        )
        .unwrap();
    client
}

// 1. Slow and idle clients.

#[test]
fn slow_and_idle_clients_do_not_keep_others_waiting() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    // Eight clients announce a body and send it a byte every 100 ms; eight more connect and
    // send nothing. With four workers each tied to one body, nobody else would be served.
    let mut slow: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = connect(&url);
            write!(
                s,
                "PUT /api/3.24/sites/{SITE}/flows/{} HTTP/1.1\r\nHost: x\r\nX-Tableau-Auth: {token}\r\nContent-Type: application/xml\r\nContent-Length: 100000\r\n\r\n<tsRequest>",
                demo::COFFEE_FLOW_ID
            )
            .unwrap();
            s
        })
        .collect();
    let idle: Vec<TcpStream> = (0..8).map(|_| connect(&url)).collect();
    let trickling = Arc::new(AtomicBool::new(true));
    let trickler = {
        let trickling = trickling.clone();
        std::thread::spawn(move || {
            while trickling.load(Ordering::Relaxed) {
                for s in &mut slow {
                    let _ = s.write_all(b" ");
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            slow
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let began = Instant::now();
    let flows = try_within(Duration::from_secs(10), {
        let url = url.clone();
        move || {
            let client = Client::builder(&url)
                .retry_policy(RetryPolicy::none())
                .build()
                .unwrap();
            client
                .sign_in_with(
                    Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
                    demo::SITE,
                )
                .unwrap();
            client.query_flows_for_site().send().unwrap().flows.len()
        }
    });
    let took = began.elapsed();
    // The slow and idle clients go before anything is asserted, so that a server they block
    // can still be dropped.
    trickling.store(false, Ordering::Relaxed);
    drop(trickler.join().unwrap());
    drop(idle);
    eprintln!("a client beside 8 slow and 8 idle connections: served in {took:?}");
    assert_eq!(flows, Some(3), "not served within 10 s");
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn a_stalled_body_or_head_is_answered_408() {
    let server = MockServer::builder()
        .read_timeout(Duration::from_millis(300))
        .start()
        .unwrap();
    let url = server.url().to_owned();
    let began = Instant::now();
    let (body, head) = within(Duration::from_secs(10), "408", move || {
        let mut s = connect(&url);
        s.write_all(
            b"POST /api/3.24/auth/signin HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n<tsRequest>",
        )
        .unwrap();
        let body = read_answer(&mut BufReader::new(s));
        let mut s = connect(&url);
        s.write_all(b"GET /api/3.24/serverinfo HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let head = read_answer(&mut BufReader::new(s));
        (body, head)
    });
    let took = began.elapsed();
    eprintln!("a stalled body and a stalled head answered 408 in {took:?} (read timeout 300 ms)");
    assert_eq!(
        (body.status, body.code().as_str()),
        (408, "408000"),
        "{body:?}"
    );
    assert_eq!(body.header("connection"), Some("close"));
    assert_eq!(head.status, 408, "{head:?}");
}

#[test]
fn connections_beyond_the_cap_are_answered_503_when_none_is_idle() {
    let server = MockServer::builder()
        .max_connections(2)
        .read_timeout(Duration::from_secs(30))
        .start()
        .unwrap();
    let url = server.url().to_owned();
    // Two connections in the middle of a request head: busy, not idle.
    let busy: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut s = connect(&url);
            s.write_all(b"GET /api/3.24/serverinfo HTTP/1.1\r\n")
                .unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let refused = exchange(&url, "GET", "/api/3.24/serverinfo", None, None, b"");
    assert_eq!(refused.status, 503, "{refused:?}");
    assert_eq!(refused.header("retry-after"), Some("1"));
    drop(busy);
    // Once they are gone, the next one is served.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = exchange(&url, "GET", "/api/3.24/serverinfo", None, None, b"");
        if answer.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still refused: {answer:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_new_connection_at_the_cap_evicts_the_one_idle_the_longest() {
    let server = MockServer::builder().max_connections(2).start().unwrap();
    let url = server.url().to_owned();
    // The oldest: it has sent nothing. The younger: idle after an answer (keep-alive).
    let oldest = connect(&url);
    std::thread::sleep(Duration::from_millis(50));
    let mut younger = BufReader::new(connect(&url));
    let serverinfo = b"GET /api/3.24/serverinfo HTTP/1.1\r\nHost: x\r\n\r\n";
    younger.get_mut().write_all(serverinfo).unwrap();
    assert_eq!(read_answer(&mut younger).status, 200);
    std::thread::sleep(Duration::from_millis(50));
    // A third connection is served in place of the oldest, which is closed.
    let answer = exchange(&url, "GET", "/api/3.24/serverinfo", None, None, b"");
    assert_eq!(answer.status, 200, "{answer:?}");
    let mut rest = Vec::new();
    let read = within(Duration::from_secs(5), "the evicted connection's end", {
        let mut oldest = oldest;
        move || oldest.read_to_end(&mut rest).map(|_| rest)
    });
    assert!(matches!(read.as_deref(), Ok([]) | Err(_)), "{read:?}");
    // The younger is still served (the third, closed after its answer, made room again).
    younger.get_mut().write_all(serverinfo).unwrap();
    assert_eq!(read_answer(&mut younger).status, 200);
}

#[test]
fn a_new_connection_must_send_its_first_request_head_soon() {
    let server = MockServer::builder()
        .first_request_timeout(Duration::from_millis(300))
        .read_timeout(Duration::from_secs(60))
        .idle_timeout(Duration::from_secs(60))
        .start()
        .unwrap();
    let url = server.url().to_owned();
    let began = Instant::now();
    let (silent, partial) = within(Duration::from_secs(10), "the first-request deadline", {
        let url = url.clone();
        move || {
            // A connection that sends nothing is closed, without an answer.
            let mut silent = Vec::new();
            let _ = connect(&url).read_to_end(&mut silent);
            // One that sends part of a head is answered 408.
            let mut s = connect(&url);
            s.write_all(b"GET /api/3.24/serverinfo HTTP/1.1\r\nHo")
                .unwrap();
            (silent, read_answer(&mut BufReader::new(s)))
        }
    });
    let took = began.elapsed();
    eprintln!("a silent and a slow first request ended in {took:?} (first-request timeout 300 ms)");
    assert!(silent.is_empty(), "{silent:?}");
    assert_eq!(partial.status, 408, "{partial:?}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // A request sent at once is served, and the connection then waits the idle timeout.
    let mut s = BufReader::new(connect(&url));
    let serverinfo = b"GET /api/3.24/serverinfo HTTP/1.1\r\nHost: x\r\n\r\n";
    s.get_mut().write_all(serverinfo).unwrap();
    assert_eq!(read_answer(&mut s).status, 200);
    std::thread::sleep(Duration::from_millis(600));
    s.get_mut().write_all(serverinfo).unwrap();
    assert_eq!(read_answer(&mut s).status, 200);
}

/// The soft limit on this process's open files, from `/proc/self/limits`.
fn open_files_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[test]
fn a_real_request_is_served_beside_2000_idle_connections() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    // The client's sockets and the simulator's (in this process, 256 at most and a few more)
    // must fit under the open-files limit; without a crate to raise it, the test takes what
    // the limit leaves.
    let wanted = 2000;
    let idle_count = match open_files_limit() {
        Some(limit) => wanted.min(limit.saturating_sub(256 + 200)),
        None => wanted,
    };
    if idle_count < wanted {
        eprintln!(
            "the open-files limit leaves room for {idle_count} idle connections, not {wanted}"
        );
    }
    assert!(
        idle_count >= 300,
        "the open-files limit leaves room for {idle_count} connections only"
    );
    let began = Instant::now();
    let idle: Vec<TcpStream> = (0..idle_count)
        .map(|_| TcpStream::connect(addr(&url)).unwrap())
        .collect();
    let opened = began.elapsed();
    let began = Instant::now();
    let answer = within(
        Duration::from_secs(10),
        "a request beside idle connections",
        {
            let url = url.clone();
            move || {
                let began = Instant::now();
                let answer = exchange(&url, "GET", "/api/3.24/serverinfo", None, None, b"");
                (answer, began.elapsed())
            }
        },
    );
    let (answer, took) = answer;
    eprintln!(
        "{idle_count} idle connections opened in {opened:?}; a request beside them answered {} in {took:?} ({:?} with the thread)",
        answer.status,
        began.elapsed()
    );
    drop(idle);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let server = MockServer::builder()
        .idle_timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    let mut s = connect(server.url());
    s.write_all(b"GET /api/3.24/serverinfo HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(s);
    assert_eq!(read_answer(&mut reader).status, 200);
    let began = Instant::now();
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert!(began.elapsed() < Duration::from_secs(5));
}

#[test]
fn head_is_answered_as_get_without_a_body() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    let flow = format!("/api/3.24/sites/{SITE}/flows/{}", demo::COFFEE_FLOW_ID);
    let mut s = BufReader::new(connect(&url));
    for (target, auth) in [
        ("/api/3.24/serverinfo".to_owned(), false),
        ("/api/3.24/serverInfo".to_owned(), false),
        (format!("/api/3.24/sites/{SITE}/flows"), true),
        (flow.clone(), true),
        (format!("{flow}/content"), true),
        (format!("{flow}/content"), false),
        ("/api/3.24/nowhere".to_owned(), false),
    ] {
        let token = if auth {
            format!("X-Tableau-Auth: {token}\r\n")
        } else {
            String::new()
        };
        // GET, HEAD, GET on one keep-alive connection: a body after HEAD's head would be read
        // as the second GET's answer.
        let request =
            |method: &str| format!("{method} {target} HTTP/1.1\r\nHost: x\r\n{token}\r\n");
        s.get_mut().write_all(request("GET").as_bytes()).unwrap();
        let get = read_answer(&mut s);
        s.get_mut().write_all(request("HEAD").as_bytes()).unwrap();
        let head = read_head_answer(&mut s);
        s.get_mut().write_all(request("GET").as_bytes()).unwrap();
        let again = read_answer(&mut s);
        assert_eq!(head.status, get.status, "{target}: {head:?}");
        let length = get.header("content-length").unwrap().to_owned();
        assert!(length.parse::<u64>().unwrap() > 0, "{target}: {get:?}");
        for name in [
            "content-length",
            "content-type",
            "content-disposition",
            "allow",
        ] {
            assert_eq!(head.header(name), get.header(name), "{target}: {name}");
        }
        assert_eq!(
            (again.status, again.body),
            (get.status, get.body),
            "{target}"
        );
    }
    // HEAD where no GET is: 405, and the 405 answers list HEAD wherever they list GET.
    s.get_mut()
        .write_all(b"HEAD /api/3.24/auth/signin HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let answer = read_head_answer(&mut s);
    assert_eq!((answer.status, answer.header("allow")), (405, Some("POST")));
    let answer = exchange(&url, "POST", "/api/3.24/serverinfo", None, None, b"");
    assert_eq!(
        (answer.status, answer.header("allow")),
        (405, Some("GET, HEAD"))
    );
}

/// Sends a request head announcing `length` bytes of body, and none of it, on a new connection;
/// reads the answer.
fn head_only_exchange(url: &str, method: &str, target: &str, extra: &str, length: u64) -> Wire {
    let mut s = connect(url);
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: x\r\n{extra}Content-Length: {length}\r\n\r\n"
    )
    .unwrap();
    read_answer(&mut BufReader::new(s))
}

#[test]
fn requests_refused_on_their_head_are_answered_without_reading_their_body() {
    // A body the server waited for would take the read timeout: far longer than the test allows.
    let server = MockServer::builder()
        .read_timeout(Duration::from_secs(60))
        .start()
        .unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    let flows = format!("/api/3.24/sites/{SITE}/flows");
    let coffee = format!("{flows}/{}", demo::COFFEE_FLOW_ID);
    let multipart = "Content-Type: multipart/mixed; boundary=B\r\n";
    let xml = "Content-Type: application/xml\r\n";
    let other_site = format!("X-Tableau-Auth: {token}\r\n{xml}");
    let cases: Vec<(&str, String, String, u16, &str)> = vec![
        (
            "POST",
            "/api/3.24/auth/signin".into(),
            xml.into(),
            413,
            "413000",
        ),
        (
            "POST",
            "/api/3.24/serverinfo".into(),
            xml.into(),
            405,
            "405000",
        ),
        (
            "POST",
            "/api/3.24/nowhere".into(),
            xml.into(),
            404,
            "404003",
        ),
        ("POST", "/elsewhere".into(), xml.into(), 404, "404003"),
        (
            "POST",
            "/api/3.30/auth/signin".into(),
            xml.into(),
            404,
            "404001",
        ),
        ("POST", flows.clone(), multipart.into(), 401, "401002"),
        (
            "POST",
            flows.clone(),
            format!("X-Tableau-Auth: not-a-token\r\n{multipart}"),
            401,
            "401002",
        ),
        ("PUT", coffee.clone(), xml.into(), 401, "401002"),
        (
            "PUT",
            format!(
                "/api/3.24/sites/6fd1dea0-e173-11e8-ae75-832f6a4756f0/flows/{}",
                demo::COFFEE_FLOW_ID
            ),
            other_site,
            404,
            "404000",
        ),
        ("PATCH", coffee.clone(), xml.into(), 405, "405000"),
    ];
    for (method, target, extra, status, code) in cases {
        let began = Instant::now();
        let answer = within(Duration::from_secs(10), &format!("{method} {target}"), {
            let (url, method, target, extra) = (
                url.clone(),
                method.to_owned(),
                target.clone(),
                extra.clone(),
            );
            move || head_only_exchange(&url, &method, &target, &extra, 134_217_728)
        });
        let took = began.elapsed();
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (status, code),
            "{method} {target}: {answer:?}"
        );
        assert_eq!(answer.header("connection"), Some("close"), "{target}");
        assert!(took < Duration::from_secs(5), "{target}: took {took:?}");
        // The same document the whole request, decoded, gets.
        if status != 413 {
            let token = extra
                .split("X-Tableau-Auth: ")
                .nth(1)
                .map(|t| t.split('\r').next().unwrap().to_owned());
            let decoded = server.answer(&Request {
                method,
                path: &target,
                query: "",
                token: token.as_deref(),
                content_type: Some("application/xml"),
                accept: None,
                body: b"<tsRequest/>",
            });
            let AnswerBody::Xml(xml) = &decoded.body else {
                panic!("{decoded:?}")
            };
            assert_eq!((decoded.status, &answer.body), (status, xml), "{target}");
            assert_eq!(answer.header("allow"), decoded.header("allow"), "{target}");
        }
    }
    // A short body refused on the head is dropped as it comes, and its connection kept.
    let mut s = BufReader::new(connect(&url));
    let body = "<tsRequest><flow name=\"x\"/></tsRequest>";
    write!(
        s.get_mut(),
        "PUT {coffee} HTTP/1.1\r\nHost: x\r\n{xml}Content-Length: {}\r\n\r\n{body}GET /api/3.24/serverinfo HTTP/1.1\r\nHost: x\r\n\r\n",
        body.len()
    )
    .unwrap();
    let refused = read_answer(&mut s);
    assert_eq!((refused.status, refused.code().as_str()), (401, "401002"));
    assert_eq!(refused.header("connection"), None);
    assert_eq!(read_answer(&mut s).status, 200);
}

#[test]
fn bodies_of_endpoints_without_a_file_have_a_small_limit() {
    let server = MockServer::builder()
        .read_timeout(Duration::from_secs(60))
        .start()
        .unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    let coffee = format!("/api/3.24/sites/{SITE}/flows/{}", demo::COFFEE_FLOW_ID);
    let auth = format!("X-Tableau-Auth: {token}\r\nContent-Type: application/xml\r\n");
    let limits = [
        (
            "PUT",
            coffee.clone(),
            auth.clone(),
            tableau_flows_mock::MAX_BODY_BYTES,
        ),
        (
            "POST",
            "/api/3.24/auth/signin".to_owned(),
            "Content-Type: application/xml\r\n".to_owned(),
            tableau_flows_mock::MAX_ANONYMOUS_BODY_BYTES,
        ),
    ];
    assert_eq!(tableau_flows_mock::MAX_BODY_BYTES, MIB as u64);
    for (method, target, extra, limit) in limits {
        // One byte over the limit: 413 from the Content-Length, before a byte is sent.
        let answer = within(Duration::from_secs(10), "413", {
            let (url, target, extra) = (url.clone(), target.clone(), extra.clone());
            move || head_only_exchange(&url, method, &target, &extra, limit + 1)
        });
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (413, "413000"),
            "{target}: {answer:?}"
        );
        // At the limit, the body is read (and refused for what it holds: spaces).
        let mut s = connect(&url);
        write!(
            s,
            "{method} {target} HTTP/1.1\r\nHost: x\r\n{extra}Content-Length: {limit}\r\n\r\n"
        )
        .unwrap();
        s.write_all(&vec![b' '; limit as usize]).unwrap();
        let answer = read_answer(&mut BufReader::new(s));
        assert_eq!(answer.status, 400, "{target}: {answer:?}");
    }
    // The endpoints that take a file keep the large limit: a 4 MiB flow is published.
    let bytes = demo::flow_file_of_size(4 * MIB);
    let answer = publish(&url, &token, "Four", &bytes, |_| {});
    assert_eq!(answer.status, 201, "{answer:?}");
    let id = attribute(&answer.body[answer.body.find("<flow ").unwrap()..], "id");
    assert_eq!(server.flow_bytes(&id).unwrap(), bytes);
}

/// Publishes `bytes` as `{name}.tflx` in one multipart request; `midway` is called once half the
/// file is sent.
fn publish(
    url: &str,
    token: &str,
    name: &str,
    bytes: &[u8],
    midway: impl FnOnce(&mut TcpStream),
) -> Wire {
    let prefix = format!(
        "--{BOUNDARY}\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n<tsRequest><flow name=\"{name}\"><project id=\"{}\"/></flow></tsRequest>\r\n--{BOUNDARY}\r\nContent-Disposition: name=\"tableau_flow\"; filename=\"{name}.tflx\"\r\nContent-Type: application/octet-stream\r\n\r\n",
        demo::PROJECT_ID
    );
    let suffix = format!("\r\n--{BOUNDARY}--\r\n");
    let mut stream = connect(url);
    write!(
        stream,
        "POST /api/3.24/sites/{SITE}/flows HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Tableau-Auth: {token}\r\nContent-Type: multipart/mixed; boundary={BOUNDARY}\r\nContent-Length: {}\r\n\r\n",
        prefix.len() + bytes.len() + suffix.len()
    )
    .unwrap();
    stream.write_all(prefix.as_bytes()).unwrap();
    let (first, second) = bytes.split_at(bytes.len() / 2);
    stream.write_all(first).unwrap();
    midway(&mut stream);
    stream.write_all(second).unwrap();
    stream.write_all(suffix.as_bytes()).unwrap();
    read_answer(&mut BufReader::new(stream))
}

#[test]
fn a_published_flow_goes_to_disk_as_it_arrives() {
    let parent = scratch("publish");
    let server = MockServer::builder().temp_dir(&parent).start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    let dir = server.upload_dir().to_owned();
    let bytes = demo::flow_file_of_size(16 * MIB);
    let answer = publish(&url, &token, "Spooled", &bytes, |_| {
        // Half the file sent: it is in a file of the upload folder, not in memory.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let files = files_in(&dir);
            if files.iter().any(|(_, len)| *len >= 8 * MIB as u64) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the body half sent is not on disk: {files:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    assert_eq!(answer.status, 201, "{answer:?}");
    let id = attribute(&answer.body[answer.body.find("<flow ").unwrap()..], "id");
    assert_eq!(server.flow_bytes(&id).unwrap(), bytes);
    // The spooled body is gone once the request is answered.
    assert_eq!(files_in(&dir), vec![]);
    drop(server);
    let _ = std::fs::remove_dir_all(parent);
}

// 2. Bodies over the limit.

#[test]
fn a_body_over_the_limit_is_refused_from_its_content_length() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    // A caller allowed to publish: others are refused before the length matters.
    let token = sign_in(&url);
    let began = Instant::now();
    let answers = within(Duration::from_secs(10), "413", move || {
        let mut answers = Vec::new();
        for (length, expect) in [
            ("1000000000000", ""),
            ("99999999999999999999999999", ""),
            ("1000000000000", "Expect: 100-continue\r\n"),
        ] {
            let mut s = connect(&url);
            // A huge Content-Length and no body: the answer must not wait for it.
            write!(
                s,
                "POST /api/3.24/sites/{SITE}/flows HTTP/1.1\r\nHost: x\r\nX-Tableau-Auth: {token}\r\n{expect}Content-Type: multipart/mixed; boundary=B\r\nContent-Length: {length}\r\n\r\n"
            )
            .unwrap();
            answers.push(read_answer(&mut BufReader::new(s)));
        }
        answers
    });
    let took = began.elapsed();
    eprintln!("three bodies of a huge Content-Length refused in {took:?}");
    for answer in &answers {
        // Not `100 Continue` first: the refusal itself.
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (413, "413000"),
            "{answer:?}"
        );
        assert_eq!(answer.header("connection"), Some("close"));
    }
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn a_chunked_body_is_read_up_to_the_limit_then_refused() {
    let server = MockServer::builder().max_body_bytes(1024).start().unwrap();
    let url = server.url().to_owned();
    let chunked = |chunks: &[usize]| {
        let mut s = connect(&url);
        s.write_all(b"POST /api/3.24/auth/signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        for &n in chunks {
            write!(s, "{n:x}\r\n").unwrap();
            s.write_all(&vec![b' '; n]).unwrap();
            s.write_all(b"\r\n").unwrap();
        }
        s.write_all(b"0\r\n\r\n").unwrap();
        read_answer(&mut BufReader::new(s))
    };
    // At the limit it is read (and refused for what it holds); one byte over it is not.
    let at = chunked(&[512, 512]);
    assert_eq!(at.status, 400, "{at:?}");
    let over = chunked(&[512, 513]);
    assert_eq!(
        (over.status, over.code().as_str()),
        (413, "413000"),
        "{over:?}"
    );
    // The limit holds for a Content-Length too.
    let over = exchange(
        &url,
        "POST",
        "/api/3.24/auth/signin",
        None,
        None,
        &[b' '; 1025],
    );
    assert_eq!(over.status, 413);
    // And the server still serves.
    let token = sign_in(&url);
    assert!(!token.is_empty());
}

// 3. Upload sessions on disk.

#[test]
fn upload_sessions_keep_their_bytes_on_disk_until_published() {
    let parent = scratch("sessions");
    let server = MockServer::builder().temp_dir(&parent).start().unwrap();
    let url = server.url().to_owned();
    let dir = server.upload_dir().to_owned();
    assert!(dir.starts_with(&parent));
    let token = sign_in(&url);
    assert!(!dir.exists(), "made when first needed");
    let session = initiate(&url, &token);
    // A flow file packaging data full of near-boundaries and CRLFs, as a binary file may hold,
    // sent in chunks of 1 MiB and the rest.
    let mut data = Vec::new();
    while data.len() < 3 * MIB {
        data.extend_from_slice(b"--faults-7b1d0\r\n\r\n--");
        data.push((data.len() / MIB) as u8);
    }
    let file = stored_flow_file(&data);
    let mut expected = Vec::new();
    for chunk in file.chunks(MIB).take(3) {
        let answer = append(&url, &token, &session, chunk);
        assert_eq!(answer.status, 200, "{answer:?}");
        expected.extend_from_slice(chunk);
    }
    let rest = &file[expected.len()..];
    assert!(!rest.is_empty());
    // A chunked request appends as well.
    let mut s = connect(&url);
    let mut part = format!(
        "--{BOUNDARY}\r\nContent-Disposition: name=\"request_payload\"\r\n\r\n\r\n--{BOUNDARY}\r\nContent-Disposition: name=\"tableau_file\"; filename=\"file\"\r\n\r\n"
    )
    .into_bytes();
    part.extend_from_slice(rest);
    part.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    write!(
        s,
        "PUT /api/3.24/sites/{SITE}/fileUploads/{session} HTTP/1.1\r\nHost: x\r\nX-Tableau-Auth: {token}\r\nContent-Type: multipart/mixed; boundary={BOUNDARY}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    for piece in part.chunks(50) {
        write!(s, "{:x}\r\n", piece.len()).unwrap();
        s.write_all(piece).unwrap();
        s.write_all(b"\r\n").unwrap();
    }
    s.write_all(b"0\r\n\r\n").unwrap();
    let answer = read_answer(&mut BufReader::new(s));
    assert_eq!(answer.status, 200, "{answer:?}");
    expected.extend_from_slice(rest);
    assert_eq!(expected, file);
    // One file, of the session, holding every chunk; nothing of the requests left.
    let files = files_in(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].1, expected.len() as u64);
    assert_eq!(server.upload_session_count(), 1);
    let published = publish_session(&url, &token, &session, "From chunks");
    assert_eq!(published.status, 201, "{published:?}");
    let id = attribute(
        &published.body[published.body.find("<flow ").unwrap()..],
        "id",
    );
    assert_eq!(server.flow_bytes(&id).unwrap(), expected);
    // Publishing ends the session: its file is gone, and it cannot be published again.
    assert_eq!(files_in(&dir), vec![]);
    assert_eq!(server.upload_session_count(), 0);
    let again = publish_session(&url, &token, &session, "Again");
    assert_eq!(again.status, 400, "{again:?}");
    // Dropping the server removes its folder.
    drop(server);
    assert!(!dir.exists());
    let _ = std::fs::remove_dir_all(parent);
}

#[test]
fn upload_sessions_expire_when_idle() {
    let parent = scratch("expiry");
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .upload_session_lifetime(Duration::from_secs(600))
        .temp_dir(&parent)
        .start()
        .unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    let old = initiate(&url, &token);
    assert_eq!(append(&url, &token, &old, &[7; 1000]).status, 200);
    clock.advance(Duration::from_secs(599));
    // Appending keeps it alive.
    assert_eq!(append(&url, &token, &old, &[7; 1000]).status, 200);
    clock.advance(Duration::from_secs(599));
    let kept = initiate(&url, &token);
    assert_eq!(server.upload_session_count(), 2);
    clock.advance(Duration::from_secs(1));
    // Idle for its lifetime: the next upload call ends it and removes its file.
    let newer = initiate(&url, &token);
    assert_eq!(server.upload_session_count(), 2, "the old session expired");
    assert_eq!(
        files_in(server.upload_dir())
            .iter()
            .map(|f| f.1)
            .sum::<u64>(),
        0,
        "only the two new, empty sessions are left"
    );
    let gone = append(&url, &token, &old, &[7; 10]);
    assert_eq!(
        (gone.status, gone.code().as_str()),
        (400, "400000"),
        "{gone:?}"
    );
    assert!(gone.body.contains("no upload session"), "{gone:?}");
    assert_eq!(append(&url, &token, &kept, &[1; 10]).status, 200);
    assert_eq!(append(&url, &token, &newer, &[1; 10]).status, 200);
    drop(server);
    let _ = std::fs::remove_dir_all(parent);
}

#[cfg(target_os = "linux")]
#[test]
fn folders_left_by_dead_simulators_are_swept() {
    let parent = scratch("sweep");
    let folder = |name: &str, age: Duration| {
        let dir = parent.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("session-0"), b"left behind").unwrap();
        let then = std::time::SystemTime::now() - age;
        std::fs::File::open(&dir)
            .unwrap()
            .set_modified(then)
            .unwrap();
        dir
    };
    let hours = Duration::from_secs(2 * 60 * 60);
    // No process has this id (above Linux's largest).
    let dead_old = folder("tableau-flows-mock-999999999-0-1", hours);
    let dead_recent = folder("tableau-flows-mock-999999999-1-1", Duration::ZERO);
    let alive_old = folder(
        &format!("tableau-flows-mock-{}-999-1", std::process::id()),
        hours,
    );
    let other = folder("tableau-flows-mock-notes", hours);
    let server = MockServer::builder().temp_dir(&parent).start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    // Nothing happens until the server makes its folder.
    assert!(dead_old.exists());
    initiate(&url, &token);
    assert!(
        !dead_old.exists(),
        "an idle folder of a dead process is removed"
    );
    assert!(dead_recent.exists(), "a recent one is kept");
    assert!(alive_old.exists(), "one of a running process is kept");
    assert!(other.exists(), "a folder of another name is kept");
    drop(server);
    let _ = std::fs::remove_dir_all(parent);
}

/// The child side of [`appending_chunks_keeps_the_simulators_memory_bounded`]: a simulator in a
/// process of its own, whose memory the parent measures. It does nothing in a normal run.
#[test]
fn memory_child_simulator() {
    let Some(parent) = std::env::var_os("SIMULATOR_FAULTS_CHILD") else {
        return;
    };
    let server = MockServer::builder().temp_dir(parent).start().unwrap();
    println!("\nSIMULATOR_URL={}", server.url());
    println!("SIMULATOR_DIR={}", server.upload_dir().display());
    std::io::stdout().flush().unwrap();
    // Serve until the parent closes stdin.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

/// `VmHWM` (peak resident memory) and `VmRSS` of a process, in bytes.
#[cfg(target_os = "linux")]
fn memory_of(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        let line = status.lines().find(|l| l.starts_with(name)).unwrap();
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// A simulator in a child process (`memory_child_simulator`), killed if the test fails before it
/// ends.
#[cfg(target_os = "linux")]
struct Child {
    process: std::process::Child,
    url: String,
    dir: PathBuf,
}

#[cfg(target_os = "linux")]
impl Drop for Child {
    fn drop(&mut self) {
        if !matches!(self.process.try_wait(), Ok(Some(_))) {
            let _ = self.process.kill();
            let _ = self.process.wait();
        }
    }
}

/// Starts a simulator in a child process, its upload folder in `parent`.
#[cfg(target_os = "linux")]
fn child_simulator(parent: &Path) -> Child {
    use std::process::{Command, Stdio};
    let mut process = Command::new(std::env::current_exe().unwrap())
        .args([
            "memory_child_simulator",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SIMULATOR_FAULTS_CHILD", parent)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The harness prints around the child's lines (`test memory_child_simulator ... `).
    let stdout = process.stdout.take().unwrap();
    let (url, dir) = within(Duration::from_secs(60), "the child's URL", move || {
        let mut out = BufReader::new(stdout);
        let (mut url, mut dir) = (String::new(), PathBuf::new());
        while url.is_empty() || dir.as_os_str().is_empty() {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "the child ended");
            if let Some((_, u)) = line.trim().split_once("SIMULATOR_URL=") {
                url = u.to_owned();
            }
            if let Some((_, d)) = line.trim().split_once("SIMULATOR_DIR=") {
                dir = PathBuf::from(d);
            }
        }
        // Keep reading, so that the child never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        (url, dir)
    });
    Child { process, url, dir }
}

#[cfg(target_os = "linux")]
#[test]
fn appending_chunks_keeps_the_simulators_memory_bounded() {
    let parent = scratch("memory");
    let mut child = child_simulator(&parent);
    let (url, dir, pid) = (child.url.clone(), child.dir.clone(), child.process.id());
    // Warm up every path the chunks take, then measure.
    let token = sign_in(&url);
    let session = initiate(&url, &token);
    let warm = vec![b'w'; MIB];
    assert_eq!(append(&url, &token, &session, &warm).status, 200);
    let (baseline, _) = memory_of(pid);
    let chunk = vec![b'x'; 64 * MIB];
    let began = Instant::now();
    for _ in 0..8 {
        let answer = append(&url, &token, &session, &chunk);
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    let took = began.elapsed();
    let (peak, resident) = memory_of(pid);
    let grown = peak.saturating_sub(baseline);
    eprintln!(
        "8 chunks of 64 MiB appended in {took:?}; simulator peak resident memory {} MiB before, {} MiB after (+{} KiB), resident now {} MiB",
        baseline / MIB as u64,
        peak / MIB as u64,
        grown / 1024,
        resident / MIB as u64
    );
    assert!(
        grown < 64 * MIB as u64,
        "the peak grew by {} MiB",
        grown / MIB as u64
    );
    // The bytes are on disk, in the session's file.
    let files = files_in(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].1, (8 * 64 + 1) as u64 * MIB as u64);
    // Published, the session's file is removed (and what it held, not a flow file, refused).
    let published = publish_session(&url, &token, &session, "Big");
    assert_eq!(
        (published.status, published.code().as_str()),
        (400, "400087"),
        "{published:?}"
    );
    assert_eq!(files_in(&dir), vec![]);
    drop(child.process.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.process.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the child did not end");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success());
    // The child's server removed its folder when it was dropped.
    assert!(!dir.exists());
    let _ = std::fs::remove_dir_all(parent);
}

/// What [`hostile_unauthenticated_bodies_keep_the_simulators_memory_bounded`] sends: 256
/// connections, each an unauthenticated request announcing a 128 MiB body and trickling 1 MiB of
/// it, 64 KiB at a time, to sign-in, server info, a path of no endpoint and Publish Flow.
const HOSTILE_CONNECTIONS: usize = 256;
const HOSTILE_BYTES: usize = MIB;

#[cfg(target_os = "linux")]
#[test]
fn hostile_unauthenticated_bodies_keep_the_simulators_memory_bounded() {
    let parent = scratch("hostile");
    let child = child_simulator(&parent);
    let (url, pid) = (child.url.clone(), child.process.id());
    // Warm up: a sign-in, a refusal, a 413.
    sign_in(&url);
    exchange(&url, "POST", "/api/3.24/nowhere", None, None, b"<x/>");
    let (baseline, _) = memory_of(pid);
    let targets = [
        "/api/3.24/auth/signin".to_owned(),
        "/api/3.24/serverinfo".to_owned(),
        "/api/3.24/no/such/endpoint".to_owned(),
        format!("/api/3.24/sites/{SITE}/flows"),
    ];
    let began = Instant::now();
    let mut streams: Vec<Option<TcpStream>> = (0..HOSTILE_CONNECTIONS)
        .map(|i| {
            let mut s = connect(&url);
            s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
            write!(
                s,
                "POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/mixed; boundary={BOUNDARY}\r\nContent-Length: 134217728\r\n\r\n",
                targets[i % targets.len()]
            )
            .unwrap();
            Some(s)
        })
        .collect();
    // Trickle: every connection a block in turn, a short pause between rounds; a connection the
    // simulator closed is left alone.
    let block = vec![b'x'; 64 * 1024];
    let mut sent = 0u64;
    for _ in 0..HOSTILE_BYTES / block.len() {
        for slot in &mut streams {
            if let Some(s) = slot {
                match s.write_all(&block) {
                    Ok(()) => sent += block.len() as u64,
                    Err(_) => *slot = None,
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = began.elapsed();
    let (peak, resident) = memory_of(pid);
    let open = streams.iter().filter(|s| s.is_some()).count();
    drop(streams);
    let grown = peak.saturating_sub(baseline);
    eprintln!(
        "{HOSTILE_CONNECTIONS} unauthenticated connections announcing 128 MiB each sent {} MiB in {took:?} ({open} still open at the end); simulator peak resident memory {} MiB before, {} MiB after (+{} KiB), resident now {} MiB",
        sent / MIB as u64,
        baseline / MIB as u64,
        peak / MIB as u64,
        grown / 1024,
        resident / MIB as u64
    );
    assert!(
        grown < 64 * MIB as u64,
        "the peak grew by {} MiB",
        grown / MIB as u64
    );
    // Still serving.
    assert!(!sign_in(&url).is_empty());
    drop(child);
    let _ = std::fs::remove_dir_all(parent);
}

// 4. Malformed bodies on every endpoint.

fn in_process(
    server: &MockServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> Answer {
    server.answer(&Request {
        method,
        path,
        query: "",
        token,
        content_type: Some("application/xml"),
        accept: None,
        body: body.as_bytes(),
    })
}

fn code_of(answer: &Answer) -> String {
    match &answer.body {
        AnswerBody::Xml(xml) => attribute(xml, "code"),
        other => panic!("not an error document: {other:?}"),
    }
}

#[test]
fn run_flow_now_refuses_a_doctype_or_a_duplicate_attribute_and_starts_no_run() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    let run = format!("/api/3.24/sites/{SITE}/flows/{}/run", demo::SALES_FLOW_ID);
    for body in [r#"<!DOCTYPE x><tsRequest/>"#, r#"<tsRequest a="1" a="2"/>"#] {
        let answer = exchange(
            &url,
            "POST",
            &run,
            Some(&token),
            Some("application/xml"),
            body.as_bytes(),
        );
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (400, "400000"),
            "{body}: {answer:?}"
        );
        let answer = in_process(&server, "POST", &run, Some(&token), body);
        assert_eq!(
            (answer.status, code_of(&answer).as_str()),
            (400, "400000"),
            "{body}"
        );
    }
    assert_eq!(server.run_count(), 0, "no run was started");
    // An empty body stays allowed (it is optional).
    let answer = exchange(&url, "POST", &run, Some(&token), None, b"");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(server.run_count(), 1);
}

#[test]
fn endpoints_that_take_no_body_refuse_a_malformed_one() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    let flows = format!("/api/3.24/sites/{SITE}/flows");
    let coffee = format!("{flows}/{}", demo::COFFEE_FLOW_ID);
    let uploads = format!("/api/3.24/sites/{SITE}/fileUploads");
    let malformed = [
        "<!DOCTYPE x><tsRequest/>",
        r#"<tsRequest a="1" a="2"/>"#,
        "<tsRequest><x:y/></tsRequest>",
        "<tsRequest>",
        "not xml",
    ];
    for body in malformed {
        for (method, path) in [
            ("GET", flows.as_str()),
            ("GET", coffee.as_str()),
            ("DELETE", coffee.as_str()),
            ("POST", uploads.as_str()),
            ("POST", "/api/3.24/auth/signout"),
            ("GET", "/api/3.24/schedules"),
            ("GET", "/api/3.24/serverinfo"),
            ("GET", "/api/3.24/serverInfo"),
        ] {
            let answer = in_process(&server, method, path, Some(&token), body);
            assert_eq!(
                (answer.status, code_of(&answer).as_str()),
                (400, "400000"),
                "{method} {path} {body:?}"
            );
        }
    }
    // Nothing happened: the flow is there, no upload session began, the token still works.
    assert!(server.flow_ids().contains(&demo::COFFEE_FLOW_ID.to_owned()));
    assert_eq!(server.upload_session_count(), 0);
    // Over HTTP too.
    let answer = exchange(
        &url,
        "DELETE",
        &coffee,
        Some(&token),
        Some("application/xml"),
        b"<!DOCTYPE x><tsRequest/>",
    );
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "400000"),
        "{answer:?}"
    );
    assert!(server.flow_ids().contains(&demo::COFFEE_FLOW_ID.to_owned()));
    // An empty body, or a well-formed one, is ignored as before.
    for body in [
        "",
        "  \r\n",
        "<tsRequest/>",
        "<anything xmlns:x=\"u\"><x:y/></anything>",
    ] {
        let answer = in_process(&server, "GET", &flows, Some(&token), body);
        assert_eq!(answer.status, 200, "{body:?}: {answer:?}");
    }
    // A request that fails sign-in gets its 401 whatever its body holds; one that reaches no
    // endpoint its 404.
    let answer = in_process(&server, "GET", &flows, None, "<tsRequest>");
    assert_eq!(answer.status, 401);
    let answer = in_process(
        &server,
        "GET",
        "/api/3.24/nowhere",
        Some(&token),
        "<tsRequest>",
    );
    assert_eq!(answer.status, 404);
}

// 5. Multipart disposition parameters in any order.

#[test]
fn a_multipart_publish_with_filename_before_name_is_read() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    // A flow file holding what looks like a disposition parameter.
    let bytes = &stored_flow_file(b" flow; name=not-this\r\n")[..];
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n<tsRequest><flow name=\"Quoted\"><project id=\"{}\"/></flow></tsRequest>\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; filename=\"a;b.tflx\"; name=\"tableau_flow\"\r\nContent-Type: application/octet-stream\r\n\r\n",
        demo::PROJECT_ID
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let answer = exchange(
        &url,
        "POST",
        &format!("/api/3.24/sites/{SITE}/flows"),
        Some(&token),
        Some(&format!("multipart/mixed; boundary=\"{BOUNDARY}\"")),
        &body,
    );
    assert_eq!(answer.status, 201, "{answer:?}");
    let id = attribute(&answer.body[answer.body.find("<flow ").unwrap()..], "id");
    assert_eq!(server.flow_bytes(&id).unwrap(), bytes);
}

// 6. A dropped server and a client's pooled connection.

#[test]
fn a_pooled_connection_fails_promptly_after_the_server_is_dropped() {
    let server = MockServer::builder().start().unwrap();
    let client = admin(&server);
    assert_eq!(client.query_flows_for_site().send().unwrap().flows.len(), 3);
    let began = Instant::now();
    drop(server);
    let dropped = began.elapsed();
    let began = Instant::now();
    let result = within(
        Duration::from_secs(20),
        "a call after the drop",
        move || client.query_flows_for_site().send().map(|_| ()),
    );
    let took = began.elapsed();
    eprintln!("server dropped in {dropped:?}; the next call failed in {took:?}: {result:?}");
    assert!(result.is_err());
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(
        dropped < Duration::from_secs(2),
        "the drop took {dropped:?}"
    );
}

// 7. Characters XML 1.0 cannot hold.

#[test]
fn characters_xml_cannot_hold_are_refused() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    let update = format!("/api/3.24/sites/{SITE}/flows/{}", demo::COFFEE_FLOW_ID);
    for name in [
        "a&#1;b",
        "a&#0;b",
        "a&#xFFFE;b",
        "a&#x1F;b",
        "a\u{1}b",
        "a\u{FFFF}b",
    ] {
        let body = format!(r#"<tsRequest><flow name="{name}"/></tsRequest>"#);
        let answer = exchange(
            &url,
            "PUT",
            &update,
            Some(&token),
            Some("application/xml"),
            body.as_bytes(),
        );
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (400, "400000"),
            "{name:?}: {answer:?}"
        );
    }
    // The flow kept its name.
    let answer = exchange(&url, "GET", &update, Some(&token), None, b"");
    assert_eq!(
        attribute(&answer.body[answer.body.find("<flow ").unwrap()..], "name"),
        "Coffee Chain"
    );
}

/// Sends a raw request head (and `body`) on a new connection and reads the answer.
fn raw(url: &str, head: &str, body: &[u8]) -> Wire {
    let mut stream = connect(url);
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    read_answer(&mut BufReader::new(stream))
}

#[test]
fn answers_are_negotiated_on_the_wire_refusals_on_the_head_included() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    // Refused on its head (no sign-in), in JSON because Accept prefers it.
    let refused = raw(
        &url,
        &format!(
            "GET /api/3.24/sites/{SITE}/flows HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
        ),
        b"",
    );
    assert_eq!(refused.status, 401, "{refused:?}");
    assert!(
        refused
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/json")),
        "{refused:?}"
    );
    assert!(refused.body.contains(r#""code":"401002""#), "{refused:?}");
    // An Accept that takes neither format: 406 on the head, before a byte of the body is read.
    let refused = raw(
        &url,
        "POST /api/3.24/auth/signin HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nContent-Type: application/xml\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n",
        b"",
    );
    assert_eq!(refused.status, 406, "{refused:?}");
    assert!(refused.body.contains(r#"code="406000""#), "{refused:?}");
    // A JSON answer carries its type and length.
    let info = raw(
        &url,
        "GET /api/3.24/serverinfo HTTP/1.1\r\nHost: x\r\nAccept: application/xml;q=0.5, application/json\r\nConnection: close\r\n\r\n",
        b"",
    );
    assert_eq!(info.status, 200);
    assert_eq!(
        info.header("content-type"),
        Some("application/json;charset=utf-8")
    );
    let json: serde_json::Value = serde_json::from_str(&info.body).unwrap();
    assert_eq!(json["serverInfo"]["restApiVersion"], "3.24", "{json}");
}

/// A flow file packaging `data` stored (not compressed), written with the zip crate.
fn stored_flow_file(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default();
    writer.start_file("flow", deflated).unwrap();
    writer
        .write_all(br#"{"nodes": {}, "initialNodes": []}"#)
        .unwrap();
    writer
        .start_file(
            "Data/blob.bin",
            deflated.compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
    writer.write_all(data).unwrap();
    writer.finish().unwrap().into_inner()
}

/// A zip archive of `entries` (name, content), deflated, written with the zip crate.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write as _;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in entries {
        writer
            .start_file(
                *name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated),
            )
            .unwrap();
        writer.write_all(content).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[test]
fn publish_refuses_what_is_not_a_flow_file_with_400087_naming_the_problem() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    let before = server.flow_ids().len();
    // 17 MiB of spaces deflate to about 17 KiB: a zip bomb for a reader without a bound.
    let bomb_document = vec![b' '; 17 * MIB];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("Text", b"just some text".to_vec(), "not a zip archive"),
        ("Empty", Vec::new(), "not a zip archive"),
        (
            "NoFlow",
            zip_of(&[("displaySettings", b"{}"), ("Data/orders.csv", b"a,b\n")]),
            "no `flow` entry",
        ),
        (
            "BadJson",
            zip_of(&[("flow", b"{\"nodes\": {")]),
            "not a flow document",
        ),
        (
            "NoNodes",
            zip_of(&[("flow", br#"{"initialNodes": [], "connections": {}}"#)]),
            "lacks `nodes`",
        ),
        (
            "Bomb",
            zip_of(&[("flow", &bomb_document)]),
            "inflates to more than",
        ),
    ];
    for (name, bytes, problem) in &cases {
        let answer = publish(&url, &token, name, bytes, |_| {});
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (400, "400087"),
            "{name}: {answer:?}"
        );
        assert!(
            answer.body.contains("Generic flow publishing error") && answer.body.contains(problem),
            "{name}: {}",
            answer.body
        );
    }
    assert_eq!(server.flow_ids().len(), before, "nothing was published");
    // The least a real file holds is a flow file.
    let answer = publish(
        &url,
        &token,
        "Least",
        &zip_of(&[("flow", br#"{"nodes": {}}"#)]),
        |_| {},
    );
    assert_eq!(answer.status, 201, "{answer:?}");
}

#[test]
fn a_download_carries_the_content_type_and_name_of_its_file_type() {
    let server = MockServer::builder().start().unwrap();
    let url = server.url().to_owned();
    let token = sign_in(&url);
    for (id, content_type, filename) in [
        (demo::COFFEE_FLOW_ID, "application/xml", "Coffee Chain.tfl"),
        (
            demo::SALES_FLOW_ID,
            "application/octet-stream",
            "Sales Cleanup.tflx",
        ),
    ] {
        let answer = exchange(
            &url,
            "GET",
            &format!("/api/3.24/sites/{SITE}/flows/{id}/content"),
            Some(&token),
            None,
            b"",
        );
        assert_eq!(answer.status, 200, "{answer:?}");
        assert_eq!(answer.header("Content-Type"), Some(content_type));
        assert_eq!(
            answer.header("Content-Disposition"),
            Some(format!("name=\"tableau_flow\"; filename=\"{filename}\"").as_str())
        );
    }
}
