//! A minimal HTTP forward proxy for the proxy tests: it tunnels `CONNECT` and records what it saw.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A minimal forward proxy that records the head of every `CONNECT` it gets and answers with
/// `answer` ("200 Connection established" to tunnel, anything else to refuse).
pub struct Proxy {
    pub url: String,
    heads: Arc<Mutex<Vec<String>>>,
    /// Every byte that crossed the tunnel from the client, as the proxy saw it.
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Proxy {
    pub async fn start(credentials: &str, answer: &'static str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Proxy::serve(listener, credentials, answer)
    }

    /// Serves on a listener bound earlier (to know the proxy's address before a runtime exists).
    pub fn serve(listener: TcpListener, credentials: &str, answer: &'static str) -> Proxy {
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

    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("heads").clone()
    }

    pub fn seen(&self) -> Vec<u8> {
        self.seen.lock().expect("seen").clone()
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
    let Ok(server) = TcpStream::connect(target).await else { return };
    nevis_authcloud_test_proxy::relay(client, server, &seen).await;
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}
