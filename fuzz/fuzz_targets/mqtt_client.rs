//! The MQTT client machine, structure-aware (`arbitrary`): a protocol version and a sequence of
//! operations (connect, raw input, well-formed server packets with chosen packet ids, time
//! steps, publish, subscribe, unsubscribe, disconnect, transport loss). Checked after every
//! operation: nothing panics, the machine never loops, transmits and events drain within
//! bounds, and `fuzz::mqtt_watch` holds (no packet id in use twice, at most N = 4 messages in
//! flight, nothing acknowledged that was not received).
#![no_main]

use fuzz::mqtt_watch::Watch;
use fuzz::ops::mqtt_client::{Input, Op};
use libfuzzer_sys::fuzz_target;
use mqtt_codec::client::{Client, Config, OutgoingMessage};
use mqtt_codec::time::Instant;
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::wire::{Connect, Disconnect, Protocol, Qos, Subscription, Version};

/// Server packets worth reaching the machine whole, with where their packet id is (patched by
/// the operation, so that ids meet the client's).
const PACKETS: [(&[u8], Option<usize>); 12] = [
    (&[0x20, 0x03, 0x00, 0x00, 0x00], None), // CONNACK 5.0, no session
    (&[0x20, 0x03, 0x01, 0x00, 0x00], None), // CONNACK 5.0, session present
    (&[0x20, 0x02, 0x00, 0x00], None),       // CONNACK 3.1.1
    (&[0x40, 0x02, 0x00, 0x01], Some(2)),    // PUBACK
    (&[0x50, 0x02, 0x00, 0x02], Some(2)),    // PUBREC
    (&[0x62, 0x02, 0x00, 0x03], Some(2)),    // PUBREL
    (&[0x70, 0x02, 0x00, 0x02], Some(2)),    // PUBCOMP
    (&[0xD0, 0x00], None),                   // PINGRESP
    // PUBLISH QoS 2, 5.0, topic "a", Topic Alias 1
    (&[0x34, 0x0A, 0x00, 0x01, b'a', 0x00, 0x03, 0x03, 0x23, 0x00, 0x01, b'x'], Some(5)),
    (&[0x32, 0x06, 0x00, 0x01, b'a', 0x00, 0x04, b'y'], Some(5)), // PUBLISH QoS 1, 3.1.1
    (&[0x90, 0x04, 0x00, 0x01, 0x00, 0x01], Some(2)),             // SUBACK 5.0
    (&[0xB0, 0x02, 0x00, 0x01], Some(2)),                         // UNSUBACK 3.1.1
];

type C = Client<Vec<u8>, 4, 2>;

fn feed(c: &mut C, watch: &mut Watch, t: Instant, bytes: &[u8]) {
    match c.handle_input(t, bytes) {
        Ok(n) => watch.received(&bytes[..n.min(bytes.len())]),
        Err(_) => {
            watch.received(bytes);
            watch.input_refused();
        }
    }
}

fuzz_target!(|input: Input| {
    let v = if input.v5 { Version::V5 } else { Version::V311 };
    let cfg = Config::new(v).with_topic_alias_maximum(2).with_store_split(512, 64, 256);
    let mut c: C = Client::new(cfg, vec![0; 2048]).expect("store fits the split");
    let (mut now, mut buf) = (0u64, [0u8; 2048]);
    // Packet ids and acknowledgements; at most N = 4 messages in flight.
    let mut watch = Watch::new(4);
    let proto = if v == Version::V5 { Protocol::Mqtt5 } else { Protocol::Mqtt311 };
    let filter = TopicFilter::new("a/#").expect("valid");
    for op in input.ops.into_iter().take(512) {
        let t = Instant::from_millis(now);
        match op {
            Op::Connect { clean_start, keep_alive } => {
                let _ =
                    c.connect(t, &Connect { clean_start, keep_alive: u16::from(keep_alive), ..Connect::new(proto) });
            }
            Op::Raw(bytes) => feed(&mut c, &mut watch, t, &bytes),
            Op::Packet { which, id } => {
                let (template, at) = PACKETS[usize::from(which) % PACKETS.len()];
                let mut p = template.to_vec();
                if let Some(at) = at {
                    // Ids 1-8, so that they meet the client's own.
                    p[at..at + 2].copy_from_slice(&u16::from(id % 8 + 1).to_be_bytes());
                }
                feed(&mut c, &mut watch, t, &p);
            }
            Op::Advance { quarter_seconds } => {
                now += u64::from(quarter_seconds) * 250;
                c.handle_timeout(Instant::from_millis(now));
            }
            Op::Publish { qos, len, retain } => {
                let qos = [Qos::AtMostOnce, Qos::AtLeastOnce, Qos::ExactlyOnce][usize::from(qos % 3)];
                let m = OutgoingMessage::new("a/b", &buf[..usize::from(len)]).with_qos(qos).with_retain(retain);
                let _ = c.publish(t, &m);
            }
            Op::Subscribe => drop(c.subscribe(t, &[Subscription::new(filter, Qos::ExactlyOnce)], &[])),
            Op::Unsubscribe => drop(c.unsubscribe(t, &[filter], &[])),
            Op::Disconnect => drop(c.disconnect(t, &Disconnect::default())),
            Op::Lost => {
                c.connection_lost(t);
                watch.transport_closed();
            }
        }
        let mut n = 0;
        while let Ok(Some(x)) = c.poll_transmit(t, &mut buf) {
            watch.sent(&buf[..x.len]);
            n += 1;
            assert!(n < 64, "poll_transmit does not end");
        }
        while c.poll_event().is_some() {
            n += 1;
            assert!(n < 128, "poll_event does not end");
        }
        assert!(c.poll_timeout().is_none_or(|d| d.as_millis() < u64::MAX));
    }
});
