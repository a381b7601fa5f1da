//! `GET /api/v1/logs/export`: the filters of the CSV audit log export.

use serde::{Deserialize, Serialize};

use super::{ActorType, LogCategory, LogChannel, LogStatus};

/// Filters for the log export; all optional. Give either `timespan` or dates, not both; with
/// neither, the server exports the last 30 days.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LogExportQuery {
    /// Free-text search, at least 2 characters.
    pub filter: Option<String>,
    /// ISO-8601 UTC timestamps.
    pub from_date: Option<String>,
    pub to_date: Option<String>,
    /// ISO-8601 duration such as `P7D` or `PT1H`.
    pub timespan: Option<String>,
    pub status: Option<LogStatus>,
    pub category: Option<LogCategory>,
    pub channel: Option<LogChannel>,
    pub actor_type: Option<ActorType>,
}

impl LogExportQuery {
    /// The query string pairs, in the API's parameter names.
    pub(crate) fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        let mut push = |name: &'static str, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((name, value));
            }
        };
        push("filter", self.filter.clone());
        push("fromDate", self.from_date.clone());
        push("toDate", self.to_date.clone());
        push("timespan", self.timespan.clone());
        push("status", self.status.as_ref().map(|v| v.as_str().to_string()));
        push("category", self.category.as_ref().map(|v| v.as_str().to_string()));
        push("channel", self.channel.as_ref().map(|v| v.as_str().to_string()));
        push("actorType", self.actor_type.as_ref().map(|v| v.as_str().to_string()));
        pairs
    }
}
