//! A local, stateful simulator of the Nevis Authentication Cloud REST API, for tests and demos.
//!
//! ```no_run
//! # async fn demo() -> Result<(), nevis_authcloud_sim::SimError> {
//! use nevis_authcloud_sim::{SimOptions, Simulator};
//! let sim = Simulator::start(SimOptions::default()).await?;
//! println!("{} {}", sim.base_url(), sim.access_key());
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The interface is fixed in `CONTRACT.md`; `README.md` explains the control plane and the spec
//! assumptions the simulator makes.

// No unwrap or expect on anything input or the network can influence (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod api;
mod clock;
mod control;
mod errors;
mod events;
mod faults;
mod model;
mod rate_limits;
mod request;
mod response;
mod server;
mod state;
mod tls;
mod tokens;
mod views;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::{Settings, Sim};

pub use crate::tls::{TlsMaterial, TlsSetupError, client_config_trusting, generate as generate_tls};

/// The access key the simulator accepts unless told otherwise.
pub const DEFAULT_ACCESS_KEY: &str = "sim-access-key";

/// How to start a simulator. Every field is public; `Default` gives plain HTTP on a free loopback
/// port with the default access key and the documented timeouts.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub listen: SocketAddr,
    pub tls: bool,
    /// Keys the API accepts; the first one is "the" key.
    pub access_keys: Vec<String>,
    /// Pending operations fail after this long (spec: 10 minutes).
    pub operation_timeout: Duration,
    /// Final results stay answerable this long after creation, then status polling says unknown.
    pub result_retention: Duration,
    pub intent_token_ttl: Duration,
    pub max_body_bytes: usize,
    /// SMS messages (registrations and approvals) one user may be sent within 24 hours before
    /// the SMS rate limit blocks them; `None` (the default) never blocks.
    pub sms_rate_limit: Option<u32>,
    /// Push approvals one user may be sent within 24 hours before the push rate limit blocks
    /// them; `None` (the default) never blocks.
    pub push_rate_limit: Option<u32>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            tls: false,
            access_keys: vec![DEFAULT_ACCESS_KEY.to_string()],
            operation_timeout: Duration::from_secs(600),
            result_retention: Duration::from_secs(3600),
            intent_token_ttl: Duration::from_secs(600),
            max_body_bytes: 1024 * 1024,
            sms_rate_limit: None,
            push_rate_limit: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
    #[error("invalid options: {0}")]
    InvalidOptions(String),
}

/// A running simulator. Dropping it stops the server too; `shutdown` waits until it has stopped.
pub struct Simulator {
    base_url: String,
    ca_pem: Option<String>,
    local_addr: SocketAddr,
    sim: Arc<Sim>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator").field("base_url", &self.base_url).field("tls", &self.ca_pem.is_some()).finish()
    }
}

impl Simulator {
    /// Binds, generates TLS material if asked, and starts serving on the current tokio runtime.
    pub async fn start(options: SimOptions) -> Result<Simulator, SimError> {
        if options.access_keys.is_empty() || options.access_keys.iter().any(String::is_empty) {
            return Err(SimError::InvalidOptions("access_keys must hold at least one non-empty key".into()));
        }
        if options.sms_rate_limit == Some(0) || options.push_rate_limit == Some(0) {
            return Err(SimError::InvalidOptions(
                "sms_rate_limit and push_rate_limit must be at least 1 (None means no limit)".into(),
            ));
        }
        let to_ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 4);
        let listener = TcpListener::bind(options.listen)
            .await
            .map_err(|source| SimError::Bind { addr: options.listen, source })?;
        let local_addr = listener.local_addr().map_err(|source| SimError::Bind { addr: options.listen, source })?;
        let (tls, ca_pem) = if options.tls {
            let material = tls::generate()?;
            (Some(tokio_rustls::TlsAcceptor::from(material.config)), Some(material.ca_pem))
        } else {
            (None, None)
        };
        let base_url = base_url(local_addr, options.tls);
        let settings = Settings {
            access_keys: options.access_keys.clone(),
            operation_timeout_ms: to_ms(options.operation_timeout),
            result_retention_ms: to_ms(options.result_retention),
            intent_token_ttl_ms: to_ms(options.intent_token_ttl),
            max_body_bytes: options.max_body_bytes,
            sms_rate_limit: options.sms_rate_limit,
            push_rate_limit: options.push_rate_limit,
        };
        let sim = Arc::new(Sim::new(settings, base_url.clone()));
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(server::accept_loop(listener, sim.clone(), tls, stopped));
        tracing::info!("authcloud-sim listening on {base_url}");
        Ok(Simulator { base_url, ca_pem, local_addr, sim, stop, task: Some(task) })
    }

    /// `http://127.0.0.1:PORT` or `https://localhost:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// PEM of the CA that signed the server certificate (TLS only).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// A rustls client configuration that trusts this simulator's CA (and nothing else).
    pub fn client_tls_config(&self) -> Result<rustls::ClientConfig, SimError> {
        Ok(client_config_trusting(self.ca_pem())?)
    }

    pub fn access_key(&self) -> &str {
        &self.sim.settings.access_keys[0]
    }

    /// What the simulator uses as `iss` and in `appLinkUri` (its base URL).
    pub fn instance_url(&self) -> &str {
        &self.sim.instance_url
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes open connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

fn base_url(addr: SocketAddr, tls: bool) -> String {
    if tls {
        return format!("https://localhost:{}", addr.port());
    }
    let ip = if addr.ip().is_unspecified() { IpAddr::V4(Ipv4Addr::LOCALHOST) } else { addr.ip() };
    match ip {
        IpAddr::V4(v4) => format!("http://{v4}:{}", addr.port()),
        IpAddr::V6(v6) => format!("http://[{v6}]:{}", addr.port()),
    }
}

/// The README's Rust example, run by `cargo test` (as a doctest) so it cannot drift from the API it
/// shows. Only doctests see it; it is not part of the library.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;
