//! Measures an XP import into a fresh SQLite file: a million members of one guild in
//! batches of 10,000 records (how an importer sends them), then the same file again in
//! replace mode (idempotent: nothing changes, nothing is written but the reads).
//!
//! ```text
//! cargo run --release -p leveling-storage-sqlite --example sqlite_import_1m [members] [batch]
//! ```
//!
//! The file lives in the system's temporary directory and is removed at the end.

use std::time::Instant;

use chrono::Utc;
use leveling_core::storage::{ImportMode, ImportRecord, TransferStore, XpImport};
use leveling_core::{GuildId, MemberId, PageRequest, StatusStore, UserId, XpStore};
use leveling_storage_sqlite::SqliteStore;

#[tokio::main]
async fn main() -> leveling_core::Result<()> {
    let mut args = std::env::args().skip(1);
    let members: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let batch: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = std::env::temp_dir().join(format!("leveling-import-1m-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| leveling_core::Error::internal("temp dir", e))?;
    let store = SqliteStore::open(dir.join("import.db")).await?;
    let guild = GuildId(1_100_000_000_000_000_000);
    // Snowflake-like ids and a spread of XP (a multiplicative hash: no two alike in a row).
    let records: Vec<ImportRecord> = (0..members)
        .map(|i| ImportRecord {
            user: UserId(300_000_000_000_000_000 + i * 7_919),
            xp: (i.wrapping_mul(2_654_435_761) % 5_000_000) + 1,
        })
        .collect();

    for (run, label) in [(0, "fresh"), (1, "replace again (idempotent)")] {
        let started = Instant::now();
        let cpu_before = cpu_seconds();
        let mut changed = 0u64;
        for chunk in records.chunks(batch as usize) {
            let imported = store
                .import_xp(&XpImport {
                    guild,
                    records: chunk.to_vec(),
                    mode: ImportMode::Replace,
                    reason: Some("import_1m.json".into()),
                    now: Utc::now(),
                })
                .await?;
            changed += imported
                .iter()
                .filter(|i| i.xp_before != i.xp_after)
                .count() as u64;
        }
        let elapsed = started.elapsed();
        // CPU time of the whole process (the writer and checkpoint tasks included): what
        // the import costs when the machine is shared, where wall time is not its own.
        let cpu = match (cpu_before, cpu_seconds()) {
            (Some(before), Some(after)) => format!(", {:.2} s CPU", after - before),
            _ => String::new(),
        };
        println!(
            "{label}: {members} members in batches of {batch}: {:.2} s ({:.0} members/s){cpu}, {changed} changed",
            elapsed.as_secs_f64(),
            members as f64 / elapsed.as_secs_f64(),
        );
        if run == 0 {
            assert_eq!(changed, members, "every fresh member is written");
        } else {
            assert_eq!(changed, 0, "a second replace changes nothing");
        }
    }

    // The derived rank counts agree with the rows: the best member is first, and the
    // guild holds every member.
    let stats = store.stats().await?;
    let top = store.leaderboard(guild, PageRequest::first(1)).await?;
    let best = top.items.first().map(|s| s.user);
    let rank = match best {
        Some(user) => store.rank(MemberId::new(guild, user)).await?,
        None => None,
    };
    println!(
        "members {}, leaderboard total {}, rank of the top member {:?}, history rows {}",
        stats.members,
        top.total,
        rank,
        store
            .history(MemberId::new(guild, records[0].user), PageRequest::first(1))
            .await?
            .total,
    );
    let size = std::fs::metadata(dir.join("import.db"))
        .map(|m| m.len())
        .unwrap_or(0)
        + std::fs::metadata(dir.join("import.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!("file + WAL: {:.0} MiB", size as f64 / 1_048_576.0);
    drop(store);
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// User + system CPU time of this process so far, from `/proc/self/stat` (Linux; `None`
/// elsewhere). Clock ticks are taken as 100 per second, Linux's `USER_HZ`.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (in parentheses, which may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}
