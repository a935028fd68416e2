//! Offset pagination.

use serde::{Deserialize, Serialize};

/// Which slice of a list to return. The limit is capped when the request is made, so a
/// store can trust it.
///
/// ```
/// use leveling_core::PageRequest;
///
/// let page = PageRequest::new(1_000, 50);
/// assert_eq!((page.limit(), page.offset()), (PageRequest::MAX_LIMIT, 50));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    limit: u32,
    offset: u64,
}

impl PageRequest {
    /// The largest page the engine asks a store for.
    pub const MAX_LIMIT: u32 = 100;

    /// A page of `limit` items after `offset`, with the limit capped at
    /// [`MAX_LIMIT`](Self::MAX_LIMIT).
    pub fn new(limit: u32, offset: u64) -> Self {
        Self {
            limit: limit.min(Self::MAX_LIMIT),
            offset,
        }
    }

    /// The first `limit` items.
    pub fn first(limit: u32) -> Self {
        Self::new(limit, 0)
    }

    /// At most this many items (never more than [`MAX_LIMIT`](Self::MAX_LIMIT)).
    pub const fn limit(self) -> u32 {
        self.limit
    }

    /// Items to skip.
    pub const fn offset(self) -> u64 {
        self.offset
    }
}

impl Default for PageRequest {
    /// The first 25 items.
    fn default() -> Self {
        Self::new(25, 0)
    }
}

/// One page of a list and the list's total length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items the whole list has.
    pub total: u64,
}

impl<T> Page<T> {
    /// Maps the items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
        }
    }
}
