//! One page of a guild's leaderboard, as the rows the page shows.

use leveling_core::{GuildId, Leveling, PageRequest, Progress, Result, UserId};

use super::switch;

/// Rows per page of the web leaderboard.
pub const PAGE_SIZE: u32 = 25;

/// One member's row.
pub(crate) struct Row {
    pub(crate) rank: u64,
    pub(crate) user: UserId,
    /// Display name, else username, else the id.
    pub(crate) name: String,
    pub(crate) avatar_url: Option<String>,
    pub(crate) tier: String,
    pub(crate) progress: Progress,
}

/// A page of the board.
pub(crate) struct Board {
    pub(crate) guild: GuildId,
    /// 1-based.
    pub(crate) page: u64,
    /// Members with XP in the guild, hidden ones included (they keep their ranks).
    pub(crate) total: u64,
    pub(crate) rows: Vec<Row>,
}

impl Board {
    /// How many pages the board has; an empty board still has its first page.
    pub(crate) fn pages(&self) -> u64 {
        self.total.div_ceil(u64::from(PAGE_SIZE)).max(1)
    }
}

/// Page `page` (1-based) of `guild`'s board. Hidden members are left out and the others
/// keep their true ranks, so a page may show fewer than [`PAGE_SIZE`] rows.
pub(crate) async fn board(leveling: &Leveling, guild: GuildId, page: u64) -> Result<Board> {
    let Some(offset) = (page - 1).checked_mul(u64::from(PAGE_SIZE)) else {
        // Further than any store can count: an empty page past the end.
        let total = leveling
            .leaderboard(guild, PageRequest::new(1, 0))
            .await?
            .total;
        return Ok(Board {
            guild,
            page,
            total,
            rows: Vec::new(),
        });
    };
    let entries = leveling
        .leaderboard(guild, PageRequest::new(PAGE_SIZE, offset))
        .await?;
    let progression = leveling.progression();
    let mut rows = Vec::with_capacity(entries.items.len());
    for entry in &entries.items {
        if switch::hidden(entry) {
            continue;
        }
        let name = entry
            .display_name
            .clone()
            .filter(|name| !name.trim().is_empty())
            .or_else(|| {
                entry
                    .username
                    .clone()
                    .filter(|name| !name.trim().is_empty())
            })
            .unwrap_or_else(|| entry.user.to_string());
        rows.push(Row {
            rank: entry.rank,
            user: entry.user,
            name,
            avatar_url: entry.avatar_url.clone(),
            tier: entry.tier.name.clone(),
            progress: progression.progress(entry.xp),
        });
    }
    Ok(Board {
        guild,
        page,
        total: entries.total,
        rows,
    })
}
