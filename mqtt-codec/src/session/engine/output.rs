//! `poll_transmit`: staged packets, acknowledgements, then slots in order (PUBREL, resends,
//! new messages within the peer's Receive Maximum), with topic aliases applied as written.

use super::*;

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> Core<B, N, A> {
    pub(in crate::session) fn record(&self, off: u32) -> Option<(u64, &[u8])> {
        let start = off as usize;
        let store = self.store.as_ref();
        let head: [u8; 8] = store.get(start..start + OUT_HEADER)?.try_into().ok()?;
        let body = store.get(start + OUT_HEADER..)?;
        // The packet's own Remaining Length says where it ends.
        let (rl, n) = remaining_length(body.get(1..)?)?;
        let len = 1 + n + rl;
        Some((u64::from_le_bytes(head), body.get(..len)?))
    }

    /// Writes the next packet the session owes: acknowledgements first, then slots in order.
    pub(crate) fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        self.release();
        if let Some(n) = self.write_staged(buf)? {
            return Ok(Some(n));
        }
        if !self.online {
            return Ok(None);
        }
        if let Some(ack) = self.acks.front() {
            let n = self.write_ack(ack, buf)?;
            self.acks.pop();
            return Ok(Some(n));
        }
        let quota = usize::from(self.peer.receive_maximum).min(N);
        let mut queue_blocked = false;
        for i in 0..self.slots.len() {
            let Some(s) = self.slots.get(i).copied() else { break };
            match s.state {
                State::RelPending => {
                    let ack = Ack { kind: PacketType::PubRel, reason: 0, pid: s.word as u16 };
                    let n = self.write_ack(ack, buf)?;
                    if let Some(s) = self.slots.get_mut(i) {
                        s.state = State::AwaitComp;
                    }
                    return Ok(Some(n));
                }
                State::AwaitAck if s.flag == 1 => {
                    let n = self.write_publish(i, true, buf)?;
                    if n.is_some() {
                        return Ok(n);
                    }
                }
                State::Queued if !queue_blocked => {
                    if let Some((deadline, _)) = self.record(s.off) {
                        if deadline != 0 && now.as_millis() >= deadline {
                            let seq = self.next_seq();
                            if let Some(s) = self.slots.get_mut(i) {
                                s.notify(Outcome::Expired, 0, seq);
                            }
                            continue;
                        }
                    }
                    match s.kind {
                        Kind::Qos1 | Kind::Qos2 if usize::from(self.inflight) >= quota => {
                            // `MQTT-4.9.0-2`: no QoS 1/2 PUBLISH at quota 0; later messages
                            // wait behind it to keep their order.
                            queue_blocked = true;
                        }
                        Kind::Subscribe | Kind::Unsubscribe => {
                            let Some((_, pkt)) = self.record(s.off) else { continue };
                            let n = pkt.len();
                            let dst = buf.get_mut(..n).ok_or(BufferTooSmall { required: n })?;
                            dst.copy_from_slice(pkt);
                            if let Some(s) = self.slots.get_mut(i) {
                                s.state = State::AwaitAck;
                            }
                            return Ok(Some(n));
                        }
                        _ => {
                            let n = self.write_publish(i, false, buf)?;
                            if n.is_some() {
                                return Ok(n);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(None)
    }

    fn write_ack(&self, ack: Ack, buf: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let Some(id) = PacketId::new(ack.pid) else { return Ok(0) };
        let reason = ReasonCode::try_from(ack.reason).unwrap_or(ReasonCode::Success);
        let props = Properties::EMPTY;
        let v = self.version;
        let r = match ack.kind {
            PacketType::PubAck => PubAck { packet_id: id, reason_code: reason, properties: props }.encode(v, buf),
            PacketType::PubRec => PubRec { packet_id: id, reason_code: reason, properties: props }.encode(v, buf),
            PacketType::PubRel => PubRel { packet_id: id, reason_code: reason, properties: props }.encode(v, buf),
            _ => PubComp { packet_id: id, reason_code: reason, properties: props }.encode(v, buf),
        };
        r.map_err(|e| match e {
            EncodeError::BufferTooSmall { required } => BufferTooSmall { required },
            _ => BufferTooSmall { required: 0 },
        })
    }

    /// Writes slot `i`'s PUBLISH (with DUP when resending, with a topic alias when the peer
    /// takes them). `Ok(None)` when the slot was dropped instead (too large for the peer).
    fn write_publish(&mut self, i: usize, dup: bool, buf: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        let Some(s) = self.slots.get(i).copied() else { return Ok(None) };
        let Some((_, pkt)) = self.record(s.off) else { return Ok(None) };
        let max = self.peer.maximum_packet_size as usize;
        // Topic alias plan (5.0 §3.3.2.3.4), decided before anything changes; only 5.0 peers
        // that take aliases cost a decode of the stored packet.
        let alias_max = usize::from(self.peer.topic_alias_maximum).min(A);
        let (written, topic_len) = if self.version == Version::V5 && alias_max > 0 {
            self.write_aliased(pkt, dup, alias_max, max, buf)?
        } else {
            (None, 0)
        };
        let (n, new_alias) = match written {
            Some(w) => w,
            None => {
                if pkt.len() > max {
                    let seq = self.next_seq();
                    if let Some(s) = self.slots.get_mut(i) {
                        s.notify(Outcome::TooLarge, 0, seq);
                    }
                    return Ok(None);
                }
                let dst = buf.get_mut(..pkt.len()).ok_or(BufferTooSmall { required: pkt.len() })?;
                dst.copy_from_slice(pkt);
                if let (true, Some(first)) = (dup, dst.first_mut()) {
                    *first |= 0x08; // DUP (5.0 §3.3.1.1)
                }
                (pkt.len(), None)
            }
        };
        if let Some(alias) = new_alias {
            // Record the mapping: the topic is in the stored packet, below the alias region.
            let topic_at = s.off as usize + OUT_HEADER + topic_offset(pkt);
            let split = (self.alias_base as usize).min(self.store.as_ref().len());
            let (lo, hi) = self.store.as_mut().split_at_mut(split);
            let region_len = (self.control_base as usize) - split;
            if let (Some(topic), Some(region)) = (lo.get(topic_at..topic_at + topic_len), hi.get_mut(..region_len)) {
                self.aliases.set(region, Dir::Out, alias, topic);
            }
        }
        let seq = (s.kind == Kind::Qos0).then(|| self.next_seq());
        if let Some(s) = self.slots.get_mut(i) {
            match s.kind {
                Kind::Qos0 => s.notify(Outcome::Sent, 0, seq.unwrap_or(0)),
                _ => {
                    if s.state == State::Queued {
                        self.inflight += 1;
                    }
                    s.state = State::AwaitAck;
                    s.flag = 0;
                }
            }
        }
        Ok(Some(n))
    }

    /// Writes the stored PUBLISH `pkt` with a topic alias when one is set or can be assigned;
    /// returns what was written (length and a newly assigned alias) and the topic's length.
    #[allow(clippy::type_complexity)]
    fn write_aliased(
        &self,
        pkt: &[u8],
        dup: bool,
        alias_max: usize,
        max: usize,
        buf: &mut [u8],
    ) -> Result<(Option<(usize, Option<u16>)>, usize), BufferTooSmall> {
        let opts = DecodeOptions::new(self.version);
        let Ok(Status::Complete { item: Packet::Publish(p), .. }) = decode_packet(pkt, &opts) else {
            return Ok((None, 0));
        };
        let region = self.store.as_ref().get((self.alias_base as usize)..(self.control_base as usize)).unwrap_or(&[]);
        let plan = if p.properties.len() < MAX_REWRITE_PROPERTIES {
            match self.aliases.find_topic(region, p.topic.as_str().as_bytes()) {
                Some(a) => Some((a, false)),
                None if self.aliases.len(Dir::Out) < alias_max => Some(((self.aliases.len(Dir::Out) + 1) as u16, true)),
                None => None,
            }
        } else {
            None
        };
        let mut props = [Property::TopicAlias(1); MAX_REWRITE_PROPERTIES];
        let mut written = None;
        if let Some((alias, new)) = plan {
            let mut n = 0;
            if let Some(first) = props.get_mut(0) {
                *first = Property::TopicAlias(alias);
                n = 1;
            }
            for (dst, src) in props.iter_mut().skip(1).zip(p.properties.iter()) {
                *dst = src;
                n += 1;
            }
            let aliased = Publish {
                dup,
                topic: if new { p.topic } else { TopicName::alias_only() },
                properties: List::new(props.get(..n).unwrap_or(&[])),
                ..p
            };
            let size = aliased.encoded_len(self.version);
            if size <= max {
                let dst = buf.get_mut(..size).ok_or(BufferTooSmall { required: size })?;
                if let Ok(n) = aliased.encode(self.version, dst) {
                    written = Some((n, new.then_some(alias)));
                }
            }
        }
        Ok((written, p.topic.as_str().len()))
    }

    /// The earliest Message Expiry deadline of a message still queued.
    pub(crate) fn next_expiry(&self) -> Option<Instant> {
        (0..self.slots.len())
            .filter_map(|i| self.slots.get(i))
            .filter(|s| s.state == State::Queued)
            .filter_map(|s| self.record(s.off))
            .filter(|(d, _)| *d != 0)
            .map(|(d, _)| Instant::from_millis(d))
            .min()
    }
}

/// The Remaining Length at the front of `b` and its size, for packets this machine encoded.
fn remaining_length(b: &[u8]) -> Option<(usize, usize)> {
    match crate::wire::varint::read(b) {
        Ok(crate::wire::varint::VarInt::Done(v, n)) => Some((v as usize, n)),
        _ => None,
    }
}

/// Offset of the topic bytes in an encoded PUBLISH (after the fixed header and the 2-byte
/// length).
fn topic_offset(pkt: &[u8]) -> usize {
    let n = pkt.get(1..).and_then(remaining_length).map_or(1, |(_, n)| n);
    1 + n + 2
}
