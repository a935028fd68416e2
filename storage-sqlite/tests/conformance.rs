//! The whole storage conformance suite against the SQLite store, each case on a fresh
//! file in a temporary directory.

mod common;

leveling_core::storage_conformance!(async { common::kept().await });

/// Behind `Arc<dyn Storage>` (how the engine may hold it) the whole contract still holds.
mod behind_arc {
    use std::sync::Arc;

    use leveling_core::Storage;

    leveling_core::storage_conformance!(async {
        let shared: Arc<dyn Storage> = Arc::new(super::common::kept().await);
        shared
    });
}
