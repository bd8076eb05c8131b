//! Freshness: Max-Age to `Cache-Control: max-age` and back (RFC 7252 §5.10.5, §10.1.1,
//! §10.2.2; RFC 7234 §4.2, §5.2).

use alloc::format;

use http::header::{AGE, CACHE_CONTROL, RETRY_AFTER};
use http::{HeaderMap, HeaderValue};

use super::media::{header_value, split_outside_quotes};

/// The freshness of a response without Max-Age: 60 seconds (RFC 7252 §5.10.5).
pub const DEFAULT_MAX_AGE: u32 = 60;

/// `Cache-Control: max-age=N` for a CoAP response's Max-Age (`None`: absent, so the default
/// 60 s of RFC 7252 §5.10.5). RFC 7252 §10.2.2: the HTTP response MUST carry a max-age no
/// greater than the remaining freshness.
///
/// ```
/// use coap_codec::http_map::cache_control;
/// assert_eq!(cache_control(None), "max-age=60");
/// assert_eq!(cache_control(Some(0)), "max-age=0");
/// ```
pub fn cache_control(max_age: Option<u32>) -> HeaderValue {
    header_value(format!("max-age={}", max_age.unwrap_or(DEFAULT_MAX_AGE)))
}

/// Reads delta-seconds (RFC 7234 §1.2.1): digits only; a value too large saturates.
fn delta_seconds(v: &str) -> Option<u32> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(v.bytes().fold(0u32, |acc, c| acc.saturating_mul(10).saturating_add(u32::from(c - b'0'))))
}

/// The Max-Age for a CoAP response made from an HTTP response: the time it stays fresh
/// (RFC 7252 §10.1.1: "no greater than the remaining time the representation can be
/// considered fresh").
///
/// The lifetime is the smaller of `max-age` and `s-maxage` (the CoAP side may be a shared
/// cache, RFC 7234 §4.2.1), less the `Age` header (RFC 7234 §4.2.3). `no-store`, `no-cache`
/// and `private` give 0: CoAP caches cannot honour them (RFC 7252 §11.2 notes CoAP has no
/// cache-suppressing options). Without explicit freshness the answer is 0, never the CoAP
/// default of 60 s; `Expires` is not read, which only makes the answer more cautious.
///
/// ```
/// use coap_codec::http_map::max_age_from_http;
/// let mut h = http::HeaderMap::new();
/// h.insert("cache-control", "public, max-age=300".parse().unwrap());
/// h.insert("age", "100".parse().unwrap());
/// assert_eq!(max_age_from_http(&h), 200);
/// ```
pub fn max_age_from_http(headers: &HeaderMap) -> u32 {
    let mut lifetime: Option<u32> = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { return 0 };
        for directive in split_outside_quotes(value, b',') {
            let (name, arg) = directive.split_once('=').unwrap_or((directive, ""));
            let name = name.trim();
            // RFC 7234 §5.2.2: the argument may be quoted.
            let arg = arg.trim().trim_matches('"');
            if ["no-store", "no-cache", "private"].iter().any(|d| name.eq_ignore_ascii_case(d)) {
                return 0;
            }
            if name.eq_ignore_ascii_case("max-age") || name.eq_ignore_ascii_case("s-maxage") {
                // RFC 7234 §4.2.1: an invalid max-age makes the response stale.
                let secs = delta_seconds(arg).unwrap_or(0);
                lifetime = Some(lifetime.map_or(secs, |l| l.min(secs)));
            }
        }
    }
    let age = headers.get(AGE).and_then(|v| v.to_str().ok()).and_then(delta_seconds).unwrap_or(0);
    lifetime.unwrap_or(0).saturating_sub(age)
}

/// The seconds of a `Retry-After` in delta-seconds form (RFC 7231 §7.1.3), which becomes the
/// Max-Age of a 5.03 (RFC 7252 §5.9.3.4) or 4.29 (RFC 8516 §3); the HTTP-date form needs a
/// clock and gives `None`.
pub fn retry_after(headers: &HeaderMap) -> Option<u32> {
    headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(delta_seconds)
}
