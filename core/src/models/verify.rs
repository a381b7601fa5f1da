//! `POST /api/v1/users/{userId}/verification`: check an SMS code or a recovery code.

use serde::{Deserialize, Serialize};

use super::{Channel, Extra};
use crate::Secret;

/// A code the user typed. For SMS give the `status_token` of the enrolment or approval; for a
/// recovery code set `channel` to `recovery`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyRequest {
    /// The user the code belongs to (a path parameter, not sent in the body).
    #[serde(skip)]
    pub user_id: String,
    pub code: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(flatten)]
    pub extra: Extra,
    /// Send this intent token instead of the access key.
    #[serde(skip)]
    pub intent_token: Option<Secret>,
}

impl VerifyRequest {
    /// The code from an SMS sent by an `sms` enrolment or approval.
    pub fn sms(user_id: impl Into<String>, status_token: impl Into<Secret>, code: impl Into<Secret>) -> Self {
        VerifyRequest {
            user_id: user_id.into(),
            code: code.into(),
            status_token: Some(status_token.into()),
            channel: None,
            extra: Extra::new(),
            intent_token: None,
        }
    }

    /// One of the user's recovery codes (spent on success).
    pub fn recovery(user_id: impl Into<String>, code: impl Into<Secret>) -> Self {
        VerifyRequest {
            user_id: user_id.into(),
            code: code.into(),
            status_token: None,
            channel: Some(Channel::Recovery),
            extra: Extra::new(),
            intent_token: None,
        }
    }

    pub fn intent_token(mut self, token: impl Into<Secret>) -> Self {
        self.intent_token = Some(token.into());
        self
    }
}
