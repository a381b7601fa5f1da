//! Regression tests for what the fuzz targets in `fuzz/` found, each through the public client
//! against a tiny local server that sends exactly the answer that broke a promise.
//!
//! The simulator only sends well-formed answers (and the faults it knows); these answers are the
//! odd ones a buggy server or a proxy could send, so the test server here writes raw bytes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nevis_authcloud::{ApprovalRequest, Client, ClientConfig, ErrorKind, OperationStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Answers every request with the same status and JSON body, and counts the requests it read.
struct RawServer {
    base_url: String,
    requests: Arc<AtomicUsize>,
}

impl RawServer {
    async fn start(status_line: &'static str, body: &'static str) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a local port");
        let base_url = format!("http://{}", listener.local_addr().expect("bound"));
        let requests = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let seen = Arc::clone(&seen);
                tokio::spawn(async move {
                    if read_request(&mut socket).await {
                        seen.fetch_add(1, Ordering::SeqCst);
                        let answer = format!(
                            "HTTP/1.1 {status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = socket.write_all(answer.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                });
            }
        });
        RawServer { base_url, requests }
    }

    fn client(&self) -> Client {
        let config = ClientConfig::builder().base_url(&self.base_url).access_key("test-access-key").max_retries(0);
        Client::new(config.build().expect("valid config")).expect("client")
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Reads one request (head and `Content-Length` body); false if the peer went away first.
async fn read_request(socket: &mut tokio::net::TcpStream) -> bool {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return true;
            }
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&chunk[..n]),
        }
    }
}

/// decode_structured: HTTP 412 with a status object saying `unknown` came back as `unknown` (and
/// `succeeded` as `succeeded`), although the API reserves 412 for failed operations.
#[tokio::test]
async fn a_412_status_answer_is_a_failed_operation_whatever_its_body_says() {
    for body in [
        r#"{"status":"unknown"}"#,
        r#"{"transactionId":"tx-1","status":"succeeded","token":"a-transaction-token"}"#,
        r#"{"transactionId":"tx-1","status":"pending"}"#,
        r#"{"status":"escalated","transactionId":"tx-1"}"#,
    ] {
        let server = RawServer::start("412 Precondition Failed", body).await;
        let status = server.client().get_status("some-status-token").await.expect("412 is an answer");
        assert_eq!(status.status, OperationStatus::Failed, "{body}");
        assert!(status.is_terminal());
        if body.contains("tx-1") {
            assert_eq!(status.transaction_id.as_deref(), Some("tx-1"), "the body's other fields are kept: {body}");
        }
    }
    // An error body on 412 is a failed operation too.
    let server = RawServer::start("412 Precondition Failed", r#"{"error":"Precondition Failed","status":412}"#).await;
    let status = server.client().get_status("some-status-token").await.expect("412 is an answer");
    assert_eq!(status.status, OperationStatus::Failed);
}

/// decode_structured: recovery codes sent as a string instead of a list made the Decode error's
/// message (and its source) quote the code, via serde's "invalid type: string \"…\"" text.
#[tokio::test]
async fn a_decode_error_never_quotes_the_value_it_could_not_read() {
    let server = RawServer::start(
        "200 OK",
        r#"{"userId":"u-1","username":"alice","status":"active","recoveryCodes":{"codes":"rc-SECRET-4711"}}"#,
    )
    .await;
    let err = server.client().get_user("31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e").await.expect_err("codes must be a list");
    assert_eq!(err.kind(), ErrorKind::Decode);
    for shown in [err.to_string(), format!("{err:?}"), format!("{:?}", std::error::Error::source(&err))] {
        assert!(!shown.contains("rc-SECRET-4711"), "{shown}");
    }
    // Still says what is wrong and where.
    assert!(err.message().contains("expected a sequence"), "{}", err.message());
    assert!(err.message().contains("line 1 column"), "{}", err.message());

    let server = RawServer::start("200 OK", r#"{"transactionId":"tx-1","statusToken":{"value":"st-SECRET-1"}}"#).await;
    let err = server.client().approve(&ApprovalRequest::push("alice")).await.expect_err("a token is a string");
    assert!(!format!("{err} {err:?}").contains("st-SECRET-1"), "{err:?}");
}

/// c_api: an intent token with a character an HTTP header cannot carry failed only while building
/// the request, as field "authorization" with one attempt counted although nothing was sent.
#[tokio::test]
async fn an_intent_token_that_cannot_be_a_header_is_refused_before_sending() {
    let server = RawServer::start("200 OK", r#"{"transactionId":"t","statusToken":"s"}"#).await;
    let client = server.client();
    for token in ["eyJ\nabc", "eyJ abc", "eyJ\u{e9}abc", "\t"] {
        let err = client
            .approve(&ApprovalRequest::push("alice").intent_token(token))
            .await
            .expect_err("a damaged intent token is refused");
        assert_eq!((err.kind(), err.field()), (ErrorKind::InvalidRequest, Some("intentToken")), "{token:?}");
        assert_eq!(err.attempts(), 0, "{token:?}");
        assert!(!err.to_string().contains(token.trim()) || token.trim().is_empty(), "{err}");
        let err = client
            .enroll(&nevis_authcloud::EnrollRequest::app("alice").intent_token(token))
            .await
            .expect_err("a damaged intent token is refused");
        assert_eq!(err.field(), Some("intentToken"));
        let err = client
            .verify(
                &nevis_authcloud::VerifyRequest::recovery("31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e", "code")
                    .intent_token(token),
            )
            .await
            .expect_err("a damaged intent token is refused");
        assert_eq!(err.field(), Some("intentToken"));
    }
    assert_eq!(server.requests(), 0, "nothing was sent");
    client
        .approve(&ApprovalRequest::push("alice").intent_token("eyJhbGciOiJIUzUxMiJ9.e30.sig"))
        .await
        .expect("a good token passes");
    assert_eq!(server.requests(), 1);
}
