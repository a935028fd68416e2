//! The whole storage conformance suite against the SQLite store, each case on a fresh
//! file in a temporary directory.

mod common;

leveling_core::storage_conformance!(async { common::kept().await });
