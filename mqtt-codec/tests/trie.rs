//! The subscription trie: the matching examples of 5.0 §4.7, replacement, unsubscription (and
//! the memory it returns), sessions ending, shared groups, and a model check against
//! `TopicFilter::matches` over random filters, topics and operations.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use mqtt_codec::topic::{Match, TopicFilter, TopicName, Trie};
use proptest::prelude::*;

fn filter(s: &str) -> TopicFilter<'_> {
    TopicFilter::new(s).unwrap()
}

fn topic(s: &str) -> TopicName<'_> {
    TopicName::new(s).unwrap()
}

/// The non-shared matches as (key, filter), sorted.
fn direct<V>(trie: &Trie<u32, V>, t: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    trie.for_each_match(topic(t), |m| {
        if let Match::Direct { key, filter, .. } = m {
            out.push((key, filter.to_owned()));
        }
    });
    out.sort();
    out
}

/// The shared matches as (group, filter, member keys), sorted.
fn shared<V>(trie: &Trie<u32, V>, t: &str) -> Vec<(String, String, Vec<u32>)> {
    let mut out = Vec::new();
    trie.for_each_match(topic(t), |m| {
        if let Match::Shared { group, filter, members } = m {
            out.push((group.to_owned(), filter.to_owned(), members.iter().map(|(k, _)| *k).collect()));
        }
    });
    out.sort();
    out
}

/// 5.0 §4.7.1.2 (`#`), §4.7.1.3 (`+`) and §4.7.2 (`$` topics): filter, topic, matches.
const SPEC_EXAMPLES: &[(&str, &str, bool)] = &[
    // §4.7.1.2: `#` matches the parent level and any number of child levels.
    ("sport/tennis/player1/#", "sport/tennis/player1", true),
    ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
    ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
    ("sport/tennis/player1/#", "sport/tennis/player2", false),
    ("sport/tennis/player1/#", "sport/tennis", false),
    ("sport/#", "sport", true),
    ("sport/#", "sport/", true),
    ("sport/#", "sports", false),
    ("#", "sport/tennis/player1", true),
    ("#", "/", true),
    // §4.7.1.3: `+` matches exactly one level, an empty one included.
    ("sport/tennis/+", "sport/tennis/player1", true),
    ("sport/tennis/+", "sport/tennis/player2", true),
    ("sport/tennis/+", "sport/tennis/player1/ranking", false),
    ("sport/+", "sport", false),
    ("sport/+", "sport/", true),
    ("+/+", "/finance", true),
    ("/+", "/finance", true),
    ("+", "/finance", false),
    ("+/tennis/#", "sport/tennis/player1", true),
    ("sport/+/player1", "sport/tennis/player1", true),
    // §4.7.1.1: empty levels are levels.
    ("a//b", "a//b", true),
    ("a/+/b", "a//b", true),
    ("a/b", "a//b", false),
    ("/", "/", true),
    ("+/+", "/", true),
    ("+", "/", false),
    // §4.7.2, MQTT-4.7.2-1: a filter starting with a wildcard does not match a `$` topic.
    ("#", "$SYS/monitor/Clients", false),
    ("#", "$SYS", false),
    ("+/monitor/Clients", "$SYS/monitor/Clients", false),
    ("+", "$SYS", false),
    ("+/#", "$SYS/x", false),
    ("$SYS/#", "$SYS/monitor/Clients", true),
    ("$SYS/#", "$SYS", true),
    ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
    // The rule is about the first level only.
    ("a/+", "a/$x", true),
    ("a/#", "a/$x/y", true),
];

#[test]
fn spec_examples_match_as_a_table() {
    let mut trie = Trie::new();
    let filters: BTreeSet<&str> = SPEC_EXAMPLES.iter().map(|(f, _, _)| *f).collect();
    let keys: BTreeMap<&str, u32> = filters.iter().enumerate().map(|(i, f)| (*f, i as u32)).collect();
    for (f, key) in &keys {
        assert_eq!(trie.subscribe(filter(f), *key, ()), None);
    }
    for &(f, t, expected) in SPEC_EXAMPLES {
        let found = direct(&trie, t).contains(&(keys[f], f.to_owned()));
        assert_eq!(found, expected, "{f:?} on {t:?}");
        assert_eq!(filter(f).matches(topic(t)), expected, "the oracle disagrees on {f:?} {t:?}");
    }
}

#[test]
fn resubscribe_replaces_the_subscription() {
    // MQTT-3.8.4-3: an identical filter from the same session replaces its subscription.
    let mut trie = Trie::new();
    assert_eq!(trie.subscribe(filter("a/+"), 1, "qos0"), None);
    assert_eq!(trie.subscribe(filter("a/+"), 1, "qos2"), Some("qos0"));
    assert_eq!((trie.len(), trie.subscriptions_of(1), trie.node_count()), (1, 1, 2));
    let mut values = Vec::new();
    trie.for_each_match(topic("a/b"), |m| {
        if let Match::Direct { value, .. } = m {
            values.push(*value);
        }
    });
    assert_eq!(values, ["qos2"]);
    // Another session, or another filter of the same session, is a new subscription.
    assert_eq!(trie.subscribe(filter("a/+"), 2, "x"), None);
    assert_eq!(trie.subscribe(filter("a/#"), 1, "y"), None);
    assert_eq!(trie.len(), 3);
    assert_eq!(direct(&trie, "a/b"), [(1, "a/#".into()), (1, "a/+".into()), (2, "a/+".into())]);
    assert_eq!(trie.get(filter("a/+"), 1), Some(&"qos2"));
    assert!(trie.contains(filter("a/#"), 1));
    assert!(!trie.contains(filter("a/#"), 2));
}

#[test]
fn unsubscribe_removes_and_frees_nodes() {
    let mut trie = Trie::new();
    let filters = ["a/b/c", "a/b", "a/+/c", "a/#", "#", "+", "a/b/c/d/e/f", "x//y"];
    for (key, f) in filters.iter().enumerate() {
        trie.subscribe(filter(f), key as u32, ());
    }
    // a, a/b, a/b/c, a/+, a/+/c, a/#, #, +, a/b/c/d, .../e, .../f, x, x/, x//y
    assert_eq!((trie.len(), trie.node_count()), (8, 14));
    // Not subscribed: another key, another filter, a shared form of the same filter.
    assert_eq!(trie.unsubscribe(filter("a/b/c"), 99), None);
    assert_eq!(trie.unsubscribe(filter("a/b/+"), 0), None);
    assert_eq!(trie.unsubscribe(filter("$share/g/a/b/c"), 0), None);
    assert_eq!(trie.len(), 8);

    // `a/b/c` keeps its node: `a/b/c/d/e/f` passes through it.
    assert_eq!(trie.unsubscribe(filter("a/b/c"), 0), Some(()));
    assert_eq!((trie.len(), trie.node_count()), (7, 14));
    assert!(direct(&trie, "a/b/c").iter().all(|(_, f)| f != "a/b/c"));
    // The deep filter goes with `d`, `e`, `f` and now `c`.
    assert_eq!(trie.unsubscribe(filter("a/b/c/d/e/f"), 6), Some(()));
    assert_eq!(trie.node_count(), 10);
    assert_eq!(trie.unsubscribe(filter("x//y"), 7), Some(()));
    assert_eq!(trie.node_count(), 7);
    for (key, f) in [(1, "a/b"), (2, "a/+/c"), (3, "a/#"), (4, "#"), (5, "+")] {
        assert_eq!(trie.unsubscribe(filter(f), key), Some(()), "{f}");
        assert_eq!(trie.unsubscribe(filter(f), key), None, "{f} twice");
    }
    assert_eq!((trie.len(), trie.node_count(), trie.subscriptions_of(1)), (0, 0, 0));
    assert!(trie.is_empty());
    assert!(direct(&trie, "a/b").is_empty());
}

#[test]
fn unsubscribe_all_ends_a_session_only() {
    let mut trie = Trie::new();
    for key in 0..3u32 {
        trie.subscribe(filter("room/+/temp"), key, key);
        trie.subscribe(filter(&format!("client/{key}/#")), key, key);
        trie.subscribe(filter("$share/workers/jobs/#"), key, key);
    }
    trie.subscribe(filter("room/+/temp"), 1, 10); // a replacement is not a second subscription
    assert_eq!((trie.len(), trie.subscriptions_of(1)), (9, 3));

    assert_eq!(trie.unsubscribe_all(1), 3);
    assert_eq!(trie.unsubscribe_all(1), 0);
    assert_eq!((trie.len(), trie.subscriptions_of(1), trie.subscriptions_of(0)), (6, 0, 3));
    assert_eq!(direct(&trie, "room/kitchen/temp"), [(0, "room/+/temp".into()), (2, "room/+/temp".into())]);
    assert!(direct(&trie, "client/1/x").is_empty());
    assert_eq!(shared(&trie, "jobs/7"), [("workers".into(), "jobs/#".into(), vec![0, 2])]);

    trie.unsubscribe_all(0);
    trie.unsubscribe_all(2);
    assert_eq!((trie.len(), trie.node_count()), (0, 0));
}

#[test]
fn ten_thousand_sessions_subscribe_match_and_leave() {
    // Wide levels and crowded filters: both grow past the small-vector form and back.
    const N: u32 = 10_000;
    let mut trie = Trie::new();
    for key in 0..N {
        trie.subscribe(filter(&format!("devices/{key}/cmd")), key, ());
        trie.subscribe(filter(&format!("devices/{key}/config/#")), key, ());
        trie.subscribe(filter("broadcast/#"), key, ());
    }
    assert_eq!(trie.len(), 3 * N as usize);
    // devices, devices/{id}, .../cmd, .../config, .../config/#, broadcast, broadcast/#
    assert_eq!(trie.node_count(), 2 + 4 * N as usize + 1);
    assert_eq!(direct(&trie, "devices/4711/cmd"), [(4711, "devices/4711/cmd".into())]);
    assert_eq!(direct(&trie, "devices/4711/config"), [(4711, "devices/4711/config/#".into())]);
    assert_eq!(direct(&trie, "broadcast/all").len(), N as usize);
    for key in (0..N).rev() {
        assert_eq!(trie.unsubscribe_all(key), 3);
        if key == N / 2 {
            assert_eq!(direct(&trie, "broadcast").len(), key as usize);
            assert_eq!(direct(&trie, "devices/17/config/a"), [(17, "devices/17/config/#".into())]);
        }
    }
    assert_eq!((trie.len(), trie.node_count()), (0, 0));
}

#[test]
fn shared_groups_on_one_filter() {
    // 5.0 §4.8.2: each group on a filter receives each message once, through one member.
    let mut trie = Trie::new();
    trie.subscribe(filter("$share/a/sensors/+"), 1, 'a');
    trie.subscribe(filter("$share/a/sensors/+"), 2, 'b');
    trie.subscribe(filter("$share/b/sensors/+"), 1, 'c');
    trie.subscribe(filter("sensors/+"), 1, 'd'); // separate from the key's memberships
    trie.subscribe(filter("$share/a/sensors/#"), 3, 'e'); // same group, another filter
    assert_eq!((trie.len(), trie.subscriptions_of(1), trie.node_count()), (5, 3, 3));
    assert_eq!(trie.subscribe(filter("$share/a/sensors/+"), 2, 'B'), Some('b'));

    let mut groups = Vec::new();
    trie.for_each_match(topic("sensors/t"), |m| {
        if let Match::Shared { group, filter, members } = m {
            groups.push((group, filter, members.to_vec()));
        }
    });
    groups.sort();
    assert_eq!(
        groups,
        [
            ("a", "sensors/#", vec![(3, 'e')]),
            ("a", "sensors/+", vec![(1, 'a'), (2, 'B')]),
            ("b", "sensors/+", vec![(1, 'c')]),
        ]
    );
    assert_eq!(direct(&trie, "sensors/t"), [(1, "sensors/+".into())]);
    assert_eq!(trie.get(filter("$share/b/sensors/+"), 1), Some(&'c'));
    assert_eq!(trie.get(filter("$share/b/sensors/+"), 2), None);

    // A member leaves; the group stays for the others, then goes with the last one.
    assert_eq!(trie.unsubscribe(filter("$share/a/sensors/+"), 1), Some('a'));
    assert_eq!(shared(&trie, "sensors/t")[1], ("a".into(), "sensors/+".into(), vec![2]));
    assert_eq!(trie.unsubscribe(filter("$share/b/sensors/+"), 1), Some('c'));
    assert_eq!(trie.unsubscribe(filter("$share/b/sensors/+"), 1), None);
    assert_eq!(shared(&trie, "sensors/t").len(), 2);
    assert_eq!(direct(&trie, "sensors/t"), [(1, "sensors/+".into())]);
    assert_eq!(trie.unsubscribe_all(2), 1);
    assert_eq!(shared(&trie, "sensors/t"), [("a".into(), "sensors/#".into(), vec![3])]);
    // MQTT-4.7.2-1 applies to the filter after `$share/{group}/`.
    trie.subscribe(filter("$share/c/#"), 4, 'f');
    assert!(shared(&trie, "$SYS/x").is_empty());
    assert_eq!(shared(&trie, "x"), [("c".into(), "#".into(), vec![4])]);
    for key in [1, 3, 4] {
        assert_eq!(trie.unsubscribe_all(key), 1);
    }
    assert_eq!((trie.len(), trie.node_count()), (0, 0));
}

#[test]
fn deepest_filter_and_topic_do_not_overflow_the_stack() {
    // 65,535 bytes of `/`: 65,536 empty levels, one node each. Matching, pruning and dropping
    // are iterative.
    let deep = "/".repeat(65_535);
    let mut trie = Trie::new();
    trie.subscribe(filter(&deep), 1u32, ());
    trie.subscribe(filter("+/#"), 2, ());
    assert_eq!(trie.node_count(), 65_536 + 2);
    assert_eq!(direct(&trie, &deep), [(1, deep.clone()), (2, "+/#".into())]);
    assert_eq!(trie.unsubscribe(filter(&deep), 1), Some(()));
    assert_eq!(trie.node_count(), 2);
    trie.subscribe(filter(&deep), 1, ());
    drop(trie);
}

#[test]
fn debug_prints_a_summary() {
    let mut trie = Trie::new();
    trie.subscribe(filter("a/b"), 1u32, ());
    assert_eq!(format!("{trie:?}"), "Trie { len: 1, nodes: 2, keys: 1, .. }");
}

// ---- Model check against the brute-force predicate -------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Subscribe(String, u32, u8),
    Unsubscribe(String, u32),
    UnsubscribeAll(u32),
}

fn levels(with_wildcards: bool) -> impl Strategy<Value = String> {
    let level = if with_wildcards {
        prop::sample::select(vec!["a", "b", "$x", "", "+"])
    } else {
        prop::sample::select(vec!["a", "b", "$x", ""])
    };
    prop::collection::vec(level, 1..5).prop_map(|l| l.join("/"))
}

fn a_filter() -> impl Strategy<Value = String> {
    let composed = (levels(true), any::<bool>(), prop::sample::select(vec!["", "$share/g/", "$share/h/"]))
        .prop_map(|(f, hash, share)| {
            let f = if hash { format!("{f}/#") } else { f };
            format!("{share}{f}")
        })
        .prop_filter("valid", |f| TopicFilter::new(f).is_ok());
    prop_oneof![9 => composed, 1 => Just("#".to_owned())]
}

fn a_topic() -> impl Strategy<Value = String> {
    levels(false).prop_filter("non-empty", |t| !t.is_empty())
}

fn an_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (a_filter(), 0..4u32, any::<u8>()).prop_map(|(f, k, v)| Op::Subscribe(f, k, v)),
        3 => (a_filter(), 0..4u32).prop_map(|(f, k)| Op::Unsubscribe(f, k)),
        1 => (0..4u32).prop_map(Op::UnsubscribeAll),
    ]
}

/// Nodes the trie needs: one per distinct level prefix of the stored filters.
fn expected_nodes(model: &BTreeMap<(String, u32), u8>) -> usize {
    let mut prefixes = BTreeSet::new();
    for (f, _) in model.keys() {
        let f = filter(f);
        let inner = f.shared().map_or(f.as_str(), |s| s.filter.as_str());
        let levels: Vec<&str> = inner.split('/').collect();
        for n in 1..=levels.len() {
            prefixes.insert(levels[..n].to_vec());
        }
    }
    prefixes.len()
}

type Direct = Vec<(u32, u8, String)>;
type Shared = Vec<(String, String, Vec<(u32, u8)>)>;

fn oracle(model: &BTreeMap<(String, u32), u8>, t: &str) -> (Direct, Shared) {
    let mut direct = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<(u32, u8)>> = BTreeMap::new();
    for ((f, key), value) in model {
        let f = filter(f);
        if !f.matches(topic(t)) {
            continue;
        }
        match f.shared() {
            None => direct.push((*key, *value, f.as_str().to_owned())),
            Some(s) => groups.entry((s.group.into(), s.filter.as_str().into())).or_default().push((*key, *value)),
        }
    }
    direct.sort();
    (direct, groups.into_iter().map(|((g, f), m)| (g, f, m)).collect())
}

fn observed(trie: &Trie<u32, u8>, t: &str) -> (Direct, Shared) {
    let (mut direct, mut shared) = (Vec::new(), Vec::new());
    trie.for_each_match(topic(t), |m| match m {
        Match::Direct { key, value, filter } => direct.push((key, *value, filter.to_owned())),
        Match::Shared { group, filter, members } => {
            shared.push((group.to_owned(), filter.to_owned(), members.to_vec()))
        }
    });
    direct.sort();
    shared.sort();
    (direct, shared)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn matches_agree_with_the_predicate(
        ops in prop::collection::vec(an_op(), 0..40),
        topics in prop::collection::vec(a_topic(), 1..12),
    ) {
        let mut trie = Trie::new();
        let mut model: BTreeMap<(String, u32), u8> = BTreeMap::new();
        for op in &ops {
            match op {
                Op::Subscribe(f, k, v) => {
                    let old = model.insert((f.clone(), *k), *v);
                    prop_assert_eq!(trie.subscribe(filter(f), *k, *v), old, "{:?}", op);
                }
                Op::Unsubscribe(f, k) => {
                    let old = model.remove(&(f.clone(), *k));
                    prop_assert_eq!(trie.unsubscribe(filter(f), *k), old, "{:?}", op);
                }
                Op::UnsubscribeAll(k) => {
                    let before = model.len();
                    model.retain(|(_, key), _| key != k);
                    prop_assert_eq!(trie.unsubscribe_all(*k), before - model.len());
                }
            }
            prop_assert_eq!(trie.len(), model.len());
            prop_assert_eq!(trie.node_count(), expected_nodes(&model), "after {:?}", op);
        }
        for k in 0..4 {
            prop_assert_eq!(trie.subscriptions_of(k), model.keys().filter(|(_, key)| *key == k).count());
        }
        for ((f, k), v) in &model {
            prop_assert_eq!(trie.get(filter(f), *k), Some(v));
        }
        for t in &topics {
            prop_assert_eq!(observed(&trie, t), oracle(&model, t), "topic {:?}", t);
        }
        for k in 0..4 {
            trie.unsubscribe_all(k);
        }
        prop_assert_eq!((trie.len(), trie.node_count()), (0, 0));
    }
}
