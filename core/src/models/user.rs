//! The user and authenticator resources (`/api/v1/users`, `/api/v1/authenticators`).

use serde::{Deserialize, Serialize};

use super::{AuthenticatorType, Channel, Extra, Platform, UserStatus};

/// A user of the instance with everything registered to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub user_id: String,
    #[serde(default)]
    pub username: Option<String>,
    pub status: UserStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_date_success: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_date_failure: Option<String>,
    #[serde(default)]
    pub authenticators: Vec<Authenticator>,
    #[serde(default)]
    pub phones: Vec<Phone>,
    /// The recovery code set; `None` when the user has none. The plain codes appear only in the
    /// response of a `recovery` enrolment.
    #[serde(default)]
    pub recovery_codes: Option<RecoveryCodes>,
    /// Present only while the user is blocked by the SMS or push rate limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exceeded_rate_limits: Option<Vec<Channel>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A registered Access App instance or FIDO2 credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authenticator {
    pub authenticator_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The phone platform (app authenticators only). Sent as `type` on the wire.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    pub authenticator_type: AuthenticatorType,
    /// `active` is the only documented value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uaf: Option<UafInfo>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// FIDO UAF details of an app authenticator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UafInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Identifies the physical device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_disabled_push_notification: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A phone number registered for SMS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Phone {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `new` until the first code is verified, then `active`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<UserStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A user's recovery code set. `codes` is filled only in the enrolment response, once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<crate::Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryCodes")
            .field("codes", &format_args!("[{} redacted]", self.codes.len()))
            .field("created_at", &self.created_at)
            .field("remaining", &self.remaining)
            .finish()
    }
}

/// The Azure AD B2C flavour of a user. The endpoint always answers 200; for an unknown object id
/// `user_id` and `status` are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureUser {
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub status: Option<UserStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_date_success: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_date_failure: Option<String>,
    /// The app authenticators as one JSON text, exactly as the endpoint sends it.
    #[serde(default)]
    pub authenticators: String,
    #[serde(flatten)]
    pub extra: Extra,
}

impl AzureUser {
    /// True when the object id matched a user.
    pub fn exists(&self) -> bool {
        self.user_id.is_some()
    }

    /// Parses the `authenticators` string into typed authenticators.
    pub fn parsed_authenticators(&self) -> crate::Result<Vec<Authenticator>> {
        if self.authenticators.trim().is_empty() {
            return Ok(Vec::new());
        }
        serde_json::from_str(&self.authenticators).map_err(|err| {
            crate::Error::new(crate::ErrorKind::Decode, "authenticators: not a JSON array of authenticators")
                .with_source(err)
        })
    }
}
