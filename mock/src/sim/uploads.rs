//! Initiate File Upload and Append to File Upload (`spec/uploads.tfspec`).
//!
//! An upload session's bytes are kept on disk, in a file of the server's upload folder
//! ([`UploadStore`]), never in memory: an appended chunk the HTTP server spooled to a file
//! ([`Staged`]) is copied from file to file. A session's file is removed when the session is
//! published (Publish Flow with `uploadSessionId`) or expires (idle for the configured lifetime,
//! checked whenever an upload endpoint is called), and the whole folder when the server is
//! dropped.

use super::{Session, Simulator, state};
use crate::interface::{
    AppendToFileUploadError, AppendToFileUploadInput, Context, InitiateFileUploadError,
    InitiateFileUploadInput, Reject, UploadsService,
};
use crate::tf;
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The folder upload sessions (and request bodies being spooled) keep their bytes in: the
/// server's own, made when first needed (a server that never sees an upload leaves nothing
/// behind, even when its process is killed) and removed with everything in it when dropped.
#[derive(Debug)]
pub(crate) struct UploadStore {
    dir: PathBuf,
    made: Mutex<bool>,
    files: AtomicU64,
}

impl UploadStore {
    /// A folder of this server's in `parent` (not made yet).
    pub fn new(parent: &Path) -> UploadStore {
        static SERVERS: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let dir = parent.join(format!(
            "tableau-flows-mock-{}-{}-{nanos}",
            std::process::id(),
            SERVERS.fetch_add(1, Ordering::Relaxed)
        ));
        UploadStore {
            dir,
            made: Mutex::new(false),
            files: AtomicU64::new(0),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A new, empty file in the folder (`{prefix}-{n}`), open for reading and writing.
    pub fn new_file(&self, prefix: &str) -> io::Result<(PathBuf, File)> {
        {
            let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
            if !*made {
                if let Some(parent) = self.dir.parent() {
                    sweep(parent);
                }
                std::fs::create_dir_all(&self.dir)?;
                *made = true;
            }
        }
        let n = self.files.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("{prefix}-{n}"));
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok((path, file))
    }

    /// Removes the folder and everything in it.
    pub fn remove(&self) {
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        if *made {
            let _ = std::fs::remove_dir_all(&self.dir);
            *made = false;
        }
    }
}

/// Removes the folders that simulators of processes no longer running left in `parent` (killed,
/// or ended without dropping their server), untouched for an hour or more. Only where it can tell
/// a process runs (Linux's `/proc`); the hour keeps the folder of a server whose process it
/// cannot see (another PID namespace sharing the folder) unless it has long been idle.
fn sweep(parent: &Path) {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name
            .to_str()
            .and_then(|n| n.strip_prefix("tableau-flows-mock-"))
        else {
            continue;
        };
        let numbers: Vec<&str> = rest.split('-').collect();
        if numbers.len() != 3
            || !numbers
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            continue;
        }
        if Path::new("/proc").join(numbers[0]).exists() {
            continue;
        }
        let idle = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_dir)
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= std::time::Duration::from_secs(60 * 60));
        if idle {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for UploadStore {
    fn drop(&mut self) {
        self.remove();
    }
}

/// The content of a request's file part (an appended chunk, a published flow), left in the file
/// the HTTP server spooled the request to (the request the interface decides carries the part
/// empty).
#[derive(Debug)]
pub(crate) struct Staged {
    /// The spooled request body.
    pub file: File,
    /// Where the `tableau_file` part's content lies in it.
    pub range: Range<u64>,
}

thread_local! {
    /// The chunk of the request being decided on this thread, if the HTTP server spooled it.
    static STAGED: RefCell<Option<Staged>> = const { RefCell::new(None) };
}

/// Decides a request (`decide`) whose file part's content is `staged`: Append to File Upload and
/// Publish Flow take it from there ([`take_staged`]).
pub(crate) fn with_staged<T>(staged: Staged, decide: impl FnOnce() -> T) -> T {
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            STAGED.with(|s| s.borrow_mut().take());
        }
    }
    STAGED.with(|s| *s.borrow_mut() = Some(staged));
    let _clear = Clear;
    decide()
}

/// The file part's content of the request being decided on this thread, if the HTTP server
/// spooled it (taken: asked again, `None`).
pub(crate) fn take_staged() -> Option<Staged> {
    STAGED.with(|s| s.borrow_mut().take())
}

impl Staged {
    /// The part's content, read into memory (a published flow's bytes).
    pub(crate) fn read(mut self) -> io::Result<Vec<u8>> {
        let len = self.range.end - self.range.start;
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        self.file.seek(SeekFrom::Start(self.range.start))?;
        (&mut self.file).take(len).read_to_end(&mut bytes)?;
        if (bytes.len() as u64) < len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(bytes)
    }
}

impl state::Upload {
    /// Removes the session's file.
    pub(crate) fn discard(&self) {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let _ = std::fs::remove_file(&self.path);
    }

    /// The session's bytes, and its file removed (publishing it).
    pub(crate) fn take_bytes(&self) -> io::Result<Vec<u8>> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let bytes = std::fs::read(&self.path);
        let _ = std::fs::remove_file(&self.path);
        bytes
    }
}

impl state::State {
    /// Ends the upload sessions idle for their lifetime or longer, removing their files.
    pub(crate) fn expire_uploads(&mut self) {
        let now = self.now();
        let lifetime = self.upload_lifetime;
        let expired: Vec<String> = self
            .uploads
            .iter()
            .filter(|(_, u)| now.saturating_sub(u.last_used) >= lifetime)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            if let Some(upload) = self.uploads.remove(&id) {
                upload.discard();
            }
        }
    }
}

impl UploadsService for Simulator {
    fn initiate_file_upload(
        &self,
        cx: &Context<Session>,
        _input: InitiateFileUploadInput,
    ) -> Result<tf::FileUploadResponse, Reject<InitiateFileUploadError>> {
        let mut state = self.lock();
        state.expire_uploads();
        state.upload_counter += 1;
        let n = state.upload_counter;
        // The schema's form: `N:HEX-N:N`.
        let hex = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
        let id = format!("{n}:{hex}-1:0");
        let (path, _) = self.uploads.new_file("session").map_err(|e| {
            Reject::new(
                InitiateFileUploadError::BadRequest,
                format!("the simulator cannot store an upload session: {e}"),
            )
        })?;
        let now = state.now();
        state.uploads.insert(
            id.clone(),
            state::Upload {
                site_id: cx.session.site_id.clone(),
                path,
                size: 0,
                last_used: now,
                lock: Arc::new(Mutex::new(())),
            },
        );
        Ok(tf::FileUploadResponse::new(model!(
            tf::FileUpload::new(id),
            file_size = Some("0".into()),
        )))
    }

    fn append_to_file_upload(
        &self,
        cx: &Context<Session>,
        input: AppendToFileUploadInput,
    ) -> Result<tf::FileUploadResponse, Reject<AppendToFileUploadError>> {
        use AppendToFileUploadError as E;
        let staged = take_staged();
        let id = input.upload_session_id;
        let missing = || Reject::new(E::BadRequest, format!("no upload session {id}"));
        // The session is looked up under the state's lock; the chunk is copied without it.
        let (path, lock) = {
            let mut state = self.lock();
            state.expire_uploads();
            let now = state.now();
            let upload = state
                .uploads
                .get_mut(id.as_str())
                .filter(|u| u.site_id == cx.session.site_id)
                .ok_or_else(missing)?;
            upload.last_used = now;
            (upload.path.clone(), upload.lock.clone())
        };
        let size = {
            let _one_at_a_time = lock.lock().unwrap_or_else(|p| p.into_inner());
            // A session published or expired meanwhile has no file any more.
            let mut out = File::options()
                .append(true)
                .open(&path)
                .map_err(|_| missing())?;
            let copied = match staged {
                Some(mut staged) => staged
                    .file
                    .seek(SeekFrom::Start(staged.range.start))
                    .and_then(|_| {
                        let len = staged.range.end - staged.range.start;
                        io::copy(&mut (&mut staged.file).take(len), &mut out)
                    })
                    .map(drop),
                None => out.write_all(&input.file.bytes),
            };
            copied
                .and_then(|()| out.metadata())
                .map(|m| m.len())
                .map_err(|e| {
                    Reject::new(
                        E::BadRequest,
                        format!("the simulator cannot store the chunk: {e}"),
                    )
                })?
        };
        {
            let mut state = self.lock();
            let now = state.now();
            if let Some(upload) = state.uploads.get_mut(id.as_str()) {
                upload.size = size;
                upload.last_used = now;
            }
        }
        Ok(tf::FileUploadResponse::new(model!(
            tf::FileUpload::new(id),
            file_size = Some((size / (1024 * 1024)).to_string()),
        )))
    }
}
