//! End to end: the real serenity + poise client, our bot, the engine and the memory store,
//! against a fake Discord (REST + gateway) on 127.0.0.1.

mod fake_discord;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeDelta, TimeZone, Utc};
use fake_discord::{
    APP_ID, FakeDiscord, TOKEN, interaction_json, member_json, message_json, user_json,
    voice_state_json,
};
use leveling_card::CARD_SIZE;
use leveling_card::tiny_skia::{self, Pixmap};
use leveling_core::{
    ActivityRule, Award, Leveling, ManualClock, MemberId, PageRequest, Rules, Source,
};
use leveling_discord::{Announce, Bot, DiscordConfig, Handler, Settings, TierRoles};
use leveling_storage_memory::MemoryStore;
use serde_json::{Value, json};
use serenity::all::{ChannelId, GatewayIntents, GuildId, RoleId, UserId};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const GUILD: u64 = 500;
const CHANNEL: u64 = 600;
const VOICE: u64 = 650;
const MANAGE_GUILD: u64 = 1 << 5;

struct Harness {
    fake: FakeDiscord,
    leveling: Leveling,
    /// The running bot's handler (its voice tracker, for the voice test).
    handler: Handler,
    clock: ManualClock,
    shutdown: Option<oneshot::Sender<()>>,
    bot: Option<JoinHandle<Result<(), leveling_discord::Error>>>,
}

impl Harness {
    async fn start(settings: Settings, rules: Rules) -> Self {
        let fake = FakeDiscord::start().await;
        // Noon, so the tests' few minutes of clock never cross a day boundary.
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
        let builder = Leveling::builder(MemoryStore::new())
            .rules(rules)
            .clock(clock.clone());
        let mut config = DiscordConfig::new(TOKEN);
        config.api_url = Some(fake.api_url.clone());
        // No privileged intents needed by the tests.
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

    fn say(&self, user: Value, guild: Option<u64>, content: &str) {
        let id = self.fake.next_id();
        self.fake.dispatch(
            "MESSAGE_CREATE",
            message_json(id, CHANNEL, guild, &user, content),
        );
    }

    /// Polls until the members eligible for voice XP are `users` (up to 10 s).
    async fn wait_voice_eligible(&self, users: &[u64]) {
        let want: Vec<UserId> = users.iter().map(|&u| UserId::new(u)).collect();
        for _ in 0..200 {
            if self.handler.voice_eligible(GuildId::new(GUILD)) == want {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "voice eligible: {:?}, expected {want:?}",
            self.handler.voice_eligible(GuildId::new(GUILD))
        );
    }

    /// The voice awards of `user`, newest first: XP per award.
    async fn voice_payments(&self, user: u64) -> Vec<i64> {
        let history = self
            .leveling
            .history(MemberId::new(GUILD, user), PageRequest::first(100))
            .await
            .expect("history");
        history
            .items
            .iter()
            .filter(|entry| entry.source == Source::Voice)
            .map(|entry| entry.amount)
            .collect()
    }

    async fn sources(&self, user: u64) -> Vec<Source> {
        let history = self
            .leveling
            .history(MemberId::new(GUILD, user), PageRequest::first(100))
            .await
            .expect("history");
        history.items.iter().map(|entry| entry.source).collect()
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

fn seed_rules() -> Rules {
    Rules::default()
}

fn is_message_to(channel: u64) -> impl Fn(&fake_discord::Recorded) -> bool {
    move |r| r.method == "POST" && r.path == format!("/api/v10/channels/{channel}/messages")
}

fn callback_of(id: u64) -> impl Fn(&fake_discord::Recorded) -> bool {
    move |r| {
        r.method == "POST" && r.path == format!("/api/v10/interactions/{id}/itoken-{id}/callback")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_xp_once_per_cooldown_and_level_up_announced_in_the_same_channel() {
    // 100 XP a message: the first one (+50 daily, +10 streak) reaches level 1 (150 XP).
    let rules = Rules {
        message: ActivityRule {
            xp: 100,
            cooldown: Duration::from_secs(60),
        },
        ..seed_rules()
    };
    let h = Harness::start(Settings::default(), rules).await;
    let identify = &h.fake.identifies()[0];
    assert!(
        identify["token"]
            .as_str()
            .is_some_and(|t| t.ends_with(TOKEN))
    );
    // GUILDS | GUILD_VOICE_STATES | GUILD_MESSAGES: no privileged intent.
    assert_eq!(identify["intents"], json!(1 | 128 | 512));
    let alice = user_json(11, "alice", false);

    h.say(alice.clone(), Some(GUILD), "hello");
    h.wait_xp(11, 160).await;
    let announcement = h
        .fake
        .wait_for("the level-up announcement", is_message_to(CHANNEL))
        .await;
    assert!(announcement.authorized, "REST calls carry the bot token");
    assert_eq!(
        announcement.body["content"],
        json!("🎉 <@11> reached level **1** (Basic)!")
    );

    // A second message within the cooldown earns nothing.
    h.say(alice.clone(), Some(GUILD), "again");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.xp(11).await, 160);

    // Bots, webhooks and DMs earn nothing.
    h.say(user_json(12, "robot", true), Some(GUILD), "beep");
    let mut webhook = message_json(
        h.fake.next_id(),
        CHANNEL,
        Some(GUILD),
        &user_json(13, "hook", false),
        "hi",
    );
    webhook["webhook_id"] = json!("777");
    h.fake.dispatch("MESSAGE_CREATE", webhook);
    h.say(user_json(14, "dm", false), None, "psst");

    // After the cooldown, one more grant (no second daily bonus the same day).
    h.clock.advance(TimeDelta::seconds(61));
    h.say(alice.clone(), Some(GUILD), "later");
    h.wait_xp(11, 260).await;
    assert_eq!(h.xp(12).await + h.xp(13).await + h.xp(14).await, 0);
    assert_eq!(
        h.sources(11).await,
        // Newest first; the first grant wrote message, daily, streak.
        vec![
            Source::Message,
            Source::Streak,
            Source::Daily,
            Source::Message
        ]
    );
    // Exactly one announcement: the third message did not cross a level.
    assert_eq!(h.fake.matching(is_message_to(CHANNEL)).len(), 1);

    // Profile sync: the author's username is in the users table.
    let profile = h
        .leveling
        .user(11.into())
        .await
        .unwrap()
        .expect("profile synced");
    assert_eq!(profile.username, "alice");

    // The prefix command `!xp` answers in the channel.
    h.clock.advance(TimeDelta::seconds(61));
    h.say(alice, Some(GUILD), "!xp");
    let reply = h
        .fake
        .wait_for("the !xp reply", |r| {
            is_message_to(CHANNEL)(r)
                && r.body["content"]
                    .as_str()
                    .is_some_and(|c| c.contains("rank #1"))
        })
        .await;
    // A prefix command's reply carries the card too: a message with a file.
    assert_eq!(
        reply.body["content"],
        json!("**alice** — rank #1 · level 1")
    );
    card_of(&reply);
    assert!(
        reply.body["attachments"][0]["description"]
            .as_str()
            .is_some_and(|alt| alt.starts_with("Rank card: alice, level 1 (Basic), rank #1")),
        "{:#}",
        reply.body
    );
    h.stop().await;
}

/// The rank card a reply carries: its one file, `rank.png`, decoded; a PNG of the card's
/// size.
fn card_of(reply: &fake_discord::Recorded) -> Pixmap {
    let [(name, png)] = reply.files.as_slice() else {
        panic!("expected one file, got {:?}", reply.files.len());
    };
    assert_eq!(name, "rank.png");
    let card = Pixmap::decode_png(png).expect("a PNG");
    assert_eq!((card.width(), card.height()), CARD_SIZE);
    card
}

/// Two members with XP, bea (21) at rank #2 and cy (22) at #1; `/rank` as bea: her own
/// with no option, `user`'s with one.
async fn rank_as_bea(h: &Harness, id: u64, user: Option<Value>) -> fake_discord::Recorded {
    let (options, resolved) = match &user {
        Some(user) => (
            json!([{"name": "user", "type": 6, "value": user["id"]}]),
            json!({"users": {user["id"].as_str().unwrap(): user}}),
        ),
        None => (json!([]), json!({})),
    };
    let interaction = interaction_json(
        id,
        GUILD,
        CHANNEL,
        member_json(21, "bea", &[], Some(0)),
        "rank",
        options,
        resolved,
    );
    h.fake.dispatch("INTERACTION_CREATE", interaction);
    let callback = h.fake.wait_for("the /rank response", callback_of(id)).await;
    assert_eq!(
        callback.body["type"],
        json!(4),
        "a channel message response"
    );
    callback
}

async fn seed_bea_and_cy(h: &Harness) {
    h.leveling
        .add_xp(MemberId::new(GUILD, 21), 10_600, None)
        .await
        .unwrap();
    h.leveling
        .add_xp(MemberId::new(GUILD, 22), 20_000, None)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rank_interaction_gets_the_rank_card_and_earns_command_xp() {
    let h = Harness::start(Settings::default(), seed_rules()).await;
    seed_bea_and_cy(&h).await;

    let callback = rank_as_bea(&h, 3001, None).await;
    let data = &callback.body["data"];
    // The command earned command XP (5) plus the day's bonus (50 + 10) before it ran.
    assert_eq!(data["content"], json!("**bea** — rank #2 · level 10"));
    card_of(&callback);
    assert_eq!(data["attachments"][0]["filename"], json!("rank.png"));
    assert_eq!(
        data["attachments"][0]["description"],
        json!(
            "Rank card: bea, level 10 (Basic), rank #2, 165 / 2,150 XP to level 11, 10,665 XP in all"
        )
    );
    h.wait_xp(21, 10_665).await;
    assert!(h.sources(21).await.contains(&Source::Command));

    // /rank for another member, through the resolved user option.
    let callback = rank_as_bea(&h, 3002, Some(user_json(22, "cy", false))).await;
    let data = &callback.body["data"];
    assert_eq!(data["content"], json!("**cy** — rank #1 · level 13"));
    card_of(&callback);
    let alt = data["attachments"][0]["description"].as_str().unwrap();
    assert!(
        alt.starts_with("Rank card: cy, level 13 (Member), rank #1"),
        "{alt}"
    );

    // A member without XP gets the text that says how to start, not an empty card.
    let callback = rank_as_bea(&h, 3003, Some(user_json(23, "dee", false))).await;
    assert!(callback.files.is_empty());
    let content = callback.body["data"]["content"].as_str().expect("content");
    assert!(content.contains("no XP yet"), "{content}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_card_off_rank_answers_with_text() {
    let settings = Settings {
        rank_card: false,
        ..Settings::default()
    };
    let h = Harness::start(settings, seed_rules()).await;
    seed_bea_and_cy(&h).await;

    let callback = rank_as_bea(&h, 3101, None).await;
    assert!(callback.files.is_empty());
    let content = callback.body["data"]["content"].as_str().expect("content");
    assert!(
        content.starts_with("**bea** — rank #2\nLevel **10** · Tier **Basic** · 10665 XP total"),
        "{content}"
    );
    assert!(content.contains("165 / 2150 XP into level 10"), "{content}");
    h.wait_xp(21, 10_665).await;

    let callback = rank_as_bea(&h, 3102, Some(user_json(22, "cy", false))).await;
    let content = callback.body["data"]["content"].as_str().expect("content");
    assert!(
        content.starts_with("**cy** — rank #1\nLevel **13**"),
        "{content}"
    );
    h.stop().await;
}

/// A CDN on 127.0.0.1 that serves one flat-coloured PNG for any avatar and counts the
/// requests.
async fn avatar_cdn(colour: [u8; 3]) -> (String, Arc<Mutex<Vec<String>>>) {
    let mut avatar = Pixmap::new(64, 64).unwrap();
    avatar.fill(tiny_skia::Color::from_rgba8(
        colour[0], colour[1], colour[2], 255,
    ));
    let png = avatar.encode_png().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
        log.lock().unwrap().push(uri.to_string());
        let png = png.clone();
        async move { ([("content-type", "image/png")], png) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_card_shows_the_members_avatar_fetched_once() {
    const COLOUR: [u8; 3] = [20, 200, 90];
    const HASH: &str = "0123456789abcdef0123456789abcdef";
    let (cdn, seen) = avatar_cdn(COLOUR).await;
    let settings = Settings {
        avatar_cdn: cdn,
        avatar_hosts: vec!["127.0.0.1".to_owned()],
        ..Settings::default()
    };
    let h = Harness::start(settings, seed_rules()).await;
    seed_bea_and_cy(&h).await;
    let mut cy = user_json(22, "cy", false);
    cy["avatar"] = json!(HASH);

    for id in [3201, 3202] {
        let card = card_of(&rank_as_bea(&h, id, Some(cy.clone())).await);
        // The avatar's disc (192 px across, scaled from a flat colour) is on the card.
        let avatar_pixels = card
            .pixels()
            .iter()
            .filter(|p| {
                [p.red(), p.green(), p.blue()]
                    .iter()
                    .zip(COLOUR)
                    .all(|(got, want)| got.abs_diff(want) <= 2)
            })
            .count();
        assert!(avatar_pixels > 20_000, "{avatar_pixels} avatar pixels");
    }
    // Asked for as a PNG, and once: the second card came from the cache.
    assert_eq!(
        *seen.lock().unwrap(),
        [format!("/avatars/22/{HASH}.png?size=256")]
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_are_refused_without_manage_server_or_the_admin_role() {
    let settings = Settings {
        admin_role: Some(RoleId::new(4242)),
        ..Settings::default()
    };
    let h = Harness::start(settings, seed_rules()).await;
    let target = json!({"users": {"32": user_json(32, "dee", false)}});
    let addxp = |id, member: Value| {
        interaction_json(
            id,
            GUILD,
            CHANNEL,
            member,
            "addxp",
            json!([{"name": "user", "type": 6, "value": "32"}, {"name": "amount", "type": 4, "value": 500}]),
            target.clone(),
        )
    };

    // No permission, no role: refused, ephemeral, nothing changes.
    h.fake.dispatch(
        "INTERACTION_CREATE",
        addxp(4001, member_json(31, "eve", &[1], Some(0))),
    );
    let refused = h.fake.wait_for("the refusal", callback_of(4001)).await;
    assert_eq!(refused.body["data"]["flags"], json!(64), "ephemeral");
    assert!(
        refused.body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Manage Server")
    );
    let botstats = interaction_json(
        4002,
        GUILD,
        CHANNEL,
        member_json(31, "eve", &[], Some(0)),
        "botstats",
        json!([]),
        json!({}),
    );
    h.fake.dispatch("INTERACTION_CREATE", botstats);
    let refused = h
        .fake
        .wait_for("the /botstats refusal", callback_of(4002))
        .await;
    assert!(
        refused.body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Manage Server")
    );
    assert_eq!(h.xp(32).await, 0);

    // Manage Server: allowed, recorded with the invoker as actor.
    h.fake.dispatch(
        "INTERACTION_CREATE",
        addxp(4003, member_json(33, "fay", &[], Some(MANAGE_GUILD))),
    );
    let done = h.fake.wait_for("the /addxp reply", callback_of(4003)).await;
    assert!(
        done.body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("now 500 XP"),
        "{:?}",
        done.body
    );
    h.wait_xp(32, 500).await;
    let history = h
        .leveling
        .history(MemberId::new(GUILD, 32), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(history.items[0].actor, Some(33.into()));

    // The configured admin role: allowed too.
    h.fake.dispatch(
        "INTERACTION_CREATE",
        addxp(4004, member_json(34, "gus", &[4242], Some(0))),
    );
    h.fake
        .wait_for("the role admin's /addxp reply", callback_of(4004))
        .await;
    h.wait_xp(32, 1_000).await;

    // /botstats for an admin.
    let botstats = interaction_json(
        4005,
        GUILD,
        CHANNEL,
        member_json(33, "fay", &[], Some(MANAGE_GUILD)),
        "botstats",
        json!([]),
        json!({}),
    );
    h.fake.dispatch("INTERACTION_CREATE", botstats);
    let stats = h
        .fake
        .wait_for("the /botstats reply", callback_of(4005))
        .await;
    let content = stats.body["data"]["content"].as_str().unwrap();
    assert!(content.contains("XP awarded: "), "{content}");
    assert!(content.contains("Members tracked: "), "{content}");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_pays_exactly_the_eligible_minutes_of_the_clock() {
    // The ticker runs every 100 ms of real time, and a paid "minute" is 100 ms of the
    // engine's (manual) clock: what is paid follows the clock alone, so every figure is exact.
    const TICK: Duration = Duration::from_millis(100);
    let minute = TimeDelta::from_std(TICK).unwrap();
    let settings = Settings {
        voice_tick: TICK,
        ..Settings::default()
    };
    let h = Harness::start(settings, seed_rules()).await;
    let a_few_ticks = || tokio::time::sleep(TICK * 4);

    // 41 alone with a bot (49), then a second human (42): both eligible.
    h.fake.dispatch(
        "VOICE_STATE_UPDATE",
        voice_state_json(GUILD, 41, Some(VOICE), false, false),
    );
    h.fake.dispatch(
        "VOICE_STATE_UPDATE",
        voice_state_json(GUILD, 49, Some(VOICE), false, true),
    );
    h.fake.dispatch(
        "VOICE_STATE_UPDATE",
        voice_state_json(GUILD, 42, Some(VOICE), false, false),
    );
    h.wait_voice_eligible(&[41, 42]).await;
    // Ticks without the clock moving pay nothing.
    a_few_ticks().await;
    assert_eq!((h.xp(41).await, h.xp(42).await), (0, 0));

    // Three minutes: each paid 3 × 10 XP in one award, plus the day's bonus (50 + 10).
    h.clock.advance(minute * 3);
    h.wait_xp(41, 90).await;
    h.wait_xp(42, 90).await;
    a_few_ticks().await;
    assert_eq!((h.xp(41).await, h.xp(42).await), (90, 90), "paid once");
    assert_eq!(h.voice_payments(41).await, vec![30]);
    assert!(
        h.sources(41).await.contains(&Source::Daily),
        "voice is activity: it claims the daily bonus"
    );

    // A minute and a half: one minute paid, half a minute banked.
    h.clock.advance(minute * 3 / 2);
    h.wait_xp(41, 100).await;
    h.wait_xp(42, 100).await;

    // 42 mutes: neither is eligible (41 would be alone); ten minutes pay nothing.
    h.fake.dispatch(
        "VOICE_STATE_UPDATE",
        voice_state_json(GUILD, 42, Some(VOICE), true, false),
    );
    h.wait_voice_eligible(&[]).await;
    h.clock.advance(minute * 10);
    a_few_ticks().await;
    assert_eq!((h.xp(41).await, h.xp(42).await), (100, 100));

    // Unmuted: the banked half minute and half a minute more make one paid minute.
    h.fake.dispatch(
        "VOICE_STATE_UPDATE",
        voice_state_json(GUILD, 42, Some(VOICE), false, false),
    );
    h.wait_voice_eligible(&[41, 42]).await;
    h.clock.advance(minute / 2);
    h.wait_xp(41, 110).await;
    h.wait_xp(42, 110).await;
    assert_eq!(h.voice_payments(41).await, vec![10, 10, 30]);

    // 42 leaves: payments stop.
    h.fake.dispatch(
        "VOICE_STATE_UPDATE",
        voice_state_json(GUILD, 42, None, false, false),
    );
    h.wait_voice_eligible(&[]).await;
    h.clock.advance(minute * 5);
    a_few_ticks().await;
    assert_eq!((h.xp(41).await, h.xp(42).await), (110, 110));
    assert_eq!(h.voice_payments(42).await, vec![10, 10, 30]);
    assert_eq!(h.xp(49).await, 0, "bots never earn");
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tier_roles_follow_level_ups_from_any_source_and_admin_level_downs() {
    const BASIC: u64 = 7001;
    const MEMBER: u64 = 7002;
    const ANNOUNCE: u64 = 610;
    let settings = Settings {
        announce: Announce::Channel(ChannelId::new(ANNOUNCE)),
        template: "{username} is now level {level} ({tier})".to_owned(),
        tier_roles: TierRoles::new()
            .with("Basic", RoleId::new(BASIC))
            .with("Member", RoleId::new(MEMBER)),
        ..Settings::default()
    };
    let h = Harness::start(settings, seed_rules()).await;
    h.fake.set_roles(GUILD, 51, &[BASIC, 9999]);
    h.leveling
        .upsert_user(leveling_core::NewUser {
            id: 51.into(),
            username: "hal".into(),
            display_name: None,
            avatar_url: None,
        })
        .await
        .unwrap();

    // A level-up that did not come from Discord (an API grant): level 11, tier Member.
    h.leveling
        .award(leveling_core::Award::grant(
            MemberId::new(GUILD, 51),
            12_650,
        ))
        .await
        .unwrap();
    let added = h
        .fake
        .wait_for("the Member role added", |r| {
            r.method == "PUT"
                && r.path == format!("/api/v10/guilds/{GUILD}/members/51/roles/{MEMBER}")
        })
        .await;
    assert!(added.authorized);
    h.fake
        .wait_for("the Basic role removed", |r| {
            r.method == "DELETE"
                && r.path == format!("/api/v10/guilds/{GUILD}/members/51/roles/{BASIC}")
        })
        .await;
    let announcement = h
        .fake
        .wait_for("the announcement", is_message_to(ANNOUNCE))
        .await;
    assert_eq!(
        announcement.body["content"],
        json!("hal is now level 11 (Member)")
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The unrelated role stays; each call happened once.
    let role_calls = h.fake.matching(|r| r.path.contains("/roles/"));
    assert_eq!(role_calls.len(), 2, "{role_calls:#?}");
    assert_eq!(h.fake.matching(is_message_to(ANNOUNCE)).len(), 1);

    // A level-up inside the same tier: announced, no role calls.
    h.leveling
        .award(leveling_core::Award::grant(MemberId::new(GUILD, 51), 2_500))
        .await
        .unwrap();
    h.fake
        .wait_for("the second announcement", |r| {
            is_message_to(ANNOUNCE)(r) && r.body["content"] == json!("hal is now level 12 (Member)")
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.fake.matching(|r| r.path.contains("/roles/")).len(), 2);
    assert_eq!(
        h.fake
            .matching(|r| r.path.contains("/members/51") && r.method == "GET")
            .len(),
        1
    );

    // An admin reset drops them to Basic: the Member role goes, the Basic role comes
    // back, and nothing is announced.
    h.fake.set_roles(GUILD, 51, &[MEMBER, 9999]);
    h.leveling
        .reset(MemberId::new(GUILD, 51), None)
        .await
        .unwrap();
    h.fake
        .wait_for("the Member role removed", |r| {
            r.method == "DELETE"
                && r.path == format!("/api/v10/guilds/{GUILD}/members/51/roles/{MEMBER}")
        })
        .await;
    h.fake
        .wait_for("the Basic role given back", |r| {
            r.method == "PUT"
                && r.path == format!("/api/v10/guilds/{GUILD}/members/51/roles/{BASIC}")
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.fake.matching(|r| r.path.contains("/roles/")).len(), 4);
    assert_eq!(h.fake.matching(is_message_to(ANNOUNCE)).len(), 2);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn level_changes_outside_any_discord_guild_make_no_discord_call() {
    const BASIC: u64 = 7101;
    const MEMBER: u64 = 7102;
    const ANNOUNCE: u64 = 611;
    let settings = Settings {
        announce: Announce::Channel(ChannelId::new(ANNOUNCE)),
        tier_roles: TierRoles::new()
            .with("Basic", RoleId::new(BASIC))
            .with("Member", RoleId::new(MEMBER)),
        ..Settings::default()
    };
    let h = Harness::start(settings, seed_rules()).await;

    // An API-style grant in guild 0 (the HTTP API's default guild): level 11, tier Member;
    // then an admin reset drops the member to Basic. Neither is a Discord guild's event.
    let outside = MemberId::new(0, 51);
    h.leveling
        .award(Award::grant(outside, 12_650))
        .await
        .unwrap();
    h.leveling.reset(outside, None).await.unwrap();

    // The same level-up in a real guild, queued after them: once its calls are made, the
    // announcer has handled (and skipped) the guild-0 events.
    h.fake.set_roles(GUILD, 52, &[]);
    h.leveling
        .award(Award::grant(MemberId::new(GUILD, 52), 12_650))
        .await
        .unwrap();
    h.fake
        .wait_for("the real guild's announcement", is_message_to(ANNOUNCE))
        .await;
    h.fake
        .wait_for("the real guild's Member role", |r| {
            r.method == "PUT"
                && r.path == format!("/api/v10/guilds/{GUILD}/members/52/roles/{MEMBER}")
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Every call about a guild or a channel (start-up calls are about the application).
    let calls: Vec<String> = h
        .fake
        .matching(|r| r.path.contains("/guilds/") || r.path.contains("/channels/"))
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        calls,
        vec![
            format!("POST /api/v10/channels/{ANNOUNCE}/messages"),
            format!("GET /api/v10/guilds/{GUILD}/members/52"),
            format!("PUT /api/v10/guilds/{GUILD}/members/52/roles/{MEMBER}"),
        ],
        "no call for guild 0 (nor for guild 1)"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_changes_record_the_reason_with_the_admin() {
    let h = Harness::start(Settings::default(), seed_rules()).await;
    let admin = || member_json(33, "fay", &[], Some(MANAGE_GUILD));
    let target = json!({"users": {"32": user_json(32, "dee", false)}});
    let user = json!({"name": "user", "type": 6, "value": "32"});
    let commands = [
        (
            4101,
            "addxp",
            json!([user, {"name": "amount", "type": 4, "value": 500}, {"name": "reason", "type": 3, "value": "event prize"}]),
        ),
        (
            4102,
            "setlevel",
            json!([user, {"name": "level", "type": 4, "value": 3}, {"name": "reason", "type": 3, "value": "migrated from the old bot"}]),
        ),
        (4103, "resetxp", json!([user])),
    ];
    for (id, command, options) in commands {
        h.fake.dispatch(
            "INTERACTION_CREATE",
            interaction_json(
                id,
                GUILD,
                CHANNEL,
                admin(),
                command,
                options,
                target.clone(),
            ),
        );
        let done = h.fake.wait_for(command, callback_of(id)).await;
        assert!(
            done.body["data"]["content"]
                .as_str()
                .is_some_and(|c| c.starts_with('✅')),
            "{command}: {:?}",
            done.body
        );
    }
    let history = h
        .leveling
        .history(MemberId::new(GUILD, 32), PageRequest::first(10))
        .await
        .unwrap();
    let rows: Vec<_> = history
        .items
        .iter()
        .map(|e| (e.source, e.actor, e.reason.as_deref(), e.xp_after))
        .collect();
    // Newest first: the reset (no reason given), /setlevel 3 (1,050 XP), /addxp 500.
    assert_eq!(
        rows,
        vec![
            (Source::Admin, Some(33.into()), None, 0),
            (
                Source::Admin,
                Some(33.into()),
                Some("migrated from the old bot"),
                1_050
            ),
            (Source::Admin, Some(33.into()), Some("event prize"), 500),
        ]
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_dispatches_do_not_crash_the_bot() {
    let h = Harness::start(
        Settings {
            announce: Announce::Off,
            ..Settings::default()
        },
        seed_rules(),
    )
    .await;
    // A message with missing fields, an unknown event, wrong types, and a frame that is
    // not JSON at all.
    h.fake.dispatch("MESSAGE_CREATE", json!({"id": "nope"}));
    h.fake.dispatch("SOMETHING_NEW", json!({"x": 1}));
    h.fake
        .dispatch("VOICE_STATE_UPDATE", json!({"guild_id": [], "user_id": {}}));
    h.fake
        .dispatch("INTERACTION_CREATE", json!({"type": 2, "data": "??"}));
    h.fake.send_raw("{not json".to_owned());
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The bot still earns XP from the next valid message (on this or a resumed session).
    let frank = user_json(61, "frank", false);
    for _ in 0..100 {
        h.say(frank.clone(), Some(GUILD), "still there?");
        tokio::time::sleep(Duration::from_millis(100)).await;
        if h.xp(61).await > 0 {
            break;
        }
    }
    assert_eq!(h.xp(61).await, 75, "15 + 50 daily + 10 streak, once");
    assert!(
        !h.bot.as_ref().unwrap().is_finished(),
        "the bot is still running"
    );
    assert!(h.fake.sessions() >= 1);
    let _ = APP_ID;
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_stops_the_bot_with_an_error_that_does_not_show_it() {
    let fake = FakeDiscord::start().await;
    let mut config = DiscordConfig::new("wrong-secret-token");
    config.api_url = Some(fake.api_url.clone());
    let run = Bot::new(Leveling::builder(MemoryStore::new()), config).run(std::future::pending());
    let result = tokio::time::timeout(Duration::from_secs(15), run)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the bot hangs; requests: {:?}",
                fake.requests()
                    .iter()
                    .map(|r| r.path.clone())
                    .collect::<Vec<_>>()
            )
        });
    let error = result.expect_err("a rejected token is an error");
    assert!(!error.to_string().contains("wrong-secret-token"), "{error}");
    assert!(
        !format!("{error:?}").contains("wrong-secret-token"),
        "{error:?}"
    );
    assert!(
        matches!(error, leveling_discord::Error::Login(_)),
        "{error:?}"
    );
    // It stopped at the token check: no gateway lookup, no fallback to Discord's gateway.
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(paths, vec!["/api/v10/users/@me".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privacy_hides_a_member_from_the_web_leaderboard_and_shows_them_again() {
    let h = Harness::start(Settings::default(), seed_rules()).await;
    // poise registers a choice parameter as an integer option: 0 hide, 1 show.
    let privacy = |id, choice: u64| {
        interaction_json(
            id,
            GUILD,
            CHANNEL,
            member_json(41, "gus", &[], Some(0)),
            "privacy",
            json!([{"name": "leaderboard", "type": 4, "value": choice}]),
            json!({}),
        )
    };
    h.fake.dispatch("INTERACTION_CREATE", privacy(5001, 0));
    let callback = h
        .fake
        .wait_for("the /privacy hide response", callback_of(5001))
        .await;
    assert_eq!(callback.body["data"]["flags"], json!(64), "ephemeral");
    let content = callback.body["data"]["content"].as_str().unwrap();
    assert!(
        content.contains("hidden from the web leaderboard"),
        "{content}"
    );
    // A member without a profile got one, carrying the flag.
    let profile = h
        .leveling
        .user(41.into())
        .await
        .unwrap()
        .expect("a profile");
    assert_eq!(profile.username, "gus");
    assert!(profile.leaderboard_hidden);

    h.fake.dispatch("INTERACTION_CREATE", privacy(5002, 1));
    let callback = h
        .fake
        .wait_for("the /privacy show response", callback_of(5002))
        .await;
    let content = callback.body["data"]["content"].as_str().unwrap();
    assert!(
        content.contains("listed on the web leaderboard"),
        "{content}"
    );
    let profile = h.leveling.user(41.into()).await.unwrap().unwrap();
    assert!(!profile.leaderboard_hidden);
    h.stop().await;
}
