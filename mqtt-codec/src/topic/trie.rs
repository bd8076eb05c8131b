//! The subscription trie of a broker core (feature `alloc`): Topic Filters stored level by level,
//! so that matching a Topic Name walks its levels once instead of testing every filter.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::borrow::Borrow;
use core::fmt;
use core::mem;

use super::{TopicFilter, TopicName};

/// The subscriptions of a broker: for each Topic Filter, the sessions subscribed to it, found
/// again by matching a Topic Name (5.0 §4.7) in one walk over its levels.
///
/// `K` names a subscriber (a session id), `V` is what the broker keeps per subscription (the
/// Subscription Options and the Subscription Identifier). A session holds at most one
/// subscription per filter (`MQTT-3.8.4-3`); a shared filter `$share/{group}/{filter}` makes the
/// session a member of `group` on `{filter}` (5.0 §4.8.2), separate from a non-shared
/// subscription of the same session on the same filter.
///
/// Costs, for a filter or topic of `L` levels, `F` children at a level, `S` subscribers on one
/// filter, `G` members in one shared group and `n` filters of one session:
/// - [`subscribe`](Self::subscribe) and [`unsubscribe`](Self::unsubscribe):
///   O(L log F + log S + log n), plus O(G) to insert into or remove from a shared group (its
///   members are one sorted slice, handed out by [`Match::Shared`]).
/// - [`for_each_match`](Self::for_each_match): O(B · log F + M), where `B` is the number of
///   trie nodes the walk visits (at most `L + 1` per branch through a `+`; one branch when the
///   filters hold no `+`) and `M` the number of matches reported.
/// - [`unsubscribe_all`](Self::unsubscribe_all): O(n · (L log F + log S)) through a per-session
///   index of its filters; the rest of the trie is not visited.
///
/// A level's children and a filter's subscribers are a sorted `Vec` while they hold at most 32
/// entries and a `BTreeMap` above that, so `devices/{id}/#` for 10,000 devices or 10,000
/// sessions on one filter insert in O(log n) rather than moving O(n) entries.
///
/// Memory: one node per distinct level prefix of the stored filters, the filter's text once per
/// filter (reported in matches) and once per subscription (the session index). A filter of
/// 65,535 `/` has 65,536 (empty) levels, hence as many nodes: a broker should cap the filter
/// length or level count it accepts. Dropping the trie and pruning are iterative, so a deep
/// filter cannot overflow the stack.
///
/// ```
/// use mqtt_codec::topic::{Match, TopicFilter, TopicName, Trie};
///
/// let mut trie: Trie<u32, u8> = Trie::new();
/// trie.subscribe(TopicFilter::new("sport/tennis/+")?, 1, 0);
/// trie.subscribe(TopicFilter::new("sport/#")?, 2, 1);
/// trie.subscribe(TopicFilter::new("$share/pool/sport/+/player1")?, 3, 2);
///
/// let mut direct = Vec::new();
/// let mut shared = Vec::new();
/// trie.for_each_match(TopicName::new("sport/tennis/player1")?, |m| match m {
///     Match::Direct { key, filter, .. } => direct.push((key, filter)),
///     Match::Shared { group, members, .. } => shared.push((group, members.len())),
/// });
/// direct.sort();
/// assert_eq!(direct, [(1, "sport/tennis/+"), (2, "sport/#")]);
/// assert_eq!(shared, [("pool", 1)]);
/// # Ok::<(), mqtt_codec::wire::Malformed>(())
/// ```
pub struct Trie<K, V> {
    root: Node<K, V>,
    /// Subscriptions stored: non-shared ones and shared-group memberships.
    len: usize,
    /// Nodes below the root.
    nodes: usize,
    /// Each key's filters as given to `subscribe` (with any `$share/{group}/` prefix), so that
    /// `unsubscribe_all` visits only that session's paths and `subscriptions_of` is a lookup.
    by_key: BTreeMap<K, SortedMap<Box<str>, ()>>,
}

/// One match of a Topic Name against a [`Trie`], reported by [`Trie::for_each_match`].
///
/// Spec: 5.0 §3.3.4 (overlapping subscriptions), §4.8.2 (shared subscriptions).
///
/// ```
/// use mqtt_codec::topic::{Match, TopicFilter, TopicName, Trie};
///
/// let mut trie = Trie::new();
/// trie.subscribe(TopicFilter::new("a/+")?, 7u64, "options");
/// let mut found = Vec::new();
/// trie.for_each_match(TopicName::new("a/b")?, |m| found.push(m));
/// assert_eq!(found, [Match::Direct { key: 7, value: &"options", filter: "a/+" }]);
/// # Ok::<(), mqtt_codec::wire::Malformed>(())
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum Match<'a, K, V> {
    /// A non-shared subscription whose filter matches. A session with several matching filters
    /// gets one `Direct` per filter: the broker either sends one copy with the highest QoS and
    /// every Subscription Identifier, or one copy per subscription (`MQTT-3.3.4-2` to
    /// `MQTT-3.3.4-5`).
    Direct {
        /// The subscriber.
        key: K,
        /// What the broker stored with the subscription.
        value: &'a V,
        /// The subscription's Topic Filter.
        filter: &'a str,
    },
    /// A shared subscription group whose filter matches, reported once per message: the broker
    /// sends the message to one of its members (5.0 §4.8.2).
    Shared {
        /// The ShareName.
        group: &'a str,
        /// The filter after `$share/{group}/`.
        filter: &'a str,
        /// The members and their values, sorted by key; never empty.
        members: &'a [(K, V)],
    },
}

// By hand: a derive would ask `V: Copy`, and only references to `V` are copied.
impl<K: Copy, V> Clone for Match<'_, K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K: Copy, V> Copy for Match<'_, K, V> {}

/// A trie level: children by literal level, the `+` and `#` children, and the subscriptions
/// whose filter ends here.
struct Node<K, V> {
    children: SortedMap<Box<str>, Node<K, V>>,
    plus: Option<Box<Node<K, V>>>,
    /// Never has children of its own: `#` is the last level (`MQTT-4.7.1-1` (5.0)).
    hash: Option<Box<Node<K, V>>>,
    leaf: Option<Box<Leaf<K, V>>>,
}

/// The subscriptions on one filter.
struct Leaf<K, V> {
    /// The filter (without `$share/{group}/`), reported in matches.
    filter: Box<str>,
    direct: SortedMap<K, V>,
    /// Sorted by name.
    groups: Vec<Group<K, V>>,
}

struct Group<K, V> {
    name: Box<str>,
    /// Sorted by key, never empty.
    members: Vec<(K, V)>,
}

impl<K: Copy + Ord, V> Trie<K, V> {
    /// An empty trie; allocates nothing until the first subscription.
    ///
    /// ```
    /// use mqtt_codec::topic::Trie;
    /// let trie: Trie<u64, ()> = Trie::new();
    /// assert!(trie.is_empty());
    /// ```
    pub const fn new() -> Self {
        Self { root: Node::new(), len: 0, nodes: 0, by_key: BTreeMap::new() }
    }

    /// The number of subscriptions: non-shared ones plus shared-group memberships.
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, Trie};
    /// let mut trie = Trie::new();
    /// trie.subscribe(TopicFilter::new("a/b")?, 1u32, ());
    /// trie.subscribe(TopicFilter::new("$share/g/a/b")?, 1, ());
    /// assert_eq!(trie.len(), 2);
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether the trie holds no subscription.
    ///
    /// ```
    /// use mqtt_codec::topic::Trie;
    /// assert!(Trie::<u32, ()>::new().is_empty());
    /// ```
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of trie nodes: one per distinct level prefix of the stored filters (`a/+` and
    /// `a/b` make three). It returns to 0 when the last subscription goes.
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, Trie};
    /// let mut trie = Trie::new();
    /// trie.subscribe(TopicFilter::new("a/+")?, 1u32, ());
    /// trie.subscribe(TopicFilter::new("a/b")?, 1, ());
    /// assert_eq!(trie.node_count(), 3);
    /// trie.unsubscribe_all(1);
    /// assert_eq!(trie.node_count(), 0);
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub const fn node_count(&self) -> usize {
        self.nodes
    }

    /// The number of subscriptions of `key`, shared ones included (for a per-session limit).
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, Trie};
    /// let mut trie = Trie::new();
    /// trie.subscribe(TopicFilter::new("a/#")?, 1u32, ());
    /// trie.subscribe(TopicFilter::new("b")?, 1, ());
    /// assert_eq!((trie.subscriptions_of(1), trie.subscriptions_of(2)), (2, 0));
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub fn subscriptions_of(&self, key: K) -> usize {
        self.by_key.get(&key).map_or(0, SortedMap::len)
    }

    /// Calls `f` with each filter `key` subscribes to (as given to `subscribe`, with any
    /// `$share/{group}/` prefix) and its value, in filter order; for persisting a session.
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, Trie};
    /// let mut trie = Trie::new();
    /// trie.subscribe(TopicFilter::new("b")?, 1u32, 2);
    /// trie.subscribe(TopicFilter::new("$share/g/a")?, 1, 1);
    /// let mut all = Vec::new();
    /// trie.for_each_of(1, |f, v| all.push((f.to_string(), *v)));
    /// assert_eq!(all, [("$share/g/a".to_string(), 1), ("b".to_string(), 2)]);
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub fn for_each_of(&self, key: K, mut f: impl FnMut(&str, &V)) {
        let Some(filters) = self.by_key.get(&key) else { return };
        filters.for_each(|filter, ()| {
            if let Ok(tf) = TopicFilter::new(filter) {
                if let Some(v) = self.get(tf, key) {
                    f(filter, v);
                }
            }
        });
    }

    /// The value stored for `key`'s subscription on exactly `filter` (shared or not).
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, Trie};
    /// let mut trie = Trie::new();
    /// let f = TopicFilter::new("a/+")?;
    /// trie.subscribe(f, 1u32, "qos1");
    /// assert_eq!(trie.get(f, 1), Some(&"qos1"));
    /// assert_eq!(trie.get(TopicFilter::new("a/b")?, 1), None);
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub fn get(&self, filter: TopicFilter<'_>, key: K) -> Option<&V> {
        let (group, inner) = split(filter);
        let mut node = &self.root;
        for level in inner.split('/') {
            node = node.child(level)?;
        }
        let leaf = node.leaf.as_deref()?;
        match group {
            None => leaf.direct.get(&key),
            Some(name) => {
                let group = leaf.group(name)?;
                let at = group.members.binary_search_by(|(k, _)| k.cmp(&key)).ok()?;
                group.members.get(at).map(|(_, v)| v)
            }
        }
    }

    /// Whether `key` subscribes to exactly `filter` (shared or not).
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, Trie};
    /// let mut trie = Trie::new();
    /// trie.subscribe(TopicFilter::new("$share/g/a")?, 1u32, ());
    /// assert!(trie.contains(TopicFilter::new("$share/g/a")?, 1));
    /// assert!(!trie.contains(TopicFilter::new("a")?, 1));
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub fn contains(&self, filter: TopicFilter<'_>, key: K) -> bool {
        self.get(filter, key).is_some()
    }

    /// Adds `key`'s subscription on `filter`, or replaces it (and returns the old value) when
    /// `key` already subscribes to exactly this filter (`MQTT-3.8.4-3`). A shared filter
    /// `$share/{group}/{filter}` adds `key` to `group` on `{filter}` (5.0 §4.8.2): a member of
    /// two groups, or of a group and a non-shared subscription on the same filter, holds
    /// separate subscriptions.
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, Trie};
    /// let mut trie = Trie::new();
    /// let f = TopicFilter::new("sensors/+/temp")?;
    /// assert_eq!(trie.subscribe(f, 1u32, 0u8), None);
    /// assert_eq!(trie.subscribe(f, 1, 2), Some(0)); // replaced
    /// assert_eq!(trie.subscribe(TopicFilter::new("$share/g/sensors/+/temp")?, 1, 1), None);
    /// assert_eq!(trie.len(), 2);
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub fn subscribe(&mut self, filter: TopicFilter<'_>, key: K, value: V) -> Option<V> {
        let (group, inner) = split(filter);
        // Always `Some`: the path has just been made.
        let leaf = self.leaf_or_insert(inner)?;
        let old = match group {
            None => leaf.direct.insert(key, value),
            Some(name) => leaf.insert_member(name, key, value),
        };
        if old.is_none() {
            self.len += 1;
            self.by_key.entry(key).or_default().insert(Box::from(filter.as_str()), ());
        }
        old
    }

    /// Removes `key`'s subscription on exactly `filter` (shared or not) and returns its value;
    /// `None` if there was none (5.0 UNSUBACK reason 0x11, No subscription existed). Nodes left
    /// without subscriptions are freed.
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, Trie};
    /// let mut trie = Trie::new();
    /// let f = TopicFilter::new("a/b/c")?;
    /// trie.subscribe(f, 1u32, 'x');
    /// assert_eq!(trie.unsubscribe(TopicFilter::new("a/+/c")?, 1), None); // not the same filter
    /// assert_eq!(trie.unsubscribe(f, 1), Some('x'));
    /// assert_eq!((trie.len(), trie.node_count()), (0, 0));
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub fn unsubscribe(&mut self, filter: TopicFilter<'_>, key: K) -> Option<V> {
        let old = self.remove(filter, key)?;
        if let Some(filters) = self.by_key.get_mut(&key) {
            filters.remove(filter.as_str());
            if filters.is_empty() {
                self.by_key.remove(&key);
            }
        }
        Some(old)
    }

    /// Removes every subscription of `key` (its session ended) and returns how many there were.
    /// Visits only that session's filters, through the per-session index.
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, Trie};
    /// let mut trie = Trie::new();
    /// trie.subscribe(TopicFilter::new("a/#")?, 1u32, ());
    /// trie.subscribe(TopicFilter::new("$share/g/b")?, 1, ());
    /// trie.subscribe(TopicFilter::new("a/#")?, 2, ());
    /// assert_eq!(trie.unsubscribe_all(1), 2);
    /// assert_eq!(trie.unsubscribe_all(1), 0);
    /// assert_eq!(trie.len(), 1);
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub fn unsubscribe_all(&mut self, key: K) -> usize {
        let Some(filters) = self.by_key.remove(&key) else {
            return 0;
        };
        let mut removed = 0;
        filters.for_each(|filter, ()| {
            // Always valid: it was a `TopicFilter` when it was stored.
            if let Ok(filter) = TopicFilter::new(filter) {
                removed += usize::from(self.remove(filter, key).is_some());
            }
        });
        removed
    }

    /// Calls `f` for every subscription whose filter matches `topic`: one [`Match::Direct`] per
    /// matching non-shared subscription and one [`Match::Shared`] per matching shared group, in
    /// no particular order.
    ///
    /// The rules (5.0 §4.7.1, §4.7.2): `+` matches exactly one level and `#` the parent level
    /// and any number below it (`sport/#` matches `sport`, 5.0 §4.7.1.2); an empty level is a
    /// level; a filter whose first level is `+` or `#` does not match a topic starting with `$`
    /// (`MQTT-4.7.2-1`). These are the rules of [`TopicFilter::matches`]. Resolve a Topic Alias
    /// first: the zero-length topic is matched as one empty level.
    ///
    /// The walk keeps a stack of the `+` branches still to follow, which allocates only when a
    /// level has both a literal and a `+` child on the topic's path.
    ///
    /// ```
    /// use mqtt_codec::topic::{TopicFilter, TopicName, Trie};
    /// let mut trie = Trie::new();
    /// for (key, f) in [(1u32, "#"), (2, "$SYS/#"), (3, "+/uptime")] {
    ///     trie.subscribe(TopicFilter::new(f)?, key, ());
    /// }
    /// let mut keys = Vec::new();
    /// trie.for_each_match(TopicName::new("$SYS/uptime")?, |m| {
    ///     if let mqtt_codec::topic::Match::Direct { key, .. } = m { keys.push(key) }
    /// });
    /// assert_eq!(keys, [2]); // MQTT-4.7.2-1: neither `#` nor `+/uptime` match a `$` topic
    /// # Ok::<(), mqtt_codec::wire::Malformed>(())
    /// ```
    pub fn for_each_match<'s>(&'s self, topic: TopicName<'_>, mut f: impl FnMut(Match<'s, K, V>)) {
        // MQTT-4.7.2-1: at the first level, no wildcard matches a topic starting with '$'.
        let dollar = topic.as_str().starts_with('$');
        let mut wild_at_root = !dollar;
        // A node to visit and the topic after the levels that led there (`None`: all consumed).
        let mut next: Option<(&'s Node<K, V>, Option<&str>)> = Some((&self.root, Some(topic.as_str())));
        let mut later: Vec<(&'s Node<K, V>, Option<&str>)> = Vec::new();
        while let Some((node, rest)) = next.take().or_else(|| later.pop()) {
            let wild = mem::replace(&mut wild_at_root, true);
            // 5.0 §4.7.1.2: `#` matches the parent level and any number of levels below it.
            if let Some(hash) = node.hash.as_deref().filter(|_| wild) {
                hash.report(&mut f);
            }
            let Some(rest) = rest else {
                node.report(&mut f);
                continue;
            };
            let (level, after) = match rest.split_once('/') {
                Some((level, after)) => (level, Some(after)),
                None => (rest, None),
            };
            next = node.children.get(level).map(|child| (child, after));
            // 5.0 §4.7.1.3: `+` matches exactly one level, empty ones included.
            if let Some(plus) = node.plus.as_deref().filter(|_| wild) {
                match next {
                    None => next = Some((plus, after)),
                    Some(_) => later.push((plus, after)),
                }
            }
        }
    }

    /// The leaf at the end of `filter`'s path, made if missing; `None` never happens.
    fn leaf_or_insert(&mut self, filter: &str) -> Option<&mut Leaf<K, V>> {
        let mut node = &mut self.root;
        for level in filter.split('/') {
            node = node.child_or_insert(level, &mut self.nodes)?;
        }
        Some(node.leaf.get_or_insert_with(|| Box::new(Leaf::new(filter))))
    }

    /// Removes a subscription from the trie (not from `by_key`), then frees what it leaves empty.
    fn remove(&mut self, filter: TopicFilter<'_>, key: K) -> Option<V> {
        let (group, inner) = split(filter);
        let mut node = &mut self.root;
        for level in inner.split('/') {
            node = node.child_mut(level)?;
        }
        let leaf = node.leaf.as_deref_mut()?;
        let old = match group {
            None => leaf.direct.remove(&key),
            Some(name) => leaf.remove_member(name, key),
        }?;
        self.len = self.len.saturating_sub(1);
        if leaf.is_empty() {
            node.leaf = None;
            self.prune(inner);
        }
        Some(old)
    }

    /// Frees the nodes at the end of `filter`'s path that hold no subscription and no other
    /// branch, so memory returns when the last subscription below a level goes.
    fn prune(&mut self, filter: &str) {
        // The first node of the removable tail of the path, and its level; a node that holds
        // subscriptions or another branch ends any tail before it.
        let mut cut: Option<(usize, &str)> = None;
        let mut depth = 0;
        let mut node = &self.root;
        let mut levels = filter.split('/').peekable();
        while let Some(level) = levels.next() {
            let Some(child) = node.child(level) else { return };
            let on_path = usize::from(levels.peek().is_some());
            if child.leaf.is_some() || child.fanout() > on_path {
                cut = None;
            } else if cut.is_none() {
                cut = Some((depth, level));
            }
            depth += 1;
            node = child;
        }
        let Some((at, level)) = cut else { return };
        let mut parent = &mut self.root;
        for above in filter.split('/').take(at) {
            let Some(child) = parent.child_mut(above) else { return };
            parent = child;
        }
        if parent.remove_child(level).is_some() {
            self.nodes = self.nodes.saturating_sub(depth - at);
        }
    }
}

impl<K: Copy + Ord, V> Default for Trie<K, V> {
    fn default() -> Self {
        Self::new()
    }
}

/// A summary (counts), not the tree: a deep trie would make a recursive `Debug` overflow.
impl<K, V> fmt::Debug for Trie<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trie")
            .field("len", &self.len)
            .field("nodes", &self.nodes)
            .field("keys", &self.by_key.len())
            .finish_non_exhaustive()
    }
}

/// A filter's group (if shared) and the filter that is matched.
fn split(filter: TopicFilter<'_>) -> (Option<&str>, &str) {
    match filter.shared() {
        Some(shared) => (Some(shared.group), shared.filter.as_str()),
        None => (None, filter.as_str()),
    }
}

impl<K, V> Node<K, V> {
    const fn new() -> Self {
        Self { children: SortedMap::new(), plus: None, hash: None, leaf: None }
    }

    /// Children of every kind.
    fn fanout(&self) -> usize {
        self.children.len() + usize::from(self.plus.is_some()) + usize::from(self.hash.is_some())
    }

    /// The child for a filter level. A literal level never is `+` or `#` (`MQTT-4.7.1-1`,
    /// `MQTT-4.7.1-2` (5.0)), so the wildcards can name their own slots.
    fn child(&self, level: &str) -> Option<&Self> {
        match level {
            "+" => self.plus.as_deref(),
            "#" => self.hash.as_deref(),
            _ => self.children.get(level),
        }
    }

    fn child_mut(&mut self, level: &str) -> Option<&mut Self> {
        match level {
            "+" => self.plus.as_deref_mut(),
            "#" => self.hash.as_deref_mut(),
            _ => self.children.get_mut(level),
        }
    }

    /// The child for a filter level, made (and counted in `made`) if missing. `None` never
    /// happens.
    fn child_or_insert(&mut self, level: &str, made: &mut usize) -> Option<&mut Self> {
        let slot = match level {
            "+" => &mut self.plus,
            "#" => &mut self.hash,
            _ => {
                return self.children.get_or_insert_with(level, || {
                    *made += 1;
                    (Box::from(level), Self::new())
                })
            }
        };
        Some(slot.get_or_insert_with(|| {
            *made += 1;
            Box::new(Self::new())
        }))
    }

    fn remove_child(&mut self, level: &str) -> Option<Self> {
        match level {
            "+" => self.plus.take().map(|node| *node),
            "#" => self.hash.take().map(|node| *node),
            _ => self.children.remove(level),
        }
    }

    /// Reports the subscriptions whose filter ends at this node.
    fn report<'s>(&'s self, f: &mut impl FnMut(Match<'s, K, V>))
    where
        K: Copy,
    {
        let Some(leaf) = self.leaf.as_deref() else { return };
        let filter = &*leaf.filter;
        leaf.direct.for_each(|&key, value| f(Match::Direct { key, value, filter }));
        for group in &leaf.groups {
            f(Match::Shared { group: &group.name, filter, members: &group.members });
        }
    }

    /// Moves the children out, into `out`.
    fn detach_children(&mut self, out: &mut Vec<Self>) {
        out.extend(self.plus.take().map(|node| *node));
        out.extend(self.hash.take().map(|node| *node));
        mem::take(&mut self.children).into_values(out);
    }
}

/// Dropped with a work list: the default drop recurses once per level, and a filter may have
/// 65,536 of them (`tests/trie.rs` overflows the stack without this).
impl<K, V> Drop for Node<K, V> {
    fn drop(&mut self) {
        if self.fanout() == 0 {
            return;
        }
        let mut pending = Vec::new();
        self.detach_children(&mut pending);
        while let Some(mut node) = pending.pop() {
            node.detach_children(&mut pending);
            // `node` drops here without children.
        }
    }
}

impl<K: Ord, V> Leaf<K, V> {
    fn new(filter: &str) -> Self {
        Self { filter: Box::from(filter), direct: SortedMap::new(), groups: Vec::new() }
    }

    fn is_empty(&self) -> bool {
        self.direct.is_empty() && self.groups.is_empty()
    }

    fn group(&self, name: &str) -> Option<&Group<K, V>> {
        let at = self.groups.binary_search_by(|g| (*g.name).cmp(name)).ok()?;
        self.groups.get(at)
    }

    fn insert_member(&mut self, name: &str, key: K, value: V) -> Option<V> {
        match self.groups.binary_search_by(|g| (*g.name).cmp(name)) {
            Ok(at) => {
                let members = &mut self.groups.get_mut(at)?.members;
                match members.binary_search_by(|(k, _)| k.cmp(&key)) {
                    Ok(i) => members.get_mut(i).map(|(_, v)| mem::replace(v, value)),
                    Err(i) => {
                        members.insert(i, (key, value));
                        None
                    }
                }
            }
            Err(at) => {
                self.groups.insert(at, Group { name: Box::from(name), members: vec![(key, value)] });
                None
            }
        }
    }

    fn remove_member(&mut self, name: &str, key: K) -> Option<V> {
        let at = self.groups.binary_search_by(|g| (*g.name).cmp(name)).ok()?;
        let members = &mut self.groups.get_mut(at)?.members;
        let i = members.binary_search_by(|(k, _)| k.cmp(&key)).ok()?;
        let (_, old) = members.remove(i);
        if members.is_empty() {
            self.groups.remove(at);
        } else {
            shrink(members);
        }
        shrink(&mut self.groups);
        Some(old)
    }
}

/// Gives back most of a `Vec`'s spare room once it is mostly empty.
fn shrink<T>(v: &mut Vec<T>) {
    if v.capacity() > 4 * v.len() + 4 {
        v.shrink_to(2 * v.len());
    }
}

/// Above this many entries a `SortedMap` becomes a `BTreeMap`.
const PROMOTE: usize = 32;
/// Below this many entries a `SortedMap` becomes a `Vec` again (apart from `PROMOTE`, so that
/// one insert and remove at the edge do not convert back and forth).
const DEMOTE: usize = 16;

/// A sorted map: a `Vec` while small (one allocation, binary search), a `BTreeMap` when large
/// (O(log n) inserts where a `Vec` would move O(n) entries).
enum SortedMap<K, V> {
    Few(Vec<(K, V)>),
    Many(BTreeMap<K, V>),
}

impl<K, V> SortedMap<K, V> {
    const fn new() -> Self {
        Self::Few(Vec::new())
    }

    fn len(&self) -> usize {
        match self {
            Self::Few(v) => v.len(),
            Self::Many(m) => m.len(),
        }
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn for_each<'a>(&'a self, mut f: impl FnMut(&'a K, &'a V)) {
        match self {
            Self::Few(v) => v.iter().for_each(|(k, x)| f(k, x)),
            Self::Many(m) => m.iter().for_each(|(k, x)| f(k, x)),
        }
    }

    fn into_values(self, out: &mut Vec<V>) {
        match self {
            Self::Few(v) => out.extend(v.into_iter().map(|(_, x)| x)),
            Self::Many(m) => out.extend(m.into_values()),
        }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    fn position<Q: Ord + ?Sized>(v: &[(K, V)], q: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        v.binary_search_by(|(k, _)| k.borrow().cmp(q))
    }

    fn get<Q: Ord + ?Sized>(&self, q: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        match self {
            Self::Few(v) => v.get(Self::position(v, q).ok()?).map(|(_, x)| x),
            Self::Many(m) => m.get(q),
        }
    }

    fn get_mut<Q: Ord + ?Sized>(&mut self, q: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        match self {
            Self::Few(v) => {
                let at = Self::position(v, q).ok()?;
                v.get_mut(at).map(|(_, x)| x)
            }
            Self::Many(m) => m.get_mut(q),
        }
    }

    /// Inserts or replaces; returns the replaced value.
    fn insert(&mut self, k: K, x: V) -> Option<V> {
        let old = match self {
            Self::Few(v) => match Self::position(v, &k) {
                Ok(at) => return v.get_mut(at).map(|(_, old)| mem::replace(old, x)),
                Err(at) => {
                    v.insert(at, (k, x));
                    None
                }
            },
            Self::Many(m) => return m.insert(k, x),
        };
        self.rebalance();
        old
    }

    /// The value for `q`, inserting `make()` (whose key equals `q`) if absent. Always `Some`.
    fn get_or_insert_with<Q: Ord + ?Sized>(&mut self, q: &Q, make: impl FnOnce() -> (K, V)) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        if self.get(q).is_none() {
            let (k, x) = make();
            self.insert(k, x);
        }
        self.get_mut(q)
    }

    fn remove<Q: Ord + ?Sized>(&mut self, q: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let old = match self {
            Self::Few(v) => {
                let (_, old) = v.remove(Self::position(v, q).ok()?);
                shrink(v);
                Some(old)
            }
            Self::Many(m) => m.remove(q),
        };
        self.rebalance();
        old
    }

    fn rebalance(&mut self) {
        match self {
            Self::Few(v) if v.len() > PROMOTE => *self = Self::Many(mem::take(v).into_iter().collect()),
            Self::Many(m) if m.len() < DEMOTE => *self = Self::Few(mem::take(m).into_iter().collect()),
            _ => {}
        }
    }
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        Self::new()
    }
}
