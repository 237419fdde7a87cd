//! The simulator's HTTP/1.1 server, on std alone.
//!
//! Each connection is served on a thread of its own, up to a cap (a connection beyond it is
//! answered 503 and closed), so a client that sends its body slowly, or holds an idle
//! connection, never keeps others waiting. Reading a request's head must end within the read
//! timeout, and reading its body must make progress within it (408 otherwise). A body whose
//! `Content-Length` is over the limit is refused with 413 before a byte of it is read; a chunked
//! body is read only up to the limit. Stopping the server closes the listener and every
//! connection it accepted, so a client's pooled connection fails at once rather than waiting for
//! an answer that never comes.
//!
//! Request heads are parsed with httparse, and `Date` written with httpdate; reading (its
//! limits and deadlines) and the body's framing are the server's own.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// How many blank lines may come before a request line (RFC 9112, 2.2).
const BLANK_LINES_BEFORE: usize = 2;
/// The longest chunk-size line or trailer line of a chunked body.
const MAX_CHUNK_LINE: u64 = 4 * 1024;
/// How long, and how much, a refused request's remaining body is read and discarded before its
/// connection is closed, so that the client reads the refusal rather than a reset.
const LINGER: Duration = Duration::from_secs(1);
const LINGER_BYTES: u64 = 16 * 1024 * 1024;
/// The buffers of a connection.
const BUFFER: usize = 64 * 1024;

/// What the server allows a client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The largest request body.
    pub max_request_bytes: u64,
    /// How long a request's head may take, and a read of its body may wait for data.
    pub read_timeout: Duration,
    /// How long a connection may wait, idle, for its next request.
    pub idle_timeout: Duration,
    /// How many connections are served at once.
    pub max_connections: usize,
}

/// A request's method, target and headers.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    /// The method, as sent.
    pub method: String,
    /// The request target (path and query), as sent.
    pub target: String,
    /// `HTTP/1.x`'s x.
    pub minor: u8,
    /// The headers, in order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first value of a header (the name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether the client keeps the connection open after this request.
    fn keep_alive(&self) -> bool {
        let connection = self.header("connection").unwrap_or_default();
        let has = |token: &str| {
            connection
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        };
        if self.minor == 0 {
            has("keep-alive")
        } else {
            !has("close")
        }
    }
}

/// Why a request's body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// It is longer than the limit (413).
    TooLarge,
    /// The client sent nothing for the read timeout (408).
    Timeout,
    /// Its chunked framing is malformed (400).
    Malformed(String),
    /// The connection failed or ended before the body did (nothing can be answered).
    Broken,
    /// The server could not store it (500).
    Storage(io::Error),
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl From<io::Error> for BodyError {
    fn from(e: io::Error) -> Self {
        if is_timeout(&e) {
            BodyError::Timeout
        } else {
            BodyError::Broken
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// `Content-Length`: this many bytes remain.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked(ChunkState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    /// Before a chunk-size line.
    Size,
    /// Inside a chunk: this many bytes of it remain.
    Data(u64),
    /// After the last chunk and its trailers.
    Done,
}

/// A request's body, read as its framing says, never past the limit.
///
/// The chunked framing is decoded here rather than with `chunked_transfer` (tiny_http's
/// decoder), which does not fit the server's limits: it reads a chunk-size line and its
/// extensions byte by byte with no bound on their length; it takes no trailers (RFC 9112, 7.1.2),
/// refusing a body that has any; it turns every failure to read the CRLF after a chunk — a read
/// timeout, a closed connection — into one opaque `InvalidInput` error, so that 408 could not be
/// told from 400; and a connection closed inside a chunk reads as the end of the body, so that a
/// truncated body would be taken whole. The chunk-size line's syntax is httparse's
/// (`parse_chunk_size`); its length, the trailers, the limit and the deadline are kept here.
pub(crate) struct Body<'a> {
    reader: &'a mut dyn BufRead,
    framing: Framing,
    /// The bytes read so far.
    read: u64,
    limit: u64,
}

impl<'a> Body<'a> {
    fn new(reader: &'a mut dyn BufRead, framing: Framing, limit: u64) -> Self {
        Body {
            reader,
            framing,
            read: 0,
            limit,
        }
    }

    /// The body's length, when its `Content-Length` gave it.
    pub fn length(&self) -> Option<u64> {
        match self.framing {
            Framing::Length(n) => Some(self.read + n),
            Framing::Chunked(_) => None,
        }
    }

    /// Whether the whole body has been read.
    fn finished(&self) -> bool {
        matches!(
            self.framing,
            Framing::Length(0) | Framing::Chunked(ChunkState::Done)
        )
    }

    /// Reads some of the body into `buf`; 0 at its end.
    pub fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, BodyError> {
        loop {
            match self.framing {
                Framing::Length(0) | Framing::Chunked(ChunkState::Done) => return Ok(0),
                Framing::Length(left) => {
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = self.reader.read(&mut buf[..want])?;
                    if n == 0 {
                        return Err(BodyError::Broken);
                    }
                    self.framing = Framing::Length(left - n as u64);
                    self.read += n as u64;
                    return Ok(n);
                }
                Framing::Chunked(ChunkState::Size) => {
                    let mut line =
                        chunk_line(self.reader, MAX_CHUNK_LINE, "a chunk-size line is too long")?;
                    // The size and its extensions, as httparse reads them (the line, bounded
                    // here, given back its CRLF, so that a bare LF ending it is taken too).
                    // httparse reads a line without a digit (empty, or only an extension) as
                    // size 0, the last chunk: a size must have a digit (RFC 9112, 7.1).
                    let digit = line.first().is_some_and(u8::is_ascii_hexdigit);
                    line.extend_from_slice(b"\r\n");
                    let size = match httparse::parse_chunk_size(&line) {
                        Ok(httparse::Status::Complete((_, size))) if digit => size,
                        Ok(_) | Err(httparse::InvalidChunkSize) => {
                            line.truncate(line.len() - 2);
                            return Err(BodyError::Malformed(format!(
                                "the chunk size {:?} is not a hexadecimal number",
                                String::from_utf8_lossy(&line)
                            )));
                        }
                    };
                    if size == 0 {
                        // The trailers, up to the blank line that ends the body.
                        let mut trailers = 0usize;
                        loop {
                            let line = chunk_line(
                                self.reader,
                                MAX_CHUNK_LINE,
                                "a trailer line is too long",
                            )?;
                            trailers += line.len() + 2;
                            if line.is_empty() {
                                break;
                            }
                            if trailers > MAX_HEAD_BYTES {
                                return Err(BodyError::Malformed(
                                    "the chunked body's trailers are too long".into(),
                                ));
                            }
                        }
                        self.framing = Framing::Chunked(ChunkState::Done);
                        return Ok(0);
                    }
                    if self.read.saturating_add(size) > self.limit {
                        return Err(BodyError::TooLarge);
                    }
                    self.framing = Framing::Chunked(ChunkState::Data(size));
                }
                Framing::Chunked(ChunkState::Data(left)) => {
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let n = self.reader.read(&mut buf[..want])?;
                    if n == 0 {
                        return Err(BodyError::Broken);
                    }
                    self.read += n as u64;
                    let left = left - n as u64;
                    self.framing = Framing::Chunked(ChunkState::Data(left));
                    if left == 0 {
                        let end = chunk_line(self.reader, 0, "a chunk is longer than its size")?;
                        if !end.is_empty() {
                            return Err(BodyError::Malformed(
                                "a chunk is longer than its size".into(),
                            ));
                        }
                        self.framing = Framing::Chunked(ChunkState::Size);
                    }
                    return Ok(n);
                }
            }
        }
    }

    /// The whole body, in memory.
    pub fn read_to_vec(&mut self) -> Result<Vec<u8>, BodyError> {
        let first = self.length().unwrap_or(0).min(1024 * 1024);
        let mut body = Vec::with_capacity(usize::try_from(first).unwrap_or(0));
        let mut buf = vec![0; BUFFER];
        loop {
            let n = self.read_some(&mut buf)?;
            if n == 0 {
                return Ok(body);
            }
            body.extend_from_slice(&buf[..n]);
        }
    }

    /// Copies the whole body to `out`, a buffer at a time; the bytes copied.
    pub fn copy_to(&mut self, out: &mut dyn Write) -> Result<u64, BodyError> {
        let mut buf = vec![0; BUFFER];
        let mut total = 0;
        loop {
            let n = self.read_some(&mut buf)?;
            if n == 0 {
                return Ok(total);
            }
            out.write_all(&buf[..n]).map_err(BodyError::Storage)?;
            total += n as u64;
        }
    }
}

/// A line of a chunked body's framing: `what` names it for the error of one too long.
fn chunk_line(reader: &mut dyn BufRead, max: u64, what: &str) -> Result<Vec<u8>, BodyError> {
    match read_line(reader, max) {
        Ok(Some(line)) => Ok(line),
        Ok(None) => Err(BodyError::Broken),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(BodyError::Malformed(format!(
            "the chunked body's framing is malformed: {what}"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// A line ending in LF (its CR, if any, removed), at most `max` bytes before it; `None` at the
/// end of the stream before any byte.
fn read_line(reader: &mut dyn BufRead, max: u64) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = reader.take(max + 2).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(if n as u64 >= max + 2 {
            io::Error::new(io::ErrorKind::InvalidData, "the line is too long")
        } else {
            io::ErrorKind::UnexpectedEof.into()
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

/// An answer to write.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The status.
    pub status: u16,
    /// The headers, besides `Content-Length`, `Date` and `Connection`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: ReplyBody,
}

/// The body of a [`Reply`].
#[derive(Debug)]
pub(crate) enum ReplyBody {
    /// Bytes of its own.
    Owned(Vec<u8>),
    /// Bytes shared with the simulator's state (a flow's file).
    Shared(Arc<Vec<u8>>),
}

impl ReplyBody {
    fn bytes(&self) -> &[u8] {
        match self {
            ReplyBody::Owned(b) => b,
            ReplyBody::Shared(b) => b,
        }
    }
}

/// What answers requests.
pub(crate) trait Handler: Send + Sync + 'static {
    /// Answers a request; it reads the body (all of it, or the connection is closed after the
    /// answer).
    fn handle(&self, head: &Head, body: &mut Body<'_>) -> Result<Reply, BodyError>;

    /// The answer to a request the server refuses itself (its status, a short reason): 400,
    /// 408, 413, 417, 431, 500, 501, 503, 505.
    fn refusal(&self, status: u16, detail: &str) -> Reply;
}

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

/// Why a request head could not be read.
#[derive(Debug)]
enum HeadError {
    /// The connection ended or failed.
    Gone,
    /// The head took longer than the read timeout (408).
    Timeout,
    /// Longer than [`MAX_HEAD_BYTES`] (431).
    TooLarge,
    /// Not HTTP/1.x (505).
    Version,
    /// Not a request head (400).
    Malformed(&'static str),
}

/// Reads a request head, which must arrive within `deadline`; `set_timeout` bounds each read of
/// `reader` (the connection's read timeout). Exactly the head is consumed from `reader`: what
/// follows it (a body, the next request) is left there.
fn read_head<R: BufRead + ?Sized>(
    reader: &mut R,
    set_timeout: &mut dyn FnMut(Duration),
    deadline: Instant,
) -> Result<Head, HeadError> {
    // The head so far, consumed from `reader`.
    let mut buf = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HeadError::Timeout);
        }
        set_timeout(left);
        let available = match reader.fill_buf() {
            Ok([]) => return Err(HeadError::Gone),
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if is_timeout(&e) => return Err(HeadError::Timeout),
            Err(_) => return Err(HeadError::Gone),
        };
        let before = buf.len();
        let take = available.len().min(MAX_HEAD_BYTES - before);
        // A head ends, and a line of it is judged, only at a line feed: parsing only when one
        // arrives keeps a head sent a few bytes at a time from being parsed at every read.
        let judge = available[..take].contains(&b'\n');
        buf.extend_from_slice(&available[..take]);
        match if judge { parse_head(&buf)? } else { None } {
            Some((length, head)) => {
                // The head ends in what was just read (it had not before it): the rest stays.
                reader.consume(length - before);
                return Ok(head);
            }
            None => {
                reader.consume(take);
                if buf.len() >= MAX_HEAD_BYTES {
                    return Err(HeadError::TooLarge);
                }
            }
        }
    }
}

/// Parses the request head at the start of `buf` (with httparse): its length and the head, or
/// `None` while more of it is needed.
fn parse_head(buf: &[u8]) -> Result<Option<(usize, Head)>, HeadError> {
    // A blank line or two before a request is allowed (RFC 9112, 2.2); httparse skips any number.
    let mut rest = buf;
    let mut blank = 0;
    while let [b'\r', b'\n', after @ ..] | [b'\n', after @ ..] = rest {
        blank += 1;
        if blank > BLANK_LINES_BEFORE {
            return Err(HeadError::Malformed("not a request line"));
        }
        rest = after;
    }
    // Room for the headers of a usual request, made larger for a request with more (a header
    // line is at least 3 bytes, so a head of MAX_HEAD_BYTES never needs more than a third of it).
    let mut room = 32;
    let error = loop {
        let mut headers = vec![httparse::EMPTY_HEADER; room];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(buf) {
            Ok(httparse::Status::Partial) => return Ok(None),
            Ok(httparse::Status::Complete(length)) => {
                return head_of(&request).map(|head| Some((length, head)));
            }
            Err(httparse::Error::TooManyHeaders) if room < MAX_HEAD_BYTES => room *= 2,
            Err(e) => break e,
        }
    };
    match error {
        httparse::Error::Token => Err(HeadError::Malformed("not a request line")),
        httparse::Error::HeaderName => Err(HeadError::Malformed(
            "a header line without a colon, folded, or with a malformed name",
        )),
        httparse::Error::HeaderValue => Err(HeadError::Malformed("a malformed header value")),
        httparse::Error::TooManyHeaders => Err(HeadError::TooLarge),
        httparse::Error::Version | httparse::Error::NewLine | httparse::Error::Status => {
            // A request line is judged whole: one of another HTTP version is refused with 505.
            let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                return Ok(None);
            };
            let line = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
            let mut words = line.split(|&b| b == b' ');
            match (words.next(), words.next(), words.next(), words.next()) {
                (Some(_), Some(_), Some(version), None)
                    if version.starts_with(b"HTTP/")
                        && version != b"HTTP/1.1"
                        && version != b"HTTP/1.0" =>
                {
                    Err(HeadError::Version)
                }
                _ if request_line_parses(&rest[..=end]) => {
                    Err(HeadError::Malformed("a CR without an LF"))
                }
                _ => Err(HeadError::Malformed("not a request line")),
            }
        }
    }
}

/// Whether a request line (ending in its line feed) parses alone.
fn request_line_parses(line: &[u8]) -> bool {
    let mut alone = line.to_vec();
    alone.extend_from_slice(b"\r\n");
    let mut no_headers: [httparse::Header<'_>; 0] = [];
    let mut request = httparse::Request::new(&mut no_headers);
    matches!(request.parse(&alone), Ok(httparse::Status::Complete(_)))
}

/// The head httparse parsed.
fn head_of(request: &httparse::Request<'_, '_>) -> Result<Head, HeadError> {
    let (Some(method), Some(target), Some(minor)) = (request.method, request.path, request.version)
    else {
        return Err(HeadError::Malformed("not a request line"));
    };
    if !target.is_ascii() {
        return Err(HeadError::Malformed("a non-ASCII request line"));
    }
    let headers = request
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value);
            (h.name.to_owned(), value.trim().to_owned())
        })
        .collect();
    // An absolute target (`http://host/path`) is served as its path.
    let target = match target.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => match rest.find('/') {
            Some(i) => rest[i..].to_owned(),
            None => "/".to_owned(),
        },
        _ => target.to_owned(),
    };
    Ok(Head {
        method: method.to_owned(),
        target,
        minor,
        headers,
    })
}

/// How a request's body is framed, or the status and reason it is refused with.
fn framing(head: &Head, limits: &Limits) -> Result<(Framing, bool), (u16, String)> {
    let lengths: Vec<&str> = head
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .collect();
    let encodings: Vec<String> = head
        .headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding"))
        .flat_map(|(_, v)| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
        .collect();
    if !encodings.is_empty() {
        if head.minor == 0 || encodings.iter().map(String::as_str).ne(["chunked"]) {
            return Err((
                501,
                format!(
                    "Transfer-Encoding {} is not supported",
                    encodings.join(", ")
                ),
            ));
        }
        // A Content-Length beside it is ignored, and the connection closed after the answer
        // (RFC 9112, 6.3).
        return Ok((Framing::Chunked(ChunkState::Size), !lengths.is_empty()));
    }
    let Some(first) = lengths.first() else {
        return Ok((Framing::Length(0), false));
    };
    if lengths.iter().any(|l| l != first) {
        return Err((400, "conflicting Content-Length headers".into()));
    }
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) {
        return Err((400, format!("Content-Length {first:?} is not a number")));
    }
    // More digits than u64 holds: over any limit.
    let length: u64 = first.parse().unwrap_or(u64::MAX);
    if length > limits.max_request_bytes {
        return Err((
            413,
            format!(
                "a body of {length} bytes is over the limit of {} bytes",
                limits.max_request_bytes
            ),
        ));
    }
    Ok((Framing::Length(length), false))
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
        let (framing, close_after) = match framing(&head, &limits) {
            Ok(f) => f,
            Err((status, detail)) => {
                refuse(&mut writer, status, &detail);
                linger = true;
                break;
            }
        };
        if let Some(e) = head.header("expect") {
            if !e.eq_ignore_ascii_case("100-continue") {
                refuse(&mut writer, 417, &format!("Expect: {e} is not supported"));
                linger = true;
                break;
            }
            // The client waits for this before it sends the body.
            let continued = head.minor == 0
                || framing == Framing::Length(0)
                || writer
                    .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                    .and_then(|()| writer.flush())
                    .is_ok();
            if !continued {
                break;
            }
        }
        // Each read of the body must make progress within the read timeout.
        let _ = stream.set_read_timeout(Some(limits.read_timeout));
        let mut body = Body::new(&mut reader, framing, limits.max_request_bytes);
        let (reply, close) = match handler.handle(&head, &mut body) {
            Ok(reply) => {
                let close = close_after || !head.keep_alive() || !body.finished();
                (reply, close)
            }
            Err(BodyError::TooLarge) => (
                handler.refusal(
                    413,
                    &format!(
                        "the body is over the limit of {} bytes",
                        limits.max_request_bytes
                    ),
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
        let head_only = head.method.eq_ignore_ascii_case("HEAD");
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

/// The reason phrase of a status.
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Content Too Large",
        417 => "Expectation Failed",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// `Date`'s value now (RFC 9110's IMF-fixdate).
fn http_date() -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now())
}

/// Writes an answer; `head_only` leaves the body out (HEAD), `close` announces the close.
fn write_reply(out: &mut dyn Write, head_only: bool, reply: &Reply, close: bool) -> io::Result<()> {
    let body = reply.body.bytes();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nDate: {}\r\n",
        reply.status,
        reason(reply.status),
        http_date()
    );
    for (k, v) in &reply.headers {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    let bodiless = matches!(reply.status, 100..=199 | 204 | 304);
    if !bodiless {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())?;
    if !head_only && !bodiless {
        out.write_all(body)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(wire: &[u8], framing: Framing, limit: u64) -> Result<Vec<u8>, BodyError> {
        let mut reader = io::BufReader::new(wire);
        Body::new(&mut reader, framing, limit).read_to_vec()
    }

    #[test]
    fn reads_chunked_bodies_with_extensions_and_trailers() {
        let wire = b"4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Trailer: y\r\n\r\n";
        let chunked = Framing::Chunked(ChunkState::Size);
        assert_eq!(body_of(wire, chunked, 100).unwrap(), b"Wikipedia");
        assert!(matches!(
            body_of(wire, chunked, 8),
            Err(BodyError::TooLarge)
        ));
        assert!(matches!(
            body_of(b"zz\r\n", chunked, 100),
            Err(BodyError::Malformed(_))
        ));
        assert!(matches!(
            body_of(b"4\r\nWikipedia\r\n", chunked, 100),
            Err(BodyError::Malformed(_))
        ));
        assert!(matches!(
            body_of(b"4\r\nWi", chunked, 100),
            Err(BodyError::Broken)
        ));
    }

    #[test]
    fn reads_bodies_of_a_length() {
        assert_eq!(body_of(b"abcdef", Framing::Length(3), 10).unwrap(), b"abc");
        assert!(matches!(
            body_of(b"ab", Framing::Length(3), 10),
            Err(BodyError::Broken)
        ));
    }

    fn head(headers: &[(&str, &str)]) -> Head {
        Head {
            method: "POST".into(),
            target: "/".into(),
            minor: 1,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn frames_bodies_from_their_headers() {
        let limits = Limits {
            max_request_bytes: 100,
            read_timeout: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(1),
            max_connections: 1,
        };
        let f = |h: &[(&str, &str)]| framing(&head(h), &limits).map_err(|(s, _)| s);
        assert_eq!(f(&[]), Ok((Framing::Length(0), false)));
        assert_eq!(
            f(&[("Content-Length", "100")]),
            Ok((Framing::Length(100), false))
        );
        assert_eq!(f(&[("content-length", "101")]), Err(413));
        assert_eq!(
            f(&[("Content-Length", "99999999999999999999999")]),
            Err(413)
        );
        assert_eq!(f(&[("Content-Length", "-1")]), Err(400));
        assert_eq!(
            f(&[("Content-Length", "1"), ("Content-Length", "2")]),
            Err(400)
        );
        assert_eq!(
            f(&[("Transfer-Encoding", "chunked")]),
            Ok((Framing::Chunked(ChunkState::Size), false))
        );
        assert_eq!(
            f(&[("Transfer-Encoding", "Chunked"), ("Content-Length", "5")]),
            Ok((Framing::Chunked(ChunkState::Size), true))
        );
        assert_eq!(f(&[("Transfer-Encoding", "gzip, chunked")]), Err(501));
    }

    /// Reads a head from `wire` through a buffer of `capacity` bytes (so `capacity` bytes a
    /// read at most); the head and what is left after it.
    fn read_wire(wire: &[u8], capacity: usize) -> (Result<Head, HeadError>, Vec<u8>) {
        let mut reader = BufReader::with_capacity(capacity, wire);
        let deadline = Instant::now() + Duration::from_secs(60);
        let head = read_head(&mut reader, &mut |_| {}, deadline);
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        (head, rest)
    }

    fn parsed(wire: &[u8]) -> Result<Head, HeadError> {
        read_wire(wire, BUFFER).0
    }

    #[test]
    fn reads_a_head_and_leaves_what_follows() {
        let wire = b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Pad: \t v w \t\r\n\
            Content-Length: 4\r\n\r\nbodyGET";
        for capacity in [1, 2, 3, 7, 64, BUFFER] {
            let (head, rest) = read_wire(wire, capacity);
            let head = head.unwrap();
            assert_eq!(
                (head.method.as_str(), head.target.as_str()),
                ("POST", "/a?b=c")
            );
            assert_eq!(head.minor, 1);
            assert_eq!(head.header("host"), Some("x"));
            assert_eq!(head.header("x-empty"), Some(""));
            assert_eq!(head.header("X-PAD"), Some("v w"));
            assert_eq!(head.header("content-length"), Some("4"));
            assert_eq!(rest, b"bodyGET", "read {capacity} bytes at a time");
        }
    }

    #[test]
    fn reads_heads_of_every_allowed_shape() {
        // Bare LFs, HTTP/1.0, an absolute target.
        let head = parsed(b"GET http://host:80/p?q HTTP/1.0\nA: 1\n\n").unwrap();
        assert_eq!((head.target.as_str(), head.minor), ("/p?q", 0));
        assert!(!head.keep_alive());
        assert_eq!(
            parsed(b"GET http://host HTTP/1.1\r\n\r\n").unwrap().target,
            "/"
        );
        // Up to two blank lines before the request line.
        assert_eq!(
            parsed(b"\r\n\nGET / HTTP/1.1\r\n\r\n").unwrap().method,
            "GET"
        );
        assert!(matches!(
            parsed(b"\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
            Err(HeadError::Malformed(_))
        ));
        // More headers than httparse is first given room for.
        let mut wire = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..1000 {
            wire.extend_from_slice(format!("X-{i}: {i}\r\n").as_bytes());
        }
        wire.extend_from_slice(b"\r\n");
        let head = parsed(&wire).unwrap();
        assert_eq!(head.headers.len(), 1000);
        assert_eq!(head.header("x-999"), Some("999"));
    }

    #[test]
    fn refuses_malformed_heads() {
        for wire in [
            &b"GET / HTTP/1.1\r\nHost x\r\n\r\n"[..],
            b"GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            b"GET / HTTP/1.1\r\n: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: \x01\r\n\r\n",
            b"GET / HTTP/1.1\r\nA: b\r\rX\r\n\r\n",
            b"GET  / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 more\r\n\r\n",
            b"GET /\r\n\r\n",
            b"GET / FTP/1.1\r\n\r\n",
            b"G@T / HTTP/1.1\r\n\r\n",
            b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n",
            b"\r\rGET / HTTP/1.1\r\n\r\n",
        ] {
            let head = parsed(wire);
            assert!(
                matches!(head, Err(HeadError::Malformed(_))),
                "{:?}: {head:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }

    #[test]
    fn refuses_other_http_versions_once_their_line_is_whole() {
        for wire in [
            &b"GET / HTTP/2.0\r\n\r\n"[..],
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            b"GET / HTTP/1.10\r\n\r\n",
            b"GET / HTTP/0.9\r\n",
            b"\r\nGET / HTTP/3\n",
        ] {
            for capacity in [1, BUFFER] {
                let (head, _) = read_wire(wire, capacity);
                assert!(
                    matches!(head, Err(HeadError::Version)),
                    "{:?}: {head:?}",
                    String::from_utf8_lossy(wire)
                );
            }
        }
        // Not yet whole: the rest of the line may still make it a malformed one.
        assert!(matches!(parse_head(b"GET / HTTP/2"), Ok(None)));
        assert!(matches!(
            parsed(b"GET / HTTP/2 more\r\n\r\n"),
            Err(HeadError::Malformed(_))
        ));
    }

    #[test]
    fn refuses_oversized_heads() {
        let mut wire = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        wire.resize(MAX_HEAD_BYTES, b'a');
        wire.extend_from_slice(b"\r\n\r\n");
        for capacity in [1000, BUFFER] {
            let (head, _) = read_wire(&wire, capacity);
            assert!(matches!(head, Err(HeadError::TooLarge)), "{head:?}");
        }
        // Many short lines as well as one long one.
        let mut wire = b"GET / HTTP/1.1\r\n".to_vec();
        while wire.len() <= MAX_HEAD_BYTES {
            wire.extend_from_slice(b"A: b\r\n");
        }
        assert!(matches!(parsed(&wire), Err(HeadError::TooLarge)));
        // Just under the limit is read.
        let mut wire = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
        wire.resize(MAX_HEAD_BYTES - 4, b'a');
        wire.extend_from_slice(b"\r\n\r\n");
        assert_eq!(
            parsed(&wire).unwrap().header("x-big").unwrap().len(),
            MAX_HEAD_BYTES - 4 - 23
        );
    }

    /// Gives its bytes, then times out.
    struct Stalls<'a>(&'a [u8]);

    impl Read for Stalls<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.0.read(buf)
        }
    }

    #[test]
    fn a_head_that_stalls_or_ends_early_is_not_read() {
        let mut reader = BufReader::new(Stalls(b"GET / HTTP/1.1\r\nHost: x\r\n"));
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut timeouts = Vec::new();
        let head = read_head(&mut reader, &mut |t| timeouts.push(t), deadline);
        assert!(matches!(head, Err(HeadError::Timeout)), "{head:?}");
        assert!(!timeouts.is_empty() && timeouts.iter().all(|t| *t <= Duration::from_secs(60)));
        // A deadline already past.
        let mut reader = BufReader::new(&b"GET / HTTP/1.1\r\n\r\n"[..]);
        let head = read_head(&mut reader, &mut |_| {}, Instant::now());
        assert!(matches!(head, Err(HeadError::Timeout)), "{head:?}");
        // The connection ends within the head.
        assert!(matches!(
            parsed(b"GET / HTTP/1.1\r\nHost: x\r\n"),
            Err(HeadError::Gone)
        ));
        assert!(matches!(parsed(b""), Err(HeadError::Gone)));
    }

    #[test]
    fn reads_chunk_size_lines_as_httparse_does() {
        let chunked = Framing::Chunked(ChunkState::Size);
        assert_eq!(body_of(b"3\nabc\n0\n\n", chunked, 100).unwrap(), b"abc");
        assert_eq!(
            body_of(b"03 \r\nabc\r\n0\r\n\r\n", chunked, 100).unwrap(),
            b"abc"
        );
        assert_eq!(
            body_of(b"A;a=\"b\";c\r\n0123456789\r\n0\r\n\r\n", chunked, 100).unwrap(),
            b"0123456789"
        );
        for wire in [
            &b"\r\n"[..],
            b";ext\r\n",
            b" 3\r\n",
            b"-1\r\n",
            b"3 3\r\n",
            b"11111111111111111\r\n",
            b"x3\r\n",
        ] {
            let body = body_of(wire, chunked, 100);
            assert!(
                matches!(body, Err(BodyError::Malformed(_))),
                "{wire:?}: {body:?}"
            );
        }
        // A size line longer than the bound is refused before it ends.
        let mut long = b"1;".to_vec();
        long.resize(usize::try_from(MAX_CHUNK_LINE).unwrap() + 10, b'x');
        assert!(matches!(
            body_of(&long, chunked, 100),
            Err(BodyError::Malformed(_))
        ));
    }

    #[test]
    fn dates_are_imf_fixdates() {
        let d = http_date();
        assert_eq!(d.len(), 29, "{d}");
        assert!(d.ends_with(" GMT"), "{d}");
        assert!(httpdate::parse_http_date(&d).is_ok(), "{d}");
    }
}
