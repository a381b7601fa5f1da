//! Transport: HTTPS with the generated CA, the 1 MiB body cap (announced and chunked), and
//! garbage or half-sent requests that must neither hang nor crash the server.

mod common;

use std::time::Duration;

use common::Sim;
use nevis_authcloud_sim::SimOptions;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn https_with_the_generated_ca() {
    let s = Sim::start_with(SimOptions { tls: true, ..Default::default() }).await;
    assert!(s.sim.base_url().starts_with("https://localhost:"));
    let pem = s.sim.ca_pem().expect("CA PEM");
    assert!(pem.contains("BEGIN CERTIFICATE"));
    let enrolled = s.api("POST", "/api/v1/users/enroll", Some(json!({"username": "tls-user"}))).await;
    assert_eq!(enrolled.status, 200);
    // Without trusting the CA the handshake fails.
    let untrusting = common::client_trusting(None);
    assert!(untrusting.get(s.url("/ping")).send().await.is_err());
    s.sim.shutdown().await;
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let s = Sim::start().await;
    let big = format!("{{\"username\":\"{}\"}}", "a".repeat(1024 * 1024 + 10));
    let announced = s
        .http
        .post(s.url("/api/v1/users/enroll"))
        .bearer_auth(s.sim.access_key())
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(announced.status(), 413);

    // Chunked: no Content-Length, the cap applies while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..20).map(|_| Ok(vec![b' '; 64 * 1024])).collect();
    let chunked = s
        .http
        .post(s.url("/api/v1/users/enroll"))
        .bearer_auth(s.sim.access_key())
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(chunked.status(), 413);
    let body: serde_json::Value = serde_json::from_slice(&chunked.bytes().await.unwrap()).unwrap();
    assert_eq!(body["status"], 413);
}

async fn raw(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn garbage_and_half_sent_requests_neither_hang_nor_crash() {
    let s = Sim::start().await;
    let addr = s.sim.local_addr();
    let garbage = raw(addr, b"\x00\xff\xfe garbage \r\n\r\n").await;
    assert!(garbage.is_empty() || garbage.starts_with("HTTP/1.1 400"), "{garbage}");

    // Half a head and half a body: these connections just wait, the server keeps serving.
    let mut half_head = TcpStream::connect(addr).await.unwrap();
    half_head.write_all(b"POST /api/v1/status HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut half_body = TcpStream::connect(addr).await.unwrap();
    half_body
        .write_all(b"POST /api/v1/status HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"sta")
        .await
        .unwrap();
    let answer =
        tokio::time::timeout(Duration::from_secs(5), s.call("GET", "/ping", None, None)).await.expect("not hung");
    assert_eq!(answer.text, "PONG");

    // Invalid UTF-8 and deep nesting inside a JSON body are 400s, not panics.
    let bad_utf8 = raw(addr, b"POST /api/v1/status HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nConnection: close\r\n\r\n\"\xff\xfe\"").await;
    assert!(bad_utf8.starts_with("HTTP/1.1 400"), "{bad_utf8}");
    let deep = "[".repeat(100_000);
    let nested = s.call("POST", "/api/v1/status", None, None).await;
    assert_eq!(nested.status, 400);
    let deep_answer = s
        .http
        .post(s.url("/api/v1/status"))
        .header("content-type", "application/json")
        .body(deep)
        .send()
        .await
        .unwrap();
    assert_eq!(deep_answer.status(), 400);
    assert_eq!(s.call("GET", "/ping", None, None).await.text, "PONG", "still serving");
    drop((half_head, half_body));
}
