//! `POST /api/v1/users/enroll`: start registering an Access App, phone, passkey or recovery codes.

use serde::{Deserialize, Serialize};

use super::fido2::{AuthenticatorSelection, CredentialCreationOptions};
use super::{Attestation, Channel, Extra, User};
use crate::Secret;

/// What to register, and for whom: exactly one of `username` (creates the user if new) or
/// `user_id` (an existing user).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Default `app`.
    #[serde(default)]
    pub channel: Channel,
    /// Required for `sms`: `+<country><area><local>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// For `sms`: GSM-7 text containing `{{CODE}}`; the server's default text when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Required for `fido2`: at most 64 bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fido2_options: Option<RegistrationFido2Options>,
    /// Extra wire fields, sent as given.
    #[serde(flatten)]
    pub extra: Extra,
    /// Send this intent token (operation `enroll`) instead of the access key.
    #[serde(skip)]
    pub intent_token: Option<Secret>,
}

impl EnrollRequest {
    /// An enrolment on `channel`; name the user with [`EnrollRequest::username`] or
    /// [`EnrollRequest::user_id`].
    pub fn new(channel: Channel) -> Self {
        EnrollRequest { channel, ..Default::default() }
    }

    /// Access App by QR code or deep link.
    pub fn app(username: impl Into<String>) -> Self {
        EnrollRequest::new(Channel::App).username(username)
    }

    /// Access App, to be used with push approvals afterwards.
    pub fn push(username: impl Into<String>) -> Self {
        EnrollRequest::new(Channel::Push).username(username)
    }

    /// A phone number for SMS codes; the SMS goes out immediately.
    pub fn sms(username: impl Into<String>, phone: impl Into<String>) -> Self {
        EnrollRequest::new(Channel::Sms).username(username).phone(phone)
    }

    /// A FIDO2 passkey; pass the response's `credential_creation_options` to the browser.
    pub fn fido2(username: impl Into<String>, display_name: impl Into<String>) -> Self {
        let mut request = EnrollRequest::new(Channel::Fido2).username(username);
        request.display_name = Some(display_name.into());
        request
    }

    /// A fresh set of recovery codes (replacing any earlier set).
    pub fn recovery(username: impl Into<String>) -> Self {
        EnrollRequest::new(Channel::Recovery).username(username)
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

    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn fido2_options(mut self, options: RegistrationFido2Options) -> Self {
        self.fido2_options = Some(options);
        self
    }

    pub fn intent_token(mut self, token: impl Into<Secret>) -> Self {
        self.intent_token = Some(token.into());
        self
    }
}

/// Registration customisation for `fido2`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationFido2Options {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_selection: Option<AuthenticatorSelection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Attestation>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The user (created or found) plus the channel-specific `enrollment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrollResponse {
    #[serde(flatten)]
    pub user: User,
    /// Absent for `recovery`, whose codes are in `user.recovery_codes`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment: Option<Enrollment>,
}

impl EnrollResponse {
    /// The status token to poll (app, push, fido2) or to verify the SMS code with.
    pub fn status_token(&self) -> Option<&Secret> {
        self.enrollment.as_ref().map(|enrollment| &enrollment.status_token)
    }
}

/// The channel-specific part of an enrolment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrollment {
    pub transaction_id: String,
    pub status_token: Secret,
    /// app/push: the PNG to show for scanning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<QrCode>,
    /// app/push: the deep link for mobile-only flows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_link_uri: Option<String>,
    /// fido2: the WebAuthn options for `navigator.credentials.create()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_creation_options: Option<CredentialCreationOptions>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A QR code image to display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QrCode {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// `data:image/png;base64,…`, ready for an `<img src>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
