//! Entry points for the cargo-fuzz targets in `fuzz/`: compiled only with `--cfg fuzzing`, which
//! cargo-fuzz sets for every crate it builds, so they are never part of the published API.
//!
//! A hostile or broken server (or anything on the path to it) controls the status, the headers and
//! the body of every answer. These functions take such an answer, already received, and run it
//! through exactly the code the client runs on a real one: the transport's status check, body cap
//! and error mapping (`Retry-After`, `may_have_been_applied`, the retry decision), then the
//! endpoint's own decoder. What an endpoint accepts and how safe it is to repeat is restated in
//! [`Endpoint`]; it mirrors the `Call`s built in `client.rs`.

use std::time::Duration;

use futures_util::FutureExt;

use crate::client::{check_pong, decode_fido2_result, decode_status};
use crate::logs::LogExport;
use crate::models::{
    ApprovalResponse, Authenticator, AzureUser, EnrollResponse, Fido2Result, IntentResponse, IntrospectResponse,
    StatusResponse, User,
};
use crate::response::{Response, ResponseBody};
use crate::retry::{self, Safety};
use crate::transport::{Answer, Failure, decode_json, handle_response, read_capped};
use crate::{Error, Result};

/// Every operation of [`crate::Client`] that reads an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Ping,
    Enroll,
    Approve,
    GetStatus,
    Verify,
    CreateIntent,
    Introspect,
    GetUser,
    FindUser,
    DeleteUser,
    FindAadb2cUser,
    RenameAuthenticator,
    DeleteAuthenticator,
    ExportLogs,
    CompleteAttestation,
    CompleteAssertion,
}

impl Endpoint {
    pub const ALL: &'static [Endpoint] = &[
        Endpoint::Ping,
        Endpoint::Enroll,
        Endpoint::Approve,
        Endpoint::GetStatus,
        Endpoint::Verify,
        Endpoint::CreateIntent,
        Endpoint::Introspect,
        Endpoint::GetUser,
        Endpoint::FindUser,
        Endpoint::DeleteUser,
        Endpoint::FindAadb2cUser,
        Endpoint::RenameAuthenticator,
        Endpoint::DeleteAuthenticator,
        Endpoint::ExportLogs,
        Endpoint::CompleteAttestation,
        Endpoint::CompleteAssertion,
    ];

    /// The client method's name (`get_status`), as the seed files name the endpoint.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Ping => "ping",
            Endpoint::Enroll => "enroll",
            Endpoint::Approve => "approve",
            Endpoint::GetStatus => "get_status",
            Endpoint::Verify => "verify",
            Endpoint::CreateIntent => "create_intent",
            Endpoint::Introspect => "introspect",
            Endpoint::GetUser => "get_user",
            Endpoint::FindUser => "find_user",
            Endpoint::DeleteUser => "delete_user",
            Endpoint::FindAadb2cUser => "find_aadb2c_user",
            Endpoint::RenameAuthenticator => "rename_authenticator",
            Endpoint::DeleteAuthenticator => "delete_authenticator",
            Endpoint::ExportLogs => "export_logs",
            Endpoint::CompleteAttestation => "complete_attestation",
            Endpoint::CompleteAssertion => "complete_assertion",
        }
    }

    pub fn from_name(name: &str) -> Option<Endpoint> {
        Endpoint::ALL.iter().copied().find(|endpoint| endpoint.name() == name)
    }

    fn safety(self) -> Safety {
        match self {
            Endpoint::Ping
            | Endpoint::GetStatus
            | Endpoint::Introspect
            | Endpoint::GetUser
            | Endpoint::FindUser
            | Endpoint::FindAadb2cUser
            | Endpoint::ExportLogs => Safety::ReadOnly,
            Endpoint::DeleteUser | Endpoint::RenameAuthenticator | Endpoint::DeleteAuthenticator => Safety::Idempotent,
            Endpoint::Enroll
            | Endpoint::Approve
            | Endpoint::Verify
            | Endpoint::CreateIntent
            | Endpoint::CompleteAttestation
            | Endpoint::CompleteAssertion => Safety::NonIdempotent,
        }
    }

    /// True when the call only reads (a failure can never have changed anything on the server).
    pub fn is_read_only(self) -> bool {
        self.safety() == Safety::ReadOnly
    }

    /// True when sending the call twice may act twice (a second push, SMS or enrolment).
    pub fn is_non_idempotent(self) -> bool {
        self.safety() == Safety::NonIdempotent
    }

    /// The non-2xx status this endpoint takes as a regular answer (412 for status polling, 400 for
    /// a rejected FIDO2 ceremony).
    pub fn answer_status(self) -> Option<u16> {
        match self {
            Endpoint::GetStatus => Some(412),
            Endpoint::CompleteAttestation | Endpoint::CompleteAssertion => Some(400),
            _ => None,
        }
    }
}

/// A successfully decoded answer, typed as the client method returns it.
#[derive(Debug)]
pub enum Decoded {
    /// `ping`, `verify` and the deletes return nothing.
    Nothing,
    Enroll(EnrollResponse),
    Approval(ApprovalResponse),
    Status(StatusResponse),
    Intent(IntentResponse),
    Introspect(IntrospectResponse),
    User(User),
    /// With the result of [`AzureUser::parsed_authenticators`] on it.
    AzureUser(AzureUser, Result<Vec<Authenticator>>),
    Authenticator(Authenticator),
    /// The export's declared media type, suggested file name and the CSV read whole as text.
    Logs {
        content_type: Option<String>,
        filename: Option<String>,
        text: String,
    },
    Fido2(Fido2Result),
}

/// What the client's retry loop would do after this answer, given retries left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    No,
    /// After the client's own backoff.
    Backoff,
    /// After the delay the server asked for (if it is not longer than `max_retry_after`).
    After(Duration),
}

/// The result of one answer and the retry decision that came with it.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<Decoded>,
    pub retry: Retry,
}

/// Runs `response` through the transport and `endpoint`'s decoder, with `max_response_bytes` as
/// the body cap (the client's default is 4 MiB). The body is in memory: decoding it never waits,
/// and a decoder that did would hang the client, so that panics here.
pub fn answer(endpoint: Endpoint, response: http::Response<bytes::Bytes>, max_response_bytes: usize) -> Outcome {
    let response: Response = response.map(ResponseBody::buffered);
    let safety = endpoint.safety();
    let may_resend = safety.may_resend();
    let json = move |response: Response| async move {
        let (status, headers, body) = read_capped(response, max_response_bytes).await?;
        Ok::<Answer, Error>(Answer { status, headers, body })
    };
    let future = async move {
        let answer_status = endpoint.answer_status();
        match endpoint {
            Endpoint::ExportLogs => {
                let finish = |response: Response| async move { Ok(response) };
                let response = handle_response(response, safety, answer_status, may_resend, &finish).await?;
                let export = LogExport::new(response, None);
                let content_type = export.content_type().map(str::to_string);
                let filename = export.filename().map(str::to_string);
                let text = export.text().await.map_err(|error| Failure { error, retry: retry::Decision::Stop })?;
                Ok(Decoded::Logs { content_type, filename, text })
            }
            _ => {
                let decode = |answer: Answer| -> Result<Decoded> {
                    Ok(match endpoint {
                        Endpoint::Ping => {
                            check_pong(&answer)?;
                            Decoded::Nothing
                        }
                        Endpoint::Verify | Endpoint::DeleteUser | Endpoint::DeleteAuthenticator => Decoded::Nothing,
                        Endpoint::GetStatus => Decoded::Status(decode_status(answer)?),
                        Endpoint::CompleteAttestation | Endpoint::CompleteAssertion => {
                            Decoded::Fido2(decode_fido2_result(answer)?)
                        }
                        Endpoint::Enroll => Decoded::Enroll(decode_json(&answer, safety)?),
                        Endpoint::Approve => Decoded::Approval(decode_json(&answer, safety)?),
                        Endpoint::CreateIntent => Decoded::Intent(decode_json(&answer, safety)?),
                        Endpoint::Introspect => Decoded::Introspect(decode_json(&answer, safety)?),
                        Endpoint::GetUser | Endpoint::FindUser => Decoded::User(decode_json(&answer, safety)?),
                        Endpoint::FindAadb2cUser => {
                            let user: AzureUser = decode_json(&answer, safety)?;
                            let authenticators = user.parsed_authenticators();
                            Decoded::AzureUser(user, authenticators)
                        }
                        Endpoint::RenameAuthenticator => Decoded::Authenticator(decode_json(&answer, safety)?),
                        Endpoint::ExportLogs => unreachable!("handled above"),
                    })
                };
                let finish = |response: Response| async { decode(json(response).await?) };
                handle_response(response, safety, answer_status, may_resend, &finish).await
            }
        }
    };
    let outcome = future.now_or_never().expect("an answer whose body is in memory must decode without waiting");
    match outcome {
        Ok(decoded) => Outcome { result: Ok(decoded), retry: Retry::No },
        Err(Failure { error, retry }) => {
            let retry = match retry {
                retry::Decision::Stop => Retry::No,
                retry::Decision::Backoff => Retry::Backoff,
                retry::Decision::After(delay) => Retry::After(delay),
            };
            Outcome { result: Err(error), retry }
        }
    }
}
