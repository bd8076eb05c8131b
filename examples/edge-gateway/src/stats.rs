//! What the parts of the demo count, and the subscriber's ledger that reconciles readings end
//! to end by sensor and sequence number.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// How a sensor reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Pushes each reading to the gateway in a CON POST; re-sends a reading whose CON gave up.
    Con,
    /// Pushes each reading in a NON POST: no acknowledgement, no re-send.
    Non,
    /// Is observed by the gateway (RFC 7641): each reading is a CON notification.
    Observed,
    /// Like [`Kind::Con`], but sleeps (reads nothing) between reports, three periods apart.
    Sleepy,
}

impl Kind {
    /// Sensor `i`'s kind: of every ten, six CON, two NON, one observed, one sleepy.
    pub fn of(i: usize) -> Self {
        match i % 10 {
            6 | 7 => Self::Non,
            8 => Self::Observed,
            9 => Self::Sleepy,
            _ => Self::Con,
        }
    }

    /// The `k` field of a reading's payload.
    pub fn key(self) -> &'static str {
        match self {
            Self::Con => "con",
            Self::Non => "non",
            Self::Observed => "obs",
            Self::Sleepy => "sleepy",
        }
    }

    /// The kind with the key `k`.
    pub fn from_key(k: &str) -> Option<Self> {
        [Self::Con, Self::Non, Self::Observed, Self::Sleepy].into_iter().find(|x| x.key() == k)
    }

    /// Whether every reading of this kind must arrive (CON readings, re-sent until acknowledged).
    pub fn reliable(self) -> bool {
        matches!(self, Self::Con | Self::Sleepy)
    }
}

/// One reading as it travels: `{"ep":"sensor-007","seq":12,"k":"con","v":21.53}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// The sensor's endpoint name.
    pub ep: String,
    /// The sensor's sequence number, from 1; a re-sent reading keeps its number.
    pub seq: u64,
    /// How the sensor reports.
    pub kind: Kind,
    /// The value (degrees Celsius).
    pub value: f64,
}

impl Reading {
    /// The JSON payload.
    pub fn to_json(&self) -> String {
        format!(r#"{{"ep":"{}","seq":{},"k":"{}","v":{:.2}}}"#, self.ep, self.seq, self.kind.key(), self.value)
    }

    /// Reads a payload written by [`to_json`](Self::to_json).
    pub fn from_json(bytes: &[u8]) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        Some(Self {
            ep: v.get("ep")?.as_str()?.to_owned(),
            seq: v.get("seq")?.as_u64()?,
            kind: Kind::from_key(v.get("k")?.as_str()?)?,
            value: v.get("v")?.as_f64()?,
        })
    }
}

/// Counters shared by the sensors, the gateway and the subscriber.
#[derive(Debug, Default)]
pub struct Stats {
    /// Readings made by CON and sleepy sensors.
    pub con_sent: AtomicU64,
    /// CON requests that gave up (every transmission lost or unacknowledged), each followed by
    /// the same reading again.
    pub con_gave_up: AtomicU64,
    /// 5.03 answers the sensors got (the gateway's buffer was full); they try again.
    pub con_busy: AtomicU64,
    /// Readings sent in NON requests.
    pub non_sent: AtomicU64,
    /// Readings sent as notifications.
    pub obs_sent: AtomicU64,
    /// Sensors registered with the gateway.
    pub registered: AtomicU64,
    /// Readings the gateway took a second time (same sensor and number) and did not publish.
    pub gw_duplicates: AtomicU64,
    /// Duplicate datagrams the gateway's CoAP endpoint answered from its cache (RFC 7252 §4.5).
    pub gw_coap_duplicates: AtomicU64,
    /// Readings in the gateway's buffer at most.
    pub gw_buffer_peak: AtomicU64,
    /// NON readings and notifications dropped because the buffer was full.
    pub gw_dropped: AtomicU64,
    /// Readings the broker acknowledged (PUBACK).
    pub gw_published: AtomicU64,
    /// Times the gateway connected to the broker.
    pub gw_connects: AtomicU64,
    /// Times the gateway's connection to the broker was lost.
    pub gw_disconnects: AtomicU64,
    /// PUBLISH packets the subscriber received (duplicates included).
    pub sub_received: AtomicU64,
    /// Times the subscriber connected, and of those with its session resumed.
    pub sub_connects: AtomicU64,
    /// Connections that resumed the subscriber's session (Session Present).
    pub sub_resumed: AtomicU64,
    /// Times the broker restarted.
    pub broker_restarts: AtomicU64,
}

/// Adds one.
pub fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// Reads a counter.
pub fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// What one sensor made and what of it arrived at the subscriber.
#[derive(Debug, Default, Clone)]
pub struct SensorBook {
    /// The sensor's kind, once known.
    pub kind: Option<Kind>,
    /// The highest sequence number the sensor made (it made 1..=made).
    pub made: u64,
    /// The numbers that arrived at the subscriber.
    pub arrived: BTreeSet<u64>,
    /// Arrivals of a number that had arrived before.
    pub duplicates: u64,
}

/// The end-to-end reconciliation: per sensor, what it made and what the subscriber received.
#[derive(Debug, Default)]
pub struct Ledger(Mutex<BTreeMap<String, SensorBook>>);

impl Ledger {
    /// Sensor `ep` has made readings up to `seq`.
    pub fn made(&self, ep: &str, kind: Kind, seq: u64) {
        if let Ok(mut m) = self.0.lock() {
            let b = m.entry(ep.to_owned()).or_default();
            b.kind = Some(kind);
            b.made = b.made.max(seq);
        }
    }

    /// The subscriber received `r`; returns whether it was new.
    pub fn arrived(&self, r: &Reading) -> bool {
        let Ok(mut m) = self.0.lock() else { return false };
        let b = m.entry(r.ep.clone()).or_default();
        let new = b.arrived.insert(r.seq);
        if !new {
            b.duplicates += 1;
        }
        new
    }

    /// A copy of every sensor's book.
    pub fn books(&self) -> BTreeMap<String, SensorBook> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// The totals per kind group: (made, arrived, duplicates at the subscriber, lost) where
    /// lost counts the numbers in 1..=made that never arrived.
    pub fn totals(&self, reliable: bool) -> (u64, u64, u64, u64) {
        let mut t = (0, 0, 0, 0);
        for b in self.books().values() {
            if b.kind.map(Kind::reliable) != Some(reliable) {
                continue;
            }
            let arrived = b.arrived.range(1..=b.made).count() as u64;
            t.0 += b.made;
            t.1 += arrived;
            t.2 += b.duplicates;
            t.3 += b.made - arrived;
        }
        t
    }

    /// Whether every reliable reading made so far has arrived.
    pub fn complete(&self) -> bool {
        self.totals(true).3 == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_reading_round_trips_through_json() {
        let r = Reading { ep: "sensor-007".into(), seq: 12, kind: Kind::Sleepy, value: 21.53 };
        assert_eq!(r.to_json(), r#"{"ep":"sensor-007","seq":12,"k":"sleepy","v":21.53}"#);
        assert_eq!(Reading::from_json(r.to_json().as_bytes()), Some(r));
        assert_eq!(Reading::from_json(b"{\"seq\":1}"), None);
    }

    #[test]
    fn the_ledger_counts_lost_and_duplicate_readings() {
        let l = Ledger::default();
        l.made("a", Kind::Con, 3);
        l.made("b", Kind::Non, 2);
        let r = |ep: &str, seq| Reading { ep: ep.into(), seq, kind: Kind::Con, value: 0.0 };
        assert!(l.arrived(&r("a", 1)));
        assert!(!l.arrived(&r("a", 1)));
        assert!(l.arrived(&r("a", 3)));
        assert!(l.arrived(&r("b", 2)));
        assert_eq!(l.totals(true), (3, 2, 1, 1));
        assert_eq!(l.totals(false), (2, 1, 0, 1));
        assert!(!l.complete());
        assert!(l.arrived(&r("a", 2)));
        assert!(l.complete());
    }
}
