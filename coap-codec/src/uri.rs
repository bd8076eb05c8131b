//! URIs to options and back (RFC 7252 §6.4, §6.5; RFC 8323 §8 for the TCP and WebSocket
//! schemes), without allocation: percent-decoded values go into a caller's scratch buffer.

use core::fmt;

use crate::wire::{EncodeError, MessageBuilder, OptionNumber};

/// A CoAP URI scheme and its default port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `coap` (UDP, 5683).
    Coap,
    /// `coaps` (DTLS, 5684).
    Coaps,
    /// `coap+tcp` (5683, RFC 8323 §8.1).
    CoapTcp,
    /// `coaps+tcp` (TLS, 5684, RFC 8323 §8.2).
    CoapsTcp,
    /// `coap+ws` (80, RFC 8323 §8.3).
    CoapWs,
    /// `coaps+ws` (443, RFC 8323 §8.4).
    CoapsWs,
}

impl Scheme {
    /// The scheme as written in a URI.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Coap => "coap",
            Self::Coaps => "coaps",
            Self::CoapTcp => "coap+tcp",
            Self::CoapsTcp => "coaps+tcp",
            Self::CoapWs => "coap+ws",
            Self::CoapsWs => "coaps+ws",
        }
    }

    /// The default port, left out of Uri-Port and of composed URIs (RFC 7252 §6.4 step 7).
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Coap | Self::CoapTcp => 5683,
            Self::Coaps | Self::CoapsTcp => 5684,
            Self::CoapWs => 80,
            Self::CoapsWs => 443,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        // RFC 3986 §3.1: schemes compare case-insensitively.
        [Self::Coap, Self::Coaps, Self::CoapTcp, Self::CoapsTcp, Self::CoapWs, Self::CoapsWs]
            .into_iter()
            .find(|sc| sc.as_str().eq_ignore_ascii_case(s))
    }
}

/// Why a URI cannot become options (RFC 7252 §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// Not an absolute URI with `//` authority (step 1).
    #[error("RFC 7252 §6.4 step 1: not an absolute URI")]
    NotAbsolute,
    /// A scheme other than the CoAP ones (step 2).
    #[error("RFC 7252 §6.4 step 2: scheme is not coap, coaps or an RFC 8323 scheme")]
    UnsupportedScheme,
    /// A fragment (step 3).
    #[error("RFC 7252 §6.4 step 3: URI has a fragment")]
    Fragment,
    /// An empty host, or a port that is not a number 0-65535.
    #[error("RFC 3986 §3.2: invalid host or port")]
    InvalidAuthority,
    /// A `%` not followed by two hex digits (RFC 3986 §2.1).
    #[error("RFC 3986 §2.1: invalid percent-encoding")]
    InvalidPercentEncoding,
    /// More path segments than this implementation keeps (32).
    #[error("more than 32 path segments")]
    TooManySegments,
    /// The scratch buffer is too small for the decoded values.
    #[error("scratch buffer too small: {0} bytes needed")]
    ScratchTooSmall(usize),
    /// The builder refused an option (length range, capacity).
    #[error("option refused: {0}")]
    Option(EncodeError),
}

/// An absolute CoAP URI split into its parts (borrowed, still percent-encoded).
///
/// ```
/// use coap_codec::uri::{Scheme, Uri};
/// let u = Uri::parse("coap://example.net:61616/.well-known/core?rt=temp")?;
/// assert_eq!((u.scheme, u.host, u.port, u.path, u.query), (Scheme::Coap, "example.net", 61616, "/.well-known/core", Some("rt=temp")));
/// # Ok::<(), coap_codec::uri::UriError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uri<'a> {
    /// The scheme.
    pub scheme: Scheme,
    /// The host as written (an IPv6 literal keeps its brackets).
    pub host: &'a str,
    /// The port (the scheme's default when absent).
    pub port: u16,
    /// The path, `""` or starting with `/`.
    pub path: &'a str,
    /// The query, without `?`.
    pub query: Option<&'a str>,
}

impl<'a> Uri<'a> {
    /// Splits an absolute CoAP URI (RFC 7252 §6.4 steps 1-3).
    ///
    /// # Errors
    /// [`UriError::NotAbsolute`], [`UriError::UnsupportedScheme`], [`UriError::Fragment`],
    /// [`UriError::InvalidAuthority`].
    pub fn parse(uri: &'a str) -> Result<Self, UriError> {
        let (scheme, rest) = uri.split_once("://").ok_or(UriError::NotAbsolute)?;
        let scheme = Scheme::parse(scheme).ok_or(UriError::UnsupportedScheme)?;
        if rest.contains('#') {
            return Err(UriError::Fragment);
        }
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (host, port) = if authority.starts_with('[') {
            let end = authority.find(']').ok_or(UriError::InvalidAuthority)?;
            let (h, p) = authority.split_at(end + 1);
            (h, p.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() || host.contains('@') {
            return Err(UriError::InvalidAuthority);
        }
        let port = match port {
            None | Some("") => scheme.default_port(),
            Some(p) => p.parse::<u16>().map_err(|_| UriError::InvalidAuthority)?,
        };
        Ok(Self { scheme, host, port, path, query })
    }

    /// Whether the host is an IP literal (IPv6 in brackets, or dotted IPv4): such a host is the
    /// destination address and gets no Uri-Host option (RFC 7252 §6.4 step 5).
    pub fn host_is_ip_literal(&self) -> bool {
        self.host.starts_with('[') || (self.host.split('.').count() == 4 && self.host.split('.').all(is_dec_octet))
    }

    /// Adds Uri-Host, Uri-Port, Uri-Path and Uri-Query options to `b` (RFC 7252 §6.4 steps
    /// 5-9): the host lower-cased unless it is an IP literal, the port unless it is the
    /// default, `.` and `..` segments resolved, every value percent-decoded into `scratch`.
    ///
    /// # Errors
    /// [`UriError::InvalidPercentEncoding`], [`UriError::TooManySegments`],
    /// [`UriError::ScratchTooSmall`], [`UriError::Option`].
    ///
    /// ```
    /// use coap_codec::uri::Uri;
    /// use coap_codec::wire::{Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};
    /// let mut scratch = [0u8; 64];
    /// let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, Code::GET, MessageId(1));
    /// Uri::parse("coap://Example.NET/a/./b/../%7Esensors?x=1&y")?.add_options(&mut b, &mut scratch)?;
    /// let mut out = [0u8; 64];
    /// let n = b.encode(&mut out).unwrap();
    /// let m = Message::new_checked(&out[..n]).unwrap();
    /// let opts: Vec<(u16, &[u8])> = m.options().map(|o| (o.number.0, o.value)).collect();
    /// assert_eq!(opts, [(3, &b"example.net"[..]), (11, b"a"), (11, b"~sensors"), (15, b"x=1"), (15, b"y")]);
    /// # Ok::<(), coap_codec::uri::UriError>(())
    /// ```
    pub fn add_options<'b, const N: usize>(
        &self,
        b: &mut MessageBuilder<'b, N>,
        scratch: &'b mut [u8],
    ) -> Result<(), UriError> {
        let mut scratch = scratch;
        if !self.host_is_ip_literal() {
            let (host, rest) = decode_into(self.host, scratch, true)?;
            b.option(OptionNumber::URI_HOST, host).map_err(UriError::Option)?;
            scratch = rest;
        }
        if self.port != self.scheme.default_port() {
            b.uint(OptionNumber::URI_PORT, u32::from(self.port)).map_err(UriError::Option)?;
        }
        // RFC 3986 §5.2.4: resolve "." and ".." before splitting into options.
        let mut segs: [&str; 32] = [""; 32];
        let mut n = 0usize;
        let path = self.path.strip_prefix('/').unwrap_or(self.path);
        if !path.is_empty() {
            for seg in path.split('/') {
                match seg {
                    "." => {}
                    ".." => n = n.saturating_sub(1),
                    s => {
                        *segs.get_mut(n).ok_or(UriError::TooManySegments)? = s;
                        n += 1;
                    }
                }
            }
        }
        // RFC 7252 §6.4 step 8: a path that resolves to "/" gives no Uri-Path ("/./" is "/").
        if n == 1 && segs.first() == Some(&"") {
            n = 0;
        }
        for seg in segs.iter().take(n) {
            let (v, rest) = decode_into(seg, scratch, false)?;
            b.option(OptionNumber::URI_PATH, v).map_err(UriError::Option)?;
            scratch = rest;
        }
        if let Some(q) = self.query {
            for arg in q.split('&') {
                let (v, rest) = decode_into(arg, scratch, false)?;
                b.option(OptionNumber::URI_QUERY, v).map_err(UriError::Option)?;
                scratch = rest;
            }
        }
        Ok(())
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s` (lower-casing with `lower`) into the front of `scratch`; returns the
/// decoded bytes and the rest of the scratch.
fn decode_into<'b>(s: &str, scratch: &'b mut [u8], lower: bool) -> Result<(&'b [u8], &'b mut [u8]), UriError> {
    let src = s.as_bytes();
    let mut n = 0usize;
    let mut i = 0usize;
    while let Some(&c) = src.get(i) {
        let byte = if c == b'%' {
            let hi = src.get(i + 1).copied().and_then(hex).ok_or(UriError::InvalidPercentEncoding)?;
            let lo = src.get(i + 2).copied().and_then(hex).ok_or(UriError::InvalidPercentEncoding)?;
            i += 3;
            (hi << 4) | lo
        } else {
            i += 1;
            c
        };
        // RFC 7252 §6.4 step 5: the host is lower-cased, also where it was percent-encoded.
        let byte = if lower { byte.to_ascii_lowercase() } else { byte };
        *scratch.get_mut(n).ok_or(UriError::ScratchTooSmall(n + 1))? = byte;
        n += 1;
    }
    let (head, tail) = scratch.split_at_mut(n);
    Ok((head, tail))
}

/// Writes the URI that a request's options stand for (RFC 7252 §6.5): `scheme://host[:port]`
/// then `/` and each Uri-Path, `?` and the Uri-Query options joined by `&`, percent-encoding
/// what needs it. `host` is the Uri-Host value or the destination address.
///
/// ```
/// use coap_codec::uri::{compose, Scheme};
/// let mut out = [0u8; 64];
/// let n = compose(Scheme::Coap, "example.net", 5683, [&b"a b"[..], b"c"], [&b"x=1&2"[..]], &mut out).unwrap();
/// assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), "coap://example.net/a%20b/c?x=1%262");
/// ```
///
/// # Errors
/// [`fmt::Error`] when `out` is too small.
pub fn compose<'x>(
    scheme: Scheme,
    host: &str,
    port: u16,
    path: impl IntoIterator<Item = &'x [u8]>,
    query: impl IntoIterator<Item = &'x [u8]>,
    out: &mut [u8],
) -> Result<usize, fmt::Error> {
    let mut w = SliceWriter { out, pos: 0 };
    fmt::Write::write_str(&mut w, scheme.as_str())?;
    fmt::Write::write_str(&mut w, "://")?;
    let v6 = host.contains(':') && !host.starts_with('[');
    if v6 {
        w.byte(b'[')?;
    }
    fmt::Write::write_str(&mut w, host)?;
    if v6 {
        w.byte(b']')?;
    }
    if port != scheme.default_port() {
        fmt::Write::write_fmt(&mut w, format_args!(":{port}"))?;
    }
    let mut any_path = false;
    for seg in path {
        any_path = true;
        w.byte(b'/')?;
        match seg {
            // A segment that is `.` or `..` as data must not read back as a dot segment
            // (RFC 3986 §5.2.4 would remove it), so its dots are percent-encoded.
            b"." => fmt::Write::write_str(&mut w, "%2E")?,
            b".." => fmt::Write::write_str(&mut w, "%2E%2E")?,
            _ => w.encoded(seg, b":@")?,
        }
    }
    if !any_path {
        w.byte(b'/')?;
    }
    for (i, q) in query.into_iter().enumerate() {
        w.byte(if i == 0 { b'?' } else { b'&' })?;
        // Inside one query option, '&' is data and is encoded; '=' '/' '?' may stay.
        w.encoded(q, b":@/?=")?;
    }
    Ok(w.pos)
}

struct SliceWriter<'o> {
    out: &'o mut [u8],
    pos: usize,
}

impl SliceWriter<'_> {
    fn byte(&mut self, b: u8) -> fmt::Result {
        *self.out.get_mut(self.pos).ok_or(fmt::Error)? = b;
        self.pos += 1;
        Ok(())
    }

    /// RFC 3986 §2.3 unreserved and `extra` stay; everything else is `%XX`.
    fn encoded(&mut self, s: &[u8], extra: &[u8]) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        for &c in s {
            if c.is_ascii_alphanumeric() || b"-._~!$'()*+,;".contains(&c) || extra.contains(&c) {
                self.byte(c)?;
            } else {
                self.byte(b'%')?;
                self.byte(*HEX.get(usize::from(c >> 4)).ok_or(fmt::Error)?)?;
                self.byte(*HEX.get(usize::from(c & 0x0F)).ok_or(fmt::Error)?)?;
            }
        }
        Ok(())
    }
}

impl fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.pos + s.len();
        self.out.get_mut(self.pos..end).ok_or(fmt::Error)?.copy_from_slice(s.as_bytes());
        self.pos = end;
        Ok(())
    }
}

/// RFC 3986 §3.2.2 `dec-octet`: `0`-`255` in decimal without leading zeros or a sign (`"00"`,
/// `"01"` and `"+1"` make the host a reg-name, not an IPv4 address).
fn is_dec_octet(o: &str) -> bool {
    let digits = !o.is_empty() && o.len() <= 3 && o.bytes().all(|b| b.is_ascii_digit());
    digits && (o.len() == 1 || !o.starts_with('0')) && o.parse::<u16>().is_ok_and(|v| v <= 255)
}
