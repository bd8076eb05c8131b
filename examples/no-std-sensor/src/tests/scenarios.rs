//! The sensor through the simulated network: every run must pass [`World::check`].

use core::time::Duration;

use super::{run, seeds};
use crate::sim::{Scenario, MAX_READINGS};
use crate::Instant;

fn at(s: u64) -> Instant {
    Instant::from_millis(s * 1000)
}

#[test]
fn default_scenario_every_reading_acknowledged_on_both_paths() {
    let w = run::<8>(Scenario::new(2026));
    assert_eq!(w.check(), Ok(()), "SIM_SEED=2026");
    assert!(w.datagrams.stats().lost > 0, "10 % loss lost nothing");
    assert_eq!((w.stream.stats().cuts, w.sensor.stats().mqtt_connects), (1, 2));
    // Reconciled by sequence number: each of 0..20 once at the gateway, at least once at the
    // broker, none beyond.
    assert!(w.broker.received[..20].iter().all(|&n| n >= 1));
    assert!(w.gateway.processed[..20].iter().all(|&n| n == 1));
    assert!(w.broker.received[20..].iter().chain(&w.gateway.processed[20..]).all(|&n| n == 0));
}

#[test]
fn same_seed_same_run() {
    let (a, b) = (run::<8>(Scenario::new(77)), run::<8>(Scenario::new(77)));
    assert_eq!((a.now, a.steps, *a.sensor.stats()), (b.now, b.steps, *b.sensor.stats()));
    assert_eq!((a.broker.received, a.gateway.processed), (b.broker.received, b.gateway.processed));
}

#[test]
fn many_loss_seeds_reconcile() {
    let (mut lost, mut requeued) = (0, 0);
    for seed in seeds(200) {
        // Even seeds cut 10-39 ms after a reading, while its PUBLISH or PUBACK is on the wire
        // (20 ms each way); odd seeds anywhere.
        let cut = if seed % 2 == 0 { (seed % 19) * 10_000 + 10 + seed % 30 } else { seed * 7919 % 190_000 };
        let w = run::<8>(Scenario { mqtt_cut_at: Some(Instant::from_millis(cut)), ..Scenario::new(seed) });
        assert_eq!(w.check(), Ok(()), "SIM_SEED={seed}");
        // One cut, one reconnect (a cut before the first CONNACK leaves one session in all).
        assert_eq!(w.stream.stats().opens, 2, "SIM_SEED={seed}");
        assert!(w.sensor.stats().mqtt_connects >= 1, "SIM_SEED={seed}");
        lost += w.datagrams.stats().lost;
        requeued += w.sensor.stats().mqtt_requeued;
    }
    assert!(lost > 0, "no datagram was lost over all seeds");
    // Some cuts hit a PUBLISH in flight: it came back as SessionLost and went again.
    assert!(requeued > 0 || std::env::var("SIM_SEED").is_ok(), "no cut ever hit a PUBLISH in flight");
}

#[test]
fn heavy_loss_gives_up_and_resends_the_same_reading() {
    // 45 % loss both ways: a CON round trip fails 70 % of the time, so some of them exhaust
    // MAX_RETRANSMIT (RFC 7252 §4.2) and the sensor sends the same reading again.
    let mut gave_up = 0;
    for seed in seeds(40) {
        let mut sc = Scenario::new(seed);
        sc.datagrams.loss_per_mille = 450;
        // NSTART = 1 (RFC 7252 §4.7) sends one CON at a time; 32 slots hold all 20 readings.
        let w = run::<32>(sc);
        assert_eq!(w.check(), Ok(()), "SIM_SEED={seed}");
        gave_up += w.coap_gave_up;
        let s = w.sensor.stats();
        // Every request ended in a 2.04 or a give-up, and every give-up was sent again.
        assert_eq!(s.coap_requests, s.coap_acks + s.coap_gave_up, "SIM_SEED={seed}");
        assert_eq!((s.coap_acks, s.dropped), (20, 0), "SIM_SEED={seed}");
        // The stream is lossless and cut once: exactly one reconnect (keep-alive holds).
        assert_eq!(s.mqtt_connects, 2, "SIM_SEED={seed}");
    }
    assert!(gave_up > 0 || std::env::var("SIM_SEED").is_ok(), "no CON ever gave up at 45 % loss");
}

#[test]
fn lost_acks_do_not_make_the_gateway_process_a_reading_twice() {
    // For 150 s every datagram to the sensor is lost: the gateway gets (and processes) the
    // POSTs, the sensor never sees an ACK, gives up after MAX_TRANSMIT_WAIT (93 s) and sends
    // the same readings again with new message ids. The gateway answers them without
    // processing them again; its endpoint never hands one message over twice (RFC 7252 §4.5).
    let mut sc = Scenario::new(5);
    sc.ack_outage = Some((at(15), at(165)));
    sc.datagrams.loss_per_mille = 0;
    sc.mqtt_cut_at = None;
    let w = run::<32>(sc);
    assert_eq!(w.check(), Ok(()));
    let resent: u32 = w.gateway.resent.iter().map(|&n| u32::from(n)).sum();
    assert!(resent > 0 && w.coap_gave_up > 0, "resent {resent}, gave up {}", w.coap_gave_up);
    assert!(w.gateway.processed[..20].iter().all(|&n| n == 1));
    assert_eq!(w.gateway.duplicate_messages, 0);
}

#[test]
fn long_broker_outage_reconnects_with_backoff_and_loses_nothing() {
    for seed in seeds(20) {
        let mut sc = Scenario::new(seed);
        sc.broker_outage = Some((at(25), at(25 + 300)));
        sc.mqtt_cut_at = None;
        // 20 readings; 30 slots: the whole outage fits in the queue.
        let w = run::<32>(sc);
        assert_eq!(w.check(), Ok(()), "SIM_SEED={seed}");
        let s = w.sensor.stats();
        assert_eq!(w.dropped_readings(), 0, "SIM_SEED={seed}");
        assert_eq!(s.mqtt_connects, 2, "SIM_SEED={seed}");
        // Full jitter up to 1 s, 2 s, ... 30 s: 300 s of refusals take a handful of attempts
        // (10 to 40 with these ceilings), never a busy loop.
        let refused = w.stream.stats().refused;
        assert!((5..=60).contains(&refused), "SIM_SEED={seed}: {refused} refused opens");
        assert_eq!(s.open_failures, refused);
        // Readings taken during the outage reached the broker afterwards, at least once.
        assert!(w.broker.received[..20].iter().all(|&n| n >= 1), "SIM_SEED={seed}");
    }
}

#[test]
fn full_queue_drops_the_oldest_and_counts_it() {
    // Both paths down from 20 s to 200 s; readings 2..=19 (at 20 s .. 190 s) are taken with
    // nowhere to go, and the queue holds 4: the oldest 14 of them (2..=15) are dropped.
    let mut sc = Scenario::new(3);
    sc.datagrams.loss_per_mille = 0;
    sc.mqtt_cut_at = None;
    sc.broker_outage = Some((at(20), at(200)));
    sc.coap_outage = Some((at(20), at(200)));
    let w = run::<4>(sc);
    assert_eq!(w.check(), Ok(()));
    assert_eq!(w.dropped_readings(), 14);
    assert_eq!((w.sensor.stats().dropped, w.sensor.queue().dropped()), (14, 14));
    for seq in 0..20 {
        let dropped = (2..=15).contains(&seq);
        assert_eq!(w.dropped[seq], u16::from(dropped), "reading {seq}");
        assert_eq!(w.delivered[seq], u16::from(!dropped), "reading {seq}");
        if !dropped {
            assert_eq!(w.gateway.processed[seq], 1, "reading {seq}");
            assert!(w.broker.received[seq] >= 1, "reading {seq}");
        }
    }
    assert_eq!(w.sensor.stats().delivered, 6);
}

#[test]
fn a_coap_outage_longer_than_max_transmit_wait_is_ridden_out() {
    for seed in seeds(10) {
        let mut sc = Scenario::new(seed);
        sc.coap_outage = Some((at(30), at(30 + 240)));
        let w = run::<32>(sc);
        assert_eq!(w.check(), Ok(()), "SIM_SEED={seed}");
        assert!(w.coap_gave_up > 0, "SIM_SEED={seed}: nothing gave up in a 240 s outage");
    }
}

#[test]
fn the_most_readings_the_peers_can_tally() {
    let sc = Scenario { readings: MAX_READINGS as u32, period: Duration::from_secs(3), ..Scenario::new(9) };
    let w = run::<8>(sc);
    assert_eq!(w.check(), Ok(()));
    assert_eq!(w.sensor.stats().delivered, MAX_READINGS as u32);
}
