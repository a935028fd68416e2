//! The local image server and the cache settings the fetch tests share.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leveling_card::FetchConfig;
use leveling_card::tiny_skia::{Color, Pixmap};

pub type Hits = Arc<Mutex<HashMap<String, usize>>>;

pub fn png() -> Vec<u8> {
    let mut pixmap = Pixmap::new(40, 40).unwrap();
    pixmap.fill(Color::from_rgba8(0x30, 0x90, 0xf0, 255));
    pixmap.encode_png().unwrap()
}

async fn serve(Path(name): Path<String>, State(hits): State<Hits>) -> Response {
    *hits.lock().unwrap().entry(name.clone()).or_default() += 1;
    match name.as_str() {
        "missing" => StatusCode::NOT_FOUND.into_response(),
        "photo.jpg" => include_bytes!("../fixtures/avatar.jpg")
            .to_vec()
            .into_response(),
        "text" => "<html>not an image</html>".into_response(),
        "gif" => b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
            .to_vec()
            .into_response(),
        // A valid PNG start, then far more than the cap, with a Content-Length.
        "big" => {
            let mut body = png();
            body.resize(3 * 1024 * 1024, 0);
            body.into_response()
        }
        // The same without a Content-Length: only counting the bytes read stops it.
        "big-stream" => {
            let chunks = std::iter::once(png())
                .chain((0..48).map(|_| vec![0u8; 64 * 1024]))
                .map(Ok::<_, std::io::Error>);
            Body::from_stream(futures_util::stream::iter(chunks)).into_response()
        }
        // Off to another host (`localhost` is not `127.0.0.1` to the allow-list).
        "elsewhere" => {
            let port = hits.lock().unwrap().get("port").copied().unwrap_or(0);
            (
                StatusCode::FOUND,
                [(
                    axum::http::header::LOCATION,
                    format!("http://localhost:{port}/img/alice.png"),
                )],
            )
                .into_response()
        }
        "slowish" => {
            tokio::time::sleep(Duration::from_millis(200)).await;
            png().into_response()
        }
        "slow" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            png().into_response()
        }
        _ => png().into_response(),
    }
}

/// Starts the server on an ephemeral loopback port; it lives as long as the test's runtime.
pub async fn server() -> (String, Hits) {
    let hits = Hits::default();
    let app = Router::new()
        .route("/img/{name}", get(serve))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    hits.lock()
        .unwrap()
        .insert("port".into(), usize::from(port));
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, hits)
}

pub fn hits(hits: &Hits, name: &str) -> usize {
    hits.lock().unwrap().get(name).copied().unwrap_or(0)
}

pub fn config() -> FetchConfig {
    FetchConfig {
        timeout: Duration::from_millis(500),
        ..FetchConfig::default()
    }
}
