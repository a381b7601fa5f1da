//! The end-to-end flows of the API reference, over HTTPS against the simulator: every channel of
//! enrolment and approval, the phone's answers, SMS and recovery codes, FIDO2 ceremonies and
//! intent tokens.

mod common;

use common::{Harness, fast_wait};
use nevis_authcloud::{
    ApprovalRequest, AssertionRequest, AssertionResponseData, AttestationRequest, AttestationResponseData,
    AuthenticatorType, Channel, EnrollRequest, ErrorKind, Extra, Fido2ResultStatus, IntentRequest, OperationStatus,
    Platform, UserStatus, VerifyRequest,
};

#[tokio::test]
async fn app_enrolment_then_push_approval_succeeds() {
    let h = Harness::start().await;
    let enrolment = h.client.enroll(&EnrollRequest::app("alice")).await.unwrap();
    assert_eq!(enrolment.user.username.as_deref(), Some("alice"));
    assert_eq!(enrolment.user.status, UserStatus::New);
    let enrollment = enrolment.enrollment.as_ref().unwrap();
    let qr = enrollment.qr_code.as_ref().expect("app enrolment shows a QR code");
    assert!(qr.data_uri.as_deref().unwrap_or_default().starts_with("data:image/png;base64,"));
    assert!(enrollment.app_link_uri.as_deref().unwrap_or_default().contains("dispatchTokenResponse="));

    let pending = h.client.get_status(enrollment.status_token.expose()).await.unwrap();
    assert_eq!(pending.status, OperationStatus::Pending);

    h.accept(&enrollment.transaction_id).await;
    let done = h.client.wait_for_status(enrollment.status_token.expose(), fast_wait()).await.unwrap();
    assert_eq!(done.status, OperationStatus::Succeeded);

    let user = h.client.get_user(&enrolment.user.user_id).await.unwrap();
    assert_eq!(user.status, UserStatus::Active);
    assert_eq!(user.authenticators.len(), 1);
    assert_eq!(user.authenticators[0].authenticator_type, AuthenticatorType::App);
    assert_eq!(user.authenticators[0].platform, Some(Platform::Ios));

    let approval = h.client.approve(&ApprovalRequest::push("alice").confirm("Pay CHF 10 to Bob?")).await.unwrap();
    assert_eq!(approval.user_id.as_deref(), Some(user.user_id.as_str()));
    assert_eq!(approval.authenticator_id.as_deref(), Some(user.authenticators[0].authenticator_id.as_str()));
    h.accept(&approval.transaction_id).await;
    let status = h.client.wait_for_status(approval.status_token.expose(), fast_wait()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Succeeded);
    assert_eq!(status.user_id.as_deref(), Some(user.user_id.as_str()));

    let token = status.token.expect("succeeded status carries a transaction token");
    let introspection = h.client.introspect(token.expose()).await.unwrap();
    assert!(introspection.active);
    assert_eq!(introspection.scope.as_deref(), Some("transaction"));
}

#[tokio::test]
async fn declined_approval_reports_failed_not_an_error() {
    let h = Harness::start().await;
    h.active_app_user("bob").await;
    let approval = h.client.approve(&ApprovalRequest::push("bob")).await.unwrap();
    h.decline(&approval.transaction_id).await;
    // The API answers 412 for a failed operation; the SDK reports it as the status it is.
    let status = h.client.get_status(approval.status_token.expose()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Failed);
    let waited = h.client.wait_for_status(approval.status_token.expose(), fast_wait()).await.unwrap();
    assert_eq!(waited.status, OperationStatus::Failed);
}

#[tokio::test]
async fn approval_without_a_channel_is_sent_without_one_and_approved_by_push() {
    let h = Harness::start().await;
    let user = h.active_app_user("dana").await;
    let approval = h.client.approve(&ApprovalRequest::default().username("dana")).await.unwrap();
    assert_eq!(approval.authenticator_id.as_deref(), Some(user.authenticators[0].authenticator_id.as_str()));
    assert!(approval.qr_code.is_none(), "a push, not an app approval");
    let (_, operation) = h.control("GET", &format!("/operations/{}", approval.transaction_id), None).await;
    assert_eq!(operation["channel"], "push");
    h.accept(&approval.transaction_id).await;
    let status = h.client.wait_for_status(approval.status_token.expose(), fast_wait()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Succeeded);
}

#[tokio::test]
async fn approval_expires_after_the_operation_timeout() {
    let h = Harness::start().await;
    h.active_app_user("carol").await;
    let approval = h.client.approve(&ApprovalRequest::push("carol")).await.unwrap();
    h.advance_clock(601).await;
    let status = h.client.get_status(approval.status_token.expose()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Failed);
}

#[tokio::test]
async fn usernameless_qr_approval_reveals_the_user_once_succeeded() {
    let h = Harness::start().await;
    let user = h.active_app_user("dora").await;
    let approval = h.client.approve(&ApprovalRequest::usernameless()).await.unwrap();
    assert!(approval.user_id.is_none());
    assert!(approval.qr_code.is_some());
    let pending = h.client.get_status(approval.status_token.expose()).await.unwrap();
    assert!(pending.user_id.is_none());
    h.accept(&approval.transaction_id).await;
    let done = h.client.wait_for_status(approval.status_token.expose(), fast_wait()).await.unwrap();
    assert_eq!(done.status, OperationStatus::Succeeded);
    assert_eq!(done.user_id.as_deref(), Some(user.user_id.as_str()));
    assert_eq!(done.username.as_deref(), Some("dora"));
}

#[tokio::test]
async fn sms_enrolment_and_approval_with_the_texted_code() {
    let h = Harness::start().await;
    let phone = "+41791234567";
    let enrolment =
        h.client.enroll(&EnrollRequest::sms("erin", phone).message("Your Shop code: {{CODE}}")).await.unwrap();
    let user_id = enrolment.user.user_id.clone();
    let token = enrolment.status_token().unwrap().clone();
    let sms = h.last_sms(phone).await;
    let code = sms["code"].as_str().unwrap().to_string();
    assert!(sms["text"].as_str().unwrap().contains(&code), "{sms}");

    let wrong = h.client.verify(&VerifyRequest::sms(&user_id, token.clone(), "000000x")).await.unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::BadRequest);
    h.client.verify(&VerifyRequest::sms(&user_id, token, code)).await.unwrap();
    let user = h.client.get_user(&user_id).await.unwrap();
    assert_eq!(user.status, UserStatus::Active);
    assert_eq!(user.phones.len(), 1);
    assert_eq!(user.phones[0].phone.as_deref(), Some(phone));

    let approval = h.client.approve(&ApprovalRequest::sms("erin")).await.unwrap();
    let code = h.last_sms(phone).await["code"].as_str().unwrap().to_string();
    h.client.verify(&VerifyRequest::sms(&user_id, approval.status_token, code)).await.unwrap();
}

#[tokio::test]
async fn recovery_codes_are_shown_once_and_spent_on_use() {
    let h = Harness::start().await;
    let enrolment = h.client.enroll(&EnrollRequest::recovery("frank")).await.unwrap();
    let codes = enrolment.user.recovery_codes.expect("recovery enrolment returns the codes");
    assert_eq!(codes.codes.len(), 10);
    let user_id = enrolment.user.user_id;
    let code = codes.codes[0].clone();
    h.client.verify(&VerifyRequest::recovery(&user_id, code.clone())).await.unwrap();
    let reused = h.client.verify(&VerifyRequest::recovery(&user_id, code)).await.unwrap_err();
    assert_eq!(reused.kind(), ErrorKind::BadRequest);
    let user = h.client.get_user(&user_id).await.unwrap();
    let remaining = user.recovery_codes.expect("user keeps the set");
    assert!(remaining.codes.is_empty(), "codes are never shown again");
    assert_eq!(remaining.remaining, Some(9));
    assert_eq!(h.recovery_codes(&user_id).await.len(), 9);
}

#[tokio::test]
async fn fido2_registration_and_authentication_ceremonies() {
    let h = Harness::start().await;
    let enrolment = h.client.enroll(&EnrollRequest::fido2("gina", "Gina G.")).await.unwrap();
    let enrollment = enrolment.enrollment.as_ref().unwrap();
    let options = enrollment.credential_creation_options.as_ref().expect("creation options");
    assert!(!options.challenge.is_empty());
    assert!(options.rp.is_some());
    assert_eq!(options.user.as_ref().and_then(|u| u.display_name.as_deref()), Some("Gina G."));

    let attestation = AttestationRequest {
        credential_type: "public-key".into(),
        id: "Y3JlZGVudGlhbC0x".into(),
        response: AttestationResponseData {
            client_data_json: "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0".into(),
            attestation_object: "YXR0ZXN0YXRpb24tb2JqZWN0".into(),
        },
        user_friendly_name: Some("Gina's laptop".into()),
        user_agent: Some("integration-test".into()),
        status_token: Some(enrollment.status_token.clone()),
        extra: Extra::new(),
    };
    let result = h.client.complete_attestation(&attestation).await.unwrap();
    assert_eq!(result.status, Fido2ResultStatus::Ok, "{result:?}");
    let status = h.client.wait_for_status(enrollment.status_token.expose(), fast_wait()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Succeeded);
    let user = h.client.find_user("gina").await.unwrap();
    assert_eq!(user.authenticators[0].authenticator_type, AuthenticatorType::Fido2);

    let approval = h.client.approve(&ApprovalRequest::fido2("gina")).await.unwrap();
    let request_options = approval.credential_request_options.as_ref().expect("request options");
    assert!(!request_options.allow_credentials.is_empty());
    let assertion = AssertionRequest {
        credential_type: "public-key".into(),
        id: "Y3JlZGVudGlhbC0x".into(),
        response: AssertionResponseData {
            client_data_json: "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0".into(),
            authenticator_data: "YXV0aGVudGljYXRvci1kYXRhLTM3LWJ5dGVzLWxvbmcuLi4u".into(),
            signature: "c2lnbmF0dXJl".into(),
            user_handle: "dXNlcg".into(),
        },
        user_agent: None,
        status_token: Some(approval.status_token.clone()),
        extra: Extra::new(),
    };
    let result = h.client.complete_assertion(&assertion).await.unwrap();
    assert_eq!(result.status, Fido2ResultStatus::Ok, "{result:?}");
    assert!(result.token.is_some());
    let status = h.client.wait_for_status(approval.status_token.expose(), fast_wait()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Succeeded);
}

#[tokio::test]
async fn declined_fido2_ceremony_is_a_failed_result() {
    let h = Harness::start().await;
    let enrolment = h.client.enroll(&EnrollRequest::fido2("hank", "Hank")).await.unwrap();
    let enrollment = enrolment.enrollment.unwrap();
    h.decline(&enrollment.transaction_id).await;
    let attestation = AttestationRequest {
        credential_type: "public-key".into(),
        id: "aWQ".into(),
        response: AttestationResponseData {
            client_data_json: "e30".into(),
            attestation_object: "YXR0ZXN0YXRpb24tb2JqZWN0".into(),
        },
        user_friendly_name: None,
        user_agent: None,
        status_token: Some(enrollment.status_token),
        extra: Extra::new(),
    };
    let result = h.client.complete_attestation(&attestation).await.unwrap();
    assert_eq!(result.status, Fido2ResultStatus::Failed);
    assert!(!result.error_message.is_empty());
}

#[tokio::test]
async fn intent_token_works_once_for_its_user_and_operation() {
    let h = Harness::start().await;
    h.active_app_user("ivy").await;
    let intent = h.client.create_intent(&IntentRequest::approve("ivy").channels([Channel::Push])).await.unwrap();
    let introspection = h.client.introspect(intent.token.expose()).await.unwrap();
    assert!(introspection.active);
    assert_eq!(introspection.scope.as_deref(), Some("intent"));

    // Wrong channel for this token: refused, and the token survives.
    let wrong = h.client.approve(&ApprovalRequest::app("ivy").intent_token(intent.token.clone())).await.unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::Forbidden);

    h.client.approve(&ApprovalRequest::push("ivy").intent_token(intent.token.clone())).await.unwrap();
    let reused = h.client.approve(&ApprovalRequest::push("ivy").intent_token(intent.token.clone())).await.unwrap_err();
    assert_eq!(reused.kind(), ErrorKind::Forbidden);
    assert_eq!(reused.status(), Some(403));
    assert!(!h.client.introspect(intent.token.expose()).await.unwrap().active);
}

#[tokio::test]
async fn enrol_intent_token_registers_a_new_user() {
    let h = Harness::start().await;
    let intent = h.client.create_intent(&IntentRequest::enroll("jack")).await.unwrap();
    let enrolment = h.client.enroll(&EnrollRequest::app("jack").intent_token(intent.token.clone())).await.unwrap();
    assert_eq!(enrolment.user.username.as_deref(), Some("jack"));
    let other_user = h.client.enroll(&EnrollRequest::app("kate").intent_token(intent.token)).await.unwrap_err();
    assert_eq!(other_user.kind(), ErrorKind::Forbidden);
}
