//! Offset pagination.

use serde::{Deserialize, Serialize};

/// Which slice of a list to return.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// At most this many items (stores may cap it; see [`PageRequest::MAX_LIMIT`]).
    pub limit: u32,
    /// Items to skip.
    pub offset: u64,
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
