//! Where a guild's and a member's wishes about the page plug in.
//!
//! PLUG-IN POINT (pending on `main`): `GuildSettings::leaderboard.page` (the guild's
//! switch) and `LeaderboardEntry::{display_name, avatar_url, hidden}` are being added
//! there. Until they land, every guild shows its page, nobody is hidden, and a row's
//! looks come from one profile read per row. When they land, only this file changes.

use leveling_core::{GuildId, LeaderboardEntry, Leveling, Result};

/// Whether `guild` shows its page (a guild that turned it off answers 404).
pub(crate) async fn page_enabled(_leveling: &Leveling, _guild: GuildId) -> Result<bool> {
    Ok(true)
}

/// Whether the member asked not to be shown on the page.
pub(crate) fn hidden(_entry: &LeaderboardEntry) -> bool {
    false
}

/// A member's display name and avatar URL, when their profile has them.
pub(crate) struct Looks {
    pub(crate) display_name: Option<String>,
    pub(crate) avatar_url: Option<String>,
}

/// The looks of a row's member.
pub(crate) async fn looks(leveling: &Leveling, entry: &LeaderboardEntry) -> Result<Looks> {
    let profile = leveling.user(entry.user).await?;
    Ok(Looks {
        display_name: profile.as_ref().and_then(|p| p.display_name.clone()),
        avatar_url: profile.and_then(|p| p.avatar_url),
    })
}
