//! End to end with per-guild settings: the real serenity + poise client, our bot, the
//! engine and the memory store, against the fake Discord on 127.0.0.1. What the guild's
//! settings say (no-XP channels and roles, multipliers, reward roles, announcements,
//! rejoin) is what the bot does, and `/config` changes them without a restart.

mod fake_discord;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use fake_discord::{FakeDiscord, TOKEN, interaction_json, member_json, message_json, user_json};
use leveling_core::{GuildSettingsPatch, Leveling, ManualClock, MemberId};
use leveling_discord::{Bot, DiscordConfig, Settings};
use leveling_storage_memory::MemoryStore;
use serde_json::{Value, json};
use serenity::all::GatewayIntents;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const GUILD: u64 = 500;
const CHANNEL: u64 = 600;
const MANAGE_GUILD: u64 = 1 << 5;

struct Harness {
    fake: FakeDiscord,
    leveling: Leveling,
    shutdown: Option<oneshot::Sender<()>>,
    bot: Option<JoinHandle<Result<(), leveling_discord::Error>>>,
}

impl Harness {
    async fn start(settings: Settings) -> Self {
        let fake = FakeDiscord::start().await;
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
        let builder = Leveling::builder(MemoryStore::new()).clock(clock);
        let mut config = DiscordConfig::new(TOKEN);
        config.api_url = Some(fake.api_url.clone());
        config.intents = GatewayIntents::GUILDS
            | GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::GUILD_VOICE_STATES;
        config.settings = settings;
        let (tx, rx) = oneshot::channel::<()>();
        let bot = Bot::new(builder, config);
        let leveling = bot.leveling().clone();
        let bot = tokio::spawn(bot.run(async move {
            rx.await.ok();
        }));
        fake.wait_ready().await;
        Self {
            fake,
            leveling,
            shutdown: Some(tx),
            bot: Some(bot),
        }
    }

    /// Changes the guild's settings as an admin would (JSON patch).
    async fn patch(&self, patch: Value) {
        let patch: GuildSettingsPatch = serde_json::from_value(patch).expect("a patch");
        self.leveling
            .update_guild_settings(GUILD.into(), &patch, None)
            .await
            .expect("valid settings");
    }

    /// No daily bonus and no streak: a message earns exactly its message XP.
    async fn no_bonuses(&self) {
        self.patch(json!({"rules": {"daily": {"xp": 0}, "streak": {"xp_per_day": 0}}}))
            .await;
    }

    async fn xp(&self, user: u64) -> u64 {
        self.leveling
            .progress(MemberId::new(GUILD, user))
            .await
            .expect("store")
            .map_or(0, |p| p.member.xp)
    }

    /// Polls until `user` has `xp` (up to 10 s).
    async fn wait_xp(&self, user: u64, xp: u64) {
        for _ in 0..200 {
            if self.xp(user).await == xp {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("user {user} has {} XP, expected {xp}", self.xp(user).await);
    }

    /// A message by `user` (holding `roles`) in `channel`.
    fn say_in(&self, channel: u64, user: u64, roles: &[u64], content: &str) {
        let id = self.fake.next_id();
        let author = user_json(user, &format!("user{user}"), false);
        let mut message = message_json(id, channel, Some(GUILD), &author, content);
        message["member"] = json!({
            "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
            "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "deaf": false,
            "mute": false
        });
        self.fake.dispatch("MESSAGE_CREATE", message);
    }

    /// A `/config …` interaction: `options` is the subcommand's option list.
    fn config(&self, id: u64, member: Value, options: Value, resolved: Value) {
        let interaction = interaction_json(id, GUILD, CHANNEL, member, "config", options, resolved);
        self.fake.dispatch("INTERACTION_CREATE", interaction);
    }

    /// The content of the reply to interaction `id`.
    async fn reply(&self, id: u64) -> String {
        let callback = self
            .fake
            .wait_for("the interaction reply", move |r| {
                r.method == "POST"
                    && r.path == format!("/api/v10/interactions/{id}/itoken-{id}/callback")
            })
            .await;
        callback.body["data"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            tx.send(()).ok();
        }
        if let Some(bot) = self.bot.take() {
            let result = tokio::time::timeout(Duration::from_secs(10), bot)
                .await
                .expect("the bot stops on shutdown")
                .expect("the bot task did not panic");
            assert!(result.is_ok(), "the bot stopped with {result:?}");
        }
    }
}

fn admin(user: u64) -> Value {
    member_json(user, &format!("user{user}"), &[], Some(MANAGE_GUILD))
}

fn is_message_to(channel: u64) -> impl Fn(&fake_discord::Recorded) -> bool {
    move |r| r.method == "POST" && r.path == format!("/api/v10/channels/{channel}/messages")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_xp_channels_and_roles_and_multipliers_apply_to_discord_messages() {
    const NO_XP: u64 = 601;
    const DOUBLE: u64 = 9_002;
    const MUTED: u64 = 9_003;
    let h = Harness::start(Settings::default()).await;
    h.no_bonuses().await;
    h.patch(json!({
        "no_xp": {"channels": [NO_XP.to_string()], "roles": [MUTED.to_string()]},
        "multipliers": {"roles": {DOUBLE.to_string(): 2.0}}
    }))
    .await;

    // A message in the no-XP channel earns nothing; then one elsewhere earns 15.
    h.say_in(NO_XP, 21, &[], "ignored");
    h.say_in(CHANNEL, 22, &[MUTED], "ignored too: a no-XP role");
    h.say_in(CHANNEL, 21, &[], "counted");
    h.wait_xp(21, 15).await;
    assert_eq!(h.xp(22).await, 0);

    // A member with the 2x role earns 30 for a 15-XP message.
    h.say_in(CHANNEL, 23, &[7, DOUBLE], "double");
    h.wait_xp(23, 30).await;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thread_inherits_from_its_channel_and_a_channel_from_its_category() {
    const CATEGORY: u64 = 700;
    const QUIET: u64 = 701; // a no-XP channel
    const THREAD: u64 = 702; // a thread in QUIET
    const LOUD: u64 = 703; // a channel in CATEGORY
    const LOUD_THREAD: u64 = 704;
    let h = Harness::start(Settings::default()).await;
    h.fake.set_channel(CATEGORY, GUILD, 4, None);
    h.fake.set_channel(QUIET, GUILD, 0, Some(CATEGORY));
    h.fake.set_channel(THREAD, GUILD, 11, Some(QUIET));
    h.fake.set_channel(LOUD, GUILD, 0, Some(CATEGORY));
    h.fake.set_channel(LOUD_THREAD, GUILD, 11, Some(LOUD));
    h.no_bonuses().await;
    h.patch(json!({
        "no_xp": {"channels": [QUIET.to_string()]},
        "multipliers": {"channels": {CATEGORY.to_string(): 3.0}}
    }))
    .await;

    // In a thread of the no-XP channel: nothing.
    h.say_in(THREAD, 31, &[], "in the quiet thread");
    // In a thread of a channel of the 3x category: 45.
    h.say_in(LOUD_THREAD, 32, &[], "in the loud thread");
    h.wait_xp(32, 45).await;
    assert_eq!(h.xp(31).await, 0);

    // Parents are fetched once per channel, not per message.
    h.say_in(LOUD_THREAD, 33, &[], "again");
    h.wait_xp(33, 45).await;
    for channel in [THREAD, QUIET, LOUD_THREAD, LOUD] {
        let fetches = h
            .fake
            .matching(|r| r.method == "GET" && r.path == format!("/api/v10/channels/{channel}"));
        assert_eq!(
            fetches.len(),
            1,
            "channel {channel} fetched {}",
            fetches.len()
        );
    }
    h.stop().await;
}
