//! Topic Names and Topic Filters (5.0 §4.7, §4.8; 3.1.1 §4.7): validation, matching and
//! shared-subscription parsing. Both types can only be built through validation.

mod filter;
mod matching;
mod name;
#[cfg(feature = "alloc")]
mod trie;

pub use filter::{SharedSubscription, TopicFilter};
pub use matching::matches;
pub use name::TopicName;
#[cfg(feature = "alloc")]
pub use trie::{Match, Trie};
