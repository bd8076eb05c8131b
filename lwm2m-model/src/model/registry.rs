//! The built-in object definitions: the LwM2M core objects and a few common IPSO objects, as
//! the OMA LwM2M registry's DDF files define them.

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

use DataType::{Integer, None as NoType, Objlnk, String as Str, Time};
use Operations::{E, R, RW};

/// Device (object 3, LwM2M Core 1.2 Appendix E.4; OMA registry `3.xml`).
pub const DEVICE: ObjectDef<'static> = ObjectDef {
    id: 3,
    name: "Device",
    version: "1.1",
    multiple: false,
    mandatory: true,
    resources: &[
        res(0, "Manufacturer", R, false, false, Str, "", ""),
        res(1, "Model Number", R, false, false, Str, "", ""),
        res(2, "Serial Number", R, false, false, Str, "", ""),
        res(3, "Firmware Version", R, false, false, Str, "", ""),
        res(4, "Reboot", E, false, true, NoType, "", ""),
        res(5, "Factory Reset", E, false, false, NoType, "", ""),
        res(6, "Available Power Sources", R, true, false, Integer, "0..7", ""),
        res(7, "Power Source Voltage", R, true, false, Integer, "", "mV"),
        res(8, "Power Source Current", R, true, false, Integer, "", "mA"),
        res(9, "Battery Level", R, false, false, Integer, "0..100", "/100"),
        res(10, "Memory Free", R, false, false, Integer, "", "KiB"),
        res(11, "Error Code", R, true, true, Integer, "0..32", ""),
        res(12, "Reset Error Code", E, false, false, NoType, "", ""),
        res(13, "Current Time", RW, false, false, Time, "", ""),
        res(14, "UTC Offset", RW, false, false, Str, "", ""),
        res(15, "Timezone", RW, false, false, Str, "", ""),
        res(16, "Supported Binding and Modes", R, false, true, Str, "", ""),
        res(17, "Device Type", R, false, false, Str, "", ""),
        res(18, "Hardware Version", R, false, false, Str, "", ""),
        res(19, "Software Version", R, false, false, Str, "", ""),
        res(20, "Battery Status", R, false, false, Integer, "0..6", ""),
        res(21, "Memory Total", R, false, false, Integer, "", "KiB"),
        res(22, "ExtDevInfo", R, true, false, Objlnk, "", ""),
    ],
};

/// Every built-in definition.
pub const CORE: &[ObjectDef<'static>] = &[DEVICE];
