//! `flowspec`: tools over the tableau-flows spec.
//!
//! ```text
//! flowspec export json|openapi|markdown|mcp|mcp-markdown [--api-version X.Y] [--out DIR]
//! flowspec check
//! flowspec check-doc PAGE.txt
//! flowspec check-xsd SCHEMA.xsd
//! flowspec draft PAGE.txt
//! flowspec diff FROM TO
//! ```
//!
//! Every command reads the spec built into the binary (the `tableau-flows-spec` crate it was built
//! with), or the spec folder given as `--spec DIR`; a mistake in it is printed as
//! `spec/FILE:LINE:COL: message` with exit status 1. Output to a closed pipe (`flowspec export json
//! | head`) ends the command quietly.

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use tableau_flows_codegen::ir::{Spec, Version};

#[derive(Parser)]
#[command(
    name = "flowspec",
    version,
    about = "Exports, checks and compares the tableau-flows spec"
)]
struct Cli {
    /// Read the spec from this folder (its `*.tfspec` files and `examples/`) instead of the spec
    /// built into flowspec.
    #[arg(long, global = true, value_name = "DIR")]
    spec: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the spec in a format for other tools and languages.
    Export {
        /// json: the spec (schema: spec/export.schema.json); openapi: OpenAPI 3.1; markdown: reference
        /// pages; mcp: one MCP tool per endpoint (JSON); mcp-markdown: the tool list (docs/mcp-tools.md).
        format: Format,
        /// The API as it was at this version (endpoints, parameters, values and error rows of then).
        #[arg(long, value_parser = parse_version)]
        api_version: Option<Version>,
        /// markdown: write one page per resource group into this folder instead of printing them.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Validates the spec.
    Check,
    /// Compares a Flow Methods reference page (plain text) with the spec as of the page's version;
    /// exits 1 when a difference is not recorded in the spec as an erratum or deviation.
    CheckDoc {
        /// The page.
        page: PathBuf,
    },
    /// Compares Tableau's official XML schema with the spec: lists each attribute and element of
    /// the schema types the spec covers (its `schema` block) that no struct has; exits 1 when one
    /// is not recorded in `left_out` with a reason.
    CheckXsd {
        /// The schema (`.xsd`).
        schema: PathBuf,
    },
    /// Prints a DSL skeleton for each method of the page that the spec lacks.
    Draft {
        /// The page.
        page: PathBuf,
    },
    /// Prints what the API gained between two versions.
    Diff {
        /// The older version.
        #[arg(value_parser = parse_version)]
        from: Version,
        /// The newer version.
        #[arg(value_parser = parse_version)]
        to: Version,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Openapi,
    Markdown,
    Mcp,
    McpMarkdown,
}

fn parse_version(s: &str) -> Result<Version, String> {
    Version::parse(s).ok_or_else(|| format!("{s:?} is not a version such as 3.24"))
}

/// Why a command failed: a message for stderr, or an error writing its output.
enum Failure {
    Message(String),
    Output(std::io::Error),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Message(message)
    }
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Self {
        Failure::Output(err)
    }
}

fn read_page(path: &PathBuf) -> Result<tableau_flows_codegen::docpage::DocPage, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    tableau_flows_codegen::docpage::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn run(cli: Cli, spec: Spec, out: &mut dyn Write) -> Result<bool, Failure> {
    match cli.command {
        Command::Export {
            format,
            api_version,
            out: folder,
        } => {
            let spec = match api_version {
                Some(v) => spec.as_of(v),
                None => spec,
            };
            match format {
                Format::Json => {
                    out.write_all(tableau_flows_codegen::export_json(&spec).as_bytes())?
                }
                Format::Openapi => {
                    out.write_all(tableau_flows_codegen::export_openapi(&spec).as_bytes())?
                }
                Format::Mcp => {
                    out.write_all(tableau_flows_codegen::export_mcp_tools(&spec).as_bytes())?
                }
                Format::McpMarkdown => {
                    out.write_all(tableau_flows_codegen::export_mcp_markdown(&spec).as_bytes())?
                }
                Format::Markdown => {
                    let pages = tableau_flows_codegen::export_markdown(&spec);
                    match folder {
                        Some(dir) => {
                            std::fs::create_dir_all(&dir)
                                .map_err(|e| format!("{}: {e}", dir.display()))?;
                            for (group, text) in pages {
                                let path = dir.join(format!("{group}.md"));
                                std::fs::write(&path, text)
                                    .map_err(|e| format!("{}: {e}", path.display()))?;
                                writeln!(out, "{}", path.display())?;
                            }
                        }
                        None => {
                            for (i, (_, text)) in pages.iter().enumerate() {
                                if i > 0 {
                                    writeln!(out)?;
                                }
                                out.write_all(text.as_bytes())?;
                            }
                        }
                    }
                }
            }
            Ok(true)
        }
        Command::Check => {
            writeln!(
                out,
                "spec OK: {} endpoints, {} types, {} error codes",
                spec.endpoints.len(),
                spec.types.len(),
                spec.error_codes.len()
            )?;
            Ok(true)
        }
        Command::CheckDoc { page } => {
            let parsed = read_page(&page)?;
            let diffs = tableau_flows_codegen::check_doc::check(&spec, &parsed);
            for d in &diffs {
                writeln!(out, "{d}")?;
            }
            let unknown = diffs.iter().filter(|d| d.known.is_none()).count();
            writeln!(
                out,
                "{}: API {}, {} methods; {} differences, {unknown} not recorded in the spec",
                page.display(),
                parsed.version,
                parsed.methods.len(),
                diffs.len()
            )?;
            Ok(unknown == 0)
        }
        Command::CheckXsd { schema } => {
            let text = std::fs::read_to_string(&schema)
                .map_err(|e| format!("{}: {e}", schema.display()))?;
            let report = tableau_flows_codegen::check_xsd::check_xsd(&spec, &text)
                .map_err(|e| format!("{}: {e}", schema.display()))?;
            writeln!(out, "{report}")?;
            Ok(report.is_clean())
        }
        Command::Draft { page } => {
            let parsed = read_page(&page)?;
            let text = tableau_flows_codegen::check_doc::draft(&spec, &parsed);
            if text.is_empty() {
                eprintln!("{}: the spec has every method of the page", page.display());
            }
            out.write_all(text.as_bytes())?;
            Ok(true)
        }
        Command::Diff { from, to } => {
            if from > to {
                return Err(format!("{from} is newer than {to}").into());
            }
            let gains = spec.gained(from, to);
            for g in &gains {
                writeln!(out, "{g}")?;
            }
            writeln!(out, "{} additions from API {from} to {to}", gains.len())?;
            Ok(true)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let loaded = match &cli.spec {
        Some(dir) => tableau_flows_codegen::load(dir),
        None => tableau_flows_codegen::load_embedded(tableau_flows_spec::FILES),
    };
    let spec = match loaded {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let result = run(cli, spec, &mut out).and_then(|ok| {
        out.flush()?;
        Ok(ok)
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        // The reader went away (`flowspec export json | head`): nothing left to say to anyone.
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            eprintln!("flowspec: writing the output: {e}");
            ExitCode::FAILURE
        }
        Err(Failure::Message(e)) => {
            eprintln!("flowspec: {e}");
            ExitCode::FAILURE
        }
    }
}
