//! Intent tokens (one use, bound to user/operation/channel) and form-encoded introspection.

mod common;

use common::{Sim, assert_error, assert_security_error};
use serde_json::json;

async fn introspect(s: &Sim, token: &str) -> common::Answer {
    let response = s
        .http
        .post(s.url("/api/v1/introspect"))
        .bearer_auth(s.sim.access_key())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("token", token)]).unwrap())
        .send()
        .await
        .expect("sent");
    common::answer(response).await
}

#[tokio::test]
async fn intent_token_is_used_once_then_rejected_with_403() {
    let s = Sim::start().await;
    s.active_app_user("ivy").await;
    let minted = s
        .api("POST", "/api/v1/intent", Some(json!({"username": "ivy", "operation": "approve", "channels": ["push"]})))
        .await;
    assert_eq!(minted.status, 200, "{}", minted.text);
    let intent = minted.json["token"].as_str().unwrap().to_string();
    assert!(intent.starts_with("eyJ"));
    assert_eq!(introspect(&s, &intent).await.json["scope"], "intent");

    let body = json!({"username": "ivy", "channel": "push"});
    // Wrong channel and wrong user are refused without using the token up.
    let wrong_channel =
        s.call("POST", "/api/v1/approval", Some(&intent), Some(json!({"username": "ivy", "channel": "app"}))).await;
    assert_security_error(&wrong_channel, 403, "/api/v1/approval");
    let elsewhere = s.call("GET", "/api/v1/users?username=ivy", Some(&intent), None).await;
    assert_security_error(&elsewhere, 403, "/api/v1/users");

    let used = s.call("POST", "/api/v1/approval", Some(&intent), Some(body.clone())).await;
    assert_eq!(used.status, 200, "{}", used.text);
    let reused = s.call("POST", "/api/v1/approval", Some(&intent), Some(body)).await;
    assert_security_error(&reused, 403, "/api/v1/approval");
    assert_eq!(introspect(&s, &intent).await.json, json!({"active": false}));
    assert_eq!(s.control("GET", "/stats", None).await.json["created"]["intent"], 1);
}

#[tokio::test]
async fn intent_token_expires_and_validates_its_fields() {
    let s = Sim::start().await;
    let minted = s.api("POST", "/api/v1/intent", Some(json!({"username": "newbie", "operation": "enroll"}))).await;
    let intent = minted.json["token"].as_str().unwrap().to_string();
    s.control("POST", "/clock/advance", Some(json!({"seconds": 601}))).await;
    let late = s.call("POST", "/api/v1/users/enroll", Some(&intent), Some(json!({"username": "newbie"}))).await;
    assert_security_error(&late, 403, "/api/v1/users/enroll");

    let path = "/api/v1/intent";
    assert_error(&s.api("POST", path, Some(json!({"username": "x1"}))).await, 400, path, "operation");
    assert_error(
        &s.api("POST", path, Some(json!({"username": "x1", "operation": "delete"}))).await,
        400,
        path,
        "operation",
    );
    assert_error(
        &s.api("POST", path, Some(json!({"username": "x1", "operation": "enroll", "channels": ["fido2"]}))).await,
        400,
        path,
        "channels",
    );
    assert_error(&s.api("POST", path, Some(json!({"operation": "enroll"}))).await, 400, path, "username");

    // An enroll intent works for the enrolment of the user it names.
    let minted = s.api("POST", path, Some(json!({"username": "newbie", "operation": "enroll"}))).await;
    let intent = minted.json["token"].as_str().unwrap().to_string();
    let other = s.call("POST", "/api/v1/users/enroll", Some(&intent), Some(json!({"username": "someone"}))).await;
    assert_eq!(other.status, 403);
    let ok = s.call("POST", "/api/v1/users/enroll", Some(&intent), Some(json!({"username": "newbie"}))).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
}

#[tokio::test]
async fn introspection_of_transaction_status_and_unknown_tokens() {
    let s = Sim::start().await;
    let enrolled = s.api("POST", "/api/v1/users/enroll", Some(json!({"username": "otto"}))).await;
    s.accept(enrolled.json["enrollment"]["transactionId"].as_str().unwrap()).await;
    let status = s.status(enrolled.json["enrollment"]["statusToken"].as_str().unwrap()).await;
    let transaction = introspect(&s, status.json["token"].as_str().unwrap()).await;
    assert_eq!(transaction.status, 200);
    assert_eq!(transaction.json["active"], true);
    assert_eq!(transaction.json["scope"], "transaction");
    assert_eq!(transaction.json["sub"], enrolled.json["userId"]);
    assert_eq!(transaction.json["iss"], s.sim.instance_url());
    for claim in ["iat", "nbf", "exp", "jti", "aud"] {
        assert!(transaction.json.get(claim).is_some(), "{claim} in {}", transaction.text);
    }
    let key = introspect(&s, s.sim.access_key()).await;
    assert_eq!((key.json["active"].as_bool(), key.json["scope"].as_str()), (Some(true), Some("access")));
    assert_eq!(introspect(&s, "eyJnope").await.json, json!({"active": false}));

    // JSON to the form endpoint is 415; a missing token is 400.
    let json_body = s.api("POST", "/api/v1/introspect", Some(json!({"token": "x"}))).await;
    assert_error(&json_body, 415, "/api/v1/introspect", "not supported");
    let missing = common::answer(
        s.http
            .post(s.url("/api/v1/introspect"))
            .bearer_auth(s.sim.access_key())
            .header("content-type", "application/x-www-form-urlencoded")
            .body("other=x")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&missing, 400, "/api/v1/introspect", "token");
}
