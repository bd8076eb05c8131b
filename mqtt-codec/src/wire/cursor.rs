//! The decoder's bounds-checked reader and the encoder's writer. Every read goes through
//! `split_at_checked`/`get`, so no input can make the decoder index out of bounds.

use super::varint::{self, VarInt};
use super::{string, DecodeError, Field, Malformed};

/// A bounds-checked reader over one packet body that knows its offset in the packet.
///
/// It keeps only the unread bytes and the offset where they end; the current offset is derived
/// (it is needed only for errors), so a read updates one slice.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    end: usize,
}

impl<'a> Reader<'a> {
    /// `buf` is the body; `pos` the offset of its first byte within the packet.
    #[inline]
    pub(crate) fn new(buf: &'a [u8], pos: usize) -> Self {
        Self { buf, end: pos + buf.len() }
    }

    #[inline]
    pub(crate) fn err(&self, kind: Malformed) -> DecodeError {
        DecodeError { kind, offset: self.offset() }
    }

    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len()
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    #[inline]
    pub(crate) fn offset(&self) -> usize {
        self.end - self.buf.len()
    }

    #[inline(always)]
    pub(crate) fn take(&mut self, n: usize, field: Field) -> Result<&'a [u8], DecodeError> {
        match self.buf.split_at_checked(n) {
            Some((head, tail)) => {
                self.buf = tail;
                Ok(head)
            }
            None => Err(self.err(Malformed::Truncated(field))),
        }
    }

    /// The next `N` bytes as an array, without consuming them.
    #[inline(always)]
    pub(crate) fn peek_array<const N: usize>(&self) -> Option<[u8; N]> {
        self.buf.get(..N).and_then(|s| <[u8; N]>::try_from(s).ok())
    }

    /// Drops `n` bytes that [`peek_array`](Self::peek_array) showed are there.
    #[inline(always)]
    pub(crate) fn skip(&mut self, n: usize) {
        self.buf = self.buf.get(n..).unwrap_or(&[]);
    }

    /// The rest of the body.
    #[inline]
    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let rest = self.buf;
        self.buf = &[];
        rest
    }

    #[inline]
    pub(crate) fn u8(&mut self, field: Field) -> Result<u8, DecodeError> {
        match self.buf.split_first() {
            Some((&b, tail)) => {
                self.buf = tail;
                Ok(b)
            }
            None => Err(self.err(Malformed::Truncated(field))),
        }
    }

    #[inline(always)]
    pub(crate) fn u16(&mut self, field: Field) -> Result<u16, DecodeError> {
        let b = self.take(2, field)?;
        match b {
            [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
            _ => Err(self.err(Malformed::Truncated(field))),
        }
    }

    #[inline]
    pub(crate) fn u32(&mut self, field: Field) -> Result<u32, DecodeError> {
        let b = self.take(4, field)?;
        match b {
            [a, b, c, d] => Ok(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => Err(self.err(Malformed::Truncated(field))),
        }
    }

    #[inline]
    pub(crate) fn varint(&mut self, field: Field) -> Result<u32, DecodeError> {
        match varint::read(self.buf) {
            Ok(VarInt::Done(v, n)) => {
                self.take(n, field)?;
                Ok(v)
            }
            Ok(VarInt::Incomplete) => Err(self.err(Malformed::Truncated(field))),
            Err(kind) => Err(self.err(kind)),
        }
    }

    /// Two-byte length then that many bytes (5.0 §1.5.6 Binary Data).
    #[inline(always)]
    pub(crate) fn binary(&mut self, field: Field) -> Result<&'a [u8], DecodeError> {
        let n = self.u16(field)?;
        self.take(usize::from(n), field)
    }

    /// A UTF-8 Encoded String (5.0 §1.5.4): well-formed, no U+0000.
    #[inline(always)]
    pub(crate) fn string(&mut self, field: Field) -> Result<&'a str, DecodeError> {
        let start = self.offset();
        let bytes = self.binary(field)?;
        string::check(bytes, field).map_err(|kind| DecodeError { kind, offset: start })
    }
}

/// Where encoders write. Implemented for a checked slice cursor and (under `alloc`) any
/// `bytes::BufMut`; callers check capacity against the exact length before writing.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);

    #[inline]
    fn u8(&mut self, b: u8) {
        self.put(&[b]);
    }
    #[inline]
    fn u16(&mut self, v: u16) {
        self.put(&v.to_be_bytes());
    }
    #[inline]
    fn u32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }
    #[inline]
    fn varint(&mut self, v: u32) {
        if v < 0x80 {
            return self.u8(v as u8);
        }
        let (buf, n) = varint::encode(v);
        self.put(buf.get(..n).unwrap_or(&[]));
    }
    /// Two-byte length prefix then the bytes; callers validate the length beforehand.
    #[inline]
    fn binary(&mut self, b: &[u8]) {
        self.u16(b.len() as u16);
        self.put(b);
    }
}

/// A writer over a caller slice that was checked to be large enough.
pub(crate) struct SliceSink<'a> {
    pub(crate) buf: &'a mut [u8],
    pub(crate) pos: usize,
}

impl Sink for SliceSink<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }
    #[inline]
    fn u8(&mut self, b: u8) {
        if let Some(dst) = self.buf.get_mut(self.pos) {
            *dst = b;
        }
        self.pos += 1;
    }
    #[inline]
    fn u16(&mut self, v: u16) {
        if let Some(dst) = self.buf.get_mut(self.pos..self.pos + 2) {
            dst.copy_from_slice(&v.to_be_bytes());
        }
        self.pos += 2;
    }
    /// Length prefix and bytes under one bounds check.
    #[inline]
    fn binary(&mut self, b: &[u8]) {
        let end = self.pos + 2 + b.len();
        if let Some([hi, lo, dst @ ..]) = self.buf.get_mut(self.pos..end) {
            [*hi, *lo] = (b.len() as u16).to_be_bytes();
            dst.copy_from_slice(b);
        }
        self.pos = end;
    }
}

#[cfg(feature = "alloc")]
pub(crate) struct BufMutSink<'a, B: bytes::BufMut>(pub(crate) &'a mut B);

#[cfg(feature = "alloc")]
impl<B: bytes::BufMut> Sink for BufMutSink<'_, B> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0.put_slice(bytes);
    }
}

/// Length on the wire of a 2-byte-prefixed string or binary field.
#[inline]
pub(crate) const fn prefixed_len(len: usize) -> usize {
    2 + len
}
