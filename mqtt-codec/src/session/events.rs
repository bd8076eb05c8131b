//! The queue of events that carry received packets: a record per event (16 bytes) and the
//! packet's bytes in the inbound ring, decoded again (zero-copy) when the application polls it.

use super::fifo::Fifo;

/// What a queued event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum EventKind {
    /// CONNACK Success; `code` is Session Present.
    Connected,
    /// The raw CONNECT.
    ConnectReceived,
    /// The raw PUBLISH, then `aux` bytes of resolved topic (0: the packet's own topic).
    MessageReceived,
    /// The raw SUBACK.
    Subscribed,
    /// The raw UNSUBACK.
    Unsubscribed,
    /// The raw SUBSCRIBE.
    SubscribeReceived,
    /// The raw UNSUBSCRIBE.
    UnsubscribeReceived,
    /// The raw AUTH.
    AuthReceived,
    /// The connection is over; the raw DISCONNECT or CONNACK if the peer sent one.
    Closed,
}

/// One queued event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EventRec {
    pub(crate) kind: EventKind,
    pub(crate) code: u8,
    /// MessageReceived: resolved topic length.
    pub(crate) aux: u16,
    /// Sequence number (orders against slot outcomes).
    pub(crate) seq: u32,
    /// Offset of the bytes in the inbound ring (`len == 0`: none).
    pub(crate) off: u32,
    pub(crate) len: u32,
}

/// A FIFO of event records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EventQueue<const N: usize>(Fifo<EventRec, N>);

impl<const N: usize> EventQueue<N> {
    pub(crate) const fn new() -> Self {
        Self(Fifo::new(EventRec { kind: EventKind::Connected, code: 0, aux: 0, seq: 0, off: 0, len: 0 }))
    }

    pub(crate) const fn is_full(&self) -> bool {
        self.0.is_full()
    }

    pub(crate) fn push(&mut self, rec: EventRec) -> bool {
        self.0.push(rec)
    }

    pub(crate) fn front(&self) -> Option<EventRec> {
        self.0.front()
    }

    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }

    /// The ring offset of the first queued record that has bytes (the new ring head once the
    /// current one is freed).
    pub(crate) fn first_with_bytes(&self) -> Option<u32> {
        self.0.iter().find(|r| r.len > 0).map(|r| r.off)
    }
}
