//! API versions and version gating.
//!
//! Every endpoint, query parameter, body field and enum value carries the API version it appeared
//! in (from the spec). A client speaks one version; a call that needs a newer one fails before
//! anything is sent, with a [`VersionError`] naming the item and both versions.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A REST API version such as 3.24.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    major: u16,
    minor: u16,
}

impl ApiVersion {
    /// `major.minor`.
    pub const fn new(major: u16, minor: u16) -> Self {
        ApiVersion { major, minor }
    }

    /// The major part.
    pub const fn major(self) -> u16 {
        self.major
    }

    /// The minor part.
    pub const fn minor(self) -> u16 {
        self.minor
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A version string that is not `MAJOR.MINOR`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed API version {0:?}: expected MAJOR.MINOR such as 3.24")]
pub struct ParseVersionError(pub String);

impl FromStr for ApiVersion {
    type Err = ParseVersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseVersionError(s.chars().take(40).collect());
        let (a, b) = s.trim().split_once('.').ok_or_else(err)?;
        let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
        if !digits(a) || !digits(b) {
            return Err(err());
        }
        Ok(ApiVersion::new(
            a.parse().map_err(|_| err())?,
            b.parse().map_err(|_| err())?,
        ))
    }
}

/// Something that appeared in a given API version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// What it is, e.g. "query parameter `flowRunMode` of run_flow_now".
    pub name: Cow<'static, str>,
    /// The version it appeared in.
    pub since: ApiVersion,
}

impl Feature {
    /// A feature.
    pub fn new(name: impl Into<Cow<'static, str>>, since: ApiVersion) -> Self {
        Feature {
            name: name.into(),
            since,
        }
    }

    /// The newer of two requirements.
    pub fn newest(a: Option<Feature>, b: Option<Feature>) -> Option<Feature> {
        match (a, b) {
            (Some(a), Some(b)) => Some(if b.since > a.since { b } else { a }),
            (a, None) => a,
            (None, b) => b,
        }
    }
}

/// A value whose use requires a minimum API version (a request body, an enum value).
pub trait Versioned {
    /// The newest feature the value uses, if any is newer than its type.
    fn required_version(&self) -> Option<Feature>;
}

/// A call needs a newer API version than the client speaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{feature} needs API {required}, but the client speaks API {client}")]
pub struct VersionError {
    /// What needs the newer version.
    pub feature: String,
    /// The version it appeared in.
    pub required: ApiVersion,
    /// The client's version.
    pub client: ApiVersion,
}
