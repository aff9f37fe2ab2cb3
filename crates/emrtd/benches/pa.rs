//! Passive authentication's throughput, one core. The issue's target: at least 2,000
//! documents a second. Run with `cargo bench -p bienphong-emrtd`; the `thrpt` line is
//! documents per second. Two mixes: ECDSA P-256 throughout (the SOD's signature and the
//! signer's certificate), and a Document Signer with RSA-2048 under a P-256 CSCA (its key made
//! by the `openssl` command); SHA-256, DG1 and DG2 (a 12 KiB face) hashed in both.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use emrtd::issue::TestCountry;
use emrtd::pa::{Chip, passive_authentication};
use emrtd::trust::Trust;
use time::macros::datetime;

/// An RSA-2048 key in PKCS #8 DER, made by the openssl command.
fn rsa_2048() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("emrtd-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("the openssl command");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "k.pem"]);
    run(&["pkcs8", "-topk8", "-nocrypt", "-in", "k.pem", "-outform", "DER", "-out", "k.der"]);
    let der = std::fs::read(dir.join("k.der")).expect("the key");
    let _ = std::fs::remove_dir_all(&dir);
    der
}

fn bench_country(c: &mut Criterion, name: &str, country: &TestCountry) {
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
    group.bench_function(name, |b| {
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

fn benches(c: &mut Criterion) {
    let from = datetime!(2026-01-01 0:00 UTC);
    let until = datetime!(2030-01-01 0:00 UTC);
    let p256 = TestCountry::new("UT", from, until).expect("a test country");
    bench_country(c, "passive_authentication_p256", &p256);
    let rsa = TestCountry::with_rsa_signer("UT", from, until, &rsa_2048()).expect("a test country");
    bench_country(c, "passive_authentication_rsa2048_signer", &rsa);
}

criterion_group!(pa, benches);
criterion_main!(pa);
