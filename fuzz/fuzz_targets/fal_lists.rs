//! Any bytes as an uploaded crew or passenger list, CSV or XLSX: reading and checking must
//! never panic; a list that checks has the master first and names the portal takes, and every
//! problem of one that does not names a row the sender can find.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let today = time::macros::date!(2026 - 11 - 25);
    for kind in [fal::ListKind::Crew, fal::ListKind::Passengers] {
        for read in [fal::read_csv, fal::read_xlsx] {
            let rows = match read(kind, data) {
                Ok(rows) => rows,
                Err(fal::Refused(problems)) => {
                    assert!(!problems.is_empty(), "a refusal says why");
                    continue;
                }
            };
            assert!(rows.len() <= fal::MAX_ROWS);
            match fal::check_list(kind, &rows, fal::DateStyle::DayMonthYear, today) {
                Ok(people) => {
                    assert_eq!(people.len(), rows.len());
                    if kind == fal::ListKind::Crew {
                        assert!(people[0].is_master());
                    }
                    for p in &people {
                        assert!(
                            p.family_name
                                .bytes()
                                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ')
                        );
                        assert!(p.birth_date <= today);
                    }
                }
                Err(fal::Refused(problems)) => {
                    assert!(!problems.is_empty());
                    assert!(problems.iter().all(|p| p.row >= 1));
                }
            }
        }
    }
});
