//! Downloading a flow: streamed into any writer, or into a file named from `Content-Disposition`,
//! never held in memory, and never over an existing file unless asked.
//!
//! ```no_run
//! use tableau_flows::DownloadOptions;
//! # fn main() -> Result<(), tableau_flows::Error> {
//! # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
//! let path = client.download_flow_into("d00700fe-28a0-4ece-a7af-5543ddf38a82", ".", DownloadOptions::new())?;
//! println!("saved {}", path.display());
//! # Ok(()) }
//! ```

use crate::body::Progress;
use crate::cancel::CancelToken;
use crate::error::Error;
use crate::{Client, FlowId};
use std::io::Write;
use std::path::{Path, PathBuf};

/// How to save a download: under which name, whether over an existing file, with what progress
/// reports and cancel token.
///
/// What the target path is decides how it is written, as curl does:
///
/// | the target | without [`overwrite`](DownloadOptions::overwrite) | with it |
/// |---|---|---|
/// | nothing | a hidden partial file beside it, renamed to it once complete | the same |
/// | a regular file | refused ([`Error::FileExists`]) | a partial file renamed over it once complete |
/// | a symbolic link to a regular file | refused ([`Error::FileExists`]) | written through: the file it points to is replaced as above, the link stays |
/// | a character device (`/dev/null`) or a FIFO, or a link to one | written into, as it comes (no partial file, nothing renamed) | the same |
/// | a directory, a dangling link, a link to a directory, a block device, a socket | refused ([`Error::InvalidArgument`] naming it) | the same |
///
/// The partial file is named `.tabflow-XXXXXXXX.part` whatever the target's name, so that any
/// name the file system takes can be downloaded. Every file-system error names its path.
#[derive(Clone, Default)]
pub struct DownloadOptions {
    file_name: Option<String>,
    overwrite: bool,
    progress: Option<Progress>,
    cancel: Option<CancelToken>,
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("file_name", &self.file_name)
            .field("overwrite", &self.overwrite)
            .finish_non_exhaustive()
    }
}

impl DownloadOptions {
    /// The server's file name, no overwriting, no progress.
    pub fn new() -> Self {
        DownloadOptions::default()
    }

    /// Saves under this name instead of the server's.
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Replaces a file of the same name (by default the download fails with
    /// [`Error::FileExists`], before anything is downloaded). A symbolic link to a file is
    /// written through: the file it points to is replaced, the link stays. A character device
    /// or a FIFO is written into with or without it; a directory is never replaced (see the
    /// table of [`DownloadOptions`]).
    ///
    /// ```no_run
    /// use tableau_flows::DownloadOptions;
    /// # fn main() -> Result<(), tableau_flows::Error> {
    /// # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
    /// let flow = "d00700fe-28a0-4ece-a7af-5543ddf38a82";
    /// // Replaces ./sales.tflx if it is there.
    /// client.download_flow_into(flow, ".", DownloadOptions::new().file_name("sales.tflx").overwrite(true))?;
    /// // Reads the flow and throws it away (/dev/null stays what it is).
    /// client.download_flow_into(flow, "/dev", DownloadOptions::new().file_name("null"))?;
    /// # Ok(()) }
    /// ```
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Reports `(bytes, total when known)` as the file arrives.
    pub fn progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Stops the download when the token is raised; the partial file is removed.
    pub fn cancel(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

impl Client {
    /// Downloads a flow into `writer` (a file, standard output, memory) with the options'
    /// progress and cancel token (its file name and overwrite do not apply); returns the number
    /// of bytes and the server's file name.
    pub fn download_flow_to(
        &self,
        flow_id: impl Into<FlowId>,
        writer: &mut (impl Write + ?Sized),
        options: DownloadOptions,
    ) -> Result<(u64, Option<String>), Error> {
        let download = self.download_flow(flow_id).send()?;
        let filename = download.filename.clone();
        let bytes =
            download.copy_into(writer, options.progress.as_ref(), options.cancel.as_ref())?;
        Ok((bytes, filename))
    }

    /// Downloads a flow into the folder `dir`, in a file named as the server's
    /// `Content-Disposition` says (directories, leading dots and characters
    /// [hidden in names](crate::is_hidden_in_names) stripped; `<flow id>.tflx` when it says
    /// nothing usable) or as [`DownloadOptions::file_name`] says.
    /// An existing file is never replaced unless [`DownloadOptions::overwrite`], even one that
    /// appears while the download runs; the file appears only once complete (the download goes
    /// to a hidden `.tabflow-XXXXXXXX.part` file first, removed on failure or cancellation). A
    /// character device or a FIFO is written into; a symbolic link is followed to a regular
    /// file only as `overwrite` allows for the file itself; a directory or anything else is
    /// refused, naming it (the table of [`DownloadOptions`] says each case). A download whose
    /// connection breaks off is started again from the beginning, as the client's
    /// [`RetryPolicy`](crate::RetryPolicy) allows.
    pub fn download_flow_into(
        &self,
        flow_id: impl Into<FlowId>,
        dir: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<PathBuf, Error> {
        let dir = dir.as_ref();
        let flow_id = flow_id.into();
        if let Some(name) = &options.file_name {
            // Refused before anything is downloaded.
            Target::of(&dir.join(name), options.overwrite)?;
        }
        let policy = self.retry_policy();
        let started = std::time::Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.download_once(&flow_id, dir, &options) {
                Err(Error::Interrupted { received, source })
                    if attempt < policy.max_attempts
                        && started.elapsed() < policy.max_elapsed
                        && !options
                            .cancel
                            .as_ref()
                            .is_some_and(CancelToken::is_cancelled) =>
                {
                    log::debug!(
                        "download of flow {} broke off after {received} bytes ({source}); starting again",
                        flow_id.as_str()
                    );
                    std::thread::sleep(policy.delay(attempt, None));
                }
                result => return result,
            }
        }
    }

    fn download_once(
        &self,
        flow_id: &FlowId,
        dir: &Path,
        options: &DownloadOptions,
    ) -> Result<PathBuf, Error> {
        let download = self.download_flow(flow_id.clone()).send()?;
        let name = options
            .file_name
            .clone()
            .or_else(|| download.filename.clone())
            .unwrap_or_else(|| format!("{}.tflx", flow_id.as_str().replace(['/', '\\'], "_")));
        let target = dir.join(&name);
        let file = match Target::of(&target, options.overwrite)? {
            Target::Stream => {
                // A device or a FIFO: written into as the flow arrives.
                let mut stream = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&target)
                    .map_err(|e| at(&target, e))?;
                download
                    .copy_into(
                        &mut stream,
                        options.progress.as_ref(),
                        options.cancel.as_ref(),
                    )
                    .map_err(|e| at_error(&target, e))?;
                return Ok(target);
            }
            Target::File(file) => file,
        };
        let folder = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let (partial, handle) = create_partial(&folder, &target)?;
        let result = (|| {
            let mut writer = std::io::BufWriter::new(handle);
            download
                .copy_into(
                    &mut writer,
                    options.progress.as_ref(),
                    options.cancel.as_ref(),
                )
                .map_err(|e| at_error(&partial, e))?;
            writer
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .map_err(|e| at(&partial, e))?;
            // The target once more: a file that appeared meanwhile is kept (or refused below).
            settle(&partial, &file, &target, options.overwrite)?;
            Ok(target)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        result
    }
}

/// How a download's target path is written.
#[derive(Debug)]
enum Target {
    /// Into this regular file's path (the target itself, or the file a link points to), through
    /// a partial file renamed once complete.
    File(PathBuf),
    /// Into the target as it is: a character device or a FIFO.
    Stream,
}

impl Target {
    /// How `target` is to be written, or why it cannot be (see the module's table).
    fn of(target: &Path, overwrite: bool) -> Result<Target, Error> {
        use std::io::ErrorKind;
        let link = match std::fs::symlink_metadata(target) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Ok(Target::File(target.to_owned()));
            }
            Err(e) => return Err(at(target, e).into()),
        };
        let (meta, linked) = if link.file_type().is_symlink() {
            match std::fs::metadata(target) {
                Ok(m) => (m, true),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    return Err(refused(target, "is a symbolic link to nothing"));
                }
                Err(e) => return Err(at(target, e).into()),
            }
        } else {
            (link, false)
        };
        let kind = meta.file_type();
        if kind.is_file() {
            if !overwrite {
                return Err(Error::FileExists(target.to_owned()));
            }
            if !linked {
                return Ok(Target::File(target.to_owned()));
            }
            // Written through: the file the link points to is replaced, the link stays.
            let real = std::fs::canonicalize(target).map_err(|e| at(target, e))?;
            return Ok(Target::File(real));
        }
        if kind.is_dir() {
            return Err(refused(
                target,
                if linked {
                    "is a symbolic link to a directory"
                } else {
                    "is a directory"
                },
            ));
        }
        if is_stream(&kind) {
            return Ok(Target::Stream);
        }
        Err(refused(
            target,
            "is neither a file, a character device nor a FIFO",
        ))
    }
}

/// Whether a file of this type is written into as it is: a character device or a FIFO.
#[cfg(unix)]
fn is_stream(kind: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_char_device() || kind.is_fifo()
}

/// Whether a file of this type is written into as it is: never, off Unix.
#[cfg(not(unix))]
fn is_stream(_kind: &std::fs::FileType) -> bool {
    false
}

/// The refusal to download into `path`, saying why.
fn refused(path: &Path, why: &str) -> Error {
    Error::InvalidArgument(format!(
        "{} {why}: a download is written into a file, a character device or a FIFO",
        path.display()
    ))
}

/// An I/O error naming the path it happened at (its kind kept).
pub(crate) fn at(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// A download's error, an I/O error naming the path it happened at (any other kept as it is).
fn at_error(path: &Path, e: Error) -> Error {
    match e {
        Error::Io(e) => Error::Io(at(path, e)),
        other => other,
    }
}

/// Creates a new hidden partial file in `dir` (never an existing file), named
/// `.tabflow-XXXXXXXX.part` whatever the target's name, so that a target whose name is as long
/// as the file system allows can be downloaded.
/// A failure names the target and the partial file.
fn create_partial(dir: &Path, target: &Path) -> Result<(PathBuf, std::fs::File), Error> {
    loop {
        let partial = dir.join(format!(".tabflow-{:08x}.part", fastrand::u32(..)));
        match std::fs::File::create_new(&partial) {
            Ok(file) => return Ok((partial, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(std::io::Error::new(
                    e.kind(),
                    format!(
                        "{}: cannot create the partial file {} beside it: {e}",
                        target.display(),
                        partial.display()
                    ),
                )
                .into());
            }
        }
    }
}

/// Moves the complete partial file to `file` (the target, or the file a link at `target`
/// points to). Without `overwrite`, a file that appeared at `file` meanwhile is kept: the partial
/// file is linked to the target name, which fails if the name exists (atomic on the file systems
/// that have hard links), then removed; elsewhere the name is checked just before the rename.
fn settle(partial: &Path, file: &Path, target: &Path, overwrite: bool) -> Result<(), Error> {
    if overwrite {
        // What is at the target now is checked once more: never a rename over a directory, a
        // device or a FIFO that appeared meanwhile.
        match Target::of(target, true)? {
            Target::File(now) if now == file => {}
            _ => return Err(refused(target, "changed while the download ran")),
        }
        std::fs::rename(partial, file).map_err(|e| at(file, e))?;
        return Ok(());
    }
    match std::fs::hard_link(partial, file) {
        Ok(()) => {
            std::fs::remove_file(partial).map_err(|e| at(partial, e))?;
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::FileExists(target.to_path_buf()))
        }
        Err(_) if std::fs::symlink_metadata(file).is_ok() => {
            Err(Error::FileExists(target.to_path_buf()))
        }
        Err(_) => {
            std::fs::rename(partial, file).map_err(|e| at(file, e))?;
            Ok(())
        }
    }
}
