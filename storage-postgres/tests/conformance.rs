//! The core's storage conformance suite against a real PostgreSQL, one schema per case:
//! once as configured by default (awards batched), once with every award on its own.

mod common;

leveling_core::storage_conformance!(optional common::fresh_store());

mod unbatched {
    use super::common;

    leveling_core::storage_conformance!(optional common::fresh_unbatched_store());
}
