//! The receiving side of the QoS flows: the packet ids of QoS 2 messages received but not yet
//! released (5.0 §4.3.3: store the id, deliver once, PUBREC every duplicate until PUBREL), and
//! the acknowledgements waiting for `poll_transmit`.

use crate::wire::PacketType;

/// Packet ids of QoS 2 PUBLISHes received and delivered, until their PUBREL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Qos2Ids<const N: usize> {
    ids: [u16; N],
    len: usize,
}

impl<const N: usize> Qos2Ids<N> {
    pub(crate) const fn new() -> Self {
        Self { ids: [0; N], len: 0 }
    }

    /// The ids held, oldest first.
    pub(crate) fn ids(&self) -> &[u16] {
        self.ids.get(..self.len).unwrap_or(&[])
    }

    pub(crate) fn contains(&self, pid: u16) -> bool {
        self.ids.iter().take(self.len).any(|&p| p == pid)
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len >= N
    }

    pub(crate) fn insert(&mut self, pid: u16) -> bool {
        match self.ids.get_mut(self.len) {
            Some(slot) => {
                *slot = pid;
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// Removes `pid`; `false` if it was not there.
    pub(crate) fn remove(&mut self, pid: u16) -> bool {
        let Some(i) = self.ids.iter().take(self.len).position(|&p| p == pid) else { return false };
        self.ids.copy_within(i + 1..self.len, i);
        self.len -= 1;
        true
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }
}

/// An acknowledgement to send: PUBACK, PUBREC or PUBCOMP (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ack {
    pub(crate) kind: PacketType,
    pub(crate) reason: u8,
    pub(crate) pid: u16,
}

/// A FIFO of acknowledgements to send, in the order their packets arrived (`MQTT-4.6.0-2`,
/// `-3`, `-4`: acknowledgements go out in the order the PUBLISHes and PUBRELs came in).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Acks<const N: usize> {
    q: [Ack; N],
    first: usize,
    len: usize,
}

impl<const N: usize> Acks<N> {
    pub(crate) const fn new() -> Self {
        Self { q: [Ack { kind: PacketType::PubAck, reason: 0, pid: 0 }; N], first: 0, len: 0 }
    }

    pub(crate) fn is_full(&self) -> bool {
        self.len >= N
    }

    pub(crate) fn push(&mut self, ack: Ack) -> bool {
        if self.is_full() {
            return false;
        }
        match self.q.get_mut((self.first + self.len) % N.max(1)) {
            Some(s) => *s = ack,
            None => return false,
        }
        self.len += 1;
        true
    }

    pub(crate) fn front(&self) -> Option<Ack> {
        if self.len == 0 {
            return None;
        }
        self.q.get(self.first).copied()
    }

    pub(crate) fn pop(&mut self) {
        if self.len > 0 {
            self.first = (self.first + 1) % N.max(1);
            self.len -= 1;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.len = 0;
        self.first = 0;
    }
}
