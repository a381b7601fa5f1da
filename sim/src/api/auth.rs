//! Credentials (spec §1.2, §4.1, open question 12): no `Authorization` → 401; an access key → full
//! access; an intent token → only at enroll / approval / verification, only for its user, operation
//! and channels, only once and only until it expires; anything else → 403.

use crate::clock::Millis;
use crate::errors::ApiError;
use crate::model::{Channel, IntentOperation};
use crate::request::ApiRequest;
use crate::state::{Sim, State};

#[derive(Debug, Clone)]
pub enum Caller {
    /// Index into the configured access keys.
    AccessKey(usize),
    Intent(String),
}

impl Caller {
    /// The log's actorId: the access key's id, or the intent token's id.
    pub fn actor_id(&self, st: &State) -> String {
        match self {
            Caller::AccessKey(index) => format!("access-key-{}", index + 1),
            Caller::Intent(token) => st.intents.get(token).map(|i| format!("intent-{}", i.jti)).unwrap_or_default(),
        }
    }
}

/// Checks the bearer credential; `accepts_intent` says whether this endpoint takes intent tokens.
pub fn authenticate(sim: &Sim, req: &ApiRequest, accepts_intent: bool) -> Result<Caller, ApiError> {
    let credential = match req.bearer() {
        None => return Err(ApiError::unauthorized()),
        Some(Err(())) => return Err(ApiError::forbidden()),
        Some(Ok(credential)) => credential,
    };
    if let Some(index) = sim.settings.access_keys.iter().position(|k| *k == credential) {
        return Ok(Caller::AccessKey(index));
    }
    if accepts_intent {
        let st = sim.read();
        if let Some(intent) = st.intents.get(&credential) {
            if !intent.used && sim.now() < intent.expires_at {
                return Ok(Caller::Intent(credential));
            }
        }
    }
    Err(ApiError::forbidden())
}

/// What a request wants to do with an intent token, for the binding check.
pub struct IntentUse<'a> {
    pub operation: IntentOperation,
    pub user_id: Option<&'a str>,
    pub username: Option<&'a str>,
    pub channel: Channel,
}

/// For an intent caller: checks the binding and marks the token used. Call it under the write lock
/// right before the request's effect, so a token is consumed only by a request that succeeds.
pub fn consume_intent(st: &mut State, caller: &Caller, wanted: IntentUse<'_>, now: Millis) -> Result<(), ApiError> {
    let Caller::Intent(token) = caller else { return Ok(()) };
    let intent = st.intents.get_mut(token).ok_or_else(ApiError::forbidden)?;
    let user_matches = match (&intent.user_id, &intent.username) {
        (Some(id), _) => wanted.user_id == Some(id.as_str()),
        (None, Some(name)) => wanted.username == Some(name.as_str()),
        (None, None) => false,
    };
    let channel_matches = intent.channels.as_ref().is_none_or(|channels| channels.contains(&wanted.channel));
    if intent.used
        || now >= intent.expires_at
        || intent.operation != wanted.operation
        || !user_matches
        || !channel_matches
    {
        return Err(ApiError::forbidden());
    }
    intent.used = true;
    Ok(())
}
