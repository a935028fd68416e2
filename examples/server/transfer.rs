//! `server import` and `server export`: moving a community in and out.
//!
//! ```sh
//! server import mee6 leaderboard.json --guild 123 [--mode replace|add] [--keep levels|xp]
//! server import plain members.json --guild 123
//! server import leveling backup.jsonl [--guild 123]
//! server export [--guild 123] > backup.jsonl
//! ```
//!
//! Both use the server's settings (`DATABASE_URL`, `.env`), so they read and write the
//! same store the server does; they can run while it runs.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressStyle};
use leveling_core::storage::ImportMode;
use leveling_core::transfer::{Format, Header, Keep, Line};
use leveling_core::{
    BoxError, Event, EventSink, GuildId, ImportOptions, ImportSummary, Leveling, MembersImported,
    PageRequest, UserId,
};

use crate::config::Config;

/// The subcommands, parsed from the arguments after the program name.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the server (no arguments).
    Serve,
    /// `import <format> <file> [--guild ID] [--mode add|replace] [--keep levels|xp]`.
    Import {
        format: Format,
        file: PathBuf,
        guild: Option<GuildId>,
        mode: ImportMode,
        keep: Keep,
    },
    /// `export [--guild ID]`.
    Export { guild: Option<GuildId> },
    /// `help`, `--help`, `-h`.
    Help,
}

pub const USAGE: &str = "\
usage: server                      run the API (and the bot with DISCORD_TOKEN)
       server import <mee6|plain|leveling> <file> [--guild ID] [--mode replace|add] [--keep levels|xp]
       server export [--guild ID] > backup.jsonl

import: --guild is the guild to import into (default DEFAULT_GUILD_ID) for mee6 and plain
        files; for a leveling backup it picks one guild out of the file (default: all).
        --mode replace (default) sets each member's XP to the file's and is idempotent;
        --mode add adds it on top (running twice adds twice).
        --keep levels (default) keeps each member's level and progress under our curve
        (the file's XP is read on MEE6's curve); --keep xp copies XP as it is.
export: writes a backup (JSON lines: settings, members with history and unlocks,
        profiles) that `server import leveling` reads back into any store.";

impl Command {
    /// Parses the arguments (without the program name); an error is one line.
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let Some((first, rest)) = args.split_first() else {
            return Ok(Command::Serve);
        };
        match first.as_str() {
            "help" | "--help" | "-h" => Ok(Command::Help),
            "import" => {
                let (positional, flags) = split_flags(rest)?;
                let [format, file] = positional.as_slice() else {
                    return Err("import takes a format and a file: server import <mee6|plain|leveling> <file>".into());
                };
                let format: Format = format.parse().map_err(|e| format!("{e}"))?;
                let (mut guild, mut mode, mut keep) = (None, ImportMode::Replace, Keep::Levels);
                for (flag, value) in flags {
                    match flag.as_str() {
                        "--guild" => guild = Some(parse_guild(&value)?),
                        "--mode" => {
                            mode = match value.as_str() {
                                "replace" => ImportMode::Replace,
                                "add" => ImportMode::Add,
                                other => {
                                    return Err(format!(
                                        "--mode must be replace or add, not {other:?}"
                                    ));
                                }
                            }
                        }
                        "--keep" => keep = value.parse()?,
                        other => return Err(format!("import has no option {other}")),
                    }
                }
                Ok(Command::Import {
                    format,
                    file: PathBuf::from(file),
                    guild,
                    mode,
                    keep,
                })
            }
            "export" => {
                let (positional, flags) = split_flags(rest)?;
                if let Some(extra) = positional.first() {
                    return Err(format!(
                        "export takes no file ({extra:?}): it writes to standard output, so use `server export > {extra}`"
                    ));
                }
                let mut guild = None;
                for (flag, value) in flags {
                    match flag.as_str() {
                        "--guild" => guild = Some(parse_guild(&value)?),
                        other => return Err(format!("export has no option {other}")),
                    }
                }
                Ok(Command::Export { guild })
            }
            other => Err(format!(
                "unknown command {other:?}: expected import, export or help"
            )),
        }
    }
}

fn parse_guild(value: &str) -> Result<GuildId, String> {
    value
        .parse()
        .map_err(|_| format!("--guild must be a guild id (a snowflake), not {value:?}"))
}

/// `--flag value` (or `--flag=value`) pairs, in order.
type Flags = Vec<(String, String)>;

/// Positional arguments and flags.
fn split_flags(args: &[String]) -> Result<(Vec<String>, Flags), String> {
    let mut positional = Vec::new();
    let mut flags = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if let Some(flag) = arg.strip_prefix("--") {
            let (name, value) = match flag.split_once('=') {
                Some((name, value)) => (format!("--{name}"), value.to_owned()),
                None => {
                    let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                    (arg.clone(), value.clone())
                }
            };
            flags.push((name, value));
        } else {
            positional.push(arg.clone());
        }
    }
    Ok((positional, flags))
}

/// Keeps the import's level changes, for the reward roles afterwards.
#[derive(Clone, Default)]
pub struct ImportedLevels(Arc<Mutex<Vec<MembersImported>>>);

impl EventSink for ImportedLevels {
    fn publish(&self, event: &Event) -> Result<(), BoxError> {
        if let Event::MembersImported(imported) = event {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(imported.clone());
        }
        Ok(())
    }
}

impl ImportedLevels {
    /// The members whose level changed, all batches together.
    pub fn take(&self) -> Vec<MembersImported> {
        std::mem::take(
            &mut self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Runs an import; the summary line goes to standard output.
pub async fn import(
    leveling: &Leveling,
    config: &Config,
    format: Format,
    file: PathBuf,
    guild: Option<GuildId>,
    mode: ImportMode,
    keep: Keep,
) -> Result<ImportSummary, String> {
    let bytes = std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let guild = match format {
        Format::Leveling => guild,
        Format::Mee6 | Format::Plain => Some(guild.unwrap_or(config.default_guild)),
    };
    let name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string());
    if mode == ImportMode::Add {
        eprintln!(
            "note: --mode add adds the file's XP on top of what members have: running it twice adds twice (--mode replace is idempotent)"
        );
    }
    let options = ImportOptions {
        guild,
        mode,
        keep,
        reason: Some(name.chars().take(leveling_core::MAX_REASON_CHARS).collect()),
    };
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} importing {pos}/{len} members [{bar:40}] {percent}% ({eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let result = leveling
        .import_file(format, &bytes, &options, |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await;
    bar.finish_and_clear();
    let summary = result.map_err(|e| format!("{name}: {e}"))?;
    println!(
        "{}",
        summary_line(&name, format, guild, mode, keep, &summary)
    );
    Ok(summary)
}

fn summary_line(
    name: &str,
    format: Format,
    guild: Option<GuildId>,
    mode: ImportMode,
    keep: Keep,
    summary: &ImportSummary,
) -> String {
    let into = guild.map_or_else(|| "every guild".to_owned(), |g| format!("guild {g}"));
    let how = match format {
        Format::Leveling => mode.as_str().to_owned(),
        _ => format!(
            "{}, keep {}",
            mode.as_str(),
            match keep {
                Keep::Levels => "levels",
                Keep::Xp => "xp",
            }
        ),
    };
    let mut line = format!(
        "imported {name} ({format}, {how}) into {into}: {} members read, {} written, {} unchanged, {} skipped",
        summary.read,
        summary.imported,
        summary.unchanged,
        summary.skipped.len()
    );
    if !summary.skipped.is_empty() {
        let shown: Vec<String> = summary
            .skipped
            .iter()
            .take(3)
            .map(|s| format!("record {} (user {}): {}", s.record, s.user, s.reason))
            .collect();
        let more = summary.skipped.len().saturating_sub(3);
        line.push_str(&format!(
            " ({}{})",
            shown.join("; "),
            if more > 0 {
                format!("; {more} more")
            } else {
                String::new()
            }
        ));
    }
    if format == Format::Leveling && mode == ImportMode::Replace {
        line.push_str(&format!(
            ", restored {} profiles, the settings of {} guilds and {} tools",
            summary.users, summary.settings, summary.tools
        ));
    }
    line.push_str(&format!(", in {:.1} s", summary.elapsed.as_secs_f64()));
    line
}

/// Members per page of an export (each with its history and unlocks).
const EXPORT_PAGE: u32 = 500;

/// Writes a backup to `out`, line by line as the store is read.
pub async fn export(
    leveling: &Leveling,
    guild: Option<GuildId>,
    out: &mut impl Write,
) -> Result<u64, String> {
    let failed = |e: std::io::Error| format!("cannot write the backup: {e}");
    let store_failed = |e: leveling_core::Error| format!("export failed: {e}");
    let write = |line: &Line, out: &mut dyn Write| -> Result<(), String> {
        serde_json::to_writer(&mut *out, line)
            .map_err(|e| format!("cannot write the backup: {e}"))?;
        out.write_all(b"\n").map_err(failed)
    };
    let now = leveling.clock().now();
    write(&Line::Header(Header::new(now, guild)), out)?;
    for (guild, settings) in leveling
        .export_settings(guild)
        .await
        .map_err(store_failed)?
    {
        write(&Line::Settings { guild, settings }, out)?;
    }
    for tool in leveling.tools().await.map_err(store_failed)? {
        write(&Line::Tool(tool), out)?;
    }
    let mut members = 0;
    let mut users_of_guild = std::collections::HashSet::<UserId>::new();
    let mut after = None;
    loop {
        let page = leveling
            .export_page(guild, after, EXPORT_PAGE)
            .await
            .map_err(store_failed)?;
        let Some(last) = page.last() else { break };
        after = Some(last.member.id);
        for record in page {
            if guild.is_some() {
                users_of_guild.insert(record.member.id.user);
            }
            members += 1;
            write(&Line::Member(record), out)?;
        }
    }
    let mut offset = 0;
    loop {
        let page = leveling
            .users(PageRequest::new(PageRequest::MAX_LIMIT, offset))
            .await
            .map_err(store_failed)?;
        if page.items.is_empty() {
            break;
        }
        offset += page.items.len() as u64;
        for user in page.items {
            if guild.is_none() || users_of_guild.contains(&user.id) {
                write(&Line::User(user), out)?;
            }
        }
    }
    out.flush().map_err(failed)?;
    Ok(members)
}
