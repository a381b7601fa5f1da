//! Users (get, find, delete, Azure AD B2C lookup), authenticators (rename, delete), log export
//! and /ping.

mod common;

use common::{Sim, assert_error};
use serde_json::json;

#[tokio::test]
async fn users_can_be_read_found_and_deleted() {
    let s = Sim::start().await;
    let (user_id, _) = s.active_app_user("3f1b6a52-5c6e-4d0a-9a53-2f0d6c7b8e91").await;
    let by_id = s.api("GET", &format!("/api/v1/users/{user_id}"), None).await;
    assert_eq!(by_id.status, 200);
    let by_name = s.api("GET", "/api/v1/users?username=3f1b6a52-5c6e-4d0a-9a53-2f0d6c7b8e91", None).await;
    assert_eq!(by_name.json, by_id.json);
    assert_error(&s.api("GET", "/api/v1/users", None).await, 400, "/api/v1/users", "username");
    assert_error(&s.api("GET", "/api/v1/users?username=nobody", None).await, 404, "/api/v1/users", "nobody");

    let azure = s.api("GET", "/api/v1/aadb2c/users?objectId=3f1b6a52-5c6e-4d0a-9a53-2f0d6c7b8e91", None).await;
    assert_eq!(azure.status, 200);
    let flattened: serde_json::Value = serde_json::from_str(azure.json["authenticators"].as_str().unwrap()).unwrap();
    assert_eq!(flattened[0]["authenticatorType"], "app");
    let unknown = s.api("GET", "/api/v1/aadb2c/users?objectId=00000000-0000-4000-8000-000000000000", None).await;
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.json["userId"], serde_json::Value::Null);
    assert_eq!(unknown.json["authenticators"], "[]");
    // The objectId is documented as a UUID: anything else is a malformed request, not "not found".
    let azure_path = "/api/v1/aadb2c/users";
    for bad in ["alice", "3f1b6a52-5c6e-4d0a-9a53", "3f1b6a525c6e4d0a9a532f0d6c7b8e91x"] {
        let answer = s.api("GET", &format!("{azure_path}?objectId={bad}"), None).await;
        assert_error(&answer, 400, azure_path, "objectId");
    }

    let deleted = s.api("DELETE", &format!("/api/v1/users/{user_id}"), None).await;
    assert_eq!((deleted.status, deleted.text.as_str()), (204, ""));
    let path = format!("/api/v1/users/{user_id}");
    assert_error(&s.api("GET", &path, None).await, 404, &path, "not found");
    assert_error(&s.api("DELETE", &path, None).await, 404, &path, "not found");
}

#[tokio::test]
async fn authenticators_can_be_renamed_and_deleted() {
    let s = Sim::start().await;
    let (user_id, authenticator_id) = s.active_app_user("nina").await;
    let path = format!("/api/v1/authenticators/{authenticator_id}");
    let renamed = s.api("PATCH", &path, Some(json!({"name": "Personal Phone"}))).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.json["name"], "Personal Phone");
    assert_eq!(renamed.json["authenticatorId"], authenticator_id);
    assert_error(&s.api("PATCH", &path, Some(json!({"name": ""}))).await, 400, &path, "name");
    assert_eq!(s.api("DELETE", &path, None).await.status, 204);
    assert_error(&s.api("DELETE", &path, None).await, 404, &path, "not found");
    assert_error(&s.api("PATCH", &path, Some(json!({"name": "x"}))).await, 404, &path, "not found");
    let user = s.api("GET", &format!("/api/v1/users/{user_id}"), None).await;
    assert_eq!(user.json["status"], "new", "no authenticator left");
    // Approval for a user without an authenticator is a 400 naming the channel.
    let approval = s.api("POST", "/api/v1/approval", Some(json!({"userId": user_id, "channel": "push"}))).await;
    assert_error(&approval, 400, "/api/v1/approval", "push");
}

#[tokio::test]
async fn log_export_is_csv_with_filters() {
    let s = Sim::start().await;
    let (_, authenticator_id) = s.active_app_user("logan").await;
    let approval = s.api("POST", "/api/v1/approval", Some(json!({"username": "logan", "channel": "push"}))).await;
    s.control("POST", &format!("/operations/{}/decline", approval.json["transactionId"].as_str().unwrap()), None).await;
    s.api("DELETE", &format!("/api/v1/authenticators/{authenticator_id}"), None).await;

    let all = s.api("GET", "/api/v1/logs/export", None).await;
    assert_eq!(all.status, 200);
    assert!(all.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(all.headers["content-disposition"], "attachment; filename=logs-export.csv");
    let lines: Vec<&str> = all.text.lines().collect();
    assert_eq!(
        lines[0],
        "timestamp,eventId,name,status,category,channel,actorType,actorId,userId,username,transactionId,description"
    );
    assert_eq!(lines.len(), 1 + 5, "{}", all.text);
    assert!(lines[1].contains("Authenticator deleted"), "newest first: {}", lines[1]);

    let failed = s.api("GET", "/api/v1/logs/export?status=failed&category=authentication", None).await;
    let rows: Vec<&str> = failed.text.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{}", failed.text);
    assert!(rows[0].contains("Authentication failed"));
    let text = s.api("GET", "/api/v1/logs/export?filter=REGISTRATION%20verified", None).await;
    assert_eq!(text.text.lines().count(), 2, "{}", text.text);
    let window =
        s.api("GET", "/api/v1/logs/export?fromDate=2000-01-01T00:00:00Z&toDate=2000-01-02T00:00:00Z", None).await;
    assert_eq!(window.text.lines().count(), 1);

    let path = "/api/v1/logs/export";
    assert_error(&s.api("GET", "/api/v1/logs/export?filter=x", None).await, 400, path, "filter");
    assert_error(
        &s.api("GET", "/api/v1/logs/export?timespan=P1D&fromDate=2020-01-01T00:00:00Z", None).await,
        400,
        path,
        "timespan",
    );
    assert_error(&s.api("GET", "/api/v1/logs/export?timespan=tomorrow", None).await, 400, path, "timespan");
    assert_error(&s.api("GET", "/api/v1/logs/export?channel=fax", None).await, 400, path, "channel");
    assert_error(&s.api("GET", "/api/v1/logs/export?actorType=robot", None).await, 400, path, "actorType");
    assert_error(&s.api("GET", "/api/v1/logs/export?fromDate=yesterday", None).await, 400, path, "fromDate");
}

#[tokio::test]
async fn ping_answers_pong_with_or_without_a_key() {
    let s = Sim::start().await;
    for key in [None, Some("sim-access-key")] {
        let pong = s.call("GET", "/ping", key, None).await;
        assert_eq!((pong.status, pong.text.as_str()), (200, "PONG"));
        assert!(pong.headers["content-type"].to_str().unwrap().starts_with("text/plain"));
    }
}
