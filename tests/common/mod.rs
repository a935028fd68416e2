//! Helpers shared by the workspace's integration tests.

pub mod server;
pub mod webdriver;
