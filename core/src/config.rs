//! Client configuration, validated once at construction.
//!
//! Everything that can be wrong with a configuration (no key, an unparseable URL, plain HTTP to a
//! remote host, both an instance and a base URL) is reported by [`ClientConfigBuilder::build`]
//! with the setting named, so a misconfigured service fails at start-up, not on a user's first
//! login. The defaults are the ones a login path wants: short connect timeout, bounded request
//! time, two retries of what is safe to retry.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use url::Url;

use crate::{Error, Result, Secret};

pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub(crate) const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const DEFAULT_MAX_RETRIES: u32 = 2;
pub(crate) const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(500);
pub(crate) const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(8);
pub(crate) const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
pub(crate) const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;
/// Requests in flight at once per client, and so HTTP/1.1 connections: as many as aiohttp's and
/// httpx's default pools allow. Without a cap, 10,000 concurrent waits polling together opened
/// thousands of connections and kept them idle in the pool (bench/python, python-memory).
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 100;

/// The SDK's name and version, always at the start of the `User-Agent`.
pub const SDK_USER_AGENT: &str = concat!("nevis-authcloud-rust/", env!("CARGO_PKG_VERSION"));

/// A validated configuration. Build one with [`ClientConfig::builder`].
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) base_url: Url,
    pub(crate) access_key: Secret,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) deadline: Option<Duration>,
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_after: Duration,
    pub(crate) max_response_bytes: usize,
    pub(crate) max_connections: usize,
    pub(crate) ca_certificates_pem: Vec<String>,
    pub(crate) proxy: Option<Url>,
    pub(crate) use_env_proxy: bool,
    pub(crate) user_agent: String,
}

impl ClientConfig {
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder::default()
    }

    /// The API root, e.g. `https://acme.mauth.nevis.cloud` (no trailing slash).
    pub fn base_url(&self) -> &str {
        self.base_url.as_str().trim_end_matches('/')
    }

    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    pub fn max_connections(&self) -> usize {
        self.max_connections
    }

    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// `…abcd`: enough of the access key to tell two configurations apart, for `repr`/`inspect`.
    pub fn access_key_hint(&self) -> String {
        self.access_key.hint()
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url())
            .field("access_key", &format_args!("{}", self.access_key.hint()))
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("deadline", &self.deadline)
            .field("max_retries", &self.max_retries)
            .field("max_connections", &self.max_connections)
            .field("ca_certificates", &self.ca_certificates_pem.len())
            .field("proxy", &self.proxy.as_ref().map(redacted_proxy))
            .field("use_env_proxy", &self.use_env_proxy)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// A proxy URL may carry credentials (`http://user:pass@proxy`); show only scheme, host and port.
fn redacted_proxy(url: &Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        (Some(host), None) => format!("{}://{host}", url.scheme()),
        _ => url.scheme().to_string(),
    }
}

/// Collects settings; [`ClientConfigBuilder::build`] checks them all.
#[derive(Default, Clone)]
pub struct ClientConfigBuilder {
    instance: Option<String>,
    base_url: Option<String>,
    access_key: Option<Secret>,
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    deadline: Option<Duration>,
    max_retries: Option<u32>,
    initial_backoff: Option<Duration>,
    max_backoff: Option<Duration>,
    max_retry_after: Option<Duration>,
    max_response_bytes: Option<usize>,
    max_connections: Option<usize>,
    ca_certificates_pem: Vec<String>,
    proxy: Option<String>,
    use_env_proxy: bool,
    app_info: Option<String>,
    sdk_user_agent: Option<String>,
}

impl fmt::Debug for ClientConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfigBuilder")
            .field("instance", &self.instance)
            .field("base_url", &self.base_url)
            .field("access_key", &self.access_key.as_ref().map(|key| key.hint()))
            .finish_non_exhaustive()
    }
}

impl ClientConfigBuilder {
    /// A builder filled from the environment; see [`Self::env_defaults`].
    pub fn from_env() -> Result<Self> {
        ClientConfigBuilder::default().env_defaults()
    }

    /// Fills the settings still unset from the environment: `NEVIS_AUTHCLOUD_INSTANCE` or
    /// `NEVIS_AUTHCLOUD_BASE_URL` (only when neither was given), `NEVIS_AUTHCLOUD_ACCESS_KEY`, and
    /// `NEVIS_AUTHCLOUD_CA_FILE` (a PEM file of extra CA certificates, only when none were given).
    /// What the caller set always wins; the bindings call this so that every language reads the
    /// same variables the same way.
    pub fn env_defaults(mut self) -> Result<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.trim().is_empty());
        if self.instance.is_none() && self.base_url.is_none() {
            self.instance = var("NEVIS_AUTHCLOUD_INSTANCE");
            self.base_url = var("NEVIS_AUTHCLOUD_BASE_URL");
        }
        if self.access_key.is_none() {
            self.access_key = var("NEVIS_AUTHCLOUD_ACCESS_KEY").map(Secret::new);
        }
        if self.ca_certificates_pem.is_empty() {
            if let Some(path) = var("NEVIS_AUTHCLOUD_CA_FILE") {
                let pem = std::fs::read_to_string(&path).map_err(|err| {
                    Error::config("ca_certs", format!("NEVIS_AUTHCLOUD_CA_FILE {path:?} cannot be read ({err})"))
                })?;
                self.ca_certificates_pem.push(pem);
            }
        }
        Ok(self)
    }

    /// The instance id from the management console; the API is then
    /// `https://{instance}.mauth.nevis.cloud`. Give this or [`Self::base_url`], not both.
    pub fn instance(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// The API root, for a proxy in front of Nevis or the local simulator. `https://` is required
    /// except for loopback hosts (`localhost`, `127.0.0.0/8`, `::1`).
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// The access key from the management console (a bearer credential: never shown in `Debug`,
    /// logs or errors). Required.
    pub fn access_key(mut self, access_key: impl Into<Secret>) -> Self {
        self.access_key = Some(access_key.into());
        self
    }

    /// Time to establish a connection (TCP + TLS). Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time for one HTTP attempt, from sending to the last byte of the answer. Default 30 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Time for a whole call, all retries and their waits included. Default: none (the per-attempt
    /// timeout and the retry bound still apply).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Retries after the first attempt, for failures that are safe to retry. Default 2.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// The backoff before the first retry and its cap (full jitter is applied). Defaults 500 ms
    /// and 8 s.
    pub fn retry_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = Some(initial);
        self.max_backoff = Some(max);
        self
    }

    /// The longest `Retry-After` the client waits for before giving up with `RateLimited`.
    /// Default 30 s.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = Some(max);
        self
    }

    /// The largest JSON answer accepted; larger answers fail with `Decode`. Default 4 MiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = Some(bytes);
        self
    }

    /// At most this many requests in flight at once (more wait for a free slot, within their
    /// deadline), and so at most this many connections, open or idle in the pool. Default 100.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// Trust these CA certificates (PEM, one or more) in addition to the system's roots.
    pub fn add_ca_certificates_pem(mut self, pem: impl Into<String>) -> Self {
        self.ca_certificates_pem.push(pem.into());
        self
    }

    /// Send every request through this proxy: `http://host:port` (HTTPS travels through its
    /// `CONNECT` tunnel), `https://host:port` (the same tunnel inside TLS to the proxy, whose
    /// certificate is verified like the API's) or `socks5://host:port` / `socks5h://host:port`
    /// (the proxy resolves the API's name in both). Credentials (`user:password@`) are sent as
    /// `Proxy-Authorization` or the SOCKS5 user/password exchange, and never shown. The loopback
    /// simulator over plain HTTP is always reached directly.
    pub fn proxy(mut self, proxy: impl Into<String>) -> Self {
        self.proxy = Some(proxy.into());
        self
    }

    /// Take the proxy from the environment as curl does for an `https://` destination:
    /// `HTTPS_PROXY` (or `https_proxy`), else `ALL_PROXY` (or `all_proxy`), with `NO_PROXY`
    /// exempting hosts; on Linux these are the system's proxy settings. A variable naming an
    /// unusable proxy fails [`crate::Client::new`]. Off by default, so a stray variable never
    /// reroutes the access key. An explicit [`Self::proxy`] wins.
    pub fn use_env_proxy(mut self, enabled: bool) -> Self {
        self.use_env_proxy = enabled;
        self
    }

    /// Appended to the `User-Agent`, e.g. `shop-backend/2.3`.
    pub fn app_info(mut self, app_info: impl Into<String>) -> Self {
        self.app_info = Some(app_info.into());
        self
    }

    /// For language bindings: replaces the SDK part of the `User-Agent`
    /// (`nevis-authcloud-python/0.1.0`). The core's name and version are still appended.
    pub fn sdk_user_agent(mut self, sdk: impl Into<String>) -> Self {
        self.sdk_user_agent = Some(sdk.into());
        self
    }

    pub fn build(self) -> Result<ClientConfig> {
        let base_url = match (self.instance, self.base_url) {
            (Some(_), Some(_)) => {
                return Err(Error::config("instance", "give either instance or base_url, not both"));
            }
            (None, None) => return Err(Error::config("instance", "instance or base_url is required")),
            (Some(instance), None) => instance_url(&instance)?,
            (None, Some(base_url)) => parse_base_url(&base_url)?,
        };
        let access_key = match self.access_key {
            Some(key) if !key.expose().trim().is_empty() => key,
            _ => return Err(Error::config("access_key", "is required and must not be empty")),
        };
        // It travels in an HTTP header: visible ASCII only, so a pasted key with a stray
        // character fails here, naming the field, instead of later as a puzzling 401/403.
        if !access_key.expose().chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::config(
                "access_key",
                "must be visible ASCII: no spaces, control or non-ASCII characters",
            ));
        }
        let connect_timeout = positive("connect_timeout", self.connect_timeout, DEFAULT_CONNECT_TIMEOUT)?;
        let request_timeout = positive("request_timeout", self.request_timeout, DEFAULT_REQUEST_TIMEOUT)?;
        if let Some(deadline) = self.deadline {
            if deadline.is_zero() {
                return Err(Error::config("deadline", "must be greater than zero"));
            }
        }
        let max_retries = self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES);
        if max_retries > 10 {
            return Err(Error::config(
                "max_retries",
                format!("must be a whole number from 0 to 10 (got {max_retries})"),
            ));
        }
        let initial_backoff = self.initial_backoff.unwrap_or(DEFAULT_INITIAL_BACKOFF);
        let max_backoff = self.max_backoff.unwrap_or(DEFAULT_MAX_BACKOFF).max(initial_backoff);
        let max_response_bytes = self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        if max_response_bytes < 1024 {
            return Err(Error::config(
                "max_response_bytes",
                format!("must be at least 1024 (got {max_response_bytes})"),
            ));
        }
        let max_connections = self.max_connections.unwrap_or(DEFAULT_MAX_CONNECTIONS);
        if max_connections == 0 {
            return Err(Error::config("max_connections", "must be a whole number, 1 or more (got 0)"));
        }
        let proxy = match self.proxy {
            None => None,
            Some(text) => {
                Some(Url::parse(&text).map_err(|err| Error::config("proxy", format!("is not a valid URL ({err})")))?)
            }
        };
        let mut user_agent = match self.sdk_user_agent {
            Some(sdk) => format!("{sdk} {SDK_USER_AGENT}"),
            None => SDK_USER_AGENT.to_string(),
        };
        if let Some(app_info) = self.app_info {
            if app_info.chars().any(|c| c.is_control()) {
                return Err(Error::config("app_info", "must not contain control characters"));
            }
            if !app_info.trim().is_empty() {
                user_agent.push(' ');
                user_agent.push_str(app_info.trim());
            }
        }
        Ok(ClientConfig {
            base_url,
            access_key,
            connect_timeout,
            request_timeout,
            deadline: self.deadline,
            max_retries,
            initial_backoff,
            max_backoff,
            max_retry_after: self.max_retry_after.unwrap_or(DEFAULT_MAX_RETRY_AFTER),
            max_response_bytes,
            max_connections,
            ca_certificates_pem: self.ca_certificates_pem,
            proxy,
            use_env_proxy: self.use_env_proxy,
            user_agent,
        })
    }
}

fn positive(field: &str, value: Option<Duration>, default: Duration) -> Result<Duration> {
    match value {
        Some(value) if value.is_zero() => Err(Error::config(field, "must be greater than zero")),
        Some(value) => Ok(value),
        None => Ok(default),
    }
}

fn instance_url(instance: &str) -> Result<Url> {
    let valid = !instance.is_empty()
        && instance.len() <= 63
        && instance.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !instance.starts_with('-')
        && !instance.ends_with('-');
    if !valid {
        return Err(Error::config(
            "instance",
            "must be the instance id from the management console (letters, digits and -, e.g. sandbox-int-6c1fcf)",
        ));
    }
    parse_base_url(&format!("https://{instance}.mauth.nevis.cloud"))
}

fn parse_base_url(text: &str) -> Result<Url> {
    let url =
        Url::parse(text.trim()).map_err(|err| Error::config("base_url", format!("is not a valid URL ({err})")))?;
    let host = url.host_str().ok_or_else(|| Error::config("base_url", "must name a host"))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config("base_url", "must not have a query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config("base_url", "must not contain credentials"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(host) => {}
        "http" => {
            return Err(Error::config(
                "base_url",
                "must use https:// (plain http:// is allowed only for loopback hosts such as the local simulator)",
            ));
        }
        other => return Err(Error::config("base_url", format!("must use https:// (got {other}://)"))),
    }
    Ok(url)
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    bare.parse::<IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn config_error(builder: ClientConfigBuilder) -> (ErrorKind, String) {
        let err = builder.build().expect_err("config should be rejected");
        (err.kind(), err.field().unwrap_or_default().to_string())
    }

    #[test]
    fn instance_expands_to_the_cloud_host() {
        let config = ClientConfig::builder().instance("sandbox-int-6c1fcf").access_key("k").build().unwrap();
        assert_eq!(config.base_url(), "https://sandbox-int-6c1fcf.mauth.nevis.cloud");
    }

    #[test]
    fn plain_http_only_for_loopback() {
        for ok in ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9"] {
            assert!(ClientConfig::builder().base_url(ok).access_key("k").build().is_ok(), "{ok}");
        }
        let (kind, field) = config_error(ClientConfig::builder().base_url("http://example.com").access_key("k"));
        assert_eq!((kind, field.as_str()), (ErrorKind::Config, "base_url"));
        let (_, field) = config_error(ClientConfig::builder().base_url("ftp://localhost").access_key("k"));
        assert_eq!(field, "base_url");
        let (_, field) = config_error(ClientConfig::builder().base_url("not a url").access_key("k"));
        assert_eq!(field, "base_url");
    }

    #[test]
    fn exactly_one_of_instance_and_base_url() {
        let (_, field) = config_error(ClientConfig::builder().access_key("k"));
        assert_eq!(field, "instance");
        let (_, field) =
            config_error(ClientConfig::builder().instance("a").base_url("https://x.example").access_key("k"));
        assert_eq!(field, "instance");
    }

    #[test]
    fn empty_key_is_rejected() {
        let (_, field) = config_error(ClientConfig::builder().instance("a").access_key("  "));
        assert_eq!(field, "access_key");
        let (_, field) = config_error(ClientConfig::builder().instance("a"));
        assert_eq!(field, "access_key");
    }

    #[test]
    fn key_that_cannot_travel_in_a_header_is_rejected_up_front() {
        for key in ["key\nwith-newline", "key with space", "schl\u{fc}ssel-\u{e9}"] {
            let (_, field) = config_error(ClientConfig::builder().instance("a").access_key(key));
            assert_eq!(field, "access_key", "{key:?}");
        }
    }

    #[test]
    fn debug_shows_at_most_the_key_tail() {
        let key = "eyJhbGciOiJIUzUxMiJ9.very-secret-key-material-WXYZ";
        let config = ClientConfig::builder()
            .instance("acme")
            .access_key(key)
            .proxy("http://user:hunter2@proxy.local:3128")
            .build()
            .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("…WXYZ"), "{shown}");
    }

    #[test]
    fn user_agent_names_the_sdk_and_the_app() {
        let config = ClientConfig::builder().instance("a").access_key("k").app_info("shop/2.3").build().unwrap();
        assert!(config.user_agent().starts_with("nevis-authcloud-rust/"));
        assert!(config.user_agent().ends_with(" shop/2.3"));
    }
}
