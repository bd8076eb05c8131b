//! Deterministic simulation: a `Client` and a `ServerConnection` through a `sim::Link` that
//! delays the byte stream, splits it into small pieces and cuts the connection at random points
//! (everything in flight is lost). After each cut the broker side exports its session, a new
//! `ServerConnection` imports it, and the client reconnects with Clean Start 0 after a backoff.
//!
//! Invariants checked per seed: every QoS 1 message arrives at least once and every QoS 2
//! message exactly once, in both directions; first deliveries arrive in the order sent
//! (5.0 §4.6); no connection closes for a protocol reason; every message completes.
//!
//! `SIM_SEEDS` sets how many seeds run (default 200), `SIM_SEED=<n>` replays one. Rates: delay
//! 1-40 ms per write, pieces of 1-64 bytes, a cut with probability 1/500 per piece delivered.
//! 500 messages each way per seed: 100,000 each way over the default 200 seeds.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use core::time::Duration;

use mqtt_codec::client::{Backoff, Client, CommandError, Config, Event, OutgoingMessage};
use mqtt_codec::server::{self, ServerConnection};
use mqtt_codec::sim::{Link, LinkConfig, Pair, Rng};
use mqtt_codec::time::Instant;
use mqtt_codec::wire::{Connect, List, Property, Protocol, Qos, Version};

const MESSAGES: u32 = 500;
const MAX_STEPS: u64 = 3_000_000;

type C = Client<Vec<u8>, 16, 4>;
type S = ServerConnection<Vec<u8>, 16, 4>;

fn new_server() -> S {
    ServerConnection::new(server::Config::new().with_topic_alias_maximum(4), vec![0; 32 * 1024]).unwrap()
}

/// What one direction saw: delivery counts per sequence number and the order of first deliveries.
#[derive(Default)]
struct Received {
    count: Vec<u32>,
    last_first: Option<u32>,
}

impl Received {
    fn new() -> Self {
        Self { count: vec![0; MESSAGES as usize], last_first: None }
    }

    fn record(&mut self, payload: &[u8], qos: Qos) -> Result<(), String> {
        let seq = u32::from_be_bytes(payload[..4].try_into().unwrap());
        let want_qos = if seq % 2 == 0 { Qos::AtLeastOnce } else { Qos::ExactlyOnce };
        if qos != want_qos {
            return Err(format!("message {seq} arrived with {qos:?}"));
        }
        let c = &mut self.count[seq as usize];
        *c += 1;
        if *c == 1 {
            if self.last_first.is_some_and(|l| seq <= l) {
                return Err(format!("message {seq} first arrived after {:?}", self.last_first));
            }
            self.last_first = Some(seq);
        } else if qos == Qos::ExactlyOnce {
            return Err(format!("QoS 2 message {seq} delivered {c} times"));
        }
        Ok(())
    }

    fn complete(&self) -> bool {
        self.count.iter().all(|&c| c >= 1)
    }
}

fn payload(seq: u32) -> [u8; 16] {
    let mut p = [0x5Au8; 16];
    p[..4].copy_from_slice(&seq.to_be_bytes());
    p
}

fn message(seq: u32, p: &[u8]) -> OutgoingMessage<'_> {
    let qos = if seq % 2 == 0 { Qos::AtLeastOnce } else { Qos::ExactlyOnce };
    OutgoingMessage::new("sim/topic", p).with_qos(qos)
}

struct Stats {
    cuts: u64,
    steps: u64,
    virtual_ms: u64,
}

fn run(seed: u64) -> Result<Stats, String> {
    let v = if seed % 2 == 0 { Version::V5 } else { Version::V311 };
    let protocol = if v == Version::V5 { Protocol::Mqtt5 } else { Protocol::Mqtt311 };
    let link_config = LinkConfig {
        delay: (Duration::from_millis(1), Duration::from_millis(40)),
        max_segment: 64,
        cut_per_million: 2_000,
    };
    let client: C = Client::new(Config::new(v).with_topic_alias_maximum(4), vec![0; 32 * 1024]).unwrap();
    let mut pair = Pair::new(client, new_server(), Link::new(link_config, seed));
    let mut rng = Rng::new(seed ^ 0x5EED);
    let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(2));
    let session_props = [Property::SessionExpiryInterval(3600)];
    let connect = |clean_start| Connect {
        client_id: "sim-client",
        clean_start,
        keep_alive: 30,
        properties: if v == Version::V5 { List::new(&session_props) } else { List::EMPTY },
        ..Connect::new(protocol)
    };
    pair.a.connect(pair.now, &connect(true)).unwrap();

    let (mut c2s, mut s2c) = (Received::new(), Received::new());
    let (mut next_c2s, mut next_s2c) = (0u32, 0u32);
    let (mut acked_c2s, mut acked_s2c) = (0u32, 0u32);
    let mut saved: Option<Vec<u8>> = None; // the broker's copy of the session between connections
    let mut server_up = false; // CONNACK sent on the current connection
    let mut reconnect_at: Option<Instant> = None;
    let mut steps = 0u64;
    let fail = |what: String, pair: &Pair<C, S>| Err(format!("SIM_SEED={seed} at {} ms: {what}", pair.now.as_millis()));

    loop {
        steps += 1;
        if steps > MAX_STEPS {
            return fail(format!("no progress: c2s {acked_c2s}/{next_c2s}, s2c {acked_s2c}/{next_s2c}"), &pair);
        }
        let st = pair.step();
        if let Some(r) = st.a_closed.or(st.b_closed) {
            return fail(format!("connection closed by a machine: {r:?}"), &pair);
        }
        if st.cut && server_up {
            // The broker keeps the session of a connection it accepted (a cut before that
            // leaves the copy it already has).
            let mut buf = vec![0u8; 64 * 1024];
            let n = pair.b.export_session(&mut buf).map_err(|e| format!("export: {e:?}"))?;
            buf.truncate(n);
            saved = Some(buf);
            server_up = false;
        }
        // Client application.
        while let Some(ev) = pair.a.poll_event() {
            match ev {
                Event::MessageReceived(p) => {
                    if let Err(e) = s2c.record(p.payload, p.qos.qos()) {
                        return fail(format!("server to client: {e}"), &pair);
                    }
                }
                // A resent PUBREL may be answered with 0x92 (5.0 §3.7.2.1: not an error during
                // recovery): the message was delivered, the exchange is complete.
                Event::PublishAcknowledged { .. } => acked_c2s += 1,
                Event::Connected { session_present, .. } => {
                    backoff.reset();
                    if !session_present && saved.is_some() {
                        return fail("session not resumed".into(), &pair);
                    }
                }
                Event::Closed { .. } => {
                    let delay = backoff.next_delay(rng.next_u64());
                    reconnect_at = Some(pair.now + delay);
                }
                Event::PublishSent { .. } => {}
                other => return fail(format!("client event {other:?}"), &pair),
            }
        }
        // Broker application.
        while let Some(ev) = pair.b.poll_event() {
            match ev {
                // Answered below, outside the event's borrow.
                Event::ConnectReceived(_) => server_up = true,
                Event::MessageReceived(p) => {
                    if let Err(e) = c2s.record(p.payload, p.qos.qos()) {
                        return fail(format!("client to server: {e}"), &pair);
                    }
                }
                Event::PublishAcknowledged { .. } => acked_s2c += 1,
                Event::Closed { .. } | Event::PublishSent { .. } => {}
                other => return fail(format!("server event {other:?}"), &pair),
            }
        }
        if server_up && !pair.b.is_connected() {
            // Answer the CONNECT: resume what the broker saved.
            let present = saved.is_some();
            if let Some(bytes) = saved.take() {
                pair.b.import_session(&bytes).map_err(|e| format!("import: {e:?}"))?;
            }
            pair.b.accept(pair.now, present, &[]).unwrap();
        }
        // Reconnect after the backoff (nothing happens meanwhile: the clock jumps there).
        if let (false, Some(t)) = (pair.up, reconnect_at) {
            pair.now = pair.now.max(t);
        }
        if !pair.up && reconnect_at.is_some_and(|t| pair.now >= t) {
            reconnect_at = None;
            pair.reconnect();
            pair.b = new_server();
            pair.a.connect(pair.now, &connect(false)).unwrap();
        }
        // Publish what fits, both ways.
        while next_c2s < MESSAGES {
            let p = payload(next_c2s);
            match pair.a.publish(pair.now, &message(next_c2s, &p)) {
                Ok(_) => next_c2s += 1,
                Err(CommandError::QueueFull | CommandError::StoreFull(_)) => break,
                Err(e) => return fail(format!("client publish: {e:?}"), &pair),
            }
        }
        while server_up && next_s2c < MESSAGES && pair.b.is_connected() {
            let p = payload(next_s2c);
            match pair.b.publish(pair.now, &message(next_s2c, &p)) {
                Ok(_) => next_s2c += 1,
                Err(CommandError::QueueFull | CommandError::StoreFull(_)) => break,
                Err(e) => return fail(format!("server publish: {e:?}"), &pair),
            }
        }
        if acked_c2s == MESSAGES && acked_s2c == MESSAGES && c2s.complete() && s2c.complete() {
            return Ok(Stats { cuts: pair.link.cuts, steps, virtual_ms: pair.now.as_millis() });
        }
        if st.idle && pair.up {
            return fail(format!("idle: c2s {acked_c2s}/{next_c2s}, s2c {acked_s2c}/{next_s2c}"), &pair);
        }
    }
}

#[test]
fn qos1_at_least_once_qos2_exactly_once_in_order_over_cut_links() {
    let seeds: Vec<u64> = match std::env::var("SIM_SEED") {
        Ok(s) => vec![s.parse().expect("SIM_SEED is a number")],
        Err(_) => {
            let n: u64 = std::env::var("SIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
            (0..n).collect()
        }
    };
    let (mut cuts, mut steps, mut ms) = (0, 0, 0);
    for &seed in &seeds {
        match run(seed) {
            Ok(s) => {
                cuts += s.cuts;
                steps += s.steps;
                ms += s.virtual_ms;
            }
            Err(e) => panic!("{e}"),
        }
    }
    let n = seeds.len() as u64;
    println!(
        "{n} seeds, {} messages each way (QoS 1 and 2 alternating), {cuts} cuts, {steps} steps, {} s of virtual time",
        n * u64::from(MESSAGES),
        ms / 1000
    );
    assert!(seeds.len() == 1 || cuts >= n, "the link must actually cut: {cuts} cuts in {n} seeds");
}
