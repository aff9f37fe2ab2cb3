//! The public conformance vectors (`tests/vds/`, from three open-source seal libraries; see its
//! README): every seal decodes to the stated header and features, and every signature that comes
//! with its certificate verifies or fails as its source says.
#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::path::PathBuf;

use seal::{Certificate, Version};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vds")
}

fn json(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir().join(name)).unwrap()).unwrap()
}

fn cert(name: &str) -> Certificate {
    Certificate::from_der(&std::fs::read(dir().join(name)).unwrap()).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[test]
fn every_seal_decodes_as_its_source_says_and_signatures_check() {
    let vectors = json("vectors.json");
    let vectors = vectors.as_array().unwrap();
    assert_eq!(vectors.len(), 20);
    let mut verified = 0;
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let e = &v["expected"];
        let bytes = unhex(v["seal_hex"].as_str().unwrap());
        let s = seal::decode(&bytes).unwrap_or_else(|err| panic!("{name}: {err}"));
        let h = &s.header;
        assert_eq!(u64::from(h.version.number()), e["version"].as_u64().unwrap(), "{name}");
        assert_eq!(
            h.issuing_country,
            e["issuing_country"].as_str().unwrap().trim_end_matches('<'),
            "{name}"
        );
        assert_eq!(h.signer_identifier, e["signer_identifier"], "{name}");
        assert_eq!(h.certificate_reference, e["certificate_reference"], "{name}");
        assert_eq!(date(h.document_issue_date), e["document_issue_date"], "{name}");
        assert_eq!(date(h.signature_creation_date), e["signature_creation_date"], "{name}");
        assert_eq!(h.feature_definition_reference, e["feature_definition_reference"], "{name}");
        assert_eq!(h.document_type_category, e["document_type_category"], "{name}");
        assert_eq!(s.header_len, e["header_length"], "{name}");
        assert_eq!(s.signed_data.len(), e["signed_data_length"], "{name}");
        let features: Vec<(u64, String)> = e["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["tag"].as_u64().unwrap(), f["value_hex"].as_str().unwrap().to_uppercase()))
            .collect();
        let got: Vec<(u64, String)> =
            s.features.iter().map(|f| (u64::from(f.tag), hex::encode_upper(&f.value))).collect();
        assert_eq!(got, features, "{name}");
        assert_eq!(
            s.signature.as_deref().map(hex::encode_upper),
            e["signature_hex"].as_str().map(str::to_uppercase),
            "{name}"
        );
        // A decoded MRZ feature reads as its source states it.
        for f in e["features"].as_array().unwrap() {
            if let (Some(decoded), Some("MRZ (C40)")) =
                (f["decoded"].as_str(), f["coding"].as_str())
            {
                let value = s.feature(f["tag"].as_u64().unwrap() as u8).unwrap();
                let text = seal::c40::decode(value, 0).unwrap().replace(' ', "<");
                assert_eq!(text, decoded.replace('\n', ""), "{name}");
            }
        }
        let Some(file) = v["signer_certificate"].as_str() else { continue };
        let c = cert(file);
        let valid = s.signed_by(&c.key);
        match v["expected_signature_valid"].as_bool() {
            Some(want) => assert_eq!(valid, want, "{name}: asserted by its source"),
            None => assert!(
                v["openssl_signature_check"].as_str().unwrap().starts_with("valid"),
                "{name}"
            ),
        }
        if v["expected_signature_valid"].as_bool().is_none() {
            assert!(valid, "{name}: valid by openssl's check");
        }
        if let Some(reference) = e["signer_cert_reference"].as_str() {
            assert_eq!(c.reference(), reference, "{name}");
        }
        verified += 1;
    }
    assert_eq!(verified, 16, "every seal that comes with its certificate was checked");
}

#[test]
fn headers_decode_and_encode_byte_for_byte() {
    let headers = json("headers.json");
    for v in headers["vectors"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let e = &v["expected"];
        let Some(hex) = v["header_hex"].as_str() else { continue };
        let bytes = unhex(hex);
        // A header alone is not a seal: give it one feature to read it whole.
        let mut seal = bytes.clone();
        seal.extend_from_slice(&[0x01, 0x01, 0x00]);
        let s = seal::decode(&seal).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!(s.header_len, bytes.len(), "{name}");
        assert_eq!(s.header.signer_identifier, e["signer_identifier"], "{name}");
        let reference = e
            .get("certificate_reference")
            .or_else(|| e.get("certificate_reference_decoded"))
            .unwrap();
        assert_eq!(s.header.certificate_reference, *reference, "{name}");
        if v["direction"] != "decode" {
            let mut header = s.header.clone();
            if let Some(input) = e["certificate_reference_input"].as_str() {
                header.certificate_reference = input.into();
            }
            let written =
                seal::SealBuilder::new(header).feature(1, vec![0]).unsigned_bytes().unwrap();
            assert_eq!(hex::encode_upper(&written[..bytes.len()]), hex, "{name}");
        }
    }
    for v in headers["must_fail"].as_array().unwrap() {
        let mut bytes = unhex(v["header_hex"].as_str().unwrap());
        bytes.extend_from_slice(&[0x01, 0x01, 0x00]);
        assert!(seal::decode(&bytes).is_err(), "{}", v["name"]);
    }
}

#[test]
fn c40_and_dates_match_their_vectors() {
    let c40 = json("c40.json");
    for v in c40["vectors"].as_array().unwrap() {
        let text = v["text"].as_str().unwrap();
        let bytes = unhex(v["hex"].as_str().unwrap());
        let direction = v["direction"].as_str().unwrap();
        if direction != "decode" {
            assert_eq!(seal::c40::encode(text).unwrap(), bytes, "{text}");
        }
        if direction != "encode" {
            let want = v["c40_decodes_to"].as_str().unwrap_or(text);
            assert_eq!(seal::c40::decode(&bytes, 0).unwrap(), want, "{text}");
        }
    }
    let dates = json("dates.json");
    for v in dates["vectors"].as_array().unwrap() {
        if v["kind"] != "date" {
            continue;
        }
        let text = v["text"].as_str().unwrap();
        let b = unhex(v["hex"].as_str().unwrap());
        let d = seal::decode_date([b[0], b[1], b[2]]).unwrap();
        assert_eq!(date(d), text);
        if v["direction"] != "decode" {
            assert_eq!(seal::encode_date(d).to_vec(), b, "{text}");
        }
    }
}

#[test]
fn the_signature_zone_is_tag_ff_then_its_length() {
    let f = json("signature_format.json");
    for v in f["signature_zone"].as_array().unwrap() {
        // Behind a minimal header and feature.
        let mut bytes = unhex("DC036ABC6D32C8A72CB18D7AD88D7AD8FB06010100");
        bytes.extend(unhex(v["zone_hex"].as_str().unwrap()));
        let got = seal::decode(&bytes);
        match v["expected_plain_signature_hex"].as_str() {
            Some(sig) => assert_eq!(got.unwrap().signature.unwrap(), unhex(sig)),
            // Without the tag, the bytes read as features that run past the end.
            None => assert!(got.is_err() || got.unwrap().signature.is_none()),
        }
    }
    assert_eq!(Version::V4.number(), 4);
}
