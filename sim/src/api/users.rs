//! The user resource (spec §2.7–2.10): read by id or username, delete with cascade, and the
//! Azure AD B2C flavoured lookup that answers 200 for any well-formed objectId, found or not
//! (open question 31).

use http::StatusCode;
use serde_json::json;

use crate::api::auth;
use crate::api::validate;
use crate::errors::{ApiError, ApiResult};
use crate::model::OperationStatus;
use crate::rate_limits;
use crate::request::ApiRequest;
use crate::response::{empty, json_response};
use crate::state::{Actor, Sim};
use crate::views;

pub fn get(sim: &Sim, req: &ApiRequest, user_id: &str) -> ApiResult {
    auth::authenticate(sim, req, false)?;
    validate::uuid_field("userId", user_id)?;
    let now = sim.now();
    let st = sim.read();
    let user = st.users.get(user_id).ok_or_else(|| ApiError::not_found(format!("User '{user_id}' not found")))?;
    Ok(json_response(StatusCode::OK, &views::user(user, &rate_limits::exceeded(&sim.settings, user, now))))
}

pub fn find_by_username(sim: &Sim, req: &ApiRequest) -> ApiResult {
    auth::authenticate(sim, req, false)?;
    let username = req
        .query_param("username")?
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::bad_request("Required request parameter 'username' is not present"))?;
    validate::username(&username)?;
    let now = sim.now();
    let st = sim.read();
    let user = st
        .user_by_username(&username)
        .ok_or_else(|| ApiError::not_found(format!("User with username '{username}' not found")))?;
    Ok(json_response(StatusCode::OK, &views::user(user, &rate_limits::exceeded(&sim.settings, user, now))))
}

pub fn delete(sim: &Sim, req: &ApiRequest, user_id: &str) -> ApiResult {
    let caller = auth::authenticate(sim, req, false)?;
    validate::uuid_field("userId", user_id)?;
    let now = sim.now();
    let mut st = sim.write();
    let user = st.remove_user(user_id).ok_or_else(|| ApiError::not_found(format!("User '{user_id}' not found")))?;
    let pending: Vec<String> = st
        .operations
        .values()
        .filter(|op| op.status == OperationStatus::Pending && op.user_id.as_deref() == Some(user_id))
        .map(|op| op.transaction_id.clone())
        .collect();
    let actor_id = caller.actor_id(&st);
    for id in pending {
        sim.finish_operation(&mut st, &id, OperationStatus::Failed, Actor::Api(&actor_id), now, "user deleted");
    }
    sim.log_event(
        &mut st,
        "User deleted",
        "succeeded",
        "management",
        "unknown",
        Actor::Api(&actor_id),
        Some(&user),
        "",
        now,
    );
    Ok(empty(StatusCode::NO_CONTENT))
}

pub fn azure_lookup(sim: &Sim, req: &ApiRequest) -> ApiResult {
    auth::authenticate(sim, req, false)?;
    let object_id = req
        .query_param("objectId")?
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::bad_request("Required request parameter 'objectId' is not present"))?;
    // The "always 200" of this endpoint is about found or not found; an objectId that is not the
    // documented UUID is a malformed request like any other.
    validate::uuid_field("objectId", &object_id)?;
    let st = sim.read();
    let answer = match st.user_by_username(&object_id) {
        Some(user) => views::azure_user(user),
        None => json!({"userId": null, "username": object_id, "status": null, "authenticators": "[]"}),
    };
    Ok(json_response(StatusCode::OK, &answer))
}
