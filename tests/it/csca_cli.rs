//! `bienphong csca import` and `csca list`, with a CSCA, a Document Signer and a master list
//! made by the `openssl` command.

use std::path::Path;
use std::process::Command;

use crate::helpers::*;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match value.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend_from_slice(&[0x81, n as u8]),
        n => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(value);
    out
}

#[test]
fn a_master_list_and_certificates_are_imported_once_and_listed() {
    let pki = tempfile::tempdir().unwrap();
    let p = pki.path();
    std::fs::write(p.join("dsc.ext"), "basicConstraints=critical,CA:FALSE\n").unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(
        p,
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "csca.key",
                "-out",
                "csca.pem",
                "-days",
                "3650",
                "-subj",
                "/C=UT/O=Utopia/CN=CSCA Utopia",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat(),
    );
    openssl(
        p,
        &[&["req"][..], &ec, &["-keyout", "dsc.key", "-out", "dsc.csr", "-subj", "/C=UT/CN=DS"]]
            .concat(),
    );
    openssl(
        p,
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
    openssl(p, &["x509", "-in", "csca.pem", "-outform", "DER", "-out", "csca.der"]);
    openssl(p, &["x509", "-in", "dsc.pem", "-outform", "DER", "-out", "dsc.der"]);
    let (csca, dsc) =
        (std::fs::read(p.join("csca.der")).unwrap(), std::fs::read(p.join("dsc.der")).unwrap());
    let list = tlv(0x30, &[tlv(0x02, &[0]), tlv(0x31, &[csca, dsc].concat())].concat());
    std::fs::write(p.join("list.der"), list).unwrap();
    openssl(
        p,
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
            "-econtent_type",
            "2.23.136.1.1.2",
            "-outform",
            "DER",
            "-out",
            "utopia.ml",
        ],
    );

    let data = tempfile::tempdir().unwrap();
    let d = data.path().to_str().unwrap();
    let file = |name: &str| p.join(name).to_str().unwrap().to_string();
    let (ok, out, err) = run(&["csca", "list", "--data-dir", d], "");
    assert!(ok, "{err}");
    assert!(out.contains("no CSCA held"), "{out}");
    let (ok, out, err) = run(&["csca", "import", &file("utopia.ml"), "--data-dir", d], "");
    assert!(ok, "{err}");
    assert!(out.contains("imported 1 new CSCAs from a master list"), "{out}");
    assert!(out.contains("1 entries passed over"), "the signer is not a CA: {out}");
    let (ok, out, err) = run(&["csca", "import", &file("utopia.ml"), "--data-dir", d], "");
    assert!(ok, "{err}");
    assert!(out.contains("imported 0 new CSCAs") && out.contains("1 held already"), "{out}");
    let (ok, out, err) = run(&["csca", "import", &file("csca.pem"), "--data-dir", d], "");
    assert!(ok, "{err}");
    assert!(out.contains("imported 0 new CSCAs from PEM certificates"), "{out}");
    let (ok, out, err) = run(&["csca", "list", "--data-dir", d], "");
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(lines[0].starts_with("UT\t") && lines[0].contains("CSCA Utopia"), "{out}");

    // What is not a CSCA is refused in one line, and nothing is stored.
    std::fs::write(p.join("junk.ml"), b"\x30\x03\x02\x01\x00 and more").unwrap();
    for (name, says) in
        [("junk.ml", "no CSCA certificate"), ("dsc.pem", "not a certification authority")]
    {
        let (code, _, err) = run_code(&["csca", "import", &file(name), "--data-dir", d], "");
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(name) && err.contains(says), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    let (code, _, err) = run_code(&["csca", "import", &file("missing.ml"), "--data-dir", d], "");
    assert_eq!(code, Some(1), "{err}");

    // The CSCA's revocation list, revoking its signer: kept, once, and listed.
    std::fs::write(p.join("index.txt"), "").unwrap();
    std::fs::write(p.join("crlnumber"), "01\n").unwrap();
    std::fs::write(
        p.join("ca.cnf"),
        "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
         default_md = sha256\ndefault_crl_days = 30\n",
    )
    .unwrap();
    let ca = ["-config", "ca.cnf", "-keyfile", "csca.key", "-cert", "csca.pem"];
    openssl(p, &[&["ca"][..], &ca, &["-revoke", "dsc.pem"]].concat());
    openssl(p, &[&["ca"][..], &ca, &["-gencrl", "-out", "utopia.crl"]].concat());
    let (ok, out, err) = run(&["csca", "import", &file("utopia.crl"), "--data-dir", d], "");
    assert!(ok, "{err}");
    assert!(
        out.contains("imported the revocation list of") && out.contains("1 certificates revoked"),
        "{out}"
    );
    let (ok, out, _) = run(&["csca", "import", &file("utopia.crl"), "--data-dir", d], "");
    assert!(ok && out.contains("held already"), "{out}");
    let (_, out, _) = run(&["csca", "list", "--data-dir", d], "");
    assert!(out.lines().any(|l| l.starts_with("CRL\t") && l.contains("CSCA Utopia")), "{out}");
    // One no CSCA held signed is refused: it would revoke on no authority.
    let other = tempfile::tempdir().unwrap();
    let o = other.path();
    openssl(
        o,
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "csca.key",
                "-out",
                "csca.pem",
                "-days",
                "30",
                "-subj",
                "/C=UT/O=Utopia/CN=CSCA Utopia",
            ],
        ]
        .concat(),
    );
    std::fs::write(o.join("index.txt"), "").unwrap();
    std::fs::write(o.join("crlnumber"), "01\n").unwrap();
    std::fs::copy(p.join("ca.cnf"), o.join("ca.cnf")).unwrap();
    openssl(o, &[&["ca"][..], &ca, &["-gencrl", "-out", "forged.crl"]].concat());
    // A folder: its certificates first, then the lists they signed; what is neither is said.
    let folder = tempfile::tempdir().unwrap();
    std::fs::copy(p.join("utopia.crl"), folder.path().join("a-first-by-name.crl")).unwrap();
    std::fs::copy(p.join("csca.der"), folder.path().join("csca.der")).unwrap();
    std::fs::write(folder.path().join("readme.txt"), "CSCAs of Utopia").unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let f = fresh.path().to_str().unwrap();
    let (ok, out, err) =
        run(&["csca", "import", folder.path().to_str().unwrap(), "--data-dir", f], "");
    assert!(ok, "{err}");
    assert!(
        out.contains("imported 1 new CSCAs") && out.contains("imported the revocation list"),
        "{out}"
    );
    assert!(err.contains("readme.txt"), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) =
        run_code(&["csca", "import", empty.path().to_str().unwrap(), "--data-dir", f], "");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("holds no file"), "{err}");

    let forged = o.join("forged.crl").to_str().unwrap().to_string();
    let (code, _, err) = run_code(&["csca", "import", &forged, "--data-dir", d], "");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("import the CSCA of") && err.trim().lines().count() == 1, "{err}");
}
