//! A trust store: what an offline verifier holds, read from one folder.
//!
//! - `*.crt`, `*.der`, `*.pem` at the top: trusted as they are — the platform's root (a CA), or
//!   a signer's certificate pinned directly.
//! - `signers/*.crt` (and `.der`, `.pem`): signer certificates trusted only when a CA at the top
//!   signed them.
//! - `*.crl`: revocation lists signed by a CA at the top. `permits.crl` lists revoked permits by
//!   their serial; any other lists revoked certificates.
//!
//! [`TrustStore::verify`] gives each seal a [`Verdict`]: valid, or the first reason it is not.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

use crate::{Certificate, Seal};

/// Why a seal is not valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The input is not bytes at all (bad hex or base64, no barcode in the image).
    Unreadable,
    /// Bytes, but not a seal.
    WrongFormat,
    /// No certificate in the store has the reference the seal names.
    UnknownCertificate,
    /// The certificate is there but no trusted CA signed it.
    UntrustedCertificate,
    /// The signature does not match the seal's content: altered or forged.
    BadSignature,
    Revoked,
    NotYetValid,
    Expired,
}

impl Reason {
    pub fn code(self) -> &'static str {
        match self {
            Reason::Unreadable => "unreadable",
            Reason::WrongFormat => "wrong_format",
            Reason::UnknownCertificate => "unknown_certificate",
            Reason::UntrustedCertificate => "untrusted_certificate",
            Reason::BadSignature => "bad_signature",
            Reason::Revoked => "revoked",
            Reason::NotYetValid => "not_yet_valid",
            Reason::Expired => "expired",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("reading {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {message}")]
    Bad { path: PathBuf, message: String },
    #[error("{0}: the folder holds no certificate")]
    Empty(PathBuf),
}

#[derive(Debug, Clone)]
struct Entry {
    cert: Certificate,
    /// A top-level certificate, or a signer a top-level CA signed.
    trusted: bool,
}

/// A revocation list, once its signature checked.
#[derive(Debug, Clone)]
pub struct Revocations {
    pub issuer: String,
    pub issued_at: OffsetDateTime,
    pub next_update: Option<OffsetDateTime>,
    serials: HashSet<String>,
}

impl Revocations {
    pub fn len(&self) -> usize {
        self.serials.len()
    }

    pub fn is_empty(&self) -> bool {
        self.serials.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    /// By reference (`VNHP1A`): C and CN of the subject, then the serial.
    by_reference: HashMap<String, Entry>,
    certificates: Vec<Revocations>,
    permits: Option<Revocations>,
}

/// What became of one seal.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub reason: Option<Reason>,
    /// Whatever could be decoded, also when it is not valid.
    pub seal: Option<Seal>,
    /// The signer's reference, when the store knows it.
    pub signer: Option<String>,
}

impl Verdict {
    pub fn valid(&self) -> bool {
        self.reason.is_none()
    }
}

/// Certificates and revocation lists come as DER or PEM.
fn der_of(path: &Path, bytes: Vec<u8>) -> Result<Vec<u8>, TrustError> {
    if bytes.starts_with(b"-----BEGIN") {
        let (_, pem) = x509_parser::pem::parse_x509_pem(&bytes)
            .map_err(|e| TrustError::Bad { path: path.into(), message: format!("PEM: {e}") })?;
        Ok(pem.contents)
    } else {
        Ok(bytes)
    }
}

fn files(dir: &Path) -> Result<Vec<PathBuf>, TrustError> {
    let io = |source| TrustError::Io { path: dir.into(), source };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_file() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn extension(p: &Path) -> String {
    p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

fn is_cert_file(p: &Path) -> bool {
    matches!(extension(p).as_str(), "crt" | "der" | "pem" | "cer")
}

impl TrustStore {
    pub fn load(dir: &Path) -> Result<TrustStore, TrustError> {
        let read = |path: &Path| -> Result<Vec<u8>, TrustError> {
            let bytes = std::fs::read(path)
                .map_err(|source| TrustError::Io { path: path.into(), source })?;
            der_of(path, bytes)
        };
        let cert_of = |path: &Path| -> Result<Certificate, TrustError> {
            Certificate::from_der(&read(path)?)
                .map_err(|e| TrustError::Bad { path: path.into(), message: e.to_string() })
        };
        let mut store = TrustStore::default();
        let top = files(dir)?;
        for path in top.iter().filter(|p| is_cert_file(p)) {
            store.add(cert_of(path)?, true);
        }
        let signers = dir.join("signers");
        if signers.is_dir() {
            for path in files(&signers)?.iter().filter(|p| is_cert_file(p)) {
                let cert = cert_of(path)?;
                let trusted = store.issuer_of(&cert).is_some();
                store.add(cert, trusted);
            }
        }
        if store.by_reference.is_empty() {
            return Err(TrustError::Empty(dir.into()));
        }
        for path in top.iter().filter(|p| extension(p) == "crl") {
            let der = read(path)?;
            let permits = path.file_stem().is_some_and(|s| s == "permits");
            store
                .add_revocations(&der, permits)
                .map_err(|message| TrustError::Bad { path: path.clone(), message })?;
        }
        Ok(store)
    }

    /// Adds a revocation list a trusted CA of this store signed: of permits, or else of
    /// certificates. A newer list of permits replaces the one held.
    pub fn add_revocations(&mut self, der: &[u8], permits: bool) -> Result<(), String> {
        let revocations = self.revocations(der)?;
        if permits {
            if self.permits.as_ref().is_none_or(|p| p.issued_at <= revocations.issued_at) {
                self.permits = Some(revocations);
            }
        } else {
            self.certificates.push(revocations);
        }
        Ok(())
    }

    /// Adds a certificate: `trusted` for an anchor or a signer already checked.
    pub fn add(&mut self, cert: Certificate, trusted: bool) {
        self.by_reference.insert(cert.reference(), Entry { cert, trusted });
    }

    /// The trusted CA whose key signed `cert`.
    fn issuer_of(&self, cert: &Certificate) -> Option<&Certificate> {
        let (_, parsed) = X509Certificate::from_der(cert.der()).ok()?;
        self.by_reference.values().filter(|e| e.trusted && e.cert.is_ca).map(|e| &e.cert).find(
            |ca| {
                ca.subject == cert.issuer
                    && X509Certificate::from_der(ca.der()).ok().is_some_and(|(_, ca)| {
                        parsed.verify_signature(Some(ca.public_key())).is_ok()
                    })
            },
        )
    }

    fn revocations(&self, der: &[u8]) -> Result<Revocations, String> {
        let (_, crl) = CertificateRevocationList::from_der(der)
            .map_err(|e| format!("not a revocation list: {e}"))?;
        let issuer = crl.issuer().to_string();
        let signed = self
            .by_reference
            .values()
            .filter(|e| e.trusted && e.cert.is_ca && e.cert.subject == issuer)
            .any(|e| {
                X509Certificate::from_der(e.cert.der())
                    .ok()
                    .is_some_and(|(_, ca)| crl.verify_signature(ca.public_key()).is_ok())
            });
        if !signed {
            return Err(format!("no trusted CA in the store signed this list ({issuer})"));
        }
        Ok(Revocations {
            issuer,
            issued_at: crl.last_update().to_datetime(),
            next_update: crl.next_update().map(|t| t.to_datetime()),
            serials: crl.iter_revoked_certificates().map(|r| serial_text(r.raw_serial())).collect(),
        })
    }

    /// The newest revocation list this store holds: how old what a guard relies on is.
    pub fn revocations_issued_at(&self) -> Option<OffsetDateTime> {
        self.certificates.iter().chain(&self.permits).map(|r| r.issued_at).max()
    }

    pub fn permit_revoked(&self, serial: &str) -> bool {
        self.permits.as_ref().is_some_and(|r| r.serials.contains(&normalise_serial(serial)))
    }

    pub fn certificates(&self) -> impl Iterator<Item = &Certificate> {
        self.by_reference.values().map(|e| &e.cert)
    }

    /// Checks a seal's bytes at the time `at`.
    pub fn verify(&self, bytes: &[u8], at: OffsetDateTime) -> Verdict {
        let seal = match crate::decode(bytes) {
            Ok(s) => s,
            Err(_) => {
                return Verdict { reason: Some(Reason::WrongFormat), seal: None, signer: None };
            }
        };
        let h = &seal.header;
        let reference =
            format!("{}{}", h.signer_identifier, normalise_serial(&h.certificate_reference));
        let verdict =
            |reason| Verdict { reason, signer: Some(reference.clone()), seal: Some(seal.clone()) };
        let Some(entry) = self.by_reference.get(&reference) else {
            return Verdict {
                reason: Some(Reason::UnknownCertificate),
                seal: Some(seal),
                signer: None,
            };
        };
        let cert = &entry.cert;
        let reason = if !entry.trusted {
            Some(Reason::UntrustedCertificate)
        } else if !seal.signed_by(&cert.key) {
            Some(Reason::BadSignature)
        } else if self
            .certificates
            .iter()
            .any(|r| r.issuer == cert.issuer && r.serials.contains(&cert.serial))
        {
            Some(Reason::Revoked)
        } else if at < cert.not_before {
            Some(Reason::NotYetValid)
        } else if at > cert.not_after {
            Some(Reason::Expired)
        } else {
            None
        };
        verdict(reason)
    }
}

fn serial_text(raw: &[u8]) -> String {
    let hex: String = raw.iter().map(|b| format!("{b:02X}")).collect();
    normalise_serial(&hex)
}

/// Upper case without leading zeros, as references and certificates both name a serial.
pub fn normalise_serial(s: &str) -> String {
    let t = s.trim_start_matches('0').to_ascii_uppercase();
    if t.is_empty() { "0".into() } else { t }
}
