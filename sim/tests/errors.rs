//! Every documented error status with its documented body.

mod common;

use common::{Sim, assert_error, assert_security_error};
use serde_json::json;

#[tokio::test]
async fn security_errors_401_and_403() {
    let s = Sim::start().await;
    let path = "/api/v1/users/enroll";
    assert_security_error(&s.call("POST", path, None, Some(json!({"username": "a1"}))).await, 401, path);
    assert_security_error(&s.call("POST", path, Some("wrong-key"), Some(json!({"username": "a1"}))).await, 403, path);
    // Status polling needs no credential at all.
    assert_eq!(
        s.call("POST", "/api/v1/status", None, Some(json!({"statusToken": "x"}))).await.json,
        json!({"status": "unknown"})
    );
}

#[tokio::test]
async fn malformed_json_validation_and_media_type() {
    let s = Sim::start().await;
    let path = "/api/v1/users/enroll";
    let key = s.sim.access_key().to_string();
    let send = |body: &'static str, content_type: &'static str| {
        s.http.post(s.url(path)).bearer_auth(key.clone()).header("content-type", content_type).body(body).send()
    };
    assert_error(
        &common::answer(send("", "application/json").await.unwrap()).await,
        400,
        path,
        "Required request body",
    );
    assert_error(
        &common::answer(send("{\"username\":", "application/json").await.unwrap()).await,
        400,
        path,
        "JSON parse error",
    );
    assert_error(
        &common::answer(send("[1]", "application/json;charset=utf-8").await.unwrap()).await,
        400,
        path,
        "object",
    );
    assert_error(
        &common::answer(send("username=a", "application/x-www-form-urlencoded").await.unwrap()).await,
        415,
        path,
        "not supported",
    );
    let invalid = s.api("POST", path, Some(json!({"username": "%%%%%"}))).await;
    assert_error(&invalid, 400, path, "The username '%%%%%' contains invalid characters");
    assert_error(&s.api("POST", path, Some(json!({"username": "a".repeat(301)}))).await, 400, path, "300");
    assert_error(&s.api("POST", path, Some(json!({"username": "a1", "channel": "totp"}))).await, 400, path, "channel");
    assert_error(&s.api("POST", path, Some(json!({"username": 5}))).await, 400, path, "username");
    assert_error(&s.api("POST", path, Some(json!({"channel": "app"}))).await, 400, path, "username or userId");
    assert_error(&s.api("POST", "/api/v1/status", Some(json!({}))).await, 400, "/api/v1/status", "statusToken");

    let approval = "/api/v1/approval";
    assert_error(
        &s.api("POST", approval, Some(json!({"username": "a1", "channel": "sms2"}))).await,
        400,
        approval,
        "channel",
    );
    assert_error(&s.api("POST", approval, Some(json!({"channel": "push"}))).await, 400, approval, "username or userId");
    assert_error(
        &s.api("POST", approval, Some(json!({"username": "a1", "channel": "push", "authenticatorId": "*"}))).await,
        400,
        approval,
        "'*'",
    );
    assert_error(
        &s.api("POST", approval, Some(json!({"username": "a1", "channel": "push", "prompt": true}))).await,
        400,
        approval,
        "message",
    );
    let html = json!({"username": "a1", "channel": "push", "message": "<html><a href='x'>x</a></html>"});
    assert_error(&s.api("POST", approval, Some(html)).await, 400, approval, "HTML tag");
    let underline = json!({"username": "a1", "channel": "push", "message": "<html><u style='x'>x</u></html>"});
    assert_error(&s.api("POST", approval, Some(underline)).await, 400, approval, "HTML tag");
}

/// The push message may use every tag the mobile-app documentation lists, `<u>` included.
#[tokio::test]
async fn every_documented_html_tag_is_accepted_in_a_prompt() {
    let s = Sim::start().await;
    s.active_app_user("tags").await;
    let message = "<html><u>Pay</u> <b>10</b> <strong>CHF</strong><br/><em>to</em> <i>Alice</i>?</html>";
    let body = json!({"username": "tags", "channel": "push", "prompt": true, "message": message});
    let approval = s.api("POST", "/api/v1/approval", Some(body)).await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    let operation =
        s.control("GET", &format!("/operations/{}", approval.json["transactionId"].as_str().unwrap()), None).await;
    assert_eq!(operation.json["message"], message);
}

#[tokio::test]
async fn not_found_method_not_allowed_and_conflict() {
    let s = Sim::start().await;
    assert_error(&s.api("GET", "/api/v1/nothing", None).await, 404, "/api/v1/nothing", "No endpoint");
    let wrong_method = s.api("GET", "/api/v1/users/enroll", None).await;
    assert_error(&wrong_method, 405, "/api/v1/users/enroll", "GET");
    assert_eq!(wrong_method.headers["allow"], "POST");
    assert_eq!(s.api("PUT", "/api/v1/users/00000000-0000-4000-8000-000000000000", None).await.status, 405);
    let unknown = "/api/v1/users/00000000-0000-4000-8000-000000000000";
    assert_error(&s.api("GET", unknown, None).await, 404, unknown, "not found");
    let enroll = "/api/v1/users/enroll";
    assert_error(
        &s.api("POST", enroll, Some(json!({"userId": "00000000-0000-4000-8000-000000000000"}))).await,
        404,
        enroll,
        "not found",
    );
    assert_error(
        &s.api("POST", "/api/v1/approval", Some(json!({"username": "ghost", "channel": "push"}))).await,
        404,
        "/api/v1/approval",
        "ghost",
    );

    let (user_id, _) = s.active_app_user("mia").await;
    let disagree = s.api("POST", enroll, Some(json!({"userId": user_id, "username": "other"}))).await;
    assert_error(&disagree, 409, enroll, "does not belong");
    for _ in 0..9 {
        let enrolled = s.api("POST", enroll, Some(json!({"userId": user_id}))).await;
        s.accept(enrolled.json["enrollment"]["transactionId"].as_str().unwrap()).await;
    }
    assert_error(&s.api("POST", enroll, Some(json!({"userId": user_id}))).await, 409, enroll, "maximum");
}
