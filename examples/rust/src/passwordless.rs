//! The passwordless flow end to end: register a user's Access App, send a push approval, wait for
//! the answer and check the result token.
//!
//! Run it against the local simulator (`make demo` does this), which also plays the user's phone:
//!
//! ```text
//! NEVIS_AUTHCLOUD_BASE_URL=http://127.0.0.1:PORT NEVIS_AUTHCLOUD_ACCESS_KEY=sim-access-key \
//!     cargo run -p nevis-authcloud-examples --bin passwordless
//! ```
//!
//! Against a real instance set `NEVIS_AUTHCLOUD_INSTANCE` and a real access key instead, and scan
//! the QR code with the Access App when asked.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nevis_authcloud::{ApprovalRequest, Client, ClientConfigBuilder, EnrollRequest, OperationStatus, WaitOptions};

#[tokio::main]
async fn main() {
    // The phone simulation below uses plain reqwest, which needs a process-wide TLS provider; the
    // SDK itself brings its own and needs none.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if let Err(err) = run().await {
        eprintln!("passwordless example failed: {err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let config = ClientConfigBuilder::from_env()?.app_info("passwordless-example/1.0").build()?;
    let client = Client::new(config)?;
    let phone = SimulatedPhone::from_env(client.config().base_url());

    client.ping().await?;
    println!("[rust] 1. ping: service reachable at {}", client.config().base_url());

    let username = format!("demo-rust-{}", SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis());
    let enrolment = client.enroll(&EnrollRequest::app(&username)).await?;
    let enrollment = enrolment.enrollment.as_ref().ok_or("the enrolment answer has no enrollment part")?;
    println!(
        "[rust] 2. enrol: user {} ({}) created; show the QR code ({} bytes) or open {}",
        username,
        enrolment.user.user_id,
        enrollment.qr_code.as_ref().and_then(|qr| qr.data_uri.as_ref()).map_or(0, String::len),
        enrollment.app_link_uri.as_deref().unwrap_or("-"),
    );

    phone.accept(&enrollment.transaction_id, "scans the QR code and confirms").await?;
    let wait = WaitOptions::default().timeout(Duration::from_secs(60)).interval(Duration::from_millis(200));
    let registered = client.wait_for_status(enrollment.status_token.expose(), wait.clone()).await?;
    println!("[rust] 3. enrolment status: {}", registered.status);

    let approval = client.approve(&ApprovalRequest::push(&username).confirm("Log in to Demo Shop?")).await?;
    println!("[rust] 4. approve: push sent (transaction {})", approval.transaction_id);

    phone.accept(&approval.transaction_id, "taps Accept").await?;
    let decided = client.wait_for_status(approval.status_token.expose(), wait).await?;
    println!("[rust] 5. approval status: {}", decided.status);
    if decided.status != OperationStatus::Succeeded {
        return Err(format!("the approval ended as {}", decided.status).into());
    }

    let token = decided.token.as_ref().ok_or("a succeeded status carries a transaction token")?;
    let introspection = client.introspect(token.expose()).await?;
    println!(
        "[rust] 6. introspect: transaction token active={} (subject {})",
        introspection.active,
        introspection.sub.as_deref().unwrap_or("-")
    );
    if !introspection.active {
        return Err("the transaction token is not active".into());
    }
    println!("[rust] done: {username} logged in without a password");
    Ok(())
}

/// Plays the user's phone through the simulator's control plane. Against a real instance there is
/// no control plane: the example then waits for a real person to act in the Access App.
struct SimulatedPhone {
    control: Option<String>,
    http: reqwest::Client,
}

impl SimulatedPhone {
    fn from_env(base_url: &str) -> SimulatedPhone {
        let simulated = std::env::var("NEVIS_AUTHCLOUD_INSTANCE").is_err();
        SimulatedPhone { control: simulated.then(|| format!("{base_url}/_sim")), http: reqwest::Client::new() }
    }

    async fn accept(&self, transaction_id: &str, what: &str) -> Result<(), Box<dyn std::error::Error>> {
        let Some(control) = &self.control else {
            println!("         waiting for the user, who {what} in the Access App …");
            return Ok(());
        };
        let url = format!("{control}/operations/{transaction_id}/accept");
        let response = self.http.post(url).header("content-type", "application/json").body("{}").send().await?;
        if !response.status().is_success() {
            return Err(format!("the simulated phone could not act: HTTP {}", response.status()).into());
        }
        println!("         (simulated phone {what})");
        Ok(())
    }
}
