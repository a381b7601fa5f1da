//! `authcloud-test-proxy`: the test proxy (src/lib.rs) as a process, for the Python, Node and C
//! suites.
//!
//! ```text
//! authcloud-test-proxy --kind http|https|socks5 [--user NAME --password SECRET] [--ca-file PATH]
//! ```
//!
//! Prints the proxy's URL (without credentials) as the first line of standard output, then one
//! line per event (see `Proxy::events`). For `--kind https`, the CA that its certificate chains to
//! is written to `--ca-file` before the URL is printed. It serves until standard input is closed
//! (a test that spawns it with a pipe needs no cleanup beyond dropping it) or it is killed.

use std::io::{Read, Write};
use std::process::ExitCode;

use nevis_authcloud_test_proxy::{Kind, Proxy};

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("authcloud-test-proxy: no runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("authcloud-test-proxy: {message}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), String> {
    let mut kind = None;
    let (mut user, mut password, mut ca_file) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--kind" => kind = Some(value()?.parse::<Kind>()?),
            "--user" => user = Some(value()?),
            "--password" => password = Some(value()?),
            "--ca-file" => ca_file = Some(value()?),
            other => {
                return Err(format!(
                    "unknown argument {other:?} (--kind http|https|socks5, --user, --password, --ca-file)"
                ));
            }
        }
    }
    let kind = kind.ok_or("--kind is required")?;
    let credentials = match (user, password) {
        (Some(user), Some(password)) => Some((user, password)),
        (None, None) => None,
        _ => return Err("give both --user and --password, or neither".to_string()),
    };
    let proxy = Proxy::start(kind, credentials).await.map_err(|err| format!("cannot start: {err}"))?;
    if let Some(pem) = &proxy.ca_pem {
        let path = ca_file.ok_or("--kind https needs --ca-file (where to write its CA)")?;
        std::fs::write(&path, pem).map_err(|err| format!("cannot write {path}: {err}"))?;
    }
    say(&proxy.url)?;

    // The test holding the other end of standard input has gone: so does the proxy.
    std::thread::spawn(|| {
        let mut buffer = [0u8; 256];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut buffer), Ok(1..)) {}
        std::process::exit(0);
    });
    let mut reported = 0;
    loop {
        let events = proxy.events_after(reported).await;
        for event in &events[reported..] {
            say(event)?;
        }
        reported = events.len();
    }
}

fn say(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).map_err(|err| format!("standard output: {err}"))
}
