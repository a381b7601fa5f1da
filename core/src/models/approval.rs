//! `POST /api/v1/approval`: ask a user to log in or to confirm a transaction.

use serde::{Deserialize, Serialize};

use super::fido2::CredentialRequestOptions;
use super::{Channel, Extra, QrCode, UserVerification};
use crate::Secret;

/// An approval on `channel`. Name the user with `username` or `user_id` (at most one); only `app`
/// (usernameless QR) and `fido2` (autofill) may name nobody.
///
/// `channel` may be left out (`ApprovalRequest::default().username("alice")`): it is then not sent
/// and the service uses its default, `push`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The authenticator to ask; default the most recently registered; `*` (app only) any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_id: Option<String>,
    /// `None`: not sent; the service approves by `push` (see [`ApprovalRequest::effective_channel`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Ask for an explicit accept/decline of `message` (transaction signing; app/push).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<bool>,
    /// app/push: the text to show and sign (≤ 200 characters once Base64-encoded; HTML only as
    /// `<html>…</html>` with `b br em i strong u`). sms: GSM-7 text with `{{CODE}}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// push: the text of the phone's notification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fido2_options: Option<ApprovalFido2Options>,
    #[serde(flatten)]
    pub extra: Extra,
    /// Send this intent token (operation `approve`) instead of the access key.
    #[serde(skip)]
    pub intent_token: Option<Secret>,
}

impl ApprovalRequest {
    pub fn new(channel: Channel) -> Self {
        ApprovalRequest { channel: Some(channel), ..Default::default() }
    }

    /// The channel the service approves on: the one given, else `push`, the API's default.
    pub fn effective_channel(&self) -> Channel {
        self.channel.clone().unwrap_or(Channel::Push)
    }

    /// A push notification to the user's newest Access App.
    pub fn push(username: impl Into<String>) -> Self {
        ApprovalRequest::new(Channel::Push).username(username)
    }

    /// A QR code / deep link for the user's Access App.
    pub fn app(username: impl Into<String>) -> Self {
        ApprovalRequest::new(Channel::App).username(username)
    }

    /// A QR code any registered Access App may answer; the status reveals who did.
    pub fn usernameless() -> Self {
        ApprovalRequest::new(Channel::App)
    }

    /// An SMS code to the user's phone.
    pub fn sms(username: impl Into<String>) -> Self {
        ApprovalRequest::new(Channel::Sms).username(username)
    }

    /// A passkey assertion; without a user (autofill UI) when built with `fido2_autofill`.
    pub fn fido2(username: impl Into<String>) -> Self {
        ApprovalRequest::new(Channel::Fido2).username(username)
    }

    pub fn fido2_autofill() -> Self {
        ApprovalRequest::new(Channel::Fido2)
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

    pub fn authenticator_id(mut self, authenticator_id: impl Into<String>) -> Self {
        self.authenticator_id = Some(authenticator_id.into());
        self
    }

    /// Transaction confirmation: the user must actively accept `message`.
    pub fn confirm(mut self, message: impl Into<String>) -> Self {
        self.prompt = Some(true);
        self.message = Some(message.into());
        self
    }

    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn notification_message(mut self, text: impl Into<String>) -> Self {
        self.notification_message = Some(text.into());
        self
    }

    pub fn intent_token(mut self, token: impl Into<Secret>) -> Self {
        self.intent_token = Some(token.into());
        self
    }
}

/// Authentication customisation for `fido2`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalFido2Options {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UserVerification>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The started approval: poll `status_token` (app, push, fido2) or verify the SMS code with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalResponse {
    pub transaction_id: String,
    pub status_token: Secret,
    /// Absent for usernameless app and autofill FIDO2 approvals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// push/app: the authenticator that was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_id: Option<String>,
    /// app: the QR code to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<QrCode>,
    /// app: the deep link for mobile-only flows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_link_uri: Option<String>,
    /// fido2: the WebAuthn options for `navigator.credentials.get()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_request_options: Option<CredentialRequestOptions>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_channel_is_not_sent_and_means_push() {
        let request = ApprovalRequest::default().username("alice");
        assert_eq!(serde_json::to_value(&request).unwrap(), serde_json::json!({"username": "alice"}));
        assert_eq!(request.effective_channel(), Channel::Push);
        let read: ApprovalRequest = serde_json::from_value(serde_json::json!({"username": "alice"})).unwrap();
        assert_eq!(read, request);
        let explicit = ApprovalRequest::app("alice");
        assert_eq!(serde_json::to_value(&explicit).unwrap()["channel"], "app");
        assert_eq!(explicit.effective_channel(), Channel::App);
    }
}
