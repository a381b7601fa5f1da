//! Token minting. Status, transaction and intent tokens look like the real service's (compact
//! HS512 JWTs, `eyJ…`), signed with a key generated per process, but the simulator never parses
//! them back: every token is an opaque key into its state, exactly as clients must treat them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use ring::hmac;
use serde_json::{Value, json};

/// What a token stands for; also the introspection `scope` claim (open question 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Status,
    Transaction,
    Intent,
}

impl TokenKind {
    pub fn scope(self) -> &'static str {
        match self {
            TokenKind::Status => "status",
            TokenKind::Transaction => "transaction",
            TokenKind::Intent => "intent",
        }
    }
}

pub struct TokenMinter {
    key: hmac::Key,
}

impl std::fmt::Debug for TokenMinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenMinter(..)")
    }
}

impl Default for TokenMinter {
    fn default() -> Self {
        let mut secret = [0u8; 64];
        rand::rng().fill_bytes(&mut secret);
        TokenMinter { key: hmac::Key::new(hmac::HMAC_SHA512, &secret) }
    }
}

impl TokenMinter {
    /// A compact JWT over `claims`; a random `jti` makes every token unique.
    pub fn mint(&self, claims: Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{payload}");
        let signature = hmac::sign(&self.key, signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    /// Mints a token of `kind` for `subject`, issued at `iat_ms`, expiring at `exp_ms`.
    pub fn mint_kind(
        &self,
        kind: TokenKind,
        issuer: &str,
        subject: &str,
        jti: &str,
        iat_ms: i64,
        exp_ms: i64,
    ) -> String {
        self.mint(json!({
            "iss": issuer,
            "sub": subject,
            "aud": "api",
            "scope": kind.scope(),
            "iat": iat_ms / 1000,
            "exp": exp_ms / 1000,
            "jti": jti,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_like_a_compact_hs512_jwt() {
        let minter = TokenMinter::default();
        let token = minter.mint_kind(TokenKind::Status, "http://x", "sub", "id", 1000, 2000);
        assert!(token.starts_with("eyJhbGciOiJIUzUxMiJ9."), "{token}");
        assert_eq!(token.split('.').count(), 3);
        assert_ne!(token, minter.mint_kind(TokenKind::Status, "http://x", "sub", "id2", 1000, 2000));
    }
}
