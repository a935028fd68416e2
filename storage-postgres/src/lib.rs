//! # leveling-storage-postgres
//!
//! The production [`Storage`](leveling_core::Storage) for [`leveling_core`]: PostgreSQL
//! through sqlx, with the schema embedded as migrations.
//!
//! - **One round trip per award.** Idempotency lookup, cooldown check, daily / streak
//!   claim, XP add, history rows, cooldown restart and idempotency key are one SQL
//!   statement (a data-modifying CTE around `INSERT … ON CONFLICT DO UPDATE … WHERE`), so
//!   concurrent awards add up exactly and a cooldown lets exactly one through, across
//!   every process sharing the database. Awards that arrive while others are in flight
//!   share that statement and its commit, each still all-or-nothing
//!   ([`PostgresStoreBuilder::without_award_batching`] turns that off).
//! - **Cheap exact rank.** A per-guild count of members per XP bucket
//!   (`floor(4·√(xp + 16384)) − 512`), fed by the same statements (appended moves, folded
//!   by the store's [`Background`]), turns a member's position into a short sum plus a
//!   count within one bucket; see the crate README for the design and the figures.
//! - **Background work is yours to spawn.** Every constructor returns the store and its
//!   [`Background`]: one future that runs the award workers and folds the rank counts
//!   every 500 ms, and completes once the last clone of the store is dropped. The store
//!   spawns nothing and does not look for a runtime; options (batching on or off, how
//!   many workers) are fixed by [`PostgresStore::builder`] before the future exists.
//! - **Errors.** A down server, a lost connection or an exhausted pool is
//!   [`ErrorKind::Unavailable`](leveling_core::ErrorKind::Unavailable) (the HTTP adapter
//!   answers 503); the pool reconnects by itself when the server is back. Messages never
//!   contain the connection URL.
//!
//! ```no_run
//! use leveling_core::{Award, Leveling, MemberId};
//! use leveling_storage_postgres::PostgresStore;
//!
//! # async fn run() -> leveling_core::Result<()> {
//! // Connects and runs the embedded migrations.
//! let (store, background) =
//!     PostgresStore::connect("postgres://postgres@127.0.0.1:5432/test").await?;
//! // The award workers and rank folding: nothing is spawned for you.
//! tokio::spawn(background);
//! let leveling = Leveling::builder(store).build();
//! let result = leveling.award(Award::message(MemberId::new(1, 42))).await?;
//! println!("{} XP", result.xp);
//! # Ok(()) }
//! ```
//!
//! Supabase (or any server that requires TLS) works with its URL as given, for example
//! `postgres://postgres.abc:password@aws-0-eu.pooler.supabase.com:5432/postgres?sslmode=require`
//! (TLS through rustls with the webpki roots). Use the session-mode port (5432): the
//! statements are prepared, which a transaction-mode pooler may not support.
//!
//! ## Ids
//!
//! Snowflakes are `u64`; they are stored in `BIGINT` with the top bit flipped
//! (`stored = (id ^ 2^63) as i64`), which keeps `u64` order under `BIGINT` order, so ties
//! on the leaderboard and the user list sort by the real id. The migration adds
//! `leveling_id(stored)`, which gives the real id back for humans reading the tables.
//!
//! ## Schemas
//!
//! Every object is created unqualified, so it lands in the first schema of the
//! connection's `search_path`. To keep the tables in their own schema, create it and set
//! the search path on the connect options:
//!
//! ```no_run
//! use leveling_storage_postgres::{PgConnectOptions, PostgresStore};
//!
//! # async fn run() -> leveling_core::Result<()> {
//! let options: PgConnectOptions = "postgres://postgres@127.0.0.1/test".parse().expect("a valid URL");
//! let options = options.options([("search_path", "leveling")]);
//! let (store, background) = PostgresStore::builder()
//!     .connect_with(options, PostgresStore::pool_options())
//!     .await?;
//! tokio::spawn(background);
//! # Ok(()) }
//! ```
//!
//! ## Precision
//!
//! Times are `TIMESTAMPTZ`, which keeps microseconds: a sub-microsecond part of a time
//! given to the store is dropped.
#![warn(missing_docs)]

mod award;
mod background;
mod batcher;
mod builder;
mod catalog;
mod codec;
mod errors;
mod follow;
mod maintenance;
mod profiles;
mod retry;
mod settings;
mod sql;
mod status;
mod store;
mod transfer;
mod xp;

pub use background::Background;
pub use builder::PostgresStoreBuilder;
pub use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
pub use store::PostgresStore;
