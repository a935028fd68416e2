//! AvatarCache against a local HTTP server that counts the requests it serves.

mod common;

use std::time::Duration;

use common::{config, hits, server};
use leveling_card::{AvatarCache, FetchConfig};

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

#[tokio::test]
async fn only_allowed_hosts_are_fetched_redirects_included() {
    let (base, counter) = server().await;
    let allow = |hosts: &[&str]| {
        AvatarCache::new(FetchConfig {
            allowed_hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            ..config()
        })
    };
    // Not on the list: not even asked.
    let cache = allow(&["cdn.discordapp.com"]);
    assert!(cache.get(&format!("{base}/img/alice.png")).await.is_none());
    assert_eq!(hits(&counter, "alice.png"), 0);
    // On the list: fetched.
    let cache = allow(&["127.0.0.1"]);
    assert!(cache.get(&format!("{base}/img/bob.png")).await.is_some());
    assert_eq!(hits(&counter, "bob.png"), 1);
    // A redirect off the list is not followed.
    assert!(cache.get(&format!("{base}/img/elsewhere")).await.is_none());
    assert_eq!(hits(&counter, "alice.png"), 0);
    // With both hosts allowed, the same redirect is followed (the check is the host).
    let cache = allow(&["127.0.0.1", "LOCALHOST"]);
    assert!(cache.get(&format!("{base}/img/elsewhere")).await.is_some());
    assert_eq!(hits(&counter, "alice.png"), 1);
}
