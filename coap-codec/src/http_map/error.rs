//! Mapping errors: each names the rule and the answer the proxy sends back.

use http::StatusCode;

use crate::uri::UriError;
use crate::wire::{Code, ContentFormat, EncodeError};

/// Why an HTTP request cannot become a CoAP request (HTTP-to-CoAP proxy, RFC 7252 §10.2,
/// RFC 8075); [`status`](Self::status) is the HTTP status the proxy answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpRequestError {
    /// OPTIONS, TRACE, CONNECT or an extension method with no CoAP equivalent (RFC 7252
    /// §10.2.1, §10.2.7; RFC 7231 §4.1): 501.
    #[error("RFC 7252 §10.2.1: method has no CoAP equivalent")]
    MethodNotImplemented,
    /// The request-target does not match the proxy's URI mapping (RFC 8075 §5.3, §5.4): 404.
    #[error("RFC 8075 §5: request-target does not match the URI mapping")]
    NoTargetUri,
    /// The Target CoAP URI has no scheme and no local default is configured (RFC 8075
    /// §5.3.1): 400.
    #[error("RFC 8075 §5.3.1: Target CoAP URI without scheme")]
    SchemeOmitted,
    /// The configured template is not a simple form ending in `{+tu}` (RFC 8075 §5.4.1): 500.
    #[error("RFC 8075 §5.4.1: template does not end with {{+tu}}")]
    UnsupportedTemplate,
    /// The Target CoAP URI cannot become options (RFC 7252 §6.4): 400, or 500 when the
    /// proxy's scratch buffer or builder was too small.
    #[error("RFC 7252 §6.4: {0}")]
    TargetUri(UriError),
    /// A Content-Type (with its Content-Encoding) that maps to no Content-Format (RFC 8075
    /// §6.1): 415.
    #[error("RFC 8075 §6.1: media type maps to no Content-Format")]
    UnsupportedMediaType,
    /// `application/coap-payload` while pass-through is not enabled (RFC 8075 §6.2): 415.
    #[error("RFC 8075 §6.2: application/coap-payload not accepted")]
    CoapPayloadNotAllowed,
    /// `If-None-Match` with entity-tags on a method other than GET or HEAD: CoAP has no
    /// equivalent (RFC 7252 §5.10.8.2, §10.2.2), and dropping it would make the request
    /// unconditional: 501.
    #[error("RFC 7252 §5.10.8.2: If-None-Match with entity-tags only maps on GET/HEAD")]
    ConditionNotMappable,
    /// A header value that is not visible ASCII (RFC 7230 §3.2): 400.
    #[error("RFC 7230 §3.2: header value is not visible ASCII")]
    InvalidHeader,
    /// The scratch buffer is too small for the decoded values: 500.
    #[error("scratch buffer too small: {0} bytes needed")]
    ScratchTooSmall(usize),
    /// The builder refused an option (capacity, length): 500.
    #[error("option refused: {0}")]
    Encode(EncodeError),
}

impl HttpRequestError {
    /// The HTTP status the proxy answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MethodNotImplemented | Self::ConditionNotMappable => StatusCode::NOT_IMPLEMENTED,
            Self::NoTargetUri => StatusCode::NOT_FOUND,
            Self::SchemeOmitted | Self::InvalidHeader => StatusCode::BAD_REQUEST,
            Self::TargetUri(UriError::ScratchTooSmall(_) | UriError::Option(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::TargetUri(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType | Self::CoapPayloadNotAllowed => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::UnsupportedTemplate | Self::ScratchTooSmall(_) | Self::Encode(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Why a CoAP response cannot become an HTTP response (RFC 8075 §7, Table 2);
/// [`status`](Self::status) is what the proxy answers with instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoapResponseError {
    /// 2.31 Continue or 4.08 Request Entity Incomplete: block-wise transfer between proxy and
    /// server, never translated (RFC 8075 §7 note 10); continue or restart the transfer.
    #[error("RFC 8075 §7 note 10: {0} is block-wise only")]
    BlockWiseOnly(Code),
    /// 2.03 Valid answering an unconditional request: only a caching proxy's revalidation
    /// produces it, and it serves its cached representation with 200 (RFC 8075 §7 note 4).
    #[error("RFC 8075 §7 note 4: 2.03 needs the proxy's cached representation")]
    ValidNeedsCache,
    /// A code that is not a response (class 0, 1, 3, 6 or 7): not understood, 502 (RFC 7252
    /// §10.2).
    #[error("RFC 7252 §10.2: {0} is not a response code")]
    NotAResponse(Code),
}

impl CoapResponseError {
    /// The HTTP status the proxy answers with: 502 Bad Gateway, "a result obtained but not
    /// understood" (RFC 7252 §10.2).
    pub fn status(&self) -> StatusCode {
        StatusCode::BAD_GATEWAY
    }
}

/// Why a CoAP request cannot become an HTTP request (CoAP-to-HTTP proxy, RFC 7252 §10.1);
/// [`code`](Self::code) is the CoAP response the proxy answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CoapRequestError {
    /// Neither Proxy-Uri nor Proxy-Scheme, or a scheme other than `http`/`https`: the
    /// CoAP-HTTP function cannot serve it (RFC 7252 §5.7.2, §10.1): 5.05.
    #[error("RFC 7252 §10.1: not an http or https proxy request")]
    NotHttpProxy,
    /// A Proxy-Uri that is not an absolute URI, or options that compose no valid URI
    /// (RFC 7252 §5.10.2, §6.5): 4.00.
    #[error("RFC 7252 §5.10.2: invalid Proxy-Uri")]
    InvalidProxyUri,
    /// A known CoAP method with no HTTP equivalent (FETCH, RFC 8132 §2): 5.01.
    #[error("RFC 8132 §2: {0} has no HTTP equivalent")]
    MethodNotImplemented(Code),
    /// A method code this proxy does not recognise (RFC 7252 §5.8): 4.05.
    #[error("RFC 7252 §5.8: unknown method {0}")]
    UnknownMethod(Code),
    /// A Content-Format with no media type (RFC 7252 §5.10.3): 4.15.
    #[error("RFC 7252 §5.10.3: Content-Format {} has no media type", .0 .0)]
    UnsupportedContentFormat(ContentFormat),
    /// An Accept option with no media type: nothing acceptable can be returned (RFC 7252
    /// §5.10.4): 4.06.
    #[error("RFC 7252 §5.10.4: Accept {} has no media type", .0 .0)]
    NotAcceptable(ContentFormat),
}

impl CoapRequestError {
    /// The CoAP response code the proxy answers with.
    pub const fn code(&self) -> Code {
        match self {
            Self::NotHttpProxy => Code::PROXYING_NOT_SUPPORTED,
            Self::InvalidProxyUri => Code::BAD_REQUEST,
            Self::MethodNotImplemented(_) => Code::NOT_IMPLEMENTED,
            Self::UnknownMethod(_) => Code::METHOD_NOT_ALLOWED,
            Self::UnsupportedContentFormat(_) => Code::UNSUPPORTED_CONTENT_FORMAT,
            Self::NotAcceptable(_) => Code::NOT_ACCEPTABLE,
        }
    }
}

/// Why an HTTP response cannot become a CoAP response (CoAP-to-HTTP proxy, RFC 7252 §10.1);
/// [`code`](Self::code) is the CoAP response the proxy answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpResponseError {
    /// A Content-Type that maps to no Content-Format, so the Content-Format Option cannot be
    /// "set accordingly" (RFC 7252 §10.1.1): a result not understood, 5.02.
    #[error("RFC 7252 §10.1.1: media type maps to no Content-Format")]
    UnsupportedMediaType,
    /// The scratch buffer is too small: 5.00.
    #[error("scratch buffer too small: {0} bytes needed")]
    ScratchTooSmall(usize),
    /// The builder refused an option (capacity, token length): 5.00.
    #[error("option refused: {0}")]
    Encode(EncodeError),
}

impl HttpResponseError {
    /// The CoAP response code the proxy answers with.
    pub const fn code(&self) -> Code {
        match self {
            Self::UnsupportedMediaType => Code::BAD_GATEWAY,
            Self::ScratchTooSmall(_) | Self::Encode(_) => Code::INTERNAL_SERVER_ERROR,
        }
    }
}
