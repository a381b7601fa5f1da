//! FIDO2: enrolment with the attestation completion and approval with the assertion completion.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::Sim;
use serde_json::{Value, json};

fn client_data(challenge: &str, kind: &str) -> String {
    URL_SAFE_NO_PAD.encode(json!({"type": kind, "challenge": challenge, "origin": "https://localhost"}).to_string())
}

async fn enrolled_passkey(s: &Sim, username: &str, credential_id: &str) -> Value {
    let enrolled = s
        .api(
            "POST",
            "/api/v1/users/enroll",
            Some(json!({"username": username, "channel": "fido2", "displayName": "Jane Doe"})),
        )
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text);
    let options = &enrolled.json["enrollment"]["credentialCreationOptions"];
    assert_eq!(options["rp"]["id"], "127.0.0.1");
    assert_eq!(options["user"]["displayName"], "Jane Doe");
    let challenge = options["challenge"].as_str().unwrap();
    // No statusToken: the simulator finds the ceremony by the challenge in clientDataJSON.
    let result = s
        .call("POST", "/_app/attestation/result", None, Some(json!({
            "type": "public-key",
            "id": credential_id,
            "response": {"clientDataJSON": client_data(challenge, "webauthn.create"), "attestationObject": "o2NmbXRkbm9uZQ"},
            "userFriendlyName": "YubiKey",
        })))
        .await;
    assert_eq!(result.status, 200, "{}", result.text);
    assert_eq!(result.json["status"], "ok");
    assert_eq!(result.json["errorMessage"], "");
    assert!(result.json["token"].as_str().unwrap().starts_with("eyJ"));
    enrolled.json
}

#[tokio::test]
async fn fido2_enrolment_and_approval_complete_through_the_app_endpoints() {
    let s = Sim::start().await;
    let enrolled = enrolled_passkey(&s, "jane", "Y3JlZC0x").await;
    let status = s.status(enrolled["enrollment"]["statusToken"].as_str().unwrap()).await;
    assert_eq!(status.json["status"], "succeeded");
    let user_id = enrolled["userId"].as_str().unwrap();
    let user = s.api("GET", &format!("/api/v1/users/{user_id}"), None).await;
    assert_eq!(user.json["authenticators"][0]["authenticatorType"], "fido2");
    assert_eq!(user.json["authenticators"][0]["name"], "YubiKey");

    let approval = s.api("POST", "/api/v1/approval", Some(json!({"username": "jane", "channel": "fido2"}))).await;
    assert_eq!(approval.status, 200, "{}", approval.text);
    let options = &approval.json["credentialRequestOptions"];
    assert_eq!(options["allowCredentials"][0]["id"], "Y3JlZC0x");
    let token = approval.json["statusToken"].as_str().unwrap();
    let assertion = json!({
        "type": "public-key",
        "id": "Y3JlZC0x",
        "response": {
            "clientDataJSON": client_data(options["challenge"].as_str().unwrap(), "webauthn.get"),
            "authenticatorData": "SZYN5YgO", "signature": "MEUCIQ", "userHandle": URL_SAFE_NO_PAD.encode(user_id),
        },
        "statusToken": token,
    });
    let result = s.call("POST", "/_app/assertion/result", None, Some(assertion.clone())).await;
    assert_eq!((result.status, result.json["status"].as_str()), (200, Some("ok")), "{}", result.text);
    assert_eq!(s.status(token).await.json["status"], "succeeded");
    // The ceremony is over: a second completion fails.
    let again = s.call("POST", "/_app/assertion/result", None, Some(assertion)).await;
    assert_eq!((again.status, again.json["status"].as_str()), (400, Some("failed")));
}

#[tokio::test]
async fn fido2_failures_answer_status_failed() {
    let s = Sim::start().await;
    enrolled_passkey(&s, "kim", "Y3JlZC0y").await;
    let approval = s.api("POST", "/api/v1/approval", Some(json!({"channel": "fido2"}))).await;
    assert_eq!(approval.status, 200, "usernameless autofill: {}", approval.text);
    assert_eq!(approval.json["credentialRequestOptions"]["allowCredentials"], json!([]));
    let challenge = approval.json["credentialRequestOptions"]["challenge"].as_str().unwrap();
    let unknown_credential = s
        .call("POST", "/_app/assertion/result", None, Some(json!({
            "type": "public-key", "id": "bm9wZQ",
            "response": {"clientDataJSON": client_data(challenge, "webauthn.get"), "authenticatorData": "AA", "signature": "AA", "userHandle": "AA"},
        })))
        .await;
    assert_eq!(unknown_credential.status, 400);
    assert_eq!(unknown_credential.json["status"], "failed");
    assert_eq!(s.status(approval.json["statusToken"].as_str().unwrap()).await.status, 412);

    let empty_handle = s
        .call("POST", "/_app/assertion/result", None, Some(json!({
            "type": "public-key", "id": "Y3JlZC0y",
            "response": {"clientDataJSON": client_data(challenge, "webauthn.get"), "authenticatorData": "AA", "signature": "AA", "userHandle": ""},
        })))
        .await;
    assert_eq!(empty_handle.status, 400);
    assert!(empty_handle.json["errorMessage"].as_str().unwrap().contains("userHandle"));

    let missing_display_name =
        s.api("POST", "/api/v1/users/enroll", Some(json!({"username": "kim", "channel": "fido2"}))).await;
    common::assert_error(&missing_display_name, 400, "/api/v1/users/enroll", "displayName");
}

/// Without `fido2Options` a registration asks for what the registration reference's example
/// shows; whatever `fido2Options` says replaces those defaults.
#[tokio::test]
async fn registration_options_default_to_the_documented_example_and_follow_fido2_options() {
    let s = Sim::start().await;
    let enroll = |username: &str, extra: Value| {
        let mut body = json!({"username": username, "channel": "fido2", "displayName": "Pat"});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        s.api("POST", "/api/v1/users/enroll", Some(body))
    };
    let plain = enroll("pat", json!({})).await;
    assert_eq!(plain.status, 200, "{}", plain.text);
    let options = &plain.json["enrollment"]["credentialCreationOptions"];
    assert_eq!(
        options["authenticatorSelection"],
        json!({"requireResidentKey": true, "authenticatorAttachment": "platform", "userVerification": "preferred"})
    );
    assert_eq!(options["timeout"], 10_000);
    assert_eq!(options["attestation"], "direct");

    let chosen = json!({"fido2Options": {
        "attestation": "none",
        "authenticatorSelection": {"authenticatorAttachment": "cross-platform", "residentKey": "discouraged", "requireResidentKey": false},
    }});
    let custom = enroll("quinn", chosen).await;
    assert_eq!(custom.status, 200, "{}", custom.text);
    let options = &custom.json["enrollment"]["credentialCreationOptions"];
    assert_eq!(
        options["authenticatorSelection"],
        json!({"authenticatorAttachment": "cross-platform", "residentKey": "discouraged", "requireResidentKey": false, "userVerification": "preferred"})
    );
    assert_eq!(options["attestation"], "none");

    let required =
        enroll("rory", json!({"fido2Options": {"authenticatorSelection": {"userVerification": "required"}}})).await;
    let options = &required.json["enrollment"]["credentialCreationOptions"];
    assert_eq!(options["authenticatorSelection"], json!({"userVerification": "required"}));
    assert_eq!(options["attestation"], "direct");
}
