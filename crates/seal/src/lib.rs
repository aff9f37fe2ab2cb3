//! Visible digital seals (ICAO Doc 9303 Part 13): the bytes a permit's 2D barcode carries, read
//! and written exactly, and their ECDSA signatures made and checked.
//!
//! A seal is a header (magic `0xDC`, version, issuing country, signer and certificate
//! reference, two dates, feature-definition reference, document-type category), a message zone
//! of tag–length–value features, and a signature zone (tag `0xFF`, the raw `r‖s` over all the
//! bytes before it). [`decode`] takes any bytes and either gives a [`Seal`] or says what is
//! wrong and where; it never panics. [`SealBuilder`] writes one and signs it.

#![forbid(unsafe_code)]

pub mod barcode;
pub mod c40;
mod cert;
mod crypto;
mod der;
pub mod locked;
pub mod pki;
pub mod profile;
pub mod trust;

use std::fmt;

use serde::Serialize;
use time::Date;

pub use cert::{CertError, Certificate};
pub use crypto::{Curve, KeyError, SigningKey, VerifyingKey};
pub use trust::{Reason, TrustStore, Verdict};

const MAGIC: u8 = 0xDC;
const SIGNATURE_TAG: u8 = 0xFF;

/// What is wrong with bytes that were to be a seal, and at which byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("byte {offset}: {message}")]
pub struct DecodeError {
    pub offset: usize,
    pub message: String,
}

impl DecodeError {
    pub(crate) fn at(offset: usize, message: impl Into<String>) -> DecodeError {
        DecodeError { offset, message: message.into() }
    }
}

/// The header's layout: version 3 (raw byte `0x02`) or version 4 (`0x03`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Version {
    V3,
    V4,
}

impl Version {
    pub fn number(self) -> u8 {
        match self {
            Version::V3 => 3,
            Version::V4 => 4,
        }
    }

    fn raw(self) -> u8 {
        match self {
            Version::V3 => 0x02,
            Version::V4 => 0x03,
        }
    }
}

/// The header. Codes are kept without their `<` fillers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub version: Version,
    /// `UTO`, `D` (written `D<<`), `VNM`.
    pub issuing_country: String,
    /// Four characters: the signer's country and its own two (`VNHP`).
    pub signer_identifier: String,
    /// As written: five characters in version 3 (`0005B`), any length in version 4 (`5B`).
    pub certificate_reference: String,
    pub document_issue_date: Date,
    pub signature_creation_date: Date,
    pub feature_definition_reference: u8,
    pub document_type_category: u8,
}

/// One tag–length–value entry of the message zone, its value as the bytes carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    pub tag: u8,
    pub value: Vec<u8>,
}

/// A decoded seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    pub header: Header,
    pub features: Vec<Feature>,
    /// The raw `r‖s`; none for an unsigned seal.
    pub signature: Option<Vec<u8>>,
    /// The bytes the signature is over: header and message zone.
    pub signed_data: Vec<u8>,
    pub header_len: usize,
}

impl Seal {
    pub fn feature(&self, tag: u8) -> Option<&[u8]> {
        self.features.iter().find(|f| f.tag == tag).map(|f| f.value.as_slice())
    }

    /// Whether `key` made this seal's signature.
    pub fn signed_by(&self, key: &VerifyingKey) -> bool {
        self.signature.as_deref().is_some_and(|s| key.verify(&self.signed_data, s))
    }
}

/// A cursor over the seal's bytes that names the offset of whatever it fails to read.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| {
            DecodeError::at(self.pos, format!("the seal ends inside {what} ({n} bytes wanted)"))
        })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn byte(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    fn c40(&mut self, chars: usize, what: &str) -> Result<String, DecodeError> {
        let at = self.pos;
        let bytes = self.take(c40::encoded_len(chars), what)?;
        let text = c40::decode(bytes, at)?;
        if text.chars().count() != chars {
            return Err(DecodeError::at(at, format!("{what}: {chars} characters expected")));
        }
        Ok(text)
    }

    fn date(&mut self, what: &str) -> Result<Date, DecodeError> {
        let at = self.pos;
        let b = self.take(3, what)?;
        decode_date([b[0], b[1], b[2]]).map_err(|m| DecodeError::at(at, format!("{what}: {m}")))
    }
}

/// A date as the header writes it: the number `MMDDYYYY` in three bytes.
pub fn decode_date(b: [u8; 3]) -> Result<Date, String> {
    let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
    let (month, day, year) = (n / 1_000_000, n / 10_000 % 100, n % 10_000);
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(|| format!("{n:08} is not MMDDYYYY (month {month})"))?;
    Date::from_calendar_date(year as i32, month, day as u8)
        .map_err(|_| format!("{n:08} is not a real date"))
}

pub fn encode_date(d: Date) -> [u8; 3] {
    let n = u32::from(u8::from(d.month())) * 1_000_000
        + u32::from(d.day()) * 10_000
        + d.year().clamp(0, 9999) as u32;
    let b = n.to_be_bytes();
    [b[1], b[2], b[3]]
}

fn strip_fillers(s: &str) -> String {
    s.trim_end_matches([' ', '<']).to_string()
}

/// Reads a seal. Trailing bytes after the signature, a header that does not add up, and a
/// feature running past the end are all refused with the offset where they start.
pub fn decode(bytes: &[u8]) -> Result<Seal, DecodeError> {
    let mut r = Reader { bytes, pos: 0 };
    if r.byte("the magic byte")? != MAGIC {
        return Err(DecodeError::at(0, "not a visible digital seal (the first byte is not 0xDC)"));
    }
    let version = match r.byte("the version")? {
        0x02 => Version::V3,
        0x03 => Version::V4,
        v => return Err(DecodeError::at(1, format!("version byte {v:#04x} (0x02 or 0x03 known)"))),
    };
    // Two bytes: three characters, or (as some issuers write a one-letter code) a single
    // C40 character.
    let at = r.pos;
    let issuing_country = strip_fillers(&c40::decode(r.take(2, "the issuing country")?, at)?);
    if issuing_country.is_empty() || issuing_country.contains(' ') {
        return Err(DecodeError::at(at, "no issuing country"));
    }
    let (signer_identifier, certificate_reference) = match version {
        Version::V3 => {
            let s = r.c40(9, "the signer and certificate reference")?;
            let (signer, reference) = s.split_at(4);
            (signer.to_string(), reference.to_string())
        }
        Version::V4 => {
            let at = r.pos;
            let s = r.c40(6, "the signer and reference length")?;
            let (signer, len) = s.split_at(4);
            // ICAO writes the length in hexadecimal; BSI TR-03171 in decimal for its signer
            // `DEZV`, whose references are 40-character hashes.
            let radix = if signer == "DEZV" { 10 } else { 16 };
            let len = usize::from_str_radix(len, radix)
                .map_err(|_| DecodeError::at(at, format!("{len:?} is not a reference length")))?;
            (signer.to_string(), r.c40(len, "the certificate reference")?)
        }
    };
    if signer_identifier.contains(' ') || certificate_reference.contains(' ') {
        return Err(DecodeError::at(4, "a space in the signer or certificate reference"));
    }
    let document_issue_date = r.date("the document issue date")?;
    let signature_creation_date = r.date("the signature creation date")?;
    let feature_definition_reference = r.byte("the feature-definition reference")?;
    let document_type_category = r.byte("the document-type category")?;
    let header_len = r.pos;
    let header = Header {
        version,
        issuing_country,
        signer_identifier,
        certificate_reference,
        document_issue_date,
        signature_creation_date,
        feature_definition_reference,
        document_type_category,
    };
    let mut features = Vec::new();
    let mut signature = None;
    let mut signed_len = bytes.len();
    while r.pos < bytes.len() {
        let at = r.pos;
        let tag = r.byte("a tag")?;
        let len = der::read_len(&mut r)?;
        if tag == SIGNATURE_TAG {
            signed_len = at;
            signature = Some(r.take(len, "the signature")?.to_vec());
            if r.pos != bytes.len() {
                return Err(DecodeError::at(r.pos, "bytes after the signature"));
            }
            break;
        }
        features.push(Feature { tag, value: r.take(len, "a feature's value")?.to_vec() });
    }
    if features.is_empty() {
        return Err(DecodeError::at(header_len, "the message zone is empty"));
    }
    Ok(Seal { header, features, signature, signed_data: bytes[..signed_len].to_vec(), header_len })
}

/// Why a seal cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("{field}: {source}")]
    NotC40 { field: &'static str, source: c40::NotC40 },
    #[error("{0}")]
    Invalid(String),
}

/// Writes a seal: the header, then features in the order added, then the signature.
#[derive(Debug, Clone)]
pub struct SealBuilder {
    header: Header,
    features: Vec<Feature>,
}

impl SealBuilder {
    pub fn new(header: Header) -> SealBuilder {
        SealBuilder { header, features: Vec::new() }
    }

    pub fn feature(mut self, tag: u8, value: impl Into<Vec<u8>>) -> SealBuilder {
        self.features.push(Feature { tag, value: value.into() });
        self
    }

    /// The header and message zone: the bytes to sign.
    pub fn unsigned_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        let h = &self.header;
        let c40 = |field: &'static str, text: &str| {
            c40::encode(text).map_err(|source| EncodeError::NotC40 { field, source })
        };
        let country = h.issuing_country.as_str();
        if country.is_empty() || country.len() > 3 {
            return Err(EncodeError::Invalid(format!("issuing country {country:?}: 1-3 letters")));
        }
        if h.signer_identifier.chars().count() != 4 {
            return Err(EncodeError::Invalid("the signer identifier has 4 characters".into()));
        }
        let mut out = vec![MAGIC, h.version.raw()];
        out.extend(c40("issuing_country", &format!("{country:<<3}"))?);
        let reference = &h.certificate_reference;
        let signer = match h.version {
            Version::V3 => {
                if reference.chars().count() > 5 {
                    return Err(EncodeError::Invalid(
                        "a version 3 certificate reference has at most 5 characters".into(),
                    ));
                }
                format!("{}{:0>5}", h.signer_identifier, reference)
            }
            Version::V4 => {
                let n = reference.chars().count();
                if n == 0 || n > 0xFF {
                    return Err(EncodeError::Invalid("a certificate reference of 1-255".into()));
                }
                format!("{}{n:02X}{reference}", h.signer_identifier)
            }
        };
        out.extend(c40("certificate_reference", &signer)?);
        out.extend(encode_date(h.document_issue_date));
        out.extend(encode_date(h.signature_creation_date));
        out.push(h.feature_definition_reference);
        out.push(h.document_type_category);
        if self.features.is_empty() {
            return Err(EncodeError::Invalid("a seal carries at least one feature".into()));
        }
        for f in &self.features {
            if f.tag == SIGNATURE_TAG {
                return Err(EncodeError::Invalid("tag 0xFF is the signature's".into()));
            }
            let len = u16::try_from(f.value.len())
                .map_err(|_| EncodeError::Invalid(format!("feature {}: over 64 kB", f.tag)))?;
            out.push(f.tag);
            der::write_len(&mut out, len);
            out.extend_from_slice(&f.value);
        }
        Ok(out)
    }

    /// The whole seal, signed.
    pub fn sign(&self, key: &SigningKey) -> Result<Vec<u8>, EncodeError> {
        let mut out = self.unsigned_bytes()?;
        let signature = key.sign(&out).map_err(|e| EncodeError::Invalid(e.to_string()))?;
        out.push(SIGNATURE_TAG);
        der::write_len(&mut out, signature.len() as u16);
        out.extend_from_slice(&signature);
        Ok(out)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn header(version: Version) -> Header {
        Header {
            version,
            issuing_country: "VNM".into(),
            signer_identifier: "VNHP".into(),
            certificate_reference: "1A".into(),
            document_issue_date: date!(2026 - 11 - 25),
            signature_creation_date: date!(2026 - 11 - 25),
            feature_definition_reference: 1,
            document_type_category: 2,
        }
    }

    #[test]
    fn a_seal_written_is_read_back_and_verifies() {
        let key = SigningKey::generate().unwrap();
        for version in [Version::V3, Version::V4] {
            let bytes = SealBuilder::new(header(version))
                .feature(1, b"A".to_vec())
                .feature(2, vec![7; 300])
                .sign(&key)
                .unwrap();
            let seal = decode(&bytes).unwrap();
            let mut want = header(version);
            if version == Version::V3 {
                want.certificate_reference = "0001A".into();
            }
            assert_eq!(seal.header, want);
            assert_eq!(seal.feature(2).map(<[u8]>::len), Some(300));
            assert!(seal.signed_by(&key.verifying_key()));
            let mut forged = bytes.clone();
            forged[seal.header_len + 3] ^= 1;
            assert!(!decode(&forged).unwrap().signed_by(&key.verifying_key()));
        }
    }

    #[test]
    fn damaged_seals_are_refused_where_they_go_wrong() {
        let key = SigningKey::generate().unwrap();
        let bytes =
            SealBuilder::new(header(Version::V4)).feature(1, b"AB".to_vec()).sign(&key).unwrap();
        let signed = decode(&bytes).unwrap().signed_data.len();
        for cut in 0..bytes.len() {
            match decode(&bytes[..cut]) {
                // Without its signature zone, a seal reads as unsigned; it never verifies.
                Ok(s) => assert!(cut == signed && s.signature.is_none(), "cut at {cut}"),
                Err(_) => assert_ne!(cut, signed),
            }
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert_eq!(decode(&extra).unwrap_err().message, "bytes after the signature");
        assert_eq!(decode(&[0xDD]).unwrap_err().offset, 0);
        assert_eq!(decode(&[0xDC, 0x04]).unwrap_err().offset, 1);
    }

    #[test]
    fn dates_are_mmddyyyy_numbers() {
        assert_eq!(encode_date(date!(1957 - 03 - 25)), [0x31, 0x9E, 0xF5]);
        assert_eq!(decode_date([0x31, 0x9E, 0xF5]), Ok(date!(1957 - 03 - 25)));
        assert!(decode_date([0xFF, 0xFF, 0xFF]).is_err());
        assert!(decode_date([0, 0, 0]).is_err());
    }
}
