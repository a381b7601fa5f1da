//! The SDK's public surface as one JSON document, `docs/api/surface.json`, and the proof that it
//! is complete.
//!
//! Every binding mirrors the core by hand or by generation: Python's dataclasses, the Node type
//! declarations, the error tables of each language, the list of secret fields Node redacts.
//! `scripts/surface.py` generates or checks those files against this document, so the document
//! itself must be right. It is built here, from the core's own types:
//!
//! - models and their fields are read from `src/models/*.rs` by a strict reader that fails on any
//!   line it does not understand, then each field is proven against the compiled type through
//!   serde (a field of the wrong type is rejected, a required field cannot be left out, an
//!   optional one can);
//! - enum values come from each enum's `KNOWN` list, error kinds and their retry facts from
//!   `ErrorKind::ALL` and the core's own answers;
//! - operations and client options are tables kept here by hand, proven against `src/client.rs`,
//!   `src/config.rs` and the configuration the core builds.
//!
//! The test fails when the committed document differs from what the types say; `make generate`
//! (which runs this test with `NEVIS_WRITE_SURFACE=1`) rewrites it. Living in a test keeps it out
//! of every release artifact.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use nevis_authcloud::models::*;
use nevis_authcloud::{ClientConfig, Error, ErrorKind};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

const MODEL_SOURCES: &[(&str, &str)] = &[
    ("approval.rs", include_str!("../src/models/approval.rs")),
    ("enroll.rs", include_str!("../src/models/enroll.rs")),
    ("fido2.rs", include_str!("../src/models/fido2.rs")),
    ("intent.rs", include_str!("../src/models/intent.rs")),
    ("logs.rs", include_str!("../src/models/logs.rs")),
    ("status.rs", include_str!("../src/models/status.rs")),
    ("user.rs", include_str!("../src/models/user.rs")),
    ("verify.rs", include_str!("../src/models/verify.rs")),
];
const ENUM_SOURCE: &str = include_str!("../src/models/enums.rs");
const CLIENT_SOURCE: &str = include_str!("../src/client.rs");
const WAIT_SOURCE: &str = include_str!("../src/wait.rs");
const CONFIG_SOURCE: &str = include_str!("../src/config.rs");
const SURFACE_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api/surface.json");

// ---- models, read from their source -------------------------------------------------------------

#[derive(Debug, Clone)]
struct Field {
    rust: String,
    wire: String,
    ty: Value,
    optional: bool,
    secret: bool,
    /// `#[serde(skip)]`: an argument of the call that travels elsewhere (path, credential).
    in_body: bool,
    doc: String,
}

#[derive(Debug, Clone)]
struct Model {
    name: String,
    file: &'static str,
    doc: String,
    fields: Vec<Field>,
    /// Models whose fields this one carries too (`#[serde(flatten)]` of a model).
    includes: Vec<String>,
    /// Keeps members it does not know (`#[serde(flatten)] extra: Extra`).
    open: bool,
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `(type, secret)` for a Rust field type, or a message naming what this reader does not know.
fn wire_type(rust: &str) -> Result<(Value, bool), String> {
    let rust = rust.trim();
    if let Some(inner) = rust.strip_prefix("Vec<").and_then(|rest| rest.strip_suffix('>')) {
        let (items, secret) = wire_type(inner)?;
        return Ok((json!({ "array": items }), secret));
    }
    Ok(match rust {
        "String" => (json!("string"), false),
        "Secret" | "crate::Secret" => (json!("string"), true),
        "bool" => (json!("boolean"), false),
        "i64" | "u64" | "u32" => (json!("integer"), false),
        name if name.chars().all(|c| c.is_ascii_alphanumeric()) && name.starts_with(char::is_uppercase) => {
            (json!({ "ref": name }), false)
        }
        other => return Err(format!("unknown field type `{other}`")),
    })
}

fn doc_text(lines: &[String]) -> String {
    lines.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every serde struct of the model sources. Panics, naming file and line, on anything it cannot
/// read, so a field can never be missed silently.
fn read_models() -> Vec<Model> {
    let mut models = Vec::new();
    for (file, source) in MODEL_SOURCES {
        let mut docs: Vec<String> = Vec::new();
        let mut attrs: Vec<String> = Vec::new();
        let mut current: Option<Model> = None;
        for (number, raw) in source.lines().enumerate() {
            let at = format!("core/src/models/{file}:{}", number + 1);
            let line = raw.trim();
            if let Some(model) = current.as_mut() {
                if line == "}" {
                    models.push(current.take().expect("inside a struct"));
                } else if let Some(doc) = line.strip_prefix("///") {
                    docs.push(doc.trim().to_string());
                } else if line.starts_with("#[") {
                    assert!(line.ends_with(']'), "{at}: attribute on several lines: {line}");
                    attrs.push(line.to_string());
                } else if line.is_empty() || line.starts_with("//") {
                } else if let Some(field) = line.strip_prefix("pub ").and_then(|rest| rest.strip_suffix(',')) {
                    let (rust, ty) = field.split_once(':').unwrap_or_else(|| panic!("{at}: not a field: {line}"));
                    let rust = rust.trim().to_string();
                    let serde: Vec<&str> =
                        attrs.iter().filter(|a| a.starts_with("#[serde(")).map(String::as_str).collect();
                    let has = |word: &str| serde.iter().any(|a| a.contains(word));
                    if has("flatten") {
                        if ty.trim() == "Extra" {
                            model.open = true;
                        } else {
                            model.includes.push(ty.trim().to_string());
                        }
                    } else {
                        let (optional, inner) =
                            match ty.trim().strip_prefix("Option<").and_then(|t| t.strip_suffix('>')) {
                                Some(inner) => (true, inner),
                                None => (false, ty.trim()),
                            };
                        let (ty, secret) = wire_type(inner).unwrap_or_else(|err| panic!("{at}: {err}"));
                        let wire = serde
                            .iter()
                            .find_map(|a| a.split("rename = \"").nth(1).and_then(|rest| rest.split('"').next()))
                            .map_or_else(|| camel(&rust), str::to_string);
                        let skip = serde.iter().any(|a| a.contains("(skip)"));
                        model.fields.push(Field {
                            rust,
                            wire,
                            ty,
                            optional: optional || has("default") || skip,
                            secret,
                            in_body: !skip,
                            doc: doc_text(&docs),
                        });
                    }
                    docs.clear();
                    attrs.clear();
                } else {
                    panic!("{at}: the surface reader does not understand this line of a struct: {line}");
                }
                if current.is_none() {
                    docs.clear();
                    attrs.clear();
                }
                continue;
            }
            if let Some(doc) = line.strip_prefix("///") {
                docs.push(doc.trim().to_string());
            } else if line.starts_with("#[") {
                attrs.push(line.to_string());
            } else if let Some(name) = line.strip_prefix("pub struct ").and_then(|rest| rest.strip_suffix(" {")) {
                let serde_model = attrs.iter().any(|a| a.contains("Serialize") || a.contains("Deserialize"));
                assert!(
                    attrs.iter().any(|a| a.contains("rename_all = \"camelCase\"")) || !serde_model,
                    "{at}: a wire model without #[serde(rename_all = \"camelCase\")]: the reader assumes camelCase"
                );
                if serde_model {
                    current = Some(Model {
                        name: name.to_string(),
                        file,
                        doc: doc_text(&docs),
                        fields: Vec::new(),
                        includes: Vec::new(),
                        open: false,
                    });
                }
                docs.clear();
                attrs.clear();
            } else {
                docs.clear();
                attrs.clear();
            }
        }
        assert!(current.is_none(), "core/src/models/{file}: a struct does not end");
    }
    models
}

/// Every field of `model`, its included models' fields first.
fn all_fields(models: &BTreeMap<String, Model>, model: &Model) -> Vec<Field> {
    let mut fields = Vec::new();
    for included in &model.includes {
        fields.extend(all_fields(models, &models[included]));
    }
    fields.extend(model.fields.iter().cloned());
    fields
}

// ---- the compiled types, to prove the reader right ---------------------------------------------

type RoundTrip = fn(&Value) -> Result<Value, String>;

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|err| err.to_string())?;
    serde_json::to_value(&typed).map_err(|err| err.to_string())
}

macro_rules! compiled {
    ($($model:ident),+ $(,)?) => {
        fn compiled_models() -> BTreeMap<&'static str, RoundTrip> {
            BTreeMap::from([$((stringify!($model), round_trip::<$model> as RoundTrip)),+])
        }
    };
}

compiled![
    ApprovalRequest,
    ApprovalFido2Options,
    ApprovalResponse,
    EnrollRequest,
    RegistrationFido2Options,
    EnrollResponse,
    Enrollment,
    QrCode,
    AuthenticatorSelection,
    RelyingParty,
    WebAuthnUser,
    PubKeyCredParam,
    CredentialDescriptor,
    CredentialCreationOptions,
    CredentialRequestOptions,
    AttestationRequest,
    AttestationResponseData,
    AssertionRequest,
    AssertionResponseData,
    Fido2Result,
    IntentRequest,
    IntentResponse,
    IntrospectResponse,
    LogExportQuery,
    StatusResponse,
    User,
    Authenticator,
    UafInfo,
    Phone,
    RecoveryCodes,
    AzureUser,
    VerifyRequest,
];

fn enum_values<E: Serialize>(known: &[E]) -> Vec<String> {
    known
        .iter()
        .map(|value| serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
        .collect()
}

macro_rules! enums {
    ($($name:ident),+ $(,)?) => {
        fn compiled_enums() -> BTreeMap<&'static str, Vec<String>> {
            BTreeMap::from([$((stringify!($name), enum_values($name::KNOWN))),+])
        }
    };
}

enums![
    Channel,
    OperationStatus,
    UserStatus,
    AuthenticatorType,
    Platform,
    UserVerification,
    AuthenticatorAttachment,
    ResidentKey,
    Attestation,
    IntentOperation,
    LogStatus,
    LogCategory,
    LogChannel,
    ActorType,
    Fido2ResultStatus,
];

/// The enums `api_enum!` declares, with their doc, in source order.
fn read_enums() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut lines = ENUM_SOURCE.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line != "api_enum! {" {
            continue;
        }
        let mut docs = Vec::new();
        for line in lines.by_ref() {
            if let Some(doc) = line.strip_prefix("///") {
                docs.push(doc.trim().to_string());
            } else {
                let name = line
                    .strip_suffix(" {")
                    .unwrap_or_else(|| panic!("enums.rs: expected `Name {{` after api_enum!, got {line}"));
                found.push((name.to_string(), doc_text(&docs)));
                break;
            }
        }
    }
    found
}

/// A value of `ty` that the compiled type accepts; `wrong` gives one it must reject.
fn sample(models: &BTreeMap<String, Model>, enums: &BTreeMap<&str, Vec<String>>, ty: &Value) -> Value {
    match ty {
        Value::String(name) if name == "string" => json!("sample"),
        Value::String(name) if name == "boolean" => json!(true),
        Value::String(name) if name == "integer" => json!(7),
        Value::Object(map) if map.contains_key("array") => json!([sample(models, enums, &map["array"])]),
        Value::Object(map) => {
            let name = map["ref"].as_str().unwrap_or_default();
            if let Some(values) = enums.get(name) {
                json!(values[0])
            } else {
                full_sample(models, enums, &models[name])
            }
        }
        other => panic!("no sample for {other}"),
    }
}

fn wrong(ty: &Value) -> Value {
    if ty == "string" || ty.get("ref").is_some() || ty.get("array").is_some() {
        json!(12345)
    } else {
        json!("not-this-type")
    }
}

fn full_sample(models: &BTreeMap<String, Model>, enums: &BTreeMap<&str, Vec<String>>, model: &Model) -> Value {
    let mut object = Map::new();
    for field in all_fields(models, model).iter().filter(|field| field.in_body) {
        object.insert(field.wire.clone(), sample(models, enums, &field.ty));
    }
    Value::Object(object)
}

#[test]
fn every_model_field_is_proven_against_its_compiled_type() {
    let read: BTreeMap<String, Model> = read_models().into_iter().map(|m| (m.name.clone(), m)).collect();
    let compiled = compiled_models();
    let enums = compiled_enums();
    let read_names: BTreeSet<&str> = read.keys().map(String::as_str).collect();
    let compiled_names: BTreeSet<&str> = compiled.keys().copied().collect();
    assert_eq!(
        read_names, compiled_names,
        "the models in src/models/*.rs and the `compiled!` list of this test differ"
    );

    for (name, check) in &compiled {
        let model = &read[*name];
        let full = full_sample(&read, &enums, model);
        let back = check(&full).unwrap_or_else(|err| panic!("{name}: a sample with every field is rejected: {err}"));
        for field in all_fields(&read, model).iter().filter(|field| field.in_body) {
            assert_eq!(
                back.get(&field.wire),
                full.get(&field.wire),
                "{name}.{} does not survive a round trip",
                field.wire
            );
            let mut mistyped = full.clone();
            mistyped[&field.wire] = wrong(&field.ty);
            assert!(
                check(&mistyped).is_err(),
                "{name}.{}: the type accepts a value of the wrong type, so it has no such field (or it is not {})",
                field.wire,
                field.ty
            );
            let mut without = full.clone();
            without.as_object_mut().map(|object| object.remove(&field.wire));
            assert_eq!(
                check(&without).is_ok(),
                field.optional,
                "{name}.{}: optional is {} in the surface, the type disagrees",
                field.wire,
                field.optional
            );
        }
    }

    let declared: BTreeSet<String> = read_enums().into_iter().map(|(name, _)| name).collect();
    let listed: BTreeSet<String> = enums.keys().map(|name| name.to_string()).collect();
    assert_eq!(declared, listed, "the api_enum! declarations and the `enums!` list of this test differ");
}

// ---- operations and options: kept by hand, proven against the source -----------------------------

struct Operation {
    name: &'static str,
    method: Option<&'static str>,
    path: Option<&'static str>,
    request: Option<&'static str>,
    /// Arguments that are not a request model: (wire name, where it travels, secret).
    params: &'static [(&'static str, &'static str, bool)],
    response: Option<&'static str>,
    /// The transport's `Safety` of the call: whether a retry can repeat an effect.
    safety: &'static str,
    doc: &'static str,
}

const OPERATIONS: &[Operation] = &[
    Operation {
        name: "ping",
        method: Some("GET"),
        path: Some("/ping"),
        request: None,
        params: &[],
        response: None,
        safety: "ReadOnly",
        doc: "Is the service reachable? Succeeds when it answers PONG.",
    },
    Operation {
        name: "enroll",
        method: Some("POST"),
        path: Some("/api/v1/users/enroll"),
        request: Some("EnrollRequest"),
        params: &[],
        response: Some("EnrollResponse"),
        safety: "NonIdempotent",
        doc: "Start registering an authenticator (creating the user when the username is new).",
    },
    Operation {
        name: "approve",
        method: Some("POST"),
        path: Some("/api/v1/approval"),
        request: Some("ApprovalRequest"),
        params: &[],
        response: Some("ApprovalResponse"),
        safety: "NonIdempotent",
        doc: "Send a push, show a QR code, text a code or start a passkey login.",
    },
    Operation {
        name: "get_status",
        method: Some("POST"),
        path: Some("/api/v1/status"),
        request: None,
        params: &[("statusToken", "body", true)],
        response: Some("StatusResponse"),
        safety: "ReadOnly",
        doc: "Where an operation stands; a failed operation (HTTP 412) is an answer with status failed.",
    },
    Operation {
        name: "wait_for_status",
        method: None,
        path: None,
        request: None,
        params: &[("statusToken", "body", true)],
        response: Some("StatusResponse"),
        safety: "ReadOnly",
        doc: "Polls get_status until the operation succeeded, failed or is unknown.",
    },
    Operation {
        name: "verify",
        method: Some("POST"),
        path: Some("/api/v1/users/{userId}/verification"),
        request: Some("VerifyRequest"),
        params: &[],
        response: None,
        safety: "NonIdempotent",
        doc: "Check an SMS code or spend a recovery code.",
    },
    Operation {
        name: "create_intent",
        method: Some("POST"),
        path: Some("/api/v1/intent"),
        request: Some("IntentRequest"),
        params: &[],
        response: Some("IntentResponse"),
        safety: "NonIdempotent",
        doc: "Mint a one-time token a browser can use for one enrolment or approval of one user.",
    },
    Operation {
        name: "introspect",
        method: Some("POST"),
        path: Some("/api/v1/introspect"),
        request: None,
        params: &[("token", "form", true)],
        response: Some("IntrospectResponse"),
        safety: "ReadOnly",
        doc: "Is this token valid, and what does it say?",
    },
    Operation {
        name: "get_user",
        method: Some("GET"),
        path: Some("/api/v1/users/{userId}"),
        request: None,
        params: &[("userId", "path", false)],
        response: Some("User"),
        safety: "ReadOnly",
        doc: "One user by id.",
    },
    Operation {
        name: "find_user",
        method: Some("GET"),
        path: Some("/api/v1/users"),
        request: None,
        params: &[("username", "query", false)],
        response: Some("User"),
        safety: "ReadOnly",
        doc: "The user with this username (NotFound if none).",
    },
    Operation {
        name: "delete_user",
        method: Some("DELETE"),
        path: Some("/api/v1/users/{userId}"),
        request: None,
        params: &[("userId", "path", false)],
        response: None,
        safety: "Idempotent",
        doc: "Delete the user and everything registered to it.",
    },
    Operation {
        name: "find_aadb2c_user",
        method: Some("GET"),
        path: Some("/api/v1/aadb2c/users"),
        request: None,
        params: &[("objectId", "query", false)],
        response: Some("AzureUser"),
        safety: "ReadOnly",
        doc: "The Azure AD B2C view of a user.",
    },
    Operation {
        name: "rename_authenticator",
        method: Some("PATCH"),
        path: Some("/api/v1/authenticators/{authenticatorId}"),
        request: None,
        params: &[("authenticatorId", "path", false), ("name", "body", false)],
        response: Some("Authenticator"),
        safety: "Idempotent",
        doc: "Rename an authenticator.",
    },
    Operation {
        name: "delete_authenticator",
        method: Some("DELETE"),
        path: Some("/api/v1/authenticators/{authenticatorId}"),
        request: None,
        params: &[("authenticatorId", "path", false)],
        response: None,
        safety: "Idempotent",
        doc: "Delete an authenticator.",
    },
    Operation {
        name: "export_logs",
        method: Some("GET"),
        path: Some("/api/v1/logs/export"),
        request: Some("LogExportQuery"),
        params: &[],
        response: None,
        safety: "ReadOnly",
        doc: "The audit log as CSV, streamed.",
    },
    Operation {
        name: "complete_attestation",
        method: Some("POST"),
        path: Some("/_app/attestation/result"),
        request: Some("AttestationRequest"),
        params: &[],
        response: Some("Fido2Result"),
        safety: "NonIdempotent",
        doc: "Finish a FIDO2 registration with what the browser produced.",
    },
    Operation {
        name: "complete_assertion",
        method: Some("POST"),
        path: Some("/_app/assertion/result"),
        request: Some("AssertionRequest"),
        params: &[],
        response: Some("Fido2Result"),
        safety: "NonIdempotent",
        doc: "Finish a FIDO2 authentication with what the browser produced.",
    },
];

/// The source of `fn name` in `source`: from its signature to the next item.
fn function_source<'a>(source: &'a str, name: &str) -> &'a str {
    let start = source
        .find(&format!(" fn {name}("))
        .or_else(|| source.find(&format!(" fn {name}<")))
        .unwrap_or_else(|| panic!("no fn {name} in the core"));
    let rest = &source[start..];
    let end = rest[1..].find("\n    pub ").or_else(|| rest[1..].find("\n    fn ")).map_or(rest.len(), |end| end + 1);
    &rest[..end]
}

fn snake(camel_case: &str) -> String {
    camel_case
        .chars()
        .flat_map(|c| if c.is_uppercase() { vec!['_', c.to_ascii_lowercase()] } else { vec![c] })
        .collect()
}

#[test]
fn the_operation_table_matches_the_client() {
    let public: BTreeSet<String> = CLIENT_SOURCE
        .lines()
        .chain(WAIT_SOURCE.lines())
        .filter_map(|line| line.trim().strip_prefix("pub async fn "))
        .map(|rest| rest.split(['(', '<']).next().unwrap_or_default().to_string())
        .collect();
    let listed: BTreeSet<String> = OPERATIONS.iter().map(|op| op.name.to_string()).collect();
    assert_eq!(public, listed, "the `pub async fn`s of Client and the operation table of this test differ");

    for op in OPERATIONS {
        let source = if op.name == "wait_for_status" { WAIT_SOURCE } else { CLIENT_SOURCE };
        let body = function_source(source, op.name);
        // A call may hand its path to a helper that sets method and safety (the FIDO2 completions).
        let helper = body.split("self.").filter_map(|call| call.split('(').next()).find_map(|callee| {
            CLIENT_SOURCE
                .contains(&format!("fn {callee}"))
                .then(|| function_source(CLIENT_SOURCE, callee))
                .filter(|_| callee != op.name)
        });
        let seen = |needle: &str| body.contains(needle) || helper.is_some_and(|helper| helper.contains(needle));
        if let Some(path) = op.path {
            let written = path.split('{').map(|part| match part.split_once('}') {
                Some((param, rest)) => format!("{{{}}}{rest}", snake(param)),
                None => part.to_string(),
            });
            let written: String = written.collect();
            // `format!("/users/{user_id}")` or `format!("/users/{}", request.user_id)`.
            let positional: String = path
                .split('{')
                .map(|part| part.split_once('}').map_or(part.to_string(), |(_, rest)| format!("{{}}{rest}")))
                .collect();
            assert!(
                body.contains(&format!("\"{written}\"")) || body.contains(&format!("\"{positional}\"")),
                "{}: path {path} (written {written}) is not in its source",
                op.name
            );
        }
        if let Some(method) = op.method {
            assert!(seen(&format!("Method::{method}")), "{}: method {method} is not in its source", op.name);
        }
        assert!(
            seen(&format!("Safety::{}", op.safety)) || op.method.is_none(),
            "{}: Safety::{} is not in its source",
            op.name,
            op.safety
        );
        if let Some(request) = op.request {
            assert!(body.contains(&format!("&{request}")), "{}: does not take a {request}", op.name);
        }
        let answer = op.response.unwrap_or(if op.name == "export_logs" { "LogExport" } else { "()" });
        assert!(body.contains(&format!("Result<{answer}>")), "{}: does not answer {answer}", op.name);
    }
}

struct ClientOption {
    /// The builder method that sets it.
    name: &'static str,
    ty: &'static str,
    default: Value,
    bounds: &'static str,
    doc: &'static str,
}

fn client_options() -> Vec<ClientOption> {
    vec![
        ClientOption {
            name: "instance",
            ty: "string",
            default: Value::Null,
            bounds: "letters, digits and -; give instance or base_url, not both",
            doc: "The instance id from the management console; the API is then https://{instance}.mauth.nevis.cloud.",
        },
        ClientOption {
            name: "base_url",
            ty: "string",
            default: Value::Null,
            bounds: "https:// except for loopback hosts; no query, fragment or credentials",
            doc: "The API root, for a proxy in front of Nevis or the local simulator.",
        },
        ClientOption {
            name: "access_key",
            ty: "secret string",
            default: Value::Null,
            bounds: "required, visible ASCII",
            doc: "The access key from the management console.",
        },
        ClientOption {
            name: "connect_timeout",
            ty: "duration",
            default: json!(10.0),
            bounds: "greater than zero",
            doc: "Time to establish a connection (TCP + TLS), in seconds.",
        },
        ClientOption {
            name: "request_timeout",
            ty: "duration",
            default: json!(30.0),
            bounds: "greater than zero",
            doc: "Time for one HTTP attempt, from sending to the last byte of the answer, in seconds.",
        },
        ClientOption {
            name: "deadline",
            ty: "duration",
            default: Value::Null,
            bounds: "greater than zero",
            doc: "Time for a whole call, all retries and their waits included, in seconds; none by default.",
        },
        ClientOption {
            name: "max_retries",
            ty: "integer",
            default: json!(2),
            bounds: "0 to 10",
            doc: "Retries after the first attempt, for failures that are safe to retry.",
        },
        ClientOption {
            name: "retry_backoff",
            ty: "duration pair",
            default: json!([0.5, 8.0]),
            bounds: "greater than zero; the cap is at least the initial backoff",
            doc: "The backoff before the first retry and its cap, in seconds (full jitter is applied).",
        },
        ClientOption {
            name: "max_retry_after",
            ty: "duration",
            default: json!(30.0),
            bounds: "greater than zero",
            doc: "The longest Retry-After the client waits for before giving up with rate_limited, in seconds.",
        },
        ClientOption {
            name: "max_response_bytes",
            ty: "integer",
            default: json!(4_194_304),
            bounds: "at least 1024",
            doc: "The largest JSON answer accepted; larger answers fail with decode.",
        },
        ClientOption {
            name: "max_connections",
            ty: "integer",
            default: json!(100),
            bounds: "1 or more",
            doc: "At most this many requests in flight at once, and so at most this many connections.",
        },
        ClientOption {
            name: "add_ca_certificates_pem",
            ty: "string list",
            default: json!([]),
            bounds: "PEM certificates",
            doc: "Trust these CA certificates in addition to the system's roots.",
        },
        ClientOption {
            name: "proxy",
            ty: "string",
            default: Value::Null,
            bounds: "http://, https://, socks5:// or socks5h:// URL",
            doc: "Send every request through this proxy.",
        },
        ClientOption {
            name: "use_env_proxy",
            ty: "boolean",
            default: json!(false),
            bounds: "",
            doc: "Take the proxy from HTTPS_PROXY/ALL_PROXY/NO_PROXY as curl does.",
        },
        ClientOption {
            name: "app_info",
            ty: "string",
            default: Value::Null,
            bounds: "no control characters",
            doc: "Appended to the User-Agent, e.g. shop-backend/2.3.",
        },
        ClientOption {
            name: "sdk_user_agent",
            ty: "string",
            default: Value::Null,
            bounds: "",
            doc: "For language bindings: replaces the SDK part of the User-Agent.",
        },
    ]
}

fn local() -> nevis_authcloud::ClientConfigBuilder {
    ClientConfig::builder().base_url("http://127.0.0.1:1").access_key("key")
}

fn rejected_naming(result: Result<ClientConfig, Error>, field: &str) -> bool {
    result.err().is_some_and(|err| err.kind() == ErrorKind::Config && err.field() == Some(field))
}

#[test]
fn the_option_table_matches_the_configuration() {
    let builder = &CONFIG_SOURCE[CONFIG_SOURCE.find("impl ClientConfigBuilder").expect("the builder's impl")..];
    let setters: BTreeSet<String> = builder
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub fn "))
        .filter(|rest| rest.contains("(mut self"))
        .map(|rest| rest.split('(').next().unwrap_or_default().to_string())
        .filter(|name| name != "env_defaults")
        .collect();
    let listed: BTreeSet<String> = client_options().iter().map(|option| option.name.to_string()).collect();
    assert_eq!(setters, listed, "the setters of ClientConfigBuilder and the option table of this test differ");

    let config = local().build().expect("a minimal configuration");
    let options: BTreeMap<&str, Value> =
        client_options().into_iter().map(|option| (option.name, option.default)).collect();
    let seconds = |d: Duration| json!(d.as_secs_f64());
    assert_eq!(options["connect_timeout"], seconds(config.connect_timeout()));
    assert_eq!(options["request_timeout"], seconds(config.request_timeout()));
    assert_eq!(options["deadline"], config.deadline().map_or(Value::Null, seconds));
    assert_eq!(options["max_retries"], json!(config.max_retries()));
    assert_eq!(options["max_connections"], json!(config.max_connections()));

    assert!(local().max_retries(10).build().is_ok());
    assert!(rejected_naming(local().max_retries(11).build(), "max_retries"));
    assert!(rejected_naming(local().max_connections(0).build(), "max_connections"));
    assert!(local().max_response_bytes(1024).build().is_ok());
    assert!(rejected_naming(local().max_response_bytes(1023).build(), "max_response_bytes"));
    assert!(rejected_naming(local().deadline(Duration::ZERO).build(), "deadline"));
}

// ---- the document -----------------------------------------------------------------------------

fn field_json(field: &Field) -> Value {
    let mut object = Map::new();
    object.insert("wire".into(), json!(field.wire));
    object.insert("rust".into(), json!(field.rust));
    object.insert("type".into(), field.ty.clone());
    object.insert("optional".into(), json!(field.optional));
    if field.secret {
        object.insert("secret".into(), json!(true));
    }
    if !field.in_body {
        object.insert("in_body".into(), json!(false));
    }
    if !field.doc.is_empty() {
        object.insert("doc".into(), json!(field.doc));
    }
    Value::Object(object)
}

fn surface() -> Value {
    let models = read_models();
    let by_name: BTreeMap<String, Model> = models.iter().map(|m| (m.name.clone(), m.clone())).collect();
    let enums = compiled_enums();

    let model_json: Vec<Value> = models
        .iter()
        .map(|model| {
            json!({
                "name": model.name,
                "source": format!("core/src/models/{}", model.file),
                "doc": model.doc,
                "open": model.open,
                "includes": model.includes,
                "fields": all_fields(&by_name, model).iter().map(field_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let enum_json: Vec<Value> = read_enums()
        .into_iter()
        .map(|(name, doc)| json!({ "name": name, "doc": doc, "values": enums[name.as_str()] }))
        .collect();
    let mut secrets = BTreeSet::new();
    for model in &models {
        for field in model.fields.iter().filter(|field| field.secret) {
            secrets.insert(field.wire.clone());
        }
    }
    for op in OPERATIONS {
        secrets.extend(op.params.iter().filter(|(_, _, secret)| *secret).map(|(name, _, _)| name.to_string()));
    }
    let kinds: Vec<Value> = ErrorKind::ALL
        .iter()
        .map(|kind| {
            json!({
                "kind": kind.as_str(),
                "retryable": kind.is_retryable(),
                "api_error": kind.is_api_error(),
                "may_have_been_applied": Error::new(*kind, "").may_have_been_applied().as_str(),
            })
        })
        .collect();
    let operations: Vec<Value> = OPERATIONS
        .iter()
        .map(|op| {
            json!({
                "name": op.name,
                "method": op.method,
                "path": op.path,
                "request": op.request,
                "params": op.params.iter().map(|(name, place, secret)| json!({ "wire": name, "in": place, "secret": secret })).collect::<Vec<_>>(),
                "response": op.response,
                "idempotent": op.safety != "NonIdempotent",
                "read_only": op.safety == "ReadOnly",
                "doc": op.doc,
            })
        })
        .collect();
    let options: Vec<Value> = client_options()
        .into_iter()
        .map(|o| json!({ "name": o.name, "type": o.ty, "default": o.default, "bounds": o.bounds, "doc": o.doc }))
        .collect();
    json!({
        "about": "The public surface of the nevis-authcloud core, generated by core/tests/surface.rs (make generate). Do not edit.",
        "operations": operations,
        "models": model_json,
        "enums": enum_json,
        "secret_fields": secrets,
        "error_kinds": kinds,
        "client_options": options,
    })
}

#[test]
fn the_committed_surface_is_current() {
    let text = serde_json::to_string_pretty(&surface()).expect("the surface serializes") + "\n";
    if std::env::var_os("NEVIS_WRITE_SURFACE").is_some() {
        std::fs::write(SURFACE_PATH, &text).expect("docs/api/surface.json is writable");
        return;
    }
    let committed = std::fs::read_to_string(SURFACE_PATH).unwrap_or_default();
    if committed != text {
        let line = committed
            .lines()
            .zip(text.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(committed.lines().count().min(text.lines().count()))
            + 1;
        panic!(
            "docs/api/surface.json differs from the core's types (first at line {line}): run `make generate` and commit the result"
        );
    }
}
