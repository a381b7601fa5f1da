//! The public API surface: maps method + path to a handler, answers 404 for unknown paths and 405
//! (with `Allow`) for a wrong method on a known one, and turns handler errors into error bodies.
//! Every route also answers with one trailing slash (`request::route_path`).

pub mod approval;
pub mod auth;
pub mod authenticators;
pub mod enroll;
pub mod fido2;
pub mod intent;
pub mod introspect;
pub mod logs;
pub mod sms;
pub mod status;
pub mod users;
pub mod validate;
pub mod verification;

use bytes::Bytes;
use http::{Method, Response, StatusCode};

use crate::errors::{ApiError, ApiResult};
use crate::request::ApiRequest;
use crate::response::with_body;
use crate::state::Sim;

pub fn dispatch(sim: &Sim, req: &ApiRequest) -> Response<Bytes> {
    match route(sim, req) {
        Ok(response) => response,
        Err(error) => error.into_response(&req.path, sim.now()),
    }
}

fn route(sim: &Sim, req: &ApiRequest) -> ApiResult {
    let segments = req.route_segments("");
    let method = &req.method;
    let only = |allowed: Method, allow: &'static str, handler: &dyn Fn() -> ApiResult| -> ApiResult {
        if *method == allowed { handler() } else { Err(ApiError::method_not_allowed(method, allow)) }
    };
    match segments.as_slice() {
        ["ping"] => {
            only(Method::GET, "GET", &|| Ok(with_body(StatusCode::OK, "text/plain", Bytes::from_static(b"PONG"))))
        }
        ["api", "v1", "users", "enroll"] => only(Method::POST, "POST", &|| enroll::handle(sim, req)),
        ["api", "v1", "approval"] => only(Method::POST, "POST", &|| approval::handle(sim, req)),
        ["api", "v1", "status"] => only(Method::POST, "POST", &|| status::handle(sim, req)),
        ["api", "v1", "intent"] => only(Method::POST, "POST", &|| intent::handle(sim, req)),
        ["api", "v1", "introspect"] => only(Method::POST, "POST", &|| introspect::handle(sim, req)),
        ["api", "v1", "users"] => only(Method::GET, "GET", &|| users::find_by_username(sim, req)),
        ["api", "v1", "users", user_id] if !user_id.is_empty() => match *method {
            Method::GET => users::get(sim, req, user_id),
            Method::DELETE => users::delete(sim, req, user_id),
            _ => Err(ApiError::method_not_allowed(method, "GET, DELETE")),
        },
        ["api", "v1", "users", user_id, "verification"] if !user_id.is_empty() => {
            only(Method::POST, "POST", &|| verification::handle(sim, req, user_id))
        }
        ["api", "v1", "aadb2c", "users"] => only(Method::GET, "GET", &|| users::azure_lookup(sim, req)),
        ["api", "v1", "authenticators", id] if !id.is_empty() => match *method {
            Method::PATCH => authenticators::rename(sim, req, id),
            Method::DELETE => authenticators::delete(sim, req, id),
            _ => Err(ApiError::method_not_allowed(method, "PATCH, DELETE")),
        },
        ["api", "v1", "logs", "export"] => only(Method::GET, "GET", &|| logs::export(sim, req)),
        ["_app", "attestation", "result"] => only(Method::POST, "POST", &|| fido2::attestation(sim, req)),
        ["_app", "assertion", "result"] => only(Method::POST, "POST", &|| fido2::assertion(sim, req)),
        _ => Err(ApiError::not_found(format!("No endpoint {} {}", req.method, req.path))),
    }
}
