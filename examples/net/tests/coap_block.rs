//! Block-wise transfers (RFC 7959) with `coap-server` over UDP: our `coap-client` against it on
//! the ETSI plugtest block resources (`TD_COAP_BLOCK_01`-`_06`: `/large`, `/large-update`,
//! `/large-create`, `/large-post`) and the observable `/obs-large` (RFC 7959 §3.4), and raw
//! datagrams from a std `UdpSocket` checking the server's Block2 and Block1 answers byte by
//! byte: a block size the client picks late, 2.31 Continue, 4.08 and 4.13 with Size1. Each test
//! starts its own server on free loopback ports (killed on drop); every receive has a timeout
//! and every client run a hard bound. Interop with libcoap and aiocoap is
//! `interop_coap_block.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod coap_common;

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use coap_codec::wire::{Block, Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};
use coap_common::{ours, ours_ok, pattern, received, sent, LogOnPanic, OurServer, TempFile};
use net::coap_resources::{large_body, obs_large_body};

/// How long an answer may take.
const ANSWER: Duration = Duration::from_secs(3);

fn block_of(m: &Message<&[u8]>, n: OptionNumber) -> Option<Block> {
    m.option(n).and_then(Block::decode)
}

/// The Block option `n` of each traced frame that has one.
fn blocks(frames: &[Vec<u8>], n: OptionNumber) -> Vec<Block> {
    frames.iter().filter_map(|f| block_of(&Message::new_checked(&f[..]).unwrap(), n)).collect()
}

// ---------------------------------------------------------------------------------------------
// Our client against our server.

#[test]
fn client_gets_large_byte_identical_in_1024_64_and_16_byte_blocks() {
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let uri = s.uri("coap", "/large");
    for (size, szx, count) in [(None, 6, 2), (Some("64"), 2, 30), (Some("16"), 0, 120)] {
        let file = TempFile::new("large", b"");
        let mut args = vec!["-v", "-o", file.path(), &uri];
        if let Some(size) = size {
            args.splice(0..0, ["-b", size]);
        }
        let out = ours_ok(&args);
        assert_eq!(file.read(), large_body(), "block size {size:?}: {out}");
        // RFC 7959 §2.4: every answer is a block of the size asked for (or the server's).
        let got = blocks(&received(&out), OptionNumber::BLOCK2);
        assert_eq!(got.len(), count, "{size:?}: {got:?}");
        assert!(got.iter().enumerate().all(|(i, b)| b.num == i as u32 && b.szx == szx), "{got:?}");
        assert!(got.iter().rev().skip(1).all(|b| b.more) && !got.last().unwrap().more, "{got:?}");
        // The endpoint's follow-up requests carry Block2; the first asks for none at 1024 (the
        // request as built) and for the -b size below it (the endpoint's early negotiation).
        let asked = blocks(&sent(&out), OptionNumber::BLOCK2);
        assert_eq!(asked.len(), if size.is_some() { count } else { count - 1 }, "{asked:?}");
    }
    // To stdout: the body and a newline.
    assert_eq!(ours_ok(&["-b", "256", &uri]).stdout, [large_body(), b"\n".to_vec()].concat());
}

#[test]
fn client_puts_5_kib_to_large_update_and_gets_it_back() {
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let uri = s.uri("coap", "/large-update");
    let body = pattern(5 * 1024);
    let file = TempFile::new("put", &body);
    let out = ours_ok(&["-m", "put", "-b", "64", "-t", "octet", "-f", file.path(), "-v", &uri]);
    assert!(out.stderr_text().contains("2.04 Changed"), "{out}");
    // RFC 7959 §2.5: 80 blocks of 64, M on all but the last; a 2.31 Continue to each but the last.
    let up = blocks(&sent(&out), OptionNumber::BLOCK1);
    assert_eq!(up.len(), 80, "{up:?}");
    assert!(up.iter().enumerate().all(|(i, b)| b.num == i as u32 && b.szx == 2 && b.more == (i < 79)), "{up:?}");
    let continues =
        received(&out).iter().filter(|f| Message::new_checked(&f[..]).unwrap().code() == Code::CONTINUE).count();
    assert_eq!(continues, 79, "{out}");
    // The resource saw one PUT with the whole body.
    assert!(s.logged("CON PUT /large-update -> 2.04 Changed"), "{}", s.log());
    assert_eq!(s.count_logged("PUT /large-update"), 1, "{}", s.log());

    let back = TempFile::new("back", b"");
    let out = ours_ok(&["-v", "-o", back.path(), &uri]);
    assert_eq!(back.read(), body, "{out}");
    let fmt = received(&out)
        .iter()
        .map(|f| Message::new_checked(f.clone()).unwrap().uint_option(OptionNumber::CONTENT_FORMAT))
        .next();
    assert_eq!(fmt, Some(Some(42)), "the PUT's Content-Format (application/octet-stream) is kept");
}

#[test]
fn client_posts_large_create_then_gets_lists_and_deletes_the_created_body() {
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let body = pattern(3000);
    let file = TempFile::new("create", &body);
    let out =
        ours_ok(&["-m", "post", "-t", "text", "-b", "128", "-f", file.path(), "-v", &s.uri("coap", "/large-create")]);
    let stderr = out.stderr_text();
    assert!(stderr.contains("2.01 Created\nLocation-Path: /large-create/1\n"), "{out}");
    assert_eq!(blocks(&sent(&out), OptionNumber::BLOCK1).len(), 24, "3000 bytes are 24 blocks of 128: {out}");
    // The created resource holds the body.
    let back = TempFile::new("created", b"");
    ours_ok(&["-o", back.path(), &s.uri("coap", "/large-create/1")]);
    assert_eq!(back.read(), body);
    let list = ours_ok(&[&s.uri("coap", "/large-create")]);
    assert_eq!(list.stdout_text(), "</large-create/1>;sz=3000\n", "{list}");
    let out = ours_ok(&["-m", "delete", "-v", &s.uri("coap", "/large-create/1")]);
    assert!(out.stderr_text().contains("2.02 Deleted"), "{out}");
    let gone = ours(&[&s.uri("coap", "/large-create/1")]);
    assert!(gone.stderr_text().contains("4.04 Not Found"), "{gone}");
}

#[test]
fn client_posts_large_post_with_blocks_both_ways() {
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let body = large_body();
    let file = TempFile::new("post", &body);
    let answer = TempFile::new("answer", b"");
    let out = ours_ok(&[
        "-m",
        "post",
        "-b",
        "64",
        "-f",
        file.path(),
        "-o",
        answer.path(),
        "-v",
        &s.uri("coap", "/large-post"),
    ]);
    assert_eq!(answer.read(), body.to_ascii_uppercase(), "{out}");
    assert!(out.stderr_text().contains("2.04 Changed"), "{out}");
    // RFC 7959 §3.3: Block1 up (30 blocks of 64), the last carrying Block2 0/0/64 (early
    // negotiation of the answer's size, §2.3); the answer to it carries Block1 and the first
    // Block2 block, in 64 bytes, and the rest follows in 64 too: blocks 0 to 29.
    let up: Vec<Vec<u8>> = sent(&out);
    assert_eq!(blocks(&up, OptionNumber::BLOCK1).len(), 30, "{out}");
    let last_up = up
        .iter()
        .map(|f| Message::new_checked(&f[..]).unwrap())
        .find(|m| block_of(m, OptionNumber::BLOCK1).is_some_and(|b| !b.more))
        .unwrap();
    assert_eq!(block_of(&last_up, OptionNumber::BLOCK2), Some(Block { num: 0, more: false, szx: 2 }), "{out}");
    let first_up = Message::new_checked(&up[0][..]).unwrap();
    assert_eq!(block_of(&first_up, OptionNumber::BLOCK2), None, "only the last Block1 block asks: {out}");
    let frames: Vec<Vec<u8>> = received(&out);
    let last =
        frames.iter().map(|f| Message::new_checked(&f[..]).unwrap()).find(|m| m.code() == Code::CHANGED).unwrap();
    assert_eq!(block_of(&last, OptionNumber::BLOCK1), Some(Block { num: 29, more: false, szx: 2 }));
    assert_eq!(block_of(&last, OptionNumber::BLOCK2), Some(Block { num: 0, more: true, szx: 2 }));
    let down = blocks(&frames, OptionNumber::BLOCK2);
    let expected: Vec<Block> = (0..30).map(|num| Block { num, more: num < 29, szx: 2 }).collect();
    assert_eq!(down, expected);
    assert_eq!(s.count_logged("POST /large-post"), 1, "one request for the application: {}", s.log());
}

#[test]
fn client_observes_obs_large_with_each_notification_whole() {
    let s = OurServer::start(&["--obs-interval-ms", "300"]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = ours_ok(&["-s", "2", "-b", "256", "-v", &s.uri("coap", "/obs-large")]);
    let stdout = out.stdout_text();
    // Each body is 23 lines and a newline: the first line names the value.
    let bodies: Vec<&str> = stdout.split_inclusive("\n\n").collect();
    assert!(bodies.len() >= 4, "the response and notifications every 300 ms for 2 s: {out}");
    let mut last = None;
    for b in &bodies {
        let n: u64 =
            b.strip_prefix("obs-large ").and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap();
        assert_eq!(b.as_bytes(), [obs_large_body(n), b"\n".to_vec()].concat(), "whole, byte for byte");
        assert!(last.map_or(true, |l| l < n), "increasing: {last:?} then {n}");
        last = Some(n);
    }
    // RFC 7959 §3.4: each notification is block 0 with Observe, in the size the registration
    // asked for (-b 256 sends Block2 0/256 in it); the rest of each came by GETs without
    // Observe: 1472 bytes are 6 blocks of 256, so at least 5 more blocks per body printed.
    let frames: Vec<Message<Vec<u8>>> = received(&out).into_iter().map(|f| Message::new_checked(f).unwrap()).collect();
    let firsts: Vec<Option<Block>> =
        frames.iter().filter(|m| m.option(OptionNumber::OBSERVE).is_some()).map(block2).collect();
    assert!(firsts.len() >= bodies.len(), "{firsts:?}");
    assert!(firsts.iter().all(|b| *b == Some(Block { num: 0, more: true, szx: 4 })), "{firsts:?}");
    let later: Vec<Block> =
        frames.iter().filter(|m| m.option(OptionNumber::OBSERVE).is_none()).filter_map(block2).collect();
    assert!(later.iter().filter(|b| b.num > 0).count() >= 5 * bodies.len(), "{later:?}");
    // (Block 0 without Observe: the answer to the deregistration, RFC 7641 §3.6.)
    assert!(later.iter().all(|b| b.szx == 4), "{later:?}");
}

#[test]
fn client_put_beyond_the_servers_body_store_gets_4_13() {
    let s = OurServer::start(&["--max-body", "4096"]);
    let file = TempFile::new("too-large", &pattern(5 * 1024));
    let out = ours(&["-m", "put", "-f", file.path(), "-v", &s.uri("coap", "/large-update")]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out}");
    assert!(out.stderr_text().contains("4.13 Request Entity Too Large"), "{out}");
    assert_eq!(blocks(&sent(&out), OptionNumber::BLOCK1).len(), 1, "refused at the first block: {out}");
}

// ---------------------------------------------------------------------------------------------
// Raw datagrams.

/// A raw UDP peer of the server.
struct Probe {
    sock: UdpSocket,
    server: SocketAddr,
    mid: u16,
}

impl Probe {
    fn new(server: SocketAddr) -> Self {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(ANSWER)).unwrap();
        Self { sock, server, mid: 0x7000 }
    }

    /// Sends a CON request (`uint` options, then a payload) and returns the answer.
    fn exchange(
        &mut self,
        code: Code,
        token: &[u8],
        path: &str,
        uint: &[(OptionNumber, u32)],
        payload: &[u8],
    ) -> Message<Vec<u8>> {
        self.mid += 1;
        let mut b = MessageBuilder::<16>::new(MessageType::Confirmable, code, MessageId(self.mid));
        b.token(token).unwrap().path(path).unwrap();
        for (n, v) in uint {
            b.uint(*n, *v).unwrap();
        }
        b.payload(payload);
        let mut out = vec![0u8; 2048];
        let n = b.encode(&mut out).unwrap();
        self.sock.send_to(&out[..n], self.server).unwrap();
        let mut buf = [0u8; 2048];
        let (n, _) = self.sock.recv_from(&mut buf).expect("no answer within 3 s");
        let m = Message::new_checked(buf[..n].to_vec()).unwrap();
        assert_eq!((m.message_type(), m.message_id().0, m.token()), (MessageType::Acknowledgement, self.mid, token));
        m
    }
}

fn block2(m: &Message<Vec<u8>>) -> Option<Block> {
    m.option(OptionNumber::BLOCK2).and_then(Block::decode)
}

fn block1(m: &Message<Vec<u8>>) -> Option<Block> {
    m.option(OptionNumber::BLOCK1).and_then(Block::decode)
}

fn b(num: u32, more: bool, szx: u8) -> u32 {
    Block { num, more, szx }.to_uint()
}

#[test]
fn block2_early_and_late_negotiation_of_the_block_size() {
    let s = OurServer::start(&[]);
    let mut p = Probe::new(s.udp);
    let large = large_body();
    // Early (RFC 7959 §2.4): block 0 of 64 bytes asked for, 64 bytes given, Size2 the whole.
    let m = p.exchange(Code::GET, b"e", "large", &[(OptionNumber::BLOCK2, b(0, false, 2))], &[]);
    assert_eq!((m.code(), block2(&m)), (Code::CONTENT, Some(Block { num: 0, more: true, szx: 2 })));
    assert_eq!(m.payload(), &large[..64]);
    assert_eq!(m.uint_option(OptionNumber::SIZE2), Some(1920));
    let etag = m.option(OptionNumber::ETAG).expect("an ETag on every block (RFC 7959 §2.4)").to_vec();
    let last = p.exchange(Code::GET, b"e", "large", &[(OptionNumber::BLOCK2, b(29, false, 2))], &[]);
    assert_eq!((block2(&last), last.payload()), (Some(Block { num: 29, more: false, szx: 2 }), &large[1856..]));
    assert_eq!(last.option(OptionNumber::ETAG), Some(&etag[..]));

    // Late: no Block2, so the server's 1024; then the client switches to 64-byte blocks at the
    // offset it has reached: NUM 16 of SZX 2 is byte 1024.
    let m = p.exchange(Code::GET, b"l", "large", &[], &[]);
    assert_eq!((block2(&m), m.payload().len()), (Some(Block { num: 0, more: true, szx: 6 }), 1024));
    let m = p.exchange(Code::GET, b"l", "large", &[(OptionNumber::BLOCK2, b(16, false, 2))], &[]);
    assert_eq!((block2(&m), m.payload()), (Some(Block { num: 16, more: true, szx: 2 }), &large[1024..1088]));
    // A size above the server's (--block-size 1024 here is the largest) is answered in the
    // server's: RFC 7959 §2.4 lets it use a smaller one, NUM counting in it.
    let s64 = OurServer::start(&["--block-size", "64"]);
    let mut p = Probe::new(s64.udp);
    let m = p.exchange(Code::GET, b"s", "large", &[(OptionNumber::BLOCK2, b(1, false, 4))], &[]);
    assert_eq!((block2(&m), m.payload()), (Some(Block { num: 4, more: true, szx: 2 }), &large[256..320]));
}

#[test]
fn block1_blocks_get_2_31_continue_and_the_last_the_answer() {
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let mut p = Probe::new(s.udp);
    let body = pattern(150);
    let put = |p: &mut Probe, num: u32, more: bool, token: &[u8]| {
        let chunk = &body[num as usize * 64..body.len().min((num as usize + 1) * 64)];
        let mut options = vec![(OptionNumber::BLOCK1, b(num, more, 2))];
        if num == 0 {
            options.push((OptionNumber::SIZE1, 150));
        }
        p.exchange(Code::PUT, token, "large-update", &options, chunk)
    };
    // RFC 7959 §2.3: each block but the last gets 2.31 Continue with its Block1 echoed.
    let m = put(&mut p, 0, true, b"a");
    assert_eq!((m.code(), block1(&m)), (Code::CONTINUE, Some(Block { num: 0, more: true, szx: 2 })));
    let m = put(&mut p, 1, true, b"b");
    assert_eq!((m.code(), block1(&m)), (Code::CONTINUE, Some(Block { num: 1, more: true, szx: 2 })));
    let m = put(&mut p, 2, false, b"c");
    assert_eq!((m.code(), block1(&m)), (Code::CHANGED, Some(Block { num: 2, more: false, szx: 2 })));
    let m = p.exchange(Code::GET, b"g", "large-update", &[(OptionNumber::BLOCK2, b(0, false, 6))], &[]);
    assert_eq!(m.payload(), &body[..], "the three blocks, reassembled");
    assert_eq!(s.count_logged("PUT /large-update"), 1, "one request for the application");
}

#[test]
fn block1_without_its_first_block_gets_4_08() {
    let s = OurServer::start(&[]);
    let mut p = Probe::new(s.udp);
    // RFC 7959 §2.9.2: block 3 of a body the server has no start of.
    let m = p.exchange(Code::PUT, b"m", "large-update", &[(OptionNumber::BLOCK1, b(3, true, 2))], &[0x55; 64]);
    assert_eq!(m.code(), Code::REQUEST_ENTITY_INCOMPLETE);
    // A gap: block 0, then block 2.
    let m = p.exchange(Code::PUT, b"n", "large-update", &[(OptionNumber::BLOCK1, b(0, true, 2))], &[0x55; 64]);
    assert_eq!(m.code(), Code::CONTINUE);
    let m = p.exchange(Code::PUT, b"n", "large-update", &[(OptionNumber::BLOCK1, b(2, false, 2))], &[0x55; 10]);
    assert_eq!(m.code(), Code::REQUEST_ENTITY_INCOMPLETE);
    // Nothing was stored.
    let m = p.exchange(Code::GET, b"g", "large-update", &[], &[]);
    assert_eq!(m.uint_option(OptionNumber::SIZE2), Some(1920), "still the first body");
}

#[test]
fn block1_larger_than_the_body_store_gets_4_13_with_size1() {
    let s = OurServer::start(&["--max-body", "4096"]);
    let mut p = Probe::new(s.udp);
    // RFC 7959 §2.9.3, §4: Size1 announces 1 MB; the answer says how much would fit.
    let options = [(OptionNumber::BLOCK1, b(0, true, 6)), (OptionNumber::SIZE1, 1_000_000)];
    let m = p.exchange(Code::PUT, b"t", "large-update", &options, &[0xAA; 1024]);
    assert_eq!(m.code(), Code::REQUEST_ENTITY_TOO_LARGE);
    let size1 = m.uint_option(OptionNumber::SIZE1).expect("4.13 carries Size1");
    assert!((1024..=4096).contains(&size1), "what fits: {size1}");
    // Without Size1, the body is refused once it outgrows the store.
    let mut code = Code::CONTINUE;
    for num in 0..8 {
        let m = p.exchange(Code::PUT, b"u", "large-update", &[(OptionNumber::BLOCK1, b(num, true, 6))], &[0xBB; 1024]);
        code = m.code();
        if code != Code::CONTINUE {
            assert!(m.uint_option(OptionNumber::SIZE1).is_some_and(|s| s <= 4096), "Size1 in the 4.13");
            assert!(num >= 3, "refused at block {num}, before 4096 bytes");
            break;
        }
    }
    assert_eq!(code, Code::REQUEST_ENTITY_TOO_LARGE);
}

#[test]
fn over_tcp_large_arrives_whole_as_over_udp() {
    // Both our ends announce Block-Wise-Transfer and 16,640-byte messages over TCP (RFC 8323
    // §5.3, §6); the 5.00 for a client that announces neither is probed in coap_tcp.rs.
    let s = OurServer::start(&[]);
    let tcp = ours_ok(&[&s.uri("coap+tcp", "/large")]);
    let udp = ours_ok(&[&s.uri("coap", "/large")]);
    assert_eq!(tcp.stdout, udp.stdout, "{tcp}");
    assert!(tcp.stdout_text().contains("line 30 of 30"), "{tcp}");
}
