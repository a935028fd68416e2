//! AvatarCache against a local HTTP server that counts the requests it serves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use leveling_card::tiny_skia::{Color, Pixmap};
use leveling_card::{AvatarCache, FetchConfig};

type Hits = Arc<Mutex<HashMap<String, usize>>>;

fn png() -> Vec<u8> {
    let mut pixmap = Pixmap::new(40, 40).unwrap();
    pixmap.fill(Color::from_rgba8(0x30, 0x90, 0xf0, 255));
    pixmap.encode_png().unwrap()
}

async fn serve(Path(name): Path<String>, State(hits): State<Hits>) -> Response {
    *hits.lock().unwrap().entry(name.clone()).or_default() += 1;
    match name.as_str() {
        "missing" => StatusCode::NOT_FOUND.into_response(),
        "photo.jpg" => include_bytes!("fixtures/avatar.jpg")
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
async fn server() -> (String, Hits) {
    let hits = Hits::default();
    let app = Router::new()
        .route("/img/{name}", get(serve))
        .with_state(hits.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, hits)
}

fn hits(hits: &Hits, name: &str) -> usize {
    hits.lock().unwrap().get(name).copied().unwrap_or(0)
}

fn config() -> FetchConfig {
    FetchConfig {
        timeout: Duration::from_millis(500),
        ..FetchConfig::default()
    }
}

#[tokio::test]
async fn fetches_a_png_and_serves_the_second_get_from_the_cache() {
    let (base, counter) = server().await;
    let cache = AvatarCache::new(config());
    let url = format!("{base}/img/alice.png");
    let first = cache.get(&url).await.expect("a PNG avatar");
    assert!(first.png().starts_with(b"\x89PNG"));
    let second = cache.get(&url).await.expect("still there");
    assert_eq!(first, second);
    // A clone shares the cache.
    assert!(cache.clone().get(&url).await.is_some());
    assert_eq!(hits(&counter, "alice.png"), 1);
}

#[tokio::test]
async fn fetches_a_jpeg() {
    let (base, _) = server().await;
    let cache = AvatarCache::new(config());
    assert!(cache.get(&format!("{base}/img/photo.jpg")).await.is_some());
}

#[tokio::test]
async fn every_failure_gives_none_and_is_remembered() {
    let (base, counter) = server().await;
    let cache = AvatarCache::new(config());
    for name in ["missing", "text", "gif", "big", "big-stream", "slow"] {
        let url = format!("{base}/img/{name}");
        assert!(cache.get(&url).await.is_none(), "{name}");
        assert!(cache.get(&url).await.is_none(), "{name}, again");
        assert_eq!(hits(&counter, name), 1, "{name} fetched once");
    }
}

#[tokio::test]
async fn a_slow_server_is_cut_off_at_the_timeout() {
    let (base, _) = server().await;
    let cache = AvatarCache::new(config());
    let started = tokio::time::Instant::now();
    assert!(cache.get(&format!("{base}/img/slow")).await.is_none());
    // 500 ms timeout, 2 s server: well before the server would have answered.
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn only_http_and_https_urls_are_fetched() {
    let cache = AvatarCache::new(config());
    for url in [
        "file:///etc/hostname",
        "ftp://127.0.0.1/a.png",
        "data:image/png;base64,AAAA",
        "not a url",
        "",
    ] {
        assert!(cache.get(url).await.is_none(), "{url}");
    }
}

#[tokio::test]
async fn a_failure_is_retried_once_its_short_ttl_passes() {
    let (base, counter) = server().await;
    let cache = AvatarCache::new(FetchConfig {
        failure_ttl: Duration::from_millis(100),
        ..config()
    });
    let url = format!("{base}/img/missing");
    assert!(cache.get(&url).await.is_none());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(cache.get(&url).await.is_none());
    assert_eq!(hits(&counter, "missing"), 2);
}

#[tokio::test]
async fn the_cache_holds_at_most_its_capacity() {
    let (base, counter) = server().await;
    let cache = AvatarCache::new(FetchConfig {
        capacity: 2,
        ..config()
    });
    for name in ["a", "b", "c"] {
        assert!(cache.get(&format!("{base}/img/{name}")).await.is_some());
    }
    // "a", the oldest, made room for "c"; "c" is still cached.
    assert!(cache.get(&format!("{base}/img/a")).await.is_some());
    assert!(cache.get(&format!("{base}/img/c")).await.is_some());
    assert_eq!(hits(&counter, "a"), 2);
    assert_eq!(hits(&counter, "c"), 1);
}

/// The oversized bodies are a PNG followed by padding, which decodes: it is the cap
/// that turns them away, not their content.
#[tokio::test]
async fn the_oversized_bodies_pass_under_a_larger_cap() {
    let (base, _) = server().await;
    let cache = AvatarCache::new(FetchConfig {
        max_bytes: 8 * 1024 * 1024,
        ..config()
    });
    for name in ["big", "big-stream"] {
        assert!(
            cache.get(&format!("{base}/img/{name}")).await.is_some(),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_gets_of_a_cold_url_share_one_fetch() {
    let (base, counter) = server().await;
    let cache = AvatarCache::new(config());
    let url = format!("{base}/img/slowish");
    let gets: Vec<_> = (0..6)
        .map(|_| {
            let (cache, url) = (cache.clone(), url.clone());
            tokio::spawn(async move { cache.get(&url).await })
        })
        .collect();
    for get in gets {
        assert!(get.await.unwrap().is_some());
    }
    assert_eq!(hits(&counter, "slowish"), 1);
}

/// Collects what the fmt subscriber writes.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn failures_are_logged_without_the_url_s_path_query_or_credentials() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // This thread only: the current-thread runtime polls every future here.
    let _guard = tracing::subscriber::set_default(subscriber);

    let (base, _) = server().await;
    let cache = AvatarCache::new(config());
    for url in [
        format!("{base}/img/missing?token=hunter2"),
        format!("{base}/img/text?token=hunter2"),
        format!("{base}/img/slow?token=hunter2"),
        "http://127.0.0.1:1/hunter2.png?token=hunter2".to_owned(),
        "ftp://user:hunter2@127.0.0.1/a.png".to_owned(),
        "http://[::1/hunter2".to_owned(),
    ] {
        assert!(cache.get(&url).await.is_none(), "{url}");
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("avatar fetch failed"), "{logs}");
    assert!(logs.contains("status 404"), "{logs}");
    assert!(logs.contains("timed out"), "{logs}");
    assert!(logs.contains("127.0.0.1"), "{logs}");
    assert!(!logs.contains("hunter2"), "{logs}");
    assert!(!logs.contains("/img/"), "{logs}");
}
