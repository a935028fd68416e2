//! The pure side of `/config`: a dotted path and a value into a one-field
//! [`GuildSettingsPatch`], the settings as a Discord message, the reward list.

use leveling_core::{GuildSettings, GuildSettingsPatch, RewardRole, SettingsError};
use serde_json::{Map, Value};

/// Discord's limit on a message's content, in characters.
pub const MESSAGE_LIMIT: usize = 2000;

/// A one-field patch from a dotted `path` into the settings' JSON shape and a `value`,
/// as `/config set key:<path> value:<value>` takes them.
///
/// The value is read as JSON when it is JSON (`20`, `2.5`, `true`, `"text"`, `["1","2"]`,
/// `null` to remove a map entry or unset a channel), otherwise as a string (`GG {user}`,
/// `replace`). Ids may be written bare (`123`) or as Discord mentions (`<#123>`,
/// `<@&123>`). Map keys are path segments: `multipliers.roles.<role_id>` (a mention
/// works there too).
///
/// The error names the field (`path`, or the deeper field serde names) and says what is
/// wrong; the patch is checked further (limits, placeholders) when it is applied.
///
/// ```
/// use leveling_discord::guild_config::patch_from_path;
///
/// let patch = patch_from_path("rules.message.xp", "20").unwrap();
/// assert_eq!(patch.rules.unwrap().message.unwrap().xp, Some(20));
/// let patch = patch_from_path("announce.template", "GG {user}").unwrap();
/// assert_eq!(patch.announce.unwrap().template.as_deref(), Some("GG {user}"));
/// let error = patch_from_path("rules.message.xp", "lots").unwrap_err();
/// assert_eq!(error.field(), "rules.message.xp");
/// ```
pub fn patch_from_path(path: &str, value: &str) -> Result<GuildSettingsPatch, SettingsError> {
    let path = path.trim();
    let segments: Vec<&str> = path.split('.').map(str::trim).collect();
    if path.is_empty() || segments.iter().any(|s| s.is_empty()) {
        return Err(SettingsError::new(
            if path.is_empty() { "key" } else { path },
            "a key is a dotted path such as rules.message.xp or announce.template",
        ));
    }
    let value = parse_value(value);
    let mut document = value;
    for segment in segments.iter().rev() {
        let mut object = Map::new();
        let key = mention_id(segment).unwrap_or(segment);
        object.insert(key.to_owned(), document);
        document = Value::Object(object);
    }
    let attempt = serde_json::from_value::<GuildSettingsPatch>(document.clone());
    match attempt {
        Ok(patch) => Ok(patch),
        Err(error) => {
            // Numbers where ids (strings) are expected: try again with them as strings.
            let stringified = stringify_numbers(document);
            serde_json::from_value::<GuildSettingsPatch>(stringified)
                .map_err(|_| SettingsError::new(path, clean_serde_message(&error.to_string())))
        }
    }
}

/// The value of `/config set`: JSON when it parses (a mention is its id), else a string.
fn parse_value(value: &str) -> Value {
    let trimmed = value.trim();
    if let Some(id) = mention_id(trimmed) {
        return Value::String(id.to_owned());
    }
    serde_json::from_str(trimmed).unwrap_or_else(|_| Value::String(value.to_owned()))
}

/// The id in a channel or role mention (`<#1>`, `<@&1>`).
fn mention_id(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('<')?.strip_suffix('>')?;
    let id = inner
        .strip_prefix("#")
        .or_else(|| inner.strip_prefix("@&"))?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Every whole number in `value` as a string (ids are strings in the settings' JSON).
fn stringify_numbers(value: Value) -> Value {
    match value {
        Value::Number(n) if n.is_u64() => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.into_iter().map(stringify_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, stringify_numbers(v)))
                .collect(),
        ),
        other => other,
    }
}

/// serde's message without its position suffix (meaningless for a one-field document).
fn clean_serde_message(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// The settings as a message for `/config view`: pretty JSON in a code block, compact
/// JSON when that is too long, and cut (saying so) when even that does not fit Discord's
/// [`MESSAGE_LIMIT`].
///
/// ```
/// use leveling_core::{GuildSettings, Rules};
/// use leveling_discord::guild_config::{settings_message, MESSAGE_LIMIT};
///
/// let text = settings_message(&GuildSettings::from_rules(&Rules::default()), true);
/// assert!(text.contains("\"message\""));
/// assert!(text.chars().count() <= MESSAGE_LIMIT);
/// ```
pub fn settings_message(settings: &GuildSettings, own: bool) -> String {
    let heading = if own {
        "⚙️ This server's settings:"
    } else {
        "⚙️ This server uses the defaults:"
    };
    let fits = |json: &str| format!("{heading}\n```json\n{json}\n```");
    let pretty = serde_json::to_string_pretty(settings).unwrap_or_default();
    let text = fits(&pretty);
    if text.chars().count() <= MESSAGE_LIMIT {
        return text;
    }
    let compact = serde_json::to_string(settings).unwrap_or_default();
    let text = fits(&compact);
    if text.chars().count() <= MESSAGE_LIMIT {
        return text;
    }
    let note = "\n… (cut to fit a Discord message: the HTTP API shows them all)";
    let room = MESSAGE_LIMIT - heading.chars().count() - note.chars().count() - 16;
    let cut: String = compact.chars().take(room).collect();
    format!("{heading}\n```json\n{cut}\n```{note}")
}

/// The reward roles after adding `role` at `level`: any entry for the same role or the
/// same level is replaced (one role per level, each role once), sorted by level.
///
/// ```
/// use leveling_core::{RewardRole, RoleId};
/// use leveling_discord::guild_config::with_reward;
///
/// let roles = vec![RewardRole { level: 5, role_id: RoleId(50) }];
/// let roles = with_reward(&roles, 10, RoleId(100));
/// let roles = with_reward(&roles, 3, RoleId(50)); // moves role 50 to level 3
/// assert_eq!(roles.iter().map(|r| (r.level, r.role_id.get())).collect::<Vec<_>>(), [(3, 50), (10, 100)]);
/// ```
pub fn with_reward(
    roles: &[RewardRole],
    level: u32,
    role: leveling_core::RoleId,
) -> Vec<RewardRole> {
    let mut roles: Vec<RewardRole> = roles
        .iter()
        .filter(|r| r.role_id != role && r.level != level)
        .copied()
        .collect();
    roles.push(RewardRole {
        level,
        role_id: role,
    });
    roles.sort_by_key(|r| r.level);
    roles
}

/// The reward roles as lines (`Level 5: <@&50>`), or a line saying there are none.
pub fn reward_lines(settings: &GuildSettings) -> String {
    let mut roles = settings.rewards.roles.clone();
    if roles.is_empty() {
        return "No reward roles yet: add one with `/config reward add`.".to_owned();
    }
    roles.sort_by_key(|r| r.level);
    let mode = match settings.rewards.mode {
        leveling_core::RewardMode::Stack => "stack: members keep every reward they reached",
        leveling_core::RewardMode::Replace => "replace: members hold only the highest reached",
    };
    let mut out = format!("🏅 Reward roles ({mode}):");
    for reward in roles {
        out.push_str(&format!("\nLevel {}: <@&{}>", reward.level, reward.role_id));
    }
    out
}

#[cfg(test)]
mod tests {
    use leveling_core::{
        AnnounceEvery, AnnounceMode, ChannelId, GuildSettings, NoXpMode, RoleId, Rules,
    };

    use super::*;

    fn apply(path: &str, value: &str) -> GuildSettings {
        let patch = patch_from_path(path, value).unwrap_or_else(|e| panic!("{path}: {e}"));
        GuildSettings::from_rules(&Rules::default())
            .apply(&patch)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn numbers_strings_and_enums() {
        assert_eq!(apply("rules.message.xp", "40").rules.message.xp, 40);
        assert_eq!(
            apply("rules.command.cooldown_secs", " 10 ")
                .rules
                .command
                .cooldown_secs,
            10
        );
        assert_eq!(
            apply("announce.template", "GG {user}, level {level}")
                .announce
                .template,
            "GG {user}, level {level}"
        );
        assert_eq!(apply("announce.mode", "dm").announce.mode, AnnounceMode::Dm);
        assert_eq!(
            apply("announce.mode", "\"off\"").announce.mode,
            AnnounceMode::Off
        );
        assert_eq!(
            apply("announce.every", "5").announce.every,
            AnnounceEvery::Levels(5)
        );
        assert_eq!(
            apply("announce.every", "tier").announce.every,
            AnnounceEvery::TierChanges
        );
        assert_eq!(apply("no_xp.mode", "allow").no_xp.mode, NoXpMode::Allow);
    }

    #[test]
    fn ids_bare_quoted_or_mentioned_and_map_entries() {
        for value in ["42", "\"42\"", "<#42>"] {
            assert_eq!(
                apply("announce.channel_id", value).announce.channel_id,
                Some(ChannelId(42)),
                "{value}"
            );
        }
        assert_eq!(
            apply("no_xp.channels", "[1, \"2\"]").no_xp.channels,
            [ChannelId(1), ChannelId(2)]
        );
        let settings = apply("multipliers.roles.123", "2");
        assert_eq!(settings.multipliers.roles.get(&RoleId(123)), Some(&2.0));
        // A mention works as a map key too.
        let settings = apply("multipliers.channels.<#9>", "0.5");
        assert_eq!(settings.multipliers.channels.get(&ChannelId(9)), Some(&0.5));
        let settings = apply("multipliers.roles.<@&8>", "null");
        assert!(settings.multipliers.roles.is_empty());
    }

    #[test]
    fn bad_values_and_paths_name_the_field() {
        let error = patch_from_path("rules.message.xp", "lots").unwrap_err();
        assert_eq!(error.field(), "rules.message.xp");
        assert!(error.message().contains("invalid type"), "{error}");
        let error = patch_from_path("rules.mesage.xp", "20").unwrap_err();
        assert_eq!(error.field(), "rules.mesage.xp");
        assert!(
            error.message().contains("unknown field `mesage`"),
            "{error}"
        );
        let error = patch_from_path("announce.mode", "loud").unwrap_err();
        assert!(error.message().contains("unknown variant"), "{error}");
        assert_eq!(patch_from_path("", "1").unwrap_err().field(), "key");
        assert_eq!(
            patch_from_path("rules..xp", "1").unwrap_err().field(),
            "rules..xp"
        );
        assert!(!error.message().contains(" at line "), "{error}");
    }

    #[test]
    fn the_view_always_fits_a_message() {
        let mut settings = GuildSettings::from_rules(&Rules::default());
        let text = settings_message(&settings, false);
        assert!(text.starts_with("⚙️ This server uses the defaults:"));
        assert!(text.contains("```json\n{\n"), "pretty when it fits");
        settings.no_xp.channels = (1..=200)
            .map(|c| ChannelId(10_000_000_000_000_000 + c))
            .collect();
        let text = settings_message(&settings, true);
        assert!(
            text.chars().count() <= MESSAGE_LIMIT,
            "{}",
            text.chars().count()
        );
        assert!(text.ends_with("the HTTP API shows them all)"), "{text}");
    }

    #[test]
    fn rewards_list() {
        let mut settings = GuildSettings::from_rules(&Rules::default());
        assert!(reward_lines(&settings).starts_with("No reward roles yet"));
        settings.rewards.roles = with_reward(&[], 10, RoleId(100));
        settings.rewards.roles = with_reward(&settings.rewards.roles, 5, RoleId(50));
        assert_eq!(
            reward_lines(&settings),
            "🏅 Reward roles (stack: members keep every reward they reached):\nLevel 5: <@&50>\nLevel 10: <@&100>"
        );
    }
}
