//! Text that goes onto the card: cleaning untrusted names, XML escaping, initials,
//! thousands separators, and fitting a line into a width.

use unicode_segmentation::UnicodeSegmentation;

/// Characters that are dropped from names: C0/C1 controls, and the bidi embedding,
/// override and isolate marks, which could reorder the rest of the card's line or hide
/// the name's real text. Plain right-to-left letters stay; the shaper orders them.
fn is_unwanted(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        // Not allowed in XML 1.0 documents at all.
        || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// The name as it will be shown: unwanted characters removed, runs of whitespace
/// collapsed to one space, trimmed.
pub(crate) fn clean(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for c in name.chars() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
        } else if !is_unwanted(c) {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Escapes text for an XML text node or a double- or single-quoted attribute.
pub(crate) fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// 1,234,567: the card is read by people, and the grouping makes XP figures legible.
/// The web leaderboard groups its figures the same way.
///
/// ```
/// assert_eq!(leveling_card::thousands(1_005_000), "1,005,000");
/// assert_eq!(leveling_card::thousands(999), "999");
/// ```
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A member's initials for the avatar placeholder: the first letter of the first word,
/// and of the last word when there are several, upper-cased. Words are split on
/// whitespace and letters are Unicode letters or digits, so "Zoë Ångström" gives
/// "ZÅ" and "Алиса" gives "А"; a name with none (empty, emoji only) gives "?".
///
/// ```
/// use leveling_card::initials;
///
/// assert_eq!(initials("alice"), "A");
/// assert_eq!(initials("Ada  King Lovelace"), "AL");
/// assert_eq!(initials("  🎉  "), "?");
/// ```
pub fn initials(name: &str) -> String {
    let first_letter = |word: &str| -> Option<String> {
        let g = word
            .graphemes(true)
            .find(|g| g.chars().next().is_some_and(char::is_alphanumeric))?;
        let upper = g.to_uppercase();
        // "ß" upper-cases to "SS": one letter must stay one letter.
        Some(if upper.chars().count() == g.chars().count() {
            upper
        } else {
            g.to_owned()
        })
    };
    let letters: Vec<String> = clean(name).split(' ').filter_map(first_letter).collect();
    match letters.as_slice() {
        [] => "?".to_owned(),
        [only] => only.clone(),
        [first, .., last] => format!("{first}{last}"),
    }
}

/// The longest prefix of `text` (whole grapheme clusters, so no emoji or accent is cut
/// in half) whose width, as measured by `width`, fits in `max`; with an ellipsis when
/// something was cut.
pub(crate) fn fit(text: &str, max: f32, width: impl Fn(&str) -> f32) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let ellipsis = '…';
    let budget = max - width("…");
    let mut out = String::new();
    let mut used = 0.0;
    for g in text.graphemes(true) {
        let w = width(g);
        if used + w > budget {
            break;
        }
        used += w;
        out.push_str(g);
    }
    // No dangling space before the ellipsis.
    let mut out = out.trim_end().to_owned();
    out.push(ellipsis);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_strips_controls_and_bidi_overrides() {
        assert_eq!(clean("a\u{0}b\u{7}c\u{1b}[31m"), "abc[31m");
        assert_eq!(clean("\u{202e}evil\u{202c} name"), "evil name");
        assert_eq!(clean("  two \t\n words  "), "two words");
        assert_eq!(clean("שלום عالم"), "שלום عالم");
        assert_eq!(clean("\u{85}\u{9f}"), "");
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_xml(r#"<b>&"x"'</b>"#),
            "&lt;b&gt;&amp;&quot;x&quot;&apos;&lt;/b&gt;"
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234), "1,234");
        assert_eq!(thousands(45_678), "45,678");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn initials_are_unicode_aware() {
        assert_eq!(initials("Zoë Ångström"), "ZÅ");
        assert_eq!(initials("ß"), "ß");
        assert_eq!(initials("Алиса"), "А");
        assert_eq!(initials("محمد علي"), "مع");
        assert_eq!(initials("🎉 party"), "P");
        assert_eq!(initials(""), "?");
        assert_eq!(initials("\u{1}\u{2}"), "?");
        assert_eq!(initials("é\u{301}lan"), "É\u{301}");
    }

    #[test]
    fn fit_cuts_on_graphemes_with_an_ellipsis() {
        let per_char = |s: &str| s.graphemes(true).count() as f32;
        assert_eq!(fit("short", 10.0, per_char), "short");
        assert_eq!(fit("abcdefghijkl", 6.0, per_char), "abcde…");
        assert_eq!(fit("ab cdefghijkl", 4.0, per_char), "ab…");
        // The family emoji is one grapheme of several code points: kept whole or not at all.
        let family = "👨‍👩‍👧";
        assert_eq!(
            fit(&format!("{family}{family}{family}{family}"), 3.0, per_char),
            format!("{family}{family}…")
        );
    }
}
