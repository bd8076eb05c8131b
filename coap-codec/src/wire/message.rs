//! The checked view of a CoAP message over UDP (RFC 7252 §3): validated once on construction,
//! after which every accessor is infallible.

use super::{decode_uint, DecodeError, Malformed, MessageId, MessageType, OptionNumber};
use crate::wire::Code;

/// One step of the option walk.
pub(crate) enum Step {
    /// An option: its number, where its value starts and ends, and where the next one starts.
    Option { number: u16, start: usize, end: usize },
    /// The payload marker at this offset.
    Marker,
    /// The end of the message.
    End,
}

/// Reads the option at `pos` after option number `prev` (RFC 7252 §3.1).
#[inline]
pub(crate) fn read_option(b: &[u8], pos: usize, prev: u16) -> Result<Step, (Malformed, usize)> {
    let Some(&byte) = b.get(pos) else { return Ok(Step::End) };
    // The usual option: delta and length both 0-12, no extended bytes (the payload marker 0xFF
    // has delta nibble 15, so it is not taken here).
    if byte < 0xD0 && byte & 0x0F < 13 {
        let number = prev.checked_add(u16::from(byte >> 4)).ok_or((Malformed::OptionNumberTooLarge, pos))?;
        let start = pos + 1;
        let end = start + usize::from(byte & 0x0F);
        if end > b.len() {
            return Err((Malformed::TruncatedOption, start));
        }
        return Ok(Step::Option { number, start, end });
    }
    read_extended(b, pos, prev, byte)
}

/// [`read_option`] for the payload marker and options with extended delta or length bytes.
fn read_extended(b: &[u8], pos: usize, prev: u16, byte: u8) -> Result<Step, (Malformed, usize)> {
    if byte == 0xFF {
        return Ok(Step::Marker);
    }
    let mut at = pos + 1;
    // RFC 7252 §3.1: 13 and 14 take one and two extended bytes; 15 is reserved.
    let mut ext = |nibble: u8, reserved: Malformed| -> Result<u32, (Malformed, usize)> {
        match nibble {
            0..=12 => Ok(u32::from(nibble)),
            13 => {
                let v = *b.get(at).ok_or((Malformed::TruncatedOption, at))?;
                at += 1;
                Ok(u32::from(v) + 13)
            }
            14 => {
                let hi = *b.get(at).ok_or((Malformed::TruncatedOption, at))?;
                let lo = *b.get(at + 1).ok_or((Malformed::TruncatedOption, at))?;
                at += 2;
                Ok(u32::from(u16::from_be_bytes([hi, lo])) + 269)
            }
            _ => Err((reserved, pos)),
        }
    };
    let delta = ext(byte >> 4, Malformed::ReservedOptionDelta)?;
    let len = ext(byte & 0x0F, Malformed::ReservedOptionLength)?;
    let number = u32::from(prev) + delta;
    let number = u16::try_from(number).map_err(|_| (Malformed::OptionNumberTooLarge, pos))?;
    let end = at + len as usize;
    if end > b.len() {
        return Err((Malformed::TruncatedOption, at));
    }
    Ok(Step::Option { number, start: at, end })
}

/// A CoAP message: a buffer that passed every format check of RFC 7252 §3.
///
/// The guarantee: once [`Message::new_checked`] returns `Ok`, no accessor can fail or panic.
/// Option-level rules (length range, repetition, RFC 7252 §5.4.3, §5.4.5) are not format
/// errors: [`Message::option_problems`] lists them so the caller can apply §5.4.1.
///
/// ```
/// use coap_codec::wire::{Code, Message, MessageType, OptionNumber};
/// // RFC 7252 Appendix A, Figure 16's request: CON GET /temperature, MID 0x7d34.
/// let bytes = b"\x40\x01\x7d\x34\xbbtemperature";
/// let m = Message::new_checked(&bytes[..])?;
/// assert_eq!((m.message_type(), m.code(), m.message_id().0), (MessageType::Confirmable, Code::GET, 0x7d34));
/// let opt = m.options().next().unwrap();
/// assert_eq!((opt.number, opt.value), (OptionNumber::URI_PATH, &b"temperature"[..]));
/// assert!(m.payload().is_empty());
/// # Ok::<(), coap_codec::wire::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<B> {
    buf: B,
    token_start: usize,
    options_start: usize,
    options_end: usize,
    /// No option breaks a length range or repeats: [`Message::option_problems`] is empty
    /// (found by the same walk that checks the format).
    problem_free: bool,
}

/// The offsets of a checked [`Message`] (crate-internal: rebuilding a view over a copy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Layout {
    pub(crate) token_start: u32,
    pub(crate) options_start: u32,
    pub(crate) options_end: u32,
    pub(crate) problem_free: bool,
}

/// One option of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoapOption<'a> {
    /// The option number.
    pub number: OptionNumber,
    /// The raw value.
    pub value: &'a [u8],
}

/// An option-level rule an option breaks (RFC 7252 §5.4.3, §5.4.5): the caller treats it like
/// an unrecognised option (§5.4.1: critical → 4.02 Bad Option or reject; elective → ignore).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionProblem {
    /// A value length outside the registered range (RFC 7252 §5.4.3).
    #[error("RFC 7252 §5.4.3: length {len} outside {min}-{max}")]
    Length {
        /// The value's length.
        len: usize,
        /// The registered minimum.
        min: u16,
        /// The registered maximum.
        max: u16,
    },
    /// A second occurrence of a non-repeatable option (RFC 7252 §5.4.5).
    #[error("RFC 7252 §5.4.5: option repeated")]
    Repeated,
}

impl<B: AsRef<[u8]>> Message<B> {
    /// Validates `buf` as a message: header, version, token length and token, code class,
    /// the Empty-message rule, every option's encoding and the payload marker.
    ///
    /// # Errors
    /// A [`DecodeError`] naming the rule ([`Malformed`]); [`DecodeError::reaction`] says
    /// whether to answer with RST.
    #[inline]
    pub fn new_checked(buf: B) -> Result<Self, DecodeError> {
        let b = buf.as_ref();
        let err = |kind, offset, header| DecodeError { kind, offset, header };
        let [b0, code, hi, lo, ..] = *b else { return Err(err(Malformed::TooShort, b.len(), None)) };
        let header = Some((MessageType::from_bits(b0 >> 4), MessageId(u16::from_be_bytes([hi, lo]))));
        let err = |kind, offset| DecodeError { kind, offset, header };
        if b0 >> 6 != 1 {
            return Err(err(Malformed::UnsupportedVersion(b0 >> 6), 0)); // RFC 7252 §3
        }
        let (token_start, token_len) = match b0 & 0x0F {
            n @ 0..=8 => (4, usize::from(n)),
            // RFC 8974 §2.1: 13 and 14 carry the length in one or two more bytes.
            13 => (5, usize::from(*b.get(4).ok_or(err(Malformed::TruncatedToken, 4))?) + 13),
            14 => {
                let x = b.get(4..6).ok_or(err(Malformed::TruncatedToken, 4))?;
                let v = x.iter().fold(0usize, |acc, &y| (acc << 8) | usize::from(y));
                (6, v + 269)
            }
            n => return Err(err(Malformed::ReservedTokenLength(n), 0)), // RFC 7252 §3
        };
        let options_start = token_start + token_len;
        if options_start > b.len() {
            return Err(err(Malformed::TruncatedToken, token_start));
        }
        let code = Code(code);
        if matches!(code.class(), 1 | 6 | 7) {
            return Err(err(Malformed::ReservedCodeClass(code.class()), 1)); // RFC 7252 §12.1
        }
        if code.is_empty() && b.len() > 4 {
            return Err(err(Malformed::EmptyWithContent, 4)); // RFC 7252 §4.1
        }
        let mut pos = options_start;
        let mut prev = 0u16;
        let mut problem_free = true;
        let options_end = loop {
            let Some(&byte) = b.get(pos) else { break pos };
            // The usual option inline (as in `read_option`), the rest out of line.
            let (number, start, end) = if byte < 0xD0 && byte & 0x0F < 13 {
                let number = prev.checked_add(u16::from(byte >> 4)).ok_or(err(Malformed::OptionNumberTooLarge, pos))?;
                let start = pos + 1;
                let end = start + usize::from(byte & 0x0F);
                if end > b.len() {
                    return Err(err(Malformed::TruncatedOption, start));
                }
                (number, start, end)
            } else if byte == 0xFF {
                // RFC 7252 §3: a payload marker is followed by a payload.
                if pos + 1 == b.len() {
                    return Err(err(Malformed::EmptyPayloadAfterMarker, pos));
                }
                break pos;
            } else {
                match read_extended(b, pos, prev, byte).map_err(|(kind, at)| err(kind, at))? {
                    Step::Option { number, start, end } => (number, start, end),
                    // RFC 7252 §3: a payload marker is followed by a payload.
                    Step::Marker if pos + 1 == b.len() => return Err(err(Malformed::EmptyPayloadAfterMarker, pos)),
                    Step::Marker | Step::End => break pos,
                }
            };
            // The rules `option_problems` applies, checked here so that it need not walk a
            // message that breaks none. A repeat is a delta of 0 (options ascend); on the first
            // option that is option 0, which is not registered and so may repeat.
            problem_free &= !OptionNumber(number).breaks_rules(end - start, byte >> 4 == 0);
            prev = number;
            pos = end;
        };
        Ok(Self { buf, token_start, options_start, options_end, problem_free })
    }

    fn bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    /// Where the parts of this checked message are, to rebuild the view over a copy of its
    /// bytes without checking them again ([`Message::from_layout`]).
    pub(crate) fn layout(&self) -> Layout {
        Layout {
            token_start: self.token_start as u32,
            options_start: self.options_start as u32,
            options_end: self.options_end as u32,
            problem_free: self.problem_free,
        }
    }

    /// The view over `buf`, a byte-for-byte copy of a message that passed
    /// [`new_checked`](Self::new_checked) with this `layout`. Offsets past the end of a
    /// wrong `buf` cannot panic (every accessor bounds-checks), they only give empty parts.
    pub(crate) fn from_layout(buf: B, layout: Layout) -> Self {
        Self {
            buf,
            token_start: layout.token_start as usize,
            options_start: layout.options_start as usize,
            options_end: layout.options_end as usize,
            problem_free: layout.problem_free,
        }
    }

    fn byte(&self, i: usize) -> u8 {
        self.bytes().get(i).copied().unwrap_or(0)
    }

    /// The message type.
    pub fn message_type(&self) -> MessageType {
        MessageType::from_bits(self.byte(0) >> 4)
    }

    /// The code.
    pub fn code(&self) -> Code {
        Code(self.byte(1))
    }

    /// The message id.
    pub fn message_id(&self) -> MessageId {
        MessageId(u16::from_be_bytes([self.byte(2), self.byte(3)]))
    }

    /// The token (0-8 bytes, or up to 65,804 with RFC 8974 extended lengths).
    pub fn token(&self) -> &[u8] {
        self.bytes().get(self.token_start..self.options_start).unwrap_or(&[])
    }

    /// The options, in order (ascending numbers; repeats keep their order).
    pub fn options(&self) -> Options<'_> {
        Options { bytes: self.bytes().get(..self.options_end).unwrap_or(&[]), pos: self.options_start, prev: 0 }
    }

    /// The first value of option `number`.
    pub fn option(&self, number: OptionNumber) -> Option<&[u8]> {
        self.options().find(|o| o.number == number).map(|o| o.value)
    }

    /// The first value of a uint option (RFC 7252 §3.2), if present and at most 4 bytes.
    pub fn uint_option(&self, number: OptionNumber) -> Option<u32> {
        self.option(number).and_then(decode_uint)
    }

    /// The payload (empty when there is no payload marker).
    pub fn payload(&self) -> &[u8] {
        self.bytes().get(self.options_end + 1..).unwrap_or(&[])
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes()
    }

    /// Options that break an option-level rule, with the problem (RFC 7252 §5.4.3, §5.4.5).
    ///
    /// ```
    /// use coap_codec::wire::{Message, OptionNumber, OptionProblem};
    /// // Two Content-Format options (not repeatable), the second 3 bytes long (max 2).
    /// let m = Message::new_checked(&[0x50u8, 0x45, 0, 1, 0xC1, 0x00, 0x03, 1, 2, 3][..])?;
    /// let problems: Vec<_> = m.option_problems().collect();
    /// assert_eq!(problems[0].1, OptionProblem::Repeated);
    /// assert_eq!(problems[1].1, OptionProblem::Length { len: 3, min: 0, max: 2 });
    /// # Ok::<(), coap_codec::wire::DecodeError>(())
    /// ```
    pub fn option_problems(&self) -> impl Iterator<Item = (CoapOption<'_>, OptionProblem)> + '_ {
        // `new_checked` found whether any option breaks a rule: a clean message has nothing to walk.
        let options = if self.problem_free { Options::new(&[]) } else { self.options() };
        problems(options, OptionNumber::rules)
    }
}

/// The option-level problems of `options` under `rules` (repeatable, length range) for each
/// number: the registry for requests and responses, RFC 8323 §5's table for signals.
pub(crate) fn problems<'a>(
    options: Options<'a>,
    rules: impl Fn(OptionNumber) -> (bool, Option<(u16, u16)>) + 'a,
) -> impl Iterator<Item = (CoapOption<'a>, OptionProblem)> + 'a {
    let mut last: Option<OptionNumber> = None;
    options.flat_map(move |o| {
        let (repeatable, range) = rules(o.number);
        // RFC 7252 §5.4.5: a second occurrence of a non-repeatable option.
        let repeated = last == Some(o.number) && !repeatable;
        last = Some(o.number);
        // RFC 7252 §5.4.3: a length outside the option's range.
        let length = range.and_then(|(min, max)| {
            let len = o.value.len();
            (len < usize::from(min) || len > usize::from(max)).then_some(OptionProblem::Length { len, min, max })
        });
        repeated.then_some((o, OptionProblem::Repeated)).into_iter().chain(length.map(|p| (o, p)))
    })
}

/// Iterator over a checked message's options.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    bytes: &'a [u8],
    pos: usize,
    prev: u16,
}

impl<'a> Options<'a> {
    /// Options encoded in `bytes` (which end where the options end).
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0, prev: 0 }
    }
}

impl<'a> Options<'a> {
    /// The option at `pos` when it has extended delta or length bytes (or is the marker).
    #[cold]
    fn extended(&self, byte: u8) -> Option<(u16, usize, usize)> {
        match read_extended(self.bytes, self.pos, self.prev, byte) {
            Ok(Step::Option { number, start, end }) => Some((number, start, end)),
            _ => None,
        }
    }
}

impl<'a> Iterator for Options<'a> {
    type Item = CoapOption<'a>;
    #[inline]
    fn next(&mut self) -> Option<CoapOption<'a>> {
        let &byte = self.bytes.get(self.pos)?;
        // As `read_option`: the usual option inline, the rest out of line.
        let (number, start, end) = if byte < 0xD0 && byte & 0x0F < 13 {
            let start = self.pos + 1;
            (self.prev.checked_add(u16::from(byte >> 4))?, start, start + usize::from(byte & 0x0F))
        } else {
            self.extended(byte)?
        };
        let value = self.bytes.get(start..end)?;
        self.prev = number;
        self.pos = end;
        Some(CoapOption { number: OptionNumber(number), value })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    /// The problems as the registry defines them, found by walking the options.
    fn reference(m: &Message<&[u8]>) -> Vec<(u16, OptionProblem)> {
        let mut out = Vec::new();
        let mut last = None;
        for o in m.options() {
            if last == Some(o.number) && !o.number.is_repeatable() {
                out.push((o.number.0, OptionProblem::Repeated));
            }
            last = Some(o.number);
            if let Some((min, max)) = o.number.length_range() {
                let len = o.value.len();
                if len < usize::from(min) || len > usize::from(max) {
                    out.push((o.number.0, OptionProblem::Length { len, min, max }));
                }
            }
        }
        out
    }

    /// `option_problems` (which skips the walk when `new_checked` found nothing) agrees with a
    /// walk on option-shaped random messages.
    #[test]
    fn option_problems_agree_with_a_walk() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut with_problems = 0;
        for _ in 0..50_000 {
            let mut bytes = std::vec![0x40u8, 0x01, 0, 1];
            for _ in 0..(next() % 6) {
                let r = next();
                // Deltas 0-14 and lengths 0-13 (extended forms included), values of that length.
                let (delta, len) = ((r % 15) as u8, ((r >> 8) % 14) as usize);
                let real_len = if len == 13 { 13 + ((r >> 16) % 3) as usize } else { len };
                bytes.push((delta << 4) | len as u8);
                if delta == 13 {
                    bytes.push(((r >> 24) % 50) as u8);
                }
                if delta == 14 {
                    bytes.extend([0, ((r >> 24) % 50) as u8]);
                }
                if len == 13 {
                    bytes.push((real_len - 13) as u8);
                }
                bytes.extend(core::iter::repeat(0xAB).take(real_len));
            }
            let Ok(m) = Message::new_checked(&bytes[..]) else { continue };
            let got: Vec<(u16, OptionProblem)> = m.option_problems().map(|(o, p)| (o.number.0, p)).collect();
            let want = reference(&m);
            with_problems += usize::from(!want.is_empty());
            assert_eq!(got, want, "{bytes:02x?}");
        }
        assert!(with_problems > 1_000, "{with_problems}");
    }
}
