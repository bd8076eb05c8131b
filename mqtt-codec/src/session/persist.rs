//! Exporting and importing the session state a broker keeps across connections (5.0 §4.1,
//! 3.1.1 §4.1): the outbound messages queued or in flight, with their packet bytes, and the
//! packet ids of QoS 2 messages received but not yet released.
//!
//! The format is this crate's own, little-endian, versioned by its first five bytes:
//!
//! ```text
//! "MQSS" format(1) | level(1: 4 or 5) | next packet id(2) | next handle(4) | ids(2) | slots(2)
//! ids   x QoS 2 packet id(2)
//! slots x kind(1: QoS 0/1/2) | state(1) | handle(4) | expiry deadline ms(8) | len(4) | PUBLISH(len)
//! ```
//!
//! A slot's state is 0 (queued: not sent yet), 1 (sent, unacknowledged: resent with DUP on
//! resume, `MQTT-4.4.0-1`) or 2 (PUBREC received: PUBREL is resent on resume). Outcomes already
//! known (waiting for `poll_event`) are not session state and are left out. Import checks
//! everything before it changes anything: arbitrary bytes give a [`SessionImportError`], never
//! a panic or a half-imported session.

use super::engine::{Core, OUT_HEADER};
use super::outbound::{Kind, Slot, State};
use super::BufferTooSmall;
use crate::wire::{decode_packet, DecodeOptions, Packet, PropertyId, QosPid, Status, Version};

const MAGIC: &[u8; 4] = b"MQSS";
const FORMAT: u8 = 1;
/// Magic, format, level, next packet id, next handle, id count, slot count.
const HEADER: usize = 4 + 1 + 1 + 2 + 4 + 2 + 2;
/// Kind, state, handle, deadline, length.
const SLOT_HEADER: usize = 1 + 1 + 4 + 8 + 4;

const QUEUED: u8 = 0;
const SENT: u8 = 1;
const RELEASED: u8 = 2;

/// Why `import_session` refused its bytes; nothing was changed.
///
/// ```
/// use mqtt_codec::server::{Config, ServerConnection, SessionImportError};
/// use mqtt_codec::time::Instant;
/// use mqtt_codec::wire::{Connect, Protocol, Version};
/// let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
/// let mut connect = [0u8; 32];
/// let n = Connect::new(Protocol::Mqtt5).encode(Version::V5, &mut connect).unwrap();
/// s.handle_input(Instant::ZERO, &connect[..n]).unwrap();
/// assert_eq!(s.import_session(b"not a session"), Err(SessionImportError::UnknownFormat));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionImportError {
    /// Not an exported session (wrong magic) or a format this version does not read.
    #[error("not an exported session, or an unknown format")]
    UnknownFormat,
    /// The bytes end inside a field.
    #[error("exported session truncated")]
    Truncated,
    /// A field holds a value no export writes (a record that is not a PUBLISH of its QoS, a
    /// packet id used twice or 0, an unknown state, trailing bytes); `offset` is where.
    #[error("invalid exported session at byte {offset}")]
    Invalid {
        /// Byte offset of the field.
        offset: usize,
    },
    /// The session holds messages encoded under the other protocol version than this
    /// connection's.
    #[error("the session was exported under another protocol version")]
    VersionMismatch,
    /// More messages or QoS 2 ids than this connection's `N` slots.
    #[error("more messages than this connection has slots")]
    TooManyMessages,
    /// The outbound part of the store cannot hold the messages.
    #[error("outbound store too small: {required} bytes needed")]
    StoreFull {
        /// Bytes the messages need.
        required: usize,
    },
    /// Not possible now: the connection already has messages of its own, or is past the
    /// point where a session can be resumed (after `accept`).
    #[error("not possible in the current state")]
    InvalidState,
}

/// A slot as the export format sees it.
struct Record<'a> {
    kind: Kind,
    state: u8,
    handle: u32,
    deadline: u64,
    pid: u16,
    packet: &'a [u8],
}

const fn level(v: Version) -> u8 {
    match v {
        Version::V311 => 4,
        Version::V5 => 5,
    }
}

/// A little-endian reader over the exported bytes that reports truncation.
struct Input<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SessionImportError> {
        let end = self.pos.checked_add(n).ok_or(SessionImportError::Truncated)?;
        let b = self.bytes.get(self.pos..end).ok_or(SessionImportError::Truncated)?;
        self.pos = end;
        Ok(b)
    }

    fn array<const K: usize>(&mut self) -> Result<[u8; K], SessionImportError> {
        self.take(K)?.try_into().map_err(|_| SessionImportError::Truncated)
    }

    fn u8(&mut self) -> Result<u8, SessionImportError> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, SessionImportError> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, SessionImportError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, SessionImportError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
}

/// A writer into the caller's buffer (sized beforehand, so writes cannot fail).
struct Output<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl Output<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.pos..self.pos + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self.pos += bytes.len();
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> Core<B, N, A> {
    /// The slots that are session state, in order, as export records.
    fn records(&self) -> impl Iterator<Item = Record<'_>> + '_ {
        (0..self.slots.len()).filter_map(move |i| {
            let s = self.slots.get(i)?;
            let state = match (s.kind, s.state) {
                (Kind::Qos0 | Kind::Qos1 | Kind::Qos2, State::Queued) => QUEUED,
                (Kind::Qos1 | Kind::Qos2, State::AwaitAck) => SENT,
                (Kind::Qos2, State::RelPending | State::AwaitComp) => RELEASED,
                _ => return None,
            };
            let (deadline, packet) = self.record(s.off)?;
            Some(Record { kind: s.kind, state, handle: s.handle, deadline, pid: s.pid(), packet })
        })
    }

    /// Writes the session state into `out` (format in the module docs); returns its length.
    pub(crate) fn export_session(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let ids = self.qos2.ids();
        let (count, bytes) =
            self.records().fold((0usize, 0usize), |(n, b), r| (n + 1, b + SLOT_HEADER + r.packet.len()));
        let required = HEADER + 2 * ids.len() + bytes;
        let buf = out.get_mut(..required).ok_or(BufferTooSmall { required })?;
        let mut o = Output { buf, pos: 0 };
        o.put(MAGIC);
        o.put(&[FORMAT, level(self.version)]);
        o.put(&self.next_pid.to_le_bytes());
        o.put(&self.next_handle.to_le_bytes());
        // At most `N` each, which the import checks again.
        o.put(&(ids.len() as u16).to_le_bytes());
        o.put(&(count as u16).to_le_bytes());
        for id in ids {
            o.put(&id.to_le_bytes());
        }
        for r in self.records() {
            o.put(&[r.kind as u8, r.state]);
            o.put(&r.handle.to_le_bytes());
            o.put(&r.deadline.to_le_bytes());
            o.put(&(r.packet.len() as u32).to_le_bytes());
            o.put(r.packet);
        }
        Ok(required)
    }

    /// Reads a session written by [`export_session`](Self::export_session) into this core,
    /// which must have no messages yet; it resumes when the next session starts with
    /// `session_present` (without it, the messages are reported dropped as usual).
    pub(crate) fn import_session(&mut self, bytes: &[u8]) -> Result<(), SessionImportError> {
        if self.slots.len() > 0 || !self.qos2.ids().is_empty() {
            return Err(SessionImportError::InvalidState);
        }
        // Pass 1: check everything; nothing changes.
        let (next_pid, next_handle, n_ids, n_slots, ids_at) = self.check_import(bytes)?;
        // Pass 2: every check passed, so these cannot fail.
        let mut inp = Input { bytes, pos: ids_at };
        for _ in 0..n_ids {
            let id = inp.u16()?;
            self.qos2.insert(id);
        }
        for _ in 0..n_slots {
            let r = read_record(&mut inp, self.version)?;
            let rec = OUT_HEADER + r.packet.len();
            let at = self.out_ring.push(rec as u32).ok_or(SessionImportError::StoreFull { required: rec })?;
            let start = at as usize;
            if let Some(dst) = self.store.as_mut().get_mut(start..start + rec) {
                let (head, body) = dst.split_at_mut(OUT_HEADER);
                head.copy_from_slice(&r.deadline.to_le_bytes());
                body.copy_from_slice(r.packet);
            }
            let (state, flag) = match r.state {
                QUEUED => (State::Queued, 0),
                SENT => (State::AwaitAck, 1),
                _ => (State::RelPending, 0),
            };
            self.slots.push(Slot {
                kind: r.kind,
                state,
                flag,
                reason: 0,
                handle: r.handle,
                off: at,
                word: u32::from(r.pid),
            });
        }
        self.next_pid = next_pid;
        self.next_handle = next_handle;
        Ok(())
    }

    /// Validates an export for this core: returns the counters, the counts and where the ids
    /// start.
    fn check_import(&self, bytes: &[u8]) -> Result<(u16, u32, usize, usize, usize), SessionImportError> {
        let mut inp = Input { bytes, pos: 0 };
        if inp.take(4)? != MAGIC || inp.u8()? != FORMAT {
            return Err(SessionImportError::UnknownFormat);
        }
        let at = inp.pos;
        let same_version = match inp.u8()? {
            l if l == level(self.version) => true,
            4 | 5 => false,
            _ => return Err(SessionImportError::Invalid { offset: at }),
        };
        let next_pid = inp.u16()?.max(1);
        let next_handle = inp.u32()?.max(1);
        let n_ids = usize::from(inp.u16()?);
        let n_slots = usize::from(inp.u16()?);
        // Only stored packets have a layout: a session without messages fits either version.
        if !same_version && n_slots > 0 {
            return Err(SessionImportError::VersionMismatch);
        }
        if n_ids > N || n_slots > N {
            return Err(SessionImportError::TooManyMessages);
        }
        let ids_at = inp.pos;
        let mut ids = [0u16; N];
        for i in 0..n_ids {
            let at = inp.pos;
            let id = inp.u16()?;
            let seen = ids.get(..i).unwrap_or(&[]);
            if id == 0 || seen.contains(&id) {
                return Err(SessionImportError::Invalid { offset: at });
            }
            if let Some(slot) = ids.get_mut(i) {
                *slot = id;
            }
        }
        let mut pids = [0u16; N];
        let mut required = 0usize;
        for i in 0..n_slots {
            let at = inp.pos;
            let r = read_record(&mut inp, self.version)?;
            let seen = pids.get(..i).unwrap_or(&[]);
            if r.pid != 0 && seen.contains(&r.pid) {
                return Err(SessionImportError::Invalid { offset: at });
            }
            if let Some(slot) = pids.get_mut(i) {
                *slot = r.pid;
            }
            required += OUT_HEADER + r.packet.len();
        }
        if inp.pos != bytes.len() {
            return Err(SessionImportError::Invalid { offset: inp.pos });
        }
        // The outbound ring is empty (no slots), so the records go one after the other.
        if required > self.out_ring.capacity() as usize {
            return Err(SessionImportError::StoreFull { required });
        }
        Ok((next_pid, next_handle, n_ids, n_slots, ids_at))
    }
}

/// Reads and checks one slot record: its packet must be exactly one PUBLISH of the slot's QoS,
/// without a Topic Alias (stored messages carry their topic; aliases are per connection).
fn read_record<'a>(inp: &mut Input<'a>, v: Version) -> Result<Record<'a>, SessionImportError> {
    let at = inp.pos;
    let bad = SessionImportError::Invalid { offset: at };
    let kind = match inp.u8()? {
        0 => Kind::Qos0,
        1 => Kind::Qos1,
        2 => Kind::Qos2,
        _ => return Err(bad),
    };
    let state = inp.u8()?;
    let handle = inp.u32()?;
    let deadline = inp.u64()?;
    let len = inp.u32()? as usize;
    let packet = inp.take(len)?;
    let valid_state = match kind {
        Kind::Qos0 => state == QUEUED,
        Kind::Qos1 => state == QUEUED || state == SENT,
        _ => state <= RELEASED,
    };
    if !valid_state || handle == 0 {
        return Err(bad);
    }
    let Ok(Status::Complete { item: Packet::Publish(p), consumed }) = decode_packet(packet, &DecodeOptions::new(v))
    else {
        return Err(bad);
    };
    if consumed != packet.len() || p.properties.iter().any(|x| x.id() == PropertyId::TopicAlias) {
        return Err(bad);
    }
    let pid = match (kind, p.qos) {
        (Kind::Qos0, QosPid::AtMostOnce) => 0,
        (Kind::Qos1, QosPid::AtLeastOnce(id)) | (Kind::Qos2, QosPid::ExactlyOnce(id)) => id.get(),
        _ => return Err(bad),
    };
    Ok(Record { kind, state, handle, deadline, pid, packet })
}
