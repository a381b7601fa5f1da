//! Fault injection: the control plane registers faults for `method + path`, and the transport
//! consults this registry on every API request, comparing paths as the routers do. Faults are used
//! in the order they were added, one per matching request, `count` times. Whether the API still
//! processes the request, and how the answer is damaged, depends on the kind (see CONTRACT.md).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Map, Value, json};

use crate::request::route_path;

#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    Status {
        status: StatusCode,
        retry_after: Option<String>,
        body: Option<Value>,
    },
    Delay {
        ms: u64,
    },
    Stall {
        after_bytes: usize,
        ms: u64,
    },
    Reset {
        after_bytes: usize,
    },
    Close,
    Malformed,
    Truncated,
    Empty,
    ContentType {
        value: HeaderValue,
    },
    Oversized {
        bytes: usize,
    },
    Redirect {
        status: StatusCode,
        location: HeaderValue,
    },
    /// A hostile or careless server that repeats what it received: `message` with
    /// `{authorization}` and `{body}` replaced by the request's `Authorization` header and body.
    Echo {
        status: StatusCode,
        message: String,
        format: EchoFormat,
    },
}

/// How an `echo` answer carries its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EchoFormat {
    /// The API's JSON error body with the echo as its `message`.
    Json,
    /// A `text/plain` body that is the echo alone, as a proxy might send.
    Text,
}

impl FaultKind {
    /// Faults that answer instead of the API (the request has no side effects).
    pub fn replaces_processing(&self) -> bool {
        matches!(
            self,
            FaultKind::Status { .. } | FaultKind::Close | FaultKind::Redirect { .. } | FaultKind::Echo { .. }
        )
    }
}

#[derive(Debug)]
struct FaultEntry {
    id: String,
    method: String,
    path: String,
    remaining: u32,
    kind: FaultKind,
    /// The registration as sent, echoed by `GET /_sim/faults`.
    spec: Map<String, Value>,
}

#[derive(Debug, Default)]
pub struct FaultRegistry {
    entries: Mutex<Vec<FaultEntry>>,
    /// Number of registered faults, so requests skip the lock when there are none.
    active: AtomicUsize,
}

impl FaultRegistry {
    /// Validates and registers a fault; returns its id or a message naming the bad field.
    pub fn add(&self, spec: Map<String, Value>) -> Result<String, String> {
        let method = match spec.get("method") {
            None => "*".to_string(),
            Some(Value::String(m)) if !m.is_empty() => m.to_ascii_uppercase(),
            Some(_) => return Err("method must be an HTTP method or \"*\"".into()),
        };
        let path = match spec.get("path") {
            Some(Value::String(p)) if p.starts_with('/') => route_path(p).to_string(),
            _ => return Err("path must be a string starting with '/'".into()),
        };
        let remaining = match spec.get("count") {
            None => 1,
            Some(v) => {
                v.as_u64().filter(|c| *c >= 1 && *c <= u64::from(u32::MAX)).ok_or("count must be an integer >= 1")?
                    as u32
            }
        };
        let kind = parse_kind(&spec)?;
        let id = uuid::Uuid::new_v4().to_string();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.push(FaultEntry { id: id.clone(), method, path, remaining, kind, spec });
        self.active.store(entries.len(), Ordering::Release);
        Ok(id)
    }

    /// Uses up one fault matching the request, if any. Paths match as routes do: a fault for
    /// `/api/v1/approval` also meets `/api/v1/approval/`.
    pub fn take(&self, method: &str, path: &str) -> Option<FaultKind> {
        if self.active.load(Ordering::Acquire) == 0 {
            return None;
        }
        let path = route_path(path);
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let index = entries.iter().position(|f| (f.method == "*" || f.method == method) && f.path == path)?;
        let entry = &mut entries[index];
        entry.remaining -= 1;
        let kind = entry.kind.clone();
        if entry.remaining == 0 {
            entries.remove(index);
        }
        self.active.store(entries.len(), Ordering::Release);
        Some(kind)
    }

    pub fn list(&self) -> Value {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Value::Array(
            entries
                .iter()
                .map(|f| {
                    let mut item = f.spec.clone();
                    item.insert("id".into(), json!(f.id));
                    item.insert("method".into(), json!(f.method));
                    item.insert("remaining".into(), json!(f.remaining));
                    Value::Object(item)
                })
                .collect(),
        )
    }

    pub fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.clear();
        self.active.store(0, Ordering::Release);
    }
}

fn parse_kind(spec: &Map<String, Value>) -> Result<FaultKind, String> {
    let uint = |name: &str, default: Option<u64>| -> Result<u64, String> {
        match spec.get(name) {
            None => default.ok_or_else(|| format!("{name} is required")),
            Some(v) => v.as_u64().ok_or_else(|| format!("{name} must be a non-negative integer")),
        }
    };
    let fault = spec.get("fault").and_then(Value::as_str).ok_or("fault is required")?;
    Ok(match fault {
        "status" => {
            let status = uint("status", None)?;
            let status = u16::try_from(status)
                .ok()
                .filter(|s| (400..=599).contains(s))
                .and_then(|s| StatusCode::from_u16(s).ok())
                .ok_or("status must be between 400 and 599")?;
            let retry_after = match spec.get("retryAfter") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if HeaderValue::from_str(s).is_ok() => Some(s.clone()),
                Some(_) => return Err("retryAfter must be a header-safe string".into()),
            };
            FaultKind::Status { status, retry_after, body: spec.get("body").filter(|b| !b.is_null()).cloned() }
        }
        "delay" => FaultKind::Delay { ms: uint("ms", None)? },
        "stall" => FaultKind::Stall { after_bytes: uint("afterBytes", Some(1))? as usize, ms: uint("ms", None)? },
        "reset" => FaultKind::Reset { after_bytes: uint("afterBytes", Some(0))? as usize },
        "close" => FaultKind::Close,
        "malformed" => FaultKind::Malformed,
        "truncated" => FaultKind::Truncated,
        "empty" => FaultKind::Empty,
        "contentType" => {
            let value = spec.get("value").and_then(Value::as_str).ok_or("value is required")?;
            FaultKind::ContentType {
                value: HeaderValue::from_str(value).map_err(|_| "value must be a header-safe string")?,
            }
        }
        "oversized" => {
            FaultKind::Oversized { bytes: uint("bytes", Some(2 * 1024 * 1024))?.min(256 * 1024 * 1024) as usize }
        }
        "redirect" => {
            let status = uint("status", None)?;
            let status = u16::try_from(status)
                .ok()
                .filter(|s| [301, 302, 307, 308].contains(s))
                .and_then(|s| StatusCode::from_u16(s).ok())
                .ok_or("status must be 301, 302, 307 or 308")?;
            let location = spec.get("location").and_then(Value::as_str).ok_or("location is required")?;
            FaultKind::Redirect {
                status,
                location: HeaderValue::from_str(location).map_err(|_| "location must be a header-safe string")?,
            }
        }
        "echo" => {
            let status = uint("status", None)?;
            let status = u16::try_from(status)
                .ok()
                .filter(|s| (400..=599).contains(s))
                .and_then(|s| StatusCode::from_u16(s).ok())
                .ok_or("status must be between 400 and 599")?;
            let message = match spec.get("message") {
                None => "echo: {authorization} {body}".to_string(),
                Some(Value::String(text)) => text.clone(),
                Some(_) => return Err("message must be a string".into()),
            };
            let format = match spec.get("format").and_then(Value::as_str) {
                None | Some("json") => EchoFormat::Json,
                Some("text") => EchoFormat::Text,
                Some(_) => return Err("format must be \"json\" or \"text\"".into()),
            };
            FaultKind::Echo { status, message, format }
        }
        other => return Err(format!("unknown fault '{other}'")),
    })
}

/// The answer of an `echo` fault to a request with this `Authorization` header and body.
pub fn echo(
    status: StatusCode,
    template: &str,
    format: EchoFormat,
    authorization: Option<&HeaderValue>,
    body: &[u8],
    path: &str,
    timestamp: &str,
) -> Response<Bytes> {
    let authorization = authorization.map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let message = template
        .replace("{authorization}", authorization.as_deref().unwrap_or(""))
        .replace("{body}", &String::from_utf8_lossy(body));
    let (content_type, bytes) = match format {
        EchoFormat::Text => ("text/plain", Bytes::from(message)),
        EchoFormat::Json => {
            let reason = status.canonical_reason().unwrap_or("Error");
            let body = json!({"error": reason, "message": message, "path": path, "status": status.as_u16(), "timestamp": timestamp});
            ("application/json", Bytes::from(body.to_string()))
        }
    };
    let mut response = Response::new(bytes);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Applies the faults that damage a real answer after the API produced it. Transport-level
/// faults (delay, stall, reset) pass through unchanged here.
pub fn damage(kind: &FaultKind, response: Response<Bytes>) -> Response<Bytes> {
    let (mut parts, body) = response.into_parts();
    let json = HeaderValue::from_static("application/json");
    let body = match kind {
        FaultKind::Malformed => {
            parts.status = StatusCode::OK;
            parts.headers.insert(header::CONTENT_TYPE, json);
            Bytes::from_static(br#"{"transactionId": "#)
        }
        FaultKind::Truncated => body.slice(..body.len() / 2),
        FaultKind::Empty => Bytes::new(),
        FaultKind::ContentType { value } => {
            parts.headers.insert(header::CONTENT_TYPE, value.clone());
            body
        }
        FaultKind::Oversized { bytes } => {
            parts.status = StatusCode::OK;
            parts.headers.insert(header::CONTENT_TYPE, json);
            let mut object = match serde_json::from_slice::<Value>(&body) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            };
            object.insert("padding".into(), Value::String("x".repeat(*bytes)));
            Bytes::from(Value::Object(object).to_string())
        }
        _ => body,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn faults_are_used_in_order_and_counted() {
        let registry = FaultRegistry::default();
        registry.add(spec(json!({"method":"POST","path":"/a","count":2,"fault":"close"}))).unwrap();
        registry.add(spec(json!({"method":"*","path":"/a","fault":"empty"}))).unwrap();
        assert_eq!(registry.take("GET", "/b"), None);
        assert_eq!(registry.take("POST", "/a"), Some(FaultKind::Close));
        assert_eq!(registry.take("GET", "/a"), Some(FaultKind::Empty));
        assert_eq!(registry.take("POST", "/a"), Some(FaultKind::Close));
        assert_eq!(registry.take("POST", "/a"), None);
    }

    #[test]
    fn a_fault_meets_its_route_with_or_without_the_trailing_slash() {
        let registry = FaultRegistry::default();
        registry.add(spec(json!({"path":"/api/v1/approval","count":2,"fault":"close"}))).unwrap();
        registry.add(spec(json!({"path":"/api/v1/status/","fault":"empty"}))).unwrap();
        assert_eq!(registry.take("POST", "/api/v1/approval//"), None);
        assert_eq!(registry.take("POST", "/api/v1/approval/"), Some(FaultKind::Close));
        assert_eq!(registry.take("POST", "/api/v1/approval"), Some(FaultKind::Close));
        assert_eq!(registry.take("POST", "/api/v1/status"), Some(FaultKind::Empty));
    }

    #[test]
    fn invalid_faults_are_rejected_with_the_field() {
        let registry = FaultRegistry::default();
        let err = registry.add(spec(json!({"path":"/a","fault":"status","status":200}))).unwrap_err();
        assert!(err.contains("status"), "{err}");
        let err = registry.add(spec(json!({"path":"/a","fault":"bogus"}))).unwrap_err();
        assert!(err.contains("bogus"), "{err}");
        let err = registry.add(spec(json!({"fault":"close"}))).unwrap_err();
        assert!(err.contains("path"), "{err}");
    }

    #[test]
    fn echo_repeats_the_credential_and_the_body() {
        let registry = FaultRegistry::default();
        registry
            .add(spec(json!({"path":"/a","fault":"echo","status":401,"message":"bad credential: {authorization}"})))
            .unwrap();
        let Some(FaultKind::Echo { status, message, format }) = registry.take("POST", "/a") else {
            panic!("not an echo fault")
        };
        let header = HeaderValue::from_static("Bearer k-123");
        let answer = echo(status, &message, format, Some(&header), b"{}", "/a", "now");
        assert_eq!(answer.status(), 401);
        let body: Value = serde_json::from_slice(answer.body()).unwrap();
        assert_eq!(body["message"], "bad credential: Bearer k-123");
        let text = echo(status, "cannot parse {body}", EchoFormat::Text, None, br#"{"x":1}"#, "/a", "now");
        assert_eq!(text.body().as_ref(), br#"cannot parse {"x":1}"#);
        let err = registry.add(spec(json!({"path":"/a","fault":"echo","status":401,"format":"xml"}))).unwrap_err();
        assert!(err.contains("format"), "{err}");
    }

    #[test]
    fn truncation_halves_the_body() {
        let response = Response::new(Bytes::from_static(b"0123456789"));
        assert_eq!(damage(&FaultKind::Truncated, response).body().as_ref(), b"01234");
    }
}
