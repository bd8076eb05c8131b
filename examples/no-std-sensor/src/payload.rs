//! The reading's payload, the same bytes on both paths: `seq=<n> t=<°C with two decimals>`,
//! e.g. `seq=12 t=21.50` (text/plain; CoAP Content-Format 0, RFC 7252 §12.3). Written and read
//! without `core::fmt`, which keeps the binary small.

/// The longest payload: `seq=4294967295 t=-327.68`.
pub const MAX_LEN: usize = 24;

/// An encoded payload in a fixed buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload {
    buf: [u8; MAX_LEN],
    len: usize,
}

impl Payload {
    /// The payload of reading `seq` at `centi_celsius` hundredths of a degree.
    ///
    /// ```
    /// use no_std_sensor::payload::{parse_seq, Payload};
    /// let p = Payload::new(12, 2150);
    /// assert_eq!(p.as_bytes(), b"seq=12 t=21.50");
    /// assert_eq!(Payload::new(3, -5).as_bytes(), b"seq=3 t=-0.05");
    /// assert_eq!(parse_seq(p.as_bytes()), Some(12));
    /// ```
    pub fn new(seq: u32, centi_celsius: i16) -> Self {
        let mut p = Self { buf: [0; MAX_LEN], len: 0 };
        p.push(b"seq=");
        p.number(seq);
        p.push(b" t=");
        if centi_celsius < 0 {
            p.push(b"-");
        }
        let abs = centi_celsius.unsigned_abs();
        p.number(u32::from(abs / 100));
        p.push(b".");
        p.push(&[b'0' + (abs % 100 / 10) as u8, b'0' + (abs % 10) as u8]);
        p
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    fn push(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
    }

    fn number(&mut self, mut n: u32) {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        loop {
            i -= 1;
            if let Some(d) = digits.get_mut(i) {
                *d = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 || i == 0 {
                break;
            }
        }
        self.push(digits.get(i..).unwrap_or(&[]));
    }
}

/// The sequence number of a payload, or `None` when it is not one of ours.
pub fn parse_seq(payload: &[u8]) -> Option<u32> {
    let rest = payload.strip_prefix(b"seq=")?;
    let end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    let digits = rest.get(..end)?;
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(d - b'0');
    }
    u32::try_from(n).ok()
}
