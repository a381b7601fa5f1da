//! `POST /api/v1/status` (spec §2.3, open questions 1–4): no credential, the status token is the
//! capability. The hot path of every client, so it answers from the read lock unless the
//! operation's timeout just passed.

use http::StatusCode;
use serde_json::json;

use crate::api::validate::opt_str;
use crate::errors::{ApiError, ApiResult};
use crate::model::OperationStatus;
use crate::request::ApiRequest;
use crate::response::json_response;
use crate::state::Sim;
use crate::views;

pub fn handle(sim: &Sim, req: &ApiRequest) -> ApiResult {
    let body = req.json_object()?;
    let token = opt_str(&body, "statusToken")?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad_request("statusToken must not be empty"))?;
    let now = sim.now();
    let needs_expiry = {
        let st = sim.read();
        match st.operation_by_status_token(token) {
            None => return Ok(unknown()),
            Some(op) if !sim.is_retained(op, now) => return Ok(unknown()),
            Some(op) if op.status == OperationStatus::Pending && sim.is_timed_out(op, now) => {
                Some(op.transaction_id.clone())
            }
            Some(op) => return Ok(answer(op)),
        }
    };
    let mut st = sim.write();
    if let Some(id) = needs_expiry {
        sim.expire_if_due(&mut st, &id, now);
    }
    Ok(st.operation_by_status_token(token).map(answer).unwrap_or_else(unknown))
}

fn answer(op: &crate::model::Operation) -> http::Response<bytes::Bytes> {
    let status = if op.status == OperationStatus::Failed { StatusCode::PRECONDITION_FAILED } else { StatusCode::OK };
    json_response(status, &views::status(op))
}

fn unknown() -> http::Response<bytes::Bytes> {
    json_response(StatusCode::OK, &json!({"status": "unknown"}))
}
