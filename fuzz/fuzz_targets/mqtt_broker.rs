//! The broker core: a byte string read as operations on up to 4 connections (open, raw and
//! well-formed client packets, transport loss, time, export and import). Nothing panics, the
//! limits hold, and transmits and events drain within bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mqtt_codec::broker::{Broker, Config};
use mqtt_codec::time::Instant;

/// Client packets: CONNECT 3.1.1 (clean and persistent, with a will) and 5.0 (session expiry),
/// SUBSCRIBE `a/#` and `$share/g/a/+`, PUBLISH QoS 0/1/2 (retained, empty retained), PUBREL,
/// PUBACK, PINGREQ, UNSUBSCRIBE, DISCONNECT.
const PACKETS: [&[u8]; 13] = [
    &[0x10, 0x0D, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 10, 0, 1, b'a'],
    &[0x10, 0x15, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x2C, 0, 10, 0, 1, b'b', 0, 1, b'w', 0, 3, b'b', b'y', b'e'],
    &[0x10, 0x13, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x00, 0, 10, 5, 0x11, 0, 0, 0, 60, 0, 1, b'c'],
    &[0x82, 0x08, 0x00, 0x01, 0, 3, b'a', b'/', b'#', 0x02],
    &[0x82, 0x10, 0x00, 0x02, 0, 11, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', b'/', b'a', b'/', 0x01],
    &[0x31, 0x05, 0x00, 0x03, b'a', b'/', b'x'],
    &[0x33, 0x08, 0x00, 0x03, b'a', b'/', b'y', 0x00, 0x05, b'!'],
    &[0x34, 0x08, 0x00, 0x03, b'a', b'/', b'z', 0x00, 0x06, b'?'],
    &[0x62, 0x02, 0x00, 0x06],
    &[0x40, 0x02, 0x00, 0x01],
    &[0xC0, 0x00],
    &[0xA2, 0x07, 0x00, 0x03, 0, 3, b'a', b'/', b'#'],
    &[0xE0, 0x00],
];

fuzz_target!(|data: &[u8]| {
    let config = Config::new().with_max_connections(3).with_max_sessions(3).with_max_queued_messages(8);
    let mut b: Broker<u8> = Broker::new(config);
    let (mut now, mut buf, mut saved) = (0u64, [0u8; 4096], Vec::new());
    let mut ops = data;
    while let Some((&op, rest)) = ops.split_first() {
        let (arg, rest) = rest.split_first().map_or((0, rest), |(a, r)| (*a, r));
        ops = rest;
        let (t, conn) = (Instant::from_millis(now), arg % 4);
        match op % 8 {
            0 => drop(b.connection_opened(t, conn)),
            1 => drop(b.handle_input(t, conn, PACKETS[usize::from(arg >> 2) % PACKETS.len()])),
            2 => {
                let n = usize::from(arg).min(ops.len());
                let _ = b.handle_input(t, conn, &ops[..n]);
                ops = &ops[n..];
            }
            3 => b.connection_lost(t, conn),
            4 => {
                now += u64::from(arg) * 500;
                b.handle_timeout(Instant::from_millis(now));
            }
            5 => saved = b.export(t),
            6 => drop(b.import(t, &saved)),
            _ => {}
        }
        let mut n = 0;
        while let Ok(Some(_)) = b.poll_transmit(t, &mut buf) {
            n += 1;
            assert!(n < 10_000, "poll_transmit does not end");
        }
        while b.poll_event().is_some() {}
        assert!(b.connections() <= 3 && b.sessions() <= 3, "limits");
        let _ = b.poll_timeout();
    }
});
