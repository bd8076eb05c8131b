//! CoAP over reliable transports (RFC 8323): two sessions through an in-test byte pipe, or one
//! against hand-written frames. One narrative per behaviour.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use core::time::Duration;

use coap_codec::endpoint::{Event, ObserverRemoval, RequestError, RequestOptions, RespondError, Responded};
use coap_codec::session::{ArrayStorage, CloseReason, Config, Role, Session, Storage, Transport};
use coap_codec::time::Instant;
use coap_codec::wire::signal::Signal;
use coap_codec::wire::tcp::{self, Status, TcpMessage};
use coap_codec::wire::{Code, EncodeError, MessageBuilder, MessageId, MessageType, OptionNumber};

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

fn config(role: Role, seed: u64) -> Config {
    Config { role, seed, ..Config::default() }
}

fn initiator() -> Session {
    Session::new(config(Role::Initiator, 1), ArrayStorage::new())
}

fn acceptor() -> Session {
    Session::new(config(Role::Acceptor, 2), ArrayStorage::new())
}

/// Every frame `s` has to send at `now`, each as its own `Vec`.
fn sent<S: Storage>(s: &mut Session<S>, now: Instant) -> Vec<Vec<u8>> {
    let mut buf = [0u8; 4096];
    let mut out = Vec::new();
    while let Some(t) = s.poll_transmit(now, &mut buf).unwrap() {
        out.push(buf[..t.len].to_vec());
        assert!(out.len() < 1000, "poll_transmit does not end");
    }
    out
}

/// The frames `s` has to send, as one byte stream.
fn stream<S: Storage>(s: &mut Session<S>, now: Instant) -> Vec<u8> {
    sent(s, now).concat()
}

/// Decodes every frame of a TCP byte stream.
fn frames(bytes: &[u8]) -> Vec<TcpMessage<'_>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let Status::Complete { item, consumed } = tcp::decode_frame(rest).unwrap() else { panic!("partial frame") };
        out.push(item);
        rest = &rest[consumed..];
    }
    out
}

/// Where each frame of a TCP byte stream starts.
fn frame_starts(bytes: &[u8]) -> Vec<usize> {
    let (mut out, mut at) = (Vec::new(), 0);
    while let Ok(Status::Complete { consumed, .. }) = tcp::decode_frame(&bytes[at..]) {
        out.push(at);
        at += consumed;
    }
    out
}

fn codes(bytes: &[u8]) -> Vec<Code> {
    frames(bytes).iter().map(TcpMessage::code).collect()
}

/// A compact description of each pending event.
fn events<S: Storage>(s: &mut Session<S>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(ev) = s.poll_event() {
        out.push(match ev {
            Event::RequestReceived { request, .. } => {
                let path: Vec<String> = request
                    .options()
                    .filter(|o| o.number == OptionNumber::URI_PATH)
                    .map(|o| String::from_utf8_lossy(o.value).into_owned())
                    .collect();
                format!("request {} /{} {}", request.code(), path.join("/"), String::from_utf8_lossy(request.payload()))
            }
            Event::ResponseReceived { response, observing, .. } => format!(
                "response {} {} observing={observing}",
                response.code(),
                String::from_utf8_lossy(response.payload())
            ),
            Event::NotificationReceived { notification, .. } => {
                format!("notification {}", String::from_utf8_lossy(notification.payload()))
            }
            Event::RequestTimedOut { .. } => "timed out".into(),
            Event::PongReceived { .. } => "pong".into(),
            Event::ObserverRemoved { reason, .. } => format!("observer removed {reason:?}"),
            other => format!("unexpected {other:?}"),
        });
    }
    out
}

fn get(path: &str) -> MessageBuilder<'_, 8> {
    let mut b = MessageBuilder::new(MessageType::Confirmable, Code::GET, MessageId(0));
    b.path(path).unwrap();
    b
}

fn content(payload: &[u8]) -> MessageBuilder<'_, 8> {
    let mut b = MessageBuilder::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
    b.payload(payload);
    b
}

/// Feeds `bytes` to `s` all at once; asserts they were used.
fn feed<S: Storage>(s: &mut Session<S>, now: Instant, bytes: &[u8]) {
    assert_eq!(s.handle_input(now, bytes), Ok(bytes.len()));
}

/// Two sessions joined by two byte pipes (TCP) or message queues (WebSocket).
struct Pair<A: Storage = ArrayStorage, B: Storage = ArrayStorage> {
    a: Session<A>,
    b: Session<B>,
    /// Bytes (TCP) not yet used by the receiver.
    ab: Vec<u8>,
    ba: Vec<u8>,
}

impl<A: Storage, B: Storage> Pair<A, B> {
    fn new(a: Session<A>, b: Session<B>) -> Self {
        Self { a, b, ab: Vec::new(), ba: Vec::new() }
    }

    /// Moves bytes both ways until neither side has anything more to send or to use.
    fn run(&mut self, now: Instant) {
        for _ in 0..100 {
            let (sa, sb) = (stream(&mut self.a, now), stream(&mut self.b, now));
            let moved = !sa.is_empty() || !sb.is_empty();
            self.ab.extend(sa);
            self.ba.extend(sb);
            let used_b = self.b.handle_input(now, &self.ab).unwrap_or(0);
            self.ab.drain(..used_b);
            let used_a = self.a.handle_input(now, &self.ba).unwrap_or(0);
            self.ba.drain(..used_a);
            if !moved && used_a == 0 && used_b == 0 {
                return;
            }
        }
        panic!("the pair does not settle");
    }
}

fn pair() -> Pair {
    let mut p = Pair::new(initiator(), acceptor());
    p.run(ms(0));
    p
}

/// The token of the first request frame in `bytes`.
fn request_token(bytes: &[u8]) -> Vec<u8> {
    frames(bytes).iter().find(|m| m.code().is_request()).unwrap().token().to_vec()
}

#[test]
fn both_sides_send_csm_first_and_learn_the_peers_settings() {
    let mut client = Session::new(
        Config { max_message_size: 4096, block_wise_transfer: true, ..config(Role::Initiator, 1) },
        ArrayStorage::<8, 8, 4, 16, 512, 8192, 8192>::new(),
    );
    let mut server = acceptor();
    // A request queued before anything was sent still follows the CSM (RFC 8323 §3.3).
    client.request(ms(0), &get("a"), RequestOptions::default()).unwrap();
    let c = stream(&mut client, ms(0));
    let s = stream(&mut server, ms(0));
    let cf = frames(&c);
    assert_eq!(Signal::from_message(&cf[0]), Ok(Signal::Csm { max_message_size: 4096, block_wise_transfer: true }));
    assert_eq!(cf[1].code(), Code::GET);
    // The acceptor's CSM with the base values is two bytes: Len 0, 7.01.
    assert_eq!(s, [0x00, 0xE1]);
    assert!(!client.peer_csm_received() && !server.peer_csm_received());
    feed(&mut server, ms(0), &c);
    feed(&mut client, ms(0), &s);
    assert!(client.peer_csm_received() && server.peer_csm_received());
    assert_eq!((server.peer_max_message_size(), server.peer_block_wise_transfer()), (4096, true));
    assert_eq!((client.peer_max_message_size(), client.peer_block_wise_transfer()), (1152, false));
    assert!(!client.bert_usable(), "the server announced no Block-Wise-Transfer");
    assert_eq!(events(&mut server), ["request 0.01 GET /a "]);
}

#[test]
fn bert_needs_both_sides_above_1152_with_block_wise_transfer() {
    let big = |role, seed| {
        Session::new(
            Config { max_message_size: 6000, block_wise_transfer: true, ..config(role, seed) },
            ArrayStorage::<8, 8, 4, 16, 512, 8192, 8192>::new(),
        )
    };
    let mut p = Pair::new(big(Role::Initiator, 1), big(Role::Acceptor, 2));
    p.run(ms(0));
    assert!(p.a.bert_usable() && p.b.bert_usable());
    assert_eq!(p.a.peer_max_message_size(), 6000);
}

#[test]
fn the_initiator_sends_after_its_csm_the_acceptor_waits_for_the_peers() {
    let mut client = initiator();
    let mut server = acceptor();
    client.request(ms(0), &get("c"), RequestOptions::default()).unwrap();
    server.request(ms(0), &get("s"), RequestOptions::default()).unwrap();
    let c = stream(&mut client, ms(0));
    assert_eq!(codes(&c), [Code::CSM, Code::GET], "RFC 8323 §3.3: no wait for the acceptor's CSM");
    let mut s = stream(&mut server, ms(0));
    assert_eq!(codes(&s), [Code::CSM], "the acceptor's request waits");
    feed(&mut server, ms(0), &c);
    let get = stream(&mut server, ms(0));
    assert_eq!(codes(&get), [Code::GET]);
    s.extend(get);
    feed(&mut client, ms(0), &s);
    assert_eq!(events(&mut client), ["request 0.01 GET /s "]);
    assert_eq!(events(&mut server), ["request 0.01 GET /c "]);
}

#[test]
fn a_byte_stream_split_at_every_offset_gives_the_same_events() {
    // The client's CSM and three GETs, one of them with a payload long enough for an extended
    // length (Len 13).
    let mut client = initiator();
    let body = [b'x'; 40];
    client.request(ms(0), &get("a"), RequestOptions::default()).unwrap();
    let mut post = MessageBuilder::<4>::new(MessageType::Confirmable, Code::POST, MessageId(0));
    post.path("b").unwrap().payload(&body);
    client.request(ms(0), &post, RequestOptions::default()).unwrap();
    client.request(ms(0), &get("c/d"), RequestOptions::default()).unwrap();
    let bytes = stream(&mut client, ms(0));
    let starts = frame_starts(&bytes);
    assert_eq!(starts.len(), 4, "CSM and three requests");
    assert_eq!((bytes[starts[2]] >> 4, bytes[starts[2] + 2]), (13, 0x02), "POST with Len 13 and an extended length");

    // Several frames in one input: all used at once.
    let mut whole = acceptor();
    feed(&mut whole, ms(0), &bytes);
    let want = events(&mut whole);
    assert_eq!(want.len(), 3);

    // One byte at a time, the way the STYLE loop feeds a socket.
    let mut s = acceptor();
    let (mut rx, mut got) = (Vec::new(), Vec::new());
    for &byte in &bytes {
        rx.push(byte);
        let used = s.handle_input(ms(0), &rx).unwrap();
        rx.drain(..used);
        got.extend(events(&mut s));
    }
    assert!(rx.is_empty());
    assert_eq!(got, want);

    // Split in two at every offset.
    for k in 0..=bytes.len() {
        let mut s = acceptor();
        let used = s.handle_input(ms(0), &bytes[..k]).unwrap();
        let mut rest = bytes[used..k].to_vec();
        rest.extend_from_slice(&bytes[k..]);
        assert_eq!(s.handle_input(ms(0), &rest), Ok(rest.len()), "split at {k}");
        assert_eq!(events(&mut s), want, "split at {k}");
    }
}

#[test]
fn get_and_content_through_the_pipe() {
    let mut p = pair();
    let request = p.a.request(ms(0), &get("temp"), RequestOptions::default()).unwrap();
    p.run(ms(0));
    let Some(Event::RequestReceived { handle, request: r, .. }) = p.b.poll_event() else { panic!() };
    // The view reads like a UDP message; type and id mean nothing here.
    assert_eq!((r.message_type(), r.message_id()), (MessageType::Confirmable, MessageId(0)));
    assert_eq!(r.token().len(), 4);
    assert_eq!(p.b.respond(ms(0), handle, &content(b"22.5")), Ok(Responded::Sent));
    p.run(ms(0));
    match p.a.poll_event() {
        Some(Event::ResponseReceived { request: h, response, observing: false, .. }) => {
            assert_eq!(h, request);
            assert_eq!(response.message_type(), MessageType::Acknowledgement);
            assert_eq!((response.code(), response.payload()), (Code::CONTENT, &b"22.5"[..]));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!((p.a.open_exchanges(), p.a.poll_timeout()), (0, None));
    // The acceptor asks too: both ends may send requests (RFC 8323 §3.3).
    p.b.request(ms(0), &get("up"), RequestOptions::default()).unwrap();
    p.run(ms(0));
    assert_eq!(events(&mut p.a), ["request 0.01 GET /up "]);
}

#[test]
fn websocket_messages_have_len_zero_and_come_one_per_call() {
    let ws = |role, seed| {
        Session::new(Config { transport: Transport::WebSocket, ..config(role, seed) }, ArrayStorage::new())
    };
    let mut client: Session = ws(Role::Initiator, 1);
    let mut server: Session = ws(Role::Acceptor, 2);
    client.request(ms(0), &get("temp"), RequestOptions::default()).unwrap();
    let msgs = sent(&mut client, ms(0));
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0], [0x00, 0xE1], "CSM with Len 0 (RFC 8323 §4.2)");
    let m = tcp::decode_ws(&msgs[1]).unwrap();
    assert_eq!((msgs[1][0] >> 4, m.code()), (0, Code::GET));
    for msg in &msgs {
        feed(&mut server, ms(0), msg);
    }
    let Some(Event::RequestReceived { handle, .. }) = server.poll_event() else { panic!() };
    let mut big = vec![b'p'; 300];
    big[0] = b'P';
    server.respond(ms(0), handle, &content(&big)).unwrap();
    let back = sent(&mut server, ms(0));
    assert_eq!(back.len(), 2);
    // A body over 12 bytes still has Len 0 and no extended length on a WebSocket.
    assert_eq!(back[1][0] >> 4, 0);
    for msg in &back {
        feed(&mut client, ms(0), msg);
    }
    assert_eq!(
        events(&mut client),
        [format!("response 2.05 Content {} observing=false", String::from_utf8_lossy(&big))]
    );
    // An empty input is no message.
    assert_eq!(client.handle_input(ms(0), &[]), Ok(0));
}

#[test]
fn ping_is_answered_and_custody_waits_until_earlier_requests_are_done() {
    let mut p = pair();
    // A plain Ping: answered at once with its token (RFC 8323 §5.4).
    let ping = p.a.ping(ms(0)).unwrap();
    let c = stream(&mut p.a, ms(0));
    feed(&mut p.b, ms(0), &c);
    let pong = stream(&mut p.b, ms(0));
    let (ping_f, pong_f) = (&frames(&c)[0], &frames(&pong)[0]);
    assert_eq!((pong_f.code(), pong_f.token()), (Code::PONG, ping_f.token()));
    feed(&mut p.a, ms(0), &pong);
    assert!(matches!(p.a.poll_event(), Some(Event::PongReceived { request, .. }) if request == ping));

    // A GET, then a Ping with Custody (§5.4.1): the Pong waits until the GET is answered.
    p.a.request(ms(0), &get("slow"), RequestOptions::default()).unwrap();
    let custody = p.a.ping_with_custody(ms(0)).unwrap();
    let c = stream(&mut p.a, ms(0));
    assert_eq!(codes(&c), [Code::GET, Code::PING]);
    assert_eq!(frames(&c)[1].options().next().map(|o| o.number.0), Some(2), "Custody");
    feed(&mut p.b, ms(0), &c);
    assert!(stream(&mut p.b, ms(0)).is_empty(), "the GET is not answered");
    let Some(Event::RequestReceived { handle, .. }) = p.b.poll_event() else { panic!() };
    assert!(stream(&mut p.b, ms(0)).is_empty(), "the GET is not answered yet");
    p.b.respond(ms(0), handle, &content(b"done")).unwrap();
    let s = stream(&mut p.b, ms(0));
    let f = frames(&s);
    assert_eq!((f[0].code(), f[1].code()), (Code::CONTENT, Code::PONG), "the answer first, then the Pong");
    assert_eq!(Signal::from_message(&f[1]), Ok(Signal::Pong { custody: true }));
    feed(&mut p.a, ms(0), &s);
    assert_eq!(events(&mut p.a), ["response 2.05 Content done observing=false", "pong"]);
    let _ = custody;
}

#[test]
fn a_ping_without_pong_times_out() {
    let mut p = pair();
    let ping = p.a.ping(ms(1000)).unwrap();
    let _ = stream(&mut p.a, ms(1000));
    assert_eq!(p.a.poll_timeout(), Some(ms(31_000)), "Config::ping_timeout 30 s");
    p.a.handle_timeout(ms(30_999));
    assert!(p.a.poll_event().is_none());
    p.a.handle_timeout(ms(31_000));
    assert!(matches!(p.a.poll_event(), Some(Event::RequestTimedOut { request, .. }) if request == ping));
    assert_eq!(p.a.poll_timeout(), None);
}

#[test]
fn a_request_without_response_times_out() {
    let mut p = pair();
    let h = p.a.request(ms(0), &get("x"), RequestOptions::default()).unwrap();
    p.run(ms(0));
    p.a.handle_timeout(ms(93_000));
    assert!(matches!(p.a.poll_event(), Some(Event::RequestTimedOut { request, .. }) if request == h));
    // The answer after the timeout matches nothing and is ignored.
    let Some(Event::RequestReceived { handle, .. }) = p.b.poll_event() else { panic!() };
    p.b.respond(ms(93_001), handle, &content(b"late")).unwrap();
    p.run(ms(93_001));
    assert!(p.a.poll_event().is_none());
}

#[test]
fn release_closes_after_what_was_queued() {
    let mut p = pair();
    p.a.request(ms(0), &get("before"), RequestOptions::default()).unwrap();
    p.a.release(ms(0), Some("backup.example:5683"), Some(Duration::from_secs(60))).unwrap();
    assert_eq!(p.a.request(ms(0), &get("after"), RequestOptions::default()), Err(RequestError::Closed));
    let c = stream(&mut p.a, ms(0));
    assert_eq!(codes(&c), [Code::GET, Code::RELEASE], "messages in flight go first (RFC 8323 §5.5)");
    let reason = CloseReason::ReleaseReceived { hold_off: Some(60) };
    assert_eq!(p.b.handle_input(ms(0), &c), Err(reason));
    assert_eq!(p.b.close_reason(), Some(reason));
    assert_eq!(p.b.alternative_address(), Some(&b"backup.example:5683"[..]));
    assert_eq!(p.b.peer_diagnostic(), Some(&b""[..]));
    // The GET before the Release was delivered; its handle is void now.
    let Some(Event::RequestReceived { handle, .. }) = p.b.poll_event() else { panic!() };
    assert_eq!(p.b.respond(ms(0), handle, &content(b"")), Err(RespondError::UnknownRequest));
    assert_eq!(p.b.handle_input(ms(0), &[0, 0]), Err(reason), "input after the close is refused");
    // The releasing side keeps reading until the peer closes the transport.
    assert!(!p.a.is_closed());
    p.a.connection_lost(ms(5));
    assert_eq!(p.a.close_reason(), Some(CloseReason::Released));
    assert!(stream(&mut p.a, ms(5)).is_empty());
}

#[test]
fn abort_replaces_the_queue_and_carries_a_diagnostic() {
    let mut p = pair();
    p.b.request(ms(0), &get("dropped"), RequestOptions::default()).unwrap();
    p.b.abort(ms(0), "going down");
    assert_eq!(p.b.close_reason(), Some(CloseReason::Aborted));
    let s = stream(&mut p.b, ms(0));
    assert_eq!(codes(&s), [Code::ABORT], "the queued GET is dropped (RFC 8323 §5.6)");
    assert_eq!(p.a.handle_input(ms(0), &s), Err(CloseReason::AbortReceived { bad_csm_option: None }));
    assert_eq!(p.a.peer_diagnostic(), Some(&b"going down"[..]));
    assert_eq!(p.a.alternative_address(), None);
    assert_eq!(p.a.ping(ms(0)), Err(RequestError::Closed));
    assert_eq!(p.a.poll_timeout(), None);
}

#[test]
fn a_first_message_that_is_not_a_csm_gets_abort() {
    let mut s = acceptor();
    // Empty messages are ignored at any time (RFC 8323 §3.4), even before the CSM.
    assert_eq!(s.handle_input(ms(0), &[0x00, 0x00]), Ok(2));
    // GET with token 0x42 as the first real message.
    assert_eq!(s.handle_input(ms(0), &[0x01, 0x01, 0x42]), Err(CloseReason::MissingCsm));
    let out = stream(&mut s, ms(0));
    let f = frames(&out);
    assert_eq!(f.iter().map(TcpMessage::code).collect::<Vec<_>>(), [Code::CSM, Code::ABORT], "our CSM still first");
    assert_eq!(f[1].payload(), b"first message is not a CSM (RFC 8323 \xc2\xa73.3)");
}

#[test]
fn an_unknown_critical_csm_option_aborts_with_bad_csm_option() {
    let mut s = acceptor();
    // CSM with option 8 (elective, unknown): ignored.
    feed(&mut s, ms(0), &[0x10, 0xE1, 0x80]);
    assert!(s.peer_csm_received());
    // A later CSM with option 9 (critical, unknown): Abort naming it (RFC 8323 §5.3, §5.6).
    let reason = CloseReason::BadSignalOption { code: Code::CSM, option: 9 };
    assert_eq!(s.handle_input(ms(0), &[0x10, 0xE1, 0x90]), Err(reason));
    let out = stream(&mut s, ms(0));
    let abort = &frames(&out)[1];
    assert_eq!(
        Signal::from_message(abort).unwrap(),
        Signal::Abort { bad_csm_option: Some(9), diagnostic: b"unprocessable signal option (RFC 8323 \xc2\xa75.2)" }
    );
}

#[test]
fn a_csm_with_an_unprocessable_max_message_size_aborts() {
    let mut s = acceptor();
    // Max-Message-Size of 5 bytes (the option takes 0-4).
    let r = s.handle_input(ms(0), &[0x60, 0xE1, 0x25, 1, 2, 3, 4, 5]);
    assert_eq!(r, Err(CloseReason::BadSignalOption { code: Code::CSM, option: 2 }));
}

#[test]
fn later_csms_are_cumulative() {
    let mut s = acceptor();
    // Max-Message-Size 2000 and Block-Wise-Transfer, then a CSM with neither: both stay.
    feed(&mut s, ms(0), &[0x40, 0xE1, 0x22, 0x07, 0xD0, 0x20]);
    feed(&mut s, ms(0), &[0x00, 0xE1]);
    assert_eq!((s.peer_max_message_size(), s.peer_block_wise_transfer()), (2000, true));
    // A new Max-Message-Size replaces the active value (§5.3.1).
    feed(&mut s, ms(0), &[0x30, 0xE1, 0x22, 0x01, 0x00]);
    assert_eq!(s.peer_max_message_size(), 256);
}

#[test]
fn messages_over_the_max_message_size_are_refused() {
    // The server accepts 200 bytes.
    let server: Session =
        Session::new(Config { max_message_size: 200, ..config(Role::Acceptor, 2) }, ArrayStorage::new());
    let mut p = Pair::new(initiator(), server);
    p.run(ms(0));
    assert_eq!(p.a.peer_max_message_size(), 200);
    let payload = [7u8; 300];
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("fw").unwrap().payload(&payload);
    // Len 14 + 2 bytes, code, 4-byte token, "fw" option (3), marker, payload.
    let required = 1 + 2 + 1 + 4 + 3 + 1 + 300;
    assert_eq!(
        p.a.request(ms(0), &put, RequestOptions::default()),
        Err(RequestError::TooLarge { required, max: p.a.peer_max_message_size() })
    );
    assert_eq!(p.a.open_exchanges(), 0);
    // The server answers with too much: refused the same way.
    p.a.request(ms(0), &get("x"), RequestOptions::default()).unwrap();
    p.run(ms(0));
    let Some(Event::RequestReceived { handle, .. }) = p.b.poll_event() else { panic!() };
    let big = [1u8; 1200];
    assert!(matches!(
        p.b.respond(ms(0), handle, &content(&big)),
        Err(RespondError::Encode(EncodeError::BufferTooSmall { .. }))
    ));

    // An incoming frame over the server's 200 bytes: Abort as soon as its header says so,
    // before the body arrives (Len 14, extended length 0x0100 + 269 = 525).
    let reason = CloseReason::MessageTooLarge { size: 2 + 2 + 525, max: 200 };
    assert_eq!(p.b.handle_input(ms(0), &[0xE0, 0x01, 0x00]), Err(reason));
    assert_eq!(codes(&stream(&mut p.b, ms(0))), [Code::ABORT]);
}

#[test]
fn a_malformed_frame_gets_abort() {
    let mut p = pair();
    // TKL 9 is not a token length (RFC 8323 §3.2 keeps RFC 7252's).
    let Err(CloseReason::Malformed(e)) = p.b.handle_input(ms(0), &[0x09, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9]) else {
        panic!()
    };
    assert_eq!(e.kind, coap_codec::wire::Malformed::ReservedTokenLength(9));
    assert_eq!(codes(&stream(&mut p.b, ms(0))), [Code::ABORT]);
}

#[test]
fn observe_notifications_arrive_in_order_and_deregistration_ends_them() {
    let mut p = pair();
    let mut reg = get("obs");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    let h = p.a.request(ms(0), &reg, RequestOptions::default()).unwrap();
    p.run(ms(0));
    let Some(Event::RequestReceived { handle, .. }) = p.b.poll_event() else { panic!() };
    let o = p.b.observe(ms(0), handle, 7).unwrap();
    assert_eq!(p.b.observers(7).collect::<Vec<_>>(), [o]);
    p.b.respond(ms(0), handle, &content(b"0")).unwrap();
    p.run(ms(0));
    assert_eq!(events(&mut p.a), ["response 2.05 Content 0 observing=true"]);
    assert_eq!(p.a.poll_timeout(), None, "an established observation has no timeout");
    for v in [b"1", b"2", b"3"] {
        p.b.notify(ms(0), o, &content(v), false).unwrap();
    }
    let s = stream(&mut p.b, ms(0));
    // Observe values still count up (RFC 8323 §7.1 lets them be empty; a proxy can use them).
    let seq: Vec<u32> =
        frames(&s).iter().map(|m| m.options().find(|o| o.number.0 == 6).map_or(0, |o| o.value[0].into())).collect();
    assert_eq!(seq, [2, 3, 4]);
    feed(&mut p.a, ms(0), &s);
    assert_eq!(events(&mut p.a), ["notification 1", "notification 2", "notification 3"]);

    // Deregistration (RFC 8323 §7.4): the same GET, same token, Observe 1.
    p.a.deregister(ms(0), h).unwrap();
    let c = stream(&mut p.a, ms(0));
    let f = &frames(&c)[0];
    assert_eq!(
        f.options().map(|o| (o.number.0, o.value.to_vec())).collect::<Vec<_>>(),
        [(6, vec![1]), (11, b"obs".to_vec())]
    );
    feed(&mut p.b, ms(0), &c);
    let ev = events(&mut p.b);
    assert_eq!(ev, [format!("observer removed {:?}", ObserverRemoval::Deregistered), "request 0.01 GET /obs ".into()]);
    assert_eq!(p.b.notify(ms(0), o, &content(b"x"), false), Err(RespondError::UnknownObserver));
}

#[test]
fn received_observe_values_are_ignored() {
    let mut p = pair();
    let mut reg = get("obs");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    p.a.request(ms(0), &reg, RequestOptions::default()).unwrap();
    let token = request_token(&stream(&mut p.a, ms(0)));
    // Notifications with Observe 9, 5, then an empty value (RFC 8323 §7.1: MAY be empty,
    // MUST be ignored): every one is delivered, in order.
    let mut bytes = Vec::new();
    for (v, payload) in [(&[9u8][..], b"a"), (&[5u8][..], b"b"), (&[][..], b"c")] {
        let mut b = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
        b.token(&token).unwrap().option(OptionNumber::OBSERVE, v).unwrap().payload(payload);
        let mut out = [0u8; 32];
        let n = tcp::encode(&b, &mut out).unwrap();
        bytes.extend_from_slice(&out[..n]);
    }
    feed(&mut p.a, ms(0), &bytes);
    assert_eq!(events(&mut p.a), ["response 2.05 Content a observing=true", "notification b", "notification c"]);
}

#[test]
fn cancelling_an_observation_deregisters_it_and_drops_what_follows() {
    let mut p = pair();
    let mut reg = get("obs");
    reg.uint(OptionNumber::OBSERVE, 0).unwrap();
    let h = p.a.request(ms(0), &reg, RequestOptions::default()).unwrap();
    p.run(ms(0));
    let Some(Event::RequestReceived { handle, .. }) = p.b.poll_event() else { panic!() };
    let o = p.b.observe(ms(0), handle, 1).unwrap();
    p.b.respond(ms(0), handle, &content(b"0")).unwrap();
    p.run(ms(0));
    let _ = events(&mut p.a);
    p.b.notify(ms(0), o, &content(b"in flight"), false).unwrap();
    p.a.cancel(ms(0), h).unwrap();
    assert_eq!(p.a.cancel(ms(0), h), Err(RequestError::UnknownRequest));
    p.run(ms(0));
    assert!(events(&mut p.a).is_empty(), "the notification in flight is dropped");
    // The server sees the deregistration (RFC 8323 §7.4) and answers it.
    let removed = p.b.poll_event();
    assert!(matches!(removed, Some(Event::ObserverRemoved { reason: ObserverRemoval::Deregistered, .. })));
    let Some(Event::RequestReceived { handle, request, .. }) = p.b.poll_event() else { panic!() };
    assert_eq!(request.uint_option(OptionNumber::OBSERVE), Some(1));
    p.b.respond(ms(0), handle, &content(b"bye")).unwrap();
    p.run(ms(0));
    assert!(events(&mut p.a).is_empty(), "its answer is dropped too");
    assert_eq!(p.a.open_exchanges(), 0);
}

#[test]
fn an_unknown_critical_option_in_a_request_gets_4_02() {
    let mut p = pair();
    let mut b = get("x");
    b.option(OptionNumber(2049), b"?").unwrap();
    let h = p.a.request(ms(0), &b, RequestOptions::default()).unwrap();
    p.run(ms(0));
    assert!(p.b.poll_event().is_none(), "not delivered");
    match p.a.poll_event() {
        Some(Event::ResponseReceived { request, response, .. }) => {
            assert_eq!((request, response.code()), (h, Code::BAD_OPTION));
        }
        other => panic!("{other:?}"),
    }
    // An unknown elective option is fine.
    let mut b = get("y");
    b.option(OptionNumber(2050), b"?").unwrap();
    p.a.request(ms(0), &b, RequestOptions::default()).unwrap();
    p.run(ms(0));
    assert_eq!(events(&mut p.b), ["request 0.01 GET /y "]);
}

#[test]
fn a_response_with_an_unknown_token_is_ignored() {
    let mut p = pair();
    // 2.05 with token 0xDEADBEEF that no request of ours carries.
    feed(&mut p.a, ms(0), &[0x04, 0x45, 0xDE, 0xAD, 0xBE, 0xEF]);
    assert!(p.a.poll_event().is_none());
    assert!(stream(&mut p.a, ms(0)).is_empty(), "no RST on a reliable transport");
}

#[test]
fn a_full_event_queue_makes_handle_input_consume_less_and_nothing_is_lost() {
    type Tiny = ArrayStorage<8, 8, 4, 2>;
    let mut server: Session<Tiny> = Session::new(config(Role::Acceptor, 2), Tiny::new());
    let mut client = initiator();
    for path in ["1", "2", "3", "4", "5"] {
        client.request(ms(0), &get(path), RequestOptions::default()).unwrap();
    }
    let mut rx = stream(&mut client, ms(0));
    assert_eq!(frame_starts(&rx).len(), 6, "CSM and five GETs");
    let mut got = Vec::new();
    let mut rounds = 0;
    while !rx.is_empty() {
        let used = server.handle_input(ms(0), &rx).unwrap();
        assert!(used < rx.len() || got.len() >= 3, "two events fit, not five");
        rx.drain(..used);
        while let Some(Event::RequestReceived { handle, request, .. }) = server.poll_event() {
            got.push(String::from_utf8_lossy(request.option(OptionNumber::URI_PATH).unwrap()).into_owned());
            server.respond(ms(0), handle, &content(b"")).unwrap();
        }
        rounds += 1;
        assert!(rounds < 10);
    }
    assert_eq!(got, ["1", "2", "3", "4", "5"]);
    assert_eq!(rounds, 3);
}

#[test]
fn unanswered_requests_hold_the_input_until_answered() {
    // One slot for received requests: the second waits in the input.
    type OneRequest = ArrayStorage<8, 1>;
    let mut server: Session<OneRequest> = Session::new(config(Role::Acceptor, 2), OneRequest::new());
    let mut client = initiator();
    client.request(ms(0), &get("1"), RequestOptions::default()).unwrap();
    client.request(ms(0), &get("2"), RequestOptions::default()).unwrap();
    let mut rx = stream(&mut client, ms(0));
    let used = server.handle_input(ms(0), &rx).unwrap();
    rx.drain(..used);
    assert!(!rx.is_empty());
    let Some(Event::RequestReceived { handle, .. }) = server.poll_event() else { panic!() };
    assert!(server.poll_event().is_none());
    assert_eq!(server.handle_input(ms(0), &rx), Ok(0), "still unanswered");
    server.respond(ms(0), handle, &content(b"")).unwrap();
    assert_eq!(server.handle_input(ms(0), &rx), Ok(rx.len()));
    assert_eq!(events(&mut server), ["request 0.01 GET /2 "]);
}

#[test]
fn a_missing_csm_times_out() {
    let mut client = initiator();
    assert_eq!(client.poll_timeout(), None, "the wait starts when our CSM is written");
    let _ = stream(&mut client, ms(100));
    assert_eq!(client.poll_timeout(), Some(ms(30_100)));
    client.handle_timeout(ms(30_100));
    assert_eq!(client.close_reason(), Some(CloseReason::CsmTimeout));
    assert_eq!(codes(&stream(&mut client, ms(30_100))), [Code::ABORT]);
}

#[test]
fn no_response_suppresses_the_answer() {
    let mut p = pair();
    let mut b = get("quiet");
    // RFC 7967: No-Response 2 suppresses 2.xx.
    b.uint(OptionNumber::NO_RESPONSE, 2).unwrap();
    p.a.request(ms(0), &b, RequestOptions::default()).unwrap();
    p.run(ms(0));
    let Some(Event::RequestReceived { handle, .. }) = p.b.poll_event() else { panic!() };
    assert_eq!(p.b.respond(ms(0), handle, &content(b"")), Ok(Responded::Suppressed));
    assert!(stream(&mut p.b, ms(0)).is_empty());
}

#[test]
fn the_transport_closing_voids_every_handle_but_keeps_queued_events() {
    let mut p = pair();
    p.a.request(ms(0), &get("x"), RequestOptions::default()).unwrap();
    p.run(ms(0));
    p.b.connection_lost(ms(1));
    assert_eq!(p.b.close_reason(), Some(CloseReason::TransportClosed));
    assert!(stream(&mut p.b, ms(1)).is_empty());
    let Some(Event::RequestReceived { handle, request, .. }) = p.b.poll_event() else { panic!() };
    assert_eq!(request.option(OptionNumber::URI_PATH), Some(&b"x"[..]));
    assert_eq!(p.b.respond(ms(1), handle, &content(b"")), Err(RespondError::UnknownRequest));
}

#[test]
fn custody_with_nothing_pending_is_answered_at_once_and_too_many_wait_in_the_input() {
    let mut p = pair();
    // Ping with Custody, token 0x01..0x05: no request is pending, so the Pong goes at once.
    feed(&mut p.b, ms(0), &[0x11, 0xE2, 0x01, 0x20]);
    let s = stream(&mut p.b, ms(0));
    let f = &frames(&s)[0];
    assert_eq!(
        (f.code(), f.token(), Signal::from_message(f)),
        (Code::PONG, &[1u8][..], Ok(Signal::Pong { custody: true }))
    );
    // A request left unanswered, then five Pings with Custody: four Pongs can wait, the fifth
    // Ping waits in the input (backpressure) until the request is answered.
    p.a.request(ms(0), &get("slow"), RequestOptions::default()).unwrap();
    let mut bytes = stream(&mut p.a, ms(0));
    for t in 2..7u8 {
        bytes.extend_from_slice(&[0x11, 0xE2, t, 0x20]);
    }
    let used = p.b.handle_input(ms(0), &bytes).unwrap();
    assert_eq!(used, bytes.len() - 4);
    assert!(stream(&mut p.b, ms(0)).is_empty());
    let Some(Event::RequestReceived { handle, .. }) = p.b.poll_event() else { panic!() };
    p.b.respond(ms(0), handle, &content(b"")).unwrap();
    feed(&mut p.b, ms(0), &bytes[used..]);
    let s = stream(&mut p.b, ms(0));
    let tokens: Vec<u8> = frames(&s).iter().filter(|m| m.code() == Code::PONG).map(|m| m.token()[0]).collect();
    assert_eq!(tokens, [2, 3, 4, 5, 6]);
}

#[test]
fn after_the_peers_release_what_was_queued_still_goes_out() {
    let mut p = pair();
    p.a.request(ms(0), &get("x"), RequestOptions::default()).unwrap();
    p.run(ms(0));
    let Some(Event::RequestReceived { handle, .. }) = p.b.poll_event() else { panic!() };
    p.b.respond(ms(0), handle, &content(b"answer")).unwrap();
    // The Release arrives before the answer was written.
    p.a.release(ms(0), None, None).unwrap();
    let c = stream(&mut p.a, ms(0));
    assert_eq!(p.b.handle_input(ms(0), &c), Err(CloseReason::ReleaseReceived { hold_off: None }));
    assert_eq!(p.b.alternative_address(), None);
    assert_eq!(codes(&stream(&mut p.b, ms(0))), [Code::CONTENT]);
}

#[test]
fn a_websocket_message_without_room_is_not_taken() {
    type Tiny = ArrayStorage<8, 8, 4, 1>;
    let ws = Config { transport: Transport::WebSocket, ..config(Role::Acceptor, 2) };
    let mut server: Session<Tiny> = Session::new(ws, Tiny::new());
    feed(&mut server, ms(0), &[0x00, 0xE1]);
    feed(&mut server, ms(0), &[0x01, 0x01, 0xA1]);
    // The one event slot is taken: the next message is refused whole, then taken.
    assert_eq!(server.handle_input(ms(0), &[0x01, 0x01, 0xA2]), Ok(0));
    assert!(matches!(server.poll_event(), Some(Event::RequestReceived { .. })));
    assert_eq!(server.handle_input(ms(0), &[0x01, 0x01, 0xA2]), Ok(3));
}

#[test]
fn an_abort_diagnostic_is_cut_to_the_peers_max_message_size() {
    let mut s = initiator();
    let _ = stream(&mut s, ms(0));
    // The peer accepts 16 bytes.
    feed(&mut s, ms(0), &[0x20, 0xE1, 0x21, 16]);
    s.abort(ms(0), "a diagnostic much longer than sixteen bytes");
    let out = stream(&mut s, ms(0));
    assert_eq!(out.len(), 16);
    assert_eq!(frames(&out)[0].payload(), b"a diagnostic");
}

#[test]
fn an_abort_is_never_answered_with_one_and_unknown_signals_are_ignored() {
    let mut s = acceptor();
    feed(&mut s, ms(0), &[0x00, 0xE1]);
    // 7.06 is unassigned: ignored.
    feed(&mut s, ms(0), &[0x00, 0xE6]);
    assert!(!s.is_closed());
    let _ = stream(&mut s, ms(0));
    // An Abort with an unknown critical option 3 and a diagnostic.
    let r = s.handle_input(ms(0), &[0x50, 0xE5, 0x30, 0xFF, b'b', b'y', b'e']);
    assert_eq!(r, Err(CloseReason::AbortReceived { bad_csm_option: None }));
    assert_eq!(s.peer_diagnostic(), Some(&b"bye"[..]));
    assert!(stream(&mut s, ms(0)).is_empty());
}
