//! Every reply the bot sends, built by pure functions (no Discord, no store), so each is
//! unit-tested. Commands fetch the data, call one of these, and send the [`Reply`].

use std::time::Duration;

use leveling_core::storage::{Forgotten, ImportMode};
use leveling_core::{
    ErrorKind, ImportError, ImportSummary, LeaderboardEntry, MemberProgress, Page, Progression,
    UserData,
};

/// A message to send: its text and whether only the invoker sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// Markdown text.
    pub content: String,
    /// Only the invoker sees it (slash commands).
    pub ephemeral: bool,
}

impl Reply {
    fn public(content: String) -> Self {
        Self {
            content,
            ephemeral: false,
        }
    }

    pub(crate) fn private(content: String) -> Self {
        Self {
            content,
            ephemeral: true,
        }
    }
}

/// A text progress bar of `width` cells for a fraction in `[0, 1]`.
///
/// ```
/// assert_eq!(leveling_discord::replies::progress_bar(0.5, 10), "█████░░░░░");
/// ```
pub fn progress_bar(fraction: f64, width: usize) -> String {
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    // Truncation is intended: a cell is filled only once it is fully earned.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let filled = ((fraction * width as f64).floor() as usize).min(width);
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

/// The answer to `/privacy`: what the member now sees, only to them.
pub fn privacy(hidden: bool) -> Reply {
    Reply::private(if hidden {
        "🙈 You are hidden from the web leaderboard page. Your XP, level and rank are unchanged; `/privacy leaderboard:show` lists you again.".to_owned()
    } else {
        "👀 You are listed on the web leaderboard page again.".to_owned()
    })
}

/// `/rank` and `!xp`: level, tier, XP into the level, a progress bar and the rank
/// position; `progress` is `None` for a member who never earned XP. The percent is
/// [`Progress::percent`](leveling_core::Progress::percent) in whole percent, floored.
///
/// ```
/// use leveling_discord::replies::rank;
///
/// let reply = rank("alice", None);
/// assert!(reply.content.contains("no XP yet"));
/// ```
pub fn rank(name: &str, progress: Option<&MemberProgress>) -> Reply {
    let Some(progress) = progress else {
        return Reply::public(format!(
            "**{}** has no XP yet: send a message to start earning.",
            escape(name)
        ));
    };
    let p = &progress.progress;
    let position = progress
        .rank
        .map_or_else(|| "unranked".to_owned(), |rank| format!("#{rank}"));
    let next = match p.next_level_xp {
        Some(_) => format!(
            "{} / {} XP into level {} ({} to level {})",
            p.xp_into_level(),
            p.xp_for_next_level(),
            p.level,
            p.xp_to_next_level(),
            p.level + 1
        ),
        None => "maximum level reached".to_owned(),
    };
    // The core's rule (floored to hundredths, 100 only at the maximum level), shown in
    // whole percent, floored again: one XP short of a level is 99%, never 100%.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let percent = p.percent().floor() as u32;
    Reply::public(format!(
        "**{}** — rank {position}\nLevel **{}** · Tier **{}** · {} XP total\n`{}` {percent}%\n{next}",
        escape(name),
        p.level,
        progress.tier.name,
        p.xp,
        progress_bar(p.fraction(), 20),
    ))
}

/// The line above the rank card (the picture carries the rest): name, rank position
/// and level.
///
/// ```
/// use leveling_core::{Leveling, MemberId, Award};
/// use leveling_discord::replies::rank_caption;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> leveling_core::Result<()> {
/// let leveling = Leveling::builder(leveling_storage_memory::MemoryStore::new()).build();
/// let member = MemberId::new(1, 42);
/// leveling.award(Award::grant(member, 200)).await?;
/// let progress = leveling.progress(member).await?.expect("has XP");
/// assert_eq!(rank_caption("a_b", &progress).content, "**a\\_b** — rank #1 · level 1");
/// # Ok(())
/// # }
/// ```
pub fn rank_caption(name: &str, progress: &MemberProgress) -> Reply {
    let position = progress
        .rank
        .map_or_else(|| "unranked".to_owned(), |rank| format!("rank #{rank}"));
    Reply::public(format!(
        "**{}** — {position} · level {}",
        escape(name),
        progress.progress.level
    ))
}

/// `/leaderboard [page]`: one page (1-based) of `page_size` rows out of `board.total`.
///
/// ```
/// use leveling_core::Page;
/// use leveling_discord::replies::leaderboard;
///
/// let reply = leaderboard(&Page { items: vec![], total: 0 }, 1, 10);
/// assert!(reply.content.contains("Nobody"));
/// ```
pub fn leaderboard(board: &Page<LeaderboardEntry>, page: u32, page_size: u32) -> Reply {
    let pages = board.total.div_ceil(u64::from(page_size.max(1))).max(1);
    if board.items.is_empty() {
        let content = if board.total == 0 {
            "Nobody has earned XP here yet.".to_owned()
        } else {
            format!("Page {page} is empty: the leaderboard has {pages} page(s).")
        };
        return Reply::public(content);
    }
    let mut content = format!("**Leaderboard** — page {page}/{pages}\n");
    for entry in &board.items {
        let name = entry
            .username
            .as_deref()
            .map_or_else(|| format!("<@{}>", entry.user), escape);
        content.push_str(&format!(
            "`#{:>3}` {name} — level {} ({}) · {} XP\n",
            entry.rank, entry.level, entry.tier.name, entry.xp
        ));
    }
    Reply::public(content.trim_end().to_owned())
}

/// `/levels`: the curve at a few milestones and the tiers.
///
/// ```
/// use leveling_core::Progression;
///
/// let reply = leveling_discord::replies::levels(&Progression::default());
/// assert!(reply.content.contains("Level 10: 10500 XP"));
/// ```
pub fn levels(progression: &Progression) -> Reply {
    let max = progression.max_level();
    let mut content = String::from("**Levels** — total XP needed\n");
    let mut milestones: Vec<u32> = [1, 2, 3, 5, 10, 25, 50, 75, 100]
        .into_iter()
        .filter(|&l| l <= max)
        .collect();
    if !milestones.contains(&max) {
        milestones.push(max);
    }
    for level in milestones {
        content.push_str(&format!(
            "Level {level}: {} XP\n",
            progression.xp_for_level(level)
        ));
    }
    content.push_str("\n**Tiers**\n");
    for tier in progression.tiers().iter() {
        let from = tier.min_level;
        let to = tier.max_level.min(max);
        content.push_str(&format!("{}: levels {from}–{to}\n", tier.name));
    }
    Reply::public(content.trim_end().to_owned())
}

/// The figures of `/botstats`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BotStats {
    /// Time since the bot started.
    pub uptime: Duration,
    /// Guilds the bot is in.
    pub guilds: usize,
    /// Members with XP, all guilds.
    pub members_tracked: u64,
    /// XP awarded, all guilds (the sum of every member's XP).
    pub xp_awarded: u64,
    /// The shard's heartbeat latency, once measured.
    pub latency: Option<Duration>,
}

/// `/botstats` (admin, ephemeral).
///
/// ```
/// use leveling_discord::replies::{botstats, BotStats};
/// use std::time::Duration;
///
/// let reply = botstats(&BotStats { uptime: Duration::from_secs(3_725), ..Default::default() });
/// assert!(reply.content.contains("1h 2m 5s"));
/// ```
pub fn botstats(stats: &BotStats) -> Reply {
    let latency = stats.latency.map_or_else(
        || "not measured yet".to_owned(),
        |l| format!("{} ms", l.as_millis()),
    );
    Reply::private(format!(
        "**Bot stats**\nUptime: {}\nGuilds: {}\nMembers tracked: {}\nXP awarded: {}\nGateway latency: {latency}",
        format_duration(stats.uptime),
        stats.guilds,
        stats.members_tracked,
        stats.xp_awarded,
    ))
}

/// `Nd Nh Nm Ns`, leading zero units omitted.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    let (d, h, m, s) = (secs / 86_400, secs / 3_600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m {s}s"),
        _ => format!("{d}d {h}h {m}m {s}s"),
    }
}

/// The refusal of an admin command to a member without Manage Server or the admin role.
pub fn refused() -> Reply {
    Reply::private(
        "⛔ You need the **Manage Server** permission or the bot's admin role to use this command."
            .to_owned(),
    )
}

/// A command used outside a server.
pub fn guild_only() -> Reply {
    Reply::private("This command only works in a server.".to_owned())
}

/// The reply to an invalid argument (an amount or level out of range).
pub fn invalid(message: &str) -> Reply {
    Reply::private(format!("❌ {message}"))
}

/// The reply when the store failed: no detail (it is logged instead).
pub fn unavailable() -> Reply {
    Reply::private("⚠️ Leveling is unavailable right now, try again in a moment.".to_owned())
}

/// The reply to an admin change of a member's XP.
pub fn admin_done(action: &str, name: &str, xp: u64, level: u32, tier: &str) -> Reply {
    Reply::private(format!(
        "✅ {action} **{}**: now {xp} XP, level {level} ({tier}).",
        escape(name)
    ))
}

/// `N thing` or `N things`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What is stored about a user, in words: "your profile, your progress in 2 servers,
/// 31 history entries and 1 unlock".
fn stored(data: &UserData) -> String {
    let history: usize = data.members.iter().map(|m| m.history.len()).sum();
    let unlocks: usize = data.members.iter().map(|m| m.unlocks.len()).sum();
    let mut parts = Vec::new();
    if data.profile.is_some() {
        parts.push("your profile (name and avatar)".to_owned());
    }
    parts.push(format!(
        "your progress in {}",
        count(data.members.len() as u64, "server", "servers")
    ));
    parts.push(count(history as u64, "history entry", "history entries"));
    parts.push(count(unlocks as u64, "unlock", "unlocks"));
    let last = parts.pop().unwrap_or_default();
    format!("{} and {last}", parts.join(", "))
}

/// `/mydata`: the caption of `mydata.json`, only to the member.
///
/// ```
/// use leveling_core::{UserData, UserId};
///
/// let data = UserData { user: UserId(7), profile: None, members: vec![] };
/// let reply = leveling_discord::replies::mydata(&data);
/// assert!(reply.ephemeral);
/// assert!(reply.content.contains("your progress in 0 servers"));
/// ```
pub fn mydata(data: &UserData) -> Reply {
    Reply::private(format!(
        "📦 Everything the bot stores about you, as JSON: {}. `/forgetme` deletes it.",
        stored(data)
    ))
}

/// `/mydata` when the file would be larger than Discord takes (`bytes` long).
pub fn mydata_too_large(bytes: usize) -> Reply {
    Reply::private(format!(
        "⚠️ Your data is {:.1} MiB, more than Discord lets the bot upload. Ask the server's admins for an export (`GET /api/users/<your id>/export` on the leveling API).",
        bytes as f64 / (1024.0 * 1024.0)
    ))
}

/// `/forgetme`'s question: what will be deleted, above the two buttons.
///
/// ```
/// use leveling_core::{UserData, UserId};
///
/// let data = UserData { user: UserId(7), profile: None, members: vec![] };
/// let reply = leveling_discord::replies::forget_prompt(&data);
/// assert!(reply.content.contains("cannot be undone"));
/// ```
pub fn forget_prompt(data: &UserData) -> Reply {
    Reply::private(format!(
        "⚠️ This deletes everything the bot stores about you: {}. Your XP and levels are gone in every server, and reward roles are not given back. This cannot be undone (`/mydata` first for a copy).\nPress **Delete my data** to confirm.",
        stored(data)
    ))
}

/// `/forgetme` from a user the bot stores nothing about.
pub fn nothing_stored() -> Reply {
    Reply::private("The bot stores nothing about you: there is nothing to delete.".to_owned())
}

/// `/forgetme` confirmed: what was deleted.
///
/// ```
/// use leveling_core::storage::Forgotten;
///
/// let gone = Forgotten { profile: true, members: 2, history: 31, unlocks: 1 };
/// assert_eq!(
///     leveling_discord::replies::forgotten(&gone).content,
///     "🗑️ Deleted: your profile, your progress in 2 servers, 31 history entries and 1 unlock."
/// );
/// ```
pub fn forgotten(gone: &Forgotten) -> Reply {
    if gone.is_empty() {
        return Reply::private("🗑️ Nothing was stored about you any more.".to_owned());
    }
    let mut parts = Vec::new();
    if gone.profile {
        parts.push("your profile".to_owned());
    }
    parts.push(format!(
        "your progress in {}",
        count(gone.members, "server", "servers")
    ));
    parts.push(count(gone.history, "history entry", "history entries"));
    parts.push(count(gone.unlocks, "unlock", "unlocks"));
    let last = parts.pop().unwrap_or_default();
    Reply::private(format!("🗑️ Deleted: {} and {last}.", parts.join(", ")))
}

/// `/forgetme` cancelled, or not confirmed in time (`timed_out`): nothing deleted.
pub fn forget_kept(timed_out: bool) -> Reply {
    Reply::private(if timed_out {
        "⌛ No answer in time: nothing was deleted.".to_owned()
    } else {
        "Cancelled: nothing was deleted.".to_owned()
    })
}

/// A click on someone else's `/forgetme` buttons.
pub fn not_your_button() -> Reply {
    Reply::private("These buttons belong to someone else's `/forgetme`.".to_owned())
}

/// A file name for a reply: no Markdown, no line breaks, at most 100 characters.
fn file_name(name: &str) -> String {
    let name: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '`')
        .take(100)
        .collect();
    format!("`{name}`")
}

/// `/import` of an attachment larger than the bot takes (refused before any download).
///
/// ```
/// let reply = leveling_discord::replies::import_too_large("big.json", 11 * 1024 * 1024, 10 * 1024 * 1024);
/// assert_eq!(reply.content, "❌ `big.json` is 11.0 MiB: `/import` takes files up to 10 MiB. Nothing was imported.");
/// ```
pub fn import_too_large(name: &str, size: u64, max: u64) -> Reply {
    Reply::private(format!(
        "❌ {} is {:.1} MiB: `/import` takes files up to {} MiB. Nothing was imported.",
        file_name(name),
        size as f64 / (1024.0 * 1024.0),
        max / (1024 * 1024)
    ))
}

/// `/import` whose attachment could not be downloaded (`why`: the reason, no URL).
pub fn import_not_downloaded(name: &str, why: &str) -> Reply {
    Reply::private(format!(
        "⚠️ {} could not be downloaded ({why}). Nothing was imported.",
        file_name(name)
    ))
}

/// How many skipped records a summary lists before "…and N more".
const SKIPS_SHOWN: usize = 3;

/// `/import` done: the one-line summary (members written, unchanged, skipped with the
/// first reasons, the backup's settings and profiles, the time taken), and for `add`
/// the reminder that it is not idempotent.
///
/// ```
/// use std::time::Duration;
/// use leveling_core::storage::ImportMode;
/// use leveling_core::ImportSummary;
///
/// let summary = ImportSummary {
///     read: 3,
///     imported: 2,
///     unchanged: 1,
///     elapsed: Duration::from_millis(250),
///     ..ImportSummary::default()
/// };
/// let reply = leveling_discord::replies::import_done("mee6.json", ImportMode::Replace, &summary);
/// assert_eq!(reply.content, "✅ Imported `mee6.json`: 2 members written, 1 unchanged, 0 skipped, in 0.25 s.");
/// ```
pub fn import_done(name: &str, mode: ImportMode, summary: &ImportSummary) -> Reply {
    let mut line = format!(
        "✅ Imported {}: {} written, {} unchanged, {} skipped",
        file_name(name),
        count(summary.imported, "member", "members"),
        summary.unchanged,
        summary.skipped.len()
    );
    if !summary.skipped.is_empty() {
        let shown: Vec<String> = summary
            .skipped
            .iter()
            .take(SKIPS_SHOWN)
            .map(|s| format!("record {} (user {}): {}", s.record, s.user, s.reason))
            .collect();
        let more = summary.skipped.len().saturating_sub(SKIPS_SHOWN);
        let more = if more > 0 {
            format!("; …and {more} more")
        } else {
            String::new()
        };
        line.push_str(&format!(" ({}{more})", shown.join("; ")));
    }
    if summary.settings > 0 {
        line.push_str(&format!(
            ", {}",
            count(summary.settings, "guild's settings", "guilds' settings")
        ));
    }
    if summary.users > 0 {
        line.push_str(&format!(
            ", {} restored",
            count(summary.users, "profile", "profiles")
        ));
    }
    line.push_str(&format!(", in {:.2} s.", summary.elapsed.as_secs_f64()));
    if mode == ImportMode::Add {
        line.push_str(
            "\nℹ️ `add` adds on top of the current XP: running the same import twice adds it twice.",
        );
    }
    Reply::private(line)
}

/// `/import` that stopped: a bad file (the record or line at fault; nothing applied),
/// or the store (how far it got). A store failure other than bad input is logged by the
/// caller; the reply does not detail it.
///
/// ```
/// use leveling_core::transfer::FileError;
/// use leveling_core::ImportError;
///
/// let error = ImportError::File(FileError("record 2: missing field `xp`".into()));
/// let reply = leveling_discord::replies::import_failed("x.json", &error);
/// assert_eq!(reply.content, "❌ `x.json` was not imported, nothing changed: record 2: missing field `xp`");
/// ```
pub fn import_failed(name: &str, error: &ImportError) -> Reply {
    let name = file_name(name);
    match error {
        ImportError::File(error) => {
            let why: String = error.to_string().chars().take(1_500).collect();
            Reply::private(format!(
                "❌ {name} was not imported, nothing changed: {why}"
            ))
        }
        ImportError::Store { source, written } => {
            let why = if source.kind() == ErrorKind::InvalidInput {
                source.to_string().chars().take(1_000).collect()
            } else {
                "the store failed".to_owned()
            };
            Reply::private(format!(
                "⚠️ The import of {name} stopped ({why}) after {} had been written, in whole batches. A `replace` import can simply be run again.",
                count(*written, "member", "members")
            ))
        }
    }
}

/// Escapes Discord markdown in a user-chosen name.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '_' | '`' | '~' | '|' | '>' | '\\') {
            out.push('\\');
        }
        // `@everyone` must not ping.
        if c == '@' {
            out.push_str("@\u{200b}");
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use leveling_core::storage::Member;
    use leveling_core::{MemberId, Streak, UserId};

    fn progress(xp: u64, rank: Option<u64>) -> MemberProgress {
        let progression = Progression::default();
        let p = progression.progress(xp);
        MemberProgress {
            member: Member {
                id: MemberId::new(1, 2),
                xp,
                streak: Streak::default(),
                xp_reached_at: Utc::now(),
            },
            tier: progression.tier(p.level).clone(),
            progress: p,
            rank,
        }
    }

    #[test]
    fn progress_bar_fills_whole_cells_only() {
        assert_eq!(progress_bar(0.0, 4), "░░░░");
        assert_eq!(progress_bar(0.24, 4), "░░░░");
        assert_eq!(progress_bar(0.25, 4), "█░░░");
        assert_eq!(progress_bar(1.0, 4), "████");
        assert_eq!(progress_bar(7.0, 4), "████");
        assert_eq!(progress_bar(f64::NAN, 4), "░░░░");
    }

    #[test]
    fn rank_card_shows_level_tier_progress_and_position() {
        // Level 10 starts at 10,500 XP, level 11 at 12,650: 100 / 2,150 into the level.
        let reply = rank("alice", Some(&progress(10_600, Some(3))));
        assert!(!reply.ephemeral);
        assert_eq!(
            reply.content,
            "**alice** — rank #3\nLevel **10** · Tier **Basic** · 10600 XP total\n\
             `░░░░░░░░░░░░░░░░░░░░` 4%\n100 / 2150 XP into level 10 (2050 to level 11)"
        );
    }

    #[test]
    fn rank_card_at_the_maximum_level() {
        let reply = rank("bob", Some(&progress(2_000_000, Some(1))));
        assert!(reply.content.contains("Level **100** · Tier **Master**"));
        assert!(reply.content.contains("maximum level reached"));
        assert!(reply.content.contains("████████████████████"));
    }

    #[test]
    fn rank_card_percent_at_the_edges() {
        let percent_line = |xp| {
            rank("x", Some(&progress(xp, Some(1))))
                .content
                .lines()
                .nth(2)
                .unwrap()
                .to_owned()
        };
        // Level 1 starts at 150 XP, level 2 at 500: one XP short shows 99% (99.71).
        assert_eq!(percent_line(150), format!("`{}` 0%", progress_bar(0.0, 20)));
        assert!(percent_line(499).ends_with(" 99%"), "{}", percent_line(499));
        assert!(percent_line(499).contains('░'));
        // Level 99 → 100 spans 19,950 XP: one short is 99.99%, shown as 99%, bar not full.
        let p = Progression::default().progress(1_004_999);
        assert_eq!(p.percent(), 99.99);
        let line = percent_line(1_004_999);
        assert!(line.ends_with(" 99%"), "{line}");
        assert!(line.contains('░'), "a cell short of full: {line}");
        // 100 only at the maximum level.
        assert!(percent_line(1_005_000).ends_with(" 100%"));
    }

    #[test]
    fn rank_card_escapes_names() {
        let reply = rank("*evil*@everyone", None);
        assert!(reply.content.starts_with("**\\*evil\\*@\u{200b}everyone**"));
    }

    #[test]
    fn leaderboard_page() {
        let progression = Progression::default();
        let entry = |rank, user, name: Option<&str>, xp| LeaderboardEntry {
            rank,
            user: UserId(user),
            username: name.map(str::to_owned),
            display_name: None,
            avatar_url: None,
            hidden: false,
            xp,
            level: progression.level(xp),
            tier: progression.tier(progression.level(xp)).clone(),
        };
        let board = Page {
            items: vec![entry(11, 5, Some("carol"), 12_650), entry(12, 6, None, 150)],
            total: 12,
        };
        let reply = leaderboard(&board, 2, 10);
        assert_eq!(
            reply.content,
            "**Leaderboard** — page 2/2\n\
             `# 11` carol — level 11 (Member) · 12650 XP\n\
             `# 12` <@6> — level 1 (Basic) · 150 XP"
        );
        let empty = leaderboard(
            &Page {
                items: vec![],
                total: 12,
            },
            5,
            10,
        );
        assert_eq!(
            empty.content,
            "Page 5 is empty: the leaderboard has 2 page(s)."
        );
    }

    #[test]
    fn levels_lists_milestones_and_tiers() {
        let reply = levels(&Progression::default());
        assert!(reply.content.contains("Level 1: 150 XP"));
        assert!(reply.content.contains("Level 100: 1005000 XP"));
        assert!(reply.content.contains("Basic: levels 0–10"));
        assert!(reply.content.contains("Master: levels 76–100"));
    }

    #[test]
    fn botstats_and_refusals() {
        let reply = botstats(&BotStats {
            uptime: Duration::from_secs(90_061),
            guilds: 3,
            members_tracked: 42,
            xp_awarded: 9_000,
            latency: Some(Duration::from_millis(87)),
        });
        assert!(reply.ephemeral);
        assert_eq!(
            reply.content,
            "**Bot stats**\nUptime: 1d 1h 1m 1s\nGuilds: 3\nMembers tracked: 42\nXP awarded: 9000\nGateway latency: 87 ms"
        );
        assert!(refused().ephemeral);
        assert!(refused().content.contains("Manage Server"));
        assert_eq!(format_duration(Duration::from_secs(59)), "59s");
        assert_eq!(format_duration(Duration::from_secs(61)), "1m 1s");
        assert!(
            admin_done("Set level of", "dave", 10_500, 10, "Basic")
                .content
                .contains("level 10")
        );
        assert!(unavailable().ephemeral && guild_only().ephemeral && invalid("x").ephemeral);
    }
}
