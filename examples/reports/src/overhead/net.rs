//! What a message costs on the air: every transport assumption is a named constant here, and
//! [`ASSUMPTIONS`] prints each next to what it feeds.
//!
//! Models (stated once, used everywhere):
//! - Stream transports (MQTT, CoAP over TCP) run over TLS 1.3 over TCP: each application
//!   message is one TLS record in one TCP segment; each handshake flight is one segment.
//! - **Pure ACKs**: a segment answered by a segment the other way carries its ACK in that one
//!   (delayed ACK waits up to 40-200 ms, and our peers answer at once). A run of segments in
//!   one direction that nothing answers (the end of an exchange) gets one pure ACK (delayed ACK
//!   covers two segments; our runs are of small segments sent back to back).
//! - Datagram transports (CoAP, LwM2M) run over DTLS 1.2 over UDP, one record per datagram,
//!   with a Connection ID (RFC 9146) so a NAT rebinding needs no new handshake.

use crate::overhead::{Dir, Msg};

/// IPv4 header without options (RFC 791).
pub const IPV4_HEADER: usize = 20;
/// IPv6 fixed header, no extension headers (RFC 8200).
pub const IPV6_HEADER: usize = 40;
/// UDP header (RFC 768).
pub const UDP_HEADER: usize = 8;
/// TCP header without options (RFC 9293).
pub const TCP_HEADER: usize = 20;
/// TCP Timestamps option on every segment after the SYNs: 10 B + 2 B NOP padding (RFC 7323;
/// Linux sends it by default).
pub const TCP_TIMESTAMPS_OPTION: usize = 12;
/// TCP options on a SYN and SYN-ACK: MSS 4 + SACK-permitted 2 + Timestamps 10 + NOP 1 +
/// Window Scale 3 (Linux's default set).
pub const TCP_SYN_OPTIONS: usize = 20;

/// TLS 1.3 record header (RFC 8446 §5.1).
pub const TLS13_RECORD_HEADER: usize = 5;
/// TLS 1.3 inner content type byte, inside the encryption (RFC 8446 §5.2).
pub const TLS13_INNER_CONTENT_TYPE: usize = 1;
/// TLS 1.3 AEAD tag (AES-GCM or AES-CCM, RFC 8446 §5.2).
pub const TLS13_AEAD_TAG: usize = 16;
/// What a TLS 1.3 record adds to its content.
pub const TLS13_RECORD_OVERHEAD: usize = TLS13_RECORD_HEADER + TLS13_INNER_CONTENT_TYPE + TLS13_AEAD_TAG;

/// DTLS 1.2 record header: type, version, epoch, sequence number, length (RFC 6347 §4.1).
pub const DTLS12_RECORD_HEADER: usize = 13;
/// Explicit nonce of an AES-CCM record (RFC 6655 §3).
pub const DTLS12_EXPLICIT_NONCE: usize = 8;
/// Tag of TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655), the suite LwM2M devices use with PSKs.
pub const DTLS12_CCM8_TAG: usize = 8;
/// The Connection ID the server chose (RFC 9146): carried by records to the server. 4 bytes
/// assumed; records to the device carry the device's CID, zero-length here, so they keep the
/// plain record layout (RFC 9146 §4).
pub const DTLS_CID_LEN: usize = 4;
/// The real content type inside a CID record's encryption (RFC 9146 §4), no padding.
pub const DTLS_CID_INNER_TYPE: usize = 1;
/// What a DTLS 1.2 record to the device adds (no CID).
pub const DTLS12_RECORD_OVERHEAD: usize = DTLS12_RECORD_HEADER + DTLS12_EXPLICIT_NONCE + DTLS12_CCM8_TAG;
/// What a DTLS 1.2 record to the server adds with the server's CID.
pub const DTLS12_CID_RECORD_OVERHEAD: usize = DTLS12_RECORD_OVERHEAD + DTLS_CID_LEN + DTLS_CID_INNER_TYPE;

/// A carrier's NAT drops an idle TCP binding after this long (varies by carrier: 5 min to
/// hours are seen). Keep-alive pings go at this interval when reports are further apart.
pub const TCP_NAT_TIMEOUT_S: u64 = 600;
/// A carrier's NAT drops an idle UDP binding after this long (varies by carrier: 30 s to
/// several minutes). With a DTLS CID this costs nothing; without, the next report after it
/// needs a DTLS resumption handshake.
pub const UDP_NAT_TIMEOUT_S: u64 = 60;

/// TLS 1.3 resumption (PSK from a ticket, `psk_dhe_ke` with X25519, no middlebox
/// compatibility mode, no HelloRetryRequest): the sizes below are sums of the RFC 8446 §4
/// structures for these assumed inputs, not measurements.
pub mod tls13 {
    use super::TLS13_RECORD_OVERHEAD;

    /// Length of the session ticket the server issued (an opaque blob; 128 B assumed).
    pub const TICKET_LEN: usize = 128;
    /// Length of the server name in SNI (`mqtt.example.net`).
    pub const SNI_LEN: usize = 16;
    /// An X25519 key share.
    pub const X25519_SHARE: usize = 32;
    /// SHA-256 output: PSK binder and Finished verify_data.
    pub const HASH_LEN: usize = 32;

    /// ClientHello record: record header 5, handshake header 4, version 2, random 32, empty
    /// session id 1, one suite 2+2, compression 2, extensions length 2; extensions (4 B header
    /// each): server_name (5 + SNI), supported_versions (3), supported_groups (4), key_share
    /// (6 + 32), signature_algorithms (4), psk_key_exchange_modes (2), pre_shared_key (last:
    /// identity 2+2+ticket+4 age, binders 2+1+32).
    pub const CLIENT_HELLO: usize = 5
        + 4
        + 2
        + 32
        + 1
        + 4
        + 2
        + 2
        + (4 + 5 + SNI_LEN)
        + (4 + 3)
        + (4 + 4)
        + (4 + 6 + X25519_SHARE)
        + (4 + 4)
        + (4 + 2)
        + (4 + 2 + 2 + TICKET_LEN + 4 + 2 + 1 + HASH_LEN);
    /// ServerHello (record 5, handshake 4, version 2, random 32, session id 1, suite 2,
    /// compression 1, extensions length 2, supported_versions 6, key_share 4+4+32,
    /// pre_shared_key 6), EncryptedExtensions (empty, encrypted) and Finished (encrypted), in
    /// one segment.
    pub const SERVER_FLIGHT: usize = (5 + 4 + 2 + 32 + 1 + 2 + 1 + 2 + 6 + (4 + 4 + X25519_SHARE) + 6)
        + (4 + 2 + TLS13_RECORD_OVERHEAD)
        + (4 + HASH_LEN + TLS13_RECORD_OVERHEAD);
    /// The client's Finished (encrypted).
    pub const CLIENT_FINISHED: usize = 4 + HASH_LEN + TLS13_RECORD_OVERHEAD;
    /// One NewSessionTicket for the next resumption: lifetime 4, age_add 4, nonce 1+8,
    /// ticket 2+ticket, extensions 2 (encrypted).
    pub const NEW_SESSION_TICKET: usize = 4 + 4 + 4 + 9 + 2 + TICKET_LEN + 2 + TLS13_RECORD_OVERHEAD;
    /// A close_notify alert (2 B, encrypted), sent by each side before closing (RFC 8446 §6.1).
    pub const CLOSE_NOTIFY: usize = 2 + TLS13_RECORD_OVERHEAD;
}

/// DTLS 1.2 abbreviated handshake (session resumption, RFC 5246 §7.3 over RFC 6347), needed
/// without a CID when the NAT gave the device a new address; no HelloVerifyRequest, PSK suite
/// with CCM-8, extended_master_secret. Sums of the structures for these assumed inputs.
pub mod dtls12 {
    use super::{DTLS12_RECORD_HEADER, DTLS12_RECORD_OVERHEAD};

    /// DTLS handshake message header (RFC 6347 §4.2.2).
    pub const HANDSHAKE_HEADER: usize = 12;
    /// ClientHello: version 2, random 32, session id 1+32, empty cookie 1, one suite 2+2,
    /// compression 2, extensions length 2, extended_master_secret 4.
    pub const CLIENT_HELLO: usize = DTLS12_RECORD_HEADER + HANDSHAKE_HEADER + 2 + 32 + 33 + 1 + 4 + 2 + 2 + 4;
    /// A ChangeCipherSpec record (one byte).
    pub const CHANGE_CIPHER_SPEC: usize = DTLS12_RECORD_HEADER + 1;
    /// A Finished (12 B verify_data) in an encrypted record.
    pub const FINISHED: usize = DTLS12_RECORD_OVERHEAD + HANDSHAKE_HEADER + 12;
    /// ServerHello (version 2, random 32, session id 33, suite 2, compression 1, extensions
    /// 2 + 4), ChangeCipherSpec and Finished, in one datagram.
    pub const SERVER_FLIGHT: usize =
        (DTLS12_RECORD_HEADER + HANDSHAKE_HEADER + 2 + 32 + 33 + 2 + 1 + 2 + 4) + CHANGE_CIPHER_SPEC + FINISHED;
    /// ChangeCipherSpec and Finished, in one datagram.
    pub const CLIENT_FLIGHT: usize = CHANGE_CIPHER_SPEC + FINISHED;
}

/// IP version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ip {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Ip {
    /// Both, in table order.
    pub const BOTH: [Self; 2] = [Self::V4, Self::V6];

    /// The header size.
    pub const fn header(self) -> usize {
        match self {
            Self::V4 => IPV4_HEADER,
            Self::V6 => IPV6_HEADER,
        }
    }

    /// `IPv4` or `IPv6`.
    pub const fn label(self) -> &'static str {
        match self {
            Self::V4 => "IPv4",
            Self::V6 => "IPv6",
        }
    }
}

/// What a DTLS record adds to a message going `dir` (`cid`: with RFC 9146 Connection IDs).
pub const fn dtls_overhead(dir: Dir, cid: bool) -> usize {
    match (dir, cid) {
        (Dir::Up, true) => DTLS12_CID_RECORD_OVERHEAD,
        _ => DTLS12_RECORD_OVERHEAD,
    }
}

/// A CoAP message as one UDP datagram carrying one DTLS record.
pub fn datagram(ip: Ip, msg: &Msg, cid: bool) -> usize {
    ip.header() + UDP_HEADER + dtls_overhead(msg.dir, cid) + msg.len()
}

/// A message exchange over DTLS/UDP.
pub fn datagrams(ip: Ip, msgs: &[Msg], cid: bool) -> usize {
    msgs.iter().map(|m| datagram(ip, m, cid)).sum()
}

/// A DTLS 1.2 abbreviated handshake in three datagrams.
pub fn dtls_resumption(ip: Ip) -> usize {
    3 * (ip.header() + UDP_HEADER) + dtls12::CLIENT_HELLO + dtls12::SERVER_FLIGHT + dtls12::CLIENT_FLIGHT
}

/// What a TCP segment carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SYN or SYN-ACK (with [`TCP_SYN_OPTIONS`]).
    Syn,
    /// Data: TLS records of this many bytes.
    Data(usize),
    /// FIN (or FIN-ACK).
    Fin,
    /// A pure ACK.
    Ack,
}

/// One TCP segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Which way.
    pub dir: Dir,
    /// What it carries.
    pub kind: Kind,
}

impl Segment {
    /// Its size on the air.
    pub const fn wire(self, ip: Ip) -> usize {
        let options = if matches!(self.kind, Kind::Syn) { TCP_SYN_OPTIONS } else { TCP_TIMESTAMPS_OPTION };
        let data = if let Kind::Data(n) = self.kind { n } else { 0 };
        ip.header() + TCP_HEADER + options + data
    }
}

/// A data segment carrying one TLS record of `msg`.
pub fn record(msg: &Msg) -> Segment {
    Segment { dir: msg.dir, kind: Kind::Data(TLS13_RECORD_OVERHEAD + msg.len()) }
}

/// `segs` with the pure ACKs of the model added: the last run of segments that need an ACK
/// (anything but a pure ACK) gets one from the other side; every earlier run is answered by
/// the next segment, which goes the other way.
pub fn with_acks(segs: &[Segment]) -> Vec<Segment> {
    let mut out = segs.to_vec();
    if let Some(last) = segs.last() {
        if last.kind != Kind::Ack {
            out.push(Segment { dir: last.dir.reverse(), kind: Kind::Ack });
        }
    }
    out
}

/// Bytes on the air of `segs` after [`with_acks`].
pub fn stream(ip: Ip, segs: &[Segment]) -> usize {
    with_acks(segs).iter().map(|s| s.wire(ip)).sum()
}

/// An exchange of messages on an open TLS connection, one record and segment each.
pub fn on_connection(ip: Ip, msgs: &[Msg]) -> usize {
    stream(ip, &msgs.iter().map(record).collect::<Vec<_>>())
}

/// The segments of a whole connection for one report: TCP handshake, TLS 1.3 resumption,
/// `open` (CONNECT/CONNACK or the CSMs, the server's NewSessionTicket before its first
/// answer), `report`, `close` (DISCONNECT), close_notify both ways, FIN, FIN-ACK, ACK.
pub fn connection(open: &[Msg], report: &[Msg], close: &[Msg]) -> Vec<Segment> {
    use Dir::{Down, Up};
    let seg = |dir, kind| Segment { dir, kind };
    let mut s = vec![
        seg(Up, Kind::Syn),
        seg(Down, Kind::Syn),
        seg(Up, Kind::Ack),
        seg(Up, Kind::Data(tls13::CLIENT_HELLO)),
        seg(Down, Kind::Data(tls13::SERVER_FLIGHT)),
        seg(Up, Kind::Data(tls13::CLIENT_FINISHED)),
    ];
    let mut ticket_sent = false;
    for m in open {
        if m.dir == Down && !ticket_sent {
            s.push(seg(Down, Kind::Data(tls13::NEW_SESSION_TICKET)));
            ticket_sent = true;
        }
        s.push(record(m));
    }
    s.extend(report.iter().map(record));
    s.extend(close.iter().map(record));
    s.extend([
        seg(Up, Kind::Data(tls13::CLOSE_NOTIFY)),
        seg(Up, Kind::Fin),
        seg(Down, Kind::Data(tls13::CLOSE_NOTIFY)),
        seg(Down, Kind::Fin),
        seg(Up, Kind::Ack),
    ]);
    s
}

/// Bytes on the air of [`connection`].
pub fn reconnect(ip: Ip, open: &[Msg], report: &[Msg], close: &[Msg]) -> usize {
    stream(ip, &connection(open, report, close))
}

/// One assumption, printed with the figures it feeds.
#[derive(Debug, Clone, Copy)]
pub struct Assumption {
    /// The constant's name.
    pub name: &'static str,
    /// Its value.
    pub value: usize,
    /// Unit (`B`, `s`).
    pub unit: &'static str,
    /// Where it comes from and what it feeds.
    pub note: &'static str,
}

/// Every transport assumption, in the order printed.
pub const ASSUMPTIONS: &[Assumption] = &[
    Assumption { name: "IPV4_HEADER", value: IPV4_HEADER, unit: "B", note: "RFC 791, no options; every packet" },
    Assumption { name: "IPV6_HEADER", value: IPV6_HEADER, unit: "B", note: "RFC 8200, no extension headers; every packet" },
    Assumption { name: "UDP_HEADER", value: UDP_HEADER, unit: "B", note: "RFC 768; every CoAP/LwM2M datagram" },
    Assumption { name: "TCP_HEADER", value: TCP_HEADER, unit: "B", note: "RFC 9293; every MQTT and CoAP-over-TCP segment" },
    Assumption { name: "TCP_TIMESTAMPS_OPTION", value: TCP_TIMESTAMPS_OPTION, unit: "B", note: "RFC 7323 timestamps (10 B + 2 NOP), Linux default; every segment but SYNs" },
    Assumption { name: "TCP_SYN_OPTIONS", value: TCP_SYN_OPTIONS, unit: "B", note: "MSS, SACK-permitted, timestamps, window scale; SYN and SYN-ACK of each reconnect" },
    Assumption { name: "TLS13_RECORD_OVERHEAD", value: TLS13_RECORD_OVERHEAD, unit: "B", note: "5 B header + 1 B inner content type + 16 B AEAD tag (RFC 8446 §5.2); every MQTT/CoAP-TCP message" },
    Assumption { name: "DTLS12_RECORD_OVERHEAD", value: DTLS12_RECORD_OVERHEAD, unit: "B", note: "13 B header + 8 B explicit nonce + 8 B CCM-8 tag (RFC 6347, RFC 6655); every CoAP/LwM2M datagram to the device" },
    Assumption { name: "DTLS12_CID_RECORD_OVERHEAD", value: DTLS12_CID_RECORD_OVERHEAD, unit: "B", note: "the above + 4 B server CID + 1 B inner type (RFC 9146); every datagram to the server, so a NAT rebinding needs no handshake" },
    Assumption { name: "tls13::CLIENT_HELLO", value: tls13::CLIENT_HELLO, unit: "B", note: "TLS 1.3 resumption ClientHello (128 B ticket, X25519, SNI); each MQTT/CoAP-TCP reconnect" },
    Assumption { name: "tls13::SERVER_FLIGHT", value: tls13::SERVER_FLIGHT, unit: "B", note: "ServerHello + EncryptedExtensions + Finished; each reconnect" },
    Assumption { name: "tls13::CLIENT_FINISHED", value: tls13::CLIENT_FINISHED, unit: "B", note: "each reconnect" },
    Assumption { name: "tls13::NEW_SESSION_TICKET", value: tls13::NEW_SESSION_TICKET, unit: "B", note: "one fresh ticket per connection; each reconnect" },
    Assumption { name: "tls13::CLOSE_NOTIFY", value: tls13::CLOSE_NOTIFY, unit: "B", note: "each side, before FIN; each reconnect" },
    Assumption { name: "dtls12 resumption (3 datagrams, payload)", value: dtls12::CLIENT_HELLO + dtls12::SERVER_FLIGHT + dtls12::CLIENT_FLIGHT, unit: "B", note: "abbreviated handshake, no HelloVerifyRequest; only the CoAP row without CID, after each NAT rebinding" },
    Assumption { name: "TCP_NAT_TIMEOUT_S", value: TCP_NAT_TIMEOUT_S as usize, unit: "s", note: "carrier NAT idle timeout for TCP, varies by carrier; MQTT Keep Alive and the ping interval of stay-connected rows" },
    Assumption { name: "UDP_NAT_TIMEOUT_S", value: UDP_NAT_TIMEOUT_S as usize, unit: "s", note: "carrier NAT idle timeout for UDP, varies by carrier; free with a DTLS CID, a resumption handshake per report without" },
];
