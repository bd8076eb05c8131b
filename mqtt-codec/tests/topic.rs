//! Topic filters and names against a plain reference implementation of the rules, on random
//! strings over the characters that matter (`/`, `+`, `#`, `$`, U+0000, non-ASCII).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use mqtt_codec::topic::{matches, TopicFilter, TopicName};
use mqtt_codec::wire::{Field, Malformed};
use proptest::prelude::*;

/// The rules as the spec words them, level by level (5.0 §4.7.1, §4.7.3, §4.8.2).
fn reference_filter(s: &str) -> Result<(), Malformed> {
    if s.contains('\0') {
        return Err(Malformed::NullCharacter(Field::TopicFilter));
    }
    if s.is_empty() {
        return Err(Malformed::EmptyTopicFilter);
    }
    if let Some(rest) = s.strip_prefix("$share/") {
        match rest.split_once('/') {
            Some((g, f)) if !g.is_empty() && !g.contains(['+', '#']) && !f.is_empty() => {}
            _ => return Err(Malformed::InvalidSharedSubscription),
        }
    }
    let levels: Vec<&str> = s.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i + 1 != levels.len()) {
            return Err(Malformed::MultiLevelWildcardNotLast);
        }
        if level.contains('+') && *level != "+" {
            return Err(Malformed::SingleLevelWildcardNotAlone);
        }
    }
    Ok(())
}

fn reference_name(s: &str) -> Result<(), Malformed> {
    if s.is_empty() {
        Err(Malformed::EmptyTopicName)
    } else if s.contains('\0') {
        Err(Malformed::NullCharacter(Field::TopicName))
    } else if s.contains(['+', '#']) {
        Err(Malformed::WildcardInTopicName)
    } else {
        Ok(())
    }
}

fn topicish() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "b", "/", "+", "#", "$", "$share/", "\0", "é", "xyzxyzxyz"]),
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn filter_validation_matches_the_reference(s in topicish()) {
        prop_assert_eq!(TopicFilter::new(&s).map(|_| ()), reference_filter(&s), "{:?}", s);
    }

    #[test]
    fn name_validation_matches_the_reference(s in topicish()) {
        prop_assert_eq!(TopicName::new(&s).map(|_| ()), reference_name(&s), "{:?}", s);
    }

    #[test]
    fn a_filter_without_wildcards_matches_exactly_itself(s in topicish(), t in topicish()) {
        if let (Ok(f), Ok(n)) = (TopicFilter::new(&s), TopicName::new(&t)) {
            if !f.has_wildcards() && f.shared().is_none() {
                prop_assert_eq!(f.matches(n), s == t);
            }
            prop_assert_eq!(matches("#", n.as_str()), !t.starts_with('$'));
        }
    }
}
