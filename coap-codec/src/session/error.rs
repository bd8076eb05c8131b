//! [`CloseReason`]: why a session is over.

use crate::wire::{Code, DecodeError};

/// Why a [`Session`](super::Session) is over: the `Err` of the
/// [`handle_input`](super::Session::handle_input) call that ended it, and afterwards
/// [`close_reason`](super::Session::close_reason). Where RFC 8323 prescribes an Abort, it is
/// already queued for `poll_transmit`; write what it yields, then close the transport.
///
/// ```
/// use coap_codec::session::{CloseReason, Config, Session};
/// use coap_codec::time::Instant;
/// let mut s: Session = Session::new(Config::default(), Default::default());
/// // A GET (0x01) as the peer's first message: the first must be a CSM (RFC 8323 §3.3).
/// assert_eq!(s.handle_input(Instant::ZERO, &[0x00, 0x01]), Err(CloseReason::MissingCsm));
/// assert_eq!(CloseReason::MissingCsm.rule(), "RFC 8323 §3.3, §4.3");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CloseReason {
    /// A frame broke a format rule (its [`DecodeError`] names it); Abort sent (RFC 8323 §5.6:
    /// on reliable transports a message format error is answered with Abort, not RST).
    #[error("malformed message: {0}")]
    Malformed(DecodeError),
    /// The peer's first message was not a CSM; Abort sent (RFC 8323 §3.3, §4.3).
    #[error("the peer's first message was not a CSM (RFC 8323 §3.3)")]
    MissingCsm,
    /// No CSM from the peer within [`Config::csm_timeout`](super::Config::csm_timeout) of ours;
    /// Abort sent (RFC 8323 §3.3: a missing CSM is a connection error).
    #[error("no CSM from the peer in time (RFC 8323 §3.3)")]
    CsmTimeout,
    /// A signal carried a critical option this session does not know, or a CSM option with a
    /// value it cannot process; Abort sent, with Bad-CSM-Option for a CSM (RFC 8323 §5.2,
    /// §5.6).
    #[error("unprocessable option {option} in signal {code} (RFC 8323 §5.2)")]
    BadSignalOption {
        /// The signal's code (7.01-7.05).
        code: Code,
        /// The option number.
        option: u16,
    },
    /// A message larger than the Max-Message-Size this session announced; Abort sent (RFC 8323
    /// §5.3.1 gives no other way to refuse it on a stream).
    #[error("message of {size} bytes exceeds our Max-Message-Size {max} (RFC 8323 §5.3.1)")]
    MessageTooLarge {
        /// The message's size, from its header.
        size: usize,
        /// The Max-Message-Size announced.
        max: u32,
    },
    /// The peer sent Release (RFC 8323 §5.5): it wants the connection closed; reconnect later,
    /// perhaps elsewhere ([`alternative_address`](super::Session::alternative_address)).
    /// Frames already queued may still be written before closing.
    #[error("the peer released the connection (RFC 8323 §5.5)")]
    ReleaseReceived {
        /// Hold-Off: seconds to wait before reconnecting.
        hold_off: Option<u32>,
    },
    /// The peer sent Abort (RFC 8323 §5.6); its diagnostic is
    /// [`peer_diagnostic`](super::Session::peer_diagnostic).
    #[error("the peer aborted the connection (RFC 8323 §5.6)")]
    AbortReceived {
        /// The peer's Bad-CSM-Option: the option of our CSM it could not process.
        bad_csm_option: Option<u32>,
    },
    /// This session sent Release ([`release`](super::Session::release)) and the transport then
    /// closed (RFC 8323 §5.5).
    #[error("released (RFC 8323 §5.5)")]
    Released,
    /// The application aborted the session ([`abort`](super::Session::abort), RFC 8323 §5.6).
    #[error("aborted by the application (RFC 8323 §5.6)")]
    Aborted,
    /// The transport closed under the session
    /// ([`connection_lost`](super::Session::connection_lost)).
    #[error("transport closed")]
    TransportClosed,
}

impl CloseReason {
    /// The section that prescribes this close.
    pub const fn rule(self) -> &'static str {
        match self {
            Self::Malformed(_) => "RFC 8323 §5.6",
            Self::MissingCsm => "RFC 8323 §3.3, §4.3",
            Self::CsmTimeout => "RFC 8323 §3.3",
            Self::BadSignalOption { .. } => "RFC 8323 §5.2, §5.6",
            Self::MessageTooLarge { .. } => "RFC 8323 §5.3.1",
            Self::ReleaseReceived { .. } | Self::Released => "RFC 8323 §5.5",
            Self::AbortReceived { .. } | Self::Aborted => "RFC 8323 §5.6",
            Self::TransportClosed => "RFC 8323 §3.4",
        }
    }

    /// The diagnostic payload of the Abort this session sends for it (RFC 8323 §5.6: a
    /// diagnostic payload SHOULD be included), `None` when no Abort is sent.
    pub(crate) const fn diagnostic(self) -> Option<&'static str> {
        match self {
            Self::Malformed(_) => Some("malformed message (RFC 8323 §5.6)"),
            Self::MissingCsm => Some("first message is not a CSM (RFC 8323 §3.3)"),
            Self::CsmTimeout => Some("no CSM received (RFC 8323 §3.3)"),
            Self::BadSignalOption { .. } => Some("unprocessable signal option (RFC 8323 §5.2)"),
            Self::MessageTooLarge { .. } => Some("message exceeds Max-Message-Size (RFC 8323 §5.3.1)"),
            _ => None,
        }
    }
}
