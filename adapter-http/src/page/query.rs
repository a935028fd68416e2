//! `?page=N` of the page routes, read by hand: axum's `Query` rejection is plain text,
//! and a person who typed a bad URL should get a page that says what is wrong.

/// The 1-based page number in a raw query string (page 1 when absent); other parameters
/// are ignored. The error is a sentence for the reader.
pub(crate) fn page_number(query: Option<&str>) -> Result<u64, String> {
    let raw = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("page="));
    let Some(raw) = raw else {
        return Ok(1);
    };
    match raw.parse::<u64>() {
        Ok(page) if page >= 1 => Ok(page),
        _ => Err(format!(
            "\u{201c}{raw}\u{201d} is not a page number: pages are counted from 1."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::page_number;

    #[test]
    fn absent_is_the_first_page() {
        assert_eq!(page_number(None), Ok(1));
        assert_eq!(page_number(Some("")), Ok(1));
        assert_eq!(page_number(Some("theme=dark")), Ok(1));
    }

    #[test]
    fn a_number_from_one_is_a_page() {
        assert_eq!(page_number(Some("page=3")), Ok(3));
        assert_eq!(page_number(Some("x=1&page=2")), Ok(2));
    }

    #[test]
    fn zero_negative_text_and_overflow_are_refused() {
        for bad in [
            "page=0",
            "page=-1",
            "page=abc",
            "page=",
            "page=1.5",
            "page=99999999999999999999",
        ] {
            assert!(page_number(Some(bad)).is_err(), "{bad}");
        }
    }
}
