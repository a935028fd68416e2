//! Shared helpers: an API over a fresh memory store, and one-shot requests.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leveling_core::{GuildId, Leveling};
use leveling_http::{Api, ApiKey, SocketIoEvents};
use leveling_storage_memory::MemoryStore;
use serde_json::Value;
use tower::ServiceExt;

pub const KEY: &str = "test-secret-key";
pub const GUILD: u64 = 555;

pub struct TestApp {
    pub router: Router,
    pub leveling: Leveling,
}

pub fn app() -> TestApp {
    app_with(Some(KEY), 64 * 1024)
}

pub fn app_with(key: Option<&str>, body_limit: usize) -> TestApp {
    app_configured(key, |api| api.body_limit(body_limit))
}

/// An app whose `Api` is set up further by `configure` (the key and the guild are set).
pub fn app_configured(key: Option<&str>, configure: impl FnOnce(Api) -> Api) -> TestApp {
    let (events, sink) = SocketIoEvents::new();
    let leveling = Leveling::builder(MemoryStore::new()).sink(sink).build();
    let api = Api::new(leveling.clone())
        .api_key(key.and_then(ApiKey::new))
        .default_guild(GuildId(GUILD))
        .socket_io(events);
    let router = configure(api).router();
    TestApp { router, leveling }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub json: Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl TestApp {
    /// A request with the right key and a JSON body (when given).
    pub async fn send(&self, method: &str, uri: &str, body: Option<Value>) -> Reply {
        let raw = body.map(|b| b.to_string());
        self.raw(method, uri, Some(KEY), raw.as_deref(), &[]).await
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.raw("GET", uri, None, None, &[]).await
    }

    pub async fn raw(
        &self,
        method: &str,
        uri: &str,
        key: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(key) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Body::from(body.unwrap_or_default().to_owned()))
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            json,
            text,
            bytes: bytes.to_vec(),
        }
    }
}

impl Reply {
    /// Asserts the status and the contract's error body; returns the message.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(
            self.headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("application/json"),
            "error bodies are JSON: {}",
            self.text
        );
        assert_eq!(self.json["error"]["code"], code, "body: {}", self.text);
        let message = self.json["error"]["message"]
            .as_str()
            .expect("a message")
            .to_owned();
        assert!(!message.is_empty());
        message
    }

    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        &self.json
    }
}

/// An app without Socket.IO, set up further by `configure` (the key and the guild are set).
pub fn app_without_socket_io(configure: impl FnOnce(Api) -> Api) -> TestApp {
    let leveling = Leveling::builder(MemoryStore::new()).build();
    let api = Api::new(leveling.clone())
        .api_key(ApiKey::new(KEY))
        .default_guild(GuildId(GUILD));
    TestApp {
        router: configure(api).router(),
        leveling,
    }
}
