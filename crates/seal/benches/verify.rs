//! Offline verification throughput, one core. The target: at least 10,000 seals a
//! second. Run with `cargo bench -p bienphong-seal`; the `thrpt` line is seals per second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use seal::profile::{PermitData, PermitKind, sign_permit, verify_permit};
use seal::{Certificate, SigningKey, TrustStore, pki};
use time::macros::{date, datetime};

fn benches(c: &mut Criterion) {
    let root_key = SigningKey::generate().expect("a key");
    let from = datetime!(2026-01-01 0:00 UTC);
    let until = datetime!(2030-01-01 0:00 UTC);
    let root = pki::root_certificate(&root_key, "Bench root", from, until).expect("root");
    let signer = SigningKey::generate().expect("a key");
    let cert = pki::signer_certificate(&root, &root_key, &signer, "VN", "HP", "1A", from, until)
        .expect("signer");
    let mut store = TrustStore::default();
    store.add(Certificate::from_der(&root).expect("root"), true);
    store.add(Certificate::from_der(&cert).expect("signer"), true);
    // A crew's worth of distinct permits, verified in turn.
    let seals: Vec<Vec<u8>> = (0..30)
        .map(|i| {
            let data = PermitData {
                kind: PermitKind::ShorePass,
                serial: format!("{:X}", 0x2600_0000 + i),
                name_mrz: "SANTOS<<JOSE<MARIA".into(),
                name: "Santos José María".into(),
                document_number: format!("P{i:07}A"),
                nationality: "PHL".into(),
                birth_date: date!(1988 - 12 - 15),
                vessel_imo: Some("9244491".into()),
                checkpoint: "CANG-HAI-PHONG".into(),
                valid_from: date!(2026 - 11 - 25),
                valid_until: date!(2026 - 11 - 28),
            };
            sign_permit(&data, "VNHP", "1A", date!(2026 - 11 - 25), &signer).expect("seal")
        })
        .collect();
    let at = datetime!(2026-11-26 03:00 UTC);
    let mut n = 0;
    let mut group = c.benchmark_group("seal");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify_permit_p256", |b| {
        b.iter(|| {
            n = (n + 1) % seals.len();
            let v = verify_permit(&store, black_box(&seals[n]), at);
            assert!(v.verdict.valid());
        })
    });
    group.bench_function("decode_only", |b| b.iter(|| seal::decode(black_box(&seals[0]))));
    group.finish();
}

criterion_group!(seal_benches, benches);
criterion_main!(seal_benches);
