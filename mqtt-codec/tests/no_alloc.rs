//! A counting global allocator proves that decoding and encoding the benchmark set (both
//! versions, into `&mut [u8]`) allocates nothing, including reading every field and list.
//! The counter is `allocation-counter`, a dev-dependency: it keeps the `unsafe` of a global
//! allocator out of this workspace, which forbids it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "common/bench_set.rs"]
mod bench_set;

use mqtt_codec::wire::*;

/// Allocations made while `f` runs, counted by `allocation-counter`'s global allocator (a
/// dev-dependency, so that this crate keeps `forbid(unsafe_code)` in its tests too).
fn allocations_during(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

/// Touches every field a caller might read, so lazily parsed lists are walked too.
fn read_everything(p: &Packet<'_>) -> usize {
    let mut n = 0;
    let mut props = |l: &Properties<'_>| n += l.iter().count() + l.user_properties().count();
    match p {
        Packet::Connect(c) => {
            props(&c.properties);
            if let Some(w) = &c.will {
                props(&w.properties);
            }
        }
        Packet::Publish(x) => props(&x.properties),
        Packet::Subscribe(s) => {
            props(&s.properties);
            n += s.subscriptions.iter().map(|s| s.filter.as_str().len()).sum::<usize>();
        }
        Packet::PubAck(a) => props(&a.properties),
        _ => {}
    }
    n
}

#[test]
fn decode_and_encode_of_the_bench_set_allocate_nothing() {
    for v in [Version::V311, Version::V5] {
        let frames = bench_set::frames(v);
        let opts = DecodeOptions::new(v);
        let mut out = [0u8; 2048];
        for (name, frame) in &frames {
            let count = allocations_during(|| {
                let Status::Complete { item, consumed } = decode_packet(frame, &opts).unwrap() else {
                    panic!("{name} incomplete")
                };
                assert_eq!(consumed, frame.len());
                std::hint::black_box(read_everything(&item));
                let n = item.encode(v, &mut out).unwrap();
                assert_eq!(&out[..n], &frame[..]);
                // The display line writes into a fixed buffer, not a String.
                let _ = std::hint::black_box(item.encoded_len(v));
            });
            assert_eq!(count, 0, "{name} ({v:?}) allocated {count} times");
        }
        // Encoding packets built from borrowed application data allocates nothing either.
        bench_set::for_each(v, |name, p| {
            let count = allocations_during(|| {
                std::hint::black_box(p.encode(v, &mut out).unwrap());
            });
            assert_eq!(count, 0, "encode {name} ({v:?}) allocated {count} times");
        });
    }
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test above against a counter that never counts.
    let count = allocations_during(|| {
        std::hint::black_box(vec![1u8; 16]);
    });
    assert!(count >= 1);
}
