//! `/openapi.json` is a valid OpenAPI 3.1 document listing every route; `/docs` serves
//! the Swagger UI from the binary.

mod common;

use std::collections::BTreeSet;

use common::app;
use leveling_http::{ID_PATTERN, TOOL_ID_PATTERN};
use serde_json::{Value, json};

const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/users"),
    ("get", "/api/users"),
    ("get", "/api/users/{discord_id}"),
    ("get", "/api/users/{discord_id}/card.png"),
    ("patch", "/api/users/{discord_id}"),
    ("delete", "/api/users/{discord_id}"),
    ("get", "/api/users/{discord_id}/export"),
    ("post", "/api/leveling/xp"),
    ("get", "/api/leveling/leaderboard"),
    ("get", "/api/leveling/xp-history/{discord_id}"),
    ("post", "/api/tools"),
    ("get", "/api/tools"),
    ("get", "/api/tools/user/{discord_id}"),
    ("post", "/api/tools/unlock/{discord_id}/{tool_id}"),
    ("get", "/api/guilds/{guild_id}/settings"),
    ("patch", "/api/guilds/{guild_id}/settings"),
    ("delete", "/api/guilds/{guild_id}/settings"),
    ("get", "/api/guilds/{guild_id}/settings/audit"),
    ("get", "/healthz"),
    ("get", "/readyz"),
];

fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn openapi_document_is_valid_and_complete() {
    let app = app();
    let reply = app.get("/openapi.json").await;
    let doc = reply.ok(200).clone();

    // A well-formed OpenAPI 3.1 document (parsed by the `oas3` model).
    let spec = oas3::from_json(&reply.text).expect("the document parses as OpenAPI 3.1");
    let version = spec.validate_version().expect("a supported version");
    assert_eq!((version.major, version.minor), (3, 1));

    // Exactly the routes of the API.
    let mut listed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "patch", "put", "delete"].contains(&method.as_str()) {
                listed.insert((method.clone(), path.clone()));
            }
        }
    }
    let expected: BTreeSet<_> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(listed, expected);

    // Every route documents its answers; mutating ones need the bearer key and document
    // 401/403; everything but the probes and the catalog documents its error body.
    for (method, path) in ROUTES {
        let op = &doc["paths"][path][method];
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}"
        );
        if *method != "get" {
            assert_eq!(
                op["security"][0]["bearer"],
                Value::Array(vec![]),
                "{method} {path}"
            );
            for status in ["401", "403", "422"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
            }
        }
        for param in op["parameters"].as_array().into_iter().flatten() {
            if param["in"] == "path" {
                assert!(path.contains(&format!("{{{}}}", param["name"].as_str().unwrap())));
            }
        }
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    // A user's data export is a GET, yet needs the key: it is all of a person's data.
    let export = &doc["paths"]["/api/users/{discord_id}/export"]["get"];
    assert_eq!(export["security"][0]["bearer"], json!([]));
    let statuses: BTreeSet<&str> = export["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        statuses,
        BTreeSet::from(["200", "401", "403", "404", "408", "422", "429", "503"])
    );
    assert_eq!(
        export["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/UserExport"
    );
    assert!(export["responses"]["200"]["headers"]["Content-Disposition"].is_object());
    let delete = &doc["paths"]["/api/users/{discord_id}"]["delete"];
    assert_eq!(
        delete["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/UserDeleted"
    );
    assert!(delete["responses"]["404"].is_object());
    assert!(delete.get("requestBody").is_none());

    // Every reference resolves.
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    assert!(targets.len() > 20);
    for target in targets {
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {target}");
    }
    // The award body is exactly one of four forms, each closed to other fields.
    let award = &doc["components"]["schemas"]["AwardXp"];
    let forms: Vec<_> = award["oneOf"]
        .as_array()
        .expect("AwardXp is a oneOf")
        .iter()
        .map(|f| {
            f["$ref"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(forms, ["GrantXp", "ActivityXp", "VoiceXp", "DailyXp"]);
    let schemas = &doc["components"]["schemas"];
    for (form, required) in [
        ("GrantXp", &["discord_id", "amount"][..]),
        ("ActivityXp", &["discord_id", "source"][..]),
        ("VoiceXp", &["discord_id", "source"][..]),
        ("DailyXp", &["discord_id", "source"][..]),
    ] {
        let schema = &schemas[form];
        assert_eq!(schema["additionalProperties"], false, "{form}");
        for field in required {
            assert!(
                schema["required"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(field)),
                "{form}.{field} required"
            );
        }
    }
    assert_eq!(schemas["GrantXp"]["properties"]["amount"]["minimum"], 1);
    assert_eq!(
        schemas["GrantXp"]["properties"]["amount"]["maximum"],
        1_000_000
    );
    assert_eq!(schemas["VoiceXp"]["properties"]["minutes"]["maximum"], 60);
    assert_eq!(
        schemas["CreateTool"]["properties"]["id"]["pattern"],
        TOOL_ID_PATTERN
    );

    // Ids: a pattern in paths and queries; a string or an integer in bodies.
    for (method, path) in ROUTES {
        for param in doc["paths"][path][method]["parameters"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let name = param["name"].as_str().unwrap();
            if name == "discord_id" || name == "guild_id" {
                assert_eq!(
                    param["schema"]["pattern"], ID_PATTERN,
                    "{method} {path} {name}"
                );
            }
            if name == "tool_id" {
                assert_eq!(param["schema"]["pattern"], TOOL_ID_PATTERN);
            }
            if name == "limit" {
                assert_eq!(param["schema"]["minimum"], 1, "{path}: limit 0 is refused");
                assert_eq!(param["schema"]["maximum"], u64::from(u32::MAX));
            }
        }
    }
    let id = &schemas["CreateUser"]["properties"]["discord_id"]["oneOf"];
    assert_eq!(id[0]["pattern"], ID_PATTERN);
    assert_eq!(id[1]["type"], "integer");
    assert_eq!(id[1]["maximum"], u64::MAX);

    // 415 wherever a JSON body is read; 408 and (but /healthz) 503 everywhere.
    for (method, path) in ROUTES {
        let op = &doc["paths"][path][method];
        let responses = op["responses"].as_object().unwrap();
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "415", "422"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
        assert!(responses.contains_key("408"), "{method} {path} lacks 408");
        if *path != "/healthz" {
            assert!(responses.contains_key("503"), "{method} {path} lacks 503");
        }
    }
}

#[tokio::test]
async fn swagger_ui_is_served_offline() {
    let app = app();
    let mut reply = app.get("/docs").await;
    if reply.status.is_redirection() {
        let location = reply.headers["location"].to_str().unwrap().to_owned();
        reply = app.get(&location).await;
    }
    assert_eq!(reply.status, 200);
    assert!(reply.text.contains("swagger-ui"), "{}", reply.text);
    let init = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(init.status, 200);
    assert!(init.text.contains("/openapi.json"), "{}", init.text);
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status, 200);
    assert!(bundle.text.len() > 100_000, "the vendored bundle is served");
}

/// The served document states the engine's configured limits, not the types' defaults:
/// the grant and voice maximums, the tier names, the levels a tool may require.
#[tokio::test]
async fn openapi_document_states_the_configured_limits() {
    use std::sync::Arc;

    use leveling_core::{Leveling, Mee6Curve, Progression, Rules, Tier, Tiers};
    use leveling_http::Api;
    use leveling_storage_memory::MemoryStore;

    let tier = |name: &str, min_level, max_level| Tier {
        name: name.into(),
        min_level,
        max_level,
    };
    let tiers = Tiers::new(vec![tier("Bronze", 0, 4), tier("Silver", 5, 9)]).unwrap();
    let progression = Progression::new(Arc::new(Mee6Curve), 9, tiers).unwrap();
    let rules = Rules {
        max_grant: 500,
        max_voice_minutes: 30,
        ..Rules::default()
    };
    let leveling = Leveling::builder(MemoryStore::new())
        .rules(rules)
        .progression(progression)
        .build();
    let api = Api::new(leveling.clone());
    let served = serde_json::to_value(api.openapi()).unwrap();
    let schemas = &served["components"]["schemas"];
    assert_eq!(schemas["GrantXp"]["properties"]["amount"]["maximum"], 500);
    assert_eq!(schemas["VoiceXp"]["properties"]["minutes"]["maximum"], 30);
    let level = &schemas["CreateTool"]["properties"]["required_level"];
    assert_eq!(
        (&level["minimum"], &level["maximum"]),
        (&json!(0), &json!(9))
    );
    assert!(level.get("format").is_none(), "{level}");
    assert_eq!(schemas["TierName"]["enum"], json!(["Bronze", "Silver"]));

    // The router serves the same document.
    let app = common::TestApp {
        router: api.router(),
        leveling,
    };
    assert_eq!(app.get("/openapi.json").await.ok(200), &served);
}

// ---- the settings schemas: a mirror of the core's types, held to them here ----

/// A small JSON Schema check of what the settings schemas use (`$ref`, `oneOf`, `type`,
/// `properties`/`required`/`additionalProperties`/`propertyNames`/`maxProperties`,
/// `items`/`maxItems`, `enum`, numeric bounds, `pattern`, `maxLength`). With `every`,
/// each object must also hold *every* property its schema lists, so a schema property the
/// core type lacks is caught as well as a core field the schema lacks.
fn errors(doc: &Value, schema: &Value, value: &Value, at: &str, every: bool) -> Vec<String> {
    let mut out = Vec::new();
    check(doc, schema, value, at, every, &mut out);
    out
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, every: bool, out: &mut Vec<String>) {
    if let Some(target) = schema["$ref"].as_str() {
        let resolved = doc
            .pointer(target.trim_start_matches('#'))
            .expect("resolves");
        return check(doc, resolved, value, at, every, out);
    }
    if let Some(alternatives) = schema["oneOf"].as_array() {
        let matching: Vec<_> = alternatives
            .iter()
            .map(|a| errors(doc, a, value, at, every))
            .collect();
        if matching.iter().filter(|e| e.is_empty()).count() != 1 {
            out.push(format!("{at}: not exactly one of oneOf: {matching:?}"));
        }
        return;
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(value)
    {
        out.push(format!("{at}: {value} not in {values:?}"));
    }
    let number = |key: &str| schema[key].as_f64();
    match schema["type"].as_str() {
        Some("object") => {
            let Some(map) = value.as_object() else {
                return out.push(format!("{at}: not an object"));
            };
            let properties = schema["properties"].as_object();
            for (key, item) in map {
                let at = format!("{at}.{key}");
                match properties.and_then(|p| p.get(key)) {
                    Some(property) => check(doc, property, item, &at, every, out),
                    None => match &schema["additionalProperties"] {
                        Value::Bool(false) => out.push(format!("{at}: not in the schema")),
                        Value::Object(_) => {
                            check(doc, &schema["propertyNames"], &json!(key), &at, every, out);
                            check(doc, &schema["additionalProperties"], item, &at, every, out);
                        }
                        _ => {}
                    },
                }
            }
            for key in schema["required"].as_array().into_iter().flatten() {
                if !map.contains_key(key.as_str().unwrap()) {
                    out.push(format!("{at}.{key}: required, missing"));
                }
            }
            if every {
                for key in properties.into_iter().flat_map(|p| p.keys()) {
                    if !map.contains_key(key) {
                        out.push(format!("{at}.{key}: in the schema, not in the value"));
                    }
                }
            }
            if let Some(max) = schema["maxProperties"].as_u64()
                && map.len() as u64 > max
            {
                out.push(format!("{at}: more than {max} properties"));
            }
        }
        Some("array") => {
            let Some(items) = value.as_array() else {
                return out.push(format!("{at}: not an array"));
            };
            if let Some(max) = schema["maxItems"].as_u64()
                && items.len() as u64 > max
            {
                out.push(format!("{at}: more than {max} items"));
            }
            for (i, item) in items.iter().enumerate() {
                check(
                    doc,
                    &schema["items"],
                    item,
                    &format!("{at}[{i}]"),
                    every,
                    out,
                );
            }
        }
        Some(kind @ ("integer" | "number")) => {
            let Some(n) = value.as_f64() else {
                return out.push(format!("{at}: not a number"));
            };
            if kind == "integer" && !(value.is_u64() || value.is_i64() || n.fract() == 0.0) {
                out.push(format!("{at}: not an integer"));
            }
            if number("minimum").is_some_and(|m| n < m)
                || number("maximum").is_some_and(|m| n > m)
                || number("exclusiveMinimum").is_some_and(|m| n <= m)
            {
                out.push(format!("{at}: {n} out of bounds"));
            }
        }
        Some("string") => {
            let Some(s) = value.as_str() else {
                return out.push(format!("{at}: not a string"));
            };
            if let Some(pattern) = schema["pattern"].as_str()
                && !regex::Regex::new(pattern).unwrap().is_match(s)
            {
                out.push(format!("{at}: {s:?} does not match {pattern}"));
            }
            if schema["maxLength"]
                .as_u64()
                .is_some_and(|m| s.chars().count() as u64 > m)
            {
                out.push(format!("{at}: too long"));
            }
        }
        Some("boolean") if !value.is_boolean() => out.push(format!("{at}: not a boolean")),
        Some("null") if !value.is_null() => out.push(format!("{at}: not null")),
        _ => {}
    }
}

/// Settings with every optional part set: an event, a channel, map and list entries.
fn full_settings() -> leveling_core::GuildSettings {
    use leveling_core::{GuildSettings, GuildSettingsPatch, Rules};
    let patch: GuildSettingsPatch = serde_json::from_value(json!({
        "multipliers": {
            "roles": {"1": 2.0}, "channels": {"2": 0.5},
            "event": {"factor": 1.5, "ends_at": "2030-01-01T00:00:00Z"},
        },
        "no_xp": {"mode": "allow", "channels": ["3"], "roles": ["4"]},
        "rewards": {"mode": "replace", "on_rejoin": "none", "roles": [{"level": 5, "role_id": "6"}]},
        "announce": {"mode": "channel", "channel_id": "7", "template": "{user} {{GG}}", "every": "tier"},
        "on_leave": {"policy": "reset_on_ban", "grace_secs": 60},
        "leaderboard": {"page": false},
        "card": {"background": "#000000", "bar": "#FFAA00"},
    }))
    .unwrap();
    GuildSettings::from_rules(&Rules::default())
        .apply(&patch)
        .unwrap()
}

#[tokio::test]
async fn the_settings_schemas_mirror_the_core_types() {
    use leveling_core::settings::{
        MAX_COOLDOWN_SECS, MAX_GRACE_SECS, MAX_LIST_LEN, MAX_MULTIPLIER, MAX_REWARD_ROLES,
        MAX_RULE_XP, MAX_TEMPLATE_CHARS,
    };
    use leveling_core::{GuildSettings, GuildSettingsPatch, Rules};

    let app = app();
    let doc = app.get("/openapi.json").await.ok(200).clone();
    let schemas = &doc["components"]["schemas"];

    // The served schemas are exactly the JSON written in the crate (nothing lost on the
    // way through utoipa's model).
    // (Numbers compare by value: `10.0` is served as `10`.)
    fn numbers(value: &mut Value) {
        match value {
            Value::Number(n)
                if n.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) =>
            {
                *n = serde_json::Number::from(n.as_f64().unwrap() as i64);
            }
            Value::Array(items) => items.iter_mut().for_each(numbers),
            Value::Object(map) => map.values_mut().for_each(numbers),
            _ => {}
        }
    }
    for (name, mut json) in leveling_http::settings_schemas() {
        let mut served = schemas[name].clone();
        numbers(&mut served);
        numbers(&mut json);
        assert_eq!(served, json, "{name}");
    }

    // The core's value matches the schema both ways: the defaults (required fields, no
    // field the schema lacks) and a value with every optional part (every property).
    let schema = &schemas["GuildSettings"];
    let defaults = serde_json::to_value(GuildSettings::from_rules(&Rules::default())).unwrap();
    assert_eq!(
        errors(&doc, schema, &defaults, "$", false),
        Vec::<String>::new()
    );
    let full = serde_json::to_value(full_settings()).unwrap();
    assert_eq!(errors(&doc, schema, &full, "$", true), Vec::<String>::new());

    // The answers of the routes match theirs.
    app.send(
        "PATCH",
        "/api/guilds/9/settings",
        Some(serde_json::to_value(full_settings()).unwrap()),
    )
    .await
    .ok(200);
    let view = app.get("/api/guilds/9/settings").await;
    let view_schema = &schemas["GuildSettingsView"];
    assert_eq!(
        errors(&doc, view_schema, view.ok(200), "$", true),
        Vec::<String>::new()
    );
    let fresh = app.get("/api/guilds/10/settings").await;
    assert_eq!(
        errors(&doc, view_schema, fresh.ok(200), "$", false),
        Vec::<String>::new()
    );
    let audit = app.get("/api/guilds/9/settings/audit").await;
    assert_eq!(
        // (`before` is the defaults, without `announce.channel_id`.)
        errors(&doc, &schemas["SettingsAudit"], audit.ok(200), "$", false),
        Vec::<String>::new()
    );

    // The patch schema takes a full value (any subset of the shape is a patch), and what
    // it refuses the core refuses.
    let patch = &schemas["GuildSettingsPatch"];
    assert_eq!(errors(&doc, patch, &full, "$", true), Vec::<String>::new());
    for bad in [
        json!({"rules": {"message": {"xp": MAX_RULE_XP + 1}}}),
        json!({"rules": {"message": {"cooldown_secs": MAX_COOLDOWN_SECS + 1}}}),
        json!({"multipliers": {"roles": {"1": MAX_MULTIPLIER + 0.5}}}),
        json!({"multipliers": {"roles": {"x": 1}}}),
        json!({"multipliers": {"event": {"factor": 0}}}),
        json!({"announce": {"template": "GG {lvl}"}}),
        json!({"announce": {"template": " \n"}}),
        json!({"announce": {"every": 0}}),
        json!({"on_leave": {"grace_secs": MAX_GRACE_SECS + 1}}),
        json!({"on_leave": {"policy": null}}),
        json!({"no_xp": {"mode": "block"}}),
        json!({"rewards": {"roles": [{"level": 1}]}}),
        json!({"rules": {"mesage": {}}}),
    ] {
        assert!(!errors(&doc, patch, &bad, "$", false).is_empty(), "{bad}");
        let refused = serde_json::from_value::<GuildSettingsPatch>(bad.clone())
            .map_err(|e| e.to_string())
            .and_then(|p| {
                GuildSettings::from_rules(&Rules::default())
                    .apply(&p)
                    .map_err(|e| e.to_string())
            });
        assert!(refused.is_err(), "the core takes {bad}");
    }

    // The bounds are the core's constants.
    let rule = &schemas["CooldownRulePatch"]["properties"];
    assert_eq!(rule["xp"]["maximum"], MAX_RULE_XP);
    assert_eq!(rule["cooldown_secs"]["maximum"], MAX_COOLDOWN_SECS);
    let roles = &schemas["MultipliersPatch"]["properties"]["roles"];
    assert_eq!(roles["propertyNames"]["pattern"], ID_PATTERN);
    assert_eq!(
        roles["additionalProperties"]["oneOf"][0]["maximum"],
        MAX_MULTIPLIER
    );
    assert_eq!(roles["additionalProperties"]["oneOf"][1]["type"], "null");
    assert_eq!(
        schemas["NoXpPatch"]["properties"]["channels"]["maxItems"],
        MAX_LIST_LEN
    );
    assert_eq!(
        schemas["RewardsPatch"]["properties"]["roles"]["maxItems"],
        MAX_REWARD_ROLES
    );
    assert_eq!(schemas["AnnounceTemplate"]["maxLength"], MAX_TEMPLATE_CHARS);
    assert_eq!(
        schemas["OnLeavePatch"]["properties"]["grace_secs"]["maximum"],
        MAX_GRACE_SECS
    );
    assert_eq!(schemas["GuildSettingsPatch"]["additionalProperties"], false);
    assert_eq!(
        schemas["AnnounceMode"]["enum"],
        json!(["off", "same", "channel", "dm"])
    );
    assert_eq!(schemas["AnnounceEvery"]["oneOf"][0]["minimum"], 1);
    assert_eq!(
        schemas["AnnounceEvery"]["oneOf"][1]["enum"],
        json!(["tier"])
    );
    let view = &schemas["GuildSettingsView"]["properties"]["updated_at"]["oneOf"];
    assert_eq!(view[1]["type"], "null");

    // The PATCH documents its 422 and the rules the schema cannot state.
    let op = &doc["paths"]["/api/guilds/{guild_id}/settings"]["patch"];
    assert!(op["responses"]["422"].is_object());
    assert!(
        op["description"]
            .as_str()
            .unwrap()
            .contains("rewards.roles")
    );
    assert!(
        doc["paths"]["/api/guilds/{guild_id}/settings"]["get"]
            .get("security")
            .is_none()
    );
}

/// The template's pattern accepts exactly what `Template::parse` accepts, blank excluded.
#[test]
fn the_template_pattern_is_the_parser() {
    use leveling_core::Template;
    let pattern = regex::Regex::new(&leveling_http::template_pattern()).unwrap();
    for sample in [
        "",
        " ",
        "\n\t",
        "\u{3000}",
        "GG",
        " GG ",
        "{user}",
        "{user",
        "user}",
        "{{",
        "}}",
        "{{user}}",
        "{{{user}}}",
        "{{user}",
        "{user}}",
        "}}}",
        "{{{",
        "{lvl}",
        "{}",
        "{ user}",
        "{level} {old_level} {tier} {xp} {rank} {next_level_xp} {guild} {username}",
        "🎉 {user} reached level **{level}** ({tier})!",
        "a{b",
        "a}b",
        "{us{er}",
        "x\u{0}y",
        " {user}\n",
        "{{}}",
        "{user}{user}",
    ] {
        let parses = Template::parse(sample).is_ok() && !sample.trim().is_empty();
        assert_eq!(pattern.is_match(sample), parses, "{sample:?}");
    }
}
