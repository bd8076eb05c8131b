//! The broker-side connection: a byte string read as operations (raw and well-formed client
//! packets, accept/reject, publish, SUBACK, time, transport loss, session export and import).
//! Nothing panics and transmits and events drain within bounds.
#![no_main]

use fuzz::mqtt_watch::Watch;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::server::{Config, OutgoingMessage, ServerConnection};
use mqtt_codec::time::Instant;
use mqtt_codec::wire::{PacketId, Qos, ReasonCode};

/// Client packets worth reaching the machine whole: CONNECT 5.0 and 3.1.1 (with a will), QoS
/// 1/2 PUBLISH (with an alias), PUBREL, PUBACK, PUBREC, PUBCOMP, PINGREQ, SUBSCRIBE, DISCONNECT.
const PACKETS: [&[u8]; 11] = [
    &[0x10, 0x10, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x02, 0, 10, 3, 0x22, 0, 4, 0, 0],
    &[0x10, 0x15, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x2C, 0, 10, 0, 1, b'c', 0, 1, b'w', 0, 3, b'b', b'y', b'e'],
    &[0x34, 0x0A, 0x00, 0x01, b'a', 0x00, 0x03, 0x03, 0x23, 0x00, 0x01, b'x'],
    &[0x32, 0x06, 0x00, 0x01, b'a', 0x00, 0x04, b'y'],
    &[0x62, 0x02, 0x00, 0x03],
    &[0x40, 0x02, 0x00, 0x01],
    &[0x50, 0x02, 0x00, 0x02],
    &[0x70, 0x02, 0x00, 0x02],
    &[0xC0, 0x00],
    &[0x82, 0x07, 0x00, 0x07, 0x00, 0x00, 0x01, b'#', 0x01],
    &[0xE0, 0x00],
];

fuzz_target!(|data: &[u8]| {
    let cfg = Config::new().with_topic_alias_maximum(2).with_store_split(512, 64, 256, 128);
    let mut s: ServerConnection<Vec<u8>, 4, 2> = ServerConnection::new(cfg, vec![0; 2048]).expect("fits");
    let (mut now, mut buf, mut saved) = (0u64, [0u8; 2048], Vec::new());
    // Packet ids and acknowledgements (fuzz::mqtt_watch); at most N = 4 messages in flight.
    let mut watch = Watch::new(4);
    let feed =
        |s: &mut ServerConnection<Vec<u8>, 4, 2>, watch: &mut Watch, t, bytes: &[u8]| match s.handle_input(t, bytes) {
            Ok(n) => watch.received(&bytes[..n.min(bytes.len())]),
            Err(_) => {
                watch.received(bytes);
                watch.input_refused();
            }
        };
    let mut ops = data;
    while let Some((&op, rest)) = ops.split_first() {
        let (arg, rest) = rest.split_first().map_or((0, rest), |(a, r)| (*a, r));
        ops = rest;
        let t = Instant::from_millis(now);
        match op % 10 {
            0 => {
                let n = usize::from(arg).min(ops.len());
                feed(&mut s, &mut watch, t, &ops[..n]);
                ops = &ops[n..];
            }
            1 => feed(&mut s, &mut watch, t, PACKETS[usize::from(arg) % PACKETS.len()]),
            2 => drop(s.accept(t, arg & 1 == 1, &[])),
            3 => drop(s.reject(t, ReasonCode::NotAuthorized, &[])),
            4 => {
                let qos = [Qos::AtMostOnce, Qos::AtLeastOnce, Qos::ExactlyOnce][usize::from(arg % 3)];
                drop(s.publish(t, &OutgoingMessage::new("a/b", &buf[..usize::from(arg)]).with_qos(qos)));
            }
            5 => drop(s.suback(t, PacketId::new(u16::from(arg) | 1).expect("odd"), &[ReasonCode::GrantedQos1], &[])),
            6 => {
                now += u64::from(arg) * 250;
                s.handle_timeout(Instant::from_millis(now));
            }
            7 => {
                s.connection_lost(t);
                watch.transport_closed();
            }
            8 => {
                saved.resize(4096, 0);
                let n = s.export_session(&mut saved).unwrap_or(0);
                saved.truncate(n);
            }
            _ => {
                // The imported session brings its own ids in flight.
                if s.import_session(&saved).is_ok() {
                    watch.reset_out();
                }
            }
        }
        let mut n = 0;
        while let Ok(Some(x)) = s.poll_transmit(t, &mut buf) {
            watch.sent(&buf[..x.len]);
            n += 1;
            assert!(n < 64, "poll_transmit does not end");
        }
        while s.poll_event().is_some() {
            n += 1;
            assert!(n < 128, "poll_event does not end");
        }
        let _ = s.poll_timeout();
    }
});
