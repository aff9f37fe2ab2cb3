//! Any text into `mrz::parse`: it must never panic, and what it accepts must be self-consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, u8, u8, &str)| {
    let (y, m, d, text) = input;
    let reading = mrz::Date::new(1 + y % 9999, 1 + m % 12, 1 + d % 28).expect("a real date");
    if let Ok(mrz) = mrz::parse(text, reading) {
        let width = mrz.format.width();
        assert_eq!(mrz.lines().count(), mrz.format.lines());
        assert!(mrz.lines().all(|l| l.len() == width));
        let failed_checks = mrz.checks.iter().filter(|(_, ok)| !ok).count();
        let check_problems =
            mrz.problems.iter().filter(|p| matches!(p, mrz::Problem::CheckDigit { .. })).count();
        // A number check without a check digit (a broken long number) is reported as the number.
        assert!(check_problems <= failed_checks);
        if mrz.is_valid() {
            assert_eq!(failed_checks, 0);
        }
        // Parsing what was read gives the same reading.
        assert_eq!(mrz::parse(&mrz.text, reading).as_ref(), Ok(&mrz));
    }
});
