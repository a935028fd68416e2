//! The served OpenAPI document states this server's limits, not the defaults the types
//! are annotated with: a client generated from `/openapi.json`, or a fuzzer, must find
//! the configured grant and voice maximums, tier names and top level, or it would send
//! "valid" requests the server refuses, or expect refusals it accepts.

use leveling_core::Leveling;
use serde_json::{Value, json};
use utoipa::openapi::OpenApi;

/// `openapi` with the engine's configured limits written into its schemas.
pub(crate) fn configured(openapi: OpenApi, leveling: &Leveling) -> OpenApi {
    let Ok(mut document) = serde_json::to_value(&openapi) else {
        return openapi;
    };
    let rules = leveling.rules();
    let tiers = leveling.progression().tiers();
    let schemas = &mut document["components"]["schemas"];
    set(
        schemas,
        "/GrantXp/properties/amount/maximum",
        json!(rules.max_grant),
    );
    set(
        schemas,
        "/VoiceXp/properties/minutes/maximum",
        json!(rules.max_voice_minutes),
    );
    let top = tiers.iter().map(|t| t.max_level).max().unwrap_or(0);
    if let Some(level) = schemas.pointer_mut("/CreateTool/properties/required_level") {
        if let Some(level) = level.as_object_mut() {
            // `format: int32` would claim a bound of its own.
            level.remove("format");
        }
        set(level, "/minimum", json!(0));
        set(level, "/maximum", json!(top));
    }
    let names: Vec<_> = tiers.iter().map(|t| t.name.clone()).collect();
    let levels: Vec<_> = tiers
        .iter()
        .map(|t| format!("{} (levels {}-{})", t.name, t.min_level, t.max_level))
        .collect();
    if let Some(tier) = schemas.get_mut("TierName") {
        *tier = json!({
            "type": "string",
            "enum": names,
            "description": format!("A configured tier: {}.", levels.join(", ")),
        });
    }
    serde_json::from_value(document).unwrap_or(openapi)
}

/// Sets the value at `pointer` when its parent object exists.
fn set(value: &mut Value, pointer: &str, new: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    if let Some(Value::Object(parent)) = value.pointer_mut(parent) {
        parent.insert(key.to_owned(), new);
    }
}
