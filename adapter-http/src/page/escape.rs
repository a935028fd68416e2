//! HTML escaping of every text the page shows: names and avatar URLs come from API
//! callers and Discord, so none of them may open a tag or leave an attribute.

/// `text` safe both between tags and inside a double- or single-quoted attribute.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn a_script_tag_is_text() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
    }

    #[test]
    fn ampersands_are_escaped_first_and_once() {
        assert_eq!(escape("Tom & Jerry &amp;"), "Tom &amp; Jerry &amp;amp;");
    }

    #[test]
    fn quotes_cannot_close_an_attribute() {
        assert_eq!(
            escape(r#"" onerror="x' y"#),
            "&quot; onerror=&quot;x&#39; y"
        );
    }

    #[test]
    fn other_text_is_kept_as_is() {
        assert_eq!(escape("Ferris 🦀 über"), "Ferris 🦀 über");
        assert_eq!(escape(""), "");
    }
}
