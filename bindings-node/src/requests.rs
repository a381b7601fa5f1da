//! JavaScript request objects → the core's request types.
//!
//! The core's request types deserialize from the wire JSON, so a request object from JavaScript
//! only needs three adjustments first: members set to `undefined` or `null` mean "absent"; the
//! intent token travels in the `Authorization` header, not the body, so it is taken out before the
//! rest is read; and the `userId` of a verification is a path parameter. Everything else is sent as
//! given (unknown members included, as the core's escape hatch for options it does not model).
//!
//! Messages about malformed requests never repeat the offending value (it might be a code or a
//! token passed in the wrong place) and name the member by its path, as the caller wrote it.
//! Values JSON cannot hold (functions, NaN, lone surrogates) never get here: `index.js` refuses
//! them first, naming the member the same way.

use nevis_authcloud::{
    ApprovalRequest, AssertionRequest, AttestationRequest, EnrollRequest, Error, IntentRequest, LogExportQuery, Secret,
    VerifyRequest, json_type, request_from_json,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The members of a request object, without those that are `undefined` or `null`.
fn members(argument: &str, value: Option<Value>) -> Result<Map<String, Value>, Error> {
    match value {
        Some(Value::Object(map)) => Ok(map.into_iter().filter(|(_, value)| !value.is_null()).collect()),
        None | Some(Value::Null) => Err(Error::invalid(argument, "is required (an object)")),
        Some(other) => Err(Error::invalid(argument, format!("must be an object (got {})", json_type(&other)))),
    }
}

/// Takes out a string member that is not part of the JSON body.
fn take_string(map: &mut Map<String, Value>, name: &str) -> Result<Option<String>, Error> {
    match map.remove(name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(Error::invalid(name, format!("must be a string (got {})", json_type(&other)))),
    }
}

/// The core reads the members and names one of the wrong type by its path (`fido2Options.
/// authenticatorSelection.userVerification`), as the caller wrote it.
fn read<T: DeserializeOwned>(argument: &str, map: Map<String, Value>) -> Result<T, Error> {
    request_from_json(argument, &Value::Object(map))
}

pub fn enroll(value: Option<Value>) -> Result<EnrollRequest, Error> {
    let mut map = members("request", value)?;
    let intent = take_string(&mut map, "intentToken")?;
    let mut request: EnrollRequest = read("request", map)?;
    request.intent_token = intent.map(Secret::new);
    Ok(request)
}

pub fn approval(value: Option<Value>) -> Result<ApprovalRequest, Error> {
    let mut map = members("request", value)?;
    let intent = take_string(&mut map, "intentToken")?;
    let mut request: ApprovalRequest = read("request", map)?;
    request.intent_token = intent.map(Secret::new);
    Ok(request)
}

pub fn verify(value: Option<Value>) -> Result<VerifyRequest, Error> {
    let mut map = members("request", value)?;
    let intent = take_string(&mut map, "intentToken")?;
    let user_id = take_string(&mut map, "userId")?.ok_or_else(|| Error::invalid("userId", "is required"))?;
    let mut request: VerifyRequest = read("request", map)?;
    request.user_id = user_id;
    request.intent_token = intent.map(Secret::new);
    Ok(request)
}

pub fn intent(value: Option<Value>) -> Result<IntentRequest, Error> {
    read("request", members("request", value)?)
}

pub fn log_query(value: Option<Value>) -> Result<LogExportQuery, Error> {
    match value {
        None | Some(Value::Null) => Ok(LogExportQuery::default()),
        value => read("query", members("query", value)?),
    }
}

pub fn attestation(value: Option<Value>) -> Result<AttestationRequest, Error> {
    read("credential", members("credential", value)?)
}

pub fn assertion(value: Option<Value>) -> Result<AssertionRequest, Error> {
    read("credential", members("credential", value)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_intent_token_leaves_the_body_and_nulls_mean_absent() {
        let request =
            enroll(Some(json!({"username": "alice", "channel": "app", "intentToken": "eyJ.t", "phone": null})))
                .map_err(|f| f.to_string())
                .unwrap();
        assert_eq!(request.intent_token.as_ref().map(Secret::expose), Some("eyJ.t"));
        assert!(request.extra.is_empty(), "{:?}", request.extra);
        assert!(request.phone.is_none());
    }

    #[test]
    fn verify_takes_the_user_from_the_path_member() {
        let request = verify(Some(json!({"userId": "u-1", "code": "123456", "statusToken": "s"})))
            .map_err(|f| f.to_string())
            .unwrap();
        assert_eq!(request.user_id, "u-1");
        assert!(request.extra.is_empty());
        let missing = verify(Some(json!({"code": "1"}))).err().unwrap();
        assert_eq!(missing.field(), Some("userId"), "{}", missing.message());
    }

    #[test]
    fn rejected_values_are_not_repeated() {
        let failure = verify(Some(json!({"userId": "u", "code": 987654321}))).err().unwrap();
        assert!(!failure.message().contains("987654321"), "{}", failure.message());
        assert_eq!(failure.kind(), nevis_authcloud::ErrorKind::InvalidRequest);
        assert_eq!(failure.field(), Some("code"));
        let failure = approval(Some(json!("push"))).err().unwrap();
        assert_eq!(failure.message(), "request: must be an object (got a string)");
        let failure = approval(None).err().unwrap();
        assert_eq!(failure.field(), Some("request"));
    }
}
