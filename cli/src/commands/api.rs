//! `api`: any endpoint of the spec by its id ([`tableau_flows::Client::raw`]), or any path of the
//! server by its method and path ([`tableau_flows::Client::request`], like `gh api`), its
//! answer's body printed as the server sent it; `api --list` (or `api` alone) lists the endpoints.

use crate::args::ApiArgs;
use crate::error::CliError;
use crate::output::{Output, Table};
use serde_json::json;
use std::io::Read;
use std::path::Path;
use tableau_flows::endpoints;
use tableau_flows::meta::EndpointMeta;
use tableau_flows::request::METHODS;
use tableau_flows::{Client, WireFormat};

/// The largest request body `--body` reads (64 MiB), from a file or standard input.
pub const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// What an `api` command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form<'a> {
    /// The list of the spec's endpoints.
    List,
    /// An endpoint of the spec, by its id.
    Endpoint(&'a str),
    /// Any path of the server.
    Path {
        /// The method, in upper case.
        method: &'static str,
        /// The path, as given.
        path: &'a str,
    },
}

/// The form of the command line, or the usage error of one that mixes the two (checked before
/// anything is sent, the path's rules included).
pub fn form(args: &ApiArgs) -> Result<Form<'_>, CliError> {
    let Some(first) = args.endpoint.as_deref().filter(|_| !args.list) else {
        return Ok(Form::List);
    };
    let method = METHODS
        .iter()
        .copied()
        .find(|m| m.eq_ignore_ascii_case(first.trim()));
    match (method, args.url_path.as_deref()) {
        (Some(method), Some(path)) => {
            if !args.path.is_empty() {
                return Err(CliError::usage(
                    "--path NAME=VALUE is for an ENDPOINT_ID: with METHOD PATH, write the values \
                     in the PATH",
                ));
            }
            tableau_flows::request::check_path(path).map_err(|e| {
                CliError::usage(e.to_string().trim_start_matches("invalid argument: "))
            })?;
            Ok(Form::Path { method, path })
        }
        (Some(method), None) => Err(CliError::usage(format!(
            "api {method} needs a PATH, e.g. tabflow api {method} /sites/{{site}}/users"
        ))),
        (None, Some(_)) => Err(CliError::usage(format!(
            "{first:?} is not a method ({}): an ENDPOINT_ID takes no PATH (`tabflow api --list` \
             lists the ids)",
            METHODS.join(", ")
        ))),
        (None, None) if args.content_type.is_some() => Err(CliError::usage(
            "--content-type is for METHOD PATH: an endpoint of the spec takes an XML body",
        )),
        (None, None) => Ok(Form::Endpoint(first)),
    }
}

/// Whether a path is Server Info's (`/serverinfo`, `/api/3.24/serverInfo`), which needs no
/// sign-in.
fn is_server_info(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default().trim_matches('/');
    let path = match path.strip_prefix("api/") {
        Some(rest) => rest.split_once('/').map_or("", |(_, p)| p),
        None => path,
    };
    path.eq_ignore_ascii_case("serverinfo")
}

/// Whether the call needs a signed-in session: every endpoint but Sign In and Server Info (an
/// unknown id is refused by the call itself); every path but Server Info's.
pub fn needs_session(args: &ApiArgs) -> bool {
    match form(args) {
        Ok(Form::List) => false,
        Ok(Form::Path { path, .. }) => !is_server_info(path),
        Ok(Form::Endpoint(id)) => EndpointMeta::by_id(id).is_none_or(|m| m.auth),
        Err(_) => true,
    }
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

/// How `--body` names where the body came from in messages: `--body FILE` or `--body -
/// (standard input)`.
fn body_name(path: &Path) -> String {
    if path == Path::new("-") {
        "--body - (standard input)".to_owned()
    } else {
        format!("--body {}", path.display())
    }
}

/// The request body: the file `--body` names, or standard input for `-`, at most
/// [`MAX_BODY_BYTES`]; every error names the file.
pub fn read_body(path: &Path) -> Result<Vec<u8>, CliError> {
    let name = body_name(path);
    let failed = |e: std::io::Error| CliError::other(format!("{name}: cannot read it: {e}"));
    let mut body = Vec::new();
    if path == Path::new("-") {
        std::io::stdin()
            .lock()
            .take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(failed)?;
    } else {
        let file = std::fs::File::open(path).map_err(failed)?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(CliError::other(format!(
                "{name}: is a directory, not a file"
            )));
        }
        file.take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(failed)?;
    }
    if body.len() as u64 > MAX_BODY_BYTES {
        return Err(CliError::other(format!(
            "{name}: holds more than the {} MiB a body may have",
            MAX_BODY_BYTES / (1024 * 1024)
        )));
    }
    Ok(body)
}

/// The `Content-Type` of a body given without `--content-type`: JSON when it starts with `{` or
/// `[`, XML otherwise.
fn sniffed_content_type(body: &[u8]) -> &'static str {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{' | b'[') => "application/json",
        _ => "application/xml",
    }
}

/// Prints an answer's body as it came, [cleaned](crate::output::clean_document) of terminal
/// controls, with a final newline. A binary answer (not UTF-8: a flow's `/content`) is written
/// byte for byte when standard output is not a terminal, and refused on a terminal.
fn print_body(body: &[u8], out: &mut Output) -> Result<(), CliError> {
    if std::str::from_utf8(body).is_err() {
        if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
            return Err(CliError::usage(format!(
                "the answer is binary ({} bytes): redirect standard output to a file \
                 (`> FILE`), or use `tabflow flows download` for a flow's file",
                body.len()
            )));
        }
        out.write_raw(body)?;
        return out.flush();
    }
    out.write_raw(&crate::output::clean_document(body))?;
    if !body.is_empty() && !body.ends_with(b"\n") {
        out.write_raw(b"\n")?;
    }
    out.flush()
}

/// The answer's format `--json` asks for.
fn accept(out: &Output) -> WireFormat {
    if out.is_json() {
        WireFormat::Json
    } else {
        WireFormat::Xml
    }
}

/// Calls the endpoint or the path and prints the answer's body (XML, or JSON with `--json`) as
/// it came, with a final newline, [cleaned](crate::output::clean_document) of terminal controls.
pub fn call(client: &Client, args: &ApiArgs, out: &mut Output) -> Result<(), CliError> {
    match form(args)? {
        Form::List => list(out),
        Form::Endpoint(id) => call_endpoint(client, id, args, out),
        Form::Path { method, path } => call_path(client, method, path, args, out),
    }
}

fn call_endpoint(
    client: &Client,
    id: &str,
    args: &ApiArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let mut request = client.raw(id)?.accept(accept(out));
    for (name, value) in &args.path {
        request = request.path(name.as_str(), value.as_str());
    }
    for (name, value) in &args.query {
        request = request.query(name.as_str(), value.as_str());
    }
    if let Some(path) = &args.body {
        request = request.body(read_body(path)?);
    }
    let answer = request.send().map_err(|e| match (e, &args.body) {
        // The spec's checks of the body: say which file held it.
        (tableau_flows::Error::InvalidArgument(m), Some(path)) if m.contains("the body") => {
            CliError::other(format!("{}: {m}", body_name(path)))
        }
        (e, _) => CliError::from(e),
    })?;
    if args.include {
        crate::verbose::to_stderr(&format!("HTTP {}", answer.status));
        if let Some(t) = &answer.content_type {
            crate::verbose::to_stderr(&crate::output::clean(&format!("content-type: {t}")));
        }
    }
    print_body(&answer.body, out)
}

fn call_path(
    client: &Client,
    method: &str,
    path: &str,
    args: &ApiArgs,
    out: &mut Output,
) -> Result<(), CliError> {
    let mut request = client
        .request(method, path)
        .map_err(|e| CliError::usage(e.to_string().trim_start_matches("invalid argument: ")))?
        .accept(accept(out));
    for (name, value) in &args.query {
        request = request.query(name.as_str(), value.as_str());
    }
    if let Some(file) = &args.body {
        let body = read_body(file)?;
        let content_type = args
            .content_type
            .clone()
            .unwrap_or_else(|| sniffed_content_type(&body).to_owned());
        request = request.body(content_type, body);
    }
    let target = request.path_and_query()?;
    let target = target.split('?').next().unwrap_or_default().to_owned();
    let answer = request.send().map_err(|e| match (e, &args.body) {
        (tableau_flows::Error::InvalidArgument(m), Some(file)) if m.contains("body") => {
            CliError::usage(format!("{}: {m}", body_name(file)))
        }
        (tableau_flows::Error::InvalidArgument(m), None) => CliError::usage(m),
        (e, _) => CliError::from(e),
    })?;
    if args.include {
        crate::verbose::to_stderr(&format!("HTTP {}", answer.status));
        for (name, value) in &answer.headers {
            crate::verbose::to_stderr(&crate::output::clean(&format!("{name}: {value}")));
        }
    }
    print_body(&answer.body, out)?;
    match answer.error() {
        None => Ok(()),
        Some(e) => Err(match CliError::from(e) {
            CliError::Api {
                code,
                summary,
                detail,
                ..
            } => CliError::Api {
                code,
                summary,
                detail,
                endpoint: Some(format!("{method} {target}")),
            },
            other => other,
        }),
    }
}
