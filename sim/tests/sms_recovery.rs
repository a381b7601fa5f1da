//! SMS registration and approval with the code read from the control plane; recovery codes.

mod common;

use common::{Sim, assert_error};
use serde_json::json;

#[tokio::test]
async fn sms_enrol_then_approve_with_the_code_from_the_control_plane() {
    let s = Sim::start().await;
    let phone = "+41791234567";
    let enrolled = s
        .api(
            "POST",
            "/api/v1/users/enroll",
            Some(json!({"username": "sam", "channel": "sms", "phone": phone, "message": "Code: {{CODE}}"})),
        )
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    assert_eq!(enrolled.json["phones"][0]["status"], "new");
    let user_id = enrolled.json["userId"].as_str().unwrap().to_string();
    let token = enrolled.json["enrollment"]["statusToken"].as_str().unwrap().to_string();
    let sms = s.control("GET", &format!("/phones/{phone}/last-sms"), None).await;
    assert_eq!(sms.status, 200, "{}", sms.text);
    let code = sms.json["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    assert_eq!(sms.json["text"], format!("Code: {code}"));
    // SMS operations are not accepted by the phone; they complete by the code.
    let accept =
        s.control("POST", &format!("/operations/{}/accept", sms.json["transactionId"].as_str().unwrap()), None).await;
    assert_eq!(accept.status, 409);

    let path = format!("/api/v1/users/{user_id}/verification");
    let wrong = s.api("POST", &path, Some(json!({"code": "000000x", "statusToken": token}))).await;
    assert_error(&wrong, 400, &path, "code");
    let ok = s.api("POST", &path, Some(json!({"code": code, "statusToken": token}))).await;
    assert_eq!((ok.status, ok.text.as_str()), (200, ""));
    let user = s.api("GET", &format!("/api/v1/users/{user_id}"), None).await;
    assert_eq!(user.json["status"], "active");
    assert_eq!(user.json["phones"][0]["status"], "active");

    let approval = s.api("POST", "/api/v1/approval", Some(json!({"userId": user_id, "channel": "sms"}))).await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    let sms = s.control("GET", "/phones/%2B41791234567/last-sms", None).await;
    assert_eq!(sms.json["text"], format!("Your code is {}", sms.json["code"].as_str().unwrap()));
    let token = approval.json["statusToken"].as_str().unwrap();
    let verified = s.api("POST", &path, Some(json!({"code": sms.json["code"], "statusToken": token}))).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    // The code is spent with its operation.
    let reused = s.api("POST", &path, Some(json!({"code": sms.json["code"], "statusToken": token}))).await;
    assert_eq!(reused.status, 400);
    assert_eq!(s.control("GET", "/stats", None).await.json["created"]["sms"], 2);
}

#[tokio::test]
async fn sms_rules_and_conflicts() {
    let s = Sim::start().await;
    let path = "/api/v1/users/enroll";
    let no_phone = s.api("POST", path, Some(json!({"username": "tim", "channel": "sms"}))).await;
    assert_error(&no_phone, 400, path, "phone");
    let bad_phone =
        s.api("POST", path, Some(json!({"username": "tim", "channel": "sms", "phone": "0791234567"}))).await;
    assert_error(&bad_phone, 400, path, "international format");
    let no_code = s
        .api("POST", path, Some(json!({"username": "tim", "channel": "sms", "phone": "+41791234568", "message": "hi"})))
        .await;
    assert_error(&no_code, 400, path, "{{CODE}}");
    let first = s.api("POST", path, Some(json!({"username": "tim", "channel": "sms", "phone": "+41791234568"}))).await;
    assert_eq!(first.status, 200);
    let duplicate =
        s.api("POST", path, Some(json!({"username": "tim", "channel": "sms", "phone": "+41791234568"}))).await;
    assert_error(&duplicate, 409, path, "already registered");
    // Approval by SMS needs a confirmed phone.
    let unconfirmed = s.api("POST", "/api/v1/approval", Some(json!({"username": "tim", "channel": "sms"}))).await;
    assert_error(&unconfirmed, 400, "/api/v1/approval", "sms");
}

#[tokio::test]
async fn recovery_codes_are_single_use() {
    let s = Sim::start().await;
    let enrolled =
        s.api("POST", "/api/v1/users/enroll", Some(json!({"username": "rita", "channel": "recovery"}))).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let codes = enrolled.json["recoveryCodes"]["codes"].as_array().unwrap().clone();
    assert_eq!(codes.len(), 10);
    assert_eq!(codes[0].as_str().unwrap().len(), 19, "xxxx-xxxx-xxxx-xxxx");
    let user_id = enrolled.json["userId"].as_str().unwrap();
    let from_control = s.control("GET", &format!("/users/{user_id}/recovery-codes"), None).await;
    assert_eq!(from_control.json["codes"].as_array().unwrap(), &codes);

    let path = format!("/api/v1/users/{user_id}/verification");
    let ok = s.api("POST", &path, Some(json!({"code": codes[0], "channel": "recovery"}))).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let reused = s.api("POST", &path, Some(json!({"code": codes[0], "channel": "recovery"}))).await;
    assert_error(&reused, 400, &path, "recovery code");
    let user = s.api("GET", &format!("/api/v1/users/{user_id}"), None).await;
    assert_eq!(user.json["recoveryCodes"]["remaining"], 9);
    assert!(user.json["recoveryCodes"].get("codes").is_none());

    let missing_code = s.api("POST", &path, Some(json!({"channel": "recovery"}))).await;
    assert_error(&missing_code, 400, &path, "code");
    let unknown_user = s
        .api(
            "POST",
            "/api/v1/users/00000000-0000-4000-8000-000000000000/verification",
            Some(json!({"code": "x", "channel": "recovery"})),
        )
        .await;
    assert_eq!(unknown_user.status, 404);
}
