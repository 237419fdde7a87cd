//! Checks of the spec against its sources: a Flow Methods reference page ([`docpage`] reads it,
//! [`doc`] compares it and drafts what is missing) and the official XML schema ([`xsd`]).

pub mod doc;
pub mod docpage;
pub mod xsd;
