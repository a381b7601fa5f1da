//! The operation and client option tables, kept by hand and proven against `src/client.rs`,
//! `src/wait.rs`, `src/config.rs` and the configuration the core builds.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use nevis_authcloud::{ClientConfig, Error, ErrorKind};
use serde_json::{Value, json};

use super::doc_text;

pub(crate) const CLIENT_SOURCE: &str = include_str!("../../src/client.rs");
pub(crate) const WAIT_SOURCE: &str = include_str!("../../src/wait.rs");
pub(crate) const CONFIG_SOURCE: &str = include_str!("../../src/config.rs");

// ---- operations and options: kept by hand, proven against the source -----------------------------

pub(crate) struct Operation {
    pub(crate) name: &'static str,
    pub(crate) method: Option<&'static str>,
    pub(crate) path: Option<&'static str>,
    pub(crate) request: Option<&'static str>,
    /// Arguments that are not a request model: (wire name, where it travels, secret).
    pub(crate) params: &'static [(&'static str, &'static str, bool)],
    pub(crate) response: Option<&'static str>,
    /// The transport's `Safety` of the call: whether a retry can repeat an effect.
    pub(crate) safety: &'static str,
}

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        name: "ping",
        method: Some("GET"),
        path: Some("/ping"),
        request: None,
        params: &[],
        response: None,
        safety: "ReadOnly",
    },
    Operation {
        name: "enroll",
        method: Some("POST"),
        path: Some("/api/v1/users/enroll"),
        request: Some("EnrollRequest"),
        params: &[],
        response: Some("EnrollResponse"),
        safety: "NonIdempotent",
    },
    Operation {
        name: "approve",
        method: Some("POST"),
        path: Some("/api/v1/approval"),
        request: Some("ApprovalRequest"),
        params: &[],
        response: Some("ApprovalResponse"),
        safety: "NonIdempotent",
    },
    Operation {
        name: "get_status",
        method: Some("POST"),
        path: Some("/api/v1/status"),
        request: None,
        params: &[("statusToken", "body", true)],
        response: Some("StatusResponse"),
        safety: "ReadOnly",
    },
    Operation {
        name: "wait_for_status",
        method: None,
        path: None,
        request: None,
        params: &[("statusToken", "body", true)],
        response: Some("StatusResponse"),
        safety: "ReadOnly",
    },
    Operation {
        name: "verify",
        method: Some("POST"),
        path: Some("/api/v1/users/{userId}/verification"),
        request: Some("VerifyRequest"),
        params: &[],
        response: None,
        safety: "NonIdempotent",
    },
    Operation {
        name: "create_intent",
        method: Some("POST"),
        path: Some("/api/v1/intent"),
        request: Some("IntentRequest"),
        params: &[],
        response: Some("IntentResponse"),
        safety: "NonIdempotent",
    },
    Operation {
        name: "introspect",
        method: Some("POST"),
        path: Some("/api/v1/introspect"),
        request: None,
        params: &[("token", "form", true)],
        response: Some("IntrospectResponse"),
        safety: "ReadOnly",
    },
    Operation {
        name: "get_user",
        method: Some("GET"),
        path: Some("/api/v1/users/{userId}"),
        request: None,
        params: &[("userId", "path", false)],
        response: Some("User"),
        safety: "ReadOnly",
    },
    Operation {
        name: "find_user",
        method: Some("GET"),
        path: Some("/api/v1/users"),
        request: None,
        params: &[("username", "query", false)],
        response: Some("User"),
        safety: "ReadOnly",
    },
    Operation {
        name: "delete_user",
        method: Some("DELETE"),
        path: Some("/api/v1/users/{userId}"),
        request: None,
        params: &[("userId", "path", false)],
        response: None,
        safety: "Idempotent",
    },
    Operation {
        name: "find_aadb2c_user",
        method: Some("GET"),
        path: Some("/api/v1/aadb2c/users"),
        request: None,
        params: &[("objectId", "query", false)],
        response: Some("AzureUser"),
        safety: "ReadOnly",
    },
    Operation {
        name: "rename_authenticator",
        method: Some("PATCH"),
        path: Some("/api/v1/authenticators/{authenticatorId}"),
        request: None,
        params: &[("authenticatorId", "path", false), ("name", "body", false)],
        response: Some("Authenticator"),
        safety: "Idempotent",
    },
    Operation {
        name: "delete_authenticator",
        method: Some("DELETE"),
        path: Some("/api/v1/authenticators/{authenticatorId}"),
        request: None,
        params: &[("authenticatorId", "path", false)],
        response: None,
        safety: "Idempotent",
    },
    Operation {
        name: "export_logs",
        method: Some("GET"),
        path: Some("/api/v1/logs/export"),
        request: Some("LogExportQuery"),
        params: &[],
        response: None,
        safety: "ReadOnly",
    },
    Operation {
        name: "complete_attestation",
        method: Some("POST"),
        path: Some("/_app/attestation/result"),
        request: Some("AttestationRequest"),
        params: &[],
        response: Some("Fido2Result"),
        safety: "NonIdempotent",
    },
    Operation {
        name: "complete_assertion",
        method: Some("POST"),
        path: Some("/_app/assertion/result"),
        request: Some("AssertionRequest"),
        params: &[],
        response: Some("Fido2Result"),
        safety: "NonIdempotent",
    },
];

/// The source of `fn name` in `source`: from its signature to the next item.
pub(crate) fn function_source<'a>(source: &'a str, name: &str) -> &'a str {
    let start = source
        .find(&format!(" fn {name}("))
        .or_else(|| source.find(&format!(" fn {name}<")))
        .unwrap_or_else(|| panic!("no fn {name} in the core"));
    let rest = &source[start..];
    let end = rest[1..].find("\n    pub ").or_else(|| rest[1..].find("\n    fn ")).map_or(rest.len(), |end| end + 1);
    &rest[..end]
}

/// The `///` doc above the line of `source` that starts with `item`, as one line.
fn doc_above(source: &str, item: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let at = lines.iter().position(|line| line.trim().starts_with(item)).unwrap_or(0);
    let docs: Vec<String> = lines[..at]
        .iter()
        .rev()
        .map(|line| line.trim())
        .take_while(|line| line.starts_with("///"))
        .map(|line| line.trim_start_matches('/').trim().to_string())
        .collect();
    doc_text(&docs.into_iter().rev().collect::<Vec<_>>())
}

/// The doc of the operation `name` (a method of `Client`).
pub(crate) fn doc_before(source: &str, name: &str) -> String {
    doc_above(source, &format!("pub async fn {name}("))
}

pub(crate) fn snake(camel_case: &str) -> String {
    camel_case
        .chars()
        .flat_map(|c| if c.is_uppercase() { vec!['_', c.to_ascii_lowercase()] } else { vec![c] })
        .collect()
}

#[test]
pub(crate) fn the_operation_table_matches_the_client() {
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

pub(crate) struct ClientOption {
    /// The builder method that sets it.
    pub(crate) name: &'static str,
    pub(crate) ty: &'static str,
    pub(crate) default: Value,
    pub(crate) bounds: &'static str,
}

pub(crate) fn client_options() -> Vec<ClientOption> {
    vec![
        ClientOption {
            name: "instance",
            ty: "string",
            default: Value::Null,
            bounds: "letters, digits and -; give instance or base_url, not both",
        },
        ClientOption {
            name: "base_url",
            ty: "string",
            default: Value::Null,
            bounds: "https:// except for loopback hosts; no query, fragment or credentials",
        },
        ClientOption {
            name: "access_key",
            ty: "secret string",
            default: Value::Null,
            bounds: "required, visible ASCII",
        },
        ClientOption { name: "connect_timeout", ty: "duration", default: json!(10.0), bounds: "greater than zero" },
        ClientOption { name: "request_timeout", ty: "duration", default: json!(30.0), bounds: "greater than zero" },
        ClientOption { name: "deadline", ty: "duration", default: Value::Null, bounds: "greater than zero" },
        ClientOption { name: "max_retries", ty: "integer", default: json!(2), bounds: "0 to 10" },
        ClientOption {
            name: "retry_backoff",
            ty: "duration pair",
            default: json!([0.5, 8.0]),
            bounds: "greater than zero; the cap is at least the initial backoff",
        },
        ClientOption { name: "max_retry_after", ty: "duration", default: json!(30.0), bounds: "greater than zero" },
        ClientOption { name: "max_response_bytes", ty: "integer", default: json!(4_194_304), bounds: "at least 1024" },
        ClientOption { name: "max_connections", ty: "integer", default: json!(100), bounds: "1 or more" },
        ClientOption {
            name: "add_ca_certificates_pem",
            ty: "string list",
            default: json!([]),
            bounds: "PEM certificates",
        },
        ClientOption {
            name: "proxy",
            ty: "string",
            default: Value::Null,
            bounds: "http://, https://, socks5:// or socks5h:// URL",
        },
        ClientOption { name: "use_env_proxy", ty: "boolean", default: json!(false), bounds: "" },
        ClientOption { name: "app_info", ty: "string", default: Value::Null, bounds: "no control characters" },
        ClientOption { name: "sdk_user_agent", ty: "string", default: Value::Null, bounds: "" },
    ]
}

/// The `///` doc of the builder's setter `name`, as one line.
pub(crate) fn setter_doc(name: &str) -> String {
    doc_above(CONFIG_SOURCE, &format!("pub fn {name}(mut self"))
}

pub(crate) fn local() -> nevis_authcloud::ClientConfigBuilder {
    ClientConfig::builder().base_url("http://127.0.0.1:1").access_key("key")
}

pub(crate) fn rejected_naming(result: Result<ClientConfig, Error>, field: &str) -> bool {
    result.err().is_some_and(|err| err.kind() == ErrorKind::Config && err.field() == Some(field))
}

#[test]
pub(crate) fn the_option_table_matches_the_configuration() {
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
    assert_eq!(
        options["connect_timeout"],
        seconds(config.connect_timeout()),
        "connect_timeout: the default in the table is not the core's"
    );
    assert_eq!(
        options["request_timeout"],
        seconds(config.request_timeout()),
        "request_timeout: the default in the table is not the core's"
    );
    assert_eq!(
        options["deadline"],
        config.deadline().map_or(Value::Null, seconds),
        "deadline: the default in the table is not the core's"
    );
    assert_eq!(
        options["max_retries"],
        json!(config.max_retries()),
        "max_retries: the default in the table is not the core's"
    );
    assert_eq!(
        options["max_connections"],
        json!(config.max_connections()),
        "max_connections: the default in the table is not the core's"
    );

    assert!(local().max_retries(10).build().is_ok());
    assert!(rejected_naming(local().max_retries(11).build(), "max_retries"));
    assert!(rejected_naming(local().max_connections(0).build(), "max_connections"));
    assert!(local().max_response_bytes(1024).build().is_ok());
    assert!(rejected_naming(local().max_response_bytes(1023).build(), "max_response_bytes"));
    assert!(rejected_naming(local().deadline(Duration::ZERO).build(), "deadline"));
}

/// The per-call overrides of `RequestOptions` (`Client::with_options`): `(name, type, doc)`, read
/// from its definition. Any line of the struct this does not understand fails the surface test.
pub(crate) fn call_options() -> Vec<(String, String, String)> {
    let start = CLIENT_SOURCE.find("pub struct RequestOptions {").expect("RequestOptions in client.rs");
    let body = &CLIENT_SOURCE[start..];
    let body = &body[body.find('{').map_or(0, |at| at + 1)..body.find("\n}").unwrap_or(body.len())];
    let mut docs = Vec::new();
    let mut options = Vec::new();
    for line in body.lines().map(str::trim).filter(|line| !line.is_empty()) {
        if let Some(doc) = line.strip_prefix("///") {
            docs.push(doc.trim().to_string());
            continue;
        }
        let field = line.strip_prefix("pub ").and_then(|rest| rest.strip_suffix(','));
        let (name, ty) = field.and_then(|field| field.split_once(": ")).unwrap_or_else(|| {
            panic!("core/src/client.rs RequestOptions: the surface reader does not understand {line}")
        });
        // Other types (a cancellation token, say) are named as Rust spells them.
        let ty = match ty {
            "Option<Duration>" => "duration".to_string(),
            "Option<u32>" => "integer".to_string(),
            "Option<bool>" => "boolean".to_string(),
            other => other.trim_start_matches("Option<").trim_end_matches('>').to_string(),
        };
        options.push((name.to_string(), ty, doc_text(&docs)));
        docs.clear();
    }
    options
}

#[test]
fn call_options_are_read_from_request_options() {
    // Naming every field without `..` stops compiling when one is added or renamed, so the reader
    // above must then see it too.
    let nevis_authcloud::RequestOptions {
        request_timeout: _,
        deadline: _,
        max_retries: _,
        max_retry_after: _,
        retry_non_idempotent: _,
        cancel: _,
    } = nevis_authcloud::RequestOptions::default();
    let read: Vec<String> = call_options().into_iter().map(|(name, _, _)| name).collect();
    assert_eq!(
        read,
        ["request_timeout", "deadline", "max_retries", "max_retry_after", "retry_non_idempotent", "cancel"]
    );
}
