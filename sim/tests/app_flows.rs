//! Registration and approval with the Access App over real HTTP: confirm, accept, decline (412),
//! expiry on the virtual clock, usernameless QR approval.

mod common;

use common::Sim;
use serde_json::json;

#[tokio::test]
async fn enrol_confirm_approve_accept_succeeds() {
    let s = Sim::start().await;
    let enrolled = s.api("POST", "/api/v1/users/enroll", Some(json!({"username": "alice", "channel": "app"}))).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    assert_eq!(enrolled.json["status"], "new");
    assert_eq!(enrolled.json["authenticators"], json!([]));
    let enrollment = &enrolled.json["enrollment"];
    assert!(enrollment["statusToken"].as_str().unwrap().starts_with("eyJ"));
    assert!(enrollment["qrCode"]["dataUri"].as_str().unwrap().starts_with("data:image/png;base64,"));
    assert!(enrollment["appLinkUri"].as_str().unwrap().contains("dispatchTokenResponse="));

    let token = enrollment["statusToken"].as_str().unwrap();
    let pending = s.status(token).await;
    assert_eq!((pending.status, pending.json["status"].as_str()), (200, Some("pending")));
    assert!(pending.json["token"].is_string());

    s.accept(enrollment["transactionId"].as_str().unwrap()).await;
    let done = s.status(token).await;
    assert_eq!((done.status, done.json["status"].as_str()), (200, Some("succeeded")));
    assert_eq!(done.json["username"], "alice");

    let user_id = enrolled.json["userId"].as_str().unwrap();
    let user = s.api("GET", &format!("/api/v1/users/{user_id}"), None).await;
    assert_eq!(user.json["status"], "active");
    assert_eq!(user.json["authenticators"][0]["authenticatorType"], "app");
    assert_eq!(user.json["authenticators"][0]["type"], "ios");

    let approval = s.api("POST", "/api/v1/approval", Some(json!({"username": "alice", "channel": "push"}))).await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    assert_eq!(approval.json["userId"], user_id);
    assert_eq!(approval.json["authenticatorId"], user.json["authenticators"][0]["authenticatorId"]);
    let approval_token = approval.json["statusToken"].as_str().unwrap();
    assert_eq!(s.status(approval_token).await.json["status"], "pending");
    s.accept(approval.json["transactionId"].as_str().unwrap()).await;
    let succeeded = s.status(approval_token).await;
    assert_eq!((succeeded.status, succeeded.json["status"].as_str()), (200, Some("succeeded")));
    assert!(s.api("GET", &format!("/api/v1/users/{user_id}"), None).await.json["lastLoginDateSuccess"].is_string());
}

#[tokio::test]
async fn declined_approval_is_failed_with_412() {
    let s = Sim::start().await;
    s.active_app_user("bob").await;
    let approval = s
        .api(
            "POST",
            "/api/v1/approval",
            Some(json!({"username": "bob", "channel": "push", "prompt": "true", "message": "Pay 10 EUR?"})),
        )
        .await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    let declined = s
        .control("POST", &format!("/operations/{}/decline", approval.json["transactionId"].as_str().unwrap()), None)
        .await;
    assert_eq!(declined.json["status"], "failed");
    let failed = s.status(approval.json["statusToken"].as_str().unwrap()).await;
    assert_eq!(failed.status, 412);
    assert_eq!(failed.json["status"], "failed");
    // A final operation cannot be accepted any more.
    let again = s
        .control("POST", &format!("/operations/{}/accept", approval.json["transactionId"].as_str().unwrap()), None)
        .await;
    assert_eq!(again.status, 409);
}

#[tokio::test]
async fn pending_operation_expires_when_the_clock_passes_the_timeout() {
    let s = Sim::start().await;
    s.active_app_user("carol").await;
    let approval = s.api("POST", "/api/v1/approval", Some(json!({"username": "carol", "channel": "push"}))).await;
    let token = approval.json["statusToken"].as_str().unwrap();
    let advanced = s.control("POST", "/clock/advance", Some(json!({"seconds": 599}))).await;
    assert!(advanced.json["now"].is_string());
    assert_eq!(s.status(token).await.json["status"], "pending");
    s.control("POST", "/clock/advance", Some(json!({"seconds": 2}))).await;
    let expired = s.status(token).await;
    assert_eq!((expired.status, expired.json["status"].as_str()), (412, Some("failed")));
    // After the retention time the result is forgotten.
    s.control("POST", "/clock/advance", Some(json!({"seconds": 3600}))).await;
    assert_eq!(s.status(token).await.json, json!({"status": "unknown"}));
}

#[tokio::test]
async fn control_plane_expire_and_listing() {
    let s = Sim::start().await;
    let (user_id, _) = s.active_app_user("dave").await;
    let approval = s.api("POST", "/api/v1/approval", Some(json!({"userId": user_id, "channel": "push"}))).await;
    let id = approval.json["transactionId"].as_str().unwrap();
    let pending = s.control("GET", &format!("/operations?state=pending&userId={user_id}"), None).await;
    assert_eq!(pending.json.as_array().unwrap().len(), 1);
    assert_eq!(pending.json[0]["kind"], "approval");
    assert_eq!(pending.json[0]["channel"], "push");
    s.control("POST", &format!("/operations/{id}/expire"), None).await;
    assert_eq!(s.control("GET", &format!("/operations/{id}"), None).await.json["status"], "failed");
    let all = s.control("GET", "/operations", None).await;
    assert_eq!(all.json.as_array().unwrap().len(), 2, "oldest first: the enrolment and the approval");
    assert_eq!(all.json[0]["kind"], "enroll");
    assert_eq!(s.control("GET", "/operations/nope", None).await.status, 404);
}

#[tokio::test]
async fn usernameless_app_approval_reveals_the_user_only_once_succeeded() {
    let s = Sim::start().await;
    let (user_id, _) = s.active_app_user("erin").await;
    let approval = s.api("POST", "/api/v1/approval", Some(json!({"channel": "app", "authenticatorId": "*"}))).await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    assert!(approval.json.get("userId").is_none());
    assert!(approval.json["qrCode"].is_object());
    let token = approval.json["statusToken"].as_str().unwrap();
    assert!(s.status(token).await.json.get("userId").is_none());
    s.accept(approval.json["transactionId"].as_str().unwrap()).await;
    let done = s.status(token).await;
    assert_eq!(done.json["status"], "succeeded");
    assert_eq!(done.json["userId"], user_id);
    assert_eq!(done.json["username"], "erin");
}

#[tokio::test]
async fn stats_count_the_operations_the_api_created() {
    let s = Sim::start().await;
    s.active_app_user("fred").await;
    s.api("POST", "/api/v1/approval", Some(json!({"username": "fred", "channel": "push"}))).await;
    let stats = s.control("GET", "/stats", None).await;
    assert_eq!(stats.json["created"], json!({"enroll": 1, "approval": 1, "sms": 0, "intent": 0}));
    assert!(stats.json["requests"].as_u64().unwrap() >= 2);
    assert_eq!(s.control("POST", "/reset", None).await.status, 204);
    let stats = s.control("GET", "/stats", None).await;
    assert_eq!(stats.json["created"]["approval"], 0);
    assert_eq!(s.api("GET", "/api/v1/users?username=fred", None).await.status, 404);
}
