//! Passports for tests, the gate simulator and the benchmarks: a country's CSCA and Document
//! Signer (ECDSA P-256), and chips whose SOD the signer signs over real data groups. Never a
//! real passport's key: the country is the test's own.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyIdMethod,
    KeyPair, KeyUsagePurpose, SerialNumber,
};
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::sod::DigestAlgorithm;

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("making a certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("signing: {0}")]
    Signing(String),
}

/// DER: a tag and its value.
fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    let n = value.len();
    match n {
        0..=0x7F => out.push(n as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, n as u8]),
        0x100..=0xFFFF => out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]),
        // Four length bytes cover any buffer this maker is given (a face is kilobytes).
        _ => {
            out.push(0x84);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
    }
    out.extend_from_slice(value);
    out
}

const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
const OID_LDS_SECURITY_OBJECT: &[u8] = &[0x67, 0x81, 0x08, 0x01, 0x01, 0x01];
const OID_CONTENT_TYPE: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x03];
const OID_MESSAGE_DIGEST: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04];
const OID_ECDSA_SHA256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02];
const OID_SHA256_WITH_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B];

/// The Document Signer's key.
enum SignerKey {
    Ec(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

fn algorithm(oid: &[u8]) -> Vec<u8> {
    tlv(&[0x30], &tlv(&[0x06], oid))
}

/// A test country: its CSCA and one Document Signer.
pub struct TestCountry {
    pub csca: Vec<u8>,
    pub dsc: Vec<u8>,
    dsc_key: SignerKey,
    rng: ring::rand::SystemRandom,
}

impl std::fmt::Debug for TestCountry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCountry").finish_non_exhaustive()
    }
}

/// A chip's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestChip {
    pub com: Vec<u8>,
    pub dg1: Vec<u8>,
    pub dg2: Vec<u8>,
    pub sod: Vec<u8>,
}

impl TestCountry {
    /// `country`: two letters for the certificates' `C`. The signer is valid from `from` to
    /// `until`; the CSCA ten years around them.
    pub fn new(
        country: &str,
        from: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<TestCountry, IssueError> {
        TestCountry::make(country, from, until, None)
    }

    /// The same, with an RSA Document Signer whose key is `rsa_pkcs8` (PKCS #8 DER: this crate
    /// makes no RSA keys).
    pub fn with_rsa_signer(
        country: &str,
        from: OffsetDateTime,
        until: OffsetDateTime,
        rsa_pkcs8: &[u8],
    ) -> Result<TestCountry, IssueError> {
        TestCountry::make(country, from, until, Some(rsa_pkcs8))
    }

    fn make(
        country: &str,
        from: OffsetDateTime,
        until: OffsetDateTime,
        rsa_pkcs8: Option<&[u8]>,
    ) -> Result<TestCountry, IssueError> {
        let csca_key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, country);
        dn.push(DnType::CommonName, format!("CSCA {country} (test)"));
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = from - time::Duration::days(3_650);
        params.not_after = until + time::Duration::days(3_650);
        params.serial_number = Some(SerialNumber::from(1u64));
        params.key_identifier_method = KeyIdMethod::Sha256;
        let csca = params.self_signed(&csca_key)?.der().to_vec();
        let issuer = Issuer::from_ca_cert_der(&csca.as_slice().into(), csca_key)?;
        let dsc_key = match rsa_pkcs8 {
            Some(der) => KeyPair::from_pkcs8_der_and_sign_algo(
                &rustls_pki_types::PrivatePkcs8KeyDer::from(der),
                &rcgen::PKCS_RSA_SHA256,
            )?,
            None => KeyPair::generate()?,
        };
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, country);
        dn.push(DnType::CommonName, format!("Document Signer {country} (test)"));
        params.distinguished_name = dn;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = from;
        params.not_after = until;
        params.serial_number = Some(SerialNumber::from(2u64));
        params.use_authority_key_identifier_extension = true;
        let dsc = params.signed_by(&dsc_key, &issuer)?.der().to_vec();
        let rng = ring::rand::SystemRandom::new();
        let dsc_key = match rsa_pkcs8 {
            Some(der) => SignerKey::Rsa(
                RsaKeyPair::from_pkcs8(der).map_err(|e| IssueError::Signing(e.to_string()))?,
            ),
            None => SignerKey::Ec(
                EcdsaKeyPair::from_pkcs8(
                    &ECDSA_P256_SHA256_ASN1_SIGNING,
                    &dsc_key.serialize_der(),
                    &rng,
                )
                .map_err(|e| IssueError::Signing(e.to_string()))?,
            ),
        };
        Ok(TestCountry { csca, dsc, dsc_key, rng })
    }

    /// A country from its parts: the CSCA and Document Signer certificates (DER) and the
    /// signer's ECDSA P-256 key (PKCS #8 DER).
    pub fn from_parts(
        csca: &[u8],
        dsc: &[u8],
        p256_pkcs8: &[u8],
    ) -> Result<TestCountry, IssueError> {
        let rng = ring::rand::SystemRandom::new();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, p256_pkcs8, &rng)
            .map_err(|e| IssueError::Signing(e.to_string()))?;
        Ok(TestCountry { csca: csca.to_vec(), dsc: dsc.to_vec(), dsc_key: SignerKey::Ec(key), rng })
    }

    /// The gate simulator's countries, the same in every run so that a platform trusts them
    /// once (`csca import`): `VN` and `CN`, made with `openssl` (`testdata/simulator`), their
    /// Document Signers valid from 2024 to 2039. They stand for no real state.
    pub fn simulator(country: &str) -> Option<TestCountry> {
        let (csca, dsc, key): (&[u8], &[u8], &[u8]) = match country {
            "VN" => (
                include_bytes!("../testdata/simulator/csca-VN.der"),
                include_bytes!("../testdata/simulator/dsc-VN.der"),
                include_bytes!("../testdata/simulator/dsc-VN.p8"),
            ),
            "CN" => (
                include_bytes!("../testdata/simulator/csca-CN.der"),
                include_bytes!("../testdata/simulator/dsc-CN.der"),
                include_bytes!("../testdata/simulator/dsc-CN.p8"),
            ),
            _ => return None,
        };
        TestCountry::from_parts(csca, dsc, key).ok()
    }

    /// A chip for `mrz` (its lines run together) with a face image `face` (JPEG bytes).
    pub fn issue(&self, mrz: &str, face: &[u8]) -> Result<TestChip, IssueError> {
        let com = tlv(
            &[0x60],
            &[
                tlv(&[0x5F, 0x01], b"0107"),
                tlv(&[0x5F, 0x36], b"040000"),
                tlv(&[0x5C], &[0x61, 0x75]),
            ]
            .concat(),
        );
        let dg1 = tlv(&[0x61], &tlv(&[0x5F, 0x1F], mrz.as_bytes()));
        let mut block = b"FAC\x00010\x00".to_vec();
        block.extend_from_slice(&[0u8; 32]);
        block.extend_from_slice(face);
        let face = tlv(
            &[0x7F, 0x60],
            &[tlv(&[0xA1], &[0x80, 0x02, 0x01, 0x01]), tlv(&[0x5F, 0x2E], &block)].concat(),
        );
        let dg2 = tlv(&[0x75], &tlv(&[0x7F, 0x61], &[tlv(&[0x02], &[1]), face].concat()));
        let sod = tlv(&[0x77], &self.sign(&[(1, &dg1), (2, &dg2)])?);
        Ok(TestChip { com, dg1, dg2, sod })
    }

    /// A CMS SignedData over the LDS security object of these data groups, SHA-256 throughout.
    pub fn sign(&self, groups: &[(u8, &[u8])]) -> Result<Vec<u8>, IssueError> {
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
        let lso = tlv(
            &[0x30],
            &[tlv(&[0x02], &[0]), algorithm(OID_SHA256), tlv(&[0x30], &hashes)].concat(),
        );
        // The signed attributes, in DER's order (the content type's encoding sorts first).
        let attrs = [
            tlv(
                &[0x30],
                &[
                    tlv(&[0x06], OID_CONTENT_TYPE),
                    tlv(&[0x31], &tlv(&[0x06], OID_LDS_SECURITY_OBJECT)),
                ]
                .concat(),
            ),
            tlv(
                &[0x30],
                &[
                    tlv(&[0x06], OID_MESSAGE_DIGEST),
                    tlv(&[0x31], &tlv(&[0x04], &DigestAlgorithm::Sha256.digest(&lso))),
                ]
                .concat(),
            ),
        ]
        .concat();
        let signed = tlv(&[0x31], &attrs);
        let failed = |e: ring::error::Unspecified| IssueError::Signing(e.to_string());
        let (signature, signature_algorithm) = match &self.dsc_key {
            SignerKey::Ec(k) => {
                (k.sign(&self.rng, &signed).map_err(failed)?.as_ref().to_vec(), OID_ECDSA_SHA256)
            }
            SignerKey::Rsa(k) => {
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &self.rng, &signed, &mut sig).map_err(failed)?;
                (sig, OID_SHA256_WITH_RSA)
            }
        };
        let (_, cert) =
            X509Certificate::from_der(&self.dsc).map_err(|e| IssueError::Signing(e.to_string()))?;
        let sid = tlv(
            &[0x30],
            &[cert.tbs_certificate.issuer.as_raw().to_vec(), tlv(&[0x02], cert.raw_serial())]
                .concat(),
        );
        let signer = tlv(
            &[0x30],
            &[
                tlv(&[0x02], &[1]),
                sid,
                algorithm(OID_SHA256),
                tlv(&[0xA0], &attrs),
                algorithm(signature_algorithm),
                tlv(&[0x04], &signature),
            ]
            .concat(),
        );
        let signed_data = tlv(
            &[0x30],
            &[
                tlv(&[0x02], &[3]),
                tlv(&[0x31], &algorithm(OID_SHA256)),
                tlv(
                    &[0x30],
                    &[tlv(&[0x06], OID_LDS_SECURITY_OBJECT), tlv(&[0xA0], &tlv(&[0x04], &lso))]
                        .concat(),
                ),
                tlv(&[0xA0], &self.dsc),
                tlv(&[0x31], &signer),
            ]
            .concat(),
        );
        Ok(tlv(&[0x30], &[tlv(&[0x06], OID_SIGNED_DATA), tlv(&[0xA0], &signed_data)].concat()))
    }
}
