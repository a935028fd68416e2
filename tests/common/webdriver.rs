//! Headless Chromium driven over the W3C WebDriver HTTP protocol (Debian's `chromium`
//! and `chromium-driver`), with nothing but `reqwest` and `serde_json`: one session, the
//! few commands the page tests use.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::server::{Dir, free_port};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The one line a machine without the browser prints instead of running its tests.
pub const SKIPPED: &str = "browser test skipped: install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver) to run it";

/// Whether the browser tests can run here. Without the browser they are skipped (one
/// line on stdout), unless `LEVELING_REQUIRE_BROWSER=1` (CI), which makes that a failure.
pub fn available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("LEVELING_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "LEVELING_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install chromium chromium-driver"
        );
        println!("{SKIPPED}");
    }
    present
}

/// A chromedriver process and one browser session on it.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
    client: reqwest::Client,
    _profile: Dir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless session `width`×`height`.
    pub async fn start(name: &str, width: u32, height: u32) -> Self {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let client = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(response) = client.get(format!("{base}/status")).send().await
                && let Ok(status) = response.json::<Value>().await
                && status["value"]["ready"] == true
            {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // A fresh profile each run: no cache, no state carried from another test.
        let profile = Dir::new(&format!("chromium-{name}"));
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--hide-scrollbars".to_owned(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.0.display()),
        ];
        let capabilities = json!({
            "capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            }}
        });
        let response: Value = client
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("create a session")
            .json()
            .await
            .expect("a JSON answer");
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {response}"))
            .to_owned();
        let browser = Self {
            driver,
            port,
            session,
            client,
            _profile: profile,
        };
        browser.resize(width, height).await;
        browser
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!(
            "http://127.0.0.1:{}/session/{}{path}",
            self.port, self.session
        );
        let mut request = self.client.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .json()
            .await
            .expect("a JSON answer");
        if response["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", response["value"]);
        }
        response["value"].clone()
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    /// Runs `script` (a function body: `return …`) in the page.
    pub async fn run(&self, script: &str) -> Value {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Sizes the window so the page's viewport is `width`×`height` CSS pixels (the
    /// window's frame, if any, is measured and added).
    pub async fn resize(&self, width: u32, height: u32) {
        let mut target = (i64::from(width), i64::from(height));
        for _ in 0..3 {
            self.command(
                reqwest::Method::POST,
                "/window/rect",
                Some(json!({"width": target.0, "height": target.1})),
            )
            .await;
            let inner = self
                .run("return [window.innerWidth, window.innerHeight];")
                .await;
            let (w, h) = (inner[0].as_i64().unwrap(), inner[1].as_i64().unwrap());
            if (w, h) == (i64::from(width), i64::from(height)) {
                return;
            }
            target = (
                target.0 + i64::from(width) - w,
                target.1 + i64::from(height) - h,
            );
        }
        let inner = self
            .run("return [window.innerWidth, window.innerHeight];")
            .await;
        panic!("cannot size the viewport to {width}×{height}: it is {inner}");
    }

    /// Polls `condition` (a script returning a boolean) every 10 ms until it holds.
    pub async fn wait_for(&self, condition: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.run(condition).await == Value::Bool(true) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let encoded = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("base64 text"))
            .expect("a base64 PNG")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the session so chromedriver closes Chromium, then stops chromedriver.
        // Plain blocking HTTP: Drop cannot await, and this must run on a panic too.
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                self.session, self.port
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
