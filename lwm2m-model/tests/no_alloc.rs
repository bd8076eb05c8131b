//! Decoding and encoding TLV, text/plain, opaque and link format allocate nothing (counted by
//! `allocation-counter`'s global allocator).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use lwm2m_model::format::link::{self, LinkDocument, LinkEntry, Root};
use lwm2m_model::format::{opaque, text, tlv};
use lwm2m_model::model::{registry, DataType, Definitions, Path, Record, Value};

fn allocations_during(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

/// LwM2M 1.0 §6.4.3.1: Read /3/0 (the Device object instance).
const DEVICE: [u8; 121] = *b"\xC8\x00\x14Open Mobile Alliance\xC8\x01\x16Lightweight M2M Client\xC8\x02\x09345000123\xC3\x031.0\x86\x06\x41\x00\x01\x41\x01\x05\x88\x07\x08\x42\x00\x0E\xD8\x42\x01\x13\x88\x87\x08\x41\x00\x7D\x42\x01\x03\x84\xC1\x09\x64\xC1\x0A\x0F\x83\x0B\x41\x00\x00\xC4\x0D\x51\x82\x42\x8F\xC6\x0E+02:00\xC1\x10\x55";

#[test]
fn the_format_set_allocates_nothing() {
    let links = br#"</>;rt="oma.lwm2m";ct=11543,</1/0>,</3>;ver=1.1,</3/0>,</3/0/7>;dim=8;pmin=10;gt=50;lt=42.2"#;
    let mut out = [0u8; 256];
    let count = allocations_during(|| {
        // TLV: decode, type each record, re-encode to the same bytes.
        let request = Path::instance_path(3, 0);
        let mut records: [Record<'_>; 16] = core::array::from_fn(|_| Record { path: Path::ROOT, value: Value::None });
        let mut n = 0;
        for r in tlv::decode(&DEVICE, request).unwrap() {
            records[n] = r;
            n += 1;
        }
        lwm2m_model::model::type_records(registry::CORE, &mut records[..n]).unwrap();
        assert_eq!(records[13].value, Value::Time(1_367_491_215));
        let len = tlv::encode(request, &records[..n], &mut out).unwrap();
        assert_eq!(out[..len], DEVICE);
        // text/plain and opaque.
        let path = Path::resource_path(3, 0, 9);
        let dt = registry::CORE.resource_at(&path).unwrap().data_type;
        let rec = text::decode(b"100", path, Some(dt)).unwrap();
        assert_eq!(text::encode(&rec.value, &mut out), Ok(3));
        assert_eq!(text::encode(&Value::Float(42.2), &mut out), Ok(4));
        let rec = opaque::decode(&DEVICE, Path::resource_path(5, 0, 0)).unwrap();
        assert_eq!(opaque::encode(&rec.value, &mut out), Ok(DEVICE.len()));
        assert!(text::decode(b"x", path, Some(DataType::Opaque)).is_err());
        // Link format: decode every entry, re-encode them after the root.
        let doc = LinkDocument::decode(links).unwrap();
        let mut entries = [LinkEntry::default(); 8];
        let mut k = 0;
        for e in doc.entries().filter(|e| !e.is_lwm2m_root()) {
            entries[k] = e.into();
            k += 1;
        }
        let len = link::encode(Some(&Root { alternate_path: "/", ct: &[11543] }), &entries[..k], &mut out).unwrap();
        assert_eq!(&out[..len], &links[..]);
    });
    assert_eq!(count, 0, "allocated {count} times");
}
