//! The outbound window: one [`Slot`] (16 bytes) per message or request given to the machine, in
//! the order given, from `publish`/`subscribe` until the application has polled its outcome.
//! The packet bytes sit in the outbound [`super::ring::Ring`]; a slot keeps their offset.

use super::fifo::Fifo;

/// What a slot carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kind {
    Qos0 = 0,
    Qos1 = 1,
    Qos2 = 2,
    Subscribe = 3,
    Unsubscribe = 4,
}

/// Where a slot is in its exchange (5.0 §4.3; 3.1.1 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum State {
    /// Not sent on this connection yet.
    Queued,
    /// Sent; waiting for PUBACK (QoS 1), PUBREC (QoS 2), SUBACK or UNSUBACK.
    AwaitAck,
    /// PUBREC received; PUBREL to send.
    RelPending,
    /// PUBREL sent; waiting for PUBCOMP.
    AwaitComp,
    /// The outcome is known and waits for `poll_event` (`code` says which).
    Notify,
    /// Finished; freed when it reaches the front.
    Done,
}

/// The outcome a [`State::Notify`] slot reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Outcome {
    Acknowledged = 0,
    Sent = 1,
    Refused = 2,
    SessionLost = 3,
    TooLarge = 4,
    Expired = 5,
    RequestDropped = 6,
}

impl Outcome {
    pub(crate) const fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Acknowledged,
            1 => Self::Sent,
            2 => Self::Refused,
            3 => Self::SessionLost,
            4 => Self::TooLarge,
            5 => Self::Expired,
            _ => Self::RequestDropped,
        }
    }
}

/// One message or request: 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) kind: Kind,
    pub(crate) state: State,
    /// Before [`State::Notify`]: resend with DUP on the next transmit (after a resume). With
    /// it: the [`Outcome`].
    pub(crate) flag: u8,
    /// With [`State::Notify`]: the reason code to report.
    pub(crate) reason: u8,
    /// The publish handle; for SUBSCRIBE/UNSUBSCRIBE the packet id.
    pub(crate) handle: u32,
    /// The record in the outbound ring.
    pub(crate) off: u32,
    /// Before [`State::Notify`]: the packet id (0 for QoS 0). With it: the event sequence
    /// number, which orders it among the other events.
    pub(crate) word: u32,
}

impl Slot {
    pub(crate) const EMPTY: Self =
        Self { kind: Kind::Qos0, state: State::Done, flag: 0, reason: 0, handle: 0, off: 0, word: 0 };

    /// The packet id while the exchange is live.
    pub(crate) fn pid(&self) -> u16 {
        if self.holds_pid() {
            self.word as u16
        } else {
            0
        }
    }

    /// A QoS 1/2 publish that holds a unit of the peer's Receive Maximum (5.0 §4.9).
    pub(crate) fn holds_quota(&self) -> bool {
        matches!(self.kind, Kind::Qos1 | Kind::Qos2)
            && matches!(self.state, State::AwaitAck | State::RelPending | State::AwaitComp)
    }

    /// Whether the slot holds its packet id (not reusable, `MQTT-2.2.1-3`).
    pub(crate) fn holds_pid(&self) -> bool {
        self.kind != Kind::Qos0 && !matches!(self.state, State::Notify | State::Done)
    }

    /// Reports `outcome` with `reason` at event number `seq`.
    pub(crate) fn notify(&mut self, outcome: Outcome, reason: u8, seq: u32) {
        self.state = State::Notify;
        self.flag = outcome as u8;
        self.reason = reason;
        self.word = seq;
    }
}

/// The FIFO of slots, in the order given.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slots<const N: usize>(Fifo<Slot, N>);

impl<const N: usize> Slots<N> {
    pub(crate) const fn new() -> Self {
        Self(Fifo::new(Slot::EMPTY))
    }

    pub(crate) const fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) const fn is_full(&self) -> bool {
        self.0.is_full()
    }

    /// The `i`-th slot from the front.
    pub(crate) fn get(&self, i: usize) -> Option<&Slot> {
        self.0.get(i)
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut Slot> {
        self.0.get_mut(i)
    }

    pub(crate) fn push(&mut self, slot: Slot) -> bool {
        self.0.push(slot)
    }

    /// Removes the front slot.
    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }

    /// The index of the slot holding `pid` in a live exchange of one of `kinds`.
    pub(crate) fn find_pid(&self, pid: u16, kinds: &[Kind]) -> Option<usize> {
        self.0.iter().position(|s| s.pid() == pid && pid != 0 && kinds.contains(&s.kind))
    }

    pub(crate) fn pid_in_use(&self, pid: u16) -> bool {
        self.0.iter().any(|s| s.pid() == pid)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_slot_is_16_bytes() {
        assert_eq!(size_of::<super::Slot>(), 16);
    }
}
