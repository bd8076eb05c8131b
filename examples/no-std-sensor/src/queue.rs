//! [`ReadingQueue`]: the readings not yet acknowledged on both paths, in a fixed array.
//!
//! Full queue policy: a new reading evicts the **oldest** one, which is counted
//! ([`ReadingQueue::dropped`]) and reported ([`crate::SensorEvent::Dropped`]). Fresh data is
//! worth more than old data to a temperature dashboard, and the bound keeps memory static.

use coap_codec::endpoint::RequestHandle;
use mqtt_codec::client::PublishHandle;

use crate::Instant;

/// Where a reading stands on the MQTT path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MqttState {
    /// Not handed to the client (no connection, the client's slots full, or its session lost).
    Pending,
    /// Handed to the client as a QoS 1 PUBLISH; waiting for PUBACK (`MQTT-4.3.2-3 (5.0)`).
    InFlight(PublishHandle),
    /// PUBACK received.
    Acknowledged,
}

/// Where a reading stands on the CoAP path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoapState {
    /// Not handed to the endpoint yet (its tables were full).
    Pending,
    /// To be sent again at this time: the CON gave up (RFC 7252 §4.2) or the answer was not 2.xx.
    Retry(Instant),
    /// A CON POST in flight.
    InFlight(RequestHandle),
    /// 2.04 Changed (any 2.xx) received.
    Acknowledged,
}

/// One reading and its progress on both paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The sequence number, from 0, in the payload on both paths.
    pub seq: u32,
    /// Hundredths of a degree Celsius.
    pub centi_celsius: i16,
    /// The MQTT path.
    pub mqtt: MqttState,
    /// The CoAP path.
    pub coap: CoapState,
}

impl Reading {
    /// Acknowledged on both paths: it can leave the queue.
    pub fn is_done(&self) -> bool {
        self.mqtt == MqttState::Acknowledged && self.coap == CoapState::Acknowledged
    }
}

/// At most `Q` readings, oldest first (see the [module docs](self) for the full-queue policy).
#[derive(Debug, Clone)]
pub struct ReadingQueue<const Q: usize> {
    slots: [Option<Reading>; Q],
    dropped: u32,
}

impl<const Q: usize> Default for ReadingQueue<Q> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const Q: usize> ReadingQueue<Q> {
    /// An empty queue.
    pub const fn new() -> Self {
        Self { slots: [None; Q], dropped: 0 }
    }

    /// Adds `reading`; when the queue is full the oldest reading leaves to make room, is
    /// counted and returned. With `Q = 0` the new reading itself is dropped and returned.
    ///
    /// ```
    /// use no_std_sensor::queue::{CoapState, MqttState, Reading, ReadingQueue};
    /// let r = |seq| Reading { seq, centi_celsius: 0, mqtt: MqttState::Pending, coap: CoapState::Pending };
    /// let mut q = ReadingQueue::<2>::new();
    /// assert_eq!(q.push(r(0)), None);
    /// assert_eq!(q.push(r(1)), None);
    /// assert_eq!(q.push(r(2)).map(|d| d.seq), Some(0)); // full: the oldest goes
    /// assert_eq!((q.len(), q.dropped()), (2, 1));
    /// ```
    pub fn push(&mut self, reading: Reading) -> Option<Reading> {
        let evicted = if self.len() == Q { self.oldest_index().and_then(|i| self.take(i)) } else { None };
        match self.slots.iter_mut().find(|s| s.is_none()) {
            Some(slot) => *slot = Some(reading),
            None => {
                self.dropped = self.dropped.saturating_add(1);
                return Some(reading);
            }
        }
        if evicted.is_some() {
            self.dropped = self.dropped.saturating_add(1);
        }
        evicted
    }

    fn oldest_index(&self) -> Option<usize> {
        self.slots.iter().enumerate().filter_map(|(i, s)| s.map(|r| (r.seq, i))).min().map(|(_, i)| i)
    }

    fn take(&mut self, i: usize) -> Option<Reading> {
        self.slots.get_mut(i).and_then(Option::take)
    }

    /// The oldest reading (lowest sequence number) for which `pred` holds.
    pub fn oldest_mut(&mut self, pred: impl Fn(&Reading) -> bool) -> Option<&mut Reading> {
        self.slots.iter_mut().flatten().filter(|r| pred(r)).min_by_key(|r| r.seq)
    }

    /// Removes and returns the readings acknowledged on both paths, one per call.
    pub fn pop_done(&mut self) -> Option<Reading> {
        let i = self.slots.iter().position(|s| s.is_some_and(|r| r.is_done()))?;
        self.take(i)
    }

    /// The readings in the queue (in slot order, not by age).
    pub fn iter(&self) -> impl Iterator<Item = &Reading> {
        self.slots.iter().flatten()
    }

    /// The readings in the queue, to update (in slot order, not by age).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Reading> {
        self.slots.iter_mut().flatten()
    }

    /// Readings in the queue.
    pub fn len(&self) -> usize {
        self.slots.iter().flatten().count()
    }

    /// Whether the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Readings evicted by a full queue since the start.
    pub fn dropped(&self) -> u32 {
        self.dropped
    }
}
