//! Test harness: an in-process simulator over HTTPS, a client that trusts its CA, and the
//! simulator's control plane (which plays the user's phone and injects faults).

#![allow(dead_code)]

pub mod proxy;

use std::time::{Duration, Instant};

use nevis_authcloud::{Client, ClientConfig, ClientConfigBuilder};
use nevis_authcloud_sim::{SimOptions, Simulator};
use serde_json::{Value, json};

pub struct Harness {
    pub sim: Simulator,
    pub client: Client,
    control: reqwest::Client,
}

/// The slow ping holding a pool's only slot ([`Harness::occupy_only_slot`]).
pub struct Occupied {
    pub call: tokio::task::JoinHandle<nevis_authcloud::Result<()>>,
    /// When the slow ping started.
    pub since: Instant,
}

/// Any well-formed UUID nobody has.
pub const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000000";

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(SimOptions { tls: true, ..Default::default() }).await
    }

    pub async fn start_with(options: SimOptions) -> Harness {
        let sim = Simulator::start(options).await.expect("simulator starts");
        let tls = sim.client_tls_config().expect("simulator CA usable");
        let control = reqwest::Client::builder().tls_backend_preconfigured(tls).build().expect("control client");
        let client = Client::new(base_config(&sim).build().expect("valid config")).expect("client");
        Harness { sim, client, control }
    }

    /// The configuration tests start from: the simulator's URL, key and CA, and short backoff so
    /// retry tests do not sleep for seconds.
    pub fn config(&self) -> ClientConfigBuilder {
        base_config(&self.sim)
    }

    pub fn client_with(&self, adjust: impl FnOnce(ClientConfigBuilder) -> ClientConfigBuilder) -> Client {
        Client::new(adjust(self.config()).build().expect("valid config")).expect("client")
    }

    pub async fn control(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/_sim{}", self.sim.base_url(), path);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.control.request(method, url);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let response = request.send().await.expect("control plane reachable");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.expect("control plane body");
        let value = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
        (status, value)
    }

    async fn act(&self, transaction_id: &str, action: &str) -> Value {
        let (status, body) =
            self.control("POST", &format!("/operations/{transaction_id}/{action}"), Some(json!({}))).await;
        assert_eq!(status, 200, "phone could not {action} {transaction_id}: {body}");
        body
    }

    /// The user's phone accepts (or, for an enrolment, confirms) the operation.
    pub async fn accept(&self, transaction_id: &str) -> Value {
        self.act(transaction_id, "accept").await
    }

    pub async fn decline(&self, transaction_id: &str) -> Value {
        self.act(transaction_id, "decline").await
    }

    pub async fn expire(&self, transaction_id: &str) -> Value {
        self.act(transaction_id, "expire").await
    }

    /// The text and code of the last SMS sent to `phone`.
    pub async fn last_sms(&self, phone: &str) -> Value {
        let (status, body) = self.control("GET", &format!("/phones/{phone}/last-sms"), None).await;
        assert_eq!(status, 200, "no SMS to {phone}: {body}");
        body
    }

    pub async fn recovery_codes(&self, user_id: &str) -> Vec<String> {
        let (status, body) = self.control("GET", &format!("/users/{user_id}/recovery-codes"), None).await;
        assert_eq!(status, 200, "{body}");
        body["codes"].as_array().expect("codes").iter().map(|c| c.as_str().expect("code").to_string()).collect()
    }

    pub async fn advance_clock(&self, seconds: u64) {
        let (status, body) = self.control("POST", "/clock/advance", Some(json!({ "seconds": seconds }))).await;
        assert_eq!(status, 200, "{body}");
    }

    /// How many operations of `kind` (enroll, approval, sms, intent) the API really created.
    pub async fn created(&self, kind: &str) -> u64 {
        let (status, body) = self.control("GET", "/stats", None).await;
        assert_eq!(status, 200, "{body}");
        body["created"][kind].as_u64().unwrap_or(0)
    }

    /// Injects a fault for the next `count` requests to `method path`.
    pub async fn fault(&self, method: &str, path: &str, count: u32, fault: Value) {
        let mut body = json!({ "method": method, "path": path, "count": count });
        if let (Some(target), Some(extra)) = (body.as_object_mut(), fault.as_object()) {
            for (key, value) in extra {
                target.insert(key.clone(), value.clone());
            }
        }
        let (status, answer) = self.control("POST", "/faults", Some(body)).await;
        assert!(status == 200 || status == 201, "fault not accepted: {answer}");
    }

    /// A user with a confirmed Access App, ready for push approvals.
    /// Takes the only connection slot of `client` (built with `max_connections(1)`) with a ping the
    /// simulator holds for `ms`, so the next call on that pool queues for the slot. Returns once
    /// the ping is in flight.
    pub async fn occupy_only_slot(&self, client: &Client, ms: u64) -> Occupied {
        self.fault("GET", "/ping", 1, json!({ "fault": "delay", "ms": ms })).await;
        let busy = client.clone();
        let since = Instant::now();
        let call = tokio::spawn(async move { busy.ping().await });
        tokio::time::sleep(Duration::from_millis(100)).await;
        Occupied { call, since }
    }

    pub async fn active_app_user(&self, username: &str) -> nevis_authcloud::User {
        let enrolment = self.client.enroll(&nevis_authcloud::EnrollRequest::app(username)).await.expect("enrol");
        let enrollment = enrolment.enrollment.expect("enrollment part");
        self.accept(&enrollment.transaction_id).await;
        self.client.get_user(&enrolment.user.user_id).await.expect("user")
    }
}

fn base_config(sim: &Simulator) -> ClientConfigBuilder {
    let mut builder = ClientConfig::builder()
        .base_url(sim.base_url())
        .access_key(sim.access_key())
        .retry_backoff(Duration::from_millis(5), Duration::from_millis(20))
        .request_timeout(Duration::from_secs(10));
    if let Some(pem) = sim.ca_pem() {
        builder = builder.add_ca_certificates_pem(pem);
    }
    builder
}

/// Waits quickly: the simulated phone acts at once.
pub fn fast_wait() -> nevis_authcloud::WaitOptions {
    nevis_authcloud::WaitOptions::default().timeout(Duration::from_secs(10)).interval(Duration::from_millis(20))
}
