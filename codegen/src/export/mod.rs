//! Stage 4: the spec for other languages and tools: JSON ([`json`], with its JSON Schema in
//! `spec/export.schema.json`), OpenAPI 3.1 ([`openapi`]), Markdown reference pages ([`markdown`])
//! and the tools of an MCP server ([`mcp`]).

pub(crate) mod json;
pub(crate) mod json_shape;
pub(crate) mod markdown;
pub(crate) mod mcp;
pub(crate) mod openapi;
