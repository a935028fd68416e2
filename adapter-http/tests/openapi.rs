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
    ("patch", "/api/users/{discord_id}"),
    ("post", "/api/leveling/xp"),
    ("get", "/api/leveling/leaderboard"),
    ("get", "/api/leveling/xp-history/{discord_id}"),
    ("post", "/api/tools"),
    ("get", "/api/tools"),
    ("get", "/api/tools/user/{discord_id}"),
    ("post", "/api/tools/unlock/{discord_id}/{tool_id}"),
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
