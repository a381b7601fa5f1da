//! `GET /api/v1/logs/export` (spec §2.13, open question 18): validates the filters (400 naming the
//! parameter) and renders the event log as CSV, newest first.

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};

use crate::api::auth;
use crate::clock::{parse_duration, parse_iso};
use crate::errors::{ApiError, ApiResult};
use crate::events::{EventFilter, render_csv};
use crate::request::ApiRequest;
use crate::response::with_body;
use crate::state::Sim;

const MAX_ROWS: usize = 10_000;
const DEFAULT_TIMESPAN: &str = "P30D";

pub fn export(sim: &Sim, req: &ApiRequest) -> ApiResult {
    auth::authenticate(sim, req, false)?;
    let params = req.query_params()?;
    let get = |name: &str| params.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let now = sim.now();

    let text = get("filter");
    if let Some(t) = &text {
        if t.chars().count() < 2 {
            return Err(ApiError::bad_request("filter must be at least 2 characters long"));
        }
    }
    let timespan = get("timespan");
    let from_date = get("fromDate");
    let to_date = get("toDate");
    if timespan.is_some() && (from_date.is_some() || to_date.is_some()) {
        return Err(ApiError::bad_request("timespan cannot be combined with fromDate or toDate"));
    }
    let (from, to) = if from_date.is_some() || to_date.is_some() {
        let parse = |name: &str, value: &Option<String>| -> Result<Option<i64>, ApiError> {
            value
                .as_ref()
                .map(|v| {
                    parse_iso(v)
                        .ok_or_else(|| ApiError::bad_request(format!("{name} '{v}' is not an ISO-8601 timestamp")))
                })
                .transpose()
        };
        let from = parse("fromDate", &from_date)?.unwrap_or(i64::MIN);
        let to = parse("toDate", &to_date)?.unwrap_or(i64::MAX);
        if from > to {
            return Err(ApiError::bad_request("fromDate must not be after toDate"));
        }
        (from, to)
    } else {
        let span_text = timespan.unwrap_or_else(|| DEFAULT_TIMESPAN.to_string());
        let span = parse_duration(&span_text).ok_or_else(|| {
            ApiError::bad_request(format!("timespan '{span_text}' is not an ISO-8601 duration such as P30D or PT1H"))
        })?;
        (now.saturating_sub(span), i64::MAX)
    };
    let enumerated = |name: &str, allowed: &[&str]| -> Result<Option<String>, ApiError> {
        match get(name) {
            None => Ok(None),
            Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
            Some(v) => Err(ApiError::bad_request(format!("{name} '{v}' is not one of: {}", allowed.join(", ")))),
        }
    };
    let filter = EventFilter {
        text,
        from,
        to,
        status: enumerated("status", &["succeeded", "failed"])?,
        category: enumerated("category", &["registration", "authentication", "management", "none"])?,
        channel: enumerated("channel", &["app", "push", "fido2", "sms", "recovery", "unknown"])?,
        actor_type: enumerated("actorType", &["api", "admin", "user", "app", "unknown"])?,
    };
    let csv = render_csv(&sim.read().events, &filter, MAX_ROWS);
    let mut response = with_body(StatusCode::OK, "text/csv", Bytes::from(csv));
    response
        .headers_mut()
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=logs-export.csv"));
    Ok(response)
}
