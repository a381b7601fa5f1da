//! Secret hygiene: the access key and every token or code in play never show up in `Debug`
//! output, error messages or log lines, even with every log level on.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::Harness;
use nevis_authcloud::{ApprovalRequest, EnrollRequest, IntentRequest, VerifyRequest};
use nevis_authcloud_sim::SimOptions;
use serde_json::json;

const ACCESS_KEY: &str = "AKEY-9f8e7d6c5b4a39281706-RECOGNISABLE";

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

#[tokio::test]
async fn no_secret_in_logs_debug_output_or_errors() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let h =
        Harness::start_with(SimOptions { tls: true, access_keys: vec![ACCESS_KEY.to_string()], ..Default::default() })
            .await;
    let mut secrets: Vec<String> = vec![ACCESS_KEY.to_string()];
    let mut shown: Vec<String> = vec![format!("{:?}", h.client), format!("{:?}", h.client.config())];

    // Every kind of secret in play: intent token, status token, transaction token, SMS code,
    // recovery code.
    let intent = h.client.create_intent(&IntentRequest::enroll("sam")).await.unwrap();
    secrets.push(intent.token.expose().to_string());
    shown.push(format!("{intent:?}"));
    let enrolment = h.client.enroll(&EnrollRequest::app("sam").intent_token(intent.token.clone())).await.unwrap();
    let enrollment = enrolment.enrollment.clone().unwrap();
    secrets.push(enrollment.status_token.expose().to_string());
    shown.push(format!("{enrolment:?}"));
    h.accept(&enrollment.transaction_id).await;
    let status = h.client.get_status(enrollment.status_token.expose()).await.unwrap();
    secrets.push(status.token.as_ref().unwrap().expose().to_string());
    shown.push(format!("{status:?}"));

    let sms = h.client.enroll(&EnrollRequest::sms("sam", "+41795550001")).await.unwrap();
    let code = h.last_sms("+41795550001").await["code"].as_str().unwrap().to_string();
    secrets.push(code.clone());
    let verify = VerifyRequest::sms(&sms.user.user_id, sms.status_token().unwrap().clone(), code);
    shown.push(format!("{verify:?}"));
    h.client.verify(&verify).await.unwrap();

    let recovery = h.client.enroll(&EnrollRequest::recovery("sam")).await.unwrap();
    let codes = recovery.user.recovery_codes.clone().unwrap();
    secrets.extend(codes.codes.iter().map(|c| c.expose().to_string()));
    shown.push(format!("{recovery:?}"));

    // Failures with secrets in the request: reused intent token, wrong key, bad codes.
    let reused = h.client.enroll(&EnrollRequest::app("sam").intent_token(intent.token.clone())).await.unwrap_err();
    shown.push(format!("{reused} {reused:?}"));
    let wrong_key = h.client_with(|c| c.access_key(format!("{ACCESS_KEY}-WRONG")));
    let forbidden = wrong_key.find_user("sam").await.unwrap_err();
    shown.push(format!("{forbidden} {forbidden:?} {wrong_key:?}"));
    h.fault("POST", "/api/v1/approval", 1, json!({ "fault": "malformed" })).await;
    let decode = h.client.approve(&ApprovalRequest::push("sam")).await.unwrap_err();
    shown.push(format!("{decode} {decode:?}"));
    let bad_code =
        h.client.verify(&VerifyRequest::recovery(&sms.user.user_id, "WRONG-CODE-SECRET-1234")).await.unwrap_err();
    secrets.push("WRONG-CODE-SECRET-1234".to_string());
    shown.push(format!("{bad_code} {bad_code:?}"));

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).to_string();
    assert!(logs.contains("request completed"), "the SDK logs its requests: {logs}");
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "a secret appeared in the logs");
        for text in &shown {
            assert!(!text.contains(secret.as_str()), "a secret appeared in {text}");
        }
    }
}
