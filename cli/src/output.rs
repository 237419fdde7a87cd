//! What a command prints on standard output: aligned tables and `name value` details for people,
//! or one JSON document (`--json`) serialised from the client's models.

use crate::error::CliError;
use serde::Serialize;
use std::fmt::Display;
use std::io::Write;

/// Where a command writes its result.
pub struct Output<'w> {
    json: bool,
    out: &'w mut dyn Write,
}

impl<'w> Output<'w> {
    /// Writes to `out`, as JSON when `json` is set.
    pub fn new(out: &'w mut dyn Write, json: bool) -> Self {
        Output { json, out }
    }

    /// Whether the result is to be printed as JSON.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints one JSON document (pretty-printed, followed by a newline).
    pub fn json<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CliError> {
        serde_json::to_writer_pretty(&mut *self.out, value).map_err(|e| {
            match e.io_error_kind() {
                Some(kind) => stdout_error(std::io::Error::new(kind, e.to_string())),
                None => CliError::from(e),
            }
        })?;
        writeln!(self.out).map_err(stdout_error)?;
        self.out.flush().map_err(stdout_error)
    }

    /// Writes bytes as they are (a downloaded file, an answer's XML), ignoring `--json`.
    pub fn write_raw(&mut self, bytes: &[u8]) -> Result<(), CliError> {
        self.out.write_all(bytes).map_err(stdout_error)
    }

    /// The writer itself, for streaming a download to standard output (its errors are to be
    /// named with [`stdout_error`]).
    pub fn writer(&mut self) -> &mut dyn Write {
        &mut *self.out
    }

    /// Prints a line of text, [cleaned](clean) of terminal controls (it may quote the server).
    pub fn line(&mut self, text: impl Display) -> Result<(), CliError> {
        writeln!(self.out, "{}", clean(&text.to_string())).map_err(stdout_error)
    }

    /// Prints a table.
    pub fn table(&mut self, table: &Table) -> Result<(), CliError> {
        self.out
            .write_all(table.render().as_bytes())
            .map_err(stdout_error)
    }

    /// Prints `name  value` lines, the values aligned.
    pub fn details(&mut self, details: &Details) -> Result<(), CliError> {
        self.out
            .write_all(details.render().as_bytes())
            .map_err(stdout_error)
    }

    /// Flushes what was written.
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.out.flush().map_err(stdout_error)
    }
}

/// The error of writing standard output, naming it (`writing standard output: No space left on
/// device`); a reader gone from it (a broken pipe) is [`CliError::BrokenPipe`], which ends the
/// command quietly.
pub fn stdout_error(e: std::io::Error) -> CliError {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::other(format!("writing standard output: {e}"))
    }
}

/// Whether printing `c` could act on the terminal rather than show a character, or show text
/// other than it is: C0 and C1 controls (ESC starts an escape sequence, U+009B one of eight-bit
/// controls), and the characters the library leaves out of the file names it writes
/// ([`tableau_flows::is_hidden_in_names`]: format characters such as the bidi embeddings,
/// overrides and isolates that reorder text, zero-width characters, line and paragraph
/// separators). So a file name the server gave is printed exactly as it was written.
pub fn is_terminal_control(c: char) -> bool {
    tableau_flows::is_hidden_in_names(c)
}

/// Text the server wrote, made safe to print on one line: tab, newline and carriage return
/// become spaces and every other [terminal control](is_terminal_control) is removed, so that a
/// hostile answer can neither move the cursor, recolour or retitle the terminal, nor forge
/// lines.
pub fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(is_terminal_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if is_terminal_control(c) => None,
            c => Some(c),
        })
        .collect()
}

/// A document the server wrote (an answer's XML), made safe to print: terminal controls go
/// except tab, newline and carriage return, which XML uses (and no other control is legal in
/// XML 1.0, so only a broken or hostile answer loses anything).
pub fn clean_document(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let keep = |c: char| matches!(c, '\t' | '\n' | '\r') || !is_terminal_control(c);
    match std::str::from_utf8(bytes) {
        Ok(text) if text.chars().all(keep) => std::borrow::Cow::Borrowed(bytes),
        Ok(text) => text
            .chars()
            .filter(|&c| keep(c))
            .collect::<String>()
            .into_bytes()
            .into(),
        Err(_) => bytes
            .iter()
            .copied()
            .filter(|&b| matches!(b, b'\t' | b'\n' | b'\r') || !(b < 0x20 || b == 0x7f))
            .collect::<Vec<u8>>()
            .into(),
    }
}

/// A cell as printed: control characters (newlines, tabs) become spaces or go (see [`clean`]) so
/// that rows stay on one line, and an empty value is shown as `-`.
fn cell(text: &str) -> String {
    let text = clean(text);
    let text = text.trim();
    if text.is_empty() {
        "-".to_owned()
    } else {
        text.to_owned()
    }
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// Pads the cells of each row to the width of their column (the last column is not padded).
fn render_rows(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for row in rows {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, c) in row.iter().enumerate() {
            if i + 1 < row.len() {
                line.push_str(c);
                line.push_str(&" ".repeat(widths[i] - width(c) + 2));
            } else {
                line.push_str(c);
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

/// A table with a header row, its columns aligned with spaces.
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Self {
        Table {
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row (missing cells are empty, extra cells are dropped).
    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let mut row: Vec<String> = cells
            .into_iter()
            .take(self.headers.len())
            .map(|c| cell(c.as_ref()))
            .collect();
        row.resize(self.headers.len(), "-".to_owned());
        self.rows.push(row);
    }

    /// The number of rows, header excluded.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as text: the header, then one line per row.
    pub fn render(&self) -> String {
        let mut all = Vec::with_capacity(self.rows.len() + 1);
        all.push(self.headers.clone());
        all.extend(self.rows.iter().cloned());
        render_rows(&all)
    }
}

/// `name  value` lines, the values aligned: the fields of one item.
#[derive(Debug, Clone, Default)]
pub struct Details {
    rows: Vec<Vec<String>>,
}

impl Details {
    /// No lines yet.
    pub fn new() -> Self {
        Details::default()
    }

    /// Adds a line.
    pub fn field(&mut self, name: &str, value: impl AsRef<str>) -> &mut Self {
        self.rows
            .push(vec![format!("{name}:"), cell(value.as_ref())]);
        self
    }

    /// The lines as text.
    pub fn render(&self) -> String {
        render_rows(&self.rows)
    }
}

/// An optional text, empty when absent.
pub fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

/// An optional value as the API writes it (enums by their wire name).
pub fn value<T: Display>(value: Option<&T>) -> String {
    value.map(ToString::to_string).unwrap_or_default()
}

/// A date and time for people: RFC 3339 to the second, in UTC (`2024-04-09T18:54:12Z`).
pub fn date(value: Option<&tableau_flows::DateTime>) -> String {
    value
        .map(|d| {
            // Whole seconds, as servers send them: a fraction is dropped.
            tableau_flows::DateTime::from_unix_timestamp(d.unix_timestamp())
                .unwrap_or(*d)
                .to_string()
        })
        .unwrap_or_default()
}

/// A time of day as the API writes it: `HH:MM:SS`.
pub fn time(value: &tableau_flows::Time) -> String {
    value.to_string()
}

/// A name and an id: `name (id)`, or whichever is known.
pub fn named(name: Option<&str>, id: &str) -> String {
    match name {
        Some(n) if !n.trim().is_empty() && !id.is_empty() => format!("{n} ({id})"),
        Some(n) if !n.trim().is_empty() => n.to_owned(),
        _ => id.to_owned(),
    }
}

/// A byte count for people: `812 B`, `1.5 KiB`, `3.2 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_never_break_rows() {
        let mut t = Table::new(&["ID", "NAME", "TYPE"]);
        t.row(["1", "Coffee", "tflx"]);
        t.row(["22", "Tea\nand cake", ""]);
        t.row(["333"]);
        assert_eq!(
            t.render(),
            "ID   NAME          TYPE\n\
             1    Coffee        tflx\n\
             22   Tea and cake  -\n\
             333  -             -\n"
        );
        assert_eq!(t.len(), 3);
        assert_eq!(Table::new(&["A", "B"]).render(), "A  B\n");
    }

    #[test]
    fn tables_measure_characters_not_bytes() {
        let mut t = Table::new(&["NAME", "X"]);
        t.row(["Café", "1"]);
        assert_eq!(t.render(), "NAME  X\nCafé  1\n");
    }

    #[test]
    fn details_align_values() {
        let mut d = Details::new();
        d.field("ID", "abc").field("Description", "");
        assert_eq!(d.render(), "ID:           abc\nDescription:  -\n");
    }

    #[test]
    fn terminal_controls_are_cleaned() {
        assert_eq!(clean("plain"), "plain");
        assert!(matches!(clean("plain"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(
            clean("a\u{1b}[31mred\u{7}\tb\nc\u{9b}2J\u{202e}d\u{7f}"),
            "a[31mred b c2Jd"
        );
        assert_eq!(
            &*clean_document(b"<a>\x1b]0;t\x07\n\tx\r\n</a>"),
            b"<a>]0;t\n\tx\r\n</a>"
        );
        assert_eq!(&*clean_document(b"\xff\x1b[1m"), b"\xff[1m");
    }

    #[test]
    fn helpers() {
        assert_eq!(named(Some("Default"), "p1"), "Default (p1)");
        assert_eq!(named(None, "p1"), "p1");
        assert_eq!(named(Some("x"), ""), "x");
        assert_eq!(bytes(812), "812 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(
            value(Some(&tableau_flows::RunStatus::InProgress)),
            "InProgress"
        );
        assert_eq!(value::<tableau_flows::RunStatus>(None), "");
        let t = tableau_flows::Time::from_hms(8, 5, 0).unwrap();
        assert_eq!(time(&t), "08:05:00");
    }

    #[test]
    fn dates_are_utc_to_the_second() {
        let d =
            tableau_flows::DateTime::from_unix_timestamp_nanos(1_712_688_852_000_000_123).unwrap();
        assert_eq!(date(Some(&d)), "2024-04-09T18:54:12Z");
        assert_eq!(date(None), "");
    }
}
