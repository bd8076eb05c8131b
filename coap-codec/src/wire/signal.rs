//! Signalling messages on reliable transports (RFC 8323 §5): 7.01 CSM, 7.02 Ping, 7.03 Pong,
//! 7.04 Release and 7.05 Abort, with their options. Signal option numbers are scoped to their
//! code, so they are read here rather than through the request/response registry.

use super::tcp::TcpMessage;
use super::EncodeError;
use super::{decode_uint, Code, MessageBuilder, MessageId, MessageType, OptionFormat, OptionNumber};

/// RFC 8323 §5.3.1: a peer that sent no Max-Message-Size accepts 1152 bytes.
pub const DEFAULT_MAX_MESSAGE_SIZE: u32 = 1152;

/// A signal option's registry row (RFC 8323 §5.3-§5.6 and the CoAP Signaling Option Numbers
/// registry, §11.2). Signal option numbers mean something only with their code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalOption {
    /// The registered name.
    pub name: &'static str,
    /// The value format.
    pub format: OptionFormat,
    /// Whether it may appear more than once.
    pub repeatable: bool,
    /// The minimum value length.
    pub min: u16,
    /// The maximum value length.
    pub max: u16,
}

/// The registry row for option `number` in a signal with `code`.
///
/// ```
/// use coap_codec::wire::{signal::option, Code, OptionFormat};
/// let o = option(Code::CSM, 2).unwrap();
/// assert_eq!((o.name, o.format, o.max), ("Max-Message-Size", OptionFormat::Uint, 4));
/// assert_eq!(option(Code::RELEASE, 4).unwrap().name, "Hold-Off");
/// assert!(option(Code::PING, 4).is_none());
/// ```
pub const fn option(code: Code, number: u16) -> Option<SignalOption> {
    use OptionFormat::{Empty, String, Uint};
    const fn row(
        name: &'static str,
        format: OptionFormat,
        repeatable: bool,
        min: u16,
        max: u16,
    ) -> Option<SignalOption> {
        Some(SignalOption { name, format, repeatable, min, max })
    }
    match (code, number) {
        (Code::CSM, 2) => row("Max-Message-Size", Uint, false, 0, 4), // §5.3.1
        (Code::CSM, 4) => row("Block-Wise-Transfer", Empty, false, 0, 0), // §5.3.2
        (Code::PING | Code::PONG, 2) => row("Custody", Empty, false, 0, 0), // §5.4.1
        (Code::RELEASE, 2) => row("Alternative-Address", String, true, 1, 255), // §5.5.1
        (Code::RELEASE, 4) => row("Hold-Off", Uint, false, 0, 3),     // §5.5.2
        (Code::ABORT, 2) => row("Bad-CSM-Option", Uint, false, 0, 2), // §5.6.1
        _ => None,
    }
}

/// Whether option `number` may repeat and its length range in a message with `code`: the
/// signal's own rows for 7.xx (RFC 8323 §5.2: signal option numbers are scoped to the code),
/// the registry otherwise (unknown numbers: repeatable, any length).
#[inline]
pub(crate) fn rules_for(code: Code, number: OptionNumber) -> (bool, Option<(u16, u16)>) {
    if code.is_signal() {
        match option(code, number.0) {
            Some(row) => (row.repeatable, Some((row.min, row.max))),
            None => (true, None),
        }
    } else {
        number.rules()
    }
}

/// A signalling message read from a [`TcpMessage`] with a 7.xx code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal<'a> {
    /// 7.01 Capabilities and Settings (RFC 8323 §5.3).
    Csm {
        /// Max-Message-Size (option 2), or 1152 when absent (§5.3.1).
        max_message_size: u32,
        /// Block-Wise-Transfer (option 4, empty): the peer supports RFC 7959 and BERT (§5.3.2).
        block_wise_transfer: bool,
    },
    /// 7.02 Ping; `custody` (option 2) asks the peer to hold the Pong until it has processed
    /// earlier messages (§5.4.1).
    Ping {
        /// The Custody option.
        custody: bool,
    },
    /// 7.03 Pong (§5.4).
    Pong {
        /// The Custody option.
        custody: bool,
    },
    /// 7.04 Release: the peer wants the connection closed (§5.5).
    Release {
        /// The first Alternative-Address (option 2) to reconnect to.
        alternative_address: Option<&'a [u8]>,
        /// Hold-Off (option 4): seconds to wait before reconnecting.
        hold_off: Option<u32>,
    },
    /// 7.05 Abort: the connection is being torn down (§5.6).
    Abort {
        /// Bad-CSM-Option (option 2): the CSM option that caused the abort.
        bad_csm_option: Option<u32>,
        /// A diagnostic payload (UTF-8 text, §5.6).
        diagnostic: &'a [u8],
    },
}

/// Why a signal cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignalError {
    /// Not a 7.01-7.05 code.
    #[error("RFC 8323 §5: code {0} is not a known signal")]
    NotASignal(Code),
    /// A critical (odd-numbered) option this implementation does not know: the receiver must
    /// abort the connection, naming it in Bad-CSM-Option (RFC 8323 §5.3, §5.6).
    #[error("RFC 8323 §5.3: unknown critical signal option {0}")]
    UnknownCriticalOption(u16),
    /// A known option with a value that is not a valid uint of its length.
    #[error("RFC 8323 §5: option {0} has an invalid value")]
    InvalidValue(u16),
}

impl<'a> Signal<'a> {
    /// Reads the signal a message carries.
    ///
    /// # Errors
    /// [`SignalError::NotASignal`], [`SignalError::UnknownCriticalOption`],
    /// [`SignalError::InvalidValue`].
    ///
    /// ```
    /// use coap_codec::wire::signal::Signal;
    /// use coap_codec::wire::tcp::{decode_frame, Status};
    /// // 7.01 CSM with Max-Message-Size 1152 and Block-Wise-Transfer.
    /// let Status::Complete { item, .. } = decode_frame(&[0x40, 0xE1, 0x22, 0x04, 0x80, 0x20]).unwrap() else { panic!() };
    /// assert_eq!(Signal::from_message(&item), Ok(Signal::Csm { max_message_size: 1152, block_wise_transfer: true }));
    /// ```
    pub fn from_message(m: &TcpMessage<'a>) -> Result<Self, SignalError> {
        let code = m.code();
        let uint = |n: u16, max_len: usize| -> Result<Option<u32>, SignalError> {
            match m.options().find(|o| o.number.0 == n) {
                None => Ok(None),
                Some(o) if o.value.len() <= max_len => {
                    decode_uint(o.value).map(Some).ok_or(SignalError::InvalidValue(n))
                }
                Some(_) => Err(SignalError::InvalidValue(n)),
            }
        };
        let has = |n: u16| m.options().any(|o| o.number.0 == n);
        // Options each signal defines; any other odd number is an unknown critical option.
        let known: &[u16] = match code {
            Code::CSM | Code::RELEASE => &[2, 4],
            Code::PING | Code::PONG | Code::ABORT => &[2],
            other => return Err(SignalError::NotASignal(other)),
        };
        if let Some(o) = m.options().find(|o| o.number.0 & 1 == 1 && !known.contains(&o.number.0)) {
            return Err(SignalError::UnknownCriticalOption(o.number.0));
        }
        Ok(match code {
            Code::CSM => Self::Csm {
                max_message_size: uint(2, 4)?.unwrap_or(DEFAULT_MAX_MESSAGE_SIZE),
                block_wise_transfer: has(4),
            },
            Code::PING => Self::Ping { custody: has(2) },
            Code::PONG => Self::Pong { custody: has(2) },
            Code::RELEASE => Self::Release {
                alternative_address: m.options().find(|o| o.number.0 == 2).map(|o| o.value),
                hold_off: uint(4, 3)?,
            },
            _ => Self::Abort { bad_csm_option: uint(2, 2)?, diagnostic: m.payload() },
        })
    }
}

impl<'a> Signal<'a> {
    /// The signal's code.
    pub const fn code(&self) -> Code {
        match self {
            Self::Csm { .. } => Code::CSM,
            Self::Ping { .. } => Code::PING,
            Self::Pong { .. } => Code::PONG,
            Self::Release { .. } => Code::RELEASE,
            Self::Abort { .. } => Code::ABORT,
        }
    }

    /// A builder holding this signal's code, options and payload, to frame with
    /// [`tcp::encode`](super::tcp::encode) or [`tcp::encode_ws`](super::tcp::encode_ws) after
    /// setting a token if wanted. A CSM's Max-Message-Size is left out when it is the default
    /// 1152 (RFC 8323 §5.3.1).
    ///
    /// # Errors
    /// [`EncodeError::OptionLength`] for an Alternative-Address of 0 or over 255 bytes
    /// (RFC 8323 §5.5.1) or a Hold-Off above 2^24 - 1 s, or a Bad-CSM-Option above 65535
    /// (their 3- and 2-byte ranges).
    ///
    /// ```
    /// use coap_codec::wire::signal::Signal;
    /// use coap_codec::wire::tcp;
    /// let csm = Signal::Csm { max_message_size: 8192, block_wise_transfer: true };
    /// let b = csm.builder()?;
    /// let mut out = [0u8; 16];
    /// let n = tcp::encode(&b, &mut out)?;
    /// // Len 5, 7.01, Max-Message-Size (2) = 0x2000, Block-Wise-Transfer (4, empty).
    /// assert_eq!(&out[..n], [0x40, 0xE1, 0x22, 0x20, 0x00, 0x20]);
    /// # Ok::<(), coap_codec::wire::EncodeError>(())
    /// ```
    pub fn builder(&self) -> Result<MessageBuilder<'a, 2>, EncodeError> {
        // Type and message id are not sent on reliable transports (RFC 8323 §3.2).
        let mut b = MessageBuilder::new(MessageType::Confirmable, self.code(), MessageId(0));
        match *self {
            Self::Csm { max_message_size, block_wise_transfer } => {
                if max_message_size != DEFAULT_MAX_MESSAGE_SIZE {
                    b.uint(OptionNumber(2), max_message_size)?;
                }
                if block_wise_transfer {
                    b.option(OptionNumber(4), &[])?;
                }
            }
            Self::Ping { custody } | Self::Pong { custody } => {
                if custody {
                    b.option(OptionNumber(2), &[])?;
                }
            }
            Self::Release { alternative_address, hold_off } => {
                if let Some(a) = alternative_address {
                    b.option(OptionNumber(2), a)?;
                }
                if let Some(h) = hold_off {
                    b.uint(OptionNumber(4), h)?;
                }
            }
            Self::Abort { bad_csm_option, diagnostic } => {
                if let Some(o) = bad_csm_option {
                    b.uint(OptionNumber(2), o)?;
                }
                b.payload(diagnostic);
            }
        }
        Ok(b)
    }
}
