//! The simulated SMS gateway: generates the 6-digit code (open question 23), renders the text and
//! keeps the last SMS per phone number so the control plane can play the user reading it.

use rand::Rng;

use crate::api::validate::render_sms;
use crate::clock::Millis;
use crate::model::{SentSms, SmsChallenge};
use crate::state::State;

pub const DEFAULT_TEXT: &str = "Your code is {{CODE}}";
/// Wrong codes an SMS operation tolerates before it fails.
pub const MAX_WRONG_ATTEMPTS: u32 = 3;

pub fn send_code(
    st: &mut State,
    transaction_id: &str,
    phone_id: String,
    number: &str,
    template: Option<&str>,
    now: Millis,
) {
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let text = render_sms(template.unwrap_or(DEFAULT_TEXT), &code);
    if let Some(op) = st.operations.get_mut(transaction_id) {
        op.sms = Some(SmsChallenge { phone_id, code: code.clone(), wrong_attempts: 0 });
    }
    st.last_sms.insert(
        number.to_string(),
        SentSms { phone: number.to_string(), text, code, transaction_id: transaction_id.to_string(), sent_at: now },
    );
    st.created.sms += 1;
}
