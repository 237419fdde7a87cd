//! The server's base URL, checked once when the client is built.
//!
//! The URL is parsed with `http::Uri`, the parser of the transport itself (ureq), so that what is
//! checked here is exactly what the transport connects to: no second parser can read another
//! host out of the same text. A URL holding user information (`user:password@`) is refused
//! outright, and never echoed: credentials go to [`Client::sign_in_with`](crate::Client::sign_in_with).
//! Plain `http://` is allowed only to loopback, where nothing crosses a network: the host
//! `localhost` (any case, with or without its trailing dot) or an IP literal that
//! [`IpAddr::is_loopback`] accepts (`127.0.0.0/8`, `[::1]`).

use crate::error::Error;
use std::net::IpAddr;
use ureq::http::Uri;

/// The base URL as the client sends requests to it (`scheme://authority[/path]`, without a
/// trailing slash), or why it is refused.
pub(crate) fn parse(raw: &str, allow_plain_http: bool) -> Result<String, Error> {
    let invalid = |why: &str| Error::InvalidArgument(format!("the server URL {why}"));
    let trimmed = raw.trim_end_matches('/');
    // How the URL is named in a message: quoted, unless it has an `@` anywhere (it may then hold
    // a password, however malformed).
    let named = if trimmed.contains('@') {
        "the server URL".to_owned()
    } else {
        format!("{trimmed:?}")
    };
    let named = named.as_str();
    // User information is refused before anything else, so that no message below can show it.
    if has_user_info(trimmed) {
        return Err(invalid(
            "holds user information (a name or password before '@'): give credentials to \
             sign_in_with, never in the URL",
        ));
    }
    let uri: Uri = trimmed
        .parse()
        .map_err(|e| invalid(&format!("{named} is not a URL: {e}")))?;
    let scheme = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") => "https",
        Some(s) if s.eq_ignore_ascii_case("http") => "http",
        _ => {
            return Err(invalid(&format!(
                "{named} must start with https:// or http://"
            )));
        }
    };
    let authority = uri
        .authority()
        .ok_or_else(|| invalid(&format!("{named} names no host")))?;
    if authority.as_str().contains('@') {
        // Unreachable after `has_user_info`, kept as the check that matters.
        return Err(invalid("holds user information"));
    }
    let host = authority.host();
    if host.is_empty() {
        return Err(invalid(&format!("{named} names no host")));
    }
    // Brackets hold an IPv6 address only (RFC 3986's IP-literal): `[127.0.0.1]` is no URL, as
    // the `url` crate and browsers read it.
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        if inner.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(invalid(&format!(
                "{named} has a host in brackets that is not an IPv6 address"
            )));
        }
    }
    let port = authority.as_str().get(host.len()..).unwrap_or("");
    // After the host: nothing, or `:` and the digits of a port (http::Uri lets other text
    // stand between a bracketed host and its port).
    let digits = port.strip_prefix(':').unwrap_or("x");
    if !port.is_empty()
        && (digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || authority.port_u16().is_none())
    {
        return Err(invalid(&format!("{named} has a port that is not a number")));
    }
    if uri.query().is_some() || raw.contains('#') {
        return Err(invalid(&format!(
            "{named} must not have a query or a fragment"
        )));
    }
    if scheme == "http" && !allow_plain_http && !is_loopback(host) {
        return Err(invalid(&format!(
            "is plain http to {host}, which is not loopback: use https, or allow_plain_http(true)"
        )));
    }
    let path = uri.path().trim_end_matches('/');
    Ok(format!("{scheme}://{}{path}", authority.as_str()))
}

/// Whether the text has user information (so that it must never be shown): an `@` in the authority (between `://` and the next
/// `/`, `?` or `#`, or the end).
pub(crate) fn has_user_info(url: &str) -> bool {
    let after = url.split_once("://").map_or(url, |(_, rest)| rest);
    after
        .split(['/', '?', '#'])
        .next()
        .is_some_and(|authority| authority.contains('@'))
}

/// Whether `host` (as `http::Uri` gives it: IPv6 literals in brackets) is loopback: `localhost`
/// in any case with or without a trailing dot, or an IP literal for which
/// [`IpAddr::is_loopback`] holds.
pub(crate) fn is_loopback(host: &str) -> bool {
    let name = host.strip_suffix('.').unwrap_or(host);
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> String {
        parse(url, false).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn refused(url: &str) -> String {
        match parse(url, false) {
            Ok(base) => panic!("{url} was accepted as {base}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn loopback_forms_are_allowed_over_plain_http() {
        assert_eq!(ok("http://localhost:8080/"), "http://localhost:8080");
        assert_eq!(ok("http://LOCALHOST"), "http://LOCALHOST");
        assert_eq!(ok("http://localhost."), "http://localhost.");
        assert_eq!(ok("http://127.0.0.1:9"), "http://127.0.0.1:9");
        assert_eq!(ok("http://127.255.0.9"), "http://127.255.0.9");
        assert_eq!(ok("http://[::1]:80"), "http://[::1]:80");
        assert_eq!(ok("HTTP://localhost/tableau/"), "http://localhost/tableau");
        assert_eq!(
            ok("https://tableau.example.com"),
            "https://tableau.example.com"
        );
    }

    #[test]
    fn other_hosts_are_refused_over_plain_http() {
        for url in [
            "http://127.evil.example",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "http://evil.example/127.0.0.1",
            "http://[::2]",
            "http://0.0.0.0",
            "http://10.0.0.1",
        ] {
            let e = refused(url);
            assert!(e.contains("not loopback"), "{url}: {e}");
        }
        assert!(parse("http://10.0.0.1", true).is_ok());
    }

    #[test]
    fn user_information_is_refused_and_never_shown() {
        for url in [
            "http://127.0.0.1@other.example:8080",
            "http://[::1]@other.example",
            "http://127.0.0.1:x@other.example",
            "http://user:hunter2@127.0.0.1",
            "https://user:hunter2@tableau.example.com/",
            "http://user:hunter2@127.0.0.1\\@evil.example",
        ] {
            let e = refused(url);
            assert!(e.contains("user information"), "{url}: {e}");
            assert!(!e.contains("hunter2") && !e.contains("other"), "{url}: {e}");
            // Allowing plain http does not allow user information.
            assert!(parse(url, true).is_err(), "{url}");
        }
    }

    #[test]
    fn other_malformed_urls_are_refused() {
        for url in [
            "ftp://localhost",
            "localhost:8080",
            "http://",
            "http://localhost?x=1",
            "http://localhost#top",
            "http://local host",
            "http://localhost:port",
            "http://[::1]path:80",
            "http://[0:00::1]path:0/0:[/0::1]http://0.0t",
            "http://localhost:",
            "http://[127.0.0.1]",
            "https://[127.0.0.1]:443",
            "http://[localhost]",
        ] {
            refused(url);
        }
    }
}
