//! Files sent in `multipart/mixed` requests, and progress reporting.
//!
//! A [`FilePart`] is streamed, never held in memory (unless it was given as bytes). One read from a
//! path or from bytes can be sent again (a retry, a repeat after signing in again); one from an
//! arbitrary reader is sent once.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A progress callback: `(bytes done, bytes in all when known)`. It is called from the thread that
/// makes the call, as data moves.
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

enum Source {
    Bytes(Arc<[u8]>),
    Path { path: PathBuf, offset: u64 },
    Reader(Option<Box<dyn Read + Send>>),
}

/// A file sent as the file part of a `multipart/mixed` request.
pub struct FilePart {
    filename: String,
    source: Source,
    length: u64,
    progress: Option<Progress>,
    cancel: Option<crate::cancel::CancelToken>,
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("filename", &self.filename)
            .field("length", &self.length)
            .field("replayable", &self.is_replayable())
            .finish_non_exhaustive()
    }
}

impl FilePart {
    /// A file held in memory.
    pub fn from_bytes(filename: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        let bytes: Arc<[u8]> = bytes.into().into();
        FilePart {
            filename: filename.into(),
            length: bytes.len() as u64,
            source: Source::Bytes(bytes),
            progress: None,
            cancel: None,
        }
    }

    /// A whole file on disk, named as its file name.
    pub fn from_path(path: impl AsRef<Path>) -> io::Result<Self> {
        let path = path.as_ref();
        let length = std::fs::metadata(path)
            .map_err(|e| crate::download::at(path, e))?
            .len();
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} names no file", path.display()),
                )
            })?;
        Ok(FilePart {
            filename,
            source: Source::Path {
                path: path.to_owned(),
                offset: 0,
            },
            length,
            progress: None,
            cancel: None,
        })
    }

    /// `length` bytes of a file on disk from `offset` (a chunk of a chunked upload).
    pub fn from_path_range(
        filename: impl Into<String>,
        path: impl AsRef<Path>,
        offset: u64,
        length: u64,
    ) -> Self {
        FilePart {
            filename: filename.into(),
            source: Source::Path {
                path: path.as_ref().to_path_buf(),
                offset,
            },
            length,
            progress: None,
            cancel: None,
        }
    }

    /// `length` bytes streamed from a reader; sent once (never repeated).
    pub fn from_reader(
        filename: impl Into<String>,
        reader: impl Read + Send + 'static,
        length: u64,
    ) -> Self {
        FilePart {
            filename: filename.into(),
            source: Source::Reader(Some(Box::new(reader))),
            length,
            progress: None,
            cancel: None,
        }
    }

    /// Reports progress as the file is sent.
    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Stops sending (the request fails) once the token is raised.
    pub(crate) fn with_cancel(mut self, cancel: crate::cancel::CancelToken) -> Self {
        self.cancel = Some(cancel);
        self
    }

    /// The file's name as sent.
    pub fn filename(&self) -> &str {
        &self.filename
    }

    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        self.length
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Whether it can be sent again.
    pub fn is_replayable(&self) -> bool {
        !matches!(self.source, Source::Reader(_))
    }

    /// A reader of exactly `len()` bytes (a short source is an error, not a short request).
    pub(crate) fn open(&mut self) -> io::Result<Box<dyn Read + Send>> {
        // A file on disk is named in every error reading it (one that shrank, a failing disk).
        let path = match &self.source {
            Source::Path { path, .. } => Some(path.clone()),
            _ => None,
        };
        let inner: Box<dyn Read + Send> = match &mut self.source {
            Source::Bytes(b) => Box::new(Cursor::new(ArcBytes(b.clone()))),
            Source::Path { path, offset } => {
                let mut f = File::open(&*path).map_err(|e| crate::download::at(path, e))?;
                f.seek(SeekFrom::Start(*offset))
                    .map_err(|e| crate::download::at(path, e))?;
                Box::new(f)
            }
            Source::Reader(r) => r
                .take()
                .ok_or_else(|| io::Error::other("the file part's reader was already sent"))?,
        };
        Ok(Box::new(Exact {
            inner,
            path,
            remaining: self.length,
            done: 0,
            total: self.length,
            progress: self.progress.clone(),
            cancel: self.cancel.clone(),
        }))
    }
}

struct ArcBytes(Arc<[u8]>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Reads exactly `remaining` bytes, failing on a short source, reporting progress.
struct Exact {
    inner: Box<dyn Read + Send>,
    /// The file read, named in errors.
    path: Option<PathBuf>,
    remaining: u64,
    done: u64,
    total: u64,
    progress: Option<Progress>,
    cancel: Option<crate::cancel::CancelToken>,
}

impl Read for Exact {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 {
            return Ok(0);
        }
        if self.cancel.as_ref().is_some_and(|c| c.is_cancelled()) {
            return Err(io::Error::other("the upload was cancelled"));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        let named = |e: io::Error| match &self.path {
            Some(path) => crate::download::at(path, e),
            None => e,
        };
        let n = self.inner.read(&mut buf[..want]).map_err(named)?;
        if n == 0 {
            return Err(named(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the file ended {} bytes early", self.remaining),
            )));
        }
        self.remaining -= n as u64;
        self.done += n as u64;
        if let Some(p) = &self.progress {
            p(self.done, Some(self.total));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_paths_replay_readers_do_not() {
        let mut b = FilePart::from_bytes("a.tfl", b"abc".to_vec());
        for _ in 0..2 {
            let mut s = String::new();
            b.open().unwrap().read_to_string(&mut s).unwrap();
            assert_eq!(s, "abc");
        }
        let mut r = FilePart::from_reader("a.tfl", Cursor::new(b"xyz".to_vec()), 3);
        assert!(!r.is_replayable());
        assert!(r.open().is_ok());
        assert!(r.open().is_err());
    }

    #[test]
    fn short_sources_fail_and_progress_is_reported() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let mut r = FilePart::from_reader("a.tfl", Cursor::new(b"xy".to_vec()), 3).with_progress(
            Arc::new(move |done, total| s2.lock().unwrap().push((done, total))),
        );
        let mut out = Vec::new();
        let err = r.open().unwrap().read_to_end(&mut out).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(seen.lock().unwrap().last(), Some(&(2, Some(3))));
    }

    #[test]
    fn path_ranges() {
        let dir = std::env::temp_dir().join(format!("tf-body-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("f.tflx");
        std::fs::write(&p, b"0123456789").unwrap();
        let mut part = FilePart::from_path_range("f.tflx", &p, 3, 4);
        let mut s = String::new();
        part.open().unwrap().read_to_string(&mut s).unwrap();
        assert_eq!(s, "3456");
        let whole = FilePart::from_path(&p).unwrap();
        assert_eq!((whole.filename(), whole.len()), ("f.tflx", 10));
        // A file that shrank after it was measured: the error names it.
        let mut whole = whole;
        std::fs::write(&p, b"01234").unwrap();
        let err = whole
            .open()
            .unwrap()
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(
            err.to_string(),
            format!("{}: the file ended 5 bytes early", p.display())
        );
        std::fs::remove_file(&p).unwrap();
        let err = FilePart::from_path_range("f.tflx", &p, 0, 1)
            .open()
            .err()
            .unwrap();
        assert!(
            err.to_string().starts_with(&p.display().to_string()),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
