//! Fresh stores on temporary files.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use leveling_storage_sqlite::{SqliteOptions, SqliteStore};

/// A temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let root = root();
        let dir = root.join(format!(
            "{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        Self(dir)
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where test files live: cargo's per-target temporary directory. Directories left by
/// runs over an hour ago are removed by the next run.
fn root() -> PathBuf {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sqlite-tests");
    SWEPT.call_once(|| {
        let _ = std::fs::create_dir_all(&root);
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < hour_ago);
            if old {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
    root
}

/// A store on a new file; keep the directory alive as long as the store.
pub async fn fresh() -> (SqliteStore, TempDir) {
    fresh_with(SqliteOptions::new()).await
}

/// A store on a new file whose directory outlives the test (swept an hour later): for
/// the conformance suite, which only keeps the store.
pub async fn kept() -> SqliteStore {
    let (store, dir) = fresh().await;
    std::mem::forget(dir);
    store
}

pub async fn fresh_with(options: SqliteOptions) -> (SqliteStore, TempDir) {
    let dir = TempDir::new();
    let store = SqliteStore::open_with(dir.file("leveling.db"), options)
        .await
        .expect("open a fresh store");
    (store, dir)
}
