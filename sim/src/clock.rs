//! The simulator's virtual clock. Operations expire, tokens age and log events are stamped by this
//! clock, so tests can jump ten minutes ahead through the control plane instead of sleeping.
//! Virtual now = real now + an offset that only ever grows.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::macros::format_description;

/// Milliseconds since the Unix epoch on the virtual clock.
pub type Millis = i64;

#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn now_ms(&self) -> Millis {
        let real = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        real.saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves virtual time forward by `seconds` and returns the new now.
    pub fn advance(&self, seconds: i64) -> Millis {
        self.offset_ms.fetch_add(seconds.saturating_mul(1000), Ordering::Relaxed);
        self.now_ms()
    }

    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
    }
}

/// ISO-8601 UTC with milliseconds and `Z`, the format every timestamp the simulator emits uses.
pub fn iso(ms: Millis) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".to_string())
}

/// Parses an RFC 3339 timestamp (as used by the log export's `fromDate`/`toDate`).
pub fn parse_iso(text: &str) -> Option<Millis> {
    let parsed = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(parsed.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Parses an ISO-8601 duration such as `P30D`, `PT1H`, `P0DT1H30M`, `P2W` into milliseconds.
/// Years and months are not accepted: their length depends on the calendar.
pub fn parse_duration(text: &str) -> Option<Millis> {
    let rest = text.strip_prefix('P')?;
    if rest.is_empty() {
        return None;
    }
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut add = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut number = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                number.push(c);
            } else {
                let unit = units.iter().find(|(u, _)| *u == c)?.1;
                let value: i64 = number.parse().ok()?;
                total = total.checked_add(value.checked_mul(unit)?)?;
                number.clear();
            }
        }
        number.is_empty().then_some(())
    };
    add(date_part, &[('W', 7 * 86_400_000), ('D', 86_400_000)])?;
    if let Some(t) = time_part {
        add(t, &[('H', 3_600_000), ('M', 60_000), ('S', 1000)])?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("P30D"), Some(30 * 86_400_000));
        assert_eq!(parse_duration("P0DT1H"), Some(3_600_000));
        assert_eq!(parse_duration("PT90S"), Some(90_000));
        assert_eq!(parse_duration("P1W"), Some(7 * 86_400_000));
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("30D"), None);
        assert_eq!(parse_duration("P1Y"), None);
        assert_eq!(parse_duration("PT"), None);
    }

    #[test]
    fn iso_round_trip() {
        let text = iso(1_600_863_157_593);
        assert_eq!(text, "2020-09-23T12:12:37.593Z");
        assert_eq!(parse_iso(&text), Some(1_600_863_157_593));
    }
}
