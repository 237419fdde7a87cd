//! Calling a generated tool: the safety checks, the arguments checked against the tool's
//! schema, then [`tableau_flows::Client::raw`] with the path parameters, the query values as
//! text (lists comma-joined) and the `body` as a JSON document; the answer is asked for as
//! JSON. A file answer (Download Flow) is returned as an embedded resource up to
//! [`MAX_FILE_BYTES`].

use super::bound::Named;
use super::table::{Generated, Request, Response};
use super::{Answer, State, ToolError, schema};
use serde_json::{Map, Value, json};
use std::io::Read;
use tableau_flows::WireFormat;

/// The largest file a tool returns (8 MiB, base64 in the answer): a bigger one is to be
/// downloaded with `tabflow flows download`.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// A query parameter's value as the URL carries it: text as it is, numbers and booleans
/// written out, lists comma-joined.
pub fn query_text(name: &str, value: &Value) -> Result<String, ToolError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Array(items) => {
            let parts: Result<Vec<String>, ToolError> =
                items.iter().map(|v| query_text(name, v)).collect();
            Ok(parts?.join(","))
        }
        other => Err(ToolError::BadArguments(format!(
            "{name}: a query value is text, a number, a boolean or a list of them, not {other}"
        ))),
    }
}

/// Calls a generated tool with `arguments`.
pub fn call(
    state: &State,
    tool: &Generated,
    arguments: Map<String, Value>,
) -> Result<Answer, ToolError> {
    let name = tool.tool.name.as_ref();
    let endpoint = &tool.endpoint;
    state.permissions.check(name, endpoint.kind)?;
    let arguments = Value::Object(arguments);
    schema::check(&tool.tool.input_schema, &arguments).map_err(ToolError::BadArguments)?;
    let client = &state.client;
    if let Some(bound) = &state.bound {
        for param in &endpoint.path_params {
            if let (Some(named), Some(value)) = (
                Named::of_path_param(param),
                arguments.get(param).and_then(Value::as_str),
            ) {
                bound.check(client, named, value)?;
            }
        }
        if let Some(body) = arguments.get("body") {
            bound.check_body(client, body)?;
        }
    }
    let mut request = client
        .raw(name)
        .map_err(ToolError::from_error)?
        .accept(WireFormat::Json);
    for param in &endpoint.path_params {
        if let Some(value) = arguments.get(param) {
            let value = value.as_str().ok_or_else(|| {
                ToolError::BadArguments(format!("{param}: expected a string, got {value}"))
            })?;
            request = request.path(param.as_str(), value);
        }
    }
    for param in &endpoint.query_params {
        if let Some(value) = arguments.get(&param.name) {
            request = request.query(param.name.as_str(), query_text(&param.name, value)?);
        }
    }
    match arguments.get("body") {
        Some(body) => {
            let bytes = serde_json::to_vec(body)
                .map_err(|e| ToolError::BadArguments(format!("body: {e}")))?;
            request = request.json_body(bytes);
        }
        // A document the schema lets the agent leave out (Run Flow Now's): sent empty.
        None if endpoint.request == Request::Xml => request = request.json_body("{}"),
        None => {}
    }
    if endpoint.response == Response::File {
        let download = request.download().map_err(|e| endpoint_error(e, tool))?;
        return file(name, &endpoint.path_params, &arguments, download);
    }
    let answer = request.send().map_err(|e| endpoint_error(e, tool))?;
    if answer.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Answer::Json(json!({ "status": answer.status })));
    }
    let mut value: Value = serde_json::from_slice(&answer.body).map_err(|e| {
        ToolError::Failed(format!(
            "{name}: the answer ({}) is not JSON: {e}",
            answer.content_type.as_deref().unwrap_or("no content type")
        ))
    })?;
    if let Some(bound) = &state.bound {
        bound.filter(client, &mut value)?;
    }
    Ok(Answer::Json(value))
}

/// A client error, the endpoint named when the service's error does not.
fn endpoint_error(e: tableau_flows::Error, tool: &Generated) -> ToolError {
    match ToolError::from_error(e) {
        ToolError::Service {
            code,
            summary,
            detail,
            endpoint,
        } if endpoint.is_empty() => ToolError::Service {
            code,
            summary,
            detail,
            endpoint: tool
                .tool
                .title
                .clone()
                .unwrap_or_else(|| tool.tool.name.to_string()),
        },
        other => other,
    }
}

/// A file answer (Download Flow's): its name, type and size, and its bytes up to
/// [`MAX_FILE_BYTES`] (refused past that without reading it all).
fn file(
    tool: &str,
    path_params: &[String],
    arguments: &Value,
    download: tableau_flows::Download,
) -> Result<Answer, ToolError> {
    // What the file is of: the tool's path arguments (`flow_id`).
    let of: Vec<String> = path_params
        .iter()
        .filter_map(|p| arguments.get(p).and_then(Value::as_str).map(str::to_owned))
        .collect();
    let what = format!("the file {tool} answers for {}", of.join("/"));
    let too_big = |size: u64| {
        ToolError::Failed(format!(
            "{what} has {size} bytes, more than the {} MiB a tool returns: download it with \
             `tabflow flows download` (or `tabflow api`)",
            MAX_FILE_BYTES / (1024 * 1024)
        ))
    };
    if let Some(size) = download.content_length.filter(|s| *s > MAX_FILE_BYTES) {
        return Err(too_big(size));
    }
    let file_name = download.filename.clone();
    let mime = download
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let mut bytes = Vec::new();
    download
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ToolError::Failed(format!("reading {what}: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    let mut about = json!({
        "fileName": file_name,
        "contentType": mime,
        "size": bytes.len(),
        "encoding": "base64, in the embedded resource",
    });
    for (param, value) in path_params.iter().zip(&of) {
        about[param] = json!(value);
    }
    let uri = format!("tabflow:///{tool}/{}", of.join("/"));
    Ok(Answer::File {
        about,
        bytes,
        mime,
        uri,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_written_as_the_url_carries_them() {
        assert_eq!(query_text("a", &json!("x")).unwrap(), "x");
        assert_eq!(query_text("a", &json!(10)).unwrap(), "10");
        assert_eq!(query_text("a", &json!(true)).unwrap(), "true");
        assert_eq!(query_text("a", &json!(["s1", "s2"])).unwrap(), "s1,s2");
        assert!(query_text("a", &json!({"x": 1})).is_err());
    }
}
