//! Signer certificates (X.509, DER): the public key a seal is checked with, the period it may
//! sign in, and the reference a seal's header names it by.

use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::{Curve, VerifyingKey};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("not an X.509 certificate: {0}")]
    Unreadable(String),
    #[error("the certificate's key is not an EC key on P-256, brainpoolP224r1 or brainpoolP256r1")]
    UnsupportedKey,
}

/// A certificate, read once.
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    pub key: VerifyingKey,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// The serial number in upper-case hexadecimal, without leading zeros.
    pub serial: String,
    pub subject_country: Option<String>,
    pub subject_common_name: Option<String>,
    pub subject: String,
    pub issuer: String,
    pub is_ca: bool,
}

impl Certificate {
    pub fn from_der(der: &[u8]) -> Result<Certificate, CertError> {
        let (_, cert) =
            X509Certificate::from_der(der).map_err(|e| CertError::Unreadable(e.to_string()))?;
        let spki = cert.public_key();
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .and_then(|oid| Curve::from_oid(&oid.to_id_string()))
            .ok_or(CertError::UnsupportedKey)?;
        let key = match spki.parsed() {
            Ok(PublicKey::EC(point)) => {
                VerifyingKey::new(curve, point.data()).map_err(|_| CertError::UnsupportedKey)?
            }
            _ => return Err(CertError::UnsupportedKey),
        };
        let subject = cert.subject();
        let first = |it: &mut dyn Iterator<
            Item = &x509_parser::x509::AttributeTypeAndValue<'_>,
        >| { it.next().and_then(|a| a.as_str().ok()).map(str::to_string) };
        let serial = cert.raw_serial_as_string().replace(':', "").to_uppercase();
        let serial = serial.trim_start_matches('0');
        Ok(Certificate {
            der: der.to_vec(),
            key,
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            serial: if serial.is_empty() { "0".into() } else { serial.to_string() },
            subject_country: first(&mut subject.iter_country()),
            subject_common_name: first(&mut subject.iter_common_name()),
            subject: subject.to_string(),
            issuer: cert.issuer().to_string(),
            is_ca: cert.is_ca(),
        })
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// `C` and `CN` of the subject followed by the serial number (`UTTS5B`): how a seal's
    /// signer identifier and certificate reference name their certificate.
    pub fn reference(&self) -> String {
        format!(
            "{}{}{}",
            self.subject_country.as_deref().unwrap_or(""),
            self.subject_common_name.as_deref().unwrap_or(""),
            self.serial
        )
    }

    pub fn valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }
}
