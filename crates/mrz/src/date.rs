//! Calendar dates as the MRZ carries them, and the rules that give two-digit years a century.

use std::fmt;
use std::str::FromStr;

/// A valid proleptic Gregorian calendar date between the years 1 and 9999.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order matters: the derived ordering is chronological.
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// The date, or `None` when no such day exists.
    pub const fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        if year == 0 || year > 9999 || month == 0 || month > 12 || day == 0 {
            return None;
        }
        if day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    pub const fn year(self) -> u16 {
        self.year
    }

    pub const fn month(self) -> u8 {
        self.month
    }

    pub const fn day(self) -> u8 {
        self.day
    }
}

const fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

const fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Why a `YYYY-MM-DD` text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a date in the form YYYY-MM-DD")]
pub struct DateParseError(String);

impl FromStr for Date {
    type Err = DateParseError;

    fn from_str(s: &str) -> Result<Date, DateParseError> {
        let err = || DateParseError(s.chars().take(40).collect());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(err());
        }
        let num = |r: std::ops::Range<usize>| -> Option<u16> {
            b[r].iter().try_fold(0u16, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0'))
            })
        };
        let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
            return Err(err());
        };
        // m and d are at most 99, so the narrowing below cannot truncate.
        Date::new(y, m as u8, d as u8).ok_or_else(err)
    }
}

/// `YYMMDD` as it stands in the MRZ, before a century is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ShortDate {
    pub yy: u8,
    pub mm: u8,
    pub dd: u8,
}

impl ShortDate {
    pub fn from_digits(raw: &[u8]) -> Option<ShortDate> {
        if raw.len() != 6 || !raw.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let two = |i: usize| (raw[i] - b'0') * 10 + (raw[i + 1] - b'0');
        Some(ShortDate { yy: two(0), mm: two(2), dd: two(4) })
    }

    fn in_century_of(self, reading: Date) -> i32 {
        i32::from(reading.year) - i32::from(reading.year) % 100 + i32::from(self.yy)
    }

    fn with_year(self, year: i32) -> Option<Date> {
        u16::try_from(year).ok().and_then(|y| Date::new(y, self.mm, self.dd))
    }

    /// A birth date is never after the reading date.
    pub fn as_birth_date(self, reading: Date) -> Option<Date> {
        let mut year = self.in_century_of(reading);
        if (year, self.mm, self.dd) > (i32::from(reading.year), reading.month, reading.day) {
            year -= 100;
        }
        self.with_year(year)
    }

    /// An expiry date lies within 50 years either side of the reading date.
    pub fn as_expiry_date(self, reading: Date) -> Option<Date> {
        let mut year = self.in_century_of(reading);
        let now = i32::from(reading.year);
        if year > now + 50 {
            year -= 100;
        } else if year < now - 50 {
            year += 100;
        }
        self.with_year(year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn validates_calendar() {
        assert!(Date::new(2024, 2, 29).is_some());
        assert!(Date::new(2023, 2, 29).is_none());
        assert!(Date::new(1900, 2, 29).is_none());
        assert!(Date::new(2000, 2, 29).is_some());
        assert!(Date::new(2023, 4, 31).is_none());
        assert!(Date::new(2023, 13, 1).is_none());
        assert!(Date::new(0, 1, 1).is_none());
    }

    #[test]
    fn parses_and_prints_iso_dates() {
        assert_eq!(d("2026-11-25").to_string(), "2026-11-25");
        for bad in ["2026-1-25", "2026/11/25", "2026-02-30", "20261125", "２026-11-25", ""] {
            assert!(bad.parse::<Date>().is_err(), "{bad}");
        }
    }

    #[test]
    fn birth_date_is_never_in_the_future() {
        let sd = |s: &str| ShortDate::from_digits(s.as_bytes()).unwrap();
        let reading = d("2026-11-25");
        assert_eq!(sd("740812").as_birth_date(reading), Some(d("1974-08-12")));
        assert_eq!(sd("261125").as_birth_date(reading), Some(d("2026-11-25")));
        assert_eq!(sd("261126").as_birth_date(reading), Some(d("1926-11-26")));
        assert_eq!(sd("000229").as_birth_date(reading), Some(d("2000-02-29")));
        // 29 Feb 1900 does not exist, and 2000 would lie in the future of a 1999 reading.
        assert_eq!(sd("000229").as_birth_date(d("1999-01-01")), None);
    }

    #[test]
    fn expiry_date_lies_within_fifty_years() {
        let sd = |s: &str| ShortDate::from_digits(s.as_bytes()).unwrap();
        let reading = d("2026-11-25");
        assert_eq!(sd("120415").as_expiry_date(reading), Some(d("2012-04-15")));
        assert_eq!(sd("760101").as_expiry_date(reading), Some(d("2076-01-01")));
        assert_eq!(sd("770101").as_expiry_date(reading), Some(d("1977-01-01")));
        assert_eq!(sd("990101").as_expiry_date(d("2001-06-01")), Some(d("1999-01-01")));
        assert_eq!(sd("050101").as_expiry_date(d("1998-06-01")), Some(d("2005-01-01")));
    }
}
