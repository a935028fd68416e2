//! Opening a file: connections, the check that it is a leveling database, migrations.

use std::path::Path;

use leveling_core::{Error, Result};
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};
use sqlx::{ConnectOptions, SqliteConnection};

use crate::SqliteOptions;
use crate::error::code;

/// The embedded migrations (`storage-sqlite/migrations`).
pub(crate) static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// `PRAGMA application_id` of a leveling database ('LVL1'), set by the first migration.
pub(crate) const APPLICATION_ID: i64 = 0x4C56_4C31;

const NOTADB: i32 = 26;
const CANTOPEN: i32 = 14;

/// The writer's connection (created first: it creates the file) and the read pool, with
/// the schema checked and migrated.
pub(crate) async fn connect(
    path: &Path,
    options: &SqliteOptions,
) -> Result<(SqliteConnection, SqlitePool)> {
    let shown = path.display();
    let connect = options.connect_options(path);
    let mut writer = connect
        .connect()
        .await
        .map_err(|error| open_error(path, error))?;
    check_leveling_file(&mut writer, path).await?;
    MIGRATOR
        .run(&mut writer)
        .await
        .map_err(|error| match error {
            MigrateError::VersionMissing(version) => Error::InvalidInput(format!(
                "{shown} was written by a newer version of leveling (it has migration {version}, unknown to this build)"
            )),
            MigrateError::Execute(error) => open_error(path, error),
            error => Error::internal(format!("{shown}: applying the migrations failed"), error),
        })?;
    // Checkpoints run in the background (see `writer`); this one is the safety net.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA wal_autocheckpoint = {}",
        crate::writer::WRITER_AUTOCHECKPOINT
    )))
    .execute(&mut writer)
    .await
    .map_err(|error| open_error(path, error))?;
    let readers = SqlitePoolOptions::new()
        .max_connections(options.readers)
        .min_connections(0)
        .acquire_timeout(options.busy_timeout.max(std::time::Duration::from_secs(1)))
        .connect_with(connect)
        .await
        .map_err(|error| open_error(path, error))?;
    Ok((writer, readers))
}

fn open_error(path: &Path, error: sqlx::Error) -> Error {
    let shown = path.display();
    match code(&error) {
        Some(NOTADB) => Error::InvalidInput(format!("{shown} is not a SQLite database")),
        Some(CANTOPEN) => Error::unavailable(
            format!(
                "cannot open {shown} (does its directory exist, and may this user write there?)"
            ),
            error,
        ),
        _ if crate::error::is_unavailable(&error) => {
            Error::unavailable(format!("cannot open {shown}"), error)
        }
        _ => Error::internal(format!("cannot open {shown}"), error),
    }
}

/// Refuses a file that holds another program's tables: a leveling file carries its
/// application id; an empty file (or a new one) has no tables yet.
async fn check_leveling_file(conn: &mut SqliteConnection, path: &Path) -> Result<()> {
    let id: i64 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&mut *conn)
        .await
        .map_err(|error| open_error(path, error))?;
    if id == APPLICATION_ID {
        return Ok(());
    }
    let objects: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'")
            .fetch_one(&mut *conn)
            .await
            .map_err(|error| open_error(path, error))?;
    if id == 0 && objects == 0 {
        return Ok(());
    }
    Err(Error::InvalidInput(format!(
        "{} is a SQLite database of another program, not a leveling database",
        path.display()
    )))
}
