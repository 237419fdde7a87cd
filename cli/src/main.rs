//! `tabflow`: the command line of the `tableau_flows` client (see `tableau_flows_cli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    // Ctrl-C during a wait or a transfer raises this token (the handler is installed then).
    let cancel = tableau_flows_cli::interrupt::enable();
    // Not locked for the whole run: `tabflow mcp` writes its messages from tokio's threads.
    let (mut stdout, mut stderr) = (std::io::stdout(), std::io::stderr());
    ExitCode::from(tableau_flows_cli::main_with_cancel(
        std::env::args_os(),
        &mut stdout,
        &mut stderr,
        cancel,
    ))
}
