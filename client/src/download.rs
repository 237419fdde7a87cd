//! Downloading a flow: streamed into any writer, or into a file named from `Content-Disposition`,
//! never held in memory.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
//! let path = client.download_flow_into("d00700fe-28a0-4ece-a7af-5543ddf38a82", std::path::Path::new("."), None)?;
//! println!("saved {}", path.display());
//! # Ok(()) }
//! ```

use crate::body::Progress;
use crate::error::Error;
use crate::{Client, DownloadFlowError, FlowId};
use std::io::Write;
use std::path::{Path, PathBuf};

impl Client {
    /// Downloads a flow into `writer`, reporting `(bytes, total when known)`; returns the number
    /// of bytes and the server's file name.
    pub fn download_flow_to(
        &self,
        flow_id: impl Into<FlowId>,
        writer: &mut impl Write,
        progress: Option<Progress>,
    ) -> Result<(u64, Option<String>), Error<DownloadFlowError>> {
        let download = self.download_flow(flow_id).send()?;
        let filename = download.filename.clone();
        let bytes = download
            .copy_with_progress(writer, progress.as_ref())
            .map_err(|e| e.map_kind(DownloadFlowError::Unhandled))?;
        Ok((bytes, filename))
    }

    /// Downloads a flow into the folder `dir`, in a file named as the server's
    /// `Content-Disposition` says (directories stripped; `<flow id>.tflx` when it says nothing).
    /// The file appears only once complete: the download goes to a `.part` file first.
    pub fn download_flow_into(
        &self,
        flow_id: impl Into<FlowId>,
        dir: &Path,
        progress: Option<Progress>,
    ) -> Result<PathBuf, Error<DownloadFlowError>> {
        let flow_id = flow_id.into();
        let download = self.download_flow(flow_id.clone()).send()?;
        let name = download
            .filename
            .clone()
            .unwrap_or_else(|| format!("{}.tflx", flow_id.as_str().replace(['/', '\\'], "_")));
        let target = dir.join(&name);
        let partial = dir.join(format!("{name}.part"));
        let result = (|| {
            let mut file = std::io::BufWriter::new(std::fs::File::create(&partial)?);
            download
                .copy_with_progress(&mut file, progress.as_ref())
                .map_err(|e| e.map_kind(DownloadFlowError::Unhandled))?;
            file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            std::fs::rename(&partial, &target)?;
            Ok(target)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        result
    }
}
