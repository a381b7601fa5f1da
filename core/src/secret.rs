//! Credentials and one-time values that must never be printed.
//!
//! An access key gives full control over a customer's instance; intent tokens, status tokens,
//! transaction tokens, SMS codes and recovery codes each let someone complete or forge a login.
//! Every such value travels through the SDK as a [`Secret`], whose `Debug` and `Display` never show
//! it, and whose memory is wiped when it is dropped. Code that really needs the value (the HTTP
//! layer, a binding handing a token back to its caller) asks for it explicitly with
//! [`Secret::expose`], which makes every such place easy to find in review.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use zeroize::Zeroizing;

/// A string that is redacted in `Debug`/`Display` and zeroed on drop.
///
/// Serialization writes the real value: a `Secret` in a request body must reach the server, and a
/// response converted back to JSON (a binding's `to_dict()`) must give the caller what the server
/// sent. Never log a serialized request or response.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The real value. Use it only to send it to the server or hand it back to the caller.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `…abcd`: the last four characters, enough to tell two access keys apart in a config dump.
    /// Values shorter than 12 characters show nothing, so a short secret is never mostly revealed.
    pub fn hint(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "…".to_string();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("…{tail}")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("eyJhbGciOiJIUzUxMiJ9.super-secret-value");
        assert!(!format!("{secret:?}").contains("super-secret"));
        assert!(!format!("{secret}").contains("super-secret"));
        assert!(!format!("{:#?}", Some(&secret)).contains("super-secret"));
    }

    #[test]
    fn hint_shows_only_the_tail_of_long_values() {
        assert_eq!(Secret::new("0123456789abcdef").hint(), "…cdef");
        assert_eq!(Secret::new("short-key").hint(), "…");
    }

    #[test]
    fn serializes_to_the_real_value_for_the_wire() {
        let secret = Secret::new("token-123");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"token-123\"");
    }
}
