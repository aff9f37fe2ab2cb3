//! What any value may hold before it is stored: dates and times every reader can format (in
//! UTC and in Việt Nam time, as RFC 3339 and as a date), and text of a bounded length without
//! the characters that poison a record (NUL, which PostgreSQL refuses, and other controls).
//!
//! Every parser of outside input goes through these, so that no input can make a stored record
//! unreadable, stall a handler on a megabyte of name, or panic a formatter.

use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use crate::values::InvalidValue;

/// Việt Nam time, which has no daylight saving.
pub const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// The first year a date may lie in: nobody alive was born before it, no document was issued.
pub const FIRST_YEAR: i32 = 1900;
/// The last year a date may lie in: far beyond any document's or permit's validity, and far
/// from the year 9999 where a date turned into another offset no longer formats.
pub const LAST_YEAR: i32 = 2199;

/// How far before the server's clock a crossing may be dated: a device or a post that lost its
/// link keeps what it recorded and sends it when the link returns, and a month covers the
/// longest outage a post has had. Older records come through the posts' own sync, not here.
pub const CROSSING_PAST: Duration = Duration::days(30);
/// How far after the server's clock a crossing may be dated: a device's clock may run fast. Ten
/// minutes is ten times the drift an unsynchronised quartz clock gathers in a month, and short
/// enough that a crossing "in the future" cannot mislead the next check.
pub const CROSSING_FUTURE: Duration = Duration::minutes(10);

fn in_years(d: Date) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&d.year())
}

/// A date as `YYYY-MM-DD`, exactly: four-digit year (no sign) between [`FIRST_YEAR`] and
/// [`LAST_YEAR`].
pub fn parse_date(field: &'static str, s: &str) -> Result<Date, InvalidValue> {
    let s = s.trim();
    let b = s.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let date = shaped.then(|| Date::parse(s, &fmt).ok()).flatten().ok_or_else(|| {
        InvalidValue::new(field, format!("{:?} is not a date (YYYY-MM-DD)", clip(s)))
            .vi(format!("«{}» không phải một ngày (ngày/tháng/năm)", clip(s)))
    })?;
    if !in_years(date) {
        return Err(InvalidValue::new(
            field,
            format!("{s} is outside the years {FIRST_YEAR} to {LAST_YEAR}"),
        )
        .vi(format!("Năm phải từ {FIRST_YEAR} đến {LAST_YEAR}")));
    }
    Ok(date)
}

/// A time as RFC 3339 with its offset, taken to UTC; its date (in UTC and in Việt Nam) lies
/// between [`FIRST_YEAR`] and [`LAST_YEAR`].
pub fn parse_time(field: &'static str, s: &str) -> Result<OffsetDateTime, InvalidValue> {
    let s = s.trim();
    let t = OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .and_then(|t| t.checked_to_offset(UtcOffset::UTC))
        .ok_or_else(|| {
            InvalidValue::new(field, format!("{:?} is not an RFC 3339 time", clip(s)))
        })?;
    if !in_years(t.date()) {
        return Err(InvalidValue::new(
            field,
            format!("{s} is outside the years {FIRST_YEAR} to {LAST_YEAR}"),
        ));
    }
    Ok(t)
}

/// A time that must lie within `[now - past, now + future]`.
pub fn within(
    field: &'static str,
    t: OffsetDateTime,
    now: OffsetDateTime,
    past: Duration,
    future: Duration,
) -> Result<OffsetDateTime, InvalidValue> {
    if t < now - past {
        return Err(InvalidValue::new(
            field,
            format!("{} is more than {} days before now", rfc3339(t), past.whole_days()),
        ));
    }
    if t > now + future {
        return Err(InvalidValue::new(
            field,
            format!(
                "{} is more than {} minutes after now: is the device's clock right?",
                rfc3339(t),
                future.whole_minutes()
            ),
        ));
    }
    Ok(t)
}

/// The time in another offset; the time as it is where that would leave the calendar (it
/// cannot for a time parsed here, but a reader never panics on what is stored).
pub fn at_offset(t: OffsetDateTime, offset: UtcOffset) -> OffsetDateTime {
    t.checked_to_offset(offset).unwrap_or(t)
}

/// A time given in Unix seconds by an outside document (a certificate's validity), held to the
/// years every stored time is: one before them is the first moment held, one after the last
/// (a CSCA "valid until 9999" is valid until the end of 2199 here).
pub fn held_time(unix_seconds: i64) -> OffsetDateTime {
    let first = Date::from_calendar_date(FIRST_YEAR, time::Month::January, 1)
        .map_or(OffsetDateTime::UNIX_EPOCH, |d| d.midnight().assume_utc());
    let last = Date::from_calendar_date(LAST_YEAR, time::Month::December, 31)
        .map_or(OffsetDateTime::UNIX_EPOCH, |d| d.midnight().assume_utc());
    match OffsetDateTime::from_unix_timestamp(unix_seconds) {
        Ok(t) => t.clamp(first, last),
        Err(_) if unix_seconds < 0 => first,
        Err(_) => last,
    }
}

/// The date in Việt Nam.
pub fn vietnam_date(t: OffsetDateTime) -> Date {
    at_offset(t, VIETNAM).date()
}

/// RFC 3339, or the plain date and time where RFC 3339 cannot say the year.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| format!("{} {}", t.date(), t.time()))
}

/// Serde for a time on the wire that never fails: RFC 3339 (see [`rfc3339`]).
pub mod wire_time {
    use serde::Serializer;
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }

    pub mod option {
        use serde::Serializer;
        use time::OffsetDateTime;

        pub fn serialize<S: Serializer>(
            t: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::super::rfc3339(*t)),
                None => s.serialize_none(),
            }
        }
    }
}

/// A line that must be there: [`clean_line`], and not empty.
pub fn required_line(field: &'static str, s: &str, max: usize) -> Result<String, InvalidValue> {
    let t = clean_line(field, s, max)?;
    if t.is_empty() {
        return Err(InvalidValue::new(field, "missing").vi("Chưa điền"));
    }
    Ok(t)
}

/// What a line of text may hold: printable characters (no control character, NUL included),
/// at most `max` characters once trimmed and its inner white space folded to single spaces.
pub fn clean_line(field: &'static str, s: &str, max: usize) -> Result<String, InvalidValue> {
    if s.chars().any(char::is_control) {
        return Err(InvalidValue::new(field, "holds a control character")
            .vi("Có ký tự điều khiển không được phép"));
    }
    let folded = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > max {
        return Err(InvalidValue::new(field, format!("has more than {max} characters"))
            .vi(format!("Dài quá {max} ký tự")));
    }
    Ok(folded)
}

/// Free text (a note, a reason): lines and tabs allowed, no other control character, at most
/// `max` characters once trimmed.
pub fn clean_text(field: &'static str, s: &str, max: usize) -> Result<String, InvalidValue> {
    if s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(InvalidValue::new(field, "holds a control character")
            .vi("Có ký tự điều khiển không được phép"));
    }
    let t = s.trim();
    if t.chars().count() > max {
        return Err(InvalidValue::new(field, format!("has more than {max} characters"))
            .vi(format!("Dài quá {max} ký tự")));
    }
    Ok(t.to_string())
}

/// The most a person's name may hold, as written (with diacritics, in any script).
pub const NAME_MAX: usize = 200;
/// The most a free-text note or reason may hold.
pub const NOTE_MAX: usize = 2_000;

/// A value quoted back in an error message, cut so the message stays short.
pub fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn outside_times_are_held_to_the_stored_years() {
        // 9999-12-31T23:59:59Z, as a CSCA may write "no end".
        assert_eq!(held_time(253_402_300_799).year(), LAST_YEAR);
        assert_eq!(held_time(i64::MAX).year(), LAST_YEAR);
        assert_eq!(held_time(i64::MIN).year(), FIRST_YEAR);
        assert_eq!(held_time(-5_000_000_000).year(), FIRST_YEAR);
        assert_eq!(
            held_time(1_790_000_000),
            OffsetDateTime::from_unix_timestamp(1_790_000_000)
                .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        );
    }

    #[test]
    fn dates_are_four_digit_years_in_range() {
        assert_eq!(parse_date("d", " 1974-08-12 ").unwrap().to_string(), "1974-08-12");
        for bad in [
            "9999-12-31",
            "-9999-01-01",
            "+2026-01-01",
            "0000-01-01",
            "1899-12-31",
            "2026-1-01",
            "2026-02-30",
            "12/08/1974",
            "",
            "２０２６-01-01",
        ] {
            assert!(parse_date("d", bad).is_err(), "{bad}");
        }
        assert!(parse_date("d", "2199-12-31").is_ok());
    }

    #[test]
    fn times_are_taken_to_utc_and_bounded() {
        let t = parse_time("at", "2026-11-25T10:00:00+07:00").unwrap();
        assert_eq!(t, datetime!(2026-11-25 03:00 UTC));
        assert_eq!(t.offset(), UtcOffset::UTC);
        for bad in ["0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59Z", "2026-11-25", "now"] {
            assert!(parse_time("at", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_crossing_lies_within_its_window() {
        let now = datetime!(2026-11-25 03:00 UTC);
        let ok = |t| within("at", t, now, CROSSING_PAST, CROSSING_FUTURE).is_ok();
        assert!(ok(now));
        assert!(ok(now - Duration::days(29)));
        assert!(ok(now + Duration::minutes(9)));
        assert!(!ok(now - Duration::days(31)));
        assert!(!ok(now + Duration::minutes(11)));
    }

    #[test]
    fn readers_never_panic_on_extreme_times() {
        let far = datetime!(9999-12-31 23:59:59 UTC);
        assert_eq!(at_offset(far, VIETNAM), far);
        assert_eq!(vietnam_date(far).year(), 9999);
        let early = datetime!(-0001-12-31 23:00 UTC);
        assert!(!rfc3339(early).is_empty());
    }

    #[test]
    fn text_is_bounded_and_clean() {
        assert_eq!(clean_line("n", "  Nguyễn   Văn\u{a0}Đức ", 200).unwrap(), "Nguyễn Văn Đức");
        assert!(clean_line("n", "a\0b", 200).is_err());
        assert!(clean_line("n", "a\nb", 200).is_err());
        assert!(clean_line("n", &"x".repeat(201), 200).is_err());
        assert_eq!(
            clean_text("r", " wanted\nfor smuggling ", 100).unwrap(),
            "wanted\nfor smuggling"
        );
        assert!(clean_text("r", "a\0", 100).is_err());
    }
}
