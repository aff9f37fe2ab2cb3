//! The platform's own small PKI: a root that certifies one barcode signer per checkpoint, and
//! signs the revocation lists. Every key is P-256.
//!
//! A signer's certificate names it the way a seal's header does: subject `C` (two letters)
//! and `CN` (two characters) make the four-character signer identifier, and the serial number
//! in hexadecimal is the certificate reference (`VN` + `HP` + `1A` → `VNHP` / `1A`).

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use time::OffsetDateTime;

use crate::SigningKey;

#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("{0}")]
    Invalid(String),
    #[error("making a certificate or list: {0}")]
    Rcgen(#[from] rcgen::Error),
}

fn key_pair(key: &SigningKey) -> Result<KeyPair, PkiError> {
    Ok(KeyPair::try_from(key.pkcs8())?)
}

fn serial_bytes(serial: &str) -> Result<SerialNumber, PkiError> {
    let s = if serial.len() % 2 == 1 { format!("0{serial}") } else { serial.to_string() };
    let bytes = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| PkiError::Invalid(format!("serial {serial:?} is not hexadecimal")))?;
    // A DER integer is signed: a leading zero keeps a serial with its top bit set positive.
    let bytes =
        if bytes.first().is_some_and(|b| *b >= 0x80) { [&[0][..], &bytes].concat() } else { bytes };
    Ok(SerialNumber::from_slice(&bytes))
}

/// The root's self-signed certificate (DER).
pub fn root_certificate(
    key: &SigningKey,
    name: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<Vec<u8>, PkiError> {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "VN");
    dn.push(DnType::OrganizationName, "Bien phong");
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(SerialNumber::from(1u64));
    params.key_identifier_method = KeyIdMethod::Sha256;
    Ok(params.self_signed(&key_pair(key)?)?.der().to_vec())
}

/// A barcode signer's certificate, issued by the root.
#[allow(clippy::too_many_arguments)] // each is one field of the certificate
pub fn signer_certificate(
    root_certificate: &[u8],
    root_key: &SigningKey,
    signer: &SigningKey,
    country: &str,
    code: &str,
    serial: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<Vec<u8>, PkiError> {
    let ok =
        |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !ok(country) || !ok(code) {
        return Err(PkiError::Invalid(format!(
            "signer {country}{code}: two upper-case letters or digits each"
        )));
    }
    let issuer = Issuer::from_ca_cert_der(&root_certificate.into(), key_pair(root_key)?)?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, country);
    dn.push(DnType::OrganizationName, "Bien phong");
    dn.push(DnType::CommonName, code);
    params.distinguished_name = dn;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.not_before = not_before;
    params.not_after = not_after;
    params.serial_number = Some(serial_bytes(serial)?);
    params.use_authority_key_identifier_extension = true;
    Ok(params.signed_by(&key_pair(signer)?, &issuer)?.der().to_vec())
}

/// A revocation list of `serials` (hexadecimal), signed by the root.
pub fn revocation_list(
    root_certificate: &[u8],
    root_key: &SigningKey,
    serials: &[(String, OffsetDateTime)],
    number: u64,
    this_update: OffsetDateTime,
    next_update: OffsetDateTime,
) -> Result<Vec<u8>, PkiError> {
    let issuer = Issuer::from_ca_cert_der(&root_certificate.into(), key_pair(root_key)?)?;
    let revoked_certs = serials
        .iter()
        .map(|(s, at)| {
            Ok(RevokedCertParams {
                serial_number: serial_bytes(s)?,
                revocation_time: *at,
                reason_code: None,
                invalidity_date: None,
            })
        })
        .collect::<Result<Vec<_>, PkiError>>()?;
    let params = CertificateRevocationListParams {
        this_update,
        next_update,
        crl_number: SerialNumber::from(number),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::Sha256,
    };
    Ok(params.signed_by(&issuer)?.der().to_vec())
}

/// A fresh certificate or permit serial: `bytes` random bytes in hexadecimal, the top bit
/// clear (so that it reads the same as a positive DER integer).
pub fn random_serial(bytes: usize) -> Result<String, PkiError> {
    use ring::rand::SecureRandom;
    let mut b = vec![0u8; bytes.clamp(1, 20)];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| PkiError::Invalid("no randomness".into()))?;
    b[0] &= 0x7F;
    // Never a leading zero: a serial is compared without them.
    b[0] |= 0x10;
    Ok(b.iter().map(|x| format!("{x:02X}")).collect())
}
