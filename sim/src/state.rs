//! The shared simulator context (`Sim`) and its mutable state. One `RwLock` guards all the data so
//! every API call sees a consistent instance; status polling, the hot path, only takes the read
//! lock. Poisoning is ignored on purpose: the data stays usable even if a handler panicked.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::clock::{Clock, Millis};
use crate::events::Event;
use crate::faults::FaultRegistry;
use crate::model::*;
use crate::tokens::{TokenKind, TokenMinter};

/// Settings the handlers consult (the part of `SimOptions` that shapes behaviour).
#[derive(Debug, Clone)]
pub struct Settings {
    pub access_keys: Vec<String>,
    pub operation_timeout_ms: Millis,
    pub result_retention_ms: Millis,
    pub intent_token_ttl_ms: Millis,
    pub max_body_bytes: usize,
    /// SMS messages one user may be sent within 24 hours; `None`: no limit.
    pub sms_rate_limit: Option<u32>,
    /// Push approvals one user may be sent within 24 hours; `None`: no limit.
    pub push_rate_limit: Option<u32>,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct CreatedCounters {
    pub enroll: u64,
    pub approval: u64,
    pub sms: u64,
    pub intent: u64,
}

#[derive(Debug, Default)]
pub struct State {
    pub users: HashMap<String, User>,
    /// username → userId
    pub usernames: HashMap<String, String>,
    /// authenticatorId → userId
    pub authenticator_owner: HashMap<String, String>,
    pub operations: HashMap<String, Operation>,
    /// status token → transactionId
    pub status_tokens: HashMap<String, String>,
    /// status and transaction tokens, for introspection
    pub issued: HashMap<String, IssuedToken>,
    pub intents: HashMap<String, Intent>,
    /// phone number as typed → last SMS sent to it
    pub last_sms: HashMap<String, SentSms>,
    pub events: Vec<Event>,
    pub created: CreatedCounters,
    pub next_seq: u64,
}

#[derive(Debug)]
pub struct Sim {
    pub settings: Settings,
    pub instance_url: String,
    pub clock: Clock,
    pub minter: TokenMinter,
    pub faults: FaultRegistry,
    pub requests: AtomicU64,
    state: RwLock<State>,
}

/// Who performed an action, for the log's actor columns.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Api(&'a str),
    App,
    User,
    System,
}

impl Actor<'_> {
    fn columns(&self) -> (&'static str, String) {
        match self {
            Actor::Api(id) => ("api", id.to_string()),
            Actor::App => ("app", String::new()),
            Actor::User => ("user", String::new()),
            Actor::System => ("unknown", String::new()),
        }
    }
}

impl Sim {
    pub fn new(settings: Settings, instance_url: String) -> Sim {
        Sim {
            settings,
            instance_url,
            clock: Clock::default(),
            minter: TokenMinter::default(),
            faults: FaultRegistry::default(),
            requests: AtomicU64::new(0),
            state: RwLock::new(State::default()),
        }
    }

    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    pub fn now(&self) -> Millis {
        self.clock.now_ms()
    }

    /// Forgets everything: users, operations, tokens, faults, counters and the clock offset.
    pub fn reset(&self) {
        *self.write() = State::default();
        self.faults.clear();
        self.clock.reset();
        self.requests.store(0, Ordering::Relaxed);
    }

    /// Mints a token of `kind`, remembers it for introspection and returns it.
    pub fn issue_token(&self, st: &mut State, kind: TokenKind, subject: &str, now: Millis, lifetime: Millis) -> String {
        let jti = uuid::Uuid::new_v4().to_string();
        let token = self.minter.mint_kind(kind, &self.instance_url, subject, &jti, now, now + lifetime);
        st.issued.insert(
            token.clone(),
            IssuedToken {
                scope: kind.scope(),
                subject: subject.to_string(),
                jti,
                issued_at: now,
                expires_at: now + lifetime,
            },
        );
        token
    }

    /// Creates a pending operation with its status token and first transaction token.
    #[allow(clippy::too_many_arguments)]
    pub fn create_operation(
        &self,
        st: &mut State,
        kind: OperationKind,
        channel: Channel,
        user: Option<&User>,
        usernameless: bool,
        authenticator_id: Option<String>,
        message: Option<String>,
        actor: Actor<'_>,
        now: Millis,
    ) -> Operation {
        let transaction_id = uuid::Uuid::new_v4().to_string();
        let subject = user.map(|u| u.user_id.clone()).unwrap_or_else(|| transaction_id.clone());
        let status_token = self.issue_token(st, TokenKind::Status, &subject, now, self.settings.operation_timeout_ms);
        let transaction_token =
            self.issue_token(st, TokenKind::Transaction, &subject, now, self.settings.result_retention_ms);
        st.next_seq += 1;
        let actor_id = match actor {
            Actor::Api(id) => id.to_string(),
            _ => String::new(),
        };
        let operation = Operation {
            transaction_id: transaction_id.clone(),
            seq: st.next_seq,
            kind,
            channel,
            status: OperationStatus::Pending,
            user_id: user.map(|u| u.user_id.clone()),
            username: user.and_then(|u| u.username.clone()),
            authenticator_id,
            usernameless,
            status_token: status_token.clone(),
            transaction_token,
            created_at: now,
            last_updated_at: now,
            message,
            sms: None,
            fido2_challenge: None,
            actor_id,
        };
        st.status_tokens.insert(status_token, transaction_id.clone());
        st.operations.insert(transaction_id, operation.clone());
        match kind {
            OperationKind::Enroll => st.created.enroll += 1,
            OperationKind::Approval => st.created.approval += 1,
        }
        self.log_operation(st, &operation, "created", "succeeded", actor, now, "");
        operation
    }

    /// Moves a pending operation to a final status: new transaction token, log event, and for a
    /// failed approval the user's last failed login.
    pub fn finish_operation(
        &self,
        st: &mut State,
        transaction_id: &str,
        status: OperationStatus,
        actor: Actor<'_>,
        now: Millis,
        reason: &str,
    ) -> Option<Operation> {
        let operation = st.operations.get(transaction_id)?.clone();
        let subject = operation.user_id.clone().unwrap_or_else(|| operation.transaction_id.clone());
        let token = self.issue_token(st, TokenKind::Transaction, &subject, now, self.settings.result_retention_ms);
        let updated = {
            let op = st.operations.get_mut(transaction_id)?;
            op.status = status;
            op.last_updated_at = now;
            op.transaction_token = token;
            op.clone()
        };
        if updated.kind == OperationKind::Approval {
            if let Some(user) = updated.user_id.as_ref().and_then(|id| st.users.get_mut(id)) {
                match status {
                    OperationStatus::Succeeded => user.last_login_success = Some(now),
                    OperationStatus::Failed => user.last_login_failure = Some(now),
                    OperationStatus::Pending => {}
                }
            }
        }
        let (verb, outcome) = match status {
            OperationStatus::Succeeded => ("verified", "succeeded"),
            _ => ("failed", "failed"),
        };
        self.log_operation(st, &updated, verb, outcome, actor, now, reason);
        Some(updated)
    }

    /// Fails the operation if its timeout has passed on the virtual clock; true if it did.
    pub fn expire_if_due(&self, st: &mut State, transaction_id: &str, now: Millis) -> bool {
        let due = st
            .operations
            .get(transaction_id)
            .is_some_and(|op| op.status == OperationStatus::Pending && self.is_timed_out(op, now));
        if due {
            self.finish_operation(st, transaction_id, OperationStatus::Failed, Actor::System, now, "timed out");
        }
        due
    }

    pub fn is_timed_out(&self, op: &Operation, now: Millis) -> bool {
        now >= op.created_at + self.settings.operation_timeout_ms
    }

    /// Whether the operation can still be answered (results are kept for the retention time).
    pub fn is_retained(&self, op: &Operation, now: Millis) -> bool {
        now < op.created_at + self.settings.result_retention_ms
    }

    /// Expires every due pending operation (used before listings).
    pub fn expire_all_due(&self, st: &mut State, now: Millis) {
        let due: Vec<String> = st
            .operations
            .values()
            .filter(|op| op.status == OperationStatus::Pending && self.is_timed_out(op, now))
            .map(|op| op.transaction_id.clone())
            .collect();
        for id in due {
            self.expire_if_due(st, &id, now);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn log_operation(
        &self,
        st: &mut State,
        op: &Operation,
        verb: &str,
        status: &'static str,
        actor: Actor<'_>,
        now: Millis,
        description: &str,
    ) {
        let (category, noun) = match op.kind {
            OperationKind::Enroll => ("registration", "Registration"),
            OperationKind::Approval => ("authentication", "Authentication"),
        };
        let (actor_type, mut actor_id) = actor.columns();
        if actor_type == "api" && actor_id.is_empty() {
            actor_id = op.actor_id.clone();
        }
        st.events.push(Event {
            timestamp: now,
            event_id: uuid::Uuid::new_v4().to_string(),
            name: format!("{noun} {verb}"),
            status,
            category,
            channel: op.channel.as_str(),
            actor_type,
            actor_id,
            user_id: op.user_id.clone().unwrap_or_default(),
            username: op.username.clone().unwrap_or_default(),
            transaction_id: op.transaction_id.clone(),
            description: description.to_string(),
        });
    }

    /// Appends an event that is not tied to an operation (management actions, recovery codes).
    #[allow(clippy::too_many_arguments)]
    pub fn log_event(
        &self,
        st: &mut State,
        name: &str,
        status: &'static str,
        category: &'static str,
        channel: &'static str,
        actor: Actor<'_>,
        user: Option<&User>,
        description: &str,
        now: Millis,
    ) {
        let (actor_type, actor_id) = actor.columns();
        st.events.push(Event {
            timestamp: now,
            event_id: uuid::Uuid::new_v4().to_string(),
            name: name.to_string(),
            status,
            category,
            channel,
            actor_type,
            actor_id,
            user_id: user.map(|u| u.user_id.clone()).unwrap_or_default(),
            username: user.and_then(|u| u.username.clone()).unwrap_or_default(),
            transaction_id: String::new(),
            description: description.to_string(),
        });
    }
}

impl State {
    pub fn user_by_username(&self, username: &str) -> Option<&User> {
        self.usernames.get(username).and_then(|id| self.users.get(id))
    }

    pub fn operation_by_status_token(&self, token: &str) -> Option<&Operation> {
        self.status_tokens.get(token).and_then(|id| self.operations.get(id))
    }

    /// Removes a user with everything that hangs off it; pending operations for it fail.
    pub fn remove_user(&mut self, user_id: &str) -> Option<User> {
        let user = self.users.remove(user_id)?;
        if let Some(name) = &user.username {
            self.usernames.remove(name);
        }
        for authenticator in &user.authenticators {
            self.authenticator_owner.remove(&authenticator.authenticator_id);
        }
        Some(user)
    }
}
