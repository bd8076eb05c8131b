//! Block-wise transfers (RFC 7959) between our CoAP endpoint and real peers on loopback:
//! libcoap's `coap-client-notls -b`, `aiocoap-client` (block-wise on its own above 1024 bytes)
//! and the aiocoap library observing (`tests/py/observe_client.py --summary`) against our
//! `coap-server`'s plugtest block resources (`/large`, `/large-update`, `/large-create`,
//! `/large-post`, `/obs-large`); and our `coap-client -b` against libcoap's `coap-server-notls`
//! (`-d 10`: a PUT creates a resource that takes a body in Block1 blocks and serves it in Block2
//! blocks; `/example_data`, 1500 bytes) and against the aiocoap server script (`/large`, 2500
//! bytes, PUT replaces it; `/large-post` answers a POST with its body in upper case).
//!
//! Bodies are compared byte for byte: files through `-o` on both clients (libcoap's adds nothing
//! with `-o`, ours neither), aiocoap-client's stdout (nothing added on a pipe). A missing peer
//! prints `SKIP: ...` and passes outside CI, and fails in CI (`CI=true`). The peers' flags and
//! output are described at the top of `interop_coap_harness.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod coap_common;

use std::process::Command;
use std::time::Duration;

use coap_codec::wire::{Block, Message, OptionNumber};
use coap_common::{ours_ok, pattern, received, sent, LogOnPanic, OurServer, TempFile};
use net::coap_peers::{
    aiocoap_client_or_skip, aiocoap_server_or_skip, libcoap_client_or_skip, libcoap_server_or_skip,
    python_with_aiocoap_or_skip, run_aiocoap_client, run_libcoap_client, run_with_timeout, ClientOutput,
};
use net::coap_resources::{large_body, obs_large_body};

/// The hard bound on each peer client run; libcoap's also gets `-B` a little below it.
const CLIENT: Duration = Duration::from_secs(20);
const GIVE_UP: &str = "15";

/// The aiocoap library observer.
const OBSERVE_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/observe_client.py");

fn libcoap(args: &[&str]) -> ClientOutput {
    let args: Vec<&str> = ["-B", GIVE_UP].iter().chain(args).copied().collect();
    run_libcoap_client(&args, CLIENT).unwrap()
}

fn aiocoap(args: &[&str]) -> ClientOutput {
    run_aiocoap_client(args, CLIENT).unwrap()
}

/// Text a peer can carry as it is (aiocoap-client's `--payload @FILE`, libcoap's `-f`): 64-byte
/// numbered lines, so that a misplaced block shows.
fn text(n: usize) -> Vec<u8> {
    let mut body: Vec<u8> =
        (0..).flat_map(|i| format!("{i:05} block-wise interop text {:.<36}\n", "").into_bytes()).take(n).collect();
    body.truncate(n);
    body
}

/// The Block option `n` of each frame of our client's trace that has one.
fn blocks(frames: &[Vec<u8>], n: OptionNumber) -> Vec<Block> {
    frames.iter().filter_map(|f| Message::new_checked(&f[..]).unwrap().option(n).and_then(Block::decode)).collect()
}

// ---------------------------------------------------------------------------------------------
// The peers' clients against our server.

#[test]
fn libcoap_client_gets_large_from_our_server_in_64_byte_blocks() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let file = TempFile::new("large", b"");
    let out = libcoap(&["-b", "64", "-v", "7", "-o", file.path(), &s.uri("coap", "/large")]);
    assert_eq!(file.read(), large_body(), "{out}");
    // TD_COAP_BLOCK_01: early negotiation, then 30 blocks of 64 (`-v 7` logs each PDU).
    let text = out.stdout_text();
    assert!(text.contains("Block2:0/_/64") && text.contains("Block2:0/M/64"), "{out}");
    assert!(text.contains("Block2:29/_/64"), "{out}");
    // TD_COAP_BLOCK_02: no block size asked for, the server's 1024.
    let file = TempFile::new("large", b"");
    let out = libcoap(&["-v", "7", "-o", file.path(), &s.uri("coap", "/large")]);
    assert_eq!(file.read(), large_body(), "{out}");
    assert!(out.stdout_text().contains("Block2:0/M/1024"), "{out}");
}

#[test]
fn libcoap_client_puts_and_posts_large_files_to_our_server() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    // TD_COAP_BLOCK_03: PUT in Block1 blocks of 64, then GET it back.
    let body = pattern(5 * 1024);
    let file = TempFile::new("put", &body);
    let out = libcoap(&["-b", "64", "-m", "put", "-t", "42", "-f", file.path(), &s.uri("coap", "/large-update")]);
    assert!(out.stderr.is_empty(), "no error response: {out}");
    assert!(s.logged("CON PUT /large-update -> 2.04 Changed"), "{out}");
    assert_eq!(s.count_logged("PUT /large-update"), 1, "one reassembled request");
    let back = TempFile::new("back", b"");
    let out = libcoap(&["-o", back.path(), &s.uri("coap", "/large-update")]);
    assert_eq!(back.read(), body, "{out}");

    // TD_COAP_BLOCK_04: POST creates; the answer names it.
    let body = text(3000);
    let file = TempFile::new("create", &body);
    let out = libcoap(&[
        "-b",
        "128",
        "-m",
        "post",
        "-t",
        "text",
        "-v",
        "7",
        "-f",
        file.path(),
        &s.uri("coap", "/large-create"),
    ]);
    assert!(out.stdout_text().contains("c:2.01 ") && out.stdout_text().contains("Location-Path:1"), "{out}");
    let back = TempFile::new("created", b"");
    libcoap(&["-o", back.path(), &s.uri("coap", "/large-create/1")]);
    assert_eq!(back.read(), body);

    // TD_COAP_BLOCK_05: POST in blocks, the answer in blocks.
    let answer = TempFile::new("answer", b"");
    let out = libcoap(&[
        "-b",
        "64",
        "-m",
        "post",
        "-t",
        "text",
        "-f",
        file.path(),
        "-o",
        answer.path(),
        &s.uri("coap", "/large-post"),
    ]);
    assert_eq!(answer.read(), body.to_ascii_uppercase(), "{out}");
}

#[test]
fn aiocoap_client_gets_puts_and_posts_large_bodies_on_our_server() {
    if aiocoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = aiocoap(&[&s.uri("coap", "/large")]);
    assert!(out.success(), "{out}");
    assert_eq!(out.stdout, large_body(), "{out}");

    let body = text(4000);
    let file = TempFile::new("put", &body);
    let payload = format!("@{}", file.path());
    let out = aiocoap(&["-m", "PUT", "--content-format", "0", "--payload", &payload, &s.uri("coap", "/large-update")]);
    assert!(out.success(), "{out}");
    assert_eq!(s.count_logged("PUT /large-update -> 2.04 Changed"), 1, "{}", s.log());
    let out = aiocoap(&[&s.uri("coap", "/large-update")]);
    assert_eq!(out.stdout, body, "{out}");

    // aiocoap starts Block1 at 1024 bytes; `--payload-initial-szx 2` at 64.
    let out =
        aiocoap(&["-m", "POST", "--payload-initial-szx", "2", "--payload", &payload, &s.uri("coap", "/large-post")]);
    assert!(out.success(), "{out}");
    assert_eq!(out.stdout, body.to_ascii_uppercase(), "{out}");
}

#[test]
fn aiocoap_library_observes_obs_large_in_blocks() {
    let Some(python) = python_with_aiocoap_or_skip() else { return };
    let s = OurServer::start(&["--obs-interval-ms", "300"]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = run_with_timeout(
        Command::new(python).args([OBSERVE_SCRIPT, "--summary", "--seconds", "2", &s.uri("coap", "/obs-large")]),
        CLIENT,
    )
    .unwrap();
    assert!(out.success(), "{out}");
    // `response 2.05 Content ACK observe=<n> len=1472 first=obs-large <k> ....`
    let values: Vec<u64> = out
        .lines()
        .iter()
        .filter(|l| l.starts_with("response ") || l.starts_with("notification "))
        .map(|l| {
            let expected = obs_large_body(0).len();
            assert!(l.contains(&format!(" len={expected} first=obs-large ")), "each body whole: {l}\n{out}");
            l.split("first=obs-large ").nth(1).and_then(|r| r.split(' ').next()).unwrap().parse().unwrap()
        })
        .collect();
    assert!(values.len() >= 4, "the response and notifications every 300 ms for 2 s: {out}");
    assert!(values.windows(2).all(|w| w[0] < w[1]), "increasing: {values:?}");
}

// ---------------------------------------------------------------------------------------------
// Our client against the peers' servers.

#[test]
fn our_client_puts_and_gets_large_bodies_on_libcoap_server() {
    let Some(server) = libcoap_server_or_skip(&["-d", "10"]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("coap-server-notls", &log);
    // A dynamic resource (-d): the first PUT creates it, in Block1 blocks of 64.
    let body = pattern(5 * 1024);
    let file = TempFile::new("put", &body);
    let out = ours_ok(&["-m", "put", "-b", "64", "-f", file.path(), "-v", &server.uri("/blob")]);
    assert!(out.stderr_text().contains("2.01 Created"), "{out}");
    assert_eq!(blocks(&sent(&out), OptionNumber::BLOCK1).len(), 80, "{out}");
    let back = TempFile::new("back", b"");
    let out = ours_ok(&["-b", "256", "-v", "-o", back.path(), &server.uri("/blob")]);
    assert_eq!(back.read(), body, "{out}");
    assert_eq!(blocks(&received(&out), OptionNumber::BLOCK2).len(), 20, "5 KiB in blocks of 256: {out}");

    // /example_data: 1500 bytes, in 16-byte blocks.
    let data = TempFile::new("example", b"");
    let out = ours_ok(&["-b", "16", "-v", "-o", data.path(), &server.uri("/example_data")]);
    let got = data.read();
    assert_eq!(got.len(), 1500, "{out}");
    assert!(got.starts_with(b"a123456789b123456789c123456789"), "{out}");
    assert_eq!(blocks(&received(&out), OptionNumber::BLOCK2).len(), 94, "{out}");
}

#[test]
fn our_client_gets_puts_and_posts_large_bodies_on_aiocoap_server() {
    let Some(server) = aiocoap_server_or_skip(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    // The script's /large: 2500 bytes of 40-byte lines `large 0000 abcdefghijklmnopqrstuvwxyz01`.
    let expected: Vec<u8> =
        (0..63).flat_map(|i| format!("large {i:04} abcdefghijklmnopqrstuvwxyz01\n").into_bytes()).take(2500).collect();
    for size in ["1024", "64"] {
        let file = TempFile::new("large", b"");
        let out = ours_ok(&["-b", size, "-o", file.path(), &server.uri("/large")]);
        assert_eq!(file.read(), expected, "-b {size}: {out}");
    }
    // PUT replaces it (aiocoap reassembles Block1), GET gives it back.
    let body = pattern(3000);
    let file = TempFile::new("put", &body);
    let out = ours_ok(&["-m", "put", "-b", "256", "-f", file.path(), "-v", &server.uri("/large")]);
    assert_eq!(blocks(&sent(&out), OptionNumber::BLOCK1).len(), 12, "{out}");
    assert!(server.log().contains("request PUT /large CON") && server.log().contains("len=3000"), "one whole PUT");
    let back = TempFile::new("back", b"");
    ours_ok(&["-o", back.path(), &server.uri("/large")]);
    assert_eq!(back.read(), body);
    // /large-post: block-wise both ways.
    let body = text(2200);
    let file = TempFile::new("post", &body);
    let answer = TempFile::new("answer", b"");
    let out =
        ours_ok(&["-m", "post", "-b", "128", "-f", file.path(), "-o", answer.path(), "-v", &server.uri("/large-post")]);
    assert_eq!(answer.read(), body.to_ascii_uppercase(), "{out}");
    assert_eq!(blocks(&sent(&out), OptionNumber::BLOCK1).len(), 18, "2200 bytes are 18 blocks of 128: {out}");
    // RFC 7959 §3.3: the last Block1 block asks for 128-byte answer blocks (early negotiation,
    // the endpoint's since -b 128 is below 1024), and aiocoap answers in them from block 0.
    let down = blocks(&received(&out), OptionNumber::BLOCK2);
    assert_eq!(down.len(), 18, "2200 bytes are 18 blocks of 128: {out}");
    assert!(down.iter().enumerate().all(|(i, b)| b.num == i as u32 && b.szx == 3), "{down:?}");
}

/// TD_COAP_BLOCK with Observe (RFC 7959 §3.4): libcoap's client observes `/obs-large` in
/// 256-byte blocks; every notification it prints is the whole 1,472-byte body, fetched block by
/// block, with increasing values.
#[test]
fn libcoap_client_observes_obs_large_in_256_byte_blocks() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&["--obs-interval-ms", "400"]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = libcoap(&["-b", "256", "-s", "3", &s.uri("coap", "/obs-large")]);
    let text = out.stdout_text();
    // Each body starts with its `obs-large <n>` line; libcoap prints the bodies back to back.
    let values: Vec<u64> =
        text.split("obs-large ").filter_map(|rest| rest.split(' ').next().and_then(|n| n.parse().ok())).collect();
    assert!(values.len() >= 3, "the response and at least 2 notifications: {out}");
    assert!(values.windows(2).all(|w| w[0] < w[1]), "increasing: {values:?}\n{out}");
    let bodies = text.matches("obs-large line 22 of 22").count();
    assert_eq!(bodies, values.len(), "every body whole, to its last line: {out}");
    assert!(text.len() >= values.len() * obs_large_body(0).len() - values.len(), "{out}");
}
