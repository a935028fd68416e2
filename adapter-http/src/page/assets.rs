//! The page's stylesheet and scripts, compiled into the binary: the page needs no CDN
//! and works offline. Their URLs carry a hash of the content, so a long cache lifetime
//! never serves a stale file after an upgrade.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::answer;

/// One file served under `/leaderboard/assets/`.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "leaderboard.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../assets/leaderboard.css"),
    },
    Asset {
        name: "leaderboard.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/leaderboard.js"),
    },
    // socket.io-client 4.8.4 from npm (dist/socket.io.min.js), MIT: see the next file.
    Asset {
        name: "socket.io.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/vendor/socket.io.min.js"),
    },
    Asset {
        name: "socket.io-client.LICENSE",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../../assets/vendor/socket.io-client.LICENSE"),
    },
];

/// Each asset's content hash (FNV-1a, hex): its `ETag` and the `?v=` of its URL.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            let hash = asset.body.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            format!("{hash:016x}")
        })
        .collect()
});

/// The URL the page links `name` by.
pub(crate) fn url(name: &str) -> String {
    let index = ASSETS
        .iter()
        .position(|asset| asset.name == name)
        .expect("a known asset");
    format!("/leaderboard/assets/{name}?v={}", VERSIONS[index])
}

/// `GET /leaderboard/assets/{file}`.
pub(crate) async fn serve(Path(file): Path<String>, request: HeaderMap) -> Response {
    let Some(index) = ASSETS.iter().position(|asset| asset.name == file) else {
        return answer::not_found("There is no such file.");
    };
    let asset = &ASSETS[index];
    let etag = format!("\"{}\"", VERSIONS[index]);
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=604800"),
    );
    headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let unchanged = request
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if unchanged {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    (headers, asset.body).into_response()
}
