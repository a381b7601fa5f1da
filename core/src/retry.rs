//! When a failed call may be sent again, and how long to wait first.
//!
//! The rule that matters most: an approval, SMS or enrolment POST that may have reached the server
//! is never sent again on the SDK's own initiative, because that would send the user a second push
//! or SMS. Such calls are retried only when the request provably did not reach the API (the
//! connection could not be made) or the API refused it without acting (429, 503). Reads are
//! retried on any transient failure. Waits use exponential backoff with full jitter, so many
//! clients failing together do not retry together, and honour `Retry-After` up to a cap.

use std::time::{Duration, SystemTime};

use http::header::{HeaderMap, RETRY_AFTER};
use rand::Rng;

use crate::error::MayHaveBeenApplied;

/// How safe a call is to repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Safety {
    /// Reads: status polling, introspection, GETs, ping. Repeating changes nothing.
    ReadOnly,
    /// Repeating has the same effect as doing it once (rename, delete).
    Idempotent,
    /// Repeating may act twice (enrol, approve, verify, mint an intent token, FIDO2 completion).
    NonIdempotent,
}

impl Safety {
    /// May the request be sent again after it may have reached the server?
    pub fn may_resend(self) -> bool {
        self != Safety::NonIdempotent
    }

    /// What to report when the request was sent and no trustworthy answer came back.
    pub fn unsure(self) -> MayHaveBeenApplied {
        match self {
            Safety::ReadOnly => MayHaveBeenApplied::No,
            _ => MayHaveBeenApplied::Unknown,
        }
    }

    /// What to report when the server answered with success but the answer was unusable.
    pub fn after_success(self) -> MayHaveBeenApplied {
        match self {
            Safety::ReadOnly => MayHaveBeenApplied::No,
            _ => MayHaveBeenApplied::Yes,
        }
    }
}

/// What the retry loop does after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    Stop,
    /// Retry after the client's own backoff.
    Backoff,
    /// Retry after the delay the server asked for.
    After(Duration),
}

/// The decision for an HTTP error status.
pub(crate) fn decide_for_status(status: u16, may_resend: bool, retry_after: Option<Duration>) -> Decision {
    match status {
        // The API refused without acting: safe for every call.
        429 | 503 => retry_after.map(Decision::After).unwrap_or(Decision::Backoff),
        500 | 502 | 504 if may_resend => Decision::Backoff,
        _ => Decision::Stop,
    }
}

/// The decision after a failure once the request may have reached the server (a timeout, a
/// connection broken after sending): only a call that may be resent is tried again.
pub(crate) fn after_sending(may_resend: bool) -> Decision {
    if may_resend { Decision::Backoff } else { Decision::Stop }
}

/// `Retry-After` as delay-seconds or an HTTP date; a date in the past means "now".
pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_finite() && seconds >= 0.0 {
            return Some(Duration::from_secs_f64(seconds.min(86_400.0)));
        }
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// Exponential backoff with full jitter: attempt n waits a random time in
/// `[0, min(max, initial · 2^(n-1))]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff { initial, max }
    }

    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
        self.initial.saturating_mul(factor).min(self.max)
    }

    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        if ceiling.is_zero() {
            return ceiling;
        }
        let nanos = rand::rng().random_range(0..=ceiling.as_nanos().min(u64::MAX as u128) as u64);
        Duration::from_nanos(nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::HeaderValue;

    #[test]
    fn non_idempotent_calls_are_retried_only_when_the_api_refused() {
        assert_eq!(decide_for_status(503, false, None), Decision::Backoff);
        assert_eq!(
            decide_for_status(429, false, Some(Duration::from_secs(2))),
            Decision::After(Duration::from_secs(2))
        );
        assert_eq!(decide_for_status(500, false, None), Decision::Stop);
        assert_eq!(decide_for_status(502, true, None), Decision::Backoff);
        assert_eq!(decide_for_status(404, true, None), Decision::Stop);
    }

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(3)));
        let in_ten = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(10));
        headers.insert(RETRY_AFTER, HeaderValue::from_str(&in_ten).unwrap());
        let parsed = parse_retry_after(&headers).unwrap();
        assert!(parsed <= Duration::from_secs(10) && parsed >= Duration::from_secs(8), "{parsed:?}");
        headers.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&headers), None);
    }

    #[test]
    fn backoff_grows_to_its_cap_and_jitters_below_the_ceiling() {
        let backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        assert_eq!(backoff.ceiling(1), Duration::from_millis(100));
        assert_eq!(backoff.ceiling(3), Duration::from_millis(400));
        assert_eq!(backoff.ceiling(10), Duration::from_millis(1000));
        for attempt in 1..6 {
            assert!(backoff.delay(attempt) <= backoff.ceiling(attempt));
        }
    }
}
