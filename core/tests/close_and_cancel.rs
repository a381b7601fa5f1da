//! Ending calls from outside: `Client::close` ends every call in flight on the pool with `Closed`
//! and fails later ones without sending; a call's cancellation token (`with_cancel`,
//! `RequestOptions::cancel`) ends just its calls with `Cancelled`; `with_options` limits apply per
//! view of one pool. Each error says whether the server may have acted.

mod common;

use std::time::{Duration, Instant};

use common::{Harness, fast_wait};
use nevis_authcloud::{ApprovalRequest, CancellationToken, ErrorKind, MayHaveBeenApplied, RequestOptions, WaitOptions};
use serde_json::json;

/// Cancels `token` after `after`.
fn cancel_later(token: CancellationToken, after: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        token.cancel();
    });
}

#[tokio::test]
async fn close_ends_a_call_in_flight_with_closed_and_later_calls_send_nothing() {
    let h = Harness::start().await;
    h.active_app_user("closing").await;
    let client = h.client_with(|config| config);
    h.fault("POST", "/api/v1/approval", 1, json!({ "fault": "delay", "ms": 3000 })).await;
    let closer = client.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        closer.close();
    });
    let started = Instant::now();
    let err = client.approve(&ApprovalRequest::push("closing")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed, "{err}");
    assert!(started.elapsed() < Duration::from_millis(2000), "close did not end the call promptly");
    // The approval had been written (the simulator processes it at once): the server may have acted.
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::Unknown, "{err}");
    let requests_before = h.control("GET", "/_sim/stats", None).await.1["requests"].clone();
    let err = client.ping().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts(), err.may_have_been_applied()),
        (ErrorKind::Closed, 0, MayHaveBeenApplied::No)
    );
    assert_eq!(h.control("GET", "/_sim/stats", None).await.1["requests"], requests_before, "a closed client sent");
}

#[tokio::test]
async fn close_ends_a_wait_and_every_view_of_the_pool() {
    let h = Harness::start().await;
    h.active_app_user("waiting").await;
    let client = h.client_with(|config| config);
    let approval = client.approve(&ApprovalRequest::push("waiting")).await.unwrap();
    let view = client.with_options(RequestOptions { max_retries: Some(0), ..Default::default() }).unwrap();
    let closer = view.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        closer.close();
    });
    let started = Instant::now();
    let err = client.wait_for_status(approval.status_token.expose(), fast_wait()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed, "{err}");
    assert!(started.elapsed() < Duration::from_millis(2000));
    assert!(client.is_closed() && view.is_closed());
}

#[tokio::test]
async fn cancelling_a_call_in_flight_says_the_server_may_have_acted_and_leaves_the_client_usable() {
    let h = Harness::start().await;
    h.active_app_user("cancelled").await;
    let client = h.client_with(|config| config);
    h.fault("POST", "/api/v1/approval", 1, json!({ "fault": "delay", "ms": 3000 })).await;
    let token = CancellationToken::new();
    cancel_later(token.clone(), Duration::from_millis(300));
    let started = Instant::now();
    let err = client.with_cancel(token.clone()).approve(&ApprovalRequest::push("cancelled")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(started.elapsed() < Duration::from_millis(2000));
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::Unknown, "{err}");
    assert_eq!(err.attempts(), 1);
    // The token is spent for its view only; the client and its pool carry on.
    client.ping().await.unwrap();
    let err = client.with_cancel(token).ping().await.unwrap_err();
    assert_eq!((err.kind(), err.may_have_been_applied()), (ErrorKind::Cancelled, MayHaveBeenApplied::No));
}

#[tokio::test]
async fn a_call_cancelled_while_queued_for_a_slot_was_never_sent() {
    let h = Harness::start().await;
    h.active_app_user("queued").await;
    let client = h.client_with(|config| config.max_connections(1));
    let occupying = h.occupy_only_slot(&client, 1500).await.call;
    let approvals_before = h.created("approval").await;
    let token = CancellationToken::new();
    cancel_later(token.clone(), Duration::from_millis(200));
    let options = RequestOptions { cancel: Some(token), ..Default::default() };
    let err = client.with_options(options).unwrap().approve(&ApprovalRequest::push("queued")).await.unwrap_err();
    assert_eq!((err.kind(), err.may_have_been_applied()), (ErrorKind::Cancelled, MayHaveBeenApplied::No), "{err}");
    occupying.await.unwrap().unwrap();
    assert_eq!(h.created("approval").await, approvals_before, "the cancelled approval was sent");
}

#[tokio::test]
async fn a_cancelled_wait_ends_with_cancelled() {
    let h = Harness::start().await;
    h.active_app_user("wait-cancel").await;
    let client = h.client_with(|config| config);
    let approval = client.approve(&ApprovalRequest::push("wait-cancel")).await.unwrap();
    let token = CancellationToken::new();
    cancel_later(token.clone(), Duration::from_millis(300));
    let options = WaitOptions { timeout: Duration::from_secs(10), ..fast_wait() };
    let err = client.with_cancel(token).wait_for_status(approval.status_token.expose(), options).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(!client.is_closed());
}

#[tokio::test]
async fn a_per_call_timeout_shorter_than_the_clients_fires() {
    let h = Harness::start().await;
    let client = h.client_with(|config| config.request_timeout(Duration::from_secs(10)));
    h.fault("GET", "/ping", 1, json!({ "fault": "delay", "ms": 2000 })).await;
    let tight = client
        .with_options(RequestOptions {
            request_timeout: Some(Duration::from_millis(200)),
            max_retries: Some(0),
            ..Default::default()
        })
        .unwrap();
    let started = Instant::now();
    let err = tight.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < Duration::from_millis(1500));
    client.ping().await.unwrap();
}

#[tokio::test]
async fn a_view_shares_the_pools_connection_slots() {
    let h = Harness::start().await;
    let client = h.client_with(|config| config.max_connections(1));
    let occupied = h.occupy_only_slot(&client, 600).await;
    let view = client.with_options(RequestOptions { max_retries: Some(0), ..Default::default() }).unwrap();
    view.ping().await.unwrap();
    // With a pool of its own the view's ping would not have waited for the delayed one.
    assert!(occupied.since.elapsed() >= Duration::from_millis(550), "the view did not wait for the only slot");
    occupied.call.await.unwrap().unwrap();
}

#[tokio::test]
async fn close_also_ends_a_log_export_still_streaming() {
    let h = Harness::start().await;
    let client = h.client_with(|config| config);
    h.fault("GET", "/api/v1/logs/export", 1, json!({ "fault": "stall", "afterBytes": 1, "ms": 3000 })).await;
    let export = client.export_logs(&nevis_authcloud::LogExportQuery::default()).await.unwrap();
    let closer = client.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        closer.close();
    });
    let started = Instant::now();
    let err = export.text().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Closed, "{err}");
    assert!(started.elapsed() < Duration::from_millis(2000));
}
