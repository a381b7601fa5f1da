//! Each management operation's success path, and each API error kind produced by a real answer
//! of the simulator (its own validation, or its fault injection for statuses it never produces
//! on its own).

mod common;

use common::{Harness, UNKNOWN_ID};
use nevis_authcloud::{
    ApprovalRequest, Client, EnrollRequest, ErrorKind, LogCategory, LogExportQuery, MayHaveBeenApplied, Timestamp,
};
use serde_json::json;

#[tokio::test]
async fn ping_answers() {
    let h = Harness::start().await;
    h.client.ping().await.unwrap();
}

#[tokio::test]
async fn users_and_authenticators_are_managed() {
    let h = Harness::start().await;
    let user = h.active_app_user("lena").await;
    assert_eq!(h.client.find_user("lena").await.unwrap().user_id, user.user_id);

    let authenticator_id = user.authenticators[0].authenticator_id.clone();
    let renamed = h.client.rename_authenticator(&authenticator_id, "Lena's work phone").await.unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Lena's work phone"));
    assert_eq!(renamed.authenticator_id, authenticator_id);

    h.client.delete_authenticator(&authenticator_id).await.unwrap();
    assert!(h.client.get_user(&user.user_id).await.unwrap().authenticators.is_empty());
    let gone = h.client.delete_authenticator(&authenticator_id).await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);

    h.client.delete_user(&user.user_id).await.unwrap();
    let missing = h.client.get_user(&user.user_id).await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.status(), Some(404));
    let api = missing.api().unwrap();
    assert_eq!(api.error.as_deref(), Some("Not Found"));
    assert_eq!(api.path.as_deref(), Some(format!("/api/v1/users/{}", user.user_id).as_str()));
    assert!(matches!(api.timestamp, Some(Timestamp::Iso(_))), "{api:?}");
    assert_eq!(missing.may_have_been_applied(), MayHaveBeenApplied::No);
}

#[tokio::test]
async fn azure_b2c_lookup_for_known_and_unknown_object_ids() {
    let h = Harness::start().await;
    let object_id = "7f3c9a52-3c1e-4d8e-9f40-2b1a6c5d8e90";
    let user = h.active_app_user(object_id).await;
    let found = h.client.find_aadb2c_user(object_id).await.unwrap();
    assert!(found.exists());
    assert_eq!(found.user_id.as_deref(), Some(user.user_id.as_str()));
    let authenticators = found.parsed_authenticators().unwrap();
    assert_eq!(authenticators.len(), 1);

    let unknown = h.client.find_aadb2c_user(UNKNOWN_ID).await.unwrap();
    assert!(!unknown.exists());
    assert!(unknown.parsed_authenticators().unwrap().is_empty());
}

#[tokio::test]
async fn log_export_streams_csv_with_filters() {
    let h = Harness::start().await;
    h.active_app_user("mona").await;
    let export = h.client.export_logs(&LogExportQuery::default()).await.unwrap();
    assert!(export.content_type().unwrap_or_default().starts_with("text/csv"));
    let csv = export.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "timestamp,eventId,name,status,category,channel,actorType,actorId,userId,username,transactionId,description"
        )
    );
    assert!(csv.contains("mona"), "{csv}");

    let query = LogExportQuery { category: Some(LogCategory::Management), ..Default::default() };
    let management = h.client.export_logs(&query).await.unwrap().text().await.unwrap();
    assert!(!management.lines().skip(1).any(|line| line.contains(",registration,")), "{management}");

    let mut streamed = h.client.export_logs(&LogExportQuery::default()).await.unwrap();
    let mut bytes = 0;
    while let Some(chunk) = streamed.next_chunk().await.unwrap() {
        bytes += chunk.len();
    }
    assert_eq!(bytes, csv.len());
}

#[tokio::test]
async fn introspecting_garbage_is_inactive() {
    let h = Harness::start().await;
    let answer = h.client.introspect("not-a-token").await.unwrap();
    assert!(!answer.active);
    assert!(answer.sub.is_none());
}

#[tokio::test]
async fn unknown_status_token_answers_unknown() {
    let h = Harness::start().await;
    let status = h.client.get_status("eyJhbGciOiJIUzUxMiJ9.forged.token").await.unwrap();
    assert_eq!(status.status, nevis_authcloud::OperationStatus::Unknown);
}

#[tokio::test]
async fn wrong_access_key_is_forbidden_with_epoch_millis_timestamp() {
    let h = Harness::start().await;
    let client = h.client_with(|c| c.access_key("not-the-key"));
    let err = client.find_user("nobody").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Forbidden);
    let api = err.api().unwrap();
    assert!(matches!(api.timestamp, Some(Timestamp::EpochMillis(_))), "{api:?}");
    assert!(api.message.is_none());
}

#[tokio::test]
async fn server_side_validation_is_a_bad_request_naming_the_rule() {
    let h = Harness::start().await;
    // A user without any authenticator cannot be sent a push: the API says which channel.
    h.client.enroll(&EnrollRequest::recovery("nina")).await.unwrap();
    let err = h.client.approve(&ApprovalRequest::push("nina")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::BadRequest);
    assert!(err.api().unwrap().message.as_deref().unwrap_or_default().contains("push"), "{err}");
    assert_eq!(err.may_have_been_applied(), MayHaveBeenApplied::No);
}

#[tokio::test]
async fn duplicate_phone_is_a_conflict() {
    let h = Harness::start().await;
    h.client.enroll(&EnrollRequest::sms("omar", "+41790000001")).await.unwrap();
    let err = h.client.enroll(&EnrollRequest::sms("omar", "+41790000001")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.status(), Some(409));
}

#[tokio::test]
async fn unknown_user_for_approval_is_not_found() {
    let h = Harness::start().await;
    let err = h.client.approve(&ApprovalRequest::push("nobody-here")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// Statuses the simulator only produces on request: each still reaches the caller as its kind,
/// with the body's fields.
#[tokio::test]
async fn every_api_error_status_maps_to_its_kind() {
    let h = Harness::start().await;
    let cases = [
        (400, ErrorKind::BadRequest),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
        (405, ErrorKind::MethodNotAllowed),
        (409, ErrorKind::Conflict),
        (412, ErrorKind::PreconditionFailed),
        (413, ErrorKind::PayloadTooLarge),
        (415, ErrorKind::UnsupportedMediaType),
        (429, ErrorKind::RateLimited),
        (500, ErrorKind::Server),
    ];
    let client = h.client_with(|c| c.max_retries(0));
    for (status, kind) in cases {
        h.fault("GET", "/api/v1/users", 1, json!({ "fault": "status", "status": status })).await;
        let err = client.find_user("anyone").await.unwrap_err();
        assert_eq!(err.kind(), kind, "status {status}: {err}");
        assert_eq!(err.status(), Some(status));
        let api = err.api().unwrap();
        assert_eq!(api.status, status);
        assert!(api.error.is_some(), "{api:?}");
        assert!(!api.body.is_empty());
        assert_eq!(err.request().unwrap().path, "/api/v1/users");
    }
}

#[tokio::test]
async fn client_side_validation_fails_before_sending() {
    let h = Harness::start().await;
    let err = h.client.enroll(&EnrollRequest::app("bad name!")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert_eq!(err.field(), Some("username"));
    assert_eq!(err.attempts(), 0);
    let err = h.client.enroll(&EnrollRequest::sms("x", "0791234567")).await.unwrap_err();
    assert_eq!(err.field(), Some("phone"));
    assert_eq!(h.created("enroll").await, 0, "nothing reached the server");
}

#[tokio::test]
async fn a_client_is_cheap_to_clone_and_shared_across_tasks() {
    let h = Harness::start().await;
    h.active_app_user("pia").await;
    let client: Client = h.client.clone();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move { client.find_user("pia").await.map(|u| u.username) }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().as_deref(), Some("pia"));
    }
}
