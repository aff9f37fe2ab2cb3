//! `bienphong seal verify`: one JSON object, exit 0 valid, 1 not, 2 a usage error; from hex,
//! base64 or a picture of the barcode.

use std::path::Path;

use serde_json::{Value, json};

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

fn keys(args: &[&str], passphrase: Option<&str>) -> (bool, String, String) {
    let mut cmd = crate::helpers::bienphong();
    cmd.args(args).env_remove("BIENPHONG_DATABASE_URL").env_remove("BIENPHONG_DATA_DIR");
    match passphrase {
        Some(p) => cmd.env("BIENPHONG_KEY_PASSPHRASE", p),
        None => cmd.env_remove("BIENPHONG_KEY_PASSPHRASE"),
    };
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn keys_are_made_once_locked_and_exported_for_offline_verifiers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let pass = Some("a passphrase for the test keys");
    let (ok, _, err) = keys(&["keys", "init", "--data-dir", d], None);
    assert!(
        !ok && err.contains("BIENPHONG_KEY_PASSPHRASE") && err.trim().lines().count() == 1,
        "{err}"
    );
    let (ok, _, err) = keys(&["keys", "init", "--data-dir", d], Some("short"));
    assert!(!ok && err.contains("12 characters"), "{err}");
    let (ok, out, err) = keys(&["keys", "init", "--data-dir", d], pass);
    assert!(ok, "{err}");
    assert!(out.starts_with("root made;"), "{out}");
    let (ok, out, _) = keys(&["keys", "init", "--data-dir", d], pass);
    assert!(ok && out.contains("0 signers made"), "{out}");
    // The locked keys open with their passphrase only.
    let (ok, _, err) = keys(
        &["keys", "rotate", "--checkpoint", "CANG-HAI-PHONG", "--data-dir", d],
        Some("not the passphrase"),
    );
    assert!(!ok && err.contains("wrong passphrase"), "{err}");
    let (ok, out, err) =
        keys(&["keys", "rotate", "--checkpoint", "CANG-HAI-PHONG", "--data-dir", d], pass);
    assert!(ok && out.contains("signs with VN"), "{out}{err}");
    let trust = dir.path().join("trust");
    let t = trust.to_str().unwrap();
    let (ok, _, err) = keys(&["trust", "export", "--out", t, "--data-dir", d], None);
    assert!(ok, "{err}");
    for f in ["root.crt", "certificates.crl", "permits.crl"] {
        assert!(trust.join(f).is_file(), "{f}");
    }
    let signers = std::fs::read_dir(trust.join("signers")).unwrap().count();
    let checkpoints = store_checkpoints();
    assert_eq!(signers, checkpoints + 1, "every checkpoint's signer, and the one rotated out");
    // No private key leaves: nothing exported is a locked key or PKCS #8.
    for entry in walk(&trust) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(!bytes.starts_with(b"BPK1"), "{}", entry.display());
    }
    // The exported folder is a trust store `seal verify` takes.
    let (code, v, _) = verify(&["--trust-store", t, "--hex", "DC03"]);
    assert_eq!((code, v["reason"].as_str()), (Some(1), Some("wrong_format")));
}

fn store_checkpoints() -> usize {
    let csv = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/store/reference/checkpoints.csv"),
    )
    .unwrap();
    csv.lines().skip(1).filter(|l| !l.trim().is_empty()).count()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn a_server_signs_with_the_passphrase_and_verifies_without_it() {
    use crate::helpers::{Server, http, run};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let pass = "a passphrase for the test keys";
    let (ok, _, err) = keys(&["keys", "init", "--data-dir", d], Some(pass));
    assert!(ok, "{err}");
    for (name, role) in [("commander.hp", "commander"), ("officer.hp", "officer")] {
        let args = [
            "user",
            "add",
            "--username",
            name,
            "--role",
            role,
            "--checkpoint",
            "CANG-HAI-PHONG",
            "--password-stdin",
            "--data-dir",
            d,
        ];
        let (ok, _, err) = run(&args, "correct horse battery\n");
        assert!(ok, "{err}");
    }
    let token = |addr: &str, name: &str| {
        let body = json!({"username": name, "password": "correct horse battery"}).to_string();
        let (status, answer) = http(addr, "POST", "/api/v1/auth/token", None, Some(&body));
        assert_eq!(status, 200, "{answer}");
        serde_json::from_str::<Value>(&answer).unwrap()["token"].as_str().unwrap().to_string()
    };
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7)).date();
    let permit = json!({
        "type": "embarkation", "checkpoint": "CANG-HAI-PHONG",
        "holder": {"family_name": "Trần", "given_names": "Văn Hùng", "nationality": "VNM",
                   "birth_date": "1980-05-19", "document_number": "C2345678"},
        "valid_until": (today + time::Duration::days(30)).to_string(),
    })
    .to_string();
    let seal = {
        let server = Server::start_with(&["--data-dir", d], &[("BIENPHONG_KEY_PASSPHRASE", pass)]);
        let commander = token(&server.addr, "commander.hp");
        let (status, answer) =
            http(&server.addr, "POST", "/api/v1/permits", Some(&commander), Some(&permit));
        assert_eq!(status, 201, "{answer}");
        serde_json::from_str::<Value>(&answer).unwrap()["seal_base64"].as_str().unwrap().to_string()
    };
    // Offline: the exported folder is all `seal verify` needs.
    let trust = dir.path().join("trust");
    let (ok, _, err) =
        keys(&["trust", "export", "--out", trust.to_str().unwrap(), "--data-dir", d], None);
    assert!(ok, "{err}");
    let (code, v, _) = verify(&["--trust-store", trust.to_str().unwrap(), "--base64", &seal]);
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["features"]["kind"], "embarkation");
    assert_eq!(v["header"]["issuing_country"], "VNM");
    // Without the passphrase: nothing is signed, but scans are checked at once.
    let server = Server::start(&["--data-dir", d]);
    let (status, answer) = http(
        &server.addr,
        "POST",
        "/api/v1/permits",
        Some(&token(&server.addr, "commander.hp")),
        Some(&permit),
    );
    assert_eq!(status, 503, "{answer}");
    assert!(answer.contains("keys_not_open"));
    let body = json!({"seal_base64": seal}).to_string();
    let officer = token(&server.addr, "officer.hp");
    let (status, answer) =
        http(&server.addr, "POST", "/api/v1/permits/verify", Some(&officer), Some(&body));
    assert_eq!(status, 200, "{answer}");
    let v: Value = serde_json::from_str(&answer).unwrap();
    assert_eq!((v["valid"].clone(), v["movement"].clone()), (json!(true), json!("ashore")), "{v}");
    assert_eq!(v["permit"]["name"], "Trần Văn Hùng");
}
