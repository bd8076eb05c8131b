//! The machines' tiny PRNG (xorshift64*), seeded from `Config::seed`: same seed, same bytes.

/// Deterministic, not cryptographic.
#[derive(Debug, Clone)]
pub(crate) struct Rand(u64);

impl Rand {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..=n`.
    pub(crate) fn up_to(&mut self, n: u64) -> u64 {
        // Multiply-shift: uniform enough for timeouts and cheaper than a division.
        ((u128::from(self.next_u64()) * (u128::from(n) + 1)) >> 64) as u64
    }
}

/// A keyed 64-bit hash (FxHash-like mixing) for hash tables and Echo values.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hasher(pub(crate) u64);

impl core::hash::Hasher for Hasher {
    fn finish(&self) -> u64 {
        // A final avalanche so that the high bits (used for bucket selection) depend on all.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..chunk.len()) {
                dst.copy_from_slice(chunk);
            }
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}
