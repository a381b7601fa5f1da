//! Every fault kind of the control plane, observed over HTTP.

mod common;

use std::time::{Duration, Instant};

use common::Sim;
use serde_json::{Value, json};

async fn inject(s: &Sim, fault: Value) {
    let added = s.control("POST", "/faults", Some(fault)).await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert!(added.json["id"].is_string());
}

fn ping_fault(extra: Value) -> Value {
    let mut fault = json!({"method": "GET", "path": "/ping", "count": 1});
    for (k, v) in extra.as_object().unwrap() {
        fault[k] = v.clone();
    }
    fault
}

#[tokio::test]
async fn status_fault_replaces_the_answer_and_skips_the_api() {
    let s = Sim::start().await;
    inject(&s, json!({"method": "POST", "path": "/api/v1/users/enroll", "count": 2, "fault": "status", "status": 503, "retryAfter": "2"})).await;
    let listed = s.control("GET", "/faults", None).await;
    assert_eq!(listed.json[0]["remaining"], 2);
    for _ in 0..2 {
        let refused = s.api("POST", "/api/v1/users/enroll", Some(json!({"username": "zed"}))).await;
        common::assert_error(&refused, 503, "/api/v1/users/enroll", "");
        assert_eq!(refused.headers["retry-after"], "2");
    }
    assert_eq!(s.control("GET", "/stats", None).await.json["created"]["enroll"], 0, "not processed");
    assert_eq!(s.api("POST", "/api/v1/users/enroll", Some(json!({"username": "zed"}))).await.status, 200, "used up");
    inject(&s, ping_fault(json!({"fault": "status", "status": 500, "body": {"custom": true}}))).await;
    assert_eq!(s.call("GET", "/ping", None, None).await.json, json!({"custom": true}));
}

#[tokio::test]
async fn delay_and_stall_hold_the_answer_back() {
    let s = Sim::start().await;
    inject(&s, ping_fault(json!({"fault": "delay", "ms": 300}))).await;
    let started = Instant::now();
    assert_eq!(s.call("GET", "/ping", None, None).await.text, "PONG");
    assert!(started.elapsed() >= Duration::from_millis(300));

    inject(&s, ping_fault(json!({"fault": "stall", "afterBytes": 2, "ms": 300}))).await;
    let started = Instant::now();
    let response = s.http.get(s.url("/ping")).send().await.unwrap();
    let head_after = started.elapsed();
    assert_eq!(response.text().await.unwrap(), "PONG");
    assert!(head_after < Duration::from_millis(250), "head comes at once");
    assert!(started.elapsed() >= Duration::from_millis(300), "body is stalled");
}

#[tokio::test]
async fn reset_and_close_break_the_connection_but_reset_still_acts() {
    let s = Sim::start().await;
    inject(&s, json!({"method": "POST", "path": "/api/v1/users/enroll", "fault": "reset", "afterBytes": 5})).await;
    let response = s
        .http
        .post(s.url("/api/v1/users/enroll"))
        .bearer_auth(s.sim.access_key())
        .header("content-type", "application/json")
        .body(json!({"username": "rex"}).to_string())
        .send()
        .await
        .expect("head arrives");
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.is_err(), "body is cut off");
    assert_eq!(s.control("GET", "/stats", None).await.json["created"]["enroll"], 1, "processed");

    inject(&s, ping_fault(json!({"fault": "close"}))).await;
    assert!(s.http.get(s.url("/ping")).send().await.is_err());
    assert_eq!(s.call("GET", "/ping", None, None).await.text, "PONG", "the next request is fine");
}

#[tokio::test]
async fn damaged_bodies() {
    let s = Sim::start().await;
    inject(&s, ping_fault(json!({"fault": "malformed"}))).await;
    let malformed = s.call("GET", "/ping", None, None).await;
    assert_eq!((malformed.status, malformed.headers["content-type"].to_str().unwrap()), (200, "application/json"));
    assert!(serde_json::from_str::<Value>(&malformed.text).is_err());

    inject(&s, json!({"method": "POST", "path": "/api/v1/status", "fault": "truncated"})).await;
    let truncated = s.status("nope").await;
    assert_eq!(truncated.text, "{\"status\":", "half of {{\"status\":\"unknown\"}}");
    assert_eq!(truncated.headers["content-length"], "10");

    inject(&s, ping_fault(json!({"fault": "empty"}))).await;
    assert_eq!(s.call("GET", "/ping", None, None).await.text, "");

    inject(&s, ping_fault(json!({"fault": "contentType", "value": "text/html"}))).await;
    let html = s.call("GET", "/ping", None, None).await;
    assert_eq!((html.text.as_str(), html.headers["content-type"].to_str().unwrap()), ("PONG", "text/html"));

    inject(&s, json!({"method": "*", "path": "/api/v1/status", "fault": "oversized", "bytes": 3_000_000})).await;
    let big = s.status("nope").await;
    assert!(big.text.len() >= 3_000_000);
    assert_eq!(big.json["status"], "unknown", "valid JSON with a padding field");

    inject(&s, ping_fault(json!({"fault": "redirect", "status": 307, "location": "http://127.0.0.1:9/x"}))).await;
    let no_follow = common::builder_trusting(None).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let redirect = no_follow.get(s.url("/ping")).send().await.unwrap();
    assert_eq!(redirect.status(), 307);
    assert_eq!(redirect.headers()["location"], "http://127.0.0.1:9/x");
}

#[tokio::test]
async fn fault_registration_is_validated_and_clearable() {
    let s = Sim::start().await;
    let bad = s.control("POST", "/faults", Some(json!({"path": "/ping", "fault": "status", "status": 200}))).await;
    assert_eq!(bad.status, 400);
    assert!(bad.json["message"].as_str().unwrap().contains("status"));
    inject(&s, ping_fault(json!({"fault": "close", "count": 5}))).await;
    assert_eq!(s.control("DELETE", "/faults", None).await.status, 204);
    assert_eq!(s.control("GET", "/faults", None).await.json, json!([]));
    assert_eq!(s.call("GET", "/ping", None, None).await.text, "PONG");
}
