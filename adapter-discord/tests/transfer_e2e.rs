//! End to end, a member's own data and imports: `/mydata`, `/forgetme` (with its
//! buttons) and `/import` (an attachment served by the fake CDN), through the real
//! serenity + poise client, our bot, the engine and the memory store, against the fake
//! Discord on 127.0.0.1.

mod fake_discord;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use fake_discord::{
    APP_ID, FakeDiscord, Recorded, TOKEN, attachment_json, component_json, interaction_json,
    member_json, message_json, user_json,
};
use leveling_core::{
    GuildSettingsPatch, LevelCurve, Leveling, ManualClock, Mee6Curve, MemberId, PageRequest, Source,
};
use leveling_discord::{Bot, DiscordConfig, Settings};
use leveling_storage_memory::MemoryStore;
use serde_json::{Value, json};
use serenity::all::GatewayIntents;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const GUILD: u64 = 500;
const OTHER_GUILD: u64 = 501;
const CHANNEL: u64 = 600;
/// Where the guild announces level-ups (so an announcement would be seen).
const ANNOUNCE: u64 = 777;
const MANAGE_GUILD: u64 = 1 << 5;
const MIB: u64 = 1024 * 1024;

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
        config.intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
        config.settings = Settings {
            // The fake CDN is on 127.0.0.1.
            attachment_hosts: vec!["127.0.0.1".to_owned()],
            ..settings
        };
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

    async fn patch(&self, patch: Value) {
        let patch: GuildSettingsPatch = serde_json::from_value(patch).expect("a patch");
        self.leveling
            .update_guild_settings(GUILD.into(), &patch, None)
            .await
            .expect("valid settings");
    }

    async fn xp(&self, guild: u64, user: u64) -> u64 {
        self.leveling
            .progress(MemberId::new(guild, user))
            .await
            .expect("store")
            .map_or(0, |p| p.member.xp)
    }

    async fn level(&self, user: u64) -> u32 {
        self.leveling
            .progress(MemberId::new(GUILD, user))
            .await
            .expect("store")
            .map_or(0, |p| p.progress.level)
    }

    /// A slash command `name` by `member`.
    fn command(&self, id: u64, member: Value, name: &str, options: Value, resolved: Value) {
        let interaction = interaction_json(id, GUILD, CHANNEL, member, name, options, resolved);
        self.fake.dispatch("INTERACTION_CREATE", interaction);
    }

    /// The first answer to interaction `id` (its callback).
    async fn callback(&self, id: u64) -> Recorded {
        self.fake
            .wait_for("the interaction's answer", move |r| {
                r.method == "POST"
                    && r.path == format!("/api/v10/interactions/{id}/itoken-{id}/callback")
            })
            .await
    }

    /// The followup to the deferred interaction `id`, after checking it was deferred
    /// ephemerally.
    async fn followup(&self, id: u64) -> Recorded {
        let deferred = self.callback(id).await;
        assert_eq!(
            deferred.body["type"],
            json!(5),
            "deferred: {:?}",
            deferred.body
        );
        assert_eq!(deferred.body["data"]["flags"], json!(64), "ephemeral");
        self.fake
            .wait_for("the followup", move |r| {
                r.method == "POST" && r.path == format!("/api/v10/webhooks/{APP_ID}/itoken-{id}")
            })
            .await
    }

    /// A click on the button `custom_id` of the ephemeral message `message` by `member`.
    fn click(&self, id: u64, member: Value, custom_id: &str, message: &Recorded) {
        let bot = user_json(APP_ID, "leveling-bot", true);
        let mut shown = message_json(
            900_001,
            CHANNEL,
            None,
            &bot,
            message.body["content"].as_str().unwrap_or(""),
        );
        shown["flags"] = json!(64);
        shown["components"] = message.body["components"].clone();
        let click = component_json(id, GUILD, CHANNEL, member, custom_id, shown);
        self.fake.dispatch("INTERACTION_CREATE", click);
    }

    /// `/import` of an attachment (`file`: its name, declared size and URL).
    fn import(&self, id: u64, file: (&str, u64, &str), options: Value) {
        let (name, size, url) = file;
        let attachment = id + 50_000;
        let mut list = vec![json!({"name": "file", "type": 11, "value": attachment.to_string()})];
        list.extend(options.as_array().cloned().unwrap_or_default());
        let resolved = json!({"attachments": {
            attachment.to_string(): attachment_json(attachment, name, size, url)
        }});
        self.command(id, admin(90), "import", Value::Array(list), resolved);
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

fn member(user: u64) -> Value {
    member_json(user, &format!("user{user}"), &[], Some(0))
}

fn content(recorded: &Recorded) -> String {
    let body = &recorded.body;
    body["content"]
        .as_str()
        .or_else(|| body["data"]["content"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The custom ids of a message's buttons, in order.
fn buttons(message: &Recorded) -> Vec<String> {
    message.body["components"][0]["components"]
        .as_array()
        .expect("a row of buttons")
        .iter()
        .map(|b| b["custom_id"].as_str().expect("a custom id").to_owned())
        .collect()
}

/// `/import`'s options after the file: a plain list, keep=xp, `add` or the default mode.
fn plain(add: bool) -> Value {
    let mut options = vec![
        // poise sends a choice as its index: format mee6, plain, leveling; keep levels, xp.
        json!({"name": "format", "type": 4, "value": 1}),
        json!({"name": "keep", "type": 4, "value": 1}),
    ];
    if add {
        // mode replace, add.
        options.push(json!({"name": "mode", "type": 4, "value": 1}));
    }
    Value::Array(options)
}

fn announcements(h: &Harness) -> Vec<Recorded> {
    h.fake.matching(|r| {
        r.method == "POST"
            && r.path.starts_with("/api/v10/channels/")
            && r.path.ends_with("/messages")
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mydata_answers_with_a_json_file_of_everything_stored_about_the_user() {
    let h = Harness::start(Settings::default()).await;
    h.leveling
        .add_xp(MemberId::new(GUILD, 41), 300, None)
        .await
        .unwrap();
    h.leveling
        .add_xp(MemberId::new(OTHER_GUILD, 41), 700, None)
        .await
        .unwrap();
    h.leveling
        .add_xp(MemberId::new(GUILD, 42), 999, None)
        .await
        .unwrap();

    // The three commands are registered, within Discord's 100-character descriptions.
    let registered = h
        .fake
        .matching(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .remove(0);
    for name in ["mydata", "forgetme", "import"] {
        let command = registered
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name);
        let command = command.unwrap_or_else(|| panic!("/{name} registered"));
        let options = command["options"].as_array().cloned().unwrap_or_default();
        for described in std::iter::once(command).chain(options.iter()) {
            let description = described["description"].as_str().unwrap_or_default();
            assert!(
                (1..=100).contains(&description.chars().count()),
                "{description}"
            );
        }
    }

    h.command(5001, member(41), "mydata", json!([]), json!({}));
    let reply = h.followup(5001).await;
    assert_eq!(reply.body["flags"], json!(64), "only the member sees it");
    let text = content(&reply);
    assert!(text.contains("your progress in 2 servers"), "{text}");
    assert_eq!(reply.files.len(), 1);
    let (name, bytes) = &reply.files[0];
    assert_eq!(name, "mydata.json");
    let data: Value = serde_json::from_slice(bytes).expect("JSON");
    assert!(
        std::str::from_utf8(bytes).unwrap().contains("\n  \""),
        "pretty-printed"
    );
    // Ids are strings, as in Discord's own JSON (they pass 2^53).
    assert_eq!(data["user"], json!("41"));
    // The command's own sync wrote the profile before it ran.
    assert_eq!(data["profile"]["username"], json!("user41"));
    let members = data["members"].as_array().expect("members");
    let guilds: Vec<&Value> = members
        .iter()
        .map(|m| &m["member"]["id"]["guild"])
        .collect();
    assert_eq!(
        guilds,
        [&json!(GUILD.to_string()), &json!(OTHER_GUILD.to_string())]
    );
    let other = &members[1];
    assert_eq!(other["member"]["xp"], json!(700));
    assert_eq!(other["history"][0]["amount"], json!(700));
    // Oldest first: the admin's 300, then what the command itself earned.
    let amounts: Vec<&Value> = members[0]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["amount"])
        .collect();
    assert_eq!(amounts[0], &json!(300), "{amounts:?}");
    // Nobody else's data.
    assert!(
        members
            .iter()
            .all(|m| m["member"]["id"]["user"] == json!("41"))
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetme_deletes_on_confirm_and_keeps_everything_on_cancel_or_timeout() {
    let settings = Settings {
        confirm_timeout: Duration::from_secs(3),
        ..Settings::default()
    };
    let h = Harness::start(settings).await;
    for user in [51, 53] {
        for guild in [GUILD, OTHER_GUILD] {
            h.leveling
                .add_xp(MemberId::new(guild, user), 400, None)
                .await
                .unwrap();
        }
    }

    // The prompt says what goes, with a confirm and a cancel button.
    h.command(6001, member(51), "forgetme", json!([]), json!({}));
    let prompt = h.followup(6001).await;
    let text = content(&prompt);
    assert!(text.contains("your progress in 2 servers"), "{text}");
    assert!(text.contains("cannot be undone"), "{text}");
    assert_eq!(prompt.body["flags"], json!(64));
    let [confirm, cancel] = <[String; 2]>::try_from(buttons(&prompt)).expect("two buttons");
    assert_eq!(
        prompt.body["components"][0]["components"][0]["style"],
        json!(4),
        "danger"
    );

    // Someone else's click counts for nothing (and is answered, privately).
    h.click(6002, member(52), &confirm, &prompt);
    let other = h.callback(6002).await;
    assert_eq!(other.body["type"], json!(4));
    assert_eq!(other.body["data"]["flags"], json!(64));
    assert!(content(&other).contains("someone else"), "{other:?}");
    // Cancel: the prompt is rewritten without buttons, nothing deleted.
    let before = h.xp(GUILD, 51).await;
    assert!(before > 400, "the command earned XP too");
    h.click(6003, member(51), &cancel, &prompt);
    let cancelled = h.callback(6003).await;
    assert_eq!(cancelled.body["type"], json!(7), "the prompt is updated");
    assert!(content(&cancelled).contains("nothing was deleted"));
    assert_eq!(cancelled.body["data"]["components"], json!([]));
    assert_eq!(h.xp(GUILD, 51).await, before);
    assert_eq!(h.xp(OTHER_GUILD, 51).await, 400);

    // Confirm: acknowledged, deleted, and the prompt says what went.
    h.command(6004, member(51), "forgetme", json!([]), json!({}));
    let prompt = h.followup(6004).await;
    let confirm = buttons(&prompt).remove(0);
    assert_ne!(confirm, buttons(&prompt)[1]);
    h.click(6005, member(51), &confirm, &prompt);
    assert_eq!(h.callback(6005).await.body["type"], json!(6));
    let done = h
        .fake
        .wait_for("the prompt edited", |r| {
            r.method == "PATCH"
                && r.path == format!("/api/v10/webhooks/{APP_ID}/itoken-6005/messages/@original")
        })
        .await;
    let text = content(&done);
    assert!(
        text.starts_with("🗑️ Deleted: your profile, your progress in 2 servers, "),
        "{text}"
    );
    assert_eq!(done.body["components"], json!([]));
    let data = h.leveling.user_data(51.into()).await.unwrap();
    assert!(
        data.profile.is_none() && data.members.is_empty(),
        "{data:?}"
    );
    // A later message makes a new profile: the bot forgot it had synced one.
    let id = h.fake.next_id();
    let author = user_json(51, "user51", false);
    h.fake.dispatch(
        "MESSAGE_CREATE",
        message_json(id, CHANNEL, Some(GUILD), &author, "back"),
    );
    for _ in 0..200 {
        if h.leveling.user(51.into()).await.unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(h.leveling.user(51.into()).await.unwrap().is_some());

    // No answer: after the timeout the buttons go, and nothing is deleted.
    h.command(6006, member(53), "forgetme", json!([]), json!({}));
    h.followup(6006).await;
    // poise edits the followup it sent, by its message id.
    let expired = h
        .fake
        .wait_for("the prompt expired", |r| {
            r.method == "PATCH"
                && r.path
                    .starts_with(&format!("/api/v10/webhooks/{APP_ID}/itoken-6006/messages/"))
        })
        .await;
    assert!(content(&expired).contains("nothing was deleted"));
    assert_eq!(expired.body["flags"], json!(64), "still ephemeral");
    assert_eq!(expired.body["components"], json!([]));
    assert_eq!(h.xp(OTHER_GUILD, 53).await, 400);
    assert!(h.leveling.user(53.into()).await.unwrap().is_some());
    h.stop().await;
}

/// A MEE6 player at `level` and `into` XP past its start.
fn player(user: u64, level: u32, into: u64) -> Value {
    json!({
        "id": user.to_string(),
        "username": format!("user{user}"),
        "level": level,
        "xp": Mee6Curve.xp_for_level(level) + into,
        "detailed_xp": [into, 100, Mee6Curve.xp_for_level(level) + into],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_of_mee6_pages_keeps_levels_gives_reward_roles_and_announces_nothing() {
    const REWARD: u64 = 9_005;
    let h = Harness::start(Settings::default()).await;
    h.patch(json!({
        "announce": {"mode": "channel", "channel_id": ANNOUNCE.to_string()},
        "rewards": {"mode": "stack", "roles": [{"level": 5, "role_id": REWARD.to_string()}]}
    }))
    .await;
    // 65 left the server long ago: Discord does not know them any more.
    h.fake.remove_member(GUILD, 65);
    // Two pages, as saved one after the other from MEE6's leaderboard.
    let file = format!(
        "{}\n{}\n",
        json!({"page": 0, "players": [player(61, 7, 40), player(65, 6, 0)]}),
        json!({"page": 1, "players": [player(62, 2, 10), player(63, 0, 0)]}),
    );
    let url = h
        .fake
        .serve_attachment("mee6.json", file.clone().into_bytes());
    let size = file.len() as u64;
    h.import(
        7001,
        ("mee6.json", size, &url),
        // poise sends a choice as its index: mee6, plain, leveling.
        json!([{"name": "format", "type": 4, "value": 0}]),
    );
    let reply = h.followup(7001).await;
    let text = content(&reply);
    assert!(
        text.starts_with("✅ Imported `mee6.json`: 3 members written, 1 unchanged, 0 skipped, in "),
        "{text}"
    );
    assert!(!text.contains("twice"), "replace is idempotent: {text}");
    assert_eq!(reply.body["flags"], json!(64));
    // keep=levels: each member is at their MEE6 level.
    assert_eq!(h.level(61).await, 7);
    assert_eq!(h.level(62).await, 2);
    assert_eq!(h.level(65).await, 6);
    assert_eq!(h.xp(GUILD, 63).await, 0);
    let history = h
        .leveling
        .history(MemberId::new(GUILD, 61), PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(history.items[0].source, Source::Import);
    assert_eq!(history.items[0].reason.as_deref(), Some("mee6.json"));
    // The attachment came from the fake CDN, without the bot's token.
    let download = h
        .fake
        .wait_for("the download", |r| r.path.starts_with("/attachments/"))
        .await;
    assert!(!download.authorized, "the token stays with the API");

    // The member past level 5 gets the reward role; the one below does not; the one who
    // left costs one lookup and stops nothing.
    let role = |user: u64| {
        move |r: &Recorded| {
            r.method == "PUT"
                && r.path == format!("/api/v10/guilds/{GUILD}/members/{user}/roles/{REWARD}")
        }
    };
    h.fake.wait_for("the reward role", role(61)).await;
    h.fake
        .wait_for("the departed member looked up", |r| {
            r.method == "GET" && r.path == format!("/api/v10/guilds/{GUILD}/members/65")
        })
        .await;
    // And not a single announcement. An admin's level-up afterwards is announced: the
    // channel works, the import just did not use it (the announcer is in order, so the
    // import's work is done once this one arrives).
    h.leveling
        .add_xp(MemberId::new(GUILD, 64), 200, None)
        .await
        .unwrap();
    let after = h
        .fake
        .wait_for("the later level-up announced", |r| {
            r.method == "POST" && r.path == format!("/api/v10/channels/{ANNOUNCE}/messages")
        })
        .await;
    assert!(content(&after).contains("<@64>"), "{after:?}");
    assert_eq!(announcements(&h).len(), 1, "{:#?}", announcements(&h));
    assert!(h.fake.matching(role(62)).is_empty());
    assert!(h.fake.matching(role(65)).is_empty());
    assert!(
        h.fake
            .matching(|r| r.path.contains("/members/62"))
            .is_empty(),
        "level 2 crosses no reward level: no call"
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_refuses_bad_files_big_files_other_hosts_and_members_and_add_says_it_adds() {
    let h = Harness::start(Settings::default()).await;
    h.leveling
        .add_xp(MemberId::new(GUILD, 71), 500, None)
        .await
        .unwrap();
    // A bad record: the reply names it, and nothing is applied (not even record 1).
    let bad = br#"[{"id":"71","xp":99999},{"id":"72","xp":-5}]"#.to_vec();
    let size = bad.len() as u64;
    let url = h.fake.serve_attachment("bot.json", bad);
    h.import(7101, ("bot.json", size, &url), plain(false));
    let text = content(&h.followup(7101).await);
    assert!(
        text.starts_with("❌ `bot.json` was not imported, nothing changed: record 2: "),
        "{text}"
    );
    assert_eq!(h.xp(GUILD, 71).await, 500);
    assert_eq!(h.xp(GUILD, 72).await, 0);

    // Over 10 MiB by its declared size: refused at once, nothing downloaded.
    let big = h.fake.serve_attachment("big.json", b"[]".to_vec());
    h.import(7102, ("big.json", 11 * MIB, &big), plain(false));
    let refused = h.callback(7102).await;
    assert_eq!(refused.body["type"], json!(4), "answered, not deferred");
    assert_eq!(refused.body["data"]["flags"], json!(64));
    assert_eq!(
        content(&refused),
        "❌ `big.json` is 11.0 MiB: `/import` takes files up to 10 MiB. Nothing was imported."
    );
    assert!(h.fake.matching(|r| r.path.contains("big.json")).is_empty());

    // A URL off the allowed hosts is not fetched.
    let elsewhere = url.replace("127.0.0.1", "localhost");
    h.import(7103, ("bot.json", size, &elsewhere), plain(false));
    let text = content(&h.followup(7103).await);
    assert!(
        text.contains("could not be downloaded (it is not on Discord's CDN (localhost))"),
        "{text}"
    );

    // Not an admin: refused before anything.
    let good = br#"[{"id":"71","xp":100},{"id":"73","xp":0}]"#.to_vec();
    let size = good.len() as u64;
    let url = h.fake.serve_attachment("good.json", good);
    let attachment = json!({"attachments": {"1": attachment_json(1, "good.json", size, &url)}});
    let mut options = plain(false).as_array().unwrap().clone();
    options.insert(0, json!({"name": "file", "type": 11, "value": "1"}));
    h.command(
        7104,
        member(91),
        "import",
        Value::Array(options),
        attachment,
    );
    assert!(content(&h.callback(7104).await).contains("Manage Server"));
    assert_eq!(h.xp(GUILD, 71).await, 500);

    // add: on top of the XP there is, and the reply says running it twice adds twice.
    h.import(7105, ("good.json", size, &url), plain(true));
    let text = content(&h.followup(7105).await);
    assert!(
        text.starts_with("✅ Imported `good.json`: 1 member written, 0 unchanged, 1 skipped (record 2 (user 73): 0 XP), in "),
        "{text}"
    );
    assert!(
        text.contains("running the same import twice adds it twice"),
        "{text}"
    );
    assert_eq!(h.xp(GUILD, 71).await, 600);
    h.stop().await;
}
