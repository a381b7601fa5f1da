//! `POST /api/v1/intent` and `POST /api/v1/introspect`: one-time intent tokens for browsers, and
//! checking any Nevis token.

use serde::{Deserialize, Serialize};

use super::{Channel, Extra, IntentOperation};
use crate::Secret;

/// Mint a one-time token (10 minutes) that lets a browser start exactly one enrolment or approval
/// for one user, without ever seeing the access key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub operation: IntentOperation,
    /// Restrict the token to these channels (app, push, sms); all when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<Channel>>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl IntentRequest {
    pub fn new(operation: IntentOperation) -> Self {
        IntentRequest { username: None, user_id: None, operation, channels: None, extra: Extra::new() }
    }

    pub fn enroll(username: impl Into<String>) -> Self {
        IntentRequest::new(IntentOperation::Enroll).username(username)
    }

    pub fn approve(username: impl Into<String>) -> Self {
        IntentRequest::new(IntentOperation::Approve).username(username)
    }

    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self.user_id = None;
        self
    }

    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = Some(user_id.into());
        self.username = None;
        self
    }

    pub fn channels(mut self, channels: impl IntoIterator<Item = Channel>) -> Self {
        self.channels = Some(channels.into_iter().collect());
        self
    }
}

/// The minted intent token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntentResponse {
    pub token: Secret,
    #[serde(flatten)]
    pub extra: Extra,
}

/// What the server says about a token. Trust a result only when `active` is true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntrospectResponse {
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The token kind: `access`, `status`, `transaction` or `intent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
