//! Tests of the whole settings value: its JSON, its defaults, patches, the award rule.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::{ChannelId, RoleId, Rules, Source};

fn defaults() -> GuildSettings {
    GuildSettings::from_rules(&Rules::default())
}

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).unwrap()
}

fn patch(json: serde_json::Value) -> GuildSettingsPatch {
    serde_json::from_value(json).unwrap()
}

#[test]
fn the_defaults_in_the_json_of_the_api_contract() {
    assert_eq!(
        serde_json::to_value(defaults()).unwrap(),
        json!({
            "rules": {
                "message": {"xp": 15, "cooldown_secs": 60},
                "command": {"xp": 5, "cooldown_secs": 30},
                "voice": {"xp": 10},
                "daily": {"xp": 50},
                "streak": {"xp_per_day": 10, "max_days": 30}
            },
            "multipliers": {"roles": {}, "channels": {}, "event": null},
            "no_xp": {"mode": "deny", "channels": [], "roles": []},
            "rewards": {"mode": "stack", "on_rejoin": "restore", "roles": []},
            "announce": {"mode": "same", "template": DEFAULT_TEMPLATE, "every": 1},
            "on_leave": {"policy": "keep", "grace_secs": 0},
            "leaderboard": {"page": true},
            "card": {
                "background": "#1e1f22", "panel": "#2b2d31", "text": "#f2f3f5",
                "muted": "#b5bac1", "bar": "#5865f2", "bar_track": "#40444b"
            }
        })
    );
}

#[test]
fn a_full_document_reads_and_unknown_fields_are_refused() {
    let mut document = serde_json::to_value(defaults()).unwrap();
    document["multipliers"]["roles"] = json!({"1": 2.0});
    document["announce"]["channel_id"] = json!("9");
    let settings: GuildSettings = serde_json::from_value(document.clone()).unwrap();
    assert_eq!(settings.multipliers.roles[&RoleId(1)], 2.0);
    assert_eq!(settings.announce.channel_id, Some(ChannelId(9)));

    let mut typo = document.clone();
    typo["no_xp"]["channel"] = json!([]);
    assert!(serde_json::from_value::<GuildSettings>(typo).is_err());
    let mut extra = document;
    extra["guild_id"] = json!("1");
    assert!(serde_json::from_value::<GuildSettings>(extra).is_err());
}

#[test]
fn the_empty_patch_changes_nothing() {
    let empty = patch(json!({}));
    assert_eq!(empty, GuildSettingsPatch::default());
    assert_eq!(defaults().apply(&empty).unwrap(), defaults());
    assert_eq!(serde_json::to_value(&empty).unwrap(), json!({}));
}

#[test]
fn objects_merge_at_every_level() {
    let changed = defaults()
        .apply(&patch(json!({
            "rules": {"message": {"xp": 20}, "streak": {"max_days": 7}},
            "announce": {"every": "tier"},
            "on_leave": {"grace_secs": 60}
        })))
        .unwrap();
    let mut expected = defaults();
    expected.rules.message.xp = 20;
    expected.rules.streak.max_days = 7;
    expected.announce.every = AnnounceEvery::TierChanges;
    expected.on_leave.grace_secs = 60;
    assert_eq!(changed, expected);
}

#[test]
fn lists_replace() {
    let mut start = defaults();
    start.no_xp.channels = vec![ChannelId(1), ChannelId(2)];
    start.rewards.roles = vec![RewardRole {
        level: 5,
        role_id: RoleId(50),
    }];
    let changed = start
        .apply(&patch(json!({
            "no_xp": {"channels": ["3"]},
            "rewards": {"roles": [{"level": 10, "role_id": "100"}], "mode": "replace"}
        })))
        .unwrap();
    assert_eq!(changed.no_xp.channels, [ChannelId(3)]);
    assert_eq!(changed.no_xp.roles, []);
    assert_eq!(
        changed.rewards.roles,
        [RewardRole {
            level: 10,
            role_id: RoleId(100)
        }]
    );
    assert_eq!(changed.rewards.mode, RewardMode::Replace);
    let cleared = changed
        .apply(&patch(json!({"no_xp": {"channels": []}})))
        .unwrap();
    assert!(cleared.no_xp.channels.is_empty());
}

#[test]
fn maps_merge_per_entry_and_null_removes_one() {
    let mut start = defaults();
    start.multipliers.roles = [(RoleId(1), 2.0), (RoleId(2), 3.0)].into();
    start.multipliers.channels = [(ChannelId(9), 0.5)].into();
    let changed = start
        .apply(&patch(json!({
            "multipliers": {"roles": {"2": null, "3": 1.5, "4": null}, "channels": {"9": 0}}
        })))
        .unwrap();
    assert_eq!(
        changed.multipliers.roles,
        [(RoleId(1), 2.0), (RoleId(3), 1.5)].into()
    );
    assert_eq!(changed.multipliers.channels, [(ChannelId(9), 0.0)].into());
}

#[test]
fn the_event_merges_starts_and_ends() {
    let start = defaults();
    // Starting one needs both fields.
    let error = start
        .apply(&patch(json!({"multipliers": {"event": {"factor": 2.0}}})))
        .unwrap_err();
    assert_eq!(error.field(), "multipliers.event.ends_at");
    let error = start
        .apply(&patch(
            json!({"multipliers": {"event": {"ends_at": "2030-01-01T00:00:00Z"}}}),
        ))
        .unwrap_err();
    assert_eq!(error.field(), "multipliers.event.factor");
    let running = start
        .apply(&patch(json!({
            "multipliers": {"event": {"factor": 2.0, "ends_at": "2030-01-01T00:00:00Z"}}
        })))
        .unwrap();
    let event = running.multipliers.event.unwrap();
    assert_eq!(event.factor, 2.0);
    assert_eq!(
        event.ends_at,
        Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap()
    );
    // A running one merges.
    let longer = running
        .apply(&patch(
            json!({"multipliers": {"event": {"ends_at": "2031-01-01T00:00:00+01:00"}}}),
        ))
        .unwrap();
    let event = longer.multipliers.event.unwrap();
    assert_eq!(event.factor, 2.0);
    assert_eq!(
        event.ends_at,
        Utc.with_ymd_and_hms(2030, 12, 31, 23, 0, 0).unwrap()
    );
    // `null` ends it; the other maps stay.
    let ended = longer
        .apply(&patch(json!({"multipliers": {"event": null}})))
        .unwrap();
    assert_eq!(ended.multipliers.event, None);
    assert_eq!(ended, start);
}

#[test]
fn announce_channel_id_null_unsets_it() {
    let channel = defaults()
        .apply(&patch(
            json!({"announce": {"mode": "channel", "channel_id": "5"}}),
        ))
        .unwrap();
    assert_eq!(channel.announce.channel_id, Some(ChannelId(5)));
    // Unsetting it while the mode still needs it is refused, naming the field.
    let error = channel
        .apply(&patch(json!({"announce": {"channel_id": null}})))
        .unwrap_err();
    assert_eq!(error.field(), "announce.channel_id");
    let same = channel
        .apply(&patch(
            json!({"announce": {"mode": "same", "channel_id": null}}),
        ))
        .unwrap();
    assert_eq!(same.announce.channel_id, None);
}

#[test]
fn null_where_nothing_can_be_removed_and_unknown_fields_are_errors() {
    for bad in [
        json!({"rules": null}),
        json!({"rules": {"message": {"xp": null}}}),
        json!({"multipliers": {"roles": null}}),
        json!({"no_xp": {"channels": null}}),
        json!({"announce": {"template": null}}),
        json!({"on_leave": {"policy": null}}),
        json!({"guild_id": "1"}),
        json!({"rules": {"mesage": {}}}),
        json!({"rules": {"message": {"cooldown": 5}}}),
        json!({"multipliers": {"event": {"factor": 2.0, "until": "2030-01-01T00:00:00Z"}}}),
        json!({"rewards": {"roles": [{"level": 1, "role_id": "1", "extra": true}]}}),
        json!({"announce": {"every": 0.5}}),
        json!({"no_xp": {"mode": "block"}}),
    ] {
        assert!(
            serde_json::from_value::<GuildSettingsPatch>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn a_refused_patch_names_the_field_and_changes_nothing() {
    let start = defaults();
    for (json, field) in [
        (
            json!({"rules": {"command": {"cooldown_secs": 90_000}}}),
            "rules.command.cooldown_secs",
        ),
        (
            json!({"multipliers": {"channels": {"77": -1}}}),
            "multipliers.channels.77",
        ),
        (
            json!({"announce": {"template": "{user} hit {levl}"}}),
            "announce.template",
        ),
        (json!({"announce": {"every": 0}}), "announce.every"),
        (
            json!({"rewards": {"roles": [{"level": 1, "role_id": "1"}, {"level": 1, "role_id": "2"}]}}),
            "rewards.roles[1].level",
        ),
    ] {
        let error = start.apply(&patch(json.clone())).unwrap_err();
        assert_eq!(error.field(), field, "{json}");
    }
    assert_eq!(start, defaults());
}

#[test]
fn a_patch_serialises_back_to_its_json() {
    let json = json!({
        "rules": {"message": {"xp": 20}},
        "multipliers": {"roles": {"1": 2.0, "2": null}, "event": null},
        "announce": {"channel_id": null, "every": "tier"}
    });
    assert_eq!(serde_json::to_value(patch(json.clone())).unwrap(), json);
}

#[test]
fn earned_xp_stacks_and_respects_no_xp() {
    let settings = defaults()
        .apply(&patch(json!({
            "multipliers": {
                "roles": {"1": 2.0, "2": 1.5, "3": 0},
                "channels": {"10": 0.5, "20": 3.0},
                "event": {"factor": 2.0, "ends_at": "1970-01-01T00:01:40Z"}
            },
            "no_xp": {"channels": ["30"], "roles": ["4"]}
        })))
        .unwrap();
    let base = settings.rules.rule_for(Source::Message).unwrap().xp;
    let earned = |context: &AwardContext, now| settings.earned_xp(base, context, now);
    // Highest role 2.0 × channel 20's 3.0 (nearer than category 10's 0.5) × event 2.0.
    let thread = AwardContext::new()
        .channel(21)
        .parent(20)
        .parent(10)
        .roles([1, 2]);
    assert_eq!(earned(&thread, at(99)), 15 * 12);
    // The event is over at ends_at exactly.
    assert_eq!(earned(&thread, at(100)), 15 * 6);
    // Category 10's 0.5 for another channel in it: 15 × 2 × 0.5 = 15.
    let other = AwardContext::new().channel(11).parent(10).roles([1]);
    assert_eq!(earned(&other, at(100)), 15);
    // 0× role.
    assert_eq!(earned(&other.clone().role(3), at(0)), 0);
    // No-XP channel (inherited by a thread) and no-XP role.
    let in_denied = AwardContext::new().channel(31).parent(30).roles([1]);
    assert_eq!(settings.factor(&in_denied, at(0)), 0.0);
    assert_eq!(
        earned(&AwardContext::new().channel(50).roles([4, 1]), at(0)),
        0
    );
    // Nothing known: the event only.
    assert_eq!(earned(&AwardContext::new(), at(0)), 30);
    // Voice: scaled once, on the minutes' total.
    let voice = settings.rules.rule_for(Source::Voice).unwrap().xp;
    assert_eq!(
        settings.earned_xp(voice * 7, &AwardContext::new().roles([2]), at(100)),
        105
    );
}

/// Settings that pass `validate`, with values exact in JSON.
fn valid_settings() -> impl Strategy<Value = GuildSettings> {
    let factor = (0u32..=1000).prop_map(|n| f64::from(n) / 100.0);
    let ids = |n| proptest::collection::btree_set(0u64..50, 0..n);
    let rules = (
        0..=MAX_RULE_XP,
        0..=MAX_COOLDOWN_SECS,
        0..=MAX_RULE_XP,
        0..=MAX_COOLDOWN_SECS,
        0..=MAX_RULE_XP,
        0..=MAX_RULE_XP,
        0..=MAX_RULE_XP,
        0..=MAX_STREAK_DAYS,
    )
        .prop_map(|(mx, mc, cx, cc, vx, dx, sx, sd)| XpRules {
            message: CooldownRule {
                xp: mx,
                cooldown_secs: mc,
            },
            command: CooldownRule {
                xp: cx,
                cooldown_secs: cc,
            },
            voice: VoiceRule { xp: vx },
            daily: BonusRule { xp: dx },
            streak: StreakRule {
                xp_per_day: sx,
                max_days: sd,
            },
        });
    let multipliers = (
        proptest::collection::btree_map(any::<u64>().prop_map(RoleId), factor.clone(), 0..5),
        proptest::collection::btree_map(any::<u64>().prop_map(ChannelId), factor.clone(), 0..5),
        proptest::option::of((1u32..=1000, -10_000_000_000i64..10_000_000_000)),
    )
        .prop_map(|(roles, channels, event)| Multipliers {
            roles,
            channels,
            event: event.map(|(factor, secs)| EventMultiplier {
                factor: f64::from(factor) / 100.0,
                ends_at: at(secs),
            }),
        });
    let no_xp = (any::<bool>(), ids(6), ids(6)).prop_map(|(allow, channels, roles)| NoXp {
        mode: if allow {
            NoXpMode::Allow
        } else {
            NoXpMode::Deny
        },
        channels: channels.into_iter().map(ChannelId).collect(),
        roles: roles.into_iter().map(RoleId).collect(),
    });
    let rewards = (
        any::<bool>(),
        any::<bool>(),
        proptest::collection::btree_map(0..=MAX_REWARD_LEVEL, 0u64..1_000, 0..6),
    )
        .prop_map(|(replace, restore, roles)| {
            // Distinct levels from the map; distinct roles by offsetting with the level.
            let roles = roles
                .into_iter()
                .map(|(level, role)| RewardRole {
                    level,
                    role_id: RoleId(role * 10_000 + u64::from(level)),
                })
                .collect();
            Rewards {
                mode: if replace {
                    RewardMode::Replace
                } else {
                    RewardMode::Stack
                },
                on_rejoin: if restore {
                    OnRejoin::Restore
                } else {
                    OnRejoin::Nothing
                },
                roles,
            }
        });
    let announce = (
        prop_oneof![
            Just(AnnounceMode::Off),
            Just(AnnounceMode::Same),
            Just(AnnounceMode::Channel),
            Just(AnnounceMode::Dm),
        ],
        proptest::option::of(any::<u64>().prop_map(ChannelId)),
        proptest::collection::vec(
            prop_oneof![
                "[a-zA-Z !🎉*]{1,8}",
                proptest::sample::select(Placeholder::ALL.to_vec()).prop_map(|p| p.to_string()),
                Just("{{".to_owned()),
                Just("}}".to_owned()),
            ],
            1..6,
        ),
        prop_oneof![
            (1u32..100).prop_map(AnnounceEvery::Levels),
            Just(AnnounceEvery::TierChanges)
        ],
    )
        .prop_map(|(mode, channel_id, parts, every)| Announce {
            mode,
            channel_id: if mode == AnnounceMode::Channel {
                Some(channel_id.unwrap_or(ChannelId(1)))
            } else {
                channel_id
            },
            template: format!("x{}", parts.concat()),
            every,
        });
    let on_leave = (0u8..3, 0..=MAX_GRACE_SECS).prop_map(|(policy, grace_secs)| OnLeave {
        policy: [
            LeavePolicy::Keep,
            LeavePolicy::ResetOnLeave,
            LeavePolicy::ResetOnBan,
        ][usize::from(policy)],
        grace_secs,
    });
    let colour = || any::<(u8, u8, u8)>().prop_map(|(r, g, b)| Colour::new(r, g, b));
    let card = (colour(), colour(), colour(), colour(), colour(), colour()).prop_map(
        |(background, panel, text, muted, bar, bar_track)| CardTheme {
            background,
            panel,
            text,
            muted,
            bar,
            bar_track,
        },
    );
    let display = (any::<bool>(), card);
    (
        rules,
        multipliers,
        no_xp,
        rewards,
        announce,
        on_leave,
        display,
    )
        .prop_map(
            |(rules, multipliers, no_xp, rewards, announce, on_leave, (page, card))| {
                GuildSettings {
                    rules,
                    multipliers,
                    no_xp,
                    rewards,
                    announce,
                    on_leave,
                    leaderboard: LeaderboardSettings { page },
                    card,
                }
            },
        )
}

proptest! {
    #[test]
    fn generated_settings_are_valid(settings in valid_settings()) {
        prop_assert_eq!(settings.validate(), Ok(()));
    }

    /// Any valid settings survive JSON unchanged.
    #[test]
    fn serde_round_trip(settings in valid_settings()) {
        let json = serde_json::to_string(&settings).unwrap();
        let back: GuildSettings = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, settings);
    }

    /// The empty patch is the identity on valid settings.
    #[test]
    fn the_empty_patch_is_the_identity(settings in valid_settings()) {
        prop_assert_eq!(settings.apply(&GuildSettingsPatch::default()), Ok(settings));
    }

    /// A whole document used as a patch gives that document, from any valid settings.
    #[test]
    fn a_full_patch_replaces_everything(from in valid_settings(), to in valid_settings()) {
        let mut json = serde_json::to_value(&to).unwrap();
        // Maps merge: remove the old entries the new value does not have.
        for map in ["roles", "channels"] {
            let old = serde_json::to_value(&from).unwrap()["multipliers"][map].clone();
            for (key, _) in old.as_object().unwrap() {
                let entries = json["multipliers"][map].as_object_mut().unwrap();
                entries.entry(key.clone()).or_insert(serde_json::Value::Null);
            }
        }
        // `channel_id` absent means "unchanged" in a patch: say `null` to unset it.
        if to.announce.channel_id.is_none() {
            json["announce"]["channel_id"] = serde_json::Value::Null;
        }
        let patch: GuildSettingsPatch = serde_json::from_value(json).unwrap();
        prop_assert_eq!(from.apply(&patch), Ok(to));
    }

    /// With no multiplier and nothing listed, every award pays its base.
    #[test]
    fn defaults_pay_the_base(
        base in 0u64..=MAX_RULE_XP,
        channel in proptest::option::of(any::<u64>()),
        roles in proptest::collection::vec(any::<u64>(), 0..4),
        now in any::<i32>(),
    ) {
        let mut context = AwardContext::new().roles(roles);
        context.channel = channel.map(ChannelId);
        prop_assert_eq!(defaults().earned_xp(base, &context, at(i64::from(now))), base);
    }
}

/// The API view the HTTP slice will serve: the value flattened between `guild_id` and
/// `updated_at`, exactly the contract's shape.
#[test]
fn an_api_view_flattens_the_value() {
    #[derive(Serialize)]
    struct View<'a> {
        guild_id: crate::GuildId,
        #[serde(flatten)]
        settings: &'a GuildSettings,
        updated_at: DateTime<Utc>,
    }
    let settings = defaults();
    let view = View {
        guild_id: crate::GuildId(42),
        settings: &settings,
        updated_at: at(0),
    };
    let json = serde_json::to_value(&view).unwrap();
    let mut expected = serde_json::to_value(&settings).unwrap();
    expected["guild_id"] = json!("42");
    expected["updated_at"] = json!("1970-01-01T00:00:00Z");
    assert_eq!(json, expected);
    // Its value part reads back on its own.
    let mut value = json;
    let object = value.as_object_mut().unwrap();
    object.remove("guild_id");
    object.remove("updated_at");
    assert_eq!(
        serde_json::from_value::<GuildSettings>(value).unwrap(),
        settings
    );
}

#[test]
fn documents_without_the_display_sections_read_as_the_defaults() {
    let mut json = serde_json::to_value(GuildSettings::from_rules(&Rules::default())).unwrap();
    let object = json.as_object_mut().unwrap();
    object.remove("leaderboard");
    object.remove("card");
    let read: GuildSettings = serde_json::from_value(json).unwrap();
    assert!(read.leaderboard.page);
    assert_eq!(read.card, CardTheme::default());
}

#[test]
fn the_page_switch_and_card_colours_patch_field_by_field() {
    let settings = GuildSettings::from_rules(&Rules::default());
    let patch: GuildSettingsPatch = serde_json::from_value(json!({
        "leaderboard": {"page": false},
        "card": {"bar": "#FF0080"}
    }))
    .unwrap();
    let changed = settings.apply(&patch).unwrap();
    assert!(!changed.leaderboard.page);
    assert_eq!(changed.card.bar, Colour::new(0xff, 0x00, 0x80));
    assert_eq!(
        changed.card.panel, settings.card.panel,
        "merged, not replaced"
    );
    assert_eq!(
        serde_json::to_value(changed.card).unwrap()["bar"],
        json!("#ff0080")
    );
    for bad in [
        json!({"card": {"bar": "red"}}),
        json!({"card": {"bar": "#ff008"}}),
        json!({"card": {"bar": null}}),
        json!({"card": {"glow": "#ffffff"}}),
        json!({"leaderboard": {"page": "no"}}),
    ] {
        assert!(
            serde_json::from_value::<GuildSettingsPatch>(bad.clone()).is_err(),
            "{bad}"
        );
    }
}
