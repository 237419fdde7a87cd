//! Accepting connections, each served on a thread of its own up to the cap, and serving the
//! requests of one connection; stopping closes them all.

use super::framing::{Body, BodyError, Framing, framing, is_timeout, within_limit};
use super::head::{HeadError, read_head};
use super::limits::{BUFFER, DISCARD_BYTES, LINGER, LINGER_BYTES, Limits};
use super::{Admission, Handler, write_reply};
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The connections being served, for closing them all on stop.
struct Live {
    connections: Mutex<HashMap<u64, TcpStream>>,
    gone: Condvar,
}

impl Live {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, TcpStream>> {
        self.connections.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Removes a connection from [`Live`] when its thread ends, however it ends.
struct Registration {
    live: Arc<Live>,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.live.lock().remove(&self.id);
        self.live.gone.notify_all();
    }
}

/// A running server.
pub(crate) struct Server {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    live: Arc<Live>,
    /// A second handle on the listening socket, to shut it down on stop.
    listener: Option<TcpListener>,
    acceptor: Option<JoinHandle<()>>,
}

impl Server {
    /// Serves `listener` with `handler`.
    pub fn start(
        listener: TcpListener,
        handler: Arc<dyn Handler>,
        limits: Limits,
    ) -> io::Result<Server> {
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let live = Arc::new(Live {
            connections: Mutex::new(HashMap::new()),
            gone: Condvar::new(),
        });
        let second = listener.try_clone()?;
        let acceptor = {
            let (stopping, live) = (stopping.clone(), live.clone());
            std::thread::Builder::new()
                .name("tableau-flows-mock-accept".into())
                .spawn(move || accept(listener, &stopping, &live, &handler, limits))?
        };
        Ok(Server {
            addr,
            stopping,
            live,
            listener: Some(second),
            acceptor: Some(acceptor),
        })
    }

    /// Blocks until the server is stopped (from another thread) or its listener fails.
    pub fn wait(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }

    /// Stops accepting, closes every connection and waits (a few seconds at most) for their
    /// threads to end.
    pub fn stop(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Shutting the listening socket down wakes a blocked accept on Linux; connecting to it
        // does elsewhere.
        if let Some(listener) = &self.listener {
            let _ = socket2::SockRef::from(listener).shutdown(Shutdown::Both);
        }
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        self.listener = None;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut live = self.live.lock();
        for stream in live.values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        while !live.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            live = match self.live.gone.wait_timeout(live, left) {
                Ok((guard, _)) => guard,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Accepts connections until stopped, each on a thread of its own up to the cap.
fn accept(
    listener: TcpListener,
    stopping: &AtomicBool,
    live: &Arc<Live>,
    handler: &Arc<dyn Handler>,
    limits: Limits,
) {
    let ids = AtomicU64::new(0);
    loop {
        let accepted = listener.accept();
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => return, // shut down
            Err(_) => {
                // Out of descriptors, or a connection reset before it was accepted.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let id = ids.fetch_add(1, Ordering::Relaxed);
        {
            let mut connections = live.lock();
            if connections.len() >= limits.max_connections {
                drop(connections);
                refuse_busy(stream, handler.as_ref());
                continue;
            }
            connections.insert(id, clone);
        }
        let registration = Registration {
            live: live.clone(),
            id,
        };
        let handler = handler.clone();
        let spawned = std::thread::Builder::new()
            .name("tableau-flows-mock".into())
            .spawn(move || {
                serve_connection(stream, handler.as_ref(), limits);
                // The handler first: a stopped server's simulator is gone once no connection is
                // registered.
                drop(handler);
                drop(registration);
            });
        // A thread that cannot be spawned drops its closure: the registration and the stream.
        drop(spawned);
    }
}

/// Answers a connection over the cap with 503 and closes it.
fn refuse_busy(stream: TcpStream, handler: &dyn Handler) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let mut reply = handler.refusal(
        503,
        "the simulator is serving as many connections as it may",
    );
    reply.headers.push(("Retry-After".into(), "1".into()));
    let mut out = BufWriter::new(&stream);
    let _ = write_reply(&mut out, false, &reply, true);
    drop(out);
    let _ = stream.shutdown(Shutdown::Write);
}

/// Serves the requests of one connection until it closes, fails, idles past the idle timeout or
/// is refused.
fn serve_connection(stream: TcpStream, handler: &dyn Handler, limits: Limits) {
    let _ = stream.set_write_timeout(Some(limits.read_timeout.max(Duration::from_secs(1))));
    let mut reader = BufReader::with_capacity(BUFFER, &stream);
    let mut writer = BufWriter::with_capacity(BUFFER, &stream);
    // Whether to read what the client still sends before closing (after a refusal).
    let mut linger = false;
    loop {
        // Idle until the first byte of the next request.
        let _ = stream.set_read_timeout(Some(limits.idle_timeout));
        match reader.fill_buf() {
            Ok([]) | Err(_) => break,
            Ok(_) => {}
        }
        let refuse = |writer: &mut BufWriter<&TcpStream>, status: u16, detail: &str| {
            let _ = write_reply(writer, false, &handler.refusal(status, detail), true);
        };
        let mut set_timeout = |left| {
            let _ = stream.set_read_timeout(Some(left));
        };
        let deadline = Instant::now() + limits.read_timeout;
        let head = match read_head(&mut reader, &mut set_timeout, deadline) {
            Ok(head) => head,
            Err(HeadError::Gone) => break,
            Err(HeadError::Timeout) => {
                refuse(&mut writer, 408, "the request head took too long to arrive");
                break;
            }
            Err(HeadError::TooLarge) => {
                refuse(&mut writer, 431, "the request head is too long");
                linger = true;
                break;
            }
            Err(HeadError::Version) => {
                refuse(&mut writer, 505, "only HTTP/1.0 and HTTP/1.1 are served");
                linger = true;
                break;
            }
            Err(HeadError::Malformed(why)) => {
                refuse(&mut writer, 400, &format!("malformed request: {why}"));
                linger = true;
                break;
            }
        };
        let (framing, close_after) = match framing(&head) {
            Ok(f) => f,
            Err((status, detail)) => {
                refuse(&mut writer, status, &detail);
                linger = true;
                break;
            }
        };
        let continues = match head.header("expect") {
            None => false,
            Some(e) if e.eq_ignore_ascii_case("100-continue") => true,
            Some(e) => {
                refuse(&mut writer, 417, &format!("Expect: {e} is not supported"));
                linger = true;
                break;
            }
        };
        let head_only = head.method.eq_ignore_ascii_case("HEAD");
        // Each read of the body must make progress within the read timeout.
        let _ = stream.set_read_timeout(Some(limits.read_timeout));
        let admitted = match handler.admit(&head) {
            Admission::Read(admitted) => admitted,
            Admission::Answer(reply) => {
                // Answered from the head: a short body sent at once is dropped as it arrives, to
                // keep the connection; any other is never read (a client waiting for 100 Continue
                // does not send it), and the connection is closed after the answer.
                let mut body = Body::new(&mut reader, framing, u64::MAX);
                let keep = !continues
                    && !close_after
                    && head.keep_alive()
                    && matches!(framing, Framing::Length(n) if n <= DISCARD_BYTES)
                    && body.discard().is_ok();
                let unread = !body.finished();
                if write_reply(&mut writer, head_only, &reply, !keep).is_err() {
                    break;
                }
                if keep {
                    continue;
                }
                linger = unread;
                break;
            }
        };
        if let Err((status, detail)) = within_limit(framing, admitted.limit) {
            refuse(&mut writer, status, &detail);
            linger = true;
            break;
        }
        // The client waits for this before it sends the body.
        if continues
            && head.minor != 0
            && framing != Framing::Length(0)
            && writer
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .and_then(|()| writer.flush())
                .is_err()
        {
            break;
        }
        let mut body = Body::new(&mut reader, framing, admitted.limit);
        let (reply, close) = match handler.handle(&head, &admitted, &mut body) {
            Ok(reply) => {
                let close = close_after || !head.keep_alive() || !body.finished();
                (reply, close)
            }
            Err(BodyError::TooLarge) => (
                handler.refusal(
                    413,
                    &format!("the body is over the limit of {} bytes", admitted.limit),
                ),
                true,
            ),
            Err(BodyError::Timeout) => (
                handler.refusal(408, "the request body stopped arriving"),
                true,
            ),
            Err(BodyError::Malformed(why)) => (handler.refusal(400, &why), true),
            Err(BodyError::Storage(e)) => (
                handler.refusal(500, &format!("the request body could not be stored: {e}")),
                true,
            ),
            Err(BodyError::Broken) => break,
        };
        let unread = !body.finished();
        if write_reply(&mut writer, head_only, &reply, close).is_err() {
            break;
        }
        if close {
            linger = unread;
            break;
        }
    }
    let _ = writer.flush();
    let _ = stream.shutdown(Shutdown::Write);
    if linger {
        // Read (and drop) what the client still sends for a moment, so that it reads the
        // refusal before the connection is reset.
        let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
        let until = Instant::now() + LINGER;
        let mut drained = 0;
        let mut buf = [0; 8192];
        while Instant::now() < until && drained < LINGER_BYTES {
            match reader.get_mut().read(&mut buf) {
                Ok(0) => break,
                Ok(n) => drained += n as u64,
                Err(e) if is_timeout(&e) => continue,
                Err(_) => break,
            }
        }
    }
}
