//! Block-wise transfers over a session (RFC 7959 as RFC 8323 §6 adapts it): two sessions
//! through an in-memory byte pipe cut at seeded random boundaries, or one against hand-written
//! frames. Every frame is checked against the receiver's Max-Message-Size on the way.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use coap_codec::endpoint::{RequestError, RequestOptions, RespondError};
use coap_codec::session::{CloseReason, Role};
use coap_codec::wire::signal::Signal;
use coap_codec::wire::tcp::{self, Status};
use coap_codec::wire::{Block, Code, EncodeError, MessageBuilder, MessageId, MessageType, Observe, OptionNumber};

mod common;
use common::session_pipe::*;

#[test]
fn bert_download_of_1_mib_is_byte_identical_and_uses_szx_7() {
    let (mut a, mut b, mut rng) = connected((16_384, true, 7), (16_384, true, 7), limits(4, (1 << 20) + 4096));
    assert!(a.s.bert_usable() && b.s.bert_usable());
    let body = rng.bytes(1 << 20);
    let h = a.s.request(NOW, &get("big"), RequestOptions::default()).unwrap();
    run(&mut a, &mut b, &mut rng, |s, ev| {
        let Ev::Request { handle, .. } = ev else { panic!("{ev:?}") };
        s.respond(NOW, handle, &content(&body)).unwrap();
    });
    let [Ev::Response { request, code, payload, observing: false, .. }] = &a.events[..] else {
        panic!("{:?}", a.events.len())
    };
    assert_eq!((*request, *code), (h, Code::CONTENT));
    assert!(payload == &body, "byte-identical");
    assert!(b.seen.block_szx.iter().all(|&z| z == 7), "BERT blocks (RFC 8323 §6)");
    // 16 KiB messages: 15 units of 1024 per block, so about 70 messages, not 1024.
    assert!(b.seen.frames < 80, "{} frames", b.seen.frames);
    assert!(b.seen.largest_frame > 15 * 1024);
    a.s.poll_event();
    assert_eq!((a.s.open_transfers(), a.s.body_bytes_in_use()), (0, 0), "the body store is empty again");
    assert_eq!((b.s.open_transfers(), b.s.body_bytes_in_use()), (0, 0), "the kept body went with its last block");
}

#[test]
fn bert_upload_of_1_mib_is_reassembled_byte_identical() {
    let (mut a, mut b, mut rng) = connected((12_000, true, 7), (20_000, true, 7), limits(4, (1 << 20) + 4096));
    let body = rng.bytes(1 << 20);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("fw").unwrap().payload(&body);
    let h = a.s.request(NOW, &put, RequestOptions::default()).unwrap();
    let mut got = None;
    run(&mut a, &mut b, &mut rng, |s, ev| {
        let Ev::Request { handle, code, payload, block1, .. } = ev else { panic!("{ev:?}") };
        assert_eq!(code, Code::PUT);
        assert_eq!(block1, None, "Block1 is the session's business");
        got = Some(payload);
        let changed = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::CHANGED, MessageId(0));
        s.respond(NOW, handle, &changed).unwrap();
    });
    assert!(got.unwrap() == body, "byte-identical");
    let [Ev::Response { request, code: Code::CHANGED, block1: Some(last), .. }] = &a.events[..] else {
        panic!("{:?}", a.events)
    };
    assert_eq!(*request, h);
    assert!(!last.more && last.szx == 7, "the final answer names the last block (RFC 7959 §2.5)");
    assert!(a.seen.block_szx.iter().all(|&z| z == 7));
    assert!(a.seen.frames < 100, "{} frames", a.seen.frames);
    b.s.poll_event();
    assert_eq!((b.s.open_transfers(), b.s.body_bytes_in_use()), (0, 0));
    assert_eq!((a.s.open_transfers(), a.s.body_bytes_in_use()), (0, 0));
}

#[test]
fn random_cuts_over_many_seeds_keep_bodies_intact() {
    for seed in 1..=8u64 {
        let (mut a, mut b, _) = connected((4096, true, 7), (2000, true, 7), limits(4, 1 << 17));
        let mut rng = Rng(seed * 0x9E37_79B9_7F4A_7C15);
        let (n_down, n_up) = (30_000 + (rng.next() % 20_000) as usize, 20_000 + (rng.next() % 20_000) as usize);
        let (down, up) = (rng.bytes(n_down), rng.bytes(n_up));
        let mut post = MessageBuilder::<4>::new(MessageType::Confirmable, Code::POST, MessageId(0));
        post.path("echo").unwrap().payload(&up);
        a.s.request(NOW, &post, RequestOptions::default()).unwrap();
        let mut got_up = Vec::new();
        run(&mut a, &mut b, &mut rng, |s, ev| {
            let Ev::Request { handle, payload, .. } = ev else { panic!() };
            got_up = payload;
            let mut b = MessageBuilder::<0>::new(MessageType::Acknowledgement, Code::CHANGED, MessageId(0));
            b.payload(&down);
            s.respond(NOW, handle, &b).unwrap();
        });
        assert!(got_up == up, "seed {seed}: upload");
        let [Ev::Response { payload, .. }] = &a.events[..] else { panic!("seed {seed}: {:?}", a.events.len()) };
        assert!(payload == &down, "seed {seed}: the answer to the upload, downloaded (RFC 7959 §3.3)");
    }
}

#[test]
fn only_szx_6_configured_gives_1024_byte_blocks_and_szx_4_gives_256() {
    for (szx, size) in [(6u8, 1024usize), (4, 256)] {
        let (mut a, mut b, mut rng) = connected((8192, true, szx), (8192, true, szx), limits(4, 1 << 16));
        let body = rng.bytes(10_000);
        a.s.request(NOW, &get("big"), RequestOptions::default()).unwrap();
        run(&mut a, &mut b, &mut rng, |s, ev| {
            let Ev::Request { handle, .. } = ev else { panic!() };
            s.respond(NOW, handle, &content(&body)).unwrap();
        });
        let [Ev::Response { payload, .. }] = &a.events[..] else { panic!() };
        assert!(payload == &body);
        assert!(b.seen.block_szx.iter().all(|&z| z == szx), "{:?}", b.seen.block_szx);
        assert_eq!(b.seen.block_szx.len(), 10_000usize.div_ceil(size), "one block per message");
    }
}

#[test]
fn every_block_fits_the_smaller_max_message_size_without_bert() {
    // The client announces the base 1152 (no BERT, RFC 8323 §6); blocks to it fit in 1152.
    let (mut a, mut b, mut rng) = connected((1152, true, 7), (65_000, true, 7), limits(4, 1 << 16));
    assert!(!a.s.bert_usable());
    let body = rng.bytes(40_000);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&body);
    a.s.request(NOW, &put, RequestOptions::default()).unwrap();
    run(&mut a, &mut b, &mut rng, |s, ev| {
        let Ev::Request { handle, payload, .. } = ev else { panic!() };
        assert!(payload == body);
        s.respond(NOW, handle, &content(&payload)).unwrap();
    });
    assert!(b.seen.largest_frame <= 1152 && a.seen.largest_frame <= 65_000);
    assert!(a.seen.block_szx.iter().chain(&b.seen.block_szx).all(|&z| z <= 6));
    let [Ev::Response { payload, .. }] = &a.events[..] else { panic!() };
    assert!(payload == &body);
}

#[test]
fn a_peer_without_block_wise_transfer_gets_no_block_options_and_too_large_is_refused() {
    // The server did not announce Block-Wise-Transfer (RFC 8323 §5.3.2).
    let (mut a, mut b, mut rng) = connected((4096, true, 7), (4096, false, 7), limits(4, 1 << 16));
    assert!(!a.s.peer_block_wise_transfer());
    let big = vec![1u8; 5000];
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&big);
    let e = a.s.request(NOW, &put, RequestOptions::default()).unwrap_err();
    assert!(matches!(e, RequestError::TooLarge { required, max: 4096 } if required > 4096), "{e:?}");
    assert_eq!(a.s.open_exchanges(), 0);
    // A large answer from the server that cannot go in blocks is refused; a small one has none.
    let small = vec![2u8; 100];
    a.s.request(NOW, &get("x"), RequestOptions::default()).unwrap();
    a.s.request(NOW, &get("y"), RequestOptions::default()).unwrap();
    let mut refused = 0;
    run(&mut a, &mut b, &mut rng, |s, ev| {
        let Ev::Request { handle, .. } = ev else { panic!() };
        match s.respond(NOW, handle, &content(&big)) {
            Err(RespondError::Encode(EncodeError::BufferTooSmall { .. })) => refused += 1,
            other => panic!("{other:?}"),
        }
        s.respond(NOW, handle, &content(&small)).unwrap();
    });
    assert_eq!(refused, 2);
    assert!(a.seen.block_szx.is_empty() && b.seen.block_szx.is_empty(), "no Block options either way");
    assert_eq!(a.events.len(), 2);
    // A client that did not announce it cannot send large either, and gets no blocks.
    let (mut a, _b, _) = connected((4096, false, 7), (4096, true, 7), limits(4, 1 << 16));
    assert!(matches!(a.s.request(NOW, &put, RequestOptions::default()), Err(RequestError::TooLarge { .. })));
}

/// A server session that has the client's CSM (with BWT), and what it answers to `frames`.
fn server_answers(max_body: usize, frames: &[MessageBuilder<'_, 4>]) -> Vec<(Code, Option<u32>, Option<Block>)> {
    let mut s = side(Role::Acceptor, 9, 4096, true, 7, limits(2, max_body)).s;
    let csm = Signal::Csm { max_message_size: 4096, block_wise_transfer: true }.builder().unwrap();
    let mut input = vec![0u8; 64];
    let n = tcp::encode(&csm, &mut input).unwrap();
    input.truncate(n);
    for f in frames {
        let mut buf = vec![0u8; 8192];
        let n = tcp::encode(f, &mut buf).unwrap();
        input.extend_from_slice(&buf[..n]);
    }
    assert_eq!(s.handle_input(NOW, &input).unwrap(), input.len());
    let mut out = Vec::new();
    let mut buf = vec![0u8; 8192];
    while let Some(t) = s.poll_transmit(NOW, &mut buf).unwrap() {
        let Status::Complete { item, .. } = tcp::decode_frame(&buf[..t.len]).unwrap() else { panic!() };
        if !item.code().is_signal() {
            let uint = |n| item.options().find(|o| o.number == n).and_then(|o| coap_codec::wire::decode_uint(o.value));
            let b1 = item.options().find(|o| o.number == OptionNumber::BLOCK1).and_then(|o| Block::decode(o.value));
            out.push((item.code(), uint(OptionNumber::SIZE1), b1));
        }
    }
    out
}

fn block1<'a>(num: u32, more: bool, szx: u8, payload: &'a [u8], size1: Option<u32>) -> MessageBuilder<'a, 4> {
    let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    b.token(&[7]).unwrap().path("fw").unwrap().uint(OptionNumber::BLOCK1, Block { num, more, szx }.to_uint()).unwrap();
    if let Some(s) = size1 {
        b.uint(OptionNumber::SIZE1, s).unwrap();
    }
    b.payload(payload);
    b
}

#[test]
fn server_answers_4_08_for_a_missing_block_and_4_13_with_size1_for_a_body_too_large() {
    let block = [0u8; 1024];
    // RFC 7959 §2.9.2: block 1 with no block 0 before it.
    assert_eq!(
        server_answers(1 << 16, &[block1(1, true, 6, &block, None)]),
        [(Code::REQUEST_ENTITY_INCOMPLETE, None, None)]
    );
    // Block 0, then block 2: one is missing; the partial body is dropped.
    let answers = server_answers(1 << 16, &[block1(0, true, 6, &block, None), block1(2, true, 6, &block, None)]);
    assert_eq!(answers[0], (Code::CONTINUE, None, Some(Block { num: 0, more: true, szx: 6 })));
    assert_eq!(answers[1], (Code::REQUEST_ENTITY_INCOMPLETE, None, None));
    // RFC 7959 §2.9.3: Size1 over what the body store takes: 4.13 with the largest it takes.
    let answers = server_answers(10_000, &[block1(0, true, 6, &block, Some(1 << 20))]);
    assert_eq!(answers, [(Code::REQUEST_ENTITY_TOO_LARGE, Some(10_000 - 128), None)]);
    // Without Size1, the store runs out on the way.
    let blocks: Vec<_> = (0..12).map(|i| block1(i, true, 6, &block, None)).collect();
    let answers: Vec<Code> = server_answers(10_000, &blocks).into_iter().map(|a| a.0).collect();
    let first = answers.iter().position(|&c| c != Code::CONTINUE).unwrap();
    assert_eq!(answers[first], Code::REQUEST_ENTITY_TOO_LARGE);
    assert!(answers[first + 1..].iter().all(|&c| c == Code::REQUEST_ENTITY_INCOMPLETE), "no body to go on with");
    // A BERT block when BERT is not usable (the server announces 4096 but the client's CSM
    // said 4096 too: usable) — and one whose M-set payload is not a multiple of 1024: 4.00.
    let answers = server_answers(1 << 16, &[block1(0, true, 7, &block[..1000], None)]);
    assert_eq!(answers, [(Code::BAD_REQUEST, None, None)]);
}

#[test]
fn an_observe_notification_larger_than_a_block_arrives_whole() {
    let (mut a, mut b, mut rng) = connected((1152, true, 6), (1152, true, 6), limits(4, 1 << 16));
    let mut reg = get("temp");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    let h = a.s.request(NOW, &reg, RequestOptions::default()).unwrap();
    let first = rng.bytes(3000);
    let mut observer = None;
    run(&mut a, &mut b, &mut rng, |s, ev| match ev {
        Ev::Request { handle, observe: Some(0), .. } => {
            observer = Some(s.observe(NOW, handle, 1).unwrap());
            s.respond(NOW, handle, &content(&first)).unwrap();
        }
        Ev::Request { handle, observe: None, .. } => panic!("later blocks are served from the kept body: {handle:?}"),
        other => panic!("{other:?}"),
    });
    let [Ev::Response { request, observing: true, payload, .. }] = &a.events[..] else { panic!("{:?}", a.events) };
    assert_eq!(*request, h);
    assert!(payload == &first, "the first response, sliced, arrives whole");
    a.events.clear();
    let second = rng.bytes(5000);
    b.s.notify(NOW, observer.unwrap(), &content(&second), false).unwrap();
    run(&mut a, &mut b, &mut rng, |_, ev| panic!("{ev:?}"));
    let [Ev::Notification { request, payload }] = &a.events[..] else { panic!("{:?}", a.events) };
    assert_eq!(*request, h);
    assert!(payload == &second, "RFC 7959 §3.4: fetched on a fresh token, delivered as one notification");
    a.s.poll_event();
    assert_eq!(a.s.open_exchanges(), 1, "the observation goes on; the fetch is over");
    assert_eq!(a.s.open_transfers(), 0);
    let _ = Observe::REGISTER;
}

#[test]
fn transfer_table_and_body_store_full_are_typed_errors() {
    let (mut a, _b, mut rng) = connected((1152, true, 6), (1152, true, 6), limits(1, 8192));
    let body = rng.bytes(5000);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&body);
    a.s.request(NOW, &put, RequestOptions::default()).unwrap();
    assert_eq!(a.s.request(NOW, &put, RequestOptions::default()), Err(RequestError::TransfersFull));
    let (mut a, _b, mut rng) = connected((1152, true, 6), (1152, true, 6), limits(2, 4096));
    let body = rng.bytes(5000);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&body);
    assert_eq!(a.s.request(NOW, &put, RequestOptions::default()), Err(RequestError::BodyTooLarge));
    assert_eq!((a.s.open_exchanges(), a.s.open_transfers(), a.s.body_bytes_in_use()), (0, 0, 0));
}

#[test]
fn requests_after_release_or_abort_are_closed() {
    let (mut a, _b, _) = connected((1152, true, 6), (1152, true, 6), limits(1, 8192));
    a.s.release(NOW, None, None).unwrap();
    assert_eq!(a.s.request(NOW, &get("x"), RequestOptions::default()), Err(RequestError::Closed));
    assert_eq!(a.s.ping(NOW), Err(RequestError::Closed));
    let (mut a, _b, _) = connected((1152, true, 6), (1152, true, 6), limits(1, 8192));
    a.s.abort(NOW, "bye");
    assert_eq!(a.s.close_reason(), Some(CloseReason::Aborted));
    assert_eq!(a.s.request(NOW, &get("x"), RequestOptions::default()), Err(RequestError::Closed));
    assert_eq!(a.s.release(NOW, None, None), Err(RequestError::Closed));
}
