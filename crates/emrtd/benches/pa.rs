//! Passive authentication's throughput, one core. The issue's target: at least 2,000
//! documents a second. Run with `cargo bench -p bienphong-emrtd`; the `thrpt` line is
//! documents per second. The mix here is ECDSA P-256 throughout (the SOD's signature and the
//! signer's certificate), SHA-256, DG1 and DG2 (a 12 KiB face) hashed.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emrtd::issue::TestCountry;
use emrtd::pa::{Chip, passive_authentication};
use emrtd::trust::Trust;
use time::macros::datetime;

fn benches(c: &mut Criterion) {
    let from = datetime!(2026-01-01 0:00 UTC);
    let until = datetime!(2030-01-01 0:00 UTC);
    let country = TestCountry::new("UT", from, until).expect("a test country");
    let mut trust = Trust::default();
    trust.add_certificate(&country.csca).expect("the CSCA");
    let face: Vec<u8> = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &vec![0x5A; 12 * 1024]].concat();
    let chips: Vec<_> = (0..32)
        .map(|i| {
            let mrz = format!(
                "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L8989{i:02}C36UTO7408122F1204159ZE184226B<<<<<10"
            );
            (mrz.clone(), country.issue(&mrz, &face).expect("a chip"))
        })
        .collect();
    let at = datetime!(2026-12-06 03:00 UTC).unix_timestamp();
    let mut n = 0;
    let mut group = c.benchmark_group("emrtd");
    group.throughput(Throughput::Elements(1));
    group.bench_function("passive_authentication_p256", |b| {
        b.iter(|| {
            n = (n + 1) % chips.len();
            let (mrz, chip) = &chips[n];
            let files = Chip { sod: &chip.sod, groups: vec![(1, &chip.dg1), (2, &chip.dg2)] };
            let v = passive_authentication(black_box(&files), Some(mrz), &trust, at);
            assert!(v.passed(), "{:?}", v.reasons);
        })
    });
    group.finish();
}

criterion_group!(pa, benches);
criterion_main!(pa);
