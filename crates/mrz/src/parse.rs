//! Reading an MRZ: normalise what the reader sent, find the layout, cut the fields, check them.

use std::fmt;

use crate::check::digit_over;
use crate::date::{Date, ShortDate};
use crate::{CheckedField, Checks, Format, Mrz, Problem, Sex};

/// The most characters any layout has (TD1: 3 × 30).
const MAX_CHARS: usize = 90;

/// Why a text is not an MRZ at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the input holds no MRZ characters")]
    Empty,
    #[error("line {line}, column {column}: `{found}` is not an MRZ character (A-Z, 0-9, <)")]
    InvalidCharacter { line: usize, column: usize, found: char },
    #[error(
        "{0}: no MRZ layout has that shape (TD1 3×30, TD2 2×36, TD3 2×44, MRV-A 2×44, MRV-B 2×36)"
    )]
    UnknownLayout(Shape),
}

impl ParseError {
    /// A stable snake_case code for the error.
    pub const fn code(&self) -> &'static str {
        match self {
            ParseError::Empty => "empty_input",
            ParseError::InvalidCharacter { .. } => "invalid_character",
            ParseError::UnknownLayout(_) => "unknown_layout",
        }
    }
}

/// The shape of an input that matched no layout: its line lengths, or that it ran too long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    Lines(Vec<usize>),
    TooLong,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::TooLong => write!(f, "more than {MAX_CHARS} characters"),
            Shape::Lines(lens) => {
                let n = lens.len();
                write!(f, "{n} line{} of ", if n == 1 { "" } else { "s" })?;
                for (i, len) in lens.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if i + 1 == n { " and " } else { ", " })?;
                    }
                    write!(f, "{len}")?;
                }
                f.write_str(" characters")
            }
        }
    }
}

/// Parses an MRZ as a document reader or a person typed it.
///
/// Accepted: lines separated by LF or CR/LF (any white space or control character separates),
/// blanks around them, lines run together without a separator, lower case. `reading_date` gives
/// two-digit years their century: a birth date is never after it, an expiry date lies within
/// 50 years of it.
///
/// An `Err` means the text is no MRZ at all. An `Ok` may still carry problems — a failed check
/// digit, a malformed date — in [`Mrz::problems`]; [`Mrz::is_valid`] says whether it has none.
///
/// ```
/// let date = "2010-01-01".parse().unwrap();
/// let mrz = mrz::parse(
///     "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",
///     date,
/// )
/// .unwrap();
/// assert!(mrz.is_valid());
/// assert_eq!(mrz.format, mrz::Format::Td3);
/// assert_eq!(mrz.given_names, "ANNA MARIA");
/// assert_eq!(mrz.expiry_date.unwrap().to_string(), "2012-04-15");
/// ```
pub fn parse(input: &str, reading_date: Date) -> Result<Mrz, ParseError> {
    let (buf, len, format) = normalise(input)?;
    let raw = &buf[..len];
    let w = format.width();
    let line = |i: usize| &raw[i * w..(i + 1) * w];
    let fields = match format {
        Format::Td1 => {
            let (l1, l2) = (line(0), line(1));
            RawFields {
                code: &l1[0..2],
                state: &l1[2..5],
                name: line(2),
                number: &l1[5..14],
                number_check: l1[14],
                nationality: &l2[15..18],
                birth: &l2[0..6],
                birth_check: l2[6],
                sex: l2[7],
                expiry: &l2[8..14],
                expiry_check: l2[14],
                optional: &l1[15..30],
                optional_2: Some(&l2[18..29]),
                optional_check: None,
                composite: Some((l2[29], [&l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29]])),
                long_number: true,
            }
        }
        Format::Td2 | Format::Td3 | Format::MrvA | Format::MrvB => {
            let (l1, l2) = (line(0), line(1));
            let (optional, optional_check, composite) = match format {
                Format::Td2 => (
                    &l2[28..35],
                    None,
                    Some((l2[35], [&l2[0..10], &l2[13..20], &l2[21..35], &[][..]])),
                ),
                Format::Td3 => (
                    &l2[28..42],
                    Some(l2[42]),
                    Some((l2[43], [&l2[0..10], &l2[13..20], &l2[21..43], &[][..]])),
                ),
                _ => (&l2[28..w], None, None),
            };
            RawFields {
                code: &l1[0..2],
                state: &l1[2..5],
                name: &l1[5..w],
                number: &l2[0..9],
                number_check: l2[9],
                nationality: &l2[10..13],
                birth: &l2[13..19],
                birth_check: l2[19],
                sex: l2[20],
                expiry: &l2[21..27],
                expiry_check: l2[27],
                optional,
                optional_2: None,
                optional_check,
                composite,
                long_number: format == Format::Td2,
            }
        }
    };
    Ok(fields.read(format, raw, reading_date))
}

/// Upper-cases the MRZ characters into a buffer, splitting lines at any white space or control
/// character, and finds the layout from the line lengths.
fn normalise(input: &str) -> Result<([u8; MAX_CHARS], usize, Format), ParseError> {
    let mut buf = [0u8; MAX_CHARS];
    let mut len = 0usize;
    // Lengths of the separated pieces; a valid MRZ has at most 3.
    let mut pieces: Vec<usize> = Vec::new();
    let mut current = 0usize;
    for ch in input.chars() {
        if ch.is_whitespace() || ch.is_control() {
            if current > 0 {
                pieces.push(current);
                current = 0;
            }
            continue;
        }
        let c = match ch {
            'a'..='z' => ch.to_ascii_uppercase() as u8,
            'A'..='Z' | '0'..='9' | '<' => ch as u8,
            _ => {
                return Err(ParseError::InvalidCharacter {
                    line: pieces.len() + 1,
                    column: current + 1,
                    found: ch,
                });
            }
        };
        if len == MAX_CHARS {
            return Err(ParseError::UnknownLayout(Shape::TooLong));
        }
        buf[len] = c;
        len += 1;
        current += 1;
    }
    if current > 0 {
        pieces.push(current);
    }
    if len == 0 {
        return Err(ParseError::Empty);
    }
    let width = match len {
        90 => 30,
        88 => 44,
        72 => 36,
        _ => 0,
    };
    if width == 0 || pieces.iter().any(|p| p % width != 0) {
        return Err(ParseError::UnknownLayout(Shape::Lines(pieces)));
    }
    let format = match (width, buf[0]) {
        (30, _) => Format::Td1,
        (44, b'V') => Format::MrvA,
        (44, _) => Format::Td3,
        (_, b'V') => Format::MrvB,
        _ => Format::Td2,
    };
    Ok((buf, len, format))
}

/// The fields of one layout, cut from the lines but not yet checked.
struct RawFields<'a> {
    code: &'a [u8],
    state: &'a [u8],
    name: &'a [u8],
    number: &'a [u8],
    number_check: u8,
    nationality: &'a [u8],
    birth: &'a [u8],
    birth_check: u8,
    sex: u8,
    expiry: &'a [u8],
    expiry_check: u8,
    optional: &'a [u8],
    optional_2: Option<&'a [u8]>,
    optional_check: Option<u8>,
    composite: Option<(u8, [&'a [u8]; 4])>,
    /// TD1 and TD2: a number longer than 9 characters continues in the optional data.
    long_number: bool,
}

impl RawFields<'_> {
    fn read(self, format: Format, raw: &[u8], reading_date: Date) -> Mrz {
        let mut problems = Vec::new();

        if !(self.code[0].is_ascii_uppercase()
            && (self.code[1].is_ascii_uppercase() || self.code[1] == b'<'))
        {
            problems.push(Problem::InvalidDocumentCode(text(self.code)));
        }
        if !is_country(self.state) {
            problems.push(Problem::InvalidIssuingState(text(self.state)));
        }

        // The long-number rule: `<` in the check-digit position, the rest of the number and its
        // check digit at the start of the optional data, then a filler.
        let (number, number_check, optional) = if self.long_number && self.number_check == b'<' {
            let end = self.optional.iter().position(|&c| c == b'<').unwrap_or(self.optional.len());
            if end == 0 {
                (String::new(), None, self.optional)
            } else {
                let mut n = text(self.number);
                n.push_str(&text(&self.optional[..end - 1]));
                let rest = self.optional.get(end + 1..).unwrap_or(&[]);
                (n, Some(self.optional[end - 1]), rest)
            }
        } else {
            (text(trim(self.number)), Some(self.number_check), self.optional)
        };
        let number_ok = match number_check {
            Some(found) => {
                // The long number's check digit covers the principal part and the continuation.
                let computed = if number.len() > self.number.len() {
                    digit_over([number.as_bytes()])
                } else {
                    digit_over([self.number])
                };
                check(&mut problems, CheckedField::DocumentNumber, computed, found)
            }
            None => false,
        };
        if number.is_empty() {
            problems.push(Problem::InvalidDocumentNumber(text(self.number)));
        }

        if !is_country(self.nationality) {
            problems.push(Problem::InvalidNationality(text(self.nationality)));
        }

        let birth_ok = check(
            &mut problems,
            CheckedField::BirthDate,
            digit_over([self.birth]),
            self.birth_check,
        );
        let birth_date = match ShortDate::from_digits(self.birth) {
            Some(sd) => {
                let d = sd.as_birth_date(reading_date);
                if d.is_none() {
                    problems.push(Problem::InvalidBirthDate(text(self.birth)));
                }
                d
            }
            None => {
                if !is_unknown_date(self.birth) {
                    problems.push(Problem::InvalidBirthDate(text(self.birth)));
                }
                None
            }
        };

        let sex = match self.sex {
            b'M' => Some(Sex::Male),
            b'F' => Some(Sex::Female),
            b'<' | b'X' => Some(Sex::Unspecified),
            other => {
                problems.push(Problem::InvalidSex(char::from(other)));
                None
            }
        };

        let expiry_ok = check(
            &mut problems,
            CheckedField::ExpiryDate,
            digit_over([self.expiry]),
            self.expiry_check,
        );
        let expiry_date = match ShortDate::from_digits(self.expiry) {
            Some(sd) => {
                let d = sd.as_expiry_date(reading_date);
                if d.is_none() {
                    problems.push(Problem::InvalidExpiryDate(text(self.expiry)));
                }
                d
            }
            None => {
                if !self.expiry.iter().all(|&c| c == b'<') {
                    problems.push(Problem::InvalidExpiryDate(text(self.expiry)));
                }
                None
            }
        };

        let optional_ok = self.optional_check.map(|found| {
            // An empty personal number may carry `<` as its check digit.
            if found == b'<' && self.optional.iter().all(|&c| c == b'<') {
                true
            } else {
                check(&mut problems, CheckedField::OptionalData, digit_over([self.optional]), found)
            }
        });
        let composite_ok = self.composite.map(|(found, parts)| {
            check(&mut problems, CheckedField::Composite, digit_over(parts), found)
        });

        if !self.name.iter().all(|&c| c.is_ascii_uppercase() || c == b'<') {
            problems.push(Problem::InvalidName(text(self.name)));
        }
        let (surname, given_names) = split_name(trim(self.name));

        let mut joined = String::with_capacity(raw.len() + 2);
        for (i, l) in raw.chunks(format.width()).enumerate() {
            if i > 0 {
                joined.push('\n');
            }
            joined.push_str(&text(l));
        }

        Mrz {
            format,
            text: joined,
            document_code: text(trim(self.code)),
            issuing_state: text(trim(self.state)),
            surname,
            given_names,
            name_possibly_truncated: self.name.last().is_some_and(|&c| c != b'<'),
            document_number: number,
            nationality: text(trim(self.nationality)),
            birth_date,
            sex,
            expiry_date,
            optional_data: text(trim(optional)),
            optional_data_2: self.optional_2.map(|o| text(trim(o))),
            checks: Checks {
                document_number: number_ok,
                birth_date: birth_ok,
                expiry_date: expiry_ok,
                optional_data: optional_ok,
                composite: composite_ok,
            },
            problems,
        }
    }
}

/// Compares a check digit with the one computed, recording a problem when they differ.
fn check(problems: &mut Vec<Problem>, field: CheckedField, computed: u8, found: u8) -> bool {
    let ok = found.is_ascii_digit() && found - b'0' == computed;
    if !ok {
        problems.push(Problem::CheckDigit { field, expected: computed, found: char::from(found) });
    }
    ok
}

/// The bytes are MRZ characters (checked in `normalise`), hence ASCII.
fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap_or_default()
}

fn trim(field: &[u8]) -> &[u8] {
    let end = field.iter().rposition(|&c| c != b'<').map_or(0, |i| i + 1);
    &field[..end]
}

/// Letters, then only fillers: `UTO`, `D<<`.
fn is_country(code: &[u8]) -> bool {
    let letters = code.iter().take_while(|c| c.is_ascii_uppercase()).count();
    letters > 0 && code[letters..].iter().all(|&c| c == b'<')
}

/// A date written as partly or wholly unknown: `<<<<<<`, `YY<<<<`, `YYMM<<`.
fn is_unknown_date(raw: &[u8]) -> bool {
    let digits = raw.iter().take_while(|c| c.is_ascii_digit()).count();
    matches!(digits, 0 | 2 | 4) && raw[digits..].iter().all(|&c| c == b'<')
}

/// Splits the name field at the first `<<` into the primary and secondary identifiers, turning
/// the remaining fillers into single spaces.
fn split_name(field: &[u8]) -> (String, String) {
    let at = field.windows(2).position(|w| w == b"<<");
    let (primary, secondary) = match at {
        Some(i) => (&field[..i], &field[i + 2..]),
        None => (field, &[][..]),
    };
    (spaced(primary), spaced(secondary))
}

fn spaced(part: &[u8]) -> String {
    let mut out = String::with_capacity(part.len());
    for piece in part.split(|&c| c == b'<').filter(|p| !p.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(piece.iter().map(|&c| char::from(c)));
    }
    out
}
