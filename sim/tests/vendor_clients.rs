//! Requests the vendor's own example apps and integrations send, which the real service serves:
//! paths with a trailing slash (the FIDO2 example app for Android) and approvals that name no
//! channel (the Azure AD B2C integration). One test per route family; where a client and the API
//! reference disagree on a field, the reference stands.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Sim, assert_error};
use serde_json::{Value, json};

fn client_data(challenge: &str, kind: &str) -> String {
    URL_SAFE_NO_PAD.encode(json!({"type": kind, "challenge": challenge, "origin": "https://localhost"}).to_string())
}

/// A passkey registered the way the Android example app does it: every path with a trailing slash,
/// the attestation sent with `Content-Type: application/json;charset=utf-8`.
async fn passkey_over_slashed_paths(s: &Sim, username: &str, credential_id: &str) -> String {
    let enrolled = s
        .api(
            "POST",
            "/api/v1/users/enroll/",
            Some(json!({"username": username, "displayName": "Jane Doe", "channel": "fido2",
                        "fido2Options": {"authenticatorSelection": {"residentKey": "required"}}})),
        )
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let status_token = enrolled.json["enrollment"]["statusToken"].as_str().unwrap();
    let challenge = enrolled.json["enrollment"]["credentialCreationOptions"]["challenge"].as_str().unwrap();
    let attestation = json!({
        "id": credential_id,
        "type": "public-key",
        "statusToken": status_token,
        "response": {"clientDataJSON": client_data(challenge, "webauthn.create"), "attestationObject": "o2NmbXRkbm9uZQ"},
        "userFriendlyName": "Pixel 9",
        "userAgent": "Android 15; Pixel 9",
    });
    let response = s
        .http
        .post(s.url("/_app/attestation/result/"))
        .header("accept", "application/json")
        .header("content-type", "application/json;charset=utf-8")
        .body(attestation.to_string())
        .send()
        .await
        .expect("sent");
    let result = common::answer(response).await;
    assert_eq!((result.status, result.json["status"].as_str()), (200, Some("ok")), "{}", result.text);
    assert_eq!(s.status(status_token).await.json["status"], "succeeded");
    enrolled.json["userId"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_android_fido2_flow_works_with_trailing_slashes() {
    let s = Sim::start().await;
    let user_id = passkey_over_slashed_paths(&s, "jane", "Y3JlZC1h").await;

    let approval = s
        .api(
            "POST",
            "/api/v1/approval/",
            Some(json!({"username": "jane", "channel": "fido2", "fido2Options": {"userVerification": "required"}})),
        )
        .await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    let options = &approval.json["credentialRequestOptions"];
    assert_eq!(options["userVerification"], "required");
    let token = approval.json["statusToken"].as_str().unwrap();
    let assertion = |user_handle: Option<String>| {
        let mut response = json!({
            "clientDataJSON": client_data(options["challenge"].as_str().unwrap(), "webauthn.get"),
            "authenticatorData": "SZYN5YgO",
            "signature": "MEUCIQ",
        });
        if let Some(handle) = user_handle {
            response["userHandle"] = json!(handle);
        }
        json!({"id": "Y3JlZC1h", "type": "public-key", "statusToken": token, "response": response,
               "userAgent": "Android 15; Pixel 9"})
    };

    // The example app may leave out userHandle; the API reference requires it, so it is refused
    // on the slashed path exactly as on the plain one, and the ceremony stays open.
    let without_handle = s.call("POST", "/_app/assertion/result/", None, Some(assertion(None))).await;
    assert_eq!((without_handle.status, without_handle.json["status"].as_str()), (400, Some("failed")));
    assert!(without_handle.json["errorMessage"].as_str().unwrap().contains("userHandle"), "{}", without_handle.text);
    assert_eq!(s.status(token).await.json["status"], "pending");

    let handle = URL_SAFE_NO_PAD.encode(&user_id);
    let done = s.call("POST", "/_app/assertion/result/", None, Some(assertion(Some(handle)))).await;
    assert_eq!((done.status, done.json["status"].as_str()), (200, Some("ok")), "{}", done.text);
    assert_eq!(s.status(token).await.json["status"], "succeeded");
}

#[tokio::test]
async fn enrolment_approval_and_status_accept_a_trailing_slash() {
    let s = Sim::start().await;
    let enrolled = s.api("POST", "/api/v1/users/enroll/", Some(json!({"username": "otto"}))).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    s.accept(enrolled.json["enrollment"]["transactionId"].as_str().unwrap()).await;

    let approval = s.api("POST", "/api/v1/approval/", Some(json!({"username": "otto", "channel": "push"}))).await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    let token = approval.json["statusToken"].as_str().unwrap();
    let pending = s.call("POST", "/api/v1/status/", None, Some(json!({"statusToken": token}))).await;
    assert_eq!((pending.status, pending.json["status"].as_str()), (200, Some("pending")), "{}", pending.text);

    // The slash changes nothing else: a wrong method is still a 405 naming what is allowed, and an
    // error body names the path as the client sent it.
    let wrong_method = s.api("GET", "/api/v1/approval/", None).await;
    assert_eq!(wrong_method.status, 405, "{}", wrong_method.text);
    assert_eq!(wrong_method.headers["allow"], "POST");
    assert_error(&s.api("POST", "/api/v1/approval/", Some(json!({}))).await, 400, "/api/v1/approval/", "username");
    // Only one slash is optional.
    assert_eq!(s.api("POST", "/api/v1/approval//", Some(json!({"username": "otto"}))).await.status, 404);
}

#[tokio::test]
async fn intent_and_introspection_accept_a_trailing_slash() {
    let s = Sim::start().await;
    s.active_app_user("ida").await;
    let minted = s.api("POST", "/api/v1/intent/", Some(json!({"username": "ida", "operation": "approve"}))).await;
    assert_eq!(minted.status, 200, "{}", minted.text);
    let intent = minted.json["token"].as_str().unwrap();
    let response = s
        .http
        .post(s.url("/api/v1/introspect/"))
        .bearer_auth(s.sim.access_key())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("token", intent)]).unwrap())
        .send()
        .await
        .expect("sent");
    let introspected = common::answer(response).await;
    assert_eq!(introspected.status, 200, "{}", introspected.text);
    assert_eq!(
        (introspected.json["active"].as_bool(), introspected.json["scope"].as_str()),
        (Some(true), Some("intent"))
    );
}

#[tokio::test]
async fn the_user_collection_and_a_user_stay_apart_with_a_trailing_slash() {
    let s = Sim::start().await;
    let (user_id, _) = s.active_app_user("uma").await;
    let by_id = s.api("GET", &format!("/api/v1/users/{user_id}/"), None).await;
    assert_eq!((by_id.status, by_id.json["username"].as_str()), (200, Some("uma")), "{}", by_id.text);

    // `/users/` is the collection (find by username), never a user with an empty id.
    let found = s.api("GET", "/api/v1/users/?username=uma", None).await;
    assert_eq!(found.json, by_id.json);
    assert_error(&s.api("GET", "/api/v1/users/", None).await, 400, "/api/v1/users/", "username");
    assert_eq!(s.api("DELETE", "/api/v1/users/", None).await.status, 405);
    assert_eq!(s.api("GET", "/api/v1/users//", None).await.status, 404);
    assert_eq!(s.api("DELETE", "/api/v1/users//", None).await.status, 404);

    let azure = s.api("GET", &format!("/api/v1/aadb2c/users/?objectId={user_id}"), None).await;
    assert_eq!(azure.status, 200, "{}", azure.text);

    let deleted = s.api("DELETE", &format!("/api/v1/users/{user_id}/"), None).await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert_eq!(s.api("GET", &format!("/api/v1/users/{user_id}"), None).await.status, 404);
}

#[tokio::test]
async fn verification_accepts_a_trailing_slash() {
    let s = Sim::start().await;
    let enrolled =
        s.api("POST", "/api/v1/users/enroll/", Some(json!({"username": "vera", "channel": "recovery"}))).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let code = enrolled.json["recoveryCodes"]["codes"][0].clone();
    let user_id = enrolled.json["userId"].as_str().unwrap();
    let path = format!("/api/v1/users/{user_id}/verification/");
    let verified = s.api("POST", &path, Some(json!({"code": code, "channel": "recovery"}))).await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    assert_error(&s.api("POST", &path, Some(json!({"code": code, "channel": "recovery"}))).await, 400, &path, "code");
}

#[tokio::test]
async fn authenticators_accept_a_trailing_slash() {
    let s = Sim::start().await;
    let (_, authenticator_id) = s.active_app_user("abe").await;
    let path = format!("/api/v1/authenticators/{authenticator_id}/");
    let renamed = s.api("PATCH", &path, Some(json!({"name": "Work Phone"}))).await;
    assert_eq!((renamed.status, renamed.json["name"].as_str()), (200, Some("Work Phone")), "{}", renamed.text);
    assert_eq!(s.api("DELETE", &path, None).await.status, 204);
    // There is no authenticator collection, and an empty segment is not an id.
    assert_eq!(s.api("DELETE", "/api/v1/authenticators/", None).await.status, 404);
    assert_eq!(s.api("DELETE", "/api/v1/authenticators//", None).await.status, 404);
}

#[tokio::test]
async fn log_export_and_ping_accept_a_trailing_slash() {
    let s = Sim::start().await;
    s.active_app_user("lou").await;
    let logs = s.api("GET", "/api/v1/logs/export/?filter=lou", None).await;
    assert_eq!(logs.status, 200, "{}", logs.text);
    assert!(logs.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(logs.text.lines().count() > 1, "{}", logs.text);
    let pong = s.call("GET", "/ping/", None, None).await;
    assert_eq!((pong.status, pong.text.as_str()), (200, "PONG"));
}

#[tokio::test]
async fn the_control_plane_and_faults_treat_the_slash_as_routes_do() {
    let s = Sim::start().await;
    let enrolled = s.api("POST", "/api/v1/users/enroll", Some(json!({"username": "cleo"}))).await;
    let transaction = enrolled.json["enrollment"]["transactionId"].as_str().unwrap();
    let accepted = s.control("POST", &format!("/operations/{transaction}/accept/"), None).await;
    assert_eq!((accepted.status, accepted.json["status"].as_str()), (200, Some("succeeded")), "{}", accepted.text);
    assert_eq!(s.control("GET", "/stats/", None).await.json["created"]["enroll"], 1);

    // A fault registered for a route meets the route however the client spells it.
    let fault = json!({"method": "POST", "path": "/api/v1/approval", "fault": "status", "status": 503});
    assert_eq!(s.control("POST", "/faults/", Some(fault)).await.status, 201);
    let faulted = s.api("POST", "/api/v1/approval/", Some(json!({"username": "cleo", "channel": "push"}))).await;
    assert_eq!(faulted.status, 503, "{}", faulted.text);
    assert_eq!(s.control("GET", "/faults", None).await.json, json!([]));
}

// ---- approvals without a channel ----------------------------------------------------------------

#[tokio::test]
async fn the_azure_b2c_flow_approves_without_a_channel_as_push() {
    let s = Sim::start().await;
    let object_id = "5b0c2d1e-7f3a-4c8b-9e6d-1a2b3c4d5e6f";
    let before = s.api("GET", &format!("/api/v1/aadb2c/users?objectId={object_id}"), None).await;
    assert_eq!(before.json["status"], Value::Null);
    let enrolled = s.api("POST", "/api/v1/users/enroll", Some(json!({"username": object_id}))).await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let accepted = s.accept(enrolled.json["enrollment"]["transactionId"].as_str().unwrap()).await;

    let approval = s.api("POST", "/api/v1/approval", Some(json!({"username": object_id}))).await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    assert_eq!(approval.json["authenticatorId"], accepted.json["authenticatorId"]);
    assert!(approval.json.get("qrCode").is_none(), "push, not app: {}", approval.text);
    let transaction = approval.json["transactionId"].as_str().unwrap();
    let operation = s.control("GET", &format!("/operations/{transaction}"), None).await;
    assert_eq!(operation.json["channel"], "push");

    let token = approval.json["statusToken"].as_str().unwrap();
    assert_eq!(s.status(token).await.json["status"], "pending");
    s.accept(transaction).await;
    assert_eq!(s.status(token).await.json["status"], "succeeded");
}

#[tokio::test]
async fn an_approval_without_a_channel_follows_the_push_rules() {
    let s = Sim::start().await;
    let path = "/api/v1/approval";
    let nobody = s.api("POST", path, Some(json!({}))).await;
    assert_error(&nobody, 400, path, "username or userId must be given for channel push");
    let any = s.api("POST", path, Some(json!({"username": "pia", "authenticatorId": "*"}))).await;
    assert_error(&any, 400, path, "only allowed with channel app");
    let prompt = s.api("POST", path, Some(json!({"username": "pia", "prompt": true}))).await;
    assert_error(&prompt, 400, path, "message must not be empty");
    // `null` is as good as absent; an empty or unknown channel is still refused.
    assert_error(&s.api("POST", path, Some(json!({"username": "pia", "channel": null}))).await, 404, path, "pia");
    assert_error(&s.api("POST", path, Some(json!({"username": "pia", "channel": ""}))).await, 400, path, "channel ''");
    assert_error(&s.api("POST", path, Some(json!({"username": "pia", "channel": 7}))).await, 400, path, "channel");
}
