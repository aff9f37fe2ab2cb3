//! Parse and build throughput. The target: at least 1,000,000 TD3 parses a second on
//! one core. Run with `cargo bench -p bienphong-mrz`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mrz::{Date, Fields, Format, Sex};

const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";

fn benches(c: &mut Criterion) {
    let reading = Date::new(2026, 11, 25).expect("a real date");
    let mut group = c.benchmark_group("mrz");
    group.throughput(Throughput::Elements(1));
    group.bench_function("parse_td3", |b| b.iter(|| mrz::parse(black_box(TD3), reading)));
    group.bench_function("parse_td1", |b| b.iter(|| mrz::parse(black_box(TD1), reading)));
    let fields = Fields {
        format: Format::Td3,
        document_code: "P".into(),
        issuing_state: "VNM".into(),
        surname: "Nguyễn".into(),
        given_names: "Thị Phương Thảo".into(),
        document_number: "C1234567".into(),
        nationality: "VNM".into(),
        birth_date: Date::new(1990, 5, 17),
        sex: Sex::Female,
        expiry_date: Date::new(2031, 5, 16),
        optional_data: "079190001234".into(),
        optional_data_2: String::new(),
    };
    group.bench_function("build_td3", |b| b.iter(|| mrz::build(black_box(&fields))));
    group.finish();
}

criterion_group!(mrz_benches, benches);
criterion_main!(mrz_benches);
