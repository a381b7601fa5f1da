//! JSON at the boundary: requests in, responses out, and small readers so C code without a JSON
//! library can still pick out the few values a flow needs (a status token, a transaction id).
//!
//! Parse errors must help the caller without echoing their input: request JSON carries codes and
//! tokens, and serde's messages quote the offending value. So only the position, the expected type
//! and missing field names are reported. Text that is not a JSON object is a broken argument
//! (NEVIS_ERROR_INVALID_ARGUMENT naming it); a member of the wrong type or a missing one inside a
//! good object is a broken request (NEVIS_ERROR_INVALID_REQUEST naming the member by its path,
//! `fido2Options.authenticatorSelection.userVerification`), as in every other language.

use std::ffi::c_char;

use nevis_authcloud::{json_problem, json_type, request_from_json};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{NevisError, nevis_error};
use crate::ffi_guard::{FfiResult, guard, required_str};
use crate::strings::OutString;

/// Reads a JSON argument into a core request type.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string valid during the call.
pub(crate) unsafe fn parse_arg<T: DeserializeOwned>(ptr: *const c_char, name: &str) -> FfiResult<T> {
    // SAFETY: forwarded from the caller's contract.
    let text = unsafe { required_str(ptr, name) }?;
    parse_text(text, name)
}

pub(crate) fn parse_text<T: DeserializeOwned>(text: &str, name: &str) -> FfiResult<T> {
    let value = parse_document(text, name)?;
    if !value.is_object() {
        return Err(NevisError::invalid_argument(name, &format!("must be a JSON object (got {})", json_type(&value))));
    }
    request_from_json(name, &value).map_err(|err| NevisError::from_core(&err))
}

/// Serializes a core response in the wire shape.
pub(crate) fn to_json(value: &impl Serialize) -> FfiResult<String> {
    serde_json::to_string(value).map_err(|_| NevisError::decode("the answer could not be turned back into JSON"))
}

fn parse_document(text: &str, name: &str) -> FfiResult<Value> {
    serde_json::from_str(text).map_err(|err| NevisError::invalid_argument(name, &json_problem(&err)))
}

/// Reads one value out of a JSON document by JSON Pointer (RFC 6901, e.g. "/enrollment/statusToken"
/// or "/authenticators/0/authenticatorId"; "" is the whole document).
///
/// A string value is returned as its text; a number, boolean, object or array as its JSON text.
/// A missing value or JSON null is not an error: the call succeeds with `*out_value` NULL.
/// `*out_value` belongs to the caller (nevis_string_free()).
///
/// # Safety
/// `json` and `pointer` are NUL-terminated strings; `out_value` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_json_get(
    json: *const c_char,
    pointer: *const c_char,
    out_value: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = OutString::clear(out_value);
        let document = parse_document(required_str(json, "json")?, "json")?;
        let pointer = required_str(pointer, "pointer")?;
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(NevisError::invalid_argument("pointer", "must be empty or start with '/'"));
        }
        match document.pointer(pointer) {
            None | Some(Value::Null) => Ok(()),
            Some(Value::String(text)) => out.set(text.clone()),
            Some(other) => out.set(other.to_string()),
        }
    })
}

/// The status token of an enrolment or approval answer (the JSON nevis_client_enroll() or
/// nevis_client_approve() returned): `enrollment.statusToken` or `statusToken`. Poll it with
/// nevis_client_get_status() or nevis_wait_for_status(). Succeeds with `*out_token` NULL when the
/// answer has none (a recovery-code enrolment). `*out_token` belongs to the caller
/// (nevis_string_free()).
///
/// # Safety
/// `response_json` is a NUL-terminated string; `out_token` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_json_status_token(
    response_json: *const c_char,
    out_token: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = OutString::clear(out_token);
        let document = parse_document(required_str(response_json, "response_json")?, "response_json")?;
        let token = ["/statusToken", "/enrollment/statusToken"]
            .iter()
            .find_map(|pointer| document.pointer(pointer).and_then(Value::as_str));
        match token {
            Some(token) => out.set(token.to_string()),
            None => Ok(()),
        }
    })
}

/// The transaction id of an enrolment or approval answer: `enrollment.transactionId` or
/// `transactionId`. Succeeds with `*out_id` NULL when the answer has none. `*out_id` belongs to the
/// caller (nevis_string_free()).
///
/// # Safety
/// `response_json` is a NUL-terminated string; `out_id` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_json_transaction_id(
    response_json: *const c_char,
    out_id: *mut *mut c_char,
) -> *mut nevis_error {
    // SAFETY: the pointers are what this function's `# Safety` section asks of the caller.
    guard(|| unsafe {
        let out = OutString::clear(out_id);
        let document = parse_document(required_str(response_json, "response_json")?, "response_json")?;
        let id = ["/transactionId", "/enrollment/transactionId"]
            .iter()
            .find_map(|pointer| document.pointer(pointer).and_then(Value::as_str));
        match id {
            Some(id) => out.set(id.to_string()),
            None => Ok(()),
        }
    })
}

#[cfg(test)]
mod tests {
    use nevis_authcloud::VerifyRequest;

    use super::*;

    fn field(err: &NevisError) -> &str {
        err.field.as_deref().and_then(|field| field.to_str().ok()).unwrap_or_default()
    }

    #[test]
    fn parse_errors_never_quote_the_input() {
        let err = parse_text::<VerifyRequest>(r#"{"code": 123456789}"#, "request_json").unwrap_err();
        let message = err.message.to_str().unwrap().to_string();
        assert!(!message.contains("123456789"), "{message}");
        assert_eq!(message, "invalid_request: code: must be a string (got a number)");
        let err = parse_text::<VerifyRequest>(r#"{"statusToken": "tok-secret"}"#, "request_json").unwrap_err();
        let message = err.message.to_str().unwrap().to_string();
        assert!(message.contains("code: is required") && !message.contains("tok-secret"), "{message}");
        let err = parse_text::<VerifyRequest>(r#"{"code": "abc"#, "request_json").unwrap_err();
        assert!(err.message.to_str().unwrap().contains("is not valid JSON"));
    }

    #[test]
    fn a_bad_member_is_an_invalid_request_and_bad_text_an_invalid_argument() {
        use crate::error::nevis_error_kind::{NEVIS_ERROR_INVALID_ARGUMENT, NEVIS_ERROR_INVALID_REQUEST};
        let text =
            r#"{"username":"a","channel":"fido2","fido2Options":{"authenticatorSelection":{"userVerification":1}}}"#;
        let err = parse_text::<nevis_authcloud::EnrollRequest>(text, "request_json").unwrap_err();
        assert_eq!(
            (err.kind, field(&err)),
            (NEVIS_ERROR_INVALID_REQUEST, "fido2Options.authenticatorSelection.userVerification")
        );
        let err = parse_text::<nevis_authcloud::EnrollRequest>(r#"["push"]"#, "request_json").unwrap_err();
        assert_eq!((err.kind, field(&err)), (NEVIS_ERROR_INVALID_ARGUMENT, "request_json"));
        let err = parse_text::<nevis_authcloud::EnrollRequest>(r#"{"username":"\ud800"}"#, "request_json").unwrap_err();
        assert_eq!((err.kind, field(&err)), (NEVIS_ERROR_INVALID_ARGUMENT, "request_json"));
    }

    fn read(
        f: unsafe extern "C" fn(*const c_char, *mut *mut c_char) -> *mut nevis_error,
        json: &std::ffi::CStr,
    ) -> Option<String> {
        let mut out = std::ptr::null_mut();
        // SAFETY: literal C strings and a local out slot.
        unsafe {
            assert!(f(json.as_ptr(), &mut out).is_null());
            if out.is_null() {
                return None;
            }
            let text = std::ffi::CStr::from_ptr(out).to_str().unwrap().to_string();
            crate::strings::nevis_string_free(out);
            Some(text)
        }
    }

    #[test]
    fn tokens_and_ids_are_found_in_both_answer_shapes() {
        let enrol = cr#"{"userId":"u","enrollment":{"transactionId":"t1","statusToken":"s1"}}"#;
        let approval = cr#"{"transactionId":"t2","statusToken":"s2"}"#;
        assert_eq!(read(nevis_json_status_token, enrol).as_deref(), Some("s1"));
        assert_eq!(read(nevis_json_status_token, approval).as_deref(), Some("s2"));
        assert_eq!(read(nevis_json_transaction_id, enrol).as_deref(), Some("t1"));
        assert_eq!(read(nevis_json_status_token, cr#"{"userId":"u"}"#), None);
    }
}
