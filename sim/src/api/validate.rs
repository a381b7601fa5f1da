//! Field rules shared by several endpoints (spec §4): how to read typed fields from a JSON body,
//! and the username, UUID, phone, SMS text and app message rules. Every failure is a 400 whose
//! message names the field and the rule.

use base64::Engine;
use serde_json::{Map, Value};

use crate::errors::ApiError;

pub type Body = Map<String, Value>;

/// An optional string field; `null` counts as absent, any other non-string is a 400.
pub fn opt_str<'a>(body: &'a Body, field: &str) -> Result<Option<&'a str>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::bad_request(format!("{field} must be a string"))),
    }
}

pub fn req_str<'a>(body: &'a Body, field: &str) -> Result<&'a str, ApiError> {
    match opt_str(body, field)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(ApiError::bad_request(format!("{field} must not be empty"))),
    }
}

/// Booleans, also sent as the strings "true"/"false" (open question 30).
pub fn opt_bool(body: &Body, field: &str) -> Result<Option<bool>, ApiError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s == "true" => Ok(Some(true)),
        Some(Value::String(s)) if s == "false" => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request(format!("{field} must be a boolean"))),
    }
}

/// An optional string that must be one of `allowed`.
pub fn opt_enum<'a>(body: &'a Body, field: &str, allowed: &[&str]) -> Result<Option<&'a str>, ApiError> {
    match opt_str(body, field)? {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v)),
        Some(v) => Err(ApiError::bad_request(format!("{field} '{v}' is not one of: {}", allowed.join(", ")))),
    }
}

pub fn username(value: &str) -> Result<(), ApiError> {
    if value.is_empty() || value.chars().count() > 300 {
        return Err(ApiError::bad_request(format!("The username '{value}' must be between 1 and 300 characters long")));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '@')) {
        return Err(ApiError::bad_request(format!(
            "The username '{value}' contains invalid characters (allowed: a-z A-Z 0-9 _ - . @)"
        )));
    }
    Ok(())
}

pub fn is_uuid(value: &str) -> bool {
    uuid::Uuid::try_parse(value).is_ok() && value.len() == 36
}

pub fn uuid_field(field: &str, value: &str) -> Result<(), ApiError> {
    if is_uuid(value) { Ok(()) } else { Err(ApiError::bad_request(format!("{field} '{value}' is not a valid UUID"))) }
}

/// International format `+<country><area><local>` (open question: E.164-like).
pub fn phone(value: &str) -> Result<(), ApiError> {
    let digits = value.strip_prefix('+').unwrap_or("");
    let ok = (7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "phone '{value}' must be in international format +<country code><number> (7 to 15 digits)"
        )))
    }
}

/// SMS text: GSM-7 only, contains `{{CODE}}`, at most 918 characters once rendered (open question 23).
pub fn sms_message(value: &str) -> Result<(), ApiError> {
    if !value.contains("{{CODE}}") {
        return Err(ApiError::bad_request("message must contain the placeholder {{CODE}}"));
    }
    if let Some(bad) = value.chars().find(|c| !is_gsm7(*c)) {
        return Err(ApiError::bad_request(format!(
            "message contains the character '{bad}' which is not in the GSM-7 character set"
        )));
    }
    if render_sms(value, "000000").chars().count() > 918 {
        return Err(ApiError::bad_request("message must not exceed 918 characters once the code is inserted"));
    }
    Ok(())
}

pub fn render_sms(template: &str, code: &str) -> String {
    template.replace("{{CODE}}", code)
}

fn is_gsm7(c: char) -> bool {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXTENSION: &str = "^{}\\[~]|€\u{000C}";
    BASIC.contains(c) || EXTENSION.contains(c)
}

/// App/push message: limited HTML inside `<html>…</html>`, ≤ 200 characters once Base64-encoded.
pub fn app_message(value: &str) -> Result<(), ApiError> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(value.as_bytes());
    if encoded.len() > 200 {
        return Err(ApiError::bad_request(format!(
            "message must not exceed 200 characters after Base64 encoding (it has {})",
            encoded.len()
        )));
    }
    let trimmed = value.trim();
    if let Some(inner) = trimmed.strip_prefix("<html>") {
        let inner = inner
            .strip_suffix("</html>")
            .ok_or_else(|| ApiError::bad_request("message starting with <html> must end with </html>"))?;
        check_html_tags(inner)?;
    }
    Ok(())
}

fn check_html_tags(html: &str) -> Result<(), ApiError> {
    const ALLOWED: [&str; 6] = ["b", "br", "em", "i", "strong", "u"];
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>').ok_or_else(|| ApiError::bad_request("message contains an unterminated HTML tag"))?;
        let tag = after[..end].trim();
        let name = tag.trim_start_matches('/').trim_end_matches('/').trim();
        if !ALLOWED.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(ApiError::bad_request(format!(
                "message contains the unsupported HTML tag <{tag}> (allowed: b, br, em, i, strong, u without attributes)"
            )));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_rules() {
        assert!(username("u_1.a-b@c").is_ok());
        let err = username("%%%%%").unwrap_err();
        assert!(err.message.unwrap().contains("contains invalid characters"));
        assert!(username(&"a".repeat(301)).is_err());
        assert!(username("").is_err());
    }

    #[test]
    fn phone_rules() {
        assert!(phone("+41791234567").is_ok());
        assert!(phone("0791234567").is_err());
        assert!(phone("+0791234567").is_err());
        assert!(phone("+4179x").is_err());
    }

    #[test]
    fn sms_rules() {
        assert!(sms_message("Your code: {{CODE}}").is_ok());
        assert!(sms_message("Your code").is_err());
        assert!(sms_message("Code {{CODE}} 😀").is_err());
    }

    #[test]
    fn html_rules() {
        assert!(app_message("<html><b>Pay</b> 10<br/></html>").is_ok());
        assert!(app_message("<html><u>Pay</u> <strong>10</strong> <em>CHF</em> <i>now</i></html>").is_ok());
        assert!(app_message("<html><u class='x'>x</u></html>").is_err());
        assert!(app_message("<html><ul>x</ul></html>").is_err());
        assert!(app_message("<html><a href='x'>x</a></html>").is_err());
        assert!(app_message("<html><b class='x'>x</b></html>").is_err());
        assert!(app_message(&"x".repeat(151)).is_err());
        assert!(app_message(&"x".repeat(150)).is_ok());
    }
}
