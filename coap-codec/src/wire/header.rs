//! The fixed header (RFC 7252 §3): message type, code and message id.

use core::fmt;

/// The message type, bits 4-5 of the first byte (RFC 7252 §3, §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum MessageType {
    /// CON: needs an acknowledgement (RFC 7252 §4.2).
    Confirmable = 0,
    /// NON: needs none (RFC 7252 §4.3).
    NonConfirmable = 1,
    /// ACK: acknowledges a CON (RFC 7252 §4.2).
    Acknowledgement = 2,
    /// RST: rejects a message (RFC 7252 §4.2, §4.3).
    Reset = 3,
}

impl MessageType {
    /// From the two type bits.
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0x03 {
            0 => Self::Confirmable,
            1 => Self::NonConfirmable,
            2 => Self::Acknowledgement,
            _ => Self::Reset,
        }
    }

    /// The short name: CON, NON, ACK, RST.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Confirmable => "CON",
            Self::NonConfirmable => "NON",
            Self::Acknowledgement => "ACK",
            Self::Reset => "RST",
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A message code, `class.detail` packed as `class << 5 | detail` (RFC 7252 §3, §12.1).
///
/// ```
/// use coap_codec::wire::Code;
/// assert_eq!(Code::CONTENT.to_string(), "2.05 Content");
/// assert_eq!((Code::NOT_FOUND.class(), Code::NOT_FOUND.detail()), (4, 4));
/// assert!(Code::GET.is_request() && Code::CONTENT.is_response());
/// assert_eq!(Code::new(7, 2), Code::PING);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Code(pub u8);

macro_rules! codes {
    ($($name:ident = ($class:literal, $detail:literal), $text:literal, $src:literal;)*) => {
        impl Code {
            $(
                #[doc = concat!($text, " (", $src, ").")]
                pub const $name: Code = Code(($class << 5) | $detail);
            )*

            /// The registered name, if the code is registered (RFC 7252 §12.1 and the RFCs
            /// that extend it).
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $(v if v == Self::$name.0 => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    EMPTY = (0, 0), "Empty", "RFC 7252 §4.1";
    GET = (0, 1), "GET", "RFC 7252 §5.8.1";
    POST = (0, 2), "POST", "RFC 7252 §5.8.2";
    PUT = (0, 3), "PUT", "RFC 7252 §5.8.3";
    DELETE = (0, 4), "DELETE", "RFC 7252 §5.8.4";
    FETCH = (0, 5), "FETCH", "RFC 8132 §2";
    PATCH = (0, 6), "PATCH", "RFC 8132 §3";
    IPATCH = (0, 7), "iPATCH", "RFC 8132 §3";
    CREATED = (2, 1), "Created", "RFC 7252 §5.9.1.1";
    DELETED = (2, 2), "Deleted", "RFC 7252 §5.9.1.2";
    VALID = (2, 3), "Valid", "RFC 7252 §5.9.1.3";
    CHANGED = (2, 4), "Changed", "RFC 7252 §5.9.1.4";
    CONTENT = (2, 5), "Content", "RFC 7252 §5.9.1.5";
    CONTINUE = (2, 31), "Continue", "RFC 7959 §2.9.1";
    BAD_REQUEST = (4, 0), "Bad Request", "RFC 7252 §5.9.2.1";
    UNAUTHORIZED = (4, 1), "Unauthorized", "RFC 7252 §5.9.2.2";
    BAD_OPTION = (4, 2), "Bad Option", "RFC 7252 §5.9.2.3";
    FORBIDDEN = (4, 3), "Forbidden", "RFC 7252 §5.9.2.4";
    NOT_FOUND = (4, 4), "Not Found", "RFC 7252 §5.9.2.5";
    METHOD_NOT_ALLOWED = (4, 5), "Method Not Allowed", "RFC 7252 §5.9.2.6";
    NOT_ACCEPTABLE = (4, 6), "Not Acceptable", "RFC 7252 §5.9.2.7";
    REQUEST_ENTITY_INCOMPLETE = (4, 8), "Request Entity Incomplete", "RFC 7959 §2.9.2";
    CONFLICT = (4, 9), "Conflict", "RFC 8132 §3.4";
    PRECONDITION_FAILED = (4, 12), "Precondition Failed", "RFC 7252 §5.9.2.8";
    REQUEST_ENTITY_TOO_LARGE = (4, 13), "Request Entity Too Large", "RFC 7252 §5.9.2.9";
    UNSUPPORTED_CONTENT_FORMAT = (4, 15), "Unsupported Content-Format", "RFC 7252 §5.9.2.10";
    UNPROCESSABLE_ENTITY = (4, 22), "Unprocessable Entity", "RFC 8132 §3.4";
    TOO_MANY_REQUESTS = (4, 29), "Too Many Requests", "RFC 8516 §3";
    INTERNAL_SERVER_ERROR = (5, 0), "Internal Server Error", "RFC 7252 §5.9.3.1";
    NOT_IMPLEMENTED = (5, 1), "Not Implemented", "RFC 7252 §5.9.3.2";
    BAD_GATEWAY = (5, 2), "Bad Gateway", "RFC 7252 §5.9.3.3";
    SERVICE_UNAVAILABLE = (5, 3), "Service Unavailable", "RFC 7252 §5.9.3.4";
    GATEWAY_TIMEOUT = (5, 4), "Gateway Timeout", "RFC 7252 §5.9.3.5";
    PROXYING_NOT_SUPPORTED = (5, 5), "Proxying Not Supported", "RFC 7252 §5.9.3.6";
    HOP_LIMIT_REACHED = (5, 8), "Hop Limit Reached", "RFC 8768 §3";
    CSM = (7, 1), "CSM", "RFC 8323 §5.3";
    PING = (7, 2), "Ping", "RFC 8323 §5.4";
    PONG = (7, 3), "Pong", "RFC 8323 §5.4";
    RELEASE = (7, 4), "Release", "RFC 8323 §5.5";
    ABORT = (7, 5), "Abort", "RFC 8323 §5.6";
}

impl Code {
    /// `class.detail` (class 0-7, detail 0-31; larger values are masked).
    pub const fn new(class: u8, detail: u8) -> Self {
        Self(((class & 0x07) << 5) | (detail & 0x1F))
    }

    /// The class, 0-7.
    pub const fn class(self) -> u8 {
        self.0 >> 5
    }

    /// The detail, 0-31.
    pub const fn detail(self) -> u8 {
        self.0 & 0x1F
    }

    /// 0.00, the Empty message (RFC 7252 §4.1).
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// A request method: class 0, detail 1-31 (RFC 7252 §5.8, §12.1.1).
    pub const fn is_request(self) -> bool {
        self.class() == 0 && self.detail() != 0
    }

    /// A response: class 2, 4 or 5 (RFC 7252 §5.9, §12.1.2).
    pub const fn is_response(self) -> bool {
        matches!(self.class(), 2 | 4 | 5)
    }

    /// A signalling code, class 7 (reliable transports only, RFC 8323 §5).
    pub const fn is_signal(self) -> bool {
        self.class() == 7
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.class(), self.detail())?;
        if let Some(name) = self.name() {
            write!(f, " {name}")?;
        }
        Ok(())
    }
}

/// A message id (RFC 7252 §3, §4.4): matches ACK/RST to CON and detects duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct MessageId(pub u16);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
