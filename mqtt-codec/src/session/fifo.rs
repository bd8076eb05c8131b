//! [`Fifo`]: a fixed-capacity queue in an array, with 16-bit indices so that the machines' fixed
//! state stays small. The outbound slots, the acknowledgements to send and the event records
//! are each one.

/// A queue of at most `N` (at most 65,535) copies of `T`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fifo<T: Copy, const N: usize> {
    items: [T; N],
    first: u16,
    len: u16,
}

impl<T: Copy, const N: usize> Fifo<T, N> {
    /// Refuses, at compile time, a capacity the 16-bit indices cannot address.
    const FITS: () = assert!(N <= u16::MAX as usize, "at most 65,535 entries");

    /// An empty queue; `fill` initialises the unused entries.
    pub(crate) const fn new(fill: T) -> Self {
        let () = Self::FITS;
        Self { items: [fill; N], first: 0, len: 0 }
    }

    pub(crate) const fn len(&self) -> usize {
        self.len as usize
    }

    pub(crate) const fn is_full(&self) -> bool {
        self.len as usize >= N
    }

    fn index(&self, i: usize) -> usize {
        (usize::from(self.first) + i) % N.max(1)
    }

    /// The `i`-th entry from the front.
    pub(crate) fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len() {
            return None;
        }
        self.items.get(self.index(i))
    }

    pub(crate) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len() {
            return None;
        }
        let at = self.index(i);
        self.items.get_mut(at)
    }

    pub(crate) fn front(&self) -> Option<T> {
        self.get(0).copied()
    }

    /// Appends `item`; `false` when full.
    pub(crate) fn push(&mut self, item: T) -> bool {
        if self.is_full() {
            return false;
        }
        let at = self.index(self.len());
        match self.items.get_mut(at) {
            Some(slot) => *slot = item,
            None => return false,
        }
        self.len += 1;
        true
    }

    /// Removes the front entry.
    pub(crate) fn pop(&mut self) {
        if self.len > 0 {
            self.first = (self.index(1) % N.max(1)) as u16;
            self.len -= 1;
        }
    }

    pub(crate) fn clear(&mut self) {
        self.first = 0;
        self.len = 0;
    }

    /// The entries, front first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        (0..self.len()).filter_map(move |i| self.get(i))
    }
}

#[cfg(test)]
mod tests {
    use super::Fifo;

    #[test]
    fn wraps_and_keeps_order() {
        let mut q = Fifo::<u8, 3>::new(0);
        for round in 0..10u8 {
            assert!(q.push(round) && q.push(round + 100));
            assert_eq!(q.front(), Some(round));
            q.pop();
            assert_eq!(q.iter().copied().collect::<std::vec::Vec<_>>(), [round + 100]);
            q.pop();
        }
        assert!(q.push(1) && q.push(2) && q.push(3) && !q.push(4));
        assert_eq!(q.get(2), Some(&3));
        assert_eq!(q.get(3), None);
        q.clear();
        assert_eq!(q.len(), 0);
    }
}
