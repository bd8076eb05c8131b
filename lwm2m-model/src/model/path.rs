//! LwM2M paths (LwM2M Core 1.2 §7.1): root, `/o`, `/o/i`, `/o/i/r`, `/o/i/r/ri`, with ids
//! 0-65534 (65535 is reserved, §7.1.1), parsed from and written to text and CoAP Uri-Path options.

use core::fmt;

/// The id 65535 is reserved at every level (LwM2M Core §7.1).
pub const RESERVED_ID: u16 = u16::MAX;

/// Why a path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// Text that does not start with `/`.
    #[error("LwM2M Core §7.1: a path starts with '/'")]
    NotAbsolute,
    /// A segment that is not a decimal number 0-65534 (empty, a sign, a letter, too large).
    #[error("LwM2M Core §7.1: segment {0} is not an id 0-65534")]
    InvalidId(u8),
    /// The id 65535, reserved at every level.
    #[error("LwM2M Core §7.1: id 65535 is reserved (segment {0})")]
    ReservedId(u8),
    /// More than four levels (object, instance, resource, resource instance).
    #[error("LwM2M Core §7.1: more than 4 levels")]
    TooDeep,
    /// A path made longer than four levels by [`Path::child`].
    #[error("LwM2M Core §7.1: a resource instance has no children")]
    NoChild,
}

/// A path into the object model: 0 (root) to 4 ids.
///
/// Spec: LwM2M Core 1.2 §7.1.
///
/// ```
/// use lwm2m_model::model::Path;
/// let p: Path = "/3/0/7/1".parse()?;
/// assert_eq!((p.object(), p.instance(), p.resource(), p.resource_instance()), (Some(3), Some(0), Some(7), Some(1)));
/// assert_eq!(p.to_string(), "/3/0/7/1");
/// assert_eq!(p.parent().to_string(), "/3/0/7");
/// assert_eq!(Path::ROOT.to_string(), "/");
/// assert!("/3/65535".parse::<Path>().is_err());
/// # Ok::<(), lwm2m_model::model::PathError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Path {
    len: u8,
    ids: [u16; 4],
}

impl Path {
    /// The root, `/`.
    pub const ROOT: Path = Path { len: 0, ids: [0; 4] };

    /// A path from its ids (0-4 of them), each 0-65534.
    ///
    /// # Errors
    /// [`PathError::TooDeep`], [`PathError::ReservedId`].
    pub fn new(ids: &[u16]) -> Result<Self, PathError> {
        if ids.len() > 4 {
            return Err(PathError::TooDeep);
        }
        let mut p = Self::ROOT;
        for (i, &id) in ids.iter().enumerate() {
            if id == RESERVED_ID {
                return Err(PathError::ReservedId(i as u8));
            }
            if let Some(slot) = p.ids.get_mut(i) {
                *slot = id;
            }
        }
        p.len = ids.len() as u8;
        Ok(p)
    }

    /// `/o`.
    pub const fn object_path(object: u16) -> Self {
        Self { len: 1, ids: [object, 0, 0, 0] }
    }

    /// `/o/i`.
    pub const fn instance_path(object: u16, instance: u16) -> Self {
        Self { len: 2, ids: [object, instance, 0, 0] }
    }

    /// `/o/i/r`.
    pub const fn resource_path(object: u16, instance: u16, resource: u16) -> Self {
        Self { len: 3, ids: [object, instance, resource, 0] }
    }

    /// `/o/i/r/ri`.
    pub const fn resource_instance_path(object: u16, instance: u16, resource: u16, ri: u16) -> Self {
        Self { len: 4, ids: [object, instance, resource, ri] }
    }

    /// The number of ids: 0 (root) to 4.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether this is the root.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ids.
    pub fn ids(&self) -> &[u16] {
        self.ids.get(..self.len()).unwrap_or(&[])
    }

    fn id(&self, level: usize) -> Option<u16> {
        self.ids().get(level).copied()
    }

    /// The object id.
    pub fn object(&self) -> Option<u16> {
        self.id(0)
    }

    /// The object instance id.
    pub fn instance(&self) -> Option<u16> {
        self.id(1)
    }

    /// The resource id.
    pub fn resource(&self) -> Option<u16> {
        self.id(2)
    }

    /// The resource instance id.
    pub fn resource_instance(&self) -> Option<u16> {
        self.id(3)
    }

    /// The path one level up (the root's parent is the root).
    pub fn parent(&self) -> Self {
        let mut p = *self;
        p.len = p.len.saturating_sub(1);
        if let Some(slot) = p.ids.get_mut(usize::from(p.len)) {
            *slot = 0;
        }
        p
    }

    /// The path one level down.
    ///
    /// # Errors
    /// [`PathError::NoChild`] below a resource instance, [`PathError::ReservedId`].
    pub fn child(&self, id: u16) -> Result<Self, PathError> {
        if id == RESERVED_ID {
            return Err(PathError::ReservedId(self.len));
        }
        let mut p = *self;
        *p.ids.get_mut(usize::from(p.len)).ok_or(PathError::NoChild)? = id;
        p.len += 1;
        Ok(p)
    }

    /// Whether `self` is `other` or lies below it.
    pub fn starts_with(&self, other: &Path) -> bool {
        self.ids().starts_with(other.ids())
    }

    /// Parses the ids from CoAP Uri-Path option values (RFC 7252 §6.4; one id per option).
    ///
    /// ```
    /// use lwm2m_model::model::Path;
    /// let segs: [&[u8]; 3] = [b"3", b"0", b"9"];
    /// assert_eq!(Path::from_segments(segs)?, Path::resource_path(3, 0, 9));
    /// # Ok::<(), lwm2m_model::model::PathError>(())
    /// ```
    ///
    /// # Errors
    /// As [`FromStr`](core::str::FromStr).
    pub fn from_segments<'s>(segments: impl IntoIterator<Item = &'s [u8]>) -> Result<Self, PathError> {
        let mut p = Self::ROOT;
        for (i, seg) in segments.into_iter().enumerate() {
            if i >= 4 {
                return Err(PathError::TooDeep);
            }
            let id = parse_id(seg).ok_or(PathError::InvalidId(i as u8))?;
            if id == RESERVED_ID {
                return Err(PathError::ReservedId(i as u8));
            }
            if let Some(slot) = p.ids.get_mut(i) {
                *slot = id;
            }
            p.len = i as u8 + 1;
        }
        Ok(p)
    }

    /// Writes the path as Uri-Path segments into `buf` (decimal ids) and returns them, for a
    /// CoAP builder: `"/3/0/9"` gives `["3", "0", "9"]`.
    ///
    /// ```
    /// use lwm2m_model::model::Path;
    /// let mut buf = [0u8; 24];
    /// let segs: Vec<&[u8]> = Path::resource_path(3, 0, 13).segments(&mut buf).collect();
    /// assert_eq!(segs, [&b"3"[..], b"0", b"13"]);
    /// ```
    pub fn segments<'b>(&self, buf: &'b mut [u8; 24]) -> impl Iterator<Item = &'b [u8]> + 'b {
        // Each id takes at most 5 digits; 4 ids fit in 20 bytes. Segment i sits at 6 * i.
        let mut lens = [0usize; 4];
        for (i, &id) in self.ids().iter().enumerate() {
            let chunk = buf.get_mut(6 * i..6 * i + 6).unwrap_or(&mut []);
            let n = write_id(id, chunk);
            if let Some(l) = lens.get_mut(i) {
                *l = n;
            }
        }
        let buf: &'b [u8; 24] = buf;
        (0..self.len()).map(move |i| buf.get(6 * i..6 * i + lens.get(i).copied().unwrap_or(0)).unwrap_or(&[]))
    }
}

/// A decimal id without sign or leading `+` (leading zeros are accepted: "007" is 7).
fn parse_id(s: &[u8]) -> Option<u16> {
    if s.is_empty() || s.len() > 5 {
        return None;
    }
    let mut v: u32 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    u16::try_from(v).ok()
}

/// Writes `id` in decimal into `out` (at least 5 bytes); returns the length.
fn write_id(id: u16, out: &mut [u8]) -> usize {
    let mut digits = [0u8; 5];
    let mut n = 0;
    let mut v = id;
    loop {
        if let Some(d) = digits.get_mut(n) {
            *d = b'0' + (v % 10) as u8;
        }
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for i in 0..n {
        if let (Some(o), Some(&d)) = (out.get_mut(i), digits.get(n - 1 - i)) {
            *o = d;
        }
    }
    n
}

impl core::str::FromStr for Path {
    type Err = PathError;

    /// `/`, `/3`, `/3/0`, `/3/0/7`, `/3/0/7/1` (a trailing `/` is accepted: `/3/0/`).
    fn from_str(s: &str) -> Result<Self, PathError> {
        let rest = s.strip_prefix('/').ok_or(PathError::NotAbsolute)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return Ok(Self::ROOT);
        }
        Self::from_segments(rest.split('/').map(str::as_bytes))
    }
}

/// Paths order by their ids, level by level (`/3/0/7/1` < `/3/0/9` < `/3/1`), a parent before
/// its children: the order of a depth-first walk of the model.
impl Ord for Path {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.ids().cmp(other.ids())
    }
}

impl PartialOrd for Path {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("/");
        }
        for id in self.ids() {
            write!(f, "/{id}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({self})")
    }
}
