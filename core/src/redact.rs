//! Cutting the secrets a call sent out of whatever the server said back.
//!
//! A server, or a proxy in front of it, may echo what it received: a 401 that repeats the
//! `Authorization` header, a 400 that quotes the request body, a 500 that passes on an upstream's
//! complaint. The SDK knows every secret it sent (the access key, the intent or status token, the
//! SMS or recovery code), so before an error leaves the core each piece of server-provided text it
//! carries (the message, the parsed error fields, the body excerpt, the log record that describes
//! the answer) has every one of them replaced by `[redacted]`. Doing it here, once, gives Python,
//! Node and C the same text; the unredacted bytes stay reachable only through
//! [`crate::ApiErrorBody::raw_body`], whose name says what it is.
//!
//! Besides the value itself, the forms a server is likely to echo are cut out too: the value as a
//! JSON string escapes it, as a form or query encodes it, and anything that follows `Bearer `.
//! Short values would garble ordinary words if cut out wherever they occur (a fuzzer's four-letter
//! intent token turned "connection" into "conne[redacted]n"), and protect nothing: so values of
//! [`MIN_REDACTED_CHARS`] or more (every real key and token) are cut out anywhere, values of
//! [`MIN_STANDALONE_CHARS`] or more (a six-digit SMS code) only where they stand alone, not inside
//! a longer run of letters and digits, and shorter values never.

use std::borrow::Cow;

use zeroize::Zeroizing;

/// What a secret is replaced with.
pub(crate) const REDACTED: &str = "[redacted]";

/// Values this long are cut out wherever they occur.
pub(crate) const MIN_REDACTED_CHARS: usize = 8;

/// Values this long (but shorter than [`MIN_REDACTED_CHARS`]) are cut out where they stand alone.
pub(crate) const MIN_STANDALONE_CHARS: usize = 6;

/// One form of one secret.
struct Needle {
    text: Zeroizing<String>,
    /// Cut out only where no letter or digit touches it on either side.
    standalone: bool,
}

/// The secrets of one call, in every form a server may echo them in.
pub(crate) struct Redactor {
    /// Longest first, so a secret that contains another is cut out whole. Wiped on drop.
    needles: Vec<Needle>,
}

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut needles: Vec<Needle> = Vec::new();
        for secret in secrets {
            let chars = secret.chars().count();
            if chars < MIN_STANDALONE_CHARS {
                continue;
            }
            let forms = [Some(secret.to_string()), json_escaped(secret), form_encoded(secret)];
            for form in forms.into_iter().flatten() {
                if !needles.iter().any(|known| known.text.as_str() == form) {
                    needles.push(Needle { text: Zeroizing::new(form), standalone: chars < MIN_REDACTED_CHARS });
                }
            }
        }
        needles.sort_by_key(|needle| std::cmp::Reverse(needle.text.len()));
        Redactor { needles }
    }

    /// `text` with every known secret, and every `Bearer` credential, replaced by `[redacted]`.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for needle in &self.needles {
            let needle_text = needle.text.as_str();
            if !out.contains(needle_text) {
                continue;
            }
            let cut = if needle.standalone { replace_standalone(&out, needle_text) } else { None };
            match cut {
                Some(cut) => out = Cow::Owned(cut),
                None if !needle.standalone => out = Cow::Owned(out.replace(needle_text, REDACTED)),
                None => {}
            }
        }
        match redact_bearer(&out) {
            Some(cut) => Cow::Owned(cut),
            None => out,
        }
    }

    /// Redacts `text` in place, allocating only when something is cut out.
    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(cut) = self.redact(text) {
            *text = cut;
        }
    }
}

/// `text` with each occurrence of `needle` that no letter or digit touches replaced; `None` when
/// there is none.
fn replace_standalone(text: &str, needle: &str) -> Option<String> {
    let touches = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let mut out: Option<String> = None;
    let mut copied = 0;
    for (at, _) in text.match_indices(needle) {
        let end = at + needle.len();
        if at < copied || touches(text[..at].chars().next_back()) || touches(text[end..].chars().next()) {
            continue;
        }
        let cut = out.get_or_insert_with(|| String::with_capacity(text.len()));
        cut.push_str(&text[copied..at]);
        cut.push_str(REDACTED);
        copied = end;
    }
    let mut cut = out?;
    cut.push_str(&text[copied..]);
    Some(cut)
}

/// The secret as it appears inside a JSON string, when escaping changes it.
fn json_escaped(secret: &str) -> Option<String> {
    let quoted = serde_json::to_string(secret).ok()?;
    let inner = quoted.get(1..quoted.len().saturating_sub(1))?;
    (inner != secret).then(|| inner.to_string())
}

/// The secret as a form body or a query string carries it, when encoding changes it.
fn form_encoded(secret: &str) -> Option<String> {
    let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    (encoded != secret).then_some(encoded)
}

/// The characters of an RFC 7235 `token68` credential.
fn is_token68(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// Replaces the credential after each `Bearer ` (any case) by `[redacted]`, whether or not the SDK
/// sent it: a proxy may echo a header in its own way. `None` when there is nothing to cut.
fn redact_bearer(text: &str) -> Option<String> {
    const WORD: &str = "bearer";
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = find_ascii_case_insensitive(&bytes[from..], WORD.as_bytes()) {
        let mut at = from + found + WORD.len();
        let spaces_start = at;
        while at < bytes.len() && matches!(bytes[at], b' ' | b'\t') {
            at += 1;
        }
        let credential_start = at;
        while at < bytes.len() && is_token68(bytes[at]) {
            at += 1;
        }
        if credential_start > spaces_start && at - credential_start >= MIN_REDACTED_CHARS {
            // The credential is ASCII, so both ends are character boundaries.
            let cut = out.get_or_insert_with(|| String::with_capacity(text.len()));
            cut.push_str(&text[copied..credential_start]);
            cut.push_str(REDACTED);
            copied = at;
        }
        from = at.max(from + found + WORD.len());
    }
    let mut cut = out?;
    cut.push_str(&text[copied..]);
    Some(cut)
}

fn find_ascii_case_insensitive(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AKEY-0123456789-abcdef";

    #[test]
    fn every_known_secret_is_cut_out() {
        let redactor = Redactor::new([KEY, "status-token-xyz", "abcdef123"]);
        assert_eq!(redactor.redact("bad token abcdef123 here"), "bad token [redacted] here");
        assert_eq!(
            redactor.redact(r#"cannot parse {"statusToken":"status-token-xyz"}"#),
            r#"cannot parse {"statusToken":"[redacted]"}"#
        );
        assert_eq!(redactor.redact(&format!("{KEY}{KEY}")), "[redacted][redacted]");
        assert!(matches!(redactor.redact("nothing to see"), Cow::Borrowed(_)));
    }

    #[test]
    fn short_values_are_left_alone_so_words_stay_whole() {
        let redactor = Redactor::new(["ab", "ctio", "onnectio"]);
        assert_eq!(redactor.redact("short ab"), "short ab");
        assert_eq!(redactor.redact("connection refused"), "c[redacted]n refused");
        let redactor = Redactor::new(["ctio", "nnecti"]);
        assert_eq!(redactor.redact("connection refused"), "connection refused");
    }

    #[test]
    fn six_digit_codes_are_cut_out_where_they_stand_alone() {
        let redactor = Redactor::new(["492817", "refused"]);
        assert_eq!(
            redactor.redact(r#"cannot parse {"code":"492817"} (code 492817); 14928170 is another number"#),
            r#"cannot parse {"code":"[redacted]"} (code [redacted]); 14928170 is another number"#
        );
        assert_eq!(redactor.redact("connection refused"), "connection [redacted]");
        assert_eq!(redactor.redact("refusedrefused"), "refusedrefused");
    }

    #[test]
    fn echoed_encodings_are_cut_out_too() {
        let secret = "tok/en+with \"quote\" and space";
        let redactor = Redactor::new([secret]);
        // As JSON quotes it, and as a form body encodes it.
        assert_eq!(redactor.redact(r#"{"token":"tok/en+with \"quote\" and space"}"#), r#"{"token":"[redacted]"}"#);
        assert_eq!(redactor.redact("token=tok%2Fen%2Bwith+%22quote%22+and+space&x=1"), "token=[redacted]&x=1");
    }

    #[test]
    fn a_secret_containing_another_is_cut_out_whole() {
        let redactor = Redactor::new(["0123456789", "0123456789-and-more"]);
        assert_eq!(redactor.redact("x 0123456789-and-more y"), "x [redacted] y");
    }

    #[test]
    fn any_bearer_credential_is_cut_out() {
        let redactor = Redactor::new(std::iter::empty());
        assert_eq!(
            redactor.redact("bad credential: Bearer eyJhbGciOi.JIUzI1NiJ9-x_y"),
            "bad credential: Bearer [redacted]"
        );
        assert_eq!(redactor.redact("upstream said bearer\tQUJDREVGR0hJSktM=="), "upstream said bearer\t[redacted]");
        assert_eq!(redactor.redact("BEARER abcdefgh and BEARER abcdefghi"), "BEARER [redacted] and BEARER [redacted]");
        // Nothing credential-like follows: the text stays as it is.
        assert_eq!(redactor.redact("send a Bearer token"), "send a Bearer token");
        assert_eq!(redactor.redact("Bearer"), "Bearer");
        assert_eq!(redactor.redact("Bearerabcdefghijk"), "Bearerabcdefghijk");
        assert_eq!(redactor.redact("é Bearer ünïcode-follows"), "é Bearer ünïcode-follows");
        // A key already cut out is not cut again.
        assert_eq!(Redactor::new([KEY]).redact(&format!("Bearer {KEY}")), "Bearer [redacted]");
    }
}
