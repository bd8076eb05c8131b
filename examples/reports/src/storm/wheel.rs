//! The virtual clock's queue of wake-ups: a time wheel of 1 ms slots covering the next
//! [`SPAN_MS`], with a sorted overflow for anything later. Events of one millisecond run in the
//! order they were scheduled, so a run depends only on its seed.

use std::collections::BTreeMap;

/// Milliseconds the wheel covers (2^17 ms, 131 s: more than the longest back-off cap used).
pub const SPAN_MS: u64 = 1 << 17;

/// Pending events by due time.
#[derive(Debug)]
pub struct Wheel<E> {
    slots: Vec<Vec<E>>,
    later: BTreeMap<u64, Vec<E>>,
    /// Emptied slot vectors, reused so that memory follows the events pending, not the busiest
    /// millisecond of every slot.
    spare: Vec<Vec<E>>,
    /// The millisecond being run; nothing may be scheduled before it.
    now: u64,
    pending: usize,
}

impl<E: Copy> Wheel<E> {
    /// An empty wheel at time 0.
    pub fn new() -> Self {
        Self {
            slots: (0..SPAN_MS).map(|_| Vec::new()).collect(),
            later: BTreeMap::new(),
            spare: Vec::new(),
            now: 0,
            pending: 0,
        }
    }

    /// The current millisecond.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Events not yet run.
    pub fn pending(&self) -> usize {
        self.pending
    }

    fn slot(at: u64) -> usize {
        (at % SPAN_MS) as usize
    }

    /// Schedules `e` at `at` (clamped to now: time never goes backwards).
    pub fn schedule(&mut self, at: u64, e: E) {
        let at = at.max(self.now);
        self.pending += 1;
        if at - self.now < SPAN_MS {
            if let Some(s) = self.slots.get_mut(Self::slot(at)) {
                if s.capacity() == 0 {
                    if let Some(v) = self.spare.pop() {
                        *s = v;
                    }
                }
                s.push(e);
            }
        } else {
            self.later.entry(at).or_default().push(e);
        }
    }

    /// The `i`-th event of the current millisecond (events scheduled for now while it runs are
    /// appended, so callers loop until `None`).
    pub fn get(&mut self, i: usize) -> Option<E> {
        if i == 0 {
            // Entering this millisecond: what waited in the overflow joins the slot.
            if let Some(due) = self.later.remove(&self.now) {
                if let Some(s) = self.slots.get_mut(Self::slot(self.now)) {
                    s.extend(due);
                }
            }
        }
        self.slots.get(Self::slot(self.now)).and_then(|s| s.get(i)).copied()
    }

    /// Ends the current millisecond (its `ran` events are done) and moves to the next.
    pub fn advance(&mut self, ran: usize) {
        if let Some(s) = self.slots.get_mut(Self::slot(self.now)) {
            let mut v = std::mem::take(s);
            v.clear();
            if self.spare.len() < 64 && v.capacity() > 0 {
                self.spare.push(v);
            }
        }
        self.pending = self.pending.saturating_sub(ran);
        self.now += 1;
    }
}

impl<E: Copy> Default for Wheel<E> {
    fn default() -> Self {
        Self::new()
    }
}
