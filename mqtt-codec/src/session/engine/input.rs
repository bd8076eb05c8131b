//! Received packets of the QoS flows: PUBLISH (aliases, QoS 2 receiver), the acknowledgements
//! of what we sent, SUBACK and UNSUBACK; and the events they queue.

use super::*;

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> Core<B, N, A> {
    /// Queues an event carrying `parts` (concatenated into the inbound ring). `false` when
    /// there is no room now.
    pub(crate) fn push_event(&mut self, kind: EventKind, code: u8, parts: &[&[u8]], aux: u16) -> bool {
        if self.events.is_full() {
            return false;
        }
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let off = if len == 0 {
            0
        } else {
            let Some(at) = self.in_ring.find(len as u32) else { return false };
            let mut pos = (self.in_base as usize) + at as usize;
            for part in parts {
                let Some(dst) = self.store.as_mut().get_mut(pos..pos + part.len()) else { return false };
                dst.copy_from_slice(part);
                pos += part.len();
            }
            self.in_ring.push(len as u32);
            at
        };
        let seq = self.next_seq();
        self.events.push(EventRec { kind, code, aux, seq, off, len: len as u32 })
    }

    /// Room for an event with `len` bytes.
    fn event_room(&self, len: usize) -> bool {
        !self.events.is_full() && (len == 0 || self.in_ring.find(len as u32).is_some())
    }

    fn protocol_error(reason: ReasonCode, rule: &'static str) -> CloseReason {
        CloseReason::ProtocolError { reason, rule }
    }

    /// Handles a packet of the QoS flows; `raw` is its bytes. Other packets are the caller's.
    pub(crate) fn handle_packet(&mut self, packet: &Packet<'_>, raw: &[u8]) -> Result<Flow, CloseReason> {
        match packet {
            Packet::Publish(p) => self.on_publish(p, raw),
            Packet::PubAck(a) => {
                self.complete(a.packet_id, Kind::Qos1, &[State::AwaitAck], a.reason_code);
                Ok(Flow::Taken)
            }
            Packet::PubRec(r) => self.on_pubrec(r.packet_id, r.reason_code),
            Packet::PubRel(r) => {
                if self.acks.is_full() {
                    return Ok(Flow::Blocked);
                }
                // 5.0 §4.3.3: PUBCOMP either way; 0x92 when the id was not held (5.0 only).
                let known = self.qos2.remove(r.packet_id.get());
                let reason = if known || self.version == Version::V311 {
                    ReasonCode::Success
                } else {
                    ReasonCode::PacketIdentifierNotFound
                };
                self.acks.push(Ack { kind: PacketType::PubComp, reason: reason.value(), pid: r.packet_id.get() });
                Ok(Flow::Taken)
            }
            Packet::PubComp(c) => {
                self.complete(c.packet_id, Kind::Qos2, &[State::AwaitComp, State::RelPending], c.reason_code);
                Ok(Flow::Taken)
            }
            Packet::SubAck(s) => self.on_request_ack(s.packet_id, Kind::Subscribe, EventKind::Subscribed, raw),
            Packet::UnsubAck(u) => self.on_request_ack(u.packet_id, Kind::Unsubscribe, EventKind::Unsubscribed, raw),
            _ => Ok(Flow::Taken),
        }
    }

    /// A new QoS 1/2 message may not take the peer past the Receive Maximum we announced, nor
    /// past the QoS 2 table (`MQTT-3.3.4-9`: the receiver closes with 0x93). Unacknowledged:
    /// QoS 2 ids held until PUBREL, and PUBACKs not yet written.
    fn check_receive_maximum(&self) -> Result<(), CloseReason> {
        let unacked = self.qos2.ids().len() + self.acks.iter().filter(|a| a.kind == PacketType::PubAck).count();
        if unacked >= usize::from(self.own_receive_max) {
            return Err(Self::protocol_error(ReasonCode::ReceiveMaximumExceeded, "MQTT-3.3.4-9"));
        }
        if self.qos2.is_full() {
            // 3.1.1 has no Receive Maximum to tell the peer the table's size (`N`): more QoS 2
            // messages awaiting PUBREL than it holds cannot be received exactly once.
            return Err(Self::protocol_error(
                ReasonCode::ReceiveMaximumExceeded,
                "3.1.1: more QoS 2 messages awaiting PUBREL than the connection's N",
            ));
        }
        Ok(())
    }

    fn on_publish(&mut self, p: &Publish<'_>, raw: &[u8]) -> Result<Flow, CloseReason> {
        // Topic alias (5.0 §3.3.2.3.4): 1..=the maximum we announced (`MQTT-3.3.2-8`, `-9`,
        // `-10`); an empty topic uses a mapping set earlier on this connection.
        let mut resolved: Option<(usize, usize)> = None;
        let alias = p.properties.topic_alias();
        if let Some(a) = alias {
            if a == 0 || a > self.own_alias_max {
                return Err(Self::protocol_error(ReasonCode::TopicAliasInvalid, "MQTT-3.3.2-10"));
            }
            if p.topic.is_empty() {
                match self.aliases.lookup(Dir::In, a) {
                    Some(found) => resolved = Some(found),
                    None => return Err(Self::protocol_error(ReasonCode::ProtocolError, "5.0 §3.3.2.3.4")),
                }
            }
        }
        let extra = resolved.map_or(0, |(_, len)| len);
        // A new retained message the application cannot keep (5.0): refused with its code
        // (PUBACK, or PUBREC, which ends the exchange: 5.0 §4.3.3, `MQTT-4.4.0-2`), not
        // delivered; a duplicate of a QoS 2 message already taken goes on as usual.
        let refusable = self.version == Version::V5 && p.retain && !p.payload.is_empty();
        if let (Some(code), true) = (self.retain_refusal, refusable) {
            let refused = match p.qos {
                QosPid::AtMostOnce => None,
                QosPid::AtLeastOnce(id) => Some(Ack { kind: PacketType::PubAck, reason: code.value(), pid: id.get() }),
                QosPid::ExactlyOnce(id) if !self.qos2.contains(id.get()) => {
                    Some(Ack { kind: PacketType::PubRec, reason: code.value(), pid: id.get() })
                }
                QosPid::ExactlyOnce(_) => None,
            };
            if let Some(ack) = refused {
                if self.acks.is_full() {
                    return Ok(Flow::Blocked);
                }
                // The alias this PUBLISH sets holds even though the message is refused: the
                // sender uses it next (5.0 §3.3.2.3.4).
                if let (Some(a), false) = (alias, p.topic.is_empty()) {
                    if !self.set_inbound_alias(a, p.topic.as_str().as_bytes()) {
                        return Err(Self::protocol_error(ReasonCode::ImplementationSpecificError, "alias store full"));
                    }
                }
                self.acks.push(ack);
                return Ok(Flow::Taken);
            }
        }
        let needs_event;
        match p.qos {
            QosPid::AtMostOnce => needs_event = true,
            QosPid::AtLeastOnce(_) => {
                if self.acks.is_full() {
                    return Ok(Flow::Blocked);
                }
                self.check_receive_maximum()?;
                needs_event = true;
            }
            QosPid::ExactlyOnce(id) => {
                if self.acks.is_full() {
                    return Ok(Flow::Blocked);
                }
                // `MQTT-4.3.3-10 (5.0)`: a duplicate before PUBREL gets PUBREC, not a second
                // delivery.
                needs_event = !self.qos2.contains(id.get());
                if needs_event {
                    self.check_receive_maximum()?;
                }
            }
        }
        if needs_event && !self.event_room(raw.len() + extra) {
            if raw.len() + extra > self.inbound_capacity() {
                return Err(Self::protocol_error(ReasonCode::PacketTooLarge, "5.0 §3.1.2.11.4"));
            }
            return Ok(Flow::Blocked);
        }
        // Everything fits: from here on nothing fails.
        if let (Some(a), false) = (alias, p.topic.is_empty()) {
            if !self.set_inbound_alias(a, p.topic.as_str().as_bytes()) {
                return Err(Self::protocol_error(ReasonCode::ImplementationSpecificError, "alias store full"));
            }
        }
        if needs_event && !self.push_message(raw, resolved) {
            return Ok(Flow::Blocked);
        }
        match p.qos {
            QosPid::AtMostOnce => {}
            QosPid::AtLeastOnce(id) => {
                self.acks.push(Ack { kind: PacketType::PubAck, reason: 0, pid: id.get() });
            }
            QosPid::ExactlyOnce(id) => {
                if needs_event {
                    self.qos2.insert(id.get());
                }
                self.acks.push(Ack { kind: PacketType::PubRec, reason: 0, pid: id.get() });
            }
        }
        Ok(Flow::Taken)
    }

    /// Queues a MessageReceived event: the packet, then the resolved topic (copied from the
    /// alias region) when it came by alias.
    fn push_message(&mut self, raw: &[u8], resolved: Option<(usize, usize)>) -> bool {
        let Some((off, len)) = resolved else { return self.push_event(EventKind::MessageReceived, 0, &[raw], 0) };
        let total = raw.len() + len;
        if self.events.is_full() {
            return false;
        }
        let Some(at) = self.in_ring.find(total as u32) else { return false };
        let pos = (self.in_base as usize) + at as usize;
        let split = (self.alias_base as usize).min(self.store.as_ref().len());
        let (lo, hi) = self.store.as_mut().split_at_mut(split);
        let (Some(dst), Some(topic)) = (lo.get_mut(pos..pos + total), hi.get(off..off + len)) else { return false };
        let (d1, d2) = dst.split_at_mut(raw.len());
        d1.copy_from_slice(raw);
        d2.copy_from_slice(topic);
        self.in_ring.push(total as u32);
        let seq = self.next_seq();
        self.events.push(EventRec {
            kind: EventKind::MessageReceived,
            code: 0,
            aux: len as u16,
            seq,
            off: at,
            len: total as u32,
        })
    }

    fn set_inbound_alias(&mut self, alias: u16, topic: &[u8]) -> bool {
        let (start, end) = ((self.alias_base as usize), (self.control_base as usize));
        let Some(region) = self.store.as_mut().get_mut(start..end) else { return false };
        self.aliases.set(region, Dir::In, alias, topic)
    }

    fn on_pubrec(&mut self, id: PacketId, reason: ReasonCode) -> Result<Flow, CloseReason> {
        let found = self.slots.find_pid(id.get(), &[Kind::Qos2]);
        match found.and_then(|i| self.slots.get(i).map(|s| (i, s.state))) {
            Some((i, State::AwaitAck)) if reason.is_error() => {
                // `MQTT-4.4.0-2`: an error PUBREC ends the exchange; the quota unit returns.
                let seq = self.next_seq();
                if let Some(s) = self.slots.get_mut(i) {
                    s.notify(Outcome::Refused, reason.value(), seq);
                }
                self.inflight = self.inflight.saturating_sub(1);
            }
            Some((i, State::AwaitAck | State::RelPending | State::AwaitComp)) => {
                if let Some(s) = self.slots.get_mut(i) {
                    s.state = State::RelPending;
                    s.flag = 0;
                }
            }
            _ => {
                // Not ours: 5.0 answers PUBREL with Packet Identifier not found (§3.6.2.1).
                if self.acks.is_full() {
                    return Ok(Flow::Blocked);
                }
                let code = if self.version == Version::V5 {
                    ReasonCode::PacketIdentifierNotFound
                } else {
                    ReasonCode::Success
                };
                self.acks.push(Ack { kind: PacketType::PubRel, reason: code.value(), pid: id.get() });
            }
        }
        Ok(Flow::Taken)
    }

    fn complete(&mut self, id: PacketId, kind: Kind, states: &[State], reason: ReasonCode) {
        let Some(i) = self.slots.find_pid(id.get(), &[kind]) else { return };
        if !self.slots.get(i).is_some_and(|s| states.contains(&s.state)) {
            return;
        }
        let seq = self.next_seq();
        let outcome = if reason.is_error() && kind == Kind::Qos1 { Outcome::Refused } else { Outcome::Acknowledged };
        if let Some(s) = self.slots.get_mut(i) {
            s.notify(outcome, reason.value(), seq);
        }
        self.inflight = self.inflight.saturating_sub(1);
    }

    fn on_request_ack(&mut self, id: PacketId, kind: Kind, ev: EventKind, raw: &[u8]) -> Result<Flow, CloseReason> {
        let Some(i) = self.slots.find_pid(id.get(), &[kind]) else { return Ok(Flow::Taken) };
        if !self.slots.get(i).is_some_and(|s| s.state == State::AwaitAck) {
            return Ok(Flow::Taken);
        }
        if !self.push_event(ev, 0, &[raw], 0) {
            return Ok(Flow::Blocked);
        }
        if let Some(s) = self.slots.get_mut(i) {
            s.state = State::Done;
        }
        self.pop_done();
        Ok(Flow::Taken)
    }

    /// Frees finished slots at the front, and their outbound records.
    pub(super) fn pop_done(&mut self) {
        while self.slots.get(0).is_some_and(|s| s.state == State::Done) {
            self.slots.pop();
            self.out_ring.pop(self.slots.get(0).map(|s| s.off));
        }
    }
}
