//! Through a proxy: HTTPS goes through an `http://` or `https://` proxy's `CONNECT` tunnel or a
//! SOCKS5 proxy, authenticated to the proxy with the credentials in the proxy URL, and the proxy
//! sees neither the access key nor any token. The `http://` tests use the recording proxy in
//! tests/common; the others the test proxy the language suites run too (tests/proxy).

mod common;

use nevis_authcloud::{ApprovalRequest, ClientConfig, ErrorKind};

use common::Harness;
use common::proxy::{Proxy, contains};
use nevis_authcloud_test_proxy::{Kind, Proxy as TestProxy};

#[tokio::test]
async fn https_goes_through_the_proxy_tunnel_and_the_proxy_sees_no_secret() {
    let harness = Harness::start().await;
    let proxy = Proxy::start("relay:s3cret-proxy-pass@", "200 Connection established").await;
    let client = harness.client_with(|config| config.proxy(&proxy.url));

    harness.active_app_user("proxied").await;
    let approval =
        client.approve(&ApprovalRequest::push("proxied").message("Log in?")).await.expect("approval through proxy");
    client.get_status(approval.status_token.expose()).await.expect("status through proxy");

    let heads = proxy.heads();
    // One pooled connection carries both calls.
    assert_eq!(heads.len(), 1, "{heads:?}");
    let authority = harness.sim.base_url().trim_start_matches("https://").trim_end_matches('/');
    assert!(heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")), "{}", heads[0]);
    // Basic base64("relay:s3cret-proxy-pass")
    assert!(
        heads[0].to_ascii_lowercase().contains("proxy-authorization: basic cmvsyxk6cznjcmv0lxbyb3h5lxbhc3m="),
        "{}",
        heads[0]
    );

    let seen = proxy.seen();
    assert!(seen.len() > 200, "the calls crossed the tunnel ({} bytes)", seen.len());
    for secret in [harness.sim.access_key(), approval.status_token.expose(), "Authorization", "Log in?"] {
        assert!(!contains(&seen, secret.as_bytes()), "the proxy saw {secret:?} in clear text");
    }
}

#[tokio::test]
async fn a_proxy_that_refuses_the_tunnel_is_a_connection_error_and_nothing_reaches_the_api() {
    let harness = Harness::start().await;
    let proxy = Proxy::start("", "407 Proxy Authentication Required").await;
    let client = harness.client_with(|config| config.proxy(&proxy.url).max_retries(1));

    let err = client.approve(&ApprovalRequest::push("nobody-here")).await.expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
    assert_eq!(err.may_have_been_applied(), nevis_authcloud::MayHaveBeenApplied::No);
    // Nothing was sent, so even an approval is tried again.
    assert_eq!(err.attempts(), 2, "{err}");
    assert_eq!(proxy.heads().len(), 2);
    assert_eq!(harness.created("approval").await, 0);
}

#[tokio::test]
async fn unsupported_proxy_schemes_are_refused_and_the_error_names_the_setting() {
    let harness = Harness::start().await;
    for proxy in ["socks4://proxy.example:1080", "ftp://proxy.example:21"] {
        let config = harness.config().proxy(proxy).build().expect("a URL");
        let err = nevis_authcloud::Client::new(config).expect_err("not a supported proxy");
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.field(), Some("proxy"), "{err}");
        assert!(err.to_string().contains("supported are http:// and https://"), "{err}");
    }
}

/// A proxy from `authcloud-test-proxy`'s library, requiring `user`/`password` when given.
async fn test_proxy(kind: Kind, credentials: Option<(&str, &str)>) -> TestProxy {
    TestProxy::start(kind, credentials.map(|(user, password)| (user.to_string(), password.to_string())))
        .await
        .expect("test proxy starts")
}

#[tokio::test]
async fn https_proxy_tls_to_the_proxy_verified_like_the_api_then_a_tunnel() {
    let harness = Harness::start().await;
    let proxy = test_proxy(Kind::Https, Some(("relay", "s3cret-proxy-pass"))).await;
    let ca = proxy.ca_pem.clone().expect("the proxy's CA");
    let client = harness.client_with(|config| {
        config.proxy(proxy.url_with_credentials("relay", "s3cret-proxy-pass")).add_ca_certificates_pem(ca)
    });

    harness.active_app_user("proxied").await;
    let approval =
        client.approve(&ApprovalRequest::push("proxied").message("Log in?")).await.expect("approval through proxy");
    client.get_status(approval.status_token.expose()).await.expect("status through proxy");

    let authority = harness.sim.base_url().trim_start_matches("https://").trim_end_matches('/');
    // The proxy checked the credentials (it refuses without them) and opened one tunnel.
    assert_eq!(proxy.events(), vec![format!("tunnel {authority}")]);
    let seen = proxy.seen();
    assert!(seen.len() > 200, "the calls crossed the tunnel ({} bytes)", seen.len());
    for secret in [harness.sim.access_key(), approval.status_token.expose(), "Authorization", "Log in?"] {
        assert!(!contains(&seen, secret.as_bytes()), "the proxy saw {secret:?} in clear text");
    }
}

#[tokio::test]
async fn an_https_proxy_whose_certificate_is_not_trusted_is_a_tls_error_and_nothing_is_sent() {
    let harness = Harness::start().await;
    let proxy = test_proxy(Kind::Https, None).await;
    // Trusts the simulator's CA (the harness adds it) but not the proxy's.
    let client = harness.client_with(|config| config.proxy(&proxy.url).max_retries(2));

    let err = client.approve(&ApprovalRequest::push("nobody-here")).await.expect_err("untrusted proxy");
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert_eq!(err.attempts(), 1, "a TLS failure is not retried: {err}");
    assert_eq!(err.may_have_been_applied(), nevis_authcloud::MayHaveBeenApplied::No);
    assert_eq!(harness.created("approval").await, 0);
}

#[tokio::test]
async fn socks5_proxy_with_credentials_resolves_the_api_name_itself() {
    let harness = Harness::start().await;
    for scheme in ["socks5", "socks5h"] {
        let proxy = test_proxy(Kind::Socks5, Some(("relay", "s3cret-socks-pass"))).await;
        let url = proxy.url_with_credentials("relay", "s3cret-socks-pass").replacen("socks5", scheme, 1);
        let client = harness.client_with(|config| config.proxy(&url));

        harness.active_app_user(&format!("socks-{scheme}")).await;
        let approval = client
            .approve(&ApprovalRequest::push(format!("socks-{scheme}")).message("Log in?"))
            .await
            .expect("approval through SOCKS5");
        client.get_status(approval.status_token.expose()).await.expect("status through SOCKS5");

        // The client sent the name, not an address it resolved (socks5h semantics) for both schemes.
        let authority = harness.sim.base_url().trim_start_matches("https://").trim_end_matches('/');
        assert_eq!(proxy.events(), vec![format!("socks domain {authority}")], "{scheme}");
        let seen = proxy.seen();
        assert!(seen.len() > 200, "the calls crossed the proxy ({} bytes)", seen.len());
        for secret in [harness.sim.access_key(), approval.status_token.expose(), "Log in?"] {
            assert!(!contains(&seen, secret.as_bytes()), "the proxy saw {secret:?} in clear text");
        }
    }
}

#[tokio::test]
async fn wrong_proxy_credentials_are_a_connection_error_that_never_shows_the_password() {
    let harness = Harness::start().await;
    for kind in [Kind::Http, Kind::Https, Kind::Socks5] {
        let proxy = test_proxy(kind, Some(("relay", "right-password"))).await;
        let url = proxy.url_with_credentials("relay", "wrong-pass-7731");
        let ca = proxy.ca_pem.clone();
        let client = harness.client_with(|config| {
            let config = config.proxy(&url).max_retries(0);
            match ca {
                Some(ca) => config.add_ca_certificates_pem(ca),
                None => config,
            }
        });
        let err = client.approve(&ApprovalRequest::push("nobody-here")).await.expect_err("refused by the proxy");
        assert_eq!(err.kind(), ErrorKind::Connection, "{kind:?}: {err}");
        assert_eq!(err.may_have_been_applied(), nevis_authcloud::MayHaveBeenApplied::No);
        assert!(proxy.events().iter().all(|event| event.starts_with("refused")), "{:?}", proxy.events());
        for shown in [
            err.to_string(),
            format!("{err:?}"),
            format!("{:?}", harness.config().proxy(&url).build().expect("config")),
        ] {
            assert!(!shown.contains("wrong-pass-7731"), "{kind:?}: the password shows in {shown}");
        }
    }
    assert_eq!(harness.created("approval").await, 0);
}

#[tokio::test]
async fn the_plain_http_simulator_is_reached_directly_even_with_a_proxy_set() {
    let sim = nevis_authcloud_sim::Simulator::start(Default::default()).await.expect("sim");
    let proxy = Proxy::start("", "200 Connection established").await;
    let config = ClientConfig::builder().base_url(sim.base_url()).access_key(sim.access_key()).proxy(&proxy.url);
    let client = nevis_authcloud::Client::new(config.build().expect("config")).expect("client");
    client.ping().await.expect("ping");
    assert!(proxy.heads().is_empty());
}
