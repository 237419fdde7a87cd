//! Transfer benchmark: publishing and downloading a real file through a loopback server, against
//! curl moving the same bytes through the same server, with the process's peak memory.
//!
//! The file is written once, before anything is timed (the old bench generated its data on the
//! fly, and the generator was 45 % of the CPU it measured). Then, `TRANSFER_REPS` times, our
//! client and curl take turns (the one going first alternates):
//!
//! - **upload**: our client publishes the file as the chunked protocol does (Initiate File
//!   Upload, one Append to File Upload per 32 MiB chunk in a `multipart/mixed` body, Publish
//!   Flow); curl sends the same file with `-T`, streamed from disk, in one PUT;
//! - **download**: our client saves the flow with `download_flow_into` (a `.part` file, synced
//!   to disk, then moved to its name); curl saves the same URL with `-o` into the same folder,
//!   and the bench then syncs curl's file to disk too.
//!
//! Why the comparison is fair: both clients talk to the same in-process server on the same
//! loopback connection type, read the same file from the same page cache, and write into the
//! same folder on the same file system. Where the two differ, the difference goes against our
//! client: curl's upload is one request (ours is one per chunk and two more, 34 for 1 GiB, each
//! Append answered before the next is sent, each chunk framed as multipart), our client's times
//! are taken around its calls, and curl's times are the ones curl itself reports
//! (`-w %{time_total}`), so starting and ending its process is not held against it. The only
//! thing added to curl's time is the `fsync` of its download, because `download_flow_into`
//! returns only once the file is on disk and `curl -o` has no way to ask for that: without it
//! the two would not end in the same state. The time to the download's last byte (before the
//! sync) is printed as well, for both.
//!
//! The server (a `std::net` loop, not `tiny_http`) is kept out of the way: a request body is
//! read straight into a 1 MiB buffer and dropped, and the download is read from the file and
//! written to the socket 1 MiB at a time. `tiny_http` reads bodies through its own small
//! buffered layers and writes an answer through a buffered writer (more system calls and a copy
//! more, on cores the clients share); and `sendfile` (std's `io::copy` from a file to a socket),
//! measured here, moves a file into a loopback socket at a third of the speed of plain 1 MiB
//! reads and writes. The bench shows that the server is not what it measures: alone (driven by a
//! raw socket client that sends and receives 1 MiB at a time and keeps nothing) it must go faster
//! than both clients, and its CPU time during a transfer (from `/proc/thread-self/schedstat`)
//! must stay well below the transfer's time; a warning says when either fails.
//!
//! Run: `cargo bench -p tableau-flows-tests --bench perf -- transfer` (file size in MiB:
//! `TRANSFER_MB`, default 1024; rounds: `TRANSFER_REPS`, default 3; the curl run: `CURL`, default
//! `curl` on the PATH).

use crate::report::{Report, Target, env_or, peak_memory_kib};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tableau_flows::{
    ApiVersion, Client, DownloadOptions, PublishOptions, RetryPolicy, Secret, Session,
};

const MIB: u64 = 1024 * 1024;
/// The chunk size of the chunked upload.
const CHUNK: u64 = 32 * MIB;
/// Files up to this size are published in one request (the client's default threshold).
const SINGLE_REQUEST_LIMIT: u64 = 64 * MIB;
/// The buffer of the server's reads and writes (a request body is read into it and dropped).
const SINK_BUFFER: usize = MIB as usize;
/// Where curl's and the floor's uploads go: a plain PUT of the file, answered with no body.
const ANCHOR_UPLOAD: &str = "/anchor/upload";
/// The flow the server serves, and its download URL's path (the one both clients fetch).
const FLOW_ID: &str = "f-1";
const CONTENT_PATH: &str = "/api/3.24/sites/s/flows/f-1/content";
/// The peak memory growth allowed while moving the data: half a chunk. Buffering one chunk,
/// let alone the file, would take at least 32 MiB; the client's buffers and the server's
/// (1 MiB for each connection, in the same process) take a few.
const MEMORY_BOUND_MIB: f64 = (CHUNK / MIB / 2) as f64;
/// The share of a transfer's time beyond which the server may be its bottleneck.
const SERVER_LOAD_LIMIT: f64 = 0.9;
/// The curl run as the anchor: `curl` on the PATH unless the `CURL` variable names another.
const CURL: &str = "curl";
const NS: &str = r#"xmlns="http://tableau.com/api""#;

/// Runs the section: writes the file, measures the server alone, then our client and curl.
pub fn run(report: &mut Report) {
    let mib: u64 = env_or("TRANSFER_MB", 1024u64).max(1);
    let reps: u32 = env_or("TRANSFER_REPS", 3u32).max(1);
    let size = mib * MIB;

    let work = WorkDir::create();
    let t = Instant::now();
    let source = work.write_source("bench.tflx", size);
    println!(
        "wrote the {mib} MiB file to send in {:.2} s (not timed): {}",
        t.elapsed().as_secs_f64(),
        source.display()
    );
    let server = Server::start(source.clone());
    let client = client_for(server.addr);
    let curl = Curl::find();
    if curl.is_none() {
        println!("{CURL} cannot be run: our client is measured alone");
    }

    let mut figures = Figures::default();
    // The server alone, driven by a client that does the least a client can.
    for _ in 0..reps {
        figures
            .server_alone
            .upload
            .add(floor_upload(server.addr, &source, size));
        figures
            .server_alone
            .download
            .add(floor_download(server.addr, size));
    }
    figures.memory_before = peak_memory_kib();
    for rep in 0..reps {
        // Who goes first alternates, so that neither always finds the caches as the other left
        // them.
        for ours_turn in [rep % 2 == 0, rep % 2 != 0] {
            if ours_turn {
                figures.ours.add(Round::run(
                    &server,
                    || our_upload(&client, &source, &server, size),
                    || our_download(&client, &work.dir, size),
                ));
            } else if let Some(curl) = &curl {
                figures.curl.add(Round::run(
                    &server,
                    || curl.upload(&server.url(ANCHOR_UPLOAD), &source, &server, size),
                    || curl.download(&server.url(CONTENT_PATH), &work.dir, size),
                ));
            }
        }
    }
    figures.memory_after = peak_memory_kib();

    println!("transfer of {mib} MiB through a loopback server, best of {reps}:");
    figures.print(mib, size);
    figures.check(report);
}

/// What the section measures, each the best of its samples.
#[derive(Default)]
struct Figures {
    /// The server driven by a raw socket client (the last-byte figure unused).
    server_alone: Party,
    ours: Party,
    curl: Party,
    /// The process's peak memory (KiB) before our client's and curl's transfers, and after.
    memory_before: u64,
    memory_after: u64,
}

impl Figures {
    /// The table: a row per transfer, our time and curl's and the ratio of throughputs.
    fn print(&self, mib: u64, size: u64) {
        let requests = if size <= SINGLE_REQUEST_LIMIT {
            1
        } else {
            size.div_ceil(CHUNK) + 2
        };
        println!(
            "  {:<45} {:>20}  {:>20}  {:>9}",
            "", "ours", "curl", "ours/curl"
        );
        let rows = [
            (
                format!("upload ({requests} requests / curl -T, one PUT)"),
                self.ours.upload,
                self.curl.upload,
            ),
            (
                "download into a file, synced to disk".to_owned(),
                self.ours.download,
                self.curl.download,
            ),
            (
                "  of which until the last byte (before sync)".to_owned(),
                self.ours.last_byte,
                self.curl.last_byte,
            ),
        ];
        for (what, ours, curl) in rows {
            println!(
                "  {what:<45} {:>20}  {:>20}  {:>9}",
                ours.text(mib),
                curl.text(mib),
                ratio(ours, curl).map_or("-".to_owned(), |r| format!("{r:.3}"))
            );
        }
        println!(
            "  the server alone (a raw socket client, 1 MiB reads and writes, nothing kept):\n    \
             upload {}, download {}",
            self.server_alone.upload.text(mib),
            self.server_alone.download.text(mib)
        );
        let percent =
            |load: Option<f64>| load.map_or("-".to_owned(), |l| format!("{:.0} %", l * 100.0));
        println!(
            "  the server's CPU time, as a share of a transfer's (at most): upload {} (ours), \
             {} (curl);\n    download until the last byte {} (ours), {} (curl)",
            percent(self.ours.upload_load),
            percent(self.curl.upload_load),
            percent(self.ours.download_load),
            percent(self.curl.download_load),
        );
        // The server is out of the way when, alone, it goes faster than either client, and it
        // is idle for a good part of each transfer.
        let fastest = |a: Sample, b: Sample| [a.0, b.0].into_iter().flatten().min();
        let ways = [
            (
                "upload",
                self.server_alone.upload,
                fastest(self.ours.upload, self.curl.upload),
                max(self.ours.upload_load, self.curl.upload_load),
            ),
            (
                "download",
                self.server_alone.download,
                fastest(self.ours.last_byte, self.curl.last_byte),
                max(self.ours.download_load, self.curl.download_load),
            ),
        ];
        for (way, alone, fastest, load) in ways {
            let slower = alone.0.zip(fastest).is_some_and(|(alone, c)| alone >= c);
            if slower || load.is_some_and(|l| l > SERVER_LOAD_LIMIT) {
                println!(
                    "  WARNING: the server may be what the {way} figures measure (alone, it is no \
                     faster than a client, or it is busy most of a transfer)"
                );
            }
        }
        println!(
            "  peak memory (VmHWM, whole process, server included): {} KiB before the \
             transfers, {} KiB after: {:.1} MiB more",
            self.memory_before,
            self.memory_after,
            self.memory_growth_mib()
        );
    }

    /// The checks: each way against curl (skipped without curl), and the memory's growth.
    fn check(&self, report: &mut Report) {
        let checks = [
            (
                "upload throughput",
                self.ours.upload,
                self.curl.upload,
                "curl -T",
            ),
            (
                "download throughput",
                self.ours.download,
                self.curl.download,
                "curl -o, then fsync",
            ),
            (
                "download throughput, to the last byte",
                self.ours.last_byte,
                self.curl.last_byte,
                "curl -o",
            ),
        ];
        for (what, ours, curl, anchor) in checks {
            match ratio(ours, curl) {
                Some(r) => report.check("transfer", what, r, anchor, Target::AtLeast(0.95)),
                None => report.skip("transfer", format!("{what}: {CURL} cannot be run")),
            }
        }
        report.check(
            "transfer",
            "peak memory growth, MiB",
            self.memory_growth_mib(),
            format!("{MEMORY_BOUND_MIB} (half a chunk)"),
            Target::AtMost(MEMORY_BOUND_MIB),
        );
    }

    fn memory_growth_mib(&self) -> f64 {
        self.memory_after.saturating_sub(self.memory_before) as f64 / 1024.0
    }
}

/// Our throughput over curl's (curl's time over ours), when both were measured.
fn ratio(ours: Sample, curl: Sample) -> Option<f64> {
    match (ours.0, curl.0) {
        (Some(ours), Some(curl)) => Some(curl.as_secs_f64() / ours.as_secs_f64()),
        _ => None,
    }
}

/// One party's best upload, download (whole), and download until its last byte; and the
/// largest share of an upload's (a download's, until its last byte) time that the server was
/// busy, when known.
#[derive(Default)]
struct Party {
    upload: Sample,
    download: Sample,
    last_byte: Sample,
    upload_load: Option<f64>,
    download_load: Option<f64>,
}

impl Party {
    fn add(&mut self, round: Round) {
        self.upload.add(round.upload);
        self.download.add(round.download);
        self.last_byte.add(round.last_byte);
        let load = |busy: Option<Duration>, took: Duration| {
            busy.map(|b| b.as_secs_f64() / took.as_secs_f64())
        };
        self.upload_load = max(self.upload_load, load(round.upload_busy, round.upload));
        self.download_load = max(
            self.download_load,
            load(round.download_busy, round.last_byte),
        );
    }
}

/// The larger of two figures, either of which may be missing.
fn max(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// One upload and one download of a party, and the server's CPU time during each.
struct Round {
    upload: Duration,
    upload_busy: Option<Duration>,
    download: Duration,
    last_byte: Duration,
    download_busy: Option<Duration>,
}

impl Round {
    /// Runs `upload` (its time) then `download` (its time, and its time until its last byte).
    fn run(
        server: &Server,
        upload: impl FnOnce() -> Duration,
        download: impl FnOnce() -> (Duration, Duration),
    ) -> Round {
        let busy = server.busy();
        let up = upload();
        let upload_busy = server
            .busy()
            .zip(busy)
            .map(|(after, before)| after - before);
        let busy = server.busy();
        let (down, last_byte) = download();
        let download_busy = server
            .busy()
            .zip(busy)
            .map(|(after, before)| after - before);
        Round {
            upload: up,
            upload_busy,
            download: down,
            last_byte,
            download_busy,
        }
    }
}

/// The best (shortest) of several timings.
#[derive(Default, Clone, Copy)]
struct Sample(Option<Duration>);

impl Sample {
    fn add(&mut self, d: Duration) {
        self.0 = Some(self.0.map_or(d, |best| best.min(d)));
    }

    /// `1.23 s  832.5 MiB/s` for `mib` moved, or `-`.
    fn text(&self, mib: u64) -> String {
        match self.0 {
            Some(d) => format!(
                "{:.2} s {:>7.1} MiB/s",
                d.as_secs_f64(),
                mib as f64 / d.as_secs_f64()
            ),
            None => "-".to_owned(),
        }
    }
}

/// A fresh folder in the temporary directory, removed with everything in it when dropped.
struct WorkDir {
    dir: PathBuf,
}

impl WorkDir {
    fn create() -> WorkDir {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "tableau-flows-transfer-{}-{stamp}",
            std::process::id()
        ));
        std::fs::create_dir(&dir).expect("create the bench's temporary folder");
        WorkDir { dir }
    }

    /// Writes `size` bytes into `name`: a 1 MiB block of pseudo-random bytes, each copy of it
    /// marked with its index (so that no two MiB are the same), then synced to disk so that
    /// writing it back does not happen during the timings.
    fn write_source(&self, name: &str, size: u64) -> PathBuf {
        let path = self.dir.join(name);
        let mut block = vec![0u8; MIB as usize];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for word in block.chunks_exact_mut(8) {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            word.copy_from_slice(&state.to_le_bytes());
        }
        let mut file = File::create_new(&path).expect("create the file to send");
        let mut left = size;
        let mut index = 0u64;
        while left > 0 {
            block[..8].copy_from_slice(&index.to_le_bytes());
            let n = left.min(MIB) as usize;
            file.write_all(&block[..n]).expect("write the file to send");
            left -= n as u64;
            index += 1;
        }
        file.sync_all().expect("sync the file to send");
        path
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("could not remove {}: {e}", self.dir.display());
        }
    }
}

/// A client of the loopback server, signed in (the server checks no token), failing at once.
fn client_for(addr: SocketAddr) -> Client {
    let client = Client::builder(format!("http://{addr}"))
        .api_version(ApiVersion::new(3, 24))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("build the client");
    client.set_session(Session {
        token: Secret::new("t"),
        site_id: "s".into(),
        user_id: None,
    });
    client
}

/// Publishes the file in 32 MiB chunks; the time it took.
fn our_upload(client: &Client, source: &Path, server: &Server, size: u64) -> Duration {
    let received = server.received();
    let t = Instant::now();
    client
        .publish_flow_file(source, PublishOptions::new("p-1").chunk_size(CHUNK))
        .expect("publish the flow");
    let took = t.elapsed();
    // The file, and the framing of its parts and the XML payloads (a few KiB).
    let got = server.received() - received;
    assert!(
        (size..size + 64 * 1024).contains(&got),
        "the server received {got} bytes for a file of {size}"
    );
    took
}

/// Downloads the flow into `dir` and removes the file; the time it took, and the time until its
/// last byte was written (before the file is synced to disk and moved to its name).
fn our_download(client: &Client, dir: &Path, size: u64) -> (Duration, Duration) {
    let t = Instant::now();
    let last_byte = Arc::new(AtomicU64::new(0));
    let seen = last_byte.clone();
    let options = DownloadOptions::new()
        .file_name("ours.tflx")
        .progress(Arc::new(move |done, total| {
            if Some(done) == total {
                let nanos = u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX);
                seen.store(nanos, Ordering::Relaxed);
            }
        }));
    let path = client
        .download_flow_into(FLOW_ID, dir, options)
        .expect("download the flow");
    let took = t.elapsed();
    let len = std::fs::metadata(&path).expect("the downloaded file").len();
    assert_eq!(len, size, "the downloaded file's size");
    std::fs::remove_file(&path).expect("remove the downloaded file");
    let last_byte = last_byte.load(Ordering::Relaxed);
    assert!(last_byte > 0, "the progress callback saw the last byte");
    (took, Duration::from_nanos(last_byte))
}

/// The anchor: curl, run as a subprocess.
struct Curl {
    program: PathBuf,
}

impl Curl {
    /// `Some` when curl runs.
    fn find() -> Option<Curl> {
        let program = std::env::var_os("CURL").map_or_else(|| PathBuf::from(CURL), PathBuf::from);
        let runs = Command::new(&program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        runs.then_some(Curl { program })
    }

    /// Runs curl with `args`; the time it reports for the transfer (`%{time_total}`: from
    /// before connecting to the last byte, its process's start and end left out).
    fn timed(&self, args: &[&std::ffi::OsStr]) -> Duration {
        let out = Command::new(&self.program)
            .args([
                "--silent",
                "--show-error",
                "--fail",
                "--write-out",
                "%{time_total}",
            ])
            .args(args)
            .output()
            .expect("run curl");
        assert!(
            out.status.success(),
            "curl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let secs: f64 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("curl's %{time_total}");
        Duration::from_secs_f64(secs)
    }

    /// Sends the file in one PUT, streamed from disk (`-T`, where `--data-binary @file` would
    /// read it into memory first).
    fn upload(&self, url: &str, source: &Path, server: &Server, size: u64) -> Duration {
        let received = server.received();
        let took = self.timed(&[
            "--output".as_ref(),
            "/dev/null".as_ref(),
            "--upload-file".as_ref(),
            source.as_os_str(),
            url.as_ref(),
        ]);
        assert_eq!(server.received() - received, size, "curl's upload");
        took
    }

    /// Saves the URL into a file in `dir`, syncs it to disk, and removes it; the time of both,
    /// and curl's alone.
    fn download(&self, url: &str, dir: &Path, size: u64) -> (Duration, Duration) {
        let path = dir.join("curl.tflx");
        let transfer = self.timed(&["--output".as_ref(), path.as_os_str(), url.as_ref()]);
        let t = Instant::now();
        let file = File::open(&path).expect("curl's download");
        file.sync_all().expect("sync curl's download");
        let sync = t.elapsed();
        assert_eq!(
            file.metadata().expect("curl's download").len(),
            size,
            "the size of curl's download"
        );
        drop(file);
        std::fs::remove_file(&path).expect("remove curl's download");
        (transfer + sync, transfer)
    }
}

/// The server alone, upload: a PUT of the file, read and sent 1 MiB at a time.
fn floor_upload(addr: SocketAddr, source: &Path, size: u64) -> Duration {
    let t = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    write!(
        stream,
        "PUT {ANCHOR_UPLOAD} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request head");
    let mut file = File::open(source).expect("open the file to send");
    let sent = copy_file(&mut file, &mut stream).expect("send the file");
    assert_eq!(sent, size);
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("read the answer");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "the server's answer");
    t.elapsed()
}

/// Copies a file into a socket 1 MiB at a time; the number of bytes. (Not `io::copy`, which is
/// `sendfile` on Linux: three times slower into a loopback socket, as measured here.)
fn copy_file(file: &mut File, socket: &mut TcpStream) -> io::Result<u64> {
    let mut buf = vec![0u8; SINK_BUFFER];
    let mut sent = 0;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(sent),
            Ok(n) => {
                socket.write_all(&buf[..n])?;
                sent += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The server alone, download: a GET of the file, received into a 1 MiB buffer and dropped.
fn floor_download(addr: SocketAddr, size: u64) -> Duration {
    let t = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream.set_nodelay(true).expect("TCP_NODELAY");
    write!(
        stream,
        "GET {CONTENT_PATH} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut buf = vec![0u8; SINK_BUFFER];
    let mut received = 0u64;
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => received += n as u64,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => panic!("receive the file: {e}"),
        }
    }
    assert!(received > size, "the answer holds the file");
    t.elapsed()
}

/// The loopback server: a thread per connection, keep-alive; counts the body bytes it receives.
struct Server {
    addr: SocketAddr,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
}

/// What the server's threads count.
#[derive(Default)]
struct Counters {
    /// The request body bytes received.
    received: AtomicU64,
    /// The CPU time (ns) spent on requests, from reading a body to the end of the answer.
    busy_ns: AtomicU64,
}

impl Server {
    /// Listens on a free loopback port, serving `file` as the flow's content.
    fn start(file: PathBuf) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("the server's address");
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (counter, stopped) = (counters.clone(), stop.clone());
        let file = Arc::new(file);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (file, counter) = (file.clone(), counter.clone());
                std::thread::spawn(move || {
                    if let Err(e) = serve_connection(stream, &file, &counter) {
                        eprintln!("transfer server: {e}");
                    }
                });
            }
        });
        Server {
            addr,
            counters,
            stop,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The request body bytes received so far.
    fn received(&self) -> u64 {
        self.counters.received.load(Ordering::Relaxed)
    }

    /// The CPU time spent on requests so far (`None` where threads' CPU times are unknown).
    fn busy(&self) -> Option<Duration> {
        thread_cpu_ns()?;
        Some(Duration::from_nanos(
            self.counters.busy_ns.load(Ordering::Relaxed),
        ))
    }
}

impl Drop for Server {
    /// Stops accepting: the flag is raised, then a connection wakes the accepting thread.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(self.addr);
    }
}

/// What the server needs of a request head.
struct Head {
    method: String,
    target: String,
    content_length: u64,
    chunked: bool,
    expects_continue: bool,
    close: bool,
}

/// Reads a request head; `None` when the connection ends before one starts.
fn read_head(reader: &mut impl BufRead) -> io::Result<Option<Head>> {
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut words = line.split_ascii_whitespace();
    let (Some(method), Some(target)) = (words.next(), words.next()) else {
        return Err(bad(format!("request line {line:?}")));
    };
    let mut head = Head {
        method: method.to_owned(),
        target: target.to_owned(),
        content_length: 0,
        chunked: false,
        expects_continue: false,
        close: false,
    };
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Ok(Some(head));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad(format!("header {line:?}")));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                head.content_length = value.parse().map_err(|_| bad(line.to_owned()))?;
            }
            "expect" => head.expects_continue = value.eq_ignore_ascii_case("100-continue"),
            "connection" => head.close = value.eq_ignore_ascii_case("close"),
            // A body of unknown length (ureq sends a bodiless POST so).
            "transfer-encoding" => head.chunked = value.eq_ignore_ascii_case("chunked"),
            _ => {}
        }
    }
}

/// Serves the requests of one connection until it ends or asks to be closed.
fn serve_connection(stream: TcpStream, file: &Path, counters: &Counters) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut out = stream.try_clone()?;
    let mut reader = BufReader::with_capacity(SINK_BUFFER, stream);
    while let Some(head) = read_head(&mut reader)? {
        let cpu = thread_cpu_ns();
        if head.expects_continue {
            out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        let body = if head.chunked {
            drop_chunked(&mut reader)?
        } else {
            drop_bytes(&mut reader, head.content_length)?;
            head.content_length
        };
        counters.received.fetch_add(body, Ordering::Relaxed);
        respond(&mut out, &head, file)?;
        if let (Some(before), Some(after)) = (cpu, thread_cpu_ns()) {
            counters
                .busy_ns
                .fetch_add(after.saturating_sub(before), Ordering::Relaxed);
        }
        if head.close {
            break;
        }
    }
    Ok(())
}

/// The CPU time of the calling thread, in ns (from `/proc/thread-self/schedstat`, Linux).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Reads `len` bytes of a body into the reader's buffer (a read of up to 1 MiB at a time) and
/// drops them.
fn drop_bytes(reader: &mut impl BufRead, len: u64) -> io::Result<()> {
    let mut left = len;
    while left > 0 {
        let available = reader.fill_buf()?.len();
        if available == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let n = available.min(usize::try_from(left).unwrap_or(usize::MAX));
        reader.consume(n);
        left -= n as u64;
    }
    Ok(())
}

/// Reads a body sent in chunks (`Transfer-Encoding: chunked`) and drops it; its length.
fn drop_chunked(reader: &mut impl BufRead) -> io::Result<u64> {
    let mut total = 0;
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.trim_end().split(';').next().unwrap_or_default();
        let size = u64::from_str_radix(size, 16).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, format!("chunk size {line:?}"))
        })?;
        if size == 0 {
            // The trailer, up to the empty line.
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                    return Ok(total);
                }
            }
        }
        drop_bytes(reader, size)?;
        total += size;
        line.clear();
        reader.read_line(&mut line)?; // the CRLF after the chunk
    }
}

/// Answers a request whose body was read: the flow's content, or the XML of each step of the
/// chunked publish.
fn respond(out: &mut TcpStream, head: &Head, file: &Path) -> io::Result<()> {
    let path = head.target.split('?').next().unwrap_or_default();
    let xml = match (head.method.as_str(), path) {
        ("GET", CONTENT_PATH) => {
            let mut content = File::open(file)?;
            let len = content.metadata()?.len();
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                 Content-Disposition: attachment; filename=\"bench.tflx\"\r\n\
                 Content-Length: {len}\r\n\r\n"
            )?;
            copy_file(&mut content, out)?;
            return Ok(());
        }
        ("PUT", ANCHOR_UPLOAD) => {
            return out.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        }
        ("POST", p) if p.ends_with("/fileUploads") => format!(
            r#"<tsResponse {NS}><fileUpload uploadSessionId="1:AB-1:0" fileSize="0"/></tsResponse>"#
        ),
        ("PUT", p) if p.contains("/fileUploads/") => format!(
            r#"<tsResponse {NS}><fileUpload uploadSessionId="1:AB-1:0" fileSize="0"/></tsResponse>"#
        ),
        ("POST", p) if p.ends_with("/flows") => format!(
            r#"<tsResponse {NS}><flow id="{FLOW_ID}" name="bench"><project id="p-1"/><owner id="u-1"/></flow></tsResponse>"#
        ),
        _ => {
            return out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        }
    };
    // Head and body in one write: one segment, no wait on a delayed ACK.
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{xml}",
        xml.len()
    );
    out.write_all(answer.as_bytes())
}
