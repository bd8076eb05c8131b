//! Media types to Content-Formats and back (RFC 8075 §6; RFC 7252 §10.2.2 for Accept).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use http::HeaderValue;

use crate::wire::ContentFormat;

/// How an HTTP media type becomes a Content-Format (RFC 8075 §6.4).
///
/// The default is strict: the media type must be registered (RFC 8075 §6.4) and
/// `application/coap-payload` is refused (§6.2).
///
/// ```
/// use coap_codec::http_map::{MediaTypeError, MediaTypeMapping};
/// use coap_codec::wire::ContentFormat;
/// let strict = MediaTypeMapping::default();
/// assert_eq!(strict.content_format("Text/Plain; Charset=\"UTF-8\""), Ok(ContentFormat::TEXT_PLAIN));
/// assert_eq!(strict.content_format("application/soap+xml"), Err(MediaTypeError::Unsupported));
/// let loose = MediaTypeMapping { loose: true, ..MediaTypeMapping::default() };
/// assert_eq!(loose.content_format("application/soap+xml"), Ok(ContentFormat::APPLICATION_XML));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MediaTypeMapping {
    /// Generalise unregistered types by RFC 8075 §6.3 Table 1 (an OPTIONAL feature):
    /// `application/*+xml` to `application/xml`, ..., `*/*` to `application/octet-stream`.
    pub loose: bool,
    /// Pass `application/coap-payload;cf=N` through as Content-Format N (RFC 8075 §6.2 says
    /// a proxy SHOULD NOT unless configured to).
    pub coap_payload: bool,
}

/// Why a media type maps to no Content-Format (RFC 8075 §6.1: the proxy answers 415).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MediaTypeError {
    /// Not registered (and no loose generalisation applies), or not a media type.
    #[error("RFC 8075 §6.4: no Content-Format for this media type")]
    Unsupported,
    /// `application/coap-payload` while pass-through is off (RFC 8075 §6.2).
    #[error("RFC 8075 §6.2: application/coap-payload not accepted")]
    CoapPayload,
}

/// The media type for a Content-Format, as an HTTP header value (RFC 8075 §6.1): the
/// registered type with its parameters, or `application/coap-payload;cf=N` for a format this
/// crate does not know (RFC 8075 §6.2, which says SHALL).
///
/// ```
/// use coap_codec::http_map::media_type;
/// use coap_codec::wire::ContentFormat;
/// assert_eq!(media_type(ContentFormat(40)), "application/link-format");
/// assert_eq!(media_type(ContentFormat(65000)), "application/coap-payload;cf=65000");
/// ```
pub fn media_type(cf: ContentFormat) -> HeaderValue {
    match cf.media_type() {
        Some(m) => HeaderValue::from_static(m),
        None => header_value(format!("application/coap-payload;cf={}", cf.0)),
    }
}

/// A header value from a string built of visible ASCII (never fails for this module's
/// strings; an invalid one would become empty rather than panic).
pub(crate) fn header_value(s: String) -> HeaderValue {
    HeaderValue::try_from(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A media type split into lower-cased type/subtype and parameters (RFC 7231 §3.1.1.1).
struct Parsed<'s> {
    essence: String,
    params: Vec<(String, &'s str)>,
}

/// Splits `type/subtype *( OWS ";" OWS name=value )`; `None` if it is not of that form.
fn parse(s: &str) -> Option<Parsed<'_>> {
    let mut parts = split_outside_quotes(s, b';');
    let essence = parts.next()?.trim();
    let (ty, sub) = essence.split_once('/')?;
    if !is_token(ty) || !is_token(sub) {
        return None;
    }
    let mut params = Vec::new();
    for p in parts {
        let p = p.trim();
        if p.is_empty() {
            continue; // RFC 7231 §3.1.1.1 allows empty list elements in practice; skip them.
        }
        let (name, value) = p.split_once('=')?;
        let (name, value) = (name.trim(), value.trim());
        // RFC 7231 §3.1.1.1: a value is a token or a quoted-string, and both mean the same.
        let value = match value.strip_prefix('"') {
            Some(v) => v.strip_suffix('"')?,
            None if is_token(value) => value,
            None => return None,
        };
        if !is_token(name) {
            return None;
        }
        params.push((name.to_ascii_lowercase(), value));
    }
    Some(Parsed { essence: essence.to_ascii_lowercase(), params })
}

fn is_token(s: &str) -> bool {
    // RFC 7230 §3.2.6 tchar.
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

/// Splits `s` at `sep` bytes that are not inside a quoted-string.
pub(crate) fn split_outside_quotes(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    core::iter::from_fn(move || {
        let cur = rest?;
        let mut quoted = false;
        let mut escaped = false;
        for (i, c) in cur.bytes().enumerate() {
            match c {
                _ if escaped => escaped = false,
                b'\\' if quoted => escaped = true,
                b'"' => quoted = !quoted,
                c if c == sep && !quoted => {
                    rest = cur.get(i + 1..);
                    return cur.get(..i);
                }
                _ => {}
            }
        }
        rest = None;
        Some(cur)
    })
}

/// The registry entry for an essence and at most one parameter, in the registry's spelling.
fn lookup(essence: &str, param: Option<(&str, &str)>) -> Option<ContentFormat> {
    match param {
        None => ContentFormat::from_media_type(essence),
        Some((n, v)) => ContentFormat::from_media_type(&format!("{essence}; {n}={v}"))
            .or_else(|| ContentFormat::from_media_type(&format!("{essence}; {n}=\"{v}\""))),
    }
}

/// RFC 8075 §6.3 Table 1: the generalised media type, rows tried top to bottom.
fn generalise(essence: &str) -> &'static str {
    let (ty, sub) = essence.split_once('/').unwrap_or((essence, ""));
    match (ty, sub) {
        ("application", s) if s.ends_with("+xml") => "application/xml",
        ("application", s) if s.ends_with("+json") => "application/json",
        ("application", s) if s.ends_with("+cbor") => "application/cbor",
        ("text", "xml") => "application/xml",
        ("text", _) => "text/plain",
        _ => "application/octet-stream",
    }
}

impl MediaTypeMapping {
    /// The Content-Format for an HTTP media type (a Content-Type value or one Accept
    /// element without its `q`), by RFC 8075 §6.4.
    ///
    /// Matching ignores case in type, subtype, parameter names and the charset value, and
    /// treats a quoted parameter value like the bare token (RFC 7231 §3.1.1.1). `text/plain`
    /// without charset, or with `us-ascii`, is Content-Format 0: its default charset is
    /// US-ASCII (RFC 2046 §4.1.2), a subset of UTF-8. `charset=utf-8` on a type registered
    /// without parameters (`application/json; charset=utf-8`) is dropped: RFC 8259 §11 says it
    /// has no effect.
    ///
    /// # Errors
    /// [`MediaTypeError::Unsupported`] or [`MediaTypeError::CoapPayload`]; the proxy answers
    /// 415 (RFC 8075 §6.1).
    pub fn content_format(&self, media: &str) -> Result<ContentFormat, MediaTypeError> {
        let p = parse(media).ok_or(MediaTypeError::Unsupported)?;
        if p.essence == "application/coap-payload" {
            // RFC 8075 §6.2, §9.2: the required parameter cf is the Content-Format, 0-65535.
            let cf = match p.params.as_slice() {
                [(n, v)] if n == "cf" => v.parse::<u16>().map_err(|_| MediaTypeError::Unsupported)?,
                _ => return Err(MediaTypeError::Unsupported),
            };
            return if self.coap_payload { Ok(ContentFormat(cf)) } else { Err(MediaTypeError::CoapPayload) };
        }
        let charset = p.params.iter().find(|(n, _)| n == "charset").map(|(_, v)| v.to_ascii_lowercase());
        let exact = match p.params.as_slice() {
            [] => lookup(&p.essence, None),
            [(n, v)] if n == "charset" => lookup(&p.essence, Some((n, &v.to_ascii_lowercase()))),
            [(n, v)] => lookup(&p.essence, Some((n, v))),
            _ => None,
        };
        let found = exact.or_else(|| match (p.essence.as_str(), charset.as_deref()) {
            // RFC 2046 §4.1.2: text/plain defaults to US-ASCII, which is UTF-8.
            ("text/plain", None | Some("us-ascii")) if p.params.len() == usize::from(charset.is_some()) => {
                Some(ContentFormat::TEXT_PLAIN)
            }
            // RFC 8259 §11: a charset parameter on JSON (and other types registered without
            // one) has no effect.
            (e, Some("utf-8")) if p.params.len() == 1 => lookup(e, None),
            _ => None,
        });
        match found {
            Some(cf) => Ok(cf),
            // RFC 8075 §6.4 Figure 2: retry the registry with the loose mapper's answer.
            None if self.loose => {
                let general = generalise(&p.essence);
                let cf = if general == "text/plain" { Some(ContentFormat::TEXT_PLAIN) } else { lookup(general, None) };
                cf.ok_or(MediaTypeError::Unsupported)
            }
            None => Err(MediaTypeError::Unsupported),
        }
    }

    /// The CoAP Accept for an HTTP `Accept` header value (RFC 7252 §10.2.2, RFC 8075 §6.1):
    /// the most-preferred element (highest `q`, first on ties, `q=0` never) that maps to a
    /// Content-Format. A media range such as `*/*` or `text/*` at the top means any format
    /// will do, so no Accept option (RFC 8075 §6.1: `*/*` MUST map to none); elements that do
    /// not map are skipped, and `None` means "send no Accept option".
    ///
    /// ```
    /// use coap_codec::http_map::MediaTypeMapping;
    /// use coap_codec::wire::ContentFormat;
    /// let m = MediaTypeMapping::default();
    /// assert_eq!(m.accept("text/html;q=0.9, application/cbor"), Some(ContentFormat::APPLICATION_CBOR));
    /// assert_eq!(m.accept("*/*"), None);
    /// ```
    pub fn accept(&self, header: &str) -> Option<ContentFormat> {
        let mut ranked: Vec<(u16, &str)> = split_outside_quotes(header, b',')
            .filter_map(|el| {
                let el = el.trim();
                if el.is_empty() {
                    return None;
                }
                // RFC 7231 §5.3.2: "q" separates media-type parameters from accept-params.
                let mut q = 1000u16;
                let mut media_end = el.len();
                let mut offset = 0usize;
                for part in split_outside_quotes(el, b';') {
                    let (name, value) = part.split_once('=').unwrap_or((part, ""));
                    if offset > 0 && name.trim().eq_ignore_ascii_case("q") {
                        q = parse_qvalue(value.trim())?;
                        media_end = offset - 1;
                        break;
                    }
                    offset += part.len() + 1;
                }
                Some((q, el.get(..media_end)?.trim()))
            })
            .filter(|&(q, _)| q > 0)
            .collect();
        ranked.sort_by_key(|&(q, _)| core::cmp::Reverse(q)); // stable: ties keep header order
        for (_, media) in ranked {
            if media.split(';').next().is_some_and(|e| e.trim().ends_with("/*")) {
                return None; // RFC 7252 §10.2.2: ranges are not supported by CoAP Accept
            }
            if let Ok(cf) = self.content_format(media) {
                return Some(cf);
            }
        }
        None
    }
}

/// RFC 7231 §5.3.1 qvalue in thousandths; `None` if malformed.
fn parse_qvalue(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole = match int {
        "0" => 0u16,
        "1" => 1000,
        _ => return None,
    };
    let mut thousandths = 0u16;
    for (i, c) in frac.bytes().enumerate() {
        thousandths += u16::from(c - b'0') * [100u16, 10, 1].get(i).copied().unwrap_or(0);
    }
    let q = whole + thousandths;
    (q <= 1000).then_some(q)
}
