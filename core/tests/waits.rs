//! `wait_for_status` through every ending: accept, decline, expiry, timeout, cancellation.

mod common;

use std::time::Duration;

use common::{Harness, fast_wait};
use nevis_authcloud::{ApprovalRequest, CancellationToken, ErrorKind, OperationStatus, WaitOptions};

async fn pending_approval(h: &Harness, username: &str) -> nevis_authcloud::ApprovalResponse {
    h.active_app_user(username).await;
    h.client.approve(&ApprovalRequest::push(username)).await.unwrap()
}

#[tokio::test]
async fn wait_ends_when_the_phone_accepts_later() {
    let h = Harness::start().await;
    let approval = pending_approval(&h, "ann").await;
    let client = h.client.clone();
    let token = approval.status_token.clone();
    let waiter = tokio::spawn(async move { client.wait_for_status(token.expose(), fast_wait()).await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(!waiter.is_finished(), "still pending before the phone acts");
    h.accept(&approval.transaction_id).await;
    let status = waiter.await.unwrap().unwrap();
    assert_eq!(status.status, OperationStatus::Succeeded);
}

#[tokio::test]
async fn wait_returns_failed_on_decline_and_on_expiry() {
    let h = Harness::start().await;
    let declined = pending_approval(&h, "bea").await;
    h.decline(&declined.transaction_id).await;
    let status = h.client.wait_for_status(declined.status_token.expose(), fast_wait()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Failed);

    let expiring = h.client.approve(&ApprovalRequest::push("bea")).await.unwrap();
    h.advance_clock(700).await;
    let status = h.client.wait_for_status(expiring.status_token.expose(), fast_wait()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Failed);
}

#[tokio::test]
async fn wait_times_out_with_the_last_status() {
    let h = Harness::start().await;
    let approval = pending_approval(&h, "cal").await;
    let options = WaitOptions::default().timeout(Duration::from_millis(300)).interval(Duration::from_millis(50));
    let (_, before) = h.control("GET", "/stats", None).await;
    let err = h.client.wait_for_status(approval.status_token.expose(), options).await.unwrap_err();
    let (_, after) = h.control("GET", "/stats", None).await;
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.last_status().map(|s| s.status.clone()), Some(OperationStatus::Pending));
    // The attempts are the polls the simulator saw (the stats calls themselves are not counted).
    let polls = after["requests"].as_u64().unwrap_or(0) - before["requests"].as_u64().unwrap_or(0);
    assert!(polls >= 2, "polled {polls} times in 300 ms at a 50 ms interval");
    assert_eq!(u64::from(err.attempts()), polls);
}

#[tokio::test]
async fn wait_stops_promptly_when_cancelled() {
    let h = Harness::start().await;
    let approval = pending_approval(&h, "dee").await;
    let cancel = CancellationToken::new();
    let options = WaitOptions::default()
        .timeout(Duration::from_secs(30))
        .interval(Duration::from_secs(5))
        .cancel_on(cancel.clone());
    let client = h.client.clone();
    let token = approval.status_token.clone();
    let waiter = tokio::spawn(async move { client.wait_for_status(token.expose(), options).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    cancel.cancel();
    let err = tokio::time::timeout(Duration::from_secs(2), waiter).await.expect("stops promptly").unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert_eq!(err.attempts(), 1, "one poll before the 5 s pause that the cancellation cut short");
}

#[tokio::test]
async fn unknown_token_ends_the_wait_at_once() {
    let h = Harness::start().await;
    let status = h.client.wait_for_status("eyJ.unknown.token", fast_wait()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Unknown);
}
