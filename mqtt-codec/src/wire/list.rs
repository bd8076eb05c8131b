//! [`List`]: a sequence that is either validated wire bytes (from the decoder, zero-copy) or a
//! caller's slice (for the encoder, no allocation). Both read the same through [`List::iter`].

use core::fmt;
use core::marker::PhantomData;

/// A borrowed sequence of properties, subscriptions, topic filters or reason codes.
///
/// Decoding yields the `Wire` form, a view over bytes that were validated once; building a
/// packet to send uses [`List::new`] over a slice. Equality compares the items, so a decoded
/// list equals the slice it was encoded from.
///
/// ```
/// use mqtt_codec::wire::{List, Property};
/// let props = [Property::ContentType("text/plain"), Property::UserProperty("k", "v")];
/// let list = List::new(&props);
/// assert_eq!(list.iter().count(), 2);
/// assert_eq!(list, List::new(&props[..]));
/// ```
#[derive(Clone, Copy)]
pub struct List<'a, T> {
    repr: Repr<'a, T>,
}

#[derive(Clone, Copy)]
enum Repr<'a, T> {
    Wire(&'a [u8], PhantomData<T>),
    Items(&'a [T]),
}

/// An item a [`List`] can hold. The method is the decoder's internal view; it only has to make
/// sense for bytes the decoder already validated.
pub trait ListItem<'a>: Copy + 'a {
    /// Parses one item from the front of validated bytes; `None` ends the iteration.
    #[doc(hidden)]
    fn parse_validated(buf: &'a [u8]) -> Option<(Self, &'a [u8])>;
}

impl<'a, T: ListItem<'a>> List<'a, T> {
    /// An empty list.
    pub const EMPTY: Self = Self { repr: Repr::Items(&[]) };

    /// A list over the caller's items (for encoding).
    pub const fn new(items: &'a [T]) -> Self {
        Self { repr: Repr::Items(items) }
    }

    /// A list over bytes the decoder validated.
    pub(crate) const fn from_wire(bytes: &'a [u8]) -> Self {
        Self { repr: Repr::Wire(bytes, PhantomData) }
    }

    /// The validated wire bytes when this list came from the decoder.
    pub(crate) fn wire_bytes(&self) -> Option<&'a [u8]> {
        match self.repr {
            Repr::Wire(b, _) => Some(b),
            Repr::Items(_) => None,
        }
    }

    /// The caller's slice, when this list was built from one (not from the decoder).
    ///
    /// ```
    /// use mqtt_codec::wire::{List, ReasonCode};
    /// let codes = [ReasonCode::Success];
    /// assert_eq!(List::new(&codes).as_slice(), Some(&codes[..]));
    /// ```
    pub fn as_slice(&self) -> Option<&'a [T]> {
        match self.repr {
            Repr::Items(items) => Some(items),
            Repr::Wire(..) => None,
        }
    }

    /// The items, in order.
    pub fn iter(&self) -> Iter<'a, T> {
        Iter { repr: self.repr }
    }

    /// Whether the list has no items.
    pub fn is_empty(&self) -> bool {
        match self.repr {
            Repr::Wire(b, _) => b.is_empty(),
            Repr::Items(items) => items.is_empty(),
        }
    }

    /// The number of items (counts by walking a decoded list).
    pub fn len(&self) -> usize {
        match self.repr {
            Repr::Wire(..) => self.iter().count(),
            Repr::Items(items) => items.len(),
        }
    }
}

impl<'a, T: ListItem<'a>> Default for List<'a, T> {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl<'a, T: ListItem<'a>> From<&'a [T]> for List<'a, T> {
    fn from(items: &'a [T]) -> Self {
        Self::new(items)
    }
}

impl<'a, T: ListItem<'a>, const N: usize> From<&'a [T; N]> for List<'a, T> {
    fn from(items: &'a [T; N]) -> Self {
        Self::new(items)
    }
}

impl<'a, T: ListItem<'a> + PartialEq> PartialEq for List<'a, T> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl<'a, T: ListItem<'a> + Eq> Eq for List<'a, T> {}

impl<'a, T: ListItem<'a> + fmt::Debug> fmt::Debug for List<'a, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a, T: ListItem<'a>> IntoIterator for List<'a, T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<'a, T: ListItem<'a>> IntoIterator for &List<'a, T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// Iterator over a [`List`].
#[derive(Clone)]
pub struct Iter<'a, T> {
    repr: Repr<'a, T>,
}

impl<'a, T: ListItem<'a>> Iterator for Iter<'a, T> {
    type Item = T;
    #[inline]
    fn next(&mut self) -> Option<T> {
        match &mut self.repr {
            Repr::Wire(bytes, _) => {
                let (item, rest) = T::parse_validated(bytes)?;
                *bytes = rest;
                Some(item)
            }
            Repr::Items(items) => {
                let (first, rest) = items.split_first()?;
                *items = rest;
                Some(*first)
            }
        }
    }
}
