//! XML support for the generated models: a pull decoder over borrowed bytes and a small writer.
//!
//! Decoding is tolerant the way real servers need (KNOWN-DEVIATIONS S7, S8): elements are matched
//! by local name in any namespace, unknown elements and attributes are skipped, and an empty value
//! of a non-text type (such as `completedAt=""`, S5) reads as absent. It is strict where silence
//! would lose data: malformed XML, a value that does not parse, a repeated attribute, or a
//! missing required attribute is a [`DecodeError`] naming the element and attribute. A text is
//! kept as written, whitespace at either end included; a number, date, flag or enumeration in an
//! element may be padded with whitespace.

use crate::error::{DecodeError, EncodeError};
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::events::attributes::Attribute;
use std::borrow::Cow;

pub use quick_xml::events::BytesStart;

/// The deepest nesting the decoder accepts; deeper documents are rejected as hostile.
pub const MAX_DEPTH: usize = 64;

/// How many bytes of list items (each item counted at its type's size) a document may decode
/// into, per byte of the document: a hostile answer of many tiny elements (`<flow id="a"/>`,
/// 14 bytes, is a `Flow` of several hundred) would otherwise decode to dozens of times its size.
/// The tersest real answers take about 4 bytes of items per byte of XML. JSON documents are held
/// to the same budget. A page of a paginated list is bounded more tightly, by its page size (see
/// [`DecodeError::PageTooLong`](crate::DecodeError::PageTooLong)).
pub const MAX_DECODE_EXPANSION: u64 = 8;

/// The bytes of list items any document may decode into, however small it is.
pub const MIN_DECODE_ITEM_BUDGET: u64 = 1024 * 1024;

/// A value held by an attribute or by an element's text.
pub trait XmlValue: Sized {
    /// Whether an empty string means "absent" (true for every type but text and ids).
    const EMPTY_IS_ABSENT: bool;
    /// Whether the value is a secret, written as `"<redacted>"` when a model is shown rather
    /// than sent (see `crate::json::Secrets`).
    const SECRET: bool = false;
    /// Parses the (unescaped) text; the error says what was expected.
    fn parse_xml(text: &str) -> Result<Self, String>;
    /// Text types take the decoder's text as it is (moving an owned string instead of copying
    /// it); other types hand it back to be parsed.
    fn from_text(text: Cow<'_, str>) -> Result<Self, Cow<'_, str>> {
        Err(text)
    }
    /// The value as text (escaped by the writer).
    fn to_xml_value(&self) -> Cow<'_, str>;
}

/// A type decoded from one XML element.
pub trait FromXml: Sized {
    /// Decodes the element that `start` opened, consuming everything up to its end tag.
    fn from_xml<'x>(d: &mut Decoder<'x>, start: &BytesStart<'x>) -> Result<Self, DecodeError>;
}

/// A type encoded as one XML element.
pub trait ToXml {
    /// Writes the element, named `name`.
    fn to_xml(&self, w: &mut XmlWriter, name: &str);
}

/// A whole `<tsRequest>`/`<tsResponse>` document type.
pub trait Document: FromXml + ToXml {}

fn element_name(start: &BytesStart<'_>) -> String {
    start.local_name().as_ref().to_owned()
}

/// A pull decoder over a borrowed document.
pub struct Decoder<'x> {
    reader: quick_xml::Reader<&'x [u8]>,
    depth: usize,
    /// The element last returned was self-closing (`<a/>`): it has no content to read.
    pending_empty: bool,
    /// Reading a request: an empty value of a non-text type is an error, not absent.
    strict: bool,
    /// The bytes of list items still allowed (see [`MAX_DECODE_EXPANSION`]).
    budget: u64,
    /// The whole budget, for the error.
    limit: u64,
    /// For a page of a paginated list: the most items a list directly under the root may hold.
    page_limit: Option<u32>,
}

impl<'x> Decoder<'x> {
    /// A decoder over `bytes`.
    pub fn new(bytes: &'x [u8]) -> Self {
        let mut reader = quick_xml::Reader::from_reader(bytes);
        let config = reader.config_mut();
        config.expand_empty_elements = false;
        config.check_end_names = true;
        let limit = (bytes.len() as u64)
            .saturating_mul(MAX_DECODE_EXPANSION)
            .max(MIN_DECODE_ITEM_BUDGET);
        Decoder {
            reader,
            depth: 0,
            pending_empty: false,
            strict: false,
            budget: limit,
            limit,
            page_limit: None,
        }
    }

    /// Whether the document is read as a server reads a request (see [`decode_request`]).
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn syntax(&self, err: impl std::fmt::Display) -> DecodeError {
        DecodeError::Syntax {
            position: self.position(),
            message: err.to_string(),
        }
    }

    fn event(&mut self) -> Result<Event<'x>, DecodeError> {
        self.reader.read_event().map_err(|e| self.syntax(e))
    }

    /// Whether the element just returned was self-closing; reading its content ends at once.
    fn take_empty(&mut self) -> bool {
        if self.pending_empty {
            self.pending_empty = false;
            self.depth = self.depth.saturating_sub(1);
            true
        } else {
            false
        }
    }

    fn enter(&mut self, empty: bool) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(DecodeError::TooDeep { limit: MAX_DEPTH });
        }
        self.pending_empty = empty;
        Ok(())
    }

    /// The attributes of `start`, for a decoder that tells duplicates apart itself: each known
    /// attribute is recorded in a bit of a mask ([`Decoder::known_attr`]), and an element with an
    /// attribute it does not know is checked whole ([`Decoder::unknown_attr`]). quick-xml's own
    /// check keeps a vector of the names it has seen, one allocation per element.
    pub fn attributes<'s>(
        &self,
        start: &'s BytesStart<'_>,
    ) -> quick_xml::events::attributes::Attributes<'s> {
        let mut attributes = start.attributes();
        attributes.with_checks(false);
        attributes
    }

    /// Parses the value of the known attribute number `bit` of its element (as
    /// [`Decoder::attr_value`]), after checking that it is not given twice.
    pub fn known_attr<T: XmlValue>(
        &self,
        seen: &mut u64,
        bit: u32,
        start: &BytesStart<'x>,
        attr: &Attribute<'x>,
    ) -> Result<Option<T>, DecodeError> {
        let mask = 1u64 << bit;
        if *seen & mask != 0 {
            return Err(self.duplicate(start, attr));
        }
        *seen |= mask;
        self.attr_value(start, attr)
    }

    /// An attribute the model does not know: skipped, once the element's attributes are checked
    /// for duplicates (by quick-xml, once per element however many unknown attributes it has).
    pub fn unknown_attr(
        &self,
        checked: &mut bool,
        start: &BytesStart<'x>,
    ) -> Result<(), DecodeError> {
        if !*checked {
            *checked = true;
            for attr in start.attributes() {
                self.attribute(start, attr)?;
            }
        }
        Ok(())
    }

    #[cold]
    fn duplicate(&self, start: &BytesStart<'x>, attr: &Attribute<'x>) -> DecodeError {
        DecodeError::Syntax {
            position: self.position(),
            message: format!(
                "in <{}>: the attribute `{}` is given twice",
                element_name(start),
                attr.key.as_ref()
            ),
        }
    }

    /// Checks an attribute of `start` for well-formedness.
    pub fn attribute(
        &self,
        start: &BytesStart<'x>,
        attr: Result<Attribute<'x>, quick_xml::events::attributes::AttrError>,
    ) -> Result<Attribute<'x>, DecodeError> {
        attr.map_err(|e| DecodeError::Syntax {
            position: self.position(),
            message: format!("in <{}>: {e}", element_name(start)),
        })
    }

    /// Parses an attribute's value; an empty value of a type where that means absent is `None`.
    pub fn attr_value<T: XmlValue>(
        &self,
        start: &BytesStart<'x>,
        attr: &Attribute<'x>,
    ) -> Result<Option<T>, DecodeError> {
        let text = normalized(attr).map_err(|e| DecodeError::Syntax {
            position: self.position(),
            message: format!("in <{}>: {e}", element_name(start)),
        })?;
        if text.is_empty() && T::EMPTY_IS_ABSENT && !self.strict {
            return Ok(None);
        }
        let text = match T::from_text(text) {
            Ok(value) => return Ok(Some(value)),
            Err(text) => text,
        };
        T::parse_xml(&text).map(Some).map_err(|expected| {
            DecodeError::invalid(
                element_name(start),
                Some(attr.key.as_ref().to_owned()),
                &text,
                expected,
            )
        })
    }

    /// The next child element of `parent`, or `None` at `parent`'s end tag. Text, comments and
    /// processing instructions between children are skipped.
    pub fn next_child(
        &mut self,
        parent: &BytesStart<'x>,
    ) -> Result<Option<BytesStart<'x>>, DecodeError> {
        if self.take_empty() {
            return Ok(None);
        }
        loop {
            match self.event()? {
                Event::Start(e) => {
                    self.enter(false)?;
                    return Ok(Some(e));
                }
                Event::Empty(e) => {
                    self.enter(true)?;
                    return Ok(Some(e));
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(None);
                }
                Event::Eof => {
                    return Err(DecodeError::UnexpectedEof {
                        element: element_name(parent),
                    });
                }
                _ => {}
            }
        }
    }

    /// Skips the rest of the element `start` opened (the decoder is just past its start tag).
    pub fn skip(&mut self, start: &BytesStart<'x>) -> Result<(), DecodeError> {
        if self.take_empty() {
            return Ok(());
        }
        let mut level = 0usize;
        loop {
            match self.event()? {
                Event::Start(_) => {
                    level += 1;
                    if self.depth + level > MAX_DEPTH {
                        return Err(DecodeError::TooDeep { limit: MAX_DEPTH });
                    }
                }
                Event::End(_) => {
                    if level == 0 {
                        self.depth = self.depth.saturating_sub(1);
                        return Ok(());
                    }
                    level -= 1;
                }
                Event::Eof => {
                    return Err(DecodeError::UnexpectedEof {
                        element: element_name(start),
                    });
                }
                _ => {}
            }
        }
    }

    /// The text of the element `start` opened (child elements are skipped), parsed as `T`: as
    /// written for a text type, without the whitespace at either end for any other.
    pub fn text_value<T: XmlValue>(
        &mut self,
        start: &BytesStart<'x>,
    ) -> Result<Option<T>, DecodeError> {
        // Most texts are one event: keep it borrowed, and own a copy only when pieces join.
        let mut text: Cow<'x, str> = Cow::Borrowed("");
        if self.take_empty() {
            return if T::EMPTY_IS_ABSENT {
                Ok(None)
            } else {
                T::parse_xml("").map(Some).map_err(|expected| {
                    DecodeError::invalid(element_name(start), None, "", expected)
                })
            };
        }
        loop {
            match self.event()? {
                Event::Text(t) => append(&mut text, t.xml_content(XmlVersion::Implicit1_0)),
                Event::CData(t) => append(&mut text, t.xml_content(XmlVersion::Implicit1_0)),
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => quick_xml::escape::resolve_predefined_entity(
                            &r.xml_content(XmlVersion::Implicit1_0),
                        )
                        .map(str::to_owned),
                        Err(e) => return Err(self.syntax(e)),
                    };
                    match resolved {
                        Some(s) => append(&mut text, Cow::Owned(s)),
                        None => {
                            return Err(self.syntax(format!(
                                "unknown entity &{}; in <{}>",
                                r.xml_content(XmlVersion::Implicit1_0),
                                element_name(start)
                            )));
                        }
                    }
                }
                Event::Start(e) => {
                    self.depth += 1;
                    self.skip(&e)?;
                }
                Event::Empty(_) => {}
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    break;
                }
                Event::Eof => {
                    return Err(DecodeError::UnexpectedEof {
                        element: element_name(start),
                    });
                }
                _ => {}
            }
        }
        // A text is kept as it is, whitespace at either end included (it is data, and the
        // writer wrote it so); a number, date, flag or enumeration may be padded by whitespace.
        let text = match text {
            text if !T::EMPTY_IS_ABSENT => text,
            Cow::Borrowed(t) => Cow::Borrowed(t.trim()),
            Cow::Owned(t) if t.trim().len() == t.len() => Cow::Owned(t),
            Cow::Owned(t) => Cow::Owned(t.trim().to_owned()),
        };
        if text.is_empty() && T::EMPTY_IS_ABSENT && !self.strict {
            return Ok(None);
        }
        let text = match T::from_text(text) {
            Ok(value) => return Ok(Some(value)),
            Err(text) => text,
        };
        T::parse_xml(&text)
            .map(Some)
            .map_err(|expected| DecodeError::invalid(element_name(start), None, &text, expected))
    }

    /// Takes one list item of type `T` from the budget of decoded items.
    fn charge<T>(&mut self, item: &str) -> Result<(), DecodeError> {
        let size = std::mem::size_of::<T>() as u64;
        match self.budget.checked_sub(size) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(DecodeError::TooManyItems {
                element: item.to_owned(),
                limit: self.limit,
            }),
        }
    }

    /// The items named `item` inside the wrapper `start` opened; other children are skipped.
    /// Each item is taken from the document's budget of decoded items ([`MAX_DECODE_EXPANSION`]).
    pub fn list<T: FromXml>(
        &mut self,
        start: &BytesStart<'x>,
        item: &str,
    ) -> Result<Vec<T>, DecodeError> {
        // A list directly under the root (its wrapper at depth 2) is the page of a paged answer.
        let page_limit = self.page_limit.filter(|_| self.depth == 2);
        let mut out = Vec::new();
        while let Some(child) = self.next_child(start)? {
            if child.local_name().as_ref() == item {
                if let Some(page_size) = page_limit
                    && out.len() >= page_size as usize
                {
                    return Err(DecodeError::PageTooLong { page_size });
                }
                self.charge::<T>(item)?;
                out.push(T::from_xml(self, &child)?);
            } else {
                self.skip(&child)?;
            }
        }
        Ok(out)
    }

    /// The texts of the items named `item` inside the wrapper `start` opened.
    pub fn text_list<T: XmlValue>(
        &mut self,
        start: &BytesStart<'x>,
        item: &str,
    ) -> Result<Vec<T>, DecodeError> {
        let mut out = Vec::new();
        while let Some(child) = self.next_child(start)? {
            if child.local_name().as_ref() == item {
                self.charge::<T>(item)?;
                if let Some(v) = self.text_value(&child)? {
                    out.push(v);
                }
            } else {
                self.skip(&child)?;
            }
        }
        Ok(out)
    }

    /// Decodes an `<error>` element into the error it reports (KNOWN-DEVIATIONS S6, S10).
    pub fn service_error(&mut self, start: &BytesStart<'x>) -> DecodeError {
        match crate::ErrorDetail::from_xml(self, start) {
            Ok(detail) => DecodeError::Service(Box::new(detail)),
            Err(e) => e,
        }
    }

    /// Reads what follows the root element, which must be nothing but whitespace, comments and
    /// processing instructions: a second root (even one holding an `<error>`) makes the document
    /// malformed, as libxml2 reads it.
    fn end_of_document(&mut self) -> Result<(), DecodeError> {
        loop {
            match self.event()? {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if t.xml_content(XmlVersion::Implicit1_0).trim().is_empty() => {}
                _ => return Err(self.syntax("content after the root element")),
            }
        }
    }

    /// Reads up to the root element and checks its name.
    fn root(&mut self) -> Result<BytesStart<'x>, DecodeError> {
        loop {
            let (e, empty) = match self.event()? {
                Event::Start(e) => (e, false),
                Event::Empty(e) => (e, true),
                Event::Eof => return Err(DecodeError::Empty),
                Event::Text(t) if !t.xml_content(XmlVersion::Implicit1_0).trim().is_empty() => {
                    return Err(DecodeError::NotXml);
                }
                _ => continue,
            };
            self.depth = 0;
            self.enter(empty)?;
            {
                {
                    let name = e.local_name();
                    if name.as_ref() == "tsResponse" || name.as_ref() == "tsRequest" {
                        return Ok(e);
                    }
                    return Err(DecodeError::UnexpectedRoot {
                        found: element_name(&e),
                    });
                }
            }
        }
    }
}

/// An attribute's value normalized as XML 1.0 says (references resolved; tab, line feed and
/// carriage return made spaces). Most values hold none of them, and the one pass that tells so
/// costs a fifth of quick-xml's normalization, which is left the values that need it.
fn normalized<'a>(attr: &Attribute<'a>) -> quick_xml::Result<Cow<'a, str>> {
    match attr.value {
        // Tab, LF and CR are the only bytes below 14 normalization changes; the others there
        // are left as they are by both paths.
        // (A fold without an early exit, which the compiler turns into vector instructions.)
        Cow::Borrowed(raw)
            if !raw
                .bytes()
                .fold(false, |found, b| found | (b <= b'\r') | (b == b'&')) =>
        {
            Ok(Cow::Borrowed(raw))
        }
        _ => attr.normalized_value(XmlVersion::Implicit1_0),
    }
}

fn append<'x>(text: &mut Cow<'x, str>, piece: Cow<'x, str>) {
    if text.is_empty() {
        *text = piece;
    } else {
        text.to_mut().push_str(&piece);
    }
}

/// Decodes a whole document: its root (`<tsResponse>` or `<tsRequest>`, any namespace) as `T`.
///
/// Nothing but whitespace, comments and processing instructions may follow the root: a second
/// root element is [`DecodeError::Syntax`].
pub fn decode_document<T: Document>(bytes: &[u8]) -> Result<T, DecodeError> {
    let mut d = Decoder::new(bytes);
    let root = d.root()?;
    let value = T::from_xml(&mut d, &root)?;
    d.end_of_document()?;
    Ok(value)
}

/// Decodes a page of a paginated list: [`decode_document`], where a list directly under the root
/// holding more than `page_size` items is refused with [`DecodeError::PageTooLong`] as soon as
/// its item after the last is read, so that a server cannot make a page hold more than the
/// caller asked for.
pub fn decode_page<T: Document>(bytes: &[u8], page_size: u32) -> Result<T, DecodeError> {
    let mut d = Decoder::new(bytes);
    d.page_limit = Some(page_size);
    let root = d.root()?;
    let value = T::from_xml(&mut d, &root)?;
    d.end_of_document()?;
    Ok(value)
}

/// Decodes a request document as a server must read it: besides what [`decode_document`]
/// checks, the whole document must be well-formed and namespace-well-formed (every attribute of
/// every element checked, no duplicate attribute, every prefix declared) and hold no DOCTYPE (no
/// entity tricks), and an empty value of a number, date, flag or enum is malformed rather than
/// absent. Unknown elements are still skipped, as servers skip them.
pub fn decode_request<T: Document>(bytes: &[u8]) -> Result<T, DecodeError> {
    check_request(bytes)?;
    let mut d = Decoder::new(bytes);
    d.strict = true;
    let root = d.root()?;
    let value = T::from_xml(&mut d, &root)?;
    d.end_of_document()?;
    Ok(value)
}

/// The strict checks of [`decode_request`], on their own.
pub fn check_request(bytes: &[u8]) -> Result<(), DecodeError> {
    use quick_xml::name::ResolveResult;
    if let Some((position, c)) = first_non_xml_char(bytes) {
        return Err(DecodeError::Syntax {
            position,
            message: not_xml_char(c),
        });
    }
    let mut reader = quick_xml::NsReader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut rooted = false;
    let syntax = |reader: &quick_xml::NsReader<&[u8]>, message: String| DecodeError::Syntax {
        position: reader.buffer_position(),
        message,
    };
    let outside = |reader: &quick_xml::NsReader<&[u8]>| {
        syntax(reader, "content outside the root element".to_owned())
    };
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => return Err(syntax(&reader, e.to_string())),
        };
        match &event {
            Event::Start(_) | Event::Empty(_) if depth == 0 && rooted => {
                return Err(outside(&reader));
            }
            Event::Start(_) | Event::Empty(_) if depth == 0 => rooted = true,
            Event::Text(t) if depth == 0 && !t.as_ref().trim().is_empty() => {
                return Err(outside(&reader));
            }
            Event::CData(_) | Event::GeneralRef(_) if depth == 0 => {
                return Err(outside(&reader));
            }
            _ => {}
        }
        let (start, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                continue;
            }
            Event::DocType(_) => {
                return Err(syntax(
                    &reader,
                    "a DOCTYPE is not allowed in a request".to_owned(),
                ));
            }
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) if !is_xml_char(c) => return Err(syntax(&reader, not_xml_char(c))),
                Ok(_) => continue,
                Err(e) => return Err(syntax(&reader, e.to_string())),
            },
            Event::Eof => return Ok(()),
            _ => continue,
        };
        if !empty {
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(DecodeError::TooDeep { limit: MAX_DEPTH });
            }
        }
        let name = element_name(&start);
        if let (ResolveResult::Unknown(prefix), _) = reader.resolver().resolve_element(start.name())
        {
            return Err(syntax(
                &reader,
                format!("<{name}> uses the undeclared namespace prefix {prefix:?}"),
            ));
        }
        for attr in start.attributes().with_checks(true) {
            let attr = attr.map_err(|e| syntax(&reader, format!("in <{name}>: {e}")))?;
            if attr.key.as_namespace_binding().is_some() {
                continue;
            }
            if let (ResolveResult::Unknown(prefix), _) =
                reader.resolver().resolve_attribute(attr.key)
            {
                return Err(syntax(
                    &reader,
                    format!(
                        "an attribute of <{name}> uses the undeclared namespace prefix {prefix:?}"
                    ),
                ));
            }
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| syntax(&reader, format!("in <{name}>: {e}")))?;
            if let Some(c) = value.chars().find(|&c| !is_xml_char(c)) {
                return Err(syntax(&reader, format!("in <{name}>: {}", not_xml_char(c))));
            }
        }
    }
}

fn not_xml_char(c: char) -> String {
    format!("U+{:04X} is not a character XML 1.0 can hold", u32::from(c))
}

/// The first character of `bytes` (as raw text, before references are resolved) that XML 1.0
/// cannot hold, with its byte offset: a C0 control other than tab, newline and carriage return,
/// or U+FFFE, U+FFFF.
fn first_non_xml_char(bytes: &[u8]) -> Option<(u64, char)> {
    bytes.iter().enumerate().find_map(|(i, &b)| match b {
        b'\t' | b'\n' | b'\r' => None,
        0..0x20 => Some((i as u64, char::from(b))),
        0xEF if matches!(bytes.get(i + 1..i + 3), Some([0xBF, 0xBE | 0xBF])) => {
            let c = if bytes[i + 2] == 0xBE {
                '\u{FFFE}'
            } else {
                '\u{FFFF}'
            };
            Some((i as u64, c))
        }
        _ => None,
    })
}

/// Looks for an `<error>` child of the root of `bytes`, for responses whose success body is empty
/// or not XML. `Ok(None)` when the body holds no error; a document with content after its root
/// is malformed.
pub fn find_service_error(bytes: &[u8]) -> Result<Option<crate::ErrorDetail>, DecodeError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let mut d = Decoder::new(bytes);
    let root = d.root()?;
    while let Some(child) = d.next_child(&root)? {
        if child.local_name().as_ref() == "error" {
            return Ok(Some(crate::ErrorDetail::from_xml(&mut d, &child)?));
        }
        d.skip(&child)?;
    }
    d.end_of_document()?;
    Ok(None)
}

/// Encodes a whole document as a `<tsResponse>` in the Tableau namespace.
pub fn encode_response<T: Document>(doc: &T) -> Result<String, EncodeError> {
    let body = encode_document(doc, "tsResponse")?;
    let rest = body.strip_prefix("<tsResponse").unwrap_or(&body);
    Ok(format!(
        "<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns=\"{}\"{rest}",
        crate::XML_NAMESPACE
    ))
}

/// Encodes a whole document with the given root name; a value holding a character XML 1.0
/// cannot hold is refused, naming its field.
pub fn encode_document<T: Document>(doc: &T, root: &str) -> Result<String, EncodeError> {
    let mut w = XmlWriter::new();
    doc.to_xml(&mut w, root);
    w.finish()
}

/// The namespace of `xsi:type` (XML Schema instance).
pub const XSI_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Whether XML 1.0 can hold `c` (its `Char` production: tab, newline, carriage return,
/// U+0020 to U+D7FF, U+E000 to U+FFFD and U+10000 up; Rust's `char` holds no surrogate).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A small XML writer: values are escaped (tab, newline and carriage return in attributes, and
/// carriage return in text, as character references, so a parser gives them back unchanged), an
/// element without children is self-closed, and the `xsi` prefix is declared on the root when an
/// `xsi:` attribute is written, so every document is namespace-well-formed. A value holding a
/// character XML 1.0 cannot hold is not written: [`finish`](Self::finish) reports the first.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
    open: bool,
    /// The end of the root element's name, where namespace declarations go.
    root_name_end: Option<usize>,
    uses_xsi: bool,
    /// Where the names of the open elements are in `out`, for naming a field in an error.
    stack: Vec<(usize, usize)>,
    error: Option<EncodeError>,
}

impl XmlWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    fn close_open(&mut self) {
        if self.open {
            self.out.push('>');
            self.open = false;
        }
    }

    /// Opens an element; attributes may follow.
    pub fn start(&mut self, name: &str) {
        self.close_open();
        self.out.push('<');
        let at = self.out.len();
        self.out.push_str(name);
        self.stack.push((at, self.out.len()));
        if self.root_name_end.is_none() {
            self.root_name_end = Some(self.out.len());
        }
        self.open = true;
    }

    /// The path of the open element (`tsRequest/flow`), with `attribute` when given.
    fn field(&self, attribute: Option<&str>) -> String {
        let mut path: Vec<&str> = self.stack.iter().map(|&(a, b)| &self.out[a..b]).collect();
        let attr;
        if let Some(name) = attribute {
            attr = format!("@{name}");
            path.push(&attr);
        }
        path.join("/")
    }

    /// Appends `value` escaped; `attribute` is the attribute's name, `None` for text.
    fn escaped(&mut self, value: &str, attribute: Option<&str>) {
        let special = |c: char| {
            matches!(c, '&' | '<' | '>' | '"' | '\'' | '\r')
                || (attribute.is_some() && matches!(c, '\t' | '\n'))
                || !is_xml_char(c)
        };
        if !value.contains(special) {
            self.out.push_str(value);
            return;
        }
        for c in value.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' => self.out.push_str("&quot;"),
                '\'' => self.out.push_str("&apos;"),
                '\r' => self.out.push_str("&#13;"),
                '\t' if attribute.is_some() => self.out.push_str("&#9;"),
                '\n' if attribute.is_some() => self.out.push_str("&#10;"),
                c if !is_xml_char(c) => {
                    if self.error.is_none() {
                        self.error = Some(EncodeError::NotXmlChar {
                            field: self.field(attribute),
                            character: c,
                        });
                    }
                }
                c => self.out.push(c),
            }
        }
    }

    /// Adds an attribute to the element just opened.
    pub fn attr<T: XmlValue>(&mut self, name: &str, value: &T) {
        debug_assert!(self.open, "attribute outside a start tag");
        if name.starts_with("xsi:") {
            self.uses_xsi = true;
        }
        self.out.push(' ');
        self.out.push_str(name);
        self.out.push_str("=\"");
        self.escaped(&value.to_xml_value(), Some(name));
        self.out.push('"');
    }

    /// Writes text content.
    pub fn text<T: XmlValue>(&mut self, value: &T) {
        self.close_open();
        self.escaped(&value.to_xml_value(), None);
    }

    /// Writes `<name>text</name>`.
    pub fn text_element<T: XmlValue>(&mut self, name: &str, value: &T) {
        self.start(name);
        self.text(value);
        self.end(name);
    }

    /// Closes an element.
    pub fn end(&mut self, name: &str) {
        self.stack.pop();
        if self.open {
            self.out.push_str("/>");
            self.open = false;
        } else {
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }

    /// The written text, or the first value XML 1.0 could not hold.
    pub fn finish(mut self) -> Result<String, EncodeError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        if self.uses_xsi
            && let Some(at) = self.root_name_end
        {
            self.out
                .insert_str(at, &format!(" xmlns:xsi=\"{XSI_NAMESPACE}\""));
        }
        Ok(self.out)
    }
}

impl XmlValue for String {
    const EMPTY_IS_ABSENT: bool = false;
    fn parse_xml(text: &str) -> Result<Self, String> {
        Ok(text.to_owned())
    }
    fn from_text(text: Cow<'_, str>) -> Result<Self, Cow<'_, str>> {
        Ok(text.into_owned())
    }
    fn to_xml_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

impl XmlValue for crate::Secret {
    const EMPTY_IS_ABSENT: bool = false;
    const SECRET: bool = true;
    fn parse_xml(text: &str) -> Result<Self, String> {
        Ok(crate::Secret::new(text))
    }
    fn to_xml_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.expose())
    }
}

impl XmlValue for bool {
    const EMPTY_IS_ABSENT: bool = true;
    fn parse_xml(text: &str) -> Result<Self, String> {
        if text.eq_ignore_ascii_case("true") || text == "1" {
            Ok(true)
        } else if text.eq_ignore_ascii_case("false") || text == "0" {
            Ok(false)
        } else {
            Err("true or false".into())
        }
    }
    fn to_xml_value(&self) -> Cow<'_, str> {
        Cow::Borrowed(if *self { "true" } else { "false" })
    }
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl XmlValue for $t {
            const EMPTY_IS_ABSENT: bool = true;
            fn parse_xml(text: &str) -> Result<Self, String> {
                text.trim().parse().map_err(|_| format!("an integer ({})", stringify!($t)))
            }
            fn to_xml_value(&self) -> Cow<'_, str> {
                Cow::Owned(self.to_string())
            }
        }
    )*};
}
int_value!(u32, u64, i64);

impl XmlValue for crate::DateTime {
    const EMPTY_IS_ABSENT: bool = true;
    fn parse_xml(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|_| "an RFC 3339 date and time such as 2024-04-09T18:54:12Z".into())
    }
    /// Written as servers write it (KNOWN-DEVIATIONS S18): UTC, whole seconds,
    /// `YYYY-MM-DDTHH:MM:SSZ` (a fraction of a second is dropped).
    fn to_xml_value(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_wire())
    }
}

impl XmlValue for crate::Time {
    const EMPTY_IS_ABSENT: bool = true;
    fn parse_xml(text: &str) -> Result<Self, String> {
        text.parse().map_err(|_| "a time of day HH:MM:SS".into())
    }
    fn to_xml_value(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path of `normalized` gives what quick-xml's normalization gives, for values that
    /// need nothing done and for each kind that does.
    #[test]
    fn normalized_values_are_quick_xmls() {
        let values = [
            "",
            "plain",
            "d00700fe-28a0-4ece-a7af-000000000001",
            "2024-03-12T18:09:02Z",
            "tab\there",
            "line\nfeed",
            "carriage\rreturn",
            "crlf\r\nend",
            "a &amp; b",
            "&#10;&#x9;&lt;&gt;&quot;&apos;",
            "control \u{1} \u{b} \u{c} kept",
            "café ✓ 🙂",
            "~\u{7f}",
        ];
        for value in values {
            let escaped = value.replace('"', "&quot;");
            let xml = format!(r#"<e a="{escaped}"/>"#);
            let mut reader = quick_xml::Reader::from_str(&xml);
            let Ok(Event::Empty(start)) = reader.read_event() else {
                panic!("an empty element: {xml}");
            };
            let attr = start.attributes().next().unwrap().unwrap();
            let ours = normalized(&attr).map_err(|e| e.to_string());
            let theirs = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{value:?}");
        }
    }
}
