//! What the watchlist holds and what a query asks, parsed at the edge into valid values.

use std::fmt;

/// A date of birth: the full date, or the month and year, or only the year, when that is all
/// that is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dob {
    Full(time::Date),
    Month { year: i32, month: time::Month },
    Year(i32),
}

impl Dob {
    /// `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. A day or month written `00` or `XX` is unknown, as
    /// lists and civil records write it (`1950-00-00` is the year 1950; ICAO 9303 prints `XX`
    /// where the date of birth on a document is partly unknown).
    pub fn parse(text: &str) -> Result<Dob, FieldError> {
        let t = text.trim();
        let bad = || FieldError::Dob(t.chars().take(40).collect());
        let digits = |s: &str| s.len() == s.bytes().filter(u8::is_ascii_digit).count();
        if t.len() == 4 && digits(t) {
            let year: i32 = t.parse().map_err(|_| bad())?;
            return if (1..=9999).contains(&year) { Ok(Dob::Year(year)) } else { Err(bad()) };
        }
        let parts: Vec<&str> = t.split('-').collect();
        let unknown = |s: &str| s == "00" || s.eq_ignore_ascii_case("XX");
        match parts[..] {
            [y, m] | [y, m, _] if y.len() == 4 && digits(y) && unknown(m) => {
                let known = parts.get(2).is_none_or(|d| unknown(d) || (d.len() == 2 && digits(d)));
                return if known { Dob::parse(y) } else { Err(bad()) };
            }
            [y, m, d] if unknown(d) => return Dob::parse(&format!("{y}-{m}")).map_err(|_| bad()),
            _ => {}
        }
        if let [y, m] = parts[..] {
            if y.len() != 4 || m.len() != 2 || !(digits(y) && digits(m)) {
                return Err(bad());
            }
            let year: i32 = y.parse().map_err(|_| bad())?;
            let month: u8 = m.parse().map_err(|_| bad())?;
            let month = time::Month::try_from(month).map_err(|_| bad())?;
            return if (1..=9999).contains(&year) {
                Ok(Dob::Month { year, month })
            } else {
                Err(bad())
            };
        }
        let [y, m, d] = parts[..] else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 || !(digits(y) && digits(m) && digits(d)) {
            return Err(bad());
        }
        let (y, m, d): (i32, u8, u8) = (
            y.parse().map_err(|_| bad())?,
            m.parse().map_err(|_| bad())?,
            d.parse().map_err(|_| bad())?,
        );
        let month = time::Month::try_from(m).map_err(|_| bad())?;
        time::Date::from_calendar_date(y, month, d).map(Dob::Full).map_err(|_| bad())
    }

    pub fn year(self) -> i32 {
        match self {
            Dob::Full(d) => d.year(),
            Dob::Month { year, .. } => year,
            Dob::Year(y) => y,
        }
    }

    /// The month, where it is known.
    pub fn month(self) -> Option<time::Month> {
        match self {
            Dob::Full(d) => Some(d.month()),
            Dob::Month { month, .. } => Some(month),
            Dob::Year(_) => None,
        }
    }
}

impl Dob {
    /// As Vietnamese write it: `12/03/1985`, or the year alone.
    pub fn vietnamese(&self) -> String {
        match self {
            Dob::Full(d) => format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year()),
            Dob::Month { year, month } => format!("{:02}/{year:04}", u8::from(*month)),
            Dob::Year(y) => format!("{y:04}"),
        }
    }
}

impl fmt::Display for Dob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dob::Full(d) => write!(f, "{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
            Dob::Month { year, month } => write!(f, "{year:04}-{:02}", u8::from(*month)),
            Dob::Year(y) => write!(f, "{y:04}"),
        }
    }
}

/// An ICAO country code: one to three upper-case letters (`VNM`, `DEU`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country([u8; 3]);

impl Country {
    /// Germany's documents write `D<<` (ICAO 9303 Part 3) where lists write ISO 3166's `DEU`:
    /// both are read as `DEU`, so a German passport's nationality matches a German listing's.
    pub fn parse(text: &str) -> Result<Country, FieldError> {
        let t = text.trim().trim_end_matches('<').to_ascii_uppercase();
        let t = if t == "D" { "DEU".to_string() } else { t };
        if (1..=3).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_uppercase()) {
            let mut code = [b' '; 3];
            code[..t.len()].copy_from_slice(t.as_bytes());
            Ok(Country(code))
        } else {
            Err(FieldError::Country(text.chars().take(20).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("").trim_end()
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// `M` or `F`; `X`, `<` and empty mean unknown and give `None`.
    pub fn parse(text: &str) -> Result<Option<Sex>, FieldError> {
        match text.trim() {
            "M" | "m" => Ok(Some(Sex::Male)),
            "F" | "f" => Ok(Some(Sex::Female)),
            "" | "X" | "x" | "<" => Ok(None),
            other => Err(FieldError::Sex(other.chars().take(20).collect())),
        }
    }
}

/// A document number compared exactly: upper case, letters and digits only.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DocumentNumber(Box<str>);

impl DocumentNumber {
    /// `None` when nothing of a number is left after dropping separators and fillers.
    pub fn parse(text: &str) -> Option<DocumentNumber> {
        let n: String = text
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect();
        (!n.is_empty()).then(|| DocumentNumber(n.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A field that does not hold what it should.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("`{0}` is not a date of birth (YYYY-MM-DD, YYYY-MM or YYYY)")]
    Dob(String),
    #[error("`{0}` is not a country code (one to three letters)")]
    Country(String),
    #[error("`{0}` is not a sex (M, F or X)")]
    Sex(String),
    #[error("the name has no letters")]
    EmptyName,
    #[error("the id is empty")]
    EmptyId,
}

impl FieldError {
    pub const fn code(&self) -> &'static str {
        match self {
            FieldError::Dob(_) => "invalid_dob",
            FieldError::Country(_) => "invalid_nationality",
            FieldError::Sex(_) => "invalid_sex",
            FieldError::EmptyName => "invalid_name",
            FieldError::EmptyId => "invalid_id",
        }
    }
}

/// A person on the watchlist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    /// As written, with diacritics.
    pub name: String,
    pub aliases: Vec<String>,
    pub dob: Option<Dob>,
    pub nationality: Option<Country>,
    pub sex: Option<Sex>,
    pub document_number: Option<DocumentNumber>,
}

/// Who is at the desk, as far as the document tells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub name: String,
    pub dob: Option<Dob>,
    pub nationality: Option<Country>,
    pub sex: Option<Sex>,
    pub document_number: Option<DocumentNumber>,
}

impl Query {
    pub fn name(name: impl Into<String>) -> Query {
        Query { name: name.into(), dob: None, nationality: None, sex: None, document_number: None }
    }
}

/// One watchlist entry that may be the person queried, with why.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub id: String,
    /// 0 to 1; 1 for an exact document number.
    pub score: f32,
    /// The name or alias that matched, as written on the list.
    pub matched_name: String,
    /// What is alike and what differs, in English.
    pub reasons: Vec<String>,
    /// The same, one for one, in Vietnamese for the officer's pages.
    pub reasons_vi: Vec<String>,
    /// Not a hit: the whole name matches a listing without a full date of birth, but the name
    /// is too common on the list to tell this person from the others who bear it. Given only
    /// to a caller who asks (`SearchOptions::held_back`); the first reason says why.
    pub held_back: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth() {
        assert_eq!(Dob::parse("1985").unwrap(), Dob::Year(1985));
        assert_eq!(Dob::parse("1985-03-12").unwrap().to_string(), "1985-03-12");
        let month = Dob::parse("1985-03").unwrap();
        assert_eq!((month.to_string(), month.vietnamese()), ("1985-03".into(), "03/1985".into()));
        // An unknown day or month, as lists write it.
        assert_eq!(Dob::parse("1950-00-00").unwrap(), Dob::Year(1950));
        assert_eq!(Dob::parse("1950-XX-xx").unwrap(), Dob::Year(1950));
        assert_eq!(Dob::parse("1950-00").unwrap(), Dob::Year(1950));
        assert_eq!(Dob::parse("1950-00-17").unwrap(), Dob::Year(1950));
        assert_eq!(Dob::parse("1950-04-00").unwrap().to_string(), "1950-04");
        assert_eq!(Dob::parse("1950-04-XX").unwrap().to_string(), "1950-04");
        for bad in [
            "85",
            "1985-3-12",
            "1985-02-30",
            "12/03/1985",
            "abcd",
            "0000",
            "",
            "1985-13",
            "1985-3",
            "0000-00-00",
            "1985-13-00",
            "1985-00-1",
            "19a5-00-00",
            "1985-00-00-00",
        ] {
            assert!(Dob::parse(bad).is_err(), "{bad}");
        }
    }

    /// Every date of birth read prints as what reads back as itself: what is stored in the
    /// canonical form reads the same forever after.
    #[test]
    fn dates_of_birth_read_back_as_written() {
        let pieces = ["1950", "0000", "00", "XX", "xx", "13", "04", "31", "1", "", "2a"];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    for text in [format!("{a}-{b}-{c}"), format!("{a}-{b}"), format!("{a}{b}")] {
                        if let Ok(d) = Dob::parse(&text) {
                            assert_eq!(Dob::parse(&d.to_string()), Ok(d), "{text}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn countries_sexes_and_numbers() {
        assert_eq!(Country::parse("vnm").unwrap().as_str(), "VNM");
        assert_eq!(Country::parse("D<<").unwrap().as_str(), "DEU");
        assert_eq!(Country::parse("D").unwrap(), Country::parse("deu").unwrap());
        assert!(Country::parse("VIET").is_err());
        assert!(Country::parse("V1").is_err());
        assert_eq!(Sex::parse("X").unwrap(), None);
        assert!(Sex::parse("Q").is_err());
        assert_eq!(DocumentNumber::parse(" c-123 456 ").unwrap().as_str(), "C123456");
        assert_eq!(DocumentNumber::parse("<<< "), None);
    }
}
