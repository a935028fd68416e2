//! The whole storage conformance suite against the memory store.

leveling_core::storage_conformance!(async { leveling_storage_memory::MemoryStore::new() });

/// A shared, boxed, type-erased store is a store too: every call forwards through
/// `StoreWrapper` (twice here), and the whole contract still holds.
mod behind_box_and_arc {
    use std::sync::Arc;

    use leveling_core::Storage;
    use leveling_storage_memory::MemoryStore;

    leveling_core::storage_conformance!(async {
        let shared: Arc<dyn Storage> = Arc::new(MemoryStore::new());
        Box::new(shared)
    });
}
