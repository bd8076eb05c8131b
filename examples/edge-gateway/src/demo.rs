//! Wires the demo together: broker, relays, subscriber, gateway, shim and sensors; waits for
//! the sensors, the gateway's drain and the subscriber's last reading; returns the [`Summary`].

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Mutex};
use tokio::time::Instant;

use crate::broker::InProcess;
use crate::gateway::{Gateway, GatewayConfig, GatewayError};
use crate::relay::{HopStats, TcpRelay, UdpShim};
use crate::sensor::{self, SensorConfig};
use crate::stats::{get, Kind, Ledger, Stats};
use crate::subscriber;

/// The demo's settings (the command line's flags).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Sensor nodes.
    pub sensors: usize,
    /// How long sensors make readings.
    pub duration: Duration,
    /// Time between readings.
    pub period: Duration,
    /// Datagrams lost on the sensor link, each way, in percent.
    pub loss: f64,
    /// Datagrams delivered twice, in percent.
    pub dup: f64,
    /// Seed of every random choice.
    pub seed: u64,
    /// An external broker (`mqtt://HOST:PORT`) instead of the in-process one.
    pub broker: Option<String>,
    /// Stop the in-process broker this long after the start...
    pub kill_broker_after: Option<Duration>,
    /// ...for this long.
    pub broker_down: Duration,
    /// The gateway's store-and-forward buffer, in readings.
    pub buffer: usize,
    /// The gateway's CoAP port (0: a free one).
    pub coap_port: u16,
    /// How long to wait for the gateway and the subscriber after the sensors are done.
    pub drain_timeout: Duration,
    /// The gateway's wait after each connection before it drains its buffer.
    pub settle: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            sensors: 50,
            duration: Duration::from_secs(20),
            period: Duration::from_secs(1),
            loss: 10.0,
            dup: 1.0,
            seed: 1,
            broker: None,
            kill_broker_after: None,
            broker_down: Duration::from_secs(3),
            buffer: 10_000,
            coap_port: 0,
            drain_timeout: Duration::from_secs(30),
            settle: Duration::ZERO,
        }
    }
}

/// Why the demo could not run.
#[derive(Debug)]
pub enum DemoError {
    /// `--broker` is not `mqtt://HOST[:PORT]`.
    BadBrokerUrl(String),
    /// The broker could not be reached.
    Unreachable(String, std::io::Error),
    /// A port could not be bound.
    Bind(String, std::io::Error),
    /// The broker refused a connection or a subscription, or a part of the demo failed.
    Refused(String),
    /// Flags that do not go together.
    Usage(String),
}

impl fmt::Display for DemoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadBrokerUrl(u) => write!(f, "bad broker URL {u:?}: expected mqtt://HOST[:PORT]"),
            Self::Unreachable(a, e) => write!(f, "cannot reach the broker at {a}: {e}"),
            Self::Bind(what, e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                write!(f, "cannot bind {what}: address in use")
            }
            Self::Bind(what, e) => write!(f, "cannot bind {what}: {e}"),
            Self::Refused(r) | Self::Usage(r) => write!(f, "{r}"),
        }
    }
}

impl std::error::Error for DemoError {}

/// One hop's counts at the end.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hop {
    /// Messages both ways (datagrams, MQTT packets).
    pub messages: u64,
    /// Their bytes (CoAP messages, MQTT packets).
    pub bytes: u64,
    /// Resends on the hop.
    pub retransmissions: u64,
    /// Datagrams the shim dropped (the sensor link only).
    pub dropped: u64,
    /// Datagrams the shim duplicated.
    pub duplicated: u64,
}

impl Hop {
    fn of(s: &HopStats) -> Self {
        Self {
            messages: s.messages(),
            bytes: s.bytes(),
            retransmissions: get(&s.retransmissions),
            dropped: get(&s.dropped),
            duplicated: get(&s.duplicated),
        }
    }
}

/// What the demo measured.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Sensors by kind: CON, NON, observed, sleepy.
    pub sensors: [usize; 4],
    /// Sensors that registered.
    pub registered: u64,
    /// CON readings (CON and sleepy sensors) made, arrived at the subscriber, arrived twice, lost.
    pub con: (u64, u64, u64, u64),
    /// The same for NON readings and notifications together (losing some is their contract).
    pub unreliable: (u64, u64, u64, u64),
    /// NON readings made and arrived.
    pub non: (u64, u64),
    /// Notifications made and arrived.
    pub observed: (u64, u64),
    /// CON requests that gave up and were sent again with the same reading.
    pub con_gave_up: u64,
    /// 5.03 answers (buffer full).
    pub busy: u64,
    /// Readings the gateway dropped as duplicates (same sensor and number).
    pub gateway_duplicates: u64,
    /// Duplicate datagrams the gateway's endpoint answered from its cache.
    pub coap_duplicates: u64,
    /// Readings in the gateway's buffer at most.
    pub buffer_peak: u64,
    /// NON readings and notifications dropped with a full buffer.
    pub gateway_dropped: u64,
    /// Readings the broker acknowledged.
    pub published: u64,
    /// Gateway connections to the broker.
    pub connects: u64,
    /// Broker restarts.
    pub broker_restarts: u64,
    /// PUBLISHes the subscriber received.
    pub subscriber_received: u64,
    /// Subscriber connections, and those that resumed its session.
    pub subscriber_connects: (u64, u64),
    /// Sensors to gateway (CoAP over UDP, through the shim).
    pub sensor_hop: Hop,
    /// Gateway to broker (MQTT over TCP).
    pub gateway_hop: Hop,
    /// Broker to subscriber (MQTT over TCP).
    pub subscriber_hop: Hop,
    /// Wall time.
    pub elapsed: Duration,
    /// Where the broker was.
    pub broker: String,
}

impl Summary {
    /// CON readings lost (must be 0).
    pub fn lost(&self) -> u64 {
        self.con.3
    }

    /// The summary as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let hop = |h: &Hop| {
            serde_json::json!({"messages": h.messages, "bytes": h.bytes, "retransmissions": h.retransmissions,
                "dropped": h.dropped, "duplicated": h.duplicated})
        };
        serde_json::json!({
            "sensors": {"con": self.sensors[0], "non": self.sensors[1], "observed": self.sensors[2],
                "sleepy": self.sensors[3], "registered": self.registered},
            "con": {"sent": self.con.0, "delivered": self.con.1, "duplicates_at_subscriber": self.con.2,
                "lost": self.con.3, "gave_up_and_resent": self.con_gave_up, "busy": self.busy},
            "non": {"sent": self.non.0, "delivered": self.non.1},
            "observed": {"sent": self.observed.0, "delivered": self.observed.1},
            "gateway": {"duplicates_suppressed": self.gateway_duplicates, "coap_duplicates": self.coap_duplicates,
                "buffer_peak": self.buffer_peak, "dropped": self.gateway_dropped, "published": self.published,
                "connects": self.connects},
            "broker": {"where": self.broker, "restarts": self.broker_restarts},
            "subscriber": {"received": self.subscriber_received, "connects": self.subscriber_connects.0,
                "resumed": self.subscriber_connects.1},
            "hops": {"sensors_gateway": hop(&self.sensor_hop), "gateway_broker": hop(&self.gateway_hop),
                "broker_subscriber": hop(&self.subscriber_hop)},
            "elapsed_ms": self.elapsed.as_millis() as u64,
        })
    }
}

/// What the demo shows while it runs.
pub trait Progress: Send + Sync + 'static {
    /// A line (a message the subscriber received, a broker restart).
    fn line(&self, line: String);
    /// The counts so far.
    fn tick(&self, stats: &Stats, ledger: &Ledger);
}

/// `mqtt://HOST[:PORT]` to an address.
async fn broker_addr(url: &str) -> Result<SocketAddr, DemoError> {
    let bad = || DemoError::BadBrokerUrl(url.to_owned());
    let rest = url.strip_prefix("mqtt://").ok_or_else(bad)?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains('/') {
        return Err(bad());
    }
    // HOST, HOST:PORT, [IPv6] or [IPv6]:PORT; anything else (a second colon, a port that is
    // not a number) is not a broker URL.
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => (h, Some(p)),
        Some(_) if rest.starts_with('[') && rest.ends_with(']') => (rest, None),
        Some(_) => return Err(bad()),
        None => (rest, None),
    };
    let port = match port {
        Some(p) => p.parse::<u16>().map_err(|_| bad())?,
        None => 1883,
    };
    if host.is_empty() {
        return Err(bad());
    }
    let with_port = format!("{host}:{port}");
    let mut addrs =
        tokio::net::lookup_host(&with_port).await.map_err(|e| DemoError::Unreachable(with_port.clone(), e))?;
    addrs.next().ok_or_else(bad)
}

/// Runs the demo.
///
/// # Errors
/// [`DemoError`]: a bad URL, an unreachable broker, a port in use, a refused connection.
pub async fn run(s: &Settings, progress: Arc<dyn Progress>) -> Result<Summary, DemoError> {
    let started = Instant::now();
    let stats = Arc::new(Stats::default());
    let ledger = Arc::new(Ledger::default());

    if s.broker.is_some() && s.kill_broker_after.is_some() {
        return Err(DemoError::Usage(
            "--kill-broker-after stops the in-process broker; a broker given with --broker is stopped by whoever runs it"
                .to_owned(),
        ));
    }
    // The broker: external (checked reachable first) or in-process.
    let (broker_addr, in_process) = match &s.broker {
        Some(url) => {
            let addr = broker_addr(url).await?;
            tokio::time::timeout(Duration::from_secs(3), tokio::net::TcpStream::connect(addr))
                .await
                .map_err(|_| DemoError::Unreachable(addr.to_string(), std::io::ErrorKind::TimedOut.into()))?
                .map_err(|e| DemoError::Unreachable(addr.to_string(), e))?;
            (addr, None)
        }
        None => {
            let b = InProcess::start(SocketAddr::from(([127, 0, 0, 1], 0)), None)
                .await
                .map_err(|e| DemoError::Bind("the in-process broker".into(), e.error))?;
            (b.addr(), Some(Arc::new(Mutex::new(b))))
        }
    };
    let bind = |what: &str| {
        let what = what.to_owned();
        move |e| DemoError::Bind(what, e)
    };
    let gw_relay = TcpRelay::start(broker_addr).await.map_err(bind("a relay port"))?;
    let sub_relay = TcpRelay::start(broker_addr).await.map_err(bind("a relay port"))?;

    // The subscriber first, so that it sees every reading.
    let (ready_tx, mut ready) = watch::channel(false);
    let (stop_sub_tx, stop_sub) = watch::channel(false);
    let p = Arc::clone(&progress);
    let subscriber = tokio::spawn(subscriber::run(
        sub_relay.addr(),
        Arc::clone(&stats),
        Arc::clone(&ledger),
        ready_tx,
        stop_sub,
        move |line| p.line(line),
    ));
    // (The `Ref` that `wait_for` returns holds the channel's lock: not kept past this line, or
    // the subscriber's next `send` would block.)
    let subscribed = matches!(tokio::time::timeout(Duration::from_secs(10), ready.wait_for(|r| *r)).await, Ok(Ok(_)));
    if !subscribed {
        let why = match tokio::time::timeout(Duration::from_millis(100), subscriber).await {
            Ok(Ok(Err(e))) => e,
            _ => "the subscriber could not connect and subscribe within 10 s".to_owned(),
        };
        return Err(DemoError::Refused(why));
    }

    // The gateway and the shim in front of it.
    let coap = SocketAddr::from(([127, 0, 0, 1], s.coap_port));
    let gw_cfg = GatewayConfig {
        coap,
        broker: gw_relay.addr(),
        buffer: s.buffer,
        seed: s.seed,
        max_sensors: 10_000,
        settle: s.settle,
    };
    let gateway = Gateway::bind(gw_cfg, Arc::clone(&stats))
        .await
        .map_err(|e| DemoError::Bind(format!("the gateway's CoAP port {coap}"), e))?;
    let gateway_addr = gateway.coap_addr().map_err(bind("the gateway's CoAP port"))?;
    let (finish_tx, finish) = watch::channel(false);
    let mut gateway_task = tokio::spawn(gateway.run(finish));
    let shim = UdpShim::start(gateway_addr, s.loss, s.dup, s.seed).await.map_err(bind("the shim's port"))?;

    // The broker's outage.
    let killer = match (&in_process, s.kill_broker_after) {
        (Some(b), Some(after)) => {
            let b = Arc::clone(b);
            let (p, down, stats) = (Arc::clone(&progress), s.broker_down, Arc::clone(&stats));
            Some(tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let saved = b.lock().await.stop().await;
                p.line(format!("broker stopped ({} bytes of sessions exported); back in {down:?}", saved.len()));
                tokio::time::sleep(down).await;
                match b.lock().await.restart(saved).await {
                    Ok(()) => {
                        crate::stats::inc(&stats.broker_restarts);
                        p.line("broker started again with its sessions".to_owned());
                    }
                    Err(e) => p.line(format!("broker could not start again: {e}")),
                }
            }))
        }
        _ => None,
    };

    // The sensors.
    let stop_at = Instant::now() + s.duration;
    let mut sensors = Vec::new();
    for index in 0..s.sensors {
        let cfg = SensorConfig {
            index,
            gateway: shim.addr(),
            period: s.period,
            stop_at,
            seed: s.seed.wrapping_mul(1000).wrapping_add(index as u64),
        };
        sensors.push(tokio::spawn(sensor::run(cfg, Arc::clone(&stats), Arc::clone(&ledger))));
    }
    let ticker = {
        let (p, stats, ledger) = (Arc::clone(&progress), Arc::clone(&stats), Arc::clone(&ledger));
        tokio::spawn(async move {
            loop {
                p.tick(&stats, &ledger);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };

    let gateway_result = tokio::select! {
        r = &mut gateway_task => Some(r),
        () = async {
            for t in sensors {
                match t.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => progress.line(format!("a sensor failed: {e}")),
                    Err(e) => progress.line(format!("a sensor task failed: {e}")),
                }
            }
        } => None,
    };
    if let Some(Ok(Err(e))) = gateway_result {
        ticker.abort();
        return Err(match e {
            GatewayError::Refused(r) => DemoError::Refused(r),
            GatewayError::Io(e) => DemoError::Refused(format!("the gateway's CoAP socket failed: {e}")),
        });
    }
    if let Some(k) = killer {
        let _ = k.await;
    }
    // Sensors done: the gateway drains and says offline; the subscriber gets the rest.
    let _ = finish_tx.send(true);
    let deadline = Instant::now() + s.drain_timeout;
    if gateway_result.is_none() {
        match tokio::time::timeout_at(deadline, gateway_task).await {
            Ok(Ok(Err(GatewayError::Refused(r)))) => return Err(DemoError::Refused(r)),
            Ok(_) => {}
            Err(_) => progress.line("the gateway did not drain its buffer in time".to_owned()),
        }
    }
    while !ledger.complete() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The retained `offline` and any last duplicates.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = stop_sub_tx.send(true);
    ticker.abort();
    progress.tick(&stats, &ledger);
    if let Some(b) = &in_process {
        b.lock().await.stop().await;
    }

    let count = |k: Kind| (0..s.sensors).filter(|&i| Kind::of(i) == k).count();
    let books = ledger.books();
    let kind_totals = |k: Kind| {
        books
            .values()
            .filter(|b| b.kind == Some(k))
            .fold((0, 0), |t, b| (t.0 + b.made, t.1 + b.arrived.range(1..=b.made).count() as u64))
    };
    Ok(Summary {
        sensors: [count(Kind::Con), count(Kind::Non), count(Kind::Observed), count(Kind::Sleepy)],
        registered: get(&stats.registered),
        con: ledger.totals(true),
        unreliable: ledger.totals(false),
        non: kind_totals(Kind::Non),
        observed: kind_totals(Kind::Observed),
        con_gave_up: get(&stats.con_gave_up),
        busy: get(&stats.con_busy),
        gateway_duplicates: get(&stats.gw_duplicates),
        coap_duplicates: get(&stats.gw_coap_duplicates),
        buffer_peak: get(&stats.gw_buffer_peak),
        gateway_dropped: get(&stats.gw_dropped),
        published: get(&stats.gw_published),
        connects: get(&stats.gw_connects),
        broker_restarts: get(&stats.broker_restarts),
        subscriber_received: get(&stats.sub_received),
        subscriber_connects: (get(&stats.sub_connects), get(&stats.sub_resumed)),
        sensor_hop: Hop::of(&shim.stats),
        gateway_hop: Hop::of(&gw_relay.stats),
        subscriber_hop: Hop::of(&sub_relay.stats),
        elapsed: started.elapsed(),
        broker: match &s.broker {
            Some(u) => u.clone(),
            None => format!("in-process broker core on {broker_addr}"),
        },
    })
}
