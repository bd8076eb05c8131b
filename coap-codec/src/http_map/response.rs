//! Whole responses: a CoAP response to an HTTP response (RFC 8075 §7, RFC 7252 §10.2) and an
//! HTTP response to a CoAP response (RFC 7252 §10.1).

use alloc::string::String;

use http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, LOCATION, RETRY_AFTER};
use http::{HeaderValue, Method, StatusCode};

use super::{
    cache_control, coap_code, entity_tags, http_status, max_age_from_http, media_type, retry_after, CoapHeader,
    CoapResponseError, Etag, HttpResponseError, MediaTypeMapping, DEFAULT_MAX_AGE,
};
use crate::wire::{Code, ContentFormat, Message, MessageBuilder, OptionNumber};

/// The reason phrase RFC 8075 §7 note 7 asks for when 4.05 becomes 400, stored in the
/// response's extensions; HTTP/1.1 server glue can write it in the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonPhrase(pub &'static str);

/// Whether a CoAP response is cacheable, so its Max-Age (or the default) is its freshness:
/// 2.03 and 2.05 (RFC 7252 §5.9.1.3, §5.9.1.5) and the error classes (§5.9.2, §5.9.3).
const fn cacheable(code: Code) -> bool {
    matches!(code, Code::VALID | Code::CONTENT) || matches!(code.class(), 4 | 5)
}

/// Maps a CoAP response to an HTTP response (HTTP-to-CoAP proxy).
///
/// - status: [`http_status`] (RFC 8075 §7 Table 2), `conditional` as returned in
///   [`MappedRequest`](super::MappedRequest);
/// - Content-Format to `Content-Type` (RFC 8075 §6.1, §6.2);
/// - for cacheable codes, Max-Age (default 60 s) to `Cache-Control: max-age` (RFC 7252
///   §10.2.2); for 5.03, Max-Age also to `Retry-After` (RFC 8075 §7 note 8);
/// - ETag to `ETag` (RFC 7252 §10.2.2, encoding in [`Etag`]);
/// - Location-Path and Location-Query to `Location`, after `location_base` (the Hosting HTTP
///   URI prefix of the target's authority, e.g. `/hc/coap://s.example.com`, RFC 7252
///   §10.2.4);
/// - the payload (also a diagnostic payload, RFC 8075 §6.5.3) to the body; none for HEAD
///   (RFC 7252 §10.2.3) or 304 (RFC 7232 §4.1).
///
/// # Errors
/// A [`CoapResponseError`]; its [`status`](CoapResponseError::status) is the HTTP answer.
pub fn http_response_from_coap<'m, B: AsRef<[u8]>>(
    method: &Method,
    conditional: bool,
    response: &'m Message<B>,
    location_base: &str,
) -> Result<http::Response<&'m [u8]>, CoapResponseError> {
    let code = response.code();
    let payload = response.payload();
    let status = http_status(code, !payload.is_empty(), conditional)?;
    let body = if *method == Method::HEAD || status == StatusCode::NOT_MODIFIED { &[][..] } else { payload };
    let mut res = http::Response::new(body);
    *res.status_mut() = status;
    if code == Code::METHOD_NOT_ALLOWED {
        res.extensions_mut().insert(ReasonPhrase("CoAP server returned 4.05"));
    }
    let headers = res.headers_mut();
    if let Some(cf) = response.uint_option(OptionNumber::CONTENT_FORMAT) {
        if !payload.is_empty() {
            headers.insert(CONTENT_TYPE, media_type(ContentFormat(u16::try_from(cf).unwrap_or(u16::MAX))));
        }
    }
    let max_age = response.uint_option(OptionNumber::MAX_AGE);
    if cacheable(code) {
        headers.insert(CACHE_CONTROL, cache_control(max_age));
    }
    if let (Code::SERVICE_UNAVAILABLE, Some(secs)) = (code, max_age) {
        headers.insert(RETRY_AFTER, HeaderValue::from(secs));
    }
    if let Some(e) = response.option(OptionNumber::ETAG).and_then(Etag::from_coap) {
        headers.insert(ETAG, e.to_header());
    }
    let mut location = String::from(location_base);
    let mut any = false;
    let mut first_query = true;
    for o in response.options() {
        if o.number == OptionNumber::LOCATION_PATH {
            location.push('/');
            super::uri::encode_into(&mut location, o.value, b":@");
            any = true;
        } else if o.number == OptionNumber::LOCATION_QUERY {
            location.push(if first_query { '?' } else { '&' });
            first_query = false;
            super::uri::encode_into(&mut location, o.value, b":@/?");
            any = true;
        }
    }
    if any {
        if let Ok(v) = HeaderValue::try_from(location) {
            headers.insert(LOCATION, v);
        }
    }
    Ok(res)
}

/// Maps an HTTP response to a CoAP response for the CoAP `request` it answers (CoAP-to-HTTP
/// proxy, RFC 7252 §10.1).
///
/// - code: [`coap_code`] with the request's method; a 2.05 whose ETag is among the request's
///   ETag options becomes 2.03 without payload (RFC 7252 §10.1.1, §5.10.6.2);
/// - `Content-Type` to Content-Format when there is a body (RFC 7252 §10.1.1: "set
///   accordingly");
/// - Max-Age from [`max_age_from_http`] on cacheable codes (left out when it is the default
///   60), from [`retry_after`] on 5.03 and 4.29 (RFC 7252 §5.9.3.4, RFC 8516 §3);
/// - a strong `ETag` to ETag ([`Etag::from_opaque_tag`]); weak ones have no CoAP equivalent
///   (RFC 7252 §10.1.1) and are dropped;
/// - the body to the payload.
///
/// The ETag bytes go into `scratch` (8 bytes suffice).
///
/// # Errors
/// An [`HttpResponseError`]; its [`code`](HttpResponseError::code) is the CoAP answer.
pub fn coap_response_from_http<'a, B: AsRef<[u8]>, const N: usize>(
    request: &Message<B>,
    parts: &'a http::response::Parts,
    body: &'a [u8],
    header: CoapHeader<'a>,
    media: MediaTypeMapping,
    scratch: &'a mut [u8],
) -> Result<MessageBuilder<'a, N>, HttpResponseError> {
    let mut code = coap_code(request.code(), parts.status);
    let etag = parts
        .headers
        .get(ETAG)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| entity_tags(v).next())
        .filter(|t| !t.weak)
        .map(|t| Etag::from_opaque_tag(t.opaque));
    if let Some(e) = etag {
        let requested = request.options().any(|o| o.number == OptionNumber::ETAG && o.value == e.as_bytes());
        if code == Code::CONTENT && requested {
            code = Code::VALID;
        }
    }
    let mut b = MessageBuilder::<N>::new(header.message_type, code, header.message_id);
    b.token(header.token).map_err(HttpResponseError::Encode)?;
    if let Some(e) = etag {
        let len = e.as_bytes().len();
        let dst = scratch.get_mut(..len).ok_or(HttpResponseError::ScratchTooSmall(len))?;
        dst.copy_from_slice(e.as_bytes());
        b.option(OptionNumber::ETAG, dst).map_err(HttpResponseError::Encode)?;
    }
    if code != Code::VALID && !body.is_empty() {
        if let Some(ct) = parts.headers.get(CONTENT_TYPE) {
            let ct = ct.to_str().map_err(|_| HttpResponseError::UnsupportedMediaType)?;
            let cf = media.content_format(ct).map_err(|_| HttpResponseError::UnsupportedMediaType)?;
            b.uint(OptionNumber::CONTENT_FORMAT, u32::from(cf.0)).map_err(HttpResponseError::Encode)?;
        }
        b.payload(body);
    }
    let max_age = match code {
        Code::SERVICE_UNAVAILABLE | Code::TOO_MANY_REQUESTS => {
            retry_after(&parts.headers).unwrap_or_else(|| max_age_from_http(&parts.headers))
        }
        c if cacheable(c) => max_age_from_http(&parts.headers),
        _ => DEFAULT_MAX_AGE,
    };
    // RFC 7252 §5.10.5: 60 is the default, so it need not be sent.
    if max_age != DEFAULT_MAX_AGE {
        b.uint(OptionNumber::MAX_AGE, max_age).map_err(HttpResponseError::Encode)?;
    }
    Ok(b)
}
