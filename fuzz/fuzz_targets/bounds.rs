//! The edge every value of outside origin passes: any text as a date, a time or a line. Never
//! a panic; what is taken lies in its bounds and every reader can format it, in UTC and in
//! Việt Nam time.

#![no_main]

use domain::bounds;
use libfuzzer_sys::fuzz_target;
use time::macros::datetime;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(d) = bounds::parse_date("d", text) {
        assert!((bounds::FIRST_YEAR..=bounds::LAST_YEAR).contains(&d.year()));
    }
    if let Ok(t) = bounds::parse_time("t", text) {
        assert!((bounds::FIRST_YEAR..=bounds::LAST_YEAR).contains(&t.year()));
        assert!(t.format(&time::format_description::well_known::Rfc3339).is_ok());
        let _ = bounds::vietnam_date(t);
        let now = datetime!(2026-11-25 03:00 UTC);
        if let Ok(w) = bounds::within("t", t, now, bounds::CROSSING_PAST, bounds::CROSSING_FUTURE) {
            assert!(w >= now - bounds::CROSSING_PAST && w <= now + bounds::CROSSING_FUTURE);
        }
    }
    if let Ok(line) = bounds::clean_line("l", text, bounds::NAME_MAX) {
        assert!(line.chars().count() <= bounds::NAME_MAX);
        assert!(!line.chars().any(char::is_control));
    }
    if let Ok(note) = bounds::clean_text("n", text, bounds::NOTE_MAX) {
        assert!(!note.contains('\0'));
    }
});
