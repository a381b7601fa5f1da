//! `nevis_client_options`: the client configuration as a plain C struct.
//!
//! C has no builders, so the core's `ClientConfigBuilder` is flattened into one struct of
//! pointers and numbers that a caller fills in after nevis_client_options_init(). Zero means "the
//! default" for every time value; retries use -1 for that, because 0 retries is a real choice.
//! The core validates the result exactly as it does for Rust callers.

use std::ffi::c_char;
use std::time::Duration;

use nevis_authcloud::{ClientConfig, ClientConfigBuilder, Secret};

use crate::error::NevisError;
use crate::ffi_guard::{FfiResult, guard_or, optional_str};

/// The User-Agent prefix of this binding; the core appends its own name and version.
const SDK_USER_AGENT: &str = concat!("nevis-authcloud-c/", env!("CARGO_PKG_VERSION"));

/// Settings for nevis_client_new(). Call nevis_client_options_init() first, then set what you
/// need. Every string is borrowed only during nevis_client_new() (the client copies what it keeps).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct nevis_client_options {
    /// sizeof(nevis_client_options) as the program was compiled; nevis_client_options_init() sets
    /// it. With it a later library accepts options from a program built against an older header
    /// (settings added since take their defaults). A struct not filled by the init function is
    /// refused with NEVIS_ERROR_INVALID_ARGUMENT.
    pub struct_size: usize,
    /// The instance id from the management console (the API is then
    /// https://{instance}.mauth.nevis.cloud). Give this or `base_url`, not both.
    pub instance: *const c_char,
    /// The API root, e.g. a proxy in front of Nevis or the local simulator. https:// is required
    /// except for loopback hosts.
    pub base_url: *const c_char,
    /// The access key (required). Copied into the client and wiped from its memory when the client
    /// is freed; it never appears in error messages.
    pub access_key: *const c_char,
    /// Time to establish a connection (TCP + TLS), in ms. 0: default 10 000.
    pub connect_timeout_ms: u64,
    /// Time for one HTTP attempt, in ms. 0: default 30 000.
    pub request_timeout_ms: u64,
    /// Time for a whole call including retries, in ms. 0: no overall deadline.
    pub deadline_ms: u64,
    /// Retries after the first attempt for failures that are safe to retry (0 to 10). -1: default 2.
    /// Other values are refused with NEVIS_ERROR_CONFIG.
    pub max_retries: i32,
    /// The backoff before the first retry, in ms (full jitter applies). 0: default 500.
    pub retry_initial_backoff_ms: u64,
    /// The longest backoff between retries, in ms. 0: default 8 000.
    pub retry_max_backoff_ms: u64,
    /// The longest Retry-After the client waits before failing with NEVIS_ERROR_RATE_LIMITED, in
    /// ms. 0: default 30 000.
    pub max_retry_after_ms: u64,
    /// Extra CA certificates to trust besides the system's roots: PEM text (not a path), one or
    /// more certificates. NULL: system roots only.
    pub ca_pem: *const c_char,
    /// Send every request through this proxy: "http://", "https://" (verified like the API) or
    /// "socks5://" / "socks5h://" (the proxy resolves the API's name), "user:password@" allowed.
    /// NULL: none.
    pub proxy: *const c_char,
    /// Take the proxy from HTTPS_PROXY (else ALL_PROXY), honouring NO_PROXY. Default false.
    pub use_env_proxy: bool,
    /// Appended to the User-Agent, e.g. "shop-backend/2.3". NULL: nothing.
    pub app_info: *const c_char,
    /// At most this many requests in flight at once, and so at most this many connections, open
    /// or idle, per client. Calls beyond it (from other threads) wait for a free slot within their
    /// deadline. 0: default 100; a negative value is refused with NEVIS_ERROR_CONFIG.
    pub max_connections: i32,
}

impl Default for nevis_client_options {
    fn default() -> Self {
        nevis_client_options {
            struct_size: std::mem::size_of::<nevis_client_options>(),
            instance: std::ptr::null(),
            base_url: std::ptr::null(),
            access_key: std::ptr::null(),
            connect_timeout_ms: 0,
            request_timeout_ms: 0,
            deadline_ms: 0,
            max_retries: -1,
            retry_initial_backoff_ms: 0,
            retry_max_backoff_ms: 0,
            max_retry_after_ms: 0,
            ca_pem: std::ptr::null(),
            proxy: std::ptr::null(),
            use_env_proxy: false,
            app_info: std::ptr::null(),
            max_connections: 0,
        }
    }
}

/// Fills `*opts` with the defaults and sets its `struct_size`: every pointer NULL, every time 0
/// (default), max_retries -1 (default), max_connections 0 (default). Does nothing when `opts` is
/// NULL. Always start from this: nevis_client_new() refuses options it did not fill.
///
/// # Safety
/// `opts` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nevis_client_options_init(opts: *mut nevis_client_options) {
    guard_or((), || {
        if !opts.is_null() {
            // SAFETY: writable by the caller's contract.
            unsafe { opts.write(nevis_client_options::default()) };
        }
    })
}

/// The smallest `struct_size` accepted: the struct as first published with that field. When a
/// field is appended, this stays at the earlier size (as a number), so that programs built against
/// an older header keep working.
const FIRST_STRUCT_SIZE: usize = std::mem::size_of::<nevis_client_options>();

/// A copy of the caller's options: the part its header declared (`struct_size`), the defaults for
/// the rest.
///
/// # Safety
/// `opts` is NULL or points to at least `struct_size` readable bytes, starting with that field.
pub(crate) unsafe fn read_options(opts: *const nevis_client_options) -> FfiResult<nevis_client_options> {
    if opts.is_null() {
        return Err(NevisError::invalid_argument("opts", "must not be NULL"));
    }
    // SAFETY: every version of the struct starts with `struct_size` (caller's contract).
    let declared = unsafe { std::ptr::addr_of!((*opts).struct_size).read_unaligned() };
    let current = std::mem::size_of::<nevis_client_options>();
    if declared < FIRST_STRUCT_SIZE {
        return Err(NevisError::invalid_argument(
            "opts",
            &format!("has struct_size {declared}: fill it with nevis_client_options_init() before setting fields"),
        ));
    }
    if declared > current {
        return Err(NevisError::invalid_argument(
            "opts",
            &format!(
                "has struct_size {declared}, larger than this library's {current}: the program was built against a newer nevis_authcloud.h than the library it runs with"
            ),
        ));
    }
    let mut options = nevis_client_options::default();
    // SAFETY: the caller's struct is `declared` bytes long, a prefix of this version's layout, and
    // `options` is at least that long.
    unsafe { std::ptr::copy_nonoverlapping(opts.cast::<u8>(), (&raw mut options).cast::<u8>(), declared) };
    options.struct_size = current;
    Ok(options)
}

/// The validated core configuration.
///
/// # Safety
/// Every pointer in `opts` is NULL or a NUL-terminated string valid during the call.
pub(crate) unsafe fn build_config(opts: &nevis_client_options) -> FfiResult<ClientConfig> {
    // SAFETY: forwarded from this function's contract (every `optional_str` call below).
    let text = |ptr, name| unsafe { optional_str(ptr, name) };
    let mut builder = ClientConfigBuilder::default().sdk_user_agent(SDK_USER_AGENT);
    if let Some(instance) = text(opts.instance, "instance")? {
        builder = builder.instance(instance);
    }
    if let Some(base_url) = text(opts.base_url, "base_url")? {
        builder = builder.base_url(base_url);
    }
    builder = builder.access_key(Secret::new(text(opts.access_key, "access_key")?.unwrap_or_default()));
    let ms = Duration::from_millis;
    if opts.connect_timeout_ms > 0 {
        builder = builder.connect_timeout(ms(opts.connect_timeout_ms));
    }
    if opts.request_timeout_ms > 0 {
        builder = builder.request_timeout(ms(opts.request_timeout_ms));
    }
    if opts.deadline_ms > 0 {
        builder = builder.deadline(ms(opts.deadline_ms));
    }
    // A bad setting is NEVIS_ERROR_CONFIG naming it, as nevis_client_new() documents; only a
    // struct that cannot be read at all is NEVIS_ERROR_INVALID_ARGUMENT.
    match opts.max_retries {
        -1 => {}
        retries if retries < 0 => {
            return Err(NevisError::config(
                "max_retries",
                &format!("must be -1 (the default) or a whole number from 0 to 10 (got {retries})"),
            ));
        }
        retries => builder = builder.max_retries(retries.unsigned_abs()),
    }
    match opts.max_connections {
        0 => {}
        connections if connections < 0 => {
            return Err(NevisError::config(
                "max_connections",
                &format!("must be 0 (the default) or a whole number, 1 or more (got {connections})"),
            ));
        }
        connections => builder = builder.max_connections(connections.unsigned_abs() as usize),
    }
    if opts.retry_initial_backoff_ms > 0 || opts.retry_max_backoff_ms > 0 {
        let initial = if opts.retry_initial_backoff_ms > 0 { ms(opts.retry_initial_backoff_ms) } else { ms(500) };
        let max = if opts.retry_max_backoff_ms > 0 { ms(opts.retry_max_backoff_ms) } else { ms(8_000) };
        builder = builder.retry_backoff(initial, max);
    }
    if opts.max_retry_after_ms > 0 {
        builder = builder.max_retry_after(ms(opts.max_retry_after_ms));
    }
    if let Some(pem) = text(opts.ca_pem, "ca_pem")? {
        builder = builder.add_ca_certificates_pem(pem);
    }
    if let Some(proxy) = text(opts.proxy, "proxy")? {
        builder = builder.proxy(proxy);
    }
    builder = builder.use_env_proxy(opts.use_env_proxy);
    if let Some(app_info) = text(opts.app_info, "app_info")? {
        builder = builder.app_info(app_info);
    }
    builder.build().map_err(|err| NevisError::from_core(&err.with_field_renamed(option_name)))
}

/// The member of `nevis_client_options` for a setting the core names differently (`ca_certs` is
/// `ca_pem` here, times carry their unit), so a configuration error names what the caller set.
pub(crate) fn option_name(setting: &str) -> Option<String> {
    let name = match setting {
        "ca_certs" => "ca_pem",
        "connect_timeout" => "connect_timeout_ms",
        "request_timeout" => "request_timeout_ms",
        "deadline" => "deadline_ms",
        "max_retry_after" => "max_retry_after_ms",
        _ => return None,
    };
    Some(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::nevis_error_kind;

    #[test]
    fn init_gives_the_defaults() {
        let mut opts = nevis_client_options { max_retries: 7, ..Default::default() };
        // SAFETY: a local.
        unsafe { nevis_client_options_init(&mut opts) };
        assert_eq!(opts.max_retries, -1);
        assert!(opts.base_url.is_null());
    }

    #[test]
    fn options_become_a_core_config() {
        let opts = nevis_client_options {
            base_url: c"http://127.0.0.1:9".as_ptr(),
            access_key: c"key-1234567890".as_ptr(),
            request_timeout_ms: 1500,
            max_retries: 0,
            max_connections: 3,
            app_info: c"shop/2.3".as_ptr(),
            ..Default::default()
        };
        // SAFETY: literal C strings.
        let config = unsafe { build_config(&opts) }.unwrap();
        assert_eq!(config.request_timeout(), Duration::from_millis(1500));
        assert_eq!(config.max_retries(), 0);
        assert_eq!(config.max_connections(), 3);
        assert!(config.user_agent().starts_with("nevis-authcloud-c/"), "{}", config.user_agent());
        assert!(config.user_agent().ends_with(" shop/2.3"));
        assert_eq!(config.access_key_hint(), "…7890");
    }

    #[test]
    fn bad_options_name_the_setting_without_the_key() {
        let opts = nevis_client_options {
            instance: c"acme".as_ptr(),
            base_url: c"http://127.0.0.1:9".as_ptr(),
            access_key: c"very-secret-key".as_ptr(),
            ..Default::default()
        };
        // SAFETY: literal C strings.
        let err = unsafe { build_config(&opts) }.unwrap_err();
        assert_eq!(err.kind, nevis_error_kind::NEVIS_ERROR_CONFIG);
        assert!(!err.message.to_str().unwrap().contains("very-secret"));
        let opts = nevis_client_options { max_retries: -5, ..opts };
        // SAFETY: literal C strings.
        let err = unsafe { build_config(&opts) }.unwrap_err();
        assert_eq!(err.kind, nevis_error_kind::NEVIS_ERROR_CONFIG);
        assert_eq!(err.field.as_deref().and_then(|field| field.to_str().ok()), Some("max_retries"));
        let opts = nevis_client_options { instance: std::ptr::null(), max_retries: -1, max_connections: -1, ..opts };
        // SAFETY: literal C strings.
        let err = unsafe { build_config(&opts) }.unwrap_err();
        assert_eq!(err.kind, nevis_error_kind::NEVIS_ERROR_CONFIG);
        assert!(err.message.to_str().unwrap().contains("max_connections"), "{:?}", err.message);
        let opts = nevis_client_options { max_connections: 0, ca_pem: c"not a certificate".as_ptr(), ..opts };
        // SAFETY: literal C strings.
        match unsafe { build_config(&opts) }.and_then(|config| {
            nevis_authcloud::Client::new(config)
                .map_err(|err| NevisError::from_core(&err.with_field_renamed(option_name)))
        }) {
            Err(err) => assert_eq!(err.field.as_deref().and_then(|field| field.to_str().ok()), Some("ca_pem")),
            Ok(_) => panic!("a PEM without certificates was accepted"),
        }
    }

    #[test]
    fn zero_connections_means_the_default() {
        let opts = nevis_client_options {
            base_url: c"http://127.0.0.1:9".as_ptr(),
            access_key: c"key".as_ptr(),
            ..Default::default()
        };
        // SAFETY: literal C strings.
        let config = unsafe { build_config(&opts) }.unwrap();
        assert_eq!(config.max_connections(), 100);
    }
}
