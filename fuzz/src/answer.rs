//! An HTTP answer run through the core's decode path (`nevis_authcloud::fuzzing::answer`), and the
//! properties every outcome must have whatever the server sent.
//!
//! The properties are the SDK's promises to its callers, restated independently of the code:
//! an accepted status decodes or fails with `Decode`, never anything else; an HTTP error keeps its
//! status, its kind follows the status and its `Retry-After` is read; a call that may have sent a
//! push or SMS is never retried unless the API refused it (429/503); a 412 from status polling is a
//! failed operation; every decoded answer survives the JSON round trip a binding makes when it hands
//! it to Python, Node or C; and no planted secret shows in an error or a `Debug` string.

use std::time::Duration;

use arbitrary::Unstructured;
use http::header::{HeaderName, HeaderValue};
use nevis_authcloud::fuzzing::{self, Decoded, Endpoint, Outcome, Retry};
use nevis_authcloud::{ApiErrorBody, Error, ErrorKind, MayHaveBeenApplied, OperationStatus};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::SECRET_MARK;

/// The client's default body cap; seeds may ask for a smaller one (at least the 1 KiB minimum).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// The smallest cap a configuration allows.
pub const MIN_MAX_RESPONSE_BYTES: usize = 1024;

/// One answer of one endpoint.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub endpoint: Endpoint,
    pub status: u16,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Vec<u8>,
    pub max_response_bytes: usize,
}

impl RawAnswer {
    /// Reads the seed format of `corpus/decode_answer/`: a first line naming the endpoint (the
    /// client method, e.g. `get_status`) and optionally a body cap in bytes, then an HTTP/1.1
    /// answer as it came over the wire (status line, headers, empty line, body). `None` for input
    /// a real HTTP client would already refuse (no status line, headers that are not HTTP).
    pub fn parse(data: &[u8]) -> Option<RawAnswer> {
        let newline = data.iter().position(|&b| b == b'\n')?;
        let first = std::str::from_utf8(&data[..newline]).ok()?;
        let mut words = first.split_whitespace();
        let endpoint = Endpoint::from_name(words.next()?)?;
        let max_response_bytes = match words.next() {
            Some(cap) => cap.parse::<usize>().ok()?.max(MIN_MAX_RESPONSE_BYTES),
            None => DEFAULT_MAX_RESPONSE_BYTES,
        };
        let wire = &data[newline + 1..];
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut head = httparse::Response::new(&mut slots);
        let head_len = match head.parse(wire).ok()? {
            httparse::Status::Complete(len) => len,
            httparse::Status::Partial => return None,
        };
        let status = head.code?;
        let mut headers = Vec::new();
        for header in head.headers.iter() {
            let name = HeaderName::from_bytes(header.name.as_bytes()).ok()?;
            let value = HeaderValue::from_bytes(header.value).ok()?;
            headers.push((name, value));
        }
        Some(RawAnswer { endpoint, status, headers, body: wire[head_len..].to_vec(), max_response_bytes })
    }

    /// The seed format of [`RawAnswer::parse`], for writing what the structured target built.
    pub fn to_seed(&self) -> Vec<u8> {
        let mut out = format!("{} {}\nHTTP/1.1 {} X\r\n", self.endpoint.name(), self.max_response_bytes, self.status)
            .into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }

    /// The answer as the client receives it. `None` for a status outside 100..=999, which no HTTP
    /// library hands on.
    pub fn response(&self) -> Option<http::Response<bytes::Bytes>> {
        let mut builder = http::Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        builder.body(bytes::Bytes::from(self.body.clone())).ok()
    }

    fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n.as_str().eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }
}

/// Decodes `answer` and checks every property. `secrets_planted`: the body's secrets carry
/// [`SECRET_MARK`] and nothing else does, so the mark must not show anywhere.
pub fn run(answer: &RawAnswer, secrets_planted: bool) {
    let Some(response) = answer.response() else { return };
    let outcome = fuzzing::answer(answer.endpoint, response, answer.max_response_bytes);
    check(answer, &outcome, secrets_planted);
}

fn check(answer: &RawAnswer, outcome: &Outcome, secrets_planted: bool) {
    let endpoint = answer.endpoint;
    let status = answer.status;
    let accepted = (200..300).contains(&status) || endpoint.answer_status() == Some(status);
    match &outcome.result {
        Ok(decoded) => {
            assert!(accepted, "HTTP {status} was taken as a success of {endpoint:?}");
            assert_eq!(outcome.retry, Retry::No);
            let buffered = endpoint != Endpoint::ExportLogs;
            assert!(
                !buffered || answer.body.len() <= answer.max_response_bytes,
                "a {}-byte body passed the {}-byte cap",
                answer.body.len(),
                answer.max_response_bytes
            );
            check_decoded(answer, decoded);
            if secrets_planted {
                let shown = format!("{decoded:?}");
                assert!(!shown.contains(SECRET_MARK), "a secret shows in Debug of the answer: {shown}");
            }
        }
        Err(error) if accepted => check_failed_success(answer, error, outcome.retry),
        Err(error) => check_http_error(answer, error, outcome.retry),
    }
    if let Err(error) = &outcome.result {
        let shown = format!("{error} / {error:?}");
        if secrets_planted {
            assert!(!shown.contains(SECRET_MARK), "a secret shows in the error: {shown}");
        }
        if let Some(api) = error.api() {
            assert!(api.body.chars().count() <= ApiErrorBody::MAX_BODY_CHARS);
        }
    }
}

/// An accepted status whose answer could not be used: a `Decode` error (or, for a FIDO2
/// completion, a 400 that is a plain bad request rather than a rejected ceremony).
fn check_failed_success(answer: &RawAnswer, error: &Error, retry: Retry) {
    let endpoint = answer.endpoint;
    let fido2_bad_request = endpoint.answer_status() == Some(400) && answer.status == 400;
    if fido2_bad_request && error.kind() == ErrorKind::BadRequest {
        assert_eq!(error.status(), Some(400));
        assert_eq!(error.may_have_been_applied(), MayHaveBeenApplied::No);
        assert_eq!(retry, Retry::No);
        return;
    }
    assert_eq!(
        error.kind(),
        ErrorKind::Decode,
        "{endpoint:?} answered HTTP {} but failed with {error:?}",
        answer.status
    );
    if answer.body.len() <= answer.max_response_bytes {
        assert_ne!(
            answer.status, 412,
            "status polling must take a 412 as a failed operation, whatever its body: {error:?}"
        );
    }
    assert_eq!(retry, Retry::No, "a Decode error is not retried");
    let applied = if endpoint.is_read_only() { MayHaveBeenApplied::No } else { MayHaveBeenApplied::Yes };
    assert_eq!(error.may_have_been_applied(), applied, "{endpoint:?}: {error:?}");
}

/// An HTTP error answer.
fn check_http_error(answer: &RawAnswer, error: &Error, retry: Retry) {
    let endpoint = answer.endpoint;
    let status = answer.status;
    if (300..400).contains(&status) {
        assert_eq!(error.kind(), ErrorKind::Decode, "a redirect is never followed: {error:?}");
        assert_eq!(retry, Retry::No);
        return;
    }
    assert_eq!(error.kind(), ErrorKind::from_status(status), "HTTP {status}: {error:?}");
    assert_eq!(error.status(), Some(status));
    assert!(error.api().is_some());
    let refused = matches!(status, 429 | 503);
    let applied = match status {
        429 | 503 => MayHaveBeenApplied::No,
        500..=599 if !endpoint.is_read_only() => MayHaveBeenApplied::Unknown,
        _ => MayHaveBeenApplied::No,
    };
    assert_eq!(error.may_have_been_applied(), applied, "{endpoint:?} HTTP {status}");

    // Retry-After in whole seconds is the common form; the others are checked for not crashing.
    let seconds = answer
        .header("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok());
    if let Some(seconds) = seconds {
        assert_eq!(error.retry_after(), Some(Duration::from_secs(seconds)), "Retry-After: {seconds}");
    }
    if answer.header("retry-after").is_none() {
        assert_eq!(error.retry_after(), None);
    }

    // The rule behind "never a second push": a call that may act twice is repeated only when the
    // API refused it without acting.
    if endpoint.is_non_idempotent() && !refused {
        assert_eq!(retry, Retry::No, "{endpoint:?} would be re-sent after HTTP {status}");
    }
    match retry {
        Retry::After(delay) => {
            assert!(refused, "only 429/503 carry a server delay");
            assert_eq!(Some(delay), error.retry_after());
        }
        Retry::Backoff => assert!(refused || matches!(status, 500 | 502 | 504)),
        Retry::No => assert!(!refused, "429/503 are always safe to retry"),
    }
}

/// What the client returned must be what a binding can hand on: serialized to JSON (as every
/// binding does) and read back, it is the same value, and it serializes the same way again.
fn check_decoded(answer: &RawAnswer, decoded: &Decoded) {
    match decoded {
        Decoded::Nothing => {}
        Decoded::Enroll(value) => round_trip(value),
        Decoded::Approval(value) => round_trip(value),
        Decoded::Status(value) => {
            round_trip(value);
            if answer.status == 412 {
                assert_eq!(
                    value.status,
                    OperationStatus::Failed,
                    "HTTP 412 is a failed operation, not {:?}",
                    value.status
                );
            }
        }
        Decoded::Intent(value) => round_trip(value),
        Decoded::Introspect(value) => round_trip(value),
        Decoded::User(value) => round_trip(value),
        Decoded::AzureUser(value, authenticators) => {
            round_trip(value);
            match authenticators {
                Ok(list) => list.iter().for_each(round_trip),
                Err(error) => assert_eq!(error.kind(), ErrorKind::Decode),
            }
        }
        Decoded::Authenticator(value) => round_trip(value),
        Decoded::Logs { text, .. } => assert_eq!(text.as_bytes(), &answer.body[..], "the CSV comes back as sent"),
        Decoded::Fido2(value) => round_trip(value),
    }
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("a decoded answer serializes");
    let again: T = serde_json::from_str(&json).unwrap_or_else(|err| panic!("{json} does not decode again: {err}"));
    let (before, after) =
        (serde_json::to_value(value).expect("serializes"), serde_json::to_value(&again).expect("serializes"));
    assert!(same(&before, &after), "the JSON round trip changed the answer: {json}\n{before}\n{after}");
}

/// Equal JSON, except that floats may differ in the last bit: serde_json (without its
/// `float_roundtrip` feature, which the workspace does not enable) may read some long floats, such
/// as subnormals, one unit in the last place off. Only unknown fields kept in `extra` hold floats.
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y || (x.to_bits() as i64 - y.to_bits() as i64).abs() <= 2,
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(key, x)| y.get(key).is_some_and(|y| same(x, y)))
        }
        _ => a == b,
    }
}

/// An answer built from structured input: an endpoint, a status (mostly the ones the API uses),
/// headers a server or proxy may send, and a body from [`crate::json`] (or CSV for the log
/// export), possibly cut or padded at the byte level. The flag says whether secrets were planted.
pub fn structured(u: &mut Unstructured) -> arbitrary::Result<(RawAnswer, bool)> {
    let endpoint = *u.choose(Endpoint::ALL)?;
    let status = match u.int_in_range(0..=11)? {
        0..=4 => 200,
        5 => *u.choose(&[201, 202, 204, 206])?,
        6 => endpoint.answer_status().unwrap_or(200),
        7 => *u.choose(&[301, 302, 304, 307, 308])?,
        8 => *u.choose(&[400, 401, 403, 404, 405, 409, 412, 413, 415, 418, 422, 429])?,
        9 => *u.choose(&[500, 502, 503, 504, 599])?,
        10 => u.int_in_range(100..=199)?,
        _ => u.int_in_range(100..=999)?,
    };
    let mut headers = Vec::new();
    let content_type = match u.int_in_range(0..=7)? {
        0 => None,
        1 | 2 => Some("application/json".to_string()),
        3 => Some("application/json;charset=UTF-8".to_string()),
        4 => Some("application/problem+json".to_string()),
        5 => Some("text/csv".to_string()),
        6 => Some("text/html; charset=utf-8".to_string()),
        _ => Some(crate::json::plain_text(u)?),
    };
    push_header(&mut headers, "content-type", content_type);
    let retry_after = match u.int_in_range(0..=6)? {
        0 | 1 => None,
        2 => Some(u.arbitrary::<u64>()?.to_string()),
        3 => Some(u.int_in_range(0u32..=120)?.to_string()),
        4 => Some(format!("{}", u.arbitrary::<f64>()?)),
        5 => {
            let offset = u.int_in_range(-100_000i64..=100_000)?;
            let now = std::time::SystemTime::now();
            let when = if offset >= 0 {
                now + Duration::from_secs(offset.unsigned_abs())
            } else {
                now - Duration::from_secs(offset.unsigned_abs())
            };
            Some(httpdate::fmt_http_date(when))
        }
        _ => Some(crate::json::plain_text(u)?),
    };
    push_header(&mut headers, "retry-after", retry_after);
    if endpoint == Endpoint::ExportLogs && u.arbitrary()? {
        let disposition = match u.int_in_range(0..=2)? {
            0 => "attachment; filename=logs-export.csv".to_string(),
            1 => "attachment; filename=\"\"; filename=".to_string(),
            _ => crate::json::plain_text(u)?,
        };
        push_header(&mut headers, "content-disposition", Some(disposition));
    }

    let own = crate::json::answer_templates(endpoint.name());
    let (templates, planted) = match u.int_in_range(0..=7)? {
        0..=4 => (own, true),
        5 => (crate::json::error_templates(), false),
        _ => {
            let other = *u.choose(Endpoint::ALL)?;
            (crate::json::answer_templates(other.name()), other == endpoint)
        }
    };
    let mut body = if endpoint == Endpoint::ExportLogs && u.ratio(3, 4)? {
        csv(u)?
    } else {
        let mut document = crate::json::document(u, &templates)?;
        if !planted {
            crate::json::unmark(&mut document);
        }
        serde_json::to_vec(&document).unwrap_or_default()
    };
    match u.int_in_range(0..=7)? {
        0 => {
            let at = u.int_in_range(0..=body.len())?;
            body.truncate(at);
        }
        1 => body.extend_from_slice(u.arbitrary::<&[u8]>()?),
        2 => {
            let prefix: &[u8] = u.choose(&[&b"\xef\xbb\xbf"[..], b" \r\n\t", b"\0"])?;
            body.splice(0..0, prefix.iter().copied());
        }
        _ => {}
    };
    let max_response_bytes = if u.ratio(1, 8)? {
        u.int_in_range(MIN_MAX_RESPONSE_BYTES..=4 * MIN_MAX_RESPONSE_BYTES)?
    } else {
        DEFAULT_MAX_RESPONSE_BYTES
    };
    Ok((RawAnswer { endpoint, status, headers, body, max_response_bytes }, planted))
}

fn push_header(headers: &mut Vec<(HeaderName, HeaderValue)>, name: &'static str, value: Option<String>) {
    if let Some(value) = value.and_then(|text| HeaderValue::from_str(&text).ok()) {
        headers.push((HeaderName::from_static(name), value));
    }
}

/// A CSV export: the header line and rows, some fields quoted or odd.
fn csv(u: &mut Unstructured) -> arbitrary::Result<Vec<u8>> {
    let mut text = String::from(
        "timestamp,eventId,name,status,category,channel,actorType,actorId,userId,username,transactionId,description\n",
    );
    for _ in 0..u.int_in_range(0..=4)? {
        let field = crate::json::plain_text(u)?;
        text.push_str(&format!("2026-11-29T02:58:42.193Z,{UUID},Authentication created,succeeded,authentication,push,api,key,{UUID},\"{field}\",,\n", UUID = "c32ba19e-81eb-4c7a-bda0-6a02618f23d9"));
    }
    let mut bytes = text.into_bytes();
    if u.ratio(1, 4)? {
        bytes.extend_from_slice(u.arbitrary::<&[u8]>()?);
    }
    Ok(bytes)
}
