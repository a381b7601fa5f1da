//! One HTTP exchange with the API, with the SDK's rules for timeouts, retries and error mapping.
//!
//! Every operation describes its call as a [`Call`] (method, path, body, credential and how safe it
//! is to repeat) and hands it to [`Transport`]. That keeps the rules that matter in a login path in
//! one place: which failures are retried (see [`crate::retry`]), how long anything may take, how
//! big an answer may be, what an HTTP error becomes, and whether a failed call may still have
//! reached the server. Nothing here ever logs a header, a body or a token.

use std::future::Future;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, USER_AGENT};
use http::{Method, Uri};
use http_body_util::Full;
use hyper_util::client::legacy::Client as Pool;
use hyper_util::client::legacy::connect::{CaptureConnection, capture_connection};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::CancellationToken;
use crate::config::ClientConfig;
use crate::connector::{ConnectError, Connector};
use crate::error::{ApiErrorBody, MayHaveBeenApplied};
use crate::redact::Redactor;
use crate::response::{BodyError, Response, ResponseBody};
use crate::retry::{self, Backoff, Safety};
use crate::{Error, ErrorKind, Result, Secret};

/// Which credential a call sends.
pub(crate) enum Auth<'a> {
    AccessKey,
    /// An intent token standing in for the access key.
    Bearer(&'a Secret),
    /// Status polling and the FIDO2 completions: the body is the capability.
    None,
}

pub(crate) enum Payload {
    Empty,
    /// `Bytes`, so that a retry resends the same buffer without copying it.
    Json(Bytes),
    Form(Bytes),
}

/// What the API is asked, and how to treat the answer.
pub(crate) struct Call<'a> {
    /// The span name of the operation (`nevis.get_user`).
    pub operation: &'static str,
    pub method: Method,
    /// The route as documented (`/api/v1/users/{userId}`): what logs and spans show.
    pub template: &'static str,
    /// The route filled in (`/api/v1/users/<id>`): what is sent, and what errors name.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub payload: Payload,
    pub auth: Auth<'a>,
    pub safety: Safety,
    pub accept: &'static str,
    /// A non-2xx status that is a regular answer of this endpoint (412 from status polling, 400
    /// from a rejected FIDO2 ceremony) rather than an error.
    pub answer_status: Option<u16>,
    /// The secrets the request carries besides its credential (tokens and codes in the body), to
    /// cut out of anything the server echoes back.
    secrets: Vec<&'a str>,
    /// A connection slot the caller took ahead ([`Transport::slot`]); the first attempt uses it
    /// instead of queueing for one.
    held: std::sync::Mutex<Option<Slot<'a>>>,
}

/// One of the `max_connections` permits.
pub(crate) type Slot<'t> = tokio::sync::SemaphorePermit<'t>;

impl<'a> Call<'a> {
    /// A call to the route `template`; [`Self::with_path`] fills in a route with parameters.
    pub fn new(operation: &'static str, method: Method, template: &'static str, safety: Safety) -> Self {
        Call {
            operation,
            method,
            template,
            path: template.to_string(),
            query: Vec::new(),
            payload: Payload::Empty,
            auth: Auth::AccessKey,
            safety,
            accept: "application/json",
            answer_status: None,
            secrets: Vec::new(),
            held: std::sync::Mutex::new(None),
        }
    }

    /// The route with its parameters filled in.
    pub fn with_path(mut self, path: String) -> Self {
        self.path = path;
        self
    }

    /// Names secrets the request carries (besides the access key or bearer token, which are known
    /// anyway), so that an answer echoing them is redacted.
    pub fn redacting(mut self, secrets: impl IntoIterator<Item = &'a str>) -> Self {
        self.secrets.extend(secrets);
        self
    }

    /// Lets the first attempt use `slot`, taken ahead with [`Transport::slot`].
    pub fn holding(self, slot: Option<Slot<'a>>) -> Self {
        *self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = slot;
        self
    }

    fn take_held(&self) -> Option<Slot<'a>> {
        self.held.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }

    pub fn json_body(mut self, body: &impl serde::Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|err| {
            Error::new(ErrorKind::InvalidRequest, "request could not be encoded as JSON").with_source(err)
        })?;
        self.payload = Payload::Json(Bytes::from(bytes));
        Ok(self)
    }

    pub fn auth(mut self, auth: Auth<'a>) -> Self {
        self.auth = auth;
        self
    }
}

/// A buffered answer with a status the caller accepts.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Per-call limits; the client's defaults, possibly overridden by `Client::with_options`.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    pub request_timeout: Duration,
    pub deadline: Option<Duration>,
    pub max_retries: u32,
    pub max_retry_after: Duration,
    pub retry_non_idempotent: bool,
    /// The caller's token for these calls (`Client::with_cancel`): cancelling it ends them with
    /// `Cancelled`.
    pub cancel: Option<CancellationToken>,
}

/// Why a call was stopped from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// The client (its pool) was closed.
    Closed,
    /// The caller's cancellation token fired.
    Cancelled,
}

impl Stopped {
    /// The error a stopped call ends with; `applied` says what its attempts may have caused.
    pub(crate) fn error(self, applied: MayHaveBeenApplied) -> Error {
        let error = match self {
            Stopped::Closed => Error::closed(),
            Stopped::Cancelled => Error::new(ErrorKind::Cancelled, "the call was cancelled"),
        };
        error.with_applied(applied)
    }
}

/// The client's HTTP/1.1 connection pool. Redirects are never followed (hyper does not follow
/// them), so the `Authorization` header cannot travel to another host.
type Http = Pool<Connector, Full<Bytes>>;

pub(crate) struct Transport {
    http: Http,
    /// `scheme://host[:port]` of the base URL; every request URI is this plus the call's path.
    origin: String,
    /// The host of the base URL (`server.address` of every span).
    server_address: String,
    user_agent: HeaderValue,
    config: ClientConfig,
    backoff: Backoff,
    /// One permit per request in flight (`max_connections`): the pool opens a connection for every
    /// concurrent request and has no cap of its own.
    slots: tokio::sync::Semaphore,
    /// Cancelled by `Client::close`: shared by every clone and `with_options` view of the pool, so
    /// closing any of them ends every call on the pool.
    closed: CancellationToken,
}

impl Transport {
    pub fn new(config: ClientConfig) -> Result<Transport> {
        let tls = crate::tls::client_config(&config.ca_certificates_pem, config.base_url.scheme() == "https")?;
        let origin = config.base_url.origin().ascii_serialization();
        let origin_uri = Uri::try_from(origin.as_str())
            .map_err(|err| Error::config("base_url", format!("cannot be used as a request address ({err})")))?;
        let connector =
            Connector::new(&origin_uri, tls, config.connect_timeout, config.proxy.as_ref(), config.use_env_proxy)?;
        let http = Pool::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(config.max_connections)
            .pool_timer(TokioTimer::new())
            .build(connector);
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| Error::config("app_info", "contains characters not allowed in an HTTP header"))?;
        let backoff = Backoff::new(config.initial_backoff, config.max_backoff);
        let slots = tokio::sync::Semaphore::new(config.max_connections.min(tokio::sync::Semaphore::MAX_PERMITS));
        let server_address = origin_uri.host().unwrap_or_default().to_string();
        Ok(Transport {
            http,
            origin,
            server_address,
            user_agent,
            config,
            backoff,
            slots,
            closed: CancellationToken::new(),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Waits for a free connection slot and takes it, for a caller that would otherwise queue for
    /// one with a whole request's state (many waits due at the same moment); hand it to the call
    /// with [`Call::holding`]. `None` never happens in practice (the semaphore is never closed).
    pub async fn slot(&self) -> Option<Slot<'_>> {
        self.slots.acquire().await.ok()
    }

    pub fn default_limits(&self) -> Limits {
        Limits {
            request_timeout: self.config.request_timeout,
            deadline: self.config.deadline,
            max_retries: self.config.max_retries,
            max_retry_after: self.config.max_retry_after,
            retry_non_idempotent: false,
            cancel: None,
        }
    }

    /// Ends every call in flight on this pool with `Closed`, and fails every later one before it
    /// sends anything. Idempotent.
    pub fn close(&self) {
        self.closed.cancel();
    }

    pub fn is_closed(&self) -> bool {
        self.closed.is_cancelled()
    }

    /// Whether a call with `limits` must stop now, and why (closing wins over cancelling).
    pub fn stopped_now(&self, limits: &Limits) -> Option<Stopped> {
        if self.closed.is_cancelled() {
            Some(Stopped::Closed)
        } else if limits.cancel.as_ref().is_some_and(CancellationToken::is_cancelled) {
            Some(Stopped::Cancelled)
        } else {
            None
        }
    }

    /// Resolves when a call with `limits` is stopped from outside: the pool is closed or the
    /// call's token is cancelled. Never resolves otherwise.
    pub async fn stopped(&self, limits: &Limits) -> Stopped {
        match &limits.cancel {
            Some(cancel) => tokio::select! {
                biased;
                _ = self.closed.cancelled() => Stopped::Closed,
                _ = cancel.cancelled() => Stopped::Cancelled,
            },
            None => {
                self.closed.cancelled().await;
                Stopped::Closed
            }
        }
    }

    /// Sends the call and decodes a JSON answer.
    pub async fn json<T: DeserializeOwned>(&self, call: Call<'_>, limits: &Limits) -> Result<T> {
        let safety = call.safety;
        self.send_decoded(call, limits, move |answer| decode_json(&answer, safety)).await
    }

    /// Sends the call and returns the whole answer, read up to the size cap.
    pub async fn send(&self, call: Call<'_>, limits: &Limits) -> Result<Answer> {
        self.send_decoded(call, limits, Ok).await
    }

    /// Sends the call, reads the answer up to the size cap and turns it into the result with
    /// `decode`. Decoding is part of the attempt, so its failures carry the attempt count and the
    /// request like any other.
    pub async fn send_decoded<T>(
        &self,
        call: Call<'_>,
        limits: &Limits,
        decode: impl Fn(Answer) -> Result<T>,
    ) -> Result<T> {
        let max = self.config.max_response_bytes;
        let decode = &decode;
        self.run(&call, limits, |response| async move {
            let (status, headers, body) = read_capped(response, max).await?;
            decode(Answer { status, headers, body })
        })
        .await
    }

    /// Sends the call and returns the answer with its body still streaming.
    pub async fn stream(&self, call: Call<'_>, limits: &Limits) -> Result<Response> {
        self.run(&call, limits, |response| async move { Ok(response) }).await
    }

    /// One call, inside its span: the retry loop, then the outcome recorded on the span.
    async fn run<R, F, Fut>(&self, call: &Call<'_>, limits: &Limits, finish: F) -> Result<R>
    where
        F: Fn(Response) -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        // The call's span (OpenTelemetry's HTTP client attributes, the route as its template);
        // a disabled span (no sink wants spans) costs one atomic load here and nothing below.
        let span = tracing::debug_span!(
            target: "nevis_authcloud",
            "nevis.call",
            otel.name = call.operation,
            http.request.method = call.method.as_str(),
            url.template = call.template,
            server.address = self.server_address.as_str(),
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
            nevis.attempts = tracing::field::Empty,
        );
        // A call dropped before it finished (cancelled by its caller) says so on its span.
        struct Unfinished<'s>(&'s tracing::Span, bool);
        impl Drop for Unfinished<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    self.0.record("error.type", ErrorKind::Cancelled.as_str());
                }
            }
        }
        let mut unfinished = Unfinished(&span, false);
        let result = self.retry_loop(call, limits, finish, &span).instrument(span.clone()).await;
        unfinished.1 = true;
        if let (false, Err(error)) = (span.is_disabled(), &result) {
            span.record("error.type", error.kind().as_str());
            if let Some(status) = error.status() {
                span.record("http.response.status_code", status);
            }
        }
        result
    }

    /// The retry loop. `finish` turns a response with an accepted status into the result (reading
    /// the body when buffering); its failures are retried only for read-only calls, because the
    /// server has already answered with success. Each attempt is a span inside the call's `span`.
    async fn retry_loop<R, F, Fut>(
        &self,
        call: &Call<'_>,
        limits: &Limits,
        finish: F,
        span: &tracing::Span,
    ) -> Result<R>
    where
        F: Fn(Response) -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        let started = Instant::now();
        // A deadline too far away to be an `Instant` (Duration::MAX from a binding) is no deadline.
        let deadline = limits.deadline.and_then(|d| started.checked_add(d));
        let may_resend = call.safety.may_resend() || limits.retry_non_idempotent;
        let method = call.method.as_str();
        if let Some(stopped) = self.stopped_now(limits) {
            return Err(stopped.error(MayHaveBeenApplied::No).with_request(method, &call.path));
        }
        let mut attempt: u32 = 0;
        // What the attempts before this one may have caused: a retried call that may already have
        // acted is never reported as "no" because a later attempt sent nothing.
        let mut earlier = MayHaveBeenApplied::No;
        // Built on the first failure only: a successful call pays nothing for redaction.
        let mut redactor: Option<Redactor> = None;
        loop {
            attempt += 1;
            let attempt_started = Instant::now();
            let progress = Progress::default();
            let attempt_span = tracing::debug_span!(
                target: "nevis_authcloud",
                "nevis.attempt",
                http.request.method = method,
                url.template = call.template,
                server.address = self.server_address.as_str(),
                nevis.attempt = attempt,
                http.request.resend_count = attempt - 1,
                http.response.status_code = tracing::field::Empty,
                error.type = tracing::field::Empty,
            );
            span.record("nevis.attempts", attempt);
            // Queued for a slot, or still connecting (TCP, proxy, TLS handshake): no byte of this
            // attempt's request was written.
            let this_attempt = |progress: &Progress| {
                let applied = if progress.may_have_sent() { call.safety.unsure() } else { MayHaveBeenApplied::No };
                most_applied(earlier, applied)
            };
            let bounded = async {
                let exchange = self.attempt(call, limits, may_resend, &finish, &progress);
                match deadline {
                    Some(deadline) => tokio::time::timeout_at(deadline.into(), exchange).await.ok(),
                    None => Some(exchange.await),
                }
            }
            .instrument(attempt_span.clone());
            let outcome = tokio::select! {
                biased;
                stopped = self.stopped(limits) => {
                    let error = stopped.error(this_attempt(&progress)).with_attempts(attempt).with_request(method, &call.path);
                    attempt_span.record("error.type", error.kind().as_str());
                    return Err(error);
                }
                bounded = bounded => match bounded {
                    Some(outcome) => outcome,
                    None => {
                        attempt_span.record("error.type", ErrorKind::Timeout.as_str());
                        return Err(Error::new(
                            ErrorKind::Timeout,
                            format!("no answer within the call deadline of {:?}", limits.deadline.unwrap_or_default()),
                        )
                        .with_applied(this_attempt(&progress))
                        .with_attempts(attempt)
                        .with_request(method, &call.path));
                    }
                },
            };
            let elapsed_ms = attempt_started.elapsed().as_millis() as u64;
            if let Some(status) = progress.status() {
                attempt_span.record("http.response.status_code", status);
                span.record("http.response.status_code", status);
            }
            let _in_attempt = attempt_span.enter();
            let template = call.template;
            let Failure { error, retry } = match outcome {
                Ok(result) => {
                    tracing::debug!(target: "nevis_authcloud", method, path = template, attempt, elapsed_ms, "request completed");
                    return Ok(result);
                }
                Err(failure) => failure,
            };
            attempt_span.record("error.type", error.kind().as_str());
            let redactor = redactor.get_or_insert_with(|| self.redactor(call));
            let applied = most_applied(earlier, error.may_have_been_applied());
            earlier = applied;
            let error =
                error.redacted(redactor).with_applied(applied).with_attempts(attempt).with_request(method, &call.path);
            tracing::debug!(target: "nevis_authcloud", method, path = template, status = error.status(), kind = error.kind().as_str(), attempt, elapsed_ms, "request failed");
            if error.api().is_some() {
                tracing::trace!(target: "nevis_authcloud", method, path = template, status = error.status(), detail = error.message(), "error answer");
            }

            let delay = match retry {
                retry::Decision::Stop => return Err(error),
                _ if attempt > limits.max_retries => return Err(error),
                retry::Decision::After(server_delay) => {
                    if server_delay > limits.max_retry_after {
                        tracing::info!(target: "nevis_authcloud", method, path = template, retry_after_ms = server_delay.as_millis() as u64, "not retrying: Retry-After is longer than max_retry_after");
                        return Err(error);
                    }
                    server_delay
                }
                retry::Decision::Backoff => self.backoff.delay(attempt),
            };
            if let Some(deadline) = deadline {
                if Instant::now().checked_add(delay).is_none_or(|at| at >= deadline) {
                    return Err(error);
                }
            }
            tracing::info!(target: "nevis_authcloud", method, path = template, attempt, kind = error.kind().as_str(), status = error.status(), delay_ms = delay.as_millis() as u64, "retrying");
            // The attempt's span ends before the wait, so its duration is the exchange alone.
            drop(_in_attempt);
            drop(attempt_span);
            tokio::select! {
                biased;
                stopped = self.stopped(limits) => {
                    return Err(stopped.error(earlier).with_attempts(attempt).with_request(method, &call.path));
                }
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// Every secret the call may have sent: the access key (even when the call sends none, the
    /// server may know it from elsewhere), its bearer token and the secrets of its body.
    fn redactor(&self, call: &Call<'_>) -> Redactor {
        let bearer = match &call.auth {
            Auth::Bearer(token) => Some(token.expose()),
            Auth::AccessKey | Auth::None => None,
        };
        Redactor::new(
            std::iter::once(self.config.access_key.expose()).chain(bearer).chain(call.secrets.iter().copied()),
        )
    }

    /// `progress` learns when the request is handed to a connection and may leave.
    async fn attempt<R, F, Fut>(
        &self,
        call: &Call<'_>,
        limits: &Limits,
        may_resend: bool,
        finish: &F,
        progress: &Progress,
    ) -> Result<R, Failure>
    where
        F: Fn(Response) -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        // Held until the answer has been read (or the attempt failed), so the connection is free
        // again when the permit is. The semaphore is never closed.
        let _slot = match call.take_held() {
            Some(slot) => Some(slot),
            None => self.slots.acquire().await.ok(),
        };
        // Boxed: the exchange's state (the pool's request and response futures) then exists
        // only while a slot is held, not in every call queued for one (10,000 waits polling at
        // once: bench/python, python-memory).
        Box::pin(self.exchange(call, limits, may_resend, finish, progress)).await
    }

    /// One request and its answer, with a slot held.
    async fn exchange<R, F, Fut>(
        &self,
        call: &Call<'_>,
        limits: &Limits,
        may_resend: bool,
        finish: &F,
        progress: &Progress,
    ) -> Result<R, Failure>
    where
        F: Fn(Response) -> Fut,
        Fut: Future<Output = Result<R>>,
    {
        let mut request = self.build(call).map_err(Failure::stop)?;
        let _ = progress.connection.set(capture_connection(&mut request));
        // The request timeout bounds the attempt from sending to the answer's last byte.
        let deadline = tokio::time::Instant::now().checked_add(limits.request_timeout);
        let sent = self.http.request(request);
        let answered = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline, sent).await {
                Ok(answered) => answered,
                Err(_) if !progress.may_have_sent() => return Err(not_connected_in_time()),
                Err(_) => return Err(no_answer_in_time(call.safety, may_resend)),
            },
            None => sent.await,
        };
        let response = match answered {
            Ok(response) => {
                progress.status.store(response.status().as_u16(), std::sync::atomic::Ordering::Relaxed);
                response.map(|body| ResponseBody::received(body, deadline))
            }
            Err(err) => return Err(classify_send_error(err, call.safety, may_resend)),
        };
        handle_response(response, call.safety, call.answer_status, may_resend, finish).await
    }

    fn build(&self, call: &Call<'_>) -> Result<http::Request<Full<Bytes>>> {
        let mut target = String::with_capacity(self.origin.len() + call.path.len() + 64);
        target.push_str(&self.origin);
        target.push_str(&call.path);
        if !call.query.is_empty() {
            target.push('?');
            let start = target.len();
            target = url::form_urlencoded::Serializer::for_suffix(target, start)
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
        }
        let uri = Uri::try_from(target)
            .map_err(|err| Error::new(ErrorKind::InvalidRequest, "request could not be built").with_source(err))?;
        let body = match &call.payload {
            Payload::Empty => Bytes::new(),
            Payload::Json(bytes) | Payload::Form(bytes) => bytes.clone(),
        };
        let mut request = http::Request::new(Full::new(body));
        *request.method_mut() = call.method.clone();
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        headers.insert(USER_AGENT, self.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static(call.accept));
        let bearer = match &call.auth {
            Auth::AccessKey => Some(&self.config.access_key),
            Auth::Bearer(token) => Some(*token),
            Auth::None => None,
        };
        if let Some(secret) = bearer {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", secret.expose())).map_err(|_| {
                Error::invalid("authorization", "credential contains characters not allowed in an HTTP header")
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let content_type = match &call.payload {
            Payload::Empty => None,
            Payload::Json(_) => Some("application/json;charset=utf-8"),
            Payload::Form(_) => Some("application/x-www-form-urlencoded"),
        };
        if let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        Ok(request)
    }
}

/// What one HTTP answer becomes: a status the call accepts is handed to `finish` (which reads and
/// decodes the body), any other status is an API error. Shared by the retry loop and the fuzz
/// entry points (`crate::fuzzing`), so the fuzzers exercise exactly this path.
pub(crate) async fn handle_response<R, F, Fut>(
    response: Response,
    safety: Safety,
    answer_status: Option<u16>,
    may_resend: bool,
    finish: &F,
) -> Result<R, Failure>
where
    F: Fn(Response) -> Fut,
    Fut: Future<Output = Result<R>>,
{
    let status = response.status();
    let accepted = status.is_success() || answer_status == Some(status.as_u16());
    if !accepted {
        return Err(error_answer(response, safety, may_resend).await);
    }
    finish(response).await.map_err(|error| {
        // The server answered with success; only a read can be repeated without doubt.
        let retry = if safety == Safety::ReadOnly && error.is_retryable() {
            retry::Decision::Backoff
        } else {
            retry::Decision::Stop
        };
        let applied = if error.kind().is_api_error() { error.may_have_been_applied() } else { safety.after_success() };
        Failure { error: error.with_applied(applied), retry }
    })
}

/// How far one attempt got.
#[derive(Default)]
pub(crate) struct Progress {
    /// Filled in by the pool when it hands the request to a connection (fresh or idle).
    connection: OnceLock<CaptureConnection>,
    /// The answer's HTTP status, once one arrived (0 before).
    status: std::sync::atomic::AtomicU16,
}

impl Progress {
    fn status(&self) -> Option<u16> {
        Some(self.status.load(std::sync::atomic::Ordering::Relaxed)).filter(|status| *status != 0)
    }

    /// False while the request is queued for a slot or waiting for its connection to be made:
    /// until the pool hands it to a connection, no byte of it can have been written.
    fn may_have_sent(&self) -> bool {
        self.connection.get().is_some_and(|captured| captured.connection_metadata().is_some())
    }
}

/// The stronger of two answers to "could the server have acted?" (`yes` over `unknown` over `no`).
fn most_applied(a: MayHaveBeenApplied, b: MayHaveBeenApplied) -> MayHaveBeenApplied {
    use MayHaveBeenApplied::{No, Unknown, Yes};
    match (a, b) {
        (Yes, _) | (_, Yes) => Yes,
        (Unknown, _) | (_, Unknown) => Unknown,
        (No, No) => No,
    }
}

/// A failed attempt and whether the loop may try again.
pub(crate) struct Failure {
    pub(crate) error: Error,
    pub(crate) retry: retry::Decision,
}

impl Failure {
    fn stop(error: Error) -> Failure {
        Failure { error, retry: retry::Decision::Stop }
    }
}

/// Reads a body up to `max` bytes; a longer one is a `Decode` error, never an allocation of
/// whatever size the peer announces.
pub(crate) async fn read_capped(response: Response, max: usize) -> Result<(u16, HeaderMap, Bytes)> {
    let (head, mut source) = response.into_parts();
    let status = head.status.as_u16();
    if let Some(length) = source.exact_len() {
        if length > max as u64 {
            return Err(too_large(max));
        }
    }
    let headers = head.headers;
    let mut body = BytesMut::new();
    loop {
        match source.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err(too_large(max));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(err) => return Err(classify_body_error(err)),
        }
    }
    Ok((status, headers, body.freeze()))
}

fn too_large(max: usize) -> Error {
    Error::new(ErrorKind::Decode, format!("the answer is larger than max_response_bytes ({max} bytes)"))
}

/// An HTTP error answer: read (a bounded part of) its body and decide about retrying.
async fn error_answer(response: Response, safety: Safety, may_resend: bool) -> Failure {
    let status = response.status();
    let retry_after = retry::parse_retry_after(response.headers());
    let body = match read_capped(response, 64 * 1024).await {
        Ok((_, _, body)) => body,
        Err(_) => Bytes::new(),
    };
    let code = status.as_u16();
    if status.is_redirection() {
        let error = Error::new(
            ErrorKind::Decode,
            format!("unexpected redirect ({code}); redirects are never followed so the credential cannot leak"),
        );
        return Failure::stop(error);
    }
    let applied = match code {
        429 | 503 => MayHaveBeenApplied::No,
        500..=599 => safety.unsure(),
        _ => MayHaveBeenApplied::No,
    };
    let error = Error::from_api(ApiErrorBody::parse(code, &body), applied).with_retry_after(retry_after);
    let retry = retry::decide_for_status(code, may_resend, retry_after);
    Failure { error, retry }
}

/// A failure before any response head arrived.
fn classify_send_error(err: hyper_util::client::legacy::Error, safety: Safety, may_resend: bool) -> Failure {
    if is_tls_error(&err) {
        let error = Error::new(ErrorKind::Tls, format!("TLS handshake failed: {}", root_cause(&err))).with_source(err);
        return Failure::stop(error);
    }
    if err.is_connect() {
        // Nothing was sent: safe to retry whatever the call is.
        let kind = if connect_timed_out(&err) { ErrorKind::Timeout } else { ErrorKind::Connection };
        let error = Error::new(kind, format!("could not connect: {}", root_cause(&err))).with_source(err);
        return Failure { error, retry: retry::Decision::Backoff };
    }
    let text = format!("the connection failed after the request was sent: {}", root_cause(&err));
    let error = Error::new(ErrorKind::Connection, text).with_applied(safety.unsure()).with_source(err);
    Failure { error, retry: retry::after_sending(may_resend) }
}

/// The request timeout ran out while the connection was still being made (TCP, proxy tunnel or TLS
/// handshake): the request was never handed to a connection, so nothing of it was written and
/// even a non-idempotent call may be tried again.
fn not_connected_in_time() -> Failure {
    let error = Error::new(ErrorKind::Timeout, "no connection within the request timeout; nothing was sent");
    Failure { error, retry: retry::Decision::Backoff }
}

/// The request timeout ran out before the answer's head arrived (the request may have been sent).
fn no_answer_in_time(safety: Safety, may_resend: bool) -> Failure {
    let error = Error::new(ErrorKind::Timeout, "no answer within the request timeout").with_applied(safety.unsure());
    Failure { error, retry: retry::after_sending(may_resend) }
}

/// A failure while reading a body whose head said success.
fn classify_body_error(err: BodyError) -> Error {
    match err {
        BodyError::Stalled => {
            Error::new(ErrorKind::Timeout, "the answer stalled: its body did not arrive within the request timeout")
        }
        BodyError::Broken(err) => Error::new(
            ErrorKind::Connection,
            format!("the connection broke while reading the answer: {}", root_cause(&err)),
        )
        .with_source(err),
    }
}

/// Whether `err` or any error in its source chain is one `is` recognises.
fn chain_contains(
    err: &(dyn std::error::Error + 'static),
    is: impl Fn(&(dyn std::error::Error + 'static)) -> bool,
) -> bool {
    std::iter::successors(Some(err), |current| current.source()).any(is)
}

fn connect_timed_out(err: &(dyn std::error::Error + 'static)) -> bool {
    chain_contains(err, |current| matches!(current.downcast_ref::<ConnectError>(), Some(ConnectError::TimedOut(_))))
}

fn is_tls_error(err: &(dyn std::error::Error + 'static)) -> bool {
    chain_contains(err, is_rustls_error)
}

/// rustls errors reach us wrapped in (possibly nested) `io::Error`s, whose `source()` skips the
/// wrapped error itself, so each `io::Error` layer is opened explicitly.
fn is_rustls_error(err: &(dyn std::error::Error + 'static)) -> bool {
    if err.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    match err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
        Some(inner) => is_rustls_error(inner),
        None => false,
    }
}

/// The innermost message of an error chain: "connection refused", "invalid peer certificate: …".
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// Decodes a JSON answer, insisting on a JSON media type when the server names one.
pub(crate) fn decode_json<T: DeserializeOwned>(answer: &Answer, safety: Safety) -> Result<T> {
    let applied = safety.after_success();
    if let Some(content_type) = answer.headers.get(CONTENT_TYPE) {
        let text = content_type.to_str().unwrap_or_default().to_ascii_lowercase();
        let essence = text.split(';').next().unwrap_or_default().trim();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(Error::new(
                ErrorKind::Decode,
                format!("expected a JSON answer but got Content-Type {essence:?}"),
            )
            .with_applied(applied));
        }
    }
    if answer.body.is_empty() {
        return Err(Error::new(ErrorKind::Decode, format!("the answer (HTTP {}) has an empty body", answer.status))
            .with_applied(applied));
    }
    serde_json::from_slice(&answer.body).map_err(|err| {
        // No `with_source(err)`: serde's own message would bring the quoted value back.
        Error::new(ErrorKind::Decode, describe_json_error(&err)).with_applied(applied)
    })
}

/// What is wrong with a JSON answer, without the values serde quotes: a server (or a proxy) that
/// puts a token or recovery codes in an unexpected shape must not get them into error messages,
/// which end up in logs and exception reports.
pub(crate) fn describe_json_error(err: &serde_json::Error) -> String {
    format!("the answer {}", json_problem(err))
}

/// What is wrong with a JSON text, as the end of a sentence ("is not valid JSON (at line 1 column
/// 5)", "is not the documented JSON shape (…): missing field `userId`"), without any value the
/// text contained: only the position, the expected shape and missing field names, which come from
/// the SDK's own types. The C binding uses it for its JSON arguments.
pub fn json_problem(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("at line {} column {}", err.line(), err.column());
    match err.classify() {
        Category::Syntax | Category::Io => format!("is not valid JSON ({at})"),
        Category::Eof => format!("is not valid JSON: it ends too early ({at})"),
        Category::Data => {
            // serde quotes the offending value before ", expected …": cut from the end so a
            // value that itself contains those words cannot come back.
            let text = err.to_string();
            let text = text.rsplit_once(" at line ").map_or(text.as_str(), |(message, _)| message);
            let detail = if let Some(field) = text.strip_prefix("missing field ") {
                format!(": missing field {field}")
            } else if let Some((_, expected)) = text.rsplit_once(", expected ") {
                format!(": a value has the wrong type or form, expected {expected}")
            } else {
                String::new()
            };
            format!("is not the documented JSON shape ({at}){detail}")
        }
    }
}
