//! Client-side checks of the rules the API reference states, run before anything is sent.
//!
//! The server enforces the same rules, but a request it rejects has still cost a round trip and,
//! worse, tells the caller only after the fact. Failing early with the field and the rule named
//! (`phone: must be in international format +<country><number> …`) is what lets a form show the
//! right message. Each rule lives here once; every operation and every binding goes through it.

use crate::models::{ApprovalRequest, Channel, EnrollRequest, IntentRequest, LogExportQuery, VerifyRequest};
use crate::{Error, Result};

pub(crate) const USERNAME_MAX_CHARS: usize = 300;
pub(crate) const DISPLAY_NAME_MAX_BYTES: usize = 64;
pub(crate) const PUSH_MESSAGE_MAX_BASE64: usize = 200;
pub(crate) const SMS_CODE_PLACEHOLDER: &str = "{{CODE}}";

/// `username`: 1 to 300 characters of `A-Z a-z 0-9 _ - . @`.
pub(crate) fn username(value: &str) -> Result<()> {
    let count = value.chars().count();
    if count == 0 || count > USERNAME_MAX_CHARS {
        return Err(Error::invalid(
            "username",
            format!("must be 1 to {USERNAME_MAX_CHARS} characters long (got {count})"),
        ));
    }
    if let Some(bad) = value.chars().find(|c| !(c.is_ascii_alphanumeric() || "_-.@".contains(*c))) {
        return Err(Error::invalid("username", format!("may contain only A-Z, a-z, 0-9 and _ - . @ (found {bad:?})")));
    }
    Ok(())
}

/// Ids of users and authenticators are UUIDs; checking the shape also keeps path segments from
/// ever carrying `/`, `..` or query characters.
pub(crate) fn uuid(field: &str, value: &str) -> Result<()> {
    let groups: Vec<&str> = value.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let shaped = groups.len() == lengths.len()
        && groups
            .iter()
            .zip(lengths)
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()));
    if shaped {
        Ok(())
    } else {
        Err(Error::invalid(field, "must be a UUID such as 31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e"))
    }
}

/// `phone`: international format, `+` then 7 to 15 digits, no leading zero.
pub(crate) fn phone(value: &str) -> Result<()> {
    let digits = value.strip_prefix('+').unwrap_or("");
    let ok = (7..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) && !digits.starts_with('0');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "phone",
            "must be in international format +<country><area><local>, 7 to 15 digits (e.g. +41791234567)",
        ))
    }
}

/// SMS `message`: GSM-7 characters only, and the `{{CODE}}` placeholder.
pub(crate) fn sms_message(value: &str) -> Result<()> {
    if !value.contains(SMS_CODE_PLACEHOLDER) {
        return Err(Error::invalid("message", "an SMS text must contain the placeholder {{CODE}}"));
    }
    if let Some(bad) = value.chars().find(|c| !is_gsm7(*c)) {
        return Err(Error::invalid("message", format!("an SMS text may use only GSM-7 characters (found {bad:?})")));
    }
    Ok(())
}

/// The GSM 03.38 default alphabet and its extension table.
fn is_gsm7(c: char) -> bool {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXTENSION: &str = "\u{000C}^{}\\[~]|€";
    BASIC.contains(c) || EXTENSION.contains(c)
}

/// Push/app `message`: at most 200 characters once Base64-encoded, and HTML only as
/// `<html>…</html>` with the tags `b br em i strong u` and no attributes.
pub(crate) fn push_message(value: &str) -> Result<()> {
    let encoded_len = value.len().div_ceil(3) * 4;
    if encoded_len > PUSH_MESSAGE_MAX_BASE64 {
        return Err(Error::invalid(
            "message",
            format!(
                "must be at most {PUSH_MESSAGE_MAX_BASE64} characters once Base64-encoded (about 150 bytes of UTF-8; this one encodes to {encoded_len})"
            ),
        ));
    }
    let trimmed = value.trim();
    let Some(inner) = trimmed.strip_prefix("<html>").and_then(|rest| rest.strip_suffix("</html>")) else {
        if trimmed.contains('<') && trimmed.contains('>') && looks_like_tag(trimmed) {
            return Err(Error::invalid("message", "HTML is allowed only inside <html>…</html>"));
        }
        return Ok(());
    };
    check_html_tags(inner)
}

fn looks_like_tag(text: &str) -> bool {
    text.split('<').skip(1).any(|rest| rest.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '/'))
}

fn check_html_tags(inner: &str) -> Result<()> {
    const ALLOWED: [&str; 6] = ["b", "br", "em", "i", "strong", "u"];
    let mut rest = inner;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else {
            return Err(Error::invalid("message", "unclosed HTML tag"));
        };
        let tag = after[..end].trim();
        let name = tag.trim_start_matches('/').trim_end_matches('/').trim();
        if name.contains(char::is_whitespace) || name.contains('=') {
            return Err(Error::invalid("message", format!("HTML tags may not have attributes (<{tag}>)")));
        }
        if !ALLOWED.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(Error::invalid(
                "message",
                format!("only the HTML tags b, br, em, i, strong and u are allowed (found <{tag}>)"),
            ));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// Exactly one of `username` and `user_id`.
fn one_user(name: Option<&str>, user_id: Option<&str>) -> Result<()> {
    match (name, user_id) {
        (Some(_), Some(_)) => Err(Error::invalid("username", "give either username or userId, not both")),
        (None, None) => Err(Error::invalid("username", "username or userId is required")),
        (Some(name), None) => username(name),
        (None, Some(id)) => uuid("userId", id),
    }
}

fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() { Err(Error::invalid(field, "must not be empty")) } else { Ok(()) }
}

pub(crate) fn enroll(request: &EnrollRequest) -> Result<()> {
    if let Channel::Other(name) = &request.channel {
        return Err(Error::invalid(
            "channel",
            format!("must be one of app, push, sms, fido2, recovery (got {name:?})"),
        ));
    }
    if request.channel == Channel::Fido2 && request.username.is_none() {
        return Err(Error::invalid("username", "is required for channel fido2"));
    }
    one_user(request.username.as_deref(), request.user_id.as_deref())?;
    match request.channel {
        Channel::Sms => {
            let Some(number) = &request.phone else {
                return Err(Error::invalid("phone", "is required for channel sms"));
            };
            phone(number)?;
            if let Some(message) = &request.message {
                sms_message(message)?;
            }
        }
        Channel::Fido2 => {
            let Some(name) = &request.display_name else {
                return Err(Error::invalid("displayName", "is required for channel fido2"));
            };
            non_empty("displayName", name)?;
            if name.len() > DISPLAY_NAME_MAX_BYTES {
                return Err(Error::invalid(
                    "displayName",
                    format!("must be at most {DISPLAY_NAME_MAX_BYTES} bytes of UTF-8 (got {})", name.len()),
                ));
            }
        }
        _ => {}
    }
    if let Some(token) = &request.intent_token {
        intent_token(token.expose())?;
    }
    Ok(())
}

pub(crate) fn approval(request: &ApprovalRequest) -> Result<()> {
    // Without a channel the service approves by push, so push's rules apply.
    let channel = &request.effective_channel();
    if !matches!(channel, Channel::App | Channel::Push | Channel::Sms | Channel::Fido2) {
        return Err(Error::invalid(
            "channel",
            format!("must be one of app, push, sms, fido2 for an approval (got {:?})", channel.as_str()),
        ));
    }
    let may_be_usernameless = matches!(channel, Channel::App | Channel::Fido2);
    match (request.username.as_deref(), request.user_id.as_deref()) {
        (None, None) if may_be_usernameless => {}
        (None, None) => {
            return Err(Error::invalid(
                "username",
                format!("username or userId is required for channel {channel} (only app and fido2 may omit the user)"),
            ));
        }
        (name, id) => one_user(name, id)?,
    }
    if let Some(id) = &request.authenticator_id {
        if id == "*" {
            if *channel != Channel::App {
                return Err(Error::invalid(
                    "authenticatorId",
                    "\"*\" (any authenticator) is allowed only with channel app",
                ));
            }
        } else {
            uuid("authenticatorId", id)?;
        }
    }
    let prompt = request.prompt.unwrap_or(false);
    match channel {
        Channel::App | Channel::Push => match &request.message {
            Some(message) => push_message(message)?,
            None if prompt => {
                return Err(Error::invalid(
                    "message",
                    format!("is required for channel {channel} when prompt is true"),
                ));
            }
            None => {}
        },
        Channel::Sms => {
            if let Some(message) = &request.message {
                sms_message(message)?;
            }
        }
        _ => {}
    }
    if let Some(token) = &request.intent_token {
        intent_token(token.expose())?;
    }
    Ok(())
}

pub(crate) fn verify(request: &VerifyRequest) -> Result<()> {
    uuid("userId", &request.user_id)?;
    non_empty("code", request.code.expose())?;
    if let Some(token) = &request.intent_token {
        intent_token(token.expose())?;
    }
    match &request.channel {
        Some(Channel::Recovery) => {}
        Some(Channel::Sms) | None => match &request.status_token {
            Some(token) => non_empty("statusToken", token.expose())?,
            None => {
                return Err(Error::invalid(
                    "statusToken",
                    "is required to verify an SMS code (for a recovery code set channel to recovery)",
                ));
            }
        },
        Some(other) => {
            return Err(Error::invalid("channel", format!("must be sms or recovery (got {:?})", other.as_str())));
        }
    }
    Ok(())
}

pub(crate) fn intent(request: &IntentRequest) -> Result<()> {
    if !request.operation.is_known() {
        return Err(Error::invalid(
            "operation",
            format!("must be enroll or approve (got {:?})", request.operation.as_str()),
        ));
    }
    one_user(request.username.as_deref(), request.user_id.as_deref())?;
    if let Some(channels) = &request.channels {
        if let Some(bad) = channels.iter().find(|c| !matches!(c, Channel::App | Channel::Push | Channel::Sms)) {
            return Err(Error::invalid(
                "channels",
                format!("may contain only app, push and sms (got {:?})", bad.as_str()),
            ));
        }
    }
    Ok(())
}

pub(crate) fn log_export(query: &LogExportQuery) -> Result<()> {
    if let Some(filter) = &query.filter {
        if filter.chars().count() < 2 {
            return Err(Error::invalid("filter", "must be at least 2 characters"));
        }
    }
    if query.timespan.is_some() && (query.from_date.is_some() || query.to_date.is_some()) {
        return Err(Error::invalid("timespan", "cannot be combined with fromDate/toDate"));
    }
    if let Some(timespan) = &query.timespan {
        if !timespan.starts_with('P') || timespan.len() < 3 {
            return Err(Error::invalid("timespan", "must be an ISO-8601 duration such as P7D or PT12H"));
        }
    }
    Ok(())
}

/// An intent token travels as `Authorization: Bearer <token>`: it must be a non-empty run of
/// visible ASCII (tokens are JWTs), so a damaged one fails here, named, before anything is sent.
pub(crate) fn intent_token(value: &str) -> Result<()> {
    non_empty("intentToken", value)?;
    if !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid(
            "intentToken",
            "must be the token from create_intent: visible ASCII characters only",
        ));
    }
    Ok(())
}

pub(crate) fn token(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)
}

pub(crate) fn authenticator_name(value: &str) -> Result<()> {
    non_empty("name", value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn field_of(result: Result<()>) -> String {
        let err = result.expect_err("rule should reject");
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        err.field().unwrap_or_default().to_string()
    }

    #[test]
    fn username_rule() {
        assert!(username("alice.smith@example-1_x").is_ok());
        assert_eq!(field_of(username("%%%%")), "username");
        assert_eq!(field_of(username("")), "username");
        assert_eq!(field_of(username(&"a".repeat(301))), "username");
        assert!(username(&"a".repeat(300)).is_ok());
    }

    #[test]
    fn phone_rule() {
        assert!(phone("+41791234567").is_ok());
        for bad in ["0791234567", "+0791234567", "+41 79 123", "+123", "+1234567890123456"] {
            assert_eq!(field_of(phone(bad)), "phone", "{bad}");
        }
    }

    #[test]
    fn sms_message_rule() {
        assert!(sms_message("Your code: {{CODE}} €").is_ok());
        assert!(field_of(sms_message("no placeholder")) == "message");
        assert!(field_of(sms_message("Code {{CODE}} 😀")) == "message");
    }

    #[test]
    fn push_message_rule() {
        assert!(push_message("Pay CHF 10 to Alice?").is_ok());
        assert!(push_message("<html><b>Pay</b> CHF 10<br/></html>").is_ok());
        assert!(push_message("<html><u>Pay</u> <U>CHF</U> <em>10</em> <i>now</i> <strong>?</strong></html>").is_ok());
        assert_eq!(field_of(push_message("<html><u style='x'>x</u></html>")), "message");
        assert_eq!(field_of(push_message("<html><ul>x</ul></html>")), "message");
        assert_eq!(field_of(push_message("<html><a href='x'>x</a></html>")), "message");
        assert_eq!(field_of(push_message("<html><b class=x>x</b></html>")), "message");
        assert_eq!(field_of(push_message("<b>outside html</b>")), "message");
        assert_eq!(field_of(push_message(&"x".repeat(151))), "message");
        assert!(push_message(&"x".repeat(150)).is_ok());
        assert!(push_message("1 < 2 and 3 > 2").is_ok());
    }

    #[test]
    fn user_is_exactly_one_of_username_and_user_id() {
        let both = EnrollRequest {
            username: Some("alice".into()),
            user_id: Some("31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e".into()),
            ..Default::default()
        };
        assert_eq!(field_of(enroll(&both)), "username");
        assert_eq!(field_of(enroll(&EnrollRequest::default())), "username");
        assert!(enroll(&EnrollRequest::app("alice")).is_ok());
        assert_eq!(field_of(enroll(&EnrollRequest::new(Channel::App).user_id("not-a-uuid"))), "userId");
    }

    #[test]
    fn channel_specific_enroll_rules() {
        assert_eq!(field_of(enroll(&EnrollRequest::new(Channel::Sms).username("a"))), "phone");
        assert_eq!(field_of(enroll(&EnrollRequest::new(Channel::Fido2).username("a"))), "displayName");
        assert_eq!(field_of(enroll(&EnrollRequest::fido2("a", "é".repeat(33)))), "displayName");
        assert_eq!(
            field_of(enroll(&EnrollRequest::new(Channel::Fido2).user_id("31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e"))),
            "username"
        );
        assert_eq!(field_of(enroll(&EnrollRequest::new(Channel::Other("totp".into())).username("a"))), "channel");
    }

    #[test]
    fn approval_rules() {
        assert!(approval(&ApprovalRequest::usernameless()).is_ok());
        assert!(approval(&ApprovalRequest::fido2_autofill()).is_ok());
        assert_eq!(field_of(approval(&ApprovalRequest::new(Channel::Push))), "username");
        assert_eq!(field_of(approval(&ApprovalRequest::push("a").authenticator_id("*"))), "authenticatorId");
        assert!(approval(&ApprovalRequest::app("a").authenticator_id("*")).is_ok());
        let mut prompt_without_message = ApprovalRequest::push("a");
        prompt_without_message.prompt = Some(true);
        assert_eq!(field_of(approval(&prompt_without_message)), "message");
        assert_eq!(field_of(approval(&ApprovalRequest::new(Channel::Recovery).username("a"))), "channel");
    }

    #[test]
    fn an_approval_without_a_channel_is_checked_as_push() {
        assert!(approval(&ApprovalRequest::default().username("a")).is_ok());
        let nobody = approval(&ApprovalRequest::default()).unwrap_err();
        assert_eq!(nobody.field(), Some("username"));
        assert!(nobody.to_string().contains("channel push"), "{nobody}");
        assert_eq!(
            field_of(approval(&ApprovalRequest::default().username("a").authenticator_id("*"))),
            "authenticatorId"
        );
        let mut prompt_without_message = ApprovalRequest::default().username("a");
        prompt_without_message.prompt = Some(true);
        assert_eq!(field_of(approval(&prompt_without_message)), "message");
    }

    #[test]
    fn verify_and_intent_rules() {
        let id = "31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e";
        assert!(verify(&VerifyRequest::recovery(id, "abcd-efgh")).is_ok());
        let mut sms = VerifyRequest::sms(id, "token", "123456");
        sms.status_token = None;
        assert_eq!(field_of(verify(&sms)), "statusToken");
        assert_eq!(field_of(verify(&VerifyRequest::recovery(id, ""))), "code");
        assert_eq!(field_of(intent(&IntentRequest::enroll("a").channels([Channel::Fido2]))), "channels");
        assert!(intent(&IntentRequest::approve("a").channels([Channel::Push, Channel::Sms])).is_ok());
    }

    #[test]
    fn log_export_rules() {
        let query = LogExportQuery { filter: Some("a".into()), ..Default::default() };
        assert_eq!(field_of(log_export(&query)), "filter");
        let query = LogExportQuery {
            timespan: Some("P7D".into()),
            from_date: Some("2024-01-01T00:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(field_of(log_export(&query)), "timespan");
    }
}
