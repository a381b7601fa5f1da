//! `use_env_proxy`: the proxy the environment names is used only when the client allows it, and
//! `NO_PROXY` exempts a host, and a variable naming an unusable proxy is an error. A test binary of its own with a single test, because it sets the
//! process environment, which is only sound while no other thread reads it.

mod common;

use common::Harness;
use common::proxy::Proxy;

#[test]
fn the_environment_proxy_is_used_only_when_allowed_and_no_proxy_exempts_a_host() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    // SAFETY: the only test in this binary, before it starts any thread of its own.
    unsafe {
        for name in ["ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy", "https_proxy", "no_proxy", "REQUEST_METHOD"]
        {
            std::env::remove_var(name);
        }
        std::env::set_var("HTTPS_PROXY", format!("http://127.0.0.1:{port}"));
        std::env::set_var("NO_PROXY", "127.0.0.1");
    }
    listener.set_nonblocking(true).expect("non-blocking");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let proxy = Proxy::serve(
            tokio::net::TcpListener::from_std(listener).expect("listener"),
            "",
            "200 Connection established",
        );
        let h = Harness::start().await;

        h.client_with(|c| c.use_env_proxy(true)).ping().await.expect("ping through the environment's proxy");
        let heads = proxy.heads();
        assert_eq!(heads.len(), 1, "{heads:?}");
        let authority = h.sim.base_url().trim_start_matches("https://").trim_end_matches('/');
        assert!(heads[0].starts_with(&format!("CONNECT {authority} ")), "{}", heads[0]);

        // Not allowed (the default): the variable is ignored.
        h.client.ping().await.expect("direct ping");
        assert_eq!(proxy.heads().len(), 1);

        // NO_PROXY=127.0.0.1: the same simulator by that address is reached directly.
        let sim_port = authority.rsplit(':').next().expect("port");
        let by_address = h.client_with(|c| c.base_url(format!("https://127.0.0.1:{sim_port}")).use_env_proxy(true));
        by_address.ping().await.expect("direct ping to an exempt host");
        assert_eq!(proxy.heads().len(), 1);
    });
    drop(runtime);

    // A variable naming a proxy the client cannot use fails the client's construction, naming the
    // variable, instead of being skipped (which would send the access key around the proxy).
    // SAFETY: the runtime and its threads are gone; this test is the only thread left.
    unsafe { std::env::set_var("HTTPS_PROXY", "socks4://127.0.0.1:1080") };
    let config = nevis_authcloud::ClientConfig::builder()
        .base_url("https://api.example")
        .access_key("key")
        .use_env_proxy(true)
        .build()
        .expect("config");
    let err = nevis_authcloud::Client::new(config).expect_err("an unusable environment proxy");
    assert_eq!(err.kind(), nevis_authcloud::ErrorKind::Config, "{err}");
    assert!(err.to_string().contains("HTTPS_PROXY"), "{err}");
}
