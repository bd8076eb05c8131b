//! Opaque (LwM2M Core 1.2 §7.4.2; Content-Format 42, `application/octet-stream`): the payload is
//! the value of one Opaque resource or resource instance, byte for byte (a firmware image, a
//! certificate). Nothing is copied or allocated.
//!
//! ```
//! use lwm2m_model::format::opaque;
//! use lwm2m_model::model::{Path, Value};
//! let rec = opaque::decode(&[0xDE, 0xAD], Path::resource_path(5, 0, 0))?;
//! assert_eq!(rec.value, Value::Opaque((&[0xDE, 0xAD][..]).into()));
//! let mut buf = [0u8; 2];
//! assert_eq!(opaque::encode(&rec.value, &mut buf), Ok(2));
//! # Ok::<(), opaque::DecodeError>(())
//! ```
//!
//! Spec: LwM2M Core 1.2 §7.4.2.

use crate::model::{Bytes, DataType, Path, Record, Value};

/// The Content-Format number of opaque data.
///
/// ```
/// assert_eq!(lwm2m_model::format::opaque::CONTENT_FORMAT, 42);
/// ```
pub const CONTENT_FORMAT: u16 = 42;

/// An opaque payload for a path that cannot hold one: the path is above a resource (LwM2M Core
/// 1.2 §7.4.2: opaque carries one resource or resource instance). The offset is always 0.
///
/// ```
/// use lwm2m_model::format::opaque;
/// use lwm2m_model::model::Path;
/// let err = opaque::decode(b"x", Path::instance_path(5, 0)).unwrap_err();
/// assert_eq!(err.offset, 0);
/// assert_eq!(err.to_string(), "LwM2M Core 1.2 §7.4.2: opaque carries the value of a resource or resource instance (at byte 0)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("LwM2M Core 1.2 §7.4.2: opaque carries the value of a resource or resource instance (at byte {offset})")]
pub struct DecodeError {
    /// Offset from the first byte of the payload (0).
    pub offset: usize,
}

impl DecodeError {
    /// The section this error enforces.
    ///
    /// ```
    /// use lwm2m_model::format::opaque::DecodeError;
    /// assert_eq!(DecodeError { offset: 0 }.rule(), "LwM2M Core 1.2 §7.4.2");
    /// ```
    pub const fn rule(self) -> &'static str {
        "LwM2M Core 1.2 §7.4.2"
    }
}

/// A value that cannot be written as opaque. Nothing was written.
///
/// ```
/// use lwm2m_model::format::opaque::{self, EncodeError};
/// use lwm2m_model::model::{DataType, Value};
/// let mut buf = [0u8; 8];
/// assert_eq!(opaque::encode(&Value::Integer(1), &mut buf), Err(EncodeError::NotOpaque(Some(DataType::Integer))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is too small; `required` is the value's length.
    #[error("output buffer too small: {required} bytes required")]
    BufferTooSmall {
        /// Bytes the value needs.
        required: usize,
    },
    /// A value that is not Opaque (`None`: a [`Value::Raw`] without a type); other types have
    /// text and TLV forms (LwM2M Core 1.2 §7.4.2).
    #[error("LwM2M Core 1.2 §7.4.2: only an Opaque value travels as opaque, not {0:?}")]
    NotOpaque(Option<DataType>),
}

/// Decodes the opaque payload of a request on, or a response about, `path` (a resource or
/// resource instance): the whole payload is the value.
///
/// ```
/// use lwm2m_model::format::opaque;
/// use lwm2m_model::model::{Path, Value};
/// let rec = opaque::decode(&[], Path::resource_instance_path(5, 0, 0, 1))?;
/// assert_eq!(rec.value, Value::Opaque((&[][..]).into()));
/// # Ok::<(), opaque::DecodeError>(())
/// ```
///
/// # Errors
/// [`DecodeError`] for a path above a resource.
pub fn decode(payload: &[u8], path: Path) -> Result<Record<'_>, DecodeError> {
    if path.len() < 3 {
        return Err(DecodeError { offset: 0 });
    }
    Ok(Record { path, value: Value::Opaque(Bytes::Borrowed(payload)) })
}

/// The length of `value` as opaque: its byte length.
///
/// ```
/// use lwm2m_model::format::opaque;
/// use lwm2m_model::model::Value;
/// assert_eq!(opaque::encoded_len(&Value::Opaque((&[1, 2, 3][..]).into())), Ok(3));
/// ```
///
/// # Errors
/// [`EncodeError::NotOpaque`].
pub fn encoded_len(value: &Value<'_>) -> Result<usize, EncodeError> {
    match value {
        Value::Opaque(b) => Ok(b.len()),
        v => Err(EncodeError::NotOpaque(v.data_type())),
    }
}

/// Writes an Opaque `value` (a [`Record`]'s value) as it is, and returns its length.
///
/// ```
/// use lwm2m_model::format::opaque::{self, EncodeError};
/// use lwm2m_model::model::Value;
/// let v = Value::Opaque((&[1, 2, 3][..]).into());
/// let mut buf = [0u8; 4];
/// assert_eq!(opaque::encode(&v, &mut buf), Ok(3));
/// assert_eq!(opaque::encode(&v, &mut buf[..2]), Err(EncodeError::BufferTooSmall { required: 3 }));
/// ```
///
/// # Errors
/// [`EncodeError::NotOpaque`], [`EncodeError::BufferTooSmall`].
pub fn encode(value: &Value<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
    let need = encoded_len(value)?;
    let dst = out.get_mut(..need).ok_or(EncodeError::BufferTooSmall { required: need })?;
    if let Value::Opaque(b) = value {
        dst.copy_from_slice(b);
    }
    Ok(need)
}
