//! # leveling
//!
//! XP, levels, reward tiers and unlockable tools for any bot or service.
//!
//! This facade re-exports the workspace's crates: the pure domain
//! ([`leveling_core`], always), and behind features the stores and adapters.
//!
//! | feature | module | crate |
//! |---|---|---|
//! | `memory` (default) | [`memory`] | `leveling-storage-memory` |
//!
//! ```
//! use leveling::memory::MemoryStore;
//! use leveling::{Award, Leveling, MemberId};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> leveling::Result<()> {
//! let leveling = Leveling::builder(MemoryStore::new()).build();
//! let result = leveling.award(Award::message(MemberId::new(1, 42))).await?;
//! println!("{} XP, level {}", result.xp, result.level);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub use leveling_core::*;

/// The concurrent in-memory store (feature `memory`).
#[cfg(feature = "memory")]
pub mod memory {
    pub use leveling_storage_memory::*;
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
