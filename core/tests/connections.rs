//! `max_connections`: a client never has more requests (and so connections) in flight than its
//! cap; calls beyond it wait for a free slot instead of opening more connections.

mod common;

use std::time::{Duration, Instant};

use common::{Harness, fast_wait};
use nevis_authcloud::{
    ApprovalRequest, ClientConfig, ErrorKind, MayHaveBeenApplied, OperationStatus, RequestOptions, WaitOptions,
};
use serde_json::json;

#[test]
fn a_cap_of_zero_is_refused_naming_the_field() {
    let err = ClientConfig::builder()
        .base_url("http://127.0.0.1:8080")
        .access_key("key")
        .max_connections(0)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("max_connections"), "{err}");
}

#[test]
fn the_default_cap_is_100() {
    let config = ClientConfig::builder().base_url("http://127.0.0.1:8080").access_key("key").build().unwrap();
    assert_eq!(config.max_connections(), 100);
}

#[tokio::test]
async fn calls_beyond_the_cap_wait_for_a_free_slot() {
    let h = Harness::start().await;
    let delay_ms = 300;
    h.fault("GET", "/ping", 6, json!({ "fault": "delay", "ms": delay_ms })).await;
    let client = h.client_with(|config| config.max_connections(2));
    let started = Instant::now();
    let pings = futures_util::future::join_all((0..6).map(|_| client.ping())).await;
    let elapsed = started.elapsed();
    assert!(pings.iter().all(Result::is_ok), "{pings:?}");
    // Six delayed answers through two slots arrive in three waves.
    assert!(elapsed >= Duration::from_millis(3 * delay_ms - 50), "took only {elapsed:?}");
}

#[tokio::test]
async fn many_waits_share_a_single_slot_and_all_end() {
    let h = Harness::start().await;
    h.active_app_user("slots").await;
    let client = h.client_with(|config| config.max_connections(1));
    let mut approvals = Vec::new();
    for _ in 0..5 {
        approvals.push(client.approve(&ApprovalRequest::push("slots")).await.unwrap());
    }
    let waits = approvals.iter().map(|approval| client.wait_for_status(approval.status_token.expose(), fast_wait()));
    let all = futures_util::future::join_all(waits);
    let accept = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        for approval in &approvals {
            h.accept(&approval.transaction_id).await;
        }
    };
    let (statuses, ()) = tokio::join!(all, accept);
    for status in statuses {
        assert_eq!(status.unwrap().status, OperationStatus::Succeeded);
    }
}

#[tokio::test]
async fn a_wait_queued_for_a_slot_still_times_out_on_time() {
    let h = Harness::start().await;
    h.active_app_user("queued").await;
    let client = h.client_with(|config| config.max_connections(1));
    let approval = client.approve(&ApprovalRequest::push("queued")).await.unwrap();
    let occupying = h.occupy_only_slot(&client, 3000).await.call;
    let started = Instant::now();
    let options = WaitOptions::default().timeout(Duration::from_millis(300)).interval(Duration::from_millis(20));
    let err = client.wait_for_status(approval.status_token.expose(), options).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_millis(2500), "waited {:?} for the slot", started.elapsed());
    occupying.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_approval_whose_deadline_passes_in_the_queue_reports_that_nothing_was_sent() {
    let h = Harness::start().await;
    h.active_app_user("queued-push").await;
    let client = h.client_with(|config| config.max_connections(1));
    let occupying = h.occupy_only_slot(&client, 1500).await.call;
    let approvals_before = h.created("approval").await;
    let hurried = client
        .with_options(RequestOptions { deadline: Some(Duration::from_millis(200)), ..Default::default() })
        .unwrap();
    let err = hurried.approve(&ApprovalRequest::push("queued-push")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    // Never sent, so safe to send again: unlike a deadline that passes while the request is out.
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::No, "{err}");
    occupying.await.unwrap().unwrap();
    assert_eq!(h.created("approval").await, approvals_before, "the queued approval was sent");
}
