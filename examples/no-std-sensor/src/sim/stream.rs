//! [`StreamLink`]: one byte-stream connection (TCP-like: ordered, lossless, delayed) that can
//! be cut, and refuse new connections during an outage.

use core::time::Duration;

use crate::Instant;

/// Bytes one direction holds in flight or unread; a write that does not fit is counted in
/// [`StreamStats::overflows`] (a sizing bug of the scenario, which the checks report).
pub const PIPE_BYTES: usize = 2048;
/// Writes (with distinct arrival times) one direction holds.
const CHUNKS: usize = 32;

/// One direction: bytes in order, each write arriving at its own time.
#[derive(Debug, Clone)]
pub struct Pipe {
    buf: [u8; PIPE_BYTES],
    len: usize,
    /// (arrival, end offset in `buf`) per write, in order.
    chunks: [(Instant, usize); CHUNKS],
    n_chunks: usize,
}

impl Pipe {
    const fn new() -> Self {
        Self { buf: [0; PIPE_BYTES], len: 0, chunks: [(Instant::ZERO, 0); CHUNKS], n_chunks: 0 }
    }

    fn clear(&mut self) {
        self.len = 0;
        self.n_chunks = 0;
    }

    /// Appends `bytes` arriving at `at`; false when they do not fit.
    fn write(&mut self, at: Instant, bytes: &[u8]) -> bool {
        let Some(dst) = self.buf.get_mut(self.len..self.len + bytes.len()) else { return false };
        let last = self.n_chunks.checked_sub(1).and_then(|i| self.chunks.get_mut(i));
        match last {
            // Same arrival time: one chunk.
            Some(c) if c.0 >= at => c.1 += bytes.len(),
            _ => {
                let Some(c) = self.chunks.get_mut(self.n_chunks) else { return false };
                *c = (at, self.len + bytes.len());
                self.n_chunks += 1;
            }
        }
        dst.copy_from_slice(bytes);
        self.len += bytes.len();
        true
    }

    /// The bytes that have arrived by `now` and were not consumed.
    pub fn readable(&self, now: Instant) -> &[u8] {
        let end = self.chunks.get(..self.n_chunks).unwrap_or(&[]).iter().take_while(|c| c.0 <= now).last();
        self.buf.get(..end.map_or(0, |c| c.1)).unwrap_or(&[])
    }

    /// Drops the first `n` readable bytes.
    pub fn consume(&mut self, n: usize) {
        let n = n.min(self.len);
        self.buf.copy_within(n..self.len, 0);
        self.len -= n;
        let mut kept = 0;
        for i in 0..self.n_chunks {
            let Some(&(at, end)) = self.chunks.get(i) else { break };
            if end > n {
                if let Some(c) = self.chunks.get_mut(kept) {
                    *c = (at, end - n);
                }
                kept += 1;
            }
        }
        self.n_chunks = kept;
    }

    /// When bytes not yet arrived by `now` arrive.
    pub fn next_arrival(&self, now: Instant) -> Option<Instant> {
        self.chunks.get(..self.n_chunks).unwrap_or(&[]).iter().map(|c| c.0).find(|&at| at > now)
    }
}

/// Counters of a [`StreamLink`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Connections opened.
    pub opens: u32,
    /// Opens refused (outage).
    pub refused: u32,
    /// Connections cut by the network.
    pub cuts: u32,
    /// Writes that did not fit a pipe.
    pub overflows: u32,
}

/// A client-to-server byte stream (`up`) and its reverse (`down`), each write delayed.
#[derive(Debug, Clone)]
pub struct StreamLink {
    /// Client to server.
    pub up: Pipe,
    /// Server to client.
    pub down: Pipe,
    delay: Duration,
    open: bool,
    refuse_until: Instant,
    stats: StreamStats,
}

impl StreamLink {
    /// A closed link whose writes take `delay` to arrive.
    pub const fn new(delay: Duration) -> Self {
        Self {
            up: Pipe::new(),
            down: Pipe::new(),
            delay,
            open: false,
            refuse_until: Instant::ZERO,
            stats: StreamStats { opens: 0, refused: 0, cuts: 0, overflows: 0 },
        }
    }

    /// Whether a connection is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Counters so far.
    pub fn stats(&self) -> &StreamStats {
        &self.stats
    }

    /// Opens a fresh connection at `now`; false (refused) before the outage ends.
    pub fn open(&mut self, now: Instant) -> bool {
        if now < self.refuse_until {
            self.stats.refused += 1;
            return false;
        }
        self.up.clear();
        self.down.clear();
        self.open = true;
        self.stats.opens += 1;
        true
    }

    /// Refuses new connections until `t`.
    pub fn refuse_until(&mut self, t: Instant) {
        self.refuse_until = t;
    }

    /// The network cuts the connection: bytes in flight are gone.
    pub fn cut(&mut self) {
        if self.open {
            self.stats.cuts += 1;
        }
        self.close();
    }

    /// An end closes the connection.
    pub fn close(&mut self) {
        self.open = false;
        self.up.clear();
        self.down.clear();
    }

    /// Client writes `bytes` at `now`.
    pub fn write_up(&mut self, now: Instant, bytes: &[u8]) {
        if self.open && !self.up.write(now + self.delay, bytes) {
            self.stats.overflows += 1;
        }
    }

    /// Server writes `bytes` at `now`.
    pub fn write_down(&mut self, now: Instant, bytes: &[u8]) {
        if self.open && !self.down.write(now + self.delay, bytes) {
            self.stats.overflows += 1;
        }
    }

    /// When bytes not yet arrived by `now` arrive, either way.
    pub fn next_arrival(&self, now: Instant) -> Option<Instant> {
        [self.up.next_arrival(now), self.down.next_arrival(now)].into_iter().flatten().min()
    }
}
