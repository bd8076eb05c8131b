//! [`Ring`]: a FIFO of byte records inside one region of the caller's store. Records are
//! contiguous (one that does not fit before the end wraps to the start, leaving the tail
//! unused), never move, and are freed oldest first, so a table can keep `(offset, len)` pairs.

/// Offsets of a FIFO of contiguous records in `[0, cap)` of a region; the bytes live in the
/// caller's store. Empty when `len == 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ring {
    cap: u32,
    /// Start of the oldest record.
    head: u32,
    /// Where the next record goes.
    tail: u32,
    /// The records wrapped: they run `head..` to where the wrap happened, then `0..tail`.
    wrapped: bool,
    /// Records held.
    len: u32,
}

impl Ring {
    pub(crate) const fn new(cap: u32) -> Self {
        Self { cap, head: 0, tail: 0, wrapped: false, len: 0 }
    }

    pub(crate) const fn capacity(&self) -> u32 {
        self.cap
    }

    /// Bytes in use (tail space lost to a wrap counts as used).
    #[cfg(test)]
    pub(crate) const fn used(&self) -> u32 {
        if self.len == 0 {
            0
        } else if self.wrapped {
            self.cap - self.head + self.tail
        } else {
            self.tail - self.head
        }
    }

    /// Where a record of `n` bytes would go, or `None` if it does not fit now.
    pub(crate) const fn find(&self, n: u32) -> Option<u32> {
        if self.len == 0 {
            return if n <= self.cap { Some(0) } else { None };
        }
        if self.wrapped {
            // Free space is tail..head.
            return if self.head - self.tail >= n { Some(self.tail) } else { None };
        }
        if self.cap - self.tail >= n {
            Some(self.tail)
        } else if self.head >= n {
            // Wrap: the front of the region, up to the oldest record.
            Some(0)
        } else {
            None
        }
    }

    /// Reserves `n` bytes and returns their offset, or `None` if they do not fit now.
    pub(crate) fn push(&mut self, n: u32) -> Option<u32> {
        let at = self.find(n)?;
        if self.len == 0 {
            self.head = 0;
            self.tail = n;
        } else if at == self.tail {
            self.tail += n;
        } else {
            // Wrapping: the bytes from the old tail to the end stay unused.
            self.wrapped = true;
            self.tail = n;
        }
        self.len += 1;
        Some(at)
    }

    /// Frees the oldest record; `next` is the offset of the record after it (`None` when it was
    /// the last one).
    pub(crate) fn pop(&mut self, next: Option<u32>) {
        self.len = self.len.saturating_sub(1);
        match next {
            Some(at) if self.len > 0 => {
                if self.wrapped && at < self.head {
                    // The next record is past the wrap: the upper part is empty now.
                    self.wrapped = false;
                }
                self.head = at;
            }
            _ => *self = Self::new(self.cap),
        }
    }

    /// Forgets every record.
    pub(crate) fn clear(&mut self) {
        *self = Self::new(self.cap);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::Ring;

    #[test]
    fn records_wrap_and_free_oldest_first() {
        let mut r = Ring::new(10);
        assert_eq!(r.push(4), Some(0));
        assert_eq!(r.push(4), Some(4));
        assert_eq!(r.push(4), None); // 2 left at the end, nothing free at the front
        r.pop(Some(4));
        assert_eq!(r.push(4), Some(0)); // wraps; bytes 8..10 unused
        assert_eq!(r.used(), 10); // head 4, tail 4 after the wrap: full (8..10 is lost to it)
        assert_eq!(r.push(1), None); // tail == head
        r.pop(Some(0)); // the record at 4 goes; the next one is past the wrap
        assert_eq!(r.push(6), Some(4));
        r.pop(Some(4));
        r.pop(None);
        assert_eq!(r.used(), 0);
        assert_eq!(r.push(10), Some(0));
        assert_eq!(r.push(11), None);
    }

    #[test]
    fn never_overlaps_under_a_random_workload() {
        // A model: live records as (offset, len); check no two overlap and all stay in bounds.
        let mut r = Ring::new(64);
        let mut live: [(u32, u32); 64] = [(0, 0); 64];
        let (mut front, mut back) = (0usize, 0usize);
        let mut s = 0x1234_5678_u32;
        for _ in 0..100_000 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let n = 1 + s % 20;
            if s & 0x100 != 0 && back - front < 64 {
                if let Some(at) = r.push(n) {
                    assert!(at + n <= 64);
                    for i in front..back {
                        let (o, l) = live[i % 64];
                        assert!(at + n <= o || o + l <= at, "overlap");
                    }
                    live[back % 64] = (at, n);
                    back += 1;
                }
            } else if back > front {
                front += 1;
                r.pop(if back > front { Some(live[front % 64].0) } else { None });
            }
        }
    }
}
