//! [`Slab`]: entries addressed by a dense `u32` index that stays valid until the entry is
//! removed; freed indices are reused. The broker keys connections and sessions by it, so routing
//! does no map lookups.

use alloc::vec::Vec;

#[derive(Debug, Clone)]
pub(crate) struct Slab<T> {
    entries: Vec<Option<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Slab<T> {
    pub(crate) const fn new() -> Self {
        Self { entries: Vec::new(), free: Vec::new(), len: 0 }
    }

    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Stores `value` and returns its index.
    pub(crate) fn insert(&mut self, value: T) -> u32 {
        self.len += 1;
        match self.free.pop() {
            Some(i) => {
                if let Some(e) = self.entries.get_mut(i as usize) {
                    *e = Some(value);
                }
                i
            }
            None => {
                self.entries.push(Some(value));
                (self.entries.len() - 1) as u32
            }
        }
    }

    pub(crate) fn get(&self, i: u32) -> Option<&T> {
        self.entries.get(i as usize).and_then(Option::as_ref)
    }

    pub(crate) fn get_mut(&mut self, i: u32) -> Option<&mut T> {
        self.entries.get_mut(i as usize).and_then(Option::as_mut)
    }

    pub(crate) fn remove(&mut self, i: u32) -> Option<T> {
        let v = self.entries.get_mut(i as usize).and_then(Option::take)?;
        self.free.push(i);
        self.len -= 1;
        Some(v)
    }

    /// Every entry with its index.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &T)> + '_ {
        self.entries.iter().enumerate().filter_map(|(i, e)| e.as_ref().map(|v| (i as u32, v)))
    }

    /// The indices in use.
    pub(crate) fn indices(&self) -> Vec<u32> {
        self.iter().map(|(i, _)| i).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Slab;

    #[test]
    fn indices_stay_until_removed_and_are_reused() {
        let mut s = Slab::new();
        let (a, b) = (s.insert('a'), s.insert('b'));
        assert_eq!((s.get(a), s.get(b), s.len()), (Some(&'a'), Some(&'b'), 2));
        assert_eq!(s.remove(a), Some('a'));
        assert_eq!(s.get(a), None);
        assert_eq!(s.remove(a), None);
        assert_eq!(s.len(), 1);
        assert_eq!(s.insert('c'), a);
        assert_eq!(s.indices(), [a, b]);
    }
}
