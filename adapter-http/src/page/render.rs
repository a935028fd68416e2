//! The HTML of the page, rendered on the server so it reads the same without JavaScript.
//! Every text from outside goes through [`escape`].

use std::fmt::Write;

// `12345` → `12,345`, as the rank card writes its figures.
use leveling_card::thousands as grouped;

use super::assets;
use super::escape::escape;
use super::rows::{Board, Row};

/// The ids the live script swaps: keep them in step with `assets/leaderboard.js`.
const ROWS_ID: &str = "lb-rows";
const PAGER_ID: &str = "lb-pager";
const SUMMARY_ID: &str = "lb-summary";

/// The whole document of a board page. `live` links the scripts that keep it current.
pub(crate) fn board_page(board: &Board, live: bool) -> String {
    let guild = board.guild;
    let (page, pages) = (board.page, board.pages());
    let mut body = String::new();
    let _ = write!(
        body,
        r#"<main class="board" data-guild-id="{guild}">
<header class="board-head">
<h1>Leaderboard</h1>
<p class="summary" id="{SUMMARY_ID}">{summary}</p>
</header>
<p class="status" id="lb-status" role="status" aria-live="polite"></p>
<table class="lb">
<caption>Members of guild {guild} ranked by total XP, page {page} of {pages}</caption>
<thead><tr><th scope="col" class="col-rank">Rank</th><th scope="col" class="col-avatar"><span class="visually-hidden">Avatar</span></th><th scope="col" class="col-name">Name</th><th scope="col" class="col-level">Level</th><th scope="col" class="col-tier">Tier</th><th scope="col" class="col-progress">Progress</th><th scope="col" class="col-xp">Total XP</th></tr></thead>
<tbody id="{ROWS_ID}">
"#,
        summary = summary(board),
    );
    if board.rows.is_empty() {
        body.push_str(
            "<tr><td class=\"empty\" colspan=\"7\">Nobody is on this page yet: XP earned in this guild shows up here.</td></tr>\n",
        );
    }
    for row in &board.rows {
        push_row(&mut body, row);
    }
    body.push_str("</tbody>\n</table>\n");
    push_pager(&mut body, page, pages);
    body.push_str("</main>\n");
    let scripts = if live {
        format!(
            "<script src=\"{}\" defer></script>\n<script src=\"{}\" defer></script>\n",
            assets::url("socket.io.min.js"),
            assets::url("leaderboard.js"),
        )
    } else {
        String::new()
    };
    document(
        &format!("Leaderboard of guild {guild}, page {page}"),
        &scripts,
        &body,
    )
}

/// A short page for an error or a switched-off board.
pub(crate) fn message_page(title: &str, message: &str) -> String {
    let body = format!(
        "<main class=\"board message\">\n<h1>{}</h1>\n<p>{}</p>\n<p><a href=\"/leaderboard\">Back to the leaderboard</a></p>\n</main>\n",
        escape(title),
        escape(message),
    );
    document(title, "", &body)
}

fn document(title: &str, scripts: &str, body: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<link rel="stylesheet" href="{css}">
{scripts}</head>
<body>
{body}</body>
</html>
"#,
        title = escape(title),
        css = assets::url("leaderboard.css"),
    )
}

fn summary(board: &Board) -> String {
    let members = match board.total {
        1 => "1 member".to_owned(),
        n => format!("{} members", grouped(n)),
    };
    format!(
        "Guild {} · {members} · page {} of {}",
        board.guild,
        grouped(board.page),
        grouped(board.pages())
    )
}

fn push_row(out: &mut String, row: &Row) {
    let progress = &row.progress;
    let name = escape(&row.name);
    let (value, max, label) = match progress.next_level_xp {
        Some(_) => (
            progress.xp_into_level(),
            progress.xp_for_next_level(),
            format!(
                "{} of {} XP to level {}",
                grouped(progress.xp_into_level()),
                grouped(progress.xp_for_next_level()),
                progress.level + 1
            ),
        ),
        None => (1, 1, "top level reached".to_owned()),
    };
    let _ = writeln!(
        out,
        r#"<tr data-user-id="{user}"><td class="col-rank">{rank}</td><td class="col-avatar">{avatar}</td><th scope="row" class="col-name">{name}</th><td class="col-level">{level}</td><td class="col-tier">{tier}</td><td class="col-progress"><progress value="{value}" max="{max}" aria-label="{label}"></progress><span class="progress-text">{label}</span></td><td class="col-xp">{xp}</td></tr>"#,
        user = row.user,
        rank = grouped(row.rank),
        avatar = avatar(row),
        level = progress.level,
        tier = tier_badge(&row.tier),
        xp = grouped(progress.xp),
    );
}

/// The profile's picture, or the name's initials on a colour chosen by the id.
fn avatar(row: &Row) -> String {
    match row.avatar_url.as_deref().filter(|url| is_image_url(url)) {
        Some(url) => format!(
            r#"<img class="avatar" src="{}" alt="" width="32" height="32" loading="lazy" decoding="async" referrerpolicy="no-referrer">"#,
            escape(url)
        ),
        None => format!(
            r#"<span class="avatar initials hue-{}" aria-hidden="true">{}</span>"#,
            row.user.get() % 8,
            escape(&initials(&row.name))
        ),
    }
}

/// Web and inline images only: a `javascript:` or relative URL from a profile is not
/// worth guessing about.
fn is_image_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("data:image/")
}

/// Up to two letters or digits: the first of the first two words.
fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    if letters.is_empty() {
        "?".to_owned()
    } else {
        letters
    }
}

/// A badge whose colour class comes from the tier's name (`tier-elite`).
fn tier_badge(tier: &str) -> String {
    let class: String = tier
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!(r#"<span class="tier tier-{class}">{}</span>"#, escape(tier))
}

fn push_pager(out: &mut String, page: u64, pages: u64) {
    let _ = write!(
        out,
        r#"<nav class="pager" id="{PAGER_ID}" aria-label="Pages">"#
    );
    if page > 1 {
        let previous = (page - 1).min(pages);
        let _ = write!(
            out,
            r#"<a rel="prev" href="?page={previous}">← Previous</a>"#
        );
    }
    let _ = write!(
        out,
        r#"<span class="pager-at">Page {} of {}</span>"#,
        grouped(page),
        grouped(pages)
    );
    if page < pages {
        let _ = write!(out, r#"<a rel="next" href="?page={}">Next →</a>"#, page + 1);
    }
    out.push_str("</nav>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1_005_000), "1,005,000");
    }

    #[test]
    fn initials_take_the_first_two_words() {
        assert_eq!(initials("ada lovelace byron"), "AL");
        assert_eq!(initials("ferris"), "F");
        assert_eq!(initials("  (x) "), "X");
        assert_eq!(initials("!!"), "?");
    }

    #[test]
    fn only_web_and_inline_images_are_shown() {
        assert!(is_image_url("https://cdn.example/a.png"));
        assert!(is_image_url("data:image/png;base64,AAAA"));
        assert!(!is_image_url("javascript:alert(1)"));
        assert!(!is_image_url("/relative.png"));
    }

    #[test]
    fn a_tier_class_is_a_safe_slug() {
        assert_eq!(
            tier_badge("Elite \"x\"<"),
            r#"<span class="tier tier-elite--x--">Elite &quot;x&quot;&lt;</span>"#
        );
    }
}
