//! Models and enums read from `core/src/models/*.rs`, and proven against the compiled types.

use std::collections::{BTreeMap, BTreeSet};

use nevis_authcloud::models::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::doc_text;

pub(crate) const MODEL_SOURCES: &[(&str, &str)] = &[
    ("approval.rs", include_str!("../../src/models/approval.rs")),
    ("enroll.rs", include_str!("../../src/models/enroll.rs")),
    ("fido2.rs", include_str!("../../src/models/fido2.rs")),
    ("intent.rs", include_str!("../../src/models/intent.rs")),
    ("logs.rs", include_str!("../../src/models/logs.rs")),
    ("status.rs", include_str!("../../src/models/status.rs")),
    ("user.rs", include_str!("../../src/models/user.rs")),
    ("verify.rs", include_str!("../../src/models/verify.rs")),
];
pub(crate) const ENUM_SOURCE: &str = include_str!("../../src/models/enums.rs");
// ---- models, read from their source -------------------------------------------------------------

#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) rust: String,
    pub(crate) wire: String,
    pub(crate) ty: Value,
    pub(crate) optional: bool,
    pub(crate) secret: bool,
    /// `#[serde(skip)]`: an argument of the call that travels elsewhere (path, credential).
    pub(crate) in_body: bool,
    pub(crate) doc: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub(crate) name: String,
    pub(crate) file: &'static str,
    pub(crate) doc: String,
    pub(crate) fields: Vec<Field>,
    /// Models whose fields this one carries too (`#[serde(flatten)]` of a model).
    pub(crate) includes: Vec<String>,
    /// Keeps members it does not know (`#[serde(flatten)] extra: Extra`).
    pub(crate) open: bool,
}

pub(crate) fn camel(snake: &str) -> String {
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
pub(crate) fn wire_type(rust: &str) -> Result<(Value, bool), String> {
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

/// Every serde struct of the model sources. Panics, naming file and line, on anything it cannot
/// read, so a field can never be missed silently.
pub(crate) fn read_models() -> Vec<Model> {
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
pub(crate) fn all_fields(models: &BTreeMap<String, Model>, model: &Model) -> Vec<Field> {
    let mut fields = Vec::new();
    for included in &model.includes {
        fields.extend(all_fields(models, &models[included]));
    }
    fields.extend(model.fields.iter().cloned());
    fields
}

// ---- the compiled types, to prove the reader right ---------------------------------------------

pub(crate) type RoundTrip = fn(&Value) -> Result<Value, String>;

pub(crate) fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|err| err.to_string())?;
    serde_json::to_value(&typed).map_err(|err| err.to_string())
}

macro_rules! compiled {
    ($($model:ident),+ $(,)?) => {
        pub(crate) fn compiled_models() -> BTreeMap<&'static str, RoundTrip> {
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

pub(crate) fn enum_values<E: Serialize>(known: &[E]) -> Vec<String> {
    known
        .iter()
        .map(|value| serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default())
        .collect()
}

macro_rules! enums {
    ($($name:ident),+ $(,)?) => {
        pub(crate) fn compiled_enums() -> BTreeMap<&'static str, Vec<String>> {
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
pub(crate) fn read_enums() -> Vec<(String, String)> {
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
pub(crate) fn sample(models: &BTreeMap<String, Model>, enums: &BTreeMap<&str, Vec<String>>, ty: &Value) -> Value {
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

pub(crate) fn wrong(ty: &Value) -> Value {
    if ty == "string" || ty.get("ref").is_some() || ty.get("array").is_some() {
        json!(12345)
    } else {
        json!("not-this-type")
    }
}

pub(crate) fn full_sample(
    models: &BTreeMap<String, Model>,
    enums: &BTreeMap<&str, Vec<String>>,
    model: &Model,
) -> Value {
    let mut object = Map::new();
    for field in all_fields(models, model).iter().filter(|field| field.in_body) {
        object.insert(field.wire.clone(), sample(models, enums, &field.ty));
    }
    Value::Object(object)
}

#[test]
pub(crate) fn every_model_field_is_proven_against_its_compiled_type() {
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
