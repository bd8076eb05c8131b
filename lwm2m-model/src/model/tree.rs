//! The nested view of records (feature `alloc`): objects, their instances, their resources, and
//! a multiple resource's instances (LwM2M Core 1.2 §7.1), for callers that want the model's
//! shape rather than a flat list. Every format decodes to records; [`Tree::from_records`] nests
//! them, and [`Tree::records`] flattens a tree back for any encoder.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::{Path, Record, Value};

/// A resource: one value, or (a multiple resource) values by resource instance id.
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceNode<'a> {
    /// A single-instance resource's value.
    Single(Value<'a>),
    /// A multiple resource's instances.
    Multiple(BTreeMap<u16, Value<'a>>),
}

/// An object instance: its resources by id.
pub type InstanceNode<'a> = BTreeMap<u16, ResourceNode<'a>>;

/// An object: its instances by id.
pub type ObjectNode<'a> = BTreeMap<u16, InstanceNode<'a>>;

/// Why records do not nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// A record above the resource level (`/`, `/o`, `/o/i`).
    #[error("LwM2M Core §7.1: {0} is not a resource or resource instance")]
    NotAResource(Path),
    /// Two records for the same path.
    #[error("LwM2M Core §7.1: {0} appears twice")]
    Duplicate(Path),
    /// A resource given both a value (`/o/i/r`) and resource instances (`/o/i/r/ri`).
    #[error("LwM2M Core §7.1: resource {0} is given both as single and as multiple")]
    SingleAndMultiple(Path),
}

/// Objects by id: the nested form of a set of records.
///
/// ```
/// use lwm2m_model::model::{Path, Record, ResourceNode, Tree, Value};
/// let records = [
///     Record { path: Path::resource_path(3, 0, 9), value: Value::Integer(100) },
///     Record { path: Path::resource_instance_path(3, 0, 7, 1), value: Value::Integer(5000) },
///     Record { path: Path::resource_instance_path(3, 0, 7, 0), value: Value::Integer(3800) },
/// ];
/// let tree = Tree::from_records(records.iter().cloned())?;
/// assert_eq!(tree.objects[&3][&0][&9], ResourceNode::Single(Value::Integer(100)));
/// let ResourceNode::Multiple(volts) = &tree.objects[&3][&0][&7] else { panic!() };
/// assert_eq!(volts.len(), 2);
/// // Flattened again in path order.
/// let back: Vec<Record> = tree.records().collect();
/// assert_eq!(back[0].path, Path::resource_instance_path(3, 0, 7, 0));
/// # Ok::<(), lwm2m_model::model::TreeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tree<'a> {
    /// The objects.
    pub objects: BTreeMap<u16, ObjectNode<'a>>,
}

impl<'a> Tree<'a> {
    /// Nests records (in any order).
    ///
    /// # Errors
    /// [`TreeError`]: a record above a resource, a path twice, a resource both single and multiple.
    pub fn from_records(records: impl IntoIterator<Item = Record<'a>>) -> Result<Self, TreeError> {
        let mut tree = Self::default();
        for r in records {
            let (Some(o), Some(i), Some(res)) = (r.path.object(), r.path.instance(), r.path.resource()) else {
                return Err(TreeError::NotAResource(r.path));
            };
            let resources = tree.objects.entry(o).or_default().entry(i).or_default();
            let resource_path = Path::resource_path(o, i, res);
            match (r.path.resource_instance(), resources.get_mut(&res)) {
                (None, None) => {
                    resources.insert(res, ResourceNode::Single(r.value));
                }
                (None, Some(ResourceNode::Single(_))) => return Err(TreeError::Duplicate(r.path)),
                (Some(ri), None) => {
                    resources.insert(res, ResourceNode::Multiple(BTreeMap::from([(ri, r.value)])));
                }
                (Some(ri), Some(ResourceNode::Multiple(m))) => {
                    if m.insert(ri, r.value).is_some() {
                        return Err(TreeError::Duplicate(r.path));
                    }
                }
                (None, Some(ResourceNode::Multiple(_))) | (Some(_), Some(ResourceNode::Single(_))) => {
                    return Err(TreeError::SingleAndMultiple(resource_path))
                }
            }
        }
        Ok(tree)
    }

    /// The records, in path order.
    pub fn records(&self) -> impl Iterator<Item = Record<'a>> + '_ {
        self.objects.iter().flat_map(|(&o, instances)| {
            instances.iter().flat_map(move |(&i, resources)| {
                resources.iter().flat_map(move |(&r, node)| {
                    let items: Vec<Record<'a>> = match node {
                        ResourceNode::Single(v) => {
                            Vec::from([Record { path: Path::resource_path(o, i, r), value: v.clone() }])
                        }
                        ResourceNode::Multiple(m) => m
                            .iter()
                            .map(|(&ri, v)| Record {
                                path: Path::resource_instance_path(o, i, r, ri),
                                value: v.clone(),
                            })
                            .collect(),
                    };
                    items
                })
            })
        })
    }

    /// The value at a resource or resource instance path.
    pub fn get(&self, path: &Path) -> Option<&Value<'a>> {
        let node = self.objects.get(&path.object()?)?.get(&path.instance()?)?.get(&path.resource()?)?;
        match (node, path.resource_instance()) {
            (ResourceNode::Single(v), None) => Some(v),
            (ResourceNode::Multiple(m), Some(ri)) => m.get(&ri),
            _ => None,
        }
    }
}
