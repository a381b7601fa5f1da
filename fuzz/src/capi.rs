//! The C entry points called as a C program could call them (NULLs, bytes that are not UTF-8,
//! JSON of any shape, any numbers), and the C contract checked on every return.
//!
//! Calls that would reach the network use one client whose base URL is a closed local port, with
//! no retries and short timeouts: a request that passes validation fails at once with a connection
//! error, so nothing leaves the machine and a fuzzer can make thousands of calls a second. Clients
//! made from fuzzed options are only created and freed, never used.
//!
//! The contract: every call returns either an error or its result, never both and never neither;
//! an error never has kind NEVIS_ERROR_INTERNAL (the panic barrier caught a bug) and names the
//! argument or field at fault; out-parameters are cleared on failure; every string the library
//! hands out is valid UTF-8 and is released with its own free function; and no secret (the access
//! key, tokens, codes, all marked with [`SECRET_MARK`]) shows in an error or a log record.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::ptr;
use std::sync::{Mutex, OnceLock};

use arbitrary::{Result, Unstructured};
use nevis_authcloud_c::client::{nevis_client, nevis_client_free, nevis_client_new};
use nevis_authcloud_c::error::{
    nevis_applied, nevis_error, nevis_error_attempts, nevis_error_body, nevis_error_field, nevis_error_free,
    nevis_error_is_retryable, nevis_error_kind, nevis_error_kind_name, nevis_error_last_status,
    nevis_error_may_have_been_applied, nevis_error_message, nevis_error_retry_after_ms, nevis_error_status,
};
use nevis_authcloud_c::json::{nevis_json_get, nevis_json_status_token, nevis_json_transaction_id};
use nevis_authcloud_c::logging::{nevis_log_level, nevis_log_set_callback};
use nevis_authcloud_c::operations::*;
use nevis_authcloud_c::options::{nevis_client_options, nevis_client_options_init};
use nevis_authcloud_c::status::{
    nevis_cancel, nevis_cancel_free, nevis_cancel_new, nevis_cancel_trigger, nevis_client_get_status, nevis_status,
    nevis_wait_for_status_cancellable,
};
use nevis_authcloud_c::strings::{nevis_string_free, nevis_version};
use serde_json::Value;

use crate::SECRET_MARK;
use crate::json::{document, plain_text, request_templates};

type Kind = nevis_authcloud_c::error::nevis_error_kind;

/// Nothing listens on the discard port of the loopback address on these machines; [`client`]
/// checks that before any call.
const CLOSED_BASE_URL: &str = "http://127.0.0.1:9";
const UUID: &str = "31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e";

/// A C string argument: NULL, or bytes up to (not including) the first NUL.
#[derive(Debug)]
pub struct Text(Option<CString>);

impl Text {
    pub fn null() -> Text {
        Text(None)
    }

    /// The bytes as a C string, cut at the first NUL (what a C caller's buffer would say).
    pub fn from_bytes(bytes: &[u8]) -> Text {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        Text(Some(CString::new(&bytes[..end]).unwrap_or_default()))
    }

    pub fn ptr(&self) -> *const c_char {
        self.0.as_ref().map_or(ptr::null(), |text| text.as_ptr())
    }

    fn as_str(&self) -> Option<&str> {
        self.0.as_ref().and_then(|text| text.to_str().ok())
    }
}

/// What kind of string an argument usually holds; the fuzzer still sends anything sometimes.
#[derive(Debug, Clone, Copy)]
enum Role {
    /// A request document for `nevis_client_<name>`.
    Request(&'static str),
    Uuid,
    Username,
    /// A token or code: marked as a secret.
    Secret,
    Free,
}

fn text(u: &mut Unstructured, role: Role) -> Result<Text> {
    Ok(match u.int_in_range(0..=15)? {
        0 => Text::null(),
        1 => Text::from_bytes(u.arbitrary::<&[u8]>()?),
        2 => {
            // Valid text with a byte that is never UTF-8 somewhere in it.
            let mut bytes = plain_text(u)?.into_bytes();
            let at = u.int_in_range(0..=bytes.len())?;
            bytes.insert(at, *u.choose(&[0xff, 0xc3, 0x80, 0xed])?);
            Text::from_bytes(&bytes)
        }
        3 => Text::from_bytes(plain_text(u)?.as_bytes()),
        _ => match role {
            Role::Request(name) => {
                let mut bytes = serde_json::to_vec(&document(u, &request_templates(name))?).unwrap_or_default();
                if u.ratio(1, 8)? {
                    let at = u.int_in_range(0..=bytes.len())?;
                    bytes.truncate(at);
                }
                Text::from_bytes(&bytes)
            }
            Role::Uuid => Text::from_bytes(UUID.as_bytes()),
            Role::Username => Text::from_bytes(u.choose(&[&b"alice"[..], b"a.b-c_d@e", b"%%%", b""])?),
            Role::Secret => Text::from_bytes(format!("{SECRET_MARK}-{}", u.arbitrary::<u16>()?).as_bytes()),
            Role::Free => Text::from_bytes(plain_text(u)?.as_bytes()),
        },
    })
}

/// Secrets never contain the mark unless we planted it; fuzzed free text has it removed.
fn has_secret(text: &str) -> bool {
    text.contains(SECRET_MARK)
}

/// The one client every network call uses: the C constructor, the closed port, no retries.
fn client() -> *const nevis_client {
    static CLIENT: OnceLock<usize> = OnceLock::new();
    *CLIENT.get_or_init(|| {
        match std::net::TcpStream::connect("127.0.0.1:9") {
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionRefused => {}
            other => panic!("127.0.0.1:9 must be a closed port for the C fuzz target (got {other:?})"),
        }
        install_log_check();
        let base_url = CString::new(CLOSED_BASE_URL).unwrap_or_default();
        let access_key = CString::new(format!("{SECRET_MARK}-access-key")).unwrap_or_default();
        let mut options = nevis_client_options::default();
        // SAFETY: a local struct; the strings live until nevis_client_new returns.
        unsafe { nevis_client_options_init(&mut options) };
        options.base_url = base_url.as_ptr();
        options.access_key = access_key.as_ptr();
        options.max_retries = 0;
        options.connect_timeout_ms = 250;
        options.request_timeout_ms = 500;
        options.deadline_ms = 1_000;
        let mut client = ptr::null_mut();
        // SAFETY: valid options and out slot.
        let err = unsafe { nevis_client_new(&options, &mut client) };
        assert!(err.is_null() && !client.is_null(), "the fuzz client could not be made");
        client as usize
    }) as *const nevis_client
}

/// Every log record at TRACE is checked for planted secrets; a violation is remembered and
/// reported after the call (a panic inside the C callback would abort without the input).
static LOG_VIOLATION: Mutex<Option<String>> = Mutex::new(None);

unsafe extern "C" fn check_log(
    _level: nevis_log_level,
    target: *const c_char,
    message: *const c_char,
    _data: *mut c_void,
) {
    // SAFETY: the library passes NUL-terminated strings valid during the call.
    let (target, message) = unsafe { (CStr::from_ptr(target), CStr::from_ptr(message)) };
    let line = format!("{} {}", target.to_string_lossy(), message.to_string_lossy());
    if has_secret(&line) {
        *LOG_VIOLATION.lock().unwrap_or_else(|p| p.into_inner()) = Some(line);
    }
}

fn install_log_check() {
    // SAFETY: a thread-safe callback that never unwinds; no user data.
    let err =
        unsafe { nevis_log_set_callback(nevis_log_level::NEVIS_LOG_TRACE as c_int, Some(check_log), ptr::null_mut()) };
    assert!(err.is_null(), "the log callback could not be registered");
}

fn assert_no_log_leak() {
    if let Some(line) = LOG_VIOLATION.lock().unwrap_or_else(|p| p.into_inner()).take() {
        panic!("a secret shows in a log record: {line}");
    }
}

/// What an error must look like, then freed. Returns its kind and field.
fn inspect_error(err: *mut nevis_error) -> (Kind, Option<String>) {
    assert!(!err.is_null());
    // SAFETY: a live error from the library, freed once at the end.
    unsafe {
        let kind = nevis_error_kind(err);
        let message = CStr::from_ptr(nevis_error_message(err)).to_str().expect("error messages are UTF-8").to_string();
        assert_ne!(kind, Kind::NEVIS_ERROR_INTERNAL, "the library panicked: {message}");
        assert_ne!(kind, Kind::NEVIS_ERROR_NONE, "an error of kind none: {message}");
        assert!(!message.is_empty());
        let name =
            CStr::from_ptr(nevis_error_kind_name(kind as std::ffi::c_int)).to_str().expect("kind names are UTF-8");
        assert!(message.starts_with(name), "the message starts with the kind's name: {name} / {message}");
        let field = nullable(nevis_error_field(err));
        let body = nullable(nevis_error_body(err));
        for shown in [Some(&message), field.as_ref(), body.as_ref()].into_iter().flatten() {
            assert!(!has_secret(shown), "a secret shows in an error: {shown}");
        }
        let status = nevis_error_status(err);
        if matches!(
            kind,
            Kind::NEVIS_ERROR_INVALID_ARGUMENT | Kind::NEVIS_ERROR_INVALID_REQUEST | Kind::NEVIS_ERROR_CONFIG
        ) {
            assert!(field.is_some(), "{message} names no field");
            assert_eq!(nevis_error_attempts(err), 0, "{message}: nothing was sent");
            assert_eq!(nevis_error_may_have_been_applied(err), nevis_applied::NEVIS_APPLIED_NO);
            assert_eq!(status, 0);
        }
        if kind != Kind::NEVIS_ERROR_RATE_LIMITED && status != 503 {
            assert_eq!(nevis_error_retry_after_ms(err), -1);
        }
        let _ = nevis_error_is_retryable(err);
        let mut last = nevis_status::NEVIS_STATUS_PENDING;
        let _ = nevis_error_last_status(err, &mut last);
        let _ = nevis_error_last_status(err, ptr::null_mut());
        nevis_error_free(err);
        (kind, field)
    }
}

fn nullable(text: *const c_char) -> Option<String> {
    // SAFETY: NULL or a NUL-terminated string owned by the error.
    (!text.is_null()).then(|| unsafe { CStr::from_ptr(text) }.to_str().expect("library strings are UTF-8").to_string())
}

/// An `char **out` the call may fill.
struct OutText {
    wanted: bool,
    slot: *mut c_char,
}

impl OutText {
    fn new(wanted: bool) -> OutText {
        // A dangling non-NULL value proves the library clears the slot on entry.
        OutText { wanted, slot: ptr::dangling_mut() }
    }

    fn ptr(&mut self) -> *mut *mut c_char {
        if self.wanted { &mut self.slot } else { ptr::null_mut() }
    }

    /// Takes and frees what the call handed out; checks it is cleared when `failed`.
    fn take(&mut self, failed: bool) -> Option<String> {
        if !self.wanted {
            return None;
        }
        if failed {
            assert!(self.slot.is_null(), "an out-parameter was left set by a failed call");
            return None;
        }
        if self.slot.is_null() {
            return None;
        }
        // SAFETY: a string from the library, released once with its own free function.
        let text = unsafe { CStr::from_ptr(self.slot) }.to_str().expect("library strings are UTF-8").to_string();
        unsafe { nevis_string_free(self.slot) };
        self.slot = ptr::null_mut();
        Some(text)
    }
}

/// A network call on the closed-port client (or on NULL): it must fail, with an argument or
/// validation error, or with a connection error once it passed both.
fn network_call(null_client: bool, err: *mut nevis_error, outs: &mut [&mut OutText]) {
    assert!(!err.is_null(), "a call succeeded although no server is listening");
    for out in outs.iter_mut() {
        out.take(true);
    }
    let (kind, field) = inspect_error(err);
    if null_client {
        assert_eq!((kind, field.as_deref()), (Kind::NEVIS_ERROR_INVALID_ARGUMENT, Some("client")));
    }
    assert_offline_kind(kind, false, "a call");
    assert_no_log_leak();
}

/// What a call can fail with when no server listens: refused before sending, or the connection
/// failed; a wait (`cancellable`) may also have been cancelled.
fn assert_offline_kind(kind: Kind, cancellable: bool, what: &str) {
    let offline = matches!(
        kind,
        Kind::NEVIS_ERROR_INVALID_ARGUMENT
            | Kind::NEVIS_ERROR_INVALID_REQUEST
            | Kind::NEVIS_ERROR_CONNECTION
            | Kind::NEVIS_ERROR_TIMEOUT
    );
    assert!(
        offline || (cancellable && kind == Kind::NEVIS_ERROR_CANCELLED),
        "unexpected {kind:?} from {what} without a server"
    );
}

/// One fuzzed call of a C entry point, with its checks.
pub fn run(u: &mut Unstructured) -> Result<()> {
    let live = client();
    let null_client = u.ratio(1, 32)?;
    let client = if null_client { ptr::null() } else { live };
    let mut out = OutText::new(u.ratio(7, 8)?);
    // SAFETY (every call below): `client` is NULL or the live client, every string is NULL or
    // NUL-terminated and outlives the call, every out pointer is NULL or a local.
    unsafe {
        match u.int_in_range(0..=20)? {
            0 => network_call(null_client, nevis_client_ping(client), &mut []),
            1 => {
                let (request, intent) = (text(u, Role::Request("enroll"))?, text(u, Role::Secret)?);
                let err = nevis_client_enroll(client, request.ptr(), intent.ptr(), out.ptr());
                network_call(null_client, err, &mut [&mut out]);
            }
            2 => {
                let (request, intent) = (text(u, Role::Request("approve"))?, text(u, Role::Secret)?);
                let err = nevis_client_approve(client, request.ptr(), intent.ptr(), out.ptr());
                network_call(null_client, err, &mut [&mut out]);
            }
            3 => {
                let user_id = text(u, Role::Uuid)?;
                let (request, intent) = (text(u, Role::Request("verify"))?, text(u, Role::Secret)?);
                let err = nevis_client_verify(client, user_id.ptr(), request.ptr(), intent.ptr());
                network_call(null_client, err, &mut []);
            }
            4 => {
                let request = text(u, Role::Request("create_intent"))?;
                network_call(
                    null_client,
                    nevis_client_create_intent(client, request.ptr(), out.ptr()),
                    &mut [&mut out],
                );
            }
            5 => {
                let token = text(u, Role::Secret)?;
                let mut active = true;
                let want_active = u.arbitrary::<bool>()?;
                let active_ptr = if want_active { &mut active as *mut bool } else { ptr::null_mut() };
                let err = nevis_client_introspect(client, token.ptr(), active_ptr, out.ptr());
                assert!(!want_active || !active, "out_active is cleared on failure");
                network_call(null_client, err, &mut [&mut out]);
            }
            6 => {
                let user_id = text(u, Role::Uuid)?;
                network_call(null_client, nevis_client_get_user(client, user_id.ptr(), out.ptr()), &mut [&mut out]);
            }
            7 => {
                let username = text(u, Role::Username)?;
                network_call(null_client, nevis_client_find_user(client, username.ptr(), out.ptr()), &mut [&mut out]);
            }
            8 => {
                let user_id = text(u, Role::Uuid)?;
                network_call(null_client, nevis_client_delete_user(client, user_id.ptr()), &mut []);
            }
            9 => {
                let object_id = text(u, Role::Uuid)?;
                let mut exists = true;
                let err = nevis_client_find_aadb2c_user(client, object_id.ptr(), &mut exists, out.ptr());
                assert!(!exists, "out_exists is cleared on failure");
                network_call(null_client, err, &mut [&mut out]);
            }
            10 => {
                let (id, name) = (text(u, Role::Uuid)?, text(u, Role::Free)?);
                let err = nevis_client_rename_authenticator(client, id.ptr(), name.ptr(), out.ptr());
                network_call(null_client, err, &mut [&mut out]);
            }
            11 => {
                let id = text(u, Role::Uuid)?;
                network_call(null_client, nevis_client_delete_authenticator(client, id.ptr()), &mut []);
            }
            12 => {
                let query = text(u, Role::Request("export_logs"))?;
                let mut len = usize::MAX;
                let err = nevis_client_export_logs(client, query.ptr(), out.ptr(), &mut len);
                assert_eq!(len, 0, "out_len is cleared on failure");
                network_call(null_client, err, &mut [&mut out]);
            }
            13 | 14 => {
                let attestation = u.arbitrary::<bool>()?;
                let request =
                    text(u, Role::Request(if attestation { "complete_attestation" } else { "complete_assertion" }))?;
                let mut ok = true;
                let err = if attestation {
                    nevis_client_complete_attestation(client, request.ptr(), &mut ok, out.ptr())
                } else {
                    nevis_client_complete_assertion(client, request.ptr(), &mut ok, out.ptr())
                };
                assert!(!ok, "out_ok is cleared on failure");
                network_call(null_client, err, &mut [&mut out]);
            }
            15 => {
                let token = text(u, Role::Secret)?;
                let mut status = nevis_status::NEVIS_STATUS_SUCCEEDED;
                let err = nevis_client_get_status(client, token.ptr(), &mut status, out.ptr());
                assert_eq!(status, nevis_status::NEVIS_STATUS_UNKNOWN, "out_status is cleared on failure");
                network_call(null_client, err, &mut [&mut out]);
            }
            16 => wait(u, client, null_client, &mut out)?,
            17 => client_new(u)?,
            18 | 19 => {
                let json = if u.ratio(1, 2)? { text(u, Role::Request("enroll"))? } else { text(u, Role::Free)? };
                json_helpers(&json, &text(u, Role::Free)?, u.arbitrary()?);
            }
            _ => {
                let version = CStr::from_ptr(nevis_version()).to_str().expect("the version is UTF-8");
                assert_eq!(version, "0.1.0");
            }
        }
    }
    Ok(())
}

/// nevis_wait_for_status_cancellable() with any timeout, interval and switch.
unsafe fn wait(u: &mut Unstructured, client: *const nevis_client, null_client: bool, out: &mut OutText) -> Result<()> {
    let token = text(u, Role::Secret)?;
    let timeout_ms: u64 = if u.ratio(1, 4)? { u.arbitrary()? } else { u.int_in_range(0..=50)? };
    let interval_ms: u64 = u.arbitrary()?;
    let mut cancel: *mut nevis_cancel = ptr::null_mut();
    // SAFETY: locals, and a switch made and freed here.
    unsafe {
        if u.arbitrary::<bool>()? {
            assert!(nevis_cancel_new(&mut cancel).is_null());
            if u.arbitrary::<bool>()? {
                nevis_cancel_trigger(cancel);
            }
        }
        let mut status = nevis_status::NEVIS_STATUS_PENDING;
        let err = nevis_wait_for_status_cancellable(
            client,
            token.ptr(),
            timeout_ms,
            interval_ms,
            cancel,
            &mut status,
            out.ptr(),
        );
        assert_eq!(status, nevis_status::NEVIS_STATUS_UNKNOWN, "out_status is cleared on failure");
        assert!(!err.is_null(), "a wait succeeded although no server is listening");
        out.take(true);
        let (kind, _) = inspect_error(err);
        if null_client {
            assert_eq!(kind, Kind::NEVIS_ERROR_INVALID_ARGUMENT);
        }
        assert_offline_kind(kind, true, "a wait");
        nevis_cancel_free(cancel);
    }
    assert_no_log_leak();
    Ok(())
}

/// nevis_client_new() with fuzzed options. The client, if any, is freed unused: its base URL could
/// name any host.
fn client_new(u: &mut Unstructured) -> Result<()> {
    let strings: Vec<Text> = (0..6).map(|_| text(u, Role::Free)).collect::<Result<_>>()?;
    let base_url = if u.ratio(1, 2)? { Text::from_bytes(CLOSED_BASE_URL.as_bytes()) } else { text(u, Role::Free)? };
    let access_key = text(u, Role::Secret)?;
    let mut options = nevis_client_options::default();
    options.instance = if u.ratio(1, 4)? { strings[0].ptr() } else { ptr::null() };
    options.base_url = base_url.ptr();
    options.access_key = access_key.ptr();
    options.connect_timeout_ms = u.arbitrary()?;
    options.request_timeout_ms = u.arbitrary()?;
    options.deadline_ms = u.arbitrary()?;
    options.max_retries = u.arbitrary()?;
    options.retry_initial_backoff_ms = u.arbitrary()?;
    options.retry_max_backoff_ms = u.arbitrary()?;
    options.max_retry_after_ms = u.arbitrary()?;
    options.ca_pem = if u.ratio(1, 4)? { strings[1].ptr() } else { ptr::null() };
    options.proxy = if u.ratio(1, 4)? { strings[2].ptr() } else { ptr::null() };
    options.use_env_proxy = u.arbitrary()?;
    options.app_info = if u.ratio(1, 4)? { strings[3].ptr() } else { ptr::null() };
    let null_options = u.ratio(1, 32)?;
    let want_out = !u.ratio(1, 32)?;
    let mut made: *mut nevis_client = ptr::dangling_mut();
    // SAFETY: options with NULL or NUL-terminated strings that outlive the call; a local out slot.
    let err = unsafe {
        nevis_client_new(
            if null_options { ptr::null() } else { &options },
            if want_out { &mut made } else { ptr::null_mut() },
        )
    };
    if err.is_null() {
        assert!(want_out && !null_options && !made.is_null());
        // SAFETY: a fresh client, never used.
        unsafe { nevis_client_free(made) };
    } else {
        if want_out {
            assert!(made.is_null(), "*out is NULL after a failed nevis_client_new");
        }
        let (kind, _) = inspect_error(err);
        assert!(
            matches!(kind, Kind::NEVIS_ERROR_INVALID_ARGUMENT | Kind::NEVIS_ERROR_CONFIG),
            "nevis_client_new failed with {kind:?}"
        );
    }
    assert_no_log_leak();
    Ok(())
}

/// The JSON readers, checked against serde_json's own JSON Pointer lookup.
pub fn json_helpers(json: &Text, pointer: &Text, want_out: bool) {
    let document = json.as_str().and_then(|text| serde_json::from_str::<Value>(text).ok());
    let mut out = OutText::new(want_out);
    // SAFETY: NULL or NUL-terminated strings; a local out slot.
    let err = unsafe { nevis_json_get(json.ptr(), pointer.ptr(), out.ptr()) };
    let expected = match (&document, pointer.as_str()) {
        (None, _) => Err("json"),
        (Some(_), None) => Err("pointer"),
        (Some(_), Some(p)) if !p.is_empty() && !p.starts_with('/') => Err("pointer"),
        (Some(doc), Some(p)) => Ok(match doc.pointer(p) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(other) => Some(other.to_string()),
        }),
    };
    check_reader(err, &mut out, expected, "nevis_json_get");

    for (function, pointers) in [
        (
            nevis_json_status_token as unsafe extern "C" fn(*const c_char, *mut *mut c_char) -> *mut nevis_error,
            ["/statusToken", "/enrollment/statusToken"],
        ),
        (nevis_json_transaction_id, ["/transactionId", "/enrollment/transactionId"]),
    ] {
        let mut out = OutText::new(want_out);
        // SAFETY: as above.
        let err = unsafe { function(json.ptr(), out.ptr()) };
        let expected = match &document {
            None => Err("response_json"),
            Some(doc) => Ok(pointers.iter().find_map(|p| doc.pointer(p).and_then(Value::as_str)).map(str::to_string)),
        };
        check_reader(err, &mut out, expected, "nevis_json_status_token/transaction_id");
    }
}

/// `expected`: the value a reader must hand out, or the argument it must reject.
fn check_reader(
    err: *mut nevis_error,
    out: &mut OutText,
    expected: std::result::Result<Option<String>, &str>,
    name: &str,
) {
    match expected {
        Err(argument) => {
            assert!(!err.is_null(), "{name} accepted a bad {argument}");
            out.take(true);
            let (kind, field) = inspect_error(err);
            assert_eq!(kind, Kind::NEVIS_ERROR_INVALID_ARGUMENT, "{name}");
            assert_eq!(field.as_deref(), Some(argument), "{name}");
        }
        Ok(Some(value)) if value.contains('\0') => {
            // A C string cannot carry a NUL: the value is refused, not cut.
            assert!(!err.is_null(), "{name} handed out a value with a NUL");
            out.take(true);
            assert_eq!(inspect_error(err).0, Kind::NEVIS_ERROR_DECODE, "{name}");
        }
        Ok(value) => {
            if !err.is_null() {
                let (kind, field) = inspect_error(err);
                panic!("{name} failed with {kind:?} ({field:?}) on valid input");
            }
            if out.wanted {
                assert_eq!(out.take(false), value, "{name} read the wrong value");
            }
        }
    }
}
