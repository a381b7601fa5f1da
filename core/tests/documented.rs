//! Behaviour the API reference documents, through the client against the simulator: the push
//! message's HTML tags, the FIDO2 registration defaults, a user blocked by a rate limit.

mod common;

use common::Harness;
use nevis_authcloud::{
    ApprovalRequest, Attestation, AuthenticatorAttachment, Channel, EnrollRequest, ErrorKind, MayHaveBeenApplied,
    OperationStatus, UserVerification,
};
use serde_json::json;

#[tokio::test]
async fn a_prompt_may_underline_text() {
    let h = Harness::start().await;
    h.active_app_user("ursula").await;
    let approval = ApprovalRequest::push("ursula").confirm("<html><u>Pay</u> <b>CHF 10</b>?</html>");
    let started = h.client.approve(&approval).await.expect("an underlined prompt is accepted");
    h.accept(&started.transaction_id).await;
    let status = h.client.wait_for_status(started.status_token.expose(), common::fast_wait()).await.unwrap();
    assert_eq!(status.status, OperationStatus::Succeeded, "{status:?}");
}

#[tokio::test]
async fn fido2_registration_options_are_typed_with_the_documented_defaults() {
    let h = Harness::start().await;
    let enrolled = h.client.enroll(&EnrollRequest::fido2("fay", "Fay")).await.unwrap();
    let options = enrolled.enrollment.unwrap().credential_creation_options.unwrap();
    let selection = options.authenticator_selection.unwrap();
    assert_eq!(selection.require_resident_key, Some(true));
    assert_eq!(selection.authenticator_attachment, Some(AuthenticatorAttachment::Platform));
    assert_eq!(selection.user_verification, Some(UserVerification::Preferred));
    assert_eq!(options.timeout, Some(10_000));
    assert_eq!(options.attestation, Some(Attestation::Direct));
}

#[tokio::test]
async fn a_blocked_user_shows_exceeded_rate_limits_and_gets_no_push() {
    let h = Harness::start().await;
    let user = h.active_app_user("blocked").await;
    assert_eq!(user.exceeded_rate_limits, None);
    let (status, _) = h
        .control("POST", &format!("/users/{}/rate-limits", user.user_id), Some(json!({"channels": ["push", "sms"]})))
        .await;
    assert_eq!(status, 200);
    let blocked = h.client.get_user(&user.user_id).await.unwrap();
    assert_eq!(blocked.exceeded_rate_limits, Some(vec![Channel::Sms, Channel::Push]));

    let before = h.created("approval").await;
    let refused = h.client.approve(&ApprovalRequest::push("blocked")).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::BadRequest);
    assert_eq!(refused.status(), Some(400));
    assert_eq!(refused.may_have_been_applied(), MayHaveBeenApplied::No);
    let message = refused.api().and_then(|api| api.message.clone()).unwrap_or_default();
    assert!(message.contains("push rate limit"), "{message}");
    assert_eq!(h.created("approval").await, before, "not sent again on the SDK's own initiative either");
}
