//! `POST /api/v1/users/{userId}/verification` (spec §2.4, §5.8–5.10, open question 11): checks an
//! SMS code against its operation, or spends a recovery code. 200 with an empty body on success.

use http::StatusCode;

use crate::api::auth::{self, IntentUse};
use crate::api::sms::MAX_WRONG_ATTEMPTS;
use crate::api::validate::{self, opt_str};
use crate::errors::{ApiError, ApiResult};
use crate::model::*;
use crate::rate_limits;
use crate::request::ApiRequest;
use crate::response::empty;
use crate::state::{Actor, Sim};

pub fn handle(sim: &Sim, req: &ApiRequest, user_id: &str) -> ApiResult {
    let caller = auth::authenticate(sim, req, true)?;
    let body = req.json_object()?;
    let code = validate::req_str(&body, "code")?;
    let status_token = opt_str(&body, "statusToken")?;
    let channel = validate::opt_enum(&body, "channel", &["sms", "recovery"])?;
    if channel != Some("recovery") && status_token.is_none() {
        return Err(ApiError::bad_request(
            "statusToken must not be empty for SMS verification (or set channel to recovery)",
        ));
    }
    let now = sim.now();
    let mut st = sim.write();
    let user =
        st.users.get(user_id).cloned().ok_or_else(|| ApiError::not_found(format!("User '{user_id}' not found")))?;
    let actor_id = caller.actor_id(&st);

    if channel == Some("recovery") {
        let intent_use = IntentUse {
            operation: IntentOperation::Approve,
            user_id: Some(user_id),
            username: user.username.as_deref(),
            channel: Channel::Recovery,
        };
        // The service checks the rate limit before it looks at the code (spec §2.4): a blocked
        // user's code is neither checked nor spent.
        rate_limits::check_any(&sim.settings, &user, now)?;
        let Some(codes) = user.recovery_codes.as_ref() else {
            return Err(ApiError::bad_request("The user has no recovery codes"));
        };
        let position = codes.unused.iter().position(|c| c == code || c.replace('-', "") == code);
        let Some(position) = position else {
            sim.log_event(
                &mut st,
                "Authentication failed",
                "failed",
                "authentication",
                "recovery",
                Actor::Api(&actor_id),
                Some(&user),
                "wrong or used recovery code",
                now,
            );
            if let Some(u) = st.users.get_mut(user_id) {
                u.last_login_failure = Some(now);
            }
            return Err(ApiError::bad_request("The recovery code is not valid"));
        };
        auth::consume_intent(&mut st, &caller, intent_use, now)?;
        if let Some(u) = st.users.get_mut(user_id) {
            if let Some(codes) = u.recovery_codes.as_mut() {
                codes.unused.remove(position);
            }
            u.last_login_success = Some(now);
            u.updated_at = now;
        }
        sim.log_event(
            &mut st,
            "Authentication verified",
            "succeeded",
            "authentication",
            "recovery",
            Actor::Api(&actor_id),
            Some(&user),
            "recovery code used",
            now,
        );
        return Ok(empty(StatusCode::OK));
    }

    let token = status_token.unwrap_or_default();
    let op = st
        .operation_by_status_token(token)
        .filter(|op| sim.is_retained(op, now))
        .cloned()
        .ok_or_else(|| ApiError::bad_request("statusToken is unknown or expired"))?;
    if op.channel != Channel::Sms || op.user_id.as_deref() != Some(user_id) {
        return Err(ApiError::bad_request("statusToken does not belong to an SMS operation of this user"));
    }
    sim.expire_if_due(&mut st, &op.transaction_id, now);
    let op = st.operations.get(&op.transaction_id).cloned().unwrap_or(op);
    if op.status != OperationStatus::Pending {
        return Err(ApiError::bad_request(format!("The operation is no longer pending (it {})", op.status.as_str())));
    }
    let Some(challenge) = op.sms.clone() else {
        return Err(ApiError::bad_request("statusToken does not belong to an SMS operation of this user"));
    };
    if challenge.code != code {
        let attempts = challenge.wrong_attempts + 1;
        if let Some(stored) = st.operations.get_mut(&op.transaction_id).and_then(|o| o.sms.as_mut()) {
            stored.wrong_attempts = attempts;
        }
        if attempts >= MAX_WRONG_ATTEMPTS {
            sim.finish_operation(
                &mut st,
                &op.transaction_id,
                OperationStatus::Failed,
                Actor::User,
                now,
                "too many wrong codes",
            );
        }
        return Err(ApiError::bad_request("The code is not valid"));
    }
    let operation = match op.kind {
        OperationKind::Enroll => IntentOperation::Enroll,
        OperationKind::Approval => IntentOperation::Approve,
    };
    // A verification may use an approve token, or an enroll token for a phone registration.
    let intent_use =
        IntentUse { operation, user_id: Some(user_id), username: user.username.as_deref(), channel: Channel::Sms };
    if auth::consume_intent(&mut st, &caller, intent_use, now).is_err() {
        let fallback = IntentUse {
            operation: IntentOperation::Approve,
            user_id: Some(user_id),
            username: user.username.as_deref(),
            channel: Channel::Sms,
        };
        auth::consume_intent(&mut st, &caller, fallback, now)?;
    }
    if op.kind == OperationKind::Enroll {
        if let Some(u) = st.users.get_mut(user_id) {
            if let Some(phone) = u.phones.iter_mut().find(|p| p.phone_id == challenge.phone_id) {
                phone.active = true;
                phone.updated_at = now;
            }
            u.updated_at = now;
        }
    }
    sim.finish_operation(&mut st, &op.transaction_id, OperationStatus::Succeeded, Actor::User, now, "");
    Ok(empty(StatusCode::OK))
}
