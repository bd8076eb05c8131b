//! The CoAP session over a reliable transport (RFC 8323): a byte string read as operations on an
//! initiator and an acceptor joined by two pipes: raw bytes into either side, delivery of what
//! one wrote to the other in chunks (TCP) or messages (WebSocket, chosen by the first byte),
//! requests (Observe too), responses, observe, notify, pings with and without Custody, cancel,
//! deregister, release, abort, transport loss and time steps; block-wise transfers (RFC 7959
//! over RFC 8323 §6, BERT when both announce it) with bodies up to 9 KB in requests, answers and
//! notifications, and requests carrying fuzzed Block1/Block2 options. Nothing panics, no poll
//! loops forever, `handle_input` never claims more than it was given, the tables and the body
//! store stay bounded.
#![no_main]

use coap_codec::endpoint::{Event, RequestHandle, RequestOptions, ResponseHandle};
use coap_codec::session::{ArrayStorage, Config, Role, Session, Transport};
use coap_codec::time::Instant;
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
use libfuzzer_sys::fuzz_target;

type S = Session<ArrayStorage<4, 4, 2, 8, 256, 4096, 4096, 2, 8192>>;

#[derive(Default)]
struct Side {
    /// Frames written by the other side, not yet delivered.
    wire: Vec<Vec<u8>>,
    /// TCP: bytes delivered but not yet used.
    rx: Vec<u8>,
    pending: Vec<ResponseHandle>,
    registrations: Vec<ResponseHandle>,
    requests: Vec<RequestHandle>,
}

fn drain(s: &mut S, now: Instant, to: &mut Side, me: &mut Side) {
    let mut buf = [0u8; 4096];
    let mut n = 0;
    while let Ok(Some(t)) = s.poll_transmit(now, &mut buf) {
        to.wire.push(buf[..t.len].to_vec());
        n += 1;
        assert!(n < 64, "poll_transmit does not end");
    }
    while let Some(ev) = s.poll_event() {
        match ev {
            Event::RequestReceived { handle, request, .. } => {
                let obs = request.uint_option(OptionNumber::OBSERVE) == Some(0);
                let list = if obs { &mut me.registrations } else { &mut me.pending };
                if list.len() < 8 {
                    list.push(handle);
                }
            }
            Event::ResponseReceived { request, observing: true, .. } if me.requests.len() < 8 => {
                me.requests.push(request)
            }
            _ => {}
        }
        n += 1;
        assert!(n < 128, "poll_event does not end");
    }
    assert!(s.open_exchanges() <= 4);
    assert!(s.open_transfers() <= 2 && s.body_bytes_in_use() <= 8192);
    to.wire.truncate(32);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut ops)) = data.split_first() else { return };
    let transport = if mode & 1 == 0 { Transport::Tcp } else { Transport::WebSocket };
    let config = |role, seed| Config {
        role,
        transport,
        seed,
        max_message_size: 300 + u32::from(mode >> 5) * 600,
        block_wise_transfer: mode & 2 != 0,
        block_szx: (mode >> 2) & 7,
        ..Config::default()
    };
    // Bodies larger than a block (and than 1152 bytes): the input, repeated.
    let big: Vec<u8> = data.iter().copied().cycle().take(9000).collect();
    let mut s =
        [S::new(config(Role::Initiator, 1), Default::default()), S::new(config(Role::Acceptor, 2), Default::default())];
    let mut sides = [Side::default(), Side::default()];
    let mut now = 0u64;
    while let Some((&op, rest)) = ops.split_first() {
        let (arg, rest) = rest.split_first().map_or((0, rest), |(a, r)| (*a, r));
        ops = rest;
        let t = Instant::from_millis(now);
        let i = usize::from(arg & 1);
        match op % 15 {
            0 => {
                let n = usize::from(arg >> 1).min(ops.len());
                if let Ok(used) = s[i].handle_input(t, &ops[..n]) {
                    assert!(used <= n);
                }
                ops = &ops[n..];
            }
            1 | 2 => {
                // Deliver to side i: a chunk of the byte stream (TCP) or one message (WebSocket).
                let side = &mut sides[i];
                if !side.wire.is_empty() {
                    if transport == Transport::Tcp {
                        let bytes = side.wire.concat();
                        let k = usize::from(arg >> 1).max(1).min(bytes.len());
                        side.rx.extend_from_slice(&bytes[..k]);
                        side.wire = if k < bytes.len() { vec![bytes[k..].to_vec()] } else { Vec::new() };
                        if let Ok(used) = s[i].handle_input(t, &side.rx) {
                            assert!(used <= side.rx.len());
                            side.rx.drain(..used);
                        }
                        side.rx.truncate(4096);
                    } else {
                        let m = side.wire.remove(0);
                        if let Ok(used) = s[i].handle_input(t, &m) {
                            assert!(used == 0 || used == m.len());
                            if used == 0 {
                                side.wire.insert(0, m);
                            }
                        }
                    }
                }
            }
            3 => {
                now += u64::from(arg) * 997;
                s[i].handle_timeout(Instant::from_millis(now));
            }
            4 | 5 => {
                let code = if arg & 2 == 0 { Code::GET } else { Code::POST };
                let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, code, MessageId(0));
                let _ = b.path("obs");
                if op % 15 == 5 {
                    let _ = b.uint(OptionNumber::OBSERVE, u32::from(arg >> 7));
                }
                b.payload(&big[..(usize::from(arg >> 2) * 150).min(big.len())]);
                if let Ok(h) = s[i].request(t, &b, RequestOptions::default()) {
                    sides[i].requests.truncate(7);
                    sides[i].requests.push(h);
                }
            }
            6 => {
                if let Some(h) = sides[i].pending.pop() {
                    let mut b = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
                    b.payload(&big[..(usize::from(arg) * 40).min(big.len())]);
                    let _ = s[i].respond(t, h, &b);
                }
            }
            7 => {
                if let Some(h) = sides[i].registrations.pop() {
                    let _ = s[i].observe(t, h, 1);
                    let _ = s[i].respond(
                        t,
                        h,
                        &MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0)),
                    );
                }
            }
            8 => {
                let code = if arg & 2 == 0 { Code::CONTENT } else { Code::NOT_FOUND };
                let observers: Vec<_> = s[i].observers(1).collect();
                for o in observers {
                    let mut b = MessageBuilder::<1>::new(MessageType::Acknowledgement, code, MessageId(0));
                    b.payload(&big[..(usize::from(arg >> 2) * 150).min(big.len())]);
                    let _ = s[i].notify(t, o, &b, false);
                }
            }
            9 => drop(if arg & 2 == 0 { s[i].ping(t) } else { s[i].ping_with_custody(t) }),
            10 => {
                if let Some(&h) = sides[i].requests.get(usize::from(arg >> 2) % 8) {
                    let _ = if arg & 2 == 0 { s[i].cancel(t, h) } else { s[i].deregister(t, h) };
                }
            }
            11 => drop(s[i].release(
                t,
                (arg & 2 == 0).then_some("alt:5683"),
                Some(core::time::Duration::from_secs(u64::from(arg))),
            )),
            12 => s[i].abort(t, if arg & 2 == 0 { "" } else { "fuzzed abort with a long diagnostic text, §5.6" }),
            13 => {
                // A request with the application's own Block option (any value, RFC 7959 §2.2).
                let (&v, rest) = ops.split_first().unwrap_or((&0, ops));
                ops = rest;
                let number = if arg & 2 == 0 { OptionNumber::BLOCK1 } else { OptionNumber::BLOCK2 };
                let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
                let _ = b.path("obs");
                let _ = b.uint(number, u32::from(arg >> 2) << 8 | u32::from(v));
                b.payload(&big[..usize::from(v) * 8 % 2100]);
                if let Ok(h) = s[i].request(t, &b, RequestOptions::default()) {
                    sides[i].requests.truncate(7);
                    sides[i].requests.push(h);
                }
            }
            _ if arg % 16 == 0 => s[i].connection_lost(t),
            _ => {}
        }
        let now = Instant::from_millis(now);
        let (a, b) = sides.split_at_mut(1);
        drain(&mut s[0], now, &mut b[0], &mut a[0]);
        drain(&mut s[1], now, &mut a[0], &mut b[0]);
        for x in &mut s {
            if x.is_closed() {
                assert!(x.handle_input(now, &[0, 0]).is_err());
                assert!(x.poll_timeout().is_none());
            }
        }
    }
});
