//! The transport: accepts TCP (optionally TLS) connections, serves HTTP/1.1 and HTTP/2 with hyper,
//! reads request bodies under a hard cap, routes to the API or the control plane, and carries out
//! injected faults that need the wire (delay, stall, reset, close). Every wait has a timeout so a
//! half-sent request only ever costs its own connection.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, Request, Response, Version, header};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use crate::errors::{ApiError, error_body};
use crate::faults::{FaultKind, damage, echo};
use crate::request::ApiRequest;
use crate::response::json_response;
use crate::state::Sim;
use crate::{api, control};

pub type OutBody = UnsyncBoxBody<Bytes, std::io::Error>;

/// How long a client may take to send the request head, and then the whole body.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// After refusing a body as too large, read (and discard) at most this much more so the client
/// gets to read the 413 instead of a broken pipe.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// A `reset` fault waits this long after the last bytes so they are flushed before the abort.
const FLUSH_PAUSE: Duration = Duration::from_millis(50);

/// The error a handler returns to make hyper drop the connection without answering.
#[derive(Debug, thiserror::Error)]
#[error("connection closed by an injected fault")]
struct InjectedClose;

pub async fn accept_loop(
    listener: TcpListener,
    sim: Arc<Sim>,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _peer)) => {
                    let _ = tcp.set_nodelay(true);
                    let sim = sim.clone();
                    let shutdown = shutdown.clone();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        match tls {
                            None => serve_connection(tcp, sim, shutdown).await,
                            Some(acceptor) => {
                                match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                                    Ok(Ok(stream)) => serve_connection(stream, sim, shutdown).await,
                                    Ok(Err(e)) => tracing::debug!("TLS handshake failed: {e}"),
                                    Err(_) => tracing::debug!("TLS handshake timed out"),
                                }
                            }
                        }
                    });
                }
                Err(e) => {
                    // Usually fd exhaustion; back off instead of spinning.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
        }
    }
}

async fn serve_connection<I>(io: I, sim: Arc<Sim>, mut shutdown: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT).keep_alive(true);
    builder.http2().timer(TokioTimer::new());
    let service = service_fn(move |req| handle(sim.clone(), req));
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!("connection ended: {e}");
            }
        }
        _ = shutdown.changed() => {}
    }
}

async fn handle(sim: Arc<Sim>, req: Request<Incoming>) -> Result<Response<OutBody>, InjectedClose> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let is_control = path == "/_sim" || path.starts_with("/_sim/");
    let fault = if is_control {
        None
    } else {
        sim.requests.fetch_add(1, Ordering::Relaxed);
        sim.faults.take(parts.method.as_str(), &path)
    };
    tracing::debug!(method = %parts.method, path = %path, fault = ?fault, "request");

    // An echo answers instead of the API too, but repeats the body, so it waits for it below.
    if let Some(kind) = fault.as_ref().filter(|k| k.replaces_processing() && !matches!(k, FaultKind::Echo { .. })) {
        return match kind {
            FaultKind::Close => Err(InjectedClose),
            FaultKind::Status { status, retry_after, body } => {
                let body = body
                    .clone()
                    .unwrap_or_else(|| error_body(*status, Some("Injected fault"), &path, sim.now(), false));
                let mut response = json_response(*status, &body);
                if let Some(value) = retry_after.as_ref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                Ok(full(response))
            }
            FaultKind::Redirect { status, location } => {
                let mut response = Response::new(Bytes::new());
                *response.status_mut() = *status;
                response.headers_mut().insert(header::LOCATION, location.clone());
                Ok(full(response))
            }
            _ => Err(InjectedClose),
        };
    }

    let max = sim.settings.max_body_bytes;
    let body = match read_body(body, &parts.headers, max).await {
        Ok(bytes) => bytes,
        Err(failure) => {
            let error = match failure {
                BodyFailure::TooLarge => ApiError::payload_too_large(max),
                BodyFailure::Broken => ApiError::bad_request("The request body could not be read"),
            };
            let mut response = error.into_response(&path, sim.now());
            if parts.version <= Version::HTTP_11 {
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            return Ok(full(response));
        }
    };

    if let Some(FaultKind::Echo { status, message, format }) = &fault {
        let timestamp = crate::clock::iso(sim.now());
        let authorization = parts.headers.get(header::AUTHORIZATION);
        return Ok(full(echo(*status, message, *format, authorization, &body, &path, &timestamp)));
    }

    let request = ApiRequest {
        method: parts.method,
        path,
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts.headers,
        body,
    };
    let response = if is_control { control::dispatch(&sim, &request) } else { api::dispatch(&sim, &request) };
    // A slow server has usually acted already: the request is processed first and only the answer
    // is held back, so a client that times out really may have caused the side effect.
    if let Some(FaultKind::Delay { ms }) = fault {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    Ok(match fault {
        None | Some(FaultKind::Delay { .. }) => full(response),
        Some(FaultKind::Stall { after_bytes, ms }) => stalled(response, after_bytes, Duration::from_millis(ms)),
        Some(FaultKind::Reset { after_bytes }) => reset(response, after_bytes),
        Some(kind) => full(damage(&kind, response)),
    })
}

enum BodyFailure {
    TooLarge,
    Broken,
}

/// Reads the whole body, refusing more than `max` bytes whether announced by `Content-Length` or
/// arriving chunked; never waits longer than `BODY_TIMEOUT`.
async fn read_body(mut body: Incoming, headers: &HeaderMap, max: usize) -> Result<Bytes, BodyFailure> {
    let announced =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|len| len > max as u64) {
        drain(body).await;
        return Err(BodyFailure::TooLarge);
    }
    let deadline = Instant::now() + BODY_TIMEOUT;
    let mut buffer = BytesMut::new();
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) | Ok(Some(Err(_))) => return Err(BodyFailure::Broken),
            Ok(None) => return Ok(buffer.freeze()),
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    if buffer.len() + data.len() > max {
                        drain(body).await;
                        return Err(BodyFailure::TooLarge);
                    }
                    buffer.extend_from_slice(&data);
                }
            }
        }
    }
}

/// Reads and discards what is left of a refused body, within limits.
async fn drain(mut body: Incoming) {
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let mut seen = 0usize;
    while seen < DRAIN_LIMIT {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Ok(Some(Ok(frame))) => seen += frame.data_ref().map_or(0, Bytes::len),
            _ => break,
        }
    }
}

fn full(response: Response<Bytes>) -> Response<OutBody> {
    response.map(|body| Full::new(body).map_err(|never: Infallible| match never {}).boxed_unsync())
}

/// The body is sent in steps; each step may wait first and then yields a chunk or an error.
enum Step {
    Data(Bytes),
    Pause(Duration),
    Abort,
}

fn stepped(response: Response<Bytes>, steps: Vec<Step>) -> Response<OutBody> {
    let (mut parts, body) = response.into_parts();
    // Announce the whole body so the client notices when it does not arrive.
    parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    let stream = futures_util::stream::unfold(steps.into_iter(), |mut steps| async move {
        loop {
            match steps.next()? {
                Step::Pause(duration) => tokio::time::sleep(duration).await,
                Step::Data(bytes) => return Some((Ok(Frame::data(bytes)), steps)),
                Step::Abort => {
                    let error = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "injected reset");
                    return Some((Err(error), steps));
                }
            }
        }
    });
    Response::from_parts(parts, StreamBody::new(stream).boxed_unsync())
}

/// Head and the first `after_bytes` bytes, then silence for `pause`, then the rest.
fn stalled(response: Response<Bytes>, after_bytes: usize, pause: Duration) -> Response<OutBody> {
    let body = response.body().clone();
    let split = after_bytes.min(body.len());
    let steps = vec![Step::Data(body.slice(..split)), Step::Pause(pause), Step::Data(body.slice(split..))];
    stepped(response, steps)
}

/// Head and the first `after_bytes` bytes, then the connection is aborted.
fn reset(response: Response<Bytes>, after_bytes: usize) -> Response<OutBody> {
    let body = response.body().clone();
    let split = after_bytes.min(body.len());
    let steps = vec![Step::Pause(FLUSH_PAUSE), Step::Data(body.slice(..split)), Step::Pause(FLUSH_PAUSE), Step::Abort];
    stepped(response, steps)
}
