//! Whole requests: an HTTP request to a CoAP request (RFC 7252 §10.2, RFC 8075) and a CoAP
//! request to an HTTP request (RFC 7252 §10.1).

use http::header::{ACCEPT, CONTENT_ENCODING, CONTENT_TYPE, IF_MATCH, IF_NONE_MATCH};
use http::{HeaderValue, Method};

use super::{
    coap_method, entity_tags, http_method, http_uri, is_any, media_type, target_uri, CoapRequestError, Etag,
    HttpRequestError, MediaTypeError, MediaTypeMapping, UriMapping,
};
use crate::uri::Uri;
use crate::wire::{ContentFormat, Message, MessageBuilder, MessageId, MessageType, OptionNumber};

/// The CoAP header fields the caller chooses: type, message id and token (the builder
/// borrows the token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoapHeader<'a> {
    /// CON or NON for requests; ACK, CON or NON for responses.
    pub message_type: MessageType,
    /// The message id.
    pub message_id: MessageId,
    /// The token.
    pub token: &'a [u8],
}

/// How an HTTP-to-CoAP proxy maps requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpToCoap<'c> {
    /// Where the Target CoAP URI is (RFC 8075 §5).
    pub uri: UriMapping<'c>,
    /// How media types become Content-Formats (RFC 8075 §6).
    pub media: MediaTypeMapping,
}

/// A CoAP request made from an HTTP request.
#[derive(Debug, Clone)]
pub struct MappedRequest<'a, const N: usize> {
    /// The request, ready to [`encode`](MessageBuilder::encode); add more options (Block1,
    /// Observe) first if needed.
    pub builder: MessageBuilder<'a, N>,
    /// The Target CoAP URI: its scheme, host and port say where to send the request.
    pub target: Uri<'a>,
    /// The HTTP method was HEAD: answer without a body (RFC 7252 §10.2.3).
    pub head: bool,
    /// The HTTP request carried entity-tags in If-None-Match, now ETag options: a 2.03 answer
    /// becomes 304 (RFC 8075 §7 note 3).
    pub conditional: bool,
}

/// Stores an ETag's bytes at the front of `scratch`; returns them and the rest.
fn stash(e: Etag, scratch: &mut [u8]) -> Result<(&[u8], &mut [u8]), HttpRequestError> {
    let len = e.as_bytes().len();
    if scratch.len() < len {
        return Err(HttpRequestError::ScratchTooSmall(len));
    }
    let (head, tail) = scratch.split_at_mut(len);
    head.copy_from_slice(e.as_bytes());
    Ok((head, tail))
}

fn header_str(v: &HeaderValue) -> Result<&str, HttpRequestError> {
    v.to_str().map_err(|_| HttpRequestError::InvalidHeader)
}

/// Maps an HTTP request to a CoAP request (HTTP-to-CoAP proxy).
///
/// - method: [`coap_method`] (RFC 7252 §10.2);
/// - URI: [`target_uri`], then Uri-Host, Uri-Port, Uri-Path, Uri-Query (RFC 8075 §5, RFC
///   7252 §6.4);
/// - `Content-Type` to Content-Format when there is a body; a `Content-Encoding` other than
///   `identity` maps to no Content-Format here (RFC 8075 §6.1: 415);
/// - `Accept` to Accept by [`MediaTypeMapping::accept`] (RFC 7252 §10.2.2, RFC 8075 §6.1);
/// - `If-Match` to If-Match: `*` is the empty value, each entity-tag its [`Etag`] (RFC 7252
///   §5.10.8.1);
/// - `If-None-Match: *` to If-None-Match (RFC 7252 §5.10.8.2); entity-tags on GET or HEAD to
///   ETag options, a CoAP validation request (RFC 7252 §5.10.6.2, §10.2.2; weak tags too, as
///   If-None-Match compares weakly, RFC 7232 §3.2);
/// - the body to the payload.
///
/// Percent-decoded URI parts and ETag bytes go into `scratch` (the target URI's length plus
/// 8 bytes per entity-tag is always enough).
///
/// # Errors
/// An [`HttpRequestError`]; its [`status`](HttpRequestError::status) is the HTTP answer.
pub fn coap_request_from_http<'a, const N: usize>(
    config: &HttpToCoap<'a>,
    parts: &'a http::request::Parts,
    body: &'a [u8],
    header: CoapHeader<'a>,
    scratch: &'a mut [u8],
) -> Result<MappedRequest<'a, N>, HttpRequestError> {
    let code = coap_method(&parts.method)?;
    let head = parts.method == Method::HEAD;
    let mut b = MessageBuilder::<N>::new(header.message_type, code, header.message_id);
    b.token(header.token).map_err(HttpRequestError::Encode)?;

    let (target, scratch) = target_uri(&config.uri, &parts.uri, scratch)?;
    // Decoded values are never longer than their encoded form (RFC 3986 §2.1).
    let need = target.host.len() + target.path.len() + target.query.map_or(0, str::len);
    if scratch.len() < need {
        return Err(HttpRequestError::ScratchTooSmall(need));
    }
    let (uri_scratch, mut scratch) = scratch.split_at_mut(need);
    target.add_options(&mut b, uri_scratch).map_err(HttpRequestError::TargetUri)?;

    if !body.is_empty() {
        // RFC 8075 §6.4 assumes the identity coding; none of the registered formats this
        // crate knows carries another.
        if let Some(enc) = parts.headers.get(CONTENT_ENCODING) {
            if !header_str(enc)?.trim().eq_ignore_ascii_case("identity") {
                return Err(HttpRequestError::UnsupportedMediaType);
            }
        }
        if let Some(ct) = parts.headers.get(CONTENT_TYPE) {
            let cf = config.media.content_format(header_str(ct)?).map_err(|e| match e {
                MediaTypeError::CoapPayload => HttpRequestError::CoapPayloadNotAllowed,
                _ => HttpRequestError::UnsupportedMediaType,
            })?;
            b.uint(OptionNumber::CONTENT_FORMAT, u32::from(cf.0)).map_err(HttpRequestError::Encode)?;
        }
        b.payload(body);
    }

    // RFC 8075 §6.1: an Accept that does not map is ignored (no Accept option).
    let accept =
        parts.headers.get_all(ACCEPT).iter().filter_map(|v| v.to_str().ok()).find_map(|v| config.media.accept(v));
    if let Some(cf) = accept {
        b.uint(OptionNumber::ACCEPT, u32::from(cf.0)).map_err(HttpRequestError::Encode)?;
    }

    for v in parts.headers.get_all(IF_MATCH) {
        let v = header_str(v)?;
        if is_any(v) {
            b.option(OptionNumber::IF_MATCH, &[]).map_err(HttpRequestError::Encode)?;
            continue;
        }
        for tag in entity_tags(v) {
            // RFC 7232 §3.1: If-Match compares strongly, so a weak tag never matches; its
            // digest (of "W/..." never produced by this mapping) fails the condition too.
            let e = if tag.weak { Etag::from_opaque_tag(v.trim()) } else { Etag::from_opaque_tag(tag.opaque) };
            let (bytes, rest) = stash(e, scratch)?;
            scratch = rest;
            b.option(OptionNumber::IF_MATCH, bytes).map_err(HttpRequestError::Encode)?;
        }
    }

    let mut conditional = false;
    for v in parts.headers.get_all(IF_NONE_MATCH) {
        let v = header_str(v)?;
        if is_any(v) {
            b.option(OptionNumber::IF_NONE_MATCH, &[]).map_err(HttpRequestError::Encode)?;
            continue;
        }
        if !matches!(parts.method, Method::GET | Method::HEAD) {
            return Err(HttpRequestError::ConditionNotMappable);
        }
        for tag in entity_tags(v) {
            let (bytes, rest) = stash(Etag::from_opaque_tag(tag.opaque), scratch)?;
            scratch = rest;
            b.option(OptionNumber::ETAG, bytes).map_err(HttpRequestError::Encode)?;
            conditional = true;
        }
    }
    Ok(MappedRequest { builder: b, target, head, conditional })
}

/// Maps a CoAP request carrying Proxy-Uri or Proxy-Scheme `http`/`https` to an HTTP request
/// (CoAP-to-HTTP proxy, RFC 7252 §10.1). `destination` is the address the CoAP request was
/// sent to, the host when there is neither Proxy-Uri nor Uri-Host (RFC 7252 §6.5).
///
/// - method: [`http_method`]; URI: [`http_uri`];
/// - Content-Format to `Content-Type`, Accept to `Accept` (RFC 7252 §5.10.3, §5.10.4);
/// - If-Match to `If-Match` (the empty value is `*`), If-None-Match to `If-None-Match: *`.
///
/// ETag options are not sent on: the proxy fetches the representation and then compares
/// ([`coap_response_from_http`](super::coap_response_from_http) answers 2.03 when the
/// response's ETag is among them, RFC 7252 §10.1.1).
///
/// # Errors
/// A [`CoapRequestError`]; its [`code`](CoapRequestError::code) is the CoAP answer.
pub fn http_request_from_coap<'m, B: AsRef<[u8]>>(
    request: &'m Message<B>,
    destination: &str,
) -> Result<http::Request<&'m [u8]>, CoapRequestError> {
    let method = http_method(request.code())?;
    let uri = http_uri(request, destination)?;
    let mut req = http::Request::new(request.payload());
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    let headers = req.headers_mut();
    if let Some(cf) = request.uint_option(OptionNumber::CONTENT_FORMAT) {
        let cf = ContentFormat(u16::try_from(cf).unwrap_or(u16::MAX));
        // An unregistered format has no media type an HTTP origin would know (RFC 7252
        // §5.10.3): 4.15.
        if cf.media_type().is_none() {
            return Err(CoapRequestError::UnsupportedContentFormat(cf));
        }
        headers.insert(CONTENT_TYPE, media_type(cf));
    }
    if let Some(cf) = request.uint_option(OptionNumber::ACCEPT) {
        let cf = ContentFormat(u16::try_from(cf).unwrap_or(u16::MAX));
        if cf.media_type().is_none() {
            return Err(CoapRequestError::NotAcceptable(cf));
        }
        headers.insert(ACCEPT, media_type(cf));
    }
    for o in request.options() {
        if o.number == OptionNumber::IF_MATCH {
            let v = match Etag::from_coap(o.value) {
                Some(e) => e.to_header(),
                None => HeaderValue::from_static("*"), // RFC 7252 §5.10.8.1: empty is "any"
            };
            headers.append(IF_MATCH, v);
        } else if o.number == OptionNumber::IF_NONE_MATCH {
            headers.insert(IF_NONE_MATCH, HeaderValue::from_static("*"));
        }
    }
    Ok(req)
}
