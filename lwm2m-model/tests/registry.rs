//! The built-in registry against the OMA LwM2M registry's DDF tables (LwM2M Core 1.1
//! Appendix E; the IPSO objects' DDFs): every object's id, version, multiplicity and mandatory
//! flag, its resource count, and each resource's operations, multiplicity, mandatory flag and
//! type.
//!
//! The tables below are written from the DDF files, one line per `<Item>`, in the DDF's own
//! vocabulary: `id operations Single|Multiple Mandatory|Optional type`, with `-` for empty
//! operations and `none` for an empty type. They do not share code or syntax with
//! `registry.rs`, so a slip in one shows up as a mismatch with the other.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use lwm2m_model::model::{registry, DataType, Definitions, ObjectDef, Operations};

/// An object's header line (`id version Single|Multiple Mandatory|Optional`) and its resources.
struct Spec {
    object: &'static str,
    resources: &'static [&'static str],
}

/// LWM2M Security 1.1 (`LWM2M_Security-v1_1_1.xml`).
const SECURITY: Spec = Spec {
    object: "0 1.1 Multiple Mandatory",
    resources: &[
        "0 - Single Mandatory String",
        "1 - Single Mandatory Boolean",
        "2 - Single Mandatory Integer",
        "3 - Single Mandatory Opaque",
        "4 - Single Mandatory Opaque",
        "5 - Single Mandatory Opaque",
        "6 - Single Optional Integer",
        "7 - Single Optional Opaque",
        "8 - Single Optional Opaque",
        "9 - Single Optional String",
        "10 - Single Optional Integer",
        "11 - Single Optional Integer",
        "12 - Single Optional Integer",
        "13 - Single Optional Unsigned Integer",
        "14 - Single Optional String",
        "15 - Single Optional Integer",
        "16 - Multiple Optional Integer",
        "17 - Single Optional Objlnk",
    ],
};

/// LwM2M Server 1.1 (`1-1_1.xml`).
const SERVER: Spec = Spec {
    object: "1 1.1 Multiple Mandatory",
    resources: &[
        "0 R Single Mandatory Integer",
        "1 RW Single Mandatory Integer",
        "2 RW Single Optional Integer",
        "3 RW Single Optional Integer",
        "4 E Single Optional none",
        "5 RW Single Optional Integer",
        "6 RW Single Mandatory Boolean",
        "7 RW Single Mandatory String",
        "8 E Single Mandatory none",
        "9 E Single Optional none",
        "10 RW Single Optional Objlnk",
        "11 R Single Optional Unsigned Integer",
        "12 R Single Optional Time",
        "13 - Single Optional Unsigned Integer",
        "14 - Single Optional Unsigned Integer",
        "15 - Single Optional Boolean",
        "16 - Single Optional Boolean",
        "17 - Single Optional Unsigned Integer",
        "18 - Single Optional Unsigned Integer",
        "19 - Single Optional Unsigned Integer",
        "20 - Single Optional Unsigned Integer",
        "21 RW Single Optional Boolean",
        "22 RW Single Optional String",
        "23 RW Single Optional Boolean",
    ],
};

/// LwM2M Access Control 1.1 (`2-1_1.xml`).
const ACCESS_CONTROL: Spec = Spec {
    object: "2 1.1 Multiple Optional",
    resources: &[
        "0 R Single Mandatory Integer",
        "1 R Single Mandatory Integer",
        "2 RW Multiple Optional Integer",
        "3 RW Single Mandatory Integer",
    ],
};

/// Device 1.2 (`3.xml`).
const DEVICE: Spec = Spec {
    object: "3 1.2 Single Mandatory",
    resources: &[
        "0 R Single Optional String",
        "1 R Single Optional String",
        "2 R Single Optional String",
        "3 R Single Optional String",
        "4 E Single Mandatory none",
        "5 E Single Optional none",
        "6 R Multiple Optional Integer",
        "7 R Multiple Optional Integer",
        "8 R Multiple Optional Integer",
        "9 R Single Optional Integer",
        "10 R Single Optional Integer",
        "11 R Multiple Mandatory Integer",
        "12 E Single Optional none",
        "13 RW Single Optional Time",
        "14 RW Single Optional String",
        "15 RW Single Optional String",
        "16 R Single Mandatory String",
        "17 R Single Optional String",
        "18 R Single Optional String",
        "19 R Single Optional String",
        "20 R Single Optional Integer",
        "21 R Single Optional Integer",
        "22 R Multiple Optional Objlnk",
    ],
};

/// Connectivity Monitoring 1.2 (`4-1_2.xml`).
const CONNECTIVITY_MONITORING: Spec = Spec {
    object: "4 1.2 Single Optional",
    resources: &[
        "0 R Single Mandatory Integer",
        "1 R Multiple Mandatory Integer",
        "2 R Single Mandatory Integer",
        "3 R Single Optional Integer",
        "4 R Multiple Mandatory String",
        "5 R Multiple Optional String",
        "6 R Single Optional Integer",
        "7 R Multiple Optional String",
        "8 R Single Optional Integer",
        "9 R Single Optional Integer",
        "10 R Single Optional Integer",
        "11 R Single Optional Integer",
        "12 R Single Optional Integer",
    ],
};

/// Firmware Update 1.1 (`5.xml`).
const FIRMWARE_UPDATE: Spec = Spec {
    object: "5 1.1 Single Optional",
    resources: &[
        "0 W Single Mandatory Opaque",
        "1 RW Single Mandatory String",
        "2 E Single Mandatory none",
        "3 R Single Mandatory Integer",
        "5 R Single Mandatory Integer",
        "6 R Single Optional String",
        "7 R Single Optional String",
        "8 R Multiple Optional Integer",
        "9 R Single Mandatory Integer",
        "10 E Single Optional none",
        "11 RW Single Optional Integer",
        "12 R Single Optional Time",
        "13 RW Single Optional Unsigned Integer",
    ],
};

/// Location 1.0 (`LWM2M_Location-v1_0_2.xml`).
const LOCATION: Spec = Spec {
    object: "6 1.0 Single Optional",
    resources: &[
        "0 R Single Mandatory Float",
        "1 R Single Mandatory Float",
        "2 R Single Optional Float",
        "3 R Single Optional Float",
        "4 R Single Optional Opaque",
        "5 R Single Mandatory Time",
        "6 R Single Optional Float",
    ],
};

/// Connectivity Statistics 1.0 (`7.xml`).
const CONNECTIVITY_STATISTICS: Spec = Spec {
    object: "7 1.0 Single Optional",
    resources: &[
        "0 R Single Optional Integer",
        "1 R Single Optional Integer",
        "2 R Single Optional Integer",
        "3 R Single Optional Integer",
        "4 R Single Optional Integer",
        "5 R Single Optional Integer",
        "6 E Single Mandatory none",
        "7 E Single Mandatory none",
        "8 RW Single Optional Integer",
    ],
};

/// Generic Sensor 1.0 (`3300.xml`).
const GENERIC_SENSOR: Spec = Spec {
    object: "3300 1.0 Multiple Optional",
    resources: &[
        "5700 R Single Mandatory Float",
        "5701 R Single Optional String",
        "5601 R Single Optional Float",
        "5602 R Single Optional Float",
        "5603 R Single Optional Float",
        "5604 R Single Optional Float",
        "5750 RW Single Optional String",
        "5751 R Single Optional String",
        "5605 E Single Optional none",
    ],
};

/// Temperature 1.0 (`3303.xml`), in the DDF's order (not id order).
const TEMPERATURE: Spec = Spec {
    object: "3303 1.0 Multiple Optional",
    resources: &[
        "5700 R Single Mandatory Float",
        "5601 R Single Optional Float",
        "5602 R Single Optional Float",
        "5603 R Single Optional Float",
        "5604 R Single Optional Float",
        "5701 R Single Optional String",
        "5605 E Single Optional none",
    ],
};

/// Light Control 1.0 (`3311.xml`).
const LIGHT_CONTROL: Spec = Spec {
    object: "3311 1.0 Multiple Optional",
    resources: &[
        "5850 RW Single Mandatory Boolean",
        "5851 RW Single Optional Integer",
        "5852 RW Single Optional Integer",
        "5805 R Single Optional Float",
        "5820 R Single Optional Float",
        "5706 RW Single Optional String",
        "5701 R Single Optional String",
        "5750 RW Single Optional String",
    ],
};

const ALL: &[Spec] = &[
    SECURITY,
    SERVER,
    ACCESS_CONTROL,
    DEVICE,
    CONNECTIVITY_MONITORING,
    FIRMWARE_UPDATE,
    LOCATION,
    CONNECTIVITY_STATISTICS,
    GENERIC_SENSOR,
    TEMPERATURE,
    LIGHT_CONTROL,
];

fn multiple(word: &str) -> bool {
    match word {
        "Multiple" => true,
        "Single" => false,
        other => panic!("bad multiplicity {other:?} in the spec table"),
    }
}

fn mandatory(word: &str) -> bool {
    match word {
        "Mandatory" => true,
        "Optional" => false,
        other => panic!("bad mandatory flag {other:?} in the spec table"),
    }
}

fn operations(word: &str) -> Operations {
    match word {
        "-" => Operations::None,
        "R" => Operations::R,
        "W" => Operations::W,
        "RW" => Operations::RW,
        "E" => Operations::E,
        other => panic!("bad operations {other:?} in the spec table"),
    }
}

/// The table's type words, matched by hand rather than through `DataType::from_ddf_name`.
fn data_type(words: &str) -> DataType {
    match words {
        "String" => DataType::String,
        "Integer" => DataType::Integer,
        "Unsigned Integer" => DataType::UnsignedInteger,
        "Float" => DataType::Float,
        "Boolean" => DataType::Boolean,
        "Opaque" => DataType::Opaque,
        "Time" => DataType::Time,
        "Objlnk" => DataType::Objlnk,
        "Corelnk" => DataType::Corelnk,
        "none" => DataType::None,
        other => panic!("bad type {other:?} in the spec table"),
    }
}

fn check(spec: &Spec, def: &ObjectDef<'_>) {
    let head: Vec<&str> = spec.object.split(' ').collect();
    let id: u16 = head[0].parse().unwrap();
    assert_eq!(def.id, id);
    assert_eq!(def.version, head[1], "/{id} version");
    assert_eq!(def.multiple, multiple(head[2]), "/{id} multiple");
    assert_eq!(def.mandatory, mandatory(head[3]), "/{id} mandatory");
    assert_eq!(def.resources.len(), spec.resources.len(), "/{id} resource count");
    for row in spec.resources {
        let mut words = row.splitn(5, ' ');
        let rid: u16 = words.next().unwrap().parse().unwrap();
        let ops = operations(words.next().unwrap());
        let multi = multiple(words.next().unwrap());
        let mand = mandatory(words.next().unwrap());
        let ty = data_type(words.next().unwrap());
        let r = def.resource(rid).unwrap_or_else(|| panic!("/{id}/x/{rid} missing"));
        assert_eq!(r.operations, ops, "/{id}/x/{rid} {} operations", r.name);
        assert_eq!(r.multiple, multi, "/{id}/x/{rid} {} multiple", r.name);
        assert_eq!(r.mandatory, mand, "/{id}/x/{rid} {} mandatory", r.name);
        assert_eq!(r.data_type, ty, "/{id}/x/{rid} {} type", r.name);
        assert!(!r.name.trim().is_empty(), "/{id}/x/{rid} has a name");
        // In every one of these DDFs an executable resource has no type and a typed one is
        // not executable.
        assert_eq!(r.operations.executable(), r.data_type == DataType::None, "/{id}/x/{rid} E <=> none");
    }
}

#[test]
fn every_builtin_object_matches_its_ddf_table() {
    assert_eq!(registry::CORE.len(), ALL.len());
    for spec in ALL {
        let id: u16 = spec.object.split(' ').next().unwrap().parse().unwrap();
        let def = registry::CORE.object(id).unwrap_or_else(|| panic!("/{id} missing from CORE"));
        check(spec, def);
    }
}

#[test]
fn core_and_resources_are_sorted_with_unique_ids() {
    assert!(registry::CORE.windows(2).all(|w| w[0].id < w[1].id), "CORE in strictly increasing id order");
    for o in registry::CORE {
        assert!(
            o.resources.windows(2).all(|w| w[0].id < w[1].id),
            "/{} resources in strictly increasing id order",
            o.id
        );
        assert!(o.id != u16::MAX && o.resources.iter().all(|r| r.id != u16::MAX), "65535 is reserved (§7.1)");
    }
}

#[test]
fn named_constants_are_the_ones_in_core() {
    let named = [
        registry::SECURITY,
        registry::SERVER,
        registry::ACCESS_CONTROL,
        registry::DEVICE,
        registry::CONNECTIVITY_MONITORING,
        registry::FIRMWARE_UPDATE,
        registry::LOCATION,
        registry::CONNECTIVITY_STATISTICS,
        registry::GENERIC_SENSOR,
        registry::TEMPERATURE,
        registry::LIGHT_CONTROL,
    ];
    assert_eq!(&named[..], registry::CORE);
}

#[test]
fn a_few_ranges_and_units_as_the_ddfs_write_them() {
    let at = |o: u16, r: u16| registry::CORE.object(o).unwrap().resource(r).unwrap();
    assert_eq!((at(3, 9).range, at(3, 9).units), ("0..100", "/100"));
    assert_eq!(at(3, 11).range, "0..32");
    assert_eq!(at(1, 1).units, "s");
    assert_eq!(at(5, 5).range, "0..11");
    assert_eq!(at(6, 6).units, "m/s");
    assert_eq!((at(3311, 5851).range, at(3311, 5851).units), ("0-100", "%"));
    assert_eq!(at(0, 0).name, "LWM2M  Server URI", "the DDF's spelling, two spaces");
}

#[cfg(feature = "alloc")]
#[test]
fn a_registry_starts_with_core_and_the_last_added_version_answers() {
    use lwm2m_model::model::Registry;
    let mut defs = Registry::new();
    assert!(defs.iter().copied().eq(registry::CORE.iter().copied()));
    let location_1_1 =
        ObjectDef { version: "1.1", resources: &registry::LOCATION.resources[..2], ..registry::LOCATION };
    assert_eq!(defs.add(location_1_1), None);
    assert_eq!(defs.len(), registry::CORE.len() + 1);
    assert_eq!(defs.object(6), Some(&location_1_1));
    assert_eq!(defs.get(6, "1.0"), Some(&registry::LOCATION));
    // The same id and version again replaces, and then answers.
    assert_eq!(defs.add(registry::LOCATION), Some(registry::LOCATION));
    assert_eq!(defs.len(), registry::CORE.len() + 1);
    assert_eq!(defs.object(6), Some(&registry::LOCATION));
    assert_eq!(defs.resource_at(&"/6/0/6".parse().unwrap()).map(|r| r.name), Some("Speed"));
    assert!(Registry::empty().object(3).is_none());
}
