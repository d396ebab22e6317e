//! A received request as tests see it: plain strings and bytes, so
//! assertions need no HTTP types.

use hyper::http::request::Parts;

/// One request as it reached the simulator.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// The raw path, still percent-encoded, exactly as sent.
    pub path: String,
    /// The raw query string without `?`, if the URL had one.
    pub query: Option<String>,
    /// In arrival order; names are lower case (HTTP/1 names are
    /// case-insensitive and hyper normalises them).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    pub(crate) fn from_parts(parts: &Parts, body: Vec<u8>) -> RecordedRequest {
        let headers = parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        RecordedRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers,
            body,
        }
    }

    /// The first header with this name, compared case-insensitively.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The query decoded the way form encoding is (`+` is a space), in order.
    #[must_use]
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let query = self.query.as_deref().unwrap_or("");
        form_urlencoded::parse(query.as_bytes()).into_owned().collect()
    }

    /// The last value of query parameter `name`, decoded, as Django's
    /// `request.GET[name]` reads a repeated one.
    #[must_use]
    pub fn query_value(&self, name: &str) -> Option<String> {
        last_value(&self.query_pairs(), name).map(str::to_owned)
    }
}

/// The last value of `name` among decoded query pairs: what
/// [`RecordedRequest::query_value`] reads, for routes that decode the query
/// once and pass the pairs around.
pub(crate) fn last_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_query(query: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: "/".into(),
            query: Some(query.into()),
            headers: vec![("authorization".into(), "apikey a:b".into())],
            body: Vec::new(),
        }
    }

    #[test]
    fn query_pairs_decode_percent_and_plus() {
        let request = with_query("value=Example+observable&url=http%3A%2F%2Fx%2F&limit=1000");
        assert_eq!(
            request.query_pairs(),
            vec![
                ("value".to_owned(), "Example observable".to_owned()),
                ("url".to_owned(), "http://x/".to_owned()),
                ("limit".to_owned(), "1000".to_owned()),
            ]
        );
    }

    #[test]
    fn a_repeated_query_parameter_reads_as_its_last_value() {
        let request = with_query("value=a&limit=5&value=b+c");
        assert_eq!(request.query_value("value").as_deref(), Some("b c"));
        assert_eq!(request.query_value("limit").as_deref(), Some("5"));
        assert_eq!(request.query_value("offset"), None);
    }

    #[test]
    fn header_lookup_ignores_case() {
        assert_eq!(with_query("").header("Authorization"), Some("apikey a:b"));
        assert_eq!(with_query("").header("accept"), None);
    }
}
