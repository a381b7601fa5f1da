//! Builds the core's `ClientConfig` from the keyword arguments of `Client(...)`/`AsyncClient(...)`.
//!
//! Python passes seconds as floats and everything else as strings; this module checks the numbers
//! (the core takes `Duration`s, which cannot be negative or NaN) and fills what the caller left out
//! from the same environment variables the core and the other bindings read
//! (`NEVIS_AUTHCLOUD_INSTANCE` / `_BASE_URL` / `_ACCESS_KEY` / `_CA_FILE`). Every other check is the
//! core's, so the rules are the same in every language.

use std::time::Duration;

use nevis_authcloud::{ClientConfig, Error};

/// The settings as Python gave them (already normalised to `str`/`float`/`int` by the Python layer).
#[derive(Default)]
pub struct Settings {
    pub instance: Option<String>,
    pub base_url: Option<String>,
    pub access_key: Option<String>,
    pub timeout: Option<f64>,
    pub connect_timeout: Option<f64>,
    pub deadline: Option<f64>,
    pub max_retries: Option<u32>,
    pub max_connections: Option<usize>,
    pub retry_backoff: Option<(f64, f64)>,
    pub max_retry_after: Option<f64>,
    pub ca_certs_pem: Option<String>,
    pub proxy: Option<String>,
    pub use_env_proxy: bool,
    pub app_info: Option<String>,
}

/// The `User-Agent` part naming this SDK; the core appends its own name and version.
pub const SDK_USER_AGENT: &str = concat!("nevis-authcloud-python/", env!("CARGO_PKG_VERSION"));

impl Settings {
    /// The validated core configuration, and the hint (`…abcd`) of its access key for `repr()`.
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
            builder = builder.request_timeout(seconds("timeout", timeout)?);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(seconds("connect_timeout", timeout)?);
        }
        if let Some(deadline) = self.deadline {
            builder = builder.deadline(seconds("deadline", deadline)?);
        }
        if let Some(retries) = self.max_retries {
            builder = builder.max_retries(retries);
        }
        if let Some(connections) = self.max_connections {
            builder = builder.max_connections(connections);
        }
        if let Some((initial, max)) = self.retry_backoff {
            builder = builder.retry_backoff(seconds("retry_backoff[0]", initial)?, seconds("retry_backoff[1]", max)?);
        }
        if let Some(max) = self.max_retry_after {
            builder = builder.max_retry_after(seconds("max_retry_after", max)?);
        }
        if let Some(pem) = self.ca_certs_pem {
            builder = builder.add_ca_certificates_pem(pem);
        }
        if let Some(proxy) = self.proxy {
            builder = builder.proxy(proxy);
        }
        builder = builder.use_env_proxy(self.use_env_proxy);
        if let Some(app_info) = self.app_info {
            builder = builder.app_info(app_info);
        }
        let config = builder
            .env_defaults()
            .and_then(|builder| builder.build())
            .map_err(|err| err.with_field_renamed(keyword))?;
        let access_key_hint = config.access_key_hint();
        Ok((config, access_key_hint))
    }
}

/// The keyword of `Client(...)` for a setting the core names differently.
pub fn keyword(setting: &str) -> Option<String> {
    (setting == "request_timeout").then(|| "timeout".to_string())
}

/// A number of seconds as Python prints it, for "got …".
pub fn python_float(value: f64) -> String {
    if value.is_nan() {
        "nan".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "inf".to_string() } else { "-inf".to_string() }
    } else {
        format!("{value:?}")
    }
}

/// A positive, finite number of seconds as a `Duration`.
pub fn seconds(field: &str, value: f64) -> Result<Duration, Error> {
    if !(value.is_finite() && value > 0.0) {
        return Err(Error::config(
            field,
            format!("must be a positive number of seconds (got {})", python_float(value)),
        ));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|_| Error::config(field, format!("is too large (got {} seconds)", python_float(value))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_must_be_positive_and_finite() {
        assert_eq!(seconds("timeout", 1.5).ok(), Some(Duration::from_millis(1500)));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert_eq!(seconds("timeout", bad).err().map(|f| f.kind()), Some(nevis_authcloud::ErrorKind::Config));
        }
    }

    #[test]
    fn the_user_agent_names_the_python_sdk() {
        let config = Settings {
            base_url: Some("http://127.0.0.1:9".into()),
            access_key: Some("k".into()),
            app_info: Some("shop/1".into()),
            ..Settings::default()
        }
        .build()
        .ok()
        .map(|(config, _)| config.user_agent().to_string());
        let agent = config.unwrap_or_default();
        assert!(agent.starts_with("nevis-authcloud-python/"), "{agent}");
        assert!(agent.ends_with(" shop/1"), "{agent}");
    }

    #[test]
    fn max_connections_reaches_the_core_and_zero_is_refused() {
        let with = |max_connections| {
            Settings {
                base_url: Some("http://127.0.0.1:9".into()),
                access_key: Some("k".into()),
                max_connections,
                ..Settings::default()
            }
            .build()
        };
        assert_eq!(with(Some(3)).ok().map(|(config, _)| config.max_connections()), Some(3));
        assert_eq!(with(None).ok().map(|(config, _)| config.max_connections()), Some(100));
        assert_eq!(with(Some(0)).err().map(|f| f.kind()), Some(nevis_authcloud::ErrorKind::Config));
    }
}
