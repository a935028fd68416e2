//! A guild's and a member's wishes about the page: the guild's admins can turn its page
//! off (`leaderboard.page` of its settings), and a member can ask to be left out
//! (`leaderboard_hidden` of their profile).

use leveling_core::{GuildId, LeaderboardEntry, Leveling, Result};

/// Whether `guild` shows its page (a guild that turned it off answers 404). Read from
/// the engine's settings cache, so a change through the API or `/config` is in force on
/// the next view.
pub(crate) async fn page_enabled(leveling: &Leveling, guild: GuildId) -> Result<bool> {
    Ok(leveling
        .guild_settings(guild)
        .await?
        .settings
        .leaderboard
        .page)
}

/// Whether the member asked not to be shown on the page.
pub(crate) fn hidden(entry: &LeaderboardEntry) -> bool {
    entry.hidden
}
