//! Redirects: which ones the client follows.
//!
//! Left to itself, reqwest follows redirects the way browsers do. A 301, 302 or 303 turns a POST, PATCH
//! or DELETE into a GET to the new place, so a comment or an import that was never written was reported
//! done. A 307 or 308 sends the write again, so a write that had been applied arrived twice. The
//! client therefore follows none on its own (`Policy::none`), and `Client::send` applies these rules:
//!
//! - A write (any method but GET) is never redirected. The error names where the redirect pointed and
//!   says that the write was not confirmed: a 303 after a POST can mean "done, see there", so it may
//!   have been applied.
//! - A GET is followed, up to `MAX_REDIRECTS` times, within the instance's origin only (the scheme,
//!   host and port of the connection's URL), with the key. A redirect anywhere else is refused rather
//!   than followed without the key. Every ThreatStream call needs the key, so another host could only
//!   answer 401, or answer as ThreatStream without being it. The error names the target, so that an
//!   instance that moved is one change of the connection's URL away.

use reqwest::header::LOCATION;
use reqwest::{Response, StatusCode, Url};

/// More hops than any instance behind a load balancer needs.
pub(super) const MAX_REDIRECTS: usize = 5;

/// Where `response` redirects to: `None` when it is no redirect (a 3xx without `Location` is an
/// answer like any other), else the target resolved against the request's URL, or the raw `Location`
/// text when it is no URL.
pub(super) fn target(response: &Response) -> Option<Result<Url, String>> {
    if !is_redirect(response.status()) {
        return None;
    }
    let location = response.headers().get(LOCATION)?;
    let text = String::from_utf8_lossy(location.as_bytes()).into_owned();
    Some(response.url().join(&text).map_err(|_| text))
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Whether `target` is on the same origin as `from`: scheme, host and port.
pub(super) fn same_origin(from: &Url, target: &Url) -> bool {
    from.scheme() == target.scheme()
        && from.host_str() == target.host_str()
        && from.port_or_known_default() == target.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_instances_own_origin_is_followed() {
        let instance = Url::parse("https://ts.example.com/api/v2/intelligence/").unwrap();
        for same in [
            "https://ts.example.com/api/v2/intelligence/?offset=1000",
            "https://ts.example.com:443/elsewhere/",
            "https://TS.example.com/",
        ] {
            assert!(same_origin(&instance, &Url::parse(same).unwrap()), "{same}");
        }
        for other in [
            "http://ts.example.com/api/v2/intelligence/",
            "https://ts.example.com:8443/api/v2/intelligence/",
            "https://evil.example.net/api/v2/intelligence/",
            "https://ts.example.com.evil.example.net/",
        ] {
            assert!(!same_origin(&instance, &Url::parse(other).unwrap()), "{other}");
        }
    }

    #[test]
    fn redirect_statuses_are_those_that_carry_a_location_to_follow() {
        for status in [301, 302, 303, 307, 308] {
            assert!(is_redirect(StatusCode::from_u16(status).unwrap()));
        }
        for status in [200, 300, 304, 305, 400] {
            assert!(!is_redirect(StatusCode::from_u16(status).unwrap()));
        }
    }
}
