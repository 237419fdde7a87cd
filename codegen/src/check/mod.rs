//! Checks of the spec against its sources: a Flow Methods reference page ([`docpage`] reads it,
//! [`doc`] compares it and drafts what is missing).

pub mod doc;
pub mod docpage;
