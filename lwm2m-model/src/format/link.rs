//! CoRE link format for LwM2M (Content-Format 40): the Register and Update payloads (the
//! objects and instances a client has, LwM2M Core 1.2 §6.2), Discover and Bootstrap-Discover
//! responses (paths with their attributes, §5.1.2, §6.3, §6.4), and the 1.1 root link
//! `</>;rt="oma.lwm2m";ct=...`.
//!
//! Decoding is [`coap_codec::link_format::LinkFormat`]'s checked view (RFC 6690 §2) plus the
//! LwM2M rules: every target is an LwM2M path (§7.1; below the alternate path when the
//! `rt="oma.lwm2m"` link names one, as LwM2M 1.0 clients may), and the LwM2M attributes have
//! values of their type. Then [`LinkDocument::entries`] yields each link with its path and
//! typed attributes, borrowing the payload: nothing is copied or allocated.
//! [`encode`] writes entries with [`LinkWriter`](coap_codec::link_format::LinkWriter).
//!
//! | attribute | type | field |
//! |---|---|---|
//! | `pmin`, `pmax`, `epmin`, `epmax` | seconds, 0 to 2^32-1 | [`LinkAttributes::pmin`] ... |
//! | `gt`, `lt`, `st` | decimal number | [`LinkAttributes::gt`] ... |
//! | `dim` | number of resource instances, 0-255 | [`LinkAttributes::dim`] |
//! | `ssid` | Short Server ID, 1-65534 | [`LinkAttributes::ssid`] |
//! | `uri` | a server URI (Bootstrap-Discover) | [`LinkAttributes::uri`] |
//! | `ver`, `lwm2m` | `major.minor` (object version; enabler version) | [`LinkAttributes::ver`], [`LinkAttributes::lwm2m`] |
//! | `ct`, `rt` | Content-Formats; resource types | [`Entry::ct`], [`Entry::rt`] |
//!
//! ```
//! use lwm2m_model::format::link::LinkDocument;
//! use lwm2m_model::model::Path;
//! let doc = LinkDocument::decode(br#"</>;rt="oma.lwm2m";ct=11543,</1/0>,</3>;ver=1.1,</3/0>"#)?;
//! let paths: Vec<Path> = doc.entries().map(|e| e.path).collect();
//! assert_eq!(paths, [Path::ROOT, Path::instance_path(1, 0), Path::object_path(3), Path::instance_path(3, 0)]);
//! let root = doc.entries().next().unwrap();
//! assert!(root.is_lwm2m_root());
//! assert_eq!(root.ct().collect::<Vec<_>>(), [11543]);
//! assert_eq!(doc.entries().nth(2).unwrap().attributes.ver.unwrap().to_string(), "1.1");
//! # Ok::<(), lwm2m_model::format::link::DecodeError>(())
//! ```
//!
//! Spec: LwM2M Core 1.2 §5.1.2 (attributes), §6.2 (Register), §7.1 (paths) (subsection numbers
//! as the workspace's SPEC-NOTES give them); RFC 6690 §2.

use core::fmt;

use coap_codec::link_format::{AttrValue, Link, LinkFormat, LinkFormatError};

use crate::model::{DataType, Path, PathError, Value};

mod encode;

pub use encode::{encode, encoded_len, LinkEntry, Root};

/// The Content-Format number of `application/link-format`.
///
/// ```
/// assert_eq!(lwm2m_model::format::link::CONTENT_FORMAT, 40);
/// ```
pub const CONTENT_FORMAT: u16 = 40;

/// The `rt` value of the link that stands for the LwM2M root (LwM2M Core 1.2 §6.2.1).
const RT_LWM2M: &str = "oma.lwm2m";

/// The longest alternate path [`encode`] accepts, in bytes.
///
/// ```
/// assert_eq!(lwm2m_model::format::link::MAX_ALTERNATE_PATH, 100);
/// ```
pub const MAX_ALTERNATE_PATH: usize = 100;

/// The most Content-Formats [`encode`] writes in the root link's `ct` list.
///
/// ```
/// assert_eq!(lwm2m_model::format::link::MAX_CT, 40);
/// ```
pub const MAX_CT: usize = 40;

/// A version `major.minor`: an object's (`ver`) or the enabler's (`lwm2m`).
///
/// ```
/// use lwm2m_model::format::link::Version;
/// assert_eq!(Version::parse("1.2"), Some(Version { major: 1, minor: 2 }));
/// assert_eq!(Version { major: 1, minor: 0 }.to_string(), "1.0");
/// assert_eq!(Version::parse("1"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    /// The major version.
    pub major: u8,
    /// The minor version.
    pub minor: u8,
}

impl Version {
    /// Parses `digits.digits`, each 0-255.
    ///
    /// ```
    /// use lwm2m_model::format::link::Version;
    /// assert_eq!(Version::parse("1.10").map(|v| v.minor), Some(10));
    /// assert_eq!(Version::parse("1.x"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        let (major, minor) = s.split_once('.')?;
        Some(Self { major: small_uint(major)?, minor: small_uint(minor)? })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Decimal digits only (no sign, at least one), as `T`.
fn small_uint<T: core::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// An LwM2M attribute, named in errors.
///
/// ```
/// use lwm2m_model::format::link::Attribute;
/// assert_eq!(Attribute::Pmin.name(), "pmin");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Attribute {
    /// `pmin`, minimum period.
    Pmin,
    /// `pmax`, maximum period.
    Pmax,
    /// `gt`, greater-than threshold.
    Gt,
    /// `lt`, less-than threshold.
    Lt,
    /// `st`, step.
    St,
    /// `epmin`, minimum evaluation period.
    Epmin,
    /// `epmax`, maximum evaluation period.
    Epmax,
    /// `dim`, the number of resource instances.
    Dim,
    /// `ssid`, Short Server ID.
    Ssid,
    /// `uri`, a server URI.
    Uri,
    /// `ver`, object version.
    Ver,
    /// `lwm2m`, enabler version.
    Lwm2m,
}

impl Attribute {
    const ALL: [Self; 12] = [
        Self::Pmin,
        Self::Pmax,
        Self::Gt,
        Self::Lt,
        Self::St,
        Self::Epmin,
        Self::Epmax,
        Self::Dim,
        Self::Ssid,
        Self::Uri,
        Self::Ver,
        Self::Lwm2m,
    ];

    /// The attribute's name in link format.
    ///
    /// ```
    /// use lwm2m_model::format::link::Attribute;
    /// assert_eq!(Attribute::Epmax.name(), "epmax");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            Self::Pmin => "pmin",
            Self::Pmax => "pmax",
            Self::Gt => "gt",
            Self::Lt => "lt",
            Self::St => "st",
            Self::Epmin => "epmin",
            Self::Epmax => "epmax",
            Self::Dim => "dim",
            Self::Ssid => "ssid",
            Self::Uri => "uri",
            Self::Ver => "ver",
            Self::Lwm2m => "lwm2m",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The LwM2M attributes of one link (the first of each name; absent ones `None`).
///
/// ```
/// use lwm2m_model::format::link::{LinkAttributes, LinkDocument};
/// let doc = LinkDocument::decode(b"</3/0>;pmin=10;pmax=60")?;
/// let a = doc.entries().next().unwrap().attributes;
/// assert_eq!(a, LinkAttributes { pmin: Some(10), pmax: Some(60), ..LinkAttributes::default() });
/// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LinkAttributes<'a> {
    /// `pmin`: minimum period between notifications, in seconds.
    pub pmin: Option<u32>,
    /// `pmax`: maximum period between notifications, in seconds.
    pub pmax: Option<u32>,
    /// `gt`: notify when the value crosses above this.
    pub gt: Option<f64>,
    /// `lt`: notify when the value crosses below this.
    pub lt: Option<f64>,
    /// `st`: notify when the value changes by at least this.
    pub st: Option<f64>,
    /// `epmin`: minimum evaluation period, in seconds.
    pub epmin: Option<u32>,
    /// `epmax`: maximum evaluation period, in seconds.
    pub epmax: Option<u32>,
    /// `dim`: the number of instances of a multiple resource (0-255).
    pub dim: Option<u8>,
    /// `ssid`: a Short Server ID (1-65534).
    pub ssid: Option<u16>,
    /// `uri`: a server URI (Bootstrap-Discover), without its quotes.
    pub uri: Option<&'a str>,
    /// `ver`: the object's version.
    pub ver: Option<Version>,
    /// `lwm2m`: the enabler version (Bootstrap-Discover root link).
    pub lwm2m: Option<Version>,
}

/// A rule that a link-format payload breaks.
///
/// ```
/// use lwm2m_model::format::link::{Attribute, LinkDocument, LinkError};
/// let err = LinkDocument::decode(b"</3/0>,</3/0/11>;dim=256").unwrap_err();
/// assert_eq!(err.kind, LinkError::InvalidAttribute { link: 1, attribute: Attribute::Dim });
/// assert_eq!(err.offset, 7);
/// assert_eq!(err.kind.rule(), "LwM2M Core 1.2 §5.1.2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// Not RFC 6690 link format (or not UTF-8); [`LinkFormatError::rule`] has the citation.
    #[error("{0}")]
    Syntax(LinkFormatError),
    /// A link target that is not an LwM2M path (`/`, `/o`, `/o/i`, `/o/i/r`, `/o/i/r/ri`, ids
    /// 0-65534), after removing the alternate path.
    #[error("link {link}: target is not an LwM2M path: {reason}")]
    InvalidPath {
        /// The link's index in the payload (0-based).
        link: usize,
        /// Why the path was refused.
        reason: PathError,
    },
    /// An LwM2M attribute without a value or with a value not of its type (see the module
    /// table), such as `pmin` alone, `dim=256` or `ssid=0`.
    #[error("link {link}: invalid {attribute}")]
    InvalidAttribute {
        /// The link's index in the payload (0-based).
        link: usize,
        /// The attribute.
        attribute: Attribute,
    },
}

impl LinkError {
    /// The section this error enforces, in the citation format used in docs, comments and tests.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormatError;
    /// use lwm2m_model::format::link::LinkError;
    /// assert_eq!(LinkError::Syntax(LinkFormatError::EmptyLink).rule(), "RFC 6690 §2");
    /// ```
    pub const fn rule(self) -> &'static str {
        match self {
            Self::Syntax(e) => e.rule(),
            Self::InvalidPath { .. } => "LwM2M Core 1.2 §7.1",
            Self::InvalidAttribute { .. } => "LwM2M Core 1.2 §5.1.2",
        }
    }
}

/// A link-format payload LwM2M cannot use: the rule it breaks and the byte offset (for LwM2M
/// rules, the start of the offending link). A server answers such a Register with 4.00.
///
/// ```
/// use lwm2m_model::format::link::LinkDocument;
/// let err = LinkDocument::decode(b"</3/x>").unwrap_err();
/// assert_eq!(err.to_string(), "LwM2M Core 1.2 §7.1: link 0: target is not an LwM2M path: LwM2M Core §7.1: segment 1 is not an id 0-65534 (at byte 0)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}: {kind} (at byte {offset})", kind.rule())]
pub struct DecodeError {
    /// What is wrong.
    pub kind: LinkError,
    /// Offset from the first byte of the payload.
    pub offset: usize,
}

/// Entries that cannot be written. Nothing was written.
///
/// ```
/// use lwm2m_model::format::link::{self, EncodeError, LinkAttributes, LinkEntry};
/// use lwm2m_model::model::Path;
/// let e = [LinkEntry { path: Path::resource_path(3, 0, 7), attributes: LinkAttributes { gt: Some(f64::NAN), ..Default::default() } }];
/// let mut buf = [0u8; 64];
/// assert_eq!(link::encode(None, &e, &mut buf), Err(EncodeError::InvalidAttribute { index: 0, attribute: link::Attribute::Gt }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is too small; `required` is the payload's length.
    #[error("output buffer too small: {required} bytes required")]
    BufferTooSmall {
        /// Bytes the payload needs.
        required: usize,
    },
    /// An attribute the decoder would refuse: a NaN or infinite `gt`/`lt`/`st`, a `uri` with a
    /// character no URI holds, `ssid` 0 or 65535 (LwM2M Core 1.2 §5.1.2).
    #[error("LwM2M Core 1.2 §5.1.2: entry {index}: invalid {attribute}")]
    InvalidAttribute {
        /// The entry's index.
        index: usize,
        /// The attribute.
        attribute: Attribute,
    },
    /// An alternate path that is not a URI path (RFC 3986 §2) or is longer than
    /// [`MAX_ALTERNATE_PATH`].
    #[error("RFC 3986 §2: invalid alternate path")]
    InvalidAlternatePath,
    /// A root `ct` list longer than [`MAX_CT`].
    #[error("more than {MAX_CT} Content-Formats in the root link")]
    TooManyContentFormats,
}

// ---------------------------------------------------------------------------------------------
// Decoding.

/// URI characters (RFC 3986 §2.2, §2.3) with well-formed percent-encoding.
fn is_uri(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)) {
                return false;
            }
            i += 3;
        } else if c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// Whether `link` is the LwM2M root link (`rt="oma.lwm2m"`).
fn is_root(link: &Link<'_>) -> bool {
    link.rt().any(|rt| rt == RT_LWM2M)
}

/// The alternate path a root link names, if not `/` (or empty).
fn alternate<'a>(link: &Link<'a>) -> Option<&'a str> {
    let t = link.target();
    (!t.is_empty() && t != "/").then_some(t)
}

/// The LwM2M path of a target, below `alt` if it starts with it.
fn target_path(target: &str, alt: Option<&str>) -> Result<Path, PathError> {
    let rest = alt
        .and_then(|a| target.strip_prefix(a))
        .filter(|r| r.is_empty() || r.starts_with('/'))
        .map(|r| if r.is_empty() { "/" } else { r })
        .unwrap_or(target);
    rest.parse()
}

/// Reads the LwM2M attributes of `link`, checking every occurrence of each.
fn attributes<'a>(link: &Link<'a>) -> Result<LinkAttributes<'a>, Attribute> {
    let mut a = LinkAttributes::default();
    for attr in link.attributes() {
        let Some(which) = Attribute::from_name(attr.name) else { continue };
        let raw = attr.value.map(|v: AttrValue<'a>| v.raw()).ok_or(which)?;
        let float = || match crate::format::text::decode_value(raw.as_bytes(), Some(DataType::Float)) {
            Ok(Value::Float(f)) => Ok(f),
            _ => Err(which),
        };
        let secs = || small_uint::<u32>(raw).ok_or(which);
        let version = || Version::parse(raw).ok_or(which);
        // LwM2M Core 1.2 §5.1.2: each attribute's type and range.
        match which {
            Attribute::Pmin => _ = a.pmin.get_or_insert(secs()?),
            Attribute::Pmax => _ = a.pmax.get_or_insert(secs()?),
            Attribute::Epmin => _ = a.epmin.get_or_insert(secs()?),
            Attribute::Epmax => _ = a.epmax.get_or_insert(secs()?),
            Attribute::Gt => _ = a.gt.get_or_insert(float()?),
            Attribute::Lt => _ = a.lt.get_or_insert(float()?),
            Attribute::St => _ = a.st.get_or_insert(float()?),
            Attribute::Dim => _ = a.dim.get_or_insert(small_uint::<u8>(raw).ok_or(which)?),
            Attribute::Ssid => {
                let id = small_uint::<u16>(raw).filter(|&s| (1..=65534).contains(&s)).ok_or(which)?;
                _ = a.ssid.get_or_insert(id);
            }
            Attribute::Uri if is_uri(raw) => _ = a.uri.get_or_insert(raw),
            Attribute::Uri => return Err(which),
            Attribute::Ver => _ = a.ver.get_or_insert(version()?),
            Attribute::Lwm2m => _ = a.lwm2m.get_or_insert(version()?),
        }
    }
    Ok(a)
}

/// A checked LwM2M link-format payload ([`LinkDocument::decode`]).
///
/// ```
/// use lwm2m_model::format::link::LinkDocument;
/// // An LwM2M 1.0 Register payload with the alternate path /lwm2m.
/// let doc = LinkDocument::decode(br#"</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>"#)?;
/// assert_eq!(doc.alternate_path(), Some("/lwm2m"));
/// let paths: Vec<String> = doc.entries().map(|e| e.path.to_string()).collect();
/// assert_eq!(paths, ["/", "/1/0", "/3/0"]);
/// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkDocument<'a> {
    links: LinkFormat<'a>,
    /// The index of the root link (`rt="oma.lwm2m"`), if any.
    root: Option<usize>,
    /// The alternate path its target names, if not `/`.
    alt: Option<&'a str>,
}

impl<'a> LinkDocument<'a> {
    /// Checks `payload` as link format and every link as LwM2M (paths, attributes).
    ///
    /// ```
    /// use lwm2m_model::format::link::LinkDocument;
    /// let doc = LinkDocument::decode(b"</1/0>,</1/1>,</2/0>,</2/1>,</2/2>,</2/3>,</2/4>,</3/0>,</4/0>,</5>")?;
    /// assert_eq!(doc.entries().count(), 10);
    /// assert!(LinkDocument::decode(b"</3/0>;pmin").is_err());
    /// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
    /// ```
    ///
    /// # Errors
    /// A [`DecodeError`]: [`LinkError::Syntax`] at the offset the RFC 6690 parser stopped;
    /// [`LinkError::InvalidPath`], [`LinkError::InvalidAttribute`] at the link's start.
    pub fn decode(payload: &'a [u8]) -> Result<Self, DecodeError> {
        let links = LinkFormat::from_bytes(payload)
            .map_err(|e| DecodeError { kind: LinkError::Syntax(e.kind), offset: e.offset })?;
        let root = links.links().position(|l| is_root(&l));
        let alt = root.and_then(|i| links.links().nth(i)).and_then(|l| alternate(&l));
        let mut offset = 0;
        for (index, link) in links.links().enumerate() {
            let err = |kind| DecodeError { kind, offset };
            if Some(index) != root {
                target_path(link.target(), alt)
                    .map_err(|reason| err(LinkError::InvalidPath { link: index, reason }))?;
            }
            attributes(&link).map_err(|attribute| err(LinkError::InvalidAttribute { link: index, attribute }))?;
            // Links are separated by exactly one ',' (RFC 6690 §2; the checked view allows no
            // whitespace).
            offset += link.as_str().len() + 1;
        }
        Ok(Self { links, root, alt })
    }

    /// The underlying RFC 6690 view, for attributes LwM2M does not define.
    ///
    /// ```
    /// use lwm2m_model::format::link::LinkDocument;
    /// let doc = LinkDocument::decode(b"</3/0>;obs")?;
    /// assert!(doc.link_format().links().next().unwrap().obs());
    /// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
    /// ```
    pub const fn link_format(&self) -> LinkFormat<'a> {
        self.links
    }

    /// The alternate path the root link (`rt="oma.lwm2m"`) names, when it is not `/`.
    ///
    /// ```
    /// use lwm2m_model::format::link::LinkDocument;
    /// assert_eq!(LinkDocument::decode(br#"</>;rt="oma.lwm2m""#)?.alternate_path(), None);
    /// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
    /// ```
    pub const fn alternate_path(&self) -> Option<&'a str> {
        self.alt
    }

    /// The root link (`rt="oma.lwm2m"`), if there is one.
    ///
    /// ```
    /// use lwm2m_model::format::link::LinkDocument;
    /// let doc = LinkDocument::decode(br#"</1/0>,</>;rt="oma.lwm2m";ct="60 11543""#)?;
    /// let root = doc.root().unwrap();
    /// assert_eq!((root.index, root.ct().collect::<Vec<_>>()), (1, vec![60, 11543]));
    /// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
    /// ```
    pub fn root(&self) -> Option<Entry<'a>> {
        self.entries().find(Entry::is_lwm2m_root)
    }

    /// Every link, in order, with its LwM2M path and attributes; cannot fail.
    ///
    /// ```
    /// use lwm2m_model::format::link::LinkDocument;
    /// let doc = LinkDocument::decode(b"</3/0/7>;dim=8;gt=50;lt=42.2")?;
    /// let e = doc.entries().next().unwrap();
    /// assert_eq!((e.attributes.dim, e.attributes.gt, e.attributes.lt), (Some(8), Some(50.0), Some(42.2)));
    /// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
    /// ```
    pub fn entries(&self) -> Entries<'a> {
        Entries { doc: *self, index: 0, links: self.links.links() }
    }
}

/// The links of a [`LinkDocument`] as [`Entry`]s.
///
/// ```
/// use lwm2m_model::format::link::LinkDocument;
/// assert_eq!(LinkDocument::decode(b"</1>,</2>")?.entries().count(), 2);
/// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    doc: LinkDocument<'a>,
    index: usize,
    links: coap_codec::link_format::Links<'a>,
}

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        let link = self.links.next()?;
        let index = self.index;
        self.index += 1;
        // Checked by `decode`; the fallbacks are unreachable.
        let path = if Some(index) == self.doc.root {
            Path::ROOT
        } else {
            target_path(link.target(), self.doc.alt).unwrap_or_default()
        };
        let attributes = attributes(&link).unwrap_or_default();
        Some(Entry { index, path, attributes, link })
    }
}

impl core::iter::FusedIterator for Entries<'_> {}

/// One link of an LwM2M link-format payload.
///
/// ```
/// use lwm2m_model::format::link::LinkDocument;
/// use lwm2m_model::model::Path;
/// let doc = LinkDocument::decode(br#"</0/1>;ssid=101;uri="coap://server_1.example.com""#)?;
/// let e = doc.entries().next().unwrap();
/// assert_eq!(e.path, Path::instance_path(0, 1));
/// assert_eq!((e.attributes.ssid, e.attributes.uri), (Some(101), Some("coap://server_1.example.com")));
/// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry<'a> {
    /// The link's index in the payload.
    pub index: usize,
    /// Its LwM2M path (the root link's is `/`).
    pub path: Path,
    /// Its LwM2M attributes.
    pub attributes: LinkAttributes<'a>,
    /// The link itself, for its other attributes.
    pub link: Link<'a>,
}

impl<'a> Entry<'a> {
    /// The Content-Formats (`ct`) the link lists (on the root link: those the client supports).
    ///
    /// ```
    /// use lwm2m_model::format::link::LinkDocument;
    /// let doc = LinkDocument::decode(br#"</>;rt="oma.lwm2m";ct=11543"#)?;
    /// assert_eq!(doc.entries().next().unwrap().ct().collect::<Vec<_>>(), [11543]);
    /// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
    /// ```
    pub fn ct(&self) -> impl Iterator<Item = u16> + 'a {
        self.link.ct()
    }

    /// The resource types (`rt`).
    ///
    /// ```
    /// use lwm2m_model::format::link::LinkDocument;
    /// let doc = LinkDocument::decode(br#"</>;rt="oma.lwm2m""#)?;
    /// assert_eq!(doc.entries().next().unwrap().rt().collect::<Vec<_>>(), ["oma.lwm2m"]);
    /// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
    /// ```
    pub fn rt(&self) -> impl Iterator<Item = &'a str> {
        self.link.rt()
    }

    /// Whether this is the LwM2M root link (`rt="oma.lwm2m"`, LwM2M Core 1.2 §6.2.1).
    ///
    /// ```
    /// use lwm2m_model::format::link::LinkDocument;
    /// let doc = LinkDocument::decode(br#"</>;rt="oma.lwm2m",</1/0>"#)?;
    /// assert_eq!(doc.entries().map(|e| e.is_lwm2m_root()).collect::<Vec<_>>(), [true, false]);
    /// # Ok::<(), lwm2m_model::format::link::DecodeError>(())
    /// ```
    pub fn is_lwm2m_root(&self) -> bool {
        is_root(&self.link)
    }
}
