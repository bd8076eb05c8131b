//! The resources of the `coap-server` binary (those of the ETSI CoAP plugtests, `TD_COAP_CORE_*`,
//! `TD_COAP_LINK_*`, `TD_COAP_OBS_*`, and `TD_COAP_BLOCK_*` in `coap_resources/block.rs`), apart
//! from any transport: [`Resources::handle`] takes an owned request and gives an [`Answer`] (the
//! reply, whether it goes out at once, late or registers an observer, and whether an observable
//! changed); [`Resources::tick`] and
//! [`Resources::notification`] give the [`Notification`]s for observers. The UDP endpoint and
//! each TCP or WebSocket session of the server are carriers that apply them; the resources
//! never see which.
//!
//! ```
//! use coap_codec::wire::{Code, Message, MessageBuilder, MessageId, MessageType};
//! use net::coap_driver::MessageBuf;
//! use net::coap_resources::{How, Resources};
//!
//! let mut resources = Resources::new(std::time::Duration::from_secs(5))?;
//! let mut get = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(7));
//! get.path("query")?.option(coap_codec::wire::OptionNumber::URI_QUERY, b"a=1")?;
//! let mut buf = [0u8; 64];
//! let n = get.encode(&mut buf)?;
//! let request = MessageBuf::copy(&Message::new_checked(&buf[..n])?);
//! let answer = resources.handle(&request);
//! assert!(matches!(answer.how, How::Now));
//! assert_eq!((answer.reply.code, &answer.reply.payload[..]), (Code::CONTENT, &b"a=1"[..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use coap_codec::endpoint::RespondError;
use coap_codec::link_format::{LinkFormat, LinkWriter, QueryFilter};
use coap_codec::wire::{encode_uint, Code, ContentFormat, MessageBuilder, MessageId, MessageType, OptionNumber};

use crate::coap_driver::MessageBuf;

mod block;

pub use block::{large_body, obs_large_body, CREATED_MAX};

/// The resource number of `/obs` (for `observe` and `observers`).
pub const OBS: u32 = 1;
/// The resource number of `/obs-non`.
pub const OBS_NON: u32 = 2;
/// The resource number of `/obs-large`, an observable larger than a block ([`obs_large_body`]):
/// over UDP its notifications go in blocks (RFC 7959 §3.4).
pub const OBS_LARGE: u32 = 3;
/// Every observable, in resource-number order.
const OBSERVABLES: [u32; 3] = [OBS, OBS_NON, OBS_LARGE];

/// A response: code, options, payload. The carrier sets type, message id and token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The response code.
    pub code: Code,
    /// The options, in the order added (the builder sorts them).
    pub options: Vec<(OptionNumber, Vec<u8>)>,
    /// The payload.
    pub payload: Vec<u8>,
}

impl Reply {
    /// A reply with no options and no payload.
    pub fn new(code: Code) -> Self {
        Self { code, options: Vec::new(), payload: Vec::new() }
    }

    /// A reply with a text/plain payload.
    pub fn text(code: Code, text: impl Into<String>) -> Self {
        Self::new(code).uint(OptionNumber::CONTENT_FORMAT, u32::from(ContentFormat::TEXT_PLAIN.0)).payload(text)
    }

    /// Adds an option.
    pub fn option(mut self, number: OptionNumber, value: impl Into<Vec<u8>>) -> Self {
        self.options.push((number, value.into()));
        self
    }

    /// Adds a uint option (RFC 7252 §3.2).
    pub fn uint(self, number: OptionNumber, value: u32) -> Self {
        let (bytes, n) = encode_uint(value);
        self.option(number, bytes.get(..n).unwrap_or(&[]))
    }

    /// Sets a text payload.
    pub fn payload(mut self, payload: impl Into<String>) -> Self {
        self.payload = payload.into().into_bytes();
        self
    }

    /// Sets a payload of any bytes.
    pub fn bytes(mut self, payload: Vec<u8>) -> Self {
        self.payload = payload;
        self
    }

    /// The builder `respond` and `notify` take (room for the Observe the carrier adds).
    ///
    /// # Errors
    /// [`RespondError::Encode`] when an option does not fit.
    pub fn builder(&self) -> Result<MessageBuilder<'_, 24>, RespondError> {
        let mut b = MessageBuilder::new(MessageType::Acknowledgement, self.code, MessageId(0));
        for (number, value) in &self.options {
            b.option(*number, value).map_err(RespondError::Encode)?;
        }
        b.payload(&self.payload);
        Ok(b)
    }
}

/// How a reply goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// At once (UDP: piggybacked on the ACK of a CON, or a NON to a NON).
    Now,
    /// Later, after the server's separate-response delay (UDP: an empty ACK now, the response
    /// as a separate CON; TCP/WebSocket: there is no ACK, the response simply comes late).
    Separate,
    /// Register the requester as an observer of this resource first (RFC 7641 §4.1).
    Observe(u32),
}

/// What [`Resources::handle`] decided.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The reply.
    pub reply: Reply,
    /// How it goes out.
    pub how: How,
    /// An observable this request changed (PUT, DELETE): once the reply is out, every
    /// observer of it, on every carrier, gets [`Resources::notification`] (RFC 7641 §4.2).
    pub changed: Option<u32>,
}

/// A notification for every observer of `resource`.
#[derive(Debug, Clone)]
pub struct Notification {
    /// The observable.
    pub resource: u32,
    /// What to send.
    pub reply: Reply,
    /// The resource is gone (the reply is 4.04): the observation ends with it (RFC 7641 §4.2),
    /// so the carrier removes the observers once this is sent.
    pub ends: bool,
}

/// An observable resource's state.
#[derive(Debug)]
struct Observable {
    exists: bool,
    ticks: u64,
    value: Vec<u8>,
    content_format: u32,
}

/// The state of every resource.
#[derive(Debug)]
pub struct Resources {
    max_age: u32,
    observables: [Observable; 3],
    /// `/validate`: value and ETag counter.
    validate: (Vec<u8>, u32),
    /// `/create1`: value and Content-Format once created.
    create1: Option<(Vec<u8>, Option<u32>)>,
    /// `/large`, `/large-update`, `/large-create`, `/large-post`.
    large: block::Large,
    /// `/.well-known/core`, written once.
    core_links: String,
}

impl Resources {
    /// Fresh resources whose observables change every `obs_interval` (for their Max-Age).
    ///
    /// # Errors
    /// The link format of `/.well-known/core` does not fit its buffer (a bug).
    pub fn new(obs_interval: Duration) -> Result<Self, String> {
        let observable = || Observable {
            exists: true,
            ticks: 0,
            value: b"0".to_vec(),
            content_format: u32::from(ContentFormat::TEXT_PLAIN.0),
        };
        Ok(Self {
            // RFC 7641 §4.3.1: fresh until the next change is due, with a margin.
            max_age: u32::try_from(obs_interval.as_millis().div_ceil(1000) + 1).unwrap_or(u32::MAX),
            observables: [observable(), observable(), Observable { value: obs_large_body(0), ..observable() }],
            validate: (b"validate me".to_vec(), 1),
            create1: None,
            large: block::Large::new(),
            core_links: core_links().map_err(|e| format!("/.well-known/core: {e}"))?,
        })
    }

    /// The observables change; the notifications for their observers.
    pub fn tick(&mut self) -> Vec<Notification> {
        let mut out = Vec::new();
        for resource in OBSERVABLES {
            let Some(o) = self.observables.get_mut(observable_index(resource)) else { continue };
            if !o.exists {
                continue;
            }
            o.ticks += 1;
            o.value = if resource == OBS_LARGE { obs_large_body(o.ticks) } else { o.ticks.to_string().into_bytes() };
            o.content_format = u32::from(ContentFormat::TEXT_PLAIN.0);
            out.extend(self.notification(resource));
        }
        out
    }

    /// The notification of `resource`'s current state (`None` for a number that is not an
    /// observable).
    pub fn notification(&self, resource: u32) -> Option<Notification> {
        let o = self.observables.get(observable_index(resource))?;
        let reply = if o.exists { self.observable_reply(o) } else { Reply::text(Code::NOT_FOUND, "deleted") };
        Some(Notification { resource, reply, ends: !o.exists })
    }

    fn observable_reply(&self, o: &Observable) -> Reply {
        let mut r = Reply::new(Code::CONTENT)
            .uint(OptionNumber::CONTENT_FORMAT, o.content_format)
            .uint(OptionNumber::MAX_AGE, self.max_age);
        r.payload.clone_from(&o.value);
        r
    }

    /// The answer to `req`.
    pub fn handle(&mut self, req: &MessageBuf) -> Answer {
        let path = req.path();
        let method = req.code;
        let now = |reply| Answer { reply, how: How::Now, changed: None };
        match path.as_str() {
            "/test" => now(match method {
                Code::GET => Reply::text(Code::CONTENT, describe(req)),
                Code::POST => ["location1", "location2", "location3"]
                    .iter()
                    .fold(Reply::new(Code::CREATED), |r, seg| r.option(OptionNumber::LOCATION_PATH, seg.as_bytes())),
                Code::PUT => Reply::new(Code::CHANGED),
                Code::DELETE => Reply::new(Code::DELETED),
                _ => method_not_allowed(),
            }),
            "/separate" => match method {
                Code::GET => {
                    Answer { reply: Reply::text(Code::CONTENT, describe(req)), how: How::Separate, changed: None }
                }
                _ => now(method_not_allowed()),
            },
            "/seg1/seg2/seg3" => now(get_only(method, || Reply::text(Code::CONTENT, describe(req)))),
            "/query" => now(get_only(method, || Reply::text(Code::CONTENT, req.queries().join("&")))),
            "/location-query" => now(match method {
                Code::POST => Reply::new(Code::CREATED)
                    .option(OptionNumber::LOCATION_QUERY, "first=1")
                    .option(OptionNumber::LOCATION_QUERY, "second=2"),
                _ => method_not_allowed(),
            }),
            "/multi-format" => now(get_only(method, || multi_format(req))),
            "/validate" => now(self.validate(req)),
            "/create1" => now(self.create1(req)),
            "/obs" => self.observable(req, OBS),
            "/obs-non" => self.observable(req, OBS_NON),
            // Changed by the clock only.
            "/obs-large" if method != Code::GET => now(method_not_allowed()),
            "/obs-large" => self.observable(req, OBS_LARGE),
            "/link1" | "/link2" | "/link3" | "/path/sub1" | "/path/sub2" | "/path/sub3" => {
                now(get_only(method, || Reply::text(Code::CONTENT, format!("this is {path}"))))
            }
            "/path" => now(get_only(method, || {
                Reply::new(Code::CONTENT)
                    .uint(OptionNumber::CONTENT_FORMAT, u32::from(ContentFormat::APPLICATION_LINK_FORMAT.0))
                    .payload("</path/sub1>,</path/sub2>,</path/sub3>")
            })),
            "/.well-known/core" => now(get_only(method, || self.well_known_core(req))),
            _ => now(self.large.handle(&path, req).unwrap_or_else(|| Reply::new(Code::NOT_FOUND))),
        }
    }

    /// `/validate` (TD_COAP_CORE_21, _22): ETag validation and If-Match.
    fn validate(&mut self, req: &MessageBuf) -> Reply {
        let etag = self.validate.1.to_be_bytes();
        match req.code {
            Code::GET => {
                if req.options_of(OptionNumber::ETAG).any(|e| e == etag) {
                    // RFC 7252 §5.10.6.2: the client's stored representation is still valid.
                    return Reply::new(Code::VALID).option(OptionNumber::ETAG, etag);
                }
                Reply::new(Code::CONTENT)
                    .option(OptionNumber::ETAG, etag)
                    .uint(OptionNumber::CONTENT_FORMAT, u32::from(ContentFormat::TEXT_PLAIN.0))
                    .payload(String::from_utf8_lossy(&self.validate.0))
            }
            Code::PUT => {
                // RFC 7252 §5.10.8.1: an empty If-Match matches any current representation.
                let mut if_match = req.options_of(OptionNumber::IF_MATCH).peekable();
                if if_match.peek().is_some() && !if_match.any(|v| v.is_empty() || v == etag) {
                    return Reply::new(Code::PRECONDITION_FAILED);
                }
                self.validate = (req.payload.clone(), self.validate.1.wrapping_add(1));
                Reply::new(Code::CHANGED).option(OptionNumber::ETAG, self.validate.1.to_be_bytes())
            }
            _ => method_not_allowed(),
        }
    }

    /// `/create1` (TD_COAP_CORE_23): If-None-Match creates once.
    fn create1(&mut self, req: &MessageBuf) -> Reply {
        match req.code {
            Code::PUT => {
                let exists = self.create1.is_some();
                if exists && req.option(OptionNumber::IF_NONE_MATCH).is_some() {
                    // RFC 7252 §5.10.8.2: the target exists, so the condition fails.
                    return Reply::new(Code::PRECONDITION_FAILED);
                }
                self.create1 = Some((req.payload.clone(), req.uint_option(OptionNumber::CONTENT_FORMAT)));
                Reply::new(if exists { Code::CHANGED } else { Code::CREATED })
            }
            Code::GET => match &self.create1 {
                Some((value, format)) => {
                    let mut r = Reply::new(Code::CONTENT);
                    if let Some(f) = format {
                        r = r.uint(OptionNumber::CONTENT_FORMAT, *f);
                    }
                    r.payload.clone_from(value);
                    r
                }
                None => Reply::new(Code::NOT_FOUND),
            },
            Code::DELETE => {
                self.create1 = None;
                Reply::new(Code::DELETED)
            }
            _ => method_not_allowed(),
        }
    }

    /// `/obs` and `/obs-non` (TD_COAP_OBS_*).
    fn observable(&mut self, req: &MessageBuf, resource: u32) -> Answer {
        let plain = |reply| Answer { reply, how: How::Now, changed: None };
        let i = observable_index(resource);
        let Some(o) = self.observables.get(i) else { return plain(Reply::new(Code::NOT_FOUND)) };
        match req.code {
            Code::GET if !o.exists => plain(Reply::new(Code::NOT_FOUND)),
            Code::GET => {
                // RFC 7641 §3.1: Observe 0 registers (Observe 1 deregisters: the endpoint or
                // session did that).
                let registers = req.uint_option(OptionNumber::OBSERVE) == Some(0);
                let how = if registers { How::Observe(resource) } else { How::Now };
                Answer { reply: self.observable_reply(o), how, changed: None }
            }
            Code::PUT | Code::DELETE => {
                let Some(o) = self.observables.get_mut(i) else { return plain(Reply::new(Code::NOT_FOUND)) };
                let code = if req.code == Code::DELETE {
                    o.exists = false;
                    Code::DELETED
                } else {
                    let created = !o.exists;
                    o.exists = true;
                    o.value.clone_from(&req.payload);
                    o.content_format =
                        req.uint_option(OptionNumber::CONTENT_FORMAT).unwrap_or(u32::from(ContentFormat::TEXT_PLAIN.0));
                    if created {
                        Code::CREATED
                    } else {
                        Code::CHANGED
                    }
                };
                // Observers hear of it once the answer is out (RFC 7641 §4.2).
                Answer { reply: Reply::new(code), how: How::Now, changed: Some(resource) }
            }
            _ => plain(method_not_allowed()),
        }
    }

    /// `/.well-known/core` (TD_COAP_LINK_*): every link, or those passing each `?name=value`
    /// filter (RFC 6690 §4.1).
    fn well_known_core(&self, req: &MessageBuf) -> Reply {
        let format = u32::from(ContentFormat::APPLICATION_LINK_FORMAT.0);
        if req.uint_option(OptionNumber::ACCEPT).is_some_and(|a| a != format) {
            return Reply::new(Code::NOT_ACCEPTABLE);
        }
        let queries = req.queries();
        let filters: Vec<QueryFilter<'_>> = queries.iter().filter_map(|q| QueryFilter::parse(q)).collect();
        let links = match LinkFormat::new_checked(&self.core_links) {
            Ok(links) => links,
            Err(e) => return Reply::text(Code::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        let kept: Vec<&str> =
            links.links().filter(|l| filters.iter().all(|f| f.matches(l))).map(|l| l.as_str()).collect();
        Reply::new(Code::CONTENT).uint(OptionNumber::CONTENT_FORMAT, format).payload(kept.join(","))
    }
}

/// The path of an observable resource number.
pub fn observable_path(resource: u32) -> &'static str {
    match resource {
        OBS => "/obs",
        OBS_LARGE => "/obs-large",
        _ => "/obs-non",
    }
}

/// The index in `Resources::observables` of an observable resource number.
fn observable_index(resource: u32) -> usize {
    (resource as usize).saturating_sub(1)
}

fn method_not_allowed() -> Reply {
    Reply::new(Code::METHOD_NOT_ALLOWED)
}

/// `reply()` for a GET, 4.05 for anything else.
fn get_only(method: Code, reply: impl FnOnce() -> Reply) -> Reply {
    if method == Code::GET {
        reply()
    } else {
        method_not_allowed()
    }
}

/// What the plugtest servers answer on `/test`: the request's header, as text. Over TCP and
/// WebSockets a request has no type or message id (RFC 8323 §3.2): they read as CON and 0.
fn describe(req: &MessageBuf) -> String {
    let token: String = req.token.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "Type: {} ({})\nCode: {} ({})\nMID: {}\nToken: {}",
        req.message_type as u8,
        req.message_type,
        req.code.0,
        req.code.name().unwrap_or("?"),
        req.message_id,
        if token.is_empty() { "-" } else { &token }
    )
}

/// `/multi-format` (TD_COAP_CORE_20): the representation the Accept option asks for.
fn multi_format(req: &MessageBuf) -> Reply {
    const TEXT: u16 = ContentFormat::TEXT_PLAIN.0;
    const XML: u16 = ContentFormat::APPLICATION_XML.0;
    let text = "multi-format: the same resource as text/plain or application/xml";
    match req.uint_option(OptionNumber::ACCEPT).map(u16::try_from) {
        None | Some(Ok(TEXT)) => Reply::text(Code::CONTENT, text),
        Some(Ok(XML)) => Reply::new(Code::CONTENT)
            .uint(OptionNumber::CONTENT_FORMAT, u32::from(XML))
            .payload(format!("<msg>{text}</msg>")),
        // RFC 7252 §5.10.4: no representation of the requested format.
        Some(_) => Reply::new(Code::NOT_ACCEPTABLE),
    }
}

/// The link format of every resource (RFC 6690), with the attributes the LINK tests filter on
/// (and `sz`, the size of the large ones). Over 1024 bytes: over UDP it goes in blocks.
fn core_links() -> Result<String, coap_codec::link_format::EncodeError> {
    let mut buf = [0u8; 2048];
    let mut w = LinkWriter::new(&mut buf);
    w.link("/test")?.attr("rt", "test")?.attr_uint("ct", 0)?;
    w.link("/separate")?.attr("rt", "separate")?.attr_uint("ct", 0)?;
    w.link("/seg1/seg2/seg3")?.attr("rt", "seg")?.attr_uint("ct", 0)?;
    w.link("/query")?.attr("rt", "query")?.attr_uint("ct", 0)?;
    w.link("/obs")?.attr("rt", "observe")?.attr("if", "sensor")?.flag("obs")?.attr_uint("ct", 0)?;
    w.link("/obs-non")?.attr("rt", "observe")?.attr("if", "sensor")?.flag("obs")?.attr_uint("ct", 0)?;
    w.link("/location-query")?.attr("rt", "location-query")?;
    w.link("/multi-format")?.attr("rt", "multi-format")?.attr("ct", "0 41")?;
    w.link("/validate")?.attr("rt", "validate")?.attr_uint("ct", 0)?;
    w.link("/create1")?.attr("rt", "create")?;
    w.link("/link1")?.attr("rt", "Type1 Type2")?.attr("if", "If1")?;
    w.link("/link2")?.attr("rt", "Type2 Type3")?.attr("if", "If2")?;
    w.link("/link3")?.attr("rt", "Type1 Type3")?.attr("if", "foo")?;
    w.link("/path")?.attr_uint("ct", 40)?;
    for sub in ["/path/sub1", "/path/sub2", "/path/sub3"] {
        w.link(sub)?.attr_uint("ct", 0)?;
    }
    let large = large_body().len() as u64;
    w.link("/large")?.attr("rt", "block")?.attr_uint("sz", large)?.attr_uint("ct", 0)?;
    w.link("/large-update")?.attr("rt", "block")?.attr_uint("sz", large)?.attr_uint("ct", 0)?;
    w.link("/large-create")?.attr("rt", "block")?;
    w.link("/large-post")?.attr("rt", "block")?.attr_uint("ct", 0)?;
    let obs_large = obs_large_body(0).len() as u64;
    w.link("/obs-large")?.attr("rt", "observe")?.flag("obs")?.attr_uint("sz", obs_large)?.attr_uint("ct", 0)?;
    Ok(w.as_str().to_owned())
}
