//! One reading of the SDK's own `tracing` events for the bindings' log bridges.
//!
//! Python's `logging`, the Node `setLogger` hook and the C log callback all hand the same events
//! to their users: the message plus named fields such as `method`, `path`, `attempt` and
//! `elapsed_ms`. Reading an event's fields and rendering them as
//! `"request completed method=GET path=/ping attempt=1"` is done here once, so every language
//! shows the same line; the bindings only convert levels and deliver.
//!
//! The core never puts a secret into an event field (see `tests/secrets.rs`), so nothing here
//! needs to redact.

use std::fmt::{self, Write as _};

use serde_json::Value;
use tracing::Event;
use tracing::field::{Field, Visit};

/// An event's message and its other fields, in the order they were recorded. Numbers and
/// booleans stay typed (Node hands them to JavaScript as numbers); everything else is text.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct LogEventFields {
    pub message: String,
    pub fields: Vec<(&'static str, Value)>,
}

impl LogEventFields {
    /// Reads every field of `event`.
    pub fn from_event(event: &Event<'_>) -> Self {
        let mut fields = Self::default();
        event.record(&mut fields);
        fields
    }

    /// A field's value as text: strings without quotes, numbers and booleans as JSON writes them.
    pub fn text(value: &Value) -> String {
        match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        }
    }

    /// The fields other than the message, as `(name, text)`.
    pub fn text_fields(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        self.fields.iter().map(|(name, value)| (*name, Self::text(value)))
    }

    /// `"request completed method=GET path=/ping attempt=1 elapsed_ms=3"`.
    pub fn render(&self) -> String {
        let mut line = self.message.clone();
        for (name, value) in self.text_fields() {
            let _ = write!(line, " {name}={value}");
        }
        line
    }

    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Self::text(&value);
        } else {
            self.fields.push((field.name(), value));
        }
    }
}

impl Visit for LogEventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing::subscriber::with_default;

    use super::*;

    /// Captures the fields of every event (a minimal subscriber is enough for one thread).
    struct Capture(Arc<Mutex<Vec<LogEventFields>>>);

    impl tracing::Subscriber for Capture {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &Event<'_>) {
            self.0.lock().unwrap().push(LogEventFields::from_event(event));
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[test]
    fn fields_keep_their_types_and_render_as_key_value_pairs() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        with_default(Capture(seen.clone()), || {
            tracing::debug!(method = "GET", attempt = 1u64, retried = false, wait_s = 0.5, "retrying");
        });
        let seen = seen.lock().unwrap();
        let fields = &seen[0];
        assert_eq!(fields.message, "retrying");
        assert_eq!(fields.fields[0], ("method", Value::from("GET")));
        assert_eq!(fields.fields[1], ("attempt", Value::from(1u64)));
        assert_eq!(fields.render(), "retrying method=GET attempt=1 retried=false wait_s=0.5");
    }
}
