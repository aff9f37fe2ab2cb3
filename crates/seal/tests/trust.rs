//! A trust store as an offline verifier holds it: the platform's root, signers it certified,
//! revocation lists it signed — and every reason a seal is refused.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::path::Path;

use seal::pki;
use seal::{Header, Reason, SealBuilder, SigningKey, TrustStore, Version};
use time::OffsetDateTime;
use time::macros::{date, datetime};

const NOW: OffsetDateTime = datetime!(2026-11-25 03:00 UTC);

struct Pki {
    root: Vec<u8>,
    root_key: SigningKey,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let root_key = SigningKey::generate().unwrap();
        let root = pki::root_certificate(
            &root_key,
            name,
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2036-01-01 0:00 UTC),
        )
        .unwrap();
        Pki { root, root_key }
    }

    fn signer(&self, code: &str, serial: &str) -> (SigningKey, Vec<u8>) {
        let key = SigningKey::generate().unwrap();
        let cert = pki::signer_certificate(
            &self.root,
            &self.root_key,
            &key,
            "VN",
            code,
            serial,
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2028-01-01 0:00 UTC),
        )
        .unwrap();
        (key, cert)
    }

    fn crl(&self, serials: &[&str]) -> Vec<u8> {
        let list: Vec<(String, OffsetDateTime)> =
            serials.iter().map(|s| (s.to_string(), NOW)).collect();
        pki::revocation_list(
            &self.root,
            &self.root_key,
            &list,
            1,
            NOW,
            NOW + time::Duration::days(7),
        )
        .unwrap()
    }
}

fn seal(key: &SigningKey, signer: &str, reference: &str) -> Vec<u8> {
    SealBuilder::new(Header {
        version: Version::V4,
        issuing_country: "VNM".into(),
        signer_identifier: signer.into(),
        certificate_reference: reference.into(),
        document_issue_date: date!(2026 - 11 - 25),
        signature_creation_date: date!(2026 - 11 - 25),
        feature_definition_reference: 1,
        document_type_category: 2,
    })
    .feature(1, b"NGUYEN<<VAN<AN".to_vec())
    .sign(key)
    .unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir.join(name).parent().unwrap()).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

#[test]
fn every_reason_a_seal_is_refused_and_the_one_way_it_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pki = Pki::new("Bien phong root");
    let (hp, hp_cert) = pki.signer("HP", "1A");
    let (dn, dn_cert) = pki.signer("DN", "9B");
    let stranger = Pki::new("Someone else");
    let (qn, qn_cert) = stranger.signer("QN", "3C");
    write(d, "root.crt", &pki.root);
    write(d, "signers/VNHP.crt", &hp_cert);
    write(d, "signers/VNDN.crt", &dn_cert);
    write(d, "signers/VNQN.crt", &qn_cert);
    write(d, "certificates.crl", &pki.crl(&["9B"]));
    write(d, "permits.crl", &pki.crl(&["00C0FFEE"]));
    let store = TrustStore::load(d).unwrap();

    let good = seal(&hp, "VNHP", "1A");
    let v = store.verify(&good, NOW);
    assert!(v.valid(), "{:?}", v.reason);
    assert_eq!(v.signer.as_deref(), Some("VNHP1A"));
    assert_eq!(v.seal.unwrap().feature(1), Some(&b"NGUYEN<<VAN<AN"[..]));

    let reason = |bytes: &[u8], at| store.verify(bytes, at).reason;
    assert_eq!(reason(&good, datetime!(2025-12-31 0:00 UTC)), Some(Reason::NotYetValid));
    assert_eq!(reason(&good, datetime!(2028-01-02 0:00 UTC)), Some(Reason::Expired));
    let mut altered = good.clone();
    altered[25] ^= 0x01;
    assert_eq!(reason(&altered, NOW), Some(Reason::BadSignature));
    // Signed by another key than the one the header names.
    assert_eq!(reason(&seal(&dn, "VNHP", "1A"), NOW), Some(Reason::BadSignature));
    assert_eq!(reason(&seal(&dn, "VNDN", "9B"), NOW), Some(Reason::Revoked));
    assert_eq!(reason(&seal(&qn, "VNQN", "3C"), NOW), Some(Reason::UntrustedCertificate));
    assert_eq!(reason(&seal(&hp, "VNXX", "1A"), NOW), Some(Reason::UnknownCertificate));
    assert_eq!(reason(b"not a seal", NOW), Some(Reason::WrongFormat));
    // What decodes is there to show, also when it is refused.
    assert!(store.verify(&seal(&dn, "VNDN", "9B"), NOW).seal.is_some());

    assert!(store.permit_revoked("C0FFEE"));
    assert!(!store.permit_revoked("C0FFEF"));
    assert_eq!(store.revocations_issued_at(), Some(NOW));

    // A list the root did not sign is refused with the store, not silently ignored.
    write(d, "certificates.crl", &stranger.crl(&[]));
    let err = TrustStore::load(d).unwrap_err().to_string();
    assert!(err.contains("certificates.crl") && err.contains("no trusted CA"), "{err}");
}

#[test]
fn a_foreign_signer_certificate_pinned_directly_is_trusted_within_its_period() {
    let vds = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vds");
    let dir = tempfile::tempdir().unwrap();
    for name in ["sealgen_UTTS5B.crt", "sealgen_DETS32.crt"] {
        std::fs::copy(vds.join(name), dir.path().join(name)).unwrap();
    }
    let store = TrustStore::load(dir.path()).unwrap();
    let vectors: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vds.join("vectors.json")).unwrap()).unwrap();
    let hex_of = |name: &str| {
        let v = vectors.as_array().unwrap().iter().find(|v| v["name"] == name).unwrap();
        hex::decode(v["seal_hex"].as_str().unwrap()).unwrap()
    };
    let permit = hex_of("kurzdigital-residencePermit-v4-UTTS5B");
    assert_eq!(store.verify(&permit, NOW).reason, None);
    let visa = hex_of("vdstools-visa-v4-DETS32-brainpoolP224r1");
    assert_eq!(store.verify(&visa, NOW).reason, Some(Reason::Expired));
    assert_eq!(store.verify(&visa, datetime!(2024-06-01 0:00 UTC)).reason, None);
    let forged = hex_of("kurzdigital-supplementSheet-v4-DETS4F-INVALID-signature");
    assert_eq!(store.verify(&forged, NOW).reason, Some(Reason::UnknownCertificate));
    assert!(TrustStore::load(&dir.path().join("nowhere")).is_err());
}
