//! Stage 1: the DSL as written. [`ast`] parses a spec file with syn (custom keywords, spans kept
//! for every token); [`diag`] renders mistakes as `spec/FILE:LINE:COL: message`.

pub(crate) mod ast;
pub mod diag;
mod entries;
mod modifiers;
