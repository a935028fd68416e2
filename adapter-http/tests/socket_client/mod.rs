//! A real Socket.IO client (`rust_socketio`) for the tests: every event it receives lands
//! in a channel, and [`next`] waits for one by name. Shared with the workspace's root
//! tests through `#[path]`.
#![allow(dead_code)]

use std::time::Duration;

use futures::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Payload, TransportType};
use serde_json::Value;
use tokio::sync::mpsc;

/// The events a client received: (name, first argument or `null`).
pub type Events = mpsc::UnboundedReceiver<(String, Value)>;

/// Connects to the server at `base` (`http://host:port`); fails after 5 s.
pub async fn connect(base: &str) -> (Client, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    // WebSocket transport: rust_socketio 0.6's long-polling transport gets a 400 from
    // socketioxide on its first POST (a client quirk; browsers poll fine).
    let client = ClientBuilder::new(base)
        .transport_type(TransportType::Websocket)
        .on_any(move |event, payload, _client| {
            let tx = tx.clone();
            async move {
                let value = match payload {
                    Payload::Text(mut values) if !values.is_empty() => values.remove(0),
                    _ => Value::Null,
                };
                let _ = tx.send((event.to_string(), value));
            }
            .boxed()
        })
        .connect();
    let client = tokio::time::timeout(Duration::from_secs(5), client)
        .await
        .expect("the Socket.IO client connects within 5 s")
        .expect("the Socket.IO client connects");
    (client, rx)
}

/// The next event named `name`, skipping others; fails after 5 s.
pub async fn next(events: &mut Events, name: &str) -> Value {
    let wait = async {
        loop {
            let (event, value) = events.recv().await.expect("the client is alive");
            if event == name {
                return value;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), wait)
        .await
        .unwrap_or_else(|_| panic!("no {name} event within 5 s"))
}
