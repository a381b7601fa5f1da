//! Through an HTTP proxy: HTTPS goes through a `CONNECT` tunnel, authenticated to the proxy with
//! the credentials in the proxy URL, and the proxy sees neither the access key nor any token.

mod common;

use nevis_authcloud::{ApprovalRequest, ClientConfig, ErrorKind};

use common::Harness;
use common::proxy::{Proxy, contains};

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
async fn only_http_proxies_are_accepted_and_the_error_names_the_setting() {
    let harness = Harness::start().await;
    for proxy in ["https://proxy.example:3128", "socks5://proxy.example:1080"] {
        let config = harness.config().proxy(proxy).build().expect("a URL");
        let err = nevis_authcloud::Client::new(config).expect_err("not an http:// proxy");
        assert_eq!(err.kind(), ErrorKind::Config);
        assert_eq!(err.field(), Some("proxy"), "{err}");
        assert!(err.to_string().contains("only http:// proxies"), "{err}");
    }
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
