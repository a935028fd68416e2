//! Just enough `multipart/form-data` (RFC 7578) to read what serenity sends with files:
//! a `payload_json` text part and one part per file.

use serde_json::Value;

/// The boundary of a `multipart/form-data` content type; `None` for any other type.
pub fn boundary(content_type: &str) -> Option<String> {
    let mut params = content_type.split(';').map(str::trim);
    if !params.next()?.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(key, _)| key.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_owned())
}

/// The `payload_json` part as JSON (`Null` without one) and every part with a filename.
pub fn split(body: &[u8], boundary: &str) -> (Value, Vec<(String, Vec<u8>)>) {
    let mut payload = Value::Null;
    let mut files = Vec::new();
    // Every delimiter but the first follows a CRLF; one in front makes them all alike.
    let mut data = b"\r\n".to_vec();
    data.extend_from_slice(body);
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    // The first piece is the preamble; the one after the closing `--` the epilogue.
    for piece in pieces(&data, &delimiter).skip(1) {
        if piece.starts_with(b"--") {
            break;
        }
        let Some(piece) = piece.strip_prefix(b"\r\n") else {
            continue;
        };
        let Some(end) = find(piece, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&piece[..end]);
        let content = &piece[end + 4..];
        let disposition = headers
            .lines()
            .find(|line| {
                line.to_ascii_lowercase()
                    .starts_with("content-disposition:")
            })
            .unwrap_or("");
        match (param(disposition, "name"), param(disposition, "filename")) {
            (_, Some(filename)) => files.push((filename, content.to_vec())),
            (Some(name), None) if name == "payload_json" => {
                payload = serde_json::from_slice(content).unwrap_or(Value::Null);
            }
            _ => {}
        }
    }
    (payload, files)
}

/// A `key="value"` parameter of a header line (`name=` does not match `filename=`).
fn param(header: &str, key: &str) -> Option<String> {
    header.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// `data` cut at each occurrence of `delimiter`.
fn pieces<'a>(data: &'a [u8], delimiter: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let current = rest?;
        match find(current, delimiter) {
            Some(at) => {
                rest = Some(&current[at + delimiter.len()..]);
                Some(&current[..at])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_payload_and_the_files() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(boundary("application/json"), None);
        let body = b"--abc\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"rank.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n--abcd\r\n--abc\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"content\":\"hi\"}\r\n--abc--\r\n";
        let (payload, files) = split(body, "abc");
        assert_eq!(payload["content"], "hi");
        assert_eq!(
            files,
            [("rank.png".to_owned(), b"\x89PNG\r\n\x1a\n--abcd".to_vec())]
        );
    }
}
