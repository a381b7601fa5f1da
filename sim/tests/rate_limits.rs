//! Per-user SMS and push rate limits: the configured thresholds, the control plane's forced
//! block, what a blocked user's requests answer and how the user resource shows the block.

mod common;

use common::{Sim, assert_error};
use nevis_authcloud_sim::SimOptions;
use serde_json::{Value, json};

const PHONE: &str = "+41791234567";

async fn user(s: &Sim, user_id: &str) -> Value {
    let answer = s.api("GET", &format!("/api/v1/users/{user_id}"), None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json
}

async fn push(s: &Sim, username: &str) -> common::Answer {
    s.api("POST", "/api/v1/approval", Some(json!({"username": username, "channel": "push"}))).await
}

/// Registers and confirms `PHONE` for `username`; returns the user id.
async fn sms_user(s: &Sim, username: &str) -> String {
    let enrolled = s
        .api("POST", "/api/v1/users/enroll", Some(json!({"username": username, "channel": "sms", "phone": PHONE})))
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let user_id = enrolled.json["userId"].as_str().unwrap().to_string();
    let sms = s.control("GET", &format!("/phones/{}/last-sms", PHONE.replace('+', "%2B")), None).await;
    let verified = s
        .api(
            "POST",
            &format!("/api/v1/users/{user_id}/verification"),
            Some(json!({"code": sms.json["code"], "statusToken": enrolled.json["enrollment"]["statusToken"]})),
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    user_id
}

#[tokio::test]
async fn without_thresholds_nobody_is_blocked() {
    let s = Sim::start().await;
    let (user_id, _) = s.active_app_user("free").await;
    for _ in 0..30 {
        assert_eq!(push(&s, "free").await.status, 200);
    }
    assert!(user(&s, &user_id).await.get("exceededRateLimits").is_none());
}

#[tokio::test]
async fn the_push_limit_blocks_for_24_hours() {
    let s = Sim::start_with(SimOptions { push_rate_limit: Some(2), ..Default::default() }).await;
    let (user_id, _) = s.active_app_user("busy").await;
    assert_eq!(push(&s, "busy").await.status, 200);
    assert!(user(&s, &user_id).await.get("exceededRateLimits").is_none());
    assert_eq!(push(&s, "busy").await.status, 200);
    assert_eq!(user(&s, &user_id).await["exceededRateLimits"], json!(["push"]));

    let refused = push(&s, "busy").await;
    assert_error(&refused, 400, "/api/v1/approval", "push rate limit");
    assert_eq!(s.control("GET", "/stats", None).await.json["created"]["approval"], 2, "no third push went out");
    // Only push is limited: the QR-code channel still works.
    let by_qr = s.api("POST", "/api/v1/approval", Some(json!({"username": "busy", "channel": "app"}))).await;
    assert_eq!(by_qr.status, 200, "{}", by_qr.text);
    // Without a channel an approval is a push approval, and so is refused too.
    assert_eq!(s.api("POST", "/api/v1/approval", Some(json!({"username": "busy"}))).await.status, 400);

    s.control("POST", "/clock/advance", Some(json!({"seconds": 24 * 3600}))).await;
    assert!(user(&s, &user_id).await.get("exceededRateLimits").is_none());
    assert_eq!(push(&s, "busy").await.status, 200);
}

#[tokio::test]
async fn the_sms_limit_counts_registrations_and_approvals() {
    let s = Sim::start_with(SimOptions { sms_rate_limit: Some(2), ..Default::default() }).await;
    let user_id = sms_user(&s, "texted").await;
    let approval = s.api("POST", "/api/v1/approval", Some(json!({"username": "texted", "channel": "sms"}))).await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    assert_eq!(user(&s, &user_id).await["exceededRateLimits"], json!(["sms"]));

    let refused = s.api("POST", "/api/v1/approval", Some(json!({"username": "texted", "channel": "sms"}))).await;
    assert_error(&refused, 400, "/api/v1/approval", "sms rate limit");
    let another_phone = json!({"userId": user_id, "channel": "sms", "phone": "+41797654321"});
    assert_error(
        &s.api("POST", "/api/v1/users/enroll", Some(another_phone)).await,
        400,
        "/api/v1/users/enroll",
        "sms rate limit",
    );
    assert_eq!(s.control("GET", "/stats", None).await.json["created"]["sms"], 2);
}

#[tokio::test]
async fn the_control_plane_blocks_and_unblocks_a_user() {
    let s = Sim::start().await;
    let (user_id, _) = s.active_app_user("held").await;
    let path = format!("/users/{user_id}/rate-limits");
    assert_eq!(s.control("GET", &path, None).await.json, json!({"userId": user_id, "exceededRateLimits": []}));

    let blocked = s.control("POST", &path, Some(json!({"channels": ["push", "sms"]}))).await;
    assert_eq!(blocked.status, 200, "{}", blocked.text);
    assert_eq!(blocked.json["exceededRateLimits"], json!(["sms", "push"]));
    assert_eq!(user(&s, &user_id).await["exceededRateLimits"], json!(["sms", "push"]));
    let by_name = s.api("GET", "/api/v1/users?username=held", None).await;
    assert_eq!(by_name.json["exceededRateLimits"], json!(["sms", "push"]));
    assert_error(&push(&s, "held").await, 400, "/api/v1/approval", "push rate limit");

    let lifted = s.control("DELETE", &path, None).await;
    assert_eq!(lifted.json["exceededRateLimits"], json!([]));
    assert!(user(&s, &user_id).await.get("exceededRateLimits").is_none());
    assert_eq!(push(&s, "held").await.status, 200);

    for bad in [json!({}), json!({"channels": []}), json!({"channels": ["app"]}), json!({"channels": "sms"})] {
        let answer = s.control("POST", &path, Some(bad)).await;
        assert_eq!(answer.status, 400, "{}", answer.text);
    }
    let nobody = s
        .control("POST", "/users/00000000-0000-4000-8000-000000000000/rate-limits", Some(json!({"channels": ["sms"]})))
        .await;
    assert_eq!(nobody.status, 404);
    assert_eq!(s.control("PUT", &path, None).await.status, 405);
}

#[tokio::test]
async fn recovery_codes_are_not_checked_for_a_blocked_user() {
    let s = Sim::start().await;
    let enrolled =
        s.api("POST", "/api/v1/users/enroll", Some(json!({"username": "rescued", "channel": "recovery"}))).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let user_id = enrolled.json["userId"].as_str().unwrap();
    let code = enrolled.json["recoveryCodes"]["codes"][0].as_str().unwrap();
    s.control("POST", &format!("/users/{user_id}/rate-limits"), Some(json!({"channels": ["sms"]}))).await;

    let verification = format!("/api/v1/users/{user_id}/verification");
    let refused = s.api("POST", &verification, Some(json!({"code": code, "channel": "recovery"}))).await;
    assert_error(&refused, 400, &verification, "rate limit");
    assert_eq!(user(&s, user_id).await["recoveryCodes"]["remaining"], 10, "the code was not spent");

    s.control("DELETE", &format!("/users/{user_id}/rate-limits"), None).await;
    let accepted = s.api("POST", &verification, Some(json!({"code": code, "channel": "recovery"}))).await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
}

#[tokio::test]
async fn a_zero_threshold_is_refused() {
    let refused =
        nevis_authcloud_sim::Simulator::start(SimOptions { sms_rate_limit: Some(0), ..Default::default() }).await;
    assert!(refused.is_err());
}
