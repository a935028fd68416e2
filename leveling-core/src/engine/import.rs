//! A whole file in: checked first, then written batch by batch.

use std::time::{Duration, Instant};

use super::Leveling;
use crate::storage::{ImportMode, ImportRecord, MemberRecord, Restore, XpImport};
use crate::transfer::{FileError, Format, Keep, Line, Skipped, parse_foreign, prepare};
use crate::{Error, GuildId, GuildSettings, Tool, UserProfile};

/// How many records an import writes per store call (one transaction each).
pub const IMPORT_BATCH: usize = 10_000;

/// Members per restore call: a backed-up member carries their whole history.
const RESTORE_BATCH: usize = 2_000;

/// How to import a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportOptions {
    /// The guild other bots' members go to; for a backup, only this guild's members
    /// and settings are read (`None`: all of them; other bots' files need a guild).
    pub guild: Option<GuildId>,
    /// Set or add XP. A backup in `Replace` mode is restored exactly (state, history,
    /// unlocks, profiles, settings, the tools unlocks name); in `Add` mode only its
    /// members' XP is added.
    pub mode: ImportMode,
    /// For other bots' files: keep levels (converted from [`Mee6Curve`](crate::Mee6Curve))
    /// or XP. Not used for a backup, which is in our own XP.
    pub keep: Keep,
    /// The history note: the file's name.
    pub reason: Option<String>,
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Members read from the file (after the guild filter).
    pub read: u64,
    /// Members whose XP (or, for a restore, whose record) was written.
    pub imported: u64,
    /// Members the import left as they were (their XP already matched).
    pub unchanged: u64,
    /// Records left out, with why.
    pub skipped: Vec<Skipped>,
    /// Guild settings written (a backup's, where they differed).
    pub settings: u64,
    /// Profiles written (a backup's).
    pub users: u64,
    /// Tools added to the catalog (a backup's tools the store did not have).
    pub tools: u64,
    /// How long it took.
    pub elapsed: Duration,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is bad; nothing was written.
    #[error("{0}")]
    File(#[from] FileError),
    /// The store refused or failed after `written` members had been written (whole
    /// batches: each batch is all or nothing). A `replace` import can simply be run again.
    #[error("{source} (after {written} members were written)")]
    Store {
        /// The store's error.
        #[source]
        source: Error,
        /// Members written before it.
        written: u64,
    },
}

/// A backup, read and checked whole before anything is written.
struct Backup {
    settings: Vec<(GuildId, GuildSettings)>,
    tools: Vec<Tool>,
    users: Vec<UserProfile>,
    members: Vec<MemberRecord>,
}

fn read_backup(file: &[u8], guild: Option<GuildId>) -> Result<Backup, FileError> {
    let text = std::str::from_utf8(file)
        .map_err(|error| FileError(format!("the backup is not UTF-8 text: {error}")))?;
    let mut backup = Backup {
        settings: Vec::new(),
        tools: Vec::new(),
        users: Vec::new(),
        members: Vec::new(),
    };
    let mut lines = 0;
    for (index, text) in text.lines().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        lines += 1;
        let wanted = |g: GuildId| guild.is_none_or(|guild| guild == g);
        match Line::parse(index + 1, text)? {
            Line::Header(_) => {}
            Line::Settings { guild: g, settings } if wanted(g) => {
                settings.validate().map_err(|error| {
                    FileError(format!(
                        "line {}: settings of guild {g}: {error}",
                        index + 1
                    ))
                })?;
                backup.settings.push((g, settings));
            }
            Line::Tool(tool) => backup.tools.push(tool),
            Line::User(user) => backup.users.push(user),
            Line::Member(record) if wanted(record.member.id.guild) => backup.members.push(record),
            _ => {}
        }
    }
    if lines == 0 {
        return Err(FileError("the backup is empty".into()));
    }
    if guild.is_some() {
        // A one-guild import brings only the profiles of that guild's members.
        let users: std::collections::HashSet<_> =
            backup.members.iter().map(|m| m.member.id.user).collect();
        backup.users.retain(|user| users.contains(&user.id));
    }
    Ok(backup)
}

impl Leveling {
    /// Imports a file of `format`: reads and checks all of it first (a bad file writes
    /// nothing and says which record or line is wrong), then writes it in batches of
    /// [`IMPORT_BATCH`] through [`import_xp`](Self::import_xp) or
    /// [`restore`](Self::restore). `progress(done, total)` is called after each batch.
    ///
    /// ```
    /// use leveling_core::storage::ImportMode;
    /// use leveling_core::transfer::{Format, Keep};
    /// use leveling_core::{GuildId, ImportOptions, Leveling};
    ///
    /// # async fn demo(leveling: Leveling) -> Result<(), leveling_core::ImportError> {
    /// let options = ImportOptions {
    ///     guild: Some(GuildId(1)),
    ///     mode: ImportMode::Replace,
    ///     keep: Keep::Levels,
    ///     reason: Some("mee6.json".into()),
    /// };
    /// let file = br#"{"players":[{"id":"42","level":3,"xp":500}]}"#;
    /// let summary = leveling.import_file(Format::Mee6, file, &options, |_, _| {}).await?;
    /// assert_eq!(summary.read, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn import_file(
        &self,
        format: Format,
        file: &[u8],
        options: &ImportOptions,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<ImportSummary, ImportError> {
        let started = Instant::now();
        let mut summary = match format {
            Format::Leveling => self.import_backup(file, options, &mut progress).await?,
            Format::Mee6 | Format::Plain => {
                let guild = options.guild.ok_or_else(|| {
                    FileError(format!("a {format} file needs the guild to import into"))
                })?;
                let records = parse_foreign(format, file)?;
                let read = records.len() as u64;
                let prepared = prepare(records, options.mode, options.keep, self.progression())?;
                let mut summary = ImportSummary {
                    read,
                    skipped: prepared.skipped,
                    ..ImportSummary::default()
                };
                self.import_records(
                    guild,
                    &prepared.records,
                    options,
                    &mut summary,
                    &mut progress,
                )
                .await?;
                summary
            }
        };
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    async fn import_records(
        &self,
        guild: GuildId,
        records: &[ImportRecord],
        options: &ImportOptions,
        summary: &mut ImportSummary,
        progress: &mut impl FnMut(u64, u64),
    ) -> Result<(), ImportError> {
        let total = records.len() as u64;
        let mut done = 0;
        for chunk in records.chunks(IMPORT_BATCH) {
            let batch = XpImport {
                guild,
                records: chunk.to_vec(),
                mode: options.mode,
                reason: options.reason.clone(),
                now: self.clock().now(),
            };
            let rows = self
                .import_xp(&batch)
                .await
                .map_err(|source| ImportError::Store {
                    source,
                    written: summary.imported,
                })?;
            let changed = rows.iter().filter(|r| r.xp_before != r.xp_after).count() as u64;
            summary.imported += changed;
            summary.unchanged += rows.len() as u64 - changed;
            done += chunk.len() as u64;
            progress(done, total);
        }
        Ok(())
    }

    async fn import_backup(
        &self,
        file: &[u8],
        options: &ImportOptions,
        progress: &mut impl FnMut(u64, u64),
    ) -> Result<ImportSummary, ImportError> {
        let backup = read_backup(file, options.guild)?;
        let mut summary = ImportSummary {
            read: backup.members.len() as u64,
            ..ImportSummary::default()
        };
        let store_error = |written| move |source| ImportError::Store { source, written };
        if options.mode == ImportMode::Add {
            // Adding: each guild's members' XP, as from any other bot (history stays
            // this store's).
            let mut by_guild: std::collections::BTreeMap<GuildId, Vec<ImportRecord>> =
                Default::default();
            for record in &backup.members {
                if record.member.xp > 0 {
                    by_guild
                        .entry(record.member.id.guild)
                        .or_default()
                        .push(ImportRecord {
                            user: record.member.id.user,
                            xp: record.member.xp,
                        });
                }
            }
            for (guild, records) in by_guild {
                self.import_records(guild, &records, options, &mut summary, progress)
                    .await?;
            }
            return Ok(summary);
        }
        // Unlocks name tools: the catalog comes first (a tool the store has is kept).
        for tool in &backup.tools {
            match self.store().create_tool(tool).await {
                Ok(()) => summary.tools += 1,
                Err(Error::Conflict(_)) => {}
                Err(source) => {
                    return Err(ImportError::Store { source, written: 0 });
                }
            }
        }
        for (guild, settings) in &backup.settings {
            let current = self
                .guild_settings(*guild)
                .await
                .map_err(store_error(summary.imported))?;
            if !current.own || current.settings != *settings {
                self.modify_guild_settings(*guild, None, |_| Ok(settings.clone()))
                    .await
                    .map_err(store_error(summary.imported))?;
                summary.settings += 1;
            }
        }
        let total = backup.members.len() as u64;
        let mut users = backup.users.as_slice();
        let mut done = 0;
        // Profiles ride with the first batches; a batch is one transaction.
        for chunk in backup.members.chunks(RESTORE_BATCH) {
            let take = users.len().min(IMPORT_BATCH);
            let batch = Restore {
                users: users[..take].to_vec(),
                members: chunk.to_vec(),
            };
            users = &users[take..];
            self.restore(&batch)
                .await
                .map_err(store_error(summary.imported))?;
            summary.users += take as u64;
            summary.imported += chunk.len() as u64;
            done += chunk.len() as u64;
            progress(done, total);
        }
        while !users.is_empty() {
            let take = users.len().min(IMPORT_BATCH);
            let batch = Restore {
                users: users[..take].to_vec(),
                members: Vec::new(),
            };
            users = &users[take..];
            self.restore(&batch)
                .await
                .map_err(store_error(summary.imported))?;
            summary.users += take as u64;
        }
        Ok(summary)
    }
}
