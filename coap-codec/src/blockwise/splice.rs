//! [`Splice`]: a message made of a stored one's options (less some, plus a few of ours) and a
//! slice of a payload, written without building the message first (RFC 7959 blocks of a kept
//! body, the next block request of a download). Shared by the endpoint and the session.

use crate::wire::{encode_uint, Code, EncodeError, Message, MessageId, MessageType};
use crate::wire::{OptionNumber, Options};

/// Options a splice adds: at most 6, each at most 8 bytes (Block values, Size values, an ETag,
/// an Observe value, a Request-Tag), kept in number order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extra {
    items: [(u16, [u8; 8], u8); 6],
    n: usize,
}

impl Extra {
    pub(crate) const fn new() -> Self {
        Self { items: [(0, [0; 8], 0); 6], n: 0 }
    }

    /// Adds an option (values past 8 bytes are cut; a seventh option is dropped: callers add
    /// at most six).
    pub(crate) fn bytes(&mut self, number: OptionNumber, value: &[u8]) -> &mut Self {
        if self.n >= self.items.len() {
            return self;
        }
        let mut v = [0u8; 8];
        let len = value.len().min(8);
        if let (Some(d), Some(s)) = (v.get_mut(..len), value.get(..len)) {
            d.copy_from_slice(s);
        }
        // Sorted insertion (RFC 7252 §3.1: options in number order; equal numbers keep order).
        let at = self.list().iter().rposition(|e| e.0 <= number.0).map_or(0, |i| i + 1);
        if let Some(tail) = self.items.get_mut(at..=self.n) {
            tail.rotate_right(1);
            if let Some(first) = tail.first_mut() {
                *first = (number.0, v, len as u8);
            }
        }
        self.n += 1;
        self
    }

    /// Adds a uint option in its minimal form (RFC 7252 §3.2).
    pub(crate) fn uint(&mut self, number: OptionNumber, v: u32) -> &mut Self {
        let (buf, n) = encode_uint(v);
        self.bytes(number, buf.get(..n).unwrap_or(&[]))
    }

    fn list(&self) -> &[(u16, [u8; 8], u8)] {
        self.items.get(..self.n).unwrap_or(&[])
    }

    fn has(&self, number: OptionNumber) -> bool {
        self.list().iter().any(|e| e.0 == number.0)
    }
}

/// Bytes of an option header's extended delta or length for `v` (RFC 7252 §3.1).
const fn ext_len(v: usize) -> usize {
    if v < 13 {
        0
    } else if v < 269 {
        1
    } else {
        2
    }
}

/// A message made of another's options (less `skip`, and less those `extra` replaces), `extra`
/// and `payload`, with the code given.
#[derive(Debug, Clone)]
pub(crate) struct Splice<'a> {
    pub(crate) code: Code,
    pub(crate) options: Options<'a>,
    pub(crate) skip: &'a [OptionNumber],
    pub(crate) extra: Extra,
    pub(crate) payload: &'a [u8],
}

impl<'a> Splice<'a> {
    /// `src`'s code, options and no payload.
    pub(crate) fn of(src: &'a Message<&'a [u8]>, skip: &'a [OptionNumber]) -> Self {
        Self { code: src.code(), options: src.options(), skip, extra: Extra::new(), payload: &[] }
    }

    /// Calls `f` with each option in number order.
    fn each(&self, mut f: impl FnMut(u16, &[u8])) {
        let mut extra = self.extra.list().iter().peekable();
        for o in self.options.clone() {
            if self.skip.contains(&o.number) || self.extra.has(o.number) {
                continue;
            }
            while let Some(e) = extra.next_if(|e| e.0 <= o.number.0) {
                f(e.0, e.1.get(..usize::from(e.2)).unwrap_or(&[]));
            }
            f(o.number.0, o.value);
        }
        for e in extra {
            f(e.0, e.1.get(..usize::from(e.2)).unwrap_or(&[]));
        }
    }

    fn options_len(&self) -> usize {
        let (mut n, mut prev) = (0, 0u16);
        self.each(|number, v| {
            let delta = usize::from(number - prev);
            n += 1 + ext_len(delta) + ext_len(v.len()) + v.len();
            prev = number;
        });
        n
    }

    /// Header, token, options and payload marker, for a payload of `payload_len` bytes.
    pub(crate) fn prefix_len(&self, token_len: usize, payload_len: usize) -> usize {
        4 + token_len + self.options_len() + usize::from(payload_len > 0)
    }

    /// The whole message's size.
    pub(crate) fn encoded_len(&self, token_len: usize) -> usize {
        self.prefix_len(token_len, self.payload.len()) + self.payload.len()
    }

    /// Writes header, token, options and (when `payload_len > 0`) the payload marker; returns
    /// the bytes written. Tokens are 0-8 bytes (this endpoint refuses longer ones).
    pub(crate) fn write_prefix(
        &self,
        (ty, id, token): (MessageType, MessageId, &[u8]),
        payload_len: usize,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        if token.len() > 8 {
            return Err(EncodeError::TokenTooLong(token.len()));
        }
        let need = self.prefix_len(token.len(), payload_len);
        let Some(out) = out.get_mut(..need) else { return Err(EncodeError::BufferTooSmall { required: need }) };
        let mut w = Put { out, pos: 0 };
        let [hi, lo] = id.0.to_be_bytes();
        w.put(&[0x40 | ((ty as u8) << 4) | token.len() as u8, self.code.0, hi, lo]);
        w.put(token);
        let mut prev = 0u16;
        self.each(|number, v| {
            w.option_header(usize::from(number - prev), v.len());
            w.put(v);
            prev = number;
        });
        if payload_len > 0 {
            w.put(&[0xFF]);
        }
        Ok(need)
    }

    /// The bytes after the token: options, payload marker and payload (RFC 8323 §3.2 counts
    /// them in a frame's Len).
    pub(crate) fn body_len(&self) -> usize {
        self.options_len() + usize::from(!self.payload.is_empty()) + self.payload.len()
    }

    /// Writes options, payload marker and payload (the body of a stream frame, RFC 8323 §3.2);
    /// `None` when `out` is not exactly [`body_len`](Self::body_len) long.
    pub(crate) fn write_body(&self, out: &mut [u8]) -> Option<()> {
        if out.len() != self.body_len() {
            return None;
        }
        let mut w = Put { out, pos: 0 };
        let mut prev = 0u16;
        self.each(|number, v| {
            w.option_header(usize::from(number - prev), v.len());
            w.put(v);
            prev = number;
        });
        if !self.payload.is_empty() {
            w.put(&[0xFF]);
            w.put(self.payload);
        }
        Some(())
    }

    /// Writes the whole message.
    pub(crate) fn encode(&self, head: (MessageType, MessageId, &[u8]), out: &mut [u8]) -> Result<usize, EncodeError> {
        let need = self.encoded_len(head.2.len());
        if out.len() < need {
            return Err(EncodeError::BufferTooSmall { required: need });
        }
        let n = self.write_prefix(head, self.payload.len(), out)?;
        if let Some(dst) = out.get_mut(n..need) {
            dst.copy_from_slice(self.payload);
        }
        Ok(need)
    }
}

/// Writes into a buffer already checked to be large enough.
struct Put<'o> {
    out: &'o mut [u8],
    pos: usize,
}

impl Put<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.out.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }

    /// An option header for this delta and value length (RFC 7252 §3.1).
    fn option_header(&mut self, delta: usize, len: usize) {
        let nib = |v: usize| match ext_len(v) {
            0 => v as u8,
            1 => 13,
            _ => 14,
        };
        self.put(&[(nib(delta) << 4) | nib(len)]);
        for v in [delta, len] {
            match ext_len(v) {
                1 => self.put(&[(v - 13) as u8]),
                2 => self.put(&((v - 269) as u16).to_be_bytes()),
                _ => {}
            }
        }
    }
}
