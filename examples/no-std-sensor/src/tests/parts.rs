//! The small parts: payload, queue, PRNG, links.

use core::time::Duration;

use crate::payload::{parse_seq, Payload, MAX_LEN};
use crate::queue::{CoapState, MqttState, Reading, ReadingQueue};
use crate::rand::SplitMix64;
use crate::sim::{DatagramConfig, DatagramLink, StreamLink};
use crate::{Instant, Sensor, SensorConfig, SetupError};

#[test]
fn payload_round_trips_and_fits() {
    for (seq, t) in [(0, 0), (1, 2150), (u32::MAX, i16::MIN), (42, -1), (7, i16::MAX)] {
        let p = Payload::new(seq, t);
        assert!(p.as_bytes().len() <= MAX_LEN);
        assert_eq!(parse_seq(p.as_bytes()), Some(seq), "{:?}", std::str::from_utf8(p.as_bytes()));
    }
    assert_eq!(Payload::new(u32::MAX, i16::MIN).as_bytes(), b"seq=4294967295 t=-327.68");
    for bad in [&b""[..], b"seq=", b"seq=x1", b"seq=99999999999 t=1", b"temp=1"] {
        assert_eq!(parse_seq(bad), None, "{bad:?}");
    }
}

#[test]
fn queue_evicts_the_oldest_whatever_the_slot_order() {
    let r = |seq| Reading { seq, centi_celsius: 0, mqtt: MqttState::Pending, coap: CoapState::Pending };
    let mut q = ReadingQueue::<3>::new();
    for s in 0..3 {
        assert_eq!(q.push(r(s)), None);
    }
    // Retire reading 1 (both paths acknowledged): its slot, in the middle, frees up.
    let one = q.iter_mut().find(|x| x.seq == 1).unwrap();
    one.mqtt = MqttState::Acknowledged;
    one.coap = CoapState::Acknowledged;
    assert_eq!(q.pop_done().map(|x| x.seq), Some(1));
    assert_eq!(q.push(r(3)), None);
    assert_eq!(q.push(r(4)).map(|x| x.seq), Some(0));
    assert_eq!(q.push(r(5)).map(|x| x.seq), Some(2));
    let mut left: std::vec::Vec<u32> = q.iter().map(|x| x.seq).collect();
    left.sort_unstable();
    assert_eq!((left, q.dropped()), (std::vec![3, 4, 5], 2));
    assert_eq!(q.oldest_mut(|_| true).map(|x| x.seq), Some(3));
    let mut none = ReadingQueue::<0>::new();
    assert_eq!(none.push(r(9)).map(|x| x.seq), Some(9));
    assert_eq!(none.dropped(), 1);
}

#[test]
fn splitmix_is_deterministic_and_spread() {
    let mut a = SplitMix64::new(0);
    // The reference output of SplitMix64 seeded with 0.
    assert_eq!(a.next_u64(), 0xE220_A839_7B1D_CDAF);
    let mut r = SplitMix64::new(99);
    let hits = (0..10_000).filter(|_| r.chance(100)).count();
    assert!((850..=1150).contains(&hits), "{hits} of 10000 at 10 %");
}

#[test]
fn datagram_link_loses_delays_and_reorders() {
    let config = DatagramConfig {
        loss_per_mille: 250,
        min_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(30),
    };
    let mut link = DatagramLink::new(config, 4);
    let mut delivered = 0;
    for i in 0..4000u32 {
        let now = Instant::from_millis(u64::from(i) * 100);
        link.send(now, 1, 2, &i.to_le_bytes());
        assert!(link.recv(now + Duration::from_millis(9)).is_none(), "arrived before min_delay");
        if let Some(d) = link.recv(now + Duration::from_millis(30)) {
            assert_eq!((d.from, d.to, d.bytes()), (1, 2, &i.to_le_bytes()[..]));
            delivered += 1;
        }
    }
    let s = *link.stats();
    assert_eq!((s.sent, s.delivered, s.lost + s.delivered), (4000, delivered, 4000));
    assert!((850..=1150).contains(&s.lost), "{} lost of 4000 at 25 %", s.lost);
    link.set_down_until(Instant::from_millis(1_000_000));
    assert!(!link.send(Instant::from_millis(999_999), 1, 2, b"x"));
}

#[test]
fn stream_link_delivers_in_order_after_the_delay_and_cuts() {
    let mut s = StreamLink::new(Duration::from_millis(20));
    assert!(s.open(Instant::ZERO));
    s.write_up(Instant::ZERO, b"abc");
    s.write_up(Instant::from_millis(5), b"de");
    assert_eq!(s.up.readable(Instant::from_millis(19)), b"");
    assert_eq!(s.up.readable(Instant::from_millis(20)), b"abc");
    assert_eq!(s.next_arrival(Instant::from_millis(20)), Some(Instant::from_millis(25)));
    s.up.consume(2);
    assert_eq!(s.up.readable(Instant::from_millis(25)), b"cde");
    s.cut();
    assert_eq!((s.is_open(), s.up.readable(Instant::from_millis(99)), s.stats().cuts), (false, &b""[..], 1));
    s.refuse_until(Instant::from_millis(100));
    assert!(!s.open(Instant::from_millis(99)));
    assert!(s.open(Instant::from_millis(100)));
}

#[test]
fn sensor_refuses_names_mqtt_servers_may_refuse() {
    for bad in ["", "has space", "a/b", "abcdefghijklmnopqrstuvwx"] {
        assert_eq!(Sensor::<8>::new(SensorConfig::new(bad, 2)).err(), Some(SetupError::InvalidName), "{bad:?}");
    }
    let s = Sensor::<8>::new(SensorConfig::new("abcdefghijklmnopqrstuvw", 2)).unwrap();
    assert_eq!(s.topic(), "site/abcdefghijklmnopqrstuvw/temp");
}

#[test]
fn sensor_asks_for_a_connection_first_and_backs_off_after_failures() {
    use crate::TransportCommand;
    let mut s = Sensor::<8>::new(SensorConfig { seed: 3, ..SensorConfig::new("s1", 2) }).unwrap();
    let t0 = Instant::ZERO;
    assert_eq!(s.poll_mqtt_transport(t0), Some(TransportCommand::Open));
    assert_eq!(s.poll_mqtt_transport(t0), None, "one open at a time");
    let mut last = t0;
    for attempt in 0..8u32 {
        s.mqtt_open_failed(last);
        let retry = s.poll_timeout().unwrap();
        // poll_timeout is the earlier of the first reading (due at 0) and the retry time.
        assert_eq!(retry, Instant::ZERO);
        let mut t = last;
        while s.poll_mqtt_transport(t).is_none() {
            t += Duration::from_millis(1);
        }
        let ceiling = (1000u64 << attempt).min(30_000);
        assert!((t - last).as_millis() as u64 <= ceiling, "attempt {attempt}: {:?}", t - last);
        last = t;
    }
    assert_eq!(s.stats().open_failures, 8);
}
