//! Shared test harness: an in-process simulator and a reqwest client (trusting its CA when TLS is
//! on), with helpers for API calls, the control plane and the common "active app user" setup.

#![allow(dead_code)]

use nevis_authcloud_sim::{SimOptions, Simulator};
use serde_json::{Value, json};

pub struct Sim {
    pub sim: Simulator,
    pub http: reqwest::Client,
}

pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Sim {
    pub async fn start() -> Sim {
        Sim::start_with(SimOptions::default()).await
    }

    pub async fn start_with(options: SimOptions) -> Sim {
        let sim = Simulator::start(options).await.expect("simulator starts");
        let http = client_trusting(sim.ca_pem());
        Sim { sim, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.sim.base_url(), path)
    }

    /// Any request; `key` None sends no Authorization header.
    pub async fn call(&self, method: &str, path: &str, key: Option<&str>, body: Option<Value>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        answer(request.send().await.expect("request sent")).await
    }

    /// A call with the access key.
    pub async fn api(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.call(method, path, Some(self.sim.access_key()), body).await
    }

    pub async fn control(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.call(method, &format!("/_sim{path}"), None, body).await
    }

    pub async fn status(&self, status_token: &str) -> Answer {
        self.call("POST", "/api/v1/status", None, Some(json!({ "statusToken": status_token }))).await
    }

    pub async fn accept(&self, transaction_id: &str) -> Answer {
        let answer = self.control("POST", &format!("/operations/{transaction_id}/accept"), None).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer
    }

    /// Enrols `username` by app and confirms it; returns (userId, authenticatorId).
    pub async fn active_app_user(&self, username: &str) -> (String, String) {
        let enrolled = self.api("POST", "/api/v1/users/enroll", Some(json!({ "username": username }))).await;
        assert_eq!(enrolled.status, 200, "{}", enrolled.text);
        let accepted = self.accept(enrolled.json["enrollment"]["transactionId"].as_str().expect("transactionId")).await;
        (
            enrolled.json["userId"].as_str().expect("userId").to_string(),
            accepted.json["authenticatorId"].as_str().expect("authenticatorId").to_string(),
        )
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer { status, headers, text, json }
}

pub fn client_trusting(ca_pem: Option<&str>) -> reqwest::Client {
    builder_trusting(ca_pem).build().expect("client")
}

/// A reqwest builder on rustls/ring that trusts only `ca_pem`.
pub fn builder_trusting(ca_pem: Option<&str>) -> reqwest::ClientBuilder {
    let tls = nevis_authcloud_sim::client_config_trusting(ca_pem).expect("CA usable");
    reqwest::Client::builder().tls_backend_preconfigured(tls)
}

/// The documented error body: `{error, message, path, status, timestamp}` with an ISO timestamp.
pub fn assert_error(answer: &Answer, status: u16, path: &str, message_contains: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(answer.json["status"], json!(status), "{}", answer.text);
    assert_eq!(answer.json["path"], json!(path), "{}", answer.text);
    assert!(answer.json["error"].is_string(), "{}", answer.text);
    assert!(answer.json["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{}", answer.text);
    let message = answer.json["message"].as_str().unwrap_or("");
    assert!(message.contains(message_contains), "message {message:?} lacks {message_contains:?}");
}

/// The security-layer body of 401/403: no message, epoch-millisecond timestamp.
pub fn assert_security_error(answer: &Answer, status: u16, path: &str) {
    assert_eq!(answer.status, status, "{}", answer.text);
    assert_eq!(answer.json["status"], json!(status));
    assert_eq!(answer.json["path"], json!(path));
    assert!(answer.json.get("message").is_none(), "{}", answer.text);
    assert!(answer.json["timestamp"].as_i64().is_some_and(|t| t > 1_600_000_000_000), "{}", answer.text);
}
