//! [`MessageBuilder`]: writes a message into the caller's buffer, options in number order
//! whatever order they were added (RFC 7252 §3.1), refusing values outside their range.

use super::{encode_uint, Code, EncodeError, MessageId, MessageType, OptionNumber};

/// An option value held by the builder: borrowed bytes, or a uint in its minimal form.
#[derive(Debug, Clone, Copy)]
enum Value<'a> {
    Bytes(&'a [u8]),
    Uint([u8; 4], u8),
}

impl Value<'_> {
    #[inline]
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Bytes(b) => b,
            Self::Uint(buf, n) => buf.get(..usize::from(*n)).unwrap_or(&[]),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry<'a> {
    number: u16,
    value: Value<'a>,
}

impl Entry<'_> {
    /// What the slots past the options hold (all zero bytes, so filling them is a memset).
    const UNUSED: Self = Self { number: 0, value: Value::Uint([0; 4], 0) };
}

/// Builds a CoAP message over UDP with at most `N` options, without allocating.
///
/// Spec: RFC 7252 §3, §3.1, §5.4.3, §5.4.5; RFC 8974 (extended token lengths).
///
/// ```
/// use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
/// let mut b = MessageBuilder::<4>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0x7d34));
/// b.payload(b"22.3 C").uint(OptionNumber::CONTENT_FORMAT, 0)?;
/// let mut out = [0u8; 32];
/// let n = b.encode(&mut out)?;
/// // RFC 7252 Figure 16's response: ACK 2.05, Content-Format 0 (empty value), payload.
/// assert_eq!(&out[..n], b"\x60\x45\x7d\x34\xc0\xff22.3 C");
/// # Ok::<(), coap_codec::wire::EncodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct MessageBuilder<'a, const N: usize = 16> {
    message_type: MessageType,
    code: Code,
    message_id: MessageId,
    token: &'a [u8],
    /// The first `count` slots: the options in number order, equal numbers in the order they
    /// were added (each new option goes after those with a number not above its own).
    options: [Entry<'a>; N],
    count: usize,
    /// Bytes the options take on the wire (headers and values), kept as they are added.
    options_len: usize,
    payload: &'a [u8],
}

/// The TKL nibble and the extended-length bytes for a token of `n` bytes (RFC 8974 §2.1).
#[inline]
const fn token_header(n: usize) -> (u8, usize) {
    match n {
        0..=8 => (n as u8, 0),
        13..=268 => (13, 1),
        _ => (14, 2),
    }
}

/// Bytes an option takes with this delta and value length (RFC 7252 §3.1).
const fn option_len(delta: usize, len: usize) -> usize {
    1 + ext_len(delta) + ext_len(len) + len
}

/// Bytes of an option header for this delta and length (RFC 7252 §3.1).
pub(crate) const fn ext_len(v: usize) -> usize {
    if v < 13 {
        0
    } else if v < 269 {
        1
    } else {
        2
    }
}

impl<'a, const N: usize> MessageBuilder<'a, N> {
    /// A message with this header, no token, options or payload.
    pub fn new(message_type: MessageType, code: Code, message_id: MessageId) -> Self {
        Self {
            message_type,
            code,
            message_id,
            token: &[],
            options: [Entry::UNUSED; N],
            count: 0,
            options_len: 0,
            payload: &[],
        }
    }

    /// Sets the token: 0-8 bytes, or 13-65,804 with RFC 8974 extended lengths (only for a peer
    /// known to support them).
    ///
    /// # Errors
    /// [`EncodeError::TokenTooLong`].
    pub fn token(&mut self, token: &'a [u8]) -> Result<&mut Self, EncodeError> {
        // RFC 8974 §2.1: TKL 13 carries 13-268 bytes, 14 carries 269-65,804; 9-12 have no form.
        if matches!(token.len(), 9..=12) || token.len() > 65_804 {
            return Err(EncodeError::TokenTooLong(token.len()));
        }
        self.token = token;
        Ok(self)
    }

    /// Sets the payload.
    pub fn payload(&mut self, payload: &'a [u8]) -> &mut Self {
        self.payload = payload;
        self
    }

    /// Adds an option with a raw value. Registered options are checked against their length
    /// range (RFC 7252 §5.4.3) and repetition (RFC 7252 §5.4.5); with a signal code (7.xx),
    /// against that signal's option rows ([`signal::option`](super::signal::option)).
    ///
    /// # Errors
    /// [`EncodeError::OptionLength`], [`EncodeError::OptionRepeated`],
    /// [`EncodeError::TooManyOptions`].
    #[inline]
    pub fn option(&mut self, number: OptionNumber, value: &'a [u8]) -> Result<&mut Self, EncodeError> {
        self.push(number, Value::Bytes(value))
    }

    /// Adds a uint option in its minimal form (RFC 7252 §3.2).
    ///
    /// # Errors
    /// As [`option`](Self::option).
    #[inline]
    pub fn uint(&mut self, number: OptionNumber, v: u32) -> Result<&mut Self, EncodeError> {
        let (buf, n) = encode_uint(v);
        self.push(number, Value::Uint(buf, n as u8))
    }

    /// Adds one Uri-Path option per `/`-separated segment of `path` (a leading `/` is dropped;
    /// RFC 7252 §6.4 step 8).
    ///
    /// # Errors
    /// As [`option`](Self::option).
    pub fn path(&mut self, path: &'a str) -> Result<&mut Self, EncodeError> {
        let path = path.strip_prefix('/').unwrap_or(path);
        if path.is_empty() {
            return Ok(self);
        }
        for seg in path.split('/') {
            self.option(OptionNumber::URI_PATH, seg.as_bytes())?;
        }
        Ok(self)
    }

    #[inline(always)]
    fn push(&mut self, number: OptionNumber, value: Value<'a>) -> Result<&mut Self, EncodeError> {
        let len = value.bytes().len();
        // A signal's options are numbered within its code (RFC 8323 §5.2), so they follow the
        // signal's rows rather than the request/response registry.
        let (repeatable, range) = super::signal::rules_for(self.code, number);
        if let Some((min, max)) = range {
            if len < usize::from(min) || len > usize::from(max) {
                return Err(EncodeError::OptionLength { number: number.0, len, min, max });
            }
        }
        // Where the option goes: after every option whose number is not above its own (usually
        // the end, as options tend to be added in order). Options of its number sit just before.
        let entries = self.entries();
        let at = match entries.last() {
            Some(last) if last.number > number.0 => {
                entries.iter().rposition(|e| e.number <= number.0).map_or(0, |i| i + 1)
            }
            _ => entries.len(),
        };
        if !repeatable && at > 0 && entries.get(at - 1).is_some_and(|e| e.number == number.0) {
            return Err(EncodeError::OptionRepeated(number.0));
        }
        if self.count >= N {
            return Err(EncodeError::TooManyOptions(N));
        }
        // The option's own bytes, and those of the option it goes before, whose delta shrinks
        // (which can only shorten its header).
        let before = at.checked_sub(1).and_then(|i| entries.get(i)).map_or(0, |e| usize::from(e.number));
        let n = usize::from(number.0);
        let mut options_len = self.options_len + option_len(n - before, len);
        if let Some(next) = entries.get(at) {
            let (next_number, next_len) = (usize::from(next.number), next.value.bytes().len());
            options_len =
                options_len + option_len(next_number - n, next_len) - option_len(next_number - before, next_len);
        }
        self.options_len = options_len;
        let count = self.count;
        let entry = Entry { number: number.0, value };
        if at == count {
            if let Some(slot) = self.options.get_mut(count) {
                *slot = entry;
            }
        } else if let Some(tail) = self.options.get_mut(at..=count) {
            // Makes room at `at`.
            tail.rotate_right(1);
            if let Some(slot) = tail.first_mut() {
                *slot = entry;
            }
        }
        self.count += 1;
        Ok(self)
    }

    /// The options, in number order.
    #[inline]
    fn entries(&self) -> &[Entry<'a>] {
        self.options.get(..self.count).unwrap_or(&[])
    }

    /// The exact encoded size.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        self.encoded_len_with_token(self.token.len())
    }

    /// The encoded size with a token of `n` bytes instead of the builder's.
    #[inline]
    pub(crate) fn encoded_len_with_token(&self, n: usize) -> usize {
        4 + token_header(n).1 + n + self.body_len()
    }

    /// Bytes of the options, payload marker and payload: what follows the token in every
    /// framing (RFC 7252 §3; RFC 8323 §3.2 calls its length "Len").
    #[inline]
    pub(crate) fn body_len(&self) -> usize {
        let payload = if self.payload.is_empty() { 0 } else { 1 + self.payload.len() };
        self.options_len + payload
    }

    /// The value of the first `number` option as a uint, if present and decodable.
    pub(crate) fn uint_value(&self, number: OptionNumber) -> Option<u32> {
        self.entries().iter().find(|e| e.number == number.0).and_then(|e| super::decode_uint(e.value.bytes()))
    }

    /// Whether an option `number` is present (whatever its value).
    pub(crate) fn has_option(&self, number: OptionNumber) -> bool {
        self.entries().iter().any(|e| e.number == number.0)
    }

    /// The payload's length (the endpoint slices long ones into blocks, RFC 7959).
    pub(crate) fn payload_len(&self) -> usize {
        self.payload.len()
    }

    pub(crate) fn payload_bytes(&self) -> &'a [u8] {
        self.payload
    }

    pub(crate) fn token_bytes(&self) -> &'a [u8] {
        self.token
    }

    pub(crate) fn code_value(&self) -> Code {
        self.code
    }

    /// Writes the message into `out`; returns its length. Nothing is written on error.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_as(self.message_type, self.message_id, self.token, out)
    }

    /// [`encode`](Self::encode) with this type, message id and token instead of the builder's
    /// (the endpoint owns those three).
    #[inline]
    pub(crate) fn encode_as(
        &self,
        message_type: MessageType,
        message_id: MessageId,
        token: &[u8],
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        if matches!(token.len(), 9..=12) || token.len() > 65_804 {
            return Err(EncodeError::TokenTooLong(token.len()));
        }
        let need = self.encoded_len_with_token(token.len());
        let Some(out) = out.get_mut(..need) else { return Err(EncodeError::BufferTooSmall { required: need }) };
        let (tkl, ext) = token_header(token.len());
        let [id_hi, id_lo] = message_id.0.to_be_bytes();
        if let Some(header) = out.first_chunk_mut::<4>() {
            *header = [0x40 | ((message_type as u8) << 4) | tkl, self.code.0, id_hi, id_lo];
        }
        let mut w = Writer { out, pos: 4 };
        match ext {
            1 => w.put(&[(token.len() - 13) as u8]),
            2 => w.put(&((token.len() - 269) as u16).to_be_bytes()),
            _ => {}
        }
        w.put(token);
        self.write_body(&mut w);
        Ok(need)
    }

    /// Writes the options, payload marker and payload.
    #[inline]
    pub(crate) fn write_body(&self, w: &mut Writer<'_>) {
        let mut prev = 0usize;
        for e in self.entries() {
            let value = e.value.bytes();
            let delta = usize::from(e.number) - prev;
            prev = usize::from(e.number);
            w.option_header(delta, value.len());
            w.put(value);
        }
        if !self.payload.is_empty() {
            w.put(&[0xFF]);
            w.put(self.payload);
        }
    }
}

/// `dst.copy_from_slice(src)` (equal lengths), with option-sized values (up to 16 bytes) copied
/// inline as two overlapping fixed-size moves rather than by a call to `memcpy`.
#[inline]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    fn two<const K: usize>(dst: &mut [u8], src: &[u8]) {
        if let (Some(d), Some(s)) = (dst.first_chunk_mut::<K>(), src.first_chunk::<K>()) {
            *d = *s;
        }
        if let (Some(d), Some(s)) = (dst.last_chunk_mut::<K>(), src.last_chunk::<K>()) {
            *d = *s;
        }
    }
    match src.len() {
        0 => {}
        n @ 1..=3 => {
            // First, middle and last byte: all of 1-3 bytes.
            for i in [0, n / 2, n - 1] {
                if let (Some(d), Some(&s)) = (dst.get_mut(i), src.get(i)) {
                    *d = s;
                }
            }
        }
        4..=7 => two::<4>(dst, src),
        8..=16 => two::<8>(dst, src),
        _ => dst.copy_from_slice(src),
    }
}

/// Writes into a buffer already checked to be large enough.
pub(crate) struct Writer<'o> {
    pub(crate) out: &'o mut [u8],
    pub(crate) pos: usize,
}

impl Writer<'_> {
    #[inline]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.out.get_mut(self.pos..end) {
            copy(dst, bytes);
        }
        self.pos = end;
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        if let Some(dst) = self.out.get_mut(self.pos) {
            *dst = b;
        }
        self.pos += 1;
    }

    /// An option header for this delta and value length (RFC 7252 §3.1).
    #[inline]
    pub(crate) fn option_header(&mut self, delta: usize, len: usize) {
        if delta < 13 && len < 13 {
            // The usual option: one header byte.
            self.byte(((delta as u8) << 4) | len as u8);
        } else {
            self.extended_header(delta, len);
        }
    }

    /// An option header with extended delta or length bytes (RFC 7252 §3.1).
    fn extended_header(&mut self, delta: usize, len: usize) {
        let nib = |v: usize| match ext_len(v) {
            0 => v as u8,
            1 => 13,
            _ => 14,
        };
        self.byte((nib(delta) << 4) | nib(len));
        self.ext(delta);
        self.ext(len);
    }

    /// The extended delta or length bytes for `v` (RFC 7252 §3.1).
    fn ext(&mut self, v: usize) {
        match ext_len(v) {
            1 => self.put(&[(v - 13) as u8]),
            2 => self.put(&((v - 269) as u16).to_be_bytes()),
            _ => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]
mod tests {
    extern crate std;
    use super::*;
    use crate::wire::Message;
    use std::vec::Vec;

    /// Options added in every order (with extended deltas and lengths) come out sorted, repeats in
    /// the order added, and `encoded_len` is what `encode` writes.
    #[test]
    fn any_insertion_order_encodes_sorted_with_the_exact_length() {
        let long = [7u8; 300];
        let opts: [(u16, &[u8]); 6] =
            [(11, b"a"), (2000, &long[..20]), (11, b"b"), (300, &long[..13]), (65_000, &long[..300]), (12, &long[..1])];
        // Every rotation and its reverse.
        for r in 0..opts.len() {
            for rev in [false, true] {
                let mut order: Vec<(u16, &[u8])> = opts.iter().cycle().skip(r).take(opts.len()).copied().collect();
                if rev {
                    order.reverse();
                }
                let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, Code::GET, MessageId(1));
                for (n, v) in &order {
                    b.option(OptionNumber(*n), v).unwrap();
                }
                b.payload(b"p");
                let mut out = [0u8; 1024];
                let n = b.encode(&mut out).unwrap();
                assert_eq!(n, b.encoded_len());
                let m = Message::new_checked(&out[..n]).unwrap();
                let got: Vec<(u16, &[u8])> = m.options().map(|o| (o.number.0, o.value)).collect();
                let mut want = order.clone();
                want.sort_by_key(|(n, _)| *n);
                assert_eq!(got, want);
                assert_eq!(m.payload(), b"p");
            }
        }
    }

    #[test]
    fn small_copies_copy_every_byte() {
        let src: Vec<u8> = (1..=40).collect();
        for len in 0..=40 {
            let mut dst = [0u8; 40];
            copy(&mut dst[..len], &src[..len]);
            assert_eq!(&dst[..len], &src[..len]);
            assert!(dst[len..].iter().all(|&b| b == 0));
        }
    }
}
