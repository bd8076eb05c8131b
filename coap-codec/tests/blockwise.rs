//! Block-wise transfers (RFC 7959) between two endpoints (client 1, server 2), or against
//! hand-written datagrams: the flows of RFC 7959 §3 Figures 2-13 (tests/rfc_vectors.rs has
//! their bytes), 2.31 / 4.08 / 4.13, ETag changes, late negotiation, stale answers, Request-Tag,
//! Observe, retries and the limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use core::time::Duration;

use coap_codec::endpoint::{
    ArrayStorage, Config, Discarded, Endpoint, Event, Limits, RequestError, RequestHandle, RequestOptions,
    ResponseHandle, Storage, TransferError, VecStorage,
};
use coap_codec::time::Instant;
use coap_codec::wire::{Block, Code, Message, MessageBuilder, MessageId, MessageType, Observe, OptionNumber};

type Ep = Endpoint<u8, VecStorage<u8>>;

fn limits() -> Limits {
    Limits { body_bytes: 64 << 10, ..Limits::default() }
}

fn ep(seed: u64, block_szx: Option<u8>) -> Ep {
    Ep::new(Config { seed, block_szx, ..Config::default() }, VecStorage::new(&limits()))
}

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

/// `n` bytes of a pattern that shows misplaced blocks.
fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8 ^ (i / 251) as u8).collect()
}

fn sent<S: Storage<u8>>(e: &mut Endpoint<u8, S>, now: Instant) -> Vec<Vec<u8>> {
    let mut buf = [0u8; 2048];
    let mut out = Vec::new();
    while let Some(t) = e.poll_transmit(now, &mut buf).unwrap() {
        out.push(buf[..t.len].to_vec());
    }
    out
}

fn msg(d: &[u8]) -> Message<&[u8]> {
    Message::new_checked(d).unwrap()
}

fn b1(m: &Message<&[u8]>) -> Option<Block> {
    m.option(OptionNumber::BLOCK1).and_then(Block::decode)
}

fn b2(m: &Message<&[u8]>) -> Option<Block> {
    m.option(OptionNumber::BLOCK2).and_then(Block::decode)
}

/// RFC 7959 §3 notation: NUM/M/SIZE.
fn notation(b: Option<Block>) -> String {
    b.map_or("-".into(), |b| b.to_string())
}

/// An event, owned.
#[derive(Debug, Clone, PartialEq)]
enum Ev {
    Request { handle: ResponseHandle, code: Code, payload: Vec<u8>, options: Vec<(u16, Vec<u8>)> },
    Response { request: RequestHandle, code: Code, payload: Vec<u8>, options: Vec<(u16, Vec<u8>)>, observing: bool },
    Notification { request: RequestHandle, payload: Vec<u8>, options: Vec<(u16, Vec<u8>)> },
    Failed { request: RequestHandle, reason: TransferError },
    TimedOut { request: RequestHandle },
    Other(String),
}

fn events<S: Storage<u8>>(e: &mut Endpoint<u8, S>) -> Vec<Ev> {
    let opts = |m: &Message<&[u8]>| m.options().map(|o| (o.number.0, o.value.to_vec())).collect::<Vec<_>>();
    let mut out = Vec::new();
    while let Some(ev) = e.poll_event() {
        out.push(match ev {
            Event::RequestReceived { handle, request, .. } => Ev::Request {
                handle,
                code: request.code(),
                payload: request.payload().to_vec(),
                options: opts(&request),
            },
            Event::ResponseReceived { request, response, observing, .. } => Ev::Response {
                request,
                code: response.code(),
                payload: response.payload().to_vec(),
                options: opts(&response),
                observing,
            },
            Event::NotificationReceived { request, notification, .. } => {
                Ev::Notification { request, payload: notification.payload().to_vec(), options: opts(&notification) }
            }
            Event::TransferFailed { request, reason, .. } => Ev::Failed { request, reason },
            Event::RequestTimedOut { request, .. } => Ev::TimedOut { request },
            other => Ev::Other(format!("{other:?}")),
        });
    }
    out
}

fn has(options: &[(u16, Vec<u8>)], n: OptionNumber) -> bool {
    options.iter().any(|(o, _)| *o == n.0)
}

/// What went over the wire: (sender, datagram).
type Trace = Vec<(u8, Vec<u8>)>;

/// The server application: answers every request with `reply(code, payload) -> (code, body)`.
type App<'a> = dyn FnMut(Code, &[u8]) -> (Code, Vec<u8>) + 'a;

/// Runs client and server until nothing moves (no loss, one instant); the server application
/// answers with `app`. Returns (client events, server events, wire trace: (from, bytes)).
fn pump<S: Storage<u8>, T: Storage<u8>>(
    c: &mut Endpoint<u8, S>,
    s: &mut Endpoint<u8, T>,
    now: Instant,
    app: &mut App<'_>,
) -> (Vec<Ev>, Vec<Ev>, Trace) {
    pump_from(1, c, s, now, app)
}

/// [`pump`] with the client at address `from`.
fn pump_from<S: Storage<u8>, T: Storage<u8>>(
    from: u8,
    c: &mut Endpoint<u8, S>,
    s: &mut Endpoint<u8, T>,
    now: Instant,
    app: &mut App<'_>,
) -> (Vec<Ev>, Vec<Ev>, Trace) {
    let (mut cev, mut sev, mut trace) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..100_000 {
        let up = sent(c, now);
        for d in &up {
            let _ = s.handle_input(now, from, d);
            trace.push((1, d.clone()));
        }
        for ev in events(s) {
            if let Ev::Request { handle, code, payload, .. } = &ev {
                let (rc, rb) = app(*code, payload);
                let mut r = MessageBuilder::<4>::new(MessageType::Acknowledgement, rc, MessageId(0));
                r.payload(&rb);
                s.respond(now, *handle, &r).unwrap();
            }
            sev.push(ev);
        }
        let down = sent(s, now);
        for d in &down {
            let _ = c.handle_input(now, 2, d);
            trace.push((2, d.clone()));
        }
        cev.extend(events(c));
        if up.is_empty() && down.is_empty() {
            return (cev, sev, trace);
        }
    }
    panic!("pump does not settle");
}

fn get(path: &str) -> MessageBuilder<'_, 8> {
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, MessageId(0));
    b.path(path).unwrap();
    b
}

/// One line per datagram: type code MID Block1 Block2 payload-length (RFC 7959 §3 style).
fn flow(trace: &[(u8, Vec<u8>)]) -> Vec<String> {
    trace
        .iter()
        .map(|(from, d)| {
            let m = msg(d);
            format!(
                "{} {} {}.{:02} b1={} b2={} len={}",
                if *from == 1 { "C>" } else { "<S" },
                m.message_type().name(),
                m.code().class(),
                m.code().detail(),
                notation(b1(&m)),
                notation(b2(&m)),
                m.payload().len()
            )
        })
        .collect()
}

#[test]
fn fig2_simple_block_wise_get_one_event_with_the_whole_body() {
    // Figure 2: the server proposes 128-byte blocks; the client follows. 300 bytes: 128 + 128 + 44.
    let (mut c, mut s) = (ep(1, Some(6)), ep(2, Some(3)));
    let whole = body(300);
    let h = c.request(ms(0), 2, &get("status"), RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CONTENT, whole.clone()));
    assert_eq!(
        flow(&trace),
        [
            "C> CON 0.01 b1=- b2=- len=0",
            "<S ACK 2.05 b1=- b2=0/1/128 len=128",
            "C> CON 0.01 b1=- b2=1/0/128 len=0",
            "<S ACK 2.05 b1=- b2=1/1/128 len=128",
            "C> CON 0.01 b1=- b2=2/0/128 len=0",
            "<S ACK 2.05 b1=- b2=2/0/128 len=44",
        ]
    );
    // A new message id each, the same token (RFC 7959 §2.4), an ETag in every block, Size2 in
    // the first (§4).
    let ms_: Vec<Message<&[u8]>> = trace.iter().map(|(_, d)| msg(d)).collect();
    let ids: std::collections::HashSet<u16> = ms_.iter().step_by(2).map(|m| m.message_id().0).collect();
    assert_eq!(ids.len(), 3);
    assert!(ms_.iter().all(|m| m.token() == ms_[0].token()));
    let etags: Vec<&[u8]> = ms_.iter().skip(1).step_by(2).map(|m| m.option(OptionNumber::ETAG).unwrap()).collect();
    assert!(etags.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(ms_[1].uint_option(OptionNumber::SIZE2), Some(300));
    // The server application answered once; the client application got one event.
    assert_eq!(sev.len(), 1);
    assert_eq!(cev.len(), 1, "{cev:?}");
    let Ev::Response { request, code, payload, options, .. } = &cev[0] else { panic!("{cev:?}") };
    assert_eq!((*request, *code), (h, Code::CONTENT));
    assert_eq!(payload, &whole);
    assert!(!has(options, OptionNumber::BLOCK2), "Block2 removed from the whole response");
    assert!(has(options, OptionNumber::ETAG));
    assert_eq!(c.open_exchanges(), 0);
    assert_eq!(c.open_transfers(), 0);
}

#[test]
fn fig3_early_negotiation_the_client_asks_for_64_byte_blocks() {
    // Figure 3: the client's Block2 0/0/64 in the first request; the server (1024) complies.
    let (mut c, mut s) = (ep(1, Some(6)), ep(2, Some(6)));
    let whole = body(300);
    let mut b = get("status");
    b.uint(OptionNumber::BLOCK2, Block { num: 0, more: false, szx: 2 }.to_uint()).unwrap();
    c.request(ms(0), 2, &b, RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CONTENT, whole.clone()));
    let f = flow(&trace);
    assert_eq!(f[0], "C> CON 0.01 b1=- b2=0/0/64 len=0");
    assert_eq!(f[1], "<S ACK 2.05 b1=- b2=0/1/64 len=64");
    assert_eq!(f[2], "C> CON 0.01 b1=- b2=1/0/64 len=0");
    assert_eq!(f[9], "<S ACK 2.05 b1=- b2=4/0/64 len=44");
    assert_eq!(f.len(), 10);
    assert_eq!(sev.len(), 1);
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == whole));
}

#[test]
fn fig4_late_negotiation_the_client_continues_in_smaller_blocks() {
    // Figure 4: block 0 in 128 bytes, then the client asks for 64-byte blocks from NUM 2 on.
    // Our client asks for 64 from the first request on (early negotiation, RFC 7959 §2.4; see
    // `early_negotiation_*` below), so the first request reaches this server without its Block2,
    // as if the server ignored it: the client still follows from the offset block 0 reached.
    let (mut c, mut s) = (ep(1, Some(2)), ep(2, Some(3)));
    let whole = body(300);
    c.request(ms(0), 2, &get("status"), RequestOptions::default()).unwrap();
    let first = sent(&mut c, ms(0)).remove(0);
    assert_eq!(flow(&[(1, first.clone())]), ["C> CON 0.01 b1=- b2=0/0/64 len=0"]);
    let first = without(&first, OptionNumber::BLOCK2);
    s.handle_input(ms(0), 1, &first).unwrap();
    let mut trace = vec![(1, first)];
    let (cev, _, rest) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CONTENT, whole.clone()));
    trace.extend(rest);
    assert_eq!(
        flow(&trace),
        [
            "C> CON 0.01 b1=- b2=- len=0",
            "<S ACK 2.05 b1=- b2=0/1/128 len=128",
            "C> CON 0.01 b1=- b2=2/0/64 len=0",
            "<S ACK 2.05 b1=- b2=2/1/64 len=64",
            "C> CON 0.01 b1=- b2=3/0/64 len=0",
            "<S ACK 2.05 b1=- b2=3/1/64 len=64",
            "C> CON 0.01 b1=- b2=4/0/64 len=0",
            "<S ACK 2.05 b1=- b2=4/0/64 len=44",
        ]
    );
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == whole));
}

/// `d` without its `number` options (a datagram as a server that ignores them would see it).
fn without(d: &[u8], number: OptionNumber) -> Vec<u8> {
    let m = msg(d);
    let mut b = MessageBuilder::<16>::new(m.message_type(), m.code(), m.message_id());
    b.token(m.token()).unwrap().payload(m.payload());
    for o in m.options().filter(|o| o.number != number) {
        b.option(o.number, o.value).unwrap();
    }
    let mut out = vec![0u8; b.encoded_len()];
    b.encode(&mut out).unwrap();
    out
}

#[test]
fn fig5_and_fig6_lost_con_and_lost_ack_are_retransmitted_with_identical_answers() {
    let (mut c, mut s) = (ep(1, Some(6)), ep(2, Some(3)));
    let whole = body(300);
    c.request(ms(0), 2, &get("status"), RequestOptions::default()).unwrap();
    // Block 0.
    let r0 = sent(&mut c, ms(0));
    s.handle_input(ms(0), 1, &r0[0]).unwrap();
    let Ev::Request { handle, .. } = events(&mut s).remove(0) else { panic!() };
    let mut r = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
    r.payload(&whole);
    s.respond(ms(0), handle, &r).unwrap();
    c.handle_input(ms(1), 2, &sent(&mut s, ms(0))[0]).unwrap();
    // Figure 5: the request for block 1 is lost; the CON is retransmitted as is.
    let lost = sent(&mut c, ms(1));
    let t = c.poll_timeout().unwrap();
    c.handle_timeout(t);
    let again = sent(&mut c, t);
    assert_eq!(again, lost, "the same datagram, same message id");
    // Figure 6: the ACK of block 1 is lost; the retransmitted CON gets the same ACK, byte for
    // byte (made again from the kept body, RFC 7252 §4.5), and no application event.
    s.handle_input(t, 1, &again[0]).unwrap();
    let ack1 = sent(&mut s, t);
    assert_eq!(s.handle_input(t + Duration::from_secs(3), 1, &again[0]), Err(Discarded::Duplicate));
    assert_eq!(sent(&mut s, t + Duration::from_secs(3)), ack1);
    assert!(events(&mut s).is_empty());
    c.handle_input(t, 2, &ack1[0]).unwrap();
    let (cev, _, _) = pump(&mut c, &mut s, t, &mut |_, _| unreachable!());
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == whole));
}

#[test]
fn fig7_block_wise_put_gets_2_31_continue_and_reaches_the_application_once() {
    // Figure 7: PUT of 300 bytes in 128-byte blocks (the client prefers 128).
    let (mut c, mut s) = (ep(1, Some(3)), ep(2, Some(6)));
    let whole = body(300);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("options").unwrap().uint(OptionNumber::CONTENT_FORMAT, 42).unwrap().payload(&whole);
    let h = c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CHANGED, vec![]));
    assert_eq!(
        flow(&trace),
        [
            "C> CON 0.03 b1=0/1/128 b2=- len=128",
            "<S ACK 2.31 b1=0/1/128 b2=- len=0",
            "C> CON 0.03 b1=1/1/128 b2=- len=128",
            "<S ACK 2.31 b1=1/1/128 b2=- len=0",
            "C> CON 0.03 b1=2/0/128 b2=- len=44",
            "<S ACK 2.04 b1=2/0/128 b2=- len=0",
        ]
    );
    // RFC 7959 §4: Size1 in the first block.
    assert_eq!(msg(&trace[0].1).uint_option(OptionNumber::SIZE1), Some(300));
    // The server application: one request, the whole body, no Block1 or Size1, the options kept.
    let [Ev::Request { code, payload, options, .. }] = &sev[..] else { panic!("{sev:?}") };
    assert_eq!((*code, payload), (Code::PUT, &whole));
    assert!(!has(options, OptionNumber::BLOCK1) && !has(options, OptionNumber::SIZE1));
    assert!(has(options, OptionNumber::CONTENT_FORMAT) && has(options, OptionNumber::URI_PATH));
    // The client application: the final response.
    let [Ev::Response { request, code, .. }] = &cev[..] else { panic!("{cev:?}") };
    assert_eq!((*request, *code), (h, Code::CHANGED));
    assert_eq!(c.open_transfers(), 0);
}

#[test]
fn fig9_the_server_asks_for_smaller_blocks_and_the_client_follows() {
    // Figure 9: block 0 in 128 bytes, the server answers 2.31 with 1:0/1/32, the client goes on
    // with 1:4/1/32 (offset 128).
    let (mut c, mut s) = (ep(1, Some(3)), ep(2, Some(1)));
    let whole = body(200);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("options").unwrap().payload(&whole);
    c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CHANGED, vec![]));
    assert_eq!(
        flow(&trace),
        [
            "C> CON 0.03 b1=0/1/128 b2=- len=128",
            "<S ACK 2.31 b1=0/1/32 b2=- len=0",
            "C> CON 0.03 b1=4/1/32 b2=- len=32",
            "<S ACK 2.31 b1=4/1/32 b2=- len=0",
            "C> CON 0.03 b1=5/1/32 b2=- len=32",
            "<S ACK 2.31 b1=5/1/32 b2=- len=0",
            "C> CON 0.03 b1=6/0/32 b2=- len=8",
            "<S ACK 2.04 b1=6/0/32 b2=- len=0",
        ]
    );
    assert!(matches!(&sev[..], [Ev::Request { payload, .. }] if *payload == whole));
    assert!(matches!(&cev[..], [Ev::Response { code: Code::CHANGED, .. }]));
}

#[test]
fn fig10_post_in_blocks_answered_in_blocks() {
    // Figure 10: a block-wise POST whose answer is block-wise too; the later requests carry
    // Block2 only. Our client's 128-byte blocks go with the last Block1 block as its wish for
    // the answer (early negotiation, RFC 7959 §3.3 Figure 11): the one line Figure 10 lacks.
    let (mut c, mut s) = (ep(1, Some(3)), ep(2, Some(3)));
    let (request_body, answer) = (body(300), body(400));
    let mut post = MessageBuilder::<4>::new(MessageType::Confirmable, Code::POST, MessageId(0));
    post.path("soap").unwrap().payload(&request_body);
    c.request(ms(0), 2, &post, RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CHANGED, answer.clone()));
    assert_eq!(
        flow(&trace),
        [
            "C> CON 0.02 b1=0/1/128 b2=- len=128",
            "<S ACK 2.31 b1=0/1/128 b2=- len=0",
            "C> CON 0.02 b1=1/1/128 b2=- len=128",
            "<S ACK 2.31 b1=1/1/128 b2=- len=0",
            "C> CON 0.02 b1=2/0/128 b2=0/0/128 len=44",
            "<S ACK 2.04 b1=2/0/128 b2=0/1/128 len=128",
            "C> CON 0.02 b1=- b2=1/0/128 len=0",
            "<S ACK 2.04 b1=- b2=1/1/128 len=128",
            "C> CON 0.02 b1=- b2=2/0/128 len=0",
            "<S ACK 2.04 b1=- b2=2/1/128 len=128",
            "C> CON 0.02 b1=- b2=3/0/128 len=0",
            "<S ACK 2.04 b1=- b2=3/0/128 len=16",
        ]
    );
    assert!(matches!(&sev[..], [Ev::Request { payload, .. }] if *payload == request_body));
    assert!(matches!(&cev[..], [Ev::Response { code: Code::CHANGED, payload, .. }] if *payload == answer));
}

/// A client (1) observing resource 1 of a server (2) in 128-byte blocks.
fn observing(szx: u8, first: &[u8]) -> (Ep, Ep, RequestHandle, coap_codec::endpoint::ObserverHandle, Vec<Ev>) {
    let (mut c, mut s) = (ep(1, Some(6)), ep(2, Some(szx)));
    let mut reg = get("status-icon");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    let r = c.request(ms(0), 2, &reg, RequestOptions::default()).unwrap();
    s.handle_input(ms(0), 1, &sent(&mut c, ms(0))[0]).unwrap();
    let Ev::Request { handle, .. } = events(&mut s).remove(0) else { panic!() };
    let o = s.observe(ms(0), handle, 1).unwrap();
    let mut b = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
    b.payload(first);
    s.respond(ms(0), handle, &b).unwrap();
    let (cev, _, _) = pump(&mut c, &mut s, ms(0), &mut |_, _| unreachable!("served from the kept body"));
    (c, s, r, o, cev)
}

#[test]
fn fig12_observe_first_response_and_notification_in_blocks_fetched_on_fresh_tokens() {
    let first = body(200);
    let (mut c, mut s, r, o, cev) = observing(3, &first);
    // The first response, fetched whole: one ResponseReceived, observing.
    let [Ev::Response { request, payload, observing, options, .. }] = &cev[..] else { panic!("{cev:?}") };
    assert_eq!((*request, payload, *observing), (r, &first, true));
    assert!(has(options, OptionNumber::OBSERVE));
    // A CON notification of 300 bytes: block 0 with Observe; the client ACKs it and fetches
    // blocks 1 and 2 with GETs without Observe on a fresh token (RFC 7959 §3.4).
    let second = body(300).into_iter().rev().collect::<Vec<u8>>();
    let mut n = MessageBuilder::<2>::new(MessageType::Confirmable, Code::CONTENT, MessageId(0));
    n.payload(&second);
    s.notify(ms(10), o, &n, true).unwrap();
    let note = sent(&mut s, ms(10));
    let nm = msg(&note[0]);
    assert_eq!((nm.message_type(), notation(b2(&nm))), (MessageType::Confirmable, "0/1/128".to_string()));
    let seq = nm.option(OptionNumber::OBSERVE).and_then(Observe::decode).unwrap();
    c.handle_input(ms(11), 2, &note[0]).unwrap();
    let out = sent(&mut c, ms(11));
    assert_eq!(out.len(), 2, "the empty ACK and the first fetch");
    assert_eq!(out[0].len(), 4);
    let fetch = msg(&out[1]);
    assert_eq!(fetch.code(), Code::GET);
    assert_eq!(fetch.option(OptionNumber::OBSERVE), None);
    assert_eq!(notation(b2(&fetch)), "1/0/128");
    assert_ne!(fetch.token(), nm.token(), "a fresh token");
    s.handle_input(ms(11), 1, &out[0]).unwrap();
    s.handle_input(ms(11), 1, &out[1]).unwrap();
    for d in sent(&mut s, ms(11)) {
        c.handle_input(ms(12), 2, &d).unwrap();
    }
    let (cev, sev, _) = pump(&mut c, &mut s, ms(12), &mut |_, _| unreachable!("served from the kept body"));
    assert!(sev.is_empty());
    let [Ev::Notification { request, payload, options }] = &cev[..] else { panic!("{cev:?}") };
    assert_eq!((*request, payload), (r, &second));
    let observe = options.iter().find(|(n, _)| *n == OptionNumber::OBSERVE.0).map(|(_, v)| Observe::decode(v));
    assert_eq!(observe, Some(Some(seq)), "the notification's Observe value");
    // The registration goes on: the next small notification arrives as usual.
    let mut n = MessageBuilder::<2>::new(MessageType::NonConfirmable, Code::CONTENT, MessageId(0));
    n.payload(b"small");
    s.notify(ms(20), o, &n, false).unwrap();
    c.handle_input(ms(21), 2, &sent(&mut s, ms(20))[0]).unwrap();
    assert!(matches!(&events(&mut c)[..], [Ev::Notification { payload, .. }] if payload == b"small"));
}

#[test]
fn fig13_observe_with_early_negotiation_of_64_byte_blocks() {
    let (mut c, mut s) = (ep(1, Some(6)), ep(2, Some(6)));
    let mut reg = get("status-icon");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap().uint(OptionNumber::BLOCK2, 0x02).unwrap();
    c.request(ms(0), 2, &reg, RequestOptions::default()).unwrap();
    let whole = body(300);
    let mut registered = None;
    let mut app = |_: Code, _: &[u8]| (Code::CONTENT, whole.clone());
    // The registration reaches the application, which registers the observer before answering.
    s.handle_input(ms(0), 1, &sent(&mut c, ms(0))[0]).unwrap();
    let Ev::Request { handle, .. } = events(&mut s).remove(0) else { panic!() };
    registered.replace(s.observe(ms(0), handle, 1).unwrap());
    let mut b = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
    b.payload(&whole);
    s.respond(ms(0), handle, &b).unwrap();
    let first = sent(&mut s, ms(0));
    assert_eq!(notation(b2(&msg(&first[0]))), "0/1/64");
    c.handle_input(ms(0), 2, &first[0]).unwrap();
    let (cev, _, trace) = pump(&mut c, &mut s, ms(0), &mut app);
    assert!(flow(&trace).iter().all(|l| !l.starts_with("C>") || l.contains("/64")), "{:?}", flow(&trace));
    assert!(matches!(&cev[..], [Ev::Response { observing: true, payload, .. }] if *payload == whole));
    // Notifications go in the registration's 64-byte blocks too.
    let mut n = MessageBuilder::<2>::new(MessageType::NonConfirmable, Code::CONTENT, MessageId(0));
    n.payload(&whole[..100]);
    s.notify(ms(10), registered.unwrap(), &n, false).unwrap();
    let note = sent(&mut s, ms(10));
    assert_eq!(notation(b2(&msg(&note[0]))), "0/1/64");
    c.handle_input(ms(10), 2, &note[0]).unwrap();
    let (cev, _, _) = pump(&mut c, &mut s, ms(10), &mut app);
    assert!(matches!(&cev[..], [Ev::Notification { payload, .. }] if *payload == whole[..100]));
}

/// A hand-written response to request `req`: piggybacked ACK (or a separate CON with `id`).
fn answer(
    req: &[u8],
    ty: MessageType,
    id: Option<u16>,
    code: Code,
    opts: &[(OptionNumber, &[u8])],
    payload: &[u8],
) -> Vec<u8> {
    let r = msg(req);
    let mut b = MessageBuilder::<8>::new(ty, code, MessageId(id.unwrap_or(r.message_id().0)));
    b.token(r.token()).unwrap().payload(payload);
    for (n, v) in opts {
        b.option(*n, v).unwrap();
    }
    let mut out = vec![0u8; b.encoded_len()];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn block_value(num: u32, more: bool, szx: u8) -> Vec<u8> {
    let (buf, n) = coap_codec::wire::encode_uint(Block { num, more, szx }.to_uint());
    buf[..n].to_vec()
}

#[test]
fn etag_change_mid_transfer_restarts_from_block_0_once_then_fails() {
    // RFC 7959 §2.4: the blocks of one representation share its ETag. 16-byte blocks.
    let mut c = ep(1, Some(6));
    let h = c.request(ms(0), 2, &get("x"), RequestOptions::default()).unwrap();
    let serve = |c: &mut Ep, num: u32, more: bool, etag: &[u8], fill: u8| {
        let req = sent(c, ms(0)).pop().unwrap();
        let want = b2(&msg(&req)).map_or(0, |b| b.num);
        assert_eq!(want, num, "the client asks for block {num}");
        let d = answer(
            &req,
            MessageType::Acknowledgement,
            None,
            Code::CONTENT,
            &[(OptionNumber::ETAG, etag), (OptionNumber::BLOCK2, &block_value(num, more, 0))],
            &[fill; 16],
        );
        c.handle_input(ms(0), 2, &d)
    };
    serve(&mut c, 0, true, b"A", 1).unwrap();
    serve(&mut c, 1, true, b"A", 2).unwrap();
    // The body changed: block 2 carries ETag B. Back to block 0, once.
    serve(&mut c, 2, true, b"B", 3).unwrap();
    assert!(events(&mut c).is_empty());
    serve(&mut c, 0, true, b"B", 4).unwrap();
    serve(&mut c, 1, true, b"B", 5).unwrap();
    // And again: C. The transfer fails, typed, and the request ends.
    serve(&mut c, 2, true, b"C", 6).unwrap();
    assert_eq!(events(&mut c), [Ev::Failed { request: h, reason: TransferError::EtagChanged }]);
    assert_eq!((c.open_exchanges(), c.open_transfers(), c.body_bytes_in_use()), (0, 0, 0));
    assert!(sent(&mut c, ms(0)).is_empty(), "nothing more is asked for");
}

#[test]
fn a_duplicate_or_late_answer_never_advances_a_download() {
    let mut c = ep(1, Some(6));
    c.request(ms(0), 2, &get("x"), RequestOptions::default()).unwrap();
    let r0 = sent(&mut c, ms(0)).pop().unwrap();
    let block = |req: &[u8], ty, id, num: u32, more: bool, fill: u8| {
        let v = block_value(num, more, 0);
        answer(req, ty, id, Code::CONTENT, &[(OptionNumber::BLOCK2, &v)], &[fill; 16])
    };
    // Block 0 piggybacked; the client asks for block 1.
    c.handle_input(ms(0), 2, &block(&r0, MessageType::Acknowledgement, None, 0, true, 0)).unwrap();
    let r1 = sent(&mut c, ms(0)).pop().unwrap();
    // The ACK of block 0 again (a duplicate): it matches no message id any more.
    assert_eq!(
        c.handle_input(ms(1), 2, &block(&r0, MessageType::Acknowledgement, None, 0, true, 0)),
        Err(Discarded::Unmatched)
    );
    // A separate CON answer for block 0 (same token) arriving late: acknowledged, not taken.
    let late = block(&r1, MessageType::Confirmable, Some(0x7001), 0, true, 9);
    assert_eq!(c.handle_input(ms(2), 2, &late), Err(Discarded::StaleBlock));
    assert_eq!(sent(&mut c, ms(2)), [vec![0x60, 0, 0x70, 0x01]], "an empty ACK, nothing else");
    // Block 1 as a separate CON, and its duplicate with another message id: the second is
    // stale (its offset is behind the body).
    c.handle_input(ms(3), 2, &block(&r1, MessageType::Confirmable, Some(0x7002), 1, true, 1)).unwrap();
    let out = sent(&mut c, ms(3));
    assert_eq!(out.len(), 2, "the empty ACK and the request for block 2");
    let r2 = out[1].clone();
    assert_eq!(notation(b2(&msg(&r2))), "2/0/16");
    assert_eq!(
        c.handle_input(ms(4), 2, &block(&r1, MessageType::Confirmable, Some(0x7003), 1, true, 7)),
        Err(Discarded::StaleBlock)
    );
    // A block from the future is not taken either.
    assert_eq!(
        c.handle_input(ms(4), 2, &block(&r2, MessageType::Acknowledgement, None, 3, false, 7)),
        Err(Discarded::StaleBlock)
    );
    c.handle_input(ms(5), 2, &block(&r2, MessageType::Acknowledgement, None, 2, false, 2)).unwrap();
    let [Ev::Response { payload, .. }] = &events(&mut c)[..] else { panic!() };
    assert_eq!(payload, &[[0u8; 16], [1; 16], [2; 16]].concat());
}

#[test]
fn a_duplicate_2_31_never_skips_an_upload_block() {
    let mut c = ep(1, Some(0));
    let whole = body(48);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&whole);
    c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    let r0 = sent(&mut c, ms(0)).pop().unwrap();
    let cont = |req: &[u8], ty, id, num| {
        answer(req, ty, id, Code::CONTINUE, &[(OptionNumber::BLOCK1, &block_value(num, true, 0))], &[])
    };
    c.handle_input(ms(0), 2, &cont(&r0, MessageType::Acknowledgement, None, 0)).unwrap();
    let r1 = sent(&mut c, ms(0)).pop().unwrap();
    assert_eq!(notation(b1(&msg(&r1))), "1/1/16");
    // A 2.31 for block 0 again, as a separate CON with the same token: stale.
    assert_eq!(c.handle_input(ms(1), 2, &cont(&r1, MessageType::Confirmable, Some(9), 0)), Err(Discarded::StaleBlock));
    assert_eq!(sent(&mut c, ms(1)).len(), 1, "only the empty ACK");
    c.handle_input(ms(2), 2, &cont(&r1, MessageType::Acknowledgement, None, 1)).unwrap();
    let r2 = sent(&mut c, ms(2)).pop().unwrap();
    assert_eq!((notation(b1(&msg(&r2))), msg(&r2).payload()), ("2/0/16".to_string(), &whole[32..]));
}

#[test]
fn server_answers_4_08_to_a_missing_or_unknown_block() {
    let mut s = ep(2, Some(6));
    let put = |id: u16, num: u32, more: bool| {
        let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(id));
        b.token(&[7])
            .unwrap()
            .path("x")
            .unwrap()
            .uint(OptionNumber::BLOCK1, Block { num, more, szx: 0 }.to_uint())
            .unwrap();
        let payload = [num as u8; 16];
        b.payload(&payload);
        let mut out = vec![0u8; b.encoded_len()];
        b.encode(&mut out).unwrap();
        out
    };
    let code_of = |s: &mut Ep| msg(&sent(s, ms(0))[0]).code();
    // RFC 7959 §2.9.2: a block of a body whose start we never saw.
    s.handle_input(ms(0), 1, &put(1, 1, true)).unwrap();
    assert_eq!(code_of(&mut s), Code::REQUEST_ENTITY_INCOMPLETE);
    // Block 0, then block 2: block 1 is missing.
    s.handle_input(ms(0), 1, &put(2, 0, true)).unwrap();
    assert_eq!(code_of(&mut s), Code::CONTINUE);
    s.handle_input(ms(0), 1, &put(3, 2, false)).unwrap();
    assert_eq!(code_of(&mut s), Code::REQUEST_ENTITY_INCOMPLETE);
    assert_eq!(s.open_transfers(), 0, "the partial body is dropped");
    assert!(events(&mut s).is_empty());
    // A block with M set shorter than its size: 4.00 (RFC 7959 §2.3).
    let mut short = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(4));
    short.uint(OptionNumber::BLOCK1, Block { num: 0, more: true, szx: 0 }.to_uint()).unwrap().payload(b"short");
    let mut out = vec![0u8; short.encoded_len()];
    short.encode(&mut out).unwrap();
    s.handle_input(ms(0), 1, &out).unwrap();
    assert_eq!(code_of(&mut s), Code::BAD_REQUEST);
    // SZX 7 is reserved over UDP: 4.00 (RFC 7959 §2.2).
    let mut bert = get("x");
    bert.uint(OptionNumber::BLOCK2, 0x07).unwrap();
    let mut out = vec![0u8; bert.encoded_len()];
    bert.encode(&mut out).unwrap();
    s.handle_input(ms(0), 1, &out).unwrap();
    assert_eq!(code_of(&mut s), Code::BAD_REQUEST);
}

#[test]
fn server_answers_4_13_with_size1_when_the_body_does_not_fit() {
    // A server whose body store takes 1 KiB (less room for the header: Size1 896).
    type Small = Endpoint<u8, ArrayStorage<u8, 4, 16, 1, 8, 8, 2048, 2048, 2048, 2, 1024>>;
    let mut s = Small::new(Config { block_szx: Some(6), ..Config::default() }, ArrayStorage::new());
    let mut c = ep(1, Some(4));
    let whole = body(2000);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&whole);
    let h = c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    // Size1 2000 in block 0 (RFC 7959 §4): refused at once (§2.9.3).
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| unreachable!());
    assert!(sev.is_empty());
    let last = msg(&trace.last().unwrap().1);
    assert_eq!((last.code(), last.uint_option(OptionNumber::SIZE1)), (Code::REQUEST_ENTITY_TOO_LARGE, Some(896)));
    // The client cannot help it with smaller blocks: the 4.13 is the final response.
    assert!(matches!(&cev[..], [Ev::Response { request, code: Code::REQUEST_ENTITY_TOO_LARGE, .. }] if *request == h));
    assert_eq!(s.open_transfers(), 0);
}

#[test]
fn client_restarts_in_the_smaller_block_size_a_4_13_asks_for() {
    let mut c = ep(1, Some(6));
    let whole = body(1500);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&whole);
    c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    let r0 = sent(&mut c, ms(0)).pop().unwrap();
    assert_eq!(notation(b1(&msg(&r0))), "0/1/1024");
    // RFC 7959 §2.9.3: 4.13 with Block1 0/0/256: the server takes 256-byte blocks.
    let too_large = answer(
        &r0,
        MessageType::Acknowledgement,
        None,
        Code::REQUEST_ENTITY_TOO_LARGE,
        &[(OptionNumber::BLOCK1, &block_value(0, false, 4))],
        &[],
    );
    c.handle_input(ms(0), 2, &too_large).unwrap();
    let again = sent(&mut c, ms(0)).pop().unwrap();
    let m = msg(&again);
    assert_eq!((notation(b1(&m)), m.payload()), ("0/1/256".to_string(), &whole[..256]));
    assert_ne!(m.message_id(), msg(&r0).message_id());
    assert!(events(&mut c).is_empty());
    // A 4.08 ends the upload: it is the final response.
    let incomplete = answer(&again, MessageType::Acknowledgement, None, Code::REQUEST_ENTITY_INCOMPLETE, &[], &[]);
    c.handle_input(ms(1), 2, &incomplete).unwrap();
    assert!(matches!(&events(&mut c)[..], [Ev::Response { code: Code::REQUEST_ENTITY_INCOMPLETE, .. }]));
    assert_eq!((c.open_exchanges(), c.open_transfers(), c.body_bytes_in_use()), (0, 0, 0));
}

#[test]
fn request_tag_keeps_concurrent_uploads_to_one_resource_apart() {
    // NSTART 2 lets two uploads to /x interleave; the second gets a Request-Tag of its own
    // (RFC 9175 §3.3), so the server reassembles them apart. A third carries the application's
    // own tag.
    let params = coap_codec::endpoint::TransmissionParameters { nstart: 3, ..Default::default() };
    let mut c =
        Ep::new(Config { seed: 1, block_szx: Some(0), params, ..Config::default() }, VecStorage::new(&limits()));
    let mut s = ep(2, Some(6));
    let bodies = [body(100), body(70).into_iter().rev().collect::<Vec<u8>>(), vec![0x55; 40]];
    for (i, b) in bodies.iter().enumerate() {
        let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
        put.path("x").unwrap().payload(b);
        if i == 2 {
            put.option(OptionNumber::REQUEST_TAG, b"app").unwrap();
        }
        c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    }
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CHANGED, vec![]));
    // They did interleave.
    let firsts: Vec<usize> = trace
        .iter()
        .enumerate()
        .filter(|(_, (f, d))| *f == 1 && b1(&msg(d)).unwrap().num == 0)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(firsts, [0, 1, 2], "{:?}", flow(&trace));
    let tags: Vec<Option<Vec<u8>>> =
        trace[..3].iter().map(|(_, d)| msg(d).option(OptionNumber::REQUEST_TAG).map(<[u8]>::to_vec)).collect();
    assert_eq!(tags[0], None);
    assert!(tags[1].is_some() && tags[1] != Some(b"app".to_vec()));
    assert_eq!(tags[2], Some(b"app".to_vec()));
    let mut got: Vec<Vec<u8>> =
        sev.iter().map(|e| if let Ev::Request { payload, .. } = e { payload.clone() } else { panic!() }).collect();
    let mut want = bodies.to_vec();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(cev.len(), 3);
}

#[test]
fn a_full_transfer_table_answers_5_03_and_bodies_are_bounded() {
    // One transfer slot: a second concurrent upload (another tag) gets 5.03 Service
    // Unavailable (our choice: temporary, RFC 7252 §5.9.3.4; 4.13 is about the body's size).
    type One = Endpoint<u8, ArrayStorage<u8, 4, 16, 1, 8, 8, 2048, 2048, 2048, 1, 4096>>;
    let mut s = One::new(Config::default(), ArrayStorage::new());
    let block0 = |id: u16, tag: &[u8]| {
        let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(id));
        b.path("x").unwrap().option(OptionNumber::REQUEST_TAG, tag).unwrap();
        b.uint(OptionNumber::BLOCK1, Block { num: 0, more: true, szx: 0 }.to_uint()).unwrap().payload(&[1; 16]);
        let mut out = vec![0u8; b.encoded_len()];
        b.encode(&mut out).unwrap();
        out
    };
    s.handle_input(ms(0), 1, &block0(1, b"a")).unwrap();
    assert_eq!(msg(&sent(&mut s, ms(0))[0]).code(), Code::CONTINUE);
    s.handle_input(ms(0), 1, &block0(2, b"b")).unwrap();
    assert_eq!(msg(&sent(&mut s, ms(0))[0]).code(), Code::SERVICE_UNAVAILABLE);
    // The client side: a body larger than its store is refused up front, typed.
    type Tiny = Endpoint<u8, ArrayStorage<u8, 4, 16, 1, 8, 8, 2048, 2048, 2048, 1, 512>>;
    let mut c = Tiny::new(Config { block_szx: Some(2), ..Config::default() }, ArrayStorage::new());
    let big = body(600);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&big);
    assert_eq!(c.request(ms(0), 2, &put, RequestOptions::default()), Err(RequestError::BodyTooLarge));
    put.payload(&big[..300]);
    c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    assert_eq!(c.request(ms(0), 2, &put, RequestOptions::default()), Err(RequestError::TransfersFull));
}

#[test]
fn a_download_larger_than_the_body_store_fails_typed() {
    type Tiny = Endpoint<u8, ArrayStorage<u8, 4, 16, 1, 8, 8, 2048, 2048, 2048, 1, 512>>;
    let mut c = Tiny::new(Config::default(), ArrayStorage::new());
    let mut s = ep(2, Some(2));
    let h = c.request(ms(0), 2, &get("x"), RequestOptions::default()).unwrap();
    let whole = body(2000);
    let (cev, _, _) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CONTENT, whole.clone()));
    // Size2 2000 in block 0 (RFC 7959 §4) says it at once.
    assert_eq!(cev, [Ev::Failed { request: h, reason: TransferError::BodyTooLarge }]);
    assert_eq!((c.open_exchanges(), c.open_transfers(), c.body_bytes_in_use()), (0, 0, 0));
}

#[test]
fn a_block_request_given_up_is_asked_for_again_with_a_new_message_id() {
    let mut c = ep(1, Some(6));
    let h = c.request(ms(0), 2, &get("x"), RequestOptions::default()).unwrap();
    let r0 = sent(&mut c, ms(0)).pop().unwrap();
    let v = block_value(0, true, 0);
    c.handle_input(
        ms(0),
        2,
        &answer(&r0, MessageType::Acknowledgement, None, Code::CONTENT, &[(OptionNumber::BLOCK2, &v)], &[1; 16]),
    )
    .unwrap();
    // Every transmission of the request for block 1 is lost: after MAX_RETRANSMIT it is given
    // up and sent again with a new message id, `block_retries` (3) times; then the request
    // times out.
    let mut ids = Vec::new();
    let mut now = ms(0);
    let mut ev = Vec::new();
    for d in sent(&mut c, now) {
        ids.push(msg(&d).message_id().0);
    }
    while let Some(t) = c.poll_timeout() {
        now = t;
        c.handle_timeout(now);
        for d in sent(&mut c, now) {
            let m = msg(&d);
            assert_eq!(notation(b2(&m)), "1/0/16");
            ids.push(m.message_id().0);
        }
        ev.extend(events(&mut c));
    }
    let distinct: std::collections::BTreeSet<u16> = ids.iter().copied().collect();
    assert_eq!((ids.len(), distinct.len()), (20, 4), "4 message ids, 5 transmissions each");
    assert_eq!(ev, [Ev::TimedOut { request: h }]);
    assert_eq!(c.open_transfers(), 0);
}

#[test]
fn a_reassembly_expires_after_block_lifetime() {
    let (mut c, mut s) = (ep(1, Some(0)), ep(2, Some(6)));
    let whole = body(40);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&whole);
    c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    s.handle_input(ms(0), 1, &sent(&mut c, ms(0))[0]).unwrap();
    c.handle_input(ms(0), 2, &sent(&mut s, ms(0))[0]).unwrap();
    let r1 = sent(&mut c, ms(0)).pop().unwrap();
    assert_eq!(s.open_transfers(), 1);
    // EXCHANGE_LIFETIME (247 s) later the partial body is gone (a deadline of its own) ...
    let mut now = ms(0);
    while let Some(t) = s.poll_timeout().filter(|&t| t <= ms(247_000)) {
        now = t;
        s.handle_timeout(now);
    }
    assert_eq!(now, ms(247_000));
    assert_eq!((s.open_transfers(), s.body_bytes_in_use()), (0, 0));
    // ... so block 1 is a block of an unknown body: 4.08 (RFC 7959 §2.9.2).
    s.handle_input(now, 1, &r1).unwrap();
    assert_eq!(msg(&sent(&mut s, now)[0]).code(), Code::REQUEST_ENTITY_INCOMPLETE);
}

#[test]
fn random_access_to_a_block_the_application_answers() {
    // The client's application asks for block 3 itself: it drives that transfer (no automatic
    // follow-up), and the server's application answers with the whole body, which the endpoint
    // slices.
    let (mut c, mut s) = (ep(1, Some(6)), ep(2, Some(6)));
    let whole = body(300);
    let mut b = get("x");
    b.uint(OptionNumber::BLOCK2, Block { num: 3, more: false, szx: 2 }.to_uint()).unwrap();
    c.request(ms(0), 2, &b, RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CONTENT, whole.clone()));
    assert_eq!(sev.len(), 1);
    assert_eq!(flow(&trace), ["C> CON 0.01 b1=- b2=3/0/64 len=0", "<S ACK 2.05 b1=- b2=3/1/64 len=64"]);
    let [Ev::Response { payload, options, .. }] = &cev[..] else { panic!() };
    assert_eq!(payload, &whole[192..256]);
    assert!(has(options, OptionNumber::BLOCK2), "delivered as it came");
    // The body is kept: block 4 comes from it, without the application.
    let mut b = get("x");
    b.uint(OptionNumber::BLOCK2, Block { num: 4, more: false, szx: 2 }.to_uint()).unwrap();
    c.request(ms(1), 2, &b, RequestOptions::default()).unwrap();
    let (cev, sev, _) = pump(&mut c, &mut s, ms(1), &mut |_, _| unreachable!());
    assert!(sev.is_empty());
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == whole[256..]));
    // Past the end: 4.02 (our choice).
    let mut b = get("x");
    b.uint(OptionNumber::BLOCK2, Block { num: 5, more: false, szx: 2 }.to_uint()).unwrap();
    c.request(ms(2), 2, &b, RequestOptions::default()).unwrap();
    let (cev, _, _) = pump(&mut c, &mut s, ms(2), &mut |_, _| unreachable!());
    assert!(matches!(&cev[..], [Ev::Response { code: Code::BAD_OPTION, .. }]), "{cev:?}");
}

#[test]
fn the_last_block_sent_again_after_a_give_up_gets_the_same_answer() {
    let (mut c, mut s) = (ep(1, Some(0)), ep(2, Some(6)));
    let whole = body(32);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&whole);
    c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    s.handle_input(ms(0), 1, &sent(&mut c, ms(0))[0]).unwrap();
    c.handle_input(ms(0), 2, &sent(&mut s, ms(0))[0]).unwrap();
    // The last block reaches the server, which answers; every answer is lost.
    let last = sent(&mut c, ms(0)).pop().unwrap();
    s.handle_input(ms(0), 1, &last).unwrap();
    let Ev::Request { handle, payload, .. } = events(&mut s).remove(0) else { panic!() };
    assert_eq!(payload, whole);
    let mut r = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CHANGED, MessageId(0));
    r.payload(b"done");
    s.respond(ms(0), handle, &r).unwrap();
    let first_answer = sent(&mut s, ms(0)).pop().unwrap();
    // The client gives up on that CON and sends the block again with a new message id.
    let mut now;
    let again = loop {
        now = c.poll_timeout().unwrap();
        c.handle_timeout(now);
        let out = sent(&mut c, now);
        if let Some(d) = out.into_iter().find(|d| msg(d).message_id() != msg(&last).message_id()) {
            break d;
        }
    };
    // The server recognises the last block of the body it delivered: the same answer, under the
    // new message id, and no second event.
    assert_eq!(s.handle_input(now, 1, &again), Err(Discarded::Duplicate));
    assert!(events(&mut s).is_empty());
    let replay = sent(&mut s, now).pop().unwrap();
    assert_eq!(msg(&replay).message_id(), msg(&again).message_id());
    assert_eq!(replay[4..], first_answer[4..]);
    c.handle_input(now, 2, &replay).unwrap();
    assert!(matches!(&events(&mut c)[..], [Ev::Response { code: Code::CHANGED, payload, .. }] if payload == b"done"));
}

#[test]
fn non_confirmable_transfers_work_both_ways() {
    let (mut c, mut s) = (ep(1, Some(0)), ep(2, Some(0)));
    let non = RequestOptions { confirmable: false, ..Default::default() };
    let whole = body(40);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::POST, MessageId(0));
    put.path("x").unwrap().payload(&whole);
    c.request(ms(0), 2, &put, non).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, p| (Code::CHANGED, p.iter().rev().copied().collect()));
    assert!(trace.iter().all(|(_, d)| msg(d).message_type() == MessageType::NonConfirmable), "{:?}", flow(&trace));
    assert!(matches!(&sev[..], [Ev::Request { payload, .. }] if *payload == whole));
    let rev: Vec<u8> = whole.iter().rev().copied().collect();
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == rev), "{cev:?}");
}

#[test]
fn with_block_szx_none_block_options_pass_through() {
    let (mut c, mut s) = (ep(1, None), ep(2, None));
    let whole = body(1500);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().uint(OptionNumber::BLOCK1, Block { num: 0, more: true, szx: 0 }.to_uint()).unwrap();
    put.payload(&whole[..16]);
    c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CONTENT, whole.clone()));
    let [Ev::Request { options, .. }] = &sev[..] else { panic!() };
    assert!(has(options, OptionNumber::BLOCK1), "the application sees Block1");
    assert_eq!(trace.len(), 2);
    let [Ev::Response { payload, .. }] = &cev[..] else { panic!() };
    assert_eq!(payload.len(), 1500, "not sliced");
}

#[test]
fn kept_bodies_make_room_for_new_ones_and_a_dropped_body_is_sliced_anew() {
    // Room for one 600-byte body: a second client's body replaces the first's.
    type Small = Endpoint<u8, ArrayStorage<u8, 4, 64, 1, 8, 8, 2048, 2048, 2048, 2, 1024>>;
    let mut s = Small::new(Config { block_szx: Some(2), ..Config::default() }, ArrayStorage::new());
    let (mut c1, mut c3) = (ep(1, Some(6)), ep(3, Some(6)));
    let whole = body(600);
    let mut app = |_: Code, _: &[u8]| (Code::CONTENT, whole.clone());
    c1.request(ms(0), 2, &get("x"), RequestOptions::default()).unwrap();
    // Client 1 gets block 0 and asks for block 1 (not delivered yet).
    s.handle_input(ms(0), 1, &sent(&mut c1, ms(0))[0]).unwrap();
    let Ev::Request { handle, .. } = events(&mut s).remove(0) else { panic!() };
    let mut r = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
    r.payload(&whole);
    s.respond(ms(0), handle, &r).unwrap();
    c1.handle_input(ms(0), 2, &sent(&mut s, ms(0))[0]).unwrap();
    let pending = sent(&mut c1, ms(0));
    // Client 3 downloads the same resource: its body evicts client 1's.
    c3.request(ms(1), 2, &get("x"), RequestOptions::default()).unwrap();
    let (cev, sev, _) = pump_from(3, &mut c3, &mut s, ms(1), &mut app);
    assert_eq!(sev.len(), 1);
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == whole));
    // Client 1's request for block 1 reaches the application again (random access), whose
    // answer is sliced anew; the transfer completes.
    assert_eq!(pending.len(), 1);
    s.handle_input(ms(2), 1, &pending[0]).unwrap();
    let (cev, sev, _) = pump(&mut c1, &mut s, ms(2), &mut app);
    assert_eq!(sev.len(), 1, "block 1 went to the application");
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == whole), "{cev:?}");
    assert!(s.body_bytes_in_use() <= 1024);
}

#[test]
fn fig8_a_server_acting_on_each_block_answers_2_04_and_the_client_goes_on() {
    // Figure 8 (stateless PUT): each block answered 2.04 with Block1 M=0; the client sends the
    // next block on any 2.xx that acknowledges the last (RFC 7959 §2.5).
    let mut c = ep(1, Some(3));
    let whole = body(300);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("options").unwrap().payload(&whole);
    c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    let mut got = Vec::new();
    let mut lines = Vec::new();
    for num in 0..3u32 {
        let req = sent(&mut c, ms(0)).pop().unwrap();
        let m = msg(&req);
        lines.push(format!("{} {}", notation(b1(&m)), m.payload().len()));
        got.extend_from_slice(m.payload());
        let v = block_value(num, false, 3);
        c.handle_input(
            ms(0),
            2,
            &answer(&req, MessageType::Acknowledgement, None, Code::CHANGED, &[(OptionNumber::BLOCK1, &v)], &[]),
        )
        .unwrap();
    }
    assert_eq!(lines, ["0/1/128 128", "1/1/128 128", "2/0/128 44"]);
    assert_eq!(got, whole);
    assert!(matches!(&events(&mut c)[..], [Ev::Response { code: Code::CHANGED, .. }]));
}

#[test]
fn fig11_early_negotiation_of_the_answer_in_the_last_block() {
    // Figure 11: the client's Block2 0/0/64 goes with the last Block1 block only; the answer
    // comes in 64-byte blocks.
    let (mut c, mut s) = (ep(1, Some(3)), ep(2, Some(6)));
    let (request_body, answer_body) = (body(300), body(200));
    let mut post = MessageBuilder::<4>::new(MessageType::Confirmable, Code::POST, MessageId(0));
    post.path("soap").unwrap().uint(OptionNumber::BLOCK2, 0x02).unwrap().payload(&request_body);
    c.request(ms(0), 2, &post, RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CHANGED, answer_body.clone()));
    assert_eq!(
        flow(&trace),
        [
            "C> CON 0.02 b1=0/1/128 b2=- len=128",
            "<S ACK 2.31 b1=0/1/128 b2=- len=0",
            "C> CON 0.02 b1=1/1/128 b2=- len=128",
            "<S ACK 2.31 b1=1/1/128 b2=- len=0",
            "C> CON 0.02 b1=2/0/128 b2=0/0/64 len=44",
            "<S ACK 2.04 b1=2/0/128 b2=0/1/64 len=64",
            "C> CON 0.02 b1=- b2=1/0/64 len=0",
            "<S ACK 2.04 b1=- b2=1/1/64 len=64",
            "C> CON 0.02 b1=- b2=2/0/64 len=0",
            "<S ACK 2.04 b1=- b2=2/1/64 len=64",
            "C> CON 0.02 b1=- b2=3/0/64 len=0",
            "<S ACK 2.04 b1=- b2=3/0/64 len=8",
        ]
    );
    assert!(matches!(&sev[..], [Ev::Request { payload, .. }] if *payload == request_body));
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == answer_body));
}

#[test]
fn a_request_sent_whole_goes_again_in_the_blocks_a_4_13_asks_for() {
    // 600 bytes fit one 1024-byte block, so the request goes whole; the server answers 4.13
    // with Block1 SZX 3 (RFC 7959 §2.9.3): the client sends it again in 128-byte blocks.
    let mut c = ep(1, Some(6));
    let whole = body(600);
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&whole);
    let h = c.request(ms(0), 2, &put, RequestOptions::default()).unwrap();
    let r0 = sent(&mut c, ms(0)).pop().unwrap();
    assert_eq!(b1(&msg(&r0)), None);
    let v = block_value(0, false, 3);
    c.handle_input(
        ms(0),
        2,
        &answer(
            &r0,
            MessageType::Acknowledgement,
            None,
            Code::REQUEST_ENTITY_TOO_LARGE,
            &[(OptionNumber::BLOCK1, &v)],
            &[],
        ),
    )
    .unwrap();
    assert!(events(&mut c).is_empty());
    let mut s = ep(2, Some(3));
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(1), &mut |_, _| (Code::CHANGED, vec![]));
    assert_eq!(notation(b1(&msg(&trace[0].1))), "0/1/128");
    assert!(matches!(&sev[..], [Ev::Request { payload, .. }] if *payload == whole));
    assert!(matches!(&cev[..], [Ev::Response { request, code: Code::CHANGED, .. }] if *request == h));
    // A 4.13 without a usable Block1 is the final response.
    c.request(ms(2), 2, &put, RequestOptions::default()).unwrap();
    let r = sent(&mut c, ms(2)).pop().unwrap();
    let size1 = [0x01, 0x00];
    c.handle_input(
        ms(2),
        2,
        &answer(
            &r,
            MessageType::Acknowledgement,
            None,
            Code::REQUEST_ENTITY_TOO_LARGE,
            &[(OptionNumber::SIZE1, &size1)],
            &[],
        ),
    )
    .unwrap();
    assert!(matches!(&events(&mut c)[..], [Ev::Response { code: Code::REQUEST_ENTITY_TOO_LARGE, .. }]));
}

#[test]
fn early_negotiation_a_small_block_size_asks_for_it_from_the_first_get_or_fetch() {
    // A device that cannot take 1024-byte blocks (SZX 2: 64 bytes) asks for its size in the
    // first request (RFC 7959 §2.4 early negotiation; ETSI TD_COAP_BLOCK_01): every block comes
    // in 64 bytes, none in the server's 1024.
    let (mut c, mut s) = (ep(1, Some(2)), ep(2, Some(6)));
    let whole = body(300);
    c.request(ms(0), 2, &get("large"), RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CONTENT, whole.clone()));
    assert_eq!(
        flow(&trace),
        [
            "C> CON 0.01 b1=- b2=0/0/64 len=0",
            "<S ACK 2.05 b1=- b2=0/1/64 len=64",
            "C> CON 0.01 b1=- b2=1/0/64 len=0",
            "<S ACK 2.05 b1=- b2=1/1/64 len=64",
            "C> CON 0.01 b1=- b2=2/0/64 len=0",
            "<S ACK 2.05 b1=- b2=2/1/64 len=64",
            "C> CON 0.01 b1=- b2=3/0/64 len=0",
            "<S ACK 2.05 b1=- b2=3/1/64 len=64",
            "C> CON 0.01 b1=- b2=4/0/64 len=0",
            "<S ACK 2.05 b1=- b2=4/0/64 len=44",
        ]
    );
    assert_eq!(sev.len(), 1, "the server application answered once");
    let [Ev::Response { payload, options, .. }] = &cev[..] else { panic!("{cev:?}") };
    assert_eq!(payload, &whole);
    assert!(!has(options, OptionNumber::BLOCK2), "the whole response, Block2 removed");

    // FETCH (RFC 8132 §2) likewise; an Observe registration too (the notifications then come
    // in the registration's size, RFC 7959 §3.4, as in fig13).
    let mut fetch = MessageBuilder::<4>::new(MessageType::Confirmable, Code::FETCH, MessageId(0));
    fetch.path("large").unwrap().payload(b"q");
    c.request(ms(1), 2, &fetch, RequestOptions::default()).unwrap();
    let r = sent(&mut c, ms(1)).remove(0);
    assert_eq!(notation(b2(&msg(&r))), "0/0/64");
    let mut reg = get("obs");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    c.request(ms(1), 3, &reg, RequestOptions::default()).unwrap();
    let r = sent(&mut c, ms(1)).remove(0);
    assert_eq!((notation(b2(&msg(&r))), msg(&r).option(OptionNumber::OBSERVE)), ("0/0/64".into(), Some(&[][..])));

    // The application's own Block2 wins (here 32 bytes), and so does its Block1 (it drives the
    // transfer: no Block2 added).
    let mut own = get("large");
    own.uint(OptionNumber::BLOCK2, Block { num: 0, more: false, szx: 1 }.to_uint()).unwrap();
    c.request(ms(2), 4, &own, RequestOptions::default()).unwrap();
    assert_eq!(notation(b2(&msg(&sent(&mut c, ms(2)).remove(0)))), "0/0/32");
    let mut driven = get("large");
    driven.uint(OptionNumber::BLOCK1, Block { num: 0, more: false, szx: 2 }.to_uint()).unwrap();
    c.request(ms(2), 5, &driven, RequestOptions::default()).unwrap();
    assert_eq!(b2(&msg(&sent(&mut c, ms(2)).remove(0))), None);

    // Other methods sent whole carry none (a PUT's answer is 2.04, RFC 7252 §5.8.3).
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(b"small");
    c.request(ms(3), 6, &put, RequestOptions::default()).unwrap();
    assert_eq!(b2(&msg(&sent(&mut c, ms(3)).remove(0))), None);

    // A builder with no room for one more option goes as built: late negotiation then
    // (RFC 7959 §2.4), block 0 in the server's size and ours from the offset it reached on.
    let mut full = MessageBuilder::<1>::new(MessageType::Confirmable, Code::GET, MessageId(0));
    full.path("large").unwrap();
    let (mut c, mut s) = (ep(1, Some(2)), ep(2, Some(3)));
    c.request(ms(4), 2, &full, RequestOptions::default()).unwrap();
    let (cev, _, trace) = pump(&mut c, &mut s, ms(4), &mut |_, _| (Code::CONTENT, whole.clone()));
    let f = flow(&trace);
    assert_eq!(
        f[..3],
        ["C> CON 0.01 b1=- b2=- len=0", "<S ACK 2.05 b1=- b2=0/1/128 len=128", "C> CON 0.01 b1=- b2=2/0/64 len=0"]
    );
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == whole));
}

#[test]
fn early_negotiation_with_1024_byte_blocks_adds_nothing() {
    // SZX 6 (the default) is the largest block any server sends: the request goes exactly as
    // the application built it, the body in the server's blocks.
    let (mut c, mut s) = (ep(1, Some(6)), ep(2, Some(6)));
    let whole = body(3000);
    let b = get("large");
    c.request(ms(0), 2, &b, RequestOptions::default()).unwrap();
    let (cev, _, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CONTENT, whole.clone()));
    let first = msg(&trace[0].1);
    assert_eq!(b2(&first), None);
    assert_eq!(trace[0].1.len(), b.encoded_len() + first.token().len(), "not a byte more than built");
    assert_eq!(flow(&trace)[1], "<S ACK 2.05 b1=- b2=0/1/1024 len=1024");
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == whole));
    // An upload's last block carries no Block2 either (a 3000-byte POST: 1024 + 1024 + 952).
    let mut post = MessageBuilder::<4>::new(MessageType::Confirmable, Code::POST, MessageId(0));
    post.path("soap").unwrap().payload(&whole);
    c.request(ms(1), 2, &post, RequestOptions::default()).unwrap();
    let (cev, _, trace) = pump(&mut c, &mut s, ms(1), &mut |_, p| (Code::CHANGED, p.to_vec()));
    let f = flow(&trace);
    assert_eq!(f[4], "C> CON 0.02 b1=2/0/1024 b2=- len=952", "{f:?}");
    assert_eq!(f[5], "<S ACK 2.04 b1=2/0/1024 b2=0/1/1024 len=1024", "{f:?}");
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == whole));
}

#[test]
fn early_negotiation_of_the_answer_to_a_post_or_fetch_sent_in_blocks() {
    // A POST of 300 bytes from a 64-byte device to a 1024-byte server: the last Block1 block
    // carries Block2 0/0/64 (RFC 7959 §2.3, §3.3 Figure 11), so the answer comes in 64-byte
    // blocks from block 0 on (late negotiation would have taken block 0 in 1024 bytes).
    let (mut c, mut s) = (ep(1, Some(2)), ep(2, Some(6)));
    let (request_body, answer_body) = (body(300), body(200));
    let mut post = MessageBuilder::<4>::new(MessageType::Confirmable, Code::POST, MessageId(0));
    post.path("soap").unwrap().payload(&request_body);
    let h = c.request(ms(0), 2, &post, RequestOptions::default()).unwrap();
    let (cev, sev, trace) = pump(&mut c, &mut s, ms(0), &mut |_, _| (Code::CHANGED, answer_body.clone()));
    assert_eq!(
        flow(&trace),
        [
            "C> CON 0.02 b1=0/1/64 b2=- len=64",
            "<S ACK 2.31 b1=0/1/64 b2=- len=0",
            "C> CON 0.02 b1=1/1/64 b2=- len=64",
            "<S ACK 2.31 b1=1/1/64 b2=- len=0",
            "C> CON 0.02 b1=2/1/64 b2=- len=64",
            "<S ACK 2.31 b1=2/1/64 b2=- len=0",
            "C> CON 0.02 b1=3/1/64 b2=- len=64",
            "<S ACK 2.31 b1=3/1/64 b2=- len=0",
            "C> CON 0.02 b1=4/0/64 b2=0/0/64 len=44",
            "<S ACK 2.04 b1=4/0/64 b2=0/1/64 len=64",
            "C> CON 0.02 b1=- b2=1/0/64 len=0",
            "<S ACK 2.04 b1=- b2=1/1/64 len=64",
            "C> CON 0.02 b1=- b2=2/0/64 len=0",
            "<S ACK 2.04 b1=- b2=2/1/64 len=64",
            "C> CON 0.02 b1=- b2=3/0/64 len=0",
            "<S ACK 2.04 b1=- b2=3/0/64 len=8",
        ]
    );
    // The server application saw one request, without the Block options the transfer used.
    let [Ev::Request { payload, options, .. }] = &sev[..] else { panic!("{sev:?}") };
    assert_eq!(payload, &request_body);
    assert!(!has(options, OptionNumber::BLOCK1));
    let [Ev::Response { request, code: Code::CHANGED, payload, .. }] = &cev[..] else { panic!("{cev:?}") };
    assert_eq!((*request, payload), (h, &answer_body));

    // A FETCH in blocks likewise (RFC 8132 §2: its answer is a representation).
    let mut fetch = MessageBuilder::<4>::new(MessageType::Confirmable, Code::FETCH, MessageId(0));
    fetch.path("q").unwrap().payload(&request_body[..100]);
    c.request(ms(1), 2, &fetch, RequestOptions::default()).unwrap();
    let (cev, _, trace) = pump(&mut c, &mut s, ms(1), &mut |_, _| (Code::CONTENT, answer_body.clone()));
    let f = flow(&trace);
    assert_eq!(f[2..4], ["C> CON 0.05 b1=1/0/64 b2=0/0/64 len=36", "<S ACK 2.05 b1=1/0/64 b2=0/1/64 len=64"]);
    assert!(matches!(&cev[..], [Ev::Response { payload, .. }] if *payload == answer_body));

    // A PUT's last block asks for nothing (its answer is 2.04, RFC 7252 §5.8.3): Figure 7 as is.
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("x").unwrap().payload(&request_body);
    c.request(ms(2), 2, &put, RequestOptions::default()).unwrap();
    let (_, _, trace) = pump(&mut c, &mut s, ms(2), &mut |_, _| (Code::CHANGED, vec![]));
    assert!(trace.iter().all(|(_, d)| b2(&msg(d)).is_none()), "{:?}", flow(&trace));
}
