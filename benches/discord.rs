//! Discord bench: messages per second through the message-XP path (the bot's handler, the
//! engine and the memory store), without any network: the Discord side is wired as an
//! embedder wires it ([`Discord::new`], its jobs spawned), with announcements off and no
//! tier roles, so its jobs never call Discord.
//!
//! `cargo bench --bench discord`. Figures are in `adapter-discord/README.md`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leveling::memory::MemoryStore;
use leveling::{ActivityRule, Leveling, Rules};
use leveling_discord::serenity::all::{Http, Message, UserId};
use leveling_discord::{Announce, Discord, Handler, Settings};

const GUILD: u64 = 1;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A guild text message from `user`, as the gateway delivers it.
fn message(user: u64) -> Message {
    serde_json::from_value(serde_json::json!({
        "id": "1", "channel_id": "2", "guild_id": GUILD.to_string(),
        "author": {"id": user.to_string(), "username": format!("user{user}"), "discriminator": "0",
                   "global_name": null, "avatar": null, "bot": false},
        "content": "hello there", "timestamp": "2026-11-23T12:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "type": 0
    }))
    .unwrap()
}

/// A wired Discord side on `rt`, its jobs running there; announcements off, no tier roles.
fn handler(rt: &tokio::runtime::Runtime, rules: Rules) -> Handler {
    let settings = Settings {
        announce: Announce::Off,
        ..Settings::default()
    };
    let discord = Discord::new(Leveling::builder(MemoryStore::new()).rules(rules), settings);
    let handler = discord.handler().clone();
    // Never used for a request: nothing is announced and no role is configured.
    let http = std::sync::Arc::new(Http::new("bench-no-token"));
    rt.spawn(discord.jobs(http));
    handler
}

fn bench_messages(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("discord_message_xp");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));

    // A member's first message: profile sync write, award, daily bonus and streak.
    let fresh = handler(&rt, Rules::default());
    let template = message(1);
    let mut next_user = 1_000_000u64;
    group.bench_function("first_message_of_a_member", |b| {
        b.iter_custom(|iters| {
            let messages: Vec<Message> = (0..iters)
                .map(|_| {
                    next_user += 1;
                    let mut m = template.clone();
                    m.author.id = UserId::new(next_user);
                    m
                })
                .collect();
            let start = Instant::now();
            rt.block_on(async {
                for m in &messages {
                    black_box(fresh.on_message(m).await.unwrap());
                }
            });
            start.elapsed()
        });
    });

    // Steady chat, every message granted (no cooldown): 10,000 known members.
    let no_cooldown = Rules {
        message: ActivityRule {
            xp: 15,
            cooldown: Duration::ZERO,
        },
        ..Rules::default()
    };
    let steady = handler(&rt, no_cooldown);
    let members: Vec<Message> = (1..=10_000).map(message).collect();
    rt.block_on(async {
        for m in &members {
            steady.on_message(m).await.unwrap();
        }
    });
    let mut i = 0usize;
    group.bench_function("granted", |b| {
        b.iter(|| {
            i = (i + 1) % members.len();
            rt.block_on(steady.on_message(&members[i])).unwrap()
        });
    });

    // Busy chat with the seed's 60 s cooldown: most messages are refused by the store.
    let seed = handler(&rt, Rules::default());
    rt.block_on(async {
        for m in &members {
            seed.on_message(m).await.unwrap();
        }
    });
    group.bench_function("on_cooldown", |b| {
        b.iter(|| {
            i = (i + 1) % members.len();
            rt.block_on(seed.on_message(&members[i])).unwrap()
        });
    });

    // Ignored outright: a bot's message.
    let mut bot = message(7);
    bot.author.bot = true;
    group.bench_function("bot_message_ignored", |b| {
        b.iter(|| rt.block_on(seed.on_message(black_box(&bot))).unwrap());
    });
    group.finish();
}

criterion_group!(benches, bench_messages);
criterion_main!(benches);
