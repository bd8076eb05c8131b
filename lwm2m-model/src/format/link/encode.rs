//! Writing LwM2M link format ([`encode`]) with [`LinkWriter`].

use core::fmt::{self, Write as _};

use coap_codec::link_format::{EncodeError as WriterError, LinkWriter};

use super::{is_uri, Attribute, EncodeError, Entry, LinkAttributes, Version, MAX_ALTERNATE_PATH, MAX_CT, RT_LWM2M};
use crate::model::Path;

/// One link to write: a path and its LwM2M attributes.
///
/// ```
/// use lwm2m_model::format::link::{LinkAttributes, LinkEntry};
/// use lwm2m_model::model::Path;
/// let e = LinkEntry { path: Path::instance_path(3, 0), attributes: LinkAttributes::default() };
/// assert_eq!(e.path.to_string(), "/3/0");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LinkEntry<'a> {
    /// The path.
    pub path: Path,
    /// Its attributes.
    pub attributes: LinkAttributes<'a>,
}

impl<'a> From<Entry<'a>> for LinkEntry<'a> {
    fn from(e: Entry<'a>) -> Self {
        Self { path: e.path, attributes: e.attributes }
    }
}

/// The root link to write first: `<alternate_path>;rt="oma.lwm2m";ct=...`.
///
/// ```
/// use lwm2m_model::format::link::Root;
/// let root = Root { alternate_path: "/", ct: &[11543] };
/// assert_eq!(root.ct, [11543]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Root<'a> {
    /// `/` (or empty) for none; otherwise the alternate path every other target starts with.
    pub alternate_path: &'a str,
    /// The Content-Formats the client supports (`ct`; omitted when empty).
    pub ct: &'a [u16],
}

/// Text formatted on the stack, `N` bytes at most.
struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> fmt::Write for StackStr<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let dst = self.buf.get_mut(self.len..self.len + s.len()).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len += s.len();
        Ok(())
    }
}

impl<const N: usize> StackStr<N> {
    fn new() -> Self {
        Self { buf: [0; N], len: 0 }
    }

    /// `None` if the text does not fit.
    fn of(args: fmt::Arguments<'_>) -> Option<Self> {
        let mut s = Self::new();
        s.write_fmt(args).ok()?;
        Some(s)
    }

    fn as_str(&self) -> &str {
        self.buf.get(..self.len).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or_default()
    }
}

/// A number, a version or a float's text: at most 24 bytes.
type Small = StackStr<32>;

/// An attribute value to write: a token (numbers, versions) or a quoted string (`uri`).
enum Piece<'a> {
    Token(Small),
    Quoted(&'a str),
}

/// Calls `f` with each attribute of `a` in a fixed order, checking the rules `decode` checks.
fn pieces<'a>(
    a: &LinkAttributes<'a>,
    index: usize,
    mut f: impl FnMut(&'static str, Piece<'a>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let bad = |attribute| EncodeError::InvalidAttribute { index, attribute };
    let num = |n: Option<u64>| n.map(|n| Piece::Token(Small::of(format_args!("{n}")).unwrap_or_else(Small::new)));
    let float = |x: Option<f64>, which| -> Result<Option<Piece<'a>>, EncodeError> {
        let Some(x) = x else { return Ok(None) };
        let mut buf = [0u8; 32];
        let s = crate::format::text::format_float(x, &mut buf).ok_or(bad(which))?;
        Ok(Some(Piece::Token(Small::of(format_args!("{s}")).unwrap_or_else(Small::new))))
    };
    let version =
        |v: Option<Version>| v.map(|v| Piece::Token(Small::of(format_args!("{v}")).unwrap_or_else(Small::new)));
    if a.ssid.is_some_and(|s| s == 0 || s == u16::MAX) {
        return Err(bad(Attribute::Ssid));
    }
    if a.uri.is_some_and(|u| !is_uri(u)) {
        return Err(bad(Attribute::Uri));
    }
    let all = [
        (Attribute::Lwm2m, version(a.lwm2m)),
        (Attribute::Ver, version(a.ver)),
        (Attribute::Ssid, num(a.ssid.map(u64::from))),
        (Attribute::Uri, a.uri.map(Piece::Quoted)),
        (Attribute::Dim, num(a.dim.map(u64::from))),
        (Attribute::Pmin, num(a.pmin.map(u64::from))),
        (Attribute::Pmax, num(a.pmax.map(u64::from))),
        (Attribute::Gt, float(a.gt, Attribute::Gt)?),
        (Attribute::Lt, float(a.lt, Attribute::Lt)?),
        (Attribute::St, float(a.st, Attribute::St)?),
        (Attribute::Epmin, num(a.epmin.map(u64::from))),
        (Attribute::Epmax, num(a.epmax.map(u64::from))),
    ];
    for (which, piece) in all {
        if let Some(p) = piece {
            f(which.name(), p)?;
        }
    }
    Ok(())
}

/// The target of `path` below the alternate path `alt` ("" for none).
fn target(alt: &str, path: Path) -> StackStr<128> {
    let mut w = StackStr::new();
    // `alt` is at most MAX_ALTERNATE_PATH bytes and a path at most 24: both fit.
    let _ = if path.is_empty() && !alt.is_empty() { w.write_str(alt) } else { write!(w, "{alt}{path}") };
    w
}

/// The alternate path to prefix ("" for none), checked.
fn alt_of<'a>(root: Option<&Root<'a>>) -> Result<&'a str, EncodeError> {
    let alt = root.map_or("", |r| r.alternate_path);
    let alt = if alt == "/" { "" } else { alt };
    if alt.len() > MAX_ALTERNATE_PATH || !is_uri(alt) {
        return Err(EncodeError::InvalidAlternatePath);
    }
    Ok(alt)
}

/// The length of the payload [`encode`] writes.
///
/// ```
/// use lwm2m_model::format::link::{self, LinkAttributes, LinkEntry, Root};
/// use lwm2m_model::model::Path;
/// let e = [LinkEntry { path: Path::instance_path(1, 0), attributes: LinkAttributes::default() }];
/// assert_eq!(link::encoded_len(None, &e), Ok(6)); // </1/0>
/// assert_eq!(link::encoded_len(Some(&Root { alternate_path: "/", ct: &[] }), &e), Ok(18 + 7)); // </>;rt="oma.lwm2m",</1/0>
/// ```
///
/// # Errors
/// As [`encode`], except [`EncodeError::BufferTooSmall`].
pub fn encoded_len(root: Option<&Root<'_>>, entries: &[LinkEntry<'_>]) -> Result<usize, EncodeError> {
    let alt = alt_of(root)?;
    let mut total = 0usize;
    let mut first = true;
    let mut add_link = |total: &mut usize, target_len: usize| {
        *total += usize::from(!first) + target_len + 2;
        first = false;
    };
    if let Some(r) = root {
        add_link(&mut total, if alt.is_empty() { 1 } else { alt.len() });
        // ;rt="oma.lwm2m"
        total += 6 + RT_LWM2M.len();
        total += ct_len(r.ct);
    }
    for (index, e) in entries.iter().enumerate() {
        add_link(&mut total, target(alt, e.path).len);
        pieces(&e.attributes, index, |name, p| {
            total += 2
                + name.len()
                + match p {
                    Piece::Token(s) => s.len,
                    Piece::Quoted(q) => 2 + q.len(),
                };
            Ok(())
        })?;
    }
    Ok(total)
}

/// `;ct=N` or `;ct="N N ..."`, or nothing.
fn ct_len(ct: &[u16]) -> usize {
    let digits: usize = ct.iter().map(|c| Small::of(format_args!("{c}")).map_or(0, |s| s.len)).sum();
    match ct.len() {
        0 => 0,
        1 => 4 + digits,
        n => 4 + 2 + digits + (n - 1),
    }
}

/// Writes `;ct=...` for `ct` (one number, or a quoted space-separated list).
fn write_ct(w: &mut LinkWriter<'_>, ct: &[u16]) -> Result<(), WriterError> {
    match ct {
        [] => Ok(()),
        [one] => w.attr_uint("ct", u64::from(*one)).map(|_| ()),
        many => {
            // LinkWriter takes the list as one value: build it on the stack (`encode` caps it at
            // MAX_CT numbers of at most 5 digits and a space each).
            let mut list = StackStr::<{ 6 * MAX_CT }>::new();
            for (i, c) in many.iter().enumerate() {
                let sep = if i > 0 { " " } else { "" };
                write!(list, "{sep}{c}").map_err(|_| WriterError::BufferTooSmall { required: 0 })?;
            }
            let s = list.as_str();
            w.attr_quoted("ct", s).map(|_| ())
        }
    }
}

/// Writes `entries` (after the root link, if given) as link format with [`LinkWriter`] and
/// returns the length: `<target>` then the LwM2M attributes in the order `lwm2m`, `ver`, `ssid`,
/// `uri` (quoted), `dim`, `pmin`, `pmax`, `gt`, `lt`, `st`, `epmin`, `epmax`; numbers as
/// [`text`](crate::format::text) writes them. With a root whose alternate path is not `/`, every target
/// starts with that path. The root's `ct` list holds at most [`MAX_CT`] numbers.
///
/// ```
/// use lwm2m_model::format::link::{self, LinkAttributes, LinkEntry, Root};
/// use lwm2m_model::model::Path;
/// let entries = [
///     LinkEntry { path: Path::instance_path(1, 0), attributes: LinkAttributes::default() },
///     LinkEntry { path: Path::resource_path(3, 0, 7), attributes: LinkAttributes { dim: Some(8), gt: Some(50.0), lt: Some(42.2), ..Default::default() } },
/// ];
/// let mut buf = [0u8; 128];
/// let n = link::encode(Some(&Root { alternate_path: "/", ct: &[11543] }), &entries, &mut buf)?;
/// assert_eq!(&buf[..n], br#"</>;rt="oma.lwm2m";ct=11543,</1/0>,</3/0/7>;dim=8;gt=50;lt=42.2"#);
/// # Ok::<(), link::EncodeError>(())
/// ```
///
/// # Errors
/// [`EncodeError::InvalidAttribute`], [`EncodeError::InvalidAlternatePath`],
/// [`EncodeError::TooManyContentFormats`], [`EncodeError::BufferTooSmall`].
pub fn encode(root: Option<&Root<'_>>, entries: &[LinkEntry<'_>], out: &mut [u8]) -> Result<usize, EncodeError> {
    if root.is_some_and(|r| r.ct.len() > MAX_CT) {
        return Err(EncodeError::TooManyContentFormats);
    }
    let need = encoded_len(root, entries)?;
    if out.len() < need {
        return Err(EncodeError::BufferTooSmall { required: need });
    }
    let alt = alt_of(root)?;
    let mut w = LinkWriter::new(out);
    // Every rule LinkWriter enforces was checked above, and the length fits.
    let fail = |_| EncodeError::BufferTooSmall { required: need };
    if let Some(r) = root {
        w.link(if alt.is_empty() { "/" } else { alt }).map_err(fail)?;
        w.attr_quoted("rt", RT_LWM2M).map_err(fail)?;
        write_ct(&mut w, r.ct).map_err(fail)?;
    }
    for (index, e) in entries.iter().enumerate() {
        w.link(target(alt, e.path).as_str()).map_err(fail)?;
        pieces(&e.attributes, index, |name, p| {
            match p {
                Piece::Token(s) => w.attr(name, s.as_str()),
                Piece::Quoted(q) => w.attr_quoted(name, q),
            }
            .map(|_| ())
            .map_err(fail)
        })?;
    }
    Ok(w.finish())
}
