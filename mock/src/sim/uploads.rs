//! Initiate File Upload and Append to File Upload (`spec/uploads.tfspec`).

use super::{Session, Simulator, state};
use crate::interface::{
    AppendToFileUploadError, AppendToFileUploadInput, Context, InitiateFileUploadError,
    InitiateFileUploadInput, Reject, UploadsService,
};
use crate::tf;

impl UploadsService for Simulator {
    fn initiate_file_upload(
        &self,
        cx: &Context<Session>,
        _input: InitiateFileUploadInput,
    ) -> Result<tf::FileUploadResponse, Reject<InitiateFileUploadError>> {
        let mut state = self.lock();
        state.upload_counter += 1;
        // The schema's form: `N:HEX-N:N`.
        let hex = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
        let id = format!("{}:{hex}-1:0", state.upload_counter);
        state.uploads.insert(
            id.clone(),
            state::Upload {
                bytes: Vec::new(),
                site_id: cx.session.site_id.clone(),
            },
        );
        Ok(tf::FileUploadResponse {
            file_upload: tf::FileUpload {
                upload_session_id: id.into(),
                file_size: Some("0".into()),
                max_file_chunk_count: None,
            },
        })
    }

    fn append_to_file_upload(
        &self,
        cx: &Context<Session>,
        input: AppendToFileUploadInput,
    ) -> Result<tf::FileUploadResponse, Reject<AppendToFileUploadError>> {
        let file = input.file;
        let mut state = self.lock();
        let id = input.upload_session_id;
        let upload = state
            .uploads
            .get_mut(id.as_str())
            .filter(|u| u.site_id == cx.session.site_id)
            .ok_or_else(|| {
                Reject::new(
                    AppendToFileUploadError::BadRequest,
                    format!("no upload session {id}"),
                )
            })?;
        upload.bytes.extend_from_slice(&file.bytes);
        let size = upload.bytes.len() / (1024 * 1024);
        Ok(tf::FileUploadResponse {
            file_upload: tf::FileUpload {
                upload_session_id: id,
                file_size: Some(size.to_string()),
                max_file_chunk_count: None,
            },
        })
    }
}
