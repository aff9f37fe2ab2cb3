//! ICAO Doc 9303 machine-readable zones (MRZ): parse and build TD1, TD2, TD3, MRV-A and MRV-B.
//!
//! [`parse`] turns what a document reader types into an [`Mrz`]: every field, every check digit
//! reported on its own (so a desk can tell a misread from a forgery), and the list of problems.
//! [`build`] writes the MRZ of a document from its fields, transliterating and truncating the
//! name as ICAO Doc 9303 Part 3 says.
//!
//! The crate does no I/O and never reads the clock: two-digit years are resolved against a
//! reading date the caller passes. No input makes it panic.

#![forbid(unsafe_code)]

mod build;
mod check;
mod date;
mod name;
mod parse;

use std::fmt;

pub use build::{BuildError, Fields, build};
pub use check::check_digit;
pub use date::{Date, DateParseError};
pub use name::{NameError, name_field, transliterate};
pub use parse::{ParseError, parse};

/// The five MRZ layouts of ICAO Doc 9303.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// ID-card size, 3 lines of 30 characters (Part 5).
    Td1,
    /// 2 lines of 36 characters (Part 6).
    Td2,
    /// Passport, 2 lines of 44 characters (Part 4).
    Td3,
    /// Full-size visa, 2 lines of 44 characters (Part 7).
    MrvA,
    /// Smaller visa, 2 lines of 36 characters (Part 7).
    MrvB,
}

impl Format {
    pub const ALL: [Format; 5] =
        [Format::Td1, Format::Td2, Format::Td3, Format::MrvA, Format::MrvB];

    /// The name used on the wire: `TD1`, `TD2`, `TD3`, `MRV-A`, `MRV-B`.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Td1 => "TD1",
            Format::Td2 => "TD2",
            Format::Td3 => "TD3",
            Format::MrvA => "MRV-A",
            Format::MrvB => "MRV-B",
        }
    }

    pub const fn lines(self) -> usize {
        match self {
            Format::Td1 => 3,
            _ => 2,
        }
    }

    /// Characters per line.
    pub const fn width(self) -> usize {
        match self {
            Format::Td1 => 30,
            Format::Td2 | Format::MrvB => 36,
            Format::Td3 | Format::MrvA => 44,
        }
    }

    /// Characters of the name field.
    pub const fn name_width(self) -> usize {
        match self {
            Format::Td1 => 30,
            Format::Td2 | Format::MrvB => 31,
            Format::Td3 | Format::MrvA => 39,
        }
    }

    /// Whether the layout is a visa's (no composite check digit).
    pub const fn is_visa(self) -> bool {
        matches!(self, Format::MrvA | Format::MrvB)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Sex as the MRZ records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
    /// `<` or `X` in the MRZ.
    Unspecified,
}

impl Sex {
    /// `M`, `F` or `X`.
    pub const fn code(self) -> char {
        match self {
            Sex::Male => 'M',
            Sex::Female => 'F',
            Sex::Unspecified => 'X',
        }
    }

    /// The MRZ character: `M`, `F` or `<`.
    pub(crate) const fn mrz_char(self) -> u8 {
        match self {
            Sex::Male => b'M',
            Sex::Female => b'F',
            Sex::Unspecified => b'<',
        }
    }
}

/// A field protected by a check digit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckedField {
    DocumentNumber,
    BirthDate,
    ExpiryDate,
    /// The personal number / optional data of TD3.
    OptionalData,
    /// The composite check digit over the whole lower line(s).
    Composite,
}

impl CheckedField {
    pub const fn name(self) -> &'static str {
        match self {
            CheckedField::DocumentNumber => "document_number",
            CheckedField::BirthDate => "birth_date",
            CheckedField::ExpiryDate => "expiry_date",
            CheckedField::OptionalData => "optional_data",
            CheckedField::Composite => "composite",
        }
    }
}

/// The outcome of each check digit. A layout without a check has `None` there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checks {
    pub document_number: bool,
    pub birth_date: bool,
    pub expiry_date: bool,
    pub optional_data: Option<bool>,
    pub composite: Option<bool>,
}

impl Checks {
    /// Every check this layout has, with its outcome, in MRZ order.
    pub fn iter(&self) -> impl Iterator<Item = (CheckedField, bool)> {
        [
            Some((CheckedField::DocumentNumber, self.document_number)),
            Some((CheckedField::BirthDate, self.birth_date)),
            Some((CheckedField::ExpiryDate, self.expiry_date)),
            self.optional_data.map(|ok| (CheckedField::OptionalData, ok)),
            self.composite.map(|ok| (CheckedField::Composite, ok)),
        ]
        .into_iter()
        .flatten()
    }
}

/// One thing wrong with an MRZ whose layout was recognised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A check digit does not match its field.
    CheckDigit {
        field: CheckedField,
        expected: u8,
        found: char,
    },
    InvalidDocumentCode(String),
    InvalidIssuingState(String),
    InvalidNationality(String),
    /// The name field holds a digit.
    InvalidName(String),
    /// Empty, or a long (TD1/TD2) document number without its continuation.
    InvalidDocumentNumber(String),
    InvalidBirthDate(String),
    InvalidExpiryDate(String),
    InvalidSex(char),
}

impl Problem {
    /// A stable snake_case code for the problem.
    pub const fn code(&self) -> &'static str {
        match self {
            Problem::CheckDigit { field, .. } => match field {
                CheckedField::DocumentNumber => "document_number_check_digit",
                CheckedField::BirthDate => "birth_date_check_digit",
                CheckedField::ExpiryDate => "expiry_date_check_digit",
                CheckedField::OptionalData => "optional_data_check_digit",
                CheckedField::Composite => "composite_check_digit",
            },
            Problem::InvalidDocumentCode(_) => "invalid_document_code",
            Problem::InvalidIssuingState(_) => "invalid_issuing_state",
            Problem::InvalidNationality(_) => "invalid_nationality",
            Problem::InvalidName(_) => "invalid_name",
            Problem::InvalidDocumentNumber(_) => "invalid_document_number",
            Problem::InvalidBirthDate(_) => "invalid_birth_date",
            Problem::InvalidExpiryDate(_) => "invalid_expiry_date",
            Problem::InvalidSex(_) => "invalid_sex",
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::CheckDigit { field, expected, found } => {
                let what = match field {
                    CheckedField::DocumentNumber => "document number",
                    CheckedField::BirthDate => "birth date",
                    CheckedField::ExpiryDate => "expiry date",
                    CheckedField::OptionalData => "optional data",
                    CheckedField::Composite => "composite",
                };
                write!(f, "the {what} check digit is `{found}` but the field gives {expected}")
            }
            Problem::InvalidDocumentCode(raw) => {
                write!(f, "`{raw}` is not a document code (a letter, then a letter or <)")
            }
            Problem::InvalidIssuingState(raw) => {
                write!(f, "`{raw}` is not a state code (letters, then < fillers)")
            }
            Problem::InvalidNationality(raw) => {
                write!(f, "`{raw}` is not a nationality code (letters, then < fillers)")
            }
            Problem::InvalidName(raw) => write!(f, "the name field `{raw}` holds a digit"),
            Problem::InvalidDocumentNumber(raw) => {
                write!(f, "`{raw}` is not a document number")
            }
            Problem::InvalidBirthDate(raw) => write!(f, "`{raw}` is not a birth date (YYMMDD)"),
            Problem::InvalidExpiryDate(raw) => write!(f, "`{raw}` is not an expiry date (YYMMDD)"),
            Problem::InvalidSex(c) => write!(f, "`{c}` is not a sex (M, F, X or <)"),
        }
    }
}

impl Problem {
    /// The same, in Vietnamese, as the desk says it.
    pub fn vietnamese(&self) -> String {
        match self {
            Problem::CheckDigit { field, expected, found } => {
                let what = match field {
                    CheckedField::DocumentNumber => "số giấy tờ",
                    CheckedField::BirthDate => "ngày sinh",
                    CheckedField::ExpiryDate => "ngày hết hạn",
                    CheckedField::OptionalData => "dữ liệu tùy chọn",
                    CheckedField::Composite => "tổng hợp",
                };
                format!("Sai số kiểm tra {what} trên MRZ: ghi `{found}`, đúng phải là {expected}")
            }
            Problem::InvalidDocumentCode(raw) => format!("`{raw}` không phải mã loại giấy tờ"),
            Problem::InvalidIssuingState(raw) => format!("`{raw}` không phải mã quốc gia cấp"),
            Problem::InvalidNationality(raw) => format!("`{raw}` không phải mã quốc tịch"),
            Problem::InvalidName(raw) => format!("Trường họ tên `{raw}` có chữ số"),
            Problem::InvalidDocumentNumber(raw) => format!("`{raw}` không phải số giấy tờ"),
            Problem::InvalidBirthDate(raw) => {
                format!("`{raw}` không phải ngày sinh (YYMMDD)")
            }
            Problem::InvalidExpiryDate(raw) => {
                format!("`{raw}` không phải ngày hết hạn (YYMMDD)")
            }
            Problem::InvalidSex(c) => format!("`{c}` không phải giới tính (M, F, X hoặc <)"),
        }
    }
}

/// A machine-readable zone as read: its fields, the outcome of each check digit and every
/// problem found. Built only by [`parse`].
///
/// Text fields come without their trailing `<` fillers; names have their `<` turned into spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mrz {
    pub format: Format,
    /// The lines as read, upper case, joined by `\n`.
    pub text: String,
    pub document_code: String,
    pub issuing_state: String,
    /// The primary identifier.
    pub surname: String,
    /// The secondary identifier, components separated by single spaces.
    pub given_names: String,
    /// The name field is full to its last position, so the name may have been truncated.
    pub name_possibly_truncated: bool,
    /// With the TD1 / TD2 long-number rule applied.
    pub document_number: String,
    pub nationality: String,
    /// `None` when malformed (see `problems`) or written as unknown (`<`).
    pub birth_date: Option<Date>,
    /// `None` when malformed (see `problems`).
    pub sex: Option<Sex>,
    /// `None` when malformed (see `problems`) or absent (all `<`).
    pub expiry_date: Option<Date>,
    /// The optional data (TD3: personal number) after any long document number.
    pub optional_data: String,
    /// The optional data of the second line of a TD1.
    pub optional_data_2: Option<String>,
    pub checks: Checks,
    pub problems: Vec<Problem>,
}

impl Mrz {
    /// True when every field is well-formed and every check digit holds.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The lines as read.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.text.split('\n')
    }
}
