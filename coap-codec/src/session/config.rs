//! [`Config`], [`Role`] and [`Transport`]: how a [`Session`](super::Session) frames its messages
//! and what it announces in its CSM.

use core::time::Duration;

use crate::wire::signal::DEFAULT_MAX_MESSAGE_SIZE;

/// Which end of the connection this session is (RFC 8323 §3.3). Both ends send CSM first and
/// both may send requests; they differ only in what may be sent before the peer's CSM.
///
/// ```
/// use coap_codec::session::{Config, Role};
/// let acceptor = Config { role: Role::Acceptor, ..Config::default() };
/// assert_eq!(Config::default().role, Role::Initiator);
/// # let _ = acceptor;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Role {
    /// The Connection Initiator (usually the CoAP client): sends its CSM and then, without
    /// waiting for the peer's CSM, whatever else is queued (RFC 8323 §3.3 allows it).
    #[doc(alias = "client")]
    Initiator,
    /// The Connection Acceptor (usually the CoAP server): sends its CSM at once (§3.3 lets it wait
    /// but does not ask it to), and holds its own requests and pings until the initiator's CSM
    /// has arrived (§3.3 grants sending before the peer's CSM to the initiator only).
    #[doc(alias = "server")]
    Acceptor,
}

/// How messages are framed on the connection.
///
/// ```
/// use coap_codec::session::{Config, Transport};
/// let ws = Config { transport: Transport::WebSocket, ..Config::default() };
/// assert_eq!(Config::default().transport, Transport::Tcp);
/// # let _ = ws;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Transport {
    /// A TCP or TLS byte stream (RFC 8323 §3.2): `handle_input` takes any number of bytes and
    /// uses whole frames; `poll_transmit` writes one frame per call, to be written in order.
    Tcp,
    /// WebSocket binary messages (RFC 8323 §4.2, Len = 0): `handle_input` takes exactly one
    /// message per call; `poll_transmit` writes one message per call.
    WebSocket,
}

/// How a [`Session`](super::Session) behaves. The table sizes are the storage's
/// ([`Storage`](super::Storage)).
///
/// ```
/// use core::time::Duration;
/// use coap_codec::session::{Config, Role, Transport};
/// let config = Config {
///     role: Role::Acceptor,
///     transport: Transport::WebSocket,
///     max_message_size: 1800,
///     block_wise_transfer: true,
///     ping_timeout: Duration::from_secs(10),
///     ..Config::default()
/// };
/// assert_eq!(Config::default().max_message_size, 1152);
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Config {
    /// Initiator or acceptor (default [`Role::Initiator`]).
    pub role: Role,
    /// TCP/TLS or WebSocket framing (default [`Transport::Tcp`]).
    pub transport: Transport,
    /// The Max-Message-Size this session announces in its CSM: the largest message (whole
    /// frame, header included) it accepts (RFC 8323 §5.3.1; default and base value 1152). It is
    /// capped by what the storage's receive store holds
    /// ([`Session::max_message_size`](super::Session::max_message_size)).
    pub max_message_size: u32,
    /// Announce Block-Wise-Transfer in the CSM (RFC 8323 §5.3.2; default `false`) and run
    /// block-wise transfers (RFC 7959) in the session, as the endpoint does: a request or answer
    /// over the peer's Max-Message-Size goes in blocks (when the peer announced it too, RFC 8323
    /// §6), a Block2 response is downloaded whole, a Block1 body reassembled. With a
    /// Max-Message-Size above 1152 it also announces BERT (RFC 8323 §6). Bounded by the
    /// storage's transfer table and body store.
    pub block_wise_transfer: bool,
    /// The largest block size this session uses in block-wise transfers it runs itself (RFC
    /// 7959 §2.2: SZX 0-6 is 16-1024 bytes): 7 (the default) allows BERT, several 1024-byte
    /// units per message, once both sides announced Block-Wise-Transfer with a
    /// Max-Message-Size above 1152 (RFC 8323 §6); otherwise 6 is used. Every block also fits
    /// the peer's Max-Message-Size (§5.3.1).
    pub block_szx: u8,
    /// Seed of the internal PRNG that draws tokens. Same seed, same inputs: same bytes out.
    pub seed: u64,
    /// Bytes of the tokens this session makes (1-8, default 4). Tokens are scoped to the
    /// connection (RFC 8323 §3.3), so short ones suffice.
    pub token_len: u8,
    /// How long to wait for the response to a request before
    /// [`Event::RequestTimedOut`](crate::endpoint::Event::RequestTimedOut) (default 93 s, the
    /// endpoint's default, so that applications see the same timeouts over UDP and TCP).
    /// Established observations have no timeout.
    pub response_timeout: Duration,
    /// How long to wait for the Pong to a [`ping`](super::Session::ping) (default 30 s).
    pub ping_timeout: Duration,
    /// How long after writing its own CSM the session waits for the peer's before it aborts:
    /// "a missing or invalid CSM" is a connection error (RFC 8323 §3.3). `None` waits forever.
    /// Default 30 s.
    pub csm_timeout: Option<Duration>,
    /// How long a server keeps what a block-wise transfer left with it after its last use: a
    /// body sliced into Block2 blocks for later block requests, a Block1 body being
    /// reassembled (RFC 7959 §2.4, §2.5 leave the lifetime to the server). Renewed by every
    /// block. Default 247 s, the endpoint's default (EXCHANGE_LIFETIME, RFC 7252 §4.8.2): on a
    /// reliable transport no retransmission needs it, but a client that reads a body slowly
    /// (or resumes an upload) gets the same grace over TCP as over UDP, and a client that went
    /// away no longer pins the body store for the life of the connection.
    pub block_lifetime: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            role: Role::Initiator,
            transport: Transport::Tcp,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            block_wise_transfer: false,
            block_szx: 7,
            seed: 0,
            token_len: 4,
            response_timeout: Duration::from_secs(93),
            ping_timeout: Duration::from_secs(30),
            csm_timeout: Some(Duration::from_secs(30)),
            block_lifetime: Duration::from_secs(247),
        }
    }
}
