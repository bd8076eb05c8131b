//! Object definitions from OMA DDF XML files (feature `std`): the format of the OMA LwM2M
//! registry (`LWM2M.xsd`, `LWM2M-v1_1.xsd`), one `<LWM2M>` holding one or more `<Object>`s.
//!
//! XML is read by [`roxmltree`], a small read-only parser with no unsafe code; it refuses DTDs,
//! so entity expansion attacks do not apply. This module only walks the tree it gives.
//!
//! # Lifetime of loaded definitions
//! [`ObjectDef`] borrows its strings and resources (`ObjectDef<'d>`), so that the built-in
//! registry can be constants with no allocator. To give loaded definitions the same type,
//! [`load`] leaks what it parses ([`String::leak`], [`Box::leak`]) and returns
//! `ObjectDef<'static>`: **definitions loaded from a DDF live for the rest of the program.**
//! Load each file once at start-up (into a [`Registry`](super::Registry)), not per request. A
//! file that fails to load leaks nothing: everything is checked before anything is leaked.

use std::borrow::ToOwned;
use std::boxed::Box;
use std::string::{String, ToString};
use std::vec::Vec;

use roxmltree::{Document, Node};

use super::{DataType, ObjectDef, Operations, ResourceDef, RESERVED_ID};

/// Why a DDF file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DdfError {
    /// Not well-formed XML (or a DTD, which is refused).
    #[error("DDF: XML syntax: {message}")]
    Xml {
        /// The XML parser's message (it names the position too).
        message: String,
        /// The line (from 1).
        row: u32,
        /// The column (from 1).
        col: u32,
    },
    /// A required element or attribute is absent: `LWM2M` (the root), `Object`, `Name`,
    /// `ObjectID`, `MultipleInstances`, `Mandatory`, `Resources`, `Operations`, `Type`, or the
    /// `ID` attribute of an `Item`.
    #[error("DDF: missing <{element}> (line {row})")]
    Missing {
        /// The element (or attribute) name.
        element: &'static str,
        /// The line of the element it belongs in.
        row: u32,
    },
    /// A value outside the DDF vocabulary: an unknown `Type`, `Operations` other than R, W, RW,
    /// E or empty, `MultipleInstances` other than Multiple/Single, `Mandatory` other than
    /// Mandatory/Optional, or an id that is not a number 0-65534 (65535 is reserved, LwM2M
    /// Core 1.2 §7.1).
    #[error("DDF: bad <{element}> {value:?} (line {row})")]
    BadValue {
        /// The element (or attribute) name.
        element: &'static str,
        /// The text found (trimmed).
        value: String,
        /// Its line.
        row: u32,
    },
    /// Two `Item`s with the same id in one object.
    #[error("DDF: object {object} defines resource {resource} twice")]
    DuplicateResource {
        /// The object id.
        object: u16,
        /// The resource id.
        resource: u16,
    },
}

/// Parses a DDF file into its object definitions (usually one).
///
/// Resources come out in id order (DDFs do not always list them so); names, ranges and units
/// are the element texts with surrounding white space trimmed; a missing `ObjectVersion` is
/// `"1.0"`, a missing `RangeEnumeration` or `Units` is empty, and an empty `Type` is
/// [`DataType::None`]. Descriptions are not kept.
///
/// The definitions are leaked so that they are `'static`: see the [module docs](self). Never
/// panics, whatever the input.
///
/// ```
/// use lwm2m_model::model::{ddf, DataType, Operations};
/// let xml = r#"<LWM2M><Object ObjectType="MODefinition">
///   <Name>Switch</Name><ObjectID>32769</ObjectID>
///   <MultipleInstances>Multiple</MultipleInstances><Mandatory>Optional</Mandatory>
///   <Resources>
///     <Item ID="0"><Name>On</Name><Operations>RW</Operations><MultipleInstances>Single</MultipleInstances>
///       <Mandatory>Mandatory</Mandatory><Type>Boolean</Type><RangeEnumeration/><Units/></Item>
///   </Resources></Object></LWM2M>"#;
/// let defs = ddf::load(xml)?;
/// assert_eq!((defs[0].id, defs[0].version), (32769, "1.0"));
/// let on = defs[0].resource(0).unwrap();
/// assert_eq!((on.operations, on.data_type), (Operations::RW, DataType::Boolean));
/// # Ok::<(), ddf::DdfError>(())
/// ```
///
/// # Errors
/// [`DdfError`]: the first problem found.
pub fn load(xml: &str) -> Result<Vec<ObjectDef<'static>>, DdfError> {
    let doc = Document::parse(xml).map_err(|e| {
        let pos = e.pos();
        DdfError::Xml { message: e.to_string(), row: pos.row, col: pos.col }
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "LWM2M" {
        return Err(DdfError::Missing { element: "LWM2M", row: row_of(root) });
    }
    let objects = elements(root, "Object").map(parse_object).collect::<Result<Vec<_>, _>>()?;
    if objects.is_empty() {
        return Err(DdfError::Missing { element: "Object", row: row_of(root) });
    }
    // Everything is checked: only now leak.
    Ok(objects.into_iter().map(OwnedObject::leak).collect())
}

/// An object as parsed, owning its text, before it is leaked.
struct OwnedObject {
    id: u16,
    name: String,
    version: String,
    multiple: bool,
    mandatory: bool,
    resources: Vec<OwnedResource>,
}

struct OwnedResource {
    id: u16,
    name: String,
    operations: Operations,
    multiple: bool,
    mandatory: bool,
    data_type: DataType,
    range: String,
    units: String,
}

impl OwnedObject {
    fn leak(self) -> ObjectDef<'static> {
        let resources: Vec<ResourceDef<'static>> = self
            .resources
            .into_iter()
            .map(|r| ResourceDef {
                id: r.id,
                name: r.name.leak(),
                operations: r.operations,
                multiple: r.multiple,
                mandatory: r.mandatory,
                data_type: r.data_type,
                range: r.range.leak(),
                units: r.units.leak(),
            })
            .collect();
        ObjectDef {
            id: self.id,
            name: self.name.leak(),
            version: self.version.leak(),
            multiple: self.multiple,
            mandatory: self.mandatory,
            resources: Box::leak(resources.into_boxed_slice()),
        }
    }
}

fn parse_object(obj: Node<'_, '_>) -> Result<OwnedObject, DdfError> {
    let id = parse_id("ObjectID", obj, &required(obj, "ObjectID")?)?;
    let version = match child(obj, "ObjectVersion").map(text) {
        Some(v) if !v.is_empty() => v,
        // The 1.0 schema has no ObjectVersion: such objects are version 1.0.
        _ => "1.0".to_owned(),
    };
    let resources_node = child(obj, "Resources").ok_or(DdfError::Missing { element: "Resources", row: row_of(obj) })?;
    let mut resources = elements(resources_node, "Item").map(parse_item).collect::<Result<Vec<_>, _>>()?;
    resources.sort_by_key(|r| r.id);
    if let Some(w) = resources.windows(2).find(|w| w.first().map(|r| r.id) == w.get(1).map(|r| r.id)) {
        let resource = w.first().map_or(0, |r| r.id);
        return Err(DdfError::DuplicateResource { object: id, resource });
    }
    Ok(OwnedObject {
        id,
        name: required(obj, "Name")?,
        version,
        multiple: multiplicity(obj)?,
        mandatory: mandatory(obj)?,
        resources,
    })
}

fn parse_item(item: Node<'_, '_>) -> Result<OwnedResource, DdfError> {
    let id_text = item.attribute("ID").ok_or(DdfError::Missing { element: "ID", row: row_of(item) })?;
    let id = parse_id("ID", item, id_text.trim())?;
    let ops_text = required(item, "Operations")?;
    let operations = Operations::parse(&ops_text).ok_or_else(|| bad("Operations", ops_text.clone(), item))?;
    let type_text = required(item, "Type")?;
    let data_type = DataType::from_ddf_name(&type_text).ok_or_else(|| bad("Type", type_text.clone(), item))?;
    Ok(OwnedResource {
        id,
        name: required(item, "Name")?,
        operations,
        multiple: multiplicity(item)?,
        mandatory: mandatory(item)?,
        data_type,
        range: child(item, "RangeEnumeration").map(text).unwrap_or_default(),
        units: child(item, "Units").map(text).unwrap_or_default(),
    })
}

/// `MultipleInstances`: `Multiple` or `Single`.
fn multiplicity(node: Node<'_, '_>) -> Result<bool, DdfError> {
    let v = required(node, "MultipleInstances")?;
    match v.as_str() {
        "Multiple" => Ok(true),
        "Single" => Ok(false),
        _ => Err(bad("MultipleInstances", v, node)),
    }
}

/// `Mandatory`: `Mandatory` or `Optional`.
fn mandatory(node: Node<'_, '_>) -> Result<bool, DdfError> {
    let v = required(node, "Mandatory")?;
    match v.as_str() {
        "Mandatory" => Ok(true),
        "Optional" => Ok(false),
        _ => Err(bad("Mandatory", v, node)),
    }
}

/// An object or resource id: decimal, 0-65534 (LwM2M Core 1.2 §7.1: 65535 is reserved).
fn parse_id(element: &'static str, node: Node<'_, '_>, s: &str) -> Result<u16, DdfError> {
    match s.parse::<u16>() {
        Ok(id) if id != RESERVED_ID && s.bytes().all(|b| b.is_ascii_digit()) => Ok(id),
        _ => Err(bad(element, s.to_owned(), node)),
    }
}

fn bad(element: &'static str, value: String, node: Node<'_, '_>) -> DdfError {
    DdfError::BadValue { element, value, row: row_of(node) }
}

/// The trimmed text of the child element `name`, which must be present.
fn required(node: Node<'_, '_>, name: &'static str) -> Result<String, DdfError> {
    child(node, name).map(text).ok_or(DdfError::Missing { element: name, row: row_of(node) })
}

/// The first child element called `name` (namespaces ignored: DDFs use none).
fn child<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> Option<Node<'a, 'i>> {
    elements(node, name).next()
}

fn elements<'a, 'i>(node: Node<'a, 'i>, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// The element's text (its text and CDATA children joined; comments and child elements are
/// skipped), trimmed.
fn text(node: Node<'_, '_>) -> String {
    let mut s = String::new();
    for t in node.children().filter(|n| n.is_text()).filter_map(|n| n.text()) {
        s.push_str(t);
    }
    s.trim().to_owned()
}

fn row_of(node: Node<'_, '_>) -> u32 {
    node.document().text_pos_at(node.range().start).row
}
