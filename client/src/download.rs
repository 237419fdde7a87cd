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

/// How to save a download.
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
    /// [`Error::FileExists`], before anything is downloaded).
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
    /// `Content-Disposition` says (directories, control characters and leading dots stripped;
    /// `<flow id>.tflx` when it says nothing usable) or as [`DownloadOptions::file_name`] says.
    /// An existing file is never replaced unless [`DownloadOptions::overwrite`], even one that
    /// appears while the download runs; the file appears only once complete (the download goes
    /// to a hidden `.<name>.<random>.part` file first, removed on failure or cancellation). A
    /// download whose connection breaks off is started again from the beginning, as the client's
    /// [`RetryPolicy`](crate::RetryPolicy) allows.
    pub fn download_flow_into(
        &self,
        flow_id: impl Into<FlowId>,
        dir: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<PathBuf, Error> {
        let dir = dir.as_ref();
        let flow_id = flow_id.into();
        if let Some(name) = &options.file_name
            && !options.overwrite
            && dir.join(name).exists()
        {
            return Err(Error::FileExists(dir.join(name)));
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
        if !options.overwrite && target.exists() {
            return Err(Error::FileExists(target));
        }
        let (partial, file) = create_partial(dir, &name)?;
        let result = (|| {
            let mut file = std::io::BufWriter::new(file);
            download.copy_into(
                &mut file,
                options.progress.as_ref(),
                options.cancel.as_ref(),
            )?;
            file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            settle(&partial, &target, options.overwrite)?;
            Ok(target)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        result
    }
}

/// Creates a new hidden partial file beside the target (never an existing file).
fn create_partial(dir: &Path, name: &str) -> Result<(PathBuf, std::fs::File), Error> {
    loop {
        let partial = dir.join(format!(".{name}.{:08x}.part", fastrand::u32(..)));
        match std::fs::File::create_new(&partial) {
            Ok(file) => return Ok((partial, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Moves the complete partial file to `target`. Without `overwrite`, a file that appeared at
/// `target` meanwhile is kept: the partial file is linked to the target name, which fails if the
/// name exists (atomic on the file systems that have hard links), then removed; elsewhere the
/// name is checked just before the rename.
fn settle(partial: &Path, target: &Path, overwrite: bool) -> Result<(), Error> {
    if overwrite {
        std::fs::rename(partial, target)?;
        return Ok(());
    }
    match std::fs::hard_link(partial, target) {
        Ok(()) => {
            std::fs::remove_file(partial)?;
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(Error::FileExists(target.to_path_buf()))
        }
        Err(_) if target.exists() => Err(Error::FileExists(target.to_path_buf())),
        Err(_) => {
            std::fs::rename(partial, target)?;
            Ok(())
        }
    }
}
