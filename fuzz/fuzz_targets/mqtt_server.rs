//! The broker-side MQTT connection, structure-aware (`arbitrary`): raw and well-formed client
//! packets (with chosen packet ids), accept/reject, publish, SUBACK, time, transport loss,
//! session export and import. Checked after every operation: nothing panics, transmits and
//! events drain within bounds, and `fuzz::mqtt_watch` holds (no packet id in use twice, at most
//! N = 4 messages in flight, nothing acknowledged that was not received).
#![no_main]

use fuzz::mqtt_watch::Watch;
use fuzz::ops::mqtt_server::Op;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::server::{Config, OutgoingMessage, ServerConnection};
use mqtt_codec::time::Instant;
use mqtt_codec::wire::{PacketId, Qos, ReasonCode};

/// Client packets worth reaching the machine whole, with where their packet id is: CONNECT 5.0
/// and 3.1.1 (with a will), QoS 1/2 PUBLISH (with an alias), PUBREL, PUBACK, PUBREC, PUBCOMP,
/// PINGREQ, SUBSCRIBE, DISCONNECT.
const PACKETS: [(&[u8], Option<usize>); 11] = [
    (&[0x10, 0x10, 0, 4, b'M', b'Q', b'T', b'T', 5, 0x02, 0, 10, 3, 0x22, 0, 4, 0, 0], None),
    (&[0x10, 0x15, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x2C, 0, 10, 0, 1, b'c', 0, 1, b'w', 0, 3, b'b', b'y', b'e'], None),
    (&[0x34, 0x0A, 0x00, 0x01, b'a', 0x00, 0x03, 0x03, 0x23, 0x00, 0x01, b'x'], Some(5)),
    (&[0x32, 0x06, 0x00, 0x01, b'a', 0x00, 0x04, b'y'], Some(5)),
    (&[0x62, 0x02, 0x00, 0x03], Some(2)),
    (&[0x40, 0x02, 0x00, 0x01], Some(2)),
    (&[0x50, 0x02, 0x00, 0x02], Some(2)),
    (&[0x70, 0x02, 0x00, 0x02], Some(2)),
    (&[0xC0, 0x00], None),
    (&[0x82, 0x07, 0x00, 0x07, 0x00, 0x00, 0x01, b'#', 0x01], Some(2)),
    (&[0xE0, 0x00], None),
];

type S = ServerConnection<Vec<u8>, 4, 2>;

fn feed(s: &mut S, watch: &mut Watch, t: Instant, bytes: &[u8]) {
    match s.handle_input(t, bytes) {
        Ok(n) => watch.received(&bytes[..n.min(bytes.len())]),
        Err(_) => {
            watch.received(bytes);
            watch.input_refused();
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let cfg = Config::new().with_topic_alias_maximum(2).with_store_split(512, 64, 256, 128);
    let mut s: S = ServerConnection::new(cfg, vec![0; 2048]).expect("fits");
    let (mut now, mut buf, mut saved) = (0u64, [0u8; 2048], Vec::new());
    // Packet ids and acknowledgements; at most N = 4 messages in flight.
    let mut watch = Watch::new(4);
    for op in ops.into_iter().take(512) {
        let t = Instant::from_millis(now);
        match op {
            Op::Raw(bytes) => feed(&mut s, &mut watch, t, &bytes),
            Op::Packet { which, id } => {
                let (template, at) = PACKETS[usize::from(which) % PACKETS.len()];
                let mut p = template.to_vec();
                if let Some(at) = at {
                    // Ids 1-8, so that they meet the server's own.
                    p[at..at + 2].copy_from_slice(&u16::from(id % 8 + 1).to_be_bytes());
                }
                feed(&mut s, &mut watch, t, &p);
            }
            Op::Accept { session_present } => drop(s.accept(t, session_present, &[])),
            Op::Reject => drop(s.reject(t, ReasonCode::NotAuthorized, &[])),
            Op::Publish { qos, len } => {
                let qos = [Qos::AtMostOnce, Qos::AtLeastOnce, Qos::ExactlyOnce][usize::from(qos % 3)];
                let _ = s.publish(t, &OutgoingMessage::new("a/b", &buf[..usize::from(len)]).with_qos(qos));
            }
            Op::Suback { id } => {
                let id = PacketId::new(u16::from(id % 8 + 1)).expect("not zero");
                let _ = s.suback(t, id, &[ReasonCode::GrantedQos1], &[]);
            }
            Op::Advance { quarter_seconds } => {
                now += u64::from(quarter_seconds) * 250;
                s.handle_timeout(Instant::from_millis(now));
            }
            Op::Lost => {
                s.connection_lost(t);
                watch.transport_closed();
            }
            Op::Export => {
                saved.resize(4096, 0);
                let n = s.export_session(&mut saved).unwrap_or(0);
                saved.truncate(n);
            }
            Op::Import => {
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
