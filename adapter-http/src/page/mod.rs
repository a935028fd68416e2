//! The web leaderboard: `GET /leaderboard` (the default guild) and
//! `GET /leaderboard/{guild_id}`, `?page=N` (1-based, [`PAGE_SIZE`] rows), rendered on
//! the server as a plain HTML table, with its stylesheet and scripts under
//! `GET /leaderboard/assets/{file}`, all served from the binary. With Socket.IO on, the
//! page's script swaps in fresh rows when a member of its guild changes level.

mod answer;
mod assets;
mod escape;
mod query;
mod render;
mod rows;
mod switch;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use axum::routing::get;
use leveling_core::{GuildId, Leveling};

pub use rows::PAGE_SIZE;

#[derive(Clone)]
struct PageState {
    leveling: Leveling,
    default_guild: GuildId,
    /// Whether Socket.IO is served, so the page links its live script.
    live: bool,
}

/// The page's routes, ready to merge into the API's router.
pub(crate) fn router(leveling: Leveling, default_guild: GuildId, live: bool) -> Router {
    Router::new()
        .route("/leaderboard", get(default_board))
        .route("/leaderboard/{guild_id}", get(guild_board))
        .route("/leaderboard/assets/{file}", get(assets::serve))
        .with_state(PageState {
            leveling,
            default_guild,
            live,
        })
}

async fn default_board(State(state): State<PageState>, RawQuery(query): RawQuery) -> Response {
    show(&state, state.default_guild, query.as_deref()).await
}

async fn guild_board(
    State(state): State<PageState>,
    guild: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let guild = guild.ok().and_then(|Path(raw)| raw.parse::<GuildId>().ok());
    match guild {
        Some(guild) => show(&state, guild, query.as_deref()).await,
        None => answer::not_found("There is no leaderboard here: a guild id is a decimal number."),
    }
}

async fn show(state: &PageState, guild: GuildId, query: Option<&str>) -> Response {
    let page = match query::page_number(query) {
        Ok(page) => page,
        Err(message) => return answer::invalid(&message),
    };
    match switch::page_enabled(&state.leveling, guild).await {
        Ok(true) => {}
        Ok(false) => return answer::turned_off(guild),
        Err(error) => return answer::store_error(error),
    }
    let board = match rows::board(&state.leveling, guild, page).await {
        Ok(board) => board,
        Err(error) => return answer::store_error(error),
    };
    if page > board.pages() {
        return answer::not_found(&format!(
            "The leaderboard of guild {guild} has {} page(s); there is no page {page}.",
            board.pages()
        ));
    }
    answer::html(render::board_page(&board, state.live))
}
