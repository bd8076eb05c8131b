//! The LwM2M object model (LwM2M Core 1.2 §7.1, Appendix C): paths, data types and values, the
//! record every content format decodes to, object and resource definitions with the built-in
//! registry, and type checking against them. Nothing here allocates except [`Registry`] (feature
//! `alloc`) and the DDF loader [`ddf`] (feature `std`).

#[cfg(feature = "std")]
pub mod ddf;
mod object;
mod path;
pub mod registry;
#[cfg(feature = "alloc")]
mod registry_set;
#[cfg(feature = "alloc")]
mod tree;
mod value;

pub use object::{type_records, Definitions, ObjectDef, Operations, ResourceDef, TypeError};
pub use path::{Path, PathError, RESERVED_ID};
#[cfg(feature = "alloc")]
pub use registry_set::Registry;
#[cfg(feature = "alloc")]
pub use tree::{InstanceNode, ObjectNode, ResourceNode, Tree, TreeError};
pub use value::{Bytes, DataType, ObjectLink, Record, Text, Value, ValueError};
