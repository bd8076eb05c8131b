//! [`World`]: the sensor, both links and both peers on one virtual clock, a [`Scenario`] to
//! run, and [`World::check`], which reconciles the outcome reading by reading.

use core::time::Duration;

use super::{Broker, DatagramConfig, DatagramLink, Gateway, StreamLink, MAX_READINGS};
use crate::sensor::SetupError;
use crate::{Address, Instant, Sensor, SensorConfig, SensorEvent, TransportCommand, Via};

/// The sensor's address on the datagram link.
pub const SENSOR: Address = 1;
/// The gateway's address.
pub const GATEWAY: Address = 2;
/// The sensor's name (MQTT client id).
pub const SENSOR_NAME: &str = "sensor7";
/// The topic it publishes to.
pub const TOPIC: &str = "site/sensor7/temp";
/// Steps after which [`World::run`] gives up (a liveness bug must not hang a test).
const STEP_LIMIT: u32 = 200_000;

/// What happens to the network during a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scenario {
    /// Seeds the link (loss, delay), the sensor and the gateway.
    pub seed: u64,
    /// Readings to take (at most [`MAX_READINGS`]).
    pub readings: u32,
    /// Time between readings.
    pub period: Duration,
    /// The datagram link's loss and delay.
    pub datagrams: DatagramConfig,
    /// The stream's one-way delay.
    pub stream_delay: Duration,
    /// The network cuts the MQTT connection once at this time.
    pub mqtt_cut_at: Option<Instant>,
    /// The broker is unreachable in `[from, until)`: the connection is cut at `from` and
    /// connections are refused until `until`.
    pub broker_outage: Option<(Instant, Instant)>,
    /// Every datagram sent in `[from, until)` is lost, both ways.
    pub coap_outage: Option<(Instant, Instant)>,
    /// Every datagram to the sensor sent in `[from, until)` is lost: requests arrive, their
    /// ACKs do not, so the gateway processes readings whose CONs the sensor then gives up.
    pub ack_outage: Option<(Instant, Instant)>,
    /// The run fails when readings are still unacknowledged at this time.
    pub time_limit: Instant,
}

impl Scenario {
    /// 20 readings every 10 s, 10 % datagram loss with 5-40 ms delay, 20 ms stream delay, the
    /// MQTT connection cut once at 95 s, no outages, 1 h to finish.
    pub const fn new(seed: u64) -> Self {
        Self {
            seed,
            readings: 20,
            period: Duration::from_secs(10),
            datagrams: DatagramConfig {
                loss_per_mille: 100,
                min_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(40),
            },
            stream_delay: Duration::from_millis(20),
            mqtt_cut_at: Some(Instant::from_millis(95_000)),
            broker_outage: None,
            coap_outage: None,
            ack_outage: None,
            time_limit: Instant::from_millis(3_600_000),
        }
    }
}

/// Why [`World::check`] failed; [`code`](Failure::code) is the binary's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Readings were still unacknowledged at the time limit (or the step bound was hit).
    Unfinished,
    /// The simulated stream or datagram link overflowed (a sizing bug of the simulation).
    LinkOverflow,
    /// A reading kept in the queue did not get exactly one PUBACK (`MQTT-4.3.2-3 (5.0)`).
    MqttNotAcknowledged,
    /// A reading kept in the queue did not get exactly one 2.04 (RFC 7252 §5.2.1).
    CoapNotAcknowledged,
    /// A PUBACKed reading never reached the broker.
    BrokerMissed,
    /// A reading was processed by the gateway other than once (none, or twice).
    CoapProcessed,
    /// The gateway's endpoint delivered one (peer, message id) twice (RFC 7252 §4.5).
    CoapDuplicateMessage,
    /// A peer received a reading that was never taken, or a payload that is not one.
    UnknownReading,
    /// A reading was dropped more than once, or the drops disagree with the queue's count.
    DroppedCount,
    /// The sensor's counters disagree with the per-reading tallies.
    Reconciliation,
}

impl Failure {
    /// The binary's exit code for this failure (50-59; 1-48 are the link proof's checks).
    pub const fn code(self) -> i32 {
        match self {
            Self::Unfinished => 50,
            Self::LinkOverflow => 51,
            Self::MqttNotAcknowledged => 52,
            Self::CoapNotAcknowledged => 53,
            Self::BrokerMissed => 54,
            Self::CoapProcessed => 55,
            Self::CoapDuplicateMessage => 56,
            Self::UnknownReading => 57,
            Self::DroppedCount => 58,
            Self::Reconciliation => 59,
        }
    }
}

/// Everything on one virtual clock (see [`crate::sim`]); `Q` is the sensor's queue.
pub struct World<const Q: usize = 8> {
    /// The scenario being run.
    pub scenario: Scenario,
    /// The virtual clock.
    pub now: Instant,
    /// The device under test.
    pub sensor: Sensor<Q>,
    /// CoAP's link.
    pub datagrams: DatagramLink,
    /// MQTT's link.
    pub stream: StreamLink,
    /// MQTT's peer.
    pub broker: Broker,
    /// CoAP's peer.
    pub gateway: Gateway,
    /// Readings taken so far.
    pub taken: u32,
    /// Steps run.
    pub steps: u32,
    /// [`SensorEvent::Acknowledged`] via MQTT, per reading.
    pub mqtt_acked: [u16; MAX_READINGS],
    /// [`SensorEvent::Acknowledged`] via CoAP, per reading.
    pub coap_acked: [u16; MAX_READINGS],
    /// [`SensorEvent::Delivered`] per reading.
    pub delivered: [u16; MAX_READINGS],
    /// [`SensorEvent::Dropped`] per reading.
    pub dropped: [u16; MAX_READINGS],
    /// [`SensorEvent::CoapGaveUp`] events.
    pub coap_gave_up: u32,
    cut_done: bool,
    broker_outage_started: bool,
    coap_outage_started: bool,
    ack_outage_started: bool,
}

/// A deterministic temperature for reading `i`: 19.00 °C to 21.49 °C.
fn temperature(i: u32) -> i16 {
    1900 + (i.wrapping_mul(37) % 250) as i16
}

impl<const Q: usize> World<Q> {
    /// The world at time zero, nothing connected.
    ///
    /// # Errors
    /// [`SetupError`] from the sensor.
    pub fn new(scenario: Scenario) -> Result<Self, SetupError> {
        let config =
            SensorConfig { period: scenario.period, seed: scenario.seed, ..SensorConfig::new(SENSOR_NAME, GATEWAY) };
        Ok(Self {
            scenario,
            now: Instant::ZERO,
            sensor: Sensor::new(config)?,
            datagrams: DatagramLink::new(
                scenario.datagrams,
                scenario.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD47A,
            ),
            stream: StreamLink::new(scenario.stream_delay),
            broker: Broker::new(TOPIC),
            gateway: Gateway::new(scenario.seed ^ 0x6A7E),
            taken: 0,
            steps: 0,
            mqtt_acked: [0; MAX_READINGS],
            coap_acked: [0; MAX_READINGS],
            delivered: [0; MAX_READINGS],
            dropped: [0; MAX_READINGS],
            coap_gave_up: 0,
            cut_done: false,
            broker_outage_started: false,
            coap_outage_started: false,
            ack_outage_started: false,
        })
    }

    /// Every reading taken and none left unacknowledged.
    pub fn is_done(&self) -> bool {
        self.taken >= self.scenario.readings && self.sensor.queue().is_empty()
    }

    /// Steps until done, the time limit or the step bound; whether it finished.
    pub fn run(&mut self) -> bool {
        while !self.is_done() && self.now <= self.scenario.time_limit && self.steps < STEP_LIMIT {
            self.step();
        }
        self.is_done()
    }

    /// One instant: scripted network events, a due reading, timers, then inputs and outputs
    /// until nothing moves; then the clock goes to the earliest deadline or arrival.
    pub fn step(&mut self) {
        let now = self.now;
        self.steps += 1;
        let sc = self.scenario;
        if sc.mqtt_cut_at.is_some_and(|at| now >= at) && !self.cut_done {
            self.cut_done = true;
            self.cut(now);
        }
        if let Some((_, until)) = sc.broker_outage.filter(|&(from, _)| now >= from && !self.broker_outage_started) {
            self.broker_outage_started = true;
            self.stream.refuse_until(until);
            self.cut(now);
        }
        if let Some((_, until)) = sc.coap_outage.filter(|&(from, _)| now >= from && !self.coap_outage_started) {
            self.coap_outage_started = true;
            self.datagrams.set_down_until(until);
        }
        if let Some((_, until)) = sc.ack_outage.filter(|&(from, _)| now >= from && !self.ack_outage_started) {
            self.ack_outage_started = true;
            self.datagrams.set_down_to_until(SENSOR, until);
        }
        if self.taken < sc.readings.min(MAX_READINGS as u32) && self.sensor.next_reading().is_some_and(|t| now >= t) {
            self.sensor.record(now, temperature(self.taken));
            self.taken += 1;
            if self.taken >= sc.readings {
                self.sensor.pause_readings();
            }
        }
        self.sensor.handle_timeout(now);
        self.broker.handle_timeout(now);
        self.gateway.handle_timeout(now);
        for _ in 0..64 {
            if !self.exchange(now) {
                break;
            }
        }
        let scripted = [
            sc.mqtt_cut_at.filter(|_| !self.cut_done),
            sc.broker_outage.map(|o| o.0).filter(|_| !self.broker_outage_started),
            sc.coap_outage.map(|o| o.0).filter(|_| !self.coap_outage_started),
            sc.ack_outage.map(|o| o.0).filter(|_| !self.ack_outage_started),
        ];
        let next = [self.sensor.poll_timeout(), self.broker.poll_timeout(), self.gateway.poll_timeout()]
            .into_iter()
            .chain([self.datagrams.next_delivery(), self.stream.next_arrival(now)])
            .chain(scripted)
            .flatten()
            .min();
        // Time moves on even if a deadline is reported again (then 1 ms at a time: slow, and
        // the step bound turns a livelock into a failure).
        self.now = next.map_or(now + Duration::from_secs(1), |t| t.max(now + Duration::from_millis(1)));
    }

    /// The network cuts the MQTT connection: both ends learn it.
    fn cut(&mut self, now: Instant) {
        if self.stream.is_open() {
            self.stream.cut();
            self.broker.connection_lost(now);
            self.sensor.mqtt_closed(now);
        }
    }

    /// Moves everything that can move at `now`; whether anything did.
    fn exchange(&mut self, now: Instant) -> bool {
        let mut moved = false;
        match self.sensor.poll_mqtt_transport(now) {
            Some(TransportCommand::Open) => {
                if self.stream.open(now) {
                    self.broker.open();
                    self.sensor.mqtt_opened(now);
                } else {
                    self.sensor.mqtt_open_failed(now);
                }
                moved = true;
            }
            Some(TransportCommand::Close) => {
                self.stream.close();
                self.broker.connection_lost(now);
                moved = true;
            }
            None => {}
        }
        if self.broker.wants_close() {
            self.stream.close();
            self.broker.connection_lost(now);
            self.sensor.mqtt_closed(now);
            moved = true;
        }
        if self.stream.is_open() {
            let up = self.stream.up.readable(now);
            if !up.is_empty() {
                let n = self.broker.handle_input(now, up);
                self.stream.up.consume(n);
                moved |= n > 0;
            }
            let down = self.stream.down.readable(now);
            if !down.is_empty() {
                let n = self.sensor.handle_mqtt_input(now, down);
                self.stream.down.consume(n);
                moved |= n > 0;
            }
        }
        while let Some(d) = self.datagrams.recv(now) {
            match d.to {
                GATEWAY => self.gateway.handle_input(now, d.from, d.bytes()),
                SENSOR => self.sensor.handle_coap_input(now, d.from, d.bytes()),
                _ => {}
            }
            moved = true;
        }
        let mut buf = [0u8; 512];
        while let Ok(Some(n)) = self.sensor.poll_mqtt_transmit(now, &mut buf) {
            self.stream.write_up(now, buf.get(..n).unwrap_or(&[]));
            moved = true;
        }
        while let Some(n) = self.broker.poll_transmit(now, &mut buf) {
            self.stream.write_down(now, buf.get(..n).unwrap_or(&[]));
            moved = true;
        }
        while let Ok(Some((n, to))) = self.sensor.poll_coap_transmit(now, &mut buf) {
            self.datagrams.send(now, SENSOR, to, buf.get(..n).unwrap_or(&[]));
            moved = true;
        }
        while let Some((n, to)) = self.gateway.poll_transmit(now, &mut buf) {
            self.datagrams.send(now, GATEWAY, to, buf.get(..n).unwrap_or(&[]));
            moved = true;
        }
        while let Some(event) = self.sensor.poll_event() {
            let tally = match event {
                SensorEvent::Acknowledged { seq, via: Via::Mqtt } => self.mqtt_acked.get_mut(seq as usize),
                SensorEvent::Acknowledged { seq, via: Via::Coap } => self.coap_acked.get_mut(seq as usize),
                SensorEvent::Delivered { seq } => self.delivered.get_mut(seq as usize),
                SensorEvent::Dropped { seq } => self.dropped.get_mut(seq as usize),
                SensorEvent::CoapGaveUp { .. } => {
                    self.coap_gave_up += 1;
                    None
                }
                SensorEvent::MqttConnected | SensorEvent::MqttClosed => None,
            };
            if let Some(n) = tally {
                *n = n.saturating_add(1);
            }
        }
        moved
    }

    /// Readings dropped from the full queue, by the per-reading tally.
    pub fn dropped_readings(&self) -> u32 {
        self.dropped.iter().map(|&n| u32::from(n)).sum()
    }

    /// Reconciles the run reading by reading (see [`Failure`]): every reading still in the
    /// queue when it was taken to the end is acknowledged once on each path, reached the
    /// broker at least once and the gateway exactly once; dropped readings at most once; no
    /// peer saw a reading that was never taken; the sensor's counters match the tallies.
    ///
    /// # Errors
    /// The first [`Failure`] found.
    pub fn check(&self) -> Result<(), Failure> {
        if !self.is_done() {
            return Err(Failure::Unfinished);
        }
        if self.stream.stats().overflows > 0 || self.datagrams.stats().overflowed > 0 {
            return Err(Failure::LinkOverflow);
        }
        let n = (self.scenario.readings as usize).min(MAX_READINGS);
        for seq in 0..MAX_READINGS {
            let at = |a: &[u16; MAX_READINGS]| a.get(seq).copied().unwrap_or(0);
            let (received, processed) = (at(&self.broker.received), at(&self.gateway.processed));
            if seq >= n {
                if received + processed + at(&self.gateway.resent) > 0 {
                    return Err(Failure::UnknownReading);
                }
                continue;
            }
            match at(&self.dropped) {
                0 => {
                    if at(&self.mqtt_acked) != 1 {
                        return Err(Failure::MqttNotAcknowledged);
                    }
                    if at(&self.coap_acked) != 1 {
                        return Err(Failure::CoapNotAcknowledged);
                    }
                    if received == 0 {
                        return Err(Failure::BrokerMissed);
                    }
                    if processed != 1 {
                        return Err(Failure::CoapProcessed);
                    }
                    if at(&self.delivered) != 1 {
                        return Err(Failure::Reconciliation);
                    }
                }
                1 => {
                    if processed > 1 {
                        return Err(Failure::CoapProcessed);
                    }
                    if at(&self.delivered) != 0 {
                        return Err(Failure::Reconciliation);
                    }
                }
                _ => return Err(Failure::DroppedCount),
            }
        }
        if self.broker.unknown > 0 || self.gateway.unknown > 0 {
            return Err(Failure::UnknownReading);
        }
        if self.gateway.duplicate_messages > 0 {
            return Err(Failure::CoapDuplicateMessage);
        }
        let stats = self.sensor.stats();
        let dropped = self.dropped_readings();
        if stats.dropped != dropped || self.sensor.queue().dropped() != dropped {
            return Err(Failure::DroppedCount);
        }
        let sum = |a: &[u16; MAX_READINGS]| a.iter().map(|&n| u32::from(n)).sum::<u32>();
        let counters_match = stats.readings == n as u32
            && stats.delivered == sum(&self.delivered)
            && stats.delivered + dropped == n as u32
            && stats.mqtt_acks == sum(&self.mqtt_acked)
            && stats.coap_acks == sum(&self.coap_acked)
            && stats.coap_gave_up == self.coap_gave_up
            && stats.events_lost == 0;
        if !counters_match {
            return Err(Failure::Reconciliation);
        }
        Ok(())
    }
}
