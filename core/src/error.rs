//! The one error type of the SDK and its table of kinds.
//!
//! Python, Node and C each turn an [`Error`] into their own typed error, and they do it by
//! [`ErrorKind`] alone: this enum is the single source every binding maps from (exhaustively: it is
//! not `#[non_exhaustive]`, so a new kind fails to compile in every binding until it is mapped),
//! and [`ErrorKind::ALL`] lets each binding prove in a test that its own language's table has a
//! class or code for every kind. The kind answers "what went wrong"; [`Error::may_have_been_applied`]
//! answers the question a login path cares about most after a failure: could the server have acted
//! anyway (sent the push, the SMS)? The retry policy facts ([`Error::is_retryable`],
//! [`Error::retry_after`]) are decided here too, so no binding keeps a table of its own.
//!
//! Bindings build their own failures (an argument of the wrong type, a closed client, a caught
//! panic) with the public constructors of [`Error`], so every failure a user sees is a core error.

use std::any::Any;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::models::StatusResponse;
use crate::redact::Redactor;

/// What went wrong, as a closed vocabulary shared by every language binding.
///
/// The string from [`ErrorKind::as_str`] is stable: bindings expose it (`err.code` in Node,
/// `err.kind` in Python, `nevis_error_kind` in C) and users may match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 400 (and any other 4xx the API does not document): the server rejected the request; the
    /// message of its answer names the field and the rule.
    BadRequest,
    /// 401: no credential was sent.
    Unauthorized,
    /// 403: the access key or intent token is not valid for this call.
    Forbidden,
    /// 404: unknown user, username, authenticator or path.
    NotFound,
    /// 405: wrong method for the path.
    MethodNotAllowed,
    /// 409: duplicate content (e.g. the phone number is already registered).
    Conflict,
    /// 412: a precondition failed (the API uses it for failed operations in status polling).
    PreconditionFailed,
    /// 415: the request body had a media type the endpoint does not take.
    UnsupportedMediaType,
    /// 413: the request body was too large.
    PayloadTooLarge,
    /// 429: too many requests; see [`Error::retry_after`].
    RateLimited,
    /// 5xx: the server failed.
    Server,
    /// No answer in time: connect, request or overall deadline, or a wait that ran out.
    Timeout,
    /// The connection could not be made or broke.
    Connection,
    /// TLS failed: the certificate is not trusted, expired or for another host.
    Tls,
    /// The server answered with something that is not the documented shape.
    Decode,
    /// The request was rejected before sending: a field breaks a rule the API documents.
    InvalidRequest,
    /// The client configuration is unusable.
    Config,
    /// The caller cancelled the call.
    Cancelled,
    /// The client was closed: the call was made after `close()`, or was still running when the
    /// client was closed.
    Closed,
    /// A bug inside the SDK (a caught panic) ended the call. Never a problem of the caller's input;
    /// please report it.
    Internal,
}

impl ErrorKind {
    /// Every kind, for bindings' exhaustiveness tests.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::BadRequest,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::MethodNotAllowed,
        ErrorKind::Conflict,
        ErrorKind::PreconditionFailed,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::PayloadTooLarge,
        ErrorKind::RateLimited,
        ErrorKind::Server,
        ErrorKind::Timeout,
        ErrorKind::Connection,
        ErrorKind::Tls,
        ErrorKind::Decode,
        ErrorKind::InvalidRequest,
        ErrorKind::Config,
        ErrorKind::Cancelled,
        ErrorKind::Closed,
        ErrorKind::Internal,
    ];

    /// The stable snake_case name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PreconditionFailed => "precondition_failed",
            ErrorKind::UnsupportedMediaType => "unsupported_media_type",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::Tls => "tls",
            ErrorKind::Decode => "decode",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Config => "config",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Closed => "closed",
            ErrorKind::Internal => "internal",
        }
    }

    /// True for kinds where trying the same call again later may succeed: the server was
    /// overloaded or failed, or the network did. The one retry policy every binding reports.
    pub fn is_retryable(self) -> bool {
        match self {
            ErrorKind::RateLimited | ErrorKind::Server | ErrorKind::Timeout | ErrorKind::Connection => true,
            ErrorKind::BadRequest
            | ErrorKind::Unauthorized
            | ErrorKind::Forbidden
            | ErrorKind::NotFound
            | ErrorKind::MethodNotAllowed
            | ErrorKind::Conflict
            | ErrorKind::PreconditionFailed
            | ErrorKind::UnsupportedMediaType
            | ErrorKind::PayloadTooLarge
            | ErrorKind::Tls
            | ErrorKind::Decode
            | ErrorKind::InvalidRequest
            | ErrorKind::Config
            | ErrorKind::Cancelled
            | ErrorKind::Closed
            | ErrorKind::Internal => false,
        }
    }

    /// The kind an HTTP error status stands for. Statuses the API does not document fall into the
    /// nearest class (other 4xx → `BadRequest`, other 5xx → `Server`); the status itself is kept
    /// on the error.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            405 => ErrorKind::MethodNotAllowed,
            409 => ErrorKind::Conflict,
            412 => ErrorKind::PreconditionFailed,
            413 => ErrorKind::PayloadTooLarge,
            415 => ErrorKind::UnsupportedMediaType,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::BadRequest,
        }
    }

    /// True for kinds that come from an HTTP error answer of the API.
    pub fn is_api_error(self) -> bool {
        matches!(
            self,
            ErrorKind::BadRequest
                | ErrorKind::Unauthorized
                | ErrorKind::Forbidden
                | ErrorKind::NotFound
                | ErrorKind::MethodNotAllowed
                | ErrorKind::Conflict
                | ErrorKind::PreconditionFailed
                | ErrorKind::UnsupportedMediaType
                | ErrorKind::PayloadTooLarge
                | ErrorKind::RateLimited
                | ErrorKind::Server
        )
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Could the server have acted on a failed request (created the operation, sent the push or SMS)?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MayHaveBeenApplied {
    /// The request never reached the server, or the server refused it before acting (4xx, 429,
    /// 503), or it only read data.
    No,
    /// The server accepted it (2xx) but the answer could not be read.
    Yes,
    /// It was sent and no trustworthy answer came back (timeout, broken connection, 5xx).
    Unknown,
}

impl MayHaveBeenApplied {
    pub fn as_str(self) -> &'static str {
        match self {
            MayHaveBeenApplied::No => "no",
            MayHaveBeenApplied::Yes => "yes",
            MayHaveBeenApplied::Unknown => "unknown",
        }
    }
}

/// The `timestamp` of an error body: the API sends ISO-8601 strings on most errors and epoch
/// milliseconds on 401/403.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Timestamp {
    EpochMillis(i64),
    Iso(String),
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timestamp::EpochMillis(ms) => write!(f, "{ms}"),
            Timestamp::Iso(text) => f.write_str(text),
        }
    }
}

/// What an HTTP error answer said: the status and the fields of the API's error body.
///
/// Every text here comes from the server, and a server may echo what it received: in an error the
/// SDK returns, the secrets of the call (access key, tokens, codes) are already replaced by
/// `[redacted]` in `error`, `message`, `path`, `timestamp` and `body`. Only
/// [`ApiErrorBody::raw_body`] gives the bytes as they arrived.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiErrorBody {
    pub status: u16,
    /// The reason phrase from the body (`"Not Found"`).
    pub error: Option<String>,
    /// The human-readable detail; absent on 401/403.
    pub message: Option<String>,
    /// The request path the server saw.
    pub path: Option<String>,
    pub timestamp: Option<Timestamp>,
    /// The body as text, secrets redacted, cut at [`ApiErrorBody::MAX_BODY_CHARS`] characters.
    pub body: String,
    /// The body's bytes exactly as received (up to the SDK's read cap), never redacted.
    raw: Bytes,
}

impl ApiErrorBody {
    /// Error bodies are small; anything longer is cut so a misbehaving proxy cannot fill memory.
    pub const MAX_BODY_CHARS: usize = 8 * 1024;

    /// Reads the API's error body, tolerating anything (missing fields, HTML from a proxy).
    pub fn parse(status: u16, raw: &[u8]) -> ApiErrorBody {
        #[derive(Deserialize)]
        struct Wire {
            error: Option<String>,
            message: Option<String>,
            path: Option<String>,
            timestamp: Option<Timestamp>,
        }
        let raw = Bytes::copy_from_slice(raw);
        let wire = serde_json::from_slice::<Wire>(&raw).ok();
        ApiErrorBody {
            status,
            error: wire.as_ref().and_then(|w| w.error.clone()),
            message: wire.as_ref().and_then(|w| w.message.clone()),
            path: wire.as_ref().and_then(|w| w.path.clone()),
            timestamp: wire.and_then(|w| w.timestamp),
            body: Self::excerpt(&String::from_utf8_lossy(&raw)),
            raw,
        }
    }

    /// The body exactly as the server sent it, **unredacted**: if the server echoed the access key
    /// or a token, it is in here. Never log it or put it into an error report; it exists for
    /// debugging a server by hand. Every other field of this struct is redacted.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw
    }

    fn excerpt(text: &str) -> String {
        text.chars().take(Self::MAX_BODY_CHARS).collect()
    }

    /// Cuts the call's secrets out of every server-provided text. The excerpt is made again from
    /// the raw body, so a secret that straddles the cut leaves no prefix behind.
    pub(crate) fn redact(&mut self, redactor: &Redactor) {
        for text in [&mut self.error, &mut self.message, &mut self.path].into_iter().flatten() {
            redactor.redact_in_place(text);
        }
        if let Some(Timestamp::Iso(text)) = &mut self.timestamp {
            redactor.redact_in_place(text);
        }
        let whole = String::from_utf8_lossy(&self.raw);
        self.body = Self::excerpt(&redactor.redact(&whole));
    }
}

impl fmt::Debug for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiErrorBody")
            .field("status", &self.status)
            .field("error", &self.error)
            .field("message", &self.message)
            .field("path", &self.path)
            .field("timestamp", &self.timestamp)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

/// The method and path of the call that failed, for messages and logs (never headers or bodies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestInfo {
    pub method: String,
    pub path: String,
}

/// Every failure of the SDK.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    field: Option<String>,
    api: Option<ApiErrorBody>,
    retry_after: Option<Duration>,
    applied: MayHaveBeenApplied,
    request: Option<RequestInfo>,
    attempts: u32,
    last_status: Option<StatusResponse>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl Error {
    /// An error of `kind` with `message` (which must not contain a secret), for failures a binding
    /// finds itself (an answer it cannot hand over, a logger it cannot install).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                field: None,
                api: None,
                retry_after: None,
                applied: MayHaveBeenApplied::No,
                request: None,
                attempts: 0,
                last_status: None,
                source: None,
            }),
        }
    }

    /// A client-side validation failure naming the field and the rule it breaks (also for an
    /// argument a binding finds to be of the wrong type). The rule must not quote a secret value.
    pub fn invalid(field: &str, rule: impl fmt::Display) -> Error {
        let mut err = Error::new(ErrorKind::InvalidRequest, format!("{field}: {rule}"));
        err.inner.field = Some(field.to_string());
        err
    }

    /// A configuration problem naming the setting.
    pub fn config(field: &str, rule: impl fmt::Display) -> Error {
        let mut err = Error::new(ErrorKind::Config, format!("{field}: {rule}"));
        err.inner.field = Some(field.to_string());
        err
    }

    /// A call on a client after `close()` (or one that was still running when it was closed).
    pub fn closed() -> Error {
        Error::new(ErrorKind::Closed, "the client is closed: create a new client to make calls")
    }

    /// A panic caught at a binding's boundary (or by [`catch_panic`]): an `Internal` error whose
    /// cause is the panic's message. The call may have been sent before the panic, so whether the
    /// server acted is unknown.
    pub fn from_panic(payload: &(dyn Any + Send)) -> Error {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "no message".to_string());
        Error::new(ErrorKind::Internal, "internal error in the nevis-authcloud SDK (please report it)")
            .with_applied(MayHaveBeenApplied::Unknown)
            .with_source(RedactedCause { text: format!("panic: {detail}"), next: None })
    }

    pub(crate) fn from_api(api: ApiErrorBody, applied: MayHaveBeenApplied) -> Error {
        let kind = ErrorKind::from_status(api.status);
        let reason = api.error.clone().unwrap_or_else(|| reason_phrase(api.status).to_string());
        let message = match &api.message {
            Some(detail) if !detail.is_empty() => format!("{} {reason}: {detail}", api.status),
            _ => format!("{} {reason}", api.status),
        };
        let mut err = Error::new(kind, message);
        err.inner.api = Some(api);
        err.inner.applied = applied;
        err
    }

    /// The same error with its field named as the caller spelled it: a Python keyword (`user_id`
    /// for the API's `userId`), a Node option (`baseUrl` for the setting `base_url`), a C argument.
    /// The message keeps the rule and names the new field. `rename` returns `None` to keep a name.
    pub fn with_field_renamed(mut self, rename: impl FnOnce(&str) -> Option<String>) -> Error {
        let Some(old) = self.inner.field.clone() else { return self };
        let Some(new) = rename(&old) else { return self };
        if let Some(rule) = self.inner.message.strip_prefix(old.as_str()).and_then(|rest| rest.strip_prefix(": ")) {
            self.inner.message = format!("{new}: {rule}");
        }
        self.inner.field = Some(new);
        self
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Error {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_applied(mut self, applied: MayHaveBeenApplied) -> Error {
        self.inner.applied = applied;
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Error {
        self.inner.retry_after = retry_after;
        self
    }

    pub(crate) fn with_request(mut self, method: &str, path: &str) -> Error {
        self.inner.request = Some(RequestInfo { method: method.to_string(), path: path.to_string() });
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Error {
        self.inner.attempts = attempts;
        self
    }

    pub(crate) fn with_last_status(mut self, status: Option<StatusResponse>) -> Error {
        self.inner.last_status = status;
        self
    }

    /// Cuts the call's secrets out of every text this error carries (see [`crate::redact`]): its
    /// message, the error answer's fields and the messages of its causes. The kind's name is not
    /// part of the message, so it always stays intact.
    pub(crate) fn redacted(mut self, redactor: &Redactor) -> Error {
        redactor.redact_in_place(&mut self.inner.message);
        if let Some(api) = &mut self.inner.api {
            api.redact(redactor);
        }
        if let Some(source) = &self.inner.source {
            let mut causes: Vec<String> = Vec::new();
            let mut cause: Option<&(dyn StdError + 'static)> = Some(source.as_ref());
            while let Some(current) = cause {
                causes.push(current.to_string());
                cause = current.source();
            }
            if causes.iter().any(|text| redactor.redact(text) != text.as_str()) {
                let redacted = causes.iter().map(|text| redactor.redact(text).into_owned());
                self.inner.source =
                    RedactedCause::chain(redacted).map(|cause| cause as Box<dyn StdError + Send + Sync + 'static>);
            }
        }
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message without the method and path (those are in [`Error::request`]).
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// For `InvalidRequest` and `Config`: the field or setting at fault. The core names request
    /// members by their JSON path in the API (`userId`, `fido2Options.authenticatorSelection.
    /// userVerification`, `channels[0]`) and settings by the builder's names (`base_url`,
    /// `max_retries`); bindings rename them to what their callers wrote
    /// ([`Error::with_field_renamed`]).
    pub fn field(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// The HTTP error answer, for API error kinds.
    pub fn api(&self) -> Option<&ApiErrorBody> {
        self.inner.api.as_ref()
    }

    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.api.as_ref().map(|api| api.status)
    }

    /// For `RateLimited` (and 503s): how long the server asked us to wait.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    pub fn may_have_been_applied(&self) -> MayHaveBeenApplied {
        self.inner.applied
    }

    pub fn request(&self) -> Option<&RequestInfo> {
        self.inner.request.as_ref()
    }

    /// How many HTTP attempts were made (0 when the call failed before sending).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// For a `Timeout` from `wait_for_status`: the last status the server reported.
    pub fn last_status(&self) -> Option<&StatusResponse> {
        self.inner.last_status.as_ref()
    }

    /// True when trying the same call again later may succeed ([`ErrorKind::is_retryable`]);
    /// [`Error::retry_after`] says how long the server asked to wait first.
    pub fn is_retryable(&self) -> bool {
        self.inner.kind.is_retryable()
    }

    /// The messages of the error's causes, outermost first, each once (a cause that repeats its
    /// outer cause's text is skipped).
    pub fn causes(&self) -> Vec<String> {
        let mut causes: Vec<String> = Vec::new();
        let mut source = StdError::source(self);
        while let Some(cause) = source {
            let text = cause.to_string();
            if causes.last() != Some(&text) {
                causes.push(text);
            }
            source = cause.source();
        }
        causes
    }
}

/// Runs `future`, turning a panic inside it into an [`ErrorKind::Internal`] error, so a bug in
/// the SDK fails one call instead of unwinding into a binding's runtime (or its caller's).
pub async fn catch_panic<T>(future: impl Future<Output = Result<T>>) -> Result<T> {
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(outcome) => outcome,
        Err(payload) => Err(Error::from_panic(payload.as_ref())),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.kind, self.inner.message)?;
        if let Some(request) = &self.inner.request {
            write!(f, " ({} {})", request.method, request.path)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Error");
        out.field("kind", &self.inner.kind).field("message", &self.inner.message);
        if let Some(field) = &self.inner.field {
            out.field("field", field);
        }
        if let Some(api) = &self.inner.api {
            out.field("status", &api.status);
        }
        if let Some(request) = &self.inner.request {
            out.field("request", &format_args!("{} {}", request.method, request.path));
        }
        out.field("may_have_been_applied", &self.inner.applied);
        if let Some(retry_after) = self.inner.retry_after {
            out.field("retry_after", &retry_after);
        }
        if let Some(source) = &self.inner.source {
            out.field("source", &format_args!("{source}"));
        }
        out.finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner.source.as_ref().map(|source| source.as_ref() as &(dyn StdError + 'static))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A cause whose message held a secret, kept as redacted text (the original error is dropped).
#[derive(Debug)]
struct RedactedCause {
    text: String,
    next: Option<Box<RedactedCause>>,
}

impl RedactedCause {
    /// The causes, outermost first, as a chain of the same length.
    fn chain(texts: impl DoubleEndedIterator<Item = String>) -> Option<Box<RedactedCause>> {
        texts.rev().fold(None, |next, text| Some(Box::new(RedactedCause { text, next })))
    }
}

impl fmt::Display for RedactedCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl StdError for RedactedCause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.next.as_deref().map(|next| next as &(dyn StdError + 'static))
    }
}

pub(crate) fn reason_phrase(status: u16) -> &'static str {
    http_reason(status).unwrap_or("Error")
}

fn http_reason(status: u16) -> Option<&'static str> {
    http::StatusCode::from_u16(status).ok().and_then(|code| code.canonical_reason())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The position of `kind` in [`ErrorKind::ALL`]. The `match` has no `_` arm, so a new variant
    /// does not compile until it is added here, and the test below then fails until it is in `ALL`.
    fn position_in_all(kind: ErrorKind) -> usize {
        match kind {
            ErrorKind::BadRequest => 0,
            ErrorKind::Unauthorized => 1,
            ErrorKind::Forbidden => 2,
            ErrorKind::NotFound => 3,
            ErrorKind::MethodNotAllowed => 4,
            ErrorKind::Conflict => 5,
            ErrorKind::PreconditionFailed => 6,
            ErrorKind::UnsupportedMediaType => 7,
            ErrorKind::PayloadTooLarge => 8,
            ErrorKind::RateLimited => 9,
            ErrorKind::Server => 10,
            ErrorKind::Timeout => 11,
            ErrorKind::Connection => 12,
            ErrorKind::Tls => 13,
            ErrorKind::Decode => 14,
            ErrorKind::InvalidRequest => 15,
            ErrorKind::Config => 16,
            ErrorKind::Cancelled => 17,
            ErrorKind::Closed => 18,
            ErrorKind::Internal => 19,
        }
    }

    #[test]
    fn all_lists_every_kind_exactly_once() {
        let variants = 20;
        assert_eq!(ErrorKind::ALL.len(), variants, "ALL and the variants differ in number");
        for (index, kind) in ErrorKind::ALL.iter().enumerate() {
            assert_eq!(position_in_all(*kind), index, "{kind:?} is missing from ALL, listed twice or out of place");
        }
    }

    #[test]
    fn kind_names_are_unique_and_stable() {
        let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|kind| kind.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        assert_eq!(ErrorKind::NotFound.as_str(), "not_found");
        assert_eq!((ErrorKind::Closed.as_str(), ErrorKind::Internal.as_str()), ("closed", "internal"));
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        let retryable: Vec<&str> =
            ErrorKind::ALL.iter().filter(|kind| kind.is_retryable()).map(|kind| kind.as_str()).collect();
        assert_eq!(retryable, ["rate_limited", "server", "timeout", "connection"]);
        assert!(!Error::closed().is_retryable());
    }

    #[test]
    fn a_panic_becomes_an_internal_error_carrying_its_message() {
        let payload: Box<dyn Any + Send> = Box::new(format!("boom {}", 42));
        let err = Error::from_panic(payload.as_ref());
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::Unknown);
        assert_eq!(err.causes(), ["panic: boom 42"]);
        let caught = crate::runtime::block_on(catch_panic(async {
            if ErrorKind::ALL.len() > 1 {
                panic!("inside the call");
            }
            Ok(())
        }));
        let err = caught.and_then(|outcome| outcome).unwrap_err();
        assert_eq!((err.kind(), err.causes()), (ErrorKind::Internal, vec!["panic: inside the call".to_string()]));
    }

    #[test]
    fn a_closed_client_error_names_no_field() {
        let err = Error::closed();
        assert_eq!((err.kind(), err.field()), (ErrorKind::Closed, None));
        assert!(err.to_string().starts_with("closed: the client is closed"), "{err}");
    }

    #[test]
    fn statuses_map_to_kinds() {
        assert_eq!(ErrorKind::from_status(400), ErrorKind::BadRequest);
        assert_eq!(ErrorKind::from_status(401), ErrorKind::Unauthorized);
        assert_eq!(ErrorKind::from_status(412), ErrorKind::PreconditionFailed);
        assert_eq!(ErrorKind::from_status(418), ErrorKind::BadRequest);
        assert_eq!(ErrorKind::from_status(503), ErrorKind::Server);
    }

    #[test]
    fn error_body_accepts_both_timestamp_forms_and_garbage() {
        let iso = ApiErrorBody::parse(
            404,
            br#"{"error":"Not Found","message":"no such user","path":"/api/v1/users/x","status":404,"timestamp":"2020-09-23T12:13:45Z"}"#,
        );
        assert_eq!(iso.timestamp, Some(Timestamp::Iso("2020-09-23T12:13:45Z".into())));
        assert_eq!(iso.message.as_deref(), Some("no such user"));
        let millis = ApiErrorBody::parse(403, br#"{"error":"Forbidden","status":403,"timestamp":1600863157593}"#);
        assert_eq!(millis.timestamp, Some(Timestamp::EpochMillis(1600863157593)));
        assert_eq!(millis.message, None);
        let html = ApiErrorBody::parse(502, b"<html>bad gateway</html>");
        assert_eq!(html.error, None);
        assert_eq!(html.body, "<html>bad gateway</html>");
    }

    #[test]
    fn a_renamed_field_keeps_the_rule() {
        let err = Error::invalid("userId", "must be a UUID").with_field_renamed(|_| Some("user_id".into()));
        assert_eq!((err.field(), err.message()), (Some("user_id"), "user_id: must be a UUID"));
        let kept = Error::config("base_url", "is required").with_field_renamed(|_| None);
        assert_eq!(kept.message(), "base_url: is required");
        let fieldless = Error::new(ErrorKind::Timeout, "slow").with_field_renamed(|_| Some("x".into()));
        assert_eq!((fieldless.field(), fieldless.message()), (None, "slow"));
    }

    #[test]
    fn redaction_covers_every_server_text_and_keeps_the_raw_body() {
        let key = "AKEY-0123456789-abcdef";
        let raw = format!(
            r#"{{"error":"Bad {key}","message":"bad credential: Bearer {key}","path":"/x/{key}","timestamp":"{key}"}}"#
        );
        let api = ApiErrorBody::parse(401, raw.as_bytes());
        let err = Error::from_api(api, MayHaveBeenApplied::No).redacted(&Redactor::new([key]));
        let api = err.api().unwrap();
        let shown = format!("{err} {err:?} {api:?} {} {}", api.body, err.message());
        assert!(!shown.contains(key), "{shown}");
        assert_eq!(api.message.as_deref(), Some("bad credential: Bearer [redacted]"));
        assert_eq!(api.path.as_deref(), Some("/x/[redacted]"));
        assert_eq!(api.timestamp, Some(Timestamp::Iso("[redacted]".into())));
        assert!(err.to_string().starts_with("unauthorized: 401 Bad [redacted]: bad credential"), "{err}");
        assert_eq!(api.raw_body(), raw.as_bytes());
    }

    #[test]
    fn a_secret_cut_by_the_excerpt_leaves_no_prefix_behind() {
        let key = "AKEY-0123456789-abcdef";
        // The key straddles the excerpt's end: redacting after cutting would leave "AKEY-".
        let raw = format!("{}{key}", "p".repeat(ApiErrorBody::MAX_BODY_CHARS - 5));
        let api = ApiErrorBody::parse(502, raw.as_bytes());
        assert!(api.body.ends_with("AKEY-"));
        let err = Error::from_api(api, MayHaveBeenApplied::Unknown).redacted(&Redactor::new([key]));
        let body = &err.api().unwrap().body;
        assert_eq!(body.chars().count(), ApiErrorBody::MAX_BODY_CHARS);
        assert!(body.ends_with("p[reda"), "{}", &body[body.len() - 10..]);
    }

    #[test]
    fn causes_holding_a_secret_are_replaced_by_their_redacted_text() {
        let key = "AKEY-0123456789-abcdef";
        let inner = std::io::Error::other(format!("peer said {key}"));
        let err = Error::new(ErrorKind::Connection, "broke").with_source(inner).redacted(&Redactor::new([key]));
        let cause = StdError::source(&err).unwrap();
        assert_eq!(cause.to_string(), "peer said [redacted]");
        assert!(!format!("{err:?}").contains(key));
        let clean = Error::new(ErrorKind::Connection, "broke").with_source(std::io::Error::other("refused"));
        let clean = clean.redacted(&Redactor::new([key]));
        assert!(StdError::source(&clean).unwrap().downcast_ref::<std::io::Error>().is_some(), "kept as it was");
    }

    #[test]
    fn display_names_kind_status_and_detail() {
        let api = ApiErrorBody::parse(404, br#"{"error":"Not Found","message":"User not found"}"#);
        let err = Error::from_api(api, MayHaveBeenApplied::No).with_request("GET", "/api/v1/users/1");
        assert_eq!(err.to_string(), "not_found: 404 Not Found: User not found (GET /api/v1/users/1)");
    }
}
