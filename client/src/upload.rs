//! Publishing a flow file: in one `multipart/mixed` request, or in chunks.
//!
//! Up to a threshold (64 MB by default, Tableau's limit for one request) the file goes in one
//! request. Above it: Initiate File Upload, Append to File Upload once per chunk, then Publish
//! Flow with `uploadSessionId` and `flowType` (deviation S12). Either way the file is streamed:
//! memory use does not grow with the file (a chunk is streamed too, never buffered).
//!
//! ```no_run
//! use tableau_flows::upload::PublishOptions;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
//! let published = client.publish_flow_file(
//!     "Coffee Chain.tflx",
//!     PublishOptions::new("6f8a2966-e173-11e8-ae74-ffd84c19d7f3").overwrite(true),
//! )?;
//! println!("published {}", published.flow.id);
//! # Ok(()) }
//! ```

use crate::body::{FilePart, Progress};
use crate::error::Error;
use crate::{
    AppendFileUploadRequest, AppendToFileUploadError, Client, Connection, FlowFileType,
    InitiateFileUploadError, ProjectRef, PublishFlow, PublishFlowError, PublishFlowRequest,
    PublishFlowResponse,
};
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
}

/// What went wrong publishing, by step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The file cannot be published (checked before anything is sent).
    #[error("{0}")]
    BadFile(String),
    /// Reading the file failed.
    #[error("reading the flow file: {0}")]
    Io(#[from] std::io::Error),
    /// Initiate File Upload failed.
    #[error("initiating the upload: {0}")]
    Initiate(Error<InitiateFileUploadError>),
    /// Append to File Upload failed for a chunk (numbered from 1).
    #[error("appending chunk {chunk}: {error}")]
    Append {
        /// The chunk.
        chunk: u64,
        /// The error.
        error: Error<AppendToFileUploadError>,
    },
    /// Publish Flow failed.
    #[error("publishing: {0}")]
    Publish(Error<PublishFlowError>),
}

impl PublishError {
    /// The Publish Flow error (e.g. 409041: a flow of that name exists), if that step failed.
    pub fn publish_error(&self) -> Option<&Error<PublishFlowError>> {
        match self {
            PublishError::Publish(e) => Some(e),
            _ => None,
        }
    }
}

/// The flow file type of a file name: `.tfl` or `.tflx` (any case); anything else is refused.
pub fn flow_file_type(filename: &str) -> Result<FlowFileType, PublishError> {
    let ext = Path::new(filename)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("tfl") => Ok(FlowFileType::Tfl),
        Some("tflx") => Ok(FlowFileType::Tflx),
        _ => Err(PublishError::BadFile(format!(
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
    /// Publishes the flow file at `path` (`.tfl` or `.tflx`).
    pub fn publish_flow_file(
        &self,
        path: impl AsRef<Path>,
        options: PublishOptions,
    ) -> Result<PublishFlowResponse, PublishError> {
        let path = path.as_ref();
        let filename = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| PublishError::BadFile(format!("{} names no file", path.display())))?;
        flow_file_type(&filename)?;
        let size = std::fs::metadata(path)?.len();
        self.publish(&filename, size, Source::Path(path.to_owned()), options)
    }

    /// Publishes a flow of `size` bytes read from `reader`, named `filename` (`.tfl` or `.tflx`).
    pub fn publish_flow_reader(
        &self,
        filename: &str,
        reader: impl Read + Send + 'static,
        size: u64,
        options: PublishOptions,
    ) -> Result<PublishFlowResponse, PublishError> {
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
    ) -> Result<PublishFlowResponse, PublishError> {
        if filename.contains(['"', '\r', '\n']) {
            return Err(PublishError::BadFile(format!(
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
            match &options.progress {
                Some(p) => {
                    let p = p.clone();
                    part.with_progress(Arc::new(move |done, _| p(sent_before + done, Some(size))))
                }
                None => part,
            }
        };
        if size <= options.threshold {
            return self
                .publish_flow(payload)
                .overwrite(options.overwrite)
                .file(part(0, size, 0))
                .send()
                .map_err(PublishError::Publish);
        }
        let session = self
            .initiate_file_upload()
            .send()
            .map_err(PublishError::Initiate)?;
        let upload_id = session.file_upload.upload_session_id;
        let mut offset = 0u64;
        let mut chunk = 0u64;
        while offset < size {
            chunk += 1;
            let len = options.chunk_size.min(size - offset);
            self.append_to_file_upload(upload_id.clone(), AppendFileUploadRequest::default())
                .file(part(offset, len, offset))
                .send()
                .map_err(|error| PublishError::Append { chunk, error })?;
            offset += len;
        }
        self.publish_flow(payload)
            .overwrite(options.overwrite)
            .upload_session_id(upload_id)
            .flow_type(file_type)
            .send()
            .map_err(PublishError::Publish)
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
                matches!(flow_file_type(bad), Err(PublishError::BadFile(_))),
                "{bad}"
            );
        }
    }
}
