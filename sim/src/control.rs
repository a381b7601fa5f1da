//! The control plane under `/_sim` (CONTRACT.md): plays the user's phone (accept, decline, read
//! the SMS, read recovery codes), moves the virtual clock, resets state, reports counters and
//! manages injected faults. No credential, JSON in and out.

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::clock::iso;
use crate::errors::{ApiError, ApiResult};
use crate::model::*;
use crate::rate_limits;
use crate::request::ApiRequest;
use crate::response::{empty, json_response};
use crate::state::{Actor, Sim, State};
use crate::views;

pub fn dispatch(sim: &Sim, req: &ApiRequest) -> Response<Bytes> {
    match route(sim, req) {
        Ok(response) => response,
        Err(error) => error.into_response(&req.path, sim.now()),
    }
}

fn route(sim: &Sim, req: &ApiRequest) -> ApiResult {
    let segments = req.route_segments("/_sim");
    let method = &req.method;
    let wrong = |allow: &'static str| Err(ApiError::method_not_allowed(method, allow));
    match (segments.as_slice(), method) {
        (["operations"], &Method::GET) => list_operations(sim, req),
        (["operations"], _) => wrong("GET"),
        (["operations", id], &Method::GET) => {
            let now = sim.now();
            let mut st = sim.write();
            sim.expire_if_due(&mut st, id, now);
            let op = st.operations.get(*id).ok_or_else(|| unknown_operation(id))?;
            Ok(json_response(StatusCode::OK, &views::operation(op)))
        }
        (["operations", _], _) => wrong("GET"),
        (["operations", id, action @ ("accept" | "decline" | "expire")], &Method::POST) => act(sim, req, id, action),
        (["operations", _, "accept" | "decline" | "expire"], _) => wrong("POST"),
        (["phones", phone, "last-sms"], &Method::GET) => {
            let phone = percent_decode(phone);
            let st = sim.read();
            let sms =
                st.last_sms.get(&phone).ok_or_else(|| ApiError::not_found(format!("No SMS was sent to {phone}")))?;
            Ok(json_response(
                StatusCode::OK,
                &json!({"phone": sms.phone, "text": sms.text, "code": sms.code, "transactionId": sms.transaction_id, "sentAt": iso(sms.sent_at)}),
            ))
        }
        (["phones", _, "last-sms"], _) => wrong("GET"),
        (["users", user_id, "recovery-codes"], &Method::GET) => {
            let st = sim.read();
            let codes = st
                .users
                .get(*user_id)
                .and_then(|u| u.recovery_codes.as_ref())
                .ok_or_else(|| ApiError::not_found(format!("User '{user_id}' has no recovery codes")))?;
            Ok(json_response(StatusCode::OK, &json!({"codes": codes.unused, "createdAt": iso(codes.created_at)})))
        }
        (["users", _, "recovery-codes"], _) => wrong("GET"),
        (["users", user_id, "rate-limits"], &Method::GET | &Method::POST | &Method::DELETE) => {
            rate_limit_control(sim, req, user_id)
        }
        (["users", _, "rate-limits"], _) => wrong("GET, POST, DELETE"),
        (["clock"], &Method::GET) => Ok(json_response(StatusCode::OK, &json!({"now": iso(sim.now())}))),
        (["clock"], _) => wrong("GET"),
        (["clock", "advance"], &Method::POST) => {
            let body = req.json_object()?;
            let seconds = body
                .get("seconds")
                .and_then(Value::as_i64)
                .filter(|s| *s >= 0)
                .ok_or_else(|| ApiError::bad_request("seconds must be a non-negative integer"))?;
            Ok(json_response(StatusCode::OK, &json!({"now": iso(sim.clock.advance(seconds))})))
        }
        (["clock", "advance"], _) => wrong("POST"),
        (["reset"], &Method::POST) => {
            sim.reset();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (["reset"], _) => wrong("POST"),
        (["stats"], &Method::GET) => {
            let created = sim.read().created;
            Ok(json_response(
                StatusCode::OK,
                &json!({
                    "requests": sim.requests.load(std::sync::atomic::Ordering::Relaxed),
                    "created": {"enroll": created.enroll, "approval": created.approval, "sms": created.sms, "intent": created.intent},
                }),
            ))
        }
        (["stats"], _) => wrong("GET"),
        (["faults"], &Method::POST) => {
            let body = req.json_object()?;
            let id = sim.faults.add(body).map_err(ApiError::bad_request)?;
            Ok(json_response(StatusCode::CREATED, &json!({"id": id})))
        }
        (["faults"], &Method::GET) => Ok(json_response(StatusCode::OK, &sim.faults.list())),
        (["faults"], &Method::DELETE) => {
            sim.faults.clear();
            Ok(empty(StatusCode::NO_CONTENT))
        }
        (["faults"], _) => wrong("GET, POST, DELETE"),
        _ => Err(ApiError::not_found(format!("No control endpoint {} {}", req.method, req.path))),
    }
}

fn list_operations(sim: &Sim, req: &ApiRequest) -> ApiResult {
    let state_filter = match req.query_param("state")? {
        None => None,
        Some(s) => Some(
            OperationStatus::parse(&s)
                .ok_or_else(|| ApiError::bad_request("state must be pending, succeeded or failed"))?,
        ),
    };
    let user_filter = req.query_param("userId")?;
    let channel_filter = match req.query_param("channel")? {
        None => None,
        Some(c) => Some(Channel::parse(&c).ok_or_else(|| ApiError::bad_request(format!("channel '{c}' is unknown")))?),
    };
    let now = sim.now();
    let mut st = sim.write();
    sim.expire_all_due(&mut st, now);
    let mut ops: Vec<&Operation> = st
        .operations
        .values()
        .filter(|op| state_filter.is_none_or(|s| op.status == s))
        .filter(|op| user_filter.as_deref().is_none_or(|u| op.user_id.as_deref() == Some(u)))
        .filter(|op| channel_filter.is_none_or(|c| op.channel == c))
        .collect();
    ops.sort_by_key(|op| op.seq);
    Ok(json_response(StatusCode::OK, &Value::Array(ops.into_iter().map(views::operation).collect())))
}

/// Reads (GET), forces (POST `{"channels": ["sms", "push"]}`) or lifts (DELETE) a user's rate-limit
/// block, so client suites can meet a blocked user without sending dozens of messages. A forced
/// block lasts until it is lifted or the simulator is reset; lifting also forgets counted sends.
fn rate_limit_control(sim: &Sim, req: &ApiRequest, user_id: &str) -> ApiResult {
    let channels = if req.method == Method::POST { Some(limited_channels(req)?) } else { None };
    let now = sim.now();
    let mut st = sim.write();
    let user = st.users.get_mut(user_id).ok_or_else(|| ApiError::not_found(format!("User '{user_id}' not found")))?;
    match (&req.method, channels) {
        (&Method::POST, Some(channels)) => {
            for channel in channels {
                if !user.forced_rate_limits.contains(&channel) {
                    user.forced_rate_limits.push(channel);
                }
            }
        }
        (&Method::DELETE, _) => rate_limits::clear(user),
        _ => {}
    }
    let exceeded: Vec<&str> = rate_limits::exceeded(&sim.settings, user, now).iter().map(|c| c.as_str()).collect();
    Ok(json_response(StatusCode::OK, &json!({"userId": user_id, "exceededRateLimits": exceeded})))
}

/// `channels` of a block request: a non-empty list of `sms` and `push`.
fn limited_channels(req: &ApiRequest) -> Result<Vec<Channel>, ApiError> {
    let body = req.json_object()?;
    let rule = || ApiError::bad_request("channels must be a non-empty array of \"sms\" and \"push\"");
    let list = body.get("channels").and_then(Value::as_array).filter(|l| !l.is_empty()).ok_or_else(rule)?;
    list.iter()
        .map(|value| {
            value
                .as_str()
                .and_then(Channel::parse)
                .filter(|c| rate_limits::LIMITED_CHANNELS.contains(c))
                .ok_or_else(rule)
        })
        .collect()
}

fn unknown_operation(id: &str) -> ApiError {
    ApiError::not_found(format!("Operation '{id}' not found"))
}

/// The phone's answer to an operation.
fn act(sim: &Sim, req: &ApiRequest, id: &str, action: &str) -> ApiResult {
    let options = if req.body.iter().all(u8::is_ascii_whitespace) { Map::new() } else { req.json_object()? };
    let now = sim.now();
    let mut st = sim.write();
    sim.expire_if_due(&mut st, id, now);
    let op = st.operations.get(id).cloned().ok_or_else(|| unknown_operation(id))?;
    if op.status != OperationStatus::Pending {
        return Err(ApiError::conflict(format!("Operation '{id}' is no longer pending (it {})", op.status.as_str())));
    }
    let done = match action {
        "accept" => {
            if op.channel == Channel::Sms {
                return Err(ApiError::conflict(
                    "SMS operations complete by their code (POST /api/v1/users/{userId}/verification)",
                ));
            }
            accept(&mut st, &op, &options, now)?;
            sim.finish_operation(&mut st, id, OperationStatus::Succeeded, Actor::App, now, "")
        }
        "decline" => sim.finish_operation(&mut st, id, OperationStatus::Failed, Actor::App, now, "declined"),
        _ => sim.finish_operation(&mut st, id, OperationStatus::Failed, Actor::System, now, "timed out"),
    };
    let done = done.ok_or_else(|| unknown_operation(id))?;
    Ok(json_response(StatusCode::OK, &views::operation(&done)))
}

/// What accepting changes besides the status: a confirmed registration creates the
/// authenticator; a usernameless approval learns who answered.
fn accept(st: &mut State, op: &Operation, options: &Map<String, Value>, now: i64) -> Result<(), ApiError> {
    let text = |field: &str| options.get(field).and_then(Value::as_str).map(str::to_string);
    match op.kind {
        OperationKind::Enroll => {
            let user_id = op.user_id.clone().ok_or_else(|| ApiError::conflict("The registration has no user"))?;
            let platform = match text("platform").as_deref() {
                None | Some("ios") => "ios",
                Some("android") => "android",
                Some(other) => {
                    return Err(ApiError::bad_request(format!("platform '{other}' is not one of: ios, android")));
                }
            };
            let user = st.users.get_mut(&user_id).ok_or_else(|| ApiError::conflict("The user no longer exists"))?;
            if user.authenticators.len() >= crate::api::enroll::MAX_AUTHENTICATORS {
                return Err(ApiError::conflict("The user already has the maximum number of authenticators"));
            }
            let authenticator_id = uuid::Uuid::new_v4().to_string();
            let fido2 = op.channel == Channel::Fido2;
            let default_name = match (fido2, platform) {
                (true, _) => "Passkey",
                (false, "android") => "Android phone",
                (false, _) => "iPhone",
            };
            user.authenticators.push(Authenticator {
                authenticator_id: authenticator_id.clone(),
                name: text("name").unwrap_or_else(|| default_name.to_string()),
                kind: if fido2 { AuthenticatorType::Fido2 } else { AuthenticatorType::App },
                platform: (!fido2).then(|| platform.to_string()),
                enrolled_at: now,
                updated_at: now,
                device_ref: (!fido2).then(|| uuid::Uuid::new_v4().to_string()),
                user_agent: (!fido2).then(|| format!("NMASDK/3.3.2 (authcloud-sim; {platform}) ch.nevis.accessapp")),
                credential_id: fido2.then(|| crate::api::enroll::random_b64url(32)),
            });
            user.updated_at = now;
            st.authenticator_owner.insert(authenticator_id.clone(), user_id);
            if let Some(stored) = st.operations.get_mut(&op.transaction_id) {
                stored.authenticator_id = Some(authenticator_id);
            }
        }
        OperationKind::Approval => {
            let wanted = if op.channel == Channel::Fido2 { AuthenticatorType::Fido2 } else { AuthenticatorType::App };
            let candidate = |u: &User| u.authenticators.iter().rev().find(|a| a.kind == wanted).cloned();
            let answered_by: Option<(User, Authenticator)> = if let Some(user_id) = op.user_id.as_ref() {
                let user =
                    st.users.get(user_id).cloned().ok_or_else(|| ApiError::conflict("The user no longer exists"))?;
                let authenticator = match &op.authenticator_id {
                    Some(id) => user.authenticators.iter().find(|a| a.authenticator_id == *id).cloned(),
                    None => candidate(&user),
                };
                authenticator.map(|a| (user, a))
            } else if let Some(user_id) = text("userId") {
                st.users.get(&user_id).and_then(|u| candidate(u).map(|a| (u.clone(), a)))
            } else if let Some(id) = text("authenticatorId") {
                let owner = st.authenticator_owner.get(&id).and_then(|o| st.users.get(o));
                owner.and_then(|u| {
                    u.authenticators.iter().find(|a| a.authenticator_id == id).map(|a| (u.clone(), a.clone()))
                })
            } else {
                // Usernameless: the most recently registered suitable authenticator answers.
                st.users
                    .values()
                    .filter_map(|u| candidate(u).map(|a| (u.clone(), a)))
                    .max_by_key(|(_, a)| a.enrolled_at)
            };
            let (user, authenticator) = answered_by
                .ok_or_else(|| ApiError::conflict("No registered authenticator can answer this operation"))?;
            if let Some(stored) = st.operations.get_mut(&op.transaction_id) {
                stored.user_id = Some(user.user_id.clone());
                stored.username = user.username.clone();
                stored.authenticator_id = Some(authenticator.authenticator_id.clone());
            }
        }
    }
    Ok(())
}

/// Decodes `%XX` escapes in a path segment (a `+` stays a `+`: phone numbers are typed with it).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(byte) = segment.get(i + 1..i + 3).and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
