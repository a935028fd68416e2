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

/// The bucket and group counts equal a recount of the members table.
pub async fn assert_counts_exact(store: &SqliteStore) {
    let buckets_off: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (
             SELECT r.guild, r.bucket, r.n, b.members FROM
               (SELECT guild, bucket, count(*) AS n FROM members GROUP BY 1, 2) AS r
               LEFT JOIN rank_buckets AS b ON b.guild = r.guild AND b.bucket = r.bucket
             WHERE b.members IS NOT r.n
             UNION ALL
             SELECT b.guild, b.bucket, 0, b.members FROM rank_buckets AS b
             WHERE b.members <> 0 AND NOT EXISTS
               (SELECT 1 FROM members AS m WHERE m.guild = b.guild AND m.bucket = b.bucket))",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        buckets_off, 0,
        "bucket counts drifted from the members table"
    );
    let groups_off: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM
           (SELECT guild, bucket >> 7 AS grp, count(*) AS n FROM members GROUP BY 1, 2) AS r
           FULL JOIN rank_groups AS g ON g.guild = r.guild AND g.grp = r.grp
         WHERE coalesce(r.n, 0) <> coalesce(g.members, 0)",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(groups_off, 0, "group counts drifted from the members table");
}
