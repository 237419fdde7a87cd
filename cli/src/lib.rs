//! `tabflow`, a command line for the Tableau REST API flow methods, built on the `tableau_flows`
//! client: list, publish, download, update, delete and run flows; follow, cancel and wait for
//! runs; schedule tasks; run linked tasks; manage connections and permissions; list projects,
//! users, groups and schedules (every argument naming one takes its name or its id); call any
//! endpoint of the spec (`tabflow api`); and try it all against the embedded simulator (`tabflow
//! mock`, `tabflow demo`).
//!
//! The binary is a thin wrapper around [`main_with_cancel`]: parse the command line ([`args`]),
//! apply a profile ([`profiles`]), sign in or use the session `tabflow login` saved ([`session`],
//! [`store`]), resolve names ([`resolve`]), run the command ([`commands`],
//! [`simulator`]), print a table or one JSON document ([`output`]), and turn what went wrong into
//! a message on stderr and an exit status ([`error`]). `-v` prints the library's request log
//! ([`verbose`]); Ctrl-C cancels waits and transfers ([`interrupt`]).

#![warn(missing_docs)]

/// A response model from a value (its constructor) and the fields to set on it: the client's
/// response models are `#[non_exhaustive]`, so no struct literal builds one outside the client.
macro_rules! model {
    ($value:expr $(, $field:ident = $set:expr)* $(,)?) => {{
        let mut model = $value;
        $(model.$field = $set;)*
        model
    }};
}

pub mod args;
pub mod commands;
pub mod error;
pub mod interrupt;
pub mod mcp;
pub mod output;
pub mod profiles;
pub mod progress;
pub mod resolve;
pub mod session;
pub mod simulator;
pub mod store;
pub mod verbose;

use args::{Cli, Command};
use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use clap_complete::Generator;
use commands::{api, auth};
use error::{CliError, EXIT_OK, EXIT_USAGE};
use output::Output;
use session::SecretSource;
use std::ffi::OsString;
use std::io::Write;
use tableau_flows::CancelToken;

/// Runs the command line `args` (the program's name first), writing results to `stdout` and
/// errors to `stderr` as `tabflow: ...`; returns the exit status. Nothing cancels its waits and
/// transfers (see [`main_with_cancel`]).
pub fn main_with<I, T>(args: I, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    main_with_cancel(args, stdout, stderr, CancelToken::new())
}

/// [`main_with`], with waits and transfers stopped once `cancel` is raised (the binary raises it
/// on Ctrl-C): the command then signs out and fails with status 130, saying how to resume.
pub fn main_with_cancel<I, T>(
    args: I,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    cancel: CancelToken,
) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<T> = args.into_iter().collect();
    if args.len() <= 1 {
        // No command: the help, as a usage error.
        let _ = write!(stderr, "{}", Cli::command().render_help());
        return EXIT_USAGE;
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e, stdout, stderr),
    };
    report(
        execute(cli, stdout, &mut session::Terminal, &cancel),
        stderr,
    )
}

/// The exit status of a command's outcome, its error printed on `stderr` as `tabflow: ...`.
fn report(result: Result<(), CliError>, stderr: &mut dyn Write) -> u8 {
    match result {
        Ok(()) | Err(CliError::BrokenPipe) => EXIT_OK,
        Err(e) => {
            let _ = writeln!(stderr, "tabflow: {e}");
            e.exit_status()
        }
    }
}

/// Prints clap's verdict as clap renders it, whole: help and version on stdout (status 0), a
/// usage error on stderr (status 2), with what is missing or wrong, the usage, and for a command
/// given without its subcommand, the subcommands.
fn usage_error(e: &clap::Error, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8 {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(stdout, "{}", e.render());
            EXIT_OK
        }
        _ => {
            let _ = write!(stderr, "{}", e.render());
            EXIT_USAGE
        }
    }
}

/// Writes the completion script of `shell`.
fn completions(shell: clap_complete::Shell, out: &mut Output) -> Result<(), CliError> {
    let mut command = Cli::command();
    command.set_bin_name("tabflow");
    command.build();
    shell
        .try_generate(&command, out.writer())
        .map_err(output::stdout_error)?;
    Ok(())
}

/// Runs a parsed command line; secrets not given come from `source` (and, to sign in again when
/// a saved session expires, from the process's own standard input, environment and terminal).
fn execute(
    cli: Cli,
    stdout: &mut dyn Write,
    source: &mut dyn SecretSource,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    if cli.global.verbose {
        verbose::install();
    }
    let mut global = cli.global;
    let mut out = Output::new(stdout, global.json);
    if let Command::Api(args) = &cli.command {
        // A command line mixing the two forms, or a path of another server: refused before
        // anything is sent.
        api::form(args)?;
    }
    let result = match cli.command {
        Command::Mock(args) => simulator::mock(&args, &global, &mut out, cancel),
        Command::Demo => simulator::demo(&mut out, cancel),
        Command::Completions { shell } => completions(shell, &mut out),
        Command::Profiles(args::ProfilesCommand::List) => auth::profiles_list(&mut out),
        Command::Api(args) if api::is_list(&args) => api::list(&mut out),
        // A local flow file is described without a server or a sign-in.
        Command::Flows(args::FlowsCommand::Describe(args))
            if commands::describe::local_file(&args).is_some() =>
        {
            let path = commands::describe::local_file(&args).unwrap_or(std::path::Path::new(""));
            commands::describe::describe_file(path, &args, &mut out)
        }
        command => {
            profiles::apply(&mut global)?;
            match command {
                Command::ServerInfo => {
                    let client = session::client(&global)?;
                    commands::server::info(&client, &mut out)
                        .map_err(|e| e.at_server(client.base_url()))
                }
                Command::Api(args) if !api::needs_session(&args) => {
                    let client = session::client(&global)?;
                    api::call(&client, &args, &mut out).map_err(|e| e.at_server(client.base_url()))
                }
                Command::Login => auth::login(&global, source, &mut out),
                Command::Mcp(args) => {
                    if global.token_secret_stdin || global.password_stdin {
                        return Err(CliError::usage(
                            "tabflow mcp speaks on standard input: give the secret in \
                             TABLEAU_PAT_SECRET or TABLEAU_PASSWORD, or log in first (tabflow login), \
                             not with --token-secret-stdin or --password-stdin",
                        ));
                    }
                    let connection = session::connect(&global, source)?;
                    let result = mcp::serve(std::sync::Arc::clone(&connection.client), &args);
                    connection.finish(result)
                }
                Command::Logout => auth::logout(&global, &mut out),
                Command::Status(args) => auth::status(&global, &args, &mut out),
                command => {
                    if let Command::Api(args) = &command
                        && api::body_from_stdin(args)
                        && (global.token_secret_stdin || global.password_stdin)
                    {
                        return Err(CliError::usage(
                            "--body - and --token-secret-stdin or --password-stdin both read standard input: \
                             give the body in a file",
                        ));
                    }
                    let connection = session::connect(&global, source)?;
                    let result = commands::run(&connection.client, command, &mut out, cancel);
                    connection.finish(result)
                }
            }
        }
    };
    // The command's own failure wins over a failure to flush what it printed (a reader gone
    // from standard output): `tabflow mock | head -1` stopped by Ctrl-C still exits 130.
    let flushed = out.flush();
    result.and(flushed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tableau_flows_mock::{MockServer, demo};

    fn run_with(args: &[&str], cancel: CancelToken) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut argv = vec!["tabflow"];
        argv.extend_from_slice(args);
        let status = main_with_cancel(argv, &mut out, &mut err, cancel);
        (
            status,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn run(args: &[&str]) -> (u8, String, String) {
        run_with(args, CancelToken::new())
    }

    #[test]
    fn usage_errors_keep_clap_s_whole_message_with_status_2() {
        let (status, out, err) = run(&["flows", "lst"]);
        assert_eq!(status, 2);
        assert!(out.is_empty());
        assert!(
            err.starts_with("error: unrecognized subcommand 'lst'"),
            "{err}"
        );
        assert!(err.contains("a similar subcommand exists: 'list'"), "{err}");
        assert!(err.contains("Usage: tabflow flows"), "{err}");

        // The missing option is named, not only the first line of clap's message.
        let (status, _, err) = run(&["flows", "publish", "my.tflx"]);
        assert_eq!(status, 2);
        assert!(
            err.contains("the following required arguments were not provided"),
            "{err}"
        );
        // The missing option on a line of its own, as clap lists it (not only in the usage).
        assert!(
            err.contains("not provided:\n  --project <PROJECT>\n"),
            "{err}"
        );
    }

    #[test]
    fn a_group_without_its_subcommand_lists_the_subcommands_with_status_2() {
        let (status, out, err) = run(&["flows"]);
        assert_eq!(status, 2);
        assert!(out.is_empty());
        for sub in [
            "list", "get", "delete", "download", "publish", "update", "run",
        ] {
            assert!(err.contains(&format!("\n  {sub} ")), "{sub}: {err}");
        }
        let (status, _, err) = run(&["projects"]);
        assert_eq!(status, 2);
        assert!(err.contains("  list "), "{err}");
    }

    #[test]
    fn no_command_prints_the_help_with_status_2() {
        let (status, out, err) = run(&[]);
        assert_eq!(status, 2);
        assert!(out.is_empty());
        assert!(err.contains("Usage: tabflow"), "{err}");
    }

    #[test]
    fn help_goes_to_stdout_with_status_0_and_shows_examples() {
        let (status, out, _) = run(&["flows", "--help"]);
        assert_eq!(status, 0);
        assert!(out.contains("publish"), "{out}");
        for (args, example) in [
            (
                &["flows", "list", "--help"][..],
                "tabflow flows list --filter",
            ),
            (&["flows", "publish", "--help"], "--project Finance"),
            (&["flows", "run", "--help"], "--param Region=North --wait"),
            (&["flows", "download", "--help"], "-o - > sales.tflx"),
            (
                &["permissions", "add", "--help"],
                "--user analyst Read:Allow",
            ),
            (&["runs", "wait", "--help"], "tabflow runs wait "),
            (&["api", "--help"], "tabflow api --list"),
            (
                &["api", "--help"],
                "tabflow api GET /sites/{site}/users/{user}",
            ),
            (&["api", "--help"], "tabflow api [OPTIONS] METHOD PATH"),
            (&["flows", "run", "-h"], "Examples:"),
        ] {
            let (status, out, _) = run(args);
            assert_eq!(status, 0, "{args:?}");
            assert!(out.contains("Examples:"), "{args:?}: {out}");
            assert!(out.contains(example), "{args:?}: {out}");
        }
    }

    #[test]
    fn completions_are_scripts_for_each_shell() {
        let (status, out, err) = run(&["completions", "bash"]);
        assert_eq!((status, err.as_str()), (0, ""));
        assert!(out.contains("_tabflow()"), "{out}");
        assert!(out.contains("complete -F _tabflow"), "{out}");
        assert!(out.contains("publish"), "{out}");
        for (shell, mark) in [
            ("zsh", "#compdef tabflow"),
            ("fish", "complete -c tabflow"),
            ("powershell", "Register-ArgumentCompleter"),
            ("elvish", "edit:completion:arg-completer[tabflow]"),
        ] {
            let (status, out, _) = run(&["completions", shell]);
            assert_eq!(status, 0, "{shell}");
            assert!(out.contains(mark), "{shell}: {out}");
        }
    }

    /// The global options pointing at `server` with the demo administrator's token.
    fn at(server: &MockServer) -> Vec<String> {
        vec![
            "--server".into(),
            server.url().to_owned(),
            "--token-name".into(),
            demo::PAT_NAME.into(),
            "--token-secret".into(),
            demo::PAT_SECRET.into(),
        ]
    }

    fn run_at(server: &MockServer, args: &[&str], cancel: CancelToken) -> (u8, String, String) {
        let mut argv: Vec<String> = at(server);
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        run_with(&argv, cancel)
    }

    /// A fresh scratch directory.
    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tabflow-unit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_cancelled_wait_says_how_to_resume_and_exits_130() {
        let server = MockServer::builder()
            .run_timing(Duration::from_millis(50), Duration::from_secs(60))
            .start()
            .unwrap();
        let (status, out, err) = run_at(
            &server,
            &["flows", "run", "Coffee Chain", "--json"],
            CancelToken::new(),
        );
        assert_eq!(status, 0, "{err}");
        let started: serde_json::Value = serde_json::from_str(&out).unwrap();
        let run_id = started["job"]["runFlowJobType"]["flowRunId"]
            .as_str()
            .unwrap()
            .to_owned();

        // Raised while waiting, as Ctrl-C does.
        let cancel = CancelToken::new();
        let raiser = cancel.clone();
        let later = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(700));
            raiser.cancel();
        });
        let began = std::time::Instant::now();
        let (status, out, err) = run_at(&server, &["runs", "wait", &run_id], cancel);
        later.join().unwrap();
        assert_eq!(status, 130, "{err}");
        assert!(began.elapsed() < Duration::from_secs(5));
        assert_eq!(out, "");
        assert_eq!(
            err,
            format!("tabflow: interrupted; the run goes on: tabflow runs wait {run_id}\n")
        );

        // flows run --wait says the same of the run it started.
        let cancel = CancelToken::new();
        cancel.cancel();
        let (status, out, err) =
            run_at(&server, &["flows", "run", "Coffee Chain", "--wait"], cancel);
        assert_eq!(status, 130, "{err}");
        assert!(out.starts_with("started flow run "), "{out}");
        assert!(
            err.starts_with("tabflow: interrupted; the run goes on: tabflow runs wait "),
            "{err}"
        );
    }

    #[test]
    fn a_cancelled_transfer_leaves_no_partial_file_and_exits_130() {
        let server = MockServer::builder().start().unwrap();
        let dir = scratch("cancel");
        let cancel = CancelToken::new();
        cancel.cancel();
        let target = dir.join("coffee.tfl");
        let (status, out, err) = run_at(
            &server,
            &[
                "flows",
                "download",
                "Coffee Chain",
                "-o",
                target.to_str().unwrap(),
            ],
            cancel.clone(),
        );
        assert_eq!(status, 130, "{err}");
        assert_eq!(out, "");
        assert!(
            err.starts_with("tabflow: interrupted; the partial file was removed"),
            "{err}"
        );
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no .part file");

        // To standard output: stopped all the same.
        let (status, _, err) = run_at(
            &server,
            &["flows", "download", "Coffee Chain", "-o", "-"],
            cancel.clone(),
        );
        assert_eq!(status, 130, "{err}");

        let file = dir.join("Quick.tflx");
        std::fs::write(&file, demo::flow_file_bytes()).unwrap();
        let (status, _, err) = run_at(
            &server,
            &[
                "flows",
                "publish",
                file.to_str().unwrap(),
                "--project",
                "Default",
            ],
            cancel,
        );
        assert_eq!(status, 130, "{err}");
        assert!(
            err.starts_with("tabflow: interrupted; nothing was published"),
            "{err}"
        );
        // Without the token, the same commands work.
        let (status, _, err) = run_at(
            &server,
            &[
                "flows",
                "publish",
                file.to_str().unwrap(),
                "--project",
                "Default",
            ],
            CancelToken::new(),
        );
        assert_eq!(status, 0, "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
