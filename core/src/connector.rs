//! How the client reaches the API: TCP (directly or through an HTTP proxy's `CONNECT` tunnel), then
//! TLS, all within the connect timeout.
//!
//! A client talks to exactly one origin (its base URL), so where a connection goes is decided once,
//! when the client is built: the proxy (given, or from the environment when allowed) is looked up
//! for that origin then, and a misconfigured one is a configuration error rather than a failure on
//! the first login. Certificate checks are rustls' with the trust store from [`crate::tls`]; the
//! plain-HTTP loopback simulator is always reached directly.
//!
//! Every socket is wrapped in [`QuietTcp`], whose writes never raise `SIGPIPE`: a peer that
//! closes while a request is still being written (a proxy answering 431 to a huge header, a
//! server answering 413 before reading a body) must give an error, not kill a C host that kept the
//! default signal disposition. The host's signal handlers are never touched.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use http::header::HeaderValue;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::{Error, Result};

/// Opens connections to the client's one origin. Cheap to clone: the pool clones it per connect.
#[derive(Clone)]
pub(crate) struct Connector {
    route: Route,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    timeout: Duration,
}

#[derive(Clone)]
enum Route {
    Direct(HttpConnector),
    Tunnel(Tunnel<HttpConnector>),
}

impl Connector {
    /// `origin`: the base URL's scheme, host and port. `tls` is used for `https` origins.
    pub fn new(
        origin: &Uri,
        tls: rustls::ClientConfig,
        connect_timeout: Duration,
        proxy: Option<&url::Url>,
        use_env_proxy: bool,
    ) -> Result<Connector> {
        let mut tcp = HttpConnector::new();
        tcp.set_nodelay(true);
        // Set again over the whole connect below; here it also bounds each address tried.
        tcp.set_connect_timeout(Some(connect_timeout));
        // The tunnel hands the proxy an `https://` destination; the TCP connector itself never
        // decides about TLS.
        tcp.enforce_http(false);

        let https = origin.scheme_str() == Some("https");
        let route = match proxy_for(origin, https, proxy, use_env_proxy)? {
            Some((proxy_uri, auth)) => {
                let mut tunnel = Tunnel::new(proxy_uri, tcp);
                if let Some(auth) = auth {
                    tunnel = tunnel.with_auth(auth);
                }
                Route::Tunnel(tunnel)
            }
            None => Route::Direct(tcp),
        };
        let tls = if https {
            let host = origin.host().unwrap_or_default();
            // `[::1]` in a URI is the name `::1` to TLS.
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let name = ServerName::try_from(host.to_string())
                .map_err(|_| Error::config("base_url", format!("host {host:?} is not a valid TLS server name")))?;
            Some((TlsConnector::from(Arc::new(tls)), name))
        } else {
            None
        };
        Ok(Connector { route, tls, timeout: connect_timeout })
    }

    async fn connect(self, destination: Uri) -> Result<Stream, ConnectError> {
        let tcp = QuietTcp::new(match self.route {
            Route::Direct(tcp) => open(tcp, destination).await?,
            Route::Tunnel(tunnel) => open(tunnel, destination).await?,
        });
        match self.tls {
            None => Ok(Stream::Plain(tcp)),
            Some((tls, name)) => {
                let stream = tls.connect(name, tcp).await.map_err(ConnectError::other)?;
                Ok(Stream::Tls(Box::new(stream)))
            }
        }
    }
}

/// Runs one TCP-level connector (direct or tunnelled) for `destination`.
async fn open<S>(mut connector: S, destination: Uri) -> Result<TcpStream, ConnectError>
where
    S: tower_service::Service<Uri, Response = TokioIo<TcpStream>>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    std::future::poll_fn(|cx| connector.poll_ready(cx)).await.map_err(ConnectError::other)?;
    let tcp = connector.call(destination).await.map_err(ConnectError::other)?;
    Ok(tcp.into_inner())
}

/// The proxy this origin's traffic goes through, with its `Proxy-Authorization`, if any.
fn proxy_for(
    origin: &Uri,
    https: bool,
    proxy: Option<&url::Url>,
    use_env_proxy: bool,
) -> Result<Option<(Uri, Option<HeaderValue>)>> {
    if !https {
        // Plain HTTP is only ever allowed to a loopback host (the simulator).
        return Ok(None);
    }
    let intercept = match (proxy, use_env_proxy) {
        (Some(proxy), _) => {
            only_http_proxies(proxy.scheme(), "the proxy URL")?;
            let matcher = Matcher::builder().all(proxy.as_str().to_string()).build();
            // The proxy applies to every host: no answer means the URL was not understood.
            Some(matcher.intercept(origin).ok_or_else(|| Error::config("proxy", "is not a usable proxy URL"))?)
        }
        // `NO_PROXY` may exempt the API's host.
        (None, true) => Matcher::from_env().intercept(origin),
        (None, false) => None,
    };
    let Some(intercept) = intercept else {
        return Ok(None);
    };
    let uri = intercept.uri().clone();
    only_http_proxies(uri.scheme_str().unwrap_or("none"), "the environment (HTTPS_PROXY or ALL_PROXY)")?;
    Ok(Some((uri, intercept.basic_auth().cloned())))
}

/// HTTPS travels through an HTTP proxy's `CONNECT` tunnel, end-to-end encrypted; TLS to the proxy
/// itself and SOCKS are not supported.
fn only_http_proxies(scheme: &str, source: &str) -> Result<()> {
    if scheme == "http" {
        return Ok(());
    }
    Err(Error::config(
        "proxy",
        format!(
            "{source} names a {scheme}:// proxy; only http:// proxies (which tunnel HTTPS with CONNECT) are supported"
        ),
    ))
}

impl tower_service::Service<Uri> for Connector {
    type Response = TokioIo<Stream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<TokioIo<Stream>, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let connector = self.clone();
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connector.connect(destination)).await {
                Ok(stream) => stream.map(TokioIo::new),
                Err(_) => Err(ConnectError::TimedOut(timeout)),
            }
        })
    }
}

/// Why a connection could not be opened. The transport looks for it in the pool's error chain.
#[derive(Debug)]
pub(crate) enum ConnectError {
    TimedOut(Duration),
    Other(Box<dyn std::error::Error + Send + Sync>),
}

impl ConnectError {
    fn other(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ConnectError {
        ConnectError::Other(err.into())
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::TimedOut(after) => write!(f, "timed out after {after:?}"),
            ConnectError::Other(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectError::TimedOut(_) => None,
            ConnectError::Other(err) => Some(err.as_ref()),
        }
    }
}

/// An open connection to the API, with or without TLS.
pub(crate) enum Stream {
    Plain(QuietTcp),
    Tls(Box<TlsStream<QuietTcp>>),
}

impl Connection for Stream {
    fn connected(&self) -> Connected {
        // HTTP/1.1 only (see `crate::tls`): nothing to negotiate.
        Connected::new()
    }
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_read(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_write_vectored(cx, bufs),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Stream::Plain(tcp) => tcp.is_write_vectored(),
            Stream::Tls(tls) => tls.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Stream::Tls(tls) => Pin::new(tls.as_mut()).poll_shutdown(cx),
        }
    }
}

/// A TCP connection whose writes report a closed peer as an error (`EPIPE`) instead of raising
/// `SIGPIPE`, on every write path: plain writes, vectored writes (hyper sends a request's head and
/// body in one), and the TLS records rustls writes through this stream.
///
/// Plain writes already use `send(MSG_NOSIGNAL)` (Rust's standard library does that on Linux and
/// the BSDs), but vectored writes use `writev`, which has no such flag. They are sent with
/// `sendmsg(MSG_NOSIGNAL)` here, which keeps them vectored (no copy into one buffer). On Apple
/// systems, which have no `MSG_NOSIGNAL`, the socket option `SO_NOSIGPIPE` does the same for
/// every write.
pub(crate) struct QuietTcp(TcpStream);

impl QuietTcp {
    fn new(tcp: TcpStream) -> QuietTcp {
        #[cfg(any(target_os = "macos", target_os = "ios", target_os = "tvos", target_os = "watchos"))]
        no_sigpipe_option(&tcp);
        QuietTcp(tcp)
    }
}

#[cfg(any(target_os = "macos", target_os = "ios", target_os = "tvos", target_os = "watchos"))]
fn no_sigpipe_option(tcp: &TcpStream) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and a pointer to a live c_int of the size passed. A
    // failure leaves the default, which the standard library's sockets already set.
    unsafe {
        libc::setsockopt(
            tcp.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_NOSIGPIPE,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

/// `sendmsg` with `MSG_NOSIGNAL`: `writev` that reports a closed peer as `EPIPE` without a signal.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
))]
fn send_vectored_quietly(tcp: &TcpStream, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    // The kernel refuses more than IOV_MAX (1024 on these systems) slices; the rest goes in the
    // next write, as a short write allows.
    let bufs = &bufs[..bufs.len().min(1024)];
    // SAFETY: `msghdr` is plain data for which all zeroes is a valid (empty) value.
    let mut message: libc::msghdr = unsafe { std::mem::zeroed() };
    // `IoSlice` is guaranteed to be ABI-compatible with `iovec` on Unix; the kernel only reads it.
    message.msg_iov = bufs.as_ptr() as *mut libc::iovec;
    message.msg_iovlen = bufs.len() as _;
    // SAFETY: a valid socket descriptor and a message whose iovecs point into live buffers for the
    // duration of the call.
    let sent = unsafe { libc::sendmsg(tcp.as_raw_fd(), &message, libc::MSG_NOSIGNAL) };
    if sent < 0 { Err(io::Error::last_os_error()) } else { Ok(sent as usize) }
}

impl AsyncRead for QuietTcp {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for QuietTcp {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        // tokio writes with `send(MSG_NOSIGNAL)` (through the standard library) where it exists.
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris"
    ))]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let tcp = &self.get_mut().0;
        loop {
            std::task::ready!(tcp.poll_write_ready(cx))?;
            // `try_io` clears the readiness when the socket turns out to be full, so the next
            // `poll_write_ready` waits for room instead of spinning.
            match tcp.try_io(tokio::io::Interest::WRITABLE, || send_vectored_quietly(tcp, bufs)) {
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => continue,
                written => return Poll::Ready(written),
            }
        }
    }

    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos",
        target_os = "solaris"
    )))]
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // Apple systems: `SO_NOSIGPIPE` covers `writev`; Windows has no SIGPIPE.
        Pin::new(&mut self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}
