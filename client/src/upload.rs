//! Publishing a flow file: in one `multipart/mixed` request, or in chunks.
//!
//! Up to a threshold (64 MB by default, Tableau's limit for one request) the file goes in one
//! request. Above it: Initiate File Upload, Append to File Upload once per chunk, then Publish
//! Flow with `uploadSessionId` and `flowType` (deviation S12). Either way the file is streamed:
//! memory use does not grow with the file (a chunk is streamed too, never buffered).
//!
//! ```no_run
//! use tableau_flows::PublishOptions;
//! # fn main() -> Result<(), tableau_flows::Error> {
//! # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
//! let finance = client.find_project("Finance")?;
//! let published = client.publish_flow_file(
//!     "Coffee Chain.tflx",
//!     PublishOptions::new(finance.id).overwrite(true),
//! )?;
//! println!("published {}", published.flow.id);
//! # Ok(()) }
//! ```

use crate::body::{FilePart, Progress};
use crate::cancel::{CancelToken, check};
use crate::error::Error;
use crate::flows::{PublishFlow, PublishFlowRequest, PublishFlowResponse};
use crate::uploads::AppendFileUploadRequest;
use crate::{Client, Connection, FlowFileType, ProjectRef};
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Tableau's limit for a file sent in one request, and the default threshold.
pub const SINGLE_REQUEST_LIMIT: u64 = 64 * 1024 * 1024;
/// The default chunk size of a chunked upload.
pub const DEFAULT_CHUNK_SIZE: u64 = 8 * 1024 * 1024;

/// How to publish a flow.
#[derive(Clone)]
pub struct PublishOptions {
    project: crate::ProjectId,
    name: Option<String>,
    description: Option<String>,
    overwrite: bool,
    connections: Vec<Connection>,
    threshold: u64,
    chunk_size: u64,
    progress: Option<Progress>,
    cancel: Option<CancelToken>,
}

impl std::fmt::Debug for PublishOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublishOptions")
            .field("project", &self.project)
            .field("name", &self.name)
            .field("overwrite", &self.overwrite)
            .field("connections", &self.connections)
            .field("threshold", &self.threshold)
            .field("chunk_size", &self.chunk_size)
            .finish_non_exhaustive()
    }
}

impl PublishOptions {
    /// Publish into the project with this id.
    pub fn new(project: impl Into<crate::ProjectId>) -> Self {
        PublishOptions {
            project: project.into(),
            name: None,
            description: None,
            overwrite: false,
            connections: Vec::new(),
            threshold: SINGLE_REQUEST_LIMIT,
            chunk_size: DEFAULT_CHUNK_SIZE,
            progress: None,
            cancel: None,
        }
    }

    /// The flow's name on the server (default: the file name without its extension).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The flow's description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Replace a flow of the same name (default: fail with 409041).
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Addresses and credentials for the flow's input connections.
    pub fn connection(mut self, connection: Connection) -> Self {
        self.connections.push(connection);
        self
    }

    /// Files larger than this are uploaded in chunks (default and maximum: 64 MB).
    pub fn chunk_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes.min(SINGLE_REQUEST_LIMIT);
        self
    }

    /// The size of each chunk of a chunked upload (default 8 MiB; at least 1 byte).
    pub fn chunk_size(mut self, bytes: u64) -> Self {
        self.chunk_size = bytes.max(1);
        self
    }

    /// Reports `(bytes sent, file size)` as the file goes.
    pub fn progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Stops the upload when the token is raised: the request being sent fails, and no further
    /// chunk is sent.
    pub fn cancel(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

/// The flow file type of a file name: `.tfl` or `.tflx` (any case); anything else is refused.
pub(crate) fn flow_file_type(filename: &str) -> Result<FlowFileType, Error> {
    let ext = Path::new(filename)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("tfl") => Ok(FlowFileType::Tfl),
        Some("tflx") => Ok(FlowFileType::Tflx),
        _ => Err(Error::InvalidArgument(format!(
            "{filename:?} is not a flow file: the name must end in .tfl or .tflx"
        ))),
    }
}

/// A reader shared by the chunks of one upload, each taking its share in turn.
struct Shared(Arc<Mutex<Box<dyn Read + Send>>>);

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).read(buf)
    }
}

enum Source {
    Path(std::path::PathBuf),
    Reader(Arc<Mutex<Box<dyn Read + Send>>>),
}

impl Client {
    /// Publishes the flow file at `path` (`.tfl` or `.tflx`). A path that is not a file (a
    /// directory, say) is refused before anything is sent, and every error reading it names it.
    pub fn publish_flow_file(
        &self,
        path: impl AsRef<Path>,
        options: PublishOptions,
    ) -> Result<PublishFlowResponse, Error> {
        let path = path.as_ref();
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::InvalidArgument(format!("{} names no file", path.display())))?;
        flow_file_type(&filename)?;
        let meta = std::fs::metadata(path).map_err(|e| crate::download::at(path, e))?;
        if !meta.is_file() {
            return Err(Error::InvalidArgument(format!(
                "{} is not a file{}",
                path.display(),
                if meta.is_dir() {
                    " but a directory"
                } else {
                    ""
                }
            )));
        }
        let size = meta.len();
        self.publish(&filename, size, Source::Path(path.to_owned()), options)
    }

    /// Publishes a flow of `size` bytes read from `reader`, named `filename` (`.tfl` or `.tflx`).
    pub fn publish_flow_reader(
        &self,
        filename: &str,
        reader: impl Read + Send + 'static,
        size: u64,
        options: PublishOptions,
    ) -> Result<PublishFlowResponse, Error> {
        flow_file_type(filename)?;
        self.publish(
            filename,
            size,
            Source::Reader(Arc::new(Mutex::new(Box::new(reader)))),
            options,
        )
    }

    fn publish(
        &self,
        filename: &str,
        size: u64,
        source: Source,
        options: PublishOptions,
    ) -> Result<PublishFlowResponse, Error> {
        if filename.contains(['"', '\r', '\n']) {
            return Err(Error::InvalidArgument(format!(
                "the file name {filename:?} cannot be sent"
            )));
        }
        let file_type = flow_file_type(filename)?;
        let name = options.name.clone().unwrap_or_else(|| {
            Path::new(filename)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| filename.to_owned())
        });
        let payload = PublishFlowRequest {
            flow: PublishFlow {
                name,
                description: options.description.clone(),
                project: ProjectRef {
                    id: options.project.clone(),
                    name: None,
                },
            },
            connections: options.connections.clone(),
        };
        let part = |offset: u64, len: u64, sent_before: u64| -> FilePart {
            let part = match &source {
                Source::Path(p) => FilePart::from_path_range(filename, p.clone(), offset, len),
                Source::Reader(r) => FilePart::from_reader(filename, Shared(r.clone()), len),
            };
            let part = match &options.cancel {
                Some(c) => part.with_cancel(c.clone()),
                None => part,
            };
            match &options.progress {
                Some(p) => {
                    let p = p.clone();
                    part.with_progress(Arc::new(move |done, _| p(sent_before + done, Some(size))))
                }
                None => part,
            }
        };
        let cancel = options.cancel.as_ref();
        check(cancel, "publish")?;
        // A request stopped mid-way by the token is the cancellation, not a transport failure.
        let stopped = |e: Error| match cancel {
            Some(c) if c.is_cancelled() => Error::Cancelled("publish"),
            _ => e,
        };
        if size <= options.threshold {
            return self
                .publish_flow(payload)
                .overwrite(options.overwrite)
                .file(part(0, size, 0))
                .send()
                .map_err(|e| stopped(e.into()));
        }
        let session = self.initiate_file_upload().send()?;
        let upload_id = session.file_upload.upload_session_id;
        let mut offset = 0u64;
        while offset < size {
            check(cancel, "publish")?;
            let len = options.chunk_size.min(size - offset);
            self.append_to_file_upload(upload_id.clone(), AppendFileUploadRequest::default())
                .file(part(offset, len, offset))
                .send()
                .map_err(|e| stopped(e.into()))?;
            offset += len;
        }
        check(cancel, "publish")?;
        Ok(self
            .publish_flow(payload)
            .overwrite(options.overwrite)
            .upload_session_id(upload_id)
            .flow_type(file_type)
            .send()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_file_types() {
        assert_eq!(flow_file_type("a.tfl").unwrap(), FlowFileType::Tfl);
        assert_eq!(flow_file_type("dir/A.TFLX").unwrap(), FlowFileType::Tflx);
        for bad in ["a.twbx", "a", "a.tfl.zip", ".tflx.bak"] {
            assert!(
                matches!(flow_file_type(bad), Err(Error::InvalidArgument(_))),
                "{bad}"
            );
        }
    }
}
