//! # leveling
//!
//! XP, levels, reward tiers and unlockable tools for any bot or service.
//!
//! This facade re-exports the workspace's crates: the pure domain
//! ([`leveling_core`], always), and behind features the stores and adapters.
//!
//! | feature | module | crate |
//! |---|---|---|
//! | `memory` (default) | `memory` | `leveling-storage-memory` |
//! | `sqlite` (default) | `sqlite` | `leveling-storage-sqlite` |
//! | `postgres` | `postgres` | `leveling-storage-postgres` |
//! | `http` | `http` | `leveling-http` |
//! | `discord` | `discord` | `leveling-discord` |
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

/// The SQLite store: one file, bundled SQLite (feature `sqlite`).
#[cfg(feature = "sqlite")]
pub mod sqlite {
    pub use leveling_storage_sqlite::*;
}

/// The PostgreSQL store (feature `postgres`).
#[cfg(feature = "postgres")]
pub mod postgres {
    pub use leveling_storage_postgres::*;
}

/// The axum REST API and Socket.IO events (feature `http`).
#[cfg(feature = "http")]
pub mod http {
    pub use leveling_http::*;
}

/// The serenity + poise Discord bot (feature `discord`).
#[cfg(feature = "discord")]
pub mod discord {
    pub use leveling_discord::*;
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
