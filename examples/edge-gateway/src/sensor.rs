//! A simulated sensor node: a CoAP endpoint (the library's `Endpoint` on the UDP driver of
//! `examples/net`) that registers with the gateway's resource directory and reports readings
//! the way its [`Kind`] says, through the lossy shim.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use coap_codec::endpoint::{Config, Limits, RequestHandle, RequestOptions, TransmissionParameters};
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
use net::coap_driver::{Driver, Event};
use tokio::time::Instant;

use crate::stats::{inc, Kind, Ledger, Reading, Stats};
use mqtt_codec::sim::Rng;

/// Content-Format `application/link-format` (RFC 6690 §7.2).
pub const LINK_FORMAT: u32 = 40;
/// Content-Format `application/json` (RFC 7252 §12.3).
pub const JSON: u32 = 50;
/// The resource every sensor offers, and the MQTT topic's last level.
pub const RESOURCE: &str = "temp";
/// Readings a sensor keeps while they wait for an acknowledgement; past it the oldest is
/// dropped (and shows as lost in the summary).
pub const QUEUE: usize = 64;

/// The transmission parameters of the sensor link: RFC 7252 §4.8 allows other values than the
/// defaults for a known network; a loopback shim with 10 % loss gets a shorter ACK_TIMEOUT
/// (500 ms) and MAX_RETRANSMIT 3, so a CON gives up after about 11 s rather than 93 s.
pub fn link_parameters() -> TransmissionParameters {
    TransmissionParameters {
        ack_timeout: Duration::from_millis(500),
        max_retransmit: 3,
        ..TransmissionParameters::default()
    }
}

/// One sensor's settings.
#[derive(Debug, Clone)]
pub struct SensorConfig {
    /// Its number; its name is `sensor-NNN` and its kind [`Kind::of`] it.
    pub index: usize,
    /// Where it sends (the shim in front of the gateway).
    pub gateway: SocketAddr,
    /// Time between readings (sleepy sensors: three times this).
    pub period: Duration,
    /// When it stops making readings (it finishes sending what it has).
    pub stop_at: Instant,
    /// Seed of its values and its endpoint's message ids and tokens.
    pub seed: u64,
}

impl SensorConfig {
    /// `sensor-007`.
    pub fn name(&self) -> String {
        format!("sensor-{:03}", self.index)
    }
}

struct Sensor {
    cfg: SensorConfig,
    ep: String,
    kind: Kind,
    driver: Driver,
    rng: Rng,
    stats: Arc<Stats>,
    ledger: Arc<Ledger>,
    seq: u64,
    /// Readings not yet acknowledged (CON kinds), oldest first.
    queue: VecDeque<Reading>,
    inflight: Option<(RequestHandle, Reading)>,
    /// No request before this (after a 5.03).
    retry_at: Instant,
    registered: bool,
    registration: Option<RequestHandle>,
}

/// Runs sensor `cfg` until it has stopped making readings and delivered every CON reading.
///
/// # Errors
/// Its socket could not be bound or failed.
pub async fn run(cfg: SensorConfig, stats: Arc<Stats>, ledger: Arc<Ledger>) -> io::Result<()> {
    let kind = Kind::of(cfg.index);
    let config = if kind == Kind::Non {
        // A NON reading expects at most a NON answer: RFC 7252 §4.7 lets a known network raise
        // NSTART, so one lost answer does not hold the next readings back for a long
        // response timeout.
        let params = TransmissionParameters { nstart: 4, ..link_parameters() };
        Config { params, seed: cfg.seed, response_timeout: Duration::from_secs(2), ..Config::default() }
    } else {
        Config { params: link_parameters(), seed: cfg.seed, ..Config::default() }
    };
    let driver = Driver::bind(SocketAddr::from(([127, 0, 0, 1], 0)), config, &Limits::default()).await?;
    let mut s = Sensor {
        ep: cfg.name(),
        kind,
        rng: Rng::new(cfg.seed ^ 0x5EED),
        cfg,
        driver,
        stats,
        ledger,
        seq: 0,
        queue: VecDeque::new(),
        inflight: None,
        retry_at: Instant::now(),
        registered: false,
        registration: None,
    };
    s.run().await
}

impl Sensor {
    async fn run(&mut self) -> io::Result<()> {
        self.register();
        let period = if self.kind == Kind::Sleepy { self.cfg.period * 3 } else { self.cfg.period };
        // Sensors start out of step with each other.
        let mut next = Instant::now() + period.mul_f64(self.rng.next_u64() as f64 / u64::MAX as f64);
        let grace = self.cfg.stop_at + Duration::from_secs(3);
        loop {
            let now = Instant::now();
            let making = now < self.cfg.stop_at;
            let busy = !self.queue.is_empty()
                || self.inflight.is_some()
                || !self.registered
                || (self.kind == Kind::Non && self.driver.endpoint().open_exchanges() > 0 && now < grace);
            if (!making || next >= self.cfg.stop_at) && !busy && (self.kind != Kind::Observed || now >= grace) {
                return Ok(());
            }
            // A sleepy sensor reads nothing while it has nothing to send.
            let awake = self.kind != Kind::Sleepy || busy;
            let wait_retry = self.inflight.is_none() && !self.queue.is_empty() && self.registered;
            tokio::select! {
                event = self.driver.next_event(), if awake => self.on_event(event?),
                () = tokio::time::sleep_until(next), if next < self.cfg.stop_at && self.registered => {
                    next += period;
                    self.reading();
                }
                () = tokio::time::sleep_until(self.retry_at), if wait_retry => self.send_next(),
                () = tokio::time::sleep_until(self.retry_at), if !self.registered && self.registration.is_none() => {
                    self.register();
                }
                () = tokio::time::sleep_until(grace), if !making && self.kind == Kind::Observed => {}
            }
            self.driver.flush().await?;
        }
    }

    /// POST /rd?ep=NAME&lt=300 with the sensor's links (RFC 9176 §5 style registration).
    fn register(&mut self) {
        let links = if self.kind == Kind::Observed {
            format!("</{RESOURCE}>;rt=\"temperature\";obs")
        } else {
            format!("</{RESOURCE}>;rt=\"temperature\"")
        };
        let ep_query = format!("ep={}", self.ep);
        let gateway = self.cfg.gateway;
        let r = self.driver.command(|e, now| {
            let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, Code::POST, MessageId(0));
            b.path("rd").ok()?;
            b.uint(OptionNumber::CONTENT_FORMAT, LINK_FORMAT).ok()?;
            b.option(OptionNumber::URI_QUERY, ep_query.as_bytes()).ok()?;
            b.option(OptionNumber::URI_QUERY, b"lt=300").ok()?;
            b.payload(links.as_bytes());
            e.request(now, gateway, &b, RequestOptions::default()).ok()
        });
        self.registration = r;
        if self.registration.is_none() {
            self.retry_at = Instant::now() + Duration::from_secs(1);
        }
    }

    /// A new reading, sent the way the sensor's kind says.
    fn reading(&mut self) {
        if self.kind == Kind::Observed && self.driver.endpoint().observers(0).next().is_none() {
            return; // nobody observes yet: no notification, no reading
        }
        self.seq += 1;
        let value = 20.0 + (self.rng.next_u64() % 1000) as f64 / 100.0;
        let r = Reading { ep: self.ep.clone(), seq: self.seq, kind: self.kind, value };
        self.ledger.made(&self.ep, self.kind, self.seq);
        match self.kind {
            Kind::Con | Kind::Sleepy => {
                inc(&self.stats.con_sent);
                if self.queue.len() == QUEUE {
                    self.queue.pop_front();
                }
                self.queue.push_back(r);
                self.send_next();
            }
            Kind::Non => {
                inc(&self.stats.non_sent);
                let _ = self.post(&r, false);
            }
            Kind::Observed => {
                inc(&self.stats.obs_sent);
                let json = r.to_json();
                self.driver.command(|e, now| {
                    let observers: Vec<_> = e.observers(0).collect();
                    for o in observers {
                        let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::CONTENT, MessageId(0));
                        if b.uint(OptionNumber::CONTENT_FORMAT, JSON).is_ok() {
                            b.payload(json.as_bytes());
                            // CON notifications (RFC 7641 §4.5); a newer one replaces one in flight.
                            let _ = e.notify(now, o, &b, true);
                        }
                    }
                });
            }
        }
    }

    /// POST /data/EP/temp with the reading.
    fn post(&mut self, r: &Reading, confirmable: bool) -> Option<RequestHandle> {
        let json = r.to_json();
        let path = format!("data/{}/{RESOURCE}", self.ep);
        let gateway = self.cfg.gateway;
        self.driver.command(|e, now| {
            let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, Code::POST, MessageId(0));
            b.path(&path).ok()?;
            b.uint(OptionNumber::CONTENT_FORMAT, JSON).ok()?;
            b.payload(json.as_bytes());
            e.request(now, gateway, &b, RequestOptions { confirmable, params: None }).ok()
        })
    }

    /// Sends the oldest unacknowledged reading, if none is in flight.
    fn send_next(&mut self) {
        if self.inflight.is_some() || !self.registered || Instant::now() < self.retry_at {
            return;
        }
        let Some(r) = self.queue.pop_front() else { return };
        match self.post(&r, true) {
            Some(h) => self.inflight = Some((h, r)),
            None => {
                // The endpoint's tables are full: try again shortly.
                self.queue.push_front(r);
                self.retry_at = Instant::now() + Duration::from_millis(100);
            }
        }
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::ResponseReceived { request, response, .. } if Some(request) == self.registration => {
                self.registration = None;
                if response.code == Code::CREATED || response.code == Code::CHANGED {
                    self.registered = true;
                    inc(&self.stats.registered);
                } else {
                    // Refused: ask again in a second.
                    self.retry_at = Instant::now() + Duration::from_secs(1);
                }
            }
            Event::RequestTimedOut { request, .. } if Some(request) == self.registration => self.register(),
            Event::ResponseReceived { request, response, .. } => {
                let Some((h, r)) = self.inflight.take() else { return };
                if h != request {
                    self.inflight = Some((h, r));
                    return;
                }
                if response.code.class() == 5 {
                    // 5.03: the gateway's buffer is full; try again after Max-Age (RFC 7252
                    // §5.9.3.4), at most 5 s.
                    inc(&self.stats.con_busy);
                    let wait = response.uint_option(OptionNumber::MAX_AGE).unwrap_or(1).min(5);
                    self.retry_at = Instant::now() + Duration::from_secs(u64::from(wait));
                    self.queue.push_front(r);
                }
                self.send_next();
            }
            Event::RequestTimedOut { request, .. } | Event::RequestReset { request, .. } => {
                let Some((h, r)) = self.inflight.take() else { return };
                if h != request {
                    self.inflight = Some((h, r));
                    return;
                }
                // Every transmission was lost: the same reading again, same number.
                inc(&self.stats.con_gave_up);
                self.queue.push_front(r);
                self.send_next();
            }
            Event::RequestReceived { handle, request, .. } => self.serve(handle, &request),
            _ => {}
        }
    }

    /// The observed sensor's resource: GET /temp, with Observe 0 to register (RFC 7641 §4.1).
    fn serve(&mut self, handle: coap_codec::endpoint::ResponseHandle, request: &net::coap_driver::MessageBuf) {
        let full = request.path();
        let path = full.trim_start_matches('/');
        let observe = request.uint_option(OptionNumber::OBSERVE);
        let last = Reading { ep: self.ep.clone(), seq: self.seq, kind: self.kind, value: 20.0 }.to_json();
        self.driver.command(|e, now| {
            let ok = request.code == Code::GET && path == RESOURCE && self.kind == Kind::Observed;
            if ok && observe == Some(0) {
                let _ = e.observe(now, handle, 0);
            }
            let mut b = MessageBuilder::<4>::new(
                MessageType::Acknowledgement,
                if ok { Code::CONTENT } else { Code::NOT_FOUND },
                MessageId(0),
            );
            if ok {
                let _ = b.uint(OptionNumber::CONTENT_FORMAT, JSON);
                b.payload(last.as_bytes());
            }
            let _ = e.respond(now, handle, &b);
        });
    }
}
