//! An answer as the transport hands it on: status and headers, and a body read chunk by chunk
//! within the attempt's deadline.
//!
//! The request timeout bounds an attempt from sending to the last byte of the answer, so a server
//! that sends its head and then stalls cannot hold a login, or a streamed log export, forever. The
//! body can also be one already in memory, which is how the fuzz targets feed the transport's own
//! answer handling.

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Incoming};
use tokio::time::Instant;

pub(crate) type Response = http::Response<ResponseBody>;

pub(crate) struct ResponseBody {
    source: Source,
    /// When the attempt's request timeout runs out; `None` when it is too far away to represent.
    deadline: Option<Instant>,
}

enum Source {
    Received(Incoming),
    /// Only the fuzz entry points (`crate::fuzzing`) hand the transport an answer in memory.
    #[cfg_attr(not(fuzzing), allow(dead_code))]
    Buffered(Option<Bytes>),
}

/// Why the rest of a body did not arrive.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The request timeout ran out while the body was still arriving.
    Stalled,
    /// The connection broke or the body was malformed.
    Broken(hyper::Error),
}

impl ResponseBody {
    pub(crate) fn received(body: Incoming, deadline: Option<Instant>) -> ResponseBody {
        ResponseBody { source: Source::Received(body), deadline }
    }

    #[cfg_attr(not(fuzzing), allow(dead_code))]
    pub(crate) fn buffered(body: Bytes) -> ResponseBody {
        ResponseBody { source: Source::Buffered(Some(body)), deadline: None }
    }

    /// The body's length when the server announced it (or it is in memory).
    pub(crate) fn exact_len(&self) -> Option<u64> {
        match &self.source {
            Source::Received(body) => body.size_hint().exact(),
            Source::Buffered(body) => Some(body.as_ref().map_or(0, |bytes| bytes.len() as u64)),
        }
    }

    /// The next piece of the body, or `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        let body = match &mut self.source {
            Source::Buffered(body) => return Ok(body.take()),
            Source::Received(body) => body,
        };
        loop {
            let next = body.frame();
            let frame = match self.deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, next).await.map_err(|_| BodyError::Stalled)?,
                None => next.await,
            };
            match frame {
                None => return Ok(None),
                Some(Err(err)) => return Err(BodyError::Broken(err)),
                // Trailers carry nothing the SDK reads.
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) if data.is_empty() => continue,
                    Ok(data) => return Ok(Some(data)),
                    Err(_) => continue,
                },
            }
        }
    }
}
