//! Through an HTTP proxy: HTTPS goes through a `CONNECT` tunnel, authenticated to the proxy with
//! the credentials in the proxy URL, and the proxy sees neither the access key nor any token.

mod common;

use std::sync::{Arc, Mutex};

use nevis_authcloud::{ApprovalRequest, ClientConfig, ErrorKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use common::Harness;

/// A minimal forward proxy that records the head of every `CONNECT` it gets and answers with
/// `answer` ("200 Connection established" to tunnel, anything else to refuse).
struct Proxy {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
    /// Every byte that crossed the tunnel from the client, as the proxy saw it.
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Proxy {
    async fn start(credentials: &str, answer: &'static str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (heads_in, seen_in) = (heads.clone(), seen.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(tunnel(client, answer, heads_in.clone(), seen_in.clone()));
            }
        });
        Proxy { url: format!("http://{credentials}127.0.0.1:{port}"), heads, seen }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("heads").clone()
    }
}

async fn tunnel(mut client: TcpStream, answer: &str, heads: Arc<Mutex<Vec<String>>>, seen: Arc<Mutex<Vec<u8>>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let target = head.split_whitespace().nth(1).unwrap_or_default().to_string();
    heads.lock().expect("heads").push(head);
    if client.write_all(format!("HTTP/1.1 {answer}\r\ncontent-length: 0\r\n\r\n").as_bytes()).await.is_err() {
        return;
    }
    if !answer.starts_with("200") {
        return;
    }
    let Ok(mut server) = TcpStream::connect(target).await else { return };
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upstream = async {
        let mut buffer = [0u8; 16 * 1024];
        while let Ok(n @ 1..) = client_read.read(&mut buffer).await {
            seen.lock().expect("seen").extend_from_slice(&buffer[..n]);
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

#[tokio::test]
async fn https_goes_through_the_proxy_tunnel_and_the_proxy_sees_no_secret() {
    let harness = Harness::start().await;
    let proxy = Proxy::start("relay:s3cret-proxy-pass@", "200 Connection established").await;
    let client = harness.client_with(|config| config.proxy(&proxy.url));

    harness.active_app_user("proxied").await;
    let approval = client.approve(&ApprovalRequest::push("proxied").message("Log in?")).await.expect("approval through proxy");
    client.get_status(approval.status_token.expose()).await.expect("status through proxy");

    let heads = proxy.heads();
    // One pooled connection carries both calls.
    assert_eq!(heads.len(), 1, "{heads:?}");
    let authority = harness.sim.base_url().trim_start_matches("https://").trim_end_matches('/');
    assert!(heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")), "{}", heads[0]);
    // Basic base64("relay:s3cret-proxy-pass")
    assert!(heads[0].to_ascii_lowercase().contains("proxy-authorization: basic cmvsyxk6cznjcmv0lxbyb3h5lxbhc3m="), "{}", heads[0]);

    let seen = proxy.seen.lock().expect("seen").clone();
    assert!(seen.len() > 200, "the calls crossed the tunnel ({} bytes)", seen.len());
    for secret in [harness.sim.access_key(), approval.status_token.expose(), "Authorization", "Log in?"] {
        assert!(!contains(&seen, secret.as_bytes()), "the proxy saw {secret:?} in clear text");
    }
}

#[tokio::test]
async fn a_proxy_that_refuses_the_tunnel_is_a_connection_error_and_nothing_reaches_the_api() {
    let harness = Harness::start().await;
    let proxy = Proxy::start("", "407 Proxy Authentication Required").await;
    let client = harness.client_with(|config| config.proxy(&proxy.url).max_retries(1));

    let err = client.approve(&ApprovalRequest::push("nobody-here")).await.expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(err.may_have_been_applied(), nevis_authcloud::MayHaveBeenApplied::No);
    // Nothing was sent, so even an approval is tried again.
    assert_eq!(err.attempts(), 2, "{err}");
    assert_eq!(proxy.heads().len(), 2);
    assert_eq!(harness.created("approval").await, 0);
}

#[tokio::test]
async fn only_http_proxies_are_accepted_and_the_error_names_the_setting() {
    let harness = Harness::start().await;
    for proxy in ["https://proxy.example:3128", "socks5://proxy.example:1080"] {
        let config = harness.config().proxy(proxy).build().expect("a URL");
        let err = nevis_authcloud::Client::new(config).expect_err("not an http:// proxy");
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.field(), Some("proxy"), "{err}");
        assert!(err.to_string().contains("only http:// proxies"), "{err}");
    }
}

#[tokio::test]
async fn the_plain_http_simulator_is_reached_directly_even_with_a_proxy_set() {
    let sim = nevis_authcloud_sim::Simulator::start(Default::default()).await.expect("sim");
    let proxy = Proxy::start("", "200 Connection established").await;
    let config = ClientConfig::builder().base_url(sim.base_url()).access_key(sim.access_key()).proxy(&proxy.url);
    let client = nevis_authcloud::Client::new(config.build().expect("config")).expect("client");
    client.ping().await.expect("ping");
    assert!(proxy.heads().is_empty());
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}
