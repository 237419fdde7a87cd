//! Decoding benchmark: a 1000-flow Query Flows for a Site page (with parameters and tags) decoded
//! by the generated code, against a bare quick-xml event loop over the same bytes that unescapes
//! every attribute and text. Target: typed decode at most 1.5 times the bare walk.
//!
//! Run: `cargo bench -p tableau-flows --bench decode` (prints both figures and the ratio).

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// A realistic page: 1000 flows, each with project, owner, two tags and two parameters.
pub fn page(flows: usize) -> String {
    let mut s = String::with_capacity(flows * 1400);
    s.push_str(r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_24.xsd">"#);
    s.push_str(&format!(
        r#"<pagination pageNumber="1" pageSize="{flows}" totalAvailable="{}"/><flows>"#,
        flows * 3
    ));
    for i in 0..flows {
        s.push_str(&format!(
            r#"<flow id="d00700fe-28a0-4ece-a7af-{i:012}" name="Sales &amp; Marketing flow {i}" description="Cleans &quot;raw&quot; sales data" webpageUrl="https://tableau.example.com/#/site/marketing/flows/{i}" fileType="tflx" createdAt="2024-03-12T18:09:02Z" updatedAt="2024-04-09T18:54:12Z">"#
        ));
        s.push_str(r#"<project id="6f8a2966-e173-11e8-ae74-ffd84c19d7f3" name="Default"/><owner id="711e59cf-d1c0-446e-be48-3673ae067f7b"/>"#);
        s.push_str(
            r#"<tags><tag label="sales"/><tag label="daily &lt;prod&gt;"/></tags><parameters>"#,
        );
        s.push_str(r#"<parameter id="ebfad780-c19f-42a2-822a-406468269a02" type="string" name="Region" description="The sales region" value="North" isRequired="false"><domain xsi:type="flowParameterListDomainType" domainType="list"><values><value>North</value><value>South</value></values></domain></parameter>"#);
        s.push_str(r#"<parameter id="4f22c514-5b56-4400-a48a-f69d9be217a9" type="integer" name="output_count" description="Rows to keep" value="2" isRequired="true"><domain xsi:type="flowParameterRangeDomainType" domainType="range" minValue="1" maxValue="100" stepSize="1"/></parameter>"#);
        s.push_str("</parameters></flow>");
    }
    s.push_str("</flows></tsResponse>");
    s
}

/// The baseline: every event read, every attribute and text unescaped, nothing kept.
fn bare_walk(bytes: &[u8]) -> usize {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut total = 0usize;
    loop {
        match reader.read_event().expect("well-formed") {
            Event::Start(e) | Event::Empty(e) => {
                total += e.local_name().as_ref().len();
                for a in e.attributes() {
                    let a = a.expect("attribute");
                    total += a
                        .normalized_value(XmlVersion::Implicit1_0)
                        .expect("value")
                        .len();
                }
            }
            Event::Text(t) => total += t.xml_content(XmlVersion::Implicit1_0).len(),
            Event::Eof => break,
            _ => {}
        }
    }
    total
}

/// Times `a` and `b` alternately, `rounds` times each, so both see the same machine conditions;
/// returns (min, median) of each. What they return is dropped outside the timing.
fn interleaved<A, B>(
    mut a: impl FnMut() -> A,
    mut b: impl FnMut() -> B,
    rounds: usize,
) -> [(Duration, Duration); 2] {
    for _ in 0..3 {
        drop(a());
        drop(b());
    }
    let (mut ta, mut tb) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let t = Instant::now();
        let out = a();
        ta.push(t.elapsed());
        drop(black_box(out));
        let t = Instant::now();
        let out = b();
        tb.push(t.elapsed());
        drop(black_box(out));
    }
    ta.sort();
    tb.sort();
    [(ta[0], ta[rounds / 2]), (tb[0], tb[rounds / 2])]
}

fn main() {
    let xml = page(1000);
    let bytes = xml.as_bytes();
    let decoded = tableau_flows::flows::QueryFlowsResponse::decode(bytes).expect("decodes");
    assert_eq!(decoded.flows.len(), 1000);
    assert_eq!(decoded.flows[999].parameters.len(), 2);
    assert_eq!(decoded.flows[0].tags[1].label, "daily <prod>");
    if let Ok(n) = std::env::var("DECODE_BENCH_PROFILE_BARE") {
        // For profilers: only the bare walk.
        let n: usize = n.parse().unwrap_or(200);
        let total: usize = (0..n).map(|_| bare_walk(black_box(bytes))).sum();
        std::process::exit(i32::from(black_box(total) == 0));
    }
    if std::env::var_os("DECODE_BENCH_PROFILE").is_some() {
        // For profilers: only the typed decode, many times.
        let n: usize = std::env::var("DECODE_BENCH_PROFILE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(200);
        let mut keep = Vec::with_capacity(n);
        for _ in 0..n {
            keep.push(
                tableau_flows::flows::QueryFlowsResponse::decode(black_box(bytes))
                    .expect("decodes"),
            );
        }
        std::process::exit(i32::from(black_box(keep.len()) != n));
    }
    let rounds = 101;
    let [bare, typed] = interleaved(
        || bare_walk(black_box(bytes)),
        || tableau_flows::flows::QueryFlowsResponse::decode(black_box(bytes)).expect("decodes"),
        rounds,
    );
    let mb = bytes.len() as f64 / 1e6;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "document: 1000 flows with tags and parameters, {mb:.2} MB; {rounds} interleaved rounds"
    );
    println!("                                      min        median");
    println!(
        "bare quick-xml walk (unescape all): {:>7.3} ms  {:>7.3} ms  ({:.0} MB/s at min)",
        ms(bare.0),
        ms(bare.1),
        mb / bare.0.as_secs_f64()
    );
    println!(
        "typed decode (generated):           {:>7.3} ms  {:>7.3} ms  ({:.0} MB/s at min)",
        ms(typed.0),
        ms(typed.1),
        mb / typed.0.as_secs_f64()
    );
    let ratio_min = typed.0.as_secs_f64() / bare.0.as_secs_f64();
    let ratio_median = typed.1.as_secs_f64() / bare.1.as_secs_f64();
    println!(
        "ratio typed/bare: {ratio_min:.2} at min, {ratio_median:.2} at median (target <= 1.50: {})",
        if ratio_median <= 1.5 {
            "met"
        } else {
            "NOT met"
        }
    );
}
