//! The core's storage conformance suite against a real PostgreSQL, one schema per case.

mod common;

leveling_core::storage_conformance!(optional common::fresh_store());
