//! Checking a tool's arguments against its input JSON Schema (Draft 2020-12, with the
//! `jsonschema` crate) before anything is sent.
//!
//! Errors name where the value is wrong (`body.flow.project.id`, `pageSize`, `fields[0]`) and
//! what was expected, so an agent can correct its call; a `pattern` is not printed (the filter
//! expressions' are long), the parameter's description says the form instead.

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::{Map, Value};

/// At most this many problems are listed.
const MAX_PROBLEMS: usize = 10;

/// Checks `value` (a tool's arguments) against `schema` (its input schema); `Err` lists what is
/// wrong, problems separated by `; ` (at most ten). A schema that is not valid JSON Schema is an
/// error too, naming the problem.
pub fn check(schema: &Map<String, Value>, value: &Value) -> Result<(), String> {
    let root = Value::Object(schema.clone());
    let validator = jsonschema::draft202012::new(&root)
        .map_err(|e| format!("the tool's input schema is not valid JSON Schema: {e}"))?;
    let mut problems: Vec<String> = validator
        .iter_errors(value)
        .map(|e| problem(schema, value, &e))
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    problems.dedup();
    let more = problems.len().saturating_sub(MAX_PROBLEMS);
    problems.truncate(MAX_PROBLEMS);
    if more > 0 {
        problems.push(format!("and {more} more"));
    }
    Err(problems.join("; "))
}

/// The JSON type of a value, as JSON Schema names it.
fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A value as shown in a message, cut to 60 characters.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

/// Where in the arguments a JSON pointer points, as an agent writes it: `body.flow.id`,
/// `fields[0]`, or "the arguments" for the whole.
fn place(arguments: &Value, pointer: &str) -> String {
    if pointer.is_empty() {
        return "the arguments".to_owned();
    }
    let mut out = String::new();
    let mut at = Some(arguments);
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        match at {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{key}]"));
                at = key.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&key);
                at = other.and_then(|v| v.get(&key));
            }
        }
    }
    out
}

fn problem(
    schema: &Map<String, Value>,
    arguments: &Value,
    e: &jsonschema::ValidationError,
) -> String {
    let at = place(arguments, e.instance_path().as_str());
    match e.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let names: Vec<String> = unexpected.iter().map(|k| format!("{k:?}")).collect();
            let what = if names.len() == 1 {
                format!("unknown property {}", names[0])
            } else {
                format!("unknown properties {}", names.join(", "))
            };
            // At the top, the tool's own parameters; deeper, the schema says.
            let known = (e.instance_path().as_str().is_empty())
                .then(|| schema.get("properties").and_then(Value::as_object))
                .flatten()
                .map(|p| p.keys().cloned().collect::<Vec<_>>().join(", "));
            match known {
                Some(known) if !known.is_empty() => format!("{at}: {what} (it takes: {known})"),
                Some(_) => format!("{at}: {what} (it takes none)"),
                None => format!("{at}: {what}"),
            }
        }
        ValidationErrorKind::Type { kind } => {
            let wanted = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            let value = e.instance();
            format!(
                "{at}: expected {wanted}, got {} {}",
                type_of(value),
                shown(value)
            )
        }
        ValidationErrorKind::Required { property } => format!("{at}: {property} is required"),
        ValidationErrorKind::Pattern { .. } => format!(
            "{at}: {} does not have the form the parameter's description gives",
            shown(e.instance())
        ),
        _ => format!("{at}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Map<String, Value> {
        json!({
            "type": "object",
            "properties": {
                "flow_id": {"type": "string"},
                "pageSize": {"type": "integer", "minimum": 1, "maximum": 1000},
                "fields": {"type": "array", "items": {"type": "string"}},
                "body": {"$ref": "#/$defs/Body"}
            },
            "required": ["flow_id"],
            "additionalProperties": false,
            "$defs": {
                "Body": {
                    "type": "object",
                    "properties": {"mode": {"enum": ["full", "incremental"]}},
                    "additionalProperties": false
                }
            }
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    #[test]
    fn good_arguments_pass() {
        let args =
            json!({"flow_id": "f", "pageSize": 10, "fields": ["a"], "body": {"mode": "full"}});
        assert_eq!(check(&schema(), &args), Ok(()));
    }

    #[test]
    fn each_problem_is_named_where_it_is() {
        let cases = [
            (json!({}), "the arguments: \"flow_id\" is required"),
            (
                json!({"flow_id": 3}),
                "flow_id: expected string, got integer 3",
            ),
            (
                json!({"flow_id": "f", "colour": 1}),
                "unknown property \"colour\" (it takes: ",
            ),
            (
                json!({"flow_id": "f", "pageSize": 0}),
                "pageSize: 0 is less than the minimum of 1",
            ),
            (
                json!({"flow_id": "f", "pageSize": "ten"}),
                "pageSize: expected integer, got string",
            ),
            (
                json!({"flow_id": "f", "fields": [1]}),
                "fields[0]: expected string",
            ),
            (
                json!({"flow_id": "f", "body": {"mode": "half"}}),
                "body.mode: \"half\" is not one of",
            ),
            (
                json!({"flow_id": "f", "body": {"x": 1}}),
                "body: unknown property \"x\"",
            ),
        ];
        for (args, expected) in cases {
            let err = check(&schema(), &args).unwrap_err();
            assert!(err.contains(expected), "{args}: {err}");
        }
    }

    #[test]
    fn a_pattern_is_named_not_printed() {
        let schema = json!({"type": "object", "properties": {"filter": {"type": "string", "pattern": "^name:eq:[a-z]+$"}}});
        let err = check(schema.as_object().unwrap(), &json!({"filter": "bogus"})).unwrap_err();
        assert!(
            err.starts_with("filter: \"bogus\" does not have the form"),
            "{err}"
        );
        assert!(!err.contains("name:eq"), "{err}");
    }

    #[test]
    fn a_schema_that_is_not_json_schema_is_said_to_be() {
        let broken = json!({"type": "no such type"});
        let err = check(broken.as_object().unwrap(), &json!({})).unwrap_err();
        assert!(err.contains("not valid JSON Schema"), "{err}");
    }

    #[test]
    fn a_cyclic_schema_ends() {
        let cyclic = json!({"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}});
        // Either refused as a schema or checked without end: never a hang or a crash.
        let _ = check(cyclic.as_object().unwrap(), &json!({}));
    }
}
