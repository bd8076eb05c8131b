/// Whether the (already valid) filter `filter` matches the topic name `topic`.
///
/// `+` matches one level, `#` the parent level and everything below it; filters that start
/// with a wildcard do not match topics that start with `$` (`MQTT-4.7.2-1`).
///
/// Spec: 5.0 §4.7.1, §4.7.2.
///
/// ```
/// use mqtt_codec::topic::matches;
/// assert!(matches("sport/tennis/#", "sport/tennis"));
/// assert!(matches("sport/+/player1", "sport/tennis/player1"));
/// assert!(!matches("+/monitor", "$SYS/monitor"));
/// assert!(matches("$SYS/#", "$SYS/monitor"));
/// ```
pub fn matches(filter: &str, topic: &str) -> bool {
    // MQTT-4.7.2-1: wildcards at the first level never match a '$' topic.
    if topic.starts_with('$') && (filter.starts_with('+') || filter.starts_with('#')) {
        return false;
    }
    let mut f = filter.split('/');
    let mut t = topic.split('/');
    loop {
        match (f.next(), t.next()) {
            (Some("#"), _) => return true,
            (Some("+"), Some(_)) => {}
            (Some(fl), Some(tl)) if fl == tl => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::matches;

    #[test]
    fn spec_examples_4_7_1() {
        // 5.0 §4.7.1.2 non-normative examples.
        for t in ["sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon"] {
            assert!(matches("sport/tennis/player1/#", t), "{t}");
        }
        assert!(matches("sport/#", "sport"));
        assert!(matches("sport/tennis/+", "sport/tennis/player1"));
        assert!(!matches("sport/tennis/+", "sport/tennis/player1/ranking"));
        assert!(!matches("sport/+", "sport"));
        assert!(matches("sport/+", "sport/"));
        assert!(matches("+/+", "/finance"));
        assert!(matches("/+", "/finance"));
        assert!(!matches("+", "/finance"));
        assert!(matches("#", "/"));
        assert!(!matches("#", "$SYS"));
        assert!(!matches("+/#", "$SYS/x"));
        assert!(matches("$SYS/+", "$SYS/x"));
        assert!(!matches("a/b", "a/b/c"));
        assert!(!matches("a/b/c", "a/b"));
    }
}
