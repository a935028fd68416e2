//! [`AvatarCache`]: fetches avatar URLs, bounded in time and size, and remembers the
//! outcome, failures included.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::image::Avatar;

/// How an [`AvatarCache`] fetches and how long it remembers.
///
/// ```
/// use std::time::Duration;
/// use leveling_card::FetchConfig;
///
/// let config = FetchConfig { timeout: Duration::from_secs(1), ..FetchConfig::default() };
/// assert_eq!(config.max_bytes, 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchConfig {
    /// The whole request, headers and body, must finish within this. Default 3 s.
    pub timeout: Duration,
    /// A body longer than this is abandoned mid-stream. Default 1 MiB.
    pub max_bytes: usize,
    /// How many URLs are remembered; past it the entry closest to expiry goes. Default 1,024.
    pub capacity: usize,
    /// How long a fetched avatar is reused. Default 1 h.
    pub ttl: Duration,
    /// How long a failure is remembered, so a dead URL is not fetched on every
    /// request, yet a fixed one shows up soon. Default 5 min.
    pub failure_ttl: Duration,
    /// The hosts avatars may come from (exact names, case-insensitive), redirects
    /// included; empty allows any host. A server whose avatar URLs are set by API
    /// clients lists its CDN here, so the URL cannot make it fetch from its own network.
    /// Default: empty.
    pub allowed_hosts: Vec<String>,
}

/// Discord's image hosts: where a Discord avatar lives, and so the hosts both the HTTP
/// card route and the bot allow by default.
pub const DISCORD_AVATAR_HOSTS: [&str; 2] = ["cdn.discordapp.com", "media.discordapp.net"];

/// Whether `host` is one of `allowed` (any host when `allowed` is empty).
fn host_allowed(allowed: &[String], host: Option<&str>) -> bool {
    allowed.is_empty()
        || host.is_some_and(|host| allowed.iter().any(|a| a.eq_ignore_ascii_case(host)))
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(3),
            max_bytes: 1024 * 1024,
            capacity: 1024,
            ttl: Duration::from_secs(60 * 60),
            failure_ttl: Duration::from_secs(5 * 60),
            allowed_hosts: Vec::new(),
        }
    }
}

struct Entry {
    avatar: Option<Avatar>,
    expires: Instant,
}

/// Fetches avatars over HTTP(S) and caches them by URL. Cloning shares the cache.
///
/// Any failure (a bad URL, a non-http(s) scheme, a network error, a timeout, a status
/// other than 2xx, a body past the size cap, bytes that are not a PNG or JPEG) gives
/// `None`, so the card falls back to initials; the reason goes to `tracing` at debug
/// level with the URL's host only, never its path or query, which may carry tokens.
///
/// ```no_run
/// use leveling_card::AvatarCache;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let avatars = AvatarCache::default();
/// let avatar = avatars.get("https://cdn.example.com/avatars/1.png").await;
/// # let _ = avatar;
/// # }
/// ```
#[derive(Clone)]
pub struct AvatarCache {
    client: reqwest::Client,
    config: Arc<FetchConfig>,
    entries: Arc<Mutex<HashMap<String, Entry>>>,
    /// One gate per URL being fetched, so concurrent gets wait for one fetch.
    inflight: Arc<Mutex<Gates>>,
}

type Gates = HashMap<String, Arc<tokio::sync::Mutex<()>>>;

/// Drops the URL's gate when its fetch ends, also when the caller stopped waiting
/// (a dropped future), so the map only holds URLs being fetched now.
struct Forget<'a> {
    inflight: &'a Mutex<Gates>,
    url: &'a str,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        lock(self.inflight).remove(self.url);
    }
}

/// Both maps stay consistent through a panic (each change is one insert or remove), so
/// a poisoned lock is safe to keep using.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl std::fmt::Debug for AvatarCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AvatarCache")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for AvatarCache {
    fn default() -> Self {
        Self::new(FetchConfig::default())
    }
}

impl AvatarCache {
    /// A cache with its own HTTP client, configured by `config`.
    pub fn new(config: FetchConfig) -> Self {
        let allowed = config.allowed_hosts.clone();
        // A redirect must stay on the allowed hosts too, else it would bypass them.
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 3 || !host_allowed(&allowed, attempt.url().host_str()) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(redirects)
            .build()
            // Only fails when the TLS backend cannot initialise; fall back to defaults
            // rather than make construction fallible.
            .unwrap_or_default();
        Self {
            client,
            config: Arc::new(config),
            entries: Arc::new(Mutex::new(HashMap::new())),
            inflight: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The avatar at `url`, from the cache while fresh, else fetched; `None` on any
    /// failure (also cached, for [`FetchConfig::failure_ttl`]).
    ///
    /// Concurrent gets of a URL that is not cached share one fetch: a popular member's
    /// `/rank` spammed by a channel costs one request.
    pub async fn get(&self, url: &str) -> Option<Avatar> {
        if let Some(hit) = self.cached(url) {
            return hit;
        }
        let gate = Arc::clone(lock(&self.inflight).entry(url.to_owned()).or_default());
        let _turn = gate.lock().await;
        let _forget = Forget {
            inflight: &self.inflight,
            url,
        };
        // Whoever held the gate before us may have just fetched it.
        if let Some(hit) = self.cached(url) {
            return hit;
        }
        let avatar = self.fetch(url).await;
        let ttl = if avatar.is_some() {
            self.config.ttl
        } else {
            self.config.failure_ttl
        };
        self.insert(url, avatar.clone(), Instant::now() + ttl);
        avatar
    }

    /// `Some(outcome)` while a fresh entry exists, the outcome itself possibly a failure.
    fn cached(&self, url: &str) -> Option<Option<Avatar>> {
        let now = Instant::now();
        lock(&self.entries)
            .get(url)
            .filter(|e| e.expires > now)
            .map(|e| e.avatar.clone())
    }

    fn insert(&self, url: &str, avatar: Option<Avatar>, expires: Instant) {
        if self.config.capacity == 0 {
            return;
        }
        let mut entries = lock(&self.entries);
        if entries.len() >= self.config.capacity && !entries.contains_key(url) {
            let now = Instant::now();
            entries.retain(|_, e| e.expires > now);
            if entries.len() >= self.config.capacity {
                let soonest = entries
                    .iter()
                    .min_by_key(|(_, e)| e.expires)
                    .map(|(k, _)| k.clone());
                if let Some(key) = soonest {
                    entries.remove(&key);
                }
            }
        }
        entries.insert(url.to_owned(), Entry { avatar, expires });
    }

    async fn fetch(&self, url: &str) -> Option<Avatar> {
        let parsed = match reqwest::Url::parse(url) {
            Ok(parsed) => parsed,
            Err(_) => {
                tracing::debug!("avatar URL does not parse");
                return None;
            }
        };
        let host = parsed.host_str().unwrap_or("").to_owned();
        if !matches!(parsed.scheme(), "http" | "https") {
            tracing::debug!(scheme = parsed.scheme(), "avatar URL is not http(s)");
            return None;
        }
        if !host_allowed(&self.config.allowed_hosts, parsed.host_str()) {
            tracing::debug!(%host, "avatar host is not allowed");
            return None;
        }
        match self.download(parsed).await {
            Ok(bytes) => match Avatar::from_bytes(&bytes) {
                Ok(avatar) => Some(avatar),
                Err(e) => {
                    tracing::debug!(%host, error = %e, "avatar is not a usable image");
                    None
                }
            },
            Err(reason) => {
                tracing::debug!(%host, %reason, "avatar fetch failed");
                None
            }
        }
    }

    /// The body, read chunk by chunk so a huge or endless one is cut at the cap
    /// instead of being buffered whole.
    async fn download(&self, url: reqwest::Url) -> Result<Vec<u8>, String> {
        // `without_url`: reqwest's errors quote the URL, which may hold a token.
        let describe = |e: reqwest::Error| {
            if e.is_timeout() {
                "timed out".to_owned()
            } else {
                e.without_url().to_string()
            }
        };
        let max = self.config.max_bytes;
        let mut response = self.client.get(url).send().await.map_err(describe)?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status().as_u16()));
        }
        if response
            .content_length()
            .is_some_and(|len| len > max as u64)
        {
            return Err("declared length over the cap".to_owned());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if body.len() + chunk.len() > max {
                return Err("body over the cap".to_owned());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
