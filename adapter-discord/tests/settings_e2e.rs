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
    handler: leveling_discord::Handler,
    clock: ManualClock,
    shutdown: Option<oneshot::Sender<()>>,
    bot: Option<JoinHandle<Result<(), leveling_discord::Error>>>,
}

impl Harness {
    async fn start(settings: Settings) -> Self {
        let fake = FakeDiscord::start().await;
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
        let builder = Leveling::builder(MemoryStore::new()).clock(clock.clone());
        let mut config = DiscordConfig::new(TOKEN);
        config.api_url = Some(fake.api_url.clone());
        config.intents = GatewayIntents::GUILDS
            | GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::GUILD_VOICE_STATES;
        config.settings = settings;
        let (tx, rx) = oneshot::channel::<()>();
        let bot = Bot::new(builder, config);
        let (leveling, handler) = (bot.leveling().clone(), bot.handler().clone());
        let bot = tokio::spawn(bot.run(async move {
            rx.await.ok();
        }));
        fake.wait_ready().await;
        Self {
            fake,
            leveling,
            handler,
            clock,
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

/// The total XP of `level` by the engine's curve.
fn xp_for(h: &Harness, level: u32) -> u64 {
    h.leveling.progression().xp_for_level(level)
}

fn role_call(
    method: &'static str,
    user: u64,
    role: u64,
) -> impl Fn(&fake_discord::Recorded) -> bool {
    move |r| {
        r.method == method
            && r.path == format!("/api/v10/guilds/{GUILD}/members/{user}/roles/{role}")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reward_roles_follow_the_guild_settings_in_replace_mode_and_a_refused_role_is_skipped() {
    const FIRST: u64 = 8_001;
    const SECOND: u64 = 8_002;
    const ABOVE_THE_BOT: u64 = 8_003;
    const FOURTH: u64 = 8_004;
    let h = Harness::start(Settings::default()).await;
    h.fake.refuse_role(ABOVE_THE_BOT);
    h.patch(json!({
        "announce": {"mode": "off"},
        "rewards": {"mode": "replace", "roles": [
            {"level": 1, "role_id": FIRST.to_string()},
            {"level": 2, "role_id": SECOND.to_string()},
            {"level": 3, "role_id": ABOVE_THE_BOT.to_string()},
            {"level": 4, "role_id": FOURTH.to_string()}
        ]}
    }))
    .await;
    let member = MemberId::new(GUILD, 41);
    h.fake.set_roles(GUILD, 41, &[55]);

    // Level 1: the first reward role.
    h.leveling
        .award(leveling_core::Award::grant(member, xp_for(&h, 1)))
        .await
        .unwrap();
    h.fake
        .wait_for("the level-1 reward role", role_call("PUT", 41, FIRST))
        .await;

    // Level 2: the second comes and the first goes (replace); role 55 is not a reward.
    h.fake.set_roles(GUILD, 41, &[55, FIRST]);
    h.leveling
        .award(leveling_core::Award::grant(
            member,
            xp_for(&h, 2) - xp_for(&h, 1),
        ))
        .await
        .unwrap();
    h.fake
        .wait_for("the level-2 reward role", role_call("PUT", 41, SECOND))
        .await;
    h.fake
        .wait_for(
            "the level-1 role taken away",
            role_call("DELETE", 41, FIRST),
        )
        .await;

    // Level 3: Discord refuses the role (above the bot's): logged and skipped, the
    // lower role still goes, and the bot carries on: level 4 gets its role.
    h.fake.set_roles(GUILD, 41, &[55, SECOND]);
    h.leveling
        .award(leveling_core::Award::grant(
            member,
            xp_for(&h, 3) - xp_for(&h, 2),
        ))
        .await
        .unwrap();
    h.fake
        .wait_for(
            "the refused role tried",
            role_call("PUT", 41, ABOVE_THE_BOT),
        )
        .await;
    h.fake
        .wait_for(
            "the level-2 role taken away",
            role_call("DELETE", 41, SECOND),
        )
        .await;
    h.fake.set_roles(GUILD, 41, &[55]);
    h.leveling
        .award(leveling_core::Award::grant(
            member,
            xp_for(&h, 4) - xp_for(&h, 3),
        ))
        .await
        .unwrap();
    h.fake
        .wait_for("the level-4 reward role", role_call("PUT", 41, FOURTH))
        .await;
    assert!(h.fake.matching(|r| r.path.contains("/roles/55")).is_empty());

    // An admin level-down back to 1: the first role comes back.
    h.fake.set_roles(GUILD, 41, &[55, FOURTH]);
    h.leveling.set_level(member, 1, None).await.unwrap();
    h.fake
        .wait_for(
            "the level-4 role taken away",
            role_call("DELETE", 41, FOURTH),
        )
        .await;
    for _ in 0..200 {
        if h.fake.matching(role_call("PUT", 41, FIRST)).len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        h.fake.matching(role_call("PUT", 41, FIRST)).len(),
        2,
        "the level-1 role given back"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_announcement_template_renders_rank_guild_and_next_level_and_dm_mode_works() {
    const ANNOUNCE: u64 = 620;
    let h = Harness::start(Settings::default()).await;
    h.patch(json!({"announce": {
        "mode": "channel",
        "channel_id": ANNOUNCE.to_string(),
        "template": "GG {user}: level {level} (was {old_level}), rank #{rank} in {guild}, next at {next_level_xp}"
    }}))
    .await;
    let member = MemberId::new(GUILD, 42);
    h.leveling
        .award(leveling_core::Award::grant(member, xp_for(&h, 2)))
        .await
        .unwrap();
    let announcement = h
        .fake
        .wait_for("the announcement", is_message_to(ANNOUNCE))
        .await;
    assert_eq!(
        announcement.body["content"],
        json!(format!(
            "GG <@42>: level 2 (was 0), rank #1 in Guild {GUILD}, next at {}",
            xp_for(&h, 3)
        ))
    );

    // DM mode: a DM channel is opened with the member and the announcement goes there.
    h.patch(json!({"announce": {"mode": "dm", "template": "{username} reached {level}"}}))
        .await;
    h.leveling
        .award(leveling_core::Award::grant(
            member,
            xp_for(&h, 3) - xp_for(&h, 2),
        ))
        .await
        .unwrap();
    let dm = h
        .fake
        .wait_for("the DM", is_message_to(fake_discord::DM_CHANNEL_BASE + 42))
        .await;
    assert_eq!(dm.body["content"], json!("<@42> reached 3"));
    h.stop().await;
}

fn member_add(user: u64, roles: &[u64]) -> Value {
    let mut member = member_json(user, &format!("user{user}"), roles, None);
    member["guild_id"] = json!(GUILD.to_string());
    member
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejoin_restores_the_reward_roles_when_the_guild_says_so() {
    const FIRST: u64 = 8_101;
    const SECOND: u64 = 8_102;
    const THIRD: u64 = 8_103;
    let h = Harness::start(Settings::default()).await;
    h.patch(json!({"announce": {"mode": "channel", "channel_id": "630"}}))
        .await;
    // Level 2 before any reward role existed: no role calls. The announcer reads the
    // settings when it takes the level-up: wait for its announcement before adding them.
    h.leveling
        .award(leveling_core::Award::grant(
            MemberId::new(GUILD, 61),
            xp_for(&h, 2),
        ))
        .await
        .unwrap();
    h.fake
        .wait_for("the announcement", is_message_to(630))
        .await;
    h.patch(
        json!({"rewards": {"mode": "stack", "on_rejoin": "restore", "roles": [
            {"level": 1, "role_id": FIRST.to_string()},
            {"level": 2, "role_id": SECOND.to_string()},
            {"level": 3, "role_id": THIRD.to_string()}
        ]}}),
    )
    .await;

    // A member without XP joins: nothing. Then member 61 rejoins: levels 1 and 2's roles.
    h.fake.dispatch("GUILD_MEMBER_ADD", member_add(62, &[]));
    h.fake.dispatch("GUILD_MEMBER_ADD", member_add(61, &[]));
    h.fake
        .wait_for("the level-1 role restored", role_call("PUT", 61, FIRST))
        .await;
    h.fake
        .wait_for("the level-2 role restored", role_call("PUT", 61, SECOND))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let calls = h.fake.matching(|r| r.path.contains("/roles/"));
    assert_eq!(calls.len(), 2, "{calls:#?}");

    // With on_rejoin "none", a rejoin gives nothing back.
    h.patch(json!({"rewards": {"on_rejoin": "none"}})).await;
    h.fake.dispatch("GUILD_MEMBER_ADD", member_add(61, &[]));
    // A message after it, so the join was handled once it has earned.
    h.say_in(CHANNEL, 63, &[], "after the join");
    h.wait_xp(63, 15 + 50 + 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.fake.matching(|r| r.path.contains("/roles/")).len(), 2);
    h.stop().await;
}

/// `/config set key value` options.
fn set_options(key: &str, value: &str) -> Value {
    json!([{"name": "set", "type": 1, "options": [
        {"name": "key", "type": 3, "value": key},
        {"name": "value", "type": 3, "value": value}
    ]}])
}

/// A role object, for an interaction's `resolved`.
fn role_json(id: u64) -> Value {
    json!({
        "id": id.to_string(),
        "name": format!("role{id}"),
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": 1,
        "permissions": "0",
        "managed": false,
        "mentionable": false,
        "flags": 0
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_set_by_an_admin_takes_effect_on_the_next_message_and_a_member_is_refused() {
    let h = Harness::start(Settings::default()).await;
    h.no_bonuses().await;
    h.say_in(CHANNEL, 71, &[], "before");
    h.wait_xp(71, 15).await;

    // A member without Manage Server: refused, nothing changes.
    h.config(
        5001,
        member_json(72, "eve", &[], Some(0)),
        set_options("rules.message.xp", "40"),
        json!({}),
    );
    let refused = h.reply(5001).await;
    assert!(refused.contains("Manage Server"), "{refused}");
    h.say_in(CHANNEL, 73, &[], "still 15");
    h.wait_xp(73, 15).await;

    // An admin: in force on the next message, no restart; in the audit log as actor.
    h.config(
        5002,
        admin(74),
        set_options("rules.message.xp", "40"),
        json!({}),
    );
    let done = h.reply(5002).await;
    assert_eq!(done, "✅ `rules.message.xp` is now `40`.");
    h.say_in(CHANNEL, 75, &[], "now 40");
    h.wait_xp(75, 40).await;
    let audit = h
        .leveling
        .settings_audit(GUILD.into(), leveling_core::PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(audit.items[0].actor, Some(74.into()));
    assert_eq!(audit.items[0].after.rules.message.xp, 40);

    // A template with {rank} and {guild}, set through /config.
    h.config(
        5003,
        admin(74),
        set_options("announce.template", "GG {user}, #{rank} in {guild}"),
        json!({}),
    );
    assert!(
        h.reply(5003)
            .await
            .starts_with("✅ `announce.template` is now")
    );
    h.leveling
        .award(
            leveling_core::Award::grant(MemberId::new(GUILD, 75), xp_for(&h, 1))
                .in_channel(CHANNEL),
        )
        .await
        .unwrap();
    let announcement = h
        .fake
        .wait_for("the announcement", is_message_to(CHANNEL))
        .await;
    assert_eq!(
        announcement.body["content"],
        json!(format!("GG <@75>, #1 in Guild {GUILD}"))
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_config_value_gets_a_reply_naming_the_field() {
    let h = Harness::start(Settings::default()).await;
    for (id, key, value, expected) in [
        (
            5101,
            "rules.message.xp",
            "lots",
            "rules.message.xp: invalid type",
        ),
        (
            5102,
            "rules.mesage.xp",
            "20",
            "rules.mesage.xp: unknown field `mesage`",
        ),
        (5103, "multipliers.roles.5", "50", "multipliers.roles.5: "),
        (
            5104,
            "announce.template",
            "GG {usr}",
            "announce.template: unknown placeholder {usr}",
        ),
        (
            5105,
            "announce.mode",
            "loud",
            "announce.mode: unknown variant `loud`",
        ),
    ] {
        h.config(id, admin(81), set_options(key, value), json!({}));
        let reply = h.reply(id).await;
        assert!(
            reply.starts_with(&format!("❌ {expected}")),
            "{key} {value}: {reply}"
        );
    }
    // Nothing was stored.
    let view = h.leveling.guild_settings(GUILD.into()).await.unwrap();
    assert!(!view.own);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_rewards_view_and_reset() {
    const ROLE: u64 = 8_201;
    const OTHER: u64 = 8_202;
    let h = Harness::start(Settings::default()).await;
    let reward = |id: u64, sub: Value, role: Option<u64>| {
        let resolved = role.map_or(
            json!({}),
            |r| json!({"roles": {r.to_string(): role_json(r)}}),
        );
        h.config(
            id,
            admin(91),
            json!([{"name": "reward", "type": 2, "options": [sub]}]),
            resolved,
        );
    };
    reward(
        5201,
        json!({"name": "add", "type": 1, "options": [
            {"name": "level", "type": 4, "value": 3}, {"name": "role", "type": 8, "value": ROLE.to_string()}
        ]}),
        Some(ROLE),
    );
    assert_eq!(
        h.reply(5201).await,
        format!("✅ <@&{ROLE}> is now the reward for level 3.")
    );
    reward(
        5202,
        json!({"name": "add", "type": 1, "options": [
            {"name": "level", "type": 4, "value": 1}, {"name": "role", "type": 8, "value": OTHER.to_string()}
        ]}),
        Some(OTHER),
    );
    h.reply(5202).await;
    reward(
        5203,
        json!({"name": "list", "type": 1, "options": []}),
        None,
    );
    let list = h.reply(5203).await;
    assert!(
        list.ends_with(&format!("Level 1: <@&{OTHER}>\nLevel 3: <@&{ROLE}>")),
        "{list}"
    );
    reward(
        5204,
        json!({"name": "remove", "type": 1, "options": [
            {"name": "role", "type": 8, "value": OTHER.to_string()}
        ]}),
        Some(OTHER),
    );
    assert_eq!(
        h.reply(5204).await,
        format!("✅ <@&{OTHER}> is no longer a reward.")
    );
    // Removing it again: a clear refusal, nothing written.
    reward(
        5214,
        json!({"name": "remove", "type": 1, "options": [
            {"name": "role", "type": 8, "value": OTHER.to_string()}
        ]}),
        Some(OTHER),
    );
    assert_eq!(
        h.reply(5214).await,
        format!("❌ <@&{OTHER}> is not a reward role.")
    );
    let settings = h
        .leveling
        .guild_settings(GUILD.into())
        .await
        .unwrap()
        .settings;
    assert_eq!(settings.rewards.roles.len(), 1);
    assert_eq!(settings.rewards.roles[0].role_id.get(), ROLE);

    h.config(
        5205,
        admin(91),
        json!([{"name": "view", "type": 1, "options": []}]),
        json!({}),
    );
    let view = h.reply(5205).await;
    assert!(
        view.starts_with("⚙️ This server's settings:\n```json\n"),
        "{view}"
    );
    assert!(view.contains(&format!("\"role_id\": \"{ROLE}\"")), "{view}");

    h.config(
        5206,
        admin(91),
        json!([{"name": "reset", "type": 1, "options": []}]),
        json!({}),
    );
    assert!(h.reply(5206).await.contains("default settings"));
    let view = h.leveling.guild_settings(GUILD.into()).await.unwrap();
    assert!(!view.own);
    let audit = h
        .leveling
        .settings_audit(GUILD.into(), leveling_core::PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(audit.items.len(), 4, "add, add, remove, reset");
    assert!(audit.items.iter().all(|c| c.actor == Some(91.into())));
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leave_policy_resets_after_the_grace_period_unless_the_member_rejoined() {
    // A 100 ms tick, so the ticker applies the leave policy often; the clock decides.
    let settings = Settings {
        voice_tick: Duration::from_millis(100),
        ..Settings::default()
    };
    let h = Harness::start(settings).await;
    h.patch(json!({"announce": {"mode": "off"}, "on_leave": {"policy": "reset_on_leave", "grace_secs": 0}}))
        .await;
    for user in [101, 102, 103] {
        h.leveling
            .award(leveling_core::Award::grant(
                MemberId::new(GUILD, user),
                1_000,
            ))
            .await
            .unwrap();
    }
    let leave = |event: &str, user: u64| {
        h.fake.dispatch(
            event,
            json!({"guild_id": GUILD.to_string(), "user": user_json(user, &format!("user{user}"), false)}),
        );
    };

    // No grace period: leaving resets at once.
    leave("GUILD_MEMBER_REMOVE", 101);
    h.wait_xp(101, 0).await;

    // reset_on_ban with an hour's grace: leaving keeps; a ban resets an hour later,
    // unless the member came back within the hour.
    h.patch(json!({"on_leave": {"policy": "reset_on_ban", "grace_secs": 3600}}))
        .await;
    leave("GUILD_MEMBER_REMOVE", 102);
    leave("GUILD_BAN_ADD", 102);
    leave("GUILD_BAN_ADD", 103);
    // The events are handled concurrently: wait until both bans are pending.
    for _ in 0..200 {
        if h.handler.pending_departures() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(h.handler.pending_departures(), 2);
    h.clock.advance(chrono::TimeDelta::minutes(30));
    h.fake.dispatch("GUILD_MEMBER_ADD", member_add(103, &[]));
    for _ in 0..200 {
        if h.handler.pending_departures() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(h.handler.pending_departures(), 1, "103 rejoined");
    assert_eq!(h.xp(102).await, 1_000, "within the grace period");
    h.clock.advance(chrono::TimeDelta::minutes(31));
    h.wait_xp(102, 0).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(h.xp(103).await, 1_000, "rejoined within the grace period");
    let history = h
        .leveling
        .history(
            MemberId::new(GUILD, 102),
            leveling_core::PageRequest::first(5),
        )
        .await
        .unwrap();
    assert_eq!(history.items[0].actor, None);
    h.stop().await;
}
