//! The one table from Python operation names to core calls, shared by the blocking and the asyncio
//! client.
//!
//! Python sends an operation name and its arguments as a JSON object whose request parts are in
//! the API's wire shape (the core's request types deserialize from it); the answer goes back as the
//! JSON serialization of the core's response type, i.e. the JSON the server sent. Parsing happens
//! with the GIL held and before anything is sent, so a malformed argument is an
//! `InvalidRequestError` that names the field; running needs no GIL at all.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use nevis_authcloud::{
    ApprovalRequest, AssertionRequest, AttestationRequest, Client, EnrollRequest, Error, ErrorKind, IntentRequest,
    LogExportQuery, Secret, VerifyRequest, WaitOptions, json_problem, json_type, request_from_json,
};
use pyo3::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::config::python_float;

/// A core call with its arguments, ready to run.
pub enum Operation {
    Ping,
    Enroll(EnrollRequest),
    Approve(ApprovalRequest),
    GetStatus {
        status_token: String,
    },
    WaitForStatus {
        status_token: String,
        options: WaitOptions,
    },
    Verify(VerifyRequest),
    CreateIntent(IntentRequest),
    Introspect {
        token: String,
    },
    GetUser {
        user_id: String,
    },
    FindUser {
        username: String,
    },
    DeleteUser {
        user_id: String,
    },
    FindAadb2cUser {
        object_id: String,
    },
    RenameAuthenticator {
        authenticator_id: String,
        name: String,
    },
    DeleteAuthenticator {
        authenticator_id: String,
    },
    ExportLogs(LogExportQuery),
    CompleteAttestation(AttestationRequest),
    CompleteAssertion(AssertionRequest),
    /// Debug builds only: a call that panics while it runs, so the suite can check that a bug
    /// surfaces as `InternalError` (never pyo3's `PanicException`). Release wheels cannot name it.
    #[cfg(debug_assertions)]
    PanicForTests,
}

/// The operation name of [`Operation::PanicForTests`] (debug builds).
#[cfg(debug_assertions)]
const PANIC_FOR_TESTS: &str = "_panic_for_tests";

/// Every operation name `parse` accepts, in the order of the core client's methods.
const NAMES: &[&str] = &[
    "ping",
    "enroll",
    "approve",
    "get_status",
    "wait_for_status",
    "verify",
    "create_intent",
    "introspect",
    "get_user",
    "find_user",
    "delete_user",
    "find_aadb2c_user",
    "rename_authenticator",
    "delete_authenticator",
    "export_logs",
    "complete_attestation",
    "complete_assertion",
];

/// The operation names the native client understands (the Python suite checks both clients have a
/// method for each).
#[pyfunction]
pub fn operation_names() -> Vec<&'static str> {
    NAMES.to_vec()
}

/// The arguments object, with typed access to its members. Members are moved out, not copied: the
/// strings parsed here become the operation's own (a status token is not allocated twice).
struct Args(Map<String, Value>);

impl Args {
    /// The Python layer always sends an object of checked values (`_requests.py`); anything else
    /// is a bug there, still reported as an `InvalidRequestError`.
    fn parse(json: &str) -> Result<Args, Error> {
        match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(map)) => Ok(Args(map)),
            Ok(other) => Err(Error::invalid("arguments", format!("must be a JSON object (got {})", json_type(&other)))),
            Err(err) => Err(Error::invalid("arguments", json_problem(&err))),
        }
    }

    fn string(&mut self, field: &str) -> Result<String, Error> {
        match self.0.remove(field) {
            Some(Value::String(text)) => Ok(text),
            None | Some(Value::Null) => Err(Error::invalid(field, "is required")),
            Some(other) => Err(Error::invalid(field, format!("must be a string (got {})", json_type(&other)))),
        }
    }

    fn optional_secret(&mut self, field: &str) -> Result<Option<Secret>, Error> {
        match self.0.remove(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(Secret::new(text))),
            Some(other) => Err(Error::invalid(field, format!("must be a string (got {})", json_type(&other)))),
        }
    }

    fn seconds(&self, field: &str) -> Result<Option<Duration>, Error> {
        let rule = "must be a positive number of seconds";
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(number)) => match number.as_f64() {
                Some(value) if value.is_finite() && value > 0.0 => Duration::try_from_secs_f64(value)
                    .map(Some)
                    .map_err(|_| Error::invalid(field, format!("is too large (got {} seconds)", python_float(value)))),
                Some(value) => Err(Error::invalid(field, format!("{rule} (got {})", python_float(value)))),
                None => Err(Error::invalid(field, rule)),
            },
            Some(other) => Err(Error::invalid(field, format!("{rule} (got {})", json_type(other)))),
        }
    }

    /// The member `field` (the request object, in wire shape) as a core request type; a member of
    /// the wrong type is named by its path (`fido2Options.authenticatorSelection`), which the
    /// Python layer turns into the keyword the caller wrote.
    fn request<T: DeserializeOwned>(&mut self, field: &str) -> Result<T, Error> {
        let value = self.0.remove(field).unwrap_or(Value::Object(Map::new()));
        request_from_json(field, &value)
    }
}

impl Operation {
    /// Reads the operation `name` with its JSON `arguments`.
    pub fn parse(name: &str, arguments: &str) -> Result<Operation, Error> {
        let mut args = Args::parse(arguments)?;
        let operation = match name {
            "ping" => Operation::Ping,
            "enroll" => {
                let mut request: EnrollRequest = args.request("request")?;
                request.intent_token = args.optional_secret("intentToken")?;
                Operation::Enroll(request)
            }
            "approve" => {
                let mut request: ApprovalRequest = args.request("request")?;
                request.intent_token = args.optional_secret("intentToken")?;
                Operation::Approve(request)
            }
            "get_status" => Operation::GetStatus { status_token: args.string("statusToken")? },
            "wait_for_status" => {
                let mut options = WaitOptions::default();
                if let Some(timeout) = args.seconds("timeout")? {
                    options = options.timeout(timeout);
                }
                if let Some(interval) = args.seconds("interval")? {
                    options = options.interval(interval);
                }
                if let Some(max_interval) = args.seconds("maxInterval")? {
                    options.max_interval = max_interval.max(options.interval);
                }
                Operation::WaitForStatus { status_token: args.string("statusToken")?, options }
            }
            "verify" => {
                let mut request: VerifyRequest = args.request("request")?;
                request.user_id = args.string("userId")?;
                request.intent_token = args.optional_secret("intentToken")?;
                Operation::Verify(request)
            }
            "create_intent" => Operation::CreateIntent(args.request("request")?),
            "introspect" => Operation::Introspect { token: args.string("token")? },
            "get_user" => Operation::GetUser { user_id: args.string("userId")? },
            "find_user" => Operation::FindUser { username: args.string("username")? },
            "delete_user" => Operation::DeleteUser { user_id: args.string("userId")? },
            "find_aadb2c_user" => Operation::FindAadb2cUser { object_id: args.string("objectId")? },
            "rename_authenticator" => Operation::RenameAuthenticator {
                authenticator_id: args.string("authenticatorId")?,
                name: args.string("name")?,
            },
            "delete_authenticator" => {
                Operation::DeleteAuthenticator { authenticator_id: args.string("authenticatorId")? }
            }
            "export_logs" => Operation::ExportLogs(args.request("query")?),
            "complete_attestation" => Operation::CompleteAttestation(args.request("request")?),
            "complete_assertion" => Operation::CompleteAssertion(args.request("request")?),
            #[cfg(debug_assertions)]
            PANIC_FOR_TESTS => Operation::PanicForTests,
            other => return Err(Error::invalid("operation", format!("{other:?} is not an operation"))),
        };
        Ok(operation)
    }

    /// The call, ready to run: resolves to the answer as JSON text (`null` for calls without an
    /// answer). Each operation's future is boxed on its own, so a task carries only the state of
    /// its own operation, not that of the largest one (10,000 waits in flight stay small).
    pub fn run(self, client: Client) -> Running {
        Box::pin(nevis_authcloud::catch_panic(self.start(client)))
    }

    fn start(self, client: Client) -> Running {
        match self {
            #[cfg(debug_assertions)]
            Operation::PanicForTests => Box::pin(async move {
                let _ = client;
                panic!("{PANIC_FOR_TESTS} was called")
            }),
            Operation::Ping => Box::pin(async move { unit(client.ping().await) }),
            Operation::Enroll(request) => Box::pin(async move { json(client.enroll(&request).await) }),
            Operation::Approve(request) => Box::pin(async move { json(client.approve(&request).await) }),
            Operation::GetStatus { status_token } => {
                Box::pin(async move { json(client.get_status(&status_token).await) })
            }
            Operation::WaitForStatus { status_token, options } => {
                Box::pin(async move { json(client.wait_for_status(&status_token, options).await) })
            }
            Operation::Verify(request) => Box::pin(async move { unit(client.verify(&request).await) }),
            Operation::CreateIntent(request) => Box::pin(async move { json(client.create_intent(&request).await) }),
            Operation::Introspect { token } => Box::pin(async move { json(client.introspect(&token).await) }),
            Operation::GetUser { user_id } => Box::pin(async move { json(client.get_user(&user_id).await) }),
            Operation::FindUser { username } => Box::pin(async move { json(client.find_user(&username).await) }),
            Operation::DeleteUser { user_id } => Box::pin(async move { unit(client.delete_user(&user_id).await) }),
            Operation::FindAadb2cUser { object_id } => {
                Box::pin(async move { json(client.find_aadb2c_user(&object_id).await) })
            }
            Operation::RenameAuthenticator { authenticator_id, name } => {
                Box::pin(async move { json(client.rename_authenticator(&authenticator_id, &name).await) })
            }
            Operation::DeleteAuthenticator { authenticator_id } => {
                Box::pin(async move { unit(client.delete_authenticator(&authenticator_id).await) })
            }
            Operation::ExportLogs(query) => Box::pin(async move {
                let export = client.export_logs(&query).await?;
                let content_type = export.content_type().map(str::to_string);
                let filename = export.filename().map(str::to_string);
                let text = export.text().await?;
                json(Ok(LogExportAnswer { content_type, filename, text }))
            }),
            Operation::CompleteAttestation(request) => {
                Box::pin(async move { json(client.complete_attestation(&request).await) })
            }
            Operation::CompleteAssertion(request) => {
                Box::pin(async move { json(client.complete_assertion(&request).await) })
            }
        }
    }
}

/// A started operation (see [`Operation::run`]).
pub type Running = Pin<Box<dyn Future<Output = Result<String, Error>> + Send>>;

/// The log export, collected: the CSV plus what the headers said about it.
#[derive(serde::Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogExportAnswer {
    content_type: Option<String>,
    filename: Option<String>,
    text: String,
}

fn json<T: serde::Serialize>(result: nevis_authcloud::Result<T>) -> Result<String, Error> {
    let value = result?;
    serde_json::to_string(&value)
        .map_err(|err| Error::new(ErrorKind::Decode, format!("the answer could not be re-encoded ({err})")))
}

fn unit(result: nevis_authcloud::Result<()>) -> Result<String, Error> {
    result?;
    Ok("null".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_and_unknown_names_are_refused() {
        let full = r#"{"request":{"username":"a","channel":"app","type":"public-key","id":"x",
            "response":{"clientDataJSON":"a","attestationObject":"b","authenticatorData":"c","signature":"d","userHandle":"e"},
            "code":"1","operation":"enroll"},"statusToken":"t","token":"t","userId":"u","username":"n",
            "objectId":"o","authenticatorId":"a","name":"n","query":{}}"#;
        for name in NAMES {
            assert!(Operation::parse(name, full).is_ok(), "{name}");
        }
        assert_eq!(Operation::parse("nope", "{}").err().map(|f| f.kind()), Some(ErrorKind::InvalidRequest));
    }

    #[test]
    fn malformed_arguments_name_the_field() {
        let err = Operation::parse("get_status", r#"{"statusToken": 5}"#).err();
        assert_eq!(err.map(|f| f.kind()), Some(ErrorKind::InvalidRequest));
        assert!(Operation::parse("wait_for_status", r#"{"statusToken":"t","interval":-1}"#).is_err());
        assert!(Operation::parse("ping", "[]").is_err());
    }
}
