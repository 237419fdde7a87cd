//! Pagination benchmark: `all()` over 100 pages from a loopback server that answers each page
//! after 50 ms (a server's latency), strictly one page after another (`in_flight(0)`, the
//! anchor) against the default (the next page asked for while the caller works through the
//! current one) and several pages in flight; first with a caller that does no work, then with
//! one that works on each page as long as a page takes to arrive. Prints the times and their
//! ratios against the anchor (target: at most 0.6).
//!
//! Run: `cargo bench -p tableau-flows-tests --bench perf -- pages` (pages: `PAGES`, default 100).

use crate::report::{Report, Target, env_or};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use tableau_flows::{ApiVersion, Client, RetryPolicy, Secret, Session};

const LATENCY: Duration = Duration::from_millis(50);
const PAGE_SIZE: u32 = 100;

/// Answers `?pageNumber=N` with page N of `pages`, after [`LATENCY`]: a thread per connection,
/// keep-alive, each answer written in one piece with Nagle's algorithm off (so the figures hold
/// the latency and not a delayed ACK).
fn serve(listener: TcpListener, pages: u32) {
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream, pages));
        }
    });
}

fn answer(stream: TcpStream, pages: u32) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut number = 1u32;
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if let Some(n) = line
                .split(['?', '&', ' '])
                .find_map(|p| p.strip_prefix("pageNumber="))
            {
                number = n.parse().unwrap_or(1);
            }
            if line == "\r\n" {
                break;
            }
        }
        std::thread::sleep(LATENCY);
        let flows: String = if number <= pages {
            (0..PAGE_SIZE)
                .map(|i| format!(r#"<flow id="f-{number}-{i}" name="Flow {i}"/>"#))
                .collect()
        } else {
            String::new()
        };
        let body = format!(
            r#"<tsResponse xmlns="http://tableau.com/api"><pagination pageNumber="{number}" pageSize="{PAGE_SIZE}" totalAvailable="{}"/><flows>{flows}</flows></tsResponse>"#,
            pages * PAGE_SIZE
        );
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// Lists the pages each way; the default and `in_flight(4)` are checked against the anchor.
pub fn run(report: &mut Report) {
    let pages: u32 = env_or("PAGES", 100u32).max(1);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    serve(listener, pages);
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .api_version(ApiVersion::new(3, 24))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    client.set_session(Session {
        token: Secret::new("token"),
        site_id: "site".into(),
        user_id: None,
    });
    let list = |in_flight: u32, work: Duration| -> Duration {
        let started = Instant::now();
        let mut n = 0u64;
        for flow in client
            .query_flows_for_site()
            .page_size(PAGE_SIZE)
            .all()
            .in_flight(in_flight)
        {
            flow.unwrap();
            n += 1;
            if n.is_multiple_of(u64::from(PAGE_SIZE)) {
                std::thread::sleep(work);
            }
        }
        assert_eq!(n, u64::from(pages) * u64::from(PAGE_SIZE));
        started.elapsed()
    };
    println!(
        "all() over {pages} pages of {PAGE_SIZE} flows, {} ms per page from the server",
        LATENCY.as_millis()
    );
    let mut work = Duration::ZERO;
    for round in 0..2 {
        let anchor = list(0, work);
        if round == 0 {
            println!("  the caller does no work:");
        } else {
            println!(
                "  the caller works {} ms on each page (as long as a page takes to arrive):",
                work.as_millis()
            );
        }
        println!(
            "    one page after another (in_flight(0), anchor): {:>7.2} s",
            anchor.as_secs_f64()
        );
        for in_flight in [1, 4] {
            let t = list(in_flight, work);
            let note = if in_flight == 1 { " (default)" } else { "" };
            let ratio = t.as_secs_f64() / anchor.as_secs_f64();
            println!(
                "    in_flight({in_flight}){note:<10}                   {:>7.2} s  {ratio:.2} x the anchor",
                t.as_secs_f64(),
            );
            // The default can only gain when the caller works; several in flight always can.
            if round == 1 && in_flight == 1 {
                report.check(
                    "pages",
                    format!("all(), caller works {} ms a page", work.as_millis()),
                    ratio,
                    "one page after another",
                    Target::AtMost(0.6),
                );
            } else if in_flight == 4 && round == 0 {
                report.check(
                    "pages",
                    "all().in_flight(4), caller does no work",
                    ratio,
                    "one page after another",
                    Target::AtMost(0.6),
                );
            }
        }
        // What a page really costs on this machine (the latency and the transport's).
        work = anchor / pages;
    }
}
