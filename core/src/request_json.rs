//! Requests handed over as JSON, read into the core's request types with errors that name the
//! member.
//!
//! The Node binding gets request objects from JavaScript, the C binding JSON text, the Python
//! binding the mappings a caller passed (`fido2_options`, a WebAuthn `credential`). A member of the
//! wrong type must fail like any other broken rule: `InvalidRequest`, the member's path as the
//! caller wrote it (`fido2Options.authenticatorSelection.userVerification`, `channels[0]`), what
//! was expected and what was given. serde's own message is never passed on: it quotes the rejected
//! value (which may be a code or a token put in the wrong place) and speaks of Rust types.

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::{Error, Result};

/// How deeply a request may nest objects and arrays. The API's requests nest three levels; the
/// cap keeps a hostile or buggy caller from sending a structure that is expensive to walk, and
/// every binding applies the same number (JSON parsers stop at 128).
pub const MAX_REQUEST_DEPTH: usize = 64;

/// Reads the request object `value` into `T`, checking the type of every member.
///
/// `argument` names the whole request in the caller's terms (`request`, `credential`,
/// `request_json`); it appears only when `value` is not an object. Members are named by their
/// JSON path: `username`, `fido2Options.authenticatorSelection.userVerification`, `channels[0]`.
pub fn request_from_json<T: DeserializeOwned>(argument: &str, value: &Value) -> Result<T> {
    if !value.is_object() {
        return Err(Error::invalid(argument, format!("must be an object (got {})", json_type(value))));
    }
    if let Some(member) = too_deep(value) {
        return Err(Error::invalid(&member, format!("nests objects or arrays deeper than {MAX_REQUEST_DEPTH} levels")));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = member_path(err.path().iter());
        explain(value, &path, &err.inner().to_string())
    })
}

/// What a JSON value is, for "got …" (never the value itself).
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `a.b[0].c` from serde_path_to_error's segments.
fn member_path<'a>(segments: impl Iterator<Item = &'a Segment>) -> String {
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Segment::Unknown => {}
        }
    }
    path
}

/// The value at `path` (as built by [`member_path`]), if it is there.
fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = root;
    for part in path.split('.').filter(|part| !part.is_empty()) {
        let (key, indexes) = part.split_once('[').map_or((part, ""), |(key, rest)| (key, rest));
        if !key.is_empty() {
            current = current.get(key)?;
        }
        for index in indexes.split('[').filter(|index| !index.is_empty()) {
            current = current.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(current)
}

/// The error for a member serde refused, from serde's message with its quoted value left out.
fn explain(root: &Value, path: &str, serde_message: &str) -> Error {
    // serde_json appends " at line L column C" to errors read from text; none here, but be safe.
    let message = serde_message.rsplit_once(" at line ").map_or(serde_message, |(message, _)| message);
    if let Some(missing) = message.strip_prefix("missing field `").and_then(|rest| rest.strip_suffix('`')) {
        let member = if path.is_empty() { missing.to_string() } else { format!("{path}.{missing}") };
        return Error::invalid(&member, "is required");
    }
    let field = if path.is_empty() { "request" } else { path };
    let got = lookup(root, path).map_or("a value", json_type);
    let expected = message.rsplit_once(", expected ").map(|(_, expected)| plain_expectation(expected));
    match expected {
        Some(expected) if message.starts_with("invalid value") => {
            Error::invalid(field, format!("must be {expected} (got {got} out of range)"))
        }
        Some(expected) => Error::invalid(field, format!("must be {expected} (got {got})")),
        None => Error::invalid(field, format!("does not have the documented type (got {got})")),
    }
}

/// serde's description of what it wanted (`a string`, `u64`, `struct AuthenticatorSelection`) in
/// the words of JSON.
fn plain_expectation(expected: &str) -> &'static str {
    let expected = expected.trim();
    let unsigned = ["u8", "u16", "u32", "u64", "u128", "usize"];
    let signed = ["i8", "i16", "i32", "i64", "i128", "isize"];
    if expected.starts_with("struct ") || expected.contains("map") {
        "an object"
    } else if expected.contains("string") {
        "a string"
    } else if expected.contains("bool") {
        "true or false"
    } else if expected.contains("sequence") || expected.contains("array") || expected.contains("list") {
        "an array"
    } else if unsigned.contains(&expected) {
        "a whole number, 0 or more"
    } else if signed.contains(&expected) || expected.contains("integer") {
        "a whole number"
    } else if expected == "f32" || expected == "f64" || expected.contains("number") {
        "a number"
    } else {
        "the documented type"
    }
}

/// The top-level member holding a structure nested deeper than [`MAX_REQUEST_DEPTH`], if any: a
/// member's own value is at level 1, and only objects and arrays count.
fn too_deep(root: &Value) -> Option<String> {
    let Value::Object(members) = root else { return None };
    for (name, value) in members {
        let mut stack = vec![(value, 1usize)];
        while let Some((value, depth)) = stack.pop() {
            match value {
                Value::Array(_) | Value::Object(_) if depth > MAX_REQUEST_DEPTH => return Some(name.clone()),
                Value::Array(items) => stack.extend(items.iter().map(|item| (item, depth + 1))),
                Value::Object(map) => stack.extend(map.values().map(|item| (item, depth + 1))),
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{ApprovalRequest, EnrollRequest, ErrorKind, IntentRequest, VerifyRequest};

    fn refused<T: DeserializeOwned + std::fmt::Debug>(value: Value) -> (String, String) {
        let err = request_from_json::<T>("request", &value).expect_err("should be refused");
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        (err.field().unwrap_or_default().to_string(), err.message().to_string())
    }

    #[test]
    fn a_member_of_the_wrong_type_is_named_with_what_was_expected_and_given() {
        let (field, message) = refused::<EnrollRequest>(json!({"username": 42, "channel": "app"}));
        assert_eq!(field, "username");
        assert_eq!(message, "username: must be a string (got a number)");
        let (field, message) = refused::<ApprovalRequest>(json!({"channel": "push", "username": "a", "prompt": "yes"}));
        assert_eq!((field.as_str(), message.as_str()), ("prompt", "prompt: must be true or false (got a string)"));
    }

    #[test]
    fn nested_members_and_array_items_get_their_path() {
        let request = json!({"username": "a", "channel": "fido2", "displayName": "A",
            "fido2Options": {"authenticatorSelection": {"userVerification": 5}}});
        let (field, message) = refused::<EnrollRequest>(request);
        assert_eq!(field, "fido2Options.authenticatorSelection.userVerification");
        assert!(message.ends_with("must be a string (got a number)"), "{message}");
        let (field, _) =
            refused::<IntentRequest>(json!({"operation": "enroll", "username": "a", "channels": ["push", 1]}));
        assert_eq!(field, "channels[1]");
    }

    #[test]
    fn a_missing_member_is_required_and_a_secret_is_never_repeated() {
        let (field, message) = refused::<VerifyRequest>(json!({"statusToken": "tok-secret-value"}));
        assert_eq!((field.as_str(), message.as_str()), ("code", "code: is required"));
        let (field, message) = refused::<VerifyRequest>(json!({"code": 987654321, "statusToken": "t"}));
        assert_eq!(field, "code");
        assert!(!message.contains("987654321") && !message.contains("serde"), "{message}");
    }

    #[test]
    fn a_whole_request_that_is_no_object_names_the_argument() {
        let err = request_from_json::<EnrollRequest>("request_json", &json!("push")).unwrap_err();
        assert_eq!(err.field(), Some("request_json"));
        assert_eq!(err.message(), "request_json: must be an object (got a string)");
    }

    #[test]
    fn deep_nesting_is_refused_at_its_top_level_member() {
        let mut deep = json!(1);
        for _ in 0..=MAX_REQUEST_DEPTH {
            deep = json!([deep]);
        }
        let request = json!({"username": "a", "channel": "app", "x": deep});
        let (field, _) = refused::<EnrollRequest>(request);
        assert_eq!(field, "x");
        let mut shallow = json!(1);
        for _ in 0..MAX_REQUEST_DEPTH {
            shallow = json!([shallow]);
        }
        assert!(request_from_json::<EnrollRequest>("r", &json!({"username": "a", "x": shallow})).is_ok());
    }

    #[test]
    fn rust_type_names_become_json_words() {
        assert_eq!(plain_expectation("u64"), "a whole number, 0 or more");
        assert_eq!(plain_expectation("struct AuthenticatorSelection"), "an object");
        assert_eq!(plain_expectation("a sequence"), "an array");
        assert_eq!(plain_expectation("something odd"), "the documented type");
    }
}
