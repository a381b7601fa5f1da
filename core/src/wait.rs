//! Waiting for the user: poll `/api/v1/status` until an operation is decided.
//!
//! A login page waits on the phone for seconds to minutes. The wait must end on the caller's
//! terms (a timeout, a cancellation token, or simply dropping the future when the browser goes
//! away) and must not hammer the API meanwhile: it polls at a starting interval that grows by half
//! each round up to a ceiling, as the API documentation recommends (every 1–2 seconds).

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::models::StatusResponse;
use crate::transport::Stopped;
use crate::{Client, Error, ErrorKind, Result};

/// Longer than any operation lives (they expire after 10 minutes); longer timeouts are cut to it.
const LONGEST_WAIT: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// How long and how often [`Client::wait_for_status`] polls.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// Give up after this long with a `Timeout` error carrying the last status. Default 5 min
    /// (operations expire after 10).
    pub timeout: Duration,
    /// The first pause between polls. Default 1 s.
    pub interval: Duration,
    /// The longest pause between polls. Default 2 s.
    pub max_interval: Duration,
    /// Stop promptly with a `Cancelled` error when this token is cancelled.
    pub cancel: Option<CancellationToken>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            timeout: Duration::from_secs(300),
            interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(2),
            cancel: None,
        }
    }
}

impl WaitOptions {
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self.max_interval = self.max_interval.max(interval);
        self
    }

    pub fn cancel_on(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

impl Client {
    /// Polls until the operation `succeeded` or `failed` (or the server answers `unknown`) and
    /// returns that status. Fails with `Timeout` (see [`Error::last_status`]) when
    /// `options.timeout` passes first, and with `Cancelled` when `options.cancel` fires.
    pub async fn wait_for_status(&self, status_token: &str, options: WaitOptions) -> Result<StatusResponse> {
        crate::validate::token("statusToken", status_token)?;
        if options.interval.is_zero() {
            return Err(Error::invalid("interval", "must be greater than zero"));
        }
        if let Some(why) = self.stopped_now() {
            return Err(stopped(why, None, 0));
        }
        // Capped so that `now + timeout` cannot overflow (a binding may pass Duration::MAX).
        let deadline = Instant::now() + options.timeout.min(LONGEST_WAIT);
        let mut interval = options.interval;
        let mut last: Option<StatusResponse> = None;
        // Polls sent so far: a wait that times out or is cancelled reports them as its attempts.
        let mut polls: u32 = 0;
        loop {
            // A connection slot first, then the poll: when thousands of waits are due at once
            // (10,000 concurrent waits: bench/python, python-memory) they queue here with a few
            // bytes each instead of each holding a whole request's state, and the poll is boxed
            // so a wait asleep between polls does not carry that state either.
            let slot = tokio::select! {
                biased;
                why = stopped_by(self, options.cancel.as_ref()) => return Err(stopped(why, last, polls)),
                slot = tokio::time::timeout_at(deadline, self.status_slot()) => match slot {
                    Ok(slot) => slot,
                    Err(_) => return Err(timed_out(&options, last, polls)),
                },
            };
            polls = polls.saturating_add(1);
            let poll = tokio::time::timeout_at(deadline, Box::pin(self.poll_status(status_token, slot)));
            let status = tokio::select! {
                biased;
                why = stopped_by(self, options.cancel.as_ref()) => return Err(stopped(why, last, polls)),
                outcome = poll => match outcome {
                    Ok(result) => result?,
                    Err(_) => return Err(timed_out(&options, last, polls)),
                },
            };
            if status.is_terminal() {
                return Ok(status);
            }
            last = Some(status);
            let now = Instant::now();
            if now >= deadline {
                return Err(timed_out(&options, last, polls));
            }
            let pause = interval.min(deadline - now);
            tokio::select! {
                biased;
                why = stopped_by(self, options.cancel.as_ref()) => return Err(stopped(why, last, polls)),
                _ = tokio::time::sleep(pause) => {}
            }
            if Instant::now() >= deadline {
                return Err(timed_out(&options, last, polls));
            }
            interval = interval.saturating_add(interval / 2).min(options.max_interval.max(options.interval));
        }
    }
}

fn timed_out(options: &WaitOptions, last: Option<StatusResponse>, polls: u32) -> Error {
    let seen = last.as_ref().map(|s| s.status.as_str().to_string()).unwrap_or_else(|| "none".into());
    Error::new(
        ErrorKind::Timeout,
        format!("the operation was not decided within {:?} (last status: {seen})", options.timeout),
    )
    .with_last_status(last)
    .with_attempts(polls)
}

/// Resolves when the wait must stop from outside: the client is closed, its calls' token (see
/// [`Client::with_cancel`]) or the wait's own `token` is cancelled. No token is made up for the
/// wait: an idle one would cost each waiting task an allocation.
async fn stopped_by(client: &Client, token: Option<&CancellationToken>) -> Stopped {
    match token {
        Some(token) => tokio::select! {
            biased;
            why = client.stopped() => why,
            _ = token.cancelled() => Stopped::Cancelled,
        },
        None => client.stopped().await,
    }
}

/// Polls are read-only: a stopped wait has changed nothing on the server.
fn stopped(why: Stopped, last: Option<StatusResponse>, polls: u32) -> Error {
    let error = match why {
        Stopped::Closed => Error::closed(),
        Stopped::Cancelled => Error::new(ErrorKind::Cancelled, "waiting for the status was cancelled"),
    };
    error.with_last_status(last).with_attempts(polls)
}
