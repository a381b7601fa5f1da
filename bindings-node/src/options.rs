//! The options of `new Client({...})` and `waitForStatus(token, {...})`, and their conversion to
//! the core's configuration.
//!
//! JavaScript gives durations in milliseconds; the core takes `Duration`s, which cannot be negative
//! or NaN, so this module checks every number first. Whatever the caller leaves out is taken from
//! the environment variables every binding reads (`NEVIS_AUTHCLOUD_INSTANCE` / `_BASE_URL` /
//! `_ACCESS_KEY` / `_CA_FILE`); all other rules are the core's, so they are the same in every
//! language.

use std::time::Duration;

use napi::Either;
use napi_derive::napi;
use nevis_authcloud::{ClientConfig, Error, RequestOptions, WaitOptions};

/// The `User-Agent` part naming this SDK; the core appends its own name and version.
pub const SDK_USER_AGENT: &str = concat!("nevis-authcloud-node/", env!("CARGO_PKG_VERSION"));

/// Settings of a client. Durations are in milliseconds.
#[napi(object)]
#[derive(Default)]
pub struct ClientOptions {
    /// The instance id from the management console (`https://{instance}.mauth.nevis.cloud`).
    pub instance: Option<String>,
    /// The API root instead of an instance (a proxy, or the local simulator).
    pub base_url: Option<String>,
    pub access_key: Option<String>,
    /// Time for one HTTP attempt. Default 30 000.
    pub timeout: Option<f64>,
    /// Time to establish a connection (TCP + TLS). Default 10 000.
    pub connect_timeout: Option<f64>,
    /// Time for a whole call, retries included. Default: none.
    pub deadline: Option<f64>,
    /// Retries after the first attempt for failures that are safe to retry (0-10). Default 2.
    pub max_retries: Option<f64>,
    /// Requests in flight at once, and so connections (1 or more); more calls wait for a free
    /// slot within their deadline. Default 100.
    pub max_connections: Option<f64>,
    /// The backoff before the first retry and its cap. Defaults 500 and 8 000.
    pub retry_backoff: Option<RetryBackoff>,
    /// The longest `Retry-After` the client waits for. Default 30 000.
    pub max_retry_after: Option<f64>,
    /// Extra CA certificates to trust (PEM text, one or more).
    pub ca_certs: Option<Either<String, Vec<String>>>,
    /// Send every request through this proxy (`http://user:pass@host:port`).
    pub proxy: Option<String>,
    /// Honour `HTTPS_PROXY` / `NO_PROXY`. Default false.
    pub use_env_proxy: Option<bool>,
    /// Appended to the `User-Agent`, e.g. `shop-backend/2.3`.
    pub app_info: Option<String>,
}

#[napi(object)]
pub struct RetryBackoff {
    pub initial: f64,
    pub max: f64,
}

/// The limits of `client.withOptions({...})`: a view of the same pool. Milliseconds; what is left
/// out stays as the client has it.
#[napi(object)]
#[derive(Default)]
pub struct CallOptions {
    /// Time for one HTTP attempt.
    pub timeout: Option<f64>,
    /// Time for a whole call, retries included.
    pub deadline: Option<f64>,
    /// Retries after the first attempt (0-10).
    pub max_retries: Option<f64>,
    /// The longest `Retry-After` waited for.
    pub max_retry_after: Option<f64>,
    /// Also retry enrol, approve, verify and createIntent after failures where the server may
    /// have acted.
    pub retry_non_idempotent: Option<bool>,
}

impl CallOptions {
    /// `base` with the given limits applied, checked by the core (errors name the option as
    /// JavaScript spells it).
    pub fn apply(self, base: &RequestOptions) -> Result<RequestOptions, Error> {
        let mut options = base.clone();
        if let Some(timeout) = self.timeout {
            options.request_timeout = Some(config_millis("timeout", timeout)?);
        }
        if let Some(deadline) = self.deadline {
            options.deadline = Some(config_millis("deadline", deadline)?);
        }
        if let Some(retries) = self.max_retries {
            if !(retries.is_finite() && retries >= 0.0 && retries.fract() == 0.0 && retries <= 10.0) {
                return Err(Error::config(
                    "maxRetries",
                    format!("must be a whole number from 0 to 10 (got {})", number(retries)),
                ));
            }
            options.max_retries = Some(retries as u32);
        }
        if let Some(max) = self.max_retry_after {
            options.max_retry_after = Some(config_millis("maxRetryAfter", max)?);
        }
        if self.retry_non_idempotent.is_some() {
            options.retry_non_idempotent = self.retry_non_idempotent;
        }
        options.validate().map_err(|err| err.with_field_renamed(option_name))?;
        Ok(options)
    }
}

/// How long and how often `waitForStatus` polls. Milliseconds.
#[napi(object)]
#[derive(Default)]
pub struct NativeWaitOptions {
    /// Give up after this long. Default 300 000.
    pub timeout: Option<f64>,
    /// The first pause between polls. Default 1 000.
    pub interval: Option<f64>,
    /// The longest pause between polls. Default 2 000.
    pub max_interval: Option<f64>,
}

/// A positive, finite number of milliseconds as a `Duration`, or the rule it breaks.
pub fn millis(value: f64) -> Result<Duration, &'static str> {
    if !(value.is_finite() && value > 0.0) {
        return Err("must be a positive number of milliseconds");
    }
    Duration::try_from_secs_f64(value / 1000.0).map_err(|_| "is too large")
}

/// `Number.MAX_SAFE_INTEGER`: beyond it a JavaScript number is no longer a whole count.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

fn config_millis(field: &str, value: f64) -> Result<Duration, Error> {
    millis(value).map_err(|rule| Error::config(field, format!("{rule} (got {})", number(value))))
}

/// A number as JavaScript prints it, for "got …" (numbers are never secrets).
pub fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity".to_string() } else { "-Infinity".to_string() }
    } else {
        value.to_string()
    }
}

/// The option of `new Client({...})` for a setting the core names (`base_url` → `baseUrl`), so
/// that a configuration error names what the caller wrote.
pub fn option_name(setting: &str) -> Option<String> {
    let name = match setting {
        "base_url" => "baseUrl",
        "access_key" => "accessKey",
        "request_timeout" => "timeout",
        "connect_timeout" => "connectTimeout",
        "max_retries" => "maxRetries",
        "max_connections" => "maxConnections",
        "max_retry_after" => "maxRetryAfter",
        "ca_certs" => "caCerts",
        "use_env_proxy" => "useEnvProxy",
        "app_info" => "appInfo",
        "retry_non_idempotent" => "retryNonIdempotent",
        _ => return None,
    };
    Some(name.to_string())
}

impl ClientOptions {
    /// The validated core configuration, and the hint (`…abcd`) of its access key for `inspect`.
    pub fn build(self) -> Result<(ClientConfig, String), Error> {
        let mut builder = ClientConfig::builder().sdk_user_agent(SDK_USER_AGENT);
        if let Some(instance) = self.instance {
            builder = builder.instance(instance);
        }
        if let Some(base_url) = self.base_url {
            builder = builder.base_url(base_url);
        }
        if let Some(key) = self.access_key {
            builder = builder.access_key(key);
        }
        if let Some(timeout) = self.timeout {
            builder = builder.request_timeout(config_millis("timeout", timeout)?);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(config_millis("connectTimeout", timeout)?);
        }
        if let Some(deadline) = self.deadline {
            builder = builder.deadline(config_millis("deadline", deadline)?);
        }
        if let Some(retries) = self.max_retries {
            if !(retries.is_finite() && retries >= 0.0 && retries.fract() == 0.0 && retries <= 10.0) {
                return Err(Error::config(
                    "maxRetries",
                    format!("must be a whole number from 0 to 10 (got {})", number(retries)),
                ));
            }
            builder = builder.max_retries(retries as u32);
        }
        if let Some(connections) = self.max_connections {
            // Checked here, not only by the core, so that the error names the option as JavaScript
            // spells it.
            let whole = connections.is_finite() && connections.fract() == 0.0;
            if !(whole && (1.0..=MAX_SAFE_INTEGER).contains(&connections)) {
                return Err(Error::config(
                    "maxConnections",
                    format!("must be a whole number, 1 or more (got {})", number(connections)),
                ));
            }
            builder = builder.max_connections(connections as usize);
        }
        if let Some(backoff) = self.retry_backoff {
            builder = builder.retry_backoff(
                config_millis("retryBackoff.initial", backoff.initial)?,
                config_millis("retryBackoff.max", backoff.max)?,
            );
        }
        if let Some(max) = self.max_retry_after {
            builder = builder.max_retry_after(config_millis("maxRetryAfter", max)?);
        }
        let pems = match self.ca_certs {
            Some(Either::A(pem)) => vec![pem],
            Some(Either::B(pems)) => pems,
            None => Vec::new(),
        };
        for pem in pems {
            builder = builder.add_ca_certificates_pem(pem);
        }
        if let Some(proxy) = self.proxy {
            builder = builder.proxy(proxy);
        }
        builder = builder.use_env_proxy(self.use_env_proxy.unwrap_or(false));
        if let Some(app_info) = self.app_info {
            builder = builder.app_info(app_info);
        }
        let config = builder
            .env_defaults()
            .and_then(|builder| builder.build())
            .map_err(|err| err.with_field_renamed(option_name))?;
        let access_key_hint = config.access_key_hint();
        Ok((config, access_key_hint))
    }
}

impl NativeWaitOptions {
    pub fn build(self) -> Result<WaitOptions, Error> {
        let invalid = |field: &str, value: f64| {
            millis(value).map_err(|rule| Error::invalid(field, format!("{rule} (got {})", number(value))))
        };
        let mut options = WaitOptions::default();
        if let Some(timeout) = self.timeout {
            options = options.timeout(invalid("timeout", timeout)?);
        }
        if let Some(interval) = self.interval {
            options = options.interval(invalid("interval", interval)?);
        }
        if let Some(max) = self.max_interval {
            options.max_interval = invalid("maxInterval", max)?.max(options.interval);
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nevis_authcloud::ErrorKind;

    #[test]
    fn milliseconds_must_be_positive_and_finite() {
        assert_eq!(millis(1500.0), Ok(Duration::from_millis(1500)));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(millis(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_user_agent_names_the_node_sdk_and_the_key_is_only_hinted() {
        let (config, hint) = ClientOptions {
            base_url: Some("http://127.0.0.1:9".into()),
            access_key: Some("a-long-secret-access-key-WXYZ".into()),
            app_info: Some("shop/1".into()),
            ..ClientOptions::default()
        }
        .build()
        .map_err(|failure| failure.to_string())
        .unwrap();
        assert!(config.user_agent().starts_with("nevis-authcloud-node/"), "{}", config.user_agent());
        assert!(config.user_agent().ends_with(" shop/1"));
        assert_eq!(hint, "…WXYZ");
    }

    #[test]
    fn bad_numbers_are_configuration_errors_naming_the_option() {
        let options = ClientOptions {
            base_url: Some("http://127.0.0.1:9".into()),
            access_key: Some("k".into()),
            max_retries: Some(1.5),
            ..ClientOptions::default()
        };
        let failure = options.build().err().unwrap();
        assert_eq!(failure.kind(), ErrorKind::Config);
        assert!(failure.message().starts_with("maxRetries:"), "{}", failure.message());
        let wait = NativeWaitOptions { interval: Some(-5.0), ..Default::default() }.build().err().unwrap();
        assert_eq!(wait.kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn core_settings_are_named_as_the_options_are() {
        let failure = ClientOptions {
            base_url: Some("http://example.com".into()),
            access_key: Some("k".into()),
            ..ClientOptions::default()
        }
        .build()
        .err()
        .unwrap();
        assert_eq!(failure.field(), Some("baseUrl"));
        assert!(failure.message().starts_with("baseUrl: must use https://"), "{}", failure.message());
    }

    #[test]
    fn max_connections_reaches_the_core_and_a_bad_count_names_the_option() {
        let with = |max_connections| {
            ClientOptions {
                base_url: Some("http://127.0.0.1:9".into()),
                access_key: Some("k".into()),
                max_connections,
                ..ClientOptions::default()
            }
            .build()
        };
        assert_eq!(with(Some(3.0)).ok().map(|(config, _)| config.max_connections()), Some(3));
        assert_eq!(with(None).ok().map(|(config, _)| config.max_connections()), Some(100));
        for bad in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY, 1e300] {
            let failure = with(Some(bad)).err().unwrap();
            assert_eq!(failure.kind(), ErrorKind::Config, "{bad}");
            assert!(failure.message().starts_with("maxConnections:"), "{bad}: {}", failure.message());
        }
    }
}
