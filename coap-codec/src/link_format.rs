//! CoRE Link Format (RFC 6690): the `application/link-format` payload of `/.well-known/core`.
//!
//! - [`LinkFormat`] is a checked view: [`LinkFormat::new_checked`] validates the whole payload
//!   once against the RFC 6690 §2 grammar, then [`LinkFormat::links`] and
//!   [`Link::attributes`] are infallible iterators of slices into the input. Nothing is copied
//!   or allocated; quoted strings keep their escapes ([`AttrValue::unescaped_chars`] and
//!   [`AttrValue::write_unescaped`] undo them on demand).
//! - [`LinkWriter`] writes links into a caller buffer, quoting values that need it and
//!   enforcing the rules the parser enforces, so `parse(write(x)) == x`.
//! - [`QueryFilter`] and [`matches_query`] implement the `/.well-known/core` query filter
//!   (RFC 6690 §4.1), including the trailing-`*` prefix match.
//!
//! What the checked view enforces: links are `"<" URI-Reference ">" *( ";" link-param )`
//! separated by `,` with no empty link and no whitespace (the ABNF has none; line breaks in the
//! RFC's examples are editorial); the target uses only URI characters with well-formed
//! percent-encoding (RFC 3986 §2; its finer structure is not checked); parameter names are
//! `parmname` with an optional trailing `*` (RFC 5987 §3.2.1); values are a `ptoken` or a
//! `quoted-string` (RFC 2616 §2.2) without control characters other than HTAB; `sz` is a
//! cardinal (RFC 6690 §3.3), `ct` one or a quoted list of Content-Format numbers
//! (RFC 7252 §7.2.1) and `anchor` a quoted URI-Reference (RFC 6690 §2). Parameter names are
//! compared ignoring ASCII case.
//!
//! ```
//! use coap_codec::link_format::LinkFormat;
//! let payload = r#"</sensors/temp>;rt="temperature-c";if="sensor";obs,</fw>;sz=262144"#;
//! let links = LinkFormat::new_checked(payload)?;
//! let temp = links.links().next().unwrap();
//! assert_eq!(temp.target(), "/sensors/temp");
//! assert_eq!(temp.rt().collect::<Vec<_>>(), ["temperature-c"]);
//! assert!(temp.obs());
//! assert_eq!(links.links().nth(1).unwrap().sz(), Some(262_144));
//! # Ok::<(), coap_codec::link_format::DecodeError>(())
//! ```
//!
//! Spec: RFC 6690 §2, §3, §4.1; RFC 7252 §7.2.1 (`ct`); RFC 7641 §6 (`obs`).

use core::fmt;
use core::str::Chars;

/// A rule of the link format that a payload (or a value given to [`LinkWriter`]) breaks.
///
/// Each variant's doc says what is wrong; [`LinkFormatError::rule`] returns the citation. A
/// server answers a malformed payload it was sent (e.g. in a resource directory registration)
/// with 4.00 Bad Request; a client simply cannot use the payload.
///
/// ```
/// use coap_codec::link_format::{LinkFormat, LinkFormatError};
/// let err = LinkFormat::new_checked("</a>;rt=\"x").unwrap_err();
/// assert_eq!(err.kind, LinkFormatError::UnterminatedQuotedString);
/// assert_eq!(err.offset, 8);
/// assert_eq!(err.kind.rule(), "RFC 2616 §2.2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum LinkFormatError {
    /// A link does not start with `<` (RFC 6690 §2: `link-value = "<" URI-Reference ">" ...`).
    #[error("link does not start with '<'")]
    ExpectedTarget,
    /// A `<` without its closing `>` (RFC 6690 §2).
    #[error("'<' without a closing '>'")]
    UnterminatedTarget,
    /// A byte that no URI-Reference holds (space, `"`, `<`, `\`, a control or non-ASCII
    /// character) inside `<...>` or an `anchor` (RFC 3986 §2, via RFC 6690 §2).
    #[error("character not allowed in a URI-Reference")]
    InvalidTargetCharacter,
    /// A `%` not followed by two hex digits (RFC 3986 §2.1).
    #[error("'%' not followed by two hex digits")]
    InvalidPercentEncoding,
    /// Nothing between two commas, or a leading or trailing comma (RFC 6690 §2:
    /// `link-value *[ "," link-value ]`).
    #[error("empty link")]
    EmptyLink,
    /// A parameter name is empty or holds a character outside `parmname` (RFC 6690 §2,
    /// RFC 5987 §3.2.1).
    #[error("invalid attribute name")]
    InvalidAttributeName,
    /// `name=` with no value, or an extended `name*` parameter without one (RFC 6690 §2:
    /// `ptoken = 1*ptokenchar`, `ext-name-star "=" ext-value`).
    #[error("attribute value missing")]
    MissingValue,
    /// A `"` without its closing `"` (RFC 2616 §2.2 `quoted-string`, via RFC 6690 §2).
    #[error("quoted string without a closing '\"'")]
    UnterminatedQuotedString,
    /// A control character other than HTAB in a quoted string (RFC 2616 §2.2 `qdtext`).
    #[error("control character in a quoted string")]
    ControlCharacter,
    /// A `\` followed by a non-ASCII character (RFC 2616 §2.2 `quoted-pair = "\" CHAR`).
    #[error("invalid escape in a quoted string")]
    InvalidEscape,
    /// After a target or a parameter, something other than `;`, `,` or the end (RFC 6690 §2).
    #[error("unexpected character after a target or attribute")]
    UnexpectedCharacter,
    /// `sz` is not an unquoted cardinal (no leading zeros) that fits in a `u64` (RFC 6690 §3.3).
    #[error("sz is not a cardinal")]
    InvalidSize,
    /// `ct` is not a Content-Format number (0-65535, no leading zeros) or a quoted,
    /// space-separated list of them (RFC 7252 §7.2.1).
    #[error("ct is not a Content-Format number or list")]
    InvalidContentFormat,
    /// `anchor` is not a quoted URI-Reference (RFC 6690 §2: `"anchor" "=" DQUOTE URI-Reference
    /// DQUOTE`).
    #[error("anchor is not a quoted URI-Reference")]
    InvalidAnchor,
    /// The payload is not UTF-8 ([`LinkFormat::from_bytes`]; every construct of the grammar is
    /// ASCII except the text of quoted strings, which this crate requires to be UTF-8).
    #[error("payload is not UTF-8")]
    InvalidUtf8,
}

impl LinkFormatError {
    /// The section this error enforces, in the citation format used in docs, comments and tests.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormatError;
    /// assert_eq!(LinkFormatError::EmptyLink.rule(), "RFC 6690 §2");
    /// assert_eq!(LinkFormatError::InvalidContentFormat.rule(), "RFC 7252 §7.2.1");
    /// ```
    pub const fn rule(self) -> &'static str {
        match self {
            Self::ExpectedTarget
            | Self::UnterminatedTarget
            | Self::EmptyLink
            | Self::MissingValue
            | Self::UnexpectedCharacter
            | Self::InvalidAnchor
            | Self::InvalidUtf8 => "RFC 6690 §2",
            Self::InvalidTargetCharacter => "RFC 3986 §2",
            Self::InvalidPercentEncoding => "RFC 3986 §2.1",
            Self::InvalidAttributeName => "RFC 6690 §2 / RFC 5987 §3.2.1",
            Self::UnterminatedQuotedString | Self::ControlCharacter | Self::InvalidEscape => "RFC 2616 §2.2",
            Self::InvalidSize => "RFC 6690 §3.3",
            Self::InvalidContentFormat => "RFC 7252 §7.2.1",
        }
    }
}

/// A payload that is not valid link format: the rule it breaks and the byte offset (from the
/// start of the payload) where parsing stopped.
///
/// ```
/// use coap_codec::link_format::{LinkFormat, LinkFormatError};
/// let err = LinkFormat::new_checked("</a>,,</b>").unwrap_err();
/// assert_eq!((err.kind, err.offset), (LinkFormatError::EmptyLink, 5));
/// assert_eq!(err.to_string(), "RFC 6690 §2: empty link (at byte 5)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{}: {kind} (at byte {offset})", kind.rule())]
pub struct DecodeError {
    /// What is wrong.
    pub kind: LinkFormatError,
    /// Offset from the first byte of the payload.
    pub offset: usize,
}

/// A link or attribute that could not be written. On any error nothing was written by the call.
///
/// ```
/// use coap_codec::link_format::{EncodeError, LinkWriter};
/// let mut buf = [0u8; 4];
/// let mut w = LinkWriter::new(&mut buf);
/// assert_eq!(w.link("/sensors").unwrap_err(), EncodeError::BufferTooSmall { required: 10 });
/// assert_eq!(w.flag("obs").unwrap_err(), EncodeError::NoLink);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is too small; `required` is the total length the output would have.
    #[error("output buffer too small: {required} bytes required")]
    BufferTooSmall {
        /// Bytes the whole output needs so far, this call's part included.
        required: usize,
    },
    /// An attribute was written before any link.
    #[error("attribute written before any link")]
    NoLink,
    /// The link or attribute breaks a rule the parser enforces, so it is not written.
    #[error("{rule}: {kind}", rule = .0.rule(), kind = .0)]
    Invalid(LinkFormatError),
}

impl From<LinkFormatError> for EncodeError {
    fn from(kind: LinkFormatError) -> Self {
        Self::Invalid(kind)
    }
}

// ---------------------------------------------------------------------------------------------
// Character classes (RFC 6690 §2, RFC 5987 §3.2.1, RFC 3986 §2).

/// `attr-char` (RFC 5987 §3.2.1): the characters of a `parmname`.
fn is_attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b)
}

/// `ptokenchar` (RFC 6690 §2).
fn is_ptoken_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'()*+-./:<=>?@[]^_`{|}~".contains(&b)
}

/// `unreserved / gen-delims / sub-delims` (RFC 3986 §2.2, §2.3); `%` is checked apart.
fn is_uri_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b)
}

/// Checks a URI-Reference's characters; on error, the kind and the offset within `s`.
fn check_uri(s: &[u8]) -> Result<(), (LinkFormatError, usize)> {
    let mut i = 0;
    while let Some(&c) = s.get(i) {
        if c == b'%' {
            // RFC 3986 §2.1: pct-encoded = "%" HEXDIG HEXDIG
            let hex = |j: usize| s.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return Err((LinkFormatError::InvalidPercentEncoding, i));
            }
            i += 3;
        } else if is_uri_char(c) {
            i += 1;
        } else {
            return Err((LinkFormatError::InvalidTargetCharacter, i));
        }
    }
    Ok(())
}

/// `cardinal = "0" / %x31-39 *DIGIT` (RFC 6690 §2) as a number, or `None`.
fn cardinal(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let ok = match b {
        [] => false,
        [b'0'] => true,
        [first, rest @ ..] => (b'1'..=b'9').contains(first) && rest.iter().all(u8::is_ascii_digit),
    };
    if ok {
        s.parse().ok()
    } else {
        None
    }
}

fn content_format(s: &str) -> Option<u16> {
    cardinal(s).and_then(|n| u16::try_from(n).ok())
}

/// The rules on particular parameters; `Err` carries the kind (the offset is the value's).
fn check_param(name: &str, value: Option<AttrValue<'_>>) -> Result<(), LinkFormatError> {
    if name.eq_ignore_ascii_case("sz") {
        // RFC 6690 §2: "sz" "=" cardinal (unquoted).
        match value {
            Some(AttrValue::Token(t)) if cardinal(t).is_some() => Ok(()),
            _ => Err(LinkFormatError::InvalidSize),
        }
    } else if name.eq_ignore_ascii_case("ct") {
        // RFC 7252 §7.2.1: a number, or a quoted space-separated list of numbers.
        match value {
            Some(AttrValue::Token(t)) if content_format(t).is_some() => Ok(()),
            Some(v @ AttrValue::Quoted(_))
                if v.values().next().is_some() && v.values().all(|n| content_format(n).is_some()) =>
            {
                Ok(())
            }
            _ => Err(LinkFormatError::InvalidContentFormat),
        }
    } else if name.eq_ignore_ascii_case("anchor") {
        // RFC 6690 §2: "anchor" "=" DQUOTE URI-Reference DQUOTE
        match value {
            Some(AttrValue::Quoted(q)) if check_uri(q.as_bytes()).is_ok() => Ok(()),
            _ => Err(LinkFormatError::InvalidAnchor),
        }
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The scanner: one implementation of the grammar, used by validation and by the iterators.

fn err(kind: LinkFormatError, offset: usize) -> DecodeError {
    DecodeError { kind, offset }
}

/// Byte ranges of one `link-value`.
struct LinkSpan {
    target: (usize, usize),
    params: (usize, usize),
    /// Index of the `,` after the link, or the input length.
    end: usize,
}

/// Byte ranges of one `link-param`.
struct ParamSpan {
    name: (usize, usize),
    /// `(quoted, start, end)` of the value; for a quoted string, without the quotes.
    value: Option<(bool, usize, usize)>,
    /// Index just after the parameter.
    end: usize,
}

fn scan_link(b: &[u8], start: usize) -> Result<LinkSpan, DecodeError> {
    match b.get(start) {
        Some(b'<') => {}
        None | Some(b',') => return Err(err(LinkFormatError::EmptyLink, start)),
        Some(_) => return Err(err(LinkFormatError::ExpectedTarget, start)),
    }
    let t0 = start + 1;
    // No URI character is '>', so the first '>' closes the target.
    let rest = b.get(t0..).unwrap_or_default();
    let len = rest.iter().position(|&c| c == b'>').ok_or(err(LinkFormatError::UnterminatedTarget, start))?;
    check_uri(rest.get(..len).unwrap_or_default()).map_err(|(kind, at)| err(kind, t0 + at))?;
    let t1 = t0 + len;
    let p0 = t1 + 1;
    let mut i = p0;
    loop {
        match b.get(i) {
            None | Some(b',') => return Ok(LinkSpan { target: (t0, t1), params: (p0, i), end: i }),
            Some(b';') => i = scan_param(b, i)?.end,
            Some(_) => return Err(err(LinkFormatError::UnexpectedCharacter, i)),
        }
    }
}

/// Scans the parameter whose `;` is at `semi`.
fn scan_param(b: &[u8], semi: usize) -> Result<ParamSpan, DecodeError> {
    let n0 = semi + 1;
    let mut j = n0;
    while b.get(j).copied().is_some_and(is_attr_char) {
        j += 1;
    }
    if j == n0 {
        return Err(err(LinkFormatError::InvalidAttributeName, j));
    }
    let star = b.get(j) == Some(&b'*');
    if star {
        j += 1; // ext-name-star = parmname "*"
    }
    let name = (n0, j);
    match b.get(j) {
        Some(b'=') => {}
        None | Some(b';' | b',') if !star => {
            check_param(str_at(b, name).unwrap_or_default(), None).map_err(|kind| err(kind, j))?;
            return Ok(ParamSpan { name, value: None, end: j });
        }
        None | Some(b';' | b',') => return Err(err(LinkFormatError::MissingValue, j)),
        Some(_) => return Err(err(LinkFormatError::InvalidAttributeName, j)),
    }
    let v0 = j + 1;
    let (value, end) = match b.get(v0) {
        Some(b'"') => {
            let close = scan_quoted(b, v0)?;
            ((true, v0 + 1, close), close + 1)
        }
        Some(&c) if is_ptoken_char(c) => {
            let mut k = v0 + 1;
            while b.get(k).copied().is_some_and(is_ptoken_char) {
                k += 1;
            }
            ((false, v0, k), k)
        }
        _ => return Err(err(LinkFormatError::MissingValue, v0)),
    };
    let span = ParamSpan { name, value: Some(value), end };
    let name = str_at(b, span.name).unwrap_or_default();
    check_param(name, value_at(b, span.value)).map_err(|kind| err(kind, v0))?;
    Ok(span)
}

/// Index of the closing quote of the quoted string opening at `open`.
fn scan_quoted(b: &[u8], open: usize) -> Result<usize, DecodeError> {
    let mut k = open + 1;
    loop {
        match b.get(k) {
            None => return Err(err(LinkFormatError::UnterminatedQuotedString, open)),
            Some(b'"') => return Ok(k),
            Some(b'\\') => match b.get(k + 1) {
                Some(c) if c.is_ascii() => k += 2, // quoted-pair = "\" CHAR
                None => return Err(err(LinkFormatError::UnterminatedQuotedString, open)),
                Some(_) => return Err(err(LinkFormatError::InvalidEscape, k)),
            },
            // qdtext: any TEXT but '"'; TEXT excludes CTLs (HTAB is allowed as LWS).
            Some(&c) if (c < 0x20 && c != b'\t') || c == 0x7f => {
                return Err(err(LinkFormatError::ControlCharacter, k));
            }
            Some(_) => k += 1,
        }
    }
}

/// The `str` at a byte range; every range the scanner makes ends at ASCII bytes.
fn str_at(b: &[u8], (start, end): (usize, usize)) -> Option<&str> {
    core::str::from_utf8(b.get(start..end)?).ok()
}

fn value_at(b: &[u8], value: Option<(bool, usize, usize)>) -> Option<AttrValue<'_>> {
    let (quoted, start, end) = value?;
    let s = str_at(b, (start, end))?;
    Some(if quoted { AttrValue::Quoted(s) } else { AttrValue::Token(s) })
}

// ---------------------------------------------------------------------------------------------
// The checked view.

/// A validated CoRE Link Format payload: a checked view over `&str`.
///
/// [`new_checked`](Self::new_checked) validates the whole payload once; iterating it then cannot
/// fail or panic. An empty payload is valid and holds no links.
///
/// Spec: RFC 6690 §2.
///
/// ```
/// use coap_codec::link_format::LinkFormat;
/// let lf = LinkFormat::new_checked(r#"</sensors>;ct=40;title="Sensor Index""#)?;
/// let link = lf.links().next().unwrap();
/// assert_eq!(link.ct().collect::<Vec<_>>(), [40]);
/// assert_eq!(link.title().unwrap().raw(), "Sensor Index");
/// assert_eq!(LinkFormat::new_checked("")?.links().count(), 0);
/// # Ok::<(), coap_codec::link_format::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkFormat<'a> {
    src: &'a str,
}

impl<'a> LinkFormat<'a> {
    /// Validates `src` as a link-format payload.
    ///
    /// # Errors
    /// A [`DecodeError`] whose kind is any [`LinkFormatError`] but `InvalidUtf8`, at the offset
    /// where parsing stopped.
    ///
    /// ```
    /// use coap_codec::link_format::{LinkFormat, LinkFormatError};
    /// assert!(LinkFormat::new_checked("</a>;obs,</b>").is_ok());
    /// let err = LinkFormat::new_checked("</a> </b>").unwrap_err();
    /// assert_eq!((err.kind, err.offset), (LinkFormatError::UnexpectedCharacter, 4));
    /// ```
    pub fn new_checked(src: &'a str) -> Result<Self, DecodeError> {
        let b = src.as_bytes();
        if !b.is_empty() {
            let mut pos = 0;
            loop {
                let span = scan_link(b, pos)?;
                if span.end >= b.len() {
                    break;
                }
                pos = span.end + 1;
            }
        }
        Ok(Self { src })
    }

    /// Validates a payload given as bytes (a CoAP message payload): UTF-8 first, then as
    /// [`new_checked`](Self::new_checked).
    ///
    /// # Errors
    /// As [`new_checked`](Self::new_checked), plus [`LinkFormatError::InvalidUtf8`] at the first
    /// byte that is not UTF-8.
    ///
    /// ```
    /// use coap_codec::link_format::{LinkFormat, LinkFormatError};
    /// assert_eq!(LinkFormat::from_bytes(b"</a>")?.links().count(), 1);
    /// assert_eq!(LinkFormat::from_bytes(b"</\xff>").unwrap_err().kind, LinkFormatError::InvalidUtf8);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let src = core::str::from_utf8(bytes).map_err(|e| err(LinkFormatError::InvalidUtf8, e.valid_up_to()))?;
        Self::new_checked(src)
    }

    /// The payload text.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// assert_eq!(LinkFormat::new_checked("</a>")?.as_str(), "</a>");
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub const fn as_str(&self) -> &'a str {
        self.src
    }

    /// The links, in order.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked("</a;b>;x=\"1,2\",</c>")?;
    /// let targets: Vec<_> = lf.links().map(|l| l.target()).collect();
    /// assert_eq!(targets, ["/a;b", "/c"]); // ',' and ';' inside <...> and "..." do not split
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn links(&self) -> Links<'a> {
        Links { src: self.src, pos: if self.src.is_empty() { None } else { Some(0) } }
    }

    /// The links that pass the `/.well-known/core` query filter `name=pattern` (RFC 6690 §4.1);
    /// see [`matches_query`].
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked(r#"</s/t>;rt="temperature-c",</s/l>;rt="light-lux""#)?;
    /// let hits: Vec<_> = lf.matching("rt", "light*").map(|l| l.target()).collect();
    /// assert_eq!(hits, ["/s/l"]);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn matching<'q>(&self, name: &'q str, pattern: &'q str) -> impl Iterator<Item = Link<'a>> + 'q
    where
        'a: 'q,
    {
        self.links().filter(move |l| matches_query(l, name, pattern))
    }
}

impl<'a> IntoIterator for LinkFormat<'a> {
    type Item = Link<'a>;
    type IntoIter = Links<'a>;
    fn into_iter(self) -> Links<'a> {
        self.links()
    }
}

impl fmt::Display for LinkFormat<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.src)
    }
}

/// Iterator over the links of a [`LinkFormat`]; infallible because the view is checked.
///
/// ```
/// use coap_codec::link_format::LinkFormat;
/// let mut links = LinkFormat::new_checked("</a>,</b>")?.links();
/// assert_eq!(links.next().map(|l| l.target()), Some("/a"));
/// assert_eq!(links.next().map(|l| l.target()), Some("/b"));
/// assert!(links.next().is_none());
/// # Ok::<(), coap_codec::link_format::DecodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Links<'a> {
    src: &'a str,
    /// Where the next link starts; `None` when done.
    pos: Option<usize>,
}

impl<'a> Iterator for Links<'a> {
    type Item = Link<'a>;

    fn next(&mut self) -> Option<Link<'a>> {
        let b = self.src.as_bytes();
        let pos = self.pos.take()?;
        // Cannot fail on a checked payload; `?` ends the iteration if it somehow did.
        let span = scan_link(b, pos).ok()?;
        if span.end < b.len() {
            self.pos = Some(span.end + 1);
        }
        Some(Link {
            raw: self.src.get(pos..span.end)?,
            target: self.src.get(span.target.0..span.target.1)?,
            params: self.src.get(span.params.0..span.params.1)?,
        })
    }
}

impl core::iter::FusedIterator for Links<'_> {}

/// One link: its target and its attributes, borrowed from a checked [`LinkFormat`].
///
/// Spec: RFC 6690 §2 (`link-value`), §3 (`rt`, `if`, `sz`), RFC 7252 §7.2.1 (`ct`), RFC 7641 §6
/// (`obs`).
///
/// ```
/// use coap_codec::link_format::LinkFormat;
/// let lf = LinkFormat::new_checked(r#"</t>;anchor="/sensors/temp";rel="alternate""#)?;
/// let link = lf.links().next().unwrap();
/// assert_eq!((link.target(), link.anchor()), ("/t", Some("/sensors/temp")));
/// assert_eq!(link.rel().collect::<Vec<_>>(), ["alternate"]);
/// # Ok::<(), coap_codec::link_format::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link<'a> {
    raw: &'a str,
    target: &'a str,
    /// Everything after `>`: empty or starting with `;`.
    params: &'a str,
}

impl<'a> Link<'a> {
    /// The URI-Reference between `<` and `>`, as written (percent-encoding kept).
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked("<coap://[::1]/a%20b>")?;
    /// assert_eq!(lf.links().next().unwrap().target(), "coap://[::1]/a%20b");
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub const fn target(&self) -> &'a str {
        self.target
    }

    /// The whole link as written, from `<` to the end of its last attribute.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked("</a>;obs,</b>")?;
    /// assert_eq!(lf.links().next().unwrap().as_str(), "</a>;obs");
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub const fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The attributes (`link-param`s), in order, repeats included.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked("</a>;obs;rt=x;rt=y")?;
    /// let names: Vec<_> = lf.links().next().unwrap().attributes().map(|a| a.name).collect();
    /// assert_eq!(names, ["obs", "rt", "rt"]);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes { params: self.params, pos: 0 }
    }

    /// The first attribute called `name` (ASCII case ignored).
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked("</a>;Foo=1;foo=2")?;
    /// assert_eq!(lf.links().next().unwrap().attribute("foo").unwrap().value.unwrap().raw(), "1");
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn attribute(&self, name: &str) -> Option<Attribute<'a>> {
        self.attributes().find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Every attribute called `name` (ASCII case ignored).
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked("</a>;rt=x;obs;rt=y")?;
    /// assert_eq!(lf.links().next().unwrap().attributes_named("rt").count(), 2);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn attributes_named<'n>(&self, name: &'n str) -> impl Iterator<Item = Attribute<'a>> + 'n
    where
        'a: 'n,
    {
        self.attributes().filter(move |a| a.name.eq_ignore_ascii_case(name))
    }

    /// The space-separated values of every attribute called `name` (a multi-value attribute
    /// such as `rt="a b"`, or a repeated one such as `rt=a;rt=b`). Values are raw: a quoted
    /// value's escapes are kept.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked(r#"</a>;rt="x y";rt=z"#)?;
    /// assert_eq!(lf.links().next().unwrap().values_of("rt").collect::<Vec<_>>(), ["x", "y", "z"]);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn values_of<'n>(&self, name: &'n str) -> impl Iterator<Item = &'a str> + 'n
    where
        'a: 'n,
    {
        self.attributes_named(name).filter_map(|a| a.value).flat_map(|v| v.values())
    }

    /// Resource types (`rt`, RFC 6690 §3.1), all values of all `rt` attributes.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked(r#"</a>;rt="oic.r.temp oic.r.sensor""#)?;
    /// assert_eq!(lf.links().next().unwrap().rt().collect::<Vec<_>>(), ["oic.r.temp", "oic.r.sensor"]);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn rt(&self) -> impl Iterator<Item = &'a str> {
        self.values_of("rt")
    }

    /// Interface descriptions (`if`, RFC 6690 §3.2); `if` is a Rust keyword, hence the `_`.
    /// [`interface`](Self::interface) is the same.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked(r#"</a>;if="sensor""#)?;
    /// assert_eq!(lf.links().next().unwrap().if_().collect::<Vec<_>>(), ["sensor"]);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn if_(&self) -> impl Iterator<Item = &'a str> {
        self.values_of("if")
    }

    /// Interface descriptions (`if`, RFC 6690 §3.2); same as [`if_`](Self::if_).
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked("</a>;if=core.s")?;
    /// assert_eq!(lf.links().next().unwrap().interface().next(), Some("core.s"));
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn interface(&self) -> impl Iterator<Item = &'a str> {
        self.if_()
    }

    /// Relation types (`rel`, RFC 6690 §2 / RFC 5988 §5.3).
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked(r#"</a>;rel="describedby alternate""#)?;
    /// assert_eq!(lf.links().next().unwrap().rel().count(), 2);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn rel(&self) -> impl Iterator<Item = &'a str> {
        self.values_of("rel")
    }

    /// Content-Format numbers (`ct`, RFC 7252 §7.2.1): `ct=40` or `ct="0 50"`, repeats included.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked(r#"</a>;ct="0 50";ct=40"#)?;
    /// assert_eq!(lf.links().next().unwrap().ct().collect::<Vec<u16>>(), [0, 50, 40]);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn ct(&self) -> impl Iterator<Item = u16> + 'a {
        // Checked: every value is a valid Content-Format number.
        self.values_of("ct").filter_map(content_format)
    }

    /// The size estimate (`sz`, RFC 6690 §3.3) of the first `sz` attribute.
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked("</fw>;sz=262144,</b>")?;
    /// let sizes: Vec<_> = lf.links().map(|l| l.sz()).collect();
    /// assert_eq!(sizes, [Some(262_144), None]);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn sz(&self) -> Option<u64> {
        self.attribute("sz")?.value.and_then(|v| cardinal(v.raw()))
    }

    /// Whether the resource is observable (`obs`, RFC 7641 §6).
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked("</a>;obs,</b>")?;
    /// assert_eq!(lf.links().map(|l| l.obs()).collect::<Vec<_>>(), [true, false]);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn obs(&self) -> bool {
        self.attribute("obs").is_some()
    }

    /// The `title` (RFC 6690 §2 / RFC 5988 §5.4), quoted and raw; see
    /// [`AttrValue::unescaped_chars`].
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked(r#"</a>;title="say \"hi\"""#)?;
    /// let title = lf.links().next().unwrap().title().unwrap();
    /// assert_eq!(title.unescaped_chars().collect::<String>(), r#"say "hi""#);
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn title(&self) -> Option<AttrValue<'a>> {
        self.attribute("title")?.value
    }

    /// The `anchor` URI-Reference (RFC 6690 §2.1), without its quotes (it holds no escapes).
    ///
    /// ```
    /// use coap_codec::link_format::LinkFormat;
    /// let lf = LinkFormat::new_checked(r#"</t>;anchor="/sensors/temp""#)?;
    /// assert_eq!(lf.links().next().unwrap().anchor(), Some("/sensors/temp"));
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn anchor(&self) -> Option<&'a str> {
        self.attribute("anchor")?.value.map(|v| v.raw())
    }
}

impl fmt::Display for Link<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}

/// Iterator over the attributes of a [`Link`].
///
/// ```
/// use coap_codec::link_format::LinkFormat;
/// let lf = LinkFormat::new_checked("</a>;obs;sz=1")?;
/// let mut attrs = lf.links().next().unwrap().attributes();
/// assert_eq!(attrs.next().unwrap().name, "obs");
/// assert_eq!(attrs.next().unwrap().name, "sz");
/// assert!(attrs.next().is_none());
/// # Ok::<(), coap_codec::link_format::DecodeError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    params: &'a str,
    pos: usize,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Attribute<'a>;

    fn next(&mut self) -> Option<Attribute<'a>> {
        let b = self.params.as_bytes();
        if b.get(self.pos) != Some(&b';') {
            return None;
        }
        // Cannot fail on a checked link; `?` ends the iteration if it somehow did.
        let span = scan_param(b, self.pos).ok()?;
        self.pos = span.end;
        Some(Attribute { name: str_at(b, span.name)?, value: value_at(b, span.value) })
    }
}

impl core::iter::FusedIterator for Attributes<'_> {}

/// One attribute (`link-param`): a name and an optional value.
///
/// ```
/// use coap_codec::link_format::{AttrValue, Attribute, LinkFormat};
/// let lf = LinkFormat::new_checked(r#"</a>;obs;rt="x""#)?;
/// let attrs: Vec<Attribute> = lf.links().next().unwrap().attributes().collect();
/// assert_eq!(attrs[0], Attribute { name: "obs", value: None });
/// assert_eq!(attrs[1], Attribute { name: "rt", value: Some(AttrValue::Quoted("x")) });
/// # Ok::<(), coap_codec::link_format::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attribute<'a> {
    /// The name as written (`parmname`, possibly ending in `*`).
    pub name: &'a str,
    /// The value; `None` for a bare name such as `obs`.
    pub value: Option<AttrValue<'a>>,
}

impl fmt::Display for Attribute<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Some(v) => write!(f, ";{}={v}", self.name),
            None => write!(f, ";{}", self.name),
        }
    }
}

/// An attribute value as written: a `ptoken` or the inside of a `quoted-string`, escapes kept.
///
/// ```
/// use coap_codec::link_format::AttrValue;
/// let v = AttrValue::Quoted(r#"a \"b\""#);
/// assert_eq!(v.unescaped_chars().collect::<String>(), r#"a "b""#);
/// assert_eq!(v.to_string(), r#""a \"b\"""#);
/// assert_eq!(AttrValue::Token("40").to_string(), "40");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrValue<'a> {
    /// An unquoted `ptoken`.
    Token(&'a str),
    /// A `quoted-string` without its quotes; `\x` escapes are kept.
    Quoted(&'a str),
}

impl<'a> AttrValue<'a> {
    /// The value as written, without quotes and with escapes kept.
    ///
    /// ```
    /// use coap_codec::link_format::AttrValue;
    /// assert_eq!(AttrValue::Quoted(r"a\\b").raw(), r"a\\b");
    /// ```
    pub const fn raw(&self) -> &'a str {
        match self {
            Self::Token(s) | Self::Quoted(s) => s,
        }
    }

    /// Whether the value was a quoted string.
    ///
    /// ```
    /// use coap_codec::link_format::AttrValue;
    /// assert!(AttrValue::Quoted("x").is_quoted());
    /// ```
    pub const fn is_quoted(&self) -> bool {
        matches!(self, Self::Quoted(_))
    }

    /// The characters of the value with `\x` escapes undone.
    ///
    /// ```
    /// use coap_codec::link_format::AttrValue;
    /// assert!(AttrValue::Quoted(r"a\\b").unescaped_chars().eq(r"a\b".chars()));
    /// ```
    pub fn unescaped_chars(&self) -> UnescapedChars<'a> {
        UnescapedChars { chars: self.raw().chars() }
    }

    /// Length in bytes of the unescaped value.
    ///
    /// ```
    /// use coap_codec::link_format::AttrValue;
    /// assert_eq!(AttrValue::Quoted(r#"\"x\""#).unescaped_len(), 3);
    /// ```
    pub fn unescaped_len(&self) -> usize {
        self.unescaped_chars().map(char::len_utf8).sum()
    }

    /// Writes the unescaped value into `out` and returns its length; the bytes are UTF-8.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] naming [`unescaped_len`](Self::unescaped_len); nothing is
    /// written then.
    ///
    /// ```
    /// use coap_codec::link_format::{AttrValue, EncodeError};
    /// let mut buf = [0u8; 8];
    /// let n = AttrValue::Quoted(r#"\"hi\""#).write_unescaped(&mut buf)?;
    /// assert_eq!(&buf[..n], br#""hi""#);
    /// assert_eq!(AttrValue::Token("123456789").write_unescaped(&mut buf), Err(EncodeError::BufferTooSmall { required: 9 }));
    /// # Ok::<(), EncodeError>(())
    /// ```
    pub fn write_unescaped(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let need = self.unescaped_len();
        let dst = out.get_mut(..need).ok_or(EncodeError::BufferTooSmall { required: need })?;
        let mut n = 0;
        for c in self.unescaped_chars() {
            let mut tmp = [0u8; 4];
            for &byte in c.encode_utf8(&mut tmp).as_bytes() {
                if let Some(slot) = dst.get_mut(n) {
                    *slot = byte;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// Whether the unescaped value equals `s`.
    ///
    /// ```
    /// use coap_codec::link_format::AttrValue;
    /// assert!(AttrValue::Quoted(r#"\"x\""#).eq_unescaped(r#""x""#));
    /// ```
    pub fn eq_unescaped(&self, s: &str) -> bool {
        self.unescaped_chars().eq(s.chars())
    }

    /// The space-separated values (RFC 6690 §2 `relation-types`; RFC 7252 §7.2.1 `ct`), raw;
    /// a token is one value.
    ///
    /// ```
    /// use coap_codec::link_format::AttrValue;
    /// assert_eq!(AttrValue::Quoted("a  b").values().collect::<Vec<_>>(), ["a", "b"]);
    /// assert_eq!(AttrValue::Token("a").values().count(), 1);
    /// ```
    pub fn values(&self) -> impl Iterator<Item = &'a str> {
        self.raw().split(' ').filter(|v| !v.is_empty())
    }
}

impl fmt::Display for AttrValue<'_> {
    /// The value as written on the wire (a quoted string with its quotes and escapes).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token(s) => f.write_str(s),
            Self::Quoted(s) => write!(f, "\"{s}\""),
        }
    }
}

/// Iterator over the characters of an [`AttrValue`] with escapes undone.
///
/// ```
/// use coap_codec::link_format::AttrValue;
/// let mut chars = AttrValue::Quoted(r"\a").unescaped_chars();
/// assert_eq!((chars.next(), chars.next()), (Some('a'), None));
/// ```
#[derive(Debug, Clone)]
pub struct UnescapedChars<'a> {
    chars: Chars<'a>,
}

impl Iterator for UnescapedChars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        // A ptoken holds no '\', so this serves both kinds of value.
        match self.chars.next()? {
            '\\' => self.chars.next(),
            c => Some(c),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The query filter (RFC 6690 §4.1).

/// A `/.well-known/core` query filter `name=pattern` (RFC 6690 §4.1); a trailing `*` in the
/// pattern makes it a prefix match.
///
/// ```
/// use coap_codec::link_format::{LinkFormat, QueryFilter};
/// let q = QueryFilter::parse("href=/sensors*").unwrap();
/// let lf = LinkFormat::new_checked("</sensors/temp>,</fw>")?;
/// assert_eq!(lf.links().filter(|l| q.matches(l)).count(), 1);
/// assert!(QueryFilter::parse("rt").is_none());
/// # Ok::<(), coap_codec::link_format::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryFilter<'q> {
    /// The attribute name, or `href` for the link target.
    pub name: &'q str,
    /// The value to match; a trailing `*` matches any suffix.
    pub pattern: &'q str,
}

impl<'q> QueryFilter<'q> {
    /// Splits one (percent-decoded) Uri-Query value `name=pattern`; `None` without `=` or with
    /// an empty name.
    ///
    /// ```
    /// use coap_codec::link_format::QueryFilter;
    /// assert_eq!(QueryFilter::parse("ct=40"), Some(QueryFilter { name: "ct", pattern: "40" }));
    /// ```
    pub fn parse(query: &'q str) -> Option<Self> {
        let (name, pattern) = query.split_once('=')?;
        (!name.is_empty()).then_some(Self { name, pattern })
    }

    /// Whether `link` passes this filter; see [`matches_query`].
    ///
    /// ```
    /// use coap_codec::link_format::{LinkFormat, QueryFilter};
    /// let lf = LinkFormat::new_checked("</a>;ct=40")?;
    /// assert!(QueryFilter { name: "ct", pattern: "40" }.matches(&lf.links().next().unwrap()));
    /// # Ok::<(), coap_codec::link_format::DecodeError>(())
    /// ```
    pub fn matches(&self, link: &Link<'_>) -> bool {
        matches_query(link, self.name, self.pattern)
    }
}

/// Whether `link` passes the `/.well-known/core` filter `?name=pattern` (RFC 6690 §4.1).
///
/// `href` matches the target; any other name matches an attribute of that name (ASCII case
/// ignored) whose whole unescaped value, or any of whose space-separated values, matches the
/// pattern. A bare attribute (`obs`) has the empty value. A pattern ending in `*` matches every
/// value that starts with the rest of it (so `rt=*` matches any `rt`).
///
/// ```
/// use coap_codec::link_format::{matches_query, LinkFormat};
/// let lf = LinkFormat::new_checked(r#"</sensors/temp>;rt="temperature-c";ct="0 40";obs"#)?;
/// let link = lf.links().next().unwrap();
/// assert!(matches_query(&link, "rt", "temperature-c"));
/// assert!(matches_query(&link, "rt", "temp*"));
/// assert!(matches_query(&link, "ct", "40"));
/// assert!(matches_query(&link, "href", "/sensors*"));
/// assert!(matches_query(&link, "obs", ""));
/// assert!(!matches_query(&link, "rt", "temperature"));
/// assert!(!matches_query(&link, "if", "*"));
/// # Ok::<(), coap_codec::link_format::DecodeError>(())
/// ```
pub fn matches_query(link: &Link<'_>, name: &str, pattern: &str) -> bool {
    let (prefix, is_prefix) = match pattern.strip_suffix('*') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let hit = |value: &str| if is_prefix { value.starts_with(prefix) } else { value == prefix };
    if name.eq_ignore_ascii_case("href") {
        return hit(link.target());
    }
    link.attributes_named(name).any(|a| match a.value {
        None => hit(""),
        Some(v) => {
            let whole = if is_prefix {
                let mut chars = v.unescaped_chars();
                prefix.chars().all(|p| chars.next() == Some(p))
            } else {
                v.eq_unescaped(prefix)
            };
            whole || v.values().any(hit)
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The writer.

/// Writes link format into a caller buffer, one link or attribute per call.
///
/// Each call computes its exact length, checks the buffer, validates, and only then writes; on
/// any error nothing was written by that call. [`attr`](Self::attr) writes a value as a token
/// when it is one (`ptoken`) and as a quoted string otherwise; `title` and `anchor` are always
/// quoted (RFC 6690 §2). Values are checked like the parser checks them (`sz`, `ct`, `anchor`).
///
/// Spec: RFC 6690 §2.
///
/// ```
/// use coap_codec::link_format::{LinkFormat, LinkWriter};
/// let mut buf = [0u8; 128];
/// let mut w = LinkWriter::new(&mut buf);
/// w.link("/sensors/temp")?.attr("rt", "temperature-c")?.attr("if", "sensor")?.flag("obs")?;
/// w.link("/fw")?.attr_uint("sz", 262_144)?.attr("title", "Firmware \"v2\"")?;
/// assert_eq!(w.as_str(), r#"</sensors/temp>;rt=temperature-c;if=sensor;obs,</fw>;sz=262144;title="Firmware \"v2\"""#);
/// assert_eq!(LinkFormat::new_checked(w.as_str()).unwrap().links().count(), 2);
/// # Ok::<(), coap_codec::link_format::EncodeError>(())
/// ```
#[derive(Debug)]
pub struct LinkWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    has_link: bool,
}

impl<'b> LinkWriter<'b> {
    /// A writer that fills `buf` from its start.
    ///
    /// ```
    /// use coap_codec::link_format::LinkWriter;
    /// let mut buf = [0u8; 16];
    /// assert!(LinkWriter::new(&mut buf).is_empty());
    /// ```
    pub fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0, has_link: false }
    }

    /// Bytes written so far.
    ///
    /// ```
    /// use coap_codec::link_format::LinkWriter;
    /// let mut buf = [0u8; 16];
    /// let mut w = LinkWriter::new(&mut buf);
    /// w.link("/a")?;
    /// assert_eq!(w.len(), 4);
    /// # Ok::<(), coap_codec::link_format::EncodeError>(())
    /// ```
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written yet.
    ///
    /// ```
    /// use coap_codec::link_format::LinkWriter;
    /// let mut buf = [0u8; 0];
    /// assert!(LinkWriter::new(&mut buf).is_empty());
    /// ```
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The output so far.
    ///
    /// ```
    /// use coap_codec::link_format::LinkWriter;
    /// let mut buf = [0u8; 16];
    /// let mut w = LinkWriter::new(&mut buf);
    /// w.link("/a")?.flag("obs")?;
    /// assert_eq!(w.as_str(), "</a>;obs");
    /// # Ok::<(), coap_codec::link_format::EncodeError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        // Only ASCII and whole UTF-8 strings are ever written.
        self.buf.get(..self.len).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or_default()
    }

    /// Ends writing and returns the length written.
    ///
    /// ```
    /// use coap_codec::link_format::LinkWriter;
    /// let mut buf = [0u8; 16];
    /// let mut w = LinkWriter::new(&mut buf);
    /// w.link("/a")?;
    /// let n = w.finish();
    /// assert_eq!(&buf[..n], b"</a>");
    /// # Ok::<(), coap_codec::link_format::EncodeError>(())
    /// ```
    pub fn finish(self) -> usize {
        self.len
    }

    /// Starts a new link `<target>` (after a `,` unless it is the first).
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`]; [`EncodeError::Invalid`] with
    /// [`LinkFormatError::InvalidTargetCharacter`] or [`LinkFormatError::InvalidPercentEncoding`].
    ///
    /// ```
    /// use coap_codec::link_format::{EncodeError, LinkFormatError, LinkWriter};
    /// let mut buf = [0u8; 32];
    /// let mut w = LinkWriter::new(&mut buf);
    /// w.link("/a")?.link("/b")?;
    /// assert_eq!(w.as_str(), "</a>,</b>");
    /// assert_eq!(w.link("/a b").unwrap_err(), EncodeError::Invalid(LinkFormatError::InvalidTargetCharacter));
    /// # Ok::<(), EncodeError>(())
    /// ```
    pub fn link(&mut self, target: &str) -> Result<&mut Self, EncodeError> {
        let comma = usize::from(self.has_link);
        self.reserve(comma + target.len() + 2)?;
        check_uri(target.as_bytes()).map_err(|(kind, _)| kind)?;
        if self.has_link {
            self.push(b',');
        }
        self.push(b'<');
        self.push_all(target.as_bytes());
        self.push(b'>');
        self.has_link = true;
        Ok(self)
    }

    /// Writes a bare attribute `;name` (such as `obs`).
    ///
    /// # Errors
    /// [`EncodeError::NoLink`], [`EncodeError::BufferTooSmall`]; [`EncodeError::Invalid`] with
    /// [`LinkFormatError::InvalidAttributeName`], or the rule a value-less `sz`, `ct`, `anchor`
    /// or `name*` breaks.
    ///
    /// ```
    /// use coap_codec::link_format::LinkWriter;
    /// let mut buf = [0u8; 16];
    /// let mut w = LinkWriter::new(&mut buf);
    /// w.link("/a")?.flag("obs")?;
    /// assert_eq!(w.as_str(), "</a>;obs");
    /// assert!(w.flag("sz").is_err());
    /// # Ok::<(), coap_codec::link_format::EncodeError>(())
    /// ```
    pub fn flag(&mut self, name: &str) -> Result<&mut Self, EncodeError> {
        self.write_attr(name, None)
    }

    /// Writes `;name=value`, as a token if `value` is a non-empty `ptoken` (and `name` is not
    /// `title` or `anchor`), else as a quoted string with `"` and `\` escaped.
    ///
    /// # Errors
    /// [`EncodeError::NoLink`], [`EncodeError::BufferTooSmall`]; [`EncodeError::Invalid`] with
    /// [`LinkFormatError::InvalidAttributeName`], [`LinkFormatError::ControlCharacter`],
    /// [`LinkFormatError::InvalidSize`], [`LinkFormatError::InvalidContentFormat`] or
    /// [`LinkFormatError::InvalidAnchor`].
    ///
    /// ```
    /// use coap_codec::link_format::LinkWriter;
    /// let mut buf = [0u8; 64];
    /// let mut w = LinkWriter::new(&mut buf);
    /// w.link("/a")?.attr("rt", "x")?.attr("rt", "a b")?.attr("ct", "0 40")?;
    /// assert_eq!(w.as_str(), r#"</a>;rt=x;rt="a b";ct="0 40""#);
    /// assert!(w.attr("ct", "x").is_err());
    /// # Ok::<(), coap_codec::link_format::EncodeError>(())
    /// ```
    pub fn attr(&mut self, name: &str, value: &str) -> Result<&mut Self, EncodeError> {
        let token = !value.is_empty()
            && value.bytes().all(is_ptoken_char)
            && !name.eq_ignore_ascii_case("title")
            && !name.eq_ignore_ascii_case("anchor");
        let value = if token { AttrValue::Token(value) } else { AttrValue::Quoted(value) };
        self.write_attr(name, Some(value))
    }

    /// Writes `;name="value"`, always quoted, with `"` and `\` escaped.
    ///
    /// # Errors
    /// As [`attr`](Self::attr).
    ///
    /// ```
    /// use coap_codec::link_format::LinkWriter;
    /// let mut buf = [0u8; 32];
    /// let mut w = LinkWriter::new(&mut buf);
    /// w.link("/a")?.attr_quoted("rt", "x")?.attr_quoted("k", r"a\b")?;
    /// assert_eq!(w.as_str(), r#"</a>;rt="x";k="a\\b""#);
    /// # Ok::<(), coap_codec::link_format::EncodeError>(())
    /// ```
    pub fn attr_quoted(&mut self, name: &str, value: &str) -> Result<&mut Self, EncodeError> {
        self.write_attr(name, Some(AttrValue::Quoted(value)))
    }

    /// Writes `;name=<decimal>`, e.g. `sz` or a single `ct`.
    ///
    /// # Errors
    /// As [`attr`](Self::attr) (`ct` above 65535 is [`LinkFormatError::InvalidContentFormat`]).
    ///
    /// ```
    /// use coap_codec::link_format::LinkWriter;
    /// let mut buf = [0u8; 32];
    /// let mut w = LinkWriter::new(&mut buf);
    /// w.link("/a")?.attr_uint("ct", 40)?.attr_uint("sz", 0)?;
    /// assert_eq!(w.as_str(), "</a>;ct=40;sz=0");
    /// # Ok::<(), coap_codec::link_format::EncodeError>(())
    /// ```
    pub fn attr_uint(&mut self, name: &str, value: u64) -> Result<&mut Self, EncodeError> {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut v = value;
        loop {
            start -= 1;
            if let Some(d) = digits.get_mut(start) {
                *d = b'0' + (v % 10) as u8; // always < 10
            }
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let text = digits.get(start..).and_then(|d| core::str::from_utf8(d).ok()).unwrap_or_default();
        self.write_attr(name, Some(AttrValue::Token(text)))
    }

    /// `value` is unescaped text: a `Quoted` one is escaped as it is written.
    fn write_attr(&mut self, name: &str, value: Option<AttrValue<'_>>) -> Result<&mut Self, EncodeError> {
        if !self.has_link {
            return Err(EncodeError::NoLink);
        }
        let base = name.strip_suffix('*').unwrap_or(name);
        let value_len = match value {
            None => 0,
            Some(AttrValue::Token(t)) => 1 + t.len(),
            Some(AttrValue::Quoted(q)) => 3 + q.len() + q.bytes().filter(|&c| c == b'"' || c == b'\\').count(),
        };
        self.reserve(1 + name.len() + value_len)?;
        if base.is_empty() || !base.bytes().all(is_attr_char) {
            return Err(LinkFormatError::InvalidAttributeName.into());
        }
        match value {
            None if base.len() != name.len() => return Err(LinkFormatError::MissingValue.into()),
            Some(AttrValue::Token(t)) if t.is_empty() || !t.bytes().all(is_ptoken_char) => {
                return Err(LinkFormatError::MissingValue.into());
            }
            Some(AttrValue::Quoted(q)) if q.bytes().any(|c| (c < 0x20 && c != b'\t') || c == 0x7f) => {
                return Err(LinkFormatError::ControlCharacter.into());
            }
            _ => {}
        }
        // The quoted checks see unescaped text; any '"' or '\' fails them as it would escaped.
        check_param(name, value)?;
        self.push(b';');
        self.push_all(name.as_bytes());
        match value {
            None => {}
            Some(AttrValue::Token(t)) => {
                self.push(b'=');
                self.push_all(t.as_bytes());
            }
            Some(AttrValue::Quoted(q)) => {
                self.push_all(b"=\"");
                for c in q.bytes() {
                    if c == b'"' || c == b'\\' {
                        self.push(b'\\');
                    }
                    self.push(c);
                }
                self.push(b'"');
            }
        }
        Ok(self)
    }

    fn reserve(&self, n: usize) -> Result<(), EncodeError> {
        let required = self.len.saturating_add(n);
        if required > self.buf.len() {
            Err(EncodeError::BufferTooSmall { required })
        } else {
            Ok(())
        }
    }

    /// Writes one byte; callers [`reserve`](Self::reserve) first.
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn push_all(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.len..self.len + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }
}
