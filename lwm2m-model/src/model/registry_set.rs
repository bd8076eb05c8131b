//! A growable set of object definitions (under `alloc`): the built-in registry plus whatever the
//! application adds, for example objects loaded from their OMA DDF files.

use alloc::vec::Vec;

use super::{registry, Definitions, ObjectDef};

/// Object definitions: the built-in [`registry::CORE`] plus the application's own.
///
/// Definitions are `'static`: the built-in ones are constants, and the DDF loader
/// (`ddf::load`, feature `std`) leaks what it parses so that both kinds share one type.
///
/// Several versions of one object may be present (say the built-in Device 1.2 and a Device 1.1
/// loaded from `3-1_1.xml`). [`Definitions::object`] answers with the one added last, so an
/// added definition takes precedence over a built-in one; [`Registry::get`] finds a given
/// version.
///
/// ```
/// use lwm2m_model::model::{registry, Definitions, ObjectDef, Registry};
/// let mut defs = Registry::new();
/// assert_eq!(defs.object(3).map(|o| o.version), Some("1.2"));
/// let device_1_1 = ObjectDef { version: "1.1", ..registry::DEVICE };
/// assert_eq!(defs.add(device_1_1), None);
/// assert_eq!(defs.object(3).map(|o| o.version), Some("1.1"), "the last one added answers");
/// assert!(defs.get(3, "1.2").is_some());
/// assert_eq!(defs.add(device_1_1), Some(device_1_1), "same id and version: replaced");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// In the order added; lookups search from the end.
    objects: Vec<ObjectDef<'static>>,
}

impl Registry {
    /// The built-in definitions ([`registry::CORE`]).
    pub fn new() -> Self {
        Self { objects: registry::CORE.to_vec() }
    }

    /// No definitions at all.
    pub const fn empty() -> Self {
        Self { objects: Vec::new() }
    }

    /// Adds a definition. One with the same id and version is replaced (and returned); it then
    /// counts as the last one added.
    pub fn add(&mut self, def: ObjectDef<'static>) -> Option<ObjectDef<'static>> {
        let old = self
            .objects
            .iter()
            .position(|o| o.id == def.id && o.version == def.version)
            .map(|i| self.objects.remove(i));
        self.objects.push(def);
        old
    }

    /// The definition of object `id` in `version`.
    pub fn get(&self, id: u16, version: &str) -> Option<&ObjectDef<'static>> {
        self.objects.iter().rev().find(|o| o.id == id && o.version == version)
    }

    /// Every definition, in the order added (the built-in ones first).
    pub fn iter(&self) -> impl Iterator<Item = &ObjectDef<'static>> + '_ {
        self.objects.iter()
    }

    /// The number of definitions.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

impl Default for Registry {
    /// [`Registry::new`]: the built-in definitions.
    fn default() -> Self {
        Self::new()
    }
}

impl Extend<ObjectDef<'static>> for Registry {
    /// [`Registry::add`] for each: `defs.extend(ddf::load(xml)?)`.
    fn extend<I: IntoIterator<Item = ObjectDef<'static>>>(&mut self, iter: I) {
        for def in iter {
            self.add(def);
        }
    }
}

impl Definitions for Registry {
    /// The object added last with this id.
    fn object(&self, id: u16) -> Option<&ObjectDef<'_>> {
        self.objects.iter().rev().find(|o| o.id == id)
    }
}
