//! The block-wise resources of the ETSI CoAP plugtests (`TD_COAP_BLOCK_01` to `_06`): bodies
//! larger than a block, so that a client and the server move them in RFC 7959 blocks. The
//! resources see whole bodies only: over UDP the endpoint reassembles Block1 requests and slices
//! answers into Block2 blocks (`coap_codec::endpoint::Config::block_szx`).
//!
//! | path | test | behaviour |
//! |---|---|---|
//! | `/large` | BLOCK_01, _02, _06 | GET 2.05: [`large_body`], 1,920 bytes of text/plain (2 blocks of 1024, 30 of 64, 120 of 16) |
//! | `/large-update` | BLOCK_03 | PUT stores the body and its Content-Format, 2.04; GET 2.05 returns them (at first [`large_body`]); an Accept that differs gets 4.06 |
//! | `/large-create` | BLOCK_04 | POST stores the body as `/large-create/<n>`, 2.01 with Location-Path `large-create`, `<n>`; GET lists the created ones (link format) |
//! | `/large-create/<n>` | | GET 2.05 the stored body (4.06 for another Accept), DELETE 2.02 |
//! | `/large-post` | BLOCK_05 | POST 2.04 with the body in ASCII upper case (text/plain): a large request and a large answer; a Content-Format other than text/plain gets 4.15 |
//!
//! Like Californium's plugtest server, PUT and POST keep the request's Content-Format; unlike it,
//! a body without one is taken too (libcoap's and aiocoap's clients send none unless asked), and
//! `/large-create` keeps only the [`CREATED_MAX`] newest bodies.

use std::collections::VecDeque;

use coap_codec::link_format::LinkWriter;
use coap_codec::wire::{Code, ContentFormat, OptionNumber};

use super::Reply;
use crate::coap_driver::MessageBuf;

/// Lines of [`large_body`], 64 bytes each.
const LARGE_LINES: usize = 30;
/// Bodies `/large-create` keeps; a POST beyond forgets the oldest.
pub const CREATED_MAX: usize = 16;

const TEXT: u32 = ContentFormat::TEXT_PLAIN.0 as u32;

/// The body of `GET /large`: 30 lines of 64 bytes (1,920 bytes, within the plugtests' "more
/// than 1024, at most 2048"), each naming its number so that a misplaced block shows.
///
/// ```
/// let body = net::coap_resources::large_body();
/// assert_eq!(body.len(), 1920);
/// assert!(body.starts_with(b"/large line 01 of 30"));
/// ```
pub fn large_body() -> Vec<u8> {
    (1..=LARGE_LINES)
        .flat_map(|i| line(&format!("/large line {i:02} of {LARGE_LINES}: RFC 7959 block-wise data")))
        .collect()
}

/// `text` padded with `.` to 63 bytes, and a newline.
fn line(text: &str) -> Vec<u8> {
    let mut l = format!("{text:.<63}").into_bytes();
    l.truncate(63);
    l.push(b'\n');
    l
}

/// The value of `/obs-large` after `ticks` changes: a first line `obs-large <ticks>` and 22
/// more lines, 1,472 bytes, so that each notification goes in blocks (RFC 7959 §3.4).
///
/// ```
/// let body = net::coap_resources::obs_large_body(7);
/// assert_eq!(body.len(), 1472);
/// assert!(body.starts_with(b"obs-large 7 ...."));
/// ```
pub fn obs_large_body(ticks: u64) -> Vec<u8> {
    let mut body = line(&format!("obs-large {ticks} "));
    for i in 1..23 {
        body.extend(line(&format!("obs-large line {i:02} of 22 ")));
    }
    body
}

/// A stored body and its Content-Format.
#[derive(Debug, Clone)]
struct Stored {
    body: Vec<u8>,
    format: Option<u32>,
}

impl Stored {
    fn of(req: &MessageBuf) -> Self {
        Self { body: req.payload.clone(), format: req.uint_option(OptionNumber::CONTENT_FORMAT) }
    }

    /// 2.05 with the body, or 4.06 for an Accept it is not (RFC 7252 §5.10.4).
    fn get(&self, req: &MessageBuf) -> Reply {
        let accept = req.uint_option(OptionNumber::ACCEPT);
        if accept.is_some() && accept != self.format {
            return Reply::new(Code::NOT_ACCEPTABLE);
        }
        let mut r = Reply::new(Code::CONTENT);
        if let Some(f) = self.format {
            r = r.uint(OptionNumber::CONTENT_FORMAT, f);
        }
        r.bytes(self.body.clone())
    }
}

/// The state of the block-wise resources.
#[derive(Debug)]
pub(crate) struct Large {
    update: Stored,
    /// `/large-create/<n>`: (n, body), oldest first.
    created: VecDeque<(u32, Stored)>,
    next: u32,
}

impl Large {
    pub(crate) fn new() -> Self {
        Self { update: Stored { body: large_body(), format: Some(TEXT) }, created: VecDeque::new(), next: 1 }
    }

    /// The answer to `req` when `path` is one of these resources, else `None`.
    pub(crate) fn handle(&mut self, path: &str, req: &MessageBuf) -> Option<Reply> {
        let method = req.code;
        Some(match path {
            "/large" => match method {
                Code::GET => Reply::new(Code::CONTENT).uint(OptionNumber::CONTENT_FORMAT, TEXT).bytes(large_body()),
                _ => Reply::new(Code::METHOD_NOT_ALLOWED),
            },
            "/large-update" => match method {
                Code::GET => self.update.get(req),
                Code::PUT => {
                    self.update = Stored::of(req);
                    Reply::new(Code::CHANGED)
                }
                _ => Reply::new(Code::METHOD_NOT_ALLOWED),
            },
            "/large-create" => match method {
                Code::GET => self.created_links(),
                Code::POST => {
                    let n = self.next;
                    self.next = self.next.wrapping_add(1).max(1);
                    if self.created.len() >= CREATED_MAX {
                        self.created.pop_front();
                    }
                    self.created.push_back((n, Stored::of(req)));
                    Reply::new(Code::CREATED)
                        .option(OptionNumber::LOCATION_PATH, "large-create")
                        .option(OptionNumber::LOCATION_PATH, n.to_string())
                }
                _ => Reply::new(Code::METHOD_NOT_ALLOWED),
            },
            "/large-post" => match method {
                Code::POST => match req.uint_option(OptionNumber::CONTENT_FORMAT) {
                    None | Some(TEXT) => Reply::new(Code::CHANGED)
                        .uint(OptionNumber::CONTENT_FORMAT, TEXT)
                        .bytes(req.payload.to_ascii_uppercase()),
                    // RFC 7252 §5.9.2.10: the action works on text only.
                    Some(_) => Reply::new(Code::UNSUPPORTED_CONTENT_FORMAT),
                },
                _ => Reply::new(Code::METHOD_NOT_ALLOWED),
            },
            _ => {
                let n: u32 = path.strip_prefix("/large-create/")?.parse().ok()?;
                let Some(i) = self.created.iter().position(|(m, _)| *m == n) else {
                    return Some(Reply::new(Code::NOT_FOUND));
                };
                match method {
                    Code::GET => self.created.get(i).map_or(Reply::new(Code::NOT_FOUND), |(_, s)| s.get(req)),
                    Code::DELETE => {
                        self.created.remove(i);
                        Reply::new(Code::DELETED)
                    }
                    _ => Reply::new(Code::METHOD_NOT_ALLOWED),
                }
            }
        })
    }

    /// `GET /large-create`: a link per created body, with its size (RFC 6690 `sz`).
    fn created_links(&self) -> Reply {
        let format = u32::from(ContentFormat::APPLICATION_LINK_FORMAT.0);
        let mut buf = vec![0u8; 64 * (CREATED_MAX + 1)];
        let mut w = LinkWriter::new(&mut buf);
        for (n, s) in &self.created {
            let written = w.link(&format!("/large-create/{n}")).and_then(|l| l.attr_uint("sz", s.body.len() as u64));
            if let Err(e) = written {
                return Reply::text(Code::INTERNAL_SERVER_ERROR, e.to_string());
            }
        }
        Reply::new(Code::CONTENT).uint(OptionNumber::CONTENT_FORMAT, format).payload(w.as_str())
    }
}
