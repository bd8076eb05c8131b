//! The edge gateway: a CoAP server endpoint for the sensors and an MQTT client connection to
//! the broker, driven from one task. Readings go into a bounded store-and-forward buffer and out
//! as QoS 1 PUBLISHes to `site/{ep}/{resource}`; the buffer holds them while the broker is
//! unreachable and drains when the connection is back (reconnecting with the jittered
//! `Backoff`). A retained `site/gateway/status` says `online`, and the will says `offline`.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use coap_codec::endpoint::{Config as CoapConfig, Discarded, Limits, RequestHandle, RequestOptions, ResponseHandle};
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
use mqtt_codec::client::{Backoff, Client, CloseReason, CommandError, Config, OutgoingMessage, PublishHandle};
use mqtt_codec::topic::TopicName;
use mqtt_codec::wire::{Connect, List, Property, Protocol, Qos, Version, Will};
use net::coap_driver::{Driver as CoapDriver, Event as CoapEvent, MessageBuf, Trace};
use net::driver::{Driver as MqttDriver, Event as MqttEvent};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::sensor::{link_parameters, RESOURCE};
use crate::stats::{inc, Reading, Stats};
use mqtt_codec::sim::Rng;

/// The gateway's status topic (retained `online`; the will's `offline`).
pub const STATUS_TOPIC: &str = "site/gateway/status";

/// The gateway's settings.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Its CoAP address (port 0: any free port).
    pub coap: SocketAddr,
    /// The broker (or the relay in front of it).
    pub broker: SocketAddr,
    /// Readings the store-and-forward buffer holds.
    pub buffer: usize,
    /// Seed of its CoAP endpoint and its reconnect jitter.
    pub seed: u64,
    /// Sensors it accepts registrations from.
    pub max_sensors: usize,
    /// How long after each (re)connection the buffer waits before it drains: room for the
    /// consumers to reconnect first to a restarted broker that does not queue for sessions it
    /// restored until they are back (mosquitto 2.0.11 drops such messages; see the README).
    pub settle: Duration,
}

/// A registered sensor.
struct SensorEntry {
    addr: SocketAddr,
    /// Its links said `obs`: the gateway observes it.
    observed: bool,
    /// The Observe registration, for an observed sensor.
    observation: Option<RequestHandle>,
    /// When its last notification (or registration answer) came.
    last_heard: Instant,
    /// Sequence numbers seen: the highest, and a window of 128 below it.
    highest: u64,
    window: u128,
}

impl SensorEntry {
    /// Whether `seq` is new for this sensor (and marks it seen). A number more than 128 below
    /// the highest counts as new: the subscriber's ledger would show it as a duplicate.
    fn fresh(&mut self, seq: u64) -> bool {
        if seq > self.highest {
            let shift = seq - self.highest;
            self.window = if shift >= 128 { 0 } else { self.window << shift };
            self.window |= 1;
            self.highest = seq;
            return true;
        }
        let back = self.highest - seq;
        if back >= 128 {
            return true;
        }
        let bit = 1u128 << back;
        let new = self.window & bit == 0;
        self.window |= bit;
        new
    }
}

/// How the gateway's run ended badly.
#[derive(Debug)]
pub enum GatewayError {
    /// The CoAP socket failed.
    Io(io::Error),
    /// The broker refused the first connection (CONNACK with an error code).
    Refused(String),
}

impl std::fmt::Display for GatewayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "the gateway's CoAP socket failed: {e}"),
            Self::Refused(r) => write!(f, "the broker refused the gateway's connection: {r}"),
        }
    }
}

impl std::error::Error for GatewayError {}

/// The gateway, bound and ready to [`run`](Gateway::run).
pub struct Gateway {
    cfg: GatewayConfig,
    coap: CoapDriver,
    mqtt: MqttDriver,
    stats: Arc<Stats>,
    rng: Rng,
    backoff: Backoff,
    sensors: HashMap<String, SensorEntry>,
    buffer: VecDeque<Reading>,
    inflight: HashMap<PublishHandle, Reading>,
    /// A connection is attached (until its `Closed` event).
    active: bool,
    connected: bool,
    ever_connected: bool,
    /// No draining before this (see [`GatewayConfig::settle`]).
    drain_from: Instant,
    reconnect_at: Instant,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway").field("cfg", &self.cfg).finish_non_exhaustive()
    }
}

impl Gateway {
    /// Binds the CoAP socket.
    ///
    /// # Errors
    /// The socket could not be bound (a port in use, say).
    pub async fn bind(cfg: GatewayConfig, stats: Arc<Stats>) -> io::Result<Self> {
        let config = CoapConfig { params: link_parameters(), seed: cfg.seed, ..CoapConfig::default() };
        let mut coap = CoapDriver::bind(cfg.coap, config, &Limits::default()).await?;
        let dups = Arc::clone(&stats);
        coap.set_trace(move |t| {
            if let Trace::Received { outcome: Err(Discarded::Duplicate), .. } = t {
                inc(&dups.gw_coap_duplicates);
            }
        });
        let client = Client::new(Config::new(Version::V5), vec![0u8; 64 * 1024])
            .map_err(|e| io::Error::other(format!("MQTT client: {e}")))?;
        Ok(Self {
            rng: Rng::new(cfg.seed ^ 0x6A7E),
            cfg,
            coap,
            mqtt: MqttDriver::new(client),
            stats,
            backoff: Backoff::new(Duration::from_millis(200), Duration::from_secs(2)),
            sensors: HashMap::new(),
            buffer: VecDeque::new(),
            inflight: HashMap::new(),
            active: false,
            connected: false,
            ever_connected: false,
            drain_from: Instant::now(),
            reconnect_at: Instant::now(),
        })
    }

    /// Its CoAP address.
    ///
    /// # Errors
    /// The socket's address could not be read.
    pub fn coap_addr(&self) -> io::Result<SocketAddr> {
        self.coap.local_addr()
    }

    /// Runs until `finish` turns true and everything taken has been acknowledged by the broker;
    /// then publishes `offline` and disconnects.
    ///
    /// # Errors
    /// [`GatewayError`].
    pub async fn run(mut self, mut finish: watch::Receiver<bool>) -> Result<(), GatewayError> {
        let mut finishing = false;
        let mut check = tokio::time::interval(Duration::from_secs(1));
        loop {
            if finishing && self.connected && self.buffer.is_empty() && self.inflight.is_empty() {
                return self.close().await;
            }
            tokio::select! {
                event = self.coap.next_event() => self.on_coap(event.map_err(GatewayError::Io)?),
                event = self.mqtt.next_event(), if self.active => match event {
                    Some(e) => self.on_mqtt(e)?,
                    None => self.lost(),
                },
                () = tokio::time::sleep_until(self.reconnect_at), if !self.active => self.connect().await,
                r = finish.changed(), if !finishing => finishing = r.is_err() || *finish.borrow(),
                _ = check.tick() => self.check_observations(),
                () = tokio::time::sleep_until(self.drain_from), if self.connected && !self.buffer.is_empty() => {}
            }
            self.drain();
            self.coap.flush().await.map_err(GatewayError::Io)?;
        }
    }

    async fn connect(&mut self) {
        let attempt = tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(self.cfg.broker));
        let Ok(Ok(stream)) = attempt.await else {
            self.reconnect_at = Instant::now() + self.backoff.next_delay(self.rng.next_u64());
            return;
        };
        let Ok(topic) = TopicName::new(STATUS_TOPIC) else { return };
        let props = [Property::SessionExpiryInterval(600)];
        let connect = Connect {
            client_id: "edge-gateway",
            // A persistent session: QoS 1 messages in flight survive a reconnect (MQTT-4.4.0-1).
            clean_start: false,
            keep_alive: 30,
            properties: List::new(&props),
            will: Some(Will {
                topic,
                payload: b"offline",
                qos: Qos::AtLeastOnce,
                retain: true,
                properties: List::EMPTY,
            }),
            ..Connect::new(Protocol::Mqtt5)
        };
        if self.mqtt.start(stream, &connect).is_ok() {
            self.active = true;
        } else {
            self.reconnect_at = Instant::now() + self.backoff.next_delay(self.rng.next_u64());
        }
    }

    fn lost(&mut self) {
        self.active = false;
        if self.connected {
            inc(&self.stats.gw_disconnects);
        }
        self.connected = false;
        self.reconnect_at = Instant::now() + self.backoff.next_delay(self.rng.next_u64());
    }

    fn on_mqtt(&mut self, event: MqttEvent) -> Result<(), GatewayError> {
        match event {
            MqttEvent::Connected { .. } => {
                self.connected = true;
                self.drain_from = Instant::now() + self.cfg.settle;
                self.ever_connected = true;
                self.backoff.reset();
                inc(&self.stats.gw_connects);
                let online = OutgoingMessage::new(STATUS_TOPIC, b"online").with_qos(Qos::AtLeastOnce).with_retain(true);
                let _ = self.mqtt.command(|c, now| c.publish(now, &online));
            }
            MqttEvent::PublishAcknowledged { handle, .. } if self.inflight.remove(&handle).is_some() => {
                inc(&self.stats.gw_published);
            }
            MqttEvent::PublishDropped { handle, .. } => {
                // Not delivered, or not known to be (a session that was not resumed): again.
                if let Some(r) = self.inflight.remove(&handle) {
                    self.buffer.push_front(r);
                }
            }
            MqttEvent::Closed { reason, reason_string, .. } => {
                if let (CloseReason::Refused(code), false) = (reason, self.ever_connected) {
                    let detail = reason_string.map(|s| format!(" ({s})")).unwrap_or_default();
                    return Err(GatewayError::Refused(format!("CONNACK {code:?}{detail}")));
                }
                self.lost();
            }
            _ => {}
        }
        Ok(())
    }

    /// Publishes from the buffer while the client takes more.
    fn drain(&mut self) {
        while self.connected && Instant::now() >= self.drain_from {
            let Some(r) = self.buffer.front() else { break };
            let topic = format!("site/{}/{RESOURCE}", r.ep);
            let json = r.to_json();
            let m = OutgoingMessage::new(&topic, json.as_bytes()).with_qos(Qos::AtLeastOnce);
            match self.mqtt.command(|c, now| c.publish(now, &m)) {
                Ok(handle) => {
                    if let Some(r) = self.buffer.pop_front() {
                        self.inflight.insert(handle, r);
                    }
                }
                // Every slot or the store is in use, or the connection is going: later.
                Err(CommandError::QueueFull | CommandError::StoreFull(_) | CommandError::InvalidState) => break,
                Err(e) => {
                    eprintln!("gateway: cannot publish {json}: {e}");
                    self.buffer.pop_front();
                }
            }
        }
    }

    /// Takes a reading from a sensor: false when the buffer is full.
    fn take(&mut self, r: Reading) -> bool {
        let Some(s) = self.sensors.get_mut(&r.ep) else { return true };
        if r.seq == 0 {
            return true; // an observation's first answer before any reading
        }
        if !s.fresh(r.seq) {
            inc(&self.stats.gw_duplicates);
            return true;
        }
        if self.buffer.len() >= self.cfg.buffer {
            return false;
        }
        self.buffer.push_back(r);
        self.stats.gw_buffer_peak.fetch_max(self.buffer.len() as u64, Ordering::Relaxed);
        true
    }

    fn on_coap(&mut self, event: CoapEvent) {
        match event {
            CoapEvent::RequestReceived { handle, from, request } => self.request(handle, from, &request),
            CoapEvent::ResponseReceived { request, response, .. } => {
                if let Some(ep) = self.observer_of(request) {
                    self.notification(&ep, &response);
                }
            }
            CoapEvent::NotificationReceived { request, notification, .. } => {
                if let Some(ep) = self.observer_of(request) {
                    self.notification(&ep, &notification);
                }
            }
            CoapEvent::RequestTimedOut { request, .. } | CoapEvent::TransferFailed { request, .. } => {
                // An Observe registration that got no answer: forget it; `check_observations`
                // registers again.
                if let Some(ep) = self.observer_of(request) {
                    if let Some(s) = self.sensors.get_mut(&ep) {
                        s.observation = None;
                    }
                }
            }
            _ => {}
        }
    }

    fn observer_of(&self, request: RequestHandle) -> Option<String> {
        self.sensors.iter().find(|(_, s)| s.observation == Some(request)).map(|(ep, _)| ep.clone())
    }

    fn notification(&mut self, ep: &str, m: &MessageBuf) {
        if let Some(s) = self.sensors.get_mut(ep) {
            s.last_heard = Instant::now();
        }
        if let Some(r) = Reading::from_json(&m.payload) {
            if !self.take(r) {
                inc(&self.stats.gw_dropped);
            }
        }
    }

    /// Observations that went quiet (a CON notification that gave up ends it on the sensor,
    /// RFC 7641 §4.5) are registered again (§3.3.1).
    fn check_observations(&mut self) {
        let now = Instant::now();
        let mut again = Vec::new();
        for (ep, s) in &mut self.sensors {
            if s.observed && now.duration_since(s.last_heard) > Duration::from_secs(4) {
                match s.observation {
                    Some(h) => {
                        let _ = self.coap.command(|e, t| e.reregister(t, h));
                        s.last_heard = now;
                    }
                    None => again.push(ep.clone()),
                }
            }
        }
        for ep in again {
            self.observe(&ep);
        }
    }

    fn observe(&mut self, ep: &str) {
        let Some(s) = self.sensors.get_mut(ep) else { return };
        let addr = s.addr;
        let h = self.coap.command(|e, now| {
            let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0));
            b.path(RESOURCE).ok()?;
            b.uint(OptionNumber::OBSERVE, 0).ok()?;
            e.request(now, addr, &b, RequestOptions::default()).ok()
        });
        s.observation = h;
        s.last_heard = Instant::now();
    }

    fn request(&mut self, handle: ResponseHandle, from: SocketAddr, request: &MessageBuf) {
        let full = request.path();
        let path = full.trim_start_matches('/');
        let (code, location) = if request.code == Code::POST && path == "rd" {
            self.register(from, request)
        } else if let Some(ep) = path.strip_prefix("data/").and_then(|p| p.strip_suffix(&format!("/{RESOURCE}"))) {
            match Reading::from_json(&request.payload) {
                Some(r) if r.ep == ep && self.sensors.contains_key(ep) => {
                    if self.take(r) {
                        (Code::CHANGED, None)
                    } else if request.message_type == MessageType::Confirmable {
                        // RFC 7252 §5.9.3.4: try again after Max-Age.
                        (Code::SERVICE_UNAVAILABLE, None)
                    } else {
                        inc(&self.stats.gw_dropped);
                        (Code::SERVICE_UNAVAILABLE, None)
                    }
                }
                Some(_) => (Code::NOT_FOUND, None),
                None => (Code::BAD_REQUEST, None),
            }
        } else {
            (Code::NOT_FOUND, None)
        };
        self.coap.command(|e, now| {
            let mut b = MessageBuilder::<4>::new(MessageType::Acknowledgement, code, MessageId(0));
            if let Some(ep) = &location {
                let _ = b.option(OptionNumber::LOCATION_PATH, b"rd");
                let _ = b.option(OptionNumber::LOCATION_PATH, ep.as_bytes());
            }
            if code == Code::SERVICE_UNAVAILABLE {
                let _ = b.uint(OptionNumber::MAX_AGE, 1);
            }
            let _ = e.respond(now, handle, &b);
        });
    }

    /// POST /rd?ep=NAME: 2.01 Created with Location-Path rd/NAME; an observed sensor (`obs` in
    /// its links) is observed.
    fn register(&mut self, from: SocketAddr, request: &MessageBuf) -> (Code, Option<String>) {
        let Some(ep) = request.queries().iter().find_map(|q| q.strip_prefix("ep=").map(str::to_owned)) else {
            return (Code::BAD_REQUEST, None);
        };
        let links = String::from_utf8_lossy(&request.payload);
        let observed = links.split(';').any(|a| a == "obs" || a.starts_with("obs,"));
        if !self.sensors.contains_key(&ep) && self.sensors.len() >= self.cfg.max_sensors {
            return (Code::SERVICE_UNAVAILABLE, None);
        }
        let now = Instant::now();
        let s = self.sensors.entry(ep.clone()).or_insert(SensorEntry {
            addr: from,
            observed,
            observation: None,
            last_heard: now,
            highest: 0,
            window: 0,
        });
        s.addr = from;
        if observed && s.observation.is_none() {
            self.observe(&ep);
        }
        (Code::CREATED, Some(ep))
    }

    async fn close(mut self) -> Result<(), GatewayError> {
        let offline = OutgoingMessage::new(STATUS_TOPIC, b"offline").with_qos(Qos::AtLeastOnce).with_retain(true);
        let handle = self.mqtt.command(|c, now| c.publish(now, &offline)).ok();
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Ok(Some(e)) = tokio::time::timeout_at(deadline, self.mqtt.next_event()).await {
            if let MqttEvent::PublishAcknowledged { handle: h, .. } = e {
                if Some(h) == handle {
                    break;
                }
            }
        }
        let _ = self.mqtt.command(|c, now| {
            c.disconnect(now, &mqtt_codec::wire::Disconnect::new(mqtt_codec::wire::ReasonCode::Success))
        });
        let _ = tokio::time::timeout(Duration::from_secs(2), self.mqtt.next_event()).await;
        Ok(())
    }
}
