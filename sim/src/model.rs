//! The simulated instance's data: users with their authenticators, phones and recovery codes,
//! operations (registrations and approvals) with their tokens, intent tokens and sent SMS.
//! Plain data only; the rules that change it live in the API handlers and in `state.rs`.

use crate::clock::Millis;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    App,
    Push,
    Sms,
    Fido2,
    Recovery,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::App, Channel::Push, Channel::Sms, Channel::Fido2, Channel::Recovery];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::App => "app",
            Channel::Push => "push",
            Channel::Sms => "sms",
            Channel::Fido2 => "fido2",
            Channel::Recovery => "recovery",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    Enroll,
    Approval,
}

impl OperationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::Enroll => "enroll",
            OperationKind::Approval => "approval",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationStatus {
    Pending,
    Succeeded,
    Failed,
}

impl OperationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationStatus::Pending => "pending",
            OperationStatus::Succeeded => "succeeded",
            OperationStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<OperationStatus> {
        [OperationStatus::Pending, OperationStatus::Succeeded, OperationStatus::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub user_id: String,
    pub username: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub last_login_success: Option<Millis>,
    pub last_login_failure: Option<Millis>,
    /// Oldest first; "the most recently added" is the last one.
    pub authenticators: Vec<Authenticator>,
    pub phones: Vec<Phone>,
    pub recovery_codes: Option<RecoveryCodes>,
    /// When SMS messages and push approvals were last sent to the user, for the rate limits.
    pub sends: RateLimitedSends,
    /// Channels the control plane blocked, whatever the counts say.
    pub forced_rate_limits: Vec<Channel>,
}

/// The sends the rate limits count, oldest first; only the last 24 hours are kept.
#[derive(Debug, Clone, Default)]
pub struct RateLimitedSends {
    pub sms: Vec<Millis>,
    pub push: Vec<Millis>,
}

impl User {
    /// `active` once the user can log in: a confirmed authenticator or phone.
    pub fn is_active(&self) -> bool {
        !self.authenticators.is_empty() || self.phones.iter().any(|p| p.active)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthenticatorType {
    App,
    Fido2,
}

#[derive(Debug, Clone)]
pub struct Authenticator {
    pub authenticator_id: String,
    pub name: String,
    pub kind: AuthenticatorType,
    /// `ios` / `android` for app authenticators.
    pub platform: Option<String>,
    pub enrolled_at: Millis,
    pub updated_at: Millis,
    pub device_ref: Option<String>,
    pub user_agent: Option<String>,
    /// Base64URL WebAuthn credential id (fido2 only).
    pub credential_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Phone {
    pub phone_id: String,
    pub number: String,
    pub active: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone)]
pub struct RecoveryCodes {
    pub unused: Vec<String>,
    pub created_at: Millis,
}

/// The SMS side of an SMS operation: which phone and which code.
#[derive(Debug, Clone)]
pub struct SmsChallenge {
    pub phone_id: String,
    pub code: String,
    pub wrong_attempts: u32,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub transaction_id: String,
    /// Creation order, for "oldest first" listings.
    pub seq: u64,
    pub kind: OperationKind,
    pub channel: Channel,
    pub status: OperationStatus,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub authenticator_id: Option<String>,
    /// Usernameless: the subject is only revealed once the operation succeeded.
    pub usernameless: bool,
    pub status_token: String,
    /// The transaction token for the current status (re-minted on every change).
    pub transaction_token: String,
    pub created_at: Millis,
    pub last_updated_at: Millis,
    pub message: Option<String>,
    pub sms: Option<SmsChallenge>,
    /// Base64URL WebAuthn challenge (fido2 only).
    pub fido2_challenge: Option<String>,
    /// How the API call was authenticated, for the log's actor columns.
    pub actor_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentOperation {
    Enroll,
    Approve,
}

#[derive(Debug, Clone)]
pub struct Intent {
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub operation: IntentOperation,
    /// `None` = every channel (open question 12).
    pub channels: Option<Vec<Channel>>,
    pub issued_at: Millis,
    pub expires_at: Millis,
    pub used: bool,
    pub jti: String,
}

/// A token the simulator issued and can introspect (status and transaction tokens).
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub scope: &'static str,
    pub subject: String,
    pub jti: String,
    pub issued_at: Millis,
    pub expires_at: Millis,
}

#[derive(Debug, Clone)]
pub struct SentSms {
    pub phone: String,
    pub text: String,
    pub code: String,
    pub transaction_id: String,
    pub sent_at: Millis,
}
