//! The endpoint's behaviours, one narrative each, between two real endpoints (addresses 1 and
//! 2) or against hand-written datagrams.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use core::time::Duration;

use coap_codec::endpoint::{
    ArrayStorage, Config, Discarded, EchoConfig, Endpoint, Event, RequestError, RequestOptions, Responded, Storage,
    Table, TransmissionParameters,
};
use coap_codec::time::Instant;
use coap_codec::wire::{Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};

type Ep = Endpoint<u8, ArrayStorage<u8>>;

fn ep(seed: u64) -> Ep {
    Ep::new(Config { seed, ..Config::default() }, ArrayStorage::new())
}

fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

/// Everything `e` sends at `now`: (destination, bytes).
fn sent<S: Storage<u8>>(e: &mut Endpoint<u8, S>, now: Instant) -> Vec<(u8, Vec<u8>)> {
    let mut buf = [0u8; 1500];
    let mut out = Vec::new();
    while let Some(t) = e.poll_transmit(now, &mut buf).unwrap() {
        out.push((t.to, buf[..t.len].to_vec()));
    }
    out
}

/// A compact description of each pending event.
fn events<S: Storage<u8>>(e: &mut Endpoint<u8, S>) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(ev) = e.poll_event() {
        out.push(match ev {
            Event::RequestReceived { request, .. } => {
                format!("request {} {}", code(request.code()), String::from_utf8_lossy(request.payload()))
            }
            Event::ResponseReceived { response, observing, .. } => {
                format!(
                    "response {} {} observing={observing}",
                    code(response.code()),
                    String::from_utf8_lossy(response.payload())
                )
            }
            Event::NotificationReceived { notification, .. } => {
                format!("notification {}", String::from_utf8_lossy(notification.payload()))
            }
            Event::RequestTimedOut { .. } => "timed out".into(),
            Event::RequestReset { .. } => "reset".into(),
            Event::PongReceived { .. } => "pong".into(),
            Event::ObserverRemoved { reason, .. } => format!("observer removed {reason:?}"),
            Event::ResponseNotAcknowledged { .. } => "response not acknowledged".into(),
            _ => "other".into(),
        });
    }
    out
}

fn code(c: Code) -> String {
    format!("{}.{:02}", c.class(), c.detail())
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

/// The handle of the one request event pending on `server`.
fn next_request(server: &mut Ep) -> coap_codec::endpoint::ResponseHandle {
    match server.poll_event() {
        Some(Event::RequestReceived { handle, .. }) => handle,
        other => panic!("expected a request, got {other:?}"),
    }
}

fn deliver(from: u8, to: &mut Ep, datagrams: &[(u8, Vec<u8>)], now: Instant) -> Vec<Result<(), Discarded>> {
    datagrams.iter().map(|(_, d)| to.handle_input(now, from, d)).collect()
}

#[test]
fn piggybacked_response_and_duplicate_con_answered_from_cache_once() {
    let (mut c, mut s) = (ep(1), ep(2));
    c.request(ms(0), 2, &get("temp"), RequestOptions::default()).unwrap();
    let req = sent(&mut c, ms(0));
    assert_eq!(req.len(), 1);
    deliver(1, &mut s, &req, ms(5));
    let h = next_request(&mut s);
    assert_eq!(s.respond(ms(6), h, &content(b"21.5")).unwrap(), Responded::Sent);
    let resp = sent(&mut s, ms(6));
    let m = Message::new_checked(&resp[0].1[..]).unwrap();
    assert_eq!(m.message_type(), MessageType::Acknowledgement);
    assert_eq!(m.message_id(), Message::new_checked(&req[0].1[..]).unwrap().message_id());
    // RFC 7252 §4.5: the duplicate gets the byte-identical response and no second event.
    assert_eq!(deliver(1, &mut s, &req, ms(3000)), [Err(Discarded::Duplicate)]);
    assert!(events(&mut s).is_empty());
    assert_eq!(sent(&mut s, ms(3000)), resp);
    deliver(2, &mut c, &resp, ms(10));
    assert_eq!(events(&mut c), ["response 2.05 21.5 observing=false"]);
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(c.open_exchanges(), 0);
}

#[test]
fn con_retransmissions_follow_rfc7252_schedule_then_give_up() {
    let mut c = ep(7);
    c.request(ms(0), 2, &get("x"), RequestOptions::default()).unwrap();
    let mut times = vec![0u64];
    let first = sent(&mut c, ms(0));
    let mut now = ms(0);
    let mut ev = Vec::new();
    while let Some(t) = c.poll_timeout() {
        now = t;
        c.handle_timeout(now);
        for (_, d) in sent(&mut c, now) {
            assert_eq!(d, first[0].1, "a retransmission is the same datagram");
            times.push(now.as_millis());
        }
        ev.extend(events(&mut c));
    }
    // RFC 7252 §4.2: T0 in [2 s, 3 s], then doubling: T0, 3 T0, 7 T0, 15 T0; give up at 31 T0.
    let t0 = times[1];
    assert!((2000..=3000).contains(&t0), "initial timeout {t0}");
    assert_eq!(times, [0, t0, 3 * t0, 7 * t0, 15 * t0]);
    assert_eq!(now.as_millis(), 31 * t0);
    assert_eq!(ev, ["timed out"]);
}

#[test]
fn per_request_parameters_override_the_endpoints() {
    let mut c = ep(7);
    let params = TransmissionParameters {
        ack_timeout: Duration::from_millis(100),
        ack_random_factor_milli: 1000,
        max_retransmit: 1,
        ..Default::default()
    };
    c.request(ms(0), 2, &get("x"), RequestOptions { params: Some(params), ..Default::default() }).unwrap();
    sent(&mut c, ms(0));
    assert_eq!(c.poll_timeout(), Some(ms(100)));
    c.handle_timeout(ms(100));
    assert_eq!(sent(&mut c, ms(100)).len(), 1);
    assert_eq!(c.poll_timeout(), Some(ms(300)));
    c.handle_timeout(ms(300));
    assert_eq!(events(&mut c), ["timed out"]);
}

#[test]
fn separate_response_after_explicit_accept() {
    let (mut c, mut s) = (ep(1), ep(2));
    c.request(ms(0), 2, &get("separate"), RequestOptions::default()).unwrap();
    deliver(1, &mut s, &sent(&mut c, ms(0)), ms(1));
    let h = next_request(&mut s);
    s.accept(ms(1), h).unwrap();
    let ack = sent(&mut s, ms(1));
    assert_eq!(ack[0].1.len(), 4, "an empty ACK");
    assert_eq!(ack[0].1[0] & 0x30, 0x20);
    deliver(2, &mut c, &ack, ms(2));
    // The client stops retransmitting and waits for the response.
    let timeout = c.poll_timeout().unwrap();
    assert!(timeout > ms(60_000), "response timeout, not a retransmission: {timeout:?}");
    s.respond(ms(500), h, &content(b"late")).unwrap();
    let resp = sent(&mut s, ms(500));
    let m = Message::new_checked(&resp[0].1[..]).unwrap();
    assert_eq!(m.message_type(), MessageType::Confirmable);
    assert_eq!(deliver(2, &mut c, &resp, ms(501)), [Ok(())]);
    let ack2 = sent(&mut c, ms(501));
    assert_eq!(ack2.len(), 1);
    assert_eq!(ack2[0].1, [0x60, 0, resp[0].1[2], resp[0].1[3]]);
    assert_eq!(events(&mut c), ["response 2.05 late observing=false"]);
    // A duplicate of the separate response gets the same empty ACK, no event.
    assert_eq!(deliver(2, &mut c, &resp, ms(600)), [Err(Discarded::Duplicate)]);
    assert_eq!(sent(&mut c, ms(600)), ack2);
    assert!(events(&mut c).is_empty());
    // The server stops retransmitting once acknowledged.
    deliver(1, &mut s, &ack2, ms(502));
    // Nothing to retransmit: the next deadline is the request's dedup entry expiring
    // (EXCHANGE_LIFETIME after it arrived at 1 ms).
    assert_eq!(s.poll_timeout(), Some(ms(1 + 247_000)));
    s.handle_timeout(ms(1 + 247_000));
    assert_eq!(s.dedup_entries(), 0);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn automatic_empty_ack_when_the_application_is_slow() {
    let (mut c, mut s) = (ep(1), ep(2));
    c.request(ms(0), 2, &get("slow"), RequestOptions::default()).unwrap();
    deliver(1, &mut s, &sent(&mut c, ms(0)), ms(0));
    let h = next_request(&mut s);
    assert_eq!(s.poll_timeout(), Some(ms(1000)));
    s.handle_timeout(ms(1000));
    let ack = sent(&mut s, ms(1000));
    assert_eq!(ack.len(), 1);
    assert_eq!(ack[0].1.len(), 4);
    // A duplicate of the request now gets that empty ACK again.
    let dup = deliver(1, &mut s, &sent(&mut c, ms(0)), ms(1100));
    assert!(dup.is_empty() || dup == [Err(Discarded::Duplicate)]);
    s.respond(ms(2000), h, &content(b"ok")).unwrap();
    assert_eq!(
        Message::new_checked(&sent(&mut s, ms(2000))[0].1[..]).unwrap().message_type(),
        MessageType::Confirmable
    );
}

#[test]
fn ping_is_answered_with_reset_and_reported_as_pong() {
    let (mut c, mut s) = (ep(1), ep(2));
    c.ping(ms(0), 2).unwrap();
    let ping = sent(&mut c, ms(0));
    assert_eq!(ping[0].1.len(), 4);
    assert_eq!(deliver(1, &mut s, &ping, ms(1)), [Ok(())]);
    let rst = sent(&mut s, ms(1));
    assert_eq!(rst[0].1, [0x70, 0, ping[0].1[2], ping[0].1[3]]);
    deliver(2, &mut c, &rst, ms(2));
    assert_eq!(events(&mut c), ["pong"]);
}

#[test]
fn format_errors_get_reset_or_silence_as_rfc7252_says() {
    let mut s = ep(2);
    // CON with a reserved token length (9): RST (RFC 7252 §4.2).
    assert!(matches!(s.handle_input(ms(0), 1, &[0x49, 0x01, 0x12, 0x34]), Err(Discarded::Malformed(_))));
    assert_eq!(sent(&mut s, ms(0)), [(1, vec![0x70, 0, 0x12, 0x34])]);
    // The same as a NON: silence (§4.3).
    assert!(s.handle_input(ms(0), 1, &[0x59, 0x01, 0x12, 0x34]).is_err());
    // Version 2: silence (§3).
    assert!(s.handle_input(ms(0), 1, &[0x80, 0x01, 0x12, 0x34]).is_err());
    // 1- and 3-byte datagrams: silence (no header to answer).
    assert!(s.handle_input(ms(0), 1, &[0x40]).is_err());
    assert!(s.handle_input(ms(0), 1, &[0x40, 0x01, 0x12]).is_err());
    // A truncated option in a CON: RST.
    assert!(s.handle_input(ms(0), 1, &[0x40, 0x01, 0x00, 0x07, 0xB5, b'a']).is_err());
    assert_eq!(sent(&mut s, ms(0)), [(1, vec![0x70, 0, 0x00, 0x07])]);
    // An ACK or RST nobody waits for: silence.
    assert_eq!(s.handle_input(ms(0), 1, &[0x60, 0, 0, 9]), Err(Discarded::Unmatched));
    assert_eq!(s.handle_input(ms(0), 1, &[0x70, 0, 0, 9]), Err(Discarded::Unmatched));
    // An ACK carrying a request: rejected silently.
    assert_eq!(s.handle_input(ms(0), 1, &[0x60, 0x01, 0, 9]), Err(Discarded::Rejected));
    // A CON response nobody asked for: RST (RFC 7252 §5.3.2).
    assert_eq!(s.handle_input(ms(0), 1, &[0x41, 0x45, 0, 10, 0xAA]), Err(Discarded::Unmatched));
    assert!(sent(&mut s, ms(0)) == [(1, vec![0x70, 0, 0, 10])]);
    assert!(events(&mut s).is_empty());
}

#[test]
fn unrecognised_critical_option_gets_bad_option_in_con_and_silence_in_non() {
    let mut s = ep(2);
    // CON GET, token 0x77, option 9 (OSCORE, not supported) then... use unknown option 2049? Keep it
    // simple: option 65001 (odd = critical, unregistered) via a 2-byte extended delta.
    let d = 65001u16 - 269;
    let con = [0x41, 0x01, 0x00, 0x21, 0x77, 0xE0, (d >> 8) as u8, d as u8];
    assert_eq!(s.handle_input(ms(0), 1, &con), Err(Discarded::BadOption(OptionNumber(65001))));
    let out = sent(&mut s, ms(0));
    let m = Message::new_checked(&out[0].1[..]).unwrap();
    assert_eq!(
        (m.message_type(), m.code(), m.message_id().0, m.token()),
        (MessageType::Acknowledgement, Code::BAD_OPTION, 0x21, &[0x77][..])
    );
    // Its duplicate gets the same 4.02.
    assert_eq!(s.handle_input(ms(1), 1, &con), Err(Discarded::Duplicate));
    assert_eq!(sent(&mut s, ms(1)), out);
    let mut non = con;
    non[0] = 0x51;
    non[3] = 0x22;
    assert!(s.handle_input(ms(0), 1, &non).is_err());
    assert!(sent(&mut s, ms(0)).is_empty());
    assert!(events(&mut s).is_empty());
    // An unknown elective option (even) is ignored: the request goes through.
    let d = 65000u16 - 269;
    let elective = [0x41, 0x01, 0x00, 0x23, 0x77, 0xE0, (d >> 8) as u8, d as u8];
    assert_eq!(s.handle_input(ms(0), 1, &elective), Ok(()));
}

#[test]
fn nstart_one_keeps_one_outstanding_request_per_peer() {
    let (mut c, mut s) = (ep(1), ep(2));
    for path in ["a", "b", "c"] {
        c.request(ms(0), 2, &get(path), RequestOptions::default()).unwrap();
    }
    // Another peer is not held up.
    c.request(ms(0), 3, &get("other"), RequestOptions::default()).unwrap();
    let out = sent(&mut c, ms(0));
    assert_eq!(out.iter().map(|(to, _)| *to).collect::<Vec<_>>(), [2, 3]);
    let mut now = 0;
    let mut answered = Vec::new();
    for _ in 0..3 {
        let to_server: Vec<_> = sent(&mut c, ms(now))
            .into_iter()
            .chain(out.iter().filter(|(to, _)| *to == 2).take(if now == 0 { 1 } else { 0 }).cloned())
            .collect();
        assert_eq!(to_server.len(), 1, "exactly one request in flight at {now}");
        deliver(1, &mut s, &to_server, ms(now));
        let h = next_request(&mut s);
        s.respond(ms(now), h, &content(b"r")).unwrap();
        deliver(2, &mut c, &sent(&mut s, ms(now)), ms(now));
        answered.extend(events(&mut c));
        now += 10;
    }
    assert_eq!(answered.len(), 3);
}

#[test]
fn nstart_queue_is_bounded() {
    let mut c = Ep::new(Config { nstart_queue: 2, ..Config::default() }, ArrayStorage::new());
    c.request(ms(0), 2, &get("a"), RequestOptions::default()).unwrap();
    c.request(ms(0), 2, &get("b"), RequestOptions::default()).unwrap();
    c.request(ms(0), 2, &get("c"), RequestOptions::default()).unwrap();
    assert_eq!(c.request(ms(0), 2, &get("d"), RequestOptions::default()), Err(RequestError::NstartQueueFull));
}

#[test]
fn non_request_gets_non_response_and_no_response_suppresses() {
    let (mut c, mut s) = (ep(1), ep(2));
    let non = RequestOptions { confirmable: false, ..Default::default() };
    c.request(ms(0), 2, &get("n"), non).unwrap();
    let req = sent(&mut c, ms(0));
    assert_eq!(Message::new_checked(&req[0].1[..]).unwrap().message_type(), MessageType::NonConfirmable);
    deliver(1, &mut s, &req, ms(0));
    let h = next_request(&mut s);
    s.respond(ms(0), h, &content(b"v")).unwrap();
    let resp = sent(&mut s, ms(0));
    assert_eq!(Message::new_checked(&resp[0].1[..]).unwrap().message_type(), MessageType::NonConfirmable);
    assert_eq!(deliver(1, &mut s, &req, ms(1)), [Err(Discarded::Duplicate)]);
    assert!(sent(&mut s, ms(1)).is_empty(), "a duplicate NON is ignored");
    deliver(2, &mut c, &resp, ms(1));
    assert_eq!(events(&mut c), ["response 2.05 v observing=false"]);

    // RFC 7967: No-Response 2 suppresses 2.xx. NON: nothing at all; CON: the empty ACK only.
    for (confirmable, expect) in [(false, 0usize), (true, 4)] {
        let mut b = get("quiet");
        b.uint(OptionNumber::NO_RESPONSE, 2).unwrap();
        let quiet = c.request(ms(2), 2, &b, RequestOptions { confirmable, ..Default::default() }).unwrap();
        deliver(1, &mut s, &sent(&mut c, ms(2)), ms(2));
        let h = next_request(&mut s);
        assert_eq!(s.respond(ms(2), h, &content(b"x")).unwrap(), Responded::Suppressed);
        let out = sent(&mut s, ms(2));
        assert_eq!(out.iter().map(|(_, d)| d.len()).sum::<usize>(), expect);
        // The client expected no answer of that class: it stops waiting (NSTART frees up).
        c.cancel(ms(2), quiet).unwrap();
        // A 4.04 is not suppressed by value 2.
        c.request(ms(3), 2, &b, RequestOptions { confirmable, ..Default::default() }).unwrap();
        deliver(1, &mut s, &sent(&mut c, ms(3)), ms(3));
        let h = next_request(&mut s);
        let mut nf = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::NOT_FOUND, MessageId(0));
        nf.payload(b"");
        assert_eq!(s.respond(ms(3), h, &nf).unwrap(), Responded::Sent);
        let out = sent(&mut s, ms(3));
        assert_eq!(out.len(), 1);
        deliver(2, &mut c, &out, ms(3));
        assert_eq!(events(&mut c), ["response 4.04  observing=false"]);
    }
}

fn observe_get(path: &str) -> MessageBuilder<'_, 8> {
    let mut b = get(path);
    b.uint(OptionNumber::OBSERVE, 0).unwrap();
    b
}

/// A client (1) observing resource 1 of a server (2): the registration answered, the first
/// response delivered and its event drained.
fn observing() -> (Ep, Ep, coap_codec::endpoint::RequestHandle, coap_codec::endpoint::ObserverHandle) {
    let (mut c, mut s) = (ep(1), ep(2));
    let r = c.request(ms(0), 2, &observe_get("obs"), RequestOptions::default()).unwrap();
    deliver(1, &mut s, &sent(&mut c, ms(0)), ms(0));
    let h = next_request(&mut s);
    let o = s.observe(ms(0), h, 1).unwrap();
    s.respond(ms(0), h, &content(b"v0")).unwrap();
    deliver(2, &mut c, &sent(&mut s, ms(0)), ms(0));
    assert_eq!(events(&mut c), ["response 2.05 v0 observing=true"]);
    (c, s, r, o)
}

#[test]
fn observe_register_notify_drop_stale_and_cancel_by_reset() {
    let (mut c, mut s) = (ep(1), ep(2));
    let r = c.request(ms(0), 2, &observe_get("obs"), RequestOptions::default()).unwrap();
    deliver(1, &mut s, &sent(&mut c, ms(0)), ms(0));
    let h = next_request(&mut s);
    let o = s.observe(ms(0), h, 7).unwrap();
    s.respond(ms(0), h, &content(b"v0")).unwrap();
    let first = sent(&mut s, ms(0));
    assert!(Message::new_checked(&first[0].1[..]).unwrap().option(OptionNumber::OBSERVE).is_some());
    deliver(2, &mut c, &first, ms(1));
    assert_eq!(events(&mut c), ["response 2.05 v0 observing=true"]);
    assert_eq!(s.observers(7).collect::<Vec<_>>(), [o]);
    // Two NON notifications, delivered in reverse order: the older is stale (RFC 7641 §3.4).
    s.notify(ms(10), o, &content(b"v1"), false).unwrap();
    let n1 = sent(&mut s, ms(10));
    s.notify(ms(20), o, &content(b"v2"), false).unwrap();
    let n2 = sent(&mut s, ms(20));
    assert_eq!(Message::new_checked(&n1[0].1[..]).unwrap().message_type(), MessageType::NonConfirmable);
    deliver(2, &mut c, &n2, ms(21));
    assert_eq!(deliver(2, &mut c, &n1, ms(22)), [Err(Discarded::StaleNotification)]);
    assert_eq!(events(&mut c), ["notification v2"]);
    // The client forgets the observation; the next notification gets RST, which removes the
    // observer on the server (RFC 7641 §3.6).
    c.cancel(ms(30), r).unwrap();
    s.notify(ms(40), o, &content(b"v3"), false).unwrap();
    deliver(2, &mut c, &sent(&mut s, ms(40)), ms(41));
    let rst = sent(&mut c, ms(41));
    assert_eq!(rst[0].1[0], 0x70);
    deliver(1, &mut s, &rst, ms(42));
    assert_eq!(events(&mut s), ["observer removed Reset"]);
    assert_eq!(s.observers(7).count(), 0);
}

#[test]
fn observe_freshness_by_time_after_128_seconds() {
    let (mut c, mut s, _, o) = observing();
    s.notify(ms(1), o, &content(b"old"), false).unwrap();
    let old = sent(&mut s, ms(1));
    s.notify(ms(2), o, &content(b"new"), false).unwrap();
    deliver(2, &mut c, &sent(&mut s, ms(2)), ms(2));
    // The older one, arriving more than 128 s later, is fresh again by the time rule.
    assert_eq!(deliver(2, &mut c, &old, ms(2 + 128_001)), [Ok(())]);
    assert_eq!(events(&mut c), ["notification new", "notification old"]);
}

#[test]
fn con_notification_timeout_removes_the_observer() {
    let (_c, mut s, _, o) = observing();
    s.notify(ms(10), o, &content(b"v1"), true).unwrap();
    let mut n = 0;
    while let Some(t) = s.poll_timeout() {
        s.handle_timeout(t);
        n += sent(&mut s, t).len();
    }
    assert_eq!(n, 4, "MAX_RETRANSMIT retransmissions");
    assert_eq!(events(&mut s), ["observer removed TimedOut"]);
    assert_eq!(s.observers(1).count(), 0);
}

#[test]
fn con_notification_at_least_every_24_hours() {
    let (_c, mut s, _, o) = observing();
    s.notify(ms(1000), o, &content(b"a"), false).unwrap();
    assert_eq!(sent(&mut s, ms(1000))[0].1[0] & 0x30, 0x10, "NON");
    let day = 24 * 3600 * 1000;
    s.notify(ms(day), o, &content(b"b"), false).unwrap();
    assert_eq!(sent(&mut s, ms(day))[0].1[0] & 0x30, 0x00, "CON after 24 hours");
}

#[test]
fn deregister_with_observe_1_ends_the_observation() {
    let (mut c, mut s, r, _) = observing();
    c.deregister(ms(10), r).unwrap();
    let dereg = sent(&mut c, ms(10));
    let m = Message::new_checked(&dereg[0].1[..]).unwrap();
    assert_eq!(m.uint_option(OptionNumber::OBSERVE), Some(1));
    deliver(1, &mut s, &dereg, ms(10));
    let ev = events(&mut s);
    assert_eq!(ev, ["observer removed Deregistered", "request 0.01 "]);
}

#[test]
fn echo_limits_amplification_to_unverified_addresses() {
    let config = Config { echo: Some(EchoConfig::default()), ..Config::default() };
    let (mut c, mut s) = (ep(1), Ep::new(config, ArrayStorage::new()));
    let big = [b'x'; 200];
    c.request(ms(0), 2, &get("big"), RequestOptions::default()).unwrap();
    deliver(1, &mut s, &sent(&mut c, ms(0)), ms(0));
    let h = next_request(&mut s);
    assert!(!s.is_fresh(h));
    assert_eq!(s.respond(ms(0), h, &content(&big)).unwrap(), Responded::EchoChallenge);
    let out = sent(&mut s, ms(0));
    let m = Message::new_checked(&out[0].1[..]).unwrap();
    assert_eq!(m.code(), Code::UNAUTHORIZED);
    let echo = m.option(OptionNumber::ECHO).unwrap().to_vec();
    // The client repeats the request with the Echo value: now verified.
    let mut again = get("big");
    again.option(OptionNumber::ECHO, &echo).unwrap();
    deliver(2, &mut c, &out, ms(1));
    events(&mut c);
    c.request(ms(1000), 2, &again, RequestOptions::default()).unwrap();
    deliver(1, &mut s, &sent(&mut c, ms(1000)), ms(1000));
    let h = next_request(&mut s);
    assert!(s.is_fresh(h));
    assert_eq!(s.respond(ms(1000), h, &content(&big)).unwrap(), Responded::Sent);
    deliver(2, &mut c, &sent(&mut s, ms(1000)), ms(1000));
    assert_eq!(events(&mut c).len(), 1);
    // A forged or expired value does not verify.
    let mut forged = echo.clone();
    forged[7] ^= 1;
    let mut b = get("big");
    b.option(OptionNumber::ECHO, &forged).unwrap();
    c.request(ms(2000), 2, &b, RequestOptions::default()).unwrap();
    deliver(1, &mut s, &sent(&mut c, ms(2000)), ms(2000));
    let h = next_request(&mut s);
    assert!(!s.is_fresh(h));
    s.respond(ms(2000), h, &content(b"")).unwrap();
    deliver(2, &mut c, &sent(&mut s, ms(2000)), ms(2000));
    let mut b = get("big");
    b.option(OptionNumber::ECHO, &echo).unwrap();
    c.request(ms(200_000), 2, &b, RequestOptions::default()).unwrap();
    deliver(1, &mut s, &sent(&mut c, ms(200_000)), ms(200_000));
    let h = next_request(&mut s);
    assert!(!s.is_fresh(h), "older than the 60 s lifetime");
}

#[test]
fn dedup_table_full_is_typed_and_entries_expire() {
    type Small = Endpoint<u8, ArrayStorage<u8, 4, 2, 1, 8, 8>>;
    let mut s = Small::new(Config::default(), ArrayStorage::new());
    let req = |id: u8| [0x40, 0x01, 0, id];
    // Empty CONs are pings, so use GETs without token.
    assert_eq!(s.handle_input(ms(0), 1, &req(1)), Ok(()));
    assert_eq!(s.handle_input(ms(0), 1, &req(2)), Ok(()));
    assert_eq!(s.handle_input(ms(0), 1, &req(3)), Err(Discarded::Full(Table::Dedup)));
    assert_eq!(s.dedup_entries(), 2);
    // After EXCHANGE_LIFETIME (247 s) the oldest go.
    assert_eq!(s.handle_input(ms(247_000), 1, &req(3)), Ok(()));
    assert_eq!(s.dedup_entries(), 1);
}

#[test]
fn message_ids_are_not_reused_within_exchange_lifetime() {
    let mut c = Endpoint::<u8, ArrayStorage<u8, 2>>::new(Config::default(), ArrayStorage::new());
    let mut ids = std::collections::HashSet::new();
    let mut refused = 0;
    for i in 0..70_000u32 {
        match c.request(ms(0), 2, &get("x"), RequestOptions { confirmable: false, ..Default::default() }) {
            Ok(h) => {
                let out = sent(&mut c, ms(0));
                let id = Message::new_checked(&out[0].1[..]).unwrap().message_id().0;
                assert!(ids.insert(id), "id {id} reused at request {i}");
                c.cancel(ms(0), h).unwrap();
            }
            Err(RequestError::MessageIdsExhausted) => refused += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(refused > 0);
    assert!(ids.len() <= 65_536);
}

#[test]
fn a_full_event_queue_refuses_input_without_recording_it() {
    type Small = Endpoint<u8, ArrayStorage<u8, 4, 8, 1, 8, 1>>;
    let mut s = Small::new(Config::default(), ArrayStorage::new());
    assert_eq!(s.handle_input(ms(0), 1, &[0x40, 0x01, 0, 1]), Ok(()));
    assert_eq!(s.handle_input(ms(0), 1, &[0x40, 0x01, 0, 2]), Err(Discarded::Full(Table::Events)));
    assert_eq!(events(&mut s).len(), 1);
    // Retransmitted, it is processed now (it was not recorded as seen).
    assert_eq!(s.handle_input(ms(0), 1, &[0x40, 0x01, 0, 2]), Ok(()));
}

#[test]
fn transmit_buffer_too_small_changes_nothing() {
    let (mut c, _) = (ep(1), ());
    c.request(ms(0), 2, &get("abcdefgh"), RequestOptions::default()).unwrap();
    let mut small = [0u8; 4];
    let err = c.poll_transmit(ms(0), &mut small).unwrap_err();
    assert!(err.required > 4);
    assert_eq!(sent(&mut c, ms(0)).len(), 1);
}

#[test]
fn reset_to_a_request_is_reported() {
    let mut c = ep(1);
    c.request(ms(0), 2, &get("x"), RequestOptions::default()).unwrap();
    let out = sent(&mut c, ms(0));
    assert_eq!(c.handle_input(ms(1), 2, &[0x70, 0, out[0].1[2], out[0].1[3]]), Ok(()));
    assert_eq!(events(&mut c), ["reset"]);
    assert_eq!(c.open_exchanges(), 0);
}

#[test]
fn response_with_unrecognised_critical_option_is_rejected() {
    let mut c = ep(1);
    c.request(ms(0), 2, &get("x"), RequestOptions::default()).unwrap();
    let req = sent(&mut c, ms(0));
    let m = Message::new_checked(&req[0].1[..]).unwrap();
    let d = 65001u16 - 269;
    let tail = [0xE0, (d >> 8) as u8, d as u8, 0xFF, b'h', b'i'];
    // Piggybacked: silently ignored (RFC 7252 §5.4.1, §4.2); the request keeps retransmitting.
    let mut ack = vec![0x60 | m.token().len() as u8, 0x45, req[0].1[2], req[0].1[3]];
    ack.extend_from_slice(m.token());
    ack.extend_from_slice(&tail);
    assert_eq!(c.handle_input(ms(1), 2, &ack), Err(Discarded::BadOption(OptionNumber(65001))));
    assert!(sent(&mut c, ms(1)).is_empty());
    assert!(events(&mut c).is_empty());
    assert!(c.poll_timeout().unwrap() <= ms(3000));
    // As a separate CON response: RST.
    let mut con = vec![0x40 | m.token().len() as u8, 0x45, 0x99, 0x01];
    con.extend_from_slice(m.token());
    con.extend_from_slice(&tail);
    assert!(c.handle_input(ms(2), 2, &con).is_err());
    assert_eq!(sent(&mut c, ms(2)), [(2, vec![0x70, 0, 0x99, 0x01])]);
    assert!(events(&mut c).is_empty());
}

#[test]
fn error_notification_ends_the_observation_without_observe() {
    let (mut c, mut s, _, o) = observing();
    // RFC 7641 §4.2: a 4.04 notification has no Observe and ends the observation; sent as CON
    // and removed at once, it still goes out and is retransmitted until acknowledged.
    let nf = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::NOT_FOUND, MessageId(0));
    s.notify(ms(10), o, &nf, true).unwrap();
    assert_eq!(s.observers(1).count(), 0);
    assert_eq!(s.remove_observer(o), Err(coap_codec::endpoint::RespondError::UnknownObserver));
    let out = sent(&mut s, ms(10));
    let m = Message::new_checked(&out[0].1[..]).unwrap();
    assert_eq!((m.code(), m.option(OptionNumber::OBSERVE)), (Code::NOT_FOUND, None));
    assert!(s.poll_timeout().unwrap() <= ms(10 + 3000), "retransmitted until acknowledged");
    deliver(2, &mut c, &out, ms(11));
    assert_eq!(events(&mut c), ["response 4.04  observing=false"]);
    assert_eq!(c.open_exchanges(), 0);
    // The client's ACK ends the server's retransmissions.
    deliver(1, &mut s, &sent(&mut c, ms(11)), ms(12));
    assert!(s.poll_timeout().unwrap() > ms(100_000));
}

#[test]
fn removing_an_observer_lets_its_notification_in_flight_finish() {
    let (_c, mut s, _, o) = observing();
    s.notify(ms(10), o, &content(b"last"), true).unwrap();
    s.remove_observer(o).unwrap();
    let out = sent(&mut s, ms(10));
    assert_eq!(out.len(), 1, "the notification still goes out");
}

#[test]
fn reset_to_an_older_non_notification_removes_the_observer() {
    let (_c, mut s, _, o) = observing();
    s.notify(ms(10), o, &content(b"1"), false).unwrap();
    let n1 = sent(&mut s, ms(10));
    s.notify(ms(20), o, &content(b"2"), false).unwrap();
    sent(&mut s, ms(20));
    // The RST to the first arrives after the second went out.
    assert_eq!(s.handle_input(ms(30), 1, &[0x70, 0, n1[0].1[2], n1[0].1[3]]), Ok(()));
    assert_eq!(events(&mut s), ["observer removed Reset"]);
}

/// Issue 8's memory goal: a dedup entry of at most 64 bytes with a `SocketAddr` peer, its
/// hash-index word included (the cached answer is apart). Block-wise state lives in the
/// request's handle and in the transfer table, not in the entry.
#[test]
fn dedup_entry_with_its_index_fits_in_64_bytes() {
    use coap_codec::endpoint::DedupSlot;
    let entry = size_of::<DedupSlot<std::net::SocketAddr>>();
    let index = size_of::<u32>();
    assert!(entry + index <= 64, "dedup entry {entry} B + index {index} B > 64 B");
}

#[test]
fn an_observe_option_in_the_answer_to_a_plain_get_is_no_observation() {
    // RFC 7641 §3.1/§3.2: only a registration (GET with Observe 0) is answered into an
    // observation. A server that puts Observe on the answer to a plain GET establishes none:
    // the exchange ends, and the event must say so (it said `observing=true` from the option).
    let (mut c, mut s) = (ep(1), ep(2));
    c.request(ms(0), 2, &get("temp"), RequestOptions::default()).unwrap();
    deliver(1, &mut s, &sent(&mut c, ms(0)), ms(5));
    let h = next_request(&mut s);
    let mut answer = content(b"21.5");
    answer.uint(OptionNumber::OBSERVE, 7).unwrap();
    s.respond(ms(6), h, &answer).unwrap();
    deliver(2, &mut c, &sent(&mut s, ms(6)), ms(10));
    assert_eq!(events(&mut c), ["response 2.05 21.5 observing=false"]);
    assert_eq!(c.open_exchanges(), 0);
}
