//! Any fields into `mrz::build`: it must never panic, and whatever it writes must parse back as a
//! valid MRZ with the same codes and numbers.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    format: u8,
    document_code: String,
    issuing_state: String,
    surname: String,
    given_names: String,
    document_number: String,
    nationality: String,
    birth: Option<(u16, u8, u8)>,
    sex: u8,
    expiry: Option<(u16, u8, u8)>,
    optional_data: String,
    optional_data_2: String,
}

fuzz_target!(|input: Input| {
    let format = mrz::Format::ALL[usize::from(input.format) % 5];
    let date = |d: Option<(u16, u8, u8)>| d.and_then(|(y, m, d)| mrz::Date::new(y, m, d));
    let fields = mrz::Fields {
        format,
        document_code: input.document_code,
        issuing_state: input.issuing_state,
        surname: input.surname,
        given_names: input.given_names,
        document_number: input.document_number,
        nationality: input.nationality,
        birth_date: date(input.birth),
        sex: [mrz::Sex::Male, mrz::Sex::Female, mrz::Sex::Unspecified][usize::from(input.sex) % 3],
        expiry_date: date(input.expiry),
        optional_data: input.optional_data,
        optional_data_2: input.optional_data_2,
    };
    if let Ok(text) = mrz::build(&fields) {
        let reading = mrz::Date::new(2026, 11, 25).expect("a real date");
        let read = mrz::parse(&text, reading).expect("what build writes is an MRZ");
        assert_eq!(read.format, format);
        let check_problems: Vec<_> = read
            .problems
            .iter()
            .filter(|p| {
                !matches!(p, mrz::Problem::InvalidBirthDate(_) | mrz::Problem::InvalidExpiryDate(_))
            })
            .collect();
        // Dates outside the reading window can come back as another century or not at all;
        // everything else must read back clean.
        assert!(check_problems.is_empty(), "{check_problems:?} in {text}");
        assert_eq!(read.document_number, fields.document_number.trim().to_ascii_uppercase());
    }
});
