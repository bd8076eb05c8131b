//! The CoAP-HTTP mapping (RFC 7252 §10, RFC 8075) on the [`http`] crate's types, for a
//! gateway that proxies either way. Pure functions: no sockets, clocks or state; values
//! borrow from the inputs or from a caller's scratch buffer.
//!
//! | piece | HTTP to CoAP (HC proxy) | CoAP to HTTP |
//! |---|---|---|
//! | method | [`coap_method`] (RFC 7252 §10.2) | [`http_method`] (§10.1, RFC 8132) |
//! | status | [`coap_code`] (§10.1, §5.9) | [`http_status`] (RFC 8075 §7 Table 2) |
//! | media type | [`MediaTypeMapping`] (RFC 8075 §6.1-§6.4) | [`media_type`] (§6.1, §6.2) |
//! | freshness | [`max_age_from_http`], [`retry_after`] | [`cache_control`] (RFC 7252 §5.10.5) |
//! | entity-tags | [`Etag::from_opaque_tag`], [`entity_tags`] | [`Etag::to_header`] |
//! | URI | [`target_uri`] (RFC 8075 §5) | [`http_uri`] (RFC 7252 §5.10.2, §6.5) |
//! | request | [`coap_request_from_http`] | [`http_request_from_coap`] |
//! | response | [`coap_response_from_http`] | [`http_response_from_coap`] |
//!
//! Each error says what the proxy answers: [`HttpRequestError::status`],
//! [`CoapResponseError::status`], [`CoapRequestError::code`], [`HttpResponseError::code`].
//!
//! Not mapped: content transcoding (RFC 8075 §6.5, optional), block-wise reassembly and
//! Observe (RFC 8075 §8.2, §8.3: the endpoint's job), multicast (§8.4), the enhanced URI
//! template form (§5.4.2), `Expires` and HTTP-date `Retry-After` (they need a clock; the
//! mapping errs towards shorter freshness), and Location headers of HTTP responses.
//!
//! An HTTP GET through the default mapping becomes CoAP bytes, and the CoAP 2.05 answer an
//! HTTP response:
//!
//! ```
//! use coap_codec::http_map::{coap_request_from_http, http_response_from_coap, CoapHeader, HttpToCoap, UriMapping};
//! use coap_codec::wire::{Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};
//!
//! let (parts, body) = http::Request::get("/hc/coap://sensor.example/temp")
//!     .header("accept", "application/json")
//!     .body(&b""[..])
//!     .unwrap()
//!     .into_parts();
//! let config = HttpToCoap { uri: UriMapping::default_mapping("/hc/"), media: Default::default() };
//! let header = CoapHeader { message_type: MessageType::Confirmable, message_id: MessageId(0x7d34), token: &[0x42] };
//! let mut scratch = [0u8; 128];
//! let mapped = coap_request_from_http::<8>(&config, &parts, body, header, &mut scratch)?;
//! assert_eq!((mapped.target.host, mapped.target.port), ("sensor.example", 5683));
//! let mut datagram = [0u8; 64];
//! let n = mapped.builder.encode(&mut datagram).unwrap();
//! // CON GET, token 0x42, Uri-Host "sensor.example" (14 bytes: extended length), Uri-Path "temp",
//! // Accept 50.
//! assert_eq!(&datagram[..n], b"\x41\x01\x7d\x34\x42\x3d\x01sensor.example\x84temp\x61\x32");
//!
//! // The sensor answers 2.05 with Content-Format 50 and Max-Age 30.
//! let mut b = MessageBuilder::<4>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0x7d34));
//! b.token(&[0x42]).unwrap().payload(br#"{"t":21.5}"#);
//! b.uint(OptionNumber::CONTENT_FORMAT, 50).unwrap().uint(OptionNumber::MAX_AGE, 30).unwrap();
//! let n = b.encode(&mut datagram).unwrap();
//! let coap = Message::new_checked(&datagram[..n]).unwrap();
//! let res = http_response_from_coap(&parts.method, mapped.conditional, &coap, "/hc/coap://sensor.example").unwrap();
//! assert_eq!(res.status(), http::StatusCode::OK);
//! assert_eq!(res.headers()["content-type"], "application/json");
//! assert_eq!(res.headers()["cache-control"], "max-age=30");
//! assert_eq!(*res.body(), br#"{"t":21.5}"#);
//! # Ok::<(), coap_codec::http_map::HttpRequestError>(())
//! ```

mod cache;
mod error;
mod etag;
mod media;
mod method;
mod request;
mod response;
mod status;
mod uri;

pub use cache::{cache_control, max_age_from_http, retry_after, DEFAULT_MAX_AGE};
pub use error::{CoapRequestError, CoapResponseError, HttpRequestError, HttpResponseError};
pub use etag::{entity_tags, is_any, EntityTag, Etag};
pub use media::{media_type, MediaTypeError, MediaTypeMapping};
pub use method::{coap_method, http_method};
pub use request::{coap_request_from_http, http_request_from_coap, CoapHeader, HttpToCoap, MappedRequest};
pub use response::{coap_response_from_http, http_response_from_coap, ReasonPhrase};
pub use status::{coap_code, http_status};
pub use uri::{http_uri, target_uri, UriMapping};
