//! [`Sensor`]: a temperature sensor that reports every reading twice, as an MQTT QoS 1 PUBLISH
//! to a broker and as a CoAP CON POST to a gateway, in static memory.
//!
//! # The contract
//! The sensor is a sans-IO machine like the ones it is made of: it owns no socket, clock or
//! task. A firmware main loop (or [`crate::sim::World`]) does, after anything happened:
//!
//! | call | meaning |
//! |---|---|
//! | [`record`](Sensor::record) | a reading was taken (when `now` reaches [`next_reading`](Sensor::next_reading)) |
//! | [`handle_mqtt_input`](Sensor::handle_mqtt_input) / [`handle_coap_input`](Sensor::handle_coap_input) | bytes / a datagram arrived |
//! | [`handle_timeout`](Sensor::handle_timeout) | time passed |
//! | [`poll_mqtt_transport`](Sensor::poll_mqtt_transport) | open or close the MQTT transport; answer with [`mqtt_opened`](Sensor::mqtt_opened) / [`mqtt_open_failed`](Sensor::mqtt_open_failed) |
//! | [`mqtt_closed`](Sensor::mqtt_closed) | the transport closed under us |
//! | [`poll_mqtt_transmit`](Sensor::poll_mqtt_transmit) / [`poll_coap_transmit`](Sensor::poll_coap_transmit) | bytes / datagrams to send, until `None` |
//! | [`poll_event`](Sensor::poll_event) | what happened to the readings, until `None` |
//! | [`poll_timeout`](Sensor::poll_timeout) | when to call `handle_timeout` (or `record`) next |
//!
//! # Behaviour
//! - Each reading gets the next sequence number and waits in a [`ReadingQueue`] of `Q` slots
//!   until both paths acknowledged it. A full queue evicts the oldest reading, counted in
//!   [`Stats::dropped`] and reported as [`SensorEvent::Dropped`].
//! - MQTT: a QoS 1 PUBLISH to `site/{name}/temp` (`MQTT-4.3.2-3 (5.0)`: unacknowledged until PUBACK). The
//!   session starts clean on every connection (`MQTT-3.1.2-4`), so PUBLISHes in flight when a
//!   connection is lost come back as `PublishDropped { SessionLost }` at the next CONNACK and
//!   are published again: the broker receives each reading at least once (5.0 §4.3.2).
//!   Reconnects wait [`Backoff`] delays (full jitter, from the sensor's own seeded PRNG).
//! - CoAP: a CON POST `/readings` to the gateway, retransmitted by the endpoint (RFC 7252
//!   §4.2); when it gives up (MAX_RETRANSMIT) or the answer is not 2.xx, the same reading (same
//!   sequence number, a new message id, RFC 7252 §4.4) goes again after
//!   [`SensorConfig::coap_retry`]. The gateway deduplicates by sequence number; the endpoint
//!   deduplicates retransmissions by message id (RFC 7252 §4.5).

mod coap;
mod events;
mod mqtt;

use core::time::Duration;

use coap_codec::endpoint::{ArrayStorage, Endpoint};
use mqtt_codec::client::{Backoff, Client};

pub use coap::READINGS_PATH;
pub use events::{SensorEvent, Via};

use self::events::EventRing;
use crate::queue::{CoapState, MqttState, Reading, ReadingQueue};
use crate::rand::SplitMix64;
use crate::{Address, Instant};

/// Bytes of the MQTT client's store: 256 inbound, 128 for CONNECT/DISCONNECT, the rest for
/// QoS 1 PUBLISHes awaiting PUBACK (a reading's PUBLISH is under 50 bytes).
pub const MQTT_STORE: usize = 1024;
/// The MQTT client's message slots (PUBLISHes from the call until their outcome is polled).
pub const MQTT_SLOTS: usize = 8;
/// The sensor's MQTT client: a fixed store, [`MQTT_SLOTS`] slots, no topic aliases.
pub type MqttClient = Client<[u8; MQTT_STORE], MQTT_SLOTS, 0>;
/// The sensor's CoAP tables: 8 exchanges, 4 dedup entries (it serves nothing), 1 observer
/// slot, 8 transmit and 8 event slots, 1 KiB of exchange store, 256 bytes of answer cache,
/// 512 bytes of receive store, block-wise off (one minimal transfer slot and body store).
pub type CoapStorage = ArrayStorage<Address, 8, 4, 1, 8, 8, 1024, 256, 512, 1, 16>;
/// The sensor's CoAP endpoint.
pub type CoapEndpoint = Endpoint<Address, CoapStorage>;

/// Longest sensor name: MQTT client identifiers of 1-23 characters from `0-9a-zA-Z` are ones
/// every server accepts (`MQTT-3.1.3-5`).
pub const MAX_NAME: usize = 23;
/// `site/` + name + `/temp`.
const TOPIC_MAX: usize = 5 + MAX_NAME + 5;

/// How a [`Sensor`] behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SensorConfig {
    /// The MQTT client identifier and the `{name}` of `site/{name}/temp` (1-23 characters of
    /// `0-9a-zA-Z`, `MQTT-3.1.3-5`).
    pub name: &'static str,
    /// The CoAP gateway's address.
    pub gateway: Address,
    /// Time between readings (default 10 s).
    pub period: Duration,
    /// MQTT Keep Alive in seconds (default 30; `MQTT-3.1.2-23 (3.1.1)`, `MQTT-3.1.2-20 (5.0)`).
    pub keep_alive: u16,
    /// First reconnect back-off ceiling (default 1 s) ...
    pub reconnect_base: Duration,
    /// ... doubling up to this (default 30 s).
    pub reconnect_cap: Duration,
    /// How long after a CoAP give-up the reading goes again (default 5 s).
    pub coap_retry: Duration,
    /// Seeds the reconnect jitter and the CoAP endpoint (tokens, message ids, timeouts).
    pub seed: u64,
}

impl SensorConfig {
    /// The defaults for a sensor called `name` reporting to `gateway`.
    pub const fn new(name: &'static str, gateway: Address) -> Self {
        Self {
            name,
            gateway,
            period: Duration::from_secs(10),
            keep_alive: 30,
            reconnect_base: Duration::from_secs(1),
            reconnect_cap: Duration::from_secs(30),
            coap_retry: Duration::from_secs(5),
            seed: 0,
        }
    }
}

/// Why [`Sensor::new`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupError {
    /// The name is empty, longer than [`MAX_NAME`] or not `0-9a-zA-Z` (`MQTT-3.1.3-5`).
    InvalidName,
    /// [`MQTT_STORE`] cannot hold the client's configured split.
    MqttStore,
}

/// The buffer given to a `poll_*_transmit` cannot hold the next packet; nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferTooSmall {
    /// The size needed.
    pub required: usize,
}

/// What the MQTT transport should do, from [`Sensor::poll_mqtt_transport`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportCommand {
    /// Open a new connection to the broker, then call [`Sensor::mqtt_opened`] or
    /// [`Sensor::mqtt_open_failed`].
    Open,
    /// Close the connection (after writing what `poll_mqtt_transmit` still gives).
    Close,
}

/// Counters since start-up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Readings recorded.
    pub readings: u32,
    /// Readings acknowledged on both paths.
    pub delivered: u32,
    /// Readings evicted by a full queue.
    pub dropped: u32,
    /// PUBLISH commands (first sends and re-publishes after a lost session).
    pub publishes: u32,
    /// PUBACKs.
    pub mqtt_acks: u32,
    /// PUBLISHes handed back by the client (session lost, refused) and queued again.
    pub mqtt_requeued: u32,
    /// CONNACK Success received.
    pub mqtt_connects: u32,
    /// Connections that ended (lost transport, keep-alive or CONNACK timeout, DISCONNECT).
    pub mqtt_losses: u32,
    /// Transport opens that failed.
    pub open_failures: u32,
    /// CON POSTs started (first sends and re-sends).
    pub coap_requests: u32,
    /// 2.xx answers.
    pub coap_acks: u32,
    /// CONs that gave up, were reset or refused.
    pub coap_gave_up: u32,
    /// Events overwritten before they were polled.
    pub events_lost: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// No transport; open one at `retry_at`.
    Down { retry_at: Instant },
    /// [`TransportCommand::Open`] given; waiting for the caller's answer.
    Opening,
    /// CONNECT queued; waiting for CONNACK.
    Handshake,
    /// CONNACK Success.
    Up,
    /// The client closed the connection; [`TransportCommand::Close`] is due.
    Closing,
}

/// The sensor (see the [module docs](self)); `Q` readings wait for acknowledgement at most.
pub struct Sensor<const Q: usize = 8> {
    config: SensorConfig,
    topic: [u8; TOPIC_MAX],
    topic_len: usize,
    mqtt: MqttClient,
    coap: CoapEndpoint,
    link: Link,
    backoff: Backoff,
    rng: SplitMix64,
    queue: ReadingQueue<Q>,
    next_seq: u32,
    /// `None`: readings paused.
    next_reading: Option<Instant>,
    events: EventRing,
    stats: Stats,
}

/// The CoAP crate's `Instant` for ours (both are milliseconds since the caller's epoch).
fn coap_time(now: Instant) -> coap_codec::time::Instant {
    coap_codec::time::Instant::from_millis(now.as_millis())
}

impl<const Q: usize> Sensor<Q> {
    /// A sensor with `config`; its first reading is due at [`Instant::ZERO`] and its first
    /// MQTT connection at once.
    ///
    /// # Errors
    /// [`SetupError`].
    pub fn new(config: SensorConfig) -> Result<Self, SetupError> {
        let name = config.name.as_bytes();
        if name.is_empty() || name.len() > MAX_NAME || !name.iter().all(u8::is_ascii_alphanumeric) {
            return Err(SetupError::InvalidName);
        }
        let mut topic = [0u8; TOPIC_MAX];
        let mut topic_len = 0;
        for part in [&b"site/"[..], name, b"/temp"] {
            let dst = topic.get_mut(topic_len..topic_len + part.len()).ok_or(SetupError::InvalidName)?;
            dst.copy_from_slice(part);
            topic_len += part.len();
        }
        let mqtt_config = mqtt_codec::client::Config::new(mqtt_codec::wire::Version::V5)
            .with_store_split(256, 0, 128)
            .with_connect_timeout(Duration::from_secs(10));
        let mqtt = MqttClient::new(mqtt_config, [0; MQTT_STORE]).map_err(|_| SetupError::MqttStore)?;
        let coap_config = coap_codec::endpoint::Config {
            seed: config.seed ^ 0xC0A9,
            // Our POSTs are far below a block; block-wise stays off (RFC 7959 not needed).
            block_szx: None,
            ..coap_codec::endpoint::Config::default()
        };
        Ok(Self {
            config,
            topic,
            topic_len,
            mqtt,
            coap: CoapEndpoint::new(coap_config, CoapStorage::new()),
            link: Link::Down { retry_at: Instant::ZERO },
            backoff: Backoff::new(config.reconnect_base, config.reconnect_cap),
            rng: SplitMix64::new(config.seed),
            queue: ReadingQueue::new(),
            next_seq: 0,
            next_reading: Some(Instant::ZERO),
            events: EventRing::new(),
            stats: Stats::default(),
        })
    }

    /// The MQTT topic, `site/{name}/temp`.
    pub fn topic(&self) -> &str {
        core::str::from_utf8(self.topic.get(..self.topic_len).unwrap_or(&[])).unwrap_or("")
    }

    /// The configuration.
    pub fn config(&self) -> &SensorConfig {
        &self.config
    }

    /// Counters since start-up.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The readings not yet acknowledged on both paths.
    pub fn queue(&self) -> &ReadingQueue<Q> {
        &self.queue
    }

    /// Whether the MQTT session is up (CONNACK Success on the current connection).
    pub fn is_connected(&self) -> bool {
        self.link == Link::Up
    }

    /// When the next reading is due (`None`: paused).
    pub fn next_reading(&self) -> Option<Instant> {
        self.next_reading
    }

    /// Stops scheduling readings (before a deep sleep, or at the end of a test) until the next
    /// [`record`](Self::record); what is queued is still delivered.
    pub fn pause_readings(&mut self) {
        self.next_reading = None;
    }

    /// Records a reading of `centi_celsius` hundredths of a degree taken at `now` and queues
    /// it on both paths; returns its sequence number. The next reading is due one period after
    /// the previous due time (or after `now`, when late or paused).
    pub fn record(&mut self, now: Instant, centi_celsius: i16) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.stats.readings = self.stats.readings.saturating_add(1);
        let next = self.next_reading.map(|t| t + self.config.period).filter(|&t| t > now);
        self.next_reading = Some(next.unwrap_or(now + self.config.period));
        let reading = Reading { seq, centi_celsius, mqtt: MqttState::Pending, coap: CoapState::Pending };
        if let Some(old) = self.queue.push(reading) {
            if let CoapState::InFlight(h) = old.coap {
                // No more events for it; a late answer gets RST (harmless).
                let _ = self.coap.cancel(coap_time(now), h);
            }
            self.stats.dropped = self.stats.dropped.saturating_add(1);
            self.event(SensorEvent::Dropped { seq: old.seq });
        }
        self.pump(now);
        seq
    }

    /// Time passed: fires the MQTT and CoAP deadlines, re-sends readings whose retry time came.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.mqtt.handle_timeout(now);
        self.coap.handle_timeout(coap_time(now));
        self.pump(now);
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<SensorEvent> {
        self.events.pop()
    }

    /// When [`handle_timeout`](Self::handle_timeout) or [`record`](Self::record) is next due:
    /// the next reading, the machines' deadlines, the reconnect time, a CoAP re-send.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let reconnect = match self.link {
            Link::Down { retry_at } => Some(retry_at),
            _ => None,
        };
        let retry = self
            .queue
            .iter()
            .filter_map(|r| match r.coap {
                CoapState::Retry(at) => Some(at),
                _ => None,
            })
            .min();
        let coap = self.coap.poll_timeout().map(|t| Instant::from_millis(t.as_millis()));
        [self.next_reading, self.mqtt.poll_timeout(), coap, reconnect, retry].into_iter().flatten().min()
    }

    fn event(&mut self, event: SensorEvent) {
        if !self.events.push(event) {
            self.stats.events_lost = self.stats.events_lost.saturating_add(1);
        }
    }

    /// After every input, timeout and command: take in the machines' events, hand pending
    /// readings to them, retire readings acknowledged on both paths.
    fn pump(&mut self, now: Instant) {
        self.drain_mqtt(now);
        self.drain_coap(now);
        self.publish_pending(now);
        self.post_pending(now);
        while let Some(done) = self.queue.pop_done() {
            self.stats.delivered = self.stats.delivered.saturating_add(1);
            self.event(SensorEvent::Delivered { seq: done.seq });
        }
    }
}
