//! The whole storage conformance suite against the memory store.

leveling_core::storage_conformance!(async { leveling_storage_memory::MemoryStore::new() });
