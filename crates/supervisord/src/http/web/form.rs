//! Request parameters and URL quoting, the way Supervisor's web handler reads and writes them.

use std::collections::HashMap;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Python's `urllib.parse.quote` with its default `safe='/'`: everything but letters, digits,
/// `_.-~` and `/` is percent-encoded (a space becomes `%20`).
const QUOTE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~')
    .remove(b'/');

/// Like [`QUOTE`] but `/` is encoded too, for a value placed in one path segment or query value.
const QUOTE_STRICT: &AsciiSet = &QUOTE.add(b'/');

/// `urllib.parse.quote(text)`: what Supervisor puts in `Location` and in its links.
pub fn quote(text: &str) -> String {
    utf8_percent_encode(text, QUOTE).to_string()
}

/// Quotes a value for a query string or a single path segment (`/` encoded as well).
pub fn quote_strict(text: &str) -> String {
    utf8_percent_encode(text, QUOTE_STRICT).to_string()
}

/// The parameters of one request: the query string merged with an urlencoded POST body.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Params {
    values: HashMap<String, String>,
}

impl Params {
    /// Merges as Supervisor does: of repeated query keys the first wins; body values override
    /// query values (and of repeated body keys the last wins).
    pub fn merged(query: Option<&str>, body: &[u8]) -> Params {
        let mut values = HashMap::new();
        if let Some(query) = query {
            for (k, v) in form_urlencoded::parse(query.as_bytes()) {
                values
                    .entry(k.into_owned())
                    .or_insert_with(|| v.into_owned());
            }
        }
        for (k, v) in form_urlencoded::parse(body) {
            values.insert(k.into_owned(), v.into_owned());
        }
        Params { values }
    }

    /// The last value of `key` in an urlencoded body (not the query: a form token must never
    /// travel in a URL, which ends up in logs, history and `Referer` headers).
    pub fn body_field(body: &[u8], key: &str) -> Option<String> {
        form_urlencoded::parse(body)
            .filter(|(k, _)| k == key)
            .last()
            .map(|(_, v)| v.into_owned())
    }

    /// The value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// The value of `key` unless it is missing or empty.
    pub fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_python() {
        // urllib.parse.quote('a b:c/d<e>&f=g%h~i_j.k-l')
        assert_eq!(
            quote("a b:c/d<e>&f=g%h~i_j.k-l"),
            "a%20b%3Ac/d%3Ce%3E%26f%3Dg%25h~i_j.k-l"
        );
        assert_eq!(quote("é"), "%C3%A9");
        assert_eq!(quote_strict("g:p/x"), "g%3Ap%2Fx");
    }

    #[test]
    fn first_query_value_wins_and_body_overrides() {
        let p = Params::merged(Some("action=stop&action=start&processname=a"), b"");
        assert_eq!(p.get("action"), Some("stop"));
        let p = Params::merged(
            Some("action=stop&processname=a"),
            b"action=start&action=restart",
        );
        assert_eq!(p.get("action"), Some("restart"));
        assert_eq!(p.get("processname"), Some("a"));
        let p = Params::merged(Some("message=a+b%20c&x="), b"");
        assert_eq!(p.get("message"), Some("a b c"));
        assert_eq!(p.non_empty("x"), None);
        assert_eq!(p.get("missing"), None);
    }
}
