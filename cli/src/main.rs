//! `tabflow`: the command line of the `tableau_flows` client (see `tableau_flows_cli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    let (mut stdout, mut stderr) = (std::io::stdout().lock(), std::io::stderr());
    ExitCode::from(tableau_flows_cli::main_with(
        std::env::args_os(),
        &mut stdout,
        &mut stderr,
    ))
}
