//! A peer that closes the connection while a request is still being written must give the caller
//! an error, never a `SIGPIPE`: a C host keeps the default disposition, under which the signal
//! kills the process. Rust test binaries ignore `SIGPIPE`, so the request is made in a child
//! process (this test binary again, running only the ignored test below) that first resets the
//! disposition to the default, exactly as a C program has it; the parent checks that the child
//! ended normally, with a typed error, and was not killed by a signal.

mod common;

use std::process::Command;

use common::Harness;
use nevis_authcloud::ErrorKind;
use nevis_authcloud_sim::SimOptions;

/// Set for the child: `plain` or `tls`.
const CHILD_ENV: &str = "NEVIS_SIGPIPE_CHILD_TRANSPORT";
/// What the child prints once the call has failed the right way.
const CHILD_DONE: &str = "sigpipe child: typed error";

#[test]
fn a_peer_closing_mid_request_gives_an_error_not_a_signal() {
    let exe = std::env::current_exe().expect("the test binary");
    for transport in ["plain", "tls"] {
        let output = Command::new(&exe)
            .args(["--exact", "child_writes_into_a_closing_connection", "--include-ignored", "--nocapture"])
            .env(CHILD_ENV, transport)
            .output()
            .expect("the child test runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                output.status.signal(),
                None,
                "{transport}: the child was killed by a signal (13 is SIGPIPE)\n{stdout}\n{stderr}"
            );
        }
        assert!(output.status.success(), "{transport}: the child failed\n{stdout}\n{stderr}");
        assert!(stdout.contains(CHILD_DONE), "{transport}: the child did not make the call\n{stdout}\n{stderr}");
    }
}

#[test]
#[ignore = "run in a child process by a_peer_closing_mid_request_gives_an_error_not_a_signal"]
fn child_writes_into_a_closing_connection() {
    let Ok(transport) = std::env::var(CHILD_ENV) else { return };
    #[cfg(unix)]
    // SAFETY: sets this (child) process's SIGPIPE disposition back to the default, as a C
    // program has it; nothing else in this process depends on it.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let h = Harness::start_with(SimOptions { tls: transport == "tls", ..Default::default() }).await;
        // A 10 MB header: the simulator's HTTP server reads about 400 KB of it, answers 431 and
        // closes, while the client still has megabytes to write.
        let client = h.client_with(|config| config.access_key("k".repeat(10 << 20)).max_retries(0));
        for attempt in 0..3 {
            let err = client.ping().await.expect_err("a 10 MB header cannot succeed");
            assert!(matches!(err.kind(), ErrorKind::Connection | ErrorKind::BadRequest), "attempt {attempt}: {err}");
        }
        // The process is still alive, and the client still works for a normal call.
        h.client.ping().await.expect("a normal call after the failures");
        println!("{CHILD_DONE}");
    });
}
