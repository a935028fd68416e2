//! The picture `/rank` and `!xp` answer with: the member's rank card, drawn by
//! `leveling-card` with the guild's theme and the member's Discord avatar.

use std::time::Duration;

use leveling_card::{AvatarCache, CardError, FetchConfig, Renderer, Theme, alt_text, card_for};
use leveling_core::{GuildId, Leveling, MemberProgress};
use serenity::all::User;

use crate::Settings;

/// A drawn card: the PNG and its description for screen readers.
#[derive(Debug, Clone)]
pub(crate) struct RankCard {
    pub png: Vec<u8>,
    pub alt: String,
}

/// Why a card was not drawn (the caller falls back to the text reply).
#[derive(Debug, thiserror::Error)]
pub(crate) enum CardFailure {
    #[error("the guild's card theme could not be read: {0}")]
    Theme(#[from] leveling_core::Error),
    #[error(transparent)]
    Render(#[from] CardError),
}

/// The renderer and the avatar cache, one of each per handler, shared by its clones.
#[derive(Debug, Clone)]
pub(crate) struct RankCards {
    renderer: Renderer,
    avatars: AvatarCache,
    avatar_cdn: String,
}

/// An interaction must be answered within 3 s; a slow CDN costs the avatar (initials
/// instead), never the answer.
const AVATAR_TIMEOUT: Duration = Duration::from_secs(1);

impl RankCards {
    pub(crate) fn new(settings: &Settings) -> Self {
        let config = FetchConfig {
            timeout: AVATAR_TIMEOUT,
            allowed_hosts: settings.avatar_hosts.clone(),
            ..FetchConfig::default()
        };
        Self {
            renderer: Renderer::default(),
            avatars: AvatarCache::new(config),
            avatar_cdn: settings.avatar_cdn.trim_end_matches('/').to_owned(),
        }
    }

    /// The card of `user` (shown as `name`) in `guild`, from their `progress`.
    pub(crate) async fn draw(
        &self,
        leveling: &Leveling,
        guild: GuildId,
        user: &User,
        name: &str,
        progress: &MemberProgress,
    ) -> Result<RankCard, CardFailure> {
        let theme = Theme::from(leveling.guild_settings(guild).await?.settings.card);
        let avatar = match avatar_url(&self.avatar_cdn, user) {
            Some(url) => self.avatars.get(&url).await,
            None => None,
        };
        let card = card_for(name, progress, leveling.progression().tiers(), avatar);
        let alt = alt_text(&card);
        let png = self.renderer.render(card, theme).await?;
        Ok(RankCard { png, alt })
    }
}

/// The user's avatar as a 256 px PNG, the one format (with JPEG) the card decodes;
/// serenity's own URLs ask for WebP or GIF. `None` without an avatar of their own:
/// Discord's default one says less than the initials the card draws instead.
pub(crate) fn avatar_url(cdn: &str, user: &User) -> Option<String> {
    let hash = user.avatar.as_ref()?;
    Some(format!("{cdn}/avatars/{}/{hash}.png?size=256", user.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::{ImageHash, UserId};

    #[test]
    fn the_avatar_is_asked_for_as_a_png() {
        let mut user = User::default();
        user.id = UserId::new(42);
        assert_eq!(avatar_url("https://cdn.discordapp.com", &user), None);
        let hash: ImageHash = "a_0123456789abcdef0123456789abcdef".parse().unwrap();
        user.avatar = Some(hash);
        assert_eq!(
            avatar_url("https://cdn.discordapp.com", &user).as_deref(),
            Some(
                "https://cdn.discordapp.com/avatars/42/a_0123456789abcdef0123456789abcdef.png?size=256"
            )
        );
    }
}
