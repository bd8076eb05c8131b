//! The will: kept in its own region of the store as an encoded PUBLISH from the CONNECT until
//! the connection ends, then handed to the application as [`Event::WillPublished`] at once or
//! after the 5.0 Will Delay Interval (5.0 §3.1.2.5, §3.1.3.2.2; 3.1.1 §3.1.2.5).

use core::time::Duration;

use super::{Event, ServerConnection};
use crate::time::Instant;
use crate::wire::{decode_packet, DecodeOptions, List, Packet, PacketId, Property, Qos, QosPid, Status, Version, Will};

/// Will properties carried over to the PUBLISH (the decoder's default cap on a list is 64).
const MAX_WILL_PROPERTIES: usize = 64;

/// Where the will is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WillState {
    /// No will (none given, discarded, or handed on).
    None,
    /// From a CONNECT not yet accepted: a refused connection has no will.
    Stored,
    /// The connection is accepted; the will waits for its end.
    Armed,
    /// The connection ended; the will is due at this time.
    Due(Instant),
    /// Due now: `poll_event` hands it on.
    Ready,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> ServerConnection<B, N, A> {
    /// Encodes the will as a PUBLISH into the will region: QoS and RETAIN from the CONNECT's
    /// flags, the Will Properties without the Will Delay Interval (5.0 §3.1.3.2). `false` when
    /// it does not fit.
    pub(super) fn store_will(&mut self, w: &Will<'_>) -> bool {
        let mut props = [Property::WillDelayInterval(0); MAX_WILL_PROPERTIES];
        let (mut n, mut delay) = (0, 0);
        for p in w.properties.iter() {
            match p {
                Property::WillDelayInterval(d) => delay = d,
                other => {
                    let Some(slot) = props.get_mut(n) else { return false };
                    *slot = other;
                    n += 1;
                }
            }
        }
        // The packet id is a placeholder: the application publishes the will with its own.
        let qos = PacketId::new(1).map_or(QosPid::AtMostOnce, |id| match w.qos {
            Qos::AtMostOnce => QosPid::AtMostOnce,
            Qos::AtLeastOnce => QosPid::AtLeastOnce(id),
            Qos::ExactlyOnce => QosPid::ExactlyOnce(id),
        });
        let publish = crate::wire::Publish {
            dup: false,
            qos,
            retain: w.retain,
            topic: w.topic,
            properties: List::new(props.get(..n).unwrap_or(&[])),
            payload: w.payload,
        };
        let v = self.core.version;
        if publish.encode(v, self.core.will_region_mut()).is_err() {
            return false;
        }
        self.will_delay = delay;
        self.will = WillState::Stored;
        true
    }

    /// The stored will's QoS and RETAIN, if there is one.
    pub(super) fn will_flags(&self) -> Option<(Qos, bool)> {
        match self.will {
            WillState::None => None,
            _ => self.stored_will().map(|p| (p.qos.qos(), p.retain)),
        }
    }

    fn stored_will(&self) -> Option<crate::wire::Publish<'_>> {
        let opts = DecodeOptions::new(self.core.version);
        match decode_packet(self.core.will_region(), &opts) {
            Ok(Status::Complete { item: Packet::Publish(p), .. }) => Some(p),
            _ => None,
        }
    }

    /// The connection ended: an accepted connection's will is scheduled (`keep`) or discarded.
    /// It waits for the Will Delay Interval or the end of the session, whichever is first
    /// (5.0 §3.1.3.2.2); 3.1.1 has no delay.
    pub(super) fn end_will(&mut self, now: Instant, keep: bool) {
        self.will = match self.will {
            WillState::Armed if keep => {
                let delay = match self.core.version {
                    Version::V5 => self.will_delay.min(self.session_expiry),
                    Version::V311 => 0,
                };
                if delay == 0 {
                    WillState::Ready
                } else {
                    WillState::Due(now + Duration::from_secs(u64::from(delay)))
                }
            }
            WillState::Armed | WillState::Stored => WillState::None,
            other => other,
        };
    }

    /// A delayed will whose time has come becomes ready.
    pub(super) fn will_timeout(&mut self, now: Instant) {
        if let WillState::Due(at) = self.will {
            if now >= at {
                self.will = WillState::Ready;
            }
        }
    }

    /// When a delayed will is due.
    pub(super) fn will_deadline(&self) -> Option<Instant> {
        match self.will {
            WillState::Due(at) => Some(at),
            _ => None,
        }
    }

    /// The will, once ready; handed on once.
    pub(super) fn will_event(&mut self) -> Option<Event<'_>> {
        if self.will != WillState::Ready {
            return None;
        }
        self.will = WillState::None;
        self.stored_will().map(Event::WillPublished)
    }

    /// Discards the will without publishing it: the client opened a new connection to its
    /// session before the Will Delay Interval passed (`MQTT-3.1.3-9`), or the broker decided so.
    /// Harmless when there is no will.
    ///
    /// ```
    /// use mqtt_codec::server::{Config, ServerConnection};
    /// use mqtt_codec::time::Instant;
    /// let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// s.discard_will();
    /// assert!(!s.has_will());
    /// ```
    pub fn discard_will(&mut self) {
        self.will = WillState::None;
    }

    /// Whether a will is held: received with the CONNECT and neither handed on nor discarded
    /// yet.
    pub fn has_will(&self) -> bool {
        self.will != WillState::None
    }
}
