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
//!   `ErrorKind::ALL` and the core's own answers, each kind's doc from its variant in
//!   `src/error.rs` (the bindings' plain error classes are documented with it);
//! - operations and client options are tables kept here by hand, proven against `src/client.rs`,
//!   `src/config.rs` and the configuration the core builds.
//!
//! The test fails when the committed document differs from what the types say; `make generate`
//! (which runs this test with `NEVIS_WRITE_SURFACE=1`) rewrites it. Living in a test keeps it out
//! of every release artifact.

mod models;
mod tables;

use std::collections::{BTreeMap, BTreeSet};

use nevis_authcloud::{Error, ErrorKind};
use serde_json::{Map, Value, json};

use models::{Field, Model, all_fields, compiled_enums, read_enums, read_models};
use tables::{CLIENT_SOURCE, OPERATIONS, WAIT_SOURCE, call_options, client_options, doc_before, setter_doc};

const SURFACE_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api/surface.json");
const ERROR_SOURCE: &str = include_str!("../../src/error.rs");

/// `///` lines as one line of text.
fn doc_text(lines: &[String]) -> String {
    lines.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The doc of each `ErrorKind` variant, by variant name, as plain text: an intra-doc link
/// (``[`Error::retry_after`]``) keeps only its code span, which reads the same in every language.
/// Fails on any line of the enum that is not a doc line or a bare variant.
fn kind_docs() -> BTreeMap<String, String> {
    let body = ERROR_SOURCE
        .split_once("pub enum ErrorKind {\n")
        .and_then(|(_, rest)| rest.split_once("\n}"))
        .map(|(body, _)| body)
        .expect("src/error.rs declares `pub enum ErrorKind { … }`");
    let mut docs = BTreeMap::new();
    let mut lines = Vec::new();
    for line in body.lines().map(str::trim) {
        if let Some(doc) = line.strip_prefix("///") {
            lines.push(doc.trim().replace("[`", "`").replace("`]", "`"));
        } else if let Some(variant) = line.strip_suffix(',').filter(|v| v.chars().all(char::is_alphanumeric)) {
            assert!(!lines.is_empty(), "src/error.rs: ErrorKind::{variant} has no doc");
            docs.insert(variant.to_string(), doc_text(&lines));
            lines.clear();
        } else {
            panic!("src/error.rs: unexpected line in ErrorKind: {line}");
        }
    }
    docs
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
    let docs = kind_docs();
    let kinds: Vec<Value> = ErrorKind::ALL
        .iter()
        .map(|kind| {
            let variant = format!("{kind:?}");
            let doc =
                docs.get(&variant).unwrap_or_else(|| panic!("src/error.rs: no doc read for ErrorKind::{variant}"));
            json!({
                "kind": kind.as_str(),
                "doc": doc,
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
                "doc": doc_before(if op.name == "wait_for_status" { WAIT_SOURCE } else { CLIENT_SOURCE }, op.name),
            })
        })
        .collect();
    let options: Vec<Value> = client_options()
        .into_iter()
        .map(|o| json!({ "name": o.name, "type": o.ty, "default": o.default, "bounds": o.bounds, "doc": setter_doc(o.name) }))
        .collect();
    json!({
        "about": "The public surface of the nevis-authcloud core, generated by core/tests/surface/ (make generate). Do not edit.",
        "operations": operations,
        "models": model_json,
        "enums": enum_json,
        "secret_fields": secrets,
        "error_kinds": kinds,
        "client_options": options,
        "call_options": call_options()
            .into_iter()
            .map(|(name, ty, doc)| json!({ "name": name, "type": ty, "doc": doc }))
            .collect::<Vec<_>>(),
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
