//! Deterministic simulation of the broker core with many clients, each over its own
//! `sim::Link` that delays the byte stream, splits it and cuts it at random points. Clients keep
//! persistent sessions and reconnect after a backoff on a new connection id.
//!
//! Per seed: 8 subscribers on `t/#` (QoS 2) and 8 publishers, each publishing 60 messages
//! (QoS 1 and 2 alternating) on its own topic and, at the end, one retained message. Checked:
//! every QoS 1 message reaches every subscriber at least once, every QoS 2 message exactly once,
//! first deliveries per publisher in order; the broker dropped nothing and keeps one retained
//! message per publisher with its last payload, delivered to a fresh subscriber; its session
//! and connection counts stay within the configured limits.
//!
//! Rates: delay 1-30 ms per write, pieces of 1-48 bytes, a cut with probability 1/400 per piece.
//! `SIM_SEEDS` (default 40) and `SIM_SEED` as in `sim_mqtt.rs`. 3.1.1 and 5.0 clients mixed.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;
use std::time::Duration;

use mqtt_codec::broker::{Broker, BrokerEvent, Config};
use mqtt_codec::client::{self, Backoff, Client, CommandError, Event, OutgoingMessage};
use mqtt_codec::sim::{Dir, Link, LinkConfig, Rng};
use mqtt_codec::time::Instant;
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::wire::{Connect, List, Property, Protocol, Qos, Subscription, Version};

const SUBSCRIBERS: usize = 8;
const PUBLISHERS: usize = 8;
const MESSAGES: u32 = 60;

type C = Client<Vec<u8>, 16, 4>;

struct Dev {
    c: C,
    link: Link,
    conn: Option<u64>,
    rx_c: Vec<u8>,
    rx_b: Vec<u8>,
    backoff: Backoff,
    reconnect_at: Option<Instant>,
    subscribed: bool,
    sent: u32,
    acked: u32,
    retained_sent: bool,
    /// Per publisher: delivery counts per sequence number, and the last first delivery.
    got: Vec<(Vec<u32>, Option<u32>)>,
}

fn qos_of(seq: u32) -> Qos {
    if seq % 2 == 0 {
        Qos::AtLeastOnce
    } else {
        Qos::ExactlyOnce
    }
}

fn run(seed: u64) -> Result<(u64, u64), String> {
    let fail = |now: Instant, what: String| Err(format!("SIM_SEED={seed} at {} ms: {what}", now.as_millis()));
    let config = Config::new().with_max_connections(64).with_max_sessions(32);
    let mut broker: Broker<u64> = Broker::new(config);
    let mut rng = Rng::new(seed ^ 0xB40C);
    let link = LinkConfig {
        delay: (Duration::from_millis(1), Duration::from_millis(30)),
        max_segment: 48,
        cut_per_million: 2_500,
    };
    let mut devs: Vec<Dev> = (0..SUBSCRIBERS + PUBLISHERS)
        .map(|i| {
            let v = if (seed + i as u64) % 2 == 0 { Version::V5 } else { Version::V311 };
            Dev {
                c: Client::new(client::Config::new(v), vec![0; 32 * 1024]).unwrap(),
                link: Link::new(link, seed * 100 + i as u64),
                conn: None,
                rx_c: Vec::new(),
                rx_b: Vec::new(),
                backoff: Backoff::new(Duration::from_millis(20), Duration::from_secs(1)),
                reconnect_at: Some(Instant::ZERO),
                subscribed: false,
                sent: 0,
                acked: 0,
                retained_sent: false,
                got: vec![(vec![0; MESSAGES as usize], None); PUBLISHERS],
            }
        })
        .collect();
    let names: Vec<String> = (0..devs.len()).map(|i| format!("dev-{i}")).collect();
    let expiry = [Property::SessionExpiryInterval(3600)];
    let mut now = Instant::ZERO;
    let mut next_conn = 1u64;
    let mut conn_dev: BTreeMap<u64, usize> = BTreeMap::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut cuts = 0u64;
    for step in 0..2_000_000u64 {
        let mut progressed = false;
        // Reconnects.
        for (i, d) in devs.iter_mut().enumerate() {
            if d.conn.is_none() && d.reconnect_at.is_some_and(|t| now >= t) {
                d.reconnect_at = None;
                let id = next_conn;
                next_conn += 1;
                broker.connection_opened(now, id).map_err(|e| format!("open: {e:?}"))?;
                conn_dev.insert(id, i);
                d.conn = Some(id);
                d.rx_b.clear();
                d.rx_c.clear();
                let v = if (seed + i as u64) % 2 == 0 { Version::V5 } else { Version::V311 };
                let connect = Connect {
                    client_id: &names[i],
                    clean_start: false,
                    keep_alive: 60,
                    properties: if v == Version::V5 { List::new(&expiry) } else { List::EMPTY },
                    ..Connect::new(if v == Version::V5 { Protocol::Mqtt5 } else { Protocol::Mqtt311 })
                };
                d.c.connect(now, &connect).unwrap();
                progressed = true;
            }
        }
        // Clients write; the broker reads.
        for d in devs.iter_mut() {
            while let Some(t) = d.c.poll_transmit(now, &mut buf).unwrap() {
                if d.conn.is_some() {
                    d.link.send(Dir::AtoB, now, &buf[..t.len]);
                }
                progressed = true;
            }
        }
        while let Some((conn, t)) = broker.poll_transmit(now, &mut buf).unwrap() {
            progressed = true;
            if let Some(&i) = conn_dev.get(&conn) {
                if devs[i].conn == Some(conn) {
                    devs[i].link.send(Dir::BtoA, now, &buf[..t.len]);
                }
            }
        }
        // Deliver, cut.
        for (i, d) in devs.iter_mut().enumerate() {
            let Some(conn) = d.conn else { continue };
            let before = d.link.cuts;
            while let Some(p) = d.link.deliver(Dir::AtoB, now) {
                d.rx_b.extend_from_slice(&p);
                progressed = true;
            }
            while let Some(p) = d.link.deliver(Dir::BtoA, now) {
                d.rx_c.extend_from_slice(&p);
                progressed = true;
            }
            let cut = d.link.cuts != before;
            if !cut && !d.rx_b.is_empty() {
                match broker.handle_input(now, conn, &d.rx_b) {
                    Ok(n) => {
                        progressed |= n > 0;
                        d.rx_b.drain(..n);
                    }
                    Err(e) => return fail(now, format!("broker closed dev {i}: {e:?}")),
                }
            }
            if !cut && !d.rx_c.is_empty() {
                match d.c.handle_input(now, &d.rx_c) {
                    Ok(n) => {
                        progressed |= n > 0;
                        d.rx_c.drain(..n);
                    }
                    Err(e) => return fail(now, format!("dev {i} closed: {e:?}")),
                }
            }
            if cut {
                cuts += 1;
                d.conn = None;
                d.c.connection_lost(now);
                broker.connection_lost(now, conn);
                progressed = true;
            }
        }
        while let Some(ev) = broker.poll_event() {
            progressed = true;
            // The only close allowed is the one the cut caused (`connection_lost`).
            if let BrokerEvent::Closed { conn, reason } = ev {
                if reason != mqtt_codec::session::CloseReason::TransportClosed {
                    return fail(now, format!("broker closed connection {conn}: {reason:?}"));
                }
            }
        }
        // Applications.
        let all_subscribed = devs[..SUBSCRIBERS].iter().all(|d| d.subscribed);
        for (i, d) in devs.iter_mut().enumerate() {
            while let Some(ev) = d.c.poll_event() {
                progressed = true;
                match ev {
                    Event::Connected { .. } => d.backoff.reset(),
                    Event::Closed { .. } => {
                        let delay = d.backoff.next_delay(rng.next_u64());
                        d.reconnect_at = Some(now + delay);
                    }
                    Event::Subscribed { .. } => d.subscribed = true,
                    Event::MessageReceived(p) if p.topic.as_str().starts_with("t/") => {
                        let publisher: usize = p.topic.as_str()[2..].parse().unwrap();
                        let seq = u32::from_be_bytes(p.payload[..4].try_into().unwrap());
                        let (counts, last) = &mut d.got[publisher - SUBSCRIBERS];
                        counts[seq as usize] += 1;
                        if counts[seq as usize] == 1 {
                            if last.is_some_and(|l| seq <= l) {
                                return fail(now, format!("dev {i}: message {seq} of {publisher} after {last:?}"));
                            }
                            *last = Some(seq);
                        } else if qos_of(seq) == Qos::ExactlyOnce {
                            return fail(now, format!("dev {i}: QoS 2 message {seq} of {publisher} twice"));
                        }
                    }
                    Event::PublishAcknowledged { .. } => d.acked += 1,
                    Event::RequestDropped { .. } => {}
                    Event::PublishDropped { reason, .. } => return fail(now, format!("dev {i}: dropped {reason:?}")),
                    _ => {}
                }
            }
            if i < SUBSCRIBERS && !d.subscribed && d.c.is_connected() && d.sent == 0 {
                let sub = [Subscription::new(TopicFilter::new("t/#").unwrap(), Qos::ExactlyOnce)];
                d.c.subscribe(now, &sub, &[]).unwrap();
                d.sent = 1; // one SUBSCRIBE in flight; retried after a RequestDropped reconnect
            }
            if i < SUBSCRIBERS && !d.subscribed && !d.c.is_connected() {
                d.sent = 0;
            }
            if i >= SUBSCRIBERS && all_subscribed {
                while d.sent < MESSAGES {
                    let mut p = [0u8; 16];
                    p[..4].copy_from_slice(&d.sent.to_be_bytes());
                    let topic = format!("t/{i}");
                    let m = OutgoingMessage::new(&topic, &p).with_qos(qos_of(d.sent));
                    match d.c.publish(now, &m) {
                        Ok(_) => d.sent += 1,
                        Err(CommandError::QueueFull | CommandError::StoreFull(_)) => break,
                        Err(e) => return fail(now, format!("publish: {e:?}")),
                    }
                }
                if d.sent == MESSAGES && !d.retained_sent {
                    let topic = format!("r/{i}");
                    let m = OutgoingMessage::new(&topic, b"last").with_qos(Qos::AtLeastOnce).with_retain(true);
                    if d.c.publish(now, &m).is_ok() {
                        d.retained_sent = true;
                    }
                }
            }
        }
        let done = devs[SUBSCRIBERS..].iter().all(|d| d.retained_sent && d.acked == MESSAGES + 1)
            && devs[..SUBSCRIBERS].iter().all(|d| d.got.iter().all(|(c, _)| c.iter().all(|&n| n >= 1)));
        if done {
            if broker.dropped() != 0 || broker.retained() != PUBLISHERS {
                return fail(now, format!("dropped {}, retained {}", broker.dropped(), broker.retained()));
            }
            if broker.sessions() > 32 || broker.connections() > 64 {
                return fail(now, "limits".into());
            }
            return Ok((cuts, step));
        }
        if !progressed {
            let next = devs
                .iter()
                .flat_map(|d| [d.link.next_delivery(), d.c.poll_timeout(), d.reconnect_at])
                .chain([broker.poll_timeout()])
                .flatten()
                .min();
            match next {
                Some(t) => {
                    now = now.max(t);
                    broker.handle_timeout(now);
                    for d in devs.iter_mut() {
                        d.c.handle_timeout(now);
                    }
                }
                None => return fail(now, "idle before done".into()),
            }
        }
    }
    fail(now, "no progress".into())
}

#[test]
fn every_subscriber_gets_qos1_at_least_once_and_qos2_exactly_once_through_cuts() {
    let seeds: Vec<u64> = match std::env::var("SIM_SEED") {
        Ok(s) => vec![s.parse().unwrap()],
        Err(_) => (0..std::env::var("SIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(40)).collect(),
    };
    let (mut cuts, mut steps) = (0, 0);
    for &seed in &seeds {
        let (c, s) = run(seed).unwrap_or_else(|e| panic!("{e}"));
        cuts += c;
        steps += s;
    }
    println!(
        "{} seeds, {} messages per seed to each of {SUBSCRIBERS} subscribers, {cuts} cuts, {steps} steps",
        seeds.len(),
        MESSAGES as usize * PUBLISHERS
    );
    assert!(seeds.len() == 1 || cuts > seeds.len() as u64, "the links must cut");
}
