//! Typed requests and responses of every endpoint, in the API's camelCase wire shape.
//!
//! Responses keep what they do not know: each object has an `extra` map that collects unknown
//! fields, and every enum has an `Other` arm, so a field or value Nevis adds tomorrow neither breaks
//! decoding nor gets lost when a binding hands the JSON back to its caller. Requests carry an
//! `extra` map too, as the escape hatch for options this SDK does not model yet (such as push
//! number matching, whose parameter name the public documentation does not give).

mod approval;
mod enroll;
mod enums;
mod fido2;
mod intent;
mod logs;
mod status;
mod user;
mod verify;

pub use approval::{ApprovalFido2Options, ApprovalRequest, ApprovalResponse};
pub use enroll::{EnrollRequest, EnrollResponse, Enrollment, QrCode, RegistrationFido2Options};
pub use enums::{
    ActorType, Attestation, AuthenticatorAttachment, AuthenticatorType, Channel, Fido2ResultStatus, IntentOperation,
    LogCategory, LogChannel, LogStatus, OperationStatus, Platform, ResidentKey, UserStatus, UserVerification,
};
pub use fido2::{
    AssertionRequest, AssertionResponseData, AttestationRequest, AttestationResponseData, AuthenticatorSelection,
    CredentialCreationOptions, CredentialDescriptor, CredentialRequestOptions, Fido2Result, PubKeyCredParam,
    RelyingParty, WebAuthnUser,
};
pub use intent::{IntentRequest, IntentResponse, IntrospectResponse};
pub use logs::LogExportQuery;
pub use status::StatusResponse;
pub use user::{Authenticator, AzureUser, Phone, RecoveryCodes, UafInfo, User};
pub use verify::VerifyRequest;

/// Fields of a JSON object that this SDK does not model, kept verbatim.
pub type Extra = serde_json::Map<String, serde_json::Value>;
