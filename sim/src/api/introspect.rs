//! `POST /api/v1/introspect` (spec §2.6, open question 5): RFC 7662 style, form-encoded. Knows
//! access keys, status, transaction and intent tokens; everything else is `{"active": false}`.

use http::StatusCode;
use serde_json::{Value, json};

use crate::api::auth;
use crate::errors::{ApiError, ApiResult};
use crate::request::ApiRequest;
use crate::response::json_response;
use crate::state::Sim;

pub fn handle(sim: &Sim, req: &ApiRequest) -> ApiResult {
    auth::authenticate(sim, req, false)?;
    let form = req.form()?;
    let token = form
        .iter()
        .rev()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::bad_request("token must not be empty"))?;
    let now = sim.now();
    let inactive = json!({"active": false});
    let answer: Value = if let Some(index) = sim.settings.access_keys.iter().position(|k| *k == token) {
        claims(sim, &format!("access-key-{}", index + 1), "access", &format!("access-key-{}", index + 1), 0, None)
    } else {
        let st = sim.read();
        if let Some(issued) = st.issued.get(&token) {
            if now < issued.expires_at {
                claims(sim, &issued.subject, issued.scope, &issued.jti, issued.issued_at, Some(issued.expires_at))
            } else {
                inactive
            }
        } else if let Some(intent) = st.intents.get(&token) {
            if !intent.used && now < intent.expires_at {
                let subject = intent.user_id.clone().or(intent.username.clone()).unwrap_or_default();
                claims(sim, &subject, "intent", &intent.jti, intent.issued_at, Some(intent.expires_at))
            } else {
                inactive
            }
        } else {
            inactive
        }
    };
    Ok(json_response(StatusCode::OK, &answer))
}

fn claims(sim: &Sim, subject: &str, scope: &str, jti: &str, issued_at: i64, expires_at: Option<i64>) -> Value {
    let mut value = json!({
        "active": true,
        "iss": sim.instance_url,
        "sub": subject,
        "aud": "api",
        "iat": issued_at / 1000,
        "nbf": issued_at / 1000,
        "jti": jti,
        "scope": scope,
    });
    if let Some(exp) = expires_at {
        value["exp"] = json!(exp / 1000);
    }
    value
}
