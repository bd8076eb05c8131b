//! The application's commands once a CONNECT is known: messages to the client, the answers to
//! SUBSCRIBE, UNSUBSCRIBE and AUTH, the server's DISCONNECT, and the session's export and import.

use super::{
    BufferTooSmall, CloseReason, CommandError, OutgoingMessage, PublishHandle, ServerConnection, SessionImportError,
    State,
};
use crate::time::Instant;
use crate::wire::{Auth, Disconnect, EncodeError, List, PacketId, Property, ReasonCode, SubAck, UnsubAck, Version};

/// Reason codes a 3.1.1 SUBACK can have mapped to 0x80 in one call (one per filter).
const MAX_SUBACK_V3_CODES: usize = 64;

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> ServerConnection<B, N, A> {
    /// Queues an application message for the client; it goes out once the connection is
    /// accepted, within the client's Receive Maximum, in the order given, with a topic alias
    /// when the client takes them. QoS 0 ends with [`Event::PublishSent`](super::Event::PublishSent), QoS 1 and 2 with
    /// [`Event::PublishAcknowledged`](super::Event::PublishAcknowledged) or [`Event::PublishDropped`](super::Event::PublishDropped). After the connection
    /// closed, messages still queue for the session: [`export_session`](Self::export_session)
    /// takes them to the client's next connection.
    ///
    /// # Errors
    /// [`CommandError::InvalidState`] before the CONNECT (it decides the packet layout);
    /// [`CommandError::QueueFull`], [`CommandError::StoreFull`] (backpressure: retry after
    /// events); [`CommandError::PacketTooLarge`] (over the client's Maximum Packet Size; no
    /// packet id spent, `MQTT-3.1.2-24 (5.0)`); [`CommandError::Invalid`].
    ///
    /// ```
    /// use mqtt_codec::server::{CommandError, Config, OutgoingMessage, ServerConnection};
    /// use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{Connect, Protocol, Qos, Version};
    /// let now = Instant::ZERO;
    /// let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192])?;
    /// let m = OutgoingMessage::new("a/b", b"x").with_qos(Qos::AtLeastOnce);
    /// assert_eq!(s.publish(now, &m), Err(CommandError::InvalidState)); // no CONNECT yet
    /// let mut connect = [0u8; 32];
    /// let n = Connect::new(Protocol::Mqtt5).encode(Version::V5, &mut connect)?;
    /// s.handle_input(now, &connect[..n])?;
    /// assert_eq!(s.publish(now, &m)?.get(), 1); // queued until the connection is accepted
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn publish(&mut self, now: Instant, message: &OutgoingMessage<'_>) -> Result<PublishHandle, CommandError> {
        self.start_clock(now);
        // The CONNECT decides the layout the message is stored in.
        if let State::AwaitConnect { .. } = self.state {
            return Err(CommandError::InvalidState);
        }
        self.core.publish(now, message)
    }

    /// While `Some(code)`, a new 5.0 retained PUBLISH with a payload at QoS 1 or 2 is refused
    /// with `code` (PUBACK or PUBREC; e.g. 0x97 Quota exceeded when the broker's retained store
    /// is full) and not handed on; `None` takes them again. 3.1.1 has no reason code to say it:
    /// its messages are taken as usual.
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// use mqtt_codec::wire::ReasonCode;
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// s.refuse_new_retained(Some(ReasonCode::QuotaExceeded));
    /// s.refuse_new_retained(None);
    /// ```
    pub fn refuse_new_retained(&mut self, code: Option<ReasonCode>) {
        self.core.retain_refusal = code;
    }

    /// Queues SUBACK for the SUBSCRIBE with `packet_id`: one reason code per subscription, in
    /// order (Granted QoS 0-2 or an error; under 3.1.1 only those and 0x80 Unspecified error,
    /// 3.1.1 §3.9.3).
    ///
    /// Spec: 5.0 §3.9 (`MQTT-3.8.4-1`: a SUBSCRIBE is answered with SUBACK); 3.1.1 §3.9.
    ///
    /// # Errors
    /// [`CommandError::InvalidState`] unless connected; [`CommandError::Invalid`] for codes or
    /// properties the packet cannot carry; [`CommandError::PacketTooLarge`] over the client's
    /// Maximum Packet Size (leave out the Reason String, `MQTT-3.9.2-1`);
    /// [`CommandError::QueueFull`] / [`CommandError::StoreFull`] until `poll_transmit` runs.
    ///
    /// ```
    /// # use mqtt_codec::server::{CommandError, Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{PacketId, ReasonCode};
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let id = PacketId::new(1).unwrap();
    /// // Only after an accepted CONNECT and an `Event::SubscribeReceived`:
    /// assert_eq!(s.suback(Instant::ZERO, id, &[ReasonCode::GrantedQos1], &[]), Err(CommandError::InvalidState));
    /// ```
    pub fn suback(
        &mut self,
        _now: Instant,
        packet_id: PacketId,
        reason_codes: &[ReasonCode],
        properties: &[Property<'_>],
    ) -> Result<(), CommandError> {
        let v = self.core.version;
        // 3.1.1 §3.9.3 has one failure code, 0x80: a 5.0 error code (Not authorized, Topic
        // Filter invalid, ...) becomes it under 3.1.1.
        let mut mapped = [ReasonCode::UnspecifiedError; MAX_SUBACK_V3_CODES];
        let codes = if v == Version::V311 && reason_codes.iter().any(|c| !c.is_suback_v3()) {
            let dst = mapped.get_mut(..reason_codes.len()).ok_or(CommandError::Invalid(
                crate::wire::Malformed::ReasonCodeNotInVersion(ReasonCode::UnspecifiedError),
            ))?;
            for (d, c) in dst.iter_mut().zip(reason_codes) {
                *d = if c.is_suback_v3() { *c } else { ReasonCode::UnspecifiedError };
            }
            &*dst
        } else {
            reason_codes
        };
        let ack = SubAck { packet_id, properties: List::new(properties), reason_codes: List::new(codes) };
        self.stage_checked(ack.encoded_len(v), |out| ack.encode(v, out))
    }

    /// Queues UNSUBACK for the UNSUBSCRIBE with `packet_id`: 5.0 carries one reason code per
    /// filter (Success or No subscription existed, or an error); 3.1.1 has no reason codes,
    /// and the ones given are left out.
    ///
    /// Spec: 5.0 §3.11 (`MQTT-3.10.4-4`: an UNSUBSCRIBE is answered with UNSUBACK); 3.1.1 §3.11.
    ///
    /// # Errors
    /// As [`suback`](Self::suback).
    ///
    /// ```
    /// # use mqtt_codec::server::{CommandError, Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{PacketId, ReasonCode};
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let codes = [ReasonCode::NoSubscriptionExisted];
    /// assert_eq!(s.unsuback(Instant::ZERO, PacketId::new(2).unwrap(), &codes, &[]), Err(CommandError::InvalidState));
    /// ```
    pub fn unsuback(
        &mut self,
        _now: Instant,
        packet_id: PacketId,
        reason_codes: &[ReasonCode],
        properties: &[Property<'_>],
    ) -> Result<(), CommandError> {
        let v = self.core.version;
        let codes = if v == Version::V5 { reason_codes } else { &[] };
        let ack = UnsubAck { packet_id, properties: List::new(properties), reason_codes: List::new(codes) };
        self.stage_checked(ack.encoded_len(v), |out| ack.encode(v, out))
    }

    /// Queues AUTH (5.0 enhanced authentication, §4.12): an answer to [`Event::AuthReceived`](super::Event::AuthReceived)
    /// during the handshake (before `accept`) or a re-authentication once connected.
    ///
    /// # Errors
    /// [`CommandError::InvalidState`] before a CONNECT, after the close, or under 3.1.1;
    /// [`CommandError::Invalid`]; [`CommandError::PacketTooLarge`]; [`CommandError::QueueFull`]
    /// / [`CommandError::StoreFull`].
    ///
    /// ```
    /// # use mqtt_codec::server::{CommandError, Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{Auth, List, Property, ReasonCode};
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let props = [Property::AuthenticationMethod("SCRAM-SHA-1"), Property::AuthenticationData(b"server-first")];
    /// let auth = Auth { reason_code: ReasonCode::ContinueAuthentication, properties: List::new(&props) };
    /// assert_eq!(s.auth(Instant::ZERO, &auth), Err(CommandError::InvalidState)); // no CONNECT yet
    /// ```
    pub fn auth(&mut self, _now: Instant, auth: &Auth<'_>) -> Result<(), CommandError> {
        self.core.release();
        if !matches!(self.state, State::ConnectReceived | State::Connected) || self.core.version != Version::V5 {
            return Err(CommandError::InvalidState);
        }
        let size = auth.encoded_len(Version::V5);
        if size > self.client.maximum_packet_size as usize {
            return Err(CommandError::PacketTooLarge { size, max: self.client.maximum_packet_size });
        }
        self.core.stage(size, |out| auth.encode(Version::V5, out))
    }

    /// Ends an accepted connection from the server side: 5.0 queues DISCONNECT with the reason
    /// (Server shutting down, Session taken over, Administrative action, ...); 3.1.1 has no
    /// server DISCONNECT (3.1.1 §3.14), so nothing is sent. [`Event::Closed`](super::Event::Closed) with
    /// [`CloseReason::Local`] follows; write out what `poll_transmit` still gives, then close
    /// the transport. The will is handed on, as for any close without the client's
    /// DISCONNECT (5.0 §3.1.2.5).
    ///
    /// # Errors
    /// [`CommandError::InvalidState`] unless connected (before CONNACK, use
    /// [`reject`](Self::reject): `MQTT-3.14.0-1`); [`CommandError::Invalid`];
    /// [`CommandError::PacketTooLarge`]; [`CommandError::QueueFull`] / [`CommandError::StoreFull`].
    ///
    /// ```
    /// # use mqtt_codec::server::{CommandError, Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{Disconnect, ReasonCode};
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let bye = Disconnect::new(ReasonCode::ServerShuttingDown);
    /// assert_eq!(s.disconnect(Instant::ZERO, &bye), Err(CommandError::InvalidState)); // not connected
    /// ```
    pub fn disconnect(&mut self, now: Instant, disconnect: &Disconnect<'_>) -> Result<(), CommandError> {
        self.core.release();
        if self.state != State::Connected {
            return Err(CommandError::InvalidState);
        }
        if self.core.version == Version::V5 {
            let size = disconnect.encoded_len(Version::V5);
            self.stage_checked(size, |out| disconnect.encode(Version::V5, out))?;
        }
        self.close(now, CloseReason::Local, &[], true);
        Ok(())
    }

    /// Stages a control packet once connected, within the client's Maximum Packet Size.
    fn stage_checked(
        &mut self,
        size: usize,
        encode: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<(), CommandError> {
        self.core.release();
        if self.state != State::Connected {
            return Err(CommandError::InvalidState);
        }
        // `MQTT-3.1.2-24 (5.0)`: nothing larger than the client's Maximum Packet Size.
        if size > self.client.maximum_packet_size as usize {
            return Err(CommandError::PacketTooLarge { size, max: self.client.maximum_packet_size });
        }
        self.core.stage(size, encode)
    }

    /// Writes the session state a broker keeps for the client into `out` and returns its
    /// length: the messages queued or in flight towards the client, with their packet bytes,
    /// and the ids of QoS 2 messages received and not yet released. Call it when the
    /// connection is over (after [`Event::Closed`](super::Event::Closed)); [`import_session`](Self::import_session)
    /// on the client's next connection resumes it. Message Expiry deadlines are kept as
    /// [`Instant`]s, so import on the same clock.
    ///
    /// Spec: 5.0 §4.1 (session state), §4.4 (resend on resume); 3.1.1 §4.1, §4.4.
    ///
    /// # Errors
    /// [`BufferTooSmall`] with the size needed; nothing was written.
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// # let s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let mut out = [0u8; 256];
    /// let n = s.export_session(&mut out)?;
    /// assert_eq!(&out[..4], b"MQSS");
    /// # let _ = n;
    /// # Ok::<(), mqtt_codec::server::BufferTooSmall>(())
    /// ```
    pub fn export_session(&self, out: &mut [u8]) -> Result<usize, BufferTooSmall> {
        self.core.export_session(out)
    }

    /// Reads a session written by [`export_session`](Self::export_session): after
    /// [`Event::ConnectReceived`](super::Event::ConnectReceived) (which names the client), before
    /// [`accept`](Self::accept). With `accept(now, true, ..)` the messages that were in flight
    /// are resent with DUP, PUBRELs for those already PUBREC'd are resent, the rest go in
    /// order (`MQTT-4.4.0-1`); with `session_present` false they are reported dropped.
    ///
    /// # Errors
    /// [`SessionImportError::InvalidState`] at another time or when messages were already
    /// queued on this connection; the other variants for bytes that are not a session this
    /// connection can take (another protocol version, more messages than `N`, too large for
    /// the store, malformed). Nothing changes on error, and no input panics.
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection, SessionImportError};
    /// # use mqtt_codec::time::Instant;
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// // Before the CONNECT is known, no session can be chosen:
    /// assert_eq!(s.import_session(b"MQSS"), Err(SessionImportError::InvalidState));
    /// ```
    pub fn import_session(&mut self, bytes: &[u8]) -> Result<(), SessionImportError> {
        self.core.release();
        if self.state != State::ConnectReceived {
            return Err(SessionImportError::InvalidState);
        }
        self.core.import_session(bytes)
    }
}
