//! How the simulator scales with the number of flows: prints figures, asserts nothing.
//!
//! Run with `cargo bench -p tableau-flows-tests --bench perf -- scale`. Everything goes through the real
//! HTTP client against a simulator on loopback; the flows listed are seeded in bulk
//! (`MockServer::seed_flows`), the flows published are published one request each.
//!
//! 1. Paging: the time to fetch every flow page by page (pageSize 1000), unsorted and sorted by
//!    each documented field, at 10,000 and at 100,000 flows; the ratio should be at most 12 (the
//!    work is ten times as large). In brackets, the same pages answered in-process
//!    (`MockServer::answer`): the simulator's share, without HTTP and the client.
//! 2. Publishing: the time to publish 1,000 flows into an empty site and into a site holding
//!    50,000; the ratio should be at most 2.
//!
//! `SCALE_REPS` (default 5) sets how many samples of each figure are taken, the best printed (a
//! paging sample at 10,000 flows is the mean of ten passes in a row, as long as one at 100,000).
//! `SCALE_ONLY=paging` or `SCALE_ONLY=publishing` measures only one of the two.

use crate::report::{Report, Target, env_or};
use std::time::{Duration, Instant};
use tableau_flows::flows::{PublishFlow, PublishFlowRequest};
use tableau_flows::{Client, Credentials, FilePart, ProjectRef};
use tableau_flows_mock::interface::Request;
use tableau_flows_mock::{MockServer, demo};

/// The listings timed: a label and the `sort` expression.
const LISTINGS: [(&str, Option<&str>); 4] = [
    ("unsorted", None),
    ("sort=name:asc", Some("name:asc")),
    ("sort=createdAt:desc", Some("createdAt:desc")),
    ("sort=updatedAt:asc", Some("updatedAt:asc")),
];

/// A simulator without demo content holding `flows` seeded flows, and a client signed in to it
/// as the administrator.
fn server_with(flows: usize) -> (MockServer, Client) {
    let server = MockServer::builder()
        .demo_content(false)
        .start()
        .expect("the simulator starts");
    server.seed_flows(flows, "Seeded ");
    let client = Client::builder(server.url())
        .build()
        .expect("the client builds");
    client
        .sign_in_with(
            Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
            demo::SITE,
        )
        .expect("signs in");
    (server, client)
}

/// Fetches every flow page by page; checks that each came once.
fn page_through(client: &Client, sort: Option<&str>, expected: usize) -> Duration {
    let start = Instant::now();
    let mut seen = Vec::with_capacity(expected);
    let mut number = 1;
    loop {
        let mut call = client
            .query_flows_for_site()
            .page_size(1000)
            .page_number(number);
        if let Some(sort) = sort {
            call = call.sort(sort);
        }
        let page = call.send().expect("a page");
        let total = page
            .pagination
            .as_ref()
            .and_then(|p| p.total_available)
            .expect("a total") as usize;
        // The ids as decoded (kept inline): the bookkeeping adds no allocation per flow.
        seen.extend(page.flows.into_iter().map(|f| f.id));
        if seen.len() >= total {
            break;
        }
        number += 1;
    }
    let took = start.elapsed();
    assert_eq!(seen.len(), expected, "every flow listed");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), expected, "no flow listed twice");
    took
}

/// Publishes `count` flows named `{prefix} {i}` (one request each) into the Default project.
fn publish(client: &Client, prefix: &str, count: usize) -> Duration {
    let bytes = demo::flow_file_bytes();
    let start = Instant::now();
    for i in 0..count {
        client
            .publish_flow(PublishFlowRequest {
                flow: PublishFlow {
                    name: format!("{prefix} {i}"),
                    description: None,
                    project: ProjectRef::new(demo::PROJECT_ID),
                },
                connections: Vec::new(),
            })
            .file(FilePart::from_bytes("bench.tflx", bytes.clone()))
            .send()
            .expect("publishes");
    }
    start.elapsed()
}

fn best(reps: usize, mut measure: impl FnMut() -> Duration) -> Duration {
    (0..reps).map(|_| measure()).min().unwrap_or_default()
}

/// Paging and publishing, each at the two sizes.
pub fn run(report: &mut Report) {
    let reps: usize = env_or("SCALE_REPS", 5usize).max(1);
    println!("simulator scale (best of {reps}; HTTP client on loopback)");
    let only = std::env::var("SCALE_ONLY").unwrap_or_default();
    if only != "publishing" {
        paging(report, reps);
    }
    if only != "paging" {
        publishing(report, reps);
    }
}

/// Pages through every flow in-process (`MockServer::answer`, no HTTP, no client): the
/// simulator's own share.
fn answer_through(
    server: &MockServer,
    token: &str,
    sort: Option<&str>,
    expected: usize,
) -> Duration {
    let path = format!(
        "/api/{}/sites/{}/flows",
        server.api_version(),
        demo::SITE_ID
    );
    let start = Instant::now();
    for number in 1..=expected.div_ceil(1000) {
        let query = match sort {
            Some(sort) => format!("pageSize=1000&pageNumber={number}&sort={sort}"),
            None => format!("pageSize=1000&pageNumber={number}"),
        };
        let answer = server.answer(&Request {
            method: "GET",
            path: &path,
            query: &query,
            token: Some(token),
            content_type: None,
            accept: None,
            body: &[],
        });
        assert_eq!(answer.status, 200, "a page");
    }
    start.elapsed()
}

/// The best of `reps` samples of `small` (each the mean of ten runs in a row, as long as one
/// run of `large`) and of `large` (one run each), taken alternately: whatever else the machine
/// does then weighs on both alike, and a short run is not favoured by slipping between
/// interruptions that a long one cannot avoid.
fn best_pair(
    reps: usize,
    mut small: impl FnMut() -> Duration,
    mut large: impl FnMut() -> Duration,
) -> (Duration, Duration) {
    let (mut s, mut l) = (Duration::MAX, Duration::MAX);
    for _ in 0..reps {
        s = s.min((0..10).map(|_| small()).sum::<Duration>() / 10);
        l = l.min(large());
    }
    (s, l)
}

fn paging(report: &mut Report, reps: usize) {
    println!("\n1. paging through every flow, pageSize 1000 (target ratio <= 12)");
    let small = server_with(10_000);
    let large = server_with(100_000);
    let token = |c: &Client| c.session().expect("signed in").token.expose().to_owned();
    let (small_token, large_token) = (token(&small.1), token(&large.1));
    for (label, sort) in LISTINGS {
        let (t10, t100) = best_pair(
            reps,
            || page_through(&small.1, sort, 10_000),
            || page_through(&large.1, sort, 100_000),
        );
        let (a10, a100) = best_pair(
            reps,
            || answer_through(&small.0, &small_token, sort, 10_000),
            || answer_through(&large.0, &large_token, sort, 100_000),
        );
        let ratio = t100.as_secs_f64() / t10.as_secs_f64();
        println!(
            "   {label:<22} 10k: {:>8.1} ms   100k: {:>8.1} ms   ratio {ratio:>6.2}  \
             (simulator alone: {:>6.1} / {:>7.1} ms, ratio {:>6.2})",
            t10.as_secs_f64() * 1e3,
            t100.as_secs_f64() * 1e3,
            a10.as_secs_f64() * 1e3,
            a100.as_secs_f64() * 1e3,
            a100.as_secs_f64() / a10.as_secs_f64(),
        );
        report.check(
            "scale",
            format!("all flows at 100k, {label}"),
            ratio,
            "at 10k",
            Target::AtMost(12.0),
        );
    }
}

fn publishing(report: &mut Report, reps: usize) {
    println!("\n2. publishing 1,000 flows (target ratio <= 2)");
    let empty = best(reps, || {
        let (_server, client) = server_with(0);
        publish(&client, "Warm-up", 20); // warm the connection
        publish(&client, "Published", 1000)
    });
    let full = best(reps, || {
        let (_server, client) = server_with(50_000);
        publish(&client, "Warm-up", 20);
        publish(&client, "Published", 1000)
    });
    let ratio = full.as_secs_f64() / empty.as_secs_f64();
    println!(
        "   into an empty site: {:>8.1} ms ({:>6.0}/s)   into 50k flows: {:>8.1} ms ({:>6.0}/s)   ratio {ratio:>6.2}",
        empty.as_secs_f64() * 1e3,
        1000.0 / empty.as_secs_f64(),
        full.as_secs_f64() * 1e3,
        1000.0 / full.as_secs_f64(),
    );
    report.check(
        "scale",
        "publish 1,000 into 50k flows",
        ratio,
        "into an empty site",
        Target::AtMost(2.0),
    );
}
