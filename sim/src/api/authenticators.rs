//! The authenticator resource (spec §2.11–2.12): rename and delete. Deleting a user's last
//! authenticator (with no confirmed phone) makes the user `new` again.

use http::StatusCode;

use crate::api::auth;
use crate::api::validate;
use crate::errors::{ApiError, ApiResult};
use crate::model::AuthenticatorType;
use crate::request::ApiRequest;
use crate::response::{empty, json_response};
use crate::state::{Actor, Sim};
use crate::views;

pub fn rename(sim: &Sim, req: &ApiRequest, authenticator_id: &str) -> ApiResult {
    let caller = auth::authenticate(sim, req, false)?;
    let body = req.json_object()?;
    let name = validate::req_str(&body, "name")?.to_string();
    if name.chars().count() > 256 {
        return Err(ApiError::bad_request("name must not exceed 256 characters"));
    }
    let now = sim.now();
    let mut st = sim.write();
    let owner = st.authenticator_owner.get(authenticator_id).cloned().ok_or_else(|| not_found(authenticator_id))?;
    let (renamed, user) = {
        let user = st.users.get_mut(&owner).ok_or_else(|| not_found(authenticator_id))?;
        let authenticator = user
            .authenticators
            .iter_mut()
            .find(|a| a.authenticator_id == authenticator_id)
            .ok_or_else(|| not_found(authenticator_id))?;
        authenticator.name = name;
        authenticator.updated_at = now;
        let renamed = authenticator.clone();
        (renamed, user.clone())
    };
    let actor_id = caller.actor_id(&st);
    sim.log_event(
        &mut st,
        "Authenticator renamed",
        "succeeded",
        "management",
        channel_of(renamed.kind),
        Actor::Api(&actor_id),
        Some(&user),
        &format!("authenticator {authenticator_id}"),
        now,
    );
    Ok(json_response(StatusCode::OK, &views::authenticator(&renamed)))
}

pub fn delete(sim: &Sim, req: &ApiRequest, authenticator_id: &str) -> ApiResult {
    let caller = auth::authenticate(sim, req, false)?;
    let now = sim.now();
    let mut st = sim.write();
    let owner = st.authenticator_owner.remove(authenticator_id).ok_or_else(|| not_found(authenticator_id))?;
    let (removed, user) = {
        let user = st.users.get_mut(&owner).ok_or_else(|| not_found(authenticator_id))?;
        let index = user
            .authenticators
            .iter()
            .position(|a| a.authenticator_id == authenticator_id)
            .ok_or_else(|| not_found(authenticator_id))?;
        let removed = user.authenticators.remove(index);
        user.updated_at = now;
        (removed, user.clone())
    };
    let actor_id = caller.actor_id(&st);
    sim.log_event(
        &mut st,
        "Authenticator deleted",
        "succeeded",
        "management",
        channel_of(removed.kind),
        Actor::Api(&actor_id),
        Some(&user),
        &format!("authenticator {authenticator_id}"),
        now,
    );
    Ok(empty(StatusCode::NO_CONTENT))
}

fn channel_of(kind: AuthenticatorType) -> &'static str {
    match kind {
        AuthenticatorType::App => "app",
        AuthenticatorType::Fido2 => "fido2",
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Authenticator '{id}' not found"))
}
