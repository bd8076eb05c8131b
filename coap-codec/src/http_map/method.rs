//! Request methods both ways (RFC 7252 §10.1, §10.2; RFC 8132 for FETCH, PATCH, iPATCH).

use http::Method;

use super::{CoapRequestError, HttpRequestError};
use crate::wire::Code;

/// The CoAP method for an HTTP method (HTTP-to-CoAP, RFC 7252 §10.2). HEAD becomes GET; the
/// proxy then drops the body from the HTTP response (RFC 7252 §10.2.3).
///
/// ```
/// use coap_codec::http_map::coap_method;
/// use coap_codec::wire::Code;
/// assert_eq!(coap_method(&http::Method::HEAD), Ok(Code::GET));
/// assert_eq!(coap_method(&http::Method::OPTIONS).unwrap_err().status(), 501);
/// ```
///
/// # Errors
/// [`HttpRequestError::MethodNotImplemented`] (answer 501) for OPTIONS and TRACE (RFC 7252
/// §10.2.1), CONNECT (§10.2.7) and any other method (RFC 7231 §4.1).
pub fn coap_method(method: &Method) -> Result<Code, HttpRequestError> {
    match *method {
        // RFC 7252 §10.2.2, §10.2.3: HEAD is GET without a body in the response.
        Method::GET | Method::HEAD => Ok(Code::GET),
        Method::POST => Ok(Code::POST),     // RFC 7252 §10.2.4
        Method::PUT => Ok(Code::PUT),       // RFC 7252 §10.2.5
        Method::DELETE => Ok(Code::DELETE), // RFC 7252 §10.2.6
        // RFC 8132 §3: CoAP PATCH is HTTP PATCH (RFC 5789); HTTP PATCH is not promised to be
        // idempotent, so it never becomes iPATCH.
        Method::PATCH => Ok(Code::PATCH),
        // RFC 7252 §10.2.1 (OPTIONS, TRACE), §10.2.7 (CONNECT); RFC 7231 §4.1 (others).
        _ => Err(HttpRequestError::MethodNotImplemented),
    }
}

/// The HTTP method for a CoAP method (CoAP-to-HTTP, RFC 7252 §10.1).
///
/// ```
/// use coap_codec::http_map::http_method;
/// use coap_codec::wire::Code;
/// assert_eq!(http_method(Code::IPATCH), Ok(http::Method::PATCH));
/// assert_eq!(http_method(Code::FETCH).unwrap_err().code(), Code::NOT_IMPLEMENTED);
/// ```
///
/// # Errors
/// [`CoapRequestError::MethodNotImplemented`] (answer 5.01) for FETCH, which HTTP lacks
/// (RFC 8132 §2); [`CoapRequestError::UnknownMethod`] (answer 4.05, RFC 7252 §5.8) for any
/// other code.
pub fn http_method(code: Code) -> Result<Method, CoapRequestError> {
    match code {
        Code::GET => Ok(Method::GET),       // RFC 7252 §10.1.1
        Code::PUT => Ok(Method::PUT),       // RFC 7252 §10.1.2
        Code::DELETE => Ok(Method::DELETE), // RFC 7252 §10.1.3
        Code::POST => Ok(Method::POST),     // RFC 7252 §10.1.4
        // RFC 8132 §3: PATCH and iPATCH both apply a patch document like HTTP PATCH (RFC
        // 5789); iPATCH only adds the client's promise of idempotence.
        Code::PATCH | Code::IPATCH => Ok(Method::PATCH),
        Code::FETCH => Err(CoapRequestError::MethodNotImplemented(code)),
        _ => Err(CoapRequestError::UnknownMethod(code)),
    }
}
