//! The call and attempt spans as a log sink receives them: OpenTelemetry HTTP client fields, the
//! route as a template, one call span per operation with its attempts inside, and no secret, token,
//! user id or username in any record.
//!
//! The sink is process-wide, so this file holds one test (its own test binary).

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Harness, UNKNOWN_ID};
use nevis_authcloud::logging::{self, LogLevel, LogRecord, LogSink, RecordKind};
use nevis_authcloud::{EnrollRequest, ErrorKind, IntentRequest, VerifyRequest};
use serde_json::{Value, json};

/// A record as the sink saw it, owned.
#[derive(Debug, Clone)]
struct Seen {
    kind: RecordKind,
    level: LogLevel,
    name: String,
    fields: Vec<(&'static str, Value)>,
    span_id: Option<u64>,
    parent_id: Option<u64>,
    duration: Option<Duration>,
    line: String,
}

impl Seen {
    fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(field, _)| *field == name).map(|(_, value)| value)
    }
}

#[derive(Default)]
struct Collect(Mutex<Vec<Seen>>);

impl LogSink for Collect {
    fn deliver(&self, record: &LogRecord<'_>) {
        self.0.lock().unwrap().push(Seen {
            kind: record.kind,
            level: record.level,
            name: record.message.to_string(),
            fields: record.fields.to_vec(),
            span_id: record.span_id,
            parent_id: record.parent_id,
            duration: record.duration,
            line: record.render(),
        });
    }
}

impl Collect {
    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn ends<'a>(records: &'a [Seen], name: &str) -> Vec<&'a Seen> {
    records.iter().filter(|r| r.kind == RecordKind::SpanEnd && r.name == name).collect()
}

#[tokio::test]
async fn calls_and_attempts_are_spans_with_opentelemetry_fields_and_no_secrets() {
    let collect = Arc::new(Collect::default());
    logging::set_sink(Some(collect.clone()), Some(LogLevel::Trace), true).expect("the SDK's subscriber is installed");
    let h = Harness::start().await;
    let user = h.active_app_user("span-user@example.com").await;
    collect.take();

    // A success: one call span named after the operation, one attempt inside it.
    h.client.get_user(&user.user_id).await.unwrap();
    let records = collect.take();
    let starts: Vec<_> = records.iter().filter(|r| r.kind == RecordKind::SpanStart).collect();
    assert_eq!(starts.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["nevis.get_user", "nevis.attempt"]);
    let call = ends(&records, "nevis.get_user")[0];
    let attempt = ends(&records, "nevis.attempt")[0];
    assert_eq!(call.field("http.request.method"), Some(&json!("GET")));
    assert_eq!(call.field("url.template"), Some(&json!("/api/v1/users/{userId}")));
    let base_url = h.sim.base_url().to_string();
    let host = base_url.split("://").nth(1).and_then(|rest| rest.split(':').next()).unwrap();
    assert_eq!(call.field("server.address"), Some(&json!(host)));
    assert_eq!(call.field("http.response.status_code"), Some(&json!(200)));
    assert_eq!(call.field("nevis.attempts"), Some(&json!(1)));
    assert_eq!(call.field("error.type"), None);
    assert_eq!(call.level, LogLevel::Debug);
    assert_eq!(attempt.parent_id, call.span_id, "the attempt is inside the call");
    assert_eq!(attempt.field("nevis.attempt"), Some(&json!(1)));
    assert_eq!(attempt.field("http.request.resend_count"), Some(&json!(0)));
    assert!(call.duration.is_some() && attempt.duration <= call.duration);
    let completed = records.iter().find(|r| r.kind == RecordKind::Event && r.name == "request completed").unwrap();
    assert_eq!(completed.span_id, attempt.span_id, "the event happened inside the attempt");
    assert_eq!(completed.field("path"), Some(&json!("/api/v1/users/{userId}")));

    // A 404: the error kind as error.type, on the call and on its one attempt.
    let missing = h.client.get_user(UNKNOWN_ID).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let records = collect.take();
    let call = ends(&records, "nevis.get_user")[0];
    assert_eq!(call.field("error.type"), Some(&json!("not_found")));
    assert_eq!(call.field("http.response.status_code"), Some(&json!(404)));
    assert_eq!(ends(&records, "nevis.attempt").len(), 1);

    // A retried 503: two attempts, the first failed with `server`, the call succeeded.
    h.fault("GET", "/api/v1/users", 1, json!({ "fault": "status", "status": 503 })).await;
    h.client.find_user("span-user@example.com").await.unwrap();
    let records = collect.take();
    let call = ends(&records, "nevis.find_user")[0];
    assert_eq!(call.field("nevis.attempts"), Some(&json!(2)));
    assert_eq!(call.field("http.response.status_code"), Some(&json!(200)));
    assert_eq!(call.field("error.type"), None);
    let attempts = ends(&records, "nevis.attempt");
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].field("error.type"), Some(&json!("server")));
    assert_eq!(attempts[0].field("http.response.status_code"), Some(&json!(503)));
    assert_eq!(attempts[1].field("http.request.resend_count"), Some(&json!(1)));
    assert!(attempts.iter().all(|a| a.parent_id == call.span_id));
    assert!(records.iter().any(|r| r.name == "retrying" && r.level == LogLevel::Info));
    let mut everything = records;

    // A call dropped by its caller (a cancel) ends its span as cancelled.
    h.fault("GET", "/ping", 1, json!({ "fault": "delay", "ms": 2000 })).await;
    assert!(tokio::time::timeout(Duration::from_millis(100), h.client.ping()).await.is_err());
    let records = collect.take();
    assert_eq!(ends(&records, "nevis.ping")[0].field("error.type"), Some(&json!("cancelled")));
    everything.extend(records);

    // Every kind of secret in play, through spans and events.
    let intent = h.client.create_intent(&IntentRequest::enroll("sam")).await.unwrap();
    let enrolment = h.client.enroll(&EnrollRequest::app("sam").intent_token(intent.token.clone())).await.unwrap();
    let enrollment = enrolment.enrollment.clone().unwrap();
    h.accept(&enrollment.transaction_id).await;
    let status = h.client.get_status(enrollment.status_token.expose()).await.unwrap();
    let wrong = h.client.verify(&VerifyRequest::recovery(&enrolment.user.user_id, "WRONG-CODE-SECRET-1234")).await;
    assert!(wrong.is_err());
    everything.extend(collect.take());
    logging::set_sink(None, None, false).unwrap();
    h.client.get_user(&user.user_id).await.unwrap();
    assert!(collect.take().is_empty(), "no records after the sink is removed");

    let secrets = [
        h.sim.access_key().to_string(),
        intent.token.expose().to_string(),
        enrollment.status_token.expose().to_string(),
        status.token.as_ref().unwrap().expose().to_string(),
        "WRONG-CODE-SECRET-1234".to_string(),
        user.user_id.clone(),
        enrolment.user.user_id.clone(),
        "span-user".to_string(),
        "sam".to_string(),
    ];
    assert!(everything.iter().any(|r| r.name == "nevis.verify"));
    for record in &everything {
        for secret in &secrets {
            assert!(!record.line.contains(secret.as_str()), "{secret:?} appeared in {:?}", record.line);
        }
    }
}
