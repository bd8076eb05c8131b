//! The endpoint's byte stores, over caller-provided slices: [`Arena`] (shared with the session,
//! in [`blockwise`](crate::blockwise)) for the messages of open exchanges (freed in any order,
//! compacted on free, so nothing fragments), and [`Ring`] for
//! cached responses, datagrams waiting to go out and received messages waiting for the
//! application (freed roughly in the order they were written).

pub(crate) use crate::blockwise::Arena;

/// Bytes of a [`Ring`] chunk header: length (u16, big endian) and flags.
const HEADER: usize = 3;
/// The chunk is owned by a table entry (a cached response, an event).
pub(crate) const OWNED: u8 = 1;
/// The chunk is queued for transmission.
pub(crate) const QUEUED: u8 = 2;

/// A ring of chunks `[len: u16][flags: u8][bytes]`, written at the head and reclaimed at the
/// tail once the chunk there has no owner left (no `OWNED`, no `QUEUED` flag). A chunk is
/// always contiguous: one that does not fit before the end of the buffer goes to offset 0 and
/// the bytes it skipped are unused until the tail passes them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ring {
    tail: u32,
    head: u32,
    /// While the live data wraps around: where the data before offset 0 ends.
    wrap_end: Option<u32>,
}

impl Ring {
    /// Reserves a chunk of `len` bytes with `flags`; returns the offset of its first data byte.
    pub(crate) fn alloc(&mut self, buf: &mut [u8], len: usize, flags: u8) -> Option<u32> {
        let len16 = u16::try_from(len).ok()?;
        let need = u32::try_from(HEADER + len).ok()?;
        let cap = u32::try_from(buf.len()).ok()?;
        let at = match self.wrap_end {
            None if cap - self.head >= need => self.head,
            // Wrap: the skipped bytes [head, cap) wait for the tail.
            None if self.tail > need || (self.tail == self.head && need <= cap) => {
                if self.tail == self.head {
                    // Empty: start over at 0.
                    self.tail = 0;
                } else {
                    self.wrap_end = Some(self.head);
                }
                0
            }
            None => return None,
            // Wrapped: the free space is [head, tail); keep head < tail so full and empty differ.
            Some(_) if self.tail - self.head > need => self.head,
            Some(_) => return None,
        };
        let header = buf.get_mut(at as usize..(at + need) as usize)?;
        let [hi, lo] = len16.to_be_bytes();
        if let Some(h) = header.first_chunk_mut::<HEADER>() {
            *h = [hi, lo, flags];
        }
        self.head = at + need;
        Some(at + HEADER as u32)
    }

    /// The data of the chunk whose data starts at `off`.
    pub(crate) fn get<'b>(&self, buf: &'b [u8], off: u32) -> &'b [u8] {
        let len = Self::len_at(buf, off);
        buf.get(off as usize..off as usize + len).unwrap_or(&[])
    }

    /// The data of the chunk at `off`, writable.
    pub(crate) fn get_mut<'b>(&self, buf: &'b mut [u8], off: u32) -> &'b mut [u8] {
        let len = Self::len_at(buf, off);
        buf.get_mut(off as usize..off as usize + len).unwrap_or(&mut [])
    }

    fn len_at(buf: &[u8], off: u32) -> usize {
        let h = (off as usize).wrapping_sub(HEADER);
        match buf.get(h..h + 2) {
            Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => 0,
        }
    }

    /// Sets `flag` on the chunk at `off`.
    pub(crate) fn set(buf: &mut [u8], off: u32, flag: u8) {
        if let Some(f) = buf.get_mut((off as usize).wrapping_sub(1)) {
            *f |= flag;
        }
    }

    /// Clears `flag` on the chunk at `off`, then reclaims what the tail can.
    pub(crate) fn release(&mut self, buf: &mut [u8], off: u32, flag: u8) {
        if let Some(f) = buf.get_mut((off as usize).wrapping_sub(1)) {
            *f &= !flag;
        }
        self.reclaim(buf);
    }

    fn reclaim(&mut self, buf: &[u8]) {
        loop {
            if let Some(end) = self.wrap_end {
                if self.tail >= end {
                    self.tail = 0;
                    self.wrap_end = None;
                    continue;
                }
            } else if self.tail >= self.head {
                (self.tail, self.head) = (0, 0);
                return;
            }
            let t = self.tail as usize;
            let Some(&[hi, lo, flags]) = buf.get(t..t + HEADER) else { return };
            if flags != 0 {
                return;
            }
            self.tail += (HEADER + usize::from(u16::from_be_bytes([hi, lo]))) as u32;
        }
    }

    /// Bytes between tail and head (including skipped bytes): how full the ring is.
    pub(crate) fn used(&self, cap: usize) -> usize {
        match self.wrap_end {
            None => (self.head - self.tail) as usize,
            Some(end) => (end - self.tail + self.head) as usize,
        }
        .min(cap)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn ring_reuses_space_freed_in_any_order_and_wraps() {
        let mut buf = [0u8; 64];
        let mut r = Ring::default();
        let a = r.alloc(&mut buf, 20, OWNED).unwrap();
        let b = r.alloc(&mut buf, 20, OWNED).unwrap();
        r.get_mut(&mut buf, b).fill(0xBB);
        assert!(r.alloc(&mut buf, 20, OWNED).is_none(), "46 used, 23 more do not fit in 64");
        // Freeing b first reclaims nothing: a still holds the tail.
        r.release(&mut buf, b, OWNED);
        assert_eq!(r.used(64), 46);
        r.release(&mut buf, a, OWNED);
        assert_eq!(r.used(64), 0);
        // Fill, free the first, and the next chunk wraps to offset 0.
        let c = r.alloc(&mut buf, 30, OWNED).unwrap();
        let d = r.alloc(&mut buf, 20, QUEUED).unwrap();
        r.release(&mut buf, c, OWNED);
        let e = r.alloc(&mut buf, 20, OWNED).unwrap();
        assert_eq!(e, 3, "wrapped to the start");
        r.get_mut(&mut buf, e).fill(0xEE);
        assert_eq!(r.get(&buf, d).len(), 20);
        assert!(r.get(&buf, e).iter().all(|&x| x == 0xEE));
        r.release(&mut buf, d, QUEUED);
        r.release(&mut buf, e, OWNED);
        assert_eq!(r.used(64), 0);
    }

    #[test]
    fn ring_refuses_a_chunk_larger_than_the_buffer() {
        let mut buf = [0u8; 16];
        let mut r = Ring::default();
        assert!(r.alloc(&mut buf, 14, OWNED).is_none());
        assert!(r.alloc(&mut buf, 13, OWNED).is_some());
    }
}
