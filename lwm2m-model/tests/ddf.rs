//! The DDF loader (feature `std`): real DDF files load to the built-in definitions, malformed
//! ones give a typed error, and no input panics.
#![cfg(feature = "std")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use lwm2m_model::model::ddf::{self, DdfError};
use lwm2m_model::model::{registry, DataType, Definitions, ObjectDef, Operations, Registry};
use proptest::prelude::*;

/// IPSO Temperature 1.0, laid out as the OMA registry's `3303.xml` (resources not in id order,
/// a comment, plain-text descriptions), with descriptions of our own.
const TEMPERATURE_DDF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- BSD-3 Clause License: a copyright notice would sit here. -->
<LWM2M  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://openmobilealliance.org/tech/profiles/LWM2M.xsd">
	<Object ObjectType="MODefinition">
		<Name>Temperature</Name>
		<Description1>A temperature sensor.</Description1>
		<ObjectID>3303</ObjectID>
		<ObjectURN>urn:oma:lwm2m:ext:3303</ObjectURN>
		<LWM2MVersion>1.0</LWM2MVersion>
                <ObjectVersion>1.0</ObjectVersion>
		<MultipleInstances>Multiple</MultipleInstances>
		<Mandatory>Optional</Mandatory>
		<Resources>
			<Item ID="5700">
				<Name>Sensor Value</Name>
				<Operations>R</Operations>
				<MultipleInstances>Single</MultipleInstances>
				<Mandatory>Mandatory</Mandatory>
				<Type>Float</Type>
				<RangeEnumeration></RangeEnumeration>
				<Units></Units>
				<Description>Last or current measured value.</Description>
			</Item>
			<Item ID="5601">
				<Name>Min Measured Value</Name>
				<Operations>R</Operations>
				<MultipleInstances>Single</MultipleInstances>
				<Mandatory>Optional</Mandatory>
				<Type>Float</Type>
				<RangeEnumeration></RangeEnumeration>
				<Units></Units>
				<Description>Minimum since power on or reset.</Description>
			</Item>
			<Item ID="5602">
				<Name>Max Measured Value</Name>
				<Operations>R</Operations>
				<MultipleInstances>Single</MultipleInstances>
				<Mandatory>Optional</Mandatory>
				<Type>Float</Type>
				<RangeEnumeration></RangeEnumeration>
				<Units></Units>
				<Description>Maximum since power on or reset.</Description>
			</Item>
			<Item ID="5603">
				<Name>Min Range Value</Name>
				<Operations>R</Operations>
				<MultipleInstances>Single</MultipleInstances>
				<Mandatory>Optional</Mandatory>
				<Type>Float</Type>
				<RangeEnumeration></RangeEnumeration>
				<Units></Units>
				<Description>Lowest measurable value.</Description>
			</Item>
			<Item ID="5604">
				<Name>Max Range Value</Name>
				<Operations>R</Operations>
				<MultipleInstances>Single</MultipleInstances>
				<Mandatory>Optional</Mandatory>
				<Type>Float</Type>
				<RangeEnumeration></RangeEnumeration>
				<Units></Units>
				<Description>Highest measurable value.</Description>
			</Item>
			<Item ID="5701">
				<Name>Sensor Units</Name>
				<Operations>R</Operations>
				<MultipleInstances>Single</MultipleInstances>
				<Mandatory>Optional</Mandatory>
				<Type>String</Type>
				<RangeEnumeration></RangeEnumeration>
				<Units></Units>
				<Description>Units of the value.</Description>
			</Item>
			<Item ID="5605">
				<Name>Reset Min and Max Measured Values</Name>
				<Operations>E</Operations>
				<MultipleInstances>Single</MultipleInstances>
				<Mandatory>Optional</Mandatory>
				<Type></Type>
				<RangeEnumeration></RangeEnumeration>
				<Units></Units>
				<Description>Resets min and max to the current value.</Description>
			</Item>
		</Resources>
		<Description2></Description2>
	</Object>
</LWM2M>
"#;

/// Device 1.2 as in the OMA registry's `3.xml`: every resource, CDATA descriptions of our own,
/// the Object's `<Description1>` before the ids, `<Type></Type>` for executables.
const DEVICE_DDF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<LWM2M xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.openmobilealliance.org/tech/profiles/LWM2M-v1_1.xsd">
  <Object ObjectType="MODefinition">
    <Name>Device</Name>
    <Description1><![CDATA[Device information, reboot and factory reset.]]></Description1>
    <ObjectID>3</ObjectID>
    <ObjectURN>urn:oma:lwm2m:oma:3:1.2</ObjectURN>
    <LWM2MVersion>1.1</LWM2MVersion>
    <ObjectVersion>1.2</ObjectVersion>
    <MultipleInstances>Single</MultipleInstances>
    <Mandatory>Mandatory</Mandatory>
    <Resources>
      <Item ID="0">
        <Name>Manufacturer</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Manufacturer name.]]></Description>
      </Item>
      <Item ID="1">
        <Name>Model Number</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Model identifier.]]></Description>
      </Item>
      <Item ID="2">
        <Name>Serial Number</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Serial number.]]></Description>
      </Item>
      <Item ID="3">
        <Name>Firmware Version</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Current firmware version.]]></Description>
      </Item>
      <Item ID="4">
        <Name>Reboot</Name>
        <Operations>E</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Mandatory</Mandatory>
        <Type></Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Reboots the device.]]></Description>
      </Item>
      <Item ID="5">
        <Name>Factory Reset</Name>
        <Operations>E</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type></Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Factory reset.]]></Description>
      </Item>
      <Item ID="6">
        <Name>Available Power Sources</Name>
        <Operations>R</Operations>
        <MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>Integer</Type>
        <RangeEnumeration>0..7</RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[0: DC, 1: internal battery, ...]]></Description>
      </Item>
      <Item ID="7">
        <Name>Power Source Voltage</Name>
        <Operations>R</Operations>
        <MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>Integer</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Voltage per power source, in mV.]]></Description>
      </Item>
      <Item ID="8">
        <Name>Power Source Current</Name>
        <Operations>R</Operations>
        <MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>Integer</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Current per power source, in mA.]]></Description>
      </Item>
      <Item ID="9">
        <Name>Battery Level</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>Integer</Type>
        <RangeEnumeration>0..100</RangeEnumeration>
        <Units>/100</Units>
        <Description><![CDATA[Battery level in percent.]]></Description>
      </Item>
      <Item ID="10">
        <Name>Memory Free</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>Integer</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Free storage in kilobytes.]]></Description>
      </Item>
      <Item ID="11">
        <Name>Error Code</Name>
        <Operations>R</Operations>
        <MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Mandatory</Mandatory>
        <Type>Integer</Type>
        <RangeEnumeration>0..32</RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[0 = no error; 16..32 device specific.]]></Description>
      </Item>
      <Item ID="12">
        <Name>Reset Error Code</Name>
        <Operations>E</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type></Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Clears the error codes.]]></Description>
      </Item>
      <Item ID="13">
        <Name>Current Time</Name>
        <Operations>RW</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>Time</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[UNIX time.]]></Description>
      </Item>
      <Item ID="14">
        <Name>UTC Offset</Name>
        <Operations>RW</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[UTC+X.]]></Description>
      </Item>
      <Item ID="15">
        <Name>Timezone</Name>
        <Operations>RW</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[IANA time zone.]]></Description>
      </Item>
      <Item ID="16">
        <Name>Supported Binding and Modes</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Mandatory</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Bindings supported.]]></Description>
      </Item>
      <Item ID="17">
        <Name>Device Type</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Device type.]]></Description>
      </Item>
      <Item ID="18">
        <Name>Hardware Version</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Hardware version.]]></Description>
      </Item>
      <Item ID="19">
        <Name>Software Version</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>String</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Software version.]]></Description>
      </Item>
      <Item ID="20">
        <Name>Battery Status</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>Integer</Type>
        <RangeEnumeration>0..6</RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[0 normal .. 6 unknown.]]></Description>
      </Item>
      <Item ID="21">
        <Name>Memory Total</Name>
        <Operations>R</Operations>
        <MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>Integer</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Total storage in kilobytes.]]></Description>
      </Item>
      <Item ID="22">
        <Name>ExtDevInfo</Name>
        <Operations>R</Operations>
        <MultipleInstances>Multiple</MultipleInstances>
        <Mandatory>Optional</Mandatory>
        <Type>Objlnk</Type>
        <RangeEnumeration></RangeEnumeration>
        <Units></Units>
        <Description><![CDATA[Links to external Device instances.]]></Description>
      </Item>
    </Resources>
    <Description2></Description2>
  </Object>
</LWM2M>
"#;

/// Location 1.1 as the OMA registry's `6.xml` writes its newer items: `<Type>` before
/// `<Operations>`, no `<RangeEnumeration>`, `<Units/>`. Trimmed to three resources.
const LOCATION_1_1_DDF: &str = r#"<LWM2M>
  <Object ObjectType="MODefinition">
    <Name>Location</Name>
    <Description2/>
    <ObjectID>6</ObjectID>
    <ObjectURN>urn:oma:lwm2m:oma:6</ObjectURN>
    <ObjectVersion>1.1</ObjectVersion>
    <MultipleInstances>Single</MultipleInstances>
    <Mandatory>Optional</Mandatory>
    <Resources>
      <Item ID="0"><Name>Latitude</Name><Operations>RW</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Mandatory</Mandatory><Type>Float</Type><RangeEnumeration></RangeEnumeration><Units>lat</Units></Item>
      <Item ID="12">
        <Name>Location Changed</Name>
        <Type>Boolean</Type>
        <Operations>R</Operations>
        <Mandatory>Optional</Mandatory>
        <MultipleInstances>Single</MultipleInstances>
        <Units/>
      </Item>
      <Item ID="8">
        <Name>Expected Latitude</Name>
        <Type>Float</Type>
        <Operations>RW</Operations>
        <Mandatory>Optional</Mandatory>
        <MultipleInstances>Single</MultipleInstances>
        <Units>lat</Units>
      </Item>
    </Resources>
  </Object>
</LWM2M>"#;

#[test]
fn temperature_ddf_loads_to_the_builtin_definition() {
    let defs = ddf::load(TEMPERATURE_DDF).unwrap();
    assert_eq!(defs, [registry::TEMPERATURE]);
}

#[test]
fn device_ddf_loads_to_the_builtin_definition() {
    let defs = ddf::load(DEVICE_DDF).unwrap();
    assert_eq!(defs.len(), 1);
    // Resource by resource first, so that a mismatch names the resource.
    for (got, want) in defs[0].resources.iter().zip(registry::DEVICE.resources) {
        assert_eq!(got, want);
    }
    assert_eq!(defs, [registry::DEVICE]);
}

#[test]
fn missing_optional_elements_and_any_element_order() {
    let defs = ddf::load(LOCATION_1_1_DDF).unwrap();
    let loc = &defs[0];
    assert_eq!((loc.id, loc.name, loc.version, loc.multiple, loc.mandatory), (6, "Location", "1.1", false, false));
    let ids: Vec<u16> = loc.resources.iter().map(|r| r.id).collect();
    assert_eq!(ids, [0, 8, 12], "sorted by id");
    let changed = loc.resource(12).unwrap();
    assert_eq!(
        (changed.operations, changed.data_type, changed.range, changed.units),
        (Operations::R, DataType::Boolean, "", "")
    );
    assert_eq!(loc.resource(8).unwrap().units, "lat");
}

#[test]
fn several_objects_in_one_file_and_a_missing_version() {
    let xml = "<LWM2M>\
        <Object><Name>A</Name><ObjectID>10241</ObjectID><MultipleInstances>Single</MultipleInstances>\
          <Mandatory>Optional</Mandatory><Resources/></Object>\
        <Object><Name> B </Name><ObjectID>10242</ObjectID><ObjectVersion>2.0</ObjectVersion>\
          <MultipleInstances>Multiple</MultipleInstances><Mandatory>Mandatory</Mandatory><Resources>\
          <Item ID=\"1\"><Name>X</Name><Operations/><MultipleInstances>Multiple</MultipleInstances>\
            <Mandatory>Optional</Mandatory><Type>Unsigned Integer</Type></Item></Resources></Object>\
        </LWM2M>";
    let defs = ddf::load(xml).unwrap();
    assert_eq!(defs.len(), 2);
    assert_eq!((defs[0].id, defs[0].version, defs[0].resources.len()), (10241, "1.0", 0));
    assert_eq!(
        (defs[1].id, defs[1].name, defs[1].version, defs[1].multiple, defs[1].mandatory),
        (10242, "B", "2.0", true, true)
    );
    let x = defs[1].resource(1).unwrap();
    assert_eq!((x.operations, x.multiple, x.data_type), (Operations::None, true, DataType::UnsignedInteger));
}

#[test]
fn a_registry_takes_loaded_definitions() {
    let mut defs = Registry::new();
    assert_eq!(defs.len(), registry::CORE.len());
    assert_eq!(defs.object(6).unwrap().version, "1.0");
    defs.extend(ddf::load(LOCATION_1_1_DDF).unwrap());
    assert_eq!(defs.len(), registry::CORE.len() + 1, "another version of Location sits beside 1.0");
    assert_eq!(defs.object(6).unwrap().version, "1.1", "the one added last answers");
    assert_eq!(defs.get(6, "1.0"), Some(&registry::LOCATION));
    // Loading the built-in Temperature again replaces it: same id, same version.
    defs.extend(ddf::load(TEMPERATURE_DDF).unwrap());
    assert_eq!(defs.len(), registry::CORE.len() + 1);
    assert_eq!(defs.object(3303), Some(&registry::TEMPERATURE));
    assert!(Registry::empty().is_empty() && Registry::empty().object(3).is_none());
    assert_eq!(Registry::default(), Registry::new());
}

/// A minimal object around `items`, with `id` as its ObjectID.
fn object(id: &str, items: &str) -> String {
    format!(
        "<LWM2M><Object><Name>T</Name><ObjectID>{id}</ObjectID><MultipleInstances>Single</MultipleInstances>\
         <Mandatory>Optional</Mandatory><Resources>{items}</Resources></Object></LWM2M>"
    )
}

/// An item with `id` and the given operations, multiplicity, mandatory flag and type.
fn item(id: &str, ops: &str, multi: &str, mand: &str, ty: &str) -> String {
    format!(
        "<Item ID=\"{id}\"><Name>R</Name><Operations>{ops}</Operations><MultipleInstances>{multi}</MultipleInstances>\
         <Mandatory>{mand}</Mandatory><Type>{ty}</Type></Item>"
    )
}

#[test]
fn malformed_ddfs_give_typed_errors() {
    let bad_value = |xml: &str| match ddf::load(xml) {
        Err(DdfError::BadValue { element, value, .. }) => (element, value),
        other => panic!("{xml}: {other:?}"),
    };
    let missing = |xml: &str| match ddf::load(xml) {
        Err(DdfError::Missing { element, .. }) => element,
        other => panic!("{xml}: {other:?}"),
    };
    let ok = item("0", "R", "Single", "Optional", "Integer");

    // XML syntax, with the position.
    match ddf::load("<LWM2M><Object></LWM2M>") {
        Err(DdfError::Xml { row: 1, col, message }) => assert!(col > 1 && !message.is_empty()),
        other => panic!("{other:?}"),
    }
    assert!(matches!(ddf::load(""), Err(DdfError::Xml { .. })));
    assert!(matches!(ddf::load("not xml"), Err(DdfError::Xml { .. })));
    let laughs =
        r#"<?xml version="1.0"?><!DOCTYPE LWM2M [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><LWM2M>&b;</LWM2M>"#;
    assert!(matches!(ddf::load(laughs), Err(DdfError::Xml { .. })), "DTDs are refused");

    // Missing elements and attributes.
    assert_eq!(missing("<Objects/>"), "LWM2M");
    assert_eq!(missing("<LWM2M/>"), "Object");
    assert_eq!(missing("<LWM2M><Object><Name>T</Name></Object></LWM2M>"), "ObjectID");
    let no_resources = "<LWM2M><Object><Name>T</Name><ObjectID>9</ObjectID>\
        <MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory></Object></LWM2M>";
    assert_eq!(missing(no_resources), "Resources");
    assert_eq!(missing(&object("9", &ok.replace(" ID=\"0\"", ""))), "ID");
    assert_eq!(missing(&object("9", &ok.replace("<Type>Integer</Type>", ""))), "Type");
    assert_eq!(missing(&object("9", &ok.replace("<Operations>R</Operations>", ""))), "Operations");
    assert_eq!(missing(&object("9", &ok.replace("<Name>R</Name>", ""))), "Name");
    assert_eq!(missing(&object("9", &ok.replace("<Mandatory>Optional</Mandatory>", ""))), "Mandatory");

    // Bad values.
    assert_eq!(bad_value(&object("65535", "")), ("ObjectID", "65535".into()), "65535 is reserved (§7.1)");
    assert_eq!(bad_value(&object("65536", "")), ("ObjectID", "65536".into()));
    assert_eq!(bad_value(&object("+3", "")), ("ObjectID", "+3".into()));
    assert_eq!(bad_value(&object("-1", "")), ("ObjectID", "-1".into()));
    assert_eq!(bad_value(&object("", "")), ("ObjectID", "".into()));
    assert_eq!(bad_value(&object("9", &item("x", "R", "Single", "Optional", "Integer"))), ("ID", "x".into()));
    assert_eq!(bad_value(&object("9", &item("65535", "R", "Single", "Optional", "Integer"))), ("ID", "65535".into()));
    assert_eq!(
        bad_value(&object("9", &item("0", "RWE", "Single", "Optional", "Integer"))),
        ("Operations", "RWE".into())
    );
    assert_eq!(
        bad_value(&object("9", &item("0", "R", "Many", "Optional", "Integer"))),
        ("MultipleInstances", "Many".into())
    );
    assert_eq!(
        bad_value(&object("9", &item("0", "R", "Single", "Optional", "Integer64"))),
        ("Type", "Integer64".into())
    );
    assert_eq!(
        bad_value(&object("9", &item("0", "R", "Single", "Sometimes", "Integer"))),
        ("Mandatory", "Sometimes".into())
    );

    // Two items with one id.
    let twice = object("9", &format!("{ok}{}", item("0", "W", "Single", "Optional", "String")));
    assert_eq!(ddf::load(&twice), Err(DdfError::DuplicateResource { object: 9, resource: 0 }));

    // A bad value names its line.
    let on_line_3 = "<LWM2M>\n<Object><Name>T</Name><ObjectID>9</ObjectID><MultipleInstances>Single</MultipleInstances>\
        <Mandatory>Optional</Mandatory><Resources>\n<Item ID=\"0\"><Name>R</Name><Operations>X</Operations>\
        <MultipleInstances>Single</MultipleInstances><Mandatory>Optional</Mandatory><Type/></Item></Resources></Object></LWM2M>";
    assert!(matches!(ddf::load(on_line_3), Err(DdfError::BadValue { element: "Operations", row: 3, .. })));
}

#[test]
fn every_truncation_of_a_real_ddf_is_refused_without_panicking() {
    // Any cut before the end of the closing `</LWM2M>` leaves unclosed elements.
    let end = DEVICE_DDF.rfind("</LWM2M>").unwrap() + "</LWM2M>".len();
    for (i, _) in DEVICE_DDF.char_indices().take_while(|&(i, _)| i < end).step_by(3) {
        assert!(ddf::load(&DEVICE_DDF[..i]).is_err(), "cut at {i}");
    }
    assert!(ddf::load(&DEVICE_DDF[..end]).is_ok());
}

proptest! {
    #[test]
    fn no_input_panics(s in ".{0,400}") {
        let _ = ddf::load(&s);
    }

    #[test]
    fn no_edit_of_a_real_ddf_panics(at in 0usize..4000, junk in "[<>/=\"a-zA-Z0-9 ]{0,12}") {
        let mut s = String::from(TEMPERATURE_DDF);
        let at = (0..=at.min(s.len())).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
        s.insert_str(at, &junk);
        let _ = ddf::load(&s);
    }
}

#[test]
fn definitions_are_static() {
    // `load` returns `'static` definitions: they outlive the text they came from.
    let defs: Vec<ObjectDef<'static>> = {
        let owned = String::from(TEMPERATURE_DDF);
        ddf::load(&owned).unwrap()
    };
    assert_eq!(defs[0].name, "Temperature");
}
