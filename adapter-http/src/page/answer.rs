//! The page's HTTP answers: the board itself and the error pages, each a whole HTML
//! document with the headers that keep it self-contained.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leveling_core::{Error, ErrorKind, GuildId};

use super::render;

/// Only this origin's scripts, styles and sockets; images from anywhere, because
/// avatars live on Discord's (or the embedder's) servers.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' https: http: data:; connect-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

/// A 200 page.
pub(crate) fn html(document: String) -> Response {
    with_status(StatusCode::OK, document)
}

/// An HTML document with `status` and the page's headers.
pub(crate) fn with_status(status: StatusCode, document: String) -> Response {
    let mut response = (status, document).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The board changes with every award: revalidate on every visit.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// 404 with a sentence saying what was not found.
pub(crate) fn not_found(message: &str) -> Response {
    with_status(
        StatusCode::NOT_FOUND,
        render::message_page("Not found", message),
    )
}

/// 422 for a query the page cannot mean.
pub(crate) fn invalid(message: &str) -> Response {
    with_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        render::message_page("Not a page", message),
    )
}

/// 404 for a guild whose admins turned the page off.
pub(crate) fn turned_off(guild: GuildId) -> Response {
    not_found(&format!(
        "The leaderboard of guild {guild} is turned off by its admins."
    ))
}

/// 503 when the store cannot be reached, 500 for a bug (details in the log only).
pub(crate) fn store_error(error: Error) -> Response {
    if error.kind() == ErrorKind::Unavailable {
        tracing::warn!(%error, "leaderboard page: store unavailable");
        let mut response = with_status(
            StatusCode::SERVICE_UNAVAILABLE,
            render::message_page(
                "Unavailable",
                "The leaderboard cannot be read right now. Try again in a moment.",
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        response
    } else {
        tracing::error!(%error, "leaderboard page: internal error");
        with_status(
            StatusCode::INTERNAL_SERVER_ERROR,
            render::message_page("Error", "Something went wrong on the server."),
        )
    }
}
