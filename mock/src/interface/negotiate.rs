//! Content negotiation, in one place: which format an answer is written in (from `Accept`, with
//! its q-values, RFC 9110 §12.5.1) and which format a request body is read as (from
//! `Content-Type`). Behaviours never see either: the interface decodes the typed input and
//! encodes the typed output in the format chosen here.
//!
//! Media types are parsed with the `mime` crate.

/// A wire format of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `application/xml` (also read as `text/xml` and `application/*+xml`).
    Xml,
    /// `application/json` (also read as `application/*+json`).
    Json,
}

impl Format {
    /// The media type an answer in this format is sent as.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Xml => "application/xml;charset=utf-8",
            Format::Json => "application/json;charset=utf-8",
        }
    }
}

/// What a media range says of a format: the q-value of the most specific range that matches it.
fn quality(ranges: &[(mime::Mime, f32)], format: Format) -> f32 {
    let (ty, subtype) = match format {
        Format::Xml => ("application", "xml"),
        Format::Json => ("application", "json"),
    };
    // Specificity: an exact type 2, `type/*` 1, `*/*` 0; the most specific range decides.
    let mut best: Option<(u8, f32)> = None;
    for (range, q) in ranges {
        let exact = range.type_() == ty && range.subtype() == subtype;
        // text/xml is XML too.
        let alias = format == Format::Xml && range.type_() == "text" && range.subtype() == "xml";
        let specificity = if exact || alias {
            2
        } else if range.type_() == ty && range.subtype() == mime::STAR {
            1
        } else if range.type_() == mime::STAR && range.subtype() == mime::STAR {
            0
        } else {
            continue;
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, *q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// The format of an answer to a request with this `Accept` header: XML when there is none, when
/// XML is liked at least as well as JSON (`*/*` included), JSON when it is preferred; `None`
/// when neither is acceptable (406). Ranges that do not parse are skipped, as RFC 9110 lets a
/// server do.
pub fn answer_format(accept: Option<&str>) -> Option<Format> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Format::Xml);
    };
    let ranges: Vec<(mime::Mime, f32)> = accept
        .split(',')
        .filter_map(|range| range.trim().parse::<mime::Mime>().ok())
        .map(|m| {
            let q = m
                .get_param("q")
                .and_then(|q| q.as_str().parse::<f32>().ok())
                .filter(|q| (0.0..=1.0).contains(q))
                .unwrap_or(1.0);
            (m, q)
        })
        .collect();
    if ranges.is_empty() {
        // Nothing in it could be read: answered as if it were absent.
        return Some(Format::Xml);
    }
    let xml = quality(&ranges, Format::Xml);
    let json = quality(&ranges, Format::Json);
    if xml <= 0.0 && json <= 0.0 {
        None
    } else if json > xml {
        Some(Format::Json)
    } else {
        Some(Format::Xml)
    }
}

/// The format a request body with this `Content-Type` is read as: XML when there is none (older
/// clients send none), `application/xml`, `text/xml` or `application/*+xml`; JSON for
/// `application/json` or `application/*+json`; otherwise the type it names, for a 415.
pub fn body_format(content_type: Option<&str>) -> Result<Format, String> {
    let Some(text) = content_type.filter(|c| !c.trim().is_empty()) else {
        return Ok(Format::Xml);
    };
    let Ok(media) = text.trim().parse::<mime::Mime>() else {
        return Err(text.trim().to_owned());
    };
    let suffix = media.suffix().map(|s| s.as_str());
    match (media.type_().as_str(), media.subtype().as_str(), suffix) {
        ("application", "xml", _) | ("text", "xml", _) | ("application", _, Some("xml")) => {
            Ok(Format::Xml)
        }
        ("application", "json", _) | ("application", _, Some("json")) => Ok(Format::Json),
        _ => Err(media.essence_str().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_xml_unless_json_is_preferred() {
        for accept in [
            None,
            Some(""),
            Some("*/*"),
            Some("application/xml"),
            Some("text/xml"),
            Some("application/json, application/xml"),
            Some("application/json;q=0.5, application/xml;q=0.5"),
            Some("application/json;q=0.5, */*"),
            Some("application/*"),
            Some("garbage"),
        ] {
            assert_eq!(answer_format(accept), Some(Format::Xml), "{accept:?}");
        }
        for accept in [
            "application/json",
            "Application/JSON",
            "application/json;charset=utf-8",
            "application/xml;q=0.9, application/json",
            "application/json, */*;q=0.1",
            "text/plain, application/json;q=0.8",
            "*/*;q=0.2, application/json;q=0.3",
            "application/*;q=0.5, application/json",
        ] {
            assert_eq!(answer_format(Some(accept)), Some(Format::Json), "{accept}");
        }
    }

    #[test]
    fn nothing_acceptable_is_none() {
        for accept in [
            "text/html",
            "image/png, text/plain;q=0.9",
            "application/json;q=0, application/xml;q=0",
            "*/*;q=0",
            "application/xml;q=0, text/html",
        ] {
            assert_eq!(answer_format(Some(accept)), None, "{accept}");
        }
        // The most specific range decides: */* does not bring back what a type refused.
        assert_eq!(
            answer_format(Some("application/xml;q=0, */*")),
            Some(Format::Json)
        );
    }

    #[test]
    fn bodies_are_read_by_their_content_type() {
        for ct in [
            None,
            Some(""),
            Some("application/xml"),
            Some("text/xml; charset=utf-8"),
            Some("application/vnd.tableau+xml"),
        ] {
            assert_eq!(body_format(ct), Ok(Format::Xml), "{ct:?}");
        }
        for ct in [
            "application/json",
            "application/json; charset=UTF-8",
            "application/vnd.api+json",
        ] {
            assert_eq!(body_format(Some(ct)), Ok(Format::Json), "{ct}");
        }
        assert_eq!(
            body_format(Some("text/plain; charset=utf-8")),
            Err("text/plain".to_owned())
        );
        assert_eq!(
            body_format(Some("not a type")),
            Err("not a type".to_owned())
        );
    }
}
