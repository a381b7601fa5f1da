//! `authcloud-sim`: runs the simulator as a process for demos and non-Rust test suites. Prints one
//! JSON line with the address (CONTRACT.md), then serves until SIGINT/SIGTERM, or until stdin
//! closes when started with `--exit-on-stdin-eof`.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use nevis_authcloud_sim::{DEFAULT_ACCESS_KEY, SimOptions, Simulator};

/// Local simulator of the Nevis Authentication Cloud REST API.
#[derive(Debug, Parser)]
#[command(name = "authcloud-sim", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Serve HTTPS with a CA and server certificate generated at start.
    #[arg(long)]
    tls: bool,
    /// Write the CA certificate (PEM) to this file (requires --tls).
    #[arg(long, requires = "tls")]
    ca_out: Option<PathBuf>,
    /// Access key the API accepts (repeatable; the first is printed).
    #[arg(long = "access-key", env = "AUTHCLOUD_SIM_ACCESS_KEY")]
    access_keys: Vec<String>,
    /// Seconds until a pending operation fails.
    #[arg(long, default_value_t = 600)]
    operation_timeout: u64,
    /// SMS messages one user may be sent within 24 hours before being blocked (default: no limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    sms_rate_limit: Option<u32>,
    /// Push approvals one user may be sent within 24 hours before being blocked (default: no limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    push_rate_limit: Option<u32>,
    /// Log level or filter for stderr (error, warn, info, debug, trace).
    #[arg(long, default_value = "info")]
    log: String,
    /// Exit when stdin reaches end of file (so test harnesses never leave the process behind).
    #[arg(long)]
    exit_on_stdin_eof: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("authcloud-sim: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    let access_keys = if args.access_keys.is_empty() { vec![DEFAULT_ACCESS_KEY.to_string()] } else { args.access_keys };
    let options = SimOptions {
        listen: args.listen,
        tls: args.tls,
        access_keys,
        operation_timeout: Duration::from_secs(args.operation_timeout),
        sms_rate_limit: args.sms_rate_limit,
        push_rate_limit: args.push_rate_limit,
        ..SimOptions::default()
    };
    let sim = match Simulator::start(options).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("authcloud-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut ca_path = None;
    if let (Some(path), Some(pem)) = (&args.ca_out, sim.ca_pem()) {
        if let Err(e) = std::fs::write(path, pem) {
            eprintln!("authcloud-sim: cannot write the CA to {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        ca_path = Some(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()).display().to_string());
    }
    let line = serde_json::json!({"baseUrl": sim.base_url(), "caPath": ca_path, "accessKey": sim.access_key()});
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}").and_then(|_| stdout.flush()).is_err() {
        eprintln!("authcloud-sim: cannot write to stdout");
    }
    drop(stdout);
    tracing::info!("access key: {}", sim.access_key());

    wait_for_stop(args.exit_on_stdin_eof).await;
    tracing::info!("stopping");
    sim.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_stop(exit_on_stdin_eof: bool) {
    // A plain thread blocks on stdin (tokio's stdin needs a feature the workspace does not enable).
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    if exit_on_stdin_eof {
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin();
            let mut buffer = [0u8; 256];
            loop {
                match stdin.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            let _ = closed_tx.send(());
        });
    }
    let stdin_closed = async {
        if !exit_on_stdin_eof || closed_rx.await.is_err() {
            std::future::pending::<()>().await
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate() => {}
        _ = stdin_closed => {}
    }
}

#[cfg(unix)]
async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending::<()>().await
}
