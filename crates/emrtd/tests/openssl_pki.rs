//! Passports made by an independent hand: a CSCA and a Document Signer made with the `openssl`
//! command, real data groups, and a SOD signed by `openssl cms` over the LDS security object.
//! The reader here must take them, and see any data group changed after signing.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::path::Path;
use std::process::Command;

use emrtd::pa::{SignatureError, verify_signature};
use emrtd::trust::{DscProblem, Trust, TrustError};
use emrtd::{Com, Dg1, Dg2, DigestAlgorithm, Sod};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// DER of a tag and its value (definite lengths up to 64 KiB).
fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    match value.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend_from_slice(&[0x81, n as u8]),
        n => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(value);
    out
}

const MRZ: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";

fn dg1() -> Vec<u8> {
    tlv(&[0x61], &tlv(&[0x5F, 0x1F], MRZ.as_bytes()))
}

fn dg2() -> Vec<u8> {
    let mut block = b"FAC\x00010\x00".to_vec();
    block.extend_from_slice(&[0u8; 40]);
    block.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9]);
    let face = tlv(
        &[0x7F, 0x60],
        &[tlv(&[0xA1], &[0x80, 0x02, 0x01, 0x01]), tlv(&[0x5F, 0x2E], &block)].concat(),
    );
    tlv(&[0x75], &tlv(&[0x7F, 0x61], &[tlv(&[0x02], &[1]), face].concat()))
}

fn com() -> Vec<u8> {
    tlv(
        &[0x60],
        &[tlv(&[0x5F, 0x01], b"0107"), tlv(&[0x5F, 0x36], b"040000"), tlv(&[0x5C], &[0x61, 0x75])]
            .concat(),
    )
}

/// The LDS security object over these data groups, SHA-256.
fn lds_security_object(groups: &[(u8, &[u8])]) -> Vec<u8> {
    let sha256 =
        tlv(&[0x30], &tlv(&[0x06], &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]));
    let hashes: Vec<u8> = groups
        .iter()
        .flat_map(|(n, bytes)| {
            tlv(
                &[0x30],
                &[tlv(&[0x02], &[*n]), tlv(&[0x04], &DigestAlgorithm::Sha256.digest(bytes))]
                    .concat(),
            )
        })
        .collect();
    tlv(&[0x30], &[tlv(&[0x02], &[0]), sha256, tlv(&[0x30], &hashes)].concat())
}

/// A CSCA, a Document Signer under it (`key` as openssl's `-newkey`), and a SOD over the data
/// groups signed by the signer with `openssl cms`.
fn passport(dir: &Path, key: &[&str], groups: &[(u8, &[u8])]) -> (Vec<u8>, Vec<u8>) {
    std::fs::write(dir.join("lso.der"), lds_security_object(groups)).unwrap();
    std::fs::write(
        dir.join("dsc.ext"),
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n",
    )
    .unwrap();
    let mut csca = vec![
        "req",
        "-x509",
        "-nodes",
        "-keyout",
        "csca.key",
        "-out",
        "csca.pem",
        "-days",
        "3650",
        "-subj",
        "/C=UT/O=Utopia/CN=CSCA Utopia",
        "-addext",
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-newkey",
    ];
    csca.extend_from_slice(key);
    openssl(dir, &csca);
    let mut req = vec![
        "req",
        "-nodes",
        "-keyout",
        "dsc.key",
        "-out",
        "dsc.csr",
        "-subj",
        "/C=UT/O=Utopia/CN=DS 1",
        "-newkey",
    ];
    req.extend_from_slice(key);
    openssl(dir, &req);
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "dsc.csr",
            "-CA",
            "csca.pem",
            "-CAkey",
            "csca.key",
            "-CAcreateserial",
            "-out",
            "dsc.pem",
            "-days",
            "365",
            "-extfile",
            "dsc.ext",
        ],
    );
    openssl(dir, &["x509", "-in", "dsc.pem", "-outform", "DER", "-out", "dsc.der"]);
    openssl(dir, &["x509", "-in", "csca.pem", "-outform", "DER", "-out", "csca.der"]);
    openssl(
        dir,
        &[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-in",
            "lso.der",
            "-signer",
            "dsc.pem",
            "-inkey",
            "dsc.key",
            "-md",
            "sha256",
            "-econtent_type",
            "2.23.136.1.1.1",
            "-outform",
            "DER",
            "-out",
            "sod.der",
        ],
    );
    let cms = std::fs::read(dir.join("sod.der")).unwrap();
    (tlv(&[0x77], &cms), std::fs::read(dir.join("dsc.der")).unwrap())
}

fn passive_authentication(key: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let (dg1, dg2) = (dg1(), dg2());
    let (sod_bytes, dsc) = passport(dir.path(), key, &[(1, &dg1), (2, &dg2)]);
    let sod = Sod::read(&sod_bytes).unwrap();
    assert_eq!(sod.hash_algorithm, DigestAlgorithm::Sha256);
    assert_eq!(sod.hashes.keys().copied().collect::<Vec<_>>(), [1, 2]);
    assert_eq!(
        sod.certificates,
        std::slice::from_ref(&dsc),
        "the signer's certificate travels in the SOD"
    );
    assert!(sod.content_digest_holds());
    let check = sod.check_hashes([(1, dg1.as_slice()), (2, dg2.as_slice())]);
    assert_eq!((check.matched, check.mismatched), (vec![1, 2], vec![]));
    verify_signature(&sod, &dsc).unwrap();

    // The data groups read back.
    assert_eq!(Dg1::read(&dg1).unwrap().lines()[1], &MRZ[44..]);
    assert_eq!(Dg2::read(&dg2).unwrap().faces[0].format, "jpeg");
    assert_eq!(Com::read(&com()).unwrap().tags, [0x61, 0x75]);

    // A data group changed after signing is seen; so is a signature or content tampered with.
    let mut forged = dg1.clone();
    let at = forged.len() - 3;
    forged[at] = b'9';
    assert_eq!(sod.check_hashes([(1, forged.as_slice())]).mismatched, [1]);
    let mut bad = sod.clone();
    let last = bad.signature.len() - 1;
    bad.signature[last] ^= 1;
    assert_eq!(verify_signature(&bad, &dsc), Err(SignatureError::BadSignature));
    let mut moved = sod.clone();
    moved.content[10] ^= 1;
    assert!(!moved.content_digest_holds());
    // Another signer's certificate does not verify it.
    let other = tempfile::tempdir().unwrap();
    let (_, stranger) = passport(other.path(), key, &[(1, &dg1)]);
    assert_eq!(verify_signature(&sod, &stranger), Err(SignatureError::BadSignature));
}

#[test]
fn a_passport_signed_with_ecdsa_p256_passes_and_tampering_is_seen() {
    passive_authentication(&["ec", "-pkeyopt", "ec_paramgen_curve:P-256"]);
}

#[test]
fn a_passport_signed_with_rsa_2048_passes_and_tampering_is_seen() {
    passive_authentication(&["rsa:2048"]);
}

#[test]
fn passports_signed_on_the_brainpool_curves_and_p521_pass_and_tampering_is_seen() {
    for curve in
        ["brainpoolP256r1", "brainpoolP320r1", "brainpoolP384r1", "brainpoolP512r1", "P-521"]
    {
        let key = ["ec", "-pkeyopt", &format!("ec_paramgen_curve:{curve}")];
        passive_authentication(&key);
        // The whole chain on the curve: the CSCA signed the signer, and its revocation list.
        let dir = tempfile::tempdir().unwrap();
        let dg1 = dg1();
        let (_, dsc) = passport(dir.path(), &key, &[(1, &dg1)]);
        let csca = std::fs::read(dir.path().join("csca.der")).unwrap();
        let mut trust = Trust::default();
        trust.add_certificate(&csca).unwrap();
        assert_eq!(trust.check_dsc(&dsc, now()), Ok(()), "{curve}");
        let crl = revoke_signer(dir.path());
        trust.add_crl(&crl).unwrap();
        assert_eq!(trust.check_dsc(&dsc, now()), Err(DscProblem::Revoked), "{curve}");
        // A signer another CSCA of the same name signed does not hold under this one.
        let other = tempfile::tempdir().unwrap();
        let (_, stranger) = passport(other.path(), &key, &[(1, &dg1)]);
        let mut held = Trust::default();
        held.add_certificate(&csca).unwrap();
        assert_ne!(held.check_dsc(&stranger, now()), Ok(()), "{curve}");
    }
}

#[test]
fn a_curve_no_state_uses_is_not_supported_and_never_taken_as_good() {
    let dir = tempfile::tempdir().unwrap();
    let dg1 = dg1();
    let (sod, dsc) =
        passport(dir.path(), &["ec", "-pkeyopt", "ec_paramgen_curve:secp256k1"], &[(1, &dg1)]);
    let sod = Sod::read(&sod).unwrap();
    assert!(matches!(verify_signature(&sod, &dsc), Err(SignatureError::Unsupported(_))));
}

#[test]
fn unreadable_sods_are_refused_with_their_reason() {
    assert!(Sod::read(&[]).is_err());
    assert!(Sod::read(&[0x77, 0x03, 0x30, 0x01, 0x00]).is_err());
    let dir = tempfile::tempdir().unwrap();
    let dg1 = dg1();
    let (sod, _) =
        passport(dir.path(), &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], &[(1, &dg1)]);
    // Every prefix of a good SOD is refused, never a panic.
    for n in 0..sod.len() {
        assert!(Sod::read(&sod[..n]).is_err(), "a SOD cut at {n} bytes was taken");
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Revokes the signer in `dir` with `openssl ca` and returns the CSCA's revocation list (DER).
fn revoke_signer(dir: &Path) -> Vec<u8> {
    std::fs::write(dir.join("index.txt"), "").unwrap();
    std::fs::write(dir.join("crlnumber"), "01\n").unwrap();
    std::fs::write(
        dir.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
         default_md = sha256\ndefault_crl_days = 30\n",
    )
    .unwrap();
    let ca = ["-config", "ca.cnf", "-keyfile", "csca.key", "-cert", "csca.pem"];
    openssl(dir, &[&["ca"][..], &ca, &["-revoke", "dsc.pem"]].concat());
    openssl(dir, &[&["ca"][..], &ca, &["-gencrl", "-out", "crl.pem"]].concat());
    openssl(dir, &["crl", "-in", "crl.pem", "-outform", "DER", "-out", "crl.der"]);
    std::fs::read(dir.join("crl.der")).unwrap()
}

#[test]
fn the_document_signer_holds_only_under_its_csca_while_valid_and_not_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let dg1 = dg1();
    let (_, dsc) =
        passport(dir.path(), &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], &[(1, &dg1)]);
    let csca = std::fs::read(dir.path().join("csca.der")).unwrap();
    let mut trust = Trust::default();
    assert_eq!(trust.check_dsc(&dsc, now()), Err(DscProblem::CscaUnknown));
    assert_eq!(trust.add_certificate(&dsc), Err(TrustError::NotACa));
    assert_eq!(trust.add_certificate(&csca), Ok(true));
    assert_eq!(trust.add_certificate(&csca), Ok(false), "held once");
    assert_eq!(trust.check_dsc(&dsc, now()), Ok(()));
    assert_eq!(trust.check_dsc(&dsc, now() + 400 * 86_400), Err(DscProblem::Expired));
    assert_eq!(trust.check_dsc(&dsc, now() - 86_400), Err(DscProblem::Expired), "not yet valid");

    // A CSCA of the same name but another key: the key the signer names is not held.
    let other = tempfile::tempdir().unwrap();
    let (_, stranger_dsc) = passport(other.path(), &["rsa:2048"], &[(1, &dg1)]);
    let stranger_csca = std::fs::read(other.path().join("csca.der")).unwrap();
    let mut impostor = Trust::default();
    impostor.add_certificate(&stranger_csca).unwrap();
    assert_eq!(impostor.check_dsc(&dsc, now()), Err(DscProblem::CscaUnknown));
    assert_eq!(impostor.check_dsc(&stranger_dsc, now()), Ok(()), "an RSA chain holds too");
    // One that also claims the real CSCA's key identifier did not sign it either.
    let out = Command::new("openssl")
        .args(["x509", "-in", "csca.pem", "-noout", "-ext", "subjectKeyIdentifier"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let ski = String::from_utf8(out.stdout).unwrap().lines().nth(1).unwrap().trim().to_string();
    let forged = tempfile::tempdir().unwrap();
    openssl(
        forged.path(),
        &[
            "req",
            "-x509",
            "-nodes",
            "-keyout",
            "f.key",
            "-out",
            "f.pem",
            "-days",
            "30",
            "-subj",
            "/C=UT/O=Utopia/CN=CSCA Utopia",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            &format!("subjectKeyIdentifier={ski}"),
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ],
    );
    openssl(forged.path(), &["x509", "-in", "f.pem", "-outform", "DER", "-out", "f.der"]);
    let mut forger = Trust::default();
    forger.add_certificate(&std::fs::read(forged.path().join("f.der")).unwrap()).unwrap();
    assert_eq!(forger.check_dsc(&dsc, now()), Err(DscProblem::Untrusted));

    // Revoked by its CSCA's list; a list another CSCA signed is not taken.
    let crl = revoke_signer(dir.path());
    assert_eq!(impostor.add_crl(&crl), Err(TrustError::CrlUntrusted));
    trust.add_crl(&crl).unwrap();
    assert_eq!(trust.check_dsc(&dsc, now()), Err(DscProblem::Revoked));
    assert_eq!(trust.add_crl(b"not a list"), Err(TrustError::CrlUnreadable));
}

#[test]
fn a_master_list_brings_its_cscas() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let dg1 = dg1();
    let (_, dsc) = passport(d, &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], &[(1, &dg1)]);
    let csca = std::fs::read(d.join("csca.der")).unwrap();
    // CscaMasterList ::= SEQUENCE { version INTEGER, certList SET OF Certificate }, signed by
    // a master list signer (here the CSCA's own key, as openssl makes it).
    let list = tlv(
        &[0x30],
        &[tlv(&[0x02], &[0]), tlv(&[0x31], &[csca.clone(), dsc.clone()].concat())].concat(),
    );
    std::fs::write(d.join("list.der"), list).unwrap();
    openssl(
        d,
        &[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-in",
            "list.der",
            "-signer",
            "csca.pem",
            "-inkey",
            "csca.key",
            "-md",
            "sha256",
            "-econtent_type",
            "2.23.136.1.1.2",
            "-outform",
            "DER",
            "-out",
            "list.ml",
        ],
    );
    let ml = std::fs::read(d.join("list.ml")).unwrap();
    let mut trust = Trust::default();
    assert_eq!(trust.add_master_list(&ml), Ok(1), "the CSCA, not the signer that is no CA");
    assert_eq!(trust.check_dsc(&dsc, now()), Ok(()));
    assert!(trust.add_master_list(&ml[..ml.len() - 1]).is_err());
    let sod_dir = tempfile::tempdir().unwrap();
    let (sod, _) =
        passport(sod_dir.path(), &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"], &[(1, &dg1)]);
    assert!(
        matches!(trust.add_master_list(&sod[2..]), Err(TrustError::MasterList(_))),
        "a SOD is no master list"
    );
}

#[test]
fn passive_authentication_gives_every_reason_it_fails() {
    use emrtd::pa::{Chip, passive_authentication};
    let dir = tempfile::tempdir().unwrap();
    let (dg1, dg2) = (dg1(), dg2());
    let (sod, _) = passport(
        dir.path(),
        &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &[(1, &dg1), (2, &dg2)],
    );
    let mut trust = Trust::default();
    trust.add_certificate(&std::fs::read(dir.path().join("csca.der")).unwrap()).unwrap();
    let chip = Chip { sod: &sod, groups: vec![(1, &dg1), (2, &dg2)] };
    let good = passive_authentication(&chip, Some(MRZ), &trust, now());
    assert!(good.passed(), "{:?}", good.reasons);
    assert_eq!(good.chip_mrz.as_deref(), Some(MRZ));

    let reasons = |chip: &Chip<'_>, printed: Option<&str>, trust: &Trust, at: i64| {
        passive_authentication(chip, printed, trust, at).reasons
    };
    let other_mrz = MRZ.replace("ANNA", "ANNE");
    assert_eq!(reasons(&chip, Some(&other_mrz), &trust, now()), ["mrz_mismatch"]);
    assert_eq!(reasons(&chip, Some(MRZ), &Trust::default(), now()), ["csca_unknown"]);
    assert_eq!(reasons(&chip, Some(MRZ), &trust, now() + 400 * 86_400), ["dsc_expired"]);
    let mut forged = dg2.clone();
    let last = forged.len() - 2;
    forged[last] ^= 0x55;
    let tampered = Chip { sod: &sod, groups: vec![(1, &dg1), (2, &forged)] };
    assert_eq!(reasons(&tampered, Some(MRZ), &trust, now()), ["dg_hash_mismatch"]);
    let without_dg1 = Chip { sod: &sod, groups: vec![(2, &dg2)] };
    assert_eq!(reasons(&without_dg1, None, &trust, now()), ["dg_missing"]);
    let garbage = Chip { sod: b"\x77\x02\x30\x00", groups: vec![(1, &dg1)] };
    assert_eq!(reasons(&garbage, Some(MRZ), &trust, now()), ["sod_unreadable"]);
    let com = com();
    let extra = Chip { sod: &sod, groups: vec![(1, &dg1), (2, &dg2), (14, &com)] };
    assert_eq!(reasons(&extra, Some(MRZ), &trust, now()), ["dg_unlisted"]);
}

/// An RSA-2048 private key in PKCS #8 DER, made by openssl.
pub fn rsa_2048(dir: &Path) -> Vec<u8> {
    openssl(
        dir,
        &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem"],
    );
    openssl(
        dir,
        &["pkcs8", "-topk8", "-nocrypt", "-in", "rsa.pem", "-outform", "DER", "-out", "rsa.der"],
    );
    std::fs::read(dir.join("rsa.der")).unwrap()
}

fn made_here_passes_here_and_in_openssl(country: &emrtd::issue::TestCountry) {
    use emrtd::pa::{Chip, passive_authentication};
    let chip = country.issue(MRZ, &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).unwrap();
    let mut trust = Trust::default();
    trust.add_certificate(&country.csca).unwrap();
    let files = Chip { sod: &chip.sod, groups: vec![(1, &chip.dg1), (2, &chip.dg2)] };
    let v = passive_authentication(&files, Some(MRZ), &trust, now());
    assert!(v.passed(), "{:?}", v.reasons);
    assert_eq!(Com::read(&chip.com).unwrap().lds_version, "0107");
    assert_eq!(Dg2::read(&chip.dg2).unwrap().faces[0].format, "jpeg");

    // openssl, an independent reader, verifies the SOD made here under the CSCA made here.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("csca.der"), &country.csca).unwrap();
    assert_eq!(&chip.sod[..2], &[0x77, 0x82]);
    std::fs::write(d.join("sod.der"), &chip.sod[4..]).unwrap();
    openssl(d, &["x509", "-inform", "DER", "-in", "csca.der", "-out", "csca.pem"]);
    openssl(
        d,
        &[
            "cms", "-verify", "-binary", "-inform", "DER", "-in", "sod.der", "-CAfile", "csca.pem",
            "-purpose", "any", "-out", "lso.der",
        ],
    );
    let lso = std::fs::read(d.join("lso.der")).unwrap();
    assert_eq!(lso, Sod::read(&chip.sod).unwrap().content);
}

#[test]
fn chips_made_here_pass_here_and_in_openssl() {
    use emrtd::issue::TestCountry;
    let day = 86_400;
    let from = time::OffsetDateTime::from_unix_timestamp(now() - 30 * day).unwrap();
    let until = time::OffsetDateTime::from_unix_timestamp(now() + 365 * day).unwrap();
    made_here_passes_here_and_in_openssl(&TestCountry::new("UT", from, until).unwrap());
    let keys = tempfile::tempdir().unwrap();
    let rsa = rsa_2048(keys.path());
    made_here_passes_here_and_in_openssl(
        &TestCountry::with_rsa_signer("UT", from, until, &rsa).unwrap(),
    );
}

/// The simulator's countries hold under their own CSCAs, and only under them.
#[test]
fn the_simulators_countries_pass_under_their_own_cscas() {
    let vn = emrtd::issue::TestCountry::simulator("VN").unwrap();
    let cn = emrtd::issue::TestCountry::simulator("CN").unwrap();
    assert!(emrtd::issue::TestCountry::simulator("FR").is_none());
    let mrz =
        "P<VNMNGUYEN<<VAN<AN<<<<<<<<<<<<<<<<<<<<<<<<<C1234567<5VNM8503121M3101017<<<<<<<<<<<<<<02";
    let chip = vn.issue(mrz, b"\xFF\xD8face").unwrap();
    let mut trust = emrtd::trust::Trust::default();
    trust.add_certificate(&vn.csca).unwrap();
    let at = 1_790_000_000; // 2026-09
    let files = emrtd::pa::Chip { sod: &chip.sod, groups: vec![(1, &chip.dg1), (2, &chip.dg2)] };
    let v = emrtd::pa::passive_authentication(&files, Some(mrz), &trust, at);
    assert!(v.passed(), "{:?}", v.reasons);
    let mut other = emrtd::trust::Trust::default();
    other.add_certificate(&cn.csca).unwrap();
    let v = emrtd::pa::passive_authentication(&files, Some(mrz), &other, at);
    assert_eq!(v.reasons, ["csca_unknown"]);
}
