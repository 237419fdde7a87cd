//! Memory under hostile answers: a server that fills an answer (within the 16 MiB cap on what is
//! decoded in memory) with tiny list items cannot make the client, or `tabflow` rendering the
//! answer, hold more than a small multiple of the cap. Allocations are counted by this binary's
//! own allocator (live bytes and their peak), so the figures are exact and the same on every
//! machine; the test prints them (`cargo test --test memory -- --nocapture`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use tableau_flows_tests::tf::*;

/// The system allocator, keeping the bytes live and their peak.
struct Tracking;

static LIVE: AtomicU64 = AtomicU64::new(0);
static PEAK: AtomicU64 = AtomicU64::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by as u64, Ordering::Relaxed) + by as u64;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract for `dealloc` is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller's contract for `alloc_zeroed` is passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Both blocks may be live at once while the old one is copied.
        grew(new_size);
        // SAFETY: the caller's contract for `realloc` is passed on.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        moved
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// The most bytes live at once while `f` ran, above what was live before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (u64, T) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out = f();
    (PEAK.load(Ordering::Relaxed) - before, out)
}

const CAP: u64 = tableau_flows::DEFAULT_MAX_RESPONSE_BYTES;

/// The tests of this binary one at a time: the peak is the process's.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
const NS: &str = "http://tableau.com/api";

/// A document of `items` made of `item` repeated until the answer is just under the cap.
fn filled(open: &str, item: &str, close: &str) -> Vec<u8> {
    let head = format!("<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"{NS}\">{open}");
    let tail = format!("{close}</tsResponse>");
    let room = CAP as usize - head.len() - tail.len() - 1024;
    let mut doc = head.into_bytes();
    for _ in 0..room / item.len() {
        doc.extend_from_slice(item.as_bytes());
    }
    doc.extend_from_slice(tail.as_bytes());
    doc
}

/// A server answering Server Info, Sign In and Sign Out as a server does, and every other request
/// with `hostile`; it serves until the test ends.
fn hostile_server(hostile: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hostile = std::sync::Arc::new(hostile);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let hostile = hostile.clone();
            std::thread::spawn(move || serve(stream, &hostile));
        }
    });
    url
}

fn serve(stream: TcpStream, hostile: &[u8]) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let target = line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':')
                && k.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer: std::borrow::Cow<'_, [u8]> = if target.ends_with("/serverinfo") {
            format!("<tsResponse xmlns=\"{NS}\"><serverInfo><productVersion build=\"1\">2024.2</productVersion><restApiVersion>3.24</restApiVersion></serverInfo></tsResponse>").into_bytes().into()
        } else if target.ends_with("/auth/signin") {
            format!("<tsResponse xmlns=\"{NS}\"><credentials token=\"t\"><site id=\"s\" contentUrl=\"\"/><user id=\"u\"/></credentials></tsResponse>").into_bytes().into()
        } else if target.ends_with("/auth/signout") {
            Vec::new().into()
        } else {
            hostile.into()
        };
        let status = if answer.is_empty() {
            "204 No Content"
        } else {
            "200 OK"
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        if out
            .write_all(head.as_bytes())
            .and_then(|()| out.write_all(&answer))
            .is_err()
        {
            return;
        }
    }
}

/// Runs `tabflow ARGS` in process against `url`: its exit status and standard error.
fn tabflow(url: &str, args: &[&str]) -> (u8, String) {
    let mut all = vec![
        "tabflow",
        "--server",
        url,
        "--token-name",
        "n",
        "--token-secret",
        "s",
    ];
    all.extend_from_slice(args);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let status = tableau_flows_cli::main_with(all, &mut out, &mut err);
    (status, String::from_utf8_lossy(&err).into_owned())
}

/// A client signed in to `url`.
fn client_of(url: &str) -> Client {
    let client = Client::builder(url).build().unwrap();
    client
        .sign_in_with(Credentials::personal_access_token("n", "s"), "")
        .unwrap();
    client
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

#[test]
fn hostile_answers_are_refused_within_a_small_multiple_of_the_cap() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let flows = filled("<flows>", r#"<flow id="a"/>"#, "</flows>");
    let connections = filled("<connections>", r#"<connection id="a"/>"#, "</connections>");
    let tags = filled(
        r#"<flow id="f1" name="F"><project id="p"/><owner id="o"/><tags>"#,
        r#"<tag label="a"/>"#,
        "</tags></flow>",
    );
    let mut figures = Vec::new();

    // The library: a page stops at the first item beyond its page size (the server's 100).
    let url = hostile_server(flows);
    let client = client_of(&url);
    let (peak, result) = peak_of(|| client.query_flows_for_site().send());
    let err = result.unwrap_err();
    assert!(
        matches!(
            &err,
            CallError::Decode(DecodeError::PageTooLong { page_size: 100 })
        ),
        "{err:?}"
    );
    figures.push(("client: Query Flows for Site, 1.2 M <flow id=\"a\"/>", peak));

    // tabflow: refused the same way, before anything is rendered, as a table or as JSON.
    for args in [&["flows", "list"][..], &["--json", "flows", "list"][..]] {
        let (peak, (status, err)) = peak_of(|| tabflow(&url, args));
        assert_eq!(status, 1, "{err}");
        assert!(
            err.contains("the page holds more items than the 100 asked for"),
            "{err}"
        );
        figures.push((
            if args[0] == "--json" {
                "tabflow --json flows list, the same answer"
            } else {
                "tabflow flows list, the same answer"
            },
            peak,
        ));
    }

    // A list that is not paginated: its items are bounded by the document's budget.
    let url = hostile_server(connections);
    let (peak, result) = peak_of(|| client_of(&url).query_flow_connections("f1").send());
    let err = result.unwrap_err();
    assert!(
        matches!(&err, CallError::Decode(DecodeError::TooManyItems { element, .. }) if element == "connection"),
        "{err:?}"
    );
    figures.push((
        "client: Query Flow Connections, 840 k <connection id=\"a\"/>",
        peak,
    ));

    // One flow with a million tags fits the item budget: it is decoded and rendered, within
    // a small multiple of the cap.
    let url = hostile_server(tags);
    for args in [
        &["flows", "get", "f1"][..],
        &["--json", "flows", "get", "f1"][..],
    ] {
        let (peak, (status, err)) = peak_of(|| tabflow(&url, args));
        assert!(status == 0 || status == 1, "{status} {err}");
        figures.push((
            if args[0] == "--json" {
                "tabflow --json flows get, one flow with 1 M tags"
            } else {
                "tabflow flows get, one flow with 1 M tags"
            },
            peak,
        ));
    }

    println!("peak live bytes above the start, against the 16 MiB answer cap:");
    for (what, peak) in &figures {
        println!(
            "  {what:<52} {:>7.1} MiB  {:>5.1} x the cap",
            mib(*peak),
            *peak as f64 / CAP as f64
        );
    }
    // A page, and what tabflow renders of it: the answer read and a little more. A list that is
    // not paginated: the item budget (8 bytes of items a byte of answer) with the list's growth.
    for (what, peak) in figures {
        let bound = if what.contains("Connections") { 24 } else { 2 };
        assert!(peak <= bound * CAP, "{what}: {:.1} MiB", mib(peak));
    }
}

/// A JSON document of `item` repeated in an array until it is just under the cap.
fn filled_json(open: &str, item: &str, close: &str) -> Vec<u8> {
    let room = CAP as usize - open.len() - close.len() - 1024;
    let mut doc = open.as_bytes().to_vec();
    for i in 0..room / (item.len() + 1) {
        if i > 0 {
            doc.push(b',');
        }
        doc.extend_from_slice(item.as_bytes());
    }
    doc.extend_from_slice(close.as_bytes());
    doc
}

/// The JSON decoder is held to the XML decoder's bounds: a hostile answer of tiny items just
/// under the cap is refused by the item budget (a list that is not paginated) or at the item
/// beyond the page size (a page), streaming, within the same multiples of the cap.
#[test]
fn hostile_json_answers_are_refused_within_a_small_multiple_of_the_cap() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let connections = filled_json(
        r#"{"connections": {"connection": ["#,
        r#"{"id":"a"}"#,
        "]}}",
    );
    let (peak, result) = peak_of(|| QueryFlowConnectionsResponse::decode_json(&connections));
    assert!(
        matches!(&result, Err(DecodeError::TooManyItems { element, .. }) if element == "connection"),
        "{:?}",
        result.map(|r| r.connections.len())
    );
    println!(
        "decode_json, 1.5 M connections of {{\"id\":\"a\"}}: {:.1} MiB (XML's figure is about the same)",
        mib(peak)
    );
    assert!(peak <= 24 * CAP, "{:.1} MiB", mib(peak));
    drop(connections);

    let flows = filled_json(r#"{"flows": {"flow": ["#, r#"{"id":"a"}"#, "]}}");
    let (peak, result) = peak_of(|| QueryFlowsResponse::decode_json_page(&flows, 100));
    assert_eq!(
        result.map(|r| r.flows.len()),
        Err(DecodeError::PageTooLong { page_size: 100 })
    );
    println!("decode_json_page, 1.5 M flows: {:.1} MiB", mib(peak));
    assert!(peak <= CAP / 4, "{:.1} MiB", mib(peak));
}

#[test]
fn a_page_never_holds_more_items_than_its_page_size() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let eleven: String = (0..11).map(|i| format!(r#"<flow id="f{i}"/>"#)).collect();
    let doc = format!(
        "<tsResponse xmlns=\"{NS}\"><pagination pageNumber=\"1\" pageSize=\"10\" totalAvailable=\"11\"/><flows>{eleven}</flows></tsResponse>"
    );
    let url = hostile_server(doc.into_bytes());
    let client = client_of(&url);
    let err = client
        .query_flows_for_site()
        .page_size(10)
        .send()
        .unwrap_err();
    assert!(
        matches!(
            err,
            CallError::Decode(DecodeError::PageTooLong { page_size: 10 })
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "cannot decode the answer: the page holds more items than the 10 asked for"
    );
    // Eleven fit a page of the server's default size (100).
    assert_eq!(
        client.query_flows_for_site().send().unwrap().flows.len(),
        11
    );
    // And the pages of `all()` are checked the same way.
    let err = client
        .query_flows_for_site()
        .page_size(5)
        .all()
        .find_map(Result::err)
        .unwrap();
    assert!(
        matches!(err, CallError::Decode(DecodeError::PageTooLong { .. })),
        "{err:?}"
    );
}
