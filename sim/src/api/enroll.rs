//! `POST /api/v1/users/enroll` (spec §2.1, §5.4, §5.8, §5.10, §5.11): starts a registration on
//! any channel, creating the user on first use of a username.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use rand::{Rng, RngCore};
use serde_json::{Value, json};

use crate::api::auth::{self, IntentUse};
use crate::api::sms;
use crate::api::validate::{self, opt_str};
use crate::clock::iso;
use crate::errors::{ApiError, ApiResult};
use crate::model::*;
use crate::rate_limits;
use crate::request::ApiRequest;
use crate::response::json_response;
use crate::state::{Actor, Sim};
use crate::views;

pub const MAX_AUTHENTICATORS: usize = 10;

/// The browser-side `timeout` of a registration ceremony, as in the registration reference's
/// example (spec §2.1).
const FIDO2_REGISTRATION_TIMEOUT_MS: u64 = 10_000;
/// The attestation conveyance a registration asks for unless `fido2Options.attestation` says
/// otherwise (the reference's example).
const DEFAULT_ATTESTATION: &str = "direct";

/// The authenticator selection of a registration without `fido2Options.authenticatorSelection`:
/// the reference's example, a discoverable credential on the platform authenticator.
fn default_authenticator_selection() -> Value {
    json!({"requireResidentKey": true, "authenticatorAttachment": "platform", "userVerification": "preferred"})
}

pub fn handle(sim: &Sim, req: &ApiRequest) -> ApiResult {
    let caller = auth::authenticate(sim, req, true)?;
    let body = req.json_object()?;

    let username = opt_str(&body, "username")?;
    if let Some(name) = username {
        validate::username(name)?;
    }
    let user_id = opt_str(&body, "userId")?;
    if let Some(id) = user_id {
        validate::uuid_field("userId", id)?;
    }
    let channel = match opt_str(&body, "channel")? {
        None => Channel::App,
        Some(text) => Channel::parse(text).ok_or_else(|| {
            ApiError::bad_request(format!("channel '{text}' is not one of: app, push, sms, fido2, recovery"))
        })?,
    };
    if username.is_none() && user_id.is_none() {
        return Err(ApiError::bad_request("Either username or userId must be given"));
    }
    let phone = opt_str(&body, "phone")?;
    let message = opt_str(&body, "message")?;
    let display_name = opt_str(&body, "displayName")?;
    match channel {
        Channel::Sms => {
            let phone = phone.ok_or_else(|| ApiError::bad_request("phone must not be empty for channel sms"))?;
            validate::phone(phone)?;
            if let Some(text) = message {
                validate::sms_message(text)?;
            }
        }
        Channel::Fido2 => {
            if username.is_none() {
                return Err(ApiError::bad_request("username must not be empty for channel fido2"));
            }
            let name = display_name
                .filter(|d| !d.is_empty())
                .ok_or_else(|| ApiError::bad_request("displayName must not be empty for channel fido2"))?;
            if name.len() > 64 {
                return Err(ApiError::bad_request("displayName must not exceed 64 bytes"));
            }
        }
        _ => {}
    }
    let fido2_options = fido2_options(&body)?;

    let now = sim.now();
    let mut st = sim.write();
    // Resolve (or plan to create) the user.
    let existing = match (user_id, username) {
        (Some(id), name) => {
            let user = st.users.get(id).ok_or_else(|| ApiError::not_found(format!("User '{id}' not found")))?;
            if let Some(name) = name {
                if user.username.as_deref() != Some(name) {
                    return Err(ApiError::conflict(format!("username '{name}' does not belong to user '{id}'")));
                }
            }
            Some(user.clone())
        }
        (None, Some(name)) => st.user_by_username(name).cloned(),
        (None, None) => None,
    };
    if let Some(user) = &existing {
        if matches!(channel, Channel::App | Channel::Push | Channel::Fido2)
            && user.authenticators.len() >= MAX_AUTHENTICATORS
        {
            return Err(ApiError::conflict(format!(
                "User already has the maximum of {MAX_AUTHENTICATORS} authenticators"
            )));
        }
        if channel == Channel::Sms && user.phones.iter().any(|p| Some(p.number.as_str()) == phone) {
            return Err(ApiError::conflict(format!(
                "phone '{}' is already registered for this user",
                phone.unwrap_or("")
            )));
        }
        if channel == Channel::Sms {
            rate_limits::check(&sim.settings, user, Channel::Sms, now)?;
        }
    }
    let wanted_username = existing.as_ref().and_then(|u| u.username.clone()).or(username.map(str::to_string));
    auth::consume_intent(
        &mut st,
        &caller,
        IntentUse {
            operation: IntentOperation::Enroll,
            user_id: existing.as_ref().map(|u| u.user_id.as_str()),
            username: wanted_username.as_deref(),
            channel,
        },
        now,
    )?;
    let actor_id = caller.actor_id(&st);

    let mut user = existing.unwrap_or_else(|| User {
        user_id: uuid::Uuid::new_v4().to_string(),
        username: username.map(str::to_string),
        created_at: now,
        updated_at: now,
        last_login_success: None,
        last_login_failure: None,
        authenticators: Vec::new(),
        phones: Vec::new(),
        recovery_codes: None,
        sends: RateLimitedSends::default(),
        forced_rate_limits: Vec::new(),
    });

    let mut enrollment: Option<Value> = None;
    let mut plain_recovery_codes: Option<Value> = None;
    match channel {
        Channel::App | Channel::Push => {
            let op = sim.create_operation(
                &mut st,
                OperationKind::Enroll,
                channel,
                Some(&user),
                false,
                None,
                None,
                Actor::Api(&actor_id),
                now,
            );
            enrollment = Some(json!({
                "transactionId": op.transaction_id,
                "statusToken": op.status_token,
                "qrCode": views::qr_code(),
                "appLinkUri": views::app_link(&sim.instance_url, &op.transaction_id, now),
            }));
        }
        Channel::Sms => {
            let number = phone.unwrap_or_default().to_string();
            let phone_id = uuid::Uuid::new_v4().to_string();
            user.phones.push(Phone {
                phone_id: phone_id.clone(),
                number: number.clone(),
                active: false,
                created_at: now,
                updated_at: now,
            });
            user.updated_at = now;
            let op = sim.create_operation(
                &mut st,
                OperationKind::Enroll,
                channel,
                Some(&user),
                false,
                None,
                message.map(str::to_string),
                Actor::Api(&actor_id),
                now,
            );
            sms::send_code(&mut st, &op.transaction_id, phone_id, &number, message, now);
            rate_limits::record(&mut user, Channel::Sms, now);
            enrollment = Some(json!({"transactionId": op.transaction_id, "statusToken": op.status_token}));
        }
        Channel::Fido2 => {
            let op = sim.create_operation(
                &mut st,
                OperationKind::Enroll,
                channel,
                Some(&user),
                false,
                None,
                None,
                Actor::Api(&actor_id),
                now,
            );
            let challenge = random_b64url(32);
            if let Some(stored) = st.operations.get_mut(&op.transaction_id) {
                stored.fido2_challenge = Some(challenge.clone());
            }
            let exclude: Vec<Value> = user
                .authenticators
                .iter()
                .filter_map(|a| a.credential_id.as_ref())
                .map(|id| json!({"type": "public-key", "id": id}))
                .collect();
            let mut options = json!({
                "rp": {"id": rp_id(&sim.instance_url), "name": "Nevis Authentication Cloud (simulator)"},
                "user": {
                    "id": URL_SAFE_NO_PAD.encode(user.user_id.as_bytes()),
                    "name": user.user_id,
                    "displayName": display_name.unwrap_or_default(),
                },
                "challenge": challenge,
                "pubKeyCredParams": [{"alg": -7, "type": "public-key"}, {"alg": -257, "type": "public-key"}],
                "timeout": FIDO2_REGISTRATION_TIMEOUT_MS,
                "authenticatorSelection": fido2_options.get("authenticatorSelection").cloned()
                    .unwrap_or_else(default_authenticator_selection),
                "attestation": fido2_options.get("attestation").cloned().unwrap_or_else(|| json!(DEFAULT_ATTESTATION)),
                "excludeCredentials": exclude,
            });
            // A caller's own selection keeps what it says; only the documented default for user
            // verification fills a gap.
            if options["authenticatorSelection"].get("userVerification").is_none() {
                options["authenticatorSelection"]["userVerification"] = json!("preferred");
            }
            enrollment = Some(json!({
                "transactionId": op.transaction_id,
                "statusToken": op.status_token,
                "credentialCreationOptions": options,
            }));
        }
        Channel::Recovery => {
            let codes: Vec<String> = (0..10).map(|_| recovery_code()).collect();
            user.recovery_codes = Some(RecoveryCodes { unused: codes.clone(), created_at: now });
            user.updated_at = now;
            st.created.enroll += 1;
            plain_recovery_codes = Some(json!({"codes": codes, "createdAt": iso(now)}));
            sim.log_event(
                &mut st,
                "Registration verified",
                "succeeded",
                "registration",
                "recovery",
                Actor::Api(&actor_id),
                Some(&user),
                "recovery codes issued",
                now,
            );
        }
    }

    if let Some(name) = &user.username {
        st.usernames.insert(name.clone(), user.user_id.clone());
    }
    st.users.insert(user.user_id.clone(), user.clone());
    let mut answer = views::user(&user, &rate_limits::exceeded(&sim.settings, &user, now));
    if let Some(codes) = plain_recovery_codes {
        answer["recoveryCodes"] = codes;
    }
    if let Some(enrollment) = enrollment {
        answer["enrollment"] = enrollment;
    }
    Ok(json_response(StatusCode::OK, &answer))
}

/// Validates `fido2Options` and returns it (an empty object when absent).
fn fido2_options(body: &validate::Body) -> Result<serde_json::Map<String, Value>, ApiError> {
    let options = match body.get("fido2Options") {
        None | Some(Value::Null) => return Ok(Default::default()),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(ApiError::bad_request("fido2Options must be an object")),
    };
    validate::opt_enum(&options, "attestation", &["none", "indirect", "direct"])
        .map_err(|e| prefix(e, "fido2Options."))?;
    match options.get("authenticatorSelection") {
        None | Some(Value::Null) => {}
        Some(Value::Object(selection)) => {
            let rules: [(&str, &[&str]); 3] = [
                ("userVerification", &["preferred", "required", "discouraged"]),
                ("authenticatorAttachment", &["platform", "cross-platform"]),
                ("residentKey", &["discouraged", "preferred", "required"]),
            ];
            for (field, allowed) in rules {
                validate::opt_enum(selection, field, allowed)
                    .map_err(|e| prefix(e, "fido2Options.authenticatorSelection."))?;
            }
            validate::opt_bool(selection, "requireResidentKey")
                .map_err(|e| prefix(e, "fido2Options.authenticatorSelection."))?;
        }
        Some(_) => return Err(ApiError::bad_request("fido2Options.authenticatorSelection must be an object")),
    }
    Ok(options)
}

fn prefix(mut error: ApiError, path: &str) -> ApiError {
    error.message = error.message.map(|m| format!("{path}{m}"));
    error
}

pub fn random_b64url(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// The WebAuthn relying party id: the instance's host name.
pub fn rp_id(instance_url: &str) -> String {
    let without_scheme = instance_url.split("://").nth(1).unwrap_or(instance_url);
    let host_port = without_scheme.split('/').next().unwrap_or(without_scheme);
    match host_port.rsplit_once(':') {
        Some((host, _)) if !host.ends_with(']') || host.starts_with('[') => host.to_string(),
        _ => host_port.to_string(),
    }
}

/// 16 case-sensitive alphanumerics shown as four dash-separated groups (open question 10).
fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..16).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}
