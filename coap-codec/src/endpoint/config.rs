//! [`Config`] and [`TransmissionParameters`]: the RFC 7252 §4.8 parameters and the limits of
//! every table.

use core::time::Duration;

/// The transmission parameters of RFC 7252 §4.8, settable per endpoint ([`Config::params`]) and
/// per request ([`RequestOptions::params`](super::RequestOptions::params)).
///
/// Spec: RFC 7252 §4.8, §4.8.2 (derived times).
///
/// ```
/// use core::time::Duration;
/// use coap_codec::endpoint::TransmissionParameters;
/// let p = TransmissionParameters::default();
/// // RFC 7252 §4.8.2: the derived times of the default parameters.
/// assert_eq!(p.max_transmit_span(), Duration::from_secs(45));
/// assert_eq!(p.max_transmit_wait(), Duration::from_secs(93));
/// assert_eq!(p.exchange_lifetime(), Duration::from_secs(247));
/// assert_eq!(p.non_lifetime(), Duration::from_secs(145));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TransmissionParameters {
    /// ACK_TIMEOUT: the shortest initial retransmission timeout (default 2 s).
    pub ack_timeout: Duration,
    /// ACK_RANDOM_FACTOR in thousandths (default 1500, i.e. 1.5; at least 1000): the initial
    /// timeout is drawn uniformly from `[ACK_TIMEOUT, ACK_TIMEOUT × ACK_RANDOM_FACTOR]`.
    pub ack_random_factor_milli: u32,
    /// MAX_RETRANSMIT: retransmissions of a CON before giving up (default 4).
    pub max_retransmit: u8,
    /// NSTART: outstanding interactions per peer (default 1); more requests wait in a queue.
    pub nstart: u8,
    /// MAX_LATENCY: the longest a datagram is assumed to take (default 100 s).
    pub max_latency: Duration,
}

impl Default for TransmissionParameters {
    /// The defaults of RFC 7252 §4.8.
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_secs(2),
            ack_random_factor_milli: 1500,
            max_retransmit: 4,
            nstart: 1,
            max_latency: Duration::from_secs(100),
        }
    }
}

impl TransmissionParameters {
    /// `ACK_TIMEOUT × factor × ACK_RANDOM_FACTOR`.
    fn scaled(&self, factor: u64) -> Duration {
        let ms = self.ack_timeout.as_millis() as u64;
        Duration::from_millis(ms.saturating_mul(factor).saturating_mul(u64::from(self.random_factor())) / 1000)
    }

    /// ACK_RANDOM_FACTOR in thousandths, at least 1000.
    pub(crate) fn random_factor(&self) -> u32 {
        self.ack_random_factor_milli.max(1000)
    }

    /// MAX_TRANSMIT_SPAN: from the first transmission of a CON to its last retransmission
    /// (RFC 7252 §4.8.2).
    pub fn max_transmit_span(&self) -> Duration {
        self.scaled((1u64 << self.max_retransmit.min(32)) - 1)
    }

    /// MAX_TRANSMIT_WAIT: from the first transmission of a CON to when the sender gives up
    /// waiting for an acknowledgement (RFC 7252 §4.8.2).
    pub fn max_transmit_wait(&self) -> Duration {
        self.scaled((1u64 << (self.max_retransmit.min(31) + 1)) - 1)
    }

    /// PROCESSING_DELAY = ACK_TIMEOUT (RFC 7252 §4.8.2).
    pub fn processing_delay(&self) -> Duration {
        self.ack_timeout
    }

    /// MAX_RTT = 2 × MAX_LATENCY + PROCESSING_DELAY (RFC 7252 §4.8.2).
    pub fn max_rtt(&self) -> Duration {
        self.max_latency.saturating_mul(2).saturating_add(self.processing_delay())
    }

    /// EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + 2 × MAX_LATENCY + PROCESSING_DELAY: how long a
    /// message id stays in use and a CON is remembered for deduplication (RFC 7252 §4.8.2).
    pub fn exchange_lifetime(&self) -> Duration {
        self.max_transmit_span().saturating_add(self.max_rtt())
    }

    /// NON_LIFETIME = MAX_TRANSMIT_SPAN + MAX_LATENCY: how long a NON is remembered for
    /// deduplication (RFC 7252 §4.8.2).
    pub fn non_lifetime(&self) -> Duration {
        self.max_transmit_span().saturating_add(self.max_latency)
    }
}

/// Echo (RFC 9175 §2) on the server side: a request from an address not yet seen to answer
/// an Echo challenge gets at most `amplification_factor` times its own size back (§2.4); the
/// application can also ask for a fresh request ([`Endpoint::is_fresh`](super::Endpoint::is_fresh)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct EchoConfig {
    /// A response larger than this many times the request goes to a verified address only
    /// (RFC 9175 §2.4 suggests 3).
    pub amplification_factor: u8,
    /// How long an Echo value stays valid (the freshness window).
    pub lifetime: Duration,
}

impl Default for EchoConfig {
    /// Factor 3, values valid for 60 s.
    fn default() -> Self {
        Self { amplification_factor: 3, lifetime: Duration::from_secs(60) }
    }
}

/// How an [`Endpoint`](super::Endpoint) behaves. The table sizes are the storage's
/// ([`Storage`](super::Storage)); the limits here are the caller's policy within them.
///
/// ```
/// use coap_codec::endpoint::Config;
/// let config = Config { seed: 42, token_len: 8, ..Config::default() };
/// assert_eq!(config.params.nstart, 1);
/// // Block-wise transfers in 256-byte blocks (RFC 7959 §2.2: SZX 4).
/// let small_blocks = Config { block_szx: Some(4), ..Config::default() };
/// assert_eq!(Config::default().block_szx, Some(6));
/// # let _ = small_blocks;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Config {
    /// The transmission parameters (RFC 7252 §4.8) for every request without its own.
    pub params: TransmissionParameters,
    /// Seed of the internal PRNG: initial message id, tokens, retransmission timeouts, Echo
    /// values. Same seed, same inputs: same bytes out.
    pub seed: u64,
    /// Bytes of the tokens this endpoint makes (1-8, default 4: RFC 7252 §5.3.1 asks for enough
    /// randomness that tokens are hard to guess when the link is not secured; use 8 then).
    pub token_len: u8,
    /// How long to wait for the response to a NON request, or to a CON request after its empty
    /// ACK, before [`Event::RequestTimedOut`](super::Event::RequestTimedOut) (default
    /// MAX_TRANSMIT_WAIT, 93 s).
    pub response_timeout: Duration,
    /// Requests per peer that may wait for NSTART (default 8); more are refused with
    /// [`RequestError::NstartQueueFull`](super::RequestError::NstartQueueFull).
    pub nstart_queue: u16,
    /// How long a received CON is remembered for deduplication (default EXCHANGE_LIFETIME,
    /// 247 s; RFC 7252 §4.5). Shorter saves table space and risks processing a late duplicate.
    pub dedup_lifetime: Duration,
    /// How long a received NON is remembered (default NON_LIFETIME, 145 s).
    pub non_dedup_lifetime: Duration,
    /// When the application has not answered a CON request after this long, the endpoint sends
    /// the empty ACK itself so the client stops retransmitting (RFC 7252 §5.2.2); `None` leaves
    /// it to [`Endpoint::accept`](super::Endpoint::accept). Default 1 s (half ACK_TIMEOUT).
    pub auto_ack: Option<Duration>,
    /// Echo on the server side (RFC 9175); `None` (the default) turns it off.
    pub echo: Option<EchoConfig>,
    /// The Observe freshness time of RFC 7641 §3.4 (128 s): a notification this much newer than
    /// the last is fresh whatever its sequence number.
    pub observe_freshness: Duration,
    /// A server sends a CON notification at least this often to each observer, to learn whether
    /// it is still interested (RFC 7641 §4.5: at least every 24 hours).
    pub observe_con_interval: Duration,
    /// Automatic block-wise transfers (RFC 7959): the preferred block size as SZX (size
    /// 2^(SZX+4) bytes, 0-6; larger values count as 6). Default `Some(6)`, 1024 bytes (RFC 7252
    /// §4.6 keeps a payload at most 1024 bytes when the path MTU is unknown). `None` turns
    /// block-wise off: Block options then pass through to the application untouched.
    ///
    /// With it on, a client sends a request body larger than a block in Block1 blocks and
    /// fetches the rest of a response that carries Block2 with M set, and a server reassembles
    /// Block1 requests and answers in Block2 blocks; the application sees whole bodies. The
    /// bodies live in the storage's body store ([`Limits::body_bytes`](super::Limits::body_bytes)).
    /// Below 6, a client asks for its size from the first block of an answer on (RFC 7959 §2.4
    /// early negotiation: `Block2 0/0/SZX` in a GET or FETCH without Block options, and in the
    /// last Block1 block of a POST or FETCH, §3.3); Block2 is critical (RFC 7252 §5.4.1), so a
    /// server without block-wise support answers such a GET 4.02 Bad Option.
    pub block_szx: Option<u8>,
    /// How many times a client requests a block again, with a new message id, after its CON
    /// was given up (RFC 7252 §4.2), before the transfer ends in
    /// [`Event::RequestTimedOut`](super::Event::RequestTimedOut) (default 3; per block).
    pub block_retries: u8,
    /// How long a server keeps a partly reassembled request body or a body sent in blocks
    /// after its last use (default EXCHANGE_LIFETIME, 247 s; RFC 7959 §2.4, §2.5 leave it to
    /// the server).
    pub block_lifetime: Duration,
}

impl Default for Config {
    fn default() -> Self {
        let params = TransmissionParameters::default();
        Self {
            params,
            seed: 0,
            token_len: 4,
            response_timeout: params.max_transmit_wait(),
            nstart_queue: 8,
            dedup_lifetime: params.exchange_lifetime(),
            non_dedup_lifetime: params.non_lifetime(),
            auto_ack: Some(Duration::from_millis(1000)),
            echo: None,
            observe_freshness: Duration::from_secs(128),
            observe_con_interval: Duration::from_secs(24 * 3600),
            block_szx: Some(6),
            block_retries: 3,
            block_lifetime: params.exchange_lifetime(),
        }
    }
}
