//! [`Arena`]: a compacting byte store over a caller-provided slice (messages of open exchanges,
//! bodies of block-wise transfers): freed in any order, so nothing fragments.

/// A compacting arena: messages laid end to end from offset 0; freeing one moves the ones after
/// it down, and the caller shifts the offsets it holds (see [`Arena::free`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Arena {
    /// Bytes in use, from offset 0.
    pub(crate) used: u32,
}

impl Arena {
    /// Reserves `len` bytes at the end and returns their offset, or `None` when they do not fit.
    pub(crate) fn alloc(&mut self, buf: &[u8], len: usize) -> Option<u32> {
        let end = (self.used as usize).checked_add(len)?;
        if end > buf.len() {
            return None;
        }
        let at = self.used;
        self.used = u32::try_from(end).ok()?;
        Some(at)
    }

    /// Inserts `extra` bytes at `at` (at most `used`), moving everything from `at` on up by
    /// `extra`; `false` (nothing changed) when they do not fit. Every offset the caller holds at
    /// or above `at` must then be raised by `extra`.
    pub(crate) fn grow(&mut self, buf: &mut [u8], at: u32, extra: usize) -> bool {
        let (at, used) = (at as usize, self.used as usize);
        let Some(end) = used.checked_add(extra) else { return false };
        if at > used || end > buf.len() {
            return false;
        }
        buf.copy_within(at..used, at + extra);
        match u32::try_from(end) {
            Ok(e) => {
                self.used = e;
                true
            }
            Err(_) => false,
        }
    }

    /// Frees `len` bytes at `off`, moving everything after them down by `len`. Every offset the
    /// caller holds above `off` must then be lowered by `len`.
    pub(crate) fn free(&mut self, buf: &mut [u8], off: u32, len: u32) {
        let (start, end, used) = (off as usize, (off + len) as usize, self.used as usize);
        if start <= end && end <= used && used <= buf.len() {
            buf.copy_within(end..used, start);
            self.used -= len;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn arena_grows_in_the_middle() {
        let mut buf = [0u8; 8];
        let mut a = Arena::default();
        let x = a.alloc(&buf, 2).unwrap();
        let y = a.alloc(&buf, 2).unwrap();
        buf[x as usize..4].copy_from_slice(b"xxyy");
        assert!(a.grow(&mut buf, 2, 3));
        assert_eq!(&buf[5..7], b"yy");
        assert_eq!(a.used, 7);
        assert!(!a.grow(&mut buf, y + 3, 2), "9 > 8");
        assert_eq!(a.used, 7);
    }

    #[test]
    fn arena_compacts_on_free() {
        let mut buf = [0u8; 16];
        let mut a = Arena::default();
        let x = a.alloc(&buf, 4).unwrap();
        let y = a.alloc(&buf, 4).unwrap();
        buf[y as usize..y as usize + 4].copy_from_slice(b"yyyy");
        a.free(&mut buf, x, 4);
        assert_eq!(&buf[..4], b"yyyy");
        assert_eq!(a.used, 4);
        assert!(a.alloc(&buf, 13).is_none());
        assert_eq!(a.alloc(&buf, 12), Some(4));
    }
}
