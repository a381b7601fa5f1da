//! One blocking C function per API operation of the core client.
//!
//! Each function checks its pointers, reads its JSON request into the core's request type (so the
//! core validates it exactly as for Rust callers), runs the call on the shared runtime and hands
//! the answer back as JSON in the API's wire shape. They are deliberately thin: behaviour (retries,
//! timeouts, validation, error kinds) lives in the core, once for every language.

use std::ffi::c_char;

use nevis_authcloud::{
    ApprovalRequest, AssertionRequest, AttestationRequest, EnrollRequest, Extra, Fido2Result, Fido2ResultStatus,
    IntentRequest, LogExportQuery, Secret, VerifyRequest,
};

use crate::client::{ARGUMENT_NAMES, client_ref, nevis_client};
use crate::error::{NevisError, nevis_error};
use crate::ffi_guard::{FfiResult, Out, guard, optional_str, required_str};
use crate::json::{parse_arg, parse_text, to_json};
use crate::strings::OutString;

/// The intent token is an argument of its own in C: an error about it names `intent_token`.
const INTENT_TOKEN: &[(&str, &str)] = &[("intentToken", "intent_token")];

/// Refuses request fields that have their own argument, so there is one way to pass each.
fn reject_field(extra: &Extra, field: &str, argument: &str) -> FfiResult<()> {
    if extra.contains_key(field) {
        return Err(NevisError::invalid_argument(
            "request_json",
            &format!("must not contain \"{field}\": pass it as the {argument} argument"),
        ));
    }
    Ok(())
}

/// `GET /ping`: succeeds when the service is reachable and answers.
///
/// # Safety
/// `client` is NULL or a live client.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_ping(client: *const nevis_client) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let client = client_ref(client)?;
        client.run(move |core| async move { core.ping().await })
    })
}

/// `POST /api/v1/users/enroll`: start registering an authenticator (creating the user if the
/// username is new).
///
/// `request_json`: `{"username"|"userId", "channel":"app|push|sms|fido2|recovery" (default app),
/// "phone"? (sms, "+41791234567"), "message"? (sms, contains {{CODE}}), "displayName"? (fido2),
/// "fido2Options"?}`. `intent_token`: NULL to use the access key, or an intent token (operation
/// enroll) from nevis_client_create_intent(). `*out_json` (caller-owned): the user
/// `{"userId","username","status",...,"enrollment":{"transactionId","statusToken","qrCode"?,
/// "appLinkUri"?,"credentialCreationOptions"?}}`; recovery enrolments have no `enrollment` but
/// `recoveryCodes.codes`. Get the token to poll with nevis_json_status_token().
///
/// # Safety
/// `client` is a live client; strings are NUL-terminated (`intent_token` may be NULL);
/// `out_json` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_enroll(
    client: *const nevis_client,
    request_json: *const c_char,
    intent_token: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let mut request: EnrollRequest = parse_arg(request_json, "request_json")?;
        reject_field(&request.extra, "intentToken", "intent_token")?;
        let intent = optional_str(intent_token, "intent_token")?;
        request.intent_token = intent.map(Secret::new);
        let response =
            client.run_with_arguments(INTENT_TOKEN, move |core| async move { core.enroll(&request).await })?;
        out.set(to_json(&response)?)
    })
}

/// `POST /api/v1/approval`: send a push, show a QR code, text a code or start a passkey login.
///
/// `request_json`: `{"username"|"userId" (only app and fido2 may omit both), "channel"?:
/// "app|push|sms|fido2" (absent: not sent, the service uses push), "authenticatorId"?,
/// "prompt"? (true: the user must accept `message`), "message"? (app/push: HTML only as
/// `<html>…</html>` with the tags b br em i strong u), "notificationMessage"?, "fido2Options"?}`.
/// A user blocked by the push or SMS rate limit (`exceededRateLimits` on the user) is
/// NEVIS_ERROR_BAD_REQUEST. `intent_token`: NULL or an intent token (operation approve). `*out_json`
/// (caller-owned): `{"transactionId","statusToken","userId"?,"authenticatorId"?,"qrCode"?,
/// "appLinkUri"?,"credentialRequestOptions"?}`.
///
/// # Safety
/// As for nevis_client_enroll().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_approve(
    client: *const nevis_client,
    request_json: *const c_char,
    intent_token: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let mut request: ApprovalRequest = parse_arg(request_json, "request_json")?;
        reject_field(&request.extra, "intentToken", "intent_token")?;
        let intent = optional_str(intent_token, "intent_token")?;
        request.intent_token = intent.map(Secret::new);
        let response =
            client.run_with_arguments(INTENT_TOKEN, move |core| async move { core.approve(&request).await })?;
        out.set(to_json(&response)?)
    })
}

/// `POST /api/v1/users/{user_id}/verification`: check an SMS code, or spend a recovery code.
/// Success means the code was right; a wrong, expired or used code is NEVIS_ERROR_BAD_REQUEST.
///
/// `request_json`: `{"code", "statusToken"}` for SMS, or `{"code", "channel":"recovery"}`.
/// `intent_token`: NULL or an intent token for the user.
///
/// # Safety
/// `client` is a live client; strings are NUL-terminated (`intent_token` may be NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_verify(
    client: *const nevis_client,
    user_id: *const c_char,
    request_json: *const c_char,
    intent_token: *const c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let client = client_ref(client)?;
        let user_id = required_str(user_id, "user_id")?;
        let text = required_str(request_json, "request_json")?;
        let mut request: VerifyRequest = parse_text(text, "request_json")?;
        reject_field(&request.extra, "intentToken", "intent_token")?;
        reject_field(&request.extra, "userId", "user_id")?;
        let intent = optional_str(intent_token, "intent_token")?;
        request.user_id = user_id.to_string();
        request.intent_token = intent.map(Secret::new);
        let arguments = [("userId", "user_id"), INTENT_TOKEN[0]];
        client.run_with_arguments(&arguments, move |core| async move { core.verify(&request).await })
    })
}

/// `POST /api/v1/intent`: mint a one-time token (10 minutes) that lets a browser start exactly
/// one enrolment or approval for one user without the access key.
///
/// `request_json`: `{"username"|"userId", "operation":"enroll|approve", "channels"?:["app",
/// "push","sms"]}`. `*out_json` (caller-owned): `{"token"}`; read it with nevis_json_get(json,
/// "/token", ...).
///
/// # Safety
/// `client` is a live client; `request_json` NUL-terminated; `out_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_create_intent(
    client: *const nevis_client,
    request_json: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let request: IntentRequest = parse_arg(request_json, "request_json")?;
        let response = client.run(move |core| async move { core.create_intent(&request).await })?;
        out.set(to_json(&response)?)
    })
}

/// `POST /api/v1/introspect`: is this token (transaction, status, intent or access key) valid?
/// Trust a result only when `*out_active` is true.
///
/// `*out_json` (caller-owned): `{"active","iat"?,"nbf"?,"exp"?,"sub"?,"aud"?,"iss"?,"jti"?,
/// "scope"?}` (`scope` is access, status, transaction or intent).
///
/// # Safety
/// `client` is a live client; `token` NUL-terminated; `out_active`, `out_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_introspect(
    client: *const nevis_client,
    token: *const c_char,
    out_active: *mut bool,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out_active = Out::clear(out_active, false);
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let token = required_str(token, "token")?.to_owned();
        let response =
            client.run_with_arguments(ARGUMENT_NAMES, move |core| async move { core.introspect(&token).await })?;
        out.set(to_json(&response)?)?;
        out_active.set(response.active);
        Ok(())
    })
}

/// `GET /api/v1/users/{user_id}`. `*out_json` (caller-owned): the user `{"userId","username",
/// "status":"new|active","authenticators":[...],"phones":[...],"recoveryCodes",...}`. An unknown
/// id is NEVIS_ERROR_NOT_FOUND; a malformed one NEVIS_ERROR_INVALID_REQUEST.
///
/// # Safety
/// `client` is a live client; `user_id` NUL-terminated; `out_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_get_user(
    client: *const nevis_client,
    user_id: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let user_id = required_str(user_id, "user_id")?.to_owned();
        let user =
            client.run_with_arguments(ARGUMENT_NAMES, move |core| async move { core.get_user(&user_id).await })?;
        out.set(to_json(&user)?)
    })
}

/// `GET /api/v1/users?username=`: the user with this username, as nevis_client_get_user();
/// NEVIS_ERROR_NOT_FOUND if there is none.
///
/// # Safety
/// `client` is a live client; `username` NUL-terminated; `out_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_find_user(
    client: *const nevis_client,
    username: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let username = required_str(username, "username")?.to_owned();
        let user =
            client.run_with_arguments(ARGUMENT_NAMES, move |core| async move { core.find_user(&username).await })?;
        out.set(to_json(&user)?)
    })
}

/// `DELETE /api/v1/users/{user_id}`: delete the user and everything registered to it.
///
/// # Safety
/// `client` is a live client; `user_id` NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_delete_user(
    client: *const nevis_client,
    user_id: *const c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let client = client_ref(client)?;
        let user_id = required_str(user_id, "user_id")?.to_owned();
        client.run_with_arguments(ARGUMENT_NAMES, move |core| async move { core.delete_user(&user_id).await })
    })
}

/// `GET /api/v1/aadb2c/users?objectId=`: the Azure AD B2C view of the user whose username is this
/// B2C object id. Succeeds for any well-formed id; `*out_exists` says whether a user matched.
/// `*out_json` (caller-owned): `{"userId"?,"username"?,"status"?,...,"authenticators":"<JSON
/// text>"}`.
///
/// # Safety
/// `client` is a live client; `object_id` NUL-terminated; `out_exists`, `out_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_find_aadb2c_user(
    client: *const nevis_client,
    object_id: *const c_char,
    out_exists: *mut bool,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out_exists = Out::clear(out_exists, false);
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let object_id = required_str(object_id, "object_id")?.to_owned();
        let user = client
            .run_with_arguments(ARGUMENT_NAMES, move |core| async move { core.find_aadb2c_user(&object_id).await })?;
        out.set(to_json(&user)?)?;
        out_exists.set(user.exists());
        Ok(())
    })
}

/// `PATCH /api/v1/authenticators/{authenticator_id}`: rename an authenticator. `*out_json`
/// (caller-owned): the authenticator `{"authenticatorId","name","type"?,"authenticatorType",...}`.
///
/// # Safety
/// `client` is a live client; strings NUL-terminated; `out_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_rename_authenticator(
    client: *const nevis_client,
    authenticator_id: *const c_char,
    name: *const c_char,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let authenticator_id = required_str(authenticator_id, "authenticator_id")?.to_owned();
        let name = required_str(name, "name")?.to_owned();
        let authenticator = client.run_with_arguments(ARGUMENT_NAMES, move |core| async move {
            core.rename_authenticator(&authenticator_id, &name).await
        })?;
        out.set(to_json(&authenticator)?)
    })
}

/// `DELETE /api/v1/authenticators/{authenticator_id}`.
///
/// # Safety
/// `client` is a live client; `authenticator_id` NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_delete_authenticator(
    client: *const nevis_client,
    authenticator_id: *const c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let client = client_ref(client)?;
        let authenticator_id = required_str(authenticator_id, "authenticator_id")?.to_owned();
        client.run_with_arguments(ARGUMENT_NAMES, move |core| async move {
            core.delete_authenticator(&authenticator_id).await
        })
    })
}

/// `GET /api/v1/logs/export`: the audit log as CSV text (header line first).
///
/// `query_json`: NULL for the last 30 days, or `{"filter"?,"fromDate"?,"toDate"?,"timespan"?
/// (e.g. "P7D"),"status"?,"category"?,"channel"?,"actorType"?}`. `*out_csv` (caller-owned,
/// nevis_string_free()) gets the CSV and `*out_len` its length in bytes.
///
/// # Safety
/// `client` is a live client; `query_json` NULL or NUL-terminated; `out_csv`, `out_len` NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_export_logs(
    client: *const nevis_client,
    query_json: *const c_char,
    out_csv: *mut *mut c_char,
    out_len: *mut usize,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out_len = Out::clear(out_len, 0);
        let out = OutString::clear(out_csv);
        let client = client_ref(client)?;
        let query: LogExportQuery = match optional_str(query_json, "query_json")? {
            Some(text) => parse_text(text, "query_json")?,
            None => LogExportQuery::default(),
        };
        let csv = client.run(move |core| async move { core.export_logs(&query).await?.text().await })?;
        let len = csv.len();
        out.set(csv)?;
        out_len.set(len);
        Ok(())
    })
}

fn hand_out_fido2(result: &Fido2Result, out_ok: &Out<bool>, out: &OutString) -> FfiResult<()> {
    out.set(to_json(result)?)?;
    out_ok.set(result.status == Fido2ResultStatus::Ok);
    Ok(())
}

/// `POST /_app/attestation/result`: finish a FIDO2 registration with what the browser's
/// navigator.credentials.create() produced.
///
/// `request_json`: `{"type":"public-key","id","response":{"clientDataJSON","attestationObject"},
/// "userFriendlyName"?,"userAgent"?,"statusToken"}`. A rejected ceremony is an answer, not an
/// error: `*out_ok` false and `*out_json` (caller-owned) `{"status":"failed","errorMessage"}`;
/// success is `{"status":"ok",...}`.
///
/// # Safety
/// `client` is a live client; `request_json` NUL-terminated; `out_ok`, `out_json` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_complete_attestation(
    client: *const nevis_client,
    request_json: *const c_char,
    out_ok: *mut bool,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out_ok = Out::clear(out_ok, false);
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let request: AttestationRequest = parse_arg(request_json, "request_json")?;
        let result = client.run(move |core| async move { core.complete_attestation(&request).await })?;
        hand_out_fido2(&result, &out_ok, &out)
    })
}

/// `POST /_app/assertion/result`: finish a FIDO2 authentication with what the browser's
/// navigator.credentials.get() produced.
///
/// `request_json`: `{"type":"public-key","id","response":{"clientDataJSON","authenticatorData",
/// "signature","userHandle"},"userAgent"?,"statusToken"}`. Answers as
/// nevis_client_complete_attestation(); on success `*out_json` carries a `token` to introspect.
///
/// # Safety
/// As for nevis_client_complete_attestation().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_complete_assertion(
    client: *const nevis_client,
    request_json: *const c_char,
    out_ok: *mut bool,
    out_json: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out_ok = Out::clear(out_ok, false);
        let out = OutString::clear(out_json);
        let client = client_ref(client)?;
        let request: AssertionRequest = parse_arg(request_json, "request_json")?;
        let result = client.run(move |core| async move { core.complete_assertion(&request).await })?;
        hand_out_fido2(&result, &out_ok, &out)
    })
}
