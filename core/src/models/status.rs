//! `POST /api/v1/status`: where an enrolment or approval stands.

use serde::{Deserialize, Serialize};

use super::{Extra, OperationStatus};
use crate::Secret;

/// One answer of status polling. A failed operation (HTTP 412) is reported here with
/// `status == Failed`, not as an error: it is the answer the caller polled for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    pub status: OperationStatus,
    /// For usernameless approvals: present only once succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The transaction token with the verifiable result; check it with `introspect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_at: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl StatusResponse {
    /// The answer for a 412 whose body is not a status object (the API may send an error body).
    pub(crate) fn failed_without_details() -> StatusResponse {
        StatusResponse {
            transaction_id: None,
            status: OperationStatus::Failed,
            user_id: None,
            username: None,
            token: None,
            created_at: None,
            last_updated_at: None,
            extra: Extra::new(),
        }
    }

    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }
}
