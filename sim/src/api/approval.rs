//! `POST /api/v1/approval` (spec §2.2, §5.5–5.7, §5.9, §5.12): starts an authentication or a
//! transaction confirmation on push (also when no channel is named), app (also usernameless), sms
//! or fido2.

use http::StatusCode;
use serde_json::{Value, json};

use crate::api::auth::{self, IntentUse};
use crate::api::enroll::{random_b64url, rp_id};
use crate::api::sms;
use crate::api::validate::{self, opt_str};
use crate::errors::{ApiError, ApiResult};
use crate::model::*;
use crate::rate_limits;
use crate::request::ApiRequest;
use crate::response::json_response;
use crate::state::{Actor, Sim};
use crate::views;

pub fn handle(sim: &Sim, req: &ApiRequest) -> ApiResult {
    let caller = auth::authenticate(sim, req, true)?;
    let body = req.json_object()?;

    // The approval reference: "for authentication with a mobile app, the default value is push";
    // the vendor's own integrations rely on it and send only the user.
    let channel = match opt_str(&body, "channel")? {
        None => Channel::Push,
        Some(text) => Channel::parse(text)
            .filter(|c| *c != Channel::Recovery)
            .ok_or_else(|| ApiError::bad_request(format!("channel '{text}' is not one of: app, push, sms, fido2")))?,
    };
    let username = opt_str(&body, "username")?;
    if let Some(name) = username {
        validate::username(name)?;
    }
    let user_id = opt_str(&body, "userId")?;
    if let Some(id) = user_id {
        validate::uuid_field("userId", id)?;
    }
    let authenticator_id = opt_str(&body, "authenticatorId")?;
    let any_authenticator = authenticator_id == Some("*");
    if any_authenticator && channel != Channel::App {
        return Err(ApiError::bad_request("authenticatorId '*' is only allowed with channel app"));
    }
    if let Some(id) = authenticator_id.filter(|id| *id != "*") {
        validate::uuid_field("authenticatorId", id)?;
    }
    let prompt = validate::opt_bool(&body, "prompt")?.unwrap_or(false);
    let message = opt_str(&body, "message")?;
    opt_str(&body, "notificationMessage")?;
    let has_user = username.is_some() || user_id.is_some();
    if !has_user && !matches!(channel, Channel::App | Channel::Fido2) {
        return Err(ApiError::bad_request(format!(
            "Either username or userId must be given for channel {} (only app and fido2 allow usernameless approval)",
            channel.as_str()
        )));
    }
    match channel {
        Channel::App | Channel::Push => {
            if prompt && message.is_none_or(str::is_empty) {
                return Err(ApiError::bad_request("message must not be empty when prompt is true"));
            }
            if let Some(text) = message {
                validate::app_message(text)?;
            }
        }
        Channel::Sms => {
            if let Some(text) = message {
                validate::sms_message(text)?;
            }
        }
        _ => {}
    }
    let user_verification = match body.get("fido2Options") {
        None | Some(Value::Null) => None,
        Some(Value::Object(options)) => {
            validate::opt_enum(options, "userVerification", &["preferred", "required", "discouraged"])
                .map_err(|e| ApiError::bad_request(format!("fido2Options.{}", e.message.unwrap_or_default())))?
                .map(str::to_string)
        }
        Some(_) => return Err(ApiError::bad_request("fido2Options must be an object")),
    };

    let now = sim.now();
    let mut st = sim.write();
    let mut user = match (user_id, username) {
        (Some(id), name) => {
            let user = st.users.get(id).ok_or_else(|| ApiError::not_found(format!("User '{id}' not found")))?;
            if name.is_some_and(|n| user.username.as_deref() != Some(n)) {
                return Err(ApiError::bad_request("username and userId refer to different users"));
            }
            Some(user.clone())
        }
        (None, Some(name)) => Some(
            st.user_by_username(name)
                .cloned()
                .ok_or_else(|| ApiError::not_found(format!("User with username '{name}' not found")))?,
        ),
        (None, None) => None,
    };

    // A specific authenticator, even without a user: it names its owner.
    let mut target_authenticator: Option<Authenticator> = None;
    if let Some(id) = authenticator_id.filter(|id| *id != "*") {
        let owner_id = st.authenticator_owner.get(id).cloned();
        let owner = owner_id.and_then(|o| st.users.get(&o)).cloned();
        let found = owner.as_ref().and_then(|o| o.authenticators.iter().find(|a| a.authenticator_id == id).cloned());
        let belongs = match (&user, &owner) {
            (Some(u), Some(o)) => u.user_id == o.user_id,
            (None, Some(_)) => true,
            _ => false,
        };
        match found {
            Some(a) if belongs && channel_uses(channel, a.kind) => {
                if user.is_none() {
                    user = owner;
                }
                target_authenticator = Some(a);
            }
            _ => return Err(ApiError::not_found(format!("Authenticator '{id}' not found"))),
        }
    }
    let usernameless = user.is_none();

    let mut response = json!({});
    let caller_user_id = user.as_ref().map(|u| u.user_id.clone());
    let caller_username = user.as_ref().and_then(|u| u.username.clone());
    let intent_use = IntentUse {
        operation: IntentOperation::Approve,
        user_id: caller_user_id.as_deref(),
        username: caller_username.as_deref(),
        channel,
    };
    match channel {
        Channel::Push | Channel::App => {
            if !usernameless && target_authenticator.is_none() {
                let u = user.as_ref().map(|u| u.authenticators.clone()).unwrap_or_default();
                target_authenticator = u.into_iter().rev().find(|a| a.kind == AuthenticatorType::App);
                if target_authenticator.is_none() && !any_authenticator {
                    return Err(ApiError::bad_request(format!(
                        "The user has no authenticator usable for channel {}",
                        channel.as_str()
                    )));
                }
                if any_authenticator {
                    target_authenticator = None;
                }
            }
            if let (Channel::Push, Some(u)) = (channel, &user) {
                rate_limits::check(&sim.settings, u, Channel::Push, now)?;
            }
            auth::consume_intent(&mut st, &caller, intent_use, now)?;
            let actor_id = caller.actor_id(&st);
            let op = sim.create_operation(
                &mut st,
                OperationKind::Approval,
                channel,
                user.as_ref(),
                usernameless,
                target_authenticator.as_ref().map(|a| a.authenticator_id.clone()),
                message.map(str::to_string),
                Actor::Api(&actor_id),
                now,
            );
            if let (Channel::Push, Some(stored)) = (channel, user.as_ref().and_then(|u| st.users.get_mut(&u.user_id))) {
                rate_limits::record(stored, Channel::Push, now);
            }
            response["transactionId"] = json!(op.transaction_id);
            response["statusToken"] = json!(op.status_token);
            if let Some(u) = &user {
                response["userId"] = json!(u.user_id);
            }
            if let Some(a) = &target_authenticator {
                response["authenticatorId"] = json!(a.authenticator_id);
            }
            if channel == Channel::App {
                response["qrCode"] = views::qr_code();
                response["appLinkUri"] = json!(views::app_link(&sim.instance_url, &op.transaction_id, now));
            }
        }
        Channel::Sms => {
            let Some(u) = user.as_ref() else { return Err(ApiError::bad_request("username or userId must be given")) };
            let phone = u
                .phones
                .iter()
                .rev()
                .find(|p| p.active)
                .cloned()
                .ok_or_else(|| ApiError::bad_request("The user has no confirmed phone usable for channel sms"))?;
            rate_limits::check(&sim.settings, u, Channel::Sms, now)?;
            auth::consume_intent(&mut st, &caller, intent_use, now)?;
            let actor_id = caller.actor_id(&st);
            let op = sim.create_operation(
                &mut st,
                OperationKind::Approval,
                channel,
                Some(u),
                false,
                None,
                message.map(str::to_string),
                Actor::Api(&actor_id),
                now,
            );
            sms::send_code(&mut st, &op.transaction_id, phone.phone_id.clone(), &phone.number, message, now);
            if let Some(stored) = st.users.get_mut(&u.user_id) {
                rate_limits::record(stored, Channel::Sms, now);
            }
            response = json!({"statusToken": op.status_token, "transactionId": op.transaction_id, "userId": u.user_id});
        }
        Channel::Fido2 => {
            let credentials: Vec<Value> = match &user {
                Some(u) => {
                    let list: Vec<Value> = u
                        .authenticators
                        .iter()
                        .filter(|a| a.kind == AuthenticatorType::Fido2)
                        .filter(|a| {
                            target_authenticator.as_ref().is_none_or(|t| t.authenticator_id == a.authenticator_id)
                        })
                        .filter_map(|a| a.credential_id.as_ref().map(|id| json!({"type": "public-key", "id": id})))
                        .collect();
                    if list.is_empty() {
                        return Err(ApiError::bad_request("The user has no authenticator usable for channel fido2"));
                    }
                    list
                }
                None => Vec::new(),
            };
            auth::consume_intent(&mut st, &caller, intent_use, now)?;
            let actor_id = caller.actor_id(&st);
            let op = sim.create_operation(
                &mut st,
                OperationKind::Approval,
                channel,
                user.as_ref(),
                usernameless,
                target_authenticator.as_ref().map(|a| a.authenticator_id.clone()),
                None,
                Actor::Api(&actor_id),
                now,
            );
            let challenge = random_b64url(32);
            if let Some(stored) = st.operations.get_mut(&op.transaction_id) {
                stored.fido2_challenge = Some(challenge.clone());
            }
            response["transactionId"] = json!(op.transaction_id);
            if let Some(u) = &user {
                response["userId"] = json!(u.user_id);
            }
            response["statusToken"] = json!(op.status_token);
            response["credentialRequestOptions"] = json!({
                "challenge": challenge,
                "timeout": 60000,
                "rpId": rp_id(&sim.instance_url),
                "allowCredentials": credentials,
                "userVerification": user_verification.unwrap_or_else(|| "preferred".into()),
            });
        }
        Channel::Recovery => {
            return Err(ApiError::bad_request("channel 'recovery' is not one of: app, push, sms, fido2"));
        }
    }
    Ok(json_response(StatusCode::OK, &response))
}

fn channel_uses(channel: Channel, kind: AuthenticatorType) -> bool {
    match channel {
        Channel::App | Channel::Push => kind == AuthenticatorType::App,
        Channel::Fido2 => kind == AuthenticatorType::Fido2,
        _ => false,
    }
}
