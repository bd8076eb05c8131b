//! Response codes both ways: CoAP to HTTP by RFC 8075 §7 Table 2, HTTP to CoAP by RFC 7252
//! §10.1 and the "like HTTP nnn" definitions of RFC 7252 §5.9.

use http::StatusCode;

use super::CoapResponseError;
use crate::wire::Code;

/// The HTTP status for a CoAP response code (RFC 8075 §7, Table 2).
///
/// `has_payload` picks 200 or 204 for 2.02 and 2.04 (note 2); `conditional` says the HTTP
/// request carried entity-tags in If-None-Match, so 2.03 becomes 304 (note 3). 4.02 always
/// gives 500: note 6 allows 400 only to a proxy that can tell which client header caused it,
/// and this function cannot.
///
/// ```
/// use coap_codec::http_map::http_status;
/// use coap_codec::wire::Code;
/// assert_eq!(http_status(Code::CONTENT, true, false), Ok(http::StatusCode::OK));
/// assert_eq!(http_status(Code::CHANGED, false, false), Ok(http::StatusCode::NO_CONTENT));
/// assert_eq!(http_status(Code::UNAUTHORIZED, false, false), Ok(http::StatusCode::FORBIDDEN));
/// ```
///
/// # Errors
/// [`CoapResponseError::BlockWiseOnly`] for 2.31 and 4.08 (note 10),
/// [`CoapResponseError::ValidNeedsCache`] for 2.03 to an unconditional request (note 4),
/// [`CoapResponseError::NotAResponse`] for codes outside classes 2, 4 and 5.
pub fn http_status(code: Code, has_payload: bool, conditional: bool) -> Result<StatusCode, CoapResponseError> {
    // RFC 8075 §7 note 2: 200 with a representation of the action result, 204 without.
    let ok_or_no_content = if has_payload { StatusCode::OK } else { StatusCode::NO_CONTENT };
    Ok(match code {
        Code::CREATED => StatusCode::CREATED, // note 1
        Code::DELETED | Code::CHANGED => ok_or_no_content,
        Code::VALID if conditional => StatusCode::NOT_MODIFIED, // note 3
        Code::VALID => return Err(CoapResponseError::ValidNeedsCache), // note 4
        Code::CONTENT => StatusCode::OK,
        Code::CONTINUE | Code::REQUEST_ENTITY_INCOMPLETE => return Err(CoapResponseError::BlockWiseOnly(code)),
        Code::BAD_REQUEST => StatusCode::BAD_REQUEST,
        Code::UNAUTHORIZED => StatusCode::FORBIDDEN, // note 5: 401 needs WWW-Authenticate
        Code::BAD_OPTION => StatusCode::INTERNAL_SERVER_ERROR, // note 6
        Code::FORBIDDEN => StatusCode::FORBIDDEN,
        Code::NOT_FOUND => StatusCode::NOT_FOUND,
        Code::METHOD_NOT_ALLOWED => StatusCode::BAD_REQUEST, // note 7: 405 needs Allow
        Code::NOT_ACCEPTABLE => StatusCode::NOT_ACCEPTABLE,
        Code::PRECONDITION_FAILED => StatusCode::PRECONDITION_FAILED,
        Code::REQUEST_ENTITY_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE, // note 11
        Code::UNSUPPORTED_CONTENT_FORMAT => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Code::INTERNAL_SERVER_ERROR => StatusCode::INTERNAL_SERVER_ERROR,
        Code::NOT_IMPLEMENTED => StatusCode::NOT_IMPLEMENTED,
        Code::BAD_GATEWAY => StatusCode::BAD_GATEWAY,
        Code::SERVICE_UNAVAILABLE => StatusCode::SERVICE_UNAVAILABLE, // note 8: Retry-After
        Code::GATEWAY_TIMEOUT => StatusCode::GATEWAY_TIMEOUT,
        Code::PROXYING_NOT_SUPPORTED => StatusCode::BAD_GATEWAY, // note 9
        // Not in Table 2: RFC 8075 §1 leaves extensions to map their own codes. RFC 8132
        // §3.4 defines 4.09 and 4.22 like HTTP 409 and 422; RFC 8516 §3 defines 4.29 like 429.
        Code::CONFLICT => StatusCode::CONFLICT,
        Code::UNPROCESSABLE_ENTITY => StatusCode::UNPROCESSABLE_ENTITY,
        Code::TOO_MANY_REQUESTS => StatusCode::TOO_MANY_REQUESTS,
        // RFC 7252 §5.2: an unrecognised 4.xx or 5.xx is the class's generic 4.00 or 5.00; an
        // unrecognised 2.xx only says the request succeeded (so 200/204 as for 2.04).
        c if c.class() == 2 => ok_or_no_content,
        c if c.class() == 4 => StatusCode::BAD_REQUEST,
        c if c.class() == 5 => StatusCode::INTERNAL_SERVER_ERROR,
        c => return Err(CoapResponseError::NotAResponse(c)),
    })
}

/// The CoAP response code for an HTTP status, given the CoAP request's method (CoAP-to-HTTP,
/// RFC 7252 §10.1).
///
/// Success depends on the method: GET and FETCH give 2.05 (§10.1.1), PUT, POST, PATCH and
/// iPATCH 2.04 (§10.1.2, §10.1.4, RFC 8132 §3), DELETE 2.02 (§10.1.3), and 201 gives 2.01.
/// DELETE of a resource that does not exist (404, 410) is also 2.02 (§10.1.3). 304 is 2.03
/// (§10.1.1). Errors follow the "like HTTP nnn" definitions of RFC 7252 §5.9, RFC 8132 §3.4
/// and RFC 8516 §3; other 4xx and 5xx are read as 400 and 500 (RFC 7231 §6); anything else
/// (1xx, other 3xx, 206, codes above 599) is a result not understood, 5.02 (§10.1).
///
/// ```
/// use coap_codec::http_map::coap_code;
/// use coap_codec::wire::Code;
/// use http::StatusCode;
/// assert_eq!(coap_code(Code::GET, StatusCode::OK), Code::CONTENT);
/// assert_eq!(coap_code(Code::POST, StatusCode::OK), Code::CHANGED);
/// assert_eq!(coap_code(Code::DELETE, StatusCode::NOT_FOUND), Code::DELETED);
/// assert_eq!(coap_code(Code::GET, StatusCode::MOVED_PERMANENTLY), Code::BAD_GATEWAY);
/// ```
pub fn coap_code(method: Code, status: StatusCode) -> Code {
    let success = match method {
        Code::GET | Code::FETCH => Code::CONTENT,
        Code::DELETE => Code::DELETED,
        _ => Code::CHANGED,
    };
    match status.as_u16() {
        201 => Code::CREATED,
        // RFC 7231 §6.3: 200, 202, 203, 204, 205 and unregistered 2xx all say "succeeded";
        // 206 answers a Range request this mapping never sends.
        206 => Code::BAD_GATEWAY,
        200..=299 => success,
        304 => Code::VALID,
        404 | 410 if method == Code::DELETE => Code::DELETED,
        401 => Code::UNAUTHORIZED,
        403 => Code::FORBIDDEN,
        404 => Code::NOT_FOUND,
        405 => Code::METHOD_NOT_ALLOWED,
        406 => Code::NOT_ACCEPTABLE,
        409 => Code::CONFLICT,
        412 => Code::PRECONDITION_FAILED,
        413 => Code::REQUEST_ENTITY_TOO_LARGE,
        415 => Code::UNSUPPORTED_CONTENT_FORMAT,
        422 => Code::UNPROCESSABLE_ENTITY,
        429 => Code::TOO_MANY_REQUESTS,
        // RFC 7231 §6: an unrecognised status is its class's x00 (and 400 is 4.00).
        400..=499 => Code::BAD_REQUEST,
        501 => Code::NOT_IMPLEMENTED,
        502 => Code::BAD_GATEWAY,
        503 => Code::SERVICE_UNAVAILABLE,
        504 => Code::GATEWAY_TIMEOUT,
        500..=599 => Code::INTERNAL_SERVER_ERROR, // 500 and unrecognised 5xx
        _ => Code::BAD_GATEWAY,
    }
}
