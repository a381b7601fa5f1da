//! Structure-aware JSON for the fuzz targets.
//!
//! Random bytes rarely make it past serde's first byte, let alone to the field a decoder or a
//! validator checks. So the structured targets start from realistic documents (the simulator's
//! answers and the API reference's request examples, below) and let the fuzzer change them with
//! [`Mutation`]s: replace any node with another value (wrong type, null, huge number, deep nesting,
//! odd strings), remove a node, add a key. Keys and words come from the API's own vocabulary, so
//! an added key usually hits a real field.
//!
//! Secrets in the templates (status, transaction and intent tokens, recovery and SMS codes) carry
//! [`SECRET_MARK`]; [`Mutation::Secret`] may also put a marked secret in the wrong shape (a string
//! where a list is expected, a list where a string is). Nothing else generated here contains the
//! mark, so a target can require that it never shows.

use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::{Map, Value, json};

use crate::SECRET_MARK;

/// Keys the API uses in answers and requests.
const KEYS: &[&str] = &[
    "userId",
    "username",
    "status",
    "channel",
    "authenticators",
    "authenticatorId",
    "authenticatorType",
    "type",
    "name",
    "enrollment",
    "transactionId",
    "statusToken",
    "token",
    "qrCode",
    "dataUri",
    "size",
    "appLinkUri",
    "credentialCreationOptions",
    "credentialRequestOptions",
    "rp",
    "relyingParty",
    "user",
    "challenge",
    "pubKeyCredParams",
    "alg",
    "timeout",
    "excludeCredentials",
    "allowCredentials",
    "userVerification",
    "authenticatorSelection",
    "residentKey",
    "attestation",
    "phones",
    "phone",
    "phoneId",
    "recoveryCodes",
    "codes",
    "remaining",
    "createdAt",
    "updatedAt",
    "lastUpdatedAt",
    "active",
    "iat",
    "nbf",
    "exp",
    "sub",
    "aud",
    "iss",
    "jti",
    "scope",
    "errorMessage",
    "error",
    "message",
    "path",
    "timestamp",
    "uaf",
    "deviceRef",
    "userAgent",
    "userDisabledPushNotification",
    "exceededRateLimits",
    "state",
    "enrolledAt",
    "lastLoginDateSuccess",
    "lastLoginDateFailure",
    "id",
    "displayName",
    "prompt",
    "notificationMessage",
    "fido2Options",
    "operation",
    "channels",
    "code",
    "filter",
    "fromDate",
    "toDate",
    "timespan",
    "category",
    "actorType",
    "intentToken",
    "response",
    "clientDataJSON",
    "attestationObject",
    "authenticatorData",
    "signature",
    "userHandle",
    "userFriendlyName",
    "rpId",
];

/// Values the API uses, and strings validators have rules about.
const WORDS: &[&str] = &[
    "pending",
    "succeeded",
    "failed",
    "unknown",
    "app",
    "push",
    "sms",
    "fido2",
    "recovery",
    "new",
    "active",
    "ios",
    "android",
    "public-key",
    "required",
    "preferred",
    "discouraged",
    "platform",
    "cross-platform",
    "none",
    "direct",
    "ok",
    "enroll",
    "approve",
    "alice",
    "a@b.c",
    "+41791234567",
    "+0791234567",
    "31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e",
    "31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5",
    "*",
    "{{CODE}}",
    "Your code {{CODE}} €",
    "<html><b>Pay</b> CHF 10<br/></html>",
    "<html><a href='x'>x</a></html>",
    "<b",
    "2020-09-23T12:13:45Z",
    "P7D",
    "P",
    "",
    " ",
    "\u{0}",
    "é",
    "😀",
    "\u{202e}",
    "%%%",
    "../..",
    "[{\"authenticatorId\":\"a\",\"authenticatorType\":\"app\"}]",
    "[",
    "{}",
    "text/csv",
];

/// Keys whose values are secrets wherever they appear in the templates.
const SECRET_KEYS: &[&str] = &["statusToken", "token", "codes", "intentToken", "code"];

fn secret(n: u32) -> String {
    format!("{SECRET_MARK}{n}")
}

/// A string the fuzzer chose, with [`SECRET_MARK`] taken out.
pub fn plain_text(u: &mut Unstructured) -> Result<String> {
    let mut text: String = u.arbitrary()?;
    while text.contains(SECRET_MARK) {
        text = text.replace(SECRET_MARK, "");
    }
    Ok(text)
}

fn word(u: &mut Unstructured) -> Result<String> {
    Ok(u.choose(WORDS)?.to_string())
}

fn key(u: &mut Unstructured) -> Result<String> {
    if u.ratio(1, 8)? { plain_text(u) } else { Ok(u.choose(KEYS)?.to_string()) }
}

/// Any JSON value, from the API's vocabulary or not.
pub fn value(u: &mut Unstructured, depth: u32) -> Result<Value> {
    let last = if depth >= 3 { 8 } else { 11 };
    Ok(match u.int_in_range(0..=last)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => Value::from(u.arbitrary::<u64>()?),
        4 => {
            let float: f64 = u.arbitrary()?;
            Value::from(if float.is_finite() { float } else { 0.5 })
        }
        5 | 6 => Value::String(word(u)?),
        7 => Value::String(plain_text(u)?),
        8 => Value::from(*u.choose(&[-1i64, 0, 1, 300, 4_294_967_296, i64::MIN, i64::MAX])?),
        9 => {
            let len = u.int_in_range(0..=4)?;
            Value::Array((0..len).map(|_| value(u, depth + 1)).collect::<Result<_>>()?)
        }
        10 => {
            let len = u.int_in_range(0..=4)?;
            let mut map = Map::new();
            for _ in 0..len {
                map.insert(key(u)?, value(u, depth + 1)?);
            }
            Value::Object(map)
        }
        // Nesting around serde_json's recursion limit (128).
        _ => {
            let mut nested = Value::Null;
            for _ in 0..u.int_in_range(120..=140)? {
                nested = Value::Array(vec![nested]);
            }
            nested
        }
    })
}

/// The shapes a secret may arrive in when the server gets it wrong.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum SecretShape {
    Text,
    InList,
    InObject,
}

/// One change to a document. A path picks a node: each step chooses a child (modulo the number of
/// children) until the steps run out or a scalar is reached.
#[derive(Debug, Clone, Arbitrary)]
pub enum Mutation {
    /// Replace the node with a generated value.
    Set(Vec<u8>, Generated),
    /// Remove the node from its parent.
    Remove(Vec<u8>),
    /// Add a key to the object (or an element to the list) at the path.
    Insert(Vec<u8>, Generated),
    /// Where the path ends under a secret key, put a marked secret there in this shape.
    Secret(Vec<u8>, SecretShape),
}

/// A value generated from the fuzzer's bytes when a mutation is applied.
#[derive(Debug, Clone)]
pub struct Generated {
    pub key: String,
    pub value: Value,
}

impl<'a> Arbitrary<'a> for Generated {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Generated { key: key(u)?, value: value(u, 0)? })
    }
}

/// Applies `mutations` to `document`; `next_secret` numbers newly planted secrets.
pub fn mutate(document: &mut Value, mutations: &[Mutation]) {
    let mut next_secret = 1000;
    for mutation in mutations {
        match mutation {
            Mutation::Set(path, generated) => {
                if let Some((node, _)) = walk(document, path) {
                    *node = generated.value.clone();
                }
            }
            Mutation::Remove(path) => remove(document, path),
            Mutation::Insert(path, generated) => match walk(document, path) {
                Some((Value::Object(map), _)) => {
                    map.insert(generated.key.clone(), generated.value.clone());
                }
                Some((Value::Array(list), _)) => list.push(generated.value.clone()),
                _ => {}
            },
            Mutation::Secret(path, shape) => {
                if let Some((node, true)) = walk(document, path) {
                    next_secret += 1;
                    let text = Value::String(secret(next_secret));
                    *node = match shape {
                        SecretShape::Text => text,
                        SecretShape::InList => Value::Array(vec![text]),
                        SecretShape::InObject => json!({ "value": text }),
                    };
                }
            }
        }
    }
}

/// The node at `path`, and whether the last key on the way is a secret key.
fn walk<'v>(mut node: &'v mut Value, path: &[u8]) -> Option<(&'v mut Value, bool)> {
    let mut under_secret = false;
    for &step in path {
        let children = match &*node {
            Value::Object(map) => map.len(),
            Value::Array(list) => list.len(),
            _ => 0,
        };
        if children == 0 {
            break;
        }
        let index = step as usize % children;
        node = match node {
            Value::Object(map) => {
                let (key, child) = map.iter_mut().nth(index)?;
                under_secret = SECRET_KEYS.contains(&key.as_str());
                child
            }
            Value::Array(list) => list.get_mut(index)?,
            _ => return None,
        };
    }
    Some((node, under_secret))
}

fn remove(document: &mut Value, path: &[u8]) {
    let Some((&last, parent_path)) = path.split_last() else { return };
    match walk(document, parent_path) {
        Some((Value::Object(map), _)) if !map.is_empty() => {
            let key = map.keys().nth(last as usize % map.len()).cloned();
            if let Some(key) = key {
                map.remove(&key);
            }
        }
        Some((Value::Array(list), _)) if !list.is_empty() => {
            let index = last as usize % list.len();
            list.remove(index);
        }
        _ => {}
    }
}

/// Replaces every planted secret with a plain string (for a template decoded as another
/// endpoint's answer, where the secret's field is not a secret).
pub fn unmark(document: &mut Value) {
    match document {
        Value::String(text) if text.contains(SECRET_MARK) => *text = text.replace(SECRET_MARK, "plain"),
        Value::Array(list) => list.iter_mut().for_each(unmark),
        Value::Object(map) => map.values_mut().for_each(unmark),
        _ => {}
    }
}

const UUID_A: &str = "e8e99f52-ee2c-4f55-9295-51936db1c2c7";
const UUID_B: &str = "7e159720-4d1a-4a5f-a53e-7ef219000442";

/// Answer bodies as the simulator sends them, per client method (see `fuzzing::Endpoint::name`).
pub fn answer_templates(endpoint: &str) -> Vec<Value> {
    let authenticator = json!({
        "authenticatorId": UUID_B, "authenticatorType": "app", "enrolledAt": "2026-11-29T02:58:42.180Z",
        "name": "iPhone", "state": "active", "type": "ios", "updatedAt": "2026-11-29T02:58:42.180Z",
        "uaf": {"deviceRef": "8eeb3fd0", "userAgent": "NMASDK/3.3.2 (ios)", "userDisabledPushNotification": false}
    });
    let user = json!({
        "userId": UUID_A, "username": "alice", "status": "active", "createdAt": "2026-11-29T02:58:32.659Z",
        "updatedAt": "2026-11-29T02:58:32.659Z", "authenticators": [authenticator.clone()],
        "phones": [{"phoneId": UUID_B, "phone": "+41791234567", "status": "active", "createdAt": "2026-11-29T02:58:52.553Z"}],
        "recoveryCodes": {"codes": [secret(1), secret(2)], "createdAt": "2026-11-29T02:58:52.553Z", "remaining": 2},
        "exceededRateLimits": ["sms"], "lastLoginDateSuccess": null
    });
    let creation = json!({
        "rp": {"id": "example.com", "name": "Example"}, "user": {"id": "dQ", "name": "carol", "displayName": "Carol"},
        "challenge": "Y2hhbGxlbmdl", "pubKeyCredParams": [{"type": "public-key", "alg": -7}, {"type": "public-key", "alg": -257}],
        "timeout": 60000, "authenticatorSelection": {"residentKey": "required", "userVerification": "preferred", "authenticatorAttachment": "platform"},
        "attestation": "none", "excludeCredentials": [{"type": "public-key", "id": "AAAA", "transports": ["internal"]}]
    });
    let request_options = json!({
        "challenge": "Y2hhbGxlbmdl", "timeout": 60000, "rpId": "example.com",
        "allowCredentials": [{"type": "public-key", "id": "AAAA"}], "userVerification": "required"
    });
    let qr = json!({"type": "image/png", "size": 300, "dataUri": "data:image/png;base64,iVBORw0KGgo="});
    match endpoint {
        "ping" => vec![json!("PONG")],
        "enroll" => {
            let mut app = user.clone();
            app["enrollment"] = json!({"transactionId": UUID_B, "statusToken": secret(3), "qrCode": qr, "appLinkUri": "https://x/open?dispatchTokenResponse=e30"});
            let mut fido2 = user.clone();
            fido2["enrollment"] =
                json!({"transactionId": UUID_B, "statusToken": secret(4), "credentialCreationOptions": creation});
            vec![app, fido2, user.clone()]
        }
        "approve" => vec![
            json!({"transactionId": UUID_B, "statusToken": secret(5), "userId": UUID_A, "authenticatorId": UUID_B, "qrCode": qr, "appLinkUri": "https://x/open"}),
            json!({"transactionId": UUID_B, "statusToken": secret(6), "credentialRequestOptions": request_options}),
        ],
        "get_status" => vec![
            json!({"transactionId": UUID_B, "status": "succeeded", "userId": UUID_A, "username": "alice", "token": secret(7),
                   "createdAt": "2026-11-29T02:58:40.730Z", "lastUpdatedAt": "2026-11-29T02:58:41.197Z"}),
            json!({"transactionId": UUID_B, "status": "pending", "createdAt": "2026-11-29T02:58:40.730Z"}),
            json!({"status": "unknown"}),
        ],
        "create_intent" => vec![json!({"token": secret(8)})],
        "introspect" => vec![
            json!({"active": true, "iat": 1795921112, "nbf": 1795921112, "exp": 1795924712, "sub": UUID_A, "aud": "api", "iss": "https://acme.mauth.nevis.cloud", "jti": UUID_B, "scope": "transaction"}),
            json!({"active": false}),
        ],
        "get_user" | "find_user" => vec![user.clone()],
        "find_aadb2c_user" => vec![
            json!({"userId": UUID_A, "username": UUID_B, "status": "active", "authenticators": serde_json::to_string(&json!([authenticator])).unwrap_or_default()}),
            json!({"authenticators": ""}),
        ],
        "rename_authenticator" => vec![authenticator],
        "complete_attestation" | "complete_assertion" => vec![
            json!({"status": "ok", "errorMessage": "", "token": secret(9)}),
            json!({"status": "failed", "errorMessage": "id must not be empty"}),
        ],
        _ => vec![],
    }
}

/// The API's error bodies (ISO timestamps on most errors, epoch milliseconds on 401/403).
pub fn error_templates() -> Vec<Value> {
    vec![
        json!({"error": "Bad Request", "message": "The username '%%%%%' contains invalid characters", "path": "/api/v1/users/enroll", "status": 400, "timestamp": "2020-09-23T12:15:23Z"}),
        json!({"error": "Forbidden", "path": "/api/v1/users/enroll", "status": 403, "timestamp": 1600863157593i64}),
        json!({"error": "Too Many Requests", "message": "slow down", "status": 429}),
    ]
}

/// Request documents for the C entry points, per function (`nevis_client_<name>`).
pub fn request_templates(function: &str) -> Vec<Value> {
    match function {
        "enroll" => vec![
            json!({"username": "alice", "channel": "app"}),
            json!({"userId": UUID_A, "channel": "push"}),
            json!({"username": "bob", "channel": "sms", "phone": "+41791234567", "message": "Your code {{CODE}}"}),
            json!({"username": "carol", "channel": "fido2", "displayName": "Carol",
                   "fido2Options": {"authenticatorSelection": {"residentKey": "required"}, "attestation": "direct"}}),
            json!({"username": "dave", "channel": "recovery"}),
        ],
        "approve" => vec![
            json!({"username": "alice", "channel": "push", "prompt": true, "message": "Pay CHF 10 to Bob?", "notificationMessage": "Confirm"}),
            json!({"channel": "app", "authenticatorId": "*"}),
            json!({"username": "alice", "channel": "app", "message": "<html><b>Pay</b> CHF 10</html>"}),
            json!({"userId": UUID_A, "channel": "sms", "message": "Code {{CODE}}"}),
            json!({"channel": "fido2", "fido2Options": {"userVerification": "required"}}),
            json!({"username": "alice"}),
        ],
        "verify" => vec![
            json!({"code": secret(20), "statusToken": secret(21)}),
            json!({"code": secret(22), "channel": "recovery"}),
        ],
        "create_intent" => vec![
            json!({"username": "alice", "operation": "approve", "channels": ["push", "sms"]}),
            json!({"userId": UUID_A, "operation": "enroll"}),
        ],
        "export_logs" => vec![
            json!({"timespan": "P7D", "status": "failed", "category": "authentication", "channel": "push", "actorType": "api"}),
            json!({"filter": "alice", "fromDate": "2024-01-01T00:00:00Z", "toDate": "2024-02-01T00:00:00Z"}),
        ],
        "complete_attestation" => vec![json!({
            "type": "public-key", "id": "AAAA", "response": {"clientDataJSON": "e30", "attestationObject": "oA"},
            "userFriendlyName": "Laptop", "userAgent": "Mozilla/5.0", "statusToken": secret(23)
        })],
        "complete_assertion" => vec![json!({
            "type": "public-key", "id": "AAAA",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA", "userHandle": "dQ"},
            "userAgent": "Mozilla/5.0", "statusToken": secret(24)
        })],
        _ => vec![],
    }
}

/// A template for `name` changed by the fuzzer, or (rarely) any generated value.
pub fn document(u: &mut Unstructured, templates: &[Value]) -> Result<Value> {
    let mut document =
        if templates.is_empty() || u.ratio(1, 16)? { value(u, 0)? } else { u.choose(templates)?.clone() };
    let mutations: Vec<Mutation> = u.arbitrary_iter()?.take(8).collect::<Result<_>>()?;
    mutate(&mut document, &mutations);
    Ok(document)
}
