//! Durations at the far end of what the bindings accept (Python and Node turn any finite number of
//! seconds or milliseconds into a `Duration`, up to ~584 billion years) must behave as "very long",
//! never as a panic: `Instant + Duration` overflows long before `Duration` does. Found while
//! writing the fuzz targets (the C binding's millisecond values cannot reach the overflow).

use std::time::Duration;

use nevis_authcloud::{Client, ClientConfig, ErrorKind, RequestOptions, WaitOptions};

/// Nothing listens on the discard port: every call fails at once with a connection error.
fn closed_port_client() -> Client {
    let config = ClientConfig::builder().base_url("http://127.0.0.1:9").access_key("test-access-key").max_retries(1);
    Client::new(config.retry_backoff(Duration::from_millis(1), Duration::from_millis(1)).build().expect("valid"))
        .expect("client")
}

#[tokio::test]
async fn a_deadline_too_far_to_represent_is_no_deadline() {
    for deadline in [Duration::MAX, Duration::from_secs(u64::MAX / 2)] {
        let client = closed_port_client()
            .with_options(RequestOptions { deadline: Some(deadline), ..Default::default() })
            .unwrap();
        let err = client.ping().await.expect_err("nothing listens");
        assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
        assert_eq!(err.attempts(), 2, "the retry still happens: {err}");
    }
}

#[tokio::test]
async fn a_wait_with_an_endless_timeout_and_interval_still_runs() {
    let client = closed_port_client();
    let options = WaitOptions::default().timeout(Duration::MAX).interval(Duration::MAX);
    let err = client.wait_for_status("some-status-token", options).await.expect_err("nothing listens");
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
}
