//! Secrets kept out of what the agent sees: every JSON answer passes through [`redact`] before
//! it becomes a tool's result, so a credentials token, a password or a connection's secret
//! never reaches the model (nor the logs of the application that runs it).

use serde_json::Value;

/// What a secret's value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Whether a JSON field of this name holds a secret: passwords, tokens and secrets of any kind
/// (`password`, `token`, `personalAccessTokenSecret`, `clientSecret`, `jwt`, `apiKey`,
/// `privateKey`...), but not the settings about them (`embedPassword`, a flag).
pub fn is_secret_field(name: &str) -> bool {
    let key: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    if key.starts_with("embed") || key.starts_with("use") || key.ends_with("expiry") {
        return false;
    }
    key.ends_with("password")
        || key.ends_with("secret")
        || key.ends_with("token")
        || key == "jwt"
        || key.ends_with("apikey")
        || key.ends_with("privatekey")
        || key.ends_with("credential")
        || key == "connectionstring"
}

/// Replaces the value of every secret field of `value` ([`is_secret_field`]), however deep,
/// with [`REDACTED`]; returns how many were replaced.
pub fn redact(value: &mut Value) -> usize {
    // An explicit stack: an answer's depth is the server's choice.
    let mut count = 0;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (key, field) in map.iter_mut() {
                    if is_secret_field(key) && !matches!(field, Value::Null | Value::Bool(_)) {
                        *field = Value::String(REDACTED.to_owned());
                        count += 1;
                    } else {
                        stack.push(field);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_go_and_the_rest_stays() {
        let mut answer = json!({
            "credentials": {"token": "abc", "site": {"id": "s"}, "estimatedTimeToExpiration": "1"},
            "connections": {"connection": [{
                "userName": "loom", "password": "hunter2", "embedPassword": "true",
                "connectionCredentials": {"name": "loom", "password": "p2"},
                "oAuthAccessToken": "t", "client_secret": "cs", "apiKey": "k"
            }]},
            "personalAccessTokenSecret": "x", "jwt": "j"
        });
        let n = redact(&mut answer);
        let text = answer.to_string();
        for secret in [
            "abc", "hunter2", "p2", "\"t\"", "cs", "\"k\"", "\"x\"", "\"j\"",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(n, 8);
        assert_eq!(answer["connections"]["connection"][0]["userName"], "loom");
        assert_eq!(
            answer["connections"]["connection"][0]["embedPassword"],
            "true"
        );
        assert_eq!(answer["credentials"]["site"]["id"], "s");
    }
}
