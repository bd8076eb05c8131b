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
    options: [Option<Entry<'a>>; N],
    count: usize,
    payload: &'a [u8],
}

/// Bytes of an option header for this delta and length (RFC 7252 §3.1).
const fn ext_len(v: usize) -> usize {
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
        Self { message_type, code, message_id, token: &[], options: [None; N], count: 0, payload: &[] }
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
    pub fn option(&mut self, number: OptionNumber, value: &'a [u8]) -> Result<&mut Self, EncodeError> {
        self.push(number, Value::Bytes(value))
    }

    /// Adds a uint option in its minimal form (RFC 7252 §3.2).
    ///
    /// # Errors
    /// As [`option`](Self::option).
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

    fn push(&mut self, number: OptionNumber, value: Value<'a>) -> Result<&mut Self, EncodeError> {
        let len = value.bytes().len();
        // A signal's options are numbered within its code (RFC 8323 §5.2), so they follow the
        // signal's rows rather than the request/response registry.
        let (repeatable, range) = if self.code.is_signal() {
            match super::signal::option(self.code, number.0) {
                Some(row) => (row.repeatable, Some((row.min, row.max))),
                None => (true, None),
            }
        } else {
            (number.is_repeatable(), number.length_range())
        };
        if let Some((min, max)) = range {
            if len < usize::from(min) || len > usize::from(max) {
                return Err(EncodeError::OptionLength { number: number.0, len, min, max });
            }
        }
        if !repeatable && self.entries().any(|e| e.number == number.0) {
            return Err(EncodeError::OptionRepeated(number.0));
        }
        let slot = self.options.get_mut(self.count).ok_or(EncodeError::TooManyOptions(N))?;
        *slot = Some(Entry { number: number.0, value });
        self.count += 1;
        Ok(self)
    }

    fn entries(&self) -> impl Iterator<Item = &Entry<'a>> {
        self.options.iter().flatten()
    }

    /// The options in number order; equal numbers keep the order they were added in.
    fn sorted(&self) -> [Option<Entry<'a>>; N] {
        let mut sorted = self.options;
        // Insertion sort: stable, in place, no allocation, and N is small.
        for i in 1..self.count.min(N) {
            let mut j = i;
            while j > 0 {
                match (sorted.get(j - 1).copied().flatten(), sorted.get(j).copied().flatten()) {
                    (Some(a), Some(b)) if a.number > b.number => sorted.swap(j - 1, j),
                    _ => break,
                }
                j -= 1;
            }
        }
        sorted
    }

    fn token_header(&self) -> (u8, usize) {
        match self.token.len() {
            n @ 0..=8 => (n as u8, 0),
            13..=268 => (13, 1),
            _ => (14, 2),
        }
    }

    /// The exact encoded size.
    pub fn encoded_len(&self) -> usize {
        4 + self.token_header().1 + self.token.len() + self.body_len()
    }

    /// Bytes of the options, payload marker and payload: what follows the token in every
    /// framing (RFC 7252 §3; RFC 8323 §3.2 calls its length "Len").
    pub(crate) fn body_len(&self) -> usize {
        let mut len = 0;
        let mut prev = 0usize;
        for e in self.sorted().iter().flatten() {
            let delta = usize::from(e.number) - prev;
            let vlen = e.value.bytes().len();
            len += 1 + ext_len(delta) + ext_len(vlen) + vlen;
            prev = usize::from(e.number);
        }
        if !self.payload.is_empty() {
            len += 1 + self.payload.len();
        }
        len
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
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let need = self.encoded_len();
        let Some(out) = out.get_mut(..need) else { return Err(EncodeError::BufferTooSmall { required: need }) };
        let mut w = Writer { out, pos: 0 };
        let (tkl, ext) = self.token_header();
        w.put(&[0x40 | ((self.message_type as u8) << 4) | tkl, self.code.0]);
        w.put(&self.message_id.0.to_be_bytes());
        match ext {
            1 => w.put(&[(self.token.len() - 13) as u8]),
            2 => w.put(&((self.token.len() - 269) as u16).to_be_bytes()),
            _ => {}
        }
        w.put(self.token);
        self.write_body(&mut w);
        Ok(need)
    }

    /// Writes the options, payload marker and payload.
    pub(crate) fn write_body(&self, w: &mut Writer<'_>) {
        let mut prev = 0usize;
        for e in self.sorted().iter().flatten() {
            let value = e.value.bytes();
            let delta = usize::from(e.number) - prev;
            prev = usize::from(e.number);
            let nib = |v: usize| match ext_len(v) {
                0 => v as u8,
                1 => 13,
                _ => 14,
            };
            w.put(&[(nib(delta) << 4) | nib(value.len())]);
            w.ext(delta);
            w.ext(value.len());
            w.put(value);
        }
        if !self.payload.is_empty() {
            w.put(&[0xFF]);
            w.put(self.payload);
        }
    }
}

/// Writes into a buffer already checked to be large enough.
pub(crate) struct Writer<'o> {
    pub(crate) out: &'o mut [u8],
    pub(crate) pos: usize,
}

impl Writer<'_> {
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.out.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
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
