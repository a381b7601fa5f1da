//! The client: one method per API endpoint.
//!
//! Each method validates its input with the rules the API documents, describes the HTTP call
//! (including how safe it is to repeat) and decodes the typed answer; the transport does the rest.
//! The method names are the vocabulary every binding mirrors one-to-one (`get_status` →
//! `getStatus` → `nevis_client_get_status`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::Method;
use serde::Deserialize;

use crate::config::ClientConfig;
use crate::logs::LogExport;
use crate::models::{
    ApprovalRequest, ApprovalResponse, AssertionRequest, AttestationRequest, Authenticator, AzureUser, Channel,
    EnrollRequest, EnrollResponse, Fido2Result, IntentRequest, IntentResponse, IntrospectResponse, LogExportQuery,
    OperationStatus, StatusResponse, User, VerifyRequest,
};
use crate::retry::Safety;
use crate::transport::{Auth, Call, Limits, Payload, Slot, Transport, decode_json};
use crate::{CancellationToken, Error, ErrorKind, Result, Secret, validate};

/// A client for one Authentication Cloud instance.
///
/// Cheap to clone (clones share one connection pool) and safe to use from many tasks and threads
/// at once. Create one per instance and keep it for the life of the process.
#[derive(Clone)]
pub struct Client {
    transport: Arc<Transport>,
    limits: Limits,
}

/// Per-call overrides of the client's limits, applied with [`Client::with_options`]. Every field
/// left `None` keeps the client's setting.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// Time for one HTTP attempt (greater than zero).
    pub request_timeout: Option<Duration>,
    /// Time for the whole call, retries included (greater than zero).
    pub deadline: Option<Duration>,
    /// Retries after the first attempt, 0 to 10.
    pub max_retries: Option<u32>,
    /// The longest `Retry-After` waited for before failing with `RateLimited`.
    pub max_retry_after: Option<Duration>,
    /// Also retry non-idempotent calls (enrol, approve, verify, intent) after failures where the
    /// server may have acted. Only for callers who accept a possible second push or SMS.
    pub retry_non_idempotent: Option<bool>,
    /// End the calls with `Cancelled` when this token is cancelled (see [`Client::with_cancel`]).
    pub cancel: Option<CancellationToken>,
}

impl RequestOptions {
    /// Checks every given value, failing with a `Config` error naming the first field that breaks
    /// its rule (the same rules as the client's own settings).
    pub fn validate(&self) -> Result<()> {
        for (field, value) in [("request_timeout", self.request_timeout), ("deadline", self.deadline)] {
            if value.is_some_and(|value| value.is_zero()) {
                return Err(Error::config(field, "must be greater than zero"));
            }
        }
        if let Some(retries) = self.max_retries {
            if retries > 10 {
                return Err(Error::config(
                    "max_retries",
                    format!("must be a whole number from 0 to 10 (got {retries})"),
                ));
            }
        }
        Ok(())
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client> {
        let transport = Transport::new(config)?;
        let limits = transport.default_limits();
        Ok(Client { transport: Arc::new(transport), limits })
    }

    /// Shorthand for a client with default settings.
    pub fn with_access_key(instance: &str, access_key: impl Into<Secret>) -> Result<Client> {
        Client::new(ClientConfig::builder().instance(instance).access_key(access_key).build()?)
    }

    pub fn config(&self) -> &ClientConfig {
        self.transport.config()
    }

    /// A client sharing this one's connection pool (no new connection is opened) whose calls use
    /// other limits: a login route with a tight timeout next to a batch job on the same pool.
    /// Fails with a `Config` error naming the field when a value breaks its rule.
    pub fn with_options(&self, options: RequestOptions) -> Result<Client> {
        options.validate()?;
        let mut limits = self.limits.clone();
        if let Some(timeout) = options.request_timeout {
            limits.request_timeout = timeout;
        }
        if options.deadline.is_some() {
            limits.deadline = options.deadline;
        }
        if let Some(retries) = options.max_retries {
            limits.max_retries = retries;
        }
        if let Some(max) = options.max_retry_after {
            limits.max_retry_after = max;
        }
        if let Some(retry) = options.retry_non_idempotent {
            limits.retry_non_idempotent = retry;
        }
        if options.cancel.is_some() {
            limits.cancel = options.cancel;
        }
        Ok(Client { transport: Arc::clone(&self.transport), limits })
    }

    /// A client sharing this one's pool and limits whose calls (waits included) end promptly with
    /// `Cancelled` once `token` is cancelled. `may_have_been_applied` of that error is `No` when
    /// nothing of the request was written yet, and what the call's safety allows (`Unknown` for
    /// enrol, approve, verify, intent) once it may have been. The client stays usable.
    pub fn with_cancel(&self, token: CancellationToken) -> Client {
        let mut limits = self.limits.clone();
        limits.cancel = Some(token);
        Client { transport: Arc::clone(&self.transport), limits }
    }

    /// Closes the connection pool this client shares with its clones and `with_options` views:
    /// every call in flight on it (waits included) ends promptly with `Closed` (its
    /// `may_have_been_applied` as for a cancelled call), and every later call fails with `Closed`
    /// without touching the network. Closing again does nothing.
    pub fn close(&self) {
        self.transport.close();
    }

    /// Whether [`Self::close`] was called on this pool.
    pub fn is_closed(&self) -> bool {
        self.transport.is_closed()
    }

    /// Whether a call must stop now, and why.
    pub(crate) fn stopped_now(&self) -> Option<crate::transport::Stopped> {
        self.transport.stopped_now(&self.limits)
    }

    /// Resolves when this client's calls are stopped from outside (closed or cancelled).
    pub(crate) async fn stopped(&self) -> crate::transport::Stopped {
        self.transport.stopped(&self.limits).await
    }

    /// `GET /ping`: is the service reachable? Succeeds when it answers `PONG`.
    pub async fn ping(&self) -> Result<()> {
        let mut call = Call::new("nevis.ping", Method::GET, "/ping", Safety::ReadOnly);
        call.accept = "text/plain";
        let answer = self.transport.send(call, &self.limits).await?;
        check_pong(&answer)
    }

    /// `POST /api/v1/users/enroll`: start registering an authenticator (creating the user when
    /// the username is new).
    pub async fn enroll(&self, request: &EnrollRequest) -> Result<EnrollResponse> {
        validate::enroll(request)?;
        let call = Call::new("nevis.enroll", Method::POST, "/api/v1/users/enroll", Safety::NonIdempotent)
            .json_body(request)?
            .auth(credential(request.intent_token.as_ref()));
        let channel = &request.channel;
        self.transport.send_decoded(call, &self.limits, |answer| decode_enrollment(&answer, channel)).await
    }

    /// `POST /api/v1/approval`: send a push, show a QR code, text a code or start a passkey login.
    pub async fn approve(&self, request: &ApprovalRequest) -> Result<ApprovalResponse> {
        validate::approval(request)?;
        let call = Call::new("nevis.approve", Method::POST, "/api/v1/approval", Safety::NonIdempotent)
            .json_body(request)?
            .auth(credential(request.intent_token.as_ref()));
        self.transport.json(call, &self.limits).await
    }

    /// `POST /api/v1/status`: where an operation stands. A failed operation (HTTP 412) is an
    /// answer with status `failed`, not an error.
    pub async fn get_status(&self, status_token: &str) -> Result<StatusResponse> {
        self.poll_status(status_token, None).await
    }

    /// A connection slot for [`Self::poll_status`], taken ahead (see [`Transport::slot`]).
    pub(crate) async fn status_slot(&self) -> Option<Slot<'_>> {
        self.transport.slot().await
    }

    /// `get_status`, whose first attempt uses `slot` when one was taken ahead.
    pub(crate) async fn poll_status<'s>(
        &'s self,
        status_token: &str,
        slot: Option<Slot<'s>>,
    ) -> Result<StatusResponse> {
        validate::token("statusToken", status_token)?;
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            status_token: &'a str,
        }
        let mut call = Call::new("nevis.get_status", Method::POST, "/api/v1/status", Safety::ReadOnly)
            .json_body(&Body { status_token })?
            .auth(Auth::None)
            .redacting([status_token])
            .holding(slot);
        call.answer_status = Some(412);
        self.transport.send_decoded(call, &self.limits, decode_status).await
    }

    /// `POST /api/v1/users/{userId}/verification`: check an SMS code or spend a recovery code.
    /// Succeeds when the code is right; a wrong, expired or used code is a `BadRequest` error.
    pub async fn verify(&self, request: &VerifyRequest) -> Result<()> {
        validate::verify(request)?;
        let path = format!("/api/v1/users/{}/verification", request.user_id);
        let call =
            Call::new("nevis.verify", Method::POST, "/api/v1/users/{userId}/verification", Safety::NonIdempotent)
                .with_path(path)
                .json_body(request)?
                .auth(credential(request.intent_token.as_ref()))
                .redacting(
                    [Some(&request.code), request.status_token.as_ref()].into_iter().flatten().map(Secret::expose),
                );
        self.transport.send(call, &self.limits).await?;
        Ok(())
    }

    /// `POST /api/v1/intent`: mint a one-time token a browser can use for one enrolment or
    /// approval of one user.
    pub async fn create_intent(&self, request: &IntentRequest) -> Result<IntentResponse> {
        validate::intent(request)?;
        let call = Call::new("nevis.create_intent", Method::POST, "/api/v1/intent", Safety::NonIdempotent)
            .json_body(request)?;
        self.transport.json(call, &self.limits).await
    }

    /// `POST /api/v1/introspect`: is this token (transaction, status, intent or access key)
    /// valid, and what does it say?
    pub async fn introspect(&self, token: &str) -> Result<IntrospectResponse> {
        validate::token("token", token)?;
        let form = serde_urlencoded::to_string([("token", token)])
            .map_err(|err| Error::new(ErrorKind::InvalidRequest, "token could not be form-encoded").with_source(err))?;
        let mut call =
            Call::new("nevis.introspect", Method::POST, "/api/v1/introspect", Safety::ReadOnly).redacting([token]);
        call.payload = Payload::Form(form.into());
        self.transport.json(call, &self.limits).await
    }

    /// `GET /api/v1/users/{userId}`.
    pub async fn get_user(&self, user_id: &str) -> Result<User> {
        validate::uuid("userId", user_id)?;
        let call = Call::new("nevis.get_user", Method::GET, "/api/v1/users/{userId}", Safety::ReadOnly)
            .with_path(format!("/api/v1/users/{user_id}"));
        self.transport.json(call, &self.limits).await
    }

    /// `GET /api/v1/users?username=`: the user with this username (`NotFound` if none).
    pub async fn find_user(&self, username: &str) -> Result<User> {
        validate::username(username)?;
        let mut call = Call::new("nevis.find_user", Method::GET, "/api/v1/users", Safety::ReadOnly);
        call.query.push(("username", username.to_string()));
        self.transport.json(call, &self.limits).await
    }

    /// `DELETE /api/v1/users/{userId}`: delete the user and everything registered to it.
    pub async fn delete_user(&self, user_id: &str) -> Result<()> {
        validate::uuid("userId", user_id)?;
        let call = Call::new("nevis.delete_user", Method::DELETE, "/api/v1/users/{userId}", Safety::Idempotent)
            .with_path(format!("/api/v1/users/{user_id}"));
        self.transport.send(call, &self.limits).await?;
        Ok(())
    }

    /// `GET /api/v1/aadb2c/users?objectId=`: the Azure AD B2C view of a user whose username is
    /// the B2C object id. Always succeeds for a well-formed id; check [`AzureUser::exists`].
    pub async fn find_aadb2c_user(&self, object_id: &str) -> Result<AzureUser> {
        validate::uuid("objectId", object_id)?;
        let mut call = Call::new("nevis.find_aadb2c_user", Method::GET, "/api/v1/aadb2c/users", Safety::ReadOnly);
        call.query.push(("objectId", object_id.to_string()));
        self.transport.json(call, &self.limits).await
    }

    /// `PATCH /api/v1/authenticators/{authenticatorId}`: rename an authenticator.
    pub async fn rename_authenticator(&self, authenticator_id: &str, name: &str) -> Result<Authenticator> {
        validate::uuid("authenticatorId", authenticator_id)?;
        validate::authenticator_name(name)?;
        let call = Call::new(
            "nevis.rename_authenticator",
            Method::PATCH,
            "/api/v1/authenticators/{authenticatorId}",
            Safety::Idempotent,
        )
        .with_path(format!("/api/v1/authenticators/{authenticator_id}"))
        .json_body(&serde_json::json!({ "name": name }))?;
        self.transport.json(call, &self.limits).await
    }

    /// `DELETE /api/v1/authenticators/{authenticatorId}`.
    pub async fn delete_authenticator(&self, authenticator_id: &str) -> Result<()> {
        validate::uuid("authenticatorId", authenticator_id)?;
        let call = Call::new(
            "nevis.delete_authenticator",
            Method::DELETE,
            "/api/v1/authenticators/{authenticatorId}",
            Safety::Idempotent,
        )
        .with_path(format!("/api/v1/authenticators/{authenticator_id}"));
        self.transport.send(call, &self.limits).await?;
        Ok(())
    }

    /// `GET /api/v1/logs/export`: the audit log as CSV, streamed.
    pub async fn export_logs(&self, query: &LogExportQuery) -> Result<LogExport> {
        validate::log_export(query)?;
        let mut call = Call::new("nevis.export_logs", Method::GET, "/api/v1/logs/export", Safety::ReadOnly);
        call.accept = "text/csv";
        call.query = query.to_pairs();
        let response = self.transport.stream(call, &self.limits).await?;
        Ok(LogExport::new(response, Some(self.clone())))
    }

    /// `POST /_app/attestation/result`: finish a FIDO2 registration with what the browser
    /// produced. A rejected ceremony is an answer with status `failed`.
    pub async fn complete_attestation(&self, request: &AttestationRequest) -> Result<Fido2Result> {
        if request.credential_type != "public-key" {
            return Err(Error::invalid("type", "must be \"public-key\""));
        }
        for (field, value) in [
            ("id", &request.id),
            ("response.clientDataJSON", &request.response.client_data_json),
            ("response.attestationObject", &request.response.attestation_object),
        ] {
            validate::token(field, value)?;
        }
        self.fido2_completion(
            "nevis.complete_attestation",
            "/_app/attestation/result",
            request,
            request.status_token.as_ref(),
        )
        .await
    }

    /// `POST /_app/assertion/result`: finish a FIDO2 authentication with what the browser
    /// produced. A rejected ceremony is an answer with status `failed`.
    pub async fn complete_assertion(&self, request: &AssertionRequest) -> Result<Fido2Result> {
        if request.credential_type != "public-key" {
            return Err(Error::invalid("type", "must be \"public-key\""));
        }
        for (field, value) in [
            ("id", &request.id),
            ("response.clientDataJSON", &request.response.client_data_json),
            ("response.authenticatorData", &request.response.authenticator_data),
            ("response.signature", &request.response.signature),
            ("response.userHandle", &request.response.user_handle),
        ] {
            validate::token(field, value)?;
        }
        self.fido2_completion(
            "nevis.complete_assertion",
            "/_app/assertion/result",
            request,
            request.status_token.as_ref(),
        )
        .await
    }

    async fn fido2_completion(
        &self,
        operation: &'static str,
        path: &'static str,
        body: &impl serde::Serialize,
        status_token: Option<&Secret>,
    ) -> Result<Fido2Result> {
        let mut call = Call::new(operation, Method::POST, path, Safety::NonIdempotent)
            .json_body(body)?
            .auth(Auth::None)
            .redacting(status_token.map(Secret::expose));
        call.answer_status = Some(400);
        self.transport.send_decoded(call, &self.limits, decode_fido2_result).await
    }
}

/// An enrolment answer. Every channel with an operation to confirm (app, push, sms, fido2) answers
/// with an `enrollment`: the transaction id and the status token to poll or verify with. Only
/// `recovery` (and channels this SDK does not know) may answer without one. The bindings type the
/// results of those channels as carrying it, so an answer without it is a decode error here, not a
/// missing token somewhere later.
pub(crate) fn decode_enrollment(answer: &crate::transport::Answer, channel: &Channel) -> Result<EnrollResponse> {
    let response: EnrollResponse = decode_json(answer, Safety::NonIdempotent)?;
    let has_operation = matches!(channel, Channel::App | Channel::Push | Channel::Sms | Channel::Fido2);
    if has_operation && response.enrollment.is_none() {
        return Err(Error::new(
            ErrorKind::Decode,
            format!(
                "the answer to a {} enrolment has no enrollment (its transactionId and statusToken)",
                channel.as_str()
            ),
        )
        .with_applied(Safety::NonIdempotent.after_success()));
    }
    Ok(response)
}

/// The ping answer must be `PONG`.
pub(crate) fn check_pong(answer: &crate::transport::Answer) -> Result<()> {
    if String::from_utf8_lossy(&answer.body).trim() == "PONG" {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Decode, "the ping answer is not PONG").with_request("GET", "/ping"))
    }
}

/// A status poll's answer. The API documents 412 for failed operations; its body may be a status
/// object or an error object, and either way the operation has failed: whatever `status` the body
/// claims (a proxy's or a buggy server's `succeeded`, `pending`), a 412 is reported as `failed`,
/// with the body's other fields kept when it is a status object.
pub(crate) fn decode_status(answer: crate::transport::Answer) -> Result<StatusResponse> {
    if answer.status == 412 {
        let mut status = decode_json::<StatusResponse>(&answer, Safety::ReadOnly)
            .unwrap_or_else(|_| StatusResponse::failed_without_details());
        status.status = OperationStatus::Failed;
        return Ok(status);
    }
    decode_json(&answer, Safety::ReadOnly)
}

/// A rejected ceremony answers 400 with a result object (`status: failed`); any other 400 body is
/// a plain bad request.
pub(crate) fn decode_fido2_result(answer: crate::transport::Answer) -> Result<Fido2Result> {
    if answer.status == 400 {
        #[derive(Deserialize)]
        struct Probe {
            status: Option<String>,
        }
        let is_result =
            serde_json::from_slice::<Probe>(&answer.body).map(|probe| probe.status.is_some()).unwrap_or(false);
        if !is_result {
            let api = crate::error::ApiErrorBody::parse(400, &answer.body);
            return Err(Error::from_api(api, crate::MayHaveBeenApplied::No));
        }
    }
    decode_json(&answer, Safety::NonIdempotent)
}

fn credential(intent_token: Option<&Secret>) -> Auth<'_> {
    match intent_token {
        Some(token) => Auth::Bearer(token),
        None => Auth::AccessKey,
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.config().base_url())
            .field("access_key", &format_args!("{}", self.config().access_key.hint()))
            .field("limits", &self.limits)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + 'static>() {}

    #[test]
    fn the_client_and_its_errors_cross_threads_and_tasks() {
        assert_send_sync::<Client>();
        assert_send_sync::<crate::Error>();
        let _cheap_clone = |client: &Client| client.clone();
    }

    #[test]
    fn with_options_shares_the_pool_and_overrides_only_what_is_given() {
        let client = Client::new(
            ClientConfig::builder().base_url("http://127.0.0.1:9").access_key("k").max_retries(2).build().unwrap(),
        )
        .unwrap();
        let tuned = client.with_options(RequestOptions { max_retries: Some(0), ..Default::default() }).unwrap();
        assert!(Arc::ptr_eq(&client.transport, &tuned.transport));
        assert_eq!(tuned.limits.max_retries, 0);
        assert_eq!(tuned.limits.request_timeout, client.limits.request_timeout);
        tuned.close();
        assert!(client.is_closed(), "closing a view closes the pool it shares");
    }

    #[test]
    fn with_options_names_the_field_that_breaks_its_rule() {
        let client =
            Client::new(ClientConfig::builder().base_url("http://127.0.0.1:9").access_key("k").build().unwrap())
                .unwrap();
        for (options, field) in [
            (RequestOptions { request_timeout: Some(Duration::ZERO), ..Default::default() }, "request_timeout"),
            (RequestOptions { deadline: Some(Duration::ZERO), ..Default::default() }, "deadline"),
            (RequestOptions { max_retries: Some(11), ..Default::default() }, "max_retries"),
        ] {
            let err = client.with_options(options).unwrap_err();
            assert_eq!((err.kind(), err.field()), (ErrorKind::Config, Some(field)), "{err}");
        }
    }

    fn json_answer(body: &'static str) -> crate::transport::Answer {
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
        crate::transport::Answer { status: 200, headers, body: bytes::Bytes::from_static(body.as_bytes()) }
    }

    #[test]
    fn an_enrolment_with_an_operation_must_answer_with_its_enrollment() {
        let user = r#"{"userId":"8b7f1b0e-0000-4000-8000-000000000001","username":"alice","status":"new"}"#;
        for channel in [Channel::App, Channel::Push, Channel::Sms, Channel::Fido2] {
            let err = decode_enrollment(&json_answer(user), &channel).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Decode);
            assert!(err.to_string().contains(&format!("a {} enrolment has no enrollment", channel.as_str())), "{err}");
            assert_eq!(err.may_have_been_applied(), crate::MayHaveBeenApplied::Yes);
        }
        for channel in [Channel::Recovery, Channel::Other("passkey-v2".into())] {
            assert!(decode_enrollment(&json_answer(user), &channel).unwrap().enrollment.is_none());
        }
        let with_enrollment = r#"{"userId":"8b7f1b0e-0000-4000-8000-000000000001","username":"alice","status":"new",
            "enrollment":{"transactionId":"t-1","statusToken":"s-1"}}"#;
        let response = decode_enrollment(&json_answer(with_enrollment), &Channel::Push).unwrap();
        assert_eq!(response.enrollment.map(|e| e.transaction_id).as_deref(), Some("t-1"));
    }
}
