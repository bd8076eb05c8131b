//! Interop of our CoAP over TCP and WebSockets (RFC 8323) with real peers on loopback: libcoap's
//! `coap-client-notls` with `coap+tcp://` against our `coap-server` (GET, PUT, an error, Observe
//! with `-s`), our `coap-client` with `coap+tcp://` against `coap-server-notls` (whose `-p PORT`
//! opens TCP on the UDP port number), `aiocoap-client` with `coap+tcp://` and `coap+ws://`
//! against our server, and our client against the aiocoap server script
//! (`tests/py/coap_server.py --transports udp,tcp,ws`: TCP on its port, WebSockets on the port
//! plus 3000). libcoap 4.3.1 has no WebSockets (they came in 4.3.2); aiocoap's need the
//! `websockets` package.
//!
//! What the peers do on these transports (libcoap 4.3.1, aiocoap 0.4.17 with websockets 15):
//! - Both send a CSM with Max-Message-Size and Block-Wise-Transfer (libcoap's server
//!   `50 e1 23 80 01 00 20`: 8,388,864 bytes; aiocoap's `50 e1 23 10 00 00 20`: 1 MiB), and
//!   libcoap's client waits for the server's CSM before it sends its request; ours does not
//!   wait (RFC 8323 §3.3 lets the initiator go on).
//! - aiocoap's client ends each connection with a 7.04 Release; libcoap's and ours just close.
//! - libcoap's client sends Observe deregistration (GET, Observe 1) as it exits after `-s`, on
//!   the same connection, before closing it.
//!
//! A missing peer prints `SKIP: ...` and passes outside CI, and fails in CI (`CI=true`). Each
//! test has its own server processes (free ports, killed on drop) and runs in parallel with the
//! others; the slowest observe for 2 s.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod coap_common;

use std::time::Duration;

use coap_common::{ours, ours_ok, received, sent, LogOnPanic, OurServer};
use net::coap_peers::{
    aiocoap_client_or_skip, aiocoap_server_or_skip, aiocoap_websockets_or_skip, libcoap_client_or_skip,
    libcoap_server_or_skip, run_aiocoap_client, run_libcoap_client, ClientOutput,
};

/// The hard bound on each peer's client run; libcoap's client also gets `-B` below it.
const CLIENT: Duration = Duration::from_secs(20);
const GIVE_UP: &str = "15";

fn libcoap(args: &[&str]) -> ClientOutput {
    let args: Vec<&str> = ["-B", GIVE_UP].iter().chain(args).copied().collect();
    run_libcoap_client(&args, CLIENT).unwrap()
}

fn aiocoap(args: &[&str]) -> ClientOutput {
    run_aiocoap_client(args, CLIENT).unwrap()
}

/// The code byte of a TCP frame (after Len/TKL and the extended length, RFC 8323 §3.2).
fn tcp_code(frame: &[u8]) -> u8 {
    let ext = match frame[0] >> 4 {
        13 => 1,
        14 => 2,
        15 => 4,
        _ => 0,
    };
    frame[1 + ext]
}

// ---------------------------------------------------------------------------------------------
// libcoap (TCP only).

#[test]
fn libcoap_client_gets_and_puts_over_tcp_on_our_server() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = libcoap(&["-v", "7", &s.uri("coap+tcp", "/test")]);
    let text = out.stdout_text();
    // Both CSMs in libcoap's PDU log, then our answer's body.
    assert!(text.matches("c:CSM").count() >= 2, "{out}");
    assert!(text.contains("Code: 1 (GET)\nMID: 0\nToken: "), "{out}");
    assert!(s.logged("TCP GET /test -> 2.05 Content"), "{out}");

    let out = libcoap(&["-m", "put", "-t", "text", "-e", "21.5", &s.uri("coap+tcp", "/test")]);
    assert_eq!((out.stdout_text().as_str(), out.stderr_text().as_str()), ("", ""), "{out}");
    assert!(s.logged("TCP PUT /test -> 2.04 Changed"), "{out}");
    let out = libcoap(&[&s.uri("coap+tcp", "/nothing")]);
    // Our 4.04 has no diagnostic payload, so libcoap prints the bare code.
    assert_eq!(out.stderr_text().trim_end(), "4.04", "{out}");
    assert!(s.logged("TCP connection closed: transport closed"));
}

#[test]
fn libcoap_client_observes_over_tcp_on_our_server() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&["--obs-interval-ms", "300"]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    // `-w`: one line per body; the registration's response, then the notifications.
    let out = libcoap(&["-w", "-s", "2", &s.uri("coap+tcp", "/obs")]);
    let values: Vec<u64> = out.lines().iter().map(|l| l.parse().unwrap()).collect();
    assert!(values.len() >= 4, "the response and notifications every 300 ms for 2 s: {out}");
    assert!(values.windows(2).all(|w| w[0] < w[1]), "increasing: {values:?}");
    // libcoap deregisters on the same connection as it exits (RFC 8323 §7.4).
    assert!(s.logged("observer removed: Deregistered"), "{out}");
}

#[test]
fn our_client_over_tcp_against_libcoap_server() {
    let Some(server) = libcoap_server_or_skip(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("libcoap coap-server", &log);
    assert!(!server.log().contains("cannot create TCP endpoint"), "the TCP port was taken: {}", server.log());

    let out = ours_ok(&["-v", &server.tcp_uri("/.well-known/core")]);
    assert!(out.stdout_text().contains("</time>;if=\"clock\""), "{out}");
    // Our CSM first (Max-Message-Size 16,640 and Block-Wise-Transfer, RFC 8323 §5.3), then the
    // GET without waiting; libcoap's CSM first.
    assert_eq!(sent(&out)[0], [0x40, 0xE1, 0x22, 0x41, 0x00, 0x20], "{out}");
    assert_eq!(tcp_code(&received(&out)[0]), 0xE1, "{out}");
    assert!(server.log().contains("c:CSM"), "libcoap logged our CSM");

    let uri = server.tcp_uri("/example_data");
    let put = ours_ok(&["-m", "put", "-t", "json", "-e", "{\"t\":2}", "-v", &uri]);
    // libcoap 4.3.1 answers the first PUT of its example data with 2.01, later ones with 2.04.
    assert!(put.stderr_text().contains("2.01 Created") || put.stderr_text().contains("2.04 Changed"), "{put}");
    assert_eq!(ours_ok(&[&uri]).stdout_text(), "{\"t\":2}\n");
    let nf = ours(&[&server.tcp_uri("/nothing")]);
    assert!(nf.stderr_text().contains("4.04 Not Found"), "{nf}");

    // /time notifies every second.
    let obs = ours_ok(&["-s", "2", &server.tcp_uri("/time")]);
    assert!(obs.lines().len() >= 2, "the response and a notification: {obs}");
    assert!(server.log().contains("Observe:1"), "deregistered (RFC 8323 §7.4): {}", server.log());
}

// ---------------------------------------------------------------------------------------------
// aiocoap.

#[test]
fn aiocoap_client_over_tcp_against_our_server() {
    if aiocoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = aiocoap(&[&s.uri("coap+tcp", "/test")]);
    assert!(out.success(), "{out}");
    assert!(out.stdout_text().contains("Code: 1 (GET)"), "{out}");
    let out = aiocoap(&["-m", "POST", &s.uri("coap+tcp", "/test")]);
    assert!(out.stderr_text().contains("/location1/location2/location3"), "{out}");
    // aiocoap ends its connection with a Release (RFC 8323 §5.5).
    assert!(s.logged("TCP connection closed: the peer released the connection (RFC 8323 §5.5)"), "{}", s.log());
}

#[test]
fn aiocoap_client_over_websockets_against_our_server() {
    if aiocoap_client_or_skip().is_none() || aiocoap_websockets_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = aiocoap(&[&s.uri("coap+ws", "/test")]);
    assert!(out.success(), "{out}");
    assert!(out.stdout_text().contains("Code: 1 (GET)"), "{out}");
    let out = aiocoap(&["-m", "PUT", "--payload", "21.5", &s.uri("coap+ws", "/test")]);
    assert!(out.success() && out.stderr.is_empty(), "{out}");
    assert!(s.logged("WS PUT /test -> 2.04 Changed"), "{}", s.log());
    let out = aiocoap(&[&s.uri("coap+ws", "/nothing")]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out}");
    assert!(out.stderr_text().starts_with("4.04 Not Found"), "{out}");
}

#[test]
fn our_client_over_tcp_against_aiocoap_server() {
    let Some(server) =
        aiocoap_server_or_skip(&["--transports", "udp,tcp", "--obs-interval", "0.3", "--separate-delay", "0.5"])
    else {
        return;
    };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let out = ours_ok(&["-v", &server.tcp_uri("/test")]);
    assert_eq!(out.stdout_text(), "hello\n", "{out}");
    // aiocoap's CSM: Max-Message-Size and Block-Wise-Transfer.
    assert_eq!(tcp_code(&received(&out)[0]), 0xE1, "{out}");
    let out = ours_ok(&["-m", "post", "-v", &server.tcp_uri("/test")]);
    assert!(out.stderr_text().contains("2.01 Created"), "{out}");
    let out = ours_ok(&[&server.tcp_uri("/separate")]);
    assert_eq!(out.stdout_text(), "separate\n", "{out}");
    let obs = ours_ok(&["-s", "1", &server.tcp_uri("/obs")]);
    let values: Vec<u64> = obs.lines().iter().map(|l| l.parse().unwrap()).collect();
    assert!(values.len() >= 3 && values.windows(2).all(|w| w[0] < w[1]), "{obs}");
    let log = server.log();
    assert!(log.contains("request POST /test - ") && log.contains("observe=0"), "{log}");
}

#[test]
fn our_client_over_websockets_against_aiocoap_server() {
    if aiocoap_websockets_or_skip().is_none() {
        return;
    }
    let Some(server) = aiocoap_server_or_skip(&["--transports", "udp,ws", "--obs-interval", "0.3"]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let out = ours_ok(&["-v", &server.ws_uri("/test")]);
    assert_eq!(out.stdout_text(), "hello\n", "{out}");
    // WebSocket messages have Len 0 (RFC 8323 §4.2): the code is the second byte. Our CSM
    // announces Max-Message-Size 16,640 and Block-Wise-Transfer (§5.3).
    assert_eq!(sent(&out)[0], [0x00, 0xE1, 0x22, 0x41, 0x00, 0x20], "{out}");
    assert_eq!(received(&out)[0][..2], [0x00, 0xE1], "{out}");
    let out = ours_ok(&["-m", "put", "-e", "x", "-v", &server.ws_uri("/test")]);
    assert!(out.stderr_text().contains("2.04 Changed"), "{out}");
    let obs = ours_ok(&["-s", "1", &server.ws_uri("/obs")]);
    let values: Vec<u64> = obs.lines().iter().map(|l| l.parse().unwrap()).collect();
    assert!(values.len() >= 3 && values.windows(2).all(|w| w[0] < w[1]), "{obs}");
    let nf = ours(&[&server.ws_uri("/nothing")]);
    assert_eq!(nf.status.and_then(|s| s.code()), Some(1), "{nf}");
    assert!(nf.stderr_text().contains("4.04 Not Found"), "{nf}");
}
