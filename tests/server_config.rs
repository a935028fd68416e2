//! The reference server's `GUILD_DEFAULTS_FILE`: the defaults of every guild, from JSON or
//! TOML, and one clear start-up line for a bad file.

mod common;

use std::process::{Command, Stdio};

use common::server::{Dir, Server, post, server_binary};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_toml_defaults_file_sets_every_guilds_rules() {
    let dir = Dir::new("defaults-toml");
    let file = dir.0.join("guilds.toml");
    std::fs::write(
        &file,
        "[rules.message]\nxp = 40\n\n[rules.daily]\nxp = 0\n\n[rules.streak]\nxp_per_day = 0\n",
    )
    .unwrap();
    let db = dir.0.join("leveling.db");
    let server = Server::start_with(
        &dir.0,
        &db,
        &[("GUILD_DEFAULTS_FILE", file.to_str().unwrap())],
    )
    .await;
    let client = reqwest::Client::new();
    for guild in ["1", "2"] {
        let award = post(
            &client,
            format!("{}/api/leveling/xp", server.base),
            json!({"discord_id": "42", "guild_id": guild, "source": "message"}),
        )
        .await;
        assert_eq!(award["amount"], 40, "guild {guild}: {award}");
    }
    server.stop();
}

/// Runs the server with `GUILD_DEFAULTS_FILE` = `file` (written with `text`) and returns
/// its exit code and error output; it must not start.
fn refused(name: &str, text: &str) -> (Option<i32>, String) {
    let dir = Dir::new(&format!("defaults-bad-{}", name.replace('.', "-")));
    let file = dir.0.join(name);
    std::fs::write(&file, text).unwrap();
    let output = Command::new(server_binary())
        .current_dir(&dir.0)
        .env("DATABASE_URL", "memory")
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("DISCORD_TOKEN", "")
        .env("GUILD_DEFAULTS_FILE", &file)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("run the server");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_bad_defaults_file_stops_start_up_with_one_line_naming_it() {
    for (name, text, says) in [
        (
            "bad.json",
            r#"{"rules": {"message": {"xp": "lots"}}}"#,
            "invalid type",
        ),
        (
            "bad.json",
            r#"{"multipliers": {"roles": {"5": 99}}}"#,
            "multipliers.roles.5",
        ),
        ("bad.json", r#"{"colour": "blue"}"#, "unknown field"),
        (
            "bad.toml",
            "[announce]\ntemplate = \"GG {nobody}\"\n",
            "announce.template",
        ),
        ("bad.toml", "rules = [", "GUILD_DEFAULTS_FILE"),
    ] {
        let (code, stderr) = refused(name, text);
        assert_eq!(code, Some(1), "{name} {text}: {stderr}");
        let line = stderr
            .lines()
            .find(|l| l.starts_with("error:"))
            .unwrap_or_else(|| panic!("no error line for {text}: {stderr}"));
        assert!(
            line.contains("invalid GUILD_DEFAULTS_FILE") && line.contains(name),
            "{line}"
        );
        assert!(line.contains(says), "{text}: {line}");
    }
}
