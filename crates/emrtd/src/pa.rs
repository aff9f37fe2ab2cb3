//! Passive authentication's signature step: the SOD's signature verified with the Document
//! Signer's public key. What `ring` verifies goes through it (ECDSA on P-256 and P-384, RSA
//! PKCS #1 v1.5 and RSA-PSS with SHA-256 to SHA-512, RSA with SHA-1 for old passports); ECDSA
//! on the brainpool curves and P-521, with SHA-1 to SHA-512, through the `ec` crate. Anything
//! else is answered as not supported, never as good.

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::sod::{DigestAlgorithm, Sod};
use crate::tlv::{Reader, oid_text, single};

/// Why the signature does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Document Signer's certificate cannot be read")]
    DscUnreadable,
    #[error("{0} is not supported")]
    Unsupported(String),
    #[error("the signature does not hold")]
    BadSignature,
}

const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const RSA_PSS: &str = "1.2.840.113549.1.1.10";
const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";

/// Verifies the SOD's signature with the certificate `dsc` (DER).
pub fn verify_signature(sod: &Sod, dsc: &[u8]) -> Result<(), SignatureError> {
    let (_, cert) = X509Certificate::from_der(dsc).map_err(|_| SignatureError::DscUnreadable)?;
    let spki = &cert.tbs_certificate.subject_pki;
    let key_kind = spki.algorithm.algorithm.to_id_string();
    let key = spki.subject_public_key.data.as_ref();
    let curve =
        spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
    let good = match choose(sod, &key_kind, curve.as_deref())? {
        Verifier::Ring(alg) => {
            UnparsedPublicKey::new(alg, key).verify(sod.signed_bytes(), &sod.signature).is_ok()
        }
        Verifier::Ec(curve, hash) => match ecdsa_integers(&sod.signature) {
            Some((r, s)) => ec::verify(curve, key, &hash.digest(sod.signed_bytes()), r, s),
            None => false,
        },
    };
    if good { Ok(()) } else { Err(SignatureError::BadSignature) }
}

/// A certificate's or revocation list's ECDSA signature, when the issuer's key is on a curve
/// `ring` does not cover (brainpool, P-521): `None` when it is not such a signature, else
/// whether it holds. `signed` is the signed part's DER, `signature` the ECDSA-Sig-Value.
pub(crate) fn ec_x509_signature(
    algorithm: &str,
    issuer: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
    signed: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let hash = match algorithm {
        "1.2.840.10045.4.1" => DigestAlgorithm::Sha1,
        "1.2.840.10045.4.3.2" => DigestAlgorithm::Sha256,
        "1.2.840.10045.4.3.3" => DigestAlgorithm::Sha384,
        "1.2.840.10045.4.3.4" => DigestAlgorithm::Sha512,
        _ => return None,
    };
    if issuer.algorithm.algorithm.to_id_string() != EC_PUBLIC_KEY {
        return None;
    }
    let oid = issuer.algorithm.parameters.as_ref()?.as_oid().ok()?.to_id_string();
    let curve = ec::Curve::from_oid(&oid)?;
    let key = issuer.subject_public_key.data.as_ref();
    Some(match ecdsa_integers(signature) {
        Some((r, s)) => ec::verify(curve, key, &hash.digest(signed), r, s),
        None => false,
    })
}

/// Who verifies a signature.
enum Verifier {
    Ring(&'static dyn VerificationAlgorithm),
    Ec(ec::Curve, DigestAlgorithm),
}

/// An ECDSA signature's DER (`SEQUENCE { r INTEGER, s INTEGER }`): `r` and `s` as unsigned
/// big-endian bytes.
fn ecdsa_integers(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let seq = single(der, "the ECDSA signature").ok()?;
    let mut r: Reader<'_> = seq.children();
    let first = r.next_required("r").ok()?;
    let second = r.next_required("s").ok()?;
    if first.tag != 0x02 || second.tag != 0x02 || r.next_tlv().ok()?.is_some() {
        return None;
    }
    let strip = |v: &[u8]| -> usize { v.iter().take_while(|b| **b == 0).count() };
    let (a, b) = (first.value, second.value);
    Some((&a[strip(a)..], &b[strip(b)..]))
}

fn choose(sod: &Sod, key_kind: &str, curve: Option<&str>) -> Result<Verifier, SignatureError> {
    use DigestAlgorithm::{Sha1, Sha256, Sha384, Sha512};
    let unsupported = |what: String| Err(SignatureError::Unsupported(what));
    let sig = sod.signature_algorithm.as_str();
    // The hash a signature algorithm names, or for a bare key algorithm the signer's.
    let hash = match sig {
        "1.2.840.10045.4.1" | "1.2.840.113549.1.1.5" => Sha1,
        "1.2.840.10045.4.3.2" | "1.2.840.113549.1.1.11" => Sha256,
        "1.2.840.10045.4.3.3" | "1.2.840.113549.1.1.12" => Sha384,
        "1.2.840.10045.4.3.4" | "1.2.840.113549.1.1.13" => Sha512,
        RSA_PSS => pss_hash(sod.signature_parameters.as_deref())?,
        EC_PUBLIC_KEY | RSA_ENCRYPTION => sod.signer_digest,
        other => return unsupported(format!("signature algorithm {other}")),
    };
    match (key_kind, curve) {
        (EC_PUBLIC_KEY, Some(P256)) => match hash {
            Sha256 => Ok(Verifier::Ring(&signature::ECDSA_P256_SHA256_ASN1)),
            Sha384 => Ok(Verifier::Ring(&signature::ECDSA_P256_SHA384_ASN1)),
            _ => unsupported(format!("ECDSA on P-256 with {hash:?}")),
        },
        (EC_PUBLIC_KEY, Some(P384)) => match hash {
            Sha256 => Ok(Verifier::Ring(&signature::ECDSA_P384_SHA256_ASN1)),
            Sha384 => Ok(Verifier::Ring(&signature::ECDSA_P384_SHA384_ASN1)),
            _ => unsupported(format!("ECDSA on P-384 with {hash:?}")),
        },
        (EC_PUBLIC_KEY, Some(c)) if ec::Curve::from_oid(c).is_some() => {
            Ok(Verifier::Ec(ec::Curve::from_oid(c).ok_or(SignatureError::DscUnreadable)?, hash))
        }
        (EC_PUBLIC_KEY, c) => {
            unsupported(format!("ECDSA on curve {}", c.unwrap_or("(none named)")))
        }
        (RSA_ENCRYPTION | RSA_PSS, _) if sig == RSA_PSS => match hash {
            Sha256 => Ok(Verifier::Ring(&signature::RSA_PSS_2048_8192_SHA256)),
            Sha384 => Ok(Verifier::Ring(&signature::RSA_PSS_2048_8192_SHA384)),
            Sha512 => Ok(Verifier::Ring(&signature::RSA_PSS_2048_8192_SHA512)),
            _ => unsupported(format!("RSA-PSS with {hash:?}")),
        },
        (RSA_ENCRYPTION, _) => match hash {
            Sha1 => Ok(Verifier::Ring(&signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY)),
            Sha256 => Ok(Verifier::Ring(&signature::RSA_PKCS1_2048_8192_SHA256)),
            Sha384 => Ok(Verifier::Ring(&signature::RSA_PKCS1_2048_8192_SHA384)),
            Sha512 => Ok(Verifier::Ring(&signature::RSA_PKCS1_2048_8192_SHA512)),
            _ => unsupported(format!("RSA with {hash:?}")),
        },
        (other, _) => unsupported(format!("key algorithm {other}")),
    }
}

/// RSASSA-PSS parameters (RFC 4055): the hash in `[0]`, SHA-1 when left out.
fn pss_hash(params: Option<&[u8]>) -> Result<DigestAlgorithm, SignatureError> {
    let bad = || SignatureError::Unsupported("RSA-PSS parameters that cannot be read".into());
    let Some(params) = params else { return Ok(DigestAlgorithm::Sha1) };
    let seq = single(params, "RSA-PSS parameters").map_err(|_| bad())?;
    let mut r: Reader<'_> = seq.children();
    while let Some(t) = r.next_tlv().map_err(|_| bad())? {
        if t.tag == 0xA0 {
            let alg = single(t.value, "the hash").map_err(|_| bad())?;
            let id = alg.children().next_required("the hash's OID").map_err(|_| bad())?;
            let oid = oid_text(id.value).ok_or_else(bad)?;
            return DigestAlgorithm::from_oid(&oid)
                .ok_or_else(|| SignatureError::Unsupported(format!("RSA-PSS with hash {oid}")));
        }
    }
    Ok(DigestAlgorithm::Sha1)
}

/// A chip's files as the gate read them (each file's bytes, tag included).
#[derive(Debug, Clone, Default)]
pub struct Chip<'a> {
    pub sod: &'a [u8],
    /// The data groups read, by number (DG1 at least).
    pub groups: Vec<(u8, &'a [u8])>,
}

/// Passive authentication's verdict: passed, or every reason it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub reasons: Vec<&'static str>,
    /// DG1's MRZ, when it could be read.
    pub chip_mrz: Option<String>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Passive authentication (Doc 9303-11 §5.1): the SOD read; every data group read hashed as
/// the SOD says; the SOD's content digest and signature by its Document Signer; the signer
/// checked under the trust held at `at` (Unix seconds); DG1's MRZ the same as the one printed
/// (`printed_mrz`, its lines run together, when the gate read it). The reasons are codes:
/// `sod_unreadable`, `unsupported_algorithm`, `dg_missing`, `dg_unlisted`, `dg_hash_mismatch`,
/// `dg1_unreadable`, `mrz_mismatch`, `dsc_missing`, `bad_signature`, `csca_unknown`,
/// `dsc_untrusted`, `dsc_expired`, `dsc_revoked`, `dsc_unreadable`.
pub fn passive_authentication(
    chip: &Chip<'_>,
    printed_mrz: Option<&str>,
    trust: &crate::trust::Trust,
    at: i64,
) -> Verdict {
    use crate::trust::DscProblem;
    let mut reasons = Vec::new();
    let push = |r: &'static str, reasons: &mut Vec<&'static str>| {
        if !reasons.contains(&r) {
            reasons.push(r);
        }
    };
    let dg1 = chip.groups.iter().find(|(n, _)| *n == 1).map(|(_, b)| *b);
    let chip_mrz = dg1.and_then(|b| crate::lds::Dg1::read(b).ok()).map(|d| d.mrz);
    match (dg1, &chip_mrz, printed_mrz) {
        (None, _, _) => push("dg_missing", &mut reasons),
        (Some(_), None, _) => push("dg1_unreadable", &mut reasons),
        (Some(_), Some(chip), Some(printed)) if chip.as_str() != printed.trim() => {
            push("mrz_mismatch", &mut reasons)
        }
        _ => {}
    }
    let sod = match Sod::read(chip.sod) {
        Ok(s) => s,
        Err(crate::sod::SodError::Unsupported(_)) => {
            push("unsupported_algorithm", &mut reasons);
            return Verdict { reasons, chip_mrz };
        }
        Err(_) => {
            push("sod_unreadable", &mut reasons);
            return Verdict { reasons, chip_mrz };
        }
    };
    let check = sod.check_hashes(chip.groups.iter().copied());
    if !check.mismatched.is_empty() {
        push("dg_hash_mismatch", &mut reasons);
    }
    if !check.unlisted.is_empty() {
        push("dg_unlisted", &mut reasons);
    }
    if !sod.content_digest_holds() {
        push("bad_signature", &mut reasons);
    }
    // The signer is the certificate whose key verifies the signature: a SOD may also carry
    // others (its CSCA, a link certificate). None verifying, the first is judged.
    let signer = sod.certificates.iter().find(|c| verify_signature(&sod, c).is_ok());
    let dsc = match (signer, sod.certificates.first()) {
        (Some(dsc), _) => dsc,
        (None, Some(first)) => {
            push(
                match verify_signature(&sod, first) {
                    Err(SignatureError::Unsupported(_)) => "unsupported_algorithm",
                    Err(SignatureError::DscUnreadable) => "dsc_unreadable",
                    Ok(()) | Err(SignatureError::BadSignature) => "bad_signature",
                },
                &mut reasons,
            );
            first
        }
        (None, None) => {
            push("dsc_missing", &mut reasons);
            return Verdict { reasons, chip_mrz };
        }
    };
    if let Err(p) = trust.check_dsc(dsc, at) {
        push(
            match p {
                DscProblem::Unreadable => "dsc_unreadable",
                DscProblem::CscaUnknown => "csca_unknown",
                DscProblem::Untrusted => "dsc_untrusted",
                DscProblem::Expired => "dsc_expired",
                DscProblem::Revoked => "dsc_revoked",
                DscProblem::Unsupported => "unsupported_algorithm",
            },
            &mut reasons,
        );
    }
    Verdict { reasons, chip_mrz }
}
