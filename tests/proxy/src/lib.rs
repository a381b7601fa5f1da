//! A forward proxy for the test suites: `http://` and `https://` proxies that tunnel with
//! `CONNECT`, and a SOCKS5 proxy that resolves the destination's name itself. Each optionally
//! requires credentials, records what happened (one line per tunnel or refusal) and every byte
//! the client sent through it, so a test can prove its traffic went through the proxy and that the
//! proxy saw nothing but ciphertext.
//!
//! The Rust core suite runs it in its own process's runtime; the Python, Node and C suites start
//! the `authcloud-test-proxy` binary (src/main.rs).

use std::io;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// Which protocol the proxy speaks to its clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Http,
    Https,
    Socks5,
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(text: &str) -> Result<Kind, String> {
        match text {
            "http" => Ok(Kind::Http),
            "https" => Ok(Kind::Https),
            "socks5" => Ok(Kind::Socks5),
            other => Err(format!("unknown proxy kind {other:?} (http, https or socks5)")),
        }
    }
}

/// A running proxy on `127.0.0.1`. It serves until the runtime it was started on ends.
pub struct Proxy {
    /// `scheme://127.0.0.1:port`, without credentials.
    pub url: String,
    /// For an `https://` proxy: the CA its certificate chains to (the client must trust it).
    pub ca_pem: Option<String>,
    log: Arc<Log>,
}

#[derive(Default)]
struct Log {
    events: Mutex<Vec<String>>,
    seen: Mutex<Vec<u8>>,
    changed: Notify,
}

impl Log {
    fn event(&self, event: String) {
        self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(event);
        self.changed.notify_waiters();
    }
}

impl Proxy {
    /// Starts a proxy of `kind`; with `credentials` it refuses clients that do not present them
    /// (`407` from an HTTP proxy, a failed user/password exchange from SOCKS5).
    pub async fn start(kind: Kind, credentials: Option<(String, String)>) -> io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let (tls, ca_pem) = match kind {
            Kind::Https => {
                let (acceptor, ca_pem) = tls_acceptor().map_err(io::Error::other)?;
                (Some(acceptor), Some(ca_pem))
            }
            Kind::Http | Kind::Socks5 => (None, None),
        };
        let log = Arc::new(Log::default());
        let scheme = match kind {
            Kind::Http => "http",
            Kind::Https => "https",
            Kind::Socks5 => "socks5",
        };
        let served = log.clone();
        let credentials = Arc::new(credentials);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (log, credentials, tls) = (served.clone(), credentials.clone(), tls.clone());
                tokio::spawn(async move {
                    let _ = client.set_nodelay(true);
                    match (kind, tls) {
                        (Kind::Socks5, _) => socks5(client, &credentials, &log).await,
                        (_, Some(tls)) => {
                            if let Ok(client) = tls.accept(client).await {
                                connect_tunnel(client, &credentials, &log).await;
                            } else {
                                log.event("refused tls-handshake".to_string());
                            }
                        }
                        (_, None) => connect_tunnel(client, &credentials, &log).await,
                    }
                });
            }
        });
        Ok(Proxy { url: format!("{scheme}://127.0.0.1:{port}"), ca_pem, log })
    }

    /// The URL with `user:password@` in it.
    pub fn url_with_credentials(&self, user: &str, password: &str) -> String {
        self.url.replacen("://", &format!("://{user}:{password}@"), 1)
    }

    /// What happened so far, one line each: `tunnel HOST:PORT` (an HTTP `CONNECT` tunnel opened),
    /// `socks domain HOST:PORT` or `socks address IP:PORT` (a SOCKS5 connection opened, and whether
    /// the client sent a name or an address), `refused REASON`.
    pub fn events(&self) -> Vec<String> {
        self.log.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Waits until there are more than `known` events, and returns them all.
    pub async fn events_after(&self, known: usize) -> Vec<String> {
        loop {
            let changed = self.log.changed.notified();
            let events = self.events();
            if events.len() > known {
                return events;
            }
            changed.await;
        }
    }

    /// Every byte a client sent through a tunnel (after the proxy's own handshake).
    pub fn seen(&self) -> Vec<u8> {
        self.log.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }
}

/// A throwaway CA and a certificate for `127.0.0.1` and `localhost` signed by it (the
/// simulator's own generator).
fn tls_acceptor() -> Result<(tokio_rustls::TlsAcceptor, String), nevis_authcloud_sim::TlsSetupError> {
    let material = nevis_authcloud_sim::generate_tls()?;
    Ok((tokio_rustls::TlsAcceptor::from(material.config), material.ca_pem))
}

/// An HTTP proxy connection: one `CONNECT`, then bytes both ways.
async fn connect_tunnel<S>(mut client: S, credentials: &Option<(String, String)>, log: &Log)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte).await {
            Ok(1) if head.len() < 16 * 1024 => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let mut words = head.split_whitespace();
    let (method, target) = (words.next().unwrap_or_default(), words.next().unwrap_or_default().to_string());
    if method != "CONNECT" {
        log.event(format!("refused method {method}"));
        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n").await;
        return;
    }
    if let Some((user, password)) = credentials {
        let expected = format!(
            "basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")).to_ascii_lowercase()
        );
        let presented = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim().eq_ignore_ascii_case("proxy-authorization").then(|| value.trim().to_ascii_lowercase())
        });
        if presented.as_deref() != Some(expected.as_str()) {
            log.event("refused 407".to_string());
            let _ = client
                .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nproxy-authenticate: Basic realm=\"test\"\r\ncontent-length: 0\r\n\r\n")
                .await;
            return;
        }
    }
    let Ok(server) = TcpStream::connect(&target).await else {
        log.event(format!("refused unreachable {target}"));
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n").await;
        return;
    };
    log.event(format!("tunnel {target}"));
    if client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.is_err() {
        return;
    }
    relay(client, server, &log.seen).await;
}

/// A SOCKS5 connection (RFC 1928, user/password per RFC 1929): `CONNECT` only.
async fn socks5(mut client: TcpStream, credentials: &Option<(String, String)>, log: &Log) {
    let Ok(server) = socks5_handshake(&mut client, credentials, log).await else { return };
    relay(client, server, &log.seen).await;
}

async fn socks5_handshake(
    client: &mut TcpStream,
    credentials: &Option<(String, String)>,
    log: &Log,
) -> io::Result<TcpStream> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    client.read_exact(&mut methods).await?;
    if greeting[0] != 5 {
        log.event(format!("refused socks version {}", greeting[0]));
        return Err(io::ErrorKind::InvalidData.into());
    }
    let wanted = if credentials.is_some() { 2 } else { 0 };
    if !methods.contains(&wanted) {
        log.event("refused socks method".to_string());
        client.write_all(&[5, 0xff]).await?;
        return Err(io::ErrorKind::PermissionDenied.into());
    }
    client.write_all(&[5, wanted]).await?;
    if let Some((user, password)) = credentials {
        let given_user = read_field(client, 1).await?;
        let given_password = read_field(client, 0).await?;
        if given_user != user.as_bytes() || given_password != password.as_bytes() {
            log.event("refused socks credentials".to_string());
            client.write_all(&[1, 1]).await?;
            return Err(io::ErrorKind::PermissionDenied.into());
        }
        client.write_all(&[1, 0]).await?;
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let (host, how) = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            (std::net::Ipv4Addr::from(ip).to_string(), "address")
        }
        3 => (String::from_utf8_lossy(&read_field(client, 0).await?).to_string(), "domain"),
        4 => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            (format!("[{}]", std::net::Ipv6Addr::from(ip)), "address")
        }
        other => {
            log.event(format!("refused socks address type {other}"));
            client.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
            return Err(io::ErrorKind::InvalidData.into());
        }
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    if request[1] != 1 {
        log.event(format!("refused socks command {}", request[1]));
        client.write_all(&[5, 7, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        return Err(io::ErrorKind::InvalidData.into());
    }
    // The proxy resolves a name itself (what a socks5h:// client relies on).
    match TcpStream::connect(&target).await {
        Ok(server) => {
            log.event(format!("socks {how} {target}"));
            client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
            Ok(server)
        }
        Err(err) => {
            log.event(format!("refused unreachable {target}"));
            client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
            Err(err)
        }
    }
}

/// Reads a length-prefixed field, after skipping `skip` leading bytes (the RFC 1929 version).
async fn read_field(client: &mut TcpStream, skip: usize) -> io::Result<Vec<u8>> {
    let mut prefix = vec![0u8; skip + 1];
    client.read_exact(&mut prefix).await?;
    let mut field = vec![0u8; usize::from(prefix[skip])];
    client.read_exact(&mut field).await?;
    Ok(field)
}

/// Copies bytes both ways until either side closes, recording what the client sent in `seen`.
/// Also the tunnel of the core's own test proxy (core/tests/common/proxy.rs).
pub async fn relay<S>(client: S, mut server: TcpStream, seen: &Mutex<Vec<u8>>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let (mut server_read, mut server_write) = server.split();
    let upstream = async {
        let mut buffer = [0u8; 16 * 1024];
        while let Ok(n @ 1..) = client_read.read(&mut buffer).await {
            seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).extend_from_slice(&buffer[..n]);
            if server_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}
