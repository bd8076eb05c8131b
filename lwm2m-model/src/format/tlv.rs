//! OMA TLV (LwM2M Core 1.2 §7.4.3): Content-Format 11542, and 1542 as LwM2M 1.0 clients sent it
//! before the IANA registration.
//!
//! A TLV is a type byte (bits 7-6: identifier type; bit 5: 16-bit identifier; bits 4-3: length
//! type; bits 2-0: the length when the length type is 0), a 1- or 2-byte identifier, a 0- to
//! 3-byte big-endian length and the value. Object Instance and Multiple Resource TLVs hold
//! other TLVs; Resource and Resource Instance TLVs hold a value whose type the format does not
//! say, so [`decode`] yields [`Value::Raw`] and [`Value::typed`] (or
//! [`type_records`](crate::model::type_records)) gives each value its resource's type.
//!
//! What a payload may hold depends on the request path:
//!
//! | request | top-level TLVs |
//! |---|---|
//! | `/o` | Object Instances, holding Resources and Multiple Resources |
//! | `/o/i` | Resources and Multiple Resources, or one Object Instance `i` around them |
//! | `/o/i/r` | the Resource `r`, or the Multiple Resource `r` holding Resource Instances |
//! | `/o/i/r/ri` | the Resource Instance `ri` |
//!
//! Decoding validates the whole payload once, then walks it: [`Records`] borrows the payload
//! and holds a fixed-size state (at most an Object Instance and a Multiple Resource open), so
//! nothing is allocated, a declared length is only compared with what is there, and no input
//! panics. Encoding writes the minimal form (see [`encode`]) and computes its exact length
//! first; on any error nothing is written.
//!
//! ```
//! use lwm2m_model::format::tlv;
//! use lwm2m_model::model::{Path, Record, Value};
//! // Read /3/0/7 (Power Source Voltage, multiple): 3800 mV and 5000 mV.
//! let payload = [0x88, 0x07, 0x08, 0x42, 0x00, 0x0E, 0xD8, 0x42, 0x01, 0x13, 0x88];
//! let records: Vec<Record> = tlv::decode(&payload, Path::resource_path(3, 0, 7))?.collect();
//! assert_eq!(records[1].path, Path::resource_instance_path(3, 0, 7, 1));
//! assert_eq!(records[1].value, Value::Raw((&[0x13, 0x88][..]).into()));
//! # Ok::<(), tlv::DecodeError>(())
//! ```
//!
//! Spec: LwM2M Core 1.2 §7.4.3; OMA-TS-LightweightM2M-V1_0 §6.4.3 (the same format).

use crate::model::{Bytes, Path, Record, Value, RESERVED_ID};

/// The registered Content-Format number (`application/vnd.oma.lwm2m+tlv`).
///
/// ```
/// assert_eq!(lwm2m_model::format::tlv::CONTENT_FORMAT, 11542);
/// ```
pub const CONTENT_FORMAT: u16 = 11542;

/// The number LwM2M 1.0 clients used before the IANA registration; decode it the same way.
///
/// ```
/// assert_eq!(lwm2m_model::format::tlv::CONTENT_FORMAT_LEGACY, 1542);
/// ```
pub const CONTENT_FORMAT_LEGACY: u16 = 1542;

/// The largest length a TLV can declare (a 24-bit length field).
const MAX_LEN: usize = 0xFF_FFFF;

/// A rule of the TLV format that a payload breaks.
///
/// ```
/// use lwm2m_model::format::tlv::{self, TlvError};
/// use lwm2m_model::model::Path;
/// let err = tlv::decode(&[0xC8, 0x00, 0xC8], Path::instance_path(3, 0)).unwrap_err();
/// assert_eq!((err.kind, err.offset), (TlvError::LengthPastEnd, 0));
/// assert_eq!(err.kind.rule(), "LwM2M Core 1.2 §7.4.3");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum TlvError {
    /// The type byte announces an identifier or length field that runs past the end of the
    /// payload or of the enclosing TLV.
    #[error("identifier or length field past the end")]
    TruncatedHeader,
    /// The declared value length runs past the end of the payload or of the enclosing TLV.
    #[error("declared length past the end")]
    LengthPastEnd,
    /// The identifier 65535, reserved at every level (LwM2M Core 1.2 §7.1).
    #[error("identifier 65535 is reserved")]
    ReservedId,
    /// A Resource Instance TLV that is not inside a Multiple Resource TLV (only a request on a
    /// resource instance may have one at the top level).
    #[error("resource instance outside a multiple resource")]
    ResourceInstanceOutsideMultiple,
    /// An Object Instance TLV inside another TLV, or at the top level of a request on a
    /// resource or resource instance.
    #[error("object instance out of place")]
    ObjectInstanceOutOfPlace,
    /// A Resource or Multiple Resource TLV at the top level of a request on an object (it needs
    /// an Object Instance around it) or on a resource instance.
    #[error("resource out of place")]
    ResourceOutOfPlace,
    /// A TLV other than a Resource Instance inside a Multiple Resource: deeper than the object
    /// model goes.
    #[error("nesting deeper than the object model")]
    TooDeep,
    /// A top-level TLV that names the requested node itself (an Object Instance on `/o/i`, a
    /// Resource on `/o/i/r`, a Resource Instance on `/o/i/r/ri`) with another id.
    #[error("identifier {found} is not the requested {expected}")]
    IdMismatch {
        /// The last id of the request path.
        expected: u16,
        /// The TLV's identifier.
        found: u16,
    },
    /// A request on the root: TLV cannot say which object a value belongs to.
    #[error("a TLV payload needs an object in the request path")]
    RootPath,
}

impl TlvError {
    /// The section this error enforces, in the citation format used in docs, comments and tests.
    ///
    /// ```
    /// use lwm2m_model::format::tlv::TlvError;
    /// assert_eq!(TlvError::TooDeep.rule(), "LwM2M Core 1.2 §7.4.3");
    /// assert_eq!(TlvError::ReservedId.rule(), "LwM2M Core 1.2 §7.1");
    /// ```
    pub const fn rule(self) -> &'static str {
        match self {
            Self::ReservedId => "LwM2M Core 1.2 §7.1",
            Self::TruncatedHeader
            | Self::LengthPastEnd
            | Self::ResourceInstanceOutsideMultiple
            | Self::ObjectInstanceOutOfPlace
            | Self::ResourceOutOfPlace
            | Self::TooDeep
            | Self::IdMismatch { .. }
            | Self::RootPath => "LwM2M Core 1.2 §7.4.3",
        }
    }
}

/// A payload that is not valid TLV for its request path: the rule it breaks and the offset of
/// the type byte of the TLV that breaks it. A server answers such a Write with 4.00 Bad Request.
///
/// ```
/// use lwm2m_model::format::tlv::{self, TlvError};
/// use lwm2m_model::model::Path;
/// // A Resource Instance (0x41) directly inside an Object Instance.
/// let err = tlv::decode(&[0x03, 0x00, 0x41, 0x00, 0x01], Path::object_path(3)).unwrap_err();
/// assert_eq!((err.kind, err.offset), (TlvError::ResourceInstanceOutsideMultiple, 2));
/// assert_eq!(err.to_string(), "LwM2M Core 1.2 §7.4.3: resource instance outside a multiple resource (at byte 2)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{}: {kind} (at byte {offset})", kind.rule())]
pub struct DecodeError {
    /// What is wrong.
    pub kind: TlvError,
    /// Offset from the first byte of the payload.
    pub offset: usize,
}

/// Records that cannot be written as TLV. Nothing was written.
///
/// ```
/// use lwm2m_model::format::tlv::{self, EncodeError};
/// use lwm2m_model::model::{Path, Record, Value};
/// let records = [Record { path: Path::resource_path(3, 0, 9), value: Value::Integer(100) }];
/// let mut small = [0u8; 2];
/// assert_eq!(tlv::encode(Path::instance_path(3, 0), &records, &mut small), Err(EncodeError::BufferTooSmall { required: 3 }));
/// assert_eq!(tlv::encode(Path::instance_path(4, 0), &records, &mut small), Err(EncodeError::NotUnderRequest { index: 0 }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is too small; `required` is the length of the whole payload.
    #[error("output buffer too small: {required} bytes required")]
    BufferTooSmall {
        /// Bytes the payload needs.
        required: usize,
    },
    /// The request path is the root (LwM2M Core 1.2 §7.4.3).
    #[error("LwM2M Core 1.2 §7.4.3: a TLV payload needs an object in the request path")]
    RootPath,
    /// A record whose path is not the request path or below it.
    #[error("record {index} is not under the request path")]
    NotUnderRequest {
        /// The record's index.
        index: usize,
    },
    /// A record above a resource (`/o` or `/o/i`): only resources and resource instances have
    /// values (LwM2M Core 1.2 §7.4.3).
    #[error("LwM2M Core 1.2 §7.4.3: record {index} is not a resource or resource instance")]
    NotAResource {
        /// The record's index.
        index: usize,
    },
    /// A value, or an Object Instance or Multiple Resource starting at this record, longer than
    /// a 24-bit length field holds (16,777,215 bytes; LwM2M Core 1.2 §7.4.3).
    #[error("LwM2M Core 1.2 §7.4.3: TLV at record {index} is longer than 16777215 bytes")]
    TooLong {
        /// The index of the record (the first of its group).
        index: usize,
    },
}

// ---------------------------------------------------------------------------------------------
// Decoding.

/// The identifier type, bits 7-6 of the type byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ObjectInstance,
    ResourceInstance,
    MultipleResource,
    Resource,
}

impl Kind {
    const fn bits(self) -> u8 {
        match self {
            Self::ObjectInstance => 0x00,
            Self::ResourceInstance => 0x40,
            Self::MultipleResource => 0x80,
            Self::Resource => 0xC0,
        }
    }
}

/// One TLV header: its kind, identifier, and where its value starts and ends.
struct Header {
    kind: Kind,
    id: u16,
    value: usize,
    end: usize,
}

/// Reads the header at `pos`; the TLV must end by `limit` (the end of its parent).
fn header(buf: &[u8], pos: usize, limit: usize) -> Result<Header, DecodeError> {
    let err = |kind| DecodeError { kind, offset: pos };
    let window = buf.get(pos..limit).ok_or(err(TlvError::TruncatedHeader))?;
    let (&t, rest) = window.split_first().ok_or(err(TlvError::TruncatedHeader))?;
    let kind = match t >> 6 {
        0 => Kind::ObjectInstance,
        1 => Kind::ResourceInstance,
        2 => Kind::MultipleResource,
        _ => Kind::Resource,
    };
    let id_len = if t & 0x20 != 0 { 2 } else { 1 };
    let len_len = usize::from((t >> 3) & 0x03);
    let (id_bytes, rest) = rest.split_at_checked(id_len).ok_or(err(TlvError::TruncatedHeader))?;
    let id = id_bytes.iter().fold(0u16, |a, &b| (a << 8) | u16::from(b));
    if id == RESERVED_ID {
        return Err(err(TlvError::ReservedId));
    }
    // Length type 0: the length is in bits 2-0. Otherwise bits 2-0 are ignored (the TS gives
    // them no meaning then; Wakaama and Leshan ignore them too).
    let len = if len_len == 0 {
        usize::from(t & 0x07)
    } else {
        let (len_bytes, _) = rest.split_at_checked(len_len).ok_or(err(TlvError::TruncatedHeader))?;
        len_bytes.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b))
    };
    let value = pos + 1 + id_len + len_len;
    // LwM2M Core 1.2 §7.4.3: a TLV lies within its parent; compared, never allocated.
    let end = value.checked_add(len).filter(|&e| e <= limit).ok_or(err(TlvError::LengthPastEnd))?;
    Ok(Header { kind, id, value, end })
}

/// An open container TLV: the path it stands for and where it ends.
#[derive(Debug, Clone, Copy)]
struct Frame {
    path: Path,
    end: usize,
}

/// Decodes a TLV payload sent for (or in answer to) a request on `request`: checks all of it,
/// then returns the records, one per Resource and Resource Instance TLV, in payload order, with
/// absolute paths and [`Value::Raw`] values borrowed from `payload`.
///
/// Lenient where the format is redundant: identifiers and lengths need not be minimal, and an
/// empty Object Instance or Multiple Resource yields no record.
///
/// ```
/// use lwm2m_model::format::tlv;
/// use lwm2m_model::model::{registry, type_records, Path, Record, Value};
/// // Read /3/0/9 (Battery Level) answered with a Resource TLV.
/// let mut records: Vec<Record> = tlv::decode(&[0xC1, 0x09, 0x64], Path::resource_path(3, 0, 9))?.collect();
/// type_records(registry::CORE, &mut records).unwrap();
/// assert_eq!(records, [Record { path: Path::resource_path(3, 0, 9), value: Value::Integer(100) }]);
/// // An empty payload has no records.
/// assert_eq!(tlv::decode(&[], Path::object_path(3))?.count(), 0);
/// # Ok::<(), tlv::DecodeError>(())
/// ```
///
/// # Errors
/// A [`DecodeError`] with any [`TlvError`], at the type byte of the offending TLV (offset 0
/// for [`TlvError::RootPath`]).
pub fn decode(payload: &[u8], request: Path) -> Result<Records<'_>, DecodeError> {
    if request.is_empty() {
        return Err(DecodeError { kind: TlvError::RootPath, offset: 0 });
    }
    let records = Records { buf: payload, request, pos: 0, instance: None, multiple: None };
    let mut check = records.clone();
    while check.step()?.is_some() {}
    Ok(records)
}

/// The records of a checked TLV payload ([`decode`]), in order; cannot fail.
///
/// ```
/// use lwm2m_model::format::tlv;
/// use lwm2m_model::model::Path;
/// // Read /3/0: Battery Level 100, then Error Code [0].
/// let payload = [0xC1, 0x09, 0x64, 0x83, 0x0B, 0x41, 0x00, 0x00];
/// let paths: Vec<String> = tlv::decode(&payload, Path::instance_path(3, 0))?.map(|r| r.path.to_string()).collect();
/// assert_eq!(paths, ["/3/0/9", "/3/0/11/0"]);
/// # Ok::<(), tlv::DecodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Records<'a> {
    buf: &'a [u8],
    request: Path,
    pos: usize,
    instance: Option<Frame>,
    multiple: Option<Frame>,
}

impl<'a> Records<'a> {
    /// The request path the payload was decoded for.
    ///
    /// ```
    /// use lwm2m_model::format::tlv;
    /// use lwm2m_model::model::Path;
    /// assert_eq!(tlv::decode(&[], Path::object_path(3))?.request(), Path::object_path(3));
    /// # Ok::<(), tlv::DecodeError>(())
    /// ```
    pub const fn request(&self) -> Path {
        self.request
    }

    /// The next record, or the rule the payload breaks there.
    fn step(&mut self) -> Result<Option<Record<'a>>, DecodeError> {
        loop {
            if self.multiple.is_some_and(|f| self.pos >= f.end) {
                self.multiple = None;
                continue;
            }
            if self.instance.is_some_and(|f| self.pos >= f.end) {
                self.instance = None;
                continue;
            }
            if self.pos >= self.buf.len() {
                return Ok(None);
            }
            let parent = self.multiple.or(self.instance);
            let at = self.pos;
            let h = header(self.buf, at, parent.map_or(self.buf.len(), |f| f.end))?;
            let err = |kind| DecodeError { kind, offset: at };
            let top = parent.is_none();
            let req = self.request;
            // The TLV is the requested node itself: its id is the request's last id.
            let itself = |target_len: usize| -> Result<Option<Path>, DecodeError> {
                if !(top && req.len() == target_len) {
                    return Ok(None);
                }
                match req.ids().last() {
                    Some(&expected) if expected != h.id => Err(err(TlvError::IdMismatch { expected, found: h.id })),
                    _ => Ok(Some(req)),
                }
            };
            let child = |of: Path| of.child(h.id).map_err(|_| err(TlvError::TooDeep));
            let path = match (h.kind, self.multiple, self.instance) {
                // LwM2M Core 1.2 §7.4.3: a Multiple Resource holds Resource Instances only.
                (Kind::ResourceInstance, Some(m), _) => child(m.path)?,
                (_, Some(_), _) => return Err(err(TlvError::TooDeep)),
                (Kind::ResourceInstance, None, _) => {
                    itself(4)?.ok_or(err(TlvError::ResourceInstanceOutsideMultiple))?
                }
                (Kind::ObjectInstance, None, None) if req.len() == 1 => child(req)?,
                (Kind::ObjectInstance, None, _) => itself(2)?.ok_or(err(TlvError::ObjectInstanceOutOfPlace))?,
                (Kind::Resource | Kind::MultipleResource, None, Some(i)) => child(i.path)?,
                (Kind::Resource | Kind::MultipleResource, None, None) if req.len() == 2 => child(req)?,
                (Kind::Resource | Kind::MultipleResource, None, None) => {
                    itself(3)?.ok_or(err(TlvError::ResourceOutOfPlace))?
                }
            };
            match h.kind {
                Kind::ObjectInstance => {
                    self.instance = Some(Frame { path, end: h.end });
                    self.pos = h.value;
                }
                Kind::MultipleResource => {
                    self.multiple = Some(Frame { path, end: h.end });
                    self.pos = h.value;
                }
                Kind::Resource | Kind::ResourceInstance => {
                    self.pos = h.end;
                    let value = self.buf.get(h.value..h.end).unwrap_or_default();
                    return Ok(Some(Record { path, value: Value::Raw(Bytes::Borrowed(value)) }));
                }
            }
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        match self.step() {
            Ok(r) => r,
            Err(_) => {
                // Unreachable on a checked payload; end the walk if it somehow happens.
                self.pos = self.buf.len();
                self.instance = None;
                self.multiple = None;
                None
            }
        }
    }
}

impl core::iter::FusedIterator for Records<'_> {}

// ---------------------------------------------------------------------------------------------
// Encoding.

/// Bytes of the identifier field.
const fn id_len(id: u16) -> usize {
    if id > 0xFF {
        2
    } else {
        1
    }
}

/// Bytes of the length field, or `None` past 24 bits.
const fn len_field(len: usize) -> Option<usize> {
    match len {
        0..=7 => Some(0),
        8..=0xFF => Some(1),
        0x100..=0xFFFF => Some(2),
        0x1_0000..=MAX_LEN => Some(3),
        _ => None,
    }
}

/// The whole TLV's length for a value of `len` bytes.
fn tlv_len(id: u16, len: usize, index: usize) -> Result<usize, EncodeError> {
    let field = len_field(len).ok_or(EncodeError::TooLong { index })?;
    Ok(1 + id_len(id) + field + len)
}

/// Fewest of 1, 2, 4 or 8 bytes holding `i` in two's complement.
fn int_len(i: i64) -> usize {
    if i8::try_from(i).is_ok() {
        1
    } else if i16::try_from(i).is_ok() {
        2
    } else if i32::try_from(i).is_ok() {
        4
    } else {
        8
    }
}

/// Fewest of 1, 2, 4 or 8 bytes holding `u` unsigned.
fn uint_len(u: u64) -> usize {
    if u <= 0xFF {
        1
    } else if u <= 0xFFFF {
        2
    } else if u <= 0xFFFF_FFFF {
        4
    } else {
        8
    }
}

/// Whether a float goes in 4 bytes: it is exactly an `f32` (NaN keeps its 8 bytes).
fn float_fits_f32(f: f64) -> bool {
    f64::from(f as f32) == f
}

/// The length of a value in TLV binary (LwM2M Core 1.2 §7.4.3, Appendix C).
fn value_len(v: &Value<'_>) -> usize {
    match v {
        Value::String(s) | Value::Corelnk(s) => s.len(),
        Value::Opaque(b) | Value::Raw(b) => b.len(),
        Value::Integer(i) | Value::Time(i) => int_len(*i),
        Value::UnsignedInteger(u) => uint_len(*u),
        Value::Float(f) if float_fits_f32(*f) => 4,
        Value::Float(_) => 8,
        Value::Boolean(_) => 1,
        Value::Objlnk(_) => 4,
        Value::None => 0,
    }
}

/// Where a record sits below the request: the ids that name its TLVs.
fn rid(r: &Record<'_>) -> u16 {
    r.path.resource().unwrap_or(0)
}

/// The number of records from the start of `records` that share the first one's id at `level`
/// (and, for resource instances, are resource instances).
fn group_len(records: &[Record<'_>], level: usize) -> usize {
    let Some(first) = records.first() else { return 0 };
    let key = first.path.ids().get(level).copied();
    let multi = first.path.len() == 4;
    records
        .iter()
        .take_while(|r| r.path.ids().get(level).copied() == key && (level == 1 || (multi && r.path.len() == 4)))
        .count()
}

/// Resource and Multiple Resource TLVs for `records` (all under one instance, or one resource).
/// `base` is the index of `records[0]` among all records (for errors).
fn resources_len(records: &[Record<'_>], base: usize) -> Result<usize, EncodeError> {
    let mut total = 0usize;
    let mut i = 0;
    while let Some(r) = records.get(i) {
        if r.path.len() == 3 {
            total += tlv_len(rid(r), value_len(&r.value), base + i)?;
            i += 1;
        } else {
            let n = group_len(records.get(i..).unwrap_or_default(), 2);
            let content = instances_len(records.get(i..i + n).unwrap_or_default(), base + i)?;
            total += tlv_len(rid(r), content, base + i)?;
            i += n.max(1);
        }
    }
    Ok(total)
}

/// Resource Instance TLVs for `records`.
fn instances_len(records: &[Record<'_>], base: usize) -> Result<usize, EncodeError> {
    let mut total = 0usize;
    for (k, r) in records.iter().enumerate() {
        total += tlv_len(r.path.resource_instance().unwrap_or(0), value_len(&r.value), base + k)?;
    }
    Ok(total)
}

/// The length of the minimal TLV payload for `records` under `request`; see [`encode`].
///
/// ```
/// use lwm2m_model::format::tlv;
/// use lwm2m_model::model::{Path, Record, Value};
/// let records = [
///     Record { path: Path::resource_instance_path(3, 0, 11, 0), value: Value::Integer(0) },
///     Record { path: Path::resource_path(3, 0, 9), value: Value::Integer(100) },
/// ];
/// assert_eq!(tlv::encoded_len(Path::instance_path(3, 0), &records)?, 5 + 3);
/// assert_eq!(tlv::encoded_len(Path::object_path(3), &records)?, 3 + 8);
/// # Ok::<(), tlv::EncodeError>(())
/// ```
///
/// # Errors
/// As [`encode`], except [`EncodeError::BufferTooSmall`].
pub fn encoded_len(request: Path, records: &[Record<'_>]) -> Result<usize, EncodeError> {
    if request.is_empty() {
        return Err(EncodeError::RootPath);
    }
    for (index, r) in records.iter().enumerate() {
        if !r.path.starts_with(&request) {
            return Err(EncodeError::NotUnderRequest { index });
        }
        if r.path.len() < 3 {
            return Err(EncodeError::NotAResource { index });
        }
    }
    match request.len() {
        1 => {
            let mut total = 0usize;
            let mut i = 0;
            while let Some(r) = records.get(i) {
                let n = group_len(records.get(i..).unwrap_or_default(), 1);
                let content = resources_len(records.get(i..i + n).unwrap_or_default(), i)?;
                total += tlv_len(r.path.instance().unwrap_or(0), content, i)?;
                i += n.max(1);
            }
            Ok(total)
        }
        2 | 3 => resources_len(records, 0),
        _ => instances_len(records, 0),
    }
}

/// A cursor over the output; callers check the length first, so writes always fit.
struct Out<'o> {
    buf: &'o mut [u8],
    pos: usize,
}

impl Out<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.pos..self.pos + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self.pos += bytes.len();
    }

    fn header(&mut self, kind: Kind, id: u16, len: usize) {
        let wide = id > 0xFF;
        let field = len_field(len).unwrap_or(3);
        let t =
            kind.bits() | if wide { 0x20 } else { 0 } | ((field as u8) << 3) | if field == 0 { len as u8 } else { 0 };
        self.put(&[t]);
        let id_bytes = id.to_be_bytes();
        self.put(if wide { &id_bytes } else { id_bytes.get(1..).unwrap_or_default() });
        let len_bytes = (len as u32).to_be_bytes();
        self.put(len_bytes.get(4 - field..).unwrap_or_default());
    }

    fn value(&mut self, v: &Value<'_>) {
        match v {
            Value::String(s) | Value::Corelnk(s) => self.put(s.as_bytes()),
            Value::Opaque(b) | Value::Raw(b) => self.put(b),
            Value::Integer(i) | Value::Time(i) => {
                self.put(i.to_be_bytes().get(8 - int_len(*i)..).unwrap_or_default());
            }
            Value::UnsignedInteger(u) => self.put(u.to_be_bytes().get(8 - uint_len(*u)..).unwrap_or_default()),
            Value::Float(f) if float_fits_f32(*f) => self.put(&(*f as f32).to_be_bytes()),
            Value::Float(f) => self.put(&f.to_be_bytes()),
            Value::Boolean(b) => self.put(&[u8::from(*b)]),
            Value::Objlnk(l) => {
                self.put(&l.object.to_be_bytes());
                self.put(&l.instance.to_be_bytes());
            }
            Value::None => {}
        }
    }

    fn resources(&mut self, records: &[Record<'_>]) {
        let mut i = 0;
        while let Some(r) = records.get(i) {
            if r.path.len() == 3 {
                self.header(Kind::Resource, rid(r), value_len(&r.value));
                self.value(&r.value);
                i += 1;
            } else {
                let n = group_len(records.get(i..).unwrap_or_default(), 2);
                let group = records.get(i..i + n).unwrap_or_default();
                self.header(Kind::MultipleResource, rid(r), instances_len(group, 0).unwrap_or(0));
                self.instances(group);
                i += n.max(1);
            }
        }
    }

    fn instances(&mut self, records: &[Record<'_>]) {
        for r in records {
            self.header(Kind::ResourceInstance, r.path.resource_instance().unwrap_or(0), value_len(&r.value));
            self.value(&r.value);
        }
    }
}

/// Writes `records` (all under `request`) as the minimal TLV payload for a request on
/// `request`, and returns its length.
///
/// The layout follows the request path (see the module table): on `/o`, records are grouped
/// into Object Instance TLVs (consecutive records of one instance share one); on `/o/i` and
/// `/o/i/r` they are Resource TLVs, and consecutive resource instances of one resource share a
/// Multiple Resource TLV; on `/o/i/r/ri`, a Resource Instance TLV. Every identifier is 8-bit
/// when below 256, every length sits in the type byte when below 8 and otherwise in the fewest
/// bytes.
///
/// Values are written in TLV binary (LwM2M Core 1.2 §7.4.3, Appendix C): Integer and Time in
/// the fewest of 1, 2, 4 or 8 bytes of two's complement; Unsigned Integer in the fewest of 1,
/// 2, 4 or 8 bytes that hold it unsigned (so 200 is the one byte `C8`, which a reader of an
/// Unsigned Integer resource reads back as 200; a reader that wrongly took it as a signed
/// Integer would not); Float in 4 bytes when the `f64` is exactly an `f32`, else 8; Boolean in
/// one byte; Objlnk in 4 (object id, instance id); String and Corelnk as UTF-8; Opaque and
/// [`Value::Raw`] as they are; [`Value::None`] empty.
///
/// ```
/// use lwm2m_model::format::tlv;
/// use lwm2m_model::model::{Path, Record, Value};
/// let records = [
///     Record { path: Path::resource_instance_path(3, 0, 7, 0), value: Value::Integer(3800) },
///     Record { path: Path::resource_instance_path(3, 0, 7, 1), value: Value::Integer(5000) },
/// ];
/// let mut buf = [0u8; 16];
/// let n = tlv::encode(Path::instance_path(3, 0), &records, &mut buf)?;
/// assert_eq!(buf[..n], [0x88, 0x07, 0x08, 0x42, 0x00, 0x0E, 0xD8, 0x42, 0x01, 0x13, 0x88]);
/// # Ok::<(), tlv::EncodeError>(())
/// ```
///
/// # Errors
/// [`EncodeError::RootPath`], [`EncodeError::NotUnderRequest`], [`EncodeError::NotAResource`],
/// [`EncodeError::TooLong`], [`EncodeError::BufferTooSmall`].
pub fn encode(request: Path, records: &[Record<'_>], out: &mut [u8]) -> Result<usize, EncodeError> {
    let need = encoded_len(request, records)?;
    if out.len() < need {
        return Err(EncodeError::BufferTooSmall { required: need });
    }
    let mut w = Out { buf: out, pos: 0 };
    match request.len() {
        1 => {
            let mut i = 0;
            while let Some(r) = records.get(i) {
                let n = group_len(records.get(i..).unwrap_or_default(), 1);
                let group = records.get(i..i + n).unwrap_or_default();
                w.header(Kind::ObjectInstance, r.path.instance().unwrap_or(0), resources_len(group, i).unwrap_or(0));
                w.resources(group);
                i += n.max(1);
            }
        }
        2 | 3 => w.resources(records),
        _ => w.instances(records),
    }
    Ok(w.pos)
}
