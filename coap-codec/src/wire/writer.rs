//! [`MessageWriter`]: writes a datagram straight into the caller's buffer as options are given,
//! in number order, with the same checks as [`MessageBuilder`](super::MessageBuilder) and no
//! option table: for callers that already hold their options in order (RFC 7252 §3.1).

use super::builder::{copy, ext_len, Writer};
use super::{encode_uint, Code, EncodeError, MessageId, MessageType, OptionNumber};

/// Writes one CoAP message over UDP into `out` as it goes: header and token on
/// [`new`](Self::new), each option as it is added (numbers not decreasing; repeats in the order
/// given), then the payload on [`finish`](Self::finish). It holds no copy of any option, so it
/// suits a device that builds a message in the transmit buffer itself.
///
/// Each option is checked as [`MessageBuilder::option`](super::MessageBuilder::option) checks it
/// (length range, RFC 7252 §5.4.3; repetition, §5.4.5; a signal code's own rows), plus its
/// order. A refused option or a full buffer leaves the writer as it was: the message written so
/// far stays valid, and the caller may go on or drop it.
///
/// Spec: RFC 7252 §3, §3.1, §3.2; RFC 8974 §2.1 (extended token lengths).
///
/// ```
/// use coap_codec::wire::{Code, EncodeError, MessageId, MessageType, MessageWriter, OptionNumber};
/// let mut out = [0u8; 32];
/// let mut w = MessageWriter::new(&mut out, MessageType::Acknowledgement, Code::CONTENT, MessageId(0x7d34), &[])?;
/// w.uint(OptionNumber::CONTENT_FORMAT, 0)?;
/// // Out of order is refused: Content-Format (12) is already written.
/// assert_eq!(w.option(OptionNumber::URI_PATH, b"x").unwrap_err(), EncodeError::OptionOrder { number: 11, after: 12 });
/// let n = w.finish(b"22.3 C")?;
/// // RFC 7252 Figure 16's response.
/// assert_eq!(&out[..n], b"\x60\x45\x7d\x34\xc0\xff22.3 C");
/// # Ok::<(), EncodeError>(())
/// ```
#[derive(Debug)]
pub struct MessageWriter<'o> {
    out: &'o mut [u8],
    pos: usize,
    code: Code,
    /// The number of the last option written (0 before the first).
    prev: u16,
    /// Whether an option was written.
    written: bool,
}

impl<'o> MessageWriter<'o> {
    /// Writes the header and token.
    ///
    /// # Errors
    /// [`EncodeError::TokenTooLong`] for a token of 9-12 or over 65,804 bytes (RFC 8974 §2.1);
    /// [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn new(
        out: &'o mut [u8],
        message_type: MessageType,
        code: Code,
        message_id: MessageId,
        token: &[u8],
    ) -> Result<Self, EncodeError> {
        // RFC 8974 §2.1: TKL 13 carries 13-268 bytes, 14 carries 269-65,804; 9-12 have no form.
        let (tkl, ext) = match token.len() {
            n @ 0..=8 => (n as u8, 0),
            13..=268 => (13, 1),
            269..=65_804 => (14, 2),
            n => return Err(EncodeError::TokenTooLong(n)),
        };
        let need = 4 + ext + token.len();
        if out.len() < need {
            return Err(EncodeError::BufferTooSmall { required: need });
        }
        let [id_hi, id_lo] = message_id.0.to_be_bytes();
        let mut w = Writer { out, pos: 0 };
        w.put(&[0x40 | ((message_type as u8) << 4) | tkl, code.0, id_hi, id_lo]);
        match ext {
            1 => w.put(&[(token.len() - 13) as u8]),
            2 => w.put(&((token.len() - 269) as u16).to_be_bytes()),
            _ => {}
        }
        w.put(token);
        Ok(Self { pos: w.pos, out: w.out, code, prev: 0, written: false })
    }

    /// Adds an option with a raw value.
    ///
    /// # Errors
    /// [`EncodeError::OptionOrder`] for a number below the last one written;
    /// [`EncodeError::OptionLength`], [`EncodeError::OptionRepeated`] as the builder;
    /// [`EncodeError::BufferTooSmall`] (with the bytes the message needs so far).
    #[inline(always)]
    pub fn option(&mut self, number: OptionNumber, value: &[u8]) -> Result<&mut Self, EncodeError> {
        let repeat = self.written && number.0 == self.prev;
        // The usual case in a few instructions: in order, a request or response code, and the
        // registry's length range and repeatability (one packed-table lookup) kept.
        if number.0 < self.prev || self.code.is_signal() || number.breaks_rules(value.len(), repeat) {
            return self.checked_option(number, value);
        }
        self.write(number.0, value)
    }

    /// The full checks, naming what is wrong (and the signal rows, RFC 8323 §5.2).
    #[cold]
    fn checked_option(&mut self, number: OptionNumber, value: &[u8]) -> Result<&mut Self, EncodeError> {
        if number.0 < self.prev {
            return Err(EncodeError::OptionOrder { number: number.0, after: self.prev });
        }
        let (repeatable, range) = super::signal::rules_for(self.code, number);
        let len = value.len();
        if let Some((min, max)) = range {
            if len < usize::from(min) || len > usize::from(max) {
                return Err(EncodeError::OptionLength { number: number.0, len, min, max });
            }
        }
        if !repeatable && self.written && self.prev == number.0 {
            return Err(EncodeError::OptionRepeated(number.0));
        }
        self.write(number.0, value)
    }

    /// Writes an option already checked, after the last one (RFC 7252 §3.1).
    #[inline(always)]
    fn write(&mut self, number: u16, value: &[u8]) -> Result<&mut Self, EncodeError> {
        let (delta, len) = (usize::from(number - self.prev), value.len());
        if delta < 13 && len < 13 {
            // The usual option: one header byte, then the value.
            let need = self.pos + 1 + len;
            let Some((head, rest)) = self.out.get_mut(self.pos..need).and_then(|d| d.split_first_mut()) else {
                return Err(EncodeError::BufferTooSmall { required: need });
            };
            *head = ((delta as u8) << 4) | len as u8;
            copy(rest, value);
            self.pos = need;
        } else {
            let need = self.pos + 1 + ext_len(delta) + ext_len(len) + len;
            if self.out.len() < need {
                return Err(EncodeError::BufferTooSmall { required: need });
            }
            let mut w = Writer { out: &mut *self.out, pos: self.pos };
            w.option_header(delta, len);
            w.put(value);
            self.pos = w.pos;
        }
        self.prev = number;
        self.written = true;
        Ok(self)
    }

    /// Adds a uint option in its minimal form (RFC 7252 §3.2).
    ///
    /// # Errors
    /// As [`option`](Self::option).
    #[inline(always)]
    pub fn uint(&mut self, number: OptionNumber, v: u32) -> Result<&mut Self, EncodeError> {
        let (buf, n) = encode_uint(v);
        self.option(number, buf.get(..n).unwrap_or(&[]))
    }

    /// The bytes written so far.
    pub fn len(&self) -> usize {
        self.pos
    }

    /// Whether nothing is written, which never holds: the header is written by
    /// [`new`](Self::new). Present for the `len`/`is_empty` pair.
    pub fn is_empty(&self) -> bool {
        self.pos == 0
    }

    /// Writes the payload (with its marker, if not empty) and returns the message length.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`].
    #[inline]
    pub fn finish(self, payload: &[u8]) -> Result<usize, EncodeError> {
        if payload.is_empty() {
            return Ok(self.pos);
        }
        let need = self.pos + 1 + payload.len();
        if self.out.len() < need {
            return Err(EncodeError::BufferTooSmall { required: need });
        }
        let mut w = Writer { out: self.out, pos: self.pos };
        w.put(&[0xFF]);
        w.put(payload);
        Ok(w.pos)
    }
}
