//! [`World::check`] must catch a broken run: each test spoils one tally of a good run.

use super::run;
use crate::sim::{Failure, Scenario, World};

fn good() -> std::boxed::Box<World<8>> {
    let w = run::<8>(Scenario::new(11));
    assert_eq!(w.check(), Ok(()));
    w
}

#[test]
fn a_reading_processed_twice_by_the_gateway_is_caught() {
    let mut w = good();
    w.gateway.processed[3] = 2;
    assert_eq!(w.check(), Err(Failure::CoapProcessed));
}

#[test]
fn a_reading_the_broker_never_got_is_caught() {
    let mut w = good();
    w.broker.received[7] = 0;
    assert_eq!(w.check(), Err(Failure::BrokerMissed));
}

#[test]
fn a_missing_or_double_puback_is_caught() {
    let mut w = good();
    w.mqtt_acked[0] = 2;
    assert_eq!(w.check(), Err(Failure::MqttNotAcknowledged));
    w.mqtt_acked[0] = 0;
    assert_eq!(w.check(), Err(Failure::MqttNotAcknowledged));
}

#[test]
fn a_missing_coap_answer_is_caught() {
    let mut w = good();
    w.coap_acked[19] = 0;
    assert_eq!(w.check(), Err(Failure::CoapNotAcknowledged));
}

#[test]
fn a_reading_never_taken_is_caught() {
    let mut w = good();
    w.broker.received[20] = 1;
    assert_eq!(w.check(), Err(Failure::UnknownReading));
}

#[test]
fn a_duplicate_message_id_is_caught() {
    let mut w = good();
    w.gateway.duplicate_messages = 1;
    assert_eq!(w.check(), Err(Failure::CoapDuplicateMessage));
}

#[test]
fn counters_that_disagree_are_caught() {
    let mut w = good();
    w.delivered[4] = 0;
    w.dropped[4] = 1;
    assert_eq!(w.check(), Err(Failure::DroppedCount));
}

#[test]
fn an_unfinished_run_is_caught() {
    let mut sc = Scenario::new(1);
    sc.time_limit = crate::Instant::from_millis(50_000);
    let w = run::<8>(sc);
    assert_eq!(w.check(), Err(Failure::Unfinished));
}

#[test]
fn exit_codes_are_distinct() {
    let all = [
        Failure::Unfinished,
        Failure::LinkOverflow,
        Failure::MqttNotAcknowledged,
        Failure::CoapNotAcknowledged,
        Failure::BrokerMissed,
        Failure::CoapProcessed,
        Failure::CoapDuplicateMessage,
        Failure::UnknownReading,
        Failure::DroppedCount,
        Failure::Reconciliation,
    ];
    let mut codes: std::vec::Vec<i32> = all.iter().map(|f| f.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
    assert!(codes.iter().all(|c| (50..=59).contains(c)));
}
