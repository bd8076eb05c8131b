//! Block-wise edge cases over a session (RFC 7959 as RFC 8323 §6 adapts it): requests held for
//! the peer's CSM (§5.3.1), concurrent uploads told apart by Request-Tag (RFC 9175 §3), kept
//! bodies that expire, backpressure from a full transmit store, ETag changes, 4.13 restarts,
//! block fetches that time out, and an error notification larger than a message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use core::time::Duration;

use coap_codec::endpoint::{Event, RequestError, RequestOptions, RespondError, TransferError};
use coap_codec::session::{Config, Limits, Role, Session, VecStorage};
use coap_codec::time::Instant;
use coap_codec::wire::signal::Signal;
use coap_codec::wire::tcp::{self, Status};
use coap_codec::wire::{Block, Code, MessageBuilder, MessageId, MessageType, OptionNumber};

mod common;
use common::session_pipe::*;

fn put<'a>(path: &'a str, payload: &'a [u8]) -> MessageBuilder<'a, 4> {
    let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    b.path(path).unwrap().payload(payload);
    b
}

fn changed() -> MessageBuilder<'static, 1> {
    MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::CHANGED, MessageId(0))
}

/// Serves PUTs with 2.04 and GETs with `body`, recording each request's payload.
fn serve<'b>(got: &'b mut Vec<Vec<u8>>, body: &'b [u8]) -> impl FnMut(&mut Session<VecStorage>, Ev) + 'b {
    move |s, ev| match ev {
        Ev::Request { handle, code: Code::PUT, payload, .. } => {
            got.push(payload);
            s.respond(NOW, handle, &changed()).unwrap();
        }
        Ev::Request { handle, .. } => {
            s.respond(NOW, handle, &content(body)).unwrap();
        }
        other => panic!("{other:?}"),
    }
}

/// One frame, as the peer would write it.
fn frame<const N: usize>(b: &MessageBuilder<'_, N>) -> Vec<u8> {
    let mut buf = vec![0u8; 1 << 16];
    let n = tcp::encode(b, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn csm(max: u32, bwt: bool) -> Vec<u8> {
    frame(&Signal::Csm { max_message_size: max, block_wise_transfer: bwt }.builder().unwrap())
}

/// A frame a session sent, owned: token, Block1, Block2, payload.
#[derive(Debug)]
struct Out {
    token: Vec<u8>,
    block1: Option<Block>,
    block2: Option<Block>,
    payload: Vec<u8>,
}

/// Everything `s` has to send, signals left out.
fn drain(s: &mut Session<VecStorage>, now: Instant) -> Vec<Out> {
    let mut buf = vec![0u8; 1 << 17];
    let mut out = Vec::new();
    while let Some(t) = s.poll_transmit(now, &mut buf).unwrap() {
        let Status::Complete { item, .. } = tcp::decode_frame(&buf[..t.len]).unwrap() else { panic!() };
        if item.code().is_signal() {
            continue;
        }
        let block = |n| item.options().find(|o| o.number == n).and_then(|o| Block::decode(o.value));
        out.push(Out {
            token: item.token().to_vec(),
            block1: block(OptionNumber::BLOCK1),
            block2: block(OptionNumber::BLOCK2),
            payload: item.payload().to_vec(),
        });
    }
    out
}

fn events(s: &mut Session<VecStorage>) -> Vec<String> {
    let mut v = Vec::new();
    while let Some(ev) = s.poll_event() {
        v.push(match ev {
            Event::ResponseReceived { response, .. } => {
                format!("response {} {}", response.code(), response.payload().len())
            }
            Event::TransferFailed { reason, .. } => format!("failed {reason:?}"),
            Event::RequestTimedOut { .. } => "timed out".into(),
            Event::RequestReceived { request, .. } => format!("request {}", request.code()),
            other => format!("{other:?}"),
        });
    }
    v
}

/// A block-wise client (Max-Message-Size 1152, SZX 6) that has sent its CSM and received a
/// hand-written server's (1152, Block-Wise-Transfer).
fn client() -> Session<VecStorage> {
    let config = Config { seed: 3, block_wise_transfer: true, block_szx: 6, ..Config::default() };
    let mut c = Session::new(config, VecStorage::new(&limits(4, 1 << 16)));
    assert!(drain(&mut c, NOW).is_empty());
    c.handle_input(NOW, &csm(1152, true)).unwrap();
    c
}

/// A 2.05 with `token`, ETag `etag`, Block2 `b` and `payload`.
fn block2<'a>(token: &'a [u8], etag: &'a [u8], b: Block, payload: &'a [u8]) -> MessageBuilder<'a, 4> {
    let mut m = MessageBuilder::<4>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
    m.token(token).unwrap().option(OptionNumber::ETAG, etag).unwrap().uint(OptionNumber::BLOCK2, b.to_uint()).unwrap();
    m.payload(payload);
    m
}

fn b(num: u32, more: bool, szx: u8) -> Block {
    Block { num, more, szx }
}

#[test]
fn a_request_held_for_the_csm_goes_in_blocks_whole_or_fails_then() {
    let mut rng = Rng(7);
    let body = rng.bytes(3000);
    // In blocks: both sides announce Block-Wise-Transfer.
    let mut a = side(Role::Initiator, 1, 1152, true, 6, limits(4, 1 << 16));
    let mut s = side(Role::Acceptor, 2, 1152, true, 6, limits(4, 1 << 16));
    let h = a.s.request(NOW, &put("fw", &body), RequestOptions::default()).unwrap();
    assert_eq!(a.s.open_exchanges(), 1, "held: it takes its exchange slot");
    let mut got = Vec::new();
    run(&mut a, &mut s, &mut rng, serve(&mut got, &[]));
    assert!(got == [body.clone()], "reassembled intact");
    assert!(matches!(a.events[..], [Ev::Response { request, code: Code::CHANGED, .. }] if request == h));
    assert!(!a.seen.block_szx.is_empty() && a.seen.largest_frame <= 1152);
    // Whole: the server announces 4096 bytes, nobody does block-wise.
    let mut a = side(Role::Initiator, 1, 1152, false, 6, limits(4, 1 << 16));
    let mut s = side(Role::Acceptor, 2, 4096, false, 6, limits(4, 1 << 16));
    let h = a.s.request(NOW, &put("fw", &body), RequestOptions::default()).unwrap();
    let mut got = Vec::new();
    run(&mut a, &mut s, &mut rng, serve(&mut got, &[]));
    assert!(got == [body.clone()]);
    assert!(matches!(a.events[..], [Ev::Response { request, code: Code::CHANGED, .. }] if request == h));
    assert!(a.seen.block_szx.is_empty() && a.seen.largest_frame > 3000, "one frame");
    // Neither: the peer takes 1152 bytes and no blocks. The request fails when the CSM comes.
    let mut a = side(Role::Initiator, 1, 1152, true, 6, limits(4, 1 << 16));
    let mut s = side(Role::Acceptor, 2, 1152, false, 6, limits(4, 1 << 16));
    let h = a.s.request(NOW, &put("fw", &body), RequestOptions::default()).unwrap();
    run(&mut a, &mut s, &mut rng, |_, ev| panic!("{ev:?}"));
    let [Ev::Failed { request, reason: TransferError::TooLarge { required, max: 1152 } }] = a.events[..] else {
        panic!("{:?}", a.events)
    };
    assert_eq!(request, h);
    assert!(required > 3000);
    assert_eq!((a.s.open_exchanges(), a.s.open_transfers()), (0, 0));
    // The session closes first: the handle goes with the rest, without an event.
    let mut a = side(Role::Initiator, 1, 1152, true, 6, limits(4, 1 << 16));
    let h = a.s.request(NOW, &put("fw", &body), RequestOptions::default()).unwrap();
    a.s.connection_lost(NOW);
    assert!(a.s.poll_event().is_none());
    assert_eq!(a.s.open_exchanges(), 0);
    assert_eq!(a.s.cancel(NOW, h), Err(RequestError::UnknownRequest));
    // It waits in the request store: its limit applies.
    let small = Limits { store_bytes: 2048, ..limits(4, 1 << 16) };
    let mut a = side(Role::Initiator, 1, 1152, true, 6, small);
    assert_eq!(a.s.request(NOW, &put("fw", &body), RequestOptions::default()), Err(RequestError::StoreFull));
    // And it times out like a sent one when no CSM comes (within the CSM timeout: none here).
    let config = Config { csm_timeout: None, ..Config::default() };
    let mut a = Session::new(config, VecStorage::new(&limits(4, 1 << 16)));
    a.request(NOW, &put("fw", &body), RequestOptions::default()).unwrap();
    assert_eq!(a.poll_timeout(), Some(NOW + Duration::from_secs(93)));
    a.handle_timeout(NOW + Duration::from_secs(93));
    assert_eq!(events(&mut a), ["timed out"]);
}

#[test]
fn two_concurrent_uploads_to_one_resource_arrive_intact_and_apart() {
    let (mut a, mut s, mut rng) = connected((1152, true, 6), (1152, true, 6), limits(4, 1 << 16));
    let (one, two) = (rng.bytes(5000), rng.bytes(7000));
    let h1 = a.s.request(NOW, &put("same", &one), RequestOptions::default()).unwrap();
    let h2 = a.s.request(NOW, &put("same", &two), RequestOptions::default()).unwrap();
    let mut got = Vec::new();
    run(&mut a, &mut s, &mut rng, serve(&mut got, &[]));
    got.sort_by_key(Vec::len);
    assert!(got == [one, two], "both bodies intact, neither mixed into the other");
    assert_eq!(a.events.len(), 2);
    for h in [h1, h2] {
        assert!(a
            .events
            .iter()
            .any(|e| matches!(e, Ev::Response { request, code: Code::CHANGED, .. } if *request == h)));
    }
    // RFC 9175 §3.3: the second upload is tagged (the first goes untagged), on every block.
    let blocks_of_two = 7000usize.div_ceil(1024);
    assert_eq!(a.seen.tags.len(), blocks_of_two, "{:?}", a.seen.tags);
    assert!(a.seen.tags.windows(2).all(|w| w[0] == w[1]));
    assert_eq!((s.s.open_transfers(), s.s.body_bytes_in_use()), (0, 0));
}

#[test]
fn a_kept_body_expires_after_its_block_lifetime() {
    assert_eq!(Config::default().block_lifetime, Duration::from_secs(247));
    let config = Config {
        role: Role::Acceptor,
        block_wise_transfer: true,
        block_szx: 6,
        block_lifetime: Duration::from_secs(10),
        ..Config::default()
    };
    let mut s = Session::new(config, VecStorage::new(&limits(4, 1 << 16)));
    let t0 = Instant::from_millis(1000);
    let get = |num| {
        let mut g = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0));
        g.token(&[9]).unwrap().path("big").unwrap().uint(OptionNumber::BLOCK2, b(num, false, 6).to_uint()).unwrap();
        frame(&g)
    };
    s.handle_input(t0, &[csm(1152, true), get(0)].concat()).unwrap();
    let Some(Event::RequestReceived { handle, .. }) = s.poll_event() else { panic!() };
    let body = Rng(1).bytes(5000);
    s.respond(t0, handle, &content(&body)).unwrap();
    let sent = drain(&mut s, t0);
    assert_eq!(sent[0].block2, Some(b(0, true, 6)));
    assert_eq!(s.open_transfers(), 1, "kept for the later blocks");
    assert_eq!(s.poll_timeout(), Some(t0 + Duration::from_secs(10)));
    // Block 1, 9 s later: served from the kept body, and the lifetime starts again.
    let t1 = t0 + Duration::from_secs(9);
    s.handle_timeout(t1);
    s.handle_input(t1, &get(1)).unwrap();
    assert!(s.poll_event().is_none());
    assert_eq!(drain(&mut s, t1)[0].block2, Some(b(1, true, 6)));
    assert_eq!(s.poll_timeout(), Some(t1 + Duration::from_secs(10)));
    s.handle_timeout(t1 + Duration::from_secs(10));
    assert_eq!((s.open_transfers(), s.body_bytes_in_use(), s.poll_timeout()), (0, 0, None));
    // Block 2 after that reaches the application again (soft state, RFC 7959 §2.4).
    s.handle_input(t1 + Duration::from_secs(10), &get(2)).unwrap();
    assert!(matches!(s.poll_event(), Some(Event::RequestReceived { .. })));
}

/// Queues small GETs on `a` until its transmit store is full.
fn fill_transmit_store(a: &mut Side) -> usize {
    let mut n = 0;
    loop {
        match a.s.request(NOW, &get("x"), RequestOptions::default()) {
            Ok(_) => n += 1,
            Err(RequestError::StoreFull) => return n,
            Err(e) => panic!("{e:?}"),
        }
    }
}

#[test]
fn a_full_transmit_store_mid_transfer_waits_and_the_transfer_goes_on() {
    let mut rng = Rng(11);
    let small = Limits { transmit_bytes: 1200, exchanges: 256, ..limits(4, 1 << 16) };
    let mut a = side(Role::Initiator, 1, 1152, true, 6, small);
    let mut s = side(Role::Acceptor, 2, 1152, true, 6, limits(4, 1 << 16));
    run(&mut a, &mut s, &mut rng, |_, ev| panic!("{ev:?}"));
    let big = rng.bytes(6000);
    // A download: block 0 arrives while the client's transmit store is full.
    let h = a.s.request(NOW, &get("big"), RequestOptions::default()).unwrap();
    let mut got = Vec::new();
    send(&mut a, 1152);
    s.inbox.extend(take_out());
    s.receive(&mut rng);
    for ev in s.events.drain(..).collect::<Vec<_>>() {
        serve(&mut got, &big)(&mut s.s, ev);
    }
    send(&mut s, 1152);
    a.inbox.extend(take_out());
    let queued = fill_transmit_store(&mut a);
    assert!(queued > 5);
    a.receive(&mut rng);
    assert!(a.events.is_empty(), "no TransferFailed: the block request waits");
    run(&mut a, &mut s, &mut rng, serve(&mut got, &big));
    let down = a.events.iter().find(|e| matches!(e, Ev::Response { request, .. } if *request == h)).unwrap();
    assert!(matches!(down, Ev::Response { payload, .. } if *payload == big));
    assert_eq!(a.events.len(), 1 + queued);
    assert!(!a.events.iter().any(|e| matches!(e, Ev::Failed { .. })));
    // An upload: the 2.31 for block 0 arrives while the store is full.
    a.events.clear();
    let h = a.s.request(NOW, &put("fw", &big), RequestOptions::default()).unwrap();
    send(&mut a, 1152);
    s.inbox.extend(take_out());
    s.receive(&mut rng);
    send(&mut s, 1152);
    a.inbox.extend(take_out());
    let queued = fill_transmit_store(&mut a);
    a.receive(&mut rng);
    assert!(a.events.is_empty());
    let mut got = Vec::new();
    run(&mut a, &mut s, &mut rng, serve(&mut got, &[]));
    assert!(got == [big], "the body arrives intact");
    assert!(a.events.iter().any(|e| matches!(e, Ev::Response { request, code: Code::CHANGED, .. } if *request == h)));
    assert_eq!(a.events.len(), 1 + queued);
    assert_eq!((a.s.open_transfers(), a.s.body_bytes_in_use(), a.s.open_exchanges()), (0, 0, 0));
}

#[test]
fn an_etag_change_mid_download_restarts_once_then_fails() {
    let mut c = client();
    let (a0, a1, b0, b1) = ([1u8; 1024], [2u8; 1024], [3u8; 1024], [4u8; 100]);
    c.request(NOW, &get("big"), RequestOptions::default()).unwrap();
    let tok = drain(&mut c, NOW).remove(0).token;
    c.handle_input(NOW, &frame(&block2(&tok, b"A", b(0, true, 6), &a0))).unwrap();
    assert_eq!(drain(&mut c, NOW)[0].block2, Some(b(1, false, 6)));
    // Block 1 comes with another ETag: RFC 7959 §2.4, the representation changed; from block 0.
    c.handle_input(NOW, &frame(&block2(&tok, b"B", b(1, true, 6), &a1))).unwrap();
    assert_eq!(drain(&mut c, NOW)[0].block2, Some(b(0, false, 6)));
    c.handle_input(NOW, &frame(&block2(&tok, b"B", b(0, true, 6), &b0))).unwrap();
    assert_eq!(drain(&mut c, NOW)[0].block2, Some(b(1, false, 6)));
    c.handle_input(NOW, &frame(&block2(&tok, b"B", b(1, false, 6), &b1))).unwrap();
    assert_eq!(events(&mut c), ["response 2.05 Content 1124"], "the restarted body, whole");
    // Again, and the ETag changes a second time: TransferFailed.
    c.request(NOW, &get("big"), RequestOptions::default()).unwrap();
    let tok = drain(&mut c, NOW).remove(0).token;
    c.handle_input(NOW, &frame(&block2(&tok, b"A", b(0, true, 6), &a0))).unwrap();
    drain(&mut c, NOW);
    c.handle_input(NOW, &frame(&block2(&tok, b"B", b(1, true, 6), &a1))).unwrap();
    assert_eq!(drain(&mut c, NOW)[0].block2, Some(b(0, false, 6)));
    c.handle_input(NOW, &frame(&block2(&tok, b"B", b(0, true, 6), &b0))).unwrap();
    drain(&mut c, NOW);
    c.handle_input(NOW, &frame(&block2(&tok, b"C", b(1, true, 6), &a1))).unwrap();
    assert_eq!(events(&mut c), ["failed EtagChanged"]);
    assert!(drain(&mut c, NOW).is_empty());
    assert_eq!((c.open_exchanges(), c.open_transfers(), c.body_bytes_in_use()), (0, 0, 0));
}

#[test]
fn an_upload_restarts_in_the_smaller_block_size_of_a_4_13() {
    let mut c = client();
    let body = Rng(5).bytes(3000);
    c.request(NOW, &put("fw", &body), RequestOptions::default()).unwrap();
    let first = drain(&mut c, NOW).remove(0);
    assert_eq!((first.block1, first.payload.len()), (Some(b(0, true, 6)), 1024));
    let answer = |code, b1: Block| {
        let mut m = MessageBuilder::<1>::new(MessageType::Acknowledgement, code, MessageId(0));
        m.token(&first.token).unwrap().uint(OptionNumber::BLOCK1, b1.to_uint()).unwrap();
        frame(&m)
    };
    // RFC 7959 §2.9.3: 4.13 with Block1 SZX 4: 256-byte blocks, from the start.
    c.handle_input(NOW, &answer(Code::REQUEST_ENTITY_TOO_LARGE, b(0, false, 4))).unwrap();
    let mut got = Vec::new();
    let mut sizes = Vec::new();
    loop {
        let out = drain(&mut c, NOW);
        let [o] = &out[..] else { panic!("{out:?}") };
        let b1 = o.block1.unwrap();
        assert_eq!((b1.num as usize, b1.szx), (sizes.len(), 4));
        got.extend_from_slice(&o.payload);
        sizes.push(o.payload.len());
        if !b1.more {
            c.handle_input(NOW, &answer(Code::CHANGED, b1)).unwrap();
            break;
        }
        c.handle_input(NOW, &answer(Code::CONTINUE, b1)).unwrap();
    }
    assert_eq!(got, body);
    assert!(sizes[..sizes.len() - 1].iter().all(|&n| n == 256));
    assert_eq!(events(&mut c), ["response 2.04 Changed 0"]);
    assert_eq!((c.open_exchanges(), c.open_transfers(), c.body_bytes_in_use()), (0, 0, 0));
}

#[test]
fn a_block_fetch_that_is_never_answered_times_out() {
    let mut c = client();
    c.request(NOW, &get("big"), RequestOptions::default()).unwrap();
    let tok = drain(&mut c, NOW).remove(0).token;
    let t1 = NOW + Duration::from_secs(5);
    c.handle_input(t1, &frame(&block2(&tok, b"A", b(0, true, 6), &[0u8; 1024]))).unwrap();
    assert_eq!(drain(&mut c, t1)[0].block2, Some(b(1, false, 6)));
    // Config::response_timeout (93 s) counts from the block request.
    assert_eq!(c.poll_timeout(), Some(t1 + Duration::from_secs(93)));
    c.handle_timeout(t1 + Duration::from_secs(92));
    assert!(c.poll_event().is_none());
    c.handle_timeout(t1 + Duration::from_secs(93));
    assert_eq!(events(&mut c), ["timed out"]);
    assert_eq!((c.open_exchanges(), c.open_transfers(), c.body_bytes_in_use()), (0, 0, 0));
}

#[test]
fn an_error_notification_larger_than_a_message_goes_cut_and_ends_the_observation() {
    let (mut a, mut s, mut rng) = connected((1152, true, 6), (1152, true, 6), limits(4, 1 << 16));
    let mut reg = get("temp");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    let h = a.s.request(NOW, &reg, RequestOptions::default()).unwrap();
    let mut observer = None;
    run(&mut a, &mut s, &mut rng, |s, ev| {
        let Ev::Request { handle, .. } = ev else { panic!("{ev:?}") };
        observer = Some(s.observe(NOW, handle, 1).unwrap());
        s.respond(NOW, handle, &content(b"21.5")).unwrap();
    });
    assert!(matches!(a.events[..], [Ev::Response { observing: true, .. }]));
    a.events.clear();
    // RFC 7641 §4.2: a 5.00 ends the observation; its 3000-byte diagnostic does not fit 1152.
    let diagnostic = "é".repeat(1500);
    let mut error = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::INTERNAL_SERVER_ERROR, MessageId(0));
    error.payload(diagnostic.as_bytes());
    let observer = observer.unwrap();
    s.s.notify(NOW, observer, &error, false).unwrap();
    assert_eq!(s.s.notify(NOW, observer, &content(b"x"), false), Err(RespondError::UnknownObserver));
    run(&mut a, &mut s, &mut rng, |_, ev| panic!("{ev:?}"));
    let [Ev::Response { request, code: Code::INTERNAL_SERVER_ERROR, payload, observing: false, .. }] = &a.events[..]
    else {
        panic!("{:?}", a.events)
    };
    assert_eq!(*request, h);
    assert!(payload.len() > 1000 && payload.len() < 1152, "cut to fit: {}", payload.len());
    let text = core::str::from_utf8(payload).expect("cut at a character boundary");
    assert!(diagnostic.starts_with(text));
    assert_eq!(a.s.open_exchanges(), 0, "the observation is over at the client");
}
