//! Object and resource definitions (LwM2M Core 1.2 §7.1, the OMA DDF schema), lookups over a
//! set of them, and type checking of decoded records against them.

use super::{DataType, Path, Record, ValueError};

/// What a resource allows (LwM2M Core 1.2 §7.1: R, W, RW, E; none for a definition without).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Operations {
    /// No operation (some DDFs leave it empty).
    None,
    /// Read.
    R,
    /// Write.
    W,
    /// Read and write.
    RW,
    /// Execute.
    E,
}

impl Operations {
    /// The DDF spelling (`R`, `W`, `RW`, `E`, or empty).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "",
            Self::R => "R",
            Self::W => "W",
            Self::RW => "RW",
            Self::E => "E",
        }
    }

    /// From the DDF spelling (surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "" => Self::None,
            "R" => Self::R,
            "W" => Self::W,
            "RW" => Self::RW,
            "E" => Self::E,
            _ => return None,
        })
    }

    /// Readable (R or RW).
    pub const fn readable(self) -> bool {
        matches!(self, Self::R | Self::RW)
    }

    /// Writable (W or RW).
    pub const fn writable(self) -> bool {
        matches!(self, Self::W | Self::RW)
    }

    /// Executable.
    pub const fn executable(self) -> bool {
        matches!(self, Self::E)
    }
}

/// A resource definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDef<'d> {
    /// The resource id.
    pub id: u16,
    /// The name.
    pub name: &'d str,
    /// What it allows.
    pub operations: Operations,
    /// Multiple instances (resource instances) or single.
    pub multiple: bool,
    /// Mandatory in every instance of its object.
    pub mandatory: bool,
    /// The value type.
    pub data_type: DataType,
    /// The range or enumeration, as the definition writes it (may be empty).
    pub range: &'d str,
    /// The units (may be empty).
    pub units: &'d str,
}

/// An object definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectDef<'d> {
    /// The object id.
    pub id: u16,
    /// The name.
    pub name: &'d str,
    /// The object version (`"1.0"` when the definition gives none).
    pub version: &'d str,
    /// Multiple instances or single.
    pub multiple: bool,
    /// Mandatory on every client.
    pub mandatory: bool,
    /// The resources, in id order.
    pub resources: &'d [ResourceDef<'d>],
}

impl<'d> ObjectDef<'d> {
    /// The resource with this id.
    pub fn resource(&self, id: u16) -> Option<&ResourceDef<'d>> {
        self.resources.iter().find(|r| r.id == id)
    }
}

/// Finds definitions: implemented by slices of [`ObjectDef`] (the built-in registry is one) and,
/// under `alloc`, by [`Registry`](super::Registry).
pub trait Definitions {
    /// The object with this id.
    fn object(&self, id: u16) -> Option<&ObjectDef<'_>>;

    /// The definition of the resource a path names (`/o/i/r` or `/o/i/r/ri`).
    fn resource_at(&self, path: &Path) -> Option<&ResourceDef<'_>> {
        let (o, r) = (path.object()?, path.resource()?);
        self.object(o)?.resources.iter().find(|d| d.id == r)
    }
}

impl Definitions for [ObjectDef<'_>] {
    fn object(&self, id: u16) -> Option<&ObjectDef<'_>> {
        self.iter().find(|o| o.id == id)
    }
}

/// A record that does not fit its resource's definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TypeError {
    /// The value is not of the resource's type and does not convert to it.
    #[error("{path}: {kind}")]
    Value {
        /// The record's path.
        path: Path,
        /// Why.
        kind: ValueError,
    },
    /// A resource instance (`/o/i/r/ri`) of a single-instance resource.
    #[error("{path}: LwM2M Core §7.1: resource {resource} is single-instance")]
    NotMultiple {
        /// The record's path.
        path: Path,
        /// The resource id.
        resource: u16,
    },
    /// A value directly on a multiple-instance resource (`/o/i/r` without an instance).
    #[error("{path}: LwM2M Core §7.1: resource {resource} is multiple-instance; values go in its instances")]
    NotSingle {
        /// The record's path.
        path: Path,
        /// The resource id.
        resource: u16,
    },
    /// A record whose path is above a resource (`/`, `/o`, `/o/i`).
    #[error("{path}: a value belongs to a resource or resource instance")]
    NotAResource {
        /// The record's path.
        path: Path,
    },
}

/// Gives each record of a known resource its definition's type (so TLV's raw bytes become
/// typed values) and checks the multiplicity; records of unknown objects or resources are left
/// as they are.
///
/// ```
/// use lwm2m_model::model::{registry, type_records, DataType, Path, Record, Value};
/// let mut records = [Record { path: Path::resource_path(3, 0, 9), value: Value::Raw((&[100u8][..]).into()) }];
/// type_records(registry::CORE, &mut records)?;
/// assert_eq!(records[0].value, Value::Integer(100)); // /3/0/9 Battery Level is an Integer
/// # Ok::<(), lwm2m_model::model::TypeError>(())
/// ```
///
/// # Errors
/// [`TypeError`], naming the first record that does not fit.
pub fn type_records<D: Definitions + ?Sized>(defs: &D, records: &mut [Record<'_>]) -> Result<(), TypeError> {
    for rec in records.iter_mut() {
        let path = rec.path;
        if path.len() < 3 {
            return Err(TypeError::NotAResource { path });
        }
        let Some(def) = defs.resource_at(&path) else { continue };
        match (def.multiple, path.len()) {
            (false, 4) => return Err(TypeError::NotMultiple { path, resource: def.id }),
            (true, 3) => return Err(TypeError::NotSingle { path, resource: def.id }),
            _ => {}
        }
        // A clone (cheap: borrowed bytes) so that a refused record keeps its value.
        rec.value = rec.value.clone().typed(def.data_type).map_err(|kind| TypeError::Value { path, kind })?;
    }
    Ok(())
}
