//! What the bot records through the `metrics` facade (a no-op without a recorder): the
//! gateway events it handled, by kind, and each shard's gateway latency.

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{FullEvent, ShardManager};

/// `leveling_discord_events_total{kind}`: one gateway event handed to the handler. The
/// kind is serenity's name of the event (`message`, `voice_state_update`, …): a fixed
/// set, never an id.
pub(crate) fn event(event: &FullEvent) {
    match event {
        // The hot one: a literal label, so its key is a static (no allocation).
        FullEvent::Message { .. } => {
            metrics::counter!("leveling_discord_events_total", "kind" => "message")
        }
        other => {
            metrics::counter!("leveling_discord_events_total", "kind" => other.snake_case_name())
        }
    }
    .increment(1);
}

/// Records every shard's gateway latency (the last heartbeat's round trip) as
/// `leveling_discord_gateway_latency_seconds{shard}` every `every`, forever. A shard has
/// a latency once its first heartbeat is acknowledged (one heartbeat interval after it
/// connected, about 41 s on Discord); until then it has no series.
///
/// [`Bot::run`](crate::Bot::run) runs it for its client; with your own client, run it
/// beside `client.start()` with `Arc::clone(&client.shard_manager)`.
pub async fn record_gateway_latency(shards: Arc<ShardManager>, every: Duration) {
    loop {
        {
            let runners = shards.runners.lock().await;
            for (id, runner) in runners.iter() {
                if let Some(latency) = runner.latency {
                    metrics::gauge!("leveling_discord_gateway_latency_seconds", "shard" => id.0.to_string())
                        .set(latency.as_secs_f64());
                }
            }
        }
        tokio::time::sleep(every).await;
    }
}
