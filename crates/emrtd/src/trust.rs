//! The trust a passport's signer is checked against (Doc 9303-12): the Country Signing CAs,
//! from certificates or from an ICAO master list, and their revocation lists. A Document
//! Signer holds when a known CSCA of its issuer signed it, it was valid at the moment asked,
//! and no list of that CSCA revokes it.

use std::collections::HashSet;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::{FromDer, parse_x509_crl};

use crate::tlv::{TlvError, oid_text, single};

const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const CSCA_MASTER_LIST: &str = "2.23.136.1.1.2";

/// Why a certificate, list or master list was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("not a certificate: {0}")]
    NotACertificate(String),
    #[error("the certificate is not a certification authority's")]
    NotACa,
    #[error("the master list cannot be read: {0}")]
    MasterList(String),
    #[error("the revocation list cannot be read")]
    CrlUnreadable,
    #[error("no CSCA held signed this revocation list")]
    CrlUntrusted,
}

impl From<TlvError> for TrustError {
    fn from(e: TlvError) -> Self {
        TrustError::MasterList(e.to_string())
    }
}

/// Why a Document Signer does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DscProblem {
    #[error("the Document Signer's certificate cannot be read")]
    Unreadable,
    #[error("no CSCA of the signer's issuer is held")]
    CscaUnknown,
    #[error("no CSCA of the signer's issuer signed it")]
    Untrusted,
    #[error("the Document Signer's certificate was not valid at that moment")]
    Expired,
    #[error("the Document Signer's certificate is revoked")]
    Revoked,
    #[error("the CSCA's signature algorithm is not supported")]
    Unsupported,
}

#[derive(Debug, Clone)]
struct Csca {
    der: Vec<u8>,
    subject: Vec<u8>,
    key_id: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
struct Revocations {
    issuer: Vec<u8>,
    serials: HashSet<Vec<u8>>,
}

/// The CSCAs and revocation lists held.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    cscas: Vec<Csca>,
    revocations: Vec<Revocations>,
}

fn key_ids(cert: &X509Certificate<'_>) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let (mut ski, mut aki) = (None, None);
    for ext in cert.tbs_certificate.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => ski = Some(k.0.to_vec()),
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                aki = a.key_identifier.as_ref().map(|k| k.0.to_vec());
            }
            _ => {}
        }
    }
    (ski, aki)
}

impl Trust {
    pub fn len(&self) -> usize {
        self.cscas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cscas.is_empty()
    }

    /// A CSCA certificate (DER). One held already is not held twice.
    pub fn add_certificate(&mut self, der: &[u8]) -> Result<bool, TrustError> {
        let (rest, cert) = X509Certificate::from_der(der)
            .map_err(|e| TrustError::NotACertificate(e.to_string()))?;
        if !rest.is_empty() {
            return Err(TrustError::NotACertificate("bytes after the certificate".into()));
        }
        if !cert.is_ca() {
            return Err(TrustError::NotACa);
        }
        let der = der.to_vec();
        if self.cscas.iter().any(|c| c.der == der) {
            return Ok(false);
        }
        let subject = cert.tbs_certificate.subject.as_raw().to_vec();
        let key_id = key_ids(&cert).0;
        self.cscas.push(Csca { der, subject, key_id });
        Ok(true)
    }

    /// The CSCAs of an ICAO master list (a CMS SignedData over `CscaMasterList`). Returns how
    /// many were new. The list's own signature is not what makes its certificates trusted: the
    /// list is taken from where it was published, as the person importing it decides.
    pub fn add_master_list(&mut self, bytes: &[u8]) -> Result<usize, TrustError> {
        let mut added = 0;
        for der in master_list_certificates(bytes)? {
            // A master list also carries link certificates and the odd entry that is not a
            // CA's: each is taken or passed over on its own.
            if let Ok(true) = self.add_certificate(&der) {
                added += 1;
            }
        }
        Ok(added)
    }

    /// A revocation list (DER), taken only when a CSCA held signed it.
    pub fn add_crl(&mut self, der: &[u8]) -> Result<(), TrustError> {
        let (_, crl) = parse_x509_crl(der).map_err(|_| TrustError::CrlUnreadable)?;
        let issuer = crl.issuer().as_raw().to_vec();
        let signed = self.cscas.iter().filter(|c| c.subject == issuer).any(|c| {
            X509Certificate::from_der(&c.der).is_ok_and(|(_, ca)| {
                match crl.verify_signature(ca.public_key()) {
                    Ok(()) => true,
                    Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => {
                        crate::pa::ec_x509_signature(
                            &crl.signature_algorithm.algorithm.to_id_string(),
                            ca.public_key(),
                            crl.tbs_cert_list.as_ref(),
                            &crl.signature_value.data,
                        ) == Some(true)
                    }
                    Err(_) => false,
                }
            })
        });
        if !signed {
            return Err(TrustError::CrlUntrusted);
        }
        let serials = crl.iter_revoked_certificates().map(|r| r.raw_serial().to_vec()).collect();
        self.revocations.push(Revocations { issuer, serials });
        Ok(())
    }

    /// Whether the Document Signer `dsc` (DER) holds at `at` (Unix seconds).
    pub fn check_dsc(&self, dsc: &[u8], at: i64) -> Result<(), DscProblem> {
        let (_, cert) = X509Certificate::from_der(dsc).map_err(|_| DscProblem::Unreadable)?;
        let issuer = cert.tbs_certificate.issuer.as_raw();
        let aki = key_ids(&cert).1;
        let candidates: Vec<&Csca> = self
            .cscas
            .iter()
            .filter(|c| c.subject == issuer)
            .filter(|c| match (&aki, &c.key_id) {
                (Some(a), Some(k)) => a == k,
                _ => true,
            })
            .collect();
        if candidates.is_empty() {
            return Err(DscProblem::CscaUnknown);
        }
        let mut unsupported = false;
        let signed = candidates.iter().any(|c| {
            let Ok((_, ca)) = X509Certificate::from_der(&c.der) else { return false };
            match cert.verify_signature(Some(ca.public_key())) {
                Ok(()) => true,
                Err(x509_parser::error::X509Error::SignatureUnsupportedAlgorithm) => {
                    match crate::pa::ec_x509_signature(
                        &cert.signature_algorithm.algorithm.to_id_string(),
                        ca.public_key(),
                        cert.tbs_certificate.as_ref(),
                        &cert.signature_value.data,
                    ) {
                        Some(holds) => holds,
                        None => {
                            unsupported = true;
                            false
                        }
                    }
                }
                Err(_) => false,
            }
        });
        if !signed {
            return Err(if unsupported { DscProblem::Unsupported } else { DscProblem::Untrusted });
        }
        let v = cert.validity();
        if at < v.not_before.timestamp() || at > v.not_after.timestamp() {
            return Err(DscProblem::Expired);
        }
        let serial = cert.raw_serial();
        if self.revocations.iter().any(|r| r.issuer == issuer && r.serials.contains(serial)) {
            return Err(DscProblem::Revoked);
        }
        Ok(())
    }
}

/// The certificates an ICAO master list carries (DER), each as it stands in the list.
pub fn master_list_certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, TrustError> {
    let info = single(bytes, "a master list")?.expect(0x30, "a CMS ContentInfo")?;
    let mut r = info.children();
    let kind = r.next_required("the content type")?.expect(0x06, "the content type")?;
    if oid_text(kind.value).as_deref() != Some(SIGNED_DATA) {
        return Err(TrustError::MasterList("not a CMS SignedData".into()));
    }
    let explicit = r.next_required("the SignedData")?.expect(0xA0, "the SignedData")?;
    let signed = single(explicit.value, "the SignedData")?.expect(0x30, "the SignedData")?;
    let mut s = signed.children();
    s.next_required("the version")?;
    s.next_required("the digest algorithms")?;
    let encap = s.next_required("the content")?.expect(0x30, "the content")?;
    let mut e = encap.children();
    let kind = e.next_required("the content's type")?.expect(0x06, "the content's type")?;
    if oid_text(kind.value).as_deref() != Some(CSCA_MASTER_LIST) {
        return Err(TrustError::MasterList("its content is not a CSCA master list".into()));
    }
    let wrapped = e.next_required("the list")?.expect(0xA0, "the list")?;
    let octets = single(wrapped.value, "the list")?.expect(0x04, "the list's octets")?;
    let list =
        single(octets.value, "the CSCA master list")?.expect(0x30, "the CSCA master list")?;
    let mut l = list.children();
    l.next_required("the list's version")?.expect(0x02, "the list's version")?;
    let set = l.next_required("the certificates")?.expect(0x31, "the certificates")?;
    let mut certs = set.children();
    let mut out = Vec::new();
    while let Some(c) = certs.next_tlv()? {
        out.push(c.raw.to_vec());
    }
    Ok(out)
}

/// What a CSCA's certificate says of itself, for listing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CscaInfo {
    /// The subject's country (`C`), as written.
    pub country: String,
    pub subject: String,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    /// SHA-256 of the DER, hexadecimal.
    pub fingerprint: String,
}

/// Reads a CSCA's certificate (DER): a certification authority's, or an error.
pub fn describe(der: &[u8]) -> Result<CscaInfo, TrustError> {
    use sha2::Digest;
    let (rest, cert) =
        X509Certificate::from_der(der).map_err(|e| TrustError::NotACertificate(e.to_string()))?;
    if !rest.is_empty() {
        return Err(TrustError::NotACertificate("bytes after the certificate".into()));
    }
    if !cert.is_ca() {
        return Err(TrustError::NotACa);
    }
    let subject = cert.subject();
    let country = subject
        .iter_country()
        .next()
        .and_then(|c| c.as_str().ok())
        .unwrap_or_default()
        .chars()
        .take(3)
        .collect();
    let v = cert.validity();
    Ok(CscaInfo {
        country,
        subject: subject.to_string().chars().take(300).collect(),
        not_before: v.not_before.timestamp(),
        not_after: v.not_after.timestamp(),
        fingerprint: sha2::Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect(),
    })
}

/// What a revocation list says of itself, for keeping it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrlInfo {
    pub issuer: String,
    /// Unix seconds.
    pub this_update: i64,
    pub next_update: Option<i64>,
    /// How many certificates it revokes.
    pub revoked: usize,
    /// SHA-256 of the DER, hexadecimal.
    pub fingerprint: String,
}

/// Reads a revocation list (DER); whether a CSCA held signed it is [`Trust::add_crl`]'s to say.
pub fn describe_crl(der: &[u8]) -> Result<CrlInfo, TrustError> {
    use sha2::Digest;
    let (rest, crl) = parse_x509_crl(der).map_err(|_| TrustError::CrlUnreadable)?;
    if !rest.is_empty() {
        return Err(TrustError::CrlUnreadable);
    }
    Ok(CrlInfo {
        issuer: crl.issuer().to_string().chars().take(300).collect(),
        this_update: crl.last_update().timestamp(),
        next_update: crl.next_update().map(|t| t.timestamp()),
        revoked: crl.iter_revoked_certificates().count(),
        fingerprint: sha2::Sha256::digest(der).iter().map(|b| format!("{b:02x}")).collect(),
    })
}
