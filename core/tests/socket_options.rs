//! Every connection the client opens carries TCP keepalive and a TCP user timeout, so a path that
//! died (a NAT that forgot the mapping, a firewall dropping packets) is found by the kernel instead
//! of by the request timeout. The options are read back with `getsockopt` from the client's real
//! sockets, found among this process's descriptors by the address they are connected to.

#![cfg(target_os = "linux")]

mod common;

use std::os::fd::RawFd;

use common::Harness;
use common::proxy::Proxy;
use nevis_authcloud::{Client, ClientConfig};
use nevis_authcloud_sim::{SimOptions, Simulator};

#[tokio::test]
async fn direct_connections_have_keepalive_and_a_user_timeout() {
    let sim = Simulator::start(SimOptions::default()).await.expect("simulator");
    let config = ClientConfig::builder().base_url(sim.base_url()).access_key(sim.access_key());
    let client = Client::new(config.build().expect("config")).expect("client");
    client.ping().await.expect("ping");

    let sockets = sockets_connected_to(sim.local_addr().port());
    assert_eq!(sockets.len(), 1, "one pooled connection to the simulator");
    assert_hygiene(sockets[0]);
}

#[tokio::test]
async fn the_connection_to_a_proxy_has_keepalive_and_a_user_timeout() {
    let harness = Harness::start().await;
    let proxy = Proxy::start("", "200 Connection established").await;
    let client = harness.client_with(|config| config.proxy(&proxy.url));
    client.ping().await.expect("ping through the proxy");

    let proxy_port: u16 = proxy.url.rsplit(':').next().and_then(|port| port.parse().ok()).expect("proxy port");
    let sockets = sockets_connected_to(proxy_port);
    assert_eq!(sockets.len(), 1, "one pooled connection to the proxy");
    assert_hygiene(sockets[0]);
}

fn assert_hygiene(fd: RawFd) {
    assert_eq!(option(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1, "SO_KEEPALIVE");
    assert_eq!(option(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE), 15, "TCP_KEEPIDLE (s)");
    assert_eq!(option(fd, libc::IPPROTO_TCP, libc::TCP_KEEPINTVL), 5, "TCP_KEEPINTVL (s)");
    assert_eq!(option(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT), 3, "TCP_KEEPCNT");
    assert_eq!(option(fd, libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT), 20_000, "TCP_USER_TIMEOUT (ms)");
}

/// This process's TCP sockets whose peer is `127.0.0.1:port`: the client's side of a connection to
/// a server (or proxy) listening there.
fn sockets_connected_to(port: u16) -> Vec<RawFd> {
    let entries = std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd");
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(fd) = entry.file_name().to_str().and_then(|name| name.parse::<RawFd>().ok()) else { continue };
        // SAFETY: `sockaddr_in` is plain data; getpeername writes at most `len` bytes into it and
        // fails harmlessly on a descriptor that is not a connected socket (or was closed meanwhile).
        let mut address: libc::sockaddr_in = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        // SAFETY: `address` and `len` are live locals of the sizes getpeername is told.
        let ok = unsafe { libc::getpeername(fd, (&mut address as *mut libc::sockaddr_in).cast(), &mut len) } == 0;
        if ok
            && address.sin_family == libc::AF_INET as libc::sa_family_t
            && u16::from_be(address.sin_port) == port
            && u32::from_be(address.sin_addr.s_addr) == u32::from(std::net::Ipv4Addr::LOCALHOST)
        {
            found.push(fd);
        }
    }
    found
}

fn option(fd: RawFd, level: libc::c_int, name: libc::c_int) -> libc::c_int {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: a live socket descriptor and a writable c_int of the size passed.
    let status = unsafe { libc::getsockopt(fd, level, name, (&mut value as *mut libc::c_int).cast(), &mut len) };
    assert_eq!(status, 0, "getsockopt({level}, {name}): {}", std::io::Error::last_os_error());
    value
}
