//! `poll_event`: the oldest of the queued events and the slots' outcomes, decoded again from
//! the stored bytes.

use super::*;

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> Core<B, N, A> {
    pub(crate) fn poll_event(&mut self) -> Option<Event<'_>> {
        self.release();
        // The oldest of: the queue's front, the slot outcome with the lowest sequence number.
        let base = self.seq;
        let age = |seq: u32| base.wrapping_sub(seq);
        let slot = (0..self.slots.len())
            .filter_map(|i| self.slots.get(i).map(|s| (i, *s)))
            .filter(|(_, s)| s.state == State::Notify)
            .max_by_key(|(_, s)| age(s.word));
        let front = self.events.front();
        let take_slot = match (slot, front) {
            (Some((_, s)), Some(r)) => age(s.word) > age(r.seq),
            (Some(_), None) => true,
            _ => false,
        };
        if take_slot {
            let (i, s) = slot?;
            if let Some(m) = self.slots.get_mut(i) {
                m.state = State::Done;
            }
            self.pop_done();
            let handle = PublishHandle(s.handle);
            let reason = ReasonCode::try_from(s.reason).unwrap_or(ReasonCode::Success);
            return Some(match Outcome::from_u8(s.flag) {
                Outcome::Acknowledged => Event::PublishAcknowledged { handle, reason },
                Outcome::Sent => Event::PublishSent { handle },
                Outcome::Refused => Event::PublishDropped { handle, reason: DropReason::Refused(reason) },
                Outcome::SessionLost => Event::PublishDropped { handle, reason: DropReason::SessionLost },
                Outcome::TooLarge => Event::PublishDropped { handle, reason: DropReason::PacketTooLarge },
                Outcome::Expired => Event::PublishDropped { handle, reason: DropReason::Expired },
                Outcome::RequestDropped => {
                    let packet_id = PacketId::new(s.handle as u16)?;
                    Event::RequestDropped { packet_id }
                }
            });
        }
        let rec = front?;
        self.events.pop();
        self.release_pending = rec.len > 0;
        let start = (self.in_base as usize) + rec.off as usize;
        let bytes = self.store.as_ref().get(start..start + rec.len as usize).unwrap_or(&[]);
        build_event(rec, bytes, &self.decode_opts, self.close_reason)
    }
}

/// Turns a queued record and its bytes back into an [`Event`].
fn build_event<'a>(rec: EventRec, bytes: &'a [u8], opts: &DecodeOptions, close: CloseReason) -> Option<Event<'a>> {
    let decode = |b: &'a [u8]| match decode_packet(b, opts) {
        Ok(Status::Complete { item, .. }) => Some(item),
        _ => None,
    };
    Some(match rec.kind {
        EventKind::Connected => {
            let properties = match decode(bytes) {
                Some(Packet::ConnAck(c)) => c.properties,
                _ => Properties::EMPTY,
            };
            Event::Connected { session_present: rec.code != 0, properties }
        }
        EventKind::MessageReceived => {
            let topic_len = usize::from(rec.aux);
            let (pkt, topic) = bytes.split_at_checked(bytes.len().checked_sub(topic_len)?)?;
            let Packet::Publish(mut p) = decode(pkt)? else { return None };
            if topic_len > 0 {
                p.topic = TopicName::from_wire(topic).ok()?;
            }
            Event::MessageReceived(p)
        }
        EventKind::ConnectReceived => match decode(bytes)? {
            Packet::Connect(c) => Event::ConnectReceived(c),
            _ => return None,
        },
        EventKind::Subscribed => match decode(bytes)? {
            Packet::SubAck(s) => Event::Subscribed { packet_id: s.packet_id, reason_codes: s.reason_codes },
            _ => return None,
        },
        EventKind::Unsubscribed => match decode(bytes)? {
            Packet::UnsubAck(u) => Event::Unsubscribed { packet_id: u.packet_id, reason_codes: u.reason_codes },
            _ => return None,
        },
        EventKind::SubscribeReceived => match decode(bytes)? {
            Packet::Subscribe(s) => Event::SubscribeReceived(s),
            _ => return None,
        },
        EventKind::UnsubscribeReceived => match decode(bytes)? {
            Packet::Unsubscribe(u) => Event::UnsubscribeReceived(u),
            _ => return None,
        },
        EventKind::AuthReceived => match decode(bytes)? {
            Packet::Auth(a) => Event::AuthReceived(a),
            _ => return None,
        },
        EventKind::Closed => {
            let properties = match bytes.is_empty() {
                true => Properties::EMPTY,
                false => match decode(bytes) {
                    Some(Packet::Disconnect(d)) => d.properties,
                    Some(Packet::ConnAck(c)) => c.properties,
                    _ => Properties::EMPTY,
                },
            };
            Event::Closed { reason: close, properties }
        }
    })
}
