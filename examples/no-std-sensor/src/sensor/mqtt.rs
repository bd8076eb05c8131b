//! The sensor's MQTT path: transport commands, the client's events, QoS 1 PUBLISHes.

use mqtt_codec::client::{CommandError, Event, OutgoingMessage};
use mqtt_codec::wire::{Connect, Protocol, Qos};

use super::{BufferTooSmall, Link, Sensor, SensorEvent, TransportCommand, Via};
use crate::payload::Payload;
use crate::queue::MqttState;
use crate::Instant;

/// What one client event means to the sensor (taken out so the event's borrow ends first).
enum Outcome {
    Connected,
    Acknowledged(mqtt_codec::client::PublishHandle),
    Dropped(mqtt_codec::client::PublishHandle),
    Closed,
    Other,
}

impl<const Q: usize> Sensor<Q> {
    /// Bytes arrived on the MQTT transport; returns how many were used (whole packets only:
    /// keep the rest and give it again with more).
    pub fn handle_mqtt_input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        let mut used = 0;
        loop {
            let rest = bytes.get(used..).unwrap_or(&[]);
            if rest.is_empty() || !matches!(self.link, Link::Handshake | Link::Up) {
                break;
            }
            match self.mqtt.handle_input(now, rest) {
                Ok(n) => {
                    used += n;
                    // A full inbound store takes fewer bytes until its events are polled.
                    if self.drain_mqtt(now) == 0 && n == 0 {
                        break;
                    }
                }
                Err(_) => {
                    // The connection is over (`Closed` says why); the rest is meaningless.
                    self.drain_mqtt(now);
                    used = bytes.len();
                    break;
                }
            }
        }
        self.pump(now);
        used
    }

    /// What the MQTT transport should do now; call it in every loop iteration.
    pub fn poll_mqtt_transport(&mut self, now: Instant) -> Option<TransportCommand> {
        match self.link {
            Link::Down { retry_at } if now >= retry_at => {
                self.link = Link::Opening;
                Some(TransportCommand::Open)
            }
            Link::Closing => {
                self.link = Link::Down { retry_at: self.retry_time(now) };
                Some(TransportCommand::Close)
            }
            _ => None,
        }
    }

    /// The transport asked for by [`TransportCommand::Open`] is open: CONNECT goes out with
    /// Clean Start (`MQTT-3.1.2-4`), so a lost session is never half-resumed.
    pub fn mqtt_opened(&mut self, now: Instant) {
        if self.link != Link::Opening {
            return;
        }
        let connect = Connect {
            client_id: self.config.name,
            keep_alive: self.config.keep_alive,
            clean_start: true,
            ..Connect::new(Protocol::Mqtt5)
        };
        self.link = match self.mqtt.connect(now, &connect) {
            Ok(()) => Link::Handshake,
            Err(_) => Link::Closing,
        };
        self.pump(now);
    }

    /// The transport could not be opened; the next attempt waits a back-off delay.
    pub fn mqtt_open_failed(&mut self, now: Instant) {
        if self.link == Link::Opening {
            self.stats.open_failures = self.stats.open_failures.saturating_add(1);
            self.link = Link::Down { retry_at: self.retry_time(now) };
        }
    }

    /// The transport closed under us (reset, EOF, the network gone); the next attempt waits a
    /// back-off delay. PUBLISHes in flight are published again on the next connection.
    pub fn mqtt_closed(&mut self, now: Instant) {
        self.mqtt.connection_lost(now);
        self.drain_mqtt(now);
        if !matches!(self.link, Link::Down { .. }) {
            self.link = Link::Down { retry_at: self.retry_time(now) };
        }
        self.pump(now);
    }

    /// Writes the next MQTT packet into `buf`; `Ok(None)` when nothing is due.
    ///
    /// # Errors
    /// [`BufferTooSmall`] (nothing changed).
    pub fn poll_mqtt_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        if matches!(self.link, Link::Down { .. } | Link::Opening) {
            return Ok(None);
        }
        match self.mqtt.poll_transmit(now, buf) {
            Ok(t) => Ok(t.map(|t| t.len)),
            Err(e) => Err(BufferTooSmall { required: e.required }),
        }
    }

    /// `now` plus the next back-off delay, drawn from the sensor's PRNG (full jitter).
    fn retry_time(&mut self, now: Instant) -> Instant {
        now + self.backoff.next_delay(self.rng.next_u64())
    }

    /// Takes in the client's events; returns how many there were.
    pub(super) fn drain_mqtt(&mut self, _now: Instant) -> usize {
        let mut n = 0;
        loop {
            let outcome = match self.mqtt.poll_event() {
                None => break,
                Some(Event::Connected { .. }) => Outcome::Connected,
                Some(Event::PublishAcknowledged { handle, .. }) => Outcome::Acknowledged(handle),
                Some(Event::PublishDropped { handle, .. }) => Outcome::Dropped(handle),
                Some(Event::Closed { .. }) => Outcome::Closed,
                Some(_) => Outcome::Other,
            };
            n += 1;
            match outcome {
                Outcome::Connected => {
                    self.link = Link::Up;
                    self.backoff.reset();
                    self.stats.mqtt_connects = self.stats.mqtt_connects.saturating_add(1);
                    self.event(SensorEvent::MqttConnected);
                }
                Outcome::Acknowledged(h) => {
                    // A reading evicted from the queue meanwhile is simply not found.
                    let hit = self.queue.iter_mut().find(|r| r.mqtt == MqttState::InFlight(h)).map(|r| {
                        r.mqtt = MqttState::Acknowledged;
                        r.seq
                    });
                    if let Some(seq) = hit {
                        self.stats.mqtt_acks = self.stats.mqtt_acks.saturating_add(1);
                        self.event(SensorEvent::Acknowledged { seq, via: Via::Mqtt });
                    }
                }
                Outcome::Dropped(h) => {
                    // Session lost at a clean-start CONNACK (5.0 §4.4) or refused: publish again.
                    if let Some(r) = self.queue.iter_mut().find(|r| r.mqtt == MqttState::InFlight(h)) {
                        r.mqtt = MqttState::Pending;
                        self.stats.mqtt_requeued = self.stats.mqtt_requeued.saturating_add(1);
                    }
                }
                Outcome::Closed => {
                    if matches!(self.link, Link::Handshake | Link::Up) {
                        self.stats.mqtt_losses = self.stats.mqtt_losses.saturating_add(1);
                        self.link = Link::Closing;
                        self.event(SensorEvent::MqttClosed);
                    }
                }
                Outcome::Other => {}
            }
        }
        n
    }

    /// Hands pending readings to the client, oldest first, while connected and while it has
    /// room (`QueueFull`/`StoreFull` are backpressure: the rest waits for PUBACKs).
    pub(super) fn publish_pending(&mut self, now: Instant) {
        if self.link != Link::Up {
            return;
        }
        let topic = core::str::from_utf8(self.topic.get(..self.topic_len).unwrap_or(&[])).unwrap_or("");
        while let Some(r) = self.queue.oldest_mut(|r| r.mqtt == MqttState::Pending) {
            let payload = Payload::new(r.seq, r.centi_celsius);
            let message = OutgoingMessage::new(topic, payload.as_bytes()).with_qos(Qos::AtLeastOnce);
            match self.mqtt.publish(now, &message) {
                Ok(handle) => {
                    r.mqtt = MqttState::InFlight(handle);
                    self.stats.publishes = self.stats.publishes.saturating_add(1);
                }
                Err(CommandError::QueueFull | CommandError::StoreFull(_)) => break,
                // Anything else cannot succeed later either; leave it pending and stop.
                Err(_) => break,
            }
        }
    }
}
