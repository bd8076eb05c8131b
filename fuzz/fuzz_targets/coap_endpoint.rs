//! The CoAP endpoint: a byte string read as operations on a client (address 1) and a server
//! (address 2): raw datagrams from either side, delivery of what one sent to the other (or its
//! loss or duplication), requests (CON/NON, Observe, bodies larger than a 64-byte block: RFC
//! 7959 Block1), responses and notifications (larger ones go in Block2 blocks), accept,
//! observe, notify, ping, cancel and time steps. Nothing panics, no poll loops forever, the
//! tables and the body store stay bounded.
#![no_main]

use coap_codec::endpoint::{ArrayStorage, Config, Endpoint, Event, RequestOptions, ResponseHandle};
use coap_codec::time::Instant;
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
use libfuzzer_sys::fuzz_target;

type Ep = Endpoint<u8, ArrayStorage<u8, 4, 8, 2, 8, 8, 512, 512, 512, 2, 2048>>;

fn drain(
    e: &mut Ep,
    now: Instant,
    out: &mut Vec<(u8, Vec<u8>)>,
    pending: &mut Vec<ResponseHandle>,
    obs: &mut Vec<ResponseHandle>,
) {
    let mut buf = [0u8; 1280];
    let mut n = 0;
    while let Ok(Some(t)) = e.poll_transmit(now, &mut buf) {
        out.push((t.to, buf[..t.len].to_vec()));
        n += 1;
        assert!(n < 64, "poll_transmit does not end");
    }
    while let Some(ev) = e.poll_event() {
        if let Event::RequestReceived { handle, request, .. } = ev {
            let list = if request.uint_option(OptionNumber::OBSERVE) == Some(0) { &mut *obs } else { &mut *pending };
            if list.len() < 8 {
                list.push(handle);
            }
        }
        n += 1;
        assert!(n < 128, "poll_event does not end");
    }
    assert!(e.open_exchanges() <= 4 && e.dedup_entries() <= 8);
    assert!(e.open_transfers() <= 2 && e.body_bytes_in_use() <= 2048);
}

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

fuzz_target!(|data: &[u8]| {
    // 64-byte blocks (RFC 7959 SZX 2), so that short inputs make multi-block bodies.
    let config = |seed| Config { seed, block_szx: Some(2), ..Config::default() };
    let mut eps = [Ep::new(config(1), ArrayStorage::new()), Ep::new(config(2), ArrayStorage::new())];
    let (mut now, mut ops) = (0u64, data);
    let (mut wire, mut pending, mut obs, mut observers) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    while let Some((&op, rest)) = ops.split_first() {
        let (arg, rest) = rest.split_first().map_or((0, rest), |(a, r)| (*a, r));
        ops = rest;
        let t = Instant::from_millis(now);
        let side = usize::from(arg & 1);
        let e = &mut eps[side];
        match op % 12 {
            0 => {
                let n = usize::from(arg >> 1).min(ops.len());
                let _ = e.handle_input(t, 2 - side as u8, &ops[..n]);
                ops = &ops[n..];
            }
            1 | 2 => {
                // Deliver (1) or duplicate (2) the oldest datagram in flight; `arg` may drop it.
                if !wire.is_empty() {
                    let (to, d): (u8, Vec<u8>) = wire.remove(0);
                    let from = if to == 1 { 2 } else { 1 };
                    if arg % 5 != 0 {
                        let _ = eps[usize::from(to == 2)].handle_input(t, from, &d);
                    }
                    if op % 12 == 2 {
                        wire.push((to, d));
                    }
                }
            }
            3 => {
                now += u64::from(arg) * 97;
                e.handle_timeout(Instant::from_millis(now));
            }
            4 | 5 | 11 => {
                let mut b = MessageBuilder::<4>::new(
                    MessageType::Confirmable,
                    if arg & 2 == 0 { Code::GET } else { Code::POST },
                    MessageId(0),
                );
                let _ = b.path("obs");
                if op % 12 == 5 {
                    let _ = b.uint(OptionNumber::OBSERVE, u32::from(arg >> 7));
                }
                if op % 12 == 11 {
                    // A body of up to 1,016 bytes: Block1 blocks (RFC 7959 §2.5).
                    b.payload(BODY.get(..usize::from(arg) * 4).unwrap_or(BODY));
                }
                let _ = e.request(
                    t,
                    2 - side as u8,
                    &b,
                    RequestOptions { confirmable: arg & 4 == 0, ..Default::default() },
                );
            }
            6 => {
                if let Some(h) = pending.pop() {
                    let mut b = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
                    // Longer than a block: Block2 blocks (RFC 7959 §2.4).
                    b.payload(BODY.get(..usize::from(arg) * 3).unwrap_or(BODY));
                    let _ = eps[1].respond(t, h, &b);
                }
            }
            7 => drop(pending.last().map(|&h| eps[1].accept(t, h))),
            8 => {
                if let Some(h) = obs.pop() {
                    if let Ok(o) = eps[1].observe(t, h, 1) {
                        observers.push(o);
                    }
                    let _ = eps[1].respond(
                        t,
                        h,
                        &MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0)),
                    );
                }
            }
            9 => {
                for &o in &observers {
                    let mut b = MessageBuilder::<1>::new(MessageType::NonConfirmable, Code::CONTENT, MessageId(0));
                    b.payload(BODY.get(..usize::from(arg >> 1)).unwrap_or(BODY));
                    let _ = eps[1].notify(t, o, &b, arg & 1 == 1);
                }
            }
            10 => drop(e.ping(t, 2 - side as u8)),
            _ => {}
        }
        for e in &mut eps {
            drain(e, Instant::from_millis(now), &mut wire, &mut pending, &mut obs);
        }
        wire.truncate(64);
    }
});
