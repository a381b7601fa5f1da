//! How the client reaches the API: TCP (directly, through an `http://` or `https://` proxy's
//! `CONNECT` tunnel, or through a SOCKS5 proxy), then TLS, all within the connect timeout.
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
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::{Error, Result};

/// Idle time before the first TCP keepalive probe. Short enough that a NAT or firewall on the way
/// (many drop idle mappings after 30 to 60 s) keeps a pooled connection's mapping alive, and that a
/// connection whose path died while idle in the pool is found before a request is written to it.
pub(crate) const KEEPALIVE_IDLE: Duration = Duration::from_secs(15);
/// Time between unanswered keepalive probes.
pub(crate) const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
/// Unanswered probes after which the kernel gives the connection up.
pub(crate) const KEEPALIVE_PROBES: u32 = 3;
/// How long sent data (a request, or a keepalive probe) may stay unacknowledged before the kernel
/// closes the connection (`TCP_USER_TIMEOUT`, Linux). Shorter than the default request timeout, so a
/// request written into a dead path fails as a connection error within 20 s instead of waiting for
/// the whole request timeout; a slow server is not affected, because its acknowledgements keep
/// coming while it works on the answer.
pub(crate) const TCP_USER_TIMEOUT: Duration = Duration::from_secs(20);

/// Opens connections to the client's one origin. Cheap to clone: the pool clones it per connect.
#[derive(Clone)]
pub(crate) struct Connector {
    route: Route,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    timeout: Duration,
}

/// How the TCP (or proxy) leg of a connection is made.
#[derive(Clone)]
enum Route {
    Direct(HttpConnector),
    /// An `http://` proxy: a `CONNECT` tunnel over plain TCP.
    Tunnel(Tunnel<HttpConnector>),
    /// An `https://` proxy: TLS to the proxy, then a `CONNECT` tunnel inside it.
    TlsTunnel(Tunnel<ProxyTls>),
    /// A SOCKS5 proxy; it resolves the API's host name itself.
    Socks(SocksV5<HttpConnector>),
}

impl Connector {
    /// `origin`: the base URL's scheme, host and port. `tls` is used for `https` origins, and for
    /// an `https://` proxy, which is verified by the same rules as the API.
    pub fn new(
        origin: &Uri,
        tls: rustls::ClientConfig,
        connect_timeout: Duration,
        proxy: Option<&url::Url>,
        use_env_proxy: bool,
    ) -> Result<Connector> {
        let mut tcp = HttpConnector::new();
        tcp.set_nodelay(true);
        // Every connection, to the API or to a proxy, finds a dead path on its own (see the
        // constants above); the pool then drops it instead of sending a request into it.
        tcp.set_keepalive(Some(KEEPALIVE_IDLE));
        tcp.set_keepalive_interval(Some(KEEPALIVE_INTERVAL));
        tcp.set_keepalive_retries(Some(KEEPALIVE_PROBES));
        #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
        tcp.set_tcp_user_timeout(Some(TCP_USER_TIMEOUT));
        // Set again over the whole connect below; here it also bounds each address tried.
        tcp.set_connect_timeout(Some(connect_timeout));
        // The tunnel hands the proxy an `https://` destination; the TCP connector itself never
        // decides about TLS.
        tcp.enforce_http(false);

        let https = origin.scheme_str() == Some("https");
        let tls = Arc::new(tls);
        let route = match proxy_for(origin, https, proxy, use_env_proxy)? {
            None => Route::Direct(tcp),
            Some(ProxyRoute { kind: ProxyKind::Http, uri, basic_auth, .. }) => {
                let mut tunnel = Tunnel::new(uri, tcp);
                if let Some(auth) = basic_auth {
                    tunnel = tunnel.with_auth(auth);
                }
                Route::Tunnel(tunnel)
            }
            Some(ProxyRoute { kind: ProxyKind::Https, uri, basic_auth, .. }) => {
                let name = server_name(uri.host().unwrap_or_default(), "proxy")?;
                let mut tunnel = Tunnel::new(uri, ProxyTls { tcp, tls: TlsConnector::from(tls.clone()), name });
                if let Some(auth) = basic_auth {
                    tunnel = tunnel.with_auth(auth);
                }
                Route::TlsTunnel(tunnel)
            }
            Some(ProxyRoute { kind: ProxyKind::Socks5, uri, socks_auth, .. }) => {
                // `local_dns(false)`: the proxy resolves the API's name (socks5h), so the name
                // never has to resolve where the client runs and the lookup does not leak.
                let mut socks = SocksV5::new(uri, tcp).local_dns(false);
                if let Some((user, password)) = socks_auth {
                    socks = socks.with_auth(user, password);
                }
                Route::Socks(socks)
            }
        };
        let tls = if https {
            let name = server_name(origin.host().unwrap_or_default(), "base_url")?;
            Some((TlsConnector::from(tls), name))
        } else {
            None
        };
        Ok(Connector { route, tls, timeout: connect_timeout })
    }

    async fn connect(self, destination: Uri) -> Result<Stream, ConnectError> {
        let leg = match self.route {
            Route::Direct(tcp) => Leg::Tcp(QuietTcp::new(open(tcp, destination).await?)),
            Route::Tunnel(tunnel) => Leg::Tcp(QuietTcp::new(open(tunnel, destination).await?)),
            Route::Socks(socks) => Leg::Tcp(QuietTcp::new(open(socks, destination).await?)),
            Route::TlsTunnel(tunnel) => Leg::ProxyTls(Box::new(open(tunnel, destination).await?)),
        };
        match self.tls {
            None => Ok(Stream::Plain(leg)),
            Some((tls, name)) => {
                let stream = tls.connect(name, leg).await.map_err(ConnectError::other)?;
                Ok(Stream::Tls(Box::new(stream)))
            }
        }
    }
}

/// A host as a TLS server name (`[::1]` in a URI is the name `::1` to TLS).
fn server_name(host: &str, field: &str) -> Result<ServerName<'static>> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_string())
        .map_err(|_| Error::config(field, format!("host {host:?} is not a valid TLS server name")))
}

/// Runs one connector (direct, tunnelled or SOCKS) for `destination`.
async fn open<S, T>(mut connector: S, destination: Uri) -> Result<T, ConnectError>
where
    S: tower_service::Service<Uri, Response = TokioIo<T>>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    std::future::poll_fn(|cx| connector.poll_ready(cx)).await.map_err(ConnectError::other)?;
    let io = connector.call(destination).await.map_err(ConnectError::other)?;
    Ok(io.into_inner())
}

/// The TCP connection to an `https://` proxy with TLS on it: what its `CONNECT` tunnel runs over.
#[derive(Clone)]
struct ProxyTls {
    tcp: HttpConnector,
    tls: TlsConnector,
    name: ServerName<'static>,
}

impl tower_service::Service<Uri> for ProxyTls {
    type Response = TokioIo<TlsStream<QuietTcp>>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, proxy: Uri) -> Self::Future {
        let ProxyTls { tcp, tls, name } = self.clone();
        Box::pin(async move {
            let tcp = QuietTcp::new(open(tcp, proxy).await?);
            let stream = tls.connect(name, tcp).await.map_err(ConnectError::other)?;
            Ok(TokioIo::new(stream))
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ProxyKind {
    Http,
    Https,
    Socks5,
}

/// Where the origin's traffic goes instead of straight to it, and the proxy's credentials in the
/// form its protocol sends them.
struct ProxyRoute {
    kind: ProxyKind,
    uri: Uri,
    basic_auth: Option<HeaderValue>,
    socks_auth: Option<(String, String)>,
}

/// The proxy this origin's traffic goes through, if any.
fn proxy_for(origin: &Uri, https: bool, proxy: Option<&url::Url>, use_env_proxy: bool) -> Result<Option<ProxyRoute>> {
    if !https {
        // Plain HTTP is only ever allowed to a loopback host (the simulator).
        return Ok(None);
    }
    let intercept = match (proxy, use_env_proxy) {
        (Some(proxy), _) => {
            proxy_kind(proxy.scheme(), "the proxy URL")?;
            // The proxy applies to every host: no answer means the URL was not understood.
            Some(single_proxy(proxy.as_str()).intercept(origin).ok_or_else(|| unusable("the proxy URL"))?)
        }
        (None, true) => {
            check_env_proxy(origin)?;
            // `NO_PROXY` may exempt the API's host.
            Matcher::from_env().intercept(origin)
        }
        (None, false) => None,
    };
    let Some(intercept) = intercept else {
        return Ok(None);
    };
    let uri = intercept.uri().clone();
    let kind = proxy_kind(uri.scheme_str().unwrap_or("none"), "the environment (HTTPS_PROXY or ALL_PROXY)")?;
    let socks_auth = intercept.raw_auth().map(|(user, password)| (user.to_string(), password.to_string()));
    if let Some((user, password)) = &socks_auth {
        // The SOCKS5 user/password message has one length byte for each.
        if user.len() > 255 || password.len() > 255 {
            return Err(Error::config("proxy", "a SOCKS5 user name and password must be at most 255 bytes each"));
        }
    }
    Ok(Some(ProxyRoute { kind, uri, basic_auth: intercept.basic_auth().cloned(), socks_auth }))
}

fn single_proxy(url: &str) -> Matcher {
    Matcher::builder().all(url.to_string()).build()
}

fn unusable(source: &str) -> Error {
    Error::config("proxy", format!("{source} is not a usable proxy URL"))
}

/// A proxy variable the client may not use fails the client's construction instead of being
/// skipped silently (which would send the access key around the proxy the operator meant).
/// The variables are read as curl reads them for an `https://` destination.
fn check_env_proxy(origin: &Uri) -> Result<()> {
    if std::env::var_os("REQUEST_METHOD").is_some() {
        // A CGI process: the environment's proxy is ignored (a request header could have set it).
        return Ok(());
    }
    for name in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"] {
        let Ok(value) = std::env::var(name) else { continue };
        if value.trim().is_empty() {
            continue;
        }
        let source = format!("the environment variable {name}");
        if let Some((scheme, _)) = value.split_once("://") {
            proxy_kind(&scheme.to_ascii_lowercase(), &source)?;
        }
        single_proxy(&value).intercept(origin).ok_or_else(|| unusable(&source))?;
        return Ok(());
    }
    Ok(())
}

/// The proxy protocols the client speaks. HTTPS to the API always stays end-to-end encrypted: the
/// proxy relays bytes it cannot read.
fn proxy_kind(scheme: &str, source: &str) -> Result<ProxyKind> {
    match scheme {
        "http" => Ok(ProxyKind::Http),
        "https" => Ok(ProxyKind::Https),
        "socks5" | "socks5h" => Ok(ProxyKind::Socks5),
        other => Err(Error::config(
            "proxy",
            format!(
                "{source} names a {other}:// proxy; supported are http:// and https:// (CONNECT tunnel) and \
                 socks5:// or socks5h:// (the proxy resolves the host name)"
            ),
        )),
    }
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
    Plain(Leg),
    Tls(Box<TlsStream<Leg>>),
}

/// What the API's own TLS (or plain HTTP) runs over: a TCP connection to the API, a tunnel or SOCKS
/// relay through a proxy, or a tunnel inside TLS to an `https://` proxy.
pub(crate) enum Leg {
    Tcp(QuietTcp),
    ProxyTls(Box<TlsStream<QuietTcp>>),
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

/// Delegates every I/O call of a [`Leg`] to the stream it is.
macro_rules! on_leg {
    ($self:expr, $io:ident => $call:expr) => {
        match $self {
            Leg::Tcp($io) => $call,
            Leg::ProxyTls(tls) => {
                let $io = tls.as_mut();
                $call
            }
        }
    };
}

impl AsyncRead for Leg {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        on_leg!(self.get_mut(), io => Pin::new(io).poll_read(cx, buf))
    }
}

impl AsyncWrite for Leg {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        on_leg!(self.get_mut(), io => Pin::new(io).poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        on_leg!(self.get_mut(), io => Pin::new(io).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Leg::Tcp(tcp) => tcp.is_write_vectored(),
            Leg::ProxyTls(tls) => tls.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        on_leg!(self.get_mut(), io => Pin::new(io).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        on_leg!(self.get_mut(), io => Pin::new(io).poll_shutdown(cx))
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
