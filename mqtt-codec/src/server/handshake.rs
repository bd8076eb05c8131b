//! The CONNECT/CONNACK handshake: reading the CONNECT (version, limits, keep alive, will),
//! answering an unsupported protocol level, and the application's `accept` or `reject`.

use super::will::WillState;
use super::{CloseReason, CommandError, ServerConnection, State};
use crate::session::{EventKind, Flow, PeerLimits};
use crate::time::Instant;
use crate::wire::{
    ConnAck, Connect, DecodeError, List, Malformed, PacketType, Property, PropertyId, Qos, ReasonCode, Version,
};

/// Properties a CONNACK can carry after the server adds its own three.
const MAX_CONNACK_PROPERTIES: usize = 32;

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> ServerConnection<B, N, A> {
    /// The CONNECT: it decides the version and brings the client's limits and will.
    pub(super) fn on_connect(&mut self, now: Instant, c: &Connect<'_>, raw: &[u8]) -> Result<Flow, CloseReason> {
        // 3.1 and 3.1.1 use one layout, 5.0 the other; every later packet follows it.
        let v = c.protocol.version();
        self.core.set_version(v);
        self.client = match v {
            Version::V5 => PeerLimits::from_properties(&c.properties),
            // 3.1.1 has no Receive Maximum: send at most `v311_window` QoS 1/2 messages
            // unacknowledged, which clients that keep a fixed table (ours: N) can take.
            Version::V311 => PeerLimits { receive_maximum: self.config.v311_window, ..PeerLimits::DEFAULT },
        };
        self.keep_alive = c.keep_alive;
        self.clean_start = c.clean_start;
        self.session_expiry = self.client.session_expiry_interval.unwrap_or(0);
        if let Some(w) = &c.will {
            if !self.store_will(w) {
                // The will does not fit `Config::will_bytes`: refused. 5.0 says so with
                // CONNACK 0x95 Packet too large; 3.1.1 has no such return code and just closes.
                if v == Version::V5 {
                    let _ = self.stage_connack(ReasonCode::PacketTooLarge, v);
                }
                let reason = CloseReason::Refused(ReasonCode::PacketTooLarge);
                self.close(now, reason, &[], false);
                return Err(reason);
            }
        }
        if !self.core.push_event(EventKind::ConnectReceived, 0, &[raw], 0) {
            // Read again once events are polled; the steps above give the same result then.
            return Ok(Flow::Blocked);
        }
        self.state = State::ConnectReceived;
        Ok(Flow::Taken)
    }

    /// A malformed packet. A CONNECT with an unsupported protocol level is answered first
    /// (`MQTT-3.1.2-2`): levels above 5 with the 5.0 CONNACK 0x84 Unsupported Protocol Version,
    /// the others (an older client) with the 3.1.1 return code 1.
    pub(super) fn malformed(&mut self, now: Instant, e: DecodeError) -> CloseReason {
        let reason = CloseReason::Malformed(e);
        if let (State::AwaitConnect { .. }, Malformed::UnsupportedProtocolLevel(level)) = (self.state, e.kind) {
            let v = if level > 5 { Version::V5 } else { Version::V311 };
            let _ = self.stage_connack(ReasonCode::UnsupportedProtocolVersion, v);
            self.close(now, reason, &[], false);
            return reason;
        }
        self.fail(now, reason)
    }

    /// Stages a CONNACK without properties and Session Present 0.
    pub(super) fn stage_connack(&mut self, code: ReasonCode, v: Version) -> Result<(), CommandError> {
        let ack = ConnAck::new(code);
        self.core.stage(ack.encoded_len(v), |out| ack.encode(v, out))
    }

    /// Accepts the CONNECT of [`Event::ConnectReceived`](super::Event::ConnectReceived):
    /// queues CONNACK Success and starts the session. 5.0 adds the server's Receive Maximum,
    /// Maximum Packet Size and Topic Alias Maximum (replacing any in `properties`); the
    /// application may add Assigned Client Identifier, Server Keep Alive (then enforced instead
    /// of the client's, 5.0 §3.2.2.3.14), Maximum QoS and Retain Available (then enforced on
    /// the client's PUBLISHes), Session Expiry Interval, Response Information, and so on.
    /// With `session_present`, messages imported with
    /// [`import_session`](Self::import_session) resume (5.0 §4.4).
    ///
    /// Spec: 5.0 §3.2; 3.1.1 §3.2.
    ///
    /// # Errors
    /// [`CommandError::InvalidState`] unless a CONNECT waits for an answer, or for
    /// `session_present` with a clean start (`MQTT-3.2.2-2 (5.0)`, `MQTT-3.2.2-1 (3.1.1)`);
    /// [`CommandError::NotSupported`] when the will's QoS or RETAIN exceeds the Maximum QoS or
    /// Retain Available given (`MQTT-3.2.2-12`, `MQTT-3.2.2-13`: reject with 0x9B or 0x9A
    /// instead); [`CommandError::Invalid`] for properties CONNACK cannot carry (any under
    /// 3.1.1); [`CommandError::PacketTooLarge`] over the client's Maximum Packet Size;
    /// [`CommandError::StoreFull`] beyond the control bytes. Nothing changes on error.
    ///
    /// ```
    /// use mqtt_codec::server::{CommandError, Config, Event, ServerConnection};
    /// use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{Connect, Property, Protocol, Version};
    /// let now = Instant::ZERO;
    /// let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192])?;
    /// let mut connect = [0u8; 64];
    /// let n = Connect { client_id: "", ..Connect::new(Protocol::Mqtt5) }.encode(Version::V5, &mut connect)?;
    /// assert_eq!(s.handle_input(now, &connect[..n]), Ok(n));
    /// assert!(matches!(s.poll_event(), Some(Event::ConnectReceived(c)) if c.client_id.is_empty()));
    /// assert_eq!(s.accept(now, true, &[]), Err(CommandError::InvalidState)); // clean start: no session
    /// s.accept(now, false, &[Property::AssignedClientIdentifier("auto-1"), Property::ServerKeepAlive(30)])?;
    /// assert_eq!(s.keep_alive(), 30);
    /// let mut buf = [0u8; 64];
    /// let t = s.poll_transmit(now, &mut buf)?.unwrap();
    /// assert_eq!(&buf[..4], &[0x20, (t.len - 2) as u8, 0x00, 0x00]); // CONNACK, Success
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept(
        &mut self,
        now: Instant,
        session_present: bool,
        properties: &[Property<'_>],
    ) -> Result<(), CommandError> {
        self.core.release();
        if self.state != State::ConnectReceived || (session_present && self.clean_start) {
            return Err(CommandError::InvalidState);
        }
        let v = self.core.version;
        let mut props = [Property::ReceiveMaximum(1); MAX_CONNACK_PROPERTIES];
        let mut n = 0;
        let (mut keep_alive, mut maximum_qos, mut retain_available) = (self.keep_alive, Qos::ExactlyOnce, true);
        let mut session_expiry = self.session_expiry;
        for p in properties {
            match *p {
                Property::ServerKeepAlive(k) => keep_alive = k,
                Property::MaximumQos(q) => maximum_qos = q,
                Property::RetainAvailable(r) => retain_available = r,
                // 5.0 §3.2.2.3.2: the server's value replaces the client's.
                Property::SessionExpiryInterval(s) => session_expiry = s,
                _ => {}
            }
        }
        self.core.own_receive_max = if v == Version::V5 { self.receive_maximum() } else { u16::MAX };
        if v == Version::V5 {
            // 5.0 §3.2.2.3.3, §3.2.2.3.6, §3.2.2.3.8: what the client may send us.
            let ours = [
                Property::ReceiveMaximum(self.receive_maximum()),
                Property::MaximumPacketSize(self.maximum_packet_size()),
                Property::TopicAliasMaximum(self.core.own_alias_max),
            ];
            let theirs = properties.iter().copied().filter(|p| {
                !matches!(
                    p.id(),
                    PropertyId::ReceiveMaximum | PropertyId::MaximumPacketSize | PropertyId::TopicAliasMaximum
                )
            });
            for p in ours.into_iter().filter(|p| *p != Property::TopicAliasMaximum(0)).chain(theirs) {
                let slot = props.get_mut(n).ok_or(CommandError::Invalid(Malformed::TooManyProperties(n as u16)))?;
                *slot = p;
                n += 1;
            }
        } else if !properties.is_empty() {
            return Err(CommandError::Invalid(Malformed::PropertiesNotInVersion));
        }
        if let Some((qos, retain)) = self.will_flags() {
            // `MQTT-3.2.2-12`, `MQTT-3.2.2-13`: a will the server cannot publish is refused.
            if qos > maximum_qos || (retain && !retain_available) {
                return Err(CommandError::NotSupported);
            }
        }
        let ack = ConnAck {
            session_present,
            reason_code: ReasonCode::Success,
            properties: List::new(props.get(..n).unwrap_or(&[])),
        };
        let size = ack.encoded_len(v);
        if size > self.client.maximum_packet_size as usize {
            return Err(CommandError::PacketTooLarge { size, max: self.client.maximum_packet_size });
        }
        self.core.stage(size, |out| ack.encode(v, out))?;
        // Everything is queued; from here on nothing fails.
        self.core.session_started(session_present, self.client);
        self.state = State::Connected;
        self.keep_alive = keep_alive;
        self.maximum_qos = maximum_qos;
        self.retain_available = retain_available;
        self.session_expiry = session_expiry;
        // The keep-alive clock starts with the session.
        self.last_received = now;
        if self.will == WillState::Stored {
            self.will = WillState::Armed;
        }
        Ok(())
    }

    /// Refuses the CONNECT of [`Event::ConnectReceived`](super::Event::ConnectReceived):
    /// queues CONNACK with `reason` (an error code) and ends the connection;
    /// [`Event::Closed`](super::Event::Closed) with [`CloseReason::Refused`] follows. Under
    /// 3.1.1 the code maps to a return code with [`ReasonCode::connack_return_code_v3`]; codes
    /// without one are sent as 3 (Server unavailable), and properties cannot be sent.
    ///
    /// Spec: 5.0 §3.2.2.2 (`MQTT-3.2.2-7`: CONNACK with an error code, then close); 3.1.1
    /// §3.2.2.3.
    ///
    /// # Errors
    /// [`CommandError::InvalidState`] unless a CONNECT waits for an answer;
    /// [`CommandError::Invalid`] for a success code or properties CONNACK cannot carry;
    /// [`CommandError::PacketTooLarge`]; [`CommandError::StoreFull`].
    ///
    /// ```
    /// use mqtt_codec::server::{CloseReason, Config, Event, ServerConnection};
    /// use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{Connect, Protocol, ReasonCode, Version};
    /// let now = Instant::ZERO;
    /// let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192])?;
    /// let mut connect = [0u8; 64];
    /// let n = Connect { client_id: "c1", ..Connect::new(Protocol::Mqtt311) }.encode(Version::V311, &mut connect)?;
    /// s.handle_input(now, &connect[..n])?;
    /// while s.poll_event().is_some() {}
    /// s.reject(now, ReasonCode::NotAuthorized, &[])?;
    /// let mut buf = [0u8; 8];
    /// s.poll_transmit(now, &mut buf)?;
    /// assert_eq!(&buf[..4], &[0x20, 0x02, 0x00, 0x05]); // 3.1.1 return code 5: not authorized
    /// assert!(matches!(s.poll_event(), Some(Event::Closed { reason: CloseReason::Refused(ReasonCode::NotAuthorized), .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reject(
        &mut self,
        now: Instant,
        reason: ReasonCode,
        properties: &[Property<'_>],
    ) -> Result<(), CommandError> {
        self.core.release();
        if self.state != State::ConnectReceived {
            return Err(CommandError::InvalidState);
        }
        if !reason.is_error() {
            return Err(CommandError::Invalid(Malformed::ReasonCodeNotAllowed {
                code: reason.value(),
                packet: PacketType::ConnAck,
            }));
        }
        let v = self.core.version;
        let code = match v {
            Version::V311 if reason.connack_return_code_v3().is_none() => ReasonCode::ServerUnavailable,
            _ => reason,
        };
        let ack = ConnAck { session_present: false, reason_code: code, properties: List::new(properties) };
        let size = ack.encoded_len(v);
        if size > self.client.maximum_packet_size as usize {
            return Err(CommandError::PacketTooLarge { size, max: self.client.maximum_packet_size });
        }
        self.core.stage(size, |out| ack.encode(v, out))?;
        self.close(now, CloseReason::Refused(reason), &[], false);
        Ok(())
    }
}
