//! The shared fault matrix (`tests/faults.json`) run through the Rust core: the reference answer
//! that the Python, Node and C suites must reproduce row for row.

mod common;

use std::time::{Duration, Instant};

use common::Harness;
use nevis_authcloud::{ApprovalRequest, Client, ClientConfig, EnrollRequest, Error};
use serde_json::Value;

struct Prepared {
    username: String,
    pending_status_token: String,
}

async fn prepare(h: &Harness) -> Prepared {
    let (status, _) = h.control("POST", "/reset", None).await;
    assert_eq!(status, 204);
    let username = "matrix-user".to_string();
    h.active_app_user(&username).await;
    let approval = h.client.approve(&ApprovalRequest::push(&username)).await.expect("pending approval");
    Prepared { username, pending_status_token: approval.status_token.expose().to_string() }
}

async fn requests_seen(h: &Harness) -> u64 {
    let (_, stats) = h.control("GET", "/stats", None).await;
    stats["requests"].as_u64().unwrap_or(0)
}

/// The operation kinds the simulator counts in `/_sim/stats` `created`.
const CREATED_KINDS: [&str; 4] = ["enroll", "approval", "sms", "intent"];

async fn created_counts(h: &Harness) -> Vec<u64> {
    let (_, stats) = h.control("GET", "/stats", None).await;
    CREATED_KINDS.iter().map(|kind| stats["created"][kind].as_u64().unwrap_or(0)).collect()
}

/// `created` in the table lists only the kinds a row cares about; the observation has all four.
fn matches_expectation(key: &str, expected: &Value, actual: &Value) -> bool {
    match (key, expected.as_object()) {
        ("created", Some(kinds)) => kinds.iter().all(|(kind, count)| actual["created"][kind] == *count),
        _ => actual[key] == *expected,
    }
}

/// One row of the cross-language report (the shape every language writes, see
/// `scripts/compare-fault-reports.py`): what was observed, never what was expected.
fn report_row(name: &str, actual: &Value) -> Value {
    let field = |key: &str| actual.get(key).cloned().unwrap_or(Value::Null);
    serde_json::json!({
        "name": name,
        "outcome": field("outcome"),
        "kind": field("kind"),
        "status": field("status"),
        "mayHaveBeenApplied": field("mayHaveBeenApplied"),
        "retryAfterS": field("retryAfterS"),
        "requestsSeen": field("requestsSeen"),
        "created": field("created"),
    })
}

/// Written only when the build asks for it (`make test` sets NEVIS_FAULTS_REPORT_DIR), so the
/// answers of all four languages can be compared row for row.
fn write_report(rows: &[Value]) {
    let Some(dir) = std::env::var_os("NEVIS_FAULTS_REPORT_DIR") else { return };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create the fault report folder");
    let report = serde_json::json!({ "language": "rust", "rows": rows });
    let text = serde_json::to_string_pretty(&report).expect("report is JSON");
    std::fs::write(dir.join("rust.json"), text).expect("write rust.json");
}

/// A TLS peer that accepts TCP connections and never says a word: every handshake with it hangs
/// until the client gives up. Its connections stay open for as long as the test runs.
async fn silent_tls_peer() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("free port");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("https://127.0.0.1:{port}")
}

/// The table's client settings, with the row's own `client` settings over them.
fn settings_for(matrix: &Value, scenario: &Value) -> serde_json::Map<String, Value> {
    let mut settings = matrix["client"].as_object().cloned().unwrap_or_default();
    for (key, value) in scenario["client"].as_object().into_iter().flatten() {
        settings.insert(key.clone(), value.clone());
    }
    settings
}

async fn client_for(h: &Harness, matrix: &Value, scenario: &Value) -> Client {
    let target = scenario["target"].as_str();
    let settings = settings_for(matrix, scenario);
    let timeout = Duration::from_millis(settings["requestTimeoutMs"].as_u64().unwrap_or(1500));
    let retries = settings["maxRetries"].as_u64().unwrap_or(2) as u32;
    let backoff: Vec<u64> = settings["retryBackoffMs"]
        .as_array()
        .map(|v| v.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_else(|| vec![5, 20]);
    let mut builder = ClientConfig::builder()
        .access_key(h.sim.access_key())
        .request_timeout(timeout)
        .max_retries(retries)
        .retry_backoff(Duration::from_millis(backoff[0]), Duration::from_millis(backoff[1]));
    if let Some(connect) = settings.get("connectTimeoutMs").and_then(Value::as_u64) {
        builder = builder.connect_timeout(Duration::from_millis(connect));
    }
    builder = match target {
        Some("closed-port") => {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            let port = listener.local_addr().expect("addr").port();
            drop(listener);
            builder.base_url(format!("http://127.0.0.1:{port}"))
        }
        // The system trust store only: the simulator's generated CA is unknown to it.
        Some("untrusted-tls") => builder.base_url(h.sim.base_url()),
        Some("silent-tls") => {
            builder.base_url(silent_tls_peer().await).add_ca_certificates_pem(h.sim.ca_pem().expect("tls sim"))
        }
        _ => builder.base_url(h.sim.base_url()).add_ca_certificates_pem(h.sim.ca_pem().expect("tls sim")),
    };
    Client::new(builder.build().expect("matrix config")).expect("matrix client")
}

async fn call(client: &Client, operation: &str, prepared: &Prepared) -> Result<(), Error> {
    match operation {
        "find_user" => client.find_user(&prepared.username).await.map(drop),
        "get_status" => client.get_status(&prepared.pending_status_token).await.map(drop),
        "approve_push" => client.approve(&ApprovalRequest::push(&prepared.username)).await.map(drop),
        "enroll_sms" => client.enroll(&EnrollRequest::sms("matrix-sms-user", "+41795551234")).await.map(drop),
        other => panic!("tests/faults.json names an unknown operation {other:?}"),
    }
}

#[tokio::test]
async fn every_row_of_the_fault_matrix() {
    let matrix: Value = serde_json::from_str(include_str!("../../tests/faults.json")).expect("faults.json is JSON");
    let h = Harness::start().await;
    let mut failures = Vec::new();
    let mut report = Vec::new();
    let scenarios = matrix["scenarios"].as_array().expect("scenarios");
    for scenario in scenarios {
        let name = scenario["name"].as_str().unwrap_or("?");
        let expect = &scenario["expect"];
        let prepared = prepare(&h).await;
        let created_before = created_counts(&h).await;
        for fault in scenario["faults"].as_array().into_iter().flatten() {
            let (status, answer) = h.control("POST", "/faults", Some(fault.clone())).await;
            assert!(status == 200 || status == 201, "{name}: fault refused: {answer}");
        }
        let client = client_for(&h, &matrix, scenario).await;
        let seen_before = requests_seen(&h).await;
        let started = Instant::now();
        let outcome = call(&client, scenario["operation"].as_str().unwrap_or_default(), &prepared).await;
        let elapsed = started.elapsed();
        // Let delayed answers finish on the server before counting side effects.
        if scenario["faults"].as_array().into_iter().flatten().any(|f| f["fault"] == "delay") {
            tokio::time::sleep(Duration::from_millis(2600)).await;
        }
        let seen = requests_seen(&h).await - seen_before;

        // What happened, in the table's terms; then every expected key is compared with it.
        let mut actual = serde_json::json!({ "requestsSeen": seen });
        match &outcome {
            Ok(()) => actual["outcome"] = "ok".into(),
            Err(err) => {
                actual["outcome"] = "error".into();
                actual["message"] = err.to_string().into();
                actual["kind"] = err.kind().as_str().into();
                actual["status"] = err.status().map(Value::from).unwrap_or(Value::Null);
                actual["mayHaveBeenApplied"] = err.may_have_been_applied().as_str().into();
                actual["retryAfterS"] = err.retry_after().map(|d| Value::from(d.as_secs())).unwrap_or(Value::Null);
            }
        }
        let created_after = created_counts(&h).await;
        let created: serde_json::Map<String, Value> = CREATED_KINDS
            .iter()
            .zip(created_before.iter().zip(&created_after))
            .map(|(kind, (before, after))| (kind.to_string(), (after - before).into()))
            .collect();
        actual["created"] = created.into();
        report.push(report_row(name, &actual));
        let mut wrong: Vec<String> = expect
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, _)| key.as_str() != "minElapsedMs")
            .filter(|(key, expected)| !matches_expectation(key, expected, &actual))
            .map(|(key, expected)| format!("{key}: expected {expected}, got {}", actual[key.as_str()]))
            .collect();
        if let Some(min) = expect["minElapsedMs"].as_u64() {
            if elapsed < Duration::from_millis(min) {
                wrong.push(format!("elapsed: expected at least {min} ms, got {} ms", elapsed.as_millis()));
            }
        }
        if !wrong.is_empty() {
            wrong.push(format!("(answer: {})", actual["message"]));
        }
        if !wrong.is_empty() {
            failures.push(format!("{name}:\n    {}", wrong.join("\n    ")));
        }
    }
    write_report(&report);
    let passed = scenarios.len() - failures.len();
    println!("fault matrix: {passed} passed, {} failed", failures.len());
    assert!(failures.is_empty(), "fault matrix rows that differ:\n{}", failures.join("\n"));
}
