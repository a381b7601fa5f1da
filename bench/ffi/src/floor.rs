//! `core-floor`: the Rust core alone making the throughput benchmarks' calls, the floor every
//! binding is measured against.
//!
//! The Node and Python throughput benchmarks compare a binding with hand-written HTTP and with the
//! native load generator (the ceiling). Between the two sits the question a profile cannot answer
//! on its own: how much of the gap is the transport (the core against the load generator) and how
//! much is the binding (the binding against the core)? This binary answers the first half. It
//! makes the same `POST /api/v1/status` call as the bindings, with the same number of calls in
//! flight, on the same process-wide runtime the bindings use (`runtime::shared()`, so the same
//! worker count for the same CPU affinity, which it inherits from the benchmark that starts it),
//! and decodes the same answer into a `StatusResponse` and checks it is still pending.
//!
//! It warms up (connections opened, the runtime's threads started) before measuring, so process
//! start-up is not part of the figure, and prints one JSON line:
//! `{"rate": calls per second, "cpuUsPerCall": CPU time of the whole process per call}` — the same
//! two figures the Node and Python benchmarks record for their contenders.
//!
//!     core-floor --concurrency 64 --calls 20000 [--warmup 4000]
//!
//! The simulator's address, the access key and the pending status token come from the environment
//! `bench/lib/with-bench-sim.sh` exports.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use nevis_authcloud::{Client, ClientConfig, OperationStatus, runtime};

struct Settings {
    concurrency: usize,
    calls: usize,
    warmup: usize,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("core-floor: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let settings = parse_args()?;
    let config = ClientConfig::builder()
        .base_url(env("NEVIS_AUTHCLOUD_BASE_URL")?)
        .access_key(env("NEVIS_AUTHCLOUD_ACCESS_KEY")?)
        .build()
        .map_err(|err| format!("client configuration: {err}"))?;
    let client = Client::new(config).map_err(|err| format!("client: {err}"))?;
    let token: Arc<str> = Arc::from(env("BENCH_STATUS_TOKEN")?);
    let runtime = runtime::shared().map_err(|err| format!("runtime: {err}"))?;

    // One in flight is the blocking bindings' pattern: the calling thread starts each call on the
    // runtime in turn and blocks until its answer (`runtime::start`). More in flight is the async
    // bindings' pattern: that many tasks on the runtime.
    let run_calls = |total: usize| {
        if settings.concurrency == 1 {
            (0..total).try_for_each(|_| {
                let (client, token) = (client.clone(), Arc::clone(&token));
                runtime::start(async move { call(&client, &token).await })
                    .and_then(runtime::Waiting::wait)
                    .map_err(|err| format!("runtime: {err}"))?
            })
        } else {
            runtime.block_on(calls(&client, &token, total, settings.concurrency))
        }
    };
    run_calls(settings.warmup)?;
    let cpu_before = process_cpu_us();
    let started = Instant::now();
    run_calls(settings.calls)?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu_us = process_cpu_us() - cpu_before;

    let calls = settings.calls as f64;
    println!("{{\"rate\": {:.3}, \"cpuUsPerCall\": {:.3}}}", calls / seconds, cpu_us / calls);
    Ok(())
}

/// One call, its answer decoded and checked.
async fn call(client: &Client, token: &str) -> Result<(), String> {
    let status = client.get_status(token).await.map_err(|err| format!("get_status failed: {err}"))?;
    if status.status != OperationStatus::Pending {
        return Err(format!("expected a pending operation, got {:?}", status.status));
    }
    Ok(())
}

/// `total` calls with `concurrency` of them in flight: one task per slot, each awaiting one call
/// at a time, as the benchmarks' async workers do.
async fn calls(client: &Client, token: &Arc<str>, total: usize, concurrency: usize) -> Result<(), String> {
    let issued = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency.min(total.max(1)) {
        let (client, token, issued) = (client.clone(), Arc::clone(token), Arc::clone(&issued));
        workers.spawn(async move {
            while issued.fetch_add(1, Ordering::Relaxed) < total {
                call(&client, &token).await?;
            }
            Ok::<(), String>(())
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined.map_err(|err| format!("a worker task failed: {err}"))??;
    }
    Ok(())
}

/// User plus system CPU time of the whole process (every thread), in microseconds.
fn process_cpu_us() -> f64 {
    // SAFETY: `rusage` is plain integers, for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes into the struct we own and pass by a valid pointer.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return f64::NAN;
    }
    let us = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    us(usage.ru_utime) + us(usage.ru_stime)
}

fn parse_args() -> Result<Settings, String> {
    let mut settings = Settings { concurrency: 64, calls: 20000, warmup: 4000 };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            let text = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            match text.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("{name}: must be a positive whole number")),
            }
        };
        match arg.as_str() {
            "--concurrency" => settings.concurrency = value("--concurrency")?,
            "--calls" => settings.calls = value("--calls")?,
            "--warmup" => settings.warmup = value("--warmup")?,
            other => return Err(format!("unknown argument {other:?} (--concurrency N, --calls N, --warmup N)")),
        }
    }
    Ok(settings)
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set (run under bench/lib/with-bench-sim.sh)"))
}
