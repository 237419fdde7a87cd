//! Checking a tool's arguments against its input JSON Schema before anything is sent: the
//! subset of JSON Schema (Draft 2020-12) that the generated and curated tools use — `type`,
//! `properties`, `required`, `additionalProperties`, `items`, `enum`, `const`, `minimum`,
//! `maximum`, `minLength`, `maxLength`, `minItems`, `maxItems`, `pattern`-free strings, local
//! `$ref`s (`#/$defs/...`) and `anyOf`/`oneOf`/`allOf`. A keyword outside the subset is
//! ignored (the server has the last word), never a reason to refuse.
//!
//! Errors name where the value is wrong (`body.flow.name`, `pageSize`) and what was expected,
//! so an agent can correct its call.

use serde_json::{Map, Value};

/// How deep `$ref`s and nested values are followed (a bound against cyclic schemas and
/// hostile arguments).
const MAX_DEPTH: usize = 64;

/// Checks `value` (a tool's arguments) against `schema` (its input schema); `Err` lists what
/// is wrong, one problem a line (at most ten).
pub fn check(schema: &Map<String, Value>, value: &Value) -> Result<(), String> {
    let root = Value::Object(schema.clone());
    let mut problems = Vec::new();
    Checker { root: &root }.check(&root, value, "", 0, &mut problems);
    if problems.is_empty() {
        return Ok(());
    }
    problems.dedup();
    let more = problems.len().saturating_sub(10);
    problems.truncate(10);
    if more > 0 {
        problems.push(format!("and {more} more"));
    }
    Err(problems.join("; "))
}

struct Checker<'a> {
    root: &'a Value,
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

fn is_type(value: &Value, wanted: &str) -> bool {
    let actual = type_of(value);
    actual == wanted
        || (wanted == "number" && actual == "integer")
        // 3.0 is an integer in JSON Schema.
        || (wanted == "integer" && value.as_f64().is_some_and(|f| f.fract() == 0.0))
}

/// `where` for a message: the argument's path, or "the arguments" at the top.
fn place(path: &str) -> String {
    if path.is_empty() {
        "the arguments".to_owned()
    } else {
        path.to_owned()
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

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl Checker<'_> {
    fn resolve(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        self.root.pointer(pointer)
    }

    fn check(
        &self,
        schema: &Value,
        value: &Value,
        path: &str,
        depth: usize,
        problems: &mut Vec<String>,
    ) {
        if depth > MAX_DEPTH {
            problems.push(format!("{}: nested too deeply", place(path)));
            return;
        }
        let Some(schema) = schema.as_object() else {
            // `true` accepts anything, `false` nothing.
            if schema == &Value::Bool(false) {
                problems.push(format!("{}: is not allowed", place(path)));
            }
            return;
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            match self.resolve(reference) {
                Some(target) => self.check(target, value, path, depth + 1, problems),
                None => problems.push(format!(
                    "{}: the schema refers to {reference}, which it does not define",
                    place(path)
                )),
            }
        }
        if let Some(types) = schema.get("type") {
            let wanted: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !wanted.is_empty() && !wanted.iter().any(|t| is_type(value, t)) {
                problems.push(format!(
                    "{}: expected {}, got {} {}",
                    place(path),
                    wanted.join(" or "),
                    type_of(value),
                    shown(value)
                ));
                return;
            }
        }
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            let list: Vec<String> = allowed.iter().map(shown).collect();
            problems.push(format!(
                "{}: {} is not one of {}",
                place(path),
                shown(value),
                list.join(", ")
            ));
        }
        if let Some(constant) = schema.get("const")
            && constant != value
        {
            problems.push(format!(
                "{}: must be {}, not {}",
                place(path),
                shown(constant),
                shown(value)
            ));
        }
        self.check_number(schema, value, path, problems);
        self.check_length(schema, value, path, problems);
        for all in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.check(all, value, path, depth + 1, problems);
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let fits = options.iter().any(|option| {
                    let mut inner = Vec::new();
                    self.check(option, value, path, depth + 1, &mut inner);
                    inner.is_empty()
                });
                if !fits && !options.is_empty() {
                    // The closest option's problems say the most.
                    let best = options
                        .iter()
                        .map(|option| {
                            let mut inner = Vec::new();
                            self.check(option, value, path, depth + 1, &mut inner);
                            inner
                        })
                        .min_by_key(Vec::len)
                        .unwrap_or_default();
                    problems.extend(best);
                }
            }
        }
        match value {
            Value::Object(map) => self.check_object(schema, map, path, depth, problems),
            Value::Array(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(
                            item_schema,
                            item,
                            &format!("{}[{i}]", place(path)),
                            depth + 1,
                            problems,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn check_number(
        &self,
        schema: &Map<String, Value>,
        value: &Value,
        path: &str,
        problems: &mut Vec<String>,
    ) {
        let Some(n) = value.as_f64() else { return };
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            problems.push(format!(
                "{}: {value} is less than the minimum {min}",
                place(path)
            ));
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            problems.push(format!(
                "{}: {value} is more than the maximum {max}",
                place(path)
            ));
        }
    }

    fn check_length(
        &self,
        schema: &Map<String, Value>,
        value: &Value,
        path: &str,
        problems: &mut Vec<String>,
    ) {
        let (len, what) = match value {
            Value::String(s) => (s.chars().count(), "characters"),
            Value::Array(a) => (a.len(), "items"),
            _ => return,
        };
        let (min_key, max_key) = if what == "items" {
            ("minItems", "maxItems")
        } else {
            ("minLength", "maxLength")
        };
        if let Some(min) = schema.get(min_key).and_then(Value::as_u64)
            && (len as u64) < min
        {
            problems.push(format!("{}: needs at least {min} {what}", place(path)));
        }
        if let Some(max) = schema.get(max_key).and_then(Value::as_u64)
            && (len as u64) > max
        {
            problems.push(format!("{}: takes at most {max} {what}", place(path)));
        }
    }

    fn check_object(
        &self,
        schema: &Map<String, Value>,
        map: &Map<String, Value>,
        path: &str,
        depth: usize,
        problems: &mut Vec<String>,
    ) {
        let properties = schema.get("properties").and_then(Value::as_object);
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str()
                && !map.contains_key(name)
            {
                problems.push(format!("{}: {name:?} is required", place(path)));
            }
        }
        for (key, value) in map {
            if let Some(property) = properties.and_then(|p| p.get(key)) {
                self.check(property, value, &child(path, key), depth + 1, problems);
                continue;
            }
            match schema.get("additionalProperties") {
                Some(Value::Bool(false)) => {
                    let known: Vec<&str> = properties
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let known = if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    };
                    problems.push(format!(
                        "{}: unknown property {key:?} (it takes: {known})",
                        place(path)
                    ));
                }
                Some(extra @ Value::Object(_)) => {
                    self.check(extra, value, &child(path, key), depth + 1, problems)
                }
                _ => {}
            }
        }
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
                "pageSize: 0 is less than the minimum 1",
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
    fn a_cyclic_schema_ends() {
        let cyclic = json!({"$ref": "#/$defs/A", "$defs": {"A": {"$ref": "#/$defs/A"}}});
        let err = check(cyclic.as_object().unwrap(), &json!({})).unwrap_err();
        assert!(err.contains("nested too deeply"), "{err}");
    }
}
