//! Small builders for the answers handlers give: JSON, plain text, CSV and empty bodies. Handlers
//! build complete `http::Response<Bytes>` values; the transport layer may still rewrite them when a
//! fault is injected.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde_json::Value;

pub fn json_response(status: StatusCode, body: &Value) -> Response<Bytes> {
    with_body(status, "application/json", Bytes::from(body.to_string()))
}

pub fn with_body(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

pub fn empty(status: StatusCode) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    response
}
