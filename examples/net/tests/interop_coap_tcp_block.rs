//! Block-wise transfers over TCP (RFC 8323 §6, BERT; RFC 7959) with real peers on loopback:
//! libcoap's `coap-client-notls` with `coap+tcp://` against our `coap-server` (a 40 KiB PUT to
//! `/large-update` and GETs back, `-b` sizes), our `coap-client` with `coap+tcp://` against
//! `coap-server-notls -d 10`, `aiocoap-client` with `coap+tcp://` against our server, and our
//! client against the aiocoap server script (`tests/py/coap_server.py --transports udp,tcp`).
//! Our server and client announce Block-Wise-Transfer and a 16,640-byte Max-Message-Size.
//!
//! What the peers do (observed with libcoap 4.3.1 and aiocoap 0.4.17; the tests assert it):
//! - Both announce Block-Wise-Transfer in their CSM (libcoap Max-Message-Size 8,388,864 or its
//!   `-X`, aiocoap 1 MiB), and both do BERT (SZX 7, RFC 8323 §6) both ways.
//! - A body larger than the peer's Max-Message-Size goes in BERT blocks; a smaller one goes
//!   whole: our 40 KiB answers go whole to both clients (their limits are far above 40 KiB), and
//!   our client's 40 KiB PUT goes whole to both servers. libcoap's `-X 16640` makes our server
//!   answer in BERT blocks, which libcoap follows.
//! - libcoap's client sends a body over our limit in BERT blocks from block 0 (16 KiB units
//!   within our 16,640 bytes), with Size1 and a Request-Tag and a new token per block. Its `-b`
//!   sizes over TCP are plain blocks of that size (no BERT), Block2 in the first GET too.
//! - aiocoap's client starts an upload with a 1024-byte block (SZX 6); our 2.31 answers with
//!   Block1 SZX 7, and aiocoap goes on in 16 KiB BERT blocks from the offset reached (block 1).
//! - aiocoap's and libcoap's servers answer our client's GET of 40 KiB in BERT blocks of 16 KiB
//!   (libcoap with ETag and Size2, aiocoap without), which our client follows.
//!
//! A missing peer prints `SKIP: ...` and passes outside CI, and fails in CI (`CI=true`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod coap_common;

use std::time::{Duration, Instant};

use coap_codec::wire::{tcp, Block, Code, OptionNumber};
use coap_common::{ours_ok, pattern, received, sent, LogOnPanic, OurServer, TempFile};
use net::coap_peers::{
    aiocoap_client_or_skip, aiocoap_server_or_skip, libcoap_client_or_skip, libcoap_server_or_skip, run_aiocoap_client,
    run_libcoap_client, ClientOutput,
};
use net::coap_resources::large_body;

/// The hard bound on each peer's client run; libcoap's client also gets `-B` below it.
const CLIENT: Duration = Duration::from_secs(30);
const GIVE_UP: &str = "25";
/// The body both ways: 40 KiB, more than the 16,640-byte Max-Message-Size we announce.
const BODY: usize = 40 * 1024;

fn libcoap(args: &[&str]) -> ClientOutput {
    let args: Vec<&str> = ["-B", GIVE_UP].iter().chain(args).copied().collect();
    run_libcoap_client(&args, CLIENT).unwrap()
}

/// libcoap's `-v 7` PDU log (one `v:1 t:... c:...` line per PDU, stdout and stderr together).
fn pdus(out: &ClientOutput) -> String {
    format!("{}{}", out.stdout_text(), out.stderr_text())
}

/// Whether `log` shows all of `needles` within 5 s (a peer's log is read from a pipe by another
/// thread, so what it wrote before answering may not be here yet).
fn shows(log: &dyn Fn() -> String, needles: &[&str]) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let text = log();
        if needles.iter().all(|n| text.contains(n)) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The decoded messages of TCP frames.
fn frames(frames: &[Vec<u8>]) -> Vec<(Code, Option<Block>, Option<Block>, usize)> {
    frames
        .iter()
        .filter(|f| !f.is_empty())
        .map(|f| {
            let tcp::Status::Complete { item, .. } = tcp::decode_frame(f).unwrap() else { panic!("{f:?}") };
            let block = |n| item.options().find(|o| o.number == n).map(|o| Block::decode(o.value).unwrap());
            (item.code(), block(OptionNumber::BLOCK1), block(OptionNumber::BLOCK2), item.payload().len())
        })
        .collect()
}

/// The Block2 values and payload lengths of the frames that carry Block2.
fn block2s(f: &[Vec<u8>]) -> Vec<(Block, usize)> {
    frames(f).into_iter().filter_map(|(_, _, b2, len)| b2.map(|b| (b, len))).collect()
}

// ---------------------------------------------------------------------------------------------
// libcoap's client against our server.

#[test]
fn libcoap_client_puts_40_kib_in_bert_blocks_and_gets_it_back_over_tcp() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let uri = s.uri("coap+tcp", "/large-update");
    let body = pattern(BODY);
    let file = TempFile::new("tcp-put", &body);
    let out = libcoap(&["-v", "7", "-m", "put", "-t", "42", "-f", file.path(), &uri]);
    let log_ = pdus(&out);
    // Both CSMs announce Block-Wise-Transfer (RFC 8323 §5.3.2).
    assert!(log_.contains("c:CSM i:0000 {} [ Max-Message-Size:8388864, Block-Wise-Transfer: ]"), "{out}");
    assert!(log_.contains("c:CSM i:0000 {} [ Max-Message-Size:16640, Block-Wise-Transfer: ]"), "{out}");
    // BERT from block 0 (RFC 8323 §6): 16 KiB, 16 KiB, 8 KiB; NUM counts 1024-byte units.
    for block in ["Block1:0/M/BERT(16384), Size1:40960", "Block1:16/M/BERT(16384)", "Block1:32/_/BERT(8192)"] {
        assert!(log_.contains(block), "{block}: {out}");
    }
    assert!(log_.contains("c:2.31 i:0000 {01} [ Block1:0/M/BERT ]"), "{out}");
    assert!(log_.contains("c:2.04") && !log_.contains("Block1:1/"), "{out}");
    // The resource saw one PUT with the whole body.
    assert_eq!(s.count_logged("TCP PUT /large-update -> 2.04 Changed"), 1, "{}", s.log());

    // Back with libcoap's Max-Message-Size at ours (-X): our answer goes in BERT blocks, and
    // libcoap asks for the next by NUM in 1024-byte units.
    let back = TempFile::new("tcp-back", b"");
    let out = libcoap(&["-v", "7", "-X", "16640", "-o", back.path(), &uri]);
    assert_eq!(back.read(), body, "{out}");
    let log_ = pdus(&out);
    for block in ["Block2:0/M/BERT(16384), Size2:40960", "Block2:16/_/BERT ]", "Block2:32/_/BERT(8192)"] {
        assert!(log_.contains(block), "{block}: {out}");
    }

    // With libcoap's own limit (8,388,864 bytes) the 40 KiB answer fits one message: whole.
    let whole = TempFile::new("tcp-whole", b"");
    let out = libcoap(&["-v", "7", "-o", whole.path(), &uri]);
    assert_eq!(whole.read(), body, "{out}");
    assert!(!pdus(&out).contains("Block2"), "{out}");
}

#[test]
fn libcoap_client_block_sizes_over_tcp_are_plain_blocks() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    // -b 64 GET: Block2 0/_/64 in the first request (early negotiation), 30 blocks of 64.
    let got = TempFile::new("tcp-b64", b"");
    let out = libcoap(&["-v", "7", "-b", "64", "-o", got.path(), &s.uri("coap+tcp", "/large")]);
    assert_eq!(got.read(), large_body(), "{out}");
    let log_ = pdus(&out);
    assert!(log_.contains("Uri-Path:large, Block2:0/_/64 ]"), "{out}");
    assert!(log_.contains("Block2:0/M/64, Size2:1920") && log_.contains("Block2:29/_/64 ]"), "{out}");
    assert!(!log_.contains("BERT"), "{out}");
    // -b 64 PUT of 2000 bytes: 32 blocks of 64, then the body reads back whole.
    let body = pattern(2000);
    let file = TempFile::new("tcp-b64-put", &body);
    let uri = s.uri("coap+tcp", "/large-update");
    let out = libcoap(&["-v", "7", "-b", "64", "-m", "put", "-f", file.path(), &uri]);
    let log_ = pdus(&out);
    assert!(log_.contains("Block1:0/M/64, Size1:2000") && log_.contains("Block1:31/_/64,"), "{out}");
    assert!(!log_.contains("BERT"), "{out}");
    let back = TempFile::new("tcp-b64-back", b"");
    libcoap(&["-o", back.path(), &uri]);
    assert_eq!(back.read(), body);
}

// ---------------------------------------------------------------------------------------------
// Our client against libcoap's server.

#[test]
fn our_client_puts_and_gets_40_kib_over_tcp_on_libcoap_server() {
    let Some(server) = libcoap_server_or_skip(&["-d", "10"]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("coap-server-notls", &log);
    assert!(!server.log().contains("cannot create TCP endpoint"), "the TCP port was taken: {}", server.log());
    let body = pattern(BODY);
    let file = TempFile::new("tcp-blob", &body);
    // libcoap's CSM allows 8,388,864-byte messages: the PUT goes whole, no Block1.
    let out = ours_ok(&["-m", "put", "-f", file.path(), "-v", &server.tcp_uri("/blob")]);
    assert!(out.stderr_text().contains("2.01 Created"), "{out}");
    let put: Vec<_> = frames(&sent(&out)).into_iter().filter(|f| f.0 == Code::PUT).collect();
    assert_eq!(put, [(Code::PUT, None, None, BODY)], "{out}");
    assert!(shows(&log, &["Max-Message-Size:16640, Block-Wise-Transfer:"]), "libcoap logged our CSM");

    // Back in BERT blocks (our 16,640 bytes are the limit): 16 KiB, 16 KiB, 8 KiB.
    let back = TempFile::new("tcp-blob-back", b"");
    let out = ours_ok(&["-v", "-o", back.path(), &server.tcp_uri("/blob")]);
    assert_eq!(back.read(), body, "{out}");
    let down = block2s(&received(&out));
    let bert = |num, more, len| (Block { num, more, szx: 7 }, len);
    assert_eq!(down, [bert(0, true, 16384), bert(16, true, 16384), bert(32, false, 8192)], "{out}");
    assert!(shows(&log, &["Block2:16/_/BERT", "Block2:32/_/BERT"]), "our requests: {}", server.log());

    // /example_data (1500 bytes) fits one message.
    let data = TempFile::new("tcp-example", b"");
    let out = ours_ok(&["-v", "-o", data.path(), &server.tcp_uri("/example_data")]);
    let got = data.read();
    assert_eq!(got.len(), 1500, "{out}");
    assert!(got.starts_with(b"a123456789b123456789c123456789"), "{out}");
    assert!(block2s(&received(&out)).is_empty(), "{out}");
}

// ---------------------------------------------------------------------------------------------
// aiocoap.

#[test]
fn aiocoap_client_puts_40_kib_over_tcp_in_bert_blocks_after_a_1024_byte_first() {
    if aiocoap_client_or_skip().is_none() {
        return;
    }
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let uri = s.uri("coap+tcp", "/large-update");
    let body = pattern(BODY);
    let file = TempFile::new("aio-put", &body);
    let payload = format!("@{}", file.path());
    let args = ["-vvv", "-m", "PUT", "--content-format", "application/octet-stream", "--payload", &payload, &uri];
    let out = run_aiocoap_client(&args, CLIENT).unwrap();
    assert!(out.success(), "{out}");
    let text = out.stderr_text();
    // Block 0 in 1024 bytes; our 2.31 says SZX 7, and aiocoap goes on in BERT from block 1
    // (offset 1024): 1024 + 16384 + 16384 + 7168.
    let sizes: Vec<usize> = text
        .lines()
        .filter(|l| l.contains("Sending message: <aiocoap.Message: PUT"))
        .map(|l| l.split(", ").find_map(|p| p.strip_suffix(" byte(s) payload")).unwrap().parse().unwrap())
        .collect();
    assert_eq!(sizes, [1024, 16384, 16384, 7168], "{out}");
    for ack in ["number = 0, more = 1, size_exp = 7", "number = 1, more = 1, size_exp = 7", "number = 33, more = 0"] {
        assert!(text.contains(&format!("Response with Block1 option received, {ack}")), "{ack}: {out}");
    }
    assert_eq!(s.count_logged("TCP PUT /large-update -> 2.04 Changed"), 1, "{}", s.log());

    // Back: aiocoap's CSM allows 1 MiB, so the answer goes whole, byte-identical.
    let out = run_aiocoap_client(&["-vvv", &uri], CLIENT).unwrap();
    assert!(out.success(), "{out}");
    assert_eq!(out.stdout, body, "{}", out.stderr_text());
    assert!(out.stderr_text().contains("2.05 Content from <TcpConnection"), "{out}");
    assert!(out.stderr_text().contains(", 40960 byte(s) payload"), "one message: {out}");
}

#[test]
fn our_client_puts_posts_and_gets_40_kib_over_tcp_on_aiocoap_server() {
    let Some(server) = aiocoap_server_or_skip(&["--transports", "udp,tcp"]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let body = pattern(BODY);
    let file = TempFile::new("aio-large", &body);
    // aiocoap's CSM allows 1 MiB: the PUT goes whole.
    let out = ours_ok(&["-m", "put", "-f", file.path(), "-v", &server.tcp_uri("/large")]);
    assert!(out.stderr_text().contains("2.04 Changed"), "{out}");
    let put: Vec<_> = frames(&sent(&out)).into_iter().filter(|f| f.0 == Code::PUT).collect();
    assert_eq!(put, [(Code::PUT, None, None, BODY)], "{out}");
    assert!(shows(&log, &["request PUT /large - ", "len=40960"]), "{}", server.log());

    // GET: aiocoap answers in BERT blocks of 16 KiB (our limit is 16,640 bytes).
    let back = TempFile::new("aio-back", b"");
    let out = ours_ok(&["-v", "-o", back.path(), &server.tcp_uri("/large")]);
    assert_eq!(back.read(), body, "{out}");
    let bert = |num, more, len| (Block { num, more, szx: 7 }, len);
    let expected = [bert(0, true, 16384), bert(16, true, 16384), bert(32, false, 8192)];
    assert_eq!(block2s(&received(&out)), expected, "{out}");

    // POST: the body up whole, its upper-case answer down in BERT blocks.
    let answer = TempFile::new("aio-answer", b"");
    let out = ours_ok(&["-m", "post", "-f", file.path(), "-o", answer.path(), "-v", &server.tcp_uri("/large-post")]);
    assert_eq!(answer.read(), body.to_ascii_uppercase(), "{out}");
    assert_eq!(block2s(&received(&out)), expected, "{out}");
}
