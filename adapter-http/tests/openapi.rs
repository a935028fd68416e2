//! `/openapi.json` is a valid OpenAPI 3.1 document listing every route; `/docs` serves
//! the Swagger UI from the binary.

mod common;

use std::collections::BTreeSet;

use common::app;
use serde_json::Value;

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
    // The request bodies are described.
    let award = &doc["components"]["schemas"]["AwardXp"];
    for field in [
        "discord_id",
        "amount",
        "source",
        "guild_id",
        "reason",
        "minutes",
    ] {
        assert!(award["properties"].get(field).is_some(), "AwardXp.{field}");
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
