//! URIs across the proxy: the Target CoAP URI inside an HTTP request (RFC 8075 §5, RFC 7252
//! §10.2) and the HTTP URI inside a CoAP request (RFC 7252 §5.10.2, §6.5, §10.1).

use alloc::string::String;
use core::fmt::Write as _;

use super::{CoapRequestError, HttpRequestError};
use crate::uri::{Scheme, Uri};
use crate::wire::{Message, OptionNumber};

/// Where an HTTP-to-CoAP proxy finds the Target CoAP URI (RFC 8075 §5).
///
/// ```
/// use coap_codec::http_map::{target_uri, UriMapping};
/// let mapping = UriMapping::default_mapping("/hc/");
/// let req: http::Uri = "/hc/coap://%5B2001:db8::1%5D/light?on".parse().unwrap();
/// let mut scratch = [0u8; 64];
/// let (target, _rest) = target_uri(&mapping, &req, &mut scratch)?;
/// assert_eq!((target.host, target.path, target.query), ("[2001:db8::1]", "/light", Some("on")));
/// # Ok::<(), coap_codec::http_map::HttpRequestError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriMapping<'c> {
    /// The request-target is itself an absolute `coap`/`coaps` URI, as sent to a forward
    /// proxy (RFC 7252 §10.2).
    Forward,
    /// The HC Proxy URI's path, then a simple-form template whose `{+tu}` comes last (RFC
    /// 8075 §5.4.1), such as `{+tu}` (the default mapping, §5.3), `forward/{+tu}` or
    /// `?target_uri={+tu}`: the same string a proxy advertises in its `hct` link attribute
    /// (§5.5).
    Template {
        /// The HC Proxy URI's path, e.g. `/hc/`.
        proxy_path: &'c str,
        /// The template, ending in `{+tu}`.
        template: &'c str,
        /// The scheme assumed when the client omits it (RFC 8075 §5.3.1: only by prior
        /// agreement; `None` answers 400).
        default_scheme: Option<Scheme>,
    },
    /// The proxy chose the target by its own means (RFC 8075 §5.2, the null mapping).
    Null(Uri<'c>),
}

impl<'c> UriMapping<'c> {
    /// The default mapping (RFC 8075 §5.3): the Target CoAP URI appended to the HC Proxy URI,
    /// e.g. `https://p.example.com/hc/coap://s.example.com/light`.
    pub const fn default_mapping(proxy_path: &'c str) -> Self {
        Self::Template { proxy_path, template: "{+tu}", default_scheme: None }
    }
}

/// Copies `parts` into the front of `scratch`, turning `%5B`/`%5D` back into brackets (RFC
/// 8075 §5.3.2); returns the copy and the rest of the scratch.
fn unpack<'s>(parts: &[&str], scratch: &'s mut [u8]) -> Result<(&'s str, &'s mut [u8]), HttpRequestError> {
    let mut n = 0usize;
    for part in parts {
        let src = part.as_bytes();
        let mut i = 0usize;
        while let Some(&c) = src.get(i) {
            let bracket = match src.get(i..i + 3) {
                Some(t) if t.eq_ignore_ascii_case(b"%5B") => Some(b'['),
                Some(t) if t.eq_ignore_ascii_case(b"%5D") => Some(b']'),
                _ => None,
            };
            let (byte, step) = bracket.map_or((c, 1), |b| (b, 3));
            *scratch.get_mut(n).ok_or(HttpRequestError::ScratchTooSmall(n + 1))? = byte;
            n += 1;
            i += step;
        }
    }
    let (head, tail) = scratch.split_at_mut(n);
    // Copied from `&str`s with ASCII replacements only, so still UTF-8.
    let s = core::str::from_utf8(head).map_err(|_| HttpRequestError::NoTargetUri)?;
    Ok((s, tail))
}

/// The Target CoAP URI of an HTTP request, copied into `scratch` (RFC 8075 §5.2-§5.4, RFC
/// 7252 §10.2); returns it and the unused rest of `scratch`. Add it to a CoAP request with
/// [`Uri::add_options`]; its host and port say where to send it.
///
/// # Errors
/// [`HttpRequestError::NoTargetUri`] (404) when the request does not match the mapping,
/// [`HttpRequestError::SchemeOmitted`] (400, RFC 8075 §5.3.1),
/// [`HttpRequestError::UnsupportedTemplate`] (500), [`HttpRequestError::TargetUri`] (400),
/// [`HttpRequestError::ScratchTooSmall`] (500).
pub fn target_uri<'s>(
    mapping: &UriMapping<'s>,
    request: &http::Uri,
    scratch: &'s mut [u8],
) -> Result<(Uri<'s>, &'s mut [u8]), HttpRequestError> {
    let (text, rest) = match mapping {
        UriMapping::Null(uri) => return Ok((*uri, scratch)),
        UriMapping::Forward => {
            let mut s = String::new();
            write!(s, "{request}").map_err(|_| HttpRequestError::NoTargetUri)?;
            unpack(&[&s], scratch)?
        }
        UriMapping::Template { proxy_path, template, default_scheme } => {
            let literal = template.strip_suffix("{+tu}").ok_or(HttpRequestError::UnsupportedTemplate)?;
            if literal.contains('{') {
                return Err(HttpRequestError::UnsupportedTemplate);
            }
            let pq = request.path_and_query().map_or("/", |pq| pq.as_str());
            let tu = pq
                .strip_prefix(proxy_path)
                .and_then(|r| r.strip_prefix(literal))
                .filter(|tu| !tu.is_empty())
                .ok_or(HttpRequestError::NoTargetUri)?;
            let has_scheme = tu.split_once("://").is_some_and(|(s, _)| !s.contains(['/', '?']));
            match (has_scheme, default_scheme) {
                (true, _) => unpack(&[tu], scratch)?,
                // RFC 8075 §5.3.1: without prior agreement, a missing scheme is a 4xx.
                (false, None) => return Err(HttpRequestError::SchemeOmitted),
                (false, Some(s)) => unpack(&[s.as_str(), "://", tu], scratch)?,
            }
        }
    };
    let uri = Uri::parse(text).map_err(HttpRequestError::TargetUri)?;
    Ok((uri, rest))
}

/// Percent-encodes `bytes` into `out`: RFC 3986 §2.3 unreserved, sub-delims and `extra` stay.
pub(crate) fn encode_into(out: &mut String, bytes: &[u8], extra: &[u8]) {
    // RFC 3986 §5.2.4 would remove a `.` or `..` segment, so such data is encoded.
    if bytes == b"." || bytes == b".." {
        for _ in bytes {
            out.push_str("%2E");
        }
        return;
    }
    for &c in bytes {
        if c.is_ascii_alphanumeric() || b"-._~!$'()*+,;=".contains(&c) || extra.contains(&c) {
            out.push(char::from(c));
        } else {
            let _ = write!(out, "%{c:02X}");
        }
    }
}

/// The HTTP URI a CoAP request asks a CoAP-to-HTTP proxy for (RFC 7252 §10.1).
///
/// Proxy-Uri takes precedence over the Uri-* options (RFC 7252 §5.10.2). With Proxy-Scheme,
/// the URI is composed from Uri-Host (or `destination`, the address the request was sent
/// to), Uri-Port (left out when it is the scheme's default), Uri-Path and Uri-Query as in
/// RFC 7252 §6.5, percent-encoding what needs it.
///
/// ```
/// use coap_codec::http_map::http_uri;
/// use coap_codec::wire::{Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};
/// let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(1));
/// b.option(OptionNumber::PROXY_URI, b"https://api.example.com/v1/temp?unit=C")?;
/// let mut buf = [0u8; 64];
/// let n = b.encode(&mut buf)?;
/// let uri = http_uri(&Message::new_checked(&buf[..n]).unwrap(), "192.0.2.1").unwrap();
/// assert_eq!(uri, "https://api.example.com/v1/temp?unit=C");
/// # Ok::<(), coap_codec::wire::EncodeError>(())
/// ```
///
/// # Errors
/// [`CoapRequestError::NotHttpProxy`] (5.05) without Proxy-Uri or Proxy-Scheme, or with a
/// scheme other than `http`/`https`; [`CoapRequestError::InvalidProxyUri`] (4.00) when the
/// result is not a valid absolute URI.
pub fn http_uri<B: AsRef<[u8]>>(request: &Message<B>, destination: &str) -> Result<http::Uri, CoapRequestError> {
    let is_http = |s: &str| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https");
    if let Some(v) = request.option(OptionNumber::PROXY_URI) {
        let s = core::str::from_utf8(v).map_err(|_| CoapRequestError::InvalidProxyUri)?;
        let scheme = s.split_once(':').map_or("", |(sc, _)| sc);
        if !is_http(scheme) {
            return Err(CoapRequestError::NotHttpProxy);
        }
        let uri = http::Uri::try_from(s).map_err(|_| CoapRequestError::InvalidProxyUri)?;
        return if uri.host().is_some() { Ok(uri) } else { Err(CoapRequestError::InvalidProxyUri) };
    }
    let scheme = request.option(OptionNumber::PROXY_SCHEME).ok_or(CoapRequestError::NotHttpProxy)?;
    let scheme = core::str::from_utf8(scheme).map_err(|_| CoapRequestError::NotHttpProxy)?;
    if !is_http(scheme) {
        return Err(CoapRequestError::NotHttpProxy);
    }
    let https = scheme.eq_ignore_ascii_case("https");
    let mut out = String::from(if https { "https://" } else { "http://" });
    // RFC 7252 §6.5 step 3: Uri-Host, else the destination address; IPv6 gets brackets.
    let host = request.option(OptionNumber::URI_HOST).unwrap_or(destination.as_bytes());
    let v6 = host.contains(&b':') && !host.starts_with(b"[");
    if v6 {
        out.push('[');
    }
    encode_into(&mut out, host, if v6 || host.starts_with(b"[") { b":[]" } else { b"" });
    if v6 {
        out.push(']');
    }
    // RFC 7252 §6.5 step 4: the port unless it is the scheme's default.
    if let Some(port) = request.uint_option(OptionNumber::URI_PORT) {
        if port != if https { 443 } else { 80 } {
            let _ = write!(out, ":{port}");
        }
    }
    // RFC 7252 §6.5 steps 5-6: "/" and each Uri-Path, then "?" and Uri-Query joined by "&".
    let mut any_path = false;
    let mut first_query = true;
    for o in request.options() {
        if o.number == OptionNumber::URI_PATH {
            any_path = true;
            out.push('/');
            encode_into(&mut out, o.value, b":@");
        } else if o.number == OptionNumber::URI_QUERY {
            if !any_path {
                out.push('/');
                any_path = true;
            }
            out.push(if first_query { '?' } else { '&' });
            first_query = false;
            encode_into(&mut out, o.value, b":@/?");
        }
    }
    if !any_path {
        out.push('/');
    }
    http::Uri::try_from(out).map_err(|_| CoapRequestError::InvalidProxyUri)
}
