//! Diagnostics: every mistake in the spec is reported as `spec/FILE:LINE:COL: message`.

use std::fmt;

/// A position in a spec file (line and column are 1-based).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    /// The file, as shown to users (e.g. `spec/flows.tfspec`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl Loc {
    pub(crate) fn from_span(file: &str, span: proc_macro2::Span) -> Loc {
        let start = span.start();
        Loc {
            file: file.to_owned(),
            line: start.line,
            col: start.column + 1,
        }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One mistake in the spec, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where the mistake is.
    pub loc: Loc,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc, self.message)
    }
}

/// Every mistake found in a spec, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub(crate) fn push(&mut self, loc: &Loc, message: impl Into<String>) {
        self.0.push(Diagnostic {
            loc: loc.clone(),
            message: message.into(),
        });
    }

    /// Whether no mistake was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn sort(&mut self) {
        self.0
            .sort_by(|a, b| a.loc.cmp(&b.loc).then(a.message.cmp(&b.message)));
        self.0.dedup();
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// An error of the generator: the spec could not be read, or it has mistakes.
#[derive(Debug)]
pub enum Error {
    /// A spec file or folder could not be read.
    Io {
        /// The path that failed.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The spec has mistakes.
    Spec(Diagnostics),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "{path}: {source}"),
            Error::Spec(d) => write!(f, "{d}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Spec(d) => Some(d),
        }
    }
}
