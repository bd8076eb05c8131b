//! The receiving side of the QoS flows: the packet ids of QoS 2 messages received but not yet
//! released (5.0 §4.3.3: store the id, deliver once, PUBREC every duplicate until PUBREL), and
//! the acknowledgements waiting for `poll_transmit`.

use super::fifo::Fifo;
use crate::wire::PacketType;

/// Packet ids of QoS 2 PUBLISHes received and delivered, until their PUBREL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Qos2Ids<const N: usize> {
    ids: [u16; N],
    len: u16,
}

impl<const N: usize> Qos2Ids<N> {
    pub(crate) const fn new() -> Self {
        Self { ids: [0; N], len: 0 }
    }

    /// The ids held, oldest first.
    pub(crate) fn ids(&self) -> &[u16] {
        self.ids.get(..usize::from(self.len)).unwrap_or(&[])
    }

    pub(crate) fn contains(&self, pid: u16) -> bool {
        self.ids().contains(&pid)
    }

    pub(crate) fn is_full(&self) -> bool {
        usize::from(self.len) >= N
    }

    pub(crate) fn insert(&mut self, pid: u16) -> bool {
        match self.ids.get_mut(usize::from(self.len)) {
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
        let Some(i) = self.ids().iter().position(|&p| p == pid) else { return false };
        self.ids.copy_within(i + 1..usize::from(self.len), i);
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
pub(crate) type Acks<const N: usize> = Fifo<Ack, N>;

/// An empty acknowledgement queue.
pub(crate) const fn acks<const N: usize>() -> Acks<N> {
    Fifo::new(Ack { kind: PacketType::PubAck, reason: 0, pid: 0 })
}
