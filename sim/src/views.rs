//! JSON shapes of the resources as the API and the control plane show them (spec §3 and open
//! questions 8–10). Kept apart from the handlers so every endpoint renders a user the same way.

use serde_json::{Value, json};

use crate::clock::{Millis, iso};
use crate::model::*;

pub fn authenticator(a: &Authenticator) -> Value {
    let mut value = json!({
        "authenticatorId": a.authenticator_id,
        "name": a.name,
        "authenticatorType": match a.kind { AuthenticatorType::App => "app", AuthenticatorType::Fido2 => "fido2" },
        "state": "active",
        "enrolledAt": iso(a.enrolled_at),
        "updatedAt": iso(a.updated_at),
    });
    if a.kind == AuthenticatorType::App {
        value["type"] = json!(a.platform.clone().unwrap_or_else(|| "ios".into()));
        value["uaf"] = json!({
            "userAgent": a.user_agent.clone().unwrap_or_default(),
            "deviceRef": a.device_ref.clone().unwrap_or_default(),
            "userDisabledPushNotification": false,
        });
    }
    value
}

pub fn phone(p: &Phone) -> Value {
    json!({
        "phoneId": p.phone_id,
        "phone": p.number,
        "status": if p.active { "active" } else { "new" },
        "createdAt": iso(p.created_at),
        "updatedAt": iso(p.updated_at),
    })
}

/// A user as the API shows it; `exceeded` lists the channels whose rate limit blocks the user now
/// (`exceededRateLimits`, present only while blocked: open question 17).
pub fn user(u: &User, exceeded: &[Channel]) -> Value {
    let mut value = json!({
        "userId": u.user_id,
        "username": u.username,
        "status": if u.is_active() { "active" } else { "new" },
        "createdAt": iso(u.created_at),
        "updatedAt": iso(u.updated_at),
        "authenticators": u.authenticators.iter().map(authenticator).collect::<Vec<_>>(),
        "phones": u.phones.iter().map(phone).collect::<Vec<_>>(),
        "recoveryCodes": u.recovery_codes.as_ref().map(|r| json!({"createdAt": iso(r.created_at), "remaining": r.unused.len()})),
    });
    if let Some(at) = u.last_login_success {
        value["lastLoginDateSuccess"] = json!(iso(at));
    }
    if let Some(at) = u.last_login_failure {
        value["lastLoginDateFailure"] = json!(iso(at));
    }
    if !exceeded.is_empty() {
        value["exceededRateLimits"] = json!(exceeded.iter().map(|c| c.as_str()).collect::<Vec<_>>());
    }
    value
}

/// The Azure AD B2C flavour: app authenticators only, flattened into one JSON string (§2.10).
pub fn azure_user(u: &User) -> Value {
    let apps: Vec<Value> =
        u.authenticators.iter().filter(|a| a.kind == AuthenticatorType::App).map(authenticator).collect();
    json!({
        "userId": u.user_id,
        "username": u.username,
        "status": if u.is_active() { "active" } else { "new" },
        "createdAt": iso(u.created_at),
        "updatedAt": iso(u.updated_at),
        "lastLoginDateSuccess": u.last_login_success.map(iso),
        "lastLoginDateFailure": u.last_login_failure.map(iso),
        "authenticators": Value::Array(apps).to_string(),
    })
}

/// The control plane's view of an operation (CONTRACT.md `Operation`).
pub fn operation(op: &Operation) -> Value {
    let mut value = json!({
        "transactionId": op.transaction_id,
        "kind": op.kind.as_str(),
        "channel": op.channel.as_str(),
        "status": op.status.as_str(),
        "statusToken": op.status_token,
        "createdAt": iso(op.created_at),
        "lastUpdatedAt": iso(op.last_updated_at),
    });
    if let Some(id) = &op.user_id {
        value["userId"] = json!(id);
    }
    if let Some(name) = &op.username {
        value["username"] = json!(name);
    }
    if let Some(id) = &op.authenticator_id {
        value["authenticatorId"] = json!(id);
    }
    if let Some(message) = &op.message {
        value["message"] = json!(message);
    }
    value
}

/// The `/api/v1/status` answer for a known operation.
pub fn status(op: &Operation) -> Value {
    let mut value = json!({
        "transactionId": op.transaction_id,
        "status": op.status.as_str(),
        "token": op.transaction_token,
        "createdAt": iso(op.created_at),
        "lastUpdatedAt": iso(op.last_updated_at),
    });
    let reveal = !op.usernameless || op.status == OperationStatus::Succeeded;
    if reveal {
        if let Some(id) = &op.user_id {
            value["userId"] = json!(id);
        }
        if let Some(name) = &op.username {
            value["username"] = json!(name);
        }
    }
    value
}

/// A tiny valid PNG (1×1, white) for `qrCode.dataUri`; open question 6 allows any PNG.
const QR_PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAWk1v8QAAAABJRU5ErkJggg==";

pub fn qr_code() -> Value {
    json!({"type": "image/png", "size": 300, "dataUri": format!("data:image/png;base64,{QR_PNG_BASE64}")})
}

/// Deep link for the phone (open question 7); the content is opaque to clients.
pub fn app_link(instance_url: &str, transaction_id: &str, now: Millis) -> String {
    use base64::Engine;
    let payload = json!({"transactionId": transaction_id, "issuedAt": now}).to_string();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload);
    format!("{instance_url}/open?dispatchTokenResponse={token}")
}
