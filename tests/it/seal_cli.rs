//! `bienphong seal verify`: one JSON object, exit 0 valid, 1 not, 2 a usage error; from hex,
//! base64 or a picture of the barcode.

use std::path::Path;

use serde_json::Value;

use crate::helpers::run_code;

fn vds() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/seal/tests/vds")
}

fn vector(name: &str) -> String {
    let all: Value =
        serde_json::from_slice(&std::fs::read(vds().join("vectors.json")).unwrap()).unwrap();
    let v = all.as_array().unwrap().iter().find(|v| v["name"] == name).unwrap();
    v["seal_hex"].as_str().unwrap().to_string()
}

fn verify(args: &[&str]) -> (Option<i32>, Value, String) {
    let mut all = vec!["seal", "verify"];
    all.extend_from_slice(args);
    let (code, out, err) = run_code(&all, "");
    let v = if out.trim().is_empty() { Value::Null } else { serde_json::from_str(&out).unwrap() };
    (code, v, err)
}

#[test]
fn seals_are_verified_offline_with_a_reason_for_each_refusal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(vds().join("sealgen_UTTS5B.crt"), dir.path().join("UTTS5B.crt")).unwrap();
    let store = dir.path().to_str().unwrap();
    let permit = vector("kurzdigital-residencePermit-v4-UTTS5B");
    let at = "2026-11-25T08:00:00+07:00";

    let (code, v, err) = verify(&["--trust-store", store, "--at", at, "--hex", &permit]);
    assert_eq!(code, Some(0), "{v} {err}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["reason"], Value::Null);
    assert_eq!(v["header"]["version"], 4);
    assert_eq!(v["header"]["issuing_country"], "UTO");
    assert_eq!(v["header"]["signer_identifier"], "UTTS");
    assert_eq!(v["header"]["certificate_reference"], "5B");
    assert_eq!(v["header"]["document_issue_date"], "2020-01-01");
    assert_eq!(v["header"]["feature_definition_reference"], 251);
    assert_eq!(v["header"]["document_type_category"], 6);
    assert!(v["features"]["2"].as_str().unwrap().starts_with("5CBA"), "{v}");

    // The same seal as base64, and as a picture of its barcode.
    use base64::Engine as _;
    let bytes = hex::decode(&permit).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let (code, v, _) = verify(&["--trust-store", store, "--at", at, "--base64", &b64]);
    assert_eq!((code, &v["valid"]), (Some(0), &Value::Bool(true)));
    let png = dir.path().join("seal.png");
    std::fs::write(
        &png,
        seal::barcode::png(&bytes, seal::barcode::Symbology::DataMatrix, 4).unwrap(),
    )
    .unwrap();
    let (code, v, _) =
        verify(&["--trust-store", store, "--at", at, "--image", png.to_str().unwrap()]);
    assert_eq!((code, &v["valid"]), (Some(0), &Value::Bool(true)), "{v}");

    // Refused: each with its reason, the header shown whenever the seal decoded.
    let later = "2031-01-01T00:00:00Z";
    let (code, v, _) = verify(&["--trust-store", store, "--at", later, "--hex", &permit]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("expired")));
    assert_eq!(v["header"]["signer_identifier"], "UTTS");
    let forged = vector("kurzdigital-supplementSheet-v4-DETS4F-INVALID-signature");
    let (code, v, _) = verify(&["--trust-store", store, "--at", at, "--hex", &forged]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("unknown_certificate")));
    let mut altered = bytes.clone();
    altered[30] ^= 1;
    let (code, v, _) =
        verify(&["--trust-store", store, "--at", at, "--hex", &hex::encode(&altered)]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("bad_signature")));
    let (code, v, _) = verify(&["--trust-store", store, "--hex", "DC0102"]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("wrong_format")));
    assert_eq!(v["header"], Value::Null);
    let (code, v, _) = verify(&["--trust-store", store, "--hex", "not hex"]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("unreadable")));
    let (code, v, _) =
        verify(&["--trust-store", store, "--image", vds().join("README.md").to_str().unwrap()]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("unreadable")));

    // Usage errors: exit 2, one line, nothing on standard output.
    for args in [
        vec!["--trust-store", store],
        vec!["--trust-store", store, "--hex", &permit, "--base64", "AA=="],
        vec!["--trust-store", "/nowhere", "--hex", &permit],
        vec!["--trust-store", store, "--at", "yesterday", "--hex", &permit],
    ] {
        let (code, v, err) = verify(&args);
        assert_eq!(code, Some(2), "{args:?}");
        assert_eq!(v, Value::Null, "{args:?}");
        assert!(!err.trim().is_empty(), "{args:?}");
    }
}
