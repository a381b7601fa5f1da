//! The FIDO2 ceremony completions `/_app/attestation/result` and `/_app/assertion/result`
//! (spec §2.14–2.15, open question 19). No credential: the status token, or the challenge inside
//! `clientDataJSON`, names the pending ceremony. Signatures are not verified; the outcome is
//! "ok" for a well-formed result that fits a pending ceremony, and `{status:"failed"}` (400)
//! otherwise. Tests steer failures through the control plane (decline/expire first).

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use http::StatusCode;
use serde_json::{Map, Value, json};

use crate::api::validate::opt_str;
use crate::errors::{ApiError, ApiResult};
use crate::model::*;
use crate::request::ApiRequest;
use crate::response::json_response;
use crate::state::{Actor, Sim, State};

pub fn attestation(sim: &Sim, req: &ApiRequest) -> ApiResult {
    let body = req.json_object()?;
    let (credential_id, response) = common_fields(&body)?;
    for field in ["clientDataJSON", "attestationObject"] {
        required_b64(&response, field)?;
    }
    let friendly_name = opt_str(&body, "userFriendlyName").map_err(failed_from)?;
    let user_agent = opt_str(&body, "userAgent").map_err(failed_from)?;
    let now = sim.now();
    let mut st = sim.write();
    let op = find_ceremony(sim, &mut st, &body, &response, OperationKind::Enroll, now)?;
    let user_id = op.user_id.clone().ok_or_else(|| failed("the registration has no user"))?;
    if st.users.values().any(|u| u.authenticators.iter().any(|a| a.credential_id.as_deref() == Some(credential_id))) {
        return Err(failed("the credential is already registered"));
    }
    let authenticator_id = uuid::Uuid::new_v4().to_string();
    {
        let user = st.users.get_mut(&user_id).ok_or_else(|| failed("the user no longer exists"))?;
        if user.authenticators.len() >= crate::api::enroll::MAX_AUTHENTICATORS {
            return Err(failed("the user already has the maximum number of authenticators"));
        }
        user.authenticators.push(Authenticator {
            authenticator_id: authenticator_id.clone(),
            name: friendly_name.filter(|n| !n.is_empty()).unwrap_or("Passkey").to_string(),
            kind: AuthenticatorType::Fido2,
            platform: None,
            enrolled_at: now,
            updated_at: now,
            device_ref: None,
            user_agent: user_agent.map(str::to_string),
            credential_id: Some(credential_id.to_string()),
        });
        user.updated_at = now;
    }
    st.authenticator_owner.insert(authenticator_id.clone(), user_id);
    if let Some(stored) = st.operations.get_mut(&op.transaction_id) {
        stored.authenticator_id = Some(authenticator_id);
    }
    let done = sim
        .finish_operation(&mut st, &op.transaction_id, OperationStatus::Succeeded, Actor::User, now, "")
        .ok_or_else(|| failed("the ceremony vanished"))?;
    Ok(json_response(StatusCode::OK, &json!({"status": "ok", "errorMessage": "", "token": done.transaction_token})))
}

pub fn assertion(sim: &Sim, req: &ApiRequest) -> ApiResult {
    let body = req.json_object()?;
    let (credential_id, response) = common_fields(&body)?;
    for field in ["clientDataJSON", "authenticatorData", "signature", "userHandle"] {
        required_b64(&response, field)?;
    }
    let now = sim.now();
    let mut st = sim.write();
    let op = find_ceremony(sim, &mut st, &body, &response, OperationKind::Approval, now)?;
    let owner = st
        .users
        .values()
        .find(|u| u.authenticators.iter().any(|a| a.credential_id.as_deref() == Some(credential_id)))
        .cloned();
    let Some(owner) = owner else {
        sim.finish_operation(
            &mut st,
            &op.transaction_id,
            OperationStatus::Failed,
            Actor::User,
            now,
            "unknown credential",
        );
        return Err(failed("the credential is not registered"));
    };
    if op.user_id.as_ref().is_some_and(|id| *id != owner.user_id) {
        sim.finish_operation(
            &mut st,
            &op.transaction_id,
            OperationStatus::Failed,
            Actor::User,
            now,
            "credential of another user",
        );
        return Err(failed("the credential belongs to another user"));
    }
    let authenticator_id = owner
        .authenticators
        .iter()
        .find(|a| a.credential_id.as_deref() == Some(credential_id))
        .map(|a| a.authenticator_id.clone());
    if let Some(stored) = st.operations.get_mut(&op.transaction_id) {
        stored.user_id = Some(owner.user_id.clone());
        stored.username = owner.username.clone();
        stored.authenticator_id = authenticator_id;
    }
    let done = sim
        .finish_operation(&mut st, &op.transaction_id, OperationStatus::Succeeded, Actor::User, now, "")
        .ok_or_else(|| failed("the ceremony vanished"))?;
    Ok(json_response(StatusCode::OK, &json!({"status": "ok", "errorMessage": "", "token": done.transaction_token})))
}

/// `type`, `id` and the `response` object every ceremony result carries.
fn common_fields(body: &Map<String, Value>) -> Result<(&str, Map<String, Value>), ApiError> {
    match opt_str(body, "type").map_err(failed_from)? {
        Some("public-key") => {}
        Some(other) => return Err(failed(&format!("type '{other}' is not supported (only public-key)"))),
        None => return Err(failed("type must not be empty")),
    }
    let id = opt_str(body, "id")
        .map_err(failed_from)?
        .filter(|i| !i.is_empty())
        .ok_or_else(|| failed("id must not be empty"))?;
    let response = match body.get("response") {
        Some(Value::Object(map)) => map.clone(),
        _ => return Err(failed("response must be an object")),
    };
    Ok((id, response))
}

fn required_b64(response: &Map<String, Value>, field: &str) -> Result<(), ApiError> {
    match response.get(field).and_then(Value::as_str) {
        Some(text) if !text.is_empty() && decode_b64url(text).is_some() => Ok(()),
        Some(text) if !text.is_empty() => Err(failed(&format!("response.{field} is not Base64URL"))),
        _ => Err(failed(&format!("response.{field} must not be empty"))),
    }
}

fn decode_b64url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok().or_else(|| URL_SAFE.decode(text).ok())
}

/// The pending ceremony this result belongs to: by status token, else by the challenge.
fn find_ceremony(
    sim: &Sim,
    st: &mut State,
    body: &Map<String, Value>,
    response: &Map<String, Value>,
    kind: OperationKind,
    now: i64,
) -> Result<Operation, ApiError> {
    let challenge = response
        .get("clientDataJSON")
        .and_then(Value::as_str)
        .and_then(decode_b64url)
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|v| v.get("challenge").and_then(Value::as_str).map(str::to_string));
    let by_token = match opt_str(body, "statusToken").map_err(failed_from)? {
        Some(token) => {
            Some(st.operation_by_status_token(token).cloned().ok_or_else(|| failed("statusToken is unknown"))?)
        }
        None => None,
    };
    let op = match by_token {
        Some(op) => op,
        None => {
            let challenge =
                challenge.clone().ok_or_else(|| failed("no statusToken and no challenge in clientDataJSON"))?;
            st.operations
                .values()
                .find(|op| op.fido2_challenge.as_deref() == Some(challenge.as_str()))
                .cloned()
                .ok_or_else(|| failed("no ceremony with this challenge"))?
        }
    };
    if op.channel != Channel::Fido2 || op.kind != kind {
        return Err(failed("the statusToken does not belong to this kind of FIDO2 ceremony"));
    }
    if let (Some(sent), Some(expected)) = (&challenge, &op.fido2_challenge) {
        if sent.trim_end_matches('=') != expected {
            return Err(failed("the challenge does not match the ceremony"));
        }
    }
    sim.expire_if_due(st, &op.transaction_id, now);
    let op = st.operations.get(&op.transaction_id).cloned().ok_or_else(|| failed("the ceremony vanished"))?;
    if op.status != OperationStatus::Pending {
        return Err(failed(&format!("the ceremony is no longer pending (it {})", op.status.as_str())));
    }
    Ok(op)
}

fn failed(message: &str) -> ApiError {
    ApiError::with_body(StatusCode::BAD_REQUEST, json!({"status": "failed", "errorMessage": message}))
}

fn failed_from(error: ApiError) -> ApiError {
    failed(error.message.as_deref().unwrap_or("invalid request"))
}
