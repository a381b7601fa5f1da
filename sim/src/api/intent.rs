//! `POST /api/v1/intent` (spec §2.5, §5.3, open question 12): mints a one-time intent token bound
//! to a user, an operation and optionally a set of channels. Access key only.

use http::StatusCode;
use serde_json::{Value, json};

use crate::api::auth::{self, Caller};
use crate::api::validate::{self, opt_str};
use crate::errors::{ApiError, ApiResult};
use crate::model::*;
use crate::request::ApiRequest;
use crate::response::json_response;
use crate::state::Sim;
use crate::tokens::TokenKind;

pub fn handle(sim: &Sim, req: &ApiRequest) -> ApiResult {
    let caller = auth::authenticate(sim, req, false)?;
    debug_assert!(matches!(caller, Caller::AccessKey(_)));
    let body = req.json_object()?;
    let operation = match opt_str(&body, "operation")? {
        None => return Err(ApiError::bad_request("operation must not be empty")),
        Some("enroll") => IntentOperation::Enroll,
        Some("approve") => IntentOperation::Approve,
        Some(other) => {
            return Err(ApiError::bad_request(format!("operation '{other}' is not one of: enroll, approve")));
        }
    };
    let username = opt_str(&body, "username")?;
    if let Some(name) = username {
        validate::username(name)?;
    }
    let user_id = opt_str(&body, "userId")?;
    if let Some(id) = user_id {
        validate::uuid_field("userId", id)?;
    }
    if username.is_none() && user_id.is_none() {
        return Err(ApiError::bad_request("Either username or userId must be given"));
    }
    let channels = match body.get("channels") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => {
            let mut channels = Vec::new();
            for item in items {
                match item.as_str().and_then(Channel::parse) {
                    Some(c @ (Channel::App | Channel::Push | Channel::Sms)) => channels.push(c),
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "channels contains '{}', allowed are: app, push, sms",
                            item.as_str().unwrap_or(&item.to_string())
                        )));
                    }
                }
            }
            Some(channels)
        }
        Some(_) => return Err(ApiError::bad_request("channels must be an array")),
    };
    let now = sim.now();
    let mut st = sim.write();
    // Bind to the user's id when the user exists, so a later rename cannot widen the token.
    let (bound_id, bound_name) = match (user_id, username) {
        (Some(id), _) => {
            if !st.users.contains_key(id) {
                return Err(ApiError::not_found(format!("User '{id}' not found")));
            }
            (Some(id.to_string()), None)
        }
        (None, Some(name)) => match st.user_by_username(name) {
            Some(u) => (Some(u.user_id.clone()), None),
            None if operation == IntentOperation::Enroll => (None, Some(name.to_string())),
            None => return Err(ApiError::not_found(format!("User with username '{name}' not found"))),
        },
        (None, None) => (None, None),
    };
    let jti = uuid::Uuid::new_v4().to_string();
    let ttl = sim.settings.intent_token_ttl_ms;
    let subject = bound_id.clone().or(bound_name.clone()).unwrap_or_default();
    let token = sim.minter.mint_kind(TokenKind::Intent, &sim.instance_url, &subject, &jti, now, now + ttl);
    st.intents.insert(
        token.clone(),
        Intent {
            user_id: bound_id,
            username: bound_name,
            operation,
            channels,
            issued_at: now,
            expires_at: now + ttl,
            used: false,
            jti,
        },
    );
    st.created.intent += 1;
    Ok(json_response(StatusCode::OK, &json!({"token": token})))
}
