//! The API's string enumerations, made tolerant of values this SDK does not know yet.
//!
//! Nevis promises backwards-compatible evolution: new channels, statuses and states may appear at
//! any time. A client that fails to decode a response because of a new enum value would break a
//! login for no reason, so every enum here has an `Other(String)` arm that keeps the unknown value
//! verbatim (and sends it back unchanged). The arm is called `Other` rather than `Unknown` because
//! `unknown` is itself a documented value of several of these enums.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version of the SDK does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// Every documented value, in the order the API reference lists them.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Other(value) => value.as_str(),
                }
            }

            /// Reads a wire value; anything undocumented becomes `Other`.
            pub fn from_wire(value: &str) -> $name {
                match value {
                    $($wire => $name::$variant,)+
                    other => $name::Other(other.to_string()),
                }
            }

            /// True for values this SDK knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok($name::from_wire(value))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name::from_wire(value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok($name::from_wire(&value))
            }
        }
    };
}

api_enum! {
    /// How the user is reached: the Access App (QR code/link or push), SMS, a FIDO2 passkey, or
    /// recovery codes.
    Channel {
        App => "app",
        Push => "push",
        Sms => "sms",
        Fido2 => "fido2",
        Recovery => "recovery",
    }
}

impl Default for Channel {
    /// `app`, the API's default for enrolment.
    fn default() -> Self {
        Channel::App
    }
}

api_enum! {
    /// Where an enrolment or approval stands, as `/api/v1/status` reports it.
    OperationStatus {
        /// The user has not reacted yet.
        Pending => "pending",
        /// Done; final.
        Succeeded => "succeeded",
        /// Declined, failed verification or timed out; final.
        Failed => "failed",
        /// The server does not know the token (garbage, expired, purged).
        Unknown => "unknown",
    }
}

impl OperationStatus {
    /// True once polling can stop: the operation succeeded or failed, or the server no longer
    /// knows it.
    pub fn is_terminal(&self) -> bool {
        matches!(self, OperationStatus::Succeeded | OperationStatus::Failed | OperationStatus::Unknown)
    }
}

api_enum! {
    /// `new` until the first authenticator is confirmed, then `active`.
    UserStatus {
        New => "new",
        Active => "active",
    }
}

api_enum! {
    /// The kind of credential an authenticator holds.
    AuthenticatorType {
        App => "app",
        Fido2 => "fido2",
    }
}

api_enum! {
    /// The phone platform of an app authenticator.
    Platform {
        Ios => "ios",
        Android => "android",
    }
}

api_enum! {
    /// WebAuthn user verification requirement.
    UserVerification {
        Preferred => "preferred",
        Required => "required",
        Discouraged => "discouraged",
    }
}

api_enum! {
    /// WebAuthn authenticator attachment.
    AuthenticatorAttachment {
        Platform => "platform",
        CrossPlatform => "cross-platform",
    }
}

api_enum! {
    /// WebAuthn resident key (discoverable credential) requirement.
    ResidentKey {
        Discouraged => "discouraged",
        Preferred => "preferred",
        Required => "required",
    }
}

api_enum! {
    /// WebAuthn attestation conveyance preference.
    Attestation {
        None => "none",
        Indirect => "indirect",
        Direct => "direct",
        Enterprise => "enterprise",
    }
}

api_enum! {
    /// What an intent token may be used for.
    IntentOperation {
        Enroll => "enroll",
        Approve => "approve",
    }
}

api_enum! {
    /// Outcome filter of the log export.
    LogStatus {
        Succeeded => "succeeded",
        Failed => "failed",
    }
}

api_enum! {
    /// Event category filter of the log export.
    LogCategory {
        Registration => "registration",
        Authentication => "authentication",
        Management => "management",
        None => "none",
    }
}

api_enum! {
    /// Channel filter of the log export (the channels plus `unknown`).
    LogChannel {
        App => "app",
        Push => "push",
        Fido2 => "fido2",
        Sms => "sms",
        Recovery => "recovery",
        Unknown => "unknown",
    }
}

api_enum! {
    /// Who caused a logged event.
    ActorType {
        Api => "api",
        Admin => "admin",
        User => "user",
        App => "app",
        Unknown => "unknown",
    }
}

api_enum! {
    /// Outcome of a FIDO2 ceremony completion.
    Fido2ResultStatus {
        Ok => "ok",
        Failed => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_round_trip_unchanged() {
        let status: OperationStatus = serde_json::from_str("\"escalated\"").unwrap();
        assert_eq!(status, OperationStatus::Other("escalated".into()));
        assert!(!status.is_known());
        assert_eq!(serde_json::to_string(&status).unwrap(), "\"escalated\"");
    }

    #[test]
    fn documented_unknown_is_a_real_status() {
        let status: OperationStatus = serde_json::from_str("\"unknown\"").unwrap();
        assert_eq!(status, OperationStatus::Unknown);
        assert!(status.is_terminal());
        assert!(!OperationStatus::Pending.is_terminal());
    }

    #[test]
    fn wire_names_with_dashes() {
        assert_eq!(AuthenticatorAttachment::CrossPlatform.as_str(), "cross-platform");
        assert_eq!(
            "cross-platform".parse::<AuthenticatorAttachment>().unwrap(),
            AuthenticatorAttachment::CrossPlatform
        );
    }
}
