//! The store traits: where members, history, profiles and tools live.
//!
//! The engine never reads-then-writes: every change is one call that the store applies
//! atomically ([`XpStore::award`], [`XpStore::adjust`]), so N concurrent awards add up
//! exactly and a cooldown lets exactly one through, across threads, processes and
//! replicas sharing the store.
//!
//! # The shape
//!
//! A store is six small traits, one concern each, and [`Storage`] is every type that
//! implements all six (a blanket implementation: nothing to write):
//!
//! | trait | what |
//! |---|---|
//! | [`XpStore`] | awards, admin changes, members, rank, leaderboard, history |
//! | [`ProfileStore`] | user profiles |
//! | [`CatalogStore`] | the tool catalog and recorded unlocks |
//! | [`SettingsStore`] | per-guild settings and their audit log |
//! | [`StatusStore`] | totals and health |
//! | [`TransferStore`] | imports, backups, a user's own data and its deletion |
//!
//! Code that needs one concern can ask for that trait alone. `Arc<S>`, `Box<S>` and
//! `Arc<dyn Storage>` are stores too, so [`Leveling::builder`](crate::Leveling::builder)
//! takes a store however it is held.
//!
//! # Implementing a store
//!
//! Implement the six traits with [`async_trait`](macro@async_trait::async_trait) (the
//! in-memory store, `leveling-storage-memory`, is a short model), then run the
//! conformance suite against it: enable this crate's `testing` feature in your
//! dev-dependencies and call [`storage_conformance!`](crate::storage_conformance) with an
//! async expression that builds a fresh, empty store. Every case becomes a test:
//!
//! ```ignore
//! // tests/conformance.rs, with tokio (features macros, rt-multi-thread) as a dev-dependency
//! leveling_core::storage_conformance!(async { MyStore::new() });
//! ```
//!
//! # Wrapping a store
//!
//! A decorator implements [`StoreWrapper`](wrapper::StoreWrapper): it names the store it
//! wraps and overrides only what it changes; everything else forwards. This one counts
//! the awards that go through it:
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use leveling_core::storage::{AwardRequest, Storage, StoredAward, wrapper::StoreWrapper};
//!
//! struct Counting<S> { inner: S, awards: AtomicU64 }
//!
//! #[async_trait::async_trait]
//! impl<S: Storage> StoreWrapper for Counting<S> {
//!     type Inner = S;
//!     fn inner(&self) -> &S { &self.inner }
//!     async fn award(&self, request: &AwardRequest) -> leveling_core::Result<StoredAward> {
//!         self.awards.fetch_add(1, Ordering::Relaxed);
//!         self.inner.award(request).await
//!     }
//! }
//! # fn engine<S: Storage>(store: S) -> leveling_core::Leveling {
//! #     leveling_core::Leveling::builder(Counting { inner: store, awards: AtomicU64::new(0) }).build()
//! # }
//! ```
//!
//! A wrapper runs the same conformance suite as any store.

mod catalog;
mod profiles;
mod records;
mod settings;
mod status;
mod transfer;
pub mod wrapper;
mod xp;

pub use catalog::CatalogStore;
pub use profiles::ProfileStore;
pub use records::*;
pub use settings::{SettingsChange, SettingsStore, SettingsWrite, StoredSettings};
pub use status::StatusStore;
pub use transfer::{
    Forgotten, ImportMode, ImportRecord, Imported, MemberRecord, Restore, TransferStore, XpImport,
    validate_import, validate_restore,
};
pub use xp::XpStore;

/// Every store: a type that implements the six store traits. See the
/// [module docs](self) for the contract and how to test an implementation.
///
/// Errors: [`Error::Unavailable`](crate::Error::Unavailable) when the backend cannot be
/// reached (callers may retry), [`Error::Conflict`](crate::Error::Conflict) for a taken
/// tool id, [`Error::Internal`](crate::Error::Internal) otherwise. Never a panic.
pub trait Storage:
    XpStore + ProfileStore + CatalogStore + SettingsStore + StatusStore + TransferStore
{
}

impl<
    T: XpStore + ProfileStore + CatalogStore + SettingsStore + StatusStore + TransferStore + ?Sized,
> Storage for T
{
}
