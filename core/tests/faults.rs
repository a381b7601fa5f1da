//! Retries, timeouts and transport failures, driven by the simulator's fault injection: what is
//! retried, what is not, what each failure becomes, and whether the server may have acted.

mod common;

use std::time::{Duration, Instant};

use common::Harness;
use nevis_authcloud::{ApprovalRequest, Client, ClientConfig, ErrorKind, MayHaveBeenApplied, RequestOptions};
use serde_json::json;

#[tokio::test]
async fn server_error_burst_on_a_read_is_retried_to_success() {
    let h = Harness::start().await;
    h.active_app_user("ada").await;
    h.fault("GET", "/api/v1/users", 2, json!({ "fault": "status", "status": 502 })).await;
    let user = h.client.find_user("ada").await.unwrap();
    assert_eq!(user.username.as_deref(), Some("ada"));
}

#[tokio::test]
async fn server_error_burst_longer_than_the_budget_fails_with_the_last_error() {
    let h = Harness::start().await;
    h.fault("GET", "/api/v1/users", 5, json!({ "fault": "status", "status": 500 })).await;
    let err = h.client.find_user("ada").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.attempts(), 3, "first attempt plus max_retries (2)");
}

#[tokio::test]
async fn approval_is_not_resent_after_a_500() {
    let h = Harness::start().await;
    h.active_app_user("ben").await;
    h.fault("POST", "/api/v1/approval", 1, json!({ "fault": "status", "status": 500 })).await;
    let err = h.client.approve(&ApprovalRequest::push("ben")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::Unknown);
}

#[tokio::test]
async fn approval_refused_with_503_is_retried_and_sends_one_push() {
    let h = Harness::start().await;
    h.active_app_user("cleo").await;
    let before = h.created("approval").await;
    h.fault("POST", "/api/v1/approval", 2, json!({ "fault": "status", "status": 503 })).await;
    h.client.approve(&ApprovalRequest::push("cleo")).await.unwrap();
    assert_eq!(h.created("approval").await, before + 1);
}

#[tokio::test]
async fn rate_limit_honours_retry_after() {
    let h = Harness::start().await;
    h.active_app_user("dan").await;
    h.fault("POST", "/api/v1/approval", 1, json!({ "fault": "status", "status": 429, "retryAfter": "1" })).await;
    let started = Instant::now();
    h.client.approve(&ApprovalRequest::push("dan")).await.unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1), "waited {:?}", started.elapsed());
}

#[tokio::test]
async fn rate_limit_longer_than_the_cap_is_returned_with_retry_after() {
    let h = Harness::start().await;
    h.fault("GET", "/api/v1/users", 1, json!({ "fault": "status", "status": 429, "retryAfter": "120" })).await;
    let err = h.client.find_user("eve").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::No);
}

#[tokio::test]
async fn rate_limit_as_an_http_date() {
    let h = Harness::start().await;
    let soon = httpdate_in(Duration::from_secs(1));
    h.fault("GET", "/api/v1/users", 1, json!({ "fault": "status", "status": 429, "retryAfter": soon })).await;
    h.active_app_user("fay").await;
    assert!(h.client.find_user("fay").await.is_ok());
}

fn httpdate_in(delay: Duration) -> String {
    httpdate::fmt_http_date(std::time::SystemTime::now() + delay)
}

#[tokio::test]
async fn delayed_head_on_an_approval_times_out_without_a_second_push() {
    let h = Harness::start().await;
    h.active_app_user("gus").await;
    let before = h.created("approval").await;
    h.fault("POST", "/api/v1/approval", 1, json!({ "fault": "delay", "ms": 2000 })).await;
    let client = h.client_with(|c| c.request_timeout(Duration::from_millis(300)));
    let err = client.approve(&ApprovalRequest::push("gus")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.attempts(), 1, "never re-sent");
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::Unknown);
    tokio::time::sleep(Duration::from_millis(1900)).await;
    assert_eq!(h.created("approval").await, before + 1, "the server did act, once");
}

#[tokio::test]
async fn opting_in_resends_an_approval_after_a_timeout() {
    let h = Harness::start().await;
    h.active_app_user("hal").await;
    h.fault("POST", "/api/v1/approval", 1, json!({ "fault": "delay", "ms": 1500 })).await;
    let client = h
        .client_with(|c| c.request_timeout(Duration::from_millis(300)))
        .with_options(RequestOptions { retry_non_idempotent: Some(true), ..Default::default() })
        .unwrap();
    client.approve(&ApprovalRequest::push("hal")).await.unwrap();
}

#[tokio::test]
async fn stalled_body_is_a_timeout_and_reads_are_retried() {
    let h = Harness::start().await;
    h.active_app_user("ida").await;
    h.fault("GET", "/api/v1/users", 1, json!({ "fault": "stall", "afterBytes": 5, "ms": 3000 })).await;
    let client = h.client_with(|c| c.request_timeout(Duration::from_millis(300)));
    // The first attempt stalls, the retry gets the real answer.
    assert!(client.find_user("ida").await.is_ok());

    h.fault("GET", "/api/v1/users", 3, json!({ "fault": "stall", "afterBytes": 5, "ms": 3000 })).await;
    let err = client.find_user("ida").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.attempts(), 3);
}

#[tokio::test]
async fn reset_mid_answer_is_a_connection_error() {
    let h = Harness::start().await;
    h.active_app_user("jon").await;
    h.fault("POST", "/api/v1/approval", 1, json!({ "fault": "reset", "afterBytes": 3 })).await;
    let err = h.client.approve(&ApprovalRequest::push("jon")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert_eq!(err.attempts(), 1);
    // The head said 200: the approval exists.
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::Yes);
}

#[tokio::test]
async fn connection_closed_before_any_answer_is_not_resent_for_an_approval() {
    let h = Harness::start().await;
    h.active_app_user("kim").await;
    h.fault("POST", "/api/v1/approval", 1, json!({ "fault": "close" })).await;
    let err = h.client.approve(&ApprovalRequest::push("kim")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert_eq!(err.attempts(), 1);
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::Unknown);
}

#[tokio::test]
async fn refused_connection_is_retried_then_reported_as_not_applied() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = Client::new(
        ClientConfig::builder()
            .base_url(format!("http://127.0.0.1:{port}"))
            .access_key("k")
            .retry_backoff(Duration::from_millis(1), Duration::from_millis(5))
            .build()
            .unwrap(),
    )
    .unwrap();
    let err = client.approve(&ApprovalRequest::push("x")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection);
    assert_eq!(err.attempts(), 3, "nothing was sent, so even an approval is retried");
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::No);
}

#[tokio::test]
async fn a_stalled_tls_handshake_is_a_connect_timeout_retried_and_never_applied() {
    let h = Harness::start().await;
    // Accepts TCP connections and never answers the TLS handshake.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let held = accepted.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            held.lock().unwrap().push(socket);
        }
    });
    let client = h.client_with(|c| {
        c.base_url(format!("https://127.0.0.1:{port}")).connect_timeout(Duration::from_millis(200)).max_retries(1)
    });
    let started = Instant::now();
    let err = client.approve(&ApprovalRequest::push("x")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("could not connect: timed out after 200ms"), "{err}");
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::No);
    assert_eq!(err.attempts(), 2, "nothing was sent, so even an approval is retried");
    assert_eq!(accepted.lock().unwrap().len(), 2);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn broken_bodies_are_decode_errors() {
    let h = Harness::start().await;
    h.active_app_user("lia").await;
    let client = h.client_with(|c| c.max_response_bytes(1024 * 1024));
    for fault in [
        json!({ "fault": "malformed" }),
        json!({ "fault": "truncated" }),
        json!({ "fault": "empty" }),
        json!({ "fault": "contentType", "value": "text/html" }),
        json!({ "fault": "oversized", "bytes": 2 * 1024 * 1024 }),
    ] {
        h.fault("POST", "/api/v1/approval", 1, fault.clone()).await;
        let err = client.approve(&ApprovalRequest::push("lia")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{fault}: {err}");
        assert_eq!(err.attempts(), 1, "{fault}");
        assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::Yes, "{fault}");
    }
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let h = Harness::start().await;
    h.fault(
        "GET",
        "/api/v1/users",
        1,
        json!({ "fault": "redirect", "status": 302, "location": "http://127.0.0.1:9/steal" }),
    )
    .await;
    let err = h.client.find_user("max").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("redirect"), "{err}");
}

#[tokio::test]
async fn certificate_from_an_untrusted_ca_is_a_tls_error() {
    let h = Harness::start().await;
    let client =
        Client::new(ClientConfig::builder().base_url(h.sim.base_url()).access_key(h.sim.access_key()).build().unwrap())
            .unwrap();
    let err = client.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert_eq!(err.attempts(), 1, "a bad certificate is not retried");
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::No);
}

#[tokio::test]
async fn the_call_deadline_bounds_retries() {
    let h = Harness::start().await;
    h.fault("GET", "/api/v1/users", 10, json!({ "fault": "delay", "ms": 400 })).await;
    let client = h.client_with(|c| {
        c.request_timeout(Duration::from_millis(300)).deadline(Duration::from_millis(500)).max_retries(5)
    });
    let started = Instant::now();
    let err = client.find_user("ned").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}
