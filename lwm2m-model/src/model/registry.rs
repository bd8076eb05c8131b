//! The built-in object definitions: the LwM2M core objects (LwM2M Core 1.1 Appendix E) and a
//! few common IPSO objects, as the OMA LwM2M registry's DDF files define them.
//!
//! One version per object, named in each doc comment with its DDF file; every resource of that
//! version is listed, with its name spelled as the DDF spells it and its range and units as the
//! DDF writes them (units the DDF only gives in the description, such as the Device's mV, stay
//! empty here, so that loading the DDF with `ddf::load` gives exactly these definitions).

use super::{DataType, ObjectDef, Operations, ResourceDef};

/// A resource row: id, name, operations, multiple, mandatory, type, range, units (one row of
/// the DDF table, so the arguments mirror its columns).
#[allow(clippy::too_many_arguments)]
const fn res(
    id: u16,
    name: &'static str,
    operations: Operations,
    multiple: bool,
    mandatory: bool,
    data_type: DataType,
    range: &'static str,
    units: &'static str,
) -> ResourceDef<'static> {
    ResourceDef { id, name, operations, multiple, mandatory, data_type, range, units }
}

use DataType::{Boolean, Float, Integer, None as NoType, Objlnk, Opaque, String as Str, Time, UnsignedInteger as Uint};
use Operations::{None as NoOps, E, R, RW, W};

/// Multiple instances (the DDF's `Multiple`) and single (`Single`).
const MULTI: bool = true;
const SINGLE: bool = false;
/// Mandatory (the DDF's `Mandatory`) and optional (`Optional`).
const MAND: bool = true;
const OPT: bool = false;

/// LwM2M Security (object 0), version 1.1 (LwM2M Core 1.1 Appendix E.1; OMA registry
/// `0-1_1.xml`, published as `LWM2M_Security-v1_1_1.xml`).
///
/// No resource has operations: the object is written only by a Bootstrap-Server and read by
/// no LwM2M Server (LwM2M Core 1.1 §E.1). The DDF spells resource 0 with two spaces and gives
/// Matching Type and Certificate Usage the unit `s`; both are kept as written (version 1.2
/// drops the unit).
pub const SECURITY: ObjectDef<'static> = ObjectDef {
    id: 0,
    name: "LWM2M Security",
    version: "1.1",
    multiple: MULTI,
    mandatory: MAND,
    resources: &[
        res(0, "LWM2M  Server URI", NoOps, SINGLE, MAND, Str, "0..255 bytes", ""),
        res(1, "Bootstrap-Server", NoOps, SINGLE, MAND, Boolean, "", ""),
        res(2, "Security Mode", NoOps, SINGLE, MAND, Integer, "0..4", ""),
        res(3, "Public Key or Identity", NoOps, SINGLE, MAND, Opaque, "", ""),
        res(4, "Server Public Key", NoOps, SINGLE, MAND, Opaque, "", ""),
        res(5, "Secret Key", NoOps, SINGLE, MAND, Opaque, "", ""),
        res(6, "SMS Security Mode", NoOps, SINGLE, OPT, Integer, "0..255", ""),
        res(7, "SMS Binding Key Parameters", NoOps, SINGLE, OPT, Opaque, "6", ""),
        res(8, "SMS Binding Secret Key(s)", NoOps, SINGLE, OPT, Opaque, "16,32,48", ""),
        res(9, "LwM2M Server SMS Number", NoOps, SINGLE, OPT, Str, "", ""),
        res(10, "Short Server ID", NoOps, SINGLE, OPT, Integer, "1..65534", ""),
        res(11, "Client Hold Off Time", NoOps, SINGLE, OPT, Integer, "", "s"),
        res(12, "Bootstrap-Server Account Timeout", NoOps, SINGLE, OPT, Integer, "", "s"),
        res(13, "Matching Type", NoOps, SINGLE, OPT, Uint, "0..3", "s"),
        res(14, "SNI", NoOps, SINGLE, OPT, Str, "", ""),
        res(15, "Certificate Usage", NoOps, SINGLE, OPT, Integer, "0..3", "s"),
        res(16, "DTLS/TLS Ciphersuite", NoOps, MULTI, OPT, Integer, "", ""),
        res(17, "OSCORE Security Mode", NoOps, SINGLE, OPT, Objlnk, "", ""),
    ],
};

/// The Binding and Preferred Transport range, as the Server DDF writes it.
const BINDINGS: &str = "The possible values are those listed in the LwM2M Core Specification";

/// LwM2M Server (object 1), version 1.1 (LwM2M Core 1.1 Appendix E.2; OMA registry
/// `1-1_1.xml`).
///
/// Resources 13-20 (registration order and retry settings) have no operations in this
/// version: only a Bootstrap-Server sets them.
pub const SERVER: ObjectDef<'static> = ObjectDef {
    id: 1,
    name: "LwM2M Server",
    version: "1.1",
    multiple: MULTI,
    mandatory: MAND,
    resources: &[
        res(0, "Short Server ID", R, SINGLE, MAND, Integer, "1..65534", ""),
        res(1, "Lifetime", RW, SINGLE, MAND, Integer, "", "s"),
        res(2, "Default Minimum Period", RW, SINGLE, OPT, Integer, "", "s"),
        res(3, "Default Maximum Period", RW, SINGLE, OPT, Integer, "", "s"),
        res(4, "Disable", E, SINGLE, OPT, NoType, "", ""),
        res(5, "Disable Timeout", RW, SINGLE, OPT, Integer, "", "s"),
        res(6, "Notification Storing When Disabled or Offline", RW, SINGLE, MAND, Boolean, "", ""),
        res(7, "Binding", RW, SINGLE, MAND, Str, BINDINGS, ""),
        res(8, "Registration Update Trigger", E, SINGLE, MAND, NoType, "", ""),
        res(9, "Bootstrap-Request Trigger", E, SINGLE, OPT, NoType, "", ""),
        res(10, "APN Link", RW, SINGLE, OPT, Objlnk, "", ""),
        res(11, "TLS-DTLS Alert Code", R, SINGLE, OPT, Uint, "0..255", ""),
        res(12, "Last Bootstrapped", R, SINGLE, OPT, Time, "", ""),
        res(13, "Registration Priority Order", NoOps, SINGLE, OPT, Uint, "", ""),
        res(14, "Initial Registration Delay Timer", NoOps, SINGLE, OPT, Uint, "", "s"),
        res(15, "Registration Failure Block", NoOps, SINGLE, OPT, Boolean, "", ""),
        res(16, "Bootstrap on Registration Failure", NoOps, SINGLE, OPT, Boolean, "", ""),
        res(17, "Communication Retry Count", NoOps, SINGLE, OPT, Uint, "", ""),
        res(18, "Communication Retry Timer", NoOps, SINGLE, OPT, Uint, "", "s"),
        res(19, "Communication Sequence Delay Timer", NoOps, SINGLE, OPT, Uint, "", ""),
        res(20, "Communication Sequence Retry Count", NoOps, SINGLE, OPT, Uint, "", ""),
        res(21, "Trigger", RW, SINGLE, OPT, Boolean, "", ""),
        res(22, "Preferred Transport", RW, SINGLE, OPT, Str, BINDINGS, ""),
        res(23, "Mute Send", RW, SINGLE, OPT, Boolean, "", ""),
    ],
};

/// LwM2M Access Control (object 2), version 1.1 (LwM2M Core 1.1 Appendix E.3; OMA registry
/// `2-1_1.xml`). ACL instance ids are Short Server IDs; the value's bits grant R, W, E, D, C
/// (LwM2M Core 1.1 §E.3).
pub const ACCESS_CONTROL: ObjectDef<'static> = ObjectDef {
    id: 2,
    name: "LwM2M Access Control",
    version: "1.1",
    multiple: MULTI,
    mandatory: OPT,
    resources: &[
        res(0, "Object ID", R, SINGLE, MAND, Integer, "1..65534", ""),
        res(1, "Object Instance ID", R, SINGLE, MAND, Integer, "0..65535", ""),
        res(2, "ACL", RW, MULTI, OPT, Integer, "0..31", ""),
        res(3, "Access Control Owner", RW, SINGLE, MAND, Integer, "0..65535", ""),
    ],
};

/// Device (object 3), version 1.2 (LwM2M Core 1.1 Appendix E.4; OMA registry `3-1_2.xml`,
/// the registry's `3.xml`).
///
/// Version 1.1 (`3-1_1.xml`) has the same resources but Error Code range `0..8` and Battery
/// Level in `%`. The DDF gives the units of Power Source Voltage (mV), Power Source Current
/// (mA), Memory Free and Memory Total (kilobytes) only in the descriptions.
pub const DEVICE: ObjectDef<'static> = ObjectDef {
    id: 3,
    name: "Device",
    version: "1.2",
    multiple: SINGLE,
    mandatory: MAND,
    resources: &[
        res(0, "Manufacturer", R, SINGLE, OPT, Str, "", ""),
        res(1, "Model Number", R, SINGLE, OPT, Str, "", ""),
        res(2, "Serial Number", R, SINGLE, OPT, Str, "", ""),
        res(3, "Firmware Version", R, SINGLE, OPT, Str, "", ""),
        res(4, "Reboot", E, SINGLE, MAND, NoType, "", ""),
        res(5, "Factory Reset", E, SINGLE, OPT, NoType, "", ""),
        res(6, "Available Power Sources", R, MULTI, OPT, Integer, "0..7", ""),
        res(7, "Power Source Voltage", R, MULTI, OPT, Integer, "", ""),
        res(8, "Power Source Current", R, MULTI, OPT, Integer, "", ""),
        res(9, "Battery Level", R, SINGLE, OPT, Integer, "0..100", "/100"),
        res(10, "Memory Free", R, SINGLE, OPT, Integer, "", ""),
        res(11, "Error Code", R, MULTI, MAND, Integer, "0..32", ""),
        res(12, "Reset Error Code", E, SINGLE, OPT, NoType, "", ""),
        res(13, "Current Time", RW, SINGLE, OPT, Time, "", ""),
        res(14, "UTC Offset", RW, SINGLE, OPT, Str, "", ""),
        res(15, "Timezone", RW, SINGLE, OPT, Str, "", ""),
        res(16, "Supported Binding and Modes", R, SINGLE, MAND, Str, "", ""),
        res(17, "Device Type", R, SINGLE, OPT, Str, "", ""),
        res(18, "Hardware Version", R, SINGLE, OPT, Str, "", ""),
        res(19, "Software Version", R, SINGLE, OPT, Str, "", ""),
        res(20, "Battery Status", R, SINGLE, OPT, Integer, "0..6", ""),
        res(21, "Memory Total", R, SINGLE, OPT, Integer, "", ""),
        res(22, "ExtDevInfo", R, MULTI, OPT, Objlnk, "", ""),
    ],
};

/// Connectivity Monitoring (object 4), version 1.2 (LwM2M Core 1.1 Appendix E.5; OMA registry
/// `4-1_2.xml`). Radio Signal Strength is in dBm (the DDF says so in the description only).
pub const CONNECTIVITY_MONITORING: ObjectDef<'static> = ObjectDef {
    id: 4,
    name: "Connectivity Monitoring",
    version: "1.2",
    multiple: SINGLE,
    mandatory: OPT,
    resources: &[
        res(0, "Network Bearer", R, SINGLE, MAND, Integer, "0..50", ""),
        res(1, "Available Network Bearer", R, MULTI, MAND, Integer, "0..50", ""),
        res(2, "Radio Signal Strength", R, SINGLE, MAND, Integer, "", ""),
        res(3, "Link Quality", R, SINGLE, OPT, Integer, "", ""),
        res(4, "IP Addresses", R, MULTI, MAND, Str, "", ""),
        res(5, "Router IP Addresses", R, MULTI, OPT, Str, "", ""),
        res(6, "Link Utilization", R, SINGLE, OPT, Integer, "0..100", "%"),
        res(7, "APN", R, MULTI, OPT, Str, "", ""),
        res(8, "Cell ID", R, SINGLE, OPT, Integer, "", ""),
        res(9, "SMNC", R, SINGLE, OPT, Integer, "0..999", ""),
        res(10, "SMCC", R, SINGLE, OPT, Integer, "0..999", ""),
        res(11, "SignalSNR", R, SINGLE, OPT, Integer, "", "dB"),
        res(12, "LAC", R, SINGLE, OPT, Integer, "", ""),
    ],
};

/// Firmware Update (object 5), version 1.1 (LwM2M Core 1.1 Appendix E.6; OMA registry
/// `5-1_1.xml`, the registry's `5.xml`).
///
/// Resource 4 (Update Supported Objects, version 1.0) is gone from this version; 10-13
/// (Cancel, Severity, Last State Change Time, Maximum Defer Period) are new in it.
pub const FIRMWARE_UPDATE: ObjectDef<'static> = ObjectDef {
    id: 5,
    name: "Firmware Update",
    version: "1.1",
    multiple: SINGLE,
    mandatory: OPT,
    resources: &[
        res(0, "Package", W, SINGLE, MAND, Opaque, "", ""),
        res(1, "Package URI", RW, SINGLE, MAND, Str, "0..255", ""),
        res(2, "Update", E, SINGLE, MAND, NoType, "", ""),
        res(3, "State", R, SINGLE, MAND, Integer, "0..3", ""),
        res(5, "Update Result", R, SINGLE, MAND, Integer, "0..11", ""),
        res(6, "PkgName", R, SINGLE, OPT, Str, "0..255", ""),
        res(7, "PkgVersion", R, SINGLE, OPT, Str, "0..255", ""),
        res(8, "Firmware Update Protocol Support", R, MULTI, OPT, Integer, "0..5", ""),
        res(9, "Firmware Update Delivery Method", R, SINGLE, MAND, Integer, "0..2", ""),
        res(10, "Cancel", E, SINGLE, OPT, NoType, "", ""),
        res(11, "Severity", RW, SINGLE, OPT, Integer, "0..2", ""),
        res(12, "Last State Change Time", R, SINGLE, OPT, Time, "", ""),
        res(13, "Maximum Defer Period", RW, SINGLE, OPT, Uint, "", "s"),
    ],
};

/// Location (object 6), version 1.0 (LwM2M Core 1.1 Appendix E.7; OMA registry `6-1_0.xml`,
/// published as `LWM2M_Location-v1_0_2.xml`). Version 1.1 makes resources 0-2 writable and
/// adds 8-12 (expected location and a change threshold).
pub const LOCATION: ObjectDef<'static> = ObjectDef {
    id: 6,
    name: "Location",
    version: "1.0",
    multiple: SINGLE,
    mandatory: OPT,
    resources: &[
        res(0, "Latitude", R, SINGLE, MAND, Float, "", "lat"),
        res(1, "Longitude", R, SINGLE, MAND, Float, "", "lon"),
        res(2, "Altitude", R, SINGLE, OPT, Float, "", "m"),
        res(3, "Radius", R, SINGLE, OPT, Float, "", "m"),
        res(4, "Velocity", R, SINGLE, OPT, Opaque, "", ""),
        res(5, "Timestamp", R, SINGLE, MAND, Time, "", ""),
        res(6, "Speed", R, SINGLE, OPT, Float, "", "m/s"),
    ],
};

/// Connectivity Statistics (object 7), version 1.0 (LwM2M Core 1.1 Appendix E.8; OMA registry
/// `7.xml`). Tx Data and Rx Data are in kilobytes (the DDF says so in the description only).
pub const CONNECTIVITY_STATISTICS: ObjectDef<'static> = ObjectDef {
    id: 7,
    name: "Connectivity Statistics",
    version: "1.0",
    multiple: SINGLE,
    mandatory: OPT,
    resources: &[
        res(0, "SMS Tx Counter", R, SINGLE, OPT, Integer, "", ""),
        res(1, "SMS Rx Counter", R, SINGLE, OPT, Integer, "", ""),
        res(2, "Tx Data", R, SINGLE, OPT, Integer, "", ""),
        res(3, "Rx Data", R, SINGLE, OPT, Integer, "", ""),
        res(4, "Max Message Size", R, SINGLE, OPT, Integer, "", "B"),
        res(5, "Average Message Size", R, SINGLE, OPT, Integer, "", "B"),
        res(6, "Start", E, SINGLE, MAND, NoType, "", ""),
        res(7, "Stop", E, SINGLE, MAND, NoType, "", ""),
        res(8, "Collection Period", RW, SINGLE, OPT, Integer, "", "s"),
    ],
};

/// IPSO Generic Sensor (object 3300), version 1.0 (OMA registry `3300.xml`).
pub const GENERIC_SENSOR: ObjectDef<'static> = ObjectDef {
    id: 3300,
    name: "Generic Sensor",
    version: "1.0",
    multiple: MULTI,
    mandatory: OPT,
    resources: &[
        res(5601, "Min Measured Value", R, SINGLE, OPT, Float, "", ""),
        res(5602, "Max Measured Value", R, SINGLE, OPT, Float, "", ""),
        res(5603, "Min Range Value", R, SINGLE, OPT, Float, "", ""),
        res(5604, "Max Range Value", R, SINGLE, OPT, Float, "", ""),
        res(5605, "Reset Min and Max Measured Values", E, SINGLE, OPT, NoType, "", ""),
        res(5700, "Sensor Value", R, SINGLE, MAND, Float, "", ""),
        res(5701, "Sensor Units", R, SINGLE, OPT, Str, "", ""),
        res(5750, "Application Type", RW, SINGLE, OPT, Str, "", ""),
        res(5751, "Sensor Type", R, SINGLE, OPT, Str, "", ""),
    ],
};

/// IPSO Temperature (object 3303), version 1.0 (OMA registry `3303.xml`). The unit of Sensor
/// Value is in Sensor Units (5701), e.g. `Cel`.
pub const TEMPERATURE: ObjectDef<'static> = ObjectDef {
    id: 3303,
    name: "Temperature",
    version: "1.0",
    multiple: MULTI,
    mandatory: OPT,
    resources: &[
        res(5601, "Min Measured Value", R, SINGLE, OPT, Float, "", ""),
        res(5602, "Max Measured Value", R, SINGLE, OPT, Float, "", ""),
        res(5603, "Min Range Value", R, SINGLE, OPT, Float, "", ""),
        res(5604, "Max Range Value", R, SINGLE, OPT, Float, "", ""),
        res(5605, "Reset Min and Max Measured Values", E, SINGLE, OPT, NoType, "", ""),
        res(5700, "Sensor Value", R, SINGLE, MAND, Float, "", ""),
        res(5701, "Sensor Units", R, SINGLE, OPT, Str, "", ""),
    ],
};

/// IPSO Light Control (object 3311), version 1.0 (OMA registry `3311.xml`).
pub const LIGHT_CONTROL: ObjectDef<'static> = ObjectDef {
    id: 3311,
    name: "Light Control",
    version: "1.0",
    multiple: MULTI,
    mandatory: OPT,
    resources: &[
        res(5701, "Sensor Units", R, SINGLE, OPT, Str, "", ""),
        res(5706, "Colour", RW, SINGLE, OPT, Str, "", ""),
        res(5750, "Application Type", RW, SINGLE, OPT, Str, "", ""),
        res(5805, "Cumulative active power", R, SINGLE, OPT, Float, "", "Wh"),
        res(5820, "Power factor", R, SINGLE, OPT, Float, "", ""),
        res(5850, "On/Off", RW, SINGLE, MAND, Boolean, "", ""),
        res(5851, "Dimmer", RW, SINGLE, OPT, Integer, "0-100", "%"),
        res(5852, "On time", RW, SINGLE, OPT, Integer, "", "s"),
    ],
};

/// Every built-in definition, in object id order.
pub const CORE: &[ObjectDef<'static>] = &[
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
