//! The MQTT broker core, structure-aware (`arbitrary`): operations on up to 4 connections (open,
//! raw and well-formed client packets with chosen packet ids, transport loss, time, export and
//! import). Checked after every operation: nothing panics, the connection and session limits
//! hold, transmits and events drain within bounds, and `fuzz::mqtt_watch` holds on every
//! connection (no packet id in use twice, nothing acknowledged that was not received).
#![no_main]

use fuzz::mqtt_watch::Watch;
use fuzz::ops::mqtt_broker::Op;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::broker::{Broker, Config};
use mqtt_codec::time::Instant;

/// Client packets, with where their packet id is: CONNECT 3.1.1 (clean and persistent, with a
/// will) and 5.0 (session expiry), SUBSCRIBE `a/#` and `$share/g/a/+`, PUBLISH QoS 0/1/2
/// (retained, empty retained), PUBREL, PUBACK, PUBREC, PUBCOMP, PINGREQ, UNSUBSCRIBE,
/// DISCONNECT.
const PACKETS: [(&[u8], Option<usize>); 15] = [
    (&[0x10, 0x0D, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 10, 0, 1, b'a'], None),
    (&[0x10, 0x15, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x2C, 0, 10, 0, 1, b'b', 0, 1, b'w', 0, 3, b'b', b'y', b'e'], None),
    (&[0x10, 0x13, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x00, 0, 10, 5, 0x11, 0, 0, 0, 60, 0, 1, b'c'], None),
    (&[0x82, 0x08, 0x00, 0x01, 0, 3, b'a', b'/', b'#', 0x02], Some(2)),
    (&[0x82, 0x10, 0x00, 0x02, 0, 11, b'$', b's', b'h', b'a', b'r', b'e', b'/', b'g', b'/', b'a', b'/', 0x01], Some(2)),
    (&[0x31, 0x05, 0x00, 0x03, b'a', b'/', b'x'], None),
    (&[0x33, 0x08, 0x00, 0x03, b'a', b'/', b'y', 0x00, 0x05, b'!'], Some(7)),
    (&[0x34, 0x08, 0x00, 0x03, b'a', b'/', b'z', 0x00, 0x06, b'?'], Some(7)),
    (&[0x62, 0x02, 0x00, 0x06], Some(2)),
    (&[0x40, 0x02, 0x00, 0x01], Some(2)),
    (&[0x50, 0x02, 0x00, 0x01], Some(2)),
    (&[0x70, 0x02, 0x00, 0x01], Some(2)),
    (&[0xC0, 0x00], None),
    (&[0xA2, 0x07, 0x00, 0x03, 0, 3, b'a', b'/', b'#'], Some(2)),
    (&[0xE0, 0x00], None),
];

fn feed(b: &mut Broker<u8>, watch: &mut Watch, t: Instant, conn: u8, bytes: &[u8]) {
    match b.handle_input(t, conn, bytes) {
        Ok(n) => watch.received(&bytes[..n.min(bytes.len())]),
        Err(_) => {
            watch.received(bytes);
            watch.input_refused();
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let config = Config::new().with_max_connections(3).with_max_sessions(3).with_max_queued_messages(8);
    let mut b: Broker<u8> = Broker::new(config);
    let (mut now, mut buf, mut saved) = (0u64, [0u8; 4096], Vec::new());
    // One watch per connection id; the broker's in-flight window is the client's Receive
    // Maximum (65,535 by default), so only ids and acknowledgements are checked here.
    let mut watches: [Watch; 4] = core::array::from_fn(|_| Watch::new(usize::from(u16::MAX)));
    for op in ops.into_iter().take(512) {
        let t = Instant::from_millis(now);
        match op {
            Op::Open { conn } => {
                let conn = conn % 4;
                if b.connection_opened(t, conn).is_ok() {
                    // A new connection under this id: a fresh stream both ways.
                    watches[usize::from(conn)] = Watch::new(usize::from(u16::MAX));
                }
            }
            Op::Packet { conn, which, id } => {
                let conn = conn % 4;
                let (template, at) = PACKETS[usize::from(which) % PACKETS.len()];
                let mut p = template.to_vec();
                if let Some(at) = at {
                    // Ids 1-8, so that they meet the broker's own.
                    p[at..at + 2].copy_from_slice(&u16::from(id % 8 + 1).to_be_bytes());
                }
                feed(&mut b, &mut watches[usize::from(conn)], t, conn, &p);
            }
            Op::Raw { conn, bytes } => {
                let conn = conn % 4;
                feed(&mut b, &mut watches[usize::from(conn)], t, conn, &bytes);
            }
            Op::Lost { conn } => {
                let conn = conn % 4;
                b.connection_lost(t, conn);
                watches[usize::from(conn)].transport_closed();
            }
            Op::Advance { half_seconds } => {
                now += u64::from(half_seconds) * 500;
                b.handle_timeout(Instant::from_millis(now));
            }
            Op::Export => saved = b.export(t),
            Op::Import => {
                if b.import(t, &saved).is_ok() {
                    for w in &mut watches {
                        w.reset_out();
                    }
                }
            }
        }
        let mut n = 0;
        while let Ok(Some((conn, x))) = b.poll_transmit(t, &mut buf) {
            if let Some(w) = watches.get_mut(usize::from(conn)) {
                w.sent(&buf[..x.len]);
            }
            n += 1;
            assert!(n < 10_000, "poll_transmit does not end");
        }
        while b.poll_event().is_some() {}
        assert!(b.connections() <= 3 && b.sessions() <= 3, "limits");
        let _ = b.poll_timeout();
    }
});
