//! A server (or a proxy in front of it) that echoes what it received: the simulator's `echo`
//! fault repeats the `Authorization` header and the request body in its error answer. Every
//! secret of the call must come out of the error as `[redacted]` (message, parsed fields, body
//! excerpt, `Display`, `Debug`, the causes, and the log records down to TRACE), and only
//! `ApiErrorBody::raw_body` may still hold it.
//!
//! One test only: the log capture is a thread-local subscriber, and a second test running in
//! parallel could make `tracing` cache its call sites as uninteresting.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::Harness;
use nevis_authcloud::{ApprovalRequest, Error, ErrorKind, VerifyRequest};
use nevis_authcloud_sim::SimOptions;
use serde_json::json;

const ACCESS_KEY: &str = "AKEY-HOSTILE-5d1c9a7e3b-RECOGNISABLE";
const INTENT_TOKEN: &str = "eyJhbGciOiJIUzUxMiJ9.aG9zdGlsZS1pbnRlbnQ.c2lnbmF0dXJl";
const STATUS_TOKEN: &str = "eyJhbGciOiJIUzUxMiJ9.aG9zdGlsZS1zdGF0dXM.c2lnbmF0dXJl";
const RECOVERY_CODE: &str = "HSTL-RCVR-C0DE-0001";
const USER_ID: &str = "00000000-0000-4000-8000-000000000001";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

async fn hostile() -> Harness {
    Harness::start_with(SimOptions { tls: true, access_keys: vec![ACCESS_KEY.to_string()], ..Default::default() }).await
}

async fn echo(h: &Harness, method: &str, path: &str, status: u16, message: &str, format: &str) {
    let fault = json!({"method": method, "path": path, "fault": "echo", "status": status, "message": message,
        "format": format});
    let (code, answer) = h.control("POST", "/faults", Some(fault)).await;
    assert_eq!(code, 201, "{answer}");
}

/// Every text of `err` an application could print or log, with what the server said.
fn everything_shown(err: &Error) -> String {
    let mut shown = format!("{err}\n{err:?}\n{}\n", err.message());
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        shown.push_str(&format!("{cause}\n{cause:?}\n"));
        source = cause.source();
    }
    if let Some(api) = err.api() {
        shown.push_str(&format!("{api:?}\n{}\n{:?}\n{:?}\n{:?}\n", api.body, api.message, api.error, api.path));
    }
    shown
}

fn assert_hidden(err: &Error, secrets: &[&str]) {
    let shown = everything_shown(err);
    for secret in secrets {
        assert!(!shown.contains(secret), "a secret ({} chars) is shown:\n{shown}", secret.len());
    }
    assert!(shown.contains("[redacted]"), "the echo was not redacted but removed:\n{shown}");
    let raw = String::from_utf8_lossy(err.api().expect("an error answer").raw_body()).into_owned();
    for secret in secrets {
        assert!(raw.contains(secret), "raw_body() must keep the answer as received: {raw}");
    }
}

#[tokio::test]
async fn echoed_credentials_and_bodies_are_redacted_everywhere_but_raw_body() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let h = hostile().await;
    let client = h.client_with(|config| config.max_retries(0));

    // A 401 repeating the Authorization header (the access key).
    echo(&h, "GET", "/api/v1/users", 401, "bad credential: {authorization}", "json").await;
    let err = client.find_user("ada").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.api().and_then(|api| api.message.as_deref()), Some("bad credential: Bearer [redacted]"));
    assert_hidden(&err, &[ACCESS_KEY]);

    // A 400 quoting the request body (a status token and an SMS code), over an intent token.
    echo(&h, "POST", &format!("/api/v1/users/{USER_ID}/verification"), 400, "cannot parse {body}", "json").await;
    let request = VerifyRequest::sms(USER_ID, STATUS_TOKEN, "492817").intent_token(INTENT_TOKEN);
    let err = client.verify(&request).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadRequest);
    assert!(err.message().contains(r#"cannot parse {"code":"[redacted]","statusToken":"[redacted]"}"#), "{err}");
    assert_hidden(&err, &[STATUS_TOKEN, "492817"]);

    // A proxy's plain-text 500 passing on both the bearer intent token and the body.
    echo(&h, "POST", "/api/v1/approval", 500, "upstream said {authorization} for {body}", "text").await;
    let approval = ApprovalRequest::push("ada").intent_token(INTENT_TOKEN);
    let err = client.approve(&approval).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(
        err.api().map(|api| api.body.as_str()),
        Some(r#"upstream said Bearer [redacted] for {"username":"ada","channel":"push"}"#)
    );
    assert_hidden(&err, &[INTENT_TOKEN]);

    // A recovery code in a verification body, echoed by a 403 that also repeats the key.
    echo(&h, "POST", &format!("/api/v1/users/{USER_ID}/verification"), 403, "{authorization} {body}", "json").await;
    let err = client.verify(&VerifyRequest::recovery(USER_ID, RECOVERY_CODE)).await.unwrap_err();
    assert_hidden(&err, &[ACCESS_KEY, RECOVERY_CODE]);

    // Introspection sends its token form-encoded; a server echoing the raw form still shows nothing.
    let odd_token = "tok/en+needs=form encoding";
    echo(&h, "POST", "/api/v1/introspect", 400, "bad form {body}", "text").await;
    let err = client.introspect(odd_token).await.unwrap_err();
    assert_hidden(&err, &["tok%2Fen%2Bneeds%3Dform+encoding"]);
    assert!(!everything_shown(&err).contains(odd_token));

    // Status polling: the token is the whole body.
    echo(&h, "POST", "/api/v1/status", 500, "{body}", "json").await;
    let err = client.get_status(STATUS_TOKEN).await.unwrap_err();
    assert_hidden(&err, &[STATUS_TOKEN]);

    // The log records describe each answer (down to TRACE) without any secret.
    let logs = captured.text();
    assert!(logs.contains("error answer") && logs.contains("[redacted]"), "{logs}");
    for secret in [ACCESS_KEY, INTENT_TOKEN, STATUS_TOKEN, RECOVERY_CODE, "492817", odd_token] {
        assert!(!logs.contains(secret), "a secret ({} chars) is in the logs:\n{logs}", secret.len());
    }
}
