//! The CoAP endpoint, structure-aware (`arbitrary`): a client (address 1) and a server
//! (address 2) driven by a sequence of operations: raw and mutated datagrams from either side,
//! delivery of what one sent to the other (or its loss or duplication), requests (CON/NON,
//! Observe, bodies larger than a 64-byte block: RFC 7959 Block1), responses and notifications
//! (larger ones go in Block2 blocks), accept, observe, notify, ping, cancel, deregister and time
//! steps. Checked after every operation: nothing panics, no poll loops forever, the tables and
//! the body store stay within their limits, and the invariants of `fuzz::coap_watch` hold for
//! both endpoints (no ACK or RST for what was not received, responses only with tokens of
//! received requests, message ids not reused within EXCHANGE_LIFETIME).
#![no_main]

use coap_codec::endpoint::{
    ArrayStorage, Config, Endpoint, Event, ObserverHandle, RequestHandle, RequestOptions, ResponseHandle,
};
use coap_codec::time::Instant;
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
use fuzz::coap_watch::Watch;
use fuzz::ops::coap_endpoint::Op;
use libfuzzer_sys::fuzz_target;

type Ep = Endpoint<u8, ArrayStorage<u8, 4, 8, 2, 8, 8, 512, 512, 512, 2, 2048>>;

/// Bodies: a byte pattern (block boundaries show).
static BODY: &[u8; 1024] = &{
    let mut b = [0u8; 1024];
    let mut i = 0;
    while i < 1024 {
        b[i] = (i % 251) as u8;
        i += 1;
    }
    b
};

struct World {
    eps: [Ep; 2],
    watch: [Watch<u8>; 2],
    wire: Vec<(u8, u8, Vec<u8>)>,
    pending: Vec<ResponseHandle>,
    registrations: Vec<ResponseHandle>,
    observers: Vec<ObserverHandle>,
    requests: Vec<(usize, RequestHandle)>,
    now: u64,
}

impl World {
    fn deliver(&mut self, from: u8, to: u8, d: &[u8]) {
        let side = usize::from(to == 2);
        self.watch[side].delivered(from, d);
        let _ = self.eps[side].handle_input(Instant::from_millis(self.now), from, d);
    }

    fn drain(&mut self) {
        let now = Instant::from_millis(self.now);
        let mut buf = [0u8; 1280];
        for side in 0..2 {
            let e = &mut self.eps[side];
            let me = side as u8 + 1;
            let mut n = 0;
            while let Ok(Some(t)) = e.poll_transmit(now, &mut buf) {
                self.watch[side].sent(self.now, t.to, &buf[..t.len]);
                self.wire.push((me, t.to, buf[..t.len].to_vec()));
                n += 1;
                assert!(n < 64, "poll_transmit does not end");
            }
            while let Some(ev) = e.poll_event() {
                if let Event::RequestReceived { handle, request, .. } = ev {
                    let registration = request.uint_option(OptionNumber::OBSERVE) == Some(0);
                    let list = if registration { &mut self.registrations } else { &mut self.pending };
                    if side == 1 && list.len() < 8 {
                        list.push(handle);
                    }
                }
                n += 1;
                assert!(n < 128, "poll_event does not end");
            }
            assert!(e.open_exchanges() <= 4 && e.dedup_entries() <= 8, "tables over their limits");
            assert!(e.open_transfers() <= 2 && e.body_bytes_in_use() <= 2048, "transfers over their limits");
            assert!(e.poll_timeout().is_none_or(|d| d >= Instant::ZERO));
        }
        self.wire.truncate(64);
    }
}

fuzz_target!(|ops: Vec<Op>| {
    // 64-byte blocks (RFC 7959 SZX 2), so that short inputs make multi-block bodies.
    let config = |seed| Config { seed, block_szx: Some(2), ..Config::default() };
    let lifetime = Config::default().params.exchange_lifetime().as_millis() as u64;
    let mut w = World {
        eps: [Ep::new(config(1), ArrayStorage::new()), Ep::new(config(2), ArrayStorage::new())],
        watch: [Watch::new(lifetime), Watch::new(lifetime)],
        wire: Vec::new(),
        pending: Vec::new(),
        registrations: Vec::new(),
        observers: Vec::new(),
        requests: Vec::new(),
        now: 0,
    };
    for op in ops.into_iter().take(256) {
        let t = Instant::from_millis(w.now);
        match op {
            Op::Raw { to_server, bytes } => {
                let (from, to) = if to_server { (1, 2) } else { (2, 1) };
                w.deliver(from, to, &bytes);
            }
            Op::Mutate { pick, at, xor, cut } => {
                if !w.wire.is_empty() {
                    let (from, to, mut d) = w.wire[usize::from(pick) % w.wire.len()].clone();
                    if !d.is_empty() {
                        let i = usize::from(at) % d.len();
                        d[i] ^= xor;
                    }
                    if let Some(c) = cut {
                        d.truncate(usize::from(c));
                    }
                    w.deliver(from, to, &d);
                }
            }
            Op::Deliver { lose, duplicate } => {
                if !w.wire.is_empty() {
                    let (from, to, d) = w.wire.remove(0);
                    if !lose {
                        w.deliver(from, to, &d);
                    }
                    if duplicate {
                        w.wire.push((from, to, d));
                    }
                }
            }
            Op::Advance { ms } => {
                w.now += u64::from(ms);
                for e in &mut w.eps {
                    e.handle_timeout(Instant::from_millis(w.now));
                }
            }
            Op::Request { from_server, post, confirmable, observe, body } => {
                let side = usize::from(from_server);
                let code = if post { Code::POST } else { Code::GET };
                let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, code, MessageId(0));
                let _ = b.path("obs");
                if let Some(deregister) = observe {
                    let _ = b.uint(OptionNumber::OBSERVE, u32::from(deregister));
                }
                // Up to 1,020 bytes: Block1 blocks (RFC 7959 §2.5).
                b.payload(&BODY[..usize::from(body) * 4]);
                let opts = RequestOptions { confirmable, ..Default::default() };
                if let Ok(h) = w.eps[side].request(t, 2 - side as u8, &b, opts) {
                    w.requests.push((side, h));
                    w.requests.truncate(16);
                }
            }
            Op::Respond { body, code } => {
                if let Some(h) = w.pending.pop() {
                    let code = [Code::CONTENT, Code::CHANGED, Code::NOT_FOUND, Code::INTERNAL_SERVER_ERROR]
                        [usize::from(code % 4)];
                    let mut b = MessageBuilder::<2>::new(MessageType::Acknowledgement, code, MessageId(0));
                    // Longer than a block: Block2 blocks (RFC 7959 §2.4).
                    b.payload(&BODY[..usize::from(body) * 4]);
                    let _ = w.eps[1].respond(t, h, &b);
                }
            }
            Op::Accept => drop(w.pending.last().map(|&h| w.eps[1].accept(t, h))),
            Op::Observe => {
                if let Some(h) = w.registrations.pop() {
                    if let Ok(o) = w.eps[1].observe(t, h, 1) {
                        w.observers.push(o);
                        w.observers.truncate(8);
                    }
                    let ok = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
                    let _ = w.eps[1].respond(t, h, &ok);
                }
            }
            Op::Notify { body, confirmable, error } => {
                let code = if error { Code::NOT_FOUND } else { Code::CONTENT };
                for &o in &w.observers {
                    let mut b = MessageBuilder::<1>::new(MessageType::NonConfirmable, code, MessageId(0));
                    b.payload(&BODY[..usize::from(body) * 4]);
                    let _ = w.eps[1].notify(t, o, &b, confirmable);
                }
            }
            Op::Ping { from_server } => {
                let side = usize::from(from_server);
                let _ = w.eps[side].ping(t, 2 - side as u8);
            }
            Op::Cancel { pick } => {
                if !w.requests.is_empty() {
                    let (side, h) = w.requests.remove(usize::from(pick) % w.requests.len());
                    let _ = w.eps[side].cancel(t, h);
                }
            }
            Op::Deregister { pick } => {
                if !w.requests.is_empty() {
                    let (side, h) = w.requests[usize::from(pick) % w.requests.len()];
                    let _ = w.eps[side].deregister(t, h);
                }
            }
            Op::RemoveObserver { pick } => {
                if !w.observers.is_empty() {
                    let o = w.observers.remove(usize::from(pick) % w.observers.len());
                    let _ = w.eps[1].remove_observer(o);
                }
            }
        }
        w.drain();
    }
});
