//! [`SensorEvent`] and the fixed ring that holds them until polled.

/// Which path acknowledged a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// PUBACK to the QoS 1 PUBLISH (`MQTT-4.3.2-3 (5.0)`).
    Mqtt,
    /// A 2.xx response to the CON POST (RFC 7252 §5.2.1: piggybacked on the ACK).
    Coap,
}

/// Something the application may want to know, from [`Sensor::poll_event`](crate::Sensor::poll_event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SensorEvent {
    /// Reading `seq` was acknowledged on one path.
    Acknowledged {
        /// The reading.
        seq: u32,
        /// The path.
        via: Via,
    },
    /// Reading `seq` was acknowledged on both paths and left the queue.
    Delivered {
        /// The reading.
        seq: u32,
    },
    /// Reading `seq` was evicted by a full queue (the oldest goes; see [`crate::queue`]).
    Dropped {
        /// The reading.
        seq: u32,
    },
    /// The CON carrying reading `seq` gave up (RFC 7252 §4.2) or was refused; it is sent again,
    /// same sequence number, after [`SensorConfig::coap_retry`](crate::SensorConfig::coap_retry).
    CoapGaveUp {
        /// The reading.
        seq: u32,
    },
    /// CONNACK Success: the MQTT session is up.
    MqttConnected,
    /// The MQTT connection ended; a reconnect follows after a back-off.
    MqttClosed,
}

/// Events waiting to be polled.
pub(crate) const EVENT_SLOTS: usize = 16;

/// A FIFO of at most [`EVENT_SLOTS`] events; when full, the oldest is overwritten (and counted
/// by the caller): events are for observation, the queue and counters are the truth.
#[derive(Debug, Clone)]
pub(crate) struct EventRing {
    slots: [Option<SensorEvent>; EVENT_SLOTS],
    head: usize,
    len: usize,
}

impl EventRing {
    pub(crate) const fn new() -> Self {
        Self { slots: [None; EVENT_SLOTS], head: 0, len: 0 }
    }

    /// Adds `event`; false when it overwrote the oldest.
    pub(crate) fn push(&mut self, event: SensorEvent) -> bool {
        let tail = (self.head + self.len) % EVENT_SLOTS;
        if let Some(slot) = self.slots.get_mut(tail) {
            *slot = Some(event);
        }
        if self.len == EVENT_SLOTS {
            self.head = (self.head + 1) % EVENT_SLOTS;
            false
        } else {
            self.len += 1;
            true
        }
    }

    pub(crate) fn pop(&mut self) -> Option<SensorEvent> {
        if self.len == 0 {
            return None;
        }
        let e = self.slots.get_mut(self.head).and_then(Option::take);
        self.head = (self.head + 1) % EVENT_SLOTS;
        self.len -= 1;
        e
    }
}
