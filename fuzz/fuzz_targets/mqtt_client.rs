//! The client machine: a byte string read as operations (connect, raw input, well-formed server
//! packets, time steps, publish, subscribe, transport loss). Nothing panics, the machine never
//! loops, and after every operation transmits and events drain within bounds.
#![no_main]

use fuzz::mqtt_watch::Watch;
use libfuzzer_sys::fuzz_target;
use mqtt_codec::client::{Client, Config, OutgoingMessage};
use mqtt_codec::time::Instant;
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::wire::{Connect, Protocol, Qos, Subscription, Version};

/// Server packets worth reaching the machine whole (CONNACK, acks, PUBLISH with an alias, ...).
const PACKETS: [&[u8]; 10] = [
    &[0x20, 0x03, 0x00, 0x00, 0x00],
    &[0x20, 0x03, 0x01, 0x00, 0x00],
    &[0x40, 0x02, 0x00, 0x01],
    &[0x50, 0x02, 0x00, 0x02],
    &[0x62, 0x02, 0x00, 0x03],
    &[0x70, 0x02, 0x00, 0x02],
    &[0xD0, 0x00],
    &[0x34, 0x0A, 0x00, 0x01, b'a', 0x00, 0x03, 0x03, 0x23, 0x00, 0x01, b'x'],
    &[0x90, 0x04, 0x00, 0x01, 0x00, 0x01],
    &[0x20, 0x02, 0x00, 0x00],
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, mut ops)) = data.split_first() else { return };
    let v = if first & 1 == 1 { Version::V5 } else { Version::V311 };
    let cfg = Config::new(v).with_topic_alias_maximum(2).with_store_split(512, 64, 256);
    let mut c: Client<Vec<u8>, 4, 2> = Client::new(cfg, vec![0; 2048]).expect("store fits the split");
    let (mut now, mut buf) = (0u64, [0u8; 2048]);
    // Packet ids and acknowledgements (fuzz::mqtt_watch); at most N = 4 messages in flight.
    let mut watch = Watch::new(4);
    let feed = |c: &mut Client<Vec<u8>, 4, 2>, watch: &mut Watch, t, bytes: &[u8]| match c.handle_input(t, bytes) {
        Ok(n) => watch.received(&bytes[..n.min(bytes.len())]),
        Err(_) => {
            watch.received(bytes);
            watch.input_refused();
        }
    };
    while let Some((&op, rest)) = ops.split_first() {
        let (arg, rest) = rest.split_first().map_or((0, rest), |(a, r)| (*a, r));
        ops = rest;
        let t = Instant::from_millis(now);
        let proto = if v == Version::V5 { Protocol::Mqtt5 } else { Protocol::Mqtt311 };
        match op % 8 {
            0 => drop(
                c.connect(t, &Connect { clean_start: arg & 1 == 1, keep_alive: u16::from(arg), ..Connect::new(proto) }),
            ),
            1 => {
                let n = usize::from(arg).min(ops.len());
                feed(&mut c, &mut watch, t, &ops[..n]);
                ops = &ops[n..];
            }
            2 => feed(&mut c, &mut watch, t, PACKETS[usize::from(arg) % PACKETS.len()]),
            3 => {
                now += u64::from(arg) * 250;
                c.handle_timeout(Instant::from_millis(now));
            }
            4 => drop(c.publish(
                t,
                &OutgoingMessage::new("a/b", &buf[..usize::from(arg)]).with_qos(match arg % 3 {
                    0 => Qos::AtMostOnce,
                    1 => Qos::AtLeastOnce,
                    _ => Qos::ExactlyOnce,
                }),
            )),
            5 => drop(c.subscribe(
                t,
                &[Subscription::new(TopicFilter::new("a/#").expect("valid"), Qos::ExactlyOnce)],
                &[],
            )),
            6 => {
                c.connection_lost(t);
                watch.transport_closed();
            }
            _ => {}
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
