//! The crate's own `DateTime` and `Time`: RFC 3339 as the `time` and `jiff` crates write and read
//! it, their conversions with those crates' types (features `time` and `jiff`, which this crate
//! enables), and no type of either crate in the public API without its feature.

use std::path::Path;
use std::process::Command;
use tableau_flows::{DateTime, DateTimeError, Time};
use time::format_description::well_known::Rfc3339;

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");

/// Instants spread over the whole range (years 0000 to 9999), with and without a fraction of a
/// second, from a fixed sequence.
fn instants() -> Vec<DateTime> {
    let (min, max) = (
        DateTime::MIN.unix_timestamp_nanos(),
        DateTime::MAX.unix_timestamp_nanos(),
    );
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = vec![DateTime::MIN, DateTime::MAX, DateTime::UNIX_EPOCH];
    for i in 0..5000 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let nanos = min + i128::from(state >> 1) % (max - min);
        // Every other one in whole seconds, as servers send them.
        let nanos = if i % 2 == 0 {
            nanos - nanos.rem_euclid(1_000_000_000)
        } else {
            nanos
        };
        out.push(DateTime::from_unix_timestamp_nanos(nanos).unwrap());
    }
    out
}

#[test]
fn dates_display_and_parse_as_the_time_crate_writes_rfc_3339() {
    for at in instants() {
        let theirs = time::OffsetDateTime::from(at);
        let text = at.to_string();
        assert_eq!(
            text,
            theirs.format(&Rfc3339).unwrap(),
            "{}",
            at.unix_timestamp_nanos()
        );
        assert_eq!(text.parse::<DateTime>().unwrap(), at);
        // The same instant written at an offset reads back to it.
        let shifted = theirs.to_offset(time::macros::offset!(-05:30));
        if let Ok(written) = shifted.format(&Rfc3339) {
            assert_eq!(written.parse::<DateTime>().unwrap(), at, "{written}");
        }
    }
    // What `time` refuses, the crate refuses too.
    for text in [
        "2024-02-30T00:00:00Z",
        "2024-04-09T18:54:12",
        "2024-04-09T18:54:60Z",
        "2024-04-09T25:54:12Z",
        "2024-04-09T18:54:12+24:00",
        "2024-04-09T18:54:12.Z",
    ] {
        assert!(
            time::OffsetDateTime::parse(text, &Rfc3339).is_err(),
            "{text}"
        );
        assert!(text.parse::<DateTime>().is_err(), "{text}");
    }
}

#[test]
fn dates_convert_to_and_from_the_time_crate() {
    for at in instants() {
        let theirs = time::OffsetDateTime::from(at);
        assert_eq!(theirs.offset(), time::UtcOffset::UTC);
        assert_eq!(theirs.unix_timestamp_nanos(), at.unix_timestamp_nanos());
        assert_eq!(DateTime::try_from(theirs).unwrap(), at);
    }
    // An offset is applied, not kept.
    let at = time::macros::datetime!(2026-12-07 02:02:22 +01:00);
    assert_eq!(
        DateTime::try_from(at).unwrap().to_string(),
        "2026-12-07T01:02:22Z"
    );
    // Outside years 0000 to 9999 in UTC.
    let early = time::macros::datetime!(0000-01-01 00:30:00 +01:00);
    assert!(matches!(
        DateTime::try_from(early),
        Err(DateTimeError::OutOfRange { .. })
    ));
    let t = Time::from_hms(6, 30, 5).unwrap();
    assert_eq!(time::Time::from(t), time::macros::time!(06:30:05));
    assert_eq!(Time::from(time::macros::time!(06:30:05)), t);
    // A fraction of a second is dropped on the way in.
    assert_eq!(Time::from(time::macros::time!(06:30:05.999)), t);
}

#[test]
fn dates_convert_to_and_from_jiff() {
    let last = jiff::Timestamp::MAX;
    for at in instants() {
        let Ok(theirs) = jiff::Timestamp::try_from(at) else {
            // jiff's range ends 26 hours before the end of year 9999.
            assert!(at.unix_timestamp_nanos() > last.as_nanosecond(), "{at}");
            continue;
        };
        assert_eq!(theirs.as_nanosecond(), at.unix_timestamp_nanos());
        assert_eq!(theirs.to_string(), at.to_string());
        assert_eq!(DateTime::try_from(theirs).unwrap(), at);
        assert_eq!(theirs.to_string().parse::<DateTime>().unwrap(), at);
    }
    let err = jiff::Timestamp::try_from(DateTime::MAX).unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
    let end = DateTime::try_from(last).unwrap();
    assert_eq!(end.to_string(), "9999-12-30T22:00:00.999999999Z");
    assert_eq!(jiff::Timestamp::try_from(end).unwrap(), last);
    let before = jiff::Timestamp::from_second(DateTime::MIN.unix_timestamp() - 1).unwrap();
    assert!(matches!(
        DateTime::try_from(before),
        Err(DateTimeError::OutOfRange { .. })
    ));
    let t = Time::from_hms(23, 59, 59).unwrap();
    assert_eq!(jiff::civil::Time::from(t), jiff::civil::time(23, 59, 59, 0));
    assert_eq!(Time::from(jiff::civil::time(23, 59, 59, 999_999_999)), t);
    assert_eq!(jiff::civil::Time::from(t).to_string(), t.to_string());
}

/// Without the `time` and `jiff` features the client does not depend on those crates at all, so
/// no public item (nor any private one) can hold their types: the crate builds without them, and
/// both stay optional dependencies that no default feature turns on. Re-exposing `time` (a
/// `pub type DateTime = time::OffsetDateTime`, or `time` made a plain dependency again) fails
/// here.
#[test]
fn the_public_api_holds_no_time_or_jiff_type_without_their_features() {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .args(["--manifest-path", MANIFEST])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let client = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "tableau-flows")
        .unwrap();
    let dependency = |name: &str| -> serde_json::Value {
        let deps: Vec<&serde_json::Value> = client["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["name"] == name && d["kind"].is_null())
            .collect();
        assert_eq!(deps.len(), 1, "{name} is a dependency of the client");
        deps[0].clone()
    };
    // `time` reads RFC 3339 and does the calendar, privately: under another name, so that no
    // `time::` path can be written in the client's code; its feature only adds conversions.
    let time = dependency("time");
    assert_eq!(time["rename"], "time_crate", "{time:#}");
    assert_eq!(client["features"]["time"], serde_json::json!([]));
    // `jiff` is there only with its feature.
    let jiff = dependency("jiff");
    assert_eq!(jiff["optional"], true, "jiff is optional");
    assert_eq!(client["features"]["jiff"], serde_json::json!(["dep:jiff"]));
    // The private crate is named only by the date module, and there only in private code or in
    // the conversions of the `time` feature; never by the generated code.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../client/src");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    assert!(files.len() > 10, "{files:?}");
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let named = text.contains("time_crate");
        if file.ends_with("datetime.rs") {
            let before_conversions = text
                .split("mod with_time")
                .next()
                .expect("the time feature's module");
            for line in before_conversions
                .lines()
                .filter(|l| l.contains("time_crate"))
            {
                assert!(
                    !line.trim_start().starts_with("pub"),
                    "a public item names the private time crate: {line}"
                );
            }
        } else {
            assert!(!named, "{} names the private time crate", file.display());
        }
    }
    assert!(!tableau_flows::GENERATED_SOURCE.contains("time_crate"));
    assert!(!tableau_flows::GENERATED_SOURCE.contains("time::"));
    let default = client["features"]["default"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        !default.iter().any(|f| f == "time" || f == "jiff"),
        "{default:?}"
    );
    // The client alone, with its default features: neither crate is there to name.
    let out = Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "tableau-flows", "--lib"])
        .args(["--manifest-path", MANIFEST])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the client does not build without the time and jiff features:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
