//! What AvatarCache logs about failures, alone in its test binary: a subscriber set for
//! one thread (`set_default`) misses events whose callsites other tests' threads were
//! registering at the same moment (tracing caches each callsite's interest globally), which
//! made this check flaky beside the other fetch tests.

mod common;

use std::sync::{Arc, Mutex};

use common::{config, server};
use leveling_card::AvatarCache;

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
