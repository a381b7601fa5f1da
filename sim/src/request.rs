//! A request as the API handlers see it: method, path, query, headers and the whole body, already
//! read under the size cap. Also the body decoders every JSON endpoint shares (415 for a non-JSON
//! media type, 400 for an empty or unparsable body), and the one rule for how a path is matched
//! against the routes.

use bytes::Bytes;
use http::{HeaderMap, Method, header};
use serde_json::{Map, Value};

use crate::errors::ApiError;

#[derive(Debug)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The path as every route (API, control plane, fault registry) matches it: one trailing slash is
/// optional, because the real service answers `/api/v1/approval/` like `/api/v1/approval` and the
/// vendor's own apps send the former. Only one slash is dropped, so `/api/v1/users//` still ends
/// in an empty segment, which no route takes for an id.
pub fn route_path(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => path,
    }
}

impl ApiRequest {
    /// The segments of the path below `mount` (`""` for the API, `"/_sim"` for the control
    /// plane), as the routers match them.
    pub fn route_segments(&self, mount: &str) -> Vec<&str> {
        let path = route_path(&self.path);
        path.strip_prefix(mount).unwrap_or(path).trim_start_matches('/').split('/').collect()
    }

    fn content_type(&self) -> Option<String> {
        self.headers
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).split(';').next().unwrap_or("").trim().to_ascii_lowercase())
    }

    /// The body of a JSON endpoint, which must be a JSON object.
    pub fn json_object(&self) -> Result<Map<String, Value>, ApiError> {
        match self.content_type() {
            None if self.body.is_empty() => return Err(missing_body()),
            None => return Err(ApiError::unsupported_media_type("Content type '' not supported")),
            Some(ct) if ct == "application/json" || (ct.starts_with("application/") && ct.ends_with("+json")) => {}
            Some(ct) => return Err(ApiError::unsupported_media_type(format!("Content type '{ct}' not supported"))),
        }
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(missing_body());
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(ApiError::bad_request("JSON parse error: the request body must be a JSON object")),
            Err(e) => Err(ApiError::bad_request(format!("JSON parse error: {e}"))),
        }
    }

    /// The body of a form endpoint (`/api/v1/introspect`).
    pub fn form(&self) -> Result<Vec<(String, String)>, ApiError> {
        match self.content_type() {
            Some(ct) if ct == "application/x-www-form-urlencoded" => {}
            Some(ct) => return Err(ApiError::unsupported_media_type(format!("Content type '{ct}' not supported"))),
            None if self.body.is_empty() => return Err(missing_body()),
            None => return Err(ApiError::unsupported_media_type("Content type '' not supported")),
        }
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&self.body)
            .map_err(|e| ApiError::bad_request(format!("Invalid form body: {e}")))
    }

    /// Query parameters, decoded; later duplicates win.
    pub fn query_params(&self) -> Result<Vec<(String, String)>, ApiError> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&self.query)
            .map_err(|e| ApiError::bad_request(format!("Invalid query string: {e}")))
    }

    pub fn query_param(&self, name: &str) -> Result<Option<String>, ApiError> {
        Ok(self.query_params()?.into_iter().rev().find(|(k, _)| k == name).map(|(_, v)| v))
    }

    pub fn bearer(&self) -> Option<Result<String, ()>> {
        let value = self.headers.get(header::AUTHORIZATION)?;
        let text = match value.to_str() {
            Ok(t) => t.trim(),
            Err(_) => return Some(Err(())),
        };
        let mut parts = text.splitn(2, ' ');
        let scheme = parts.next().unwrap_or("");
        let credential = parts.next().unwrap_or("").trim();
        if scheme.eq_ignore_ascii_case("bearer") && !credential.is_empty() {
            Some(Ok(credential.to_string()))
        } else {
            Some(Err(()))
        }
    }
}

fn missing_body() -> ApiError {
    ApiError::bad_request("Required request body is missing")
}

#[cfg(test)]
mod tests {
    use super::route_path;

    #[test]
    fn one_trailing_slash_is_optional_and_never_more() {
        assert_eq!(route_path("/api/v1/approval/"), "/api/v1/approval");
        assert_eq!(route_path("/api/v1/approval"), "/api/v1/approval");
        assert_eq!(route_path("/api/v1/users//"), "/api/v1/users/");
        assert_eq!(route_path("/"), "/");
        assert_eq!(route_path(""), "");
    }
}
