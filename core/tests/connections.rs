//! `max_connections`: a client never has more requests (and so connections) in flight than its
//! cap; calls beyond it wait for a free slot instead of opening more connections.

mod common;

use std::time::{Duration, Instant};

use common::Harness;
use nevis_authcloud::{ClientConfig, ErrorKind};
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
