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

/// A connection being served.
struct Connection {
    /// A handle on its socket, to close it (on stop, or to evict it).
    stream: TcpStream,
    /// Since when it has waited for a request head of which no byte has arrived (from accept,
    /// or from its last answer); `None` while a request is under way.
    idle_since: Option<Instant>,
    /// Whether it was closed to make room for a new connection: it no longer counts against the
    /// cap, and its thread ends at once.
    evicted: bool,
}

/// The connections being served.
#[derive(Default)]
struct Table {
    connections: HashMap<u64, Connection>,
    /// How many of them count against the cap (those not evicted).
    serving: usize,
}

impl Table {
    /// Makes room for one more connection when the cap is reached, by closing the connection
    /// idle the longest (waiting for a request head of which no byte has arrived); `false` when
    /// none is idle.
    fn make_room(&mut self, cap: usize) -> bool {
        if self.serving < cap {
            return true;
        }
        let oldest = self
            .connections
            .iter_mut()
            .filter(|(_, c)| !c.evicted)
            .filter_map(|(_, c)| c.idle_since.map(|since| (since, c)))
            .min_by_key(|(since, _)| *since);
        let Some((_, connection)) = oldest else {
            return false;
        };
        connection.evicted = true;
        let _ = connection.stream.shutdown(Shutdown::Both);
        self.serving -= 1;
        true
    }
}

/// The connections being served, for the cap, for evicting idle ones and for closing them all
/// on stop.
struct Live {
    table: Mutex<Table>,
    gone: Condvar,
}

impl Live {
    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A connection's place in [`Live`], removed when its thread ends, however it ends.
struct Registration {
    live: Arc<Live>,
    id: u64,
}

impl Registration {
    /// The connection waits for its next request, no byte of it arrived: it may be evicted.
    fn idle(&self) {
        if let Some(c) = self.live.lock().connections.get_mut(&self.id) {
            c.idle_since = Some(Instant::now());
        }
    }

    /// A byte of a request arrived: the connection is no longer evictable. `false` if it was
    /// evicted meanwhile (it is to end).
    fn busy(&self) -> bool {
        match self.live.lock().connections.get_mut(&self.id) {
            Some(c) if !c.evicted => {
                c.idle_since = None;
                true
            }
            _ => false,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut table = self.live.lock();
        if let Some(c) = table.connections.remove(&self.id)
            && !c.evicted
        {
            table.serving -= 1;
        }
        drop(table);
        self.live.gone.notify_all();
    }
}

/// How many connections the kernel queues for the server before it accepts them. Beyond the
/// queue a client's connection attempt is dropped and retried a second later: a burst of
/// connections (a flood of idle ones) must not make a real client wait for that.
const BACKLOG: i32 = 4096;

/// A listening socket on loopback (`port` 0: a free one), its queue [`BACKLOG`] long.
pub(crate) fn listen_on_loopback(port: u16) -> io::Result<TcpListener> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    // As std's `TcpListener::bind` does: a port just freed can be listened on again.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
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
            table: Mutex::new(Table::default()),
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
        for c in live.connections.values() {
            let _ = c.stream.shutdown(Shutdown::Both);
        }
        while !live.connections.is_empty() {
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
        let accepted = Instant::now();
        {
            let mut table = live.lock();
            if !table.make_room(limits.max_connections) {
                drop(table);
                refuse_busy(stream, handler.as_ref());
                continue;
            }
            // A new connection is idle: no byte of its first request has arrived.
            table.connections.insert(
                id,
                Connection {
                    stream: clone,
                    idle_since: Some(accepted),
                    evicted: false,
                },
            );
            table.serving += 1;
        }
        let registration = Registration {
            live: live.clone(),
            id,
        };
        let handler = handler.clone();
        let spawned = std::thread::Builder::new()
            .name("tableau-flows-mock".into())
            .spawn(move || {
                serve_connection(stream, handler.as_ref(), limits, accepted, &registration);
                // The handler first: a stopped server's simulator is gone once no connection is
                // registered.
                drop(handler);
                drop(registration);
            });
        // A thread that cannot be spawned drops its closure: the registration and the stream.
        drop(spawned);
    }
}

/// Answers a connection over the cap, when none can be evicted, with 503 and closes it.
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

/// Serves the requests of one connection until it closes, fails, idles past its deadline, is
/// evicted or is refused. Its first request's head must arrive whole within the first-request
/// timeout of `accepted`; a later one's first byte within the idle timeout of the last answer.
/// Each head must also arrive whole within the read timeout of its first byte.
fn serve_connection(
    stream: TcpStream,
    handler: &dyn Handler,
    limits: Limits,
    accepted: Instant,
    registration: &Registration,
) {
    let _ = stream.set_write_timeout(Some(limits.read_timeout.max(Duration::from_secs(1))));
    let mut reader = BufReader::with_capacity(BUFFER, &stream);
    let mut writer = BufWriter::with_capacity(BUFFER, &stream);
    // Whether to read what the client still sends before closing (after a refusal).
    let mut linger = false;
    let mut first = Some(accepted + limits.first_request_timeout);
    loop {
        // Idle (evictable) until the first byte of the next request.
        let idle_until = match first {
            Some(deadline) => deadline,
            None => {
                registration.idle();
                Instant::now() + limits.idle_timeout
            }
        };
        let left = idle_until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let _ = stream.set_read_timeout(Some(left));
        match reader.fill_buf() {
            Ok([]) | Err(_) => break,
            Ok(_) => {}
        }
        if !registration.busy() {
            break;
        }
        let refuse = |writer: &mut BufWriter<&TcpStream>, status: u16, detail: &str| {
            let _ = write_reply(writer, false, &handler.refusal(status, detail), true);
        };
        let mut set_timeout = |left| {
            let _ = stream.set_read_timeout(Some(left));
        };
        // The head whole within the read timeout of its first byte, and the first request's
        // within the first-request deadline too.
        let mut deadline = Instant::now() + limits.read_timeout;
        if let Some(first) = first.take() {
            deadline = deadline.min(first);
        }
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
