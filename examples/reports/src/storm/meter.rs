//! The broker core's memory: a counting global allocator that attributes to the broker every
//! allocation and release made while the current thread runs inside [`measured`].
//!
//! The simulation wraps every call into `mqtt_codec::broker::Broker` (and the drop of what it
//! returns, such as event client ids) in [`measured`], and keeps the broker itself in a `Box`
//! created there, so the live count is the broker core's heap: its connection slab (each
//! connection's store), sessions, the client-id index, queues. The counters are thread-local,
//! so parallel tests do not mix. Without [`Meter`] installed as the global allocator every
//! figure stays 0.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static SCOPE: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// The counting allocator: install with `#[global_allocator] static A: Meter = Meter;`.
#[derive(Debug)]
pub struct Meter;

fn count(delta: isize) {
    // `try_with`: during thread teardown the slots may be gone; the count is then skipped.
    if SCOPE.try_with(Cell::get).unwrap_or(false) {
        let _ = LIVE.try_with(|live| {
            let now = live.get() + delta;
            live.set(now);
            let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
        });
    }
}

// The workspace denies unsafe code; a global allocator cannot be written without it.
// SAFETY: every call forwards to the system allocator with the same arguments; the counters are
// const-initialised thread-locals without destructors, which allocate nothing.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize);
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        #[allow(unsafe_code)]
        unsafe {
            System.alloc(l)
        }
    }

    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        count(l.size() as isize);
        // SAFETY: as `alloc`.
        #[allow(unsafe_code)]
        unsafe {
            System.alloc_zeroed(l)
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        count(-(l.size() as isize));
        // SAFETY: `p` came from this allocator with the same layout (the caller's contract).
        #[allow(unsafe_code)]
        unsafe {
            System.dealloc(p, l)
        }
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - l.size() as isize);
        // SAFETY: the caller's contract for `realloc` is passed on unchanged.
        #[allow(unsafe_code)]
        unsafe {
            System.realloc(p, l, new_size)
        }
    }
}

/// Runs `f` with its allocations counted as the broker's.
pub fn measured<R>(f: impl FnOnce() -> R) -> R {
    let outer = SCOPE.with(|s| s.replace(true));
    let r = f();
    SCOPE.with(|s| s.set(outer));
    r
}

/// Bytes the broker holds now.
pub fn live() -> usize {
    LIVE.with(Cell::get).max(0) as usize
}

/// The most the broker held since [`reset`].
pub fn peak() -> usize {
    PEAK.with(Cell::get).max(0) as usize
}

/// Starts a new measurement (the previous broker must be gone).
pub fn reset() {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
}
