//! Topic aliases both ways (5.0 §3.3.2.3.4): up to `A` mappings per direction, their topics in
//! one small region of the store, packed (a replaced or cleared topic's bytes are reclaimed at
//! once by moving the ones after it down). Mappings last for one network connection
//! (`MQTT-3.3.2-7`), so [`Aliases::clear`] runs on every new connection.

/// One mapping: alias number and where its topic sits in the alias region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Entry {
    alias: u16,
    off: u16,
    len: u16,
}

/// Which table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Aliases we chose for what we send.
    Out,
    /// Aliases the peer chose for what it sends.
    In,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Aliases<const A: usize> {
    out: [Entry; A],
    n_out: u8,
    inb: [Entry; A],
    n_in: u8,
    /// Bytes of the region in use.
    used: u16,
    cap: u16,
}

impl<const A: usize> Aliases<A> {
    pub(crate) const fn new(cap: u16) -> Self {
        Self {
            out: [Entry { alias: 0, off: 0, len: 0 }; A],
            n_out: 0,
            inb: [Entry { alias: 0, off: 0, len: 0 }; A],
            n_in: 0,
            used: 0,
            cap,
        }
    }

    pub(crate) fn clear(&mut self) {
        self.n_out = 0;
        self.n_in = 0;
        self.used = 0;
    }

    fn table(&self, dir: Dir) -> &[Entry] {
        match dir {
            Dir::Out => self.out.get(..usize::from(self.n_out)).unwrap_or(&[]),
            Dir::In => self.inb.get(..usize::from(self.n_in)).unwrap_or(&[]),
        }
    }

    /// How many mappings a direction holds.
    pub(crate) fn len(&self, dir: Dir) -> usize {
        self.table(dir).len()
    }

    /// The topic bytes of `alias`, as `(offset, len)` in the region.
    pub(crate) fn lookup(&self, dir: Dir, alias: u16) -> Option<(usize, usize)> {
        self.table(dir).iter().find(|e| e.alias == alias).map(|e| (usize::from(e.off), usize::from(e.len)))
    }

    /// The alias already mapped to `topic` (outbound), if any.
    pub(crate) fn find_topic(&self, region: &[u8], topic: &[u8]) -> Option<u16> {
        self.table(Dir::Out)
            .iter()
            .find(|e| region.get(usize::from(e.off)..usize::from(e.off) + usize::from(e.len)) == Some(topic))
            .map(|e| e.alias)
    }

    /// Maps `alias` to `topic` (replacing an old mapping). `false` when the table or region is
    /// full; nothing changed then.
    pub(crate) fn set(&mut self, region: &mut [u8], dir: Dir, alias: u16, topic: &[u8]) -> bool {
        let Ok(len) = u16::try_from(topic.len()) else { return false };
        // Room once the old mapping of this alias (if any) is gone.
        let old = self.table(dir).iter().position(|e| e.alias == alias);
        let old_len = old.and_then(|i| self.table(dir).get(i)).map_or(0, |e| e.len);
        let count = self.len(dir) - usize::from(old.is_some());
        if count >= A || u32::from(self.used) - u32::from(old_len) + u32::from(len) > u32::from(self.cap) {
            return false;
        }
        if let Some(i) = old {
            self.remove(region, dir, i);
        }
        let off = self.used;
        let Some(dst) = region.get_mut(usize::from(off)..usize::from(off) + usize::from(len)) else { return false };
        dst.copy_from_slice(topic);
        self.used += len;
        let (table, n) = match dir {
            Dir::Out => (&mut self.out, &mut self.n_out),
            Dir::In => (&mut self.inb, &mut self.n_in),
        };
        if let Some(slot) = table.get_mut(usize::from(*n)) {
            *slot = Entry { alias, off, len };
            *n += 1;
        }
        true
    }

    /// Removes entry `i` of `dir` and packs the region.
    fn remove(&mut self, region: &mut [u8], dir: Dir, i: usize) {
        let Some(gone) = self.table(dir).get(i).copied() else { return };
        let (start, end) = (usize::from(gone.off) + usize::from(gone.len), usize::from(self.used));
        if start <= end && end <= region.len() {
            region.copy_within(start..end, usize::from(gone.off));
        }
        self.used -= gone.len;
        for e in
            self.out.iter_mut().take(usize::from(self.n_out)).chain(self.inb.iter_mut().take(usize::from(self.n_in)))
        {
            if e.off > gone.off {
                e.off -= gone.len;
            }
        }
        let (table, n) = match dir {
            Dir::Out => (&mut self.out, &mut self.n_out),
            Dir::In => (&mut self.inb, &mut self.n_in),
        };
        let count = usize::from(*n);
        if i < count {
            table.copy_within(i + 1..count, i);
            *n -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::{Aliases, Dir};

    #[test]
    fn set_replace_lookup_and_pack() {
        let mut region = [0u8; 16];
        let mut a = Aliases::<2>::new(16);
        assert!(a.set(&mut region, Dir::In, 1, b"a/b/c"));
        assert!(a.set(&mut region, Dir::Out, 1, b"x/y"));
        assert!(!a.set(&mut region, Dir::In, 2, b"0123456789")); // 8 bytes used, 10 more do not fit
        assert!(a.set(&mut region, Dir::In, 1, b"q")); // replaced: "a/b/c" reclaimed, "x/y" moved down
        assert_eq!(a.lookup(Dir::In, 1).map(|(o, l)| &region[o..o + l]), Some(&b"q"[..]));
        assert_eq!(a.find_topic(&region, b"x/y"), Some(1));
        assert!(a.set(&mut region, Dir::In, 2, b"0123456789"));
        assert!(!a.set(&mut region, Dir::In, 3, b"z")); // A = 2 per direction
        a.clear();
        assert_eq!((a.len(Dir::In), a.len(Dir::Out), a.lookup(Dir::In, 1)), (0, 0, None));
    }
}
