//! `api`: any endpoint of the spec by its id ([`tableau_flows::Client::raw`]), its answer's body
//! printed as the server sent it; `api --list` (or `api` alone) lists the endpoints.

use crate::args::ApiArgs;
use crate::error::CliError;
use crate::output::{Output, Table};
use serde_json::json;
use std::io::Read;
use std::path::Path;
use tableau_flows::Client;
use tableau_flows::endpoints;
use tableau_flows::meta::EndpointMeta;

/// Whether the call needs a signed-in session: every endpoint but Sign In and Server Info (an
/// unknown id is refused by the call itself).
pub fn needs_session(args: &ApiArgs) -> bool {
    args.endpoint
        .as_deref()
        .and_then(EndpointMeta::by_id)
        .is_none_or(|m| m.auth)
}

/// Whether the command only lists the endpoints.
pub fn is_list(args: &ApiArgs) -> bool {
    args.list || args.endpoint.is_none()
}

/// Whether the body is read from standard input.
pub fn body_from_stdin(args: &ApiArgs) -> bool {
    args.body.as_deref() == Some(Path::new("-"))
}

/// Lists every endpoint of the spec: ID, METHOD, PATH, TITLE (`--json`: with their path and query
/// parameters and the API version they appeared in).
pub fn list(out: &mut Output) -> Result<(), CliError> {
    if out.is_json() {
        let all: Vec<_> = endpoints::ALL
            .iter()
            .map(|e| {
                json!({
                    "id": e.id,
                    "title": e.title,
                    "method": e.method,
                    "path": e.path,
                    "since": e.since.to_string(),
                    "pathParameters": e.path_params().filter(|p| *p != "site_id").collect::<Vec<_>>(),
                    "queryParameters": e.query.iter().map(|q| q.wire).collect::<Vec<_>>(),
                })
            })
            .collect();
        return out.json(&all);
    }
    let mut t = Table::new(&["ID", "METHOD", "PATH", "TITLE"]);
    for e in endpoints::ALL {
        t.row([e.id, e.method, e.path, e.title]);
    }
    out.table(&t)
}

/// The request body: the file `--body` names, or standard input for `-`.
fn read_body(path: &Path) -> Result<Vec<u8>, CliError> {
    let mut body = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .read_to_end(&mut body)
            .map_err(|e| CliError::other(format!("--body -: reading standard input: {e}")))?;
    } else {
        body = std::fs::read(path)
            .map_err(|e| CliError::other(format!("--body {}: {e}", path.display())))?;
    }
    Ok(body)
}

/// Calls the endpoint and prints the answer's body (XML) as it came, with a final newline,
/// [cleaned](crate::output::clean_document) of terminal controls.
pub fn call(client: &Client, args: &ApiArgs, out: &mut Output) -> Result<(), CliError> {
    let Some(id) = args.endpoint.as_deref() else {
        return list(out);
    };
    let mut request = client.raw(id)?;
    for (name, value) in &args.path {
        request = request.path(name.as_str(), value.as_str());
    }
    for (name, value) in &args.query {
        request = request.query(name.as_str(), value.as_str());
    }
    if let Some(path) = &args.body {
        request = request.body(read_body(path)?);
    }
    let answer = request.send()?;
    out.write_raw(&crate::output::clean_document(&answer.body))?;
    if !answer.body.is_empty() && !answer.body.ends_with(b"\n") {
        out.write_raw(b"\n")?;
    }
    out.flush()
}
