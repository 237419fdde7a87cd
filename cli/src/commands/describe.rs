//! `flows describe`: what a flow reads, does and writes, from a local flow file or the flow's
//! file downloaded from the server, as text, JSON or a Mermaid graph.

use crate::args::{DescribeArgs, DescribeFormat};
use crate::error::CliError;
use crate::output::{Output, clean};
use crate::resolve;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use tableau_flows::document::{
    Domain, FlowDocument, FlowDocumentAnswer, FlowDocumentError, Input, Output as FlowOutput,
};
use tableau_flows::{CancelToken, Client, DownloadOptions, Error};

/// The most bytes a flow file downloaded for `describe` may have (it is held in memory): a
/// bigger one is to be downloaded to a file (`flows download`) and described from there.
pub const MAX_DOWNLOAD: u64 = 512 * 1024 * 1024;

/// The local flow file `args` names, if it names one: an existing file whose name ends in
/// `.tfl` or `.tflx` (any case), given without `--project`.
pub fn local_file(args: &DescribeArgs) -> Option<&Path> {
    if args.flow.project.is_some() {
        return None;
    }
    let path = Path::new(&args.flow.flow);
    let flow_file = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tfl") || e.eq_ignore_ascii_case("tflx"));
    (flow_file && path.is_file()).then_some(path)
}

/// Describes a local flow file (no server, no sign-in).
pub fn describe_file(path: &Path, args: &DescribeArgs, out: &mut Output) -> Result<(), CliError> {
    let doc = FlowDocument::from_file(path)
        .map_err(|e| CliError::other(format!("{}: {e}", path.display())))?;
    print(&doc, format(args, out), out, Source::File)
}

/// Where a description comes from: the JSON output's `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A local flow file.
    File,
    /// The server's experimental flow-document endpoint (`GET /api/exp/.../document`).
    Document,
    /// The flow's file, downloaded (Download Flow).
    Download,
}

impl Source {
    /// The JSON output's `source`: `file`, `document` or `download`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::File => "file",
            Source::Document => "document",
            Source::Download => "download",
        }
    }
}

/// Says on stderr, with `--verbose`, where a description comes from.
fn note(text: &str) {
    log::debug!(target: "tabflow::describe", "{text}");
}

/// Describes a flow of the server: resolved by id, name or path (`--project`), read from the
/// server's experimental flow-document endpoint where the server offers it, or else from its
/// file, downloaded into memory (at most [`MAX_DOWNLOAD`] bytes).
pub fn describe_flow(
    client: &Client,
    args: &DescribeArgs,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let id = resolve::flow_id_in(client, &args.flow.flow, args.flow.project.as_deref())?;
    let (doc, source) = document_of(client, &id, cancel)?;
    print(&doc, format(args, out), out, source)
}

/// The document of the flow with this id, and where it came from: the server's experimental
/// flow-document endpoint where the server offers it, or else the flow's file downloaded into
/// memory (at most [`MAX_DOWNLOAD`] bytes) and read (as `flows describe` and the MCP tool
/// `describe-flow` do).
pub fn document_of(
    client: &Client,
    id: &str,
    cancel: &CancelToken,
) -> Result<(FlowDocument, Source), CliError> {
    match client.flow_document(id) {
        Ok(FlowDocumentAnswer::Document(doc)) => {
            note(&format!(
                "flow {id} described from the server's flow document (GET /api/exp/.../document)"
            ));
            return Ok((doc, Source::Document));
        }
        Ok(FlowDocumentAnswer::NotAvailable(why)) => note(&format!(
            "the server's flow-document endpoint is not available ({why}): downloading flow {id}"
        )),
        Ok(_) => note(&format!("downloading flow {id}")),
        Err(FlowDocumentError::Call(e)) => return Err(Error::from(e).into()),
        Err(FlowDocumentError::Document(e)) => {
            return Err(CliError::other(format!(
                "the server's document of flow {id}: {e}"
            )));
        }
        Err(e) => return Err(CliError::other(format!("flow {id}: {e}"))),
    }
    let mut file = Capped {
        bytes: Vec::new(),
        over: false,
    };
    let result =
        client.download_flow_to(id, &mut file, DownloadOptions::new().cancel(cancel.clone()));
    if file.over {
        return Err(CliError::other(format!(
            "the file of flow {id} is larger than {} MiB: download it with `tabflow flows download` and describe the file",
            MAX_DOWNLOAD / (1024 * 1024)
        )));
    }
    match result {
        Ok(_) => {}
        Err(Error::Cancelled(_)) => {
            return Err(CliError::Interrupted("the download was interrupted".into()));
        }
        Err(e) => return Err(e.into()),
    }
    let doc = FlowDocument::from_bytes(&file.bytes)
        .map_err(|e| CliError::other(format!("the file of flow {id}: {e}")))?;
    Ok((doc, Source::Download))
}

/// Memory that refuses to grow past [`MAX_DOWNLOAD`].
struct Capped {
    bytes: Vec<u8>,
    over: bool,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() as u64 + buf.len() as u64 > MAX_DOWNLOAD {
            self.over = true;
            return Err(std::io::Error::other(
                "the flow file is too large to describe",
            ));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `--format`, with the global `--json` meaning `--format json`.
fn format(args: &DescribeArgs, out: &Output) -> DescribeFormat {
    if out.is_json() {
        DescribeFormat::Json
    } else {
        args.format
    }
}

/// Prints a description; the JSON form is the document's summary and its `source`.
fn print(
    doc: &FlowDocument,
    format: DescribeFormat,
    out: &mut Output,
    source: Source,
) -> Result<(), CliError> {
    match format {
        DescribeFormat::Json => {
            let mut value = serde_json::to_value(doc)?;
            if let Some(object) = value.as_object_mut() {
                object.insert("source".into(), source.as_str().into());
            }
            out.json(&value)
        }
        DescribeFormat::Text => {
            for line in text(doc) {
                out.line(line)?;
            }
            Ok(())
        }
        DescribeFormat::Mermaid => {
            for line in mermaid(doc) {
                // Labels are escaped and cleaned already; `line` cleans again (a no-op).
                out.line(line)?;
            }
            Ok(())
        }
    }
}

/// Where an input or output connection points: `class server/database file`.
fn place(connection: Option<&tableau_flows::document::Connection>) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(c) = connection {
        if let Some(class) = &c.class {
            parts.push(class.clone());
        }
        if let Some(server) = &c.server {
            parts.push(format!("server {server}"));
        }
        if let Some(db) = &c.database {
            parts.push(format!("database {db}"));
        }
        if let Some(file) = &c.file {
            parts.push(format!(
                "file {file}{}",
                if c.packaged { " (packaged)" } else { "" }
            ));
        }
    }
    parts
}

fn input_line(i: &Input) -> String {
    let mut parts = place(i.connection.as_ref());
    if let Some(t) = &i.table {
        parts.push(format!("table {t}"));
    }
    if let Some(q) = &i.query {
        parts.push(format!("query {q}"));
    }
    format!("  {}  [{}]  {}", i.name, i.node_type, parts.join(", "))
}

fn output_line(o: &FlowOutput) -> String {
    let mut parts = vec![o.kind.clone()];
    if let Some(ds) = &o.data_source {
        parts.push(format!("data source {ds}"));
    }
    if let Some(p) = &o.project {
        parts.push(format!("project {p}"));
    }
    if let Some(f) = &o.file {
        parts.push(format!("file {f}"));
    }
    if let Some(t) = &o.table {
        parts.push(format!("table {t}"));
    }
    parts.extend(place(o.connection.as_ref()));
    format!("  {}  {}", o.name, parts.join(", "))
}

/// The text description: one section each, every line [cleaned](clean) by [`Output::line`].
pub fn text(doc: &FlowDocument) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(name) = &doc.name {
        lines.push(format!("Flow: {name}"));
        lines.push(String::new());
    }
    let none = |lines: &mut Vec<String>, empty: bool| {
        if empty {
            lines.push("  (none)".to_owned());
        }
    };
    lines.push("Inputs".to_owned());
    lines.extend(doc.inputs.iter().map(input_line));
    none(&mut lines, doc.inputs.is_empty());
    lines.push(String::new());
    lines.push("Steps".to_owned());
    let name_of: HashMap<&str, &str> = doc
        .steps
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    for (n, s) in doc.steps.iter().enumerate() {
        let mut line = format!("  {}. {} ({})", n + 1, s.name, s.kind);
        if !s.actions.is_empty() {
            line.push_str(&format!(": {}", s.actions.join("; ")));
        }
        if !s.next.is_empty() {
            let next: Vec<&str> = s
                .next
                .iter()
                .map(|id| name_of.get(id.as_str()).copied().unwrap_or(id.as_str()))
                .collect();
            line.push_str(&format!(" -> {}", next.join(", ")));
        }
        lines.push(line);
    }
    none(&mut lines, doc.steps.is_empty());
    lines.push(String::new());
    lines.push("Outputs".to_owned());
    lines.extend(doc.outputs.iter().map(output_line));
    none(&mut lines, doc.outputs.is_empty());
    lines.push(String::new());
    lines.push("Parameters".to_owned());
    for p in &doc.parameters {
        let mut line = format!("  {}", p.name);
        if let Some(t) = &p.value_type {
            line.push_str(&format!(" ({t})"));
        }
        if let Some(v) = &p.value {
            line.push_str(&format!(" = {v}"));
        }
        if p.required {
            line.push_str(", required");
        }
        match &p.domain {
            Domain::List { values } => line.push_str(&format!(", one of {}", values.join(", "))),
            Domain::Range { min, max, step } => {
                let v = |v: &Option<String>| v.clone().unwrap_or_else(|| "?".into());
                line.push_str(&format!(", from {} to {}", v(min), v(max)));
                if let Some(step) = step {
                    line.push_str(&format!(" by {step}"));
                }
            }
            Domain::Other { name } => line.push_str(&format!(", domain {name}")),
            _ => {}
        }
        lines.push(line);
    }
    none(&mut lines, doc.parameters.is_empty());
    lines.push(String::new());
    lines.push("Lineage".to_owned());
    for l in &doc.lineage {
        let from: Vec<&str> = l.inputs.iter().map(|i| i.name.as_str()).collect();
        let from = if from.is_empty() {
            "(no input)".to_owned()
        } else {
            from.join(", ")
        };
        lines.push(format!("  {} <- {from}", l.output.name));
    }
    none(&mut lines, doc.lineage.is_empty());
    if !doc.warnings.is_empty() {
        lines.push(String::new());
        lines.push("Warnings".to_owned());
        lines.extend(doc.warnings.iter().map(|w| format!("  {w}")));
    }
    lines
}

/// A label for Mermaid: inside double quotes, with what would end or change it (quotes,
/// brackets, `#`, `<`, `>`, `&`, backticks) as Mermaid's entity codes, terminal controls and line
/// breaks removed.
pub fn mermaid_label(text: &str) -> String {
    let mut label = String::with_capacity(text.len());
    for c in clean(text).chars() {
        match c {
            '"' => label.push_str("#quot;"),
            '#' => label.push_str("#35;"),
            '<' => label.push_str("#lt;"),
            '>' => label.push_str("#gt;"),
            '&' => label.push_str("#amp;"),
            '[' => label.push_str("#91;"),
            ']' => label.push_str("#93;"),
            '(' => label.push_str("#40;"),
            ')' => label.push_str("#41;"),
            '{' => label.push_str("#123;"),
            '}' => label.push_str("#125;"),
            '|' => label.push_str("#124;"),
            '`' => label.push_str("#96;"),
            c => label.push(c),
        }
    }
    label
}

/// The Mermaid graph (`flowchart LR`): one node per step (`s1`, `s2`, ... in step order; inputs
/// as stadiums, outputs as subroutines), one edge per `nextNodes` link.
pub fn mermaid(doc: &FlowDocument) -> Vec<String> {
    let mut lines = vec!["flowchart LR".to_owned()];
    let index: HashMap<&str, usize> = doc
        .steps
        .iter()
        .enumerate()
        .map(|(n, s)| (s.id.as_str(), n))
        .collect();
    for (n, s) in doc.steps.iter().enumerate() {
        let label = mermaid_label(&format!("{} ({})", s.name, s.kind));
        let node = match s.kind.as_str() {
            "input" => format!("    s{}([\"{label}\"])", n + 1),
            "output" => format!("    s{}[[\"{label}\"]]", n + 1),
            _ => format!("    s{}[\"{label}\"]", n + 1),
        };
        lines.push(node);
    }
    for (n, s) in doc.steps.iter().enumerate() {
        for next in &s.next {
            if let Some(&m) = index.get(next.as_str()) {
                lines.push(format!("    s{} --> s{}", n + 1, m + 1));
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_file_reach_the_terminal_cleaned() {
        let doc = FlowDocument::from_json(
            br#"{"initialNodes":["a"],"nodes":{"a":{"name":"In\u001b[2J\u0007put","nodeType":".v1.LoadSql",
            "baseType":"input","nextNodes":[{"nextNodeId":"b"}]},
            "b":{"name":"Out \"x\" [y]","nodeType":".v1.PublishExtract","baseType":"output"}}}"#,
        )
        .unwrap();
        for format in [DescribeFormat::Text, DescribeFormat::Mermaid] {
            let mut bytes = Vec::new();
            print(
                &doc,
                format,
                &mut Output::new(&mut bytes, false),
                Source::File,
            )
            .unwrap();
            let text = String::from_utf8(bytes).unwrap();
            assert!(!text.contains(['\u{1b}', '\u{7}']), "{text:?}");
            if format == DescribeFormat::Text {
                assert!(text.contains("  In[2Jput  [.v1.LoadSql]"), "{text}");
            }
        }
        let mut bytes = Vec::new();
        print(
            &doc,
            DescribeFormat::Mermaid,
            &mut Output::new(&mut bytes, false),
            Source::File,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "flowchart LR\n    s1([\"In#91;2Jput #40;input#41;\"])\n    s2[[\"Out #quot;x#quot; #91;y#93; #40;output#41;\"]]\n    s1 --> s2\n"
        );
    }

    #[test]
    fn mermaid_labels_escape_what_would_end_them() {
        assert_eq!(
            mermaid_label("a \"b\" [c] (d) {e} <f> #g & `h` |i|\x1b[31m"),
            "a #quot;b#quot; #91;c#93; #40;d#41; #123;e#125; #lt;f#gt; #35;g #amp; #96;h#96; #124;i#124;#91;31m"
        );
    }
}
