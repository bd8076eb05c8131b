use core::fmt;

use crate::wire::string::{self, Scan};
use crate::wire::{Field, Malformed};

/// A validated Topic Name (the topic of a PUBLISH or a will): UTF-8, at most 65,535 bytes,
/// no U+0000, no wildcards.
///
/// Spec: `MQTT-4.7.3-1`, `MQTT-4.7.3-2`, `MQTT-4.7.3-3`, `MQTT-3.3.2-2`.
///
/// ```
/// use mqtt_codec::topic::TopicName;
/// let t = TopicName::new("sensors/kitchen/temp").unwrap();
/// assert_eq!(t.as_str(), "sensors/kitchen/temp");
/// assert!(TopicName::new("sensors/+/temp").is_err());
/// assert!(TopicName::new("").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicName<'a>(&'a str);

impl<'a> TopicName<'a> {
    /// Validates `s` as a Topic Name.
    ///
    /// # Errors
    /// [`Malformed::EmptyTopicName`], [`Malformed::WildcardInTopicName`],
    /// [`Malformed::NullCharacter`], [`Malformed::FieldTooLong`].
    #[inline]
    pub fn new(s: &'a str) -> Result<Self, Malformed> {
        if s.is_empty() {
            return Err(Malformed::EmptyTopicName); // MQTT-4.7.3-1
        }
        if s.len() > usize::from(u16::MAX) {
            return Err(Malformed::FieldTooLong(Field::TopicName)); // MQTT-4.7.3-3
        }
        match string::scan(s.as_bytes(), true) {
            Scan::Clean => Ok(Self(s)),
            Scan::Nul => Err(Malformed::NullCharacter(Field::TopicName)), // MQTT-4.7.3-2
            Scan::Wildcard => Err(Malformed::WildcardInTopicName),        // MQTT-3.3.2-2
            // Valid UTF-8 already (a &str): only U+0000 and the wildcards remain to check.
            // U+0000 is reported before a wildcard, as on the ASCII path.
            Scan::NonAscii if s.as_bytes().contains(&0) => Err(Malformed::NullCharacter(Field::TopicName)),
            Scan::NonAscii if s.as_bytes().iter().any(|&b| b == b'+' || b == b'#') => {
                Err(Malformed::WildcardInTopicName)
            }
            Scan::NonAscii => Ok(Self(s)),
        }
    }

    /// The zero-length topic of an MQTT 5.0 PUBLISH that names its topic by Topic Alias only
    /// (5.0 §3.3.2.3.4). The encoder refuses it without a Topic Alias property.
    ///
    /// ```
    /// use mqtt_codec::topic::TopicName;
    /// assert!(TopicName::alias_only().is_empty());
    /// ```
    pub const fn alias_only() -> Self {
        Self("")
    }

    /// A non-empty topic whose bytes are plain ASCII without U+0000 or wildcards; `None` for
    /// anything else (the caller then takes the general path).
    #[inline(always)]
    pub(crate) fn from_clean_ascii(bytes: &'a [u8]) -> Option<Self> {
        let scanned = string::scan(bytes, true);
        if bytes.is_empty() || scanned != Scan::Clean {
            return None;
        }
        string::ascii_str(bytes, scanned).map(Self)
    }

    /// Validates a topic read off the wire (at most 65,535 bytes by its length prefix) that may
    /// be empty (a 5.0 PUBLISH topic; the caller checks the alias): UTF-8, U+0000 and wildcards
    /// in one pass. This is the decoder's hot path.
    #[inline]
    pub(crate) fn from_wire(bytes: &'a [u8]) -> Result<Self, Malformed> {
        string::check_topic_name(bytes).map(Self)
    }

    /// The topic as a string slice.
    pub const fn as_str(&self) -> &'a str {
        self.0
    }

    /// Whether this is the zero-length (alias-only) topic.
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The topic's levels, split at `/` (5.0 §4.7.1.1).
    ///
    /// ```
    /// use mqtt_codec::topic::TopicName;
    /// let levels: Vec<_> = TopicName::new("/a//b").unwrap().levels().collect();
    /// assert_eq!(levels, ["", "a", "", "b"]);
    /// ```
    pub fn levels(&self) -> core::str::Split<'a, char> {
        self.0.split('/')
    }
}

impl fmt::Debug for TopicName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for TopicName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl AsRef<str> for TopicName<'_> {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl<'a> TryFrom<&'a str> for TopicName<'a> {
    type Error = Malformed;
    fn try_from(s: &'a str) -> Result<Self, Malformed> {
        Self::new(s)
    }
}
