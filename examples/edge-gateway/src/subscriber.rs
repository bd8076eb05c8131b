//! The subscriber at the far end: an MQTT client with a persistent session subscribed to
//! `site/#` at QoS 1, entering every reading in the [`Ledger`] (which reconciles them by sensor
//! and sequence number) and printing what arrives.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mqtt_codec::client::{Backoff, Client, Config};
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::wire::{Connect, Disconnect, List, Property, Protocol, Qos, ReasonCode, Subscription, Version};
use net::driver::{Driver, Event};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::stats::{inc, Ledger, Reading, Stats};
use mqtt_codec::sim::Rng;

/// Runs the subscriber against `broker` until `stop` turns true. `ready` turns true once the
/// subscription is in place; `print` gets one line per message.
///
/// # Errors
/// The client could not be made, or the broker refused the subscription.
pub async fn run(
    broker: SocketAddr,
    stats: Arc<Stats>,
    ledger: Arc<Ledger>,
    ready: watch::Sender<bool>,
    mut stop: watch::Receiver<bool>,
    mut print: impl FnMut(String),
) -> Result<(), String> {
    let client = Client::new(Config::new(Version::V5), vec![0u8; 64 * 1024]).map_err(|e| e.to_string())?;
    let mut d: Driver = Driver::new(client);
    // Back quickly after a broker restart: the consumer should be there before the readings.
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(500));
    let mut rng = Rng::new(0x5AB5);
    let mut active = false;
    let mut reconnect_at = Instant::now();
    let props = [Property::SessionExpiryInterval(600)];
    let filter = TopicFilter::new("site/#").map_err(|e| e.to_string())?;
    loop {
        if *stop.borrow() {
            let _ = d.command(|c, now| c.disconnect(now, &Disconnect::new(ReasonCode::Success)));
            let _ = tokio::time::timeout(Duration::from_secs(1), d.next_event()).await;
            return Ok(());
        }
        tokio::select! {
            event = d.next_event(), if active => match event {
                Some(Event::Connected { session_present, .. }) => {
                    backoff.reset();
                    inc(&stats.sub_connects);
                    if session_present {
                        inc(&stats.sub_resumed);
                    }
                    if !session_present {
                        let sub = Subscription::new(filter, Qos::AtLeastOnce);
                        d.command(|c, now| c.subscribe(now, &[sub], &[])).map_err(|e| e.to_string())?;
                    } else {
                        let _ = ready.send(true);
                    }
                }
                Some(Event::Subscribed { reason_codes, .. }) => {
                    if reason_codes.iter().any(|c| c.is_error()) {
                        return Err(format!("the broker refused the subscription: {reason_codes:?}"));
                    }
                    let _ = ready.send(true);
                }
                Some(Event::MessageReceived(m)) => {
                    inc(&stats.sub_received);
                    match Reading::from_json(&m.payload) {
                        Some(r) => {
                            let new = ledger.arrived(&r);
                            print(format!("{} {} #{} {:.2} C{}", m.topic, r.kind.key(), r.seq, r.value, if new { "" } else { " (duplicate)" }));
                        }
                        None => print(format!("{} {}{}", m.topic, String::from_utf8_lossy(&m.payload), if m.retain { " (retained)" } else { "" })),
                    }
                }
                Some(Event::Closed { reason: mqtt_codec::client::CloseReason::Refused(code), reason_string, .. })
                    if !*ready.borrow() =>
                {
                    let detail = reason_string.map(|s| format!(" ({s})")).unwrap_or_default();
                    return Err(format!("the broker refused the subscriber's connection: CONNACK {code:?}{detail}"));
                }
                Some(Event::Closed { .. }) | None => {
                    active = false;
                    reconnect_at = Instant::now() + backoff.next_delay(rng.next_u64());
                }
                Some(_) => {}
            },
            () = tokio::time::sleep_until(reconnect_at), if !active => {
                match tokio::net::TcpStream::connect(broker).await {
                    Ok(stream) => {
                        let connect = Connect {
                            client_id: "edge-subscriber",
                            clean_start: false,
                            keep_alive: 30,
                            properties: List::new(&props),
                            ..Connect::new(Protocol::Mqtt5)
                        };
                        active = d.start(stream, &connect).is_ok();
                    }
                    Err(_) => reconnect_at = Instant::now() + backoff.next_delay(rng.next_u64()),
                }
            }
            _ = stop.changed() => {}
        }
    }
}
