//! `base_url`: the client's base-URL check against an independent reading of the same text.
//!
//! The input (UTF-8) is given to `Client::builder(..).build()` without `allow_plain_http`. When
//! the client accepts a plain-http URL, two readings that are not the client's must agree that
//! nothing leaves loopback and no user information is kept:
//! - the `url` crate (WHATWG URL parsing, as browsers and most tools read a URL) on the URL the
//!   client will send to (`Client::base_url`), and on the input itself when it parses;
//! - the client's base URL holds no `@` before its path, and ureq's `http::Uri` finds the same
//!   loopback host in it.
//!
//! Whatever is accepted or refused, building never panics, and a refusal never repeats a password
//! the input carried.

use tableau_flows::Client;

/// Whether the `url` crate's reading of `text` is loopback with no user information (`None`
/// when it does not parse, or is not plain http).
fn url_reading_is_loopback(text: &str) -> Option<bool> {
    let parsed = url::Url::parse(text).ok()?;
    if parsed.scheme() != "http" {
        return None;
    }
    let loopback = match parsed.host()? {
        url::Host::Domain(d) => {
            let d = d.strip_suffix('.').unwrap_or(d);
            d.eq_ignore_ascii_case("localhost")
        }
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    Some(loopback && parsed.username().is_empty() && parsed.password().is_none())
}

/// Checks the property for one input (see the module's documentation).
pub fn check(text: &str) {
    match Client::builder(text).build() {
        Ok(client) => {
            let base = client.base_url();
            let lower = base.to_ascii_lowercase();
            if !lower.starts_with("http://") {
                assert!(lower.starts_with("https://"), "{text:?} became {base:?}");
                return;
            }
            let authority = &base["http://".len()..];
            let authority = authority.split('/').next().unwrap_or("");
            assert!(
                !authority.contains('@'),
                "{text:?}: user information kept in {base:?}"
            );
            let uri: http::Uri = base.parse().unwrap_or_else(|e| {
                panic!("{text:?}: the client's base URL {base:?} does not parse: {e}")
            });
            let host = uri.host().unwrap_or("");
            let name = host.strip_suffix('.').unwrap_or(host);
            let literal = host.trim_start_matches('[').trim_end_matches(']');
            assert!(
                name.eq_ignore_ascii_case("localhost")
                    || literal
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback()),
                "{text:?}: plain http accepted to {host:?}"
            );
            assert_eq!(
                url_reading_is_loopback(base),
                Some(true),
                "{text:?}: the url crate reads the client's base URL {base:?} as leaving loopback"
            );
            if let Some(loopback) = url_reading_is_loopback(text) {
                assert!(
                    loopback,
                    "{text:?}: accepted, but the url crate reads it as leaving loopback"
                );
            }
        }
        Err(e) => {
            let message = e.to_string();
            if let Some(password) = password_of(text) {
                // The password may stand in the message's own words by chance ("holds user
                // information" holds "s user"): it is shown only when the refusal of the same
                // text with other letters and digits in the password does not hold it too.
                let shown = message.contains(password)
                    && match Client::builder(other_password(text, password)).build() {
                        Ok(_) => true,
                        Err(other) => !other.to_string().contains(password),
                    };
                assert!(
                    !shown,
                    "{text:?}: the refusal shows the password: {message}"
                );
            }
        }
    }
}

/// `text` with every ASCII letter and digit of `password` (a slice of `text`) replaced by
/// another one of the same kind, so that the text reads the same way with another password.
fn other_password(text: &str, password: &str) -> String {
    let start = password.as_ptr() as usize - text.as_ptr() as usize;
    let changed: String = password
        .chars()
        .map(|c| match c {
            'z' => 'a',
            'Z' => 'A',
            '9' => '0',
            c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
            c => c,
        })
        .collect();
    format!(
        "{}{changed}{}",
        &text[..start],
        &text[start + password.len()..]
    )
}

/// The password of `scheme://user:password@...` (in the authority), when the text has one of at
/// least 6 characters (shorter ones may appear in a message by chance).
fn password_of(text: &str) -> Option<&str> {
    let rest = text.split_once("://")?.1;
    // User information stands in the authority: before the first `/`, `?` or `#`.
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (password.len() >= 6 && !password.contains(['/', '?', '#'])).then_some(password)
}

/// The pieces random seeds are made of: schemes, user information, hosts and what may follow
/// them, the confusing ones included.
pub const PIECES: &[&str] = &[
    "http://",
    "https://",
    "HTTP://",
    "hTtP://",
    "ftp://",
    "http:",
    "http:/",
    "//",
    "127.0.0.1",
    "127.1",
    "127.0.0.1.",
    "localhost",
    "LOCALHOST",
    "localhost.",
    "localhost..",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:0:0:1]",
    "::1",
    "[::1",
    "0x7f.0.0.1",
    "2130706433",
    "0177.0.0.1",
    "127.evil.example",
    "evil.example",
    "localhost.evil.example",
    "%6cocalhost",
    "local%68ost",
    "xn--lcalhost-1za",
    "loc\u{0430}lhost",
    "10.0.0.1",
    "0.0.0.0",
    "@",
    "%40",
    ":",
    ":80",
    ":8080",
    ":x",
    ":65536",
    ":-1",
    "\\",
    "/",
    "/path",
    "?",
    "?q=1",
    "#",
    "#frag",
    " ",
    "\t",
    ".",
    "user@",
    "u:secretpw@",
    "127.0.0.1@",
    "[::1]@",
    "127.0.0.1:x@",
    "localhost@",
    "@evil.example",
    ":80@evil.example",
    "\\@evil.example",
    "%2e",
    "%2f",
    "%5c",
    "\u{ff0e}",
    "\u{3002}",
    "\n",
    "\r",
    "\0",
];

/// `count` texts made of 1 to 7 random pieces, from a fixed seed.
pub fn random_texts(count: usize, seed: u64) -> Vec<String> {
    let mut rng = Lcg(seed);
    (0..count)
        .map(|_| {
            let n = 1 + rng.below(7);
            (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect()
        })
        .collect()
}

/// A small linear congruential generator: the seeds are the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Runs the check on the input read as UTF-8 (other inputs are skipped: a URL is text).
pub fn run(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_password_keeps_the_rest_of_the_text() {
        let text = "http://u:hunter2@127.0.0.1";
        let password = password_of(text).unwrap();
        assert_eq!(password, "hunter2");
        assert_eq!(other_password(text, password), "http://u:ivoufs3@127.0.0.1");
        let text = "x://a:zZ9-%q@";
        assert_eq!(
            other_password(text, password_of(text).unwrap()),
            "x://a:aA0-%r@"
        );
    }

    #[test]
    fn a_password_in_the_refusals_own_words_is_not_a_leak() {
        check("H://540:s user@");
    }
}
