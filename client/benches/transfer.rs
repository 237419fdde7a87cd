//! Transfer benchmark: publishes a 1 GiB flow (chunked upload) and downloads 1 GiB through a
//! loopback HTTP server, and reports throughput and the process's peak memory (VmHWM), which
//! must not grow with the file: uploads and downloads are streamed.
//!
//! Run: `cargo bench -p tableau-flows --bench transfer` (size: `TRANSFER_MB`, default 1024).

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tableau_flows::PublishOptions;
use tableau_flows::{ApiVersion, Client, RetryPolicy, Secret, Session};

/// `len` bytes of a repeating pattern, generated on the fly.
struct Pattern {
    left: u64,
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for (i, b) in buf[..n].iter_mut().enumerate() {
            *b = (i % 251) as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

const NS: &str = r#"xmlns="http://tableau.com/api""#;

fn serve(server: Arc<tiny_http::Server>, size: u64, received: Arc<AtomicU64>) {
    for mut req in server.incoming_requests() {
        let mut buf = vec![0u8; 64 * 1024];
        let reader = req.as_reader();
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    received.fetch_add(n as u64, Ordering::Relaxed);
                }
            }
        }
        let url = req.url().to_owned();
        let xml = |body: String| {
            tiny_http::Response::from_string(body).with_header(
                tiny_http::Header::from_bytes("Content-Type", "application/xml").unwrap(),
            )
        };
        let _ = if url.ends_with("/content") {
            let resp = tiny_http::Response::new(
                200.into(),
                vec![
                    tiny_http::Header::from_bytes("Content-Type", "application/octet-stream")
                        .unwrap(),
                    tiny_http::Header::from_bytes(
                        "Content-Disposition",
                        "attachment; filename=\"bench.tflx\"",
                    )
                    .unwrap(),
                ],
                Pattern { left: size },
                usize::try_from(size).ok(),
                None,
            );
            req.respond(resp)
        } else if url.contains("/fileUploads") {
            req.respond(xml(format!(r#"<tsResponse {NS}><fileUpload uploadSessionId="1:AB-1:0" fileSize="0"/></tsResponse>"#)))
        } else {
            req.respond(xml(format!(
                r#"<tsResponse {NS}><flow id="f-1" name="bench"><project id="p-1"/><owner id="u-1"/></flow></tsResponse>"#
            )))
        };
    }
}

fn main() {
    let mb: u64 = std::env::var("TRANSFER_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let size = mb * 1024 * 1024;
    let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
    let port = server.server_addr().to_ip().expect("ip").port();
    let received = Arc::new(AtomicU64::new(0));
    let (s, r) = (server.clone(), received.clone());
    std::thread::spawn(move || serve(s, size, r));
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .api_version(ApiVersion::new(3, 24))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("client");
    client.set_session(Session {
        token: Secret::new("t"),
        site_id: "s".into(),
        user_id: None,
    });
    let before = peak_memory_kib();

    let t = Instant::now();
    client
        .publish_flow_reader(
            "bench.tflx",
            Pattern { left: size },
            size,
            PublishOptions::new("p-1").chunk_size(32 * 1024 * 1024),
        )
        .expect("publish");
    let up = t.elapsed();
    let after_upload = peak_memory_kib();
    assert!(
        received.load(Ordering::Relaxed) >= size,
        "the server received the whole file"
    );

    let t = Instant::now();
    let (n, _) = client
        .download_flow_to(
            "f-1",
            &mut io::sink(),
            tableau_flows::DownloadOptions::new(),
        )
        .expect("download");
    let down = t.elapsed();
    assert_eq!(n, size);
    let after_download = peak_memory_kib();

    let rate = |d: std::time::Duration| mb as f64 / d.as_secs_f64();
    println!("transfer of {mb} MiB through a loopback server");
    println!(
        "publish (chunked, 32 MiB chunks): {:>7.2} s  {:>7.1} MiB/s",
        up.as_secs_f64(),
        rate(up)
    );
    println!(
        "download (streamed to a sink):    {:>7.2} s  {:>7.1} MiB/s",
        down.as_secs_f64(),
        rate(down)
    );
    println!(
        "peak memory (VmHWM, whole process): {} KiB before, {} KiB after publishing, {} KiB after downloading",
        before, after_upload, after_download
    );
    println!(
        "growth over the transfers: {} KiB for {} KiB moved",
        after_download.saturating_sub(before),
        2 * size / 1024
    );
}
