//! Faults of broken or hostile servers, each played by a scripted server: every one ends in a
//! typed error naming what went wrong, or in a correct recovery, within its deadline; nothing on
//! disk is overwritten or filled; and what the client writes round-trips or is refused.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tableau_flows_tests::tf::*;

/// What a scripted server does with one connection, after reading one request from it.
type Step = Box<dyn FnOnce(&mut TcpStream) + Send>;

/// A server that answers the n-th connection with the n-th step, recording each request's
/// head and body; a connection beyond the script is closed at once.
struct Scripted {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    fn start(steps: Vec<Step>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let recorded = requests.clone();
        std::thread::spawn(move || {
            let mut steps = steps.into_iter();
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                recorded.lock().unwrap().push(request);
                match steps.next() {
                    Some(step) => {
                        std::thread::spawn(move || step(&mut stream));
                    }
                    None => drop(stream),
                }
            }
        });
        Scripted { url, requests }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// A client speaking 3.24, signed in, configured further by `f`.
    fn client(&self, f: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
        let builder = Client::builder(self.url.clone())
            .api_version(ApiVersion::new(3, 24))
            .retry_policy(RetryPolicy::none());
        let client = f(builder).build().unwrap();
        client.set_session(Session {
            token: Secret::new("token-1"),
            site_id: "site-1".into(),
            user_id: None,
        });
        client
    }
}

/// Reads a request's head and its `Content-Length` body; the head in lower case.
fn read_request(stream: &mut TcpStream) -> Option<String> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut data = Vec::new();
    let mut byte = [0u8; 1];
    while !data.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        data.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&data).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    Some(format!("{head}{}", String::from_utf8_lossy(&body)))
}

fn head(status: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// Answers `body` whole.
fn whole(body: Vec<u8>, headers: Vec<(&'static str, String)>) -> Step {
    Box::new(move |s| {
        let mut headers = headers;
        headers.push(("Content-Length", body.len().to_string()));
        let _ = s.write_all(&head("200 OK", &headers));
        let _ = s.write_all(&body);
    })
}

/// Announces `body` whole, sends its first `sent` bytes, then closes the connection.
fn broken_after(body: Vec<u8>, sent: usize) -> Step {
    Box::new(move |s| {
        let headers = [
            ("Content-Type", "application/xml".to_owned()),
            ("Content-Length", body.len().to_string()),
        ];
        let _ = s.write_all(&head("200 OK", &headers));
        let _ = s.write_all(&body[..sent]);
        let _ = s.flush();
        let _ = s.shutdown(std::net::Shutdown::Both);
    })
}

/// Announces `length` bytes and sends one every `every` until the client goes (or 20 s).
fn trickle(length: usize, every: Duration, headers: Vec<(&'static str, String)>) -> Step {
    Box::new(move |s| {
        let mut headers = headers;
        headers.push(("Content-Length", length.to_string()));
        let _ = s.write_all(&head("200 OK", &headers));
        let until = Instant::now() + Duration::from_secs(20);
        for _ in 0..length {
            if Instant::now() > until || s.write_all(b"x").is_err() {
                return;
            }
            std::thread::sleep(every);
        }
    })
}

fn flow_document() -> Vec<u8> {
    let steps: String = (0..50)
        .map(|i| format!(r#"<flowOutputStep id="step-{i}" name="Output {i}"/>"#))
        .collect();
    format!(
        r#"<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api"><flow id="f1" name="Sales"/><flowOutputSteps>{steps}</flowOutputSteps></tsResponse>"#
    )
    .into_bytes()
}

fn retries(attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        initial_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(20),
        max_elapsed: Duration::from_secs(10),
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tableau-flows-faults-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// --- deadline and stall -------------------------------------------------------------------------

#[test]
fn a_trickled_answer_ends_at_the_call_deadline_retries_included() {
    let xml = vec![("Content-Type", "application/xml".to_owned())];
    let every = Duration::from_millis(50);
    let server = Scripted::start(vec![
        trickle(100_000, every, xml.clone()),
        trickle(100_000, every, xml.clone()),
        trickle(100_000, every, xml),
    ]);
    let client = server.client(|b| b.timeout(Duration::from_secs(1)).retry_policy(retries(3)));
    let started = Instant::now();
    let err = client.query_flow("f1").send().unwrap_err();
    let took = started.elapsed();
    assert!(
        matches!(err, CallError::DeadlineExceeded { limit } if limit == Duration::from_secs(1)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the call did not finish within its deadline of 1 s"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_long_healthy_download_goes_on_past_the_deadline_and_a_stalled_one_fails() {
    let file = vec![
        ("Content-Type", "application/octet-stream".to_owned()),
        (
            "Content-Disposition",
            "attachment; filename=\"slow.tflx\"".to_owned(),
        ),
    ];
    // 30 bytes, one every 50 ms: 1.5 s, three times the call deadline, never a stall.
    let server = Scripted::start(vec![trickle(30, Duration::from_millis(50), file.clone())]);
    let client = server.client(|b| {
        b.timeout(Duration::from_millis(500))
            .stall_timeout(Duration::from_millis(400))
    });
    let mut out = Vec::new();
    let (bytes, name) = client
        .download_flow_to("f1", &mut out, DownloadOptions::new())
        .unwrap();
    assert_eq!((bytes, name.as_deref()), (30, Some("slow.tflx")));

    // 10 of 100 bytes, then nothing.
    let stalled: Step = Box::new(move |s| {
        let mut headers = file;
        headers.push(("Content-Length", "100".to_owned()));
        let _ = s.write_all(&head("200 OK", &headers));
        let _ = s.write_all(&[7u8; 10]);
        std::thread::sleep(Duration::from_secs(5));
    });
    let server = Scripted::start(vec![stalled]);
    let client = server.client(|b| b.stall_timeout(Duration::from_millis(300)));
    let started = Instant::now();
    let err = client
        .download_flow_to("f1", &mut Vec::new(), DownloadOptions::new())
        .unwrap_err();
    assert!(
        matches!(err, Error::Stalled { limit, transferred: 10 } if limit == Duration::from_millis(300)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the transfer stalled: no byte moved for 300 ms (after 10 bytes)"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

// --- retries when the answer breaks off ---------------------------------------------------------

#[test]
fn an_idempotent_call_broken_mid_answer_is_retried() {
    let doc = flow_document();
    let xml = vec![("Content-Type", "application/xml".to_owned())];
    let server = Scripted::start(vec![broken_after(doc.clone(), 200), whole(doc, xml)]);
    let client = server.client(|b| b.retry_policy(retries(3)));
    let flow = client.query_flow("f1").send().unwrap();
    assert_eq!(flow.output_steps.len(), 50);
    assert_eq!(server.requests().len(), 2, "one retry");
}

#[test]
fn after_the_last_try_the_error_says_the_answer_broke_off_after_n_bytes() {
    let doc = flow_document();
    let server = Scripted::start(vec![
        broken_after(doc.clone(), 200),
        broken_after(doc.clone(), 200),
        broken_after(doc, 200),
    ]);
    let client = server.client(|b| b.retry_policy(retries(3)));
    let err = client.query_flow("f1").send().unwrap_err();
    assert!(
        matches!(err, CallError::Interrupted { received: 200, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with("the connection broke after 200 bytes of the answer"),
        "{message}"
    );
    assert!(!message.contains("cannot reach"), "{message}");
    assert_eq!(server.requests().len(), 3, "every attempt of the policy");
}

#[test]
fn a_call_that_is_not_idempotent_is_not_repeated_when_its_answer_breaks_off() {
    let job = br#"<tsResponse xmlns="http://tableau.com/api"><job id="j1" mode="Asynchronous" type="RunFlow"/></tsResponse>"#.to_vec();
    let server = Scripted::start(vec![broken_after(job.clone(), 30), broken_after(job, 30)]);
    let client = server.client(|b| b.retry_policy(retries(3)));
    let err = client
        .run_flow_now("f1", RunFlowNowRequest::default())
        .send()
        .unwrap_err();
    assert!(
        matches!(err, CallError::Interrupted { received: 30, .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1, "a run is never started twice");
}

#[test]
fn a_download_broken_off_starts_again_into_a_fresh_file() {
    let dir = scratch("restart");
    let body = vec![42u8; 5000];
    let file = vec![
        ("Content-Type", "application/octet-stream".to_owned()),
        (
            "Content-Disposition",
            "attachment; filename=\"flow.tflx\"".to_owned(),
        ),
    ];
    let broken: Step = {
        let body = body.clone();
        let mut headers = file.clone();
        headers.push(("Content-Length", body.len().to_string()));
        Box::new(move |s| {
            let _ = s.write_all(&head("200 OK", &headers));
            let _ = s.write_all(&body[..1000]);
            let _ = s.shutdown(std::net::Shutdown::Both);
        })
    };
    let server = Scripted::start(vec![broken, whole(body.clone(), file)]);
    let client = server.client(|b| b.retry_policy(retries(2)));
    let path = client
        .download_flow_into("f1", &dir, DownloadOptions::new())
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), body);
    assert_eq!(listing(&dir), ["flow.tflx"], "no partial file left");
}

// --- downloads: no inflation without bound, no overwriting ---------------------------------------

#[test]
fn a_gzip_bomb_download_is_bounded_and_leaves_nothing() {
    use flate2::{Compression, write::GzEncoder};
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..16 {
        gz.write_all(&zeros).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 64 * 1024, "16 MiB in {} bytes", bomb.len());
    let headers = vec![
        ("Content-Type", "application/octet-stream".to_owned()),
        ("Content-Encoding", "gzip".to_owned()),
        (
            "Content-Disposition",
            "attachment; filename=\"bomb.tflx\"".to_owned(),
        ),
    ];
    let server = Scripted::start(vec![whole(bomb, headers)]);
    let client = server.client(|b| b.max_inflated_download_bytes(1024 * 1024));
    let dir = scratch("bomb");
    let err = client
        .download_flow_into("f1", &dir, DownloadOptions::new())
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit } if limit == 1024 * 1024),
        "{err:?}"
    );
    assert!(listing(&dir).is_empty(), "{:?}", listing(&dir));
    let request = &server.requests()[0];
    assert!(
        request.contains("accept-encoding: identity\r\n"),
        "{request}"
    );
}

#[test]
fn a_download_sent_as_it_is_has_no_inflation_bound() {
    // `max_inflated_download_bytes` bounds what an encoded answer inflates to; a file sent as it
    // is may be larger (a download over the default 256 MiB was refused before).
    let file: Vec<u8> = (0..2 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let server = Scripted::start(vec![file_answer("big.tflx", &file)]);
    let client = server.client(|b| b.max_inflated_download_bytes(1024 * 1024));
    let dir = scratch("unbounded");
    let path = client
        .download_flow_into("f1", &dir, DownloadOptions::new())
        .unwrap();
    assert_eq!(path, dir.join("big.tflx"));
    assert!(
        std::fs::read(&path).unwrap() == file,
        "the file arrives whole"
    );
}

fn file_answer(name: &str, body: &[u8]) -> Step {
    whole(
        body.to_vec(),
        vec![
            ("Content-Type", "application/octet-stream".to_owned()),
            (
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ),
        ],
    )
}

#[test]
fn a_download_never_overwrites_a_file_nor_makes_a_hidden_one() {
    let dir = scratch("overwrite");
    std::fs::write(dir.join("bashrc"), "mine").unwrap();
    let server = Scripted::start(vec![
        file_answer(".bashrc", b"theirs"),
        file_answer("../../etc/.profile", b"theirs"),
        file_answer(".bashrc", b"theirs"),
    ]);
    let client = server.client(|b| b);
    // The server's name loses its leading dot and its folders, and still does not overwrite.
    let err = client
        .download_flow_into("f1", &dir, DownloadOptions::new())
        .unwrap_err();
    assert!(
        matches!(&err, Error::FileExists(p) if p == &dir.join("bashrc")),
        "{err:?}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("bashrc")).unwrap(), "mine");
    let path = client
        .download_flow_into("f1", &dir, DownloadOptions::new())
        .unwrap();
    assert_eq!(path, dir.join("profile"));
    assert_eq!(listing(&dir), ["bashrc", "profile"]);
    // Unless asked.
    client
        .download_flow_into("f1", &dir, DownloadOptions::new().overwrite(true))
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("bashrc")).unwrap(),
        "theirs"
    );
}

#[test]
fn a_file_that_appears_during_the_download_is_kept_and_the_file_appears_only_when_complete() {
    let dir = scratch("appears");
    let server = Scripted::start(vec![file_answer("flow.tflx", &[1u8; 200_000])]);
    let client = server.client(|b| b);
    let target = dir.join("flow.tflx");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (t, s) = (target.clone(), seen.clone());
    let progress: Progress = Arc::new(move |done, _| {
        let mut seen = s.lock().unwrap();
        if seen.is_empty() {
            // Mid-download: the target is not there yet; someone else writes it now.
            seen.push(t.exists());
            std::fs::write(&t, "someone else's").unwrap();
        }
        let _ = done;
    });
    let err = client
        .download_flow_into("f1", &dir, DownloadOptions::new().progress(progress))
        .unwrap_err();
    assert_eq!(
        *seen.lock().unwrap(),
        [false],
        "no file before it is complete"
    );
    assert!(
        matches!(&err, Error::FileExists(p) if p == &target),
        "{err:?}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "someone else's");
    assert_eq!(listing(&dir), ["flow.tflx"], "no partial file left");
}

/// Whether `path` is a character device (not following a link).
#[cfg(unix)]
fn is_char_device(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

#[cfg(unix)]
#[test]
fn a_download_writes_into_devices_and_fifos_and_never_replaces_them() {
    use std::os::unix::fs::FileTypeExt;
    let body = b"flow bytes".to_vec();
    let server = Scripted::start(vec![
        file_answer("x.tflx", &body),
        file_answer("x.tflx", &body),
        file_answer("x.tflx", &body),
    ]);
    let client = server.client(|b| b);
    assert!(is_char_device(Path::new("/dev/null")));
    // Without overwrite: /dev/null is no file anyone would lose. (This comes first: had it
    // failed, nothing below would go near /dev/null with overwrite.)
    let path = client
        .download_flow_into("f1", "/dev", DownloadOptions::new().file_name("null"))
        .unwrap();
    assert_eq!(path, Path::new("/dev/null"));
    assert!(is_char_device(Path::new("/dev/null")), "still a device");
    let path = client
        .download_flow_into(
            "f1",
            "/dev",
            DownloadOptions::new().file_name("null").overwrite(true),
        )
        .unwrap();
    assert_eq!(path, Path::new("/dev/null"));
    assert!(is_char_device(Path::new("/dev/null")), "still a device");

    // A FIFO is written into, as it is.
    let dir = scratch("fifo");
    let fifo = dir.join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reading = fifo.clone();
    let reader = std::thread::spawn(move || std::fs::read(&reading).unwrap());
    client
        .download_flow_into("f1", &dir, DownloadOptions::new().file_name("pipe"))
        .unwrap();
    assert_eq!(reader.join().unwrap(), body);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(listing(&dir), ["pipe"], "no partial file");
}

#[cfg(unix)]
#[test]
fn a_download_follows_a_link_to_a_file_only_to_overwrite_it_and_refuses_other_links() {
    let dir = scratch("links");
    let body = b"theirs".to_vec();
    let server = Scripted::start(vec![file_answer("x.tflx", &body)]);
    let client = server.client(|b| b);
    std::fs::write(dir.join("real.tflx"), "mine").unwrap();
    std::os::unix::fs::symlink("real.tflx", dir.join("link.tflx")).unwrap();
    std::os::unix::fs::symlink("nowhere.tflx", dir.join("dangling.tflx")).unwrap();
    std::fs::create_dir(dir.join("folder")).unwrap();
    std::os::unix::fs::symlink("folder", dir.join("to-folder")).unwrap();

    // Without overwrite, a link to a file is an existing file.
    let err = client
        .download_flow_into("f1", &dir, DownloadOptions::new().file_name("link.tflx"))
        .unwrap_err();
    assert!(
        matches!(&err, Error::FileExists(p) if p == &dir.join("link.tflx")),
        "{err:?}"
    );
    // A dangling link, a link to a directory and a directory are refused, named, with or
    // without overwrite, before anything is asked of the server.
    for name in ["dangling.tflx", "to-folder", "folder"] {
        for overwrite in [false, true] {
            let err = client
                .download_flow_into(
                    "f1",
                    &dir,
                    DownloadOptions::new().file_name(name).overwrite(overwrite),
                )
                .unwrap_err();
            let Error::InvalidArgument(message) = &err else {
                panic!("{name}: {err:?}")
            };
            assert!(
                message.contains(&dir.join(name).display().to_string()),
                "{message}"
            );
        }
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // With overwrite, written through: the link stays a link, the file gets the flow.
    let path = client
        .download_flow_into(
            "f1",
            &dir,
            DownloadOptions::new()
                .file_name("link.tflx")
                .overwrite(true),
        )
        .unwrap();
    assert_eq!(path, dir.join("link.tflx"));
    assert!(
        std::fs::symlink_metadata(dir.join("link.tflx"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(dir.join("real.tflx")).unwrap(), body);
    assert_eq!(
        listing(&dir),
        [
            "dangling.tflx",
            "folder",
            "link.tflx",
            "real.tflx",
            "to-folder"
        ],
        "no partial file"
    );
}

#[test]
fn a_name_as_long_as_the_file_system_takes_downloads_and_file_errors_name_their_path() {
    let dir = scratch("long-name");
    // 255 bytes, the most most file systems take: the partial file's name must not add to it.
    let long = format!("{}.tflx", "a".repeat(250));
    assert_eq!(long.len(), 255);
    let server = Scripted::start(vec![
        file_answer(&long, b"flow"),
        file_answer("x.tflx", b"flow"),
    ]);
    let client = server.client(|b| b);
    let path = client
        .download_flow_into("f1", &dir, DownloadOptions::new())
        .unwrap();
    assert_eq!(path, dir.join(&long));
    assert_eq!(std::fs::read(&path).unwrap(), b"flow");
    assert_eq!(listing(&dir), [long]);
    // A folder that is not there: the error names the path.
    let missing = dir.join("missing");
    let err = client
        .download_flow_into("f1", &missing, DownloadOptions::new())
        .unwrap_err();
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );
    // Publishing a file that is not there.
    let file = dir.join("absent.tflx");
    let err = client
        .publish_flow_file(&file, PublishOptions::new("p1"))
        .unwrap_err();
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
    let err = FilePart::from_path(&file).unwrap_err();
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
}

// --- path parameters ----------------------------------------------------------------------------

#[test]
fn empty_and_dot_segment_ids_are_refused_before_sending() {
    let server = Scripted::start(Vec::new());
    let client = server.client(|b| b);
    for id in ["", " ", ".", ".."] {
        let err = client.delete_flow(id).send().unwrap_err();
        let CallError::InvalidArgument(message) = &err else {
            panic!("{id:?}: {err:?}")
        };
        assert!(
            message.starts_with("the path parameter flow_id "),
            "{message}"
        );
        let err = client.get_flow_run(id).send().unwrap_err();
        assert!(err.to_string().contains("flow_run_id"), "{err}");
        let err = client
            .raw("delete_flow")
            .unwrap()
            .path("flow_id", id)
            .send()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    }
    // A dot inside an id is an id like any other.
    let err = client.delete_flow("a..b").send().unwrap_err();
    assert!(!matches!(err, CallError::InvalidArgument(_)), "{err:?}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(requests[0].starts_with("delete /api/3.24/sites/site-1/flows/a..b "));
}

#[test]
fn empty_and_blank_names_are_refused_before_any_request() {
    let server = Scripted::start(Vec::new());
    let client = server.client(|b| b);
    for name in ["", " ", "\t \n"] {
        let errors = [
            client.find_flow(name).unwrap_err(),
            client.find_project(name).unwrap_err(),
            client.find_user(name).unwrap_err(),
            client.find_group(name).unwrap_err(),
            client.find_schedule(name).unwrap_err(),
            Flow::default().find_parameter(name).unwrap_err(),
        ];
        for err in errors {
            let Error::InvalidArgument(message) = &err else {
                panic!("{name:?}: {err:?}")
            };
            assert!(message.contains("names nothing"), "{message}");
        }
    }
    assert_eq!(server.requests(), Vec::<String>::new());
}

#[test]
fn durations_up_to_duration_max_panic_nowhere() {
    use tableau_flows_mock::MockServer;
    let server = MockServer::builder()
        .run_timing(Duration::from_millis(10), Duration::from_millis(50))
        .start()
        .unwrap();
    let huge = Duration::MAX;
    let client = Client::builder(server.url())
        .connect_timeout(huge)
        .read_timeout(huge)
        .timeout(huge)
        .stall_timeout(huge)
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            initial_backoff: huge,
            max_backoff: huge,
            max_elapsed: huge,
        })
        .build()
        .unwrap();
    client
        .sign_in_with(
            Credentials::personal_access_token(
                tableau_flows_mock::demo::PAT_NAME,
                tableau_flows_mock::demo::PAT_SECRET,
            ),
            "",
        )
        .unwrap();
    assert!(
        !client
            .query_flows_for_site()
            .send()
            .unwrap()
            .flows
            .is_empty()
    );
    let started = client
        .run_flow(tableau_flows_mock::demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap();
    let run = client
        .wait_for_flow_run(
            started.flow_run_id().unwrap(),
            WaitOptions::new()
                .timeout(huge)
                .interval(Duration::from_millis(20), huge),
        )
        .unwrap();
    assert_eq!(run.status, Some(RunStatus::Success));
    let mut file = Vec::new();
    client
        .download_flow_to(
            tableau_flows_mock::demo::COFFEE_FLOW_ID,
            &mut file,
            DownloadOptions::new(),
        )
        .unwrap();
    assert!(!file.is_empty());
    // Waiting as long as can be for a run that goes on: polls, and stops when cancelled.
    let slow = MockServer::builder()
        .run_timing(Duration::from_millis(10), Duration::from_secs(60))
        .start()
        .unwrap();
    let client = tableau_flows_tests::demo_admin(&slow);
    let started = client
        .run_flow(tableau_flows_mock::demo::COFFEE_FLOW_ID, RunOptions::new())
        .unwrap();
    let cancel = CancelToken::new();
    let raiser = cancel.clone();
    let later = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        raiser.cancel();
    });
    let err = client
        .wait_for_flow_run(
            started.flow_run_id().unwrap(),
            WaitOptions::new()
                .timeout(huge)
                .interval(huge, huge)
                .cancel(cancel),
        )
        .unwrap_err();
    later.join().unwrap();
    assert!(matches!(err, Error::Cancelled(_)), "{err:?}");
    // The policy's own arithmetic too.
    let policy = RetryPolicy {
        max_attempts: 3,
        initial_backoff: huge,
        max_backoff: huge,
        max_elapsed: huge,
    };
    for retry in [1, 2, 40] {
        assert!(policy.delay(retry, None) <= Duration::from_secs(366 * 24 * 3600));
        assert!(policy.delay(retry, Some(huge)) <= Duration::from_secs(366 * 24 * 3600));
    }
}

// --- the XML writer -----------------------------------------------------------------------------

fn connection(address: &str) -> UpdateFlowConnectionRequest {
    UpdateFlowConnectionRequest {
        connection: ConnectionUpdate {
            server_address: Some(address.to_owned()),
            ..Default::default()
        },
    }
}

#[test]
fn tab_newline_and_carriage_return_in_attributes_round_trip() {
    let text = "a\tb\nc\rd  e\r\n";
    let xml = connection(text).encode().unwrap();
    assert!(
        xml.contains(r#"serverAddress="a&#9;b&#10;c&#13;d  e&#13;&#10;""#),
        "{xml}"
    );
    let back = UpdateFlowConnectionRequest::decode_request(xml.as_bytes()).unwrap();
    assert_eq!(back.connection.server_address.as_deref(), Some(text));
    // And through an independent parser.
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let node = doc
        .descendants()
        .find(|n| n.has_tag_name("connection"))
        .unwrap();
    assert_eq!(node.attribute("serverAddress"), Some(text));
}

#[test]
fn a_character_xml_cannot_hold_is_refused_naming_the_field_and_nothing_is_sent() {
    for c in ['\u{0}', '\u{1}', '\u{1b}', '\u{fffe}', '\u{ffff}'] {
        let err = connection(&format!("db{c}host")).encode().unwrap_err();
        assert_eq!(err.field(), "tsRequest/connection/@serverAddress");
        assert_eq!(
            err,
            EncodeError::NotXmlChar {
                field: "tsRequest/connection/@serverAddress".into(),
                character: c
            }
        );
    }
    let server = Scripted::start(Vec::new());
    let client = server.client(|b| b);
    let err = client
        .update_flow_connection("f1", "c1", connection("db\u{1b}[31m"))
        .send()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot encode the request: tsRequest/connection/@serverAddress holds the character U+001B, which XML 1.0 cannot hold"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn a_request_holding_a_character_xml_cannot_hold_is_malformed() {
    for body in [
        "<tsRequest><connection serverAddress=\"a&#1;b\"/></tsRequest>",
        "<tsRequest><connection serverAddress=\"a&#x1B;b\"/></tsRequest>",
        "<tsRequest><connection serverAddress=\"a&#xFFFE;b\"/></tsRequest>",
        "<tsRequest><connection serverAddress=\"a\u{1}b\"/></tsRequest>",
        "<tsRequest><connection serverAddress=\"ab\"/>\u{7}</tsRequest>",
        "<tsRequest><connection serverAddress=\"ab\"/>&#8;</tsRequest>",
        "<tsRequest><connection serverAddress=\"a\u{ffff}b\"/></tsRequest>",
    ] {
        let err = UpdateFlowConnectionRequest::decode_request(body.as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .contains("is not a character XML 1.0 can hold"),
            "{body:?}: {err}"
        );
    }
}

#[test]
fn content_outside_the_root_element_is_malformed() {
    for body in [
        "<tsRequest/>junk",
        "<tsRequest/><tsRequest/>",
        "junk<tsRequest/>",
        "<tsRequest/>&#65;",
        "<tsRequest/><![CDATA[x]]>",
    ] {
        let err = UpdateFlowConnectionRequest::decode_request(body.as_bytes()).unwrap_err();
        assert!(
            err.to_string().contains("content outside the root element"),
            "{body:?}: {err}"
        );
    }
    // Whitespace, comments and a declaration are fine.
    UpdateFlowConnectionRequest::decode_request(
        b"<?xml version='1.0'?>\n<!-- c --><tsRequest><connection serverPort=\"1\"/></tsRequest>\n",
    )
    .unwrap();
}

#[test]
fn a_flow_named_beyond_ascii_downloads_under_its_name() {
    use tableau_flows_mock::{MockServer, demo};
    let server = MockServer::builder().start().unwrap();
    let client = tableau_flows_tests::demo_admin(&server);
    let bytes = demo::flow_file_bytes();
    let published = client
        .publish_flow_reader(
            "Café Cleanup.tfl",
            std::io::Cursor::new(bytes.clone()),
            bytes.len() as u64,
            PublishOptions::new(demo::PROJECT_ID).name("Café Cleanup"),
        )
        .unwrap();
    let dir = scratch("non-ascii");
    let path = client
        .download_flow_into(published.flow.id.clone(), &dir, DownloadOptions::new())
        .unwrap();
    assert_eq!(path, dir.join("Café Cleanup.tfl"));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let (_, name) = client
        .download_flow_to(published.flow.id, &mut Vec::new(), DownloadOptions::new())
        .unwrap();
    assert_eq!(name.as_deref(), Some("Café Cleanup.tfl"));
}

/// Answers `body` whole with `status` and `headers`.
fn answer(status: &'static str, body: Vec<u8>, headers: Vec<(&'static str, String)>) -> Step {
    Box::new(move |s| {
        let mut headers = headers;
        headers.push(("Content-Length", body.len().to_string()));
        let _ = s.write_all(&head(status, &headers));
        let _ = s.write_all(&body);
    })
}

#[test]
fn a_second_root_element_is_malformed_even_when_it_holds_an_error() {
    let xml = vec![("Content-Type", "application/xml".to_owned())];
    let error = r#"<tsResponse xmlns="http://tableau.com/api"><error code="403004"><summary>Forbidden</summary><detail>no</detail></error></tsResponse>"#;
    let mut flow = flow_document();
    flow.extend_from_slice(error.as_bytes());
    let empty = format!(r#"<tsResponse xmlns="http://tableau.com/api"/>{error}"#);
    let server = Scripted::start(vec![
        whole(flow, xml.clone()),
        whole(empty.into_bytes(), xml.clone()),
        // Whitespace, comments and processing instructions after the root are fine.
        whole(
            [flow_document(), b"\n<!-- end --><?pi x?>\n".to_vec()].concat(),
            xml,
        ),
    ]);
    let client = server.client(|b| b);
    let err = client.query_flow("f1").send().unwrap_err();
    assert!(
        matches!(&err, CallError::Decode(d) if d.to_string().contains("content after the root element")),
        "{err:?}"
    );
    // An answer documented without a body is checked too.
    let err = client.delete_flow("f1").send().unwrap_err();
    assert!(
        matches!(&err, CallError::Decode(d) if d.to_string().contains("content after the root element")),
        "{err:?}"
    );
    let flow = client.query_flow("f1").send().unwrap();
    assert_eq!(flow.flow.id.as_str(), "f1");
}

#[test]
fn a_redirect_names_its_status_and_location_and_is_not_followed() {
    let server = Scripted::start(vec![
        answer(
            "301 Moved Permanently",
            Vec::new(),
            vec![("Location", "https://elsewhere.example/api".to_owned())],
        ),
        answer("302 Found", b"moved".to_vec(), Vec::new()),
    ]);
    let client = server.client(|b| b);
    let err = client.query_flow("f1").send().unwrap_err();
    assert!(
        matches!(&err, CallError::Redirected { status: 301, location: Some(l) } if l == "https://elsewhere.example/api"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "HTTP 301: the server redirects to https://elsewhere.example/api (the client follows no redirect: give the server's final URL)"
    );
    let err = Error::from(client.query_flow("f1").send().unwrap_err());
    assert_eq!(
        err.to_string(),
        "HTTP 302: the server redirects without saying where (no Location header) (the client follows no redirect: give the server's final URL)"
    );
    assert_eq!(server.requests().len(), 2, "nothing followed");
    // Other statuses without an error document: no dangling colon for an empty body.
    assert_eq!(
        CallError::<ErrorCode>::UnexpectedStatus {
            status: 502,
            body: String::new()
        }
        .to_string(),
        "HTTP 502 without an error document"
    );
}

#[test]
fn only_a_connection_never_made_is_unreachable() {
    // Nothing listens: unreachable.
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let client = Client::builder(url)
        .api_version(ApiVersion::new(3, 24))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.negotiate_version();
    assert!(err.is_ok(), "the version is pinned: nothing is asked");
    let err = Error::from(client.server_info().send().unwrap_err());
    assert!(err.is_unreachable(), "{err:?}");
    // A server that accepts and breaks the connection was reached.
    let server = Scripted::start(vec![broken_after(flow_document(), 10)]);
    let client = server.client(|b| b);
    let err = Error::from(client.query_flow("f1").send().unwrap_err());
    assert!(!err.is_unreachable(), "{err:?}");
    // So was one that answers nothing within the read timeout.
    let server = Scripted::start(vec![Box::new(|_s: &mut TcpStream| {
        std::thread::sleep(Duration::from_secs(2));
    })]);
    let client = server.client(|b| b.read_timeout(Duration::from_millis(200)));
    let err = Error::from(client.query_flow("f1").send().unwrap_err());
    assert!(!err.is_unreachable(), "{err:?}");
}

/// A sign-in answer.
fn signed_in() -> Step {
    whole(
        br#"<tsResponse xmlns="http://tableau.com/api"><credentials token="t-1"><site id="s-1" contentUrl=""/><user id="u-1"/></credentials></tsResponse>"#.to_vec(),
        vec![("Content-Type", "application/xml".to_owned())],
    )
}

/// Reads the request and answers nothing for `hold`.
fn frozen(hold: Duration) -> Step {
    Box::new(move |_s| std::thread::sleep(hold))
}

/// A client speaking 3.24, configured by `f`, signed in with a PAT (the client owns the session,
/// so it signs out when dropped).
fn signed_in_client(server: &Scripted, f: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Client {
    let client = f(Client::builder(server.url.clone()).api_version(ApiVersion::new(3, 24)))
        .build()
        .unwrap();
    client
        .sign_in_with(Credentials::personal_access_token("n", "s"), "")
        .unwrap();
    client
}

#[test]
fn signing_out_of_a_frozen_server_has_a_short_deadline_of_its_own() {
    // Dropping the client: the default 2 s, although the call deadline and read timeout are long.
    let server = Scripted::start(vec![signed_in(), frozen(Duration::from_secs(20))]);
    let client = signed_in_client(&server, |b| {
        b.timeout(Duration::from_secs(60))
            .read_timeout(Duration::from_secs(60))
    });
    let started = Instant::now();
    drop(client);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(server.requests().len(), 2, "signed out once, not retried");

    // end_session, with the deadline set: its error names it.
    let server = Scripted::start(vec![signed_in(), frozen(Duration::from_secs(20))]);
    let client = signed_in_client(&server, |b| b.sign_out_timeout(Duration::from_millis(300)));
    let started = Instant::now();
    let err = client.end_session().unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "{err:?}");
    assert!(
        matches!(err, CallError::DeadlineExceeded { limit } if limit == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(client.session().is_none());
    let started = Instant::now();
    drop(client);
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "nothing left to sign out"
    );
}

#[test]
fn a_json_client_sends_json_and_reads_json_or_xml() {
    let json = vec![("Content-Type", "application/json".to_owned())];
    let xml = vec![("Content-Type", "application/xml".to_owned())];
    let server = Scripted::start(vec![
        whole(
            br#"{"flow": {"id": "f1", "name": "Sales", "project": {"id": "p1"}, "owner": {"id": "u1"}}}"#.to_vec(),
            json.clone(),
        ),
        // A server that ignores Accept: its XML is read all the same.
        whole(flow_document(), xml),
        answer(
            "404 Not Found",
            br#"{"error": {"code": "404027", "summary": "Flow not found", "detail": "no such flow"}}"#.to_vec(),
            json,
        ),
    ]);
    let client = server.client(|b| b.wire_format(WireFormat::Json));
    let updated = client
        .update_flow(
            "f1",
            UpdateFlowRequest {
                flow: FlowUpdate {
                    project: Some(ProjectRef::new("p1")),
                    ..Default::default()
                },
            },
        )
        .send()
        .unwrap();
    assert_eq!(updated.flow.name.as_deref(), Some("Sales"));
    assert_eq!(
        client.query_flow("f1").send().unwrap().flow.id.as_str(),
        "f1"
    );
    let err = client.query_flow("f2").send().unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::FlowNotFound), "{err:?}");
    let requests = server.requests();
    assert!(
        requests[0].contains("accept: application/json"),
        "{}",
        requests[0]
    );
    assert!(
        requests[0].contains("content-type: application/json"),
        "{}",
        requests[0]
    );
    assert!(
        requests[0].ends_with(r#"{"flow":{"project":{"id":"p1"}}}"#),
        "{}",
        requests[0]
    );
}
