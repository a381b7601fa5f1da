//! `ffi-overhead`: what the C binding costs per call on top of the Rust core it wraps.
//!
//! Two contenders make the same sequential `POST /api/v1/status` calls against the simulator
//! (started by `bench/lib/with-bench-sim.sh`, which exports its address and a pending status
//! token) from the same thread of the same process, on the core's one shared runtime:
//!
//! - the core: `runtime::start(client.get_status(token))` and the wait for its answer (how the
//!   blocking bindings run a call), the answer decoded into a `StatusResponse` and dropped;
//! - C: `nevis_client_get_status(client, token, &status, &json)` followed by
//!   `nevis_string_free(json)`: the panic guard, the argument checks, the same core call, the
//!   answer turned back into a JSON C string and wiped on release.
//!
//! A third contender makes the same calls through reqwest instead of the core, on the same runtime:
//! the evidence for the core driving hyper-util's connection pool itself (ARCHITECTURE.md). It is
//! set up as cheaply as reqwest's public API allows: the URL parsed once, no client timeouts, no
//! retries, no redirects, no proxy lookup, HTTP/1.1 only; it sends the same headers and body and
//! decodes the answer into the same `StatusResponse`.
//!
//! They run in interleaved batches, the order rotating every round, so drift on a noisy machine
//! hits all alike, and the overhead is the median of the per-round paired differences. Wall-clock
//! time includes the round trip to the simulator, whose jitter can hide a difference of a few
//! microseconds; the CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`) does not include
//! waiting, and every step the C entry point adds runs on that thread, so its paired difference
//! is the low-noise view of the same overhead.
//!
//! When BENCH_LOADGEN names the native load generator (bench/run.sh finds it), each round also runs
//! it for one second over one connection: the ceiling for sequential calls, in the same rounds.
//!
//! Writes one result file in the result layout bench/report.py reads to `--out`.

use std::ffi::{CStr, CString, c_char};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nevis_authcloud::{Client, ClientConfig, OperationStatus, StatusResponse, runtime};
use nevis_c::client::{nevis_client, nevis_client_free, nevis_client_new};
use nevis_c::error::{nevis_error, nevis_error_free, nevis_error_message};
use nevis_c::options::{nevis_client_options, nevis_client_options_init};
use nevis_c::status::{nevis_client_get_status, nevis_status};
use nevis_c::strings::nevis_string_free;
use serde_json::{Value, json};

/// The C binding's User-Agent prefix, given to the direct client too so both send the same bytes.
const C_USER_AGENT: &str = concat!("nevis-authcloud-c/", env!("CARGO_PKG_VERSION"));
/// The most the C binding may add to a call over the core, in microseconds.
const TARGET_US: f64 = 15.0;

struct Settings {
    rounds: usize,
    batch: usize,
    warmup: usize,
    out: PathBuf,
    smoke: bool,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("ffi-overhead: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let settings = parse_args()?;
    let base_url = env("NEVIS_AUTHCLOUD_BASE_URL")?;
    let access_key = env("NEVIS_AUTHCLOUD_ACCESS_KEY")?;
    let token = env("BENCH_STATUS_TOKEN")?;

    let mut core = CoreCaller::new(&base_url, &access_key, &token)?;
    let mut c = CCaller::new(&base_url, &access_key, &token)?;
    let mut reqwest = ReqwestCaller::new(&base_url, &token)?;

    // Warm-up: connections open, allocator and caches settle; nothing recorded.
    for _ in 0..settings.warmup {
        core.call()?;
        c.call()?;
        reqwest.call()?;
    }

    let loadgen = Loadgen::from_env();
    let mut core_wall = Vec::new();
    let mut c_wall = Vec::new();
    let mut core_cpu = Vec::new();
    let mut c_cpu = Vec::new();
    let mut reqwest_wall = Vec::new();
    let mut reqwest_cpu = Vec::new();
    // The ceiling in the same rounds (one connection, sequential requests), as microseconds per
    // request, so its share survives a noisy machine.
    let mut ceiling = Vec::new();
    for round in 0..settings.rounds {
        // The order rotates (core C reqwest, C reqwest core, ...): no contender always runs first
        // or always after the same other one.
        let mut results: [Option<Batch>; 3] = [None, None, None];
        for turn in 0..3 {
            let contender = (round + turn) % 3;
            results[contender] = Some(match contender {
                0 => batch(settings.batch, || core.call())?,
                1 => batch(settings.batch, || c.call())?,
                _ => batch(settings.batch, || reqwest.call())?,
            });
        }
        let [Some(core_result), Some(c_result), Some(reqwest_result)] = results else {
            return Err("a contender did not run".to_string());
        };
        core_wall.push(core_result.wall_us);
        core_cpu.push(core_result.cpu_us);
        c_wall.push(c_result.wall_us);
        c_cpu.push(c_result.cpu_us);
        reqwest_wall.push(reqwest_result.wall_us);
        reqwest_cpu.push(reqwest_result.cpu_us);
        if let Some(loadgen) = &loadgen {
            ceiling.push(1e6 / loadgen.measure()?);
        }
    }

    let wall_diff: Vec<f64> = c_wall.iter().zip(&core_wall).map(|(c, core)| c - core).collect();
    let cpu_diff: Vec<f64> = c_cpu.iter().zip(&core_cpu).map(|(c, core)| c - core).collect();
    let overhead = median(&wall_diff);
    let cpu_overhead = median(&cpu_diff);
    // The core's time per call over reqwest's, paired per round (below 1: the core is faster).
    let wall_ratio: Vec<f64> = core_wall.iter().zip(&reqwest_wall).map(|(core, rq)| core / rq).collect();
    let cpu_ratio: Vec<f64> = core_cpu.iter().zip(&reqwest_cpu).map(|(core, rq)| core / rq).collect();

    // `kind` tells the report which rows a ratio may compare.
    let mut rows = vec![
        kind(row("Rust core: runtime::start(client.get_status) + wait (wall)", &core_wall), "wall"),
        kind(row("C: nevis_client_get_status + nevis_string_free (wall)", &c_wall), "wall"),
        kind(row("C minus core, paired per round (wall)", &wall_diff), "difference"),
        kind(row("Rust core (CPU time of the calling thread)", &core_cpu), "cpu"),
        kind(row("C (CPU time of the calling thread)", &c_cpu), "cpu"),
        kind(row("C minus core, paired per round (calling-thread CPU)", &cpu_diff), "difference"),
        kind(row("reqwest, same calls on the same runtime (wall)", &reqwest_wall), "wall"),
        kind(row("reqwest (CPU time of the calling thread)", &reqwest_cpu), "cpu"),
        kind(row("Rust core / reqwest, paired per round (wall, ratio)", &wall_ratio), "ratio"),
        kind(row("Rust core / reqwest, paired per round (calling-thread CPU, ratio)", &cpu_ratio), "ratio"),
    ];
    let mut checks = vec![
        json!({
            "name": "Rust core time per call / reqwest's (median paired ratio, wall clock)",
            "value": round3(median(&wall_ratio)),
            "target": "<= 1.0",
            "met": median(&wall_ratio) <= 1.0,
        }),
        json!({
            "name": "C overhead per call (median paired difference, wall clock)",
            "value": round3(overhead),
            "target": format!("<= {TARGET_US}"),
            "met": overhead <= TARGET_US,
        }),
        json!({
            "name": "C overhead per call (median paired difference, calling-thread CPU)",
            "value": round3(cpu_overhead),
            "target": format!("<= {TARGET_US}"),
            "met": cpu_overhead <= TARGET_US,
        }),
    ];
    if let Some(loadgen) = &loadgen {
        let mut ceiling_row = kind(
            row(&format!("{}, 1 connection (ceiling: no JSON decoding), per request", loadgen.name), &ceiling),
            "wall",
        );
        ceiling_row["ceiling"] = json!(true);
        ceiling_row["concurrency"] = json!(1);
        rows.push(ceiling_row);
        // Requests per second relative to the ceiling = the ceiling's time per request / C's.
        let share = median(&ceiling) / median(&c_wall);
        checks.push(json!({
            "name": format!("C sequential calls / {} (share of the ceiling, same run)", loadgen.name),
            "value": round3(share),
            "target": ">= 0.70",
            "met": share >= 0.70,
        }));
    }

    let command = std::env::var("BENCH_COMMAND").unwrap_or_else(|_| std::env::args().collect::<Vec<_>>().join(" "));
    let pinning = std::env::var("BENCH_PINNING").unwrap_or_else(|_| "not pinned".to_string());
    let result = json!({
        "benchmark": "c-ffi",
        "title": "C binding: per-call overhead over the Rust core (sequential get_status, same process and runtime)",
        "unit": "us/call",
        "higherIsBetter": false,
        "command": command,
        "rows": rows,
        // What the sequential C calls amount to in requests per second, for the "share of the
        // ceiling at the same concurrency" check in bench/report.py.
        "throughput": [
            {
                "name": "C: nevis_client_get_status, sequential",
                "concurrency": 1,
                "reqPerSec": (1e6 / median(&c_wall)).round(),
            },
        ],
        "checks": checks,
        "notes": format!(
            "{rounds} rounds after a warm-up of {warmup} calls each; per round one batch of {batch} sequential calls per \
             contender, order rotating every round. All contenders run on the calling thread of one process: the direct \
             call blocks on the core's shared runtime exactly as the C binding does, and the core and C clients send the same \
             User-Agent and body to the same simulator over plain HTTP on loopback (each keeps its own keep-alive \
             connection). Both decode the JSON answer; the C entry point additionally re-encodes it as a C string, which \
             the caller releases with nevis_string_free (that wipes it). The wall-clock rows include the round trip; \
             the CPU rows count only the calling thread (CLOCK_THREAD_CPUTIME_ID), which excludes the wait for the \
             simulator and the connection task on the runtime's worker threads, so the paired CPU difference is the \
             network-free view of what the C layer adds. The reqwest contender ({reqwest}) makes the same call on the \
             same runtime: a `Url` parsed once, no client timeouts, retries off, redirects off, no proxy lookup, \
             HTTP/1.1 only, the same User-Agent, Accept, Content-Type and body, the answer decoded into the same \
             StatusResponse; its ratio rows divide the core's time per call by reqwest's in the same round. \
             {ceiling}{pinning}.{smoke}",
            reqwest = REQWEST_VERSION,
            ceiling = match &loadgen {
                Some(loadgen) => format!(
                    "The ceiling row is {} with one connection for 1 s per round, in the same rounds, answers not decoded. ",
                    loadgen.name
                ),
                None => "No load generator was available, so no ceiling row. ".to_string(),
            },
            rounds = settings.rounds,
            warmup = settings.warmup,
            batch = settings.batch,
            smoke = if settings.smoke { " SMOKE RUN: debug build and tiny counts, figures meaningless." } else { "" },
        ),
    });
    let text = serde_json::to_string_pretty(&result).map_err(|err| format!("cannot encode the result: {err}"))?;
    std::fs::write(&settings.out, text + "\n")
        .map_err(|err| format!("cannot write {}: {err}", settings.out.display()))?;
    println!(
        "c-ffi: core {:.1} us/call, C {:.1} us/call, overhead {:.2} us wall, {:.2} us calling-thread CPU -> {}",
        median(&core_wall),
        median(&c_wall),
        overhead,
        cpu_overhead,
        settings.out.display()
    );
    Ok(())
}

fn parse_args() -> Result<Settings, String> {
    let mut settings =
        Settings { rounds: 20, batch: 2000, warmup: 500, out: PathBuf::from("c-ffi.json"), smoke: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--smoke" => {
                settings.smoke = true;
                settings.rounds = 2;
                settings.batch = 20;
                settings.warmup = 5;
            }
            "--rounds" => settings.rounds = number(&value("--rounds")?, "--rounds")?,
            "--batch" => settings.batch = number(&value("--batch")?, "--batch")?,
            "--warmup" => {
                settings.warmup = value("--warmup")?.parse().map_err(|_| "--warmup: not a number".to_string())?
            }
            "--out" => settings.out = PathBuf::from(value("--out")?),
            other => {
                return Err(format!(
                    "unknown argument {other:?} (--smoke, --rounds N, --batch N, --warmup N, --out FILE)"
                ));
            }
        }
    }
    Ok(settings)
}

fn number(text: &str, name: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{name}: must be a positive whole number")),
    }
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set (run under bench/lib/with-bench-sim.sh)"))
}

/// The core called directly, the way the C binding calls it.
struct CoreCaller {
    client: Client,
    token: Arc<str>,
}

impl CoreCaller {
    fn new(base_url: &str, access_key: &str, token: &str) -> Result<CoreCaller, String> {
        let config = ClientConfig::builder()
            .base_url(base_url)
            .access_key(access_key)
            .sdk_user_agent(C_USER_AGENT)
            .build()
            .map_err(|err| format!("core client configuration: {err}"))?;
        let client = Client::new(config).map_err(|err| format!("core client: {err}"))?;
        Ok(CoreCaller { client, token: Arc::from(token) })
    }

    #[inline(never)]
    fn call(&mut self) -> Result<(), String> {
        let client = self.client.clone();
        let token = Arc::clone(&self.token);
        let status = runtime::start(async move { client.get_status(&token).await })
            .and_then(runtime::Waiting::wait)
            .and_then(|result| result)
            .map_err(|err| format!("core get_status failed: {err}"))?;
        if status.status != OperationStatus::Pending {
            return Err(format!("core get_status: expected a pending operation, got {:?}", status.status));
        }
        Ok(())
    }
}

/// The version of reqwest this benchmark is built with (Cargo.lock), for the report.
const REQWEST_VERSION: &str = "reqwest 0.13";

/// The same call through reqwest, as cheaply as its public API allows, on the core's runtime.
struct ReqwestCaller {
    http: reqwest::Client,
    url: reqwest::Url,
    body: bytes::Bytes,
}

impl ReqwestCaller {
    fn new(base_url: &str, token: &str) -> Result<ReqwestCaller, String> {
        // This workspace builds reqwest without a TLS provider of its own; the benchmark is plain
        // HTTP, but the builder wants one installed (the core's, ring). Already installed is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .http1_only()
            .retry(reqwest::retry::never())
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(format!("{C_USER_AGENT} {}", nevis_authcloud::SDK_USER_AGENT))
            .build()
            .map_err(|err| format!("reqwest client: {err}"))?;
        let url = reqwest::Url::parse(&format!("{}/api/v1/status", base_url.trim_end_matches('/')))
            .map_err(|err| format!("reqwest URL: {err}"))?;
        let body = serde_json::to_vec(&json!({ "statusToken": token })).map_err(|err| err.to_string())?;
        Ok(ReqwestCaller { http, url, body: body.into() })
    }

    #[inline(never)]
    fn call(&mut self) -> Result<(), String> {
        let request = self
            .http
            .post(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(self.body.clone());
        let status = runtime::start(async move {
            let answer = request.send().await.map_err(|err| format!("reqwest send: {err}"))?;
            let bytes = answer.bytes().await.map_err(|err| format!("reqwest body: {err}"))?;
            serde_json::from_slice::<StatusResponse>(&bytes).map_err(|err| format!("reqwest decode: {err}"))
        })
        .and_then(runtime::Waiting::wait)
        .map_err(|err| format!("runtime: {err}"))??;
        if status.status != OperationStatus::Pending {
            return Err(format!("reqwest: expected a pending operation, got {:?}", status.status));
        }
        Ok(())
    }
}

/// The C entry point, called exactly as a C program would.
struct CCaller {
    client: *mut nevis_client,
    token: CString,
}

impl CCaller {
    fn new(base_url: &str, access_key: &str, token: &str) -> Result<CCaller, String> {
        let base_url = CString::new(base_url).map_err(|_| "the base URL holds a NUL byte".to_string())?;
        let access_key = CString::new(access_key).map_err(|_| "the access key holds a NUL byte".to_string())?;
        let token = CString::new(token).map_err(|_| "the status token holds a NUL byte".to_string())?;
        let mut opts = std::mem::MaybeUninit::<nevis_client_options>::uninit();
        let mut client = std::ptr::null_mut();
        // SAFETY: `opts` is initialised by nevis_client_options_init before it is read; the
        // strings outlive nevis_client_new, which copies what it keeps.
        let err = unsafe {
            nevis_client_options_init(opts.as_mut_ptr());
            let mut opts = opts.assume_init();
            opts.base_url = base_url.as_ptr();
            opts.access_key = access_key.as_ptr();
            nevis_client_new(&opts, &mut client)
        };
        take_error(err, "nevis_client_new")?;
        Ok(CCaller { client, token })
    }

    #[inline(never)]
    fn call(&mut self) -> Result<(), String> {
        let mut status = nevis_status::NEVIS_STATUS_UNKNOWN;
        let mut json: *mut c_char = std::ptr::null_mut();
        // SAFETY: a live client, a NUL-terminated token and writable out-parameters.
        let err = unsafe { nevis_client_get_status(self.client, self.token.as_ptr(), &mut status, &mut json) };
        take_error(err, "nevis_client_get_status")?;
        let answered = !json.is_null();
        // SAFETY: a string this library handed out, released once.
        unsafe { nevis_string_free(json) };
        if !answered || status != nevis_status::NEVIS_STATUS_PENDING {
            return Err(format!("nevis_client_get_status: expected a pending operation with JSON, got {status:?}"));
        }
        Ok(())
    }
}

impl Drop for CCaller {
    fn drop(&mut self) {
        // SAFETY: made by nevis_client_new, no call runs any more.
        unsafe { nevis_client_free(self.client) };
    }
}

/// Turns a returned `nevis_error *` into a message (and frees it).
fn take_error(err: *mut nevis_error, function: &str) -> Result<(), String> {
    if err.is_null() {
        return Ok(());
    }
    // SAFETY: a live error from this library; its message is NUL-terminated and read before the
    // error is freed.
    let message = unsafe { CStr::from_ptr(nevis_error_message(err)).to_string_lossy().into_owned() };
    // SAFETY: released once.
    unsafe { nevis_error_free(err) };
    Err(format!("{function} failed: {message}"))
}

/// The native load generator named by BENCH_LOADGEN (wrk or oha), sending the benchmark request
/// over one connection through bench/lib/loadgen.py, the runner every benchmark shares (same
/// request script, same rejection of failed requests).
struct Loadgen {
    name: String,
}

impl Loadgen {
    fn from_env() -> Option<Loadgen> {
        let path = std::env::var("BENCH_LOADGEN").ok()?;
        let name =
            std::path::Path::new(&path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Some(Loadgen { name })
    }

    /// One second of sequential requests; requests per second.
    fn measure(&self) -> Result<f64, String> {
        let runner = concat!(env!("CARGO_MANIFEST_DIR"), "/../lib/loadgen.py");
        let output = std::process::Command::new("python3")
            .args([runner, "--connections", "1", "--seconds", "1"])
            .output()
            .map_err(|err| format!("{runner} could not run: {err}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!("{} failed: {}", self.name, String::from_utf8_lossy(&output.stderr)));
        }
        text.trim().parse::<f64>().map_err(|_| format!("{runner} printed no rate: {text}"))
    }
}

struct Batch {
    wall_us: f64,
    cpu_us: f64,
}

/// `count` sequential calls: microseconds per call, wall clock and CPU time of this thread.
fn batch(count: usize, mut call: impl FnMut() -> Result<(), String>) -> Result<Batch, String> {
    let cpu_start = thread_cpu_time();
    let wall_start = Instant::now();
    for _ in 0..count {
        call()?;
    }
    let wall = wall_start.elapsed();
    let cpu = thread_cpu_time().saturating_sub(cpu_start);
    let per_call = |total: Duration| total.as_secs_f64() * 1e6 / count as f64;
    Ok(Batch { wall_us: per_call(wall), cpu_us: per_call(cpu) })
}

fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and a writable timespec.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

fn kind(mut row: Value, kind: &str) -> Value {
    row["kind"] = json!(kind);
    row
}

fn row(name: &str, samples: &[f64]) -> Value {
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    json!({
        "name": name,
        "samples": samples.iter().map(|v| round3(*v)).collect::<Vec<_>>(),
        "median": round3(median(samples)),
        "min": round3(min),
        "max": round3(max),
    })
}
