//! The CSV log export as a stream, so a large export never has to sit in memory whole.

use bytes::Bytes;
use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};

use crate::response::{BodyError, Response, ResponseBody};
use crate::{Client, Error, ErrorKind, Result};

/// An export whose CSV body is still arriving. Read it chunk by chunk with
/// [`LogExport::next_chunk`], or whole with [`LogExport::text`].
pub struct LogExport {
    body: ResponseBody,
    /// The client it came from: closing it, or cancelling its calls, also ends the streaming.
    /// (`None` only for the fuzz entry points, which have no client.)
    client: Option<Client>,
    content_type: Option<String>,
    filename: Option<String>,
}

/// The most [`LogExport::text`] collects; stream larger exports chunk by chunk.
pub const MAX_LOG_EXPORT_TEXT_BYTES: usize = 256 * 1024 * 1024;

impl LogExport {
    pub(crate) fn new(response: Response, client: Option<Client>) -> LogExport {
        let (head, body) = response.into_parts();
        let header = |name| head.headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_string);
        let content_type = header(CONTENT_TYPE);
        let filename = header(CONTENT_DISPOSITION).and_then(|value| {
            value
                .split(';')
                .map(str::trim)
                .find_map(|part| part.strip_prefix("filename=").map(|name| name.trim_matches('"').to_string()))
        });
        LogExport { body, client, content_type, filename }
    }

    /// The media type the server declared (`text/csv`).
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The file name the server suggested (`logs-export.csv`).
    pub fn filename(&self) -> Option<&str> {
        self.filename.as_deref()
    }

    /// The next piece of the CSV, or `None` at the end. Ends with `Closed` or `Cancelled` when the
    /// client it came from is closed or its calls are cancelled.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        let chunk = match &self.client {
            Some(client) => {
                if let Some(stopped) = client.stopped_now() {
                    return Err(stopped.error(crate::MayHaveBeenApplied::No));
                }
                tokio::select! {
                    biased;
                    stopped = client.stopped() => return Err(stopped.error(crate::MayHaveBeenApplied::No)),
                    chunk = self.body.chunk() => chunk,
                }
            }
            None => self.body.chunk().await,
        };
        chunk.map_err(|err| match err {
            BodyError::Stalled => {
                Error::new(ErrorKind::Timeout, "the log export stalled: it did not finish within the request timeout")
            }
            BodyError::Broken(err) => {
                Error::new(ErrorKind::Connection, "the log export broke off while streaming").with_source(err)
            }
        })
    }

    /// The whole CSV as text (at most [`MAX_LOG_EXPORT_TEXT_BYTES`]).
    pub async fn text(mut self) -> Result<String> {
        let mut bytes = Vec::new();
        while let Some(chunk) = self.next_chunk().await? {
            if bytes.len() + chunk.len() > MAX_LOG_EXPORT_TEXT_BYTES {
                return Err(Error::new(
                    ErrorKind::Decode,
                    "the log export is too large to collect as text; read it with next_chunk",
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes)
            .map_err(|err| Error::new(ErrorKind::Decode, "the log export is not UTF-8 text").with_source(err))
    }
}

impl std::fmt::Debug for LogExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogExport")
            .field("content_type", &self.content_type)
            .field("filename", &self.filename)
            .finish_non_exhaustive()
    }
}
