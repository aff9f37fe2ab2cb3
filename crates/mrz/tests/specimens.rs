//! The ICAO Doc 9303 specimens (Parts 3–7), every layout, every check digit failing on its own,
//! what real readers send, and round trips build → parse.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

use mrz::{CheckedField, Date, Fields, Format, ParseError, Problem, Sex};
use proptest::prelude::*;

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// The specimens are from 2010 or before; read them as of then.
fn reading() -> Date {
    date("2010-01-01")
}

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const TD1_LONG: &str = "I<UTOD23145890<7349<<<<<<<<<<<\n3407127M9507122UTO<<<<<<<<<<<2\nSTEVENSON<<PETER<JOHN<<<<<<<<<";
const TD2: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6";
const MRV_A: &str =
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL8988901C4XXX4009078F96121096ZE184226B<<<<<<";
const MRV_B: &str = "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nL8988901C4XXX4009078F9612109<<<<<<<<";

#[test]
fn check_digit_worked_examples() {
    // Doc 9303 Part 3, 4.9: the date 27 July 1952 and a document number with fillers.
    assert_eq!(mrz::check_digit("520727"), Some(3));
    assert_eq!(mrz::check_digit("AB2134<<<"), Some(5));
    assert_eq!(mrz::check_digit(""), Some(0));
    assert_eq!(mrz::check_digit("L898902C3"), Some(6));
    assert_eq!(mrz::check_digit("l898902c3"), None);
}

#[test]
fn td3_passport_specimen() {
    let m = mrz::parse(TD3, reading()).unwrap();
    assert!(m.is_valid(), "{:?}", m.problems);
    assert_eq!(m.format, Format::Td3);
    assert_eq!(m.document_code, "P");
    assert_eq!(m.issuing_state, "UTO");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert!(!m.name_possibly_truncated);
    assert_eq!(m.document_number, "L898902C3");
    assert_eq!(m.nationality, "UTO");
    assert_eq!(m.birth_date, Some(date("1974-08-12")));
    assert_eq!(m.sex, Some(Sex::Female));
    assert_eq!(m.expiry_date, Some(date("2012-04-15")));
    assert_eq!(m.optional_data, "ZE184226B");
    assert_eq!(m.optional_data_2, None);
    let checks: Vec<_> = m.checks.iter().collect();
    assert_eq!(
        checks,
        [
            (CheckedField::DocumentNumber, true),
            (CheckedField::BirthDate, true),
            (CheckedField::ExpiryDate, true),
            (CheckedField::OptionalData, true),
            (CheckedField::Composite, true),
        ]
    );
    assert_eq!(m.text, TD3);
}

#[test]
fn td1_card_specimen() {
    let m = mrz::parse(TD1, reading()).unwrap();
    assert!(m.is_valid(), "{:?}", m.problems);
    assert_eq!(m.format, Format::Td1);
    assert_eq!((m.document_code.as_str(), m.issuing_state.as_str()), ("I", "UTO"));
    assert_eq!(m.document_number, "D23145890");
    assert_eq!((m.surname.as_str(), m.given_names.as_str()), ("ERIKSSON", "ANNA MARIA"));
    assert_eq!(m.birth_date, Some(date("1974-08-12")));
    assert_eq!(m.expiry_date, Some(date("2012-04-15")));
    assert_eq!(m.nationality, "UTO");
    assert_eq!(m.optional_data, "");
    assert_eq!(m.optional_data_2.as_deref(), Some(""));
    assert_eq!(m.checks.optional_data, None);
    assert_eq!(m.checks.composite, Some(true));
}

#[test]
fn td1_long_document_number() {
    let m = mrz::parse(TD1_LONG, reading()).unwrap();
    assert!(m.is_valid(), "{:?}", m.problems);
    assert_eq!(m.document_number, "D23145890734");
    assert_eq!(m.optional_data, "");
    assert_eq!((m.surname.as_str(), m.given_names.as_str()), ("STEVENSON", "PETER JOHN"));
    assert_eq!(m.sex, Some(Sex::Male));
    assert_eq!(m.birth_date, Some(date("1934-07-12")));
    assert_eq!(m.expiry_date, Some(date("1995-07-12")));
}

#[test]
fn td1_long_number_with_optional_data_after_it() {
    let fields = Fields {
        document_number: "D23145890734".into(),
        optional_data: "XY12".into(),
        optional_data_2: "ABC".into(),
        ..td1_fields()
    };
    let text = mrz::build(&fields).unwrap();
    assert!(text.starts_with("I<UTOD23145890<7349<XY12<<<<<<\n"), "{text}");
    let m = mrz::parse(&text, reading()).unwrap();
    assert!(m.is_valid(), "{:?}", m.problems);
    assert_eq!(m.document_number, "D23145890734");
    assert_eq!(m.optional_data, "XY12");
    assert_eq!(m.optional_data_2.as_deref(), Some("ABC"));
}

#[test]
fn td1_long_number_without_its_continuation_is_a_problem() {
    let text = TD1.replacen("D231458907<", "D23145890<<", 1);
    let m = mrz::parse(&text, reading()).unwrap();
    assert!(!m.checks.document_number);
    assert!(m.problems.iter().any(|p| p.code() == "invalid_document_number"), "{:?}", m.problems);
}

#[test]
fn td2_specimen() {
    let m = mrz::parse(TD2, reading()).unwrap();
    assert!(m.is_valid(), "{:?}", m.problems);
    assert_eq!(m.format, Format::Td2);
    assert_eq!(m.document_number, "D23145890");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.checks.composite, Some(true));
    assert_eq!(m.checks.optional_data, None);
}

#[test]
fn visa_specimens() {
    let a = mrz::parse(MRV_A, reading()).unwrap();
    assert!(a.is_valid(), "{:?}", a.problems);
    assert_eq!(a.format, Format::MrvA);
    assert_eq!(a.document_code, "V");
    assert_eq!(a.document_number, "L8988901C");
    assert_eq!(a.nationality, "XXX");
    assert_eq!(a.birth_date, Some(date("1940-09-07")));
    assert_eq!(a.expiry_date, Some(date("1996-12-10")));
    assert_eq!(a.optional_data, "6ZE184226B");
    assert_eq!((a.checks.optional_data, a.checks.composite), (None, None));

    let b = mrz::parse(MRV_B, reading()).unwrap();
    assert!(b.is_valid(), "{:?}", b.problems);
    assert_eq!(b.format, Format::MrvB);
    assert_eq!(b.optional_data, "");
    assert_eq!(b.checks.iter().count(), 3);
}

/// Positions (line, column, 0-based) of each check digit, per specimen.
fn check_positions(format: Format) -> Vec<(CheckedField, usize, usize)> {
    use CheckedField::*;
    match format {
        Format::Td1 => vec![
            (DocumentNumber, 0, 14),
            (BirthDate, 1, 6),
            (ExpiryDate, 1, 14),
            (Composite, 1, 29),
        ],
        Format::Td2 => vec![
            (DocumentNumber, 1, 9),
            (BirthDate, 1, 19),
            (ExpiryDate, 1, 27),
            (Composite, 1, 35),
        ],
        Format::Td3 => vec![
            (DocumentNumber, 1, 9),
            (BirthDate, 1, 19),
            (ExpiryDate, 1, 27),
            (OptionalData, 1, 42),
            (Composite, 1, 43),
        ],
        Format::MrvA | Format::MrvB => {
            vec![(DocumentNumber, 1, 9), (BirthDate, 1, 19), (ExpiryDate, 1, 27)]
        }
    }
}

fn set_char(text: &str, line: usize, col: usize, c: char) -> String {
    let mut lines: Vec<Vec<u8>> = text.lines().map(|l| l.as_bytes().to_vec()).collect();
    lines[line][col] = c as u8;
    lines.iter().map(|l| String::from_utf8(l.clone()).unwrap()).collect::<Vec<_>>().join("\n")
}

/// Restores the composite check digit so that only the altered check fails.
fn fix_composite(text: &str, format: Format) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let (composite_input, line, col) = match format {
        Format::Td1 => (
            format!(
                "{}{}{}{}",
                &lines[0][5..30],
                &lines[1][0..7],
                &lines[1][8..15],
                &lines[1][18..29]
            ),
            1,
            29,
        ),
        Format::Td2 => {
            (format!("{}{}{}", &lines[1][0..10], &lines[1][13..20], &lines[1][21..35]), 1, 35)
        }
        Format::Td3 => {
            (format!("{}{}{}", &lines[1][0..10], &lines[1][13..20], &lines[1][21..43]), 1, 43)
        }
        _ => return text.to_string(),
    };
    let d = mrz::check_digit(&composite_input).unwrap();
    set_char(text, line, col, char::from(b'0' + d))
}

#[test]
fn every_check_digit_fails_on_its_own() {
    for specimen in [TD1, TD2, TD3, MRV_A, MRV_B] {
        let format = mrz::parse(specimen, reading()).unwrap().format;
        for (field, line, col) in check_positions(format) {
            let original = specimen.lines().nth(line).unwrap().as_bytes()[col];
            let wrong =
                if original == b'<' { '1' } else { char::from(b'0' + (original - b'0' + 1) % 10) };
            let mut text = set_char(specimen, line, col, wrong);
            if field != CheckedField::Composite {
                text = fix_composite(&text, format);
            }
            let m = mrz::parse(&text, reading()).unwrap();
            let failed: Vec<_> = m.checks.iter().filter(|(_, ok)| !ok).map(|(f, _)| f).collect();
            assert_eq!(failed, [field], "{format} {field:?}: {text}");
            assert_eq!(m.problems.len(), 1, "{:?}", m.problems);
            assert!(matches!(m.problems[0], Problem::CheckDigit { field: f, .. } if f == field));
            assert!(!m.is_valid());
            // The fields are still read, so the desk can compare them with the document.
            assert_eq!(m.surname, "ERIKSSON");
        }
    }
}

#[test]
fn a_misread_field_fails_its_check_and_the_composite() {
    let text = TD3.replacen("L898902C3", "L898962C3", 1);
    let m = mrz::parse(&text, reading()).unwrap();
    assert!(!m.checks.document_number);
    assert_eq!(m.checks.composite, Some(false));
    assert!(m.checks.birth_date && m.checks.expiry_date);
    let codes: Vec<_> = m.problems.iter().map(Problem::code).collect();
    assert_eq!(codes, ["document_number_check_digit", "composite_check_digit"]);
    assert_eq!(
        m.problems[0].to_string(),
        "the document number check digit is `6` but the field gives 2"
    );
}

#[test]
fn accepts_what_readers_send() {
    let lines: Vec<&str> = TD3.lines().collect();
    let variants = [
        format!("{}\r\n{}\r\n", lines[0], lines[1]),
        format!("  {}  \n\t{} ", lines[0], lines[1]),
        format!("{}{}", lines[0], lines[1]),
        TD3.to_lowercase(),
        format!("\u{2}{}\r{}\u{3}", lines[0], lines[1]),
        format!("\n\n{}\n\n{}\n", lines[0], lines[1]),
    ];
    for v in variants {
        let m = mrz::parse(&v, reading()).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert!(m.is_valid(), "{v:?}");
        assert_eq!(m.text, TD3);
    }
    let td1: String = TD1.lines().collect();
    assert_eq!(mrz::parse(&td1, reading()).unwrap().format, Format::Td1);
    let td1_two_pieces = format!("{}\n{}{}", &td1[..30], &td1[30..60], &td1[60..]);
    assert!(mrz::parse(&td1_two_pieces, reading()).unwrap().is_valid());
}

#[test]
fn refuses_what_is_no_mrz() {
    assert_eq!(mrz::parse("", reading()), Err(ParseError::Empty));
    assert_eq!(mrz::parse(" \r\n\t", reading()), Err(ParseError::Empty));
    let e = mrz::parse("hello world", reading()).unwrap_err();
    assert_eq!(e.code(), "unknown_layout");
    assert_eq!(
        e.to_string(),
        "2 lines of 5 and 5 characters: no MRZ layout has that shape (TD1 3×30, TD2 2×36, TD3 2×44, MRV-A 2×44, MRV-B 2×36)"
    );
    let short = &TD3[..TD3.len() - 1];
    assert_eq!(mrz::parse(short, reading()).unwrap_err().code(), "unknown_layout");
    // The right total but lines of the wrong lengths.
    let td3: String = TD3.lines().collect();
    let skewed = format!("{}\n{}", &td3[..40], &td3[40..]);
    assert_eq!(mrz::parse(&skewed, reading()).unwrap_err().code(), "unknown_layout");
    assert_eq!(mrz::parse(&format!("{TD3}<"), reading()).unwrap_err().code(), "unknown_layout");
    assert!(
        mrz::parse(&"<".repeat(10_000), reading())
            .unwrap_err()
            .to_string()
            .contains("more than 90")
    );
    let e = mrz::parse(&TD3.replacen("ERIKSSON", "ERIKSSÖN", 1), reading()).unwrap_err();
    assert_eq!(e, ParseError::InvalidCharacter { line: 1, column: 12, found: 'Ö' });
    assert_eq!(e.to_string(), "line 1, column 12: `Ö` is not an MRZ character (A-Z, 0-9, <)");
}

#[test]
fn reports_malformed_fields() {
    // Month 13, a sex of `Q`, a digit in the name, a country with a digit.
    let text = TD3
        .replacen("7408122F", "7413122Q", 1)
        .replacen("ANNA", "ANN4", 1)
        .replacen("P<UTO", "P<U1O", 1);
    let m = mrz::parse(&text, reading()).unwrap();
    let codes: Vec<_> = m.problems.iter().map(Problem::code).collect();
    for code in ["invalid_issuing_state", "invalid_birth_date", "invalid_sex", "invalid_name"] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    assert_eq!(m.birth_date, None);
    assert_eq!(m.sex, None);
}

#[test]
fn unknown_birth_date_parts_are_well_formed() {
    let fields = Fields { birth_date: None, ..td3_fields() };
    let text = mrz::build(&fields).unwrap();
    assert!(text.contains("<<<<<<0"), "{text}");
    let m = mrz::parse(&text, reading()).unwrap();
    assert!(m.is_valid(), "{:?}", m.problems);
    assert_eq!(m.birth_date, None);

    let year_only = TD3.replacen("7408122", "74<<<<2", 1);
    let year_only = fix_composite(
        &set_char(&year_only, 1, 19, char::from(b'0' + mrz::check_digit("74<<<<").unwrap())),
        Format::Td3,
    );
    let m = mrz::parse(&year_only, reading()).unwrap();
    assert!(m.is_valid(), "{:?}", m.problems);
    assert_eq!(m.birth_date, None);
}

#[test]
fn sex_x_and_filler_are_unspecified() {
    for c in ['X', '<'] {
        let text = fix_composite(&set_char(TD3, 1, 20, c), Format::Td3);
        let m = mrz::parse(&text, reading()).unwrap();
        assert_eq!(m.sex, Some(Sex::Unspecified));
        assert!(m.is_valid());
    }
}

#[test]
fn two_digit_years_follow_the_reading_date() {
    let m = mrz::parse(TD3, date("2026-11-25")).unwrap();
    assert_eq!(m.birth_date, Some(date("1974-08-12")));
    assert_eq!(m.expiry_date, Some(date("2012-04-15")));
    // Read in 1970 the same birth date would lie in the future: it is 1874 then.
    let m = mrz::parse(TD3, date("1970-01-01")).unwrap();
    assert_eq!(m.birth_date, Some(date("1874-08-12")));
}

#[test]
fn builds_vietnamese_names_with_truncation() {
    let fields = Fields {
        surname: "Tôn Nữ".into(),
        given_names: "Hoàng Thị Thanh Phương Quỳnh Như Đoan Trang".into(),
        ..td3_fields()
    };
    let text = mrz::build(&fields).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(first, "P<VNMTON<NU<<HOANG<THI<THANH<PHUONG<QU<N<D<T");
    let m = mrz::parse(&text, reading()).unwrap();
    assert!(m.is_valid());
    assert!(m.name_possibly_truncated);
    assert_eq!(m.surname, "TON NU");
}

#[test]
fn build_refuses_what_cannot_be_written() {
    let cases: Vec<(Fields, &str)> = vec![
        (Fields { document_code: "P1".into(), ..td3_fields() }, "document code"),
        (Fields { document_code: "V".into(), ..td3_fields() }, "visa codes"),
        (Fields { format: Format::MrvA, ..td3_fields() }, "visa codes"),
        (Fields { issuing_state: "VN M".into(), ..td3_fields() }, "issuing state"),
        (Fields { nationality: "VIET".into(), ..td3_fields() }, "nationality"),
        (Fields { surname: "王".into(), ..td3_fields() }, "transliteration"),
        (Fields { surname: " ".into(), given_names: "-".into(), ..td3_fields() }, "no letter"),
        (Fields { document_number: "C123456789".into(), ..td3_fields() }, "at most 9"),
        (Fields { document_number: "C-1".into(), ..td3_fields() }, "letters and digits"),
        (Fields { optional_data: "X".repeat(15), ..td3_fields() }, "14 fit"),
        (Fields { optional_data: "a/b".into(), ..td3_fields() }, "only letters"),
        (Fields { optional_data_2: "X".into(), ..td3_fields() }, "0 fit"),
        (Fields { document_number: "A".repeat(24), ..td1_fields() }, "at most 23"),
    ];
    for (fields, message) in cases {
        let err = mrz::build(&fields).unwrap_err().to_string();
        assert!(err.contains(message), "{err:?} should say {message:?}");
    }
}

fn td3_fields() -> Fields {
    Fields {
        format: Format::Td3,
        document_code: "P".into(),
        issuing_state: "VNM".into(),
        surname: "Nguyễn".into(),
        given_names: "Văn Nam".into(),
        document_number: "C1234567".into(),
        nationality: "VNM".into(),
        birth_date: Some(date("1990-05-17")),
        sex: Sex::Male,
        expiry_date: Some(date("2031-05-16")),
        optional_data: String::new(),
        optional_data_2: String::new(),
    }
}

fn td1_fields() -> Fields {
    Fields {
        format: Format::Td1,
        document_code: "I".into(),
        issuing_state: "UTO".into(),
        ..td3_fields()
    }
}

// Round trips: whatever `build` writes, `parse` reads back as valid with the same fields.

fn component() -> impl Strategy<Value = String> {
    "[A-Z]{1,8}"
}

fn arb_fields() -> impl Strategy<Value = Fields> {
    let format = prop::sample::select(Format::ALL.to_vec());
    (
        format,
        "[A-Z]{1,2}",
        "[A-Z]{1,3}",
        "[A-Z]{1,3}",
        prop::collection::vec(component(), 1..3),
        prop::collection::vec(component(), 0..4),
        "[A-Z0-9]{1,23}",
        (1930u16..2010, 1u8..=12, 1u8..=28),
        prop::option::of((1980u16..2060, 1u8..=12, 1u8..=28)),
        prop::sample::select(vec![Sex::Male, Sex::Female, Sex::Unspecified]),
        "[A-Z0-9]{0,16}",
        "[A-Z0-9]{0,11}",
    )
        .prop_map(
            |(format, code, state, nat, surname, given, number, b, e, sex, opt, opt2)| {
                let mut code = code;
                if format.is_visa() {
                    code.replace_range(0..1, "V");
                } else if code.starts_with('V') {
                    code.replace_range(0..1, "P");
                }
                let max_number = match format {
                    Format::Td1 => 23,
                    Format::Td2 => 15,
                    _ => 9,
                };
                let number: String = number.chars().take(max_number).collect();
                let spill = if number.len() > 9 { number.len() - 9 + 2 } else { 0 };
                let opt_width: usize = match format {
                    Format::Td1 => 15,
                    Format::Td2 => 7,
                    Format::Td3 => 14,
                    Format::MrvA => 16,
                    Format::MrvB => 8,
                };
                let opt: String = opt.chars().take(opt_width.saturating_sub(spill)).collect();
                Fields {
                    format,
                    document_code: code,
                    issuing_state: state,
                    surname: surname.join(" "),
                    given_names: given.join(" "),
                    document_number: number,
                    nationality: nat,
                    birth_date: Date::new(b.0, b.1, b.2),
                    sex,
                    expiry_date: e.and_then(|e| Date::new(e.0, e.1, e.2)),
                    optional_data: opt,
                    optional_data_2: if format == Format::Td1 { opt2 } else { String::new() },
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn build_then_parse_gives_the_fields_back(fields in arb_fields()) {
        let text = mrz::build(&fields).unwrap();
        let reading = date("2026-11-25");
        let m = mrz::parse(&text, reading).unwrap();
        prop_assert!(m.is_valid(), "{:?} for {}", m.problems, text);
        prop_assert_eq!(m.format, fields.format);
        prop_assert_eq!(&m.text, &text);
        prop_assert_eq!(&m.document_code, &fields.document_code);
        prop_assert_eq!(&m.issuing_state, &fields.issuing_state);
        prop_assert_eq!(&m.nationality, &fields.nationality);
        prop_assert_eq!(&m.document_number, &fields.document_number);
        prop_assert_eq!(m.birth_date, fields.birth_date);
        prop_assert_eq!(m.expiry_date, fields.expiry_date);
        prop_assert_eq!(m.sex, Some(fields.sex));
        prop_assert_eq!(&m.optional_data, &fields.optional_data);
        if fields.format == Format::Td1 {
            prop_assert_eq!(m.optional_data_2.as_deref(), Some(fields.optional_data_2.as_str()));
        }
        let full = if fields.given_names.is_empty() {
            fields.surname.clone()
        } else {
            format!("{}  {}", fields.surname, fields.given_names)
        };
        if full.len() <= fields.format.name_width() {
            prop_assert_eq!(&m.surname, &fields.surname);
            prop_assert_eq!(&m.given_names, &fields.given_names);
        } else {
            // Truncated: what is read is a shortening of what was written, and says so.
            prop_assert!(m.name_possibly_truncated);
            prop_assert!(fields.surname.starts_with(m.surname.split(' ').next().unwrap()));
        }
    }

    #[test]
    fn parse_never_panics_and_keeps_lines(s in "[A-Za-z0-9< \n\r\tÀ-ỹ]{0,100}") {
        let _ = mrz::parse(&s, date("2026-11-25"));
    }

    #[test]
    fn any_valid_mrz_line_set_parses_to_its_own_text(lines in prop::sample::select(vec![(3usize, 30usize), (2, 36), (2, 44)]).prop_flat_map(|(n, w)| prop::collection::vec(prop::string::string_regex(&format!("[A-Z0-9<]{{{w}}}")).unwrap(), n))) {
        let text = lines.join("\n");
        let m = mrz::parse(&text, date("2026-11-25")).unwrap();
        prop_assert_eq!(m.text, text);
    }
}
