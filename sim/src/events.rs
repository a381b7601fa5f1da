//! The in-memory event log behind `GET /api/v1/logs/export`: every registration, authentication
//! and management action appends one event; the export filters them and renders CSV with the
//! header row of open question 18.

use crate::clock::{Millis, iso};

#[derive(Debug, Clone)]
pub struct Event {
    pub timestamp: Millis,
    pub event_id: String,
    pub name: String,
    pub status: &'static str,
    pub category: &'static str,
    pub channel: &'static str,
    pub actor_type: &'static str,
    pub actor_id: String,
    pub user_id: String,
    pub username: String,
    pub transaction_id: String,
    pub description: String,
}

pub const CSV_HEADER: &str =
    "timestamp,eventId,name,status,category,channel,actorType,actorId,userId,username,transactionId,description";

/// The export's filters, already validated.
#[derive(Debug, Default)]
pub struct EventFilter {
    pub text: Option<String>,
    pub from: Millis,
    pub to: Millis,
    pub status: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub actor_type: Option<String>,
}

impl Event {
    fn columns(&self) -> [String; 12] {
        [
            iso(self.timestamp),
            self.event_id.clone(),
            self.name.clone(),
            self.status.to_string(),
            self.category.to_string(),
            self.channel.to_string(),
            self.actor_type.to_string(),
            self.actor_id.clone(),
            self.user_id.clone(),
            self.username.clone(),
            self.transaction_id.clone(),
            self.description.clone(),
        ]
    }

    fn matches(&self, filter: &EventFilter) -> bool {
        let exact = |wanted: &Option<String>, actual: &str| wanted.as_deref().is_none_or(|w| w == actual);
        self.timestamp >= filter.from
            && self.timestamp <= filter.to
            && exact(&filter.status, self.status)
            && exact(&filter.category, self.category)
            && exact(&filter.channel, self.channel)
            && exact(&filter.actor_type, self.actor_type)
            && filter.text.as_deref().is_none_or(|text| {
                let needle = text.to_lowercase();
                self.columns().iter().any(|c| c.to_lowercase().contains(&needle))
            })
    }
}

/// CSV of the matching events, newest first, at most `max_rows` rows.
pub fn render_csv(events: &[Event], filter: &EventFilter, max_rows: usize) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for event in events.iter().rev().filter(|e| e.matches(filter)).take(max_rows) {
        let cells: Vec<String> = event.columns().iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// RFC 4180 quoting: quote cells holding separators, quotes or line breaks.
fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_cells_with_commas_and_quotes() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("plain"), "plain");
    }
}
