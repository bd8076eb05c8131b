use core::fmt;

use crate::wire::string::{self, Scan};
use crate::wire::{Field, Malformed};

/// A validated Topic Filter: UTF-8, at most 65,535 bytes, no U+0000, `#` only alone at the last
/// level, `+` only as a whole level. A filter that starts with `$share/` must be a well-formed
/// shared subscription.
///
/// Spec: `MQTT-4.7.3-1`, `MQTT-4.7.1-1` (5.0), `MQTT-4.7.1-2` (5.0), `MQTT-4.8.2-1`, `MQTT-4.8.2-2`.
///
/// ```
/// use mqtt_codec::topic::TopicFilter;
/// assert!(TopicFilter::new("sensors/+/temp").is_ok());
/// assert!(TopicFilter::new("sensors/#").is_ok());
/// assert!(TopicFilter::new("sensors/te#").is_err());
/// let shared = TopicFilter::new("$share/group/a/+").unwrap().shared().unwrap();
/// assert_eq!((shared.group, shared.filter.as_str()), ("group", "a/+"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicFilter<'a>(&'a str);

/// A shared subscription `$share/{group}/{filter}` split into its parts (5.0 §4.8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedSubscription<'a> {
    /// The ShareName: at least one character, no `/`, `+` or `#`.
    pub group: &'a str,
    /// The filter the group subscribes to.
    pub filter: TopicFilter<'a>,
}

const SHARE_PREFIX: &str = "$share/";

impl<'a> TopicFilter<'a> {
    /// Validates `s` as a Topic Filter.
    ///
    /// # Errors
    /// [`Malformed::EmptyTopicFilter`], [`Malformed::MultiLevelWildcardNotLast`],
    /// [`Malformed::SingleLevelWildcardNotAlone`], [`Malformed::InvalidSharedSubscription`],
    /// [`Malformed::NullCharacter`], [`Malformed::FieldTooLong`].
    #[inline]
    pub fn new(s: &'a str) -> Result<Self, Malformed> {
        if s.len() > usize::from(u16::MAX) {
            return Err(Malformed::FieldTooLong(Field::TopicFilter)); // MQTT-4.7.3-3
        }
        let scanned = string::scan(s.as_bytes(), true);
        if scanned == Scan::Nul || (scanned == Scan::NonAscii && s.as_bytes().contains(&0)) {
            return Err(Malformed::NullCharacter(Field::TopicFilter)); // MQTT-4.7.3-2
        }
        Self::check_structure(s, scanned)
    }

    /// Validates a filter read off the wire (at most 65,535 bytes by its length prefix): UTF-8,
    /// U+0000, wildcard placement and the shared form, with one pass over plain ASCII.
    #[inline]
    pub(crate) fn from_wire(bytes: &'a [u8]) -> Result<Self, Malformed> {
        let scanned = string::scan(bytes, true);
        let s = match string::ascii_str(bytes, scanned) {
            Some(s) => s,
            None if scanned == Scan::Nul => return Err(Malformed::NullCharacter(Field::TopicFilter)),
            None => string::slow(bytes, Field::TopicFilter)?,
        };
        Self::check_structure(s, scanned)
    }

    /// The level and shared-subscription rules, given what the byte scan found.
    #[inline]
    fn check_structure(s: &'a str, scanned: Scan) -> Result<Self, Malformed> {
        if s.is_empty() {
            return Err(Malformed::EmptyTopicFilter); // MQTT-4.7.3-1
        }
        // The ShareName's own rule first: `$share/g+/a` is a bad ShareName, not a bad level.
        // (The `$` test spares ordinary filters the prefix comparison.)
        if let Some(rest) = s.strip_prefix('$').and_then(|r| r.strip_prefix(&SHARE_PREFIX[1..])) {
            split_shared(rest)?;
        }
        if scanned != Scan::Clean {
            check_levels(s)?;
        }
        Ok(Self(s))
    }

    /// The filter as a string slice.
    pub const fn as_str(&self) -> &'a str {
        self.0
    }

    /// Splits a `$share/{group}/{filter}` filter; `None` for an ordinary filter.
    pub fn shared(&self) -> Option<SharedSubscription<'a>> {
        let rest = self.0.strip_prefix('$')?.strip_prefix(&SHARE_PREFIX[1..])?;
        split_shared(rest).ok()
    }

    /// Whether the filter holds `+` or `#`.
    pub fn has_wildcards(&self) -> bool {
        self.0.bytes().any(|b| b == b'+' || b == b'#')
    }

    /// Whether this filter matches `topic`, with the `$`-topic rule (`MQTT-4.7.2-1`). A shared
    /// subscription matches on its inner filter.
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, TopicName};
    /// let f = TopicFilter::new("#").unwrap();
    /// assert!(f.matches(TopicName::new("a/b").unwrap()));
    /// assert!(!f.matches(TopicName::new("$SYS/uptime").unwrap()));
    /// ```
    pub fn matches(&self, topic: crate::topic::TopicName<'_>) -> bool {
        let filter = match self.shared() {
            Some(s) => s.filter.0,
            None => self.0,
        };
        super::matches(filter, topic.as_str())
    }
}

/// The wildcard rules: a level holding `#` must be exactly `#` and the last (`MQTT-4.7.1-1`
/// (5.0)); a level holding `+` must be exactly `+` (`MQTT-4.7.1-2` (5.0)). The fast check looks
/// only at the neighbours of each wildcard; when it fails, the level-by-level pass names the
/// rule (a level holding both is reported as the `#` rule).
#[inline]
fn check_levels(s: &str) -> Result<(), Malformed> {
    let b = s.as_bytes();
    let alone = |i: usize| {
        let before = i.checked_sub(1).and_then(|j| b.get(j)).map_or(true, |&c| c == b'/');
        let after = b.get(i + 1).map_or(true, |&c| c == b'/');
        (before, after)
    };
    let ok = b.iter().enumerate().all(|(i, &c)| match c {
        b'#' => alone(i).0 && i + 1 == b.len(),
        b'+' => alone(i) == (true, true),
        _ => true,
    });
    if ok {
        Ok(())
    } else {
        name_level_rule(s)
    }
}

#[cold]
fn name_level_rule(s: &str) -> Result<(), Malformed> {
    let mut levels = s.split('/').peekable();
    while let Some(level) = levels.next() {
        if level.contains('#') && (level != "#" || levels.peek().is_some()) {
            return Err(Malformed::MultiLevelWildcardNotLast);
        }
        if level.contains('+') && level != "+" {
            return Err(Malformed::SingleLevelWildcardNotAlone);
        }
    }
    Ok(())
}

fn split_shared(rest: &str) -> Result<SharedSubscription<'_>, Malformed> {
    // MQTT-4.8.2-1: ShareName is at least one character with no '/', '+' or '#';
    // MQTT-4.8.2-2: it is followed by '/' and a Topic Filter.
    let (group, filter) = rest.split_once('/').ok_or(Malformed::InvalidSharedSubscription)?;
    if group.is_empty() || group.contains(['+', '#']) || filter.is_empty() {
        return Err(Malformed::InvalidSharedSubscription);
    }
    Ok(SharedSubscription { group, filter: TopicFilter(filter) })
}

impl fmt::Debug for TopicFilter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl fmt::Display for TopicFilter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl AsRef<str> for TopicFilter<'_> {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl<'a> TryFrom<&'a str> for TopicFilter<'a> {
    type Error = Malformed;
    fn try_from(s: &'a str) -> Result<Self, Malformed> {
        Self::new(s)
    }
}
