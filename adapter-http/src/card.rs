//! `GET /api/users/{discord_id}/card.png`: a member's rank card, drawn by
//! [`leveling_card`] with the guild's card theme, cacheable by its ETag.

use std::hash::{DefaultHasher, Hash, Hasher};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leveling_card::{AvatarCache, CardData, FetchConfig, Renderer, Theme, card_at, card_for};
use leveling_core::{CardTheme, MemberId};

use crate::AppState;
use crate::dto::{GuildQuery, UserPath};
use crate::extract::{Path, Query, user_id};
use crate::{ApiError, ErrorBody};

type ApiResult<T> = Result<T, ApiError>;

/// The hosts avatars are fetched from by default: Discord's CDN. A profile's avatar URL
/// is set by API clients; anywhere else would let a URL make the server fetch from its
/// own network.
pub const DEFAULT_AVATAR_HOSTS: [&str; 2] = leveling_card::DISCORD_AVATAR_HOSTS;

/// What the card route needs: the bounded renderer and the avatar cache (clones share
/// both).
#[derive(Clone, Debug)]
pub(crate) struct Cards {
    pub(crate) renderer: Renderer,
    pub(crate) avatars: AvatarCache,
}

impl Default for Cards {
    fn default() -> Self {
        Self {
            renderer: Renderer::default(),
            avatars: AvatarCache::new(FetchConfig {
                allowed_hosts: DEFAULT_AVATAR_HOSTS.map(str::to_owned).to_vec(),
                ..FetchConfig::default()
            }),
        }
    }
}

/// The document's schema of the PNG answer.
pub struct CardPng;

impl utoipa::PartialSchema for CardPng {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .content_media_type("image/png")
            .description(Some("The card, 934×282 px"))
            .into()
    }
}

impl utoipa::ToSchema for CardPng {}

/// A member's rank card as a PNG: avatar (or initials), name, level, rank, tier in its
/// colour, the XP bar, total XP, in the guild's card theme (`card` in its settings).
///
/// The answer carries an `ETag` of everything drawn and `Cache-Control: public,
/// no-cache`: a client or proxy keeps the image and revalidates it with
/// `If-None-Match`, answered 304 without drawing when nothing changed.
#[utoipa::path(
    get, path = "/api/users/{discord_id}/card.png", tag = "users",
    params(UserPath, GuildQuery),
    responses(
        (status = 200, description = "The card", body = CardPng, content_type = "image/png",
            headers(("ETag" = String, description = "Changes when anything drawn changes"))),
        (status = 304, description = "Unchanged since the `If-None-Match` ETag"),
        (status = 404, description = "Neither a profile nor XP in the guild", body = ErrorBody),
        (status = 422, description = "Bad id", body = ErrorBody),
        (status = 503, description = "Store unavailable", body = ErrorBody),
    )
)]
pub(crate) async fn rank_card(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(query): Query<GuildQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let user = user_id(&raw)?;
    let guild = state.guild(query.guild_id.as_deref())?;
    let member = MemberId::new(guild, user);
    let profile = state.leveling.user(user).await?;
    let progress = state.leveling.progress(member).await?;
    if profile.is_none() && progress.is_none() {
        return Err(ApiError::not_found(format!("user {user} not found")));
    }
    let name = profile.as_ref().map_or_else(
        || user.to_string(),
        |p| p.display_name.clone().unwrap_or_else(|| p.username.clone()),
    );
    let theme = state.leveling.guild_settings(guild).await?.settings.card;
    let avatar = match profile.as_ref().and_then(|p| p.avatar_url.as_deref()) {
        Some(url) => state.cards.avatars.get(url).await,
        None => None,
    };
    let progression = state.leveling.progression();
    let card = match &progress {
        Some(progress) => card_for(&name, progress, progression.tiers(), avatar),
        None => card_at(&name, 0, None, progression, avatar),
    };
    let etag = etag(&card, &theme);
    if matches(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, cache_headers(&etag)).into_response());
    }
    let png = state
        .cards
        .renderer
        .render(card, Theme::from(theme))
        .await
        .map_err(|error| {
            tracing::error!(%error, "a rank card did not render");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the card could not be drawn",
            )
        })?;
    let mut response = (cache_headers(&etag), png).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    Ok(response)
}

fn cache_headers(etag: &str) -> [(header::HeaderName, HeaderValue); 2] {
    [
        (
            header::ETAG,
            HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"card\"")),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, no-cache"),
        ),
    ]
}

/// The ETag of a card: a hash of everything drawn (and the renderer's version, so a new
/// template is a new tag).
fn etag(card: &CardData, theme: &CardTheme) -> String {
    let mut hasher = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    card.display_name.hash(&mut hasher);
    (
        card.level,
        card.rank,
        &card.tier,
        card.tier_colour.to_string(),
    )
        .hash(&mut hasher);
    (card.xp_into_level, card.xp_for_level, card.total_xp).hash(&mut hasher);
    card.avatar.as_ref().map(|a| a.png()).hash(&mut hasher);
    theme.hash(&mut hasher);
    format!("\"card-{:016x}\"", hasher.finish())
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak tags compare by value.
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let tag = "\"card-1\"";
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static(value));
            headers
        };
        assert!(matches(&with("\"card-1\""), tag));
        assert!(matches(&with("\"x\", W/\"card-1\""), tag));
        assert!(matches(&with("*"), tag));
        assert!(!matches(&with("\"card-2\""), tag));
        assert!(!matches(&HeaderMap::new(), tag));
    }
}
