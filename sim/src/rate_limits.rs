//! Per-user SMS and push rate limits (spec §1.5, §2.4, §2.7; open question 17).
//!
//! The service blocks a user who was sent too many SMS messages or push approvals and shows the
//! blocked channels as `exceededRateLimits` on the user resource. The documentation gives no
//! numbers, so the thresholds are options that are off by default; the control plane can also
//! block a user outright, which is how client test suites reach the blocked state without
//! sending dozens of messages. Both limits count the sends of the last 24 hours (the documented
//! window of the push limit; the SMS window is our assumption).

use crate::clock::Millis;
use crate::errors::ApiError;
use crate::model::{Channel, User};
use crate::state::Settings;

/// How far back the limits count.
pub const WINDOW_MS: Millis = 24 * 60 * 60 * 1000;

/// The channels a rate limit applies to, in the order `exceededRateLimits` lists them.
pub const LIMITED_CHANNELS: [Channel; 2] = [Channel::Sms, Channel::Push];

fn limit(settings: &Settings, channel: Channel) -> Option<u32> {
    match channel {
        Channel::Sms => settings.sms_rate_limit,
        Channel::Push => settings.push_rate_limit,
        _ => None,
    }
}

fn sends(user: &User, channel: Channel) -> &[Millis] {
    match channel {
        Channel::Sms => &user.sends.sms,
        Channel::Push => &user.sends.push,
        _ => &[],
    }
}

/// Is the user blocked on `channel` now: blocked by the control plane, or already sent as many
/// messages within the window as the limit allows?
pub fn is_blocked(settings: &Settings, user: &User, channel: Channel, now: Millis) -> bool {
    if user.forced_rate_limits.contains(&channel) {
        return true;
    }
    let Some(limit) = limit(settings, channel) else { return false };
    let recent = sends(user, channel).iter().filter(|at| now - **at < WINDOW_MS).count();
    recent >= usize::try_from(limit).unwrap_or(usize::MAX)
}

/// The channels on which the user is blocked now (empty when none).
pub fn exceeded(settings: &Settings, user: &User, now: Millis) -> Vec<Channel> {
    LIMITED_CHANNELS.into_iter().filter(|c| is_blocked(settings, user, *c, now)).collect()
}

/// Refuses a send on `channel` to a blocked user: 400 naming the limit (open question 17).
pub fn check(settings: &Settings, user: &User, channel: Channel, now: Millis) -> Result<(), ApiError> {
    if is_blocked(settings, user, channel, now) {
        return Err(blocked(channel));
    }
    Ok(())
}

/// Refuses anything to a user blocked on any channel (recovery-code verification checks the rate
/// limit before the code, spec §2.4).
pub fn check_any(settings: &Settings, user: &User, now: Millis) -> Result<(), ApiError> {
    match exceeded(settings, user, now).first() {
        Some(channel) => Err(blocked(*channel)),
        None => Ok(()),
    }
}

fn blocked(channel: Channel) -> ApiError {
    ApiError::bad_request(format!(
        "The user is blocked: the {} rate limit is exceeded (see exceededRateLimits on the user)",
        channel.as_str()
    ))
}

/// Counts one send on `channel`, forgetting sends that have left the window.
pub fn record(user: &mut User, channel: Channel, now: Millis) {
    let list = match channel {
        Channel::Sms => &mut user.sends.sms,
        Channel::Push => &mut user.sends.push,
        _ => return,
    };
    list.retain(|at| now - *at < WINDOW_MS);
    list.push(now);
}

/// Lifts every block: the control plane's and the counted sends.
pub fn clear(user: &mut User) {
    user.forced_rate_limits.clear();
    user.sends = Default::default();
}
