//! `tabflow`, a command line for the Tableau REST API flow methods, built on the `tableau_flows`
//! client: list, publish, download, update, delete and run flows; follow, cancel and wait for
//! runs; schedule tasks; run linked tasks; manage connections and permissions; and try it all
//! against the embedded simulator (`tabflow mock`, `tabflow demo`).
//!
//! The binary is a thin wrapper around [`main_with`]: parse the command line ([`args`]), sign in
//! ([`session`]), run the command ([`commands`], [`simulator`]), print a table or one JSON
//! document ([`output`]), and turn what went wrong into one line on stderr and an exit status
//! ([`error`]).

#![warn(missing_docs)]

pub mod args;
pub mod commands;
pub mod error;
pub mod output;
pub mod progress;
pub mod session;
pub mod simulator;

use args::{Cli, Command};
use clap::Parser;
use clap::error::ErrorKind;
use error::{CliError, EXIT_OK, EXIT_USAGE};
use output::Output;
use std::ffi::OsString;
use std::io::Write;

/// Runs the command line `args` (the program's name first), writing results to `stdout` and
/// errors to `stderr` as `tabflow: ...`; returns the exit status.
pub fn main_with<I, T>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<T> = args.into_iter().collect();
    if args.len() <= 1 {
        // No command: the help, as a usage error.
        let _ = write!(
            stderr,
            "{}",
            <Cli as clap::CommandFactory>::command().render_help()
        );
        return EXIT_USAGE;
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e, stdout, stderr),
    };
    match execute(cli, stdout) {
        Ok(()) => EXIT_OK,
        Err(CliError::BrokenPipe) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(stderr, "tabflow: {e}");
            e.exit_status()
        }
    }
}

/// Prints clap's verdict: help and version as clap writes them, a usage error as one line.
fn usage_error(e: &clap::Error, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(stdout, "{}", e.render());
            EXIT_OK
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(stderr, "{}", e.render());
            EXIT_USAGE
        }
        _ => {
            let _ = writeln!(stderr, "tabflow: {}", usage_line(&e.render().to_string()));
            EXIT_USAGE
        }
    }
}

/// clap's multi-line usage error as one line: the message, its tips, and the usage.
pub fn usage_line(rendered: &str) -> String {
    let mut message = String::new();
    let mut tips = Vec::new();
    let mut usage = None;
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(m) = line.strip_prefix("error:") {
            message = m.trim().to_owned();
        } else if let Some(t) = line.strip_prefix("tip:") {
            tips.push(t.trim().to_owned());
        } else if let Some(u) = line.strip_prefix("Usage:") {
            usage = Some(u.trim().to_owned());
        } else if line.starts_with("For more information") {
            continue;
        } else if message.is_empty() {
            message = line.to_owned();
        }
    }
    let mut text = error::one_line(&message);
    for t in tips {
        text.push_str(&format!("; {}", error::one_line(&t)));
    }
    if let Some(u) = usage {
        text.push_str(&format!(" (usage: {})", error::one_line(&u)));
    }
    text
}

/// Runs a parsed command line.
fn execute(cli: Cli, stdout: &mut dyn Write) -> Result<(), CliError> {
    let mut out = Output::new(stdout, cli.global.json);
    let result = match cli.command {
        Command::Mock(args) => simulator::mock(&args, &cli.global, &mut out),
        Command::Demo => simulator::demo(&mut out),
        Command::ServerInfo => {
            let client = session::client(&cli.global)?;
            commands::server::info(&client, &mut out).map_err(|e| e.at_server(client.base_url()))
        }
        command => {
            let client = session::client(&cli.global)?;
            let url = client.base_url().to_owned();
            session::sign_in(&client, &cli.global).map_err(|e| e.at_server(&url))?;
            let result = commands::run(&client, command, &mut out);
            let signed_out = client.end_session();
            match (result, signed_out) {
                (Ok(()), Err(e)) => {
                    // The command did what it was asked; the session will expire by itself.
                    eprintln!(
                        "tabflow: warning: signing out failed: {}",
                        CliError::from(e).at_server(&url)
                    );
                    Ok(())
                }
                (result, _) => result.map_err(|e| e.at_server(&url)),
            }
        }
    };
    out.flush().and(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut argv = vec!["tabflow"];
        argv.extend_from_slice(args);
        let status = main_with(argv, &mut out, &mut err);
        (
            status,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn usage_errors_are_one_line_with_status_2() {
        let (status, out, err) = run(&["flows", "lst"]);
        assert_eq!(status, 2);
        assert!(out.is_empty());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("tabflow: unrecognized subcommand 'lst'"),
            "{err}"
        );
        assert!(err.contains("usage: tabflow flows"), "{err}");
    }

    #[test]
    fn no_command_prints_the_help_with_status_2() {
        let (status, out, err) = run(&[]);
        assert_eq!(status, 2);
        assert!(out.is_empty());
        assert!(err.contains("Usage: tabflow"), "{err}");
    }

    #[test]
    fn help_goes_to_stdout_with_status_0() {
        let (status, out, _) = run(&["flows", "--help"]);
        assert_eq!(status, 0);
        assert!(out.contains("publish"), "{out}");
    }
}
