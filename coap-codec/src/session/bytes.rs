//! The session's byte stores over caller-provided slices: [`Fifo`] for frames waiting to go out
//! and messages waiting in events (both used strictly in order). Registrations and bodies live
//! in the shared [`Arena`](crate::blockwise::Arena).

/// Bytes of a [`Fifo`] chunk header: the length, big endian.
pub(crate) const HEADER: usize = 4;

/// A ring of chunks `[len: u32][bytes]`, written at the head and freed at the tail, strictly in
/// order. A chunk is always contiguous: one that does not fit before the end of the buffer goes
/// to offset 0 and the bytes it skipped stay unused until the tail passes them. `Copy`, so a
/// caller can take a snapshot and put it back to undo an allocation.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fifo {
    head: u32,
    tail: u32,
    /// While the live data wraps around: where the data before offset 0 ends.
    wrap_end: Option<u32>,
    count: u32,
}

impl Fifo {
    /// Where `need` bytes (header included) would go, and the wrap point after.
    fn place(&self, cap: usize, need: usize) -> Option<(usize, Option<u32>)> {
        let (head, tail) = (self.head as usize, self.tail as usize);
        if self.count == 0 {
            return (need <= cap).then_some((0, None));
        }
        match self.wrap_end {
            None if cap.saturating_sub(head) >= need => Some((head, None)),
            // Wrap: the new chunk [0, need) stays below the oldest one.
            None if need <= tail => Some((0, Some(self.head))),
            None => None,
            Some(end) if tail.saturating_sub(head) >= need => Some((head, Some(end))),
            Some(_) => None,
        }
    }

    /// Whether a chunk of `len` bytes fits now.
    pub(crate) fn fits(&self, cap: usize, len: usize) -> bool {
        HEADER.checked_add(len).is_some_and(|need| self.place(cap, need).is_some())
    }

    /// Reserves a chunk of `len` bytes; returns the offset of its first byte.
    pub(crate) fn alloc(&mut self, buf: &mut [u8], len: usize) -> Option<u32> {
        let len32 = u32::try_from(len).ok()?;
        let need = HEADER.checked_add(len)?;
        let (at, wrap_end) = self.place(buf.len(), need)?;
        let end = u32::try_from(at + need).ok()?;
        buf.get_mut(at..at + HEADER)?.copy_from_slice(&len32.to_be_bytes());
        if self.count == 0 {
            self.tail = 0;
        }
        self.wrap_end = wrap_end;
        self.head = end;
        self.count += 1;
        Some(at as u32 + HEADER as u32)
    }

    /// The data offset of the oldest chunk.
    pub(crate) fn front(&self) -> Option<u32> {
        (self.count > 0).then_some(self.tail + HEADER as u32)
    }

    /// Frees the oldest chunk.
    pub(crate) fn pop(&mut self, buf: &[u8]) {
        if self.count == 0 {
            return;
        }
        let len = Self::len_at(buf, self.tail + HEADER as u32);
        self.tail = self.tail.saturating_add((HEADER + len) as u32);
        self.count -= 1;
        if self.count == 0 {
            *self = Self::default();
        } else if let Some(end) = self.wrap_end {
            if self.tail >= end {
                self.tail = 0;
                self.wrap_end = None;
            }
        }
    }

    /// Frees every chunk.
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }

    /// Chunks in the ring.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.count as usize
    }

    /// The data of the chunk at `off`.
    pub(crate) fn get(buf: &[u8], off: u32) -> &[u8] {
        let (start, len) = (off as usize, Self::len_at(buf, off));
        buf.get(start..start.saturating_add(len)).unwrap_or(&[])
    }

    /// The data of the chunk at `off`, writable.
    pub(crate) fn get_mut(buf: &mut [u8], off: u32) -> &mut [u8] {
        let (start, len) = (off as usize, Self::len_at(buf, off));
        buf.get_mut(start..start.saturating_add(len)).unwrap_or(&mut [])
    }

    fn len_at(buf: &[u8], off: u32) -> usize {
        let h = (off as usize).wrapping_sub(HEADER);
        match buf.get(h..h.wrapping_add(HEADER)).and_then(|b| b.first_chunk::<HEADER>()) {
            Some(&b) => u32::from_be_bytes(b) as usize,
            None => 0,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn fifo_wraps_and_frees_in_order() {
        let mut buf = [0u8; 32];
        let mut f = Fifo::default();
        let a = f.alloc(&mut buf, 10).unwrap();
        let b = f.alloc(&mut buf, 10).unwrap();
        Fifo::get_mut(&mut buf, b).fill(0xBB);
        assert!(!f.fits(32, 5), "28 used; 9 more do not fit, and nothing is free before the tail");
        assert_eq!(f.front(), Some(a));
        f.pop(&buf);
        // The next chunk wraps to offset 0, below b.
        let c = f.alloc(&mut buf, 8).unwrap();
        assert_eq!(c, 4);
        Fifo::get_mut(&mut buf, c).fill(0xCC);
        assert!(Fifo::get(&buf, b).iter().all(|&x| x == 0xBB));
        assert!(!f.fits(32, 1), "head 12 reaches tail 14 with a header");
        f.pop(&buf);
        assert_eq!(f.front(), Some(c));
        f.pop(&buf);
        assert_eq!((f.len(), f.front()), (0, None));
        assert!(f.fits(32, 28) && !f.fits(32, 29));
    }
}
