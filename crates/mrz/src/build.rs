//! Writing an MRZ from a document's fields.

use crate::check::digit_over;
use crate::date::Date;
use crate::name::{NameError, components, name_field};
use crate::{Format, Sex};

/// What a document says, to be written as an MRZ. Names are as written (any case, diacritics,
/// Latin or Cyrillic script); codes and numbers in MRZ characters (lower case is accepted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields {
    pub format: Format,
    /// `P`, `PN`, `I`, `ID`, `V`, … Visas (`V…`) need an MRV layout and MRV layouts a `V` code.
    pub document_code: String,
    pub issuing_state: String,
    pub surname: String,
    pub given_names: String,
    /// Up to 9 characters; TD1 and TD2 take longer numbers by the long-number rule.
    pub document_number: String,
    pub nationality: String,
    /// `None` writes the date as unknown.
    pub birth_date: Option<Date>,
    pub sex: Sex,
    /// `None` writes no expiry date.
    pub expiry_date: Option<Date>,
    /// TD3: the personal number.
    pub optional_data: String,
    /// TD1 only: the optional data of the second line.
    pub optional_data_2: String,
}

/// Why fields cannot be written as an MRZ.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("the document code `{0}` must be one or two letters")]
    DocumentCode(String),
    #[error(
        "the document code `{code}` does not fit {format}: visa codes start with V and only visas do"
    )]
    CodeLayoutMismatch { code: String, format: Format },
    #[error("the {field} `{value}` must be one to three letters")]
    Country { field: &'static str, value: String },
    #[error("the name has no letter")]
    EmptyName,
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("the document number `{0}` must be one or more letters and digits")]
    DocumentNumber(String),
    #[error("the document number has {len} characters; {format} holds at most {max}")]
    DocumentNumberTooLong { len: usize, max: usize, format: Format },
    #[error("the {field} `{value}` may hold only letters, digits, spaces and <")]
    OptionalCharacters { field: &'static str, value: String },
    #[error("the {field} has {len} characters; {max} fit here")]
    OptionalTooLong { field: &'static str, len: usize, max: usize },
}

impl BuildError {
    /// A stable snake_case code for the error.
    pub fn code(&self) -> &'static str {
        match self {
            BuildError::DocumentCode(_) => "invalid_document_code",
            BuildError::CodeLayoutMismatch { .. } => "document_code_layout_mismatch",
            BuildError::Country { field: "nationality", .. } => "invalid_nationality",
            BuildError::Country { .. } => "invalid_issuing_state",
            BuildError::EmptyName => "empty_name",
            BuildError::Name(NameError::Digit(_)) => "digit_in_name",
            BuildError::Name(NameError::Untransliterable(_)) => "untransliterable_name",
            BuildError::DocumentNumber(_) => "invalid_document_number",
            BuildError::DocumentNumberTooLong { .. } => "document_number_too_long",
            BuildError::OptionalCharacters { .. } => "invalid_optional_data",
            BuildError::OptionalTooLong { .. } => "optional_data_too_long",
        }
    }
}

/// Writes the MRZ of `fields`, lines separated by `\n`, with every check digit.
///
/// ```
/// use mrz::{Date, Fields, Format, Sex};
/// let fields = Fields {
///     format: Format::Td3,
///     document_code: "P".into(),
///     issuing_state: "VNM".into(),
///     surname: "Nguyễn".into(),
///     given_names: "Văn Nam".into(),
///     document_number: "C1234567".into(),
///     nationality: "VNM".into(),
///     birth_date: Date::new(1990, 5, 17),
///     sex: Sex::Male,
///     expiry_date: Date::new(2031, 5, 16),
///     optional_data: String::new(),
///     optional_data_2: String::new(),
/// };
/// assert_eq!(
///     mrz::build(&fields).unwrap(),
///     "P<VNMNGUYEN<<VAN<NAM<<<<<<<<<<<<<<<<<<<<<<<<\nC1234567<0VNM9005178M3105168<<<<<<<<<<<<<<<4"
/// );
/// ```
pub fn build(fields: &Fields) -> Result<String, BuildError> {
    let format = fields.format;
    let code = mrz_chars(&fields.document_code);
    let code_ok = matches!(code.len(), 1 | 2) && code.bytes().all(|c| c.is_ascii_uppercase());
    if !code_ok {
        return Err(BuildError::DocumentCode(fields.document_code.clone()));
    }
    if code.starts_with('V') != format.is_visa() {
        return Err(BuildError::CodeLayoutMismatch { code, format });
    }
    let state = country("issuing state", &fields.issuing_state)?;
    let nationality = country("nationality", &fields.nationality)?;
    if components(&fields.surname)?.is_empty() && components(&fields.given_names)?.is_empty() {
        return Err(BuildError::EmptyName);
    }
    let name = name_field(&fields.surname, &fields.given_names, format.name_width())?;

    let number = mrz_chars(&fields.document_number);
    if number.is_empty() || !number.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return Err(BuildError::DocumentNumber(fields.document_number.clone()));
    }
    let optional_width = match format {
        Format::Td1 => 15,
        Format::Td2 => 7,
        Format::Td3 => 14,
        Format::MrvA => 16,
        Format::MrvB => 8,
    };
    let long_allowed = matches!(format, Format::Td1 | Format::Td2);
    let max_number = if long_allowed { 9 + optional_width - 1 } else { 9 };
    if number.len() > max_number {
        return Err(BuildError::DocumentNumberTooLong {
            len: number.len(),
            max: max_number,
            format,
        });
    }
    let number_check = digit(digit_over([number.as_bytes()]));
    // Number field (9), its check digit, and what the long-number rule puts in the optional data.
    let (number_field, number_check_char, spill) = if number.len() <= 9 {
        (pad(&number, 9), number_check, String::new())
    } else {
        let mut spill = number[9..].to_string();
        spill.push(number_check);
        if spill.len() < optional_width {
            spill.push('<');
        }
        (number[..9].to_string(), '<', spill)
    };

    let optional = optional_chars("optional data", &fields.optional_data)?;
    let room = optional_width - spill.len();
    if optional.len() > room {
        return Err(BuildError::OptionalTooLong {
            field: "optional data",
            len: optional.len(),
            max: room,
        });
    }
    let optional_field = pad(&(spill + &optional), optional_width);
    let optional_2 = optional_chars("optional data 2", &fields.optional_data_2)?;
    let optional_2_width = if format == Format::Td1 { 11 } else { 0 };
    if optional_2.len() > optional_2_width {
        return Err(BuildError::OptionalTooLong {
            field: "optional data 2",
            len: optional_2.len(),
            max: optional_2_width,
        });
    }

    let birth = short_date(fields.birth_date);
    let expiry = short_date(fields.expiry_date);
    let birth_part = format!("{birth}{}", digit(digit_over([birth.as_bytes()])));
    let expiry_part = format!("{expiry}{}", digit(digit_over([expiry.as_bytes()])));
    let sex = char::from(fields.sex.mrz_char());

    let text = match format {
        Format::Td1 => {
            let upper = format!(
                "{}{state}{number_field}{number_check_char}{optional_field}",
                pad(&code, 2)
            );
            let middle_head =
                format!("{birth_part}{sex}{expiry_part}{nationality}{}", pad(&optional_2, 11));
            let composite = digit_over([
                &upper.as_bytes()[5..30],
                &middle_head.as_bytes()[0..7],
                &middle_head.as_bytes()[8..15],
                &middle_head.as_bytes()[18..29],
            ]);
            format!("{upper}\n{middle_head}{}\n{name}", digit(composite))
        }
        _ => {
            let upper = format!("{}{state}{name}", pad(&code, 2));
            let mut lower = format!(
                "{number_field}{number_check_char}{nationality}{birth_part}{sex}{expiry_part}{optional_field}"
            );
            if format == Format::Td3 {
                let personal_check = if optional_field.bytes().all(|c| c == b'<') {
                    '<'
                } else {
                    digit(digit_over([optional_field.as_bytes()]))
                };
                lower.push(personal_check);
            }
            if !format.is_visa() {
                let l = lower.as_bytes();
                let composite = digit_over([&l[0..10], &l[13..20], &l[21..]]);
                lower.push(digit(composite));
            }
            format!("{upper}\n{lower}")
        }
    };
    Ok(text)
}

fn digit(d: u8) -> char {
    char::from(b'0' + d % 10)
}

fn mrz_chars(s: &str) -> String {
    s.trim().to_ascii_uppercase()
}

fn pad(s: &str, width: usize) -> String {
    format!("{s:<<width$}")
}

fn country(field: &'static str, value: &str) -> Result<String, BuildError> {
    let code = mrz_chars(value);
    if (1..=3).contains(&code.len()) && code.bytes().all(|c| c.is_ascii_uppercase()) {
        Ok(pad(&code, 3))
    } else {
        Err(BuildError::Country { field, value: value.to_string() })
    }
}

fn optional_chars(field: &'static str, value: &str) -> Result<String, BuildError> {
    let v = mrz_chars(value).replace(' ', "<");
    if v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'<') {
        Ok(v.trim_end_matches('<').to_string())
    } else {
        Err(BuildError::OptionalCharacters { field, value: value.to_string() })
    }
}

fn short_date(date: Option<Date>) -> String {
    match date {
        Some(d) => format!("{:02}{:02}{:02}", d.year() % 100, d.month(), d.day()),
        None => "<<<<<<".to_string(),
    }
}
