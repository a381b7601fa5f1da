//! FIDO2 / WebAuthn: the options the server hands to the browser, and the ceremony results the
//! browser (or app) posts back to `/_app/attestation/result` and `/_app/assertion/result`.
//!
//! Binary values are Base64URL strings, exactly as WebAuthn's JSON forms use them; the SDK passes
//! them through without decoding, so the server stays the only judge of a ceremony.

use serde::{Deserialize, Serialize};

use super::{Attestation, AuthenticatorAttachment, Extra, Fido2ResultStatus, ResidentKey, UserVerification};
use crate::Secret;

/// WebAuthn `AuthenticatorSelectionCriteria`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorSelection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UserVerification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_key: Option<ResidentKey>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_resident_key: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The relying party (the server sends `rp`; older documentation shows `relyingParty`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelyingParty {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The WebAuthn user entity: `id` is the Base64URL of the user id, `name` the user id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebAuthnUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PubKeyCredParam {
    /// COSE algorithm, e.g. -7 (ES256).
    pub alg: i64,
    #[serde(rename = "type")]
    pub credential_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialDescriptor {
    #[serde(rename = "type")]
    pub credential_type: String,
    /// Base64URL credential id.
    pub id: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `PublicKeyCredentialCreationOptions` in JSON form, for `navigator.credentials.create()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialCreationOptions {
    #[serde(default, alias = "relyingParty", skip_serializing_if = "Option::is_none")]
    pub rp: Option<RelyingParty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<WebAuthnUser>,
    pub challenge: String,
    #[serde(default)]
    pub pub_key_cred_params: Vec<PubKeyCredParam>,
    /// Milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_selection: Option<AuthenticatorSelection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<Attestation>,
    #[serde(default)]
    pub exclude_credentials: Vec<CredentialDescriptor>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `PublicKeyCredentialRequestOptions` in JSON form, for `navigator.credentials.get()`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialRequestOptions {
    pub challenge: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rp_id: Option<String>,
    /// Empty for usernameless / autofill.
    #[serde(default)]
    pub allow_credentials: Vec<CredentialDescriptor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UserVerification>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The `response` part of a registration credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponseData {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub attestation_object: String,
}

/// What the browser produced for `navigator.credentials.create()`, posted to finish a FIDO2
/// registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationRequest {
    /// Always `public-key`.
    #[serde(rename = "type")]
    pub credential_type: String,
    /// Base64URL credential id.
    pub id: String,
    pub response: AttestationResponseData,
    /// The name the new authenticator gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_friendly_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The status token of the enrolment this ceremony belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_token: Option<Secret>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The `response` part of an authentication credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponseData {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub authenticator_data: String,
    pub signature: String,
    /// Must not be empty.
    pub user_handle: String,
}

/// What the browser produced for `navigator.credentials.get()`, posted to finish a FIDO2
/// authentication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionRequest {
    #[serde(rename = "type")]
    pub credential_type: String,
    pub id: String,
    pub response: AssertionResponseData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_token: Option<Secret>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The outcome of a ceremony. A rejected ceremony (HTTP 400 with this shape) is returned as
/// `status == Failed` with `error_message`, not as an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fido2Result {
    pub status: Fido2ResultStatus,
    #[serde(default)]
    pub error_message: String,
    /// A signed result token to check with `introspect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    #[serde(flatten)]
    pub extra: Extra,
}
