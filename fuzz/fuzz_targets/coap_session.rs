//! The CoAP session over a reliable transport (RFC 8323), structure-aware (`arbitrary`): an
//! initiator and an acceptor joined by two pipes (TCP byte streams cut anywhere, or WebSocket
//! messages), their set-up (Max-Message-Size, Block-Wise-Transfer, block size up to BERT) and a
//! sequence of operations: raw bytes into either side, delivery, requests (Observe too, bodies up
//! to 9 KB, the application's own Block1/Block2 values), responses, observe, notify, pings with
//! and without Custody, cancel, deregister, release, abort, transport loss and time steps.
//! Checked after every operation: nothing panics, no poll loops forever, `handle_input` never
//! claims more than it was given, the tables and the body store stay bounded, a closed session
//! stays closed, and `fuzz::coap_watch::StreamWatch` holds for both (responses only with the
//! tokens of received requests, Pongs only for received Pings).
#![no_main]

use coap_codec::endpoint::{Event, RequestHandle, RequestOptions, ResponseHandle};
use coap_codec::session::{ArrayStorage, Config, Role, Session, Transport};
use coap_codec::time::Instant;
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
use fuzz::coap_watch::StreamWatch;
use fuzz::ops::coap_session::{Input, Op};
use libfuzzer_sys::fuzz_target;

type S = Session<ArrayStorage<4, 4, 2, 8, 256, 4096, 4096, 2, 8192>>;

struct Side {
    /// Frames written by the other side, not yet delivered.
    wire: Vec<Vec<u8>>,
    /// TCP: bytes delivered but not yet used.
    rx: Vec<u8>,
    pending: Vec<ResponseHandle>,
    registrations: Vec<ResponseHandle>,
    requests: Vec<RequestHandle>,
    watch: StreamWatch,
}

/// Bodies larger than a block and than 1152 bytes: a pattern.
static BIG: [u8; 9000] = {
    let mut b = [0u8; 9000];
    let mut i = 0;
    while i < 9000 {
        b[i] = (i % 251) as u8;
        i += 1;
    }
    b
};

fn drain(s: &mut S, now: Instant, to: &mut Side, me: &mut Side) {
    let mut buf = [0u8; 4096];
    let mut n = 0;
    while let Ok(Some(t)) = s.poll_transmit(now, &mut buf) {
        me.watch.sent(&buf[..t.len]);
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

/// Feeds `bytes` to session `s`; the watch hears what it used (all of it when the session
/// closed on them: it may have acted on frames before the one that closed it).
fn feed(s: &mut S, watch: &mut StreamWatch, now: Instant, bytes: &[u8]) -> Option<usize> {
    match s.handle_input(now, bytes) {
        Ok(used) => {
            assert!(used <= bytes.len(), "handle_input claims more than it was given");
            watch.used(&bytes[..used]);
            Some(used)
        }
        Err(_) => {
            watch.used(bytes);
            None
        }
    }
}

fuzz_target!(|input: Input| {
    let setup = input.setup;
    let transport = if setup.ws { Transport::WebSocket } else { Transport::Tcp };
    let config = |role, seed| Config {
        role,
        transport,
        seed,
        max_message_size: 300 + u32::from(setup.size % 8) * 600,
        block_wise_transfer: setup.block_wise,
        block_szx: setup.szx % 8,
        ..Config::default()
    };
    let mut s =
        [S::new(config(Role::Initiator, 1), Default::default()), S::new(config(Role::Acceptor, 2), Default::default())];
    let side = || Side {
        wire: Vec::new(),
        rx: Vec::new(),
        pending: Vec::new(),
        registrations: Vec::new(),
        requests: Vec::new(),
        watch: StreamWatch::new(setup.ws),
    };
    let mut sides = [side(), side()];
    let mut now = 0u64;
    for op in input.ops.into_iter().take(256) {
        let t = Instant::from_millis(now);
        match op {
            Op::Raw { to_acceptor, bytes } => {
                let i = usize::from(to_acceptor);
                let _ = feed(&mut s[i], &mut sides[i].watch, t, &bytes);
            }
            Op::Deliver { to_acceptor, chunk } => {
                let i = usize::from(to_acceptor);
                let side = &mut sides[i];
                if !side.wire.is_empty() {
                    if transport == Transport::Tcp {
                        let bytes = side.wire.concat();
                        let k = usize::from(chunk).max(1).min(bytes.len());
                        side.rx.extend_from_slice(&bytes[..k]);
                        side.wire = if k < bytes.len() { vec![bytes[k..].to_vec()] } else { Vec::new() };
                        let rx = std::mem::take(&mut side.rx);
                        let used = feed(&mut s[i], &mut side.watch, t, &rx);
                        side.rx = rx;
                        if let Some(used) = used {
                            side.rx.drain(..used);
                        }
                        side.rx.truncate(4096);
                    } else {
                        let m = side.wire.remove(0);
                        if let Some(used) = feed(&mut s[i], &mut side.watch, t, &m) {
                            assert!(used == 0 || used == m.len());
                            if used == 0 {
                                side.wire.insert(0, m);
                            }
                        }
                    }
                }
            }
            Op::Advance { to_acceptor, seconds } => {
                now += u64::from(seconds) * 997;
                s[usize::from(to_acceptor)].handle_timeout(Instant::from_millis(now));
            }
            Op::Request { from_acceptor, post, observe, body } => {
                let i = usize::from(from_acceptor);
                let code = if post { Code::POST } else { Code::GET };
                let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, code, MessageId(0));
                let _ = b.path("obs");
                if let Some(deregister) = observe {
                    let _ = b.uint(OptionNumber::OBSERVE, u32::from(deregister));
                }
                b.payload(&BIG[..(usize::from(body) * 35).min(BIG.len())]);
                if let Ok(h) = s[i].request(t, &b, RequestOptions::default()) {
                    sides[i].requests.truncate(7);
                    sides[i].requests.push(h);
                }
            }
            Op::BlockRequest { from_acceptor, block2, value, body } => {
                // A request with the application's own Block option (any value, RFC 7959 §2.2).
                let i = usize::from(from_acceptor);
                let number = if block2 { OptionNumber::BLOCK2 } else { OptionNumber::BLOCK1 };
                let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
                let _ = b.path("obs");
                let _ = b.uint(number, u32::from(value));
                b.payload(&BIG[..usize::from(body) * 8]);
                if let Ok(h) = s[i].request(t, &b, RequestOptions::default()) {
                    sides[i].requests.truncate(7);
                    sides[i].requests.push(h);
                }
            }
            Op::Respond { acceptor, body } => {
                let i = usize::from(acceptor);
                if let Some(h) = sides[i].pending.pop() {
                    let mut b = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
                    b.payload(&BIG[..usize::from(body) * 35]);
                    let _ = s[i].respond(t, h, &b);
                }
            }
            Op::Observe { acceptor } => {
                let i = usize::from(acceptor);
                if let Some(h) = sides[i].registrations.pop() {
                    let _ = s[i].observe(t, h, 1);
                    let ok = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
                    let _ = s[i].respond(t, h, &ok);
                }
            }
            Op::Notify { acceptor, error, body } => {
                let i = usize::from(acceptor);
                let code = if error { Code::NOT_FOUND } else { Code::CONTENT };
                let observers: Vec<_> = s[i].observers(1).collect();
                for o in observers {
                    let mut b = MessageBuilder::<1>::new(MessageType::Acknowledgement, code, MessageId(0));
                    b.payload(&BIG[..usize::from(body) * 35]);
                    let _ = s[i].notify(t, o, &b, false);
                }
            }
            Op::Ping { from_acceptor, custody } => {
                let i = usize::from(from_acceptor);
                let _ = if custody { s[i].ping_with_custody(t) } else { s[i].ping(t) };
            }
            Op::Cancel { from_acceptor, deregister, pick } => {
                let i = usize::from(from_acceptor);
                if let Some(&h) = sides[i].requests.get(usize::from(pick) % 8) {
                    let _ = if deregister { s[i].deregister(t, h) } else { s[i].cancel(t, h) };
                }
            }
            Op::Release { from_acceptor, alternative, hold_off } => {
                let i = usize::from(from_acceptor);
                let hold_off = Some(core::time::Duration::from_secs(u64::from(hold_off)));
                let _ = s[i].release(t, alternative.then_some("alt:5683"), hold_off);
            }
            Op::Abort { from_acceptor, long } => {
                let text = if long { "fuzzed abort with a long diagnostic text, §5.6" } else { "" };
                s[usize::from(from_acceptor)].abort(t, text);
            }
            Op::Lost { acceptor } => s[usize::from(acceptor)].connection_lost(t),
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
