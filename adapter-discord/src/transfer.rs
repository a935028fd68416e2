//! What `/import` needs besides the engine: the attachment, downloaded from Discord's
//! CDN only, bounded in time and size.

use std::sync::Arc;
use std::time::Duration;

/// The largest file `/import` takes: checked on the attachment's declared size before
/// anything is downloaded, and again while reading the body.
pub(crate) const MAX_IMPORT_BYTES: u64 = 10 * 1024 * 1024;

/// The largest `/mydata` file the bot uploads: Discord's smallest upload limit for a
/// bot (8 MiB; boosted servers allow more, DMs do not).
pub(crate) const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;

/// A whole download, headers and body, must finish within this (10 MiB from Discord's
/// CDN takes a second or two).
const DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(60);

/// Why an attachment was not downloaded, in words for the reply (never the URL: its
/// query is a signature).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct DownloadError(String);

/// Downloads attachments from the allowed hosts only (redirects included).
#[derive(Clone, Debug)]
pub(crate) struct Downloads {
    client: reqwest::Client,
    allowed: Arc<Vec<String>>,
}

/// Whether `host` is one of `allowed` (any host when `allowed` is empty).
fn host_allowed(allowed: &[String], host: Option<&str>) -> bool {
    allowed.is_empty()
        || host.is_some_and(|host| allowed.iter().any(|a| a.eq_ignore_ascii_case(host)))
}

impl Downloads {
    /// A downloader for `allowed` hosts ([`Settings::attachment_hosts`](crate::Settings::attachment_hosts)).
    pub(crate) fn new(allowed: &[String]) -> Self {
        let allowed = Arc::new(allowed.to_vec());
        let hosts = Arc::clone(&allowed);
        // A redirect must stay on the allowed hosts too, else it would bypass them.
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 3 || !host_allowed(&hosts, attempt.url().host_str()) {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .timeout(DOWNLOAD_TIMEOUT)
            .redirect(redirects)
            .build()
            // Only fails when the TLS backend cannot initialise; the default client
            // then fails each download with a clear error instead.
            .unwrap_or_default();
        Self { client, allowed }
    }

    /// The body at `url`, at most `max` bytes: an http(s) URL on an allowed host, a 2xx
    /// answer, read chunk by chunk so a body past the cap is cut off, not buffered.
    pub(crate) async fn fetch(&self, url: &str, max: u64) -> Result<Vec<u8>, DownloadError> {
        let parsed =
            reqwest::Url::parse(url).map_err(|_| DownloadError("its URL is not valid".into()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(DownloadError("its URL is not http(s)".into()));
        }
        if !host_allowed(&self.allowed, parsed.host_str()) {
            return Err(DownloadError(format!(
                "it is not on Discord's CDN ({})",
                parsed.host_str().unwrap_or("no host")
            )));
        }
        // `without_url`: reqwest's errors quote the URL, and its query is a signature.
        let describe = |error: reqwest::Error| {
            DownloadError(if error.is_timeout() {
                "the download timed out".to_owned()
            } else {
                error.without_url().to_string()
            })
        };
        let mut response = self.client.get(parsed).send().await.map_err(describe)?;
        if !response.status().is_success() {
            return Err(DownloadError(format!(
                "Discord's CDN answered {}",
                response.status().as_u16()
            )));
        }
        let too_big = || DownloadError(format!("it is over {} MiB", max / (1024 * 1024)));
        if response.content_length().is_some_and(|len| len > max) {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if (body.len() + chunk.len()) as u64 > max {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_http_urls_on_allowed_hosts_are_fetched() {
        let downloads = Downloads::new(&["cdn.discordapp.com".to_owned()]);
        for (url, expected) in [
            ("not a url", "its URL is not valid"),
            ("file:///etc/passwd", "its URL is not http(s)"),
            (
                "http://169.254.169.254/latest/meta-data",
                "it is not on Discord's CDN (169.254.169.254)",
            ),
        ] {
            let error = downloads.fetch(url, MAX_IMPORT_BYTES).await.unwrap_err();
            assert_eq!(error.to_string(), expected, "{url}");
        }
        assert!(host_allowed(&[], Some("anywhere")));
        assert!(host_allowed(
            &["CDN.discordapp.com".to_owned()],
            Some("cdn.discordapp.com")
        ));
    }
}
